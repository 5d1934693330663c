//! A tiny serializer that captures small plain data (strings, numbers, flags
//! and tuples of them) instead of writing it: how the serializer reads the
//! inner data of magic newtypes such as a global's `(module, name)`.

use serde::ser::{self, Impossible, Serialize};

use crate::error::{Error, Result};
use crate::shape_marker::{self, Magic};

/// What was captured.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Captured {
    Str(String),
    /// A big int's two's-complement little-endian bytes (see `value::ser::BigDigits`).
    Bytes(Vec<u8>),
    Int(i128),
    Float(f64),
    Bool(bool),
    Tuple(Vec<Captured>),
    /// A global (`Value::Global`, `py::Global`): module and name.
    Global(String, String),
}

impl Captured {
    pub(crate) fn into_str(self) -> Result<String> {
        match self {
            Captured::Str(s) => Ok(s),
            other => Err(invalid(&other)),
        }
    }

    pub(crate) fn into_pair(self) -> Result<(Captured, Captured)> {
        match self {
            Captured::Tuple(v) if v.len() == 2 => {
                let mut it = v.into_iter();
                match (it.next(), it.next()) {
                    (Some(a), Some(b)) => Ok((a, b)),
                    _ => Err(Error::message("expected a pair")),
                }
            }
            other => Err(invalid(&other)),
        }
    }

    /// The module and name of a global (not of a plain pair of strings).
    pub(crate) fn into_global(self) -> Result<(String, String)> {
        match self {
            Captured::Global(module, name) => Ok((module, name)),
            other => Err(invalid(&other)),
        }
    }

    pub(crate) fn as_f64(&self) -> Result<f64> {
        match *self {
            Captured::Float(f) => Ok(f),
            Captured::Int(i) => Ok(i as f64),
            ref other => Err(invalid(other)),
        }
    }

    pub(crate) fn as_bool(&self) -> Result<bool> {
        match *self {
            Captured::Bool(b) => Ok(b),
            ref other => Err(invalid(other)),
        }
    }
}

fn invalid(c: &Captured) -> Error {
    Error::message(format!("unexpected data in a serde_pickle magic value: {c:?}"))
}

fn unsupported(what: &str) -> Error {
    Error::message(format!("unexpected {what} in a serde_pickle magic value"))
}

/// Capture `value`.
pub(crate) fn capture<T: ?Sized + Serialize>(value: &T) -> Result<Captured> {
    value.serialize(Capture)
}

pub(crate) struct Capture;

pub(crate) struct CaptureTuple(Vec<Captured>);

impl ser::SerializeTuple for CaptureTuple {
    type Ok = Captured;
    type Error = Error;

    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.0.push(capture(value)?);
        Ok(())
    }

    fn end(self) -> Result<Captured> {
        Ok(Captured::Tuple(self.0))
    }
}

macro_rules! ints {
    ($($method:ident: $t:ty),*) => {$(
        fn $method(self, v: $t) -> Result<Captured> {
            Ok(Captured::Int(v as i128))
        }
    )*};
}

impl ser::Serializer for Capture {
    type Ok = Captured;
    type Error = Error;
    type SerializeSeq = Impossible<Captured, Error>;
    type SerializeTuple = CaptureTuple;
    type SerializeTupleStruct = Impossible<Captured, Error>;
    type SerializeTupleVariant = Impossible<Captured, Error>;
    type SerializeMap = Impossible<Captured, Error>;
    type SerializeStruct = Impossible<Captured, Error>;
    type SerializeStructVariant = Impossible<Captured, Error>;

    ints!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
          serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
          serialize_i128: i128);

    fn serialize_u128(self, v: u128) -> Result<Captured> {
        i128::try_from(v).map(Captured::Int).map_err(|_| unsupported("u128"))
    }

    fn serialize_bool(self, v: bool) -> Result<Captured> {
        Ok(Captured::Bool(v))
    }

    fn serialize_f32(self, v: f32) -> Result<Captured> {
        Ok(Captured::Float(f64::from(v)))
    }

    fn serialize_f64(self, v: f64) -> Result<Captured> {
        Ok(Captured::Float(v))
    }

    fn serialize_char(self, v: char) -> Result<Captured> {
        Ok(Captured::Str(v.to_string()))
    }

    fn serialize_str(self, v: &str) -> Result<Captured> {
        Ok(Captured::Str(v.to_owned()))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Captured> {
        Ok(Captured::Bytes(v.to_vec()))
    }

    /// Binary: a big int's payload comes as bytes, not decimal digits
    /// (converting to decimal and back is quadratic in the int's size).
    fn is_human_readable(&self) -> bool {
        false
    }

    fn serialize_none(self) -> Result<Captured> {
        Err(unsupported("None"))
    }

    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Captured> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Captured> {
        Err(unsupported("unit"))
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<Captured> {
        Err(unsupported("unit struct"))
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<Captured> {
        Ok(Captured::Str(v.to_owned()))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Captured> {
        // Only the magic shapes that are plain data pass through: a big
        // int's digits, a shared node's content, and a global (kept apart
        // from a pair of strings). Passing the others through lost them: a
        // persistent id of a persistent id of 1 captured as plain 1.
        match shape_marker::magic(name) {
            None | Some(Magic::BigInt | Magic::Shared) => value.serialize(self),
            Some(Magic::Global) => match value.serialize(self)?.into_pair()? {
                (Captured::Str(module), Captured::Str(name)) => Ok(Captured::Global(module, name)),
                _ => Err(Error::message("a global's module and name must be strings")),
            },
            Some(_) => Err(unsupported(name.trim_start_matches("$serde_pickle::"))),
        }
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Captured> {
        Err(unsupported("enum"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(unsupported("sequence"))
    }

    fn serialize_tuple(self, len: usize) -> Result<CaptureTuple> {
        Ok(CaptureTuple(Vec::with_capacity(len.min(16))))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(unsupported("tuple struct"))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(unsupported("enum"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(unsupported("map"))
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(unsupported("struct"))
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(unsupported("enum"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_a_pair_of_strings() {
        let (a, b) = capture(&("mod", "name")).unwrap().into_pair().unwrap();
        assert_eq!((a.into_str().unwrap(), b.into_str().unwrap()), ("mod".into(), "name".into()));
    }

    #[test]
    fn rejects_sequences() {
        assert!(capture(&vec![1]).is_err());
    }
}
