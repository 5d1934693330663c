//! `pickletool scan` over every pickle of its input: each finding is a line
//! `pickle N offset O: ...`, and a global outside the safe list anywhere
//! in the input makes the exit status 2. Offsets are pickletools'.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::support::python::Python;

fn pickletool(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pickletool"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pickletool runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Offsets of the named opcodes in a file of pickles, from pickletools.
fn cpython_offsets(bytes: &[u8], opcode: &str) -> Vec<(usize, u64)> {
    let script = "import io,pickletools,sys\nd=bytes.fromhex(sys.argv[1]);f=io.BytesIO(d);i=0\nwhile f.tell()<len(d):\n for op,a,p in pickletools.genops(f):\n  if op.name==sys.argv[2]: print(i,p)\n i+=1";
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new("python3").args(["-c", script, &hex, opcode]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (i, p) = l.split_once(' ').unwrap();
            (i.parse().unwrap(), p.parse().unwrap())
        })
        .collect()
}

#[test]
fn scan_flags_a_call_in_the_second_pickle_with_its_index_and_offset() {
    let bytes = b"].cos\nsystem\n(S'x'\ntR.";
    let out = pickletool(&["scan"], bytes);
    let text = String::from_utf8(out.stdout).unwrap();
    let [(pickle, offset)] = cpython_offsets(bytes, "REDUCE")[..] else { panic!() };
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("pickle {pickle} offset {offset}: call REDUCE os.system\n")),
        "{text}"
    );
    assert!(text.contains("pickle 1 offset 2: global os.system  UNSAFE\n"), "{text}");
    assert!(text.ends_with("2 pickles, 1 globals, 1 calls, 1 outside the safe list\n"), "{text}");
}

#[test]
fn scan_flags_stack_global_of_python_2_strs() {
    let bytes = b"\x80\x02S'os'\nS'system'\n\x93S'x'\n\x85R.";
    let out = pickletool(&["scan"], bytes);
    let text = String::from_utf8(out.stdout).unwrap();
    let [(0, offset)] = cpython_offsets(bytes, "STACK_GLOBAL")[..] else { panic!() };
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("pickle 0 offset {offset}: global os.system  UNSAFE\n")),
        "{text}"
    );
}

// ---------------------------------------------------------------------------
// Containers: PyTorch zip and legacy files, .npy, .npz
// ---------------------------------------------------------------------------

/// A pickle inside a container, laid out by tests/py/scan_containers.py.
struct Contained {
    bytes: Vec<u8>,
    place: String,
    base: u64,
    pickle_shift: usize,
    trailing: u64,
}

fn contain(kind: &str, pickle: &[u8]) -> Contained {
    let script = crate::support::python::py_dir().join("scan_containers.py");
    let out = Python::Modern.run(&[script.as_os_str(), kind.as_ref()], pickle);
    let j: serde_json::Value = serde_json::from_slice(&out).expect("JSON from scan_containers.py");
    let hex = j["hex"].as_str().unwrap();
    Contained {
        bytes: (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect(),
        place: j["place"].as_str().unwrap().to_string(),
        base: j["base"].as_u64().unwrap(),
        pickle_shift: j["pickle_shift"].as_u64().unwrap() as usize,
        trailing: j["trailing"].as_u64().unwrap(),
    }
}

/// The finding lines (`pickle N offset O: ...`) of a scan report.
fn findings(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.contains("pickle ") && l.contains(" offset "))
        .map(String::from)
        .collect()
}

/// A plain scan's finding line, moved to where the pickle lies in a container.
fn moved(line: &str, c: &Contained) -> String {
    let rest = line.strip_prefix("pickle ").unwrap();
    let (pickle, rest) = rest.split_once(" offset ").unwrap();
    let (offset, what) = rest.split_once(": ").unwrap();
    let pickle: usize = pickle.parse().unwrap();
    let offset: u64 = offset.parse().unwrap();
    format!("{}pickle {} offset {}: {what}", c.place, pickle + c.pickle_shift, offset + c.base)
}

/// Every hiding trick of the plain-file tests, in every container: the same
/// findings, at the pickle's place in the container, and the same exit
/// status. (The plain findings are judged against CPython by the scan tests
/// in `pickletool.rs` and above.)
#[test]
fn scan_finds_in_every_container_what_it_finds_in_the_plain_pickle() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (what, bytes, _, _) in super::pickletool::SCAN_CASES {
        let plain = pickletool(&["scan"], bytes);
        let plain_text = String::from_utf8(plain.stdout).unwrap();
        for kind in ["torch_zip", "legacy_torch", "npy", "npz"] {
            let c = contain(kind, bytes);
            let out = pickletool(&["scan"], &c.bytes);
            let text = String::from_utf8(out.stdout).unwrap();
            let want: Vec<String> = findings(&plain_text).iter().map(|l| moved(l, &c)).collect();
            let got = findings(&text);
            checked += 1;
            if got != want || out.status.code() != plain.status.code() {
                failures.push(format!(
                    "{what} in {kind}: exit {:?} (plain {:?})\nwant {want:#?}\ngot:\n{text}{}",
                    out.status.code(),
                    plain.status.code(),
                    String::from_utf8_lossy(&out.stderr)
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn scan_names_the_container_and_skips_tensor_data() {
    let bytes = b"\x80\x02]q\x00.";
    for (kind, first_line) in [
        ("torch_zip", "zip archive: 4 members, 1 of them .pkl or .npy"),
        ("legacy_torch", "legacy PyTorch file: 5 pickles, then {trailing} bytes of tensor data"),
        ("npy", "NumPy .npy file, dtype '|O'"),
        ("npz", "zip archive: 2 members, 2 of them .pkl or .npy"),
    ] {
        let c = contain(kind, bytes);
        let out = pickletool(&["scan"], &c.bytes);
        let text = String::from_utf8(out.stdout).unwrap();
        // The tensor data (a pickle of os.system) is never scanned.
        assert_eq!(out.status.code(), Some(0), "{kind}:\n{text}");
        let first_line = first_line.replace("{trailing}", &c.trailing.to_string());
        assert_eq!(text.lines().next(), Some(&*first_line), "{kind}:\n{text}");
    }
}

/// Objects numpy itself pickles into `.npy`/`.npz` (`np.save` with
/// `allow_pickle`): the call an element's `__reduce__` hides is found.
#[test]
fn scan_finds_a_call_numpy_pickled_into_npy_and_npz() {
    let script = r#"
import io, os, sys, numpy as np
class Evil:
    def __reduce__(self):
        return (os.system, ('echo owned',))
a = np.array([1, Evil()], dtype=object)
f = io.BytesIO()
if sys.argv[1] == 'npy':
    np.save(f, a)
else:
    np.savez_compressed(f, weights=np.arange(4.0), objects=a)
sys.stdout.buffer.write(f.getvalue())
"#;
    for kind in ["npy", "npz"] {
        let bytes = Python::Modern.run(&["-c", script, kind], b"");
        let out = pickletool(&["scan"], &bytes);
        let text = String::from_utf8(out.stdout).unwrap();
        assert_eq!(out.status.code(), Some(2), "{kind}:\n{text}");
        // os.system is posix.system on Linux.
        assert!(text.contains("global posix.system  UNSAFE"), "{kind}:\n{text}");
        assert!(text.contains("call REDUCE posix.system"), "{kind}:\n{text}");
    }
}

/// An `.npy` of plain numbers holds no pickle: nothing to flag.
#[test]
fn scan_of_a_numeric_npy_finds_no_pickle() {
    let script = "import io, sys, numpy as np\nf = io.BytesIO()\nnp.save(f, np.arange(6.0).reshape(2, 3))\nsys.stdout.buffer.write(f.getvalue())";
    let bytes = Python::Modern.run(&["-c", script], b"");
    let out = pickletool(&["scan"], &bytes);
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert_eq!(
        text,
        "NumPy .npy file, dtype '<f8'\n0 pickles, 0 globals, 0 calls, 0 outside the safe list\n"
    );
}

/// A container cut anywhere is a clean report or a one-line error, never
/// a crash (exit status 0, 1 or 2).
#[test]
fn scan_of_a_cut_container_never_crashes() {
    let (_, evil, _, _) = super::pickletool::SCAN_CASES[0];
    for kind in ["torch_zip", "legacy_torch", "npy", "npz"] {
        let c = contain(kind, evil);
        for cut in (0..c.bytes.len()).step_by(11) {
            let out = pickletool(&["scan"], &c.bytes[..cut]);
            assert!(
                matches!(out.status.code(), Some(0..=2)),
                "{kind} cut at {cut}: {:?}\n{}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// A `joblib.dump` file is scanned as `joblib.load` reads it: the raw bytes
/// of a numeric array are skipped (not taken for opcodes), and the pickle
/// after an object array's wrapper, which joblib runs with `pickle.load`,
/// is scanned: the call an element's `__reduce__` hides is found.
#[test]
fn scan_reads_a_joblib_file_as_joblib_load_does() {
    let script = r#"
import io, os, sys, joblib, numpy as np
class Evil:
    def __reduce__(self):
        return (os.system, ('echo owned',))
f = io.BytesIO()
value = {'weights': np.arange(5.0).reshape(5, 1)}
if sys.argv[1] == 'objects':
    value['objects'] = np.array([1, Evil()], dtype=object)
joblib.dump(value, f, protocol=int(sys.argv[2]))
sys.stdout.buffer.write(f.getvalue())
"#;
    for protocol in ["2", "4", "5"] {
        let numeric = Python::Modern.run(&["-c", script, "numeric", protocol], b"");
        let out = pickletool(&["scan"], &numeric);
        let text = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(text.starts_with("joblib file, read as joblib.load reads it\n"), "{text}");
        assert!(stderr.is_empty() && !text.contains("before the error"), "{text}{stderr}");
        assert!(!text.contains("system"), "{text}");

        let objects = Python::Modern.run(&["-c", script, "objects", protocol], b"");
        let out = pickletool(&["scan"], &objects);
        let text = String::from_utf8(out.stdout).unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}{stderr}");
        assert!(stderr.is_empty(), "{text}{stderr}");
        assert!(text.contains("global posix.system  UNSAFE"), "{text}");
        assert!(text.contains("call REDUCE posix.system"), "{text}");
    }
}
