//! STUB — replaced by the writer work.
use crate::error::Result;
/// to_value (stub)
pub fn to_value<T: ?Sized + serde::Serialize>(_v: &T) -> Result<super::Value> { unimplemented!() }
// TEMPORARY (lead): lets the crate build until the writer's Serialize for Value lands.
impl serde::Serialize for super::Value {
    fn serialize<S: serde::Serializer>(&self, _s: S) -> std::result::Result<S::Ok, S::Error> {
        Err(serde::ser::Error::custom("Serialize for Value not written yet"))
    }
}
