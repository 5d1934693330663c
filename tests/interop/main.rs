//! Interop with Python's world: transcoding whatever CPython pickles, the
//! `pickletool` binary (feature `cli`), and the programs under `examples/`.
//! Layout of `tests/`: see `tests/README.md`.

#[path = "../support/mod.rs"]
mod support;

mod examples;
// The binary exists with the `cli` feature only (`cargo test --all-features`).
#[cfg(feature = "cli")]
mod pickletool;
#[cfg(feature = "cli")]
mod pickletool_cli;
#[cfg(feature = "cli")]
mod pickletool_scan;
mod popped_calls;
#[cfg(feature = "cli")]
mod py2;
mod python_envs;
mod transcode;
mod transcode_sharing;
