//! `pickletool scan`: every global and call of every pickle in the input,
//! one line each, located by pickle index and byte offset; the exit status
//! says whether a global is outside the safe list.

use std::process::ExitCode;

use serde_pickle::value::Global;
use serde_pickle::{safe_globals, Scan};

/// Lines for what one input names and calls, in input order, and how many
/// globals are outside the safe list. `place` prefixes each line (the
/// member of a container the pickles come from; empty for a plain file),
/// `base` is added to each offset (where the pickles start in that member).
pub fn report(place: &str, base: u64, found: &Scan, out: &mut String) -> usize {
    let safe = safe_globals();
    let name = |g: &Global| format!("{}.{}", g.module, g.name);
    // Globals and calls interleaved as the pickles run them.
    let mut lines: Vec<(usize, u64, String)> = Vec::new();
    let mut unsafe_count = 0;
    for g in &found.globals {
        let ok = safe.contains(&g.global);
        unsafe_count += usize::from(!ok);
        let flag = if ok { "" } else { "  UNSAFE" };
        lines.push((g.pickle, g.offset, format!("global {}{flag}", name(&g.global))));
    }
    for c in &found.calls {
        let target = c.callable.as_ref().map_or("?".to_string(), name);
        lines.push((c.pickle, c.offset, format!("call {} {target}", c.opcode)));
    }
    // Stable: a BUILD's global and call at one offset keep their order.
    lines.sort_by_key(|l| (l.0, l.1));
    for (pickle, offset, what) in lines {
        let offset = base + offset;
        out.push_str(&format!("{place}pickle {pickle} offset {offset}: {what}\n"));
    }
    unsafe_count
}

/// Scan an input (pickles in a row, or a container of them: see
/// `containers`) and print the report.
pub fn run(input: &[u8]) -> Result<ExitCode, String> {
    let opened = super::containers::open(input)?;
    let mut text = String::new();
    if let Some(what) = &opened.what {
        text.push_str(&format!("{what}\n"));
    }
    let (mut pickles, mut globals, mut calls, mut unsafe_count) = (0, 0, 0, 0);
    let mut problems = Vec::new();
    for part in &opened.parts {
        // What the pickles name and call up to where the input stops
        // making sense: CPython would have run those opcodes before failing.
        let (found, problem) = if part.joblib {
            Scan::partial_joblib(&part.bytes)
        } else {
            Scan::partial(&part.bytes)
        };
        unsafe_count += report(&part.place, part.base, &found, &mut text);
        pickles += found.pickles;
        globals += found.globals.len();
        calls += found.calls.len();
        if let Some(problem) = problem {
            problems.push(format!("{}{problem}", part.place));
        }
    }
    text.push_str(&format!(
        "{pickles} pickles, {globals} globals, {calls} calls, {unsafe_count} outside the safe list{}\n",
        if problems.is_empty() { "" } else { " (before the error)" }
    ));
    super::write_out(text.as_bytes())?;
    for problem in &problems {
        eprintln!("pickletool: {problem}");
    }
    Ok(match (unsafe_count > 0, problems.is_empty()) {
        (true, _) => ExitCode::from(2),
        (false, false) => ExitCode::from(1),
        (false, true) => ExitCode::SUCCESS,
    })
}
