//! The streaming fast path for typed reads must agree with the opcode VM on
//! every input: same value or both an error. Pickles come from CPython (C
//! pickler, pure-Python pickler, `pickletools.optimize`) at every protocol.

use std::collections::{BTreeMap, HashMap};
use std::process::Command;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_pickle::Value;
use serde_pickle::{from_slice_with, DeOptions};

fn cpython_pickles() -> Vec<Vec<u8>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/gen_fast_path.py");
    let out = Command::new("python3")
        .arg(script)
        .output()
        .expect("python3 is required for this test (it is the judge of pickle bytes)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            (0..l.len()).step_by(2).map(|i| u8::from_str_radix(&l[i..i + 2], 16).unwrap()).collect()
        })
        .collect()
}

/// Both paths, as `Option` of the value (errors compare equal to each other).
fn both<T: DeserializeOwned + PartialEq + std::fmt::Debug>(data: &[u8]) -> (Option<T>, Option<T>) {
    let fast = from_slice_with::<T>(data, &DeOptions::new()).ok();
    let vm = from_slice_with::<T>(data, &DeOptions::new().fast_path(false)).ok();
    (fast, vm)
}

fn check<T: DeserializeOwned + PartialEq + std::fmt::Debug>(
    pickles: &[Vec<u8>],
    what: &str,
) -> usize {
    let mut ok = 0;
    let mut bad = Vec::new();
    for (i, p) in pickles.iter().enumerate() {
        let (fast, vm) = both::<T>(p);
        if fast != vm {
            bad.push(format!("#{i} {what}: fast={fast:?} vm={vm:?}"));
        }
        ok += vm.is_some() as usize;
    }
    assert!(bad.is_empty(), "{} disagreements:\n{}", bad.len(), bad.join("\n"));
    ok
}

#[derive(Deserialize, Debug, PartialEq)]
enum E {
    V(serde_json::Value),
}

#[derive(Deserialize, Debug, PartialEq)]
struct Rec {
    id: i64,
    name: String,
    tags: Vec<String>,
    score: f64,
}

#[test]
fn fast_path_agrees_with_vm_on_every_cpython_pickle() {
    let pickles = cpython_pickles();
    assert!(pickles.len() > 1000, "generator produced {} pickles", pickles.len());
    let mut decoded = 0;
    decoded += check::<serde_json::Value>(&pickles, "json::Value");
    decoded += check::<Vec<serde_json::Value>>(&pickles, "Vec<json::Value>");
    decoded += check::<Vec<i64>>(&pickles, "Vec<i64>");
    decoded += check::<HashMap<String, i64>>(&pickles, "HashMap<String,i64>");
    decoded += check::<BTreeMap<String, serde_json::Value>>(&pickles, "BTreeMap");
    decoded += check::<Vec<(i64, String)>>(&pickles, "Vec<(i64,String)>");
    decoded += check::<(Vec<i64>, i64)>(&pickles, "(Vec<i64>,i64)");
    decoded += check::<Vec<Vec<i64>>>(&pickles, "Vec<Vec<i64>>");
    decoded += check::<Vec<Rec>>(&pickles, "Vec<Rec>");
    decoded += check::<E>(&pickles, "enum");
    decoded += check::<Vec<Option<String>>>(&pickles, "Vec<Option<String>>");
    decoded += check::<Vec<serde_bytes::ByteBuf>>(&pickles, "Vec<ByteBuf>");
    decoded += check::<Vec<f64>>(&pickles, "Vec<f64>");
    // Many shapes must actually decode, or the comparison proves little.
    assert!(decoded > 1500, "only {decoded} successful decodes");
}

/// `from_slice::<Value>` builds plain data without the VM; the result must
/// be the VM's exactly (`same_as`: types, order, sharing), and so must errors.
#[test]
fn value_fast_path_agrees_with_vm_on_every_cpython_pickle() {
    let pickles = cpython_pickles();
    let mut bad = Vec::new();
    let mut decoded = 0;
    for (i, p) in pickles.iter().enumerate() {
        let fast = from_slice_with::<Value>(p, &DeOptions::new());
        let vm = from_slice_with::<Value>(p, &DeOptions::new().fast_path(false));
        let agree = match (&fast, &vm) {
            (Ok(a), Ok(b)) => a.same_as(b),
            (Err(a), Err(b)) => a.to_string() == b.to_string(),
            _ => false,
        };
        if !agree {
            bad.push(format!("#{i}: fast={fast:?} vm={vm:?}"));
        }
        decoded += vm.is_ok() as usize;
    }
    assert!(bad.is_empty(), "{} disagreements:\n{}", bad.len(), bad.join("\n"));
    assert!(decoded > 1000, "only {decoded} successful decodes");
}

#[test]
fn a_frame_longer_than_the_input_is_an_error_on_both_paths() {
    // PROTO 5, FRAME 6 with only 2 bytes after it (found by the typed_roundtrip fuzzer).
    let data = b"\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00].";
    let (fast, vm) = both::<Vec<i64>>(data);
    assert_eq!((fast, vm), (None, None));
}
