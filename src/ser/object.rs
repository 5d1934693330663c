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
//! | NewObj | 2+ | `cls args-tuple NEWOBJ` |
//! | NewObj, no args | 0-1 | `copy_reg._reconstructor (cls, object, None) REDUCE` (as CPython) |
//! | NewObj, args, or items (a list or dict subclass) | 0-1 | `copy_reg.__newobj__ (cls, *args) REDUCE` |
//! | NewObjEx | 4+ | `cls args-tuple kwargs-dict NEWOBJ_EX` |
//! | NewObjEx | 0-3 | `copyreg.__newobj_ex__ (cls, args, kwargs) REDUCE` |
//! | Inst | 0 | `MARK args INST module name` |
//! | Inst | 1+ | `MARK cls args OBJ` |

use std::io;

use serde::Serialize;

use super::capture::capture;
use super::{Next, Serializer};
use crate::codec::opcodes::{MARK, NEWOBJ, NEWOBJ_EX, OBJ, POP, REDUCE};
use crate::codec::pickler::Builtin;
use crate::error::{Error, Result};
use crate::shape_marker::ObjectHint;

pub(super) struct ObjectWriter {
    kind: ObjectHint,
    nargs: usize,
    shared: Option<usize>,
    /// The key mode outside: an object's parts are not dict keys themselves.
    saved_key_mode: u32,
    /// Protocol 0 INST: the class names, written after the arguments.
    inst: Option<Box<(String, String)>>,
    /// The object turned out to be memoized already (a cycle through its
    /// arguments): it was fetched, the remaining parts are not written.
    done: bool,
}

impl ObjectWriter {
    pub(super) fn new<W>(
        ser: &mut Serializer<W>,
        kind: ObjectHint,
        nargs: usize,
        shared: Option<usize>,
    ) -> Self {
        let saved_key_mode = std::mem::take(&mut ser.key_mode);
        ObjectWriter { kind, nargs, shared, saved_key_mode, inst: None, done: false }
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
            ObjectHint::Reduce => {}
            ObjectHint::NewObj | ObjectHint::NewObjItems if proto >= 2 => {}
            ObjectHint::NewObj | ObjectHint::NewObjItems => {
                // `_reconstructor(cls, object, None)` is `object.__new__(cls)`,
                // which cannot make a list or dict subclass: `__newobj__(cls)`
                // is `cls.__new__(cls)`, as NEWOBJ.
                let reconstruct = self.nargs == 0 && self.kind == ObjectHint::NewObj;
                let helper = if reconstruct { Builtin::Reconstructor } else { Builtin::NewObj };
                ser.pk.builtin(helper)?;
                ser.pk.em.op(MARK);
            }
            ObjectHint::NewObjEx if proto >= 4 => {}
            ObjectHint::NewObjEx => {
                ser.pk.builtin(Builtin::NewObjEx)?;
                if !ser.pk.em.small_tuple(3) {
                    ser.pk.em.op(MARK);
                }
            }
            ObjectHint::Inst if proto == 0 => {
                let names = capture(value).and_then(|c| c.into_global());
                let names = names.map_err(|_| {
                    Error::message("an INST object at protocol 0 needs a global class")
                })?;
                self.inst = Some(Box::new(names));
                ser.pk.em.op(MARK);
                return Ok(());
            }
            ObjectHint::Inst => ser.pk.em.op(MARK),
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
            ObjectHint::NewObj | ObjectHint::NewObjItems if proto < 2 => {
                if self.nargs == 0 && self.kind == ObjectHint::NewObj {
                    // _reconstructor(cls, object, None), as copyreg._reduce_ex writes it.
                    ser.pk.builtin(Builtin::Object)?;
                    ser.pk.em.none();
                    ser.pk.em.tuple_end(3);
                } else {
                    part(ser, Next::BareItems, value)?;
                    ser.pk.em.tuple_end(1 + self.nargs);
                }
                Ok(())
            }
            ObjectHint::Inst => part(ser, Next::BareItems, value),
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
            ObjectHint::Reduce => ser.pk.em.op(REDUCE),
            ObjectHint::NewObj | ObjectHint::NewObjItems => {
                ser.pk.em.op(if proto >= 2 { NEWOBJ } else { REDUCE })
            }
            ObjectHint::NewObjEx => {
                kwargs.serialize(&mut *ser)?;
                if proto >= 4 {
                    ser.pk.em.op(NEWOBJ_EX);
                } else {
                    ser.pk.em.tuple_end(3);
                    ser.pk.em.op(REDUCE);
                }
            }
            ObjectHint::Inst => match self.inst.take().map(|b| *b) {
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

    pub(super) fn end<W: io::Write>(self, ser: &mut Serializer<W>) -> Result<()> {
        ser.key_mode = self.saved_key_mode;
        Ok(())
    }
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
