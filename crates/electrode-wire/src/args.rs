//! The argument section.
//!
//! ```text
//! u8  flags            bit 0: some argument references an attachment
//!                      bit 1: some object key was escaped (starts with NUL)
//! u32 argc, u32 nbin   (little-endian)
//! u32 × argc           byte length of each argument's JSON text
//! u32 × nbin           byte length of each binary attachment
//! JSON texts, then attachments, back to back
//! ```
//!
//! A byte buffer inside an argument is written as the object `{"\u0000bytes": n}` that points
//! at attachment `n`, so bytes travel as bytes. User object keys that start with NUL are
//! escaped with one more NUL, so no user value can pass for a marker. When neither flag is set
//! (the common case) an argument is plain JSON and decodes straight into the caller's type.

use bytes::{BufMut, Bytes, BytesMut};
use serde::de::{DeserializeOwned, IgnoredAny};
use serde::Serialize;

use crate::ser::Encoder;
use crate::value::Value;
use crate::WireError;

/// Nesting depth beyond which values are dropped, as Electron 1.7.8's converter did: deeper
/// values become `null` in arrays and are omitted from objects. Top-level arguments are depth 1.
pub const MAX_DEPTH: usize = 100;

/// Object key that marks a reference to a binary attachment.
pub(crate) const BYTES_MARKER: &str = "\u{0}bytes";

pub(crate) const FLAG_ATTACHMENTS: u8 = 1;
pub(crate) const FLAG_ESCAPED_KEYS: u8 = 2;

/// An encoded argument list: cheap to clone (shared bytes), decoded lazily by index.
///
/// ```
/// use electrode_wire::{Args, Value};
/// #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
/// struct Point { x: f64, y: f64 }
///
/// let args = Args::encode(&(Point { x: 1.0, y: f64::NAN }, bytes::Bytes::from_static(b"raw"))).unwrap();
/// assert_eq!(args.len(), 2);
/// // NaN becomes 0, as in Electron 1.7.8.
/// assert_eq!(args.get::<Point>(0).unwrap(), Point { x: 1.0, y: 0.0 });
/// assert_eq!(args.value(1).unwrap(), Value::Bytes(bytes::Bytes::from_static(b"raw")));
/// ```
#[derive(Clone, PartialEq, Default)]
pub struct Args {
    raw: Bytes,
    flags: u8,
    args: Vec<(usize, usize)>,
    attachments: Vec<(usize, usize)>,
}

impl std::fmt::Debug for Args {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.preview(200))
    }
}

impl Args {
    /// Encodes an argument list. A tuple (or array) is the list of arguments, `()` is no
    /// argument, and any other value is a single argument.
    pub fn encode<T: Serialize + ?Sized>(args: &T) -> Result<Args, WireError> {
        let mut enc = Encoder::default();
        args.serialize(crate::ser::TopLevel(&mut enc))?;
        Ok(enc.finish())
    }

    /// No arguments.
    pub fn empty() -> Args {
        Args::from_parts::<&[u8]>(&[], &[], false)
    }

    /// Builds an argument section from already-encoded parts: one JSON text per argument and
    /// the attachments they reference. Used by bridges and tests; the JSON is not checked here.
    pub fn from_parts<B: AsRef<[u8]>>(json: &[B], attachments: &[B], escaped_keys: bool) -> Args {
        let total: usize = json.iter().map(|j| j.as_ref().len()).sum::<usize>()
            + attachments.iter().map(|b| b.as_ref().len()).sum::<usize>();
        let mut buf = BytesMut::with_capacity(9 + 4 * (json.len() + attachments.len()) + total);
        let mut flags = 0;
        if !attachments.is_empty() {
            flags |= FLAG_ATTACHMENTS;
        }
        if escaped_keys {
            flags |= FLAG_ESCAPED_KEYS;
        }
        buf.put_u8(flags);
        buf.put_u32_le(json.len() as u32);
        buf.put_u32_le(attachments.len() as u32);
        for j in json {
            buf.put_u32_le(j.as_ref().len() as u32);
        }
        for b in attachments {
            buf.put_u32_le(b.as_ref().len() as u32);
        }
        for j in json {
            buf.put_slice(j.as_ref());
        }
        for b in attachments {
            buf.put_slice(b.as_ref());
        }
        Args::from_raw(buf.freeze()).expect("from_parts builds a consistent table")
    }

    /// Parses the table of an argument section received from a peer.
    pub fn from_raw(raw: Bytes) -> Result<Args, WireError> {
        let bad = |m: &str| WireError::MalformedArgs(m.to_string());
        if raw.len() < 9 {
            return Err(WireError::Truncated("argument table"));
        }
        let flags = raw[0];
        if flags & !(FLAG_ATTACHMENTS | FLAG_ESCAPED_KEYS) != 0 {
            return Err(bad("unknown flag bits"));
        }
        let argc = u32_at(&raw, 1) as usize;
        let nbin = u32_at(&raw, 5) as usize;
        let table_end = 9usize
            .checked_add(
                argc.checked_add(nbin)
                    .ok_or_else(|| bad("count overflow"))?
                    * 4,
            )
            .filter(|end| *end <= raw.len())
            .ok_or(WireError::Truncated("argument lengths"))?;
        let mut offset = table_end;
        let mut ranges = |count: usize, first: usize| -> Result<Vec<(usize, usize)>, WireError> {
            let mut out = Vec::with_capacity(count);
            for k in 0..count {
                let len = u32_at(&raw, first + 4 * k) as usize;
                let end = offset
                    .checked_add(len)
                    .filter(|e| *e <= raw.len())
                    .ok_or(WireError::Truncated("argument data"))?;
                out.push((offset, end));
                offset = end;
            }
            Ok(out)
        };
        let args = ranges(argc, 9)?;
        let attachments = ranges(nbin, 9 + 4 * argc)?;
        if offset != raw.len() {
            return Err(bad("trailing bytes after the arguments"));
        }
        if nbin > 0 && flags & FLAG_ATTACHMENTS == 0 {
            return Err(bad("attachments present but not flagged"));
        }
        Ok(Args {
            raw,
            flags,
            args,
            attachments,
        })
    }

    /// The encoded section, as it travels. Relays forward exactly these bytes.
    pub fn raw(&self) -> &Bytes {
        &self.raw
    }

    /// Number of arguments.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Whether there are no arguments.
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// The JSON text of argument `index` as it travels (byte markers and escapes included).
    pub fn json(&self, index: usize) -> Option<&[u8]> {
        self.args.get(index).map(|&(a, b)| &self.raw[a..b])
    }

    /// The binary attachments, in reference order.
    pub fn attachments(&self) -> impl Iterator<Item = Bytes> + '_ {
        self.attachments.iter().map(|&(a, b)| self.raw.slice(a..b))
    }

    /// Whether the plain JSON of every argument is its value (no bytes, no escaped keys).
    pub fn is_plain_json(&self) -> bool {
        self.flags == 0
    }

    /// Reads argument `index` into `T`.
    pub fn get<T: DeserializeOwned>(&self, index: usize) -> Result<T, WireError> {
        let json = self.json(index).ok_or(WireError::MissingArgument {
            index,
            count: self.len(),
        })?;
        let convert = |e: &dyn std::fmt::Display| WireError::Convert {
            index,
            message: e.to_string(),
        };
        if self.is_plain_json() {
            return serde_json::from_slice(json).map_err(|e| convert(&e));
        }
        let value = self.value(index)?;
        T::deserialize(value).map_err(|e| convert(&e))
    }

    /// Reads argument `index` as a dynamic [`Value`].
    pub fn value(&self, index: usize) -> Result<Value, WireError> {
        let json = self.json(index).ok_or(WireError::MissingArgument {
            index,
            count: self.len(),
        })?;
        let parsed: serde_json::Value =
            serde_json::from_slice(json).map_err(|e| WireError::Convert {
                index,
                message: e.to_string(),
            })?;
        // Look attachments up by index rather than collecting them all: a hostile message with
        // many arguments and many attachments would otherwise cost arguments × attachments.
        let attachment = |i: usize| self.attachments.get(i).map(|&(a, b)| self.raw.slice(a..b));
        Value::from_wire_json(parsed, &attachment, self.flags & FLAG_ESCAPED_KEYS != 0)
    }

    /// All arguments as dynamic values.
    pub fn values(&self) -> Result<Vec<Value>, WireError> {
        (0..self.len()).map(|i| self.value(i)).collect()
    }

    /// Checks that every argument is well-formed JSON and every byte marker points at an
    /// attachment. Main runs this before relaying a renderer's message to another renderer, so
    /// one renderer's garbage is stopped at main and never reaches the others.
    pub fn validate(&self) -> Result<(), WireError> {
        for index in 0..self.len() {
            if self.is_plain_json() {
                let json = self.json(index).unwrap_or_default();
                serde_json::from_slice::<IgnoredAny>(json).map_err(|e| WireError::Convert {
                    index,
                    message: e.to_string(),
                })?;
            } else {
                self.value(index)?;
            }
        }
        Ok(())
    }

    /// A short human-readable rendering for logs: the JSON of each argument, cut at `max`
    /// characters, with attachments shown as `<N bytes>`.
    pub fn preview(&self, max: usize) -> String {
        let mut out = String::from("[");
        for i in 0..self.len() {
            if i > 0 {
                out.push_str(", ");
            }
            let json = self.json(i).unwrap_or_default();
            if self.is_plain_json() {
                out.push_str(&String::from_utf8_lossy(&json[..json.len().min(max)]));
            } else {
                match self.value(i) {
                    Ok(v) => out.push_str(&v.preview()),
                    Err(_) => out.push_str("<malformed>"),
                }
            }
            if out.len() > max {
                out.truncate(floor_char_boundary(&out, max));
                out.push('…');
                return out;
            }
        }
        out.push(']');
        out
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}
