//! Checks shared by the fuzz targets (each target includes this module).
#![allow(dead_code)]

use serde_pickle::{Category, Error, ErrorCode, Value};

/// An error must format, and one raised while running the opcode VM
/// (truncated input, malformed opcodes, an unsupported protocol) must say
/// where. (Errors raised later, turning the loaded pickle into a Rust value
/// — a type mismatch, a persistent id without a hook — have no offset.)
pub fn check_error(e: &Error) {
    let _ = e.to_string();
    let _ = format!("{e:?}");
    if matches!(e.category(), Category::Eof | Category::Syntax)
        || matches!(e.code(), ErrorCode::UnsupportedProtocol(_))
    {
        assert!(e.offset().is_some(), "VM error without an offset: {e}");
    }
}

/// Everything a caller can do with a `Value` without writing it: format it,
/// compare it, clone it, drop it.
pub fn exercise(value: &Value) {
    let _ = format!("{value:?}");
    // Display prints a shared node's content at every reference, as Python's
    // repr does: exponential for a "billion laughs" (documented, by design).
    if expands_to_at_most(value, 1 << 16) {
        let _ = format!("{value}");
    }
    let _ = value.is_hashable();
    let _ = value.hash_key();
    let copy = value.clone();
    // Python equality (NaN != NaN, so no assertion), then the strict one,
    // which a clone must satisfy.
    let _ = copy == *value;
    assert!(copy.same_as(value), "a clone is not the same_as the original");
    drop(copy);
}

use std::collections::HashMap;

/// Whether printing `v` in full (the content of a shared node at every
/// reference, a cycle cut where it closes) visits at most `limit` nodes.
pub fn expands_to_at_most(v: &Value, limit: usize) -> bool {
    enum Task<'a> {
        Visit(&'a Value),
        Leave(usize),
    }
    let mut path = std::collections::HashSet::new();
    let mut work = vec![Task::Visit(v)];
    let mut visited = 0;
    while let Some(task) = work.pop() {
        let v = match task {
            Task::Visit(v) => v,
            Task::Leave(id) => {
                path.remove(&id);
                continue;
            }
        };
        visited += 1;
        if visited > limit {
            return false;
        }
        match v {
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => work.extend(items.iter().map(Task::Visit)),
            Value::Dict(d) => work.extend(d.iter().flat_map(|(k, v)| [k, v]).map(Task::Visit)),
            Value::PersistentId(id) => work.push(Task::Visit(id)),
            Value::Object(o) => {
                work.push(Task::Visit(&o.callable));
                work.extend(o.args.iter().chain(&o.state).chain(&o.list_items).map(Task::Visit));
                let kwargs = o.kwargs.iter().flat_map(|d| d.iter());
                work.extend(kwargs.chain(&o.dict_items).flat_map(|(k, v)| [k, v]).map(Task::Visit));
            }
            Value::Shared(s) if path.insert(s.id()) => {
                work.push(Task::Leave(s.id()));
                work.push(Task::Visit(s.get()));
            }
            _ => {}
        }
    }
    true
}

use serde_pickle::value::{Dict, Global, Object, ObjectKind, Shared};

/// What reading back `to_vec_with(value, protocol)` gives, for a `value` that
/// was itself read from a pickle.
///
/// The reader shares what the pickle fetched from the memo and references
/// more than once, and a container on a cycle through a tuple. A node left
/// with one reference is written once and reads back unshared: the pickle
/// used it twice as the same dict key (`{o: 1, o: 2}`), one of which the
/// dict dropped.
pub fn expect_rewritten(value: &Value, protocol: u8) -> Value {
    expect_rewritten_by_hand(value, protocol)
}

/// [`expect_rewritten`] for a `value` built by hand (tests/writing/proptest_roundtrip.rs),
/// which may hold what a reader never produces: a `Shared` node around an
/// atom, or referenced from one place only (and not on a cycle), reads back
/// as its plain content (a reader makes a node shared only when the pickle
/// fetches it from the memo, and only a container can be); `kwargs` outside
/// `NewObjEx` are not written.
pub fn expect_rewritten_by_hand(value: &Value, protocol: u8) -> Value {
    rewrite_with(value, protocol, false)
}

/// [`expect_rewritten_by_hand`], and every shared str, bytes or complex
/// replaced by its content: for comparing where the sharing of such atoms
/// (which a reader keeps when the pickle fetches one from its memo again,
/// and which the writer creates for some names) is not modelled.
#[allow(dead_code)]
pub fn expect_rewritten_without_shared_atoms(value: &Value, protocol: u8) -> Value {
    rewrite_with(value, protocol, true)
}

fn rewrite_with(value: &Value, protocol: u8, unshare_atoms: bool) -> Value {
    let mut refs: HashMap<usize, usize> = HashMap::new();
    for_each_node(value, |v| {
        if let Value::Shared(s) = v {
            *refs.entry(s.id()).or_default() += 1;
        }
    });
    rewrite(value, protocol, refs, unshare_atoms)
}

/// Whether the shared node `s` can reach itself.
fn on_cycle(s: &Shared) -> bool {
    let mut found = false;
    for_each_node(s.get(), |v| {
        if let Value::Shared(t) = v {
            found |= t.ptr_eq(s);
        }
    });
    found
}

fn rewrite(
    value: &Value,
    protocol: u8,
    shared_refs: HashMap<usize, usize>,
    unshare_atoms: bool,
) -> Value {
    let dotted_refs = if protocol < 4 { dotted_refs(value, protocol) } else { HashMap::new() };
    Rewrite {
        unshare_atoms,
        protocol,
        shared: HashMap::new(),
        shared_refs,
        buffers: 0,
        dotted_refs,
        dotted: HashMap::new(),
    }
    .map(value)
}

/// Whether a reader can share `v` (keep its identity): containers, and the
/// immutables CPython memoizes (str, bytes, complex).
fn shareable(v: &Value) -> bool {
    matches!(
        v,
        Value::Str(_)
            | Value::SurrogateStr(_)
            | Value::Bytes(_)
            | Value::Complex(..)
            | Value::List(_)
            | Value::Tuple(_)
            | Value::Dict(_)
            | Value::Set(_)
            | Value::FrozenSet(_)
            | Value::ByteArray(_)
            | Value::Object(_)
            | Value::PersistentId(_)
    )
}

/// Each node of `value` once (a shared node's content once, however often
/// it is referenced), parents before children.
pub fn for_each_node<'a>(value: &'a Value, f: impl FnMut(&'a Value)) {
    walk(value, f, |_| false)
}

/// Each node of `value` as often as the writer writes it: the content of a
/// shared node once (a shared persistent id is memoized too, as the pickle
/// that made it shared did), except that of an atom (shared by hand only),
/// written at each reference.
fn for_each_written<'a>(value: &'a Value, f: impl FnMut(&'a Value)) {
    walk(value, f, |s| !shareable(s.get()))
}

fn walk<'a>(value: &'a Value, mut f: impl FnMut(&'a Value), again: impl Fn(&Shared) -> bool) {
    let mut seen = std::collections::HashSet::new();
    let mut work = vec![value];
    while let Some(v) = work.pop() {
        f(v);
        match v {
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => work.extend(items.iter().rev()),
            Value::Dict(d) => work.extend(d.iter().rev().flat_map(|(k, v)| [v, k])),
            Value::PersistentId(id) => work.push(id),
            Value::Object(o) => {
                work.extend(o.dict_items.iter().rev().flat_map(|(k, v)| [v, k]));
                work.extend(o.list_items.iter().rev());
                work.extend(o.state.iter().rev());
                work.extend(o.kwargs.iter().flat_map(|d| d.iter().rev().flat_map(|(k, v)| [v, k])));
                work.extend(o.args.iter().rev());
                work.push(&o.callable);
            }
            Value::Shared(s) if again(s) || seen.insert(s.id()) => work.push(s.get()),
            _ => {}
        }
    }
}

/// Below protocol 4 a global with a dotted name (`str.upper`) is written as
/// CPython writes it, `getattr(<global str>, 'upper')`, and memoized: how
/// many references each such `(module, name)` gets in the written pickle
/// (its uses, plus one from the `getattr` of each longer name built on it).
/// (The class of an `INST`, at protocol 0, is written as two lines of text
/// instead, whatever its name.)
fn dotted_refs(value: &Value, protocol: u8) -> HashMap<(String, String), usize> {
    let mut uses: HashMap<(String, String), i64> = HashMap::new();
    for_each_written(value, |v| match v {
        Value::Global(g) if g.name.contains('.') => {
            *uses.entry((g.module.clone(), g.name.clone())).or_default() += 1;
        }
        Value::Object(o) if o.kind == ObjectKind::Inst && protocol == 0 => {
            if let Value::Global(g) = &o.callable {
                *uses.entry((g.module.clone(), g.name.clone())).or_default() -= 1;
            }
        }
        _ => {}
    });
    let mut refs: HashMap<(String, String), usize> =
        uses.into_iter().filter(|&(_, n)| n > 0).map(|(k, n)| (k, n as usize)).collect();
    let mut created: Vec<(String, String)> = refs.keys().cloned().collect();
    let mut done: std::collections::HashSet<(String, String)> = created.iter().cloned().collect();
    while let Some((m, n)) = created.pop() {
        let Some((parent, _)) = n.rsplit_once('.') else { continue };
        if !parent.contains('.') {
            continue;
        }
        let key = (m, parent.to_string());
        *refs.entry(key.clone()).or_default() += 1;
        if done.insert(key.clone()) {
            created.push(key);
        }
    }
    refs
}

struct Rewrite {
    /// Replace shared strs, bytes and complexes by their content.
    unshare_atoms: bool,
    protocol: u8,
    /// Shared nodes already mapped (by identity), so sharing and cycles survive.
    shared: HashMap<usize, Shared>,
    /// How many references each shared node has in the value.
    shared_refs: HashMap<usize, usize>,
    /// Out-of-band buffers written so far.
    buffers: usize,
    /// See [`dotted_refs`].
    dotted_refs: HashMap<(String, String), usize>,
    /// The shared `getattr` objects made for dotted globals referenced more than once.
    dotted: HashMap<(String, String), Shared>,
}

impl Rewrite {
    fn dotted(&mut self, module: &str, name: &str) -> Value {
        let key = (module.to_string(), name.to_string());
        if let Some(s) = self.dotted.get(&key) {
            return Value::Shared(s.clone());
        }
        let Some((parent, last)) = name.rsplit_once('.') else {
            return Value::from(Global::new(module, name));
        };
        let parent = self.dotted(module, parent);
        let obj = Value::Object(Box::new(Object::new(
            ObjectKind::Reduce,
            Value::from(Global::new("builtins", "getattr")),
            vec![parent, Value::Str(last.to_string())],
        )));
        if self.dotted_refs.get(&key).copied().unwrap_or(0) > 1 {
            let s = Shared::new(obj);
            self.dotted.insert(key, s.clone());
            Value::Shared(s)
        } else {
            obj
        }
    }

    /// Protocol 0 writes floats as text (`repr`), where a NaN is `nan`:
    /// its sign and payload are lost, as in CPython.
    fn float(&self, x: f64) -> f64 {
        if self.protocol == 0 && x.is_nan() {
            f64::NAN
        } else {
            x
        }
    }

    fn map(&mut self, v: &Value) -> Value {
        match v {
            // NEXT_BUFFER takes the next buffer: each buffer written is
            // numbered by its position (a buffer referenced twice is taken
            // twice, as CPython writes it).
            Value::Buffer { readonly, .. } => {
                self.buffers += 1;
                Value::Buffer { index: self.buffers - 1, readonly: *readonly }
            }
            Value::Float(x) => Value::Float(self.float(*x)),
            Value::Complex(re, im) => Value::Complex(self.float(*re), self.float(*im)),
            Value::Global(g) if self.protocol < 4 && g.name.contains('.') => {
                self.dotted(&g.module, &g.name)
            }
            Value::List(items) => Value::List(self.all(items)),
            Value::Tuple(items) => Value::Tuple(self.all(items)),
            Value::Set(items) => Value::Set(self.all(items)),
            Value::FrozenSet(items) => Value::FrozenSet(self.all(items)),
            Value::Dict(d) => Value::Dict(self.dict(d)),
            // PERSID (protocol 0) takes a line of text: an int id is written
            // as its decimal digits, and reads back as that str.
            Value::PersistentId(id) if self.protocol == 0 => match &**id {
                Value::Int(i) => Value::PersistentId(Box::new(Value::Str(i.to_string()))),
                Value::BigInt(i) => Value::PersistentId(Box::new(Value::Str(i.to_string()))),
                other => Value::PersistentId(Box::new(self.map(other))),
            },
            Value::PersistentId(id) => Value::PersistentId(Box::new(self.map(id))),
            Value::Object(o) => Value::Object(Box::new(self.object(o))),
            // The empty tuple is a singleton in CPython: picklers never
            // memoize it, so a reference to it is never shared.
            Value::Shared(s) if matches!(s.get(), Value::Tuple(t) if t.is_empty()) => {
                Value::Tuple(Vec::new())
            }
            // Atoms are never shared; a node referenced once is not shared.
            Value::Shared(s) if !shareable(s.get()) || self.referenced_once(s) => self.map(s.get()),
            Value::Shared(s)
                if self.unshare_atoms
                    && matches!(
                        s.get(),
                        Value::Str(_)
                            | Value::SurrogateStr(_)
                            | Value::Bytes(_)
                            | Value::Complex(..)
                    ) =>
            {
                self.map(s.get())
            }
            Value::Shared(s) => {
                if let Some(done) = self.shared.get(&s.id()) {
                    return Value::Shared(done.clone());
                }
                let node = Shared::empty();
                self.shared.insert(s.id(), node.clone());
                let content = self.map(s.get());
                let _ = node.set(content);
                Value::Shared(node)
            }
            other => other.clone(),
        }
    }

    fn referenced_once(&self, s: &Shared) -> bool {
        self.shared_refs.get(&s.id()).copied().unwrap_or(0) < 2 && !on_cycle(s)
    }

    fn all(&mut self, items: &[Value]) -> Vec<Value> {
        items.iter().map(|v| self.map(v)).collect()
    }

    fn pairs(&mut self, pairs: &[(Value, Value)]) -> Vec<(Value, Value)> {
        pairs.iter().map(|(k, v)| (self.map(k), self.map(v))).collect()
    }

    fn dict(&mut self, d: &Dict) -> Dict {
        self.pairs(d.as_slice()).into_iter().collect()
    }

    fn object(&mut self, o: &Object) -> Object {
        let callable = match &o.callable {
            // INST at protocol 0 names its class in text: no getattr.
            Value::Global(g) if o.kind == ObjectKind::Inst && self.protocol == 0 => {
                Value::Global(g.clone())
            }
            other => self.map(other),
        };
        // In the order the writer writes them (buffers are numbered so).
        let args = self.all(&o.args);
        let kwargs = match o.kind {
            ObjectKind::NewObjEx => o.kwargs.as_ref().map(|d| self.dict(d)),
            _ => None,
        };
        let list_items = self.all(&o.list_items);
        let dict_items = self.pairs(&o.dict_items);
        let state = self.all(&o.state);
        let mut out = match o.kind {
            // Below protocol 4 there is no NEWOBJ_EX: it is written as
            // `copyreg.__newobj_ex__(cls, args, kwargs)`, which CPython
            // calls and this crate keeps as the REDUCE it is.
            ObjectKind::NewObjEx if self.protocol < 4 => Object::new(
                ObjectKind::Reduce,
                Value::from(Global::new("copyreg", "__newobj_ex__")),
                vec![callable, Value::Tuple(args), Value::Dict(kwargs.unwrap_or_default())],
            ),
            // NEWOBJ_EX always has a kwargs dict, if only an empty one.
            ObjectKind::NewObjEx => {
                let mut out = Object::new(o.kind, callable, args);
                out.kwargs = Some(kwargs.unwrap_or_default());
                out
            }
            // Only NEWOBJ_EX has keyword arguments.
            kind => Object::new(kind, callable, args),
        };
        out.state = state;
        out.list_items = list_items;
        out.dict_items = dict_items;
        out
    }
}

/// Whether `value` names a global that writing at `protocol` and reading
/// back renames: below protocol 3 the writer applies CPython's Python 3 -> 2
/// renames and the reader the 2 -> 3 ones, and a global such as
/// `__builtin__.set` read from a protocol-3 pickle comes back as
/// `builtins.set` (and its REDUCE as a set, or as an error for a set of
/// lists), as in CPython.
pub fn renames_globals(value: &Value, protocol: u8) -> bool {
    use serde_pickle::codec::py2_renames::{py2_to_py3, py3_to_py2};
    if protocol >= 3 {
        return false;
    }
    let mut seen = std::collections::HashSet::new();
    let mut work = vec![value];
    while let Some(v) = work.pop() {
        match v {
            Value::Global(g) => {
                // A dotted name is written as getattr() of its first part.
                let first = g.name.split('.').next().unwrap_or_default();
                let (m, n) = py3_to_py2(&g.module, first).unwrap_or((&g.module, first));
                if py2_to_py3(m, n).unwrap_or((m, n)) != (g.module.as_str(), first) {
                    return true;
                }
            }
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => work.extend(items),
            Value::Dict(d) => work.extend(d.iter().flat_map(|(k, v)| [k, v])),
            Value::PersistentId(id) => work.push(id),
            Value::Object(o) => {
                work.push(&o.callable);
                work.extend(&o.args);
                work.extend(o.kwargs.iter().flat_map(|d| d.iter().flat_map(|(k, v)| [k, v])));
                work.extend(&o.state);
                work.extend(&o.list_items);
                work.extend(o.dict_items.iter().flat_map(|(k, v)| [k, v]));
            }
            Value::Shared(s) if seen.insert(s.id()) => work.push(s.get()),
            _ => {}
        }
    }
    false
}
