//! Issue 9, item 11: pre-serialized JSON (`serde_json::value::RawValue`) travels as the value
//! it holds, with the value rules of Electron 1.7.8 applied (keys sorted, NUL keys escaped,
//! nesting cut), or the send fails; it never arrives as serde_json's private wrapper.

use electrode_wire::{Args, Value, WireError};
use serde_json::json;
use serde_json::value::RawValue;

fn raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_string()).unwrap()
}

fn text(args: &Args, i: usize) -> &str {
    std::str::from_utf8(args.json(i).unwrap()).unwrap()
}

#[test]
fn a_raw_argument_arrives_as_its_value() {
    let args = Args::encode(&(&raw(r#"{"b":1,"a":[true,null]}"#),)).unwrap();
    assert_eq!(args.len(), 1);
    assert_eq!(text(&args, 0), r#"{"a":[true,null],"b":1}"#);
    assert!(args.is_plain_json());
    assert_eq!(
        args.get::<serde_json::Value>(0).unwrap(),
        json!({"a": [true, null], "b": 1})
    );
}

#[test]
fn every_position_of_a_raw_value() {
    let r = raw(r#" { "z" : 2 , "y" : "s" } "#);
    // Top level, not in a tuple: one argument.
    let top = Args::encode(&r).unwrap();
    assert_eq!((top.len(), text(&top, 0)), (1, r#"{"y":"s","z":2}"#));
    // Among other arguments.
    let mixed = Args::encode(&(1, &r, "x")).unwrap();
    assert_eq!(text(&mixed, 1), r#"{"y":"s","z":2}"#);
    assert_eq!(text(&mixed, 2), r#""x""#);
    // Inside a struct (field order sorted around it) and a vector.
    #[derive(serde::Serialize)]
    struct Holder<'a> {
        r: &'a RawValue,
        a: u8,
    }
    let held = Args::encode(&(Holder { r: &r, a: 1 }, vec![&r, &r])).unwrap();
    assert_eq!(text(&held, 0), r#"{"a":1,"r":{"y":"s","z":2}}"#);
    assert_eq!(text(&held, 1), r#"[{"y":"s","z":2},{"y":"s","z":2}]"#);
    // Scalars and arrays.
    for (json, want) in [
        ("3", "3"),
        ("\"s\"", "\"s\""),
        ("null", "null"),
        ("[1, 2.5]", "[1,2.5]"),
    ] {
        let a = Args::encode(&(&raw(json),)).unwrap();
        assert_eq!(text(&a, 0), want);
    }
}

#[test]
fn raw_keys_starting_with_nul_are_escaped() {
    let args = Args::encode(&(&raw(r#"{"\u0000bytes":0,"k":1}"#),)).unwrap();
    assert!(!args.is_plain_json());
    assert_eq!(text(&args, 0), r#"{"\u0000\u0000bytes":0,"k":1}"#);
    let Value::Object(o) = args.value(0).unwrap() else {
        panic!()
    };
    assert_eq!(o.keys().collect::<Vec<_>>(), ["\u{0}bytes", "k"]);
}

#[test]
fn raw_nesting_is_cut_like_any_value() {
    let deep = format!("{}{}", "[".repeat(110), "]".repeat(110));
    let parsed: serde_json::Value = serde_json::from_str(&deep).unwrap();
    let from_raw = Args::encode(&(&raw(&deep),)).unwrap();
    let from_value = Args::encode(&(&parsed,)).unwrap();
    assert_eq!(text(&from_raw, 0), text(&from_value, 0));
    assert!(text(&from_raw, 0).contains("null"));
}

#[test]
fn raw_json_that_is_no_value_fails_the_send() {
    // A number JavaScript reads as Infinity: no value the receiver could have.
    let e = Args::encode(&(&raw("1e999"),)).unwrap_err();
    assert!(
        matches!(&e, WireError::Serialize(m) if m.contains("raw JSON")),
        "{e}"
    );
    // A raw value as an object key.
    struct RawKey;
    impl serde::Serialize for RawKey {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            use serde::ser::SerializeMap;
            let mut m = s.serialize_map(Some(1))?;
            m.serialize_entry(&raw("\"k\""), &1)?;
            m.end()
        }
    }
    assert!(Args::encode(&(RawKey,)).is_err());
}

#[test]
fn a_raw_value_reads_back_from_plain_json() {
    let args = Args::encode(&(json!({"a": 1}),)).unwrap();
    let back: Box<RawValue> = args.get(0).unwrap();
    assert_eq!(back.get(), r#"{"a":1}"#);
    // With bytes in the message, the raw text would hold markers: refused, not changed.
    let args = Args::encode(&(json!({"a": 1}), bytes::Bytes::from_static(b"x"))).unwrap();
    assert!(matches!(
        args.get::<Box<RawValue>>(0),
        Err(WireError::MalformedArgs(_))
    ));
}
