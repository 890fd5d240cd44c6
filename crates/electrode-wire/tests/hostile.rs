//! Hostile input: whatever bytes a peer sends, decoding and reading them returns errors, never
//! panics, and malformed frames fail with the right error kind.

mod common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use common::*;
use electrode_wire::{Args, Frame, WireError};
use proptest::collection::vec;
use proptest::prelude::*;

const KINDS: [u8; 25] = [
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x81, 0x82,
    0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b,
];

/// Decodes `body` with a few limits and exercises whatever comes out.
fn decode_all_ways(body: &[u8]) {
    for limit in [body.len(), usize::MAX, 16] {
        if let Ok(frame) = Frame::decode(Bytes::copy_from_slice(body), limit) {
            exercise(&frame);
        }
    }
    let _ = Args::from_raw(Bytes::copy_from_slice(body)).map(|a| exercise_args(&a));
}

/// Bytes that look like JSON (so the argument readers get past the first byte).
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"null".to_vec()),
        Just(b"1e999".to_vec()),
        Just(b"-0".to_vec()),
        Just(b"18446744073709551616".to_vec()),
        Just(br#""\u0000bytes""#.to_vec()),
        Just(br#""\u0000\u0000bytes""#.to_vec()),
        Just(br#""\ud800""#.to_vec()),
        Just(br#"{"\u0000bytes":0}"#.to_vec()),
        Just(br#"{"\u0000bytes":1}"#.to_vec()),
        Just(br#"{"\u0000bytes":-1}"#.to_vec()),
        Just(br#"{"\u0000bytes":"0"}"#.to_vec()),
        Just(br#"{"\u0000":1,"":2}"#.to_vec()),
        Just("\"é€\"".as_bytes().to_vec()),
        any::<u8>().prop_map(|b| vec![b]),
        "[a-z0-9\"]{1,4}".prop_map(String::into_bytes),
    ];
    vec(piece, 0..12).prop_map(|p| p.concat())
}

/// Argument sections with a consistent table and arbitrary contents.
fn hostile_args() -> impl Strategy<Value = Vec<u8>> {
    (
        vec(jsonish(), 0..5),
        vec(vec(any::<u8>(), 0..8), 0..4),
        0u8..4,
    )
        .prop_map(|(json, bins, flags)| {
            let mut out = vec![flags];
            out.extend_from_slice(&(json.len() as u32).to_le_bytes());
            out.extend_from_slice(&(bins.len() as u32).to_le_bytes());
            for j in json.iter().chain(&bins) {
                out.extend_from_slice(&(j.len() as u32).to_le_bytes());
            }
            for j in json.iter().chain(&bins) {
                out.extend_from_slice(j);
            }
            out
        })
}

/// Frame bodies with a valid type byte and fixed fields, a channel, and a hostile section.
fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(KINDS.to_vec()),
        vec(any::<u8>(), 0..17),
        "\\PC{0,6}",
        hostile_args(),
    )
        .prop_map(|(kind, fixed, channel, args)| {
            let mut out = vec![kind];
            if matches!(kind, 0x03 | 0x05 | 0x06 | 0x84) {
                out.extend_from_slice(&fixed[..fixed.len().min(8)]);
                out.resize(9, 0);
            } else if kind == 0x81 || kind == 0x83 {
                out.extend_from_slice(&fixed);
            }
            if !matches!(kind, 0x01 | 0x81 | 0x83 | 0x85) {
                out.extend_from_slice(&(channel.len() as u32).to_le_bytes());
                out.extend_from_slice(channel.as_bytes());
            }
            out.extend_from_slice(&args);
            out
        })
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    SetU32(usize, u32),
    Truncate(usize),
    Extend(Vec<u8>),
    Remove(usize),
    Insert(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1u8..).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (
            any::<usize>(),
            prop_oneof![any::<u32>(), 0u32..64, Just(u32::MAX)]
        )
            .prop_map(|(i, x)| Mutation::SetU32(i, x)),
        any::<usize>().prop_map(Mutation::Truncate),
        vec(any::<u8>(), 1..16).prop_map(Mutation::Extend),
        any::<usize>().prop_map(Mutation::Remove),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
    ]
}

fn apply(body: &mut Vec<u8>, m: &Mutation) {
    let n = body.len().max(1);
    match *m {
        Mutation::Flip(i, b) => {
            if let Some(x) = body.get_mut(i % n) {
                *x ^= b;
            }
        }
        Mutation::Set(i, b) => {
            if let Some(x) = body.get_mut(i % n) {
                *x = b;
            }
        }
        Mutation::SetU32(i, v) => {
            if body.len() >= 4 {
                let at = i % (body.len() - 3);
                body[at..at + 4].copy_from_slice(&v.to_le_bytes());
            }
        }
        Mutation::Truncate(i) => body.truncate(i % n),
        Mutation::Extend(ref more) => body.extend_from_slice(more),
        Mutation::Remove(i) => {
            if !body.is_empty() {
                body.remove(i % n);
            }
        }
        Mutation::Insert(i, b) => body.insert(i % (body.len() + 1), b),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in vec(any::<u8>(), 0..128)) {
        decode_all_ways(&body);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_type_never_panic(
        kind in proptest::sample::select(KINDS.to_vec()),
        rest in vec(any::<u8>(), 0..128),
    ) {
        let mut body = vec![kind];
        body.extend_from_slice(&rest);
        decode_all_ways(&body);
    }

    #[test]
    fn structured_hostile_frames_never_panic(body in hostile_body()) {
        decode_all_ways(&body);
    }

    #[test]
    fn mutated_valid_frames_never_panic(
        frame in arb_frame(),
        mutations in vec(mutation(), 1..4),
    ) {
        let mut body = frame.encode().to_message();
        for m in &mutations {
            apply(&mut body, m);
        }
        decode_all_ways(&body);
    }

    #[test]
    fn mutated_argument_sections_never_panic(
        args in arb_args(),
        mutations in vec(mutation(), 1..4),
    ) {
        let mut raw = args.raw().to_vec();
        for m in &mutations {
            apply(&mut raw, m);
        }
        decode_all_ways(&raw);
    }
}

// ---------------------------------------------------------------------------------------------
// Error kinds.

fn decode(body: &[u8]) -> Result<Frame, WireError> {
    Frame::decode(Bytes::copy_from_slice(body), LIMIT)
}

/// A `Send` body on channel "c" with the given argument section.
fn send_with(args: &[u8]) -> Vec<u8> {
    let mut b = vec![0x02, 1, 0, 0, 0, b'c'];
    b.extend_from_slice(args);
    b
}

/// An argument section header.
fn table(flags: u8, lens: &[u32], bins: &[u32]) -> Vec<u8> {
    let mut out = vec![flags];
    out.extend_from_slice(&(lens.len() as u32).to_le_bytes());
    out.extend_from_slice(&(bins.len() as u32).to_le_bytes());
    for l in lens.iter().chain(bins) {
        out.extend_from_slice(&l.to_le_bytes());
    }
    out
}

#[test]
fn empty_body() {
    assert!(matches!(decode(b""), Err(WireError::Truncated(_))));
}

#[test]
fn unknown_type_byte() {
    for b in (0u8..=255).filter(|b| !KINDS.contains(b)) {
        assert!(
            matches!(decode(&[b, 0, 0, 0, 0]), Err(WireError::UnknownFrameType(x)) if x == b),
            "{b:#x}"
        );
    }
}

#[test]
fn truncated_fields() {
    // Channel length cut short, channel shorter than announced.
    assert!(matches!(
        decode(&[0x02, 1, 0]),
        Err(WireError::Truncated(_))
    ));
    assert!(matches!(
        decode(&[0x02, 5, 0, 0, 0, b'a', b'b']),
        Err(WireError::Truncated("channel"))
    ));
    assert!(matches!(
        decode(&[0x02, 0xff, 0xff, 0xff, 0xff]),
        Err(WireError::Truncated("channel"))
    ));
    // u64 fields cut short.
    assert!(matches!(
        decode(&[0x03, 1, 2, 3]),
        Err(WireError::Truncated(_))
    ));
    assert!(matches!(
        decode(&[0x81, 0, 0, 0, 0, 0, 0, 0, 0, 1]),
        Err(WireError::Truncated(_))
    ));
    // No argument table at all.
    assert!(matches!(
        decode(&send_with(&[0, 0, 0])),
        Err(WireError::Truncated(_))
    ));
    // Sync reply without its status byte.
    assert!(matches!(
        decode(&[0x83, 0, 0, 0, 0, 0, 0, 0, 0]),
        Err(WireError::Truncated(_))
    ));
}

#[test]
fn invalid_utf8() {
    assert!(matches!(
        decode(&[0x02, 1, 0, 0, 0, 0xff]),
        Err(WireError::InvalidUtf8(_))
    ));
    assert!(matches!(
        decode(&[0x85, 0xc3]),
        Err(WireError::InvalidUtf8(_))
    ));
    let mut reply = vec![0x83];
    reply.extend_from_slice(&[0; 8]);
    reply.extend_from_slice(&[0, 0xfe]);
    assert!(matches!(decode(&reply), Err(WireError::InvalidUtf8(_))));
}

#[test]
fn sync_reply_status_must_be_zero_or_one() {
    let mut reply = vec![0x83];
    reply.extend_from_slice(&[0; 8]);
    reply.push(2);
    assert!(matches!(decode(&reply), Err(WireError::MalformedArgs(_))));
}

#[test]
fn argument_table_pointing_past_the_end() {
    // One argument announced as 100 bytes, 2 present.
    let mut args = table(0, &[100], &[]);
    args.extend_from_slice(b"[]");
    assert!(matches!(
        decode(&send_with(&args)),
        Err(WireError::Truncated(_))
    ));
    // An attachment past the end.
    let mut args = table(1, &[2], &[5]);
    args.extend_from_slice(b"[]ab");
    assert!(matches!(
        decode(&send_with(&args)),
        Err(WireError::Truncated(_))
    ));
    // Length table itself past the end, including counts that would overflow.
    for (argc, nbin) in [
        (1u32, 0u32),
        (u32::MAX, u32::MAX),
        (u32::MAX, 1),
        (0, u32::MAX),
    ] {
        let mut args = vec![1];
        args.extend_from_slice(&argc.to_le_bytes());
        args.extend_from_slice(&nbin.to_le_bytes());
        assert!(
            matches!(
                decode(&send_with(&args)),
                Err(WireError::Truncated(_) | WireError::MalformedArgs(_))
            ),
            "{argc} {nbin}"
        );
    }
    // Lengths whose sum overflows 32 bits.
    let mut args = table(0, &[u32::MAX, u32::MAX, 2], &[]);
    args.extend_from_slice(b"[]");
    assert!(decode(&send_with(&args)).is_err());
}

#[test]
fn trailing_bytes() {
    let mut args = table(0, &[2], &[]);
    args.extend_from_slice(b"[]x");
    assert!(matches!(
        decode(&send_with(&args)),
        Err(WireError::MalformedArgs(_))
    ));
}

#[test]
fn unknown_flag_bits() {
    // Bit 2 (value 4) is the structured-clone flag; 8 is the first unknown bit.
    let mut args = table(8, &[2], &[]);
    args.extend_from_slice(b"[]");
    assert!(matches!(
        decode(&send_with(&args)),
        Err(WireError::MalformedArgs(_))
    ));
}

#[test]
fn attachments_not_flagged() {
    let marker = br#"{"\u0000bytes":0}"#;
    let mut args = table(0, &[marker.len() as u32], &[3]);
    args.extend_from_slice(marker);
    args.extend_from_slice(b"abc");
    assert!(matches!(
        decode(&send_with(&args)),
        Err(WireError::MalformedArgs(_))
    ));
    // Flagged, it is fine.
    args[0] = 1;
    let frame = decode(&send_with(&args)).unwrap();
    assert_eq!(
        frame_args(&frame).unwrap().get::<Bytes>(0).unwrap(),
        Bytes::from_static(b"abc")
    );
}

#[test]
fn marker_pointing_at_a_missing_attachment() {
    let marker = br#"[{"\u0000bytes":1}]"#;
    let mut args = table(1, &[marker.len() as u32], &[3]);
    args.extend_from_slice(marker);
    args.extend_from_slice(b"abc");
    // The frame decodes (JSON is parsed lazily); reading or validating the argument fails.
    let frame = decode(&send_with(&args)).unwrap();
    let a = frame_args(&frame).unwrap();
    assert!(matches!(a.value(0), Err(WireError::MalformedArgs(_))));
    assert!(matches!(a.validate(), Err(WireError::MalformedArgs(_))));
    assert!(a.get::<Vec<Bytes>>(0).is_err());
    assert_eq!(a.preview(80), "[<malformed>]");

    // A marker that is not an index.
    for bad in [
        r#"{"\u0000bytes":-1}"#,
        r#"{"\u0000bytes":0.5}"#,
        r#"{"\u0000bytes":"0"}"#,
        r#"{"\u0000bytes":18446744073709551615}"#,
    ] {
        let a = Args::from_parts(&[bad.as_bytes()], &[b"x".as_slice()], false);
        assert!(
            matches!(a.value(0), Err(WireError::MalformedArgs(_))),
            "{bad}"
        );
        assert!(a.validate().is_err());
    }
}

#[test]
fn invalid_json_fails_validation_but_not_decoding() {
    for bad in ["", "[", "{\"a\":}", "nul", "1 2", "\"\\ud800\"x", "\u{ff}"] {
        let a = Args::from_parts(&[bad.as_bytes()], &[], false);
        assert!(
            matches!(a.validate(), Err(WireError::Convert { index: 0, .. })),
            "{bad:?}"
        );
        assert!(a.value(0).is_err());
        let _ = a.preview(80);
    }
}

#[test]
fn oversize() {
    let frame = Frame::Send {
        channel: "c".into(),
        args: Args::encode(&(vec![0u8; 100],)).unwrap(),
    };
    let body = frame.encode().to_message();
    assert!(matches!(
        Frame::decode(Bytes::from(body.clone()), 10),
        Err(WireError::TooLarge { size, limit: 10 }) if size == body.len()
    ));
    // The limit is checked before anything else, even the type byte.
    assert!(matches!(
        Frame::decode(Bytes::from_static(&[0xee; 11]), 10),
        Err(WireError::TooLarge { .. })
    ));
    assert!(Frame::decode(Bytes::from(body.clone()), body.len()).is_ok());
}

#[test]
fn deep_json_from_a_peer_is_an_error_not_a_crash() {
    for depth in [127usize, 128, 129, 1000, 100_000] {
        let json = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let a = Args::from_parts(&[json.as_bytes()], &[b"".as_slice()], true);
        let _ = a.values();
        let _ = a.validate();
        let _ = a.get::<serde_json::Value>(0);
        let plain = Args::from_parts(&[json.as_bytes()], &[], false);
        let _ = plain.validate();
        let _ = plain.get::<electrode_wire::Value>(0);
    }
}

#[test]
fn preview_cuts_on_character_boundaries() {
    for n in 0..12 {
        let s = format!("{}{}", "x".repeat(n), "é€😀".repeat(40));
        for args in [
            Args::encode(&(&s,)).unwrap(),
            Args::encode(&(&s, Bytes::new())).unwrap(),
        ] {
            for max in 0..90 {
                let p = args.preview(max);
                assert!(p.len() <= max + "…".len() + 1, "{max}: {p}");
            }
        }
    }
}

/// Regression test: reading every argument of a message used to cost arguments × attachments
/// (each read collected every attachment), so one hostile frame could stall main for minutes
/// in `validate()` before a relay.
#[test]
fn many_arguments_and_attachments_stay_linear() {
    let n = 40_000;
    let json: Vec<String> = (0..n)
        .map(|i| format!(r#"{{"\u0000bytes":{i}}}"#))
        .collect();
    let json: Vec<&[u8]> = json.iter().map(|j| j.as_bytes()).collect();
    let bins: Vec<&[u8]> = vec![b"".as_slice(); n];
    let args = Args::from_parts(&json, &bins, false);
    let start = Instant::now();
    args.validate().unwrap();
    assert_eq!(args.values().unwrap().len(), n);
    let elapsed = start.elapsed();
    // Linear: well under a second even in debug builds; quadratic took over half a minute.
    assert!(
        elapsed < Duration::from_secs(10),
        "validate + values took {elapsed:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// The checked-in corpus (stands in for the fuzz corpus CI runs).

#[test]
fn corpus_never_panics() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "corpus has {} files", files.len());
    for path in files {
        let raw = std::fs::read(&path).unwrap();
        let data = if path.extension().is_some_and(|e| e == "hex") {
            unhex(std::str::from_utf8(&raw).unwrap())
        } else {
            raw
        };
        // As a frame body (WebSocket message), and as a stream through the frame reader.
        decode_all_ways(&data);
        let mut reader = electrode_wire::io::FrameReader::new(&data[..], 1 << 20);
        for _ in 0..16 {
            match reader.read_frame() {
                Ok(body) => decode_all_ways(&body),
                Err(_) => break,
            }
        }
    }
}
