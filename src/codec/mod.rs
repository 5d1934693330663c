//! The low-level pickle codec, independent of serde: the opcode table, the
//! emitter that writes opcodes exactly as CPython does (framing, memo,
//! batching), and the optimizer that drops unused memo entries.

pub(crate) mod batch;
pub(crate) mod emit;
pub(crate) mod frame;
pub(crate) mod memo;
pub(crate) mod names;
pub mod opcodes;
pub mod ops;
pub mod optimize;
pub(crate) mod pickler;
pub mod py2_renames;
pub(crate) mod repr;
pub(crate) mod stream;
pub(crate) mod utf8;
