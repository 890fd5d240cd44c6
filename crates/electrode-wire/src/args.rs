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
use serde::de::{DeserializeOwned, DeserializeSeed, IgnoredAny};
use serde::Serialize;

use crate::clone::read_clone;
use crate::decode::{BudgetScope, Check, Ctx, WireDe};
use crate::ser::Encoder;
use crate::value::Value;
use crate::{ValueRules, WireError};

/// Nesting depth beyond which values are dropped, as Electron 1.7.8's converter did: deeper
/// values become `null` in arrays and are omitted from objects. Top-level arguments are depth 1.
pub const MAX_DEPTH: usize = 100;

/// Object key that marks a reference to a binary attachment.
pub(crate) const BYTES_MARKER: &str = "\u{0}bytes";

pub(crate) const FLAG_ATTACHMENTS: u8 = 1;
pub(crate) const FLAG_ESCAPED_KEYS: u8 = 2;
/// Structured-clone tags other than bytes may appear (docs/adr/0018).
pub(crate) const FLAG_TAGGED: u8 = 4;

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
#[derive(Clone, Default)]
pub struct Args {
    /// The table and the JSON texts, and the attachments too unless they are in `tail`.
    raw: Bytes,
    /// Large attachments of a section encoded here, kept in the buffer they were gathered in
    /// rather than copied behind the JSON: the section is `raw` then `tail`, written with one
    /// vectored write. Empty for a received section (one buffer).
    tail: Bytes,
    flags: u8,
    args: Vec<(usize, usize)>,
    /// Ranges in `raw` followed by `tail`.
    attachments: Vec<(usize, usize)>,
}

/// Equal when the sections are the same bytes, however they are split.
impl PartialEq for Args {
    fn eq(&self, other: &Args) -> bool {
        self.encoded_len() == other.encoded_len() && self.raw() == other.raw()
    }
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

    /// Encodes an argument list under the given value rules: what [`encode`](Self::encode)
    /// does for [`ValueRules::Json`]; structured-clone rules keep non-finite numbers,
    /// `Value::Undefined`, `Value::Date`, `Value::Map` and the other structured-clone values.
    pub fn encode_with<T: Serialize + ?Sized>(
        rules: ValueRules,
        args: &T,
    ) -> Result<Args, WireError> {
        let mut enc = Encoder::with_rules(rules);
        args.serialize(crate::ser::TopLevel(&mut enc))?;
        Ok(enc.finish())
    }

    /// Whether some argument holds a structured-clone tag (a `Date`, `Map`, `undefined`, ...),
    /// which only a peer that agreed structured-clone rules may send.
    pub fn has_clone_tags(&self) -> bool {
        self.flags & FLAG_TAGGED != 0
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
        let table = Args::parse_table(&raw, raw.len())?;
        Ok(Args { raw, ..table })
    }

    /// Reads the table at the start of `raw`, for a section of `total` bytes (`raw` and any
    /// tail): the ranges of the JSON texts and attachments, checked to fill `total` exactly.
    fn parse_table(raw: &Bytes, total: usize) -> Result<Args, WireError> {
        let bad = |m: &str| WireError::MalformedArgs(m.to_string());
        if raw.len() < 9 {
            return Err(WireError::Truncated("argument table"));
        }
        let flags = raw[0];
        if flags & !(FLAG_ATTACHMENTS | FLAG_ESCAPED_KEYS | FLAG_TAGGED) != 0 {
            return Err(bad("unknown flag bits"));
        }
        let argc = u32_at(raw, 1) as usize;
        let nbin = u32_at(raw, 5) as usize;
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
                let len = u32_at(raw, first + 4 * k) as usize;
                let end = offset
                    .checked_add(len)
                    .filter(|e| *e <= total)
                    .ok_or(WireError::Truncated("argument data"))?;
                out.push((offset, end));
                offset = end;
            }
            Ok(out)
        };
        let args = ranges(argc, 9)?;
        let attachments = ranges(nbin, 9 + 4 * argc)?;
        if offset != total {
            return Err(bad("trailing bytes after the arguments"));
        }
        if nbin > 0 && flags & FLAG_ATTACHMENTS == 0 {
            return Err(bad("attachments present but not flagged"));
        }
        Ok(Args {
            raw: Bytes::new(),
            tail: Bytes::new(),
            flags,
            args,
            attachments,
        })
    }

    /// A section the encoder wrote as `raw` (table, JSON texts) and `tail` (every attachment,
    /// back to back, as the table says).
    pub(crate) fn from_split(raw: Bytes, tail: Bytes) -> Result<Args, WireError> {
        let split = raw.len();
        let table = Args::parse_table(&raw, split + tail.len())?;
        if table.args.last().is_some_and(|&(_, end)| end > split)
            || table
                .attachments
                .first()
                .is_some_and(|&(start, _)| start != split)
        {
            return Err(WireError::MalformedArgs(
                "attachments and JSON texts overlap".into(),
            ));
        }
        Ok(Args { raw, tail, ..table })
    }

    /// The encoded section as one buffer, as it travels. Relays forward exactly these bytes.
    /// A section encoded here with large attachments is two buffers (see
    /// [`parts`](Self::parts)), joined by this call: writers use `parts` instead.
    pub fn raw(&self) -> Bytes {
        if self.tail.is_empty() {
            return self.raw.clone();
        }
        let mut joined = BytesMut::with_capacity(self.encoded_len());
        joined.extend_from_slice(&self.raw);
        joined.extend_from_slice(&self.tail);
        joined.freeze()
    }

    /// The encoded section as the two buffers that follow each other on the wire: the table
    /// and JSON texts (with small attachments), then large attachments (often empty). Nothing
    /// is copied.
    pub fn parts(&self) -> (&Bytes, &Bytes) {
        (&self.raw, &self.tail)
    }

    /// Size of the encoded section in bytes.
    pub fn encoded_len(&self) -> usize {
        self.raw.len() + self.tail.len()
    }

    /// Bytes `a..b` of the section (never across the two parts: only attachments are in the
    /// tail, and they start where it starts).
    fn slice(&self, (a, b): (usize, usize)) -> Bytes {
        let split = self.raw.len();
        if b <= split {
            self.raw.slice(a..b)
        } else {
            self.tail.slice(a - split..b - split)
        }
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
        self.attachments.iter().map(|&r| self.slice(r))
    }

    /// Whether the plain JSON of every argument is its value (no bytes, no escaped keys).
    pub fn is_plain_json(&self) -> bool {
        self.flags == 0
    }

    /// Reads argument `index` into `T`.
    ///
    /// Only `T` is built: the JSON is read straight into it, byte markers become the
    /// attachments they point at and escaped keys lose their extra NUL on the way. Any
    /// [`Value`] inside `T` counts against the argument's decoding budget
    /// ([`DECODE_BUDGET_FACTOR`](crate::DECODE_BUDGET_FACTOR) times its size), and a read
    /// over it fails with [`WireError::OverBudget`].
    pub fn get<T: DeserializeOwned>(&self, index: usize) -> Result<T, WireError> {
        let json = self.json_of(index)?;
        let (size, limit) = self.budget_of(json);
        let scope = BudgetScope::enter(limit);
        if self.is_plain_json() {
            let r = serde_json::from_slice(json);
            return conclude(index, size, limit, &scope, None, r);
        }
        let attachment = |i: usize| self.attachment(i);
        let cx = self.context(&attachment);
        if self.has_clone_tags() {
            // Tags are read into a `Value` first: what a `Date` or a `Map` becomes in `T`
            // is the `Value`'s business (see its `Deserializer`).
            let v = conclude(index, size, limit, &scope, Some(&cx), read_clone(json, &cx))?;
            return T::deserialize(v).map_err(|e| match e {
                WireError::Convert { message, .. } => WireError::Convert { index, message },
                other => other,
            });
        }
        let r = read_wire(json, &cx);
        conclude(index, size, limit, &scope, Some(&cx), r)
    }

    /// Reads argument `index` as a dynamic [`Value`]. Byte values share the received buffer
    /// (no copy). Fails with [`WireError::OverBudget`] if the value would take more than
    /// [`DECODE_BUDGET_FACTOR`](crate::DECODE_BUDGET_FACTOR) times the argument's size.
    pub fn value(&self, index: usize) -> Result<Value, WireError> {
        let attachment = |i: usize| self.attachment(i);
        let cx = self.context(&attachment);
        self.value_in(index, &cx, None)
    }

    /// Reads argument `index` as a [`Value`] that may take up to `limit` bytes, for a
    /// receiver that expects values larger than the default budget allows (records as maps
    /// take ~20 times their JSON) and trusts its sender with that much memory.
    ///
    /// ```
    /// use electrode_wire::{Args, WireError};
    /// let records: Vec<_> = (0..2000).map(|i| serde_json::json!({"id": i})).collect();
    /// let args = Args::encode(&(records,)).unwrap();
    /// assert!(matches!(args.value(0), Err(WireError::OverBudget { .. })));
    /// assert!(args.value_within(0, 64 << 20).is_ok());
    /// ```
    pub fn value_within(&self, index: usize, limit: usize) -> Result<Value, WireError> {
        let attachment = |i: usize| self.attachment(i);
        let cx = self.context(&attachment);
        let json = self.json_of(index)?;
        let scope = BudgetScope::enter(limit);
        self.value_in(index, &cx, Some((json.len(), limit, &scope)))
    }

    /// Reads argument `index` as a [`Value`] within `budget` (the bytes decoded, the limit
    /// and its scope), or within the argument's own budget when `budget` is `None`.
    fn value_in(
        &self,
        index: usize,
        cx: &Ctx<'_>,
        budget: Option<(usize, usize, &BudgetScope)>,
    ) -> Result<Value, WireError> {
        let json = self.json_of(index)?;
        let own;
        let (size, limit, scope) = match budget {
            Some(b) => b,
            None => {
                let (size, limit) = self.budget_of(json);
                own = BudgetScope::enter(limit);
                (size, limit, &own)
            }
        };
        // Without flags the JSON is the value, as for `get` and `validate`: a key that looks
        // like a marker is just a key.
        let r = if self.is_plain_json() {
            serde_json::from_slice(json)
        } else if self.has_clone_tags() {
            read_clone(json, cx)
        } else {
            read_wire(json, cx)
        };
        conclude(index, size, limit, scope, Some(cx), r)
    }

    /// All arguments as dynamic values, within one budget for the whole message. Fails, like
    /// [`validate`](Self::validate), if an attachment is referenced twice or not at all.
    pub fn values(&self) -> Result<Vec<Value>, WireError> {
        let attachment = |i: usize| self.attachment(i);
        let cx = self.context(&attachment);
        let size = self.encoded_len();
        let limit = crate::DECODE_BUDGET_FACTOR
            .saturating_mul(size)
            .saturating_add(crate::DECODE_BUDGET_FLOOR);
        let scope = BudgetScope::enter(limit);
        let values = (0..self.len())
            .map(|i| self.value_in(i, &cx, Some((size, limit, &scope))))
            .collect::<Result<Vec<_>, _>>()?;
        cx.check_all_used()?;
        Ok(values)
    }

    /// The budget of one argument read: its size, and the limit: the factor times that size
    /// plus the argument's share of the floor. Shares, so that reading every argument of a
    /// message of many tiny ones is bounded by the floor once, not once per argument.
    fn budget_of(&self, json: &[u8]) -> (usize, usize) {
        let share = crate::DECODE_BUDGET_FLOOR / self.len().max(1);
        let limit = crate::DECODE_BUDGET_FACTOR
            .saturating_mul(json.len())
            .saturating_add(share);
        (json.len(), limit)
    }

    /// Checks that every argument is well-formed JSON, that every byte marker points at an
    /// attachment, and that every attachment is referenced exactly once. Main runs this
    /// before relaying a renderer's message to another renderer, so one renderer's garbage is
    /// stopped at main and never reaches the others. It builds no values: its memory does not
    /// grow with the message.
    pub fn validate(&self) -> Result<(), WireError> {
        if self.is_plain_json() {
            for index in 0..self.len() {
                let json = self.json(index).unwrap_or_default();
                serde_json::from_slice::<IgnoredAny>(json).map_err(|e| WireError::Convert {
                    index,
                    message: e.to_string(),
                })?;
            }
            return Ok(());
        }
        let attachment = |i: usize| self.attachment(i);
        let cx = self.context(&attachment);
        if self.has_clone_tags() {
            // Tags are checked by reading them; each value is dropped as soon as it is read,
            // and each read is bounded by its argument's budget.
            for index in 0..self.len() {
                self.value_in(index, &cx, None)?;
            }
            return cx.check_all_used();
        }
        for index in 0..self.len() {
            let json = self.json(index).unwrap_or_default();
            let mut de = serde_json::Deserializer::from_slice(json);
            let r = Check(&cx).deserialize(&mut de).and_then(|()| de.end());
            if let Err(e) = r {
                return Err(match cx.take_error() {
                    Some(w) => at_index(w, index),
                    None => WireError::Convert {
                        index,
                        message: e.to_string(),
                    },
                });
            }
        }
        cx.check_all_used()
    }

    fn json_of(&self, index: usize) -> Result<&[u8], WireError> {
        self.json(index).ok_or(WireError::MissingArgument {
            index,
            count: self.len(),
        })
    }

    /// Attachment `i` as a slice of the received buffer. Looked up by index rather than
    /// collected: a hostile message with many arguments and many attachments would otherwise
    /// cost arguments × attachments.
    fn attachment(&self, i: usize) -> Option<Bytes> {
        self.attachments.get(i).map(|&r| self.slice(r))
    }

    fn context<'a>(&self, attachment: &'a dyn Fn(usize) -> Option<Bytes>) -> Ctx<'a> {
        Ctx::new(
            attachment,
            self.attachments.len(),
            self.flags & FLAG_ESCAPED_KEYS != 0,
        )
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

/// Reads wire JSON into `T` through the wire rules, refusing trailing bytes.
fn read_wire<T: DeserializeOwned>(json: &[u8], cx: &Ctx<'_>) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let v = T::deserialize(WireDe { de: &mut de, cx })?;
    de.end()?;
    Ok(v)
}

/// Turns serde's result into the error a caller can match: over budget, a protocol error
/// found on the way, or a conversion error.
fn conclude<T>(
    index: usize,
    size: usize,
    limit: usize,
    scope: &BudgetScope,
    cx: Option<&Ctx<'_>>,
    r: Result<T, serde_json::Error>,
) -> Result<T, WireError> {
    let e = match r {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    if scope.exceeded() {
        return Err(WireError::OverBudget { index, size, limit });
    }
    if let Some(w) = cx.and_then(Ctx::take_error) {
        return Err(at_index(w, index));
    }
    Err(WireError::Convert {
        index,
        message: e.to_string(),
    })
}

/// Names the argument in a protocol error's text.
fn at_index(e: WireError, index: usize) -> WireError {
    match e {
        WireError::MalformedArgs(m) => WireError::MalformedArgs(format!("argument {index}: {m}")),
        other => other,
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
