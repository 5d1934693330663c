//! Input sources for the reader: a borrowed slice (strings and bytes are lent
//! straight from it) or any `std::io::Read` (bytes are copied into a scratch
//! buffer that grows only by what actually arrives).

mod reader;

use crate::error::{Error, ErrorCode, Result};

pub use reader::IoRead;
pub(crate) use reader::LoneBytes;
pub(crate) use reader::LARGE;

/// Where a string or byte payload lives: a range of the input slice, or of
/// the reader's scratch buffer (for `io::Read` input and decoded text).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    /// Start offset; the top bit set means "in scratch".
    start: usize,
    len: usize,
}

const SCRATCH_BIT: usize = 1 << (usize::BITS - 1);
/// With `SCRATCH_BIT`: an out-of-band buffer (`DeOptions::buffers`), by index.
const BUFFER_BIT: usize = 1 << (usize::BITS - 2);

impl Span {
    pub(crate) fn input(start: usize, len: usize) -> Span {
        Span { start, len }
    }

    pub(crate) fn scratch(start: usize, len: usize) -> Span {
        Span { start: start | SCRATCH_BIT, len }
    }

    /// All of out-of-band buffer `index` (`len` bytes), read in place rather
    /// than copied into scratch (see `Arena::bytes`).
    pub(crate) fn buffer(index: usize, len: usize) -> Span {
        Span { start: index | SCRATCH_BIT | BUFFER_BIT, len }
    }

    /// The out-of-band buffer the span is, if it is one.
    #[inline]
    pub(crate) fn buffer_index(self) -> Option<usize> {
        (self.start & BUFFER_BIT != 0 && self.start & SCRATCH_BIT != 0)
            .then_some(self.start & !(SCRATCH_BIT | BUFFER_BIT))
    }

    /// Whether the span lies in the input, and its range there or in scratch
    /// (for a buffer span, see [`buffer_index`](Self::buffer_index), only
    /// its length means anything).
    #[inline]
    pub(crate) fn range(self) -> (bool, std::ops::Range<usize>) {
        let s = self.start & !(SCRATCH_BIT | BUFFER_BIT);
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

/// The next whole pickle of a source, for the fast path.
pub enum Pickle<'a, 'de> {
    /// The rest of a `'de` slice (the pickle is at its start): strings and
    /// bytes may be lent from it.
    Lent(&'de [u8]),
    /// One pickle, buffered from a reader: strings and bytes are copied out.
    Buffered(&'a [u8]),
}

pub(crate) mod private {
    use super::{LoneBytes, Pickle, Span};
    use crate::error::Result;

    /// What the reader needs of a source. In a private module, so that
    /// [`super::Read`] is sealed and none of this is public.
    pub trait Source<'de> {
        /// Offset of the next byte.
        fn offset(&self) -> u64;

        /// The next byte, or `None` at the end of the input.
        fn next_byte(&mut self) -> Result<Option<u8>>;

        /// Exactly `N` bytes.
        fn fixed<const N: usize>(&mut self) -> Result<[u8; N]>;

        /// `n` bytes, as a span of the input or appended to `scratch`.
        fn bytes(&mut self, n: u64, scratch: &mut Vec<u8>) -> Result<Span>;

        /// Bytes up to (not including) the next `\n`, which is consumed.
        fn line(&mut self, scratch: &mut Vec<u8>) -> Result<Span>;

        /// The whole input when it is a borrowed slice (empty for readers).
        fn input(&self) -> &'de [u8];

        /// How many bytes are known to remain, if the source knows.
        fn remaining(&self) -> Option<u64>;

        /// The next pickle whole (at most `limit` bytes of it), without
        /// consuming it; `None` when it cannot be delimited so, which leaves
        /// the source as it was for the VM (which reports every error).
        fn next_pickle(&mut self, limit: usize) -> Option<Pickle<'_, 'de>>;

        /// Consume `n` bytes of what [`Source::next_pickle`] returned.
        fn consume(&mut self, n: usize);

        /// The next pickle, taken out, if it is a lone `bytes` of `large`
        /// to `limit` bytes (see `read/reader/lone.rs`); readers only: a
        /// slice lends its bytes anyway.
        fn lone_bytes(&mut self, _large: u64, _limit: usize, _memo: bool) -> Option<LoneBytes> {
            None
        }

        /// Consume the pickle [`Source::lone_bytes`] took.
        fn lone_bytes_done(&mut self, _lone: &LoneBytes) {}

        /// Give back the pickle [`Source::lone_bytes`] took, unconsumed.
        fn put_back(&mut self, _lone: LoneBytes) {}
    }
}

/// A source of pickle bytes. Sealed: implemented by [`SliceRead`] and
/// [`IoRead`] only; its methods are the crate's own.
///
/// ```
/// fn first<'de, R: serde_pickle::Read<'de>>(r: R) -> serde_pickle::Result<u8> {
///     serde::Deserialize::deserialize(&mut serde_pickle::Deserializer::new(r))
/// }
/// assert_eq!(first(serde_pickle::SliceRead::new(b"K\x07.")).unwrap(), 7);
/// ```
pub trait Read<'de>: private::Source<'de> {}

impl<'de> Read<'de> for SliceRead<'de> {}
impl<'de, R: std::io::Read> Read<'de> for IoRead<R> {}

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

impl<'de> private::Source<'de> for SliceRead<'de> {
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

    fn next_pickle(&mut self, _limit: usize) -> Option<Pickle<'_, 'de>> {
        Some(Pickle::Lent(&self.data[self.pos..]))
    }

    fn consume(&mut self, n: usize) {
        self.pos += n;
    }
}
