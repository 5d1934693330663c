//! Runs the programs under `examples/` and checks what they print.
//!
//! `cargo test` builds every example before it runs the tests, so the
//! binaries are found next to this test's own (`target/<profile>/examples/`).
//! When they are not there (e.g. `cargo test --test examples` alone), they
//! are built with `cargo build --examples` into a separate target directory.
//!
//! Every example runs without arguments in a fresh temporary directory and
//! must exit 0 within two minutes. An example that needs input must be
//! listed in `NOT_RUN_BARE` (and get a test of its own).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

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
            if names.iter().all(|n| dir.join(exe_name(n)).is_file()) {
                return dir;
            }
        }
        // Not built alongside this test: build them into a target directory of
        // our own (the outer cargo may hold the lock on the usual one).
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

/// Run example `name` with `args` in `cwd`, killing it after `limit`.
fn run_example(name: &str, args: &[&str], cwd: &Path, limit: Duration) -> Output {
    let exe = examples_dir().join(exe_name(name));
    let mut child = Command::new(&exe)
        .args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("start {}: {e}", exe.display()));
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "example {name} did not finish within {limit:?}\nstdout:\n{}\nstderr:\n{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
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

/// Whether `python3` runs here. In CI it must: the interop checks are never skipped there.
fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("-c")
        .arg("import pickle")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok && std::env::var_os("CI").is_some() {
        panic!("python3 is required in CI for the interop checks");
    }
    ok
}

#[test]
fn every_example_runs() {
    let names = example_names();
    assert!(names.iter().any(|n| n == "quickstart"), "examples/quickstart.rs is missing");
    for name in names.iter().filter(|n| !NOT_RUN_BARE.contains(&n.as_str())) {
        let dir = temp_dir(name);
        let out = run_example(name, &[], &dir, Duration::from_secs(120));
        expect_success(name, &out);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn quickstart_writes_data_pkl_and_python_agrees() {
    let dir = temp_dir("quickstart");
    let out = run_example("quickstart", &[], &dir, Duration::from_secs(120));
    let stdout = expect_success("quickstart", &out);

    let pkl = dir.join("data.pkl");
    let bytes = std::fs::read(&pkl).expect("quickstart writes data.pkl in the current directory");
    assert!(bytes.starts_with(b"\x80\x05"), "protocol 5 by default: {bytes:?}");
    assert!(bytes.ends_with(b"."), "a pickle ends with STOP");
    assert!(stdout.contains("Rust reads:"), "{stdout}");
    assert!(stdout.contains("Alice"), "{stdout}");

    if have_python() {
        let line = stdout
            .lines()
            .find(|l| l.starts_with("Python reads:"))
            .unwrap_or_else(|| panic!("no Python line in:\n{stdout}"));
        assert!(
            line.contains("{'name': 'Alice', 'age': 30, 'city': 'Paris'}"),
            "Python sees: {line}"
        );
    } else {
        assert!(stdout.contains("python3 not runnable"), "{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn quickstart_accepts_a_path() {
    let dir = temp_dir("quickstart-path");
    let out = run_example("quickstart", &["people.pkl"], &dir, Duration::from_secs(120));
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
