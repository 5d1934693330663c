//! The access types of the fast path: list/dict/set items in batches,
//! `MARK ... TUPLE` items, postfix `TUPLE1..3` items, and enum variants.

use serde::de::{self, DeserializeSeed, Visitor};

use super::{fallback, Fast};
use crate::codec::batch::BATCH;
use crate::codec::opcodes::*;
use crate::error::{Error, Result};

#[derive(Clone, Copy, PartialEq)]
enum State {
    /// Right after the opener: a MARK starts the first batch, a value is a single item.
    Start,
    /// Inside a MARK ... closer batch.
    Batch,
    /// After a single item: its APPEND/SETITEM must follow.
    Single,
    /// After a batch of `n` items.
    Between(usize),
    /// Complete.
    Done,
}

/// Items of a list/dict/set filled by batches (`MARK items APPENDS`) or, for
/// a one-item container, `item APPEND`.
pub(super) struct Batched<'a, 'i, 'de, 'o> {
    de: &'a mut Fast<'i, 'de, 'o>,
    closer: u8,
    single: Option<u8>,
    state: State,
    in_batch: usize,
}

impl<'a, 'i, 'de, 'o> Batched<'a, 'i, 'de, 'o> {
    pub(super) fn new(de: &'a mut Fast<'i, 'de, 'o>, closer: u8, single: Option<u8>) -> Self {
        Batched { de, closer, single, state: State::Start, in_batch: 0 }
    }

    /// Position at the next item; false when the container is complete.
    fn advance(&mut self) -> Result<bool> {
        loop {
            let op = self.de.peek()?;
            match self.state {
                State::Batch => {
                    if op == self.closer {
                        self.de.pos += 1;
                        self.state = State::Between(self.in_batch);
                        continue;
                    }
                    self.in_batch += 1;
                    return Ok(true);
                }
                State::Single => {
                    if Some(op) != self.single {
                        return Err(fallback());
                    }
                    self.de.pos += 1;
                    self.state = State::Done;
                }
                State::Done => return Ok(false),
                State::Start | State::Between(_) => {
                    // Picklers start a new batch only after a full one; a MARK
                    // after a shorter batch belongs to whatever follows the container.
                    let more = matches!(self.state, State::Start | State::Between(BATCH));
                    if more && op == MARK {
                        self.de.pos += 1;
                        self.in_batch = 0;
                        self.state = State::Batch;
                        continue;
                    }
                    if more && self.single.is_some() && is_value_start(op) {
                        self.state = State::Single;
                        return Ok(true);
                    }
                    self.state = State::Done;
                    return Ok(false);
                }
            }
        }
    }

    /// Position at the next item, the common case inline: inside a batch,
    /// anything but the closer (or a frame) starts an item.
    #[inline(always)]
    fn next(&mut self) -> Result<bool> {
        if self.state == State::Batch {
            if let Some(&op) = self.de.input.get(self.de.pos) {
                if op == self.closer && self.in_batch != BATCH {
                    // The closer of a batch shorter than full: the last
                    // (as `advance` decides; a full one may be followed by more).
                    self.de.pos += 1;
                    self.state = State::Done;
                    return Ok(false);
                }
                if op != self.closer && op != FRAME && op != PROTO {
                    self.in_batch += 1;
                    return Ok(true);
                }
            }
        }
        self.advance()
    }

    /// After the visitor is done: the container must be complete.
    #[inline]
    pub(super) fn finish(mut self) -> Result<()> {
        if self.state != State::Done && self.advance()? {
            return Err(fallback());
        }
        Ok(())
    }
}

impl Batched<'_, '_, '_, '_> {
    /// Items of a container that opens with a batch of scalars only (a
    /// `HashMap<String, i64>`, a struct read as a map): their number, for
    /// the visitor to size the collection once (growing a hash map rehashes
    /// every key at each step, which doubled the hashing of small maps).
    /// Just a hint: `None` when the first batch holds anything else, and
    /// only the first batch is counted.
    fn first_batch_len(&self) -> Option<usize> {
        if self.state != State::Start {
            return None;
        }
        let input = self.de.input;
        let mut at = self.de.pos;
        if *input.get(at)? != MARK {
            return None;
        }
        at += 1;
        let mut n = 0;
        loop {
            let op = *input.get(at)?;
            let len = match op {
                NONE | NEWTRUE | NEWFALSE => 1,
                BININT1 | BINGET => 2,
                BININT2 => 3,
                BININT => 5,
                BINFLOAT => 9,
                LONG1 | SHORT_BINUNICODE | SHORT_BINBYTES => 2 + *input.get(at + 1)? as usize,
                MEMOIZE => {
                    at += 1;
                    continue;
                }
                BINPUT => {
                    at += 2;
                    continue;
                }
                _ if op == self.closer => break,
                _ => return None,
            };
            n += 1;
            at += len;
            if n > 2 * BATCH {
                return None;
            }
        }
        Some(if self.closer == SETITEMS { n / 2 } else { n })
    }
}

fn is_value_start(op: u8) -> bool {
    matches!(
        op,
        NONE | NEWTRUE
            | NEWFALSE
            | BININT
            | BININT1
            | BININT2
            | LONG1
            | BINFLOAT
            | SHORT_BINUNICODE
            | BINUNICODE
            | BINUNICODE8
            | SHORT_BINBYTES
            | BINBYTES
            | BINBYTES8
            | BINGET
            | LONG_BINGET
            | EMPTY_LIST
            | EMPTY_DICT
            | EMPTY_SET
            | EMPTY_TUPLE
    )
}

impl<'de> de::SeqAccess<'de> for Batched<'_, '_, 'de, '_> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.next()? {
            return Ok(None);
        }
        if self.closer == ADDITEMS {
            // A set item must be hashable.
            return self.de.hashable(|de| seed.deserialize(de)).map(Some);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        self.first_batch_len()
    }
}

impl<'de> de::MapAccess<'de> for Batched<'_, '_, 'de, '_> {
    type Error = Error;

    fn size_hint(&self) -> Option<usize> {
        self.first_batch_len()
    }

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.next()? {
            return Ok(None);
        }
        // A dict key must be hashable.
        self.de.hashable(|de| seed.deserialize(de)).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.de)
    }
}

/// Items of a `MARK items TUPLE/LIST/FROZENSET` container, up to the closer.
pub(super) struct Marked<'a, 'i, 'de, 'o> {
    pub(super) de: &'a mut Fast<'i, 'de, 'o>,
}

impl<'de> de::SeqAccess<'de> for Marked<'_, '_, 'de, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if matches!(self.de.peek()?, TUPLE | LIST | FROZENSET) {
            return Ok(None);
        }
        seed.deserialize(&mut *self.de).map(Some)
    }
}

/// Exactly `left` items (a postfix TUPLE1..3, or an empty tuple).
pub(super) struct Fixed<'a, 'i, 'de, 'o> {
    pub(super) de: &'a mut Fast<'i, 'de, 'o>,
    pub(super) left: usize,
}

impl<'de> de::SeqAccess<'de> for Fixed<'_, '_, 'de, '_> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(&mut *self.de).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

pub(super) struct Variant<'a, 'i, 'de, 'o> {
    pub(super) de: &'a mut Fast<'i, 'de, 'o>,
    /// Inside a one-entry dict: the opcode that must close it (SETITEM or SETITEMS).
    pub(super) closer: Option<u8>,
}

impl<'a, 'i, 'de, 'o> de::EnumAccess<'de> for Variant<'a, 'i, 'de, 'o> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(&mut *self.de)?;
        Ok((v, self))
    }
}

impl<'de> Variant<'_, '_, 'de, '_> {
    /// The content of `{'Variant': content}`, then the dict's closer.
    fn content<T>(self, read: impl FnOnce(&mut Fast<'_, 'de, '_>) -> Result<T>) -> Result<T> {
        let Some(closer) = self.closer else { return Err(fallback()) };
        let v = read(&mut *self.de)?;
        if self.de.byte()? != closer {
            return Err(fallback());
        }
        self.de.depth -= 1;
        Ok(v)
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'_, '_, 'de, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.closer {
            // A TUPLE1 after the name: serde-pickle's `('Variant',)`, the VM's.
            None if self.de.peek()? == TUPLE1 => Err(fallback()),
            None => Ok(()),
            Some(_) => Err(fallback()),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        self.content(|de| seed.deserialize(de))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.content(|de| de.seq(visitor, Some(len)))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.content(|de| de.map(visitor))
    }
}
