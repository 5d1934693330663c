//! Disassembly in the style of `python -m pickletools`: offset, opcode byte,
//! name indented by MARK depth, the argument as Python would show it, and the
//! memo index a MEMOIZE assigns or the MARK an opcode consumes.

use serde_pickle::codec::opcodes;
use serde_pickle::codec::ops::{ops, OpArg};
use serde_pickle::value::BigInt;
use serde_pickle::Value;

/// Opcodes that pop everything down to the topmost MARK.
fn consumes_mark(code: u8) -> bool {
    use opcodes::*;
    matches!(code, TUPLE | LIST | DICT | FROZENSET | APPENDS | SETITEMS | ADDITEMS | POP_MARK | INST | OBJ)
}

fn code_repr(code: u8) -> String {
    match code {
        0x20..=0x7e if code != b'\\' && code != b'\'' => (code as char).to_string(),
        _ => format!("\\x{code:02x}"),
    }
}

fn arg_repr(code: u8, arg: &OpArg<'_>) -> Option<String> {
    use opcodes::*;
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Some(match *arg {
        OpArg::None => return None,
        OpArg::Int(i) => i.to_string(),
        OpArg::Uint(u) => u.to_string(),
        OpArg::Float(f) => Value::Float(f).to_string(),
        OpArg::Lines(m, n) => Value::Str(format!("{} {}", text(m), text(n))).to_string(),
        OpArg::Line(l) => match code {
            INT | LONG | FLOAT | GET | PUT => text(l),
            _ => Value::Str(text(l)).to_string(),
        },
        OpArg::Bytes(b) => match code {
            LONG1 | LONG4 => BigInt::from_signed_bytes_le(b).to_string(),
            SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => Value::Str(text(b)).to_string(),
            BYTEARRAY8 => Value::ByteArray(b.to_vec()).to_string(),
            _ => Value::Bytes(b.to_vec()).to_string(),
        },
    })
}

/// The listing, or the first error as "offset N: problem".
pub fn disassemble(pickle: &[u8]) -> Result<String, String> {
    let mut out = String::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut memo_len = 0usize;
    let mut max_proto = 0u8;
    let mut stopped = false;
    for op in ops(pickle) {
        let op = op.map_err(|e| e.to_string())?;
        let code = op.code();
        stopped = code == opcodes::STOP;
        max_proto = max_proto.max(op.info.proto);
        let mut note = None;
        if consumes_mark(code) {
            note = Some(match marks.pop() {
                Some(at) => format!("(MARK at {at})"),
                None => "(no MARK on the stack)".to_string(),
            });
        }
        if code == opcodes::MEMOIZE {
            note = Some(format!("(as {memo_len})"));
        }
        if matches!(code, opcodes::MEMOIZE | opcodes::PUT | opcodes::BINPUT | opcodes::LONG_BINPUT) {
            memo_len += 1;
        }
        let indent = "    ".repeat(marks.len());
        let mut line = format!("{:5}: {:<4} {}{}", op.pos, code_repr(code), indent, op.info.name);
        let arg = arg_repr(code, &op.arg);
        if arg.is_some() || note.is_some() {
            line.push_str(&" ".repeat(10usize.saturating_sub(op.info.name.len())));
            for part in [arg, note].into_iter().flatten() {
                line.push(' ');
                line.push_str(&part);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
        if code == opcodes::MARK {
            marks.push(op.pos);
        }
    }
    if !stopped {
        return Err(format!("pickle data was truncated at offset {} (no STOP)", pickle.len()));
    }
    out.push_str(&format!("highest protocol among opcodes = {max_proto}\n"));
    Ok(out)
}
