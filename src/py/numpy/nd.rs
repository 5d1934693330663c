//! The `ndarray` crate's arrays as numpy arrays (feature `ndarray`).
//!
//! Reading goes through [`NdArray`]: the pickle's elements are decoded once
//! into a `Vec<T>` in C order, which becomes the `Array` without another
//! copy. Writing takes the array's memory as it lies, as numpy does: a
//! C-contiguous array is written in C order, a Fortran-contiguous one in
//! Fortran order with numpy's `is_fortran` flag (order `'F'` at protocol 5),
//! and any other view element by element in C order, in the `_reconstruct`
//! form numpy uses for non-contiguous arrays at every protocol.

use ::ndarray::{Array, ArrayBase, Data, Dimension, IxDyn};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{element_bytes, ser, NdArray, NdElement};
use crate::error::{Error, Result};

/// A wrapper that reads and writes an `ndarray` array as a numpy array,
/// for a whole pickle (for a field, [`as_numpy`](crate::py::as_numpy) does
/// the same). `AsNumpy<&ArrayBase<..>>` writes a borrowed array or view;
/// `AsNumpy<Array<T, D>>` reads and writes an owned one.
///
/// ```
/// use ndarray::{array, Array2};
/// use serde_pickle::py::AsNumpy;
///
/// let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
/// let bytes = serde_pickle::to_vec(&AsNumpy(&a)).unwrap();
/// // numpy loads it as np.array([[1., 2., 3.], [4., 5., 6.]]); so does Rust:
/// let AsNumpy(back): AsNumpy<Array2<f64>> = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back, a);
/// // A Fortran-order view (the transpose) is written in Fortran order, as numpy does.
/// let t = serde_pickle::to_vec(&AsNumpy(&a.t())).unwrap();
/// let AsNumpy(back): AsNumpy<Array2<f64>> = serde_pickle::from_slice(&t).unwrap();
/// assert_eq!(back, a.t());
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AsNumpy<A>(pub A);

impl<T, S, D> Serialize for AsNumpy<ArrayBase<S, D>>
where
    T: NdElement + Serialize,
    S: Data<Elem = T>,
    D: Dimension,
{
    fn serialize<Se: Serializer>(&self, s: Se) -> std::result::Result<Se::Ok, Se::Error> {
        as_numpy::serialize(&self.0, s)
    }
}

impl<T, S, D> Serialize for AsNumpy<&ArrayBase<S, D>>
where
    T: NdElement + Serialize,
    S: Data<Elem = T>,
    D: Dimension,
{
    fn serialize<Se: Serializer>(&self, s: Se) -> std::result::Result<Se::Ok, Se::Error> {
        as_numpy::serialize(self.0, s)
    }
}

impl<'de, T: Deserialize<'de>, D: Dimension> Deserialize<'de> for AsNumpy<Array<T, D>> {
    fn deserialize<De: Deserializer<'de>>(d: De) -> std::result::Result<Self, De::Error> {
        as_numpy::deserialize(d).map(AsNumpy)
    }
}

/// A serde `with` module for `ndarray` fields: `ArrayD<T>`, `Array1<T>` …
/// `Array6<T>` read from numpy arrays (any dtype whose elements read as
/// `T`, C or Fortran order, or a plain list for a 1-D array), and any
/// `ArrayBase` (views too) written as numpy writes an array of `T`'s dtype.
///
/// ```
/// use ndarray::{Array1, Array2, ArrayD};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize, PartialEq, Debug)]
/// struct Model {
///     #[serde(with = "serde_pickle::py::as_numpy")]
///     weights: Array2<f32>,
///     #[serde(with = "serde_pickle::py::as_numpy")]
///     bias: Array1<f32>,
///     #[serde(with = "serde_pickle::py::as_numpy")]
///     extra: ArrayD<i64>,
/// }
///
/// let m = Model {
///     weights: Array2::from_shape_vec((2, 2), vec![1.0, 2.0, 3.0, 4.0]).unwrap(),
///     bias: Array1::from(vec![0.5, -0.5]),
///     extra: ArrayD::from_shape_vec(vec![1, 2, 1], vec![7, 8]).unwrap(),
/// };
/// // A dict of three numpy arrays, as Python would pickle it.
/// let bytes = serde_pickle::to_vec(&m).unwrap();
/// let back: Model = serde_pickle::from_slice(&bytes).unwrap();
/// assert_eq!(back, m);
/// // Reading checks the number of dimensions.
/// let err = serde_pickle::from_slice::<serde_pickle::py::AsNumpy<Array1<f32>>>(
///     &serde_pickle::to_vec(&serde_pickle::py::AsNumpy(&m.weights)).unwrap(),
/// )
/// .unwrap_err();
/// assert!(err.to_string().contains("shape [2, 2]"), "{err}");
/// ```
pub mod as_numpy {
    use super::*;

    /// Write `a` as a numpy array of `T`'s dtype.
    pub fn serialize<T, S, D, Se>(
        a: &ArrayBase<S, D>,
        s: Se,
    ) -> std::result::Result<Se::Ok, Se::Error>
    where
        T: NdElement + Serialize,
        S: Data<Elem = T>,
        D: Dimension,
        Se: Serializer,
    {
        let dtype = T::dtype();
        let (len, shape) = (a.len(), a.shape());
        // The memory as numpy would see it: C order first (a 1-D or
        // single-row array is both, and numpy calls it C).
        let (layout, data) = if let Some(c) = a.as_slice() {
            (ser::Layout::C, element_bytes(&dtype, len, c.iter()))
        } else if let Some(f) = a.t().to_slice() {
            (ser::Layout::F, element_bytes(&dtype, len, f.iter()))
        } else {
            (ser::Layout::Strided, element_bytes(&dtype, len, a.iter()))
        };
        let parts = ser::Parts { dtype: &dtype, shape: Some(shape), layout, data };
        let plain = ser::Plain { shape, dtype: &dtype, data: &COrder(a) };
        ser::serialize(s, parts, &plain)
    }

    /// Read a numpy array (or a plain list) into an `Array` of `D`'s
    /// number of dimensions (any, for `IxDyn`).
    pub fn deserialize<'de, T, D, De>(d: De) -> std::result::Result<Array<T, D>, De::Error>
    where
        T: Deserialize<'de>,
        D: Dimension,
        De: Deserializer<'de>,
    {
        let a = NdArray::<T>::deserialize(d)?;
        Array::try_from(a).map_err(serde::de::Error::custom)
    }
}

/// An array's elements in C order, for other serde formats.
struct COrder<'a, S: Data, D>(&'a ArrayBase<S, D>);

impl<T: Serialize, S: Data<Elem = T>, D: Dimension> Serialize for COrder<'_, S, D> {
    fn serialize<Se: Serializer>(&self, s: Se) -> std::result::Result<Se::Ok, Se::Error> {
        s.collect_seq(self.0.iter())
    }
}

/// The array of an [`NdArray`]'s shape, taking its elements without a copy.
/// An error when the number of dimensions is not `D`'s.
///
/// ```
/// use ndarray::Array2;
/// use serde_pickle::py::NdArray;
///
/// let a = NdArray::new(vec![2, 3], (0..6).collect::<Vec<i32>>()).unwrap();
/// let m = Array2::try_from(a).unwrap();
/// assert_eq!(m[[1, 0]], 3);
/// ```
impl<T, D: Dimension> TryFrom<NdArray<T>> for Array<T, D> {
    type Error = Error;

    fn try_from(a: NdArray<T>) -> Result<Self> {
        if D::NDIM.is_some_and(|n| n != a.shape.len()) {
            return Err(Error::message(format!(
                "a numpy array of shape {:?} is not {}-dimensional",
                a.shape,
                D::NDIM.unwrap_or(0)
            )));
        }
        let shape = IxDyn(&a.shape);
        let dyn_array = Array::from_shape_vec(shape, a.data)
            .map_err(|e| Error::message(format!("a numpy array of shape {:?}: {e}", a.shape)))?;
        dyn_array
            .into_dimensionality::<D>()
            .map_err(|e| Error::message(format!("a numpy array: {e}")))
    }
}

/// An [`NdArray`] of `T`'s dtype holding the array's elements in C order:
/// without a copy when the array is in standard (C) layout.
///
/// ```
/// use serde_pickle::py::NdArray;
///
/// let m = ndarray::array![[1u8, 2], [3, 4]];
/// let a = NdArray::from(m.reversed_axes());
/// assert_eq!(a.shape(), [2, 2]);
/// assert_eq!(a.as_slice(), [1, 3, 2, 4]);
/// ```
impl<T: NdElement + Clone, D: Dimension> From<Array<T, D>> for NdArray<T> {
    fn from(a: Array<T, D>) -> Self {
        let (shape, len) = (a.shape().to_vec(), a.len());
        let data = if a.is_standard_layout() {
            // A sliced owned array keeps its whole buffer: its elements are
            // the `len` from the offset on.
            let (mut data, offset) = a.into_raw_vec_and_offset();
            let start = offset.unwrap_or(0);
            data.truncate(start + len);
            data.drain(..start);
            data
        } else {
            a.iter().cloned().collect()
        };
        NdArray { shape, dtype: T::dtype(), data }
    }
}
