//! # serde_pickle
//!
//! Python's pickle format (protocols 0–5) for serde. Write any
//! `#[derive(Serialize)]` value as the bytes CPython itself would write for
//! the equivalent Python value, and read any pickle CPython writes of such
//! data back into your Rust types — with a non-executing opcode VM that is
//! safe on hostile input.
//!
//! The API has serde_json's shape:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! struct Person {
//!     name: String,
//!     age: u32,
//! }
//!
//! let alice = Person { name: "Alice".into(), age: 23 };
//! let bytes = serde_pickle::to_vec(&alice).unwrap();
//! // Python: pickle.loads(bytes) == {'name': 'Alice', 'age': 23}
//! let back: Person = serde_pickle::from_slice(&bytes).unwrap();
//! assert_eq!(back, alice);
//! ```
//!
//! See the README for the full type mapping, protocol choice and the
//! guarantees on untrusted input.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod codec;
mod de;
mod error;
mod magic;
mod options;
pub mod py;
mod read;
mod scan;
mod ser;
mod stream;
pub mod value;
mod vm;

pub use crate::de::{from_reader, from_reader_with, from_slice, from_slice_with, Deserializer};
pub use crate::error::{Category, Error, ErrorCode, Result};
pub use crate::options::{DeOptions, GlobalsPolicy, PersistentLoad, Py2Strings, SerOptions};
pub use crate::read::{IoRead, Read, SliceRead};
pub use crate::scan::{safe_globals, scan, Call, Scan};
pub use crate::ser::{to_vec, to_vec_with, to_writer, to_writer_with, Serializer};
pub use crate::stream::StreamDeserializer;
pub use crate::value::{from_value, to_value, Value};

/// Alias of [`to_vec`], named like Python's `pickle.dumps`.
///
/// ```
/// let bytes = serde_pickle::dumps(&vec![1, 2, 3]).unwrap();
/// assert_eq!(serde_pickle::loads::<Vec<i32>>(&bytes).unwrap(), vec![1, 2, 3]);
/// ```
pub fn dumps<T: ?Sized + serde::Serialize>(value: &T) -> Result<Vec<u8>> {
    to_vec(value)
}

/// Alias of [`to_writer`], named like Python's `pickle.dump`.
///
/// ```
/// let mut out = Vec::new();
/// serde_pickle::dump(&mut out, &"hi").unwrap();
/// assert_eq!(serde_pickle::load::<_, String>(&out[..]).unwrap(), "hi");
/// ```
pub fn dump<W: std::io::Write, T: ?Sized + serde::Serialize>(writer: W, value: &T) -> Result<()> {
    to_writer(writer, value)
}

/// Alias of [`from_slice`], named like Python's `pickle.loads`.
///
/// ```
/// let n: u8 = serde_pickle::loads(b"\x80\x05K\x07.").unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn loads<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    from_slice(bytes)
}

/// Alias of [`from_reader`], named like Python's `pickle.load`.
///
/// ```
/// let n: u8 = serde_pickle::load(&b"\x80\x05K\x07."[..]).unwrap();
/// assert_eq!(n, 7);
/// ```
pub fn load<R: std::io::Read, T: serde::de::DeserializeOwned>(reader: R) -> Result<T> {
    from_reader(reader)
}
