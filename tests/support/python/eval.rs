//! Python's answers about values (`tests/value/`): the judge's `eval`
//! request evaluates many Python expressions in ONE python3 process and
//! returns `str()` of each result.

use serde_json::json;

/// `str(eval(line))` for each line (or `EXCEPTION <type>: <message>`),
/// computed by one python3 process.
pub fn python(lines: &[String]) -> Vec<String> {
    let answers: Vec<String> = super::judge(&json!({"op": "eval", "lines": lines}))
        .into_iter()
        .map(|a| a.as_str().expect("the judge answers strings").to_owned())
        .collect();
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
