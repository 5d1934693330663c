//! Reading a numpy array like `arr.tolist()`: an N-dimensional array is a
//! sequence of rows, a 0-d array or numpy scalar is its element. Elements
//! are decoded straight from the data bytes (no arena node per element),
//! so a large float64 array reads into a `Vec<f64>` at the speed of copying
//! its bytes.

use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::array::{view, ArrayView, Data};
use super::dtype::Descr;
use crate::de::view::Tree;
use crate::de::NodeDe;
use crate::error::{Category, Error, ErrorCode, Result};

/// The newtype name [`super::NdArray`] asks for: the array as a map of
/// `shape`, `dtype` and `data` (its elements in C order).
pub(crate) const NDARRAY: &str = "$serde_pickle::NdArray";

/// What the caller asked for.
#[derive(Clone, Copy)]
pub(crate) enum How {
    Any,
    Seq,
    NdArray,
}

/// Read the numpy or pandas object `o` (see [`super::handles`]).
#[inline(never)]
pub(crate) fn read<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    how: How,
    visitor: V,
) -> Result<V::Value> {
    if let Some(kind) = super::pandas::kind(&n, o) {
        return super::pandas::read(n, o, kind, how, visitor);
    }
    if super::joblib::is_wrapper(&n, o) && !super::array::is_numpy(&n, o) {
        return Err(super::joblib::error(&n, o));
    }
    let _g = n.enter()?;
    let view = view(&n, o)?;
    charge(&n, &view)?;
    let a = ArrayDe { n, view: &view, offset: 0, dim: 0 };
    match how {
        How::Any => de::Deserializer::deserialize_any(a, visitor),
        How::Seq => de::Deserializer::deserialize_seq(a, visitor),
        How::NdArray => visitor.visit_map(NdMap { a, key: 0 }),
    }
}

/// Charge an array's read to the payload budget: its bytes, and at least a
/// byte per element (an array of zero-size elements has no bytes, but
/// reading a trillion of them must still hit the limit).
pub(super) fn charge(n: &NodeDe<'_, '_, '_>, view: &ArrayView<'_>) -> Result<()> {
    let count = view.shape.iter().product::<usize>();
    match view.data {
        Data::Raw(b) => n.ctx.charge(b.len().max(count)),
        Data::Objects(_) => Ok(()),
    }
}

/// [`super::NdArray`]'s read of a node: the array's shape, dtype and data
/// when it is a numpy array, else whatever the node is (a plain list).
#[inline(never)]
pub(crate) fn read_ndarray<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    visitor: V,
) -> Result<V::Value> {
    match n.node() {
        crate::vm::arena::Node::Object(o) if super::handles(&n, o) => {
            read(n, o, How::NdArray, visitor)
        }
        _ => visitor.visit_newtype_struct(n),
    }
}

/// Prefix a type mismatch with the dtype it came from.
#[cold]
#[inline(never)]
fn in_dtype(e: Error, descr: &Descr) -> Error {
    match e.code() {
        ErrorCode::Message(m) if m.starts_with("numpy ") => e,
        _ if e.category() == Category::Data => {
            Error::message(format!("numpy {} array: {e}", descr.dtype.name()))
        }
        _ => e,
    }
}

/// A sub-array: the rows from dimension `dim` on, starting at element `offset`.
#[derive(Clone, Copy)]
pub(super) struct ArrayDe<'v, 'c, 'a, 'de> {
    pub n: NodeDe<'c, 'a, 'de>,
    pub view: &'v ArrayView<'c>,
    pub offset: usize,
    pub dim: usize,
}

/// One element: decoded from bytes, or an object array's node.
enum Leaf<'v, 'c, 'a, 'de> {
    Raw(ElemDe<'v, 'c, 'a, 'de>),
    Node(NodeDe<'c, 'a, 'de>),
}

impl<'v, 'c, 'a, 'de> ArrayDe<'v, 'c, 'a, 'de> {
    fn leaf_at(&self, offset: usize) -> Leaf<'v, 'c, 'a, 'de> {
        match &self.view.data {
            Data::Raw(b) => {
                let size = self.view.descr.size();
                let start = offset * size;
                Leaf::Raw(ElemDe {
                    n: self.n,
                    descr: &self.view.descr,
                    bytes: &b[start..start + size],
                })
            }
            Data::Objects(ids) => Leaf::Node(self.n.child(ids[offset])),
        }
    }

    /// The elements' bytes when this is the last dimension of raw data laid
    /// out one after another (the common case: any C-order array, 1-d
    /// Fortran), so the row is read by stepping through fixed-size chunks
    /// instead of computing and checking each element's offset.
    fn contiguous_leaves(&self, len: usize) -> Option<std::slice::ChunksExact<'v, u8>> {
        let Data::Raw(b) = &self.view.data else { return None };
        let size = self.view.descr.size();
        if self.dim + 1 != self.view.shape.len() || self.view.strides[self.dim] != 1 || size == 0 {
            return None;
        }
        // In range when the array has elements (build_with checked the data
        // is shape-size × itemsize bytes); an empty row of an array with a
        // zero dimension may start past the end, and the Rows path reads it.
        let start = self.offset.checked_mul(size)?;
        Some(b.get(start..start.checked_add(len.checked_mul(size)?)?)?.chunks_exact(size))
    }

    fn is_leaf(&self) -> bool {
        self.dim == self.view.shape.len()
    }

    fn rows<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let len = self.view.shape[self.dim];
        let _g = self.n.enter()?;
        if let Some(chunks) = self.contiguous_leaves(len) {
            let mut elems = LeafRow { n: self.n, descr: &self.view.descr, chunks };
            let v = visitor.visit_seq(&mut elems).map_err(|e| in_dtype(e, &self.view.descr))?;
            if elems.chunks.len() > 0 {
                return Err(de::Error::invalid_length(len, &"fewer elements in the array"));
            }
            return Ok(v);
        }
        let mut rows = Rows { a: self, i: 0, len };
        let v = visitor.visit_seq(&mut rows)?;
        if rows.i < len {
            return Err(de::Error::invalid_length(len, &"fewer elements in the array"));
        }
        Ok(v)
    }

    fn deserialize_elem<T: DeserializeSeed<'de>>(
        &self,
        offset: usize,
        seed: T,
    ) -> Result<T::Value> {
        let r = match self.leaf_at(offset) {
            Leaf::Raw(e) => seed.deserialize(e),
            Leaf::Node(n) => seed.deserialize(n),
        };
        r.map_err(|e| in_dtype(e, &self.view.descr))
    }
}

/// The rows (or elements) of one dimension.
struct Rows<'v, 'c, 'a, 'de> {
    a: ArrayDe<'v, 'c, 'a, 'de>,
    i: usize,
    len: usize,
}

impl<'de> SeqAccess<'de> for Rows<'_, '_, '_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.i == self.len {
            return Ok(None);
        }
        let a = self.a;
        let offset = a.offset + self.i * a.view.strides[a.dim];
        self.i += 1;
        if a.dim + 1 == a.view.shape.len() {
            a.deserialize_elem(offset, seed).map(Some)
        } else {
            seed.deserialize(ArrayDe { offset, dim: a.dim + 1, ..a }).map(Some)
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.len - self.i)
    }
}

/// The elements of a contiguous last dimension of raw data.
struct LeafRow<'v, 'c, 'a, 'de> {
    n: NodeDe<'c, 'a, 'de>,
    descr: &'v Descr,
    chunks: std::slice::ChunksExact<'v, u8>,
}

impl<'de> SeqAccess<'de> for LeafRow<'_, '_, '_, 'de> {
    type Error = Error;

    #[inline]
    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        match self.chunks.next() {
            Some(bytes) => {
                seed.deserialize(ElemDe { n: self.n, descr: self.descr, bytes }).map(Some)
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.chunks.len())
    }
}

macro_rules! leaf_or {
    ($rows:ident: $($method:ident $(($($arg:ident: $ty:ty),*))?),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> Result<V::Value> {
                if !self.is_leaf() {
                    return self.$rows(visitor);
                }
                let descr = &self.view.descr;
                match self.leaf_at(self.offset) {
                    Leaf::Raw(e) => e.$method($($($arg,)*)? visitor),
                    Leaf::Node(n) => n.$method($($($arg,)*)? visitor),
                }
                .map_err(|e| in_dtype(e, descr))
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ArrayDe<'_, '_, '_, 'de> {
    type Error = Error;

    leaf_or! { rows:
        deserialize_any, deserialize_bool, deserialize_i8, deserialize_i16, deserialize_i32,
        deserialize_i64, deserialize_i128, deserialize_u8, deserialize_u16, deserialize_u32,
        deserialize_u64, deserialize_u128, deserialize_f32, deserialize_f64, deserialize_char,
        deserialize_str, deserialize_string, deserialize_bytes, deserialize_byte_buf,
        deserialize_unit, deserialize_seq, deserialize_map, deserialize_identifier,
        deserialize_unit_struct(name: &'static str),
        deserialize_tuple(len: usize),
        deserialize_tuple_struct(name: &'static str, len: usize),
        deserialize_struct(name: &'static str, fields: &'static [&'static str]),
        deserialize_enum(name: &'static str, variants: &'static [&'static str]),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match (self.is_leaf(), self.leaf_at(self.offset)) {
            (true, Leaf::Node(n)) => de::Deserializer::deserialize_option(n, visitor),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == NDARRAY {
            return visitor.visit_map(NdMap { a: self, key: 0 });
        }
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }
}

/// [`super::NdArray`]'s view of an array: `shape`, `dtype`, `data`.
struct NdMap<'v, 'c, 'a, 'de> {
    a: ArrayDe<'v, 'c, 'a, 'de>,
    key: usize,
}

const ND_KEYS: [&str; 3] = ["shape", "dtype", "data"];

impl<'de> MapAccess<'de> for NdMap<'_, '_, '_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(key) = ND_KEYS.get(self.key) else { return Ok(None) };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let a = self.a;
        self.key += 1;
        match self.key {
            1 => seed.deserialize(de::value::SeqDeserializer::new(
                a.view.shape[a.dim..].iter().copied(),
            )),
            2 => seed.deserialize(a.view.descr.dtype.to_string().into_deserializer()),
            _ => seed.deserialize(Flat { a }),
        }
    }
}

/// A sub-array's elements in C order, as one flat sequence.
struct Flat<'v, 'c, 'a, 'de> {
    a: ArrayDe<'v, 'c, 'a, 'de>,
}

impl<'de> de::Deserializer<'de> for Flat<'_, '_, '_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let a = self.a;
        let shape = &a.view.shape[a.dim..];
        let len = shape.iter().product();
        let _g = a.n.enter()?;
        let mut flat = FlatSeq { a, index: vec![0; shape.len()], offset: a.offset, left: len };
        let v = visitor.visit_seq(&mut flat)?;
        if flat.left > 0 {
            return Err(de::Error::invalid_length(len, &"fewer elements in the array"));
        }
        Ok(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

struct FlatSeq<'v, 'c, 'a, 'de> {
    a: ArrayDe<'v, 'c, 'a, 'de>,
    /// The multi-index of the next element (over the dimensions from `a.dim`).
    index: Vec<usize>,
    offset: usize,
    left: usize,
}

impl<'de> SeqAccess<'de> for FlatSeq<'_, '_, '_, 'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let value = self.a.deserialize_elem(self.offset, seed)?;
        // Step the multi-index in C order, moving the offset by the strides.
        let (shape, strides) =
            (&self.a.view.shape[self.a.dim..], &self.a.view.strides[self.a.dim..]);
        for d in (0..shape.len()).rev() {
            self.index[d] += 1;
            self.offset += strides[d];
            if self.index[d] < shape[d] {
                break;
            }
            self.offset -= strides[d] * shape[d];
            self.index[d] = 0;
        }
        Ok(Some(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

/// One element decoded from its bytes.
#[derive(Clone, Copy)]
struct ElemDe<'v, 'c, 'a, 'de> {
    n: NodeDe<'c, 'a, 'de>,
    descr: &'v Descr,
    bytes: &'v [u8],
}

impl ElemDe<'_, '_, '_, '_> {
    #[inline]
    fn fixed<const N: usize>(&self) -> [u8; N] {
        let mut b: [u8; N] = self.bytes[..N].try_into().expect("element size checked by the dtype");
        if self.descr.big == cfg!(target_endian = "little") {
            b.reverse();
        }
        b
    }

    #[inline]
    fn f64_at(&self, offset: usize, size: usize) -> f64 {
        let sub = ElemDe { bytes: &self.bytes[offset..offset + size], ..*self };
        match size {
            2 => f16_to_f32(u16::from_ne_bytes(sub.fixed())) as f64,
            4 => f32::from_ne_bytes(sub.fixed()) as f64,
            _ => f64::from_ne_bytes(sub.fixed()),
        }
    }

    fn int(&self) -> i64 {
        match self.bytes.len() {
            1 => self.bytes[0] as i8 as i64,
            2 => i16::from_ne_bytes(self.fixed()) as i64,
            4 => i32::from_ne_bytes(self.fixed()) as i64,
            _ => i64::from_ne_bytes(self.fixed()),
        }
    }

    fn uint(&self) -> u64 {
        match self.bytes.len() {
            1 => self.bytes[0] as u64,
            2 => u16::from_ne_bytes(self.fixed()) as u64,
            4 => u32::from_ne_bytes(self.fixed()) as u64,
            _ => u64::from_ne_bytes(self.fixed()),
        }
    }

    /// A `U` element: UTF-32 code units, trailing NULs dropped (as numpy does).
    fn text(&self) -> Result<String> {
        let mut s = String::with_capacity(self.bytes.len() / 4);
        for unit in self.bytes.chunks_exact(4) {
            let sub = ElemDe { bytes: unit, ..*self };
            let c = u32::from_ne_bytes(sub.fixed());
            s.push(char::from_u32(c).ok_or_else(|| {
                Error::message(format!("numpy str element holds U+{c:X}, not a character"))
            })?);
        }
        s.truncate(s.trim_end_matches('\0').len());
        Ok(s)
    }

    /// An `S` element: trailing NULs dropped (as numpy does).
    fn stripped(&self) -> &[u8] {
        let end = self.bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        &self.bytes[..end]
    }
}

/// IEEE 754 half to single precision (exact: every half is a single).
fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h as u32) & 0x8000) << 16;
    let exp = ((h >> 10) & 0x1f) as u32;
    let man = (h & 0x3ff) as u32;
    let bits = match (exp, man) {
        (0, 0) => sign,
        // Subnormal: normalize the mantissa.
        (0, _) => {
            let shift = man.leading_zeros() - 21;
            let man = (man << shift) & 0x3ff;
            sign | ((113 - shift) << 23) | (man << 13)
        }
        (0x1f, _) => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    };
    f32::from_bits(bits)
}

impl<'de> de::Deserializer<'de> for ElemDe<'_, '_, '_, 'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let d = &self.descr.dtype;
        match d.kind() {
            'b' => visitor.visit_bool(self.bytes[0] != 0),
            'i' | 'M' | 'm' => visitor.visit_i64(self.int()),
            'u' => visitor.visit_u64(self.uint()),
            'f' if d.itemsize() == 8 => visitor.visit_f64(self.f64_at(0, 8)),
            'f' => visitor.visit_f32(self.f64_at(0, d.itemsize()) as f32),
            'c' => {
                let half = d.itemsize() / 2;
                let (re, im) = (self.f64_at(0, half), self.f64_at(half, half));
                let _g = self.n.enter()?;
                if half == 4 {
                    visitor.visit_seq(de::value::SeqDeserializer::new(
                        [re as f32, im as f32].into_iter(),
                    ))
                } else {
                    visitor.visit_seq(de::value::SeqDeserializer::new([re, im].into_iter()))
                }
            }
            'S' => visitor.visit_bytes(self.stripped()),
            'U' => visitor.visit_string(self.text()?),
            'V' if !self.descr.fields.is_empty() => {
                let _g = self.n.enter()?;
                visitor.visit_map(Fields { e: self, i: 0 })
            }
            _ => visitor.visit_bytes(self.bytes),
        }
    }

    #[inline]
    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // The hot path of a float64 array into Vec<f64>.
        if let (true, Ok(b)) = (self.descr.dtype.kind() == 'f', <[u8; 8]>::try_from(self.bytes)) {
            let f = if self.descr.big { f64::from_be_bytes(b) } else { f64::from_le_bytes(b) };
            return visitor.visit_f64(f);
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // A record read as a tuple: its fields by position (what tolist() gives).
        if !self.descr.fields.is_empty() {
            let _g = self.n.enter()?;
            let e = self;
            let fields = e.descr.fields.iter().map(move |f| ElemDe {
                descr: &f.descr,
                bytes: &e.bytes[f.offset..f.offset + f.descr.size()],
                ..e
            });
            return visitor.visit_seq(de::value::SeqDeserializer::new(fields));
        }
        self.deserialize_any(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 char str string bytes byte_buf
        unit unit_struct map struct enum identifier
    }
}

impl<'de> IntoDeserializer<'de, Error> for ElemDe<'_, '_, '_, 'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// A record's fields by name.
struct Fields<'v, 'c, 'a, 'de> {
    e: ElemDe<'v, 'c, 'a, 'de>,
    i: usize,
}

impl<'de> MapAccess<'de> for Fields<'_, '_, '_, 'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(f) = self.e.descr.fields.get(self.i) else { return Ok(None) };
        seed.deserialize(f.name.as_str().into_deserializer()).map(Some)
    }

    fn next_value_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<T::Value> {
        let f = &self.e.descr.fields[self.i];
        self.i += 1;
        let e = ElemDe {
            descr: &f.descr,
            bytes: &self.e.bytes[f.offset..f.offset + f.descr.size()],
            ..self.e
        };
        seed.deserialize(e)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.e.descr.fields.len() - self.i)
    }
}

#[cfg(test)]
mod tests {
    use super::f16_to_f32;

    #[test]
    fn half_floats_widen_exactly() {
        // numpy: np.array([0x3e00, 0xc000, 0x7bff, 0x1, 0x7c00], dtype="u2").view("f2").astype("f4")
        let cases = [
            (0x3e00, 1.5f32),
            (0xc000, -2.0),
            (0x7bff, 65504.0),
            (0x0001, 5.960_464_5e-8),
            (0x7c00, f32::INFINITY),
        ];
        for (h, f) in cases {
            assert_eq!(f16_to_f32(h), f, "{h:#x}");
        }
        assert!(f16_to_f32(0x7e00).is_nan());
    }
}
