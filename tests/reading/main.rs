//! Reading: pickles CPython wrote (the reference corpus, CPython's own test
//! vectors, typed reads), `from_reader` streams, cycles, and the typed fast
//! path against the VM. One test binary; each module is one former suite.
//! Layout of `tests/`: see `tests/README.md`.

// Counts what a read holds at its peak (`from_reader`); per thread, so the
// tests of this binary still run in parallel.
#[path = "../support/alloc.rs"]
mod alloc;
#[path = "../support/mod.rs"]
mod support;

mod corpus_values;
mod cpython_vectors;
mod cycles;
mod departures;
mod error_messages;
mod from_reader;
mod serde_pickle_compat;
mod typed_read;
