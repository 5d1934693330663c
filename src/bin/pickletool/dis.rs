//! Disassembly in the style of `python -m pickletools`: offset, opcode byte,
//! name indented by MARK depth, the argument as `pickletools` shows it
//! (`repr` of what `genops` decodes), and the memo index a MEMOIZE assigns or
//! the MARK an opcode consumes — with `pickletools.dis`' stack emulation, so
//! that a POP of a MARK shows `(MARK at N)` too.

use std::collections::HashSet;

use serde_pickle::codec::opcodes::*;
use serde_pickle::codec::ops::{ops, OpArg};
use serde_pickle::value::BigInt;
use serde_pickle::Value;

/// The deepest MARK nesting shown by indentation.
const MAX_INDENT: usize = 40;

/// How an opcode changes the stack, as in `pickletools`' `stack_before` /
/// `stack_after`.
enum Effect {
    /// Pops this many items, then pushes this many.
    Items(usize, usize),
    /// Pops down to the topmost MARK (and the MARK), then this many items
    /// below it; then pushes this many.
    Mark(usize, usize),
    /// Pushes a MARK.
    PushMark,
}

fn effect(code: u8) -> Effect {
    use Effect::*;
    match code {
        MARK => PushMark,
        TUPLE | LIST | DICT | FROZENSET | INST | OBJ => Mark(0, 1),
        APPENDS | SETITEMS | ADDITEMS => Mark(1, 1),
        POP_MARK => Mark(0, 0),
        STOP | POP => Items(1, 0),
        DUP => Items(1, 2),
        PUT | BINPUT | LONG_BINPUT | MEMOIZE | PROTO | FRAME => Items(0, 0),
        BINPERSID | TUPLE1 | READONLY_BUFFER => Items(1, 1),
        REDUCE | APPEND | BUILD | NEWOBJ | TUPLE2 | STACK_GLOBAL => Items(2, 1),
        SETITEM | TUPLE3 | NEWOBJ_EX => Items(3, 1),
        // Everything else pushes one object (constants, GET, GLOBAL, EXT...).
        _ => Items(0, 1),
    }
}

/// `repr()` of a Python str given as (possibly surrogatepass) UTF-8.
fn str_repr(utf8: &[u8]) -> String {
    match std::str::from_utf8(utf8) {
        Ok(s) => Value::Str(s.to_owned()).to_string(),
        Err(_) => Value::SurrogateStr(utf8.to_vec()).to_string(),
    }
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// `codecs.escape_decode`: Python's backslash escapes in a bytes literal.
fn escape_decode(text: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        if i == text.len() {
            return Err("Trailing \\ in string".into());
        }
        let e = text[i];
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'v' => out.push(11),
            b'0'..=b'7' => {
                let mut n = u32::from(e - b'0');
                for _ in 0..2 {
                    match text.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            n = n * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push(n as u8);
            }
            b'x' => match text
                .get(i..i + 2)
                .and_then(|h| u8::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            {
                Some(b) => {
                    out.push(b);
                    i += 2;
                }
                None => return Err(format!("invalid \\x escape at position {}", i - 2)),
            },
            other => out.extend_from_slice(&[b'\\', other]),
        }
    }
    Ok(out)
}

/// `str(data, 'raw-unicode-escape')` as surrogatepass UTF-8: bytes are
/// Latin-1, `\uXXXX` and `\UXXXXXXXX` are code points.
fn raw_unicode_escape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut push = |cp: u32| {
        let mut buf = [0u8; 4];
        match char::from_u32(cp) {
            Some(ch) => out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes()),
            // A surrogate, encoded as surrogatepass does.
            None => out.extend_from_slice(&[
                0xe0 | (cp >> 12) as u8,
                0x80 | ((cp >> 6) & 0x3f) as u8,
                0x80 | (cp & 0x3f) as u8,
            ]),
        }
    };
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        let width = match (c, text.get(i + 1)) {
            (b'\\', Some(b'u')) => 4,
            (b'\\', Some(b'U')) => 8,
            _ => 0,
        };
        let code = text
            .get(i + 2..i + 2 + width)
            .filter(|_| width > 0)
            .and_then(|h| u32::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok())
            .filter(|&cp| cp <= 0x10ffff);
        match code {
            Some(cp) => {
                push(cp);
                i += 2 + width;
            }
            None => {
                push(u32::from(c));
                i += 1;
            }
        }
    }
    out
}

/// `int(text)` as Python prints it (`read_decimalnl_short` also turns
/// `00`/`01` into False/True).
fn decimal_repr(text: &[u8]) -> Result<String, String> {
    match text {
        b"00" => return Ok("False".into()),
        b"01" => return Ok("True".into()),
        _ => {}
    }
    let s = String::from_utf8_lossy(text);
    let t = s.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    // Python allows single underscores between digits.
    let ok = !digits.is_empty()
        && digits
            .split('_')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()));
    match t.replace('_', "").parse::<BigInt>() {
        Ok(n) if ok => Ok(n.to_string()),
        _ => Err(format!("invalid literal for int(): {s:?}")),
    }
}

/// `str(data, 'utf-8', 'surrogatepass')`, as its repr.
fn utf8_repr(code: u8, b: &[u8]) -> Result<String, String> {
    // Lone surrogates (ED A0..BF xx) are allowed; nothing else that is not UTF-8.
    let mut check = b.to_vec();
    for i in 0..check.len().saturating_sub(2) {
        if check[i] == 0xed
            && (0xa0..=0xbf).contains(&check[i + 1])
            && (0x80..=0xbf).contains(&check[i + 2])
        {
            check[i..i + 3].copy_from_slice("\u{fffd}".as_bytes());
        }
    }
    match std::str::from_utf8(&check) {
        Ok(_) => Ok(str_repr(b)),
        Err(e) => {
            Err(format!("{} argument is not UTF-8 (byte {})", opcodes_name(code), e.valid_up_to()))
        }
    }
}

fn opcodes_name(code: u8) -> &'static str {
    serde_pickle::codec::opcodes::name(code)
}

/// The argument as `pickletools.dis` shows it, or why CPython cannot read it.
fn arg_repr(code: u8, arg: &OpArg<'_>) -> Result<Option<String>, String> {
    Ok(Some(match *arg {
        OpArg::None => return Ok(None),
        OpArg::Int(i) => i.to_string(),
        OpArg::Uint(u) => u.to_string(),
        OpArg::Float(f) => Value::Float(f).to_string(),
        // GLOBAL/INST: read_stringnl_noescape_pair
        // (CPython reads the names as UTF-8, pickletools as ASCII.)
        OpArg::Lines(m, n) => {
            let utf8 = |b: &[u8]| {
                String::from_utf8(escape_decode(b)?)
                    .map_err(|_| "a GLOBAL or INST name is not UTF-8".to_string())
            };
            Value::Str(format!("{} {}", utf8(m)?, utf8(n)?)).to_string()
        }
        OpArg::Line(l) => match code {
            INT | GET | PUT => decimal_repr(l)?,
            LONG => decimal_repr(l.strip_suffix(b"L").unwrap_or(l))?,
            FLOAT => {
                let s = String::from_utf8_lossy(l);
                let f = s
                    .trim()
                    .parse::<f64>()
                    .map_err(|_| format!("could not convert string to float: {s:?}"))?;
                Value::Float(f).to_string()
            }
            STRING => {
                // Quotes stripped as pickletools does (`'` alone is empty).
                let inner = match l.first() {
                    Some(&q @ (b'\'' | b'"')) if l.ends_with(&[q]) => {
                        l.get(1..l.len() - 1).unwrap_or_default()
                    }
                    _ => return Err("the STRING opcode argument must be quoted".into()),
                };
                // Python 2 strs: shown as Latin-1 (pickletools insists on ASCII).
                Value::Str(latin1(&escape_decode(inner)?)).to_string()
            }
            UNICODE => str_repr(&raw_unicode_escape(l)),
            // PERSID: read_stringnl_noescape
            _ => Value::Str(latin1(&escape_decode(l)?)).to_string(),
        },
        OpArg::Bytes(b) => match code {
            // Value's repr: hex beyond 4300 digits, where pickletools raises.
            LONG1 | LONG4 => Value::BigInt(BigInt::from_signed_bytes_le(b)).to_string(),
            SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => utf8_repr(code, b)?,
            // Python 2 strs: pickletools decodes them as Latin-1.
            SHORT_BINSTRING | BINSTRING => Value::Str(latin1(b)).to_string(),
            BYTEARRAY8 => Value::ByteArray(b.to_vec()).to_string(),
            _ => Value::Bytes(b.to_vec()).to_string(),
        },
    }))
}

/// The memo key of a PUT or GET as pickletools reads it (`int()` of the
/// text: it may be negative, or `00`/`01`).
fn memo_key(arg: &OpArg<'_>) -> Option<i128> {
    match *arg {
        OpArg::Int(i) => Some(i128::from(i)),
        OpArg::Line(l) => match decimal_repr(l).ok()?.as_str() {
            "False" => Some(0),
            "True" => Some(1),
            n => n.parse().ok(),
        },
        _ => None,
    }
}

fn code_repr(code: u8) -> String {
    match code {
        b'\\' => "\\\\".to_string(),
        0x20..=0x7e => (code as char).to_string(),
        _ => format!("\\x{code:02x}"),
    }
}

/// The listing so far and, for a pickle that cannot be read to its STOP or
/// that `pickletools.dis` rejects (a MARK or memo entry that is not there,
/// a stack underflow, items left after STOP), the problem ("... at offset N").
pub fn disassemble(pickle: &[u8]) -> (String, Option<String>) {
    let mut out = String::new();
    // `pickletools.dis`' emulation: the stack (true = a MARK), the offsets of
    // the MARKs, the memo keys.
    let mut stack: Vec<bool> = Vec::new();
    let mut marks: Vec<usize> = Vec::new();
    let mut memo: HashSet<i128> = HashSet::new();
    let mut max_proto = 0u8;
    let mut stop = None;
    for op in ops(pickle) {
        let op = match op {
            Ok(op) => op,
            Err(e) => return (out, Some(e.to_string())),
        };
        let code = op.code();
        if code == STOP {
            stop = Some(op.pos);
        }
        max_proto = max_proto.max(op.info.proto);
        // Indented by MARK depth, as pickletools does, up to a bound: a
        // megabyte of MARKs would otherwise print terabytes of spaces.
        let indent = "    ".repeat(marks.len().min(MAX_INDENT));
        let mut line = format!("{:5}: {:<4} {}{}", op.pos, code_repr(code), indent, op.info.name);
        let mut note = None;
        let mut error = None;
        let (mut pop, push) = match effect(code) {
            Effect::Items(pop, push) | Effect::Mark(pop, push) => (pop, push),
            Effect::PushMark => (0, 0),
        };
        let takes_mark = matches!(effect(code), Effect::Mark(..));
        if takes_mark || (code == POP && stack.last() == Some(&true)) {
            match marks.pop() {
                Some(at) => {
                    note = Some(format!("(MARK at {at})"));
                    while let Some(is_mark) = stack.pop() {
                        if is_mark {
                            break;
                        }
                    }
                    if code == POP {
                        pop = 0;
                    }
                }
                None => {
                    note = Some("no MARK exists on stack".to_string());
                    error = note.clone();
                }
            }
        }
        match code {
            MEMOIZE | PUT | BINPUT | LONG_BINPUT => {
                let idx = match code {
                    MEMOIZE => Some(memo.len() as i128),
                    _ => memo_key(&op.arg),
                };
                if code == MEMOIZE {
                    note = Some(format!("(as {})", memo.len()));
                }
                error = match idx {
                    Some(idx) if memo.contains(&idx) => {
                        Some(format!("memo key {idx} already defined"))
                    }
                    _ if stack.is_empty() => Some("stack is empty -- can't store into memo".into()),
                    _ if stack.last() == Some(&true) => {
                        Some("can't store markobject in the memo".into())
                    }
                    Some(idx) => {
                        memo.insert(idx);
                        None
                    }
                    None => Some("invalid memo index".into()),
                };
            }
            GET | BINGET | LONG_BINGET
                if !memo_key(&op.arg).is_some_and(|idx| memo.contains(&idx)) =>
            {
                let shown = arg_repr(code, &op.arg).ok().flatten().unwrap_or_default();
                error = Some(format!("memo key {shown} has never been stored into"));
            }
            _ => {}
        }
        let arg = match arg_repr(code, &op.arg) {
            Ok(arg) => arg,
            Err(e) => {
                return (out, Some(format!("{e} at offset {} (opcode {})", op.pos, op.info.name)))
            }
        };
        if arg.is_some() || note.is_some() {
            line.push_str(&" ".repeat(10usize.saturating_sub(op.info.name.len())));
            for part in [arg, note].into_iter().flatten() {
                line.push(' ');
                line.push_str(&part);
            }
        }
        out.push_str(&line);
        out.push('\n');
        if error.is_none() && stack.len() < pop {
            error = Some(format!(
                "tries to pop {pop} items from stack with only {} items",
                stack.len()
            ));
        }
        if let Some(e) = error {
            return (out, Some(format!("{e} at offset {}", op.pos)));
        }
        stack.truncate(stack.len() - pop);
        if code == MARK {
            marks.push(op.pos);
            stack.push(true);
        }
        stack.extend(std::iter::repeat_n(false, push));
    }
    out.push_str(&format!("highest protocol among opcodes = {max_proto}\n"));
    match stop {
        None => {
            (out, Some(format!("pickle data was truncated at offset {} (no STOP)", pickle.len())))
        }
        Some(at) if !stack.is_empty() => (
            out,
            Some(format!("stack not empty after STOP ({} items left) at offset {at}", stack.len())),
        ),
        Some(_) => (out, None),
    }
}
