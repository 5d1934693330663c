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
}

impl Default for SerOptions {
    fn default() -> Self {
        SerOptions { protocol: 5 }
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
    pub(crate) py2_strings: Py2Strings,
    pub(crate) globals: GlobalsPolicy,
    pub(crate) buffers: Option<Arc<Vec<Vec<u8>>>>,
    pub(crate) persistent_load: Option<PersistentLoad>,
    pub(crate) fast_path: bool,
    /// Keep memo-shared strs and bytes as `Value::Shared` (for `to_value`).
    pub(crate) share_atoms: bool,
}

impl fmt::Debug for DeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeOptions")
            .field("max_depth", &self.max_depth)
            .field("max_memo", &self.max_memo)
            .field("max_alloc", &self.max_alloc)
            .field("py2_strings", &self.py2_strings)
            .field("globals", &self.globals)
            .field("buffers", &self.buffers.as_ref().map(|b| b.len()))
            .field("persistent_load", &self.persistent_load.is_some())
            .field("fast_path", &self.fast_path)
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
            py2_strings: Py2Strings::default(),
            globals: GlobalsPolicy::default(),
            buffers: None,
            persistent_load: None,
            fast_path: true,
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

    /// Maximum nesting depth of containers when turning the pickle into a value.
    pub fn max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
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

    /// Use the streaming fast path for typed reads from slices (default on).
    /// The opcode VM is the authority either way; turning the fast path off
    /// is for differential tests and fuzzing.
    #[doc(hidden)]
    pub fn fast_path(mut self, on: bool) -> Self {
        self.fast_path = on;
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
