//! The byte-exactness judge (`tests/writing/`): CPython loads our pickles to
//! the expected values and re-pickles them; our bytes must be what it would
//! write (the judge's `canon` request), one python3 process per batch.

use serde::Serialize;
use serde_json::json;

use super::judge;
use crate::support::print::{esc, hex, unhex};

pub use super::ALL;

struct Case {
    id: String,
    proto: u8,
    ours: Vec<u8>,
    expect: Option<String>,
    check: Option<String>,
    canonical: bool,
    persistent: bool,
    buffers: Option<Vec<String>>,
}

/// A batch of cases judged by one python3 process.
#[derive(Default)]
pub struct Judge {
    cases: Vec<Case>,
    modules: Vec<String>,
    persistent: bool,
}

/// Write `value` with protocol `proto`.
pub fn pickle<T: ?Sized + Serialize>(value: &T, proto: u8) -> Vec<u8> {
    serde_pickle::to_vec_with(value, &serde_pickle::SerOptions::new().protocol(proto))
        .unwrap_or_else(|e| panic!("writing failed at protocol {proto}: {e}"))
}

impl Judge {
    pub fn new() -> Self {
        Judge::default()
    }

    /// Make `module` importable by the checks (e.g. for `argparse.Namespace`).
    pub fn import(&mut self, module: &str) -> &mut Self {
        self.modules.push(module.to_owned());
        self
    }

    /// Cases added from now on load persistent ids as `Pid(id)` and write
    /// `Pid` objects back as persistent ids.
    pub fn persistent(&mut self) -> &mut Self {
        self.persistent = true;
        self
    }

    /// Only that python3, given these out-of-band `buffers`, loads `bytes`
    /// so that `check` (over the loaded `v`) is true.
    pub fn add_with_buffers(
        &mut self,
        name: &str,
        proto: u8,
        bytes: Vec<u8>,
        buffers: &[&[u8]],
        check: &str,
    ) -> &mut Self {
        self.push(name, proto, bytes, None, Some(check), false);
        if let Some(case) = self.cases.last_mut() {
            case.buffers = Some(buffers.iter().map(|b| hex(b)).collect());
        }
        self
    }

    /// At every protocol: python3 loads our bytes to a value equal (types
    /// included) to the Python expression `expect`, and our bytes are canonical.
    pub fn add<T: ?Sized + Serialize>(&mut self, name: &str, value: &T, expect: &str) -> &mut Self {
        self.add_at(name, &ALL, value, expect)
    }

    /// Like [`Judge::add`] at the given protocols only.
    pub fn add_at<T: ?Sized + Serialize>(
        &mut self,
        name: &str,
        protos: &[u8],
        value: &T,
        expect: &str,
    ) -> &mut Self {
        for &proto in protos {
            self.push(name, proto, pickle(value, proto), Some(expect), None, true);
        }
        self
    }

    /// At every protocol: our bytes are canonical and `check` (a Python
    /// expression over the loaded value `v`) is true.
    pub fn add_check<T: ?Sized + Serialize>(
        &mut self,
        name: &str,
        value: &T,
        check: &str,
    ) -> &mut Self {
        for proto in ALL {
            self.push(name, proto, pickle(value, proto), None, Some(check), true);
        }
        self
    }

    /// Only that python3 loads `bytes` to `expect` (for shapes CPython itself
    /// never writes, like INST, or sets in an order CPython would not use).
    pub fn add_loads_only(
        &mut self,
        name: &str,
        proto: u8,
        bytes: Vec<u8>,
        expect: &str,
    ) -> &mut Self {
        self.push(name, proto, bytes, Some(expect), None, false);
        self
    }

    fn push(
        &mut self,
        name: &str,
        proto: u8,
        ours: Vec<u8>,
        expect: Option<&str>,
        check: Option<&str>,
        canonical: bool,
    ) {
        self.cases.push(Case {
            id: format!("{name} @ protocol {proto}"),
            proto,
            ours,
            expect: expect.map(str::to_owned),
            check: check.map(str::to_owned),
            canonical,
            persistent: self.persistent,
            buffers: None,
        });
    }

    /// Number of cases at `proto`.
    pub fn count_at(&self, proto: u8) -> usize {
        self.cases.iter().filter(|c| c.proto == proto).count()
    }

    /// Run python3 over the batch and fail with a report of every mismatch.
    pub fn run(&self) {
        let cases: Vec<_> = self
            .cases
            .iter()
            .map(|c| {
                json!({
                    "id": c.id, "proto": c.proto, "hex": hex(&c.ours),
                    "expect": c.expect, "check": c.check, "modules": self.modules,
                    "persistent": c.persistent, "buffers": c.buffers,
                })
            })
            .collect();
        let outcomes = judge(&json!({"op": "canon", "cases": cases}));
        assert_eq!(
            outcomes.len(),
            self.cases.len(),
            "python3 answered a different number of cases"
        );
        let mut failures = Vec::new();
        for (case, out) in self.cases.iter().zip(&outcomes) {
            let repr = out["repr"].as_str().unwrap_or("?");
            if let Some(err) = out["error"].as_str() {
                failures.push(format!(
                    "{}: python3 failed: {err}\n  ours: {}",
                    case.id,
                    esc(&case.ours)
                ));
                continue;
            }
            if out["ok"] != true {
                failures.push(format!(
                    "{}: loads to {repr}, expected {}{}",
                    case.id,
                    case.expect.as_deref().unwrap_or("-"),
                    case.check.as_deref().map(|c| format!(" with {c}")).unwrap_or_default()
                ));
            }
            let canon = unhex(out["canon"].as_str().unwrap_or(""));
            if case.canonical && canon != case.ours {
                failures.push(format!(
                    "{}: not canonical\n  ours:  {}\n  canon: {}",
                    case.id,
                    esc(&case.ours),
                    esc(&canon)
                ));
            }
        }
        if !failures.is_empty() {
            panic!(
                "{} of {} cases failed:\n{}",
                failures.len(),
                self.cases.len(),
                failures.join("\n")
            );
        }
    }
}
