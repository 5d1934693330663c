//! Python dict semantics for [`Dict`]: keys compare with Python's `==`
//! (`1`, `1.0` and `True` are the same key), inserting an existing key
//! replaces its value and keeps the first key and its position.
//!
//! Lookups scan the entries (the dict keeps no hash index), so they cost
//! O(len); building from an iterator or extending uses a temporary hash index.

use std::collections::HashMap;
use std::ops;

use super::hash::hash64;
use super::{Dict, Value};

mod private {
    pub trait Sealed {}
}

/// A type that can look up a [`Dict`] key: `str`, `String`, [`Value`] and the
/// integer types, compared with Python's `==` against the keys.
///
/// ```
/// use serde_pickle::value::{Dict, DictKey, Value};
/// let d: Dict = [(1, "int"), (2, "two")].into_iter().collect();
/// assert_eq!(d.get(&1u8), d.get(&Value::Float(1.0)));
/// assert!(1i64.equals_key(&Value::Bool(true)));
/// assert!("a".equals_key(&Value::from("a")));
/// ```
pub trait DictKey: private::Sealed {
    /// True if `key` (a key of the dict) equals `self` in Python.
    ///
    /// ```
    /// use serde_pickle::value::{DictKey, Value};
    /// assert!(!"1".equals_key(&Value::Int(1)));
    /// ```
    fn equals_key(&self, key: &Value) -> bool;
}

impl private::Sealed for str {}
impl DictKey for str {
    fn equals_key(&self, key: &Value) -> bool {
        matches!(key.resolve(), Value::Str(s) if s == self)
    }
}

impl private::Sealed for String {}
impl DictKey for String {
    fn equals_key(&self, key: &Value) -> bool {
        DictKey::equals_key(self.as_str(), key)
    }
}

impl private::Sealed for Value {}
impl DictKey for Value {
    fn equals_key(&self, key: &Value) -> bool {
        self == key
    }
}

impl<T: DictKey + ?Sized> private::Sealed for &T {}
impl<T: DictKey + ?Sized> DictKey for &T {
    fn equals_key(&self, key: &Value) -> bool {
        (**self).equals_key(key)
    }
}

macro_rules! int_key {
    ($($t:ty),*) => {$(
        impl private::Sealed for $t {}
        impl DictKey for $t {
            fn equals_key(&self, key: &Value) -> bool {
                *key == *self
            }
        }
    )*};
}

int_key!(i8, i16, i32, i64, isize, u8, u16, u32, u64, usize);

impl Dict {
    fn position<K: DictKey + ?Sized>(&self, key: &K) -> Option<usize> {
        self.entries.iter().position(|(k, _)| key.equals_key(k))
    }

    /// The value of the key equal (in Python) to `key`.
    ///
    /// ```
    /// use serde_pickle::{pickle, Value};
    /// let d = pickle!({"a": 1, 2: "two"}).into_dict().unwrap_or_default();
    /// assert_eq!(d.get("a"), Some(&Value::Int(1)));
    /// assert_eq!(d.get(&Value::Float(2.0)), Some(&Value::Str("two".into())));
    /// assert_eq!(d.get("zz"), None);
    /// ```
    pub fn get<K: DictKey + ?Sized>(&self, key: &K) -> Option<&Value> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    /// The value of the key equal to `key`, mutable.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let mut d: Dict = [("a", 1)].into_iter().collect();
    /// if let Some(v) = d.get_mut("a") { *v = Value::Int(5); }
    /// assert_eq!(d.to_string(), "{'a': 5}");
    /// ```
    pub fn get_mut<K: DictKey + ?Sized>(&mut self, key: &K) -> Option<&mut Value> {
        self.position(key).map(move |i| &mut self.entries[i].1)
    }

    /// The stored key equal to `key`, and its value.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let d: Dict = [(1, "x")].into_iter().collect();
    /// let (k, _) = d.get_key_value(&Value::Bool(true)).unwrap();
    /// assert!(matches!(k, Value::Int(1)));
    /// ```
    pub fn get_key_value<K: DictKey + ?Sized>(&self, key: &K) -> Option<(&Value, &Value)> {
        self.position(key).map(|i| (&self.entries[i].0, &self.entries[i].1))
    }

    /// True if a key equal to `key` is present.
    ///
    /// ```
    /// use serde_pickle::value::Dict;
    /// let d: Dict = [(1, "x")].into_iter().collect();
    /// assert!(d.contains_key(&1u8));
    /// assert!(!d.contains_key("1"));
    /// ```
    pub fn contains_key<K: DictKey + ?Sized>(&self, key: &K) -> bool {
        self.position(key).is_some()
    }

    /// Python's `d[key] = value`: if an equal key is present, replace its
    /// value (keeping the first key and its position) and return the old
    /// value; else append the pair.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let mut d = Dict::new();
    /// d.insert(1, "a");
    /// d.insert("b", 2);
    /// assert_eq!(d.insert(true, "c"), Some(Value::from("a")));
    /// assert_eq!(d.to_string(), "{1: 'c', 'b': 2}");
    /// ```
    pub fn insert(&mut self, key: impl Into<Value>, value: impl Into<Value>) -> Option<Value> {
        let key = key.into();
        let value = value.into();
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.entries.push((key, value));
                None
            }
        }
    }

    /// Python's `d.pop(key, None)`: remove the entry with an equal key,
    /// keeping the order of the others, and return its value.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let mut d: Dict = [("a", 1), ("b", 2)].into_iter().collect();
    /// assert_eq!(d.remove("a"), Some(Value::Int(1)));
    /// assert_eq!(d.to_string(), "{'b': 2}");
    /// ```
    pub fn remove<K: DictKey + ?Sized>(&mut self, key: &K) -> Option<Value> {
        self.remove_entry(key).map(|(_, v)| v)
    }

    /// Remove the entry with an equal key and return it.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let mut d: Dict = [(1, "x")].into_iter().collect();
    /// assert_eq!(d.remove_entry(&1).map(|(k, _)| k), Some(Value::Int(1)));
    /// assert!(d.is_empty());
    /// ```
    pub fn remove_entry<K: DictKey + ?Sized>(&mut self, key: &K) -> Option<(Value, Value)> {
        self.position(key).map(|i| self.entries.remove(i))
    }

    /// The keys in insertion order.
    ///
    /// ```
    /// use serde_pickle::value::Dict;
    /// let d: Dict = [("a", 1), ("b", 2)].into_iter().collect();
    /// let keys: Vec<String> = d.keys().map(|k| k.to_string()).collect();
    /// assert_eq!(keys, ["'a'", "'b'"]);
    /// ```
    pub fn keys(&self) -> impl ExactSizeIterator<Item = &Value> + DoubleEndedIterator + '_ {
        self.entries.iter().map(|(k, _)| k)
    }

    /// The values in insertion order.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let d: Dict = [("a", 1), ("b", 2)].into_iter().collect();
    /// assert_eq!(d.values().collect::<Vec<_>>(), [&Value::Int(1), &Value::Int(2)]);
    /// ```
    pub fn values(&self) -> impl ExactSizeIterator<Item = &Value> + DoubleEndedIterator + '_ {
        self.entries.iter().map(|(_, v)| v)
    }

    /// The values in insertion order, mutable.
    ///
    /// ```
    /// use serde_pickle::value::{Dict, Value};
    /// let mut d: Dict = [("a", 1)].into_iter().collect();
    /// d.values_mut().for_each(|v| *v = Value::None);
    /// assert_eq!(d.to_string(), "{'a': None}");
    /// ```
    pub fn values_mut(
        &mut self,
    ) -> impl ExactSizeIterator<Item = &mut Value> + DoubleEndedIterator + '_ {
        self.entries.iter_mut().map(|(_, v)| v)
    }

    /// Remove all entries.
    ///
    /// ```
    /// use serde_pickle::value::Dict;
    /// let mut d: Dict = [("a", 1)].into_iter().collect();
    /// d.clear();
    /// assert!(d.is_empty());
    /// ```
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// Insert many pairs, with [`Dict::insert`]'s semantics, in O(n) expected
    /// time through a temporary hash index of the keys.
    fn insert_many(&mut self, iter: impl IntoIterator<Item = (Value, Value)>) {
        let iter = iter.into_iter();
        if self.entries.is_empty() && iter.size_hint().1 == Some(0) {
            return;
        }
        // `hash64` hashes every value (also those Python refuses to hash)
        // consistently with `==`.
        let mut index: HashMap<u64, Vec<usize>> = HashMap::new();
        for (i, (k, _)) in self.entries.iter().enumerate() {
            index.entry(hash64(k)).or_default().push(i);
        }
        for (k, v) in iter {
            let bucket = index.entry(hash64(&k)).or_default();
            match bucket.iter().find(|&&i| self.entries[i].0 == k) {
                Some(&i) => self.entries[i].1 = v,
                None => {
                    bucket.push(self.entries.len());
                    self.entries.push((k, v));
                }
            }
        }
    }
}

/// Collect pairs with [`Dict::insert`]'s semantics: a later equal key
/// replaces the value, the first key keeps its place.
///
/// ```
/// use serde_pickle::value::Dict;
/// let d: Dict = [(1.0, "a"), (2.0, "b"), (1.0, "c")].into_iter().collect();
/// assert_eq!(d.to_string(), "{1.0: 'c', 2.0: 'b'}");
/// ```
impl<K: Into<Value>, V: Into<Value>> FromIterator<(K, V)> for Dict {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Dict {
        let mut d = Dict::new();
        d.extend(iter);
        d
    }
}

/// Insert pairs with [`Dict::insert`]'s semantics.
///
/// ```
/// use serde_pickle::value::Dict;
/// let mut d: Dict = [("a", 1)].into_iter().collect();
/// d.extend([("a", 2), ("b", 3)]);
/// assert_eq!(d.to_string(), "{'a': 2, 'b': 3}");
/// ```
impl<K: Into<Value>, V: Into<Value>> Extend<(K, V)> for Dict {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        self.insert_many(iter.into_iter().map(|(k, v)| (k.into(), v.into())));
    }
}

/// The pairs, in insertion order.
///
/// ```
/// use serde_pickle::value::Dict;
/// let d: Dict = [("a", 1)].into_iter().collect();
/// assert_eq!(d.into_iter().count(), 1);
/// ```
impl IntoIterator for Dict {
    type Item = (Value, Value);
    type IntoIter = std::vec::IntoIter<(Value, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.into_vec().into_iter()
    }
}

/// The pairs by reference, in insertion order.
///
/// ```
/// use serde_pickle::value::Dict;
/// let d: Dict = [("a", 1)].into_iter().collect();
/// for (k, v) in &d { assert_eq!(format!("{k}={v}"), "'a'=1"); }
/// ```
impl<'a> IntoIterator for &'a Dict {
    type Item = &'a (Value, Value);
    type IntoIter = std::slice::Iter<'a, (Value, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// The pairs by mutable reference (keep keys distinct).
///
/// ```
/// use serde_pickle::value::{Dict, Value};
/// let mut d: Dict = [("a", 1)].into_iter().collect();
/// for (_, v) in &mut d { *v = Value::Int(2); }
/// assert_eq!(d.to_string(), "{'a': 2}");
/// ```
impl<'a> IntoIterator for &'a mut Dict {
    type Item = &'a mut (Value, Value);
    type IntoIter = std::slice::IterMut<'a, (Value, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter_mut()
    }
}

/// `d[key]`: the value, or `None` when the key is missing (like `serde_json`).
///
/// ```
/// use serde_pickle::value::{Dict, Value};
/// let d: Dict = [("a", 1)].into_iter().collect();
/// assert_eq!(d["a"], Value::Int(1));
/// assert!(d["b"].is_none());
/// ```
impl<K: DictKey + ?Sized> ops::Index<&K> for Dict {
    type Output = Value;
    fn index(&self, key: &K) -> &Value {
        static NONE: Value = Value::None;
        self.get(key).unwrap_or(&NONE)
    }
}

/// `d["key"] = value`: the value of the key, inserted as `None` first when missing.
///
/// ```
/// use serde_pickle::value::{Dict, Value};
/// let mut d = Dict::new();
/// d["a"] = Value::Int(1);
/// d["a"] = Value::Int(2);
/// assert_eq!(d.to_string(), "{'a': 2}");
/// ```
impl ops::IndexMut<&str> for Dict {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        let i = match self.position(key) {
            Some(i) => i,
            None => {
                self.entries.push((Value::Str(key.to_owned()), Value::None));
                self.entries.len() - 1
            }
        };
        &mut self.entries[i].1
    }
}
