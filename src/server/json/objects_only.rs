//! A deserializer adapter that takes a struct only from a JSON object.
//!
//! serde's derived struct visitors also accept a sequence, filling the fields
//! in declaration order, so `["nosuch","pin","123456","assessment"]` would be
//! read as a login form. Requests name every field they carry; this adapter
//! refuses any other shape wherever a struct is expected: the body itself
//! and every struct nested in a field, an `Option`, a newtype or a list.
//! (Request types have no enums; an enum's struct variant is not gated.)
//!
//! The refusal is a custom error with a fixed text, so the message never
//! quotes what the client sent; the JSON deserializer adds the position.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// The error text when the body itself is not an object.
pub const BODY_NOT_OBJECT: &str = "the body must be a JSON object";
/// The error text when a nested value is not an object.
pub const FIELD_NOT_OBJECT: &str = "a field must be a JSON object";

/// Wraps a deserializer so that structs are read from maps only.
pub struct ObjectsOnly<D> {
    inner: D,
    nested: bool,
}

impl<D> ObjectsOnly<D> {
    /// The adapter for a whole request body.
    pub fn body(inner: D) -> Self {
        Self {
            inner,
            nested: false,
        }
    }

    fn nested(inner: D) -> Self {
        Self {
            inner,
            nested: true,
        }
    }
}

/// Forwards `deserialize_*` methods, wrapping the visitor so that anything
/// the value contains is gated too.
macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
                self.inner.$method($($arg,)* Contents(visitor))
            }
        )*
    };
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for ObjectsOnly<D> {
    type Error = D::Error;

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_any(ObjectGate {
            visitor,
            nested: self.nested,
        })
    }

    forward!(
        deserialize_any(),
        deserialize_bool(),
        deserialize_i8(),
        deserialize_i16(),
        deserialize_i32(),
        deserialize_i64(),
        deserialize_i128(),
        deserialize_u8(),
        deserialize_u16(),
        deserialize_u32(),
        deserialize_u64(),
        deserialize_u128(),
        deserialize_f32(),
        deserialize_f64(),
        deserialize_char(),
        deserialize_str(),
        deserialize_string(),
        deserialize_bytes(),
        deserialize_byte_buf(),
        deserialize_option(),
        deserialize_unit(),
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_seq(),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_map(),
        deserialize_identifier(),
        deserialize_ignored_any(),
    );

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// Where a struct is expected: a map goes to the struct's visitor, with its
/// values gated; every other shape is refused without quoting it.
struct ObjectGate<V> {
    visitor: V,
    nested: bool,
}

impl<V> ObjectGate<V> {
    fn refuse<E: de::Error, T>(&self) -> Result<T, E> {
        Err(E::custom(if self.nested {
            FIELD_NOT_OBJECT
        } else {
            BODY_NOT_OBJECT
        }))
    }
}

macro_rules! refuse {
    ($($method:ident($($ty:ty)?)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, $(_: $ty)?) -> Result<Self::Value, E> {
                self.refuse()
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectGate<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.visitor.visit_map(Entries(map))
    }

    refuse!(
        visit_bool(bool),
        visit_i64(i64),
        visit_i128(i128),
        visit_u64(u64),
        visit_u128(u128),
        visit_f64(f64),
        visit_str(&str),
        visit_bytes(&[u8]),
        visit_unit(),
        visit_none(),
    );

    fn visit_some<D: Deserializer<'de>>(self, _: D) -> Result<V::Value, D::Error> {
        self.refuse()
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, _: D) -> Result<V::Value, D::Error> {
        self.refuse()
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<V::Value, A::Error> {
        self.refuse()
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, _: A) -> Result<V::Value, A::Error> {
        self.refuse()
    }
}

/// A visitor for any value other than a struct: passes everything through,
/// gating what an option, newtype, list or map holds.
struct Contents<V>(V);

macro_rules! pass {
    ($($method:ident($ty:ty)),* $(,)?) => {
        $(
            fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
                self.0.$method(v)
            }
        )*
    };
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Contents<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.0.expecting(f)
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
        visit_byte_buf(Vec<u8>),
    );

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_some(ObjectsOnly::nested(d))
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        self.0.visit_newtype_struct(ObjectsOnly::nested(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Elements(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Entries(map))
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(data)
    }
}

/// The entries of a map or struct: keys as they are, values gated.
struct Entries<A>(A);

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Entries<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(seed)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.0.next_value_seed(Gated(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// The elements of a list, each gated.
struct Elements<A>(A);

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Elements<A> {
    type Error = A::Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, A::Error> {
        self.0.next_element_seed(Gated(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

/// A seed whose value is read through [`ObjectsOnly`].
struct Gated<S>(S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Gated<S> {
    type Value = S::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<S::Value, D::Error> {
        self.0.deserialize(ObjectsOnly::nested(d))
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Inner {
        a: u8,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Inner,
        maybe: Option<Inner>,
        list: Vec<Inner>,
        wrapped: Wrapped,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Wrapped(Inner);

    fn read<T: for<'de> Deserialize<'de>>(text: &str) -> Result<T, String> {
        let mut de = serde_json::Deserializer::from_str(text);
        T::deserialize(ObjectsOnly::body(&mut de)).map_err(|e| e.to_string())
    }

    const GOOD: &str =
        r#"{"name":"x","inner":{"a":1},"maybe":{"a":2},"list":[{"a":3}],"wrapped":{"a":4}}"#;

    #[test]
    fn objects_are_read_as_before() {
        let outer: Outer = read(GOOD).expect("valid");
        assert_eq!(outer.inner, Inner { a: 1 });
        assert_eq!(outer.maybe, Some(Inner { a: 2 }));
        assert_eq!(outer.list, vec![Inner { a: 3 }]);
        assert_eq!(outer.wrapped, Wrapped(Inner { a: 4 }));
        let none: Outer = read(&GOOD.replace(r#"{"a":2}"#, "null")).expect("null option");
        assert_eq!(none.maybe, None);
        // Plain serde_json takes the array form; the adapter is what refuses it.
        let plain: Inner = serde_json::from_str("[1]").expect("serde accepts arrays");
        assert_eq!(plain, Inner { a: 1 });
    }

    #[test]
    fn a_body_of_any_other_shape_is_refused_without_quoting_it() {
        for body in [
            r#"["x",{"a":1},null,[],{"a":4}]"#,
            r#""secret-value""#,
            "123456",
            "true",
            "null",
        ] {
            let error = read::<Outer>(body).expect_err(body);
            assert!(error.starts_with(BODY_NOT_OBJECT), "{body}: {error}");
            assert!(error.contains("line 1 column"), "{body}: {error}");
            for quoted in ["secret", "123456"] {
                assert!(!error.contains(quoted), "{body}: {error}");
            }
        }
    }

    #[test]
    fn nested_structs_must_be_objects_too() {
        for (from, to) in [
            (r#""inner":{"a":1}"#, r#""inner":[1]"#),
            (r#""maybe":{"a":2}"#, r#""maybe":[2]"#),
            (r#""list":[{"a":3}]"#, r#""list":[[3]]"#),
            (r#""wrapped":{"a":4}"#, r#""wrapped":[4]"#),
            (r#""inner":{"a":1}"#, r#""inner":"text""#),
        ] {
            let body = GOOD.replace(from, to);
            let error = read::<Outer>(&body).expect_err(&body);
            assert!(error.starts_with(FIELD_NOT_OBJECT), "{body}: {error}");
        }
    }
}
