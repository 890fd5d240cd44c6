//! Reading wire JSON (byte markers, escaped keys) without an intermediate tree.
//!
//! [`WireDe`] wraps serde_json's deserializer and hands the receiver's type the value the
//! JSON stands for: a marker object `{"\u0000bytes": n}` arrives as attachment `n`, and with
//! escaped keys one leading NUL is taken off every key that has it. Nothing is built that the
//! receiver's type does not build itself, so a typed read costs what that type costs.
//! [`check`] walks the same JSON and builds nothing at all: it is what `validate` runs before
//! main relays a message.
//!
//! Attachments are handed out once each: no encoder references an attachment twice, and a
//! message that does would make every reference a copy (one attachment referenced 256 times
//! is 256 copies).

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::marker::PhantomData;

use bytes::Bytes;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, Visitor};

use crate::args::BYTES_MARKER;
use crate::WireError;

/// What a decoding run shares across the values it reads: the attachments, which of them were
/// handed out, and the first protocol error found (serde's errors carry only text).
pub(crate) struct Ctx<'a> {
    attachment: &'a dyn Fn(usize) -> Option<Bytes>,
    count: usize,
    escaped: bool,
    used: RefCell<Vec<u64>>,
    error: RefCell<Option<WireError>>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        attachment: &'a dyn Fn(usize) -> Option<Bytes>,
        count: usize,
        escaped: bool,
    ) -> Self {
        Ctx {
            attachment,
            count,
            escaped,
            used: RefCell::new(Vec::new()),
            error: RefCell::new(None),
        }
    }

    /// Records a protocol error and returns serde's form of it.
    pub(crate) fn fail<E: de::Error>(&self, message: String) -> E {
        let e = E::custom(&message);
        self.error
            .borrow_mut()
            .get_or_insert(WireError::MalformedArgs(message));
        e
    }

    /// The protocol error found during the run, if any.
    pub(crate) fn take_error(&self) -> Option<WireError> {
        self.error.borrow_mut().take()
    }

    /// Attachment `index` for a marker, refusing indices out of range and second references.
    pub(crate) fn take<E: de::Error>(&self, index: u64) -> Result<Bytes, E> {
        let i = usize::try_from(index).ok().filter(|i| *i < self.count);
        let Some(i) = i else {
            return Err(self.fail(format!(
                "byte marker points at missing attachment {index} (the message has {})",
                self.count
            )));
        };
        let mut used = self.used.borrow_mut();
        if used.is_empty() {
            // One bit per attachment; only messages with markers pay for it.
            used.resize(self.count.div_ceil(64), 0);
        }
        let (word, bit) = (i / 64, 1u64 << (i % 64));
        if used[word] & bit != 0 {
            drop(used);
            return Err(self.fail(format!("attachment {i} is referenced more than once")));
        }
        used[word] |= bit;
        drop(used);
        (self.attachment)(i).ok_or_else(|| self.fail(format!("attachment {i} is missing")))
    }

    /// Fails if some attachment was never referenced (call after reading every argument).
    pub(crate) fn check_all_used(&self) -> Result<(), WireError> {
        let used = self.used.borrow();
        let unused =
            (0..self.count).find(|i| used.get(i / 64).is_none_or(|w| w & (1 << (i % 64)) == 0));
        match unused {
            Some(i) => Err(WireError::MalformedArgs(format!(
                "attachment {i} of {} is not referenced by any argument",
                self.count
            ))),
            None => Ok(()),
        }
    }

    pub(crate) fn unescape<'de>(&self, key: Cow<'de, str>) -> Cow<'de, str> {
        if !self.escaped || !key.starts_with('\0') {
            return key;
        }
        match key {
            Cow::Borrowed(k) => Cow::Borrowed(&k[1..]),
            Cow::Owned(mut k) => {
                k.remove(0);
                Cow::Owned(k)
            }
        }
    }
}

thread_local! {
    /// The attachment being handed to a visitor right now, so that [`crate::Value`]'s visitor
    /// can keep a slice of the received buffer instead of copying the `&[u8]` it is given.
    static HANDED_OUT: RefCell<Option<Bytes>> = const { RefCell::new(None) };
}

/// The received buffer behind `v`, if `v` is exactly the attachment being handed out.
pub(crate) fn shared_attachment(v: &[u8]) -> Option<Bytes> {
    HANDED_OUT.with(|h| {
        h.borrow()
            .as_ref()
            .filter(|b| b.as_ptr() == v.as_ptr() && b.len() == v.len())
            .cloned()
    })
}

/// Gives `bytes` to `visit` with [`shared_attachment`] able to find them.
pub(crate) fn hand_out<R>(bytes: Bytes, visit: impl FnOnce(&[u8]) -> R) -> R {
    struct Clear;
    impl Drop for Clear {
        fn drop(&mut self) {
            HANDED_OUT.with(|h| h.borrow_mut().take());
        }
    }
    let view = bytes.clone();
    HANDED_OUT.with(|h| *h.borrow_mut() = Some(bytes));
    let _clear = Clear;
    visit(&view)
}

// ---------------------------------------------------------------------------------------------
// The decoding budget of `Value`.

thread_local! {
    /// Bytes a `Value` being decoded on this thread may still take, when a budget is set.
    static BUDGET: Cell<Option<usize>> = const { Cell::new(None) };
    /// Whether the budget ran out since it was set.
    static OVER: Cell<bool> = const { Cell::new(false) };
}

/// Sets the `Value` budget of this thread until dropped (then restores the previous one).
pub(crate) struct BudgetScope {
    previous: Option<usize>,
    previous_over: bool,
}

impl BudgetScope {
    pub(crate) fn enter(limit: usize) -> Self {
        BudgetScope {
            previous: BUDGET.with(|b| b.replace(Some(limit))),
            previous_over: OVER.with(|o| o.replace(false)),
        }
    }

    /// Whether a `Value` decoded in this scope ran out of budget.
    pub(crate) fn exceeded(&self) -> bool {
        OVER.with(Cell::get)
    }
}

impl Drop for BudgetScope {
    fn drop(&mut self) {
        BUDGET.with(|b| b.set(self.previous));
        OVER.with(|o| o.set(self.previous_over));
    }
}

/// Takes `n` bytes from the budget; `false` once it has run out. Without a budget (a `Value`
/// read from the caller's own JSON, say) everything is allowed.
pub(crate) fn charge(n: usize) -> bool {
    BUDGET.with(|b| match b.get() {
        None => true,
        Some(left) if left >= n => {
            b.set(Some(left - n));
            true
        }
        Some(_) => {
            OVER.with(|o| o.set(true));
            false
        }
    })
}

// ---------------------------------------------------------------------------------------------
// The wrapping deserializer.

/// How the receiver asked for a value, where a byte marker can stand in for it.
#[derive(Clone, Copy, PartialEq)]
enum Want {
    Other,
    /// A sequence: bytes are handed over one `u8` at a time (`Vec<u8>` without serde_bytes).
    Seq,
}

/// serde_json's deserializer (`D`) seen through the wire rules.
pub(crate) struct WireDe<'c, 'a, D> {
    pub(crate) de: D,
    pub(crate) cx: &'c Ctx<'a>,
}

struct Wrap<'c, 'a, V> {
    v: V,
    cx: &'c Ctx<'a>,
    want: Want,
}

macro_rules! forward {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
            self.de.$method(Wrap { v, cx: self.cx, want: Want::Other })
        }
    )*};
}

impl<'de, 'c, 'a, D: Deserializer<'de>> Deserializer<'de> for WireDe<'c, 'a, D> {
    type Error = D::Error;

    forward!(
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_unit,
        deserialize_identifier,
        deserialize_ignored_any,
        deserialize_option,
        deserialize_map
    );

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_any(Wrap {
            v,
            cx: self.cx,
            want: Want::Other,
        })
    }
    // A marker object stands in for bytes: these look at what the JSON holds.
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.deserialize_any(v)
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.deserialize_any(v)
    }
    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_any(Wrap {
            v,
            cx: self.cx,
            want: Want::Seq,
        })
    }
    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple(
            len,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_tuple_struct(
            name,
            len,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_unit_struct(
            name,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, D::Error> {
        if name == crate::ser::RAW_VALUE_TOKEN {
            // Raw text would hold the markers and escapes themselves, not the value.
            return Err(self.cx.fail(
                "a raw JSON value cannot be read from an argument that holds bytes or \
                 NUL-escaped keys"
                    .into(),
            ));
        }
        self.de.deserialize_newtype_struct(
            name,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_struct(
            name,
            fields,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, D::Error> {
        self.de.deserialize_enum(
            name,
            variants,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! pass {
    ($($method:ident($t:ty)),*) => {$(
        fn $method<E: de::Error>(self, x: $t) -> Result<V::Value, E> {
            self.v.$method(x)
        }
    )*};
}

impl<'de, 'c, 'a, V: Visitor<'de>> Visitor<'de> for Wrap<'c, 'a, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.v.expecting(f)
    }

    pass!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_f64(f64),
        visit_char(char),
        visit_str(&str),
        visit_borrowed_str(&'de str),
        visit_string(String),
        visit_bytes(&[u8]),
        visit_borrowed_bytes(&'de [u8]),
        visit_byte_buf(Vec<u8>)
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.v.visit_none()
    }
    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.v.visit_unit()
    }
    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.v.visit_some(WireDe { de: d, cx: self.cx })
    }
    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.v.visit_newtype_struct(WireDe { de: d, cx: self.cx })
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.v.visit_seq(WireSeq { seq, cx: self.cx })
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<V::Value, A::Error> {
        let Some(first) = map.next_key_seed(CaptureKey)? else {
            return self.v.visit_map(WireMap {
                map,
                cx: self.cx,
                first: None,
                ended: true,
            });
        };
        if first != BYTES_MARKER {
            return self.v.visit_map(WireMap {
                map,
                cx: self.cx,
                first: Some(first),
                ended: false,
            });
        }
        let index = map.next_value_seed(MarkerIndex(self.cx))?;
        if map.next_key::<IgnoredAny>()?.is_some() {
            return Err(self.cx.fail("a byte marker object has other keys".into()));
        }
        let bytes = self.cx.take(index)?;
        if self.want == Want::Seq {
            return self
                .v
                .visit_seq(de::value::SeqDeserializer::new(bytes.iter().copied()));
        }
        hand_out(bytes, |b| self.v.visit_bytes(b))
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.v.visit_enum(WireEnum { data, cx: self.cx })
    }
}

/// Deserializes with the wire rules applied.
struct WireSeed<'c, 'a, S> {
    seed: S,
    cx: &'c Ctx<'a>,
}

impl<'de, 'c, 'a, S: DeserializeSeed<'de>> DeserializeSeed<'de> for WireSeed<'c, 'a, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.seed.deserialize(WireDe { de: d, cx: self.cx })
    }
}

struct WireSeq<'c, 'a, A> {
    seq: A,
    cx: &'c Ctx<'a>,
}

impl<'de, A: de::SeqAccess<'de>> de::SeqAccess<'de> for WireSeq<'_, '_, A> {
    type Error = A::Error;
    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.seq.next_element_seed(WireSeed { seed, cx: self.cx })
    }
    fn size_hint(&self) -> Option<usize> {
        self.seq.size_hint()
    }
}

struct WireMap<'c, 'a, 'de, A> {
    map: A,
    cx: &'c Ctx<'a>,
    /// The first key, read to tell a marker from an object.
    first: Option<Cow<'de, str>>,
    ended: bool,
}

impl<'de, A: de::MapAccess<'de>> de::MapAccess<'de> for WireMap<'_, '_, 'de, A> {
    type Error = A::Error;
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        if self.ended {
            return Ok(None);
        }
        let key = match self.first.take() {
            Some(k) => k,
            None => match self.map.next_key_seed(CaptureKey)? {
                Some(k) => k,
                None => {
                    self.ended = true;
                    return Ok(None);
                }
            },
        };
        seed.deserialize(KeyDe::<A::Error>::new(self.cx.unescape(key)))
            .map(Some)
    }
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(WireSeed { seed, cx: self.cx })
    }
    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

struct WireEnum<'c, 'a, A> {
    data: A,
    cx: &'c Ctx<'a>,
}

impl<'de, 'c, 'a, A: de::EnumAccess<'de>> de::EnumAccess<'de> for WireEnum<'c, 'a, A> {
    type Error = A::Error;
    type Variant = WireVariant<'c, 'a, A::Variant>;
    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.data.variant_seed(UnescapedKey { seed, cx: self.cx })?;
        Ok((
            value,
            WireVariant {
                variant,
                cx: self.cx,
            },
        ))
    }
}

struct WireVariant<'c, 'a, A> {
    variant: A,
    cx: &'c Ctx<'a>,
}

impl<'de, A: de::VariantAccess<'de>> de::VariantAccess<'de> for WireVariant<'_, '_, A> {
    type Error = A::Error;
    fn unit_variant(self) -> Result<(), A::Error> {
        self.variant.unit_variant()
    }
    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.variant
            .newtype_variant_seed(WireSeed { seed, cx: self.cx })
    }
    fn tuple_variant<V: Visitor<'de>>(self, len: usize, v: V) -> Result<V::Value, A::Error> {
        self.variant.tuple_variant(
            len,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, A::Error> {
        self.variant.struct_variant(
            fields,
            Wrap {
                v,
                cx: self.cx,
                want: Want::Other,
            },
        )
    }
}

/// Reads a key as text (borrowed from the input when it has no escapes).
struct CaptureKey;

impl<'de> DeserializeSeed<'de> for CaptureKey {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Cow<'de, str>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_borrowed_str<E>(self, s: &'de str) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Borrowed(s))
            }
            fn visit_str<E>(self, s: &str) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Owned(s.to_owned()))
            }
            fn visit_string<E>(self, s: String) -> Result<Cow<'de, str>, E> {
                Ok(Cow::Owned(s))
            }
        }
        d.deserialize_str(V)
    }
}

/// A variant name, unescaped, handed to the receiver's seed.
struct UnescapedKey<'c, 'a, S> {
    seed: S,
    cx: &'c Ctx<'a>,
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for UnescapedKey<'_, '_, S> {
    type Value = S::Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        let key = CaptureKey.deserialize(d)?;
        self.seed
            .deserialize(KeyDe::<D::Error>::new(self.cx.unescape(key)))
    }
}

/// The value of a marker: an attachment index.
struct MarkerIndex<'c, 'a>(&'c Ctx<'a>);

impl<'de> DeserializeSeed<'de> for MarkerIndex<'_, '_> {
    type Value = u64;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<u64, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<u64>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an attachment index")
            }
            fn visit_u64<E>(self, i: u64) -> Result<Option<u64>, E> {
                Ok(Some(i))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_f64<E>(self, _: f64) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_bool<E>(self, _: bool) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_str<E>(self, _: &str) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_unit<E>(self) -> Result<Option<u64>, E> {
                Ok(None)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<Option<u64>, A::Error> {
                while a.next_element::<IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<Option<u64>, A::Error> {
                while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        }
        let cx = self.0;
        match d.deserialize_any(V)? {
            Some(i) => Ok(i),
            None => Err(cx.fail("byte marker is not an index".into())),
        }
    }
}

/// An object key handed to the receiver: its text, or a number or boolean parsed from it when
/// the receiver asks for one (`HashMap<u32, _>`), as serde_json does.
struct KeyDe<'de, E> {
    key: Cow<'de, str>,
    error: PhantomData<E>,
}

impl<'de, E> KeyDe<'de, E> {
    fn new(key: Cow<'de, str>) -> Self {
        KeyDe {
            key,
            error: PhantomData,
        }
    }
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
            match self.key.parse() {
                Ok(x) => v.$visit(x),
                Err(_) => self.deserialize_any(v),
            }
        }
    )*};
}

impl<'de, E: de::Error> Deserializer<'de> for KeyDe<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        match self.key {
            Cow::Borrowed(k) => v.visit_borrowed_str(k),
            Cow::Owned(k) => v.visit_string(k),
        }
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

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, E> {
        v.visit_some(self)
    }
    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, E> {
        v.visit_newtype_struct(self)
    }
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, E> {
        use de::IntoDeserializer;
        match self.key {
            Cow::Borrowed(k) => v.visit_enum(k.into_deserializer()),
            Cow::Owned(k) => v.visit_enum(k.into_deserializer()),
        }
    }

    serde::forward_to_deserialize_any! {
        f32 f64 char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map
        struct identifier ignored_any
    }
}

// ---------------------------------------------------------------------------------------------
// Validation: the same walk, building nothing.

/// Walks one value, checking its markers against `cx`. Allocates nothing but serde_json's
/// scratch for keys with escapes.
pub(crate) struct Check<'c, 'a>(pub(crate) &'c Ctx<'a>);

impl<'de> DeserializeSeed<'de> for Check<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Check<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        while a.next_element_seed(Check(self.0))?.is_some() {}
        Ok(())
    }
    fn visit_map<A: de::MapAccess<'de>>(self, mut a: A) -> Result<(), A::Error> {
        let Some(first) = a.next_key_seed(IsMarker)? else {
            return Ok(());
        };
        if first {
            let index = a.next_value_seed(MarkerIndex(self.0))?;
            if a.next_key::<IgnoredAny>()?.is_some() {
                return Err(self.0.fail("a byte marker object has other keys".into()));
            }
            self.0.take::<A::Error>(index)?;
            return Ok(());
        }
        a.next_value_seed(Check(self.0))?;
        while a.next_key::<IgnoredAny>()?.is_some() {
            a.next_value_seed(Check(self.0))?;
        }
        Ok(())
    }
}

/// Whether a key is the byte marker, without keeping it.
struct IsMarker;

impl<'de> DeserializeSeed<'de> for IsMarker {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = bool;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string key")
            }
            fn visit_str<E>(self, s: &str) -> Result<bool, E> {
                Ok(s == BYTES_MARKER)
            }
        }
        d.deserialize_str(V)
    }
}
