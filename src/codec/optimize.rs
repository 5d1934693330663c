//! A port of the semantics of CPython's `pickletools.optimize`: drop the memo
//! PUTs that no GET uses, renumber the rest densely in stream order, and lay
//! out frames again.
//!
//! This is what makes "canonical" output well defined: the writer's output
//! must equal `pickletools.optimize(pickle.dumps(pickle.loads(out)))`. The
//! writer only comes here when it memoized something optimistically and never
//! fetched it.

use super::frame::{memo_op, push_get, push_put, Framer, FRAME_HEADER, FRAME_MIN, FRAME_TARGET};
use super::memo::Memo;
use super::opcodes;
use super::ops::{decode, memo_index, op_len, ops, Op, OpArg};
use crate::error::{Error, Result};

/// Rewrite `pickle` the way `pickletools.optimize` does, byte for byte:
///
/// * PUT/BINPUT/LONG_BINPUT/MEMOIZE that no GET refers to are removed;
///   the others are renumbered 0, 1, 2... in stream order;
/// * the memo opcodes are re-encoded for the pickle's protocol (MEMOIZE from
///   protocol 4, BINPUT/LONG_BINPUT from 1, PUT at 0; GETs likewise), where
///   the protocol is the highest of the PROTO argument and the protocols of
///   the GET opcodes used;
/// * existing FRAMEs are dropped and, from protocol 4, frames are laid out
///   anew: a frame is committed before the first opcode that finds it holding
///   64 KiB or more, an opcode longer than 64 KiB is written outside frames,
///   and a frame under 4 bytes gets no header;
/// * bytes after STOP are not copied.
///
/// ```
/// use serde_pickle::codec::optimize::optimize;
/// // pickle.dumps(['a', 'b', 'a'], protocol=2) with every PUT the pickler wrote
/// let fat = b"\x80\x02]q\x00(X\x01\x00\x00\x00aq\x01X\x01\x00\x00\x00bq\x02h\x01e.";
/// assert_eq!(
///     optimize(fat).unwrap(),
///     b"\x80\x02](X\x01\x00\x00\x00aq\x00X\x01\x00\x00\x00bh\x00e."
/// );
/// ```
pub fn optimize(pickle: &[u8]) -> Result<Vec<u8>> {
    // Pass 1: which ids some GET fetches, the protocol, the PROTO header.
    // MEMOIZE's id is the number of distinct ids stored before it.
    let mut stored: Memo<bool> = Memo::default();
    // Value: the new index, once pass 2 meets the id's PUT (NO until then).
    let mut fetched: Memo<u32> = Memo::default();
    let mut proto = 0u8;
    let mut header = 0..0;
    for op in ops(pickle) {
        let op = op?;
        match op.code() {
            opcodes::PUT | opcodes::BINPUT | opcodes::LONG_BINPUT => {
                stored.put(memo_id(&op)?, true);
            }
            opcodes::MEMOIZE => stored.put(stored.len() as u64, true),
            opcodes::GET | opcodes::BINGET | opcodes::LONG_BINGET => {
                proto = proto.max(op.info.proto);
                fetched.put(memo_id(&op)?, NO);
            }
            opcodes::PROTO => {
                if let OpArg::Int(p) = op.arg {
                    proto = proto.max(p.clamp(0, 255) as u8);
                }
                if op.pos == 0 {
                    header = op.pos..op.end;
                }
            }
            _ => {}
        }
    }

    rewrite(pickle, proto, header, fetched, None)
}

/// [`optimize`] for a pickle this crate's writer made at protocol 4+ whose
/// MEMOIZEs are not in index order: entry `i` (as its GETs name it) is the
/// `stream[i]`-th MEMOIZE; `used` is indexed like the GETs.
pub(crate) fn renumber(
    pickle: &[u8],
    proto: u8,
    used: &Fetched,
    stream: &[u64],
) -> Result<Vec<u8>> {
    let mut fetched: Memo<u32> = Memo::default();
    for (i, &s) in stream.iter().enumerate() {
        if used.get(i as u64) {
            fetched.put(s, NO);
        }
    }
    rewrite(pickle, proto, 0..2, fetched, Some(stream))
}

/// Which memo entries (ids 0, 1, 2... in stream order) the writer fetched
/// with a GET: a bit mask for the first 64, which is all most pickles have.
#[derive(Debug, Default)]
pub(crate) struct Fetched {
    low: u64,
    high: Vec<bool>,
}

impl Fetched {
    /// Make room for entries up to `len` (called as each entry is created).
    #[inline]
    pub(crate) fn grow(&mut self, len: u32) {
        if len > 64 {
            self.high.push(false);
        }
    }

    /// Entry `idx` was fetched.
    #[inline(always)]
    pub(crate) fn set(&mut self, idx: u32) {
        if idx < 64 {
            self.low |= 1 << idx;
        } else if let Some(u) = self.high.get_mut(idx as usize - 64) {
            *u = true;
        }
    }

    /// Whether all of the first `len` entries were fetched.
    pub(crate) fn all(&self, len: u32) -> bool {
        let mask = if len >= 64 { u64::MAX } else { (1u64 << len) - 1 };
        self.low & mask == mask && self.high.iter().all(|&u| u)
    }

    pub(crate) fn get(&self, id: u64) -> bool {
        if id < 64 {
            self.low >> id & 1 == 1
        } else {
            self.high.get((id - 64) as usize).copied().unwrap_or(false)
        }
    }

    /// The new index of each entry: the number of fetched entries before it.
    fn ranks(&self) -> impl Fn(u64) -> u32 + '_ {
        let base = self.low.count_ones();
        let mut high = Vec::new();
        if !self.high.is_empty() {
            let mut n = base;
            high = self
                .high
                .iter()
                .map(|&u| {
                    let before = n;
                    n += u32::from(u);
                    before
                })
                .collect();
        }
        move |id| {
            if id < 64 {
                (self.low & ((1u64 << id) - 1)).count_ones()
            } else {
                high.get((id - 64) as usize).copied().unwrap_or(u32::MAX)
            }
        }
    }
}

/// [`optimize`] for a pickle this crate's writer just made at `proto`, whose
/// memo entries are the PUTs/MEMOIZEs in stream order and of which `used`
/// were fetched. In place (the result is never longer) unless the pickle
/// spans several frames.
pub(crate) fn drop_unused(mut buf: Vec<u8>, proto: u8, used: &Fetched) -> Result<Vec<u8>> {
    let start = if proto >= 2 { 2 } else { 0 };
    if proto >= 4 && buf.len() > start + FRAME_HEADER + FRAME_TARGET {
        let mut fetched: Memo<u32> = Memo::default();
        let ids = 64 + used.high.len() as u64;
        for id in (0..ids).filter(|&id| used.get(id)) {
            fetched.put(id, NO);
        }
        return rewrite(&buf, proto, 0..start, fetched, None);
    }
    let rank = used.ranks();
    // A single frame (or none): its header, if any, stays where it is.
    let header = proto >= 4 && buf.get(start) == Some(&opcodes::FRAME);
    let body_start = start + if header { FRAME_HEADER } else { 0 };
    // Runs of ordinary opcodes are moved down in one copy each.
    let (mut r, mut w, mut run) = (body_start, body_start, body_start);
    let mut next_id = 0u64;
    let bad = || Error::syntax("malformed pickle in the writer's optimizer");
    // Invariant: w <= run <= r, and nothing is written past the bytes read.
    loop {
        let code = *buf.get(r).ok_or_else(bad)?;
        let len = op_len(&buf[r..]).ok_or_else(bad)?;
        let memo = match code {
            opcodes::PUT | opcodes::BINPUT | opcodes::LONG_BINPUT | opcodes::MEMOIZE => {
                next_id += 1;
                Some(used.get(next_id - 1).then(|| memo_op(false, proto, rank(next_id - 1))))
            }
            opcodes::GET | opcodes::BINGET | opcodes::LONG_BINGET => {
                let info = opcodes::info(code).ok_or_else(bad)?;
                let arg = decode(info, &buf[r + 1..r + len]).ok_or_else(bad)?;
                let id = memo_index(code, arg).ok_or_else(bad)?;
                Some(Some(memo_op(true, proto, rank(id))))
            }
            opcodes::FRAME => Some(None),
            _ => None,
        };
        if let Some(replacement) = memo {
            buf.copy_within(run..r, w);
            w += r - run;
            if let Some((op, n)) = replacement {
                buf[w..w + n].copy_from_slice(&op[..n]);
                w += n;
            }
            run = r + len;
        }
        r += len;
        if code == opcodes::STOP {
            break;
        }
    }
    buf.copy_within(run..r, w);
    w += r - run;
    buf.truncate(w);
    if proto >= 4 {
        let body = w - body_start;
        if body >= FRAME_MIN {
            let len = (body as u64).to_le_bytes();
            if header {
                buf[start + 1..start + FRAME_HEADER].copy_from_slice(&len);
            } else {
                let mut frame = vec![opcodes::FRAME];
                frame.extend_from_slice(&len);
                buf.splice(start..start, frame);
            }
        } else if header {
            buf.drain(start..body_start);
        }
    }
    Ok(buf)
}

/// Pass 2 of [`optimize`]: copy, dropping the PUTs nothing fetches and
/// renumbering the others, with frames laid out anew. `gets`, if given, maps
/// the ids of GETs to the ids of the stores (see [`renumber`]).
fn rewrite(
    pickle: &[u8],
    proto: u8,
    header: std::ops::Range<usize>,
    mut fetched: Memo<u32>,
    gets: Option<&[u64]>,
) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(pickle.len());
    out.extend_from_slice(&pickle[header]);
    let mut framer = if proto >= 4 { Framer::start(&mut out) } else { Framer::off() };
    let mut next = 0u32;
    // The memo ids stored so far (MEMOIZE's id is how many are distinct).
    let mut stored: Memo<bool> = Memo::default();
    for op in ops(pickle) {
        let op = op?;
        let put_id = match op.code() {
            opcodes::PUT | opcodes::BINPUT | opcodes::LONG_BINPUT => Some(memo_id(&op)?),
            opcodes::MEMOIZE => Some(stored.len() as u64),
            _ => None,
        };
        if let Some(id) = put_id {
            stored.put(id, true);
            if fetched.get(id).is_some() {
                fetched.put(id, next);
                framer.before_op(&mut out);
                push_put(&mut out, proto, next);
                next += 1;
            }
            continue;
        }
        match op.code() {
            opcodes::FRAME => {}
            opcodes::GET | opcodes::BINGET | opcodes::LONG_BINGET => {
                let mut id = memo_id(&op)?;
                if let Some(gets) = gets {
                    id = usize::try_from(id)
                        .ok()
                        .and_then(|i| gets.get(i))
                        .copied()
                        .unwrap_or(u64::MAX);
                }
                let idx = fetched.get(id).filter(|&i| i != NO).ok_or_else(|| {
                    Error::syntax(format!("GET of memo id {id} that no earlier PUT stored"))
                })?;
                framer.before_op(&mut out);
                push_get(&mut out, proto, idx);
            }
            opcodes::PROTO if op.pos == 0 => {}
            _ => {
                let data = &pickle[op.pos..op.end];
                let frameless = framer.before_sized_op(&mut out, data.len());
                out.extend_from_slice(data);
                if frameless {
                    framer.after_frameless(&mut out);
                }
            }
        }
    }
    framer.end(&mut out);
    Ok(out)
}

/// Not yet renumbered (`u32::MAX` marks a vacant memo slot).
const NO: u32 = u32::MAX - 1;

fn memo_id(op: &Op<'_>) -> Result<u64> {
    op.memo_index().ok_or_else(|| Error::syntax(format!("bad memo index for {}", op.info.name)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_used_entries_and_renumbers_them() {
        // [s, s] where s = [] : pickle.dumps at protocol 1 (memo ids 0 and 1; 0 unused)
        let p = b"]q\x00(]q\x01h\x01e.";
        assert_eq!(optimize(p).unwrap(), b"](]q\x00h\x00e.");
    }

    #[test]
    fn memoize_ids_count_distinct_stores() {
        let p = b"\x80\x04]\x94]\x94h\x01\x86.";
        assert_eq!(
            optimize(p).unwrap(),
            b"\x80\x04\x95\x07\x00\x00\x00\x00\x00\x00\x00]]\x94h\x00\x86."
        );
    }

    #[test]
    fn get_without_put_is_an_error() {
        assert!(optimize(b"\x80\x02h\x00.").is_err());
    }

    #[test]
    fn protocol_0_text_memo_ops() {
        let p = b"(lp0\n(lp1\nag1\na.";
        assert_eq!(optimize(p).unwrap(), b"(l(lp0\nag0\na.");
    }

    #[test]
    fn large_opcodes_go_outside_frames() {
        let mut p = b"\x80\x05]\x94(".to_vec();
        let payload = vec![b'x'; 70_000];
        p.push(opcodes::BINBYTES);
        p.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        p.extend_from_slice(&payload);
        p.extend_from_slice(b"K\x01e.");
        let out = optimize(&p).unwrap();
        // "](" is too short for a frame header; the bytes are unframed; "K\x01e." is framed.
        let mut want = b"\x80\x05](".to_vec();
        want.extend_from_slice(&p[5..5 + 5 + 70_000]);
        want.extend_from_slice(b"\x95\x04\x00\x00\x00\x00\x00\x00\x00K\x01e.");
        assert_eq!(out, want);
    }
}
