//! Reading a whole `io::Read` into memory for `from_reader`, which reads to
//! the end anyway (bytes after the pickle are an error) and then parses the
//! buffer like a slice.
//!
//! The buffer grows geometrically, by what has already arrived (and at least
//! [`MIN_STEP`]), with no zeroing (the reads go through `Read::read_to_end`
//! into reserved capacity), and gives back its slack before parsing. A length
//! the pickle announces is never trusted for memory: a 20-byte pickle
//! claiming 2^60 bytes costs one small step before the reader reports the end
//! of its input. (Sizing the reads by the lengths the pickle announces was
//! measured against this and gained nothing: from_reader of the README data
//! sets took as long or longer with it, at the same peak heap.)

use std::io::Read;

use crate::error::{Error, Result};

/// The smallest growth step, and the first read when nothing is known.
const MIN_STEP: usize = 8 * 1024;

/// What [`read_head`] reads: enough for `PROTO` and the longest opcode
/// header (`BINBYTES8` and its 8-byte length).
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
    // One byte past the limit tells "exactly at the limit" from "over it".
    let cap = limit.saturating_add(1);
    while read_step(&mut reader, &mut buf, usize::MAX, cap)? {}
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
/// growing it by at most what it already holds (and at least [`MIN_STEP`];
/// an empty `buf` by [`HEADER`] first, so that what ends there, such as
/// the `STOP` after a large payload, costs no more):
/// false when the reader has ended. A full `buf` is a limit error.
fn read_step<R: Read>(reader: &mut R, buf: &mut Vec<u8>, want: usize, cap: usize) -> Result<bool> {
    let grow = if buf.is_empty() { HEADER } else { buf.len().max(MIN_STEP) };
    let step = want.min(grow).min(cap.saturating_sub(buf.len()));
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

/// The last geometric step may have left up to half the buffer unused:
/// give it back before parsing (a realloc that shrinks in place, or moves
/// the data once).
fn shrink_slack(buf: &mut Vec<u8>) {
    if buf.capacity() - buf.len() > buf.len() / 8 {
        buf.shrink_to_fit();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pickle_is_read_whole_with_little_slack() {
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
}
