//! Async messages both ways, WebContents, sendTo, queueing before connect, broadcast, values.

mod common;

use std::process::Command;
use std::sync::mpsc::channel;
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use electrode::{Error, IpcMain, RendererKind};
use serde_json::json;

#[test]
fn send_reaches_main_and_sender_send_replies() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("ping", move |event, args| {
        let n: u32 = args.get(0)?;
        let word: String = args.get(1)?;
        tx.lock()
            .unwrap()
            .send((event.sender().id(), n, word, event.is_sync()))
            .unwrap();
        event.sender().send("pong", &(n + 1,))?;
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.listen(&r, "listen", "pong");
    h.cmd(
        &r,
        json!({"op": "send", "channel": "ping", "args": [41, "hi"]}),
    );
    let (sender, n, word, sync) = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!((sender, n, word.as_str(), sync), (r.id(), 41, "hi", false));
    let got = h.expect(&r, "message");
    assert_eq!(got["channel"], "pong");
    assert_eq!(got["args"], json!([42]));
    assert_eq!(
        got["sender_is_self"], true,
        "renderer event.sender is its own ipcRenderer"
    );
}

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
fn send_to_relays_between_renderers_and_unknown_ids_are_dropped() {
    let h = harness(IpcMain::new());
    let a = h.spawn();
    let b = h.spawn();
    h.listen(&b, "listen", "hello");
    h.cmd(
        &a,
        json!({"op": "send_to", "id": 999_999, "channel": "hello", "args": ["nobody"]}),
    );
    h.cmd(
        &a,
        json!({"op": "send_to", "id": b.id(), "channel": "hello", "args": ["from a", {"n": 1}]}),
    );
    let m = h.expect(&b, "message");
    assert_eq!(m["args"], json!(["from a", {"n": 1}]));
    h.assert_alive(&a);
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
fn values_cross_with_the_1_7_8_rules_and_bytes_stay_bytes() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.listen(&r, "listen", "values");
    #[derive(serde::Serialize)]
    struct Unsorted {
        zeta: f64,
        alpha: Option<u8>,
    }
    let blob = bytes::Bytes::from(vec![1u8, 2, 3, 250]);
    r.send(
        "values",
        &(
            f64::NAN,
            f64::INFINITY,
            Unsorted {
                zeta: -0.5,
                alpha: None,
            },
            blob,
            "ü€",
        ),
    )
    .unwrap();
    let m = h.expect(&r, "message");
    assert_eq!(
        m["args"],
        json!([0, 0, {"alpha": null, "zeta": -0.5}, {"bytes": 4, "first": 1, "last": 250}, "ü€"])
    );
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

#[test]
fn large_binary_messages_arrive_whole() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("blob", move |_, args| {
        let b: bytes::Bytes = args.get(0)?;
        tx.lock().unwrap().send(b).unwrap();
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "send_big", "channel": "blob", "size": 3 * 1024 * 1024}),
    );
    let b = rx.recv_timeout(PATIENCE).unwrap();
    assert_eq!(b.len(), 3 * 1024 * 1024);
    assert!(b.iter().all(|&x| x == 7));
    assert!(h.expect(&r, "send_big")["err"].is_null());
    let _ = Duration::from_secs(0);
}

#[test]
fn event_reply_answers_the_sending_renderer_only() {
    let ipc = IpcMain::new();
    ipc.on("ping", |event, args| {
        let n: u32 = args.get(0)?;
        event.reply("pong", &(n * 10,))?;
        Ok(())
    });
    let h = harness(ipc);
    let asker = h.spawn();
    let bystander = h.spawn();
    h.listen(&asker, "listen", "pong");
    h.listen(&bystander, "listen", "pong");
    h.cmd(
        &asker,
        json!({"op": "send", "channel": "ping", "args": [4]}),
    );
    let got = h.expect(&asker, "message");
    assert_eq!(
        (got["channel"].clone(), got["args"].clone()),
        (json!("pong"), json!([40]))
    );
    // The other renderer got nothing: its next report is the answer to a round trip.
    h.assert_alive(&bystander);
    assert!(h
        .drain(bystander.id(), |r| r["event"] == "message")
        .is_empty());
}
