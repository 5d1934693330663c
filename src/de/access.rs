//! serde's access traits over arena sequences: `SeqAccess` for lists, tuples
//! and sets, `MapAccess` for dicts (keys and values alternate in one
//! sequence), `EnumAccess` for `'Variant'` and `{'Variant': value}`.

use serde::de::{self, DeserializeSeed, IntoDeserializer};

use super::node::NodeDe;
use super::pytypes::in_class;
use crate::error::{Error, Result};
use crate::vm::arena::{Node, NodeId, Seq, SeqIter, Text, NIL};

pub(crate) struct SeqDe<'c, 'a, 'de> {
    parent: NodeDe<'c, 'a, 'de>,
    iter: SeqIter<'a>,
    /// The number of items, for the index of an item in an error's path.
    len: u32,
}

impl<'c, 'a, 'de> SeqDe<'c, 'a, 'de> {
    pub(crate) fn new(parent: NodeDe<'c, 'a, 'de>, seq: Seq) -> Self {
        SeqDe { parent, iter: parent.ctx.arena.iter(seq), len: seq.len }
    }

    /// A sequence longer than the target (a tuple of 3 into a pair) is an error.
    pub(crate) fn finish(&mut self) -> Result<()> {
        match self.iter.len() {
            0 => Ok(()),
            n => Err(Error::message(format!("{n} more items than the target type takes"))),
        }
    }
}

impl SeqDe<'_, '_, '_> {
    /// An error from the item `id` just taken, under its index.
    #[cold]
    #[inline(never)]
    fn item_error(&self, e: Error, id: NodeId) -> Error {
        let e = in_class(&self.parent, id, e);
        e.in_item(self.len as usize - self.iter.len() - 1, id)
    }
}

impl<'de> de::SeqAccess<'de> for SeqDe<'_, '_, 'de> {
    type Error = Error;

    #[inline(always)] // on the recursion of every nested sequence: no frame of its own
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.iter.next() {
            Some(id) => seed
                .deserialize(self.parent.child(id))
                .map(Some)
                .map_err(|e| self.item_error(e, id)),
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
    /// The key of the pending value, for an error's path.
    key: u32,
}

impl<'c, 'a, 'de> MapDe<'c, 'a, 'de> {
    pub(crate) fn new(parent: NodeDe<'c, 'a, 'de>, seqs: &[Seq]) -> Self {
        let mut seqs: Vec<Seq> = seqs.iter().rev().copied().collect();
        let iter = seqs.pop().map(|s| parent.ctx.arena.iter(s));
        MapDe { parent, seqs, iter, pending: None, key: NIL }
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

impl MapDe<'_, '_, '_> {
    /// An error from the value `v` of the current key, under that key.
    #[cold]
    #[inline(never)]
    fn value_error(&self, e: Error, v: NodeId) -> Error {
        let e = in_class(&self.parent, v, e);
        e.in_segment(key_segment(&self.parent, self.key), v)
    }
}

impl<'de> de::MapAccess<'de> for MapDe<'_, '_, 'de> {
    type Error = Error;

    #[inline]
    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(k) = self.next_id() else { return Ok(None) };
        self.pending = self.next_id();
        self.key = k;
        match seed.deserialize(self.parent.child(k)) {
            Ok(v) => Ok(Some(v)),
            Err(e) => Err(e.at_node(k)),
        }
    }

    #[inline(always)] // on the recursion of every nested map: no frame of its own
    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        let Some(v) = self.pending.take() else {
            return Err(Error::message("dict value missing"));
        };
        seed.deserialize(self.parent.child(v)).map_err(|e| self.value_error(e, v))
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

impl VariantDe<'_, '_, '_> {
    /// An error from the variant's content, under the variant's name.
    #[cold]
    fn in_content(&self, e: Error) -> Error {
        match self.value {
            Some(v) => in_class(&v, v.id, e).in_segment(key_segment(&self.key, self.key.id), v.id),
            None => e,
        }
    }
}

/// How a dict key shows in an error's path: `.name` for a str that is an
/// identifier, else `[repr]` (`["a b"]`, `[3]`, `[(1, 2)]`).
#[cold]
#[inline(never)]
pub(crate) fn key_segment(parent: &NodeDe<'_, '_, '_>, key: NodeId) -> String {
    let k = parent.child(key);
    if let Node::Str(span, Text::Utf8) = k.node() {
        let text = String::from_utf8_lossy(parent.ctx.arena.bytes(parent.ctx.input, span));
        let ident = text.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
            && text.chars().all(|c| c.is_alphanumeric() || c == '_');
        return if ident { format!(".{text}") } else { format!("[{text:?}]") };
    }
    match super::node::node_value(&k) {
        Ok(v) => {
            let repr = v.to_string();
            match repr.char_indices().nth(40) {
                Some((cut, _)) => format!("[{}…]", &repr[..cut]),
                None => format!("[{repr}]"),
            }
        }
        Err(_) => "[?]".to_string(),
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
            Some(v) => seed.deserialize(v).map_err(|e| self.in_content(e)),
            None => seed.deserialize(().into_deserializer()),
        }
    }

    fn tuple_variant<V: de::Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        match self.value {
            Some(v) => {
                de::Deserializer::deserialize_seq(v, visitor).map_err(|e| self.in_content(e))
            }
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"tuple variant")),
        }
    }

    fn struct_variant<V: de::Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.value {
            Some(v) => {
                de::Deserializer::deserialize_map(v, visitor).map_err(|e| self.in_content(e))
            }
            None => Err(de::Error::invalid_type(de::Unexpected::UnitVariant, &"struct variant")),
        }
    }
}
