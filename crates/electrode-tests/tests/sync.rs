//! `sendSync` with what only the Rust renderer API has: a timeout, and a call from a thread
//! that is not the listener thread. The reply rules (immediate, first wins, deferred, dropped
//! handle, no listener, no value, async events, failing listeners, sync inside a listener,
//! messages held while a call is pending) are in `conformance.rs`.

mod common;

use std::sync::mpsc::channel;
use std::sync::Mutex;

use common::*;
use electrode::IpcMain;
use serde_json::json;

#[test]
fn send_sync_timeout_gives_up_and_the_link_stays_usable() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    ipc.on("slow", move |event, _| {
        tx.lock().unwrap().send(event.reply_handle()?).unwrap();
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "send_sync", "channel": "slow", "args": [], "timeout_ms": 200}),
    );
    let err = h.expect(&r, "sync")["err"].as_str().unwrap().to_string();
    assert!(
        err.contains("'slow'") && err.contains("no reply within"),
        "{err}"
    );
    // The late answer is dropped by the renderer; the link carries on.
    rx.recv_timeout(PATIENCE).unwrap().send("too late").unwrap();
    h.assert_alive(&r);
}

/// Main answers "sync-with-news" after sending three "news" messages; the renderer listens to
/// "news" and then runs `op` (a sendSync on that channel, from the listener thread or not).
fn news_during_sync(op: &str) -> (Harness, electrode::WebContents) {
    let ipc = IpcMain::new();
    ipc.on("sync-with-news", |event, _| {
        for i in 0..3 {
            event.sender().send("news", &(i,))?;
        }
        event.set_return_value("answer")?;
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.listen(&r, "listen", "news");
    h.cmd(
        &r,
        json!({"op": op, "channel": "sync-with-news", "args": []}),
    );
    (h, r)
}

#[test]
fn messages_during_a_send_sync_from_another_thread_are_delivered_in_order() {
    // The caller is not the listener thread: the idle dispatcher must be woken for the
    // messages the call read along with its reply.
    let (h, r) = news_during_sync("send_sync_from_thread");
    assert_eq!(h.expect(&r, "sync")["ok"], "answer");
    for i in 0..3 {
        assert_eq!(h.expect(&r, "message")["args"], json!([i]));
    }
}
