//! The committed test vectors under `tests/data` (see its README), and the
//! helpers of table-driven tests.

use std::path::{Path, PathBuf};

use serde::Deserialize as _;
use serde_json::Value as Json;

/// `tests/data`, where the vector files copied from the reference pack live.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data")
}

/// Bytes of a file under `tests/data`.
pub fn read(rel: &str) -> Vec<u8> {
    let path = data_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A JSON file under `tests/data`.
pub fn json(rel: &str) -> Json {
    parse_json(&read(rel), rel)
}

/// Parse JSON text (`what` names it in errors). Without serde_json's nesting
/// limit (128): the corpus has 100-deep lists and 50-deep dicts, whose typed
/// JSON nests deeper than that.
pub fn parse_json(bytes: &[u8], what: &str) -> Json {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    de.disable_recursion_limit();
    let v = Json::deserialize(&mut de).unwrap_or_else(|e| panic!("{what} is not JSON: {e}"));
    de.end().unwrap_or_else(|e| panic!("{what}: trailing data after JSON: {e}"));
    v
}

/// Sorted file names (not paths) in a directory under `tests/data` ending in `suffix`.
pub fn list(dir: &str, suffix: &str) -> Vec<String> {
    let path = data_dir().join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", path.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(suffix))
        .collect();
    names.sort();
    names
}

/// The protocol a pickle declares with a leading PROTO opcode (0 without one).
pub fn protocol_of(data: &[u8]) -> u8 {
    match data {
        [0x80, p, ..] => *p,
        _ => 0,
    }
}

/// Report every failure of a table-driven test in one assertion.
pub fn assert_all(what: &str, checked: usize, failures: &[String]) {
    assert!(checked > 0, "{what}: no vectors were checked");
    if !failures.is_empty() {
        panic!("{what}: {} of {checked} failed:\n  - {}", failures.len(), failures.join("\n  - "));
    }
}

/// Run `f` on a thread with the default 2 MiB stack (so that a reader which
/// recursed with the input would overflow it), and return its result, or
/// `Err` when it panicked. No time limit: a hang shows as a test that does
/// not finish, never as a wall-clock assertion.
pub fn in_thread<T: Send + 'static>(
    name: &str,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(2 << 20)
        .spawn(f)
        .expect("spawn")
        .join()
        .map_err(|_| format!("{name}: panicked"))
}

/// Whether `from_slice`'s error message `fast` is the VM-alone message `vm`:
/// the same, or the same after the "not a pickle (the input looks like
/// ...): " that `from_slice` puts before it for input that is not a pickle.
#[allow(dead_code)]
pub fn same_error_as_vm(fast: &str, vm: &str) -> bool {
    fast == vm || (fast.starts_with("not a pickle (") && fast.ends_with(&format!("): {vm}")))
}

/// Read `data` by the VM alone, as `from_slice_with` would: the serde
/// `Deserializer` trait of `&mut serde_pickle::Deserializer` always runs the
/// VM; only `from_slice`, `from_reader` and the stream iterator try the fast
/// path first. (The crate's own differential test compares the two paths.)
#[allow(dead_code)]
pub fn vm_only<'de, T: serde::Deserialize<'de>>(
    data: &'de [u8],
    opts: &serde_pickle::DeOptions,
) -> serde_pickle::Result<T> {
    let mut de = serde_pickle::Deserializer::from_slice(data).with_options(opts.clone());
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}
