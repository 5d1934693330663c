//! The serializer's compound values: lists, tuples, dicts (maps and
//! structs), sets, enum variants, and the parts of a [`crate::value::Object`].

use std::io;

use serde::ser::{self, Serialize};

use super::object::ObjectWriter;
use super::{malformed, Next, Serializer};
use crate::codec::emit::{Batch, BatchKind};
use crate::codec::opcodes::{FROZENSET, POP, POP_MARK, REDUCE, SETITEM};
use crate::error::{Error, Result};
use crate::magic::ObjectHint;

/// The state of a compound value being written by [`Serializer`].
///
/// Returned by the `serialize_seq`/`serialize_map`/... methods; not used directly.
pub struct Compound<'a, W> {
    ser: &'a mut Serializer<W>,
    kind: Kind,
    /// A `{'Variant': ...}` wrapper to close with SETITEM.
    variant: bool,
}

enum Kind {
    /// List items, or items appended to an object.
    List(Batch),
    /// Dict items, or items set on an object; `interned`: a state dict, whose
    /// str keys `BUILD` interns.
    Dict {
        batch: Batch,
        interned: bool,
    },
    Tuple {
        len: usize,
        count: usize,
        shared: Option<usize>,
        state: bool,
    },
    Set {
        batch: Batch,
        frozen: bool,
        shared: Option<usize>,
    },
    /// Items pushed with no container (arguments of INST/OBJ and friends).
    Bare,
    /// Object states, each followed by BUILD.
    States,
    Object(ObjectWriter),
}

impl<'a, W: io::Write> Compound<'a, W> {
    #[inline]
    fn new(ser: &'a mut Serializer<W>, kind: Kind, variant: bool) -> Result<Self> {
        ser.enter()?;
        Ok(Compound { ser, kind, variant })
    }

    /// `serialize_seq`: a list, or a shape announced by a magic newtype.
    pub(super) fn seq(ser: &'a mut Serializer<W>, len: Option<usize>) -> Result<Self> {
        if ser.is_plain_nested() && ser.key_mode == 0 {
            ser.pk.em.empty_list();
            return Self::new(ser, Kind::List(Batch::new(BatchKind::List, len)), false);
        }
        ser.check_top()?;
        let shared = ser.shared.take();
        let kind = match std::mem::take(&mut ser.next) {
            next @ (Next::Set | Next::FrozenSet) => {
                return Self::set(ser, len, next == Next::FrozenSet, shared);
            }
            Next::BareItems => Kind::Bare,
            Next::ObjListItems => Kind::List(Batch::new(BatchKind::ObjList, len)),
            Next::States => Kind::States,
            next if next.is_soft() => {
                ser.hashable("list")?;
                ser.pk.em.empty_list();
                if let Some(id) = shared {
                    ser.pk.memoize_shared(id);
                }
                Kind::List(Batch::new(BatchKind::List, len))
            }
            _ => return Err(malformed("sequence")),
        };
        Self::new(ser, kind, false)
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
                return Self::new(ser, Kind::Set { batch, frozen, shared: None }, false);
            }
        }
        Self::new(ser, Kind::Set { batch, frozen, shared }, false)
    }

    /// `serialize_tuple`: a tuple, or bare items for an object's arguments.
    pub(super) fn tuple(ser: &'a mut Serializer<W>, len: usize, variant: bool) -> Result<Self> {
        ser.check_top()?;
        let shared = ser.shared.take();
        let kind = match std::mem::take(&mut ser.next) {
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

    /// `serialize_map` / `serialize_struct`: a dict.
    pub(super) fn map(
        ser: &'a mut Serializer<W>,
        len: Option<usize>,
        variant: bool,
    ) -> Result<Self> {
        if !variant && ser.is_plain_nested() && ser.key_mode == 0 {
            ser.pk.em.empty_dict();
            let batch = Batch::new(BatchKind::Dict, len);
            return Self::new(ser, Kind::Dict { batch, interned: false }, false);
        }
        ser.check_top()?;
        let shared = ser.shared.take();
        let kind = match std::mem::take(&mut ser.next) {
            Next::ObjDictItems => {
                Kind::Dict { batch: Batch::new(BatchKind::ObjDict, len), interned: false }
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
                Kind::Dict { batch: Batch::new(BatchKind::Dict, len), interned }
            }
            _ => return Err(malformed("map")),
        };
        Self::new(ser, kind, variant)
    }

    /// An object (`serialize_struct` announced by the object magic).
    pub(super) fn object(
        ser: &'a mut Serializer<W>,
        kind: ObjectHint,
        nargs: usize,
    ) -> Result<Self> {
        ser.check_top()?;
        let shared = ser.shared.take();
        let writer = ObjectWriter::new(ser, kind, nargs, shared);
        Self::new(ser, Kind::Object(writer), false)
    }

    /// Write one item of a sequence-like compound. Lists and tuples take the
    /// short path: this frame is on the stack once per nesting level.
    #[inline]
    fn element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        match &mut self.kind {
            Kind::List(batch) => {
                self.ser.pk.em.batch_item(batch);
                value.serialize(&mut *self.ser)
            }
            Kind::Tuple { count, state: false, .. } => {
                *count += 1;
                value.serialize(&mut *self.ser)
            }
            _ => self.other_element(value),
        }
    }

    #[inline(never)]
    fn other_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let ser = &mut *self.ser;
        match &mut self.kind {
            Kind::List(batch) => {
                ser.pk.em.batch_item(batch);
                value.serialize(&mut *ser)
            }
            Kind::Tuple { count, state, .. } => {
                *count += 1;
                if *state {
                    ser.next = Next::StateValue;
                }
                value.serialize(&mut *ser)
            }
            Kind::Set { batch, frozen, .. } => {
                ser.pk.set_item(*frozen, batch);
                // Restored, not decremented: an object failing inside the
                // item (src/ser/object.rs) leaves key_mode as it set it.
                let saved = ser.key_mode;
                ser.key_mode = saved + 1;
                let result = value.serialize(&mut *ser);
                ser.key_mode = saved;
                result
            }
            Kind::Bare => value.serialize(&mut *ser),
            Kind::States => {
                ser.next = Next::StateValue;
                value.serialize(&mut *ser)?;
                ser.pk.em.op(crate::codec::opcodes::BUILD);
                Ok(())
            }
            Kind::Dict { .. } | Kind::Object(_) => Err(malformed("sequence item")),
        }
    }

    fn key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let ser = &mut *self.ser;
        let Kind::Dict { batch, interned } = &mut self.kind else {
            return Err(malformed("map key"));
        };
        ser.pk.em.batch_item(batch);
        if *interned {
            ser.next = Next::InternedKey;
        }
        // Restored, not decremented: an object failing inside the key
        // (src/ser/object.rs) leaves key_mode as it set it.
        let saved = ser.key_mode;
        ser.key_mode = saved + 1;
        let result = key.serialize(&mut *ser);
        ser.key_mode = saved;
        ser.next = Next::Plain;
        result
    }

    /// Write one field of a struct: a plain dict's take the short path.
    #[inline(always)]
    fn field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) -> Result<()> {
        if let Kind::Dict { batch, interned: false } = &mut self.kind {
            let ser = &mut *self.ser;
            ser.pk.em.batch_item(batch);
            ser.pk.name(name)?;
            return value.serialize(&mut *ser);
        }
        self.other_field(name, value)
    }

    #[inline(never)]
    fn other_field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) -> Result<()> {
        let ser = &mut *self.ser;
        match &mut self.kind {
            Kind::Dict { batch, interned } => {
                ser.pk.em.batch_item(batch);
                if *interned {
                    ser.pk.interned_str(name)?;
                } else {
                    ser.pk.name(name)?;
                }
                value.serialize(&mut *ser)
            }
            Kind::Object(writer) => writer.field(ser, name, value),
            _ => Err(malformed("struct field")),
        }
    }

    fn finish(self) -> Result<()> {
        let ser = self.ser;
        match self.kind {
            Kind::List(batch) | Kind::Dict { batch, .. } => ser.pk.em.batch_end(batch),
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
            Kind::Set { batch, frozen, shared } => close_set(ser, batch, frozen, shared),
            Kind::Bare | Kind::States => {}
            Kind::Object(writer) => writer.end(ser)?,
        }
        if self.variant {
            ser.pk.em.op(SETITEM);
        }
        ser.leave();
        ser.end_value()
    }
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
    batch: Batch,
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

impl<W: io::Write> ser::SerializeSeq for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: io::Write> ser::SerializeTuple for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_element<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: io::Write> ser::SerializeTupleStruct for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: io::Write> ser::SerializeTupleVariant for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        self.element(value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: io::Write> ser::SerializeMap for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        self.key(key)
    }

    #[inline]
    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        value.serialize(&mut *self.ser)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: io::Write> ser::SerializeStruct for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    #[inline]
    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(name, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}

impl<W: io::Write> ser::SerializeStructVariant for Compound<'_, W> {
    type Ok = ();
    type Error = Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        self.field(name, value)
    }

    fn end(self) -> Result<()> {
        self.finish()
    }
}
