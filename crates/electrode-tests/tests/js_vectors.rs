//! The byte vectors written by the JS shim's encoder in headless Chromium
//! (`crates/electrode-web/assets/tests/vectors.json`) against the Rust codec, byte for byte.

use bytes::Bytes;
use electrode::wire::Frame;
use electrode::{ArgList, Args, Value};
use serde_json::Value as Json;

const VECTORS: &str = include_str!("../../electrode-web/assets/tests/vectors.json");

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

fn vectors() -> Json {
    serde_json::from_str(VECTORS).expect("vectors.json parses")
}

/// Whether `a` and `b` are the same JSON value once numbers are compared as numbers: the file
/// says Rust writes an integral `f64` as `2.0` where JS writes `2`; both parse to one value.
fn same_json(a: &[u8], b: &[u8]) -> bool {
    let a: Json = serde_json::from_slice(a).unwrap();
    let b: Json = serde_json::from_slice(b).unwrap();
    fn eq(a: &Json, b: &Json) -> bool {
        match (a, b) {
            (Json::Number(x), Json::Number(y)) => x.as_f64() == y.as_f64(),
            (Json::Array(x), Json::Array(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|(p, q)| eq(p, q))
            }
            (Json::Object(x), Json::Object(y)) => {
                x.len() == y.len() && x.iter().zip(y).all(|((k, p), (l, q))| k == l && eq(p, q))
            }
            _ => a == b,
        }
    }
    eq(&a, &b)
}

#[test]
fn js_argument_sections_decode_and_re_encode_to_the_same_bytes() {
    let v = vectors();
    let cases = v["args"].as_array().expect("args[]");
    assert!(cases.len() >= 10, "vectors.json has {} cases", cases.len());
    let mut text_only = Vec::new();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let raw = unhex(case["hex"].as_str().unwrap());
        let args = Args::from_raw(Bytes::from(raw.clone()))
            .unwrap_or_else(|e| panic!("{name}: Args::from_raw: {e}"));

        // The table matches what the file says the encoder wrote.
        let json: Vec<&str> = case["json"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j.as_str().unwrap())
            .collect();
        assert_eq!(args.len(), json.len(), "{name}: argument count");
        for (i, j) in json.iter().enumerate() {
            assert_eq!(
                args.json(i).unwrap(),
                j.as_bytes(),
                "{name}: JSON of argument {i}"
            );
        }
        let attachments: Vec<Vec<u8>> = case["attachments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| unhex(h.as_str().unwrap()))
            .collect();
        let got: Vec<Vec<u8>> = args.attachments().map(|b| b.to_vec()).collect();
        assert_eq!(got, attachments, "{name}: attachments");
        assert_eq!(
            raw[0] as u64,
            case["flags"].as_u64().unwrap(),
            "{name}: flags"
        );

        // Decoded to values and encoded again by Rust: the same bytes.
        let values: Vec<Value> = args
            .values()
            .unwrap_or_else(|e| panic!("{name}: values: {e}"));
        args.validate().unwrap();
        let again = Args::encode(&ArgList(values.clone()))
            .unwrap_or_else(|e| panic!("{name}: Args::encode: {e}"));
        if again.raw()[..] == raw[..] {
            continue;
        }
        // The one documented difference: integral floats (`2.0` vs `2`). Anything else fails.
        assert_eq!(again.len(), args.len(), "{name}");
        for i in 0..args.len() {
            let (a, b) = (args.json(i).unwrap(), again.json(i).unwrap());
            assert!(
                a == b || same_json(a, b),
                "{name}: argument {i}: JS wrote {} and Rust {}",
                String::from_utf8_lossy(a),
                String::from_utf8_lossy(b)
            );
        }
        assert_eq!(again.values().unwrap(), values, "{name}: values");
        text_only.push(name.to_string());
    }
    assert!(
        text_only.is_empty(),
        "cases equal only as values, not byte for byte: {text_only:?}"
    );
}

#[test]
fn js_frames_decode_and_re_encode_to_the_same_bytes() {
    let v = vectors();
    let frames = v["frames"].as_array().expect("frames[]");
    assert!(!frames.is_empty());
    for case in frames {
        let name = case["name"].as_str().unwrap();
        let raw = unhex(case["hex"].as_str().unwrap());
        let frame = Frame::decode(Bytes::from(raw.clone()), 1 << 20)
            .unwrap_or_else(|e| panic!("{name}: Frame::decode: {e}"));
        assert_eq!(
            frame.kind() as u8 as u64,
            case["frame"]["type"].as_u64().unwrap(),
            "{name}: type"
        );
        let again = frame.encode().to_vec();
        assert_eq!(again[4..], raw[..], "{name}: re-encoded frame body differs");
        if let Some(channel) = case["frame"]["channel"].as_str() {
            let (Frame::Send { channel: c, .. }
            | Frame::SendSync { channel: c, .. }
            | Frame::SendToHost { channel: c, .. }
            | Frame::SendTo { channel: c, .. }
            | Frame::WebviewSend { channel: c, .. }
            | Frame::Message { channel: c, .. }
            | Frame::HostMessage { channel: c, .. }
            | Frame::Invoke { channel: c, .. }) = &frame
            else {
                panic!(
                    "{name}: a frame with a channel decoded as {:?}",
                    frame.kind()
                );
            };
            assert_eq!(c, channel, "{name}: channel");
        }
    }
}
