//! Hostile input: the adversarial corpus, memo expansion bounds, and replayed
//! fuzz finds. Nothing may panic, overflow the stack, hang or allocate much.
//! Layout of `tests/`: see `tests/README.md`.

// Counts what a read holds at its peak; per thread, so the tests of this
// binary still run in parallel.
#[path = "../support/alloc.rs"]
mod alloc;
// The fuzz targets' shared helpers (expands_to_at_most, for the replay).
#[path = "../../fuzz/fuzz_targets/common/mod.rs"]
mod fuzz_common;
#[path = "../support/mod.rs"]
mod support;

mod corpus_hostile;
mod expansion;
mod fuzz_regressions;
mod scan;
