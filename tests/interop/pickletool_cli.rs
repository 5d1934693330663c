//! `pickletool`'s command line (clap): help on stdout with status 0, help
//! for each command, `--version`, options refused where they mean nothing,
//! and `from-json` exact for integers of any size, refusing unknown `$` keys.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pickletool(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pickletool"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pickletool");
    // The tool may exit (a usage error) before reading its input.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn help_goes_to_stdout_with_status_0() {
    for args in [&["--help"][..], &["-h"]] {
        let out = pickletool(args, b"");
        assert_eq!(out.status.code(), Some(0));
        let help = text(&out.stdout);
        for command in ["dis", "json", "from-json", "transcode", "scan"] {
            assert!(help.contains(command), "{help}");
        }
    }
}

#[test]
fn each_command_has_its_own_help() {
    for (command, option) in [
        ("dis", None),
        ("json", None),
        ("from-json", Some("--protocol")),
        ("transcode", Some("--protocol")),
        ("scan", None),
    ] {
        let out = pickletool(&[command, "--help"], b"");
        assert_eq!(out.status.code(), Some(0), "{command}");
        let help = text(&out.stdout);
        assert!(help.contains("Usage: pickletool"), "{help}");
        assert_eq!(help.contains("--protocol"), option.is_some(), "{command}: {help}");
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = pickletool(&["--version"], b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout).trim(), format!("pickletool {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn options_a_command_has_no_use_for_are_errors() {
    for args in [
        &["dis", "--protocol", "2"][..],
        &["json", "-p", "2"],
        &["scan", "--protocol", "2"],
        &["transcode", "--protocol", "6"],
        &["dis", "--bogus"],
        &["frobnicate"],
        &[],
    ] {
        let out = pickletool(args, b"\x80\x05N.");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(!out.stderr.is_empty(), "{args:?}");
    }
}

/// `repr(pickle.loads(data))` by CPython.
fn cpython_repr(data: &[u8]) -> String {
    let mut child = Command::new("python3")
        .args(["-c", "import pickle, sys; print(repr(pickle.loads(sys.stdin.buffer.read())))"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 is required");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    text(&out.stdout).trim().to_string()
}

#[test]
fn from_json_keeps_big_integers_exact() {
    let json = b"[123456789012345678901234567890, -18446744073709551617, 18446744073709551615, 1.5, 1e300]";
    let out = pickletool(&["from-json"], json);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        cpython_repr(&out.stdout),
        "[123456789012345678901234567890, -18446744073709551617, 18446744073709551615, 1.5, 1e+300]"
    );
}

#[test]
fn from_json_refuses_unknown_dollar_keys() {
    for json in
        [&br#"{"$tuple": [1], "extra": 2}"#[..], br#"{"a": 1, "$tuple": [1]}"#, br#"{"$nope": 1}"#]
    {
        let out = pickletool(&["from-json"], json);
        assert_eq!(out.status.code(), Some(1), "{}", text(json));
        assert_eq!(text(&out.stderr).lines().count(), 1, "{}", text(&out.stderr));
    }
}
