//! The memo: a sparse map from memo index to entry, the one used by every
//! reader of opcodes (the VM, the typed fast path, the optimizer).
//!
//! Writers use dense indices from 0 (CPython) or 1 (Python 2's cPickle), so a
//! vector serves them; any index far beyond the entries seen so far goes to a
//! hash map instead, so `LONG_BINPUT 0xffffffff` costs one map entry, not 16 GiB.

use std::collections::HashMap;

pub(crate) struct Memo<T: Copy> {
    dense: Vec<Option<T>>,
    sparse: HashMap<u64, T>,
    /// Number of distinct indices set: what MEMOIZE uses as the next index.
    count: usize,
}

impl<T: Copy> Default for Memo<T> {
    fn default() -> Self {
        Memo::with_capacity(0)
    }
}

/// How far past the dense part an index may be and still extend it.
const DENSE_SLACK: u64 = 64;

impl<T: Copy> Memo<T> {
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
            self.dense[idx as usize]
        } else {
            self.sparse.get(&idx).copied()
        }
    }

    #[inline]
    pub(crate) fn put(&mut self, idx: u64, entry: T) {
        let dense_len = self.dense.len() as u64;
        if idx == dense_len {
            // The common case: the next index in order.
            self.dense.push(Some(entry));
            self.count += 1;
        } else if idx < dense_len {
            let slot = &mut self.dense[idx as usize];
            self.count += usize::from(slot.is_none());
            *slot = Some(entry);
        } else if idx <= dense_len + DENSE_SLACK && self.sparse.is_empty() {
            self.dense.resize(idx as usize, None);
            self.dense.push(Some(entry));
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
        m.put(0, 'a');
        m.put(1_000_000, 'b');
        m.put(1, 'c');
        assert_eq!(
            (m.get(0), m.get(1), m.get(1_000_000), m.get(2)),
            (Some('a'), Some('c'), Some('b'), None)
        );
        assert_eq!(m.len(), 3);
    }
}
