//! Files written by `joblib.dump`: a pickle in which each numpy array is a
//! `joblib.numpy_pickle.NumpyArrayWrapper` whose raw bytes follow its
//! `BUILD` opcode, in the middle of the opcode stream (after a padding
//! byte `p` and `p` bytes of padding, when the wrapper's state has
//! `numpy_array_alignment_bytes`). That is not a pickle other unpicklers
//! read. With [`DeOptions::joblib`] the VM takes those bytes as the
//! wrapper's second state (see [`payload`]), and the wrapper reads as the
//! array; without it, reading one is an error that says what the file is.
//!
//! Not read: object arrays (their elements are a nested pickle stream after
//! the wrapper), joblib's compressed files (their first bytes say which
//! compression, see `de::context::sniff`) and the `NDArrayWrapper` files of
//! joblib < 0.10 (arrays in side files).

use std::io;

use serde::de::DeserializeOwned;

use super::array::{class_of, malformed, shape_of, text_of};
use super::dtype::Descr;
use crate::de::{Ctx, NodeDe};
use crate::error::{Error, Result};
use crate::options::DeOptions;
use crate::vm::arena::{Node, NodeId, ObjNode};
use crate::vm::Machine;

const WHAT: &str = "this is a joblib file (joblib.dump stores numpy arrays as raw bytes between the pickle's opcodes): read it with serde_pickle::from_joblib_slice (or DeOptions::joblib)";

/// A `NumpyArrayWrapper` (or the older `NDArrayWrapper`) object.
pub(super) fn is_wrapper(n: &NodeDe<'_, '_, '_>, o: u32) -> bool {
    let obj = n.ctx.arena.objects[o as usize];
    matches!(
        class_of(n, obj.callable),
        Some((b"joblib.numpy_pickle", b"NumpyArrayWrapper" | b"NDArrayWrapper"))
    )
}

/// The error for reading a joblib array the VM did not complete.
pub(super) fn error(n: &NodeDe<'_, '_, '_>, o: u32) -> Error {
    let obj = n.ctx.arena.objects[o as usize];
    match class_of(n, obj.callable) {
        Some((_, b"NDArrayWrapper")) => Error::unsupported(
            "a joblib file of joblib < 0.10 (NDArrayWrapper: its arrays are in side files)",
        ),
        _ if n.ctx.opts.joblib => Error::unsupported(
            "a joblib NumpyArrayWrapper without its array bytes (an object array, or not from joblib.dump)",
        ),
        _ => Error::unsupported(WHAT),
    }
}

/// `e`, or the joblib error at the same place when `input` is a joblib file.
pub(crate) fn explain(input: &[u8], e: Error) -> Error {
    let needle = b"joblib.numpy_pickle";
    if !input.windows(needle.len()).any(|w| w == needle) {
        return e;
    }
    match e.offset() {
        Some(offset) => Error::unsupported(format!("{WHAT} ({e})")).at(offset, e.opcode()),
        None => Error::unsupported(format!("{WHAT} ({e})")),
    }
}

/// What follows a `NumpyArrayWrapper`'s `BUILD`.
pub(crate) enum Payload {
    /// The array's raw bytes.
    Raw {
        /// A padding length byte and that many bytes come first.
        padded: bool,
        /// The array's bytes.
        len: u64,
    },
    /// An object array: a whole pickle of the array (`joblib.load` runs it
    /// with a plain `pickle.load`).
    Pickle,
}

/// With [`DeOptions::joblib`], after the VM ran a `BUILD` on object `o`:
/// the bytes that follow, when `o` is a joblib array wrapper.
pub(crate) fn payload(
    machine: &Machine,
    input: &[u8],
    opts: &DeOptions,
    o: u32,
) -> Result<Option<Payload>> {
    let ctx = Ctx::new(machine, input, opts);
    let n = NodeDe::new(&ctx, 0, 0);
    let obj = ctx.arena.objects[o as usize];
    if class_of(&n, obj.callable) != Some((b"joblib.numpy_pickle", b"NumpyArrayWrapper"))
        || obj.state.len != 1
    {
        return Ok(None);
    }
    let state = wrapper_state(&n, &obj)?;
    if state.descr.dtype.kind() == 'O' {
        return Ok(Some(Payload::Pickle));
    }
    let count = state.shape.iter().try_fold(1u64, |a, &d| a.checked_mul(d as u64));
    let len = count
        .and_then(|c| c.checked_mul(state.descr.size() as u64))
        .ok_or_else(|| malformed("the joblib array's size overflows"))?;
    Ok(Some(Payload::Raw { padded: state.padded, len }))
}

/// What a wrapper's state dict says about its array.
pub(super) struct WrapperState {
    pub shape: Vec<usize>,
    pub fortran: bool,
    pub descr: Descr,
    padded: bool,
}

/// The state `{'subclass', 'shape', 'order', 'dtype', 'allow_mmap',
/// 'numpy_array_alignment_bytes'}` of a wrapper.
pub(super) fn wrapper_state(n: &NodeDe<'_, '_, '_>, obj: &ObjNode) -> Result<WrapperState> {
    let arena = n.ctx.arena;
    let dict = match arena.iter(obj.state).next().map(|s| arena.node(s)) {
        Some(Node::Dict(d)) => d,
        _ => return Err(malformed("the joblib wrapper's state is not a dict")),
    };
    let items: Vec<NodeId> = arena.iter(dict).collect();
    let get = |key: &[u8]| {
        items.chunks(2).find(|kv| kv.len() == 2 && text_of(n, kv[0]) == Some(key)).map(|kv| kv[1])
    };
    let need = |key: &str| get(key.as_bytes()).ok_or_else(|| malformed(&format!("joblib {key}")));
    let shape = shape_of(n, need("shape")?)?;
    let fortran = match text_of(n, need("order")?) {
        Some(b"C") => false,
        Some(b"F") => true,
        _ => return Err(malformed("joblib order")),
    };
    let descr = Descr::parse(n, need("dtype")?)?;
    let padded =
        get(b"numpy_array_alignment_bytes").is_some_and(|a| !matches!(arena.node(a), Node::None));
    Ok(WrapperState { shape, fortran, descr, padded })
}

/// Read a `T` from the bytes of a file `joblib.dump` wrote (uncompressed):
/// [`from_slice_with`](crate::from_slice_with) with [`DeOptions::joblib`].
/// Its numpy arrays read like those of a pickle: into `Vec<f64>`,
/// [`NdArray`](crate::py::NdArray), structs and maps of them.
///
/// ```
/// // joblib.dump({'w': np.array([1.5, 2.5])}, f, protocol=2)
/// let file = b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01cjoblib.numpy_pickle\nNumpyArrayWrapper\nq\x02)\x81q\x03}q\x04(X\x08\x00\x00\x00subclassq\x05cnumpy\nndarray\nq\x06X\x05\x00\x00\x00shapeq\x07K\x02\x85q\x08X\x05\x00\x00\x00orderq\tX\x01\x00\x00\x00Cq\nX\x05\x00\x00\x00dtypeq\x0bcnumpy\ndtype\nq\x0cX\x02\x00\x00\x00f8q\r\x89\x88\x87q\x0eRq\x0f(K\x03X\x01\x00\x00\x00<q\x10NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x11bX\n\x00\x00\x00allow_mmapq\x12\x88X\x1b\x00\x00\x00numpy_array_alignment_bytesq\x13K\x10ub\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\xf8?\x00\x00\x00\x00\x00\x00\x04@s.";
/// let d: std::collections::BTreeMap<String, Vec<f64>> =
///     serde_pickle::from_joblib_slice(file).unwrap();
/// assert_eq!(d["w"], [1.5, 2.5]);
/// ```
pub fn from_joblib_slice<'de, T: serde::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    crate::from_slice_with(bytes, &DeOptions::new().joblib(true))
}

/// [`from_joblib_slice`] over an `io::Read` (a `File` opened on the
/// `.joblib`/`.pkl` file).
///
/// ```
/// # let file: &[u8] = b"\x80\x02}q\x00X\x01\x00\x00\x00wq\x01cjoblib.numpy_pickle\nNumpyArrayWrapper\nq\x02)\x81q\x03}q\x04(X\x08\x00\x00\x00subclassq\x05cnumpy\nndarray\nq\x06X\x05\x00\x00\x00shapeq\x07K\x02\x85q\x08X\x05\x00\x00\x00orderq\tX\x01\x00\x00\x00Cq\nX\x05\x00\x00\x00dtypeq\x0bcnumpy\ndtype\nq\x0cX\x02\x00\x00\x00f8q\r\x89\x88\x87q\x0eRq\x0f(K\x03X\x01\x00\x00\x00<q\x10NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x11bX\n\x00\x00\x00allow_mmapq\x12\x88X\x1b\x00\x00\x00numpy_array_alignment_bytesq\x13K\x10ub\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\xf8?\x00\x00\x00\x00\x00\x00\x04@s.";
/// // let file = std::fs::File::open("model.joblib")?;
/// let d: std::collections::BTreeMap<String, serde_pickle::py::NdArray<f64>> =
///     serde_pickle::from_joblib_reader(file).unwrap();
/// assert_eq!(d["w"].shape(), [2]);
/// ```
pub fn from_joblib_reader<R: io::Read, T: DeserializeOwned>(reader: R) -> Result<T> {
    crate::from_reader_with(reader, &DeOptions::new().joblib(true))
}
