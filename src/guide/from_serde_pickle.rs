//! # Moving from serde-pickle 1.x
//!
//! The two crates share the library name `serde_pickle` (this package is
//! `pickle-serde`), so most code changes only in how options are passed:
//! serde-pickle takes options by value on every call, this crate has a
//! plain call and a `_with` variant taking them by reference.
//!
//! | serde-pickle 1.2 | this crate |
//! |---|---|
//! | `to_vec(&v, SerOptions::new())` | [`to_vec(&v)`](crate::to_vec) (protocol 5) or [`to_vec_with(&v, &SerOptions::new().protocol(3))`](crate::to_vec_with) for the same protocol |
//! | `to_writer(&mut w, &v, opts)` | [`to_writer(w, &v)`](crate::to_writer), [`to_writer_with`](crate::to_writer_with) |
//! | `from_slice(&bytes, DeOptions::new())` | [`from_slice(&bytes)`](crate::from_slice), [`from_slice_with`](crate::from_slice_with) |
//! | `from_reader(r, DeOptions::new())` | [`from_reader(r)`](crate::from_reader), [`from_reader_with`](crate::from_reader_with) |
//! | `from_iter(it, opts)` | collect the bytes, then [`from_slice`](crate::from_slice) |
//! | `value_from_slice`, `value_from_reader` | [`from_slice::<Value>`](crate::from_slice), [`from_reader::<_, Value>`](crate::from_reader) |
//! | `value_to_vec(&v, opts)`, `value_to_writer` | [`to_vec(&v)`](crate::to_vec), [`to_writer`](crate::to_writer): a [`Value`](crate::Value) is `Serialize` |
//! | `Value`, `HashableValue` | one [`Value`](crate::Value): dict keys and set items are `Value`s, checked hashable when written |
//! | `Deserializer::new(r, opts)` | [`Deserializer::from_reader(r).with_options(opts)`](crate::Deserializer::with_options) |
//! | `Deserializer::reset_memo` and a loop | [`Deserializer::into_iter`](crate::Deserializer::into_iter): each pickle has its own memo, as in Python |
//! | `Error` enum (`Io`, `Eval`, `Syntax`) | one [`Error`](crate::Error): match on [`Error::classify`](crate::Error::classify), details in [`Error::code`](crate::Error::code) |
//!
//! ## Options
//!
//! | serde-pickle 1.2 | this crate |
//! |---|---|
//! | `SerOptions::proto_v2()` | [`SerOptions::protocol(2)`](crate::SerOptions::protocol); any of 0 to 5 |
//! | (protocol 3, its default) | [`SerOptions::protocol(3)`](crate::SerOptions::protocol); the default here is 5 (Python 3.8 and later) |
//! | `SerOptions::compat_enum_repr()` (`('Variant', value)` tuples) | not written; **read** always (see below) |
//! | `DeOptions::decode_strings()` (Python 2 `str` as `str`) | [`DeOptions::py2_strings`](crate::DeOptions::py2_strings): [`Py2Strings`](crate::Py2Strings) chooses Latin-1 (the default), ASCII only, or bytes |
//! | `DeOptions::keep_restore_state()` | always: an object's state stays in its [`Value::Object`](crate::Value::Object); a typed read reads instances as their attributes |
//! | `DeOptions::replace_unresolved_globals()` (unknown globals become `None`) | no globals are resolved or imported: they stay [`Value::Global`](crate::Value::Global); reject them with [`GlobalsPolicy`](crate::GlobalsPolicy) |
//! | `DeOptions::replace_recursive_structures()` (a cycle becomes `None`) | a [`Value`](crate::Value) keeps the cycle as [`Value::Shared`](crate::Value::Shared) nodes ([`DeOptions::reject_cycles`](crate::DeOptions::reject_cycles) refuses it); a typed read of a cycle is an error |
//! | (no limits) | [`DeOptions::max_depth`](crate::DeOptions::max_depth), [`max_memo`](crate::DeOptions::max_memo), [`max_alloc`](crate::DeOptions::max_alloc), [`max_expansion`](crate::DeOptions::max_expansion): defaults that read real data and refuse bombs |
//!
//! ## What changes by default
//!
//! * **The protocol**: 5 instead of 3. The bytes are CPython's for the
//!   same object (framing, memo, short opcodes). Readers older than Python
//!   3.8 need [`SerOptions::protocol(4)`](crate::SerOptions::protocol) (3.4+)
//!   or lower.
//! * **Enums** are written in serde-pickle's default form (`'Unit'`,
//!   `{'Variant': value}`), except a tuple variant's fields, a `tuple` here
//!   (`{'Pair': (1, 'x')}`) and a `list` there (`{'Pair': [1, 'x']}`); both
//!   read into the same Rust type in either crate.
//! * **Reading enums** accepts both of serde-pickle's forms: the default and
//!   `compat_enum_repr`'s `('Unit',)`, `('Variant', value)`,
//!   `('Pair', [1, 'x'])`: data serde-pickle wrote reads into the same types.
//! * **Integers**: a `u64` above `i64::MAX` is written as CPython writes it
//!   (`LONG1`); serde-pickle 1.2 fails to read that back into a `u64`
//!   ("integer too large"), this crate and Python read it.
//! * **Objects** (class instances, `datetime`, `Decimal`, `OrderedDict`...)
//!   read as plain data into Rust types, and as [`Value::Object`](crate::Value::Object)
//!   into a `Value`; serde-pickle 1.2 refuses most of them.
//! * **Strictness**: a typed read converts nothing silently (no `1` as
//!   `true`, no truncated integers, no rounded floats).
//!
//! ```
//! # use peer as serde_pickle_1; // serde-pickle 1.2, a dev-dependency of this crate
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize, Debug, PartialEq)]
//! enum Animal { Dog, Frog(String), Pair(i32, String) }
//!
//! let animals = vec![Animal::Dog, Animal::Frog("kermit".into()), Animal::Pair(1, "x".into())];
//! // Written by serde-pickle 1.2, in both of its forms...
//! let plain = serde_pickle_1::to_vec(&animals, serde_pickle_1::SerOptions::new()).unwrap();
//! let tuples =
//!     serde_pickle_1::to_vec(&animals, serde_pickle_1::SerOptions::new().compat_enum_repr()).unwrap();
//! // ...read here into the same type.
//! assert_eq!(serde_pickle::from_slice::<Vec<Animal>>(&plain).unwrap(), animals);
//! assert_eq!(serde_pickle::from_slice::<Vec<Animal>>(&tuples).unwrap(), animals);
//!
//! // And the other way.
//! let ours = serde_pickle::to_vec(&animals).unwrap();
//! let back: Vec<Animal> = serde_pickle_1::from_slice(&ours, Default::default()).unwrap();
//! assert_eq!(back, animals);
//! ```
