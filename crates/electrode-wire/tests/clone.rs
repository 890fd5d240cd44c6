//! Structured-clone values (docs/adr/0018): every tag round-trips through the argument
//! section, JSON rules refuse what they cannot carry, and malformed tags are protocol errors.

use bytes::Bytes;
use electrode_wire::{Args, Date, TypedArray, TypedKind, Value, ValueRules, WireError};
use std::collections::BTreeMap;

fn clone_args<T: serde::Serialize + ?Sized>(v: &T) -> Args {
    Args::encode_with(ValueRules::StructuredClone, v).unwrap()
}

fn rich() -> Vec<Value> {
    vec![
        Value::Undefined,
        Value::Float(f64::INFINITY),
        Value::Float(f64::NEG_INFINITY),
        Value::BigInt("-123456789012345678901234567890".into()),
        Value::Date(Date::from_millis(1_700_000_000_123.0)),
        Value::RegExp {
            source: "a+b".into(),
            flags: "gi".into(),
        },
        Value::Error {
            name: "TypeError".into(),
            message: "bad".into(),
        },
        Value::Map(vec![
            (Value::Number(1.into()), Value::String("one".into())),
            (Value::Object(BTreeMap::new()), Value::Undefined),
        ]),
        Value::Set(vec![
            Value::Bool(true),
            Value::Bytes(Bytes::from_static(b"xy")),
        ]),
        Value::Typed(TypedArray::from_f64s(&[1.5, -0.0])),
        Value::Typed(
            TypedArray::new(TypedKind::Int16, Bytes::from_static(&[1, 0, 255, 255])).unwrap(),
        ),
        Value::ArrayBuffer(Bytes::from_static(b"buffer")),
    ]
}

#[test]
fn every_structured_clone_value_round_trips() {
    for v in rich() {
        let args = clone_args(&(v.clone(),));
        assert!(args.has_clone_tags() || matches!(v, Value::Bytes(_)), "{v}");
        args.validate().unwrap();
        assert_eq!(args.value(0).unwrap(), v, "{v}");
    }
    // All at once, nested in an array, with the attachments of several tags in one section.
    let all = Value::Array(rich());
    let args = clone_args(&(all.clone(),));
    assert_eq!(args.value(0).unwrap(), all);
    assert_eq!(args.values().unwrap(), vec![all]);
}

#[test]
fn nan_and_negative_zero_keep_their_identity() {
    let args = clone_args(&(f64::NAN, -0.0f64, 0.0f64));
    let Value::Float(nan) = args.value(0).unwrap() else {
        panic!()
    };
    assert!(nan.is_nan());
    let Value::Float(z) = args.value(1).unwrap() else {
        panic!()
    };
    assert!(z == 0.0 && z.is_sign_negative());
    assert_eq!(args.json(2).unwrap(), b"0.0");
    assert!(args.get::<f64>(1).unwrap().is_sign_negative());
}

#[test]
fn plain_values_keep_the_plain_json_fast_path() {
    let args = clone_args(&(1, "two", vec![3.5]));
    assert!(args.is_plain_json());
    assert_eq!(args.json(1).unwrap(), br#""two""#);
}

#[test]
fn undefined_at_the_top_level_is_one_argument() {
    let args = clone_args(&Value::Undefined);
    assert_eq!(args.len(), 1);
    assert_eq!(args.json(0).unwrap(), br#"{"\u0000undefined":0}"#);
    assert_eq!(args.get::<Option<u8>>(0).unwrap(), None);
}

#[test]
fn json_rules_refuse_structured_clone_only_values_by_name() {
    let err = Args::encode(&(Value::Map(vec![]),)).unwrap_err();
    assert!(
        matches!(err, WireError::NeedsStructuredClone("Map")),
        "{err}"
    );
    assert!(err.to_string().contains("structured-clone"), "{err}");
    let err = Args::encode(&(Value::Date(Date::invalid()),)).unwrap_err();
    assert!(
        matches!(err, WireError::NeedsStructuredClone("Date")),
        "{err}"
    );
    // The two that JSON rules have always had an answer for: null and 0.
    let args = Args::encode(&(Value::Undefined, Value::Float(f64::NAN))).unwrap();
    assert_eq!(args.json(0).unwrap(), b"null");
    assert_eq!(args.json(1).unwrap(), b"0");
}

#[test]
fn tags_read_into_rust_types_where_one_fits() {
    let args = clone_args(&(
        Value::Map(vec![(Value::String("a".into()), Value::Number(1.into()))]),
        Value::Set(vec![Value::Number(2.into()), Value::Number(3.into())]),
        Value::BigInt("18446744073709551615".into()),
        Value::Date(Date::from_millis(5.0)),
        Value::Typed(TypedArray::from_f64s(&[1.0])),
    ));
    let m: std::collections::HashMap<String, u32> = args.get(0).unwrap();
    assert_eq!(m["a"], 1);
    assert_eq!(args.get::<Vec<u32>>(1).unwrap(), vec![2, 3]);
    assert_eq!(args.get::<u64>(2).unwrap(), u64::MAX);
    assert_eq!(args.get::<f64>(3).unwrap(), 5.0);
    let b: Bytes = args.get(4).unwrap();
    assert_eq!(b.as_ref(), 1.0f64.to_le_bytes());
}

#[test]
fn references_travel_as_references() {
    // A cycle: container 0 is the outer array, and it contains itself.
    let args = Args::from_parts(&[br#"[1,{"\u0000ref":0}]"#.as_slice()], &[], false);
    let args = tagged(args);
    assert_eq!(
        args.value(0).unwrap(),
        Value::Array(vec![Value::Number(1.into()), Value::Ref(0)])
    );
    let err = args.get::<Vec<u8>>(0).unwrap_err();
    assert!(err.to_string().contains("only be read as a Value"), "{err}");
    // Sending the value back keeps the reference.
    let again = clone_args(&(args.value(0).unwrap(),));
    assert_eq!(again.json(0), args.json(0));
}

/// The same section with flag bit 2 set, as a structured-clone peer sends it.
fn tagged(args: Args) -> Args {
    let mut raw = args.raw().to_vec();
    raw[0] |= 4;
    Args::from_raw(raw.into()).unwrap()
}

fn malformed(json: &str, attachments: &[&[u8]]) -> String {
    let args = tagged(Args::from_parts(&[json.as_bytes()], attachments, false));
    let err = args.value(0).unwrap_err();
    assert!(
        matches!(err, WireError::MalformedArgs(_) | WireError::Convert { .. }),
        "{err}"
    );
    assert!(args.validate().is_err(), "{json}");
    err.to_string()
}

#[test]
fn malformed_tags_are_refused_with_what_is_wrong() {
    assert!(malformed(r#"{"\u0000ref":0}"#, &[]).contains("only 0 came before"));
    assert!(malformed(r#"[{"\u0000ref":1}]"#, &[]).contains("container 1"));
    assert!(malformed(r#"{"\u0000nope":1}"#, &[]).contains("unknown tag"));
    assert!(malformed(r#"{"\u0000date":1,"x":2}"#, &[]).contains("second key"));
    assert!(malformed(r#"{"\u0000number":"1"}"#, &[]).contains("number tag"));
    assert!(malformed(r#"{"\u0000bigint":"12a"}"#, &[]).contains("decimal"));
    assert!(malformed(r#"{"\u0000typed":["Int32Array",0]}"#, &[b"abc"]).contains("whole number"));
    assert!(malformed(r#"{"\u0000typed":["Nope",0]}"#, &[b"abcd"]).contains("unknown kind"));
    assert!(malformed(r#"{"\u0000arraybuffer":3}"#, &[b"abcd"]).contains("missing attachment"));
    assert!(malformed(r#"{"\u0000map":[[1]]}"#, &[]).contains("pair"));
    // An attachment used by two tags.
    let two = r#"[{"\u0000arraybuffer":0},{"\u0000bytes":0}]"#;
    assert!(malformed(two, &[b"ab"]).contains("more than once"));
}

#[test]
fn escaped_user_keys_are_not_tags() {
    let mut o = BTreeMap::new();
    o.insert("\0date".to_string(), Value::Number(1.into()));
    let v = Value::Object(o);
    let args = clone_args(&(v.clone(), Value::Undefined));
    assert_eq!(args.value(0).unwrap(), v);
}

#[test]
fn a_tagged_value_is_bounded_by_the_decoding_budget() {
    // Each empty array is 3 bytes of JSON and a whole `Value` slot in its parent: past the
    // budget the read fails instead of growing.
    let many = format!("[{}{{\"\\u0000undefined\":0}}]", "[],".repeat(400_000));
    let args = tagged(Args::from_parts(&[many.as_bytes()], &[], false));
    assert!(matches!(args.value(0), Err(WireError::OverBudget { .. })));
}

#[test]
fn a_value_read_as_a_value_keeps_its_structured_clone_variants() {
    for v in rich() {
        let args = clone_args(&(v.clone(),));
        assert_eq!(args.get::<Value>(0).unwrap(), v, "{v}");
    }
    let set = clone_args(&(Value::Set(vec![
        Value::Undefined,
        Value::BigInt("1".into()),
    ]),));
    assert_eq!(
        set.get::<Vec<Value>>(0).unwrap(),
        vec![Value::Undefined, Value::BigInt("1".into())]
    );
    #[derive(serde::Deserialize)]
    struct Holder {
        when: Value,
    }
    let mut o = BTreeMap::new();
    o.insert("when".to_string(), Value::Date(Date::from_millis(7.0)));
    let args = clone_args(&(Value::Object(o),));
    assert_eq!(
        args.get::<Holder>(0).unwrap().when,
        Value::Date(Date::from_millis(7.0))
    );
}
