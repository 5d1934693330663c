//! Fuzzing finds, replayed on every `cargo test`.
//!
//! Every file under `tests/data/fuzz_regressions/` (inputs that crashed,
//! hung or blew up a fuzz target before a fix) and `tests/data/fuzz_corpus/`
//! (the minimized corpora of the fuzz targets in `fuzz/`) goes through every
//! entry point: `from_slice` into `Value` and into a few typed targets (fast
//! path and VM alone), `from_reader`, the stream iterator, `scan`, the codec
//! tokenizer and optimizer, `Display`/`Debug` of what was read and `to_vec`
//! of it at every protocol. No call may panic; an error raised by the opcode
//! VM must carry its offset. (How fast each input finishes is not asserted:
//! no wall-clock checks in tests; a hang shows as a test that does not end.)
//!
//! Fuzz inputs start with a control byte (see `fuzz/fuzz_targets/*.rs`), so
//! each file is replayed twice: whole, and without its first byte.
//!
//! The tests after `replay_every_fuzz_input` pin down each fix: what the
//! input must read as now.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_pickle::codec::{ops::ops, optimize::optimize};
use serde_pickle::{
    from_reader, from_slice, from_slice_with, scan, to_vec_with, Category, DeOptions, Deserializer,
    Error, ErrorCode, SerOptions, Value,
};

use crate::support::data::data_dir;
use crate::support::python::Python;

/// The files of `dir` and of its subdirectories, sorted.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let path = e.expect("dir entry").path();
            if path.is_dir() {
                work.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Errors must format; errors from the VM (truncation, malformed opcodes,
/// an unsupported protocol) must say where they happened. (Errors raised
/// turning the loaded pickle into a Rust value have no offset.)
fn check_error(e: &Error, what: &str) {
    let _ = format!("{e} {e:?}");
    if matches!(e.category(), Category::Eof | Category::Syntax)
        || matches!(e.code(), ErrorCode::UnsupportedProtocol(_))
    {
        assert!(e.offset().is_some(), "{what}: VM error without an offset: {e}");
    }
}

fn same(a: &serde_pickle::Result<Value>, b: &serde_pickle::Result<Value>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.same_as(y),
        // A slice knows where it ends, a reader finds out: truncation may be
        // reported at different offsets (a FRAME longer than the rest).
        (Err(x), Err(y)) if x.category() == Category::Eof => y.category() == Category::Eof,
        (Err(x), Err(y)) => x.to_string() == y.to_string(),
        _ => false,
    }
}

/// Format, clone and compare a value; write it at every protocol and read that back.
fn use_value(v: &Value, what: &str) {
    let _ = format!("{v:?}");
    // Display prints shared parts in full at each reference, like Python's
    // repr: exponential in the size of a "billion laughs" value, by design.
    if crate::fuzz_common::expands_to_at_most(v, 1 << 20) {
        let _ = format!("{v}");
    }
    let copy = v.clone();
    let _ = copy == *v;
    assert!(copy.same_as(v), "{what}: a clone is not the same");
    for protocol in 0..=5 {
        match to_vec_with(v, &SerOptions::new().protocol(protocol)) {
            Ok(bytes) => match from_slice::<Value>(&bytes) {
                Ok(back) => {
                    let _ = format!("{back:?}");
                }
                Err(e) => check_error(&e, what),
            },
            Err(e) => check_error(&e, what),
        }
    }
}

#[derive(Deserialize, Debug, PartialEq)]
struct Rec {
    id: i64,
    name: String,
    tags: Vec<String>,
    score: Option<f64>,
}

#[derive(Deserialize, Debug, PartialEq)]
enum Shape {
    Unit,
    Newtype(i32),
    Tuple(u8, String),
    Struct { x: f32, y: Option<i64> },
}

/// Read with the opcode VM alone: the serde `Deserializer` trait of
/// `&mut Deserializer` always runs it (only `from_slice`, `from_reader` and
/// the stream iterator try the fast path first).
fn vm_only<'de, T: Deserialize<'de>>(data: &'de [u8]) -> serde_pickle::Result<T> {
    let mut de = serde_pickle::Deserializer::from_slice(data);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// A typed read: the fast path and the VM agree (value or error message).
fn typed<T: DeserializeOwned + Debug>(data: &[u8], what: &str) {
    let fast = from_slice_with::<T>(data, &DeOptions::new());
    let vm = vm_only::<T>(data);
    match (&fast, &vm) {
        (Ok(a), Ok(b)) => assert_eq!(format!("{a:?}"), format!("{b:?}"), "{what}"),
        (Err(a), Err(b)) => {
            check_error(a, what);
            let (a, b) = (a.to_string(), b.to_string());
            let same = crate::support::data::same_error_as_vm(&a, &b);
            assert!(same, "{what}: the fast path and the VM disagree:\n{a}\n{b}");
        }
        _ => panic!("{what}: fast path {fast:?} but VM {vm:?}"),
    }
}

/// Every entry point on one input.
fn replay(data: &[u8], what: &str) {
    let value = from_slice::<Value>(data);
    match &value {
        Ok(v) => use_value(v, what),
        Err(e) => check_error(e, what),
    }

    typed::<Vec<i64>>(data, what);
    typed::<Rec>(data, what);
    typed::<Vec<Shape>>(data, what);
    typed::<BTreeMap<String, serde_json::Value>>(data, what);
    typed::<(String, serde_bytes::ByteBuf, Option<bool>)>(data, what);
    typed::<(i128, u128, char, f64)>(data, what);
    // Borrowing from the input.
    let _ = from_slice::<(&str, &[u8])>(data).map_err(|e| check_error(&e, what));

    let read = from_reader::<_, Value>(Cursor::new(data));
    assert!(same(&value, &read), "{what}: from_slice {value:?} != from_reader {read:?}");

    let mut items = 0;
    for item in Deserializer::from_slice(data).into_iter::<Value>().take(1000) {
        match item {
            Ok(v) => {
                let _ = format!("{v:?}");
            }
            Err(e) => check_error(&e, what),
        }
        items += 1;
    }
    let _ = items;
    let mut reader_items = Deserializer::from_reader(data).into_iter::<Value>();
    for item in Deserializer::from_slice(data).into_iter::<Value>().take(1000) {
        if matches!(&item, Err(e) if e.opcode() == Some(serde_pickle::codec::opcodes::FRAME)) {
            // Only a slice knows that a frame is longer than the rest.
            break;
        }
        let other = reader_items.next().expect("the reader stream ends with the slice stream");
        assert!(same(&item, &other), "{what}: stream item {item:?} != {other:?}");
    }

    match scan(data) {
        Ok(found) => {
            let _ = format!("{found:?}");
        }
        Err(e) => check_error(&e, what),
    }
    assert!(ops(data).take(1 << 20).count() <= data.len() + 1);
    match optimize(data) {
        Ok(opt) => {
            if let Ok(v) = &value {
                let again = from_slice::<Value>(&opt).expect("an optimized pickle reads");
                assert!(v.same_as(&again), "{what}: optimize changed the value");
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
}

#[test]
fn replay_every_fuzz_input() {
    let dir = data_dir();
    let mut files = files_under(&dir.join("fuzz_regressions"));
    files.extend(files_under(&dir.join("fuzz_corpus")));
    assert!(!files.is_empty(), "no fuzz inputs under {}", dir.display());
    for path in &files {
        let data = std::fs::read(path).expect("read a fuzz input");
        let name = path.strip_prefix(&dir).unwrap_or(path).display().to_string();
        for (layout, bytes) in
            [("whole", &data[..]), ("without control byte", data.get(1..).unwrap_or(&[]))]
        {
            let what = format!("{name} ({layout})");
            replay(bytes, &what);
        }
    }
}

fn regression(name: &str) -> Vec<u8> {
    let path = data_dir().join("fuzz_regressions").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Python 2 pickles a bytearray as `bytearray(u'ab\xff', 'latin-1')` with a
/// Python 2 str for the encoding; that was kept as an opaque REDUCE (while a
/// unicode encoding name was recognized), so writing the value and reading it
/// back changed it.
#[test]
fn py2_bytearray_with_a_py2_str_encoding_reads_as_bytearray() {
    let data = regression("from_slice_value-py2-bytearray-latin1-str");
    let v: Value = from_slice(&data[1..]).unwrap();
    assert_eq!(v, Value::ByteArray(b"ab\xff".to_vec()));
    let buf: serde_bytes::ByteBuf = from_slice(&data[1..]).unwrap();
    assert_eq!(buf.as_slice(), b"ab\xff");
    // Read with encoding='bytes', the encoding is bytes; CPython's
    // bytearray() would refuse it, but the data is plain, so it is rebuilt
    // in every Py2Strings mode (issue 11, point 7).
    let opts = DeOptions::new().py2_strings(serde_pickle::Py2Strings::Bytes);
    let v: Value = from_slice_with(&data[1..], &opts).unwrap();
    assert_eq!(v, Value::ByteArray(b"ab\xff".to_vec()));
}

/// `{:?}` printed a shared node's content at every reference: 10 nested
/// levels, each a list referencing the level below 10 times (`DUP`), took
/// time and memory exponential in the 107-byte input. Now each shared node
/// prints once, later references as `Shared(<as above>)`.
#[test]
fn debug_of_a_dup_billion_laughs_is_linear() {
    let data = regression("from_slice_value-dup-laughs-debug");
    let v: Value = from_slice(&data[1..]).unwrap();
    let printed = format!("{v:?}");
    assert!(printed.len() < 10_000, "{} bytes", printed.len());
    assert!(printed.contains("Shared(<as above>)"), "{printed}");
    assert!(
        !crate::fuzz_common::expands_to_at_most(&v, 1 << 20),
        "Display still expands, as Python's repr"
    );
}

/// Writing a dict key (or set item) that is an object whose writing fails
/// (here a global with a non-ASCII name at protocol 0) underflowed the
/// serializer's key-nesting counter: a panic in debug builds instead of the
/// error.
#[test]
fn failing_object_as_dict_key_is_an_error() {
    let data = regression("from_slice_value-failing-object-dict-key");
    let v: Value = from_slice(&data[1..]).unwrap();
    let err = to_vec_with(&v, &SerOptions::new().protocol(0)).unwrap_err();
    assert_eq!(err.category(), Category::Data, "{err}");
    let set = Value::Set(v.as_dict().unwrap().iter().map(|(k, _)| k.clone()).collect());
    let err = to_vec_with(&set, &SerOptions::new().protocol(0)).unwrap_err();
    assert_eq!(err.category(), Category::Data, "{err}");
    for protocol in 3..=5 {
        let bytes = to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap();
        assert!(from_slice::<Value>(&bytes).unwrap().same_as(&v));
    }
}

/// At protocol 0 a persistent id is a line of text, so only a str or an int
/// can be one; the writer captured the id through any wrapper, and wrote a
/// persistent id of a persistent id of an int as the plain int. Likewise an
/// INST class was taken from any pair of strings, not only from a global.
#[test]
fn protocol_0_persistent_ids_and_inst_classes_are_not_unwrapped() {
    use serde_pickle::value::{Global, Object, ObjectKind};
    let data = regression("from_slice_value-nested-persid-protocol-0");
    let v: Value = from_slice(&data[1..]).unwrap();
    assert!(matches!(&v, Value::PersistentId(id) if matches!(**id, Value::PersistentId(_))));
    let err = to_vec_with(&v, &SerOptions::new().protocol(0)).unwrap_err();
    assert_eq!(err.category(), Category::Data, "{err}");
    for protocol in 1..=5 {
        let bytes = to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap();
        assert!(from_slice::<Value>(&bytes).unwrap().same_as(&v), "protocol {protocol}");
    }

    let p0 = SerOptions::new().protocol(0);
    let names = Value::Tuple(vec![Value::Str("os".into()), Value::Str("system".into())]);
    for class in [names.clone(), Value::PersistentId(Box::new(names))] {
        let inst = Value::Object(Box::new(Object::new(ObjectKind::Inst, class, vec![])));
        let err = to_vec_with(&inst, &p0).unwrap_err();
        assert_eq!(err.category(), Category::Data, "{err}");
    }
    let class = Value::from(Global::new("m", "C"));
    let inst = Value::Object(Box::new(Object::new(ObjectKind::Inst, class, vec![Value::Int(1)])));
    assert_eq!(to_vec_with(&inst, &p0).unwrap(), b"(I1\nim\nC\n.");
    // An int id is still written as its digits.
    let pid = Value::PersistentId(Box::new(Value::Int(7)));
    assert_eq!(to_vec_with(&pid, &p0).unwrap(), b"P7\n.");
}

/// `copyreg.__newobj__({...})` was read as a NEWOBJ object whose class is a
/// dict; written back (NEWOBJ), that does not read: plain data is not a
/// class. Such a call now stays the REDUCE of `copyreg.__newobj__` it is
/// (and likewise `copyreg._reconstructor`).
#[test]
fn copyreg_helpers_of_plain_data_stay_reduce_calls() {
    use serde_pickle::value::{Global, ObjectKind};
    let data = regression("from_slice_value-newobj-helper-of-plain-data");
    let v: Value = from_slice(&data[1..]).unwrap();
    let o = v.as_py_object().expect("an object");
    assert_eq!(o.kind, ObjectKind::Reduce);
    assert_eq!(o.global(), Some(&Global::new("copyreg", "__newobj__")));
    assert!(matches!(o.args.as_slice(), [Value::Dict(_)]), "{v:?}");
    for protocol in 0..=5 {
        let bytes = to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap();
        assert!(from_slice::<Value>(&bytes).unwrap().same_as(&v), "protocol {protocol}");
    }
    // copyreg._reconstructor(1, object, None) likewise.
    let r = b"\x80\x02ccopyreg\n_reconstructor\nK\x01cbuiltins\nobject\nN\x87R.";
    let v: Value = from_slice(r).unwrap();
    assert_eq!(v.as_py_object().map(|o| o.kind), Some(ObjectKind::Reduce), "{v:?}");
    // A class is still instantiated.
    let ok = b"\x80\x02ccopyreg\n__newobj__\ncm\nC\nK\x01\x86R.";
    let v: Value = from_slice(ok).unwrap();
    assert_eq!(v.as_py_object().map(|o| o.kind), Some(ObjectKind::NewObj), "{v:?}");
}

/// Python `==` compared set members pairwise in both directions, again at
/// every level of sets nested in sets: time exponential in the nesting (a
/// 1.2 KB pickle of nested frozensets did not finish). Pair results are now
/// memoized for the whole comparison.
#[test]
fn equality_of_nested_sets_is_polynomial() {
    let data = regression("from_slice_value-nested-frozensets-eq");
    let a: Value = from_slice(&data[1..]).unwrap();
    let b: Value = from_slice(&data[1..]).unwrap();
    assert!(a == a.clone());
    assert!(a == b);
    let mut deep = Value::Int(1);
    for _ in 0..60 {
        deep = Value::FrozenSet(vec![deep, Value::Bool(true), Value::Int(7)]);
    }
    let mut other = Value::Int(1);
    for _ in 0..60 {
        other = Value::FrozenSet(vec![Value::Int(7), other, Value::Float(1.0)]);
    }
    assert!(deep == other);
}

/// The fast path read `frozenset([(), set()])`, a set item or a dict key
/// that is a list, dict or set, where the VM (like CPython) rejects the
/// unhashable item: fast path and VM disagreed. The fast path now leaves
/// such input to the VM.
#[test]
fn fast_path_leaves_unhashable_keys_and_items_to_the_vm() {
    let data = regression("typed_roundtrip-unhashable-frozenset-item");
    let data2 = regression("typed_roundtrip-frozenset-list-any");
    let inputs: [&[u8]; 6] = [
        &data[1..],
        // frozenset([[]]) with a PROTO in the middle, read by an untagged enum
        &data2[1..],
        // {(): 1, []: 2} with SETITEMS
        b"\x80\x02}(K\x01K\x01]K\x02u.",
        // {[]: 1} with SETITEM
        b"\x80\x02}]K\x01s.",
        // {((1, {}),)} with ADDITEMS
        b"\x80\x04\x8f(K\x01}\x86\x85\x90.",
        // frozenset([[]])
        b"\x80\x04(]\x91.",
    ];
    for input in inputs {
        let vm = vm_only::<serde_json::Value>(input);
        let fast = from_slice::<serde_json::Value>(input);
        let err = vm.expect_err("the VM rejects an unhashable key or item");
        assert_eq!(err.category(), Category::Syntax, "{err}");
        assert_eq!(fast.unwrap_err().to_string(), err.to_string());
    }
    // Hashable keys and items still take the fast path's answer.
    let ok: std::collections::BTreeMap<(i64, String), Vec<i64>> = from_slice(
        &serde_pickle::to_vec(
            &[((1, "a"), vec![2])].into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(ok.len(), 1);
}

/// `PUT -0` is index 0 for CPython's `int()` and for the VM, but the
/// tokenizer (and so `optimize`) read PUT/GET arguments as bare digits and
/// failed on a pickle that reads. It now parses them as the VM does.
#[test]
fn optimize_reads_memo_indices_like_the_vm() {
    use serde_pickle::codec::ops::ops;
    let data = regression("scan-put-minus-zero");
    for input in [&data[..], b"Va\np+0\ng 0 \n\x86.", b"Va\np1_0\ng10\n\x86."] {
        let v: Value = from_slice(input).unwrap();
        let opt = optimize(input).unwrap();
        assert!(from_slice::<Value>(&opt).unwrap().same_as(&v), "{input:?}");
    }
    let put = ops(b"p-0\n").next().unwrap().unwrap();
    assert_eq!(put.memo_index(), Some(0));
    let put = ops(b"p-1\n").next().unwrap().unwrap();
    assert_eq!(put.memo_index(), None);
}

/// A 1.5 KB pickle whose persistent ids hold (DUP-shared) persistent ids
/// was written back as 3.2 MB: a shared persistent id was written out at
/// every reference. It is memoized now, as the pickle did it.
#[test]
fn shared_persistent_ids_are_written_once() {
    let data = regression("from_slice_value-shared-persistent-ids-rewritten");
    let v: Value = from_slice(&data[1..]).unwrap();
    for protocol in 1..=5 {
        let out = to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap();
        assert!(out.len() < 2 * data.len(), "protocol {protocol}: {} bytes", out.len());
        assert!(from_slice::<Value>(&out).unwrap().same_as(&v), "protocol {protocol}");
    }
    // CPython loads such a pickle with one call to persistent_load per
    // memoized id, and keeps the identity.
    let pid = Value::Shared(serde_pickle::value::Shared::new(Value::PersistentId(Box::new(
        Value::from("x"),
    ))));
    let out = serde_pickle::to_vec(&Value::List(vec![pid.clone(), pid])).unwrap();
    let code = "import pickle,io,sys\n\
        class U(pickle.Unpickler):\n    n = 0\n    def persistent_load(self, pid):\n        U.n += 1\n        return [pid]\n\
        v = U(io.BytesIO(sys.stdin.buffer.read())).load()\n\
        print(v, v[0] is v[1], U.n)";
    let printed = Python::System.run(&["-c", code], &out);
    assert_eq!(String::from_utf8_lossy(&printed).trim(), "[['x'], ['x']] True 1");
}

/// A persistent-id hook that hands back the id it is given: each
/// `BINPERSID` of an id built from earlier results (DUP-shared) copied the
/// whole result into the reader again, unbounded by `max_alloc` (gigabytes
/// from 648 bytes). The copies count against `max_alloc` now.
#[test]
fn a_persistent_load_hook_echoing_its_id_stays_within_max_alloc() {
    let data = regression("scan-persid-hook-returns-its-id");
    let limit = 8 << 20;
    let opts = serde_pickle::DeOptions::new().max_alloc(limit).persistent_load(|id| Ok(id.clone()));
    for input in [&data[..], &data[1..]] {
        let (result, peak) =
            crate::alloc::peak_during(|| serde_pickle::from_slice_with::<Value>(input, &opts));
        if let Err(e) = &result {
            assert!(e.offset().is_some(), "{e}");
        }
        assert!(peak < 8 * limit, "peak {peak} bytes for a {limit}-byte max_alloc: {result:?}");
    }
}
