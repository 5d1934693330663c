//! Equality of [`Value`]s with Python's semantics (hashing is in `hash.rs`), plus the
//! strict structural comparison [`Value::same_as`].

use std::collections::{HashMap, HashSet};

use num_bigint::BigInt;

use super::hash::{node_hash, HashMemo, HASH_DEPTH};
use super::{Dict, Object, Shared, Value};

/// Set-member and dict-key comparisons nested deeper than this compare with
/// [`Value::same_as`] (order-sensitive) instead, to bound the recursion.
const NEST_LIMIT: usize = 128;
/// Containers at least this large are matched through a hash index.
const INDEX_MIN: usize = 16;

impl Value {
    /// Strict structural equality: same variants all the way down (`Int(1)` is
    /// not `Float(1.0)`, `List` is not `Tuple`, `Set` is not `FrozenSet`),
    /// floats compared by bits (NaN is the same as an identical NaN, `0.0` is
    /// not `-0.0`), dicts and sets in the same order, `Object` kwargs `None`
    /// not the same as an empty dict. A `Shared` node is the same only as a
    /// `Shared` node with the same content (compared without hanging on cycles).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert!(Value::Float(f64::NAN).same_as(&Value::Float(f64::NAN)));
    /// assert!(!Value::Int(1).same_as(&Value::Float(1.0)));
    /// assert!(Value::Int(1) == Value::Float(1.0));
    /// ```
    pub fn same_as(&self, other: &Value) -> bool {
        let mut stack = vec![(self, other)];
        let mut seen: HashSet<(usize, usize)> = HashSet::new();
        while let Some((x, y)) = stack.pop() {
            let ok = match (x, y) {
                (Value::None, Value::None) => true,
                (Value::Bool(a), Value::Bool(b)) => a == b,
                (Value::Int(a), Value::Int(b)) => a == b,
                (Value::BigInt(a), Value::BigInt(b)) => a == b,
                (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
                (Value::Complex(a, b), Value::Complex(c, d)) => {
                    a.to_bits() == c.to_bits() && b.to_bits() == d.to_bits()
                }
                (Value::Str(a), Value::Str(b)) => a == b,
                (Value::SurrogateStr(a), Value::SurrogateStr(b)) => a == b,
                (Value::Bytes(a), Value::Bytes(b)) | (Value::ByteArray(a), Value::ByteArray(b)) => {
                    a == b
                }
                (Value::List(a), Value::List(b))
                | (Value::Tuple(a), Value::Tuple(b))
                | (Value::Set(a), Value::Set(b))
                | (Value::FrozenSet(a), Value::FrozenSet(b)) => {
                    a.len() == b.len() && {
                        stack.extend(a.iter().zip(b));
                        true
                    }
                }
                (Value::Dict(a), Value::Dict(b)) => {
                    same_pairs(a.as_slice(), b.as_slice(), &mut stack)
                }
                (Value::Global(a), Value::Global(b)) => a == b,
                (Value::Object(a), Value::Object(b)) => same_object(a, b, &mut stack),
                (
                    Value::Buffer { index: i, readonly: r },
                    Value::Buffer { index: j, readonly: s },
                ) => i == j && r == s,
                (Value::PersistentId(a), Value::PersistentId(b)) => {
                    stack.push((a, b));
                    true
                }
                (Value::Shared(a), Value::Shared(b)) => {
                    if !a.ptr_eq(b) && seen.insert((a.id(), b.id())) {
                        stack.push((a.get(), b.get()));
                    }
                    true
                }
                _ => false,
            };
            if !ok {
                return false;
            }
        }
        true
    }
}

fn same_pairs<'a>(
    a: &'a [(Value, Value)],
    b: &'a [(Value, Value)],
    stack: &mut Vec<(&'a Value, &'a Value)>,
) -> bool {
    if a.len() != b.len() {
        return false;
    }
    for ((k1, v1), (k2, v2)) in a.iter().zip(b) {
        stack.push((k1, k2));
        stack.push((v1, v2));
    }
    true
}

fn same_object<'a>(a: &'a Object, b: &'a Object, stack: &mut Vec<(&'a Value, &'a Value)>) -> bool {
    let same_shape = a.kind.creation() == b.kind.creation()
        && a.args.len() == b.args.len()
        && a.state.len() == b.state.len()
        && a.list_items.len() == b.list_items.len()
        && a.effects.len() == b.effects.len()
        && a.kwargs.is_some() == b.kwargs.is_some();
    if !same_shape {
        return false;
    }
    stack.push((&a.callable, &b.callable));
    stack.extend(a.args.iter().zip(&b.args));
    stack.extend(a.state.iter().zip(&b.state));
    stack.extend(a.list_items.iter().zip(&b.list_items));
    stack.extend(a.effects.iter().zip(&b.effects));
    if let (Some(x), Some(y)) = (&a.kwargs, &b.kwargs) {
        if !same_pairs(x.as_slice(), y.as_slice(), stack) {
            return false;
        }
    }
    same_pairs(&a.dict_items, &b.dict_items, stack)
}

/// A number, for numeric comparison.
enum Num<'a> {
    I(i64),
    B(&'a BigInt),
    F(f64),
    C(f64, f64),
}

fn as_num(v: &Value) -> Option<Num<'_>> {
    Some(match v {
        Value::Bool(b) => Num::I(*b as i64),
        Value::Int(i) => Num::I(*i),
        Value::BigInt(b) => Num::B(b),
        Value::Float(x) => Num::F(*x),
        Value::Complex(re, im) => Num::C(*re, *im),
        _ => return None,
    })
}

/// The exact integer value of an integral finite float.
fn float_to_bigint(x: f64) -> BigInt {
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i64;
    let mant = if biased == 0 {
        (bits & ((1 << 52) - 1)) << 1
    } else {
        (bits & ((1 << 52) - 1)) | (1 << 52)
    };
    let exp = biased.max(1) - 1075;
    let mag = if exp >= 0 {
        BigInt::from(mant) << (exp as usize)
    } else {
        BigInt::from(mant >> (-exp).min(63))
    };
    if x < 0.0 {
        -mag
    } else {
        mag
    }
}

/// Python's `int == float`: exact, no rounding of the int.
fn int_eq_float(i: &Num<'_>, x: f64) -> bool {
    if !x.is_finite() || x.fract() != 0.0 {
        return false;
    }
    match i {
        Num::I(i) => {
            (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x) && x as i64 == *i
        }
        Num::B(b) => float_to_bigint(x) == **b,
        _ => false,
    }
}

fn num_eq(a: &Num<'_>, b: &Num<'_>) -> bool {
    match (a, b) {
        (Num::I(x), Num::I(y)) => x == y,
        (Num::B(x), Num::B(y)) => x == y,
        (Num::I(x), Num::B(y)) | (Num::B(y), Num::I(x)) => BigInt::from(*x) == **y,
        (Num::F(x), Num::F(y)) => x == y,
        (i, Num::F(x)) | (Num::F(x), i) if !matches!(i, Num::C(..)) => int_eq_float(i, *x),
        (Num::C(a, b), Num::C(c, d)) => a == c && b == d,
        (Num::C(re, im), n) | (n, Num::C(re, im)) => *im == 0.0 && num_eq(&Num::F(*re), n),
        _ => false,
    }
}

/// What one `==` computation has worked out so far. Set members and dict
/// keys are compared pairwise, in both directions for sets: without the
/// memo, sets nested in sets compared the same pairs again at every level,
/// in time exponential in the nesting (40 nested frozensets, a 200-byte
/// pickle, did not finish). Keyed by address: the values are borrowed for
/// the whole computation.
#[derive(Default)]
struct EqMemo {
    members: HashMap<(usize, usize), bool>,
    hashes: HashMemo,
}

/// Element equality used for set membership and dict keys.
fn member_eq(a: &Value, b: &Value, nest: usize, memo: &mut EqMemo) -> bool {
    let key = (a as *const Value as usize, b as *const Value as usize);
    if let Some(&known) = memo.members.get(&key) {
        return known;
    }
    let eq = if nest > NEST_LIMIT { a.same_as(b) } else { py_eq(a, b, nest + 1, memo) };
    memo.members.insert(key, eq);
    eq
}

/// For each item of `a`, the index of an equal item of `b`.
fn find_all(a: &[&Value], b: &[&Value], nest: usize, memo: &mut EqMemo) -> Option<Vec<usize>> {
    let mut out = Vec::with_capacity(a.len());
    if b.len() >= INDEX_MIN {
        let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
        for (j, y) in b.iter().enumerate() {
            index.entry(node_hash(y, HASH_DEPTH, &mut memo.hashes)).or_default().push(j);
        }
        for x in a {
            let candidates = index.get(&node_hash(x, HASH_DEPTH, &mut memo.hashes))?;
            out.push(*candidates.iter().find(|&&j| member_eq(x, b[j], nest, memo))?);
        }
    } else {
        for x in a {
            out.push(b.iter().position(|y| member_eq(x, y, nest, memo))?);
        }
    }
    Some(out)
}

/// Python dict equality: same size, every key of `a` in `b` with an equal value.
fn dict_eq<'a>(
    a: &'a [(Value, Value)],
    b: &'a [(Value, Value)],
    nest: usize,
    stack: &mut Vec<(&'a Value, &'a Value)>,
    memo: &mut EqMemo,
) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let ka: Vec<&Value> = a.iter().map(|(k, _)| k).collect();
    let kb: Vec<&Value> = b.iter().map(|(k, _)| k).collect();
    match find_all(&ka, &kb, nest, memo) {
        Some(found) => {
            stack.extend(a.iter().zip(found).map(|((_, v), j)| (v, &b[j].1)));
            true
        }
        None => false,
    }
}

/// Python set equality (each contains the other; duplicates don't count).
fn set_eq(a: &[Value], b: &[Value], nest: usize, memo: &mut EqMemo) -> bool {
    let ra: Vec<&Value> = a.iter().collect();
    let rb: Vec<&Value> = b.iter().collect();
    find_all(&ra, &rb, nest, memo).is_some() && find_all(&rb, &ra, nest, memo).is_some()
}

/// Python `==`, iteratively; cycles through shared nodes are assumed equal
/// when met again (so two equal cyclic structures compare equal).
fn py_eq(a: &Value, b: &Value, nest: usize, memo: &mut EqMemo) -> bool {
    run_eq(vec![(a, b)], nest, memo)
}

/// Python `==` of two values, a computation of its own.
fn py_eq_new(a: &Value, b: &Value) -> bool {
    py_eq(a, b, 0, &mut EqMemo::default())
}

/// Python `==` of every pair on `stack` (which grows as containers open).
fn run_eq<'a>(mut stack: Vec<(&'a Value, &'a Value)>, nest: usize, memo: &mut EqMemo) -> bool {
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    while let Some((x, y)) = stack.pop() {
        if matches!(x, Value::Shared(_)) || matches!(y, Value::Shared(_)) {
            if let (Value::Shared(s), Value::Shared(t)) = (x, y) {
                if s.ptr_eq(t) {
                    continue;
                }
            }
            let (x, y) = (x.resolve(), y.resolve());
            if seen.insert((x as *const Value as usize, y as *const Value as usize)) {
                stack.push((x, y));
            }
            continue;
        }
        if let (Some(m), Some(n)) = (as_num(x), as_num(y)) {
            if num_eq(&m, &n) {
                continue;
            }
            return false;
        }
        let ok = match (x, y) {
            (Value::None, Value::None) => true,
            (Value::Str(a), Value::Str(b)) => a == b,
            (Value::SurrogateStr(a), Value::SurrogateStr(b)) => a == b,
            // Same text, same encoding (a surrogate-free SurrogateStr is plain UTF-8).
            (Value::Str(a), Value::SurrogateStr(b)) | (Value::SurrogateStr(b), Value::Str(a)) => {
                a.as_bytes() == &b[..]
            }
            (Value::Bytes(a) | Value::ByteArray(a), Value::Bytes(b) | Value::ByteArray(b)) => {
                a == b
            }
            (Value::List(a), Value::List(b)) | (Value::Tuple(a), Value::Tuple(b)) => {
                a.len() == b.len() && {
                    stack.extend(a.iter().zip(b));
                    true
                }
            }
            (Value::Dict(a), Value::Dict(b)) => {
                dict_eq(a.as_slice(), b.as_slice(), nest, &mut stack, memo)
            }
            (Value::Set(a) | Value::FrozenSet(a), Value::Set(b) | Value::FrozenSet(b)) => {
                set_eq(a, b, nest, memo)
            }
            (Value::Global(a), Value::Global(b)) => a == b,
            (Value::Object(a), Value::Object(b)) => object_eq(a, b, nest, &mut stack, memo),
            (Value::Buffer { index: i, readonly: r }, Value::Buffer { index: j, readonly: s }) => {
                i == j && r == s
            }
            (Value::PersistentId(a), Value::PersistentId(b)) => {
                stack.push((a, b));
                true
            }
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// Objects: same kind and shape, kwargs as dicts; pushes the parts to compare.
fn object_eq<'a>(
    a: &'a Object,
    b: &'a Object,
    nest: usize,
    stack: &mut Vec<(&'a Value, &'a Value)>,
    memo: &mut EqMemo,
) -> bool {
    let kwargs = |o: &'a Object| o.kwargs.as_ref().map_or(&[][..], Dict::as_slice);
    let same_shape = a.kind.creation() == b.kind.creation()
        && a.args.len() == b.args.len()
        && a.state.len() == b.state.len()
        && a.list_items.len() == b.list_items.len()
        && a.dict_items.len() == b.dict_items.len()
        && a.effects.len() == b.effects.len();
    if !same_shape || !dict_eq(kwargs(a), kwargs(b), nest, stack, memo) {
        return false;
    }
    stack.push((&a.callable, &b.callable));
    stack.extend(a.args.iter().zip(&b.args));
    stack.extend(a.state.iter().zip(&b.state));
    stack.extend(a.list_items.iter().zip(&b.list_items));
    stack.extend(a.effects.iter().zip(&b.effects));
    for ((k1, v1), (k2, v2)) in a.dict_items.iter().zip(&b.dict_items) {
        stack.push((k1, k2));
        stack.push((v1, v2));
    }
    true
}

/// Python's `==` where Rust allows:
///
/// * numbers compare by value across `Bool`, `Int`, `BigInt`, `Float` and
///   `Complex` (`1 == 1.0 == True == 1+0j`), exactly (`2**53 + 1 != 2.0**53`);
///   `NaN` is not equal to itself. Python's containers first compare items by
///   identity, so `[x] == [x]` is true there for a NaN `x`; here it is false,
///   except through the same [`Shared`] node;
/// * `Str` never equals `Bytes`; `Bytes` equals `ByteArray` with the same bytes;
/// * `List` never equals `Tuple`; `Set` equals `FrozenSet` with the same
///   elements, in any order; dicts compare regardless of order (also for
///   `OrderedDict`, which Python compares in order);
/// * `Shared` nodes compare by content; cyclic structures compare without
///   hanging (a pair of nodes met again is assumed equal), where Python would
///   raise `RecursionError`;
/// * `Global` by module and name, `Object` by kind (the three kinds that
///   make an instance without `__init__`, [`ObjectKind::NewObj`](crate::value::ObjectKind::NewObj),
///   [`ObjectKind::Reconstructor`](crate::value::ObjectKind::Reconstructor) and [`ObjectKind::Plain`](crate::value::ObjectKind::Plain), as one),
///   callable, arguments (`kwargs` absent equals empty) and the rest in order (the calls made
///   for their effects, [`Object::effects`], too), `Buffer` by index
///   and flag.
///
/// Equality is computed without recursion on the nesting depth, except for
/// set members and dict keys nested in each other more than 128 deep, which
/// compare with [`Value::same_as`].
///
/// ```
/// use serde_pickle::{pickle, Value};
/// assert_eq!(Value::Int(1), Value::Float(1.0));
/// assert_eq!(pickle!({"a": 1, "b": 2}), pickle!({"b": 2, "a": 1}));
/// assert_ne!(pickle!([1, 2]), pickle!((1, 2)));
/// assert_ne!(Value::Float(f64::NAN), Value::Float(f64::NAN));
/// ```
impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        py_eq_new(self, other)
    }
}

/// Python dict equality: the same keys (by `==`) with equal values, in any order.
///
/// ```
/// use serde_pickle::value::Dict;
/// let a: Dict = [(1, "x"), (2, "y")].into_iter().collect();
/// let b: Dict = [(2.0, "y"), (1.0, "x")].into_iter().collect();
/// assert_eq!(a, b);
/// ```
impl PartialEq for Dict {
    fn eq(&self, other: &Dict) -> bool {
        let (mut pending, mut memo) = (Vec::new(), EqMemo::default());
        dict_eq(self.as_slice(), other.as_slice(), 0, &mut pending, &mut memo)
            && run_eq(pending, 0, &mut memo)
    }
}

/// Same as comparing the two objects wrapped in [`Value::Object`].
///
/// ```
/// use serde_pickle::value::{Global, Object, ObjectKind, Value};
/// let o = |x| Object::new(ObjectKind::Reduce, Value::from(Global::new("m", "f")), vec![x]);
/// assert_eq!(o(Value::Int(1)), o(Value::Float(1.0)));
/// ```
impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        let (mut pending, mut memo) = (Vec::new(), EqMemo::default());
        object_eq(self, other, 0, &mut pending, &mut memo) && run_eq(pending, 0, &mut memo)
    }
}

/// Shared nodes compare by content (the same node is always equal to itself).
///
/// ```
/// use serde_pickle::value::{Shared, Value};
/// assert_eq!(Shared::new(Value::Int(1)), Shared::new(Value::Float(1.0)));
/// ```
impl PartialEq for Shared {
    fn eq(&self, other: &Shared) -> bool {
        self.ptr_eq(other) || py_eq_new(self.get(), other.get())
    }
}

macro_rules! eq_scalar {
    ($($t:ty),*) => {$(
        /// Compares as `self == Value::from(other)` would.
        ///
        /// ```
        /// use serde_pickle::Value;
        /// assert!(Value::Float(3.0) == 3u8 && 1.0 == Value::Bool(true));
        /// ```
        impl PartialEq<$t> for Value {
            fn eq(&self, other: &$t) -> bool {
                py_eq_new(self, &Value::from(*other))
            }
        }
        /// Compares as `Value::from(self) == other` would.
        impl PartialEq<Value> for $t {
            fn eq(&self, other: &Value) -> bool {
                py_eq_new(&Value::from(*self), other)
            }
        }
    )*};
}

eq_scalar!(bool, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64);

/// `Value::Str` (also through shared nodes) with the same text.
///
/// ```
/// use serde_pickle::Value;
/// assert!(Value::Str("a".into()) == "a");
/// ```
impl PartialEq<str> for Value {
    fn eq(&self, other: &str) -> bool {
        matches!(self.resolve(), Value::Str(s) if s == other)
    }
}

/// `Value::Str` (also through shared nodes) with the same text.
///
/// ```
/// assert_eq!(serde_pickle::Value::from("a"), "a");
/// ```
impl PartialEq<&str> for Value {
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

/// `Value::Str` (also through shared nodes) with the same text.
///
/// ```
/// assert_eq!(serde_pickle::Value::from("a"), String::from("a"));
/// ```
impl PartialEq<String> for Value {
    fn eq(&self, other: &String) -> bool {
        *self == **other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `v` inside `n` shared nodes, each holding the next.
    fn chain(v: Value, n: usize) -> Value {
        (0..n).fold(v, |v, _| Value::Shared(Shared::new(v)))
    }

    #[test]
    fn a_long_shared_chain_is_followed_to_its_end_by_every_reader() {
        for n in [1, 63, 64, 65, 100, 1023, 1024, 1025, 5000] {
            let v = chain(Value::from("k"), n);
            assert_eq!(v.resolve().as_str(), Some("k"), "{n} hops");
            assert!(v == "k", "{n} hops");
            assert!(v.is_str(), "{n} hops");
            assert_eq!(v.hash_key(), Value::from("k").hash_key(), "{n} hops");
            assert_eq!(v.to_string(), "'k'", "{n} hops");
            let bytes = crate::to_vec(&v).unwrap();
            assert_eq!(bytes, crate::to_vec(&"k").unwrap(), "{n} hops");
        }
    }

    #[test]
    fn a_shared_chain_looping_back_resolves_to_none() {
        for len in [1, 2, 3, 100] {
            let first = Shared::empty();
            let last = (1..len).fold(first.clone(), |next, _| Shared::new(Value::Shared(next)));
            let _ = first.set(Value::Shared(last.clone()));
            let v = Value::Shared(last);
            assert!(v.resolve().is_none(), "loop of {len}");
            assert!(crate::to_vec(&v).is_err(), "loop of {len}");
        }
    }

    #[test]
    fn cyclic_values_compare_without_hanging() {
        let a = Shared::empty();
        let _ = a.set(Value::List(vec![Value::Shared(a.clone())]));
        let b = Shared::empty();
        let inner = Shared::new(Value::List(vec![Value::Shared(b.clone())]));
        let _ = b.set(Value::List(vec![Value::Shared(inner)]));
        assert!(Value::Shared(a.clone()) == Value::Shared(b.clone()));
        let c = Shared::empty();
        let _ = c.set(Value::List(vec![Value::Shared(c.clone()), Value::Int(1)]));
        assert!(Value::Shared(a) != Value::Shared(c));
    }

    #[test]
    fn objects_compare_structurally_with_kwargs_as_dicts() {
        use crate::value::{Global, ObjectKind};
        let make = |kw: Option<Dict>, arg: Value| {
            let mut o = Object::new(ObjectKind::NewObjEx, Global::new("m", "C").into(), vec![arg]);
            o.kwargs = kw;
            o
        };
        let kw =
            |pairs: &[(&str, i64)]| Some(pairs.iter().map(|(k, v)| (*k, *v)).collect::<Dict>());
        assert_eq!(
            make(kw(&[("a", 1), ("b", 2)]), 1.into()),
            make(kw(&[("b", 2), ("a", 1)]), 1.0.into())
        );
        assert_eq!(make(None, 1.into()), make(kw(&[]), 1.into()));
        assert_ne!(make(kw(&[("a", 1)]), 1.into()), make(kw(&[("a", 2)]), 1.into()));
        assert_ne!(make(None, 1.into()), make(None, 2.into()));
        let (a, b) = (make(None, 1.into()), make(kw(&[]), 1.into()));
        assert!(!Value::from(a).same_as(&Value::from(b)));
    }

    #[test]
    fn deep_values_compare_and_hash_without_recursion() {
        let mut v = Value::None;
        for i in 0..1_000_000 {
            v = Value::Tuple(vec![v, Value::Int(i % 3)]);
        }
        let w = v.clone();
        assert!(v == w && v.same_as(&w));
        assert!(v.is_hashable());
        assert_eq!(v.hash_key(), w.hash_key());
        // Tuples nested directly in tuples drop one stack frame per level:
        // a dict drops what it holds without recursion.
        drop(Dict::from_unique(vec![(Value::Int(0), v), (Value::Int(1), w)]));
    }

    #[test]
    fn self_holding_shared_node_resolves_to_none() {
        let s = Shared::empty();
        let _ = s.set(Value::Shared(s.clone()));
        let v = Value::Shared(s);
        assert!(matches!(v.resolve(), Value::None));
        assert!(v == v.clone());
        assert!(v.is_hashable());
        let _ = v.hash_key();
    }
}
