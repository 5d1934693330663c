//! `pickletool`, the command-line face of the crate: `dis` agrees with
//! `python -m pickletools`, `json` then `from-json` gives back what CPython
//! pickled, `scan` finds every global and call (also those a pickle hides),
//! and bad input is one line on stderr with the offset and exit status 1,
//! never a panic. The binary exists with the `cli` feature only: these
//! tests run under `cargo test --features cli` (CI: `--all-features`).

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::json;

use crate::support::print::esc;
use crate::support::python::world::{
    self, case, manifest_dir, pickletool, report, table_originals, tool, verify, Orig, PyCase, ALL,
};
use crate::support::python::{judge as python, script};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Exit status, with a check that nothing panicked.
fn status(o: &Output) -> i32 {
    assert!(!stderr(o).contains("panicked"), "pickletool panicked: {}", stderr(o));
    o.status.code().expect("pickletool was killed by a signal")
}

fn files(pattern_dir: &str, keep: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let dir = manifest_dir().join("tests/data").join(pattern_dir);
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.ends_with(".pkl") && keep(&name)
        })
        .collect();
    out.sort();
    assert!(!out.is_empty(), "no pickles in {}", dir.display());
    out
}

fn name(p: &Path) -> String {
    let parent = p.parent().unwrap().file_name().unwrap().to_string_lossy();
    format!("{parent}/{}", p.file_name().unwrap().to_string_lossy())
}

// ---------------------------------------------------------------------------
// dis
// ---------------------------------------------------------------------------

/// Lines with runs of spaces made one: the columns, not the alignment.
fn columns(text: &str) -> Vec<String> {
    text.lines().map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

/// Pickles `pickletools.dis` rejects but `pickletool dis` lists, and why.
const DIS_MORE_LENIENT: &[(&str, &str)] = &[
    ("py2/py2_date.p0.", "a Python 2 STRING with non-ASCII bytes: pickletools insists on ASCII, we show Latin-1 (what pickle.loads(..., encoding='latin1') reads)"),
    ("py2/py2_datetime.p0.", "the same: a datetime's state as a non-ASCII Python 2 STRING"),
    ("py2/py2_str_binary.p0.", "the same: a non-ASCII Python 2 STRING"),
    ("unpickle/test_load_python2_str_as_bytes__000", "the same: a non-ASCII Python 2 STRING"),
    ("unpickle/test_load_global__004", "a GLOBAL name in UTF-8, as CPython's loader reads it; pickletools insists on ASCII"),
];

/// `pickletool dis` prints what `pickletools.dis` prints (offsets, opcode
/// bytes, names, arguments, `(as N)` and `(MARK at N)`), and where
/// pickletools gives up, exits 1 with the same listing up to that point.
#[test]
fn dis_matches_pickletools() {
    // Corpus values at the three encodings (text, binary, framed), every
    // Python 2 pickle, CPython's own unpickling test inputs (many malformed)
    // and the hostile corpus (only disassembled, never loaded).
    let mut all = files("corpus/values", |n| {
        [".p0.pkl", ".p2.pkl", ".p5.pkl"].iter().any(|s| n.ends_with(s))
    });
    all.extend(files("corpus/py2", |_| true));
    all.extend(files("cpython_vectors/unpickle", |_| true));
    // (Not the three hostile files of 100 kB and more: pickletools' output
    // for a million nested MARKs is quadratic. See dis_of_huge_pickles_is_bounded.)
    all.extend(
        files("corpus/hostile", |_| true)
            .into_iter()
            .filter(|p| std::fs::metadata(p).unwrap().len() < 100_000),
    );
    let items: Vec<_> =
        all.iter().map(|p| json!({"id": name(p), "path": p.display().to_string()})).collect();
    let theirs = python(&json!({"op": "dis", "items": items}));
    let mut failures = Vec::new();
    let mut agreed = 0;
    for (path, py) in all.iter().zip(&theirs) {
        let id = name(path);
        let ours = tool(&["dis", &path.display().to_string()], b"");
        let code = status(&ours);
        let lenient = DIS_MORE_LENIENT.iter().any(|(prefix, _)| id.contains(prefix));
        match py["text"].as_str() {
            Some(text) => {
                if code != 0 || columns(&stdout(&ours)) != columns(text) {
                    failures.push(format!(
                        "{id}: exit {code}, stderr {}\n--- ours\n{}--- pickletools\n{text}",
                        stderr(&ours),
                        stdout(&ours)
                    ));
                } else {
                    agreed += 1;
                }
            }
            None if lenient => {
                if code != 0 {
                    failures.push(format!(
                        "{id}: listed as readable but exit {code}: {}",
                        stderr(&ours)
                    ));
                }
            }
            None => {
                // pickletools failed: so do we, after the same partial listing.
                let err = stderr(&ours);
                let partial = py["partial"].as_str().unwrap_or_default();
                if code != 1 || err.lines().count() != 1 || !err.contains("offset") {
                    failures.push(format!(
                        "{id}: pickletools failed ({}), ours: exit {code}, stderr {err:?}",
                        py["error"]
                    ));
                } else if columns(&stdout(&ours)) != columns(partial) {
                    failures.push(format!(
                        "{id}: partial listings differ\n--- ours\n{}--- pickletools\n{partial}",
                        stdout(&ours)
                    ));
                } else {
                    agreed += 1;
                }
            }
        }
    }
    report("dis vs pickletools", all.len(), &failures);
    assert!(agreed > 900, "only {agreed} listings compared");
}

/// `pickletool dis` of a megabyte of nested MARKs and other huge hostile
/// pickles: it finishes, and its output stays proportional to the input.
#[test]
fn dis_of_huge_pickles_is_bounded() {
    let big = files("corpus/hostile", |_| true)
        .into_iter()
        .filter(|p| std::fs::metadata(p).unwrap().len() >= 100_000)
        .collect::<Vec<_>>();
    assert_eq!(big.len(), 3, "{big:?}");
    for path in big {
        let size = std::fs::metadata(&path).unwrap().len() as usize;
        let out = tool(&["dis", &path.display().to_string()], b"");
        let code = status(&out);
        assert!(code == 0 || code == 1, "{}: exit {code}", name(&path));
        assert!(
            out.stdout.len() < 250 * size,
            "{}: {} bytes of listing",
            name(&path),
            out.stdout.len()
        );
    }
}

/// The listing of `x = [1]; pickletools.optimize(pickle.dumps([x, x, (2, 'a')], protocol=4))`.
#[test]
fn dis_shows_offsets_opcodes_memo_indices_and_marks() {
    let bytes =
        b"\x80\x04\x95\x11\x00\x00\x00\x00\x00\x00\x00](]\x94K\x01ah\x00K\x02\x8c\x01a\x86e.";
    let out = tool(&["dis"], bytes);
    assert_eq!(status(&out), 0, "{}", stderr(&out));
    let expected = [
        "    0: \\x80 PROTO      4",
        "    2: \\x95 FRAME      17",
        "   11: ]    EMPTY_LIST",
        "   12: (    MARK",
        "   13: ]        EMPTY_LIST",
        "   14: \\x94     MEMOIZE    (as 0)",
        "   15: K        BININT1    1",
        "   17: a        APPEND",
        "   18: h        BINGET     0",
        "   20: K        BININT1    2",
        "   22: \\x8c     SHORT_BINUNICODE 'a'",
        "   25: \\x86     TUPLE2",
        "   26: e        APPENDS    (MARK at 12)",
        "   27: .    STOP",
        "highest protocol among opcodes = 4",
    ];
    assert_eq!(stdout(&out).lines().collect::<Vec<_>>(), expected);
}

/// Arguments as pickletools shows them: Python reprs of what the opcode
/// decodes to (True for `I01`, a long without its `L`, Python 2 strings as
/// str, raw-unicode-escape decoded, lone surrogates escaped).
#[test]
fn dis_shows_arguments_as_python_reprs() {
    let table: &[(&[u8], &str)] = &[
        (b"I01\n.", "INT True"),
        (b"I00\n.", "INT False"),
        (b"I-12\n.", "INT -12"),
        (b"L12345678901234567890L\n.", "LONG 12345678901234567890"),
        (b"F1\n.", "FLOAT 1.0"),
        (b"F1e300\n.", "FLOAT 1e+300"),
        (b"S'a\\'b\\n'\n.", r#"STRING "a'b\n""#),
        (b"U\x03\xe9\x00\xff.", r"SHORT_BINSTRING 'é\x00ÿ'"),
        (b"Vcaf\xe9 \\u20ac \\ud800\n.", r"UNICODE 'café € \ud800'"),
        (b"X\x03\x00\x00\x00\xed\xa0\x80.", r"BINUNICODE '\ud800'"),
        (b"C\x02\x00\xff.", r"SHORT_BINBYTES b'\x00\xff'"),
        (b"\x96\x01\x00\x00\x00\x00\x00\x00\x00x.", "BYTEARRAY8 bytearray(b'x')"),
        (b"\x8a\x02\xff\x00.", "LONG1 255"),
        (b"G?\xf8\x00\x00\x00\x00\x00\x00.", "BINFLOAT 1.5"),
        (b"cos\nsystem\n.", "GLOBAL 'os system'"),
        (b"(0N.", "POP (MARK at 0)"),
    ];
    let mut failures = Vec::new();
    for (bytes, line) in table {
        let out = tool(&["dis"], bytes);
        let listing = stdout(&out);
        if status(&out) != 0 || !columns(&listing).iter().any(|l| l.ends_with(line)) {
            failures.push(format!(
                "{}: expected a line ending {line:?}, got\n{listing}{}",
                esc(bytes),
                stderr(&out)
            ));
        }
    }
    report("dis arguments", table.len(), &failures);
}

// ---------------------------------------------------------------------------
// json and from-json
// ---------------------------------------------------------------------------

/// Values of every kind for the JSON round trip.
const JSON_CASES: &[PyCase] = &[
    case("None, bools, ints", "[None, True, False, 0, -1, 2**63 - 1, -2**63]"),
    case("big ints", "[2**63, -2**63 - 1, 10**40, -(2**100)]"),
    case("floats", "[0.1, -0.0, float('nan'), float('inf'), float('-inf'), 1e300, 5e-324]"),
    case("complex", "[1+2j, complex(float('nan'), -0.0)]"),
    case("str", "['', 'a', 'caf\\xe9 \\u20ac \\U0001f600', '$not a tag', 'a\\ud800b']"),
    case("bytes and bytearray", "[b'', b'\\x00\\xff', bytearray(b'ab'), bytearray()]"),
    case("tuples", "[(), (1,), (1, (2, 3))]"),
    case("dict with str keys, in order", "{'b': 1, 'a': 2, 'c': {'z': [], 'y': {}}}"),
    case("dict with other keys", "{1: 'a', (1, 2): 'b', None: 'c', '$tag': 'd', b'k': 'e'}"),
    case("set and frozenset", "[{1, 'a'}, frozenset({(1, 2)}), set(), frozenset()]"),
    case("shared list", "objects.shared_list()"),
    case("sharing everywhere", "objects.shared_everywhere()"),
    case("list that contains itself", "objects.self_list()"),
    case("dict that contains itself", "objects.self_dict()"),
    case("instance that refers to itself", "objects.self_instance()"),
    case("dataclass", "objects.Line(objects.Point(1, 2), objects.Point(3, 4), ['t'])"),
    case("plain class", "objects.Plain(a=1, b=[2])"),
    case("getstate with a tuple state", "objects.TupleState(1, 'y')"),
    case("NEWOBJ_EX", "objects.KwOnly(1, b=2)"),
    case("enums", "[objects.Color.RED, objects.Prio.HIGH, objects.Perm.R | objects.Perm.X]"),
    case("named tuples", "[objects.Pair(1, 'b'), objects.Triple(1, 2, 3)]"),
    case("collections", "[collections.OrderedDict(b=1, a=2), collections.Counter('aab'), objects.default_dict(), objects.make_deque(3)]"),
    case("dates and times", "[datetime.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=datetime.timezone.utc), datetime.date(2024, 2, 29), datetime.time(1, 2), datetime.timedelta(days=-1, seconds=5)]"),
    case("decimal, fraction, range", "[decimal.Decimal('-1.50'), decimal.Decimal('NaN'), fractions.Fraction(1, 3), range(1, 10, 2)]"),
    case("globals", "[len, objects.Point, objects.Outer.Inner]"),
    case("exception", "KeyError('k')"),
];

/// `pickletool json`, then `pickletool from-json --protocol N`.
fn json_round_trip(bytes: &[u8], proto: u8) -> Result<Vec<u8>, String> {
    let j = tool(&["json"], bytes);
    if status(&j) != 0 {
        return Err(format!("json: {}", stderr(&j)));
    }
    // The JSON parses, whatever its shape.
    serde_json::from_slice::<serde_json::Value>(&j.stdout)
        .map_err(|e| format!("json printed invalid JSON: {e}"))?;
    let p = proto.to_string();
    let back = tool(&["from-json", "--protocol", &p], &j.stdout);
    if status(&back) != 0 {
        return Err(format!("from-json: {}\n  JSON: {}", stderr(&back), stdout(&j)));
    }
    Ok(back.stdout)
}

/// CPython pickles a value; `json` then `from-json` at every protocol gives
/// a pickle CPython loads to the same value (types, order, sharing, cycles).
#[test]
fn json_then_from_json_round_trips_every_kind() {
    let originals: Vec<Orig> =
        table_originals(JSON_CASES).into_iter().filter(|o| [0, 5].contains(&o.from)).collect();
    let counts = verify("json -> from-json", originals, &ALL, json_round_trip);
    assert_eq!(counts.len(), ALL.len());
}

/// Plain data is plain JSON; what JSON cannot say is a one-key `$` object.
#[test]
fn json_form_of_each_kind() {
    let table: &[(&[u8], serde_json::Value)] = &[
        (b"\x80\x04N.", json!(null)),
        (b"\x80\x04\x88.", json!(true)),
        (b"\x80\x04J\xff\xff\xff\xff.", json!(-1)),
        (b"\x80\x04G?\xf8\x00\x00\x00\x00\x00\x00.", json!(1.5)),
        (b"\x80\x04G\x7f\xf8\x00\x00\x00\x00\x00\x00.", json!({"$float": "nan"})),
        (
            b"\x80\x04\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00\x01.",
            json!({"$int": "18446744073709551616"}),
        ),
        (b"\x80\x04\x8c\x01a.", json!("a")),
        (b"\x80\x04C\x02\x00\xff.", json!({"$bytes": "00ff"})),
        (b"\x80\x04]K\x01a.", json!([1])),
        (b"\x80\x04K\x01\x85.", json!({"$tuple": [1]})),
        (b"\x80\x04\x8f(K\x01\x90.", json!({"$set": [1]})),
        (b"\x80\x04(K\x01\x91.", json!({"$frozenset": [1]})),
        (b"\x80\x04}\x8c\x01kK\x01s.", json!({"k": 1})),
        (b"\x80\x04}K\x01K\x02s.", json!({"$dict": [[1, 2]]})),
        (b"\x80\x04\x8c\x02os\x8c\x06system\x93.", json!({"$global": ["os", "system"]})),
        (b"\x80\x04]\x94(h\x00e.", json!({"$shared": 0, "value": [{"$ref": 0}]})),
        (
            b"\x80\x04\x8c\x08builtins\x8c\x05print\x93)R.",
            json!({"$object": {"kind": "reduce", "callable": {"$global": ["builtins", "print"]},
                   "args": [], "kwargs": null, "state": [], "list_items": [], "dict_items": []}}),
        ),
    ];
    let mut failures = Vec::new();
    for (bytes, expected) in table {
        let out = tool(&["json"], bytes);
        let got: Result<serde_json::Value, _> = serde_json::from_slice(&out.stdout);
        match got {
            Ok(v) if status(&out) == 0 && &v == expected => {}
            _ => failures.push(format!(
                "{}: expected {expected}, got {}{}",
                esc(bytes),
                stdout(&out),
                stderr(&out)
            )),
        }
    }
    report("json forms", table.len(), &failures);
}

/// A dict's JSON object keeps the dict's order, and reads back in it.
#[test]
fn json_keeps_dict_order() {
    // pickletools.optimize(pickle.dumps({'b': 1, 'a': 2}, protocol=4))
    let bytes = b"\x80\x04\x95\x0e\x00\x00\x00\x00\x00\x00\x00}(\x8c\x01bK\x01\x8c\x01aK\x02u.";
    let out = tool(&["json"], bytes);
    let text = stdout(&out);
    assert!(text.find("\"b\"").unwrap() < text.find("\"a\"").unwrap(), "{text}");
    let back = tool(&["from-json", "--protocol", "4"], &out.stdout);
    assert_eq!(status(&back), 0, "{}", stderr(&back));
    assert_eq!(back.stdout, bytes, "{}", esc(&back.stdout));
}

/// Bad JSON: one line on stderr, exit 1.
#[test]
fn from_json_rejects_bad_json_in_one_line() {
    let table: &[&[u8]] = &[
        b"",
        b"{",
        b"[1, 2",
        b"nul",
        b"{\"$nope\": 1}",
        b"{\"$int\": \"12x\"}",
        b"{\"$bytes\": \"abc\"}",
        b"{\"$bytes\": \"zz\"}",
        b"{\"$ref\": 3}",
        b"{\"$object\": {\"kind\": \"call\"}}",
        b"{\"$complex\": [1]}",
        b"{\"$global\": [\"os\"]}",
    ];
    let mut failures = Vec::new();
    for bad in table {
        let out = tool(&["from-json"], bad);
        let err = stderr(&out);
        if status(&out) != 1 || err.lines().count() != 1 || !out.stdout.is_empty() {
            failures.push(format!("{}: exit {:?}, stderr {err:?}", esc(bad), out.status.code()));
        }
    }
    report("bad JSON", table.len(), &failures);
}

// ---------------------------------------------------------------------------
// scan
// ---------------------------------------------------------------------------

/// Hostile pickles written by hand (never loaded in Python): what `scan`
/// must list (global lines and call lines) and its exit status.
pub(crate) const SCAN_CASES: &[(&str, &[u8], &[&str], i32)] = &[
    (
        "os.system called at protocol 0",
        b"cos\nsystem\n(S'echo hi'\ntR.",
        &[
            "pickle 0 offset 0: global os.system  UNSAFE",
            "pickle 0 offset 24: call REDUCE os.system",
        ],
        2,
    ),
    (
        "a call hidden by POP",
        b"cos\nsystem\n(S'echo hi'\ntR0N.",
        &[
            "pickle 0 offset 0: global os.system  UNSAFE",
            "pickle 0 offset 24: call REDUCE os.system",
        ],
        2,
    ),
    (
        "a call hidden in a discarded memo entry, then GET",
        b"cos\nsystem\np0\n0g0\n(S'x'\ntR.",
        &[
            "pickle 0 offset 0: global os.system  UNSAFE",
            "pickle 0 offset 25: call REDUCE os.system",
        ],
        2,
    ),
    (
        "a global never called",
        b"cos\nsystem\n0N.",
        &["pickle 0 offset 0: global os.system  UNSAFE"],
        2,
    ),
    (
        "INST",
        b"(S'x'\nios\nsystem\n.",
        &["pickle 0 offset 6: global os.system  UNSAFE", "pickle 0 offset 6: call INST os.system"],
        2,
    ),
    (
        "OBJ",
        b"(cos\nsystem\nS'x'\no.",
        &["pickle 0 offset 1: global os.system  UNSAFE", "pickle 0 offset 17: call OBJ os.system"],
        2,
    ),
    (
        "NEWOBJ and BUILD",
        b"\x80\x02cobjects\nPoint\n)\x81}b.",
        &[
            "pickle 0 offset 2: global objects.Point  UNSAFE",
            "pickle 0 offset 18: call NEWOBJ objects.Point",
            "pickle 0 offset 20: call BUILD objects.Point",
        ],
        2,
    ),
    (
        "STACK_GLOBAL of builtins.eval",
        b"\x80\x04\x8c\x08builtins\x8c\x04eval\x93\x8c\x011\x85R.",
        &[
            "pickle 0 offset 18: global builtins.eval  UNSAFE",
            "pickle 0 offset 23: call REDUCE builtins.eval",
        ],
        2,
    ),
    (
        "a Python 2 name renamed",
        b"\x80\x02c__builtin__\neval\nX\x01\x00\x00\x001\x85R.",
        &[
            "pickle 0 offset 2: global builtins.eval  UNSAFE",
            "pickle 0 offset 27: call REDUCE builtins.eval",
        ],
        2,
    ),
    (
        "only safe globals: set and OrderedDict",
        b"\x80\x02c__builtin__\nset\n]\x85Rccollections\nOrderedDict\n)R\x86.",
        &[
            "pickle 0 offset 2: global builtins.set",
            "pickle 0 offset 22: global collections.OrderedDict",
            "pickle 0 offset 21: call REDUCE builtins.set",
            "pickle 0 offset 48: call REDUCE collections.OrderedDict",
        ],
        0,
    ),
    (
        "no global at all",
        b"\x80\x05K\x01.",
        &["1 pickles, 0 globals, 0 calls, 0 outside the safe list"],
        0,
    ),
    (
        "a call before a bad byte",
        b"cos\nsystem\n(S'echo hi'\ntR\xff",
        &[
            "pickle 0 offset 0: global os.system  UNSAFE",
            "pickle 0 offset 24: call REDUCE os.system",
        ],
        2,
    ),
];

#[test]
fn scan_lists_every_global_and_call_and_exits_2_outside_the_safe_list() {
    let mut failures = Vec::new();
    for (what, bytes, lines, exit) in SCAN_CASES {
        let out = tool(&["scan"], bytes);
        let code = status(&out);
        let text = stdout(&out);
        let missing: Vec<_> = lines.iter().filter(|l| !text.lines().any(|t| t == **l)).collect();
        if code != *exit || !missing.is_empty() {
            failures.push(format!(
                "{what}: exit {code} (expected {exit}), missing {missing:?} in\n{text}{}",
                stderr(&out)
            ));
        }
    }
    report("scan", SCAN_CASES.len(), &failures);
}

/// Safe data as CPython writes it at every protocol: exit 0.
#[test]
fn scan_exits_0_for_stdlib_data() {
    let cases = [
        case("containers", "[{1}, frozenset({2}), bytearray(b'x'), b'y', 1j, range(3)]"),
        case("collections", "[collections.OrderedDict(a=1), collections.Counter('a'), collections.deque([1]), objects.default_dict()]"),
        case("dates", "[datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc), datetime.date(2024, 1, 1), datetime.time(), datetime.timedelta(1)]"),
        case("numbers", "[decimal.Decimal('1.5'), fractions.Fraction(1, 3), uuid.UUID(int=5)]"),
    ];
    let mut failures = Vec::new();
    let originals = table_originals(&cases);
    for o in &originals {
        let out = tool(&["scan"], &o.bytes);
        if status(&out) != 0 {
            failures.push(format!(
                "{}: exit {:?}\n{}{}",
                o.name,
                out.status.code(),
                stdout(&out),
                stderr(&out)
            ));
        }
    }
    report("scan of safe data", originals.len(), &failures);
}

// ---------------------------------------------------------------------------
// Bad input, stdin
// ---------------------------------------------------------------------------

/// Bad input for every reading command (`dis` too, unless marked).
const BAD_INPUT: &[(&str, &[u8])] = &[
    ("empty", b""),
    ("truncated PROTO", b"\x80"),
    ("no STOP", b"\x80\x05K\x01"),
    ("truncated BINUNICODE", b"\x80\x05X\x05\x00\x00\x00ab"),
    ("garbage", b"garbage"),
    ("unknown opcode", b"\x80\x05\xff."),
    ("unknown opcode first", b"\xfe"),
    ("huge FRAME length", b"\x80\x05\x95\xff\xff\xff\xff\xff\xff\xff\xff"),
    ("huge BINUNICODE8 length", b"\x80\x05\x8d\xff\xff\xff\xff\xff\xff\xff\x7f"),
    ("huge BINBYTES length", b"\x80\x05B\xff\xff\xff\xffab."),
    ("negative BINSTRING length", b"T\xff\xff\xff\xffab."),
    ("stack underflow", b"a."),
    ("memo entry never stored", b"h\x05."),
    ("APPENDS without a MARK", b"]e."),
    ("protocol 6", b"\x80\x06N."),
    ("INT that is not a number", b"I12x\n."),
    ("STRING without quotes", b"Sabc\n."),
];

/// Every reading command: exactly one line on stderr, naming the offset,
/// exit status 1, never a panic.
#[test]
fn bad_input_is_one_line_with_the_offset_and_exit_1() {
    let mut failures = Vec::new();
    let mut n = 0;
    for (what, bytes) in BAD_INPUT {
        for cmd in ["dis", "json", "transcode", "scan"] {
            n += 1;
            let out = tool(&[cmd], bytes);
            let err = stderr(&out);
            let code = status(&out);
            // pickletools (and so `dis`) lists a PROTO 6 without complaint.
            if cmd == "dis" && *what == "protocol 6" {
                assert_eq!(code, 0, "{}", stderr(&out));
                continue;
            }
            if code != 1 || err.lines().count() != 1 || !err.contains("offset") {
                failures
                    .push(format!("{cmd} of {what} ({}): exit {code}, stderr {err:?}", esc(bytes)));
            }
        }
    }
    report("bad input", n, &failures);
}

#[test]
fn dash_and_no_file_read_stdin() {
    // pickletools.optimize(pickle.dumps({'a': (1, 'b')}, protocol=2))
    let bytes = b"\x80\x02}X\x01\x00\x00\x00aK\x01X\x01\x00\x00\x00b\x86s.";
    let dir = world::scratch_dir("stdin");
    let file = dir.join("x.pkl");
    std::fs::write(&file, bytes).unwrap();
    let path = file.display().to_string();
    for cmd in ["dis", "json", "transcode", "scan"] {
        let from_file = tool(&[cmd, &path], b"");
        let from_dash = tool(&[cmd, "-"], bytes);
        let from_stdin = tool(&[cmd], bytes);
        assert_eq!(status(&from_file), 0, "{cmd}: {}", stderr(&from_file));
        assert!(!from_file.stdout.is_empty(), "{cmd} printed nothing");
        assert_eq!(from_dash.stdout, from_file.stdout, "{cmd} -");
        assert_eq!(from_stdin.stdout, from_file.stdout, "{cmd} with no FILE");
    }
    let json = tool(&["json", &path], b"").stdout;
    let json_file = dir.join("x.json");
    std::fs::write(&json_file, &json).unwrap();
    let a = tool(&["from-json", "--protocol", "2", &json_file.display().to_string()], b"");
    let b = tool(&["from-json", "--protocol", "2", "-"], &json);
    let c = tool(&["from-json", "--protocol", "2"], &json);
    assert_eq!(status(&a), 0, "{}", stderr(&a));
    assert_eq!(a.stdout, bytes);
    assert_eq!(b.stdout, bytes);
    assert_eq!(c.stdout, bytes);
    let _ = std::fs::remove_dir_all(dir);
}

/// A missing file, an unknown command, a bad protocol: exit 1, no panic.
#[test]
fn usage_errors_exit_1() {
    let table: &[&[&str]] = &[
        &["dis", "/nonexistent/x.pkl"],
        &["frobnicate"],
        &["transcode", "--protocol", "6"],
        &["transcode", "--protocol"],
        &["dis", "a", "b"],
        &[],
    ];
    for args in table {
        let out = tool(args, b"\x80\x05N.");
        assert_eq!(status(&out), 1, "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}: no message");
    }
    // Asking for help is not an error: the usage on stdout, status 0
    // (tests/pickletool_cli.rs has the rest of the command line).
    let out = tool(&["--help"], b"");
    assert_eq!(status(&out), 0);
    assert!(stdout(&out).contains("Usage"), "{}", stdout(&out));
    let _ = pickletool();
}

/// Every value of the reference corpus (as CPython wrote it at protocol 5)
/// through `json` and `from-json --protocol 5`.
#[test]
fn json_round_trips_the_corpus() {
    let originals: Vec<Orig> = files("corpus/values", |n| n.ends_with(".p5.pkl"))
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            Orig { name, from: 5, source: world::Source::File(path), bytes, encoding: "ASCII" }
        })
        .collect();
    let counts = verify("corpus through json", originals, &[5], json_round_trip);
    assert!(counts[&5] > 130, "{counts:?}");
}

/// An int beyond CPython's 4300-digit limit goes to JSON in hex (decimal
/// conversion is quadratic: a 1 MB int took seconds) and comes back.
#[test]
fn json_of_a_huge_int_is_hex_and_reads_back() {
    let n = 1 << 20;
    let mut pickle = b"\x80\x04\x8b".to_vec(); // PROTO 4, LONG4
    pickle.extend((n as u32).to_le_bytes());
    pickle.extend(std::iter::repeat_n(0x11u8, n));
    pickle.push(b'.');
    let j = tool(&["json"], &pickle);
    assert_eq!(status(&j), 0, "{}", stderr(&j));
    let v: serde_json::Value = serde_json::from_slice(&j.stdout).unwrap();
    let hex = v["$int"].as_str().expect("a $int");
    let py = script(&format!("print(hex(int.from_bytes(b'\\x11' * {n}, 'little')))"), &[]);
    assert_eq!(hex, py);
    let back = tool(&["from-json", "--protocol", "4"], &j.stdout);
    assert_eq!(status(&back), 0, "{}", stderr(&back));
    let a: serde_pickle::Value = serde_pickle::from_slice(&pickle).unwrap();
    let b: serde_pickle::Value = serde_pickle::from_slice(&back.stdout).unwrap();
    assert_eq!(a, b);
}
