//! The fast path for typed reads from a slice: a recursive-descent parser
//! that feeds serde visitors straight from the opcode stream, with no arena.
//!
//! It understands the shapes picklers write for plain data (containers opened
//! by `EMPTY_LIST`/`EMPTY_DICT`/`EMPTY_SET` and filled by batches, postfix
//! tuples, memoized scalars fetched by `BINGET`), and is optimistic: anything
//! else — a memo reference to a container, a global, a postfix opcode where it
//! expected a value, a closer that does not match — makes it give up with
//! [`fallback`]. The caller then reads the same bytes with the full
//! VM, which is the authority on every input. So the fast path may refuse, but
//! never answers differently: every accepted shape is one whose meaning it has
//! checked opcode by opcode up to the final `STOP`.

mod access;
mod build;
mod deserializer;
mod inline;
mod prepass;
mod value;

use serde::de::{self, Visitor};

use access::{Batched, Fixed, Marked};

use crate::codec::memo::Memo as MemoTable;
use crate::codec::opcodes::*;
use crate::codec::utf8::str_from;
use crate::error::{Error, ErrorCode, Result};
use crate::options::DeOptions;
use crate::vm::arena::{CHECK_EVERY, FOOTPRINT_PER_VALUE};

/// A memo entry: scalars can be fetched again; containers cannot (fallback).
#[derive(Clone, Copy)]
enum Memo {
    Unset,
    Container,
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(u32, u32),
    /// A memoized str already checked to be UTF-8 (at its first fetch,
    /// [`Fast::fetched`]): its index in [`Fast::texts`]. Keys are fetched
    /// from the memo once per dict, and checking them again at each fetch
    /// was a sixth of a typed read of records.
    Text(u32),
    Bytes(u32, u32),
    /// A value the whole-`Value` builder shares (see `value.rs`): its index
    /// there. Typed reads give up on it.
    Shared(u32),
}

/// `Unset` marks a vacant slot of the memo table; nothing puts it.
impl crate::codec::memo::Entry for Memo {
    const VACANT: Memo = Memo::Unset;
    #[inline]
    fn is_vacant(&self) -> bool {
        matches!(self, Memo::Unset)
    }
}

/// The value just parsed, for memo puts that follow it.
#[derive(Clone, Copy)]
enum Last {
    Scalar(Memo),
    Container,
}

pub(crate) struct Fast<'i, 'de, 'o> {
    input: &'i [u8],
    /// The input again when strings and bytes may be lent to the visitor
    /// (`from_slice`); `None` when it is a reader's buffer, which they are
    /// copied out of.
    lend: Option<&'de [u8]>,
    pos: usize,
    memo: MemoTable<Memo>,
    opts: &'o DeOptions,
    depth: usize,
    /// Lists, dicts and sets opened so far: one opened inside a dict key, a
    /// set item or a frozenset is CPython's "unhashable type" error, which
    /// the VM reports (see [`Fast::hashable`]).
    mutable_opened: usize,
    /// Payload bytes (str, bytes) still allowed to be visited: memo
    /// references may repeat a string; see [`DeOptions::max_expansion`].
    /// The VM charges the same visits, so a read within the budget here is
    /// within it there.
    payload_left: u64,
    /// Values parsed so far: what bounds the VM's working memory for the
    /// same pickle (see [`Fast::within_vm_alloc`]).
    values: usize,
    /// The memoized strs checked once (`Memo::Text`), as the visitor is
    /// given them: lent from the `'de` input, or copied out of `'i`.
    texts: Texts<'i, 'de>,
}

/// See [`Fast::texts`]: one of the two vectors is used, as `lend` says.
struct Texts<'i, 'de> {
    lent: Vec<&'de str>,
    copied: Vec<&'i str>,
}

/// The fast path gives up. Which error this is never matters: the VM then
/// reads the same bytes and reports its own (or none).
// Cold and out of line: the error's allocation, inlined at each of the
// many places that may give up, made every caller's frame heavier.
#[cold]
#[inline(never)]
pub(crate) fn fallback() -> Error {
    Error::new(ErrorCode::Eof)
}

/// Nesting the fast path handles itself; deeper input is left to the VM,
/// whose walk costs less native stack per level. (Up to `max_depth` here, a
/// debug build overflowed a 2 MiB thread stack at ~1000 nested lists.)
const FAST_MAX_DEPTH: usize = 128;

/// Memo entries reserved up front, at most (the memo grows past it as needed).
const MEMO_RESERVE: usize = 4096;

impl<'de, 'o> Fast<'de, 'de, 'o> {
    /// Parse `input`, lending strings and bytes from it.
    pub(crate) fn new(input: &'de [u8], opts: &'o DeOptions) -> Self {
        Fast::build(input, Some(input), opts)
    }
}

impl<'i, 'de, 'o> Fast<'i, 'de, 'o> {
    /// Parse `input` (a reader's buffer), copying strings and bytes out of it.
    pub(crate) fn copying(input: &'i [u8], opts: &'o DeOptions) -> Self {
        Fast::build(input, None, opts)
    }

    fn build(input: &'i [u8], lend: Option<&'de [u8]>, opts: &'o DeOptions) -> Self {
        // Picklers memoize nearly every string and container, so reserve a
        // little by the input size; but only a little: input/16 entries of
        // 16 bytes was an allocation as large as the input, and for a big
        // `bytes` pickle it cost more (page faults, malloc churn) than the
        // copy of the payload.
        let memo = MemoTable::with_capacity((input.len() / 16).min(MEMO_RESERVE));
        let payload_left = opts.payload_budget(input.len());
        Fast {
            input,
            lend,
            pos: 0,
            memo,
            opts,
            depth: 0,
            mutable_opened: 0,
            payload_left,
            values: 0,
            texts: Texts { lent: Vec::new(), copied: Vec::new() },
        }
    }

    /// Parse the whole input as one pickle and deserialize `T`.
    pub(crate) fn run<T: de::Deserialize<'de>>(self) -> Result<T> {
        let len = self.input.len();
        match self.run_prefix()? {
            (value, used) if used == len => Ok(value),
            _ => Err(fallback()),
        }
    }

    /// Parse the pickle at the start of the input (which may go on: a
    /// stream) and deserialize `T`: the value, and where the pickle ends,
    /// just past its `STOP` (where the VM stops too).
    pub(crate) fn run_prefix<T: de::Deserialize<'de>>(mut self) -> Result<(T, usize)> {
        if self.input.len() > u32::MAX as usize {
            return Err(fallback());
        }
        let value = T::deserialize(&mut self)?;
        self.skip_meta()?;
        if self.byte()? != STOP || !self.within_vm_alloc() {
            return Err(fallback());
        }
        Ok((value, self.pos))
    }

    /// Whether the VM, reading the same pickle, stays within
    /// [`DeOptions::max_alloc`]: its arena grows by at most
    /// [`FOOTPRINT_PER_VALUE`] per value, plus every payload when the input
    /// is a reader's (copied into its scratch buffer, and checked at each
    /// payload); from a slice it checks only every [`CHECK_EVERY`] nodes.
    /// Where it might not, the VM decides.
    fn within_vm_alloc(&self) -> bool {
        let bound = match self.lend {
            Some(_) if self.values < CHECK_EVERY - 1 => return true,
            Some(_) => 0,
            None => self.pos,
        };
        let bound = self.values.saturating_mul(FOOTPRINT_PER_VALUE).saturating_add(bound);
        bound <= self.opts.max_alloc
    }

    #[inline]
    fn byte(&mut self) -> Result<u8> {
        let b = *self.input.get(self.pos).ok_or_else(fallback)?;
        self.pos += 1;
        Ok(b)
    }

    #[inline]
    fn take(&mut self, n: usize) -> Result<&'i [u8]> {
        let end = self.pos.checked_add(n).ok_or_else(fallback)?;
        let s = self.input.get(self.pos..end).ok_or_else(fallback)?;
        self.pos = end;
        Ok(s)
    }

    #[inline]
    fn fixed<const N: usize>(&mut self) -> Result<[u8; N]> {
        let s = self.take(N)?;
        let mut a = [0u8; N];
        a.copy_from_slice(s);
        Ok(a)
    }

    /// Skip opcodes that carry no value: PROTO and FRAME.
    #[inline]
    fn skip_meta(&mut self) -> Result<()> {
        loop {
            match self.input.get(self.pos) {
                Some(&PROTO) => {
                    self.pos += 1;
                    if self.byte()? > HIGHEST_PROTOCOL {
                        return Err(fallback());
                    }
                }
                Some(&FRAME) => {
                    // A frame longer than the rest of the input is truncated
                    // data for the VM (as for CPython's C unpickler).
                    self.pos += 1;
                    let n = u64::from_le_bytes(self.fixed()?);
                    if n > (self.input.len() - self.pos) as u64 {
                        return Err(fallback());
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// The next opcode, without consuming it (after PROTO/FRAME).
    #[inline(always)]
    fn peek(&mut self) -> Result<u8> {
        match self.input.get(self.pos) {
            Some(&op) if op != FRAME && op != PROTO => Ok(op),
            _ => self.peek_after_meta(),
        }
    }

    /// [`Fast::skip_meta`] out of line, for the loops that rarely meet one.
    #[cold]
    #[inline(never)]
    fn skip_meta_cold(&mut self) -> Result<()> {
        self.skip_meta()
    }

    /// [`Fast::peek`] past a PROTO or FRAME (or at the end): out of line, as
    /// it is rare (a frame per 64 KiB) and inlined it weighed on every peek.
    #[cold]
    #[inline(never)]
    fn peek_after_meta(&mut self) -> Result<u8> {
        self.skip_meta()?;
        self.input.get(self.pos).copied().ok_or_else(fallback)
    }

    #[inline]
    fn put(&mut self, idx: usize, m: Memo) -> Result<()> {
        self.memo.put(idx as u64, m);
        // Past the memo limit, the VM reports the limit.
        if self.memo.len() > self.opts.max_memo {
            return Err(fallback());
        }
        Ok(())
    }

    /// Memo puts that follow a value (and the value counted).
    #[inline(always)]
    fn memo_after(&mut self, last: Last) -> Result<()> {
        self.values += 1;
        let m = match last {
            Last::Scalar(m) => m,
            Last::Container => Memo::Container,
        };
        self.puts(m).map(drop)
    }

    /// A scalar's memo puts (and the value counted): `m` again, to visit.
    #[inline(always)]
    fn after(&mut self, m: Memo) -> Result<Memo> {
        self.values += 1;
        self.puts(m)
    }

    /// The memo puts at the current position, of `m`; `m` again.
    #[inline(always)]
    fn puts(&mut self, m: Memo) -> Result<Memo> {
        while let Some(&op) = self.input.get(self.pos) {
            let idx = match op {
                MEMOIZE => {
                    self.pos += 1;
                    self.memo.len()
                }
                BINPUT => {
                    self.pos += 1;
                    self.byte()? as usize
                }
                LONG_BINPUT => {
                    self.pos += 1;
                    u32::from_le_bytes(self.fixed()?) as usize
                }
                FRAME | PROTO => {
                    self.skip_meta_cold()?;
                    continue;
                }
                _ => return Ok(m),
            };
            self.put(idx, m)?;
        }
        Ok(m)
    }

    /// The memo entry `idx`, `m`, fetched again: a str is checked for UTF-8
    /// at its first fetch and kept as `Memo::Text` (a record's keys are
    /// fetched once per record; checking at each put instead kept a table
    /// entry for every str CPython memoizes, most never fetched).
    #[inline]
    fn fetched(&mut self, idx: usize, m: Memo) -> Memo {
        let Memo::Str(s, n) = m else { return m };
        let t = self.text(s, n);
        if let Memo::Text(_) = t {
            self.memo.put(idx as u64, t);
        }
        t
    }

    /// `Memo::Text` for the str `[s, s + n)` if it is UTF-8, else `Str`
    /// again (the VM decides when it is visited).
    #[cold]
    fn text(&mut self, s: u32, n: u32) -> Memo {
        let range = s as usize..(s + n) as usize;
        let k = match self.lend {
            Some(input) => match str_from(&input[range]) {
                Some(t) => {
                    self.texts.lent.push(t);
                    self.texts.lent.len()
                }
                None => return Memo::Str(s, n),
            },
            None => match str_from(&self.input[range]) {
                Some(t) => {
                    self.texts.copied.push(t);
                    self.texts.copied.len()
                }
                None => return Memo::Str(s, n),
            },
        };
        match u32::try_from(k - 1) {
            Ok(k) => Memo::Text(k),
            Err(_) => Memo::Str(s, n),
        }
    }

    /// Deserialize something that must be hashable (a dict key, a set item):
    /// if a list, dict or set was opened in it, the VM decides (and rejects it).
    #[inline(always)]
    pub(super) fn hashable<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let before = self.mutable_opened;
        let v = f(self)?;
        if self.mutable_opened != before {
            return Err(fallback());
        }
        Ok(v)
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.opts.max_depth.min(FAST_MAX_DEPTH) {
            return Err(fallback());
        }
        Ok(())
    }

    /// A scalar at the current position (with its memo puts), or `None` if
    /// the next opcode does not start a scalar.
    #[inline]
    fn scalar(&mut self) -> Result<Option<Memo>> {
        let op = self.peek()?;
        let m = match op {
            BININT1 => {
                self.pos += 1;
                Memo::Int(self.byte()? as i64)
            }
            BININT2 => {
                self.pos += 1;
                Memo::Int(u16::from_le_bytes(self.fixed()?) as i64)
            }
            BININT => {
                self.pos += 1;
                Memo::Int(i32::from_le_bytes(self.fixed()?) as i64)
            }
            LONG1 => {
                self.pos += 1;
                let n = self.byte()? as usize;
                Memo::Int(long_i64(self.take(n)?).ok_or_else(fallback)?)
            }
            BINFLOAT => {
                self.pos += 1;
                Memo::Float(f64::from_be_bytes(self.fixed()?))
            }
            NONE => {
                self.pos += 1;
                Memo::None
            }
            NEWTRUE | NEWFALSE => {
                self.pos += 1;
                Memo::Bool(op == NEWTRUE)
            }
            SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => {
                self.pos += 1;
                let n = self.len_for(op)?;
                let start = self.pos;
                self.take(n)?;
                // UTF-8 is checked when the string is visited; lone
                // surrogates and bad UTF-8 are left to the VM.
                Memo::Str(start as u32, n as u32)
            }
            SHORT_BINBYTES | BINBYTES | BINBYTES8 => {
                self.pos += 1;
                let n = self.len_for(op)?;
                let start = self.pos;
                self.take(n)?;
                Memo::Bytes(start as u32, n as u32)
            }
            BINGET | LONG_BINGET => {
                self.pos += 1;
                let idx = if op == BINGET {
                    self.byte()? as usize
                } else {
                    u32::from_le_bytes(self.fixed()?) as usize
                };
                match self.memo.get(idx as u64) {
                    Some(
                        m @ (Memo::None
                        | Memo::Bool(_)
                        | Memo::Int(_)
                        | Memo::Float(_)
                        | Memo::Str(..)
                        | Memo::Text(_)
                        | Memo::Bytes(..)),
                    ) => {
                        let m = self.fetched(idx, m);
                        // A fetched value may be memoized again (harmless).
                        return self.after(m).map(Some);
                    }
                    _ => return Err(fallback()),
                }
            }
            _ => return Ok(None),
        };
        self.after(m).map(Some)
    }

    fn len_for(&mut self, op: u8) -> Result<usize> {
        Ok(match op {
            SHORT_BINUNICODE | SHORT_BINBYTES => self.byte()? as usize,
            BINUNICODE | BINBYTES => u32::from_le_bytes(self.fixed()?) as usize,
            _ => usize::try_from(u64::from_le_bytes(self.fixed()?)).map_err(|_| fallback())?,
        })
    }

    /// The payload `[s, s + n)` of a str or bytes about to be visited,
    /// charged to the expansion budget (beyond it, the VM reports the limit).
    #[inline]
    fn payload(&mut self, s: u32, n: u32) -> Result<&'i [u8]> {
        self.charge(n as u64)?;
        Ok(&self.input[s as usize..(s + n) as usize])
    }

    /// Charge `n` payload bytes to the expansion budget.
    #[inline]
    fn charge(&mut self, n: u64) -> Result<()> {
        self.payload_left = self.payload_left.checked_sub(n).ok_or_else(fallback)?;
        Ok(())
    }

    /// [`Fast::payload`] for a visitor: lent from the `'de` input when that
    /// is allowed, else out of the reader's buffer (one slicing either way).
    #[inline]
    fn visit_payload(&mut self, s: u32, n: u32) -> Result<Payload<'i, 'de>> {
        self.charge(n as u64)?;
        let range = s as usize..(s + n) as usize;
        Ok(match self.lend {
            Some(input) => Payload::Lent(&input[range]),
            None => Payload::Copied(&self.input[range]),
        })
    }

    fn visit_scalar<V: Visitor<'de>>(&mut self, m: Memo, visitor: V) -> Result<V::Value> {
        match m {
            Memo::None => visitor.visit_unit(),
            Memo::Bool(b) => visitor.visit_bool(b),
            Memo::Int(i) => visitor.visit_i64(i),
            Memo::Float(f) => visitor.visit_f64(f),
            Memo::Str(s, n) => match self.visit_payload(s, n)? {
                Payload::Lent(b) => visitor.visit_borrowed_str(utf8(b)?),
                Payload::Copied(b) => visitor.visit_str(utf8(b)?),
            },
            Memo::Text(k) => {
                let k = k as usize;
                match self.lend {
                    Some(_) => {
                        let t = *self.texts.lent.get(k).ok_or_else(fallback)?;
                        self.charge(t.len() as u64)?;
                        visitor.visit_borrowed_str(t)
                    }
                    None => {
                        let t = *self.texts.copied.get(k).ok_or_else(fallback)?;
                        self.charge(t.len() as u64)?;
                        visitor.visit_str(t)
                    }
                }
            }
            Memo::Bytes(s, n) => match self.visit_payload(s, n)? {
                Payload::Lent(b) => visitor.visit_borrowed_bytes(b),
                Payload::Copied(b) => visitor.visit_bytes(b),
            },
            Memo::Unset | Memo::Container | Memo::Shared(_) => Err(fallback()),
        }
    }

    /// Open a container at the current position: returns its kind.
    fn open(&mut self) -> Result<Open> {
        let op = self.peek()?;
        let kind = match op {
            EMPTY_LIST => Open::List,
            EMPTY_DICT => Open::Dict,
            EMPTY_SET => Open::Set,
            EMPTY_TUPLE => {
                self.pos += 1;
                return Ok(Open::EmptyTuple);
            }
            MARK => return Ok(Open::Mark),
            _ => return Ok(Open::Other),
        };
        self.pos += 1;
        self.mutable_opened += 1;
        self.memo_after(Last::Container)?;
        Ok(kind)
    }

    fn seq<V: Visitor<'de>>(&mut self, visitor: V, len: Option<usize>) -> Result<V::Value> {
        self.enter()?;
        let kind = self.open()?;
        let v = match kind {
            Open::List | Open::Set => {
                let mut items = if matches!(kind, Open::List) {
                    Batched::new(self, APPENDS, Some(APPEND))
                } else {
                    Batched::new(self, ADDITEMS, None)
                };
                let v = visitor.visit_seq(&mut items)?;
                items.finish()?;
                v
            }
            Open::EmptyTuple => {
                let v = visitor.visit_seq(Fixed { de: self, left: 0 })?;
                self.memo_after(Last::Container)?;
                v
            }
            Open::Mark => {
                self.pos += 1;
                if matches!(self.peek()?, LIST | DICT) {
                    return Err(fallback());
                }
                let before = self.mutable_opened;
                let v = visitor.visit_seq(Marked { de: self })?;
                match self.byte()? {
                    FROZENSET if self.mutable_opened != before => return Err(fallback()),
                    TUPLE | LIST | FROZENSET => {}
                    _ => return Err(fallback()),
                }
                self.memo_after(Last::Container)?;
                v
            }
            Open::Other => match len {
                // A postfix TUPLE1..3: the items come first.
                Some(n @ 1..=3) => {
                    let v = visitor.visit_seq(Fixed { de: self, left: n })?;
                    if self.byte()? != TUPLE1 + (n as u8 - 1) {
                        return Err(fallback());
                    }
                    self.memo_after(Last::Container)?;
                    v
                }
                _ => {
                    if let Some(Memo::Bytes(s, n)) = self.scalar()? {
                        let b = self.payload(s, n)?;
                        visitor.visit_seq(de::value::SeqDeserializer::<_, Error>::new(
                            b.iter().copied(),
                        ))?
                    } else {
                        return Err(fallback());
                    }
                }
            },
            Open::Dict => return Err(fallback()),
        };
        self.depth -= 1;
        Ok(v)
    }

    fn map<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.enter()?;
        let v = match self.open()? {
            Open::Dict => {
                let mut items = Batched::new(self, SETITEMS, Some(SETITEM));
                let v = visitor.visit_map(&mut items)?;
                items.finish()?;
                v
            }
            _ => return Err(fallback()),
        };
        self.depth -= 1;
        Ok(v)
    }
}

/// A str or bytes payload on its way to a visitor.
enum Payload<'i, 'de> {
    /// In the `'de` input (`from_slice`): lent.
    Lent(&'de [u8]),
    /// In a reader's buffer: the visitor copies it.
    Copied(&'i [u8]),
}

/// Strings the fast path reads are UTF-8; anything else (lone surrogates
/// from `surrogatepass`, bad bytes) is left to the VM.
#[inline]
fn utf8(b: &[u8]) -> Result<&str> {
    str_from(b).ok_or_else(fallback)
}

#[derive(Clone, Copy)]
enum Open {
    List,
    Dict,
    Set,
    EmptyTuple,
    Mark,
    Other,
}

#[cfg(test)]
mod tests;
