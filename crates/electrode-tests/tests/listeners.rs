//! Listener tables: main's remove / remove-all API (it empties every channel, so it needs a
//! main of its own) and a panicking Rust listener. What every renderer kind shares (once,
//! order, removals on both sides) is in `conformance.rs`.

mod common;

use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

use common::*;
use electrode::IpcMain;
use serde_json::json;

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
