//! Frame encoding and decoding: round trips of every variant, the exact layout of ADR 0001,
//! and the size limit.

mod common;

use bytes::Bytes;
use common::*;
use electrode_wire::{Args, Features, Frame, FrameKind, SyncOutcome, WireError};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn every_frame_round_trips(frame in arb_frame()) {
        let enc = frame.encode();
        let stream = enc.to_vec();

        // Length prefix: u32 LE, the body size.
        prop_assert!(stream.len() >= 5);
        let prefix = u32::from_le_bytes(stream[..4].try_into().unwrap()) as usize;
        prop_assert_eq!(prefix, stream.len() - 4);
        prop_assert_eq!(enc.len(), stream.len());
        prop_assert_eq!(enc.body_len(), prefix);
        prop_assert!(!enc.is_empty());

        // The WebSocket message is the body alone.
        prop_assert_eq!(enc.to_message(), &stream[4..]);
        prop_assert_eq!(stream[4], frame.kind() as u8);

        let back = Frame::decode(Bytes::copy_from_slice(&stream[4..]), prefix).unwrap();
        prop_assert_eq!(&back, &frame);
        prop_assert_eq!(back.kind(), frame.kind());

        // A decoded frame encodes to the same bytes (relays forward what they received).
        prop_assert_eq!(back.encode().to_vec(), stream.clone());

        // The body limit applies to the body, not counting the prefix.
        let too_small = Frame::decode(Bytes::copy_from_slice(&stream[4..]), prefix - 1);
        let is_too_large = matches!(
            too_small,
            Err(WireError::TooLarge { size, limit }) if size == prefix && limit == prefix - 1
        );
        prop_assert!(is_too_large);

        // Arguments come back value for value.
        if let (Some(a), Some(b)) = (frame_args(&frame), frame_args(&back)) {
            prop_assert_eq!(a.values().unwrap(), b.values().unwrap());
        }
    }
}

#[test]
fn kind_bytes_are_stable() {
    let table = [
        (FrameKind::Hello, 0x01),
        (FrameKind::Send, 0x02),
        (FrameKind::SendSync, 0x03),
        (FrameKind::SendToHost, 0x04),
        (FrameKind::SendTo, 0x05),
        (FrameKind::WebviewSend, 0x06),
        (FrameKind::Welcome, 0x81),
        (FrameKind::Message, 0x82),
        (FrameKind::SyncReply, 0x83),
        (FrameKind::HostMessage, 0x84),
        (FrameKind::Close, 0x85),
        (FrameKind::Invoke, 0x07),
        (FrameKind::InvokeCancel, 0x08),
        (FrameKind::InvokeReply, 0x86),
    ];
    for (kind, byte) in table {
        assert_eq!(kind as u8, byte, "{kind:?}");
    }
}

fn body(frame: &Frame) -> Vec<u8> {
    let v = frame.encode().to_vec();
    assert_eq!(&v[..4], &((v.len() - 4) as u32).to_le_bytes());
    v[4..].to_vec()
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// Byte-exact layouts from ADR 0001, so an accidental format change fails here and not in a
/// mixed-version deployment.
#[test]
fn layout_matches_the_adr() {
    let send = Frame::Send {
        channel: "ping".into(),
        args: Args::encode(&(1u32, "two")).unwrap(),
    };
    assert_eq!(
        body(&send),
        cat(&[
            &[0x02],
            &4u32.to_le_bytes(),
            b"ping",
            &[0],                // flags
            &2u32.to_le_bytes(), // argc
            &0u32.to_le_bytes(), // nbin
            &1u32.to_le_bytes(),
            &5u32.to_le_bytes(),
            b"1\"two\"",
        ])
    );

    let with_bytes = Frame::Send {
        channel: "b".into(),
        args: Args::encode(&(Bytes::from_static(b"xyz"),)).unwrap(),
    };
    let marker = br#"{"\u0000bytes":0}"#;
    assert_eq!(
        body(&with_bytes),
        cat(&[
            &[0x02],
            &1u32.to_le_bytes(),
            b"b",
            &[1], // attachments flag
            &1u32.to_le_bytes(),
            &1u32.to_le_bytes(),
            &(marker.len() as u32).to_le_bytes(),
            &3u32.to_le_bytes(),
            marker,
            b"xyz",
        ])
    );

    let send_to = Frame::SendTo {
        target: 3,
        channel: "c".into(),
        args: Args::empty(),
    };
    assert_eq!(
        body(&send_to),
        cat(&[
            &[0x05],
            &3u64.to_le_bytes(),
            &1u32.to_le_bytes(),
            b"c",
            &[0],
            &0u32.to_le_bytes(),
            &0u32.to_le_bytes(),
        ])
    );

    let sync = Frame::SendSync {
        request: 0x0102030405060708,
        channel: String::new(),
        args: Args::encode(&()).unwrap(),
    };
    assert_eq!(
        body(&sync),
        cat(&[
            &[0x03],
            &[8, 7, 6, 5, 4, 3, 2, 1],
            &0u32.to_le_bytes(),
            &[0],
            &0u32.to_le_bytes(),
            &0u32.to_le_bytes(),
        ])
    );

    assert_eq!(
        body(&Frame::Welcome {
            id: 7,
            embedder: 9,
            max_message_size: 1 << 20,
            version: 1,
            features: Features::from_bits(0b101),
        }),
        cat(&[
            &[0x81],
            &7u64.to_le_bytes(),
            &9u64.to_le_bytes(),
            &(1u64 << 20).to_le_bytes(),
            &1u16.to_le_bytes(),
            &0b101u64.to_le_bytes(),
        ])
    );
    // A Welcome from a main of before versions: version 0, no features.
    assert_eq!(
        Frame::decode(
            Bytes::from(cat(&[
                &[0x81],
                &7u64.to_le_bytes(),
                &9u64.to_le_bytes(),
                &(1u64 << 20).to_le_bytes()
            ])),
            LIMIT
        )
        .unwrap(),
        Frame::Welcome {
            id: 7,
            embedder: 9,
            max_message_size: 1 << 20,
            version: 0,
            features: Features::NONE,
        }
    );
    // A Welcome from a main that did not send its limit yet: the default limit.
    assert_eq!(
        Frame::decode(
            Bytes::from(cat(&[&[0x81], &7u64.to_le_bytes(), &9u64.to_le_bytes()])),
            LIMIT
        )
        .unwrap(),
        Frame::Welcome {
            id: 7,
            embedder: 9,
            max_message_size: electrode_wire::DEFAULT_MAX_MESSAGE_SIZE as u64,
            version: 0,
            features: Features::NONE,
        }
    );
    assert_eq!(
        body(&Frame::SyncReply {
            request: 5,
            outcome: SyncOutcome::Value(Bytes::from_static(b"null")),
        }),
        cat(&[&[0x83], &5u64.to_le_bytes(), &[1], b"null"])
    );
    assert_eq!(
        body(&Frame::SyncReply {
            request: 5,
            outcome: SyncOutcome::Error("no listener".into()),
        }),
        cat(&[&[0x83], &5u64.to_le_bytes(), &[0], b"no listener"])
    );
    assert_eq!(
        body(&Frame::Hello {
            version: 0,
            features: Features::NONE,
            token: Bytes::from_static(b"secret")
        }),
        b"\x01secret"
    );
    // Versioned: a 0x00 marker (never the first byte of a hex token), version, features.
    let versioned = Frame::Hello {
        version: 3,
        features: Features::from_bits(1 << 63),
        token: Bytes::from_static(b"ab12"),
    };
    assert_eq!(
        body(&versioned),
        cat(&[
            &[0x01, 0x00],
            &3u16.to_le_bytes(),
            &(1u64 << 63).to_le_bytes(),
            b"ab12"
        ])
    );
    assert_eq!(
        Frame::decode(Bytes::from(body(&versioned)), LIMIT).unwrap(),
        versioned
    );
    // Version 0 has one encoding, the token alone.
    let zero = cat(&[
        &[0x01, 0x00],
        &0u16.to_le_bytes(),
        &0u64.to_le_bytes(),
        b"ab",
    ]);
    assert!(matches!(
        Frame::decode(Bytes::from(zero), LIMIT),
        Err(WireError::MalformedHandshake(_))
    ));
    // A versioned Hello cut inside its fields is truncated, not a token.
    assert!(matches!(
        Frame::decode(Bytes::from_static(&[0x01, 0x00, 0x01]), LIMIT),
        Err(WireError::Truncated(_))
    ));
    assert_eq!(
        body(&Frame::Close {
            reason: "bye".into()
        }),
        b"\x85bye"
    );
}

#[test]
fn encoding_shares_the_argument_bytes() {
    let args = Args::encode(&(vec![7u8; 1000], Bytes::from(vec![1u8; 4096]))).unwrap();
    let frame = Frame::Message {
        channel: "x".into(),
        args: args.clone(),
    };
    let enc = frame.encode();
    // Head and body are kept apart, and the body is the argument section itself, not a copy.
    assert_eq!(enc.body, *args.raw());
    assert_eq!(enc.body.as_ptr(), args.raw().as_ptr());
    assert_eq!(enc.head.len(), 4 + 1 + 4 + 1);
}

#[test]
fn empty_argument_lists() {
    for args in [Args::empty(), Args::encode(&()).unwrap()] {
        assert!(args.is_empty());
        assert_eq!(args.len(), 0);
        assert!(args.is_plain_json());
        assert_eq!(args.values().unwrap(), vec![]);
        assert_eq!(args.preview(80), "[]");
        assert!(matches!(
            args.get::<u32>(0),
            Err(WireError::MissingArgument { index: 0, count: 0 })
        ));
        let frame = Frame::Send {
            channel: "c".into(),
            args,
        };
        assert_eq!(decode_stream(&frame.encode().to_vec()).unwrap(), frame);
    }
}

#[test]
fn welcome_is_exactly_twenty_four_bytes_of_fields() {
    let enc = Frame::Welcome {
        id: u64::MAX,
        embedder: 0,
        max_message_size: 5,
        version: 1,
        features: Features::NONE,
    }
    .encode();
    assert_eq!(enc.body_len(), 1 + 24 + 2 + 8);
    let mut short = enc.to_message();
    short.pop();
    assert!(matches!(
        Frame::decode(Bytes::from(short), LIMIT),
        Err(WireError::Truncated(_))
    ));
}

/// A large frame read into its body's spare capacity (no zeroing) comes out whole, and the
/// frame after it is untouched, whether the reads are spare-capacity ones, zero-filled ones,
/// or a mix; `FrameReader` on a real byte stream gives the same frames.
#[test]
fn large_frames_read_into_spare_capacity_come_out_whole() {
    use electrode_wire::io::{FrameDecoder, FrameReader};
    let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let mut stream = Vec::new();
    for body in [&big[..], b"next", &big[..1000]] {
        stream.extend_from_slice(&(body.len() as u32).to_le_bytes());
        stream.extend_from_slice(body);
    }
    for mix in [false, true] {
        let mut d = FrameDecoder::new(1 << 20);
        let (mut fed, mut frames, mut reads) = (0usize, Vec::new(), 0usize);
        while frames.len() < 3 {
            if let Some(f) = d.next_frame().unwrap() {
                frames.push(f);
                continue;
            }
            reads += 1;
            // At most 7000 bytes a read, as a socket gives what it has.
            let chunk = |fed: usize, room: usize| (stream.len() - fed).min(room).min(7000);
            let spare = if mix && reads % 3 == 0 {
                None
            } else {
                d.fill_spare_with(|body| {
                    let n = chunk(fed, body.capacity() - body.len());
                    body.extend_from_slice(&stream[fed..fed + n]);
                    Ok(n)
                })
            };
            let n = match spare {
                Some(r) => r.unwrap(),
                None => d
                    .fill_with(|buf| {
                        let n = chunk(fed, buf.len());
                        buf[..n].copy_from_slice(&stream[fed..fed + n]);
                        Ok(n)
                    })
                    .unwrap(),
            };
            fed += n;
        }
        assert_eq!(&frames[0][..], &big[..], "mix {mix}");
        assert_eq!(&frames[1][..], b"next");
        assert_eq!(&frames[2][..], &big[..1000]);
        assert!(!d.is_mid_frame());
    }
    let mut reader = FrameReader::new(&stream[..], 1 << 20);
    assert_eq!(&reader.read_frame().unwrap()[..], &big[..]);
    assert_eq!(&reader.read_frame().unwrap()[..], b"next");
    assert_eq!(&reader.read_frame().unwrap()[..], &big[..1000]);
    assert!(matches!(
        reader.read_frame(),
        Err(electrode_wire::io::ReadError::Closed)
    ));
    // Cut inside the large frame: the error says so.
    let mut cut = FrameReader::new(&stream[..100_000], 1 << 20);
    match cut.read_frame() {
        Err(electrode_wire::io::ReadError::Io(e)) => {
            assert!(e.to_string().contains("inside a frame"), "{e}")
        }
        other => panic!("{other:?}"),
    }
}
