//! Shared by the reader conformance suites (`corpus_values`, `corpus_hostile`,
//! `cpython_vectors`, `typed_read`): where the vector files are, the typed-JSON
//! encoding of the reference pack turned into an expected value, and a strict
//! structural comparator.
//!
//! The expected value is an [`Exp`]: the same variants as [`Value`] (plus two
//! for semantic encodings), built from the typed JSON of the pack
//! (`gen_corpus.py`'s docstring) the way our VM builds a `Value`:
//!
//! * raw nodes map onto `Value` variants: `global` → `Global` (with CPython's
//!   `_compat_pickle` renames below protocol 3), `reduce`/`newobj`/`newobj_ex`/
//!   `inst` → `Object` of that kind (`build` → `state`, `appends` →
//!   `list_items`, `setitems` → `dict_items`), `persid` → `PersistentId`,
//!   `oob_buffer` → `Buffer`, `py2str` → `Str` (Latin-1, our default) or `Bytes`;
//! * the REDUCEs our VM turns into native values are mapped the same way
//!   (`set`, `frozenset`, `bytearray`, `bytes`, `complex`, `_codecs.encode`,
//!   `copyreg._reconstructor(cls, object, None)`, `copyreg.__newobj__`);
//! * nodes carrying an `"id"` (objects reachable more than once) become
//!   [`Exp::Shared`], and `{"t":"ref"}` points to the same node, so sharing and
//!   cycles are compared by structure.
//!
//! The comparator does not use `Value`'s `PartialEq`: it is type-exact (an
//! `Int` is not a `BigInt` or a `Bool`, floats compare by bits), and it pairs
//! `Shared` pointers (actual ↔ expected) so that a cycle terminates and a
//! shared node must be shared in the same places on both sides. Sets compare
//! regardless of order; dicts in order unless asked otherwise.

#![allow(dead_code)]

use std::cell::OnceCell;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::OnceLock;

use serde_json::Value as Json;
use serde_pickle::value::{BigInt, ObjectKind};
use serde_pickle::Value;

// ---------------------------------------------------------------------------
// Files
// ---------------------------------------------------------------------------

/// `tests/data`, where the vector files copied from the reference pack live.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests").join("data")
}

/// Bytes of a file under `tests/data`.
pub fn read(rel: &str) -> Vec<u8> {
    let path = data_dir().join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A JSON file under `tests/data`.
///
/// Parsed here rather than by `serde_json::from_slice`, whose nesting limit
/// (128) is below the depth of the corpus' 100-deep lists and 50-deep dicts.
pub fn json(rel: &str) -> Json {
    parse_json(&read(rel), rel)
}

/// Parse JSON text (`what` names it in errors).
pub fn parse_json(bytes: &[u8], what: &str) -> Json {
    let mut p = JsonParser { b: bytes, i: 0 };
    let v = p.value().unwrap_or_else(|e| panic!("{what} is not JSON: {e} at byte {}", p.i));
    p.ws();
    assert!(p.i == bytes.len(), "{what}: trailing data after JSON");
    v
}

struct JsonParser<'a> {
    b: &'a [u8],
    i: usize,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && self.b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Result<(), String> {
        self.ws();
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            Ok(())
        } else {
            Err(format!("expected {:?}", c as char))
        }
    }

    fn value(&mut self) -> Result<Json, String> {
        self.ws();
        match self.b.get(self.i).copied() {
            Some(b'{') => {
                self.i += 1;
                let mut m = serde_json::Map::new();
                self.ws();
                if self.b.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Object(m));
                }
                loop {
                    self.ws();
                    let k = self.string()?;
                    self.eat(b':')?;
                    let v = self.value()?;
                    m.insert(k, v);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Object(m));
                        }
                        _ => return Err("expected , or }".into()),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut a = Vec::new();
                self.ws();
                if self.b.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::Array(a));
                }
                loop {
                    a.push(self.value()?);
                    self.ws();
                    match self.b.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::Array(a));
                        }
                        _ => return Err("expected , or ]".into()),
                    }
                }
            }
            Some(b'"') => Ok(Json::String(self.string()?)),
            Some(b't') => self.word("true", Json::Bool(true)),
            Some(b'f') => self.word("false", Json::Bool(false)),
            Some(b'n') => self.word("null", Json::Null),
            Some(_) => self.number(),
            None => Err("unexpected end".into()),
        }
    }

    fn word(&mut self, w: &str, v: Json) -> Result<Json, String> {
        if self.b[self.i..].starts_with(w.as_bytes()) {
            self.i += w.len();
            Ok(v)
        } else {
            Err(format!("expected {w}"))
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        while self.i < self.b.len()
            && matches!(self.b[self.i], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        {
            self.i += 1;
        }
        let t = std::str::from_utf8(&self.b[start..self.i]).map_err(|e| e.to_string())?;
        if let Ok(u) = t.parse::<u64>() {
            return Ok(Json::from(u));
        }
        if let Ok(i) = t.parse::<i64>() {
            return Ok(Json::from(i));
        }
        let f: f64 = t.parse().map_err(|_| format!("bad number {t:?}"))?;
        Ok(Json::from(f))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let h = self.b.get(self.i..self.i + 4).ok_or("short \\u escape")?;
        self.i += 4;
        u32::from_str_radix(std::str::from_utf8(h).map_err(|e| e.to_string())?, 16)
            .map_err(|e| e.to_string())
    }

    fn string(&mut self) -> Result<String, String> {
        if self.b.get(self.i) != Some(&b'"') {
            return Err("expected a string".into());
        }
        self.i += 1;
        let mut out: Vec<u8> = Vec::new();
        loop {
            let c = *self.b.get(self.i).ok_or("unterminated string")?;
            self.i += 1;
            match c {
                b'"' => return String::from_utf8(out).map_err(|e| e.to_string()),
                b'\\' => {
                    let e = *self.b.get(self.i).ok_or("unterminated escape")?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xD800..0xDC00).contains(&hi)
                                && self.b[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                } else {
                                    self.i = save;
                                    hi
                                }
                            } else {
                                hi
                            };
                            char::from_u32(cp).unwrap_or('\u{fffd}')
                        }
                        other => return Err(format!("bad escape {:?}", other as char)),
                    };
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
                c => out.push(c),
            }
        }
    }
}

/// Sorted file names (not paths) in a directory under `tests/data` ending in `suffix`.
pub fn list(dir: &str, suffix: &str) -> Vec<String> {
    let path = data_dir().join(dir);
    let mut names: Vec<String> = std::fs::read_dir(&path)
        .unwrap_or_else(|e| panic!("cannot list {}: {e}", path.display()))
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(suffix))
        .collect();
    names.sort();
    names
}

pub fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

/// The protocol a pickle declares with a leading PROTO opcode (0 without one).
pub fn protocol_of(data: &[u8]) -> u8 {
    match data {
        [0x80, p, ..] => *p,
        _ => 0,
    }
}

/// Report every failure of a table-driven test in one assertion.
pub fn assert_all(what: &str, checked: usize, failures: &[String]) {
    assert!(checked > 0, "{what}: no vectors were checked");
    if !failures.is_empty() {
        panic!("{what}: {} of {checked} failed:\n  - {}", failures.len(), failures.join("\n  - "));
    }
}

/// Run `f` on a thread with the default 2 MiB stack and fail if it panics or
/// does not finish within `secs` seconds.
pub fn in_thread<T: Send + 'static>(
    name: &str,
    secs: u64,
    f: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let handle = std::thread::Builder::new()
        .name(name.to_string())
        .stack_size(2 << 20)
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("spawn");
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(v) => {
            let _ = handle.join();
            Ok(v)
        }
        Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
            Err(format!("{name}: did not finish in {secs} s"))
        }
        Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Err(format!("{name}: panicked")),
    }
}

// ---------------------------------------------------------------------------
// Python 2 -> 3 renames (CPython's _compat_pickle, applied below protocol 3)
// ---------------------------------------------------------------------------

pub struct Compat {
    names: HashMap<(String, String), (String, String)>,
    modules: HashMap<String, String>,
}

impl Compat {
    pub fn get() -> &'static Compat {
        static C: OnceLock<Compat> = OnceLock::new();
        C.get_or_init(|| {
            let j = json("compat_pickle_mapping.json");
            let s = |v: &Json| v.as_str().expect("str").to_string();
            let names = j["NAME_MAPPING"]
                .as_array()
                .expect("NAME_MAPPING")
                .iter()
                .map(|e| ((s(&e[0][0]), s(&e[0][1])), (s(&e[1][0]), s(&e[1][1]))))
                .collect();
            let modules = j["IMPORT_MAPPING"]
                .as_object()
                .expect("IMPORT_MAPPING")
                .iter()
                .map(|(k, v)| (k.clone(), s(v)))
                .collect();
            Compat { names, modules }
        })
    }

    /// `Unpickler.find_class`'s renaming with `fix_imports=True`.
    pub fn map(&self, module: &str, name: &str) -> (String, String) {
        if let Some((m, n)) = self.names.get(&(module.to_string(), name.to_string())) {
            return (m.clone(), n.clone());
        }
        match self.modules.get(module) {
            Some(m) => (m.clone(), name.to_string()),
            None => (module.to_string(), name.to_string()),
        }
    }
}

// ---------------------------------------------------------------------------
// Expected values
// ---------------------------------------------------------------------------

/// An expected value: `Value`'s variants, with `Shared` as an `Rc`.
pub enum Exp {
    None,
    Bool(bool),
    Int(i64),
    BigInt(BigInt),
    /// IEEE-754 bits.
    Float(u64),
    Complex(u64, u64),
    Str(String),
    SurrogateStr(Vec<u8>),
    Bytes(Vec<u8>),
    ByteArray(Vec<u8>),
    List(Vec<Exp>),
    Tuple(Vec<Exp>),
    Dict(Vec<(Exp, Exp)>),
    Set(Vec<Exp>),
    FrozenSet(Vec<Exp>),
    Global(String, String),
    Object(Box<ExpObject>),
    Buffer {
        index: usize,
        readonly: bool,
    },
    PersistentId(Box<Exp>),
    Shared(SharedExp),
    /// Semantic only (`{"t":"object","class":..,"dict":..}`): any `Object` of
    /// that class whose last `BUILD` state is this dict.
    Instance {
        class: String,
        dict: Vec<(Exp, Exp)>,
    },
    /// Something the reader cannot produce (the reason); never matches.
    Invalid(String),
}

pub struct ExpObject {
    pub kind: ObjectKind,
    pub callable: Exp,
    pub args: Vec<Exp>,
    pub kwargs: Option<Vec<(Exp, Exp)>>,
    pub state: Vec<Exp>,
    pub list_items: Vec<Exp>,
    pub dict_items: Vec<(Exp, Exp)>,
}

impl ExpObject {
    fn new(kind: ObjectKind, callable: Exp, args: Vec<Exp>) -> Self {
        ExpObject {
            kind,
            callable,
            args,
            kwargs: None,
            state: Vec::new(),
            list_items: Vec::new(),
            dict_items: Vec::new(),
        }
    }
}

#[derive(Clone)]
pub struct SharedExp(Rc<OnceCell<Exp>>);

impl SharedExp {
    fn get(&self) -> &Exp {
        static INVALID: &str = "unset shared node";
        self.0.get().unwrap_or_else(|| panic!("{INVALID}"))
    }

    fn ptr(&self) -> usize {
        Rc::as_ptr(&self.0) as usize
    }
}

/// How Python 2 `str` (`py2str`) payloads are expected to read.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Py2 {
    Latin1,
    Bytes,
}

/// Converts typed JSON into an [`Exp`].
pub struct Conv<'j> {
    proto: u8,
    py2: Py2,
    index: HashMap<u64, &'j Json>,
    made: HashMap<u64, SharedExp>,
}

/// The expected value for a typed-JSON node (raw or semantic encoding) of a
/// pickle whose protocol is `proto`.
pub fn expected(j: &Json, proto: u8, py2: Py2) -> Exp {
    let mut c = Conv { proto, py2, index: HashMap::new(), made: HashMap::new() };
    c.collect_ids(j);
    c.conv(j)
}

fn tag(j: &Json) -> &str {
    j.get("t").and_then(Json::as_str).unwrap_or("?")
}

fn items(j: &Json) -> &[Json] {
    j.get("items").and_then(Json::as_array).map(Vec::as_slice).unwrap_or(&[])
}

fn float_bits(j: &Json) -> u64 {
    u64::from_str_radix(j["bits"].as_str().expect("float bits"), 16).expect("float bits hex")
}

impl<'j> Conv<'j> {
    fn collect_ids(&mut self, j: &'j Json) {
        let mut work = vec![j];
        while let Some(j) = work.pop() {
            match j {
                Json::Object(m) => {
                    if let (Some(id), false) = (m.get("id").and_then(Json::as_u64), tag(j) == "ref")
                    {
                        self.index.insert(id, j);
                    }
                    work.extend(m.values());
                }
                Json::Array(a) => work.extend(a.iter()),
                _ => {}
            }
        }
    }

    /// Follow a `ref` to the node it names.
    fn resolve(&self, j: &'j Json) -> &'j Json {
        if tag(j) == "ref" {
            let id = j["id"].as_u64().expect("ref id");
            return self
                .index
                .get(&id)
                .copied()
                .unwrap_or_else(|| panic!("ref to unknown id {id}"));
        }
        j
    }

    fn shared(&mut self, id: u64) -> SharedExp {
        if let Some(s) = self.made.get(&id) {
            return s.clone();
        }
        let s = SharedExp(Rc::new(OnceCell::new()));
        self.made.insert(id, s.clone());
        let node = *self.index.get(&id).unwrap_or_else(|| panic!("no node with id {id}"));
        let e = self.inner(node);
        let _ = s.0.set(e);
        s
    }

    pub fn conv(&mut self, j: &'j Json) -> Exp {
        if tag(j) == "ref" {
            return Exp::Shared(self.shared(j["id"].as_u64().expect("ref id")));
        }
        if let Some(id) = j.get("id").and_then(Json::as_u64) {
            return Exp::Shared(self.shared(id));
        }
        self.inner(j)
    }

    fn all(&mut self, js: &'j [Json]) -> Vec<Exp> {
        js.iter().map(|j| self.conv(j)).collect()
    }

    fn pairs(&mut self, js: &'j [Json]) -> Vec<(Exp, Exp)> {
        js.iter().map(|p| (self.conv(&p[0]), self.conv(&p[1]))).collect()
    }

    fn global_name(&self, j: &'j Json) -> Option<(String, String)> {
        let g = self.resolve(j);
        if tag(g) != "global" {
            return None;
        }
        let (m, n) = (g["module"].as_str()?, g["name"].as_str()?);
        Some(if self.proto < 3 { Compat::get().map(m, n) } else { (m.to_string(), n.to_string()) })
    }

    fn inner(&mut self, j: &'j Json) -> Exp {
        let hexf = |k: &str| hex(j[k].as_str().unwrap_or_else(|| panic!("{k}")));
        match tag(j) {
            "none" => Exp::None,
            "bool" => Exp::Bool(j["v"].as_bool().expect("bool")),
            "int" => {
                let s = j["v"].as_str().expect("int digits");
                match s.parse::<i64>() {
                    Ok(v) => Exp::Int(v),
                    Err(_) => Exp::BigInt(s.parse().expect("big int digits")),
                }
            }
            "float" => Exp::Float(float_bits(j)),
            "complex" => Exp::Complex(float_bits(&j["real"]), float_bits(&j["imag"])),
            "str" => match j.get("v").and_then(Json::as_str) {
                Some(s) => Exp::Str(s.to_string()),
                None => Exp::SurrogateStr(hexf("utf8_surrogatepass_hex")),
            },
            "bytes" => Exp::Bytes(hexf("hex")),
            "bytearray" => Exp::ByteArray(hexf("hex")),
            "py2str" => match self.py2 {
                Py2::Latin1 => Exp::Str(hexf("hex").iter().map(|&b| b as char).collect()),
                Py2::Bytes => Exp::Bytes(hexf("hex")),
            },
            "tuple" => Exp::Tuple(self.all(items(j))),
            "list" => Exp::List(self.all(items(j))),
            "set" => Exp::Set(self.all(items(j))),
            "frozenset" => Exp::FrozenSet(self.all(items(j))),
            "dict" => Exp::Dict(self.pairs(items(j))),
            "global" => {
                let (m, n) = self.global_name(j).expect("global");
                Exp::Global(m, n)
            }
            "reduce" => self.reduce(j),
            "newobj" | "newobj_ex" | "inst" => {
                let kind = match tag(j) {
                    "newobj" => ObjectKind::NewObj,
                    "newobj_ex" => ObjectKind::NewObjEx,
                    _ => ObjectKind::Inst,
                };
                let callable = self.conv(&j["cls"]);
                // INST/OBJ arguments are encoded as a plain JSON array, the others as a tuple node.
                let args = match j["args"].as_array() {
                    Some(a) => self.all(a),
                    None => self.args(&j["args"]),
                };
                let mut o = ExpObject::new(kind, callable, args);
                if kind == ObjectKind::NewObjEx {
                    let kw = self.resolve(&j["kwargs"]);
                    o.kwargs = Some(self.pairs(items(kw)));
                }
                self.mutations(j, o)
            }
            "persid" => Exp::PersistentId(Box::new(self.conv(&j["pid"]))),
            "oob_buffer" => Exp::Buffer {
                index: j["index"].as_u64().expect("index") as usize,
                readonly: j["readonly"].as_bool().expect("readonly"),
            },
            "object" => match (j.get("class").and_then(Json::as_str), j.get("dict")) {
                (Some(class), dict) => {
                    let dict =
                        dict.and_then(Json::as_array).map(|d| self.pairs(d)).unwrap_or_default();
                    Exp::Instance { class: class.to_string(), dict }
                }
                _ => Exp::Invalid("object node without a class".into()),
            },
            other => Exp::Invalid(format!("typed-JSON node {other:?} has no Value counterpart")),
        }
    }

    /// A `tuple` node's items (args of a call), through a `ref`.
    fn args(&mut self, j: &'j Json) -> Vec<Exp> {
        let t = self.resolve(j);
        self.all(items(t))
    }

    /// `build`/`appends`/`setitems`/`additems` of a raw node, onto an object.
    fn mutations(&mut self, j: &'j Json, mut o: ExpObject) -> Exp {
        if j.get("additems").is_some() {
            return Exp::Invalid("ADDITEMS on an object (our VM rejects it)".into());
        }
        if let Some(b) = j.get("build").and_then(Json::as_array) {
            o.state = self.all(b);
        }
        if let Some(a) = j.get("appends").and_then(Json::as_array) {
            o.list_items = self.all(a);
        }
        if let Some(s) = j.get("setitems").and_then(Json::as_array) {
            o.dict_items = self.pairs(s);
        }
        Exp::Object(Box::new(o))
    }

    /// A `reduce` node: the known globals become native values (as in
    /// `src/vm/known.rs`), anything else an `Object` of kind `Reduce`.
    fn reduce(&mut self, j: &'j Json) -> Exp {
        if let Some(native) = self.known_reduce(j) {
            let mutated =
                ["build", "appends", "setitems", "additems"].iter().any(|k| j.get(*k).is_some());
            return match native {
                Exp::Object(o) => self.mutations(j, *o),
                _ if mutated => Exp::Invalid("BUILD/APPEND/SETITEM on a native value".into()),
                e => e,
            };
        }
        let callable = self.conv(&j["func"]);
        let args = self.args(&j["args"]);
        self.mutations(j, ExpObject::new(ObjectKind::Reduce, callable, args))
    }

    fn known_reduce(&mut self, j: &'j Json) -> Option<Exp> {
        let (m, n) = self.global_name(&j["func"])?;
        let args_node = self.resolve(&j["args"]);
        if tag(args_node) != "tuple" {
            return None;
        }
        let a = items(args_node);
        // The encoding argument: a str, or a Python 2 str unless those read as
        // bytes (Python 2 pickles bytearray as `bytearray(u'...', 'latin-1')`).
        let str_in = |c: &Self, j: &Json, options: &[&str]| {
            let j = c.resolve(j);
            match tag(j) {
                "str" => j.get("v").and_then(Json::as_str).is_some_and(|s| options.contains(&s)),
                "py2str" if c.py2 == Py2::Latin1 => {
                    let b = hex(j["hex"].as_str().unwrap_or(""));
                    options.iter().any(|o| o.as_bytes() == b)
                }
                _ => false,
            }
        };
        let latin1 = |c: &Self, j: &Json| -> Option<Vec<u8>> {
            let j = c.resolve(j);
            if tag(j) != "str" {
                return None;
            }
            j.get("v")?.as_str()?.chars().map(|ch| u8::try_from(ch as u32).ok()).collect()
        };
        Some(match (m.as_str(), n.as_str(), a.len()) {
            ("builtins", "set", 0) => Exp::Set(Vec::new()),
            ("builtins", "frozenset", 0) => Exp::FrozenSet(Vec::new()),
            ("builtins", "set" | "frozenset", 1) => {
                let src = self.resolve(&a[0]);
                if !matches!(tag(src), "list" | "tuple" | "set" | "frozenset") {
                    return None;
                }
                let children = self.all(items(src));
                if n == "set" {
                    Exp::Set(children)
                } else {
                    Exp::FrozenSet(children)
                }
            }
            ("builtins", "bytearray", 0) => Exp::ByteArray(Vec::new()),
            ("builtins", "bytes", 0) => Exp::Bytes(Vec::new()),
            ("builtins", "bytearray" | "bytes", 1) => {
                let src = self.conv(&a[0]);
                let b = match unshared(&src) {
                    Exp::Bytes(b) | Exp::ByteArray(b) => b.clone(),
                    _ => return None,
                };
                if n == "bytearray" {
                    Exp::ByteArray(b)
                } else {
                    Exp::Bytes(b)
                }
            }
            ("builtins", "bytearray", 2) if str_in(self, &a[1], &["latin-1", "latin1"]) => {
                Exp::ByteArray(latin1(self, &a[0])?)
            }
            ("_codecs", "encode", 2) if str_in(self, &a[1], &["latin1", "latin-1"]) => {
                Exp::Bytes(latin1(self, &a[0])?)
            }
            ("builtins", "complex", 1 | 2) => {
                let num = |c: &Self, j: &Json| -> Option<f64> {
                    let j = c.resolve(j);
                    match tag(j) {
                        "float" => Some(f64::from_bits(float_bits(j))),
                        "int" => j["v"].as_str()?.parse::<i64>().ok().map(|i| i as f64),
                        "bool" => Some(j["v"].as_bool()? as u8 as f64),
                        _ => None,
                    }
                };
                let re = num(self, &a[0])?;
                let im = if a.len() == 2 { num(self, &a[1])? } else { 0.0 };
                Exp::Complex(re.to_bits(), im.to_bits())
            }
            ("copyreg", "_reconstructor", 3) => {
                let base = self.global_name(&a[1]);
                let plain = base.as_ref().is_some_and(|(m, n)| m == "builtins" && n == "object")
                    && tag(self.resolve(&a[2])) == "none";
                if !plain {
                    return None;
                }
                let cls = self.conv(&a[0]);
                Exp::Object(Box::new(ExpObject::new(ObjectKind::NewObj, cls, Vec::new())))
            }
            ("copyreg", "__newobj__", k) if k >= 1 => {
                let cls = self.conv(&a[0]);
                let rest = self.all(&a[1..]);
                Exp::Object(Box::new(ExpObject::new(ObjectKind::NewObj, cls, rest)))
            }
            _ => return None,
        })
    }
}

fn unshared(e: &Exp) -> &Exp {
    match e {
        Exp::Shared(s) => unshared(s.get()),
        e => e,
    }
}

// ---------------------------------------------------------------------------
// Comparison
// ---------------------------------------------------------------------------

/// How [`compare`] treats dicts and globals.
#[derive(Clone, Copy, Default)]
pub struct CmpOpts {
    /// Dicts equal regardless of order (CPython's DATA3/DATA4 vs `create_data()`).
    pub unordered_dicts: bool,
}

/// Compare a value read by the crate with an expectation; `Err` describes the
/// first difference and where it is.
pub fn compare(actual: &Value, expected: &Exp, opts: CmpOpts) -> Result<(), String> {
    let mut c = Cmp { opts, a2e: HashMap::new(), e2a: HashMap::new() };
    c.cmp(actual, expected).map_err(|m| format!("at root{m}"))
}

struct Cmp {
    opts: CmpOpts,
    a2e: HashMap<usize, usize>,
    e2a: HashMap<usize, usize>,
}

/// Expected kinds whose identity does not matter: atoms (the reader never
/// shares them, though the typed JSON marks a raw `global` node reached twice)
/// and the empty tuple/frozenset (never marked shared by the typed JSON,
/// though a pickle may GET them from the memo).
fn untracked(e: &Exp) -> bool {
    match e {
        Exp::None
        | Exp::Bool(_)
        | Exp::Int(_)
        | Exp::BigInt(_)
        | Exp::Float(_)
        | Exp::Complex(..)
        | Exp::Str(_)
        | Exp::SurrogateStr(_)
        | Exp::Bytes(_)
        | Exp::Global(..)
        | Exp::Buffer { .. } => true,
        Exp::Tuple(v) | Exp::FrozenSet(v) => v.is_empty(),
        _ => false,
    }
}

/// Values the reader never wraps in `Shared`: a str, int or global referenced
/// twice is just the same value twice.
fn atom(v: &Value) -> bool {
    matches!(
        v,
        Value::None
            | Value::Bool(_)
            | Value::Int(_)
            | Value::BigInt(_)
            | Value::Float(_)
            | Value::Complex(..)
            | Value::Str(_)
            | Value::SurrogateStr(_)
            | Value::Bytes(_)
            | Value::Global(_)
            | Value::Buffer { .. }
    )
}

fn short(s: String) -> String {
    if s.len() > 200 {
        let mut end = 200;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &s[..end])
    } else {
        s
    }
}

fn diff(a: &Value, e: &Exp) -> String {
    format!(": got {}, expected {}", short(fp_value(a)), short(fp_exp(e)))
}

impl Cmp {
    fn seq(&mut self, a: &[Value], e: &[Exp], what: &str) -> Result<(), String> {
        if a.len() != e.len() {
            return Err(format!(".{what}: length {} != expected {}", a.len(), e.len()));
        }
        for (i, (x, y)) in a.iter().zip(e).enumerate() {
            self.cmp(x, y).map_err(|m| format!(".{what}[{i}]{m}"))?;
        }
        Ok(())
    }

    fn unordered(&mut self, a: &[Value], e: &[Exp], what: &str) -> Result<(), String> {
        if a.len() != e.len() {
            return Err(format!(".{what}: length {} != expected {}", a.len(), e.len()));
        }
        let mut a: Vec<(String, &Value)> = a.iter().map(|v| (fp_value(v), v)).collect();
        let mut e: Vec<(String, &Exp)> = e.iter().map(|v| (fp_exp(v), v)).collect();
        a.sort_by(|x, y| x.0.cmp(&y.0));
        e.sort_by(|x, y| x.0.cmp(&y.0));
        for (i, ((_, x), (_, y))) in a.iter().zip(&e).enumerate() {
            self.cmp(x, y).map_err(|m| format!(".{what}{{sorted #{i}}}{m}"))?;
        }
        Ok(())
    }

    fn pairs(&mut self, a: &[(Value, Value)], e: &[(Exp, Exp)], what: &str) -> Result<(), String> {
        if a.len() != e.len() {
            return Err(format!(".{what}: {} entries != expected {}", a.len(), e.len()));
        }
        let mut a: Vec<&(Value, Value)> = a.iter().collect();
        let mut e: Vec<&(Exp, Exp)> = e.iter().collect();
        if self.opts.unordered_dicts {
            a.sort_by_cached_key(|p| fp_value(&p.0));
            e.sort_by_cached_key(|p| fp_exp(&p.0));
        }
        for (i, (x, y)) in a.iter().zip(&e).enumerate() {
            self.cmp(&x.0, &y.0).map_err(|m| format!(".{what}[{i}].key{m}"))?;
            let key = short(fp_value(&x.0));
            self.cmp(&x.1, &y.1).map_err(|m| format!(".{what}[{key}]{m}"))?;
        }
        Ok(())
    }

    fn cmp(&mut self, a: &Value, e: &Exp) -> Result<(), String> {
        match (a, e) {
            (Value::Shared(sa), Exp::Shared(se)) => {
                let (pa, pe) = (sa.id(), se.ptr());
                match (self.a2e.get(&pa), self.e2a.get(&pe)) {
                    (Some(&x), Some(&y)) if x == pe && y == pa => return Ok(()),
                    (None, None) => {}
                    _ => return Err(": shared nodes are shared differently than expected".into()),
                }
                self.a2e.insert(pa, pe);
                self.e2a.insert(pe, pa);
                return self.cmp(sa.get(), se.get());
            }
            (Value::Shared(sa), _) if atom(sa.get()) => {
                return Err(format!(
                    ": an atom wrapped in Shared (atoms are never shared){}",
                    diff(a, e)
                ))
            }
            (Value::Shared(sa), e) if untracked(e) => return self.cmp(sa.get(), e),
            // A list/dict/set/object that closes a cycle through a tuple is
            // shared by the reader (so the Value can be written back), though
            // only one place points to it.
            (Value::Shared(sa), e)
                if sa.ref_count() == 1
                    && matches!(
                        sa.get(),
                        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::Object(_)
                    ) =>
            {
                return self.cmp(sa.get(), e)
            }
            (Value::Shared(_), _) => {
                return Err(format!(
                    ": a shared node where an unshared one was expected{}",
                    diff(a, e)
                ))
            }
            (_, Exp::Shared(se)) => {
                if untracked(se.get()) {
                    return self.cmp(a, se.get());
                }
                return Err(format!(
                    ": an unshared value where a shared node was expected{}",
                    diff(a, e)
                ));
            }
            _ => {}
        }
        let ok = match (a, e) {
            (Value::None, Exp::None) => true,
            (Value::Bool(x), Exp::Bool(y)) => x == y,
            (Value::Int(x), Exp::Int(y)) => x == y,
            (Value::BigInt(x), Exp::BigInt(y)) => x == y,
            (Value::Float(x), Exp::Float(y)) => x.to_bits() == *y,
            (Value::Complex(r, i), Exp::Complex(x, y)) => r.to_bits() == *x && i.to_bits() == *y,
            (Value::Str(x), Exp::Str(y)) => x == y,
            (Value::SurrogateStr(x), Exp::SurrogateStr(y)) => x == y,
            (Value::Bytes(x), Exp::Bytes(y)) => x == y,
            (Value::ByteArray(x), Exp::ByteArray(y)) => x == y,
            (Value::List(x), Exp::List(y)) => return self.seq(x, y, "list"),
            (Value::Tuple(x), Exp::Tuple(y)) => return self.seq(x, y, "tuple"),
            (Value::Set(x), Exp::Set(y)) => return self.unordered(x, y, "set"),
            (Value::FrozenSet(x), Exp::FrozenSet(y)) => return self.unordered(x, y, "frozenset"),
            (Value::Dict(x), Exp::Dict(y)) => return self.pairs(x.as_slice(), y, "dict"),
            (Value::Global(g), Exp::Global(m, n)) => &g.module == m && &g.name == n,
            (Value::Buffer { index, readonly }, Exp::Buffer { index: i, readonly: r }) => {
                index == i && readonly == r
            }
            (Value::PersistentId(x), Exp::PersistentId(y)) => {
                return self.cmp(x, y).map_err(|m| format!(".pid{m}"));
            }
            (Value::Object(o), Exp::Object(x)) => {
                if o.kind != x.kind {
                    return Err(format!(
                        ": object kind {:?} != expected {:?}{}",
                        o.kind,
                        x.kind,
                        diff(a, e)
                    ));
                }
                self.cmp(&o.callable, &x.callable).map_err(|m| format!(".callable{m}"))?;
                self.seq(&o.args, &x.args, "args")?;
                match (&o.kwargs, &x.kwargs) {
                    (None, None) => {}
                    (Some(k), Some(y)) => self.pairs(k.as_slice(), y, "kwargs")?,
                    _ => return Err(format!(": kwargs presence differs{}", diff(a, e))),
                }
                self.seq(&o.state, &x.state, "state")?;
                self.seq(&o.list_items, &x.list_items, "list_items")?;
                return self.pairs(&o.dict_items, &x.dict_items, "dict_items");
            }
            (Value::Object(o), Exp::Instance { class, dict }) => {
                let name = o.global().map(|g| format!("{}.{}", g.module, g.name));
                if name.as_deref() != Some(class.as_str()) {
                    return Err(format!(": instance of {name:?}, expected {class}"));
                }
                return match o.state.last().map(Value::resolve) {
                    Some(Value::Dict(d)) => self.pairs(d.as_slice(), dict, "__dict__"),
                    None if dict.is_empty() => Ok(()),
                    _ => Err(format!(": state is not the expected __dict__{}", diff(a, e))),
                };
            }
            (_, Exp::Invalid(why)) => {
                return Err(format!(": no value can match ({why}){}", diff(a, e)))
            }
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(diff(a, e))
        }
    }
}

// ---------------------------------------------------------------------------
// Fingerprints: a type-exact rendering, used to order set items and in messages
// ---------------------------------------------------------------------------

const FP_DEPTH: usize = 24;
/// Nodes a fingerprint renders at most: shared structure (a billion laughs)
/// would otherwise expand exponentially.
const FP_NODES: usize = 200_000;

thread_local! {
    static FP_BUDGET: std::cell::Cell<usize> = const { std::cell::Cell::new(0) };
}

/// Take one node from the fingerprint budget; false when it is spent.
fn fp_take() -> bool {
    FP_BUDGET.with(|b| {
        let left = b.get();
        b.set(left.saturating_sub(1));
        left > 0
    })
}

pub fn fp_value(v: &Value) -> String {
    FP_BUDGET.with(|b| b.set(FP_NODES));
    let mut s = String::new();
    fpv(v, 0, &mut s);
    s
}

pub fn fp_exp(e: &Exp) -> String {
    FP_BUDGET.with(|b| b.set(FP_NODES));
    let mut s = String::new();
    fpe(e, 0, &mut s);
    s
}

fn hexs(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn kind_tag(k: ObjectKind) -> &'static str {
    match k {
        ObjectKind::Reduce => "reduce",
        ObjectKind::NewObj => "newobj",
        ObjectKind::NewObjEx => "newobj_ex",
        ObjectKind::Inst => "inst",
    }
}

fn fpv(v: &Value, d: usize, s: &mut String) {
    if d > FP_DEPTH || !fp_take() {
        s.push('…');
        return;
    }
    let list = |open: &str, xs: &[Value], close: &str, sort: bool, s: &mut String| {
        let mut parts: Vec<String> = xs
            .iter()
            .map(|x| {
                let mut p = String::new();
                fpv(x, d + 1, &mut p);
                p
            })
            .collect();
        if sort {
            parts.sort();
        }
        let _ = write!(s, "{open}{}{close}", parts.join(", "));
    };
    let pairs = |xs: &[(Value, Value)], s: &mut String| {
        s.push('{');
        for (i, (k, v)) in xs.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            fpv(k, d + 1, s);
            s.push_str(": ");
            fpv(v, d + 1, s);
        }
        s.push('}');
    };
    match v {
        Value::None => s.push_str("None"),
        Value::Bool(b) => s.push_str(if *b { "True" } else { "False" }),
        Value::Int(i) => {
            let _ = write!(s, "{i}");
        }
        Value::BigInt(i) => {
            let _ = write!(s, "{i}L");
        }
        Value::Float(f) => {
            let _ = write!(s, "float({f:?}|{:016x})", f.to_bits());
        }
        Value::Complex(r, i) => {
            let _ = write!(s, "complex({:016x},{:016x})", r.to_bits(), i.to_bits());
        }
        Value::Str(x) => {
            let _ = write!(s, "{x:?}");
        }
        Value::SurrogateStr(b) => {
            let _ = write!(s, "surrogates({})", hexs(b));
        }
        Value::Bytes(b) => {
            let _ = write!(s, "b({})", hexs(b));
        }
        Value::ByteArray(b) => {
            let _ = write!(s, "bytearray({})", hexs(b));
        }
        Value::List(x) => list("[", x, "]", false, s),
        Value::Tuple(x) => list("(", x, ")", false, s),
        Value::Set(x) => list("set{", x, "}", true, s),
        Value::FrozenSet(x) => list("frozenset{", x, "}", true, s),
        Value::Dict(x) => pairs(x.as_slice(), s),
        Value::Global(g) => {
            let _ = write!(s, "global({}.{})", g.module, g.name);
        }
        Value::Object(o) => {
            let _ = write!(s, "{}(", kind_tag(o.kind));
            fpv(&o.callable, d + 1, s);
            list("; args=(", &o.args, ")", false, s);
            if let Some(k) = &o.kwargs {
                s.push_str("; kwargs=");
                pairs(k.as_slice(), s);
            }
            if !o.state.is_empty() {
                list("; state=[", &o.state, "]", false, s);
            }
            if !o.list_items.is_empty() {
                list("; list_items=[", &o.list_items, "]", false, s);
            }
            if !o.dict_items.is_empty() {
                s.push_str("; dict_items=");
                pairs(&o.dict_items, s);
            }
            s.push(')');
        }
        Value::Buffer { index, readonly } => {
            let _ = write!(s, "buffer({index},{readonly})");
        }
        Value::PersistentId(p) => {
            s.push_str("persid(");
            fpv(p, d + 1, s);
            s.push(')');
        }
        Value::Shared(x) => fpv(x.get(), d + 1, s),
        _ => s.push_str("<unknown Value variant>"),
    }
}

fn fpe(e: &Exp, d: usize, s: &mut String) {
    if d > FP_DEPTH || !fp_take() {
        s.push('…');
        return;
    }
    let list = |open: &str, xs: &[Exp], close: &str, sort: bool, s: &mut String| {
        let mut parts: Vec<String> = xs
            .iter()
            .map(|x| {
                let mut p = String::new();
                fpe(x, d + 1, &mut p);
                p
            })
            .collect();
        if sort {
            parts.sort();
        }
        let _ = write!(s, "{open}{}{close}", parts.join(", "));
    };
    let pairs = |xs: &[(Exp, Exp)], s: &mut String| {
        s.push('{');
        for (i, (k, v)) in xs.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            fpe(k, d + 1, s);
            s.push_str(": ");
            fpe(v, d + 1, s);
        }
        s.push('}');
    };
    match e {
        Exp::None => s.push_str("None"),
        Exp::Bool(b) => s.push_str(if *b { "True" } else { "False" }),
        Exp::Int(i) => {
            let _ = write!(s, "{i}");
        }
        Exp::BigInt(i) => {
            let _ = write!(s, "{i}L");
        }
        Exp::Float(f) => {
            let _ = write!(s, "float({:?}|{f:016x})", f64::from_bits(*f));
        }
        Exp::Complex(r, i) => {
            let _ = write!(s, "complex({r:016x},{i:016x})");
        }
        Exp::Str(x) => {
            let _ = write!(s, "{x:?}");
        }
        Exp::SurrogateStr(b) => {
            let _ = write!(s, "surrogates({})", hexs(b));
        }
        Exp::Bytes(b) => {
            let _ = write!(s, "b({})", hexs(b));
        }
        Exp::ByteArray(b) => {
            let _ = write!(s, "bytearray({})", hexs(b));
        }
        Exp::List(x) => list("[", x, "]", false, s),
        Exp::Tuple(x) => list("(", x, ")", false, s),
        Exp::Set(x) => list("set{", x, "}", true, s),
        Exp::FrozenSet(x) => list("frozenset{", x, "}", true, s),
        Exp::Dict(x) => pairs(x, s),
        Exp::Global(m, n) => {
            let _ = write!(s, "global({m}.{n})");
        }
        Exp::Object(o) => {
            let _ = write!(s, "{}(", kind_tag(o.kind));
            fpe(&o.callable, d + 1, s);
            list("; args=(", &o.args, ")", false, s);
            if let Some(k) = &o.kwargs {
                s.push_str("; kwargs=");
                pairs(k, s);
            }
            if !o.state.is_empty() {
                list("; state=[", &o.state, "]", false, s);
            }
            if !o.list_items.is_empty() {
                list("; list_items=[", &o.list_items, "]", false, s);
            }
            if !o.dict_items.is_empty() {
                s.push_str("; dict_items=");
                pairs(&o.dict_items, s);
            }
            s.push(')');
        }
        Exp::Buffer { index, readonly } => {
            let _ = write!(s, "buffer({index},{readonly})");
        }
        Exp::PersistentId(p) => {
            s.push_str("persid(");
            fpe(p, d + 1, s);
            s.push(')');
        }
        Exp::Shared(x) => fpe(x.get(), d + 1, s),
        Exp::Instance { class, dict } => {
            let _ = write!(s, "instance({class}; ");
            pairs(dict, s);
            s.push(')');
        }
        Exp::Invalid(why) => {
            let _ = write!(s, "<invalid: {why}>");
        }
    }
}

/// `pickle.dumps(v, protocol)` by CPython, for `v` made by the Python
/// statements `setup` (python3 is the judge of pickle bytes).
pub fn cpython_dumps(setup: &str, protocol: u8) -> Vec<u8> {
    let code =
        format!("import pickle,sys\n{setup}\nsys.stdout.buffer.write(pickle.dumps(v, {protocol}))");
    let out = std::process::Command::new("python3")
        .args(["-c", &code])
        .output()
        .expect("python3 is required for this test (it is the judge of pickle bytes)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    out.stdout
}
