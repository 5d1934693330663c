//! Batching of a container's items, exactly as CPython's pickler does it:
//! `MARK item... APPENDS` (SETITEMS, ADDITEMS) for every 1000 items, with
//! the single-item forms (`APPEND`, `SETITEM`) where the C pickler uses them.
//!
//! The number of items is known only when the container ends; a `Batch`
//! writes from the announced count (serde's length hint) and patches the
//! output when the hint was wrong (see [`Emitter::batch_end`]).

use super::emit::{Emitter, Spot};
use super::opcodes::*;

/// Items per APPENDS / SETITEMS / ADDITEMS (`pickle._BATCHSIZE`).
pub(crate) const BATCH: usize = 1000;

/// Streaming: `batch_item` reports an event at least every this many items.
const STRIDE: usize = 16;

/// Which container a [`Batch`] fills, and so which opcodes it uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BatchKind {
    /// A `list` (C pickler's `batch_list_exact`): a 1-item list is `x APPEND`,
    /// otherwise every batch, even a final 1-item one, is `MARK ... APPENDS`.
    List,
    /// A `dict` (`batch_dict_exact`): like `List` with SETITEM(S), and a
    /// count that is a multiple of 1000 ends with an empty `MARK SETITEMS`.
    Dict,
    /// A `set` (protocol 4+): always `MARK ... ADDITEMS`, with the same
    /// empty trailing batch as `Dict`.
    Set,
    /// Items appended to a reduced object (`batch_list` on an iterator):
    /// any 1-item batch is `x APPEND`.
    ObjList,
    /// Items set on a reduced object (`batch_dict` on an iterator).
    ObjDict,
}

/// The state of one container's items being written; see [`Emitter::batch_item`].
#[derive(Debug)]
pub(crate) struct Batch {
    kind: BatchKind,
    /// The number of items the caller announced (`usize::MAX`: none; no
    /// count can reach it). Not an `Option`: a smaller `Batch` keeps the
    /// serializer's compound values cheap to move.
    pub(super) hint: usize,
    /// The item count at which `batch_item` has work to do (a batch starts,
    /// or a batch written without a MARK gets a second item).
    event: usize,
    /// Items to go before `event`: the item count is `event - left`. A
    /// countdown, so that an item with nothing to do costs one test and
    /// one decrement.
    left: usize,
    /// Where the current batch's MARK is if `has_mark`, else where its
    /// first item starts (where a MARK would go): one field for both keeps
    /// the serializer's compound values smaller.
    at: Spot,
    /// A MARK was written for the current batch.
    has_mark: bool,
    /// The batch's ordinal in a streaming run (0: none yet), by which the
    /// dry run's log names it (see [`super::stream`]).
    pub(super) seq: u32,
}

impl Batch {
    /// The state of a compound that has no batches (a tuple, bare items).
    pub(crate) fn idle() -> Self {
        Batch::new(BatchKind::List, None)
    }

    pub(crate) fn new(kind: BatchKind, hint: Option<usize>) -> Self {
        let hint = hint.unwrap_or(usize::MAX);
        Batch { kind, hint, event: 0, left: 0, at: Spot::default(), has_mark: false, seq: 0 }
    }

    /// The items counted so far.
    #[inline]
    fn count(&self) -> usize {
        self.event - self.left
    }

    /// `count` items so far; the next event comes at item `event` (>= count).
    #[inline]
    fn set_progress(&mut self, count: usize, event: usize) {
        self.event = event;
        self.left = event - count;
    }

    fn is_dict(&self) -> bool {
        matches!(self.kind, BatchKind::Dict | BatchKind::ObjDict)
    }

    fn single_op(&self) -> u8 {
        if self.is_dict() {
            SETITEM
        } else {
            APPEND
        }
    }

    fn batch_op(&self) -> u8 {
        match self.kind {
            BatchKind::List | BatchKind::ObjList => APPENDS,
            BatchKind::Dict | BatchKind::ObjDict => SETITEMS,
            BatchKind::Set => ADDITEMS,
        }
    }

    /// Whether the batch starting at item `count` is expected to hold
    /// exactly one item and so is written without a MARK.
    fn expect_single(&self, count: usize) -> bool {
        match self.kind {
            BatchKind::List | BatchKind::Dict => count == 0 && self.hint == 1,
            BatchKind::Set => false,
            BatchKind::ObjList | BatchKind::ObjDict => self.hint.saturating_sub(count) == 1,
        }
    }

    /// Whether a finished batch of one item is written without a MARK.
    fn single_without_mark(&self, count: usize) -> bool {
        match self.kind {
            BatchKind::List | BatchKind::Dict => count == 1,
            BatchKind::Set => false,
            BatchKind::ObjList | BatchKind::ObjDict => true,
        }
    }
}

impl Emitter {
    /// Begin the items of a list or dict whose EMPTY_LIST/EMPTY_DICT was
    /// just written. When two or more items are announced the first batch's
    /// MARK is written now, where the first item would write it: its first
    /// items then have nothing to do (if fewer come, `batch_end` removes it).
    #[inline(always)]
    pub(crate) fn batch_begin(&mut self, kind: BatchKind, hint: Option<usize>) -> Batch {
        if self.is_planned() {
            // Streaming, out of line: the buffered path below is all that
            // `to_vec` inlines into every list, dict and struct.
            return self.batch_begin_planned(kind, hint);
        }
        let mut b = Batch::new(kind, hint);
        if matches!(hint, Some(2..)) && self.proto != 0 {
            debug_assert!(matches!(kind, BatchKind::List | BatchKind::Dict));
            self.open_batch(&mut b);
            b.set_progress(0, BATCH);
        }
        b
    }

    /// `batch_begin` in a dry or writing run (see [`super::stream`]).
    #[cold]
    #[inline(never)]
    fn batch_begin_planned(&mut self, kind: BatchKind, hint: Option<usize>) -> Batch {
        let mut b = Batch::new(kind, hint);
        self.number_batch(&mut b);
        if (2..usize::MAX).contains(&b.hint) && self.proto != 0 {
            debug_assert!(matches!(kind, BatchKind::List | BatchKind::Dict));
            self.open_batch(&mut b);
            b.set_progress(0, self.next_event(0, BATCH));
        }
        b
    }

    /// Write the MARK of a batch starting here.
    #[inline]
    fn open_batch(&mut self, b: &mut Batch) {
        self.framer.before_op(&mut self.buf);
        b.at = self.spot();
        b.has_mark = true;
        self.buf.push(MARK);
    }

    /// Call before each item (before each key, for dicts) of a batch. True
    /// at the items where a streaming serializer looks whether output can
    /// be handed on: every few items (see [`STRIDE`]), so that checking
    /// costs nothing per item.
    #[inline(always)]
    pub(crate) fn batch_item(&mut self, b: &mut Batch) -> bool {
        match b.left.checked_sub(1) {
            Some(left) => {
                b.left = left;
                false
            }
            None => {
                self.batch_event(b);
                true
            }
        }
    }

    /// The item at which `batch_item` next has work to do: `event`, or
    /// sooner when streaming.
    #[inline(always)]
    fn next_event(&self, count: usize, event: usize) -> usize {
        if self.is_planned() {
            return planned_event(count, event);
        }
        event
    }

    #[inline(never)]
    fn batch_event(&mut self, b: &mut Batch) {
        // `left` is 0: this is item number `event`.
        let count = b.event;
        if count == 0 && self.proto != 0 {
            if b.seq == 0 {
                self.number_batch(b);
            }
            // The first item (the general case below, shortened).
            if b.expect_single(0) {
                b.has_mark = false;
                b.at = self.spot();
                b.set_progress(1, 1);
            } else {
                self.open_batch(b);
                b.set_progress(1, self.next_event(1, BATCH));
            }
            return;
        }
        if self.proto == 0 {
            // No batching opcodes: each item is followed by APPEND/SETITEM,
            // written here for the previous item.
            if count > 0 {
                self.op(b.single_op());
            }
            b.set_progress(count + 1, count + 1);
            return;
        }
        let in_batch = count % BATCH;
        if in_batch == 0 {
            if count > 0 {
                self.op(b.batch_op());
            }
            if b.expect_single(count) {
                b.has_mark = false;
                b.at = self.spot();
            } else {
                self.open_batch(b);
            }
        } else if in_batch == 1 && !b.has_mark {
            // Announced one item, got more: the batch needs its MARK after all.
            if self.after_the_fact() {
                let at = self.resolve(b.at, true);
                self.insert_byte(at, MARK);
                b.at = Spot { pos: at, epoch: self.shifts.len() };
            }
            // A dry run logs "two or more" (all the writing run needs to
            // know of a list or dict announced as one item).
            self.log_batch(b.seq, 2);
            b.has_mark = true;
        }
        let count = count + 1;
        let event =
            if in_batch == 0 && !b.has_mark { count } else { (count - 1) / BATCH * BATCH + BATCH };
        b.set_progress(count, self.next_event(count, event));
    }

    /// Close a batch after its last item.
    #[inline]
    pub(crate) fn batch_end(&mut self, b: &Batch) {
        if self.proto != 0 && (2..BATCH).contains(&b.count()) {
            // One batch of 2 to 999 items (the general case, shortened).
            self.op(b.batch_op());
            return;
        }
        self.batch_end_slow(b);
    }

    #[inline(never)]
    fn batch_end_slow(&mut self, b: &Batch) {
        let count = b.count();
        if count == 0 {
            if b.has_mark {
                // Announced items (`batch_begin`), got none.
                self.remove_mark(b, count);
            }
            return;
        }
        if self.proto == 0 {
            self.op(b.single_op());
            return;
        }
        let last_len = (count - 1) % BATCH + 1;
        if last_len == 1 && b.single_without_mark(count) {
            if b.has_mark {
                // Announced more items, got one: it takes no MARK.
                self.remove_mark(b, count);
            }
            self.op(b.single_op());
        } else {
            self.op(b.batch_op());
        }
        if matches!(b.kind, BatchKind::Dict | BatchKind::Set) && count % BATCH == 0 {
            // The C pickler's loop runs once more and writes an empty batch.
            self.op(MARK);
            self.op(b.batch_op());
        }
    }
}

/// `next_event` when streaming: out of line, so the buffered writer's
/// `batch_begin` and `batch_event` stay as small as before streaming.
#[cold]
#[inline(never)]
fn planned_event(count: usize, event: usize) -> usize {
    event.min(count + STRIDE)
}

impl Emitter {
    /// Remove the MARK of a batch that turned out to need none.
    fn remove_mark(&mut self, b: &Batch, count: usize) {
        self.log_batch(b.seq, count);
        if self.after_the_fact() {
            let at = self.resolve(b.at, true);
            self.remove_byte(at);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list announced with `hint` items that gets `items`, at protocol 2.
    fn list(hint: usize, items: i64) -> Vec<u8> {
        let mut e = Emitter::new(2);
        e.empty_list();
        let mut b = e.batch_begin(BatchKind::List, Some(hint));
        for n in 0..items {
            e.batch_item(&mut b);
            e.int(n);
        }
        e.batch_end(&b);
        e.finish().unwrap()
    }

    #[test]
    fn an_eager_mark_goes_when_fewer_items_come() {
        assert_eq!(list(3, 0), b"\x80\x02].");
        assert_eq!(list(3, 1), b"\x80\x02]K\x00a.");
        assert_eq!(list(2, 2), b"\x80\x02](K\x00K\x01e.");
    }

    #[test]
    fn batches_of_a_thousand() {
        let out = list(1001, 1001);
        // A list's final 1-item batch keeps its MARK (batch_list_exact).
        assert_eq!(&out[..4], b"\x80\x02](");
        assert!(out.ends_with(b"e(M\xe8\x03e."));
    }
}
