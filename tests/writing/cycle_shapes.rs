//! Cycles through lists, tuples and dicts are written back with CPython's
//! exact bytes: every small cyclic shape (tests/py/cycle_shapes.py), pickled
//! by CPython's C pickler at each protocol, read and written back at that
//! protocol, equals `pickletools.optimize` of the original.

use std::process::Command;

use serde_pickle::{from_slice, to_vec_with, SerOptions, Value};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// Run a python script; its stdout.
fn python(script: &str, args: &[&str]) -> String {
    let out = Command::new("python3").arg(script).args(args).output().expect("python3 runs");
    assert!(out.status.success(), "{script}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn transcode(data: &[u8], protocol: u8) -> Vec<u8> {
    let v: Value = from_slice(data).unwrap_or_else(|e| panic!("read: {e}"));
    to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap_or_else(|e| panic!("write: {e}"))
}

/// Every small cyclic shape of lists, tuples and dicts (tests/py/cycle_shapes.py),
/// at every protocol: written back as CPython writes it.
#[test]
fn every_small_cycle_shape_is_written_with_cpythons_bytes() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/cycle_shapes.py");
    let out = python(script, &[]);
    let mut failures = Vec::new();
    let mut n = 0;
    for line in out.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let shape = f[..f.len() - 3].join(" ");
        let (p, data, want) =
            (f[f.len() - 3].parse::<u8>().unwrap(), f[f.len() - 2], f[f.len() - 1]);
        let (data, want) = (unhex(data), unhex(want));
        n += 1;
        let got = transcode(&data, p);
        if got != want {
            failures.push(format!("{shape} p{p}"));
        }
    }
    assert!(n > 10_000, "{n} cases");
    assert!(
        failures.is_empty(),
        "{} of {n} differ, e.g. {:?}",
        failures.len(),
        &failures[..failures.len().min(10)]
    );
}
