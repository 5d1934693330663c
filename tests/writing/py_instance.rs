//! Issue 3, "Writing Python objects from Rust": `py::Instance` writes a Rust
//! struct as an instance of a named Python class. CPython (the judge,
//! `tests/py/judge.py`) loads it at every protocol to an instance of
//! that class with the struct's fields, re-pickling it gives our bytes
//! (`pickletools.optimize(pickle.dumps(pickle.loads(ours), P)) == ours`), and
//! the struct reads back from our pickle and from CPython's.

use serde::{Deserialize, Serialize};
use serde_json::json;
use serde_pickle::py::{Instance, PyClass};
use serde_pickle::{from_slice, to_vec_with, SerOptions};

use crate::support::print::{esc, hex, unhex};
use crate::support::python::judge;
use crate::support::python::world::{case, cpython_pickles, report, ALL};

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Point {
    x: i32,
    y: i32,
}

impl PyClass for Point {
    const MODULE: &'static str = "objects";
    const NAME: &'static str = "Point";
}

/// `objects.Record` (a dataclass with these fields, in this order).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Record {
    name: String,
    score: f64,
    tags: Vec<String>,
    #[serde(serialize_with = "serde_pickle::py::instance")]
    origin: Point,
    note: Option<String>,
}

/// `objects.Line` (a dataclass of two points and a list of tags).
#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Line {
    #[serde(serialize_with = "serde_pickle::py::instance")]
    start: Point,
    #[serde(serialize_with = "serde_pickle::py::instance")]
    end: Point,
    tags: Vec<String>,
}

impl PyClass for Line {
    const MODULE: &'static str = "objects";
    const NAME: &'static str = "Line";
}

#[derive(Serialize)]
struct NoFields {}

#[derive(Serialize)]
struct Inner {
    v: i64,
}

#[derive(Serialize)]
struct Points {
    #[serde(serialize_with = "serde_pickle::py::instances")]
    points: Vec<Point>,
}

fn pickle<T: ?Sized + Serialize>(value: &T, proto: u8) -> Vec<u8> {
    to_vec_with(value, &SerOptions::new().protocol(proto))
        .unwrap_or_else(|e| panic!("writing at protocol {proto}: {e}"))
}

/// One row: what Rust writes, and a Python check over the loaded `v`.
struct Row {
    what: &'static str,
    /// The pickle at a protocol.
    write: Box<dyn Fn(u8) -> Vec<u8>>,
    check: &'static str,
}

fn row<T: Serialize + 'static>(what: &'static str, value: T, check: &'static str) -> Row {
    Row { what, write: Box::new(move |p| pickle(&value, p)), check }
}

fn rows() -> Vec<Row> {
    let p = Point { x: 1, y: -2 };
    let record = Record {
        name: "caf\u{e9}".into(),
        score: -0.0,
        tags: vec!["a".into(), "b".into()],
        origin: Point { x: 0, y: 0 },
        note: None,
    };
    let line = Line { start: p.clone(), end: Point { x: 3, y: 4 }, tags: vec![] };
    vec![
        row(
            "a dataclass",
            Owned(p.clone()),
            "type(v) is objects.Point and v == objects.Point(1, -2) and type(v.x) is int",
        ),
        row(
            "a dataclass with every kind of field",
            InstanceOf("objects", "Record", record),
            "type(v) is objects.Record and v == objects.Record('caf\\xe9', -0.0, ['a', 'b'], \
             objects.Point(0, 0), None) and str(v.score) == '-0.0' and type(v.origin) is objects.Point",
        ),
        row(
            "dataclasses inside a dataclass",
            Owned(line),
            "v == objects.Line(objects.Point(1, -2), objects.Point(3, 4), []) \
             and type(v.start) is type(v.end) is objects.Point",
        ),
        row(
            "a dataclass without fields",
            InstanceOf("objects", "Empty", NoFields {}),
            "type(v) is objects.Empty and vars(v) == {}",
        ),
        row(
            "a plain class",
            InstanceOf("objects", "Plain", Point { x: 5, y: 6 }),
            "type(v) is objects.Plain and vars(v) == {'x': 5, 'y': 6}",
        ),
        row(
            "a nested class",
            InstanceOf("objects", "Outer.Inner", Inner { v: 7 }),
            "type(v) is objects.Outer.Inner and v.v == 7",
        ),
        row(
            "instances in a list",
            Points { points: vec![p.clone(), Point { x: 2, y: 2 }, p] },
            "v == {'points': [objects.Point(1, -2), objects.Point(2, 2), objects.Point(1, -2)]} \
             and all(type(q) is objects.Point for q in v['points'])",
        ),
    ]
}

/// `Instance::of` around an owned value.
struct Owned<T>(T);

impl<T: PyClass + Serialize> Serialize for Owned<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Instance::of(&self.0).serialize(s)
    }
}

/// `Instance::new` around an owned value.
struct InstanceOf<T>(&'static str, &'static str, T);

impl<T: Serialize> Serialize for InstanceOf<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Instance::new(self.0, self.1, &self.2).serialize(s)
    }
}

/// CPython loads what Rust writes as `Instance` at every protocol, to an
/// instance of the class with the struct's fields.
#[test]
fn cpython_loads_instances_written_from_rust_at_every_protocol() {
    let rows = rows();
    let mut items = Vec::new();
    let mut ours = Vec::new();
    for r in &rows {
        for p in ALL {
            let bytes = (r.write)(p);
            items.push(json!({"id": format!("{} @ protocol {p}", r.what), "hex": hex(&bytes), "proto": p, "check": r.check}));
            ours.push(bytes);
        }
    }
    let answers = judge(&json!({"op": "canon", "cases": items}));
    let mut failures = Vec::new();
    let mut canonical = [0usize; 6];
    for ((item, bytes), a) in items.iter().zip(&ours).zip(&answers) {
        let id = item["id"].as_str().unwrap();
        if let Some(err) = a["error"].as_str() {
            failures.push(format!("{id}: python3 failed: {err}\n  ours: {}", esc(bytes)));
        } else if a["ok"] != true {
            failures
                .push(format!("{id}: loads to {}, check {} is false", a["repr"], item["check"]));
        } else {
            // The canonical property: CPython writes the very same bytes.
            let canon = unhex(a["canon"].as_str().unwrap());
            if &canon != bytes {
                failures.push(format!(
                    "{id}: not what CPython writes\n  ours:  {}\n  canon: {}",
                    esc(bytes),
                    esc(&canon)
                ));
            } else {
                canonical[item["proto"].as_u64().unwrap() as usize] += 1;
            }
        }
    }
    report("py::Instance judged by CPython", items.len(), &failures);
    eprintln!("instances loaded and canonical per protocol: {canonical:?}");
}

/// What Rust wrote as an instance reads back into the struct (the state is
/// read as the struct), at every protocol.
#[test]
fn instances_read_back_into_the_struct() {
    let line =
        Line { start: Point { x: 1, y: 2 }, end: Point { x: -3, y: 4 }, tags: vec!["t".into()] };
    for p in ALL {
        let bytes = pickle(&Instance::of(&line), p);
        let back: Line = from_slice(&bytes).unwrap_or_else(|e| panic!("protocol {p}: {e}"));
        assert_eq!(back, line, "protocol {p}");
    }
}

/// CPython's own pickles of the dataclass read into the struct, at every
/// protocol.
#[test]
fn cpython_dataclass_pickles_read_into_the_struct() {
    let originals = cpython_pickles(&[
        case("point", "objects.Point(1, -2)"),
        case("line", "objects.Line(objects.Point(1, 2), objects.Point(-3, 4), ['t'])"),
    ]);
    let mut failures = Vec::new();
    for o in &originals {
        let ok = match o.name.as_str() {
            "point" => from_slice::<Point>(&o.bytes).map(|v| v == Point { x: 1, y: -2 }),
            _ => from_slice::<Line>(&o.bytes).map(|v| {
                v == Line {
                    start: Point { x: 1, y: 2 },
                    end: Point { x: -3, y: 4 },
                    tags: vec!["t".into()],
                }
            }),
        };
        match ok {
            Ok(true) => {}
            Ok(false) => failures.push(format!("{} @ {}: read a different value", o.name, o.proto)),
            Err(e) => failures.push(format!("{} @ {}: {e}", o.name, o.proto)),
        }
    }
    report("reading CPython's dataclasses", originals.len(), &failures);
}

/// `Instance` writes the pickle CPython writes for the same dataclass
/// (CPython pickles `objects.Point(1, -2)`; ours equals its optimized form).
#[test]
fn instance_bytes_equal_cpythons_for_the_same_dataclass() {
    let originals = cpython_pickles(&[case("point", "objects.Point(1, -2)")]);
    let optimized: Vec<_> = originals.iter().map(|o| (o.proto, o.bytes.clone())).collect();
    // Let CPython optimize its own pickles (the `canon` request re-pickles and optimizes).
    let items: Vec<_> = optimized
        .iter()
        .map(|(p, b)| json!({"id": p.to_string(), "hex": hex(b), "proto": p, "check": "True"}))
        .collect();
    let answers = judge(&json!({"op": "canon", "cases": items}));
    let mut failures = Vec::new();
    for ((p, _), a) in optimized.iter().zip(&answers) {
        let canon = unhex(a["canon"].as_str().unwrap_or_default());
        let ours = pickle(&Instance::of(&Point { x: 1, y: -2 }), *p);
        if canon != ours {
            failures.push(format!(
                "protocol {p}:\n  ours:    {}\n  CPython: {}",
                esc(&ours),
                esc(&canon)
            ));
        }
    }
    report("Instance vs CPython's bytes", optimized.len(), &failures);
}
