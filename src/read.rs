//! Input sources for the reader: a borrowed slice (strings and bytes are lent
//! straight from it) or any `std::io::Read` (bytes are copied into a scratch
//! buffer that grows only by what actually arrives).

mod reader;

use serde::de;

use crate::de::fast::Fast;
use crate::error::{Error, ErrorCode, Result};
use crate::options::DeOptions;

pub use reader::IoRead;

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

    #[doc(hidden)]
    /// The next pickle, read by the fast path if it can; `None` leaves the
    /// source where it was, for the VM (which reports every error).
    fn fast<T: de::Deserialize<'de>>(&mut self, opts: &DeOptions) -> Option<T>;
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

    fn fast<T: de::Deserialize<'de>>(&mut self, opts: &DeOptions) -> Option<T> {
        let rest = &self.data[self.pos..];
        let (value, used) = Fast::new(rest, opts).run_prefix().ok()?;
        self.pos += used;
        Some(value)
    }
}
