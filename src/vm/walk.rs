//! Turning the arena into a [`Value`]: nodes the pickle references from more
//! than one place become [`Value::Shared`] (so sharing and cycles survive), the
//! rest become plain owned values. Recursion is bounded by the depth limit.

use std::collections::HashMap;

use super::arena::{Arena, Node, NodeId, Seq, Text, NIL};
use crate::error::{Error, ErrorCode, Result};
use crate::options::{DeOptions, Py2Strings};
use crate::value::{Dict, Global, Object, Shared, Value};

/// Convert the graph reachable from `root` into a `Value`.
pub(crate) fn to_value(arena: &Arena, input: &[u8], gotten: &[bool], root: NodeId, opts: &DeOptions) -> Result<Value> {
    let refs = count_refs(arena, gotten, root);
    let mut b = Builder { arena, input, opts, refs, shared: HashMap::new() };
    b.build(root, 0)
}

/// The children of a node, in order (for objects: callable, args, kwargs, states, items).
pub(crate) fn for_each_child(arena: &Arena, id: NodeId, mut f: impl FnMut(NodeId)) {
    let seq = |f: &mut dyn FnMut(NodeId), s: Seq| arena.iter(s).for_each(f);
    match arena.node(id) {
        Node::List(s) | Node::Tuple(s) | Node::Dict(s) | Node::Set(s) | Node::FrozenSet(s) => seq(&mut f, s),
        Node::Object(o) => {
            let o = arena.objects[o as usize];
            f(o.callable);
            f(o.args);
            if o.kwargs != NIL {
                f(o.kwargs);
            }
            seq(&mut f, o.state);
            seq(&mut f, o.list_items);
            seq(&mut f, o.dict_items);
        }
        Node::PersId(p) => f(p),
        _ => {}
    }
}

/// In-graph reference counts, only for nodes a memo GET pushed (the only ones
/// that can be shared). Iterative: any depth.
fn count_refs(arena: &Arena, gotten: &[bool], root: NodeId) -> HashMap<NodeId, u32> {
    let mut refs: HashMap<NodeId, u32> = HashMap::new();
    let mut seen = vec![false; arena.nodes.len()];
    let mut work = vec![root];
    seen[root as usize] = true;
    let is_gotten = |id: NodeId| gotten.get(id as usize).copied().unwrap_or(false);
    if is_gotten(root) {
        refs.insert(root, 1);
    }
    while let Some(id) = work.pop() {
        for_each_child(arena, id, |c| {
            if is_gotten(c) {
                *refs.entry(c).or_insert(0) += 1;
            }
            if !seen[c as usize] {
                seen[c as usize] = true;
                work.push(c);
            }
        });
    }
    refs
}

struct Builder<'a> {
    arena: &'a Arena,
    input: &'a [u8],
    opts: &'a DeOptions,
    refs: HashMap<NodeId, u32>,
    shared: HashMap<NodeId, Shared>,
}

impl Builder<'_> {
    fn build(&mut self, id: NodeId, depth: usize) -> Result<Value> {
        if depth > self.opts.max_depth {
            return Err(Error::limit(format!("nesting deeper than the depth limit of {}", self.opts.max_depth)));
        }
        if self.refs.get(&id).is_some_and(|&n| n > 1) {
            if let Some(s) = self.shared.get(&id) {
                return Ok(Value::Shared(s.clone()));
            }
            let s = Shared::empty();
            self.shared.insert(id, s.clone());
            let v = self.plain(id, depth)?;
            let _ = s.set(v);
            return Ok(Value::Shared(s));
        }
        self.plain(id, depth)
    }

    fn seq(&mut self, s: Seq, depth: usize) -> Result<Vec<Value>> {
        let mut out = Vec::with_capacity(s.len as usize);
        for c in self.arena.iter(s) {
            out.push(self.build(c, depth + 1)?);
        }
        Ok(out)
    }

    fn pairs(&mut self, s: Seq, depth: usize) -> Result<Vec<(Value, Value)>> {
        let mut flat = self.seq(s, depth)?.into_iter();
        let mut out = Vec::with_capacity(s.len as usize / 2);
        while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
            out.push((k, v));
        }
        Ok(out)
    }

    fn text(&self, span: crate::read::Span) -> &[u8] {
        self.arena.bytes(self.input, span)
    }

    fn plain(&mut self, id: NodeId, depth: usize) -> Result<Value> {
        Ok(match self.arena.node(id) {
            Node::None => Value::None,
            Node::Bool(b) => Value::Bool(b),
            Node::Int(i) => Value::Int(i),
            Node::BigInt(i) => Value::BigInt(self.arena.bigints[i as usize].clone()),
            Node::Float(f) => Value::Float(f),
            Node::Complex(re, im) => Value::Complex(re, im),
            Node::Str(span, Text::Utf8) => Value::Str(utf8(self.text(span))?.to_owned()),
            Node::Str(span, Text::Surrogates) => Value::SurrogateStr(self.text(span).to_vec()),
            Node::Py2Str(span) => py2_value(self.text(span), self.opts.py2_strings)?,
            Node::Bytes(span) => Value::Bytes(self.text(span).to_vec()),
            Node::ByteArray(span) => Value::ByteArray(self.text(span).to_vec()),
            Node::List(s) => Value::List(self.seq(s, depth)?),
            Node::Tuple(s) => Value::Tuple(self.seq(s, depth)?),
            Node::Set(s) => Value::Set(self.seq(s, depth)?),
            Node::FrozenSet(s) => Value::FrozenSet(self.seq(s, depth)?),
            Node::Dict(s) => Value::Dict(Dict::from_pairs(self.pairs(s, depth)?)),
            Node::Global(g) => {
                let g = self.arena.globals[g as usize];
                Value::Global(Global::new(utf8(self.text(g.module))?, utf8(self.text(g.name))?))
            }
            Node::Object(o) => {
                let o = self.arena.objects[o as usize];
                let callable = self.build(o.callable, depth + 1)?;
                let args = match self.arena.node(o.args) {
                    Node::Tuple(s) => self.seq(s, depth + 1)?,
                    _ => Vec::new(),
                };
                let kwargs = match (o.kwargs != NIL).then(|| self.arena.node(o.kwargs)) {
                    Some(Node::Dict(s)) => Some(Dict::from_pairs(self.pairs(s, depth + 1)?)),
                    _ => None,
                };
                let mut obj = Object::new(o.kind, callable, args);
                obj.kwargs = kwargs;
                obj.state = self.seq(o.state, depth)?;
                obj.list_items = self.seq(o.list_items, depth)?;
                obj.dict_items = self.pairs(o.dict_items, depth)?;
                Value::Object(Box::new(obj))
            }
            Node::Buffer { index, readonly } => Value::Buffer { index: index as usize, readonly },
            Node::PersId(p) => Value::PersistentId(Box::new(self.build(p, depth + 1)?)),
        })
    }
}

pub(crate) fn utf8(bytes: &[u8]) -> Result<&str> {
    std::str::from_utf8(bytes).map_err(|_| surrogate_error())
}

pub(crate) fn surrogate_error() -> Error {
    Error::new(ErrorCode::Message(
        "str contains lone surrogates (CPython's surrogatepass), which a Rust String cannot hold".into(),
    ))
}

/// A Python 2 `str` as the configured encoding reads it.
pub(crate) fn py2_value(bytes: &[u8], mode: Py2Strings) -> Result<Value> {
    match mode {
        Py2Strings::Bytes => Ok(Value::Bytes(bytes.to_vec())),
        Py2Strings::Ascii => {
            if bytes.is_ascii() {
                Ok(Value::Str(String::from_utf8_lossy(bytes).into_owned()))
            } else {
                Err(Error::message("Python 2 str is not ASCII (read with Py2Strings::Latin1 or Bytes)"))
            }
        }
        Py2Strings::Latin1 => Ok(Value::Str(bytes.iter().map(|&b| b as char).collect())),
    }
}
