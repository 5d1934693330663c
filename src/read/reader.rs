//! [`IoRead`]: reading pickles from any `std::io::Read` through a buffer.
//!
//! The VM reads through it byte by byte, refilling a 64 KiB buffer. For the
//! fast path (typed reads of a stream), the buffer first takes one whole
//! pickle: `IoRead::pickle_end` follows the opcodes (a frame as a whole),
//! asking the reader only for bytes the pickle says it has, so a socket is
//! not waited on past the pickle's `STOP`. The fast path then parses the
//! buffered pickle like a slice; when it gives up, the VM reads the same
//! buffered bytes from the same place, as it always did.

use std::io;

mod grow;
mod lone;

pub use lone::LoneBytes;
pub(crate) use lone::LARGE;

use super::{private, Pickle, Span};
use crate::codec::opcodes::{FRAME, STOP};
use crate::codec::ops::{extent, Extent, Lines};
use crate::error::{Error, ErrorCode, Result};

/// Reads from any [`std::io::Read`], buffering internally (so wrapping the
/// reader in a `BufReader` is unnecessary). The buffer and the payloads grow
/// only by the bytes that actually arrive, so a length field claiming
/// gigabytes costs nothing until the gigabytes are there.
pub struct IoRead<R> {
    inner: R,
    /// `buf[pos..end]` is read and not yet consumed; the rest is room.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Offset of `buf[0]` in the stream.
    base: u64,
    /// An error from the reader met while buffering a pickle for the fast
    /// path, kept for the VM to meet where it would have.
    pending: Option<io::Error>,
}

/// The buffer's usual size, and the least it grows by.
const IO_BUF: usize = 64 * 1024;

/// A buffer grown for a large pickle is given back above this size.
const KEEP_BUF: usize = 1 << 20;

impl<R: io::Read> IoRead<R> {
    /// Read from `reader`.
    pub fn new(reader: R) -> Self {
        IoRead::with_buffer(reader, IO_BUF)
    }

    /// Read from `reader` through a buffer of `len` bytes to start with
    /// (it grows as a pickle needs): `from_reader` starts small, so that a
    /// lone `bytes` costs its payload and little more.
    pub(crate) fn with_buffer(reader: R, len: usize) -> Self {
        IoRead { inner: reader, buf: vec![0; len], pos: 0, end: 0, base: 0, pending: None }
    }

    /// What is left: the unconsumed buffered bytes and the rest of the
    /// reader, at most `limit` bytes in all (more is a limit error). For
    /// `from_reader`, which reads its input whole.
    pub(crate) fn into_all(mut self, limit: usize) -> Result<Vec<u8>> {
        if let Some(e) = self.pending.take() {
            return Err(e.into());
        }
        self.buf.truncate(self.end);
        self.buf.drain(..self.pos);
        grow::read_all(self.buf, &mut self.inner, limit)
    }

    /// Refill the buffer; false at end of input.
    fn fill(&mut self) -> Result<bool> {
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
        if let Some(e) = self.pending.take() {
            return Err(e.into());
        }
        loop {
            match self.inner.read(&mut self.buf) {
                Ok(0) => return Ok(false),
                Ok(n) => {
                    self.end = n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Buffer the pickle that starts at `pos`, reading no further than it
    /// goes (and at most `limit` bytes): its length, or `None` when it cannot
    /// be delimited so (an opcode that is not one, the end of the input, a
    /// reader error, the limit), which the VM will report or handle.
    ///
    /// Frames are taken whole, as CPython's unpicklers take them, and a
    /// frame ending in `STOP` is taken to end the pickle: the fast path
    /// checks that, and gives up if the `STOP` is not where it ends.
    fn pickle_end(&mut self, limit: usize) -> io::Result<Option<usize>> {
        let mut at = 0;
        let mut text = Lines::default();
        loop {
            if !self.fill_to(at + 1, limit)? {
                return Ok(None);
            }
            let end = match extent(&self.buf[self.pos..self.end], at, &mut text) {
                Extent::Lost => return Ok(None),
                Extent::More => {
                    if !self.fill_to(self.end - self.pos + 1, limit)? {
                        return Ok(None);
                    }
                    continue;
                }
                Extent::Known(end) => end,
            };
            if !self.fill_to(end, limit)? {
                return Ok(None);
            }
            let op = self.buf[self.pos + at];
            at = end;
            text = Lines::default();
            if op == STOP {
                return Ok(Some(at));
            }
            if op == FRAME {
                let Some(frame_end) = self.frame(end, limit)? else { return Ok(None) };
                if self.buf[self.pos + frame_end - 1] == STOP {
                    // Most likely the last frame; but the byte may be an argument.
                    match stop_in(&self.buf[self.pos..self.pos + frame_end], end) {
                        Scan::Stop(stop_end) => return Ok(Some(stop_end)),
                        Scan::Through => {}
                        Scan::Lost => return Ok(None),
                    }
                }
                at = frame_end;
            }
        }
    }

    /// Buffer the frame whose content starts at `start` (just past its
    /// header): where it ends, or `None` for an empty or oversized frame.
    fn frame(&mut self, start: usize, limit: usize) -> io::Result<Option<usize>> {
        let header = &self.buf[self.pos + start - 8..self.pos + start];
        let len = u64::from_le_bytes(header.try_into().expect("8 bytes"));
        let Some(end) = usize::try_from(len).ok().and_then(|n| start.checked_add(n)) else {
            return Ok(None);
        };
        if end == start || !self.fill_to(end, limit)? {
            return Ok(None);
        }
        Ok(Some(end))
    }

    /// Have at least `want` unconsumed bytes buffered: false if the input
    /// ends first, or if `want` is over `limit`. Reads only while short, one
    /// `read` at a time (a socket returns what has arrived).
    fn fill_to(&mut self, want: usize, limit: usize) -> io::Result<bool> {
        if want > limit {
            return Ok(false);
        }
        while self.end - self.pos < want {
            if self.end == self.buf.len() {
                self.make_room(want);
            }
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => return Ok(false),
                Ok(n) => self.end += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(true)
    }

    /// Room after `end`: move the unconsumed bytes to the front, and grow
    /// towards `want` unconsumed bytes, by at most as much as is already
    /// buffered (a length in the pickle is not trusted with memory).
    fn make_room(&mut self, want: usize) {
        if self.pos > 0 {
            self.buf.copy_within(self.pos..self.end, 0);
            self.base += self.pos as u64;
            self.end -= self.pos;
            self.pos = 0;
        }
        if self.end == self.buf.len() {
            let len = want.min(self.end.saturating_mul(2)).max(self.end + IO_BUF.min(want));
            // Exactly: `resize` alone would round the capacity up to double.
            self.buf.reserve_exact(len - self.buf.len());
            self.buf.resize(len, 0);
        }
    }

    /// Between pickles: give back a buffer grown for a large one.
    fn shrink(&mut self) {
        if self.pos == self.end && self.buf.len() > KEEP_BUF {
            self.base += self.end as u64;
            self.pos = 0;
            self.end = 0;
            self.buf = vec![0; IO_BUF];
        }
    }
}

/// What the opcodes of a frame come to.
enum Scan {
    /// A `STOP`, ending here.
    Stop(usize),
    /// The frame's end, with no `STOP`.
    Through,
    /// Something that is not an opcode, or one running past the frame.
    Lost,
}

/// Follow the opcodes of `data[from..]`, a whole frame (`data` is the
/// pickle up to the frame's end).
fn stop_in(data: &[u8], mut from: usize) -> Scan {
    while from < data.len() {
        match extent(data, from, &mut Lines::default()) {
            Extent::Known(end) if end <= data.len() => {
                if data[from] == STOP {
                    return Scan::Stop(end);
                }
                from = end;
            }
            _ => return Scan::Lost,
        }
    }
    Scan::Through
}

impl<'de, R: io::Read> private::Source<'de> for IoRead<R> {
    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    #[inline]
    fn next_byte(&mut self) -> Result<Option<u8>> {
        if self.pos == self.end && !self.fill()? {
            return Ok(None);
        }
        let b = self.buf[self.pos];
        self.pos += 1;
        Ok(Some(b))
    }

    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        if self.end - self.pos >= N {
            out.copy_from_slice(&self.buf[self.pos..self.pos + N]);
            self.pos += N;
            return Ok(out);
        }
        for slot in out.iter_mut() {
            *slot = self.next_byte()?.ok_or_else(|| Error::new(ErrorCode::Eof))?;
        }
        Ok(out)
    }

    fn bytes(&mut self, n: u64, scratch: &mut Vec<u8>) -> Result<Span> {
        let start = scratch.len();
        let mut want = n;
        while want > 0 {
            if self.pos == self.end && !self.fill()? {
                scratch.truncate(start);
                return Err(Error::new(ErrorCode::Eof));
            }
            let take = ((self.end - self.pos) as u64).min(want) as usize;
            scratch.extend_from_slice(&self.buf[self.pos..self.pos + take]);
            self.pos += take;
            want -= take as u64;
        }
        Ok(Span::scratch(start, n as usize))
    }

    fn line(&mut self, scratch: &mut Vec<u8>) -> Result<Span> {
        let start = scratch.len();
        loop {
            if self.pos == self.end && !self.fill()? {
                scratch.truncate(start);
                return Err(Error::new(ErrorCode::Eof));
            }
            let avail = &self.buf[self.pos..self.end];
            if let Some(i) = avail.iter().position(|&b| b == b'\n') {
                scratch.extend_from_slice(&avail[..i]);
                self.pos += i + 1;
                return Ok(Span::scratch(start, scratch.len() - start));
            }
            scratch.extend_from_slice(avail);
            self.pos = self.end;
        }
    }

    fn input(&self) -> &'de [u8] {
        &[]
    }

    fn remaining(&self) -> Option<u64> {
        None
    }

    fn next_pickle(&mut self, limit: usize) -> Option<Pickle<'_, 'de>> {
        self.shrink();
        let len = match self.pickle_end(limit) {
            Ok(Some(len)) => len,
            Ok(None) => return None,
            Err(e) => {
                self.pending = Some(e);
                return None;
            }
        };
        Some(Pickle::Buffered(&self.buf[self.pos..self.pos + len]))
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }

    fn lone_bytes(&mut self, large: u64, limit: usize, memo: bool) -> Option<LoneBytes> {
        IoRead::lone_bytes(self, large, limit, memo)
    }

    fn lone_bytes_done(&mut self, lone: &LoneBytes) {
        IoRead::lone_bytes_done(self, lone)
    }

    fn put_back(&mut self, lone: LoneBytes) {
        IoRead::put_back(self, lone)
    }
}
