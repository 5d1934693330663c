//! `pickletool`: look inside pickles without ever executing them.
//!
//! ```text
//! pickletool dis [FILE]                      disassemble, like `python -m pickletools`
//! pickletool json [FILE]                     the value as JSON (see below for the form)
//! pickletool from-json [--protocol N] [FILE] JSON to a pickle on stdout
//! pickletool transcode [--protocol N] [FILE] re-write a pickle at protocol N (default 5)
//! pickletool scan [FILE]                     list globals and calls; exit 2 if any global
//!                                            is outside the safe list
//! ```
//!
//! No FILE, or `-`, reads standard input. Bad input: one line on stderr with
//! the offset and the problem, exit status 1 (`dis` prints the listing up to
//! the problem first; `scan` prints what the pickle names and calls before
//! the problem, and exits 2 if a global among them is outside the safe list).

mod dis;
mod json;

use std::io::{Read, Write};
use std::process::ExitCode;

use serde_pickle::{DeOptions, SerOptions, Value};

const USAGE: &str = "usage: pickletool <dis|json|from-json|transcode|scan> [--protocol N] [FILE|-]
  dis        disassemble (offsets, opcodes, arguments, memo indices)
  json       print the value as JSON ($-tagged objects for tuples, sets, bytes, globals, objects)
  from-json  read that JSON and write a pickle to stdout
  transcode  read a pickle and write it again at --protocol N (default 5)
  scan       list every global and call; exit 2 if a global is outside the safe list";

struct Args {
    command: String,
    protocol: u8,
    file: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let command = it.next().ok_or_else(|| USAGE.to_string())?;
    if command == "-h" || command == "--help" {
        return Err(USAGE.to_string());
    }
    let mut protocol = 5;
    let mut file = None;
    while let Some(a) = it.next() {
        match a.as_str() {
            "--protocol" | "-p" => {
                let p = it.next().ok_or("--protocol needs a number")?;
                protocol = p
                    .parse()
                    .ok()
                    .filter(|&p| p <= 5)
                    .ok_or(format!("protocol must be 0 to 5, not {p}"))?;
            }
            _ if file.is_none() => file = Some(a),
            _ => return Err(format!("unexpected argument {a:?}\n{USAGE}")),
        }
    }
    Ok(Args { command, protocol, file })
}

fn read_input(file: &Option<String>) -> Result<Vec<u8>, String> {
    let mut buf = Vec::new();
    match file.as_deref() {
        None | Some("-") => {
            std::io::stdin().read_to_end(&mut buf).map_err(|e| format!("stdin: {e}"))?
        }
        Some(path) => return std::fs::read(path).map_err(|e| format!("{path}: {e}")),
    };
    Ok(buf)
}

fn write_out(bytes: &[u8]) -> Result<(), String> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|_| out.flush()).map_err(|e| format!("stdout: {e}"))
}

fn load(bytes: &[u8]) -> Result<Value, String> {
    serde_pickle::from_slice_with::<Value>(bytes, &DeOptions::new()).map_err(|e| e.to_string())
}

fn run(args: &Args) -> Result<ExitCode, String> {
    let input = read_input(&args.file)?;
    match args.command.as_str() {
        "dis" => {
            // The listing up to the problem, then the problem.
            let (text, problem) = dis::disassemble(&input);
            write_out(text.as_bytes())?;
            if let Some(problem) = problem {
                return Err(problem);
            }
        }
        "json" => {
            let value = load(&input)?;
            let j = json::ToJson::default().convert(&value);
            let text = serde_json::to_string_pretty(&j).map_err(|e| e.to_string())?;
            write_out(format!("{text}\n").as_bytes())?;
        }
        "from-json" => {
            let j: json::Json = serde_json::from_slice(&input).map_err(|e| format!("JSON: {e}"))?;
            let value = json::FromJson::default().convert(&j)?;
            let bytes =
                serde_pickle::to_vec_with(&value, &SerOptions::new().protocol(args.protocol))
                    .map_err(|e| e.to_string())?;
            write_out(&bytes)?;
        }
        "transcode" => {
            let value = load(&input)?;
            let bytes =
                serde_pickle::to_vec_with(&value, &SerOptions::new().protocol(args.protocol))
                    .map_err(|e| e.to_string())?;
            write_out(&bytes)?;
        }
        "scan" => {
            // What the pickle names and calls up to where it stops making
            // sense: CPython would have run those opcodes before failing.
            let (found, problem) = serde_pickle::Scan::partial(&input);
            let safe = serde_pickle::safe_globals();
            let mut report = String::new();
            let mut unsafe_count = 0;
            for g in &found.globals {
                let ok = safe.contains(g);
                unsafe_count += (!ok) as usize;
                report.push_str(&format!(
                    "global {}.{}{}\n",
                    g.module,
                    g.name,
                    if ok { "" } else { "  UNSAFE" }
                ));
            }
            for c in &found.calls {
                let target = c
                    .callable
                    .as_ref()
                    .map_or("?".to_string(), |g| format!("{}.{}", g.module, g.name));
                report
                    .push_str(&format!("call   {} {} at offset {}\n", c.opcode, target, c.offset));
            }
            report.push_str(&format!(
                "{} globals, {} calls, {} outside the safe list{}\n",
                found.globals.len(),
                found.calls.len(),
                unsafe_count,
                if problem.is_some() { " (before the error)" } else { "" }
            ));
            write_out(report.as_bytes())?;
            if let Some(problem) = problem {
                eprintln!("pickletool: {problem}");
                return Ok(ExitCode::from(if unsafe_count > 0 { 2 } else { 1 }));
            }
            if unsafe_count > 0 {
                return Ok(ExitCode::from(2));
            }
        }
        other => return Err(format!("unknown command {other:?}\n{USAGE}")),
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|a| run(&a));
    match result {
        Ok(code) => code,
        Err(msg) => {
            // One line: the offset and the problem (usage text excepted).
            eprintln!("pickletool: {msg}");
            ExitCode::from(1)
        }
    }
}
