//! The shared structured-clone vectors (`tests/vectors/clone.json`), from the Rust side.
//!
//! Each vector is what the page's shim sends for one JavaScript value (its `js`): the JSON text,
//! the attachments (hex) and the section's flags. The shim checks its encoder and decoder
//! against the same file in Chromium (`electrode-web/assets/tests/clone.html`); here the Rust
//! decoder must accept every section and the Rust encoder must send the value back as the same
//! section, so what a page sends comes back to it unchanged through a Rust main.

use bytes::{BufMut, Bytes, BytesMut};
use electrode_wire::{Args, Value, ValueRules};
use serde::Deserialize;
use serde_json::Value as Json;

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/clone.json");
/// The flag of a section that holds structured-clone tags (docs/adr/0018).
const FLAG_TAGGED: u8 = 4;

#[derive(Deserialize)]
struct Vector {
    name: String,
    json: String,
    attachments: Vec<String>,
    flags: u8,
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// The argument section the shim builds for a one-argument call.
fn section(v: &Vector) -> Args {
    let attachments: Vec<Vec<u8>> = v.attachments.iter().map(|a| unhex(a)).collect();
    let mut buf = BytesMut::new();
    buf.put_u8(v.flags);
    buf.put_u32_le(1);
    buf.put_u32_le(attachments.len() as u32);
    buf.put_u32_le(v.json.len() as u32);
    for a in &attachments {
        buf.put_u32_le(a.len() as u32);
    }
    buf.put_slice(v.json.as_bytes());
    for a in &attachments {
        buf.put_slice(a);
    }
    Args::from_raw(buf.freeze()).unwrap_or_else(|e| panic!("{}: {e}", v.name))
}

fn vectors() -> Vec<Vector> {
    let text = std::fs::read_to_string(FILE).unwrap();
    let all: Vec<Vector> = serde_json::from_str(&text).unwrap();
    assert!(all.len() >= 30, "the file lost its vectors: {}", all.len());
    all
}

#[test]
fn every_shared_vector_decodes_and_is_sent_back_as_the_same_section() {
    for v in vectors() {
        let args = section(&v);
        args.validate()
            .unwrap_or_else(|e| panic!("{}: validate: {e}", v.name));
        assert_eq!(
            args.has_clone_tags(),
            v.flags & FLAG_TAGGED != 0,
            "{}",
            v.name
        );
        let value: Value = args
            .value(0)
            .unwrap_or_else(|e| panic!("{}: decode: {e}", v.name));
        let through_get: Value = args.get(0).unwrap();
        // Debug, not ==: NaN is not equal to itself, but it must come back as NaN.
        let same = |a: &Value, b: &Value| format!("{a:?}") == format!("{b:?}");
        assert!(
            same(&through_get, &value),
            "{}: get::<Value> keeps the variants: {through_get:?} vs {value:?}",
            v.name
        );

        let back = Args::encode_with(ValueRules::StructuredClone, &(value.clone(),)).unwrap();
        // Rust objects keep their keys sorted, the page its insertion order: equal as JSON.
        let sent: Json = serde_json::from_slice(back.json(0).unwrap()).unwrap();
        let expected: Json = serde_json::from_str(&v.json).unwrap();
        assert_eq!(sent, expected, "{}: re-encoded JSON", v.name);
        let attachments: Vec<Bytes> = back.attachments().collect();
        let want: Vec<Bytes> = v.attachments.iter().map(|a| unhex(a).into()).collect();
        assert_eq!(attachments, want, "{}: attachments", v.name);
        assert_eq!(back.raw()[0], v.flags, "{}: flags", v.name);
        assert!(
            same(&back.value(0).unwrap(), &value),
            "{}: round trip",
            v.name
        );
    }
}

#[test]
fn under_json_rules_a_tagged_vector_is_flattened_as_json_stringify_or_refused_by_name() {
    let (mut flattened, mut refused) = (0, 0);
    for v in vectors().into_iter().filter(|v| v.flags & FLAG_TAGGED != 0) {
        let value = section(&v).value(0).unwrap();
        match Args::encode(&(value,)) {
            // `undefined` and the numbers JSON cannot hold become null and 0, as in 1.7.8.
            Ok(args) => {
                assert!(!args.has_clone_tags(), "{}", v.name);
                flattened += 1;
            }
            Err(electrode_wire::WireError::NeedsStructuredClone(kind)) => {
                assert!(!kind.is_empty(), "{}", v.name);
                refused += 1;
            }
            Err(e) => panic!("{}: {e}", v.name),
        }
    }
    assert!(
        flattened > 0 && refused > 0,
        "{flattened} flattened, {refused} refused"
    );
}
