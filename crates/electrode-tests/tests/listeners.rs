//! Listener table semantics on both sides, with real renderers.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

use common::*;
use electrode::IpcMain;
use serde_json::json;

#[test]
fn main_once_runs_once_and_is_removed_before_running() {
    let ipc = IpcMain::new();
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let calls = calls.clone();
        let seen = seen.clone();
        let ipc2 = ipc.clone();
        ipc.once("one", move |_, _| {
            calls.fetch_add(1, Ordering::SeqCst);
            seen.lock().unwrap().push(ipc2.listener_count("one"));
            Ok(())
        });
    }
    let h = harness(ipc.clone());
    let r = h.spawn();
    for _ in 0..3 {
        h.cmd(&r, json!({"op": "send", "channel": "one", "args": []}));
    }
    h.assert_alive(&r); // everything before this round trip has been dispatched
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(*seen.lock().unwrap(), vec![0], "removed before it ran");
    assert_eq!(ipc.listener_count("one"), 0);
}

#[test]
fn main_listeners_run_in_order_and_additions_during_dispatch_wait_for_the_next_message() {
    let ipc = IpcMain::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    for k in 0..3 {
        let log = log.clone();
        let ipc2 = ipc.clone();
        ipc.on("ordered", move |_, args| {
            let n: u32 = args.get(0)?;
            log.lock().unwrap().push(format!("{n}:{k}"));
            if k == 0 && n == 0 {
                let log = log.clone();
                ipc2.on("ordered", move |_, args| {
                    let n: u32 = args.get(0)?;
                    log.lock().unwrap().push(format!("{n}:late"));
                    Ok(())
                });
            }
            Ok(())
        });
    }
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(&r, json!({"op": "send", "channel": "ordered", "args": [0]}));
    h.cmd(&r, json!({"op": "send", "channel": "ordered", "args": [1]}));
    h.assert_alive(&r);
    assert_eq!(
        *log.lock().unwrap(),
        vec!["0:0", "0:1", "0:2", "1:0", "1:1", "1:2", "1:late"]
    );
}

#[test]
fn main_remove_listener_and_remove_all() {
    let ipc = IpcMain::new();
    let (tx, rx) = channel();
    let tx = Arc::new(Mutex::new(tx));
    let t1 = tx.clone();
    let a = ipc.on("x", move |_, _| {
        t1.lock().unwrap().send("a").unwrap();
        Ok(())
    });
    let t2 = tx.clone();
    ipc.on("x", move |_, _| {
        t2.lock().unwrap().send("b").unwrap();
        Ok(())
    });
    ipc.on("y", |_, _| Ok(()));
    assert!(ipc.remove_listener("x", a));
    assert!(!ipc.remove_listener("x", a), "second removal finds nothing");
    assert_eq!(ipc.listener_count("x"), 1);
    let h = harness(ipc.clone());
    let r = h.spawn();
    h.cmd(&r, json!({"op": "send", "channel": "x", "args": []}));
    assert_eq!(rx.recv_timeout(PATIENCE).unwrap(), "b");
    ipc.remove_all_listeners("x");
    assert_eq!(ipc.listener_count("x"), 0);
    assert!(ipc.channels().contains(&"y".to_string()));
    ipc.remove_all_listeners_everywhere();
    assert!(ipc.channels().is_empty());
}

#[test]
fn renderer_on_once_remove_and_remove_all() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.listen(&r, "once", "o");
    h.listen(&r, "listen", "l");
    r.send("o", &(1,)).unwrap();
    r.send("o", &(2,)).unwrap();
    h.assert_alive(&r);
    let got = h.drain(r.id(), |x| x["event"] == "message" && x["channel"] == "o");
    assert_eq!(got.len(), 1, "once listener ran once: {got:?}");
    assert_eq!(got[0]["args"], json!([1]));

    h.cmd(&r, json!({"op": "remove_first", "channel": "l"}));
    let removed = h.expect(&r, "removed");
    assert_eq!(
        (removed["ok"].clone(), removed["count"].clone()),
        (json!(true), json!(0))
    );
    r.send("l", &()).unwrap();
    h.listen(&r, "listen", "m");
    h.cmd(&r, json!({"op": "remove_all", "channel": "m"}));
    assert!(!h.expect(&r, "removed_all")["channels"]
        .as_array()
        .unwrap()
        .contains(&json!("m")));
    // Reports travel in order: a message on "l" would have been reported before this.
    assert!(h
        .drain(r.id(), |x| x["event"] == "message" && x["channel"] == "l")
        .is_empty());
    // Everywhere means everywhere: the test renderer's own "cmd" listener goes too.
    h.cmd(&r, json!({"op": "remove_all", "channel": ""}));
    assert_eq!(h.expect(&r, "removed_all")["channels"], json!([]));
}

#[test]
fn renderer_listener_panic_is_contained() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.listen(&r, "panic_in_listener", "boom");
    h.listen(&r, "listen", "boom");
    r.send("boom", &("x",)).unwrap();
    assert_eq!(
        h.expect(&r, "message")["channel"],
        "boom",
        "the next listener still ran"
    );
    h.assert_alive(&r);
}
