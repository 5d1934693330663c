//! numpy arrays and scalars: reading them like `arr.tolist()` into any Rust
//! type, [`NdArray`] to keep the shape and dtype, and writing both as numpy
//! pickles them. See the crate docs' "numpy and pandas" section.

mod array;
pub(crate) mod de;
mod dtype;
mod joblib;
#[cfg(feature = "ndarray")]
mod nd;
mod pandas;
pub(crate) mod ser;

use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Whether an object node is a numpy array or scalar, or a pandas Series or
/// DataFrame, which [`de::read`] reads (or a joblib array, which it refuses).
// Not inlined: it is called from the serde recursion, whose frame size
// bounds how deep a read can go.
#[inline(never)]
pub(crate) fn handles(n: &crate::de::NodeDe<'_, '_, '_>, o: u32) -> bool {
    array::is_numpy(n, o) || pandas::kind(n, o).is_some() || joblib::is_wrapper(n, o)
}

pub use dtype::Dtype;
/// A joblib file's error for a pickle that fails to read, when it is one.
pub(crate) use joblib::explain as explain_joblib;
pub use joblib::{from_joblib_reader, from_joblib_slice};
pub(crate) use joblib::{payload as joblib_payload, Payload as JoblibPayload};
#[cfg(feature = "ndarray")]
pub use nd::{as_numpy, AsNumpy};

use crate::error::{Error, Result};

/// A numpy `ndarray` of `T`: its shape, its dtype and its elements in C
/// (row-major) order.
///
/// Reading accepts any numpy array whose elements read as `T` (an `int8`
/// array into `NdArray<i64>`, say; [`dtype`](Self::dtype) says what the
/// pickle held), and also a plain list (a 1-D array). Writing gives the
/// pickle numpy itself writes for the array at the serializer's protocol
/// (below 5 `_reconstruct` + state, at 5 `_frombuffer` with the data
/// in-band), for the element types of [`NdElement`].
///
/// ```
/// use serde_pickle::py::NdArray;
/// let a = NdArray::new(vec![2, 3], vec![1.0f64, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
/// let bytes = serde_pickle::to_vec(&a).unwrap();
/// let back: NdArray<f64> = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back.shape(), [2, 3]);
/// assert_eq!(back.dtype().to_string(), "<f8");
/// assert_eq!(back.as_slice()[4], 5.0);
/// // Or like arr.tolist():
/// let rows: Vec<Vec<f64>> = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(rows, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct NdArray<T> {
    shape: Vec<usize>,
    dtype: Dtype,
    data: Vec<T>,
}

impl<T: NdElement> NdArray<T> {
    /// An array of `shape` holding `data` in C order, of `T`'s dtype. An
    /// error when the shape's size is not `data.len()`.
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Result<Self> {
        Self::with_dtype(shape, data, T::dtype())
    }
}

impl<T> NdArray<T> {
    /// [`new`](NdArray::new) with an explicit dtype, e.g. `datetime64[ms]`
    /// for `i64` elements (`Dtype::parse("<M8[ms]")`). Writing checks that
    /// the dtype fits `T`.
    pub fn with_dtype(shape: Vec<usize>, data: Vec<T>, dtype: Dtype) -> Result<Self> {
        let size = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
        if size != Some(data.len()) {
            return Err(Error::message(format!(
                "an array of shape {shape:?} cannot hold {} elements",
                data.len()
            )));
        }
        Ok(NdArray { shape, dtype, data })
    }

    /// The length of each dimension (`[]` for a 0-d array).
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// The dtype: what the pickle held when read, `T`'s when made by [`new`](NdArray::new).
    pub fn dtype(&self) -> &Dtype {
        &self.dtype
    }

    /// The elements in C order.
    pub fn as_slice(&self) -> &[T] {
        &self.data
    }

    /// The elements in C order.
    pub fn into_vec(self) -> Vec<T> {
        self.data
    }
}

/// A numpy scalar (`np.float64(1.5)`, `np.int32(3)`); reads from a numpy
/// scalar, a 0-d array or a plain Python value, writes what numpy writes.
///
/// ```
/// use serde_pickle::py::NdScalar;
/// let bytes = serde_pickle::to_vec(&NdScalar(1.5f64)).unwrap();
/// let x: f64 = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(x, 1.5);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct NdScalar<T>(pub T);

/// An element type numpy has a dtype for, which [`NdArray`] and
/// [`NdScalar`] can write.
pub trait NdElement: Sized {
    /// The dtype written for it (`<f8` for `f64`).
    fn dtype() -> Dtype;
    /// Append its bytes, little-endian.
    fn put(&self, out: &mut Vec<u8>);
    /// Whether `dtype` is written from values of this type (datetime64
    /// from `i64`, say).
    fn fits(dtype: &Dtype) -> bool {
        *dtype == Self::dtype()
    }
}

macro_rules! elements {
    ($($t:ty: $order:literal $kind:literal $($dt:literal)?;)*) => {
        $(
            impl NdElement for $t {
                fn dtype() -> Dtype {
                    Dtype::new($order, $kind, std::mem::size_of::<$t>(), None)
                }
                fn put(&self, out: &mut Vec<u8>) {
                    out.extend_from_slice(&self.to_le_bytes());
                }
                $(
                    fn fits(dtype: &Dtype) -> bool {
                        let _ = $dt;
                        *dtype == Self::dtype()
                            || ("Mm".contains(dtype.kind()) && dtype.byteorder() == '<')
                    }
                )?
            }
        )*
    };
}

elements! {
    i8: '|' 'i'; i16: '<' 'i'; i32: '<' 'i'; i64: '<' 'i' "datetime"; u8: '|' 'u'; u16: '<' 'u';
    u32: '<' 'u'; u64: '<' 'u'; f32: '<' 'f'; f64: '<' 'f';
}

/// A complex number `[re, im]`: `complex64` from `[f32; 2]`, `complex128`
/// from `[f64; 2]` (the pair a complex element reads as).
///
/// ```
/// use serde_pickle::py::NdArray;
/// let a = NdArray::new(vec![2], vec![[1.0f64, 2.0], [3.0, -4.0]]).unwrap();
/// assert_eq!(a.dtype().name(), "complex128");
/// let back: Vec<(f64, f64)> = serde_pickle::from_slice(&serde_pickle::to_vec(&a).unwrap()).unwrap();
/// assert_eq!(back, [(1.0, 2.0), (3.0, -4.0)]);
/// ```
macro_rules! complex {
    ($($f:ty),*) => {
        $(
            impl NdElement for [$f; 2] {
                fn dtype() -> Dtype {
                    Dtype::new('<', 'c', 2 * std::mem::size_of::<$f>(), None)
                }
                fn put(&self, out: &mut Vec<u8>) {
                    out.extend_from_slice(&self[0].to_le_bytes());
                    out.extend_from_slice(&self[1].to_le_bytes());
                }
            }
        )*
    };
}

complex!(f32, f64);

impl NdElement for bool {
    fn dtype() -> Dtype {
        Dtype::new('|', 'b', 1, None)
    }
    fn put(&self, out: &mut Vec<u8>) {
        out.push(*self as u8);
    }
}

impl<T: NdElement + Serialize> Serialize for NdArray<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if !T::fits(&self.dtype) {
            return Err(serde::ser::Error::custom(format!(
                "an NdArray of dtype {} cannot be written from {} elements",
                self.dtype.name(),
                std::any::type_name::<T>()
            )));
        }
        let data = element_bytes(&self.dtype, self.data.len(), self.data.iter());
        let layout = ser::Layout::C;
        let parts = ser::Parts { dtype: &self.dtype, shape: Some(&self.shape), layout, data };
        let plain = ser::Plain { shape: &self.shape, dtype: &self.dtype, data: &self.data[..] };
        ser::serialize(s, parts, &plain)
    }
}

impl<T: NdElement + Serialize> Serialize for NdScalar<T> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut data = Vec::new();
        self.0.put(&mut data);
        let dtype = T::dtype();
        let parts = ser::Parts { dtype: &dtype, shape: None, layout: ser::Layout::C, data };
        ser::serialize(s, parts, &self.0)
    }
}

/// The bytes of `len` elements of `dtype`, in the order given.
fn element_bytes<'a, T: NdElement + 'a>(
    dtype: &Dtype,
    len: usize,
    elems: impl Iterator<Item = &'a T>,
) -> Vec<u8> {
    let mut data = Vec::with_capacity(len.saturating_mul(dtype.itemsize()));
    elems.for_each(|x| x.put(&mut data));
    data
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NdScalar<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        T::deserialize(d).map(NdScalar)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for NdArray<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_newtype_struct(de::NDARRAY, ArrayVisitor(PhantomData))
    }
}

struct ArrayVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ArrayVisitor<T> {
    type Value = NdArray<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a numpy array")
    }

    /// This crate's reader: `shape`, `dtype`, `data`.
    fn visit_map<A: MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        use serde::de::Error as _;
        let (mut shape, mut dtype, mut data) = (None, None, None);
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "shape" => shape = Some(map.next_value::<Vec<usize>>()?),
                "dtype" => {
                    dtype =
                        Some(Dtype::parse(&map.next_value::<String>()?).map_err(A::Error::custom)?)
                }
                "data" => data = Some(map.next_value::<Vec<T>>()?),
                _ => return Err(A::Error::unknown_field(&key, &["shape", "dtype", "data"])),
            }
        }
        let shape = shape.ok_or_else(|| A::Error::missing_field("shape"))?;
        let dtype = dtype.ok_or_else(|| A::Error::missing_field("dtype"))?;
        let data = data.ok_or_else(|| A::Error::missing_field("data"))?;
        NdArray::with_dtype(shape, data, dtype).map_err(A::Error::custom)
    }

    /// Another format's plain form (`{shape, dtype, data}`) or a plain sequence.
    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }

    /// A plain sequence: a 1-D array, of dtype `object` (its elements' types are not known here).
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        let mut data = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(x) = seq.next_element()? {
            data.push(x);
        }
        Ok(NdArray { shape: vec![data.len()], dtype: Dtype::new('|', 'O', 8, None), data })
    }
}
