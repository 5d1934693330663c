//! `to_value` agrees with `to_vec`: writing `to_value(&x)` gives exactly the
//! bytes of writing `x`, at every protocol (issue 2's Value requirement).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_pickle::{to_value, to_vec_with, SerOptions};

#[derive(Serialize)]
struct Rec {
    id: u64,
    name: String,
    tags: Vec<String>,
    kind: Kind,
}

#[derive(Serialize)]
enum Kind {
    A,
    B(i32),
    C { x: f64 },
}

fn same_bytes<T: Serialize>(x: &T, what: &str) {
    for p in 0..=5 {
        let opts = SerOptions::new().protocol(p);
        let direct = to_vec_with(x, &opts).unwrap();
        let via = to_vec_with(&to_value(x).unwrap(), &opts).unwrap();
        assert_eq!(direct, via, "{what} at protocol {p}");
    }
}

#[test]
fn records_with_repeated_field_names() {
    let recs: Vec<Rec> = (0..5)
        .map(|i| Rec {
            id: i,
            name: format!("n{i}"),
            tags: vec!["a".into(), "x".into(), String::new()],
            kind: match i % 3 {
                0 => Kind::A,
                1 => Kind::B(i as i32),
                _ => Kind::C { x: 0.5 },
            },
        })
        .collect();
    same_bytes(&recs, "records");
}

#[test]
fn single_struct_with_one_off_names() {
    same_bytes(&Rec { id: 1, name: "a".into(), tags: vec![], kind: Kind::A }, "one record");
}

#[test]
fn scalars_tuples_maps_and_bytes() {
    same_bytes(&(1u8, -2i64, u64::MAX, i128::MIN, 1.5f64, true, None::<u8>, "é"), "scalars");
    let m: BTreeMap<String, Vec<(u8, String)>> =
        [("k".to_string(), vec![(1, "a".to_string()), (2, "a".to_string())])].into();
    same_bytes(&m, "map");
    same_bytes(&serde_bytes::ByteBuf::from(vec![0u8, 1, 255]), "bytes");
    same_bytes(&vec![serde_bytes::ByteBuf::from(vec![7u8]); 3], "repeated one-byte bytes");
}
