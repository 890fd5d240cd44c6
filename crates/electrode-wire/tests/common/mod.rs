//! Strategies and helpers shared by the integration tests of `electrode-wire`.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Read, Write};

use bytes::Bytes;
use electrode_wire::{
    ArgList, Args, Features, Frame, InvokeFailure, InvokeOutcome, SyncOutcome, Value,
};
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Generous decode limit for tests that are not about limits.
pub const LIMIT: usize = 1 << 30;

/// Decodes the stream bytes of one frame (length prefix included) as a receiver would.
pub fn decode_stream(stream: &[u8]) -> Result<Frame, electrode_wire::WireError> {
    Frame::decode(Bytes::copy_from_slice(&stream[4..]), LIMIT)
}

/// Strings that stress the JSON writer: unicode, quotes, backslashes, control characters, NUL.
pub fn arb_string() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        "\\PC{0,12}",
        "[\\x00-\\x1f\"\\\\/a\\x7f\u{80}\u{2028}\u{fffd}]{0,8}",
        any::<String>(),
    ]
}

/// Object keys, including the ones that collide with the byte marker or need escaping.
pub fn arb_key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z]{0,6}",
        2 => arb_string(),
        1 => Just("\u{0}bytes".to_string()),
        1 => Just("\u{0}\u{0}bytes".to_string()),
        1 => Just("\u{0}".to_string()),
        1 => Just("bytes".to_string()),
        1 => "\u{0}[a-z\u{0}]{0,5}",
    ]
}

/// Any JSON number the encoder can produce: integers of both signs and finite doubles.
pub fn arb_number() -> impl Strategy<Value = serde_json::Number> {
    prop_oneof![
        any::<i64>().prop_map(serde_json::Number::from),
        any::<u64>().prop_map(serde_json::Number::from),
        any::<f64>().prop_filter_map("finite", serde_json::Number::from_f64),
        (-1000i32..1000).prop_map(|i| serde_json::Number::from_f64(f64::from(i) / 8.0).unwrap()),
    ]
}

pub fn arb_bytes(max: usize) -> impl Strategy<Value = Bytes> {
    vec(any::<u8>(), 0..max).prop_map(Bytes::from)
}

/// Arbitrary [`Value`] trees, up to six containers deep.
pub fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        arb_number().prop_map(Value::Number),
        arb_string().prop_map(Value::String),
        arb_bytes(48).prop_map(Value::Bytes),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            btree_map(arb_key(), inner, 0..6).prop_map(Value::Object),
        ]
    })
}

/// An argument list of arbitrary values.
pub fn arb_arg_values() -> impl Strategy<Value = Vec<Value>> {
    vec(arb_value(), 0..5)
}

pub fn arb_args() -> impl Strategy<Value = Args> {
    arb_arg_values().prop_map(|v| Args::encode(&ArgList(v)).expect("values always encode"))
}

pub fn arb_sync_outcome() -> impl Strategy<Value = SyncOutcome> {
    prop_oneof![
        arb_bytes(64).prop_map(SyncOutcome::Value),
        arb_value().prop_map(|v| SyncOutcome::Value(serde_json::to_vec(&v).unwrap().into())),
        arb_string().prop_map(SyncOutcome::Error),
    ]
}

/// Every frame variant with arbitrary field values.
pub fn arb_frame() -> impl Strategy<Value = Frame> {
    let ch = arb_string;
    prop_oneof![
        (1..=u16::MAX, any::<u64>(), arb_bytes(64)).prop_map(|(version, features, token)| {
            Frame::Hello {
                version,
                features: Features::from_bits(features),
                token,
            }
        }),
        // Version 0 is the token alone, so its first byte is never the versioned marker.
        arb_bytes(64)
            .prop_filter("not the versioned marker", |t| t.first() != Some(&0))
            .prop_map(|token| Frame::Hello {
                version: 0,
                features: Features::NONE,
                token
            }),
        (ch(), arb_args()).prop_map(|(channel, args)| Frame::Send { channel, args }),
        (any::<u64>(), ch(), arb_args()).prop_map(|(request, channel, args)| Frame::SendSync {
            request,
            channel,
            args
        }),
        (ch(), arb_args()).prop_map(|(channel, args)| Frame::SendToHost { channel, args }),
        (any::<u64>(), ch(), arb_args()).prop_map(|(target, channel, args)| Frame::SendTo {
            target,
            channel,
            args
        }),
        (any::<u64>(), ch(), arb_args()).prop_map(|(guest, channel, args)| Frame::WebviewSend {
            guest,
            channel,
            args
        }),
        (
            any::<u64>(),
            any::<u64>(),
            any::<u64>(),
            any::<u16>(),
            any::<u64>()
        )
            .prop_map(|(id, embedder, max_message_size, version, features)| {
                Frame::Welcome {
                    id,
                    embedder,
                    max_message_size,
                    version,
                    features: Features::from_bits(features),
                }
            }),
        (ch(), arb_args()).prop_map(|(channel, args)| Frame::Message { channel, args }),
        (any::<u64>(), arb_sync_outcome())
            .prop_map(|(request, outcome)| Frame::SyncReply { request, outcome }),
        (any::<u64>(), ch(), arb_args()).prop_map(|(guest, channel, args)| Frame::HostMessage {
            guest,
            channel,
            args
        }),
        arb_string().prop_map(|reason| Frame::Close { reason }),
        (any::<u64>(), ch(), arb_args()).prop_map(|(request, channel, args)| Frame::Invoke {
            request,
            channel,
            args
        }),
        any::<u64>().prop_map(|request| Frame::InvokeCancel { request }),
        (ch(), prop::collection::vec(any::<u64>(), 0..4), arb_args()).prop_map(
            |(channel, ports, args)| Frame::PostMessage {
                channel,
                ports,
                args
            }
        ),
        (ch(), prop::collection::vec(any::<u64>(), 0..4), arb_args()).prop_map(
            |(channel, ports, args)| Frame::PortsMessage {
                channel,
                ports,
                args
            }
        ),
        (any::<u64>(), arb_args()).prop_map(|(port, args)| Frame::PortSend { port, args }),
        (any::<u64>(), arb_args()).prop_map(|(port, args)| Frame::PortMessage { port, args }),
        any::<u64>().prop_map(|port| Frame::PortClose { port }),
        any::<u64>().prop_map(|port| Frame::PortClosed { port }),
        any::<u64>().prop_map(|port| Frame::PortSwitch { port }),
        any::<u64>().prop_map(|port| Frame::PortSwitched { port }),
        any::<[u8; 16]>().prop_map(|nonce| Frame::PortFetch { nonce }),
        (any::<u64>(), any::<[u8; 16]>())
            .prop_map(|(port, nonce)| Frame::PortDirect { port, nonce }),
        (any::<u64>(), arb_invoke_outcome())
            .prop_map(|(request, outcome)| Frame::InvokeReply { request, outcome }),
        (any::<u64>(), any::<u64>()).prop_map(|(at, len)| Frame::SharedSlice { at, len }),
    ]
}

/// Any invoke answer: a JSON value, or a failure with or without its payload.
pub fn arb_invoke_outcome() -> impl Strategy<Value = InvokeOutcome> {
    prop_oneof![
        arb_value().prop_map(|v| InvokeOutcome::Value(serde_json::to_vec(&v).unwrap().into())),
        (arb_string(), any::<Option<i32>>(), any::<Option<bool>>()).prop_map(
            |(message, code, data)| InvokeOutcome::Error(InvokeFailure {
                message,
                code: code.map(Into::into),
                data: data.map(Into::into),
            })
        ),
    ]
}

/// The argument section of a frame, if it has one.
pub fn frame_args(frame: &Frame) -> Option<&Args> {
    match frame {
        Frame::Send { args, .. }
        | Frame::SendSync { args, .. }
        | Frame::SendToHost { args, .. }
        | Frame::SendTo { args, .. }
        | Frame::WebviewSend { args, .. }
        | Frame::Message { args, .. }
        | Frame::HostMessage { args, .. }
        | Frame::Invoke { args, .. }
        | Frame::PostMessage { args, .. }
        | Frame::PortsMessage { args, .. }
        | Frame::PortSend { args, .. }
        | Frame::PortMessage { args, .. } => Some(args),
        Frame::InvokeCancel { .. }
        | Frame::InvokeReply { .. }
        | Frame::PortClose { .. }
        | Frame::PortClosed { .. }
        | Frame::PortSwitch { .. }
        | Frame::PortSwitched { .. }
        | Frame::PortFetch { .. }
        | Frame::PortDirect { .. }
        | Frame::SharedSlice { .. } => None,
        Frame::Hello { .. }
        | Frame::Welcome { .. }
        | Frame::SyncReply { .. }
        | Frame::Close { .. } => None,
    }
}

/// Runs every reader a receiver might run on a decoded frame. Errors are fine; panics are not.
pub fn exercise(frame: &Frame) {
    let _ = format!("{frame:?}");
    let _ = frame.encode().to_vec();
    if let Some(args) = frame_args(frame) {
        exercise_args(args);
    }
    if let Frame::SyncReply {
        outcome: SyncOutcome::Value(json),
        ..
    } = frame
    {
        let _ = serde_json::from_slice::<Value>(json);
    }
}

pub fn exercise_args(args: &Args) {
    let _ = args.values();
    let _ = args.validate();
    let _ = args.preview(80);
    let _ = args.preview(0);
    let _ = args.preview(3);
    let _ = args.get::<serde_json::Value>(0);
    let _ = args.get::<Value>(0);
    let _ = args.get::<Option<BTreeMap<u32, String>>>(0);
    let _ = args.get::<Vec<Bytes>>(0);
    let _ = args.get::<String>(args.len());
    let _ = args.attachments().count();
    let _ = args.is_plain_json();
    for i in 0..=args.len() {
        let _ = args.json(i);
        if let Ok(v) = args.value(i) {
            let _ = v.to_string();
            let _ = Args::encode(&(v,));
        }
    }
    // Relays forward the raw section; it must parse again, identically.
    let again = Args::from_raw(args.raw()).expect("a parsed section parses again");
    assert_eq!(&again, args);
}

/// A reader that hands out its data in chunks of the given sizes (cycled); a size of 0 means
/// "fail once with `Interrupted`". Counts the `read` calls.
pub struct ChunkedReader {
    data: Vec<u8>,
    pos: usize,
    chunks: Vec<usize>,
    next: usize,
    pub reads: usize,
}

impl ChunkedReader {
    pub fn new(data: Vec<u8>, chunks: Vec<usize>) -> Self {
        assert!(chunks.iter().any(|&c| c > 0));
        ChunkedReader {
            data,
            pos: 0,
            chunks,
            next: 0,
            reads: 0,
        }
    }

    /// Bytes handed out so far.
    pub fn delivered(&self) -> usize {
        self.pos
    }
}

impl Read for ChunkedReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.reads += 1;
        let chunk = self.chunks[self.next % self.chunks.len()];
        self.next += 1;
        if chunk == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = chunk.min(buf.len()).min(self.data.len() - self.pos);
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

/// A writer that takes at most the given number of bytes per call (cycled); 0 means
/// "fail once with `Interrupted`".
pub struct ChunkedWriter {
    pub data: Vec<u8>,
    chunks: Vec<usize>,
    next: usize,
}

impl ChunkedWriter {
    pub fn new(chunks: Vec<usize>) -> Self {
        assert!(chunks.iter().any(|&c| c > 0));
        ChunkedWriter {
            data: Vec::new(),
            chunks,
            next: 0,
        }
    }
}

impl Write for ChunkedWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let chunk = self.chunks[self.next % self.chunks.len()];
        self.next += 1;
        if chunk == 0 {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = chunk.min(buf.len());
        self.data.extend_from_slice(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Deserializes any JSON text and records whether the keys of every object in it appear in
/// strictly increasing bytewise order, and the deepest nesting of arrays and objects.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    pub keys_sorted: bool,
    pub depth: usize,
}

impl<'de> Deserialize<'de> for Shape {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Shape, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Shape;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("JSON")
            }
            fn visit_bool<E>(self, _: bool) -> Result<Shape, E> {
                Ok(Shape::LEAF)
            }
            fn visit_i64<E>(self, _: i64) -> Result<Shape, E> {
                Ok(Shape::LEAF)
            }
            fn visit_u64<E>(self, _: u64) -> Result<Shape, E> {
                Ok(Shape::LEAF)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Shape, E> {
                Ok(Shape::LEAF)
            }
            fn visit_str<E>(self, _: &str) -> Result<Shape, E> {
                Ok(Shape::LEAF)
            }
            fn visit_unit<E>(self) -> Result<Shape, E> {
                Ok(Shape::LEAF)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Shape, A::Error> {
                let mut out = Shape {
                    keys_sorted: true,
                    depth: 1,
                };
                while let Some(s) = a.next_element::<Shape>()? {
                    out.keys_sorted &= s.keys_sorted;
                    out.depth = out.depth.max(s.depth + 1);
                }
                Ok(out)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Shape, A::Error> {
                let mut out = Shape {
                    keys_sorted: true,
                    depth: 1,
                };
                let mut prev: Option<String> = None;
                while let Some(k) = a.next_key::<String>()? {
                    let s = a.next_value::<Shape>()?;
                    out.keys_sorted &=
                        s.keys_sorted && prev.as_deref().is_none_or(|p| p < k.as_str());
                    out.depth = out.depth.max(s.depth + 1);
                    prev = Some(k);
                }
                Ok(out)
            }
        }
        d.deserialize_any(V)
    }
}

impl Shape {
    const LEAF: Shape = Shape {
        keys_sorted: true,
        depth: 0,
    };

    pub fn of(json: &[u8]) -> Shape {
        serde_json::from_slice(json).expect("the encoder writes valid JSON")
    }
}

/// Keys of the top-level object of a JSON text, in text order.
pub fn key_order(json: &[u8]) -> Vec<String> {
    struct Keys(Vec<String>);
    impl<'de> Deserialize<'de> for Keys {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Keys, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Keys;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Keys, A::Error> {
                    let mut keys = Vec::new();
                    while let Some(k) = a.next_key::<String>()? {
                        a.next_value::<IgnoredAny>()?;
                        keys.push(k);
                    }
                    Ok(Keys(keys))
                }
            }
            d.deserialize_map(V)
        }
    }
    serde_json::from_slice::<Keys>(json).expect("an object").0
}

/// Lower-case hex decoding of the corpus files: whitespace is ignored, `#` starts a comment.
pub fn unhex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.bytes())
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    assert!(digits.len() % 2 == 0, "odd number of hex digits");
    digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).expect("hex digit"))
        .collect()
}
