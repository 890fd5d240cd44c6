//! The opt-in `sendSync` spin (`IpcRenderer::set_sync_spin`): with it on, a renderer on the
//! real socket still gets every reply (quick ones caught by the spin, slow ones after it ends
//! and the caller blocks), main's messages that arrive meanwhile are delivered in order, and
//! turning it off again changes nothing either. No timing is asserted.

mod common;

use std::sync::mpsc::channel;
use std::sync::Mutex;
use std::time::Duration;

use common::*;
use electrode::{IpcMain, Main};
use electrode_renderer::IpcRenderer;

#[test]
fn replies_quick_and_slow_arrive_with_the_spin_on_and_off() {
    electrode_tests::init_tracing();
    let ipc = IpcMain::new();
    ipc.on("quick", |event, args| {
        event.set_return_value(args.get::<u64>(0)? * 2)?;
        Ok(())
    });
    ipc.on("slow", |event, args| {
        // Longer than the spin, so the caller ends up blocking.
        std::thread::sleep(Duration::from_millis(5));
        // Main talks to the renderer before it answers: these arrive while the caller waits.
        event.sender().send("note", &(args.get::<u64>(0)?,))?;
        event.set_return_value(args.get::<u64>(0)? + 1)?;
        Ok(())
    });
    let main = Main::builder().ipc(ipc).start().unwrap();
    let (wc, ticket) = main.issue_ticket(None);
    let (tx, notes) = channel();
    let tx = Mutex::new(tx);
    let renderer = IpcRenderer::connect(&ticket.socket, &ticket.token).expect("connects");
    renderer.on("note", move |_event, args| {
        let _ = tx.lock().unwrap().send(args.get::<u64>(0)?);
        Ok(())
    });
    assert!(wc.wait_ready(PATIENCE), "renderer never got ready");
    for spin in [
        Duration::from_micros(200),
        Duration::ZERO,
        Duration::from_secs(5),
    ] {
        renderer.set_sync_spin(spin);
        for i in 0..200u64 {
            let doubled: u64 = renderer.send_sync("quick", &(i,)).unwrap();
            assert_eq!(doubled, 2 * i, "spin {spin:?}");
        }
        for i in 0..5u64 {
            let next: u64 = renderer.send_sync("slow", &(i,)).unwrap();
            assert_eq!(next, i + 1, "spin {spin:?}");
        }
        let got: Vec<u64> = (0..5)
            .map(|_| notes.recv_timeout(PATIENCE).expect("main's note delivered"))
            .collect();
        assert_eq!(got, vec![0, 1, 2, 3, 4], "spin {spin:?}: notes in order");
    }
    main.shutdown();
}
