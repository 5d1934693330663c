//! A lone large `bytes` pickle read from an `io::Read` (`from_reader` and
//! the stream iterator): its payload, read into a vector of its own by
//! `IoRead::lone_bytes` (`read/reader/lone.rs`), is offered to the type, so
//! that when the type takes owned bytes (`serde_bytes::ByteBuf`, `Value`,
//! ...) that vector becomes the value: a pickled 16 MiB blob is read with
//! one copy, from the reader, in 16 MiB.
//!
//! Only the exact shape picklers write for a lone `bytes` is handed over,
//! which the fast path and the VM both read as that object and nothing else,
//! and only when the type asks for bytes: for any other request nothing has
//! been consumed, and the pickle is put back together (one copy of the
//! payload) and parsed as usual.

use serde::de::{self, Visitor};

use crate::error::{Error, Result};
use crate::options::DeOptions;
use crate::read::{LoneBytes, Read, LARGE};

/// The lone large `bytes` pickle at `read`'s position, made into `T` and
/// consumed, if `whole(read, &lone)` says it may be (`from_reader` asks that
/// nothing follows it) and `T` takes owned bytes; `None` leaves `read` as it
/// was, for the usual paths.
pub(super) fn take<'de, S: Read<'de>, T: de::Deserialize<'de>>(
    read: &mut S,
    opts: &DeOptions,
    whole: impl FnOnce(&mut S, &LoneBytes) -> bool,
) -> Option<Result<T>> {
    let mut lone = read.lone_bytes(LARGE, opts.max_alloc, opts.max_memo > 0)?;
    if whole(read, &lone) {
        match offer(std::mem::take(&mut lone.payload), opts) {
            Ok(made) => {
                read.lone_bytes_done(&lone);
                return Some(made);
            }
            Err(payload) => lone.payload = payload,
        }
    }
    read.put_back(lone);
    None
}

/// Offer an owned payload, the whole pickle's value, to `T`: what `T` made
/// of it, or the payload back if `T` asks for something other than bytes.
/// (Handed over and refused by the visitor, the visitor's error is what
/// the VM's walk would report too: it gives the same visitor the same
/// bytes, and returns its error as is.)
fn offer<'de, T: de::Deserialize<'de>>(
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
