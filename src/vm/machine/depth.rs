//! Nesting height of the containers the VM builds, so that a pickle nesting
//! deeper than [`DeOptions::max_depth`] fails at the opcode that builds the
//! level too many (with its offset), instead of after the whole input has
//! run: a 100k-deep `FROZENSET` nesting otherwise costs the hashability check
//! of every level before the walk to a `Value` finds the depth.
//!
//! The height of a list, tuple, dict, set or frozenset is one more than the
//! highest of its items (0 for anything else). Items added to a container
//! after it is itself inside another (through the memo) do not raise the
//! outer ones, so the figure is a lower bound: the walk to a `Value` still
//! checks the real depth.

use super::*;

impl Machine {
    /// The height of `id`: recorded when above 1; 1 for any other list,
    /// tuple, dict, set or frozenset; 0 for the rest.
    fn height(&self, id: NodeId) -> u32 {
        match self.heights.get(id as usize) {
            Some(&h) if h > 0 => h,
            _ => u32::from(matches!(
                self.arena.node(id),
                Node::List(_) | Node::Tuple(_) | Node::Dict(_) | Node::Set(_) | Node::FrozenSet(_)
            )),
        }
    }

    /// The height a container holding `items` has at least.
    pub(super) fn items_height(&self, items: &[NodeId]) -> u32 {
        items.iter().map(|&i| self.height(i)).max().unwrap_or(0) + 1
    }

    /// `target` now holds items making it at least `h` high: record it,
    /// failing past the limit. Objects are left out (a lower bound).
    pub(super) fn raise(&mut self, target: NodeId, h: u32, opts: &DeOptions) -> Result<()> {
        if h <= self.height(target) || matches!(self.arena.node(target), Node::Object(_)) {
            return Ok(());
        }
        if h as usize > opts.max_depth {
            return Err(Error::limit_exceeded(
                "max_depth",
                opts.max_depth,
                "containers nested deeper",
            ));
        }
        if h > 1 {
            if self.heights.len() <= target as usize {
                self.heights.resize(target as usize + 1, 0);
            }
            self.heights[target as usize] = h;
        }
        Ok(())
    }
}
