//! `serde::Deserializer` for the fast path: each method reads the shape
//! it is asked for, and gives up ([`fallback`]) on anything else.

use serde::de::{self, Visitor};

use super::access::Variant;
use super::{fallback, Fast, Last, Memo};
use crate::codec::opcodes::*;
use crate::error::{Error, Result};

macro_rules! forward_scalar {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                match self.scalar()? {
                    Some(m) => self.visit_scalar(m, visitor),
                    None => Err(fallback()),
                }
            }
        )*
    };
}

macro_rules! forward_int {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                match self.int()? {
                    Some(i) => visitor.visit_i64(i),
                    None => match self.scalar()? {
                        Some(m) => self.visit_scalar(m, visitor),
                        None => Err(fallback()),
                    },
                }
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for &mut Fast<'_, 'de, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if let Some(m) = self.scalar()? {
            return self.visit_scalar(m, visitor);
        }
        match self.peek()? {
            EMPTY_DICT => self.map(visitor),
            EMPTY_LIST | EMPTY_SET | EMPTY_TUPLE | MARK => self.seq(visitor, None),
            _ => Err(fallback()),
        }
    }

    forward_scalar! {
        deserialize_char
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // The common case inline: NEWTRUE/NEWFALSE not followed by a memo put.
        let p = self.pos;
        if let Some(&op @ (NEWTRUE | NEWFALSE)) = self.input.get(p) {
            if !matches!(
                self.input.get(p + 1),
                Some(&(MEMOIZE | BINPUT | LONG_BINPUT | FRAME | PROTO))
            ) {
                self.pos = p + 1;
                self.values += 1;
                return visitor.visit_bool(op == NEWTRUE);
            }
        }
        match self.scalar()? {
            Some(m) => self.visit_scalar(m, visitor),
            None => Err(fallback()),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.bytes(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.bytes(visitor)
    }

    forward_int! {
        deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64 deserialize_i128
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_u128
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.string(visitor)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_f64(visitor)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // The common case inline: BINFLOAT not followed by a memo put.
        let p = self.pos;
        if self.input.get(p) == Some(&BINFLOAT) {
            if let Some(b) = self.input.get(p + 1..p + 9) {
                if !matches!(
                    self.input.get(p + 9),
                    Some(&(MEMOIZE | BINPUT | LONG_BINPUT | FRAME | PROTO))
                ) {
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.pos = p + 9;
                    self.values += 1;
                    return visitor.visit_f64(f64::from_be_bytes(a));
                }
            }
        }
        match self.scalar()? {
            Some(Memo::Float(f)) => visitor.visit_f64(f),
            // The VM's rule for ints read as floats (exactness) applies.
            _ => Err(fallback()),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.peek()? == NONE {
            self.pos += 1;
            self.memo_after(Last::Scalar(Memo::None))?;
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.scalar()? {
            Some(Memo::None) => visitor.visit_unit(),
            _ => Err(fallback()),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == crate::shape_marker::VALUE && self.depth == 0 && !self.opts.share_atoms {
            // A whole-pickle Value of plain data is built here; nested ones
            // (a Value field) and the Python wrapper types need the VM.
            let value = self.whole_value()?;
            return crate::value::de::deliver(value, visitor);
        }
        if name.starts_with('$') {
            return Err(fallback());
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.seq(visitor, None)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        self.seq(visitor, Some(len))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.seq(visitor, Some(len))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.map(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self.peek()? {
            EMPTY_DICT => {
                self.enter()?;
                self.pos += 1;
                self.memo_after(Last::Container)?;
                // One entry: `key value SETITEM` (CPython's C pickler) or
                // `MARK key value SETITEMS` (the pure-Python one).
                let closer = if self.peek()? == MARK {
                    self.pos += 1;
                    SETITEMS
                } else {
                    SETITEM
                };
                visitor.visit_enum(Variant { de: self, closer: Some(closer) })
            }
            _ => visitor.visit_enum(Variant { de: self, closer: None }),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(de::IgnoredAny)?;
        visitor.visit_unit()
    }
}
