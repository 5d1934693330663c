//! `to_writer` at protocol 4+ streams frame by frame (a dry run, then the
//! writing run): its bytes are `to_vec`'s, whatever the value, at every
//! protocol. `to_vec`'s bytes are the ones CPython's are judged against
//! (canonical_*), so these tests only compare the two writers.

use std::collections::BTreeMap;
use std::io;

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_pickle::value::{Dict, Global, Object, ObjectKind, Shared, Value};
use serde_pickle::{to_vec_with, to_writer_with, SerOptions};

fn assert_same_bytes<T: Serialize + ?Sized>(what: &str, value: &T) {
    for proto in 0..=5 {
        let opts = SerOptions::new().protocol(proto);
        let want = to_vec_with(value, &opts).unwrap();
        let mut got = Vec::new();
        to_writer_with(&mut got, value, &opts).unwrap();
        assert!(got == want, "{what}: to_writer differs from to_vec at protocol {proto}");
    }
}

#[derive(Serialize)]
struct Record {
    id: u64,
    name: String,
    tags: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
    grade: &'static str,
}

#[derive(Serialize)]
enum Event {
    Start { at: u64 },
    Data(Vec<u8>),
    Stop,
    Move { dx: i32, dy: i32 },
}

fn records(n: u64) -> Vec<Record> {
    (0..n)
        .map(|i| Record {
            id: i * 7919 % 100_003,
            name: format!("user {i}"),
            tags: (0..i % 4).map(|t| format!("tag{t}")).collect(),
            note: (i % 3 == 0).then(|| "x".repeat((i % 5) as usize)),
            grade: ["a", "b", "é", ""][(i % 4) as usize],
        })
        .collect()
}

#[test]
fn records_with_names_across_many_frames() {
    assert_same_bytes("few records", &records(3));
    assert_same_bytes("records", &records(20_000));
}

#[test]
fn names_that_come_back_out_of_order() {
    // 'at' comes again after 'dx' and 'dy' were memoized: the buffered
    // writer renumbers, the streaming one must memoize it in place.
    let events = vec![
        Event::Start { at: 1 },
        Event::Move { dx: 1, dy: 2 },
        Event::Move { dx: 3, dy: 4 },
        Event::Stop,
        Event::Start { at: 2 },
        Event::Data(vec![1, 2, 3]),
        Event::Stop,
    ];
    assert_same_bytes("events", &events);
}

#[test]
fn a_name_met_again_a_megabyte_later() {
    #[derive(Serialize)]
    struct Outer {
        head: &'static str,
        ints: Vec<u64>,
        tail: Vec<Event>,
    }
    let outer = vec![
        Outer { head: "a", ints: (0..300_000).collect(), tail: vec![Event::Stop] },
        Outer { head: "b", ints: vec![], tail: vec![Event::Start { at: 9 }, Event::Stop] },
    ];
    assert_same_bytes("outer", &outer);
}

#[test]
fn large_payloads_outside_frames() {
    let big = vec![7u8; 200_000];
    let chunks: Vec<serde_bytes::ByteBuf> =
        (0..5).map(|i| serde_bytes::ByteBuf::from(vec![i as u8; 70_000 + i * 1000])).collect();
    assert_same_bytes("top-level bytes", serde_bytes::Bytes::new(&big));
    assert_same_bytes("byte strings", &chunks);
    assert_same_bytes("a long str", &"é".repeat(50_000));
    assert_same_bytes("a frame's worth", &vec![5u8; 65_525]);
    let mixed = (String::from("x"), serde_bytes::ByteBuf::from(big.clone()), vec!["x"; 3]);
    assert_same_bytes("mixed", &mixed);
}

/// A sequence or map whose length hint is wrong.
struct Lying {
    hint: Option<usize>,
    items: Vec<Vec<u64>>,
    as_map: bool,
}

impl Serialize for Lying {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.as_map {
            let mut m = s.serialize_map(self.hint)?;
            for (i, item) in self.items.iter().enumerate() {
                m.serialize_entry(&i, item)?;
            }
            return m.end();
        }
        let mut seq = s.serialize_seq(self.hint)?;
        for item in &self.items {
            seq.serialize_element(item)?;
        }
        seq.end()
    }
}

#[test]
fn wrong_length_hints() {
    let big: Vec<u64> = (0..100_000).collect();
    for as_map in [false, true] {
        for (hint, n) in [(None, 1), (None, 2), (Some(1), 3), (Some(5), 1), (Some(3), 0)] {
            let items = vec![big.clone(); n];
            let v = Lying { hint, items, as_map };
            assert_same_bytes(&format!("hint {hint:?}, {n} items, map {as_map}"), &v);
        }
    }
}

#[test]
fn values_with_sharing_globals_and_objects() {
    let leaf = Shared::new(Value::List(vec![Value::Int(1), Value::Str("a".into())]));
    let once = Shared::new(Value::Str("only once".into()));
    let point = |x: i64| {
        let mut o =
            Object::new(ObjectKind::NewObj, Value::from(Global::new("geo", "Point")), vec![]);
        let mut state = Dict::new();
        state.insert(Value::Str("x".into()), Value::Int(x));
        o.state = vec![Value::Dict(state)];
        Value::Object(Box::new(o))
    };
    let mut items = vec![
        Value::Shared(leaf.clone()),
        Value::Shared(once),
        point(1),
        Value::Complex(1.0, 2.0),
        Value::Set(vec![Value::Int(1), Value::Int(2)]),
        Value::FrozenSet(vec![Value::Str("f".into())]),
        Value::ByteArray(vec![1, 2, 3]),
        Value::Bytes(vec![0; 100_000]),
    ];
    items.extend((0..20_000).map(Value::Int));
    items.push(Value::Shared(leaf));
    items.push(point(2));
    items.push(Value::Str("a".into()));
    // Long payloads: a bytearray, and a shared bytes written then fetched.
    let big = Shared::new(Value::Bytes(vec![3; 70_000]));
    items.push(Value::ByteArray(vec![2; 80_000]));
    items.push(Value::Shared(big.clone()));
    items.push(Value::Str("é".repeat(40_000)));
    items.push(Value::Shared(big));
    assert_same_bytes("values", &Value::List(items));
}

#[test]
fn maps_and_small_values() {
    let mut m = BTreeMap::new();
    for i in 0..5000 {
        m.insert(format!("k{i}"), vec![i; (i % 3) as usize]);
    }
    assert_same_bytes("map", &m);
    assert_same_bytes("unit", &());
    assert_same_bytes("int", &5);
    assert_same_bytes("empty list", &Vec::<u8>::new());
    assert_same_bytes("singleton strs", &vec!["a", "b", "a", "", ""]);
}

/// A writer that fails once `limit` bytes were written.
struct Failing {
    written: usize,
    limit: usize,
}

impl io::Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.written + buf.len() > self.limit {
            return Err(io::Error::other("disk full"));
        }
        self.written += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_write_error_is_returned() {
    let ints: Vec<u64> = (0..1_000_000).collect();
    let bytes = serde_bytes::ByteBuf::from(vec![1u8; 1 << 20]);
    for proto in [2, 5] {
        let opts = SerOptions::new().protocol(proto);
        for limit in [0, 100, 300_000] {
            let w = Failing { written: 0, limit };
            let err = to_writer_with(w, &ints, &opts).unwrap_err();
            assert!(err.to_string().contains("disk full"), "{err}");
            let w = Failing { written: 0, limit };
            assert!(to_writer_with(w, &bytes, &opts).is_err());
        }
    }
}
