//! # For serde_json users
//!
//! The functions have serde_json's names and shapes; replace the crate name:
//!
//! | serde_json | serde_pickle |
//! |---|---|
//! | `to_vec(&v)`, `to_writer(w, &v)` | [`to_vec`](crate::to_vec), [`to_writer`](crate::to_writer) (a pickle is bytes: there is no `to_string`) |
//! | `from_slice(&b)`, `from_reader(r)` | [`from_slice`](crate::from_slice), [`from_reader`](crate::from_reader) (no `from_str`) |
//! | `to_value(v)`, `from_value(v)` | [`to_value`](crate::to_value), [`from_value`](crate::from_value) |
//! | `Deserializer::from_slice(b).into_iter::<T>()` | [`Deserializer::into_iter`](crate::Deserializer::into_iter): a stream of pickles |
//! | `Value`, `json!` | [`Value`](crate::Value), [`pickle!`](crate::pickle) (its docs map serde_json's `Value` methods) |
//! | `Error::classify()`, `is_io`, `is_syntax`, `is_data`, `is_eof`, `io_error_kind` | the same on [`Error`](crate::Error), plus [`is_limit`](crate::Error::is_limit) and [`is_unsupported`](crate::Error::is_unsupported) |
//! | `Error::line()`, `column()` | [`Error::offset`](crate::Error::offset) (a byte offset) and [`Error::path`](crate::Error::path) |
//! | `Category::{Io, Syntax, Data, Eof}` | [`Category`](crate::Category), with `Unsupported` and `Limit` besides |
//!
//! What differs in meaning:
//!
//! * A pickle has more types than JSON: tuples, sets, `bytes`, integers of
//!   any size, dicts with non-string keys. A `Vec<u8>` is a `list` of ints
//!   unless it is `serde_bytes`; a tuple is a Python `tuple`.
//! * Maps may have any hashable key (`HashMap<(i32, i32), _>` works), and a
//!   key that Python cannot hash (a `Vec`) is an error when writing.
//! * Reading is strict in the same way as serde_json's (no `1` for `true`),
//!   and bounded by [`DeOptions`](crate::DeOptions) limits, since pickles
//!   come from other programs.
//! * `#[serde(flatten)]`, `tag` and `untagged` lose Python-only types: see
//!   [`serde_attributes`](super::serde_attributes).
//!
//! ```
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! #[serde(rename_all = "camelCase")]
//! struct Config {
//!     user_name: String,
//!     #[serde(default, skip_serializing_if = "Option::is_none")]
//!     retries: Option<u8>,
//! }
//!
//! let c = Config { user_name: "ann".into(), retries: None };
//! let bytes = serde_pickle::to_vec(&c).unwrap(); // was serde_json::to_vec
//! let back: Config = serde_pickle::from_slice(&bytes).unwrap(); // was serde_json::from_slice
//! assert_eq!(back, c);
//! match serde_pickle::from_slice::<Config>(b"\x80\x05N.") {
//!     Err(e) if e.is_data() => {} // as with serde_json
//!     other => panic!("{other:?}"),
//! }
//! ```
