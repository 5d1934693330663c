//! numpy arrays and a pandas DataFrame from Python, read as typed Rust data;
//! an array computed in Rust, loaded and checked by numpy.
//!
//! Python (numpy and pandas, the interpreter `tools/pyenv.sh modern` makes,
//! or `$NUMPY_PYTHON`) pickles a dict holding a 3×4 float64 matrix, an int
//! array and a DataFrame to `inputs.pkl`. Rust reads it into a struct
//! (`NdArray<f64>`, `Vec<i64>`, `Vec<Reading>` with one field per column),
//! computes the matrix's column means and writes them to `means.pkl` as a
//! numpy array; Python loads that and compares it with `x.mean(axis=0)`.
//!
//! ```text
//! cargo run --example numpy_exchange
//! ```

use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;
use serde_pickle::py::NdArray;

const MAKE_INPUTS: &str = r#"
import pickle, numpy as np, pandas as pd
x = np.arange(12, dtype='f8').reshape(3, 4) / 4
frame = pd.DataFrame({'city': ['Oslo', 'Lima', 'Pune'], 'temp': [-3.5, 19.0, 31.25], 'rainy': [False, True, False]})
with open('inputs.pkl', 'wb') as f:
    pickle.dump({'x': x, 'labels': np.array([2, 0, 1]), 'frame': frame}, f, protocol=5)
"#;

const CHECK_MEANS: &str = r#"
import pickle, numpy as np
x = np.arange(12, dtype='f8').reshape(3, 4) / 4
with open('means.pkl', 'rb') as f:
    means = pickle.load(f)
print('numpy loaded:', repr(means))
print('numpy agrees:', means.dtype == np.float64 and means.shape == (4,) and bool(np.array_equal(means, x.mean(axis=0))))
"#;

/// One row of the DataFrame: a field per column.
#[derive(Deserialize, Debug)]
struct Reading {
    city: String,
    temp: f64,
    rainy: bool,
}

#[derive(Deserialize, Debug)]
struct Inputs {
    /// Keeps the shape: [3, 4].
    x: NdArray<f64>,
    /// A 1-D array, like `labels.tolist()`.
    labels: Vec<i64>,
    /// The DataFrame as its rows.
    frame: Vec<Reading>,
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("NUMPY_PYTHON") {
        return p.into();
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/pyenv.sh");
    let out = Command::new(script).arg("modern").output().expect("run tools/pyenv.sh");
    assert!(
        out.status.success(),
        "tools/pyenv.sh modern: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).expect("a path").trim())
}

fn run_python(python: &PathBuf, code: &str) -> String {
    let out = Command::new(python).arg("-c").arg(code).output().expect("run python");
    assert!(out.status.success(), "python failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8")
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let python = python();
    run_python(&python, MAKE_INPUTS);

    let inputs: Inputs = serde_pickle::from_slice(&std::fs::read("inputs.pkl")?)?;
    let (rows, cols) = match inputs.x.shape() {
        &[r, c] => (r, c),
        other => return Err(format!("expected a matrix, got shape {other:?}").into()),
    };
    println!("x: shape {:?}, dtype {}", inputs.x.shape(), inputs.x.dtype().name());
    println!("labels: {:?}", inputs.labels);
    for r in &inputs.frame {
        println!("{}: {} degrees{}", r.city, r.temp, if r.rainy { ", rainy" } else { "" });
    }

    // Column means, over the C-order elements.
    let data = inputs.x.as_slice();
    let means: Vec<f64> = (0..cols)
        .map(|c| (0..rows).map(|r| data[r * cols + c]).sum::<f64>() / rows as f64)
        .collect();
    println!("column means: {means:?}");
    let means = NdArray::new(vec![cols], means)?;
    std::fs::write("means.pkl", serde_pickle::to_vec(&means)?)?;

    print!("{}", run_python(&python, CHECK_MEANS));
    Ok(())
}
