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

use super::prepass::fetched_puts;
use super::{fallback, Fast, Memo};
use crate::codec::opcodes::*;
use crate::error::Result;
use crate::options::DeOptions;
use crate::value::{KnownKeys, Shared, Value};
use crate::vm::walk::pairs;

/// A container still being filled.
struct Open<T> {
    items: Vec<T>,
    /// Containers on the deepest path through it, itself included.
    depth: usize,
    /// Its node, when a memo get fetches it again.
    shared: Option<Shared>,
}

impl<T> Open<T> {
    fn new(items: Vec<T>, depth: usize) -> Self {
        Open { items, depth, shared: None }
    }

    /// The finished container: `wrap` of its items, held by its shared node
    /// if it has one.
    #[inline(never)]
    fn close(self, wrap: impl FnOnce(Vec<T>) -> Value) -> (Value, usize, bool) {
        let mut items = self.items;
        // Filled batch by batch, the vector may have grown to twice its
        // length: give the slack back (the VM's walk allocates exactly).
        if items.capacity() - items.len() > items.len() / 8 {
            items.shrink_to_fit();
        }
        (Shared::fill(self.shared, wrap(items)), self.depth, false)
    }
}

/// A stack entry: a finished value, or a container still being filled.
enum Slot {
    /// `depth`: containers on the deepest path through it (0 for a scalar).
    Done {
        value: Value,
        depth: usize,
        hashable: bool,
    },
    List(Open<Value>),
    /// Key-value pairs, in the order they came.
    Dict(Open<(Value, Value)>),
    Set(Open<Value>),
}

impl Slot {
    fn done(value: Value, hashable: bool) -> Slot {
        Slot::Done { value, depth: 0, hashable }
    }

    /// The value, its depth, and whether Python could hash it.
    #[inline(always)]
    fn finish(self, keys: &mut KnownKeys) -> (Value, usize, bool) {
        match self {
            Slot::Done { value, depth, hashable } => (value, depth, hashable),
            Slot::List(o) => o.close(Value::List),
            Slot::Dict(o) => o.close(|p| Value::Dict(keys.dict(p))),
            Slot::Set(o) => o.close(Value::Set),
        }
    }
}

/// Room for `n` more items: exactly `n` in an empty container (most have
/// one batch; `reserve` would round a few items up to 4, and `close` then
/// gave the slack back with a `realloc`), as `reserve` after.
#[inline(always)]
fn grow<T>(v: &mut Vec<T>, n: usize) {
    if v.is_empty() {
        v.reserve_exact(n);
    } else {
        v.reserve(n);
    }
}

/// Finish a slot that is about to become an item: its value and depth, if
/// it may be one (a key or set item must be hashable).
#[inline(always)]
fn item(slot: Slot, must_hash: bool, keys: &mut KnownKeys) -> Result<(Value, usize)> {
    let (v, d, hashable) = slot.finish(keys);
    if must_hash && !hashable {
        // CPython's "unhashable type": the VM reports it.
        return Err(fallback());
    }
    Ok((v, d))
}

/// Which items of a batch must be hashable.
#[derive(Clone, Copy, PartialEq)]
enum Keys {
    None,
    All,
    EveryOther,
}

struct Builder {
    stack: Vec<Slot>,
    /// Stack heights at each open MARK.
    marks: Vec<usize>,
    /// What a memo put would store: the value just pushed, if it is a scalar
    /// the memo can hand out again (else `Container` or `Unset`).
    last: Memo,
    /// By memo put, in order: whether a memo get fetches what it stored;
    /// `None` while building on the assumption that none is.
    fetched: Option<Vec<bool>>,
    /// Set when that assumption failed: a get of a str, bytes or container
    /// (the value must be built again, knowing the fetched puts).
    restart: bool,
    /// Memo puts met so far.
    puts: usize,
    /// The shared nodes made so far (`Memo::Shared` indexes them), and
    /// whether Python could hash what they hold.
    shared: Vec<(Shared, bool)>,
    /// Containers may nest this deep; deeper input goes to the VM, which
    /// decides at the limit itself.
    max_depth: usize,
    /// Values pushed: each is one the VM would push too.
    pushes: usize,
    /// A rough count of the bytes built, against a quarter of `max_alloc`
    /// (the VM counts its own table of values against all of it).
    built: usize,
    max_built: usize,
    /// The keys of the last dict checked (see [`KnownKeys`]).
    known: KnownKeys,
}

impl Builder {
    fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    /// Whether every item from `at` up is a finished, hashable value.
    fn all_hashable(&self, at: usize) -> Result<bool> {
        let items = self.stack.get(at..).ok_or_else(fallback)?;
        Ok(items.iter().all(|s| matches!(s, Slot::Done { hashable: true, .. })))
    }

    #[inline(always)]
    fn push(&mut self, slot: Slot, last: Memo) -> Result<()> {
        self.pushes += 1;
        self.built += std::mem::size_of::<Value>();
        if self.built > self.max_built {
            return Err(fallback());
        }
        self.stack.push(slot);
        self.last = last;
        Ok(())
    }

    /// What a memo put of the top of the stack stores: the value itself
    /// (`last`) unless a memo get fetches it again, in which case it becomes
    /// (or already is) a shared node, as the VM's walk makes it. An int,
    /// float, bool or `None` is never shared (CPython does not memoize them:
    /// the VM copies them).
    fn memo_entry(&mut self) -> Result<Memo> {
        let Some(fetched) = &self.fetched else {
            return Ok(self.last);
        };
        let fetched = fetched.get(self.puts).copied().ok_or_else(fallback)?;
        self.puts += 1;
        if !fetched {
            return Ok(self.last);
        }
        let top = self.stack.last_mut().ok_or_else(fallback)?;
        let (node, hashable) = match top {
            Slot::Done { value: Value::Shared(s), hashable, .. } => (s.clone(), *hashable),
            Slot::Done { value: v @ (Value::Str(_) | Value::Bytes(_)), .. } => {
                let s = Shared::new(std::mem::take(v));
                *v = Value::Shared(s.clone());
                (s, true)
            }
            Slot::Done { value: v @ Value::ByteArray(_), .. } => {
                let s = Shared::new(std::mem::take(v));
                *v = Value::Shared(s.clone());
                (s, false)
            }
            Slot::Done {
                value: Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_),
                ..
            } => return Ok(self.last),
            // A tuple or frozenset fetched again may lie on a cycle, which
            // the VM's walk shares in its own way; a big int is the VM's too.
            Slot::Done { .. } => return Err(fallback()),
            Slot::List(o) | Slot::Set(o) => {
                (o.shared.get_or_insert_with(Shared::empty).clone(), false)
            }
            Slot::Dict(o) => (o.shared.get_or_insert_with(Shared::empty).clone(), false),
        };
        self.shared.push((node, hashable));
        Ok(Memo::Shared(self.shared.len() as u32 - 1))
    }

    /// Pop the items from `at` up (all above the fence), finished.
    fn pop_items(&mut self, at: usize, keys: Keys) -> Result<(Vec<Value>, usize)> {
        if at < self.fence() || at > self.stack.len() {
            return Err(fallback());
        }
        let mut depth = 0;
        let mut items = Vec::with_capacity(self.stack.len() - at);
        for (i, slot) in self.stack.drain(at..).enumerate() {
            let key = match keys {
                Keys::None => false,
                Keys::All => true,
                Keys::EveryOther => i % 2 == 0,
            };
            let (v, d) = item(slot, key, &mut self.known)?;
            depth = depth.max(d);
            items.push(v);
        }
        Ok((items, depth))
    }

    /// A finished tuple or frozenset of `items`.
    fn immutable(&mut self, value: Value, depth: usize, hashable: bool) -> Result<()> {
        let depth = self.deeper(depth)?;
        self.push(Slot::Done { value, depth, hashable }, Memo::Container)
    }

    /// The depth of a container holding items `depth` deep.
    fn deeper(&self, depth: usize) -> Result<usize> {
        let d = depth + 1;
        if d >= self.max_depth {
            return Err(fallback());
        }
        Ok(d)
    }

    /// Move the items from `start` up into the open container just below
    /// them (APPEND, APPENDS, SETITEM, SETITEMS, ADDITEMS), with no
    /// intermediate vector.
    fn fill(&mut self, start: usize, op: u8) -> Result<()> {
        let target = start.checked_sub(1).ok_or_else(fallback)?;
        if target < self.fence() || start > self.stack.len() {
            return Err(fallback());
        }
        // Take the container out so the items can be drained beside it.
        let mut container =
            std::mem::replace(&mut self.stack[target], Slot::done(Value::None, true));
        let mut depth = 0;
        let mut items = self.stack.drain(start..);
        let ok = match (&mut container, op) {
            (Slot::List(Open { items: v, .. }), APPEND | APPENDS) => {
                grow(v, items.len());
                items.try_for_each(|s| {
                    let (x, d) = item(s, false, &mut self.known)?;
                    depth = depth.max(d);
                    v.push(x);
                    Ok(())
                })
            }
            (Slot::Set(Open { items: v, .. }), ADDITEMS) => {
                grow(v, items.len());
                items.try_for_each(|s| {
                    let (x, d) = item(s, true, &mut self.known)?;
                    depth = depth.max(d);
                    v.push(x);
                    Ok(())
                })
            }
            (Slot::Dict(Open { items: v, .. }), SETITEM | SETITEMS) if items.len() % 2 == 0 => {
                grow(v, items.len() / 2);
                let mut r = Ok(());
                while let (Some(k), Some(x)) = (items.next(), items.next()) {
                    match (item(k, true, &mut self.known), item(x, false, &mut self.known)) {
                        (Ok((k, dk)), Ok((x, dx))) => {
                            depth = depth.max(dk).max(dx);
                            v.push((k, x));
                        }
                        _ => {
                            r = Err(fallback());
                            break;
                        }
                    }
                }
                r
            }
            _ => Err(fallback()),
        };
        drop(items);
        ok?;
        let d = self.deeper(depth)?;
        match &mut container {
            Slot::List(o) | Slot::Set(o) => o.depth = o.depth.max(d),
            Slot::Dict(o) => o.depth = o.depth.max(d),
            Slot::Done { .. } => {}
        }
        self.stack[target] = container;
        self.last = Memo::Unset;
        Ok(())
    }
}

impl Builder {
    fn new(opts: &DeOptions, fetched: Option<Vec<bool>>) -> Self {
        Builder {
            stack: Vec::new(),
            marks: Vec::new(),
            last: Memo::Unset,
            fetched,
            restart: false,
            puts: 0,
            shared: Vec::new(),
            max_depth: opts.max_depth,
            pushes: 0,
            built: 0,
            max_built: opts.max_alloc / 4,
            known: KnownKeys::default(),
        }
    }
}

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
                    if b.stack.len() != 1 || !b.marks.is_empty() {
                        return Err(fallback());
                    }
                    self.pos = at;
                    self.values += b.pushes;
                    let (value, _, _) = b.stack.pop().ok_or_else(fallback)?.finish(&mut b.known);
                    return Ok(value);
                }
                PROTO | FRAME => {
                    self.pos = at;
                    self.skip_meta()?;
                }
                NONE => b.push(Slot::done(Value::None, true), Memo::None)?,
                NEWTRUE | NEWFALSE => {
                    let v = op == NEWTRUE;
                    b.push(Slot::done(Value::Bool(v), true), Memo::Bool(v))?
                }
                BININT1 | BININT2 | BININT => {
                    let v = match op {
                        BININT1 => self.byte()? as i64,
                        BININT2 => u16::from_le_bytes(self.fixed()?) as i64,
                        _ => i32::from_le_bytes(self.fixed()?) as i64,
                    };
                    b.push(Slot::done(Value::Int(v), true), Memo::Int(v))?
                }
                LONG1 | LONG4 => {
                    let n = if op == LONG1 {
                        self.byte()? as usize
                    } else {
                        u32::from_le_bytes(self.fixed()?) as usize
                    };
                    let digits = self.take(n)?;
                    if let Some(v) = long_i64(digits) {
                        b.push(Slot::done(Value::Int(v), true), Memo::Int(v))?;
                        continue;
                    }
                    let big = num_bigint::BigInt::from_signed_bytes_le(digits);
                    match i64::try_from(&big) {
                        Ok(v) => b.push(Slot::done(Value::Int(v), true), Memo::Int(v))?,
                        Err(_) => {
                            self.charge(big.bits() / 8)?;
                            b.built += n;
                            b.push(Slot::done(Value::BigInt(big), true), Memo::Unset)?
                        }
                    }
                }
                BINFLOAT => {
                    let v = f64::from_be_bytes(self.fixed()?);
                    b.push(Slot::done(Value::Float(v), true), Memo::Float(v))?
                }
                SHORT_BINUNICODE | BINUNICODE | BINUNICODE8 => {
                    let n = self.len_for(op)?;
                    let start = self.pos;
                    self.take(n)?;
                    let m = Memo::Str(start as u32, n as u32);
                    let v = self.fetch(b, m)?;
                    b.push(Slot::done(v, true), m)?
                }
                SHORT_BINBYTES | BINBYTES | BINBYTES8 => {
                    let n = self.len_for(op)?;
                    let start = self.pos;
                    self.take(n)?;
                    let m = Memo::Bytes(start as u32, n as u32);
                    let v = self.fetch(b, m)?;
                    b.push(Slot::done(v, true), m)?
                }
                BYTEARRAY8 => {
                    let n = self.len_for(BINBYTES8)?;
                    let start = self.pos;
                    self.take(n)?;
                    b.built += n;
                    let v = self.payload(start as u32, n as u32)?.to_vec();
                    b.push(Slot::done(Value::ByteArray(v), false), Memo::Container)?
                }
                EMPTY_LIST => {
                    b.push(Slot::List(Open::new(Vec::new(), b.deeper(0)?)), Memo::Container)?
                }
                EMPTY_DICT => {
                    b.push(Slot::Dict(Open::new(Vec::new(), b.deeper(0)?)), Memo::Container)?
                }
                EMPTY_SET => {
                    b.push(Slot::Set(Open::new(Vec::new(), b.deeper(0)?)), Memo::Container)?
                }
                EMPTY_TUPLE => b.immutable(Value::Tuple(Vec::new()), 0, true)?,
                MARK => {
                    b.marks.push(b.stack.len());
                    b.last = Memo::Unset;
                }
                TUPLE1 | TUPLE2 | TUPLE3 => {
                    let n = (op - TUPLE1 + 1) as usize;
                    let at = b.stack.len().checked_sub(n).ok_or_else(fallback)?;
                    let hashable = b.all_hashable(at)?;
                    let (items, depth) = b.pop_items(at, Keys::None)?;
                    b.immutable(Value::Tuple(items), depth, hashable)?
                }
                TUPLE | LIST | FROZENSET | DICT => {
                    let start = b.marks.pop().ok_or_else(fallback)?;
                    let hashable = b.all_hashable(start)?;
                    let keys = match op {
                        FROZENSET => Keys::All,
                        DICT => Keys::EveryOther,
                        _ => Keys::None,
                    };
                    if op == DICT && b.stack.len().saturating_sub(start) % 2 != 0 {
                        return Err(fallback());
                    }
                    let (items, depth) = b.pop_items(start, keys)?;
                    match op {
                        TUPLE => b.immutable(Value::Tuple(items), depth, hashable)?,
                        FROZENSET => b.immutable(Value::FrozenSet(items), depth, true)?,
                        LIST => {
                            let d = b.deeper(depth)?;
                            b.push(Slot::List(Open::new(items, d)), Memo::Container)?
                        }
                        _ => {
                            let d = b.deeper(depth)?;
                            b.push(Slot::Dict(Open::new(pairs(items), d)), Memo::Container)?
                        }
                    }
                }
                APPEND | SETITEM => {
                    let n = if op == APPEND { 1 } else { 2 };
                    let start = b.stack.len().checked_sub(n).ok_or_else(fallback)?;
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
                        || b.stack.len() <= b.fence()
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
                        let hashable = *hashable;
                        b.push(Slot::Done { value, depth, hashable }, m)?;
                        continue;
                    }
                    let v = self.fetch(b, m)?;
                    b.push(Slot::done(v, true), m)?
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
                let text = std::str::from_utf8(self.payload(s, n)?).map_err(|_| fallback())?;
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
