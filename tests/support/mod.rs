//! Helpers shared by the integration test binaries (see `tests/README.md`).
//! Each binary mounts this directory with
//! `#[path = "../support/mod.rs"] mod support;`; not every binary uses every
//! helper, hence `dead_code` is allowed.

#![allow(dead_code)]

pub mod data;
pub mod expect;
pub mod print;
pub mod python;
pub mod readers;
