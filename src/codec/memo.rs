//! The memo: a sparse map from memo index to entry, the one used by every
//! reader of opcodes (the VM, the typed fast path, the optimizer).
//!
//! Writers use dense indices from 0 (CPython) or 1 (Python 2's cPickle), so a
//! vector serves them; any index far beyond the entries seen so far goes to a
//! hash map instead, so `LONG_BINPUT 0xffffffff` costs one map entry, not 16 GiB.
//!
//! A dense slot holds the entry itself, with one value of the entry type
//! ([`Entry::VACANT`]) marking an index never set: the VM's memo of node ids
//! then costs 4 bytes an index, where `Option<u32>` would cost 8.

use std::collections::HashMap;

/// A memo entry type, with a value no entry ever takes.
pub(crate) trait Entry: Copy {
    /// Marks a dense slot whose index was never set.
    const VACANT: Self;
    fn is_vacant(&self) -> bool;
}

/// Node ids and renumbered indices: `u32::MAX` is never one (the arena
/// refuses its `NIL`-th node, and a pickle's memo is far smaller).
impl Entry for u32 {
    const VACANT: u32 = u32::MAX;
    #[inline]
    fn is_vacant(&self) -> bool {
        *self == u32::MAX
    }
}

/// A set of indices (`true` for the ones set).
impl Entry for bool {
    const VACANT: bool = false;
    #[inline]
    fn is_vacant(&self) -> bool {
        !*self
    }
}

#[derive(Clone)]
pub(crate) struct Memo<T: Entry> {
    dense: Vec<T>,
    sparse: HashMap<u64, T>,
    /// Number of distinct indices set: what MEMOIZE uses as the next index.
    count: usize,
}

impl<T: Entry> Default for Memo<T> {
    fn default() -> Self {
        Memo::with_capacity(0)
    }
}

/// How far past the dense part an index may be and still extend it.
const DENSE_SLACK: u64 = 64;

impl<T: Entry> Memo<T> {
    /// A memo with room for `n` dense entries.
    pub(crate) fn with_capacity(n: usize) -> Self {
        Memo { dense: Vec::with_capacity(n), sparse: HashMap::new(), count: 0 }
    }

    pub(crate) fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.count = 0;
    }

    /// The number of distinct indices set.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    #[inline]
    pub(crate) fn get(&self, idx: u64) -> Option<T> {
        if idx < self.dense.len() as u64 {
            let entry = self.dense[idx as usize];
            (!entry.is_vacant()).then_some(entry)
        } else {
            self.sparse.get(&idx).copied()
        }
    }

    /// Set entry `idx`; `entry` is never [`Entry::VACANT`].
    #[inline]
    pub(crate) fn put(&mut self, idx: u64, entry: T) {
        debug_assert!(!entry.is_vacant());
        let dense_len = self.dense.len() as u64;
        if idx == dense_len {
            // The common case: the next index in order.
            self.dense.push(entry);
            self.count += 1;
        } else if idx < dense_len {
            let slot = &mut self.dense[idx as usize];
            self.count += usize::from(slot.is_vacant());
            *slot = entry;
        } else if idx <= dense_len + DENSE_SLACK && self.sparse.is_empty() {
            self.dense.resize(idx as usize, T::VACANT);
            self.dense.push(entry);
            self.count += 1;
        } else if self.sparse.insert(idx, entry).is_none() {
            self.count += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_index_is_sparse() {
        let mut m = Memo::default();
        m.put(0xffff_ffff, 7u32);
        assert_eq!(m.get(0xffff_ffff), Some(7));
        assert_eq!(m.len(), 1);
        assert!(m.dense.is_empty());
    }

    #[test]
    fn count_is_distinct_indices() {
        let mut m = Memo::default();
        m.put(1, 1u32);
        m.put(1, 2);
        m.put(3, 3);
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(1), Some(2));
        assert_eq!(m.get(0), None);
        assert_eq!(m.get(2), None);
    }

    #[test]
    fn dense_then_sparse_then_dense_again() {
        let mut m = Memo::default();
        m.put(0, 10u32);
        m.put(1_000_000, 11);
        m.put(1, 12);
        assert_eq!(
            (m.get(0), m.get(1), m.get(1_000_000), m.get(2)),
            (Some(10), Some(12), Some(11), None)
        );
        assert_eq!(m.len(), 3);
    }
}
