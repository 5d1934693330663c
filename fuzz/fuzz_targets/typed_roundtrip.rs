//! Arbitrary bytes into a zoo of `#[derive(Deserialize)]` types; whatever is
//! read must write back with `to_vec_with` and read again to the same value.
//!
//! Input layout: byte 0 picks the target type (low 3 bits) and the protocol
//! to write with (`(byte >> 3) % 6`); the rest is the pickle.
#![no_main]

use std::collections::BTreeMap;
use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_pickle::{from_slice, to_vec_with, SerOptions};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
enum Shape {
    Unit,
    Newtype(i32),
    Tuple(u8, String),
    Struct { x: f32, y: Option<i64> },
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(tag = "type")]
enum Tagged {
    Circle { r: f64 },
    Label { text: String, size: u16 },
    Empty,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Pair(i8, u64);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Zoo {
    a: u8,
    b: i16,
    c: u32,
    d: i64,
    e: u64,
    f: Option<String>,
    g: Vec<Shape>,
    h: (bool, char),
    i: BTreeMap<String, i32>,
    #[serde(with = "serde_bytes")]
    j: Vec<u8>,
    #[serde(default)]
    k: Option<Box<Zoo>>,
    l: Unit,
    m: Pair,
    n: f64,
}

/// Read as `T`; if that works, write and read again: the value must survive.
fn roundtrip<T: Serialize + DeserializeOwned + Debug>(pickle: &[u8], protocol: u8) {
    let Ok(first) = from_slice::<T>(pickle) else {
        return;
    };
    let opts = SerOptions::new().protocol(protocol);
    let bytes = to_vec_with(&first, &opts)
        .unwrap_or_else(|e| panic!("read {first:?} but cannot write it: {e}"));
    let second: T = from_slice(&bytes)
        .unwrap_or_else(|e| panic!("cannot re-read {first:?} (protocol {protocol}): {e}"));
    // Debug, not PartialEq: NaN != NaN, but it must still round-trip.
    assert_eq!(format!("{first:?}"), format!("{second:?}"), "protocol {protocol}");
    // And writing is deterministic.
    assert_eq!(bytes, to_vec_with(&second, &opts).unwrap(), "protocol {protocol}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, pickle)) = data.split_first() else {
        return;
    };
    let protocol = (first >> 3) % 6;
    match first & 7 {
        0 => roundtrip::<Zoo>(pickle, protocol),
        1 => roundtrip::<Vec<Shape>>(pickle, protocol),
        2 => roundtrip::<Vec<Tagged>>(pickle, protocol),
        3 => roundtrip::<(i64, String, Option<bool>, Vec<u8>)>(pickle, protocol),
        4 => roundtrip::<BTreeMap<String, Vec<f64>>>(pickle, protocol),
        5 => roundtrip::<Option<Shape>>(pickle, protocol),
        6 => roundtrip::<BTreeMap<i64, (Unit, Pair)>>(pickle, protocol),
        _ => roundtrip::<serde_bytes::ByteBuf>(pickle, protocol),
    }
});
