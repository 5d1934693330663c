//! Reading CPython-written pickles into Rust types.
//!
//! The pickles are `tests/data/typed/<case>.p<N>.pkl`, written by CPython's
//! own `pickle.dumps` at protocols 0–5 by `tests/py/gen_typed.py` (which lists
//! each case's Python expression in `manifest.json`; rerun it to regenerate).
//! Every case is read at every protocol it exists in, through `from_slice`
//! (streaming fast path, with the VM as fallback), `from_slice` with the fast
//! path off (the VM alone), `from_reader` and the stream iterator over an
//! `io::Read`; all must give the same answer.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Debug;
use std::sync::OnceLock;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_bytes::ByteBuf;
use serde_json::Value as Json;
use serde_pickle::{from_reader, from_slice, Category, DeOptions, Deserializer, Value};

use crate::support::data::{assert_all, data_dir, in_thread, json, list, read, vm_only};
use crate::support::print::fingerprint;

fn manifest() -> &'static Json {
    static M: OnceLock<Json> = OnceLock::new();
    M.get_or_init(|| json("typed/manifest.json"))
}

/// The pickles of a case, as (protocol, bytes). Every protocol 0–5 is either
/// present or listed as not picklable by CPython in the manifest.
fn pickles(case: &str) -> Vec<(u8, Vec<u8>)> {
    let m = manifest();
    assert!(m["cases"].get(case).is_some(), "case {case} is not in tests/data/typed/manifest.json");
    let mut out = Vec::new();
    for proto in 0..=5u8 {
        let rel = format!("typed/{case}.p{proto}.pkl");
        if data_dir().join(&rel).exists() {
            out.push((proto, read(&rel)));
        } else {
            let key = format!("{case}.p{proto}");
            assert!(
                m["not_picklable"].get(&key).is_some(),
                "{rel} is missing (rerun tests/py/gen_typed.py)"
            );
        }
    }
    assert!(!out.is_empty(), "no pickles for {case}");
    out
}

/// The first pickle of `data` through `Deserializer::from_reader(..).into_iter()`
/// (the IoRead path: payloads copied as they arrive, no fast path).
fn stream_one<T: DeserializeOwned>(data: &[u8]) -> serde_pickle::Result<T> {
    Deserializer::from_reader(data)
        .into_iter::<T>()
        .next()
        .unwrap_or_else(|| Err(serde_pickle::Error::message("empty")))
}

/// Read every pickle of `case` as `T` four ways, expecting `want` (its
/// protocol given); every mismatch is reported.
fn expect_all<T: DeserializeOwned + PartialEq + Debug>(
    case: &str,
    want: impl Fn(u8) -> Option<T>,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (proto, data) in pickles(case) {
        let Some(want) = want(proto) else { continue };
        for (how, got) in [
            ("from_slice", from_slice::<T>(&data)),
            ("from_slice, VM only", vm_only::<T>(&data, &DeOptions::new())),
            ("from_reader", from_reader::<_, T>(&data[..])),
            ("stream reader", stream_one::<T>(&data)),
        ] {
            match got {
                Ok(v) if v == want => {}
                Ok(v) => {
                    failures.push(format!("{case}.p{proto} ({how}): {v:?}, expected {want:?}"))
                }
                Err(e) => {
                    failures.push(format!("{case}.p{proto} ({how}): {e:?}, expected {want:?}"))
                }
            }
        }
    }
    failures
}

/// Every pickle of `case` must fail to read as `T`, with a message containing
/// `needle` and the given category.
fn expect_error<T: DeserializeOwned + Debug>(
    case: &str,
    cat: Category,
    needle: &str,
) -> Vec<String> {
    let mut failures = Vec::new();
    for (proto, data) in pickles(case) {
        for (how, got) in [
            ("from_slice", from_slice::<T>(&data)),
            ("from_slice, VM only", vm_only::<T>(&data, &DeOptions::new())),
            ("from_reader", from_reader::<_, T>(&data[..])),
            ("stream reader", stream_one::<T>(&data)),
        ] {
            match got {
                Err(e) if e.category() == cat && e.to_string().contains(needle) => {}
                other => failures.push(format!("{case}.p{proto} ({how}): expected a {cat:?} error with {needle:?}, got {other:?}")),
            }
        }
    }
    failures
}

fn check(what: &str, failures: Vec<String>) {
    assert_all(what, 1, &failures);
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

#[test]
fn integers_of_every_width_read_at_their_edges() {
    let mut f = Vec::new();
    f.extend(expect_all("int_u8_max", |_| Some(u8::MAX)));
    f.extend(expect_all("int_i8_min", |_| Some(i8::MIN)));
    f.extend(expect_all("int_u16_max", |_| Some(u16::MAX)));
    f.extend(expect_all("int_i16_min", |_| Some(i16::MIN)));
    f.extend(expect_all("int_u32_max", |_| Some(u32::MAX)));
    f.extend(expect_all("int_i32_min", |_| Some(i32::MIN)));
    f.extend(expect_all("int_u64_max", |_| Some(u64::MAX)));
    f.extend(expect_all("int_i64_min", |_| Some(i64::MIN)));
    f.extend(expect_all("int_u128_max", |_| Some(u128::MAX)));
    f.extend(expect_all("int_i128_min", |_| Some(i128::MIN)));
    // Wider types read narrow values.
    f.extend(expect_all("int_i8_min", |_| Some(i8::MIN as i64)));
    f.extend(expect_all("int_u64_max", |_| Some(u64::MAX as u128)));
    f.extend(expect_all("int_u64_max", |_| Some(u64::MAX as i128)));
    check("integers", f);
}

#[test]
fn out_of_range_integers_are_errors_naming_the_value() {
    let mut f = Vec::new();
    f.extend(expect_error::<u8>("int_256", Category::Data, "256"));
    f.extend(expect_error::<i8>("int_256", Category::Data, "256"));
    f.extend(expect_error::<u32>("int_minus_1", Category::Data, "-1"));
    f.extend(expect_error::<u64>("int_2_64", Category::Data, "18446744073709551616"));
    f.extend(expect_error::<i64>("int_u64_max", Category::Data, "18446744073709551615"));
    f.extend(expect_error::<u128>(
        "int_2_128",
        Category::Data,
        "340282366920938463463374607431768211456",
    ));
    f.extend(expect_error::<i128>(
        "int_2_128",
        Category::Data,
        "340282366920938463463374607431768211456",
    ));
    f.extend(expect_error::<u64>("int_i64_min", Category::Data, "-9223372036854775808"));
    check("out-of-range integers", f);
}

#[test]
fn floats_read_from_float_and_from_exact_int() {
    let mut f = Vec::new();
    f.extend(expect_all("float_1_5", |_| Some(1.5f64)));
    f.extend(expect_all("float_1_5", |_| Some(1.5f32)));
    f.extend(expect_all("float_neg_zero", |_| Some(F64Bits((-0.0f64).to_bits()))));
    f.extend(expect_all("int_2_53", |_| Some(9007199254740992.0f64)));
    f.extend(expect_all("int_5", |_| Some(5.0f64)));
    f.extend(expect_error::<f64>("int_2_53_plus_1", Category::Data, "9007199254740993"));
    check("floats", f);
}

/// An f64 compared by bits (-0.0 is not 0.0).
#[derive(Debug, PartialEq)]
struct F64Bits(u64);

impl<'de> Deserialize<'de> for F64Bits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        f64::deserialize(d).map(|x| F64Bits(x.to_bits()))
    }
}

// ---------------------------------------------------------------------------
// Text
// ---------------------------------------------------------------------------

const UNICODE: &str = "h\u{e9}llo \u{2603} \u{1f600}";

#[test]
fn strings_read_as_string_and_cow() {
    let mut f = Vec::new();
    f.extend(expect_all("str_unicode", |_| Some(UNICODE.to_string())));
    f.extend(expect_all("str_ascii", |_| Some("plain".to_string())));
    f.extend(expect_all("str_unicode", |_| Some(Cow::<str>::Owned(UNICODE.to_string()))));
    check("strings", f);
}

#[test]
fn borrowed_str_points_into_the_input_from_protocol_1() {
    // Protocol 0 writes raw-unicode-escape text, decoded into a scratch buffer:
    // only `String`/`Cow` can take it. Binary protocols hold UTF-8 that is lent.
    #[derive(Deserialize)]
    struct Wrap<'a>(#[serde(borrow)] &'a str);
    for (proto, data) in pickles("str_unicode") {
        let input = data.as_ptr_range();
        for vm in [true, false] {
            let got: serde_pickle::Result<&str> =
                if vm { vm_only(&data, &DeOptions::new()) } else { from_slice(&data) };
            if proto == 0 {
                assert!(got.is_err(), "p0: {got:?}");
                continue;
            }
            let s = got.unwrap_or_else(|e| panic!("p{proto} (vm={vm}): {e:?}"));
            assert_eq!(s, UNICODE);
            assert!(input.contains(&s.as_ptr()), "p{proto} (vm={vm}): not borrowed from the input");
            let Wrap(w) = if vm {
                vm_only(&data, &DeOptions::new()).unwrap()
            } else {
                from_slice(&data).unwrap()
            };
            assert!(input.contains(&w.as_ptr()), "p{proto} (vm={vm}): newtype field not borrowed");
        }
    }
}

#[test]
fn a_struct_field_of_type_str_borrows_from_the_input() {
    #[derive(Deserialize)]
    struct Person<'a> {
        name: &'a str,
        age: u32,
    }
    for (proto, data) in pickles("person_dict").into_iter().filter(|(p, _)| *p > 0) {
        let p: Person = from_slice(&data).unwrap_or_else(|e| panic!("p{proto}: {e:?}"));
        assert_eq!((p.name, p.age), ("Alice", 23));
        assert!(data.as_ptr_range().contains(&p.name.as_ptr()), "p{proto}");
    }
}

#[test]
fn chars_read_from_one_character_strings_only() {
    let mut f = Vec::new();
    f.extend(expect_all("char_x", |_| Some('x')));
    f.extend(expect_all("char_euro", |_| Some('\u{20ac}')));
    f.extend(expect_error::<char>("str_two_chars", Category::Data, ""));
    check("chars", f);
}

// ---------------------------------------------------------------------------
// Sequences, sets, maps, structs
// ---------------------------------------------------------------------------

#[test]
fn vectors_read_from_list_tuple_set_and_frozenset() {
    let mut f = Vec::new();
    for case in ["list_ints", "tuple_ints", "set_ints", "frozenset_ints"] {
        f.extend(expect_all(case, |_| Some(vec![1, 2, 3])));
        f.extend(expect_all(case, |_| Some([1u8, 2, 3])));
    }
    for case in ["set_ints", "frozenset_ints", "list_ints"] {
        f.extend(expect_all(case, |_| Some(HashSet::from([1, 2, 3]))));
        f.extend(expect_all(case, |_| Some(BTreeSet::from([1, 2, 3]))));
    }
    check("sequences", f);
}

#[test]
fn tuples_read_from_tuple_and_list() {
    let mut f = Vec::new();
    for case in ["tuple_mixed", "list_mixed"] {
        f.extend(expect_all(case, |_| Some((7, "seven".to_string(), 7.5))));
    }
    check("tuples", f);
}

#[test]
fn a_sequence_longer_than_the_tuple_is_an_error() {
    check("long tuples", expect_error::<(i32, i32)>("tuple_ints", Category::Data, ""));
}

#[test]
fn maps_read_from_dict_and_ordered_dict() {
    let mut f = Vec::new();
    let want = [("a".to_string(), 1), ("b".to_string(), 2)];
    for case in ["dict_str_int", "ordereddict_str_int"] {
        f.extend(expect_all(case, |_| Some(HashMap::from(want.clone()))));
        f.extend(expect_all(case, |_| Some(BTreeMap::from(want.clone()))));
    }
    check("maps", f);
}

#[derive(Deserialize, Debug, PartialEq)]
struct Person {
    name: String,
    age: u32,
}

#[test]
fn structs_read_from_dicts() {
    let f = expect_all("person_dict", |_| Some(Person { name: "Alice".into(), age: 23 }));
    check("structs", f);
}

#[test]
fn option_unit_and_newtype_read_like_serde_json() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Meters(f64);
    #[derive(Deserialize, Debug, PartialEq)]
    struct Unit;
    let mut f = Vec::new();
    f.extend(expect_all("none", |_| Some(None::<i32>)));
    f.extend(expect_all("int_5", |_| Some(Some(5))));
    f.extend(expect_all("none", |_| Some(())));
    f.extend(expect_all("none", |_| Some(Unit)));
    f.extend(expect_all("float_3_5", |_| Some(Meters(3.5))));
    check("option/unit/newtype", f);
}

#[derive(Deserialize, Debug, PartialEq)]
enum Shape {
    Red,
    Wrapped(i32),
    Rgb(u8, u8, u8),
    Named { x: i32 },
}

#[test]
fn enums_read_from_a_name_or_a_one_entry_dict() {
    let mut f = Vec::new();
    f.extend(expect_all("variant_unit", |_| Some(Shape::Red)));
    f.extend(expect_all("variant_newtype", |_| Some(Shape::Wrapped(5))));
    f.extend(expect_all("variant_tuple", |_| Some(Shape::Rgb(1, 2, 3))));
    f.extend(expect_all("variant_struct", |_| Some(Shape::Named { x: 1 })));
    check("enums", f);
}

// ---------------------------------------------------------------------------
// Bytes
// ---------------------------------------------------------------------------

const BYTES: &[u8] = b"\x00ab\xff";

#[test]
fn byte_bufs_read_from_bytes_at_every_protocol() {
    // Below protocol 3 bytes are `_codecs.encode('\x00ab\xff', 'latin1')`
    // (and b'' is `bytes()`), which the reader maps back to bytes.
    let mut f = Vec::new();
    f.extend(expect_all("bytes_small", |_| Some(ByteBuf::from(BYTES))));
    f.extend(expect_all("bytes_empty", |_| Some(ByteBuf::new())));
    f.extend(expect_all("bytes_small", |_| Some(BYTES.to_vec())));
    check("bytes", f);
}

#[test]
fn byte_bufs_read_from_bytearray_at_every_protocol() {
    // bytearray(str, 'latin-1') below 3, bytearray(bytes) at 3-4, BYTEARRAY8 at 5.
    let mut f = Vec::new();
    f.extend(expect_all("bytearray_small", |_| Some(ByteBuf::from(BYTES))));
    check("bytearray", f);
}

#[test]
fn borrowed_bytes_point_into_the_input_from_protocol_3() {
    for (proto, data) in pickles("bytes_small").into_iter().filter(|(p, _)| *p >= 3) {
        for vm in [false, true] {
            let got = if vm {
                vm_only::<&serde_bytes::Bytes>(&data, &DeOptions::new())
            } else {
                from_slice::<&serde_bytes::Bytes>(&data)
            };
            let b: &[u8] = got.unwrap_or_else(|e| panic!("p{proto} (vm={vm}): {e:?}")).as_ref();
            assert_eq!(b, BYTES);
            assert!(data.as_ptr_range().contains(&b.as_ptr()), "p{proto} (vm={vm}): not borrowed");
        }
    }
}

// ---------------------------------------------------------------------------
// Class instances and standard-library objects (src/de/pytypes.rs)
// ---------------------------------------------------------------------------

#[derive(Deserialize, Debug, PartialEq, Clone)]
struct Point {
    x: i32,
    y: i32,
}

#[test]
fn a_dataclass_reads_as_a_struct() {
    check("dataclass", expect_all("dataclass_point", |_| Some(Point { x: 1, y: 2 })));
}

#[test]
fn a_slots_class_reads_as_a_struct() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct Slotted {
        a: i32,
        b: Vec<i32>,
    }
    let f = expect_all("slotted", |_| Some(Slotted { a: 1, b: vec![2] }));
    assert_eq!(pickles("slotted").len(), 4, "protocols 2-5 (CPython cannot pickle it below 2)");
    check("__slots__", f);
}

#[test]
fn a_named_tuple_reads_as_a_tuple_struct_a_tuple_or_a_struct_by_position() {
    #[derive(Deserialize, Debug, PartialEq)]
    struct PairT(i32, String);
    #[derive(Deserialize, Debug, PartialEq)]
    struct PairS {
        left: i32,
        right: String,
    }
    let mut f = Vec::new();
    f.extend(expect_all("namedtuple_pair", |_| Some(PairT(1, "b".into()))));
    f.extend(expect_all("namedtuple_pair", |_| Some((1, "b".to_string()))));
    f.extend(expect_all("namedtuple_pair", |_| Some(PairS { left: 1, right: "b".into() })));
    check("NamedTuple", f);
}

#[test]
fn an_enum_member_reads_as_its_value() {
    #[derive(Deserialize, Debug, PartialEq)]
    enum Mode {
        Fast,
        Slow,
    }
    let mut f = Vec::new();
    f.extend(expect_all("enum_int_value", |_| Some(1)));
    f.extend(expect_all("enum_str_value", |_| Some("green".to_string())));
    f.extend(expect_all("enum_variant_value", |_| Some(Mode::Fast)));
    check("Enum members", f);
}

#[test]
fn datetimes_read_as_iso_8601_strings() {
    let mut f = Vec::new();
    f.extend(expect_all("datetime_naive", |_| Some("2024-01-02T03:04:05.000006".to_string())));
    f.extend(expect_all("datetime_utc", |_| Some("2024-01-02T03:04:05+00:00".to_string())));
    f.extend(expect_all("datetime_offset", |_| Some("1999-12-31T23:59:59-05:00".to_string())));
    f.extend(expect_all("date", |_| Some("2024-02-29".to_string())));
    f.extend(expect_all("time", |_| Some("23:59:58.999999".to_string())));
    check("datetime/date/time", f);
}

#[test]
fn a_timedelta_reads_as_days_seconds_microseconds() {
    check("timedelta", expect_all("timedelta", |_| Some((-1i64, 5i64, 7i64))));
}

#[test]
fn decimal_and_fraction_read_as_their_strings() {
    let mut f = Vec::new();
    f.extend(expect_all("decimal", |_| Some("-3.14159".to_string())));
    f.extend(expect_all("fraction", |_| Some("-1/3".to_string())));
    check("Decimal/Fraction", f);
}

#[test]
fn counter_defaultdict_and_ordered_dict_read_as_maps() {
    let mut f = Vec::new();
    f.extend(expect_all("counter", |_| {
        Some(HashMap::from([("a".to_string(), 2), ("b".to_string(), 1)]))
    }));
    f.extend(expect_all("defaultdict", |_| {
        Some(BTreeMap::from([("a".to_string(), vec![1]), ("b".to_string(), vec![2, 3])]))
    }));
    f.extend(expect_all("ordereddict_str_int", |_| {
        Some(
            vec![("a".to_string(), 1), ("b".to_string(), 2)]
                .into_iter()
                .collect::<BTreeMap<_, _>>(),
        )
    }));
    check("Counter/defaultdict/OrderedDict", f);
}

#[test]
fn range_and_complex_read_as_tuples() {
    let mut f = Vec::new();
    f.extend(expect_all("range", |_| Some((1, 10, 3))));
    f.extend(expect_all("complex", |_| Some((1.5, -2.0))));
    check("range/complex", f);
}

#[test]
fn a_bool_reads_as_bool() {
    check("bool", expect_all("true", |_| Some(true)));
}

#[test]
fn maps_with_int_and_tuple_keys_read_into_maps_with_those_keys() {
    let mut f = Vec::new();
    f.extend(expect_all("dict_int_keys", |_| {
        Some(BTreeMap::from([(1, "a".to_string()), (2, "b".to_string())]))
    }));
    f.extend(expect_all("dict_tuple_keys", |_| Some(HashMap::from([((1, 2), "x".to_string())]))));
    check("non-str keys", f);
}

#[test]
fn nested_structs_read_from_dicts_instances_and_tuples() {
    #[derive(Deserialize, Debug, PartialEq, Clone)]
    struct Doc {
        name: String,
        points: Vec<Point>,
        tags: (String, String),
        extra: Option<u8>,
    }
    // points: a dataclass instance and a dict, both read as Point.
    let want = Doc {
        name: "n".into(),
        points: vec![Point { x: 1, y: 2 }, Point { x: 3, y: 4 }],
        tags: ("a".into(), "b".into()),
        extra: None,
    };
    check("nested struct", expect_all("nested_struct", |_| Some(want.clone())));
}

#[test]
fn a_deque_reads_as_a_vec() {
    check("deque", expect_all("deque", |_| Some(vec![1, 2, 3])));
}

// ---------------------------------------------------------------------------
// Sharing and recursion
// ---------------------------------------------------------------------------

#[test]
fn a_list_referenced_twice_reads_twice() {
    check("shared", expect_all("shared_list", |_| Some(vec![vec![1], vec![1]])));
}

#[derive(Deserialize, Debug, PartialEq)]
struct Nest(Vec<Nest>);

#[test]
fn a_list_containing_itself_is_a_recursion_error_not_a_hang() {
    for (proto, data) in pickles("self_list") {
        let r = in_thread("self_list", move || {
            let e = from_slice::<Nest>(&data).unwrap_err();
            (e.category(), e.to_string())
        });
        let (cat, msg) = r.unwrap_or_else(|m| panic!("p{proto}: {m}"));
        assert_eq!(cat, Category::Data, "p{proto}: {msg}");
        assert!(msg.contains("recursive"), "p{proto}: {msg}");
    }
    // As a Value it is a Shared list holding itself.
    for (proto, data) in pickles("self_list") {
        let v: Value = from_slice(&data).unwrap();
        let Value::Shared(s) = &v else { panic!("p{proto}: not shared") };
        let Value::List(items) = s.get() else { panic!("p{proto}: not a list") };
        assert!(matches!(&items[..], [Value::Shared(t)] if t.ptr_eq(s)), "p{proto}");
    }
}

// ---------------------------------------------------------------------------
// Readers and streams
// ---------------------------------------------------------------------------

#[test]
fn from_reader_reads_every_typed_pickle_like_from_slice() {
    let mut failures = Vec::new();
    let mut n = 0;
    for name in list("typed", ".pkl") {
        n += 1;
        let data = read(&format!("typed/{name}"));
        let a = from_slice::<Value>(&data).map(|v| fingerprint(&v)).map_err(|e| e.to_string());
        let b =
            from_reader::<_, Value>(&data[..]).map(|v| fingerprint(&v)).map_err(|e| e.to_string());
        if name != "stream.pkl" && a.is_err() {
            failures.push(format!("{name}: {a:?}"));
        }
        if a != b {
            failures.push(format!("{name}: from_slice {a:?} != from_reader {b:?}"));
        }
    }
    assert_all("typed pickles through from_reader", n, &failures);
}

/// What `stream.pkl` holds: pickle.dump of 1, 'two', [3], {'four': 4}, (5, None)
/// at protocols 2, 3, 0, 5, 1, one after the other.
fn stream_values() -> Vec<String> {
    let t = |v: Value| fingerprint(&v);
    let mut four = serde_pickle::value::Dict::new();
    four.insert("four", 4);
    vec![
        t(Value::Int(1)),
        t(Value::Str("two".into())),
        t(Value::List(vec![Value::Int(3)])),
        t(Value::Dict(four)),
        t(Value::Tuple(vec![Value::Int(5), Value::None])),
    ]
}

#[test]
fn the_stream_iterator_reads_each_of_several_concatenated_pickles() {
    let data = read("typed/stream.pkl");
    let want = stream_values();
    let got: Vec<String> = Deserializer::from_slice(&data)
        .into_iter::<Value>()
        .map(|r| fingerprint(&r.expect("each pickle reads")))
        .collect();
    assert_eq!(got, want, "from_slice stream");
    let got: Vec<String> = Deserializer::from_reader(&data[..])
        .into_iter::<Value>()
        .map(|r| fingerprint(&r.expect("each pickle reads")))
        .collect();
    assert_eq!(got, want, "from_reader stream");
    let mut it = Deserializer::from_slice(&data).into_iter::<Value>();
    for _ in it.by_ref() {}
    assert_eq!(it.byte_offset(), data.len() as u64);
}

#[test]
fn the_stream_iterator_reads_typed_values_one_by_one() {
    let data = read("typed/stream.pkl");
    let mut de = Deserializer::from_slice(&data);
    let first: i32 = Deserialize::deserialize(&mut de).expect("1");
    let second: String = Deserialize::deserialize(&mut de).expect("'two'");
    let third: Vec<u8> = Deserialize::deserialize(&mut de).expect("[3]");
    let fourth: HashMap<String, i32> = Deserialize::deserialize(&mut de).expect("{'four': 4}");
    let fifth: (i32, Option<i32>) = Deserialize::deserialize(&mut de).expect("(5, None)");
    assert_eq!(
        (first, second.as_str(), third, fourth["four"], fifth),
        (1, "two", vec![3], 4, (5, None))
    );
    de.end().expect("at the end");
}

#[test]
fn bytes_after_the_pickle_are_an_error_for_from_slice_and_from_reader() {
    let data = read("typed/stream.pkl");
    let first_len = {
        let mut it = Deserializer::from_slice(&data).into_iter::<Value>();
        it.next().unwrap().unwrap();
        it.byte_offset()
    };
    for (how, r) in [
        ("from_slice Value", from_slice::<Value>(&data).map(|_| ())),
        ("from_reader Value", from_reader::<_, Value>(&data[..]).map(|_| ())),
        ("from_slice i32", from_slice::<i32>(&data).map(|_| ())),
        ("from_reader i32", from_reader::<_, i32>(&data[..]).map(|_| ())),
    ] {
        let e = r.expect_err(how);
        assert_eq!(e.category(), Category::Syntax, "{how}: {e:?}");
        assert_eq!(e.offset(), Some(first_len), "{how}: {e:?}");
        assert!(e.to_string().contains("trailing"), "{how}: {e}");
    }
}
