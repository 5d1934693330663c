//! The opcode VM: executes a pickle's opcodes without importing or calling
//! anything, building an [`arena::Arena`] of nodes.
//!
//! The VM owns the stack, the mark stack and the memo. It is iterative, so
//! nesting depth costs heap, not native stack; every length is checked against
//! the input before anything is allocated for it.

pub(crate) mod arena;
pub(crate) mod machine;
mod native_globals;
pub(crate) mod text;
pub(crate) mod walk;

pub(crate) use machine::Machine;
