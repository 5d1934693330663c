//! serde's access traits over arena sequences: `SeqAccess` for lists, tuples
//! and sets, `MapAccess` for dicts (keys and values alternate in one
//! sequence), `EnumAccess` for `'Variant'` and `{'Variant': value}`.

use serde::de::{self, DeserializeSeed, IntoDeserializer};

use super::node::NodeDe;
use crate::error::{Error, Result};
use crate::vm::arena::{Node, Seq, SeqIter};

pub(crate) struct SeqDe<'c, 'a, 'de> {
    parent: NodeDe<'c, 'a, 'de>,
    iter: SeqIter<'a>,
}

impl<'c, 'a, 'de> SeqDe<'c, 'a, 'de> {
    pub(crate) fn new(parent: NodeDe<'c, 'a, 'de>, seq: Seq) -> Self {
        SeqDe { parent, iter: parent.ctx.arena.iter(seq) }
    }

    /// A sequence longer than the target (a tuple of 3 into a pair) is an error.
    pub(crate) fn finish(&mut self) -> Result<()> {
        match self.iter.len() {
            0 => Ok(()),
            n => Err(Error::message(format!("{n} more items than the target type takes"))),
        }
    }
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, '_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.iter.next() {
            Some(id) => seed.deserialize(self.parent.child(id)).map(Some),
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// Key/value pairs from one or more alternating sequences (several for a
/// `(dict_state, slots_state)` object state, read as one map).
pub(crate) struct MapDe<'c, 'a, 'de> {
    parent: NodeDe<'c, 'a, 'de>,
    seqs: Vec<Seq>,
    iter: Option<SeqIter<'a>>,
    pending: Option<u32>,
}

impl<'c, 'a, 'de> MapDe<'c, 'a, 'de> {
    pub(crate) fn new(parent: NodeDe<'c, 'a, 'de>, seqs: &[Seq]) -> Self {
        let mut seqs: Vec<Seq> = seqs.iter().rev().copied().collect();
        let iter = seqs.pop().map(|s| parent.ctx.arena.iter(s));
        MapDe { parent, seqs, iter, pending: None }
    }

    fn next_id(&mut self) -> Option<u32> {
        loop {
            let it = self.iter.as_mut()?;
            if let Some(id) = it.next() {
                return Some(id);
            }
            self.iter = self.seqs.pop().map(|s| self.parent.ctx.arena.iter(s));
        }
    }
}

impl<'de> de::MapAccess<'de> for MapDe<'_, '_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(k) = self.next_id() else { return Ok(None) };
        self.pending = self.next_id();
        seed.deserialize(self.parent.child(k)).map(Some)
    }

    #[inline]
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        match self.pending.take() {
            Some(v) => seed.deserialize(self.parent.child(v)),
            None => Err(Error::message("dict value missing")),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        let rest: u32 = self.seqs.iter().map(|s| s.len).sum();
        Some((self.iter.as_ref().map_or(0, |i| i.len()) + rest as usize) / 2)
    }
}

/// An enum: the variant name node and, for non-unit variants, the content.
pub(crate) struct VariantDe<'c, 'a, 'de> {
    pub key: NodeDe<'c, 'a, 'de>,
    pub value: Option<NodeDe<'c, 'a, 'de>>,
}

impl<'c, 'a, 'de> de::EnumAccess<'de> for VariantDe<'c, 'a, 'de> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(self.key)?;
        Ok((v, self))
    }
}

impl<'de> de::VariantAccess<'de> for VariantDe<'_, '_, 'de> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.value {
            None => Ok(()),
            Some(v) if matches!(v.node(), Node::None) => Ok(()),
            Some(_) => Err(Error::message("unit variant with content")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.value {
            Some(v) => seed.deserialize(v),
            None => seed.deserialize(().into_deserializer()),
        }
    }

    fn tuple_variant<V: de::Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(v) => de::Deserializer::deserialize_seq(v, visitor),
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: de::Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.value {
            Some(v) => de::Deserializer::deserialize_map(v, visitor),
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"struct variant")),
        }
    }
}
