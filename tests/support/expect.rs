//! Expected values for the reader conformance suites (`reading::corpus_values`,
//! `hostile::corpus_hostile`, `reading::cpython_vectors`): the typed-JSON
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
use std::rc::Rc;
use std::sync::OnceLock;

use serde_json::Value as Json;
use serde_pickle::value::{BigInt, ObjectKind};
use serde_pickle::Value;

use super::data::json;
use super::print::{fingerprint, short, unhex};

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
    pub fn get(&self) -> &Exp {
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
        let hexf = |k: &str| unhex(j[k].as_str().unwrap_or_else(|| panic!("{k}")));
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
    /// `src/vm/native_globals.rs`), anything else an `Object` of kind `Reduce`.
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
                    let b = unhex(j["hex"].as_str().unwrap_or(""));
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
            // Python 2's bytearray names its encoding with a Python 2 str:
            // rebuilt in every Py2Strings mode (issue 11).
            ("builtins", "bytearray", 2)
                if str_in(self, &a[1], &["latin-1", "latin1"]) || {
                    let e = self.resolve(&a[1]);
                    tag(e) == "py2str"
                        && [&b"latin-1"[..], b"latin1"]
                            .contains(&&unhex(e["hex"].as_str().unwrap_or(""))[..])
                } =>
            {
                Exp::ByteArray(latin1(self, &a[0])?)
            }
            // A Python 2 datetime's state, a Python 2 str, becomes the bytes
            // CPython 3's datetime takes (issue 11).
            ("datetime", "date" | "time" | "datetime", 1 | 2)
                if {
                    let st = self.resolve(&a[0]);
                    let size = match n.as_str() {
                        "date" => 4,
                        "time" => 6,
                        _ => 10,
                    };
                    tag(st) == "py2str" && unhex(st["hex"].as_str().unwrap_or("")).len() == size
                } =>
            {
                let state = unhex(self.resolve(&a[0])["hex"].as_str().unwrap_or(""));
                let callable = self.conv(&j["func"]);
                let mut args = vec![Exp::Bytes(state)];
                args.extend(self.all(&a[1..]));
                Exp::Object(Box::new(ExpObject::new(ObjectKind::Reduce, callable, args)))
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
                Exp::Object(Box::new(ExpObject::new(ObjectKind::Reconstructor, cls, Vec::new())))
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

fn diff(a: &Value, e: &Exp) -> String {
    format!(": got {}, expected {}", short(fingerprint(a)), short(fingerprint(e)))
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
        let mut a: Vec<(String, &Value)> = a.iter().map(|v| (fingerprint(v), v)).collect();
        let mut e: Vec<(String, &Exp)> = e.iter().map(|v| (fingerprint(v), v)).collect();
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
            a.sort_by_cached_key(|p| fingerprint(&p.0));
            e.sort_by_cached_key(|p| fingerprint(&p.0));
        }
        for (i, (x, y)) in a.iter().zip(&e).enumerate() {
            self.cmp(&x.0, &y.0).map_err(|m| format!(".{what}[{i}].key{m}"))?;
            let key = short(fingerprint(&x.0));
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
            // CPython memoizes strs, bytes and complexes, and the reader keeps
            // one fetched from the memo shared (issue 11): same content.
            (Value::Shared(sa), e)
                if matches!(
                    sa.get(),
                    Value::Str(_) | Value::SurrogateStr(_) | Value::Bytes(_) | Value::Complex(..)
                ) =>
            {
                return self.cmp(sa.get(), e)
            }
            (Value::Shared(sa), _) if atom(sa.get()) => {
                return Err(format!(
                    ": an atom wrapped in Shared (atoms are never shared){}",
                    diff(a, e)
                ))
            }
            (Value::Shared(sa), e) if untracked(e) => return self.cmp(sa.get(), e),
            // What CPython's pickler saves twice around a tuple on a cycle is
            // shared by the reader (so the Value is written back as CPython
            // wrote it), though only one place points to it.
            (Value::Shared(sa), e)
                if sa.ref_count() == 1
                    && matches!(
                        sa.get(),
                        Value::List(_)
                            | Value::Dict(_)
                            | Value::Set(_)
                            | Value::Object(_)
                            | Value::Tuple(_)
                            | Value::FrozenSet(_)
                            | Value::ByteArray(_)
                            | Value::PersistentId(_)
                    ) =>
            {
                return self.cmp(sa.get(), e)
            }
            // An object the calls kept for their side effects refer to
            // (`Object::effects`, which the reference pack's decode leaves
            // out): shared only through them.
            (Value::Shared(sa), e) if matches!(sa.get(), Value::Object(o) if !o.effects.is_empty()) => {
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
