//! Writing a [`Value`]: `impl Serialize for Value`, and [`to_value`].
//!
//! A `Value` goes through the same [`crate::Serializer`] as typed data.
//! Python shapes serde has no word for are magic newtypes (see
//! `src/shape_marker.rs`), so other formats see plain data: a set is a sequence, a
//! global a `[module, name]` pair, an object a struct of its parts, a shared
//! node just its content (a cycle is an error there).

use std::cell::RefCell;

use serde::ser::{
    Error as _, Serialize, SerializeMap, SerializeStruct, SerializeTuple, Serializer,
};

use super::{Object, ObjectKind, Shared, Value};
use crate::error::Result;
use crate::shape_marker::{self, Hint};

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Only the common kinds here: this function is on the stack once per
        // nesting level, so its frame is kept small (see `special`).
        match self {
            Value::None => s.serialize_none(),
            Value::Bool(b) => s.serialize_bool(*b),
            Value::Int(i) => s.serialize_i64(*i),
            Value::Float(f) => s.serialize_f64(*f),
            Value::Str(st) => s.serialize_str(st),
            Value::Bytes(b) => s.serialize_bytes(b),
            Value::List(items) => s.collect_seq(items),
            Value::Tuple(items) => TupleOf(items).serialize(s),
            Value::Dict(d) => Pairs(d.as_slice()).serialize(s),
            _ => special(self, s),
        }
    }
}

/// A big int's payload: decimal digits for human-readable formats
/// (serde_json writes `"1234…"`), two's-complement little-endian bytes for
/// binary ones, this crate's among them (LONG1/LONG4 take those bytes as
/// they are; decimal would cost time quadratic in the int's size).
struct BigDigits<'a>(&'a num_bigint::BigInt);

impl Serialize for BigDigits<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if s.is_human_readable() {
            s.collect_str(self.0)
        } else {
            s.serialize_bytes(&self.0.to_signed_bytes_le())
        }
    }
}

/// The kinds written as magic newtypes (see `src/shape_marker.rs`).
#[inline(never)]
fn special<S: Serializer>(value: &Value, s: S) -> Result<S::Ok, S::Error> {
    match value {
        Value::BigInt(n) => {
            if let Ok(i) = i128::try_from(n) {
                s.serialize_i128(i)
            } else if let Ok(u) = u128::try_from(n) {
                s.serialize_u128(u)
            } else {
                s.serialize_newtype_struct(shape_marker::BIGINT, &BigDigits(n))
            }
        }
        Value::Complex(re, im) => s.serialize_newtype_struct(shape_marker::COMPLEX, &(re, im)),
        Value::SurrogateStr(b) => match std::str::from_utf8(b) {
            Ok(st) => s.serialize_str(st),
            Err(_) => {
                s.serialize_newtype_struct(shape_marker::SURROGATE_STR, serde_bytes::Bytes::new(b))
            }
        },
        Value::ByteArray(b) => {
            s.serialize_newtype_struct(shape_marker::BYTEARRAY, serde_bytes::Bytes::new(b))
        }
        Value::Set(items) => s.serialize_newtype_struct(shape_marker::SET, items),
        Value::FrozenSet(items) => s.serialize_newtype_struct(shape_marker::FROZENSET, items),
        Value::Global(g) => {
            s.serialize_newtype_struct(shape_marker::GLOBAL, &(g.module.as_str(), g.name.as_str()))
        }
        Value::Object(o) => {
            // A plain class has no items: with them it is written as NEWOBJ
            // is (see `src/ser/object.rs`).
            let kind = match o.kind {
                ObjectKind::Plain if !o.list_items.is_empty() || !o.dict_items.is_empty() => {
                    ObjectKind::NewObj
                }
                k => k,
            };
            shape_marker::set_hint(Hint::Object(kind, o.args.len()));
            s.serialize_newtype_struct(shape_marker::OBJECT, &ObjectParts(o))
        }
        Value::Buffer { index, readonly } => {
            s.serialize_newtype_struct(shape_marker::BUFFER, &(*index as u64, *readonly))
        }
        Value::PersistentId(id) => s.serialize_newtype_struct(shape_marker::PERSID, id.as_ref()),
        Value::Shared(node) => {
            // A chain of nodes holding nodes is one Python object: the last node.
            let node = node.innermost().ok_or_else(|| {
                S::Error::custom("a chain of Value::Shared nodes loops on itself")
            })?;
            shape_marker::set_hint(Hint::Shared(node.id()));
            s.serialize_newtype_struct(shape_marker::SHARED, &SharedContent(node))
        }
        // The common kinds, should they come here.
        other => other.serialize(s),
    }
}

thread_local! {
    /// Shared nodes being written by a serializer of another format.
    static FOREIGN_PATH: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// The content of a shared node. This crate's serializer memoizes the node
/// (and so handles cycles); for any other serializer, a node met again
/// inside itself is an error instead of endless recursion.
struct SharedContent<'a>(&'a Shared);

impl Serialize for SharedContent<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let id = self.0.id();
        // This crate's serializer takes the hint before it gets here.
        if !shape_marker::take_shared_hint(id) {
            return self.0.get().serialize(s);
        }
        let cyclic = FOREIGN_PATH.with(|p| {
            let mut path = p.borrow_mut();
            let cyclic = path.contains(&id);
            if !cyclic {
                path.push(id);
            }
            cyclic
        });
        if cyclic {
            return Err(S::Error::custom("recursive structure: a value contains itself"));
        }
        let result = self.0.get().serialize(s);
        FOREIGN_PATH.with(|p| p.borrow_mut().pop());
        result
    }
}

/// Items serialized as a tuple.
struct TupleOf<'a>(&'a [Value]);

impl Serialize for TupleOf<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut t = s.serialize_tuple(self.0.len())?;
        for item in self.0 {
            t.serialize_element(item)?;
        }
        t.end()
    }
}

/// Pairs serialized as a map.
struct Pairs<'a>(&'a [(Value, Value)]);

impl Serialize for Pairs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// An object's parts, in the order the writer needs them (`src/ser/object.rs`).
struct ObjectParts<'a>(&'a Object);

impl Serialize for ObjectParts<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let o = self.0;
        let kwargs = o.kwargs.as_ref().map_or(&[][..], |d| d.as_slice());
        let fields = if o.effects.is_empty() { 7 } else { 8 };
        let mut st = s.serialize_struct("Object", fields)?;
        st.serialize_field("kind", o.kind.name())?;
        st.serialize_field("callable", &o.callable)?;
        st.serialize_field("args", &TupleOf(&o.args))?;
        st.serialize_field("kwargs", &Pairs(kwargs))?;
        st.serialize_field("list_items", &o.list_items)?;
        st.serialize_field("dict_items", &Pairs(&o.dict_items))?;
        st.serialize_field("state", &o.state)?;
        if !o.effects.is_empty() {
            st.serialize_field("effects", &o.effects)?;
        }
        st.end()
    }
}

/// Convert any serializable value to a [`Value`]: what reading its pickle
/// would give (tuples stay tuples, `py::Set` a set, integers beyond 64 bits
/// `BigInt`s, a `Value` inside keeps its globals, objects and shared nodes),
/// built directly, with no bytes in between and none of the reading limits.
/// Takes the value by value, as serde_json's `to_value` does; `to_value(&x)`
/// works too. A struct field or variant name that comes more than once is
/// one shared str, as in the pickle, so `to_vec(&to_value(&x)?)` gives the
/// bytes of `to_vec(&x)`.
///
/// ```
/// use serde_pickle::{to_value, Value};
/// let v = to_value((1, "a")).unwrap();
/// assert_eq!(v, Value::Tuple(vec![Value::Int(1), Value::Str("a".into())]));
/// let big = to_value(&u128::MAX).unwrap();
/// assert_eq!(big.to_string(), "340282366920938463463374607431768211455");
/// ```
pub fn to_value<T: Serialize>(value: T) -> Result<Value> {
    super::serializer::ValueSerializer::run(&value)
}
