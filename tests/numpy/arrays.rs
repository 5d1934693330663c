//! numpy arrays and scalars, both ways, judged by numpy itself (see
//! `judge`): what numpy 2.x and 1.x write reads into Rust types like
//! `tolist()`, and what this crate writes numpy loads, byte for byte as it
//! writes it.

use std::collections::BTreeMap;

use crate::judge::{dump, dump_joblib, dump_oob, load, AsJson, Case, Env};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value as Json};
use serde_pickle::py::{Dtype, NdArray, NdScalar};
use serde_pickle::{Category, DeOptions, SerOptions};

const PROTOCOLS: [u8; 6] = [0, 1, 2, 3, 4, 5];

/// Every dtype, byte order, memory order and shape numpy pickles, as numpy expressions.
fn every_array() -> Vec<String> {
    let dtypes = [
        "'?'",
        "'i1'",
        "'<i2'",
        "'>i2'",
        "'=i4'",
        "'>i4'",
        "'<i8'",
        "'>i8'",
        "'u1'",
        "'<u2'",
        "'>u4'",
        "'<u8'",
        "'>u8'",
        "'<f2'",
        "'>f2'",
        "'<f4'",
        "'>f4'",
        "'<f8'",
        "'>f8'",
        "'<c8'",
        "'>c16'",
        "'S3'",
        "'<U3'",
        "'>U3'",
        "'<M8[ms]'",
        "'>m8[25s]'",
        "[('a', '<i4'), ('b', '>f8'), ('c', 'S2')]",
    ];
    let shapes = ["()", "(0,)", "(5,)", "(2, 3)", "(2, 3, 4)", "(3, 0)"];
    let mut out = Vec::new();
    for dt in dtypes {
        for shape in shapes {
            for order in ["C", "F"] {
                // Values that every dtype holds: counting up from 1 (as bool: True),
                // and a structured record of each field's count.
                out.push(format!(
                    "np.array(np.arange(1, 1 + int(np.prod({shape}))).reshape({shape}).astype(np.dtype({dt}) if np.dtype({dt}).names is None else 'i8'), order='{order}') if np.dtype({dt}).names is None else np.array([tuple(i + j for j in range(3)) for i in range(int(np.prod({shape})))], dtype={dt}).reshape({shape}, order='{order}')"
                ));
            }
        }
    }
    out
}

fn check_all(env: Env, exprs: &[String], protos: &[u8]) {
    let exprs: Vec<&str> = exprs.iter().map(String::as_str).collect();
    let cases = dump(env, &exprs, protos);
    let mut failures = Vec::new();
    for c in &cases {
        match serde_pickle::from_slice::<AsJson>(&c.pickle) {
            Ok(AsJson(got)) if got == c.expect => {}
            Ok(AsJson(got)) => {
                failures.push(format!("{} p{}: read {got}, tolist {}", c.expr, c.proto, c.expect))
            }
            Err(e) => failures.push(format!("{} p{}: {e}", c.expr, c.proto)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn every_dtype_order_and_shape_numpy_2_writes_reads_like_tolist() {
    check_all(Env::Modern, &every_array(), &PROTOCOLS);
}

#[test]
fn every_dtype_order_and_shape_numpy_1_writes_reads_like_tolist() {
    check_all(Env::Legacy, &every_array(), &[2, 3, 4, 5]);
}

#[test]
fn numpy_scalars_and_object_arrays_read_like_tolist() {
    let exprs = [
        "np.float64(1.5)",
        "np.float32(0.1)",
        "np.float16(-2.5)",
        "np.int32(-3)",
        "np.uint64(2**64 - 1)",
        "np.int8(-128)",
        "np.bool_(True)",
        "np.complex128(1 - 2j)",
        "np.bytes_(b'ab')",
        "np.str_('h\u{e9}')",
        "np.datetime64(5, 'D')",
        "np.timedelta64(-7, 'h')",
        "np.array([1, 'x', None, 2.5, [1, 2], {'k': b'v'.decode()}], dtype=object)",
        "np.array([[1, 'x'], [None, 2.5]], dtype=object, order='F')",
        "np.array(None, dtype=object)",
        "{'a': np.arange(3.0), 'b': np.array([[1, 2]], dtype='>u2'), 'n': np.int64(4)}",
    ]
    .map(String::from);
    check_all(Env::Modern, &exprs, &PROTOCOLS);
    check_all(Env::Legacy, &exprs, &[2, 5]);
}

/// Expressions to read each as its own type `T`, comparing `T` (as JSON)
/// with `tolist()` at protocols 2-5. [`Typed::run`] asks one numpy process
/// per environment for all of them (starting one costs more than the reads).
#[derive(Default)]
struct Typed {
    items: Vec<(Env, &'static str, Check)>,
}

/// Reads a case as some type and compares.
type Check = Box<dyn Fn(&Case)>;

impl Typed {
    fn read<T: DeserializeOwned + Serialize>(mut self, env: Env, expr: &'static str) -> Self {
        let check = |c: &Case| {
            let got: T = serde_pickle::from_slice(&c.pickle)
                .unwrap_or_else(|e| panic!("{} p{}: {e}", c.expr, c.proto));
            let got = serde_json::to_value(&got).expect("json");
            assert_eq!(got, c.expect, "{} p{}", c.expr, c.proto);
        };
        self.items.push((env, expr, Box::new(check)));
        self
    }

    fn run(self) {
        for env in [Env::Modern, Env::Legacy] {
            let items: Vec<_> = self.items.iter().filter(|i| i.0 == env).collect();
            if items.is_empty() {
                continue;
            }
            let exprs: Vec<&str> = items.iter().map(|i| i.1).collect();
            let cases = dump(env, &exprs, &[2, 3, 4, 5]);
            assert_eq!(cases.len(), 4 * items.len());
            for c in &cases {
                // Each expression's cases, checked by the first item naming it
                // (an expression listed twice is read as each type).
                for (_, _, check) in items.iter().filter(|i| i.1 == c.expr) {
                    check(c);
                }
            }
        }
    }
}

#[test]
fn a_1d_array_reads_into_vec_array_and_boxed_slice() {
    Typed::default()
        .read::<Vec<f64>>(Env::Modern, "np.array([1.5, -2.0, 1e300])")
        .read::<[f64; 3]>(Env::Modern, "np.array([1.5, -2.0, 1e300])")
        .read::<Box<[i32]>>(Env::Modern, "np.array([1, -2, 3], dtype='>i4')")
        .read::<Vec<u8>>(Env::Legacy, "np.arange(256, dtype='u1')")
        .read::<Vec<bool>>(Env::Modern, "np.array([True, False])")
        .run();
}

#[test]
fn an_nd_array_reads_into_nested_vecs_in_c_and_fortran_order() {
    Typed::default()
        .read::<Vec<Vec<i64>>>(Env::Modern, "np.arange(6).reshape(2, 3)")
        .read::<Vec<Vec<i64>>>(Env::Modern, "np.asfortranarray(np.arange(6).reshape(2, 3))")
        .read::<Vec<Vec<Vec<f32>>>>(
            Env::Legacy,
            "np.asfortranarray(np.arange(24, dtype='>f4').reshape(2, 3, 4))",
        )
        .run();
}

#[test]
fn smaller_element_types_widen_as_serde_allows() {
    Typed::default()
        .read::<Vec<i64>>(Env::Modern, "np.array([-128, 127], dtype='i1')")
        .read::<Vec<f64>>(Env::Modern, "np.array([0.1, 3.5], dtype='f4')")
        .read::<Vec<f32>>(Env::Modern, "np.array([0.5, -65504, 6e-8], dtype='f2')")
        .read::<Vec<u16>>(Env::Modern, "np.array([1, 65535], dtype='u8')")
        .run();
}

#[test]
fn numpy_scalars_read_into_rust_scalars() {
    Typed::default()
        .read::<f64>(Env::Modern, "np.float64(1.5)")
        .read::<i32>(Env::Modern, "np.int32(3)")
        .read::<bool>(Env::Modern, "np.bool_(True)")
        .read::<NdScalar<u8>>(Env::Legacy, "np.uint8(200)")
        .read::<f64>(Env::Modern, "np.array(2.5)")
        .run();
}

#[test]
fn arrays_read_inside_structs_maps_and_options() {
    #[derive(Deserialize, Serialize)]
    struct Features {
        x: Vec<f64>,
        labels: Vec<i64>,
        weights: Option<Vec<Vec<f32>>>,
        bias: Option<f64>,
        scale: f64,
    }
    Typed::default()
        .read::<Features>(Env::Modern, "{'x': np.linspace(0, 1, 5), 'labels': np.array([1, 0, 1]), 'weights': np.ones((2, 2), 'f4'), 'bias': None, 'scale': np.float32(0.25)}")
        .read::<BTreeMap<String, Vec<u32>>>(Env::Legacy, "{'a': np.arange(3, dtype='u4'), 'b': np.array([], dtype='u4')}")
        .read::<Vec<Option<Vec<i8>>>>(Env::Modern, "[np.array([1, -1], dtype='i1'), None]")
        .run();
}

#[test]
fn complex_strings_and_datetimes_read_as_pairs_text_and_counts() {
    Typed::default()
        .read::<Vec<(f64, f64)>>(Env::Modern, "np.array([1 + 2j, -0.5j])")
        .read::<Vec<[f32; 2]>>(Env::Modern, "np.array([1 + 2j], dtype='c8')")
        .read::<Vec<String>>(Env::Modern, "np.array(['ab', '', 'h\u{e9}llo'])")
        .read::<Vec<serde_bytes::ByteBuf>>(Env::Legacy, "np.array([b'ab', b'', b'x\\x00y'])")
        .read::<Vec<i64>>(Env::Modern, "np.array(['2020-01-01', 'NaT'], dtype='M8[ms]')")
        .read::<Vec<i64>>(Env::Modern, "np.array([5, -1], dtype='>m8[us]')")
        .run();
}

#[test]
fn structured_arrays_read_into_structs_by_field_name() {
    #[derive(Deserialize, Serialize)]
    struct Point {
        x: f64,
        y: f64,
        id: i32,
    }
    Typed::default()
        .read::<Vec<Point>>(Env::Modern, "np.array([(1.5, 2.0, 7), (0, -1, 8)], dtype=[('id', '>i4'), ('x', '<f8'), ('y', 'f4')])")
        .read::<Vec<Point>>(Env::Legacy, "np.array([(1.5, 2.0, 7)], dtype=[('x', 'f8'), ('y', 'f8'), ('id', 'i4')])")
        .run();
}

#[test]
fn object_arrays_read_their_elements_like_any_pickle_value() {
    Typed::default()
        .read::<Vec<Option<String>>>(Env::Modern, "np.array(['a', None, 'c'], dtype=object)")
        .read::<Vec<Vec<i64>>>(Env::Modern, "np.array([[1, 2], [3, 4]], dtype=object).T")
        .run();
}

#[test]
fn a_float_array_into_integers_is_a_data_error_naming_the_dtype() {
    for c in dump(Env::Modern, &["np.array([1.5, 2.0])"], &[2, 5]) {
        let err = serde_pickle::from_slice::<Vec<i32>>(&c.pickle).unwrap_err();
        assert_eq!(err.category(), Category::Data);
        assert!(err.to_string().contains("float64"), "{err}");
    }
}

#[test]
fn protocol_5_out_of_band_buffers_are_read_from_de_options() {
    for c in dump_oob(
        Env::Modern,
        &[
            "np.arange(6.0).reshape(2, 3)",
            "np.asfortranarray(np.arange(6, dtype='>i2').reshape(3, 2))",
        ],
    ) {
        assert!(!c.buffers.is_empty(), "{}: numpy wrote no buffer", c.expr);
        let err = serde_pickle::from_slice::<AsJson>(&c.pickle).unwrap_err();
        assert_eq!(err.category(), Category::Unsupported, "{err}");
        assert!(err.to_string().contains("DeOptions::buffers"), "{err}");
        let opts = DeOptions::new().buffers(c.buffers.clone());
        let AsJson(got) = serde_pickle::from_slice_with(&c.pickle, &opts).unwrap();
        assert_eq!(got, c.expect, "{}", c.expr);
    }
}

#[test]
fn nd_array_keeps_shape_and_dtype() {
    for c in dump(Env::Modern, &["np.arange(6, dtype='>i2').reshape(2, 3)"], &[2, 3, 4, 5]) {
        let a: NdArray<i32> = serde_pickle::from_slice(&c.pickle).unwrap();
        assert_eq!(a.shape(), [2, 3]);
        assert_eq!(a.dtype().to_string(), ">i2");
        assert_eq!(a.dtype().name(), "int16");
        let flat: Vec<Json> = c
            .expect
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r.as_array().unwrap().clone())
            .collect();
        assert_eq!(json!(a.as_slice()), json!(flat));
        assert_eq!(a.into_vec().len(), 6);
    }
    for c in dump(
        Env::Legacy,
        &["np.asfortranarray(np.arange(6.0).reshape(3, 2))", "np.float64(2.0)"],
        &[2, 5],
    ) {
        let a: NdArray<f64> = serde_pickle::from_slice(&c.pickle).unwrap();
        let flat: Vec<Json> = match &c.expect {
            Json::Array(rows) => rows.iter().flat_map(|r| r.as_array().unwrap().clone()).collect(),
            x => vec![x.clone()],
        };
        assert_eq!(json!(a.as_slice()), json!(flat), "{}", c.expr);
    }
}

#[test]
fn nd_array_keeps_the_datetime_unit() {
    for c in dump(Env::Modern, &["np.array([1, 2], dtype='<M8[25s]')"], &[2, 5]) {
        let a: NdArray<i64> = serde_pickle::from_slice(&c.pickle).unwrap();
        assert_eq!(a.dtype().unit(), Some(("s", 25)));
        assert_eq!(a.dtype().name(), "datetime64[25s]");
    }
}

#[test]
fn nd_array_new_checks_the_size() {
    assert!(NdArray::new(vec![2, 3], vec![0u8; 6]).is_ok());
    let err = NdArray::new(vec![2, 3], vec![0u8; 5]).unwrap_err();
    assert_eq!(err.category(), Category::Data);
    assert!(NdArray::new(vec![], vec![1.0f32]).is_ok());
    assert!(NdArray::new(vec![usize::MAX, 2], vec![1.0f32]).is_err());
}

fn write_cases<T: Serialize>(
    out: &mut Vec<(String, u8, Vec<u8>)>,
    expr: &str,
    value: &T,
    protos: &[u8],
    legacy: bool,
) {
    for &p in protos {
        let opts = SerOptions::new().protocol(p).numpy_legacy(legacy);
        out.push((expr.to_string(), p, serde_pickle::to_vec_with(value, &opts).unwrap()));
    }
}

fn written_arrays(protos: &[u8], legacy: bool) -> Vec<(String, u8, Vec<u8>)> {
    fn arr<T: serde_pickle::py::NdElement>(shape: Vec<usize>, data: Vec<T>) -> NdArray<T> {
        NdArray::new(shape, data).unwrap()
    }
    let mut out = Vec::new();
    let o = &mut out;
    write_cases(
        o,
        "np.array([1.5, -2.0, 1e300])",
        &arr(vec![3], vec![1.5f64, -2.0, 1e300]),
        protos,
        legacy,
    );
    write_cases(
        o,
        "np.arange(6, dtype='f4').reshape(2, 3)",
        &arr(vec![2, 3], (0..6).map(|i| i as f32).collect()),
        protos,
        legacy,
    );
    write_cases(
        o,
        "np.array([-1, 2**31 - 1], dtype='i4')",
        &arr(vec![2], vec![-1i32, i32::MAX]),
        protos,
        legacy,
    );
    write_cases(
        o,
        "np.array([[-128], [127]], dtype='i1')",
        &arr(vec![2, 1], vec![-128i8, 127]),
        protos,
        legacy,
    );
    write_cases(
        o,
        "np.array([2**63 - 1], dtype='i8')",
        &arr(vec![1], vec![i64::MAX]),
        protos,
        legacy,
    );
    write_cases(o, "np.array([1, 2], dtype='i2')", &arr(vec![2], vec![1i16, 2]), protos, legacy);
    write_cases(o, "np.array([0, 255], dtype='u1')", &arr(vec![2], vec![0u8, 255]), protos, legacy);
    write_cases(o, "np.array([65535], dtype='u2')", &arr(vec![1], vec![u16::MAX]), protos, legacy);
    write_cases(o, "np.array([7], dtype='u4')", &arr(vec![1], vec![7u32]), protos, legacy);
    write_cases(
        o,
        "np.array([2**64 - 1], dtype='u8')",
        &arr(vec![1], vec![u64::MAX]),
        protos,
        legacy,
    );
    write_cases(o, "np.array([True, False])", &arr(vec![2], vec![true, false]), protos, legacy);
    write_cases(o, "np.array([], dtype='f8')", &arr(vec![0], Vec::<f64>::new()), protos, legacy);
    write_cases(
        o,
        "np.zeros((2, 0), dtype='i8')",
        &arr(vec![2, 0], Vec::<i64>::new()),
        protos,
        legacy,
    );
    write_cases(o, "np.array(3.5)", &arr(vec![], vec![3.5f64]), protos, legacy);
    let dt = NdArray::with_dtype(vec![2], vec![0i64, 86_400_000], Dtype::parse("<M8[ms]").unwrap())
        .unwrap();
    write_cases(o, "np.array([0, 86400000], dtype='M8[ms]')", &dt, protos, legacy);
    let td = NdArray::with_dtype(vec![1], vec![-3i64], Dtype::parse("<m8[25s]").unwrap()).unwrap();
    write_cases(o, "np.array([-3], dtype='m8[25s]')", &td, protos, legacy);
    write_cases(o, "np.float64(1.5)", &NdScalar(1.5f64), protos, legacy);
    write_cases(o, "np.int32(-3)", &NdScalar(-3i32), protos, legacy);
    write_cases(
        o,
        "np.array([1 + 2j, 3 - 4j])",
        &arr(vec![2], vec![[1.0f64, 2.0], [3.0, -4.0]]),
        protos,
        legacy,
    );
    write_cases(
        o,
        "np.array([[0.5 - 1j], [2j]], dtype='c8')",
        &arr(vec![2, 1], vec![[0.5f32, -1.0], [0.0, 2.0]]),
        protos,
        legacy,
    );
    write_cases(o, "np.complex128(1.5 - 2j)", &NdScalar([1.5f64, -2.0]), protos, legacy);
    write_cases(o, "np.bool_(True)", &NdScalar(true), protos, legacy);
    write_cases(o, "np.uint8(200)", &NdScalar(200u8), protos, legacy);
    out
}

#[test]
fn written_arrays_load_in_numpy_2_with_its_own_bytes() {
    let problems = load(Env::Modern, &written_arrays(&[2, 3, 4, 5], false));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn written_arrays_with_numpy_legacy_load_in_numpy_1_with_its_own_bytes() {
    let problems = load(Env::Legacy, &written_arrays(&[2, 3, 4, 5], true));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_nd_array_nested_in_a_struct_loads_in_numpy() {
    #[derive(Serialize)]
    struct Model {
        name: String,
        weights: NdArray<f32>,
    }
    let m = Model {
        name: "m".into(),
        weights: NdArray::new(vec![2, 2], vec![1.0, 2.0, 3.0, 4.0]).unwrap(),
    };
    for p in [2, 3, 4, 5] {
        let bytes = serde_pickle::to_vec_with(&m, &SerOptions::new().protocol(p)).unwrap();
        // numpy wrote the same dict (pickled by this crate's value writer in numpy's own form):
        let c: Vec<Case> = dump(
            Env::Modern,
            &["{'name': 'm', 'weights': np.array([[1, 2], [3, 4]], dtype='f4')}"],
            &[p],
        );
        let back: serde_pickle::Value = serde_pickle::from_slice(&bytes).unwrap();
        let theirs: serde_pickle::Value = serde_pickle::from_slice(&c[0].pickle).unwrap();
        assert_eq!(back, theirs, "p{p}");
    }
}

#[test]
fn written_arrays_read_back_the_same() {
    let a = NdArray::new(vec![3, 2], vec![1u16, 2, 3, 4, 5, 6]).unwrap();
    for p in [0, 1, 2, 3, 4, 5] {
        let bytes = serde_pickle::to_vec_with(&a, &SerOptions::new().protocol(p)).unwrap();
        let back: NdArray<u16> = serde_pickle::from_slice(&bytes).unwrap();
        assert_eq!(back, a, "p{p}");
    }
}

#[test]
fn other_formats_see_shape_dtype_and_data() {
    let a = NdArray::new(vec![1, 2], vec![1i32, 2]).unwrap();
    let j = serde_json::to_string(&a).unwrap();
    assert_eq!(j, r#"{"shape":[1,2],"dtype":"<i4","data":[1,2]}"#);
    let back: NdArray<i32> = serde_json::from_str(&j).unwrap();
    assert_eq!(back, a);
}

#[test]
fn a_joblib_file_is_an_error_saying_it_is_one() {
    let exprs = [
        "{'a': np.arange(5.0), 'n': 3}",
        "np.arange(1000, dtype='i8')",
        "[np.zeros(3), np.ones((2, 2), 'f4')]",
    ];
    for c in dump_joblib(Env::Modern, &exprs, &[2, 4, 5]) {
        for err in [
            serde_pickle::from_slice::<AsJson>(&c.pickle).unwrap_err(),
            serde_pickle::from_slice::<serde_pickle::Value>(&c.pickle).unwrap_err(),
        ] {
            assert_eq!(err.category(), Category::Unsupported, "{} p{}: {err}", c.expr, c.proto);
            assert!(err.to_string().contains("joblib file"), "{} p{}: {err}", c.expr, c.proto);
        }
    }
}
