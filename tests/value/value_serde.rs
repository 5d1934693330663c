//! `to_value` and `from_value` work on values directly, and agree with the
//! pickle: for every shape, `from_value(to_value(x)) == x`, and `to_value(x)`
//! is what `from_slice(to_vec(x))` reads (Python's `==`, and the same bytes
//! when written again).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_pickle::py::{ByteArray, FrozenSet, Set};
use serde_pickle::value::{Global, Object, ObjectKind, Shared};
use serde_pickle::{from_slice, from_value, pickle, to_value, to_vec, Category, DeOptions, Value};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Unit;

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Meters(f64);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Pair(i32, String);

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Shape {
    Dot,
    Circle(f64),
    Rect(u8, u8),
    Named { name: String },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct All {
    flag: bool,
    small: i8,
    huge: u128,
    tiny: i128,
    ratio: f32,
    letter: char,
    text: String,
    #[serde(with = "serde_bytes")]
    raw: Vec<u8>,
    plain_u8s: Vec<u8>,
    nothing: Option<u8>,
    something: Option<u8>,
    unit: (),
    unit_struct: Unit,
    newtype: Meters,
    pair: Pair,
    array: [u8; 3],
    shapes: Vec<Shape>,
    map: BTreeMap<(i32, i32), String>,
    set: Set<Vec<i32>>,
    frozen: FrozenSet<Vec<i32>>,
    buffer: ByteArray,
    any: Value,
}

fn all() -> All {
    All {
        flag: true,
        small: -3,
        huge: u128::MAX,
        tiny: i128::MIN,
        ratio: 0.1,
        letter: 'é',
        text: "hi".into(),
        raw: vec![0, 255],
        plain_u8s: vec![0, 255],
        nothing: None,
        something: Some(7),
        unit: (),
        unit_struct: Unit,
        newtype: Meters(1.5),
        pair: Pair(1, "a".into()),
        array: [1, 2, 3],
        shapes: vec![
            Shape::Dot,
            Shape::Circle(2.0),
            Shape::Rect(3, 4),
            Shape::Named { name: "n".into() },
            Shape::Dot,
        ],
        map: BTreeMap::from([((0, 1), "pt".into())]),
        set: Set(vec![1, 2]),
        frozen: FrozenSet(vec![3]),
        buffer: ByteArray(b"x".to_vec()),
        any: python_shapes(),
    }
}

/// A value with every Python shape serde has no word for.
fn python_shapes() -> Value {
    let shared = Shared::new(pickle!([1, 2]));
    let cyclic = Shared::empty();
    cyclic.set(Value::List(vec![Value::Int(0), Value::Shared(cyclic.clone())])).unwrap();
    let date = Object::new(
        ObjectKind::Reduce,
        Global::new("datetime", "date").into(),
        vec![Value::bytes(b"\x07\xe8\x05\x11".to_vec())],
    );
    pickle!({
        "tuple": (1, (2,)),
        "set": {1, 2},
        "frozen": (Value::frozenset([3])),
        "bytes": b"\x00",
        "bytearray": (Value::bytearray(vec![1u8])),
        "big": (Value::from(u128::MAX)),
        "huge": (Value::int(num_bigint_pow())),
        "complex": (Value::Complex(1.0, -2.0)),
        "shared": [(Value::Shared(shared.clone())), (Value::Shared(shared))],
        "cycle": (Value::Shared(cyclic)),
        "global": (Value::from(Global::new("builtins", "len"))),
        "date": (Value::from(date)),
        (1, "tuple key"): None,
    })
}

/// 10**60, beyond any Rust integer.
fn num_bigint_pow() -> serde_pickle::value::BigInt {
    serde_pickle::value::BigInt::from(10).pow(60)
}

/// `from_value(to_value(x)) == x`, and `to_value(x)` agrees with the pickle.
fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(x: &T) {
    let v = to_value(x).expect("to_value");
    let back: T = from_value(v.clone()).expect("from_value");
    assert_eq!(&back, x);
    let bytes = to_vec(x).expect("to_vec");
    let read: Value = from_slice(&bytes).expect("from_slice");
    assert!(v == read, "to_value: {v}\npickle: {read}");
    assert_eq!(to_vec(&v).expect("to_vec of the value"), bytes);
}

#[test]
fn every_serde_shape_round_trips_and_agrees_with_the_pickle() {
    round_trip(&all());
    round_trip(&vec![all(), all()]);
    round_trip(&HashMap::from([("k".to_string(), vec![Some(1u64), None])]));
    round_trip(&(u64::MAX, i64::MIN, -0.0f64, f64::INFINITY, String::new()));
    round_trip(&Shape::Rect(1, 2));
    round_trip(&Value::None);
}

#[test]
fn a_values_python_shapes_survive_to_value_and_from_value() {
    let v = python_shapes();
    let copy = to_value(&v).expect("to_value");
    assert!(copy.same_as(&v), "{copy:?}");
    let back: Value = from_value(copy).expect("from_value");
    assert!(back.same_as(&v));
    // Shared nodes stay one node.
    let shared = &back["shared"];
    assert!(shared[0].as_shared().unwrap().ptr_eq(shared[1].as_shared().unwrap()));
    // And the pickle reads to an equal value.
    let read: Value = from_slice(&to_vec(&v).unwrap()).unwrap();
    assert_eq!(to_value(&v).unwrap().to_string(), read.to_string());
}

#[test]
fn from_value_reads_objects_as_reading_their_pickle_does() {
    // pickle.dumps(datetime.date(2024, 5, 17), protocol=5), read as a Value,
    // then as text: the same as reading the pickle into a String.
    let date =
        b"\x80\x05\x95 \x00\x00\x00\x00\x00\x00\x00\x8c\x08datetime\x94\x8c\x04date\x94\x93\x94\
        C\x04\x07\xe8\x05\x11\x94\x85\x94R\x94.";
    let v: Value = from_slice(date).unwrap();
    let direct: String = from_slice(date).unwrap();
    assert_eq!(from_value::<String>(v).unwrap(), direct);
    assert_eq!(direct, "2024-05-17");
}

#[test]
fn from_value_has_no_reading_limits() {
    // One str referenced 100 000 times: beyond the reader's expansion budget
    // for a pickle this small, but a Value already holds it.
    let s = Shared::new(Value::from("x".repeat(1000)));
    let v = Value::List(vec![Value::Shared(s); 100_000]);
    let strs: Vec<String> = from_value(v.clone()).expect("no expansion limit");
    assert_eq!(strs.len(), 100_000);
    let bytes = to_vec(&v).unwrap();
    let err = serde_pickle::from_slice_with::<Vec<String>>(&bytes, &DeOptions::new()).unwrap_err();
    assert_eq!(err.category(), Category::Limit);
}

#[test]
fn a_value_inside_itself_is_a_recursion_error_for_a_typed_target() {
    let l = Shared::empty();
    l.set(Value::List(vec![Value::Shared(l.clone())])).unwrap();
    let err = from_value::<serde_json::Value>(Value::Shared(l)).unwrap_err();
    assert_eq!(err.category(), Category::Data);
    assert!(err.to_string().contains("recursive"), "{err}");
}

#[test]
fn unhashable_keys_are_the_writers_error() {
    let bad = HashMap::from([(vec![1], 1)]);
    let ours = to_value(&bad).unwrap_err();
    let writer = to_vec(&bad).unwrap_err();
    assert_eq!(ours.to_string(), writer.to_string());
    assert_eq!(ours.category(), Category::Data);
}

#[test]
fn to_value_takes_values_and_references() {
    let text = String::from("a");
    let borrowed = to_value(&text).unwrap();
    let owned = to_value(text).unwrap();
    assert_eq!(owned, borrowed);
}
