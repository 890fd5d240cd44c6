//! What is particular to Rust renderer processes, or needs its own main: WebContents of
//! processes, a renderer that exited, empty channels, queueing before connect, broadcast to
//! every live renderer, size limits. Messages both ways, sendTo, values, large binaries and
//! `event.reply` are main's view, the same on every renderer: `conformance.rs`.

mod common;

use std::process::Command;
use std::sync::mpsc::channel;

use common::*;
use electrode::{Error, IpcMain, RendererKind};
use serde_json::json;

#[test]
fn web_contents_ids_are_unique_and_listed() {
    let h = harness(IpcMain::new());
    let a = h.spawn();
    let b = h.spawn();
    assert_ne!(a.id(), b.id());
    assert_eq!(a.kind(), RendererKind::Process);
    let ids: Vec<u64> = h.main.web_contents().iter().map(|w| w.id()).collect();
    assert!(ids.contains(&a.id()) && ids.contains(&b.id()));
    assert_eq!(h.main.from_id(b.id()).unwrap().id(), b.id());
    h.cmd(&a, json!({"op": "whoami"}));
    assert_eq!(h.expect(&a, "whoami")["id"], a.id());
    assert!(a.process_id().is_some());
}

#[test]
fn events_carry_the_sender_s_process_id() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel::<Option<u32>>();
    let tx = std::sync::Mutex::new(tx);
    ipc.on("pid?", move |event, _| {
        tx.lock().unwrap().send(event.process_id())?;
        event.set_return_value(())?;
        Ok(())
    });
    let (itx, irx) = channel::<Option<u32>>();
    let itx = std::sync::Mutex::new(itx);
    ipc.handle("pid", move |event, _| {
        itx.lock().unwrap().send(event.process_id())?;
        Ok(())
    })
    .unwrap();
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(&r, json!({"op": "whoami"}));
    let pid = h.expect(&r, "whoami")["pid"].as_u64().map(|p| p as u32);
    assert!(pid.is_some());
    h.cmd(&r, json!({"op": "send_sync", "channel": "pid?"}));
    h.expect(&r, "sync");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), pid);
    h.cmd(&r, json!({"op": "invoke", "channel": "pid"}));
    h.expect(&r, "invoked");
    assert_eq!(irx.recv_timeout(PATIENCE).unwrap(), pid);
    // A renderer in main's own process was not spawned: no process id to give.
    let m = h.spawn_memory();
    h.cmd(&m, json!({"op": "send_sync", "channel": "pid?"}));
    h.expect(&m, "sync");
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), None);
}

#[test]
fn send_to_destroyed_renderer_is_an_error_not_a_panic() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.cmd(&r, json!({"op": "exit", "code": 0}));
    let reason = r.wait_destroyed(PATIENCE).expect("destroyed after exit");
    assert!(
        reason.contains("exited") || reason.contains("disconnected"),
        "{reason}"
    );
    assert!(r.is_destroyed());
    assert!(
        h.main.from_id(r.id()).is_none(),
        "destroyed renderers leave the list"
    );
    match r.send("anything", &(1,)) {
        Err(Error::Destroyed {
            renderer, channel, ..
        }) => {
            assert_eq!((renderer, channel.as_str()), (r.id(), "anything"))
        }
        other => panic!("expected Destroyed, got {other:?}"),
    }
    let (tx, rx) = channel();
    r.on_destroyed(move |why| tx.send(why.to_string()).unwrap());
    assert!(!rx.recv_timeout(PATIENCE).unwrap().is_empty());
}

#[test]
fn empty_channel_is_an_error() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    assert!(matches!(r.send("", &()), Err(Error::EmptyChannel { .. })));
    h.cmd(&r, json!({"op": "send", "channel": "", "args": []}));
    let e = h.expect(&r, "send_error");
    assert!(e["err"]
        .as_str()
        .unwrap()
        .contains("channel name must not be empty"));
}

#[test]
fn messages_sent_before_connect_are_queued_and_delivered_in_order() {
    let h = harness(IpcMain::new());
    let r = h.main.spawn_renderer(Command::new(RENDERER)).unwrap();
    for i in 0..20 {
        r.send("early", &(i,)).expect("queued");
    }
    h.expect(&r, "ready");
    for i in 0..20 {
        let m = h.expect(&r, "message");
        assert_eq!(m["channel"], "early");
        assert_eq!(m["args"], json!([i]), "message {i} in order");
    }
}

#[test]
fn pending_queue_is_bounded_with_a_clear_error() {
    let limits = electrode::Limits {
        pending_bytes: 10_000,
        ..Default::default()
    };
    let h = harness_with(IpcMain::new(), limits);
    let (wc, _ticket) = h.main.issue_ticket(None);
    wc.send("early", &("x".repeat(6_000),)).expect("first fits");
    match wc.send("early", &("x".repeat(6_000),)) {
        Err(Error::QueueFull {
            renderer,
            channel,
            limit,
            ..
        }) => {
            assert_eq!(
                (renderer, channel.as_str(), limit),
                (wc.id(), "early", 10_000)
            )
        }
        other => panic!("expected QueueFull, got {other:?}"),
    }
}

#[test]
fn broadcast_reaches_every_renderer_once() {
    let h = harness(IpcMain::new());
    let rs: Vec<_> = (0..3).map(|_| h.spawn()).collect();
    for r in &rs {
        h.listen(r, "listen", "news");
    }
    let n = h.main.broadcast("news", &("extra", 7)).unwrap();
    assert_eq!(n, 3);
    for r in &rs {
        assert_eq!(h.expect(r, "message")["args"], json!(["extra", 7]));
    }
}

#[test]
fn main_side_size_limit_is_checked_before_sending_and_the_link_survives() {
    let limits = electrode::Limits {
        max_message_size: 1024 * 1024,
        ..Default::default()
    };
    let h = harness_with(IpcMain::new(), limits);
    let r = h.spawn();
    let big = bytes::Bytes::from(vec![0u8; 2 * 1024 * 1024]);
    match r.send("big", &(big,)) {
        Err(e @ Error::TooLarge { .. }) => {
            let text = e.to_string();
            assert!(
                text.contains("'big'")
                    && text.contains(&r.id().to_string())
                    && text.contains("1048576"),
                "{text}"
            );
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    h.assert_alive(&r);
}

#[test]
fn renderer_side_size_limit_is_checked_before_sending_and_the_link_survives() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "send_big", "channel": "big", "size": 65 * 1024 * 1024}),
    );
    let e = h.expect(&r, "send_big");
    let text = e["err"].as_str().expect("an error");
    assert!(
        text.contains("'big'") && text.contains("67108864"),
        "{text}"
    );
    h.assert_alive(&r);
}
