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
