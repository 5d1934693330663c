//! The pre-pass of the `Value` fast path (see `value.rs`): which memo puts
//! a memo get fetches again, found by stepping over the opcodes.

use super::fallback;
use crate::codec::opcodes::*;
use crate::codec::ops::{extent, Extent, Lines};
use crate::error::Result;

/// By memo put (`MEMOIZE`, `BINPUT`, `LONG_BINPUT`) from `at` to the
/// pickle's `STOP`, in order: whether a memo get fetches what it stored
/// (before the index is put again). Only steps over the opcodes (their
/// extents are `codec::ops`'s); indices are numbered as [`Fast::put`]
/// numbers them, and a pickle it would refuse is refused here.
pub(super) fn fetched_puts(input: &[u8], mut at: usize) -> Result<Vec<bool>> {
    let mut fetched = Vec::new();
    // By memo index: the number of the put that last stored it, plus one
    // (0: not stored).
    let mut current: Vec<u32> = Vec::new();
    let mut stored = 0;
    loop {
        // Most opcodes are neither memo puts nor gets: stepped over here,
        // by table (the match of `step` cost four times as much).
        let Some(&op) = input.get(at) else { return Err(fallback()) };
        let len = PLAIN[op as usize];
        if len != 0 {
            at += len as usize;
            continue;
        }
        if op == SHORT_BINUNICODE || op == SHORT_BINBYTES {
            at += 2 + *input.get(at + 1).ok_or_else(fallback)? as usize;
            continue;
        }
        if op == BINGET {
            // As below, inline: a dict's keys are fetched again and again.
            let idx = *input.get(at + 1).ok_or_else(fallback)? as usize;
            if let Some(&put @ 1..) = current.get(idx) {
                fetched[put as usize - 1] = true;
            }
            at += 2;
            continue;
        }
        let end = match step(input, at) {
            Some(end) if end <= input.len() => end,
            _ => return Err(fallback()),
        };
        let index = |op: u8| match op {
            BINPUT | BINGET => input[at + 1] as usize,
            _ => u32::from_le_bytes([input[at + 1], input[at + 2], input[at + 3], input[at + 4]])
                as usize,
        };
        match input[at] {
            STOP => return Ok(fetched),
            op @ (MEMOIZE | BINPUT | LONG_BINPUT) => {
                let idx = if op == MEMOIZE { stored } else { index(op) };
                if idx >= current.len() {
                    if idx > current.len() + 64 {
                        return Err(fallback());
                    }
                    current.resize(idx + 1, 0);
                }
                if current[idx] == 0 {
                    stored += 1;
                }
                fetched.push(false);
                current[idx] = u32::try_from(fetched.len()).map_err(|_| fallback())?;
            }
            op @ (BINGET | LONG_BINGET) => {
                if let Some(&put @ 1..) = current.get(index(op)) {
                    fetched[put as usize - 1] = true;
                }
            }
            _ => {}
        }
        at = end;
    }
}

/// By opcode: the length of a fixed-length opcode of plain data that is
/// neither `STOP` nor a memo put or get; 0 for any other.
const PLAIN: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut op = 0;
    while op < 256 {
        table[op] = match op as u8 {
            MARK | EMPTY_LIST | EMPTY_DICT | EMPTY_SET | EMPTY_TUPLE | APPEND | APPENDS
            | SETITEM | SETITEMS | ADDITEMS | TUPLE1 | TUPLE2 | TUPLE3 | TUPLE | LIST | DICT
            | FROZENSET | NONE | NEWTRUE | NEWFALSE => 1,
            BININT1 => 2,
            BININT2 => 3,
            BININT => 5,
            BINFLOAT | FRAME => 9,
            _ => 0,
        };
        op += 1;
    }
    table
};

/// Where the opcode at `at` ends (perhaps past the input): the opcodes of
/// plain data inline, the rest through `codec::ops`'s [`extent`] (stepping
/// through it alone cost twice as many instructions).
#[inline(always)]
fn step(input: &[u8], at: usize) -> Option<usize> {
    let op = *input.get(at)?;
    match PLAIN[op as usize] {
        0 => {}
        len => return Some(at + len as usize),
    }
    Some(match op {
        STOP | MEMOIZE => at + 1,
        BINPUT | BINGET => at + 2,
        LONG_BINPUT | LONG_BINGET => at + 5,
        SHORT_BINUNICODE | SHORT_BINBYTES => at + 2 + *input.get(at + 1)? as usize,
        _ => match extent(input, at, &mut Lines::default()) {
            Extent::Known(end) => end,
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_inline_opcode_lengths_are_codec_ops_lengths() {
        use crate::codec::ops::{extent, Extent, Lines};
        for op in 0..=255u8 {
            let mut input = vec![op, 3, 0, 0, 0, 0, 0, 0, 0];
            input.extend_from_slice(b"ab\ncd\n");
            input.resize(32, 0);
            let want = match extent(&input, 0, &mut Lines::default()) {
                Extent::Known(end) => Some(end),
                _ => None,
            };
            assert_eq!(super::step(&input, 0), want, "opcode {op:#04x}");
        }
    }
}
