//! The argument serializer: JSON text with the value rules of Electron 1.7.8's converter
//! (non-finite numbers become 0, object keys sorted bytewise, nesting cut at [`MAX_DEPTH`]) and
//! byte buffers moved out into attachments.

use bytes::{Buf, Bytes};
use serde::ser::{self, Serialize};

use crate::args::{
    Args, BYTES_MARKER, FLAG_ATTACHMENTS, FLAG_ESCAPED_KEYS, FLAG_TAGGED, MAX_DEPTH,
};
use crate::clone::{special_number, ATTACHMENT_TOKEN, TAG_TOKEN, UNDEFINED_TOKEN};
use crate::{ValueRules, WireError};

/// The struct name serde_json gives a `RawValue` (pre-serialized JSON) when serializing it.
pub(crate) const RAW_VALUE_TOKEN: &str = "$serde_json::private::RawValue";

/// Room kept in front of the JSON so the argument table can be written in place without
/// copying the (possibly large) JSON behind it.
const TABLE_ROOM: usize = 64;

/// First allocation of the output: the table room plus a short message, so small messages
/// need no reallocation.
const INITIAL_CAPACITY: usize = 256;

thread_local! {
    /// Attachments are gathered here, then copied behind the JSON: a scratch buffer kept per
    /// thread, so sending large binary arguments does not allocate (and fault in) a fresh one
    /// every time.
    static ATTACHMENT_SCRATCH: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The largest attachment scratch buffer a thread keeps between messages.
const KEEP_SCRATCH: usize = 64 * 1024 * 1024;

/// Attachments of at least this many bytes in all stay in the buffer they were gathered in,
/// which travels as the section's second part (one copy of each attachment in all); smaller
/// ones are copied behind the JSON, so the scratch buffer is kept and the section is one.
pub(crate) const SPLIT_ATTACHMENTS: usize = 64 * 1024;

pub(crate) struct Encoder {
    out: Vec<u8>,
    arg_ends: Vec<usize>,
    bins: Vec<u8>,
    bin_lens: Vec<usize>,
    escaped: bool,
    /// Raw keys of every object still open, innermost last. Keys are compared unescaped, and
    /// one shared buffer means no allocation per key.
    keys: Vec<u8>,
    /// Written entries of every object still open, innermost last; an object that turns out
    /// unsorted is reordered from these.
    entries: Vec<Entry>,
    /// Where an unsorted object's text is parked while it is written back in key order.
    scratch: Vec<u8>,
    rules: ValueRules,
    /// Some structured-clone tag (other than bytes) was written.
    tagged: bool,
    /// The next bytes are written as a bare attachment index (inside a tag).
    bare_attachment: bool,
    /// The section's only attachment so far, when it is a large [`SharedBytes`]
    /// (crate::SharedBytes) kept by reference; a second attachment copies it into `bins`.
    shared: Option<Bytes>,
}

impl Default for Encoder {
    fn default() -> Self {
        let mut out = Vec::with_capacity(INITIAL_CAPACITY);
        out.resize(TABLE_ROOM, 0);
        Encoder {
            out,
            arg_ends: Vec::new(),
            bins: ATTACHMENT_SCRATCH.with(|b| std::mem::take(&mut *b.borrow_mut())),
            bin_lens: Vec::new(),
            escaped: false,
            keys: Vec::new(),
            entries: Vec::new(),
            scratch: Vec::new(),
            rules: ValueRules::Json,
            tagged: false,
            bare_attachment: false,
            shared: None,
        }
    }
}

impl Encoder {
    pub(crate) fn with_rules(rules: ValueRules) -> Self {
        Encoder {
            rules,
            ..Encoder::default()
        }
    }

    fn cloning(&self) -> bool {
        self.rules == ValueRules::StructuredClone
    }

    /// Writes `{"\u0000<name>":` and notes that the argument section has tags.
    fn open_tag(&mut self, name: &str) {
        self.tagged = true;
        self.out.extend_from_slice(b"{\"\\u0000");
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
    }

    fn end_arg(&mut self) {
        self.arg_ends.push(self.out.len());
    }

    pub(crate) fn finish(self) -> Args {
        let Encoder {
            mut out,
            arg_ends,
            bins,
            bin_lens,
            escaped,
            tagged,
            shared,
            ..
        } = self;
        let table_len = 9 + 4 * (arg_ends.len() + bin_lens.len());
        let mut flags = 0u8;
        if !bin_lens.is_empty() {
            flags |= FLAG_ATTACHMENTS;
        }
        if escaped {
            flags |= FLAG_ESCAPED_KEYS;
        }
        if tagged {
            flags |= FLAG_TAGGED;
        }
        let arg_lens = arg_ends.iter().scan(TABLE_ROOM, |prev, &end| {
            let len = end - *prev;
            *prev = end;
            Some(len)
        });
        let lens = arg_lens.chain(bin_lens.iter().copied());
        let write_table = |table: &mut [u8]| {
            table[0] = flags;
            table[1..5].copy_from_slice(&(arg_ends.len() as u32).to_le_bytes());
            table[5..9].copy_from_slice(&(bin_lens.len() as u32).to_le_bytes());
            for (slot, len) in table[9..].chunks_exact_mut(4).zip(lens) {
                slot.copy_from_slice(&(len as u32).to_le_bytes());
            }
        };
        let split = bins.len() >= SPLIT_ATTACHMENTS || shared.is_some();
        let raw = if table_len <= TABLE_ROOM {
            write_table(&mut out[TABLE_ROOM - table_len..TABLE_ROOM]);
            if !split {
                out.extend_from_slice(&bins);
            }
            let mut raw = Bytes::from(out);
            // `advance` rather than `slice`: no reference count to bump and drop again.
            raw.advance(TABLE_ROOM - table_len);
            raw
        } else {
            let mut v = vec![0; table_len];
            write_table(&mut v);
            v.extend_from_slice(&out[TABLE_ROOM..]);
            if !split {
                v.extend_from_slice(&bins);
            }
            Bytes::from(v)
        };
        if let Some(shared) = shared {
            // The caller's own buffer is the tail; the scratch buffer stayed empty.
            ATTACHMENT_SCRATCH.with(|b| *b.borrow_mut() = bins);
            return Args::from_split(raw, shared).expect("the encoder writes a consistent table");
        }
        if split {
            // The attachments travel in their own buffer: no second copy of them.
            return Args::from_split(raw, Bytes::from(bins))
                .expect("the encoder writes a consistent table");
        }
        if bins.capacity() <= KEEP_SCRATCH {
            let mut bins = bins;
            bins.clear();
            ATTACHMENT_SCRATCH.with(|b| *b.borrow_mut() = bins);
        }
        Args::from_raw(raw).expect("the encoder writes a consistent table")
    }
}

/// What each byte becomes inside a JSON string: 0 for itself, `u` for `\u00XX`, any other
/// byte `c` for the two bytes `\c`. Only `\n`, `\r` and `\t` get short forms: `\b` and `\f`
/// keep the `\u0008` and `\u000c` that the JavaScript shim also writes, byte for byte.
static ESCAPE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        t[b] = b'u';
        b += 1;
    }
    t[b'\n' as usize] = b'n';
    t[b'\r' as usize] = b'r';
    t[b'\t' as usize] = b't';
    t[b'"' as usize] = b'"';
    t[b'\\' as usize] = b'\\';
    t
};

const HEX: &[u8; 16] = b"0123456789abcdef";

pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    write_json_bytes(out, s.as_bytes());
}

/// A long string is scanned and copied this many bytes at a time, so the copy reads what the
/// scan just brought into the cache: one pass over memory instead of two.
const SCAN_BLOCK: usize = 8 * 1024;

/// Writes UTF-8 `bytes` as a JSON string, copying the runs between escapes whole.
fn write_json_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if bytes.len() <= SCAN_BLOCK {
        // Most strings: one scan, one copy, no block loop.
        let first = next_escape(bytes, 0);
        if first == bytes.len() {
            out.extend_from_slice(bytes);
        } else {
            write_escaped(out, bytes, 0, first);
        }
        out.push(b'"');
        return;
    }
    let mut done = 0;
    while done < bytes.len() {
        let end = (done + SCAN_BLOCK).min(bytes.len());
        let first = next_escape(&bytes[..end], done);
        if first < end {
            write_escaped(out, bytes, done, first);
            break;
        }
        out.extend_from_slice(&bytes[done..end]);
        done = end;
    }
    out.push(b'"');
}

/// The rest of a JSON string from `start`, whose first escape is at `first`.
#[inline(never)]
fn write_escaped(out: &mut Vec<u8>, bytes: &[u8], start: usize, first: usize) {
    let (mut start, mut i) = (start, first);
    while let Some(&b) = bytes.get(i) {
        out.extend_from_slice(&bytes[start..i]);
        match ESCAPE[b as usize] {
            b'u' => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 0xf) as usize],
            ]),
            short => out.extend_from_slice(&[b'\\', short]),
        }
        start = i + 1;
        i = next_escape(bytes, start);
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Index of the first byte at or after `from` that needs escaping, or `bytes.len()`.
// Inlined into both callers: a call per escape costs about as much as the scan between.
#[inline(always)]
fn next_escape(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Eight bytes at a time: a byte's high bit is set in `hits` if it is below 0x20 or equal
    // to `"` or `\`. Borrows can only flag bytes above a true hit, so the lowest flag is exact.
    fn hits(w: u64) -> u64 {
        let quote = w ^ (ONES * b'"' as u64);
        let backslash = w ^ (ONES * b'\\' as u64);
        ((w.wrapping_sub(ONES * 0x20) & !w)
            | (quote.wrapping_sub(ONES) & !quote)
            | (backslash.wrapping_sub(ONES) & !backslash))
            & HIGH
    }
    let word = |b: &[u8]| u64::from_le_bytes(b.try_into().expect("8 bytes"));
    let mut i = from;
    // Sixteen bytes a round halves the loop overhead on long clean runs.
    let mut pairs = bytes[from..].chunks_exact(16);
    for pair in &mut pairs {
        let (lo, hi) = (hits(word(&pair[..8])), hits(word(&pair[8..])));
        if lo | hi != 0 {
            return if lo != 0 {
                i + (lo.trailing_zeros() / 8) as usize
            } else {
                i + 8 + (hi.trailing_zeros() / 8) as usize
            };
        }
        i += 16;
    }
    let mut rest = pairs.remainder();
    if rest.len() >= 8 {
        let h = hits(word(&rest[..8]));
        if h != 0 {
            return i + (h.trailing_zeros() / 8) as usize;
        }
        i += 8;
        rest = &rest[8..];
    }
    for &b in rest {
        if ESCAPE[b as usize] != 0 {
            return i;
        }
        i += 1;
    }
    i
}

/// Serializes the whole argument list: a tuple is the list, `()` is empty, anything else is
/// one argument.
pub(crate) struct TopLevel<'a>(pub(crate) &'a mut Encoder);

/// Serializes one value at a given depth (top-level arguments are depth 1).
pub(crate) struct ValueSer<'a> {
    enc: &'a mut Encoder,
    depth: usize,
}

macro_rules! scalar_top {
    ($($name:ident($t:ty)),*) => {$(
        fn $name(self, v: $t) -> Result<(), WireError> {
            ValueSer { enc: &mut *self.0, depth: 1 }.$name(v)?;
            self.0.end_arg();
            Ok(())
        }
    )*};
}

impl<'a> ser::Serializer for TopLevel<'a> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    scalar_top!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_f32(f32),
        serialize_f64(f64),
        serialize_char(char),
        serialize_str(&str),
        serialize_bytes(&[u8]),
        serialize_unit_struct(&'static str)
    );

    fn serialize_none(self) -> Result<(), WireError> {
        self.serialize_unit_struct("None")
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), WireError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WireError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        n: &'static str,
        i: u32,
        v: &'static str,
    ) -> Result<(), WireError> {
        ValueSer {
            enc: &mut *self.0,
            depth: 1,
        }
        .serialize_unit_variant(n, i, v)?;
        self.0.end_arg();
        Ok(())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        if name == UNDEFINED_TOKEN {
            // One argument, `undefined`: not the "no argument" a top-level `()` means.
            ValueSer {
                enc: &mut *self.0,
                depth: 1,
            }
            .serialize_newtype_struct(name, v)?;
            self.0.end_arg();
            return Ok(());
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        n: &'static str,
        i: u32,
        var: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        ValueSer {
            enc: &mut *self.0,
            depth: 1,
        }
        .serialize_newtype_variant(n, i, var, v)?;
        self.0.end_arg();
        Ok(())
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a>, WireError> {
        ValueSer {
            enc: self.0,
            depth: 1,
        }
        .serialize_seq(len)
        .map(Compound::into_arg)
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, WireError> {
        Ok(Compound::arg_list(self.0))
    }
    fn serialize_tuple_struct(
        self,
        n: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, WireError> {
        ValueSer {
            enc: self.0,
            depth: 1,
        }
        .serialize_tuple_struct(n, len)
        .map(Compound::into_arg)
    }
    fn serialize_tuple_variant(
        self,
        n: &'static str,
        i: u32,
        v: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, WireError> {
        ValueSer {
            enc: self.0,
            depth: 1,
        }
        .serialize_tuple_variant(n, i, v, len)
        .map(Compound::into_arg)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a>, WireError> {
        ValueSer {
            enc: self.0,
            depth: 1,
        }
        .serialize_map(len)
        .map(Compound::into_arg)
    }
    fn serialize_struct(self, n: &'static str, len: usize) -> Result<Compound<'a>, WireError> {
        ValueSer {
            enc: self.0,
            depth: 1,
        }
        .serialize_struct(n, len)
        .map(Compound::into_arg)
    }
    fn serialize_struct_variant(
        self,
        n: &'static str,
        i: u32,
        v: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, WireError> {
        ValueSer {
            enc: self.0,
            depth: 1,
        }
        .serialize_struct_variant(n, i, v, len)
        .map(Compound::into_arg)
    }
}

macro_rules! int_ser {
    ($($name:ident($t:ty)),*) => {$(
        fn $name(self, v: $t) -> Result<(), WireError> {
            self.enc.out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            Ok(())
        }
    )*};
}

impl<'a> ValueSer<'a> {
    fn write(&mut self, b: &[u8]) {
        self.enc.out.extend_from_slice(b);
    }
}

impl<'a> ser::Serializer for ValueSer<'a> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    int_ser!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128)
    );

    fn serialize_bool(mut self, v: bool) -> Result<(), WireError> {
        self.write(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), WireError> {
        if self.enc.cloning() && special_number(v as f64).is_some() {
            return self.serialize_f64(v as f64);
        }
        if v.is_finite() {
            self.enc
                .out
                .extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        } else {
            self.enc.out.push(b'0');
        }
        Ok(())
    }
    fn serialize_f64(self, v: f64) -> Result<(), WireError> {
        if let Some(text) = special_number(v).filter(|_| self.enc.cloning()) {
            self.enc.open_tag("number");
            write_json_str(&mut self.enc.out, text);
            self.enc.out.push(b'}');
            return Ok(());
        }
        if v.is_finite() {
            self.enc
                .out
                .extend_from_slice(ryu::Buffer::new().format_finite(v).as_bytes());
        } else {
            // Electron 1.7.8 (Chromium's base::Value) turns NaN and ±Infinity into 0.
            self.enc.out.push(b'0');
        }
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), WireError> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), WireError> {
        write_json_str(&mut self.enc.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), WireError> {
        let index = self.enc.bin_lens.len();
        let by_reference = (index == 0 && v.len() >= SPLIT_ATTACHMENTS)
            .then(|| crate::shared_bytes::offered(v))
            .flatten();
        if let Some(shared) = by_reference {
            self.enc.shared = Some(shared);
        } else {
            if let Some(first) = self.enc.shared.take() {
                // Attachments travel back to back: the first is copied after all.
                self.enc.bins.extend_from_slice(&first);
            }
            // A small attachment ends up in `out` too: one allocation of the final size now,
            // rather than a reallocation when `finish` appends it. Large ones stay in `bins`.
            if v.len() + self.enc.bins.len() < SPLIT_ATTACHMENTS {
                self.enc.out.reserve(v.len() + self.enc.bins.len());
            }
            self.enc.bins.extend_from_slice(v);
        }
        self.enc.bin_lens.push(v.len());
        if std::mem::take(&mut self.enc.bare_attachment) {
            self.enc
                .out
                .extend_from_slice(itoa::Buffer::new().format(index).as_bytes());
            return Ok(());
        }
        self.enc.out.push(b'{');
        write_json_str(&mut self.enc.out, BYTES_MARKER);
        self.enc.out.push(b':');
        self.enc
            .out
            .extend_from_slice(itoa::Buffer::new().format(index).as_bytes());
        self.enc.out.push(b'}');
        Ok(())
    }
    fn serialize_none(mut self) -> Result<(), WireError> {
        self.write(b"null");
        Ok(())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), WireError> {
        v.serialize(self)
    }
    fn serialize_unit(mut self) -> Result<(), WireError> {
        self.write(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WireError> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<(), WireError> {
        self.serialize_str(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        mut self,
        name: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        if name == UNDEFINED_TOKEN {
            if self.enc.cloning() {
                self.enc.open_tag("undefined");
                self.write(b"0}");
            } else {
                // Electron 1.7.8 sent `undefined` as null.
                self.write(b"null");
            }
            return Ok(());
        }
        if name == ATTACHMENT_TOKEN {
            self.enc.bare_attachment = true;
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        var: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        use ser::SerializeMap;
        let mut map = self.serialize_map(Some(1))?;
        map.serialize_entry(var, v)?;
        map.end()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, WireError> {
        self.enc.out.push(b'[');
        Ok(Compound::seq(self.enc, self.depth))
    }
    fn serialize_tuple(self, len: usize) -> Result<Compound<'a>, WireError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Compound<'a>, WireError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, WireError> {
        // {"Variant":[...]}: the wrapper object is one more level of nesting.
        if self.depth + 1 > MAX_DEPTH {
            return Ok(Compound::omitted_variant(self.enc, Shape::Seq, self.depth));
        }
        self.enc.out.push(b'{');
        write_json_str(&mut self.enc.out, v);
        self.enc.out.extend_from_slice(b":[");
        let mut c = Compound::seq(self.enc, self.depth + 1);
        c.close_variant = true;
        Ok(c)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, WireError> {
        let start = self.enc.out.len();
        self.enc.out.push(b'{');
        Ok(Compound::map(self.enc, self.depth, start))
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<Compound<'a>, WireError> {
        if name == RAW_VALUE_TOKEN {
            return Ok(Compound::new(self.enc, Shape::Raw, self.depth, 0));
        }
        if name == TAG_TOKEN {
            return Ok(Compound::new(self.enc, Shape::Tag, self.depth, 0));
        }
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, WireError> {
        if self.depth + 1 > MAX_DEPTH {
            return Ok(Compound::omitted_variant(self.enc, Shape::Map, self.depth));
        }
        self.enc.out.push(b'{');
        write_json_str(&mut self.enc.out, v);
        self.enc.out.push(b':');
        let start = self.enc.out.len();
        self.enc.out.push(b'{');
        let mut c = Compound::map(self.enc, self.depth + 1, start);
        c.close_variant = true;
        Ok(c)
    }
}

#[derive(PartialEq)]
enum Shape {
    /// The top-level tuple: each element is one argument.
    ArgList,
    Seq,
    Map,
    /// Pre-serialized JSON (`serde_json::value::RawValue`): its one field is the JSON text,
    /// which is written as the value it holds.
    Raw,
    /// A structured-clone tag (`crate::clone::serialize_tagged`): fields `tag` and `body`.
    Tag,
}

/// One written object entry: its raw key in [`Encoder::keys`] and its `"key":value` text in
/// [`Encoder::out`].
struct Entry {
    key_start: usize,
    key_end: usize,
    start: usize,
    end: usize,
}

/// Every compound shape: sequences, maps (with key sorting), and the argument list itself.
pub(crate) struct Compound<'a> {
    enc: &'a mut Encoder,
    shape: Shape,
    /// Depth of the container; its elements are at `depth + 1`.
    depth: usize,
    first: bool,
    /// When this container is itself a top-level argument, closing it ends the argument.
    is_arg: bool,
    close_variant: bool,
    /// Fields are dropped: the container would be deeper than [`MAX_DEPTH`].
    discard: bool,
    start: usize,
    /// Whether the entries written so far are in strictly increasing key order, so the text
    /// already written is final (the common case: structs declared in order, `BTreeMap`s).
    sorted: bool,
    /// This object's entries are `enc.entries[entries_base..]`, its keys `enc.keys[keys_base..]`.
    entries_base: usize,
    keys_base: usize,
    /// The key given by `serialize_key`, as a range of `enc.keys`, until its value arrives.
    pending_key: Option<(usize, usize)>,
}

impl<'a> Compound<'a> {
    fn new(enc: &'a mut Encoder, shape: Shape, depth: usize, start: usize) -> Self {
        let entries_base = enc.entries.len();
        let keys_base = enc.keys.len();
        Compound {
            enc,
            shape,
            depth,
            first: true,
            is_arg: false,
            close_variant: false,
            discard: false,
            start,
            sorted: true,
            entries_base,
            keys_base,
            pending_key: None,
        }
    }
    fn arg_list(enc: &'a mut Encoder) -> Self {
        Compound::new(enc, Shape::ArgList, 0, 0)
    }
    fn seq(enc: &'a mut Encoder, depth: usize) -> Self {
        Compound::new(enc, Shape::Seq, depth, 0)
    }
    fn map(enc: &'a mut Encoder, depth: usize, start: usize) -> Self {
        Compound::new(enc, Shape::Map, depth, start)
    }
    /// A tuple or struct variant at the depth limit: its wrapper object `{"Variant": ...}` keeps
    /// no entry, since the entry would be one level too deep (objects omit such entries).
    fn omitted_variant(enc: &'a mut Encoder, shape: Shape, depth: usize) -> Self {
        enc.out.extend_from_slice(b"{}");
        let mut c = Compound::new(enc, shape, depth + 1, 0);
        c.discard = true;
        c
    }
    fn into_arg(mut self) -> Self {
        self.is_arg = true;
        self
    }

    fn element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        if self.discard {
            return Ok(());
        }
        if self.shape == Shape::ArgList {
            v.serialize(ValueSer {
                enc: &mut *self.enc,
                depth: 1,
            })?;
            self.enc.end_arg();
            return Ok(());
        }
        if !self.first {
            self.enc.out.push(b',');
        }
        self.first = false;
        if self.depth + 1 > MAX_DEPTH {
            self.enc.out.extend_from_slice(b"null");
            return Ok(());
        }
        v.serialize(ValueSer {
            enc: &mut *self.enc,
            depth: self.depth + 1,
        })
    }

    fn key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), WireError> {
        if let Some((start, _)) = self.pending_key.take() {
            // A key without a value is replaced by the next key.
            self.enc.keys.truncate(start);
        }
        let start = self.enc.keys.len();
        k.serialize(KeySer(&mut self.enc.keys))?;
        if self.enc.keys.get(start) == Some(&0) {
            self.enc.keys.insert(start, 0);
            self.enc.escaped = true;
        }
        self.pending_key = Some((start, self.enc.keys.len()));
        Ok(())
    }

    fn value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        let (key_start, key_end) = self
            .pending_key
            .take()
            .ok_or_else(|| WireError::Serialize("map value without a key".into()))?;
        if self.discard || self.depth + 1 > MAX_DEPTH {
            self.enc.keys.truncate(key_start);
            return Ok(());
        }
        if !self.first {
            self.enc.out.push(b',');
        }
        let entry_start = self.enc.out.len();
        write_json_bytes(&mut self.enc.out, &self.enc.keys[key_start..key_end]);
        self.enc.out.push(b':');
        let entries_len = self.enc.entries.len();
        v.serialize(ValueSer {
            enc: &mut *self.enc,
            depth: self.depth + 1,
        })?;
        // Nested objects pop their own entries and keys when they end; this also drops any
        // left by a Serialize impl that never ended one.
        self.enc.entries.truncate(entries_len);
        self.enc.keys.truncate(key_end);
        self.first = false;
        if self.sorted && entries_len > self.entries_base {
            let prev = &self.enc.entries[entries_len - 1];
            self.sorted =
                self.enc.keys[prev.key_start..prev.key_end] < self.enc.keys[key_start..key_end];
        }
        self.enc.entries.push(Entry {
            key_start,
            key_end,
            start: entry_start,
            end: self.enc.out.len(),
        });
        Ok(())
    }

    /// Writes pre-serialized JSON as the value it holds, through the same rules as any value
    /// (keys sorted, NUL keys escaped, nesting cut): the receiver sees what the text says,
    /// never the struct serde_json uses to carry it.
    fn raw<T: ?Sized + Serialize>(&mut self, text: &T) -> Result<(), WireError> {
        let text = match serde_json::to_value(text) {
            Ok(serde_json::Value::String(t)) => t,
            _ => {
                return Err(WireError::Serialize(
                    "raw JSON value without its text".into(),
                ))
            }
        };
        let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
            WireError::Serialize(format!(
                "raw JSON argument is not a value that can travel: {e}"
            ))
        })?;
        if !self.first {
            return Err(WireError::Serialize("raw JSON value with two texts".into()));
        }
        self.first = false;
        value.serialize(ValueSer {
            enc: &mut *self.enc,
            depth: self.depth,
        })
    }

    /// One field of a structured-clone tag: its name opens the tag, its body follows.
    fn tag_field<T: ?Sized + Serialize>(&mut self, k: &str, v: &T) -> Result<(), WireError> {
        if k == "tag" {
            let mut name = Vec::new();
            v.serialize(KeySer(&mut name))?;
            let name = std::str::from_utf8(&name)
                .map_err(|_| WireError::Serialize("tag name is not UTF-8".into()))?;
            if !self.enc.cloning() {
                return Err(WireError::NeedsStructuredClone(tag_what(name)));
            }
            self.enc.open_tag(name);
            return Ok(());
        }
        v.serialize(ValueSer {
            enc: &mut *self.enc,
            depth: self.depth,
        })
    }

    /// Rewrites this object's entries in key order. The sort is stable, so entries with equal
    /// keys keep their order.
    fn sort_entries(&mut self) {
        let enc = &mut *self.enc;
        let keys = &enc.keys;
        let entries = &mut enc.entries[self.entries_base..];
        entries.sort_by(|a, b| keys[a.key_start..a.key_end].cmp(&keys[b.key_start..b.key_end]));
        let base = self.start + 1;
        enc.scratch.clear();
        enc.scratch.extend_from_slice(&enc.out[base..]);
        enc.out.truncate(base);
        for (i, e) in entries.iter().enumerate() {
            if i > 0 {
                enc.out.push(b',');
            }
            enc.out
                .extend_from_slice(&enc.scratch[e.start - base..e.end - base]);
        }
    }

    fn finish(mut self) -> Result<(), WireError> {
        if self.discard {
            if self.is_arg {
                self.enc.end_arg();
            }
            return Ok(());
        }
        match self.shape {
            Shape::ArgList => return Ok(()),
            Shape::Raw if self.first => {
                return Err(WireError::Serialize(
                    "raw JSON value without its text".into(),
                ))
            }
            Shape::Raw => {}
            Shape::Tag => self.enc.out.push(b'}'),
            Shape::Seq => self.enc.out.push(b']'),
            Shape::Map => {
                if !self.sorted {
                    // Keys must come out sorted bytewise, as from Chromium's
                    // base::DictionaryValue.
                    self.sort_entries();
                }
                self.enc.entries.truncate(self.entries_base);
                self.enc.keys.truncate(self.keys_base);
                self.enc.out.push(b'}');
            }
        }
        if self.close_variant {
            self.enc.out.push(b'}');
        }
        if self.is_arg {
            self.enc.end_arg();
        }
        Ok(())
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        self.element(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

impl ser::SerializeTuple for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_element<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        self.element(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

impl ser::SerializeTupleStruct for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        self.element(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

impl ser::SerializeTupleVariant for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        self.element(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_key<T: ?Sized + Serialize>(&mut self, k: &T) -> Result<(), WireError> {
        self.key(k)
    }
    fn serialize_value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        self.value(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        if self.shape == Shape::Raw {
            return self.raw(v);
        }
        if self.shape == Shape::Tag {
            return self.tag_field(k, v);
        }
        self.key(k)?;
        self.value(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = WireError;
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        k: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        self.key(k)?;
        self.value(v)
    }
    fn end(self) -> Result<(), WireError> {
        self.finish()
    }
}

/// What a tag carries, for the error that says JSON rules cannot send it.
fn tag_what(tag: &str) -> &'static str {
    match tag {
        "bigint" => "BigInt",
        "date" => "Date",
        "regexp" => "RegExp",
        "error" => "Error object",
        "map" => "Map",
        "set" => "Set",
        "typed" => "typed array",
        "arraybuffer" => "ArrayBuffer",
        "ref" => "shared reference",
        _ => "structured-clone value",
    }
}

/// Appends a map key as a string, as serde_json does for string, char, integer and bool keys.
/// Every method appends its whole key or nothing.
struct KeySer<'a>(&'a mut Vec<u8>);

macro_rules! key_int {
    ($($name:ident($t:ty)),*) => {$(
        fn $name(self, v: $t) -> Result<(), WireError> {
            self.0.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            Ok(())
        }
    )*};
}

fn key_error() -> WireError {
    WireError::Serialize("object keys must be strings, numbers or booleans".into())
}

impl ser::Serializer for KeySer<'_> {
    type Ok = ();
    type Error = WireError;
    type SerializeSeq = ser::Impossible<(), WireError>;
    type SerializeTuple = ser::Impossible<(), WireError>;
    type SerializeTupleStruct = ser::Impossible<(), WireError>;
    type SerializeTupleVariant = ser::Impossible<(), WireError>;
    type SerializeMap = ser::Impossible<(), WireError>;
    type SerializeStruct = ser::Impossible<(), WireError>;
    type SerializeStructVariant = ser::Impossible<(), WireError>;

    key_int!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128)
    );
    fn serialize_bool(self, v: bool) -> Result<(), WireError> {
        self.0.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_char(self, v: char) -> Result<(), WireError> {
        self.0
            .extend_from_slice(v.encode_utf8(&mut [0; 4]).as_bytes());
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result<(), WireError> {
        self.0.extend_from_slice(v.as_bytes());
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<(), WireError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<(), WireError> {
        self.serialize_str(v)
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), WireError> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, WireError> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, WireError> {
        Err(key_error())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, WireError> {
        Err(key_error())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, WireError> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, WireError> {
        Err(key_error())
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, WireError> {
        Err(key_error())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, WireError> {
        Err(key_error())
    }
}
