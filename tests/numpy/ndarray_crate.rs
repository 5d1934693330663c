//! Feature `ndarray`: the `ndarray` crate's arrays read from what numpy
//! writes and written as numpy writes them (numpy loads them, and the bytes
//! equal its own optimized pickle).

use ndarray::{
    arr0, s, Array, Array1, Array2, Array6, ArrayD, ArrayViewD, Axis, IxDyn, ShapeBuilder,
};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use serde_pickle::py::{as_numpy, AsNumpy, NdArray};
use serde_pickle::SerOptions;

use crate::judge::{dump, load, Env};

/// An array as nested JSON lists, like numpy's `tolist()`.
fn nested<T: Serialize>(a: ArrayViewD<'_, T>) -> Json {
    if a.ndim() == 0 {
        return serde_json::to_value(a.first().expect("a 0-d array has one element")).unwrap();
    }
    Json::Array(a.axis_iter(Axis(0)).map(nested).collect())
}

/// Each expression, as numpy 2 pickles it at protocols 2–5, reads into an
/// `ArrayD<T>` equal to `tolist()` and of numpy's shape.
fn reads_into_array_d<T: DeserializeOwned + Serialize>(exprs: &[String]) {
    let exprs: Vec<&str> = exprs.iter().map(String::as_str).collect();
    for c in dump(Env::Modern, &exprs, &[2, 3, 4, 5]) {
        let AsNumpy(a): AsNumpy<ArrayD<T>> = serde_pickle::from_slice(&c.pickle)
            .unwrap_or_else(|e| panic!("{} p{}: {e}", c.expr, c.proto));
        assert_eq!(nested(a.view()), c.expect, "{} p{}", c.expr, c.proto);
    }
}

/// numpy expressions for `dtype` in every shape and memory order.
fn shapes_and_orders(dtype: &str) -> Vec<String> {
    let mut out = Vec::new();
    for shape in ["()", "(0,)", "(5,)", "(2, 3)", "(3, 0)", "(2, 3, 4)"] {
        for order in ["C", "F"] {
            out.push(format!(
                "np.array(np.arange(1, 1 + int(np.prod({shape}))).reshape({shape}).astype('{dtype}'), order='{order}')"
            ));
        }
    }
    out
}

#[test]
fn numpy_arrays_of_each_dtype_shape_and_order_read_into_array_d() {
    // One numpy process per element type (starting one costs more than the reads).
    let all = |dtypes: &[&str]| -> Vec<String> {
        dtypes.iter().flat_map(|d| shapes_and_orders(d)).collect()
    };
    reads_into_array_d::<f64>(&all(&["<f8", ">f8", "<f4", ">f2"]));
    reads_into_array_d::<i64>(&all(&["i1", ">i2", "<i4", ">i8", "u1", "<u2", ">u4"]));
    reads_into_array_d::<bool>(&shapes_and_orders("?"));
}

#[test]
fn numpy_arrays_read_into_fixed_dimension_arrays() {
    let exprs = [
        "np.arange(6, dtype='f4').reshape(2, 3)",
        "np.asfortranarray(np.arange(6, dtype='f4').reshape(2, 3))",
        "np.arange(6, dtype='f4').reshape(3, 2).T",
    ];
    let want = Array2::from_shape_vec((2, 3), vec![0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    for c in dump(Env::Modern, &exprs, &[2, 4, 5]) {
        let AsNumpy(a): AsNumpy<Array2<f32>> = serde_pickle::from_slice(&c.pickle).unwrap();
        if c.expr.ends_with(".T") {
            assert_eq!(a, want.clone().into_shape_with_order((3, 2)).unwrap().reversed_axes());
        } else {
            assert_eq!(a, want, "{} p{}", c.expr, c.proto);
        }
    }
    for c in dump(Env::Legacy, &["np.arange(64.0).reshape(2, 2, 2, 2, 2, 2)"], &[2, 5]) {
        let AsNumpy(a): AsNumpy<Array6<f64>> = serde_pickle::from_slice(&c.pickle).unwrap();
        assert_eq!(a.shape(), [2; 6]);
        assert_eq!(a[[1, 0, 1, 0, 1, 1]], 43.0);
    }
}

#[test]
fn a_plain_list_reads_into_a_1d_array() {
    let bytes = serde_pickle::to_vec(&vec![1i32, 2, 3]).unwrap();
    let AsNumpy(a): AsNumpy<Array1<i64>> = serde_pickle::from_slice(&bytes).unwrap();
    assert_eq!(a, ndarray::array![1, 2, 3]);
}

#[test]
fn an_array_of_other_dimensions_is_a_data_error_naming_the_shape() {
    let c = &dump(Env::Modern, &["np.zeros((2, 3, 4))"], &[5])[0];
    let err = serde_pickle::from_slice::<AsNumpy<Array2<f64>>>(&c.pickle).unwrap_err();
    assert_eq!(err.category(), serde_pickle::Category::Data, "{err}");
    assert!(err.to_string().contains("shape [2, 3, 4] is not 2-dimensional"), "{err}");
}

#[test]
fn fields_with_as_numpy_read_a_dict_of_numpy_arrays() {
    #[derive(Deserialize)]
    struct Model {
        #[serde(with = "as_numpy")]
        weights: Array2<f32>,
        #[serde(with = "as_numpy")]
        bias: Array1<f64>,
        #[serde(with = "as_numpy")]
        steps: ArrayD<i64>,
    }
    let expr = "{'weights': np.ones((2, 3), 'f4', order='F'), 'bias': np.arange(3.0), 'steps': np.array(7, dtype='>i2')}";
    for c in dump(Env::Modern, &[expr], &[2, 3, 4, 5]) {
        let m: Model = serde_pickle::from_slice(&c.pickle).unwrap();
        assert_eq!(m.weights, Array2::<f32>::ones((2, 3)));
        assert_eq!(m.bias, ndarray::array![0.0, 1.0, 2.0]);
        assert_eq!(m.steps, arr0(7i64).into_dyn());
    }
}

fn each_protocol<T: Serialize>(
    out: &mut Vec<(String, u8, Vec<u8>)>,
    expr: &str,
    value: &T,
    legacy: bool,
) {
    for p in [2, 3, 4, 5] {
        let opts = SerOptions::new().protocol(p).numpy_legacy(legacy);
        out.push((expr.to_string(), p, serde_pickle::to_vec_with(value, &opts).unwrap()));
    }
}

/// Rust arrays of every layout and the numpy expression each must equal.
fn written(legacy: bool) -> Vec<(String, u8, Vec<u8>)> {
    let mut out = Vec::new();
    let o = &mut out;
    let c = Array2::from_shape_vec((2, 3), (0..6).collect::<Vec<i32>>()).unwrap();
    let f = Array2::from_shape_vec((2, 3).f(), (0..6).collect::<Vec<i32>>()).unwrap();
    let m = Array::from_shape_vec((3, 4), (0..12).map(f64::from).collect()).unwrap();
    let d = ArrayD::from_shape_vec(IxDyn(&[2, 3, 4]).f(), (0..24u64).collect()).unwrap();
    let v = Array1::from(vec![0u16, 1, 2, 3, 4]);
    let l = legacy;
    each_protocol(
        o,
        "np.array([1.5, -2.0, 1e300])",
        &AsNumpy(ndarray::array![1.5, -2.0, 1e300]),
        l,
    );
    each_protocol(o, "np.arange(6, dtype='i4').reshape(2, 3)", &AsNumpy(&c), l);
    each_protocol(o, "np.arange(6, dtype='i4').reshape(2, 3, order='F')", &AsNumpy(f), l);
    each_protocol(o, "np.arange(24, dtype='u8').reshape(2, 3, 4, order='F')", &AsNumpy(d), l);
    each_protocol(o, "np.array(2.5, dtype='f4')", &AsNumpy(arr0(2.5f32)), l);
    each_protocol(o, "np.zeros((3, 0))", &AsNumpy(Array2::<f64>::zeros((3, 0))), l);
    each_protocol(o, "np.array([True, False])", &AsNumpy(ndarray::array![true, false]), l);
    // Views, written as they lie in memory: Fortran order, or strided.
    each_protocol(o, "np.arange(6, dtype='i4').reshape(2, 3).T", &AsNumpy(&c.t()), l);
    each_protocol(o, "np.arange(12.0).reshape(3, 4)[:, ::2]", &AsNumpy(&m.slice(s![.., ..;2])), l);
    each_protocol(o, "np.arange(5, dtype='u2')[::-1]", &AsNumpy(&v.slice(s![..;-1])), l);
    let copy = m.slice(s![.., ..;2]).as_standard_layout().into_owned();
    each_protocol(
        o,
        "np.ascontiguousarray(np.arange(12.0).reshape(3, 4)[:, ::2])",
        &AsNumpy(copy),
        l,
    );
    out
}

#[test]
fn rust_arrays_of_every_layout_load_in_numpy_2_with_its_own_bytes() {
    let problems = load(Env::Modern, &written(false));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn rust_arrays_with_numpy_legacy_load_in_numpy_1_with_its_own_bytes() {
    let problems = load(Env::Legacy, &written(true));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn nd_array_converts_to_and_from_ndarray() {
    let a = NdArray::new(vec![2, 2], vec![1.0f64, 2.0, 3.0, 4.0]).unwrap();
    let m = Array2::try_from(a.clone()).unwrap();
    assert_eq!(m, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
    assert_eq!(NdArray::from(m), a);
    assert!(Array1::try_from(a).is_err());
    // A sliced owned array hands over only its own elements.
    let mut s = Array1::from(vec![1u8, 2, 3, 4, 5]);
    s.slice_collapse(s![1..4]);
    assert_eq!(NdArray::from(s).as_slice(), [2, 3, 4]);
}

#[test]
fn other_formats_see_shape_dtype_and_c_order_data() {
    let f = Array2::from_shape_vec((2, 2).f(), vec![1i32, 2, 3, 4]).unwrap();
    let j = serde_json::to_value(AsNumpy(&f)).unwrap();
    assert_eq!(j, json!({"shape": [2, 2], "dtype": "<i4", "data": [1, 3, 2, 4]}));
}
