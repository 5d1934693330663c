#!/usr/bin/env bash
# Run the crate's only unsafe code (src/value/cycles.rs: freeing cycles of
# Value::Shared nodes) under Miri, which reports undefined behaviour, data
# races and leaks (a cycle left allocated is a leak at exit). Not part of
# .ci/run: it needs the nightly toolchain with the miri component and
# takes minutes.
#
#   tools/miri.sh            # the cycles module's tests
#   tools/miri.sh value::    # any other filter of the lib tests
set -euo pipefail
cd "$(dirname "$0")/.."
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
rustup +nightly component add miri rust-src
exec cargo +nightly miri test --lib "${1:-value::cycles}"
