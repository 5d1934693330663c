//! Transcoding keeps what CPython's pickle keeps: every memoized object
//! stays one object (strs, bytes and complexes included). CPython
//! judges: a pickle its C pickler wrote, read and written back at the same
//! protocol, equals `pickletools.optimize` of it.

use std::process::Command;

use serde_pickle::{from_slice, to_vec_with, SerOptions, Value};

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
