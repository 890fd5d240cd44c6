//! Session vectors: frames from main in, what the renderer's listeners see out, as JSON
//! (`tests/vectors/session.json`). The Rust `RendererSession` runs them here; the shim runs the
//! same file in Chromium (`crates/electrode-tests/tests/browser_session_vectors.rs`), so the two
//! renderer implementations are checked for the same behaviour, not only the same bytes.
//!
//! The cases are written below with their expected events; the JSON file is generated from them
//! (`ELECTRODE_WRITE_VECTORS=1 cargo test -p electrode-wire --test session_vectors`) and a test
//! fails when it is stale.

use electrode_wire::handshake::{Agreement, Features, PROTOCOL_VERSION};
use electrode_wire::session::{MainSession, Received, RendererSession};
use electrode_wire::{Args, Frame, InvokeOutcome, SyncOutcome, Value};
use serde_json::{json, Value as Json};

const FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/vectors/session.json");

struct Case {
    name: &'static str,
    frames: Vec<Frame>,
    /// What the listeners see: `{"event":"message","channel","args"}` or
    /// `{"event":"closing","reason"}`. Frames that are ignored produce nothing.
    events: Vec<Json>,
}

fn message(channel: &str, args: Args) -> Frame {
    Frame::Message {
        channel: channel.into(),
        args,
    }
}

fn seen(channel: &str, args: Json) -> Json {
    json!({"event": "message", "channel": channel, "args": args})
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "messages reach the listeners in order with their arguments",
            frames: vec![
                message("a", Args::encode(&(1, "x")).unwrap()),
                message(
                    "b",
                    Args::encode(&(json!({"k": [true, null, 2.5]}),)).unwrap(),
                ),
                message("a", Args::empty()),
            ],
            events: vec![
                seen("a", json!([1, "x"])),
                seen("b", json!([{"k": [true, null, 2.5]}])),
                seen("a", json!([])),
            ],
        },
        Case {
            name: "binary arguments arrive as bytes",
            frames: vec![message(
                "bin",
                Args::encode(&(bytes::Bytes::from_static(&[0, 1, 2, 3]), "tail")).unwrap(),
            )],
            events: vec![seen(
                "bin",
                json!([{"bytes": 4, "first": 0, "last": 3}, "tail"]),
            )],
        },
        Case {
            name: "a reply nobody waits for is ignored",
            frames: vec![
                Frame::SyncReply {
                    request: 42,
                    outcome: SyncOutcome::Value(b"1".to_vec().into()),
                },
                Frame::InvokeReply {
                    request: 43,
                    outcome: InvokeOutcome::Value(b"2".to_vec().into()),
                },
                message("after", Args::encode(&(1,)).unwrap()),
            ],
            events: vec![seen("after", json!([1]))],
        },
        Case {
            name: "frames only a renderer sends, and a second Welcome, are ignored",
            frames: vec![
                Frame::Send {
                    channel: "a".into(),
                    args: Args::encode(&("not for a renderer",)).unwrap(),
                },
                MainSession::agreed(Agreement {
                    version: PROTOCOL_VERSION,
                    features: Features::INVOKE,
                })
                .welcome(99, None, 1024),
                message("m", Args::encode(&("still here",)).unwrap()),
            ],
            events: vec![seen("m", json!(["still here"]))],
        },
        // Last: it ends the link (the page runs the cases in this order on one page).
        Case {
            name: "main's close reason is kept",
            frames: vec![Frame::Close {
                reason: "main is shutting down".into(),
            }],
            events: vec![json!({"event": "closing", "reason": "main is shutting down"})],
        },
    ]
}

fn to_json(v: &Value) -> Json {
    match v {
        Value::Bytes(b) => json!({"bytes": b.len(), "first": b.first(), "last": b.last()}),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Object(o) => Json::Object(o.iter().map(|(k, x)| (k.clone(), to_json(x))).collect()),
        other => serde_json::to_value(other).unwrap(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn generated() -> Json {
    let cases: Vec<Json> = cases()
        .into_iter()
        .map(|c| {
            let frames: Vec<Json> = c
                .frames
                .iter()
                .map(|f| {
                    let wire = f.encode().to_vec();
                    json!({"kind": format!("{:?}", f.kind()), "hex": hex(&wire[4..])})
                })
                .collect();
            json!({"name": c.name, "frames": frames, "events": c.events})
        })
        .collect();
    json!({
        "about": "Session vectors: frame bodies from main (hex) in, what the renderer's listeners see out. Generated by crates/electrode-wire/tests/session_vectors.rs; run there by RendererSession and in Chromium by the shim (crates/electrode-tests/tests/browser_session_vectors.rs). Cases run in order on one renderer; the last one closes it.",
        "cases": cases,
    })
}

/// Runs the vectors' frames through a `RendererSession`, as the link does, and returns what
/// the listeners would see.
fn run_session(frames: &[Json]) -> Vec<Json> {
    let welcome = MainSession::agreed(Agreement {
        version: PROTOCOL_VERSION,
        features: Features::INVOKE,
    })
    .welcome(1, None, 1 << 20);
    let mut session = RendererSession::welcomed(welcome).unwrap();
    let mut events = Vec::new();
    for f in frames {
        let body = unhex(f["hex"].as_str().unwrap());
        let frame = Frame::decode(body.into(), 1 << 20).unwrap();
        if session.receive(frame) == Received::Closing {
            events.push(json!({"event": "closing", "reason": session.closing_reason()}));
        }
        while let Some(m) = session.next_message() {
            let Frame::Message { channel, args } = m else {
                panic!("only messages are delivered here")
            };
            let values: Vec<Value> = args.values().unwrap();
            events.push(seen(
                &channel,
                Json::Array(values.iter().map(to_json).collect()),
            ));
        }
    }
    events
}

#[test]
fn the_checked_in_vectors_are_the_cases_below() {
    let want = serde_json::to_string_pretty(&generated()).unwrap() + "\n";
    if std::env::var_os("ELECTRODE_WRITE_VECTORS").is_some() {
        std::fs::write(FILE, &want).unwrap();
    }
    let have = std::fs::read_to_string(FILE).unwrap_or_default();
    assert!(
        have == want,
        "{FILE} is stale: run ELECTRODE_WRITE_VECTORS=1 cargo test -p electrode-wire --test session_vectors"
    );
}

#[test]
fn the_rust_session_gives_every_vector_s_events() {
    let file: Json = serde_json::from_str(&std::fs::read_to_string(FILE).unwrap()).unwrap();
    let cases = file["cases"].as_array().unwrap();
    assert_eq!(cases.len(), 5);
    for case in cases {
        let got = run_session(case["frames"].as_array().unwrap());
        assert_eq!(&Json::Array(got), &case["events"], "case: {}", case["name"]);
    }
}
