//! `is_*`, `as_*` and `into_*` accessors of [`Value`].
//!
//! `is_*` and `as_*` look through [`Value::Shared`] nodes (except
//! [`Value::is_shared`] and [`Value::as_shared`]); `as_*_mut` only reach
//! values that are not behind a shared node. Because `Value` implements
//! `Drop`, its fields cannot be moved out by a `match`: use the `into_*`
//! methods or [`Value::take`].

use std::mem;
use std::sync::Arc;

use num_bigint::BigInt;

use super::eq::follow;
use super::{Dict, Global, Object, Shared, Value};

macro_rules! is_variant {
    ($($doc:literal $name:ident($yes:literal, $no:literal): $pat:pat,)*) => {$(
        #[doc = $doc]
        #[doc = ""]
        #[doc = "```"]
        #[doc = "use serde_pickle::{pickle, Value};"]
        #[doc = concat!("assert!(", $yes, ".", stringify!($name), "());")]
        #[doc = concat!("assert!(!", $no, ".", stringify!($name), "());")]
        #[doc = "```"]
        pub fn $name(&self) -> bool {
            matches!(follow(self), $pat)
        }
    )*};
}

impl Value {
    is_variant! {
        "True for `None`."
        is_none("Value::None", "pickle!(0)"): Value::None,
        "True for `True`/`False`."
        is_bool("pickle!(False)", "pickle!(0)"): Value::Bool(_),
        "True for an `int` ([`Value::Int`] or [`Value::BigInt`]; not a `bool`)."
        is_int("Value::from(u128::MAX)", "pickle!(True)"): Value::Int(_) | Value::BigInt(_),
        "True for a `float`."
        is_float("pickle!(1.0)", "pickle!(1)"): Value::Float(_),
        "True for a `complex`."
        is_complex("Value::Complex(0.0, 1.0)", "pickle!(1.0)"): Value::Complex(..),
        "True for a `str` ([`Value::Str`] or [`Value::SurrogateStr`])."
        is_str("pickle!(\"a\")", "pickle!(b\"a\")"): Value::Str(_) | Value::SurrogateStr(_),
        "True for `bytes` or `bytearray`."
        is_bytes("Value::bytearray(vec![])", "pickle!(\"a\")"): Value::Bytes(_) | Value::ByteArray(_),
        "True for a `bytearray`."
        is_bytearray("Value::bytearray(vec![])", "Value::bytes(vec![])"): Value::ByteArray(_),
        "True for a `list`."
        is_list("pickle!([1])", "pickle!((1,))"): Value::List(_),
        "True for a `tuple`."
        is_tuple("pickle!((1,))", "pickle!([1])"): Value::Tuple(_),
        "True for a `list` or a `tuple`."
        is_seq("pickle!((1,))", "pickle!({1})"): Value::List(_) | Value::Tuple(_),
        "True for a `dict`."
        is_dict("pickle!({})", "pickle!({1})"): Value::Dict(_),
        "True for a `set` or a `frozenset`."
        is_set("Value::frozenset([1])", "pickle!({})"): Value::Set(_) | Value::FrozenSet(_),
        "True for a `frozenset`."
        is_frozenset("Value::frozenset([1])", "pickle!({1})"): Value::FrozenSet(_),
        "True for a [`Value::Global`]."
        is_global("Value::Global(serde_pickle::value::Global::new(\"m\", \"n\"))", "pickle!(\"m.n\")"): Value::Global(_),
        "True for a [`Value::Object`]."
        is_object("Value::from(serde_pickle::value::Object::new(serde_pickle::value::ObjectKind::Reduce, Value::None, vec![]))", "Value::None"): Value::Object(_),
        "True for a [`Value::Buffer`]."
        is_buffer("Value::Buffer { index: 0, readonly: false }", "pickle!(b\"\")"): Value::Buffer { .. },
        "True for a [`Value::PersistentId`]."
        is_persistent_id("Value::PersistentId(Box::new(pickle!(1)))", "pickle!(1)"): Value::PersistentId(_),
    }

    /// True if the value itself is a [`Value::Shared`] node (not looking through it).
    ///
    /// ```
    /// use serde_pickle::value::{Shared, Value};
    /// let v = Value::Shared(Shared::new(Value::None));
    /// assert!(v.is_shared() && v.is_none());
    /// ```
    pub fn is_shared(&self) -> bool {
        matches!(self, Value::Shared(_))
    }

    /// The `bool` of a [`Value::Bool`].
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::Bool(true).as_bool(), Some(true));
    /// assert_eq!(Value::Int(1).as_bool(), None);
    /// ```
    pub fn as_bool(&self) -> Option<bool> {
        match follow(self) {
            Value::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// An `int` that fits in `i64` (`bool` is not an int here).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::Int(-3).as_i64(), Some(-3));
    /// assert_eq!(Value::from(u64::MAX).as_i64(), None);
    /// assert_eq!(Value::Float(1.0).as_i64(), None);
    /// ```
    pub fn as_i64(&self) -> Option<i64> {
        match follow(self) {
            Value::Int(i) => Some(*i),
            Value::BigInt(b) => i64::try_from(b).ok(),
            _ => None,
        }
    }

    /// An `int` that fits in `u64`.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::from(u64::MAX).as_u64(), Some(u64::MAX));
    /// assert_eq!(Value::Int(-1).as_u64(), None);
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        match follow(self) {
            Value::Int(i) => u64::try_from(*i).ok(),
            Value::BigInt(b) => u64::try_from(b).ok(),
            _ => None,
        }
    }

    /// A `float`, or an `int` converted like Python's `float(i)` (correctly
    /// rounded; `None` where Python raises `OverflowError`).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::Float(0.5).as_f64(), Some(0.5));
    /// assert_eq!(Value::Int(2).as_f64(), Some(2.0));
    /// assert_eq!(Value::Bool(true).as_f64(), None);
    /// ```
    pub fn as_f64(&self) -> Option<f64> {
        match follow(self) {
            Value::Float(x) => Some(*x),
            Value::Int(i) => Some(*i as f64),
            // More than 1024 bits is beyond f64 (Python's OverflowError).
            Value::BigInt(b) if b.bits() > 1024 => None,
            Value::BigInt(b) => b.to_string().parse::<f64>().ok().filter(|x| x.is_finite()),
            _ => None,
        }
    }

    /// An `int` of any size.
    ///
    /// ```
    /// use serde_pickle::value::{BigInt, Value};
    /// assert_eq!(Value::Int(7).as_bigint(), Some(BigInt::from(7)));
    /// ```
    pub fn as_bigint(&self) -> Option<BigInt> {
        match follow(self) {
            Value::Int(i) => Some(BigInt::from(*i)),
            Value::BigInt(b) => Some(b.clone()),
            _ => None,
        }
    }

    /// The `(real, imag)` parts of a `complex`.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::Complex(1.0, -2.0).as_complex(), Some((1.0, -2.0)));
    /// assert_eq!(Value::Float(1.0).as_complex(), None);
    /// ```
    pub fn as_complex(&self) -> Option<(f64, f64)> {
        match follow(self) {
            Value::Complex(re, im) => Some((*re, *im)),
            _ => None,
        }
    }

    /// The text of a `str`.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::from("hi").as_str(), Some("hi"));
    /// assert_eq!(Value::bytes(&b"hi"[..]).as_str(), None);
    /// ```
    pub fn as_str(&self) -> Option<&str> {
        match follow(self) {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The bytes of a `bytes` or `bytearray`.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::bytearray(&b"ab"[..]).as_bytes(), Some(&b"ab"[..]));
    /// ```
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match follow(self) {
            Value::Bytes(b) | Value::ByteArray(b) => Some(b),
            _ => None,
        }
    }

    /// The items of a `list`.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// assert_eq!(pickle!([1]).as_list(), Some(&[Value::Int(1)][..]));
    /// assert_eq!(pickle!((1,)).as_list(), None);
    /// ```
    pub fn as_list(&self) -> Option<&[Value]> {
        match follow(self) {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a `tuple`.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert_eq!(pickle!((1, 2)).as_tuple().map(|t| t.len()), Some(2));
    /// ```
    pub fn as_tuple(&self) -> Option<&[Value]> {
        match follow(self) {
            Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a `list` or a `tuple`.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert!(pickle!((1, 2)).as_seq().is_some() && pickle!([1]).as_seq().is_some());
    /// ```
    pub fn as_seq(&self) -> Option<&[Value]> {
        match follow(self) {
            Value::List(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a `set` or a `frozenset`, in the order they were given.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::frozenset([1]).as_set().map(|s| s.len()), Some(1));
    /// ```
    pub fn as_set(&self) -> Option<&[Value]> {
        match follow(self) {
            Value::Set(items) | Value::FrozenSet(items) => Some(items),
            _ => None,
        }
    }

    /// The [`Dict`] of a `dict`.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert_eq!(pickle!({"a": 1}).as_dict().map(|d| d.len()), Some(1));
    /// ```
    pub fn as_dict(&self) -> Option<&Dict> {
        match follow(self) {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The [`Global`] of a [`Value::Global`].
    ///
    /// ```
    /// use serde_pickle::value::{Global, Value};
    /// let v = Value::Global(Global::new("collections", "OrderedDict"));
    /// assert_eq!(v.as_global().map(|g| g.name.as_str()), Some("OrderedDict"));
    /// ```
    pub fn as_global(&self) -> Option<&Global> {
        match follow(self) {
            Value::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The [`Object`] of a [`Value::Object`].
    ///
    /// ```
    /// use serde_pickle::value::{Global, Object, ObjectKind, Value};
    /// let v = Value::from(Object::new(ObjectKind::Reduce, Global::new("m", "f").into(), vec![]));
    /// assert_eq!(v.as_object().map(|o| o.kind), Some(ObjectKind::Reduce));
    /// ```
    pub fn as_object(&self) -> Option<&Object> {
        match follow(self) {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// The `(index, readonly)` of a [`Value::Buffer`].
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::Buffer { index: 2, readonly: true }.as_buffer(), Some((2, true)));
    /// ```
    pub fn as_buffer(&self) -> Option<(usize, bool)> {
        match follow(self) {
            Value::Buffer { index, readonly } => Some((*index, *readonly)),
            _ => None,
        }
    }

    /// The id of a [`Value::PersistentId`].
    ///
    /// ```
    /// use serde_pickle::Value;
    /// let v = Value::PersistentId(Box::new(Value::from("k")));
    /// assert_eq!(v.as_persistent_id().and_then(Value::as_str), Some("k"));
    /// ```
    pub fn as_persistent_id(&self) -> Option<&Value> {
        match follow(self) {
            Value::PersistentId(p) => Some(p),
            _ => None,
        }
    }

    /// The node of a [`Value::Shared`] (not looking through it).
    ///
    /// ```
    /// use serde_pickle::value::{Shared, Value};
    /// let s = Shared::new(Value::Int(1));
    /// assert!(Value::Shared(s.clone()).as_shared().is_some_and(|t| t.ptr_eq(&s)));
    /// ```
    pub fn as_shared(&self) -> Option<&Shared> {
        match self {
            Value::Shared(s) => Some(s),
            _ => None,
        }
    }

    /// The items of a `list` not behind a shared node, mutable.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// let mut v = pickle!([1]);
    /// v.as_list_mut().unwrap().push(2.into());
    /// assert_eq!(v.to_string(), "[1, 2]");
    /// ```
    pub fn as_list_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The [`Dict`] of a `dict` not behind a shared node, mutable.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// let mut v = pickle!({});
    /// v.as_dict_mut().unwrap().insert("a", 1);
    /// assert_eq!(v.to_string(), "{'a': 1}");
    /// ```
    pub fn as_dict_mut(&mut self) -> Option<&mut Dict> {
        match self {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// Replace the value with `None` and return what it was.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// let mut v = Value::from("x");
    /// assert_eq!(v.take(), "x");
    /// assert!(v.is_none());
    /// ```
    pub fn take(&mut self) -> Value {
        mem::replace(self, Value::None)
    }

    /// The value with its outer [`Value::Shared`] nodes removed: a node's
    /// content is moved out when this is the node's last reference, cloned
    /// otherwise.
    ///
    /// ```
    /// use serde_pickle::value::{Shared, Value};
    /// let v = Value::Shared(Shared::new(Value::Int(1)));
    /// assert!(matches!(v.unshare(), Value::Int(1)));
    /// ```
    pub fn unshare(self) -> Value {
        let mut v = self;
        for _ in 0..1024 {
            let next = match &mut v {
                Value::Shared(Shared(arc)) => match Arc::get_mut(arc) {
                    Some(cell) => cell.take().unwrap_or(Value::None),
                    None => arc.get().cloned().unwrap_or(Value::None),
                },
                _ => return v,
            };
            v = next;
        }
        Value::None
    }

    /// The `String` of a `str` (through shared nodes, see [`Value::unshare`]),
    /// or the value back.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::from("a").into_string().ok(), Some("a".to_string()));
    /// assert!(Value::Int(1).into_string().is_err());
    /// ```
    pub fn into_string(self) -> Result<String, Value> {
        let mut v = self.unshare();
        if let Value::Str(s) = &mut v {
            return Ok(mem::take(s));
        }
        Err(v)
    }

    /// The bytes of a `bytes` or `bytearray`, or the value back.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::bytes(vec![1u8]).into_bytes().ok(), Some(vec![1u8]));
    /// ```
    pub fn into_bytes(self) -> Result<Vec<u8>, Value> {
        let mut v = self.unshare();
        if let Value::Bytes(b) | Value::ByteArray(b) = &mut v {
            return Ok(mem::take(b));
        }
        Err(v)
    }

    /// The items of a `list`, `tuple`, `set` or `frozenset`, or the value back.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// assert_eq!(pickle!((1, 2)).into_vec().ok().map(|v| v.len()), Some(2));
    /// ```
    pub fn into_vec(self) -> Result<Vec<Value>, Value> {
        let mut v = self.unshare();
        if let Value::List(items)
        | Value::Tuple(items)
        | Value::Set(items)
        | Value::FrozenSet(items) = &mut v
        {
            return Ok(mem::take(items));
        }
        Err(v)
    }

    /// The [`Dict`] of a `dict`, or the value back.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert_eq!(pickle!({"a": 1}).into_dict().ok().map(|d| d.len()), Some(1));
    /// ```
    pub fn into_dict(self) -> Result<Dict, Value> {
        let mut v = self.unshare();
        if let Value::Dict(d) = &mut v {
            return Ok(mem::take(d));
        }
        Err(v)
    }

    /// The [`Object`] of a [`Value::Object`], or the value back.
    ///
    /// ```
    /// use serde_pickle::value::{Global, Object, ObjectKind, Value};
    /// let v = Value::from(Object::new(ObjectKind::NewObj, Global::new("m", "C").into(), vec![]));
    /// assert_eq!(v.into_object().ok().map(|o| o.kind), Some(ObjectKind::NewObj));
    /// ```
    pub fn into_object(self) -> Result<Object, Value> {
        let mut v = self.unshare();
        if let Value::Object(o) = &mut v {
            let empty = Object::new(o.kind, Value::None, Vec::new());
            return Ok(mem::replace(&mut **o, empty));
        }
        Err(v)
    }
}
