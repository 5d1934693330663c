//! Reading pickles into Rust values: the public [`Deserializer`] runs the
//! opcode VM over its input, then a serde `Deserializer` walks the arena.

mod access;
mod context;
#[cfg(test)]
mod differential;
pub(crate) mod fast;
mod lone_bytes;
mod node;
mod pytypes;
pub(crate) mod view;

use std::io;

use serde::de::{self, DeserializeOwned};

use crate::error::{Error, ErrorCode, Result};
use crate::options::DeOptions;
use crate::read::{IoRead, Pickle, Read, SliceRead};
use crate::stream::StreamDeserializer;
use crate::vm::machine::Loaded;
use crate::vm::Machine;

pub(crate) use node::{Ctx, NodeDe};
use view::{forward_deserializer, Tree};

/// Reads pickles from a [`Read`] source ([`SliceRead`] or [`IoRead`]).
///
/// `&mut Deserializer` implements `serde::Deserializer`: each use reads one
/// pickle. [`Deserializer::into_iter`] reads a stream of several.
///
/// ```
/// use serde_pickle::Deserializer;
/// let mut stream = Vec::new();
/// serde_pickle::to_writer(&mut stream, &1u8).unwrap();
/// serde_pickle::to_writer(&mut stream, &2u8).unwrap();
/// let all: Vec<u8> = Deserializer::from_slice(&stream)
///     .into_iter::<u8>()
///     .collect::<Result<_, _>>()
///     .unwrap();
/// assert_eq!(all, [1, 2]);
/// ```
pub struct Deserializer<R> {
    pub(crate) read: R,
    pub(crate) opts: DeOptions,
    pub(crate) machine: Machine,
}

impl<'de> Deserializer<SliceRead<'de>> {
    /// Read from a byte slice; `&str` and `&[u8]` fields borrow from it.
    pub fn from_slice(bytes: &'de [u8]) -> Self {
        Deserializer::new(SliceRead::new(bytes))
    }
}

impl<R: io::Read> Deserializer<IoRead<R>> {
    /// Read from an `io::Read` (buffered internally).
    pub fn from_reader(reader: R) -> Self {
        Deserializer::new(IoRead::new(reader))
    }
}

impl<'de, R: Read<'de>> Deserializer<R> {
    /// Read from any [`Read`] source.
    pub fn new(read: R) -> Self {
        Deserializer { read, opts: DeOptions::default(), machine: Machine::default() }
    }

    /// Use these limits and policies.
    pub fn with_options(mut self, opts: DeOptions) -> Self {
        self.opts = opts;
        self
    }

    /// Iterate over the pickles of a stream (what repeated `pickle.load(f)` reads).
    #[allow(clippy::should_implement_trait)] // serde_json's name for the same thing
    pub fn into_iter<T: de::Deserialize<'de>>(self) -> StreamDeserializer<'de, R, T> {
        StreamDeserializer::new(self)
    }

    /// Check that the input has no bytes left (call after the last value).
    pub fn end(&mut self) -> Result<()> {
        let pos = self.read.offset();
        match self.read.next_byte()? {
            None => Ok(()),
            Some(_) => Err(Error::new(ErrorCode::TrailingBytes).at(pos, None)),
        }
    }

    /// Run the VM over the next pickle; `Ok(None)` at the end of the input.
    pub(crate) fn load(&mut self) -> Result<Option<u32>> {
        match self.machine.run(&mut self.read, &self.opts)? {
            Loaded::Root(id) => Ok(Some(id)),
            Loaded::End => Ok(None),
        }
    }

    /// Load the next pickle and deserialize it as `T`.
    pub(crate) fn next_value<T: de::Deserialize<'de>>(&mut self) -> Result<Option<T>> {
        if self.opts.fast_path {
            // A lone large `bytes` from a reader: its payload read into a
            // vector of its own, which the value takes (see `lone_bytes`).
            if let Some(made) = lone_bytes::take(&mut self.read, &self.opts, |_, _| true) {
                return made.map(Some);
            }
            let read = match self.read.next_pickle(self.opts.max_alloc) {
                Some(Pickle::Lent(input)) => fast::Fast::new(input, &self.opts).run_prefix(),
                Some(Pickle::Buffered(input)) => {
                    fast::Fast::copying(input, &self.opts).run_prefix()
                }
                None => Err(fast::fallback()),
            };
            if let Ok((value, used)) = read {
                self.read.consume(used);
                return Ok(Some(value));
            }
        }
        let Some(root) = self.load()? else { return Ok(None) };
        let ctx = Ctx::new(&self.machine, self.read.input(), &self.opts);
        let de = NodeDe::new(&ctx, root, 0);
        let stop = self.machine.stop_offset;
        T::deserialize(de).map(Some).map_err(|e| match e.category() {
            // A limit met while building the value from the pickle's graph
            // (nesting, expansion) is the pickle's as a whole: reported at its STOP.
            crate::Category::Limit => e.at(stop, Some(crate::codec::opcodes::STOP)),
            _ => self.located(de.in_class(e), root),
        })
    }

    /// A typed read's error, with the offset of the value at fault.
    fn located(&self, e: Error, root: u32) -> Error {
        context::locate(e, root, self.machine.start, self.read.input(), &self.opts)
    }

    fn one<T: de::Deserialize<'de>>(&mut self) -> Result<T> {
        let pos = self.read.offset();
        self.next_value()?.ok_or_else(|| no_pickle(pos))
    }
}

/// The input ends at `pos` where a pickle should start.
fn no_pickle(pos: u64) -> Error {
    let what = if pos == 0 {
        "before any opcode: the input is empty"
    } else {
        "where the next pickle should start"
    };
    Error::new(ErrorCode::Eof).at(pos, None).truncated(pos, what.into())
}

macro_rules! forward_to_loaded {
    ($($method:ident $(($($arg:ident: $ty:ty),*))?),* $(,)?) => {
        $(
            fn $method<V: de::Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value> {
                let Some(root) = self.load()? else {
                    return Err(no_pickle(self.read.offset()));
                };
                let ctx = Ctx::new(&self.machine, self.read.input(), &self.opts);
                let de = NodeDe::new(&ctx, root, 0);
                de::Deserializer::$method(de, $($($arg,)*)? visitor)
                    .map_err(|e| self.located(de.in_class(e), root))
            }
        )*
    };
}

impl<'de, R: Read<'de>> de::Deserializer<'de> for &mut Deserializer<R> {
    type Error = Error;

    forward_deserializer!(forward_to_loaded {} deserialize_newtype_struct(name: &'static str),);
}

/// Read one `T` from a pickle in a byte slice, borrowing `&str`/`&[u8]` from it
/// where `T` asks. Bytes after the pickle's `STOP` are an error.
///
/// ```
/// let bytes = serde_pickle::to_vec(&("hi", 3)).unwrap();
/// let (s, n): (&str, u8) = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!((s, n), ("hi", 3));
/// ```
pub fn from_slice<'de, T: de::Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    from_slice_with(bytes, &DeOptions::default())
}

/// [`from_slice`] with explicit [`DeOptions`].
pub fn from_slice_with<'de, T: de::Deserialize<'de>>(
    bytes: &'de [u8],
    opts: &DeOptions,
) -> Result<T> {
    // The streaming fast path handles plain data; the VM is the authority for
    // everything else (and for every error, so messages do not depend on
    // which path ran).
    if opts.fast_path {
        if let Ok(v) = fast::Fast::new(bytes, opts).run() {
            return Ok(v);
        }
    }
    let mut de = Deserializer::from_slice(bytes).with_options(opts.clone());
    let explain = |e| crate::py::numpy::explain_joblib(bytes, e);
    let value = de.one().map_err(|e| explain(context::sniff(e, bytes)))?;
    de.end().map_err(explain)?;
    Ok(value)
}

/// Read one `T` from a pickle in an `io::Read`. Bytes after the pickle are an
/// error; to read several pickles use [`Deserializer::into_iter`].
///
/// ```
/// let bytes = serde_pickle::to_vec(&vec![1.5, 2.5]).unwrap();
/// let v: Vec<f64> = serde_pickle::from_reader(std::io::Cursor::new(bytes)).unwrap();
/// assert_eq!(v, [1.5, 2.5]);
/// ```
pub fn from_reader<R: io::Read, T: DeserializeOwned>(reader: R) -> Result<T> {
    from_reader_with(reader, &DeOptions::default())
}

/// [`from_reader`] with explicit [`DeOptions`].
pub fn from_reader_with<R: io::Read, T: DeserializeOwned>(
    reader: R,
    opts: &DeOptions,
) -> Result<T> {
    // from_reader reads to the end anyway (bytes after the pickle are an
    // error), so it reads the input whole (bounded by the allocation limit,
    // growing only by what arrives) and parses it like a slice; unless the
    // input is a lone large `bytes`, whose payload is read into a vector the
    // value then owns, as for the stream iterator.
    // A buffer of a `PROTO` and the longest opcode header (`BINBYTES8`) to
    // start with: what telling a lone `bytes` needs.
    let mut io = IoRead::with_buffer(reader, 2 + 9);
    if opts.fast_path {
        if let Some(made) = lone_bytes::take(&mut io, opts, |io, lone| io.ends_after(lone)) {
            return made;
        }
    }
    let buf = io.into_all(opts.max_alloc)?;
    from_slice_with(&buf, opts)
}
