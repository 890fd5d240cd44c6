//! `webContents.ipc`: per-renderer listeners and handlers, dispatched before `ipcMain`.

mod common;

use std::sync::mpsc::channel;
use std::sync::{Arc, Mutex};

use common::*;
use electrode::IpcMain;
use serde_json::json;

#[test]
fn a_renderer_s_own_listeners_run_first_and_see_only_its_messages() {
    let order = Arc::new(Mutex::new(Vec::new()));
    let ipc = IpcMain::new();
    let seen = order.clone();
    ipc.on("hello", move |event, _| {
        seen.lock()
            .unwrap()
            .push(format!("ipcMain {}", event.sender().id()));
        Ok(())
    });
    let h = harness(ipc);
    let mine = h.spawn();
    let other = h.spawn();
    let seen = order.clone();
    let (tx, rx) = channel();
    let tx = Mutex::new(tx);
    mine.ipc().on("hello", move |event, _| {
        seen.lock()
            .unwrap()
            .push(format!("contents {}", event.sender().id()));
        tx.lock().unwrap().send(()).unwrap();
        Ok(())
    });
    h.cmd(
        &other,
        json!({"op": "send", "channel": "hello", "args": []}),
    );
    h.assert_alive(&other);
    h.cmd(&mine, json!({"op": "send", "channel": "hello", "args": []}));
    rx.recv_timeout(PATIENCE).unwrap();
    h.assert_alive(&mine);
    assert_eq!(
        *order.lock().unwrap(),
        [
            format!("ipcMain {}", other.id()),
            format!("contents {}", mine.id()),
            format!("ipcMain {}", mine.id()),
        ]
    );
}

#[test]
fn send_sync_may_be_answered_by_the_renderer_s_own_listener() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    r.ipc().on("whoami", |event, _| {
        event.set_return_value(event.sender().id())?;
        Ok(())
    });
    h.cmd(
        &r,
        json!({"op": "send_sync", "channel": "whoami", "args": []}),
    );
    assert_eq!(h.expect(&r, "sync")["ok"], r.id());
}

#[test]
fn a_renderer_s_own_handler_wins_over_ipc_main_s() {
    let ipc = IpcMain::new();
    ipc.handle("who", |_, _| Ok("ipcMain")).unwrap();
    let h = harness(ipc);
    let special = h.spawn();
    let plain = h.spawn();
    special.ipc().handle("who", |_, _| Ok("contents")).unwrap();
    h.cmd(&special, json!({"op": "invoke", "channel": "who"}));
    assert_eq!(h.expect(&special, "invoked")["ok"], "contents");
    h.cmd(&plain, json!({"op": "invoke", "channel": "who"}));
    assert_eq!(h.expect(&plain, "invoked")["ok"], "ipcMain");
}

#[test]
fn a_destroyed_renderer_s_own_table_is_emptied() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    let keep = r.clone();
    // The listener holds its own WebContents: emptying the table breaks that cycle.
    r.ipc().on("x", move |_, _| {
        let _ = keep.id();
        Ok(())
    });
    r.ipc().handle("y", |_, _| Ok(1)).unwrap();
    assert_eq!(r.ipc().listener_count("x"), 1);
    h.cmd(&r, json!({"op": "exit", "code": 0}));
    assert!(r.wait_destroyed(PATIENCE).is_some());
    // Emptied right after the destroyed state is visible (after the on_destroyed callbacks).
    assert!(
        eventually(|| r.ipc().listener_count("x") == 0),
        "the listener is still there"
    );
    assert!(
        !r.ipc().remove_handler("y"),
        "the handler went with the table"
    );
}
