//! Pickles whose containers hold themselves (CPython builds them; a Value
//! keeps them as self-referring `Value::Shared` nodes, an `Arc` cycle that is
//! never freed) and `DeOptions::reject_cycles`, which refuses them. The
//! pickles are written by CPython.

use crate::support::data::vm_only;
use serde_pickle::{from_slice, from_slice_with, Category, DeOptions, ErrorCode, Value};

use crate::support::python::cpython_dumps as cpython;

const CYCLIC: &[&str] = &[
    "v = []; v.append(v)",
    "v = {}; v['self'] = v",
    "v = [1, [2]]; v[1].append(v)",
    "t = ([],); t[0].append(t); v = t",
    "import collections\nv = collections.OrderedDict(); v['me'] = v",
];

const SHARED_ACYCLIC: &[&str] = &["l = [1]; v = [l, l, (l,)]", "d = {}; v = {'a': d, 'b': [d]}"];

fn reject() -> DeOptions {
    DeOptions::new().reject_cycles(true)
}

#[test]
fn cyclic_pickles_read_into_a_value_by_default() {
    for setup in CYCLIC {
        for protocol in [0, 2, 5] {
            let data = cpython(setup, protocol);
            let v: Value = from_slice(&data).unwrap_or_else(|e| panic!("{setup}: {e}"));
            assert!(v.to_string().contains("..."), "{setup} (protocol {protocol}): {v}");
        }
    }
}

#[test]
fn reject_cycles_refuses_every_cyclic_pickle() {
    for setup in CYCLIC {
        for protocol in [0, 2, 5] {
            let data = cpython(setup, protocol);
            for e in [
                from_slice_with::<Value>(&data, &reject()).unwrap_err(),
                vm_only::<Value>(&data, &reject()).unwrap_err(),
            ] {
                assert_eq!(e.category(), Category::Data, "{setup}: {e}");
                assert!(matches!(e.code(), ErrorCode::Recursive), "{setup}: {e}");
            }
        }
    }
}

#[test]
fn reject_cycles_keeps_sharing_without_cycles() {
    for setup in SHARED_ACYCLIC {
        for protocol in [0, 2, 5] {
            let data = cpython(setup, protocol);
            let with = from_slice_with::<Value>(&data, &reject()).unwrap();
            let without: Value = from_slice(&data).unwrap();
            assert!(with.same_as(&without), "{setup}");
        }
    }
}
