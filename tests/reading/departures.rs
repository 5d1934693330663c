//! Where the reader departed from CPython on odd input (issue 11, point 9),
//! each case judged by CPython: the exception it raises, or the value.

use std::process::Command;

use serde_pickle::codec::opcodes;
use serde_pickle::{from_slice, from_slice_with, Category, DeOptions, Value};

/// What CPython's `pickle.loads` does with `bytes`: `ok <repr>` or the exception's type name.
fn cpython(bytes: &[u8]) -> String {
    let script = "import pickle,sys\ntry: print('ok', repr(pickle.loads(bytes.fromhex(sys.argv[1]))))\nexcept Exception as e: print(type(e).__name__)";
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new("python3").args(["-c", script, &hex]).output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// FLOAT literals too large for a double: OverflowError in CPython, not inf.
#[test]
fn float_literal_out_of_range_is_an_error_as_in_cpython() {
    let cases: &[&[u8]] = &[
        b"F0.903e203125\n.",
        b"F1e309\n.",
        b"F-1e400\n.",
        b"Finf\n.",
        b"F-infinity\n.",
        b"F1e-400\n.",
        b"F1.5\n.",
    ];
    for bytes in cases {
        let theirs = cpython(bytes);
        match from_slice::<Value>(bytes) {
            Ok(v) => assert_eq!(theirs, format!("ok {v}"), "{}", hex(bytes)),
            Err(e) => {
                assert_eq!(theirs, "OverflowError", "{}: {e}", hex(bytes));
                assert_eq!(
                    (e.offset(), e.opcode().map(opcodes::name)),
                    (Some(0), Some("FLOAT")),
                    "{e}"
                );
            }
        }
    }
}

/// READONLY_BUFFER takes memoryview() of the top of the stack: a TypeError
/// on anything but a bytes-like object.
#[test]
fn readonly_buffer_on_a_non_buffer_is_an_error_as_in_cpython() {
    let cases: &[&[u8]] = &[
        b"\x80\x05K\x01\x98.",
        b"\x80\x05]\x98.",
        b"\x80\x05N\x98.",
        b"\x80\x05\x8c\x01a\x98.",
        b"\x80\x05)\x98.",
        b"\x80\x05C\x01a\x98.",
    ];
    for bytes in cases {
        let theirs = cpython(bytes);
        match from_slice::<Value>(bytes) {
            Ok(v) => assert_eq!(theirs, format!("ok {v}"), "{}", hex(bytes)),
            Err(e) => {
                assert_eq!(theirs, "TypeError", "{}: {e}", hex(bytes));
                assert_eq!(e.category(), Category::Syntax);
                assert_eq!(e.opcode().map(opcodes::name), Some("READONLY_BUFFER"), "{e}");
            }
        }
    }
}

/// `n` levels of `open`, then `inner`, then `n - unclosed` of `close`, at protocol 4.
fn nested(n: usize, open: &[u8], inner: &[u8], close: &[u8], unclosed: usize) -> Vec<u8> {
    let mut out = b"\x80\x04".to_vec();
    (0..n).for_each(|_| out.extend_from_slice(open));
    out.extend_from_slice(inner);
    (unclosed..n).for_each(|_| out.extend_from_slice(close));
    out.push(b'.');
    out
}

/// Ways to nest containers: (what, opening, innermost, closing, levels
/// without a closer). `n` levels are `n` containers deep.
/// One way to nest: (what, opening, innermost, closing, levels without a closer).
type Shape = (&'static str, &'static [u8], &'static [u8], &'static [u8], usize);

const SHAPES: &[Shape] = &[
    ("frozenset", b"(", b"", b"\x91", 0),
    ("list", b"(", b"", b"l", 0),
    ("tuple", b"(", b"", b"t", 0),
    ("dict", b"(K\x01", b"N", b"d", 0),
    ("tuple1", b"", b"N", b"\x85", 0),
    ("list by APPEND", b"]", b"", b"a", 1),
    ("dict by SETITEM", b"}K\x01", b"N", b"s", 0),
];

/// A pickle nesting one level deeper than `max_depth` fails at the opcode
/// closing the level too many, with its offset; `max_depth` levels read.
#[test]
fn nesting_past_the_limit_fails_at_the_opcode_that_builds_the_level_too_many() {
    for (what, open, inner, close, unclosed) in SHAPES {
        let limit = 10;
        let opts = DeOptions::new().max_depth(limit);
        let ok = nested(limit, open, inner, close, *unclosed);
        let bad = nested(limit + 1, open, inner, close, *unclosed);
        from_slice_with::<Value>(&ok, &opts).unwrap_or_else(|e| panic!("{what}: {e}"));
        let e = from_slice_with::<Value>(&bad, &opts).unwrap_err();
        assert_eq!(e.category(), Category::Limit, "{what}: {e}");
        let closer = *close.last().unwrap();
        assert_eq!(e.opcode(), Some(closer), "{what}: {e}");
        // Fails at the last closer: the level too many is the outermost.
        let last = bad.iter().rposition(|&b| b == closer).unwrap() as u64;
        assert_eq!(e.offset(), Some(last), "{what}: {e}");
    }
}

/// 100,000 nested frozensets fail at level 1,025 (the default limit is
/// 1,024), not after running the whole input.
#[test]
fn deep_frozenset_nesting_fails_at_the_first_level_past_the_default_limit() {
    let n = 100_000;
    let data = nested(n, b"(", b"", b"\x91", 0);
    let e = from_slice::<Value>(&data).unwrap_err();
    assert_eq!(e.category(), Category::Limit, "{e}");
    assert_eq!(e.opcode(), Some(opcodes::FROZENSET));
    // Protocol header, the marks, then 1,024 FROZENSETs that fit.
    assert_eq!(e.offset(), Some(2 + n as u64 + 1024), "{e}");
}

/// A memo reference that copies a string past the expansion budget is
/// reported at the STOP of its pickle, through every reader.
#[test]
fn expansion_limit_errors_carry_an_offset_and_opcode() {
    // CPython: ['x' * 10_000] * 400 at protocol 4 asks for 4 MB of strings.
    let out = Command::new("python3")
        .args([
            "-c",
            "import pickle,sys; sys.stdout.buffer.write(pickle.dumps(['x' * 10_000] * 400, 4))",
        ])
        .output()
        .unwrap();
    let data = out.stdout;
    let reads: [(&str, serde_pickle::Result<()>); 3] = [
        ("Vec<String>", from_slice::<Vec<String>>(&data).map(drop)),
        (
            "Vec<String> on the VM",
            crate::support::data::vm_only::<Vec<String>>(&data, &DeOptions::new()).map(drop),
        ),
        ("serde_json::Value", from_slice::<serde_json::Value>(&data).map(drop)),
    ];
    for (what, r) in reads {
        let e = r.expect_err(what);
        assert_eq!(e.category(), Category::Limit, "{what}: {e}");
        assert!(e.offset().is_some() && e.opcode().is_some(), "{what}: {e}");
    }
}
