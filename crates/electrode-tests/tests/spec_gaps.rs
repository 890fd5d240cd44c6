//! Electron spec cases (spec/api-ipc-spec.ts, spec/api-ipc-main-spec.ts) that had no test of
//! their own yet, each with a real `Main` on its socket and real renderer connections (a
//! `test-renderer` process driven by script commands, or an in-process `IpcRenderer` over the
//! real Unix socket):
//!
//! - "receives an error from an asynchronous handler" (`ipcMain.handle` with an async handler);
//! - "WebContents.ipc receives postMessage messages sent from the WebContents, w/ MessagePorts"
//!   and "cascades to ipcMain";
//! - "WebContents.postMessage throws when passing duplicate ports" / "… ports that have already
//!   been neutered";
//! - "can forward a port from one renderer to another renderer";
//! - "ordering between send, sendSync, and invoke is consistent".

mod common;

use std::future::Future;
use std::pin::Pin;
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::ThreadId;

use common::*;
use electrode::{
    Error, InvokeError, IpcMain, ListenerFailure, Main, MessageChannelMain, MessagePortMain,
};
use electrode_renderer::IpcRenderer;
use serde_json::{json, Value as Json};

/// An in-process renderer on `main`'s real socket (a real handshake, the real link).
fn connect(main: &Main) -> (electrode::WebContents, IpcRenderer) {
    let (wc, ticket) = main.issue_ticket(None);
    let ipc = IpcRenderer::connect(&ticket.socket, &ticket.token).expect("connects");
    assert!(
        wc.wait_ready(PATIENCE),
        "renderer {} never got ready",
        wc.id()
    );
    (wc, ipc)
}

/// `await new Promise(setImmediate)`: pending once (waking itself), then ready, so the
/// handler's answer really comes from a later poll.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// api-ipc-spec.ts "receives an error from an asynchronous handler": the handler awaits, then
/// fails; the caller's invoke is rejected with Electron's text
/// `Error invoking remote method '<channel>': Error: <message>`.
#[test]
fn an_async_handler_s_error_rejects_the_invoke_with_electron_s_text() {
    let ipc = IpcMain::new();
    // (thread the handler was called on, thread its future finished on)
    let (threads_tx, threads_rx) = channel::<(ThreadId, ThreadId)>();
    let threads_tx = Mutex::new(threads_tx);
    ipc.handle_async("test", move |_event, args| {
        let called_on = std::thread::current().id();
        let tx = threads_tx.lock().unwrap().clone();
        async move {
            YieldOnce(false).await;
            let _ = tx.send((called_on, std::thread::current().id()));
            let what: String = args.get(0)?;
            Err::<(), _>(format!("some error: {what}").into())
        }
    })
    .unwrap();
    ipc.handle_async("typed", |_event, _args| async {
        YieldOnce(false).await;
        Err::<u32, _>(
            InvokeError::new("cannot open /nope")
                .with_code("ENOENT")
                .with_data(json!({"path": "/nope"}))
                .into(),
        )
    })
    .unwrap();
    ipc.handle_async("fine", |_event, args| async move {
        YieldOnce(false).await;
        Ok(args.get::<u32>(0)? * 2)
    })
    .unwrap();
    let h = harness(ipc);

    // A Rust renderer on the real socket: the error's own text, blocking and as a future.
    let (_wc, r) = connect(&h.main);
    let e = r.invoke::<Json, _>("test", &("blocking",)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Error invoking remote method 'test': Error: some error: blocking"
    );
    assert!(e.is_remote(), "{e:?}");
    match &e {
        electrode_renderer::Error::Invoke {
            channel,
            message,
            code,
            data,
        } => {
            assert_eq!(channel, "test");
            assert_eq!(message, "some error: blocking");
            assert_eq!((code, data), (&None, &None), "a plain error has no payload");
        }
        other => panic!("expected Error::Invoke, got {other:?}"),
    }
    let (called_on, finished_on) = threads_rx.recv_timeout(PATIENCE).unwrap();
    assert_ne!(
        called_on, finished_on,
        "the handler's future ran off the link's worker (it is async)"
    );
    let e = r
        .invoke_async::<Json, _>("test", &("future",))
        .wait()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Error invoking remote method 'test': Error: some error: future"
    );
    threads_rx.recv_timeout(PATIENCE).unwrap();
    // An InvokeError from an async handler keeps its code and data.
    match r.invoke::<u32, _>("typed", &()).unwrap_err() {
        e @ electrode_renderer::Error::Invoke { .. } => {
            assert_eq!(
                e.to_string(),
                "Error invoking remote method 'typed': Error: cannot open /nope"
            );
            let electrode_renderer::Error::Invoke { code, data, .. } = e else {
                unreachable!()
            };
            assert_eq!(code, Some(json!("ENOENT")));
            assert_eq!(data, Some(json!({"path": "/nope"})));
        }
        other => panic!("expected Error::Invoke, got {other:?}"),
    }
    // The same link still answers: an error is one call's outcome, not the link's.
    assert_eq!(r.invoke::<u32, _>("fine", &(21,)).unwrap(), 42);

    // A renderer process: the same rejection reaches it.
    let p = h.spawn();
    h.cmd(
        &p,
        json!({"op": "invoke", "channel": "test", "args": ["process"]}),
    );
    let got = h.expect(&p, "invoked");
    assert_eq!(got["is_error"], true, "{got}");
    assert_eq!(got["message"], "some error: process", "{got}");
    assert_eq!(
        got["err"],
        "Error invoking remote method 'test': Error: some error: process"
    );
    h.assert_alive(&p);
}

/// api-ipc-spec.ts "WebContents.ipc receives postMessage messages sent from the WebContents,
/// w/ MessagePorts" and "cascades to ipcMain". `webContents.ipc`'s listener gets the event
/// with the port first; ipcMain's listener for the channel runs after it with the same event
/// (Electron's ipc-dispatch.ts emits `-ipc-ports` on WebFrameMain.ipc, WebContents.ipc, then
/// ipcMain; Electrode's `Connection::handle_frame` runs `local_dispatch` then
/// `ipc.dispatch`). The only effect of the per-contents listener on ipcMain is that a channel
/// it took is not reported as having no listener.
#[test]
fn web_contents_ipc_gets_a_renderer_s_post_message_with_its_port_before_ipc_main() {
    let ipc = IpcMain::new();
    let failures: Arc<Mutex<Vec<ListenerFailure>>> = Arc::default();
    let log = failures.clone();
    ipc.on_error(move |f| log.lock().unwrap().push(f.clone()));
    let h = harness(ipc);
    let r = h.spawn();
    let other = h.spawn();

    let order: Arc<Mutex<Vec<String>>> = Arc::default();
    let (msg_tx, msg_rx) = channel::<(&'static str, u64)>();
    let msg_tx = Arc::new(Mutex::new(msg_tx));
    let kept: Arc<Mutex<Vec<MessagePortMain>>> = Arc::default();

    let (seen, tx, keep) = (order.clone(), msg_tx.clone(), kept.clone());
    r.ipc().on("test", move |event, args| {
        let message: Json = args.get(0)?;
        seen.lock().unwrap().push(format!(
            "contents ports={} message={message}",
            event.ports().len()
        ));
        for port in event.ports() {
            let tx = tx.clone();
            port.on_message(move |m| {
                tx.lock().unwrap().send(("contents", m.data()?))?;
                Ok(())
            });
            keep.lock().unwrap().push(port.clone());
        }
        Ok(())
    });
    let (seen, tx, keep) = (order.clone(), msg_tx.clone(), kept.clone());
    h.main.ipc().on("test", move |event, args| {
        let message: Json = args.get(0)?;
        seen.lock().unwrap().push(format!(
            "ipcMain {} ports={} message={message}",
            event.sender().id(),
            event.ports().len()
        ));
        for port in event.ports() {
            let tx = tx.clone();
            port.on_message(move |m| {
                tx.lock().unwrap().send(("ipcMain", m.data()?))?;
                Ok(())
            });
            // Started after both listeners registered theirs.
            port.start();
            keep.lock().unwrap().push(port.clone());
        }
        Ok(())
    });

    // Another renderer's postMessage on the channel reaches ipcMain only (r's table is r's).
    h.cmd(
        &other,
        json!({"op": "port_open", "channel": "test", "message": "from other"}),
    );
    assert_eq!(h.expect(&other, "port_opened")["err"], Json::Null);
    h.assert_alive(&other);

    h.cmd(
        &r,
        json!({"op": "port_open", "channel": "test", "message": {"n": 1}}),
    );
    assert_eq!(h.expect(&r, "port_opened")["err"], Json::Null);
    // A sendSync round trip after the postMessage: main handled that frame completely.
    h.assert_alive(&r);
    assert_eq!(
        *order.lock().unwrap(),
        [
            format!("ipcMain {} ports=1 message=\"from other\"", other.id()),
            r#"contents ports=1 message={"n":1}"#.to_string(),
            format!("ipcMain {} ports=1 message={{\"n\":1}}", r.id()),
        ]
    );
    // One event, one port: both listeners hold the same MessagePortMain, so each message
    // the renderer posts on it reaches both, in order.
    h.cmd(&r, json!({"op": "port_post", "messages": [1, 2, 3]}));
    assert_eq!(h.expect(&r, "port_posted")["errors"], json!([]));
    let mut got = Vec::new();
    for _ in 0..6 {
        got.push(msg_rx.recv_timeout(PATIENCE).expect("a port message"));
    }
    assert_eq!(
        got,
        [
            ("contents", 1),
            ("ipcMain", 1),
            ("contents", 2),
            ("ipcMain", 2),
            ("contents", 3),
            ("ipcMain", 3)
        ]
    );
    // The port talks back to the renderer's kept end.
    let ports = kept.lock().unwrap().clone();
    assert_eq!(ports.len(), 3, "other's port, then r's port twice");
    ports[2].post_message(&"back").unwrap();
    assert_eq!(h.expect(&r, "port_message")["data"], "back");

    // A channel only webContents.ipc listens on is not "unheard"; one nobody listens on is.
    let (tx, only_own) = channel::<usize>();
    let tx = Mutex::new(tx);
    r.ipc().on("only-own", move |event, _| {
        tx.lock().unwrap().send(event.ports().len())?;
        Ok(())
    });
    h.cmd(
        &r,
        json!({"op": "port_open", "channel": "only-own", "message": null}),
    );
    h.expect(&r, "port_opened");
    assert_eq!(only_own.recv_timeout(PATIENCE).unwrap(), 1);
    h.cmd(
        &r,
        json!({"op": "port_open", "channel": "nobody-listens", "message": null}),
    );
    h.expect(&r, "port_opened");
    h.assert_alive(&r);
    let failures = failures.lock().unwrap().clone();
    assert_eq!(
        failures,
        [ListenerFailure::NoListener {
            renderer: r.id(),
            channel: "nobody-listens".into()
        }]
    );
}

/// api-ipc-spec.ts "WebContents.postMessage throws when passing duplicate ports" and "throws
/// when passing ports that have already been neutered". Electron's texts are "Port at index 1
/// is a duplicate." and "Port at index 0 is already neutered." (shell/browser/api/
/// message_port.cc `DisentanglePorts`); Electrode refuses both with its own words, and moves
/// none of the ports of a refused call.
#[test]
fn post_message_refuses_a_duplicate_port_and_a_port_already_transferred() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.cmd(&r, json!({"op": "listen_ports", "channel": "port"}));
    h.expect(&r, "listening");

    // The same port twice.
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    let e = r
        .post_message("port", &"dup", &[port1.clone(), port1.clone()])
        .unwrap_err();
    assert!(matches!(e, Error::Port { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "MessagePort: the same port is in the transfer list twice"
    );
    // Nothing moved: port1 is still main's, entangled with port2.
    assert_eq!(format!("{port1:?}"), "MessagePortMain(in main)");
    let (tx, rx) = channel::<String>();
    let tx = Mutex::new(tx);
    port2.on_message(move |m| {
        tx.lock().unwrap().send(m.data()?)?;
        Ok(())
    });
    port2.start();
    port1.post_message(&"still here").unwrap();
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "still here");

    // A port transferred by an earlier postMessage (Electron: "neutered").
    r.post_message("port", &"first", std::slice::from_ref(&port1))
        .unwrap();
    assert_eq!(
        h.expect(&r, "got_ports"),
        json!({"event": "got_ports", "ports": [0], "args": ["first"]})
    );
    let e = r
        .post_message("port", &"again", std::slice::from_ref(&port1))
        .unwrap_err();
    assert!(matches!(e, Error::Port { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        format!(
            "MessagePort: the port was transferred to renderer {}; main cannot use it any more",
            r.id()
        )
    );
    // A fresh port next to the transferred one is refused with it and stays in main.
    let MessageChannelMain {
        port1: fresh,
        port2: _fresh_peer,
    } = MessageChannelMain::new();
    let e = r
        .post_message("port", &"mixed", &[fresh.clone(), port1.clone()])
        .unwrap_err();
    assert!(e.to_string().contains("transferred"), "{e}");
    assert_eq!(format!("{fresh:?}"), "MessagePortMain(in main)");
    // The renderer got exactly the one successful transfer, and its port still works.
    h.cmd(
        &r,
        json!({"op": "port_post", "messages": ["from renderer"]}),
    );
    assert_eq!(h.expect(&r, "port_posted")["errors"], json!([]));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "from renderer");
    h.assert_alive(&r);
    assert!(
        h.drain(r.id(), |m| m["event"] == "got_ports").is_empty(),
        "a refused postMessage delivered something"
    );
}

/// api-ipc-spec.ts "can forward a port from one renderer to another renderer": renderer A
/// makes a channel and posts one end to main; main hands `event.ports()[0]` on to renderer B;
/// A and B then talk over the pair both ways, in order, and A closing its end is seen by B.
#[test]
fn main_forwards_a_renderer_s_port_to_another_renderer() {
    let ipc = IpcMain::new();
    let failures: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = failures.clone();
    ipc.on_error(move |f| log.lock().unwrap().push(f.to_string()));
    let (port_tx, port_rx) = channel::<(Json, Vec<MessagePortMain>)>();
    let port_tx = Mutex::new(port_tx);
    ipc.on("port", move |event, args| {
        port_tx
            .lock()
            .unwrap()
            .send((args.get(0)?, event.ports().to_vec()))?;
        Ok(())
    });
    let h = harness(ipc);
    let (a, b) = (h.spawn(), h.spawn());
    h.cmd(&b, json!({"op": "listen_ports", "channel": "port"}));
    h.expect(&b, "listening");

    h.cmd(
        &a,
        json!({"op": "port_open", "channel": "port", "message": "from a"}),
    );
    assert_eq!(
        h.expect(&a, "port_opened"),
        json!({"event": "port_opened", "port": 0, "err": null})
    );
    let (message, ports) = port_rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!((message, ports.len()), (json!("from a"), 1));
    let port = ports[0].clone();
    b.post_message("port", &"forwarded", std::slice::from_ref(&port))
        .unwrap();
    assert_eq!(
        h.expect(&b, "got_ports"),
        json!({"event": "got_ports", "ports": [0], "args": ["forwarded"]})
    );
    // Main gave the port away.
    let e = port.post_message(&0).unwrap_err();
    assert!(e.to_string().contains("transferred"), "{e}");

    // Both ways at once, 100 each.
    let a_to_b: Vec<Json> = (0..100).map(|i| json!({"from": "a", "i": i})).collect();
    let b_to_a: Vec<Json> = (0..100).map(|i| json!({"from": "b", "i": i})).collect();
    h.cmd(&a, json!({"op": "port_post", "messages": a_to_b}));
    h.cmd(&b, json!({"op": "port_post", "messages": b_to_a}));
    assert_eq!(h.expect(&a, "port_posted")["errors"], json!([]));
    assert_eq!(h.expect(&b, "port_posted")["errors"], json!([]));
    for want in &a_to_b {
        assert_eq!(&h.expect(&b, "port_message")["data"], want);
    }
    for want in &b_to_a {
        assert_eq!(&h.expect(&a, "port_message")["data"], want);
    }
    // None of it went through main's listeners (it would be an unheard message there).
    assert!(
        failures.lock().unwrap().is_empty(),
        "{:?}",
        failures.lock().unwrap()
    );

    // A closes its end: B hears of it, and B's posts fail from then on.
    h.cmd(&a, json!({"op": "port_close"}));
    h.expect(&a, "port_closing");
    assert_eq!(h.expect(&b, "port_closed")["port"], 0);
    h.cmd(&b, json!({"op": "port_post", "messages": ["late"]}));
    let errors = h.expect(&b, "port_posted")["errors"].clone();
    assert!(
        errors[0].as_str().is_some_and(|e| e.contains("closed")),
        "{errors}"
    );
    h.assert_alive(&a);
    h.assert_alive(&b);
    assert!(
        h.drain(a.id(), |m| m["event"] == "port_message").is_empty(),
        "A got more than B posted"
    );
}

/// Main-side listeners for the ordering tests: `send` on `a`, `invoke` on `b` (a handler that
/// answers at once: it runs when main takes the frame, which is what "arrival" means here;
/// an `async` handler's answer may come in any order), `sendSync` on `c`. Each records its
/// first argument.
fn ordering_main(h: &electrode_tests::Harness) -> Arc<Mutex<Vec<u64>>> {
    let order: Arc<Mutex<Vec<u64>>> = Arc::default();
    let ipc = h.main.ipc();
    let seen = order.clone();
    ipc.on("a", move |_, args| {
        seen.lock().unwrap().push(args.get(0)?);
        Ok(())
    });
    let seen = order.clone();
    ipc.handle("b", move |_, args| {
        let i: u64 = args.get(0)?;
        seen.lock().unwrap().push(i);
        Ok(i)
    })
    .unwrap();
    let seen = order.clone();
    ipc.on("c", move |event, args| {
        let i: u64 = args.get(0)?;
        seen.lock().unwrap().push(i);
        event.set_return_value(i)?;
        Ok(())
    });
    order
}

/// api-ipc-spec.ts "ordering between send, sendSync, and invoke is consistent", from a
/// renderer process: `send('a', 1)`, a non-blocking `invoke('b', 2)`, `send('a', 3)`,
/// `sendSync('c', 4)`. A Rust renderer writes every call on its one link as it is made and
/// main handles one renderer's frames in order (README "How it works"; ADR 0016 states it for
/// pages' invoke and send), so main sees 1, 2, 3, 4.
#[test]
fn send_invoke_and_send_sync_from_a_renderer_process_arrive_in_call_order() {
    let h = harness(IpcMain::new());
    let order = ordering_main(&h);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "steps", "steps": [
            {"op": "send", "channel": "a", "args": [1]},
            {"op": "invoke_many", "channels": ["b"], "args": [2]},
            {"op": "send", "channel": "a", "args": [3]},
            {"op": "send_sync", "channel": "c", "args": [4]},
        ]}),
    );
    h.expect(&r, "invokes_started");
    assert_eq!(h.expect(&r, "sync")["ok"], 4);
    // The sendSync's answer came after main handled everything sent before it.
    assert_eq!(*order.lock().unwrap(), [1, 2, 3, 4]);
    let answered = h.expect(&r, "invoked_async");
    assert_eq!(
        (&answered["channel"], &answered["ok"]),
        (&json!("b"), &json!(2))
    );
}

/// The same with many calls, mixed as in Electron's stress test (a fixed pseudo-random mix
/// here, so a failure repeats), from an in-process `IpcRenderer` on the real socket.
#[test]
fn a_long_mix_of_send_invoke_and_send_sync_arrives_in_call_order() {
    let h = harness(IpcMain::new());
    let order = ordering_main(&h);
    let (_wc, r) = connect(&h.main);
    let n = 1000u64;
    let mut calls = Vec::new();
    let mut kinds = [0usize; 3];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for i in 0..n {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let kind = (seed % 3) as usize;
        kinds[kind] += 1;
        match kind {
            0 => r.send("a", &(i,)).unwrap(),
            1 => calls.push((i, r.invoke_async::<u64, _>("b", &(i,)))),
            _ => assert_eq!(r.send_sync::<u64, _>("c", &(i,)).unwrap(), i),
        }
    }
    assert!(kinds.iter().all(|&k| k > 100), "a real mix: {kinds:?}");
    for (i, call) in calls {
        assert_eq!(call.wait().unwrap(), i);
    }
    // A last sendSync: main handled every frame before it.
    assert_eq!(r.send_sync::<u64, _>("c", &(n,)).unwrap(), n);
    let order = order.lock().unwrap().clone();
    assert_eq!(order, (0..=n).collect::<Vec<_>>());
}
