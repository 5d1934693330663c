//! Writing: our bytes are what CPython writes (`canonical_*`, judged by
//! python3), `py::Instance` objects, and property tests that arbitrary values
//! round-trip at every protocol. Layout of `tests/`: see `tests/README.md`.

#[path = "../support/mod.rs"]
mod support;

mod canonical_bytes;
mod canonical_values;
mod cycle_shapes;
mod proptest_roundtrip;
mod py_instance;
mod streaming;
