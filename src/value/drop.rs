//! `Drop` and `Clone` for [`Value`] without recursion, so that values nested
//! millions of levels deep (a pickle of `[[[...]]]`) neither overflow the
//! stack when dropped nor when cloned.

use std::mem;
use std::sync::Arc;

use super::{Dict, Object, Shared, Value};

/// The `i`-th direct child of `v`, in a fixed order: items of sequences and
/// sets; key, value, key, value... of dicts; an object's callable, args,
/// kwargs (key, value...), state, list items, dict items (key, value...);
/// a persistent id's value. `Shared` nodes have no children here (cloning
/// one clones the pointer).
fn child(v: &Value, i: usize) -> Option<&Value> {
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
            pair(&o.dict_items, i - o.list_items.len())
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
            let dict_items = pairs(it);
            Value::Object(Box::new(Object {
                kind: o.kind,
                callable,
                args,
                kwargs,
                state,
                list_items,
                dict_items,
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
        Value::PersistentId(p) => stack.push(mem::replace(&mut **p, Value::None)),
        Value::Object(o) => {
            stack.push(mem::replace(&mut o.callable, Value::None));
            stack.append(&mut o.args);
            if let Some(kw) = o.kwargs.take() {
                push_pairs(kw.entries, stack);
            }
            stack.append(&mut o.state);
            stack.append(&mut o.list_items);
            push_pairs(mem::take(&mut o.dict_items), stack);
        }
        Value::Shared(Shared(arc)) => {
            if let Some(content) = Arc::get_mut(arc).and_then(|cell| cell.take()) {
                stack.push(content);
            }
        }
        _ => {}
    }
}

/// Drops without recursion: the children of a nested value are moved onto a
/// heap work list and dropped one by one, so depth costs no stack. A shared
/// node's content is dropped with its last reference (a cycle of shared
/// nodes is never freed).
///
/// Because `Value` implements `Drop`, a `match` cannot move fields out of it:
/// use [`Value::take`], `std::mem::take` on the field, or the `into_*` methods.
///
/// ```
/// use serde_pickle::Value;
/// let mut v = Value::List(vec![]);
/// for _ in 0..1_000_000 {
///     v = Value::List(vec![v]);
/// }
/// drop(v); // no stack overflow
/// ```
impl Drop for Value {
    #[inline]
    fn drop(&mut self) {
        // Leaves (most values) have nothing nested: decided inline.
        if !matches!(
            self,
            Value::List(_)
                | Value::Tuple(_)
                | Value::Set(_)
                | Value::FrozenSet(_)
                | Value::Dict(_)
                | Value::Object(_)
                | Value::PersistentId(_)
                | Value::Shared(_)
        ) || !has_deep_children(self)
        {
            return;
        }
        let mut stack = Vec::new();
        detach_children(self, &mut stack);
        while let Some(mut v) = stack.pop() {
            if has_deep_children(&v) {
                detach_children(&mut v, &mut stack);
            }
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
    fn a_million_deep_list_and_dict_drop_and_clone_without_overflow() {
        let list = nest(1_000_000, |v| Value::List(vec![v]));
        let copy = list.clone();
        assert!(copy.same_as(&list));
        drop(list);
        drop(copy);
        let dict = nest(1_000_000, |v| Value::Dict(Dict::from_unique(vec![(Value::Int(1), v)])));
        drop(dict.clone());
        drop(dict);
    }

    #[test]
    fn deep_values_of_every_container_drop_and_clone() {
        let wraps: Vec<Box<dyn Fn(Value) -> Value>> = vec![
            Box::new(|v| Value::List(vec![v])),
            Box::new(|v| Value::Tuple(vec![v, Value::Int(1)])),
            Box::new(|v| Value::Dict([("k", v)].into_iter().collect())),
            Box::new(|v| Value::FrozenSet(vec![v])),
            Box::new(|v| Value::PersistentId(Box::new(v))),
            Box::new(|v| Value::Shared(Shared::new(v))),
            Box::new(|v| {
                Value::Object(Box::new(Object::new(ObjectKind::Reduce, Value::None, vec![v])))
            }),
        ];
        for wrap in wraps {
            let v = nest(200_000, wrap);
            let c = v.clone();
            drop(v);
            drop(c);
        }
    }
}
