//! `ipcMain.handle` / `ipcRenderer.invoke` between main and real Rust renderer processes.

mod common;

use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

use common::*;
use electrode::{Error, InvokeError, IpcMain};
use serde_json::json;

#[test]
fn a_handler_s_value_is_the_invoke_s_answer_even_inside_a_listener() {
    let ipc = IpcMain::new();
    ipc.handle("add", |event, args| {
        let (a, b): (f64, f64) = (args.get(0)?, args.get(1)?);
        Ok(json!({"sum": a + b, "from": event.sender().id(), "channel": event.channel()}))
    })
    .unwrap();
    let h = harness(ipc);
    let r = h.spawn();
    // The `cmd` listener runs on the renderer's dispatch thread: the blocking invoke there
    // must not wait for that same thread.
    h.cmd(
        &r,
        json!({"op": "invoke", "channel": "add", "args": [1.5, 2]}),
    );
    let got = h.expect(&r, "invoked");
    assert_eq!(
        got["ok"],
        json!({"sum": 3.5, "from": r.id(), "channel": "add"})
    );
}

#[test]
fn no_handler_and_a_second_handler_give_electron_s_messages() {
    let ipc = IpcMain::new();
    ipc.handle("once", |_, _| Ok("first")).unwrap();
    let second = ipc.handle("once", |_, _| Ok("second")).unwrap_err();
    assert!(matches!(second, Error::HandlerExists { ref channel, .. } if channel == "once"));
    assert_eq!(
        second.to_string(),
        "Attempted to register a second handler for 'once'"
    );
    assert!(ipc.remove_handler("once"));
    assert!(!ipc.remove_handler("once"));
    ipc.handle_once("once", |_, _| Ok("only once")).unwrap();
    let h = harness(ipc.clone());
    let r = h.spawn();
    h.cmd(&r, json!({"op": "invoke", "channel": "once"}));
    assert_eq!(h.expect(&r, "invoked")["ok"], "only once");
    h.cmd(&r, json!({"op": "invoke", "channel": "once"}));
    let gone = h.expect(&r, "invoked");
    assert_eq!(gone["message"], "No handler registered for 'once'");
    assert_eq!(
        gone["err"],
        "Error invoking remote method 'once': Error: No handler registered for 'once'"
    );
    // The channel is free again after handle_once answered.
    ipc.handle("once", |_, _| Ok("again")).unwrap();
    h.cmd(&r, json!({"op": "invoke", "channel": "once"}));
    assert_eq!(h.expect(&r, "invoked")["ok"], "again");
}

#[test]
fn a_handler_s_error_reaches_the_caller_with_its_code_and_data() {
    let ipc = IpcMain::new();
    ipc.handle("open", |_, args| -> Result<(), electrode::BoxError> {
        let path: String = args.get(0)?;
        Err(InvokeError::new(format!("cannot open {path}"))
            .with_code("ENOENT")
            .with_data(json!({"path": path}))
            .into())
    })
    .unwrap();
    ipc.handle("plain", |_, _| -> Result<(), electrode::BoxError> {
        Err("plain failure".into())
    })
    .unwrap();
    ipc.handle("panics", |_, _| -> Result<(), electrode::BoxError> {
        panic!("handler panicked on purpose")
    })
    .unwrap();
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "invoke", "channel": "open", "args": ["/nope"]}),
    );
    let got = h.expect(&r, "invoked");
    assert_eq!(got["message"], "cannot open /nope");
    assert_eq!(got["code"], "ENOENT");
    assert_eq!(got["data"], json!({"path": "/nope"}));
    h.cmd(&r, json!({"op": "invoke", "channel": "plain"}));
    let got = h.expect(&r, "invoked");
    assert_eq!(got["message"], "plain failure");
    assert_eq!(got["code"], json!(null));
    h.cmd(&r, json!({"op": "invoke", "channel": "panics"}));
    let got = h.expect(&r, "invoked");
    assert!(
        got["message"]
            .as_str()
            .unwrap()
            .contains("handler panicked on purpose"),
        "{got}"
    );
    // The renderer's link survived all three.
    h.assert_alive(&r);
}

#[test]
fn a_slow_handler_does_not_hold_a_fast_one() {
    let ipc = IpcMain::new();
    let (release_tx, release_rx) = futures_channel_pair();
    let release_rx = Arc::new(Mutex::new(Some(release_rx)));
    ipc.handle_async("slow", move |_event, _args| {
        let rx = release_rx.lock().unwrap().take();
        async move {
            if let Some(rx) = rx {
                let _ = rx.await;
            }
            Ok("slow")
        }
    })
    .unwrap();
    ipc.handle("fast", |_, _| Ok("fast")).unwrap();
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "invoke_many", "channels": ["slow", "fast"]}),
    );
    h.expect(&r, "invokes_started");
    // The fast answer arrives while the slow handler still waits.
    let first = h.expect(&r, "invoked_async");
    assert_eq!(first["channel"], "fast");
    assert_eq!(first["ok"], "fast");
    // Messages still flow both ways meanwhile.
    h.assert_alive(&r);
    release_tx.send(()).unwrap();
    let second = h.expect(&r, "invoked_async");
    assert_eq!(second["channel"], "slow");
    assert_eq!(second["ok"], "slow");
}

#[test]
fn a_caller_that_stops_waiting_cancels_the_handler() {
    let ipc = IpcMain::new();
    let (dropped_tx, dropped_rx) = channel::<&'static str>();
    let dropped_tx = Mutex::new(dropped_tx);
    ipc.handle_async("forever", move |_event, _args| {
        let guard = DropSignal(dropped_tx.lock().unwrap().clone());
        async move {
            let _guard = guard;
            std::future::pending::<()>().await;
            Ok(())
        }
    })
    .unwrap();
    let h = harness(ipc);
    let r = h.spawn();
    // Dropping the future cancels at once.
    h.cmd(&r, json!({"op": "invoke_and_drop", "channel": "forever"}));
    h.expect(&r, "dropped");
    assert_eq!(dropped_rx.recv_timeout(PATIENCE), Ok("dropped"));
    // A blocking invoke that times out cancels too (the deadline bounds the wait only).
    h.cmd(
        &r,
        json!({"op": "invoke", "channel": "forever", "timeout_ms": 50}),
    );
    let got = h.expect(&r, "invoked");
    assert_eq!(got["timeout"], true, "{got}");
    assert_eq!(dropped_rx.recv_timeout(PATIENCE), Ok("dropped"));
    // A renderer that exits with an invoke in flight cancels it as well.
    h.cmd(&r, json!({"op": "invoke_many", "channels": ["forever"]}));
    h.expect(&r, "invokes_started");
    h.cmd(&r, json!({"op": "exit", "code": 0}));
    assert_eq!(dropped_rx.recv_timeout(PATIENCE), Ok("dropped"));
}

#[test]
fn many_renderers_invoke_at_once() {
    let ipc = IpcMain::new();
    ipc.handle("who", |event, _| Ok(event.sender().id()))
        .unwrap();
    let h = harness(ipc);
    let renderers: Vec<_> = (0..4).map(|_| h.spawn()).collect();
    for r in &renderers {
        h.cmd(r, json!({"op": "invoke", "channel": "who"}));
    }
    for r in &renderers {
        assert_eq!(h.expect(r, "invoked")["ok"], r.id());
    }
}

/// Sends on drop: tells the test that main dropped a handler's future.
struct DropSignal(std::sync::mpsc::Sender<&'static str>);

impl Drop for DropSignal {
    fn drop(&mut self) {
        let _ = self.0.send("dropped");
    }
}

/// A one-shot channel whose receiver is a future (std's is not).
fn futures_channel_pair() -> (OneshotTx, OneshotRx) {
    let state = Arc::new(Mutex::new((false, None::<std::task::Waker>)));
    (OneshotTx(state.clone()), OneshotRx(state))
}

struct OneshotTx(Arc<Mutex<(bool, Option<std::task::Waker>)>>);
struct OneshotRx(Arc<Mutex<(bool, Option<std::task::Waker>)>>);

impl OneshotTx {
    fn send(self, _: ()) -> Result<(), ()> {
        let mut s = self.0.lock().unwrap();
        s.0 = true;
        if let Some(w) = s.1.take() {
            w.wake();
        }
        Ok(())
    }
}

impl std::future::Future for OneshotRx {
    type Output = Result<(), ()>;
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let mut s = self.0.lock().unwrap();
        if s.0 {
            std::task::Poll::Ready(Ok(()))
        } else {
            s.1 = Some(cx.waker().clone());
            std::task::Poll::Pending
        }
    }
}

#[test]
fn invokes_waiting_for_their_handlers_are_bounded_per_renderer() {
    use electrode::wire::{Frame, InvokeOutcome};
    use std::io::Write;
    let ipc = IpcMain::new();
    ipc.handle_async("never", |_, _| async {
        std::future::pending::<()>().await;
        Ok(())
    })
    .unwrap();
    let h = harness(ipc);
    let (_wc, mut s, mut reader) = hand_driven(&h.main);
    let over = 10u64;
    let mut batch = Vec::new();
    for request in 1..=1024 + over {
        let ask = Frame::Invoke {
            request,
            channel: "never".into(),
            args: electrode::Args::empty(),
        };
        batch.extend_from_slice(&ask.encode().to_vec());
    }
    s.write_all(&batch).unwrap();
    for _ in 0..over {
        let frame = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
        match frame {
            Frame::InvokeReply {
                request,
                outcome: InvokeOutcome::Error(failure),
            } => {
                assert!(request > 1024, "{request}");
                assert!(
                    failure.message.contains("(the limit)"),
                    "{}",
                    failure.message
                );
                assert!(failure.message.contains("'never'"), "{}", failure.message);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // The link still works (other calls than invoke are not limited by it).
    let ask = Frame::SendSync {
        request: 5000,
        channel: "alive?".into(),
        args: electrode::Args::empty(),
    };
    s.write_all(&ask.encode().to_vec()).unwrap();
    let frame = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
    assert!(
        matches!(frame, Frame::SyncReply { request: 5000, .. }),
        "{frame:?}"
    );
}
