//! Runs the programs under `examples/` and checks what they print.
//!
//! `cargo test` builds every example before it runs the tests, so the
//! binaries are found next to this test's own (`target/<profile>/examples/`).
//! When they are not there (e.g. `cargo test --test interop` alone), they
//! are built with `cargo build --examples` into a separate target directory.
//!
//! Every example runs without arguments in a fresh temporary directory and
//! must exit 0 (no time limit: wall-clock checks do not belong in tests).
//! An example that needs input must be listed in `NOT_RUN_BARE` (and get a
//! test of its own).
//!
//! python3 is required (the examples that talk to Python are checked against
//! a real one); only the tests that clear `PATH` check the examples' message
//! when it is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use crate::support::python::script;

/// Examples that cannot run without arguments or input.
const NOT_RUN_BARE: &[&str] = &[];

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(manifest_dir().join("examples"))
        .expect("read examples/")
        .filter_map(|e| {
            let path = e.ok()?.path();
            if path.extension()? == "rs" {
                Some(path.file_stem()?.to_str()?.to_string())
            } else if path.join("main.rs").is_file() {
                Some(path.file_name()?.to_str()?.to_string())
            } else {
                None
            }
        })
        .collect();
    names.sort();
    names
}

/// `target/<profile>/examples`, from this test binary's path (`.../deps/examples-<hash>`).
fn sibling_examples_dir() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    Some(profile_dir.join("examples"))
}

/// The directory holding the example binaries, building them if needed.
fn examples_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let names = example_names();
        if let Some(dir) = sibling_examples_dir() {
            // Built by this `cargo test`, or earlier but no older than the
            // library they link and their own sources (`cargo test --test
            // interop` does not rebuild them). Not the manifest's mtime: an
            // edit there need not relink the examples.
            let newest = newest_input(&dir);
            let fresh = |n: &String| {
                let modified = std::fs::metadata(dir.join(exe_name(n))).and_then(|m| m.modified());
                modified.is_ok_and(|t| t >= newest)
            };
            if names.iter().all(fresh) {
                return dir;
            }
        }
        // Missing or stale alongside this test: build them into a target
        // directory of our own (the outer cargo may hold the lock on the usual one).
        let target = sibling_examples_dir()
            .and_then(|d| Some(d.parent()?.parent()?.join("examples-test")))
            .unwrap_or_else(|| std::env::temp_dir().join("serde_pickle-examples-test"));
        let status = Command::new(env!("CARGO"))
            .args(["build", "--examples", "--all-features", "--quiet"])
            .current_dir(manifest_dir())
            .env("CARGO_TARGET_DIR", &target)
            .status()
            .expect("run cargo build --examples");
        assert!(status.success(), "cargo build --examples failed");
        target.join("debug").join("examples")
    })
}

/// The modification time of the newest input of the example binaries in
/// `examples_dir`: the library (`deps/libserde_pickle-*.rlib` beside it) and
/// the files under `examples/`.
fn newest_input(examples_dir: &Path) -> std::time::SystemTime {
    fn walk(dir: &Path, newest: &mut std::time::SystemTime) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, newest);
            } else if let Ok(t) = entry.metadata().and_then(|m| m.modified()) {
                *newest = (*newest).max(t);
            }
        }
    }
    let mut newest = std::time::UNIX_EPOCH;
    walk(&manifest_dir().join("examples"), &mut newest);
    let deps = examples_dir.parent().map(|p| p.join("deps")).unwrap_or_default();
    for entry in std::fs::read_dir(deps).into_iter().flatten().flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("libserde_pickle-") && name.ends_with(".rlib") {
            if let Ok(t) = entry.metadata().and_then(|m| m.modified()) {
                newest = newest.max(t);
            }
        }
    }
    newest
}

fn exe_name(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// A fresh, empty directory under the system temp dir.
fn temp_dir(tag: &str) -> PathBuf {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
    let dir =
        std::env::temp_dir().join(format!("serde_pickle-{tag}-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run example `name` with `args` in `cwd`. The example's temp dir is
/// `cwd` too, so examples that default to files in the temp dir leave
/// nothing behind.
fn run_example(name: &str, args: &[&str], cwd: &Path) -> Output {
    run_example_with(name, args, cwd, &[])
}

/// [`run_example`] with extra environment variables.
fn run_example_with(name: &str, args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    let exe = examples_dir().join(exe_name(name));
    let mut cmd = Command::new(&exe);
    cmd.args(args).current_dir(cwd).env("TMPDIR", cwd).env("TMP", cwd).env("TEMP", cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.stdin(Stdio::null()).output().unwrap_or_else(|e| panic!("start {}: {e}", exe.display()))
}

fn expect_success(name: &str, out: &Output) -> String {
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "example {name} failed ({})\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The first line of `stdout` starting with `prefix`.
fn line<'a>(stdout: &'a str, prefix: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting with {prefix:?} in:\n{stdout}"))
}

#[test]
fn every_example_runs() {
    let names = example_names();
    for expected in [
        "quickstart",
        "persist",
        "exchange_with_python",
        "cache",
        "ipc_pipe",
        "deep_clone",
        "inspect",
        "numpy_exchange",
    ] {
        assert!(names.iter().any(|n| n == expected), "examples/{expected}.rs is missing");
    }
    for name in names.iter().filter(|n| !NOT_RUN_BARE.contains(&n.as_str())) {
        let dir = temp_dir(name);
        let out = run_example(name, &[], &dir);
        expect_success(name, &out);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn quickstart_writes_data_pkl_and_python_agrees() {
    let dir = temp_dir("quickstart");
    let out = run_example("quickstart", &[], &dir);
    let stdout = expect_success("quickstart", &out);

    let pkl = dir.join("data.pkl");
    let bytes = std::fs::read(&pkl).expect("quickstart writes data.pkl in the current directory");
    assert!(bytes.starts_with(b"\x80\x05"), "protocol 5 by default: {bytes:?}");
    assert!(bytes.ends_with(b"."), "a pickle ends with STOP");
    assert!(stdout.contains("Rust reads:"), "{stdout}");
    assert!(stdout.contains("Alice"), "{stdout}");

    let line = stdout
        .lines()
        .find(|l| l.starts_with("Python reads:"))
        .unwrap_or_else(|| panic!("no Python line in:\n{stdout}"));
    assert!(line.contains("{'name': 'Alice', 'age': 30, 'city': 'Paris'}"), "Python sees: {line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quickstart_accepts_a_path() {
    let dir = temp_dir("quickstart-path");
    let out = run_example("quickstart", &["people.pkl"], &dir);
    let stdout = expect_success("quickstart", &out);
    assert!(dir.join("people.pkl").is_file(), "{stdout}");
    assert!(!dir.join("data.pkl").exists());
    assert!(stdout.contains("people.pkl"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quickstart_without_python_still_succeeds() {
    let dir = temp_dir("quickstart-nopy");
    let exe = examples_dir().join(exe_name("quickstart"));
    // An empty PATH: no python3 to be found.
    let out =
        Command::new(&exe).current_dir(&dir).env("PATH", "").stdin(Stdio::null()).output().unwrap();
    let stdout = expect_success("quickstart", &out);
    assert!(stdout.contains("note: python3 not runnable"), "{stdout}");
    assert!(dir.join("data.pkl").is_file());
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- persist -------------------------------------------------------------

#[test]
fn persist_finds_and_updates_its_state() {
    let dir = temp_dir("persist");

    let first = expect_success("persist", &run_example("persist", &["state.pkl"], &dir));
    assert!(first.contains("no state yet at state.pkl: first run"), "{first}");
    assert!(first.contains("saved run 1 ("), "{first}");
    assert_eq!(line(&first, "theme:"), "theme: Light");
    assert_eq!(line(&first, "last error:"), "last error: None");

    let second = expect_success("persist", &run_example("persist", &["state.pkl"], &dir));
    assert!(second.contains("found state from run 1 in state.pkl"), "{second}");
    assert!(second.contains("saved run 2 ("), "{second}");
    assert_eq!(line(&second, "recent files:"), r#"recent files: ["report-1.txt", "report-2.txt"]"#);
    assert_eq!(line(&second, "pickle count:"), "pickle count: 4");
    assert_eq!(line(&second, "theme:"), "theme: Dark");
    assert_eq!(line(&second, "last error:"), r#"last error: Some("disk almost full")"#);

    // The file is a pickle CPython reads to the expected dict, and the
    // example's "as Python sees it" line is Python's own repr.
    let state = dir.join("state.pkl");
    let check = r#"
import pickle, sys
s = pickle.load(open(sys.argv[1], "rb"))
assert s == {"runs": 2, "recent_files": ["report-1.txt", "report-2.txt"],
             "word_counts": {"pickle": 4, "serde": 2}, "theme": "Dark",
             "last_error": "disk almost full"}, s
print(repr(s))
"#;
    let repr = script(check, &[&state]);
    assert_eq!(line(&second, "as Python sees it:"), format!("as Python sees it: {repr}"));

    // A third run: a struct variant is {'Custom': {...}} in Python.
    let third = expect_success("persist", &run_example("persist", &["state.pkl"], &dir));
    assert!(third.contains("found state from run 2"), "{third}");
    let theme = script(
        "import pickle,sys; print(repr(pickle.load(open(sys.argv[1],'rb'))['theme']))",
        &[&state],
    );
    assert_eq!(theme, "{'Custom': {'accent': '#ff8800', 'font_size': 14}}");
    assert!(!dir.join("state.pkl.tmp").exists(), "the temporary file is renamed away");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn persist_defaults_to_the_temp_dir_and_survives_a_damaged_file() {
    let dir = temp_dir("persist-bare");
    let out = expect_success("persist", &run_example("persist", &[], &dir));
    assert!(out.contains("first run"), "{out}");
    let default = dir.join("serde_pickle-persist-example.pkl");
    assert!(default.is_file(), "state goes to the temp dir (TMPDIR): {out}");

    std::fs::write(&default, b"\x80\x05not a pickle").unwrap();
    let out = expect_success("persist", &run_example("persist", &[], &dir));
    assert!(out.contains("could not read") && out.contains("starting afresh"), "{out}");
    assert!(out.contains("saved run 1 ("), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- exchange_with_python ----------------------------------------------

#[test]
fn exchange_with_python_round_trips_through_cpython() {
    let dir = temp_dir("exchange");
    let out = run_example("exchange_with_python", &[], &dir);
    let stdout = expect_success("exchange_with_python", &out);
    // What Python loaded is exactly the dict the Rust struct maps to.
    assert_eq!(
        line(&stdout, "python3 loaded:"),
        r"python3 loaded: {'id': 7, 'name': 'resize', 'tags': ['img'], 'attempts': 0, 'params': {'height': 480.0, 'width': 640.0}, 'data': b'\x01\x02\x03\xfa'}"
    );
    // What Rust read back: the counter, the appended tag, the datetime as
    // ISO 8601, the set, the tuple, the dataclass and Python's sum.
    assert_eq!(
        line(&stdout, "job 7 is"),
        "job 7 is done after 1 attempt(s), finished at 2024-05-17T12:30:05+00:00, owner ada (uid 1000)"
    );
    assert_eq!(
        line(&stdout, "tags "),
        r#"tags ["img", "seen-by-python"], labels {"IMG", "SEEN-BY-PYTHON"}, size (640, 480)"#
    );
    assert!(stdout.contains("checksum: 256,"), "{stdout}");
    assert!(!stdout.contains("python3 is not available"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn exchange_with_python_without_python_says_so_and_succeeds() {
    let dir = temp_dir("exchange-nopy");
    let out = run_example_with("exchange_with_python", &[], &dir, &[("PATH", "")]);
    let stdout = expect_success("exchange_with_python", &out);
    assert!(stdout.contains("python3 is not available"), "{stdout}");
    assert!(stdout.contains("install Python 3.8+"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- cache ---------------------------------------------------------------

#[test]
fn cache_misses_then_hits_and_invalidates() {
    let dir = temp_dir("cache");
    let query = "Query { below: 2000000, modulus: 1000000007 }";

    let first = expect_success("cache", &run_example("cache", &["c"], &dir));
    let lookups: Vec<&str> = first.lines().filter(|l| l.starts_with(query)).collect();
    assert_eq!(lookups.len(), 2, "{first}");
    assert!(lookups[0].starts_with(&format!("{query}: miss (no entry); computed in ")), "{first}");
    assert!(lookups[1].starts_with(&format!("{query}: hit (")), "{first}");
    assert!(
        first.contains(&format!(
            "lookup {query} as version 2, max age 3600s: miss (stale: written by version 1, this is version 2)"
        )),
        "{first}"
    );
    assert!(
        first.contains(&format!("lookup {query} as version 1, max age 0s: miss (expired: ")),
        "{first}"
    );
    assert!(
        first.contains(
            "lookup Query { below: 10, modulus: 7 } as version 1, max age 3600s: miss (no entry)"
        ),
        "{first}"
    );
    let answer = line(&first, "answer:").to_string();

    // A second run finds the entry on disk at once.
    let second = expect_success("cache", &run_example("cache", &["c"], &dir));
    assert!(line(&second, query).starts_with(&format!("{query}: hit (")), "{second}");
    assert_eq!(line(&second, "answer:"), answer);

    // One entry, a pickle: Python reads the version, the key (itself a
    // pickle of the query) and the answer, which it recomputes.
    let files: Vec<PathBuf> = std::fs::read_dir(dir.join("c"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "pkl"))
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let check = r#"
import pickle, sys
e = pickle.load(open(sys.argv[1], "rb"))
assert e["version"] == 1, e
assert pickle.loads(e["input"]) == {"below": 2000000, "modulus": 1000000007}, e
n = 2000000
sieve = bytearray([1]) * n
sieve[0] = sieve[1] = 0
for i in range(2, int(n ** 0.5) + 1):
    if sieve[i]:
        sieve[i * i::i] = bytearray(len(range(i * i, n, i)))
primes = [i for i in range(n) if sieve[i]]
assert e["output"] == {"count": len(primes), "sum_mod": sum(primes) % 1000000007}, e["output"]
print(len(primes), sum(primes) % 1000000007)
"#;
    let (count, sum) = {
        let got = script(check, &[&files[0]]);
        let mut it = got.split(' ');
        (it.next().unwrap().to_string(), it.next().unwrap().to_string())
    };
    assert_eq!(answer, format!("answer: {count} primes below 2000000, sum mod 1000000007 = {sum}"));

    // A damaged entry is a miss, recomputed and rewritten.
    std::fs::write(&files[0], b"garbage").unwrap();
    let third = expect_success("cache", &run_example("cache", &["c"], &dir));
    assert!(
        line(&third, query).starts_with(&format!("{query}: miss (unreadable entry: ")),
        "{third}"
    );
    assert_eq!(line(&third, "answer:"), answer);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- ipc_pipe ------------------------------------------------------------

/// Check the replies `ipc_pipe` printed: all five, from `worker`.
fn ipc_replies(stdout: &str, worker: &str) {
    let expect = [
        (1, "count: 4, longest: \"pickle\""),
        (2, "count: 5, longest: \"message\""),
        (3, "count: 1, longest: \"batch\""),
        (4, "count: 0, longest: \"\""),
        (5, "count: 4, longest: \"length\""),
    ];
    for (id, fields) in expect {
        let reply = format!("Reply {{ id: {id}, {fields}, worker: \"{worker}\" }}");
        assert!(stdout.contains(&reply), "missing {reply} in:\n{stdout}");
    }
    // Two in lockstep, three as a batch.
    assert_eq!(stdout.lines().filter(|l| l.starts_with("sent Request")).count(), 2, "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.starts_with("batch reply")).count(), 3, "{stdout}");
    assert!(stdout.contains("worker finished: exit status: 0"), "{stdout}");
}

#[test]
fn ipc_pipe_streams_pickles_to_and_from_python() {
    let dir = temp_dir("ipc-python");
    let out = run_example("ipc_pipe", &["python"], &dir);
    ipc_replies(&expect_success("ipc_pipe", &out), "python3");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn ipc_pipe_streams_pickles_to_and_from_itself() {
    let dir = temp_dir("ipc-rust");
    let out = run_example("ipc_pipe", &["rust"], &dir);
    ipc_replies(&expect_success("ipc_pipe", &out), "rust");
    // Without python3 it picks the Rust worker by itself.
    let out = run_example_with("ipc_pipe", &[], &dir, &[("PATH", "")]);
    let stdout = expect_success("ipc_pipe", &out);
    assert!(stdout.contains("python3 not runnable: using this program as the worker"), "{stdout}");
    ipc_replies(&stdout, "rust");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- deep_clone ----------------------------------------------------------

#[test]
fn deep_clone_keeps_sharing_and_shows_the_limits() {
    let dir = temp_dir("deep-clone");
    let out = run_example("deep_clone", &[], &dir);
    let stdout = expect_success("deep_clone", &out);
    for expected in [
        "typed: round trip == clone: true",
        "typed: timeout Some(None) comes back as None",
        "value: [[0, 0], [0, 0]]",
        "copy: rows are the same node: true",
        "copy: shares the original's node: false",
        "clone: shares the original's node: true",
        "cycle: [1, [...]] -> copy [1, [...]]",
        "cycle into a Rust tree type: error (Data): recursive structure: a value contains itself at [1] (offset 11)",
    ] {
        assert!(stdout.lines().any(|l| l == expected), "missing {expected:?} in:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- inspect -------------------------------------------------------------

#[test]
fn inspect_flags_and_rejects_the_sample_without_running_it() {
    let dir = temp_dir("inspect");
    let out = run_example("inspect", &[], &dir);
    let stdout = expect_success("inspect", &out);
    let sample = dir.join("inspect-sample.pkl");
    assert!(sample.is_file(), "{stdout}");
    // Nothing ran: `echo pwned` would have printed this line.
    assert!(!stdout.lines().any(|l| l.trim() == "pwned"), "{stdout}");

    // The hand-built call is really in the file: pickletools (which only
    // disassembles) sees GLOBAL 'os system', its argument, TUPLE1, REDUCE.
    // It also gives the offsets the example must report.
    let ops = script(
        "import pickletools,sys\n\
         ops=list(pickletools.genops(open(sys.argv[1],'rb').read()))\n\
         at={(o.name,a):p for o,a,p in ops}\n\
         i=[k for k,(o,a,p) in enumerate(ops) if (o.name,a)==('GLOBAL','os system')][0]\n\
         print(ops[i+1][1],ops[i+2][0].name,ops[i+3][0].name,ops[i][2],ops[i+3][2],\
               at[('GLOBAL','__main__ Model')],sep='|')",
        &[&sample],
    );
    let fields: Vec<&str> = ops.split('|').collect();
    assert_eq!(fields[..3], ["echo pwned", "TUPLE1", "REDUCE"], "{ops}");
    let (os_global, os_reduce, model_global) = (fields[3], fields[4], fields[5]);

    let content = stdout.lines().skip_while(|l| !l.starts_with("content,")).nth(1).unwrap();
    assert!(
        content.contains(
            "'model': __main__.Model().__setstate__({'name': 'tiny', 'weights': [0.5, -1.25]})"
        ),
        "{content}"
    );
    assert!(
        content.contains(
            "'saved': datetime.datetime(b'\\x07\\xe8\\x01\\x02\\x03\\x04\\x05\\x00\\x00\\x00')"
        ),
        "{content}"
    );
    assert!(content.contains("'hook': os.system('echo pwned')"), "{content}");

    assert!(stdout.contains("globals it names (4):"), "{stdout}");
    for (global, flag) in [
        ("__main__.Model", "NOT IN safe_globals()"),
        ("datetime.datetime", "ok"),
        ("_codecs.encode", "ok"),
        ("os.system", "NOT IN safe_globals()"),
    ] {
        let l = line(&stdout, &format!("  {global} "));
        assert!(l.ends_with(flag), "{l}");
    }
    assert!(stdout.contains("calls it would make (5):"), "{stdout}");
    let reduce = line(&stdout, &format!("  offset {os_reduce:>4}:"));
    assert!(reduce.ends_with("REDUCE   os.system"), "{stdout}");
    assert!(
        stdout.contains("verdict: do NOT pickle.load this in Python without checking 2 global(s)")
    );
    assert_eq!(
        line(&stdout, "read with AllowList(safe_globals()):"),
        format!(
            "read with AllowList(safe_globals()): rejected: \
             global '__main__.Model' is not allowed at offset {model_global} (opcode GLOBAL)"
        )
    );
    assert_eq!(
        line(&stdout, "read with AllowList(safe_globals() + __main__ classes):"),
        format!(
            "read with AllowList(safe_globals() + __main__ classes): rejected: \
             global 'os.system' is not allowed at offset {os_global} (opcode GLOBAL)"
        )
    );
    assert!(stdout.contains(r#"  rejected global: module "os", name "system""#), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn inspect_accepts_plain_data_and_reports_garbage() {
    let dir = temp_dir("inspect-path");
    let data = dir.join("plain.pkl");
    let repr = script(
        "import datetime,pickle,sys\n\
         v={'ids': {1, 2, 3}, 'when': datetime.date(2020, 1, 2), 'pair': (1.5, None)}\n\
         pickle.dump(v, open(sys.argv[1], 'wb'))\n\
         print(repr(v['ids']), repr(v['pair']))",
        &[&data],
    );
    assert_eq!(repr, "{1, 2, 3} (1.5, None)");
    let out = run_example("inspect", &["plain.pkl"], &dir);
    let stdout = expect_success("inspect", &out);
    assert!(stdout.contains("'ids': {1, 2, 3}"), "{stdout}");
    assert!(stdout.contains("'pair': (1.5, None)"), "{stdout}");
    assert!(stdout.contains("verdict: only plain-data globals"), "{stdout}");
    assert!(stdout.contains("read with AllowList(safe_globals()): accepted"), "{stdout}");
    assert!(!dir.join("inspect-sample.pkl").exists(), "no sample made when a path is given");

    std::fs::write(dir.join("bad.pkl"), b"\x80\x05K").unwrap();
    let out = run_example("inspect", &["bad.pkl"], &dir);
    let stdout = expect_success("inspect", &out);
    assert!(stdout.contains("not a readable pickle: pickle data was truncated"), "{stdout}");
    assert!(stdout.contains("(category Eof)"), "{stdout}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- numpy_exchange -----------------------------------------------------

#[test]
fn numpy_exchange_reads_numpy_and_pandas_and_numpy_checks_the_result() {
    let dir = temp_dir("numpy-exchange");
    let out = run_example("numpy_exchange", &[], &dir);
    let stdout = expect_success("numpy_exchange", &out);
    assert_eq!(line(&stdout, "x:"), "x: shape [3, 4], dtype float64");
    assert_eq!(line(&stdout, "labels:"), "labels: [2, 0, 1]");
    assert_eq!(line(&stdout, "Lima:"), "Lima: 19 degrees, rainy");
    assert_eq!(line(&stdout, "numpy loaded:"), "numpy loaded: array([1.  , 1.25, 1.5 , 1.75])");
    assert_eq!(line(&stdout, "numpy agrees:"), "numpy agrees: True");
    let _ = std::fs::remove_dir_all(&dir);
}
