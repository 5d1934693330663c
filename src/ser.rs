//! Writing: serde data to pickle bytes, byte for byte what CPython writes.
//!
//! The mapping (Rust → Python): `bool` → `bool`; every integer type,
//! including `i128`/`u128` → `int`; `f32`/`f64` → `float`; `char`/`str` →
//! `str`; bytes (`serialize_bytes`, e.g. `serde_bytes`) → `bytes`; `None`,
//! `()` and unit structs → `None`; `Some(x)` and newtype structs → `x`;
//! sequences → `list`; tuples and tuple structs → `tuple`; maps → `dict`;
//! structs → `dict` keyed by field name; a unit variant → its name as a
//! `str`; other variants → `{name: content}` (externally tagged, like
//! serde_json). [`crate::py`] has wrappers for `set`, `frozenset` and
//! `bytearray`, and [`crate::Value`] writes every other Python shape.
//!
//! For every protocol `P` the output equals
//! `pickletools.optimize(pickle.dumps(pickle.loads(out), protocol=P))`.

mod capture;
mod compound;
mod object;
#[cfg(test)]
mod tests;

use std::io;

use serde::ser::{self, Serialize};

use crate::codec::emit::{Batch, Emitter};
use crate::codec::frame::FRAME_TARGET;
use crate::codec::opcodes;
use crate::codec::pickler::Pickler;
use crate::codec::stream::{Plan, FLUSH_AT};
use crate::error::{Error, ErrorCode, Result};
use crate::options::SerOptions;
use crate::shape_marker::{self, Hint, Magic};
use crate::value::ObjectKind;

pub use compound::Compound;

/// Nesting deeper than this is an error rather than a stack overflow
/// (the reader's default depth limit; CPython's recursion limit is 1000).
const MAX_DEPTH: u32 = 1024;

/// A value that is never memoized, written by `self.pk.em.$method($args)`,
/// or by `$method4`, which may assume protocol 4+. Inside a container with
/// nothing announced (the common case) this is one test and the write: no
/// top-level end to look for either.
macro_rules! scalar {
    ($ser:expr, $what:expr, $method:ident, $method4:ident($($arg:expr),*)) => {{
        let ser = $ser;
        if ser.ctx == Ctx::Plain4 {
            ser.debug_check_ctx();
            ser.pk.em.$method4($($arg),*);
            Ok(())
        } else {
            ser.scalar_checked($what, move |em| em.$method($($arg),*))
        }
    }};
}

/// Which checks the next value needs: [`Serializer::refresh_ctx`] keeps it
/// in step with the depth, the announced shape and the shared id, so that
/// the common case is one test of one byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Ctx {
    /// At the top level, or something is announced: every check applies.
    Checked,
    /// Nested in a container with nothing announced (protocols 0 to 3).
    Plain,
    /// `Plain` at protocol 4+, where scalars need no protocol tests either.
    Plain4,
}

/// A shape announced for the next value by a magic newtype or by the object writer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum Next {
    #[default]
    Plain,
    Set,
    FrozenSet,
    ByteArray,
    Object(ObjectKind, usize),
    /// A tuple or sequence whose items go on the stack with no container.
    BareItems,
    /// Items appended to an object (no list is created).
    ObjListItems,
    /// Items set on an object (no dict is created).
    ObjDictItems,
    /// A sequence of states, each followed by BUILD.
    States,
    /// A sequence of calls made for their effects, each followed by POP.
    Effects,
    /// A str given as surrogatepass UTF-8 bytes.
    SurrogateStr,
    /// One state: a dict's str keys are interned by `BUILD`.
    StateValue,
    /// A str key of a state dict.
    InternedKey,
}

impl Next {
    /// Hints that any value may receive (they only refine how strs are memoized).
    fn is_soft(self) -> bool {
        matches!(self, Next::Plain | Next::StateValue | Next::InternedKey)
    }
}

/// A serde serializer that writes pickles.
///
/// Each top-level value serialized through it becomes one complete pickle
/// (PROTO ... STOP). The pickle is built in memory and written to the writer
/// in one `write_all` when the value is complete: the layout of frames and
/// memo entries depends on the whole value, so nothing can be written before.
/// [`to_writer`] streams instead (at protocol 4+), by serializing the value
/// twice, which a `Serializer` handed one value at a time cannot do.
///
/// After an error the serializer must not be reused.
///
/// ```
/// use serde::Serialize;
/// use serde_pickle::Serializer;
///
/// let mut out = Vec::new();
/// let mut ser = Serializer::new(&mut out).protocol(2);
/// (1, "a").serialize(&mut ser).unwrap();
/// assert_eq!(out, b"\x80\x02K\x01X\x01\x00\x00\x00a\x86.");
/// ```
pub struct Serializer<W> {
    writer: W,
    /// Keep finished pickles here instead of writing them (`to_vec`).
    collect: bool,
    collected: Option<Vec<u8>>,
    pk: Pickler,
    /// A protocol above 5 was requested: every value fails.
    bad_protocol: Option<u8>,
    depth: u32,
    /// Above 0 while writing a dict key or a set item (which must be hashable).
    key_mode: u32,
    next: Next,
    /// The `Value::Shared` node the next value is (memoized under its id).
    shared: Option<usize>,
    /// Shared nodes being written, with the memo size when each was entered:
    /// a node re-entered with no memo growth is a cycle no pickle can express.
    in_progress: Vec<(usize, u32)>,
    /// The items of the innermost open list, dict or set (see [`Compound`]).
    batch: Batch,
    /// The `batch` of each enclosing compound, innermost last.
    outer: Vec<Batch>,
    /// The open compounds that take the general path, innermost last.
    kinds: Vec<compound::Open>,
    /// Derived from `depth`, `next`, `shared` and the protocol: see [`Ctx`].
    ctx: Ctx,
    /// The `ctx` of a plain nested value at this protocol.
    plain_ctx: Ctx,
    /// Write numpy values with numpy 1.x module names (`SerOptions::numpy_legacy`).
    numpy_legacy: bool,
    /// Hand the final bytes at the front of the output on once there are
    /// this many bytes in it (streaming, see [`crate::codec::stream`]);
    /// `usize::MAX` when buffering.
    flush_at: usize,
    /// A str or bytes longer than this bypasses the buffer: `FRAME_TARGET`
    /// when streaming, `usize::MAX` when buffering (one compare per str).
    long_above: usize,
    /// A long payload is being written with its bytes left out of the
    /// buffer: a top-level value that ends meanwhile is finished after them.
    hold_finish: bool,
    finish_held: bool,
    /// The next object is a call made for its effect (`Object::effects`).
    pub(crate) effect_next: bool,
    /// The writer failed while streaming: later output is discarded and
    /// the error returned when the value ends (flushing stays infallible,
    /// so the per-item code has no error path for it).
    write_error: Option<io::Error>,
}

impl<W: io::Write> Serializer<W> {
    /// A serializer writing protocol 5 to `writer`.
    ///
    /// ```
    /// let ser = serde_pickle::Serializer::new(Vec::new());
    /// assert_eq!(ser.get_protocol(), 5);
    /// ```
    pub fn new(writer: W) -> Self {
        Self::with_options(writer, &SerOptions::default())
    }

    /// A serializer with the given options. A protocol above 5 makes every
    /// value fail with [`crate::Category::Unsupported`].
    ///
    /// ```
    /// use serde::Serialize;
    /// use serde_pickle::{SerOptions, Serializer};
    /// let mut ser = Serializer::with_options(Vec::new(), &SerOptions::new().protocol(0));
    /// true.serialize(&mut ser).unwrap();
    /// assert_eq!(ser.into_inner(), b"I01\n.");
    /// ```
    pub fn with_options(writer: W, options: &SerOptions) -> Self {
        let proto = options.get_protocol();
        let valid = proto <= opcodes::HIGHEST_PROTOCOL;
        Serializer {
            writer,
            collect: false,
            collected: None,
            pk: Pickler::new(if valid { proto } else { opcodes::HIGHEST_PROTOCOL })
                .sharing_by_content(options.share_by_content),
            bad_protocol: (!valid).then_some(proto),
            depth: 0,
            key_mode: 0,
            next: Next::Plain,
            shared: None,
            in_progress: Vec::new(),
            batch: Batch::idle(),
            outer: Vec::new(),
            kinds: Vec::new(),
            ctx: Ctx::Checked,
            plain_ctx: if proto >= 4 { Ctx::Plain4 } else { Ctx::Plain },
            numpy_legacy: options.numpy_legacy,
            flush_at: usize::MAX,
            long_above: usize::MAX,
            hold_finish: false,
            finish_held: false,
            effect_next: false,
            write_error: None,
        }
    }

    /// A dry run (`plan: None`) or the writing run of `plan`: see
    /// [`crate::codec::stream`]. The protocol is 4 or later.
    fn planned(writer: W, options: &SerOptions, plan: Option<Plan>) -> Self {
        let mut ser = Self::with_options(writer, options);
        match plan {
            None => {
                ser.pk.em.set_dry();
                ser.collect = true;
            }
            Some(plan) => ser.pk.em.set_plan(plan),
        }
        ser.flush_at = FLUSH_AT;
        ser.long_above = FRAME_TARGET;
        ser
    }

    /// Between the items of a container: pass the final bytes on once
    /// enough have piled up (never, when buffering).
    #[inline(always)]
    pub(super) fn maybe_flush(&mut self) {
        if self.pk.em.buf.len() >= self.flush_at {
            self.flush();
        }
    }

    /// `maybe_flush` after a batch event (`Emitter::batch_item` true):
    /// rare, so out of line, keeping the per-item code of `to_vec` small.
    #[cold]
    #[inline(never)]
    pub(super) fn event_flush(&mut self) {
        self.maybe_flush();
    }

    #[inline(never)]
    fn flush(&mut self) {
        let n = self.pk.em.final_len();
        self.write_out(n, &[]);
    }

    /// Write the first `n` bytes of the buffer, then `payload`, and drop
    /// them from the buffer (a dry run only drops them).
    fn write_out(&mut self, n: usize, payload: &[u8]) {
        if self.pk.em.is_streaming() && self.write_error.is_none() {
            let written = self
                .writer
                .write_all(&self.pk.em.buf[..n])
                .and_then(|()| self.writer.write_all(payload));
            self.write_error = written.err();
        }
        self.pk.em.discard_front(n);
    }

    /// Write a str or bytes payload longer than a frame with `write`; when
    /// streaming, the payload goes from `payload` to the writer, not through
    /// the buffer.
    #[inline(never)]
    fn long_payload(
        &mut self,
        payload: &[u8],
        write: impl FnOnce(&mut Self) -> Result<()>,
    ) -> Result<()> {
        self.pk.em.set_defer(true);
        self.hold_finish = true;
        let result = write(self);
        self.hold_finish = false;
        self.pk.em.set_defer(false);
        if let Some(at) = self.pk.em.take_deferred() {
            self.write_out(at, payload);
        }
        if std::mem::take(&mut self.finish_held) {
            self.finish()?;
        }
        result
    }

    /// Change the protocol (0 to 5) of the pickles written from now on.
    ///
    /// ```
    /// use serde::Serialize;
    /// let mut ser = serde_pickle::Serializer::new(Vec::new()).protocol(1);
    /// ().serialize(&mut ser).unwrap();
    /// assert_eq!(ser.into_inner(), b"N.");
    /// ```
    pub fn protocol(self, protocol: u8) -> Self {
        Self::with_options(self.writer, &SerOptions::new().protocol(protocol))
    }

    /// The protocol written.
    ///
    /// ```
    /// let ser = serde_pickle::Serializer::new(Vec::new()).protocol(3);
    /// assert_eq!(ser.get_protocol(), 3);
    /// ```
    pub fn get_protocol(&self) -> u8 {
        self.bad_protocol.unwrap_or_else(|| self.pk.proto())
    }

    /// The writer back.
    ///
    /// ```
    /// let ser = serde_pickle::Serializer::new(vec![1u8]);
    /// assert_eq!(ser.into_inner(), [1]);
    /// ```
    pub fn into_inner(self) -> W {
        self.writer
    }

    /// Write STOP and hand the finished pickle over.
    fn finish(&mut self) -> Result<()> {
        let bytes = self.pk.finish()?;
        if let Some(e) = self.write_error.take() {
            return Err(e.into());
        }
        self.in_progress.clear();
        if self.collect {
            self.collected = Some(bytes);
            Ok(())
        } else {
            self.writer.write_all(&bytes).map_err(Error::from)
        }
    }

    /// Start any value: at the top level, check the protocol and start a
    /// new pickle if the last one was finished.
    #[inline]
    fn check_top(&mut self) -> Result<()> {
        if self.depth != 0 {
            return Ok(());
        }
        if let Some(p) = self.bad_protocol {
            return Err(Error::new(ErrorCode::UnsupportedProtocol(u64::from(p))));
        }
        if self.pk.is_spent() {
            self.pk = self.pk.fresh();
        }
        Ok(())
    }

    /// Start a value that is never memoized (ints, floats, None...).
    #[inline(always)]
    fn begin_scalar(&mut self, what: &str) -> Result<()> {
        // The common case, inside a container with nothing announced, is
        // one test (see `Ctx`).
        if self.ctx != Ctx::Checked {
            self.debug_check_ctx();
            return Ok(());
        }
        self.begin_scalar_slow(what)
    }

    /// A scalar written by `write`, with the checks `scalar!` skips (out of
    /// line: the inlined part of every scalar stays small).
    #[inline(never)]
    fn scalar_checked(&mut self, what: &str, write: impl FnOnce(&mut Emitter)) -> Result<()> {
        if self.ctx == Ctx::Plain {
            self.debug_check_ctx();
            write(&mut self.pk.em);
            return Ok(());
        }
        self.begin_scalar_slow(what)?;
        write(&mut self.pk.em);
        self.end_value()
    }

    #[inline(never)]
    fn begin_scalar_slow(&mut self, what: &str) -> Result<()> {
        self.check_top()?;
        self.shared = None;
        if !self.next.is_soft() {
            return Err(malformed(what));
        }
        self.set_next(Next::Plain);
        Ok(())
    }

    /// Finish a value: a complete top-level value is a complete pickle.
    #[inline]
    fn end_value(&mut self) -> Result<()> {
        if self.depth == 0 {
            if self.hold_finish {
                self.finish_held = true;
                return Ok(());
            }
            self.finish()
        } else {
            Ok(())
        }
    }

    /// Enter a nested level (containers, wrappers).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.abandon(too_deep()));
        }
        self.refresh_ctx();
        Ok(())
    }

    /// After an error inside a value: forget the value (its nesting, what
    /// was announced, the unfinished pickle), so that the next top-level
    /// value starts a new pickle rather than continuing this one.
    #[cold]
    fn abandon(&mut self, e: Error) -> Error {
        self.depth = 0;
        self.key_mode = 0;
        self.next = Next::Plain;
        self.shared = None;
        self.in_progress.clear();
        self.batch = Batch::idle();
        self.outer.clear();
        self.kinds.clear();
        self.pk = self.pk.fresh();
        self.refresh_ctx();
        e
    }

    #[inline]
    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
        // A plain `ctx` stays plain one level up, except at the top.
        if self.depth == 0 || self.ctx == Ctx::Checked {
            self.refresh_ctx();
        }
        self.debug_check_ctx();
    }

    /// `enter` from a plain nested value (`is_plain_nested`), where `ctx`
    /// stays as it is.
    #[inline(always)]
    fn enter_nested(&mut self) -> Result<()> {
        self.debug_check_ctx();
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.abandon(too_deep()));
        }
        Ok(())
    }

    /// Announce a shape for the next value (or none: `Next::Plain`).
    #[inline]
    fn set_next(&mut self, next: Next) {
        self.next = next;
        self.refresh_ctx();
    }

    /// Take the announced shape and shared id: the next value starts.
    #[inline]
    fn take_next(&mut self) -> (Next, Option<usize>) {
        let taken = (std::mem::take(&mut self.next), self.shared.take());
        self.refresh_ctx();
        taken
    }

    /// Recompute `ctx` after `depth`, `next` or `shared` changed.
    #[inline]
    fn refresh_ctx(&mut self) {
        self.ctx = self.computed_ctx();
    }

    fn computed_ctx(&self) -> Ctx {
        if self.depth == 0 || self.next != Next::Plain || self.shared.is_some() {
            Ctx::Checked
        } else {
            self.plain_ctx
        }
    }

    /// In debug builds: `ctx` is in step with what it is derived from.
    #[inline(always)]
    fn debug_check_ctx(&self) {
        debug_assert_eq!(self.ctx, self.computed_ctx());
    }

    /// Fail if a dict key or set item is being written: `kind` is unhashable.
    #[inline]
    fn hashable(&self, kind: &str) -> Result<()> {
        if self.key_mode > 0 {
            return Err(Error::message(format!(
                "unhashable type: '{kind}' (a dict key or set item must be hashable: \
                 use a tuple, a str, a number or a frozenset)"
            )));
        }
        Ok(())
    }

    #[inline]
    fn int(&mut self, v: i64) -> Result<()> {
        scalar!(self, "int", int, int4(v))
    }

    fn magic<T: ?Sized + Serialize>(&mut self, m: Magic, value: &T) -> Result<()> {
        use capture::capture;
        match m {
            Magic::Set | Magic::FrozenSet | Magic::ByteArray | Magic::SurrogateStr => {
                if !self.next.is_soft() {
                    return Err(malformed("set"));
                }
                self.set_next(match m {
                    Magic::Set => Next::Set,
                    Magic::FrozenSet => Next::FrozenSet,
                    Magic::ByteArray => Next::ByteArray,
                    _ => Next::SurrogateStr,
                });
                value.serialize(self)
            }
            Magic::Object => {
                let Hint::Object(kind, nargs) = shape_marker::take_hint() else {
                    return Err(malformed("object"));
                };
                if !self.next.is_soft() {
                    return Err(malformed("object"));
                }
                self.set_next(Next::Object(kind, nargs));
                value.serialize(self)
            }
            Magic::BigInt => {
                self.begin_scalar("int")?;
                let n = match capture(value)? {
                    capture::Captured::Bytes(le) => num_bigint::BigInt::from_signed_bytes_le(&le),
                    other => {
                        let digits = other.into_str()?;
                        num_bigint::BigInt::parse_bytes(digits.as_bytes(), 10).ok_or_else(|| {
                            Error::message(format!("invalid big int digits {digits:?}"))
                        })?
                    }
                };
                self.bigint(&n)?;
                self.end_value()
            }
            Magic::Complex => {
                self.check_top()?;
                let shared = self.shared.take();
                self.refresh_ctx();
                self.begin_scalar("complex")?;
                let (re, im) = capture(value)?.into_pair()?;
                self.pk.complex(re.as_f64()?, im.as_f64()?)?;
                if let Some(id) = shared {
                    self.pk.memoize_shared(id);
                }
                self.end_value()
            }
            Magic::Global => {
                // Globals are memoized by name, which covers shared ones too.
                self.begin_scalar("global")?;
                let (module, name) = capture(value)?.into_pair()?;
                self.pk.global(&module.into_str()?, &name.into_str()?)?;
                self.end_value()
            }
            Magic::Buffer => {
                self.begin_scalar("buffer")?;
                let (_index, readonly) = capture(value)?.into_pair()?;
                if self.pk.proto() < 5 {
                    return Err(Error::message(
                        "out-of-band buffers (NEXT_BUFFER) need protocol 5",
                    ));
                }
                self.pk.em.op(opcodes::NEXT_BUFFER);
                if readonly.as_bool()? {
                    self.pk.em.op(opcodes::READONLY_BUFFER);
                }
                self.end_value()
            }
            Magic::PersistentId => {
                // A shared persistent id (a pickle that memoized one) is
                // memoized again: rewriting it at every reference can blow
                // a small Value up exponentially (ids holding ids).
                let shared = self.shared.take();
                self.begin_scalar("persistent id")?;
                if self.pk.proto() >= 1 {
                    self.enter()?;
                    value.serialize(&mut *self).map_err(|e| self.abandon(e))?;
                    self.leave();
                    self.pk.em.op(opcodes::BINPERSID);
                } else {
                    let id = match capture(value)? {
                        capture::Captured::Str(s) => s,
                        capture::Captured::Int(i) => i.to_string(),
                        _ => {
                            return Err(Error::message(
                                "a protocol-0 persistent id must be a str or an int",
                            ))
                        }
                    };
                    if !id.is_ascii() || id.contains('\n') {
                        return Err(Error::message(
                            "a protocol-0 persistent id must be ASCII text without newlines",
                        ));
                    }
                    self.pk.em.persid(&id);
                }
                if let Some(id) = shared {
                    self.pk.memoize_shared(id);
                }
                self.end_value()
            }
            Magic::Shared => {
                let Hint::Shared(id) = shape_marker::take_hint() else {
                    return Err(malformed("shared value"));
                };
                self.check_top()?;
                if self.pk.fetch_shared(id) {
                    self.take_next();
                    return self.end_value();
                }
                let memo_len = self.pk.memo_len();
                // (A streaming run memoizes fewer entries; its dry run did
                // this check.)
                let streaming = self.pk.em.is_streaming();
                if !streaming && self.in_progress.iter().any(|&(i, m)| i == id && m == memo_len) {
                    return Err(Error::new(ErrorCode::Recursive));
                }
                self.in_progress.push((id, memo_len));
                self.shared = Some(id);
                self.refresh_ctx();
                let result = value.serialize(&mut *self);
                self.in_progress.pop();
                result
            }
        }
    }

    /// Bytes with something announced, or at the top level.
    #[inline(never)]
    fn bytes_slow(&mut self, v: &[u8]) -> Result<()> {
        self.check_top()?;
        let (next, shared) = self.take_next();
        if next == Next::ByteArray {
            self.hashable("bytearray")?;
            self.pk.bytearray(v)?;
            if let Some(id) = shared {
                self.pk.memoize_shared(id);
            }
        } else if next == Next::SurrogateStr {
            // Never a singleton: a lone surrogate is above U+00FF.
            self.pk.em.str_surrogatepass(v)?;
            if let Some(id) = shared {
                self.pk.memoize_shared(id);
            }
        } else if !next.is_soft() {
            return Err(malformed("bytes"));
        } else {
            match shared {
                Some(id) if !self.pk.bytes_shared_by_content(v) => {
                    self.pk.fresh_bytes(v)?;
                    self.pk.memoize_shared(id);
                }
                _ => self.pk.bytes(v)?,
            }
        }
        self.end_value()
    }

    /// A str with something announced, or at the top level.
    #[inline(never)]
    fn str_slow(&mut self, v: &str) -> Result<()> {
        self.check_top()?;
        let (next, shared) = self.take_next();
        if !next.is_soft() {
            return Err(malformed("str"));
        }
        match (next, shared) {
            // A shared key keeps its sharing when not sharing by content.
            (Next::InternedKey, shared) if shared.is_none() || self.pk.shares_by_content() => {
                self.pk.state_key(v)?
            }
            (_, Some(id)) if !self.pk.str_shared_by_content(v) => {
                self.pk.em.str(v)?;
                self.pk.memoize_shared(id);
            }
            _ => self.pk.str(v)?,
        }
        self.end_value()
    }

    /// Inside a container, with nothing announced for the next value: the
    /// common case, where values need none of the checks of `begin_scalar`.
    #[inline(always)]
    pub(super) fn is_plain_nested(&self) -> bool {
        self.debug_check_ctx();
        self.ctx != Ctx::Checked
    }

    /// An int beyond 128 bits.
    fn bigint(&mut self, n: &num_bigint::BigInt) -> Result<()> {
        if let Ok(small) = i64::try_from(n) {
            self.pk.em.int(small);
        } else if self.pk.proto() >= 2 {
            self.pk.em.long_le(&n.to_signed_bytes_le());
        } else {
            // Protocols 0 and 1 write ints in decimal, and CPython reads no
            // more than 4300 digits.
            match crate::codec::repr::bigint_decimal(n) {
                Some(d) => self.pk.em.long_text(|b| b.extend_from_slice(d.as_bytes())),
                None => {
                    return Err(Error::message(format!(
                        "an int of {} bits has more than 4300 decimal digits, which CPython \
                         cannot read at protocol {} (use protocol 2 or higher)",
                        n.bits(),
                        self.pk.proto()
                    )))
                }
            }
        }
        Ok(())
    }
}

/// Whether a str of 2 to 255 bytes is never a CPython singleton (those are
/// at most one char below U+0100: of 2 bytes or more, only a 2-byte char of
/// U+0080..=U+00FF, whose UTF-8 starts with 0xC2 or 0xC3). Strs of 3 bytes
/// or more, the common case, take one test.
#[inline(always)]
fn is_short_plain_str(v: &str) -> bool {
    (3..=0xff).contains(&v.len()) || (v.len() == 2 && v.as_bytes()[0] & 0xfe != 0xc2)
}

#[cold]
#[inline(never)]
fn too_deep() -> Error {
    Error::limit(format!("value nested deeper than {MAX_DEPTH} levels cannot be pickled"))
}

#[cold]
#[inline(never)]
fn malformed(what: &str) -> Error {
    Error::message(format!("malformed serde_pickle special value (unexpected {what})"))
}

macro_rules! small_ints {
    ($($method:ident: $t:ty),*) => {$(
        #[inline]
        fn $method(self, v: $t) -> Result<()> {
            self.int(i64::from(v))
        }
    )*};
}

impl<'a, W: io::Write> ser::Serializer for &'a mut Serializer<W> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a, W>;
    type SerializeTuple = Compound<'a, W>;
    type SerializeTupleStruct = Compound<'a, W>;
    type SerializeTupleVariant = Compound<'a, W>;
    type SerializeMap = Compound<'a, W>;
    type SerializeStruct = Compound<'a, W>;
    type SerializeStructVariant = Compound<'a, W>;

    small_ints!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
                serialize_u8: u8, serialize_u16: u16, serialize_u32: u32);

    #[inline]
    fn serialize_u64(self, v: u64) -> Result<()> {
        match i64::try_from(v) {
            Ok(v) => self.int(v),
            Err(_) => self.serialize_u128(u128::from(v)),
        }
    }

    fn serialize_i128(self, v: i128) -> Result<()> {
        scalar!(self, "int", int128, int128(v))
    }

    fn serialize_u128(self, v: u128) -> Result<()> {
        scalar!(self, "int", uint128, uint128(v))
    }

    #[inline]
    fn serialize_bool(self, v: bool) -> Result<()> {
        scalar!(self, "bool", bool, bool4(v))
    }

    #[inline]
    fn serialize_f32(self, v: f32) -> Result<()> {
        self.serialize_f64(f64::from(v))
    }

    #[inline]
    fn serialize_f64(self, v: f64) -> Result<()> {
        scalar!(self, "float", float, float4(v))
    }

    fn serialize_char(self, v: char) -> Result<()> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }

    #[inline]
    fn serialize_str(self, v: &str) -> Result<()> {
        if is_short_plain_str(v) && self.ctx == Ctx::Plain4 {
            // Not a singleton (those are at most one char, see
            // `Pickler::str`): nothing to look up.
            self.debug_check_ctx();
            self.pk.em.short_str(v);
            return Ok(());
        }
        self.str_other(v)
    }

    #[inline]
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        if self.is_plain_nested() && v.len() <= self.long_above {
            return self.pk.bytes(v);
        }
        self.long_bytes(v)
    }

    #[inline]
    fn serialize_none(self) -> Result<()> {
        scalar!(self, "None", none, none())
    }

    #[inline]
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<()> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<()> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<()> {
        self.serialize_none()
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.begin_scalar("enum")?;
        self.pk.name(variant)?;
        self.end_value()
    }

    #[inline]
    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if name == crate::py::numpy::ser::MARK {
            let t = crate::py::numpy::ser::Target {
                protocol: self.get_protocol(),
                legacy: self.numpy_legacy,
            };
            crate::py::numpy::ser::set_target(t);
        }
        match shape_marker::magic(name) {
            None => value.serialize(self),
            Some(m) => self.magic(m, value).map_err(|e| self.abandon(e)),
        }
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<()> {
        self.begin_scalar("enum")?;
        self.hashable("dict")?;
        self.pk.em.empty_dict();
        self.pk.name(variant)?;
        self.enter()?;
        value.serialize(&mut *self).map_err(|e| self.abandon(e))?;
        self.leave();
        self.pk.em.op(opcodes::SETITEM);
        self.end_value()
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn serialize_seq(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        Compound::seq(self, len)
    }

    fn serialize_tuple(self, len: usize) -> Result<Compound<'a, W>> {
        Compound::tuple(self, len, false)
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Compound<'a, W>> {
        Compound::tuple(self, len, false)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>> {
        self.variant_head(variant)?;
        Compound::tuple(self, len, true)
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn serialize_map(self, len: Option<usize>) -> Result<Compound<'a, W>> {
        Compound::map(self, len, false)
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Compound<'a, W>> {
        if self.next == Next::Plain {
            // (Inlined: a plain struct's `Compound` is built in place.)
            return Compound::map(self, Some(len), false);
        }
        if let Next::Object(kind, nargs) = self.next {
            self.set_next(Next::Plain);
            return Compound::object(self, kind, nargs);
        }
        Compound::map(self, Some(len), false)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Compound<'a, W>> {
        self.variant_head(variant)?;
        Compound::map(self, Some(len), true)
    }
}

impl<W: io::Write> Serializer<W> {
    /// A str that is not a short non-singleton in a plain container at
    /// protocol 4+ (out of line: `serialize_str` stays small enough to be
    /// inlined into every `String` field).
    #[inline(never)]
    fn str_other(&mut self, v: &str) -> Result<()> {
        if self.is_plain_nested() && v.len() <= self.long_above {
            return self.pk.str(v);
        }
        self.long_str(v)
    }

    /// A str not in a plain container, or one longer than a frame when
    /// streaming. Out of line, so that `serialize_str` stays as small as
    /// before streaming and is inlined into the buffered writer's callers.
    #[inline(never)]
    fn long_str(&mut self, v: &str) -> Result<()> {
        if v.len() > self.long_above {
            return self.long_payload(v.as_bytes(), |ser| ser.str_any(v));
        }
        self.str_slow(v)
    }

    /// Bytes not in a plain container, or longer than a frame when
    /// streaming (see `long_str`).
    #[inline(never)]
    fn long_bytes(&mut self, v: &[u8]) -> Result<()> {
        if v.len() > self.long_above {
            return self.long_payload(v, |ser| ser.bytes_any(v));
        }
        self.bytes_slow(v)
    }

    /// A str that is not a short one in a plain container.
    #[inline]
    fn str_any(&mut self, v: &str) -> Result<()> {
        if self.is_plain_nested() {
            return self.pk.str(v);
        }
        self.str_slow(v)
    }

    #[inline]
    fn bytes_any(&mut self, v: &[u8]) -> Result<()> {
        if self.is_plain_nested() {
            return self.pk.bytes(v);
        }
        self.bytes_slow(v)
    }

    /// `{'Variant': ` of a tuple or struct variant.
    fn variant_head(&mut self, variant: &'static str) -> Result<()> {
        self.check_top()?;
        if !self.next.is_soft() {
            return Err(malformed("enum"));
        }
        self.shared = None;
        self.set_next(Next::Plain);
        self.hashable("dict")?;
        self.pk.em.empty_dict();
        self.pk.name(variant)
    }
}

/// Serialize `value` as a protocol-5 pickle.
///
/// ```
/// let bytes = serde_pickle::to_vec(&(1, "a")).unwrap();
/// // pickletools.optimize(pickle.dumps((1, 'a'), protocol=5))
/// assert_eq!(bytes, b"\x80\x05\x95\x07\x00\x00\x00\x00\x00\x00\x00K\x01\x8c\x01a\x86.");
/// ```
pub fn to_vec<T: ?Sized + Serialize>(value: &T) -> Result<Vec<u8>> {
    to_vec_with(value, &SerOptions::default())
}

/// Serialize `value` as a pickle with the given options.
///
/// ```
/// use serde_pickle::{to_vec_with, SerOptions};
/// let bytes = to_vec_with(&vec!["a", "a"], &SerOptions::new().protocol(0)).unwrap();
/// assert_eq!(bytes, b"(lVa\np0\nag0\na.");
/// ```
pub fn to_vec_with<T: ?Sized + Serialize>(value: &T, options: &SerOptions) -> Result<Vec<u8>> {
    options.check()?;
    let mut ser = Serializer::with_options(io::sink(), options);
    ser.collect = true;
    value.serialize(&mut ser)?;
    ser.collected.take().ok_or_else(|| Error::message("the value serialized to nothing"))
}

/// Serialize `value` as a protocol-5 pickle into `writer`.
///
/// The bytes are [`to_vec`]'s. At protocol 4 and later they are written
/// frame by frame (64 KiB frames; a str or bytes longer than a frame goes
/// from the value to the writer directly), so the extra memory is a few
/// frames plus the memo and name tables, whatever the size of the pickle.
/// To get there the value is serialized twice: a dry run that writes
/// nothing finds what the buffered writer fixes up after the fact (which
/// field names and one-character strs come again and are memoized, which
/// memo entries are fetched, containers whose length hint was wrong), then
/// the writing run. That costs time (about twice [`to_vec`] for many small
/// items, little for large payloads); a `Serialize` that writes something
/// different the second time gets an error, after some bytes were written.
/// When memory is no concern, `writer.write_all(&to_vec(value)?)` is the
/// faster way to the same bytes.
/// Below protocol 4 (no frames) the pickle is built in memory and written
/// with one `write_all`.
///
/// Writes are frame-sized: wrap an unbuffered writer in a `BufWriter` only
/// if you write many small pickles.
///
/// ```
/// let mut out = Vec::new();
/// serde_pickle::to_writer(&mut out, &None::<u8>).unwrap();
/// assert_eq!(out, b"\x80\x05N.");
/// ```
pub fn to_writer<W: io::Write, T: ?Sized + Serialize>(writer: W, value: &T) -> Result<()> {
    to_writer_with(writer, value, &SerOptions::default())
}

/// Serialize `value` as a pickle with the given options into `writer`:
/// streaming at protocol 4+ (see [`to_writer`]).
///
/// ```
/// use serde_pickle::{to_writer_with, SerOptions};
/// let mut out = Vec::new();
/// to_writer_with(&mut out, &-1, &SerOptions::new().protocol(1)).unwrap();
/// assert_eq!(out, b"J\xff\xff\xff\xff.");
/// ```
pub fn to_writer_with<W: io::Write, T: ?Sized + Serialize>(
    writer: W,
    value: &T,
    options: &SerOptions,
) -> Result<()> {
    options.check()?;
    if options.get_protocol() < 4 {
        // No frames: the pickle is built in memory and written at once.
        let mut ser = Serializer::with_options(writer, options);
        return value.serialize(&mut ser);
    }
    // Frame by frame (see `crate::codec::stream`): a dry run decides what
    // the buffered writer would fix up after the fact, the second run writes.
    let plan = {
        // (Dropped before the writing run: its buffer goes with it.)
        let mut dry = Serializer::planned(io::sink(), options, None);
        value.serialize(&mut dry)?;
        dry.pk.take_plan()
    };
    let plan = plan.ok_or_else(|| Error::message("the value serialized to nothing"))?;
    let mut ser = Serializer::planned(writer, options, Some(plan));
    value.serialize(&mut ser)
}
