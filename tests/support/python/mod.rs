//! The one CPython judge: every expectation of these tests that is not a
//! committed data file comes from a Python process started here.
//!
//! * [`Python`] picks the interpreter: `python3`, or one of the pinned
//!   environments of `tools/pyenv.sh` (numpy/pandas/cloudpickle/dill/joblib,
//!   the numpy 1.x layouts, Python 2.7). A test never skips because one is
//!   missing: starting it fails the test.
//! * [`judge`] sends one request to `tests/py/judge.py` (one process per
//!   batch) and returns its JSON answer. The request kinds are documented in
//!   that script; [`canon`], [`world`] and [`eval`] build them.
//! * [`script`] and [`cpython_dumps`] run a few lines of Python directly.
//!
//! Every process gets `PYTHONHASHSEED=0` (set order, and so pickle bytes, is
//! reproducible) and `tests/py` on `PYTHONPATH`.

pub mod canon;
pub mod eval;
pub mod world;

use std::ffi::OsStr;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use serde_json::Value as Json;

/// Protocols every value is written at.
pub const ALL: [u8; 6] = [0, 1, 2, 3, 4, 5];

/// A Python interpreter the tests may ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Python {
    /// `python3` from `PATH` (CPython 3, standard library only).
    System,
    /// `tools/pyenv.sh modern`: numpy 2.x, pandas 3.x, cloudpickle, dill, joblib.
    Modern,
    /// `tools/pyenv.sh legacy`: numpy 1.x, pandas 2.x.
    Legacy,
    /// `tools/pyenv.sh py27`: CPython 2.7.
    Py27,
}

/// `tests/py`, where the judge and its helper modules live.
pub fn py_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("py")
}

impl Python {
    fn pyenv_name(self) -> Option<&'static str> {
        match self {
            Python::System => None,
            Python::Modern => Some("modern"),
            Python::Legacy => Some("legacy"),
            Python::Py27 => Some("py27"),
        }
    }

    /// The interpreter's path (`tools/pyenv.sh` makes the environment once).
    pub fn path(self) -> PathBuf {
        static PATHS: [OnceLock<PathBuf>; 4] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let Some(name) = self.pyenv_name() else {
            return PathBuf::from("python3");
        };
        PATHS[self as usize]
            .get_or_init(|| {
                let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools").join("pyenv.sh");
                let out = Command::new("bash")
                    .arg(&script)
                    .arg(name)
                    .stderr(Stdio::inherit())
                    .output()
                    .unwrap_or_else(|e| panic!("cannot run tools/pyenv.sh {name}: {e}"));
                assert!(out.status.success(), "tools/pyenv.sh {name} failed");
                PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
            })
            .clone()
    }

    /// A command for this interpreter with the judge's environment.
    pub fn command(self) -> Command {
        let mut cmd = Command::new(self.path());
        cmd.env("PYTHONHASHSEED", "0").env("PYTHONPATH", py_dir());
        cmd
    }

    /// Run `python args...` with `stdin`; its stdout. Fails the test (with
    /// Python's stderr) when it cannot start or exits unsuccessfully.
    pub fn run<S: AsRef<OsStr>>(self, args: &[S], stdin: &[u8]) -> Vec<u8> {
        let mut child = self
            .command()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "{self:?} python is required (CPython is the judge), and failed to start: {e}"
                )
            });
        let mut pipe = child.stdin.take().unwrap();
        let input = stdin.to_vec();
        // Written from another thread so that a large answer cannot deadlock the pipes.
        let writer = std::thread::spawn(move || pipe.write_all(&input));
        let output = child.wait_with_output().expect("python did not finish");
        writer.join().unwrap().expect("writing to python");
        assert!(
            output.status.success(),
            "python {:?} failed:\n{}",
            args.iter().map(|a| a.as_ref().to_string_lossy().into_owned()).collect::<Vec<_>>(),
            String::from_utf8_lossy(&output.stderr)
        );
        output.stdout
    }
}

/// Send one request to `tests/py/judge.py` (run by `python3`) and return its
/// answer, a JSON array.
pub fn judge(request: &Json) -> Vec<Json> {
    let script = py_dir().join("judge.py");
    let out = Python::System.run(&[script], &serde_json::to_vec(request).unwrap());
    match serde_json::from_slice(&out).expect("the judge printed invalid JSON") {
        Json::Array(items) => items,
        other => panic!("the judge answered {other}"),
    }
}

/// Run `python3 -c code args...` and return its stdout, trimmed.
pub fn script(code: &str, args: &[&Path]) -> String {
    let mut argv: Vec<&OsStr> = vec![OsStr::new("-c"), OsStr::new(code)];
    argv.extend(args.iter().map(|p| p.as_os_str()));
    let out = Python::System.run(&argv, b"");
    String::from_utf8(out).expect("python printed UTF-8").trim().to_string()
}

/// `pickle.dumps(v, protocol)` by CPython, for `v` made by the Python
/// statements `setup`.
pub fn cpython_dumps(setup: &str, protocol: u8) -> Vec<u8> {
    let code =
        format!("import pickle,sys\n{setup}\nsys.stdout.buffer.write(pickle.dumps(v, {protocol}))");
    Python::System.run(&["-c", &code], b"")
}
