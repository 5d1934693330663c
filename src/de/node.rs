//! The VM's arena as a [`Tree`] for the serde layer (`view.rs`). Strings and
//! bytes that lie in the input are lent to the visitor
//! (`visit_borrowed_str`); nothing is allocated per node. Depth, cycles and
//! the expansion of shared nodes are bounded here, since this is the part
//! that recurses.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use num_bigint::BigInt;
use serde::de::{self, Visitor};

use super::pytypes;
use super::view::{utf8, view_deserializer, Kind, Tree, View};
use crate::error::{Error, ErrorCode, Result};
use crate::options::{DeOptions, Py2Strings};
use crate::py::numpy::de::How;
use crate::read::Span;
use crate::value::Value;
use crate::vm::arena::{Arena, Node, NodeId, Seq, SeqIter, Text};
use crate::vm::walk::expansion_error;
use crate::vm::Machine;

/// Everything the walk shares: the arena, the input, the limits.
pub(crate) struct Ctx<'a, 'de> {
    pub arena: &'a Arena,
    pub input: &'de [u8],
    pub gotten: &'a [bool],
    pub opts: &'a DeOptions,
    /// Nodes left to visit before the expansion budget is exhausted.
    budget: Cell<u64>,
    /// Payload bytes (str, bytes) still allowed to be visited, every
    /// reference counted (see [`DeOptions::max_expansion`]).
    payload_left: Cell<u64>,
    /// What the payload budget is relative to: the input, or the pickle read from a reader.
    pub pickle_len: usize,
    /// Shared nodes on the current path (a repeat is a cycle).
    path: RefCell<HashSet<NodeId>>,
}

impl<'a, 'de> Ctx<'a, 'de> {
    pub(crate) fn new(machine: &'a Machine, input: &'de [u8], opts: &'a DeOptions) -> Self {
        // Without sharing every node is visited once; shared data may be
        // visited more, up to a budget relative to the pickle's size (like
        // serde_yaml's repetition limit), so a "billion laughs" fails fast.
        // Containers and payload bytes are counted apart: a list repeated a
        // million times and a megabyte string repeated a thousand times are
        // both bombs.
        let budget = opts.visit_budget(machine.arena.nodes.len());
        // Relative to the pickle: a reader's input is not at hand (empty).
        let pickle_len = input.len().max(machine.pickle_len as usize);
        let payload_left = Cell::new(opts.payload_budget(pickle_len));
        Ctx {
            arena: &machine.arena,
            input,
            gotten: &machine.gotten,
            opts,
            budget: Cell::new(budget),
            pickle_len,
            payload_left,
            path: RefCell::new(HashSet::new()),
        }
    }

    /// The bytes of a span; `Ok` with a borrowed slice when it lies in the input.
    #[inline]
    pub(crate) fn span(&self, span: Span) -> Bytes<'a, 'de> {
        if let Some(i) = span.buffer_index() {
            return Bytes::Scratch(self.arena.buffer(i));
        }
        match span.range() {
            (true, r) => Bytes::Input(&self.input[r]),
            (false, r) => Bytes::Scratch(&self.arena.scratch[r]),
        }
    }

    /// The bytes of a str or bytes about to be handed to a visitor, charged
    /// to the payload budget. (The fast path charges the same visits.)
    #[inline]
    pub(crate) fn payload(&self, span: Span) -> Result<Bytes<'a, 'de>> {
        let b = self.span(span);
        let n = match &b {
            Bytes::Input(b) => b.len(),
            Bytes::Scratch(b) => b.len(),
        };
        self.charge(n)?;
        Ok(b)
    }

    /// Account for `n` payload bytes visited.
    pub(crate) fn charge(&self, n: usize) -> Result<()> {
        match self.payload_left.get().checked_sub(n as u64) {
            Some(left) => {
                self.payload_left.set(left);
                Ok(())
            }
            None => Err(expansion_error(self.opts)),
        }
    }
}

/// Bytes lent from the input (`'de`) or from the scratch buffer (`'a`).
pub(crate) enum Bytes<'a, 'de> {
    Input(&'de [u8]),
    Scratch(&'a [u8]),
}

/// Removes a shared node from the current path when its visit ends.
pub(crate) struct PathGuard<'c, 'a, 'de> {
    ctx: &'c Ctx<'a, 'de>,
    id: Option<NodeId>,
}

impl Drop for PathGuard<'_, '_, '_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.ctx.path.borrow_mut().remove(&id);
        }
    }
}

/// Deserializes one node.
#[derive(Clone, Copy)]
pub(crate) struct NodeDe<'c, 'a, 'de> {
    pub ctx: &'c Ctx<'a, 'de>,
    pub id: NodeId,
    pub depth: usize,
}

impl<'c, 'a, 'de> NodeDe<'c, 'a, 'de> {
    pub(crate) fn new(ctx: &'c Ctx<'a, 'de>, id: NodeId, depth: usize) -> Self {
        NodeDe { ctx, id, depth }
    }

    #[inline]
    pub(crate) fn node(&self) -> Node {
        self.ctx.arena.node(self.id)
    }

    fn visit_text<V: Visitor<'de>>(&self, span: Span, text: Text, visitor: V) -> Result<V::Value> {
        if text == Text::Surrogates {
            return Err(crate::vm::walk::surrogate_error());
        }
        match self.ctx.payload(span)? {
            Bytes::Input(b) => visitor.visit_borrowed_str(utf8(b)?),
            Bytes::Scratch(b) => visitor.visit_str(utf8(b)?),
        }
    }

    fn visit_py2<V: Visitor<'de>>(&self, span: Span, visitor: V) -> Result<V::Value> {
        let bytes = self.ctx.payload(span)?;
        let raw = match &bytes {
            Bytes::Input(b) => *b,
            Bytes::Scratch(b) => *b,
        };
        match self.ctx.opts.py2_strings {
            Py2Strings::Bytes => match bytes {
                Bytes::Input(b) => visitor.visit_borrowed_bytes(b),
                Bytes::Scratch(b) => visitor.visit_bytes(b),
            },
            _ if raw.is_ascii() => match bytes {
                Bytes::Input(b) => visitor.visit_borrowed_str(utf8(b)?),
                Bytes::Scratch(b) => visitor.visit_str(utf8(b)?),
            },
            Py2Strings::Latin1 => visitor.visit_string(raw.iter().map(|&b| b as char).collect()),
            _ => Err(Error::message(
                "Python 2 str is not ASCII (read with Py2Strings::Latin1 or Bytes)",
            )),
        }
    }
}

impl<'c, 'a, 'de> Tree for NodeDe<'c, 'a, 'de> {
    type Child = NodeId;
    type Seq = Seq;
    /// Alternating keys and values.
    type Map = Seq;
    /// The text, or `None` for a Python 2 str.
    type Str = (Span, Option<Text>);
    type Bytes = Span;
    type Big = u32;
    type Global = u32;
    type Obj = u32;
    type Items = SeqIter<'a>;
    type Pairs = Pairs<'a>;
    type Entered = PathGuard<'c, 'a, 'de>;
    type Held = ();
    const NO_MAP: Seq = Seq::EMPTY;

    #[inline]
    fn child(&self, id: NodeId) -> Self {
        NodeDe { ctx: self.ctx, id, depth: self.depth + 1 }
    }

    fn enter(&self) -> Result<PathGuard<'c, 'a, 'de>> {
        if self.depth >= self.ctx.opts.max_depth {
            return Err(crate::vm::walk::depth_error(self.ctx.opts));
        }
        let left = self.ctx.budget.get();
        if left == 0 {
            return Err(Error::limit_exceeded(
                "max_expansion",
                self.ctx.opts.max_expansion,
                "shared references expand to more containers than the pickle holds, that many times over",
            ));
        }
        self.ctx.budget.set(left - 1);
        if self.ctx.gotten.get(self.id as usize).copied().unwrap_or(false) {
            if !self.ctx.path.borrow_mut().insert(self.id) {
                return Err(Error::new(ErrorCode::Recursive));
            }
            return Ok(PathGuard { ctx: self.ctx, id: Some(self.id) });
        }
        Ok(PathGuard { ctx: self.ctx, id: None })
    }

    #[inline]
    fn resolve(&mut self) -> Result<()> {
        Ok(())
    }

    #[inline]
    fn peek(&self) -> Kind<Self> {
        match self.node() {
            Node::None => Kind::None,
            Node::Bool(b) => Kind::Bool(b),
            Node::Int(i) => Kind::Int(i),
            Node::BigInt(b) => Kind::BigInt(b),
            Node::Float(f) => Kind::Float(f),
            Node::Complex(re, im) => Kind::Complex(re, im),
            Node::Str(span, text) => Kind::Str((span, Some(text))),
            Node::Py2Str(span) => Kind::Str((span, None)),
            Node::Bytes(span) | Node::ByteArray(span) => Kind::Bytes(span),
            Node::List(s) => Kind::List(s),
            Node::Tuple(s) => Kind::Tuple(s),
            Node::Set(s) | Node::FrozenSet(s) => Kind::Set(s),
            Node::Dict(s) => Kind::Dict(s),
            Node::Global(g) => Kind::Global(g),
            Node::Object(o) => Kind::Object(o),
            Node::Buffer { index, .. } => Kind::Buffer(index as usize),
            Node::PersId(_) => Kind::PersId,
        }
    }

    fn big(&self, b: u32) -> &BigInt {
        &self.ctx.arena.bigints[b as usize]
    }

    #[inline]
    fn items(&self, s: Seq) -> SeqIter<'a> {
        self.ctx.arena.iter(s)
    }

    fn pairs(&self, [first, then]: [Seq; 2]) -> Pairs<'a> {
        Pairs { iter: self.ctx.arena.iter(first), then: Some(then), arena: self.ctx.arena }
    }

    fn map_is_empty(&self, m: Seq) -> bool {
        m.len == 0
    }

    fn single_entry(&self, m: Seq) -> Option<(NodeId, NodeId)> {
        let mut it = self.ctx.arena.iter(m);
        match (m.len, it.next(), it.next()) {
            (2, Some(k), Some(v)) => Some((k, v)),
            _ => None,
        }
    }

    fn str_bytes(&self, (span, text): (Span, Option<Text>)) -> Option<Span> {
        (text != Some(Text::Surrogates)).then_some(span)
    }

    fn payload(&self, span: Span) -> Result<&[u8]> {
        let bytes = self.ctx.arena.bytes(self.ctx.input, span);
        self.ctx.charge(bytes.len())?;
        Ok(bytes)
    }

    fn charge(&self, n: usize) -> Result<()> {
        self.ctx.charge(n)
    }

    fn global_parts(&self, g: u32) -> (&[u8], &[u8]) {
        let g = self.ctx.arena.globals[g as usize];
        let arena = self.ctx.arena;
        (arena.bytes(self.ctx.input, g.module), arena.bytes(self.ctx.input, g.name))
    }

    fn callable(&self, o: u32) -> NodeId {
        self.ctx.arena.objects[o as usize].callable
    }

    fn args(&self, o: u32) -> Seq {
        match self.ctx.arena.node(self.ctx.arena.objects[o as usize].args) {
            Node::Tuple(s) => s,
            _ => Seq::EMPTY,
        }
    }

    fn state(&self, o: u32) -> Option<NodeId> {
        self.ctx.arena.iter(self.ctx.arena.objects[o as usize].state).last()
    }

    fn list_items(&self, o: u32) -> Seq {
        self.ctx.arena.objects[o as usize].list_items
    }

    fn dict_items(&self, o: u32) -> Seq {
        self.ctx.arena.objects[o as usize].dict_items
    }

    fn latin1(&self) -> Option<Cow<'_, [u8]>> {
        match self.node() {
            Node::Bytes(s) | Node::Py2Str(s) => {
                Some(Cow::Borrowed(self.ctx.arena.bytes(self.ctx.input, s)))
            }
            _ => None,
        }
    }

    fn special(&self, o: u32) -> bool {
        crate::py::numpy::handles(self, o)
    }

    fn in_class(&self, e: Error) -> Error {
        pytypes::in_class(self, e)
    }

    #[cold]
    fn in_item(&self, e: Error, index: usize) -> Error {
        self.in_class(e).in_item(index, self.id)
    }

    #[cold]
    fn at_key(&self, e: Error) -> Error {
        e.at_node(self.id)
    }

    #[cold]
    fn in_entry(&self, e: Error, key: &Self) -> Error {
        self.in_class(e).in_segment(key_segment(key), self.id)
    }
}

impl<'de> View<'de> for NodeDe<'_, '_, 'de> {
    fn visit_str<V: Visitor<'de>>(&self, (span, text): Self::Str, visitor: V) -> Result<V::Value> {
        match text {
            Some(text) => self.visit_text(span, text, visitor),
            None => self.visit_py2(span, visitor),
        }
    }

    fn visit_bytes<V: Visitor<'de>>(&self, span: Span, visitor: V) -> Result<V::Value> {
        match self.ctx.payload(span)? {
            Bytes::Input(b) => visitor.visit_borrowed_bytes(b),
            Bytes::Scratch(b) => visitor.visit_bytes(b),
        }
    }

    #[inline(never)]
    fn marked_newtype<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value> {
        if name == crate::shape_marker::VALUE {
            return crate::value::de::deliver(node_value(&self)?, visitor);
        }
        if name == crate::py::numpy::de::NDARRAY {
            return crate::py::numpy::de::read_ndarray(self, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn read_special<V: Visitor<'de>>(self, o: u32, how: How, visitor: V) -> Result<V::Value> {
        crate::py::numpy::de::read(self, o, how, visitor)
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, '_, 'de> {
    type Error = Error;
    view_deserializer!();
}

/// The entries of one or two maps (alternating keys and values).
pub(crate) struct Pairs<'a> {
    arena: &'a Arena,
    iter: SeqIter<'a>,
    then: Option<Seq>,
}

impl Pairs<'_> {
    fn next_id(&mut self) -> Option<NodeId> {
        loop {
            if let Some(id) = self.iter.next() {
                return Some(id);
            }
            self.iter = self.arena.iter(self.then.take()?);
        }
    }
}

impl Iterator for Pairs<'_> {
    type Item = (NodeId, Option<NodeId>);

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        let k = self.next_id()?;
        Some((k, self.next_id()))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = (self.iter.len() + self.then.map_or(0, |s| s.len as usize)) / 2;
        (n, Some(n))
    }
}

/// How a dict key shows in an error's path: `.name` for a str that is an
/// identifier, else `[repr]` (`["a b"]`, `[3]`, `[(1, 2)]`).
#[cold]
#[inline(never)]
fn key_segment(k: &NodeDe<'_, '_, '_>) -> String {
    if let Node::Str(span, Text::Utf8) = k.node() {
        let text = String::from_utf8_lossy(k.ctx.arena.bytes(k.ctx.input, span));
        let ident = text.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_alphanumeric() || c == '_');
        return if ident { format!(".{text}") } else { format!("[{text:?}]") };
    }
    match node_value(k) {
        Ok(v) => {
            let repr = v.to_string();
            match repr.char_indices().nth(40) {
                Some((cut, _)) => format!("[{}…]", &repr[..cut]),
                None => format!("[{repr}]"),
            }
        }
        Err(_) => "[?]".to_string(),
    }
}

/// `Value` for a node (the `Value` magic, a dict key in an error's path).
pub(crate) fn node_value(n: &NodeDe<'_, '_, '_>) -> Result<Value> {
    let c = n.ctx;
    crate::vm::walk::to_value(c.arena, c.input, c.pickle_len, c.gotten, n.id, c.opts)
}

#[cfg(test)]
mod tests {
    use crate::Category;

    use crate::testing::nested_lists as lists;

    /// `depth` nested dicts `{'k': {'k': ... {}}}`.
    fn dicts(depth: usize) -> Vec<u8> {
        let mut data = b"\x80\x02".to_vec();
        for _ in 1..depth {
            data.extend_from_slice(b"}X\x01\x00\x00\x00k");
        }
        data.push(b'}');
        data.extend(std::iter::repeat_n(b's', depth - 1));
        data.push(b'.');
        data
    }

    #[test]
    fn a_generic_visitor_reads_to_the_depth_limit_on_a_2_mib_stack() {
        // Before the containers were split from the other kinds, a debug build
        // overflowed here at ~950 levels (serde_json::Value through the VM).
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let read = |data: Vec<u8>| {
                    crate::from_slice::<serde_json::Value>(&data)
                        .map(|_| ())
                        .map_err(|e| e.category())
                };
                [read(lists(1024)), read(dicts(1024)), read(lists(100_000)), read(dicts(100_000))]
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(result, [Ok(()), Ok(()), Err(Category::Limit), Err(Category::Limit)]);
    }
}
