//! The serializer's compound values: lists, tuples, dicts (maps and
//! structs), sets, enum variants, and the parts of a [`crate::value::Object`].

use std::io;

use serde::ser::{self, Serialize};

use super::object::ObjectWriter;
use super::{malformed, Next, Serializer};
use crate::codec::emit::{Batch, BatchKind};
use crate::codec::opcodes::{FROZENSET, POP, POP_MARK, REDUCE, SETITEM};
use crate::error::{Error, Result};
use crate::value::ObjectKind;

/// The state of a compound value being written by [`Serializer`].
///
/// What `&mut Serializer`'s `serialize_seq`/`serialize_map`/... methods
/// return (serde's `SerializeSeq`, `SerializeMap`, ...).
///
/// ```
/// use serde::ser::{SerializeSeq, Serializer as _};
/// let mut ser = serde_pickle::Serializer::new(Vec::new()).protocol(2);
/// let mut seq: serde_pickle::Compound<'_, Vec<u8>> = (&mut ser).serialize_seq(Some(1)).unwrap();
/// seq.serialize_element(&7u8).unwrap();
/// seq.end().unwrap();
/// // pickletools.optimize(pickle.dumps([7], protocol=2))
/// assert_eq!(ser.into_inner(), b"\x80\x02]K\x07a.");
/// ```
pub struct Compound<'a, W> {
    ser: &'a mut Serializer<W>,
    /// Which of the short paths applies: one explicit byte to test per item.
    /// The rest of the state is in the serializer (`Serializer::batch` and
    /// `Serializer::kinds`): a `Compound` fits in two registers, so serde's
    /// `serialize_seq`/`serialize_struct` return it without copying a large
    /// value through the stack (each such copy, read back right after it
    /// was written in pieces, stalled the CPU).
    fast: Fast,
}

/// The short path a compound's items take.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fast {
    /// A plain list: each element is counted and written.
    List,
    /// A plain dict: each field is a name and a value.
    Dict,
    /// A tuple (not a state): each element is counted in its [`Open`].
    Tuple,
    /// Anything else: see `other_element` / `other_field`.
    Other,
}

/// A compound that takes the general path (`Fast::Tuple` and
/// `Fast::Other`), on the serializer's stack of them.
pub(super) struct Open {
    kind: Kind,
    /// A `{'Variant': ...}` wrapper to close with SETITEM.
    variant: bool,
}

enum Kind {
    /// List items, or items appended to an object.
    List,
    /// Dict items, or items set on an object; `interned`: a state dict, whose
    /// str keys `BUILD` interns.
    Dict {
        interned: bool,
    },
    Tuple {
        len: usize,
        count: usize,
        shared: Option<usize>,
        state: bool,
    },
    Set {
        frozen: bool,
        shared: Option<usize>,
    },
    /// Items pushed with no container (arguments of INST/OBJ and friends).
    Bare,
    /// Object states, each followed by BUILD.
    States,
    /// Calls made for their effects ([`crate::value::Object::effects`]),
    /// each followed by POP.
    Effects,
    Object(ObjectWriter),
}

impl<'a, W: io::Write> Compound<'a, W> {
    #[inline]
    fn new(ser: &'a mut Serializer<W>, kind: Kind, variant: bool) -> Result<Self> {
        Self::with_batch(ser, kind, Batch::idle(), variant)
    }

    /// Open a compound that takes the general path (or a plain one whose
    /// opening was not inlined).
    fn with_batch(
        ser: &'a mut Serializer<W>,
        kind: Kind,
        batch: Batch,
        variant: bool,
    ) -> Result<Self> {
        let fast = match kind {
            _ if variant => Fast::Other,
            Kind::List => return Self::plain(ser, Fast::List, batch),
            Kind::Dict { interned: false } => return Self::plain(ser, Fast::Dict, batch),
            Kind::Tuple { state: false, .. } => Fast::Tuple,
            _ => Fast::Other,
        };
        ser.enter()?;
        ser.outer.push(std::mem::replace(&mut ser.batch, batch));
        ser.kinds.push(Open { kind, variant });
        Ok(Compound { ser, fast })
    }

    /// Open a plain list or dict: its state is all in `batch`.
    fn plain(ser: &'a mut Serializer<W>, fast: Fast, batch: Batch) -> Result<Self> {
        ser.enter()?;
        ser.outer.push(std::mem::replace(&mut ser.batch, batch));
        Ok(Compound { ser, fast })
    }

    /// `plain` for a list or dict in a plain nested value (inlined).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn plain_nested(ser: &'a mut Serializer<W>, fast: Fast, batch: Batch) -> Result<Self> {
        ser.enter_nested()?;
        ser.outer.push(std::mem::replace(&mut ser.batch, batch));
        Ok(Compound { ser, fast })
    }

    /// `serialize_seq`: a list, or a shape announced by a magic newtype.
    /// A plain list is inlined into its caller: the `Compound` is then
    /// built in place, not returned and moved (it is not small). Not in
    /// debug builds, where inlining adds to every nesting level's stack
    /// frame (1024 levels must fit a test thread's 2 MiB stack).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(super) fn seq(ser: &'a mut Serializer<W>, len: Option<usize>) -> Result<Self> {
        if ser.is_plain_nested() && ser.key_mode == 0 {
            ser.pk.em.empty_list();
            let batch = ser.pk.em.batch_begin(BatchKind::List, len);
            return Self::plain_nested(ser, Fast::List, batch);
        }
        Self::seq_slow(ser, len)
    }

    #[inline(never)]
    fn seq_slow(ser: &'a mut Serializer<W>, len: Option<usize>) -> Result<Self> {
        ser.check_top()?;
        let (next, shared) = ser.take_next();
        let (kind, batch) = match next {
            next @ (Next::Set | Next::FrozenSet) => {
                return Self::set(ser, len, next == Next::FrozenSet, shared);
            }
            Next::BareItems => (Kind::Bare, Batch::idle()),
            Next::ObjListItems => (Kind::List, Batch::new(BatchKind::ObjList, len)),
            Next::States => (Kind::States, Batch::idle()),
            Next::Effects => (Kind::Effects, Batch::idle()),
            next if next.is_soft() => {
                ser.hashable("list")?;
                ser.pk.em.empty_list();
                if let Some(id) = shared {
                    ser.pk.memoize_shared(id);
                }
                (Kind::List, ser.pk.em.batch_begin(BatchKind::List, len))
            }
            _ => return Err(malformed("sequence")),
        };
        Self::with_batch(ser, kind, batch, false)
    }

    fn set(
        ser: &'a mut Serializer<W>,
        len: Option<usize>,
        frozen: bool,
        shared: Option<usize>,
    ) -> Result<Self> {
        if !frozen {
            ser.hashable("set")?;
        }
        let batch = ser.pk.set_begin(frozen, len)?;
        if let Some(id) = shared {
            if !frozen && ser.pk.proto() >= 4 {
                // A mutable set is memoized before its items (save_set).
                ser.pk.memoize_shared(id);
                return Self::with_batch(ser, Kind::Set { frozen, shared: None }, batch, false);
            }
        }
        Self::with_batch(ser, Kind::Set { frozen, shared }, batch, false)
    }

    /// `serialize_tuple`: a tuple, or bare items for an object's arguments.
    pub(super) fn tuple(ser: &'a mut Serializer<W>, len: usize, variant: bool) -> Result<Self> {
        ser.check_top()?;
        let (next, shared) = ser.take_next();
        let kind = match next {
            Next::BareItems => Kind::Bare,
            next if next.is_soft() => {
                let state = next == Next::StateValue;
                if len == 0 {
                    // `()` is a singleton that is never memoized.
                    ser.pk.em.empty_tuple();
                    Kind::Tuple { len, count: 0, shared: None, state }
                } else {
                    if !ser.pk.em.small_tuple(len) {
                        ser.pk.em.op(crate::codec::opcodes::MARK);
                    }
                    Kind::Tuple { len, count: 0, shared, state }
                }
            }
            _ => return Err(malformed("tuple")),
        };
        Self::new(ser, kind, variant)
    }

    /// `serialize_map` / `serialize_struct`: a dict (a plain one inlined,
    /// as in `seq`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    pub(super) fn map(
        ser: &'a mut Serializer<W>,
        len: Option<usize>,
        variant: bool,
    ) -> Result<Self> {
        if !variant && ser.is_plain_nested() && ser.key_mode == 0 {
            ser.pk.em.empty_dict();
            let batch = ser.pk.em.batch_begin(BatchKind::Dict, len);
            return Self::plain_nested(ser, Fast::Dict, batch);
        }
        Self::map_slow(ser, len, variant)
    }

    #[inline(never)]
    fn map_slow(ser: &'a mut Serializer<W>, len: Option<usize>, variant: bool) -> Result<Self> {
        ser.check_top()?;
        let (next, shared) = ser.take_next();
        let (kind, batch) = match next {
            Next::ObjDictItems => {
                (Kind::Dict { interned: false }, Batch::new(BatchKind::ObjDict, len))
            }
            next if next.is_soft() => {
                if !variant {
                    ser.hashable("dict")?;
                }
                ser.pk.em.empty_dict();
                if let Some(id) = shared {
                    ser.pk.memoize_shared(id);
                }
                let interned = next == Next::StateValue;
                (Kind::Dict { interned }, ser.pk.em.batch_begin(BatchKind::Dict, len))
            }
            _ => return Err(malformed("map")),
        };
        Self::with_batch(ser, kind, batch, variant)
    }

    /// An object (`serialize_struct` announced by the object magic).
    pub(super) fn object(
        ser: &'a mut Serializer<W>,
        kind: ObjectKind,
        nargs: usize,
    ) -> Result<Self> {
        ser.check_top()?;
        let (_, shared) = ser.take_next();
        let writer = ObjectWriter::new(ser, kind, nargs, shared);
        Self::new(ser, Kind::Object(writer), false)
    }

    /// Write one item of a sequence-like compound. Lists and tuples take the
    /// short path: this frame is on the stack once per nesting level.
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let ser = &mut *self.ser;
        match self.fast {
            Fast::List => {
                if ser.pk.em.batch_item(&mut ser.batch) {
                    ser.event_flush();
                }
            }
            Fast::Tuple => {
                match ser.kinds.last_mut() {
                    Some(Open { kind: Kind::Tuple { count, .. }, .. }) => *count += 1,
                    _ => return Err(malformed("tuple item")),
                }
                ser.maybe_flush();
            }
            _ => return Self::other_element(ser, value),
        }
        // One call site: the inliner then takes the item's code in whole.
        value.serialize(&mut *ser)
    }

    /// Takes the serializer, not `&mut self`: a `Compound` whose address
    /// never leaves the inlined item code stays in registers (an escaped one
    /// is reloaded from the stack at every item).
    #[inline(never)]
    fn other_element<T: ?Sized + Serialize>(ser: &mut Serializer<W>, value: &T) -> Result<()> {
        let Some(open) = ser.kinds.last_mut() else {
            return Err(malformed("sequence item"));
        };
        match &mut open.kind {
            Kind::List => {
                ser.pk.em.batch_item(&mut ser.batch);
                ser.maybe_flush();
                value.serialize(&mut *ser)
            }
            Kind::Tuple { count, state, .. } => {
                *count += 1;
                let state = *state;
                ser.maybe_flush();
                if state {
                    ser.set_next(Next::StateValue);
                }
                value.serialize(&mut *ser)
            }
            Kind::Set { frozen, .. } => {
                let frozen = *frozen;
                ser.pk.set_item(frozen, &mut ser.batch);
                ser.maybe_flush();
                in_key_mode(ser, value)
            }
            Kind::Bare => value.serialize(&mut *ser),
            Kind::States => {
                ser.set_next(Next::StateValue);
                value.serialize(&mut *ser)?;
                ser.pk.em.op(crate::codec::opcodes::BUILD);
                Ok(())
            }
            Kind::Effects => {
                ser.effect_next = true;
                let written = value.serialize(&mut *ser);
                ser.effect_next = false;
                written?;
                ser.pk.em.op(POP);
                Ok(())
            }
            Kind::Dict { .. } | Kind::Object(_) => Err(malformed("sequence item")),
        }
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        if self.fast == Fast::Dict {
            // A plain dict: no interned keys.
            let ser = &mut *self.ser;
            if ser.pk.em.batch_item(&mut ser.batch) {
                ser.event_flush();
            }
            return in_key_mode(ser, key);
        }
        Self::other_key(self.ser, key)
    }

    #[inline(never)]
    fn other_key<T: ?Sized + Serialize>(ser: &mut Serializer<W>, key: &T) -> Result<()> {
        let interned = match ser.kinds.last() {
            Some(Open { kind: Kind::Dict { interned }, .. }) => *interned,
            _ => return Err(malformed("map key")),
        };
        ser.pk.em.batch_item(&mut ser.batch);
        ser.maybe_flush();
        if interned {
            ser.set_next(Next::InternedKey);
        }
        let result = in_key_mode(ser, key);
        if interned {
            // In case the key took no str (an int key, say).
            ser.set_next(Next::Plain);
        }
        result
    }

    /// Write one field of a struct: a plain dict's take the short path.
    #[inline(always)]
    fn field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) -> Result<()> {
        if self.fast == Fast::Dict {
            let ser = &mut *self.ser;
            if ser.pk.em.batch_item(&mut ser.batch) {
                ser.event_flush();
            }
            ser.pk.name(name)?;
            return value.serialize(&mut *ser);
        }
        Self::other_field(self.ser, name, value)
    }

    #[inline(never)]
    fn other_field<T: ?Sized + Serialize>(
        ser: &mut Serializer<W>,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        // Off the stack while the field is written: the object writer needs
        // the serializer (and what the value opens is closed before it
        // returns, so the stack is as it was then).
        let Some(mut open) = ser.kinds.pop() else {
            return Err(malformed("struct field"));
        };
        let result = match &mut open.kind {
            Kind::Dict { interned } => {
                ser.pk.em.batch_item(&mut ser.batch);
                ser.maybe_flush();
                let named = if *interned { ser.pk.state_key(name) } else { ser.pk.name(name) };
                named.and_then(|()| value.serialize(&mut *ser))
            }
            Kind::Object(writer) => writer.field(ser, name, value),
            _ => Err(malformed("struct field")),
        };
        ser.kinds.push(open);
        result
    }

    /// Close the compound: a plain list or dict takes the short path
    /// (inlined: see `seq`).
    #[cfg_attr(not(debug_assertions), inline(always))]
    fn end_any(self) -> Result<()> {
        if matches!(self.fast, Fast::List | Fast::Dict) {
            let ser = self.ser;
            ser.pk.em.batch_end(&ser.batch);
            ser.batch = ser.outer.pop().unwrap_or_else(Batch::idle);
            ser.leave();
            return ser.end_value();
        }
        self.finish()
    }

    #[inline(never)]
    fn finish(self) -> Result<()> {
        let ser = self.ser;
        let Some(Open { kind, variant }) = ser.kinds.pop() else {
            return Err(ser.abandon(malformed("end of a compound")));
        };
        let batch = std::mem::replace(&mut ser.batch, ser.outer.pop().unwrap_or_else(Batch::idle));
        if let Err(e) = Self::close(ser, kind, &batch) {
            return Err(ser.abandon(e));
        }
        if variant {
            ser.pk.em.op(SETITEM);
        }
        ser.leave();
        ser.end_value()
    }

    /// Write what closes a compound of this kind.
    fn close(ser: &mut Serializer<W>, kind: Kind, batch: &Batch) -> Result<()> {
        match kind {
            Kind::List | Kind::Dict { .. } => ser.pk.em.batch_end(batch),
            Kind::Tuple { len, count, shared, .. } => {
                if count != len {
                    return Err(Error::message(format!(
                        "tuple announced {len} items but had {count}"
                    )));
                }
                if len > 0 {
                    close_tuple(ser, len, shared);
                }
            }
            Kind::Set { frozen, shared } => close_set(ser, batch, frozen, shared),
            Kind::Bare | Kind::States | Kind::Effects => {}
            Kind::Object(writer) => writer.end(ser)?,
        }
        Ok(())
    }
}

/// Serialize a dict key or set item, which must be hashable.
#[inline]
fn in_key_mode<W: io::Write, T: ?Sized + Serialize>(
    ser: &mut Serializer<W>,
    key: &T,
) -> Result<()> {
    // Restored, not decremented: an object failing inside the key
    // (src/ser/object.rs) leaves key_mode as it set it.
    let saved = ser.key_mode;
    ser.key_mode = saved + 1;
    let result = key.serialize(&mut *ser);
    ser.key_mode = saved;
    result
}

/// TUPLE/TUPLE1-3 and memoize, or (when the tuple got memoized while its
/// items were written: a cycle) drop the items and fetch it (save_tuple).
fn close_tuple<W: io::Write>(ser: &mut Serializer<W>, len: usize, shared: Option<usize>) {
    if let Some(id) = shared {
        if ser.pk.is_shared_memoized(id) {
            ser.pk.em.pop_tuple_items(len);
            ser.pk.fetch_shared(id);
            return;
        }
    }
    ser.pk.em.tuple_end(len);
    if let Some(id) = shared {
        ser.pk.memoize_shared(id);
    }
}

/// Close a set or frozenset (see [`crate::codec::pickler::Pickler::set_begin`]).
fn close_set<W: io::Write>(
    ser: &mut Serializer<W>,
    batch: &Batch,
    frozen: bool,
    shared: Option<usize>,
) {
    let recursive = shared.filter(|&id| ser.pk.is_shared_memoized(id));
    let em = &mut ser.pk.em;
    if em.proto() >= 4 {
        if !frozen {
            em.batch_end(batch);
            return;
        }
        if let Some(id) = recursive {
            em.op(POP_MARK);
            ser.pk.fetch_shared(id);
            return;
        }
        em.op(FROZENSET);
    } else {
        em.batch_end(batch);
        em.tuple_end(1);
        em.op(REDUCE);
        if let Some(id) = recursive {
            em.op(POP);
            ser.pk.fetch_shared(id);
            return;
        }
    }
    if let Some(id) = shared {
        ser.pk.memoize_shared(id);
    }
}

/// The sequence and struct traits: each item through `element` or
/// `field`; an error leaves the serializer reusable (`abandon`).
macro_rules! compound_impls {
    ($($trait:ident :: $method:ident($($name:ident)?) => $how:ident;)*) => {$(
        impl<W: io::Write> ser::$trait for Compound<'_, W> {
            type Ok = ();
            type Error = Error;

            // Inlined in release builds (see `seq`): items are then written
            // without a call each; debug builds keep their frames small.
            #[cfg_attr(not(debug_assertions), inline(always))]
            fn $method<T: ?Sized + Serialize>(
                &mut self,
                $($name: &'static str,)?
                value: &T,
            ) -> Result<()> {
                self.$how($($name,)? value).map_err(|e| self.ser.abandon(e))
            }

            #[cfg_attr(not(debug_assertions), inline(always))]
            fn end(self) -> Result<()> {
                self.end_any()
            }
        }
    )*};
}

compound_impls! {
    SerializeSeq::serialize_element() => element;
    SerializeTuple::serialize_element() => element;
    SerializeTupleStruct::serialize_field() => element;
    SerializeTupleVariant::serialize_field() => element;
    SerializeStruct::serialize_field(name) => field;
    SerializeStructVariant::serialize_field(name) => field;
}

impl<W: io::Write> ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.key(key).map_err(|e| self.ser.abandon(e))
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser).map_err(|e| self.ser.abandon(e))
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn serialize_entry<K: ?Sized + Serialize, V: ?Sized + Serialize>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<()> {
        let r = match self.key(key) {
            Ok(()) => value.serialize(&mut *self.ser),
            e => e,
        };
        r.map_err(|e| self.ser.abandon(e))
    }

    #[cfg_attr(not(debug_assertions), inline(always))]
    fn end(self) -> Result<()> {
        self.end_any()
    }
}
