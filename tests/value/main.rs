//! The `Value` type: equality, hashing and printing as Python has them
//! (python3 judges), and `to_value`. Layout of `tests/`: see `tests/README.md`.

#[path = "../support/mod.rs"]
mod support;

mod serde_json_dropin;
mod to_value;
mod value_drop;
mod value_eq;
mod value_repr;
mod value_serde;
