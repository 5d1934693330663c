//! Property tests: arbitrary values round-trip through `to_vec_with` and
//! `from_slice` at every protocol, 0 to 5.
//!
//! * `value_roundtrips`: any [`Value`] tree of the domain below reads back
//!   [`Value::same_as`] the value expected after writing it at that protocol:
//!   the value itself, up to the documented normalizations listed in
//!   `fuzz/fuzz_targets/common/mod.rs` (`expect_rewritten_by_hand`, shared
//!   with the `from_slice_value` fuzz target): a `Shared` node around an atom, or
//!   referenced from one place only, reads back as its content (only a
//!   container fetched from the memo is shared); the empty tuple and
//!   persistent ids are never shared; `NewObjEx` is written as
//!   `copyreg.__newobj_ex__(cls, args, kwargs)` below protocol 4; a dotted
//!   global is written as `getattr(<global>, 'last')` below protocol 4;
//!   protocol 0 writes floats as text (a NaN loses its sign and payload) and
//!   persistent ids as a line of text (an int id reads back as its digits).
//!   Writing must succeed for every value of the domain.
//! * `buffers_need_protocol_5`: out-of-band buffers round-trip at protocol 5
//!   (renumbered in the order they are written: `NEXT_BUFFER` takes the next
//!   one) and are an error below.
//! * `typed_roundtrips`: `#[derive(Serialize, Deserialize)]` structs and enums
//!   with nested `Vec`/`HashMap`/`BTreeMap`/`Option`/tuples/strings/bytes/
//!   floats/`i128`/`u128`/`char` read back equal (fast path and VM alike).
//!
//! The domain of `Value`s: `None`, `Bool`, `Int`, `BigInt` beyond `i64`,
//! `Float` (NaN with payloads, -0.0, infinities, subnormals), `Complex`,
//! `Str` (non-ASCII, astral), `SurrogateStr` (lone surrogates, never a
//! high one right before a low one), `Bytes`, `ByteArray`, `List`, `Tuple`,
//! `Dict` with hashable keys (built the way Python builds a dict), `Set` and
//! `FrozenSet` of distinct hashable items, `Global`s with ASCII names that
//! Python's 2/3 renames leave alone (some dotted), `Object`s of every kind
//! with a global class, arguments, keyword arguments (`NewObjEx` only),
//! states, list and dict items, persistent ids (a str of printable ASCII, or
//! an int), and `Shared` nodes: atoms, subtrees referenced from several
//! places, and cycles (a list holding itself, an object whose state holds it).
//!
//! Each property runs 128 cases (`PROPTEST_CASES` to change that).

#[path = "../../fuzz/fuzz_targets/common/mod.rs"]
mod common;

use std::collections::{BTreeMap, HashMap};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde::{Deserialize, Serialize};
use serde_pickle::value::{BigInt, Dict, Global, Object, ObjectKind, Shared};
use serde_pickle::{from_slice, to_vec_with, Category, SerOptions, Value};

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(128);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------- atoms

fn float() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<f64>(),
        1 => prop_oneof![
            Just(f64::NAN),
            Just(-f64::NAN),
            Just(f64::from_bits(0x7ff0_0000_0000_0001)), // a signalling NaN
            Just(f64::from_bits(0xfff8_0000_dead_beef)), // a negative NaN with a payload
            Just(0.0),
            Just(-0.0),
            Just(f64::INFINITY),
            Just(f64::NEG_INFINITY),
            Just(f64::MIN_POSITIVE / 3.0), // subnormal
            Just(1e16),
            Just(0.1),
        ],
    ]
}

/// An int outside `i64`, of either sign (`Value::BigInt`'s invariant).
fn bigint() -> impl Strategy<Value = BigInt> {
    vec(any::<u8>(), 8..40).prop_map(|bytes| {
        let mut n = BigInt::from_signed_bytes_le(&bytes);
        if i64::try_from(&n).is_ok() {
            let neg = n < BigInt::from(0);
            let shift: BigInt = BigInt::from(1) << 64;
            n += if neg { -shift } else { shift };
        }
        n
    })
}

fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => proptest::char::range(' ', '~'),
        1 => prop_oneof![Just('\n'), Just('\\'), Just('\r'), Just('\0'), Just('\'')],
        2 => proptest::char::range('\u{a0}', '\u{2fff}'),
        1 => proptest::char::range('\u{10000}', '\u{10ffff}'), // astral
        1 => any::<char>(),
    ]
}

fn text() -> impl Strategy<Value = String> {
    vec(character(), 0..24).prop_map(|cs| cs.into_iter().collect())
}

/// UTF-8 with lone surrogates as CPython's `surrogatepass` writes them
/// (`ED A0 80` for U+D800), each followed by an ASCII character so that a
/// high surrogate never precedes a low one.
fn surrogate_str() -> impl Strategy<Value = Value> {
    (text(), vec((0xd800u32..0xe000, proptest::char::range('a', 'z')), 1..4)).prop_map(
        |(base, surrogates)| {
            let mut out = base.into_bytes();
            for (cp, sep) in surrogates {
                out.extend([0xe0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3f) as u8]);
                out.extend([0x80 | (cp & 0x3f) as u8, sep as u8]);
            }
            Value::SurrogateStr(out)
        },
    )
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    vec(any::<u8>(), 0..32)
}

/// Modules and names that CPython's Python 2/3 renames leave alone.
fn global() -> impl Strategy<Value = Global> {
    let module = prop_oneof![Just("mymod"), Just("pkg.sub"), Just("a_b"), Just("M2")];
    let name = prop_oneof![Just("C"), Just("func"), Just("Outer.Inner"), Just("x.y.z"), Just("T9")];
    (module, name).prop_map(|(m, n)| Global::new(m, n))
}

fn persistent_id() -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        vec(proptest::char::range(' ', '~'), 0..12)
            .prop_map(|cs| Value::Str(cs.into_iter().collect())),
        any::<i64>().prop_map(Value::Int),
    ];
    id.prop_map(|id| Value::PersistentId(Box::new(id)))
}

/// Hashable atoms (dict keys, set items).
fn hashable_atom() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::None),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::Int),
        (-3i64..3).prop_map(Value::Int),
        bigint().prop_map(Value::BigInt),
        float().prop_map(Value::Float),
        (float(), float()).prop_map(|(re, im)| Value::Complex(re, im)),
        text().prop_map(Value::Str),
        bytes().prop_map(Value::Bytes),
        global().prop_map(Value::from),
    ]
}

fn atom() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => hashable_atom(),
        1 => surrogate_str(),
        1 => bytes().prop_map(Value::ByteArray),
        1 => persistent_id(),
    ]
}

// ----------------------------------------------------------- containers

/// Distinct under Python equality, as a set's items are.
fn distinct(items: Vec<Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for v in items {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn hashable() -> impl Strategy<Value = Value> {
    hashable_atom().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..4).prop_map(Value::Tuple),
            vec(inner, 0..4).prop_map(|items| Value::FrozenSet(distinct(items))),
        ]
    })
}

fn object(inner: impl Strategy<Value = Value> + Clone) -> impl Strategy<Value = Value> {
    let kind = prop_oneof![
        Just(ObjectKind::Reduce),
        Just(ObjectKind::NewObj),
        Just(ObjectKind::NewObjEx),
        Just(ObjectKind::Inst),
        Just(ObjectKind::Reconstructor),
        Just(ObjectKind::Plain),
    ];
    let kwargs = proptest::option::of(vec((text(), inner.clone()), 0..3));
    (
        kind,
        global(),
        vec(inner.clone(), 0..3),
        kwargs,
        vec(inner.clone(), 0..2),
        vec(inner.clone(), 0..3),
        vec((hashable(), inner), 0..3),
    )
        .prop_map(|(kind, class, args, kwargs, state, list_items, dict_items)| {
            // `_reconstructor(cls, object, None)` takes no arguments.
            let args = if kind == ObjectKind::Reconstructor { Vec::new() } else { args };
            let mut o = Object::new(kind, Value::from(class), args);
            if kind == ObjectKind::NewObjEx {
                o.kwargs = kwargs.map(|kw| kw.into_iter().collect());
            }
            o.state = state;
            o.list_items = list_items;
            o.dict_items = dict_items;
            Value::Object(Box::new(o))
        })
}

/// A tree of the domain, without sharing (see [`Sharer`]).
fn tree() -> impl Strategy<Value = Value> {
    atom().prop_recursive(4, 48, 5, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::List),
            vec(inner.clone(), 0..5).prop_map(Value::Tuple),
            vec((hashable(), inner.clone()), 0..5)
                .prop_map(|pairs| Value::Dict(pairs.into_iter().collect::<Dict>())),
            vec(hashable(), 0..5).prop_map(|items| Value::Set(distinct(items))),
            vec(hashable(), 0..5).prop_map(|items| Value::FrozenSet(distinct(items))),
            object(inner),
        ]
    })
}

/// Adds sharing to a tree, driven by a seed: containers (and some atoms)
/// become `Shared` nodes, later parts of the tree refer to earlier complete
/// subtrees again, and some lists and objects hold themselves. Dict keys and
/// set items are left alone (they must stay hashable).
struct Sharer {
    rng: u64,
    pool: Vec<Value>,
}

impl Sharer {
    fn roll(&mut self, one_in: u64) -> bool {
        // xorshift64
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        self.rng % one_in == 0
    }

    fn pick(&mut self) -> Option<Value> {
        if self.pool.is_empty() || !self.roll(3) {
            return None;
        }
        let i = (self.rng >> 8) as usize % self.pool.len();
        Some(self.pool[i].clone())
    }

    fn share(&mut self, v: Value) -> Value {
        let node = Value::Shared(Shared::new(v));
        self.pool.push(node.clone());
        node
    }

    fn all(&mut self, items: &[Value]) -> Vec<Value> {
        let mut out: Vec<Value> = items.iter().map(|v| self.rebuild(v)).collect();
        if let Some(r) = self.pick() {
            let at = (self.rng >> 16) as usize % (out.len() + 1);
            out.insert(at, r);
        }
        out
    }

    fn rebuild(&mut self, v: &Value) -> Value {
        let v = match v {
            Value::List(items) => {
                let mut items = self.all(items);
                if self.roll(8) {
                    // A list that holds itself.
                    let node = Shared::empty();
                    items.push(Value::Shared(node.clone()));
                    let _ = node.set(Value::List(items));
                    self.pool.push(Value::Shared(node.clone()));
                    return Value::Shared(node);
                }
                Value::List(items)
            }
            Value::Tuple(items) => Value::Tuple(self.all(items)),
            Value::Dict(d) => {
                let mut pairs = Vec::new();
                for (k, v) in d.iter() {
                    let v = match self.pick() {
                        Some(r) => r,
                        None => self.rebuild(v),
                    };
                    pairs.push((k.clone(), v));
                }
                Value::Dict(pairs.into_iter().collect())
            }
            Value::Object(o) => {
                // `_reconstructor(cls, object, None)` takes no arguments.
                let args = match o.kind {
                    ObjectKind::Reconstructor => Vec::new(),
                    _ => self.all(&o.args),
                };
                let mut out = Object::new(o.kind, o.callable.clone(), args);
                out.kwargs = o.kwargs.clone();
                out.state = self.all(&o.state);
                out.list_items = self.all(&o.list_items);
                out.dict_items = o.dict_items.clone();
                if self.roll(8) {
                    // An object whose state holds the object itself.
                    let node = Shared::empty();
                    out.state.push(Value::Shared(node.clone()));
                    let _ = node.set(Value::Object(Box::new(out)));
                    self.pool.push(Value::Shared(node.clone()));
                    return Value::Shared(node);
                }
                Value::Object(Box::new(out))
            }
            Value::Int(_) | Value::Str(_) | Value::Bytes(_) | Value::None => {
                return if self.roll(10) { self.share(v.clone()) } else { v.clone() };
            }
            other => other.clone(),
        };
        if self.roll(3) {
            self.share(v)
        } else {
            v
        }
    }
}

fn value() -> impl Strategy<Value = Value> {
    (tree(), any::<u64>()).prop_map(|(v, seed)| {
        Sharer { rng: seed | 1, pool: Vec::new() }.rebuild(&Value::List(vec![v]))
    })
}

/// `back` (read from `bytes`) is the expected value. A str, bytes or complex
/// the pickle fetches from its memo again reads as one shared object (as
/// CPython keeps it), and the writer memoizes some atoms (attribute names of
/// the getattr() chains of dotted globals, equal names) in ways the
/// hand-written expectation does not model: there, the same value but for
/// the sharing of such atoms, and the very same bytes when written again.
fn matches_expected(back: &Value, expected: &Value, protocol: u8, bytes: &[u8]) -> bool {
    back.same_as(expected)
        || (common::expect_rewritten_without_shared_atoms(back, protocol)
            .same_as(&common::expect_rewritten_without_shared_atoms(expected, protocol))
            && to_vec_with(back, &SerOptions::new().protocol(protocol)).ok().as_deref()
                == Some(bytes))
}

/// Write at every protocol; each must read back as expected.
fn check_value(v: &Value) -> Result<(), TestCaseError> {
    for protocol in 0..=5 {
        let bytes = to_vec_with(v, &SerOptions::new().protocol(protocol))
            .map_err(|e| TestCaseError::fail(format!("protocol {protocol}: write: {e}\n{v:?}")))?;
        let back: Value = from_slice(&bytes).map_err(|e| {
            TestCaseError::fail(format!("protocol {protocol}: read: {e}\n{v:?}\n{bytes:?}"))
        })?;
        let expected = common::expect_rewritten_by_hand(v, protocol);
        prop_assert!(
            matches_expected(&back, &expected, protocol, &bytes),
            "protocol {}:\nvalue    {:?}\nexpected {:?}\nread     {:?}\nbytes {:?}",
            protocol,
            v,
            expected,
            back,
            bytes
        );
        // What was read is a fixed point: it reads back the same, and writes
        // the same bytes again. (Not necessarily the bytes of the first
        // write: a value built by hand may share atoms, which the writer
        // memoizes and the reader does not share.)
        let opts = SerOptions::new().protocol(protocol);
        let bytes2 = to_vec_with(&back, &opts).unwrap();
        let back2: Value = from_slice(&bytes2).unwrap();
        prop_assert!(back2.same_as(&back), "protocol {}: not a fixed point: {:?}", protocol, v);
        prop_assert!(
            to_vec_with(&back2, &opts).unwrap() == bytes2,
            "protocol {}: writing is not deterministic for {:?}",
            protocol,
            v
        );
    }
    Ok(())
}

// ---------------------------------------------------------------- typed

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
enum Shape {
    Unit,
    Newtype(i64),
    Pair(String, bool),
    Struct { a: Option<u8>, b: Vec<f32> },
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Leaf {
    name: String,
    #[serde(with = "serde_bytes")]
    blob: Vec<u8>,
    ratio: f64,
    letter: char,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Core {
    wide: i128,
    uwide: u128,
    ints: (i8, i16, i32, i64, u8, u16, u32, u64),
    floats: (f32, f64),
    maybe: Option<String>,
    leaves: Vec<Leaf>,
    shapes: Vec<Shape>,
    grid: Vec<Vec<i32>>,
    sorted: BTreeMap<String, (f64, Option<Leaf>)>,
    by_int: BTreeMap<i64, Vec<char>>,
    unit: (),
}

/// `Core` compares by `Debug` (floats by value and sign, NaN as NaN); the
/// `HashMap` by `==` (its `Debug` order is arbitrary).
#[derive(Serialize, Deserialize, Debug, Clone)]
struct Typed {
    core: Core,
    index: HashMap<String, Vec<u32>>,
    tagged: HashMap<(i32, String), Shape>,
}

fn f32_any() -> impl Strategy<Value = f32> {
    prop_oneof![4 => any::<f32>(), 1 => prop_oneof![Just(f32::NAN), Just(-0.0f32), Just(f32::INFINITY)]]
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Unit),
        any::<i64>().prop_map(Shape::Newtype),
        (text(), any::<bool>()).prop_map(|(s, b)| Shape::Pair(s, b)),
        (proptest::option::of(any::<u8>()), vec(f32_any(), 0..4))
            .prop_map(|(a, b)| Shape::Struct { a, b }),
    ]
}

fn leaf() -> impl Strategy<Value = Leaf> {
    (text(), bytes(), float(), any::<char>()).prop_map(|(name, blob, ratio, letter)| Leaf {
        name,
        blob,
        ratio,
        letter,
    })
}

fn typed() -> impl Strategy<Value = Typed> {
    let core = (
        (any::<i128>(), any::<u128>(), any::<(i8, i16, i32, i64, u8, u16, u32, u64)>()),
        (f32_any(), float()),
        proptest::option::of(text()),
        vec(leaf(), 0..3),
        vec(shape(), 0..4),
        vec(vec(any::<i32>(), 0..4), 0..3),
        proptest::collection::btree_map(text(), (float(), proptest::option::of(leaf())), 0..3),
        proptest::collection::btree_map(any::<i64>(), vec(any::<char>(), 0..3), 0..3),
    )
        .prop_map(
            |((wide, uwide, ints), floats, maybe, leaves, shapes, grid, sorted, by_int)| Core {
                wide,
                uwide,
                ints,
                floats,
                maybe,
                leaves,
                shapes,
                grid,
                sorted,
                by_int,
                unit: (),
            },
        );
    (
        core,
        proptest::collection::hash_map(text(), vec(any::<u32>(), 0..3), 0..4),
        proptest::collection::hash_map((any::<i32>(), text()), shape(), 0..3),
    )
        .prop_map(|(core, index, tagged)| Typed { core, index, tagged })
}

fn same_typed(a: &Typed, b: &Typed) -> bool {
    format!("{:?}", a.core) == format!("{:?}", b.core)
        && a.index == b.index
        && a.tagged.len() == b.tagged.len()
        && a.tagged
            .iter()
            .all(|(k, v)| b.tagged.get(k).is_some_and(|w| format!("{v:?}") == format!("{w:?}")))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn value_roundtrips(v in value()) {
        check_value(&v)?;
    }

    #[test]
    fn buffers_need_protocol_5(buffers in vec((0usize..4, any::<bool>()), 1..4), other in tree()) {
        // NEXT_BUFFER takes the next buffer: the indices read back are the
        // positions in the order the buffers are written.
        let mut items: Vec<Value> =
            buffers.into_iter().map(|(index, readonly)| Value::Buffer { index, readonly }).collect();
        items.push(other);
        let v = Value::List(items);
        let bytes = to_vec_with(&v, &SerOptions::new().protocol(5)).unwrap();
        let back: Value = from_slice(&bytes).unwrap();
        prop_assert!(matches_expected(&back, &common::expect_rewritten_by_hand(&v, 5), 5, &bytes), "{:?} read {:?}", v, back);
        for protocol in 0..5 {
            let err = to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap_err();
            prop_assert_eq!(err.category(), Category::Data);
        }
    }

    #[test]
    fn typed_roundtrips(t in typed()) {
        for protocol in 0..=5 {
            let bytes = to_vec_with(&t, &SerOptions::new().protocol(protocol)).unwrap();
            let back: Typed = from_slice(&bytes)
                .map_err(|e| TestCaseError::fail(format!("protocol {protocol}: {e}\n{t:?}")))?;
            prop_assert!(same_typed(&t, &back), "protocol {}:\n{:?}\n{:?}", protocol, t, back);
            // The serde Deserializer trait of `&mut Deserializer` runs the VM alone.
            let mut de = serde_pickle::Deserializer::from_slice(&bytes);
            let vm = Typed::deserialize(&mut de).unwrap();
            prop_assert!(same_typed(&t, &vm), "protocol {} (VM):\n{:?}\n{:?}", protocol, t, vm);
        }
    }
}

#[test]
fn generated_globals_are_not_renamed() {
    use serde_pickle::codec::py2_renames::py3_to_py2;
    for m in ["mymod", "pkg.sub", "a_b", "M2"] {
        for n in ["C", "func", "Outer", "Outer.Inner", "x", "x.y", "x.y.z", "T9"] {
            assert_eq!(py3_to_py2(m, n), None, "{m}.{n}");
        }
    }
}
