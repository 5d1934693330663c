//! Tests of the fast path on its own.

use serde::Deserialize;

use crate::testing::nested_lists as nested;

#[derive(Deserialize)]
struct Nest(Vec<Nest>);

fn depth_of(n: &Nest) -> usize {
    let mut d = 1;
    let mut n = n;
    while let Some(inner) = n.0.first() {
        n = inner;
        d += 1;
    }
    d
}

#[test]
fn bytes_read_inline_agree_with_the_vm_on_every_prefix() {
    use serde_bytes::ByteBuf;
    let items = vec![ByteBuf::from(vec![7u8; 3]), ByteBuf::from(vec![9u8; 300])];
    let data = crate::to_vec(&items).unwrap();
    let vm = crate::DeOptions::new().fast_path(false);
    for cut in 0..=data.len() {
        let fast = crate::from_slice::<Vec<ByteBuf>>(&data[..cut]);
        let slow = crate::from_slice_with::<Vec<ByteBuf>>(&data[..cut], &vm);
        let key = |r: &crate::Result<Vec<ByteBuf>>| match r {
            Ok(v) => Ok(v.clone()),
            Err(e) => Err((e.category(), e.offset())),
        };
        assert_eq!(key(&fast), key(&slow), "cut at {cut}");
    }
}

#[test]
fn deep_nesting_within_the_limit_reads_on_a_2_mib_stack() {
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let ok = crate::from_slice::<Nest>(&nested(1000)).map(|n| depth_of(&n));
            let too_deep = crate::from_slice::<Nest>(&nested(100_000)).map(|n| depth_of(&n));
            (ok.map_err(|e| e.category()), too_deep.map_err(|e| e.category()))
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow");
    assert_eq!(result, (Ok(1000), Err(crate::Category::Limit)));
}

/// `pickle.dumps(['a', 'b', 'c'], protocol=N)` by CPython 3.11: three memo
/// entries besides the list's.
const ABC: &[(u8, &str)] = &[
    (4, "80049511000000000000005d94288c0161948c0162948c016394652e"),
    (2, "80025d710028580100000061710158010000006271025801000000637103652e"),
];

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn the_memo_limit_holds_for_typed_reads_as_for_the_vm() {
    let opts = crate::DeOptions::new().max_memo(2);
    for &(proto, hex) in ABC {
        let data = unhex(hex);
        let typed = crate::from_slice_with::<Vec<String>>(&data, &opts).unwrap_err();
        let value = crate::from_slice_with::<crate::Value>(&data, &opts).unwrap_err();
        let vm = crate::from_slice_with::<Vec<String>>(&data, &opts.clone().fast_path(false))
            .unwrap_err();
        for e in [&typed, &value, &vm] {
            assert_eq!(e.category(), crate::Category::Limit, "protocol {proto}: {e}");
        }
        let within = crate::DeOptions::new().max_memo(4);
        assert_eq!(crate::from_slice_with::<Vec<String>>(&data, &within).unwrap(), ["a", "b", "c"]);
    }
}

#[test]
fn a_frame_longer_than_the_input_is_an_error_on_both_paths() {
    // PROTO 5, FRAME 6 with only 2 bytes after it (found by the typed_roundtrip fuzzer).
    let data = b"\x80\x05\x95\x06\x00\x00\x00\x00\x00\x00\x00].";
    let vm = crate::DeOptions::new().fast_path(false);
    assert!(crate::from_slice::<Vec<i64>>(data).is_err());
    assert!(crate::from_slice_with::<Vec<i64>>(data, &vm).is_err());
}

/// Typed reads of `data` as `Vec<T>` under `opts`, fast path on and off,
/// from a slice and from a stream over a reader: all alike.
fn alike<T>(data: &[u8], opts: &crate::DeOptions) -> Vec<crate::Result<Vec<T>>>
where
    T: serde::de::DeserializeOwned,
{
    let mut out = Vec::new();
    for opts in [opts.clone(), opts.clone().fast_path(false)] {
        out.push(crate::from_slice_with::<Vec<T>>(data, &opts));
        let mut stream = crate::Deserializer::from_reader(data).with_options(opts).into_iter();
        out.push(stream.next().expect("one pickle"));
    }
    out
}

#[test]
fn the_allocation_limit_holds_for_typed_reads_as_for_the_vm() {
    // 100,000 ints: the VM's arena is past 64 KiB at its first check.
    let ints = crate::to_vec(&vec![7i64; 100_000]).unwrap();
    let tight = crate::DeOptions::new().max_alloc(64 << 10);
    for r in alike::<i64>(&ints, &tight) {
        assert_eq!(r.unwrap_err().category(), crate::Category::Limit);
    }
    let roomy = crate::DeOptions::new().max_alloc(64 << 20);
    for r in alike::<i64>(&ints, &roomy) {
        assert_eq!(r.unwrap().len(), 100_000);
    }
}

#[test]
fn typed_reads_from_a_reader_meet_the_allocation_limit_where_the_vm_does() {
    // Three 100-byte strings: from a reader, the VM copies them into its
    // arena and checks it at each one.
    let strs = crate::to_vec(&vec!["x".repeat(100); 3]).unwrap();
    let mut limited = 0;
    for limit in (200..=600).step_by(4) {
        let opts = crate::DeOptions::new().max_alloc(limit);
        let key = |r: &crate::Result<Vec<String>>| r.as_ref().map_err(|e| e.category()).cloned();
        let reads = alike::<String>(&strs, &opts);
        let (fast, vm) = (key(&reads[1]), key(&reads[3]));
        assert_eq!(fast, vm, "max_alloc {limit}");
        limited += vm.is_err() as usize;
    }
    assert!(limited > 0, "no limit met");
}

#[derive(Deserialize, Debug, PartialEq)]
struct Flagged {
    k: i64,
    flag: bool,
}

/// Reads of `data` (and of every prefix of it) as `Vec<T>`, fast path on
/// and off, from a slice and a reader: the same value, or errors of the
/// same category. Returns whether the fast path itself took the whole one.
fn alike_on_every_prefix<T>(data: &[u8]) -> bool
where
    T: serde::de::DeserializeOwned + std::fmt::Debug + PartialEq,
{
    alike_on_prefixes::<T>(data, 1)
}

/// [`alike_on_every_prefix`], every `stride`-th prefix (and the whole).
fn alike_on_prefixes<T>(data: &[u8], stride: usize) -> bool
where
    T: serde::de::DeserializeOwned + std::fmt::Debug + PartialEq,
{
    // (An empty input is no pickle for a stream: from 1 byte on.)
    let cuts = (1..data.len()).step_by(stride).chain([data.len()]);
    for cut in cuts {
        let reads = alike::<T>(&data[..cut], &crate::DeOptions::new());
        let key = |r: &crate::Result<Vec<T>>| match r {
            Ok(v) => Ok(format!("{v:?}")),
            Err(e) => Err(e.category()),
        };
        for r in &reads[1..] {
            assert_eq!(key(r), key(&reads[0]), "cut at {cut}");
        }
    }
    super::Fast::new(data, &crate::DeOptions::new()).run::<Vec<T>>().is_ok()
}

/// The pickle `hex` as `Vec<T>`: taken by the fast path itself, and read
/// alike by it and the VM on every prefix.
fn taken_alike<T>(hex: &str) -> Vec<T>
where
    T: serde::de::DeserializeOwned + std::fmt::Debug + PartialEq,
{
    let data = unhex(hex);
    assert!(alike_on_every_prefix::<T>(&data), "the fast path refused it");
    crate::from_slice(&data).unwrap()
}

#[test]
fn memoized_strs_checked_once_read_as_the_vm_reads_them() {
    // s = 'shared'; pickle.dumps([s, s, s], N): one memo entry visited three
    // times (checked for UTF-8 where it is put), protocols 4 and 2.
    for hex in [
        "80049512000000000000005d94288c067368617265649468016801652e",
        "80025d7100285806000000736861726564710168016801652e",
    ] {
        assert_eq!(taken_alike::<String>(hex), ["shared"; 3]);
    }
    // [{'\ud800': 1}, {'\ud800': 2}]: a memoized key that is no UTF-8 (a
    // lone surrogate) is the VM's to read (it refuses it as a String).
    let lone = unhex("80049517000000000000005d94287d948c03eda080944b01737d9468024b0273652e");
    let maps = alike::<std::collections::HashMap<String, i64>>(&lone, &crate::DeOptions::new());
    assert!(maps.iter().all(|r| r.is_err()));
    assert!(crate::from_slice::<crate::Value>(&lone).is_ok());
}

#[test]
fn records_with_bools_and_fetched_keys_agree_with_the_vm_on_every_prefix() {
    // [{'k': 1, 'flag': True}, {'k': 2, 'flag': False}]: optimized at
    // protocol 5 (keys fetched by BINGET), and at protocol 2 (every value
    // memoized, BINPUT after each).
    for hex in [
        "8005951f000000000000005d287d288c016b944b018c04666c61679488757d2868004b0268018975652e",
        "80025d7100287d71012858010000006b71024b015804000000666c6167710388757d71042868024b0268038975652e",
    ] {
        let want = [Flagged { k: 1, flag: true }, Flagged { k: 2, flag: false }];
        assert_eq!(taken_alike::<Flagged>(hex), want);
    }
    // A bool followed by a memo put (no pickler writes one): not inline,
    // the same value.
    let put_bool = b"\x80\x04](}\x94(\x8c\x01k\x94K\x01\x8c\x04flag\x94\x88\x94ue.";
    assert!(alike_on_every_prefix::<Flagged>(put_bool));
}

/// A `HashMap` read (with its size hint), compared in key order.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(from = "std::collections::HashMap<String, V>")]
struct Sorted<V: Ord>(std::collections::BTreeMap<String, V>);

impl<V: Ord> From<std::collections::HashMap<String, V>> for Sorted<V> {
    fn from(m: std::collections::HashMap<String, V>) -> Self {
        Sorted(m.into_iter().collect())
    }
}

#[test]
fn a_size_hint_from_the_first_batch_changes_no_value() {
    use std::collections::BTreeMap;
    // Maps whose first batch is all scalars (hinted), holds a container
    // (not hinted), or is one full batch of 1000 followed by another.
    let small: BTreeMap<String, i64> = (0..10).map(|i| (format!("k{i}"), i)).collect();
    let big: BTreeMap<String, i64> = (0..2500).map(|i| (format!("k{i}"), i)).collect();
    let nested: BTreeMap<String, Vec<i64>> = (0..5).map(|i| (format!("k{i}"), vec![i])).collect();
    assert!(alike_on_every_prefix::<Sorted<i64>>(&crate::to_vec(&vec![small]).unwrap()));
    assert!(alike_on_prefixes::<Sorted<i64>>(&crate::to_vec(&vec![big]).unwrap(), 331));
    assert!(alike_on_every_prefix::<Sorted<Vec<i64>>>(&crate::to_vec(&vec![nested]).unwrap()));
}
