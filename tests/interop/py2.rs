//! Pickles from Python 2.7 (`tools/pyenv.sh py27`), which judges: its
//! `bytearray` reads back as a bytearray whatever `Py2Strings` says, and its
//! `datetime`s, read with the default Latin-1 strings and written back at
//! protocols 0-2, load in Python 2.7 as equal objects.

use std::process::Command;

use serde_pickle::{
    from_slice, from_slice_with, to_vec_with, DeOptions, Py2Strings, SerOptions, Value,
};

fn py27() -> String {
    let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/pyenv.sh"))
        .arg("py27")
        .output()
        .expect("tools/pyenv.sh runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().lines().last().expect("a path").trim().to_string()
}

/// Run Python 2.7 on `script` with `args`; its stdout.
fn run27(script: &str, args: &[&str]) -> Vec<u8> {
    let out = Command::new(py27()).arg("-c").arg(script).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

const DATES: &str = "[datetime.datetime(2024, 1, 2, 3, 4, 5, 6), datetime.date(1999, 12, 31), datetime.time(23, 59, 58, 999999), datetime.datetime(2024, 2, 29)]";

#[test]
fn python_2_datetimes_transcoded_to_protocols_0_to_2_load_in_python_2_7() {
    for p in 0..=2 {
        let dump =
            format!("import pickle, sys, datetime\nsys.stdout.write(pickle.dumps({DATES}, {p}))");
        let data = run27(&dump, &[]);
        let v: Value = from_slice(&data).unwrap_or_else(|e| panic!("p{p}: {e}"));
        for q in 0..=2u8 {
            let out = to_vec_with(&v, &SerOptions::new().protocol(q)).unwrap();
            let check = format!(
                "import pickle, sys, datetime\nprint(pickle.loads(sys.argv[1].decode('hex')) == {DATES})"
            );
            let verdict = run27(&check, &[&hex(&out)]);
            assert_eq!(String::from_utf8_lossy(&verdict).trim(), "True", "from p{p} to p{q}");
        }
    }
}

#[test]
fn a_python_2_bytearray_reads_as_a_bytearray_in_every_py2_strings_mode() {
    for p in 0..=2 {
        let script = format!(
            "import pickle, sys\nb = bytearray(b'a\\xffb\\x00')\nprint(pickle.dumps(b, {p}).encode('hex') + ' ' + str(b).encode('hex'))"
        );
        let out = String::from_utf8(run27(&script, &[])).unwrap();
        let (data, want) = out.trim().split_once(' ').unwrap();
        let (data, want) = (unhex(data), unhex(want));
        for mode in [Py2Strings::Ascii, Py2Strings::Latin1, Py2Strings::Bytes] {
            let v: Value = from_slice_with(&data, &DeOptions::new().py2_strings(mode))
                .unwrap_or_else(|e| panic!("p{p} {mode:?}: {e}"));
            assert_eq!(v, Value::ByteArray(want.clone()), "p{p} {mode:?}");
        }
    }
}

/// `pickletool --py2-strings MODE` reads Python 2 strs as that mode says.
#[cfg(feature = "cli")]
#[test]
fn pickletool_reads_python_2_strs_as_py2_strings_says() {
    let data = run27("import pickle, sys\nsys.stdout.write(pickle.dumps('caf\\xe9', 2))", &[]);
    let path = std::env::temp_dir().join(format!("field_py2_{}.pkl", std::process::id()));
    std::fs::write(&path, &data).unwrap();
    let tool = |mode: &str| {
        Command::new(env!("CARGO_BIN_EXE_pickletool"))
            .args(["transcode", "--protocol", "2", "--py2-strings", mode])
            .arg(&path)
            .output()
            .unwrap()
    };
    // Each mode's output, loaded by Python 3 (which has str and bytes apart).
    for (mode, want) in [("latin1", "'café'"), ("bytes", "b'caf\\xe9'")] {
        let out = tool(mode);
        assert!(out.status.success(), "{mode}: {}", String::from_utf8_lossy(&out.stderr));
        let py3 = Command::new("python3")
            .args([
                "-c",
                "import pickle,sys; print(repr(pickle.loads(bytes.fromhex(sys.argv[1]))))",
            ])
            .arg(hex(&out.stdout))
            .output()
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&py3.stdout).trim(), want, "{mode}");
    }
    // Not ASCII: an error, as pickle.loads(data) with its default encoding.
    assert_eq!(tool("ascii").status.code(), Some(1));
    assert_eq!(tool("utf8").status.code(), Some(1));
    let _ = std::fs::remove_file(&path);
}
