//! Python's world (`tests/interop/`): CPython pickles objects of every kind
//! (the judge's `dump` request, classes in `tests/py/objects.py`), and says
//! whether two pickles load to the same object graph (`compare`); plus the
//! `pickletool` binary these tests drive.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::{json, Value as Json};

use super::judge as python;
use crate::support::print::{esc, hex, unhex};

pub use super::ALL;

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// One case for the `dump` request: CPython evaluates `expr` and pickles it.
pub struct PyCase {
    pub name: &'static str,
    pub expr: &'static str,
    /// Protocols at which CPython itself refuses to pickle the value, with why.
    pub refused: &'static [u8],
}

pub const fn case(name: &'static str, expr: &'static str) -> PyCase {
    PyCase { name, expr, refused: &[] }
}

pub const fn refused_at(name: &'static str, expr: &'static str, refused: &'static [u8]) -> PyCase {
    PyCase { name, expr, refused }
}

/// A pickle CPython wrote.
pub struct Original {
    pub name: String,
    pub proto: u8,
    pub bytes: Vec<u8>,
}

/// CPython pickles every case at every protocol. A protocol at which CPython
/// fails must be listed in the case's `refused` (and nothing else may fail).
pub fn cpython_pickles(cases: &[PyCase]) -> Vec<Original> {
    let req: Vec<Json> =
        cases.iter().map(|c| json!({"id": c.name, "expr": c.expr, "protos": ALL})).collect();
    let answers = python(&json!({"op": "dump", "cases": req}));
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for a in answers {
        let name = a["id"].as_str().unwrap().to_string();
        let proto = a["proto"].as_u64().unwrap() as u8;
        let case = cases.iter().find(|c| c.name == name).unwrap();
        match (a["hex"].as_str(), case.refused.contains(&proto)) {
            (Some(h), false) => out.push(Original { name, proto, bytes: unhex(h) }),
            (Some(_), true) => {
                problems.push(format!("{name} @ {proto}: CPython pickled it, expected a refusal"))
            }
            (None, true) => {}
            (None, false) => {
                problems.push(format!("{name} @ {proto}: CPython failed: {}", a["error"]))
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    out
}

/// One comparison for the `compare` request.
pub struct Compare {
    pub id: String,
    pub orig: Source,
    pub ours: Vec<u8>,
    /// `encoding=` for loading the original (Python 2 pickles: "latin1").
    pub encoding: &'static str,
}

pub enum Source {
    Bytes(Vec<u8>),
    File(PathBuf),
}

/// CPython loads each original and ours and compares them (see
/// `tests/py/judge.py`): the ids of the pairs that differ, with why.
pub fn compare_all(items: &[Compare]) -> Vec<(String, String)> {
    // Large batches go through files, not hex in JSON.
    let dir = scratch_dir("compare");
    let req: Vec<Json> = items
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let ours = dir.join(format!("{i}.pkl"));
            std::fs::write(&ours, &c.ours).unwrap();
            let (orig, orig_hex) = match &c.orig {
                Source::Bytes(b) => (Json::Null, Json::String(hex(b))),
                Source::File(p) => (Json::String(p.display().to_string()), Json::Null),
            };
            json!({"id": c.id, "orig": orig, "orig_hex": orig_hex,
                   "ours": ours.display().to_string(), "encoding": c.encoding})
        })
        .collect();
    let answers = python(&json!({"op": "compare", "items": req}));
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(answers.len(), items.len(), "python3 answered a different number of items");
    answers
        .into_iter()
        .filter(|a| a["ok"] != true)
        .map(|a| {
            (a["id"].as_str().unwrap().to_string(), a["why"].as_str().unwrap_or("?").to_string())
        })
        .collect()
}

/// A fresh directory under the target directory's tmp (or the system's).
pub fn scratch_dir(what: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let base =
        option_env!("CARGO_TARGET_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let dir = base.join(format!("world-{what}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The `pickletool` binary (the `cli` feature: `cargo test --all-features`).
pub fn pickletool() -> &'static str {
    match option_env!("CARGO_BIN_EXE_pickletool") {
        Some(path) => path,
        None => panic!(
            "the pickletool tests need the binary: run `cargo test --features cli` \
             (CI runs --all-features)"
        ),
    }
}

/// Run `pickletool args...` with `stdin`.
pub fn tool(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(pickletool())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run pickletool");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    // The tool may exit before reading everything (bad input): ignore EPIPE.
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

/// Fail with every problem at once.
pub fn report(what: &str, total: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{what}: {} of {total} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// How a test transcodes a pickle to a protocol (library or CLI).
pub type Transcoder = fn(&[u8], u8) -> Result<Vec<u8>, String>;

/// A pickle to transcode.
pub struct Orig {
    pub name: String,
    /// The protocol it was written at.
    pub from: u8,
    pub source: Source,
    pub bytes: Vec<u8>,
    /// How CPython must load it: `"latin1"` for Python 2 pickles.
    pub encoding: &'static str,
}

impl Orig {
    pub fn bytes(name: String, from: u8, bytes: Vec<u8>, encoding: &'static str) -> Self {
        Orig { name, from, source: Source::Bytes(bytes.clone()), bytes, encoding }
    }
}

/// Transcode every original to every protocol in `targets`, let CPython
/// compare, and fail on any difference. Returns the verified count per
/// target protocol.
pub fn verify(
    what: &str,
    originals: Vec<Orig>,
    targets: &[u8],
    transcode: Transcoder,
) -> BTreeMap<u8, usize> {
    let mut compares = Vec::new();
    // The target protocol of each comparison.
    let mut to = Vec::new();
    let mut failures = Vec::new();
    for o in &originals {
        for &p in targets {
            let id = format!("{} -> protocol {p}", o.name);
            match transcode(&o.bytes, p) {
                Ok(ours) => {
                    let orig = clone_source(&o.source);
                    compares.push(Compare { id, orig, ours, encoding: o.encoding });
                    to.push(p);
                }
                Err(e) => failures.push(format!("{id}: {e}\n  original: {}", esc(&o.bytes))),
            }
        }
    }
    let differing: BTreeMap<String, String> = compare_all(&compares).into_iter().collect();
    let mut counts = BTreeMap::new();
    for (c, p) in compares.iter().zip(to) {
        match differing.get(&c.id) {
            None => *counts.entry(p).or_insert(0) += 1,
            Some(why) => failures.push(format!("{}: {why}\n  ours: {}", c.id, esc(&c.ours))),
        }
    }
    report(what, compares.len(), &failures);
    eprintln!("{what}: verified per target protocol: {counts:?}");
    counts
}

fn clone_source(s: &Source) -> Source {
    match s {
        Source::Bytes(b) => Source::Bytes(b.clone()),
        Source::File(f) => Source::File(f.clone()),
    }
}

/// Originals CPython writes for a table, at every protocol.
pub fn table_originals(table: &[PyCase]) -> Vec<Orig> {
    cpython_pickles(table)
        .into_iter()
        .map(|Original { name, proto, bytes }| {
            Orig::bytes(format!("{name} (from protocol {proto})"), proto, bytes, "ASCII")
        })
        .collect()
}
