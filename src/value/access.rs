//! `is_*`, `as_*` and `into_*` accessors of [`Value`].
//!
//! `is_*` and `as_*` look through [`Value::Shared`] nodes (except
//! [`Value::is_shared`] and [`Value::as_shared`]); `as_*_mut` only reach
//! values that are not behind a shared node. The names serde_json's `Value`
//! has (`is_null`, `is_object`, `as_array`...) mean what they mean there,
//! for the Python type JSON's type stands for (see the table in the
//! [module docs](super)).

use std::sync::Arc;

use num_bigint::BigInt;

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
            matches!(self.resolve(), $pat)
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
        is_global("Value::from(serde_pickle::value::Global::new(\"m\", \"n\"))", "pickle!(\"m.n\")"): Value::Global(_),
        "True for a [`Value::Object`]: a class instance or a call (not a dict: that is [`Value::is_object`], as in serde_json)."
        is_py_object("Value::from(serde_pickle::value::Object::new(serde_pickle::value::ObjectKind::Reduce, Value::None, vec![]))", "serde_pickle::pickle!({})"): Value::Object(_),
        "True for `None` (serde_json's name for [`Value::is_none`])."
        is_null("Value::None", "pickle!(0)"): Value::None,
        "True for `True`/`False` (serde_json's name for [`Value::is_bool`])."
        is_boolean("pickle!(True)", "pickle!(1)"): Value::Bool(_),
        "True for a `str` (serde_json's name for [`Value::is_str`])."
        is_string("pickle!(\"a\")", "pickle!(b\"a\")"): Value::Str(_) | Value::SurrogateStr(_),
        "True for an `int` or a `float`, what serde_json's `Number` holds (not a `bool`, not a `complex`)."
        is_number("pickle!(1.5)", "pickle!(True)"): Value::Int(_) | Value::BigInt(_) | Value::Float(_),
        "True for a `float` (as serde_json's `is_f64`: an `int` is not)."
        is_f64("pickle!(1.0)", "pickle!(1)"): Value::Float(_),
        "True for a `dict`: a JSON object is a Python dict (serde_json's name for [`Value::is_dict`])."
        is_object("pickle!({\"a\": 1})", "pickle!([1])"): Value::Dict(_),
        "True for a `list` or a `tuple`: both are what serde_json writes as a JSON array (a Rust `Vec` is a list, a Rust tuple a tuple)."
        is_array("pickle!((1, 2))", "pickle!({1})"): Value::List(_) | Value::Tuple(_),
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
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
        match self.resolve() {
            Value::Dict(d) => Some(d),
            _ => None,
        }
    }

    /// The [`Global`] of a [`Value::Global`].
    ///
    /// ```
    /// use serde_pickle::value::{Global, Value};
    /// let v = Value::from(Global::new("collections", "OrderedDict"));
    /// assert_eq!(v.as_global().map(|g| g.name.as_str()), Some("OrderedDict"));
    /// ```
    pub fn as_global(&self) -> Option<&Global> {
        match self.resolve() {
            Value::Global(g) => Some(g.as_ref()),
            _ => None,
        }
    }

    /// The [`Object`] of a [`Value::Object`] (a class instance or a call).
    ///
    /// ```
    /// use serde_pickle::value::{Global, Object, ObjectKind, Value};
    /// let v = Value::from(Object::new(ObjectKind::Reduce, Global::new("m", "f").into(), vec![]));
    /// assert_eq!(v.as_py_object().map(|o| o.kind), Some(ObjectKind::Reduce));
    /// ```
    pub fn as_py_object(&self) -> Option<&Object> {
        match Value::resolve(self) {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    /// `Some(())` for `None` (serde_json's `as_null`).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::None.as_null(), Some(()));
    /// assert_eq!(Value::Int(0).as_null(), None);
    /// ```
    pub fn as_null(&self) -> Option<()> {
        self.is_none().then_some(())
    }

    /// True for an `int` that fits in `i64` (serde_json's `is_i64`).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert!(Value::Int(-1).is_i64());
    /// assert!(!Value::from(u64::MAX).is_i64() && !Value::Float(1.0).is_i64());
    /// ```
    pub fn is_i64(&self) -> bool {
        self.as_i64().is_some()
    }

    /// True for an `int` that fits in `u64` (serde_json's `is_u64`).
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert!(Value::from(u64::MAX).is_u64());
    /// assert!(!Value::Int(-1).is_u64());
    /// ```
    pub fn is_u64(&self) -> bool {
        self.as_u64().is_some()
    }

    /// The [`Dict`] of a `dict`: serde_json's `as_object`, a JSON object
    /// being a Python dict (a class instance is [`Value::as_py_object`]).
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert_eq!(pickle!({"a": 1}).as_object().map(|d| d.len()), Some(1));
    /// assert!(pickle!([1]).as_object().is_none());
    /// ```
    pub fn as_object(&self) -> Option<&Dict> {
        self.as_dict()
    }

    /// The [`Dict`] of a `dict` not behind a shared node, mutable
    /// (serde_json's `as_object_mut`).
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// let mut v = pickle!({});
    /// v.as_object_mut().unwrap().insert("a", 1);
    /// assert_eq!(v.to_string(), "{'a': 1}");
    /// ```
    pub fn as_object_mut(&mut self) -> Option<&mut Dict> {
        self.as_dict_mut()
    }

    /// The items of a `list` or a `tuple` (serde_json's `as_array`: both are
    /// what serde_json writes as an array).
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert_eq!(pickle!([1, 2]).as_array().map(Vec::len), Some(2));
    /// assert_eq!(pickle!((1,)).as_array().map(Vec::len), Some(1));
    /// assert!(pickle!({1}).as_array().is_none());
    /// ```
    pub fn as_array(&self) -> Option<&Vec<Value>> {
        match Value::resolve(self) {
            Value::List(items) | Value::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// The items of a `list` or a `tuple` not behind a shared node, mutable
    /// (serde_json's `as_array_mut`).
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// let mut v = pickle!([1]);
    /// v.as_array_mut().unwrap().push(2.into());
    /// assert_eq!(v.to_string(), "[1, 2]");
    /// ```
    pub fn as_array_mut(&mut self) -> Option<&mut Vec<Value>> {
        match self {
            Value::List(items) | Value::Tuple(items) => Some(items),
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
        match self.resolve() {
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
        match self.resolve() {
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
        std::mem::take(self)
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
            v = match v {
                Value::Shared(mut s) => match Arc::get_mut(&mut s.0) {
                    Some(cell) => cell.take().unwrap_or(Value::None),
                    None => s.get().clone(),
                },
                other => return other,
            };
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
        match self.unshare() {
            Value::Str(s) => Ok(s),
            v => Err(v),
        }
    }

    /// The bytes of a `bytes` or `bytearray`, or the value back.
    ///
    /// ```
    /// use serde_pickle::Value;
    /// assert_eq!(Value::bytes(vec![1u8]).into_bytes().ok(), Some(vec![1u8]));
    /// ```
    pub fn into_bytes(self) -> Result<Vec<u8>, Value> {
        match self.unshare() {
            Value::Bytes(b) | Value::ByteArray(b) => Ok(b),
            v => Err(v),
        }
    }

    /// The items of a `list`, `tuple`, `set` or `frozenset`, or the value back.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// assert_eq!(pickle!((1, 2)).into_vec().ok().map(|v| v.len()), Some(2));
    /// ```
    pub fn into_vec(self) -> Result<Vec<Value>, Value> {
        match self.unshare() {
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => Ok(items),
            v => Err(v),
        }
    }

    /// The [`Dict`] of a `dict`, or the value back.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// assert_eq!(pickle!({"a": 1}).into_dict().ok().map(|d| d.len()), Some(1));
    /// ```
    pub fn into_dict(self) -> Result<Dict, Value> {
        match self.unshare() {
            Value::Dict(d) => Ok(d),
            v => Err(v),
        }
    }

    /// The [`Object`] of a [`Value::Object`], or the value back.
    ///
    /// ```
    /// use serde_pickle::value::{Global, Object, ObjectKind, Value};
    /// let v = Value::from(Object::new(ObjectKind::NewObj, Global::new("m", "C").into(), vec![]));
    /// assert_eq!(v.into_py_object().ok().map(|o| o.kind), Some(ObjectKind::NewObj));
    /// ```
    pub fn into_py_object(self) -> Result<Object, Value> {
        match self.unshare() {
            Value::Object(o) => Ok(*o),
            v => Err(v),
        }
    }
}
