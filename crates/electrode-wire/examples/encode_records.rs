//! Encoder workload for callgrind: `encode_records <payload> [iterations]`, where payload is
//! `values` (1 MB of records as `serde_json::Value`, keys arrive sorted), `structs` (the same
//! records as structs whose fields are declared out of order), `big-str` (1 MB of prose),
//! `big-str-escapes` (1 MB with a quote, tab or newline every few words) or `small-str`
//! (100 B of prose).
//!
//! ```sh
//! valgrind --tool=callgrind --toggle-collect='*encode_loop*' \
//!     target/release/examples/encode_records values 5
//! ```
//!
//! Only `encode_loop` is counted, so building the payload stays out of the numbers.

use electrode_wire::Args;
use serde::Serialize;

#[derive(Serialize)]
struct Nested {
    x: f64,
    y: f64,
    label: String,
}

/// Field order as an application would write it, so keys arrive unsorted.
#[derive(Serialize)]
struct Record {
    id: u64,
    name: String,
    score: f64,
    tags: Vec<String>,
    ok: bool,
    nested: Nested,
}

const TARGET: usize = 1 << 20;

fn records() -> Vec<Record> {
    let mut out = Vec::new();
    let mut size = 0;
    let mut i = 0u64;
    while size < TARGET {
        let r = Record {
            id: i,
            name: format!("item-{i}"),
            score: i as f64 * 1.25 + 0.5,
            tags: vec!["alpha".into(), format!("t{}", i % 7)],
            ok: i % 3 == 0,
            nested: Nested {
                x: i as f64 / 3.0,
                y: -(i as f64),
                label: format!("label text number {i} with some words"),
            },
        };
        size += serde_json::to_vec(&r).unwrap().len();
        out.push(r);
        i += 1;
    }
    out
}

/// Prose with a newline every dozen words; `escapes` mixes in quotes and tabs as well.
fn text(len: usize, escapes: bool) -> String {
    let words: &[&str] = if escapes {
        &[
            "lorem",
            "ipsum",
            "dolor",
            "sit",
            "amet,",
            "\"quoted\"",
            "tab\there",
        ]
    } else {
        &[
            "lorem",
            "ipsum",
            "dolor",
            "sit",
            "amet,",
            "consectetur",
            "adipiscing",
        ]
    };
    let mut s = String::with_capacity(len + 16);
    let mut i = 0;
    while s.len() < len {
        s.push_str(words[i % words.len()]);
        s.push(if i % 12 == 11 { '\n' } else { ' ' });
        i += 1;
    }
    s.truncate(len);
    s
}

#[inline(never)]
fn encode_loop<T: Serialize + ?Sized>(payload: &T, iterations: usize) -> Args {
    let mut last = Args::empty();
    for _ in 0..iterations {
        last = Args::encode(std::hint::black_box(payload)).expect("encodes");
    }
    last
}

/// FNV-1a, so runs before and after a change can be compared byte for byte.
fn fnv(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

fn main() {
    let mut argv = std::env::args().skip(1);
    let payload = argv.next().unwrap_or_else(|| "values".into());
    let iterations: usize = argv.next().map_or(5, |n| n.parse().expect("iterations"));
    let args = match payload.as_str() {
        "values" => {
            let v = serde_json::to_value(records()).unwrap();
            encode_loop(&(v,), iterations)
        }
        "structs" => encode_loop(&(records(),), iterations),
        "big-str" => encode_loop(&(text(TARGET, false),), iterations),
        "big-str-escapes" => encode_loop(&(text(TARGET, true),), iterations),
        "small-str" => encode_loop(&(text(100, false),), iterations),
        other => panic!("unknown payload {other}"),
    };
    let raw = args.raw();
    println!(
        "{payload}: {iterations} encodes, {} bytes, fnv {:016x}",
        raw.len(),
        fnv(&raw)
    );
}
