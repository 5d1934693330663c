//! Wrappers for Python types that serde has no word for: [`Set`],
//! [`FrozenSet`] and [`ByteArray`] (a Python tuple is just a Rust tuple), and
//! [`Instance`] for an instance of a named Python class (a dataclass, say).
//!
//! Written through this crate they become the Python type; through any other
//! serde format they are their plain content (a sequence, bytes). Reading
//! accepts the plain forms too: a `Set<Vec<T>>` reads a list, a set or a
//! frozenset.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::shape_marker;

mod instance;
pub use instance::{instance, instances, Instance, PyClass};
pub(crate) mod numpy;
#[cfg(feature = "ndarray")]
pub use numpy::{as_numpy, AsNumpy};
pub use numpy::{Dtype, NdArray, NdElement, NdScalar};

/// A Python `set` holding the items of any collection.
///
/// Python iterates a set in hash order, not insertion order, so the bytes
/// equal what CPython writes only when the items are given in that order
/// (small non-negative ints in increasing order are).
///
/// ```
/// use serde_pickle::py::Set;
/// let bytes = serde_pickle::to_vec(&Set(vec![1, 2])).unwrap();
/// // pickletools.optimize(pickle.dumps({1, 2}, protocol=5))
/// assert_eq!(bytes, b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00\x8f(K\x01K\x02\x90.");
/// let back: Set<Vec<i32>> = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back, Set(vec![1, 2]));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Set<T>(pub T);

/// A Python `frozenset` holding the items of any collection. Unlike a
/// [`Set`], it can be a dict key or a set item.
///
/// ```
/// use serde_pickle::py::FrozenSet;
/// let bytes = serde_pickle::to_vec(&FrozenSet(vec![3])).unwrap();
/// // pickletools.optimize(pickle.dumps(frozenset({3}), protocol=5))
/// assert_eq!(bytes, b"\x80\x05\x95\x05\x00\x00\x00\x00\x00\x00\x00(K\x03\x91.");
/// let back: FrozenSet<Vec<u8>> = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back.0, [3]);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FrozenSet<T>(pub T);

/// A Python `bytearray`.
///
/// ```
/// use serde_pickle::py::ByteArray;
/// let bytes = serde_pickle::to_vec(&ByteArray(b"hi".to_vec())).unwrap();
/// // pickletools.optimize(pickle.dumps(bytearray(b'hi'), protocol=5))
/// assert_eq!(bytes, b"\x80\x05\x95\x0c\x00\x00\x00\x00\x00\x00\x00\x96\x02\x00\x00\x00\x00\x00\x00\x00hi.");
/// let back: ByteArray = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back, ByteArray(b"hi".to_vec()));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ByteArray(pub Vec<u8>);

/// The items of a collection, serialized as a sequence.
struct Items<'a, T>(&'a T);

impl<'a, T> Serialize for Items<'a, T>
where
    &'a T: IntoIterator,
    <&'a T as IntoIterator>::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0)
    }
}

impl<T> Serialize for Set<T>
where
    for<'a> &'a T: IntoIterator,
    for<'a> <&'a T as IntoIterator>::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(shape_marker::SET, &Items(&self.0))
    }
}

impl<T> Serialize for FrozenSet<T>
where
    for<'a> &'a T: IntoIterator,
    for<'a> <&'a T as IntoIterator>::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(shape_marker::FROZENSET, &Items(&self.0))
    }
}

impl Serialize for ByteArray {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_newtype_struct(shape_marker::BYTEARRAY, serde_bytes::Bytes::new(&self.0))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Set<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Set)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for FrozenSet<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(FrozenSet)
    }
}

impl<'de> Deserialize<'de> for ByteArray {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_bytes::ByteBuf::deserialize(d).map(|b| ByteArray(b.into_vec()))
    }
}

impl From<Vec<u8>> for ByteArray {
    fn from(bytes: Vec<u8>) -> Self {
        ByteArray(bytes)
    }
}

impl From<ByteArray> for Vec<u8> {
    fn from(b: ByteArray) -> Self {
        b.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_formats_see_plain_data() {
        assert_eq!(serde_json::to_string(&Set(vec![1, 2])).unwrap(), "[1,2]");
        assert_eq!(serde_json::to_string(&FrozenSet(vec!["a"])).unwrap(), "[\"a\"]");
        assert_eq!(serde_json::to_string(&ByteArray(vec![7])).unwrap(), "[7]");
        let back: Set<Vec<u8>> = serde_json::from_str("[1]").unwrap();
        assert_eq!(back, Set(vec![1]));
    }

    #[test]
    fn works_over_any_collection() {
        let set: std::collections::BTreeSet<u8> = [2, 1].into_iter().collect();
        let bytes = crate::to_vec(&Set(set)).unwrap();
        assert_eq!(bytes, crate::to_vec(&Set(vec![1u8, 2])).unwrap());
    }
}
