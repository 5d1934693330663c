//! Files `joblib.dump` writes (numpy arrays as raw bytes between the
//! opcodes), read with `from_joblib_slice`/`from_joblib_reader`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::json;
use serde_pickle::py::NdArray;
use serde_pickle::{from_joblib_reader, from_joblib_slice, Category, DeOptions, Value};

use crate::judge::{dump_joblib, dump_joblib_compressed, AsJson, Env};

const PROTOCOLS: [u8; 4] = [2, 3, 4, 5];

#[test]
fn joblib_arrays_of_each_dtype_order_and_shape_read_like_tolist() {
    let exprs = [
        "np.arange(5.0)",
        "np.arange(6, dtype='>i4').reshape(2, 3)",
        "np.asfortranarray(np.arange(24, dtype='<u2').reshape(2, 3, 4))",
        "np.array(2.5, dtype='f4')",
        "np.zeros((3, 0))",
        "np.array([True, False])",
        "np.array([1 + 2j, 3 - 4j], dtype='c8')",
        "np.array(['ab', 'c'], dtype='U2')",
        "np.array([b'x', b'yz'], dtype='S2')",
        "np.array([1, 2], dtype='M8[ms]')",
        "np.array([(1, 2.5)], dtype=[('a', '<i4'), ('b', '>f8')])",
        "np.arange(6, dtype='f8').reshape(3, 2).T",
        "np.arange(10.0)[::3]",
        "{'a': np.arange(5.0), 'n': 3, 'l': [np.ones(2, 'f4'), np.zeros((1, 2), 'i8')]}",
        "[np.arange(3), np.arange(3)]",
    ];
    let mut failures = Vec::new();
    for c in dump_joblib(Env::Modern, &exprs, &PROTOCOLS) {
        match from_joblib_slice::<AsJson>(&c.pickle) {
            Ok(AsJson(got)) if got == c.expect => {}
            Ok(AsJson(got)) => {
                failures.push(format!("{} p{}: {got} != {}", c.expr, c.proto, c.expect))
            }
            Err(e) => failures.push(format!("{} p{}: {e}", c.expr, c.proto)),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn joblib_arrays_read_into_vecs_nd_arrays_and_structs() {
    #[derive(Deserialize)]
    struct Model {
        weights: NdArray<f32>,
        bias: Vec<f64>,
        name: String,
    }
    let expr = "{'weights': np.arange(6, dtype='f4').reshape(2, 3), 'bias': np.array([0.5, -0.5]), 'name': 'm'}";
    for c in dump_joblib(Env::Modern, &[expr], &PROTOCOLS) {
        let m: Model = from_joblib_slice(&c.pickle).unwrap();
        assert_eq!(m.weights.shape(), [2, 3], "p{}", c.proto);
        assert_eq!(m.weights.as_slice(), [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(m.bias, [0.5, -0.5]);
        assert_eq!(m.name, "m");
        let m: Model = from_joblib_reader(&c.pickle[..]).unwrap();
        assert_eq!(m.bias, [0.5, -0.5]);
    }
    for c in dump_joblib(Env::Modern, &["np.arange(4.0)"], &PROTOCOLS) {
        assert_eq!(from_joblib_slice::<Vec<f64>>(&c.pickle).unwrap(), [0.0, 1.0, 2.0, 3.0]);
        let m: BTreeMap<String, Vec<f64>> = from_joblib_slice(
            &dump_joblib(Env::Modern, &["{'x': np.arange(4.0)}"], &[c.proto])[0].pickle,
        )
        .unwrap();
        assert_eq!(m["x"], [0.0, 1.0, 2.0, 3.0]);
    }
}

#[test]
fn a_joblib_file_reads_as_a_value_with_the_option() {
    let c = &dump_joblib(Env::Modern, &["{'a': np.arange(3.0)}"], &[4])[0];
    let v: Value =
        serde_pickle::from_slice_with(&c.pickle, &DeOptions::new().joblib(true)).unwrap();
    assert!(matches!(v, Value::Dict(_)), "{v:?}");
}

#[test]
fn a_plain_pickle_reads_the_same_with_the_joblib_option() {
    let bytes = serde_pickle::to_vec(&json!({"a": [1, 2]})).unwrap();
    let v: AsJson = from_joblib_slice(&bytes).unwrap();
    assert_eq!(v.0, json!({"a": [1, 2]}));
}

#[test]
fn a_compressed_joblib_file_is_an_error_naming_the_compression() {
    for (compress, name) in [
        (json!("zlib"), "zlib"),
        (json!("gzip"), "gzip"),
        (json!("bz2"), "bz2"),
        (json!("xz"), "xz"),
        (json!("lzma"), "lzma"),
    ] {
        let file = dump_joblib_compressed(Env::Modern, "np.arange(100.0)", &compress);
        let err = from_joblib_slice::<AsJson>(&file).unwrap_err();
        assert!(err.to_string().contains(name), "{compress}: {err}");
    }
}

#[test]
fn a_joblib_object_array_is_an_unsupported_error_saying_so() {
    for c in dump_joblib(Env::Modern, &["np.array([1, 'x', None], dtype=object)"], &[2, 5]) {
        let err = from_joblib_slice::<AsJson>(&c.pickle).unwrap_err();
        assert_eq!(err.category(), Category::Unsupported, "{err}");
        assert!(err.to_string().contains("object array"), "{err}");
    }
}

#[test]
fn every_truncation_of_a_joblib_file_is_an_error() {
    let c =
        &dump_joblib(Env::Modern, &["{'a': np.arange(3.0), 'b': np.ones((2, 2), 'f4')}"], &[4])[0];
    for end in 0..c.pickle.len() {
        assert!(from_joblib_slice::<AsJson>(&c.pickle[..end]).is_err(), "cut at {end}");
        assert!(from_joblib_slice::<Value>(&c.pickle[..end]).is_err(), "cut at {end}");
    }
}
