//! Files written by `joblib.dump`: a pickle in which each numpy array is a
//! `joblib.numpy_pickle.NumpyArrayWrapper` whose raw bytes follow its
//! `BUILD` opcode, in the middle of the opcode stream. That is not a pickle
//! any other unpickler reads, and this crate does not either: reading one
//! is an error that says what the file is, rather than a confusing opcode
//! error (or, worse, the wrapper's metadata read as if it were the data).

use super::array::class_of;
use crate::de::NodeDe;
use crate::error::Error;

const WHAT: &str = "this is a joblib file (joblib.dump stores numpy arrays as raw bytes between the pickle's opcodes), which serde_pickle does not read; load it with joblib.load, or save the data with pickle.dump";

/// A `NumpyArrayWrapper` (or the older `NDArrayWrapper`) object.
pub(super) fn is_wrapper(n: &NodeDe<'_, '_, '_>, o: u32) -> bool {
    let obj = n.ctx.arena.objects[o as usize];
    matches!(
        class_of(n, obj.callable),
        Some((b"joblib.numpy_pickle", b"NumpyArrayWrapper" | b"NDArrayWrapper"))
    )
}

/// The error for reading a joblib array.
pub(super) fn error() -> Error {
    Error::unsupported(WHAT)
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
