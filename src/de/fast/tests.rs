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
