//! The reader against CPython's own unpickling tests: the 329 inputs that
//! CPython 3.13.0's `AbstractUnpickleTests` feed to `pickle.loads`, recorded
//! with the outcome of the C loader, the pure-Python loader and a
//! non-executing reference decoder (`tests/data/cpython_vectors/index.json`,
//! PSF-2.0, extracted from Lib/test/pickletester.py), and the module-level
//! canned pickles (DATA0..DATA4, the Python 2 ones).
//!
//! Where the C loader errors we error (any category, with an offset); where it
//! loads we load, to the recorded non-executing decode. The exceptions are
//! listed in [`WE_LOAD_WHAT_C_REJECTS`] and [`WE_REJECT_WHAT_C_LOADS`] with the
//! reason, and each is checked to behave as documented.

use serde_json::Value as Json;
use serde_pickle::{
    from_reader_with, from_slice, from_slice_with, Category, DeOptions, Deserializer, Py2Strings,
    Value,
};

use crate::support::data::{assert_all, json, protocol_of, read};
use crate::support::expect::{compare, expected, CmpOpts, Exp, Py2};
use crate::support::print::{fingerprint, unhex};

/// Inputs the C loader rejects and we read, and why.
const WE_LOAD_WHAT_C_REJECTS: &[(&str, &str)] = &[
    (
        "unpickle/test_bad_newobj__001.pkl",
        "NEWOBJ on builtins.len: C checks that the class is a type, which needs importing it; \
         a non-executing reader cannot know, and keeps it as Object{NewObj} (so does the \
         reference SymbolicUnpickler)",
    ),
    (
        "unpickle/test_bad_newobj_ex__001.pkl",
        "NEWOBJ_EX on builtins.len: as above, the class is never imported",
    ),
    (
        "unpickle/test_negative_32b_binput__000.pkl",
        "LONG_BINPUT 0xffffffff: C (64-bit) raises MemoryError growing its dense memo array; \
         our memo is sparse, as in the pure-Python loader, which we follow (CPython's own test \
         expects an error only on 32-bit builds)",
    ),
];

/// Inputs the C loader reads and `from_slice` rejects, and why.
const WE_REJECT_WHAT_C_LOADS: &[(&str, Category, &str)] = &[(
    "unpickle/test_misc_get__003.pkl",
    Category::Syntax,
    "bytes after STOP (`...l.))`): pickle.loads ignores them, our from_slice/from_reader \
     reject trailing bytes by design; the stream iterator reads the pickle",
)];

struct Vector {
    file: String,
    meta: Json,
    data: Vec<u8>,
}

fn vectors() -> Vec<Vector> {
    let index = json("cpython_vectors/index.json");
    let all = index["unpickle_tests"].as_array().expect("unpickle_tests");
    assert_eq!(all.len(), 329, "recorded inputs");
    all.iter()
        .map(|v| {
            let file = v["file"].as_str().expect("file").to_string();
            let data = read(&format!("cpython_vectors/{file}"));
            Vector { file, meta: v.clone(), data }
        })
        .collect()
}

/// The `pickle.loads` keyword arguments a vector was recorded with, as options.
fn options(v: &Vector) -> (DeOptions, Py2) {
    match v.meta["kwargs"].get("encoding").and_then(Json::as_str) {
        Some("bytes") => (DeOptions::new().py2_strings(Py2Strings::Bytes), Py2::Bytes),
        // koi8-r (test_empty_bytestring) decodes only b'' there: Latin-1 reads it the same.
        _ => (DeOptions::new(), Py2::Latin1),
    }
}

fn ok(outcome: &Json) -> bool {
    outcome["ok"].as_bool().expect("ok")
}

/// What we expect a vector CPython loads to read as: the non-executing decode
/// when recorded, else the C loader's value (plain data for those).
fn expectation(v: &Vector, py2: Py2) -> Exp {
    let proto = protocol_of(&v.data);
    match v.meta.get("raw") {
        Some(raw) if ok(raw) => expected(&raw["value"], proto, py2),
        _ => expected(&v.meta["c"]["value"], proto, py2),
    }
}

#[test]
fn recorded_inputs_are_the_bytes_the_index_lists() {
    let mut failures = Vec::new();
    let vs = vectors();
    for v in &vs {
        if unhex(v.meta["hex"].as_str().expect("hex")) != v.data {
            failures.push(format!("{}: file differs from the index", v.file));
        }
    }
    assert_all("recorded inputs", vs.len(), &failures);
}

#[test]
fn inputs_the_c_loader_rejects_are_rejected_with_an_offset() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in vectors().iter().filter(|v| !ok(&v.meta["c"])) {
        checked += 1;
        let (opts, py2) = options(v);
        let documented = WE_LOAD_WHAT_C_REJECTS.iter().find(|(f, _)| *f == v.file);
        for (how, r) in [
            ("slice", from_slice_with::<Value>(&v.data, &opts)),
            ("reader", from_reader_with::<_, Value>(&v.data[..], &opts)),
        ] {
            match (r, documented) {
                (Err(e), None) if e.offset().is_some() => {}
                (Err(e), None) => {
                    failures.push(format!("{} ({how}): error without an offset: {e:?}", v.file))
                }
                (Ok(got), None) => failures.push(format!(
                    "{} ({how}): C raises {}, we read {}",
                    v.file,
                    v.meta["c"]["error"],
                    fingerprint(&got)
                )),
                (Ok(got), Some(_)) => {
                    if let Err(m) = compare(&got, &expectation(v, py2), CmpOpts::default()) {
                        failures.push(format!("{} ({how}) {m}", v.file));
                    }
                }
                (Err(e), Some((_, why))) => failures.push(format!(
                    "{} ({how}): listed as read by us ({why}) but fails: {e:?}",
                    v.file
                )),
            }
        }
    }
    assert_all("inputs CPython's C loader rejects", checked, &failures);
    assert_eq!(checked, 218);
}

#[test]
fn inputs_the_c_loader_reads_read_as_their_recorded_value() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for v in vectors().iter().filter(|v| ok(&v.meta["c"])) {
        checked += 1;
        let (opts, py2) = options(v);
        let exp = expectation(v, py2);
        let documented = WE_REJECT_WHAT_C_LOADS.iter().find(|(f, _, _)| *f == v.file);
        for (how, r) in [
            ("slice", from_slice_with::<Value>(&v.data, &opts)),
            ("reader", from_reader_with::<_, Value>(&v.data[..], &opts)),
        ] {
            match (r, documented) {
                (Ok(got), None) => {
                    if let Err(m) = compare(&got, &exp, CmpOpts::default()) {
                        failures.push(format!("{} ({how}) {m}", v.file));
                    }
                }
                (Err(e), None) => {
                    failures.push(format!("{} ({how}): C reads it, we fail: {e:?}", v.file))
                }
                (Err(e), Some((_, cat, _))) if e.category() == *cat => {}
                (r, Some((_, cat, why))) => failures.push(format!(
                    "{} ({how}): documented as a {cat:?} error ({why}), got {:?}",
                    v.file,
                    r.map(|v| fingerprint(&v))
                )),
            }
        }
        if documented.is_some() {
            // The stream iterator reads what pickle.loads reads.
            let mut stream =
                Deserializer::from_slice(&v.data).with_options(opts.clone()).into_iter::<Value>();
            match stream.next() {
                Some(Ok(got)) => {
                    if let Err(m) = compare(&got, &exp, CmpOpts::default()) {
                        failures.push(format!("{} (stream) {m}", v.file));
                    }
                }
                other => {
                    failures.push(format!("{} (stream): {:?}", v.file, other.map(|r| r.err())))
                }
            }
        }
    }
    assert_all("inputs CPython's C loader reads", checked, &failures);
    assert_eq!(checked, 111);
}

#[test]
fn the_c_and_python_loaders_disagree_only_where_documented() {
    // The index flags vectors whose C and pure-Python outcomes differ; each
    // must be one we have decided on above.
    let vs = vectors();
    let flagged: Vec<&str> = vs
        .iter()
        .filter(|v| v.meta.get("c_py_disagree").and_then(Json::as_bool) == Some(true))
        .map(|v| v.file.as_str())
        .collect();
    assert_eq!(flagged, ["unpickle/test_negative_32b_binput__000.pkl"]);
    assert!(WE_LOAD_WHAT_C_REJECTS.iter().any(|(f, _)| *f == flagged[0]));
}

/// Inputs on which CPython's C and pure-Python loaders disagree (the spec
/// pack's cpython_tests.md, verified on 3.11.7), what we do, and whom we follow.
#[test]
fn loader_disagreements_follow_the_documented_choice() {
    enum Ours {
        Reads(Value),
        Fails,
    }
    use Ours::*;
    let cases: Vec<(&[u8], Ours, &str)> = vec![
        (b"I010\n.", Fails, "Python: int('010') is a ValueError (C reads octal 8)"),
        (b"I02\n.", Fails, "Python: leading zeros are invalid (C reads 2)"),
        (b"I-0\n.", Reads(Value::Int(0)), "Python: only the exact I00/I01 are bools (C: False)"),
        (b"I+1\n.", Reads(Value::Int(1)), "Python (C: True)"),
        (b"F1_0\n.", Fails, "C: no underscores in FLOAT (Python reads 10.0)"),
        (b"F 1.5\n.", Reads(Value::Float(1.5)), "Python: float() strips whitespace (C errors)"),
        (b"F1e500\n.", Fails, "C: OverflowError, as pickle.loads (Python reads inf)"),
        (b"\x80\x04\x95\x10\x00\x00\x00\x00\x00\x00\x00K\x01.", Fails, "C: a frame longer than the data is truncated"),
        (
            b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00J\x01\x00\x00\x00.",
            Reads(Value::Int(1)),
            "C: an argument may straddle the frame end (frames are only hints)",
        ),
        (
            b"\x80\x04\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x95\x02\x00\x00\x00\x00\x00\x00\x00K\x01.",
            Reads(Value::Int(1)),
            "C: a FRAME inside a frame is accepted",
        ),
        (b"Nr\xff\xff\xff\xff.", Reads(Value::None), "Python: the memo is sparse (C: MemoryError)"),
        (b"Np99999999999999999999\n.", Fails, "C: a memo index beyond 64 bits overflows"),
        (b"T\x01\x00\x00\x80x.", Fails, "both: negative (Python) or truncated (C)"),
        (b"}(K\x01u.", Fails, "both: odd SETITEMS"),
    ];
    let mut failures = Vec::new();
    for (input, ours, why) in &cases {
        let got = from_slice::<Value>(input);
        let good = match (ours, &got) {
            (Fails, Err(e)) => e.offset().is_some(),
            (Reads(want), Ok(v)) => fingerprint(v) == fingerprint(want),
            _ => false,
        };
        if !good {
            failures.push(format!(
                "{}: expected {} ({why}), got {:?}",
                String::from_utf8_lossy(input).escape_debug(),
                match ours {
                    Fails => "an error".to_string(),
                    Reads(v) => fingerprint(v),
                },
                got.map(|v| fingerprint(&v))
            ));
        }
    }
    assert_all("C/Python loader disagreements", cases.len(), &failures);
}

// ---------------------------------------------------------------------------
// The canned pickles
// ---------------------------------------------------------------------------

fn canned() -> Vec<Json> {
    let index = json("cpython_vectors/index.json");
    index["canned"].as_array().expect("canned").clone()
}

#[test]
fn data0_to_data4_read_as_create_data() {
    // create_data() (pickletester.py): a list with ints, a float, a complex and
    // the same tuple twice, holding 'abc' twice and the same instance of
    // __main__.C twice. DATA3/DATA4 list C.__dict__ in another order than
    // create_data() does, so dicts compare regardless of order.
    let want = json("cpython_vectors/canned/create_data.expected.json");
    let mut failures = Vec::new();
    for name in ["DATA0", "DATA1", "DATA2", "DATA3", "DATA4"] {
        let data = read(&format!("cpython_vectors/canned/{name}.pkl"));
        let exp = expected(&want, protocol_of(&data), Py2::Latin1);
        let opts = CmpOpts { unordered_dicts: true };
        for (how, r) in [
            ("slice", from_slice::<Value>(&data)),
            ("reader", serde_pickle::from_reader(&data[..])),
        ] {
            match r {
                Ok(v) => {
                    if let Err(m) = compare(&v, &exp, opts) {
                        failures.push(format!("{name} ({how}) {m}"));
                    }
                }
                Err(e) => failures.push(format!("{name} ({how}): {e:?}")),
            }
        }
    }
    assert_all("DATA0..DATA4 vs create_data()", 5, &failures);
}

#[test]
fn canned_pickles_read_as_their_symbolic_decode() {
    let mut failures = Vec::new();
    let all = canned();
    for c in &all {
        let name = c["name"].as_str().expect("name");
        let data = read(&format!("cpython_vectors/{}", c["file"].as_str().expect("file")));
        assert_eq!(unhex(c["hex"].as_str().expect("hex")), data, "{name}");
        let raw = &c["raw"];
        assert!(ok(raw), "{name}: the reference decoder reads every canned pickle");
        let exp = expected(&raw["value"], protocol_of(&data), Py2::Latin1);
        match from_slice::<Value>(&data) {
            Ok(v) => {
                if let Err(m) = compare(&v, &exp, CmpOpts::default()) {
                    failures.push(format!("{name} {m}"));
                }
            }
            Err(e) => failures.push(format!("{name}: {e:?}")),
        }
    }
    assert_all("canned pickles", all.len(), &failures);
    assert_eq!(all.len(), 11);
}

#[test]
fn the_python2_exception_template_reads_as_data_although_cpython_cannot_import_it() {
    // exception_pickle is `cexceptions\n?\n)R`: C fails with ModuleNotFoundError
    // (there is no module `exceptions` and no class `?`); we import nothing, so
    // it is an Object naming the global.
    let c =
        canned().into_iter().find(|c| c["name"] == "exception_pickle").expect("exception_pickle");
    assert!(!ok(&c["c"]));
    let v: Value = from_slice(&read("cpython_vectors/canned/exception_pickle.pkl")).expect("reads");
    let Value::Object(o) = v.resolve() else { panic!("{}", fingerprint(&v)) };
    let g = o.global().expect("a global callable");
    assert_eq!((g.module.as_str(), g.name.as_str(), o.args.len()), ("exceptions", "?", 0));
}
