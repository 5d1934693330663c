//! The fast path for a whole-pickle [`Value`]: plain data (lists, dicts,
//! sets, tuples, frozensets, str, bytes, bytearray, ints, floats, bools,
//! `None`) built straight from the opcode stream, with no arena in between.
//!
//! A small stack machine over the opcodes picklers write for such data. Like
//! the typed fast path it is optimistic and gives up ([`fallback`]) on
//! anything else: globals and calls, a memo reference to a tuple (which the
//! VM may have to share along a cycle), Python 2 strings, text opcodes, a
//! surrogate or bad UTF-8, an operation that reaches below a mark, nesting
//! near the depth limit, a budget about to run out. The VM then reads the
//! same bytes and is the authority, so this path may refuse but never
//! answers differently: every rule it applies is the VM's, or stricter.
//!
//! Sharing is the VM's too: what a memo get fetches again (a list, dict,
//! set, bytearray, str or bytes) is one [`Shared`] node in every place it
//! appears, as the VM's walk makes it. Which memo puts are fetched again
//! must be known where the value is first built, before the get that
//! fetches it; so the value is built first assuming none is (most plain
//! data never fetches one: a list of numbers, anything `to_vec` wrote with
//! no repeated string), and only at the first get of such an entry is the
//! work so far dropped, the puts that are fetched found by stepping over
//! the opcodes ([`fetched_puts`]), and the value built again. Stepping over
//! every opcode up front cost a quarter of the instructions of reading a
//! list of a million floats.

use super::build::Builder;
use super::prepass::fetched_puts;
use super::{fallback, Fast, Memo};
use crate::codec::opcodes::*;
use crate::error::Result;
use crate::value::Value;

impl Fast<'_, '_, '_> {
    /// Read the whole pickle (from the current position to its `STOP`) as a
    /// [`Value`], leaving the position at the `STOP`: first assuming no memo
    /// get fetches a str, bytes or container, and again knowing which do if
    /// one does (see the module's notes).
    pub(super) fn whole_value(&mut self) -> Result<Value> {
        let (pos, payload_left) = (self.pos, self.payload_left);
        let memo = self.memo.clone();
        let mut b = Builder::new(self.opts, None);
        match self.build_value(&mut b) {
            Err(_) if b.restart => drop(b),
            done => return done,
        }
        (self.pos, self.memo, self.payload_left) = (pos, memo, payload_left);
        let fetched = fetched_puts(self.input, pos)?;
        self.build_value(&mut Builder::new(self.opts, Some(fetched)))
    }

    /// The builder's loop, from the current position to the `STOP`.
    fn build_value(&mut self, b: &mut Builder) -> Result<Value> {
        loop {
            let at = self.pos;
            let op = self.byte()?;
            match op {
                STOP => {
                    self.pos = at;
                    self.values += b.pushes;
                    return b.finish();
                }
                PROTO | FRAME => {
                    self.pos = at;
                    self.skip_meta()?;
                }
                NONE => b.scalar(Value::None, Memo::None)?,
                NEWTRUE | NEWFALSE => {
                    let v = op == NEWTRUE;
                    b.scalar(Value::Bool(v), Memo::Bool(v))?
                }
                BININT1 | BININT2 | BININT => {
                    let v = match op {
                        BININT1 => self.byte()? as i64,
                        BININT2 => u16::from_le_bytes(self.fixed()?) as i64,
                        _ => i32::from_le_bytes(self.fixed()?) as i64,
                    };
                    b.scalar(Value::Int(v), Memo::Int(v))?
                }
                LONG1 | LONG4 => {
                    let n = if op == LONG1 {
                        self.byte()? as usize
                    } else {
                        u32::from_le_bytes(self.fixed()?) as usize
                    };
                    let digits = self.take(n)?;
                    if let Some(v) = long_i64(digits) {
                        b.scalar(Value::Int(v), Memo::Int(v))?;
                        continue;
                    }
                    let big = num_bigint::BigInt::from_signed_bytes_le(digits);
                    match i64::try_from(&big) {
                        Ok(v) => b.scalar(Value::Int(v), Memo::Int(v))?,
                        Err(_) => {
                            self.charge(big.bits() / 8)?;
                            b.built += n;
                            b.scalar(Value::BigInt(big), Memo::Unset)?
                        }
                    }
                }
                BINFLOAT => {
                    let v = f64::from_be_bytes(self.fixed()?);
                    b.scalar(Value::Float(v), Memo::Float(v))?
                }
                SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => {
                    let n = self.len_for(op)?;
                    let start = self.pos;
                    self.take(n)?;
                    let m = Memo::Str(start as u32, n as u32);
                    let v = self.fetch(b, m)?;
                    b.scalar(v, m)?
                }
                SHORT_BINBYTES | BINBYTES | BINBYTES8 => {
                    let n = self.len_for(op)?;
                    let start = self.pos;
                    self.take(n)?;
                    let m = Memo::Bytes(start as u32, n as u32);
                    let v = self.fetch(b, m)?;
                    b.scalar(v, m)?
                }
                BYTEARRAY8 => {
                    let n = self.len_for(BINBYTES8)?;
                    let start = self.pos;
                    self.take(n)?;
                    b.built += n;
                    let v = self.payload(start as u32, n as u32)?.to_vec();
                    b.scalar(Value::ByteArray(v), Memo::Container)?
                }
                EMPTY_LIST | EMPTY_DICT | EMPTY_SET => b.open(op)?,
                EMPTY_TUPLE => b.empty_tuple()?,
                MARK => {
                    b.marks.push(b.height());
                    b.last = Memo::Unset;
                }
                TUPLE1 | TUPLE2 | TUPLE3 => {
                    let n = (op - TUPLE1 + 1) as usize;
                    let at = b.height().checked_sub(n).ok_or_else(fallback)?;
                    b.build(at, op)?
                }
                TUPLE | LIST | FROZENSET | DICT => {
                    let start = b.marks.pop().ok_or_else(fallback)?;
                    b.build(start, op)?
                }
                APPEND | SETITEM => {
                    let n = if op == APPEND { 1 } else { 2 };
                    let start = b.height().checked_sub(n).ok_or_else(fallback)?;
                    if start < b.fence() {
                        return Err(fallback());
                    }
                    b.fill(start, op)?
                }
                APPENDS | SETITEMS | ADDITEMS => {
                    let start = b.marks.pop().ok_or_else(fallback)?;
                    b.fill(start, op)?
                }
                MEMOIZE | BINPUT | LONG_BINPUT => {
                    let idx = match op {
                        MEMOIZE => self.memo.len(),
                        BINPUT => self.byte()? as usize,
                        _ => u32::from_le_bytes(self.fixed()?) as usize,
                    };
                    if matches!(b.last, Memo::Unset)
                        || b.height() <= b.fence()
                        || idx >= self.opts.max_memo
                    {
                        return Err(fallback());
                    }
                    let m = b.memo_entry()?;
                    self.put(idx, m)?;
                }
                BINGET | LONG_BINGET => {
                    let idx = if op == BINGET {
                        self.byte()? as usize
                    } else {
                        u32::from_le_bytes(self.fixed()?) as usize
                    };
                    // What is fetched again was made shared when put
                    // (`memo_entry`); a str or bytes entry was not fetched
                    // according to `fetched_puts`, and is left to the VM.
                    let m = match self.memo.get(idx as u64) {
                        // Built assuming nothing is fetched again: it is.
                        Some(Memo::Container | Memo::Str(..) | Memo::Text(_) | Memo::Bytes(..))
                            if b.fetched.is_none() =>
                        {
                            b.restart = true;
                            return Err(fallback());
                        }
                        Some(m)
                            if !matches!(
                                m,
                                Memo::Unset
                                    | Memo::Container
                                    | Memo::Str(..)
                                    | Memo::Text(_)
                                    | Memo::Bytes(..)
                            ) =>
                        {
                            m
                        }
                        _ => return Err(fallback()),
                    };
                    if let Memo::Shared(k) = m {
                        let (node, hashable) = b.shared.get(k as usize).ok_or_else(fallback)?;
                        // A node fetched while it is being built is a cycle
                        // (or may become one): refused there, the VM decides.
                        if self.opts.reject_cycles && !node.is_set() {
                            return Err(fallback());
                        }
                        // A shared container counts as one level wherever it
                        // is fetched: the VM checks the depth where it meets
                        // a shared node again, without walking into it.
                        let (value, depth) = (Value::Shared(node.clone()), usize::from(!hashable));
                        b.push(value, depth, m)?;
                        continue;
                    }
                    let v = self.fetch(b, m)?;
                    b.scalar(v, m)?
                }
                _ => return Err(fallback()),
            }
        }
    }

    /// The value of a scalar memo entry (a str or bytes is copied out of
    /// the input and charged to the expansion budget, as the VM charges it).
    fn fetch(&mut self, b: &mut Builder, m: Memo) -> Result<Value> {
        Ok(match m {
            Memo::None => Value::None,
            Memo::Bool(v) => Value::Bool(v),
            Memo::Int(v) => Value::Int(v),
            Memo::Float(v) => Value::Float(v),
            Memo::Str(s, n) => {
                b.built += n as usize;
                let text =
                    crate::codec::utf8::str_from(self.payload(s, n)?).ok_or_else(fallback)?;
                Value::Str(text.to_owned())
            }
            Memo::Bytes(s, n) => {
                b.built += n as usize;
                Value::Bytes(self.payload(s, n)?.to_vec())
            }
            Memo::Unset | Memo::Container | Memo::Text(_) | Memo::Shared(_) => {
                return Err(fallback())
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::Fast;
    use crate::{from_slice_with, DeOptions, Value};

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
    }

    fn fast(p: &[u8]) -> crate::Result<Value> {
        Fast::new(p, &DeOptions::default()).run::<Value>()
    }

    fn vm(p: &[u8]) -> Value {
        from_slice_with(p, &DeOptions::new().fast_path(false)).unwrap()
    }

    /// pickle.dumps of plain data by CPython 3.11 (and pickletools.optimize).
    const PLAIN: &[&str] = &[
        // [1, 'a', 'é', b'b', 2.5, None, True, (1, 2), {'k': [1, 2], 'j': 'y'},
        //  {1, 2}, frozenset([3]), bytearray(b'x'), 10**30, -1, (), 'z'], protocol 5
        "8005956e000000000000005d94284b018c0161948c02c3a994430162944740040000000000004e884b014b0286947d94288c016b945d94284b014b02658c016a948c017994758f94284b014b0290284b03919496010000000000000078948a0d00000040eaed7446d09c2c9f0c4affffffff298c017a94652e",
        // the same without the bytearray, protocol 4, then optimized
        "80049563000000000000005d94284b018c0161948c02c3a994430162944740040000000000004e884b014b0286947d94288c016b945d94284b014b02658c016a948c017994758f94284b014b0290284b0391948a0d00000040eaed7446d09c2c9f0c4affffffff298c017a94652e",
        "80049556000000000000005d284b018c01618c02c3a94301624740040000000000004e884b014b02867d288c016b5d284b014b02658c016a8c0179758f284b014b0290284b03918a0d00000040eaed7446d09c2c9f0c4affffffff298c017a652e",
        // [1, 'a', 'é', b'b', 2.5, None, True, (1, 2), {'k': [1, 2], 'j': 'y'},
        //  10**30, -1, (), 'z', [[(1,)]]], protocol 3
        "80035d7100284b0158010000006171015802000000c3a9710243016271034740040000000000004e884b014b028671047d71052858010000006b71065d7107284b014b026558010000006a71085801000000797109758a0d00000040eaed7446d09c2c9f0c4affffffff2958010000007a710a5d710b5d710c4b0185710d6161652e",
        // [1, 'a', (1, 2, 3, 4), {1: 2.5}], protocol 2
        "80025d7100284b015801000000617101284b014b024b034b047471027d71034b0147400400000000000073652e",
    ];

    #[test]
    fn plain_data_is_built_without_the_vm_and_equals_the_vms_value() {
        for p in PLAIN.iter().map(|s| hex(s)) {
            let v = fast(&p).unwrap_or_else(|e| panic!("fell back: {e}"));
            assert!(v.same_as(&vm(&p)), "{v}");
        }
    }

    /// What a memo get fetches again, by CPython 3.11 (protocol 5, optimized).
    const SHARED: &[&str] = &[
        // l = [1]; [l, l]
        "8005950b000000000000005d285d944b01616800652e",
        // c = 'ab'; [c, c]: a str is one object in CPython too
        "8005950b000000000000005d288c026162946800652e",
        // l = []; l.append(l)
        "80059506000000000000005d946800612e",
        // [{'k': 1}, {'k': 2}]: a key fetched again
        "80059512000000000000005d287d8c016b944b01737d68004b0273652e",
        // b = bytearray(b'x'); [b, b]
        "80059511000000000000005d2896010000000000000078946800652e",
        // d = {}; d['self'] = d
        "8005950c000000000000007d948c0473656c666800732e",
    ];

    #[test]
    fn what_a_memo_get_fetches_is_shared_as_the_vm_shares_it() {
        for p in SHARED.iter().map(|s| hex(s)) {
            let v = fast(&p).unwrap_or_else(|e| panic!("fell back: {e}"));
            assert!(v.same_as(&vm(&p)), "{v}");
        }
    }

    /// Open containers among finished values (see `build.rs`): taken by a
    /// tuple with values above them, filled after LIST or DICT, nested.
    const FRAMES: &[&[u8]] = &[
        // [[]]
        b"\x80\x04]]a.",
        // ([], 1): a list with a value above it, in a tuple
        b"\x80\x04]K\x01\x86.",
        // ([], 1, [2])
        b"\x80\x04]K\x01]K\x02a\x87.",
        // ([1], [], 2)
        b"\x80\x04(]K\x01a]K\x02t.",
        // [1, 2, 3]: LIST, then APPENDS
        b"\x80\x04(K\x01K\x02l(K\x03e.",
        // {'a': 1, 'b': 2}: DICT, then SETITEM
        b"\x80\x04(\x8c\x01a\x94K\x01d\x8c\x01bK\x02s.",
        // {(1, 2): 3}: a hashable tuple as a key
        b"\x80\x04}K\x01K\x02\x86K\x03s.",
        // {((((1,),),),): {1, 2}}: a nested tuple as a key, a set as a value
        b"\x80\x04}K\x01\x85\x85\x85\x85\x8f(K\x01K\x02\x90s.",
        // [[1], [[2]]]: containers closed by the batch that takes them
        b"\x80\x04](]K\x01a]]K\x02aae.",
        // frozenset({(1,), 'a'}) in a list
        b"\x80\x04](K\x01\x85\x8c\x01a\x91a.",
    ];

    #[test]
    fn open_containers_among_values_are_built_as_the_vm_builds_them() {
        for p in FRAMES {
            let v = fast(p).unwrap_or_else(|e| panic!("fell back: {e}"));
            assert!(v.same_as(&vm(p)), "{v}");
        }
    }

    #[test]
    fn a_cycle_is_left_to_the_vm_when_cycles_are_rejected() {
        let opts = DeOptions::new().reject_cycles(true);
        for p in [SHARED[2], SHARED[5]].iter().map(|s| hex(s)) {
            assert!(Fast::new(&p, &opts).run::<Value>().is_err(), "should fall back");
        }
    }

    #[test]
    fn what_the_vm_must_decide_falls_back() {
        let cases = [
            // t = (1, 2); [t, t]: a tuple fetched again (the VM shares
            // tuples on cycles in its own way)
            "8005950c000000000000005d284b014b0286946800652e",
            // [len]: a global
            "80049517000000000000005d948c086275696c74696e73948c036c656e949394612e",
            // [1, 'a'] at protocol 0: text opcodes
            "286c70300a49310a6156610a70310a612e",
            // [b'a'] at protocol 2: _codecs.encode
            "80025d7100635f636f646563730a656e636f64650a7101580100000061710258060000006c6174696e317103867104527105612e",
            // frozenset([[]]): unhashable, the VM's error
            "8004285d912e",
            // APPEND below a MARK
            "80045d284b01612e",
            // frozenset([([],)]): a list in a tuple, unhashable
            "8004285d8591612e",
            // {([],): 3}: the same as a key
            "80047d5d854b03732e",
            // [1] + 2: APPEND to an int (a finished value), the VM's error
            "80045d4b014b02612e",
            // {} then APPENDS: the wrong batch for a dict
            "80047d284b01652e",
        ];
        for p in cases.iter().map(|s| hex(s)) {
            assert!(fast(&p).is_err(), "should fall back");
        }
    }

    #[test]
    fn nesting_near_the_depth_limit_falls_back() {
        // 5 nested lists: within a limit of 10, left to the VM at 5.
        let p = b"\x80\x04]]]]]aaaa.";
        let opts = DeOptions::new().max_depth(10);
        assert!(Fast::new(p, &opts).run::<Value>().is_ok());
        let opts = DeOptions::new().max_depth(5);
        assert!(Fast::new(p, &opts).run::<Value>().is_err());
    }
}
