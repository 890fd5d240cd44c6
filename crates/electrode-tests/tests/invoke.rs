//! `ipcMain.handle` / `ipcRenderer.invoke` with what only a Rust renderer process does
//! (dropping a call, a timeout, exiting) or a hand-driven socket shows. Values, errors,
//! handler registration and concurrency are in `conformance.rs`.

mod common;

use common::*;
use electrode::IpcMain;
use serde_json::json;

#[test]
fn a_caller_that_stops_waiting_cancels_the_handler() {
    let ipc = IpcMain::new();
    let dropped_rx = electrode_tests::handle_forever(&ipc, "forever");
    let h = harness(ipc);
    let r = h.spawn();
    // Dropping the future cancels at once.
    h.cmd(&r, json!({"op": "invoke_and_drop", "channel": "forever"}));
    h.expect(&r, "dropped");
    assert_eq!(dropped_rx.recv_timeout(PATIENCE), Ok("dropped"));
    // A blocking invoke that times out cancels too (the deadline bounds the wait only).
    h.cmd(
        &r,
        json!({"op": "invoke", "channel": "forever", "timeout_ms": 50}),
    );
    let got = h.expect(&r, "invoked");
    assert_eq!(got["timeout"], true, "{got}");
    assert_eq!(dropped_rx.recv_timeout(PATIENCE), Ok("dropped"));
    // A renderer that exits with an invoke in flight cancels it as well.
    h.cmd(&r, json!({"op": "invoke_many", "channels": ["forever"]}));
    h.expect(&r, "invokes_started");
    h.cmd(&r, json!({"op": "exit", "code": 0}));
    assert_eq!(dropped_rx.recv_timeout(PATIENCE), Ok("dropped"));
}

#[test]
fn invokes_waiting_for_their_handlers_are_bounded_per_renderer() {
    use electrode::wire::{Frame, InvokeOutcome};
    use std::io::Write;
    let ipc = IpcMain::new();
    ipc.handle_async("never", |_, _| async {
        std::future::pending::<()>().await;
        Ok(())
    })
    .unwrap();
    let h = harness(ipc);
    let (_wc, mut s, mut reader) = hand_driven(&h.main);
    let over = 10u64;
    let mut batch = Vec::new();
    for request in 1..=1024 + over {
        let ask = Frame::Invoke {
            request,
            channel: "never".into(),
            args: electrode::Args::empty(),
        };
        batch.extend_from_slice(&ask.encode().to_vec());
    }
    s.write_all(&batch).unwrap();
    for _ in 0..over {
        let frame = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
        match frame {
            Frame::InvokeReply {
                request,
                outcome: InvokeOutcome::Error(failure),
            } => {
                assert!(request > 1024, "{request}");
                assert!(
                    failure.message.contains("(the limit)"),
                    "{}",
                    failure.message
                );
                assert!(failure.message.contains("'never'"), "{}", failure.message);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
    }
    // The link still works (other calls than invoke are not limited by it).
    let ask = Frame::SendSync {
        request: 5000,
        channel: "alive?".into(),
        args: electrode::Args::empty(),
    };
    s.write_all(&ask.encode().to_vec()).unwrap();
    let frame = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
    assert!(
        matches!(frame, Frame::SyncReply { request: 5000, .. }),
        "{frame:?}"
    );
}
