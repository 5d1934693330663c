//! Guides for users coming from other crates (documentation only: nothing
//! here is code).
//!
//! * [`from_serde_pickle`]: moving from serde-pickle 1.x, option by option.
//! * [`from_serde_json`]: the same program with `serde_pickle` where
//!   `serde_json` was.
//! * [`serde_attributes`]: what `#[serde(flatten)]`, internally tagged and
//!   untagged enums really do with pickled data.

pub mod from_serde_json;
pub mod from_serde_pickle;
pub mod serde_attributes;
