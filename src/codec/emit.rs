//! The low-level writer: opcodes, framing, the memo and batching, exactly as
//! CPython's pickler and `pickletools.optimize` lay them out. Nothing here
//! knows about serde or about which Python objects are shared; the layer
//! above ([`super::pickler`]) decides what to memoize.
//!
//! Output goes to one `Vec<u8>` with `extend_from_slice`; frames are laid out
//! as it grows (see [`super::frame`]).

pub(crate) use super::batch::{Batch, BatchKind};
use super::frame::{memo_op, push_get, push_put, Framer};
use super::opcodes::*;
use super::optimize::Fetched;
use super::repr;
pub(crate) use super::stream::{DryLog, Plan};
use crate::error::{Error, Result};

/// A position in the output that later insertions before it may move: the
/// offset when it was taken and how many shifts had been made then (see
/// [`Emitter::resolve`]).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Spot {
    pub(super) pos: usize,
    pub(super) epoch: usize,
}

/// The opcode writer. See the module documentation.
#[derive(Debug)]
pub(crate) struct Emitter {
    pub(crate) buf: Vec<u8>,
    pub(super) proto: u8,
    pub(super) framer: Framer,
    /// Memo entries created so far (the next MEMOIZE's index).
    memo_len: u32,
    /// Which memo entries a GET fetched.
    used: Fetched,
    /// Bytes were inserted or removed after the fact where frames or memo
    /// numbers cannot simply follow, so [`super::optimize`] must redo them.
    dirty: bool,
    /// Bytes inserted (`+n`) or removed (`-n`) after the fact, in order.
    pub(super) shifts: Vec<(usize, isize)>,
    /// Where the last memo op ends: memo entries are in stream order up to here.
    memo_end: Spot,
    /// Where each memo entry's op is, by index (for renumbering).
    memo_spots: Vec<Spot>,
    /// A memo op was inserted before the op of an older entry (protocol 4+,
    /// where MEMOIZE numbers itself by position): indices need renumbering.
    renumber: bool,
    /// Memo indices below this are fetched with BINGET: 256 from protocol
    /// 1, 0 at protocol 0 (one test per fetch instead of two).
    binget_below: u32,
    /// Batches given an ordinal so far (see [`Batch`]'s `seq`).
    pub(super) batch_seq: u32,
    /// Streaming (see [`super::stream`]): a dry run that only records
    /// decisions, or a writing run that follows them.
    pub(crate) plan: Planning,
}

/// What the emitter does besides writing (see [`super::stream`]).
#[derive(Debug, Default)]
pub(crate) enum Planning {
    /// Build the whole pickle in the buffer, fixing it up at the end.
    #[default]
    Buffered,
    /// Record the decisions that depend on what comes later; the output is
    /// discarded as it goes.
    Dry(Box<DryLog>),
    /// Write with the decisions of a dry run: nothing in the buffer is ever
    /// changed after the fact, so committed frames can go to the writer.
    Stream(Box<Plan>),
}

impl Emitter {
    /// A writer for `proto` (0..=5; the caller checks the range), with the
    /// PROTO header written.
    pub(crate) fn new(proto: u8) -> Self {
        let mut e = Emitter {
            buf: Vec::with_capacity(128),
            proto,
            framer: Framer::off(),
            memo_len: 0,
            used: Fetched::default(),
            dirty: false,
            shifts: Vec::new(),
            memo_end: Spot::default(),
            memo_spots: Vec::new(),
            renumber: false,
            binget_below: if proto >= 1 { 256 } else { 0 },
            batch_seq: 0,
            plan: Planning::Buffered,
        };
        e.start();
        e
    }

    /// Whether [`Emitter::finish`] took the output (the buffer is gone).
    pub(crate) fn is_spent(&self) -> bool {
        self.buf.capacity() == 0
    }

    fn start(&mut self) {
        if self.proto >= 2 {
            self.buf.extend_from_slice(&[PROTO, self.proto]);
        }
        if self.proto >= 4 {
            self.framer = Framer::start(&mut self.buf);
        }
    }

    /// The protocol being written.
    #[inline]
    pub(crate) fn proto(&self) -> u8 {
        self.proto
    }

    /// Write a one-byte opcode.
    #[inline]
    pub(crate) fn op(&mut self, code: u8) {
        self.framer.before_op(&mut self.buf);
        self.buf.push(code);
    }

    /// Write a short opcode with its argument, given as one slice (one copy).
    #[inline(always)]
    fn put(&mut self, op: &[u8]) {
        self.framer.before_op(&mut self.buf);
        self.buf.extend_from_slice(op);
    }

    /// Write an opcode with a 1-byte length and a payload of at most 255
    /// bytes (never long enough to leave the frame).
    #[inline]
    fn short_payload(&mut self, code: u8, payload: &[u8]) {
        self.framer.before_op(&mut self.buf);
        // No reserve first: when the buffer grows for the two header bytes
        // it doubles, which leaves room for the payload (at most 255 bytes)
        // once it holds 256 or more.
        self.buf.extend_from_slice(&[code, payload.len() as u8]);
        self.buf.extend_from_slice(payload);
    }

    /// Write an opcode whose argument is `len_bytes` then `payload`, outside
    /// frames when the whole opcode is longer than the frame target.
    fn op_payload(&mut self, code: u8, len_bytes: &[u8], payload: &[u8]) {
        let total = 1 + len_bytes.len() + payload.len();
        if self.op_payload_planned(code, len_bytes, total) {
            return;
        }
        let frameless = self.framer.before_sized_op(&mut self.buf, total);
        // A little slack: a huge payload that exactly fills the buffer would
        // otherwise make the STOP after it double (and copy) the whole output.
        self.buf.reserve(total + 16);
        self.buf.push(code);
        self.buf.extend_from_slice(len_bytes);
        self.buf.extend_from_slice(payload);
        if frameless {
            self.framer.after_frameless(&mut self.buf);
        }
    }

    /// Write an opcode whose argument is a `\n`-terminated text built by `f`.
    /// Text opcodes are never written at protocol 4+, so they never need to
    /// go outside a frame.
    fn op_line(&mut self, code: u8, f: impl FnOnce(&mut Vec<u8>)) {
        self.framer.before_op(&mut self.buf);
        self.buf.push(code);
        f(&mut self.buf);
        self.buf.push(b'\n');
    }

    /// `None`.
    #[inline]
    pub(crate) fn none(&mut self) {
        self.op(NONE);
    }

    /// `True` / `False`: NEWTRUE/NEWFALSE from protocol 2, `I01`/`I00` before.
    #[inline]
    pub(crate) fn bool(&mut self, b: bool) {
        if self.proto >= 2 {
            self.op(if b { NEWTRUE } else { NEWFALSE });
        } else {
            self.put(if b { b"I01\n" } else { b"I00\n" });
        }
    }

    /// `True` / `False` at protocol 2+ (no protocol test).
    #[inline(always)]
    pub(crate) fn bool4(&mut self, b: bool) {
        self.op(if b { NEWTRUE } else { NEWFALSE });
    }

    /// An int at protocol 2+ (no protocol test): BININT1/BININT2/BININT or
    /// LONG1. The opcode is chosen without branching on the value (ints of
    /// mixed magnitudes would mispredict): 16 bytes are written and the
    /// buffer is cut back to the chosen form.
    #[inline(always)]
    pub(crate) fn int4(&mut self, n: i64) {
        let (op, len) = int_op(n);
        self.framer.before_op(&mut self.buf);
        // The new length from the length before the write, not after it
        // (which the CPU would wait for: the write might have changed it).
        let end = self.buf.len() + len;
        self.buf.extend_from_slice(&op);
        self.buf.truncate(end);
    }

    /// BININT1, BININT2 or BININT, all 4 bytes written and the buffer cut
    /// back (below protocol 2).
    #[inline(always)]
    fn binint(&mut self, n: i32) {
        let (code, width) = binint_form(n);
        let [a, b, c, d] = n.to_le_bytes();
        self.put(&[code, a, b, c, d]);
        self.buf.truncate(self.buf.len() - (4 - width));
    }

    /// An int, in the shortest form CPython uses.
    #[inline(always)]
    pub(crate) fn int(&mut self, n: i64) {
        if self.proto >= 2 {
            self.int4(n);
        } else {
            self.int_old(n);
        }
    }

    /// An int below protocol 2: no LONG1, so ints outside i32 are text.
    #[inline(never)]
    fn int_old(&mut self, n: i64) {
        match i32::try_from(n) {
            Ok(small) if self.proto >= 1 => self.binint(small),
            Ok(_) => self.op_line(INT, |b| repr::push_int(b, i128::from(n))),
            Err(_) => self.long_text(|b| repr::push_int(b, i128::from(n))),
        }
    }

    /// An int of any 128-bit value.
    pub(crate) fn int128(&mut self, n: i128) {
        match i64::try_from(n) {
            Ok(small) => self.int(small),
            Err(_) if self.proto >= 2 => {
                let (le, len) = minimal_le(n);
                self.long_le(&le[..len]);
            }
            Err(_) => self.long_text(|b| repr::push_int(b, n)),
        }
    }

    /// An unsigned 128-bit int.
    pub(crate) fn uint128(&mut self, n: u128) {
        match i128::try_from(n) {
            Ok(signed) => self.int128(signed),
            Err(_) if self.proto >= 2 => {
                // 17 bytes: the 16 magnitude bytes and a zero sign byte.
                let mut le = [0u8; 17];
                le[..16].copy_from_slice(&n.to_le_bytes());
                self.long_le(&le);
            }
            Err(_) => self.long_text(|b| repr::push_uint(b, n)),
        }
    }

    /// LONG1/LONG4 from minimal little-endian two's complement (protocol 2+).
    pub(crate) fn long_le(&mut self, le: &[u8]) {
        match u8::try_from(le.len()) {
            Ok(_) => self.short_payload(LONG1, le),
            Err(_) => self.op_payload(LONG4, &(le.len() as u32).to_le_bytes(), le),
        }
    }

    /// LONG with decimal text and the trailing `L` (protocols 0 and 1).
    pub(crate) fn long_text(&mut self, digits: impl FnOnce(&mut Vec<u8>)) {
        self.op_line(LONG, |b| {
            digits(b);
            b.push(b'L');
        });
    }

    /// A float at protocol 1+ (no protocol test): BINFLOAT, big-endian.
    #[inline(always)]
    pub(crate) fn float4(&mut self, x: f64) {
        let [a, b, c, d, e, f, g, h] = x.to_be_bytes();
        self.put(&[BINFLOAT, a, b, c, d, e, f, g, h]);
    }

    /// A float: BINFLOAT (big-endian) from protocol 1, `F repr\n` at 0.
    #[inline(always)]
    pub(crate) fn float(&mut self, x: f64) {
        if self.proto >= 1 {
            self.float4(x);
        } else {
            self.op_line(FLOAT, |b| repr::push_float(b, x));
        }
    }

    /// A str. Errors only for strings over 4 GiB below protocol 4.
    #[inline]
    pub(crate) fn str(&mut self, s: &str) -> Result<()> {
        if self.proto >= 4 && s.len() <= 0xff {
            // The common case first: one protocol check.
            self.short_str(s);
            return Ok(());
        }
        self.str_other(s)
    }

    /// A str of at most 255 bytes at protocol 4+ (no protocol test).
    #[inline(always)]
    pub(crate) fn short_str(&mut self, s: &str) {
        debug_assert!(self.proto >= 4 && s.len() <= 0xff);
        self.short_payload(SHORT_BINUNICODE, s.as_bytes());
    }

    #[inline(never)]
    fn str_other(&mut self, s: &str) -> Result<()> {
        if self.proto == 0 {
            self.op_line(UNICODE, |b| repr::push_raw_unicode_escape(b, s));
            return Ok(());
        }
        self.str_utf8(s.as_bytes())
    }

    /// A str given as UTF-8 in which lone surrogates are allowed (CPython's
    /// `surrogatepass`, as in `Value::SurrogateStr`). Errors if the bytes are
    /// not such UTF-8.
    pub(crate) fn str_surrogatepass(&mut self, bytes: &[u8]) -> Result<()> {
        let chars = repr::decode_surrogatepass(bytes).ok_or_else(|| {
            Error::message("a str with surrogates must be UTF-8 with surrogatepass")
        })?;
        if self.proto == 0 {
            self.op_line(UNICODE, |b| repr::push_code_points_raw_unicode_escape(b, &chars));
            return Ok(());
        }
        self.str_utf8(bytes)
    }

    /// The binary str opcodes.
    #[inline]
    fn str_utf8(&mut self, bytes: &[u8]) -> Result<()> {
        if self.proto >= 4 && bytes.len() <= 0xff {
            self.short_payload(SHORT_BINUNICODE, bytes);
            Ok(())
        } else {
            self.str_counted(bytes)
        }
    }

    #[inline(never)]
    fn str_counted(&mut self, bytes: &[u8]) -> Result<()> {
        self.counted(BINUNICODE, BINUNICODE8, bytes, "str")
    }

    /// The str whose code points are `bytes` (Latin-1), as bytes objects are
    /// spelled below protocol 3 (`_codecs.encode(<this>, 'latin1')`).
    pub(crate) fn latin1_str(&mut self, bytes: &[u8]) -> Result<()> {
        if self.proto >= 1 {
            let len = repr::latin1_utf8_len(bytes);
            let len4 = u32::try_from(len).map_err(|_| too_large("bytes", self.proto))?;
            let frameless = self.framer.before_sized_op(&mut self.buf, 5 + len);
            self.buf.reserve(5 + len);
            self.buf.push(BINUNICODE);
            self.buf.extend_from_slice(&len4.to_le_bytes());
            repr::push_latin1_as_utf8(&mut self.buf, bytes);
            if frameless {
                self.framer.after_frameless(&mut self.buf);
            }
        } else {
            self.op_line(UNICODE, |b| repr::push_latin1_raw_unicode_escape(b, bytes));
        }
        Ok(())
    }

    /// A bytes object with a bytes opcode (protocol 3+).
    #[inline]
    pub(crate) fn bytes(&mut self, bytes: &[u8]) -> Result<()> {
        debug_assert!(self.proto >= 3);
        if bytes.len() <= 0xff {
            self.short_payload(SHORT_BINBYTES, bytes);
            Ok(())
        } else {
            self.bytes_counted(bytes)
        }
    }

    #[inline(never)]
    fn bytes_counted(&mut self, bytes: &[u8]) -> Result<()> {
        self.counted(BINBYTES, BINBYTES8, bytes, "bytes")
    }

    /// A bytearray with BYTEARRAY8 (protocol 5).
    pub(crate) fn bytearray8(&mut self, bytes: &[u8]) {
        self.op_payload(BYTEARRAY8, &(bytes.len() as u64).to_le_bytes(), bytes);
    }

    /// A 4-byte-length opcode, or its 8-byte-length form from protocol 4.
    fn counted(&mut self, op4: u8, op8: u8, payload: &[u8], what: &str) -> Result<()> {
        match u32::try_from(payload.len()) {
            Ok(n) => self.op_payload(op4, &n.to_le_bytes(), payload),
            Err(_) if self.proto >= 4 => {
                self.op_payload(op8, &(payload.len() as u64).to_le_bytes(), payload)
            }
            Err(_) => return Err(too_large(what, self.proto)),
        }
        Ok(())
    }

    /// GLOBAL `module\nname\n` (the caller has checked the names have no newline).
    pub(crate) fn global(&mut self, module: &str, name: &str) {
        self.op_line(GLOBAL, |b| {
            b.extend_from_slice(module.as_bytes());
            b.push(b'\n');
            b.extend_from_slice(name.as_bytes());
        });
    }

    /// INST `module\nname\n` (protocol 0's instance opcode).
    pub(crate) fn inst(&mut self, module: &str, name: &str) {
        self.op_line(INST, |b| {
            b.extend_from_slice(module.as_bytes());
            b.push(b'\n');
            b.extend_from_slice(name.as_bytes());
        });
    }

    /// PERSID with a text id (protocol 0).
    pub(crate) fn persid(&mut self, id: &str) {
        self.op_line(PERSID, |b| b.extend_from_slice(id.as_bytes()));
    }

    /// An empty tuple: EMPTY_TUPLE, or MARK TUPLE at protocol 0.
    #[inline]
    pub(crate) fn empty_tuple(&mut self) {
        if self.proto >= 1 {
            self.op(EMPTY_TUPLE);
        } else {
            self.op(MARK);
            self.op(TUPLE);
        }
    }

    /// Whether a tuple of `len` items is built with TUPLE1/2/3 (no MARK).
    #[inline]
    pub(crate) fn small_tuple(&self, len: usize) -> bool {
        self.proto >= 2 && (1..=3).contains(&len)
    }

    /// The opcode that closes a tuple of `len` (> 0) items.
    #[inline]
    pub(crate) fn tuple_end(&mut self, len: usize) {
        self.op(match len {
            1 if self.proto >= 2 => TUPLE1,
            2 if self.proto >= 2 => TUPLE2,
            3 if self.proto >= 2 => TUPLE3,
            _ => TUPLE,
        });
    }

    /// Discard a tuple's items after it turned out to be memoized already
    /// (a recursive tuple): n x POP for TUPLE1-3, else POP_MARK, or n+1 x POP
    /// at protocol 0 which lacks POP_MARK (CPython's `save_tuple`).
    pub(crate) fn pop_tuple_items(&mut self, len: usize) {
        if self.small_tuple(len) {
            (0..len).for_each(|_| self.op(POP));
        } else if self.proto >= 1 {
            self.op(POP_MARK);
        } else {
            (0..=len).for_each(|_| self.op(POP));
        }
    }

    /// An empty list: EMPTY_LIST, or MARK LIST at protocol 0.
    #[inline(always)]
    pub(crate) fn empty_list(&mut self) {
        if self.proto >= 1 {
            self.op(EMPTY_LIST);
        } else {
            self.op(MARK);
            self.op(LIST);
        }
    }

    /// An empty dict: EMPTY_DICT, or MARK DICT at protocol 0.
    #[inline(always)]
    pub(crate) fn empty_dict(&mut self) {
        if self.proto >= 1 {
            self.op(EMPTY_DICT);
        } else {
            self.op(MARK);
            self.op(DICT);
        }
    }

    /// Memo entries created so far.
    #[inline]
    pub(crate) fn memo_len(&self) -> u32 {
        self.memo_len
    }

    /// Create a memo entry for the top of the stack and return its index,
    /// or `u32::MAX` in a streaming run whose plan says nothing fetches it.
    #[inline(never)]
    pub(crate) fn memoize(&mut self) -> u32 {
        if !self.planned_memoize() {
            return u32::MAX;
        }
        self.memo_put()
    }

    /// Write a memo op for the top of the stack: a new entry.
    pub(crate) fn memo_put(&mut self) -> u32 {
        let idx = self.memo_len;
        self.framer.before_op(&mut self.buf);
        let at = self.spot();
        push_put(&mut self.buf, self.proto, idx);
        if let Planning::Buffered = self.plan {
            // Only for renumbering, which planned runs never do.
            self.memo_spots.push(at);
        }
        self.memo_end = self.spot();
        self.memo_len += 1;
        self.used.grow(self.memo_len);
        idx
    }

    /// The current end of the output, as a [`Spot`].
    #[inline]
    pub(crate) fn spot(&self) -> Spot {
        Spot { pos: self.buf.len(), epoch: self.shifts.len() }
    }

    /// Where `spot` is now. `after`: a spot at an insertion's exact position
    /// moves with the inserted bytes (it belongs to what follows them).
    pub(super) fn resolve(&self, spot: Spot, after: bool) -> usize {
        let mut pos = spot.pos;
        for &(at, delta) in &self.shifts[spot.epoch..] {
            if at < pos || (after && at == pos) {
                pos = pos.wrapping_add_signed(delta);
            }
        }
        pos
    }

    /// Create a memo entry for the object whose opcode ends at `spot`
    /// (written earlier and not memoized then): insert its memo op there and
    /// return its index. In the common case (no memo op after `spot`, and
    /// `spot` in the open frame with room to spare) the pickle stays exactly
    /// as CPython's; otherwise `finish` redoes frames and numbers.
    pub(crate) fn memoize_at(&mut self, spot: Spot) -> u32 {
        let idx = self.memo_len;
        if !self.after_the_fact() {
            // A dry run only counts the entry (its output is gone).
            self.memo_len += 1;
            self.used.grow(self.memo_len);
            return idx;
        }
        let pos = self.resolve(spot, false);
        let in_order = pos >= self.resolve(self.memo_end, false);
        let (op, n) = memo_op(false, self.proto, idx);
        if !(in_order && self.framer.fits_in_open_frame(&self.buf, pos)) {
            self.dirty = true;
            self.renumber |= !in_order && self.proto >= 4;
        }
        self.buf.extend_from_slice(&op[..n]);
        self.buf[pos..].rotate_right(n);
        self.framer.shift(pos, n as isize);
        self.shifts.push((pos, n as isize));
        self.memo_spots.push(Spot { pos, epoch: self.shifts.len() });
        if in_order {
            self.memo_end = Spot { pos: pos + n, epoch: self.shifts.len() };
        }
        self.memo_len += 1;
        self.used.grow(self.memo_len);
        idx
    }

    /// Push memo entry `idx`.
    #[inline(always)]
    pub(crate) fn get(&mut self, idx: u32) {
        self.used.set(idx);
        self.get_again(idx);
    }

    /// Whether a GET has fetched memo entry `idx`.
    pub(crate) fn is_fetched(&self, idx: u32) -> bool {
        self.used.get(u64::from(idx))
    }

    /// Memo indices below this are fetched with BINGET (0 at protocol 0).
    #[inline(always)]
    pub(crate) fn binget_below(&self) -> u32 {
        self.binget_below
    }

    /// BINGET of memo entry `idx` (below [`Emitter::binget_below`]),
    /// which a GET has fetched before.
    #[inline(always)]
    pub(crate) fn binget(&mut self, idx: u32) {
        debug_assert!(self.is_fetched(idx) && idx < self.binget_below);
        self.put(&[BINGET, idx as u8]);
    }

    /// Push memo entry `idx`, which a GET has fetched before (so it is
    /// already marked used).
    #[inline(always)]
    pub(crate) fn get_again(&mut self, idx: u32) {
        debug_assert!(self.is_fetched(idx));
        if idx < self.binget_below {
            self.binget(idx);
        } else {
            self.framer.before_op(&mut self.buf);
            push_get(&mut self.buf, self.proto, idx);
        }
    }

    pub(super) fn insert_byte(&mut self, pos: usize, byte: u8) {
        self.buf.insert(pos, byte);
        self.framer.shift(pos, 1);
        self.shifts.push((pos, 1));
        self.dirty = true;
    }

    pub(super) fn remove_byte(&mut self, pos: usize) {
        self.buf.remove(pos);
        self.framer.shift(pos, -1);
        self.shifts.push((pos, -1));
        self.dirty = true;
    }

    /// Write STOP, close framing, and return the pickle. When some memo entry
    /// was never fetched (or a MARK was patched in or out), the result goes
    /// through [`super::optimize`] so that it is exactly what
    /// `pickletools.optimize` would make of it.
    ///
    /// The output is taken, not the emitter (which is spent afterwards, see
    /// [`Emitter::is_spent`]): no copy of the emitter for every pickle.
    pub(crate) fn finish(&mut self) -> Result<Vec<u8>> {
        self.op(STOP);
        self.framer.end(&mut self.buf);
        let buf = std::mem::take(&mut self.buf);
        if !matches!(self.plan, Planning::Buffered) {
            // Nothing to fix up: a dry run has no output, a writing run
            // followed its plan (or reports that it did not).
            self.check_plan(self.used.all(self.memo_len) && !self.dirty)?;
            return Ok(buf);
        }
        if self.renumber {
            // Memo ops are not in index order: number them by position.
            let mut order: Vec<(usize, u32)> = (0..self.memo_len)
                .map(|i| (self.resolve(self.memo_spots[i as usize], false), i))
                .collect();
            order.sort_unstable();
            let mut stream = vec![0u64; order.len()];
            for (k, &(_, i)) in order.iter().enumerate() {
                stream[i as usize] = k as u64;
            }
            return super::optimize::renumber(&buf, self.proto, &self.used, &stream);
        }
        if self.dirty {
            return super::optimize::optimize(&buf);
        }
        if !self.used.all(self.memo_len) {
            return super::optimize::drop_unused(buf, self.proto, &self.used);
        }
        Ok(buf)
    }
}

/// The opcode and argument width of an i32 (BININT1 for 0..=0xff, BININT2
/// for 0x100..=0xffff, else BININT), from a table rather than branches:
/// the count of leading zero bytes of the value as u32 (negative values
/// have none) picks the form.
#[inline(always)]
fn binint_form(n: i32) -> (u8, usize) {
    const FORMS: [(u8, usize); 4] = [(BININT, 4), (BININT, 4), (BININT2, 2), (BININT1, 1)];
    // `| 1`: 0 counts as one byte, not four zero bytes.
    FORMS[((n as u32 | 1).leading_zeros() / 8) as usize]
}

/// How an int is written at protocol 2+ (see [`INT_FORMS`]).
#[derive(Clone, Copy)]
struct IntForm {
    /// The bytes before the int's: the opcode, and LONG1's length.
    prefix: u16,
    /// 8 times the number of prefix bytes.
    shift: u8,
    /// The length of the whole opcode.
    len: u8,
}

/// The form of every i64, by its sign and the leading zeros of its
/// magnitude bits (`n`, or `!n` when negative), so that choosing one is a
/// table lookup rather than branches (ints of mixed magnitudes would
/// mispredict): BININT1 for 0..=0xff, BININT2 for 0x100..=0xffff, BININT
/// for the rest of i32, else LONG1 with the minimal two's complement (5 to
/// 8 bytes). Indices 0..=64 are non-negative ints, 65..=129 negative ones.
const INT_FORMS: [IntForm; 130] = int_forms();

const fn int_forms() -> [IntForm; 130] {
    let mut forms = [IntForm { prefix: 0, shift: 0, len: 0 }; 130];
    let mut i = 0;
    while i < forms.len() {
        let negative = i >= 65;
        let zeros = if negative { i - 65 } else { i };
        // Magnitude bits plus a sign bit, in bytes.
        let long_len = ((72 - zeros) / 8) as u8;
        forms[i] = match zeros {
            56.. if !negative => IntForm { prefix: BININT1 as u16, shift: 8, len: 2 },
            48.. if !negative => IntForm { prefix: BININT2 as u16, shift: 8, len: 3 },
            33.. => IntForm { prefix: BININT as u16, shift: 8, len: 5 },
            _ => IntForm {
                prefix: LONG1 as u16 | (long_len as u16) << 8,
                shift: 16,
                len: 2 + long_len,
            },
        };
        i += 1;
    }
    forms
}

/// The opcode of an int at protocol 2+: the first `len` bytes of the array
/// (its prefix, then the int's little-endian bytes).
#[inline(always)]
fn int_op(n: i64) -> ([u8; 16], usize) {
    let sign = n >> 63;
    let zeros = (n ^ sign).leading_zeros() as usize;
    let form = INT_FORMS[zeros + (sign as usize & 65)];
    let bits = n as u64;
    let lo = u64::from(form.prefix) | bits << form.shift;
    let hi = bits >> (64 - form.shift);
    let mut op = [0u8; 16];
    op[..8].copy_from_slice(&lo.to_le_bytes());
    op[8..].copy_from_slice(&hi.to_le_bytes());
    (op, usize::from(form.len))
}

/// Minimal little-endian two's complement bytes of `n` (as LONG1 wants
/// them): the first `len` bytes of the array.
#[inline]
fn minimal_le(n: i128) -> ([u8; 16], usize) {
    // Magnitude bits (of n, or of !n for negatives) plus one sign bit.
    let magnitude = if n < 0 { !n } else { n };
    let bits = 128 - magnitude.leading_zeros() + 1;
    (n.to_le_bytes(), bits.div_ceil(8) as usize)
}

fn too_large(what: &str, proto: u8) -> Error {
    Error::message(format!(
        "cannot pickle a {what} larger than 4 GiB with protocol {proto} (use protocol 4 or later)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finish(mut e: Emitter) -> Vec<u8> {
        e.finish().unwrap()
    }

    #[test]
    fn ints_take_the_shortest_form() {
        let mut e = Emitter::new(2);
        for n in [0, 255, 256, 65535, 65536, -1, i64::from(i32::MIN), 1 << 31, i64::MIN] {
            e.int(n);
        }
        assert_eq!(
            finish(e),
            b"\x80\x02K\x00K\xffM\x00\x01M\xff\xffJ\x00\x00\x01\x00J\xff\xff\xff\xff\
              J\x00\x00\x00\x80\x8a\x05\x00\x00\x00\x80\x00\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80."
        );
    }

    #[test]
    fn branchless_int_forms_at_their_boundaries() {
        let mut e = Emitter::new(2);
        for n in [i64::from(i32::MAX), i64::from(i32::MIN) - 1, i64::MAX, -(1 << 39), 1 << 39] {
            e.int(n);
        }
        assert_eq!(
            finish(e),
            b"\x80\x02J\xff\xff\xff\x7f\x8a\x05\xff\xff\xff\x7f\xff\
              \x8a\x08\xff\xff\xff\xff\xff\xff\xff\x7f\x8a\x05\x00\x00\x00\x00\x80\
              \x8a\x06\x00\x00\x00\x00\x80\x00."
        );
        let mut e = Emitter::new(1);
        for n in [255, 256, 65535, 65536, -1] {
            e.int(n);
        }
        assert_eq!(finish(e), b"K\xffM\x00\x01M\xff\xffJ\x00\x00\x01\x00J\xff\xff\xff\xff.");
    }

    #[test]
    fn the_int_form_table_agrees_with_the_rules_at_every_bit_boundary() {
        // The shortest form, spelled out: BININT1/BININT2 for non-negative
        // ints below 2^8/2^16, BININT within i32, else LONG1 (minimal).
        let expected = |n: i64| -> Vec<u8> {
            let le = n.to_le_bytes();
            match n {
                0..=0xff => vec![BININT1, le[0]],
                0x100..=0xffff => vec![BININT2, le[0], le[1]],
                _ if i32::try_from(n).is_ok() => [&[BININT][..], &le[..4]].concat(),
                _ => {
                    let (bytes, len) = minimal_le(i128::from(n));
                    [&[LONG1, len as u8][..], &bytes[..len]].concat()
                }
            }
        };
        let mut ns = vec![0, i64::MIN, i64::MAX];
        for bit in 0..63 {
            let p = 1i64 << bit;
            ns.extend([p - 1, p, p + 1, -p - 1, -p, -p + 1]);
        }
        for n in ns {
            let (op, len) = int_op(n);
            assert_eq!(op[..len], expected(n)[..], "{n}");
        }
    }

    #[test]
    fn protocol_0_ints_are_text() {
        let mut e = Emitter::new(0);
        e.int(-5);
        e.int(1 << 31);
        e.bool(true);
        assert_eq!(finish(e), b"I-5\nL2147483648L\nI01\n.");
    }

    #[test]
    fn minimal_twos_complement() {
        let bytes = |n| {
            let (le, len) = minimal_le(n);
            le[..len].to_vec()
        };
        assert_eq!(bytes(-1), [0xff]);
        assert_eq!(bytes(255), [0xff, 0x00]);
        assert_eq!(bytes(-129), [0x7f, 0xff]);
        assert_eq!(bytes(i128::MIN).len(), 16);
    }

    #[test]
    fn tiny_frames_have_no_header() {
        let mut e = Emitter::new(4);
        e.none();
        assert_eq!(finish(e), b"\x80\x04N.");
    }

    #[test]
    fn frames_of_four_bytes_or_more_have_a_header() {
        let mut e = Emitter::new(5);
        e.int(256);
        assert_eq!(finish(e), b"\x80\x05\x95\x04\x00\x00\x00\x00\x00\x00\x00M\x00\x01.");
    }

    #[test]
    fn a_one_item_list_announced_as_two_drops_its_mark() {
        let mut e = Emitter::new(2);
        e.empty_list();
        let mut b = Batch::new(BatchKind::List, None);
        e.batch_item(&mut b);
        e.int(1);
        e.batch_end(&b);
        assert_eq!(finish(e), b"\x80\x02]K\x01a.");
    }

    #[test]
    fn a_two_item_list_announced_as_one_gets_its_mark() {
        let mut e = Emitter::new(2);
        e.empty_list();
        let mut b = Batch::new(BatchKind::List, Some(1));
        for n in [1, 2] {
            e.batch_item(&mut b);
            e.int(n);
        }
        e.batch_end(&b);
        assert_eq!(finish(e), b"\x80\x02](K\x01K\x02e.");
    }

    #[test]
    fn unused_memo_entries_are_dropped() {
        let mut e = Emitter::new(2);
        e.empty_list();
        e.memoize();
        assert_eq!(finish(e), b"\x80\x02].");
    }
}
