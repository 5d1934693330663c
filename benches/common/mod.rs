//! Data sets shared by the benches: generated deterministically, so every
//! run (and every format) sees the same values.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

/// One record of data set (a).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Record {
    pub id: u64,
    pub name: String,
    pub email: String,
    pub age: u32,
    pub score: f64,
    pub active: bool,
    pub tags: Vec<String>,
}

/// Data set (e).
pub type Nested = HashMap<String, Vec<HashMap<String, i64>>>;

/// SplitMix64: tiny, deterministic, good enough for test data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0; the tiny modulo bias does not matter here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    /// Uniform in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "Dave", "Eve", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory",
    "Niaj", "Olivia", "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Zoë",
];
const LAST: &[&str] = &[
    "Smith",
    "Jones",
    "Müller",
    "García",
    "Rossi",
    "Novak",
    "Kowalski",
    "Dubois",
    "Tanaka",
    "Nguyen",
    "Silva",
    "Ivanova",
    "O'Brien",
    "Andersson",
    "Yılmaz",
    "Kim",
];
const TAGS: &[&str] = &[
    "admin",
    "beta",
    "premium",
    "trial",
    "staff",
    "verified",
    "legacy",
    "mobile",
    "eu",
    "us",
    "newsletter",
    "flagged",
];

/// (a) 100,000 records.
pub fn records(n: usize) -> Vec<Record> {
    let mut rng = Rng::new(1);
    (0..n)
        .map(|i| {
            let first = FIRST[rng.below(FIRST.len() as u64) as usize];
            let last = LAST[rng.below(LAST.len() as u64) as usize];
            let ntags = rng.below(5) as usize;
            Record {
                id: i as u64 * 7 + rng.below(7),
                name: format!("{first} {last}"),
                email: format!("{}.{}{}@example.com", first.to_lowercase(), i, rng.below(100)),
                age: 18 + rng.below(70) as u32,
                score: (rng.unit() * 10_000.0).round() / 100.0 + rng.unit() * 1e-6,
                active: rng.below(3) != 0,
                tags: (0..ntags)
                    .map(|_| TAGS[rng.below(TAGS.len() as u64) as usize].to_string())
                    .collect(),
            }
        })
        .collect()
}

/// (b) i64 of mixed magnitudes: 1-byte, 2-byte, 4-byte and 8-byte values, both signs.
pub fn ints(n: usize) -> Vec<i64> {
    let mut rng = Rng::new(2);
    (0..n)
        .map(|_| {
            let v = match rng.below(4) {
                0 => rng.below(256) as i64,
                1 => rng.below(65_536) as i64,
                2 => rng.below(1 << 31) as i64,
                _ => (rng.next_u64() >> 1) as i64,
            };
            if rng.below(4) == 0 {
                -v
            } else {
                v
            }
        })
        .collect()
}

/// (c) f64: a mix of "human" decimals and full-precision values.
pub fn floats(n: usize) -> Vec<f64> {
    let mut rng = Rng::new(3);
    (0..n)
        .map(|_| match rng.below(3) {
            0 => (rng.unit() * 1e6).round() / 100.0,
            1 => rng.unit() * 2.0 - 1.0,
            _ => (rng.unit() - 0.5) * 1e300,
        })
        .collect()
}

/// (d) one large byte string.
pub fn big_bytes(len: usize) -> ByteBuf {
    let mut rng = Rng::new(4);
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        v.extend_from_slice(&rng.next_u64().to_le_bytes());
    }
    v.truncate(len);
    ByteBuf::from(v)
}

/// (d) many small byte strings, 0 to 255 bytes each.
pub fn small_bytes(n: usize) -> Vec<ByteBuf> {
    let mut rng = Rng::new(5);
    (0..n)
        .map(|_| {
            let len = rng.below(256) as usize;
            ByteBuf::from((0..len).map(|_| rng.next_u64() as u8).collect::<Vec<u8>>())
        })
        .collect()
}

/// (e) `outer` keys, each a list of `inner` dicts of `leaves` ints:
/// `outer * inner * leaves` leaves in all.
pub fn nested(outer: usize, inner: usize, leaves: usize) -> Nested {
    let mut rng = Rng::new(6);
    (0..outer)
        .map(|i| {
            let list = (0..inner)
                .map(|_| {
                    (0..leaves)
                        .map(|k| (format!("field_{k}"), rng.next_u64() as i64 >> rng.below(64)))
                        .collect::<HashMap<String, i64>>()
                })
                .collect();
            (format!("group-{i:05}"), list)
        })
        .collect()
}

/// Where the benches leave their by-products (pickles for `compare.py`,
/// sizes, peak-memory figures): `$BENCH_OUT`, else `$CARGO_TARGET_DIR/bench-data`,
/// else `target/bench-data` in the package.
pub fn out_dir() -> PathBuf {
    let dir = if let Some(d) = std::env::var_os("BENCH_OUT") {
        PathBuf::from(d)
    } else if let Some(t) = std::env::var_os("CARGO_TARGET_DIR") {
        PathBuf::from(t).join("bench-data")
    } else {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target").join("bench-data")
    };
    std::fs::create_dir_all(&dir).expect("create bench output directory");
    dir
}

/// Python needs to see JSON floats/ints exactly as Rust has them; serde_json
/// writes shortest round-trip floats, which `json.load` reads back exactly.
pub const PY_PICKLE_FROM_JSON: &str = "import json, pickle, sys\n\
recs = json.load(open(sys.argv[1], 'rb'))\n\
open(sys.argv[2], 'wb').write(pickle.dumps(recs, protocol=5))\n";

/// Have CPython write the records as a protocol 5 pickle (a list of dicts),
/// through a JSON dump. `None` (with a note on stderr) without a working `python3`.
pub fn cpython_records_pickle(records: &[Record]) -> Option<Vec<u8>> {
    let dir = out_dir();
    let json = dir.join("records.json");
    let pkl = dir.join("records_cpython.pkl");
    std::fs::write(&json, serde_json::to_vec(records).unwrap()).unwrap();
    let status = std::process::Command::new("python3")
        .arg("-c")
        .arg(PY_PICKLE_FROM_JSON)
        .arg(&json)
        .arg(&pkl)
        .status();
    match status {
        Ok(s) if s.success() => Some(std::fs::read(&pkl).unwrap()),
        Ok(s) => {
            eprintln!("note: python3 failed ({s}); skipping the CPython-written data set");
            None
        }
        Err(e) => {
            eprintln!("note: python3 not runnable ({e}); skipping the CPython-written data set");
            None
        }
    }
}
