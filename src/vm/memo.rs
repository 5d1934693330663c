//! The memo: a sparse map from index to node.
//!
//! Writers use dense indices from 0 (CPython) or 1 (Python 2's cPickle), so a
//! vector serves them; any index far beyond the entries seen so far goes to a
//! hash map instead, so `LONG_BINPUT 0xffffffff` costs one map entry, not 16 GiB.

use std::collections::HashMap;

use super::arena::{NodeId, NIL};

#[derive(Default)]
pub(crate) struct Memo {
    dense: Vec<NodeId>,
    sparse: HashMap<u64, NodeId>,
    /// Number of distinct indices set: what MEMOIZE uses as the next index.
    count: usize,
}

/// How far past the dense part an index may be and still extend it.
const DENSE_SLACK: u64 = 64;

impl Memo {
    pub(crate) fn clear(&mut self) {
        self.dense.clear();
        self.sparse.clear();
        self.count = 0;
    }

    pub(crate) fn len(&self) -> usize {
        self.count
    }

    #[inline]
    pub(crate) fn get(&self, idx: u64) -> Option<NodeId> {
        let id = if idx < self.dense.len() as u64 {
            self.dense[idx as usize]
        } else {
            *self.sparse.get(&idx)?
        };
        (id != NIL).then_some(id)
    }

    #[inline]
    pub(crate) fn put(&mut self, idx: u64, node: NodeId) {
        let dense_len = self.dense.len() as u64;
        if idx < dense_len {
            if self.dense[idx as usize] == NIL {
                self.count += 1;
            }
            self.dense[idx as usize] = node;
        } else if idx <= dense_len + DENSE_SLACK && self.sparse.is_empty() {
            self.dense.resize(idx as usize, NIL);
            self.dense.push(node);
            self.count += 1;
        } else if self.sparse.insert(idx, node).is_none() {
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
        m.put(0xffff_ffff, 7);
        assert_eq!(m.get(0xffff_ffff), Some(7));
        assert_eq!(m.len(), 1);
        assert!(m.dense.is_empty());
    }

    #[test]
    fn count_is_distinct_indices() {
        let mut m = Memo::default();
        m.put(1, 1);
        m.put(1, 2);
        m.put(3, 3);
        assert_eq!(m.len(), 2);
        assert_eq!(m.get(1), Some(2));
        assert_eq!(m.get(0), None);
        assert_eq!(m.get(2), None);
    }
}
