//! `PartialEq for Value` follows Python's `==`, `Value::is_hashable` Python's
//! `hash()` refusals, and equal hashable values hash alike. python3 judges:
//! each value's Python form is its `repr()` (checked by tests/value_repr.rs),
//! evaluated with `nan` and `inf` defined.

use serde_pickle::pickle;

use crate::support::python::eval;
use serde_pickle::value::{BigInt, Shared, Value};

fn bool_str(b: bool) -> String {
    if b { "True" } else { "False" }.to_string()
}

/// For each pair, Rust's `a == b` (and `b == a`) must be Python's `A == B`;
/// pairs equal and hashable must have equal hash keys.
fn check_eq(what: &str, cases: Vec<(Value, Value)>) {
    let got: Vec<String> = cases.iter().map(|(a, b)| bool_str(a == b)).collect();
    for (a, b) in &cases {
        let (ab, ba) = (a == b, b == a);
        assert_eq!(ab, ba, "{what}: == is not symmetric for {a} and {b}");
        if a == b && a.is_hashable() && b.is_hashable() {
            assert_eq!(a.hash_key(), b.hash_key(), "{what}: {a} == {b} but their hashes differ");
        }
    }
    let lines: Vec<String> = cases.iter().map(|(a, b)| format!("({a}) == ({b})")).collect();
    eval::assert_all_match(what, &got, &lines);
}

fn shuffled(mut v: Vec<Value>, seed: u64) -> Vec<Value> {
    let mut s = seed;
    for i in (1..v.len()).rev() {
        s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        v.swap(i, (s >> 33) as usize % (i + 1));
    }
    v
}

#[test]
fn numbers_compare_by_exact_value_across_types() {
    let two53 = 1i64 << 53;
    let big = |e: u32| Value::BigInt(BigInt::from(2).pow(e));
    let mut cases = vec![
        (Value::Int(1), Value::Float(1.0)),
        (Value::Bool(true), Value::Int(1)),
        (Value::Bool(true), Value::Float(1.0)),
        (Value::Bool(false), Value::Float(-0.0)),
        (Value::Bool(false), Value::None),
        (Value::Int(0), Value::Float(-0.0)),
        (Value::Float(0.0), Value::Float(-0.0)),
        (Value::Int(two53 + 1), Value::Float(two53 as f64)),
        (Value::Int(two53), Value::Float(two53 as f64)),
        (Value::Int(i64::MAX), Value::Float(i64::MAX as f64)),
        (Value::Int(i64::MIN), Value::Float(i64::MIN as f64)),
        (big(64), Value::Float(2f64.powi(64))),
        (big(64), Value::from(u64::MAX)),
        (big(1023), Value::Float(2f64.powi(1023))),
        (big(1024), Value::Float(f64::INFINITY)),
        (Value::Float(f64::NAN), Value::Float(f64::NAN)),
        (Value::Float(f64::INFINITY), Value::Float(f64::INFINITY)),
        (Value::Float(0.5), Value::Int(0)),
        (Value::Complex(1.0, 0.0), Value::Int(1)),
        (Value::Complex(1.0, 0.0), Value::Bool(true)),
        (Value::Complex(1.0, -0.0), Value::Float(1.0)),
        (Value::Complex(1.0, 1.0), Value::Int(1)),
        (Value::Complex(2.0, 3.0), Value::Complex(2.0, 3.0)),
        (Value::Complex(0.0, 0.0), big(64)),
        (Value::Int(1), Value::Str("1".into())),
    ];
    // Integers around 2**53 and 2**63 against the floats nearest them.
    for k in [52u32, 53, 54, 62, 63] {
        for d in -3i64..=3 {
            let i = BigInt::from(2).pow(k) + d;
            let as_float: f64 = i.to_string().parse().unwrap_or(0.0);
            cases.push((Value::int(i), Value::Float(as_float)));
        }
    }
    check_eq("numbers", cases);
}

#[test]
fn str_bytes_and_bytearray_compare_like_python() {
    check_eq(
        "text",
        vec![
            (pickle!("a"), pickle!("a")),
            (pickle!("a"), Value::bytes(&b"a"[..])),
            (Value::bytes(&b"a"[..]), Value::bytearray(&b"a"[..])),
            (Value::bytearray(&b"a"[..]), Value::bytearray(&b"b"[..])),
            (pickle!(""), Value::None),
        ],
    );
}

#[test]
fn lists_and_tuples_compare_in_order_and_never_equal_each_other() {
    check_eq(
        "sequences",
        vec![
            (pickle!([1, 2]), pickle!([1.0, (Value::Complex(2.0, 0.0))])),
            (pickle!([1, 2]), pickle!((1, 2))),
            (pickle!([1, 2]), pickle!([2, 1])),
            (pickle!((1, [True])), pickle!((1.0, [1]))),
            (pickle!([]), pickle!(())),
            (pickle!([[]]), pickle!([[]])),
        ],
    );
}

#[test]
fn nan_inside_containers_is_unequal_unlike_python_identity_shortcut() {
    // Python's `[x] == [x]` is True for a NaN `x` (items are compared by
    // identity first); values have no identity, so NaN stays unequal, as
    // Python's `[float('nan')] == [float('nan')]` is.
    let nan = || pickle!([(f64::NAN)]);
    assert!(nan() != nan());
    assert_eq!(eval::python(&["[float('nan')] == [float('nan')]".to_string()]), ["False"]);
    // The same shared node is equal to itself, like the same Python object.
    let s = Value::Shared(Shared::new(nan()));
    assert!(s == s.clone());
}

#[test]
fn sets_and_dicts_compare_regardless_of_order() {
    let many: Vec<Value> = (0..200).map(|i| pickle!((i, "x"))).collect();
    let many_floats: Vec<Value> = (0..200).map(|i| pickle!(((i as f64), "x"))).collect();
    let pairs = |items: Vec<Value>| -> Value {
        Value::Dict(
            items.into_iter().enumerate().map(|(i, k)| (k, Value::Int(i as i64 % 7))).collect(),
        )
    };
    check_eq(
        "sets and dicts",
        vec![
            (pickle!({1, 2}), pickle!({2.0, True})),
            (Value::set([1, 2]), Value::frozenset([2, 1])),
            (Value::set([1, 2]), Value::frozenset([2, 3])),
            (Value::set([1, 2]), Value::set([1])),
            (Value::set(many.clone()), Value::frozenset(shuffled(many_floats.clone(), 7))),
            (Value::set(many.clone()), Value::set(many[1..].to_vec())),
            (pickle!({"a": 1, "b": 2}), pickle!({"b": 2, "a": 1})),
            (pickle!({1: "a"}), pickle!({1.0: "a"})),
            (pickle!({1: "a"}), pickle!({1: "b"})),
            (pickle!({1: "a"}), pickle!({1: "a", 2: "b"})),
            (pickle!({(1, 2): [1]}), pickle!({(1.0, 2.0): [True]})),
            (pairs(many.clone()), pairs(many_floats.clone())),
            (pairs(many.clone()), pairs(shuffled(many_floats, 3))),
            (pickle!({}), Value::set(Vec::<i32>::new())),
        ],
    );
}

#[test]
fn shared_nodes_compare_by_content() {
    let s = Shared::new(pickle!([1, 2]));
    check_eq(
        "shared",
        vec![
            (Value::Shared(s.clone()), pickle!([1, 2])),
            (Value::Shared(s.clone()), Value::Shared(s.clone())),
            (pickle!([(Value::Shared(s.clone())), 3]), pickle!([[1.0, 2.0], 3])),
            (Value::Shared(s), pickle!((1, 2))),
        ],
    );
}

#[test]
fn is_hashable_agrees_with_python_hash() {
    let values = vec![
        Value::None,
        pickle!(1),
        pickle!(1.5),
        Value::Complex(1.0, 2.0),
        pickle!("a"),
        Value::bytes(&b"a"[..]),
        Value::bytearray(&b"a"[..]),
        pickle!([1]),
        pickle!({}),
        Value::set([1]),
        Value::frozenset([1]),
        Value::frozenset([(1, 2)]),
        pickle!((1, "a", (None, 2.5))),
        pickle!((1, [2])),
        pickle!(((1, ({})),)),
        Value::Shared(Shared::new(pickle!((1,)))),
        Value::Shared(Shared::new(pickle!([1]))),
    ];
    let got: Vec<String> = values.iter().map(|v| bool_str(v.is_hashable())).collect();
    let lines: Vec<String> = values.iter().map(|v| format!("hashable({v})")).collect();
    eval::assert_all_match("hashable", &got, &lines);
}
