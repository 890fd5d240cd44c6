//! The session state machines, driven frame by frame: no sockets, no threads, no clocks.

use electrode_wire::handshake::{Features, PROTOCOL_VERSION};
use electrode_wire::session::{CloseReason, MainSession, Received, RendererSession, Reply};
use electrode_wire::{Args, Frame, FrameKind, InvokeOutcome, SyncOutcome};

fn connected(features: Features) -> (MainSession, RendererSession) {
    let hello = Frame::Hello {
        version: PROTOCOL_VERSION,
        features,
        token: "3.secret".into(),
    };
    let (main, token) = MainSession::accept(hello, electrode_wire::ValueRules::Json).unwrap();
    assert_eq!(&token[..], b"3.secret");
    let renderer = RendererSession::welcomed(main.welcome(3, Some(1), 4096)).unwrap();
    (main, renderer)
}

fn message(channel: &str) -> Frame {
    Frame::Message {
        channel: channel.into(),
        args: Args::encode(&(channel,)).unwrap(),
    }
}

fn channel_of(frame: Frame) -> String {
    match frame {
        Frame::Message { channel, .. } => channel,
        other => panic!("expected a message, got {other:?}"),
    }
}

fn value(json: &str) -> SyncOutcome {
    SyncOutcome::Value(json.as_bytes().to_vec().into())
}

#[test]
fn the_welcome_carries_id_embedder_limit_and_agreement() {
    let (main, renderer) = connected(Features::SUPPORTED);
    let w = renderer.welcome();
    assert_eq!((w.id, w.embedder, w.max_message_size), (3, Some(1), 4096));
    assert_eq!(w.agreement, main.agreement());
    assert!(renderer.supports(Features::INVOKE));
}

#[test]
fn main_refusing_is_a_refusal_with_main_s_text() {
    let refused = RendererSession::welcomed(Frame::Close {
        reason: "token already used".into(),
    })
    .unwrap_err();
    assert_eq!(refused, CloseReason::Refused("token already used".into()));
    let odd = RendererSession::welcomed(message("early")).unwrap_err();
    assert!(matches!(odd, CloseReason::Protocol(ref t) if t.contains("expected Welcome")));
}

#[test]
fn a_first_frame_other_than_hello_is_refused() {
    let err = MainSession::accept(message("x"), electrode_wire::ValueRules::Json).unwrap_err();
    assert!(
        matches!(err, CloseReason::Refused(ref t) if t.contains("not Hello")),
        "{err:?}"
    );
}

#[test]
fn messages_wait_while_a_sync_call_is_pending_and_keep_their_order() {
    let (_, mut r) = connected(Features::SUPPORTED);
    assert_eq!(r.receive(message("before")), Received::Queued);
    let call = r.start_sync();
    assert!(r.is_holding());
    assert_eq!(r.receive(message("during-1")), Received::Queued);
    assert_eq!(r.receive(message("during-2")), Received::Queued);
    assert!(r.next_message().is_none(), "held while the call is pending");
    assert_eq!(
        r.receive(Frame::SyncReply {
            request: call,
            outcome: value("1")
        }),
        Received::Reply(call)
    );
    assert!(r.next_message().is_none(), "held until the caller finished");
    assert_eq!(r.take_reply(call), Some(Reply::Sync(value("1"))));
    assert_eq!(r.finish(call), None);
    let order: Vec<String> = std::iter::from_fn(|| r.next_message())
        .map(channel_of)
        .collect();
    assert_eq!(order, ["before", "during-1", "during-2"]);
}

#[test]
fn nested_sync_calls_hold_messages_until_the_last_returns() {
    let (_, mut r) = connected(Features::NONE);
    let outer = r.start_sync();
    let inner = r.start_sync();
    r.receive(message("m"));
    r.finish(inner);
    assert!(r.next_message().is_none());
    r.finish(outer);
    assert_eq!(channel_of(r.next_message().unwrap()), "m");
}

#[test]
fn a_reply_nobody_waits_for_is_abandoned() {
    let (_, mut r) = connected(Features::NONE);
    let call = r.start_sync();
    r.finish(call); // the caller gave up (a timeout)
    assert_eq!(
        r.receive(Frame::SyncReply {
            request: call,
            outcome: value("2")
        }),
        Received::Abandoned(call)
    );
    assert_eq!(
        r.receive(Frame::SyncReply {
            request: 99,
            outcome: value("2")
        }),
        Received::Abandoned(99)
    );
    assert!(!r.is_holding());
}

#[test]
fn invokes_are_answered_in_any_order_and_do_not_hold_messages() {
    let (_, mut r) = connected(Features::SUPPORTED);
    let slow = r.start_invoke().unwrap();
    let fast = r.start_invoke().unwrap();
    assert_ne!(slow, fast);
    assert!(!r.is_holding());
    r.receive(message("meanwhile"));
    assert_eq!(channel_of(r.next_message().unwrap()), "meanwhile");
    let answer = InvokeOutcome::Value(b"\"fast\"".to_vec().into());
    assert_eq!(
        r.receive(Frame::InvokeReply {
            request: fast,
            outcome: answer.clone()
        }),
        Received::Reply(fast)
    );
    assert_eq!(r.take_reply(fast), Some(Reply::Invoke(answer)));
    assert_eq!(r.finish(fast), None, "answered: nothing to cancel");
    assert_eq!(r.pending_calls().collect::<Vec<_>>(), [slow]);
    // The slow one is given up: main's handler must be told.
    assert_eq!(r.finish(slow), Some(Frame::InvokeCancel { request: slow }));
}

#[test]
fn invoke_needs_the_agreed_feature() {
    let (_, mut r) = connected(Features::NONE);
    assert!(!r.supports(Features::INVOKE));
    assert_eq!(r.start_invoke(), None);
}

#[test]
fn main_s_close_reason_is_kept_and_frames_main_must_not_send_are_flagged() {
    let (_, mut r) = connected(Features::SUPPORTED);
    let hello = RendererSession::hello("x");
    assert_eq!(r.receive(hello), Received::Unexpected(FrameKind::Hello));
    assert_eq!(
        r.receive(Frame::Close {
            reason: "main is shutting down".into()
        }),
        Received::Closing
    );
    r.receive(Frame::Close {
        reason: "a later reason".into(),
    });
    assert_eq!(r.closing_reason(), Some("main is shutting down"));
}

#[test]
fn main_checks_what_a_renderer_may_send_against_the_agreement() {
    let (without, _) = connected(Features::NONE);
    let (with, _) = connected(Features::SUPPORTED);
    let invoke = Frame::Invoke {
        request: 1,
        channel: "c".into(),
        args: Args::empty(),
    };
    assert!(with.check(&invoke).is_ok());
    let err = without.check(&invoke).unwrap_err();
    assert!(
        matches!(err, CloseReason::Protocol(ref t) if t.contains("'invoke'") && t.contains("agreed: none")),
        "{err:?}"
    );
    let send = Frame::Send {
        channel: "c".into(),
        args: Args::empty(),
    };
    assert!(without.check(&send).is_ok());
    let err = with.check(&message("c")).unwrap_err();
    assert!(
        err.text().contains("only be sent by the main process"),
        "{err}"
    );
    let again = with.check(&RendererSession::hello("t")).unwrap_err();
    assert!(again.text().contains("second Hello"), "{again}");
}

#[test]
fn an_older_renderer_is_welcomed_at_its_version_with_no_features() {
    let hello = Frame::Hello {
        version: 0,
        features: Features::NONE,
        token: "t".into(),
    };
    let (main, _) = MainSession::accept(hello, electrode_wire::ValueRules::Json).unwrap();
    assert_eq!(main.agreement().version, 0);
    let r = RendererSession::welcomed(main.welcome(1, None, 10)).unwrap();
    assert_eq!(r.welcome().agreement.features, Features::NONE);
    assert_eq!(r.welcome().embedder, None);
}
