//! Issue 9, items 1 and 2: decoding a hostile argument costs at most a small multiple of its
//! size. A counting allocator (per thread, so parallel tests do not disturb each other)
//! measures the peak of each read.
//!
//! The bound: [`PEAK`] times the input plus [`FLOOR`]. A decoded `Value` may take
//! `DECODE_BUDGET_FACTOR` (8) times its JSON; the rest is serde_json's scratch for strings
//! with escapes (at most the input once) and rounding in the allocator.

#[allow(dead_code)]
#[path = "../../../fuzz/src/targets.rs"]
mod targets;

use bytes::Bytes;
use electrode_wire::{Args, Value, WireError};
use targets::{peak_of, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

const MIB: usize = 1024 * 1024;
/// Peak allowed per input byte for reads that build values.
const PEAK: usize = 10;
/// Allowance independent of the input: the budget's own floor (1 MiB per message) and
/// allocator rounding.
const FLOOR: usize = 1024 * 1024 + 128 * 1024;
/// Allowance for reads that build no `Value`: scratch and rounding only.
const SLACK: usize = 128 * 1024;

fn assert_bounded(what: &str, input: usize, peak: usize) {
    eprintln!(
        "{what}: peak {peak} bytes for {input} bytes ({:.2}x)",
        peak as f64 / input as f64
    );
    assert!(
        peak <= PEAK * input + FLOOR,
        "{what}: peak {peak} bytes for {input} input bytes ({}x)",
        peak / input.max(1)
    );
}

/// `[{"":0},{"":0},...]` of about `size` bytes: each 8 bytes of JSON is a whole map.
fn tiny_objects(size: usize) -> String {
    let mut s = String::with_capacity(size + 8);
    s.push('[');
    while s.len() < size {
        s.push_str(r#"{"":0},"#);
    }
    s.push_str(r#"{"":0}]"#);
    s
}

/// `{"k0":0,"k1":0,...}` of about `size` bytes.
fn many_keys(size: usize) -> String {
    let mut s = String::with_capacity(size + 16);
    s.push('{');
    let mut i = 0;
    while s.len() < size {
        s.push_str(&format!(r#""k{i}":0,"#));
        i += 1;
    }
    s.push_str(r#""end":0}"#);
    s
}

/// Many arrays nested 120 deep, side by side.
fn deep_nesting(size: usize) -> String {
    let one = format!("{}0{}", "[".repeat(120), "]".repeat(120));
    let mut s = String::from("[");
    while s.len() < size {
        s.push_str(&one);
        s.push(',');
    }
    s.push_str("0]");
    s
}

/// One object with one key of about `size` bytes that starts with an escaped NUL.
fn long_escaped_key(size: usize) -> String {
    format!(r#"{{"\u0000\u0000{}":0}}"#, "\\u0041".repeat(size / 6))
}

/// The shapes of the issue, each as one argument with the escaped-keys flag set (the
/// non-plain path) and, for the typed read, without it.
fn shapes() -> Vec<(&'static str, String)> {
    vec![
        ("tiny objects", tiny_objects(MIB)),
        ("many keys", many_keys(MIB)),
        ("deep nesting", deep_nesting(MIB)),
        ("long escaped key", long_escaped_key(MIB)),
    ]
}

#[test]
fn validate_builds_nothing() {
    for (name, json) in shapes() {
        let args = Args::from_parts(&[json.as_bytes()], &[], true);
        let (r, peak) = peak_of(|| args.validate());
        r.unwrap();
        // Only serde_json's scratch for the one long key with escapes.
        assert!(
            peak <= json.len() + SLACK,
            "{name}: validate peaked at {peak} bytes"
        );
    }
}

#[test]
fn value_and_get_stay_within_a_small_multiple() {
    for (name, json) in shapes() {
        for escaped in [true, false] {
            let args = Args::from_parts(&[json.as_bytes()], &[], escaped);
            let input = args.encoded_len();
            let (r, peak) = peak_of(|| args.value(0));
            assert_bounded(&format!("{name} value escaped={escaped}"), input, peak);
            if let Err(e) = r {
                assert!(
                    matches!(e, WireError::OverBudget { index: 0, .. }),
                    "{name}: {e}"
                );
            }
            let (r, peak) = peak_of(|| args.get::<Value>(0));
            assert_bounded(
                &format!("{name} get::<Value> escaped={escaped}"),
                input,
                peak,
            );
            if let Err(e) = r {
                assert!(
                    matches!(e, WireError::OverBudget { index: 0, .. }),
                    "{name}: {e}"
                );
            }
            let (_, peak) = peak_of(|| args.values());
            assert_bounded(&format!("{name} values escaped={escaped}"), input, peak);
        }
    }
}

#[test]
fn the_tiny_objects_of_the_issue_are_refused_with_a_clear_error() {
    let json = tiny_objects(MIB);
    let args = Args::from_parts(&[json.as_bytes()], &[], true);
    let e = args.value(0).unwrap_err();
    let WireError::OverBudget { index, size, limit } = e else {
        panic!("{e}")
    };
    assert_eq!((index, size), (0, json.len()));
    assert_eq!(limit, 8 * json.len() + 1024 * 1024);
    let text = args.value(0).unwrap_err().to_string();
    assert!(
        text.contains("argument 0") && text.contains(&limit.to_string()),
        "{text}"
    );
}

#[test]
fn many_tiny_arguments_share_one_floor() {
    let n = 100_000;
    let json = vec![br#"{"":0}"#.as_slice(); n];
    let args = Args::from_parts(&json, &[], true);
    let input = args.encoded_len();
    let (r, peak) = peak_of(|| args.values());
    assert_bounded("values of many tiny arguments", input, peak);
    assert!(matches!(r, Err(WireError::OverBudget { .. })), "{r:?}");
    // Read one by one and kept: each read has only its share of the floor.
    let (kept, peak) = peak_of(|| (0..n).map(|i| args.value(i)).collect::<Vec<_>>());
    assert_bounded("value(i) of many tiny arguments, kept", input, peak);
    assert!(kept
        .iter()
        .all(|r| matches!(r, Err(WireError::OverBudget { .. }))));
}

#[test]
fn small_values_decode_within_the_floor() {
    // A short message of many maps is well under the floor: it decodes.
    let json = tiny_objects(512);
    let args = Args::from_parts(&[json.as_bytes()], &[], true);
    let v = args.value(0).unwrap();
    let Value::Array(items) = v else { panic!() };
    assert!(items.len() > 60);
}

#[test]
fn typed_reads_build_only_the_type() {
    // A struct that ignores the rest reads a tiny-objects argument without building maps.
    #[derive(serde::Deserialize)]
    struct Count(Vec<serde::de::IgnoredAny>);
    let json = tiny_objects(MIB);
    let args = Args::from_parts(&[json.as_bytes()], &[], true);
    let (r, peak) = peak_of(|| args.get::<Count>(0));
    assert!(r.unwrap().0.len() > 100_000);
    // A zero-sized element per object: only the Vec's own growth.
    assert!(peak <= SLACK, "peak {peak}");
}

// ---------------------------------------------------------------------------------------------
// Item 2: attachments.

fn one_attachment_referenced(times: usize, size: usize) -> Args {
    let marker = r#"{"\u0000bytes":0}"#;
    let json = format!("[{}]", vec![marker; times].join(","));
    let bin = vec![7u8; size];
    Args::from_parts(&[json.as_bytes()], &[bin.as_slice()], false)
}

#[test]
fn an_attachment_referenced_twice_is_refused_without_copies() {
    let args = one_attachment_referenced(200, 4 * MIB);
    let input = args.encoded_len();
    let (r, peak) = peak_of(|| args.get::<Vec<Bytes>>(0));
    let e = r.unwrap_err();
    assert!(
        matches!(&e, WireError::MalformedArgs(m) if m.contains("attachment 0 is referenced more than once")),
        "{e}"
    );
    // At most the one copy `bytes::Bytes`'s visitor makes of the first reference.
    assert!(
        peak <= input + SLACK,
        "get::<Vec<Bytes>>: peak {peak} for {input}"
    );
    for r in [
        args.validate(),
        args.value(0).map(drop),
        args.values().map(drop),
    ] {
        assert!(matches!(r, Err(WireError::MalformedArgs(_))), "{r:?}");
    }
    // Across arguments too, for the readers that see the whole message.
    let marker = br#"{"\u0000bytes":0}"#.as_slice();
    let args = Args::from_parts(&[marker, marker], &[b"abc".as_slice()], false);
    assert!(matches!(args.validate(), Err(WireError::MalformedArgs(_))));
    assert!(matches!(args.values(), Err(WireError::MalformedArgs(_))));
}

#[test]
fn an_attachment_no_marker_references_is_refused() {
    let marker = br#"{"\u0000bytes":1}"#.as_slice();
    let args = Args::from_parts(
        &[marker],
        &[b"unused".as_slice(), b"used".as_slice()],
        false,
    );
    let e = args.validate().unwrap_err();
    assert!(
        matches!(&e, WireError::MalformedArgs(m) if m.contains("attachment 0 of 2 is not referenced")),
        "{e}"
    );
    assert!(matches!(args.values(), Err(WireError::MalformedArgs(_))));
    // Reading the one argument alone still works: the reader asked for that argument only.
    assert_eq!(args.get::<Bytes>(0).unwrap(), Bytes::from_static(b"used"));
}

#[test]
fn byte_values_share_the_received_buffer() {
    let args = one_attachment_referenced(1, 4 * MIB);
    let (v, peak) = peak_of(|| args.value(0).unwrap());
    let Value::Array(items) = v else { panic!() };
    let Value::Bytes(b) = &items[0] else { panic!() };
    assert_eq!(b.len(), 4 * MIB);
    let raw = args.raw().as_ptr_range();
    assert!(raw.contains(&b.as_ptr()), "the bytes are a copy");
    assert!(
        peak <= SLACK,
        "value(0) peaked at {peak} bytes for a 4 MiB attachment"
    );
    // Typed reads into `Bytes` copy once at most (serde gives the visitor a `&[u8]`).
    let (b, peak) = peak_of(|| args.get::<Vec<Bytes>>(0).unwrap());
    assert_eq!(b[0].len(), 4 * MIB);
    assert!(peak <= 4 * MIB + SLACK, "peak {peak}");
}

#[test]
fn a_receiver_can_raise_the_budget_for_one_read() {
    // 2000 records are ~20x their JSON as maps: over the default budget, within a raised one.
    let records: Vec<_> = (0..2000)
        .map(|i| serde_json::json!({"id": i, "name": format!("n{i}"), "tags": ["a", "b"]}))
        .collect();
    let args = Args::encode(&(&records, Bytes::from_static(b"x"))).unwrap();
    assert!(matches!(
        args.value(0),
        Err(WireError::OverBudget { index: 0, .. })
    ));
    let v = args.value_within(0, 64 * MIB).unwrap();
    assert_eq!(
        serde_json::to_value(&v).unwrap(),
        serde_json::json!(records)
    );
    assert!(matches!(
        args.value_within(0, 1000),
        Err(WireError::OverBudget { limit: 1000, .. })
    ));
    // Typed reads need no budget.
    assert_eq!(args.get::<Vec<serde_json::Value>>(0).unwrap(), records);
}
