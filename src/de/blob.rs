//! `from_reader` of a pickle that is one `bytes` object, into a type that
//! takes owned bytes (`serde_bytes::ByteBuf`, ...): the payload is moved to
//! the front of the buffer the input was read into, and that buffer becomes
//! the value. No second allocation of the payload's size, no copy into
//! fresh memory: a pickled 16 MiB blob is read in 16 MiB, not 32.
//!
//! Only the exact shape picklers write for a lone `bytes` is taken (`PROTO`,
//! `BINBYTES*`, a memo put of entry 0, `STOP`, the end), which the fast path
//! and the VM both read as that `bytes` object and nothing else. And the
//! buffer is only handed over when the type asks for bytes: for any other
//! request nothing has been consumed, and the caller parses the buffer as
//! usual.

use std::ops::Range;

use serde::de::{self, Visitor};

use crate::codec::opcodes::*;
use crate::error::{Error, ErrorCode, Result};
use crate::options::DeOptions;

/// Where the payload lies, if `buf` is exactly a pickle of one `bytes` object.
pub(super) fn lone_bytes(buf: &[u8], opts: &DeOptions) -> Option<Range<usize>> {
    let mut at = 0;
    if buf.first() == Some(&PROTO) {
        if *buf.get(1)? > HIGHEST_PROTOCOL {
            return None;
        }
        at = 2;
    }
    let (header, len) = match *buf.get(at)? {
        SHORT_BINBYTES => (2, *buf.get(at + 1)? as u64),
        BINBYTES => (5, u32::from_le_bytes(buf.get(at + 1..at + 5)?.try_into().ok()?) as u64),
        BINBYTES8 => (9, u64::from_le_bytes(buf.get(at + 1..at + 9)?.try_into().ok()?)),
        _ => return None,
    };
    let start = at + header;
    let end = start.checked_add(usize::try_from(len).ok()?)?;
    let trailer = buf.get(end..)?;
    // The memo put picklers write after it: entry 0, within the memo limit.
    let trailer = match trailer {
        [MEMOIZE, rest @ ..] | [BINPUT, 0, rest @ ..] | [LONG_BINPUT, 0, 0, 0, 0, rest @ ..]
            if opts.max_memo > 0 =>
        {
            rest
        }
        _ => trailer,
    };
    (trailer == [STOP]).then_some(start..end)
}

/// Offers the payload, owned, to a type that asks for bytes; refuses
/// (keeping the buffer) anything else.
pub(super) struct OwnedBytes {
    buf: Option<Vec<u8>>,
    payload: Range<usize>,
}

impl OwnedBytes {
    pub(super) fn new(buf: Vec<u8>, payload: Range<usize>) -> Self {
        OwnedBytes { buf: Some(buf), payload }
    }

    /// The input back, if it was not handed over.
    pub(super) fn into_input(self) -> Option<Vec<u8>> {
        self.buf
    }

    fn give<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let Some(mut buf) = self.buf.take() else { return Err(refused()) };
        // An in-place move through memory already touched by the read.
        buf.truncate(self.payload.end);
        buf.drain(..self.payload.start);
        visitor.visit_byte_buf(buf)
    }
}

fn refused() -> Error {
    Error::new(ErrorCode::Fallback)
}

impl<'de> de::Deserializer<'de> for &mut OwnedBytes {
    type Error = Error;

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.give(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.give(visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(refused())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct
        enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lone(buf: &[u8]) -> Option<Range<usize>> {
        lone_bytes(buf, &DeOptions::default())
    }

    #[test]
    fn the_shapes_cpython_writes_for_a_lone_bytes_are_recognised() {
        assert_eq!(lone(b"\x80\x05C\x02hi\x94."), Some(4..6));
        assert_eq!(lone(b"\x80\x03B\x02\x00\x00\x00hiq\x00."), Some(7..9));
        assert_eq!(lone(b"\x80\x05\x8e\x02\x00\x00\x00\x00\x00\x00\x00hi."), Some(11..13));
        assert_eq!(lone(b"C\x02hi."), Some(2..4));
    }

    #[test]
    fn anything_around_the_bytes_is_not_a_lone_bytes() {
        assert_eq!(lone(b"\x80\x05C\x02hi\x94.."), None);
        assert_eq!(lone(b"\x80\x05C\x02hiK\x01\x86."), None);
        assert_eq!(lone(b"\x80\x05C\x02hiq\x01."), None);
        assert_eq!(lone(b"\x80\x06C\x02hi."), None);
        assert_eq!(lone(b"\x80\x05C\x03hi."), None);
        assert_eq!(lone(b"\x80\x05\x8e\xff\xff\xff\xff\xff\xff\xff\xffhi."), None);
    }

    #[test]
    fn a_memo_put_is_not_taken_when_the_memo_limit_is_zero() {
        let opts = DeOptions::new().max_memo(0);
        assert_eq!(lone_bytes(b"\x80\x05C\x02hi\x94.", &opts), None);
        assert_eq!(lone_bytes(b"\x80\x05C\x02hi.", &opts), Some(4..6));
    }
}
