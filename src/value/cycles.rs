//! Freeing cycles of [`Shared`] nodes: trial deletion when a reference to
//! a node that may be on a cycle is dropped.
//!
//! Reference counting frees nothing on a cycle. Here a node carries a mark
//! "may be on a cycle" (set by the reader when it closed a cycle, and by
//! [`Shared::empty`]). When a reference to a marked node is dropped and
//! other references remain, the nodes it reaches are counted: for each, the
//! references found inside the contents of those nodes. If that accounts
//! for every reference to every one of them (the one being dropped aside),
//! nothing outside can reach them: their contents are taken out and
//! dropped, which breaks the cycles, and reference counting frees the rest.
//!
//! Why taking contents out through a shared `Arc` is sound: it happens
//! only once the counts show that the only references to these nodes are
//! inside these nodes' contents and the one being dropped (owned by the
//! caller, `&mut`). Any other thread able to read a node would hold a
//! reference of its own and be counted. The counts and the taking happen
//! under one global lock, so two threads dropping their last outside
//! references to the same cycle cannot both take: the second one to get
//! the lock still holds its reference while the first one counts, and finds
//! it. No weak references to nodes exist (the `Arc` is private). Every
//! node of the set must be marked: the drop of a reference to an unmarked
//! node does not take the lock, so a thread could move its outside
//! reference from an unmarked node to another node of the set between
//! two of the counts; a set with an unmarked node is left alone.
//!
//! The only `unsafe` code of the crate: safe Rust cannot empty a node that
//! other `Arc`s point to while `Shared::get` lends `&Value`s out of it.
#![allow(unsafe_code)]

use std::cell::{Cell, UnsafeCell};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::{Shared, Value};
use crate::fx::FxMap;

/// The content of a [`Shared`] node.
pub(crate) struct Node {
    /// Shared access only goes through `OnceLock`'s own methods (`get`,
    /// `set`); `take` through the `UnsafeCell` happens only as described in
    /// the module docs.
    cell: UnsafeCell<OnceLock<Value>>,
    /// May be on a cycle: dropping a reference to it checks for garbage.
    cyclic: AtomicBool,
    /// 0, or the references to this node found inside what it reaches,
    /// plus one: the count at which dropping a reference may free it. Known
    /// after a first check that met only set nodes (contents never change
    /// once set); later drops at any other count skip the walk, so dropping
    /// many references to a node of a large cycle costs one walk, not one
    /// per reference.
    inside: AtomicUsize,
}

// SAFETY: `OnceLock<Value>` is Sync; the `UnsafeCell` is written only in
// `collect`, under `LOCK`, when no other thread can reach the node (see the
// module docs), and in `take` through `&mut Node` (exclusive access).
unsafe impl Sync for Node {}

impl Node {
    pub(crate) fn new(value: Option<Value>, cyclic: bool) -> Self {
        let cell = OnceLock::new();
        if let Some(v) = value {
            let _ = cell.set(v);
        }
        Node {
            cell: UnsafeCell::new(cell),
            cyclic: AtomicBool::new(cyclic),
            inside: AtomicUsize::new(0),
        }
    }

    /// The content cell, for reading and setting.
    pub(crate) fn cell(&self) -> &OnceLock<Value> {
        // SAFETY: see `unsafe impl Sync`: no `&mut` to the cell exists
        // while anyone else can call this.
        unsafe { &*self.cell.get() }
    }

    /// Move the content out (exclusive access).
    pub(crate) fn take(&mut self) -> Option<Value> {
        self.cell.get_mut().take()
    }

    #[inline]
    pub(crate) fn is_cyclic(&self) -> bool {
        self.cyclic.load(Ordering::Relaxed)
    }
}

impl Shared {
    /// Mark the node as possibly on a cycle.
    pub(crate) fn mark_cyclic(&self) {
        self.0.cyclic.store(true, Ordering::Relaxed);
    }
}

static LOCK: Mutex<()> = Mutex::new(());

/// Values the checks may still visit, over the whole process. Reading a
/// cyclic value grants a few visits per node read (and [`Shared::empty`]
/// some), each check spends what it visits: the checks' total work stays
/// proportional to what was read, whatever the input (a pickle can make
/// every one of n drops look like the last one of an n-node cycle, which
/// would cost n² visits). A check the budget cannot pay for is skipped:
/// that cycle is then not freed, as `Arc` cycles never were.
static CREDITS: AtomicU64 = AtomicU64::new(0);

/// Visits granted per value of a cyclic value read (per byte of its pickle).
pub(crate) const CREDITS_PER_NODE: u64 = 8;

/// Visits granted per node made by [`Shared::empty`].
pub(crate) const CREDITS_FOR_EMPTY: u64 = 4096;

/// Allow `n` more visits.
pub(crate) fn grant(n: u64) {
    let _ =
        CREDITS.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| Some(c.saturating_add(n)));
}

/// Take `n` visits (fewer if fewer are left).
fn spend(n: u64) {
    let _ =
        CREDITS.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |c| Some(c.saturating_sub(n)));
}

thread_local! {
    /// Set while this thread drops what a collection took out (or while the
    /// reader drops its own extra references): no checks then.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// Run `f` with no cycle checks on this thread.
pub(crate) fn quietly<T>(f: impl FnOnce() -> T) -> T {
    let was = QUIET.with(|q| q.replace(true));
    let out = f();
    QUIET.with(|q| q.set(was));
    out
}

/// `node` (a reference to a marked node, others remaining) is being
/// dropped: free what it reaches if nothing else can reach it.
///
/// The decision and the reference's release happen under [`LOCK`]: two
/// threads dropping the last two outside references to a cycle at once
/// would otherwise each count the other's and both leave it, and nothing
/// would free it after.
#[cold]
pub(super) fn collect(node: &mut Shared) {
    if QUIET.with(Cell::get) {
        return;
    }
    let guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    // A count other than the one a first walk found means references from
    // outside remain: no walk (dropping many references to a node of a
    // large cycle costs one walk, not one per reference).
    let at = node.0.inside.load(Ordering::Relaxed);
    let found = if at != 0 && Arc::strong_count(&node.0) != at { None } else { garbage(node) };
    let Some(nodes) = found else {
        // Not garbage yet: let go of this reference before the next thread
        // counts. Had the others gone meanwhile (only quiet drops skip the
        // lock), the node is ours to drop, outside the lock.
        let mine = std::mem::replace(&mut node.0, placeholder());
        let last = Arc::into_inner(mine);
        drop(guard);
        drop(last);
        return;
    };
    // Take every content out before dropping any: a content dropped
    // first would drop references to nodes still to be taken.
    let contents: Vec<Value> = nodes
        .into_iter()
        // SAFETY: see the module docs; `garbage` showed that no reference
        // to these nodes exists outside them but `node`, owned here, and no
        // borrow into them is alive (its walk has ended).
        .filter_map(|p| unsafe { (*(*p).cell.get()).take() })
        .collect();
    drop(guard);
    quietly(|| super::drop::drop_values(contents));
}

/// What a released reference is left pointing to: one empty node, never
/// marked, shared by all.
fn placeholder() -> Arc<Node> {
    static EMPTY: OnceLock<Arc<Node>> = OnceLock::new();
    Arc::clone(EMPTY.get_or_init(|| Arc::new(Node::new(None, false))))
}

/// The nodes `root` reaches, if every reference to them but `root` comes
/// from inside them.
fn garbage(root: &Shared) -> Option<Vec<*const Node>> {
    let budget = CREDITS.load(Ordering::Relaxed);
    let mut visits = 0u64;
    let result = walk(root, budget, &mut visits);
    spend(visits);
    result
}

/// [`garbage`], visiting at most `budget` values (`None` past it).
fn walk(root: &Shared, budget: u64, visits: &mut u64) -> Option<Vec<*const Node>> {
    let id = |s: &Shared| Arc::as_ptr(&s.0) as usize;
    // Node id -> (the node, references found inside the contents walked).
    let mut seen: FxMap<usize, (&Shared, usize)> = FxMap::default();
    seen.insert(id(root), (root, 1));
    let mut nodes = vec![root];
    let mut values: Vec<&Value> = Vec::new();
    let mut all_set = true;
    while let Some(n) = nodes.pop() {
        all_set &= n.is_set();
        values.push(n.get());
        while let Some(v) = values.pop() {
            *visits += 1;
            if *visits > budget {
                return None;
            }
            if let Value::Shared(s) = v {
                let e = seen.entry(id(s)).or_insert_with(|| {
                    nodes.push(s);
                    (s, 0)
                });
                e.1 += 1;
                continue;
            }
            let mut i = 0;
            while let Some(c) = super::drop::child(v, i) {
                values.push(c);
                i += 1;
            }
        }
    }
    if all_set {
        root.0.inside.store(seen[&id(root)].1, Ordering::Relaxed);
    }
    if seen.values().any(|(s, inside)| !s.0.is_cyclic() || Arc::strong_count(&s.0) != *inside) {
        return None;
    }
    Some(seen.values().map(|(s, _)| Arc::as_ptr(&s.0)).collect())
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Barrier};

    use super::*;

    /// `l = []; l.append(l)`, and a way to see whether its node still lives.
    fn self_list() -> (Shared, std::sync::Weak<Node>) {
        let s = Shared::empty();
        s.set(Value::List(vec![Value::Shared(s.clone())])).unwrap();
        let weak = Arc::downgrade(&s.0);
        (s, weak)
    }

    #[test]
    fn a_self_referring_list_is_freed_with_its_last_outside_reference() {
        let (s, weak) = self_list();
        let other = s.clone();
        drop(s);
        assert!(weak.upgrade().is_some(), "freed while a reference remains");
        drop(other);
        assert!(weak.upgrade().is_none(), "the cycle stayed allocated");
    }

    #[test]
    fn two_threads_dropping_the_last_references_at_once_free_the_cycle() {
        let rounds = if cfg!(miri) { 8 } else { 5_000 };
        for _ in 0..rounds {
            let (s, weak) = self_list();
            let barrier = Arc::new(Barrier::new(2));
            let threads: Vec<_> = [s.clone(), s]
                .into_iter()
                .map(|r| {
                    let barrier = Arc::clone(&barrier);
                    std::thread::spawn(move || {
                        barrier.wait();
                        drop(r);
                    })
                })
                .collect();
            threads.into_iter().for_each(|t| t.join().unwrap());
            assert!(weak.upgrade().is_none(), "the cycle stayed allocated");
        }
    }

    #[test]
    fn a_two_node_cycle_is_freed_whichever_node_goes_last() {
        for first_a in [true, false] {
            let a = Shared::empty();
            let b = Shared::empty();
            a.set(Value::List(vec![Value::Shared(b.clone())])).unwrap();
            b.set(Value::Dict(
                [(Value::from("a"), Value::Shared(a.clone()))].into_iter().collect(),
            ))
            .unwrap();
            let (wa, wb) = (Arc::downgrade(&a.0), Arc::downgrade(&b.0));
            let (x, y) = if first_a { (a, b) } else { (b, a) };
            drop(x);
            assert!(wa.upgrade().is_some() && wb.upgrade().is_some());
            drop(y);
            assert!(wa.upgrade().is_none() && wb.upgrade().is_none());
        }
    }
}
