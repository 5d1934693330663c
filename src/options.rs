//! Options for writing and reading: the protocol to write, and the limits
//! and policies applied when reading.

use std::fmt;
use std::sync::Arc;

use crate::error::{Error, Result};
use crate::value::{Global, Value};

/// Options for writing: which protocol to produce.
///
/// ```
/// use serde_pickle::{to_vec_with, SerOptions};
/// let bytes = to_vec_with(&(1, 2), &SerOptions::new().protocol(2)).unwrap();
/// assert_eq!(bytes, b"\x80\x02K\x01K\x02\x86.");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SerOptions {
    pub(crate) protocol: u8,
    pub(crate) numpy_legacy: bool,
    pub(crate) share_by_content: bool,
}

impl Default for SerOptions {
    fn default() -> Self {
        SerOptions { protocol: 5, numpy_legacy: false, share_by_content: true }
    }
}

impl SerOptions {
    /// The defaults: protocol 5 (read by CPython 3.8 and later).
    pub fn new() -> Self {
        Self::default()
    }

    /// The protocol to write, 0 to 5. Use 4 for Python 3.4–3.7 and 2 for Python 2.
    /// A value above 5 makes writing fail with [`crate::Category::Unsupported`].
    pub fn protocol(mut self, protocol: u8) -> Self {
        self.protocol = protocol;
        self
    }

    /// Whether equal strs and bytes are written as one shared object where
    /// CPython's would be one: `''` and the one-character strs below U+0100
    /// (singletons in CPython), `b''` (and, below protocol 3, one-byte
    /// bytes), and the keys of an instance's state dict (interned). On by
    /// default, so that a value built in Rust pickles as CPython pickles the
    /// same Python value.
    ///
    /// Off, only what the value itself shares is shared ([`Value::Shared`]
    /// nodes, and struct field names): a [`Value`] read from a pickle is
    /// then written with exactly the sharing the pickle had, which at the
    /// pickle's own protocol is `pickletools.optimize(original)` byte for
    /// byte even where the original's writer made several equal one-character
    /// strs (cloudpickle's code objects do). `pickletool transcode` writes
    /// this way. Globals' module names stay shared either way.
    ///
    /// [`Value::Shared`]: crate::Value::Shared
    /// [`Value`]: crate::Value
    ///
    /// ```
    /// use serde_pickle::{to_vec_with, SerOptions};
    /// let two = vec!["a".to_string(), "a".to_string()];
    /// // CPython's pickle of ['a', 'a'] (optimized): one str object, fetched again.
    /// let shared = to_vec_with(&two, &SerOptions::new()).unwrap();
    /// assert_eq!(shared, b"\x80\x05\x95\n\0\0\0\0\0\0\0](\x8c\x01a\x94h\0e.");
    /// // ...and of a list holding two distinct 'a' objects.
    /// let apart = to_vec_with(&two, &SerOptions::new().share_by_content(false)).unwrap();
    /// assert_eq!(apart, b"\x80\x05\x95\n\0\0\0\0\0\0\0](\x8c\x01a\x8c\x01ae.");
    /// ```
    pub fn share_by_content(mut self, on: bool) -> Self {
        self.share_by_content = on;
        self
    }

    /// Write numpy arrays and scalars ([`crate::py::NdArray`],
    /// [`crate::py::NdScalar`]) with numpy 1.x's module names
    /// (`numpy.core.multiarray`), which numpy 1.x needs; numpy 2.x reads
    /// both. Default: numpy 2.x's (`numpy._core.multiarray`).
    ///
    /// ```
    /// use serde_pickle::{py::NdScalar, to_vec_with, SerOptions};
    /// let bytes = to_vec_with(&NdScalar(1u8), &SerOptions::new().numpy_legacy(true)).unwrap();
    /// assert!(bytes.windows(21).any(|w| w == b"numpy.core.multiarray"));
    /// ```
    pub fn numpy_legacy(mut self, on: bool) -> Self {
        self.numpy_legacy = on;
        self
    }

    /// The protocol that will be written.
    pub fn get_protocol(&self) -> u8 {
        self.protocol
    }

    pub(crate) fn check(&self) -> Result<()> {
        if self.protocol > crate::codec::opcodes::HIGHEST_PROTOCOL {
            return Err(Error::new(crate::error::ErrorCode::UnsupportedProtocol(
                self.protocol as u64,
            )));
        }
        Ok(())
    }
}

/// How Python 2 `str` values (`STRING`, `BINSTRING`, `SHORT_BINSTRING`) are read,
/// like the `encoding=` argument of `pickle.loads`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Py2Strings {
    /// Decode as ASCII; other bytes are an error (CPython's default, `encoding='ASCII'`).
    Ascii,
    /// Decode as Latin-1: every byte is a code point (`encoding='latin1'`, what NumPy needs).
    #[default]
    Latin1,
    /// Keep them as bytes (`encoding='bytes'`).
    Bytes,
}

/// Which globals (classes, functions) a pickle may name.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum GlobalsPolicy {
    /// Every global is kept as data (it is never imported or called).
    #[default]
    KeepAsData,
    /// Any global not on the list (exact module and name) is an error naming it.
    AllowList(Vec<Global>),
    /// Every global is an error: only plain data may appear.
    RejectAll,
}

/// A hook resolving persistent ids (`PERSID`/`BINPERSID`), like `Unpickler.persistent_load`.
pub type PersistentLoad = Arc<dyn Fn(&Value) -> Result<Value> + Send + Sync>;

/// Options for reading: limits and policies. The defaults read every pickle
/// CPython reads at its default recursion limit, within memory proportional
/// to the input.
///
/// ```
/// use serde_pickle::{from_slice_with, DeOptions, Category, Value};
/// let opts = DeOptions::new().max_depth(2);
/// // pickle.dumps([[[[]]]], protocol=2)
/// let err = from_slice_with::<Value>(b"\x80\x02]]]]aaa.", &opts).unwrap_err();
/// assert_eq!(err.category(), Category::Limit);
/// ```
#[derive(Clone)]
pub struct DeOptions {
    pub(crate) max_depth: usize,
    pub(crate) max_memo: usize,
    pub(crate) max_alloc: usize,
    pub(crate) max_expansion: u64,
    pub(crate) reject_cycles: bool,
    pub(crate) lossless: bool,
    pub(crate) py2_strings: Py2Strings,
    pub(crate) globals: GlobalsPolicy,
    pub(crate) buffers: Option<Arc<Vec<Vec<u8>>>>,
    pub(crate) persistent_load: Option<PersistentLoad>,
    pub(crate) fast_path: bool,
    /// Read joblib files: raw array bytes after each `NumpyArrayWrapper`.
    pub(crate) joblib: bool,
    /// Keep memo-shared strs and bytes as `Value::Shared` (for `to_value`).
    pub(crate) share_atoms: bool,
}

impl fmt::Debug for DeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeOptions")
            .field("max_depth", &self.max_depth)
            .field("max_memo", &self.max_memo)
            .field("max_alloc", &self.max_alloc)
            .field("max_expansion", &self.max_expansion)
            .field("reject_cycles", &self.reject_cycles)
            .field("lossless", &self.lossless)
            .field("py2_strings", &self.py2_strings)
            .field("globals", &self.globals)
            .field("buffers", &self.buffers.as_ref().map(|b| b.len()))
            .field("persistent_load", &self.persistent_load.is_some())
            .field("joblib", &self.joblib)
            .finish()
    }
}

impl Default for DeOptions {
    fn default() -> Self {
        DeOptions {
            // CPython's default recursion limit is 1000; its C unpickler is
            // iterative, but turning the result into anything recurses. 1024
            // nested containers read everything CPython can work with.
            max_depth: 1024,
            max_memo: 1 << 24,
            max_alloc: 1 << 32,
            max_expansion: 64,
            reject_cycles: false,
            lossless: false,
            py2_strings: Py2Strings::default(),
            globals: GlobalsPolicy::default(),
            buffers: None,
            persistent_load: None,
            fast_path: true,
            joblib: false,
            share_atoms: false,
        }
    }
}

impl DeOptions {
    /// The defaults: depth 1024, 16 Mi memo entries, 4 GiB total allocation,
    /// Python 2 strings as Latin-1, globals kept as data.
    pub fn new() -> Self {
        Self::default()
    }

    /// The highest [`max_depth`](Self::max_depth) there is: a larger setting
    /// counts as this. A [`Value`] nested this deep drops without overflowing
    /// a 2 MiB thread stack (`Vec`'s drop recurses once per level of lists
    /// nested directly in lists; see [`Value`]'s docs), and CPython itself
    /// cannot print or re-pickle a value nested more than about 1000 levels.
    ///
    /// ```
    /// use serde_pickle::DeOptions;
    /// assert_eq!(DeOptions::MAX_DEPTH, 4096);
    /// ```
    pub const MAX_DEPTH: usize = 4096;

    /// Maximum nesting depth of containers when turning the pickle into a
    /// value (default 1024, at most [`DeOptions::MAX_DEPTH`]).
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth.min(Self::MAX_DEPTH);
        self
    }

    /// Maximum number of memo entries.
    pub fn max_memo(mut self, entries: usize) -> Self {
        self.max_memo = entries;
        self
    }

    /// Maximum bytes the reader allocates for the pickle's contents.
    pub fn max_alloc(mut self, bytes: usize) -> Self {
        self.max_alloc = bytes;
        self
    }

    /// How far memo references may multiply the pickle when it is read
    /// (default 64). A pickle names a string, bytes or container once and
    /// then refers to it again with a two-byte `BINGET`; a Rust value (and
    /// a [`Value`]'s strings and bytes) holds a copy per reference, so a
    /// small pickle could otherwise ask for gigabytes (a "billion laughs").
    ///
    /// A read may visit `factor` × (the number of values in the pickle)
    /// containers, plus 2<sup>16</sup>, and copy `factor` × (the pickle's
    /// size, out-of-band buffers included) bytes of strings, bytes and
    /// integers, plus 1 MiB, but never more than [`max_alloc`](Self::max_alloc).
    /// Beyond that the read fails with [`Category::Limit`](crate::Category::Limit).
    /// Data without repeated references never comes near it.
    ///
    /// ```
    /// use serde_pickle::{from_slice_with, DeOptions, Category};
    /// // ['x' * 1000] * 5000 at protocol 2 (CPython reads it): 11 KB that ask for
    /// // 5 MB of strings, 450 times the pickle's size.
    /// let mut pickle = b"\x80\x02]q\x00(X\xe8\x03\x00\x00".to_vec();
    /// pickle.extend([b'x'; 1000]);
    /// pickle.extend(b"q\x01"); // BINPUT 1
    /// for _ in 0..4999 {
    ///     pickle.extend(b"h\x01"); // BINGET 1
    /// }
    /// pickle.extend(b"e.");
    /// let err = from_slice_with::<Vec<String>>(&pickle, &DeOptions::new().max_expansion(64))
    ///     .unwrap_err();
    /// assert_eq!(err.category(), Category::Limit);
    /// let v: Vec<String> = from_slice_with(&pickle, &DeOptions::new().max_expansion(1000)).unwrap();
    /// assert_eq!(v.len(), 5000);
    /// ```
    pub fn max_expansion(mut self, factor: u64) -> Self {
        self.max_expansion = factor;
        self
    }

    /// Refuse a pickle that puts a container inside itself, as CPython
    /// allows (`l = []; l.append(l)`), when reading a [`Value`] (default
    /// off: such a pickle reads as [`Value::Shared`] nodes that refer to
    /// themselves, freed when dropped: see [`Shared`](crate::value::Shared)). Typed reads
    /// reject cycles always (a Rust value cannot hold itself).
    ///
    /// ```
    /// use serde_pickle::{from_slice, from_slice_with, Category, DeOptions, Value};
    /// // l = []; l.append(l); pickle.dumps(l, protocol=2)
    /// let cyclic = b"\x80\x02]q\x00h\x00a.";
    /// assert!(from_slice::<Value>(cyclic).is_ok());
    /// let err = from_slice_with::<Value>(cyclic, &DeOptions::new().reject_cycles(true)).unwrap_err();
    /// assert_eq!(err.category(), Category::Data);
    /// ```
    pub fn reject_cycles(mut self, on: bool) -> Self {
        self.reject_cycles = on;
        self
    }

    /// Refuse, when reading a [`Value`], a pickle whose `Value` would not
    /// write back the calls CPython makes (default off): a call whose result
    /// is popped and that cannot be kept in place in
    /// [`Object::effects`](crate::value::Object::effects) (nothing but plain
    /// data under it on the stack, or items or states added to the object
    /// under it afterwards). Such a call is otherwise left out of the
    /// `Value`, which is then what `pickle.loads` returns, but writing it
    /// back would not make the call. Turn it on to transcode: the error
    /// names the `POP`'s offset. (`pickletool transcode` does.)
    ///
    /// ```
    /// use serde_pickle::{from_slice, from_slice_with, Category, DeOptions, Value};
    /// // MARK os.system 'echo' OBJ POP NONE: the call's result is dropped.
    /// let p = b"\x80\x04(\x8c\x02os\x8c\x06system\x93\x8c\x04echoo0N.";
    /// assert!(from_slice::<Value>(p).unwrap().is_none());
    /// let err = from_slice_with::<Value>(p, &DeOptions::new().lossless(true)).unwrap_err();
    /// assert_eq!(err.category(), Category::Unsupported);
    /// assert_eq!(err.offset(), Some(23));
    /// ```
    pub fn lossless(mut self, on: bool) -> Self {
        self.lossless = on;
        self
    }

    /// Bytes of payload (str, bytes, int digits) a read of `input_len`
    /// bytes may produce, counting every reference to a shared one.
    pub(crate) fn payload_budget(&self, input_len: usize) -> u64 {
        let buffers: u64 =
            self.buffers.as_ref().map_or(0, |b| b.iter().map(|b| b.len() as u64).sum());
        (input_len as u64 + buffers)
            .saturating_mul(self.max_expansion)
            .saturating_add(1 << 20)
            .min(self.max_alloc as u64)
    }

    /// Containers a typed read of a pickle of `nodes` values may enter.
    pub(crate) fn visit_budget(&self, nodes: usize) -> u64 {
        (nodes as u64).saturating_mul(self.max_expansion).saturating_add(1 << 16)
    }

    /// How Python 2 strings are decoded.
    pub fn py2_strings(mut self, mode: Py2Strings) -> Self {
        self.py2_strings = mode;
        self
    }

    /// Which globals may appear.
    pub fn globals(mut self, policy: GlobalsPolicy) -> Self {
        self.globals = policy;
        self
    }

    /// Out-of-band buffers for protocol 5's `NEXT_BUFFER`, like `pickle.loads(data, buffers=...)`.
    pub fn buffers(mut self, buffers: Vec<Vec<u8>>) -> Self {
        self.buffers = Some(Arc::new(buffers));
        self
    }

    /// Use the streaming fast path for typed reads (default on). The opcode
    /// VM is the authority either way; turning the fast path off exists only
    /// for the crate's differential tests and for fuzzing (`--cfg fuzzing`).
    #[cfg(any(test, fuzzing))]
    #[doc(hidden)]
    pub fn fast_path(mut self, on: bool) -> Self {
        self.fast_path = on;
        self
    }

    /// Read a file written by `joblib.dump` (uncompressed), like
    /// `joblib.load`: each numpy array's raw bytes, which follow its
    /// `NumpyArrayWrapper` in the opcode stream, are taken as the array's
    /// data, and the array reads like one from a pickle. Such a file is
    /// not a pickle, so this is off by default; with it on, reads always
    /// take the opcode VM. See [`from_joblib_slice`](crate::from_joblib_slice).
    ///
    /// ```
    /// # use serde_pickle::DeOptions;
    /// let opts = DeOptions::new().joblib(true);
    /// // A plain pickle reads the same with it.
    /// let v: Vec<u8> = serde_pickle::from_slice_with(b"\x80\x02]K\x01a.", &opts).unwrap();
    /// assert_eq!(v, [1]);
    /// ```
    pub fn joblib(mut self, on: bool) -> Self {
        self.joblib = on;
        if on {
            // The fast path knows nothing of bytes between opcodes.
            self.fast_path = false;
        }
        self
    }

    /// A hook for persistent ids, like `Unpickler.persistent_load`.
    pub fn persistent_load(
        mut self,
        hook: impl Fn(&Value) -> Result<Value> + Send + Sync + 'static,
    ) -> Self {
        self.persistent_load = Some(Arc::new(hook));
        self
    }
}
