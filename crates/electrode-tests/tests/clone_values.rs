//! Structured-clone values (docs/adr/0018) with real Rust renderer processes: every kind
//! crosses `send`, `sendSync`, `invoke` and main's `send` as itself on every driver; the
//! handshake refuses a renderer that cannot read them; tags from a renderer that did not agree
//! the feature close only that link.

mod common;

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::sync::{Arc, Mutex};

use common::*;
use electrode::wire::handshake::PROTOCOL_VERSION;
use electrode::wire::{io::FrameReader, Features, Frame};
use electrode::{Args, IpcMain, Main, ValueRules, WebContents};
use electrode_tests::script::is_clone_sample;
use electrode_tests::Harness;
use serde_json::json;

/// A structured-clone main that answers the sample back on every path, and what its `clone`
/// listener decoded (whether each message was the sample).
fn clone_harness() -> (Harness, Arc<Mutex<Vec<bool>>>) {
    let ipc = IpcMain::new();
    let decoded: Arc<Mutex<Vec<bool>>> = Arc::default();
    let log = decoded.clone();
    ipc.on("clone", move |event, args| {
        let v = args.value(0)?;
        log.lock().unwrap().push(is_clone_sample(&v));
        // Re-encoded by main from the decoded value, not the received bytes.
        event.sender().send("clone-back", &(v,))?;
        Ok(())
    });
    ipc.on("clone-sync", |event, args| {
        event.set_return_value(args.value(0)?)?;
        Ok(())
    });
    ipc.handle("clone-invoke", |_, args| Ok(args.value(0)?))
        .unwrap();
    let main = Main::builder()
        .ipc(ipc)
        .values(ValueRules::StructuredClone)
        .start()
        .unwrap();
    assert_eq!(main.value_rules(), ValueRules::StructuredClone);
    (Harness::for_main(RENDERER, Arc::new(main)), decoded)
}

fn round_trip(h: &Harness, r: &WebContents) {
    assert_eq!(r.value_rules(), ValueRules::StructuredClone);
    h.cmd(r, json!({"op": "clone_round_trip"}));
    let got = h.expect(r, "clone");
    assert_eq!(
        got,
        json!({"event": "clone", "rules": "StructuredClone", "send": "Ok(())",
            "sync": "Ok(true)", "invoke": "Ok(true)"})
    );
    let back = h.expect(r, "clone_back");
    assert_eq!(back["same"], "Ok(true)", "main's send of what it decoded");
}

#[test]
fn every_value_kind_crosses_every_path_as_itself_on_every_driver() {
    let (h, decoded) = clone_harness();
    for r in [h.spawn(), h.spawn_poll(), h.spawn_memory()] {
        round_trip(&h, &r);
    }
    assert_eq!(*decoded.lock().unwrap(), [true, true, true]);
}

/// Sends a Hello offering `features` and returns main's first frame, or `None` when main
/// closed the socket without one.
fn hello(main: &Main, features: Features) -> (WebContents, UnixStream, Option<Frame>) {
    let (wc, ticket) = main.issue_ticket(None);
    let mut s = UnixStream::connect(&ticket.socket).unwrap();
    let hello = Frame::Hello {
        version: PROTOCOL_VERSION,
        features,
        token: ticket.token.clone().into_bytes().into(),
    };
    s.write_all(&hello.encode().to_vec()).unwrap();
    let mut reader = FrameReader::new(s.try_clone().unwrap(), 1 << 20);
    let first = reader
        .read_frame()
        .ok()
        .map(|f| Frame::decode(f, 1 << 20).unwrap());
    (wc, s, first)
}

#[test]
fn a_structured_clone_main_refuses_a_renderer_that_cannot_read_its_values_and_says_why() {
    let (h, _) = clone_harness();
    let good = h.spawn();
    let (_wc, _s, first) = hello(&h.main, Features::INVOKE);
    let Some(Frame::Close { reason }) = first else {
        panic!("expected main's Close with the reason, got {first:?}")
    };
    assert!(
        reason.contains("structured-clone") && reason.contains("update the renderer"),
        "{reason}"
    );
    round_trip(&h, &good);
}

#[test]
fn tags_from_a_renderer_of_a_json_main_close_only_that_link_and_name_the_feature() {
    let h = harness(IpcMain::new());
    let good = h.spawn();
    // It offers every feature, but a JSON main does not agree structured clone.
    let (bad, mut s, first) = hello(&h.main, Features::SUPPORTED);
    match first {
        Some(Frame::Welcome { features, .. }) => assert!(!features.contains(Features::CLONE)),
        other => panic!("expected a Welcome, got {other:?}"),
    }
    let tagged =
        Args::encode_with(ValueRules::StructuredClone, &(electrode::Value::Undefined,)).unwrap();
    assert!(tagged.has_clone_tags());
    let frame = Frame::Send {
        channel: "x".into(),
        args: tagged,
    };
    s.write_all(&frame.encode().to_vec()).unwrap();
    let reason = bad.wait_destroyed(PATIENCE).expect("the link is closed");
    assert!(reason.contains("structured-clone"), "{reason}");
    h.assert_alive(&good);
}
