//! pandas Series and DataFrames as pandas 3.x (`modern`) and 2.x (`legacy`)
//! pickle them, read into Rust types and judged by pandas (see `judge`).

use std::collections::BTreeMap;

use crate::judge::{dump, AsJson, Env};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use serde_pickle::Category;

const ENVS: [Env; 2] = [Env::Modern, Env::Legacy];
const PROTOCOLS: [u8; 4] = [2, 3, 4, 5];

const FRAME: &str = "pd.DataFrame({'a': [1, 2, 3], 'b': [0.5, 1.5, -2.5], 'c': ['x', 'y', 'z'], 'd': [True, False, True], 'e': np.array([4, 5, 6], dtype='i4')})";

#[test]
fn a_series_reads_into_a_vec() {
    let exprs = [
        "pd.Series([1.5, 2.5, -3.0], name='x')",
        "pd.Series([1, 2, 3])",
        "pd.Series([True, False])",
        "pd.Series(['a', 'bc'])",
        "pd.Series([], dtype='float64')",
        "pd.Series(np.arange(4, dtype='>u2'), index=['p', 'q', 'r', 's'])",
    ];
    for env in ENVS {
        for c in dump(env, &exprs, &PROTOCOLS) {
            let got: AsJson = serde_pickle::from_slice(&c.pickle)
                .unwrap_or_else(|e| panic!("{env:?} {} p{}: {e}", c.expr, c.proto));
            assert_eq!(got.0, c.expect, "{env:?} {} p{}", c.expr, c.proto);
        }
        let c = &dump(env, &["pd.Series([1.5, 2.5])"], &[5])[0];
        let v: Vec<f64> = serde_pickle::from_slice(&c.pickle).unwrap();
        assert_eq!(serde_json::to_value(v).unwrap(), c.expect);
    }
}

#[test]
fn a_dataframe_reads_into_a_map_of_columns() {
    for env in ENVS {
        for c in dump(env, &[FRAME, "pd.DataFrame({'a': [1, 2], 'b': [0.5, 0.5], 'c': [3, 4], 'd': [5, 6]})[['d', 'b', 'a', 'c']]"], &PROTOCOLS) {
            let got: BTreeMap<String, AsJson> =
                serde_pickle::from_slice(&c.pickle).unwrap_or_else(|e| panic!("{env:?} {} p{}: {e}", c.expr, c.proto));
            let got: serde_json::Map<String, Json> = got.into_iter().map(|(k, v)| (k, v.0)).collect();
            assert_eq!(Json::Object(got), c.expect, "{env:?} {} p{}", c.expr, c.proto);
        }
    }
}

#[test]
fn a_dataframe_reads_into_a_struct_of_columns_and_into_rows() {
    #[derive(Deserialize, Serialize)]
    struct Columns {
        a: Vec<i64>,
        b: Vec<f64>,
        c: Vec<String>,
        d: Vec<bool>,
        e: Vec<i32>,
    }
    #[derive(Deserialize, Serialize)]
    struct Row {
        a: i64,
        b: f64,
        c: String,
        d: bool,
        e: i32,
    }
    for env in ENVS {
        for c in dump(env, &[FRAME], &PROTOCOLS) {
            let cols: Columns = serde_pickle::from_slice(&c.pickle).unwrap();
            assert_eq!(serde_json::to_value(&cols).unwrap(), c.expect, "{env:?} p{}", c.proto);
            let rows: Vec<Row> = serde_pickle::from_slice(&c.pickle).unwrap();
            // The rows are the columns transposed.
            let expect = c.expect.as_object().unwrap();
            let n = expect["a"].as_array().unwrap().len();
            let want: Vec<Json> = (0..n)
                .map(|i| {
                    Json::Object(
                        expect.iter().map(|(k, col)| (k.clone(), col[i].clone())).collect(),
                    )
                })
                .collect();
            assert_eq!(
                serde_json::to_value(&rows).unwrap(),
                Json::Array(want),
                "{env:?} p{}",
                c.proto
            );
            let tuples: Vec<(i64, f64, String, bool, i32)> =
                serde_pickle::from_slice(&c.pickle).unwrap();
            assert_eq!(tuples[1].2, "y");
        }
    }
}

#[test]
fn a_dataframe_with_a_range_of_column_names_reads_them_as_ints() {
    for env in ENVS {
        for c in dump(env, &["pd.DataFrame(np.arange(6).reshape(2, 3))"], &[2, 5]) {
            let got: BTreeMap<i64, Vec<i64>> = serde_pickle::from_slice(&c.pickle).unwrap();
            let expect: BTreeMap<i64, Vec<i64>> = c
                .expect
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.parse().unwrap(), serde_json::from_value(v.clone()).unwrap()))
                .collect();
            assert_eq!(got, expect, "{env:?} p{}", c.proto);
        }
    }
}

#[test]
fn unsupported_layouts_are_errors_naming_the_pandas_class() {
    let cases = [
        ("pd.Series([1, None], dtype='Int64')", "IntegerArray"),
        (
            "pd.DataFrame([[1, 2]], columns=pd.MultiIndex.from_tuples([('a', 'x'), ('a', 'y')]))",
            "MultiIndex",
        ),
        ("pd.DataFrame({'k': pd.Categorical(['u', 'v'])})", "Categorical"),
    ];
    for env in ENVS {
        for (expr, class) in cases {
            for c in dump(env, &[expr], &[2, 5]) {
                let err = serde_pickle::from_slice::<AsJson>(&c.pickle).unwrap_err();
                assert_eq!(err.category(), Category::Unsupported, "{env:?} {expr}: {err}");
                let msg = err.to_string();
                assert!(msg.contains("pandas") && msg.contains(class), "{env:?} {expr}: {msg}");
            }
        }
    }
}
