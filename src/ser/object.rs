//! Writing a [`crate::value::Object`] the way CPython's `save_reduce` does:
//! the callable and its arguments, the creating opcode, the memo entry, then
//! appended items, set items and `BUILD` states, in that order.
//!
//! The object arrives as a struct whose fields come in this order: `kind`,
//! `callable`, `args`, `kwargs`, `list_items`, `dict_items`, `state`, and
//! `effects` when there are any (see `value/ser.rs`): calls written after
//! the object, each followed by `POP`. Its kind and arity come in the
//! magic hint.
//!
//! | kind | protocol | written as |
//! |---|---|---|
//! | Reduce | any | `callable args-tuple REDUCE` |
//! | NewObj, Plain | 2+ | `cls args-tuple NEWOBJ` |
//! | NewObj | 0-1 | `copy_reg.__newobj__ (cls, *args) REDUCE` |
//! | Plain, no args | 0-1 | `copy_reg._reconstructor (cls, object, None) REDUCE` (as CPython) |
//! | Plain, args | 0-1 | `copy_reg.__newobj__ (cls, *args) REDUCE` |
//! | Reconstructor | any | `copy_reg._reconstructor (cls, object, None) REDUCE` |
//! | NewObjEx | 4+ | `cls args-tuple kwargs-dict NEWOBJ_EX` |
//! | NewObjEx | 0-3 | `copyreg.__newobj_ex__ (cls, args, kwargs) REDUCE` |
//! | Inst | 0 | `MARK args INST module name` |
//! | Inst | 1+ | `MARK cls args OBJ` |
//!
//! Each kind read from a pickle is written back as the call it was, so that
//! CPython can load it at any protocol: `copyreg.__newobj__` is what `NEWOBJ`
//! stands for (`cls.__new__(cls)`, which makes `list` and `dict` subclasses),
//! and `_reconstructor(cls, object, None)` calls `object.__new__(cls)` (which
//! makes a class whose `__new__` wants arguments). Only `Plain`, a class known
//! to be plain, switches between them as CPython does. A `Plain` object with
//! items is handed over as `NewObj` (`value/ser.rs`): a plain class has none.

use std::io;

use serde::Serialize;

use super::capture::capture;
use super::{Next, Serializer};
use crate::codec::opcodes::{MARK, NEWOBJ, NEWOBJ_EX, OBJ, POP, REDUCE, TUPLE2};
use crate::codec::pickler::Builtin;
use crate::error::{Error, Result};
use crate::value::ObjectKind;

pub(super) struct ObjectWriter {
    kind: ObjectKind,
    nargs: usize,
    shared: Option<usize>,
    /// The key mode outside: an object's parts are not dict keys themselves.
    saved_key_mode: u32,
    /// Protocol 0 INST: the class names, written after the arguments.
    inst: Option<Box<(String, String)>>,
    /// The object turned out to be memoized already (a cycle through its
    /// arguments): it was fetched, the remaining parts are not written.
    done: bool,
    /// A call made for its effect (`Object::effects`).
    effect: bool,
}

impl ObjectWriter {
    pub(super) fn new<W>(
        ser: &mut Serializer<W>,
        kind: ObjectKind,
        nargs: usize,
        shared: Option<usize>,
    ) -> Self {
        let saved_key_mode = std::mem::take(&mut ser.key_mode);
        let effect = std::mem::take(&mut ser.effect_next);
        ObjectWriter { kind, nargs, shared, saved_key_mode, inst: None, done: false, effect }
    }

    pub(super) fn field<W: io::Write, T: ?Sized + Serialize>(
        &mut self,
        ser: &mut Serializer<W>,
        name: &'static str,
        value: &T,
    ) -> Result<()> {
        if self.done {
            return Ok(());
        }
        let proto = ser.pk.proto();
        match name {
            "kind" => Ok(()),
            "callable" => self.callable(ser, proto, value),
            "args" => self.args(ser, proto, value),
            "kwargs" => self.create(ser, proto, value),
            "list_items" => part(ser, Next::ObjListItems, value),
            "dict_items" => part(ser, Next::ObjDictItems, value),
            "state" => part(ser, Next::States, value),
            "effects" => part(ser, Next::Effects, value),
            _ => Err(Error::message(format!("unexpected object part {name:?}"))),
        }
    }

    fn callable<W: io::Write, T: ?Sized + Serialize>(
        &mut self,
        ser: &mut Serializer<W>,
        proto: u8,
        value: &T,
    ) -> Result<()> {
        match self.kind {
            ObjectKind::Reduce => {}
            ObjectKind::NewObj | ObjectKind::Plain if proto >= 2 => {}
            ObjectKind::NewObj | ObjectKind::Plain => {
                let helper =
                    if self.reconstructs() { Builtin::Reconstructor } else { Builtin::NewObj };
                ser.pk.builtin(helper)?;
                ser.pk.em.op(MARK);
            }
            ObjectKind::Reconstructor => {
                if self.nargs != 0 {
                    return Err(Error::message(
                        "copyreg._reconstructor(cls, object, None) takes no arguments",
                    ));
                }
                ser.pk.builtin(Builtin::Reconstructor)?;
                if !ser.pk.em.small_tuple(3) {
                    ser.pk.em.op(MARK);
                }
            }
            ObjectKind::NewObjEx if proto >= 4 => {}
            ObjectKind::NewObjEx => {
                ser.pk.builtin(Builtin::NewObjEx)?;
                if !ser.pk.em.small_tuple(3) {
                    ser.pk.em.op(MARK);
                }
            }
            ObjectKind::Inst if proto == 0 => {
                let names = capture(value).and_then(|c| c.into_global());
                let names = names.map_err(|_| {
                    Error::message("an INST object at protocol 0 needs a global class")
                })?;
                self.inst = Some(Box::new(names));
                ser.pk.em.op(MARK);
                return Ok(());
            }
            ObjectKind::Inst => ser.pk.em.op(MARK),
        }
        value.serialize(&mut *ser)
    }

    fn args<W: io::Write, T: ?Sized + Serialize>(
        &mut self,
        ser: &mut Serializer<W>,
        proto: u8,
        value: &T,
    ) -> Result<()> {
        match self.kind {
            ObjectKind::NewObj | ObjectKind::Plain if proto < 2 && !self.reconstructs() => {
                part(ser, Next::BareItems, value)?;
                ser.pk.em.tuple_end(1 + self.nargs);
                Ok(())
            }
            ObjectKind::NewObj | ObjectKind::Plain if proto < 2 => object_none(ser),
            ObjectKind::Reconstructor => object_none(ser),
            ObjectKind::Inst => part(ser, Next::BareItems, value),
            ObjectKind::Reduce if self.effect && self.nargs == 2 && proto < 2 => {
                // CPython's `save_reduce` writes a state setter's
                // `(obj, state)` with TUPLE2 at every protocol.
                part(ser, Next::BareItems, value)?;
                ser.pk.em.op(TUPLE2);
                Ok(())
            }
            _ => value.serialize(&mut *ser),
        }
    }

    /// The `kwargs` part (used by NewObjEx only), then the creating opcode
    /// and the memo entry.
    fn create<W: io::Write, T: ?Sized + Serialize>(
        &mut self,
        ser: &mut Serializer<W>,
        proto: u8,
        kwargs: &T,
    ) -> Result<()> {
        match self.kind {
            ObjectKind::Reduce => ser.pk.em.op(REDUCE),
            ObjectKind::NewObj | ObjectKind::Plain => {
                ser.pk.em.op(if proto >= 2 { NEWOBJ } else { REDUCE })
            }
            ObjectKind::Reconstructor => ser.pk.em.op(REDUCE),
            ObjectKind::NewObjEx => {
                kwargs.serialize(&mut *ser)?;
                if proto >= 4 {
                    ser.pk.em.op(NEWOBJ_EX);
                } else {
                    ser.pk.em.tuple_end(3);
                    ser.pk.em.op(REDUCE);
                }
            }
            ObjectKind::Inst => match self.inst.take().map(|b| *b) {
                Some((module, name)) => ser.pk.inst(&module, &name)?,
                None => ser.pk.em.op(OBJ),
            },
        }
        if let Some(id) = self.shared {
            if ser.pk.is_shared_memoized(id) {
                // The arguments reached the object itself (save_reduce).
                ser.pk.em.op(POP);
                ser.pk.fetch_shared(id);
                self.done = true;
            } else {
                ser.pk.memoize_shared(id);
            }
        }
        Ok(())
    }

    /// Below protocol 2, whether the instance is spelled
    /// `_reconstructor(cls, object, None)`: a plain one without arguments.
    fn reconstructs(&self) -> bool {
        self.kind == ObjectKind::Plain && self.nargs == 0
    }

    pub(super) fn end<W: io::Write>(self, ser: &mut Serializer<W>) -> Result<()> {
        ser.key_mode = self.saved_key_mode;
        Ok(())
    }
}

/// The rest of `_reconstructor(cls, object, None)` after `cls`, as
/// `copyreg._reduce_ex` writes it.
fn object_none<W: io::Write>(ser: &mut Serializer<W>) -> Result<()> {
    ser.pk.builtin(Builtin::Object)?;
    ser.pk.em.none();
    ser.pk.em.tuple_end(3);
    Ok(())
}

/// Serialize one part with the shape `next` announced.
fn part<W: io::Write, T: ?Sized + Serialize>(
    ser: &mut Serializer<W>,
    next: Next,
    value: &T,
) -> Result<()> {
    ser.set_next(next);
    value.serialize(&mut *ser)
}
