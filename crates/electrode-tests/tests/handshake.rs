//! The versioned handshake on main's socket: newer and older renderers, limits in the Welcome,
//! and frames outside the agreed protocol.

mod common;

use std::io::Write;
use std::os::unix::net::UnixStream;

use common::*;
use electrode::wire::handshake::PROTOCOL_VERSION;
use electrode::wire::{io::FrameReader, Args, Features, Frame, SyncOutcome};
use electrode::{IpcMain, Limits};

/// Connects with a Hello of `version` and `features` and returns main's first frame and the
/// reader after it.
fn connect(
    main: &electrode::Main,
    version: u16,
    features: Features,
) -> (
    electrode::WebContents,
    UnixStream,
    Frame,
    FrameReader<UnixStream>,
) {
    let (wc, ticket) = main.issue_ticket(None);
    let mut s = UnixStream::connect(&ticket.socket).unwrap();
    let hello = Frame::Hello {
        version,
        features,
        token: ticket.token.clone().into_bytes().into(),
    };
    s.write_all(&hello.encode().to_vec()).unwrap();
    let mut reader = FrameReader::new(s.try_clone().unwrap(), 1 << 20);
    let first = Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap();
    (wc, s, first, reader)
}

/// Asks main's `alive?` listener over `s` and returns the reply.
fn ask_alive(s: &mut UnixStream, reader: &mut FrameReader<UnixStream>) -> SyncOutcome {
    let ask = Frame::SendSync {
        request: 1,
        channel: "alive?".into(),
        args: Args::empty(),
    };
    s.write_all(&ask.encode().to_vec()).unwrap();
    match Frame::decode(reader.read_frame().unwrap(), 1 << 20).unwrap() {
        Frame::SyncReply {
            request: 1,
            outcome,
        } => outcome,
        other => panic!("expected the reply, got {other:?}"),
    }
}

#[test]
fn a_newer_renderer_gets_this_version_no_unknown_features_and_main_s_limit() {
    let limits = Limits {
        max_message_size: 3 << 20,
        ..Limits::default()
    };
    let h = harness_with(IpcMain::new(), limits);
    let (wc, mut s, first, mut reader) =
        connect(&h.main, PROTOCOL_VERSION + 5, Features::from_bits(1 << 63));
    match first {
        Frame::Welcome {
            id,
            version,
            features,
            max_message_size,
            ..
        } => {
            assert_eq!(id, wc.id());
            assert_eq!(version, PROTOCOL_VERSION);
            assert_eq!(
                features,
                Features::NONE,
                "an unknown feature is never agreed"
            );
            assert_eq!(max_message_size, 3 << 20);
        }
        other => panic!("expected a Welcome, got {other:?}"),
    }
    assert_eq!(
        ask_alive(&mut s, &mut reader),
        SyncOutcome::Value("\"alive\"".into())
    );
}

#[test]
fn a_renderer_of_before_versions_is_served_at_version_zero() {
    let h = harness(IpcMain::new());
    let (_wc, mut s, first, mut reader) = connect(&h.main, 0, Features::NONE);
    assert!(
        matches!(
            first,
            Frame::Welcome {
                version: 0,
                features: Features::NONE,
                ..
            }
        ),
        "{first:?}"
    );
    assert_eq!(
        ask_alive(&mut s, &mut reader),
        SyncOutcome::Value("\"alive\"".into())
    );
}

#[test]
fn a_frame_kind_outside_the_agreed_protocol_closes_only_that_link_and_says_why() {
    let h = harness(IpcMain::new());
    let good = h.spawn();
    let (bad, mut s, first, _reader) = connect(&h.main, PROTOCOL_VERSION, Features::NONE);
    assert!(matches!(first, Frame::Welcome { .. }));
    // 0x40: a kind no feature of this version defines.
    s.write_all(&[1, 0, 0, 0, 0x40]).unwrap();
    let reason = bad.wait_destroyed(PATIENCE).expect("the link is closed");
    assert!(
        reason.contains("0x40")
            && reason.contains("not in the protocol version or features agreed"),
        "{reason}"
    );
    h.assert_alive(&good);
}

#[test]
fn a_frame_of_a_feature_that_was_not_agreed_closes_only_that_link_and_names_the_feature() {
    let ipc = IpcMain::new();
    ipc.handle("add", |_, _| Ok(3)).unwrap();
    let h = harness(ipc);
    let good = h.spawn();
    // The renderer offered no feature, so invoke was not agreed; it sends an Invoke anyway.
    let (bad, mut s, first, _reader) = connect(&h.main, PROTOCOL_VERSION, Features::NONE);
    assert!(
        matches!(
            first,
            Frame::Welcome {
                features: Features::NONE,
                ..
            }
        ),
        "{first:?}"
    );
    let invoke = Frame::Invoke {
        request: 1,
        channel: "add".into(),
        args: Args::empty(),
    };
    s.write_all(&invoke.encode().to_vec()).unwrap();
    let reason = bad.wait_destroyed(PATIENCE).expect("the link is closed");
    assert!(
        reason.contains("Invoke") && reason.contains("'invoke'") && reason.contains("not agreed"),
        "{reason}"
    );
    h.assert_alive(&good);
}

#[test]
fn rust_renderers_speak_the_current_version_and_learn_main_s_limit() {
    let limits = Limits {
        max_message_size: 5 << 20,
        ..Limits::default()
    };
    let h = harness_with(IpcMain::new(), limits);
    let r = h.spawn();
    h.cmd(&r, serde_json::json!({"op": "whoami"}));
    let me = h.expect(&r, "whoami");
    assert_eq!(me["id"], r.id());
    assert_eq!(me["version"], PROTOCOL_VERSION);
    // A JSON main agrees every feature but structured clone (docs/adr/0018).
    assert_eq!(
        me["features"],
        Features::SUPPORTED.without(Features::CLONE).bits()
    );
    assert_eq!(me["max_message_size"], 5 << 20);
}
