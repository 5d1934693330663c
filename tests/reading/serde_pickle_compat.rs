//! Data written by serde-pickle 1.2 (the `peer` dev-dependency) reads into
//! the same Rust types here, in both of its enum forms: the default
//! (`'Dog'`, `{'Frog': ...}`, `{'Tuple': [..]}`) and `compat_enum_repr`
//! (`('Dog',)`, `('Frog', ...)`, `('Tuple', [..])`). What serde-pickle
//! wrote is checked against CPython's reading of the same bytes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
enum Animal {
    Dog,
    Frog(String),
    Pair(i32, String),
    Cat { lives: u8, name: String },
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Zoo {
    name: String,
    animals: Vec<Animal>,
    by_name: BTreeMap<String, Animal>,
    best: Option<Animal>,
    pair: (Animal, u64),
}

fn zoo() -> Zoo {
    let animals = vec![
        Animal::Dog,
        Animal::Frog("kermit".into()),
        Animal::Pair(-7, "x".into()),
        Animal::Cat { lives: 9, name: "tom".into() },
    ];
    Zoo {
        name: "z".into(),
        by_name: animals.iter().cloned().enumerate().map(|(i, a)| (format!("a{i}"), a)).collect(),
        best: Some(Animal::Dog),
        pair: (Animal::Frog("f".into()), u64::MAX),
        animals,
    }
}

/// `repr(pickle.loads(data))` by CPython.
fn cpython_repr(data: &[u8]) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .args(["-c", "import pickle, sys; print(repr(pickle.loads(sys.stdin.buffer.read())))"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 is required");
    child.stdin.take().unwrap().write_all(data).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn peer_options() -> [(&'static str, peer::SerOptions); 4] {
    [
        ("default", peer::SerOptions::new()),
        ("proto_v2", peer::SerOptions::new().proto_v2()),
        ("compat_enum_repr", peer::SerOptions::new().compat_enum_repr()),
        ("proto_v2 compat_enum_repr", peer::SerOptions::new().proto_v2().compat_enum_repr()),
    ]
}

#[test]
fn serde_pickle_enum_forms_are_what_cpython_reads() {
    let cases = [
        (Animal::Dog, "'Dog'", "('Dog',)"),
        (Animal::Frog("k".into()), "{'Frog': 'k'}", "('Frog', 'k')"),
        (Animal::Pair(1, "x".into()), "{'Pair': [1, 'x']}", "('Pair', [1, 'x'])"),
        (
            Animal::Cat { lives: 9, name: "t".into() },
            "{'Cat': {'lives': 9, 'name': 't'}}",
            "('Cat', {'lives': 9, 'name': 't'})",
        ),
    ];
    for (animal, default, compat) in cases {
        let plain = peer::to_vec(&animal, peer::SerOptions::new()).unwrap();
        assert_eq!(cpython_repr(&plain), default);
        let tuple = peer::to_vec(&animal, peer::SerOptions::new().compat_enum_repr()).unwrap();
        assert_eq!(cpython_repr(&tuple), compat);
    }
}

#[test]
fn data_serde_pickle_wrote_reads_into_the_same_types() {
    let zoo = zoo();
    for (name, opts) in peer_options() {
        let data = peer::to_vec(&zoo, opts).unwrap();
        let back: Zoo = serde_pickle::from_slice(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, zoo, "{name}");
        let back: Zoo =
            crate::support::data::vm_only(&data, &serde_pickle::DeOptions::new()).unwrap();
        assert_eq!(back, zoo, "{name}, VM");
        let back: Zoo = serde_pickle::from_reader(&data[..]).unwrap();
        assert_eq!(back, zoo, "{name}, from_reader");
        // Through a Value too: from_value accepts the same forms.
        let value: serde_pickle::Value = serde_pickle::from_slice(&data).unwrap();
        let back: Zoo = serde_pickle::from_value(value).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, zoo, "{name}, from_value");
    }
}

#[test]
fn data_this_crate_writes_reads_back_in_serde_pickle() {
    // The other direction: serde-pickle reads our enum form (its default).
    // (Not a u64 above i64::MAX: serde-pickle 1.2 fails on the LONG1 that
    // CPython and this crate write for it, "integer too large".)
    let zoo = Zoo { pair: (Animal::Dog, 1 << 40), ..zoo() };
    for protocol in [2, 3] {
        let data =
            serde_pickle::to_vec_with(&zoo, &serde_pickle::SerOptions::new().protocol(protocol))
                .unwrap();
        let back: Zoo = peer::from_slice(&data, peer::DeOptions::new()).unwrap();
        assert_eq!(back, zoo, "protocol {protocol}");
    }
}

#[test]
fn a_tuple_that_is_not_a_variant_is_still_an_error() {
    // (1,) and ('Dog', 1, 2): not serde-pickle's forms.
    for data in [
        peer::to_vec(&(1,), peer::SerOptions::new()).unwrap(),
        peer::to_vec(&("Dog", 1, 2), peer::SerOptions::new()).unwrap(),
    ] {
        let e = serde_pickle::from_slice::<Animal>(&data).unwrap_err();
        assert!(e.is_data(), "{e}");
    }
}
