//! Calls whose results are popped: kept for their side effects.
//!
//! Python's 6-item `__reduce__` (a `state_setter`), cloudpickle
//! (`_function_setstate`, `_class_setstate`) and dill (`_setattr(cell,
//! 'cell_contents', f)`) write `callable(args)` and then `POP`: the call
//! runs for what it does to objects built earlier, and its result is
//! thrown away. Dropping it loses that (a closure without its cell
//! contents, a function without its globals).
//!
//! Such a call is attached to the object under it on the stack, in
//! `Arena::effects`, and becomes
//! [`Object::effects`](crate::value::Object::effects): the writer writes it
//! right after that object (its items and states), followed by `POP`,
//! which is where CPython's picklers put it.
//!
//! A popped node is such a call when it was created (not fetched from the
//! memo or duplicated: a popped reference does nothing) and it is, or
//! holds, an object or persistent id. A popped str, int, list of plain
//! data... has no effect and is dropped, as CPython drops it.
//!
//! What a `Value` cannot keep in place makes the walk to a `Value` fail
//! under `DeOptions::lossless`, naming the `POP`'s offset (an
//! [`EffectCheck`]): a call with nothing under
//! it, or under something other than an object, and a call after which the
//! object under it received more items or states (they would be written
//! before the call). Typed reads never look at effects.

use super::*;
use crate::vm::arena::EffectCheck;

/// Whether a popped node may hold a call (a cheap test before the real one).
#[inline]
pub(super) fn may_call(node: Node) -> bool {
    matches!(
        node,
        Node::Object(_)
            | Node::PersId(_)
            | Node::List(_)
            | Node::Tuple(_)
            | Node::Dict(_)
            | Node::Set(_)
            | Node::FrozenSet(_)
    )
}

impl Machine {
    /// `id` was popped by POP: keep it if it is a call, on the node now on top.
    #[cold]
    pub(super) fn popped(&mut self, id: NodeId) {
        let under = (self.stack.len() > self.fence()).then(|| self.stack[self.stack.len() - 1]);
        self.keep(id, under);
    }

    /// `id`, above the MARK that was at `start`, was popped by POP_MARK.
    #[cold]
    pub(super) fn popped_under_mark(&mut self, id: NodeId, start: usize) {
        let under = (start > self.fence()).then(|| self.stack[start - 1]);
        self.keep(id, under);
    }

    fn keep(&mut self, id: NodeId, under: Option<NodeId>) {
        if !self.created_call(id) {
            return;
        }
        let mut check = EffectCheck {
            object: NIL,
            state: 0,
            list_items: 0,
            dict_items: 0,
            offset: self.op_offset,
            opcode: self.op_code,
        };
        if let Some(Node::Object(o)) = under.map(|u| self.arena.node(u)) {
            let mut seq = self.arena.effects_of(o);
            self.arena.extend(&mut seq, &[id]);
            self.arena.effects.insert(o, seq);
            let obj = self.arena.objects[o as usize];
            check.object = o;
            check.state = obj.state.len;
            check.list_items = obj.list_items.len;
            check.dict_items = obj.dict_items.len;
        }
        self.arena.effect_checks.push(check);
    }

    fn gotten(&self, id: NodeId) -> bool {
        self.gotten.get(id as usize).copied().unwrap_or(false)
    }

    /// Whether `id` was created where it was popped (not a memo fetch) and is
    /// or holds a call. Nodes never fetched have one parent at most, so over
    /// a whole pickle each is looked at once: linear time.
    fn created_call(&self, id: NodeId) -> bool {
        let mut work = vec![id];
        while let Some(n) = work.pop() {
            if self.gotten(n) {
                continue;
            }
            match self.arena.node(n) {
                Node::Object(_) | Node::PersId(_) => return true,
                Node::List(s)
                | Node::Tuple(s)
                | Node::Dict(s)
                | Node::Set(s)
                | Node::FrozenSet(s) => work.extend(self.arena.iter(s)),
                _ => {}
            }
        }
        false
    }
}

/// The first popped call the walk to a `Value` cannot keep in its place.
pub(crate) fn check_effects(arena: &Arena) -> Result<()> {
    for c in &arena.effect_checks {
        let why = if c.object == NIL {
            "what is under it on the stack is not an object it could follow"
        } else {
            let o = arena.objects[c.object as usize];
            if (o.state.len, o.list_items.len, o.dict_items.len)
                == (c.state, c.list_items, c.dict_items)
            {
                continue;
            }
            "the object under it received items or states after it, which would be written \
             before it"
        };
        let msg = format!(
            "a call whose result is popped (kept for its side effects) cannot be kept in \
             a Value: {why}"
        );
        return Err(Error::unsupported(msg).at(c.offset, Some(c.opcode)));
    }
    Ok(())
}
