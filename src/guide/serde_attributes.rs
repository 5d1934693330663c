//! # `flatten`, internally tagged and untagged enums
//!
//! For `#[serde(flatten)]`, `#[serde(tag = "...")]` (internally and
//! adjacently tagged enums) and `#[serde(untagged)]`, serde reads the value
//! first into its own buffer (its private `Content` type) and then hands
//! that to the real type. The buffer knows only serde's data model, so what
//! passes through it loses what Python has and serde has not:
//!
//! | In the pickle | Through serde's buffer |
//! |---|---|
//! | `None`, `bool`, `str`, `float`, `int` within 64 bits, `bytes`, `list`, `dict` with str keys | kept |
//! | `tuple`, `set`, `frozenset` | a `list` (a [`Value`](crate::Value) gets [`Value::List`](crate::Value::List)) |
//! | a dict with tuple keys `{(1, 2): 'x'}` | keys become lists: `{[1, 2]: 'x'}`, which Python cannot hash, so writing that `Value` back fails |
//! | an `int` beyond 64 bits (`2**100`, or any value for a `u128` / `i128` field) | **an error**: serde's buffer has no 128-bit integers |
//! | `bytearray`, class instances, `datetime`... | what they read as (bytes, their attributes, ISO text) |
//!
//! A type error inside still names its path (`"... at big (offset 56)"`).
//! Plain fields, externally tagged enums (the default) and `Option` do not
//! buffer: a [`Value`](crate::Value) field there keeps every Python type,
//! and `u128` fields read any integer that fits.
//!
//! **To keep Python types**, do not buffer: read the record as a
//! [`Value`](crate::Value) (or a struct whose dynamic part is a plain
//! `Value` field), look at the tag yourself, and convert the rest with
//! [`from_value`](crate::from_value), which keeps tuples, sets and big
//! integers.
//!
//! ```
//! use serde::Deserialize;
//! use serde_pickle::Value;
//! use std::collections::BTreeMap;
//!
//! #[derive(Deserialize, Debug)]
//! #[serde(tag = "type")]
//! enum Tagged { Point { at: Value } }
//!
//! #[derive(Deserialize, Debug)]
//! #[serde(untagged)]
//! enum Untagged { Big(u128), Other(Value) }
//!
//! #[derive(Deserialize, Debug)]
//! struct Flat { a: i32, #[serde(flatten)] rest: BTreeMap<String, Value> }
//!
//! // pickle.dumps({'type': 'Point', 'at': (1, 2)}, protocol=5)
//! let point = b"\x80\x05\x95\x1f\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x04type\x94\x8c\x05Point\x94\x8c\x02at\x94K\x01K\x02\x86\x94u.";
//! let Tagged::Point { at } = serde_pickle::from_slice(point).unwrap();
//! assert_eq!(at.to_string(), "[1, 2]"); // the tuple became a list
//!
//! // pickle.dumps({(1, 2): 'x'}, protocol=5)
//! let tuple_key = b"\x80\x05\x95\x0e\x00\x00\x00\x00\x00\x00\x00}\x94K\x01K\x02\x86\x94\x8c\x01x\x94s.";
//! let Untagged::Other(v) = serde_pickle::from_slice(tuple_key).unwrap() else { panic!() };
//! assert_eq!(v.to_string(), "{[1, 2]: 'x'}");
//! assert!(serde_pickle::to_vec(&v).is_err()); // a list is not hashable
//!
//! // pickle.dumps(2**100, protocol=5): no 128-bit integers in the buffer.
//! let big = b"\x80\x05\x95\x10\x00\x00\x00\x00\x00\x00\x00\x8a\r\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10.";
//! assert!(serde_pickle::from_slice::<Untagged>(big).is_err());
//! assert_eq!(serde_pickle::from_slice::<u128>(big).unwrap(), 1 << 100);
//!
//! // pickle.dumps({'a': 1, 't': (1, 2)}, protocol=5)
//! let flat = b"\x80\x05\x95\x15\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94K\x01\x8c\x01t\x94K\x01K\x02\x86\x94u.";
//! let f: Flat = serde_pickle::from_slice(flat).unwrap();
//! assert_eq!((f.a, f.rest["t"].to_string()), (1, "[1, 2]".to_string()));
//!
//! // Keeping the types: read a Value, dispatch on the tag, convert the rest.
//! let record: Value = serde_pickle::from_slice(point).unwrap();
//! assert_eq!(record.to_string(), "{'type': 'Point', 'at': (1, 2)}");
//! #[derive(Deserialize)]
//! struct Point { at: Value }
//! if record["type"] == Value::from("Point") {
//!     let p: Point = serde_pickle::from_value(record).unwrap();
//!     assert_eq!(p.at.to_string(), "(1, 2)"); // still a tuple
//! }
//! ```
