//! Transcoding keeps what CPython's pickle keeps: every memoized object
//! stays one object (strs, bytes and complexes included). CPython
//! judges: a pickle its C pickler wrote, read and written back at the same
//! protocol, equals `pickletools.optimize` of it.

use std::process::Command;

use crate::support::python::Python;

use serde_pickle::{from_slice, from_slice_with, to_vec_with, DeOptions, SerOptions, Value};

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

fn transcode(data: &[u8], protocol: u8) -> Vec<u8> {
    let v: Value = from_slice(data).unwrap_or_else(|e| panic!("read: {e}"));
    to_vec_with(&v, &SerOptions::new().protocol(protocol)).unwrap_or_else(|e| panic!("write: {e}"))
}

/// `[c, c]` for a str, a bytes and a complex, at every protocol: written
/// back with the memo (CPython's bytes, optimized), and loading keeps identity.
#[test]
fn shared_immutables_are_written_back_shared() {
    let script = r#"
import pickle, pickletools, sys
for expr in ["'ab'", "b'xy'", "1j", "'x' * 1000", "(1.5-2j)"]:
    c = eval(expr)
    for p in range(6):
        d = pickle.dumps([c, c], p)
        print(expr.replace(' ', ''), p, d.hex(), pickletools.optimize(d).hex())
"#;
    let o = Command::new("python3").args(["-c", script]).output().expect("python3 runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8(o.stdout).unwrap();
    let mut n = 0;
    for line in out.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        let (what, p, data, want) = (f[0], f[1].parse::<u8>().unwrap(), unhex(f[2]), unhex(f[3]));
        let v: Value = from_slice(&data).unwrap();
        let Value::List(items) = &v else { panic!("{what}: {v:?}") };
        match (&items[0], &items[1]) {
            (Value::Shared(a), Value::Shared(b)) => assert!(a.ptr_eq(b), "{what} p{p}"),
            other => panic!("{what} p{p}: not shared: {other:?}"),
        }
        assert_eq!(transcode(&data, p), want, "{what} at protocol {p}");
        n += 1;
    }
    assert_eq!(n, 30);
}

/// Where the transcoded corpus pickle is not the original's optimized bytes,
/// and why: sharing among objects the `Value` does not keep as objects.
const DEPARTURES: &[(&str, &str)] = &[
    (
        "builtin_type_refs.p4",
        "CPython wrote the module name 'builtins' as two str objects (one from \
         type.__module__, one from len.__module__); a Value::Global holds its \
         module by content, and the writer shares equal module names",
    ),
    ("builtin_type_refs.p5", "as builtin_type_refs.p4"),
    (
        "dict_mixed_keys.p0",
        "the singleton str '1' is both a dict key and the text of the \
         _codecs.encode('1', 'latin1') that makes b'1' (protocols 0-2); the \
         reader turns that call into the bytes it makes, whose text is not kept",
    ),
    ("dict_mixed_keys.p1", "as dict_mixed_keys.p0"),
    ("dict_mixed_keys.p2", "as dict_mixed_keys.p0"),
];

/// Every pickle CPython 3's C pickler wrote for the corpus (protocols 0-5,
/// 1,600 and more; the `.py.` variants come from the pure-Python pickler),
/// read and written back at its own protocol with exactly the sharing it
/// had (`share_by_content(false)`, as `pickletool transcode` writes):
/// `pickletools.optimize` of the original, byte for byte, but for the
/// [`DEPARTURES`] (which must still differ, so that the list stays true).
#[test]
fn corpus_pickles_transcoded_at_their_protocol_are_cpythons_optimized_bytes() {
    let originals: Vec<_> = crate::transcode::corpus_originals("values", "ASCII")
        .into_iter()
        .filter(|o| !o.name.split('.').any(|part| part == "py"))
        .collect();
    // One python3 for all: each original's length, then its bytes.
    let script = r#"
import pickletools, sys
data = sys.stdin.buffer.read()
while data:
    n = int.from_bytes(data[:8], 'little')
    print(pickletools.optimize(data[8:8 + n]).hex())
    data = data[8 + n:]
"#;
    let mut input = Vec::new();
    for o in &originals {
        input.extend_from_slice(&(o.bytes.len() as u64).to_le_bytes());
        input.extend_from_slice(&o.bytes);
    }
    let out = Python::System.run(&["-c", script], &input);
    let optimized: Vec<Vec<u8>> = String::from_utf8(out).unwrap().lines().map(unhex).collect();
    assert_eq!(optimized.len(), originals.len());
    let mut failures = Vec::new();
    for (o, want) in originals.iter().zip(&optimized) {
        let (name, data, proto) = (&o.name, &o.bytes, o.from);
        let lossless = DeOptions::new().lossless(true);
        let v: Value = from_slice_with(data, &lossless).unwrap_or_else(|e| panic!("{name}: {e}"));
        let opts = SerOptions::new().protocol(proto).share_by_content(false);
        let ours = to_vec_with(&v, &opts).unwrap_or_else(|e| panic!("{name}: {e}"));
        let departs = DEPARTURES.iter().any(|(case, _)| name.starts_with(case));
        if (&ours != want) != departs {
            failures.push(name);
        }
    }
    assert!(originals.len() > 1500, "{} pickles", originals.len());
    assert!(
        failures.is_empty(),
        "{} of {} differ from optimize(original) against expectation: {failures:?}",
        failures.len(),
        originals.len()
    );
}
