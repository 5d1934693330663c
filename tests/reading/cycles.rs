//! Pickles whose containers hold themselves (CPython builds them; a Value
//! keeps them as self-referring `Value::Shared` nodes, freed when the last
//! reference from outside the cycle goes) and `DeOptions::reject_cycles`,
//! which refuses them. The pickles are written by CPython.

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

/// Cycles through objects and their popped calls, and cycles sharing a
/// node with a second cycle.
const MORE_CYCLIC: &[&str] = &[
    "import collections\nv = collections.deque(); v.append(v)",
    "class C: pass\nimport __main__\n__main__.C = C\nv = C(); v.me = [v]",
    "a = []; b = [a]; a.append(b); v = [a, b, (b,)]",
    // A popped call holding the object it follows (Object::effects).
    "def setx(o, s): o.__dict__.update(s)\n\
     class C:\n    def __reduce__(self): return (C, (), {'x': 1}, None, None, setx)\n\
     v = [C()]",
];

/// Bytes held after reading `data` into a Value and dropping it `n` times.
fn held_after(data: &[u8], n: usize) -> isize {
    let base = crate::alloc::live();
    for _ in 0..n {
        let v: Value = from_slice(data).unwrap();
        drop(v);
    }
    crate::alloc::live() - base
}

#[test]
fn a_cyclic_value_read_and_dropped_100_000_times_keeps_the_heap_flat() {
    let data = cpython("v = []; v.append(v)", 2);
    // The first reads may size buffers that stay (none should): measured
    // after one warm-up read.
    let _ = held_after(&data, 1);
    assert_eq!(held_after(&data, 100_000), 0);
}

#[test]
fn every_cyclic_shape_is_freed_when_dropped() {
    for setup in CYCLIC.iter().chain(MORE_CYCLIC) {
        for protocol in [0, 2, 5] {
            let data = cpython(setup, protocol);
            let _ = held_after(&data, 1);
            assert_eq!(held_after(&data, 1000), 0, "{setup} (protocol {protocol})");
        }
    }
}

#[test]
fn a_cycle_stays_whole_while_a_part_of_it_is_held() {
    // v = [1, [2, v]]: keep only the inner list; the outer one must stay.
    let data = cpython("v = [1, [2]]; v[1].append(v)", 2);
    let v: Value = from_slice(&data).unwrap();
    let inner = v[1].clone();
    let before = inner.to_string();
    drop(v);
    assert_eq!(inner.to_string(), before);
    assert_eq!(inner[1][0], 1);
    let base = crate::alloc::live();
    drop(inner);
    assert!(crate::alloc::live() < base, "dropping the last part frees the cycle");
}

#[test]
fn a_cycle_held_from_another_thread_is_not_freed() {
    let data = cpython("v = {}; v['self'] = v; v['n'] = 7", 2);
    let v: Value = from_slice(&data).unwrap();
    let copies: Vec<Value> = (0..8).map(|_| v.clone()).collect();
    let handles: Vec<_> = copies
        .into_iter()
        .map(|c| std::thread::spawn(move || (c["self"]["self"]["n"].as_i64(), drop(c)).0))
        .collect();
    for h in handles {
        assert_eq!(h.join().unwrap(), Some(7));
    }
    assert_eq!(v["self"]["n"], 7);
}

#[test]
fn a_cyclic_value_copied_by_to_value_is_freed_too() {
    let data = cpython("v = {}; v['self'] = [v]", 2);
    let v: Value = from_slice(&data).unwrap();
    let base = crate::alloc::live();
    for _ in 0..1000 {
        let copy = serde_pickle::to_value(&v).unwrap();
        assert_eq!(copy, v);
    }
    assert_eq!(crate::alloc::live() - base, 0);
}
