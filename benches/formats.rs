//! Speed of this crate against serde-pickle 1.2, serde_json and bincode 1.3,
//! on the same data in the same run.
//!
//! ```text
//! cargo bench --bench formats              # everything (a few minutes)
//! cargo bench --bench formats -- records   # one data set
//! benches/report.sh                        # + CPython, and the README table
//! ```
//!
//! For each data set: `serialize` (to a `Vec<u8>`), `to_writer` (this crate,
//! streaming into `io::sink()`), `from_slice` (typed),
//! `from_reader` (typed, from a `&[u8]` reader) and, for the two pickle
//! crates, `value` (`from_slice` into each crate's generic `Value`). Output sizes are printed
//! once and written, with the pickles this crate wrote (for `compare.py`),
//! to the output directory (see `common::out_dir`).

mod common;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hint::black_box;
use std::sync::Mutex;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use serde::de::DeserializeOwned;
use serde::Serialize;

use common::*;

/// The formats compared, as (id used in benchmark names, description).
const FORMATS: &[(&str, &str)] = &[
    ("this", "serde_pickle (this crate), protocol 5"),
    ("peer", "serde-pickle 1.2, protocol 3"),
    ("json", "serde_json"),
    ("bincode", "bincode 1.3"),
];

static SIZES: Mutex<BTreeMap<String, BTreeMap<String, serde_json::Value>>> =
    Mutex::new(BTreeMap::new());

fn encode<T: Serialize>(format: &str, v: &T) -> Vec<u8> {
    match format {
        "this" => serde_pickle::to_vec(v).unwrap(),
        "peer" => peer::to_vec(v, peer::SerOptions::new()).unwrap(),
        "json" => serde_json::to_vec(v).unwrap(),
        "bincode" => bincode::serialize(v).unwrap(),
        _ => unreachable!(),
    }
}

fn decode_slice<T: DeserializeOwned>(format: &str, b: &[u8]) -> Result<T, String> {
    match format {
        "this" => serde_pickle::from_slice(b).map_err(|e| e.to_string()),
        "peer" => peer::from_slice(b, peer::DeOptions::new()).map_err(|e| e.to_string()),
        "json" => serde_json::from_slice(b).map_err(|e| e.to_string()),
        "bincode" => bincode::deserialize(b).map_err(|e| e.to_string()),
        _ => unreachable!(),
    }
}

/// Read into the crate's generic value type (the pickle crates only).
fn decode_value(format: &str, b: &[u8]) {
    match format {
        "this" => drop(black_box(serde_pickle::from_slice::<serde_pickle::Value>(b).unwrap())),
        "peer" => drop(black_box(peer::value_from_slice(b, peer::DeOptions::new()).unwrap())),
        _ => unreachable!(),
    }
}

fn decode_reader<T: DeserializeOwned>(format: &str, b: &[u8]) -> Result<T, String> {
    match format {
        "this" => serde_pickle::from_reader(b).map_err(|e| e.to_string()),
        "peer" => peer::from_reader(b, peer::DeOptions::new()).map_err(|e| e.to_string()),
        "json" => serde_json::from_reader(b).map_err(|e| e.to_string()),
        "bincode" => bincode::deserialize_from(b).map_err(|e| e.to_string()),
        _ => unreachable!(),
    }
}

fn record_size(dataset: &str, key: &str, value: serde_json::Value) {
    let mut sizes = SIZES.lock().unwrap();
    sizes.entry(dataset.to_string()).or_default().insert(key.to_string(), value);
    let path = out_dir().join("sizes.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&*sizes).unwrap()).unwrap();
}

/// Serialize / from_slice / from_reader of `data` in every format.
fn bench_dataset<T>(c: &mut Criterion, name: &str, data: &T)
where
    T: Serialize + DeserializeOwned + PartialEq + Debug,
{
    println!("\n== data set {name}: output sizes ==");
    let mut encoded = Vec::new();
    for &(fmt, desc) in FORMATS {
        let bytes = encode(fmt, data);
        println!("  {:<40} {:>12} bytes", desc, bytes.len());
        record_size(name, fmt, bytes.len().into());
        // Check each format reads back what it wrote before timing it.
        let ok = match decode_slice::<T>(fmt, &bytes) {
            Ok(back) if &back == data => true,
            Ok(_) => {
                eprintln!("WARNING: {name}/{fmt}: read back a different value");
                false
            }
            Err(e) => {
                eprintln!("WARNING: {name}/{fmt}: reading back failed: {e}");
                false
            }
        };
        if !ok {
            record_size(name, &format!("{fmt}_roundtrip_failed"), true.into());
        }
        if fmt == "this" {
            // For compare.py: the same data, for CPython to load and re-time.
            std::fs::write(out_dir().join(format!("{name}.pkl")), &bytes).unwrap();
        }
        encoded.push((fmt, bytes, ok));
    }

    let mut group = c.benchmark_group(name);
    for (fmt, bytes, ok) in &encoded {
        let fmt: &str = fmt;
        group.bench_function(BenchmarkId::new("serialize", fmt), |b| {
            b.iter(|| encode(fmt, black_box(data)))
        });
        if fmt == "this" {
            // Streaming (a dry run, then frame by frame into the writer),
            // against `serialize` (to_vec: the whole pickle in memory).
            group.bench_function(BenchmarkId::new("to_writer", fmt), |b| {
                b.iter(|| serde_pickle::to_writer(std::io::sink(), black_box(data)).unwrap())
            });
        }
        if !ok {
            continue;
        }
        group.bench_function(BenchmarkId::new("from_slice", fmt), |b| {
            b.iter(|| decode_slice::<T>(fmt, black_box(bytes)).unwrap())
        });
        group.bench_function(BenchmarkId::new("from_reader", fmt), |b| {
            b.iter(|| decode_reader::<T>(fmt, black_box(bytes)).unwrap())
        });
        if ["this", "peer"].contains(&fmt) {
            group.bench_function(BenchmarkId::new("value", fmt), |b| {
                b.iter(|| decode_value(fmt, black_box(bytes)))
            });
        }
    }
    group.finish();
}

fn records(c: &mut Criterion) {
    let data = common::records(100_000);
    bench_dataset(c, "records", &data);

    // (f) the same records as CPython itself pickles them (protocol 5: frames,
    // MEMOIZE, a list of dicts), read by the two pickle crates.
    let Some(pkl) = cpython_records_pickle(&data) else { return };
    println!("\n== data set cpython_records: {} bytes, written by CPython ==", pkl.len());
    record_size("cpython_records", "cpython", pkl.len().into());
    let mut group = c.benchmark_group("cpython_records");
    for fmt in ["this", "peer"] {
        match decode_slice::<Vec<Record>>(fmt, &pkl) {
            Ok(back) if back == data => {}
            Ok(_) => {
                eprintln!("WARNING: cpython_records/{fmt}: read a different value; skipped");
                record_size("cpython_records", &format!("{fmt}_roundtrip_failed"), true.into());
                continue;
            }
            Err(e) => {
                eprintln!("WARNING: cpython_records/{fmt}: reading failed: {e}; skipped");
                record_size("cpython_records", &format!("{fmt}_roundtrip_failed"), true.into());
                continue;
            }
        }
        group.bench_function(BenchmarkId::new("from_slice", fmt), |b| {
            b.iter(|| decode_slice::<Vec<Record>>(fmt, black_box(&pkl)).unwrap())
        });
        group.bench_function(BenchmarkId::new("from_reader", fmt), |b| {
            b.iter(|| decode_reader::<Vec<Record>>(fmt, black_box(&pkl)).unwrap())
        });
        group.bench_function(BenchmarkId::new("value", fmt), |b| {
            b.iter(|| decode_value(fmt, black_box(&pkl)))
        });
    }
    group.finish();
}

fn ints(c: &mut Criterion) {
    bench_dataset(c, "i64", &common::ints(1_000_000));
}

fn floats(c: &mut Criterion) {
    bench_dataset(c, "f64", &common::floats(1_000_000));
}

fn bytes(c: &mut Criterion) {
    bench_dataset(c, "bytes_16MiB", &common::big_bytes(16 << 20));
    bench_dataset(c, "bytes_small", &common::small_bytes(10_000));
}

fn nested(c: &mut Criterion) {
    // 2,000 keys x 10 dicts x 10 ints = 200,000 leaves.
    bench_dataset(c, "nested", &common::nested(2_000, 10, 10));
}

/// A 100 MB float64 numpy array (the pickle numpy writes at protocol 5,
/// in-band) read into `Vec<f64>`, against a 100 MB `bytes` read into a
/// byte buffer: the array's elements are decoded straight from its data
/// bytes, so the two should stay within 2x of each other.
fn numpy(c: &mut Criterion) {
    let n = (100 << 20) / 8;
    let floats: Vec<f64> = (0..n).map(|i| i as f64 * 0.25).collect();
    let array = serde_pickle::py::NdArray::new(vec![n], floats).unwrap();
    let array_pickle = serde_pickle::to_vec(&array).unwrap();
    let bytes_pickle = serde_pickle::to_vec(&common::big_bytes(100 << 20)).unwrap();
    let mut group = c.benchmark_group("numpy_100MB");
    group.bench_function("float64_array_into_vec_f64", |b| {
        b.iter(|| black_box(serde_pickle::from_slice::<Vec<f64>>(&array_pickle).unwrap()))
    });
    group.bench_function("bytes_into_byte_buf", |b| {
        b.iter(|| {
            black_box(serde_pickle::from_slice::<serde_bytes::ByteBuf>(&bytes_pickle).unwrap())
        })
    });
    group.bench_function("nd_array_f64_written", |b| {
        b.iter(|| black_box(serde_pickle::to_vec(&array).unwrap()))
    });
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = records, ints, floats, bytes, nested, numpy
}
criterion_main!(benches);
