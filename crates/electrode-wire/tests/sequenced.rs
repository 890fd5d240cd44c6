//! The web path's sequenced mode: sequence numbers and the `sendSync` request body.

use bytes::Bytes;
use electrode_wire::sequenced::{Admit, Sequence, SyncRequest};
use electrode_wire::{Args, Frame};

fn send(n: u32) -> Frame {
    Frame::Send {
        channel: "a".into(),
        args: Args::encode(&(n,)).unwrap(),
    }
}

fn call() -> Frame {
    Frame::SendSync {
        request: 9,
        channel: "ask".into(),
        args: Args::empty(),
    }
}

fn request(last_seq: u64, carried: Vec<(u64, Frame)>) -> Bytes {
    SyncRequest {
        last_seq,
        carried,
        call: call(),
    }
    .encode()
    .into()
}

#[test]
fn each_number_is_dispatched_once_in_order() {
    let mut s = Sequence::default();
    assert!(s.caught_up(0));
    assert_eq!(s.admit(2), Admit::Early);
    assert_eq!(s.last(), 0, "an early message is not counted");
    assert_eq!(s.admit(1), Admit::Next);
    assert_eq!(s.admit(2), Admit::Next);
    assert_eq!(s.admit(1), Admit::Duplicate);
    assert_eq!(s.admit(2), Admit::Duplicate);
    assert!(s.caught_up(2) && !s.caught_up(3));
}

#[test]
fn a_request_round_trips() {
    let body = request(5, vec![(4, send(4)), (5, send(5))]);
    let r = SyncRequest::decode(&body, 1 << 20).unwrap();
    assert_eq!(r.last_seq, 5);
    assert_eq!(
        r.carried.iter().map(|(s, _)| *s).collect::<Vec<_>>(),
        [4, 5]
    );
    assert_eq!(r.call, call());
    assert_eq!(
        SyncRequest::decode(&request(0, vec![]), 1 << 20)
            .unwrap()
            .carried,
        vec![]
    );
}

#[test]
fn carried_messages_must_be_a_run_ending_at_the_last_number() {
    let gap = request(5, vec![(3, send(3)), (5, send(5))]);
    let err = SyncRequest::decode(&gap, 1 << 20).unwrap_err();
    assert!(err.contains("a gap"), "{err}");
    let newer = request(4, vec![(5, send(5))]);
    let err = SyncRequest::decode(&newer, 1 << 20).unwrap_err();
    assert!(
        err.contains("newer than the request's last message 4"),
        "{err}"
    );
    let short = request(6, vec![(4, send(4)), (5, send(5))]);
    let err = SyncRequest::decode(&short, 1 << 20).unwrap_err();
    assert!(
        err.contains("end at 5, not at the request's last message 6"),
        "{err}"
    );
}

#[test]
fn a_request_must_end_with_a_send_sync_and_be_whole() {
    let mut body = Vec::new();
    body.extend_from_slice(&0u64.to_le_bytes());
    body.extend_from_slice(&0u32.to_le_bytes());
    body.extend_from_slice(&send(1).encode().to_vec()[4..]);
    let err = SyncRequest::decode(&body.into(), 1 << 20).unwrap_err();
    assert!(err.contains("not SendSync"), "{err}");
    let whole = request(1, vec![(1, send(1))]);
    let err = SyncRequest::decode(&whole.slice(..20), 1 << 20).unwrap_err();
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_claimed_count_costs_nothing_beyond_the_body() {
    // A request claiming four billion carried messages in 12 bytes fails on the first one,
    // without reserving room for the count it claims.
    let mut body = Vec::new();
    body.extend_from_slice(&1u64.to_le_bytes());
    body.extend_from_slice(&u32::MAX.to_le_bytes());
    let err = SyncRequest::decode(&body.into(), 1 << 20).unwrap_err();
    assert!(err.contains("truncated"), "{err}");
}

#[test]
fn a_carried_frame_over_the_limit_is_refused() {
    let big = Frame::Send {
        channel: "a".into(),
        args: Args::encode(&("x".repeat(100),)).unwrap(),
    };
    let body = request(1, vec![(1, big)]);
    let err = SyncRequest::decode(&body, 64).unwrap_err();
    assert!(err.contains("carried message 1"), "{err}");
}
