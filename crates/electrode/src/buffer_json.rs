//! A `sendSync` answer for a web page, written the way Electron 1.7.8 wrote `returnValue`
//! (`JSON.stringify`): byte values (anything serialized with `serialize_bytes`, such as
//! [`Value::Bytes`](crate::Value) or `bytes::Bytes`) become a Buffer's
//! `{"type":"Buffer","data":[...]}`. Everything else is forwarded to `serde_json` unchanged.
//! Rust renderers get plain `serde_json` (bytes as a number array), which decodes into
//! `Vec<u8>`.

use serde::ser::{
    Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant, SerializeTuple,
    SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

/// `value` as JSON, byte values in the Buffer shape.
pub(crate) fn to_vec<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut out = Vec::new();
    Shaped(value).serialize(&mut serde_json::Serializer::new(&mut out))?;
    Ok(out)
}

struct Shaped<'a, T: ?Sized>(&'a T);

impl<T: Serialize + ?Sized> Serialize for Shaped<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Shaper(s))
    }
}

/// Forwards to the inner serializer, wrapping nested values so the shaping reaches them.
struct Shaper<S>(S);

macro_rules! forward {
    ($($f:ident($t:ty)),* $(,)?) => {
        $(fn $f(self, v: $t) -> Result<S::Ok, S::Error> { self.0.$f(v) })*
    };
}

impl<S: Serializer> Serializer for Shaper<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Shaper<S::SerializeSeq>;
    type SerializeTuple = Shaper<S::SerializeTuple>;
    type SerializeTupleStruct = Shaper<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Shaper<S::SerializeTupleVariant>;
    type SerializeMap = Shaper<S::SerializeMap>;
    type SerializeStruct = Shaper<S::SerializeStruct>;
    type SerializeStructVariant = Shaper<S::SerializeStructVariant>;

    forward!(
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
        serialize_unit_struct(&'static str),
    );

    fn serialize_bytes(self, v: &[u8]) -> Result<S::Ok, S::Error> {
        let mut st = self.0.serialize_struct("Buffer", 2)?;
        st.serialize_field("type", "Buffer")?;
        st.serialize_field("data", v)?;
        st.end()
    }
    fn serialize_none(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_none()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&Shaped(v))
    }
    fn serialize_unit(self) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_unit_variant(name, index, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &Shaped(v))
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &Shaped(v))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Shaper)
    }
    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Shaper)
    }
    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Shaper)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Shaper)
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        self.0.serialize_map(len).map(Shaper)
    }
    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Shaper)
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Shaper)
    }
    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

macro_rules! compound {
    ($tr:ident, $f:ident) => {
        impl<S: $tr> $tr for Shaper<S> {
            type Ok = S::Ok;
            type Error = S::Error;
            fn $f<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
                self.0.$f(&Shaped(v))
            }
            fn end(self) -> Result<S::Ok, S::Error> {
                self.0.end()
            }
        }
    };
}

compound!(SerializeSeq, serialize_element);
compound!(SerializeTuple, serialize_element);
compound!(SerializeTupleStruct, serialize_field);
compound!(SerializeTupleVariant, serialize_field);

impl<S: SerializeMap> SerializeMap for Shaper<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), S::Error> {
        self.0.serialize_key(k)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), S::Error> {
        self.0.serialize_value(&Shaped(v))
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: SerializeStruct> SerializeStruct for Shaper<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), S::Error> {
        self.0.serialize_field(key, &Shaped(v))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

impl<S: SerializeStructVariant> SerializeStructVariant for Shaper<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        v: &T,
    ) -> Result<(), S::Error> {
        self.0.serialize_field(key, &Shaped(v))
    }
    fn skip_field(&mut self, key: &'static str) -> Result<(), S::Error> {
        self.0.skip_field(key)
    }
    fn end(self) -> Result<S::Ok, S::Error> {
        self.0.end()
    }
}

#[cfg(test)]
mod tests {
    use super::to_vec;
    use crate::Value;
    use bytes::Bytes;

    #[test]
    fn bytes_take_the_buffer_shape_at_any_depth_and_the_rest_is_serde_json() {
        let b = Bytes::from_static(&[1, 2, 3]);
        let text = |v: &dyn erased::Ser| String::from_utf8(v.go()).unwrap();
        assert_eq!(text(&b), r#"{"type":"Buffer","data":[1,2,3]}"#);
        assert_eq!(
            text(&Value::Bytes(Bytes::new())),
            r#"{"type":"Buffer","data":[]}"#
        );
        let nested = serde_json::json!({ "n": 1.5, "s": "x", "a": [null, true] });
        assert_eq!(text(&nested), serde_json::to_string(&nested).unwrap());
        assert_eq!(
            text(&(Some(b.clone()), vec![b.clone()], vec![1u8, 2])),
            r#"[{"type":"Buffer","data":[1,2,3]},[{"type":"Buffer","data":[1,2,3]}],[1,2]]"#
        );
        let obj = Value::Object([("k".to_string(), Value::Bytes(b))].into_iter().collect());
        assert_eq!(text(&obj), r#"{"k":{"type":"Buffer","data":[1,2,3]}}"#);
    }

    mod erased {
        pub trait Ser {
            fn go(&self) -> Vec<u8>;
        }
        impl<T: serde::Serialize> Ser for T {
            fn go(&self) -> Vec<u8> {
                super::to_vec(self).unwrap()
            }
        }
    }
}
