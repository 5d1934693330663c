//! `Display for Value` prints what Python's `repr()` prints: each test builds
//! a table of (Rust `Value`, Python expression) pairs and asks ONE python3
//! process for the `repr()` of every expression.

use serde_pickle::pickle;

use crate::support::python::eval;
use serde_pickle::value::{BigInt, Global, Object, ObjectKind, Shared, Value};

/// Display every value and compare with `repr()` of the matching Python expression.
fn check(what: &str, cases: Vec<(Value, String)>) {
    let got: Vec<String> = cases.iter().map(|(v, _)| v.to_string()).collect();
    let lines: Vec<String> = cases.iter().map(|(_, e)| format!("repr({e})")).collect();
    eval::assert_all_match(what, &got, &lines);
}

fn table(cases: Vec<(Value, &str)>) -> Vec<(Value, String)> {
    cases.into_iter().map(|(v, e)| (v, e.to_string())).collect()
}

/// splitmix64: a deterministic stream of pseudo-random u64s.
fn randoms(seed: u64, n: usize) -> Vec<u64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = s;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

#[test]
fn none_bools_and_ints_print_like_python() {
    let big = BigInt::from(10).pow(30);
    check(
        "scalars",
        table(vec![
            (Value::None, "None"),
            (Value::Bool(true), "True"),
            (Value::Bool(false), "False"),
            (Value::Int(0), "0"),
            (Value::Int(-1), "-1"),
            (Value::Int(i64::MIN), "-2**63"),
            (Value::Int(i64::MAX), "2**63-1"),
            (Value::from(u64::MAX), "2**64-1"),
            (Value::from(i128::MIN), "-2**127"),
            (Value::BigInt(big.clone()), "10**30"),
            (Value::BigInt(-big), "-10**30"),
        ]),
    );
}

#[test]
fn floats_print_shortest_round_trip_digits_with_python_exponent_rules() {
    let special: Vec<f64> = vec![
        0.0,
        -0.0,
        0.1,
        1.0,
        -1.5,
        100.0,
        1.0 / 3.0,
        0.1 + 0.2,
        1e15,
        1e16,
        9_999_999_999_999_998.0,
        123_456_789_012_345_680.0,
        1e22,
        1e23,
        1e100,
        1e-4,
        0.000_123_4,
        1e-5,
        1.5e-5,
        5e-324,
        f64::MIN_POSITIVE,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        f64::NAN,
        -f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let mut floats = special;
    // Random bit patterns: every exponent range; skip NaN payloads and infinities.
    floats.extend(randoms(1, 3000).into_iter().map(f64::from_bits).filter(|x| x.is_finite()));
    // Short decimals, which exercise the positional/exponent boundaries.
    let r = randoms(2, 3000);
    floats
        .extend(r.chunks(2).map(|p| (p[0] % 100_000) as f64 / 10f64.powi((p[1] % 40) as i32 - 15)));
    let cases = floats.iter().map(|x| (Value::Float(*x), format!("d({})", x.to_bits()))).collect();
    check("floats", cases);
}

#[test]
fn complex_numbers_print_like_python() {
    let parts = [0.0, -0.0, 1.0, -2.5, 1e16, 1.5e-5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    let mut cases = Vec::new();
    for re in parts {
        for im in parts {
            cases.push((
                Value::Complex(re, im),
                format!("complex(d({}), d({}))", re.to_bits(), im.to_bits()),
            ));
        }
    }
    check("complex", cases);
}

#[test]
fn strings_choose_quotes_and_escape_like_python() {
    check(
        "str",
        table(vec![
            (Value::from(""), "''"),
            (Value::from("Alice"), "'Alice'"),
            (Value::from("it's"), "\"it's\""),
            (Value::from("say \"hi\""), "'say \"hi\"'"),
            (Value::from("both ' and \""), "'both \\' and \"'"),
            (Value::from("back\\slash"), "'back\\\\slash'"),
            (Value::from("\n\t\r\x00\x07\x1b\x7f"), "'\\n\\t\\r\\x00\\x07\\x1b\\x7f'"),
            (Value::from("\u{80}\u{a0}\u{ad}\u{ff}é"), "'\\x80\\xa0\\xad\\xffé'"),
            (Value::from("日本 \u{200b}\u{2028}\u{3000}"), "'日本 \\u200b\\u2028\\u3000'"),
            (Value::from("😀\u{e0001}\u{10ffff}\u{e000}"), "'😀\\U000e0001\\U0010ffff\\ue000'"),
            (Value::from("e\u{301}"), "'e\\u0301'"),
        ]),
    );
}

#[test]
fn every_code_point_is_escaped_or_kept_as_python_does() {
    let mut cases = Vec::new();
    for start in (0..0x11_0000u32).step_by(0x1000) {
        let end = if start == 0xd000 { 0xd800 } else { start + 0x1000 };
        let s: String = (start..end).filter_map(char::from_u32).collect();
        cases.push((Value::Str(s), format!("''.join(map(chr, range({start}, {end})))")));
    }
    check("code points", cases);
}

/// `surrogatepass` UTF-8 of a sequence of code points (surrogates allowed).
fn surrogatepass(cps: &[u32]) -> Vec<u8> {
    let mut out = Vec::new();
    for &cp in cps {
        match char::from_u32(cp) {
            Some(c) => out.extend_from_slice(c.to_string().as_bytes()),
            None => out.extend([0xed, 0xa0 | ((cp >> 6) & 0x1f) as u8, 0x80 | (cp & 0x3f) as u8]),
        }
    }
    out
}

#[test]
fn strings_with_lone_surrogates_escape_them() {
    let cases = vec![
        (vec![0x61, 0xd800, 0x62], "'a\\ud800b'"),
        (vec![0xd83d, 0xde00], "'\\ud83d\\ude00'"),
        (vec![0xdfff, 0x27], "'\\udfff\\''"),
        (vec![0x27, 0xdc80], "'\\'\\udc80'"),
        (vec![0x1f600, 0xdbff], "'\\U0001f600\\udbff'"),
    ];
    check(
        "surrogates",
        cases
            .into_iter()
            .map(|(cps, e)| (Value::SurrogateStr(surrogatepass(&cps)), e.to_string()))
            .collect(),
    );
}

#[test]
fn bytes_and_bytearrays_print_like_python() {
    let all: Vec<u8> = (0..=255).collect();
    check(
        "bytes",
        table(vec![
            (Value::bytes(vec![]), "b''"),
            (Value::bytes(&b"\x00"[..]), "b'\\x00'"),
            (Value::bytes(&b"it's"[..]), "b\"it's\""),
            (Value::bytes(&b"'\""[..]), "b'\\'\"'"),
            (Value::bytes(&b"\\\n\t\r\x7f\x80\xff"[..]), "bytes([92, 10, 9, 13, 127, 128, 255])"),
            (Value::bytes(all.clone()), "bytes(range(256))"),
            (Value::bytearray(&b"ab"[..]), "bytearray(b'ab')"),
            (Value::bytearray(vec![]), "bytearray()"),
            (Value::bytearray(all), "bytearray(range(256))"),
        ]),
    );
}

#[test]
fn containers_print_like_python() {
    check(
        "containers",
        table(vec![
            (pickle!({"name": "Alice", "age": 23}), "{'name': 'Alice', 'age': 23}"),
            (pickle!((1,)), "(1,)"),
            (pickle!(()), "()"),
            (pickle!((1, "a", None)), "(1, 'a', None)"),
            (pickle!([1, 2]), "[1, 2]"),
            (pickle!([]), "[]"),
            (pickle!({}), "{}"),
            (pickle!({1, 2}), "{1, 2}"),
            (Value::set(Vec::<i32>::new()), "set()"),
            (Value::frozenset(Vec::<i32>::new()), "frozenset()"),
            (Value::frozenset([1]), "frozenset({1})"),
            (Value::frozenset([(1, 2)]), "frozenset({(1, 2)})"),
            (pickle!({(1, 2): [[]], None: {True: 1.5}}), "{(1, 2): [[]], None: {True: 1.5}}"),
            (pickle!([(((),),)]), "[(((),),)]"),
        ]),
    );
}

#[test]
fn a_container_holding_itself_prints_python_recursion_marker() {
    let list = Shared::empty();
    let _ = list.set(Value::List(vec![Value::Shared(list.clone())]));
    let dict = Shared::empty();
    let _ = dict.set(pickle!({"me": (Value::Shared(dict.clone()))}));
    let inner = Shared::empty();
    let tuple = Value::Tuple(vec![Value::Shared(inner.clone())]);
    let _ = inner.set(Value::List(vec![tuple.clone()]));
    let shared = Value::Shared(Shared::new(pickle!([1])));
    check(
        "cycles",
        table(vec![
            (Value::Shared(list), "selfref_list()"),
            (Value::Shared(dict), "selfref_dict()"),
            (tuple, "(lambda l: (l.append((l,)), (l,))[1])([])"),
            (pickle!([(shared.clone()), (shared)]), "(lambda a: [a, a])([1])"),
        ]),
    );
}

#[test]
fn globals_print_like_python_classes() {
    check(
        "globals",
        table(vec![
            (Value::from(Global::new("collections", "OrderedDict")), "collections.OrderedDict"),
            (Value::from(Global::new("builtins", "int")), "int"),
            (Value::from(Global::new("datetime", "date")), "datetime.date"),
        ]),
    );
}

#[test]
fn an_object_prints_as_the_call_that_builds_it() {
    let date = Value::from(Object::new(
        ObjectKind::Reduce,
        Value::from(Global::new("datetime", "date")),
        vec![2020.into(), 1.into(), 2.into()],
    ));
    check("objects", table(vec![(date, "datetime.date(2020, 1, 2)")]));
}

#[test]
fn deep_nesting_prints_without_recursion() {
    let depth = 100_000;
    let mut v = Value::List(vec![]);
    for _ in 0..depth - 1 {
        v = Value::List(vec![v]);
    }
    let want = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    assert_eq!(v.to_string(), want);
    // Debug recurses, up to a bound, then prints `...`.
    let dbg = format!("{v:?}");
    assert!(dbg.starts_with("List([List([") && dbg.contains("..."));
    let pretty = format!("{v:#?}");
    assert!(pretty.contains("..."));
    // Lists nested directly in lists drop one stack frame per level; a dict
    // drops what it holds without recursion.
    drop([(0, v)].into_iter().collect::<serde_pickle::value::Dict>());
}

#[test]
fn dict_keeps_the_first_equal_key_and_the_last_value_like_python() {
    let pool: Vec<Value> = vec![
        pickle!(1),
        pickle!(1.0),
        pickle!(True),
        pickle!(0),
        pickle!(False),
        pickle!(-0.0),
        pickle!(2),
        Value::Complex(2.0, 0.0),
        pickle!("a"),
        Value::bytes(&b"a"[..]),
        pickle!((1,)),
        pickle!((1.0,)),
        Value::frozenset([1]),
        Value::frozenset([1.0]),
        pickle!(None),
    ];
    let mut cases = Vec::new();
    for (n, seed) in [(3usize, 1u64), (8, 2), (20, 3), (40, 4), (60, 5)] {
        let picks = randoms(seed, n);
        let pairs: Vec<(Value, Value)> = picks
            .iter()
            .enumerate()
            .map(|(i, r)| (pool[*r as usize % pool.len()].clone(), Value::Int(i as i64)))
            .collect();
        let python = format!(
            "dict([{}])",
            pairs.iter().map(|(k, v)| format!("({k}, {v})")).collect::<Vec<_>>().join(", ")
        );
        // Built in one go (hash-indexed) and one insert at a time (scanning).
        let collected: serde_pickle::value::Dict = pairs.clone().into_iter().collect();
        let mut inserted = serde_pickle::value::Dict::new();
        for (k, v) in pairs {
            inserted.insert(k, v);
        }
        cases.push((Value::Dict(collected), python.clone()));
        cases.push((Value::Dict(inserted), python));
    }
    check("dict insertion", cases);
}
