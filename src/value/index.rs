//! `value["key"]`, `value[0]`, [`Value::get`] and [`Value::get_mut`].
//!
//! There is no `IndexMut` for `Value`: it would have to panic for a missing
//! index or a value that is not a container (and a `Shared` node cannot be
//! changed in place). Use [`Value::get_mut`], or index a [`Dict`](super::Dict) mutably.

use std::ops;

use super::eq::follow;
use super::Value;

mod private {
    pub trait Sealed {}
}

/// What can index a [`Value`]: a `usize` (a list or tuple position, or an
/// int key of a dict), a `str`/`String` (a str key of a dict) or a [`Value`]
/// (a dict key, compared with Python's `==`).
///
/// ```
/// use serde_pickle::{pickle, Value};
/// let v = pickle!({(1, 2): "pair", "k": [10, 20]});
/// assert_eq!(v[&pickle!((1.0, 2.0))], "pair");
/// assert_eq!(v["k"][1], 20);
/// assert_eq!(v[String::from("k")][0], 10);
/// ```
pub trait Index: private::Sealed {
    /// The element of `v` at `self`, looking through shared nodes.
    ///
    /// ```
    /// use serde_pickle::{pickle, value::Index};
    /// assert_eq!(0usize.index_into(&pickle!(("a",))), Some(&pickle!("a")));
    /// ```
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value>;
    /// The element of `v` at `self`, mutable; only in values that are not
    /// behind a shared node.
    ///
    /// ```
    /// use serde_pickle::{pickle, value::Index, Value};
    /// let mut v = pickle!({"a": 1});
    /// if let Some(x) = "a".index_into_mut(&mut v) { *x = Value::None; }
    /// assert_eq!(v.to_string(), "{'a': None}");
    /// ```
    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value>;
}

impl private::Sealed for usize {}
impl Index for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        match follow(v) {
            Value::List(items) | Value::Tuple(items) => items.get(*self),
            Value::Dict(d) => d.get(self),
            _ => None,
        }
    }

    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        match v {
            Value::List(items) | Value::Tuple(items) => items.get_mut(*self),
            Value::Dict(d) => d.get_mut(self),
            _ => None,
        }
    }
}

impl private::Sealed for str {}
impl Index for str {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        match follow(v) {
            Value::Dict(d) => d.get(self),
            _ => None,
        }
    }

    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        match v {
            Value::Dict(d) => d.get_mut(self),
            _ => None,
        }
    }
}

impl private::Sealed for String {}
impl Index for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }

    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        self.as_str().index_into_mut(v)
    }
}

impl private::Sealed for Value {}
impl Index for Value {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        match follow(v) {
            Value::Dict(d) => d.get(self),
            _ => None,
        }
    }

    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        match v {
            Value::Dict(d) => d.get_mut(self),
            _ => None,
        }
    }
}

impl<T: Index + ?Sized> private::Sealed for &T {}
impl<T: Index + ?Sized> Index for &T {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        (**self).index_into(v)
    }

    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        (**self).index_into_mut(v)
    }
}

impl Value {
    /// The element at `index` (see [`Index`]), looking through shared nodes;
    /// `None` if missing or if the value is not a container.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// let v = pickle!({"tags": ["a", "b"], 1: "one"});
    /// assert_eq!(v.get("tags").and_then(|t| t.get(1)), Some(&Value::from("b")));
    /// assert_eq!(v.get(1), Some(&Value::from("one")));
    /// assert_eq!(v.get("nope"), None);
    /// ```
    pub fn get<I: Index>(&self, index: I) -> Option<&Value> {
        index.index_into(self)
    }

    /// The element at `index`, mutable. Content behind a [`Value::Shared`]
    /// node cannot be changed and gives `None`.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// let mut v = pickle!({"xs": [1, 2]});
    /// if let Some(x) = v.get_mut("xs").and_then(|xs| xs.get_mut(0)) {
    ///     *x = Value::from("one");
    /// }
    /// assert_eq!(v.to_string(), "{'xs': ['one', 2]}");
    /// ```
    pub fn get_mut<I: Index>(&mut self, index: I) -> Option<&mut Value> {
        index.index_into_mut(self)
    }
}

/// `value[index]`: like [`Value::get`], but a missing element gives a
/// `&Value::None` (like `serde_json`), never a panic.
///
/// ```
/// use serde_pickle::pickle;
/// let v = pickle!({"name": "Alice", "pt": (1, 2)});
/// assert_eq!(v["name"], "Alice");
/// assert_eq!(v["pt"][1], 2);
/// assert!(v["missing"][7].is_none());
/// ```
impl<I: Index> ops::Index<I> for Value {
    type Output = Value;
    fn index(&self, index: I) -> &Value {
        static NONE: Value = Value::None;
        index.index_into(self).unwrap_or(&NONE)
    }
}
