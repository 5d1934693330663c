//! Framing (protocol 4+) and the encodings of memo opcodes, shared by the
//! writer ([`super::emit`]) and [`super::optimize`].
//!
//! Frames are built in place in the output buffer: a 9-byte FRAME header is
//! reserved when a frame opens and filled in (or removed, for frames under 4
//! bytes) when it is committed, with `pickletools.optimize`'s rule: a frame
//! is committed before the first opcode that finds it holding 64 KiB or more,
//! and an opcode longer than 64 KiB is written outside any frame.

use super::opcodes::{BINGET, BINPUT, FRAME, GET, LONG_BINGET, LONG_BINPUT, MEMOIZE, PUT};
use super::repr;

/// A frame is committed before the first opcode that starts when it already
/// holds this many bytes, and an opcode longer than this is written outside
/// any frame (`pickle._Framer._FRAME_SIZE_TARGET`, as `pickletools.optimize` uses it).
pub(crate) const FRAME_TARGET: usize = 64 * 1024;
/// Frames shorter than this get no FRAME header (`_FRAME_SIZE_MIN`).
pub(crate) const FRAME_MIN: usize = 4;
/// FRAME and its 8-byte length.
pub(crate) const FRAME_HEADER: usize = 9;

/// In-place framing of a growing buffer (protocol 4 and later).
#[derive(Clone, Debug)]
pub(crate) struct Framer {
    /// Offset of the reserved header of the open frame.
    header: usize,
    /// Buffer length at which the open frame is full: the next opcode commits it.
    limit: usize,
}

impl Framer {
    /// No framing: the limit is never reached.
    pub(crate) fn off() -> Self {
        Framer { header: 0, limit: usize::MAX }
    }

    /// Open the first frame at the end of `buf`.
    pub(crate) fn start(buf: &mut Vec<u8>) -> Self {
        let mut f = Framer::off();
        f.open(buf);
        f
    }

    fn open(&mut self, buf: &mut Vec<u8>) {
        self.header = buf.len();
        buf.extend_from_slice(&[FRAME, 0, 0, 0, 0, 0, 0, 0, 0]);
        self.limit = buf.len() + FRAME_TARGET;
    }

    /// Where the open frame starts: the bytes before it are committed.
    pub(crate) fn open_at(&self) -> usize {
        if self.is_on() {
            self.header
        } else {
            0
        }
    }

    /// The first `n` bytes of the buffer were taken away (all committed).
    pub(crate) fn rebase(&mut self, n: usize) {
        if self.is_on() {
            self.header -= n;
            self.limit -= n;
        }
    }

    pub(crate) fn is_on(&self) -> bool {
        self.limit != usize::MAX
    }

    /// Whether bytes inserted at `pos` land in the open frame without moving
    /// any opcode after them across the frame's limit (or framing is off).
    pub(crate) fn fits_in_open_frame(&self, buf: &[u8], pos: usize) -> bool {
        !self.is_on() || (pos > self.header && buf.len() < self.limit)
    }

    /// Call before writing each opcode: commits the open frame once it is full.
    #[inline(always)]
    pub(crate) fn before_op(&mut self, buf: &mut Vec<u8>) {
        if buf.len() >= self.limit {
            self.next_frame(buf);
        }
    }

    /// Commit the full frame and open the next one (out of line: every
    /// opcode's inlined code stays small).
    #[cold]
    #[inline(never)]
    fn next_frame(&mut self, buf: &mut Vec<u8>) {
        self.commit(buf);
        self.open(buf);
    }

    /// Call before an opcode of `len` bytes; true if it must be written
    /// outside any frame, in which case the open frame has been committed and
    /// [`Framer::after_frameless`] must follow the write.
    #[inline]
    pub(crate) fn before_sized_op(&mut self, buf: &mut Vec<u8>, len: usize) -> bool {
        if len > FRAME_TARGET && self.is_on() {
            self.commit(buf);
            true
        } else {
            self.before_op(buf);
            false
        }
    }

    /// Open a new frame after an opcode written outside frames.
    pub(crate) fn after_frameless(&mut self, buf: &mut Vec<u8>) {
        self.open(buf);
    }

    /// Commit the open frame: fill in its header, or drop the header of a
    /// frame shorter than 4 bytes.
    fn commit(&mut self, buf: &mut Vec<u8>) {
        let body = buf.len() - self.header - FRAME_HEADER;
        if body >= FRAME_MIN {
            buf[self.header + 1..self.header + FRAME_HEADER]
                .copy_from_slice(&(body as u64).to_le_bytes());
        } else {
            buf.drain(self.header..self.header + FRAME_HEADER);
        }
    }

    /// Commit the last frame; framing is off afterwards.
    pub(crate) fn end(&mut self, buf: &mut Vec<u8>) {
        if self.is_on() {
            self.commit(buf);
            *self = Framer::off();
        }
    }

    /// Keep the open frame's header in place after `delta` bytes were
    /// inserted (`delta > 0`) or removed (`delta < 0`) at `pos`.
    pub(crate) fn shift(&mut self, pos: usize, delta: isize) {
        if self.is_on() && self.header >= pos {
            self.header = self.header.wrapping_add_signed(delta);
            self.limit = self.limit.wrapping_add_signed(delta);
        }
    }
}

/// The bytes of the opcode that stores the top of the stack as memo entry
/// `idx` (`get = false`) or pushes entry `idx` (`get = true`): the first
/// `len` bytes of the array.
pub(crate) fn memo_op(get: bool, proto: u8, idx: u32) -> ([u8; 12], usize) {
    let mut op = [0u8; 12];
    let len = if proto >= 4 && !get {
        op[0] = MEMOIZE;
        1
    } else if proto >= 1 {
        let (short, long) = if get { (BINGET, LONG_BINGET) } else { (BINPUT, LONG_BINPUT) };
        if idx < 256 {
            op[..2].copy_from_slice(&[short, idx as u8]);
            2
        } else {
            op[0] = long;
            op[1..5].copy_from_slice(&idx.to_le_bytes());
            5
        }
    } else {
        // 'p'/'g', at most 10 digits, '\n'.
        let mut text = Vec::new();
        repr::push_uint(&mut text, u128::from(idx));
        op[0] = if get { GET } else { PUT };
        op[1..1 + text.len()].copy_from_slice(&text);
        op[1 + text.len()] = b'\n';
        text.len() + 2
    };
    (op, len)
}

/// Append the opcode that stores the top of the stack as memo entry `idx`.
pub(crate) fn push_put(buf: &mut Vec<u8>, proto: u8, idx: u32) {
    let (op, len) = memo_op(false, proto, idx);
    buf.extend_from_slice(&op[..len]);
}

/// Append the opcode that pushes memo entry `idx`.
pub(crate) fn push_get(buf: &mut Vec<u8>, proto: u8, idx: u32) {
    let (op, len) = memo_op(true, proto, idx);
    buf.extend_from_slice(&op[..len]);
}
