//! MessagePorts (docs/adr/0019) with real renderer processes: Electron's `MessageChannelMain`
//! / `ipcRenderer.postMessage` cases as they apply to a Rust main (spec/api-ipc-spec.ts,
//! "MessagePort"): a port from a renderer reaches main's `event.ports`, main's ports reach a
//! renderer, two renderers talk over a channel main made without main's listeners seeing it,
//! order is kept, closing one end (or the renderer going away) is seen at the other, and a
//! renderer that breaks the port rules is closed alone.

mod common;

use std::io::Write;
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

use common::*;
use electrode::wire::{Args, Frame};
use electrode::{IpcMain, MessageChannelMain, MessagePortMain};
use serde_json::{json, Value as Json};

#[test]
fn a_port_from_a_renderer_reaches_main_s_event_ports_and_talks_both_ways() {
    let ipc = IpcMain::new();
    let (got_tx, got_rx) = channel::<(Json, usize)>();
    let got_tx = Mutex::new(got_tx);
    let kept: Arc<Mutex<Vec<MessagePortMain>>> = Arc::default();
    let keep = kept.clone();
    ipc.on("port", move |event, args| {
        got_tx
            .lock()
            .unwrap()
            .send((args.get(0)?, event.ports().len()))?;
        for port in event.ports() {
            let back = port.clone();
            port.on_message(move |m| {
                let n: u64 = m.data()?;
                back.post_message(&(n * 10))?;
                Ok(())
            });
            port.start();
            keep.lock().unwrap().push(port.clone());
        }
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "port_open", "channel": "port", "message": {"hello": 1}}),
    );
    assert_eq!(
        h.expect(&r, "port_opened"),
        json!({"event": "port_opened", "port": 0, "err": null})
    );
    assert_eq!(
        got_rx.recv_timeout(PATIENCE).unwrap(),
        (json!({"hello": 1}), 1)
    );
    h.cmd(&r, json!({"op": "port_post", "messages": [1, 2, 3]}));
    h.expect(&r, "port_posted");
    for want in [10, 20, 30] {
        assert_eq!(h.expect(&r, "port_message")["data"], want);
    }
    // Main closes its end: the renderer's end hears of it, and main's end is unusable.
    let port = kept.lock().unwrap()[0].clone();
    port.close();
    assert!(port.is_closed());
    assert_eq!(h.expect(&r, "port_closed")["port"], 0);
    let e = port.post_message(&1).unwrap_err();
    assert!(e.to_string().contains("closed"), "{e}");
    h.assert_alive(&r);
}

#[test]
fn two_renderers_talk_over_main_s_channel_in_order_without_main_s_listeners() {
    let ipc = IpcMain::new();
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    ipc.on_error(move |failure| log.lock().unwrap().push(failure.to_string()));
    let h = harness(ipc);
    let (a, b) = (h.spawn(), h.spawn());
    for r in [&a, &b] {
        h.cmd(r, json!({"op": "listen_ports", "channel": "port"}));
        h.expect(r, "listening");
    }
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    a.post_message("port", &"to a", std::slice::from_ref(&port1))
        .unwrap();
    b.post_message("port", &"to b", &[port2]).unwrap();
    assert_eq!(
        h.expect(&a, "got_ports"),
        json!({"event": "got_ports", "ports": [0], "args": ["to a"]})
    );
    h.expect(&b, "got_ports");
    // A transferred port belongs to the renderer now.
    let e = port1.post_message(&1).unwrap_err();
    assert!(e.to_string().contains("transferred"), "{e}");

    // Posted at once, while the two renderers switch to their direct socket: the messages
    // that went through main and those that went direct arrive as one ordered stream.
    let many: Vec<Json> = (0..2000).map(|i| json!({"i": i})).collect();
    h.cmd(&a, json!({"op": "port_post", "messages": many}));
    assert_eq!(h.expect(&a, "port_posted")["errors"], json!([]));
    for i in 0..2000 {
        assert_eq!(h.expect(&b, "port_message")["data"], json!({"i": i}));
    }
    // Both ends went direct: a socket pair main handed over, no hop through main.
    for r in [&a, &b] {
        let state = wait_port_state(&h, r, "receiving direct");
        assert!(state.starts_with("MessagePort(direct"), "{state}");
    }
    h.cmd(&b, json!({"op": "port_post", "messages": ["back"]}));
    assert_eq!(h.expect(&b, "port_posted")["errors"], json!([]));
    assert_eq!(h.expect(&a, "port_message")["data"], "back");
    // Nothing of this went through main's listeners (it would be an unheard message there).
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );

    h.cmd(&a, json!({"op": "port_close"}));
    h.expect(&a, "port_closing");
    assert_eq!(h.expect(&b, "port_closed")["port"], 0);
    h.cmd(&b, json!({"op": "port_post", "messages": ["late"]}));
    let errors = h.expect(&b, "port_posted")["errors"].clone();
    assert!(errors[0].as_str().unwrap().contains("closed"), "{errors}");
}

#[test]
fn a_port_that_is_not_started_is_read_with_recv_in_order_across_the_switch_to_direct() {
    let h = harness(IpcMain::new());
    let (a, b) = (h.spawn(), h.spawn());
    h.cmd(
        &a,
        json!({"op": "listen_ports", "channel": "port", "pull": true}),
    );
    h.expect(&a, "listening");
    h.cmd(&b, json!({"op": "listen_ports", "channel": "port"}));
    h.expect(&b, "listening");
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    a.post_message("port", &(), &[port1]).unwrap();
    b.post_message("port", &(), &[port2]).unwrap();
    h.expect(&a, "got_ports");
    h.expect(&b, "got_ports");
    h.cmd(&a, json!({"op": "port_recv", "count": 500}));
    let many: Vec<Json> = (0..500).map(|i| json!(i)).collect();
    h.cmd(&b, json!({"op": "port_post", "messages": many}));
    let got = h.expect(&a, "port_received");
    assert_eq!(got["err"], Json::Null, "{got}");
    assert_eq!(got["data"], json!((0..500).collect::<Vec<_>>()));
    let state = wait_port_state(&h, &a, "receiving direct");
    assert!(state.starts_with("MessagePort(direct"), "{state}");
    // After the other end closes, recv says so instead of waiting forever.
    h.cmd(&a, json!({"op": "port_recv", "count": 1}));
    h.cmd(&b, json!({"op": "port_close"}));
    let got = h.expect(&a, "port_received");
    assert!(
        got["err"].as_str().is_some_and(|e| e.contains("closed")),
        "{got}"
    );
}

/// Asks `r` for its port 0's state until it contains `want`; returns the last state.
fn wait_port_state(h: &electrode_tests::Harness, r: &electrode::WebContents, want: &str) -> String {
    let state = std::cell::RefCell::new(String::new());
    let became = eventually(|| {
        h.cmd(r, json!({"op": "port_state"}));
        let now = h.expect(r, "port_state")["state"]
            .as_str()
            .unwrap()
            .to_string();
        *state.borrow_mut() = now;
        state.borrow().contains(want)
    });
    let state = state.into_inner();
    assert!(became, "port never became {want}: {state}");
    state
}

#[test]
fn messages_queued_on_an_unstarted_port_follow_it_and_a_renderer_going_away_closes_its_ports() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.cmd(&r, json!({"op": "listen_ports", "channel": "port"}));
    h.expect(&r, "listening");
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    // Posted before the port moves: queued in port2, then sent after it.
    port1.post_message(&"early").unwrap();
    let (closed_tx, closed_rx) = channel();
    let closed_tx = Mutex::new(closed_tx);
    port1.on_close(move || {
        let _ = closed_tx.lock().unwrap().send(());
    });
    r.post_message("port", &(), &[port2]).unwrap();
    h.expect(&r, "got_ports");
    assert_eq!(h.expect(&r, "port_message")["data"], "early");
    h.cmd(&r, json!({"op": "exit", "code": 0}));
    closed_rx
        .recv_timeout(PATIENCE)
        .expect("main's end hears that the renderer went away");
    assert!(port1.is_closed());
}

#[test]
fn main_s_own_channel_delivers_after_start() {
    let MessageChannelMain { port1, port2 } = MessageChannelMain::new();
    let (tx, rx) = channel::<String>();
    let tx = Mutex::new(tx);
    port2.on_message(move |m| {
        tx.lock().unwrap().send(m.data()?)?;
        Ok(())
    });
    port1.post_message(&"queued").unwrap();
    assert!(rx.try_recv().is_err(), "nothing before start()");
    port2.start();
    assert_eq!(rx.try_recv().unwrap(), "queued");
    port1.post_message(&"live").unwrap();
    assert_eq!(rx.try_recv().unwrap(), "live");
    port2.close();
    assert!(port1.is_closed() && port2.is_closed());
}

#[test]
fn a_renderer_that_breaks_the_port_rules_is_closed_alone() {
    let ipc = IpcMain::new();
    ipc.on("port", |_, _| Ok(()));
    let h = harness(ipc);
    let good = h.spawn();
    // An odd handle is the kept end's, never one to transfer.
    let (bad, mut s, _reader) = hand_driven(&h.main);
    let frame = Frame::PostMessage {
        channel: "port".into(),
        ports: vec![3],
        args: Args::encode(&((),)).unwrap(),
    };
    s.write_all(&frame.encode().to_vec()).unwrap();
    let reason = bad.wait_destroyed(PATIENCE).expect("closed");
    assert!(reason.contains("port handle 0x3"), "{reason}");

    // A message on a port this renderer does not hold is dropped; the link stays.
    let (quiet, mut s, _reader) = hand_driven(&h.main);
    let frame = Frame::PortSend {
        port: 42,
        args: Args::encode(&(1,)).unwrap(),
    };
    s.write_all(&frame.encode().to_vec()).unwrap();
    // Too many ports at once: refused by the decoder, before any table grows.
    let (greedy, mut s2, _reader2) = hand_driven(&h.main);
    let frame = Frame::PostMessage {
        channel: "port".into(),
        ports: (1..=100).map(|i| i * 2).collect(),
        args: Args::encode(&((),)).unwrap(),
    };
    s2.write_all(&frame.encode().to_vec()).unwrap();
    let reason = greedy.wait_destroyed(PATIENCE).expect("closed");
    assert!(
        reason.contains("100 ports") && reason.contains("64"),
        "{reason}"
    );
    assert!(
        !quiet.is_destroyed(),
        "an unknown port is no protocol error"
    );
    h.assert_alive(&good);
    drop(s);
}
