//! Memo references multiply data: a pickle names a string once and then
//! refers to it with two-byte `BINGET`s. Python keeps one object; a Rust
//! value holds a copy per reference. These tests pin down that the copies
//! are bounded by [`DeOptions::max_expansion`] through every reader (the
//! typed fast path, the VM, `Value`) in memory (peak allocation, a `Limit`
//! error), and that huge ints show in hex and write back. (Speed is for the
//! benches: no test here asserts a wall-clock time.)
//!
//! The pickles are written by CPython (python3 is the judge of pickle bytes).

use serde_pickle::{
    from_slice, from_slice_with, to_vec_with, Category, DeOptions, SerOptions, Value,
};

use crate::alloc::peak_during;
use crate::support::data::{in_thread, vm_only};
use crate::support::python::{cpython_dumps, Python};

/// `pickle.dumps(expr, protocol)`, by CPython.
fn cpython(expr: &str, protocol: u8) -> Vec<u8> {
    cpython_dumps(&format!("v = {expr}"), protocol)
}

/// What CPython makes of `data`: `repr()` of the loaded value, or of a
/// property of it (`expr` in terms of `v`).
fn cpython_eval(data: &[u8], expr: &str) -> String {
    let code =
        format!("import pickle,sys; v = pickle.loads(sys.stdin.buffer.read()); print({expr})");
    let out = Python::System.run(&["-c", &code], data);
    String::from_utf8(out).unwrap().trim().to_string()
}

/// The read (by the VM alone if `vm`) fails with a Limit error, having held
/// at most `max_peak` bytes, on a 2 MiB stack.
fn limit_within<T: serde::de::DeserializeOwned + 'static>(
    what: &str,
    data: &[u8],
    vm: bool,
    max_peak: usize,
) {
    let data = data.to_vec();
    let r = in_thread(what, move || {
        let opts = DeOptions::new();
        let read = || match vm {
            true => vm_only::<T>(&data, &opts),
            false => from_slice_with::<T>(&data, &opts),
        };
        let (r, peak) = peak_during(|| read().map(drop));
        (r.map_err(|e| (e.category(), e.to_string())), peak)
    });
    let (r, peak) = r.unwrap_or_else(|e| panic!("{e}"));
    match r {
        Err((Category::Limit, msg)) => assert!(msg.contains("max_expansion"), "{what}: {msg}"),
        other => panic!("{what}: expected a Limit error, got {other:?}"),
    }
    assert!(peak <= max_peak, "{what}: peak allocation {peak} B > {max_peak} B");
}

#[test]
fn a_string_repeated_by_memo_references_stops_at_the_payload_budget() {
    // 120 KB that ask for 1 GB of strings.
    let data = cpython("['x' * 100_000] * 10_000", 4);
    assert!(data.len() < 130_000);
    // The budget is 64 × the pickle's size + 1 MiB (8.7 MB here); the
    // strings read until then are all that is ever held.
    let budget = data.len() * 64 + (1 << 20);
    limit_within::<Vec<String>>("fast path", &data, false, 2 * budget);
    limit_within::<Vec<String>>("VM", &data, true, 2 * budget);
    limit_within::<serde_json::Value>("serde_json::Value", &data, false, 2 * budget);
    // A Value keeps the memoized str once (one Value::Shared), as CPython does.
    let v: Value = from_slice(&data).unwrap();
    assert!(matches!(&v.as_list().unwrap()[9_999], Value::Shared(_)));
}

#[test]
fn a_shared_list_of_a_shared_string_stops_at_the_payload_budget() {
    // 104 KB that ask for 100 GB: the container budget alone (visits of
    // the inner list) would let this through.
    let data = cpython("[['x' * 100_000] * 1000] * 1000", 4);
    let budget = data.len() * 64 + (1 << 20);
    limit_within::<Vec<Vec<String>>>("fast path", &data, false, 2 * budget);
    limit_within::<Vec<Vec<String>>>("VM", &data, true, 2 * budget);
    limit_within::<serde_json::Value>("serde_json::Value", &data, false, 2 * budget);
}

#[test]
fn a_value_keeps_a_shared_list_once_and_so_reads_it() {
    // The inner list is one Value::Shared node: 1000 strings, not a million.
    let data = cpython("[['x' * 1000] * 1000] * 1000", 4);
    let v: Value = from_slice(&data).unwrap();
    let outer = v.as_list().unwrap();
    assert_eq!(outer.len(), 1000);
    assert!(matches!(&outer[0], Value::Shared(_)));
}

#[test]
fn repeated_big_ints_stop_at_the_payload_budget_in_a_value() {
    // CPython does not memoize ints, but reads a memoized one: a 41 KB int
    // (LONG4, BINPUT) referenced 10,000 times (BINGET), 415 MB as Values.
    let mut data = b"\x80\x02]q\x00(".to_vec();
    data.push(0x8b); // LONG4
    data.extend(41_000u32.to_le_bytes());
    data.extend([0x11; 41_000]);
    data.extend(b"q\x01");
    for _ in 1..10_000 {
        data.extend(b"h\x01");
    }
    data.extend(b"e.");
    let n = "int.from_bytes(b'\\x11' * 41000, 'little')";
    assert_eq!(cpython_eval(&data, &format!("len(v) == 10000 and v[0] == v[-1] == {n}")), "True");
    let budget = data.len() * 64 + (1 << 20);
    limit_within::<Value>("Value", &data, false, 2 * budget);
    // A typed read needs no copy: each reference is refused as too big for
    // any Rust integer, at once.
    let e = from_slice::<Vec<i128>>(&data).unwrap_err();
    assert!(e.to_string().contains("327997 bits is out of range"), "{e}");
}

#[test]
fn sharing_within_the_budget_reads() {
    // 64× is far above what ordinary data does: 50 references to a string.
    let data = cpython("['x' * 1000] * 50", 4);
    let v: Vec<String> = from_slice(&data).unwrap();
    assert_eq!(v.len(), 50);
    let v: Vec<String> = vm_only(&data, &DeOptions::new()).unwrap();
    assert_eq!(v.len(), 50);
    let v: Value = from_slice(&data).unwrap();
    assert_eq!(v.as_list().map(<[Value]>::len), Some(50));
}

#[test]
fn max_expansion_raises_the_budget() {
    let data = cpython("['x' * 100_000] * 1_000", 4);
    assert!(from_slice::<Vec<String>>(&data).is_err());
    let opts = DeOptions::new().max_expansion(1_000);
    let v: Vec<String> = from_slice_with(&data, &opts).unwrap();
    assert_eq!(v.len(), 1_000);
    let v: Vec<String> = vm_only(&data, &opts).unwrap();
    assert_eq!(v.len(), 1_000);
}

#[test]
fn max_alloc_caps_the_payload_budget() {
    let data = cpython("['x' * 1000] * 50", 4);
    let opts = DeOptions::new().max_alloc(20_000);
    let e = from_slice_with::<Vec<String>>(&data, &opts).unwrap_err();
    assert_eq!(e.category(), Category::Limit);
}

/// A 4 MB int, by CPython (`int.from_bytes`, as decimal would be refused).
fn huge_int_pickle() -> Vec<u8> {
    cpython("int.from_bytes(bytes(range(256)) * 16384, 'little')", 4)
}

#[test]
fn a_huge_int_displays_in_hex() {
    let data = huge_int_pickle();
    let v: Value = from_slice(&data).unwrap();
    // Hex, because decimal took 11 s for this size (quadratic). The speed
    // itself belongs in benches: no clock here.
    let shown = v.to_string();
    let debug = format!("{v:?}");
    // CPython's repr() refuses more than 4300 digits; hex is a Python
    // literal of the same value.
    assert!(shown.starts_with("0xfffefdfc"), "{}", &shown[..20]);
    assert_eq!(shown.len(), 2 + 2 * 4 * 1024 * 1024);
    assert_eq!(cpython_eval(&data, "hex(v) == '0x' + 'fffefdfc' + hex(v)[10:]"), "True");
    assert_eq!(cpython_eval(&data, "hex(v)[:40]"), shown[..40]);
    assert!(debug.starts_with("BigInt(0xfffefdfc"));
}

#[test]
fn a_huge_int_writes_back_at_protocol_2_and_up() {
    let data = huge_int_pickle();
    let v: Value = from_slice(&data).unwrap();
    for protocol in 2..=5 {
        let out = to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap();
        let back: Value = from_slice(&out).unwrap();
        assert_eq!(back, v, "protocol {protocol}");
    }
    let out = to_vec_with(&v, &SerOptions::new().protocol(2)).unwrap();
    assert_eq!(
        cpython_eval(&out, "v == int.from_bytes(bytes(range(256)) * 16384, 'little')"),
        "True"
    );
}

#[test]
fn an_int_over_4300_digits_is_a_write_error_at_protocols_0_and_1() {
    // CPython writes such an int in decimal at protocols 0 and 1 and cannot
    // read it back (its 4300-digit limit on int()): refused at write time.
    for (expr, ok) in [("10 ** 4300 - 1", true), ("10 ** 4300", false), ("-(10 ** 4300 - 1)", true)]
    {
        let v: Value = from_slice(&cpython(expr, 4)).unwrap();
        for protocol in [0, 1] {
            let r = to_vec_with(&v, &SerOptions::new().protocol(protocol));
            match (ok, r) {
                (true, Ok(out)) => {
                    assert_eq!(cpython_eval(&out, &format!("v == ({expr})")), "True");
                    assert_eq!(out, cpython(expr, protocol), "{expr} at protocol {protocol}");
                }
                (false, Err(e)) => assert!(e.to_string().contains("4300"), "{e}"),
                (ok, r) => panic!("{expr} at protocol {protocol}: ok={ok}, got {r:?}"),
            }
        }
    }
}

/// `x = [x, 0, 1, ..., n-1]` and a list of `n` references to it: dropping
/// the references one by one checks the cycle for garbage (see
/// `Shared`), which must not walk all of `x` each time: n = 50,000 took
/// minutes that way (n² steps); it is one walk.
#[test]
fn dropping_many_references_to_a_large_cycle_walks_it_once() {
    let n = 50_000;
    let p = cpython_dumps(&format!("x = [None]; x[0] = x; x.extend(range({n})); v = [x] * {n}"), 2);
    let v: Value = from_slice(&p).unwrap();
    assert_eq!(v.as_list().map(<[Value]>::len), Some(n));
    drop(v);
}

/// A hub and `n` lists that each hold it, while the hub holds them all:
/// dropping the outer list's references one by one makes each look like
/// the last reference to a node of an `n`-node cycle. The checks' work is
/// budgeted by what was read (n² visits otherwise: 3·10⁸ at n = 10,000,
/// minutes; budgeted, a few million).
#[test]
fn dropping_the_spokes_of_a_large_cycle_costs_a_bounded_number_of_checks() {
    let n = 10_000;
    let setup = format!("h = []; v = [[h] for _ in range({n})]; h.extend(v)");
    let p = cpython_dumps(&setup, 2);
    let v: Value = from_slice(&p).unwrap();
    assert_eq!(v.as_list().map(<[Value]>::len), Some(n));
    drop(v);
}
