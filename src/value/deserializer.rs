//! `Value` (owned or borrowed) as a serde `Deserializer`, and the
//! `IntoDeserializer` impls: what [`from_value`](super::from_value) runs.
//!
//! A value reads into a Rust type exactly as the pickle of that value would
//! (`src/de/node.rs` is the reader's counterpart): the same conversions, the
//! same reading of class instances and standard-library objects
//! (`objects.rs`), the same errors. Only the reading limits are gone (there
//! are no bytes to be hostile): what remains is the nesting bound that keeps
//! serde's recursion off the end of the stack, and the refusal of a shared
//! node met inside itself, which no Rust value can hold.
//!
//! `&'de Value` lends its strs and bytes (`&str` fields borrow from it); an
//! owned `Value` lends nothing and is moved whole into a `Value` target.

use std::cell::RefCell;
use std::marker::PhantomData;

use num_bigint::BigInt;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::objects;
use super::{Shared, Value};
use crate::error::{Error, ErrorCode, Result};

/// How deep [`from_value`](super::from_value) follows nested containers:
/// the writer's bound (a deeper value cannot be pickled either) and the
/// reader's default.
pub(crate) const MAX_NESTING: usize = 1024;

/// What the whole walk shares: the shared nodes on the current path.
#[derive(Default)]
pub(crate) struct Walk {
    path: RefCell<Vec<usize>>,
}

/// Whether strs and bytes are lent to the visitor (`'a` = `'de`) or copied.
pub(crate) trait Lend<'a, 'de> {
    fn str<V: Visitor<'de>>(s: &'a str, visitor: V) -> Result<V::Value>;
    fn bytes<V: Visitor<'de>>(b: &'a [u8], visitor: V) -> Result<V::Value>;
}

/// Lends: for `&'de Value`.
pub(crate) struct Borrowed;

impl<'de> Lend<'de, 'de> for Borrowed {
    fn str<V: Visitor<'de>>(s: &'de str, visitor: V) -> Result<V::Value> {
        visitor.visit_borrowed_str(s)
    }
    fn bytes<V: Visitor<'de>>(b: &'de [u8], visitor: V) -> Result<V::Value> {
        visitor.visit_borrowed_bytes(b)
    }
}

/// Copies: for an owned `Value`, which does not outlive the call.
pub(crate) struct Copied;

impl<'a, 'de> Lend<'a, 'de> for Copied {
    fn str<V: Visitor<'de>>(s: &'a str, visitor: V) -> Result<V::Value> {
        visitor.visit_str(s)
    }
    fn bytes<V: Visitor<'de>>(b: &'a [u8], visitor: V) -> Result<V::Value> {
        visitor.visit_bytes(b)
    }
}

/// Deserializes one value.
pub(crate) struct ValueDe<'w, 'a, L> {
    pub walk: &'w Walk,
    pub value: &'a Value,
    pub depth: usize,
    lend: PhantomData<L>,
}

impl<L> Clone for ValueDe<'_, '_, L> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<L> Copy for ValueDe<'_, '_, L> {}

/// Takes a shared node off the path when its visit ends.
pub(crate) struct PathGuard<'w> {
    walk: &'w Walk,
    pushed: usize,
}

impl Drop for PathGuard<'_> {
    fn drop(&mut self) {
        let mut path = self.walk.path.borrow_mut();
        let len = path.len().saturating_sub(self.pushed);
        path.truncate(len);
    }
}

impl<'w, 'a, 'de, L: Lend<'a, 'de>> ValueDe<'w, 'a, L> {
    pub(crate) fn new(walk: &'w Walk, value: &'a Value) -> Self {
        ValueDe { walk, value, depth: 0, lend: PhantomData }
    }

    /// A child one level deeper.
    pub(crate) fn child(&self, value: &'a Value) -> Self {
        ValueDe { walk: self.walk, value, depth: self.depth + 1, lend: PhantomData }
    }

    /// The value behind shared nodes, with the nodes put on the path (a node
    /// already on it is a cycle: `Recursive`, as reading its pickle gives).
    fn resolve(&self) -> Result<(&'a Value, PathGuard<'w>)> {
        let mut guard = PathGuard { walk: self.walk, pushed: 0 };
        let mut v = self.value;
        while let Value::Shared(s) = v {
            let id = Shared::id(s);
            let mut path = self.walk.path.borrow_mut();
            if path.contains(&id) {
                return Err(Error::new(ErrorCode::Recursive));
            }
            path.push(id);
            guard.pushed += 1;
            v = s.get();
        }
        Ok((v, guard))
    }

    /// Account for entering a container.
    pub(crate) fn enter(&self) -> Result<()> {
        if self.depth >= MAX_NESTING {
            return Err(Error::limit(format!(
                "nesting deeper than {MAX_NESTING} levels (from_value's bound, the writer's too)"
            )));
        }
        Ok(())
    }

    pub(crate) fn visit_seq_of<V: Visitor<'de>>(
        &self,
        items: &'a [Value],
        visitor: V,
    ) -> Result<V::Value> {
        self.enter()?;
        let mut access = SeqDe { parent: *self, iter: items.iter() };
        let v = visitor.visit_seq(&mut access)?;
        match access.iter.len() {
            0 => Ok(v),
            n => Err(Error::message(format!("{n} more items than the target type takes"))),
        }
    }

    pub(crate) fn visit_map_of<V: Visitor<'de>>(
        &self,
        parts: [&'a [(Value, Value)]; 2],
        visitor: V,
    ) -> Result<V::Value> {
        self.enter()?;
        let iter = parts[0].iter().chain(parts[1].iter());
        visitor.visit_map(MapDe { parent: *self, iter, pending: None })
    }

    fn integer<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, _g) = self.resolve()?;
        match v {
            Value::Int(i) => visitor.visit_i64(*i),
            Value::BigInt(b) => visit_big(b, visitor),
            _ => self.any(v, visitor),
        }
    }

    fn float<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, _g) = self.resolve()?;
        match *v {
            Value::Float(f) => visitor.visit_f64(f),
            // An int is accepted where a float is expected when it is exact.
            Value::Int(i) if (i as f64) as i64 == i && i.unsigned_abs() <= 1 << 53 => {
                visitor.visit_f64(i as f64)
            }
            Value::Int(i) => {
                Err(Error::message(format!("integer {i} is not exactly representable as a float")))
            }
            _ => self.any(v, visitor),
        }
    }

    /// `deserialize_any` of `v`, the resolved value of `self`.
    pub(crate) fn any<V: Visitor<'de>>(self, v: &'a Value, visitor: V) -> Result<V::Value> {
        match v {
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => self.visit_seq_of(items, visitor),
            Value::Dict(d) => self.visit_map_of([d.as_slice(), &[]], visitor),
            Value::Object(o) => objects::any(self, o, visitor),
            _ => self.leaf(v, visitor),
        }
    }

    #[inline(never)]
    fn leaf<V: Visitor<'de>>(self, v: &'a Value, visitor: V) -> Result<V::Value> {
        match v {
            Value::None => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Int(i) => visitor.visit_i64(*i),
            Value::BigInt(b) => visit_big(b, visitor),
            Value::Float(f) => visitor.visit_f64(*f),
            Value::Complex(re, im) => {
                self.enter()?;
                visitor.visit_seq(de::value::SeqDeserializer::new([*re, *im].into_iter()))
            }
            Value::Str(s) => L::str(s, visitor),
            Value::SurrogateStr(_) => Err(surrogate_error()),
            Value::Bytes(b) | Value::ByteArray(b) => L::bytes(b, visitor),
            Value::Global(g) => visitor.visit_string(format!("{}.{}", g.module, g.name)),
            Value::Buffer { index, .. } => Err(Error::unsupported(format!(
                "out-of-band buffer {index} was not supplied (see DeOptions::buffers)"
            ))),
            Value::PersistentId(_) => Err(Error::unsupported(
                "persistent id without a persistent_load hook (see DeOptions::persistent_load)",
            )),
            _ => self.any(v, visitor),
        }
    }
}

/// The reader's message for a str with lone surrogates.
fn surrogate_error() -> Error {
    Error::new(ErrorCode::Message(
        "str contains lone surrogates (CPython's surrogatepass), which a Rust String cannot hold"
            .into(),
    ))
}

fn visit_big<'de, V: Visitor<'de>>(b: &BigInt, visitor: V) -> Result<V::Value> {
    if let Ok(v) = u64::try_from(b) {
        visitor.visit_u64(v)
    } else if let Ok(v) = i128::try_from(b) {
        visitor.visit_i128(v)
    } else if let Ok(v) = u128::try_from(b) {
        visitor.visit_u128(v)
    } else if b.bits() <= 256 {
        Err(Error::message(format!("integer {b} is out of range for any Rust integer type")))
    } else {
        Err(Error::message(format!(
            "an integer of {} bits is out of range for any Rust integer type",
            b.bits()
        )))
    }
}

macro_rules! forward_integer {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.integer(visitor)
        }
    )*};
}

macro_rules! forward_any {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.deserialize_any(visitor)
        }
    )*};
}

impl<'a, 'de, L: Lend<'a, 'de>> de::Deserializer<'de> for ValueDe<'_, 'a, L> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, _g) = self.resolve()?;
        self.any(v, visitor)
    }

    forward_integer! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    forward_any! {
        deserialize_bool deserialize_char deserialize_str deserialize_string deserialize_unit
        deserialize_map deserialize_identifier
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.float(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.float(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, _g) = self.resolve()?;
        match v {
            Value::Str(s) => L::bytes(s.as_bytes(), visitor),
            _ => self.any(v, visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match Value::resolve(self.value) {
            Value::None => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == crate::shape_marker::VALUE {
            // A `Value` target: the value itself, shared nodes and all.
            return super::de::deliver(self.value.clone(), visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let (v, _g) = self.resolve()?;
        match v {
            // An object asked for as a sequence: its arguments by position.
            Value::Object(o) => objects::seq(self, o, visitor),
            // Vec<u8> without serde_bytes: the bytes as a sequence of ints.
            Value::Bytes(b) | Value::ByteArray(b) => {
                self.enter()?;
                visitor.visit_seq(de::value::SeqDeserializer::new(b.iter().copied()))
            }
            _ => self.any(v, visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let (v, _g) = self.resolve()?;
        match v {
            Value::Str(_) => visitor.visit_enum(VariantDe { key: self.child(v), value: None }),
            Value::Dict(d) if d.len() == 1 => {
                self.enter()?;
                let (k, x) = &d.as_slice()[0];
                visitor.visit_enum(VariantDe { key: self.child(k), value: Some(self.child(x)) })
            }
            Value::Object(o) => objects::variant(self, o, visitor),
            // serde-pickle 1.2's `compat_enum_repr`, as typed reads of
            // pickle bytes accept it: `('Variant',)` and `('Variant', value)`.
            Value::Tuple(items)
                if matches!(items.as_slice(), [Value::Str(_)] | [Value::Str(_), _]) =>
            {
                self.enter()?;
                let value = items.get(1).map(|x| self.child(x));
                visitor.visit_enum(VariantDe { key: self.child(&items[0]), value })
            }
            _ => Err(de::Error::invalid_type(
                unexpected(v),
                &"a str (unit variant), a one-entry dict {variant: value}, \
                  or serde-pickle's ('variant',) or ('variant', value)",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// How a value looks in a type-mismatch message (as the reader says it).
fn unexpected(v: &Value) -> de::Unexpected<'_> {
    match v {
        Value::None => de::Unexpected::Unit,
        Value::Bool(b) => de::Unexpected::Bool(*b),
        Value::Int(i) => de::Unexpected::Signed(*i),
        Value::Float(f) => de::Unexpected::Float(*f),
        Value::Str(_) | Value::SurrogateStr(_) => de::Unexpected::Other("str"),
        Value::Bytes(_) | Value::ByteArray(_) => de::Unexpected::Other("bytes"),
        Value::List(_) => de::Unexpected::Other("list"),
        Value::Tuple(_) => de::Unexpected::Other("tuple"),
        Value::Set(_) | Value::FrozenSet(_) => de::Unexpected::Other("set"),
        Value::Dict(_) => de::Unexpected::Map,
        _ => de::Unexpected::Other("object"),
    }
}

struct SeqDe<'w, 'a, L> {
    parent: ValueDe<'w, 'a, L>,
    iter: std::slice::Iter<'a, Value>,
}

impl<'a, 'de, L: Lend<'a, 'de>> de::SeqAccess<'de> for SeqDe<'_, 'a, L> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.iter.next() {
            Some(v) => seed.deserialize(self.parent.child(v)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapDe<'w, 'a, L, I> {
    parent: ValueDe<'w, 'a, L>,
    iter: I,
    pending: Option<&'a Value>,
}

impl<'a, 'de, L: Lend<'a, 'de>, I> de::MapAccess<'de> for MapDe<'_, 'a, L, I>
where
    I: Iterator<Item = &'a (Value, Value)>,
{
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, v)) = self.iter.next() else { return Ok(None) };
        self.pending = Some(v);
        seed.deserialize(self.parent.child(k)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        match self.pending.take() {
            Some(v) => seed.deserialize(self.parent.child(v)),
            None => Err(Error::message("dict value missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.iter.size_hint().1
    }
}

/// An enum: the variant name and, for non-unit variants, the content.
pub(crate) struct VariantDe<'w, 'a, L> {
    pub key: ValueDe<'w, 'a, L>,
    pub value: Option<ValueDe<'w, 'a, L>>,
}

impl<'w, 'a, 'de, L: Lend<'a, 'de>> de::EnumAccess<'de> for VariantDe<'w, 'a, L> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(self.key)?;
        Ok((v, self))
    }
}

impl<'a, 'de, L: Lend<'a, 'de>> de::VariantAccess<'de> for VariantDe<'_, 'a, L> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.value {
            None => Ok(()),
            Some(v) if Value::resolve(v.value).is_none() => Ok(()),
            Some(_) => Err(Error::message("unit variant with content")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.value {
            Some(v) => seed.deserialize(v),
            None => seed.deserialize(().into_deserializer()),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(v) => de::Deserializer::deserialize_seq(v, visitor),
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.value {
            Some(v) => de::Deserializer::deserialize_map(v, visitor),
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"struct variant")),
        }
    }
}

macro_rules! forward_value_de {
    ($lend:ty, $this:ident => $value:expr; $($method:ident $(($($arg:ident: $ty:ty),*))?),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>($this, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value> {
            let walk = Walk::default();
            de::Deserializer::$method(ValueDe::<$lend>::new(&walk, $value), $($($arg,)*)? visitor)
        }
    )*};
}

/// A `&Value` reads into any `Deserialize` type as its pickle would, and
/// lends its strs and bytes (`&str` and `&[u8]` targets borrow from it).
///
/// ```
/// use serde::Deserialize;
/// use serde_pickle::pickle;
/// let v = pickle!({"name": "Alice", "pt": (1, 2)});
/// #[derive(Deserialize, Debug, PartialEq)]
/// struct P<'a> { name: &'a str, pt: (i32, i32) }
/// assert_eq!(P::deserialize(&v).unwrap(), P { name: "Alice", pt: (1, 2) });
/// ```
impl<'de> de::Deserializer<'de> for &'de Value {
    type Error = Error;

    forward_value_de! {
        Borrowed, self => self;
        deserialize_any, deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32,
        deserialize_i64, deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32,
        deserialize_u64, deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_str, deserialize_string, deserialize_bytes, deserialize_byte_buf,
        deserialize_option, deserialize_unit, deserialize_seq, deserialize_map,
        deserialize_identifier, deserialize_ignored_any,
        deserialize_unit_struct(name: &'static str),
        deserialize_newtype_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    }
}

/// An owned `Value` reads into any `Deserialize` type as its pickle would
/// (what [`from_value`](super::from_value) does); read into a `Value`, it is
/// moved, not copied.
///
/// ```
/// use serde::Deserialize;
/// use serde_pickle::{pickle, Value};
/// let v = pickle!([1, 2]);
/// assert_eq!(Vec::<u8>::deserialize(v).unwrap(), [1, 2]);
/// ```
impl<'de> de::Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == crate::shape_marker::VALUE {
            return super::de::deliver(self, visitor);
        }
        let walk = Walk::default();
        de::Deserializer::deserialize_newtype_struct(
            ValueDe::<Copied>::new(&walk, &self),
            name,
            visitor,
        )
    }

    forward_value_de! {
        Copied, self => &self;
        deserialize_any, deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32,
        deserialize_i64, deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32,
        deserialize_u64, deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_str, deserialize_string, deserialize_bytes, deserialize_byte_buf,
        deserialize_option, deserialize_unit, deserialize_seq, deserialize_map,
        deserialize_identifier, deserialize_ignored_any,
        deserialize_unit_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    }
}

/// A `Value` is its own deserializer (as serde_json's is).
///
/// ```
/// use serde::de::{Deserialize, IntoDeserializer};
/// use serde_pickle::{pickle, Error};
/// let d = IntoDeserializer::<Error>::into_deserializer(pickle!("x"));
/// assert_eq!(String::deserialize(d).unwrap(), "x");
/// ```
impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;
    fn into_deserializer(self) -> Value {
        self
    }
}

/// A `&Value` is its own deserializer (as serde_json's is).
///
/// ```
/// use serde::de::{Deserialize, IntoDeserializer};
/// use serde_pickle::{pickle, Error};
/// let v = pickle!((1, "a"));
/// let d = IntoDeserializer::<Error>::into_deserializer(&v);
/// assert_eq!(<(u8, &str)>::deserialize(d).unwrap(), (1, "a"));
/// ```
impl<'de> IntoDeserializer<'de, Error> for &'de Value {
    type Deserializer = &'de Value;
    fn into_deserializer(self) -> &'de Value {
        self
    }
}
