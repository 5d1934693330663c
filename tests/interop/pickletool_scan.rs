//! `pickletool scan` over every pickle of its input: each finding is a line
//! `pickle N offset O: ...`, and a global outside the safe list anywhere
//! in the input makes the exit status 2. Offsets are pickletools'.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn pickletool(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pickletool"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pickletool runs");
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

/// Offsets of the named opcodes in a file of pickles, from pickletools.
fn cpython_offsets(bytes: &[u8], opcode: &str) -> Vec<(usize, u64)> {
    let script = "import io,pickletools,sys\nd=bytes.fromhex(sys.argv[1]);f=io.BytesIO(d);i=0\nwhile f.tell()<len(d):\n for op,a,p in pickletools.genops(f):\n  if op.name==sys.argv[2]: print(i,p)\n i+=1";
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let out = Command::new("python3").args(["-c", script, &hex, opcode]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let (i, p) = l.split_once(' ').unwrap();
            (i.parse().unwrap(), p.parse().unwrap())
        })
        .collect()
}

#[test]
fn scan_flags_a_call_in_the_second_pickle_with_its_index_and_offset() {
    let bytes = b"].cos\nsystem\n(S'x'\ntR.";
    let out = pickletool(&["scan"], bytes);
    let text = String::from_utf8(out.stdout).unwrap();
    let [(pickle, offset)] = cpython_offsets(bytes, "REDUCE")[..] else { panic!() };
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("pickle {pickle} offset {offset}: call REDUCE os.system\n")),
        "{text}"
    );
    assert!(text.contains("pickle 1 offset 2: global os.system  UNSAFE\n"), "{text}");
    assert!(text.ends_with("2 pickles, 1 globals, 1 calls, 1 outside the safe list\n"), "{text}");
}

#[test]
fn scan_flags_stack_global_of_python_2_strs() {
    let bytes = b"\x80\x02S'os'\nS'system'\n\x93S'x'\n\x85R.";
    let out = pickletool(&["scan"], bytes);
    let text = String::from_utf8(out.stdout).unwrap();
    let [(0, offset)] = cpython_offsets(bytes, "STACK_GLOBAL")[..] else { panic!() };
    assert_eq!(out.status.code(), Some(2), "{text}");
    assert!(
        text.contains(&format!("pickle 0 offset {offset}: global os.system  UNSAFE\n")),
        "{text}"
    );
}
