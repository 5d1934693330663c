//! The arena the VM builds: compact nodes, no allocation per node.
//!
//! Strings and bytes are [`Span`]s into the input (or into one scratch
//! buffer). Container children live in one shared `items` vector, in chunks
//! linked per container, so `APPENDS` in several batches (or after the list
//! was shared through the memo) costs no allocation of its own. Shared memo
//! entries are simply the same [`NodeId`] in several places.

use num_bigint::BigInt;

use crate::read::Span;
use crate::value::ObjectKind;

/// Index of a node in the arena.
pub(crate) type NodeId = u32;

/// "No chunk" / "no node".
pub(crate) const NIL: u32 = u32::MAX;

/// The children of a container: a linked list of chunks of `Arena::items`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Seq {
    pub head: u32,
    pub tail: u32,
    pub len: u32,
}

impl Seq {
    pub(crate) const EMPTY: Seq = Seq { head: NIL, tail: NIL, len: 0 };
}

/// One run of children.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Chunk {
    pub start: u32,
    pub len: u32,
    pub next: u32,
}

/// A string node's text, decoded lazily or eagerly.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Text {
    /// Valid UTF-8.
    Utf8,
    /// UTF-8 with lone surrogates (CPython's `surrogatepass`): not a Rust `str`.
    Surrogates,
}

#[derive(Clone, Copy, Debug)]
pub(crate) enum Node {
    None,
    Bool(bool),
    Int(i64),
    /// Index into `Arena::bigints`.
    BigInt(u32),
    Float(f64),
    Complex(f64, f64),
    Str(Span, Text),
    /// A Python 2 `str` (STRING/BINSTRING/SHORT_BINSTRING): undecoded bytes.
    Py2Str(Span),
    Bytes(Span),
    ByteArray(Span),
    List(Seq),
    Tuple(Seq),
    /// Alternating keys and values.
    Dict(Seq),
    Set(Seq),
    FrozenSet(Seq),
    /// Index into `Arena::globals`.
    Global(u32),
    /// Index into `Arena::objects`.
    Object(u32),
    Buffer {
        index: u32,
        readonly: bool,
    },
    PersId(NodeId),
}

/// A `module.name` global, both parts spans of UTF-8 text.
#[derive(Clone, Copy, Debug)]
pub(crate) struct GlobalRef {
    pub module: Span,
    pub name: Span,
}

/// An object created by REDUCE/NEWOBJ/NEWOBJ_EX/INST/OBJ.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ObjNode {
    pub kind: ObjectKind,
    pub callable: NodeId,
    /// A tuple node.
    pub args: NodeId,
    /// A dict node, or NIL.
    pub kwargs: NodeId,
    pub state: Seq,
    pub list_items: Seq,
    /// Alternating keys and values.
    pub dict_items: Seq,
}

/// The most [`Arena::footprint`] grows by for each value a pickle pushes:
/// its node, its place among a container's children, the chunk of the batch
/// that put it there. (The fast path bounds the VM's footprint by it.)
pub(crate) const FOOTPRINT_PER_VALUE: usize =
    std::mem::size_of::<Node>() + std::mem::size_of::<NodeId>() + std::mem::size_of::<Chunk>();

/// The VM checks its footprint against the allocation limit each time this
/// many nodes have been added (and at each payload read from a reader).
pub(crate) const CHECK_EVERY: usize = 1 << 16;

/// All nodes of one pickle, plus the scratch bytes their spans may point into.
#[derive(Default)]
pub(crate) struct Arena {
    pub nodes: Vec<Node>,
    pub items: Vec<NodeId>,
    pub chunks: Vec<Chunk>,
    pub bigints: Vec<BigInt>,
    pub globals: Vec<GlobalRef>,
    pub objects: Vec<ObjNode>,
    pub scratch: Vec<u8>,
    /// The out-of-band buffers of the pickle being run (`DeOptions::buffers`):
    /// `NEXT_BUFFER` makes a span of one, never a copy.
    pub buffers: Option<std::sync::Arc<Vec<Vec<u8>>>>,
    /// By object index: calls made after the object was built whose
    /// results were popped (`POP`, `POP_MARK`), kept for their side effects
    /// (see `machine/effects.rs`). Apart from [`ObjNode`], which the typed
    /// reader copies into its recursive frames: rare, and they never read it.
    pub effects: std::collections::HashMap<u32, Seq>,
    /// Popped calls that a `Value` cannot keep in their place (see
    /// `machine/effects.rs`): each an error for the walk to a `Value`.
    pub effect_checks: Vec<EffectCheck>,
}

/// A popped call attached to an object (or to nothing, `object == NIL`):
/// the object's parts as they were then, so that the walk to a `Value` can
/// tell whether items or states came after it (they would be written
/// before it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct EffectCheck {
    /// Index into `Arena::objects`, or NIL when nothing was under the call.
    pub object: u32,
    pub state: u32,
    pub list_items: u32,
    pub dict_items: u32,
    /// Offset and opcode of the POP or POP_MARK.
    pub offset: u64,
    pub opcode: u8,
}

impl Arena {
    pub(crate) fn clear(&mut self) {
        self.nodes.clear();
        self.items.clear();
        self.chunks.clear();
        self.bigints.clear();
        self.globals.clear();
        self.objects.clear();
        self.scratch.clear();
        self.effects.clear();
        self.effect_checks.clear();
    }

    /// Bytes held, for the allocation limit.
    pub(crate) fn footprint(&self) -> usize {
        self.nodes.len() * std::mem::size_of::<Node>()
            + self.items.len() * 4
            + self.chunks.len() * std::mem::size_of::<Chunk>()
            + self.objects.len() * std::mem::size_of::<ObjNode>()
            + self.scratch.len()
    }

    #[inline]
    pub(crate) fn node(&self, id: NodeId) -> Node {
        self.nodes[id as usize]
    }

    /// Append `children` to `seq` as a new chunk.
    pub(crate) fn extend(&mut self, seq: &mut Seq, children: &[NodeId]) {
        if children.is_empty() {
            return;
        }
        let start = self.items.len() as u32;
        self.items.extend_from_slice(children);
        let idx = self.chunks.len() as u32;
        self.chunks.push(Chunk { start, len: children.len() as u32, next: NIL });
        if seq.tail == NIL {
            seq.head = idx;
        } else {
            self.chunks[seq.tail as usize].next = idx;
        }
        seq.tail = idx;
        seq.len += children.len() as u32;
    }

    /// A fresh sequence holding `children`.
    pub(crate) fn seq_of(&mut self, children: &[NodeId]) -> Seq {
        let mut seq = Seq::EMPTY;
        self.extend(&mut seq, children);
        seq
    }

    /// The calls kept for their effects after object `o` (usually none).
    #[inline]
    pub(crate) fn effects_of(&self, o: u32) -> Seq {
        if self.effects.is_empty() {
            return Seq::EMPTY;
        }
        self.effects.get(&o).copied().unwrap_or(Seq::EMPTY)
    }

    /// Iterate a sequence's children.
    pub(crate) fn iter(&self, seq: Seq) -> SeqIter<'_> {
        SeqIter { arena: self, chunk: seq.head, pos: 0, left: seq.len }
    }

    /// Text of a span.
    #[inline]
    pub(crate) fn bytes<'a>(&'a self, input: &'a [u8], span: Span) -> &'a [u8] {
        match span.buffer_index() {
            Some(i) => self.buffer(i),
            None => span.resolve(input, &self.scratch).0,
        }
    }

    /// Out-of-band buffer `i` (the VM made a span of it, so it exists).
    #[cold]
    pub(crate) fn buffer(&self, i: usize) -> &[u8] {
        self.buffers.as_ref().and_then(|b| b.get(i)).map_or(&[], |b| &b[..])
    }
}

/// Iterator over a [`Seq`].
#[derive(Clone)]
pub(crate) struct SeqIter<'a> {
    arena: &'a Arena,
    chunk: u32,
    pos: u32,
    left: u32,
}

impl Iterator for SeqIter<'_> {
    type Item = NodeId;

    #[inline]
    fn next(&mut self) -> Option<NodeId> {
        while self.chunk != NIL {
            let c = self.arena.chunks[self.chunk as usize];
            if self.pos < c.len {
                let id = self.arena.items[(c.start + self.pos) as usize];
                self.pos += 1;
                self.left -= 1;
                return Some(id);
            }
            self.chunk = c.next;
            self.pos = 0;
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.left as usize, Some(self.left as usize))
    }
}

impl ExactSizeIterator for SeqIter<'_> {}
