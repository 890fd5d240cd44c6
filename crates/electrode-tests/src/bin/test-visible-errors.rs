//! A main process with no `tracing` subscriber whose listeners fail, panic, or are missing: the
//! test checks that each failure reaches standard error, one line each.

use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;

fn main() {
    let ipc = IpcMain::new();
    ipc.on("fails", |_, _| Err("disk full".into()));
    ipc.on("panics", |_, _| panic!("listener bug"));
    ipc.on("done?", |event, _| {
        event.set_return_value(true)?;
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start().expect("main starts");
    let (_, ticket) = main.issue_ticket(None);
    let renderer = IpcRenderer::connect(&ticket.socket, &ticket.token).expect("connects");
    renderer.send("fails", &()).expect("sent");
    renderer.send("panics", &()).expect("sent");
    renderer.send("nobody", &(1,)).expect("sent");
    renderer.send("nobody", &(2,)).expect("sent");
    // Messages are handled in order: once this returns, the others were.
    let done: bool = renderer.send_sync("done?", &()).expect("answered");
    assert!(done);
}
