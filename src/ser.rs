//! STUB — replaced by the writer work.
use crate::error::Result;
use crate::options::SerOptions;
/// Serializer (stub).
pub struct Serializer<W> { _w: W }
/// to_vec (stub)
pub fn to_vec<T: ?Sized + serde::Serialize>(_v: &T) -> Result<Vec<u8>> { unimplemented!() }
/// to_vec_with (stub)
pub fn to_vec_with<T: ?Sized + serde::Serialize>(_v: &T, _o: &SerOptions) -> Result<Vec<u8>> { unimplemented!() }
/// to_writer (stub)
pub fn to_writer<W: std::io::Write, T: ?Sized + serde::Serialize>(_w: W, _v: &T) -> Result<()> { unimplemented!() }
/// to_writer_with (stub)
pub fn to_writer_with<W: std::io::Write, T: ?Sized + serde::Serialize>(_w: W, _v: &T, _o: &SerOptions) -> Result<()> { unimplemented!() }
