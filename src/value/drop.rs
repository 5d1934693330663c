//! `Clone` for [`Value`] without recursion, and `Drop` for [`Dict`] and
//! [`Shared`] without recursion.
//!
//! `Value` itself has no `Drop` (so a `match` can move its fields out):
//! dropping a list drops its items through `Vec`'s own drop, one native
//! stack frame per level of lists, tuples, sets or objects nested directly
//! in one another (about 200 bytes per level in a debug build). A dict or a
//! shared node moves what it holds onto a heap work list instead, so below
//! one, depth costs no stack. The reader never nests more than
//! [`DeOptions::MAX_DEPTH`](crate::DeOptions::MAX_DEPTH) levels, which drop
//! on a 2 MiB stack (`tests/value_drop.rs`).

use std::mem;
use std::sync::Arc;

use super::{Dict, Object, Shared, Value};

/// The `i`-th direct child of `v`, in a fixed order: items of sequences and
/// sets; key, value, key, value... of dicts; an object's callable, args,
/// kwargs (key, value...), state, list items, dict items (key, value...),
/// effects;
/// a persistent id's value. `Shared` nodes have no children here (cloning
/// one clones the pointer).
pub(super) fn child(v: &Value, i: usize) -> Option<&Value> {
    fn pair(pairs: &[(Value, Value)], i: usize) -> Option<&Value> {
        pairs.get(i / 2).map(|(k, v)| if i % 2 == 0 { k } else { v })
    }
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.get(i)
        }
        Value::Dict(d) => pair(d.as_slice(), i),
        Value::PersistentId(p) => (i == 0).then_some(&**p),
        Value::Object(o) => {
            let kwargs = o.kwargs.as_ref().map_or(&[][..], Dict::as_slice);
            if i == 0 {
                return Some(&o.callable);
            }
            let mut i = i - 1;
            if i < o.args.len() {
                return o.args.get(i);
            }
            i -= o.args.len();
            if i < 2 * kwargs.len() {
                return pair(kwargs, i);
            }
            i -= 2 * kwargs.len();
            if i < o.state.len() {
                return o.state.get(i);
            }
            i -= o.state.len();
            if i < o.list_items.len() {
                return o.list_items.get(i);
            }
            i -= o.list_items.len();
            if i < 2 * o.dict_items.len() {
                return pair(&o.dict_items, i);
            }
            o.effects.get(i - 2 * o.dict_items.len())
        }
        _ => None,
    }
}

/// Pairs from a flat key, value, key, value... sequence.
fn pairs(flat: impl Iterator<Item = Value>) -> Vec<(Value, Value)> {
    let mut flat = flat;
    let mut out = Vec::with_capacity(flat.size_hint().0 / 2);
    while let (Some(k), Some(v)) = (flat.next(), flat.next()) {
        out.push((k, v));
    }
    out
}

/// A copy of `src` whose children (in [`child`] order) are `children`.
fn rebuild(src: &Value, children: Vec<Value>) -> Value {
    let mut it = children.into_iter();
    match src {
        Value::None => Value::None,
        Value::Bool(b) => Value::Bool(*b),
        Value::Int(i) => Value::Int(*i),
        Value::BigInt(i) => Value::BigInt(i.clone()),
        Value::Float(x) => Value::Float(*x),
        Value::Complex(re, im) => Value::Complex(*re, *im),
        Value::Str(s) => Value::Str(s.clone()),
        Value::SurrogateStr(b) => Value::SurrogateStr(b.clone()),
        Value::Bytes(b) => Value::Bytes(b.clone()),
        Value::ByteArray(b) => Value::ByteArray(b.clone()),
        Value::List(_) => Value::List(it.collect()),
        Value::Tuple(_) => Value::Tuple(it.collect()),
        Value::Set(_) => Value::Set(it.collect()),
        Value::FrozenSet(_) => Value::FrozenSet(it.collect()),
        Value::Dict(_) => Value::Dict(Dict::from_unique(pairs(it))),
        Value::Global(g) => Value::Global(g.clone()),
        Value::Object(o) => {
            let callable = it.next().unwrap_or(Value::None);
            let args = it.by_ref().take(o.args.len()).collect();
            let kwargs = o
                .kwargs
                .as_ref()
                .map(|kw| Dict::from_unique(pairs(it.by_ref().take(2 * kw.len()))));
            let state = it.by_ref().take(o.state.len()).collect();
            let list_items = it.by_ref().take(o.list_items.len()).collect();
            let dict_items = pairs(it.by_ref().take(2 * o.dict_items.len()));
            Value::Object(Box::new(Object {
                kind: o.kind,
                callable,
                args,
                kwargs,
                state,
                list_items,
                dict_items,
                effects: it.collect(),
            }))
        }
        Value::Buffer { index, readonly } => Value::Buffer { index: *index, readonly: *readonly },
        Value::PersistentId(_) => Value::PersistentId(Box::new(it.next().unwrap_or(Value::None))),
        Value::Shared(s) => Value::Shared(s.clone()),
    }
}

/// A value whose clone is under way: its source and the children copied so far.
struct Frame<'a> {
    src: &'a Value,
    next: usize,
    out: Vec<Value>,
}

/// Deep copy (the content of `Shared` nodes is not copied: the clone points
/// to the same nodes), without recursion: nesting depth costs heap, not stack.
///
/// ```
/// use serde_pickle::{pickle, Value};
/// let v = pickle!({"a": [1, (2, None)]});
/// assert!(v.clone().same_as(&v));
/// ```
impl Clone for Value {
    fn clone(&self) -> Value {
        if child(self, 0).is_none() {
            return rebuild(self, Vec::new());
        }
        let mut stack = vec![Frame { src: self, next: 0, out: Vec::new() }];
        while let Some(top) = stack.last_mut() {
            if let Some(c) = child(top.src, top.next) {
                top.next += 1;
                if child(c, 0).is_none() {
                    top.out.push(rebuild(c, Vec::new()));
                } else {
                    stack.push(Frame { src: c, next: 0, out: Vec::new() });
                }
                continue;
            }
            let done = match stack.pop() {
                Some(frame) => rebuild(frame.src, frame.out),
                None => break,
            };
            match stack.last_mut() {
                Some(parent) => parent.out.push(done),
                None => return done,
            }
        }
        Value::None // unreachable: the loop returns when the root is rebuilt
    }
}

/// True if dropping `v` the usual way could recurse more than one level:
/// some child has children of its own, or is a shared node.
fn has_deep_children(v: &Value) -> bool {
    // Straight over the slices: this runs for every value dropped, and a
    // list of a million floats should cost one pass, not a `child` walk.
    let deep = |c: &Value| matches!(c, Value::Shared(_)) || has_children(c);
    match v {
        Value::Shared(Shared(arc)) => Arc::strong_count(arc) == 1,
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.iter().any(deep)
        }
        Value::Dict(d) => d.as_slice().iter().any(|(k, x)| deep(k) || deep(x)),
        Value::PersistentId(p) => deep(p),
        Value::Object(_) => (0..).map_while(|i| child(v, i)).any(deep),
        _ => false,
    }
}

/// `child(c, 0).is_some()`, without the walk.
fn has_children(c: &Value) -> bool {
    match c {
        Value::List(v) | Value::Tuple(v) | Value::Set(v) | Value::FrozenSet(v) => !v.is_empty(),
        Value::Dict(d) => !d.as_slice().is_empty(),
        Value::PersistentId(_) | Value::Object(_) => true,
        _ => false,
    }
}

/// Move the children of `v` (and the content of a shared node this is the
/// last reference to) onto `stack`, leaving `v` shallow.
fn detach_children(v: &mut Value, stack: &mut Vec<Value>) {
    fn push_pairs(pairs: Vec<(Value, Value)>, stack: &mut Vec<Value>) {
        for (k, v) in pairs {
            stack.push(k);
            stack.push(v);
        }
    }
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            stack.append(items)
        }
        Value::Dict(d) => push_pairs(mem::take(&mut d.entries), stack),
        Value::PersistentId(p) => stack.push(mem::take(&mut **p)),
        Value::Object(o) => {
            stack.push(mem::take(&mut o.callable));
            stack.append(&mut o.args);
            if let Some(mut kw) = o.kwargs.take() {
                push_pairs(mem::take(&mut kw.entries), stack);
            }
            stack.append(&mut o.state);
            stack.append(&mut o.list_items);
            push_pairs(mem::take(&mut o.dict_items), stack);
            stack.append(&mut o.effects);
        }
        Value::Shared(Shared(arc)) => {
            if let Some(content) = Arc::get_mut(arc).and_then(|cell| cell.take()) {
                stack.push(content);
            }
        }
        _ => {}
    }
}

/// Drop `first` and everything below it without recursion: children are
/// moved onto a heap work list and dropped one by one, each left shallow.
fn drop_all(first: Vec<Value>) {
    let mut stack = first;
    while let Some(mut v) = stack.pop() {
        if has_deep_children(&v) {
            detach_children(&mut v, &mut stack);
        }
    }
}

/// A dict drops its entries without recursion, so dicts nested to any depth
/// (`{'k': {'k': ...}}`) never overflow the stack when dropped.
///
/// ```
/// use serde_pickle::{value::Dict, Value};
/// let mut v = Value::None;
/// for _ in 0..1_000_000 {
///     v = Value::Dict([("k", v)].into_iter().collect::<Dict>());
/// }
/// drop(v); // no stack overflow
/// ```
impl Drop for Dict {
    #[inline]
    fn drop(&mut self) {
        if self.entries.iter().any(|(k, v)| !drops_shallow(k) || !drops_shallow(v)) {
            let mut stack = Vec::with_capacity(self.entries.len() * 2);
            for (k, v) in mem::take(&mut self.entries) {
                stack.push(k);
                stack.push(v);
            }
            drop_all(stack);
        }
    }
}

/// True if dropping `v` the usual way recurses at most two levels: it has
/// no children, or it is a sequence whose items have none (a record's list
/// of tags). Most dicts hold only such values, and dropping them in place
/// costs far less than moving every entry onto a work list (a third of the
/// time of dropping a list of 100,000 small dicts). A shared node's own
/// `Drop` takes care of its content. Inline: it runs for every key and
/// value of every dict dropped.
#[inline(always)]
fn drops_shallow(v: &Value) -> bool {
    match v {
        Value::List(items) | Value::Tuple(items) | Value::Set(items) | Value::FrozenSet(items) => {
            items.iter().all(|c| !has_children(c) && !is_last_shared(c))
        }
        _ => !has_children(v) && !is_last_shared(v),
    }
}

/// True for the last reference to a shared node that holds something.
/// Inline: it runs for every key and value of every dict dropped.
#[inline(always)]
fn is_last_shared(v: &Value) -> bool {
    matches!(v, Value::Shared(Shared(arc)) if Arc::strong_count(arc) == 1)
}

/// Drop `values` without recursion.
pub(super) fn drop_values(values: Vec<Value>) {
    drop_all(values)
}

/// The last reference to a shared node drops its content without
/// recursion. Dropping a reference to a node that may be on a cycle checks
/// whether the cycle has become unreachable, and frees it if so (see
/// `cycles.rs`).
impl Drop for Shared {
    #[inline]
    fn drop(&mut self) {
        // Most references dropped are not the last (a dict key fetched
        // from the memo, in every record): a plain load tells, where
        // `Arc::get_mut` alone is a compare-and-swap each time.
        let last = Arc::strong_count(&self.0) == 1;
        if let Some(content) =
            last.then(|| Arc::get_mut(&mut self.0)).flatten().and_then(|cell| cell.take())
        {
            if has_children(&content) || is_last_shared(&content) {
                drop_all(vec![content]);
            }
        } else if self.0.is_cyclic() {
            super::cycles::collect(self);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{Global, ObjectKind};

    fn nest(depth: usize, wrap: impl Fn(Value) -> Value) -> Value {
        let mut v = Value::None;
        for _ in 0..depth {
            v = wrap(v);
        }
        v
    }

    #[test]
    fn object_children_come_in_rebuild_order() {
        let mut o = Object::new(
            ObjectKind::NewObjEx,
            Global::new("m", "C").into(),
            vec![1.into(), 2.into()],
        );
        o.kwargs = Some([("k", 3)].into_iter().collect());
        o.state = vec![4.into()];
        o.list_items = vec![5.into()];
        o.dict_items = vec![(6.into(), 7.into())];
        let v = Value::Object(Box::new(o));
        let kids: Vec<String> = (0..).map_while(|i| child(&v, i)).map(|c| c.to_string()).collect();
        assert_eq!(kids, ["<class 'm.C'>", "1", "2", "'k'", "3", "4", "5", "6", "7"]);
        assert!(v.clone().same_as(&v));
    }

    #[test]
    fn a_million_deep_dict_drops_and_clones_without_overflow() {
        let dict = nest(1_000_000, |v| Value::Dict(Dict::from_unique(vec![(Value::Int(1), v)])));
        let copy = dict.clone();
        assert!(copy.same_as(&dict));
        drop(dict);
        drop(copy);
    }

    #[test]
    fn deep_values_under_a_dict_or_shared_node_drop_and_clone() {
        // Every other level a dict or a shared node: the rest (lists,
        // tuples, sets, objects) recurse one level at a time in between.
        let wraps: Vec<Box<dyn Fn(Value) -> Value>> = vec![
            Box::new(|v| Value::List(vec![v])),
            Box::new(|v| Value::Tuple(vec![v, Value::Int(1)])),
            Box::new(|v| Value::FrozenSet(vec![v])),
            Box::new(|v| Value::PersistentId(Box::new(v))),
            Box::new(|v| {
                Value::Object(Box::new(Object::new(ObjectKind::Reduce, Value::None, vec![v])))
            }),
        ];
        for wrap in wraps {
            let in_dicts = nest(50_000, |v| Value::Dict([("k", wrap(v))].into_iter().collect()));
            let in_shared = nest(50_000, |v| Value::Shared(Shared::new(wrap(v))));
            drop(in_dicts.clone());
            drop(in_dicts);
            drop(in_shared.clone());
            drop(in_shared);
        }
    }

    #[test]
    fn a_deep_list_clones_without_recursion() {
        // Cloning is iterative at any depth; the clone is dropped inside a
        // dict so that the test's own drops do not recurse.
        let list = nest(1_000_000, |v| Value::List(vec![v]));
        let copy = list.clone();
        assert!(copy.same_as(&list));
        drop(Dict::from_unique(vec![(Value::Int(0), list), (Value::Int(1), copy)]));
    }

    #[test]
    fn a_value_moves_out_of_a_match() {
        let v = Value::Str("x".into());
        let s = match v {
            Value::Str(s) => s,
            _ => String::new(),
        };
        assert_eq!(s, "x");
    }
}
