//! The fast path's readers for the commonest values, inline: an int, a
//! `bytes` and a `str` in the forms picklers write, checked byte by byte
//! here rather than through the general [`Fast::scalar`].

use serde::de::Visitor;

use super::{fallback, utf8, Fast, Last, Memo, Payload};
use crate::codec::opcodes::*;
use crate::error::Result;

impl<'de> Fast<'_, 'de, '_> {
    /// An int in the binary forms picklers write, not followed by a memo put
    /// (picklers never memoize ints); `None` to take the general path.
    #[inline(always)]
    pub(super) fn int(&mut self) -> Result<Option<i64>> {
        let (i, p) = (self.input, self.pos);
        let (v, next) = match i.get(p) {
            Some(&BININT1) => match i.get(p + 1) {
                Some(&b) => (b as i64, p + 2),
                None => return Ok(None),
            },
            Some(&BININT) => match i.get(p + 1..p + 5) {
                Some(b) => (i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as i64, p + 5),
                None => return Ok(None),
            },
            Some(&BININT2) => match i.get(p + 1..p + 3) {
                Some(b) => (u16::from_le_bytes([b[0], b[1]]) as i64, p + 3),
                None => return Ok(None),
            },
            Some(&LONG1) => match i.get(p + 1) {
                Some(&n @ 1..=8) => match i.get(p + 2..p + 2 + n as usize).and_then(long_i64) {
                    Some(v) => (v, p + 2 + n as usize),
                    None => return Ok(None),
                },
                _ => return Ok(None),
            },
            _ => return Ok(None),
        };
        if matches!(i.get(next), Some(&(MEMOIZE | BINPUT | LONG_BINPUT | FRAME | PROTO))) {
            return Ok(None);
        }
        self.pos = next;
        self.values += 1;
        Ok(Some(v))
    }

    /// The common case first: `SHORT_BINBYTES`/`BINBYTES` read inline, then
    /// its memo put (picklers memoize every bytes object).
    #[inline]
    pub(super) fn bytes<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let (i, p) = (self.input, self.pos);
        let (start, n) = match i.get(p) {
            Some(&SHORT_BINBYTES) => match i.get(p + 1) {
                Some(&n) => (p + 2, n as usize),
                None => return Err(fallback()),
            },
            Some(&BINBYTES) => match i.get(p + 1..p + 5) {
                Some(b) => (p + 5, u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize),
                None => return Err(fallback()),
            },
            _ => {
                let m = self.scalar()?.ok_or_else(fallback)?;
                return self.visit_scalar(m, visitor);
            }
        };
        if n > i.len() - start {
            return Err(fallback());
        }
        self.pos = start + n;
        let m = Memo::Bytes(start as u32, n as u32);
        self.memo_after(Last::Scalar(m))?;
        match self.visit_payload(start as u32, n as u32)? {
            Payload::Lent(b) => visitor.visit_borrowed_bytes(b),
            Payload::Copied(b) => visitor.visit_bytes(b),
        }
    }

    /// The common case first: a short string, or a memoized one (dict keys).
    #[inline]
    pub(super) fn string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        let m = match self.input.get(self.pos) {
            Some(&SHORT_BINUNICODE) => {
                let n = *self.input.get(self.pos + 1).ok_or_else(fallback)? as usize;
                let start = self.pos + 2;
                let end = start + n;
                if end > self.input.len() {
                    return Err(fallback());
                }
                if !matches!(
                    self.input.get(end),
                    Some(&(MEMOIZE | BINPUT | LONG_BINPUT | FRAME | PROTO))
                ) {
                    // Not memoized (a value, not a key): visited straight
                    // from the input.
                    self.pos = end;
                    self.values += 1;
                    self.charge(n as u64)?;
                    return match self.lend {
                        Some(input) => visitor.visit_borrowed_str(utf8(&input[start..end])?),
                        None => visitor.visit_str(utf8(&self.input[start..end])?),
                    };
                }
                self.pos = end;
                self.after(Memo::Str(start as u32, n as u32))?
            }
            Some(&BINGET) => {
                let idx = *self.input.get(self.pos + 1).ok_or_else(fallback)? as usize;
                match self.memo.get(idx as u64) {
                    Some(m @ (Memo::Text(_) | Memo::Str(..))) => {
                        self.pos += 2;
                        let m = self.fetched(idx, m);
                        self.after(m)?
                    }
                    _ => self.scalar()?.ok_or_else(fallback)?,
                }
            }
            _ => self.scalar()?.ok_or_else(fallback)?,
        };
        self.visit_scalar(m, visitor)
    }
}
