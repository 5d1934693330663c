//! `Deserialize for Value`, and [`from_value`].
//!
//! From this crate's own deserializer a `Value` is built straight from the
//! VM's arena, keeping tuples, sets, globals, objects and shared references
//! (a private newtype name asks for it). From any other serde format (JSON,
//! say) it is built from the data model: sequences become lists, maps dicts.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, Deserialize, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Dict, Value};
use crate::error::Result;

thread_local! {
    /// The value our deserializer hands to `ValueVisitor` (see `deliver`).
    static HANDOFF: RefCell<Option<Value>> = const { RefCell::new(None) };
}

/// Pass a fully built `Value` to a visitor that asked for one through the
/// private newtype name. Only `ValueVisitor` takes it; any other visitor sees
/// a unit and the slot is cleared.
pub(crate) fn deliver<'de, V: Visitor<'de>>(value: Value, visitor: V) -> Result<V::Value> {
    HANDOFF.with(|h| *h.borrow_mut() = Some(value));
    let out = visitor.visit_newtype_struct(de::value::UnitDeserializer::<crate::Error>::new());
    HANDOFF.with(|h| h.borrow_mut().take());
    out
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Value, D::Error> {
        deserializer.deserialize_newtype_struct(crate::shape_marker::VALUE, ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Value, D::Error> {
        if let Some(v) = HANDOFF.with(|h| h.borrow_mut().take()) {
            return Ok(v);
        }
        d.deserialize_any(ValueVisitor)
    }

    fn visit_bool<E>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::BigInt(v.into()), Value::Int))
    }

    fn visit_i128<E>(self, v: i128) -> std::result::Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::BigInt(v.into()), Value::Int))
    }

    fn visit_u128<E>(self, v: u128) -> std::result::Result<Value, E> {
        Ok(i64::try_from(v).map_or_else(|_| Value::BigInt(v.into()), Value::Int))
    }

    fn visit_f64<E>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::Str(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::Str(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> std::result::Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> std::result::Result<Value, E> {
        Ok(Value::Bytes(v))
    }

    fn visit_none<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_unit<E>(self) -> std::result::Result<Value, E> {
        Ok(Value::None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> std::result::Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::List(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut pairs = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(kv) = map.next_entry()? {
            pairs.push(kv);
        }
        Ok(Value::Dict(Dict::from_pairs(pairs)))
    }
}

/// Convert a [`Value`] into any `T: Deserialize`, as reading the pickle of
/// that value would (a class instance reads as its state, a `datetime` as
/// ISO text...), but straight from the value: no bytes in between and none
/// of the reading limits, only a bound of 1024 nested containers (the
/// writer's too). A `Value` target gets the value itself, moved.
///
/// ```
/// use serde_pickle::{from_value, Value};
/// let v = Value::Tuple(vec![Value::Int(1), Value::Str("a".into())]);
/// let t: (u8, String) = from_value(v).unwrap();
/// assert_eq!(t, (1, "a".to_string()));
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T> {
    T::deserialize(value)
}
