//! numpy arrays and scalars, pandas Series and DataFrames: what numpy 2.x/1.x
//! and pandas 3.x/2.x write (through `tools/pyenv.sh modern|legacy`) read into
//! Rust types, and what Rust writes judged by numpy. Layout of `tests/`: see
//! `tests/README.md`.

#[path = "../support/alloc.rs"]
mod alloc;
mod arrays;
mod buffers;
mod joblib;
mod judge;
#[cfg(feature = "ndarray")]
mod ndarray_crate;
mod pandas;
