//! Input sources for the reader: a borrowed slice (strings and bytes are lent
//! straight from it) or any `std::io::Read` (bytes are copied into a scratch
//! buffer that grows only by what actually arrives).

use std::io;

use crate::error::{Error, ErrorCode, Result};

/// Where a string or byte payload lives: a range of the input slice, or of
/// the reader's scratch buffer (for `io::Read` input and decoded text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[doc(hidden)]
pub struct Span {
    /// Start offset; the top bit set means "in scratch".
    start: usize,
    len: usize,
}

const SCRATCH_BIT: usize = 1 << (usize::BITS - 1);

impl Span {
    pub(crate) fn input(start: usize, len: usize) -> Span {
        Span { start, len }
    }

    pub(crate) fn scratch(start: usize, len: usize) -> Span {
        Span { start: start | SCRATCH_BIT, len }
    }

    /// Whether the span lies in the input, and its range there or in scratch.
    #[inline]
    pub(crate) fn range(self) -> (bool, std::ops::Range<usize>) {
        let s = self.start & !SCRATCH_BIT;
        (self.start & SCRATCH_BIT == 0, s..s + self.len)
    }

    /// The bytes, and whether they come from the `'de` input (and so can be lent).
    #[inline]
    pub(crate) fn resolve<'a>(self, input: &'a [u8], scratch: &'a [u8]) -> (&'a [u8], bool) {
        if self.start & SCRATCH_BIT == 0 {
            (&input[self.start..self.start + self.len], true)
        } else {
            let s = self.start & !SCRATCH_BIT;
            (&scratch[s..s + self.len], false)
        }
    }
}

mod private {
    pub trait Sealed {}
}

/// A source of pickle bytes. Sealed: implemented by [`SliceRead`] and [`IoRead`] only.
pub trait Read<'de>: private::Sealed {
    #[doc(hidden)]
    /// Offset of the next byte.
    fn offset(&self) -> u64;

    #[doc(hidden)]
    /// The next byte, or `None` at the end of the input.
    fn next_byte(&mut self) -> Result<Option<u8>>;

    #[doc(hidden)]
    /// Exactly `N` bytes.
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]>;

    #[doc(hidden)]
    /// `n` bytes, as a span of the input or appended to `scratch`.
    fn bytes(&mut self, n: u64, scratch: &mut Vec<u8>) -> Result<Span>;

    #[doc(hidden)]
    /// Bytes up to (not including) the next `\n`, which is consumed.
    fn line(&mut self, scratch: &mut Vec<u8>) -> Result<Span>;

    #[doc(hidden)]
    /// The whole input when it is a borrowed slice (empty for readers).
    fn input(&self) -> &'de [u8];

    #[doc(hidden)]
    /// How many bytes are known to remain, if the source knows.
    fn remaining(&self) -> Option<u64>;
}

/// Reads from a byte slice; strings and bytes are borrowed from it.
pub struct SliceRead<'de> {
    data: &'de [u8],
    pos: usize,
}

impl<'de> SliceRead<'de> {
    /// Read from `data`.
    pub fn new(data: &'de [u8]) -> Self {
        SliceRead { data, pos: 0 }
    }
}

impl private::Sealed for SliceRead<'_> {}

impl<'de> Read<'de> for SliceRead<'de> {
    #[inline]
    fn offset(&self) -> u64 {
        self.pos as u64
    }

    #[inline]
    fn next_byte(&mut self) -> Result<Option<u8>> {
        match self.data.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(Some(b))
            }
            None => Ok(None),
        }
    }

    #[inline]
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        match self.data.get(self.pos..self.pos + N) {
            Some(s) => {
                self.pos += N;
                let mut out = [0u8; N];
                out.copy_from_slice(s);
                Ok(out)
            }
            None => Err(Error::new(ErrorCode::Eof)),
        }
    }

    #[inline]
    fn bytes(&mut self, n: u64, _scratch: &mut Vec<u8>) -> Result<Span> {
        let rest = (self.data.len() - self.pos) as u64;
        if n > rest {
            return Err(Error::new(ErrorCode::Eof));
        }
        let span = Span::input(self.pos, n as usize);
        self.pos += n as usize;
        Ok(span)
    }

    fn line(&mut self, _scratch: &mut Vec<u8>) -> Result<Span> {
        let rest = &self.data[self.pos..];
        match rest.iter().position(|&b| b == b'\n') {
            Some(i) => {
                let span = Span::input(self.pos, i);
                self.pos += i + 1;
                Ok(span)
            }
            None => Err(Error::new(ErrorCode::Eof)),
        }
    }

    fn input(&self) -> &'de [u8] {
        self.data
    }

    fn remaining(&self) -> Option<u64> {
        Some((self.data.len() - self.pos) as u64)
    }
}

/// Reads from any [`std::io::Read`], buffering internally (so wrapping the
/// reader in a `BufReader` is unnecessary). Payloads are copied into a scratch
/// buffer that grows only by the bytes that actually arrive, so a length field
/// claiming gigabytes costs nothing until the gigabytes are there.
pub struct IoRead<R> {
    inner: R,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// Offset of `buf[0]` in the stream.
    base: u64,
}

const IO_BUF: usize = 64 * 1024;

impl<R: io::Read> IoRead<R> {
    /// Read from `reader`.
    pub fn new(reader: R) -> Self {
        IoRead { inner: reader, buf: vec![0; IO_BUF].into_boxed_slice(), pos: 0, end: 0, base: 0 }
    }

    /// Refill the buffer; false at end of input.
    fn fill(&mut self) -> Result<bool> {
        self.base += self.end as u64;
        self.pos = 0;
        self.end = 0;
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
}

impl<R> private::Sealed for IoRead<R> {}

impl<'de, R: io::Read> Read<'de> for IoRead<R> {
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
}
