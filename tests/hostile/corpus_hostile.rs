//! The reader on adversarial input (`tests/data/corpus/hostile`, copied from the
//! spec pack; never load these with Python's `pickle`): every file's `expect`
//! holds, nothing panics, overflows the stack, hangs or allocates much, globals
//! are never more than data, and policies reject them by name.
//!
//! Also: every truncation of valid pickles is an `Eof`/`Syntax` error with an
//! offset, and 100k-deep nesting is a `Limit` error on a 2 MiB stack.

use std::sync::{Arc, Mutex, OnceLock};

use serde::Deserialize;
use serde_json::Value as Json;
use serde_pickle::value::Global;
use serde_pickle::{
    from_reader, from_slice, from_slice_with, Category, DeOptions, Deserializer, GlobalsPolicy,
    Value,
};

use crate::alloc::peak_during;
use crate::support::data::{assert_all, in_thread, json, list, protocol_of, read};
use crate::support::expect::{compare, expected, CmpOpts, Compat, Exp, Py2};
use crate::support::print::fingerprint;

// ---------------------------------------------------------------------------
// The hostile files
// ---------------------------------------------------------------------------

struct Case {
    name: String,
    expect: String,
    meta: Json,
    data: Vec<u8>,
}

fn cases() -> &'static [Case] {
    static C: OnceLock<Vec<Case>> = OnceLock::new();
    C.get_or_init(|| {
        list("corpus/hostile", ".json")
            .into_iter()
            .map(|f| {
                let meta = json(&format!("corpus/hostile/{f}"));
                let name = meta["case"].as_str().expect("case").to_string();
                let expect = meta["expect"].as_str().expect("expect").to_string();
                let data = read(&format!("corpus/{}", meta["file"].as_str().expect("file")));
                Case { name, expect, meta, data }
            })
            .collect()
    })
}

fn with_expect(expect: &[&str]) -> Vec<&'static Case> {
    let v: Vec<&Case> = cases().iter().filter(|c| expect.contains(&c.expect.as_str())).collect();
    assert!(!v.is_empty(), "no hostile case expects {expect:?}");
    v
}

/// Read `data` as a `Value` with `from_slice` and `from_reader` on a 2 MiB
/// thread, failing on a panic (a stack overflow aborts); both results must
/// agree in kind.
fn read_both(
    name: &str,
    data: &[u8],
    opts: DeOptions,
) -> Result<Result<Value, serde_pickle::Error>, String> {
    let d = data.to_vec();
    let o = opts.clone();
    let slice = in_thread(name, move || from_slice_with::<Value>(&d, &o))?;
    let d = data.to_vec();
    let reader =
        in_thread(name, move || serde_pickle::from_reader_with::<_, Value>(&d[..], &opts))?;
    match (&slice, &reader) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) if a.category() == b.category() => {}
        _ => {
            return Err(format!(
                "{name}: from_slice {:?} but from_reader {:?}",
                slice.as_ref().err(),
                reader.err()
            ))
        }
    }
    Ok(slice)
}

/// The expected `Value` of a case from its symbolic decode.
fn raw_expectation(c: &Case) -> Option<Exp> {
    c.meta.get("raw").map(|raw| expected(raw, protocol_of(&c.data), Py2::Latin1))
}

#[test]
fn inputs_cpython_rejects_are_errors_with_an_offset() {
    let mut failures = Vec::new();
    let cs = with_expect(&["error"]);
    for c in &cs {
        match read_both(&c.name, &c.data, DeOptions::new()) {
            Err(m) => failures.push(m),
            Ok(Ok(v)) => {
                failures.push(format!("{}: read as {}, expected an error", c.name, fingerprint(&v)))
            }
            Ok(Err(e)) if e.offset().is_none() => {
                failures.push(format!("{}: error without offset: {e:?}", c.name))
            }
            Ok(Err(_)) => {}
        }
    }
    assert_all("hostile 'error' cases", cs.len(), &failures);
}

#[test]
fn inputs_that_may_hit_a_limit_load_or_fail_with_limit() {
    let mut failures = Vec::new();
    let cs = with_expect(&["ok-or-limit"]);
    for c in &cs {
        match read_both(&c.name, &c.data, DeOptions::new()) {
            Err(m) => failures.push(m),
            Ok(Ok(_)) => {}
            Ok(Err(e)) if e.category() == Category::Limit => {}
            Ok(Err(e)) => {
                failures.push(format!("{}: expected Ok or a Limit error, got {e:?}", c.name))
            }
        }
    }
    assert_all("hostile 'ok-or-limit' cases", cs.len(), &failures);
}

#[test]
fn inputs_that_must_fail_or_hit_a_limit_fail_with_an_offset() {
    // `error-or-limit` (a PUT index of 20 digits: C raises OverflowError, the
    // pure-Python loader accepts it) and `error-or-ignore` (a FRAME longer than
    // the input: C errors, pure Python tolerates). We follow the C loader.
    let mut failures = Vec::new();
    let cs = with_expect(&["error-or-limit", "error-or-ignore"]);
    for c in &cs {
        match read_both(&c.name, &c.data, DeOptions::new()) {
            Err(m) => failures.push(m),
            Ok(Ok(v)) => {
                failures.push(format!("{}: read as {}, expected an error", c.name, fingerprint(&v)))
            }
            Ok(Err(e)) if e.offset().is_none() => {
                failures.push(format!("{}: error without offset: {e:?}", c.name))
            }
            Ok(Err(_)) => {}
        }
    }
    assert_all("hostile 'error-or-limit'/'error-or-ignore' cases", cs.len(), &failures);
}

#[test]
fn valid_hostile_inputs_read_as_their_symbolic_decode() {
    // `ok` (duplicate dict keys, leftover stack at STOP; trailing garbage is
    // its own test), `ok-shared` (billion laughs: the sharing is kept),
    // `no-exec` (globals are data), `persid(-or-error)` (without a hook).
    let mut failures = Vec::new();
    let cs: Vec<&Case> = with_expect(&["ok", "ok-shared", "no-exec", "persid", "persid-or-error"])
        .into_iter()
        .filter(|c| c.name != "trailing_garbage")
        .collect();
    for c in &cs {
        let Some(exp) = raw_expectation(c) else {
            failures.push(format!("{}: no raw decode in the JSON", c.name));
            continue;
        };
        match read_both(&c.name, &c.data, DeOptions::new()) {
            Err(m) => failures.push(m),
            Ok(Err(e)) => failures.push(format!("{}: {e:?}", c.name)),
            Ok(Ok(v)) => {
                if let Err(m) = compare(&v, &exp, CmpOpts::default()) {
                    failures.push(format!("{} {m}", c.name));
                }
            }
        }
    }
    assert_all("hostile cases with a symbolic decode", cs.len(), &failures);
}

#[test]
fn every_hostile_input_read_into_a_rust_type_finishes_without_panicking() {
    // (The billion laughs read into a generic type stop at the expansion
    // budget after about a million visits: a separate test does one.)
    let mut failures = Vec::new();
    for c in cases() {
        let data = c.data.clone();
        let laughs = c.name.contains("billion_laughs");
        let r = in_thread(&c.name, move || {
            if !laughs {
                let _ = from_slice::<serde_json::Value>(&data);
            }
            let _ = from_slice::<serde::de::IgnoredAny>(&data);
            let _ = from_slice::<Vec<String>>(&data);
        });
        if let Err(m) = r {
            failures.push(m);
        }
    }
    assert_all("hostile inputs into Rust types", cases().len(), &failures);
}

#[test]
fn the_streaming_reader_agrees_with_from_slice_on_every_hostile_input() {
    // Deserializer::from_reader(..).into_iter() reads through IoRead (payloads
    // copied as they arrive), where from_slice and from_reader parse a slice.
    let mut failures = Vec::new();
    for c in cases() {
        let data = c.data.clone();
        let r = in_thread(&c.name, move || {
            let slice = from_slice::<Value>(&data)
                .map(|v| fingerprint(&v))
                .map_err(|e| (e.category(), e.offset()));
            let stream = Deserializer::from_reader(&data[..])
                .into_iter::<Value>()
                .next()
                .map(|r| r.map(|v| fingerprint(&v)).map_err(|e| (e.category(), e.offset())));
            (slice, stream)
        });
        match r {
            Err(m) => failures.push(m),
            Ok((Ok(a), Some(Ok(b)))) if a == b => {}
            // Bytes after STOP: from_slice rejects them, the stream reads the first pickle.
            Ok((Err((Category::Syntax, _)), Some(Ok(_)))) if c.name == "trailing_garbage" => {}
            // A FRAME longer than the input (expect: error-or-ignore): a slice
            // knows the input is shorter and fails like CPython's C loader; a
            // stream cannot know without reading ahead, and ignores the hint
            // like the pure-Python loader.
            Ok((Err((Category::Eof, _)), Some(Ok(_)))) if c.name == "huge_frame_len" => {}
            Ok((Err(a), Some(Err(b)))) if a == b => {}
            Ok((a, b)) => failures.push(format!("{}: from_slice {a:?}, stream {b:?}", c.name)),
        }
    }
    assert_all("hostile inputs through the stream reader", cases().len(), &failures);
}

#[test]
fn billion_laughs_keep_their_sharing_instead_of_expanding() {
    for name in ["memo_billion_laughs", "dup_billion_laughs"] {
        let c = cases().iter().find(|c| c.name == name).expect(name);
        let v: Value = from_slice(&c.data).expect(name);
        let Value::List(items) = v.resolve() else {
            panic!("{name}: not a list: {}", fingerprint(&v))
        };
        assert!(
            items.iter().all(|i| matches!(i, Value::Shared(_))),
            "{name}: the top-level items should be one Shared node referenced several times"
        );
        let Value::Shared(first) = &items[0] else { unreachable!() };
        assert!(items.iter().all(|i| matches!(i, Value::Shared(s) if s.ptr_eq(first))), "{name}");
    }
}

/// Counts the leaves of nested sequences (any depth, no allocation), so that
/// reading it visits every node a shared structure expands to.
struct Leaves(u64);

impl<'de> Deserialize<'de> for Leaves {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Leaves;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("nested lists of str")
            }
            fn visit_str<E>(self, _: &str) -> Result<Leaves, E> {
                Ok(Leaves(1))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Leaves, A::Error> {
                let mut n = 0;
                while let Some(Leaves(k)) = seq.next_element()? {
                    n += k;
                }
                Ok(Leaves(n.max(1)))
            }
        }
        d.deserialize_any(V)
    }
}

#[test]
fn billion_laughs_into_a_rust_type_stop_at_the_expansion_budget() {
    // The budget allows 64 visits per node plus 65,536 (well under a second
    // in a debug build), so one of the two bombs is read this way.
    let name = "memo_billion_laughs";
    let c = cases().iter().find(|c| c.name == name).expect(name);
    let data = c.data.clone();
    let r =
        in_thread(name, move || from_slice::<Leaves>(&data).map(|l| l.0).map_err(|e| e.category()));
    assert_eq!(r, Ok(Err(Category::Limit)), "{name}");
    // Within the budget, the same type reads: 2**10 leaves.
    let mut small = b"\x80\x02]q\x00".to_vec();
    for i in 1..=10u8 {
        small.extend_from_slice(&[b'(', b'h', i - 1, b'h', i - 1, b'l', b'q', i]);
    }
    small.push(b'.');
    assert_eq!(from_slice::<Leaves>(&small).map(|l| l.0).ok(), Some(1024));
}

#[test]
fn reading_bombs_allocates_at_most_a_megabyte() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for c in cases() {
        let bomb = c.name.contains("billion_laughs")
            || c.name.starts_with("huge_")
            || c.name.starts_with("sparse_memo");
        if !bomb {
            continue;
        }
        checked += 1;
        let data = c.data.clone();
        let name = c.name.clone();
        let r = in_thread(&name, move || {
            let (_, slice) = peak_during(|| drop(from_slice::<Value>(&data)));
            let (_, reader) = peak_during(|| drop(from_reader::<_, Value>(&data[..])));
            // The stream iterator reads through a 64 KiB buffer, not the slice path.
            let (_, stream) = peak_during(|| {
                drop(Deserializer::from_reader(&data[..]).into_iter::<Value>().next())
            });
            (slice, reader.max(stream))
        });
        match r {
            Err(m) => failures.push(m),
            // Measured: 20 KB at most (memo_billion_laughs); the bound leaves room
            // for buffers (from_reader's included) but not for any expansion.
            Ok((s, r)) if s > 1 << 20 || r > 1 << 20 => failures.push(format!(
                "{}: peak allocation {s} B (slice) / {r} B (reader) > 1 MiB",
                c.name
            )),
            Ok(_) => {}
        }
    }
    assert_all("bombs under 1 MiB of peak allocation", checked, &failures);
}

#[test]
fn no_exec_inputs_name_their_globals_only_as_global_values() {
    let mut failures = Vec::new();
    let cs = with_expect(&["no-exec"]);
    for c in &cs {
        let listed = listed_globals(c);
        let v: Value = match from_slice(&c.data) {
            Ok(v) => v,
            Err(e) => {
                failures.push(format!("{}: {e:?}", c.name));
                continue;
            }
        };
        let mut found = Vec::new();
        collect_globals(&v, &mut found, 0);
        for g in &found {
            if !listed.contains(g) {
                failures.push(format!(
                    "{}: global {}.{} is not one the pickle names",
                    c.name, g.module, g.name
                ));
            }
        }
    }
    assert_all("no-exec cases", cs.len(), &failures);
}

/// The globals the symbolic decode saw, renamed as CPython does below protocol 3.
fn listed_globals(c: &Case) -> Vec<Global> {
    let proto = protocol_of(&c.data);
    c.meta
        .get("globals")
        .and_then(Json::as_array)
        .map(|gs| {
            gs.iter()
                .map(|g| {
                    let (m, n) = (g[0].as_str().expect("module"), g[1].as_str().expect("name"));
                    let (m, n) = if proto < 3 {
                        Compat::get().map(m, n)
                    } else {
                        (m.to_string(), n.to_string())
                    };
                    Global::new(m, n)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn collect_globals(v: &Value, out: &mut Vec<Global>, depth: usize) {
    if depth > 64 {
        return;
    }
    let all = |vs: &[Value], out: &mut Vec<Global>| {
        vs.iter().for_each(|x| collect_globals(x, out, depth + 1))
    };
    match v {
        Value::Global(g) => out.push(Global::clone(g)),
        Value::List(x) | Value::Tuple(x) | Value::Set(x) | Value::FrozenSet(x) => all(x, out),
        Value::Dict(d) => d.iter().for_each(|(k, x)| {
            collect_globals(k, out, depth + 1);
            collect_globals(x, out, depth + 1);
        }),
        Value::Object(o) => {
            collect_globals(&o.callable, out, depth + 1);
            all(&o.args, out);
            all(&o.state, out);
            all(&o.list_items, out);
            o.dict_items.iter().for_each(|(k, x)| {
                collect_globals(k, out, depth + 1);
                collect_globals(x, out, depth + 1);
            });
        }
        Value::PersistentId(p) => collect_globals(p, out, depth + 1),
        Value::Shared(s) => collect_globals(s.get(), out, depth + 1),
        _ => {}
    }
}

#[test]
fn an_empty_allow_list_rejects_the_first_global_by_name() {
    policy_rejects_first_global(GlobalsPolicy::AllowList(vec![]));
}

#[test]
fn reject_all_rejects_the_first_global_by_name() {
    policy_rejects_first_global(GlobalsPolicy::RejectAll);
}

fn policy_rejects_first_global(policy: GlobalsPolicy) {
    let mut failures = Vec::new();
    let cs = with_expect(&["no-exec"]);
    let opts = DeOptions::new().globals(policy);
    for c in &cs {
        let first = listed_globals(c).into_iter().next().expect("a no-exec case names a global");
        match from_slice_with::<Value>(&c.data, &opts) {
            Ok(v) => failures.push(format!("{}: accepted as {}", c.name, fingerprint(&v))),
            Err(e) => {
                let msg = e.to_string();
                if e.category() != Category::Limit
                    || !msg.contains(&first.module)
                    || !msg.contains(&first.name)
                    || e.offset().is_none()
                {
                    failures.push(format!(
                        "{}: expected a Limit error naming {}.{}, got {e:?}",
                        c.name, first.module, first.name
                    ));
                }
            }
        }
    }
    assert_all("no-exec cases under a rejecting policy", cs.len(), &failures);
}

#[test]
fn an_allow_list_admits_exactly_the_listed_globals() {
    let mut failures = Vec::new();
    let cs = with_expect(&["no-exec"]);
    for c in &cs {
        let listed = listed_globals(c);
        // All listed: the pickle reads.
        let all = DeOptions::new().globals(GlobalsPolicy::AllowList(listed.clone()));
        if let Err(e) = from_slice_with::<Value>(&c.data, &all) {
            failures.push(format!("{}: rejected with every global allowed: {e:?}", c.name));
        }
        // All but the last: the last is named in the error.
        let last = listed.last().expect("a global").clone();
        let fewer: Vec<Global> = listed.iter().filter(|g| **g != last).cloned().collect();
        let opts = DeOptions::new().globals(GlobalsPolicy::AllowList(fewer));
        match from_slice_with::<Value>(&c.data, &opts) {
            Err(e)
                if e.category() == Category::Limit
                    && e.to_string().contains(&format!("{}.{}", last.module, last.name)) => {}
            other => failures.push(format!(
                "{}: expected the rejection of {}.{}, got {:?}",
                c.name,
                last.module,
                last.name,
                other.err()
            )),
        }
    }
    assert_all("allow lists", cs.len(), &failures);
}

#[test]
fn persistent_ids_without_a_hook_read_as_persistent_id_values() {
    for name in ["persid_p0", "binpersid_p1"] {
        let c = cases().iter().find(|c| c.name == name).expect(name);
        let v: Value = from_slice(&c.data).expect(name);
        assert!(
            matches!(&v, Value::PersistentId(p) if matches!(&**p, Value::Str(s) if s == "foo")),
            "{name}: {}",
            fingerprint(&v)
        );
    }
}

#[test]
fn persistent_ids_into_a_rust_type_without_a_hook_are_unsupported() {
    for name in ["persid_p0", "binpersid_p1"] {
        let c = cases().iter().find(|c| c.name == name).expect(name);
        let e = from_slice::<String>(&c.data).unwrap_err();
        assert_eq!(e.category(), Category::Unsupported, "{name}: {e:?}");
    }
}

#[test]
fn the_persistent_load_hook_is_called_with_the_id_and_its_result_used() {
    for name in ["persid_p0", "binpersid_p1"] {
        let c = cases().iter().find(|c| c.name == name).expect(name);
        let seen: Arc<Mutex<Vec<String>>> = Arc::default();
        let log = seen.clone();
        let opts = DeOptions::new().persistent_load(move |pid: &Value| {
            log.lock().unwrap().push(fingerprint(pid));
            Ok(Value::Int(42))
        });
        let v: Value = from_slice_with(&c.data, &opts).expect(name);
        assert!(matches!(v, Value::Int(42)), "{name}: {}", fingerprint(&v));
        assert_eq!(*seen.lock().unwrap(), ["\"foo\""], "{name}");
        // Typed reads see the hook's result too.
        let n: i32 = from_slice_with(&c.data, &opts).expect(name);
        assert_eq!(n, 42);
    }
}

#[test]
fn a_persistent_load_hook_error_fails_the_read() {
    let c = cases().iter().find(|c| c.name == "persid_p0").expect("persid_p0");
    let opts =
        DeOptions::new().persistent_load(|_| Err(serde_pickle::Error::message("no such object")));
    let e = from_slice_with::<Value>(&c.data, &opts).unwrap_err();
    assert!(e.to_string().contains("no such object"), "{e:?}");
    assert!(e.offset().is_some(), "{e:?}");
}

#[test]
fn trailing_garbage_fails_from_slice_and_from_reader_but_the_stream_reads_the_first_pickle() {
    let c = cases().iter().find(|c| c.name == "trailing_garbage").expect("trailing_garbage");
    assert_eq!(c.data, b"N.\x00garbage");
    let e = from_slice::<Value>(&c.data).unwrap_err();
    assert_eq!((e.category(), e.offset()), (Category::Syntax, Some(2)), "{e:?}");
    let e = from_reader::<_, Value>(&c.data[..]).unwrap_err();
    assert_eq!((e.category(), e.offset()), (Category::Syntax, Some(2)), "{e:?}");
    let mut stream = Deserializer::from_slice(&c.data).into_iter::<Value>();
    assert!(matches!(stream.next(), Some(Ok(Value::None))));
    assert_eq!(stream.byte_offset(), 2);
    let mut stream = Deserializer::from_reader(&c.data[..]).into_iter::<Value>();
    assert!(matches!(stream.next(), Some(Ok(Value::None))));
}

// ---------------------------------------------------------------------------
// Truncation and depth
// ---------------------------------------------------------------------------

/// Valid pickles whose every prefix must fail cleanly.
fn truncation_sources() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = ["typed/records.p0.pkl", "typed/records.p5.pkl"]
        .iter()
        .map(|f| (f.to_string(), read(f)))
        .collect();
    for f in [
        "corpus/values/plain_object.p0.pkl",
        "corpus/values/list_mixed.p1.pkl",
        "corpus/values/shared_refs.p2.pkl",
        "corpus/values/datetime_offset.p3.pkl",
        "corpus/values/newargs_ex_object.p4.pkl",
        "corpus/values/dict_mixed_keys.p5.pkl",
        "corpus/py2/py2_oldstyle_instance.p0.cPickle.pkl",
        "corpus/py2/py2_datetime.p0.pickle.pkl",
        "cpython_vectors/canned/DATA0.pkl",
        "cpython_vectors/canned/DATA4.pkl",
    ] {
        v.push((f.to_string(), read(f)));
    }
    v
}

#[test]
fn every_truncation_of_a_valid_pickle_is_an_eof_error_with_an_offset() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, data) in truncation_sources() {
        assert!(from_slice::<Value>(&data).is_ok(), "{name} must be valid");
        for cut in 0..data.len() {
            checked += 1;
            let prefix = &data[..cut];
            for (how, r) in [
                ("slice", from_slice::<Value>(prefix)),
                ("reader", from_reader::<_, Value>(prefix)),
            ] {
                match r {
                    Ok(v) => failures
                        .push(format!("{name}[..{cut}] ({how}): read as {}", fingerprint(&v))),
                    Err(e)
                        if !matches!(e.category(), Category::Eof | Category::Syntax)
                            || e.offset().is_none() =>
                    {
                        failures
                            .push(format!("{name}[..{cut}] ({how}): {e:?} offset {:?}", e.offset()))
                    }
                    Err(_) => {}
                }
            }
        }
    }
    assert_all("truncated pickles", checked, &failures);
}

#[test]
fn every_truncation_into_a_rust_type_is_an_error_too() {
    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Record {
        id: u32,
        name: String,
        score: f64,
        tags: Vec<String>,
        active: bool,
        parent: Option<u32>,
    }
    for f in ["typed/records.p0.pkl", "typed/records.p5.pkl"] {
        let data = read(f);
        assert_eq!(from_slice::<Vec<Record>>(&data).expect(f).len(), 12);
        for cut in 0..data.len() {
            let e = from_slice::<Vec<Record>>(&data[..cut])
                .err()
                .unwrap_or_else(|| panic!("{f}[..{cut}] read"));
            assert_eq!(e.category(), Category::Eof, "{f}[..{cut}]: {e:?}");
            assert!(e.offset().is_some(), "{f}[..{cut}]: {e:?}");
        }
    }
}

#[derive(Deserialize, Debug)]
#[allow(dead_code)]
struct Nest(Vec<Nest>);

#[test]
fn nesting_100k_deep_is_a_limit_error_on_a_2_mib_stack() {
    let c = cases().iter().find(|c| c.name == "deep_nesting_lists_100k").expect("deep nesting");
    let data = c.data.clone();
    let r = in_thread("deep Value", move || {
        from_slice::<Value>(&data).map(|_| ()).map_err(|e| e.category())
    });
    assert_eq!(r, Ok(Err(Category::Limit)), "Value");
    let data = c.data.clone();
    let r = in_thread("deep typed", move || {
        from_slice::<Nest>(&data).map(|_| ()).map_err(|e| e.category())
    });
    assert_eq!(r, Ok(Err(Category::Limit)), "recursive Rust type");
    let data = c.data.clone();
    let r = in_thread("deep reader", move || {
        from_reader::<_, Value>(&data[..]).map(|_| ()).map_err(|e| e.category())
    });
    assert_eq!(r, Ok(Err(Category::Limit)), "from_reader");
}

#[test]
fn nesting_up_to_the_depth_limit_reads() {
    // 1000 nested lists: within the default limit of 1024.
    let depth = 1000;
    let mut data = b"\x80\x02".to_vec();
    data.extend(std::iter::repeat_n(b']', depth));
    data.extend(std::iter::repeat_n(b'a', depth - 1));
    data.push(b'.');
    let d = data.clone();
    let r = in_thread("depth 1000 Value", move || from_slice::<Value>(&d).is_ok());
    assert_eq!(r, Ok(true));
    let r = in_thread("depth 1000 typed", move || from_slice::<Nest>(&data).is_ok());
    assert_eq!(r, Ok(true));
}

#[test]
fn a_million_marks_read_within_limits() {
    let c = cases().iter().find(|c| c.name == "deep_marks_1m").expect("deep marks");
    let data = c.data.clone();
    let r = in_thread("marks", move || match from_slice::<Value>(&data) {
        Ok(Value::None) => Ok(()),
        Ok(v) => Err(fingerprint(&v)),
        Err(e) if e.category() == Category::Limit => Ok(()),
        Err(e) => Err(format!("{e:?}")),
    });
    assert_eq!(r, Ok(Ok(())));
}
