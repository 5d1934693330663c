//! The interpreter loop: one `match` over the opcode table.

use num_bigint::BigInt;

mod calls;
mod depth;
mod effects;

pub(crate) use effects::check_effects;
use effects::may_call;

use super::arena::{Arena, GlobalRef, Node, NodeId, ObjNode, Seq, Text, CHECK_EVERY, NIL};
use super::native_globals;
use super::text::{self, IntLit};
use crate::codec::memo::Memo;
use crate::codec::opcodes::*;
use crate::error::{Error, ErrorCode, Result};
use crate::options::{DeOptions, GlobalsPolicy};
use crate::read::{Read, Span};
use crate::value::ObjectKind;

/// The VM state. Reused across the pickles of a stream (buffers keep their capacity).
#[derive(Default)]
pub(crate) struct Machine {
    pub arena: Arena,
    stack: Vec<NodeId>,
    marks: Vec<usize>,
    memo: Memo<NodeId>,
    /// Nodes pushed by a memo GET (only these can be shared or cyclic).
    pub gotten: Vec<bool>,
    proto: u8,
    next_buffer: u32,
    /// When set, every global and call is recorded here (for `scan`).
    pub trace: Option<Vec<Event>>,
    op_offset: u64,
    /// The opcode at `op_offset`.
    op_code: u8,
    /// Offset of the last pickle's STOP: where limits found while turning
    /// its graph into a value (depth, expansion) are reported.
    pub stop_offset: u64,
    /// Nesting height of containers, by node (see `depth.rs`).
    heights: Vec<u32>,
    /// Bytes of the last pickle run (its first opcode through STOP): what
    /// the expansion budget is relative to when the input is a reader.
    pub pickle_len: u64,
    /// Offset of the last pickle run in its input.
    pub start: u64,
    /// A node whose opcode's offset is wanted (an error is about it): set
    /// only to run a pickle a second time, after a typed read failed.
    pub locate: Option<NodeId>,
    /// The offset found for `locate`.
    pub located: Option<u64>,
    /// A FRAME announcing more bytes than the input has left: its offset,
    /// the bytes it announced and those left. The opcodes in it run until
    /// the input ends, so that the error says where (as a pickle cut short
    /// is read); a STOP before then is an error too, as in CPython.
    short_frame: Option<(u64, u64, u64)>,
}

/// A global or call the pickle makes, as `scan` reports it.
#[derive(Clone, Debug)]
pub(crate) enum Event {
    Global { offset: u64, opcode: u8, module: String, name: String },
    Call { offset: u64, opcode: u8, callable: Option<(String, String)> },
}

/// What `run` found at the start of the input.
pub(crate) enum Loaded {
    /// A pickle; its root node.
    Root(NodeId),
    /// The input was already at its end (no byte at all).
    End,
}

impl Machine {
    fn reset(&mut self) {
        self.arena.clear();
        self.stack.clear();
        self.marks.clear();
        self.memo.clear();
        self.gotten.clear();
        self.heights.clear();
        self.proto = 0;
        self.next_buffer = 0;
        self.short_frame = None;
        if let Some(t) = &mut self.trace {
            t.clear();
        }
    }

    /// Execute one pickle, up to and including its STOP.
    pub(crate) fn run<'de, R: Read<'de>>(&mut self, r: &mut R, opts: &DeOptions) -> Result<Loaded> {
        self.reset();
        self.arena.buffers.clone_from(&opts.buffers);
        let start = r.offset();
        self.start = start;
        let mut first = true;
        loop {
            let pos = r.offset();
            let op = match r.next_byte()? {
                Some(op) => op,
                None if first => return Ok(Loaded::End),
                None => {
                    let e = Error::new(ErrorCode::Eof).at(pos, None);
                    return Err(e.truncated(pos, "where an opcode should be (no STOP yet)".into()));
                }
            };
            first = false;
            self.op_offset = pos;
            self.op_code = op;
            match self.step(op, r, opts) {
                Ok(true) => {}
                Ok(false) => {
                    self.pickle_len = r.offset() - start;
                    self.stop_offset = pos;
                    let root = self.pop().map_err(|e| e.at(pos, Some(op)))?;
                    if let Some(frame) = self.short_frame {
                        return Err(short_frame_error(
                            frame,
                            r.offset() + r.remaining().unwrap_or(0),
                        ));
                    }
                    return Ok(Loaded::Root(root));
                }
                Err(e) => {
                    let e = e.at(pos, Some(op));
                    if !e.is_eof() {
                        // After a frame the input cannot hold, the frame is
                        // the error (as in CPython), unless the input ends first.
                        return Err(match self.short_frame {
                            Some(frame) => {
                                short_frame_error(frame, r.offset() + r.remaining().unwrap_or(0))
                            }
                            None => e,
                        });
                    }
                    let end = r.offset() + r.remaining().unwrap_or(0);
                    return Err(e.truncated(end, truncated_in(r.input(), pos, op, end)));
                }
            }
        }
    }

    // ---- stack helpers (the topmost MARK is a fence) ----

    #[inline]
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    fn pop(&mut self) -> Result<NodeId> {
        if self.stack.len() <= self.fence() {
            return Err(Error::new(ErrorCode::StackUnderflow));
        }
        Ok(self.stack.pop().unwrap_or(NIL))
    }

    #[inline]
    fn top(&self) -> Result<NodeId> {
        if self.stack.len() <= self.fence() {
            return Err(Error::new(ErrorCode::StackUnderflow));
        }
        Ok(self.stack[self.stack.len() - 1])
    }

    /// Pop the topmost MARK; returns where its slice starts.
    fn pop_mark(&mut self) -> Result<usize> {
        self.marks.pop().ok_or_else(|| Error::new(ErrorCode::MissingMark))
    }

    #[inline]
    fn push(&mut self, node: Node, opts: &DeOptions) -> Result<()> {
        let id = self.add(node, opts)?;
        self.stack.push(id);
        Ok(())
    }

    #[inline]
    fn add(&mut self, node: Node, opts: &DeOptions) -> Result<NodeId> {
        let id = self.arena.nodes.len();
        if id >= NIL as usize {
            return Err(Error::limit("too many objects in one pickle"));
        }
        // Checked every 64K nodes: cheap, and bounds growth between checks.
        if id % CHECK_EVERY == CHECK_EVERY - 1 && self.arena.footprint() > opts.max_alloc {
            return Err(alloc_error(opts));
        }
        if self.locate == Some(id as NodeId) {
            self.located = Some(self.op_offset);
        }
        self.arena.nodes.push(node);
        Ok(id as NodeId)
    }

    fn check_alloc(&self, extra: u64, opts: &DeOptions) -> Result<()> {
        if self.arena.footprint() as u64 + extra > opts.max_alloc as u64 {
            return Err(alloc_error(opts));
        }
        Ok(())
    }

    /// Read a length-prefixed payload, checking the length first.
    fn payload<'de, R: Read<'de>>(&mut self, r: &mut R, n: u64, opts: &DeOptions) -> Result<Span> {
        if let Some(rest) = r.remaining() {
            if n > rest {
                return Err(Error::new(ErrorCode::Eof));
            }
        } else {
            self.check_alloc(0, opts)?;
        }
        let span = r.bytes(n, &mut self.arena.scratch)?;
        if r.remaining().is_none() {
            self.check_alloc(0, opts)?;
        }
        Ok(span)
    }

    /// `DeOptions::joblib`: the raw array bytes after a joblib
    /// `NumpyArrayWrapper`'s BUILD become the object's second state.
    #[cold]
    fn joblib_array<'de, R: Read<'de>>(
        &mut self,
        r: &mut R,
        o: u32,
        opts: &DeOptions,
    ) -> Result<()> {
        use crate::py::numpy::JoblibPayload;
        let (padded, len) = match crate::py::numpy::joblib_payload(self, r.input(), opts, o)? {
            None => return Ok(()),
            Some(JoblibPayload::Raw { padded, len }) => (padded, len),
            Some(JoblibPayload::Pickle) => return self.joblib_nested_pickle(r, opts),
        };
        if padded {
            let padding = r.fixed::<1>()?[0];
            self.payload(r, padding as u64, opts)?;
        }
        let span = self.payload(r, len, opts)?;
        let data = self.add(Node::Bytes(span), opts)?;
        let mut obj = self.arena.objects[o as usize];
        self.arena.extend(&mut obj.state, &[data]);
        self.arena.objects[o as usize] = obj;
        Ok(())
    }

    /// A joblib object array: a whole pickle follows the wrapper. `scan`
    /// runs it (as `joblib.load` does, with a plain `pickle.load`: not in
    /// joblib mode, so it cannot nest further) and reports what it names
    /// and calls; reading its elements as data is not supported.
    #[cold]
    fn joblib_nested_pickle<'de, R: Read<'de>>(
        &mut self,
        r: &mut R,
        opts: &DeOptions,
    ) -> Result<()> {
        let Some(trace) = &mut self.trace else {
            return Err(Error::unsupported(
                "a joblib object array (its elements are a nested pickle after the wrapper)",
            ));
        };
        let mut inner = Machine { trace: Some(Vec::new()), ..Machine::default() };
        let result = inner.run(r, &opts.clone().joblib(false));
        trace.append(inner.trace.as_mut().expect("set above"));
        result.map(|_| ())
    }

    fn line<'de, R: Read<'de>>(&mut self, r: &mut R) -> Result<Span> {
        r.line(&mut self.arena.scratch)
    }

    fn line_bytes<'de, R: Read<'de>>(&mut self, r: &mut R) -> Result<Vec<u8>> {
        let span = self.line(r)?;
        Ok(self.arena.bytes(r.input(), span).to_vec())
    }

    fn str_node<'de, R: Read<'de>>(&mut self, r: &R, span: Span) -> Result<Node> {
        let text = text::check_utf8(self.arena.bytes(r.input(), span))?;
        Ok(Node::Str(span, text))
    }

    fn int_node(&mut self, lit: IntLit) -> Node {
        match lit {
            IntLit::Small(v) => Node::Int(v),
            IntLit::Big(b) => {
                self.arena.bigints.push(b);
                Node::BigInt(self.arena.bigints.len() as u32 - 1)
            }
        }
    }

    /// Items above the topmost MARK, removing them and the MARK.
    fn take_marked(&mut self) -> Result<Vec<NodeId>> {
        let start = self.pop_mark()?;
        Ok(self.stack.split_off(start))
    }

    /// The container an APPENDS/SETITEMS/ADDITEMS/BUILD acts on: at `idx`, above the fence.
    fn target(&self, idx: usize) -> Result<NodeId> {
        if idx < self.fence() || idx >= self.stack.len() {
            return Err(Error::new(ErrorCode::StackUnderflow));
        }
        Ok(self.stack[idx])
    }

    /// Note that `id` is now referenced from more than one place.
    pub(crate) fn mark_shared(&mut self, id: NodeId) {
        if self.gotten.len() <= id as usize {
            self.gotten.resize(id as usize + 1, false);
        }
        self.gotten[id as usize] = true;
    }

    fn memo_get(&mut self, idx: u64) -> Result<()> {
        let id = self.memo.get(idx).ok_or_else(|| Error::new(ErrorCode::MemoMissing(idx)))?;
        self.mark_shared(id);
        self.stack.push(id);
        Ok(())
    }

    fn memo_put(&mut self, idx: u64, opts: &DeOptions) -> Result<()> {
        let top = self.top()?;
        if self.memo.len() >= opts.max_memo && self.memo.get(idx).is_none() {
            return Err(Error::limit_exceeded(
                "max_memo",
                opts.max_memo,
                "the pickle stores more memo entries",
            ));
        }
        self.memo.put(idx, top);
        Ok(())
    }

    /// Execute one opcode; `Ok(false)` at STOP.
    fn step<'de, R: Read<'de>>(&mut self, op: u8, r: &mut R, opts: &DeOptions) -> Result<bool> {
        match op {
            MARK => self.marks.push(self.stack.len()),
            STOP => return Ok(false),
            POP => {
                if self.marks.last() == Some(&self.stack.len()) {
                    self.marks.pop();
                } else {
                    let id = self.pop()?;
                    if may_call(self.arena.node(id)) {
                        self.popped(id);
                    }
                }
            }
            POP_MARK => {
                let start = self.pop_mark()?;
                for i in start..self.stack.len() {
                    let id = self.stack[i];
                    if may_call(self.arena.node(id)) {
                        self.popped_under_mark(id, start);
                    }
                }
                self.stack.truncate(start);
            }
            DUP => {
                let top = self.top()?;
                self.mark_shared(top);
                self.stack.push(top);
            }
            NONE => self.push(Node::None, opts)?,
            NEWTRUE => self.push(Node::Bool(true), opts)?,
            NEWFALSE => self.push(Node::Bool(false), opts)?,
            BININT => {
                let v = i32::from_le_bytes(r.fixed()?);
                self.push(Node::Int(v as i64), opts)?;
            }
            BININT1 => {
                let [v] = r.fixed()?;
                self.push(Node::Int(v as i64), opts)?;
            }
            BININT2 => {
                let v = u16::from_le_bytes(r.fixed()?);
                self.push(Node::Int(v as i64), opts)?;
            }
            INT => {
                let line = self.line_bytes(r)?;
                let node = match line.as_slice() {
                    b"00" => Node::Bool(false),
                    b"01" => Node::Bool(true),
                    t => {
                        let lit = text::parse_int(t)?;
                        self.int_node(lit)
                    }
                };
                self.push(node, opts)?;
            }
            LONG => {
                let line = self.line_bytes(r)?;
                let lit = text::parse_long(&line)?;
                let node = self.int_node(lit);
                self.push(node, opts)?;
            }
            LONG1 => {
                let [n] = r.fixed()?;
                self.long_bytes(r, n as u64, opts)?;
            }
            LONG4 => {
                let n = i32::from_le_bytes(r.fixed()?);
                if n < 0 {
                    return Err(Error::syntax("LONG pickle has negative byte count"));
                }
                self.long_bytes(r, n as u64, opts)?;
            }
            BINFLOAT => {
                let v = f64::from_be_bytes(r.fixed()?);
                self.push(Node::Float(v), opts)?;
            }
            FLOAT => {
                let line = self.line_bytes(r)?;
                let v = text::parse_float(&line)?;
                self.push(Node::Float(v), opts)?;
            }
            SHORT_BINUNICODE => {
                let [n] = r.fixed()?;
                self.unicode(r, n as u64, opts)?;
            }
            BINUNICODE => {
                let n = u32::from_le_bytes(r.fixed()?);
                self.unicode(r, n as u64, opts)?;
            }
            BINUNICODE8 => {
                let n = u64::from_le_bytes(r.fixed()?);
                self.unicode(r, n, opts)?;
            }
            UNICODE => {
                let line = self.line(r)?;
                let raw = self.arena.bytes(r.input(), line).to_vec();
                let start = self.arena.scratch.len();
                let t = text::decode_raw_unicode_escape(&raw, &mut self.arena.scratch)?;
                let span = Span::scratch(start, self.arena.scratch.len() - start);
                self.push(Node::Str(span, t), opts)?;
            }
            SHORT_BINBYTES => {
                let [n] = r.fixed()?;
                let span = self.payload(r, n as u64, opts)?;
                self.push(Node::Bytes(span), opts)?;
            }
            BINBYTES => {
                let n = u32::from_le_bytes(r.fixed()?);
                let span = self.payload(r, n as u64, opts)?;
                self.push(Node::Bytes(span), opts)?;
            }
            BINBYTES8 => {
                let n = u64::from_le_bytes(r.fixed()?);
                let span = self.payload(r, n, opts)?;
                self.push(Node::Bytes(span), opts)?;
            }
            BYTEARRAY8 => {
                let n = u64::from_le_bytes(r.fixed()?);
                let span = self.payload(r, n, opts)?;
                self.push(Node::ByteArray(span), opts)?;
            }
            SHORT_BINSTRING => {
                let [n] = r.fixed()?;
                let span = self.payload(r, n as u64, opts)?;
                self.push(Node::Py2Str(span), opts)?;
            }
            BINSTRING => {
                let n = i32::from_le_bytes(r.fixed()?);
                if n < 0 {
                    return Err(Error::syntax("BINSTRING pickle has negative byte count"));
                }
                let span = self.payload(r, n as u64, opts)?;
                self.push(Node::Py2Str(span), opts)?;
            }
            STRING => {
                let line = self.line(r)?;
                let raw = self.arena.bytes(r.input(), line).to_vec();
                let start = self.arena.scratch.len();
                text::decode_string_literal(&raw, &mut self.arena.scratch)?;
                let span = Span::scratch(start, self.arena.scratch.len() - start);
                self.push(Node::Py2Str(span), opts)?;
            }
            EMPTY_TUPLE => self.push(Node::Tuple(Seq::EMPTY), opts)?,
            EMPTY_LIST => self.push(Node::List(Seq::EMPTY), opts)?,
            EMPTY_DICT => self.push(Node::Dict(Seq::EMPTY), opts)?,
            EMPTY_SET => self.push(Node::Set(Seq::EMPTY), opts)?,
            TUPLE1 | TUPLE2 | TUPLE3 => {
                let n = (op - TUPLE1 + 1) as usize;
                if self.stack.len() < self.fence() + n {
                    return Err(Error::new(ErrorCode::StackUnderflow));
                }
                let at = self.stack.len() - n;
                let seq = self.arena.seq_of(&self.stack[at..]);
                let h = self.items_height(&self.stack[at..]);
                self.stack.truncate(at);
                self.push(Node::Tuple(seq), opts)?;
                self.raise(self.top()?, h, opts)?;
            }
            TUPLE | LIST | FROZENSET | DICT => {
                let start = self.pop_mark()?;
                if op == DICT && (self.stack.len() - start) % 2 != 0 {
                    return Err(Error::syntax("odd number of items for DICT"));
                }
                match op {
                    DICT => self.check_keys(&self.stack[start..])?,
                    FROZENSET => self.check_hashable(&self.stack[start..])?,
                    _ => {}
                }
                let seq = self.arena.seq_of(&self.stack[start..]);
                let h = self.items_height(&self.stack[start..]);
                self.stack.truncate(start);
                let node = match op {
                    TUPLE => Node::Tuple(seq),
                    LIST => Node::List(seq),
                    FROZENSET => Node::FrozenSet(seq),
                    _ => Node::Dict(seq),
                };
                self.push(node, opts)?;
                self.raise(self.top()?, h, opts)?;
            }
            APPEND => {
                let item = self.pop()?;
                let target = self.target(self.stack.len().wrapping_sub(1))?;
                append_items(&mut self.arena, target, &[item])?;
                self.raise(target, self.items_height(&[item]), opts)?;
            }
            APPENDS | SETITEMS | ADDITEMS => {
                let start = self.pop_mark()?;
                let target = self.target(start.wrapping_sub(1))?;
                let items = &self.stack[start..];
                match op {
                    SETITEMS => self.check_keys(items)?,
                    ADDITEMS => self.check_hashable(items)?,
                    _ => {}
                }
                match op {
                    APPENDS => append_items(&mut self.arena, target, items)?,
                    SETITEMS => set_items(&mut self.arena, target, items)?,
                    _ => {
                        let mut node = self.arena.node(target);
                        match &mut node {
                            Node::Set(seq) => self.arena.extend(seq, items),
                            _ => return Err(Error::syntax("ADDITEMS target is not a set")),
                        }
                        self.arena.nodes[target as usize] = node;
                    }
                }
                self.raise(target, self.items_height(&self.stack[start..]), opts)?;
                self.stack.truncate(start);
            }
            SETITEM => {
                let v = self.pop()?;
                let k = self.pop()?;
                let target = self.target(self.stack.len().wrapping_sub(1))?;
                self.check_hashable(&[k])?;
                set_items(&mut self.arena, target, &[k, v])?;
                self.raise(target, self.items_height(&[k, v]), opts)?;
            }
            PUT => {
                let line = self.line_bytes(r)?;
                let idx = text::parse_index(&line)?;
                if idx < 0 {
                    return Err(Error::syntax("negative PUT argument"));
                }
                self.memo_put(idx as u64, opts)?;
            }
            BINPUT => {
                let [i] = r.fixed()?;
                self.memo_put(i as u64, opts)?;
            }
            LONG_BINPUT => {
                let i = u32::from_le_bytes(r.fixed()?);
                self.memo_put(i as u64, opts)?;
            }
            MEMOIZE => {
                let idx = self.memo.len() as u64;
                self.memo_put(idx, opts)?;
            }
            GET => {
                let line = self.line_bytes(r)?;
                let idx = text::parse_index(&line)?;
                if idx < 0 {
                    return Err(Error::new(ErrorCode::MemoMissing(0)));
                }
                self.memo_get(idx as u64)?;
            }
            BINGET => {
                let [i] = r.fixed()?;
                self.memo_get(i as u64)?;
            }
            LONG_BINGET => {
                let i = u32::from_le_bytes(r.fixed()?);
                self.memo_get(i as u64)?;
            }
            PROTO => {
                let [p] = r.fixed()?;
                if p > HIGHEST_PROTOCOL {
                    return Err(Error::new(ErrorCode::UnsupportedProtocol(p as u64)));
                }
                self.proto = p;
            }
            FRAME => {
                let n = u64::from_le_bytes(r.fixed()?);
                // A read-ahead hint only; never allocate for it, but a frame
                // longer than the rest of the input is truncated data (see
                // `short_frame`).
                if let Some(rest) = r.remaining() {
                    if n > rest && self.short_frame.is_none() {
                        self.short_frame = Some((self.op_offset, n, rest));
                    }
                }
            }
            GLOBAL => {
                let module = self.line_bytes(r)?;
                let name = self.line_bytes(r)?;
                let node = self.global(&module, &name, opts)?;
                self.push(node, opts)?;
            }
            STACK_GLOBAL => {
                let name = self.pop()?;
                let module = self.pop()?;
                let (m, n) = (
                    self.global_operand(module, r.input(), opts),
                    self.global_operand(name, r.input(), opts),
                );
                let (Some(m), Some(n)) = (m, n) else {
                    self.trace_unresolved_global(module, name, r.input());
                    return Err(Error::syntax("STACK_GLOBAL requires str"));
                };
                let node = self.global(&m, &n, opts)?;
                self.push(node, opts)?;
            }
            INST => {
                let module = self.line_bytes(r)?;
                let name = self.line_bytes(r)?;
                let args = self.take_marked()?;
                let cls = self.global(&module, &name, opts)?;
                let cls = self.add(cls, opts)?;
                self.trace_call(INST, cls, r.input());
                let seq = self.arena.seq_of(&args);
                let args = self.add(Node::Tuple(seq), opts)?;
                let node = self.object(ObjectKind::Inst, cls, args, NIL);
                self.push(node, opts)?;
            }
            OBJ => {
                let items = self.take_marked()?;
                let Some((&cls, args)) = items.split_first() else {
                    return Err(Error::new(ErrorCode::StackUnderflow));
                };
                self.check_callable(cls, "OBJ")?;
                let seq = self.arena.seq_of(args);
                let args = self.add(Node::Tuple(seq), opts)?;
                self.trace_call(OBJ, cls, r.input());
                let node = self.object(ObjectKind::Inst, cls, args, NIL);
                self.push(node, opts)?;
            }
            REDUCE => {
                let args = self.pop()?;
                let callable = self.pop()?;
                if !matches!(self.arena.node(args), Node::Tuple(_)) {
                    return Err(Error::syntax("REDUCE arguments must be a tuple"));
                }
                self.check_callable(callable, "REDUCE")?;
                self.trace_call(REDUCE, callable, r.input());
                let args =
                    native_globals::py2_datetime_args(self, r.input(), callable, args, opts)?;
                let node = match native_globals::reduce(self, r.input(), callable, args, opts)? {
                    Some(node) => node,
                    None => self.object(ObjectKind::Reduce, callable, args, NIL),
                };
                self.push(node, opts)?;
            }
            NEWOBJ => {
                let args = self.pop()?;
                let cls = self.pop()?;
                if !matches!(self.arena.node(args), Node::Tuple(_)) {
                    return Err(Error::syntax("NEWOBJ expected a tuple for args"));
                }
                self.check_callable(cls, "NEWOBJ")?;
                self.trace_call(NEWOBJ, cls, r.input());
                let node = self.object(ObjectKind::NewObj, cls, args, NIL);
                self.push(node, opts)?;
            }
            NEWOBJ_EX => {
                let kwargs = self.pop()?;
                let args = self.pop()?;
                let cls = self.pop()?;
                if !matches!(self.arena.node(args), Node::Tuple(_)) {
                    return Err(Error::syntax("NEWOBJ_EX args argument must be a tuple"));
                }
                if !matches!(self.arena.node(kwargs), Node::Dict(_)) {
                    return Err(Error::syntax("NEWOBJ_EX kwargs argument must be a dict"));
                }
                self.check_callable(cls, "NEWOBJ_EX")?;
                self.trace_call(NEWOBJ_EX, cls, r.input());
                let node = self.object(ObjectKind::NewObjEx, cls, args, kwargs);
                self.push(node, opts)?;
            }
            BUILD => {
                let state = self.pop()?;
                let inst = self.top()?;
                self.trace_call(BUILD, inst, r.input());
                match self.arena.node(inst) {
                    Node::Object(o) => {
                        let mut obj = self.arena.objects[o as usize];
                        self.arena.extend(&mut obj.state, &[state]);
                        self.arena.objects[o as usize] = obj;
                        if opts.joblib {
                            self.joblib_array(r, o, opts)?;
                        }
                    }
                    _ => return Err(Error::syntax("BUILD target is not an object")),
                }
            }
            PERSID => {
                self.trace_call(PERSID, NIL, r.input());
                let line = self.line(r)?;
                let id = self.str_node(r, line)?;
                let id = self.add(id, opts)?;
                self.persistent(id, r.input(), opts)?;
            }
            BINPERSID => {
                self.trace_call(BINPERSID, NIL, r.input());
                let id = self.pop()?;
                self.persistent(id, r.input(), opts)?;
            }
            EXT1 | EXT2 | EXT4 => {
                let code = match op {
                    EXT1 => r.fixed::<1>()?[0] as i64,
                    EXT2 => u16::from_le_bytes(r.fixed()?) as i64,
                    _ => i32::from_le_bytes(r.fixed()?) as i64,
                };
                if code <= 0 {
                    return Err(Error::syntax("EXT specifies code <= 0"));
                }
                return Err(Error::unsupported(format!("unregistered extension code {code}")));
            }
            NEXT_BUFFER => {
                let index = self.next_buffer;
                self.next_buffer += 1;
                let node = match &opts.buffers {
                    Some(bufs) => {
                        let buf = bufs
                            .get(index as usize)
                            .ok_or_else(|| Error::syntax("not enough out-of-band buffers"))?;
                        // Read in place: the buffer outlives the read.
                        Node::ByteArray(Span::buffer(index as usize, buf.len()))
                    }
                    None => Node::Buffer { index, readonly: false },
                };
                self.push(node, opts)?;
            }
            READONLY_BUFFER => {
                let top = self.top()?;
                // CPython takes memoryview(top): anything but a bytes-like
                // object is a TypeError. Globals, objects and persistent ids
                // may be buffers (a NumPy array); they are kept as they are.
                let node = match self.arena.node(top) {
                    Node::Buffer { index, .. } => Node::Buffer { index, readonly: true },
                    Node::ByteArray(span) => Node::Bytes(span),
                    Node::Py2Str(_) if opts.py2_strings != crate::options::Py2Strings::Bytes => {
                        return Err(self.not_a_buffer(top));
                    }
                    other @ (Node::Bytes(_)
                    | Node::Py2Str(_)
                    | Node::Global(_)
                    | Node::Object(_)
                    | Node::PersId(_)) => other,
                    _ => return Err(self.not_a_buffer(top)),
                };
                self.arena.nodes[top as usize] = node;
            }
            other => return Err(Error::new(ErrorCode::InvalidOpcode(other))),
        }
        Ok(true)
    }

    fn unicode<'de, R: Read<'de>>(&mut self, r: &mut R, n: u64, opts: &DeOptions) -> Result<()> {
        let span = self.payload(r, n, opts)?;
        let node = self.str_node(r, span)?;
        self.push(node, opts)
    }

    fn long_bytes<'de, R: Read<'de>>(&mut self, r: &mut R, n: u64, opts: &DeOptions) -> Result<()> {
        let span = self.payload(r, n, opts)?;
        let bytes = self.arena.bytes(r.input(), span);
        let node = if let Some(v) = crate::codec::opcodes::long_i64(bytes) {
            Node::Int(v)
        } else {
            let b = BigInt::from_signed_bytes_le(bytes);
            let lit = text::int_lit(b);
            self.int_node(lit)
        };
        self.push(node, opts)
    }

    pub(crate) fn add_node(&mut self, node: Node, opts: &DeOptions) -> Result<NodeId> {
        self.add(node, opts)
    }
}

/// A FRAME at `at` that announced more bytes than the `left` there were,
/// the input ending at `end`.
#[cold]
fn short_frame_error((at, announced, left): (u64, u64, u64), end: u64) -> Error {
    let e = Error::new(ErrorCode::Eof).at(at, Some(FRAME));
    let what = format!(
        "in the FRAME at offset {at}, which announced {announced} bytes ({left} were left)"
    );
    e.truncated(end, what)
}

/// What was being read when the input ended at `end`, in the opcode `op`
/// at `pos`: `"in the 5000-byte str of BINUNICODE at offset 9 (1200
/// bytes of it are there)"`. `input` is empty when reading from a reader,
/// which does not keep it: the announced length is then not told.
#[cold]
fn truncated_in(input: &[u8], pos: u64, op: u8, end: u64) -> String {
    let name = name(op);
    let Some(info) = info(op) else { return format!("in {name} at offset {pos}") };
    let width = match info.arg {
        Arg::Len1 => 1,
        Arg::Len4 | Arg::SLen4 => 4,
        Arg::Len8 => 8,
        Arg::Line | Arg::TwoLines => {
            return format!("in the text line of {name} at offset {pos} (no newline)")
        }
        Arg::None => return format!("in {name} at offset {pos}"),
        _ => return format!("in the argument of {name} at offset {pos}"),
    };
    if input.is_empty() {
        return format!("in {name} at offset {pos}");
    }
    let header = usize::try_from(pos).ok().and_then(|p| input.get(p + 1..p + 1 + width));
    let Some(header) = header else {
        return format!("in the length of {name} at offset {pos}");
    };
    let mut le = [0u8; 8];
    le[..width].copy_from_slice(header);
    let announced = u64::from_le_bytes(le);
    let there = end.saturating_sub(pos + 1 + width as u64);
    let what = match op {
        SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => "str",
        SHORT_BINBYTES | BINBYTES | BINBYTES8 => "bytes",
        BYTEARRAY8 => "bytearray",
        LONG1 | LONG4 => "int",
        SHORT_BINSTRING | BINSTRING => "Python 2 str",
        _ => "payload",
    };
    format!(
        "in the {announced}-byte {what} of {name} at offset {pos} ({there} bytes of it are there)"
    )
}

/// The reader's working memory past [`DeOptions::max_alloc`].
fn alloc_error(opts: &DeOptions) -> Error {
    Error::limit_exceeded(
        "max_alloc",
        opts.max_alloc,
        "the reader's working memory would grow past it",
    )
}

fn append_items(arena: &mut Arena, target: NodeId, items: &[NodeId]) -> Result<()> {
    let mut node = arena.node(target);
    match &mut node {
        Node::List(seq) => arena.extend(seq, items),
        Node::Object(o) => {
            let mut obj = arena.objects[*o as usize];
            arena.extend(&mut obj.list_items, items);
            arena.objects[*o as usize] = obj;
        }
        _ => return Err(Error::syntax("APPEND(S) target is not a list")),
    }
    arena.nodes[target as usize] = node;
    Ok(())
}

fn set_items(arena: &mut Arena, target: NodeId, items: &[NodeId]) -> Result<()> {
    if items.len() % 2 != 0 {
        return Err(Error::syntax("odd number of items for SETITEMS"));
    }
    let mut node = arena.node(target);
    match &mut node {
        Node::Dict(seq) => arena.extend(seq, items),
        Node::Object(o) => {
            let mut obj = arena.objects[*o as usize];
            arena.extend(&mut obj.dict_items, items);
            arena.objects[*o as usize] = obj;
        }
        _ => return Err(Error::syntax("SETITEM(S) target is not a dict")),
    }
    arena.nodes[target as usize] = node;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::value::Value;
    use crate::Category;

    #[test]
    fn plain_data_is_never_callable() {
        // CPython: TypeError / UnpicklingError for each (test_bad_reduce and friends).
        for input in [
            &b"N)R."[..],
            b"K\x01)R.",
            b"])R.",
            b"\x80\x02N)\x81.",
            b"\x80\x04N)}\x92.",
            b"(NK\x01o.",
        ] {
            let err = crate::from_slice::<Value>(input).unwrap_err();
            assert_eq!(err.category(), Category::Syntax, "{input:?}: {err}");
            assert!(err.to_string().contains("is not callable"), "{input:?}: {err}");
            assert!(err.offset().is_some());
        }
    }

    #[test]
    fn globals_objects_and_persistent_ids_may_be_called() {
        let ok: [&[u8]; 3] = [
            b"cbuiltins\nint\n)R.",
            // getattr(int, 'real')(): the callable is itself an object.
            b"cbuiltins\ngetattr\ncbuiltins\nint\nVreal\n\x86R)R.",
            b"Pfoo\n)R.",
        ];
        for input in ok {
            let v = crate::from_slice::<Value>(input).unwrap();
            assert!(matches!(v, Value::Object(_)), "{input:?}");
        }
    }
}
