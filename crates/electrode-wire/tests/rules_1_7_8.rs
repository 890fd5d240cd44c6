//! The value rules of Electron 1.7.8's converter (spec section 1.9, ADR 0001), one test each:
//! non-finite numbers become 0, object keys are sorted bytewise, nesting deeper than
//! `MAX_DEPTH` is cut, user keys can never pass for byte markers, and bytes travel as
//! attachments.

mod common;

use std::collections::{BTreeMap, HashMap};

use bytes::Bytes;
use common::*;
use electrode_wire::{ArgList, Args, Frame, Value, MAX_DEPTH};
use proptest::collection::hash_map;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;

fn text(args: &Args, i: usize) -> String {
    String::from_utf8(args.json(i).unwrap().to_vec()).unwrap()
}

// ---------------------------------------------------------------------------------------------
// NaN and ±Infinity become 0.

#[test]
fn non_finite_f64_becomes_zero_at_top_level() {
    let args = Args::encode(&(f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -f64::NAN)).unwrap();
    for i in 0..4 {
        assert_eq!(text(&args, i), "0");
        assert_eq!(args.get::<f64>(i).unwrap(), 0.0);
        assert_eq!(args.value(i).unwrap(), Value::Number(0.into()));
    }
}

#[test]
fn non_finite_f32_becomes_zero_at_top_level() {
    let args = Args::encode(&(f32::NAN, f32::INFINITY, f32::NEG_INFINITY)).unwrap();
    for i in 0..3 {
        assert_eq!(text(&args, i), "0");
        assert_eq!(args.get::<f32>(i).unwrap(), 0.0);
    }
}

#[test]
fn non_finite_becomes_zero_when_nested() {
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct P {
        x: f64,
        y: f32,
        v: Vec<f64>,
        m: BTreeMap<String, f32>,
        o: Option<f64>,
    }
    let p = P {
        x: f64::NAN,
        y: f32::NEG_INFINITY,
        v: vec![1.5, f64::INFINITY, f64::NAN, -2.0],
        m: BTreeMap::from([("a".into(), f32::NAN), ("b".into(), 0.25)]),
        o: Some(f64::NEG_INFINITY),
    };
    let expect = P {
        x: 0.0,
        y: 0.0,
        v: vec![1.5, 0.0, 0.0, -2.0],
        m: BTreeMap::from([("a".into(), 0.0), ("b".into(), 0.25)]),
        o: Some(0.0),
    };
    let args = Args::encode(&(&p, vec![[f32::NAN, 1.0]])).unwrap();
    assert_eq!(
        text(&args, 0),
        r#"{"m":{"a":0,"b":0.25},"o":0,"v":[1.5,0,0,-2.0],"x":0,"y":0}"#
    );
    assert_eq!(text(&args, 1), "[[0,1.0]]");
    assert_eq!(args.get::<P>(0).unwrap(), expect);
    // Same through the Value path.
    let args = Args::encode(&(&p, Bytes::new())).unwrap();
    assert_eq!(args.get::<P>(0).unwrap(), expect);
    // Valid JSON throughout (JSON has no NaN).
    serde_json::from_slice::<serde_json::Value>(args.json(0).unwrap()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Object keys are written sorted bytewise.

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unsorted {
    zeta: u8,
    alpha: u8,
    #[serde(rename = "Mid")]
    mid: u8,
    _under: u8,
    #[serde(rename = "é")]
    accent: u8,
    #[serde(rename = "")]
    empty: u8,
    #[serde(rename = "10")]
    ten: u8,
    #[serde(rename = "9")]
    nine: u8,
    nested: Nested,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Nested {
    y: Vec<Nested2>,
    x: bool,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Nested2 {
    b: u8,
    a: u8,
}

#[test]
fn struct_fields_are_sorted_bytewise() {
    let v = Unsorted {
        zeta: 1,
        alpha: 2,
        mid: 3,
        _under: 4,
        accent: 5,
        empty: 6,
        ten: 7,
        nine: 8,
        nested: Nested {
            y: vec![Nested2 { b: 1, a: 2 }],
            x: true,
        },
    };
    let args = Args::encode(&(&v,)).unwrap();
    // Bytewise: "" < "10" < "9" < "Mid" < "_under" < "alpha" < "nested" < "zeta" < "é".
    assert_eq!(
        text(&args, 0),
        r#"{"":6,"10":7,"9":8,"Mid":3,"_under":4,"alpha":2,"nested":{"x":true,"y":[{"a":2,"b":1}]},"zeta":1,"é":5}"#
    );
    assert_eq!(args.get::<Unsorted>(0).unwrap(), v);
}

#[test]
fn sorting_keeps_byte_markers_pointing_at_their_attachments() {
    // Values are serialized (and attachments numbered) in field order, then entries are
    // reordered; every marker must still find its own bytes.
    #[derive(Serialize, Deserialize, Debug, PartialEq)]
    struct S {
        z: Bytes,
        a: Bytes,
        m: Vec<Bytes>,
    }
    let s = S {
        z: Bytes::from_static(b"zzz"),
        a: Bytes::from_static(b"a"),
        m: vec![Bytes::from_static(b"m1"), Bytes::from_static(b"m2")],
    };
    let args = Args::encode(&(&s,)).unwrap();
    assert_eq!(
        text(&args, 0),
        r#"{"a":{"\u0000bytes":1},"m":[{"\u0000bytes":2},{"\u0000bytes":3}],"z":{"\u0000bytes":0}}"#
    );
    assert_eq!(args.get::<S>(0).unwrap(), s);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn hashmap_keys_are_sorted_bytewise(
        m in hash_map(arb_key(), any::<i32>(), 0..20),
        n in hash_map(any::<u16>(), any::<bool>(), 0..20),
    ) {
        let args = Args::encode(&(&m, &n, json!({"outer": &m}))).unwrap();
        for i in 0..3 {
            prop_assert!(Shape::of(args.json(i).unwrap()).keys_sorted);
        }
        // The text order is the bytewise order of the original keys (escaping preserves it).
        let mut want: Vec<String> = m.keys().cloned().collect();
        want.sort();
        let got: Vec<String> = key_order(args.json(0).unwrap())
            .into_iter()
            .map(|k| if k.starts_with("\0\0") { k[1..].to_string() } else { k })
            .collect();
        prop_assert_eq!(got, want);
        // Integer keys are sorted as text, as base::DictionaryValue does: "10" < "9".
        let mut want: Vec<String> = n.keys().map(|k| k.to_string()).collect();
        want.sort();
        prop_assert_eq!(key_order(args.json(1).unwrap()), want);
        prop_assert_eq!(args.get::<HashMap<String, i32>>(0).unwrap(), m);
        prop_assert_eq!(args.get::<HashMap<u16, bool>>(1).unwrap(), n);
    }
}

// ---------------------------------------------------------------------------------------------
// Nesting deeper than MAX_DEPTH: null in arrays, omitted in objects. Top-level arguments are at
// depth 1, so an argument holds at most MAX_DEPTH levels of containers.

/// `levels` arrays around `leaf`: the outermost array is the argument (depth 1).
fn arrays(levels: usize, leaf: serde_json::Value) -> serde_json::Value {
    (0..levels).fold(leaf, |v, _| json!([v]))
}

/// `levels` objects `{"k": ...}` around `leaf`.
fn objects(levels: usize, leaf: serde_json::Value) -> serde_json::Value {
    (0..levels).fold(leaf, |v, _| json!({ "k": v }))
}

#[test]
fn max_depth_is_one_hundred() {
    assert_eq!(MAX_DEPTH, 100);
}

#[test]
fn arrays_150_deep_are_cut_to_null_below_depth_100() {
    let args = Args::encode(&(1, arrays(150, json!(7)), "after")).unwrap();
    // 100 arrays (depths 1..=100); the element at depth 101 becomes null.
    let want = format!("{}null{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(text(&args, 1), want);
    assert_eq!(Shape::of(args.json(1).unwrap()).depth, MAX_DEPTH);
    // Neighbouring arguments are untouched, and the result decodes (as Value and as JSON).
    assert_eq!(text(&args, 0), "1");
    assert_eq!(text(&args, 2), "\"after\"");
    assert_eq!(
        args.get::<serde_json::Value>(1).unwrap(),
        arrays(100, json!(null))
    );
    let mut v = args.value(1).unwrap();
    for _ in 0..100 {
        let Value::Array(mut a) = v else {
            panic!("not an array")
        };
        v = a.pop().unwrap();
    }
    assert_eq!(v, Value::Null);
}

#[test]
fn array_leaves_exactly_at_the_limit() {
    // A scalar at depth 100 (inside 99 arrays) is kept; at depth 101 it becomes null.
    let args = Args::encode(&(arrays(99, json!(7)), arrays(100, json!(7)))).unwrap();
    assert_eq!(
        args.get::<serde_json::Value>(0).unwrap(),
        arrays(99, json!(7))
    );
    assert_eq!(
        args.get::<serde_json::Value>(1).unwrap(),
        arrays(100, json!(null))
    );
    // Every element of a depth-100 array is cut, not only the first.
    let args = Args::encode(&(arrays(99, json!([1, [2], {"a": 3}])),)).unwrap();
    assert_eq!(
        args.get::<serde_json::Value>(0).unwrap(),
        arrays(99, json!([null, null, null]))
    );
    // A top-level scalar is depth 1, however it is sent.
    assert_eq!(text(&Args::encode(&7).unwrap(), 0), "7");
    // A single non-tuple argument is depth 1 too.
    let single = Args::encode(&arrays(150, json!(7))).unwrap();
    assert_eq!(single.len(), 1);
    assert_eq!(
        text(&single, 0),
        format!("{}null{}", "[".repeat(100), "]".repeat(100))
    );
}

#[test]
fn objects_150_deep_are_cut_by_omission_below_depth_100() {
    let args = Args::encode(&(objects(150, json!(7)),)).unwrap();
    // 100 objects; the innermost (depth 100) loses its entry, which would be at depth 101.
    let want = format!("{}{{}}{}", r#"{"k":"#.repeat(99), "}".repeat(99));
    assert_eq!(text(&args, 0), want);
    assert_eq!(
        args.get::<serde_json::Value>(0).unwrap(),
        objects(99, json!({}))
    );
    assert_eq!(Shape::of(args.json(0).unwrap()).depth, MAX_DEPTH);
}

#[test]
fn object_entries_exactly_at_the_limit() {
    let args = Args::encode(&(
        objects(99, json!(7)),
        objects(99, json!({"a": 1, "b": [1], "c": {}})),
    ))
    .unwrap();
    // An entry at depth 100 is kept.
    assert_eq!(
        args.get::<serde_json::Value>(0).unwrap(),
        objects(99, json!(7))
    );
    // All entries of a depth-100 object are omitted.
    assert_eq!(
        args.get::<serde_json::Value>(1).unwrap(),
        objects(99, json!({}))
    );
}

#[test]
fn mixed_nesting_is_cut_by_the_container_kind() {
    // 99 arrays, then an object at depth 100: its entries go. 99 objects, then an array at
    // depth 100: its elements become null.
    let a = arrays(99, json!({"x": [1], "y": 2}));
    let o = objects(99, json!([1, {"z": 1}]));
    let args = Args::encode(&(a, o)).unwrap();
    assert_eq!(
        args.get::<serde_json::Value>(0).unwrap(),
        arrays(99, json!({}))
    );
    assert_eq!(
        args.get::<serde_json::Value>(1).unwrap(),
        objects(99, json!([null, null]))
    );
}

#[test]
fn bytes_at_the_limit() {
    // Bytes at depth 100 are a leaf and travel; at depth 101 they become null, and no
    // attachment is written for them.
    fn wrap(levels: usize, leaf: Value) -> Value {
        (0..levels).fold(leaf, |v, _| Value::Array(vec![v]))
    }
    let b = Value::Bytes(Bytes::from_static(b"deep"));
    let args = Args::encode(&(wrap(99, b.clone()),)).unwrap();
    assert_eq!(args.value(0).unwrap(), wrap(99, b.clone()));
    assert_eq!(args.attachments().count(), 1);
    let args = Args::encode(&(wrap(100, b),)).unwrap();
    assert_eq!(args.value(0).unwrap(), wrap(100, Value::Null));
    assert_eq!(args.attachments().count(), 0);
}

/// Serializes `levels` one-element sequences around an enum value, so the enum sits at depth
/// `levels + 1`.
struct Deep<'a>(usize, &'a Variant);

impl Serialize for Deep<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 == 0 {
            self.1.serialize(s)
        } else {
            s.collect_seq(std::iter::once(Deep(self.0 - 1, self.1)))
        }
    }
}

#[derive(Serialize)]
enum Variant {
    Unit,
    Newtype(u8),
    Tuple(u8, u8),
    Struct { a: u8 },
}

#[test]
fn enum_wrappers_count_as_one_level() {
    // A variant with data is an object `{"Variant": data}`: the data is one level deeper.
    fn cut(levels: usize, v: &Variant) -> String {
        let args = Args::encode(&(Deep(levels, v),)).unwrap();
        let t = text(&args, 0);
        assert_eq!(&t[..levels], "[".repeat(levels));
        assert!(Shape::of(args.json(0).unwrap()).depth <= MAX_DEPTH);
        t[levels..t.len() - levels].to_string()
    }
    // At depth 99 the data (depth 100) stays; its own elements (depth 101) do not.
    assert_eq!(cut(98, &Variant::Unit), r#""Unit""#);
    assert_eq!(cut(98, &Variant::Newtype(1)), r#"{"Newtype":1}"#);
    assert_eq!(cut(98, &Variant::Tuple(1, 2)), r#"{"Tuple":[null,null]}"#);
    assert_eq!(cut(98, &Variant::Struct { a: 1 }), r#"{"Struct":{}}"#);
    // At depth 100 the wrapper object keeps no entry, whatever the variant's shape.
    assert_eq!(cut(99, &Variant::Unit), r#""Unit""#);
    assert_eq!(cut(99, &Variant::Newtype(1)), "{}");
    assert_eq!(cut(99, &Variant::Tuple(1, 2)), "{}");
    assert_eq!(cut(99, &Variant::Struct { a: 1 }), "{}");
    // At depth 101 the variant is an array element like any other: null.
    assert_eq!(cut(100, &Variant::Tuple(1, 2)), "null");
    assert_eq!(cut(100, &Variant::Struct { a: 1 }), "null");
}

// ---------------------------------------------------------------------------------------------
// User keys beginning with NUL are escaped and never read as byte markers.

#[test]
fn user_key_that_looks_like_a_marker_comes_back_as_a_key() {
    let m = BTreeMap::from([("\u{0}bytes".to_string(), 0u32)]);
    let args = Args::encode(&(&m,)).unwrap();
    assert_eq!(args.attachments().count(), 0);
    assert!(!args.is_plain_json());
    assert_eq!(text(&args, 0), r#"{"\u0000\u0000bytes":0}"#);
    let want = Value::Object(BTreeMap::from([(
        "\u{0}bytes".to_string(),
        Value::Number(0.into()),
    )]));
    assert_eq!(args.value(0).unwrap(), want);
    assert_eq!(args.get::<BTreeMap<String, u32>>(0).unwrap(), m);

    // Next to a real attachment 0, the user key still does not resolve to it.
    let args = Args::encode(&(&m, Bytes::from_static(b"real"))).unwrap();
    assert_eq!(args.value(0).unwrap(), want);
    assert_eq!(
        args.value(1).unwrap(),
        Value::Bytes(Bytes::from_static(b"real"))
    );

    // The same for Value objects, serde_json objects, and nested maps.
    let args = Args::encode(&(
        want.clone(),
        json!({"\u{0}bytes": 0}),
        json!([{"x": {"\u{0}bytes": 0}}]),
    ))
    .unwrap();
    assert_eq!(args.value(0).unwrap(), want);
    assert_eq!(args.value(1).unwrap(), want);
    assert_eq!(
        args.get::<serde_json::Value>(2).unwrap(),
        json!([{"x": {"\u{0}bytes": 0}}])
    );
}

#[test]
fn keys_starting_with_nul_round_trip() {
    for key in ["\0", "\0\0", "\0\0bytes", "\0x", "\0bytes\0", "bytes"] {
        let m = HashMap::from([(key.to_string(), vec![1, 2])]);
        let args = Args::encode(&(&m,)).unwrap();
        assert_eq!(
            args.get::<HashMap<String, Vec<i32>>>(0).unwrap(),
            m,
            "{key:?}"
        );
    }
}

#[test]
fn escaped_keys_from_a_peer() {
    // What a JS peer sends for `{"\0bytes": 5}`: the key escaped, the flag set.
    let args = Args::from_parts(&[br#"{"\u0000\u0000bytes":5}"#.as_slice()], &[], true);
    assert_eq!(
        args.value(0).unwrap(),
        Value::Object(BTreeMap::from([(
            "\u{0}bytes".to_string(),
            Value::Number(5.into())
        )]))
    );
}

// ---------------------------------------------------------------------------------------------
// Bytes travel as attachments.

#[test]
fn bytes_travel_as_attachments() {
    let data = Bytes::from_static(&[0, 1, 2, 255]);
    let args = Args::encode(&(&data, vec![data.clone(), Bytes::new()])).unwrap();
    assert_eq!(text(&args, 0), r#"{"\u0000bytes":0}"#);
    assert_eq!(text(&args, 1), r#"[{"\u0000bytes":1},{"\u0000bytes":2}]"#);
    assert_eq!(
        args.attachments().collect::<Vec<_>>(),
        vec![data.clone(), data.clone(), Bytes::new()]
    );
    assert!(!text(&args, 0).contains("255"));
    assert_eq!(args.get::<Bytes>(0).unwrap(), data);
    assert_eq!(
        args.get::<Vec<Bytes>>(1).unwrap(),
        vec![data.clone(), Bytes::new()]
    );
    // A receiver that asks for Vec<u8> gets the bytes as well.
    assert_eq!(args.get::<Vec<u8>>(0).unwrap(), data.to_vec());
}

#[test]
fn one_mebibyte_of_bytes_is_one_mebibyte_on_the_wire() {
    let data = Bytes::from((0..1 << 20).map(|i| (i * 7) as u8).collect::<Vec<u8>>());
    let args = Args::encode(&("name", &data)).unwrap();
    let overhead = args.encoded_len() - data.len();
    assert!(overhead < 64, "argument section overhead {overhead} bytes");
    let frame = Frame::Send {
        channel: "upload".into(),
        args,
    };
    let enc = frame.encode();
    assert!(enc.len() < (1 << 20) + 100);
    let back = decode_stream(&enc.to_vec()).unwrap();
    assert_eq!(frame_args(&back).unwrap().get::<Bytes>(1).unwrap(), data);
}

/// `Vec<u8>` serializes as a sequence of numbers unless it is marked as bytes. Users who send
/// binary data should use `bytes::Bytes` (or `serde_bytes` / `#[serde(with = "serde_bytes")]`),
/// which reaches the serializer's `serialize_bytes` and travels as an attachment.
#[test]
fn vec_u8_without_serde_bytes_is_a_number_array() {
    let v: Vec<u8> = vec![1, 2, 3];
    let args = Args::encode(&(&v,)).unwrap();
    assert_eq!(text(&args, 0), "[1,2,3]");
    assert_eq!(args.attachments().count(), 0);
    assert!(args.is_plain_json());
    assert_eq!(args.get::<Vec<u8>>(0).unwrap(), v);
    // A receiver may still read it as Bytes.
    assert_eq!(args.get::<Bytes>(0).unwrap(), Bytes::from(v));
    // A byte slice wrapped to serialize as bytes does travel as an attachment.
    struct AsBytes<'a>(&'a [u8]);
    impl Serialize for AsBytes<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(self.0)
        }
    }
    let args = Args::encode(&(AsBytes(&[1, 2, 3]),)).unwrap();
    assert_eq!(args.attachments().count(), 1);
}

#[test]
fn null_as_the_only_argument() {
    // `Value::Null` is one argument; `()` is none.
    assert_eq!(Args::encode(&Value::Null).unwrap().len(), 1);
    assert_eq!(Args::encode(&()).unwrap().len(), 0);
    // serde_json's `Value::Null` serializes exactly like `()` (serde's `unit`), so on its own
    // it is indistinguishable from "no argument"; inside a tuple it is one null argument.
    assert_eq!(Args::encode(&serde_json::Value::Null).unwrap().len(), 0);
    assert_eq!(Args::encode(&(serde_json::Value::Null,)).unwrap().len(), 1);
    assert_eq!(
        Args::encode(&ArgList(vec![serde_json::Value::Null]))
            .unwrap()
            .len(),
        1
    );
}
