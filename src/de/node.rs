//! A serde `Deserializer` over one arena node. Strings and bytes that lie in
//! the input are lent to the visitor (`visit_borrowed_str`); nothing is
//! allocated per node. Depth, cycles and the expansion of shared nodes are
//! bounded here, since this is the part that recurses.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;

use num_bigint::BigInt;
use serde::de::{self, Visitor};

use super::access::{MapDe, SeqDe, VariantDe};
use super::pytypes;
use crate::error::{Error, ErrorCode, Result};
use crate::options::{DeOptions, Py2Strings};
use crate::read::Span;
use crate::value::Value;
use crate::vm::arena::{Arena, Node, NodeId, Seq, Text};
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

    /// A child one level deeper.
    #[inline]
    pub(crate) fn child(&self, id: NodeId) -> Self {
        NodeDe { ctx: self.ctx, id, depth: self.depth + 1 }
    }

    /// Account for entering a container: depth, budget, cycles.
    pub(crate) fn enter(&self) -> Result<PathGuard<'c, 'a, 'de>> {
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

    fn visit_bytes_of<V: Visitor<'de>>(&self, span: Span, visitor: V) -> Result<V::Value> {
        match self.ctx.payload(span)? {
            Bytes::Input(b) => visitor.visit_borrowed_bytes(b),
            Bytes::Scratch(b) => visitor.visit_bytes(b),
        }
    }

    pub(crate) fn visit_seq_of<V: Visitor<'de>>(&self, seq: Seq, visitor: V) -> Result<V::Value> {
        let _g = self.enter()?;
        let mut access = SeqDe::new(*self, seq);
        let v = visitor.visit_seq(&mut access)?;
        access.finish()?;
        Ok(v)
    }

    pub(crate) fn visit_map_of<V: Visitor<'de>>(
        &self,
        seqs: &[Seq],
        visitor: V,
    ) -> Result<V::Value> {
        let _g = self.enter()?;
        visitor.visit_map(MapDe::new(*self, seqs))
    }

    fn big(&self, i: u32) -> &BigInt {
        &self.ctx.arena.bigints[i as usize]
    }

    fn visit_big<V: Visitor<'de>>(&self, b: &BigInt, visitor: V) -> Result<V::Value> {
        if let Ok(v) = u64::try_from(b) {
            visitor.visit_u64(v)
        } else if let Ok(v) = i128::try_from(b) {
            visitor.visit_i128(v)
        } else if let Ok(v) = u128::try_from(b) {
            visitor.visit_u128(v)
        } else if b.bits() <= 256 {
            Err(Error::message(format!("integer {b} is out of range for any Rust integer type")))
        } else {
            // Not in decimal: that is quadratic in the size, and unreadable.
            Err(Error::message(format!(
                "an integer of {} bits is out of range for any Rust integer type",
                b.bits()
            )))
        }
    }

    fn integer<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node() {
            Node::Int(i) => visitor.visit_i64(i),
            Node::BigInt(i) => {
                let b = self.big(i);
                self.visit_big(b, visitor)
            }
            _ => de::Deserializer::deserialize_any(self, visitor),
        }
    }

    fn float<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node() {
            Node::Float(f) => visitor.visit_f64(f),
            // An int is accepted where a float is expected when it is exact.
            Node::Int(i) if (i as f64) as i64 == i && i.unsigned_abs() <= 1 << 53 => {
                visitor.visit_f64(i as f64)
            }
            Node::Int(i) => {
                Err(Error::message(format!("integer {i} is not exactly representable as a float")))
            }
            _ => de::Deserializer::deserialize_any(self, visitor),
        }
    }

    /// `deserialize_newtype_struct` for this crate's marker names.
    #[inline(never)]
    fn marked_newtype<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> Result<V::Value> {
        if name == crate::shape_marker::VALUE {
            let value = crate::vm::walk::to_value(
                self.ctx.arena,
                self.ctx.input,
                self.ctx.pickle_len,
                self.ctx.gotten,
                self.id,
                self.ctx.opts,
            )?;
            return crate::value::de::deliver(value, visitor);
        }
        if name == crate::py::numpy::de::NDARRAY {
            return crate::py::numpy::de::read_ndarray(self, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    /// `deserialize_any` for everything but the plain containers (kept out
    /// of the recursive path so that its frame stays small).
    #[inline(never)]
    fn deserialize_leaf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node() {
            Node::None => visitor.visit_unit(),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::Int(i) => visitor.visit_i64(i),
            Node::BigInt(i) => {
                let b = self.big(i);
                self.visit_big(b, visitor)
            }
            Node::Float(f) => visitor.visit_f64(f),
            Node::Complex(re, im) => {
                let _g = self.enter()?;
                visitor.visit_seq(de::value::SeqDeserializer::new([re, im].into_iter()))
            }
            Node::Str(span, text) => self.visit_text(span, text, visitor),
            Node::Py2Str(span) => self.visit_py2(span, visitor),
            Node::Bytes(span) | Node::ByteArray(span) => self.visit_bytes_of(span, visitor),
            Node::List(s) | Node::Tuple(s) | Node::Set(s) | Node::FrozenSet(s) => {
                self.visit_seq_of(s, visitor)
            }
            Node::Dict(s) => self.visit_map_of(&[s], visitor),
            Node::Global(g) => {
                let g = self.ctx.arena.globals[g as usize];
                let module = self.ctx.arena.bytes(self.ctx.input, g.module);
                let name = self.ctx.arena.bytes(self.ctx.input, g.name);
                self.ctx.charge(module.len() + name.len())?;
                visitor.visit_string(format!("{}.{}", utf8(module)?, utf8(name)?))
            }
            Node::Object(o) => pytypes::deserialize_object(self, o, visitor),
            Node::Buffer { index, .. } => Err(Error::unsupported(format!(
                "out-of-band buffer {index} was not supplied (see DeOptions::buffers)"
            ))),
            Node::PersId(_) => Err(Error::unsupported(
                "persistent id without a persistent_load hook (see DeOptions::persistent_load)",
            )),
        }
    }
}

fn utf8(b: &[u8]) -> Result<&str> {
    std::str::from_utf8(b).map_err(|_| crate::vm::walk::surrogate_error())
}

macro_rules! forward_integer {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                self.integer(visitor)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for NodeDe<'_, '_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Containers and objects first, in a small frame: this is the recursion of
        // every generic visitor (serde_json::Value, untagged enums...), and its
        // stack cost per level bounds how deep a read can go on a 2 MiB thread.
        match self.node() {
            Node::List(s) | Node::Tuple(s) | Node::Set(s) | Node::FrozenSet(s) => {
                self.visit_seq_of(s, visitor)
            }
            Node::Dict(s) => self.visit_map_of(&[s], visitor),
            Node::Object(o) => pytypes::deserialize_object(self, o, visitor),
            _ => self.deserialize_leaf(visitor),
        }
    }

    forward_integer! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.float(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.float(visitor)
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node() {
            Node::Py2Str(span) => self.visit_bytes_of(span, visitor),
            Node::Str(span, Text::Utf8) => self.visit_bytes_of(span, visitor),
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node() {
            Node::None => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        // This crate's own names (the Value and NdArray shapes) in a frame
        // of their own, off the recursion path.
        if name.starts_with('$') {
            return self.marked_newtype(name, visitor);
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.node() {
            Node::List(s) | Node::Tuple(s) | Node::Set(s) | Node::FrozenSet(s) => {
                self.visit_seq_of(s, visitor)
            }
            // An object asked for as a sequence or tuple: its arguments by position.
            Node::Object(o) => pytypes::deserialize_object_seq(self, o, visitor),
            // Vec<u8> without serde_bytes: the bytes as a sequence of ints.
            Node::Bytes(span) | Node::ByteArray(span) => {
                let _g = self.enter()?;
                let bytes = self.ctx.arena.bytes(self.ctx.input, span);
                self.ctx.charge(bytes.len())?;
                visitor.visit_seq(de::value::SeqDeserializer::new(bytes.iter().copied()))
            }
            _ => self.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        match self.node() {
            Node::Object(o) => pytypes::deserialize_object_seq(self, o, visitor),
            _ => self.deserialize_seq(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.node() {
            Node::Str(..) | Node::Py2Str(_) => {
                visitor.visit_enum(VariantDe { key: self, value: None })
            }
            Node::Dict(s) if s.len == 2 => {
                let _g = self.enter()?;
                let mut it = self.ctx.arena.iter(s);
                let (Some(k), Some(v)) = (it.next(), it.next()) else {
                    return Err(Error::message("enum dict must have one entry"));
                };
                visitor.visit_enum(VariantDe { key: self.child(k), value: Some(self.child(v)) })
            }
            Node::Object(o) => pytypes::deserialize_object_enum(self, o, visitor),
            // serde-pickle 1.2's `compat_enum_repr`: `('Variant',)` and
            // `('Variant', value)`.
            Node::Tuple(s) if matches!(s.len, 1 | 2) => {
                let mut it = self.ctx.arena.iter(s);
                let (Some(k), v) = (it.next(), it.next()) else {
                    return Err(Error::message("enum tuple must have one or two items"));
                };
                if !matches!(self.ctx.arena.node(k), Node::Str(..) | Node::Py2Str(_)) {
                    return Err(de::Error::invalid_type(unexpected(&self), &ENUM_FORMS));
                }
                let _g = self.enter()?;
                visitor
                    .visit_enum(VariantDe { key: self.child(k), value: v.map(|v| self.child(v)) })
            }
            _ => Err(de::Error::invalid_type(unexpected(&self), &ENUM_FORMS)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// What an enum reads from.
const ENUM_FORMS: &str = "a str (unit variant), a one-entry dict {variant: value}, \
    or serde-pickle's ('variant',) or ('variant', value)";

/// How a node looks in a type-mismatch message.
pub(crate) fn unexpected<'x>(n: &NodeDe<'_, '_, '_>) -> de::Unexpected<'x> {
    match n.node() {
        Node::None => de::Unexpected::Unit,
        Node::Bool(b) => de::Unexpected::Bool(b),
        Node::Int(i) => de::Unexpected::Signed(i),
        Node::Float(f) => de::Unexpected::Float(f),
        Node::Str(..) | Node::Py2Str(_) => de::Unexpected::Other("str"),
        Node::Bytes(_) | Node::ByteArray(_) => de::Unexpected::Other("bytes"),
        Node::List(_) => de::Unexpected::Other("list"),
        Node::Tuple(_) => de::Unexpected::Other("tuple"),
        Node::Set(_) | Node::FrozenSet(_) => de::Unexpected::Other("set"),
        Node::Dict(_) => de::Unexpected::Map,
        _ => de::Unexpected::Other("object"),
    }
}

/// `Value` for a node (used by the `Value` magic and by object mapping).
#[allow(dead_code)]
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
        data.extend(std::iter::repeat(b's').take(depth - 1));
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
