//! The CPython judge shared by the byte-exactness tests: every expectation
//! is computed by `python3` (see `tests/py/canon.py`), one process per batch.

#![allow(dead_code)]

use std::io::Write as _;
use std::process::{Command, Stdio};

use serde::Serialize;
use serde_json::json;

/// Protocols every value is written at.
pub const ALL: [u8; 6] = [0, 1, 2, 3, 4, 5];

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
        let input: Vec<_> = self
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
        let outcomes = run_python(&serde_json::to_vec(&input).unwrap());
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

fn run_python(input: &[u8]) -> Vec<serde_json::Value> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/canon.py");
    let mut child = Command::new("python3")
        .arg(script)
        .env("PYTHONHASHSEED", "0")
        .env("PYTHONPATH", concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 is required to run the byte-exactness tests (CPython is the judge)");
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("python3 did not finish");
    writer.join().unwrap().expect("writing to python3");
    assert!(
        output.status.success(),
        "python3 tests/py/canon.py failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("python3 printed invalid JSON")
}

pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2).map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap()).collect()
}

/// Printable form of a pickle, truncated.
pub fn esc(b: &[u8]) -> String {
    let text: String =
        b.iter().take(400).flat_map(|&c| std::ascii::escape_default(c)).map(char::from).collect();
    if b.len() > 400 {
        format!("{text}... ({} bytes)", b.len())
    } else {
        text
    }
}
