//! A `Value` the reader builds never overflows the stack when dropped, under
//! any `DeOptions`: the deepest value the reader allows
//! (`DeOptions::MAX_DEPTH` nested containers) of each kind of container,
//! dropped on a 2 MiB thread stack. The pickles are CPython's.

use serde_pickle::{from_slice_with, Category, DeOptions, Value};

/// Python statements nesting `n` containers of one kind into `v`.
const SHAPES: &[(&str, &str)] = &[
    ("lists", "v = None\nfor _ in range(n): v = [v]"),
    ("tuples", "v = None\nfor _ in range(n): v = (v, 1)"),
    ("frozensets", "v = 0\nfor _ in range(n): v = frozenset([v])"),
    ("dicts", "v = None\nfor _ in range(n): v = {'k': v}"),
    ("lists and dicts", "v = None\nfor i in range(n): v = [v] if i % 2 else {'k': v}"),
    (
        "namedtuples",
        "import collections\nP = collections.namedtuple('P', 'x')\n\
         v = None\nfor _ in range(n // 2): v = P(v)",
    ),
    (
        "class instances",
        "class C: pass\nv = None\nfor _ in range(n // 2):\n    c = C(); c.next = v; v = c",
    ),
];

/// `setup` run with `n` set and Python's recursion limit raised for pickling.
fn pickle_of(setup: &str, n: usize) -> Vec<u8> {
    crate::support::python::cpython_dumps(
        &format!("sys.setrecursionlimit(100000)\nn = {n}\n{setup}"),
        5,
    )
}

/// Read `data` with no depth limit of its own on a 2 MiB stack, then drop it there.
fn read_and_drop(data: Vec<u8>) -> Result<(), Category> {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let opts = DeOptions::new().max_depth(usize::MAX);
            let v: Value = from_slice_with(&data, &opts).map_err(|e| e.category())?;
            drop(v);
            Ok(())
        })
        .expect("spawn")
        .join()
        .expect("no stack overflow")
}

#[test]
fn the_deepest_value_the_reader_allows_drops_on_a_2_mib_stack() {
    for (what, setup) in SHAPES {
        let data = pickle_of(setup, DeOptions::MAX_DEPTH);
        assert_eq!(read_and_drop(data), Ok(()), "{what}");
    }
}

#[test]
fn one_level_more_than_the_deepest_is_a_limit_error() {
    let data = pickle_of(SHAPES[0].1, DeOptions::MAX_DEPTH + 1);
    assert_eq!(read_and_drop(data), Err(Category::Limit));
}

#[test]
fn a_max_depth_above_the_ceiling_counts_as_the_ceiling() {
    let opts = DeOptions::new().max_depth(usize::MAX);
    assert_eq!(format!("{opts:?}"), format!("{:?}", DeOptions::new().max_depth(4096)));
}
