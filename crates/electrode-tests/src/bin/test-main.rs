//! A main process for the "main killed while a renderer waits" test: it starts a renderer that
//! blocks in `sendSync` on a channel nobody answers, says so on stdout, and waits to be killed.

use std::process::Command;

use electrode::{IpcMain, Main};

fn main() {
    let renderer_bin = std::env::args()
        .nth(1)
        .expect("usage: test-main <test-renderer path>");
    let ipc = IpcMain::new();
    let (tx, rx) = std::sync::mpsc::channel();
    ipc.on("hang", move |event, _| {
        // Keep the reply pending forever: the handle lives in this channel.
        tx.send(event.reply_handle()?).ok();
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start().expect("main starts");
    let mut cmd = Command::new(renderer_bin);
    cmd.env("TEST_RENDERER_MODE", "hang-then-print");
    main.spawn_renderer(cmd).expect("renderer spawns");
    let _pending = rx.recv().expect("the renderer calls hang");
    println!("renderer is waiting");
    loop {
        std::thread::park();
    }
}
