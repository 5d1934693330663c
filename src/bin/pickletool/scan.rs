//! `pickletool scan`: every global and call of every pickle in the input,
//! one line each, located by pickle index and byte offset; the exit status
//! says whether a global is outside the safe list.

use std::process::ExitCode;

use serde_pickle::value::Global;
use serde_pickle::{safe_globals, Scan};

/// Lines for what one input names and calls, in input order, and how many
/// globals are outside the safe list. `place` prefixes each line (the
/// member of a container the pickles come from; empty for a plain file).
pub fn report(place: &str, found: &Scan, out: &mut String) -> usize {
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
        out.push_str(&format!("{place}pickle {pickle} offset {offset}: {what}\n"));
    }
    unsafe_count
}

/// Scan one plain input (a file of pickles in a row) and print the report.
pub fn run(input: &[u8]) -> Result<ExitCode, String> {
    // What the pickles name and call up to where the input stops making
    // sense: CPython would have run those opcodes before failing.
    let (found, problem) = Scan::partial(input);
    let mut text = String::new();
    let unsafe_count = report("", &found, &mut text);
    text.push_str(&format!(
        "{} pickles, {} globals, {} calls, {} outside the safe list{}\n",
        found.pickles,
        found.globals.len(),
        found.calls.len(),
        unsafe_count,
        if problem.is_some() { " (before the error)" } else { "" }
    ));
    super::write_out(text.as_bytes())?;
    if let Some(problem) = problem {
        eprintln!("pickletool: {problem}");
        return Ok(ExitCode::from(if unsafe_count > 0 { 2 } else { 1 }));
    }
    Ok(if unsafe_count > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
