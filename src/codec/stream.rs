//! Streaming output (protocol 4+): a pickle written frame by frame, byte for
//! byte what the buffered writer makes.
//!
//! The buffered writer fixes its output up after the fact: a struct field
//! name, a global or a one-character str is memoized only if it comes again
//! (its MEMOIZE is inserted behind it then, or an unused one dropped at the
//! end), and a list or dict whose length hint was wrong gets its MARK
//! inserted or removed. None of that can touch bytes already written, so the
//! streaming writer runs the serializer twice:
//!
//! 1. a dry run ([`Planning::Dry`]) with the usual logic, which keeps no
//!    output (it is discarded as it goes) but logs which memo entries are
//!    fetched later, which names come again and the true length of each
//!    container whose hint was wrong: a [`Plan`];
//! 2. a writing run ([`Planning::Stream`]) that memoizes exactly the entries
//!    the plan says are fetched, when they are first written, and takes the
//!    true lengths as hints. Nothing is ever changed after the fact, so each
//!    committed frame can go to the writer, and a payload longer than a frame
//!    goes straight from the value to the writer.
//!
//! Both runs keep only the open frames plus the memo and name tables (and
//! one flag per memo entry and name in the plan).

use super::emit::{Emitter, Planning};
use super::frame::FRAME_TARGET;
use crate::error::{Error, Result};

/// What a dry run logs as it goes.
#[derive(Debug, Default)]
pub(crate) struct DryLog {
    /// The memo index each `Emitter::memoize` call got, in call order.
    pub(super) eager: Vec<u32>,
    /// (batch ordinal, true item count) of the containers whose MARK had to
    /// be inserted or removed.
    pub(super) batches: Vec<(u32, usize)>,
}

/// The decisions a dry run took, for the writing run.
#[derive(Debug, Default)]
pub(crate) struct Plan {
    /// By `memoize` call: whether the entry is ever fetched.
    pub(super) eager: Vec<bool>,
    pub(super) eager_next: usize,
    /// By name id: whether the name comes again (so is memoized).
    pub(super) names: Vec<bool>,
    /// (batch ordinal, true item count), by ordinal.
    pub(super) batches: Vec<(u32, usize)>,
    pub(super) batch_next: usize,
    /// Set by the serializer around a long payload it writes itself.
    pub(super) defer: bool,
    /// Where in the buffer the deferred payload belongs.
    pub(super) deferred: Option<usize>,
    /// The value serialized differently from the dry run.
    pub(super) diverged: bool,
}

impl Plan {
    /// The plan of a finished dry run: `fetched(idx)` tells whether memo
    /// entry `idx` was fetched, `names` whether each name id came again.
    pub(crate) fn new(log: DryLog, fetched: impl Fn(u32) -> bool, names: Vec<bool>) -> Self {
        let eager = log.eager.iter().map(|&idx| fetched(idx)).collect();
        let mut batches = log.batches;
        batches.sort_unstable();
        batches.dedup_by_key(|b| b.0);
        Plan { eager, names, batches, ..Plan::default() }
    }
}

/// Bytes a streaming serializer lets pile up before it hands the committed
/// frames to the writer.
pub(crate) const FLUSH_AT: usize = 4 * FRAME_TARGET;

impl Emitter {
    /// Make this a dry run (a fresh emitter at protocol 4+).
    pub(crate) fn set_dry(&mut self) {
        self.framer = super::frame::Framer::off();
        self.buf.clear();
        self.plan = Planning::Dry(Box::default());
    }

    /// Make this the writing run of `plan` (a fresh emitter at protocol 4+).
    pub(crate) fn set_plan(&mut self, plan: Plan) {
        self.plan = Planning::Stream(Box::new(plan));
    }

    /// Whether this is a dry or writing run (not buffered).
    #[inline]
    pub(crate) fn is_planned(&self) -> bool {
        !matches!(self.plan, Planning::Buffered)
    }

    /// Whether this is the writing run of a plan.
    pub(crate) fn is_streaming(&self) -> bool {
        matches!(self.plan, Planning::Stream(_))
    }

    /// Whether name `id` is memoized when first written (writing run).
    pub(crate) fn promotes_name(&self, id: u32) -> bool {
        match &self.plan {
            Planning::Stream(p) => p.names.get(id as usize).copied().unwrap_or(false),
            _ => false,
        }
    }

    /// How many bytes at the front of the buffer are final: the committed
    /// frames of a writing run, everything in a dry run.
    pub(crate) fn final_len(&self) -> usize {
        match self.plan {
            Planning::Buffered => 0,
            Planning::Dry(_) => self.buf.len(),
            Planning::Stream(_) => self.framer.open_at(),
        }
    }

    /// Drop the first `n` bytes of the buffer (written or discarded).
    pub(crate) fn discard_front(&mut self, n: usize) {
        self.buf.drain(..n);
        self.framer.rebase(n);
    }

    /// Let the next opcode longer than a frame leave its payload out of the
    /// buffer: the caller writes it (see [`Emitter::take_deferred`]).
    pub(crate) fn set_defer(&mut self, on: bool) {
        if let Planning::Stream(p) = &mut self.plan {
            p.defer = on;
        }
    }

    /// Where the payload left out belongs, if one was.
    pub(crate) fn take_deferred(&mut self) -> Option<usize> {
        match &mut self.plan {
            Planning::Stream(p) => p.deferred.take(),
            _ => None,
        }
    }

    /// `op_payload` in a dry or writing run; false if it is left to the
    /// buffered code.
    pub(super) fn op_payload_planned(&mut self, code: u8, len_bytes: &[u8], total: usize) -> bool {
        match &mut self.plan {
            Planning::Buffered => false,
            Planning::Dry(_) => {
                // The output is discarded: no need to copy the payload.
                self.buf.push(code);
                self.buf.extend_from_slice(len_bytes);
                true
            }
            Planning::Stream(p) => {
                if !(p.defer && p.deferred.is_none() && total > FRAME_TARGET) {
                    return false;
                }
                let frameless = self.framer.before_sized_op(&mut self.buf, total);
                debug_assert!(frameless);
                self.buf.push(code);
                self.buf.extend_from_slice(len_bytes);
                p.deferred = Some(self.buf.len());
                self.framer.after_frameless(&mut self.buf);
                true
            }
        }
    }

    /// A memo entry is about to be created by `memoize`: false if the plan
    /// says nothing fetches it (so no memo op is written).
    pub(super) fn planned_memoize(&mut self) -> bool {
        let next = self.memo_len();
        match &mut self.plan {
            Planning::Buffered => true,
            Planning::Dry(log) => {
                log.eager.push(next);
                true
            }
            Planning::Stream(p) => {
                // Past the plan's end the run diverged: keep the entry (the
                // end then reports it unused).
                let keep = p.eager.get(p.eager_next).copied().unwrap_or(true);
                p.eager_next += 1;
                keep
            }
        }
    }

    /// Something the buffered writer fixes up after the fact happened: a
    /// dry run just goes on, a writing run has diverged from its plan.
    /// True if the buffered code should fix the bytes up.
    pub(super) fn after_the_fact(&mut self) -> bool {
        match &mut self.plan {
            Planning::Buffered => true,
            Planning::Dry(_) => false,
            Planning::Stream(p) => {
                p.diverged = true;
                false
            }
        }
    }

    /// Log the true item count of batch `seq` (dry run).
    pub(super) fn log_batch(&mut self, seq: u32, count: usize) {
        if let Planning::Dry(log) = &mut self.plan {
            log.batches.push((seq, count));
        }
    }

    /// Give a batch its ordinal and, in a writing run, the true count the
    /// dry run found as its hint. Buffered writing needs no ordinals.
    #[inline(always)]
    pub(super) fn number_batch(&mut self, b: &mut super::batch::Batch) {
        if !matches!(self.plan, Planning::Buffered) {
            self.number_batch_planned(b);
        }
    }

    #[cold]
    #[inline(never)]
    fn number_batch_planned(&mut self, b: &mut super::batch::Batch) {
        self.batch_seq += 1;
        b.seq = self.batch_seq;
        if let Planning::Stream(p) = &mut self.plan {
            if let Some(&(seq, count)) = p.batches.get(p.batch_next) {
                if seq == b.seq {
                    b.hint = count;
                    p.batch_next += 1;
                }
            }
        }
    }

    /// The end of a writing run: an error if the value did not serialize as
    /// in the dry run.
    pub(super) fn check_plan(&self, all_fetched: bool) -> Result<()> {
        match &self.plan {
            Planning::Stream(p) if p.diverged || !all_fetched || p.eager_next != p.eager.len() => {
                Err(Error::message(
                    "the value serialized differently the second time (to_writer serializes \
                     it twice at protocol 4+: a dry run, then the writing run); \
                     the output written is not a valid pickle",
                ))
            }
            _ => Ok(()),
        }
    }
}
