//! Payloads and the Electron-style envelope `{"channel":"bench","args":[P]}` (§3.1, §3.6).
//!
//! The JS twin of this file is the payload part of `bench/node/fork_peer.js`; both must
//! produce the same strings, records and bytes.

use crate::cell::{CellSpec, Outcome, PayloadKind, Res};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;

/// The channel name of every request.
pub const CHANNEL: &str = "bench";
/// The W1 reply, everywhere.
pub const SYNC_REPLY: &[u8] = br#"{"returnValue":true}"#;

/// One generated record (§3.6). Field order is the JSON order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Record {
    /// Index.
    pub id: u64,
    /// `item-x`.
    pub name: String,
    /// `(x%997).(x%1000 padded to 3)`.
    pub score: f64,
    /// `["a(x%13)","b(x%7)","c"]`.
    pub tags: Vec<String>,
    /// `x % 2 == 0`.
    pub ok: bool,
    /// Nested object.
    pub nested: Nested,
}

/// The nested part of a [`Record`].
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Nested {
    /// `x`.
    pub x: u64,
    /// `-i`.
    pub y: i64,
    /// `label text number x with some words`.
    pub label: String,
}

/// Record `i` of the structured payload.
pub fn record(i: u64) -> Record {
    let x = (i * 2_654_435_761) % 100_000;
    Record {
        id: i,
        name: format!("item-{x}"),
        score: format!("{}.{:03}", x % 997, x % 1000)
            .parse()
            .unwrap_or(0.0),
        tags: vec![
            format!("a{}", x % 13),
            format!("b{}", x % 7),
            "c".to_string(),
        ],
        ok: x.is_multiple_of(2),
        nested: Nested {
            x,
            y: -(i as i64),
            label: format!("label text number {x} with some words"),
        },
    }
}

/// How many records make a JSON array of at least `size` bytes.
pub fn records_for_size(size: usize) -> usize {
    let mut total = 2; // "[" and "]"
    let mut i = 0u64;
    while total < size {
        let len = serde_json::to_vec(&record(i))
            .map(|v| v.len())
            .unwrap_or(185);
        total += len + usize::from(i > 0);
        i += 1;
    }
    i as usize
}

/// The ASCII string payload of `n` bytes: `abc…z` repeated.
pub fn string_payload(n: usize) -> String {
    (0..n).map(|i| (b'a' + (i % 26) as u8) as char).collect()
}

/// The binary payload of `n` bytes: `i % 251`.
pub fn binary_payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i % 251) as u8).collect()
}

/// A payload ready to be sent.
#[derive(Clone, Debug)]
pub enum Payload {
    /// `args: []`.
    Empty,
    /// `args: ["…"]`.
    Str(String),
    /// `args: [[{…}, …]]`.
    Records(Vec<Record>),
    /// Raw bytes, sent without an envelope.
    Binary(Vec<u8>),
}

impl Payload {
    /// Builds the payload of a cell.
    pub fn build(kind: PayloadKind, size: usize, records: usize) -> Payload {
        match kind {
            PayloadKind::Empty => Payload::Empty,
            PayloadKind::String => Payload::Str(string_payload(size)),
            PayloadKind::Structured => Payload::Records((0..records as u64).map(record).collect()),
            PayloadKind::Binary => Payload::Binary(binary_payload(size)),
        }
    }

    /// The payload of `cell`, and an `Outcome` whose `wire_bytes` is already the size of one
    /// request as the Rust peers encode it.
    pub fn for_cell(cell: &CellSpec) -> Res<(Payload, Outcome)> {
        let payload = Payload::build(cell.payload, cell.size, cell.records);
        let mut wire = Vec::new();
        payload.write_env(&mut wire)?;
        let out = Outcome {
            wire_bytes: Some(wire.len() as u64),
            ..Outcome::default()
        };
        Ok((payload, out))
    }

    /// True for raw bytes.
    pub fn is_binary(&self) -> bool {
        matches!(self, Payload::Binary(_))
    }

    /// Appends the JSON envelope to `buf` (serializing the payload now). Binary payloads
    /// are appended as they are.
    pub fn write_env(&self, buf: &mut Vec<u8>) -> Res<()> {
        #[derive(Serialize)]
        struct Env<'a, T: Serialize + ?Sized> {
            channel: &'static str,
            args: &'a T,
        }
        match self {
            Payload::Empty => serde_json::to_writer(
                &mut *buf,
                &Env {
                    channel: CHANNEL,
                    args: &[] as &[u8],
                },
            )?,
            Payload::Str(s) => serde_json::to_writer(
                &mut *buf,
                &Env {
                    channel: CHANNEL,
                    args: &[s.as_str()],
                },
            )?,
            Payload::Records(r) => serde_json::to_writer(
                &mut *buf,
                &Env {
                    channel: CHANNEL,
                    args: &[r.as_slice()],
                },
            )?,
            Payload::Binary(b) => buf.extend_from_slice(b),
        }
        Ok(())
    }

    /// The envelope as a fresh `String` (JSON payloads only).
    pub fn env_string(&self) -> Res<String> {
        let mut v = Vec::new();
        self.write_env(&mut v)?;
        Ok(String::from_utf8(v)?)
    }

    /// Decodes an echoed envelope into owned Rust values, as a typed receiver would.
    pub fn decode_echo(&self, bytes: &[u8]) -> Res<()> {
        #[derive(Deserialize)]
        struct Env<T> {
            channel: String,
            args: Vec<T>,
        }
        fn check<T>(e: Env<T>, want: usize) -> Res<()> {
            if e.channel != CHANNEL || e.args.len() != want {
                return Err("echo: wrong envelope".into());
            }
            std::hint::black_box(&e.args);
            Ok(())
        }
        match self {
            Payload::Empty => check(serde_json::from_slice::<Env<IgnoredAny>>(bytes)?, 0),
            Payload::Str(_) => check(serde_json::from_slice::<Env<String>>(bytes)?, 1),
            Payload::Records(_) => check(serde_json::from_slice::<Env<Vec<Record>>>(bytes)?, 1),
            Payload::Binary(b) => {
                if bytes.len() != b.len() {
                    return Err("echo: wrong length".into());
                }
                Ok(())
            }
        }
    }
}

/// Decodes the W1 reply `{"returnValue":true}`.
pub fn decode_sync_reply(bytes: &[u8]) -> Res<()> {
    #[derive(Deserialize)]
    struct Reply {
        #[serde(rename = "returnValue")]
        return_value: bool,
    }
    let r: Reply = serde_json::from_slice(bytes)?;
    if !r.return_value {
        return Err("sync reply: returnValue is not true".into());
    }
    Ok(())
}

/// What the answering side does with a JSON request: parse the envelope, borrowing the
/// channel and keeping `args` as unparsed (but syntax-checked) raw JSON.
pub fn parse_env_raw(bytes: &[u8]) -> Res<()> {
    #[derive(Deserialize)]
    struct EnvRaw<'a> {
        #[serde(borrow)]
        channel: Cow<'a, str>,
        #[serde(borrow)]
        args: &'a RawValue,
    }
    let env: EnvRaw<'_> = serde_json::from_slice(bytes)?;
    if env.channel != CHANNEL {
        return Err(format!("unexpected channel {:?}", env.channel).into());
    }
    std::hint::black_box(env.args.get().len());
    Ok(())
}

/// The ack body after one-way messages: `{"count":n}`.
pub fn ack_body(count: u64) -> Vec<u8> {
    format!("{{\"count\":{count}}}").into_bytes()
}

/// Reads an ack body.
pub fn decode_ack(bytes: &[u8]) -> Res<u64> {
    #[derive(Deserialize)]
    struct Ack {
        count: u64,
    }
    Ok(serde_json::from_slice::<Ack>(bytes)?.count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_zero_and_one_match_the_js_generator() {
        let r0 = serde_json::to_string(&record(0)).unwrap();
        assert_eq!(
            r0,
            r#"{"id":0,"name":"item-0","score":0.0,"tags":["a0","b0","c"],"ok":true,"nested":{"x":0,"y":0,"label":"label text number 0 with some words"}}"#
        );
        let r1 = record(1);
        assert_eq!(r1.nested.x, 35761);
        assert_eq!(r1.name, "item-35761");
        assert_eq!(r1.score, 866.761);
        assert_eq!(r1.tags, vec!["a11", "b5", "c"]);
        assert!(!r1.ok);
    }

    #[test]
    fn structured_payload_reaches_its_size() {
        let n = records_for_size(10_000);
        let p = Payload::build(PayloadKind::Structured, 10_000, n);
        let Payload::Records(r) = &p else { panic!() };
        let len = serde_json::to_vec(r).unwrap().len();
        assert!((10_000..10_400).contains(&len), "{len}");
    }

    #[test]
    fn envelopes_round_trip() {
        for p in [
            Payload::Empty,
            Payload::build(PayloadKind::String, 100, 0),
            Payload::build(PayloadKind::Structured, 2000, records_for_size(2000)),
        ] {
            let env = p.env_string().unwrap();
            parse_env_raw(env.as_bytes()).unwrap();
            p.decode_echo(env.as_bytes()).unwrap();
        }
        assert_eq!(
            Payload::Empty.env_string().unwrap(),
            r#"{"channel":"bench","args":[]}"#
        );
        decode_sync_reply(SYNC_REPLY).unwrap();
        assert_eq!(decode_ack(&ack_body(42)).unwrap(), 42);
    }
}
