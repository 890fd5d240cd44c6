//! `webContents.ipc`: a renderer process that exits has its own table emptied. The rest
//! (its listeners and handlers dispatched before `ipcMain`'s) is in `conformance.rs`.

mod common;

use common::*;
use electrode::IpcMain;
use serde_json::json;

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
