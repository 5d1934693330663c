//! An opcode tokenizer: walks a pickle and yields each opcode with its
//! position and its decoded argument, without executing anything.
//!
//! This is the shared front end of [`super::optimize`] and of
//! disassemblers: it knows how long every argument is (from the opcode table
//! in [`super::opcodes`]) and nothing about what opcodes mean.
//! Like `pickletools.genops`, it stops after `STOP`.

use super::opcodes::{self, Arg, OpInfo};
use crate::error::{Error, ErrorCode, Result};

/// The argument of one opcode, decoded from its stream encoding.
///
/// Byte slices borrow from the pickle: text-line arguments exclude the
/// terminating `\n`, counted arguments exclude their length prefix.
///
/// ```
/// use serde_pickle::codec::ops::{ops, OpArg};
/// let args: Vec<_> = ops(b"cos\nsep\nK\x05.").map(|op| op.unwrap().arg).collect();
/// assert_eq!(args, [OpArg::Lines(b"os", b"sep"), OpArg::Int(5), OpArg::None]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OpArg<'a> {
    /// The opcode takes no argument.
    None,
    /// A fixed-width integer: `uint1`, `uint2`, `uint4`, `int4`, `uint8`.
    Int(i64),
    /// FRAME's `uint8` length (kept unsigned: it may exceed `i64::MAX`).
    Uint(u64),
    /// BINFLOAT's big-endian double.
    Float(f64),
    /// One `\n`-terminated text line (INT, LONG, FLOAT, STRING, UNICODE, GET, PUT, PERSID).
    Line(&'a [u8]),
    /// Two `\n`-terminated lines: module and name (GLOBAL, INST).
    Lines(&'a [u8], &'a [u8]),
    /// A length-prefixed payload (BINUNICODE, BINBYTES, LONG1, ...).
    Bytes(&'a [u8]),
}

/// One opcode of a pickle.
///
/// ```
/// use serde_pickle::codec::ops::ops;
/// let op = ops(b"\x8c\x02hi.").next().unwrap().unwrap();
/// assert_eq!((op.pos, op.end, op.info.name), (0, 4, "SHORT_BINUNICODE"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Op<'a> {
    /// Offset of the opcode byte.
    pub pos: usize,
    /// Offset just past the opcode's argument (`end - pos` is its encoded length).
    pub end: usize,
    /// Static facts about the opcode (its byte is `info.code`).
    pub info: &'static OpInfo,
    /// The decoded argument.
    pub arg: OpArg<'a>,
}

impl Op<'_> {
    /// The opcode byte.
    ///
    /// ```
    /// use serde_pickle::codec::{opcodes, ops::ops};
    /// assert_eq!(ops(b"N.").next().unwrap().unwrap().code(), opcodes::NONE);
    /// ```
    pub fn code(&self) -> u8 {
        self.info.code
    }

    /// The memo index of a PUT/BINPUT/LONG_BINPUT or GET/BINGET/LONG_BINGET,
    /// `None` for other opcodes (and for MEMOIZE, whose index is implicit).
    ///
    /// ```
    /// use serde_pickle::codec::ops::ops;
    /// let op = ops(b"g12\n.").next().unwrap().unwrap();
    /// assert_eq!(op.memo_index(), Some(12));
    /// ```
    pub fn memo_index(&self) -> Option<u64> {
        memo_index(self.info.code, self.arg)
    }
}

/// The memo index of a PUT/GET-like opcode `code` with argument `arg`.
pub(crate) fn memo_index(code: u8, arg: OpArg<'_>) -> Option<u64> {
    match (code, arg) {
        (opcodes::PUT | opcodes::GET, OpArg::Line(text)) => parse_decimal(text),
        (
            opcodes::BINPUT | opcodes::BINGET | opcodes::LONG_BINPUT | opcodes::LONG_BINGET,
            OpArg::Int(i),
        ) => u64::try_from(i).ok(),
        _ => None,
    }
}

/// Parse the decimal text of a PUT/GET argument as the VM does, which is
/// CPython's `int()`: surrounding whitespace, a sign (`-0` is 0) and
/// underscores between digits are allowed. `None` for a negative index
/// (which the VM rejects) or text that is not an int.
fn parse_decimal(text: &[u8]) -> Option<u64> {
    crate::vm::text::parse_index(text).ok().and_then(|i| u64::try_from(i).ok())
}

/// The encoded length of the opcode at the start of `data` (opcode byte
/// included), or `None` if it is not an opcode or is truncated. A cheaper
/// [`ops`] for callers that only need to step over opcodes.
pub(crate) fn op_len(data: &[u8]) -> Option<usize> {
    match extent(data, 0, &mut Lines::default()) {
        Extent::Known(end) if end <= data.len() => Some(end),
        _ => None,
    }
}

/// How far the opcode at `data[at]` reaches: the one definition of operand
/// extents, for [`op_len`] (and so the optimizer) and for the stream
/// reader's end-of-pickle detection, which meets pickles arriving in pieces.
pub(crate) enum Extent {
    /// Its end (which may be past the bytes at hand).
    Known(usize),
    /// More bytes are needed to tell (a length prefix, a text line).
    More,
    /// Not an opcode, a negative length, or one no buffer can hold.
    Lost,
}

/// How far the text argument of an opcode has been searched for its
/// `\n`s, so that a line arriving in pieces is searched once, not once per
/// piece. Start each opcode with a fresh one.
#[derive(Default)]
pub(crate) struct Lines {
    /// Where to search next (0: not started).
    next: usize,
    /// Lines complete so far.
    found: usize,
}

impl Lines {
    /// The end of `n` `\n`-terminated lines starting at `from`.
    fn end(&mut self, data: &[u8], from: usize, n: usize) -> Extent {
        self.next = self.next.max(from);
        while self.found < n {
            match data[self.next.min(data.len())..].iter().position(|&b| b == b'\n') {
                Some(i) => {
                    self.next += i + 1;
                    self.found += 1;
                }
                None => {
                    self.next = self.next.max(data.len());
                    return Extent::More;
                }
            }
        }
        Extent::Known(self.next)
    }
}

pub(crate) fn extent(data: &[u8], at: usize, lines: &mut Lines) -> Extent {
    let Some(info) = data.get(at).and_then(|&op| opcodes::info(op)) else {
        return if at < data.len() { Extent::Lost } else { Extent::More };
    };
    let fixed = |n: usize| Extent::Known(at + 1 + n);
    match info.arg {
        Arg::None => fixed(0),
        Arg::U1 => fixed(1),
        Arg::U2 => fixed(2),
        Arg::U4 | Arg::I4 => fixed(4),
        Arg::U8 | Arg::F8 => fixed(8),
        Arg::Line => lines.end(data, at + 1, 1),
        Arg::TwoLines => lines.end(data, at + 1, 2),
        Arg::Len1 => counted(data, at, 1, false),
        Arg::Len4 => counted(data, at, 4, false),
        Arg::SLen4 => counted(data, at, 4, true),
        Arg::Len8 => counted(data, at, 8, false),
    }
}

/// The end of a payload with a `width`-byte little-endian length prefix.
fn counted(data: &[u8], at: usize, width: usize, signed: bool) -> Extent {
    let Some(prefix) = data.get(at + 1..at + 1 + width) else { return Extent::More };
    if signed && prefix[width - 1] & 0x80 != 0 {
        return Extent::Lost;
    }
    let mut le = [0u8; 8];
    le[..width].copy_from_slice(prefix);
    match usize::try_from(u64::from_le_bytes(le)).ok().and_then(|n| (at + 1 + width).checked_add(n))
    {
        Some(end) => Extent::Known(end),
        None => Extent::Lost,
    }
}

/// Iterate over the opcodes of `pickle`, stopping after `STOP`.
///
/// Yields `Err` once (then ends) for an unknown opcode byte, a truncated
/// argument, or a negative signed length.
///
/// ```
/// use serde_pickle::codec::ops::{ops, OpArg};
/// use serde_pickle::codec::opcodes;
/// // pickle.dumps((1, 'a'), protocol=2)
/// let all: Vec<_> = ops(b"\x80\x02K\x01X\x01\x00\x00\x00aq\x00\x86q\x01.")
///     .collect::<Result<_, _>>()
///     .unwrap();
/// let names: Vec<_> = all.iter().map(|op| op.info.name).collect();
/// assert_eq!(names, ["PROTO", "BININT1", "BINUNICODE", "BINPUT", "TUPLE2", "BINPUT", "STOP"]);
/// assert_eq!(all[2].arg, OpArg::Bytes(b"a"));
/// assert_eq!((all[2].pos, all[2].end), (4, 10));
/// assert_eq!(all[6].code(), opcodes::STOP);
/// ```
pub fn ops(pickle: &[u8]) -> Ops<'_> {
    Ops { data: pickle, pos: 0, done: false }
}

/// The iterator returned by [`ops`].
///
/// ```
/// let mut it = serde_pickle::codec::ops::ops(b"NN.");
/// it.next();
/// assert_eq!(it.position(), 1);
/// ```
#[derive(Clone, Debug)]
pub struct Ops<'a> {
    data: &'a [u8],
    pos: usize,
    done: bool,
}

impl Ops<'_> {
    /// Offset of the next opcode to be read.
    ///
    /// ```
    /// let mut it = serde_pickle::codec::ops::ops(b"K\x01.");
    /// it.next();
    /// assert_eq!(it.position(), 2);
    /// ```
    pub fn position(&self) -> usize {
        self.pos
    }
}

/// Decode an opcode's argument from its encoding `enc` (what follows the
/// opcode byte, as long as [`extent`] says it is). `None` only if `enc` is
/// shorter than that.
pub(crate) fn decode<'a>(info: &OpInfo, enc: &'a [u8]) -> Option<OpArg<'a>> {
    let uint = |n: usize| -> Option<u64> {
        let mut le = [0u8; 8];
        le[..n].copy_from_slice(enc.get(..n)?);
        Some(u64::from_le_bytes(le))
    };
    let line = |text: &'a [u8]| text.strip_suffix(b"\n");
    Some(match info.arg {
        Arg::None => OpArg::None,
        Arg::U1 => OpArg::Int(uint(1)? as i64),
        Arg::U2 => OpArg::Int(uint(2)? as i64),
        Arg::U4 => OpArg::Int(uint(4)? as i64),
        Arg::I4 => OpArg::Int(i64::from(uint(4)? as u32 as i32)),
        Arg::U8 => OpArg::Uint(uint(8)?),
        Arg::F8 => OpArg::Float(f64::from_bits(uint(8)?.swap_bytes())),
        Arg::Line => OpArg::Line(line(enc)?),
        Arg::TwoLines => {
            let split = enc.iter().position(|&b| b == b'\n')?;
            OpArg::Lines(&enc[..split], line(&enc[split + 1..])?)
        }
        Arg::Len1 => OpArg::Bytes(enc.get(1..)?),
        Arg::Len4 | Arg::SLen4 => OpArg::Bytes(enc.get(4..)?),
        Arg::Len8 => OpArg::Bytes(enc.get(8..)?),
    })
}

impl<'a> Ops<'a> {
    /// The opcode at `pos`, measured by [`extent`] and decoded by [`decode`].
    fn op_at(&self, pos: usize) -> Result<Op<'a>> {
        let data = self.data;
        let code = *data.get(pos).ok_or_else(|| Error::new(ErrorCode::Eof))?;
        let info = opcodes::info(code).ok_or_else(|| Error::new(ErrorCode::InvalidOpcode(code)))?;
        let end = match extent(data, pos, &mut Lines::default()) {
            Extent::Known(end) if end <= data.len() => end,
            // A signed length is lost when negative (or, on a 32-bit
            // target, too long: then the input cannot have it all).
            Extent::Lost if info.arg == Arg::SLen4 => {
                let n = data.get(pos + 1..pos + 5).and_then(|b| <[u8; 4]>::try_from(b).ok());
                let n = i32::from_le_bytes(n.unwrap_or_default());
                return Err(if n < 0 {
                    Error::syntax(format!("negative byte count {n} in {}", info.name))
                } else {
                    Error::new(ErrorCode::Eof)
                });
            }
            // Truncated, or a length no buffer can hold (so the input cannot
            // have it all).
            _ => return Err(Error::new(ErrorCode::Eof)),
        };
        let arg = decode(info, &data[pos + 1..end]).ok_or_else(|| Error::new(ErrorCode::Eof))?;
        Ok(Op { pos, end, info, arg })
    }
}

impl<'a> Iterator for Ops<'a> {
    type Item = Result<Op<'a>>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let pos = self.pos;
        let result = self.op_at(pos).map_err(|e| e.at(pos as u64, self.data.get(pos).copied()));
        match &result {
            Ok(op) => {
                self.pos = op.end;
                self.done = op.info.code == opcodes::STOP;
            }
            Err(_) => self.done = true,
        }
        Some(result)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Category;

    fn names(p: &[u8]) -> Vec<&'static str> {
        ops(p).map(|op| op.unwrap().info.name).collect()
    }

    #[test]
    fn stops_after_stop_and_ignores_trailing_bytes() {
        assert_eq!(names(b"N.garbage"), ["NONE", "STOP"]);
    }

    #[test]
    fn decodes_every_argument_kind() {
        let p = b"I12\nca\nb\nK\x07M\x01\x02J\xff\xff\xff\xffG?\xf0\x00\x00\x00\x00\x00\x00\
                  \x8a\x02\xff\x00\x95\x01\x00\x00\x00\x00\x00\x00\x00B\x01\x00\x00\x00z.";
        let args: Vec<_> = ops(p).map(|op| op.unwrap().arg).collect();
        assert_eq!(
            args,
            [
                OpArg::Line(b"12"),
                OpArg::Lines(b"a", b"b"),
                OpArg::Int(7),
                OpArg::Int(0x0201),
                OpArg::Int(-1),
                OpArg::Float(1.0),
                OpArg::Bytes(b"\xff\x00"),
                OpArg::Uint(1),
                OpArg::Bytes(b"z"),
                OpArg::None,
            ]
        );
    }

    #[test]
    fn truncated_argument_is_eof_at_the_opcode() {
        let err = ops(b"N\x8c\x05ab").nth(1).unwrap().unwrap_err();
        assert_eq!(err.category(), Category::Eof);
        assert_eq!(err.offset(), Some(1));
    }

    #[test]
    fn unknown_opcode_is_an_error_and_ends_iteration() {
        let mut it = ops(b"\xff.");
        assert_eq!(it.next().unwrap().unwrap_err().category(), Category::Syntax);
        assert!(it.next().is_none());
    }

    #[test]
    fn negative_long4_length_is_an_error() {
        assert!(ops(b"\x8b\xff\xff\xff\xff.").next().unwrap().is_err());
    }

    #[test]
    fn huge_length_does_not_overflow() {
        let p = b"\x8d\xff\xff\xff\xff\xff\xff\xff\xff.";
        assert_eq!(ops(p).next().unwrap().unwrap_err().category(), Category::Eof);
    }

    #[test]
    fn op_len_agrees_with_the_tokenizer() {
        let p: &[u8] = b"\x80\x05\x95\x01\x00\x00\x00\x00\x00\x00\x00I12\nca\nb\nK\x07M\x01\x02\
            J\xff\xff\xff\xffG?\xf0\x00\x00\x00\x00\x00\x00\x8a\x02\xff\x00\x8b\x01\x00\x00\x00\x01\
            B\x01\x00\x00\x00z\x8e\x01\x00\x00\x00\x00\x00\x00\x00y\x94h\x00.";
        let mut at = 0;
        for op in ops(p) {
            let op = op.unwrap();
            assert_eq!(op.pos, at);
            assert_eq!(op_len(&p[at..]), Some(op.end - op.pos), "{}", op.info.name);
            at = op.end;
        }
        assert_eq!(op_len(b"\x8c\x05ab"), None);
        assert_eq!(op_len(b"\x8b\xff\xff\xff\xff"), None);
        assert_eq!(op_len(b"\xff"), None);
        assert_eq!(op_len(b"I12"), None);
    }

    #[test]
    fn memo_indices_of_every_form() {
        let p = b"Np3\nq\x04r\x05\x00\x00\x00g3\nh\x04j\x05\x00\x00\x00.";
        let idx: Vec<_> = ops(p).map(|op| op.unwrap().memo_index()).collect();
        assert_eq!(idx, [None, Some(3), Some(4), Some(5), Some(3), Some(4), Some(5), None]);
    }
}
