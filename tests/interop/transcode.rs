//! Issue 3, "Python's world": whatever CPython pickles, we read into a
//! [`Value`] and write back, at every protocol, and CPython loads the result
//! to the same thing — same types all the way down, equal values (NaN equal
//! to NaN, -0.0 not 0.0), and the same identity structure: an object shared
//! in the original is shared in the same places in ours (`r[0] is r[1]`), and
//! a cycle stays a cycle. `tests/py/judge.py` is the judge and
//! `tests/py/objects.py` holds the classes.
//!
//! Each table row is a Python expression; CPython pickles it at protocols
//! 0-5, and every one of those pickles is transcoded to protocols 0-5:
//! 36 round trips per row through the library (`from_slice::<Value>` then
//! `to_vec_with`), and through `pickletool transcode --protocol N`.

use std::path::PathBuf;

use serde_pickle::{from_slice, to_vec_with, SerOptions, Value};

use crate::support::python::world::{
    self, case, refused_at, table_originals, verify, Orig, PyCase, Source, ALL,
};

// ---------------------------------------------------------------------------
// The tables
// ---------------------------------------------------------------------------

const CLASS_INSTANCES: &[PyCase] = &[
    case("dataclass", "objects.Point(1, 2)"),
    case(
        "dataclass with nested dataclasses",
        "objects.Line(objects.Point(0, 0), objects.Point(-1, 10**20), ['a', b'b'])",
    ),
    case("frozen dataclass", "objects.FrozenPoint(1.5, 'y')"),
    case("dataclass without fields", "objects.Empty()"),
    case("plain class", "objects.Plain(a=1, b='two', c=[3.0], d={'k': (1,)})"),
    case("plain class without attributes", "objects.Plain()"),
    refused_at("__slots__ class", "objects.Slotted(1, [2])", &[0, 1]),
    refused_at("__slots__ class with a slot unset", "objects.Slotted(1)", &[0, 1]),
    refused_at("__slots__ class with a __dict__", "objects.SlottedWithDict(1, extra='e')", &[0, 1]),
    case("__getstate__/__setstate__ with a tuple state", "objects.TupleState(1, [2])"),
    case("__getstate__/__setstate__ with a dict state", "objects.DictState(5)"),
    case("__reduce__ to the class with arguments", "objects.Reduced('a', [1])"),
    case("__getnewargs_ex__ (NEWOBJ_EX)", "objects.KwOnly(1, b='two')"),
    case("nested class", "objects.Outer.Inner(3)"),
    case(
        "list subclass with attributes",
        "(lambda l: (setattr(l, 'tag', 't'), l)[1])(objects.MyList([1, 2]))",
    ),
    case("dict subclass", "objects.MyDict(a=1)"),
    case("empty list subclass", "objects.MyList()"),
    case("empty dict subclass", "objects.MyDict()"),
    case(
        "empty list subclass with attributes",
        "(lambda l: (setattr(l, 'tag', 't'), l)[1])(objects.MyList())",
    ),
    case(
        "empty dict subclass with attributes",
        "(lambda d: (setattr(d, 'tag', 't'), d)[1])(objects.MyDict())",
    ),
    case("Enum member", "objects.Color.RED"),
    case("Enum member with a str value", "objects.Color.GREEN"),
    case("Enum member with a tuple value", "objects.Color.BLUE"),
    case("IntEnum member", "objects.Prio.HIGH"),
    case("Flag combination", "objects.Perm.R | objects.Perm.W"),
    case("Enum members in a list", "[objects.Color.RED, objects.Prio.LOW, objects.Color.RED]"),
    case("typing.NamedTuple", "objects.Pair(1, 'b')"),
    case("collections.namedtuple", "objects.Triple(1, 2.5, None)"),
    case(
        "instances in containers",
        "{'points': [objects.Point(i, -i) for i in range(3)], 'plain': objects.Plain(x=1)}",
    ),
    case("exception", "ValueError('bad', 3)"),
    case(
        "class and function references",
        "[objects.Point, len, collections.OrderedDict, objects.Outer.Inner]",
    ),
];

const DATES_AND_TIMES: &[PyCase] = &[
    case("naive datetime", "datetime.datetime(2024, 2, 29, 13, 14, 15, 161718)"),
    case("datetime in UTC", "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)"),
    case("datetime with a fixed offset", "datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=5, minutes=30)))"),
    case("datetime with a negative named offset", "datetime.datetime(1999, 12, 31, 23, 59, tzinfo=datetime.timezone(datetime.timedelta(hours=-8), 'PST'))"),
    case("datetime with fold=1", "datetime.datetime(2021, 11, 7, 1, 30, fold=1)"),
    case("datetime.min and max", "[datetime.datetime.min, datetime.datetime.max]"),
    case("date", "datetime.date(2024, 2, 29)"),
    case("time", "datetime.time(23, 59, 59, 999999)"),
    case("time with a timezone", "datetime.time(1, 2, tzinfo=datetime.timezone.utc)"),
    case("timedelta", "datetime.timedelta(days=-3, seconds=5, microseconds=7)"),
    case("large timedelta", "datetime.timedelta(days=999999999)"),
    case("timezone", "[datetime.timezone.utc, datetime.timezone(datetime.timedelta(minutes=-90))]"),
    case("dates in a dict", "{datetime.date(2000, 1, 1): datetime.datetime(2000, 1, 1, 12)}"),
];

const NUMBERS: &[PyCase] = &[
    case("Decimal", "decimal.Decimal('3.14')"),
    case("Decimal special values", "[decimal.Decimal('-0'), decimal.Decimal('NaN'), decimal.Decimal('-sNaN'), decimal.Decimal('Infinity'), decimal.Decimal('1E+1000')]"),
    case("Fraction", "[fractions.Fraction(1, 3), fractions.Fraction(-7, 2), fractions.Fraction(10**30, 7)]"),
    case("complex", "[1+2j, complex(-0.0, float('nan')), complex(float('inf'), 0), 0j]"),
    case("big ints", "[2**63 - 1, 2**63, -2**63, -2**63 - 1, 2**64, -2**64, 10**100, -(2**1000), 2**31, -2**31 - 1]"),
    case("small ints", "[0, 1, -1, 255, 256, 65535, 65536, -129]"),
    case("floats", "[-0.0, 0.0, float('nan'), float('inf'), float('-inf'), 5e-324, 1.7976931348623157e308, 0.1]"),
    case("-0.0", "-0.0"),
    case("NaN", "float('nan')"),
    case("bools and None", "[True, False, None]"),
    case("range", "[range(10), range(1, 100, 7), range(-5), range(0, 2**70, 3)]"),
];

const CONTAINERS: &[PyCase] = &[
    case("OrderedDict", "collections.OrderedDict([('b', 1), ('a', collections.OrderedDict(z=[]))])"),
    case("empty OrderedDict", "collections.OrderedDict()"),
    case("Counter", "collections.Counter('abracadabra')"),
    case("defaultdict", "objects.default_dict()"),
    case("defaultdict without a factory", "collections.defaultdict(None, {1: 2})"),
    case("deque", "objects.make_deque()"),
    case("deque with maxlen", "objects.make_deque(maxlen=5)"),
    case("empty deque", "collections.deque()"),
    case("set", "{1, 2, 3, 'a', (1, 2)}"),
    case("empty set", "set()"),
    case("frozenset", "frozenset({1, 'a', (1, 2), frozenset({3})})"),
    case("empty frozenset", "frozenset()"),
    case("set of frozensets", "{frozenset(), frozenset({1})}"),
    case("bytearray", "bytearray(b'abc\\x00\\xff')"),
    case("empty bytearray", "bytearray()"),
    case("bytes", "[b'', b'\\x00', b'\\xff' * 3, bytes(range(256)), b'x' * 300]"),
    case("str", "['', '\\xe9', '\\U0001f600', 'a\\nb\\\\u', 'x' * 300, '\\u20ac']"),
    case("str with a lone surrogate", "'a\\ud800b'"),
    case("tuples", "[(), (1,), (1, 2), (1, 2, 3), (1, 2, 3, 4), ((),)]"),
    case("dict with keys of every hashable kind", "{1: 'i', 'k': 's', b'b': 'b', (1, 'a'): 't', 2.5: 'f', None: 'n', True: 'b', frozenset({1}): 'fs'}"),
    case("nested containers", "{'a': [1, {'b': (2, [3, {4}])}], 'c': {}}"),
    case("long list", "list(range(2500))"),
    case("big dict", "{str(i): i for i in range(1200)}"),
    case("deep nesting", "(lambda: [x := [], [(x := [x]) for _ in range(200)], x][2])()"),
];

const SHARED: &[PyCase] = &[
    case("shared list (x=[1]; [x, x])", "objects.shared_list()"),
    case("sharing across lists, dicts and tuples", "objects.shared_everywhere()"),
    case("shared instance", "objects.shared_instance()"),
    case("shared list in an instance's state", "objects.shared_in_state()"),
    case("shared tuple", "objects.shared_tuple()"),
    case("shared set and bytearray", "objects.shared_set_and_bytearray()"),
    case(
        "shared Decimal and datetime",
        "(lambda d, t: [d, t, d, t])(decimal.Decimal('1.5'), datetime.datetime(2020, 1, 1))",
    ),
    case("shared str", "(lambda s: [s, s, {s: s}])('shared' * 3)"),
];

const CYCLES: &[PyCase] = &[
    case("list that contains itself", "objects.self_list()"),
    case("dict that contains itself", "objects.self_dict()"),
    case("tuple in a list in the tuple", "objects.tuple_cycle()"),
    case("two lists that contain each other", "objects.mutual_lists()"),
    case("instance that refers to itself", "objects.self_instance()"),
    case("dataclass that refers to itself", "objects.self_dataclass()"),
    case("OrderedDict that contains itself", "objects.self_ordered_dict()"),
    case("deque that contains itself", "objects.self_deque()"),
    case("instance cycle through a list", "objects.instance_cycle_through_list()"),
    case("NamedTuple shared with a list", "objects.named_tuple_cycle()"),
];

/// Python 2 pickles written by hand the way CPython 2.7 writes them
/// (loaded in Python 3 with `encoding='latin1'`, as Python 2 data must be).
const PYTHON2_BYTES: &[(&str, &[u8])] = &[
    ("INST of a plain class (protocol 0)", b"(iobjects\nPlain\np0\n(dp1\nS'name'\np2\nS'caf\\xe9'\np3\nsS'n'\np4\nI42\nsb."),
    ("OBJ of a plain class (protocol 1)", b"(cobjects\nPlain\nq\x00oq\x01}q\x02(U\x01aq\x03K\x01U\x01bq\x04]q\x05(K\x02U\x02xyq\x06eub."),
    ("copy_reg._reconstructor (protocol 0)", b"ccopy_reg\n_reconstructor\np0\n(cobjects\nPoint\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nS'x'\np6\nI1\nsS'y'\np7\nL12345678901234567890L\nsb."),
    ("NEWOBJ with str keys (protocol 2)", b"\x80\x02cobjects\nPoint\nq\x00)\x81q\x01}q\x02(U\x01xq\x03K\x01U\x01yq\x04G?\xf8\x00\x00\x00\x00\x00\x00ub."),
    ("STRING, BINSTRING and SHORT_BINSTRING", b"(lp0\nS'a\\'b\\n'\np1\naT\x03\x00\x00\x00\xe9\x00\xffq\x02aU\x00aS\"q\"\na."),
    ("py2 unicode, long and bool", b"(lp0\nVcaf\xe9 \\u20ac\np1\naL-99999999999999999999L\naI01\naI00\naF1.5\na."),
    ("__builtin__ set and xrange (protocol 2)", b"\x80\x02c__builtin__\nset\nq\x00]q\x01(K\x01K\x02e\x85Rq\x02c__builtin__\nxrange\nq\x03K\x00K\x05K\x01\x87Rq\x04\x86."),
    ("shared and recursive (protocol 1)", b"]q\x00(]q\x01K\x01ah\x01h\x00e."),
    ("datetime with a STRING state (protocol 2)", b"\x80\x02cdatetime\ndatetime\nq\x00U\n\x07\xe4\x01\x02\x03\x04\x05\x00\x00\x06\x85Rq\x01."),
];

// ---------------------------------------------------------------------------
// Round trips
// ---------------------------------------------------------------------------

/// Our transcoding of `bytes` at `proto`, through the library.
fn lib_transcode(bytes: &[u8], proto: u8) -> Result<Vec<u8>, String> {
    let value: Value = from_slice(bytes).map_err(|e| format!("reading: {e}"))?;
    to_vec_with(&value, &SerOptions::new().protocol(proto)).map_err(|e| format!("writing: {e}"))
}

/// Our transcoding of `bytes` at `proto`, through `pickletool transcode`.
#[cfg(feature = "cli")]
fn cli_transcode(bytes: &[u8], proto: u8) -> Result<Vec<u8>, String> {
    let p = proto.to_string();
    let out = world::tool(&["transcode", "--protocol", &p], bytes);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "pickletool panicked: {stderr}");
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!("pickletool exit {:?}: {}", out.status.code(), stderr.trim_end()))
    }
}

#[test]
fn class_instances_survive_transcoding_at_every_protocol() {
    let originals = table_originals(CLASS_INSTANCES);
    verify("class instances", originals, &ALL, lib_transcode);
}

#[test]
fn dates_and_times_survive_transcoding_at_every_protocol() {
    verify("dates and times", table_originals(DATES_AND_TIMES), &ALL, lib_transcode);
}

#[test]
fn numbers_survive_transcoding_at_every_protocol() {
    verify("numbers", table_originals(NUMBERS), &ALL, lib_transcode);
}

#[test]
fn containers_survive_transcoding_at_every_protocol() {
    verify("containers", table_originals(CONTAINERS), &ALL, lib_transcode);
}

#[test]
fn shared_references_stay_shared_at_every_protocol() {
    verify("shared references", table_originals(SHARED), &ALL, lib_transcode);
}

#[test]
fn cycles_stay_cycles_at_every_protocol() {
    verify("cycles", table_originals(CYCLES), &ALL, lib_transcode);
}

fn python2_originals() -> Vec<Orig> {
    PYTHON2_BYTES
        .iter()
        .map(|(name, bytes)| {
            let from = if bytes.starts_with(b"\x80\x02") { 2 } else { 0 };
            Orig::bytes(name.to_string(), from, bytes.to_vec(), "latin1")
        })
        .collect()
}

#[test]
fn python2_pickles_survive_transcoding_at_every_protocol() {
    verify("hand-written Python 2 pickles", python2_originals(), &ALL, lib_transcode);
}

// ---------------------------------------------------------------------------
// The reference corpus
// ---------------------------------------------------------------------------

/// Every `.pkl` of `tests/data/corpus/<group>` (variants included).
pub(crate) fn corpus_originals(group: &str, encoding: &'static str) -> Vec<Orig> {
    let dir = world::manifest_dir().join("tests/data/corpus").join(group);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "pkl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no pickles in {}", dir.display());
    files
        .into_iter()
        .map(|path| {
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let name = name.trim_end_matches(".pkl").to_string();
            // `<case>.p<N>[.variant]`
            let from = name
                .split('.')
                .find_map(|part| part.strip_prefix('p').and_then(|n| n.parse().ok()))
                .unwrap_or_else(|| panic!("no protocol in {name}"));
            let bytes = std::fs::read(&path).unwrap();
            Orig { name, from, source: Source::File(path), bytes, encoding }
        })
        .collect()
}

#[test]
fn corpus_values_survive_transcoding_at_every_protocol() {
    let originals = corpus_originals("values", "ASCII");
    verify("corpus/values", originals, &ALL, lib_transcode);
}

#[test]
fn corpus_python2_pickles_survive_transcoding_at_every_protocol() {
    let originals = corpus_originals("py2", "latin1");
    verify("corpus/py2", originals, &ALL, lib_transcode);
}

// ---------------------------------------------------------------------------
// The same through `pickletool transcode`
// ---------------------------------------------------------------------------

#[cfg(feature = "cli")]
#[test]
fn cli_transcode_preserves_every_kind_at_every_protocol() {
    // Every table; originals at protocols 0, 3 and 5 (text, binary, framed),
    // each transcoded to every protocol: one process per round trip.
    let tables = [CLASS_INSTANCES, DATES_AND_TIMES, NUMBERS, CONTAINERS, SHARED, CYCLES];
    let mut originals: Vec<Orig> = tables
        .into_iter()
        .flat_map(table_originals)
        .filter(|o| [0, 3, 5].contains(&o.from))
        .collect();
    originals.extend(python2_originals());
    verify("pickletool transcode", originals, &ALL, cli_transcode);
}
