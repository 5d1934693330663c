//! A [`Serializer`] after a failed value: the next value is a whole pickle
//! of its own, as if the failure had not happened.

use std::collections::BTreeMap;

use serde::Serialize;

use super::Serializer;
use crate::value::{Shared, Value};

/// `pickletools.optimize(pickle.dumps(1, 5))` and `... dumps([1, 2], 5)`.
const ONE: &[u8] = b"\x80\x05K\x01.";
const ONE_TWO: &[u8] = b"\x80\x05\x95\x08\x00\x00\x00\x00\x00\x00\x00](K\x01K\x02e.";

/// Serialize `bad` (which must fail), then `1` and `[1, 2]`, with one serializer.
fn after_failure(bad: &impl Serialize) -> Vec<u8> {
    let mut ser = Serializer::new(Vec::new());
    assert!(bad.serialize(&mut ser).is_err(), "the first value must fail");
    1u8.serialize(&mut ser).expect("1 after a failure");
    vec![1u8, 2].serialize(&mut ser).expect("[1, 2] after a failure");
    ser.into_inner()
}

fn expected() -> Vec<u8> {
    [ONE, ONE_TWO].concat()
}

#[test]
fn a_value_after_an_unhashable_key_deep_inside_is_written_whole() {
    let mut inner = BTreeMap::new();
    inner.insert(vec![1u8], 2u8);
    let bad = vec![vec![inner]];
    assert_eq!(after_failure(&bad), expected());
}

#[test]
fn a_value_after_one_nested_too_deep_is_written_whole() {
    let mut v = Value::Int(0);
    for _ in 0..2000 {
        v = Value::List(vec![v]);
    }
    assert_eq!(after_failure(&v), expected());
}

#[test]
fn a_value_after_a_failed_enum_variant_is_written_whole() {
    #[derive(Serialize)]
    enum E {
        Wrap(Vec<BTreeMap<Vec<u8>, u8>>),
    }
    let bad = E::Wrap(vec![BTreeMap::from([(vec![1], 2)])]);
    assert_eq!(after_failure(&bad), expected());
}

#[test]
fn a_value_after_a_recursive_shared_tuple_is_written_whole() {
    // A tuple holding itself: no pickle expresses it.
    let s = Shared::empty();
    let _ = s.set(Value::Tuple(vec![Value::Shared(s.clone())]));
    assert_eq!(after_failure(&Value::List(vec![Value::Shared(s)])), expected());
}
