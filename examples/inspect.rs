//! Look inside a pickle you did not write — without running it.
//!
//! Python's `pickle.load` imports and calls whatever the pickle names: a
//! malicious `.pkl` runs code the moment Python opens it. This crate never
//! imports or calls anything, so it can show what a file holds and what it
//! *would* do, and refuse files that name anything unexpected.
//!
//! ```text
//! cargo run --example inspect -- model.pkl   # inspect model.pkl
//! cargo run --example inspect                # make ./inspect-sample.pkl with python3 and inspect it
//! ```
//!
//! The sample holds a dataclass instance, a `datetime`, and a call of
//! `os.system("echo pwned")` spliced in by hand as opcodes, the way an
//! attacker writes one. Python only writes the file; it never loads it.

use std::path::PathBuf;
use std::process::Command;

use serde_pickle::value::Global;
use serde_pickle::{
    from_slice_with, safe_globals, scan, DeOptions, ErrorCode, GlobalsPolicy, Value,
};

/// Writes the sample to `sys.argv[1]`. It pickles ordinary data at
/// protocol 2 (no frames, so bytes can be spliced in freely), then replaces
/// a placeholder string with a hand-built `os.system(...)` call.
const MAKE_SAMPLE: &str = r#"
import dataclasses, datetime, pickle, struct, sys

@dataclasses.dataclass
class Model:
    name: str
    weights: list

MARK = "__placeholder__"
data = {
    "model": Model("tiny", [0.5, -1.25]),
    "saved": datetime.datetime(2024, 1, 2, 3, 4, 5),
    "hook": MARK,
}
blob = pickle.dumps(data, protocol=2)
# At protocol 2 a str is BINUNICODE: b"X", a 4-byte length, the UTF-8.
placeholder = b"X" + struct.pack("<I", len(MARK)) + MARK.encode()
cmd = b"echo pwned"
# os.system(cmd): GLOBAL 'os system', the argument, TUPLE1, REDUCE.
evil = b"cos\nsystem\n" + b"X" + struct.pack("<I", len(cmd)) + cmd + b"\x85R"
assert blob.count(placeholder) == 1
with open(sys.argv[1], "wb") as f:
    f.write(blob.replace(placeholder, evil))
# Never pickle.load this file in Python: that would run the command.
"#;

fn make_sample() -> Result<Option<PathBuf>, Box<dyn std::error::Error>> {
    let path = PathBuf::from("inspect-sample.pkl");
    match Command::new("python3").arg("-c").arg(MAKE_SAMPLE).arg(&path).output() {
        Ok(out) if out.status.success() => Ok(Some(path)),
        Ok(out) => Err(format!("python3 failed: {}", String::from_utf8_lossy(&out.stderr)).into()),
        Err(e) => {
            println!("python3 is not available ({e}), so there is no sample to make.");
            println!("Give a pickle to inspect: cargo run --example inspect -- FILE.pkl");
            Ok(None)
        }
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = match std::env::args_os().nth(1) {
        Some(p) => PathBuf::from(p),
        None => match make_sample()? {
            Some(p) => {
                println!("made {} with python3 (and did not load it)", p.display());
                p
            }
            None => return Ok(()),
        },
    };
    let bytes = std::fs::read(&path)?;
    println!("{}: {} bytes", path.display(), bytes.len());

    // 1. What it holds. The default policy keeps every class and call as
    //    data (`Value::Global`, `Value::Object`); limits keep a hostile file
    //    from taking more than a bounded amount of memory or nesting.
    let opts = DeOptions::new().max_depth(256).max_alloc(256 << 20);
    let value: Value = match from_slice_with(&bytes, &opts) {
        Ok(v) => v,
        Err(e) => {
            // Offset and opcode say where the file stopped making sense.
            println!("not a readable pickle: {e} (category {:?})", e.category());
            return Ok(());
        }
    };
    // Display is Python's repr(); calls show as the call that builds the object.
    println!("\ncontent, as Python's repr() would show it:\n  {value}");

    // 2. What it would import and call, including calls whose results the
    //    pickle throws away (and so never appear in the value).
    let found = scan(&bytes)?;
    let safe = safe_globals();
    println!("\nglobals it names ({}):", found.globals.len());
    for g in found.globals.iter().map(|n| &n.global) {
        let flag = if safe.contains(g) { "ok" } else { "NOT IN safe_globals()" };
        println!("  {:<28} {flag}", format!("{}.{}", g.module, g.name));
    }
    println!("calls it would make ({}):", found.calls.len());
    for c in &found.calls {
        let callable = c.callable.as_ref().map(|g| format!("{}.{}", g.module, g.name));
        println!(
            "  offset {:>4}: {:<8} {}",
            c.offset,
            c.opcode,
            callable.as_deref().unwrap_or("(not a global)")
        );
    }
    let unsafe_globals: Vec<&Global> = found.unsafe_globals(&safe).map(|n| &n.global).collect();
    if unsafe_globals.is_empty() {
        println!("verdict: only plain-data globals");
    } else {
        println!(
            "verdict: do NOT pickle.load this in Python without checking {} global(s)",
            unsafe_globals.len()
        );
    }

    // 3. Enforce it. With an allow-list, reading fails at the first global
    //    not on it, and the error names that global.
    let strict = DeOptions::new().globals(GlobalsPolicy::AllowList(safe.clone()));
    report("safe_globals()", from_slice_with::<Value>(&bytes, &strict));

    // Allow your own classes too, and only a truly unexpected global is left.
    let mut trusted = safe;
    trusted.extend(
        found.globals.iter().map(|n| &n.global).filter(|g| g.module == "__main__").cloned(),
    );
    let strict = DeOptions::new().globals(GlobalsPolicy::AllowList(trusted));
    report("safe_globals() + __main__ classes", from_slice_with::<Value>(&bytes, &strict));
    Ok(())
}

fn report(allowed: &str, result: serde_pickle::Result<Value>) {
    match result {
        Ok(_) => println!("\nread with AllowList({allowed}): accepted"),
        Err(e) => {
            println!("\nread with AllowList({allowed}): rejected: {e}");
            // Match on the error's code to get the global itself.
            if let ErrorCode::ForbiddenGlobal { module, name } = e.code() {
                println!("  rejected global: module {module:?}, name {name:?}");
            }
        }
    }
}
