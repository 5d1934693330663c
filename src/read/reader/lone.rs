//! A lone large `bytes` pickle in a stream (`PROTO`, `BINBYTES*`, perhaps a
//! memo put, `STOP`), taken out of an [`IoRead`] with its payload read
//! straight into a vector of its own: a typed read of it (or a `Value`)
//! then owns that vector, and a 1 GiB payload costs 1 GiB, not the
//! buffered pickle plus a copy of it plus the buffer's growth.
//!
//! Nothing is consumed until the caller says the value was made
//! ([`IoRead::lone_bytes_done`]); otherwise [`IoRead::put_back`] rebuilds
//! the buffer as it would have been, for the usual paths. Bytes are read
//! only as the pickle says it has them (a socket is not waited on past the
//! `STOP`), as for [`IoRead::next_pickle`].

use std::io;

use super::{IoRead, IO_BUF};
use crate::codec::opcodes::*;

/// Payloads at least this long are read apart; smaller ones are not worth it.
pub(crate) const LARGE: u64 = 64 * 1024;

/// The opcode header of a large `bytes` object at the start of a pickle
/// (after a `PROTO`): its length, and the payload's length.
fn large_bytes_header(head: &[u8]) -> Option<(usize, u64)> {
    let at = match head {
        [PROTO, v, ..] if *v <= HIGHEST_PROTOCOL => 2,
        [PROTO, ..] => return None,
        _ => 0,
    };
    let (header, len) = match *head.get(at)? {
        BINBYTES => (5, u32::from_le_bytes(head.get(at + 1..at + 5)?.try_into().ok()?) as u64),
        BINBYTES8 => (9, u64::from_le_bytes(head.get(at + 1..at + 9)?.try_into().ok()?)),
        _ => return None,
    };
    (len >= LARGE).then_some((at + header, len))
}

/// Whether `tail` is what picklers write after a lone `bytes`: a memo put
/// of entry 0 (if `memo` allows one), then `STOP`, then nothing.
fn is_lone_trailer(tail: &[u8], memo: bool) -> bool {
    let rest = match tail {
        [MEMOIZE, rest @ ..] | [BINPUT, 0, rest @ ..] | [LONG_BINPUT, 0, 0, 0, 0, rest @ ..]
            if memo =>
        {
            rest
        }
        _ => tail,
    };
    rest == [STOP]
}

/// A lone `bytes` pickle taken out of the buffer: its payload, and the
/// length of the rest of it (header and trailer), left buffered.
pub struct LoneBytes {
    /// The payload (the caller may move it out, and must put it back before
    /// [`IoRead::put_back`]).
    pub payload: Vec<u8>,
    /// The payload's length.
    len: usize,
    /// Bytes of the header (from the start of the pickle to the payload).
    header: usize,
    /// Bytes of the header and trailer together.
    rest: usize,
}

impl<R: io::Read> IoRead<R> {
    /// The pickle at the current position, if it is a lone `bytes` of at
    /// least `large` bytes (the whole pickle at most `limit`) followed by what picklers
    /// write after one (a memo put of entry 0 if `memo` allows it, then
    /// `STOP`). `None` leaves the source as it was (a reader error met on
    /// the way is kept for the VM to meet where it would have).
    pub(crate) fn lone_bytes(&mut self, large: u64, limit: usize, memo: bool) -> Option<LoneBytes> {
        if self.pending.is_some() {
            return None;
        }
        self.shrink();
        let header = match self.lone_header(large, limit) {
            Ok(Some(h)) => h,
            Ok(None) => return None,
            Err(e) => {
                self.pending = Some(e);
                return None;
            }
        };
        let (header, len) = header;
        // What is buffered past the header: the payload's first bytes, and
        // perhaps more (the trailer, the next pickles), which stays.
        let start = self.pos + header;
        let early = (self.end - start).min(len);
        let mut payload = self.buf[start..start + early].to_vec();
        self.buf.copy_within(start + early..self.end, start);
        self.end -= early;
        let lone = |payload, rest| LoneBytes { payload, len, header, rest };
        if let Err(e) = super::grow::read_payload(&mut self.inner, &mut payload, len) {
            self.pending = Some(e);
            self.put_back(lone(payload, header));
            return None;
        }
        if payload.len() < len {
            // The input ends inside the payload: the VM reports it.
            self.put_back(lone(payload, header));
            return None;
        }
        match self.lone_trailer(header, memo) {
            // The limit is on the whole pickle, as for any other.
            Ok(Some(rest)) if len + rest <= limit => Some(lone(payload, rest)),
            outcome => {
                if let Err(e) = outcome {
                    self.pending = Some(e);
                }
                self.put_back(lone(payload, header));
                None
            }
        }
    }

    /// Whether the input ends right after the pickle [`IoRead::lone_bytes`]
    /// took (for `from_reader`, which then has nothing left to read).
    pub(crate) fn ends_after(&mut self, lone: &LoneBytes) -> bool {
        match self.fill_to(lone.rest + 1, usize::MAX) {
            Ok(more) => !more,
            Err(e) => {
                self.pending = Some(e);
                false
            }
        }
    }

    /// The pickle taken by [`IoRead::lone_bytes`] was read: consume it.
    pub(super) fn lone_bytes_done(&mut self, lone: &LoneBytes) {
        self.base += lone.len as u64;
        self.pos += lone.rest;
    }

    /// Put the pickle taken by [`IoRead::lone_bytes`] back together in the
    /// buffer, unconsumed: one copy of the payload.
    pub(crate) fn put_back(&mut self, lone: LoneBytes) {
        let at = self.pos + lone.header;
        let mut buf = Vec::with_capacity((self.end - self.pos + lone.payload.len()).max(IO_BUF));
        buf.extend_from_slice(&self.buf[self.pos..at]);
        buf.extend_from_slice(&lone.payload);
        drop(lone.payload);
        buf.extend_from_slice(&self.buf[at..self.end]);
        self.base += self.pos as u64;
        self.end = buf.len();
        self.pos = 0;
        buf.resize(buf.capacity(), 0);
        self.buf = buf;
    }

    /// The header of a large `bytes` at the start of the pickle: its length
    /// and the payload's. Reads only bytes the opcodes say are there.
    fn lone_header(&mut self, large: u64, limit: usize) -> io::Result<Option<(usize, usize)>> {
        if !self.fill_to(1, IO_BUF)? {
            return Ok(None);
        }
        let at = if self.buf[self.pos] == PROTO { 2 } else { 0 };
        if !self.fill_to(at + 1, IO_BUF)? {
            return Ok(None);
        }
        let header = match self.buf[self.pos + at] {
            BINBYTES => at + 5,
            BINBYTES8 => at + 9,
            _ => return Ok(None),
        };
        if !self.fill_to(header, IO_BUF)? {
            return Ok(None);
        }
        let head = &self.buf[self.pos..self.pos + header];
        Ok(match large_bytes_header(head) {
            Some((h, len)) if h == header && len >= large => {
                usize::try_from(len).ok().filter(|&n| n <= limit).map(|n| (header, n))
            }
            _ => None,
        })
    }

    /// The trailer after the payload (buffered right after the header):
    /// the header's and trailer's length together, if it is a lone one
    /// ([`is_lone_trailer`]). Buffers the memo put the pickle has there, if
    /// any, and the opcode after it, nothing more.
    fn lone_trailer(&mut self, header: usize, memo: bool) -> io::Result<Option<usize>> {
        if !self.fill_to(header + 1, IO_BUF)? {
            return Ok(None);
        }
        let put = match self.buf[self.pos + header] {
            MEMOIZE => 1,
            BINPUT => 2,
            LONG_BINPUT => 5,
            _ => 0,
        };
        let end = header + put + 1;
        if !self.fill_to(end, IO_BUF)? {
            return Ok(None);
        }
        let tail = &self.buf[self.pos + header..self.pos + end];
        Ok(is_lone_trailer(tail, memo).then_some(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_headers_cpython_writes_for_a_large_bytes_are_recognised() {
        assert_eq!(large_bytes_header(b"\x80\x05B\x00\x00\x01\x00"), Some((7, 65536)));
        assert_eq!(large_bytes_header(b"\x80\x03B\x00\x00\x01\x00"), Some((7, 65536)));
        let mut b8 = b"\x80\x05\x8e".to_vec();
        b8.extend_from_slice(&(1u64 << 40).to_le_bytes());
        assert_eq!(large_bytes_header(&b8), Some((11, 1 << 40)));
        assert_eq!(large_bytes_header(b"B\x00\x00\x01\x00"), Some((5, 65536)));
    }

    #[test]
    fn small_bytes_other_opcodes_and_unknown_protocols_are_not_taken() {
        assert_eq!(large_bytes_header(b"\x80\x05B\xff\xff\x00\x00"), None);
        assert_eq!(large_bytes_header(b"\x80\x05C\x02hi"), None);
        assert_eq!(large_bytes_header(b"\x80\x05\x95\x00\x00\x01\x00"), None);
        assert_eq!(large_bytes_header(b"\x80\x06B\x00\x00\x01\x00"), None);
        assert_eq!(large_bytes_header(b"\x80\x05B\x00"), None);
    }

    #[test]
    fn the_trailers_picklers_write_after_a_lone_bytes_are_recognised() {
        for t in [&b"\x94."[..], b"q\x00.", b"r\x00\x00\x00\x00.", b"."] {
            assert!(is_lone_trailer(t, true), "{t:?}");
        }
        for t in [&b"\x94.."[..], b"q\x01.", b"K\x01\x86.", b"", b"\x94"] {
            assert!(!is_lone_trailer(t, true), "{t:?}");
        }
    }

    #[test]
    fn a_memo_put_is_not_taken_when_the_memo_limit_is_zero() {
        assert!(!is_lone_trailer(b"\x94.", false));
        assert!(is_lone_trailer(b".", false));
    }
}
