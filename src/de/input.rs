//! Reading a whole `io::Read` into memory for `from_reader`, which reads to
//! the end anyway (bytes after the pickle are an error) and then parses the
//! buffer like a slice.
//!
//! The buffer is sized by the lengths the pickle itself announces (`FRAME`,
//! `BINBYTES8`, `BINUNICODE`, ...), so a well-formed pickle is read into an
//! allocation of its final size, with no doubling slack and no zeroing (the
//! reads go through `Read::read_to_end` into reserved capacity). An
//! announced length is never trusted for memory, though: each step grows
//! the buffer by at most what has already arrived (and at least
//! [`MIN_STEP`]), so a 20-byte pickle claiming 2^60 bytes costs one small
//! step before the reader reports the end of its input.

use std::io::Read;

use crate::codec::opcodes::*;
use crate::error::{Error, Result};

/// The smallest growth step, and the first read when nothing is known.
const MIN_STEP: usize = 8 * 1024;

/// Bytes read past a known opcode boundary: enough for `PROTO` and the
/// longest opcode header (`FRAME` or `BINBYTES8` and its 8-byte length), so
/// that the next announcement arrives with the data before it, in the same
/// read (and the first read gets the whole header of a framed pickle).
const HEADER: usize = 2 + 9;

/// The first bytes of `reader`: up to a `PROTO` and the longest opcode
/// header (fewer only if the input ends first).
pub(super) fn read_head<R: Read>(reader: &mut R) -> Result<Vec<u8>> {
    let mut head = Vec::with_capacity(HEADER);
    reader.take(HEADER as u64).read_to_end(&mut head)?;
    Ok(head)
}

/// `buf` (the input so far) and the rest of `reader`, at most `limit`
/// bytes in all (more is a limit error).
pub(super) fn read_all<R: Read>(mut buf: Vec<u8>, mut reader: R, limit: usize) -> Result<Vec<u8>> {
    let mut hints = Hints::default();
    // One byte past the limit tells "exactly at the limit" from "over it".
    let cap = limit.saturating_add(1);
    loop {
        let want = match hints.next_end(&buf) {
            Some(end) if end > buf.len() => end - buf.len(),
            // Lost track of the opcodes: grow geometrically.
            _ => buf.len().max(MIN_STEP),
        };
        if !read_step(&mut reader, &mut buf, want, cap)? {
            break;
        }
    }
    if buf.len() > limit {
        return Err(too_large(limit));
    }
    shrink_slack(&mut buf);
    Ok(buf)
}

/// `buf` (what has arrived of a payload whose length the pickle announced)
/// and more of `reader`, up to `n` bytes in all (fewer if the reader ends
/// first), at most `limit` (more is a limit error).
pub(super) fn read_payload<R: Read>(
    reader: &mut R,
    mut buf: Vec<u8>,
    n: u64,
    limit: usize,
) -> Result<Vec<u8>> {
    let cap = limit.saturating_add(1);
    let n = usize::try_from(n).unwrap_or(usize::MAX).min(cap);
    while buf.len() < n {
        let want = n - buf.len();
        if !read_step(reader, &mut buf, want, cap)? {
            break;
        }
    }
    if buf.len() > limit {
        return Err(too_large(limit));
    }
    Ok(buf)
}

/// Read up to `want` more bytes onto `buf`, keeping it within `cap`, and
/// growing it by at most what it already holds (and at least [`MIN_STEP`]):
/// false when the reader has ended. A full `buf` is a limit error.
fn read_step<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize, cap: usize) -> Result<bool> {
    let step = want.min(buf.len().max(MIN_STEP)).min(cap.saturating_sub(buf.len()));
    let limit = cap.saturating_sub(1);
    if step == 0 {
        return Err(too_large(limit));
    }
    buf.try_reserve_exact(step).map_err(|_| too_large(limit))?;
    // `read_to_end` on a `Take` of exactly the reserved room reads into the
    // spare capacity without zeroing it, retries short reads and
    // `Interrupted`, and never grows the buffer past the reservation.
    let got = reader.take(step as u64).read_to_end(buf)?;
    Ok(got == step)
}

fn too_large(limit: usize) -> Error {
    Error::limit_exceeded("max_alloc", limit, "the input is larger")
}

/// Without announced lengths the last geometric step may have left up to
/// half the buffer unused: give it back before parsing (a realloc that
/// shrinks in place, or moves the data once).
fn shrink_slack(buf: &mut Vec<u8>) {
    if buf.capacity() - buf.len() > buf.len() / 8 {
        buf.shrink_to_fit();
    }
}

/// Follows the opcodes outside frames, whose lengths say how much input
/// comes next. Inside a frame nothing needs following: the frame's length
/// covers it. Any opcode not listed here ends the hints (the rest is read
/// geometrically); they only size the reads, the parser checks everything.
#[derive(Default)]
struct Hints {
    /// Offset of the next opcode boundary, if still known.
    next: Option<usize>,
    lost: bool,
}

impl Hints {
    /// Where the input known to follow ends (plus a header's worth), or
    /// `None` when the opcodes are no longer followed.
    fn next_end(&mut self, buf: &[u8]) -> Option<usize> {
        if self.lost {
            return None;
        }
        loop {
            let at = self.next.unwrap_or(0);
            let Some(len) = opcode_len(&buf[at.min(buf.len())..]) else {
                // The opcode or its length is not here yet.
                return at.checked_add(HEADER);
            };
            match len.and_then(|n| at.checked_add(n)) {
                Some(next) => self.next = Some(next),
                None => {
                    self.lost = true;
                    return None;
                }
            }
        }
    }
}

/// The length of the opcode at the start of `b` with its argument and
/// payload: `None` if `b` is too short to tell, `Some(None)` for an opcode
/// not followed (or a length that does not fit in `usize`).
fn opcode_len(b: &[u8]) -> Option<Option<usize>> {
    let len_le = |n: usize| -> Option<Option<usize>> {
        let arg = b.get(1..1 + n)?;
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(arg);
        Some(usize::try_from(u64::from_le_bytes(le)).ok().and_then(|v| v.checked_add(1 + n)))
    };
    Some(match *b.first()? {
        FRAME | BINBYTES8 | BINUNICODE8 | BYTEARRAY8 => return len_le(8),
        BINBYTES | BINUNICODE => return len_le(4),
        SHORT_BINBYTES | SHORT_BINUNICODE => return len_le(1),
        // What picklers write outside frames: the header, a frame too small
        // to be framed (`MEMOIZE` and `STOP` after a large payload).
        PROTO | BINPUT => Some(2),
        LONG_BINPUT => Some(5),
        MEMOIZE | STOP => Some(1),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_framed_pickle_is_read_into_a_buffer_of_its_size_plus_a_header() {
        let data = crate::to_vec(&vec![7u64; 100_000]).unwrap();
        let buf = read_all(Vec::new(), &data[..], usize::MAX).unwrap();
        assert_eq!(buf, data);
        assert!(buf.capacity() <= data.len() + HEADER, "capacity {}", buf.capacity());
    }

    #[test]
    fn a_large_bytes_payload_is_read_into_a_buffer_of_its_size_plus_a_header() {
        let data = crate::to_vec(&serde_bytes::ByteBuf::from(vec![1u8; 3 << 20])).unwrap();
        let buf = read_all(Vec::new(), &data[..], usize::MAX).unwrap();
        assert_eq!(buf, data);
        assert!(buf.capacity() <= data.len() + HEADER, "capacity {}", buf.capacity());
    }

    #[test]
    fn an_unframed_pickle_is_read_whole_with_little_slack() {
        let data = crate::to_vec_with(&vec![7u64; 100_000], &crate::SerOptions::new().protocol(2))
            .unwrap();
        let buf = read_all(Vec::new(), &data[..], usize::MAX).unwrap();
        assert_eq!(buf, data);
        assert!(buf.capacity() <= data.len() + data.len() / 8);
    }

    #[test]
    fn a_claimed_length_grows_the_buffer_only_by_what_arrived() {
        let mut data = b"\x80\x05\x8e".to_vec();
        data.extend_from_slice(&(1u64 << 60).to_le_bytes());
        data.extend_from_slice(b"abc");
        let buf = read_all(Vec::new(), &data[..], usize::MAX).unwrap();
        assert_eq!(buf, data);
        assert!(buf.capacity() <= MIN_STEP, "capacity {}", buf.capacity());
    }

    #[test]
    fn input_at_the_limit_is_read_and_one_byte_more_is_a_limit_error() {
        let data = [b'N'; 100];
        assert_eq!(read_all(Vec::new(), &data[..], 100).unwrap().len(), 100);
        let e = read_all(Vec::new(), &data[..], 99).unwrap_err();
        assert_eq!(e.category(), crate::Category::Limit);
    }

    #[test]
    fn an_opcode_length_overflowing_usize_stops_the_hints_without_panicking() {
        let mut data = b"\x80\x05\x95".to_vec();
        data.extend_from_slice(&u64::MAX.to_le_bytes());
        data.push(b'.');
        assert_eq!(read_all(Vec::new(), &data[..], usize::MAX).unwrap(), data);
    }
}
