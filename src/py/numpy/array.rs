//! Recognizing a numpy array or scalar in the arena, by the shapes numpy
//! writes (never by importing anything):
//!
//! | form | written by |
//! |---|---|
//! | `numpy._core.multiarray._reconstruct(ndarray, (0,), b'b')` + BUILD `(1, shape, dtype, is_fortran, data)` | numpy 2.x, protocols 0–4 (and 5 for object arrays) |
//! | `numpy.core.multiarray._reconstruct(...)`, same state | numpy 1.x |
//! | `numpy._core.numeric._frombuffer(buffer, dtype, shape, order)` | protocol 5 (`numpy.core.numeric` in 1.x); the buffer in-band (`BYTEARRAY8`) or out of band |
//! | `numpy._core.multiarray.scalar(dtype, data)` | numpy scalars (`np.float64(1.5)`) |
//!
//! `data` is bytes (below protocol 3 `_codecs.encode(text, 'latin1')`,
//! which the VM turns into bytes; a Python 2 `str`), or a list of the
//! elements in C order for object arrays.

use crate::de::NodeDe;
use crate::error::{Error, Result};
use crate::vm::arena::{Node, NodeId, ObjNode};

use super::dtype::Descr;

/// A malformed numpy pickle (a Data error).
pub(crate) fn malformed(what: &str) -> Error {
    Error::message(format!("malformed numpy array pickle: {what}"))
}

/// The `(module, name)` of a global node.
pub(crate) fn class_of<'c>(n: &NodeDe<'c, '_, '_>, id: NodeId) -> Option<(&'c [u8], &'c [u8])> {
    match n.ctx.arena.node(id) {
        Node::Global(g) => {
            let g = n.ctx.arena.globals[g as usize];
            Some((n.ctx.arena.bytes(n.ctx.input, g.module), n.ctx.arena.bytes(n.ctx.input, g.name)))
        }
        _ => None,
    }
}

/// The bytes of a str, bytes or Python 2 str node.
pub(crate) fn text_of<'c>(n: &NodeDe<'c, '_, '_>, id: NodeId) -> Option<&'c [u8]> {
    match n.ctx.arena.node(id) {
        Node::Str(span, _) | Node::Py2Str(span) | Node::Bytes(span) | Node::ByteArray(span) => {
            Some(n.ctx.arena.bytes(n.ctx.input, span))
        }
        _ => None,
    }
}

/// An object's positional arguments and the items of its last `BUILD` state
/// (empty unless the state is a tuple).
pub(crate) fn object_parts(n: &NodeDe<'_, '_, '_>, o: &ObjNode) -> (Vec<NodeId>, Vec<NodeId>) {
    let arena = n.ctx.arena;
    let args = match arena.node(o.args) {
        Node::Tuple(s) => arena.iter(s).collect(),
        _ => Vec::new(),
    };
    let state = match arena.iter(o.state).last().map(|s| arena.node(s)) {
        Some(Node::Tuple(s)) => arena.iter(s).collect(),
        _ => Vec::new(),
    };
    (args, state)
}

/// Where the elements are.
pub(crate) enum Data<'c> {
    /// Raw element bytes, `size × itemsize` long.
    Raw(&'c [u8]),
    /// An object array's elements, in C order.
    Objects(Vec<NodeId>),
}

/// A numpy array found in the arena, ready to be read.
pub(crate) struct ArrayView<'c> {
    pub descr: Descr,
    pub shape: Vec<usize>,
    /// Element strides per dimension (C order, or Fortran order for raw
    /// data written with `is_fortran`).
    pub strides: Vec<usize>,
    pub data: Data<'c>,
}

/// Which numpy form an object is, from its callable alone (cheap: the hook
/// calls this for every object it meets).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Reconstruct,
    FromBuffer,
    Scalar,
    /// A joblib `NumpyArrayWrapper` whose bytes the VM took (`DeOptions::joblib`).
    Joblib,
}

fn form(n: &NodeDe<'_, '_, '_>, o: &ObjNode) -> Option<Form> {
    let (module, name) = class_of(n, o.callable)?;
    match (module, name) {
        (b"numpy._core.multiarray" | b"numpy.core.multiarray", b"_reconstruct") => {
            Some(Form::Reconstruct)
        }
        (b"numpy._core.multiarray" | b"numpy.core.multiarray", b"scalar") => Some(Form::Scalar),
        (b"numpy._core.numeric" | b"numpy.core.numeric", b"_frombuffer") => Some(Form::FromBuffer),
        (b"joblib.numpy_pickle", b"NumpyArrayWrapper") => Some(Form::Joblib),
        _ => None,
    }
}

/// Whether an object node is a numpy array or scalar this reader handles.
pub(crate) fn is_numpy(n: &NodeDe<'_, '_, '_>, o: u32) -> bool {
    let o = n.ctx.arena.objects[o as usize];
    match form(n, &o) {
        // `_reconstruct` alone is an empty shell; its BUILD gives it a body.
        Some(Form::Reconstruct) => o.state.len > 0,
        // The state dict, then the bytes that followed it.
        Some(Form::Joblib) => o.state.len == 2,
        Some(_) => true,
        None => false,
    }
}

/// The array an object node stands for (call after [`is_numpy`]).
pub(crate) fn view<'c>(n: &NodeDe<'c, '_, '_>, o: u32) -> Result<ArrayView<'c>> {
    let obj = n.ctx.arena.objects[o as usize];
    let (args, state) = object_parts(n, &obj);
    match form(n, &obj) {
        Some(Form::Reconstruct) => {
            // (version, shape, dtype, is_fortran, data); numpy also reads the
            // 4-tuple without the version.
            let s = match state.len() {
                5 => &state[1..],
                4 => &state[..],
                _ => {
                    return Err(malformed(
                        "the ndarray state is not (version, shape, dtype, is_fortran, data)",
                    ))
                }
            };
            let fortran = match n.ctx.arena.node(s[2]) {
                Node::Bool(b) => b,
                Node::Int(i) => i != 0,
                _ => return Err(malformed("is_fortran")),
            };
            build(n, s[1], shape_of(n, s[0])?, fortran, s[3])
        }
        Some(Form::FromBuffer) => {
            let [buf, dtype, shape, order] = args[..] else {
                return Err(malformed("_frombuffer takes (buffer, dtype, shape, order)"));
            };
            let fortran = match text_of(n, order) {
                Some(b"C") => false,
                Some(b"F") => true,
                _ => return Err(malformed("order")),
            };
            build(n, dtype, shape_of(n, shape)?, fortran, buf)
        }
        Some(Form::Scalar) => {
            let [dtype, data] = args[..] else {
                return Err(malformed("scalar takes (dtype, data)"));
            };
            let descr = Descr::parse(n, dtype)?;
            if descr.dtype.kind() == 'O' {
                return Ok(ArrayView {
                    descr,
                    shape: Vec::new(),
                    strides: Vec::new(),
                    data: Data::Objects(vec![data]),
                });
            }
            build_with(n, descr, Vec::new(), false, data)
        }
        Some(Form::Joblib) => {
            let s = super::joblib::wrapper_state(n, &obj)?;
            let data =
                n.ctx.arena.iter(obj.state).nth(1).ok_or_else(|| malformed("joblib data"))?;
            build_with(n, s.descr, s.shape, s.fortran, data)
        }
        None => Err(malformed("not a numpy array")),
    }
}

pub(super) fn shape_of(n: &NodeDe<'_, '_, '_>, id: NodeId) -> Result<Vec<usize>> {
    let arena = n.ctx.arena;
    let Node::Tuple(s) = arena.node(id) else { return Err(malformed("the shape is not a tuple")) };
    if s.len > 64 {
        return Err(malformed("more than 64 dimensions"));
    }
    arena
        .iter(s)
        .map(|d| match arena.node(d) {
            Node::Int(i) => usize::try_from(i).map_err(|_| malformed("a negative dimension")),
            _ => Err(malformed("a dimension is not an int")),
        })
        .collect()
}

fn build<'c>(
    n: &NodeDe<'c, '_, '_>,
    dtype: NodeId,
    shape: Vec<usize>,
    fortran: bool,
    data: NodeId,
) -> Result<ArrayView<'c>> {
    let descr = Descr::parse(n, dtype)?;
    build_with(n, descr, shape, fortran, data)
}

fn build_with<'c>(
    n: &NodeDe<'c, '_, '_>,
    descr: Descr,
    shape: Vec<usize>,
    fortran: bool,
    data: NodeId,
) -> Result<ArrayView<'c>> {
    let arena = n.ctx.arena;
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| malformed("the shape's size overflows"))?;
    let data = match arena.node(data) {
        Node::List(items) if descr.dtype.kind() == 'O' => {
            if items.len as usize != count {
                return Err(malformed("the object list's length is not the shape's size"));
            }
            // Object arrays list their elements in C order, whatever is_fortran says.
            return Ok(ArrayView { strides: strides(&shape, false), shape, descr, data: Data::Objects(arena.iter(items).collect()) });
        }
        Node::Bytes(span) | Node::ByteArray(span) | Node::Py2Str(span) => arena.bytes(n.ctx.input, span),
        Node::Str(span, _) => {
            return Err(malformed(&format!(
                "the data is a str of {} bytes (a Python 2 pickle read with Py2Strings::Ascii or Latin1 instead of Bytes?)",
                span.range().1.len()
            )))
        }
        Node::Buffer { index, .. } => {
            return Err(Error::unsupported(format!(
                "the numpy array's data is out-of-band buffer {index}, which was not supplied (see DeOptions::buffers)"
            )))
        }
        _ => return Err(malformed("the data is not bytes")),
    };
    if descr.dtype.kind() == 'O' {
        return Err(malformed("an object array without a list of elements"));
    }
    let want =
        count.checked_mul(descr.size()).ok_or_else(|| malformed("the shape's size overflows"))?;
    if data.len() != want {
        return Err(malformed(&format!(
            "{} bytes of data for shape {:?} of {} ({} bytes expected)",
            data.len(),
            shape,
            descr.dtype.name(),
            want
        )));
    }
    Ok(ArrayView { strides: strides(&shape, fortran), shape, descr, data: Data::Raw(data) })
}

/// Element strides of a contiguous array in C or Fortran order.
fn strides(shape: &[usize], fortran: bool) -> Vec<usize> {
    let mut out = vec![0; shape.len()];
    let mut step = 1usize;
    let mut set = |i: usize| {
        out[i] = step;
        step = step.saturating_mul(shape[i].max(1));
    };
    if fortran {
        (0..shape.len()).for_each(&mut set);
    } else {
        (0..shape.len()).rev().for_each(&mut set);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::strides;

    #[test]
    fn strides_of_c_and_fortran_order() {
        assert_eq!(strides(&[2, 3, 4], false), [12, 4, 1]);
        assert_eq!(strides(&[2, 3, 4], true), [1, 2, 6]);
        assert_eq!(strides(&[], false), [0usize; 0]);
    }
}
