//! Argument codec round trips: dynamic [`Value`] trees and typed Rust values.
//!
//! Many tests run each typed value twice: alone (the section is plain JSON and decodes straight
//! through serde_json) and next to a byte buffer (the section has attachments and every
//! argument decodes through [`Value`]), since those are two different decoding paths.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use bytes::Bytes;
use common::*;
use electrode_wire::{ArgList, Args, Frame, Value};
use proptest::collection::{btree_map, hash_map, vec};
use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn values_round_trip(values in arb_arg_values()) {
        let args = Args::encode(&ArgList(values.clone())).unwrap();
        prop_assert_eq!(args.len(), values.len());
        prop_assert_eq!(&args.values().unwrap(), &values);
        args.validate().unwrap();
        for (i, v) in values.iter().enumerate() {
            prop_assert_eq!(&args.value(i).unwrap(), v);
            prop_assert_eq!(&args.get::<Value>(i).unwrap(), v);
            // Every object in the text has sorted keys.
            prop_assert!(Shape::of(args.json(i).unwrap()).keys_sorted);
        }
        // Through a frame too.
        let frame = Frame::Send { channel: "c".into(), args };
        let back = decode_stream(&frame.encode().to_vec()).unwrap();
        prop_assert_eq!(frame_args(&back).unwrap().values().unwrap(), values);
    }

    #[test]
    fn single_value_is_one_argument(value in arb_value()) {
        // A non-tuple value is one argument.
        let args = Args::encode(&value).unwrap();
        prop_assert_eq!(args.len(), 1);
        prop_assert_eq!(args.value(0).unwrap(), value);
    }

    #[test]
    fn f64_arrives_bit_exact(x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let args = Args::encode(&(x, vec![x], Bytes::new())).unwrap();
        prop_assert_eq!(args.get::<f64>(0).unwrap().to_bits(), x.to_bits());
        prop_assert_eq!(args.get::<Vec<f64>>(1).unwrap()[0].to_bits(), x.to_bits());
        let plain = Args::encode(&(x,)).unwrap();
        prop_assert_eq!(plain.get::<f64>(0).unwrap().to_bits(), x.to_bits());
        prop_assert_eq!(plain.value(0).unwrap().as_f64().unwrap().to_bits(), x.to_bits());
    }

    #[test]
    fn f32_arrives_bit_exact(x in any::<f32>().prop_filter("finite", |x| x.is_finite())) {
        let args = Args::encode(&(x,)).unwrap();
        prop_assert_eq!(args.get::<f32>(0).unwrap().to_bits(), x.to_bits());
        let args = Args::encode(&(x, Bytes::new())).unwrap();
        prop_assert_eq!(args.get::<f32>(0).unwrap().to_bits(), x.to_bits());
    }

    #[test]
    fn integers_round_trip(a in any::<i64>(), b in any::<u64>(), c in any::<i8>(), d in any::<u16>()) {
        let t = (a, b, c, d, i128::from(a), u128::from(b));
        let args = Args::encode(&t).unwrap();
        let text = b.to_string();
        prop_assert_eq!(args.json(1).unwrap(), text.as_bytes());
        prop_assert_eq!(args.get::<i64>(0).unwrap(), a);
        prop_assert_eq!(args.get::<u64>(1).unwrap(), b);
        prop_assert_eq!(args.get::<i8>(2).unwrap(), c);
        prop_assert_eq!(args.get::<u16>(3).unwrap(), d);
        prop_assert_eq!(args.get::<i128>(4).unwrap(), i128::from(a));
        prop_assert_eq!(args.get::<u128>(5).unwrap(), u128::from(b));
    }

    #[test]
    fn strings_round_trip(s in arb_string(), c in any::<char>()) {
        for args in [
            Args::encode(&(&s, c)).unwrap(),
            Args::encode(&(&s, c, Bytes::new())).unwrap(),
        ] {
            prop_assert_eq!(args.get::<String>(0).unwrap(), s.clone());
            prop_assert_eq!(args.get::<char>(1).unwrap(), c);
            // What travels is valid JSON that any JSON parser reads back the same.
            let via_json: String = serde_json::from_slice(args.json(0).unwrap()).unwrap();
            prop_assert_eq!(&via_json, &s);
        }
    }

    #[test]
    fn typed_values_round_trip(rec in arb_record()) {
        round_trip(&rec);
    }

    #[test]
    fn integer_keyed_maps_round_trip(
        a in hash_map(any::<u32>(), arb_string(), 0..8),
        b in btree_map(any::<i64>(), any::<bool>(), 0..8),
        c in btree_map(any::<u8>(), vec(any::<u8>(), 0..4), 0..4),
    ) {
        round_trip(&a);
        round_trip(&b);
        round_trip(&c);
        round_trip(&(a, b, c));
    }
}

/// Encodes `x` alone and next to a byte buffer (which routes decoding through [`Value`]) and
/// checks that both decode to `x`.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(x: &T) {
    let plain = Args::encode(&(x,)).unwrap();
    assert_eq!(&plain.get::<T>(0).unwrap(), x, "plain JSON path");
    let mixed = Args::encode(&(x, Bytes::from_static(b"\0\x01"))).unwrap();
    assert!(!mixed.is_plain_json());
    assert_eq!(&mixed.get::<T>(0).unwrap(), x, "Value path");
    assert_eq!(
        mixed.get::<Bytes>(1).unwrap(),
        Bytes::from_static(b"\0\x01")
    );
    // And through a frame.
    let frame = Frame::Message {
        channel: "typed".into(),
        args: mixed,
    };
    let back = decode_stream(&frame.encode().to_vec()).unwrap();
    assert_eq!(&frame_args(&back).unwrap().get::<T>(0).unwrap(), x);
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shapes {
    Unit,
    Newtype(u32),
    Tuple(i8, String),
    Struct { x: f64, y: Option<bool> },
    NewtypeBytes(Bytes),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "type")]
enum Internal {
    A { x: u8 },
    B { s: String, data: Bytes },
    C,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(tag = "t", content = "c")]
enum Adjacent {
    A(u8),
    B { s: String },
    C,
    D(Bytes),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(untagged)]
enum Untagged {
    Int(i64),
    Text(String),
    Pair { k: bool, v: Option<u16> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Inner {
    // Fields deliberately not in sorted order.
    zeta: Option<u32>,
    alpha: String,
    blob: Bytes,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Newtype(u64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Record {
    name: String,
    data: Bytes,
    maybe_data: Option<Bytes>,
    numbers: Vec<u8>,
    opt: Option<i32>,
    shapes: Vec<Shapes>,
    internal: Internal,
    adjacent: Adjacent,
    untagged: Vec<Untagged>,
    by_id: HashMap<u32, Inner>,
    by_name: BTreeMap<String, Vec<Bytes>>,
    tuple: (u8, String, Option<i32>, (bool, char)),
    inner: Inner,
    unit: Unit,
    nothing: (),
    newtype: Newtype,
    #[serde(rename = "\u{0}bytes")]
    sneaky: u32,
}

fn arb_inner() -> impl Strategy<Value = Inner> {
    (any::<Option<u32>>(), arb_string(), arb_bytes(16)).prop_map(|(zeta, alpha, blob)| Inner {
        zeta,
        alpha,
        blob,
    })
}

fn arb_shapes() -> impl Strategy<Value = Shapes> {
    prop_oneof![
        Just(Shapes::Unit),
        any::<u32>().prop_map(Shapes::Newtype),
        (any::<i8>(), arb_string()).prop_map(|(a, b)| Shapes::Tuple(a, b)),
        (-1e9f64..1e9, any::<Option<bool>>()).prop_map(|(x, y)| Shapes::Struct { x, y }),
        arb_bytes(8).prop_map(Shapes::NewtypeBytes),
    ]
}

fn arb_internal() -> impl Strategy<Value = Internal> {
    prop_oneof![
        any::<u8>().prop_map(|x| Internal::A { x }),
        (arb_string(), arb_bytes(8)).prop_map(|(s, data)| Internal::B { s, data }),
        Just(Internal::C),
    ]
}

fn arb_adjacent() -> impl Strategy<Value = Adjacent> {
    prop_oneof![
        any::<u8>().prop_map(Adjacent::A),
        arb_string().prop_map(|s| Adjacent::B { s }),
        Just(Adjacent::C),
        arb_bytes(8).prop_map(Adjacent::D),
    ]
}

fn arb_untagged() -> impl Strategy<Value = Untagged> {
    prop_oneof![
        any::<i64>().prop_map(Untagged::Int),
        arb_string().prop_map(Untagged::Text),
        (any::<bool>(), any::<Option<u16>>()).prop_map(|(k, v)| Untagged::Pair { k, v }),
    ]
}

prop_compose! {
    fn arb_record()(
        name in arb_string(),
        data in arb_bytes(64),
        maybe_data in proptest::option::of(arb_bytes(8)),
        numbers in vec(any::<u8>(), 0..8),
        opt in any::<Option<i32>>(),
        shapes in vec(arb_shapes(), 0..4),
        internal in arb_internal(),
        adjacent in arb_adjacent(),
        untagged in vec(arb_untagged(), 0..4),
        by_id in hash_map(any::<u32>(), arb_inner(), 0..3),
        by_name in btree_map(arb_key(), vec(arb_bytes(4), 0..3), 0..3),
        tuple in (any::<u8>(), arb_string(), any::<Option<i32>>(), (any::<bool>(), any::<char>())),
        inner in arb_inner(),
        newtype in any::<u64>(),
        sneaky in any::<u32>(),
    ) -> Record {
        Record {
            name, data, maybe_data, numbers, opt, shapes, internal, adjacent, untagged, by_id,
            by_name, tuple, inner, unit: Unit, nothing: (), newtype: Newtype(newtype), sneaky,
        }
    }
}

#[test]
fn every_enum_shape_round_trips() {
    let all = (
        vec![
            Shapes::Unit,
            Shapes::Newtype(7),
            Shapes::Tuple(-1, "t".into()),
            Shapes::Struct {
                x: 1.5,
                y: Some(false),
            },
            Shapes::NewtypeBytes(Bytes::from_static(b"nb")),
        ],
        vec![
            Internal::A { x: 1 },
            Internal::B {
                s: "s".into(),
                data: Bytes::from_static(b"d"),
            },
            Internal::C,
        ],
        vec![
            Adjacent::A(1),
            Adjacent::B { s: "b".into() },
            Adjacent::C,
            Adjacent::D(Bytes::from_static(b"d")),
        ],
        vec![
            Untagged::Int(-3),
            Untagged::Text("x".into()),
            Untagged::Pair { k: true, v: None },
        ],
    );
    round_trip(&all);
    let args = Args::encode(&(&all.0,)).unwrap();
    assert_eq!(
        args.json(0).unwrap(),
        br#"["Unit",{"Newtype":7},{"Tuple":[-1,"t"]},{"Struct":{"x":1.5,"y":false}},{"NewtypeBytes":{"\u0000bytes":0}}]"#
    );
}

#[test]
fn top_level_shapes() {
    // A tuple (or array) is the argument list, `()` is none, anything else is one argument.
    assert_eq!(Args::encode(&()).unwrap().len(), 0);
    assert_eq!(Args::encode(&(1,)).unwrap().len(), 1);
    assert_eq!(Args::encode(&(1, 2, 3)).unwrap().len(), 3);
    assert_eq!(Args::encode(&[1, 2, 3]).unwrap().len(), 3);
    assert_eq!(Args::encode(&vec![1, 2, 3]).unwrap().len(), 1);
    assert_eq!(Args::encode(&ArgList(vec![1, 2, 3])).unwrap().len(), 3);
    assert_eq!(Args::encode(&ArgList(Vec::<u8>::new())).unwrap().len(), 0);
    assert_eq!(Args::encode(&"one").unwrap().len(), 1);
    assert_eq!(
        Args::encode(&None::<u32>).unwrap().json(0).unwrap(),
        b"null"
    );
    assert_eq!(Args::encode(&Some(5)).unwrap().json(0).unwrap(), b"5");
    assert_eq!(Args::encode(&Unit).unwrap().json(0).unwrap(), b"null");
    assert_eq!(Args::encode(&Newtype(9)).unwrap().json(0).unwrap(), b"9");
    assert_eq!(
        Args::encode(&Shapes::Unit).unwrap().json(0).unwrap(),
        b"\"Unit\""
    );
    assert_eq!(
        Args::encode(&Shapes::Newtype(1)).unwrap().json(0).unwrap(),
        br#"{"Newtype":1}"#
    );
    assert_eq!(
        Args::encode(&Shapes::Tuple(1, "a".into()))
            .unwrap()
            .json(0)
            .unwrap(),
        br#"{"Tuple":[1,"a"]}"#
    );
    let args = Args::encode(&(None::<u8>, (), Some("x"))).unwrap();
    assert_eq!(args.values().unwrap()[..2], [Value::Null, Value::Null]);
    assert_eq!(args.get::<Option<u8>>(0).unwrap(), None);
    assert_eq!(args.get::<Option<String>>(2).unwrap().as_deref(), Some("x"));
}

#[test]
fn more_arguments_than_fit_in_the_reserved_table_room() {
    // The encoder reserves room for a small table in front of the JSON; longer lists take the
    // other branch. Both must produce the same, consistent section.
    for n in [0usize, 1, 12, 13, 14, 15, 16, 40, 300] {
        let values: Vec<Value> = (0..n)
            .map(|i| {
                if i % 3 == 0 {
                    Value::Bytes(Bytes::from(vec![i as u8; i % 7]))
                } else {
                    Value::Number(i.into())
                }
            })
            .collect();
        let args = Args::encode(&ArgList(values.clone())).unwrap();
        assert_eq!(args.len(), n);
        assert_eq!(args.attachments().count(), n.div_ceil(3));
        assert_eq!(args.values().unwrap(), values);
        assert_eq!(Args::from_raw(args.raw()).unwrap(), args);
    }
}

#[test]
fn from_parts_matches_the_encoder() {
    let encoded = Args::encode(&(1, "a", Bytes::from_static(b"xy"))).unwrap();
    let built = Args::from_parts(
        &[
            b"1".as_slice(),
            b"\"a\"".as_slice(),
            br#"{"\u0000bytes":0}"#.as_slice(),
        ],
        &[b"xy".as_slice()],
        false,
    );
    assert_eq!(built.values().unwrap(), encoded.values().unwrap());
    assert_eq!(built.raw(), encoded.raw());
}

#[test]
fn wrong_type_is_a_convert_error() {
    use electrode_wire::WireError;
    let args = Args::encode(&("text", Bytes::new())).unwrap();
    assert!(matches!(
        args.get::<u32>(0),
        Err(WireError::Convert { index: 0, .. })
    ));
    let plain = Args::encode(&("text",)).unwrap();
    assert!(matches!(
        plain.get::<u32>(0),
        Err(WireError::Convert { index: 0, .. })
    ));
    assert!(matches!(
        plain.get::<u32>(1),
        Err(WireError::MissingArgument { index: 1, count: 1 })
    ));
    let map = Args::encode(&(BTreeMap::from([("x", 1)]), Bytes::new())).unwrap();
    assert!(matches!(
        map.get::<HashMap<u32, i32>>(0),
        Err(WireError::Convert { index: 0, .. })
    ));
}

#[test]
fn unsupported_map_keys_are_refused() {
    let err = Args::encode(&(HashMap::from([((1, 2), 3)]),)).unwrap_err();
    assert!(matches!(err, electrode_wire::WireError::Serialize(_)));
    let err = Args::encode(&(BTreeMap::from([(vec![1u8], 3)]),)).unwrap_err();
    assert!(matches!(err, electrode_wire::WireError::Serialize(_)));
}

#[test]
fn bool_char_and_unit_variant_keys() {
    #[derive(Serialize, Deserialize, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Clone, Copy)]
    enum Color {
        Red,
        Blue,
    }
    round_trip(&BTreeMap::from([(true, 1), (false, 2)]));
    round_trip(&BTreeMap::from([('a', 1), ('\0', 2)]));
    round_trip(&BTreeMap::from([(Color::Red, 1), (Color::Blue, 2)]));
    round_trip(&BTreeMap::from([(-5i8, 1), (i8::MAX, 2)]));
}

/// Large attachments stay in their own buffer (the section's second part, written with one
/// vectored write) and read back the same as a section received in one buffer.
#[test]
fn large_attachments_travel_as_a_second_part_and_read_back_the_same() {
    let big = Bytes::from(
        (0..200_000u32)
            .map(|i| (i % 251) as u8)
            .collect::<Vec<u8>>(),
    );
    let small = Bytes::from_static(b"tiny");
    let args = Args::encode(&(big.clone(), "after the bytes", vec![small.clone()])).unwrap();
    let (head, tail) = args.parts();
    assert_eq!(
        tail.len(),
        big.len() + small.len(),
        "both attachments in the tail"
    );
    assert!(
        head.len() < 200,
        "the head holds only the table and JSON: {}",
        head.len()
    );
    assert_eq!(args.encoded_len(), head.len() + tail.len());
    // The joined section is what a peer receives; parsed again it is the same section.
    let received = Args::from_raw(args.raw()).unwrap();
    assert_eq!(received, args);
    assert!(received.parts().1.is_empty());
    for a in [&args, &received] {
        assert_eq!(a.get::<Bytes>(0).unwrap(), big);
        assert_eq!(a.get::<String>(1).unwrap(), "after the bytes");
        assert_eq!(a.get::<Vec<Bytes>>(2).unwrap(), vec![small.clone()]);
        assert_eq!(
            a.attachments().collect::<Vec<_>>(),
            vec![big.clone(), small.clone()]
        );
        a.validate().unwrap();
    }
    // Through a frame and the stream decoder, as a socket carries it.
    let frame = Frame::Send {
        channel: "ch".into(),
        args: args.clone(),
    };
    let encoded = frame.encode();
    assert_eq!(encoded.tail.len(), tail.len());
    let mut stream = Vec::new();
    electrode_wire::io::write_frame(&mut stream, &encoded).unwrap();
    assert_eq!(stream, encoded.to_vec());
    let mut decoder = electrode_wire::io::FrameDecoder::new(1 << 20);
    let mut fed = 0;
    let body = loop {
        if let Some(body) = decoder.next_frame().unwrap() {
            break body;
        }
        decoder
            .fill_with(|buf| {
                let n = buf.len().min(stream.len() - fed);
                buf[..n].copy_from_slice(&stream[fed..fed + n]);
                fed += n;
                Ok(n)
            })
            .unwrap();
    };
    match Frame::decode(body, 1 << 20).unwrap() {
        Frame::Send { channel, args: got } => {
            assert_eq!(channel, "ch");
            assert_eq!(got, args);
            assert_eq!(got.get::<Bytes>(0).unwrap(), big);
        }
        other => panic!("decoded {other:?}"),
    }
    // Small attachments are still copied behind the JSON: one buffer.
    let one = Args::encode(&(small.clone(),)).unwrap();
    assert!(one.parts().1.is_empty());
    assert_eq!(one.get::<Bytes>(0).unwrap(), small);
}

/// Long strings are scanned block by block: escapes before, on and after block edges, and
/// multi-byte characters across them, come out as serde_json reads them.
#[test]
fn long_strings_with_escapes_anywhere_round_trip() {
    for at in [0usize, 1, 8191, 8192, 8193, 16_384, 30_000] {
        for esc in ["\"", "\\", "\n", "\u{1}", "é", "😀"] {
            let mut s = "a".repeat(at);
            s.push_str(esc);
            s.push_str(&"b".repeat(20_000));
            s.push_str(esc);
            let args = Args::encode(&(s.as_str(),)).unwrap();
            let json = args.json(0).unwrap();
            assert_eq!(
                serde_json::from_slice::<String>(json).unwrap(),
                s,
                "escape {esc:?} at {at}"
            );
            assert_eq!(json, serde_json::to_string(&s).unwrap().as_bytes());
        }
    }
}

mod shared_bytes {
    use bytes::Bytes;
    use electrode_wire::{Args, SharedBytes};

    fn big(fill: u8) -> Bytes {
        Bytes::from(vec![fill; 100_000])
    }

    #[test]
    fn a_large_shared_buffer_alone_is_the_sections_tail_uncopied() {
        let image = big(1);
        let args = Args::encode(&("name", SharedBytes(image.clone()), 3)).unwrap();
        assert_eq!(args.parts().1.as_ptr(), image.as_ptr());
        assert_eq!(args.get::<String>(0).unwrap(), "name");
        assert_eq!(args.get::<Bytes>(1).unwrap(), image);
        assert_eq!(args.get::<u32>(2).unwrap(), 3);
        // The joined section decodes the same on the other side.
        let again = Args::from_raw(args.raw()).unwrap();
        assert_eq!(again.get::<SharedBytes>(1).unwrap(), SharedBytes(image));
    }

    #[test]
    fn shared_buffers_that_are_not_the_only_attachment_are_copied_in_order() {
        let (a, b) = (big(1), big(2));
        for args in [
            Args::encode(&(SharedBytes(a.clone()), SharedBytes(b.clone()))).unwrap(),
            Args::encode(&(a.clone(), SharedBytes(b.clone()))).unwrap(),
            Args::encode(&(SharedBytes(a.clone()), b.clone())).unwrap(),
        ] {
            assert_ne!(args.parts().1.as_ptr(), a.as_ptr());
            assert_ne!(args.parts().1.as_ptr(), b.as_ptr());
            assert_eq!(args.get::<Bytes>(0).unwrap(), a);
            assert_eq!(args.get::<Bytes>(1).unwrap(), b);
        }
        // A small one is copied behind the JSON like any small attachment.
        let small = Bytes::from_static(b"tiny");
        let args = Args::encode(&(SharedBytes(small.clone()),)).unwrap();
        assert!(args.parts().1.is_empty());
        assert_eq!(args.get::<Bytes>(0).unwrap(), small);
    }

    #[test]
    fn other_serializers_see_plain_bytes() {
        let v = SharedBytes(Bytes::from_static(&[1, 2, 3]));
        assert_eq!(serde_json::to_string(&v).unwrap(), "[1,2,3]");
        let same = Args::encode(&(Bytes::from_static(&[1, 2, 3]),)).unwrap();
        assert_eq!(Args::encode(&(v,)).unwrap().raw(), same.raw());
    }
}
