//! Turning the arena into a [`Value`]: nodes the pickle references from more
//! than one place become [`Value::Shared`] (so sharing and cycles survive), the
//! rest become plain owned values. Iterative: nesting is bounded by the depth
//! limit and costs heap, not native stack.

use std::collections::HashMap;

use super::arena::{Arena, Node, NodeId, Seq, Text, NIL};
use crate::error::{Error, ErrorCode, Result};
use crate::options::{DeOptions, Py2Strings};
use crate::value::{Dict, Global, Object, Shared, Value};

/// Convert the graph reachable from `root` into a `Value`.
/// `pickle_len` is the size the expansion budget is relative to.
pub(crate) fn to_value(
    arena: &Arena,
    input: &[u8],
    pickle_len: usize,
    gotten: &[bool],
    root: NodeId,
    opts: &DeOptions,
) -> Result<Value> {
    if opts.lossless {
        super::machine::check_effects(arena)?;
    }
    // Memo-shared strs, bytes and complexes stay shared, as in CPython (where
    // `x[0] is x[1]` holds and writing back fetches them from the memo).
    let mut refs = count_refs(arena, gotten, root, true);
    share_cycles_through_tuples(arena, gotten, root, &mut refs);
    let payload_left = opts.payload_budget(pickle_len);
    let mut b =
        Builder { arena, input, opts, refs, shared: HashMap::new(), payload_left, cyclic: false };
    let v = b.build(root, 0);
    // A cyclic value's nodes are marked so that dropping it frees them (see
    // `value/cycles.rs`); the builder's own references go without checks.
    if b.cyclic {
        b.shared.values().for_each(Shared::mark_cyclic);
        // The values built: at most one per opcode, so per byte read.
        let n = arena.nodes.len().max(pickle_len) as u64;
        crate::value::cycles::grant(n.saturating_mul(crate::value::cycles::CREDITS_PER_NODE));
    }
    crate::value::cycles::quietly(|| drop(b.shared));
    v
}

/// The children of a node, in order (for objects: callable, args, kwargs,
/// states, items, effects).
pub(crate) fn for_each_child(arena: &Arena, id: NodeId, mut f: impl FnMut(NodeId)) {
    let seq = |f: &mut dyn FnMut(NodeId), s: Seq| arena.iter(s).for_each(f);
    match arena.node(id) {
        Node::List(s) | Node::Tuple(s) | Node::Dict(s) | Node::Set(s) | Node::FrozenSet(s) => {
            seq(&mut f, s)
        }
        Node::Object(i) => {
            let o = arena.objects[i as usize];
            f(o.callable);
            f(o.args);
            if o.kwargs != NIL {
                f(o.kwargs);
            }
            seq(&mut f, o.state);
            seq(&mut f, o.list_items);
            seq(&mut f, o.dict_items);
            seq(&mut f, arena.effects_of(i));
        }
        Node::PersId(p) => f(p),
        _ => {}
    }
}

/// In-graph reference counts, only for nodes a memo GET pushed (the only ones
/// that can be shared). Iterative: any depth.
fn count_refs(
    arena: &Arena,
    gotten: &[bool],
    root: NodeId,
    share_atoms: bool,
) -> HashMap<NodeId, u32> {
    let mut refs: HashMap<NodeId, u32> = HashMap::new();
    let mut seen = vec![false; arena.nodes.len()];
    let mut work = vec![root];
    seen[root as usize] = true;
    // Everything CPython memoizes keeps its identity: containers, and the
    // strs, bytes and complexes a memo GET fetches again (`x[0] is x[1]`),
    // so that writing the Value back fetches them from the memo exactly
    // where the original pickle did and a big str is held once. An int,
    // float or bool is never memoized by CPython: the same value twice.
    let is_gotten = |id: NodeId| {
        gotten.get(id as usize).copied().unwrap_or(false)
            && (share_atoms
                && matches!(
                    arena.node(id),
                    Node::Str(..) | Node::Py2Str(_) | Node::Bytes(_) | Node::Complex(..)
                )
                || matches!(
                    arena.node(id),
                    Node::List(_)
                        | Node::Tuple(_)
                        | Node::Dict(_)
                        | Node::Set(_)
                        | Node::FrozenSet(_)
                        | Node::ByteArray(_)
                        | Node::Object(_)
                        | Node::PersId(_)
                ))
    };
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

/// A cycle that passes through a tuple (`t = ([],); t[0].append(t)`) can
/// only be written back if a container on it is memoized before its items,
/// as CPython's pickler does for every list: mark the first list, dict, set
/// or object after the tuple on each such cycle as shared. Iterative DFS;
/// runs only when a memo-fetched tuple or frozenset exists.
fn share_cycles_through_tuples(
    arena: &Arena,
    gotten: &[bool],
    root: NodeId,
    refs: &mut HashMap<NodeId, u32>,
) {
    let immutable = |id: NodeId| matches!(arena.node(id), Node::Tuple(_) | Node::FrozenSet(_));
    let candidates = refs.keys().any(|&id| immutable(id));
    if !candidates || gotten.is_empty() {
        return;
    }
    const WHITE: u8 = 0;
    const GRAY: u8 = 1;
    const BLACK: u8 = 2;
    let mut color = vec![WHITE; arena.nodes.len()];
    let mut on_path: HashMap<NodeId, usize> = HashMap::new();
    // (node, its children, next child index)
    let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> = Vec::new();
    let children = |id: NodeId| {
        let mut v = Vec::new();
        for_each_child(arena, id, |c| v.push(c));
        v
    };
    color[root as usize] = GRAY;
    on_path.insert(root, 0);
    stack.push((root, children(root), 0));
    while let Some(top) = stack.last_mut() {
        let (id, kids, next) = (top.0, &top.1, top.2);
        if next == kids.len() {
            color[id as usize] = BLACK;
            on_path.remove(&id);
            stack.pop();
            continue;
        }
        let c = kids[next];
        top.2 += 1;
        match color[c as usize] {
            WHITE => {
                color[c as usize] = GRAY;
                on_path.insert(c, stack.len());
                let k = children(c);
                stack.push((c, k, 0));
            }
            GRAY if immutable(c) => share_rewritten(arena, c, refs),
            _ => {}
        }
    }
}

/// A tuple (or frozenset) `c` on a cycle is written twice by CPython's
/// pickler: its items, reached again from inside them, are saved a second
/// time before the tuple exists, and then popped for a memo GET of it. So
/// everything saved twice (its items, and through nested tuples theirs) is
/// fetched from the memo the second time: mark it shared, so that writing
/// the Value back memoizes it as CPython did (and a mutable item stays one
/// object). Atoms CPython does not memoize (ints, floats...) are left alone.
fn share_rewritten(arena: &Arena, c: NodeId, refs: &mut HashMap<NodeId, u32>) {
    let mut work = vec![c];
    let mut seen = std::collections::HashSet::new();
    while let Some(t) = work.pop() {
        if !seen.insert(t) {
            continue;
        }
        for_each_child(arena, t, |x| match arena.node(x) {
            Node::Tuple(_) | Node::FrozenSet(_) => {
                refs.insert(x, 2);
                work.push(x);
            }
            Node::List(_)
            | Node::Dict(_)
            | Node::Set(_)
            | Node::ByteArray(_)
            | Node::Object(_)
            | Node::PersId(_)
            | Node::Str(..)
            | Node::Py2Str(_)
            | Node::Bytes(_)
            | Node::Complex(..) => {
                refs.insert(x, 2);
            }
            _ => {}
        });
    }
}

struct Builder<'a> {
    arena: &'a Arena,
    input: &'a [u8],
    opts: &'a DeOptions,
    refs: HashMap<NodeId, u32>,
    shared: HashMap<NodeId, Shared>,
    /// Payload bytes (str, bytes, int digits, global names) still allowed
    /// to be copied: an unshared str referenced many times is copied each
    /// time (see [`DeOptions::max_expansion`]).
    payload_left: u64,
    /// A node was referred to while being built: the value has a cycle.
    cyclic: bool,
}

/// What a container frame assembles once its children are built.
enum Shell {
    List,
    Tuple,
    Set,
    FrozenSet,
    Dict,
    /// How many of the children are the args, kwargs (flat), states, list
    /// items and dict items (flat); the effects come last.
    Object {
        kind: crate::value::ObjectKind,
        args: usize,
        kwargs: Option<usize>,
        state: usize,
        list: usize,
        dict: usize,
    },
    PersId,
}

/// The children still to build for a frame.
enum Kids<'a> {
    /// A container's sequence, all at one depth.
    Seq(super::arena::SeqIter<'a>, usize),
    /// An object's parts, each with its depth.
    List(std::vec::IntoIter<(NodeId, usize)>),
}

/// A container being built: its children are built one at a time, so that
/// nesting costs heap (one frame per level), not native stack.
struct Frame<'a> {
    shell: Shell,
    shared: Option<Shared>,
    kids: Kids<'a>,
    out: Vec<Value>,
}

impl<'a> Builder<'a> {
    /// Build the value of `root`. Iterative: the depth limit, not the native
    /// stack, bounds nesting (a recursive walk overflowed a 2 MiB thread stack
    /// at ~550 levels in debug builds, below the default limit of 1024).
    fn build(&mut self, root: NodeId, depth: usize) -> Result<Value> {
        let mut stack: Vec<Frame<'a>> = Vec::new();
        let mut ready = self.start(root, depth, &mut stack)?;
        loop {
            if let Some(v) = ready.take() {
                match stack.last_mut() {
                    Some(top) => top.out.push(v),
                    None => return Ok(v),
                }
            }
            let Some(top) = stack.last_mut() else {
                return Err(Error::syntax("internal: empty build stack"));
            };
            let next = match &mut top.kids {
                Kids::Seq(it, d) => it.next().map(|c| (c, *d)),
                Kids::List(it) => it.next(),
            };
            ready = match next {
                Some((child, d)) => self.start(child, d, &mut stack)?,
                None => {
                    let frame = stack.pop().expect("a frame");
                    Some(finish(frame))
                }
            };
        }
    }

    /// Begin building `id`: its value if it has no children (or is a shared
    /// node already built), else `None` after pushing its frame.
    fn start(
        &mut self,
        id: NodeId,
        depth: usize,
        stack: &mut Vec<Frame<'a>>,
    ) -> Result<Option<Value>> {
        // Containers at depth 0..max_depth-1, as the typed reader counts.
        let atom = matches!(
            self.arena.node(id),
            Node::None
                | Node::Bool(_)
                | Node::Int(_)
                | Node::BigInt(_)
                | Node::Float(_)
                | Node::Complex(..)
                | Node::Str(..)
                | Node::Py2Str(_)
                | Node::Bytes(_)
                | Node::ByteArray(_)
                | Node::Global(_)
                | Node::Buffer { .. }
        );
        if depth >= self.opts.max_depth && !(atom && depth == self.opts.max_depth) {
            return Err(depth_error(self.opts));
        }
        let mut shared = None;
        if self.refs.get(&id).is_some_and(|&n| n > 1) {
            if let Some(s) = self.shared.get(&id) {
                // A node referred to while it is being built: a cycle.
                if !s.is_set() {
                    if self.opts.reject_cycles {
                        return Err(Error::new(ErrorCode::Recursive));
                    }
                    self.cyclic = true;
                }
                return Ok(Some(Value::Shared(s.clone())));
            }
            let s = Shared::pending();
            self.shared.insert(id, s.clone());
            shared = Some(s);
        }
        let arena = self.arena;
        let seq =
            |shell: Shell, s: Seq| (shell, Kids::Seq(arena.iter(s), depth + 1), s.len as usize);
        let (shell, kids, n) = match arena.node(id) {
            Node::List(s) => seq(Shell::List, s),
            Node::Tuple(s) => seq(Shell::Tuple, s),
            Node::Set(s) => seq(Shell::Set, s),
            Node::FrozenSet(s) => seq(Shell::FrozenSet, s),
            Node::Dict(s) => seq(Shell::Dict, s),
            Node::Object(i) => {
                let o = arena.objects[i as usize];
                let mut kids = vec![(o.callable, depth + 1)];
                if let Node::Tuple(s) = arena.node(o.args) {
                    kids.extend(arena.iter(s).map(|c| (c, depth + 2)));
                }
                let args = kids.len() - 1;
                let kwargs = match (o.kwargs != NIL).then(|| arena.node(o.kwargs)) {
                    Some(Node::Dict(s)) => {
                        kids.extend(arena.iter(s).map(|c| (c, depth + 2)));
                        Some(s.len as usize)
                    }
                    _ => None,
                };
                kids.extend(arena.iter(o.state).map(|c| (c, depth + 1)));
                kids.extend(arena.iter(o.list_items).map(|c| (c, depth + 1)));
                kids.extend(arena.iter(o.dict_items).map(|c| (c, depth + 1)));
                kids.extend(arena.iter(arena.effects_of(i)).map(|c| (c, depth + 1)));
                let shell = Shell::Object {
                    kind: o.kind,
                    args,
                    kwargs,
                    state: o.state.len as usize,
                    list: o.list_items.len as usize,
                    dict: o.dict_items.len as usize,
                };
                let n = kids.len();
                (shell, Kids::List(kids.into_iter()), n)
            }
            Node::PersId(p) => (Shell::PersId, Kids::List(vec![(p, depth + 1)].into_iter()), 1),
            _ => {
                let v = self.scalar(id)?;
                return Ok(Some(Shared::fill(shared, v)));
            }
        };
        stack.push(Frame { shell, shared, kids, out: Vec::with_capacity(n) });
        Ok(None)
    }

    fn text(&self, span: crate::read::Span) -> &[u8] {
        self.arena.bytes(self.input, span)
    }

    /// Account for copying a node's payload (see `payload_left`).
    fn charge(&mut self, node: Node) -> Result<()> {
        let n = match node {
            Node::Str(span, _) | Node::Py2Str(span) | Node::Bytes(span) | Node::ByteArray(span) => {
                self.text(span).len() as u64
            }
            Node::BigInt(i) => self.arena.bigints[i as usize].bits() / 8,
            Node::Global(g) => {
                let g = self.arena.globals[g as usize];
                (self.text(g.module).len() + self.text(g.name).len()) as u64
            }
            _ => 0,
        };
        self.payload_left =
            self.payload_left.checked_sub(n).ok_or_else(|| expansion_error(self.opts))?;
        Ok(())
    }

    /// A node without children.
    fn scalar(&mut self, id: NodeId) -> Result<Value> {
        self.charge(self.arena.node(id))?;
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
            Node::Global(g) => {
                let g = self.arena.globals[g as usize];
                Value::from(Global::new(utf8(self.text(g.module))?, utf8(self.text(g.name))?))
            }
            Node::Buffer { index, readonly } => Value::Buffer { index: index as usize, readonly },
            Node::List(_)
            | Node::Tuple(_)
            | Node::Set(_)
            | Node::FrozenSet(_)
            | Node::Dict(_)
            | Node::Object(_)
            | Node::PersId(_) => {
                return Err(Error::syntax("internal: container built as a scalar"))
            }
        })
    }
}

/// Key-value pairs from keys and values alternating.
pub(crate) fn pairs(flat: Vec<Value>) -> Vec<(Value, Value)> {
    let mut flat = flat.into_iter();
    let mut out = Vec::with_capacity(flat.len() / 2);
    while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
        out.push((k, v));
    }
    out
}

/// Assemble a frame whose children are all built.
fn finish(frame: Frame<'_>) -> Value {
    let Frame { shell, shared, mut out, .. } = frame;
    let v = match shell {
        Shell::List => Value::List(out),
        Shell::Tuple => Value::Tuple(out),
        Shell::Set => Value::Set(out),
        Shell::FrozenSet => Value::FrozenSet(out),
        Shell::Dict => Value::Dict(Dict::from_pairs(pairs(out))),
        Shell::PersId => Value::PersistentId(Box::new(out.pop().unwrap_or(Value::None))),
        Shell::Object { kind, args, kwargs, state, list, dict } => {
            let mut rest = out.split_off(1);
            let callable = out.pop().unwrap_or(Value::None);
            let mut after = rest.split_off(args);
            let args_v = rest;
            let kwargs_v = kwargs.map(|n| {
                let tail = after.split_off(n);
                Dict::from_pairs(pairs(std::mem::replace(&mut after, tail)))
            });
            let mut list_and_dict = after.split_off(state);
            let state_v = after;
            let mut dict_flat = list_and_dict.split_off(list);
            let effects = dict_flat.split_off(dict);
            let mut obj = Object::new(kind, callable, args_v);
            obj.kwargs = kwargs_v;
            obj.state = state_v;
            obj.list_items = list_and_dict;
            obj.dict_items = pairs(dict_flat);
            obj.effects = effects;
            Value::Object(Box::new(obj))
        }
    };
    Shared::fill(shared, v)
}

pub(crate) fn utf8(bytes: &[u8]) -> Result<&str> {
    crate::codec::utf8::str_from(bytes).ok_or_else(surrogate_error)
}

/// Memo references expanded beyond [`DeOptions::max_expansion`].
pub(crate) fn expansion_error(opts: &DeOptions) -> Error {
    Error::limit_exceeded(
        "max_expansion",
        opts.max_expansion,
        "shared strs, bytes or ints repeat to more bytes than the pickle holds, that many times over",
    )
}

/// Containers nested deeper than [`DeOptions::max_depth`].
pub(crate) fn depth_error(opts: &DeOptions) -> Error {
    Error::limit_exceeded("max_depth", opts.max_depth, "containers nested deeper")
}

pub(crate) fn surrogate_error() -> Error {
    Error::new(ErrorCode::Message(
        "str contains lone surrogates (CPython's surrogatepass), which a Rust String cannot hold"
            .into(),
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
                Err(Error::message(
                    "Python 2 str is not ASCII (read with Py2Strings::Latin1 or Bytes)",
                ))
            }
        }
        Py2Strings::Latin1 => Ok(Value::Str(bytes.iter().map(|&b| b as char).collect())),
    }
}

#[cfg(test)]
mod tests {
    use crate::value::Value;

    use crate::testing::nested_lists as nested;

    #[test]
    fn nesting_at_the_default_limit_reads_on_a_2_mib_stack() {
        // The recursive walk this replaced overflowed here at ~550 levels (debug build).
        let data = nested(1024);
        let depth = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(move || {
                let root = crate::from_slice::<Value>(&data)
                    .expect("1024 levels are within the default limit");
                let (mut v, mut depth) = (&root, 1);
                while let Value::List(items) = v {
                    match items.last() {
                        Some(inner) => {
                            v = inner;
                            depth += 1;
                        }
                        None => break,
                    }
                }
                depth
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(depth, 1024);
    }

    #[test]
    fn nesting_beyond_the_limit_is_a_limit_error() {
        // max_depth containers nest, as for typed reads.
        let opts = crate::DeOptions::new().max_depth(10);
        let err = crate::from_slice_with::<Value>(&nested(11), &opts).unwrap_err();
        assert_eq!(err.category(), crate::Category::Limit);
        assert!(crate::from_slice_with::<Value>(&nested(10), &opts).is_ok());
    }
}
