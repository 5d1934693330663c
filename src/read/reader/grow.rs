//! Growing a buffer by what a reader delivers, for `from_reader` (which
//! reads its input whole) and for a lone large `bytes` payload (`lone.rs`,
//! read apart into the vector the value then owns).
//!
//! A length the pickle announces is never trusted with memory: a buffer
//! grows geometrically by a multiple of what has arrived (at least
//! [`MIN_STEP`]), with no zeroing, so a 20-byte pickle claiming 2^60 bytes
//! costs one small step before the reader reports the end of its input.
//! (Sizing the reads by the lengths the pickle announces was measured
//! against this and gained nothing: `from_reader` of the README data sets
//! took as long or longer with it, at the same peak heap.)
//!
//! A payload grows by up to 8x a step, never past its announced length: an
//! honest 16 MiB payload takes 4 steps, not 12, and so moves less when the
//! allocator cannot grow it in place (after the other benchmark sets, a
//! doubling read took 2x a slice's time; see [`read_payload`]). The whole
//! input, whose length nothing announces, doubles, as its last step's
//! slack is reserved, if briefly, and shows in peak heap.

use std::collections::TryReserveError;
use std::io::{self, Read};

use crate::error::{Error, Result};

/// The smallest growth step.
const MIN_STEP: usize = 8 * 1024;

/// Read onto `buf` until it holds `len` bytes (a payload's announced
/// length) or `reader` ends, growing it by at most 7x what it holds (and at
/// least [`MIN_STEP`]). What was read stays in `buf` on an error.
pub(super) fn read_payload<R: Read>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    len: usize,
) -> io::Result<()> {
    read_until(reader, buf, len, 7)
}

/// Read onto `buf` until it holds `total` bytes or `reader` ends, each
/// step at most `growth` times what `buf` holds (and at least
/// [`MIN_STEP`]).
fn read_until<R: Read>(
    reader: &mut R,
    buf: &mut Vec<u8>,
    total: usize,
    growth: usize,
) -> io::Result<()> {
    while buf.len() < total {
        let step = (total - buf.len()).min(buf.len().saturating_mul(growth).max(MIN_STEP));
        buf.try_reserve_exact(step).map_err(io::Error::other)?;
        // `read_to_end` on a `Take` of exactly the reserved room reads into
        // the spare capacity without zeroing it, retries short reads and
        // `Interrupted`, and never grows the buffer past the reservation.
        if reader.take(step as u64).read_to_end(buf)? < step {
            break;
        }
    }
    Ok(())
}

/// `buf` (the input so far) and the rest of `reader`, at most `limit` bytes
/// in all (more is a limit error), with little slack.
pub(super) fn read_all<R: Read>(mut buf: Vec<u8>, reader: &mut R, limit: usize) -> Result<Vec<u8>> {
    // One byte past the limit tells "exactly at the limit" from "over it".
    match read_until(reader, &mut buf, limit.saturating_add(1), 1) {
        // No room for the next step (not an error of the reader's).
        Err(e) if e.get_ref().is_some_and(|e| e.is::<TryReserveError>()) => {
            return Err(too_large(limit))
        }
        Err(e) => return Err(e.into()),
        Ok(()) => {}
    }
    if buf.len() > limit {
        return Err(too_large(limit));
    }
    // The last step may have left up to half the buffer unused: give it
    // back before parsing (a realloc that shrinks in place, or moves the
    // data once).
    if buf.capacity() - buf.len() > buf.len() / 8 {
        buf.shrink_to_fit();
    }
    Ok(buf)
}

fn too_large(limit: usize) -> Error {
    Error::limit_exceeded("max_alloc", limit, "the input is larger")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pickle_is_read_whole_with_little_slack() {
        let data = crate::to_vec_with(&vec![7u64; 100_000], &crate::SerOptions::new().protocol(2))
            .unwrap();
        let buf = read_all(Vec::new(), &mut &data[..], usize::MAX).unwrap();
        assert_eq!(buf, data);
        assert!(buf.capacity() <= data.len() + data.len() / 8);
    }

    #[test]
    fn a_claimed_length_grows_the_buffer_only_by_what_arrived() {
        let mut data = b"\x80\x05\x8e".to_vec();
        data.extend_from_slice(&(1u64 << 60).to_le_bytes());
        data.extend_from_slice(b"abc");
        let buf = read_all(Vec::new(), &mut &data[..], usize::MAX).unwrap();
        assert_eq!(buf, data);
        assert!(buf.capacity() <= MIN_STEP, "capacity {}", buf.capacity());
    }

    #[test]
    fn input_at_the_limit_is_read_and_one_byte_more_is_a_limit_error() {
        let data = [b'N'; 100];
        assert_eq!(read_all(Vec::new(), &mut &data[..], 100).unwrap().len(), 100);
        let e = read_all(Vec::new(), &mut &data[..], 99).unwrap_err();
        assert_eq!(e.category(), crate::Category::Limit);
    }

    #[test]
    fn a_payload_claiming_more_than_arrives_costs_at_most_8x_what_arrived() {
        let data = vec![5u8; 10_000];
        let mut buf = Vec::new();
        read_payload(&mut &data[..], &mut buf, 1 << 30).unwrap();
        assert_eq!(buf.len(), 10_000);
        assert!(buf.capacity() <= 8 * 10_000, "capacity {}", buf.capacity());
    }

    #[test]
    fn a_payload_is_read_up_to_its_length_and_no_further() {
        let data = vec![5u8; 100_000];
        let mut reader = &data[..];
        let mut buf = vec![5u8; 10];
        read_payload(&mut reader, &mut buf, 70_000).unwrap();
        assert_eq!((buf.len(), reader.len()), (70_000, 30_010));
    }
}
