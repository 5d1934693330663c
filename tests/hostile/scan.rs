//! `scan` covers every pickle of its input, as repeated `pickle.load(f)`
//! runs them, and reads every STACK_GLOBAL operand CPython reads. CPython
//! judges: `tests/py/scan_judge.py` loads each input with a recording
//! `find_class` (nothing is imported) and lists the globals it looks up,
//! with their pickle index and offset, and the call opcodes it runs.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::Value as Json;
use serde_pickle::value::Global;
use serde_pickle::{from_slice_with, scan, DeOptions, Py2Strings, Scan, Value};

/// CPython's account of `bytes` (see the module docs).
fn cpython(bytes: &[u8]) -> Json {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/scan_judge.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    child.stdin.take().unwrap().write_all(hex.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "scan_judge.py failed");
    serde_json::from_slice(&out.stdout).expect("JSON from scan_judge.py")
}

type Site = (usize, u64, String, String, String);

fn cpython_globals(j: &Json) -> Vec<Site> {
    j["globals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g[0].as_u64().unwrap() as usize,
                g[1].as_u64().unwrap(),
                g[2].as_str().unwrap().to_string(),
                g[3].as_str().unwrap().to_string(),
                g[4].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn cpython_calls(j: &Json) -> Vec<(usize, u64, String)> {
    j["calls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c[0].as_u64().unwrap() as usize,
                c[1].as_u64().unwrap(),
                c[2].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn our_globals(found: &Scan) -> Vec<Site> {
    found
        .globals
        .iter()
        .map(|g| {
            let Global { module, name } = &g.global;
            (g.pickle, g.offset, g.opcode.to_string(), module.clone(), name.clone())
        })
        .collect()
}

fn our_calls(found: &Scan, pickles: usize) -> Vec<(usize, u64, String)> {
    found
        .calls
        .iter()
        .filter(|c| c.pickle < pickles)
        .map(|c| (c.pickle, c.offset, c.opcode.to_string()))
        .collect()
}

/// Inputs CPython runs through to the end (Python 3 names only, so that
/// no `_compat_pickle` rename is involved).
const WHOLE: &[(&str, &[u8])] = &[
    ("an empty list, then os.system", b"].cos\nsystem\n(S'x'\ntR."),
    ("os.system in the third of three", b"K\x01.\x80\x04N.\x80\x04\x95\x13\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x01x\x85R."),
    ("a call in each of two", b"cbuiltins\nset\n)R.cos\nsystem\n(Vx\ntR."),
    (
        "STACK_GLOBAL of Python 2 strs (STRING)",
        b"\x80\x02S'os'\nS'system'\n\x93S'x'\n\x85R.",
    ),
    ("STACK_GLOBAL of Python 2 strs (SHORT_BINSTRING)", b"\x80\x02U\x02osU\x06system\x93U\x01x\x85R."),
    ("STACK_GLOBAL of Python 2 strs (BINSTRING)", b"\x80\x02T\x02\x00\x00\x00osT\x06\x00\x00\x00system\x93."),
    ("a NEWOBJ and BUILD after a plain pickle", b"N.\x80\x02cbuiltins\nobject\n)\x81}b."),
];

#[test]
fn scan_reports_every_pickle_of_the_input_as_cpython_runs_them() {
    for (what, bytes) in WHOLE {
        let j = cpython(bytes);
        assert!(j["error"].is_null(), "{what}: CPython failed: {}", j["error"]);
        let found = scan(bytes).unwrap_or_else(|e| panic!("{what}: {e}"));
        let pickles = j["pickles"].as_u64().unwrap() as usize;
        assert_eq!(found.pickles, pickles, "{what}");
        assert_eq!(our_globals(&found), cpython_globals(&j), "{what}: globals");
        assert_eq!(our_calls(&found, usize::MAX), cpython_calls(&j), "{what}: calls");
    }
}

/// A pickle after a complete one that breaks off: CPython has run the
/// second pickle's calls before it fails, so scan reports them with the error.
#[test]
fn scan_reports_the_calls_of_a_later_pickle_before_its_error() {
    let bytes = b"].cos\nsystem\n(S'x'\ntR";
    let j = cpython(bytes);
    assert!(!j["error"].is_null(), "CPython fails at the end");
    let (found, error) = Scan::partial(bytes);
    assert!(error.is_some());
    assert_eq!(our_globals(&found), cpython_globals(&j));
    assert_eq!((found.calls[0].pickle, found.calls[0].offset), (1, 20));
    assert!(scan(bytes).is_err());
}

/// `STACK_GLOBAL` with a module name computed by `str(...)`: CPython looks
/// up `os.system`; scan cannot know the name without calling, so it reports
/// what it knows (`?` for the module), which is never on the safe list.
#[test]
fn scan_flags_a_stack_global_whose_name_is_computed() {
    let bytes = b"cbuiltins\nstr\n(Vos\ntRVsystem\n\x93(Vx\ntR.";
    let j = cpython(bytes);
    let theirs = cpython_globals(&j);
    assert_eq!(theirs[1].3, "os", "CPython looks up os.system: {theirs:?}");
    let (found, error) = Scan::partial(bytes);
    assert!(error.is_some(), "the reader cannot resolve the name");
    let g = &found.globals[1];
    assert_eq!((g.pickle, g.offset, g.opcode), (0, theirs[1].1, "STACK_GLOBAL"));
    assert_eq!((g.global.module.as_str(), g.global.name.as_str()), ("?", "system"));
    let safe = serde_pickle::safe_globals();
    assert_eq!(found.unsafe_globals(&safe).count(), 1);
}

/// The reader accepts STACK_GLOBAL on Python 2 strs where CPython does:
/// with str decoding (ASCII, Latin-1), not with `encoding='bytes'`.
#[test]
fn stack_global_reads_python_2_strs_unless_they_are_bytes() {
    let bytes = b"\x80\x02S'os'\nS'system'\n\x93.";
    for (mode, ok) in
        [(Py2Strings::Ascii, true), (Py2Strings::Latin1, true), (Py2Strings::Bytes, false)]
    {
        let encoding = match mode {
            Py2Strings::Ascii => "ASCII",
            Py2Strings::Latin1 => "latin1",
            _ => "bytes",
        };
        let script = format!(
            "import pickle,sys\ntry:\n pickle.loads(bytes.fromhex(sys.argv[1]), encoding={encoding:?}, fix_imports=False)\n print('ok')\nexcept pickle.UnpicklingError as e: print(e)",
        );
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let out = Command::new("python3").args(["-c", &script, &hex]).output().unwrap();
        let verdict = String::from_utf8(out.stdout).unwrap();
        assert_eq!(verdict.trim() == "ok", ok, "CPython with {encoding}: {verdict}");
        let read = from_slice_with::<Value>(bytes, &DeOptions::new().py2_strings(mode));
        match read {
            Ok(v) => {
                assert!(ok, "{mode:?}: read {v}");
                assert_eq!(v, Value::from(Global::new("os", "system")));
            }
            Err(e) => {
                assert!(!ok, "{mode:?}: {e}");
                assert_eq!(
                    e.to_string(),
                    format!("{} at offset 18 (opcode STACK_GLOBAL)", verdict.trim())
                );
            }
        }
    }
}
