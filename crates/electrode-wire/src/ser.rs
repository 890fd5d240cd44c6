//! The argument serializer: JSON text with the value rules of Electron 1.7.8's converter
//! (non-finite numbers become 0, object keys sorted bytewise, nesting cut at [`MAX_DEPTH`]) and
//! byte buffers moved out into attachments.

use bytes::Bytes;
use serde::ser::{self, Serialize};

use crate::args::{Args, BYTES_MARKER, FLAG_ATTACHMENTS, FLAG_ESCAPED_KEYS, MAX_DEPTH};
use crate::WireError;

/// Room kept in front of the JSON so the argument table can be written in place without
/// copying the (possibly large) JSON behind it.
const TABLE_ROOM: usize = 64;

pub(crate) struct Encoder {
    out: Vec<u8>,
    arg_ends: Vec<usize>,
    bins: Vec<u8>,
    bin_lens: Vec<usize>,
    escaped: bool,
}

impl Default for Encoder {
    fn default() -> Self {
        let mut out = Vec::with_capacity(TABLE_ROOM + 64);
        out.resize(TABLE_ROOM, 0);
        Encoder {
            out,
            arg_ends: Vec::new(),
            bins: Vec::new(),
            bin_lens: Vec::new(),
            escaped: false,
        }
    }
}

impl Encoder {
    fn end_arg(&mut self) {
        self.arg_ends.push(self.out.len());
    }

    pub(crate) fn finish(self) -> Args {
        let argc = self.arg_ends.len();
        let nbin = self.bin_lens.len();
        let table_len = 9 + 4 * (argc + nbin);
        let mut flags = 0u8;
        if nbin > 0 {
            flags |= FLAG_ATTACHMENTS;
        }
        if self.escaped {
            flags |= FLAG_ESCAPED_KEYS;
        }
        let mut table = Vec::with_capacity(table_len);
        table.push(flags);
        table.extend_from_slice(&(argc as u32).to_le_bytes());
        table.extend_from_slice(&(nbin as u32).to_le_bytes());
        let mut prev = TABLE_ROOM;
        for &end in &self.arg_ends {
            table.extend_from_slice(&((end - prev) as u32).to_le_bytes());
            prev = end;
        }
        for &len in &self.bin_lens {
            table.extend_from_slice(&(len as u32).to_le_bytes());
        }
        let mut out = self.out;
        let raw = if table_len <= TABLE_ROOM {
            out[TABLE_ROOM - table_len..TABLE_ROOM].copy_from_slice(&table);
            out.extend_from_slice(&self.bins);
            Bytes::from(out).slice(TABLE_ROOM - table_len..)
        } else {
            let mut v = table;
            v.extend_from_slice(&out[TABLE_ROOM..]);
            v.extend_from_slice(&self.bins);
            Bytes::from(v)
        };
        Args::from_raw(raw).expect("the encoder writes a consistent table")
    }
}

pub(crate) fn write_json_str(out: &mut Vec<u8>, s: &str) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            out.extend_from_slice(format!("\\u{:04x}", b).as_bytes());
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
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
        _: &'static str,
        v: &T,
    ) -> Result<(), WireError> {
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
        self.enc.bins.extend_from_slice(v);
        self.enc.bin_lens.push(v.len());
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
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a>, WireError> {
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
}

struct Entry {
    key: String,
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
    entries: Vec<Entry>,
    pending_key: Option<String>,
}

impl<'a> Compound<'a> {
    fn new(enc: &'a mut Encoder, shape: Shape, depth: usize, start: usize) -> Self {
        Compound {
            enc,
            shape,
            depth,
            first: true,
            is_arg: false,
            close_variant: false,
            discard: false,
            start,
            entries: Vec::new(),
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
        let mut key = k.serialize(KeySer)?;
        if key.starts_with('\0') {
            key.insert(0, '\0');
            self.enc.escaped = true;
        }
        self.pending_key = Some(key);
        Ok(())
    }

    fn value<T: ?Sized + Serialize>(&mut self, v: &T) -> Result<(), WireError> {
        let key = self
            .pending_key
            .take()
            .ok_or_else(|| WireError::Serialize("map value without a key".into()))?;
        if self.discard || self.depth + 1 > MAX_DEPTH {
            return Ok(());
        }
        if !self.first {
            self.enc.out.push(b',');
        }
        let entry_start = self.enc.out.len();
        write_json_str(&mut self.enc.out, &key);
        self.enc.out.push(b':');
        v.serialize(ValueSer {
            enc: &mut *self.enc,
            depth: self.depth + 1,
        })?;
        self.first = false;
        self.entries.push(Entry {
            key,
            start: entry_start,
            end: self.enc.out.len(),
        });
        Ok(())
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
            Shape::Seq => self.enc.out.push(b']'),
            Shape::Map => {
                let sorted = self.entries.windows(2).all(|w| w[0].key < w[1].key);
                if !sorted {
                    // Keys arrive sorted bytewise, as from Chromium's base::DictionaryValue.
                    let region = self.enc.out.split_off(self.start + 1);
                    let base = self.start + 1;
                    self.entries.sort_by(|a, b| a.key.cmp(&b.key));
                    for (i, e) in self.entries.iter().enumerate() {
                        if i > 0 {
                            self.enc.out.push(b',');
                        }
                        self.enc
                            .out
                            .extend_from_slice(&region[e.start - base..e.end - base]);
                    }
                }
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

/// Turns a map key into a string, as serde_json does for string, char, integer and bool keys.
struct KeySer;

macro_rules! key_display {
    ($($name:ident($t:ty)),*) => {$(
        fn $name(self, v: $t) -> Result<String, WireError> { Ok(v.to_string()) }
    )*};
}

fn key_error() -> WireError {
    WireError::Serialize("object keys must be strings, numbers or booleans".into())
}

impl ser::Serializer for KeySer {
    type Ok = String;
    type Error = WireError;
    type SerializeSeq = ser::Impossible<String, WireError>;
    type SerializeTuple = ser::Impossible<String, WireError>;
    type SerializeTupleStruct = ser::Impossible<String, WireError>;
    type SerializeTupleVariant = ser::Impossible<String, WireError>;
    type SerializeMap = ser::Impossible<String, WireError>;
    type SerializeStruct = ser::Impossible<String, WireError>;
    type SerializeStructVariant = ser::Impossible<String, WireError>;

    key_display!(
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
        serialize_char(char),
        serialize_str(&str)
    );
    fn serialize_f32(self, _: f32) -> Result<String, WireError> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String, WireError> {
        Err(key_error())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, WireError> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, WireError> {
        Err(key_error())
    }
    fn serialize_some<T: ?Sized + Serialize>(self, v: &T) -> Result<String, WireError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<String, WireError> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, WireError> {
        Err(key_error())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        v: &'static str,
    ) -> Result<String, WireError> {
        Ok(v.to_string())
    }
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String, WireError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, WireError> {
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
