//! `value["key"]`, `value[0]`, `value["key"] = ...`, [`Value::get`],
//! [`Value::get_mut`], [`Value::pointer`] and [`Value::pointer_mut`], with
//! serde_json's semantics: reading a missing element gives `None`; assigning
//! to a missing dict key inserts it, assigning into `None` makes it a dict
//! first, and an index out of a list's range panics.

use std::ops;

use super::{Dict, Value};

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

    /// The element of `v` at `self` for `v[self] = ...`: a missing dict key
    /// is inserted (as `None`), and `None` becomes an empty dict first when
    /// `self` is a key; panics where serde_json panics (an index out of a
    /// list's range, a value that is not a container, an unhashable key)
    /// and for content behind a shared node, which cannot change in place.
    ///
    /// ```
    /// use serde_pickle::{value::Index, Value};
    /// let mut v = Value::None;
    /// *"a".index_or_insert(&mut v) = Value::Int(1);
    /// assert_eq!(v.to_string(), "{'a': 1}");
    /// ```
    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value;
}

/// `dict[key]` for assignment: the value of the key equal to `key`, inserted
/// as `None` when missing.
fn dict_entry(v: &mut Value, key: Value) -> &mut Value {
    if v.is_none() && !v.is_shared() {
        *v = Value::Dict(Dict::new());
    }
    let what = kind(v);
    let Value::Dict(d) = v else {
        panic!("cannot insert key {key} into {what}");
    };
    if !key.is_hashable() {
        panic!("unhashable type: {key} cannot be a dict key");
    }
    let i = match d.entries.iter().position(|(k, _)| *k == key) {
        Some(i) => i,
        None => {
            d.entries.push((key, Value::None));
            d.entries.len() - 1
        }
    };
    &mut d.entries[i].1
}

/// How a value is named in a panic message.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Shared(_) => "a shared value (its content cannot change in place)",
        Value::None => "None",
        Value::Bool(_) => "a bool",
        Value::Int(_) | Value::BigInt(_) => "an int",
        Value::Float(_) => "a float",
        Value::Str(_) | Value::SurrogateStr(_) => "a str",
        Value::List(_) => "a list",
        Value::Tuple(_) => "a tuple",
        Value::Dict(_) => "a dict",
        Value::Set(_) | Value::FrozenSet(_) => "a set",
        _ => "a value that is not a list, tuple or dict",
    }
}

impl private::Sealed for usize {}
impl Index for usize {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        match v.resolve() {
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

    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        match v {
            Value::List(items) | Value::Tuple(items) => {
                let len = items.len();
                items.get_mut(*self).unwrap_or_else(|| {
                    panic!("cannot access index {self} of a sequence of length {len}")
                })
            }
            Value::Dict(_) => dict_entry(v, Value::from(*self)),
            other => panic!("cannot access index {self} of {}", kind(other)),
        }
    }
}

/// Dict keys: a `str` and a `Value` look up the same way.
macro_rules! key_index {
    ($($t:ty => |$k:ident| $owned:expr;)*) => {$(
        impl private::Sealed for $t {}
        impl Index for $t {
            fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
                match v.resolve() {
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

            fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
                let $k = self;
                dict_entry(v, $owned)
            }
        }
    )*};
}

key_index! {
    str => |k| Value::from(k);
    Value => |k| k.clone();
}

impl private::Sealed for String {}
impl Index for String {
    fn index_into<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.as_str().index_into(v)
    }

    fn index_into_mut<'v>(&self, v: &'v mut Value) -> Option<&'v mut Value> {
        self.as_str().index_into_mut(v)
    }

    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        self.as_str().index_or_insert(v)
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

    fn index_or_insert<'v>(&self, v: &'v mut Value) -> &'v mut Value {
        (**self).index_or_insert(v)
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

/// `value[index] = ...` as serde_json does it: a str (or any hashable
/// [`Value`]) key inserts into a dict, and turns `None` into a dict first; a
/// `usize` indexes a list or tuple (out of range panics, as in serde_json)
/// or is an int key of a dict. Anything else panics, as does changing the
/// content of a [`Value::Shared`] node (use [`Value::get_mut`] to get an
/// `Option` instead of a panic).
///
/// ```
/// use serde_pickle::{pickle, Value};
/// let mut v = Value::None;
/// v["name"] = "Alice".into();
/// v["tags"] = pickle!(["a"]);
/// v["tags"][0] = "b".into();
/// v["pt"]["x"] = 1.into();
/// assert_eq!(v.to_string(), "{'name': 'Alice', 'tags': ['b'], 'pt': {'x': 1}}");
/// ```
impl<I: Index> ops::IndexMut<I> for Value {
    fn index_mut(&mut self, index: I) -> &mut Value {
        index.index_or_insert(self)
    }
}

impl Value {
    /// The element a JSON Pointer (RFC 6901, as serde_json's `pointer`)
    /// names: `"/a/0/b"` is `v["a"][0]["b"]`, where a token indexes a list or
    /// tuple when it is a number, and is a str key of a dict otherwise (`~1`
    /// is `/`, `~0` is `~`); `""` is the value itself. Looks through shared
    /// nodes.
    ///
    /// ```
    /// use serde_pickle::pickle;
    /// let v = pickle!({"a/b": [10, {"c": None}], "x": (1, 2)});
    /// assert_eq!(v.pointer("/a~1b/0"), Some(&pickle!(10)));
    /// assert_eq!(v.pointer("/x/1"), Some(&pickle!(2)));
    /// assert!(v.pointer("/a~1b/1/c").is_some_and(|c| c.is_none()));
    /// assert_eq!(v.pointer("/nope"), None);
    /// assert_eq!(v.pointer("a"), None);
    /// ```
    pub fn pointer(&self, pointer: &str) -> Option<&Value> {
        let mut v = self;
        for token in tokens(pointer)? {
            v = match Value::resolve(v) {
                Value::List(items) | Value::Tuple(items) => items.get(array_index(&token)?)?,
                Value::Dict(d) => d.get(token.as_str())?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// [`Value::pointer`], mutable; content behind a shared node gives `None`.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// let mut v = pickle!({"a": [1, 2]});
    /// *v.pointer_mut("/a/1").unwrap() = Value::from("two");
    /// assert_eq!(v.to_string(), "{'a': [1, 'two']}");
    /// ```
    pub fn pointer_mut(&mut self, pointer: &str) -> Option<&mut Value> {
        let mut v = self;
        for token in tokens(pointer)? {
            v = match v {
                Value::List(items) | Value::Tuple(items) => items.get_mut(array_index(&token)?)?,
                Value::Dict(d) => d.get_mut(token.as_str())?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// The unescaped tokens of a JSON Pointer; `None` if it does not start with `/`.
fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    Some(rest.split('/').map(|t| t.replace("~1", "/").replace("~0", "~")).collect())
}

/// A pointer token as a list index: decimal digits without a leading zero.
fn array_index(token: &str) -> Option<usize> {
    if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
        return None;
    }
    token.parse().ok()
}
