//! Hashing of [`Value`]s consistent with Python's `==` (see `eq.rs`):
//! numbers hash as CPython's `hash()` of the number.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use num_bigint::{BigInt, BigUint, Sign};

use super::{Dict, Value};

/// How many containers deep [`Value::hash`] looks; deeper content is ignored.
pub(super) const HASH_DEPTH: u32 = 24;

/// The 2^61 - 1 modulus of CPython's numeric hash.
const MODULUS: u64 = (1 << 61) - 1;

/// CPython's `hash()` of an integer given as sign and magnitude mod 2^61 - 1.
fn finish_hash(negative: bool, magnitude_mod: u64) -> i64 {
    let h = magnitude_mod as i64;
    let h = if negative { -h } else { h };
    if h == -1 {
        -2
    } else {
        h
    }
}

fn hash_i64(i: i64) -> i64 {
    finish_hash(i < 0, i.unsigned_abs() % MODULUS)
}

fn hash_bigint(b: &BigInt) -> i64 {
    let r: BigUint = b.magnitude() % MODULUS;
    finish_hash(b.sign() == Sign::Minus, r.to_u64_digits().first().copied().unwrap_or(0))
}

/// CPython's `hash()` of a float (NaN hashes as 0 here; CPython uses its identity).
fn hash_f64(x: f64) -> i64 {
    if x.is_nan() {
        return 0;
    }
    if x.is_infinite() {
        return if x > 0.0 { 314_159 } else { -314_159 };
    }
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let mut mant = bits & ((1 << 52) - 1);
    let exp = if biased == 0 {
        -1074
    } else {
        mant |= 1 << 52;
        biased - 1075
    };
    // x = ±mant * 2^exp, and 2^61 ≡ 1 (mod 2^61 - 1).
    let shift = exp.rem_euclid(61) as u32;
    let h = ((mant as u128) << shift) % (MODULUS as u128);
    finish_hash(x < 0.0, h as u64)
}

/// CPython's `hash()` of a number, or `None` if `v` is not a number.
pub(crate) fn numeric_hash(v: &Value) -> Option<i64> {
    Some(match v {
        Value::Bool(b) => *b as i64,
        Value::Int(i) => hash_i64(*i),
        Value::BigInt(b) => hash_bigint(b),
        Value::Float(x) => hash_f64(*x),
        Value::Complex(re, im) => {
            let h = (hash_f64(*re) as u64)
                .wrapping_add(1_000_003u64.wrapping_mul(hash_f64(*im) as u64));
            finish_hash(false, h) // -1 → -2, the rest unchanged
        }
        _ => return None,
    })
}

/// Type tags: values that can compare equal share a tag.
#[derive(Hash)]
enum Tag {
    None,
    Number,
    Str,
    Bytes,
    List,
    Tuple,
    Dict,
    Set,
    Global,
    Object,
    Buffer,
    PersistentId,
}

/// Memo of shared nodes' hashes, by node id and remaining depth.
pub(super) type HashMemo = HashMap<(usize, u32), u64>;

fn hash_of_seq(items: &[Value], depth: u32, memo: &mut HashMemo, h: &mut DefaultHasher) {
    h.write_usize(items.len());
    for item in items {
        h.write_u64(node_hash(item, depth, memo));
    }
}

/// Order- and duplicate-insensitive combination of element hashes.
fn hash_of_unordered(mut hashes: Vec<u64>, h: &mut DefaultHasher) {
    hashes.sort_unstable();
    hashes.dedup();
    for x in hashes {
        h.write_u64(x);
    }
}

fn hash_of_pairs(pairs: &[(Value, Value)], depth: u32, memo: &mut HashMemo, h: &mut DefaultHasher) {
    let hashes = pairs
        .iter()
        .map(|(k, v)| node_hash(k, depth, memo) ^ node_hash(v, depth, memo).rotate_left(17))
        .collect();
    hash_of_unordered(hashes, h);
}

/// A hash consistent with `==`: equal values hash equal. Looks `depth`
/// containers deep; shared nodes are transparent and memoized.
pub(super) fn node_hash(v: &Value, depth: u32, memo: &mut HashMemo) -> u64 {
    if let Value::Shared(s) = v {
        let key = (s.id(), depth);
        if let Some(h) = memo.get(&key) {
            return *h;
        }
        let h = node_hash(v.resolve(), depth, memo);
        memo.insert(key, h);
        return h;
    }
    let mut h = DefaultHasher::new();
    if let Some(n) = numeric_hash(v) {
        Tag::Number.hash(&mut h);
        h.write_i64(n);
        return h.finish();
    }
    let tag = match v {
        Value::Str(_) | Value::SurrogateStr(_) => Tag::Str,
        Value::Bytes(_) | Value::ByteArray(_) => Tag::Bytes,
        Value::List(_) => Tag::List,
        Value::Tuple(_) => Tag::Tuple,
        Value::Dict(_) => Tag::Dict,
        Value::Set(_) | Value::FrozenSet(_) => Tag::Set,
        Value::Global(_) => Tag::Global,
        Value::Object(_) => Tag::Object,
        Value::Buffer { .. } => Tag::Buffer,
        Value::PersistentId(_) => Tag::PersistentId,
        _ => Tag::None,
    };
    tag.hash(&mut h);
    let Some(depth) = depth.checked_sub(1) else {
        return h.finish();
    };
    match v {
        Value::Str(s) => s.as_bytes().hash(&mut h),
        Value::SurrogateStr(b) => b.hash(&mut h),
        Value::Bytes(b) | Value::ByteArray(b) => b.hash(&mut h),
        Value::List(items) | Value::Tuple(items) => hash_of_seq(items, depth, memo, &mut h),
        Value::Dict(d) => hash_of_pairs(d.as_slice(), depth, memo, &mut h),
        Value::Set(items) | Value::FrozenSet(items) => {
            let hashes = items.iter().map(|x| node_hash(x, depth, memo)).collect();
            hash_of_unordered(hashes, &mut h);
        }
        Value::Global(g) => g.hash(&mut h),
        Value::Object(o) => {
            o.kind.creation().hash(&mut h);
            h.write_u64(node_hash(&o.callable, depth, memo));
            hash_of_seq(&o.args, depth, memo, &mut h);
            hash_of_pairs(o.kwargs.as_ref().map_or(&[][..], Dict::as_slice), depth, memo, &mut h);
            hash_of_seq(&o.state, depth, memo, &mut h);
            hash_of_seq(&o.list_items, depth, memo, &mut h);
            for (k, v) in &o.dict_items {
                h.write_u64(node_hash(k, depth, memo));
                h.write_u64(node_hash(v, depth, memo));
            }
        }
        Value::Buffer { index, readonly } => {
            index.hash(&mut h);
            readonly.hash(&mut h);
        }
        Value::PersistentId(p) => h.write_u64(node_hash(p, depth, memo)),
        _ => {}
    }
    h.finish()
}

/// Hashes consistently with `==` (Python equality), for every value:
/// `Int(1)`, `Float(1.0)`, `Bool(true)` and `Complex(1.0, 0.0)` hash alike
/// (numbers feed CPython's own `hash()` of the number to the hasher), so do
/// `Bytes` and `ByteArray` with the same content, and sets or dicts with the
/// same items in any order. Only the first 24 levels of nesting count.
///
/// Python refuses to hash lists, dicts, sets and bytearrays; see
/// [`Value::is_hashable`]. `Value` is not `Eq` (NaN is not equal to itself).
///
/// ```
/// use std::collections::hash_map::DefaultHasher;
/// use std::hash::{Hash, Hasher};
/// use serde_pickle::Value;
/// let h = |v: &Value| { let mut s = DefaultHasher::new(); v.hash(&mut s); s.finish() };
/// assert_eq!(h(&Value::Int(1)), h(&Value::Float(1.0)));
/// assert_eq!(h(&Value::Int(1)), h(&Value::Bool(true)));
/// ```
impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(node_hash(self, HASH_DEPTH, &mut HashMemo::new()));
    }
}

/// The hash [`Value`]'s `Hash` impl feeds, with a fixed-key hasher.
pub(crate) fn hash64(v: &Value) -> u64 {
    node_hash(v, HASH_DEPTH, &mut HashMemo::new())
}

impl Value {
    /// True if Python could hash the value (use it as a dict key or set
    /// member): not a list, dict, set or bytearray, nor a tuple, frozenset or
    /// persistent id holding one. Objects count as hashable (Python hashes
    /// instances by identity unless their class says otherwise).
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert!(pickle!((1, "a", (2.5, None))).is_hashable());
    /// assert!(!pickle!((1, [2])).is_hashable());
    /// ```
    pub fn is_hashable(&self) -> bool {
        let mut stack = vec![self];
        let mut seen: HashSet<usize> = HashSet::new();
        while let Some(v) = stack.pop() {
            match v {
                Value::ByteArray(_) | Value::List(_) | Value::Dict(_) | Value::Set(_) => {
                    return false
                }
                Value::Tuple(items) | Value::FrozenSet(items) => stack.extend(items),
                Value::PersistentId(p) => stack.push(p),
                Value::Shared(s) if seen.insert(s.id()) => stack.push(s.get()),
                _ => {}
            }
        }
        true
    }

    /// A hash of the value consistent with `==` (as its [`Hash`] impl
    /// computes, with a fixed-key hasher), or `None` if Python would refuse to
    /// hash it (see [`Value::is_hashable`]).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::Int(2).hash_key(), Value::Float(2.0).hash_key());
    /// assert_eq!(Value::List(vec![]).hash_key(), None);
    /// ```
    pub fn hash_key(&self) -> Option<u64> {
        self.is_hashable().then(|| hash64(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_hash_matches_cpython() {
        // Values printed by CPython 3.11's hash().
        let cases: &[(Value, i64)] = &[
            (Value::Int(-1), -2),
            (Value::Int(1 << 61), 1),
            (Value::Int(i64::MIN), -4),
            (Value::Float(1.5), 1_152_921_504_606_846_977),
            (Value::Float(-0.5), -1_152_921_504_606_846_976),
            (Value::Float(1e300), 1_224_995_262_755_759_164),
            (Value::Float(5e-324), 16_777_216),
            (Value::Float(-9.223_372_036_854_776e18), -4),
            (Value::Float(f64::INFINITY), 314_159),
            (Value::Complex(1.0, 2.0), 2_000_007),
            (Value::BigInt(BigInt::from(10).pow(30)), 465_258_685_558_744_706),
            (Value::BigInt(-BigInt::from(10).pow(30)), -465_258_685_558_744_706),
            (Value::BigInt(BigInt::from(1u128 << 64)), 8),
        ];
        for (v, h) in cases {
            assert_eq!(numeric_hash(v), Some(*h), "{v:?}");
        }
    }
}
