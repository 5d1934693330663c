//! Conversions from Rust values into [`Value`].
//!
//! Sequences become lists: `Vec<u8>` gives a list of ints, like every other
//! `Vec<T>`. Bytes come from [`Value::bytes`], [`Value::bytearray`],
//! `serde_bytes::ByteBuf`/`Bytes`, or a byte-string literal (`&[u8; N]`,
//! what `b"..."` is).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use num_bigint::BigInt;

use super::{Dict, Global, Object, Shared, Value};

impl Value {
    /// A `bytes` value.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::bytes(vec![0u8, 1]).to_string(), r"b'\x00\x01'");
    /// assert_eq!(Value::bytes(&b"ab"[..]).to_string(), "b'ab'");
    /// ```
    pub fn bytes(b: impl Into<Vec<u8>>) -> Value {
        Value::Bytes(b.into())
    }

    /// A `bytearray` value.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::bytearray(&b"ab"[..]).to_string(), "bytearray(b'ab')");
    /// ```
    pub fn bytearray(b: impl Into<Vec<u8>>) -> Value {
        Value::ByteArray(b.into())
    }

    /// An integer from a `BigInt`: [`Value::Int`] when it fits in `i64`, else
    /// [`Value::BigInt`] (the invariant the rest of the crate expects).
    ///
    /// ```
    /// use serde_pickle::value::{BigInt, Value};
    /// assert!(matches!(Value::int(BigInt::from(5)), Value::Int(5)));
    /// assert!(matches!(Value::int(BigInt::from(u64::MAX)), Value::BigInt(_)));
    /// ```
    pub fn int(i: BigInt) -> Value {
        match i64::try_from(&i) {
            Ok(small) => Value::Int(small),
            Err(_) => Value::BigInt(i),
        }
    }

    /// A `set` of the given items (Python would drop duplicates; this keeps them as given).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::set([1, 2]).to_string(), "{1, 2}");
    /// ```
    pub fn set<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Set(items.into_iter().map(Into::into).collect())
    }

    /// A `frozenset` of the given items.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::frozenset([1]).to_string(), "frozenset({1})");
    /// ```
    pub fn frozenset<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::FrozenSet(items.into_iter().map(Into::into).collect())
    }

    /// A `tuple` of the given items.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::tuple(["a"]).to_string(), "('a',)");
    /// ```
    pub fn tuple<T: Into<Value>>(items: impl IntoIterator<Item = T>) -> Value {
        Value::Tuple(items.into_iter().map(Into::into).collect())
    }
}

macro_rules! from_small_int {
    ($($t:ty),*) => {$(
        /// An [`Value::Int`].
        ///
        /// ```
        /// assert_eq!(serde_pickle::Value::from(-7i8).to_string(), "-7");
        /// ```
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                Value::Int(i as i64)
            }
        }
    )*};
}

from_small_int!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! from_wide_int {
    ($($t:ty),*) => {$(
        /// A [`Value::Int`] when it fits in `i64`, else a [`Value::BigInt`].
        ///
        /// ```
        /// assert_eq!(serde_pickle::Value::from(u128::MAX).to_string(), "340282366920938463463374607431768211455");
        /// ```
        impl From<$t> for Value {
            fn from(i: $t) -> Value {
                match i64::try_from(i) {
                    Ok(small) => Value::Int(small),
                    Err(_) => Value::BigInt(BigInt::from(i)),
                }
            }
        }
    )*};
}

from_wide_int!(isize, usize, u64, i128, u128);

/// Through [`Value::int`]: `Int` when it fits in `i64`, else `BigInt`.
///
/// ```
/// use serde_pickle::value::{BigInt, Value};
/// assert_eq!(Value::from(BigInt::from(10).pow(20)).to_string(), "100000000000000000000");
/// ```
impl From<BigInt> for Value {
    fn from(i: BigInt) -> Value {
        Value::int(i)
    }
}

/// A [`Value::Bool`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from(true).to_string(), "True");
/// ```
impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

/// A [`Value::Float`] (the `f32` widened exactly).
///
/// ```
/// assert_eq!(serde_pickle::Value::from(0.5f32).to_string(), "0.5");
/// ```
impl From<f32> for Value {
    fn from(x: f32) -> Value {
        Value::Float(x as f64)
    }
}

/// A [`Value::Float`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from(1e100).to_string(), "1e+100");
/// ```
impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}

/// A one-character [`Value::Str`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from('x').to_string(), "'x'");
/// ```
impl From<char> for Value {
    fn from(c: char) -> Value {
        Value::Str(c.to_string())
    }
}

/// A [`Value::Str`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from("it's").to_string(), r#""it's""#);
/// ```
impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::Str(s.to_owned())
    }
}

/// A [`Value::Str`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from(String::from("a")).to_string(), "'a'");
/// ```
impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::Str(s)
    }
}

/// A [`Value::Str`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from(&String::from("a")).to_string(), "'a'");
/// ```
impl From<&String> for Value {
    fn from(s: &String) -> Value {
        Value::Str(s.clone())
    }
}

/// A [`Value::Str`].
///
/// ```
/// assert_eq!(serde_pickle::Value::from(Box::<str>::from("a")).to_string(), "'a'");
/// ```
impl From<Box<str>> for Value {
    fn from(s: Box<str>) -> Value {
        Value::Str(s.into())
    }
}

/// A [`Value::Str`].
///
/// ```
/// use std::borrow::Cow;
/// assert_eq!(serde_pickle::Value::from(Cow::Borrowed("a")).to_string(), "'a'");
/// ```
impl<'a> From<Cow<'a, str>> for Value {
    fn from(s: Cow<'a, str>) -> Value {
        Value::Str(s.into_owned())
    }
}

/// `()` is Python's `None`.
///
/// ```
/// assert_eq!(serde_pickle::Value::from(()).to_string(), "None");
/// ```
impl From<()> for Value {
    fn from(_: ()) -> Value {
        Value::None
    }
}

/// `None` for `None`, else the converted value.
///
/// ```
/// use serde_pickle::Value;
/// assert_eq!(Value::from(Some(1)).to_string(), "1");
/// assert_eq!(Value::from(None::<i32>).to_string(), "None");
/// ```
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Value {
        o.map_or(Value::None, Into::into)
    }
}

/// A [`Value::List`] (also for `Vec<u8>`; use [`Value::bytes`] for `bytes`).
///
/// ```
/// use serde_pickle::Value;
/// assert_eq!(Value::from(vec![1u8, 2]).to_string(), "[1, 2]");
/// ```
impl<T: Into<Value>> From<Vec<T>> for Value {
    fn from(v: Vec<T>) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// A [`Value::List`] of clones.
///
/// ```
/// use serde_pickle::Value;
/// assert_eq!(Value::from(&["a", "b"][..]).to_string(), "['a', 'b']");
/// ```
impl<T: Clone + Into<Value>> From<&[T]> for Value {
    fn from(v: &[T]) -> Value {
        Value::List(v.iter().cloned().map(Into::into).collect())
    }
}

/// A [`Value::List`].
///
/// ```
/// use serde_pickle::Value;
/// assert_eq!(Value::from([1, 2]).to_string(), "[1, 2]");
/// ```
impl<T: Into<Value>, const N: usize> From<[T; N]> for Value {
    fn from(v: [T; N]) -> Value {
        Value::List(v.into_iter().map(Into::into).collect())
    }
}

/// A [`Value::Bytes`]: a reference to a byte array is what a byte-string
/// literal is, so `b"..."` converts to `bytes` as in Python.
///
/// ```
/// use serde_pickle::Value;
/// assert_eq!(Value::from(b"a\n").to_string(), r"b'a\n'");
/// ```
impl<const N: usize> From<&[u8; N]> for Value {
    fn from(b: &[u8; N]) -> Value {
        Value::Bytes(b.to_vec())
    }
}

/// A [`Value::Bytes`].
///
/// ```
/// use serde_pickle::Value;
/// assert_eq!(Value::from(serde_bytes::ByteBuf::from(vec![1u8])).to_string(), r"b'\x01'");
/// ```
impl From<serde_bytes::ByteBuf> for Value {
    fn from(b: serde_bytes::ByteBuf) -> Value {
        Value::Bytes(b.into_vec())
    }
}

/// A [`Value::Bytes`].
///
/// ```
/// let b = serde_bytes::Bytes::new(b"a");
/// assert_eq!(serde_pickle::Value::from(b).to_string(), "b'a'");
/// ```
impl From<&serde_bytes::Bytes> for Value {
    fn from(b: &serde_bytes::Bytes) -> Value {
        Value::Bytes(b.to_vec())
    }
}

/// A [`Value::Dict`] in the map's iteration order (arbitrary for `HashMap`).
///
/// ```
/// use std::collections::HashMap;
/// use serde_pickle::Value;
/// let m: HashMap<&str, i32> = [("a", 1)].into_iter().collect();
/// assert_eq!(Value::from(m).to_string(), "{'a': 1}");
/// ```
impl<K: Into<Value>, V: Into<Value>, S> From<HashMap<K, V, S>> for Value {
    fn from(m: HashMap<K, V, S>) -> Value {
        Value::Dict(m.into_iter().collect())
    }
}

/// A [`Value::Dict`] in key order.
///
/// ```
/// use std::collections::BTreeMap;
/// use serde_pickle::Value;
/// let m: BTreeMap<i32, &str> = [(2, "b"), (1, "a")].into_iter().collect();
/// assert_eq!(Value::from(m).to_string(), "{1: 'a', 2: 'b'}");
/// ```
impl<K: Into<Value>, V: Into<Value>> From<BTreeMap<K, V>> for Value {
    fn from(m: BTreeMap<K, V>) -> Value {
        Value::Dict(m.into_iter().collect())
    }
}

/// A [`Value::Set`] in the set's iteration order (arbitrary).
///
/// ```
/// use std::collections::HashSet;
/// use serde_pickle::Value;
/// let s: HashSet<i32> = [7].into_iter().collect();
/// assert_eq!(Value::from(s).to_string(), "{7}");
/// ```
impl<T: Into<Value>, S> From<HashSet<T, S>> for Value {
    fn from(s: HashSet<T, S>) -> Value {
        Value::Set(s.into_iter().map(Into::into).collect())
    }
}

/// A [`Value::Set`] in order.
///
/// ```
/// use std::collections::BTreeSet;
/// use serde_pickle::Value;
/// let s: BTreeSet<i32> = [2, 1].into_iter().collect();
/// assert_eq!(Value::from(s).to_string(), "{1, 2}");
/// ```
impl<T: Into<Value>> From<BTreeSet<T>> for Value {
    fn from(s: BTreeSet<T>) -> Value {
        Value::Set(s.into_iter().map(Into::into).collect())
    }
}

/// A [`Value::Dict`].
///
/// ```
/// use serde_pickle::value::{Dict, Value};
/// assert_eq!(Value::from(Dict::new()).to_string(), "{}");
/// ```
impl From<Dict> for Value {
    fn from(d: Dict) -> Value {
        Value::Dict(d)
    }
}

/// A [`Value::Global`].
///
/// ```
/// use serde_pickle::value::{Global, Value};
/// assert_eq!(Value::from(Global::new("builtins", "int")).to_string(), "<class 'int'>");
/// ```
impl From<Global> for Value {
    fn from(g: Global) -> Value {
        Value::Global(Box::new(g))
    }
}

/// A [`Value::Object`].
///
/// ```
/// use serde_pickle::value::{Global, Object, ObjectKind, Value};
/// let o = Object::new(ObjectKind::Reduce, Global::new("datetime", "date").into(), vec![2020.into(), 1.into(), 2.into()]);
/// assert_eq!(Value::from(o).to_string(), "datetime.date(2020, 1, 2)");
/// ```
impl From<Object> for Value {
    fn from(o: Object) -> Value {
        Value::Object(Box::new(o))
    }
}

/// A [`Value::Shared`].
///
/// ```
/// use serde_pickle::value::{Shared, Value};
/// assert!(Value::from(Shared::new(Value::None)).is_shared());
/// ```
impl From<Shared> for Value {
    fn from(s: Shared) -> Value {
        Value::Shared(s)
    }
}

macro_rules! from_tuple {
    ($($n:ident $t:ident),+) => {
        /// A [`Value::Tuple`] (tuples of up to 6 elements).
        ///
        /// ```
        /// use serde_pickle::Value;
        /// assert_eq!(Value::from((1,)).to_string(), "(1,)");
        /// assert_eq!(Value::from((1, "a", 2.5, (), true, 'c')).to_string(), "(1, 'a', 2.5, None, True, 'c')");
        /// ```
        impl<$($t: Into<Value>),+> From<($($t,)+)> for Value {
            fn from(($($n,)+): ($($t,)+)) -> Value {
                Value::Tuple(vec![$($n.into()),+])
            }
        }
    };
}

from_tuple!(a A);
from_tuple!(a A, b B);
from_tuple!(a A, b B, c C);
from_tuple!(a A, b B, c C, d D);
from_tuple!(a A, b B, c C, d D, e E);
from_tuple!(a A, b B, c C, d D, e E, f F);

/// Collects into a [`Value::List`].
///
/// ```
/// use serde_pickle::Value;
/// let v: Value = (1..4).collect();
/// assert_eq!(v.to_string(), "[1, 2, 3]");
/// ```
impl<T: Into<Value>> FromIterator<T> for Value {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Value {
        Value::List(iter.into_iter().map(Into::into).collect())
    }
}
