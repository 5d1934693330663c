//! The fast path never answers differently from the VM: every pickle of the
//! corpus (tests/data/corpus, tests/data/cpython_vectors,
//! tests/data/fuzz_corpus, and the CPython pickles of tests/py/gen_fast_path.py)
//! read by every reader, as several shapes, under each `DeOptions`
//! combination, gives the same value or an error of the same category with
//! the fast path on and off.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Debug;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_bytes::ByteBuf;
use serde_json::Value as Json;

use crate::value::{Global, Value};
use crate::{Category, DeOptions, Deserializer, GlobalsPolicy, Py2Strings};

/// Every input: its name and bytes.
fn corpus() -> Vec<(String, Vec<u8>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut out = Vec::new();
    for dir in ["corpus", "cpython_vectors", "fuzz_corpus"] {
        collect(&root.join(dir), &mut out);
    }
    assert!(out.len() > 3000, "only {} corpus files", out.len());
    out.extend(
        generated().into_iter().enumerate().map(|(i, p)| (format!("gen_fast_path #{i}"), p)),
    );
    out
}

fn collect(dir: &Path, out: &mut Vec<(String, Vec<u8>)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("corpus dir").flatten().collect();
    entries.sort_by_key(|e| e.path());
    for e in entries {
        let path = e.path();
        if path.is_dir() {
            collect(&path, out);
            continue;
        }
        let ext = path.extension().and_then(|x| x.to_str()).unwrap_or("");
        if matches!(ext, "json" | "txt") || ext.starts_with("buf") {
            continue;
        }
        let data = std::fs::read(&path).expect("corpus file");
        let name = path.display().to_string();
        if path.components().any(|c| c.as_os_str() == "fuzz_corpus") && !data.is_empty() {
            // The fuzz targets read the input after a configuration byte.
            out.push((format!("{name}[1..]"), data[1..].to_vec()));
        }
        out.push((name, data));
    }
}

/// Pickles CPython writes for plain data (C and pure-Python picklers,
/// `pickletools.optimize`), every protocol.
fn generated() -> Vec<Vec<u8>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/gen_fast_path.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .output()
        .expect("python3 is required for this test (it is the judge of pickle bytes)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).expect("hex lines");
    let pickles: Vec<Vec<u8>> = text.lines().map(unhex).collect();
    assert!(pickles.len() > 1000, "the generator wrote {} pickles", pickles.len());
    pickles
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

/// The option sets compared: the defaults, then one dimension at a time,
/// then all of them together. The allocation limit is 4 MiB throughout, so
/// that the hostile inputs (a billion laughs read as a `serde_json::Value`)
/// stop early on both paths.
fn option_sets() -> Vec<(&'static str, DeOptions)> {
    let base = || DeOptions::new().max_alloc(4 << 20);
    let tight = |o: DeOptions| o.max_depth(6).max_memo(3).max_alloc(2048).max_expansion(1);
    let allow = GlobalsPolicy::AllowList(vec![Global::new("builtins", "set")]);
    let buffers = vec![b"buffer zero".to_vec(), vec![1u8; 64]];
    // The hook hands the id back: the VM imports it again at every
    // BINPERSID, shared nodes kept shared (a fuzz input of DUPs once made
    // that copy double each time: tests/hostile/fuzz_regressions.rs).
    let persid = |o: DeOptions| o.persistent_load(|id| Ok(id.clone()));
    let all = persid(tight(base()))
        .globals(allow.clone())
        .py2_strings(Py2Strings::Bytes)
        .buffers(buffers.clone())
        .reject_cycles(true);
    vec![
        ("defaults", base()),
        ("tight limits", tight(base())),
        ("max_memo 0", base().max_memo(0)),
        ("max_memo 2", base().max_memo(2)),
        ("globals rejected", base().globals(GlobalsPolicy::RejectAll)),
        ("globals allow-listed", base().globals(allow)),
        ("py2 ascii", base().py2_strings(Py2Strings::Ascii)),
        ("py2 bytes", base().py2_strings(Py2Strings::Bytes)),
        ("buffers", base().buffers(buffers)),
        ("persistent ids", persid(base())),
        ("reject_cycles", base().reject_cycles(true)),
        ("all together", all),
    ]
}

/// What a read came to, compared across the two paths: the value (as
/// `key` renders it) or the error's category.
type Outcome = Result<String, Category>;

fn outcome<T>(r: crate::Result<T>, key: &impl Fn(&T) -> String) -> Outcome {
    r.map(|v| key(&v)).map_err(|e| e.category())
}

/// The four readers of one pickle as `T`, with these options.
fn readers<T: DeserializeOwned>(
    data: &[u8],
    opts: &DeOptions,
    key: &impl Fn(&T) -> String,
) -> [(&'static str, Outcome); 4] {
    let stream = |reader: bool| -> Outcome {
        let mut items: Vec<Outcome> = if reader {
            let de = Deserializer::from_reader(data).with_options(opts.clone());
            de.into_iter::<T>().take(3).map(|r| outcome(r, key)).collect()
        } else {
            let de = Deserializer::from_slice(data).with_options(opts.clone());
            de.into_iter::<T>().take(3).map(|r| outcome(r, key)).collect()
        };
        // Only the first item: later ones start wherever the first ended.
        if items.is_empty() {
            return Ok("<end>".into());
        }
        items.swap_remove(0)
    };
    [
        ("from_slice", outcome(crate::from_slice_with::<T>(data, opts), key)),
        ("from_reader", outcome(crate::from_reader_with::<_, T>(data, opts), key)),
        ("stream over a slice", stream(false)),
        ("stream over a reader", stream(true)),
    ]
}

/// Compare the fast path with the VM for every input and option set: with
/// `all_readers`, every reader under the first set; else, and under the
/// others, `from_slice` (the options act on the VM and the fast path alike
/// whatever the source).
fn agree<'a, T: DeserializeOwned>(
    what: &str,
    inputs: impl IntoIterator<Item = &'a (String, Vec<u8>)>,
    sets: &[(&'static str, DeOptions)],
    all_readers: bool,
    key: impl Fn(&T) -> String,
) -> (usize, Vec<String>) {
    let mut read = 0;
    let mut bad = Vec::new();
    for (name, data) in inputs {
        for (i, (set, opts)) in sets.iter().enumerate() {
            let vm_opts = opts.clone().fast_path(false);
            let (fast, vm) = if i == 0 && all_readers {
                (
                    readers::<T>(data, opts, &key).to_vec(),
                    readers::<T>(data, &vm_opts, &key).to_vec(),
                )
            } else {
                let one =
                    |o| vec![("from_slice", outcome(crate::from_slice_with::<T>(data, o), &key))];
                (one(opts), one(&vm_opts))
            };
            for ((how, f), (_, v)) in fast.iter().zip(&vm) {
                read += v.is_ok() as usize;
                if f != v {
                    bad.push(format!("{name} as {what}, {how}, {set}: fast {f:?}, VM {v:?}"));
                }
            }
        }
    }
    (read, bad)
}

fn debug<T: Debug>(v: &T) -> String {
    format!("{v:?}")
}

/// The corpus, read once for all the tests below (they run in parallel).
fn inputs() -> &'static [(String, Vec<u8>)] {
    static INPUTS: std::sync::OnceLock<Vec<(String, Vec<u8>)>> = std::sync::OnceLock::new();
    INPUTS.get_or_init(corpus)
}

/// Fail with the disagreements, and require enough successful reads for
/// the comparison to mean something.
fn require_agreement(what: &str, (read, mut bad): (usize, Vec<String>), min_reads: usize) {
    eprintln!("{what}: {read} successful reads, {} disagreements", bad.len());
    let n = bad.len();
    bad.truncate(200);
    assert!(bad.is_empty(), "{what}: {n} disagreements (first 200):\n{}", bad.join("\n"));
    assert!(read >= min_reads, "{what}: only {read} successful reads");
}

// A `Value` (structurally, sharing included) under every option set, split
// in halves so that the two run side by side.
#[test]
fn value_reads_agree_under_the_first_option_sets() {
    let sets = option_sets();
    let half = sets.len() / 2;
    let r = agree::<Value>("Value", inputs(), &sets[..half], true, |v| format!("{v:?}"));
    require_agreement("Value", r, 20_000);
}

#[test]
fn value_reads_agree_under_the_other_option_sets() {
    let sets = option_sets();
    let half = sets.len() / 2;
    let r = agree::<Value>("Value", inputs(), &sets[half..], false, |v| format!("{v:?}"));
    require_agreement("Value", r, 15_000);
}

// serde_json's Value through every reader under the defaults. The fuzz
// corpus (mostly small inputs that expand up to the limits, which the
// `Value` tests above already read through every reader) only through
// `from_slice`: through all four, it was two thirds of this test's time.
#[test]
fn serde_json_value_reads_agree_through_every_reader() {
    let sets = &option_sets()[..1];
    let (fuzz, rest): (Vec<_>, Vec<_>) =
        inputs().iter().partition(|(name, _)| name.contains("fuzz_corpus"));
    let r = total([
        agree::<Json>("serde_json::Value", rest, sets, true, Json::to_string),
        agree::<Json>("serde_json::Value", fuzz, sets, false, Json::to_string),
    ]);
    require_agreement("serde_json::Value", r, 10_000);
}

/// One shape through `from_slice`, under the defaults.
fn under_defaults<T: DeserializeOwned>(
    what: &str,
    key: impl Fn(&T) -> String,
) -> (usize, Vec<String>) {
    agree::<T>(what, inputs(), &option_sets()[..1], false, key)
}

/// Several comparisons' reads and disagreements together.
fn total(parts: impl IntoIterator<Item = (usize, Vec<String>)>) -> (usize, Vec<String>) {
    parts.into_iter().fold((0, Vec::new()), |(n, mut bad), (m, more)| {
        bad.extend(more);
        (n + m, bad)
    })
}

#[test]
fn container_shapes_agree() {
    let r = total([
        under_defaults::<Vec<Json>>("Vec<Json>", debug),
        under_defaults::<HashMap<String, Json>>("HashMap<String, Json>", |m| {
            debug(&m.iter().collect::<BTreeMap<_, _>>())
        }),
        under_defaults::<(Json, Json)>("(Json, Json)", debug),
        under_defaults::<Vec<Option<String>>>("Vec<Option<String>>", debug),
    ]);
    require_agreement("containers", r, 2_000);
}

#[test]
fn scalar_and_struct_shapes_agree() {
    let r = total([
        under_defaults::<Vec<i64>>("Vec<i64>", debug),
        under_defaults::<Vec<f64>>("Vec<f64>", |v| {
            debug(&v.iter().map(|f| f.to_bits()).collect::<Vec<_>>())
        }),
        under_defaults::<String>("String", debug),
        under_defaults::<ByteBuf>("ByteBuf", debug),
        under_defaults::<Shape>("enum", debug),
        under_defaults::<Vec<Rec>>("Vec<struct>", debug),
    ]);
    require_agreement("scalars and structs", r, 2_000);
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)] // read for Debug
enum Shape {
    Unit,
    Newtype(Json),
    Tuple(i64, String),
    Struct { x: f64, y: Option<i64> },
}

#[derive(serde::Deserialize, Debug)]
#[allow(dead_code)] // read for Debug
struct Rec {
    id: i64,
    name: String,
    tags: Vec<String>,
    score: f64,
}
