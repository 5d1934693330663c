//! Globals the VM turns into native nodes instead of opaque calls — by name
//! only, never by importing: `set`, `frozenset`, `bytearray`, `bytes`,
//! `complex`, `_codecs.encode` (how protocols < 3 spell bytes), and
//! `copyreg._reconstructor` / `copyreg.__newobj__` (how class instances are
//! created). Also the Python 2 → 3 renames, and importing a [`Value`] returned
//! by a persistent-id hook into the arena.

use std::borrow::Cow;
use std::collections::HashMap;

use super::arena::{Node, NodeId, Seq, Text, NIL};
use super::machine::Machine;
use crate::error::{Error, Result};
use crate::options::{DeOptions, Py2Strings};
use crate::read::Span;
use crate::value::{ObjectKind, Value};

/// CPython's `find_class` renames for protocol < 3 (`fix_imports=True`).
pub(crate) fn py2_to_py3<'a>(module: &'a str, name: &'a str) -> (Cow<'a, str>, Cow<'a, str>) {
    match crate::codec::py2_renames::py2_to_py3(module, name) {
        Some((m, n)) => (Cow::Borrowed(m), Cow::Borrowed(n)),
        None => (Cow::Borrowed(module), Cow::Borrowed(name)),
    }
}

fn text<'a>(m: &'a Machine, input: &'a [u8], span: Span) -> &'a [u8] {
    m.arena.bytes(input, span)
}

fn global_name<'a>(m: &'a Machine, input: &'a [u8], id: NodeId) -> Option<(&'a [u8], &'a [u8])> {
    match m.arena.node(id) {
        Node::Global(g) => {
            let g = m.arena.globals[g as usize];
            Some((text(m, input, g.module), text(m, input, g.name)))
        }
        _ => None,
    }
}

fn items(m: &Machine, seq_node: NodeId) -> Vec<NodeId> {
    match m.arena.node(seq_node) {
        Node::Tuple(s) | Node::List(s) | Node::Set(s) | Node::FrozenSet(s) => {
            m.arena.iter(s).collect()
        }
        _ => Vec::new(),
    }
}

/// Latin-1 encode a str node into scratch; `None` if a code point is above U+00FF.
fn latin1(m: &mut Machine, input: &[u8], id: NodeId) -> Option<Span> {
    let Node::Str(span, Text::Utf8) = m.arena.node(id) else { return None };
    let s = std::str::from_utf8(m.arena.bytes(input, span)).ok()?;
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        out.push(u8::try_from(c as u32).ok()?);
    }
    let start = m.arena.scratch.len();
    m.arena.scratch.extend_from_slice(&out);
    Some(Span::scratch(start, out.len()))
}

/// Whether `id` is a str equal to one of `options`; a Python 2 str counts
/// when `py2_str` (Python 2 pickles a bytearray as `bytearray(u'...',
/// 'latin-1')` with a Python 2 str for the encoding).
fn is_str(m: &Machine, input: &[u8], id: NodeId, options: &[&str], py2_str: bool) -> bool {
    match m.arena.node(id) {
        Node::Str(span, _) => options.iter().any(|o| m.arena.bytes(input, span) == o.as_bytes()),
        Node::Py2Str(span) if py2_str => {
            options.iter().any(|o| m.arena.bytes(input, span) == o.as_bytes())
        }
        _ => false,
    }
}

fn number(m: &Machine, id: NodeId) -> Option<f64> {
    match m.arena.node(id) {
        Node::Float(f) => Some(f),
        Node::Int(i) => Some(i as f64),
        Node::Bool(b) => Some(b as u8 as f64),
        _ => None,
    }
}

/// A REDUCE of a known global, as a native node; `None` to keep it as an object.
pub(crate) fn reduce(
    m: &mut Machine,
    input: &[u8],
    callable: NodeId,
    args: NodeId,
    opts: &DeOptions,
) -> Result<Option<Node>> {
    let Some((module, name)) = global_name(m, input, callable) else { return Ok(None) };
    let (module, name) = (module.to_vec(), name.to_vec());
    let a = items(m, args);
    let node = match (module.as_slice(), name.as_slice(), a.as_slice()) {
        (b"builtins", b"set", []) => Node::Set(Seq::EMPTY),
        (b"builtins", b"frozenset", []) => Node::FrozenSet(Seq::EMPTY),
        (b"builtins", b"set" | b"frozenset", [src]) => {
            if !matches!(
                m.arena.node(*src),
                Node::List(_) | Node::Tuple(_) | Node::Set(_) | Node::FrozenSet(_)
            ) {
                return Ok(None);
            }
            let children = items(m, *src);
            m.check_hashable(&children)?;
            let seq = m.arena.seq_of(&children);
            if name == b"set" {
                Node::Set(seq)
            } else {
                Node::FrozenSet(seq)
            }
        }
        (b"builtins", b"bytearray", []) => Node::ByteArray(Span::scratch(0, 0)),
        (b"builtins", b"bytes", []) => Node::Bytes(Span::scratch(0, 0)),
        (b"builtins", b"bytearray" | b"bytes", [src]) => match m.arena.node(*src) {
            Node::Bytes(s) | Node::ByteArray(s) if name == b"bytearray" => Node::ByteArray(s),
            Node::Bytes(s) | Node::ByteArray(s) => Node::Bytes(s),
            _ => return Ok(None),
        },
        // Python 2's own bytearray pickle names its encoding with a Python 2
        // str: rebuilt whatever Py2Strings says (even where CPython 3, with
        // encoding='bytes', fails on it), as it can only mean Latin-1.
        (b"builtins", b"bytearray", [s, enc])
            if is_str(m, input, *enc, &["latin-1", "latin1"], true) =>
        {
            match latin1(m, input, *s) {
                Some(span) => Node::ByteArray(span),
                None => return Ok(None),
            }
        }
        (b"_codecs", b"encode", [s, enc])
            if is_str(
                m,
                input,
                *enc,
                &["latin1", "latin-1"],
                opts.py2_strings != Py2Strings::Bytes,
            ) =>
        {
            match latin1(m, input, *s) {
                Some(span) => Node::Bytes(span),
                None => return Ok(None),
            }
        }
        (b"builtins", b"complex", args @ ([_] | [_, _])) => {
            let re = number(m, args[0]);
            let im = if args.len() == 2 { number(m, args[1]) } else { Some(0.0) };
            match (re, im) {
                (Some(re), Some(im)) => Node::Complex(re, im),
                _ => return Ok(None),
            }
        }
        // Only a class can be instantiated: with plain data for `cls` the
        // call fails in CPython, and it stays the REDUCE it is (as an
        // object it would be a NEWOBJ of plain data, which does not read).
        (b"copyreg", b"_reconstructor" | b"__newobj__", [cls, ..]) if !may_be_class(m, *cls) => {
            return Ok(None)
        }
        (b"copyreg", b"_reconstructor", [cls, base, state]) => {
            let plain = matches!(global_name(m, input, *base), Some((b"builtins", b"object")))
                && matches!(m.arena.node(*state), Node::None);
            if !plain {
                return Ok(None);
            }
            // Kept as the call it is (not NEWOBJ): `object.__new__(cls)`
            // also makes classes whose `__new__` wants arguments.
            let empty = m.arena.nodes.len() as NodeId;
            m.arena.nodes.push(Node::Tuple(Seq::EMPTY));
            new_object(m, ObjectKind::Reconstructor, *cls, empty)
        }
        (b"copyreg", b"__newobj__", [cls, rest @ ..]) => {
            let rest = rest.to_vec();
            let seq = m.arena.seq_of(&rest);
            let args = m.arena.nodes.len() as NodeId;
            m.arena.nodes.push(Node::Tuple(seq));
            new_object(m, ObjectKind::NewObj, *cls, args)
        }
        _ => return Ok(None),
    };
    Ok(Some(node))
}

/// What the VM accepts as the class of NEWOBJ (see `Machine::check_callable`).
fn may_be_class(m: &Machine, id: NodeId) -> bool {
    matches!(m.arena.node(id), Node::Global(_) | Node::Object(_) | Node::PersId(_))
}

fn new_object(m: &mut Machine, kind: ObjectKind, cls: NodeId, args: NodeId) -> Node {
    m.arena.objects.push(super::arena::ObjNode {
        kind,
        callable: cls,
        args,
        kwargs: NIL,
        state: Seq::EMPTY,
        list_items: Seq::EMPTY,
        dict_items: Seq::EMPTY,
    });
    Node::Object(m.arena.objects.len() as u32 - 1)
}

/// Bring a [`Value`] (from a persistent-id hook) into the arena.
pub(crate) fn import_value(m: &mut Machine, value: &Value, opts: &DeOptions) -> Result<NodeId> {
    let mut shared = HashMap::new();
    import(m, value, opts, &mut shared, 0)
}

fn scratch_span(m: &mut Machine, bytes: &[u8]) -> Span {
    let start = m.arena.scratch.len();
    m.arena.scratch.extend_from_slice(bytes);
    Span::scratch(start, bytes.len())
}

fn import(
    m: &mut Machine,
    value: &Value,
    opts: &DeOptions,
    shared: &mut HashMap<usize, NodeId>,
    depth: usize,
) -> Result<NodeId> {
    if depth > opts.max_depth {
        return Err(Error::limit_exceeded(
            "max_depth",
            opts.max_depth,
            "a persistent_load result nested deeper",
        ));
    }
    let children =
        |m: &mut Machine, vs: &[Value], shared: &mut HashMap<usize, NodeId>| -> Result<Seq> {
            let mut ids = Vec::with_capacity(vs.len());
            for v in vs {
                ids.push(import(m, v, opts, shared, depth + 1)?);
            }
            Ok(m.arena.seq_of(&ids))
        };
    let node = match value {
        Value::None => Node::None,
        Value::Bool(b) => Node::Bool(*b),
        Value::Int(i) => Node::Int(*i),
        Value::BigInt(b) => {
            m.arena.bigints.push(b.clone());
            Node::BigInt(m.arena.bigints.len() as u32 - 1)
        }
        Value::Float(f) => Node::Float(*f),
        Value::Complex(re, im) => Node::Complex(*re, *im),
        Value::Str(s) => Node::Str(scratch_span(m, s.as_bytes()), Text::Utf8),
        Value::SurrogateStr(b) => Node::Str(scratch_span(m, b), Text::Surrogates),
        Value::Bytes(b) => Node::Bytes(scratch_span(m, b)),
        Value::ByteArray(b) => Node::ByteArray(scratch_span(m, b)),
        Value::List(vs) => Node::List(children(m, vs, shared)?),
        Value::Tuple(vs) => Node::Tuple(children(m, vs, shared)?),
        Value::Set(vs) => Node::Set(children(m, vs, shared)?),
        Value::FrozenSet(vs) => Node::FrozenSet(children(m, vs, shared)?),
        Value::Dict(d) => {
            let flat: Vec<Value> = d.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect();
            Node::Dict(children(m, &flat, shared)?)
        }
        Value::Global(g) => {
            let module = scratch_span(m, g.module.as_bytes());
            let name = scratch_span(m, g.name.as_bytes());
            m.arena.globals.push(super::arena::GlobalRef { module, name });
            Node::Global(m.arena.globals.len() as u32 - 1)
        }
        Value::Object(o) => {
            let callable = import(m, &o.callable, opts, shared, depth + 1)?;
            let seq = children(m, &o.args, shared)?;
            let args = m.add_node(Node::Tuple(seq), opts)?;
            let kwargs = match &o.kwargs {
                Some(d) => import(m, &Value::Dict(d.clone()), opts, shared, depth + 1)?,
                None => NIL,
            };
            let node = new_object(m, o.kind, callable, args);
            let idx = m.arena.objects.len() - 1;
            let state = children(m, &o.state, shared)?;
            let list_items = children(m, &o.list_items, shared)?;
            let flat: Vec<Value> =
                o.dict_items.iter().flat_map(|(k, v)| [k.clone(), v.clone()]).collect();
            let dict_items = children(m, &flat, shared)?;
            let obj = &mut m.arena.objects[idx];
            obj.kwargs = kwargs;
            obj.state = state;
            obj.list_items = list_items;
            obj.dict_items = dict_items;
            if !o.effects.is_empty() {
                let effects = children(m, &o.effects, shared)?;
                m.arena.effects.insert(idx as u32, effects);
            }
            node
        }
        Value::Buffer { index, readonly } => {
            Node::Buffer { index: *index as u32, readonly: *readonly }
        }
        Value::PersistentId(v) => Node::PersId(import(m, v, opts, shared, depth + 1)?),
        Value::Shared(s) => {
            if let Some(&id) = shared.get(&s.id()) {
                return Ok(id);
            }
            // Reserve the id first so that a cycle back to this node resolves.
            let id = m.add_node(Node::None, opts)?;
            // Shared in the arena too: a later persistent id holding this
            // result (an echoing hook, DUP) must not see a tree copy, which
            // doubles at each BINPERSID.
            m.mark_shared(id);
            shared.insert(s.id(), id);
            let inner = import(m, s.get(), opts, shared, depth + 1)?;
            let node = m.arena.node(inner);
            m.arena.nodes[id as usize] = node;
            return Ok(id);
        }
    };
    m.add_node(node, opts)
}

/// Python 2 pickles a `datetime.date`/`datetime`/`time` with its state as a
/// Python 2 str, which CPython 3 (reading it with `encoding='latin1'` or
/// `'bytes'`) turns into the bytes its constructor takes. Do the same, so the
/// value is what a Python 3 pickle of it holds and writes back as bytes
/// (`_codecs.encode(...)` below protocol 3), which Python 2.7 loads too.
/// Returns the args to keep (new ones when rewritten).
pub(crate) fn py2_datetime_args(
    m: &mut Machine,
    input: &[u8],
    callable: NodeId,
    args: NodeId,
    opts: &DeOptions,
) -> Result<NodeId> {
    let Some((b"datetime", name)) = global_name(m, input, callable) else { return Ok(args) };
    let size = match name {
        b"date" => 4,
        b"time" => 6,
        b"datetime" => 10,
        _ => return Ok(args),
    };
    let a = items(m, args);
    let Some((&state, rest)) = a.split_first() else { return Ok(args) };
    let Node::Py2Str(span) = m.arena.node(state) else { return Ok(args) };
    let bytes = m.arena.bytes(input, span);
    if rest.len() > 1
        || bytes.len() != size
        || (opts.py2_strings == Py2Strings::Ascii && !bytes.is_ascii())
    {
        return Ok(args);
    }
    let state = m.add_node(Node::Bytes(span), opts)?;
    let mut new = vec![state];
    new.extend_from_slice(rest);
    let seq = m.arena.seq_of(&new);
    m.add_node(Node::Tuple(seq), opts)
}
