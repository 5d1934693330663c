//! Finishing an error on its way out of a read, only once something failed:
//! the offset of the value a data error is about (found by running the
//! pickle again, so that a successful read records nothing), and what an
//! input that is not a pickle looks like.

use crate::error::Error;
use crate::options::DeOptions;
use crate::read::SliceRead;
use crate::vm::arena::NodeId;
use crate::vm::Machine;

/// An error from a typed read of the pickle whose root is `root`, run by a
/// machine from `start` in `input`: the node at fault (the root, if the
/// error came from no child) gets the offset of the opcode that made it.
///
/// The VM records no offsets as it runs; it runs again here, over the same
/// bytes with the same options, so the node ids are the same, and notes
/// the offset when the node is made. Not done when `input` is not at hand
/// (a stream from a reader keeps none) or when a `persistent_load` hook
/// would be called a second time.
#[cold]
#[inline(never)]
pub(crate) fn locate(e: Error, root: NodeId, start: u64, input: &[u8], opts: &DeOptions) -> Error {
    let e = if e.node().is_none() && e.is_data() { e.at_node(root) } else { e };
    let Some(id) = e.node() else { return e };
    if e.offset().is_some() || opts.persistent_load.is_some() {
        return e;
    }
    let Some(rest) = usize::try_from(start).ok().and_then(|s| input.get(s..)) else { return e };
    if rest.is_empty() {
        return e;
    }
    let mut machine = Machine::default();
    machine.locate = Some(id);
    let _ = machine.run(&mut SliceRead::new(rest), opts);
    match machine.located {
        Some(off) => {
            let at = start + off;
            let op = usize::try_from(at).ok().and_then(|i| input.get(i)).copied();
            e.at(at, op)
        }
        None => e,
    }
}

/// An error reading `input` from its start: when the input is not a pickle
/// and its first bytes say what it is, the error says so.
#[cold]
#[inline(never)]
pub(crate) fn sniff(e: Error, input: &[u8]) -> Error {
    if e.is_data() || e.is_io() || e.is_limit() {
        return e;
    }
    match looks_like(input, e.is_eof()) {
        Some(what) => e.looks_like(what),
        None => e,
    }
}

/// What `input` looks like, if it is a known kind of file that is not a
/// pickle (a pickle starts with `PROTO`, `\x80`, from protocol 2; protocol
/// 0 and 1 pickles start with an opcode and end with `STOP`, `.`).
fn looks_like(input: &[u8], truncated: bool) -> Option<&'static str> {
    const SIGNATURES: &[(&[u8], &str)] = &[
        (b"\x1f\x8b", "gzip-compressed data (joblib and pandas write .pkl.gz so): decompress it first"),
        (b"PK\x03\x04", "a zip archive (a PyTorch .pt file, a NumPy .npz): the pickle of a PyTorch file is its data.pkl member"),
        (b"PK\x05\x06", "an empty zip archive"),
        (b"\x93NUMPY", "a NumPy .npy file (the array's bytes follow a text header, not a pickle)"),
        (b"BZh", "bz2-compressed data (joblib's compress='bz2'): decompress it first"),
        (b"\xfd7zXZ\x00", "xz-compressed data (joblib's compress='xz'): decompress it first"),
        (b"]\x00\x00\x80\x00", "lzma-compressed data (joblib's compress='lzma'): decompress it first"),
        (b"\x04\x22\x4d\x18", "lz4-compressed data (joblib's compress='lz4'): decompress it first"),
        (b"ZF", "an old joblib compressed file (zlib with a ZF header)"),
        (b"\x89HDF\r\n\x1a\n", "an HDF5 file (pandas' to_hdf, h5py)"),
        (b"PAR1", "a Parquet file"),
    ];
    for (magic, what) in SIGNATURES {
        if input.starts_with(magic) {
            return Some(what);
        }
    }
    // zlib: a deflate header (CMF 0x78) whose check bits hold, as joblib's
    // default compress=True writes.
    if let [0x78, flg, ..] = *input {
        if (0x7800u16 | flg as u16) % 31 == 0 {
            return Some("zlib-compressed data (joblib's compress=True): decompress it first");
        }
    }
    let text = match input.iter().position(|b| !b.is_ascii_whitespace()) {
        Some(i) => &input[i..],
        None if input.is_empty() => return None,
        None => return Some("blank text"),
    };
    if matches!(text.first(), Some(b'{' | b'[' | b'"')) {
        return Some("JSON");
    }
    // Protocol 0 pickles are text too: a truncated one (an EOF), or one that
    // starts with a MARK or ends with a STOP, is taken for a pickle.
    let head = &input[..input.len().min(1024)];
    let printable = match std::str::from_utf8(head) {
        Ok(s) => s,
        // A character cut at the end of the 1 KiB.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let control = printable.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'));
    let pickle_like = truncated
        || text.starts_with(b"(")
        || input.iter().rev().find(|b| !b.is_ascii_whitespace()) == Some(&b'.');
    (!control && !pickle_like).then_some("text")
}

#[cfg(test)]
mod tests {
    use super::looks_like;

    #[test]
    fn a_protocol_0_pickle_is_not_taken_for_text() {
        // pickle.dumps([1, 'a'], protocol=0) and that, cut short
        let p0 = b"(lp0\nI1\naVa\np1\na.";
        assert_eq!(looks_like(p0, false), None);
        assert_eq!(looks_like(&p0[..8], true), None);
        assert_eq!(looks_like(b"name,age\nann,30\n", false), Some("text"));
    }
}
