//! The serde `Serializer` that builds a [`Value`]: what [`to_value`](super::to_value) runs.
//!
//! It builds what reading the pickle of the data would give, without the
//! bytes: tuples stay tuples, `py::Set` a set, `py::ByteArray` a bytearray,
//! big integers `BigInt`s, and a `Value` inside the data keeps its globals,
//! objects and shared nodes (the magic newtypes of `src/shape_marker.rs`).
//! As in the pickle, a struct field or variant name that comes more than once
//! is one shared str (the writer memoizes it), so that writing the result
//! gives the very bytes writing the data does.

use std::collections::{HashMap, HashSet};

use num_bigint::BigInt;
use serde::ser::{self, Serialize};

use super::{Dict, Global, Object, ObjectKind, Shared, Value};
use crate::error::{Error, Result};
use crate::shape_marker::{self, Hint, Magic};

/// Nesting deeper than this is an error, as for the pickle writer.
const MAX_DEPTH: usize = 1024;

/// Builds a [`Value`] from any `Serialize` data.
#[derive(Default)]
pub(crate) struct ValueSerializer {
    /// Struct field and variant names met so far (by content), each one
    /// shared node.
    names: HashMap<&'static str, Shared>,
    /// The `Value::Shared` nodes met so far, by the identity of the original.
    shared: HashMap<usize, Shared>,
    /// Containers made (what dropping a cyclic copy may cost to check).
    containers: u64,
    /// A node was met again inside itself: the value has a cycle, its nodes
    /// are marked so that dropping it frees them (`value/cycles.rs`).
    cyclic: bool,
    depth: usize,
    /// Announced by the object magic for the next struct: kind and arity.
    object: Option<ObjectKind>,
    /// The next map is an object's items: keep its pairs as they are.
    raw_pairs: bool,
}

impl ValueSerializer {
    /// Serialize `value` and finish: names used once become plain strs.
    pub(crate) fn run<T: ?Sized + Serialize>(value: &T) -> Result<Value> {
        let mut s = ValueSerializer::default();
        let mut v = value.serialize(&mut s)?;
        let once: HashSet<usize> =
            s.names.values().filter(|n| n.ref_count() == 2).map(Shared::id).collect();
        if s.cyclic {
            s.shared.values().for_each(Shared::mark_cyclic);
            super::cycles::grant(s.containers.saturating_mul(super::cycles::CREDITS_PER_NODE));
        }
        // Its own references go without the cycle checks.
        super::cycles::quietly(|| drop(s));
        if !once.is_empty() {
            unshare_names(&mut v, &once);
        }
        Ok(v)
    }

    fn name(&mut self, s: &'static str) -> Value {
        let node = self.names.entry(s).or_insert_with(|| Shared::new(Value::Str(s.to_owned())));
        Value::Shared(node.clone())
    }

    fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        self.containers += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error::limit(format!(
                "value nested deeper than {MAX_DEPTH} levels cannot be pickled"
            )));
        }
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// A child value, one level deeper.
    fn child<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<Value> {
        self.enter()?;
        let v = value.serialize(&mut *self);
        self.leave();
        v
    }

    fn magic<T: ?Sized + Serialize>(&mut self, m: Magic, value: &T) -> Result<Value> {
        // The hint belongs to this newtype: take it before the inner value
        // is serialized (`py::Instance` checks that it was taken).
        let hint = shape_marker::take_hint();
        if let (Magic::Shared, Hint::Shared(id)) = (m, hint) {
            if let Some(node) = self.shared.get(&id) {
                return Ok(Value::Shared(node.clone()));
            }
            let node = Shared::empty();
            self.shared.insert(id, node.clone());
            let content = self.child(value)?;
            let _ = node.set(content);
            return Ok(Value::Shared(node));
        }
        if let (Magic::Object, Hint::Object(kind, _)) = (m, hint) {
            self.object = Some(kind);
            let v = self.child(value);
            self.object = None;
            return v;
        }
        let inner = self.child(value)?;
        let malformed = || Error::message("malformed serde_pickle special value");
        Ok(match (m, inner) {
            (Magic::Set, Value::List(items)) => {
                items.iter().try_for_each(hashable)?;
                Value::Set(items)
            }
            (Magic::FrozenSet, Value::List(items)) => {
                items.iter().try_for_each(hashable)?;
                Value::FrozenSet(items)
            }
            (Magic::ByteArray, Value::Bytes(b)) => Value::ByteArray(b),
            (Magic::SurrogateStr, Value::Bytes(b)) => Value::SurrogateStr(b),
            (Magic::BigInt, Value::Bytes(b)) => Value::int(BigInt::from_signed_bytes_le(&b)),
            (Magic::Complex, Value::Tuple(t)) => match t.as_slice() {
                [Value::Float(re), Value::Float(im)] => Value::Complex(*re, *im),
                _ => return Err(malformed()),
            },
            (Magic::Global, Value::Tuple(t)) => match t.as_slice() {
                [Value::Str(module), Value::Str(name)] => {
                    Value::from(Global::new(module.as_str(), name.as_str()))
                }
                _ => return Err(malformed()),
            },
            (Magic::Buffer, Value::Tuple(t)) => match t.as_slice() {
                [index, Value::Bool(readonly)] => Value::Buffer {
                    index: index
                        .as_u64()
                        .and_then(|i| usize::try_from(i).ok())
                        .ok_or_else(malformed)?,
                    readonly: *readonly,
                },
                _ => return Err(malformed()),
            },
            (Magic::PersistentId, id) => Value::PersistentId(Box::new(id)),
            // A shared node or an object without its hint: its content.
            (Magic::Shared | Magic::Object, v) => v,
            _ => return Err(malformed()),
        })
    }
}

/// Replace the shared name nodes in `once` (names used once) by their str.
/// Names are never inside shared nodes (only a `Value` makes those), so
/// shared nodes are not entered. Iterative: any depth.
fn unshare_names(root: &mut Value, once: &HashSet<usize>) {
    let mut stack = vec![root];
    while let Some(v) = stack.pop() {
        if let Value::Shared(s) = v {
            if once.contains(&s.id()) {
                *v = Value::Str(s.get().as_str().unwrap_or_default().to_owned());
            }
            continue;
        }
        match v {
            Value::List(items)
            | Value::Tuple(items)
            | Value::Set(items)
            | Value::FrozenSet(items) => stack.extend(items.iter_mut()),
            Value::Dict(d) => {
                for (k, x) in d.entries.iter_mut() {
                    stack.push(k);
                    stack.push(x);
                }
            }
            Value::Object(o) => {
                let Object {
                    callable, args, kwargs, state, list_items, dict_items, effects, ..
                } = &mut **o;
                stack.push(callable);
                stack.extend(args.iter_mut());
                if let Some(kw) = kwargs {
                    for (k, x) in kw.entries.iter_mut() {
                        stack.push(k);
                        stack.push(x);
                    }
                }
                stack.extend(state.iter_mut());
                stack.extend(list_items.iter_mut());
                for (k, x) in dict_items.iter_mut() {
                    stack.push(k);
                    stack.push(x);
                }
                stack.extend(effects.iter_mut());
            }
            Value::PersistentId(p) => stack.push(p),
            _ => {}
        }
    }
}

/// The writer's error for an unhashable dict key or set item.
fn hashable(v: &Value) -> Result<()> {
    let mut stack = vec![v];
    let mut seen = HashSet::new();
    while let Some(v) = stack.pop() {
        let kind = match v {
            Value::ByteArray(_) => "bytearray",
            Value::List(_) => "list",
            Value::Dict(_) => "dict",
            Value::Set(_) => "set",
            Value::Tuple(items) | Value::FrozenSet(items) => {
                stack.extend(items);
                continue;
            }
            Value::PersistentId(p) => {
                stack.push(p);
                continue;
            }
            Value::Shared(s) => {
                if seen.insert(s.id()) {
                    stack.push(s.get());
                }
                continue;
            }
            _ => continue,
        };
        return Err(Error::message(format!(
            "unhashable type: '{kind}' (a dict key or set item must be hashable: \
             use a tuple, a str, a number or a frozenset)"
        )));
    }
    Ok(())
}

impl<'a> ser::Serializer for &'a mut ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqBuilder<'a>;
    type SerializeTuple = SeqBuilder<'a>;
    type SerializeTupleStruct = SeqBuilder<'a>;
    type SerializeTupleVariant = SeqBuilder<'a>;
    type SerializeMap = MapBuilder<'a>;
    type SerializeStruct = StructBuilder<'a>;
    type SerializeStructVariant = StructBuilder<'a>;

    fn is_human_readable(&self) -> bool {
        // As the pickle writer: big ints travel as bytes, not decimal text.
        false
    }

    fn serialize_bool(self, v: bool) -> Result<Value> {
        Ok(Value::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i16(self, v: i16) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i32(self, v: i32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i64(self, v: i64) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_i128(self, v: i128) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u16(self, v: u16) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u32(self, v: u32) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u64(self, v: u64) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_u128(self, v: u128) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Value> {
        Ok(Value::Float(f64::from(v)))
    }
    fn serialize_f64(self, v: f64) -> Result<Value> {
        Ok(Value::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::from(v))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::Str(v.to_owned()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_some<T: ?Sized + Serialize>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Value> {
        Ok(Value::None)
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<Value> {
        Ok(self.name(variant))
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value> {
        match shape_marker::magic(name) {
            None => value.serialize(self),
            Some(m) => self.magic(m, value),
        }
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        let key = self.name(variant);
        let v = self.child(value)?;
        Ok(Value::Dict(Dict::from_unique(vec![(key, v)])))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder<'a>> {
        SeqBuilder::new(self, len.unwrap_or(0), Seq::List)
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder<'a>> {
        SeqBuilder::new(self, len, Seq::Tuple)
    }

    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder<'a>> {
        SeqBuilder::new(self, len, Seq::Tuple)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder<'a>> {
        let key = self.name(variant);
        SeqBuilder::new(self, len, Seq::Variant(key))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder<'a>> {
        let raw = std::mem::take(&mut self.raw_pairs);
        self.enter()?;
        let pairs = Vec::with_capacity(len.unwrap_or(0).min(4096));
        Ok(MapBuilder { ser: self, pairs, key: None, raw })
    }

    fn serialize_struct(self, _: &'static str, len: usize) -> Result<StructBuilder<'a>> {
        let object = self.object.take();
        self.enter()?;
        let fields = Vec::with_capacity(len.min(4096));
        Ok(StructBuilder { ser: self, fields, variant: None, object })
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<StructBuilder<'a>> {
        let key = self.name(variant);
        self.enter()?;
        let fields = Vec::with_capacity(len.min(4096));
        Ok(StructBuilder { ser: self, fields, variant: Some(key), object: None })
    }
}

/// What a sequence becomes.
pub(crate) enum Seq {
    List,
    Tuple,
    /// `{'Variant': (items...)}`.
    Variant(Value),
}

pub(crate) struct SeqBuilder<'a> {
    ser: &'a mut ValueSerializer,
    items: Vec<Value>,
    kind: Seq,
}

impl<'a> SeqBuilder<'a> {
    fn new(ser: &'a mut ValueSerializer, len: usize, kind: Seq) -> Result<Self> {
        ser.enter()?;
        Ok(SeqBuilder { ser, items: Vec::with_capacity(len.min(4096)), kind })
    }

    fn push<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let v = value.serialize(&mut *self.ser)?;
        self.items.push(v);
        Ok(())
    }

    fn finish(self) -> Result<Value> {
        self.ser.leave();
        Ok(match self.kind {
            Seq::List => Value::List(self.items),
            Seq::Tuple => Value::Tuple(self.items),
            Seq::Variant(key) => {
                Value::Dict(Dict::from_unique(vec![(key, Value::Tuple(self.items))]))
            }
        })
    }
}

macro_rules! seq_impl {
    ($($trait:ident $method:ident),*) => {$(
        impl ser::$trait for SeqBuilder<'_> {
            type Ok = Value;
            type Error = Error;
            fn $method<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
                self.push(value)
            }
            fn end(self) -> Result<Value> {
                self.finish()
            }
        }
    )*};
}

seq_impl!(SerializeSeq serialize_element, SerializeTuple serialize_element,
    SerializeTupleStruct serialize_field, SerializeTupleVariant serialize_field);

pub(crate) struct MapBuilder<'a> {
    ser: &'a mut ValueSerializer,
    pairs: Vec<(Value, Value)>,
    key: Option<Value>,
    /// An object's items: pairs kept as given (no dedup, no hash check).
    raw: bool,
}

impl ser::SerializeMap for MapBuilder<'_> {
    type Ok = Value;
    type Error = Error;

    fn serialize_key<T: ?Sized + Serialize>(&mut self, key: &T) -> Result<()> {
        let k = key.serialize(&mut *self.ser)?;
        if !self.raw {
            hashable(&k)?;
        }
        self.key = Some(k);
        Ok(())
    }

    fn serialize_value<T: ?Sized + Serialize>(&mut self, value: &T) -> Result<()> {
        let k = self.key.take().ok_or_else(|| Error::message("map value without a key"))?;
        let v = value.serialize(&mut *self.ser)?;
        self.pairs.push((k, v));
        Ok(())
    }

    fn end(self) -> Result<Value> {
        self.ser.leave();
        Ok(Value::Dict(if self.raw {
            Dict::from_unique(self.pairs)
        } else {
            // A repeated key keeps its first place and takes the last value,
            // as loading the pickle does.
            Dict::from_pairs(self.pairs)
        }))
    }
}

pub(crate) struct StructBuilder<'a> {
    ser: &'a mut ValueSerializer,
    fields: Vec<(Value, Value)>,
    /// `{'Variant': {fields...}}`.
    variant: Option<Value>,
    /// The parts of an [`Object`] of this kind (the object magic's struct).
    object: Option<ObjectKind>,
}

impl StructBuilder<'_> {
    fn field<T: ?Sized + Serialize>(&mut self, name: &'static str, value: &T) -> Result<()> {
        if self.object.is_some() {
            self.ser.raw_pairs = name == "dict_items";
            let v = value.serialize(&mut *self.ser);
            self.ser.raw_pairs = false;
            self.fields.push((Value::Str(name.to_owned()), v?));
            return Ok(());
        }
        let key = self.ser.name(name);
        let v = value.serialize(&mut *self.ser)?;
        self.fields.push((key, v));
        Ok(())
    }

    fn finish(self) -> Result<Value> {
        self.ser.leave();
        if let Some(kind) = self.object {
            return object(kind, self.fields);
        }
        let dict = Value::Dict(Dict::from_unique(self.fields));
        Ok(match self.variant {
            Some(key) => Value::Dict(Dict::from_unique(vec![(key, dict)])),
            None => dict,
        })
    }
}

/// An [`Object`] from the parts its magic struct names.
fn object(kind: ObjectKind, fields: Vec<(Value, Value)>) -> Result<Value> {
    let mut o = Object::new(kind, Value::None, Vec::new());
    let items = |v: Value| match v {
        Value::List(items) | Value::Tuple(items) => Ok(items),
        Value::None => Ok(Vec::new()),
        _ => Err(Error::message("malformed serde_pickle object")),
    };
    let pairs = |v: Value| match v {
        Value::Dict(d) => Ok(d),
        _ => Err(Error::message("malformed serde_pickle object")),
    };
    for (name, v) in fields {
        match name.as_str().unwrap_or_default() {
            "callable" => o.callable = v,
            "args" => o.args = items(v)?,
            "kwargs" if kind == ObjectKind::NewObjEx => o.kwargs = Some(pairs(v)?),
            "list_items" => o.list_items = items(v)?,
            "dict_items" => o.dict_items = pairs(v)?.into_vec(),
            "state" => o.state = items(v)?,
            "effects" => o.effects = items(v)?,
            _ => {}
        }
    }
    Ok(Value::Object(Box::new(o)))
}

impl ser::SerializeStruct for StructBuilder<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, name: &'static str, v: &T) -> Result<()> {
        self.field(name, v)
    }
    fn end(self) -> Result<Value> {
        self.finish()
    }
}

impl ser::SerializeStructVariant for StructBuilder<'_> {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: ?Sized + Serialize>(&mut self, name: &'static str, v: &T) -> Result<()> {
        self.field(name, v)
    }
    fn end(self) -> Result<Value> {
        self.finish()
    }
}
