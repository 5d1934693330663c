//! serde's access traits over a [`View`]'s containers: `SeqAccess` for lists,
//! tuples and sets, `MapAccess` for dicts, `EnumAccess` for `'Variant'` and
//! `{'Variant': value}`.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::view::{Kind, Tree, View};
use crate::error::{Error, Result};

/// Visit the items of a sequence.
pub(crate) fn visit_seq_of<'de, N: View<'de>, V: Visitor<'de>>(
    n: &N,
    s: N::Seq,
    visitor: V,
) -> Result<V::Value> {
    let _g = n.enter()?;
    let mut access = SeqDe::new(n, s);
    let v = visitor.visit_seq(&mut access)?;
    access.finish()?;
    Ok(v)
}

/// Visit the entries of one map, or of two as one.
pub(crate) fn visit_map_of<'de, N: View<'de>, V: Visitor<'de>>(
    n: &N,
    parts: [N::Map; 2],
    visitor: V,
) -> Result<V::Value> {
    let _g = n.enter()?;
    visitor.visit_map(MapDe::new(n, parts))
}

struct SeqDe<N: Tree> {
    parent: N,
    iter: N::Items,
    /// The number of items, for the index of an item in an error's path.
    len: usize,
}

impl<N: Tree> SeqDe<N> {
    fn new(parent: &N, s: N::Seq) -> Self {
        let iter = parent.items(s);
        SeqDe { parent: *parent, len: iter.len(), iter }
    }

    /// A sequence longer than the target (a tuple of 3 into a pair) is an error.
    fn finish(&self) -> Result<()> {
        match self.iter.len() {
            0 => Ok(()),
            n => Err(Error::message(format!("{n} more items than the target type takes"))),
        }
    }

    /// An error from the item just taken, under its index.
    #[cold]
    #[inline(never)]
    fn item_error(&self, e: Error, item: N) -> Error {
        item.in_item(e, self.len - self.iter.len() - 1)
    }
}

impl<'de, N: View<'de>> de::SeqAccess<'de> for SeqDe<N> {
    type Error = Error;

    #[inline(always)] // on the recursion of every nested sequence: no frame of its own
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.iter.next() {
            Some(c) => {
                let item = self.parent.child(c);
                seed.deserialize(item).map(Some).map_err(|e| self.item_error(e, item))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

struct MapDe<N: Tree> {
    parent: N,
    iter: N::Pairs,
    /// The key just read and its value.
    pending: Option<(N::Child, N::Child)>,
}

impl<N: Tree> MapDe<N> {
    fn new(parent: &N, parts: [N::Map; 2]) -> Self {
        MapDe { parent: *parent, iter: parent.pairs(parts), pending: None }
    }

    /// An error from the value `v` of key `k`, under that key.
    #[cold]
    #[inline(never)]
    fn value_error(&self, e: Error, k: N::Child, v: N::Child) -> Error {
        self.parent.child(v).in_entry(e, &self.parent.child(k))
    }
}

impl<'de, N: View<'de>> de::MapAccess<'de> for MapDe<N> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((k, v)) = self.iter.next() else { return Ok(None) };
        self.pending = v.map(|v| (k, v));
        let key = self.parent.child(k);
        match seed.deserialize(key) {
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(key.at_key(e)),
        }
    }

    #[inline(always)] // on the recursion of every nested map: no frame of its own
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some((k, v)) = self.pending.take() else {
            return Err(Error::message("dict value missing"));
        };
        let value = self.parent.child(v);
        seed.deserialize(value).map_err(|e| self.value_error(e, k, v))
    }

    fn size_hint(&self) -> Option<usize> {
        self.iter.size_hint().1
    }
}

/// An enum: the variant name and, for non-unit variants, the content.
pub(crate) struct VariantDe<N> {
    pub key: N,
    pub value: Option<N>,
}

impl<'de, N: View<'de>> de::EnumAccess<'de> for VariantDe<N> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<V: DeserializeSeed<'de>>(self, seed: V) -> Result<(V::Value, Self)> {
        let v = seed.deserialize(self.key)?;
        Ok((v, self))
    }
}

impl<'de, N: View<'de>> de::VariantAccess<'de> for VariantDe<N> {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.value {
            None => Ok(()),
            Some(v) if matches!(v.peek(), Kind::None) => Ok(()),
            Some(_) => Err(Error::message("unit variant with content")),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value> {
        match self.value {
            Some(v) => seed.deserialize(v).map_err(|e| v.in_entry(e, &self.key)),
            None => seed.deserialize(().into_deserializer()),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(v) => {
                de::Deserializer::deserialize_seq(v, visitor).map_err(|e| v.in_entry(e, &self.key))
            }
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.value {
            Some(v) => {
                de::Deserializer::deserialize_map(v, visitor).map_err(|e| v.in_entry(e, &self.key))
            }
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"struct variant")),
        }
    }
}
