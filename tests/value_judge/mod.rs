//! python3 as the judge of `Value` behaviour: evaluates many Python
//! expressions in ONE python3 process and returns `str()` of each result.

use std::io::Write;
use std::process::{Command, Stdio};

/// Helpers the expressions may use, besides the usual modules.
const SCRIPT: &str = r#"
import collections, datetime, json, math, struct, sys
def d(bits):
    return struct.unpack('<d', struct.pack('<Q', bits))[0]
def selfref_list():
    l = []
    l.append(l)
    return l
def selfref_dict():
    x = {}
    x['me'] = x
    return x
def hashable(x):
    try:
        hash(x)
        return True
    except TypeError:
        return False
nan = float('nan')
inf = float('inf')
ns = dict(globals())
out = []
for line in json.load(sys.stdin):
    try:
        out.append(str(eval(line, ns)))
    except BaseException as e:
        out.append('EXCEPTION %s: %s' % (type(e).__name__, e))
json.dump(out, sys.stdout)
"#;

/// `str(eval(line))` for each line, computed by one python3 process.
/// Panics (loudly) if python3 cannot be run: these tests need it.
pub fn python(lines: &[String]) -> Vec<String> {
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("python3 is required to judge these tests, and failed to start: {e}")
        });
    let input = serde_json::to_vec(lines).expect("JSON of the lines");
    let mut stdin = child.stdin.take().expect("python3 stdin");
    // Write from another thread so a large answer cannot deadlock the pipes.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("python3 output");
    writer.join().expect("writer thread").expect("writing to python3");
    assert!(output.status.success(), "python3 failed: {}", String::from_utf8_lossy(&output.stderr));
    let answers: Vec<String> = serde_json::from_slice(&output.stdout).expect("python3 JSON answer");
    assert_eq!(answers.len(), lines.len(), "python3 answered a different number of lines");
    answers
}

/// Compare `got[i]` with python's answer to `lines[i]`, reporting every mismatch at once.
pub fn assert_all_match(what: &str, got: &[String], lines: &[String]) {
    let want = python(lines);
    let mismatches: Vec<String> = got
        .iter()
        .zip(&want)
        .zip(lines)
        .filter(|((g, w), _)| g != w)
        .take(20)
        .map(|((g, w), l)| format!("  {l}\n    python: {w}\n    rust:   {g}"))
        .collect();
    assert!(
        mismatches.is_empty(),
        "{what}: rust differs from python3 on:\n{}",
        mismatches.join("\n")
    );
}
