//! `from_reader` of a pickle that starts with a large `bytes` object: the
//! payload is read into a buffer of its own, so that when the pickle is
//! just that object (`PROTO`, `BINBYTES*`, a memo put, `STOP`) and the type
//! takes owned bytes (`serde_bytes::ByteBuf`, `Value`, ...), that buffer
//! becomes the value: a pickled 16 MiB blob is read with one copy, from the reader, in
//! 16 MiB.
//!
//! Only the exact shape picklers write for a lone `bytes` is handed over,
//! which the fast path and the VM both read as that object and nothing else,
//! and only when the type asks for bytes: for any other request nothing has
//! been consumed, and the pickle is put back together (one copy of the
//! payload) and parsed as usual.

use std::io::Read;

use serde::de::{self, DeserializeOwned, Visitor};

use super::input;
use crate::error::{Error, Result};
use crate::options::DeOptions;
use crate::read::is_lone_trailer;

/// Read the rest of a pickle whose first `head.len()` bytes hold the header
/// (`header` bytes) of a `len`-byte `bytes` payload, and deserialize it.
pub(super) fn read<R: Read, T: DeserializeOwned>(
    mut head: Vec<u8>,
    (header, len): (usize, u64),
    mut reader: R,
    opts: &DeOptions,
) -> Result<T> {
    let limit = opts.max_alloc;
    // The first bytes of the payload may have come with the header.
    let early = head.split_off(header.min(head.len()));
    let left = limit.saturating_sub(head.len());
    let mut payload = input::read_payload(&mut reader, early, len, left)?;
    let used = head.len() + payload.len();
    let tail = input::read_all(Vec::new(), reader, limit.saturating_sub(used))?;
    if payload.len() as u64 == len && is_lone_trailer(&tail, opts.max_memo > 0) {
        match offer(payload, opts) {
            Ok(v) => return v,
            Err(refused) => payload = refused,
        }
    }
    // Put the pickle back together for the parser.
    head.try_reserve_exact(payload.len() + tail.len()).map_err(|_| too_large(limit))?;
    head.extend_from_slice(&payload);
    drop(payload);
    head.extend_from_slice(&tail);
    if head.len() > limit {
        return Err(too_large(limit));
    }
    super::from_slice_with(&head, opts)
}

/// Offer an owned payload, the whole pickle's value, to `T`: what `T` made
/// of it, or the payload back if `T` asks for something other than bytes.
/// (Handed over and refused by the visitor, the visitor's error is what
/// the VM's walk would report too: it gives the same visitor the same
/// bytes, and returns its error as is.)
pub(super) fn offer<'de, T: de::Deserialize<'de>>(
    payload: Vec<u8>,
    opts: &DeOptions,
) -> std::result::Result<Result<T>, Vec<u8>> {
    let mut owned = OwnedBytes { payload: Some(payload), as_value: !opts.share_atoms };
    match T::deserialize(&mut owned) {
        Ok(v) => Ok(Ok(v)),
        Err(e) => match owned.payload {
            Some(payload) => Err(payload),
            None => Ok(Err(e)),
        },
    }
}

fn too_large(limit: usize) -> Error {
    Error::limit_exceeded("max_alloc", limit, "the input is larger")
}

/// Offers the payload, owned, to a type that asks for bytes (or for a
/// [`crate::Value`], as the fast path builds one); refuses (keeping it)
/// anything else.
struct OwnedBytes {
    payload: Option<Vec<u8>>,
    /// Whether a `Value` may be built here (not when memo-shared bytes must
    /// be kept as `Value::Shared`, which the VM decides).
    as_value: bool,
}

use super::fast::fallback as refused;

impl OwnedBytes {
    fn give<'de, V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        visitor.visit_byte_buf(self.payload.take().ok_or_else(refused)?)
    }
}

impl<'de> de::Deserializer<'de> for &mut OwnedBytes {
    type Error = Error;

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.give(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.give(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match self.payload.take() {
            Some(payload) if name == crate::shape_marker::VALUE && self.as_value => {
                crate::value::de::deliver(crate::Value::Bytes(payload), visitor)
            }
            payload => {
                self.payload = payload;
                Err(refused())
            }
        }
    }

    fn deserialize_any<V: Visitor<'de>>(self, _visitor: V) -> Result<V::Value> {
        Err(refused())
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        option unit unit_struct seq tuple tuple_struct map struct
        enum identifier ignored_any
    }
}
