//! One serde `Deserializer` for the two trees a typed read walks: the VM's
//! arena nodes (`node.rs`, reading a pickle) and a [`Value`](crate::Value)
//! (`value/deserializer.rs`, `from_value`). A tree says what a node is
//! ([`Kind`]), what its children are, how its text is lent and what reading
//! it costs; the conversions, the enum forms, the reading of objects
//! (`pytypes.rs`) and the error texts are written here once, so that a value
//! reads into a Rust type exactly as its pickle does.

use std::borrow::Cow;

use num_bigint::BigInt;
use serde::de::{self, Visitor};

use super::access::{visit_map_of, visit_seq_of, VariantDe};
use super::pytypes;
use crate::error::{Error, Result};
use crate::py::numpy::de::How;

/// What a node is, as the visitor layer sees it.
pub(crate) enum Kind<T: Tree> {
    None,
    Bool(bool),
    Int(i64),
    BigInt(T::Big),
    Float(f64),
    Complex(f64, f64),
    /// A str (a Python 2 str too): what [`View::visit_str`] makes of it.
    Str(T::Str),
    /// `bytes` or `bytearray`.
    Bytes(T::Bytes),
    List(T::Seq),
    Tuple(T::Seq),
    /// A set or frozenset.
    Set(T::Seq),
    Dict(T::Map),
    Global(T::Global),
    Object(T::Obj),
    /// An out-of-band buffer that was not supplied.
    Buffer(usize),
    PersId,
}

impl<T: Tree> Clone for Kind<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: Tree> Copy for Kind<T> {}

/// A tree of nodes, seen from one node (`self`, which knows its depth).
pub(crate) trait Tree: Copy {
    /// A reference to a child node.
    type Child: Copy;
    /// A list, tuple or set's items.
    type Seq: Copy;
    /// A dict's entries.
    type Map: Copy;
    type Str: Copy;
    type Bytes: Copy;
    type Big: Copy;
    type Global: Copy;
    type Obj: Copy;
    type Items: ExactSizeIterator<Item = Self::Child>;
    /// Key and value (missing only in a malformed dict).
    type Pairs: Iterator<Item = (Self::Child, Option<Self::Child>)>;
    /// Held while a container is visited (the cycle check's path entry).
    type Entered;
    /// Held while a node is visited after [`Tree::resolve`].
    type Held;

    /// A child one level deeper.
    fn child(&self, c: Self::Child) -> Self;
    /// Account for entering a container: depth, budget, cycles.
    fn enter(&self) -> Result<Self::Entered>;
    /// Step to the node itself, behind any sharing, putting it on the
    /// cycle-check path. (A small `Result`, not the node and its kind:
    /// this is on the recursion path, where every copy costs stack in
    /// debug builds.)
    fn resolve(&mut self) -> Result<Self::Held>;
    /// The node's kind, without taking it onto the path.
    fn peek(&self) -> Kind<Self>;
    fn big(&self, b: Self::Big) -> &BigInt;
    fn items(&self, s: Self::Seq) -> Self::Items;
    /// The entries of one or two maps (a `(dict, slots)` state is read as one map).
    fn pairs(&self, parts: [Self::Map; 2]) -> Self::Pairs;
    /// No entries.
    const NO_MAP: Self::Map;
    fn map_is_empty(&self, m: Self::Map) -> bool;
    /// The only entry of a one-entry dict.
    fn single_entry(&self, m: Self::Map) -> Option<(Self::Child, Self::Child)>;
    /// A str's bytes, for a bytes target (not a str with lone surrogates).
    fn str_bytes(&self, s: Self::Str) -> Option<Self::Bytes>;
    /// Bytes visited as a sequence of ints, charged to the payload budget.
    fn payload(&self, b: Self::Bytes) -> Result<&[u8]>;
    /// Account for `n` payload bytes visited (see `DeOptions::max_expansion`).
    fn charge(&self, n: usize) -> Result<()>;
    fn global_parts(&self, g: Self::Global) -> (&[u8], &[u8]);
    fn callable(&self, o: Self::Obj) -> Self::Child;
    fn args(&self, o: Self::Obj) -> Self::Seq;
    /// The last state set by BUILD (the one CPython keeps).
    fn state(&self, o: Self::Obj) -> Option<Self::Child>;
    fn list_items(&self, o: Self::Obj) -> Self::Seq;
    fn dict_items(&self, o: Self::Obj) -> Self::Map;
    /// A datetime's state bytes: bytes, or a Python 2 str as Latin-1.
    fn latin1(&self) -> Option<Cow<'_, [u8]>>;
    /// A numpy or pandas object, read by [`View::read_special`].
    fn special(&self, _o: Self::Obj) -> bool {
        false
    }

    // Error context, as an error unwinds (the arena's reads name the path
    // and class of the value at fault; `from_value` does not).
    /// An error from this node, when it is an object: its class.
    fn in_class(&self, e: Error) -> Error {
        e
    }
    /// An error from item `index` of a sequence (this node).
    fn in_item(&self, e: Error, _index: usize) -> Error {
        e
    }
    /// An error from a dict key (this node).
    fn at_key(&self, e: Error) -> Error {
        e
    }
    /// An error from the value (this node) of `key`.
    fn in_entry(&self, e: Error, _key: &Self) -> Error {
        e
    }
}

/// A [`Tree`] that feeds serde visitors.
pub(crate) trait View<'de>: Tree + de::Deserializer<'de, Error = Error> {
    fn visit_str<V: Visitor<'de>>(&self, s: Self::Str, visitor: V) -> Result<V::Value>;
    fn visit_bytes<V: Visitor<'de>>(&self, b: Self::Bytes, visitor: V) -> Result<V::Value>;
    /// `deserialize_newtype_struct` for this crate's marker names (`$...`).
    fn marked_newtype<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value>;
    /// Read an object for which [`Tree::special`] holds.
    fn read_special<V: Visitor<'de>>(self, o: Self::Obj, how: How, visitor: V) -> Result<V::Value>;
}

// The functions on the recursion path of nested data are inlined into the
// `Deserializer` methods (LLVM's always-inliner runs in debug builds too):
// one frame per level, as when they were written in each impl.

/// `deserialize_any` of a resolved node.
#[inline(always)]
pub(crate) fn any<'de, N: View<'de>, V: Visitor<'de>>(n: &N, visitor: V) -> Result<V::Value> {
    // Containers and objects first, in a small frame: this is the recursion of
    // every generic visitor (serde_json::Value, untagged enums...), and its
    // stack cost per level bounds how deep a read can go on a 2 MiB thread.
    match n.peek() {
        Kind::List(s) | Kind::Tuple(s) | Kind::Set(s) => visit_seq_of(n, s, visitor),
        Kind::Dict(m) => visit_map_of(n, [m, N::NO_MAP], visitor),
        Kind::Object(o) => pytypes::object(n, o, visitor),
        _ => leaf(n, visitor),
    }
}

/// [`any`] in a frame of its own: for the fallbacks of the other methods,
/// which should not carry its inlined arms in their frames.
#[inline(never)]
fn any_of<'de, N: View<'de>, V: Visitor<'de>>(n: &N, visitor: V) -> Result<V::Value> {
    any(n, visitor)
}

/// `deserialize_any` for everything but the plain containers (kept out of
/// the recursive path so that its frame stays small).
#[inline(never)]
fn leaf<'de, N: View<'de>, V: Visitor<'de>>(n: &N, visitor: V) -> Result<V::Value> {
    match n.peek() {
        Kind::None => visitor.visit_unit(),
        Kind::Bool(b) => visitor.visit_bool(b),
        Kind::Int(i) => visitor.visit_i64(i),
        Kind::BigInt(b) => visit_big(n.big(b), visitor),
        Kind::Float(f) => visitor.visit_f64(f),
        Kind::Complex(re, im) => {
            let _g = n.enter()?;
            visitor.visit_seq(de::value::SeqDeserializer::new([re, im].into_iter()))
        }
        Kind::Str(s) => n.visit_str(s, visitor),
        Kind::Bytes(b) => n.visit_bytes(b, visitor),
        Kind::Global(g) => {
            let (module, name) = n.global_parts(g);
            n.charge(module.len() + name.len())?;
            visitor.visit_string(format!("{}.{}", utf8(module)?, utf8(name)?))
        }
        Kind::Buffer(index) => Err(Error::unsupported(format!(
            "out-of-band buffer {index} was not supplied (see DeOptions::buffers)"
        ))),
        Kind::PersId => Err(Error::unsupported(
            "persistent id without a persistent_load hook (see DeOptions::persistent_load)",
        )),
        Kind::List(_) | Kind::Tuple(_) | Kind::Set(_) | Kind::Dict(_) | Kind::Object(_) => {
            any_of(n, visitor)
        }
    }
}

pub(crate) fn utf8(b: &[u8]) -> Result<&str> {
    crate::codec::utf8::str_from(b).ok_or_else(crate::vm::walk::surrogate_error)
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
        // Not in decimal: that is quadratic in the size, and unreadable.
        Err(Error::message(format!(
            "an integer of {} bits is out of range for any Rust integer type",
            b.bits()
        )))
    }
}

pub(crate) fn integer<'de, N: View<'de>, V: Visitor<'de>>(
    mut n: N,
    visitor: V,
) -> Result<V::Value> {
    let _held = n.resolve()?;
    match n.peek() {
        Kind::Int(i) => visitor.visit_i64(i),
        Kind::BigInt(b) => visit_big(n.big(b), visitor),
        _ => any_of(&n, visitor),
    }
}

pub(crate) fn float<'de, N: View<'de>, V: Visitor<'de>>(mut n: N, visitor: V) -> Result<V::Value> {
    let _held = n.resolve()?;
    match n.peek() {
        Kind::Float(f) => visitor.visit_f64(f),
        // An int is accepted where a float is expected when it is exact.
        Kind::Int(i) if (i as f64) as i64 == i && i.unsigned_abs() <= 1 << 53 => {
            visitor.visit_f64(i as f64)
        }
        Kind::Int(i) => {
            Err(Error::message(format!("integer {i} is not exactly representable as a float")))
        }
        _ => any_of(&n, visitor),
    }
}

pub(crate) fn bytes<'de, N: View<'de>, V: Visitor<'de>>(mut n: N, visitor: V) -> Result<V::Value> {
    let _held = n.resolve()?;
    match n.peek() {
        Kind::Str(s) => match n.str_bytes(s) {
            Some(b) => n.visit_bytes(b, visitor),
            None => any_of(&n, visitor),
        },
        _ => any_of(&n, visitor),
    }
}

#[inline(always)]
pub(crate) fn option<'de, N: View<'de>, V: Visitor<'de>>(n: N, visitor: V) -> Result<V::Value> {
    match n.peek() {
        Kind::None => visitor.visit_none(),
        _ => visitor.visit_some(n),
    }
}

#[inline(always)]
pub(crate) fn newtype<'de, N: View<'de>, V: Visitor<'de>>(
    n: N,
    name: &'static str,
    visitor: V,
) -> Result<V::Value> {
    // This crate's own names (the Value and NdArray shapes) in a frame
    // of their own, off the recursion path.
    if name.starts_with('$') {
        return n.marked_newtype(name, visitor);
    }
    visitor.visit_newtype_struct(n)
}

#[inline(always)]
pub(crate) fn seq<'de, N: View<'de>, V: Visitor<'de>>(mut n: N, visitor: V) -> Result<V::Value> {
    let _held = n.resolve()?;
    match n.peek() {
        Kind::List(s) | Kind::Tuple(s) | Kind::Set(s) => visit_seq_of(&n, s, visitor),
        // An object asked for as a sequence or tuple: its arguments by position.
        Kind::Object(o) => pytypes::object_seq(n, o, visitor),
        Kind::Bytes(b) => bytes_seq(n, b, visitor),
        _ => any_of(&n, visitor),
    }
}

/// Vec<u8> without serde_bytes: the bytes as a sequence of ints.
#[inline(never)]
fn bytes_seq<'de, N: View<'de>, V: Visitor<'de>>(
    n: N,
    b: N::Bytes,
    visitor: V,
) -> Result<V::Value> {
    let _g = n.enter()?;
    let bytes = n.payload(b)?;
    visitor.visit_seq(de::value::SeqDeserializer::new(bytes.iter().copied()))
}

/// What an enum reads from.
const ENUM_FORMS: &str = "a str (unit variant), a one-entry dict {variant: value}, \
    or serde-pickle's ('variant',) or ('variant', value)";

#[inline(always)]
pub(crate) fn enumeration<'de, N: View<'de>, V: Visitor<'de>>(
    mut n: N,
    visitor: V,
) -> Result<V::Value> {
    let _held = n.resolve()?;
    let kind = n.peek();
    match kind {
        Kind::Str(_) => visitor.visit_enum(VariantDe { key: n, value: None }),
        Kind::Dict(m) => match n.single_entry(m) {
            Some((k, v)) => {
                let _g = n.enter()?;
                visitor.visit_enum(VariantDe { key: n.child(k), value: Some(n.child(v)) })
            }
            None => Err(de::Error::invalid_type(unexpected(&kind), &ENUM_FORMS)),
        },
        Kind::Object(o) => pytypes::object_enum(n, o, visitor),
        // serde-pickle 1.2's `compat_enum_repr`: `('Variant',)` and
        // `('Variant', value)`.
        Kind::Tuple(s) if matches!(n.items(s).len(), 1 | 2) => {
            let mut it = n.items(s);
            let (Some(k), v) = (it.next(), it.next()) else {
                return Err(Error::message("enum tuple must have one or two items"));
            };
            if !matches!(n.child(k).peek(), Kind::Str(_)) {
                return Err(de::Error::invalid_type(unexpected(&kind), &ENUM_FORMS));
            }
            let _g = n.enter()?;
            visitor.visit_enum(VariantDe { key: n.child(k), value: v.map(|v| n.child(v)) })
        }
        _ => Err(de::Error::invalid_type(unexpected(&kind), &ENUM_FORMS)),
    }
}

/// How a node looks in a type-mismatch message.
pub(crate) fn unexpected<T: Tree>(kind: &Kind<T>) -> de::Unexpected<'static> {
    match *kind {
        Kind::None => de::Unexpected::Unit,
        Kind::Bool(b) => de::Unexpected::Bool(b),
        Kind::Int(i) => de::Unexpected::Signed(i),
        Kind::Float(f) => de::Unexpected::Float(f),
        Kind::Str(_) => de::Unexpected::Other("str"),
        Kind::Bytes(_) => de::Unexpected::Other("bytes"),
        Kind::List(_) => de::Unexpected::Other("list"),
        Kind::Tuple(_) => de::Unexpected::Other("tuple"),
        Kind::Set(_) => de::Unexpected::Other("set"),
        Kind::Dict(_) => de::Unexpected::Map,
        _ => de::Unexpected::Other("object"),
    }
}

/// The `serde::Deserializer` methods of a [`View`], for its impl block:
/// `view_deserializer!(shared)` for a tree with shared nodes to resolve
/// ([`Tree::resolve`]), `view_deserializer!()` for one without (whose
/// `deserialize_any`, the recursion of every generic visitor, then keeps a
/// smaller frame).
macro_rules! view_deserializer {
    (shared) => {
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            mut self,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            let _held = $crate::de::view::Tree::resolve(&mut self)?;
            $crate::de::view::any(&self, visitor)
        }
        view_deserializer!(methods);
    };
    () => {
        fn deserialize_any<V: serde::de::Visitor<'de>>(
            self,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            $crate::de::view::any(&self, visitor)
        }
        view_deserializer!(methods);
    };
    (methods) => {
        view_deserializer! { integer:
            deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
            deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
        }
        view_deserializer! { float: deserialize_f32 deserialize_f64 }
        view_deserializer! { bytes: deserialize_bytes deserialize_byte_buf }
        view_deserializer! { seq: deserialize_seq }
        view_deserializer! { option: deserialize_option }
        view_deserializer! { any_again:
            deserialize_bool deserialize_char deserialize_str deserialize_string
            deserialize_unit deserialize_map deserialize_identifier
        }

        fn deserialize_unit_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            serde::Deserializer::deserialize_any(self, visitor)
        }

        fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            $crate::de::view::newtype(self, name, visitor)
        }

        fn deserialize_tuple<V: serde::de::Visitor<'de>>(
            self,
            _len: usize,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            $crate::de::view::seq(self, visitor)
        }

        fn deserialize_tuple_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            _len: usize,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            $crate::de::view::seq(self, visitor)
        }

        fn deserialize_struct<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            _fields: &'static [&'static str],
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            serde::Deserializer::deserialize_any(self, visitor)
        }

        fn deserialize_enum<V: serde::de::Visitor<'de>>(
            self,
            _name: &'static str,
            _variants: &'static [&'static str],
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            $crate::de::view::enumeration(self, visitor)
        }

        fn deserialize_ignored_any<V: serde::de::Visitor<'de>>(
            self,
            visitor: V,
        ) -> $crate::error::Result<V::Value> {
            visitor.visit_unit()
        }
    };
    (any_again: $($method:ident)*) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> $crate::error::Result<V::Value> {
            serde::Deserializer::deserialize_any(self, visitor)
        }
    )*};
    ($how:ident: $($method:ident)*) => {$(
        fn $method<V: serde::de::Visitor<'de>>(self, visitor: V) -> $crate::error::Result<V::Value> {
            $crate::de::view::$how(self, visitor)
        }
    )*};
}
pub(crate) use view_deserializer;

/// Calls `$fwd! { $pre $extra every-method }` with every `serde::Deserializer`
/// method but `deserialize_newtype_struct` (which a forwarder may treat apart,
/// or pass in `$extra`): for the deserializers that forward to a [`View`].
macro_rules! forward_deserializer {
    ($fwd:ident { $($pre:tt)* } $($extra:tt)*) => {
        $fwd! {
            $($pre)* $($extra)*
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
    };
}
pub(crate) use forward_deserializer;
