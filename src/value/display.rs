//! `Display` (Python's `repr()`) and `Debug` (Rust structure) for [`Value`].
//!
//! `Display` is iterative, so it prints values nested to any depth. `Debug`
//! recurses and prints `...` below `DEBUG_DEPTH_LIMIT` (128) levels.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt::{self, Write as _};

use super::printable::is_printable;
use super::{Dict, Global, Object, Shared, Value};

/// How deep `{:?}` goes before printing `...` instead of the rest.
pub(crate) const DEBUG_DEPTH_LIMIT: usize = 128;

/// Writes `s` as Python's `repr(str)` does: single quotes unless the string
/// contains `'` and no `"`; `\\`, the quote, `\t`, `\n`, `\r` escaped; other
/// non-printable characters as `\xNN`, `\uNNNN` or `\UNNNNNNNN`.
///
/// Printability follows Python 3.11 (Unicode 14.0, see the table's module);
/// characters assigned in later Unicode versions are escaped here but not by
/// newer Pythons.
pub(crate) fn write_str_repr<W: fmt::Write + ?Sized>(out: &mut W, s: &str) -> fmt::Result {
    write_code_points_repr(out, s.chars().map(u32::from))
}

/// The code points of a [`Value::SurrogateStr`]: UTF-8 in which surrogates
/// (U+D800 to U+DFFF) are encoded like other 3-byte code points (CPython's
/// `surrogatepass`). A byte that starts no valid sequence gives U+FFFD.
pub(crate) fn surrogatepass_code_points(b: &[u8]) -> impl Iterator<Item = u32> + Clone + '_ {
    let mut i = 0;
    std::iter::from_fn(move || {
        let b0 = *b.get(i)?;
        let (len, init) = match b0 {
            0x00..=0x7f => (1, b0 as u32),
            0xc2..=0xdf => (2, (b0 & 0x1f) as u32),
            0xe0..=0xef => (3, (b0 & 0x0f) as u32),
            0xf0..=0xf4 => (4, (b0 & 0x07) as u32),
            _ => (0, 0),
        };
        let tail =
            b.get(i + 1..i + len.max(1)).filter(|t| len > 0 && t.iter().all(|c| c & 0xc0 == 0x80));
        let cp = tail.map(|t| t.iter().fold(init, |cp, c| (cp << 6) | (c & 0x3f) as u32));
        let min = [0, 0, 0x80, 0x800, 0x10000][len];
        match cp {
            Some(cp) if cp >= min && cp <= 0x10ffff => {
                i += len;
                Some(cp)
            }
            _ => {
                i += 1;
                Some(0xfffd)
            }
        }
    })
}

/// `repr()` of a str given as code points (which may include surrogates).
fn write_code_points_repr<W, I>(out: &mut W, cps: I) -> fmt::Result
where
    W: fmt::Write + ?Sized,
    I: Iterator<Item = u32> + Clone,
{
    let has = |q: u32| cps.clone().any(|c| c == q);
    let quote = if has(0x27) && !has(0x22) { '"' } else { '\'' };
    out.write_char(quote)?;
    for c in cps {
        match char::from_u32(c) {
            Some('\\') => out.write_str("\\\\")?,
            Some('\t') => out.write_str("\\t")?,
            Some('\n') => out.write_str("\\n")?,
            Some('\r') => out.write_str("\\r")?,
            Some(ch) if ch == quote => {
                out.write_char('\\')?;
                out.write_char(ch)?;
            }
            Some(ch) if is_printable(c) => out.write_char(ch)?,
            _ if c < 0x100 => write!(out, "\\x{c:02x}")?,
            _ if c < 0x10000 => write!(out, "\\u{c:04x}")?,
            _ => write!(out, "\\U{c:08x}")?,
        }
    }
    out.write_char(quote)
}

/// Writes `b` as Python's `repr(bytes)` does, with the `b` prefix.
pub(crate) fn write_bytes_repr<W: fmt::Write + ?Sized>(out: &mut W, b: &[u8]) -> fmt::Result {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') { b'"' } else { b'\'' };
    out.write_char('b')?;
    out.write_char(quote as char)?;
    for &c in b {
        match c {
            b'\\' => out.write_str("\\\\")?,
            b'\t' => out.write_str("\\t")?,
            b'\n' => out.write_str("\\n")?,
            b'\r' => out.write_str("\\r")?,
            c if c == quote => {
                out.write_char('\\')?;
                out.write_char(c as char)?;
            }
            0x20..=0x7e => out.write_char(c as char)?,
            c => write!(out, "\\x{c:02x}")?,
        }
    }
    out.write_char(quote as char)
}

/// Writes a float as CPython's `PyOS_double_to_string(x, 'r', 0, flags)`:
/// the shortest digits that round-trip, in exponent form when the decimal
/// exponent is below -4 or at least 16 (`1e+16`, `1.5e-05`). `add_dot_0`
/// appends `.0` to integral values in positional form (float repr does,
/// complex repr does not); `sign` writes `+` before non-negative values.
pub(crate) fn write_float_repr<W: fmt::Write + ?Sized>(
    out: &mut W,
    x: f64,
    add_dot_0: bool,
    sign: bool,
) -> fmt::Result {
    if x.is_nan() {
        // CPython ignores the sign bit of a NaN.
        return out.write_str(if sign { "+nan" } else { "nan" });
    }
    if x.is_sign_negative() {
        out.write_char('-')?;
    } else if sign {
        out.write_char('+')?;
    }
    if x.is_infinite() {
        return out.write_str("inf");
    }
    // Rust's `{:e}` gives the shortest round-trip digits: "d.ddde-5", "de16", "0e0".
    let sci = format!("{:e}", x.abs());
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let n = digits.len() as i32;
    // Position of the decimal point relative to the digits: x = 0.DIGITS * 10^decpt.
    let decpt = exp + 1;
    if !(-4 < decpt && decpt <= 16) {
        out.write_str(&digits[..1])?;
        if n > 1 {
            out.write_char('.')?;
            out.write_str(&digits[1..])?;
        }
        let esign = if exp < 0 { '-' } else { '+' };
        return write!(out, "e{esign}{:02}", exp.unsigned_abs());
    }
    if decpt <= 0 {
        out.write_str("0.")?;
        for _ in 0..-decpt {
            out.write_char('0')?;
        }
        out.write_str(&digits)
    } else if decpt >= n {
        out.write_str(&digits)?;
        for _ in 0..decpt - n {
            out.write_char('0')?;
        }
        if add_dot_0 {
            out.write_str(".0")?;
        }
        Ok(())
    } else {
        let (int, frac) = digits.split_at(decpt as usize);
        write!(out, "{int}.{frac}")
    }
}

/// Python's `repr(complex(re, im))`: `1j`, `(1+2j)`, `(-0-1j)`, `(nan+infj)`.
pub(crate) fn write_complex_repr<W: fmt::Write + ?Sized>(
    out: &mut W,
    re: f64,
    im: f64,
) -> fmt::Result {
    if re == 0.0 && re.is_sign_positive() {
        write_float_repr(out, im, false, false)?;
        return out.write_char('j');
    }
    out.write_char('(')?;
    write_float_repr(out, re, false, false)?;
    write_float_repr(out, im, false, true)?;
    out.write_str("j)")
}

/// `module.name` as Python spells a qualified name; `builtins` is left out.
fn write_qualname<W: fmt::Write + ?Sized>(out: &mut W, g: &Global) -> fmt::Result {
    if g.module != "builtins" && !g.module.is_empty() {
        out.write_str(&g.module)?;
        out.write_char('.')?;
    }
    out.write_str(&g.name)
}

/// One step of the iterative printer.
enum Task<'a> {
    Val(&'a Value),
    Lit(&'static str),
    /// A callable's name in an object's repr: a global's qualified name, else its repr.
    Callable(&'a Value),
    /// A keyword argument's name (a `str` key printed bare).
    KwName(&'a str),
    /// The shared node with this id is no longer on the current path.
    Leave(usize),
}

/// Push `items` separated by `, ` (forward order) onto `parts`.
fn push_seq<'a>(parts: &mut Vec<Task<'a>>, items: &'a [Value]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            parts.push(Task::Lit(", "));
        }
        parts.push(Task::Val(item));
    }
}

fn push_pairs<'a>(parts: &mut Vec<Task<'a>>, pairs: &'a [(Value, Value)]) {
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            parts.push(Task::Lit(", "));
        }
        parts.push(Task::Val(k));
        parts.push(Task::Lit(": "));
        parts.push(Task::Val(v));
    }
}

fn push_object<'a>(parts: &mut Vec<Task<'a>>, o: &'a Object) {
    parts.push(Task::Callable(&o.callable));
    parts.push(Task::Lit("("));
    push_seq(parts, &o.args);
    if let Some(kw) = o.kwargs.as_ref().filter(|kw| !kw.is_empty()) {
        if !o.args.is_empty() {
            parts.push(Task::Lit(", "));
        }
        if kw.iter().all(|(k, _)| matches!(k.resolve(), Value::Str(_))) {
            for (i, (k, v)) in kw.iter().enumerate() {
                if i > 0 {
                    parts.push(Task::Lit(", "));
                }
                if let Value::Str(name) = k.resolve() {
                    parts.push(Task::KwName(name));
                }
                parts.push(Task::Lit("="));
                parts.push(Task::Val(v));
            }
        } else {
            parts.push(Task::Lit("**{"));
            push_pairs(parts, kw.as_slice());
            parts.push(Task::Lit("}"));
        }
    }
    parts.push(Task::Lit(")"));
    for s in &o.state {
        parts.push(Task::Lit(".__setstate__("));
        parts.push(Task::Val(s));
        parts.push(Task::Lit(")"));
    }
    if !o.list_items.is_empty() {
        parts.push(Task::Lit(".extend(["));
        push_seq(parts, &o.list_items);
        parts.push(Task::Lit("])"));
    }
    if !o.dict_items.is_empty() {
        parts.push(Task::Lit(".update({"));
        push_pairs(parts, &o.dict_items);
        parts.push(Task::Lit("})"));
    }
    for e in &o.effects {
        parts.push(Task::Lit(" then "));
        parts.push(Task::Val(e));
    }
}

/// What Python prints for a container met again while printing itself.
fn recursion_marker(v: &Value) -> &'static str {
    match v.resolve() {
        Value::List(_) => "[...]",
        Value::Tuple(_) => "(...)",
        Value::Dict(_) => "{...}",
        Value::Set(_) => "set(...)",
        Value::FrozenSet(_) => "frozenset(...)",
        _ => "...",
    }
}

/// Print `v` as Python's `repr()`, iteratively (no recursion on depth).
fn write_repr<W: fmt::Write + ?Sized>(out: &mut W, v: &Value) -> fmt::Result {
    let mut stack = vec![Task::Val(v)];
    let mut path: HashSet<usize> = HashSet::new();
    let mut parts: Vec<Task<'_>> = Vec::new();
    while let Some(task) = stack.pop() {
        let v = match task {
            Task::Val(v) => v,
            Task::Lit(s) => {
                out.write_str(s)?;
                continue;
            }
            Task::KwName(s) => {
                out.write_str(s)?;
                continue;
            }
            Task::Leave(id) => {
                path.remove(&id);
                continue;
            }
            Task::Callable(c) => {
                match c.resolve() {
                    Value::Global(g) => write_qualname(out, g)?,
                    _ => stack.push(Task::Val(c)),
                }
                continue;
            }
        };
        match v {
            Value::None => out.write_str("None")?,
            Value::Bool(true) => out.write_str("True")?,
            Value::Bool(false) => out.write_str("False")?,
            Value::Int(i) => write!(out, "{i}")?,
            Value::BigInt(i) => out.write_str(&crate::codec::repr::bigint_repr(i))?,
            Value::Float(x) => write_float_repr(out, *x, true, false)?,
            Value::Complex(re, im) => write_complex_repr(out, *re, *im)?,
            Value::Str(s) => write_str_repr(out, s)?,
            Value::SurrogateStr(b) => write_code_points_repr(out, surrogatepass_code_points(b))?,
            Value::Bytes(b) => write_bytes_repr(out, b)?,
            Value::ByteArray(b) => {
                out.write_str("bytearray(")?;
                write_bytes_repr(out, b)?;
                out.write_char(')')?;
            }
            Value::Global(g) => {
                out.write_str("<class '")?;
                write_qualname(out, g)?;
                out.write_str("'>")?;
            }
            Value::Buffer { index, readonly } => {
                let ro = if *readonly { "readonly " } else { "" };
                write!(out, "<{ro}buffer {index}>")?;
            }
            Value::Shared(s) => {
                let id = s.id();
                if path.contains(&id) {
                    out.write_str(recursion_marker(s.get()))?;
                } else {
                    path.insert(id);
                    stack.push(Task::Leave(id));
                    stack.push(Task::Val(s.get()));
                }
            }
            Value::Set(items) if items.is_empty() => out.write_str("set()")?,
            Value::FrozenSet(items) if items.is_empty() => out.write_str("frozenset()")?,
            Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::Object(_)
            | Value::PersistentId(_) => {
                parts.clear();
                match v {
                    Value::List(items) => {
                        parts.push(Task::Lit("["));
                        push_seq(&mut parts, items);
                        parts.push(Task::Lit("]"));
                    }
                    Value::Tuple(items) => {
                        parts.push(Task::Lit("("));
                        push_seq(&mut parts, items);
                        parts.push(Task::Lit(if items.len() == 1 { ",)" } else { ")" }));
                    }
                    Value::Dict(d) => {
                        parts.push(Task::Lit("{"));
                        push_pairs(&mut parts, d.as_slice());
                        parts.push(Task::Lit("}"));
                    }
                    Value::Set(items) => {
                        parts.push(Task::Lit("{"));
                        push_seq(&mut parts, items);
                        parts.push(Task::Lit("}"));
                    }
                    Value::FrozenSet(items) => {
                        parts.push(Task::Lit("frozenset({"));
                        push_seq(&mut parts, items);
                        parts.push(Task::Lit("})"));
                    }
                    Value::Object(o) => push_object(&mut parts, o),
                    Value::PersistentId(pid) => {
                        parts.push(Task::Lit("<persistent id "));
                        parts.push(Task::Val(pid));
                        parts.push(Task::Lit(">"));
                    }
                    _ => {}
                }
                stack.extend(parts.drain(..).rev());
            }
        }
    }
    Ok(())
}

/// Python's `repr()` of the value.
///
/// Native values print exactly as CPython 3.11 prints the equal Python value
/// (see [`Value`] for the mapping); for the rest:
///
/// * a [`Value::Global`] prints like a class, `<class 'collections.OrderedDict'>`
///   (`builtins` left out: `<class 'int'>`), whether it names a class or a function;
/// * a [`Value::Object`] prints as the call that builds it, `datetime.date(b'\x07\xe4\x01\x02')`,
///   with keyword arguments as `name=value`, then `.__setstate__(state)` for each
///   state, `.extend([...])` for appended items and `.update({...})` for set items,
///   then ` then f(...)` for each call made for its effects ([`Object::effects`]);
///   the kind (`REDUCE`, `NEWOBJ`...) is not shown;
/// * a [`Value::Buffer`] prints `<buffer 0>` or `<readonly buffer 0>`;
/// * a [`Value::PersistentId`] prints `<persistent id 'the id'>`;
/// * a [`Value::Shared`] prints its content, or Python's recursion marker
///   (`[...]`, `{...}`, `(...)`, `set(...)`, `frozenset(...)`, else `...`) when
///   met again inside itself.
///
/// A value shared many times prints in full each time, as in Python.
///
/// ```
/// use serde_pickle::{pickle, Value};
/// let v = pickle!({"name": "Alice", "t": (1,), "x": 1e16, "b": b"\x00'"});
/// assert_eq!(v.to_string(), r#"{'name': 'Alice', 't': (1,), 'x': 1e+16, 'b': b"\x00'"}"#);
/// assert_eq!(Value::Float(0.1).to_string(), "0.1");
/// assert_eq!(Value::Complex(0.0, -1.0).to_string(), "-1j");
/// ```
impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_repr(f, self)
    }
}

/// Python's `repr()` of the dict, as for [`Value::Dict`].
///
/// ```
/// use serde_pickle::value::Dict;
/// let d: Dict = [("a", 1)].into_iter().collect();
/// assert_eq!(d.to_string(), "{'a': 1}");
/// ```
impl fmt::Display for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('{')?;
        for (i, (k, v)) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write_repr(f, k)?;
            f.write_str(": ")?;
            write_repr(f, v)?;
        }
        f.write_char('}')
    }
}

/// Shared state of one `{:?}` call: the shared nodes on the path, and
/// those already printed in full.
#[derive(Default)]
struct DebugCtx {
    path: RefCell<Vec<usize>>,
    /// Printing a node's content again at each reference would take time
    /// exponential in the size of the value (a 100-byte pickle can reference
    /// a list 10 times from each of 10 nested levels).
    printed: RefCell<HashSet<usize>>,
}

/// A value printed by `{:?}` at some depth.
struct Dbg<'a> {
    v: &'a Value,
    depth: usize,
    ctx: &'a DebugCtx,
}

impl<'a> Dbg<'a> {
    fn child(&self, v: &'a Value) -> Dbg<'a> {
        Dbg { v, depth: self.depth + 1, ctx: self.ctx }
    }
}

struct DbgSeq<'a>(&'a [Value], usize, &'a DebugCtx);

impl fmt::Debug for DbgSeq<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DbgSeq(items, depth, ctx) = *self;
        f.debug_list().entries(items.iter().map(|v| Dbg { v, depth, ctx })).finish()
    }
}

struct DbgPairs<'a>(&'a [(Value, Value)], usize, &'a DebugCtx, bool);

impl fmt::Debug for DbgPairs<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DbgPairs(pairs, depth, ctx, as_map) = *self;
        if as_map {
            let entries =
                pairs.iter().map(|(k, v)| (Dbg { v: k, depth, ctx }, Dbg { v, depth, ctx }));
            f.debug_map().entries(entries).finish()
        } else {
            let entries =
                pairs.iter().map(|(k, v)| (Dbg { v: k, depth, ctx }, Dbg { v, depth, ctx }));
            f.debug_list().entries(entries).finish()
        }
    }
}

struct DbgObject<'a>(&'a Object, usize, &'a DebugCtx);

impl fmt::Debug for DbgObject<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DbgObject(o, depth, ctx) = *self;
        let kwargs = o.kwargs.as_ref().map(|kw| DbgDict(kw, depth, ctx));
        let mut d = f.debug_struct("Object");
        d.field("kind", &o.kind)
            .field("callable", &Dbg { v: &o.callable, depth, ctx })
            .field("args", &DbgSeq(&o.args, depth, ctx))
            .field("kwargs", &kwargs)
            .field("state", &DbgSeq(&o.state, depth, ctx))
            .field("list_items", &DbgSeq(&o.list_items, depth, ctx))
            .field("dict_items", &DbgPairs(&o.dict_items, depth, ctx, false));
        if !o.effects.is_empty() {
            d.field("effects", &DbgSeq(&o.effects, depth, ctx));
        }
        d.finish()
    }
}

struct DbgDict<'a>(&'a Dict, usize, &'a DebugCtx);

impl fmt::Debug for DbgDict<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        DbgPairs(self.0.as_slice(), self.1, self.2, true).fmt(f)
    }
}

struct DbgShared<'a>(&'a Shared, usize, &'a DebugCtx);

impl fmt::Debug for DbgShared<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let DbgShared(s, depth, ctx) = *self;
        let id = s.id();
        if ctx.path.borrow().contains(&id) {
            return f.write_str("Shared(...)");
        }
        if ctx.printed.borrow().contains(&id) {
            return f.write_str("Shared(<as above>)");
        }
        if depth <= DEBUG_DEPTH_LIMIT {
            ctx.printed.borrow_mut().insert(id);
        }
        ctx.path.borrow_mut().push(id);
        let r = f.debug_tuple("Shared").field(&Dbg { v: s.get(), depth, ctx }).finish();
        ctx.path.borrow_mut().pop();
        r
    }
}

/// A Rust-style string literal, with surrogates as `\u{d800}`.
struct DbgSurrogates<'a>(&'a [u8]);

impl fmt::Debug for DbgSurrogates<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in surrogatepass_code_points(self.0) {
            match char::from_u32(c) {
                Some(ch) => write!(f, "{}", ch.escape_debug())?,
                None => write!(f, "\\u{{{c:x}}}")?,
            }
        }
        f.write_char('"')
    }
}

struct DbgBytes<'a>(&'a [u8]);

impl fmt::Debug for DbgBytes<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "b\"{}\"", self.0.escape_ascii())
    }
}

impl fmt::Debug for Dbg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.depth > DEBUG_DEPTH_LIMIT {
            return f.write_str("...");
        }
        let (d, ctx) = (self.depth + 1, self.ctx);
        match self.v {
            Value::None => f.write_str("None"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Int(i) => f.debug_tuple("Int").field(i).finish(),
            Value::BigInt(i) => {
                // Not num-bigint's Debug: decimal is quadratic in the size.
                f.write_str("BigInt(")?;
                f.write_str(&crate::codec::repr::bigint_repr(i))?;
                f.write_str(")")
            }
            Value::Float(x) => f.debug_tuple("Float").field(x).finish(),
            Value::Complex(re, im) => f.debug_tuple("Complex").field(re).field(im).finish(),
            Value::Str(s) => f.debug_tuple("Str").field(s).finish(),
            Value::SurrogateStr(b) => {
                f.debug_tuple("SurrogateStr").field(&DbgSurrogates(b)).finish()
            }
            Value::Bytes(b) => f.debug_tuple("Bytes").field(&DbgBytes(b)).finish(),
            Value::ByteArray(b) => f.debug_tuple("ByteArray").field(&DbgBytes(b)).finish(),
            Value::List(items) => f.debug_tuple("List").field(&DbgSeq(items, d, ctx)).finish(),
            Value::Tuple(items) => f.debug_tuple("Tuple").field(&DbgSeq(items, d, ctx)).finish(),
            Value::Dict(dict) => f.debug_tuple("Dict").field(&DbgDict(dict, d, ctx)).finish(),
            Value::Set(items) => f.debug_tuple("Set").field(&DbgSeq(items, d, ctx)).finish(),
            Value::FrozenSet(items) => {
                f.debug_tuple("FrozenSet").field(&DbgSeq(items, d, ctx)).finish()
            }
            Value::Global(g) => f.debug_tuple("Global").field(g).finish(),
            Value::Object(o) => f.debug_tuple("Object").field(&DbgObject(o, d, ctx)).finish(),
            Value::Buffer { index, readonly } => {
                f.debug_struct("Buffer").field("index", index).field("readonly", readonly).finish()
            }
            Value::PersistentId(p) => f.debug_tuple("PersistentId").field(&self.child(p)).finish(),
            Value::Shared(s) => DbgShared(s, self.depth, ctx).fmt(f),
        }
    }
}

/// A Rust-style view of the structure, like a derived `Debug`: `Int(1)`,
/// `Str("a")`, `List([Int(1)])`, `Dict({Str("k"): None})`; bytes print as
/// byte strings (`Bytes(b"\x00a")`). Below 128 levels (`DEBUG_DEPTH_LIMIT`) it
/// prints `...`; a shared node met inside itself prints `Shared(...)`, and
/// one already printed prints `Shared(<as above>)` (so printing takes time
/// linear in the size of the value, however often its parts are shared).
///
/// ```
/// use serde_pickle::{pickle, Value};
/// assert_eq!(format!("{:?}", pickle!([1, "a", None])), r#"List([Int(1), Str("a"), None])"#);
/// assert_eq!(format!("{:?}", Value::bytes(&b"\x00a"[..])), r#"Bytes(b"\x00a")"#);
/// ```
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = DebugCtx::default();
        Dbg { v: self, depth: 0, ctx: &ctx }.fmt(f)
    }
}

/// Like a derived `Debug`: the entries as a map, `{Str("a"): Int(1)}`.
///
/// ```
/// use serde_pickle::value::Dict;
/// let d: Dict = [("a", 1)].into_iter().collect();
/// assert_eq!(format!("{d:?}"), r#"{Str("a"): Int(1)}"#);
/// ```
impl fmt::Debug for Dict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = DebugCtx::default();
        DbgDict(self, 0, &ctx).fmt(f)
    }
}

/// Like a derived `Debug`, listing every field.
///
/// ```
/// use serde_pickle::value::{Global, Object, ObjectKind, Value};
/// let o = Object::new(ObjectKind::Reduce, Value::from(Global::new("m", "f")), vec![]);
/// assert!(format!("{o:?}").starts_with("Object { kind: Reduce, callable: Global("));
/// ```
impl fmt::Debug for Object {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = DebugCtx::default();
        DbgObject(self, 0, &ctx).fmt(f)
    }
}

/// `Shared(content)`, or `Shared(...)` for the node met again inside itself
/// (and `Shared(<as above>)` for a node referenced again after it was printed).
///
/// ```
/// use serde_pickle::value::{Shared, Value};
/// assert_eq!(format!("{:?}", Shared::new(Value::Int(1))), "Shared(Int(1))");
/// ```
impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ctx = DebugCtx::default();
        DbgShared(self, 0, &ctx).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::ObjectKind;

    #[test]
    fn debug_prints_the_rust_structure() {
        let o = Object::new(ObjectKind::NewObj, Value::from(Global::new("m", "C")), vec![]);
        let cases: Vec<(Value, &str)> = vec![
            (Value::Int(1), "Int(1)"),
            (Value::Str("a".into()), r#"Str("a")"#),
            (Value::Complex(1.0, -0.5), "Complex(1.0, -0.5)"),
            (Value::SurrogateStr(b"a\xed\xa0\x80".to_vec()), r#"SurrogateStr("a\u{d800}")"#),
            (Value::Dict([(1, None::<i32>)].into_iter().collect()), "Dict({Int(1): None})"),
            (Value::Buffer { index: 1, readonly: false }, "Buffer { index: 1, readonly: false }"),
            (
                Value::Object(Box::new(o)),
                "Object(Object { kind: NewObj, callable: Global(Global { module: \"m\", name: \"C\" }), \
                 args: [], kwargs: None, state: [], list_items: [], dict_items: [] })",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(format!("{v:?}"), want);
        }
    }

    #[test]
    fn debug_prints_a_shared_node_once() {
        let s = Shared::new(Value::List(vec![Value::Int(1)]));
        let v = Value::List(vec![Value::Shared(s.clone()), Value::Shared(s)]);
        assert_eq!(format!("{v:?}"), "List([Shared(List([Int(1)])), Shared(<as above>)])");
        // 40 levels, each referencing the one below twice: 2^40 paths.
        let mut v = Value::None;
        for _ in 0..40 {
            let s = Shared::new(v);
            v = Value::List(vec![Value::Shared(s.clone()), Value::Shared(s)]);
        }
        assert!(format!("{v:?}").len() < 2000);
    }

    #[test]
    fn debug_of_a_cycle_stops_at_the_repeated_node() {
        let s = Shared::empty();
        let _ = s.set(Value::List(vec![Value::Shared(s.clone())]));
        assert_eq!(format!("{:?}", Value::Shared(s)), "Shared(List([Shared(...)]))");
    }

    #[test]
    fn objects_buffers_and_persistent_ids_have_readable_forms() {
        let mut o = Object::new(
            ObjectKind::Reduce,
            Value::from(Global::new("collections", "OrderedDict")),
            vec![],
        );
        o.dict_items = vec![(Value::from("a"), Value::Int(1))];
        o.state = vec![Value::None];
        let mut kw =
            Object::new(ObjectKind::NewObjEx, Value::from(Global::new("m", "C")), vec![1.into()]);
        kw.kwargs = Some([("x", 2)].into_iter().collect());
        kw.list_items = vec![3.into()];
        let cases: Vec<(Value, &str)> = vec![
            (
                Value::Object(Box::new(o)),
                "collections.OrderedDict().__setstate__(None).update({'a': 1})",
            ),
            (Value::Object(Box::new(kw)), "m.C(1, x=2).extend([3])"),
            (Value::Buffer { index: 0, readonly: true }, "<readonly buffer 0>"),
            (Value::Buffer { index: 3, readonly: false }, "<buffer 3>"),
            (Value::PersistentId(Box::new(Value::from("k"))), "<persistent id 'k'>"),
        ];
        for (v, want) in cases {
            assert_eq!(v.to_string(), want);
        }
    }
}
