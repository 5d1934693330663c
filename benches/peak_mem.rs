//! Peak heap used by typed reads (and by reading into a generic value),
//! measured with a counting global allocator: for each data set and format,
//! the highest number of live heap bytes during the call above what was live
//! before it (the result included), and what stays live afterwards (the result).
//!
//! ```text
//! cargo bench --bench peak_mem
//! ```
//!
//! Writes `peak.json` to the bench output directory (see `common::out_dir`).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use serde::de::DeserializeOwned;
use serde::Serialize;

use common::*;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the
// counters only observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Relaxed) + layout.size();
            PEAK.fetch_max(now, Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// (peak above the starting point during `f`, bytes still live after it),
/// or the error message if the read failed.
fn measure<R, E: std::fmt::Display>(
    f: impl FnOnce() -> Result<R, E>,
) -> Result<(usize, usize), String> {
    let base = CURRENT.load(Relaxed);
    PEAK.store(base, Relaxed);
    let result = f();
    let peak = PEAK.load(Relaxed) - base;
    let retained = CURRENT.load(Relaxed).saturating_sub(base);
    match result {
        Ok(value) => {
            drop(value);
            Ok((peak, retained))
        }
        Err(e) => Err(e.to_string()),
    }
}

type Table = BTreeMap<String, BTreeMap<String, BTreeMap<&'static str, usize>>>;

fn row(
    table: &mut Table,
    dataset: &str,
    key: &str,
    input: usize,
    measured: Result<(usize, usize), String>,
) {
    let (peak, retained) = match measured {
        Ok(m) => m,
        Err(e) => {
            println!("{dataset:<16} {key:<26} FAILED: {e}");
            return;
        }
    };
    println!(
        "{dataset:<16} {key:<26} {:>12} {:>12} {:>12} {:>7.2}",
        input,
        peak,
        retained,
        peak as f64 / input.max(1) as f64
    );
    let e = table.entry(dataset.to_string()).or_default().entry(key.to_string()).or_default();
    e.insert("input", input);
    e.insert("peak", peak);
    e.insert("retained", retained);
}

fn typed<T: Serialize + DeserializeOwned>(table: &mut Table, name: &str, data: &T) {
    let this = serde_pickle::to_vec(data).unwrap();
    let peer = peer::to_vec(data, peer::SerOptions::new()).unwrap();
    let json = serde_json::to_vec(data).unwrap();
    let bin = bincode::serialize(data).unwrap();

    let r = measure(|| serde_pickle::from_slice::<T>(&this));
    row(table, name, "this/from_slice", this.len(), r);
    let r = measure(|| serde_pickle::from_reader::<_, T>(&this[..]));
    row(table, name, "this/from_reader", this.len(), r);
    let r = measure(|| serde_pickle::from_slice::<serde_pickle::Value>(&this));
    row(table, name, "this/Value", this.len(), r);
    let r = measure(|| peer::from_slice::<T>(&peer, peer::DeOptions::new()));
    row(table, name, "peer/from_slice", peer.len(), r);
    let r = measure(|| peer::from_reader::<_, T>(&peer[..], peer::DeOptions::new()));
    row(table, name, "peer/from_reader", peer.len(), r);
    let r = measure(|| peer::value_from_slice(&peer, peer::DeOptions::new()));
    row(table, name, "peer/Value", peer.len(), r);
    let r = measure(|| serde_json::from_slice::<T>(&json));
    row(table, name, "json/from_slice", json.len(), r);
    let r = measure(|| serde_json::from_reader::<_, T>(&json[..]));
    row(table, name, "json/from_reader", json.len(), r);
    let r = measure(|| bincode::deserialize::<T>(&bin));
    row(table, name, "bincode/from_slice", bin.len(), r);
    let r = measure(|| bincode::deserialize_from::<_, T>(&bin[..]));
    row(table, name, "bincode/from_reader", bin.len(), r);
}

/// Writing a large value: `to_writer` into `io::sink()` streams frame by
/// frame, so its peak heap stays at a few frames whatever the output size;
/// `to_vec` holds the whole pickle. `input` is the output size here.
fn writes<T: Serialize>(table: &mut Table, name: &str, data: &T, with_vec: bool) {
    let mut counter = CountingSink(0);
    let r = measure(|| serde_pickle::to_writer(&mut counter, data));
    let out = counter.0;
    row(table, name, "this/to_writer", out, r);
    if with_vec {
        let r = measure(|| serde_pickle::to_vec(data));
        row(table, name, "this/to_vec", out, r);
    }
}

/// `io::sink()` that counts the bytes written.
struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() {
    // `cargo bench` passes `--bench` (and any filter); a filter selects data sets.
    let filter: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f.as_str()));

    println!(
        "{:<16} {:<26} {:>12} {:>12} {:>12} {:>7}",
        "data set", "format/read", "input B", "peak B", "result B", "peak/in"
    );
    let mut table = Table::new();
    let records = common::records(100_000);
    if wanted("records") {
        typed(&mut table, "records", &records);
    }
    if wanted("cpython_records") {
        if let Some(pkl) = cpython_records_pickle(&records) {
            let r = measure(|| serde_pickle::from_slice::<Vec<Record>>(&pkl));
            row(&mut table, "cpython_records", "this/from_slice", pkl.len(), r);
            let r = measure(|| serde_pickle::from_reader::<_, Vec<Record>>(&pkl[..]));
            row(&mut table, "cpython_records", "this/from_reader", pkl.len(), r);
            let r = measure(|| serde_pickle::from_slice::<serde_pickle::Value>(&pkl));
            row(&mut table, "cpython_records", "this/Value", pkl.len(), r);
            let r = measure(|| peer::from_slice::<Vec<Record>>(&pkl, peer::DeOptions::new()));
            row(&mut table, "cpython_records", "peer/from_slice", pkl.len(), r);
            let r = measure(|| peer::value_from_slice(&pkl, peer::DeOptions::new()));
            row(&mut table, "cpython_records", "peer/Value", pkl.len(), r);
        }
    }
    drop(records);
    if wanted("i64") {
        typed(&mut table, "i64", &common::ints(1_000_000));
    }
    if wanted("f64") {
        typed(&mut table, "f64", &common::floats(1_000_000));
    }
    if wanted("bytes_16MiB") {
        typed(&mut table, "bytes_16MiB", &common::big_bytes(16 << 20));
    }
    if wanted("stream_16MiB_bytes") {
        // The stream iterator over a reader, one lone large `bytes` pickle:
        // the payload is read into the vector the value keeps.
        let pkl = serde_pickle::to_vec(&common::big_bytes(16 << 20)).unwrap();
        let r = measure(|| {
            serde_pickle::Deserializer::from_reader(&pkl[..])
                .into_iter::<serde_bytes::ByteBuf>()
                .next()
                .expect("one pickle")
        });
        row(&mut table, "stream_16MiB_bytes", "this/into_iter", pkl.len(), r);
    }
    if wanted("bytes_small") {
        typed(&mut table, "bytes_small", &common::small_bytes(10_000));
    }
    if wanted("nested") {
        typed(&mut table, "nested", &common::nested(2_000, 10, 10));
    }
    if wanted("write_records") {
        // A list of records: names memoized, many frames.
        writes(&mut table, "write_records", &common::records(100_000), true);
    }
    if wanted("write_1GiB_bytes") {
        // 1,024 byte strings of 1 MiB: payloads longer than a frame.
        let chunks: Vec<serde_bytes::ByteBuf> =
            (0..1024u32).map(|i| serde_bytes::ByteBuf::from(vec![i as u8; 1 << 20])).collect();
        writes(&mut table, "write_1GiB_bytes", &chunks, false);
    }
    if wanted("write_1GiB_u64") {
        // 2^27 ints (1 GiB in memory): 16,384 frames of small opcodes.
        let ints: Vec<u64> = (0..1u64 << 27).map(|i| i.wrapping_mul(0x9e37_79b9) >> 20).collect();
        writes(&mut table, "write_1GiB_u64", &ints, false);
    }
    let path = out_dir().join("peak.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&table).unwrap()).unwrap();
    println!("\nwrote {}", path.display());
}
