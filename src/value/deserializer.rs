//! `Value` (owned or borrowed) as a serde `Deserializer`, and the
//! `IntoDeserializer` impls: what [`from_value`](super::from_value) runs.
//!
//! A value reads into a Rust type exactly as the pickle of that value would:
//! it is a [`Tree`] for the same serde layer as the reader's arena
//! (`src/de/view.rs`), so the conversions, the reading of class instances
//! and standard-library objects and the errors are the same. Only the
//! reading limits are gone (there are no bytes to be hostile): what remains
//! is the nesting bound that keeps serde's recursion off the end of the
//! stack, and the refusal of a shared node met inside itself, which no Rust
//! value can hold.
//!
//! `&'de Value` lends its strs and bytes (`&str` fields borrow from it); an
//! owned `Value` lends nothing and is moved whole into a `Value` target.

use std::borrow::Cow;
use std::cell::RefCell;
use std::marker::PhantomData;

use num_bigint::BigInt;
use serde::de::{self, IntoDeserializer, Visitor};

use super::{Global, Object, Shared, Value};
use crate::de::view::{forward_deserializer, view_deserializer, Kind, Tree, View};
use crate::error::{Error, ErrorCode, Result};
use crate::py::numpy::de::How;

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

impl<'w, 'a, L> ValueDe<'w, 'a, L> {
    pub(crate) fn new(walk: &'w Walk, value: &'a Value) -> Self {
        ValueDe { walk, value, depth: 0, lend: PhantomData }
    }
}

/// A dict's entries, as the serde layer takes them.
type PairsOf<'a> = std::iter::Map<
    std::iter::Chain<std::slice::Iter<'a, (Value, Value)>, std::slice::Iter<'a, (Value, Value)>>,
    fn(&'a (Value, Value)) -> (&'a Value, Option<&'a Value>),
>;

impl<'w, 'a, L> Tree for ValueDe<'w, 'a, L> {
    type Child = &'a Value;
    type Seq = &'a [Value];
    type Map = &'a [(Value, Value)];
    /// The text, or `None` for a str with lone surrogates.
    type Str = Option<&'a str>;
    type Bytes = &'a [u8];
    type Big = &'a BigInt;
    type Global = &'a Global;
    type Obj = &'a Object;
    type Items = std::slice::Iter<'a, Value>;
    type Pairs = PairsOf<'a>;
    type Entered = ();
    type Held = PathGuard<'w>;
    const NO_MAP: Self::Map = &[];

    fn child(&self, value: &'a Value) -> Self {
        ValueDe { walk: self.walk, value, depth: self.depth + 1, lend: PhantomData }
    }

    fn enter(&self) -> Result<()> {
        if self.depth >= MAX_NESTING {
            return Err(Error::limit(format!(
                "nesting deeper than {MAX_NESTING} levels (from_value's bound, the writer's too)"
            )));
        }
        Ok(())
    }

    /// The value behind shared nodes, with the nodes put on the path (a node
    /// already on it is a cycle: `Recursive`, as reading its pickle gives).
    fn resolve(&mut self) -> Result<PathGuard<'w>> {
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
        self.value = v;
        Ok(guard)
    }

    // Inlined: it runs for every value visited (the arena's is a load and a
    // match, inlined by itself).
    #[inline(always)]
    fn peek(&self) -> Kind<Self> {
        match Value::resolve(self.value) {
            Value::None | Value::Shared(_) => Kind::None,
            Value::Bool(b) => Kind::Bool(*b),
            Value::Int(i) => Kind::Int(*i),
            Value::BigInt(b) => Kind::BigInt(b),
            Value::Float(f) => Kind::Float(*f),
            Value::Complex(re, im) => Kind::Complex(*re, *im),
            Value::Str(s) => Kind::Str(Some(s.as_str())),
            Value::SurrogateStr(_) => Kind::Str(None),
            Value::Bytes(b) | Value::ByteArray(b) => Kind::Bytes(b.as_slice()),
            Value::List(items) => Kind::List(items.as_slice()),
            Value::Tuple(items) => Kind::Tuple(items.as_slice()),
            Value::Set(items) | Value::FrozenSet(items) => Kind::Set(items.as_slice()),
            Value::Dict(d) => Kind::Dict(d.as_slice()),
            // (Coercions: whether or not these are boxed.)
            Value::Global(g) => {
                let g: &Global = g;
                Kind::Global(g)
            }
            Value::Object(o) => {
                let o: &Object = o;
                Kind::Object(o)
            }
            Value::Buffer { index, .. } => Kind::Buffer(*index),
            Value::PersistentId(_) => Kind::PersId,
        }
    }

    fn big(&self, b: &'a BigInt) -> &BigInt {
        b
    }

    fn items(&self, s: &'a [Value]) -> std::slice::Iter<'a, Value> {
        s.iter()
    }

    fn pairs(&self, [first, then]: [Self::Map; 2]) -> PairsOf<'a> {
        first.iter().chain(then).map(|(k, v)| (k, Some(v)))
    }

    fn map_is_empty(&self, m: Self::Map) -> bool {
        m.is_empty()
    }

    fn single_entry(&self, m: Self::Map) -> Option<(&'a Value, &'a Value)> {
        match m {
            [(k, v)] => Some((k, v)),
            _ => None,
        }
    }

    fn str_bytes(&self, s: Option<&'a str>) -> Option<&'a [u8]> {
        s.map(str::as_bytes)
    }

    fn payload(&self, b: &'a [u8]) -> Result<&[u8]> {
        Ok(b)
    }

    fn charge(&self, _n: usize) -> Result<()> {
        Ok(())
    }

    fn global_parts(&self, g: &'a Global) -> (&[u8], &[u8]) {
        (g.module.as_bytes(), g.name.as_bytes())
    }

    fn callable(&self, o: &'a Object) -> &'a Value {
        &o.callable
    }

    fn args(&self, o: &'a Object) -> &'a [Value] {
        &o.args
    }

    fn state(&self, o: &'a Object) -> Option<&'a Value> {
        o.state.last()
    }

    fn list_items(&self, o: &'a Object) -> &'a [Value] {
        &o.list_items
    }

    fn dict_items(&self, o: &'a Object) -> Self::Map {
        &o.dict_items
    }

    fn latin1(&self) -> Option<Cow<'_, [u8]>> {
        match Value::resolve(self.value) {
            Value::Bytes(b) => Some(Cow::Borrowed(b)),
            Value::Str(s) => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
            _ => None,
        }
    }
}

impl<'a, 'de, L: Lend<'a, 'de>> View<'de> for ValueDe<'_, 'a, L> {
    fn visit_str<V: Visitor<'de>>(&self, s: Option<&'a str>, visitor: V) -> Result<V::Value> {
        match s {
            Some(s) => L::str(s, visitor),
            None => Err(crate::vm::walk::surrogate_error()),
        }
    }

    fn visit_bytes<V: Visitor<'de>>(&self, b: &'a [u8], visitor: V) -> Result<V::Value> {
        L::bytes(b, visitor)
    }

    fn marked_newtype<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value> {
        if name == crate::shape_marker::VALUE {
            // A `Value` target: the value itself, shared nodes and all.
            return super::de::deliver(self.value.clone(), visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn read_special<V: Visitor<'de>>(self, _: &'a Object, _: How, visitor: V) -> Result<V::Value> {
        // Never called: a `Value` has no special objects (`Tree::special`).
        de::Deserializer::deserialize_any(self, visitor)
    }
}

impl<'a, 'de, L: Lend<'a, 'de>> de::Deserializer<'de> for ValueDe<'_, 'a, L> {
    type Error = Error;
    view_deserializer!(shared);
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

    forward_deserializer!(forward_value_de { Borrowed, self => self; }
        deserialize_newtype_struct(name: &'static str),);
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

    forward_deserializer!(forward_value_de { Copied, self => &self; });
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
