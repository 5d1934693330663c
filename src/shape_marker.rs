//! Private names that let [`crate::Value`] and the wrapper types in
//! [`crate::py`] tell this crate's serializer about Python shapes serde has no
//! word for (sets, bytearrays, globals, shared objects...).
//!
//! Each shape is a newtype struct with one of these names around plain data:
//! other serde formats (serde_json, say) see only the plain data (a set is a
//! sequence, a global is a `[module, name]` pair), while this crate's
//! serializer recognizes the name and writes the Python object.
//!
//! What does not fit in the plain data travels in a thread-local [`Hint`],
//! set immediately before the newtype call and taken by the serializer as
//! it handles the call.

use std::cell::Cell;

use crate::value::ObjectKind;

/// Every name starts with this byte, so one comparison rules out ordinary newtypes.
const PREFIX: u8 = b'$';

pub(crate) const SET: &str = "$serde_pickle::Set";
pub(crate) const FROZENSET: &str = "$serde_pickle::FrozenSet";
pub(crate) const BYTEARRAY: &str = "$serde_pickle::ByteArray";
pub(crate) const BIGINT: &str = "$serde_pickle::BigInt";
pub(crate) const COMPLEX: &str = "$serde_pickle::Complex";
pub(crate) const GLOBAL: &str = "$serde_pickle::Global";
pub(crate) const OBJECT: &str = "$serde_pickle::Object";
pub(crate) const BUFFER: &str = "$serde_pickle::Buffer";
pub(crate) const PERSID: &str = "$serde_pickle::PersistentId";
pub(crate) const SHARED: &str = "$serde_pickle::Shared";
pub(crate) const SURROGATE_STR: &str = "$serde_pickle::SurrogateStr";
/// Asks this crate's deserializer for a whole lossless [`crate::Value`] (reader side).
pub(crate) const VALUE: &str = "$serde_pickle::Value";

/// The shape a magic newtype name announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Magic {
    /// Inner: a sequence of the items.
    Set,
    /// Inner: a sequence of the items.
    FrozenSet,
    /// Inner: bytes.
    ByteArray,
    /// Inner: the decimal digits (an int beyond 128 bits).
    BigInt,
    /// Inner: `(real, imag)`.
    Complex,
    /// Inner: `(module, name)`.
    Global,
    /// Inner: a struct of the object's parts; the hint has its kind and arity.
    Object,
    /// Inner: `(index, readonly)`.
    Buffer,
    /// Inner: the persistent id.
    PersistentId,
    /// Inner: the shared value; the hint has the node's id.
    Shared,
    /// Inner: bytes, a str's UTF-8 with lone surrogates (`surrogatepass`).
    SurrogateStr,
}

/// The magic shape for a newtype struct name, if it is one of ours.
#[inline]
pub(crate) fn magic(name: &str) -> Option<Magic> {
    if name.as_bytes().first() != Some(&PREFIX) {
        return None;
    }
    Some(match name {
        SET => Magic::Set,
        FROZENSET => Magic::FrozenSet,
        BYTEARRAY => Magic::ByteArray,
        BIGINT => Magic::BigInt,
        COMPLEX => Magic::Complex,
        GLOBAL => Magic::Global,
        OBJECT => Magic::Object,
        BUFFER => Magic::Buffer,
        PERSID => Magic::PersistentId,
        SHARED => Magic::Shared,
        SURROGATE_STR => Magic::SurrogateStr,
        _ => return None,
    })
}

/// Side information for the next magic newtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hint {
    None,
    /// The identity of a `Value::Shared` node.
    Shared(usize),
    /// An object's kind and number of positional arguments.
    Object(ObjectKind, usize),
}

thread_local! {
    static HINT: Cell<Hint> = const { Cell::new(Hint::None) };
}

/// Leave a hint for the serializer handling the next magic newtype.
pub(crate) fn set_hint(hint: Hint) {
    HINT.with(|h| h.set(hint));
}

/// Take the hint left for this magic newtype.
pub(crate) fn take_hint() -> Hint {
    HINT.with(|h| h.replace(Hint::None))
}

/// Take the hint only if it is `Shared(id)`: used by `Value` to notice that
/// a serializer other than this crate's is handling a shared node.
pub(crate) fn take_shared_hint(id: usize) -> bool {
    HINT.with(|h| {
        if h.get() == Hint::Shared(id) {
            h.set(Hint::None);
            true
        } else {
            false
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_our_names_are_magic() {
        assert_eq!(magic(SET), Some(Magic::Set));
        assert_eq!(magic(SHARED), Some(Magic::Shared));
        assert_eq!(magic("Set"), None);
        assert_eq!(magic("$other"), None);
    }

    #[test]
    fn hints_are_taken_once() {
        set_hint(Hint::Shared(7));
        assert!(!take_shared_hint(8));
        assert!(take_shared_hint(7));
        assert_eq!(take_hint(), Hint::None);
    }
}
