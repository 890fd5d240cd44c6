//! The dynamic value model: JSON plus raw bytes.

use std::collections::BTreeMap;
use std::fmt;

use bytes::Bytes;
use serde::de::{self, IntoDeserializer, Visitor};
use serde::{Deserialize, Serialize};

use crate::args::BYTES_MARKER;
pub use crate::clone::{Date, TypedArray, TypedKind};
use crate::WireError;

/// Any value that can travel as an argument.
///
/// Objects are `BTreeMap`s, so their keys come out sorted, as in Electron 1.7.8.
///
/// ```
/// use electrode_wire::{Args, Value};
/// let args = Args::encode(&(serde_json::json!({"b": 1, "a": [true, null]}),)).unwrap();
/// let v = args.value(0).unwrap();
/// assert_eq!(v.to_string(), r#"{"a":[true,null],"b":1}"#);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Value {
    /// `null` (also what `undefined` and functions become in arrays).
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number (integer or finite double).
    Number(serde_json::Number),
    /// A UTF-8 string.
    String(String),
    /// Raw bytes (`Uint8Array` / `Buffer` / `Vec<u8>`).
    Bytes(Bytes),
    /// An array.
    Array(Vec<Value>),
    /// An object, keys sorted.
    Object(BTreeMap<String, Value>),
    /// `undefined` (structured-clone rules only; JSON rules send it as `null`).
    Undefined,
    /// A number JSON cannot hold: `NaN`, `Infinity`, `-Infinity` or `-0` (structured-clone
    /// rules only; JSON rules send `0`).
    Float(f64),
    /// A `BigInt`, as its decimal digits (structured-clone rules only).
    BigInt(String),
    /// A `Date` (structured-clone rules only).
    Date(Date),
    /// A `RegExp`: its source and flags (structured-clone rules only).
    RegExp {
        /// The pattern, as `RegExp.prototype.source` gives it.
        source: String,
        /// The flags, such as `"gi"`.
        flags: String,
    },
    /// An `Error` (structured-clone rules only): its name (`Error`, `TypeError`, ...) and message.
    Error {
        /// One of JavaScript's standard error names.
        name: String,
        /// The message.
        message: String,
    },
    /// A `Map`, entries in insertion order (structured-clone rules only).
    Map(Vec<(Value, Value)>),
    /// A `Set`, values in insertion order (structured-clone rules only).
    Set(Vec<Value>),
    /// A typed array other than `Uint8Array`, or a `DataView` (structured-clone rules only).
    Typed(TypedArray),
    /// An `ArrayBuffer` (structured-clone rules only).
    ArrayBuffer(Bytes),
    /// The container `k` of the same argument, numbered in the order containers (objects,
    /// arrays, maps, sets) are first entered: how cycles and shared references travel
    /// (structured-clone rules only). Sending a value back keeps the reference.
    Ref(usize),
}

impl Value {
    /// Converts wire JSON into a value, resolving byte markers with `attachments` (attachment
    /// by index) and, when `escaped` is set, removing the extra NUL from escaped keys.
    pub(crate) fn from_wire_json(
        v: serde_json::Value,
        attachments: &dyn Fn(usize) -> Option<Bytes>,
        escaped: bool,
    ) -> Result<Value, WireError> {
        Ok(match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(b),
            serde_json::Value::Number(n) => Value::Number(n),
            serde_json::Value::String(s) => Value::String(s),
            serde_json::Value::Array(a) => Value::Array(
                a.into_iter()
                    .map(|x| Value::from_wire_json(x, attachments, escaped))
                    .collect::<Result<_, _>>()?,
            ),
            serde_json::Value::Object(o) => {
                if o.len() == 1 {
                    if let Some(r) = o.get(BYTES_MARKER) {
                        let index = r.as_u64().ok_or_else(|| {
                            WireError::MalformedArgs("byte marker is not an index".into())
                        })? as usize;
                        let bin = attachments(index).ok_or_else(|| {
                            WireError::MalformedArgs(format!(
                                "byte marker points at missing attachment {index}"
                            ))
                        })?;
                        return Ok(Value::Bytes(bin));
                    }
                }
                let mut map = BTreeMap::new();
                for (mut k, x) in o {
                    if escaped && k.starts_with('\0') {
                        k.remove(0);
                    }
                    map.insert(k, Value::from_wire_json(x, attachments, escaped)?);
                }
                Value::Object(map)
            }
        })
    }

    /// Short rendering for logs: JSON, with bytes shown as `<N bytes>`.
    pub fn preview(&self) -> String {
        self.to_string()
    }

    /// The value as `f64`, if it is a number.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            Value::Float(x) => Some(*x),
            _ => None,
        }
    }

    /// The value as `&str`, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => write!(f, "{}", serde_json::Value::String(s.clone())),
            Value::Bytes(b) => write!(f, "<{} bytes>", b.len()),
            Value::Array(a) => {
                f.write_str("[")?;
                for (i, x) in a.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("]")
            }
            Value::Object(o) => {
                f.write_str("{")?;
                for (i, (k, x)) in o.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{x}", serde_json::Value::String(k.clone()))?;
                }
                f.write_str("}")
            }
            Value::Undefined => f.write_str("undefined"),
            Value::Float(x) => match crate::clone::special_number(*x) {
                Some(name) => f.write_str(name),
                None => write!(f, "{x}"),
            },
            Value::BigInt(d) => write!(f, "{d}n"),
            Value::Date(d) => write!(f, "Date({})", d.millis()),
            Value::RegExp { source, flags } => write!(f, "/{source}/{flags}"),
            Value::Error { name, message } => write!(f, "{name}: {message}"),
            Value::Map(m) => {
                f.write_str("Map {")?;
                for (i, (k, x)) in m.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{k} => {x}")?;
                }
                f.write_str("}")
            }
            Value::Set(v) => {
                f.write_str("Set {")?;
                for (i, x) in v.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{x}")?;
                }
                f.write_str("}")
            }
            Value::Typed(t) => write!(f, "<{} of {} bytes>", t.kind().name(), t.bytes().len()),
            Value::ArrayBuffer(b) => write!(f, "<ArrayBuffer of {} bytes>", b.len()),
            Value::Ref(k) => write!(f, "<ref {k}>"),
        }
    }
}

impl From<serde_json::Value> for Value {
    fn from(v: serde_json::Value) -> Self {
        Value::from_wire_json(v, &|_| None, false).unwrap_or(Value::Null)
    }
}

impl Serialize for Value {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            // `none`, not `unit`: a top-level `()` is "no argument", but `Value::Null` is one.
            Value::Null => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Number(n) => n.serialize(s),
            Value::String(x) => s.serialize_str(x),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::Array(a) => a.serialize(s),
            Value::Object(o) => o.serialize(s),
            Value::Undefined => s.serialize_newtype_struct(crate::clone::UNDEFINED_TOKEN, &()),
            Value::Float(x) => s.serialize_f64(*x),
            other => crate::clone::serialize_tagged(other, s),
        }
    }
}

/// What a `BTreeMap` node costs against the decoding budget: eleven keys and values and the
/// links. Charged for the first entry of a map and again every five entries (nodes other
/// than the root are at least half full). Arrays pay for their capacity, strings and keys
/// for their bytes; a value's own slot is paid by its container.
pub(crate) const NODE_COST: usize =
    11 * (std::mem::size_of::<String>() + std::mem::size_of::<Value>()) + 12 * 8 + 16;

fn over_budget<E: de::Error>() -> E {
    E::custom("the decoding budget of the argument is exhausted")
}

fn charge<E: de::Error>(n: usize) -> Result<(), E> {
    if crate::decode::charge(n) {
        Ok(())
    } else {
        Err(over_budget())
    }
}

impl<'de> Deserialize<'de> for Value {
    /// Decodes any value. Inside [`Args`](crate::Args) reads every value is charged against
    /// the argument's decoding budget, and attachments are kept as slices of the received
    /// message rather than copied.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Value;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
                Ok(Value::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
                Ok(Value::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
                Ok(Value::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
                Ok(serde_json::Number::from_f64(v)
                    .map(Value::Number)
                    .unwrap_or(Value::Number(0.into())))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
                charge(v.len())?;
                Ok(Value::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
                charge(v.capacity())?;
                Ok(Value::String(v))
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
                if let Some(shared) = crate::decode::shared_attachment(v) {
                    return Ok(Value::Bytes(shared));
                }
                charge(v.len())?;
                Ok(Value::Bytes(Bytes::copy_from_slice(v)))
            }
            fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
                charge(v.capacity())?;
                Ok(Value::Bytes(v.into()))
            }
            fn visit_unit<E>(self) -> Result<Value, E> {
                Ok(HANDOFF
                    .with(|h| h.borrow_mut().take())
                    .unwrap_or(Value::Null))
            }
            fn visit_newtype_struct<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Value, D::Error> {
                d.deserialize_any(self)
            }
            fn visit_none<E>(self) -> Result<Value, E> {
                Ok(Value::Null)
            }
            fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
                Value::deserialize(d)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut v = Vec::new();
                while let Some(x) = a.next_element()? {
                    let before = v.capacity();
                    v.push(x);
                    // The array pays for its capacity, spare slots included.
                    charge((v.capacity() - before) * std::mem::size_of::<Value>())?;
                }
                Ok(Value::Array(v))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Value, A::Error> {
                let mut m = BTreeMap::new();
                let mut entries = 0usize;
                while let Some(k) = a.next_key::<String>()? {
                    let node = if entries % 5 == 0 { NODE_COST } else { 0 };
                    charge(k.capacity() + node)?;
                    entries += 1;
                    let x = a.next_value()?;
                    m.insert(k, x);
                }
                Ok(Value::Object(m))
            }
        }
        d.deserialize_newtype_struct(VALUE_TOKEN, V)
    }
}

/// The newtype name `Value`'s own reader asks for: a `Value` being read as a `Value` is
/// handed over whole (through [`HANDOFF`]), so structured-clone values that serde's data
/// model cannot express (a `Map`, a `Date`) survive `Args::get::<Value>` and fields of type
/// `Value`. Other deserializers just see a newtype and read what is inside.
const VALUE_TOKEN: &str = "\0electrode::Value";

thread_local! {
    /// The `Value` handed from the `Value` deserializer to `Value`'s visitor; set and taken
    /// within one call.
    static HANDOFF: std::cell::RefCell<Option<Value>> = const { std::cell::RefCell::new(None) };
}

impl Value {
    fn is_structured_clone_only(&self) -> bool {
        !matches!(
            self,
            Value::Null
                | Value::Bool(_)
                | Value::Number(_)
                | Value::String(_)
                | Value::Bytes(_)
                | Value::Array(_)
                | Value::Object(_)
        )
    }
}

impl<'de> IntoDeserializer<'de, WireError> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = WireError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, WireError> {
        match self {
            Value::Null => v.visit_unit(),
            Value::Bool(b) => v.visit_bool(b),
            Value::Number(n) => n
                .deserialize_any(v)
                .map_err(<WireError as de::Error>::custom),
            Value::String(s) => v.visit_string(s),
            // Lent rather than copied: a `Value` read from this one keeps sharing the buffer.
            Value::Bytes(b) => crate::decode::hand_out(b, |b| v.visit_bytes(b)),
            Value::Array(a) => v.visit_seq(de::value::SeqDeserializer::new(a.into_iter())),
            Value::Object(o) => v.visit_map(de::value::MapDeserializer::new(
                o.into_iter().map(|(k, x)| (Key(k), x)),
            )),
            Value::Undefined => v.visit_unit(),
            Value::Float(x) => v.visit_f64(x),
            Value::BigInt(d) => {
                if let Ok(i) = d.parse::<i64>() {
                    v.visit_i64(i)
                } else if let Ok(u) = d.parse::<u64>() {
                    v.visit_u64(u)
                } else if let Ok(i) = d.parse::<i128>() {
                    v.visit_i128(i)
                } else {
                    v.visit_string(d)
                }
            }
            Value::Date(d) => v.visit_f64(d.millis()),
            Value::RegExp { source, flags } => v.visit_string(format!("/{source}/{flags}")),
            Value::Error { name, message } => v.visit_map(de::value::MapDeserializer::new(
                [("message", message), ("name", name)].into_iter(),
            )),
            Value::Map(m) => v.visit_map(de::value::MapDeserializer::new(m.into_iter())),
            Value::Set(x) => v.visit_seq(de::value::SeqDeserializer::new(x.into_iter())),
            Value::Typed(t) => crate::decode::hand_out(t.into_bytes(), |b| v.visit_bytes(b)),
            Value::ArrayBuffer(b) => crate::decode::hand_out(b, |b| v.visit_bytes(b)),
            Value::Ref(k) => Err(de::Error::custom(format!(
                "a shared reference (to container {k} of the argument) can only be read as a \
                 Value (Args::value), not into a Rust type"
            ))),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, WireError> {
        match self {
            Value::Null | Value::Undefined => v.visit_none(),
            other => v.visit_some(other),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, WireError> {
        match self {
            // `Vec<u8>` without serde_bytes asks for a sequence: hand it the bytes one by one.
            Value::Bytes(b) | Value::ArrayBuffer(b) => {
                v.visit_seq(de::value::SeqDeserializer::new(b.iter().copied()))
            }
            other => other.deserialize_any(v),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, WireError> {
        if name == VALUE_TOKEN && self.is_structured_clone_only() {
            // Only `Value`'s visitor asks for this name, and its `visit_unit` takes the value.
            HANDOFF.with(|h| *h.borrow_mut() = Some(self));
            return v.visit_unit();
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, WireError> {
        match self {
            Value::String(s) => v.visit_enum(s.into_deserializer()),
            Value::Object(o) if o.len() == 1 => {
                let (k, x) = o.into_iter().next().expect("one entry");
                v.visit_enum(de::value::MapAccessDeserializer::new(
                    de::value::MapDeserializer::new(std::iter::once((k, x))),
                ))
            }
            other => Err(de::Error::custom(format!(
                "expected an enum (string or one-key object), found {other}"
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct tuple tuple_struct map struct identifier ignored_any
    }
}

/// An object key. Maps with integer or boolean keys (`HashMap<u32, _>`) travel with string
/// keys, as in JSON; like serde_json, this parses the key text when the receiver asks for such a
/// type, and hands over the string otherwise.
struct Key(String);

impl<'de> IntoDeserializer<'de, WireError> for Key {
    type Deserializer = Key;
    fn into_deserializer(self) -> Key {
        self
    }
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, WireError> {
            match self.0.parse() {
                Ok(x) => v.$visit(x),
                Err(_) => v.visit_string(self.0),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Key {
    type Error = WireError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, WireError> {
        v.visit_string(self.0)
    }

    parse_key!(
        deserialize_bool => visit_bool,
        deserialize_i8 => visit_i8,
        deserialize_i16 => visit_i16,
        deserialize_i32 => visit_i32,
        deserialize_i64 => visit_i64,
        deserialize_i128 => visit_i128,
        deserialize_u8 => visit_u8,
        deserialize_u16 => visit_u16,
        deserialize_u32 => visit_u32,
        deserialize_u64 => visit_u64,
        deserialize_u128 => visit_u128
    );

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, WireError> {
        v.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, WireError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, WireError> {
        v.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}
