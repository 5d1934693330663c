//! Calls a pickle makes for their side effects only (`REDUCE` then `POP`)
//! survive transcoding: Python's 6-item `__reduce__` (a `state_setter`),
//! cloudpickle's and dill's functions, closures and local classes. The
//! pickles are made at test time by `tests/py/popped_calls.py` (modern
//! environment: cloudpickle, dill, numpy); CPython judges by loading each
//! transcoded pickle in a fresh process and calling what it built, which
//! must do what the original does.

use serde_pickle::value::Value;
use serde_pickle::{from_slice, from_slice_with, to_vec_with, DeOptions, SerOptions};

use crate::support::python::{py_dir, Python, ALL};

fn script() -> std::path::PathBuf {
    py_dir().join("popped_calls.py")
}

/// The pickle of `case` at `proto`, made by the case's producer.
fn make(case: &str, proto: u8) -> Vec<u8> {
    let s = script();
    let p = proto.to_string();
    Python::Modern.run(&[s.as_os_str(), "make".as_ref(), case.as_ref(), p.as_ref()], b"")
}

/// What loading `pickle` in a fresh Python process builds and does.
fn load(pickle: &[u8]) -> String {
    let s = script();
    let out = Python::Modern.run(&[s.as_os_str(), "load".as_ref()], pickle);
    String::from_utf8(out).unwrap().trim().to_string()
}

fn transcode(data: &[u8], proto: u8) -> Result<Vec<u8>, String> {
    let v: Value = from_slice(data).map_err(|e| format!("reading: {e}"))?;
    to_vec_with(&v, &SerOptions::new().protocol(proto)).map_err(|e| format!("writing: {e}"))
}

/// Transcode `case`, made at each of `from`, to every protocol; each must
/// load and act as the original does. `answer` is the end of the original's answer.
fn survives(case: &str, from: &[u8], answer: &str) {
    let mut failures = Vec::new();
    for &p in from {
        let original = make(case, p);
        let want = load(&original);
        assert!(want.ends_with(answer), "{case} p{p}: the original loads as {want:?}");
        for to in ALL {
            match transcode(&original, to) {
                Ok(out) => {
                    let got = load(&out);
                    if got != want {
                        failures.push(format!("{case} p{p} -> p{to}: {got:?}, want {want:?}"));
                    }
                }
                Err(e) => failures.push(format!("{case} p{p} -> p{to}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_state_setter_sets_the_state_after_transcoding() {
    survives("state_setter", &[2, 5], "x=42");
}

/// `pickletools.optimize(original)`, by CPython.
fn optimized(original: &[u8]) -> Vec<u8> {
    let code = "import pickletools, sys; \
                sys.stdout.buffer.write(pickletools.optimize(sys.stdin.buffer.read()))";
    Python::System.run(&["-c", code], original)
}

#[test]
fn a_state_setter_pickle_is_written_back_with_cpythons_bytes() {
    // The C pickler's output, optimized, is what the writer gives.
    for p in ALL.into_iter().filter(|&p| p >= 2) {
        let original = make("state_setter", p);
        assert_eq!(transcode(&original, p).unwrap(), optimized(&original), "protocol {p}");
    }
}

/// cloudpickle writes with CPython's C pickler, which makes some equal
/// one-character strs apart (a class's `__dict__` key and a code object's
/// name): written back at its own protocol with exactly the sharing it had
/// (`share_by_content(false)`, as `pickletool transcode` writes), the
/// bytes are `pickletools.optimize` of the original.
#[test]
fn cloudpickle_pickles_are_written_back_with_cpythons_bytes() {
    let mut failures = Vec::new();
    for case in ["cp_closure", "cp_global", "cp_class"] {
        for p in [2, 3, 4, 5] {
            let original = make(case, p);
            let v: Value = from_slice(&original).unwrap();
            let opts = SerOptions::new().protocol(p).share_by_content(false);
            let ours = to_vec_with(&v, &opts).unwrap();
            if ours != optimized(&original) {
                failures.push(format!("{case} at protocol {p}"));
            }
        }
    }
    assert!(failures.is_empty(), "not optimize(original): {failures:?}");
}

#[test]
fn the_popped_call_is_kept_on_the_object() {
    let v: Value = from_slice(&make("state_setter", 2)).unwrap();
    let o = v.as_py_object().expect("an object");
    assert!(o.state.is_empty());
    assert_eq!(o.effects.len(), 1);
    let call = o.effects[0].as_py_object().expect("a call");
    assert_eq!(call.global().map(|g| g.name.as_str()), Some("setx"));
    // The call's first argument is the object itself.
    let Value::Shared(s) = &v else { panic!("the object is shared: {v:?}") };
    assert!(matches!(&call.args[0], Value::Shared(t) if t.ptr_eq(s)));
}

#[test]
fn a_cloudpickled_closure_keeps_its_cell() {
    survives("cp_closure", &[5], "outer.<locals>.f(3)=6");
}

#[test]
fn a_cloudpickled_function_keeps_its_globals() {
    survives("cp_global", &[5], ".g(3)=3");
}

#[test]
fn a_cloudpickled_local_class_keeps_its_attributes() {
    survives("cp_class", &[5], "Local m(4)=12");
}

#[test]
fn a_dill_recursive_closure_keeps_its_cell() {
    survives("dill_closure", &[3, 5], "outer.<locals>.f(3)=6");
}

#[test]
fn a_dill_local_class_keeps_its_qualname() {
    survives("dill_class", &[3, 5], "Local m(4)=12");
}

/// `pickletool transcode` keeps them too.
#[cfg(feature = "cli")]
#[test]
fn pickletool_transcode_keeps_popped_calls() {
    use crate::support::python::world::tool;
    for case in ["state_setter", "cp_closure", "dill_closure"] {
        let original = make(case, 5);
        let want = load(&original);
        if case != "dill_closure" {
            // At its own protocol, CPython's bytes (optimized); dill writes
            // with the pure-Python pickler (GLOBAL where the C pickler
            // writes STACK_GLOBAL), which the writer does not imitate.
            let same = tool(&["transcode", "--protocol", "5"], &original);
            assert_eq!(same.stdout, optimized(&original), "{case} at its own protocol");
        }
        for to in ALL {
            let out = tool(&["transcode", "--protocol", &to.to_string()], &original);
            assert!(
                out.status.success(),
                "{case} -> p{to}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(load(&out.stdout), want, "{case} -> p{to}");
        }
    }
}

/// A popped call with nothing under it but plain data cannot be kept in
/// place: a lossless read (for transcoding) fails, naming the POP, rather
/// than drop it; a plain read gives what `pickle.loads` returns.
#[test]
fn a_popped_call_with_no_object_before_it_fails_a_lossless_read_naming_the_pop() {
    // ] c os\nsystem\n ( S'x'\n t R 0 .   (the list is under the call)
    let data = b"]cos\nsystem\n(S'x'\ntR0.";
    let lossless = DeOptions::new().lossless(true);
    let e = from_slice_with::<Value>(data, &lossless).unwrap_err();
    assert_eq!(e.offset(), Some(data.len() as u64 - 2), "{e}");
    assert!(e.to_string().contains("POP"), "{e}");
    assert_eq!(from_slice::<Value>(data).unwrap(), Value::List(vec![]));
    // Typed reads ignore effects.
    assert_eq!(from_slice::<Vec<i32>>(data).unwrap(), Vec::<i32>::new());
}

/// Items added to the object after the call would be written before it.
#[test]
fn items_added_after_a_popped_call_fail_a_lossless_read() {
    // An object built by REDUCE, a popped call, then APPEND to the object.
    let data = b"\x80\x02cm\nD\n)Rcm\nf\n)R0K\x01a.";
    let e = from_slice_with::<Value>(data, &DeOptions::new().lossless(true)).unwrap_err();
    assert_eq!(e.offset(), Some(16), "{e}");
}

/// `pickletool transcode` reads losslessly: exit 1, naming the POP.
#[cfg(feature = "cli")]
#[test]
fn pickletool_transcode_refuses_a_call_it_cannot_keep() {
    use crate::support::python::world::tool;
    let out = tool(&["transcode"], b"]cos\nsystem\n(S'x'\ntR0.");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("offset 20") && err.contains("POP"), "{err}");
}
