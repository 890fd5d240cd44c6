//! Per-renderer ordering across send and sendSync.

mod common;

use std::sync::{Arc, Mutex};

use common::*;
use electrode::IpcMain;
use serde_json::json;

#[test]
fn send_and_send_sync_are_handled_in_call_order() {
    let ipc = IpcMain::new();
    let log = Arc::new(Mutex::new(Vec::new()));
    let l = log.clone();
    ipc.on("seq", move |event, args| {
        let i: u64 = args.get(0)?;
        l.lock().unwrap().push((event.is_sync(), i));
        if event.is_sync() {
            event.set_return_value(i)?;
        }
        Ok(())
    });
    let h = harness(ipc);
    let r = h.spawn();
    h.cmd(
        &r,
        json!({"op": "send_then_sync", "channel": "seq", "n": 300}),
    );
    h.expect(&r, "done");
    let log = log.lock().unwrap();
    let expected: Vec<(bool, u64)> = (0..300).flat_map(|i| [(false, i), (true, i)]).collect();
    assert_eq!(*log, expected);
}

#[test]
fn main_to_renderer_messages_keep_their_order() {
    let h = harness(IpcMain::new());
    let r = h.spawn();
    h.listen(&r, "listen", "n");
    for i in 0..500 {
        r.send("n", &(i,)).unwrap();
    }
    for i in 0..500 {
        assert_eq!(h.expect(&r, "message")["args"], json!([i]));
    }
}
