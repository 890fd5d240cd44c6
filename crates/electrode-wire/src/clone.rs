//! Structured-clone values (docs/adr/0018): the value rules a `Main` may choose instead of
//! Electron 1.7.8's JSON rules, the types they add to [`Value`], and their tags on the wire.
//!
//! A tag is an object with one key that starts with NUL, such as `{"\u0000date": 0}`; the
//! argument section says whether tags may appear (flag bit 2), so plain values keep the plain
//! JSON fast path under either rules.

use std::borrow::Cow;
use std::cell::Cell;
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::decode::{charge, Ctx};
use crate::value::Value;

/// Which values travel, chosen per `Main`.
///
/// ```
/// use electrode_wire::{Args, ValueRules, Value};
/// let args = Args::encode_with(ValueRules::StructuredClone, &(f64::NAN, Value::Undefined)).unwrap();
/// assert!(args.value(0).unwrap().as_f64().unwrap().is_nan());
/// assert_eq!(args.value(1).unwrap(), Value::Undefined);
/// // Under JSON rules NaN becomes 0 and undefined null, as in Electron 1.7.8.
/// let args = Args::encode(&(f64::NAN, Value::Undefined)).unwrap();
/// assert_eq!(args.get::<f64>(0).unwrap(), 0.0);
/// assert_eq!(args.value(1).unwrap(), Value::Null);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueRules {
    /// Electron 1.7.8's rules: JSON plus bytes; `NaN` is `0`, a `Date` is `{}`, keys sorted.
    #[default]
    Json,
    /// Electron 9+'s structured clone: `Date`, `Map`, `Set`, typed arrays, `BigInt`,
    /// `undefined`, non-finite numbers and shared references arrive as themselves.
    StructuredClone,
}

impl fmt::Display for ValueRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueRules::Json => "json",
            ValueRules::StructuredClone => "structured-clone",
        })
    }
}

/// A JavaScript `Date`: milliseconds since the Unix epoch, or an invalid date.
///
/// ```
/// use electrode_wire::Date;
/// use std::time::{Duration, UNIX_EPOCH};
/// let d = Date::from_system_time(UNIX_EPOCH + Duration::from_millis(1500));
/// assert_eq!(d.millis(), 1500.0);
/// assert_eq!(d.to_system_time(), Some(UNIX_EPOCH + Duration::from_millis(1500)));
/// assert!(Date::invalid().to_system_time().is_none());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Date(f64);

impl Date {
    /// The date `millis` milliseconds after the epoch (`NaN` is an invalid date).
    pub fn from_millis(millis: f64) -> Date {
        Date(millis)
    }

    /// An invalid date (`new Date(NaN)`).
    pub fn invalid() -> Date {
        Date(f64::NAN)
    }

    /// The date of a `SystemTime`, to the millisecond.
    pub fn from_system_time(t: SystemTime) -> Date {
        match t.duration_since(UNIX_EPOCH) {
            Ok(d) => Date(d.as_millis() as f64),
            Err(e) => Date(-(e.duration().as_millis() as f64)),
        }
    }

    /// Milliseconds since the epoch, `NaN` for an invalid date (what `getTime()` returns).
    pub fn millis(self) -> f64 {
        self.0
    }

    /// The date as a `SystemTime`, `None` for an invalid date.
    pub fn to_system_time(self) -> Option<SystemTime> {
        if !self.0.is_finite() {
            return None;
        }
        let d = Duration::from_millis(self.0.abs() as u64);
        if self.0 >= 0.0 {
            UNIX_EPOCH.checked_add(d)
        } else {
            UNIX_EPOCH.checked_sub(d)
        }
    }
}

/// The kind of a [`TypedArray`]: the JavaScript constructor's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypedKind {
    /// `Int8Array`
    Int8,
    /// `Uint8ClampedArray`
    Uint8Clamped,
    /// `Int16Array`
    Int16,
    /// `Uint16Array`
    Uint16,
    /// `Int32Array`
    Int32,
    /// `Uint32Array`
    Uint32,
    /// `Float32Array`
    Float32,
    /// `Float64Array`
    Float64,
    /// `BigInt64Array`
    BigInt64,
    /// `BigUint64Array`
    BigUint64,
    /// `DataView`
    DataView,
}

const KINDS: [(TypedKind, &str, usize); 11] = [
    (TypedKind::Int8, "Int8Array", 1),
    (TypedKind::Uint8Clamped, "Uint8ClampedArray", 1),
    (TypedKind::Int16, "Int16Array", 2),
    (TypedKind::Uint16, "Uint16Array", 2),
    (TypedKind::Int32, "Int32Array", 4),
    (TypedKind::Uint32, "Uint32Array", 4),
    (TypedKind::Float32, "Float32Array", 4),
    (TypedKind::Float64, "Float64Array", 8),
    (TypedKind::BigInt64, "BigInt64Array", 8),
    (TypedKind::BigUint64, "BigUint64Array", 8),
    (TypedKind::DataView, "DataView", 1),
];

impl TypedKind {
    /// The JavaScript constructor's name, such as `"Float64Array"`.
    pub fn name(self) -> &'static str {
        KINDS
            .iter()
            .find(|k| k.0 == self)
            .map(|k| k.1)
            .unwrap_or("")
    }

    /// Bytes per element (1 for a `DataView`).
    pub fn element_size(self) -> usize {
        KINDS.iter().find(|k| k.0 == self).map(|k| k.2).unwrap_or(1)
    }

    /// The kind of a constructor's name.
    pub fn from_name(name: &str) -> Option<TypedKind> {
        KINDS.iter().find(|k| k.1 == name).map(|k| k.0)
    }
}

/// A typed array other than `Uint8Array` (which is [`Value::Bytes`]), or a `DataView`: its
/// kind and its bytes, little-endian.
///
/// ```
/// use electrode_wire::{TypedArray, TypedKind};
/// let t = TypedArray::from_f64s(&[1.5, -2.0]);
/// assert_eq!(t.kind(), TypedKind::Float64);
/// assert_eq!(t.to_f64s(), Some(vec![1.5, -2.0]));
/// assert!(TypedArray::new(TypedKind::Int32, vec![0u8; 3].into()).is_none());
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TypedArray {
    kind: TypedKind,
    bytes: Bytes,
}

impl TypedArray {
    /// A typed array of `kind` over `bytes`; `None` if the length is not a whole number of
    /// elements.
    pub fn new(kind: TypedKind, bytes: Bytes) -> Option<TypedArray> {
        (bytes.len() % kind.element_size() == 0).then_some(TypedArray { kind, bytes })
    }

    /// A `Float64Array` of these numbers.
    pub fn from_f64s(values: &[f64]) -> TypedArray {
        let bytes: Vec<u8> = values.iter().flat_map(|x| x.to_le_bytes()).collect();
        TypedArray {
            kind: TypedKind::Float64,
            bytes: bytes.into(),
        }
    }

    /// The numbers of a `Float64Array`, `None` for another kind.
    pub fn to_f64s(&self) -> Option<Vec<f64>> {
        (self.kind == TypedKind::Float64).then(|| {
            self.bytes
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
                .collect()
        })
    }

    /// The kind.
    pub fn kind(&self) -> TypedKind {
        self.kind
    }

    /// The elements' bytes, little-endian.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }

    /// The elements' bytes, little-endian.
    pub fn into_bytes(self) -> Bytes {
        self.bytes
    }
}

/// The newtype name `Value::Undefined` serializes with: the argument encoder writes the
/// `undefined` tag (or `null` under JSON rules), any other serializer sees `()`.
pub(crate) const UNDEFINED_TOKEN: &str = "\0electrode::undefined";
/// The struct name a tagged value serializes with: fields `tag` (the tag's name) and `body`.
pub(crate) const TAG_TOKEN: &str = "\0electrode::tag";
/// The newtype name of bytes that a tag refers to by attachment index alone.
pub(crate) const ATTACHMENT_TOKEN: &str = "\0electrode::attachment";

/// The tag's text for a number JSON cannot hold, `None` for one it can.
pub(crate) fn special_number(x: f64) -> Option<&'static str> {
    if x.is_nan() {
        Some("NaN")
    } else if x == f64::INFINITY {
        Some("Infinity")
    } else if x == f64::NEG_INFINITY {
        Some("-Infinity")
    } else if x == 0.0 && x.is_sign_negative() {
        Some("-0")
    } else {
        None
    }
}

/// Bytes written as a bare attachment index inside a tag.
struct Attachment<'a>(&'a Bytes);

impl Serialize for Attachment<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(ATTACHMENT_TOKEN, &RawBytes(self.0))
    }
}

/// Bytes that serialize as bytes (not as a sequence of numbers).
struct RawBytes<'a>(&'a [u8]);

impl Serialize for RawBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(self.0)
    }
}

/// Serializes a structured-clone-only [`Value`] as its tag.
pub(crate) fn serialize_tagged<S: Serializer>(v: &Value, s: S) -> Result<S::Ok, S::Error> {
    let mut st = s.serialize_struct(TAG_TOKEN, 2)?;
    match v {
        Value::BigInt(d) => {
            st.serialize_field("tag", "bigint")?;
            st.serialize_field("body", d)?;
        }
        Value::Date(d) => {
            st.serialize_field("tag", "date")?;
            // A JavaScript time value is a whole number of milliseconds: write it as the page
            // does ("0", not "0.0"), so a date sent back is the same section.
            let whole = d.0.is_finite() && d.0.fract() == 0.0 && d.0.abs() < 9.007e15;
            if whole {
                st.serialize_field("body", &(d.0 as i64))?;
            } else {
                st.serialize_field("body", &d.0.is_finite().then_some(d.0))?;
            }
        }
        Value::RegExp { source, flags } => {
            st.serialize_field("tag", "regexp")?;
            st.serialize_field("body", &(source, flags))?;
        }
        Value::Error { name, message } => {
            st.serialize_field("tag", "error")?;
            st.serialize_field("body", &(name, message))?;
        }
        Value::Map(m) => {
            st.serialize_field("tag", "map")?;
            st.serialize_field("body", m)?;
        }
        Value::Set(x) => {
            st.serialize_field("tag", "set")?;
            st.serialize_field("body", x)?;
        }
        Value::Typed(t) => {
            st.serialize_field("tag", "typed")?;
            st.serialize_field("body", &(t.kind.name(), Attachment(&t.bytes)))?;
        }
        Value::ArrayBuffer(b) => {
            st.serialize_field("tag", "arraybuffer")?;
            st.serialize_field("body", &Attachment(b))?;
        }
        Value::Ref(k) => {
            st.serialize_field("tag", "ref")?;
            st.serialize_field("body", k)?;
        }
        _ => unreachable!("only structured-clone-only values are tagged"),
    }
    st.end()
}

/// Reads one argument's JSON under structured-clone rules: tags become their values, and
/// every value is charged against the read's decoding budget as [`Value`]'s own reader does.
pub(crate) fn read_clone(json: &[u8], cx: &Ctx<'_>) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(json);
    let containers = Cell::new(0usize);
    let v = CloneSeed {
        cx,
        containers: &containers,
    }
    .deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// Reads one value; `containers` counts the containers entered so far, for `ref` tags.
#[derive(Clone, Copy)]
struct CloneSeed<'c, 'a> {
    cx: &'c Ctx<'a>,
    containers: &'c Cell<usize>,
}

fn over_budget<E: de::Error>() -> E {
    E::custom("the decoding budget of the argument is exhausted")
}

fn pay<E: de::Error>(n: usize) -> Result<(), E> {
    if charge(n) {
        Ok(())
    } else {
        Err(over_budget())
    }
}

/// The name of a tag key (`"\0date"` is `date`); user keys that start with NUL arrive
/// escaped with a second one, so they never look like tags.
fn tag_name(key: &str) -> Option<&str> {
    let name = key.strip_prefix('\0')?;
    (!name.is_empty() && !name.starts_with('\0')).then_some(name)
}

impl<'c, 'a> CloneSeed<'c, 'a> {
    fn enter_container(&self) {
        self.containers.set(self.containers.get() + 1);
    }

    fn fail<E: de::Error>(&self, message: String) -> E {
        self.cx.fail(message)
    }

    fn tag<'de, A: MapAccess<'de>>(self, name: &str, map: &mut A) -> Result<Value, A::Error> {
        Ok(match name {
            "bytes" => Value::Bytes(self.cx.take(map.next_value::<u64>()?)?),
            "undefined" => {
                map.next_value::<IgnoredAny>()?;
                Value::Undefined
            }
            "number" => match map.next_value::<Cow<'_, str>>()?.as_ref() {
                "NaN" => Value::Float(f64::NAN),
                "Infinity" => Value::Float(f64::INFINITY),
                "-Infinity" => Value::Float(f64::NEG_INFINITY),
                "-0" => Value::Float(-0.0),
                other => {
                    return Err(self.fail(format!(
                        "number tag {other:?} is not NaN, Infinity, -Infinity or -0"
                    )))
                }
            },
            "bigint" => {
                let digits = map.next_value::<String>()?;
                let body = digits.strip_prefix('-').unwrap_or(&digits);
                if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(self.fail(format!("bigint tag {digits:?} is not decimal digits")));
                }
                pay(digits.capacity())?;
                Value::BigInt(digits)
            }
            "date" => Value::Date(Date(map.next_value::<Option<f64>>()?.unwrap_or(f64::NAN))),
            "regexp" => {
                let (source, flags) = map.next_value::<(String, String)>()?;
                pay(source.capacity() + flags.capacity())?;
                Value::RegExp { source, flags }
            }
            "error" => {
                let (name, message) = map.next_value::<(String, String)>()?;
                pay(name.capacity() + message.capacity())?;
                Value::Error { name, message }
            }
            "map" => {
                self.enter_container();
                Value::Map(map.next_value_seed(Pairs(self))?)
            }
            "set" => {
                self.enter_container();
                Value::Set(map.next_value_seed(Elements(self))?)
            }
            "typed" => {
                let (kind, index) = map.next_value::<(Cow<'_, str>, u64)>()?;
                let Some(kind) = TypedKind::from_name(&kind) else {
                    return Err(self.fail(format!("typed tag names an unknown kind {kind:?}")));
                };
                let bytes = self.cx.take(index)?;
                let len = bytes.len();
                Value::Typed(TypedArray::new(kind, bytes).ok_or_else(|| {
                    self.fail(format!(
                        "a {} of {len} bytes is not a whole number of elements",
                        kind.name()
                    ))
                })?)
            }
            "arraybuffer" => Value::ArrayBuffer(self.cx.take(map.next_value::<u64>()?)?),
            "ref" => {
                let k = map.next_value::<u64>()?;
                let seen = self.containers.get();
                match usize::try_from(k).ok().filter(|k| *k < seen) {
                    Some(k) => Value::Ref(k),
                    None => {
                        return Err(self.fail(format!(
                            "ref tag points at container {k}, but only {seen} came before it"
                        )))
                    }
                }
            }
            other => return Err(self.fail(format!("unknown tag {other:?}"))),
        })
    }
}

impl<'de> DeserializeSeed<'de> for CloneSeed<'_, '_> {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for CloneSeed<'_, '_> {
    type Value = Value;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a structured-clone value")
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
        // JSON text holds finite numbers only.
        Ok(serde_json::Number::from_f64(v)
            .map(Value::Number)
            .unwrap_or(Value::Float(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        pay(v.len())?;
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        pay(v.capacity())?;
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Value, A::Error> {
        self.enter_container();
        Elements(self).visit_seq(seq).map(Value::Array)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<Cow<'de, str>>()? else {
            self.enter_container();
            return Ok(Value::Object(Default::default()));
        };
        if let Some(name) = tag_name(&first) {
            let v = self.tag(name, &mut map)?;
            if map.next_key::<IgnoredAny>()?.is_some() {
                return Err(self.fail(format!("the {name} tag has a second key")));
            }
            return Ok(v);
        }
        self.enter_container();
        let mut object = std::collections::BTreeMap::new();
        let mut key = Some(first);
        let mut entries = 0usize;
        while let Some(k) = key {
            let k = self.cx.unescape(k).into_owned();
            let node = if entries % 5 == 0 {
                crate::value::NODE_COST
            } else {
                0
            };
            pay(k.capacity() + node)?;
            entries += 1;
            let v = map.next_value_seed(self)?;
            object.insert(k, v);
            key = map.next_key::<Cow<'de, str>>()?;
        }
        Ok(Value::Object(object))
    }
}

/// The body of an array or a set tag: values, each read with the same rules.
struct Elements<'c, 'a>(CloneSeed<'c, 'a>);

impl<'de> DeserializeSeed<'de> for Elements<'_, '_> {
    type Value = Vec<Value>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Vec<Value>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Elements<'_, '_> {
    type Value = Vec<Value>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of values")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Value>, A::Error> {
        let mut out = Vec::new();
        while let Some(x) = seq.next_element_seed(self.0)? {
            let before = out.capacity();
            out.push(x);
            pay((out.capacity() - before) * std::mem::size_of::<Value>())?;
        }
        Ok(out)
    }
}

/// The body of a map tag: `[key, value]` pairs.
struct Pairs<'c, 'a>(CloneSeed<'c, 'a>);

impl<'de> DeserializeSeed<'de> for Pairs<'_, '_> {
    type Value = Vec<(Value, Value)>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Pairs<'_, '_> {
    type Value = Vec<(Value, Value)>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of [key, value] pairs")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(pair) = seq.next_element_seed(Pair(self.0))? {
            let before = out.capacity();
            out.push(pair);
            pay((out.capacity() - before) * 2 * std::mem::size_of::<Value>())?;
        }
        Ok(out)
    }
}

struct Pair<'c, 'a>(CloneSeed<'c, 'a>);

impl<'de> DeserializeSeed<'de> for Pair<'_, '_> {
    type Value = (Value, Value);
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Pair<'_, '_> {
    type Value = (Value, Value);
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a [key, value] pair")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let short = || de::Error::custom("a map entry is not a [key, value] pair");
        let k = seq.next_element_seed(self.0)?.ok_or_else(short)?;
        let v = seq.next_element_seed(self.0)?.ok_or_else(short)?;
        if seq.next_element::<IgnoredAny>()?.is_some() {
            return Err(short());
        }
        Ok((k, v))
    }
}
