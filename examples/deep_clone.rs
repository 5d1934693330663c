//! Deep-copy a value with a pickle round trip — Python's `copy.deepcopy`
//! idiom `pickle.loads(pickle.dumps(x))` — and when (not) to do it.
//!
//! ```text
//! cargo run --example deep_clone
//! ```
//!
//! In Rust, `Clone` is almost always the right tool: it is faster, it needs
//! no `Serialize`/`Deserialize`, and it cannot lose information. A pickle
//! round trip earns its cost in a few cases:
//!
//! * a [`Value`] graph with *shared* parts (the same list in two places, or a
//!   list that contains itself): the copy has the same sharing, among fresh
//!   nodes, whereas `Value::clone` gives a copy that still points at the
//!   original's nodes (a `Shared` is an `Arc`);
//! * checking that a type survives being stored as a pickle (a test helper);
//! * turning one serde type into another with the same shape (`from_value`
//!   and `to_value` do that without bytes in between).

use serde::{de::DeserializeOwned, Deserialize, Serialize};
use serde_pickle::value::Shared;
use serde_pickle::{pickle, Value};

/// The whole trick.
fn deep_clone<T: Serialize + DeserializeOwned>(value: &T) -> serde_pickle::Result<T> {
    serde_pickle::from_slice(&serde_pickle::to_vec(value)?)
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Config {
    name: String,
    retries: u8,
    ratio: f32,
    limits: Vec<(u32, u32)>,
    /// `Some(None)` ("explicitly no timeout") and `None` ("not set") are both
    /// Python's `None`: the round trip cannot tell them apart.
    timeout: Option<Option<u32>>,
}

/// An int, or a list of trees.
#[derive(Deserialize, Debug)]
#[serde(untagged)]
#[allow(dead_code)]
enum Tree {
    Leaf(i64),
    Node(Vec<Tree>),
}

fn main() -> serde_pickle::Result<()> {
    // 1. A typed value: round trip and `Clone` agree...
    let cfg = Config {
        name: "svc".into(),
        retries: 3,
        ratio: 0.1,
        limits: vec![(1, 10), (2, 20)],
        timeout: Some(Some(30)),
    };
    assert_eq!(deep_clone(&cfg)?, cfg.clone());
    println!("typed: round trip == clone: {}", deep_clone(&cfg)? == cfg.clone());

    // ...except where two Rust values map to one Python value. Here
    // Some(None) and None both become None.
    let unset = Config { timeout: Some(None), ..cfg.clone() };
    let copy = deep_clone(&unset)?;
    println!("typed: timeout {:?} comes back as {:?}", unset.timeout, copy.timeout);
    assert_eq!(copy.timeout, None);

    // 2. A Value with sharing: `row` appears twice in `table`, as in Python
    //    after `row = [0, 0]; table = [row, row]`.
    let row = Shared::new(pickle!([0, 0]));
    let table = Value::List(vec![Value::Shared(row.clone()), Value::Shared(row.clone())]);
    println!("value: {table}");

    let copy = deep_clone(&table)?;
    let (a, b) = (copy[0].as_shared().unwrap(), copy[1].as_shared().unwrap());
    // The two rows of the copy are one node, as in the original...
    println!("copy: rows are the same node: {}", a.ptr_eq(b));
    assert!(a.ptr_eq(b));
    // ...and that node is new: changing the copy leaves the original alone.
    println!("copy: shares the original's node: {}", a.ptr_eq(&row));
    assert!(!a.ptr_eq(&row));

    // `Value::clone` is shallow at Shared nodes: the clone's rows are the
    // original node itself. Usually what you want (cheap, and the content of
    // a Shared is immutable once set), but not a deep copy.
    let shallow = table.clone();
    println!("clone: shares the original's node: {}", shallow[0].as_shared().unwrap().ptr_eq(&row));

    // 3. A cycle: a list that contains itself (`x = [1]; x.append(x)`).
    let node = Shared::empty();
    node.set(Value::List(vec![Value::Int(1), Value::Shared(node.clone())])).unwrap();
    let cyclic = Value::Shared(node);
    let copy = deep_clone(&cyclic)?;
    // Display prints recursion as Python does.
    println!("cycle: {cyclic} -> copy {copy}");
    assert_eq!(copy.to_string(), "[1, [...]]");

    // A Rust type without Shared nodes cannot hold a cycle: reading one
    // into it is an error, not a hang or a stack overflow.
    let bytes = serde_pickle::to_vec(&cyclic)?;
    let err = serde_pickle::from_slice::<Tree>(&bytes).unwrap_err();
    println!("cycle into a Rust tree type: error ({:?}): {err}", err.category());

    // `copy` and `cyclic` each hold an Arc cycle, which is never freed (see
    // `Shared`); that is fine for a program this short.
    println!(
        "verdict: use Clone for typed values; a pickle round trip is for a fresh copy of \
         a Value graph with its sharing, or to check what survives being stored"
    );
    Ok(())
}
