//! Arbitrary bytes into a zoo of `#[derive(Deserialize)]` types.
//!
//! * The streaming fast path and the opcode VM must agree: the default
//!   `from_slice_with` and one with `DeOptions::fast_path(false)` give the
//!   same value or the same error.
//! * Whatever was read writes back with `to_vec_with` (protocol chosen by the
//!   input) and reads again to the same value; writing that again gives the
//!   same bytes (for types with a deterministic order: not `HashMap`).
//!
//! Input layout: byte 0 picks the target type (`byte % 16`) and the protocol
//! to write with (`(byte / 16) % 6`); the rest is the pickle.
#![no_main]

mod common;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_pickle::{from_slice, from_slice_with, to_vec_with, DeOptions, SerOptions};

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
#[serde(untagged)]
enum Untagged {
    Int(i64),
    Text(String),
    List(Vec<Untagged>),
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Pair(i8, u64);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Meters(f64);

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

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Wide {
    big: i128,
    ubig: u128,
    c: char,
    m: Meters,
    nested: Option<Option<Vec<(u16, i32)>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    maybe: Option<String>,
    #[serde(flatten)]
    rest: BTreeMap<String, i64>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Borrowed<'a> {
    #[serde(borrow)]
    s: Cow<'a, str>,
    #[serde(borrow, with = "serde_bytes")]
    b: Cow<'a, [u8]>,
}

/// The fast path (default options) and the VM alone must agree.
fn agree<'de, T: Deserialize<'de> + Debug>(pickle: &'de [u8]) -> Option<T> {
    let fast = from_slice_with::<T>(pickle, &DeOptions::new());
    let vm = from_slice_with::<T>(pickle, &DeOptions::new().fast_path(false));
    match (fast, vm) {
        (Ok(a), Ok(b)) => {
            assert_eq!(format!("{a:?}"), format!("{b:?}"), "fast path and VM disagree");
            Some(a)
        }
        (Err(a), Err(b)) => {
            common::check_error(&a);
            assert_eq!(a.to_string(), b.to_string(), "fast path and VM fail differently");
            None
        }
        (a, b) => panic!("fast path and VM disagree: fast={a:?} vm={b:?}"),
    }
}

/// Read as `T`; if that works, write and read again: the value must survive.
fn roundtrip<T: Serialize + DeserializeOwned + Debug + PartialEq>(
    pickle: &[u8],
    protocol: u8,
    deterministic: bool,
) {
    let Some(first) = agree::<T>(pickle) else {
        return;
    };
    let opts = SerOptions::new().protocol(protocol);
    let bytes = to_vec_with(&first, &opts)
        .unwrap_or_else(|e| panic!("read {first:?} but cannot write it: {e}"));
    let second: T = agree(&bytes)
        .unwrap_or_else(|| panic!("cannot re-read {first:?} (protocol {protocol}): {bytes:?}"));
    // Debug as well as PartialEq: NaN != NaN, but it must still round-trip.
    assert!(
        first == second || format!("{first:?}") == format!("{second:?}"),
        "protocol {protocol}: {first:?} != {second:?}"
    );
    if deterministic {
        assert_eq!(bytes, to_vec_with(&second, &opts).unwrap(), "protocol {protocol}");
    }
}

/// Borrowing types cannot be `DeserializeOwned`: agreement and a round trip by hand.
fn borrowed(pickle: &[u8], protocol: u8) {
    let Some(first) = agree::<Borrowed<'_>>(pickle) else {
        return;
    };
    let bytes = to_vec_with(&first, &SerOptions::new().protocol(protocol)).unwrap();
    let second: Borrowed<'_> = from_slice(&bytes).expect("re-read");
    assert_eq!(first, second);
}

fuzz_target!(|data: &[u8]| {
    let Some((&first, pickle)) = data.split_first() else {
        return;
    };
    let protocol = (first / 16) % 6;
    match first % 16 {
        0 => roundtrip::<Zoo>(pickle, protocol, true),
        1 => roundtrip::<Vec<Shape>>(pickle, protocol, true),
        2 => roundtrip::<Vec<Tagged>>(pickle, protocol, true),
        3 => roundtrip::<(i64, String, Option<bool>, Vec<u8>)>(pickle, protocol, true),
        4 => roundtrip::<BTreeMap<String, Vec<f64>>>(pickle, protocol, true),
        5 => roundtrip::<Option<Shape>>(pickle, protocol, true),
        6 => roundtrip::<BTreeMap<i64, (Unit, Pair)>>(pickle, protocol, true),
        7 => roundtrip::<serde_bytes::ByteBuf>(pickle, protocol, true),
        8 => roundtrip::<Wide>(pickle, protocol, true),
        9 => roundtrip::<HashMap<String, Vec<Option<i64>>>>(pickle, protocol, false),
        10 => roundtrip::<Vec<Untagged>>(pickle, protocol, true),
        11 => roundtrip::<serde_json::Value>(pickle, protocol, true),
        12 => roundtrip::<(char, i128, u128, f32)>(pickle, protocol, true),
        13 => roundtrip::<Vec<(String, Meters)>>(pickle, protocol, true),
        14 => borrowed(pickle, protocol),
        _ => roundtrip::<HashMap<(i32, String), BTreeMap<u8, bool>>>(pickle, protocol, false),
    }
});
