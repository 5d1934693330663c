//! Writing arrays and scalars as numpy pickles them, so that the bytes equal
//! `pickletools.optimize(pickle.dumps(arr, protocol))`:
//!
//! * below protocol 5: `_reconstruct(ndarray, (0,), b'b')` + BUILD
//!   `(1, shape, dtype, False, data)`;
//! * protocol 5: `_frombuffer(bytearray(data), dtype, shape, 'C')`, except
//!   for datetime64/timedelta64 (their dtype has metadata);
//! * scalars: `scalar(dtype, data)`;
//! * the dtype: `dtype(name, False, True)` + BUILD of its state.
//!
//! The object is built as a [`Value`] and written by this crate's `Value`
//! writer, which already spells bytes, globals and memo entries as CPython
//! does at every protocol. Which form is written depends on the protocol,
//! which only the serializer knows: it announces it through [`set_target`]
//! when it meets the [`MARK`] newtype, just before writing the value.

use std::cell::{Cell, RefCell};

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use super::Dtype;
use crate::value::{Dict, Global, Object, ObjectKind, Value};

/// The newtype name the serializer recognizes (see [`set_target`]).
pub(crate) const MARK: &str = "$serde_pickle::Numpy";

/// What the serializer writing the next numpy value targets.
#[derive(Clone, Copy)]
pub(crate) struct Target {
    pub protocol: u8,
    /// Module names of numpy 1.x (`numpy.core...`) instead of 2.x (`numpy._core...`).
    pub legacy: bool,
}

thread_local! {
    static TARGET: Cell<Option<Target>> = const { Cell::new(None) };
}

/// Called by this crate's serializer right before it writes a [`MARK`] newtype's value.
pub(crate) fn set_target(t: Target) {
    TARGET.with(|c| c.set(Some(t)));
}

fn take_target() -> Option<Target> {
    TARGET.with(|c| c.take())
}

/// How an array's elements lie in the memory numpy would pickle, which
/// decides the form numpy writes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// C-contiguous: `data` is in C order.
    C,
    /// Fortran-contiguous and not C-contiguous: `data` is in Fortran order,
    /// written with `is_fortran` (order `'F'` at protocol 5).
    F,
    /// Neither (a strided view): `data` is in C order, and numpy writes the
    /// `_reconstruct` form at every protocol, protocol 5 included.
    Strided,
}

/// The raw parts of an array or scalar to write.
pub(crate) struct Parts<'a> {
    pub dtype: &'a Dtype,
    /// `None` for a scalar.
    pub shape: Option<&'a [usize]>,
    pub layout: Layout,
    pub data: Vec<u8>,
}

/// Serialize `parts` as a numpy pickle through this crate's serializer, or
/// as `plain` through any other.
pub(crate) fn serialize<S: Serializer, P: Serialize>(
    s: S,
    parts: Parts<'_>,
    plain: &P,
) -> Result<S::Ok, S::Error> {
    s.serialize_newtype_struct(MARK, &Forms { parts: RefCell::new(parts), plain })
}

struct Forms<'p, 'a, P> {
    /// Taken (moved into the `Value`) when written: the data is copied once.
    parts: RefCell<Parts<'a>>,
    plain: &'p P,
}

impl<P: Serialize> Serialize for Forms<'_, '_, P> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match take_target() {
            Some(t) => to_value(&mut self.parts.borrow_mut(), t).serialize(s),
            None => self.plain.serialize(s),
        }
    }
}

fn global(t: Target, module: &str, name: &str) -> Value {
    let module = match (t.legacy, module.strip_prefix("numpy._core")) {
        (true, Some(rest)) => format!("numpy.core{rest}"),
        _ => module.to_string(),
    };
    Value::from(Global::new(module, name))
}

fn call(callable: Value, args: Vec<Value>, state: Option<Value>) -> Value {
    let mut o = Object::new(ObjectKind::Reduce, callable, args);
    o.state.extend(state);
    Value::Object(Box::new(o))
}

/// numpy's pickle of a dtype: `dtype(name, False, True)` with its state.
fn dtype_value(d: &Dtype, t: Target) -> Value {
    let (kind, size) = (d.kind(), d.itemsize());
    let name = match kind {
        'U' => format!("U{}", size / 4),
        'M' | 'm' => format!("{kind}8"),
        'O' => "O8".to_string(),
        _ => format!("{kind}{size}"),
    };
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
    let (elsize, align, flags) = match kind {
        'U' => (size as i64, 4, 8),
        'S' | 'V' => (size as i64, 1, 0),
        'O' => (-1, -1, 63),
        _ => (-1, -1, 0),
    };
    let mut state = vec![
        Value::Int(if d.unit().is_some() { 4 } else { 3 }),
        Value::Str(d.byteorder().to_string()),
        Value::None,
        Value::None,
        Value::None,
        Value::Int(elsize),
        Value::Int(align),
        Value::Int(flags),
    ];
    if let Some((unit, n)) = d.unit() {
        let meta = vec![
            Value::Bytes(unit.as_bytes().to_vec()),
            Value::Int(n as i64),
            Value::Int(1),
            Value::Int(1),
        ];
        // The dtype's metadata dict comes first: numpy 1.x writes it empty, 2.x as None.
        let dict = if t.legacy { Value::Dict(Dict::default()) } else { Value::None };
        state.push(Value::Tuple(vec![dict, Value::Tuple(meta)]));
    }
    call(
        Value::from(Global::new("numpy", "dtype")),
        vec![Value::Str(name), Value::Bool(false), Value::Bool(true)],
        Some(Value::Tuple(state)),
    )
}

fn to_value(p: &mut Parts<'_>, t: Target) -> Value {
    let data = std::mem::take(&mut p.data);
    let dtype = dtype_value(p.dtype, t);
    let Some(shape) = p.shape else {
        return call(
            global(t, "numpy._core.multiarray", "scalar"),
            vec![dtype, Value::Bytes(data)],
            None,
        );
    };
    let shape = Value::Tuple(shape.iter().map(|&d| Value::Int(d as i64)).collect());
    // A dtype with metadata (datetime64's unit) keeps the protocol-4 form
    // at protocol 5, as numpy does, and so does a non-contiguous array.
    if t.protocol >= 5 && p.dtype.unit().is_none() && p.layout != Layout::Strided {
        let order = if p.layout == Layout::F { "F" } else { "C" };
        let args = vec![Value::ByteArray(data), dtype, shape, Value::Str(order.into())];
        return call(global(t, "numpy._core.numeric", "_frombuffer"), args, None);
    }
    let args = vec![
        Value::from(Global::new("numpy", "ndarray")),
        Value::Tuple(vec![Value::Int(0)]),
        Value::Bytes(b"b".to_vec()),
    ];
    let fortran = Value::Bool(p.layout == Layout::F);
    let state = Value::Tuple(vec![Value::Int(1), shape, dtype, fortran, Value::Bytes(data)]);
    call(global(t, "numpy._core.multiarray", "_reconstruct"), args, Some(state))
}

/// The plain form other serde formats see: `{shape, dtype, data}`, the
/// data in C order.
pub(crate) struct Plain<'a, T: ?Sized> {
    pub shape: &'a [usize],
    pub dtype: &'a Dtype,
    pub data: &'a T,
}

impl<T: Serialize + ?Sized> Serialize for Plain<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("NdArray", 3)?;
        st.serialize_field("shape", self.shape)?;
        st.serialize_field("dtype", &self.dtype.to_string())?;
        st.serialize_field("data", self.data)?;
        st.end()
    }
}
