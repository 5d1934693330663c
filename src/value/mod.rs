//! [`Value`]: a faithful, non-executing model of what a pickle holds.
//!
//! Unlike `serde_json::Value`, a pickle distinguishes tuples from lists,
//! bytes from str, sets from lists, and can reference the same object twice
//! (or from inside itself). `Value` keeps all of that: shared objects are
//! [`Value::Shared`] nodes (an `Arc` that several places point to; a str,
//! bytes or complex the pickle fetches from its memo again is one too, as
//! it is one object in CPython; `==` sees through them), and
//! anything the crate does not map to a native variant (a class instance, a
//! `datetime`, an `Enum` member...) is kept as a [`Value::Global`] or a
//! [`Value::Object`] naming the class, its arguments and its state, so that
//! writing the `Value` back produces a pickle CPython loads to an equal object.
//!
//! # Coming from `serde_json::Value`
//!
//! Code written for `serde_json::Value` compiles against this `Value` and
//! means the same, for the Python type the JSON type stands for; the names
//! serde_json has but that would mean something else here do not exist.
//!
//! | serde_json | here | Python meaning |
//! |---|---|---|
//! | `Value::Null` | [`Value::None`] | `None` |
//! | `Value::Bool(b)` | [`Value::Bool`] | `bool` |
//! | `Value::Number(n)` | [`Value::Int`], [`Value::BigInt`] (beyond `i64`), [`Value::Float`] | `int`, `float` |
//! | `Value::String(s)` | [`Value::Str`] | `str` |
//! | `Value::Array(v)` | [`Value::List`] (a Rust `Vec`), [`Value::Tuple`] (a Rust tuple) | `list`, `tuple` |
//! | `Value::Object(m)` | [`Value::Dict`] ([`Dict`]; any hashable keys, insertion order) | `dict` |
//! | — | [`Value::Object`]: **not a dict**, a class instance or call | an object |
//! | `serde_json::Map` | [`Dict`]: `get`, `get_mut`, `insert`, `remove`, `contains_key`, `keys`, `values`, `iter`, `len`, `is_empty` | `dict` |
//! | `json!({..})`, `null` | [`pickle!`](crate::pickle)`({..})`, `null` or `None`; any `Serialize` expression | a literal |
//! | `Value::default()` | [`Value::default()`](Value#impl-Default-for-Value) | `None` |
//! | `to_value(x)`, `from_value(v)` | [`to_value`], [`from_value`]: no bytes, no reading limits | |
//! | `T::deserialize(&v)`, `v.into_deserializer()` | the same: `Value` and `&Value` are `Deserializer`s | |
//! | `v.is_null()`, `v.as_null()` | the same ([`Value::is_none`] too) | `v is None` |
//! | `v.is_boolean()`, `v.as_bool()` | the same | `isinstance(v, bool)` |
//! | `v.is_number()` | the same: an `int` or a `float`, not a `bool` | |
//! | `v.is_i64()`, `v.is_u64()`, `v.is_f64()` | the same | an `int` in range; a `float` |
//! | `v.as_i64()`, `v.as_u64()`, `v.as_f64()` | the same (`as_f64` of an `int` is Python's `float(i)`) | |
//! | `v.as_number()` | — (no `Number` type): [`Value::as_i64`], [`Value::as_bigint`], [`Value::as_f64`] | |
//! | `v.is_string()`, `v.as_str()` | the same | `str` |
//! | `v.is_array()`, `v.as_array()`, `v.as_array_mut()` | the same, for a `list` or a `tuple` ([`Value::as_list`], [`Value::as_tuple`] for one of them) | `list`, `tuple` |
//! | `v.is_object()`, `v.as_object()`, `v.as_object_mut()` | the same, for a `dict` (a [`Dict`]) | `dict` |
//! | `v.get(i)`, `v.get_mut(i)` | the same; `i` may also be an int key or any `Value` key | `v[i]` or `None` |
//! | `v["k"]`, `v[0]` | the same: missing gives `None` | |
//! | `v["k"] = x` | the same: inserts; `None` becomes a dict; a list index out of range panics | `v['k'] = x` |
//! | `v.pointer("/a/0")`, `v.pointer_mut(..)` | the same (RFC 6901) | `v['a'][0]` |
//! | `v.take()` | the same: leaves `None` | |
//! | `v == 1`, `v == "a"` | the same, with Python's `==` (`1 == 1.0 == True`) | `==` |
//! | `From<i64>`, `From<&str>`, `From<Vec<T>>`, `From<Option<T>>`, `From<()>`... | the same; `b"..."` gives `bytes`, a Rust tuple a `tuple` | |
//! | `v.to_string()` | Python's `repr()`, not JSON | `repr(v)` |
//! | `iter.collect::<Value>()` | a list; pairs collect into a list of tuples (collect them into a [`Dict`] for a dict) | |
//! | `"...".parse::<Value>()`, `v.sort_all_objects()` | — | |
//! | `match v { Value::String(s) => s, .. }` | `match v { Value::Str(s) => s, .. }`: fields move out | |
//!
//! ```
//! use serde_pickle::{pickle, Value};
//! let mut v = pickle!({"name": "Alice", "tags": ["a"], "pt": (1, 2), "email": null});
//! v["tags"].as_array_mut().unwrap().push("b".into());
//! v["age"] = 30.into();
//! assert!(v.is_object() && v["pt"].is_array() && v["email"].is_null());
//! assert_eq!(v.pointer("/pt/1").and_then(Value::as_i64), Some(2));
//! let name = match v["name"].take() {
//!     Value::Str(s) => s,
//!     _ => unreachable!(),
//! };
//! assert_eq!(name, "Alice");
//! assert_eq!(v.to_string(), "{'name': None, 'tags': ['a', 'b'], 'pt': (1, 2), 'email': None, 'age': 30}");
//! ```
//!
//! # Deep values
//!
//! `Value` has no `Drop` of its own. A [`Dict`] and a [`Shared`] node drop
//! what they hold with a heap work list, at any depth; lists, tuples, sets,
//! objects and persistent ids nested directly in one another drop through
//! `Vec`'s and `Box`'s own drop, one native stack frame (about 200 bytes in
//! a debug build) per level. The reader never builds more than
//! [`DeOptions::MAX_DEPTH`](crate::DeOptions::MAX_DEPTH) levels, which drop
//! on a 2 MiB thread stack; a `Value` you build yourself with, say, a
//! million lists nested directly in one another can overflow the stack when
//! dropped: put it in a [`Dict`] (or a [`Shared`] node) to drop it. Cloning,
//! comparing, hashing and `Display` are iterative at any depth; writing and
//! [`from_value`] stop at 1024 levels with an error of
//! [`Category::Limit`](crate::Category::Limit).

use std::sync::Arc;

pub use num_bigint::BigInt;

mod access;
pub(crate) mod cycles;
mod dict;
mod display;
mod drop;
mod eq;
mod from;
mod hash;
mod index;
mod macros;
#[doc(hidden)]
pub use macros::__macro;
mod printable;

pub use dict::DictKey;
pub use index::Index;

pub(crate) mod de;
mod deserializer;
mod ser;
mod serializer;

pub use de::from_value;
pub use ser::to_value;

/// Any value a pickle can hold.
///
/// ```
/// use serde_pickle::{from_slice, Value};
/// // pickle.dumps((1, 'a', b'\x00'), protocol=5)
/// let v: Value = from_slice(b"\x80\x05\x95\r\x00\x00\x00\x00\x00\x00\x00K\x01\x8c\x01a\x94C\x01\x00\x94\x87\x94.").unwrap();
/// assert_eq!(
///     v,
///     Value::Tuple(vec![Value::Int(1), Value::Str("a".into()), Value::Bytes(vec![0])])
/// );
/// ```
#[non_exhaustive]
pub enum Value {
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An `int` that fits in `i64`.
    Int(i64),
    /// An `int` outside the `i64` range. Values inside it are always [`Value::Int`].
    BigInt(BigInt),
    /// A `float`.
    Float(f64),
    /// A `complex` (real, imaginary).
    Complex(f64, f64),
    /// A `str`.
    Str(String),
    /// A `str` containing lone surrogates (`'\ud800'`), which a Rust `String`
    /// cannot hold: its UTF-8 bytes with the surrogates encoded as CPython's
    /// `surrogatepass` does (`ED A0 80`). Written back unchanged; reading one
    /// into a Rust `String` is an error.
    SurrogateStr(Vec<u8>),
    /// A `bytes` (also Python 2 `str` read with `encoding='bytes'`).
    Bytes(Vec<u8>),
    /// A `bytearray`.
    ByteArray(Vec<u8>),
    /// A `list`.
    List(Vec<Value>),
    /// A `tuple`.
    Tuple(Vec<Value>),
    /// A `dict`, in insertion order. (An `OrderedDict` reads as a [`Value::Object`]
    /// of `collections.OrderedDict` whose `dict_items` hold its entries, so that
    /// writing it back gives an `OrderedDict` again.)
    Dict(Dict),
    /// A `set`, in the order the pickle listed its items.
    Set(Vec<Value>),
    /// A `frozenset`, in the order the pickle listed its items.
    FrozenSet(Vec<Value>),
    /// A reference to a class or function by name (`GLOBAL`, `STACK_GLOBAL`), never imported.
    ///
    /// Boxed, as [`Value::Object`] is: its two strings inline would make
    /// every `Value` 48 bytes instead of 32, and globals are rare next to
    /// the ints, floats and strings a `Value` mostly holds. Build one with
    /// `Value::from(Global::new(module, name))`; a match sees through the
    /// box (`Value::Global(g) => &g.name`).
    ///
    /// ```
    /// use serde_pickle::value::{Global, Value};
    /// let v = Value::from(Global::new("collections", "OrderedDict"));
    /// match &v {
    ///     Value::Global(g) => assert_eq!(g.module, "collections"),
    ///     _ => unreachable!(),
    /// }
    /// assert_eq!(std::mem::size_of::<Value>(), 32);
    /// ```
    Global(Box<Global>),
    /// A call or instance the crate does not map to a native value: a class
    /// instance, a `datetime`, an `Enum` member, a `REDUCE` of any callable.
    Object(Box<Object>),
    /// An out-of-band buffer (protocol 5, `NEXT_BUFFER`) that the caller did not supply.
    Buffer {
        /// Position of the buffer among the out-of-band buffers.
        index: usize,
        /// Whether `READONLY_BUFFER` was applied.
        readonly: bool,
    },
    /// A persistent id (`PERSID`/`BINPERSID`) that no hook resolved.
    PersistentId(Box<Value>),
    /// An object referenced from more than one place, or from inside itself.
    Shared(Shared),
}

/// `Value::None`, as `serde_json::Value::default()` is `Null`; lets
/// `std::mem::take` move a value out of a `&mut Value`.
///
/// ```
/// use serde_pickle::Value;
/// assert!(Value::default().is_none());
/// let mut v = Value::from("x");
/// assert_eq!(std::mem::take(&mut v), "x");
/// assert!(v.is_none());
/// ```
impl Default for Value {
    fn default() -> Self {
        Value::None
    }
}

/// A `module.name` reference (class, function, or other global) as the pickle spells it,
/// after the Python 2 → 3 renames CPython applies for protocols below 3.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Global {
    /// The module, e.g. `"collections"`.
    pub module: String,
    /// The (possibly dotted) qualified name, e.g. `"OrderedDict"`.
    pub name: String,
}

impl Global {
    /// A global from its module and name.
    pub fn new(module: impl Into<String>, name: impl Into<String>) -> Self {
        Global { module: module.into(), name: name.into() }
    }
}

/// How an [`Object`] was created in the pickle, and so how it is written
/// back at each protocol.
///
/// Three kinds make a class instance without calling `__init__`. They build
/// the same object whenever each of them can, so `==` and hashing treat them
/// alike; they differ in what CPython can load at each protocol, which is
/// why the reader keeps what the pickle said:
///
/// | kind | read from | written at protocol 2+ | written at 0–1 |
/// |---|---|---|---|
/// | `NewObj` | `NEWOBJ`, `copyreg.__newobj__` | `NEWOBJ` | `copyreg.__newobj__(cls, *args)` |
/// | `Reconstructor` | `copyreg._reconstructor(cls, object, None)` | the same call | the same call |
/// | `Plain` | never (the pickle does not say) | `NEWOBJ` | `copyreg._reconstructor(cls, object, None)` |
///
/// `NEWOBJ` calls `cls.__new__(cls)`, which also makes `list` and `dict`
/// subclasses; `copyreg._reconstructor(cls, object, None)` calls
/// `object.__new__(cls)`, which also makes classes whose `__new__` wants
/// arguments (`__getnewargs_ex__` classes) but refuses builtin subclasses.
/// Each read kind is therefore written back as the call it was. `Plain` is
/// what CPython writes for an instance of a plain class (one keeping its
/// state in `__dict__`); [`crate::py::Instance`] produces it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// `REDUCE`: `callable(*args)`.
    Reduce,
    /// `NEWOBJ` or `copyreg.__newobj__`: `cls.__new__(cls, *args)`.
    NewObj,
    /// `NEWOBJ_EX` or `copyreg.__newobj_ex__`: `cls.__new__(cls, *args, **kwargs)`.
    NewObjEx,
    /// `INST`/`OBJ`: a Python 2 classic-class instance `cls(*args)`.
    Inst,
    /// `copyreg._reconstructor(cls, object, None)`: `object.__new__(cls)`,
    /// how protocols 0–1 make an instance of a plain class. Takes no arguments.
    Reconstructor,
    /// An instance of a plain class, written as CPython writes one: `NEWOBJ`
    /// at protocol 2+, `copyreg._reconstructor(cls, object, None)` below
    /// (`copyreg.__newobj__` when it has arguments or items).
    Plain,
}

impl ObjectKind {
    /// Every kind, in declaration order.
    pub const ALL: [ObjectKind; 6] = [
        ObjectKind::Reduce,
        ObjectKind::NewObj,
        ObjectKind::NewObjEx,
        ObjectKind::Inst,
        ObjectKind::Reconstructor,
        ObjectKind::Plain,
    ];

    /// The kind's name in other formats (the `kind` field of a `Value`
    /// serialized to JSON, `pickletool`'s JSON): `"reduce"`, `"newobj"`,
    /// `"newobj_ex"`, `"inst"`, `"reconstructor"`, `"plain"`.
    ///
    /// ```
    /// use serde_pickle::value::ObjectKind;
    /// assert_eq!(ObjectKind::NewObjEx.name(), "newobj_ex");
    /// assert_eq!(ObjectKind::from_name("newobj_ex"), Some(ObjectKind::NewObjEx));
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            ObjectKind::Reduce => "reduce",
            ObjectKind::NewObj => "newobj",
            ObjectKind::NewObjEx => "newobj_ex",
            ObjectKind::Inst => "inst",
            ObjectKind::Reconstructor => "reconstructor",
            ObjectKind::Plain => "plain",
        }
    }

    /// The kind named `name` (see [`ObjectKind::name`]).
    pub fn from_name(name: &str) -> Option<ObjectKind> {
        ObjectKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind as `==` and hashing see it: the three ways of making an
    /// instance without `__init__` build the same object.
    pub(crate) fn creation(self) -> ObjectKind {
        match self {
            ObjectKind::Reconstructor | ObjectKind::Plain => ObjectKind::NewObj,
            k => k,
        }
    }
}

/// An object the pickle builds by calling or instantiating something. Never executed.
#[derive(Clone)]
pub struct Object {
    /// How the object is created.
    pub kind: ObjectKind,
    /// The callable or class, usually a [`Value::Global`].
    pub callable: Value,
    /// Positional arguments.
    pub args: Vec<Value>,
    /// Keyword arguments (`NEWOBJ_EX` only).
    pub kwargs: Option<Dict>,
    /// The states applied by `BUILD`, in order (usually zero or one).
    pub state: Vec<Value>,
    /// Items added by `APPEND`/`APPENDS` (e.g. a `deque`'s contents).
    pub list_items: Vec<Value>,
    /// Items set by `SETITEM`/`SETITEMS` (e.g. a `defaultdict`'s contents).
    pub dict_items: Vec<(Value, Value)>,
    /// Calls the pickle makes right after building this object (and its
    /// items and states) for their side effects only: their results are
    /// popped (`REDUCE` then `POP`). Python's 6-item `__reduce__` sets
    /// state this way (`state_setter(obj, state)`), as do cloudpickle
    /// (`_function_setstate`, `_class_setstate`) and dill (`_setattr(cell,
    /// 'cell_contents', f)`). Usually empty.
    ///
    /// Each is written back after the object, followed by `POP`, so that
    /// CPython makes the same calls in the same place. They are not part of
    /// the object's data: typed reads ([`from_value`], `from_slice::<T>`)
    /// ignore them; `==` compares them (two objects that differ in the calls
    /// made on them are not the same pickle); hashing leaves them out;
    /// `Display` shows them after the object as ` then f(...)`.
    ///
    /// A popped call that cannot be kept in its place (nothing under it on
    /// the stack but plain data, or items added to the object after it) is
    /// left out of the `Value` (which is then what `pickle.loads` returns);
    /// with [`DeOptions::lossless`](crate::DeOptions::lossless), as for
    /// transcoding, reading fails instead, naming the `POP`'s offset.
    ///
    /// ```
    /// use serde_pickle::{from_slice, Value};
    /// // class C with __reduce__ returning (C, (), {'x': 42}, None, None, setx),
    /// // pickled at protocol 2
    /// let p = b"\x80\x02c__main__\nC\nq\x00)Rq\x01c__main__\nsetx\nq\x02h\x01}q\x03X\x01\x00\x00\x00xq\x04K*s\x86R0.";
    /// let v: Value = from_slice(p).unwrap();
    /// let obj = v.as_py_object().unwrap();
    /// assert_eq!(obj.effects.len(), 1);
    /// assert!(obj.state.is_empty());
    /// assert_eq!(v.to_string(), "__main__.C() then __main__.setx(..., {'x': 42})");
    /// // Written back, the call and its POP come right after the object.
    /// let out = serde_pickle::to_vec(&v).unwrap();
    /// assert!(out.ends_with(b"R0."));
    /// ```
    pub effects: Vec<Value>,
}

impl Object {
    /// A new object of the given kind with no state or items.
    pub fn new(kind: ObjectKind, callable: Value, args: Vec<Value>) -> Self {
        Object {
            kind,
            callable,
            args,
            kwargs: None,
            state: Vec::new(),
            list_items: Vec::new(),
            dict_items: Vec::new(),
            effects: Vec::new(),
        }
    }

    /// The class or callable as a [`Global`], if it is one.
    pub fn global(&self) -> Option<&Global> {
        match self.callable.resolve() {
            Value::Global(g) => Some(g.as_ref()),
            _ => None,
        }
    }
}

/// A dict: key/value pairs in insertion order, keys unique.
#[derive(Clone, Default)]
pub struct Dict {
    pub(crate) entries: Vec<(Value, Value)>,
}

impl Dict {
    /// An empty dict.
    pub fn new() -> Self {
        Dict::default()
    }

    /// Build from pairs that the caller guarantees have distinct keys.
    pub(crate) fn from_unique(entries: Vec<(Value, Value)>) -> Self {
        Dict { entries }
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in insertion order.
    pub fn iter(&self) -> std::slice::Iter<'_, (Value, Value)> {
        self.entries.iter()
    }

    /// The entries, mutable (keys should stay distinct).
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, (Value, Value)> {
        self.entries.iter_mut()
    }

    /// The entries as a slice.
    pub fn as_slice(&self) -> &[(Value, Value)] {
        &self.entries
    }

    /// Consume into the pairs.
    pub fn into_vec(mut self) -> Vec<(Value, Value)> {
        std::mem::take(&mut self.entries)
    }
}

/// A node that several places of a [`Value`] point to; cycles are possible
/// (a list that contains itself). Cloning a `Shared` clones the pointer.
///
/// The content is set once; [`Shared::empty`] plus [`Shared::set`] builds a cycle.
///
/// # Cycles are freed
///
/// A cycle of `Arc`s is never freed by reference counting alone. Nodes that
/// may be on a cycle (those of a `Value` read from a cyclic pickle, and
/// those made by [`Shared::empty`]) are marked; when a reference to a marked
/// node is dropped and others remain, the nodes it reaches are checked: if
/// every remaining reference to them comes from inside them (nothing outside
/// can reach them any more), their contents are dropped, which frees the
/// cycle. So reading and dropping cyclic pickles keeps memory flat. The
/// check walks what the node reaches: dropping one of many references to
/// a node of a large cyclic value, while the value is kept, costs a walk
/// of the part of it that node reaches. The checks' total work is budgeted
/// by what was read (a few visits per byte of cyclic pickles read, some
/// per [`Shared::empty`] node), so that no input makes drops take time
/// quadratic in its size; a check past the budget is skipped, and that
/// cycle stays allocated, as `Arc` cycles always do. Acyclic values never
/// pay for any of it. (A cycle you build with [`Shared::new`] nodes only
/// around one [`Shared::empty`] node is freed when the last outside
/// reference to the `empty` one goes last; drop that one last, or make the
/// others with `empty` too.) To refuse cyclic pickles, see
/// [`DeOptions::reject_cycles`](crate::DeOptions::reject_cycles).
///
/// ```
/// use serde_pickle::{from_slice, Value};
/// // l = []; l.append(l); pickle.dumps(l, 2)
/// let data = b"\x80\x02]q\x00h\x00a.";
/// for _ in 0..1000 {
///     let v: Value = from_slice(data).unwrap();
///     assert_eq!(v.to_string(), "[[...]]");
/// } // each dropped and freed
/// ```
#[derive(Clone)]
pub struct Shared(pub(crate) Arc<cycles::Node>);

impl Shared {
    /// `v`, held by `shared` if there is one (its content set once `v` is
    /// complete): how both `Value` builders end a shared container.
    pub(crate) fn fill(shared: Option<Shared>, v: Value) -> Value {
        match shared {
            Some(s) => {
                let _ = s.set(v);
                Value::Shared(s)
            }
            None => v,
        }
    }

    /// A shared node holding `value`.
    pub fn new(value: Value) -> Self {
        Shared(Arc::new(cycles::Node::new(Some(value), false)))
    }

    /// A shared node whose content is set later (to build cycles).
    pub fn empty() -> Self {
        cycles::grant(cycles::CREDITS_FOR_EMPTY);
        Shared(Arc::new(cycles::Node::new(None, true)))
    }

    /// An unset node the reader makes: not marked as on a cycle until the
    /// walk finds one (see `vm/walk.rs`).
    pub(crate) fn pending() -> Self {
        Shared(Arc::new(cycles::Node::new(None, false)))
    }

    /// Whether the content is set.
    pub(crate) fn is_set(&self) -> bool {
        self.0.cell().get().is_some()
    }

    /// Set the content of a node made by [`Shared::empty`]; `Err(value)` if already set.
    pub fn set(&self, value: Value) -> Result<(), Value> {
        self.0.cell().set(value)
    }

    /// The content (`None` while a node made by [`Shared::empty`] is unset).
    pub fn get(&self) -> &Value {
        static NONE: Value = Value::None;
        self.0.cell().get().unwrap_or(&NONE)
    }

    /// True if both point to the same node.
    pub fn ptr_eq(&self, other: &Shared) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }

    /// How many places point to this node (an `Arc`'s strong count).
    pub fn ref_count(&self) -> usize {
        Arc::strong_count(&self.0)
    }

    /// The last node of the chain of nodes holding nodes that starts here
    /// (they are all one Python object), or `None` if the chain loops.
    /// The one follower of such chains: unbounded, in constant memory
    /// (Floyd's cycle detection).
    pub(crate) fn innermost(&self) -> Option<&Shared> {
        let (mut slow, mut fast) = (self, self);
        loop {
            for _ in 0..2 {
                match fast.get() {
                    Value::Shared(next) => fast = next,
                    _ => return Some(fast),
                }
            }
            if let Value::Shared(next) = slow.get() {
                slow = next;
            }
            if slow.ptr_eq(fast) {
                return None;
            }
        }
    }

    /// An identity for this node, stable while it lives (used for memoization when writing).
    pub fn id(&self) -> usize {
        Arc::as_ptr(&self.0) as *const () as usize
    }
}

impl Value {
    /// Follow [`Value::Shared`] nodes to the value they hold, however long
    /// the chain; a chain that loops back on itself (a node made to hold
    /// itself through other nodes only) resolves to `None`.
    ///
    /// ```
    /// use serde_pickle::value::{Shared, Value};
    /// let mut v = Value::from("k");
    /// for _ in 0..100 {
    ///     v = Value::Shared(Shared::new(v));
    /// }
    /// assert_eq!(v.resolve().as_str(), Some("k"));
    /// ```
    pub fn resolve(&self) -> &Value {
        static NONE: Value = Value::None;
        match self {
            Value::Shared(s) => s.innermost().map_or(&NONE, Shared::get),
            other => other,
        }
    }
}

impl Dict {
    /// Build from pairs as Python's `dict` does: a repeated key keeps its
    /// first position and takes the last value.
    pub(crate) fn from_pairs(pairs: Vec<(Value, Value)>) -> Self {
        if pairs.len() <= 1 || simple_distinct_keys(&pairs) {
            return Dict::from_unique(pairs);
        }
        // Collecting dedupes with a temporary hash index (Python equality).
        pairs.into_iter().collect()
    }
}

/// The keys of the last dict a reader built whose keys were all shared
/// nodes and distinct, by node identity: a dict with the very same nodes
/// as keys needs no comparing of them (a list of records fetches the same
/// key nodes from the memo for every record). Sound only while the nodes
/// live, so that no other node takes one's address: the reader holds every
/// node it made until it is done.
#[derive(Default)]
pub(crate) struct KnownKeys(Vec<usize>);

impl KnownKeys {
    /// [`Dict::from_pairs`], skipping the check of distinct keys when they
    /// are the known ones.
    pub(crate) fn dict(&mut self, pairs: Vec<(Value, Value)>) -> Dict {
        let known = pairs.len() == self.0.len()
            && pairs
                .iter()
                .zip(&self.0)
                .all(|((k, _), &id)| matches!(k, Value::Shared(s) if s.id() == id));
        if known {
            return Dict::from_unique(pairs);
        }
        if pairs.len() > 1 && simple_distinct_keys(&pairs) {
            self.0.clear();
            for (k, _) in &pairs {
                match k {
                    Value::Shared(s) => self.0.push(s.id()),
                    _ => {
                        self.0.clear();
                        break;
                    }
                }
            }
            return Dict::from_unique(pairs);
        }
        Dict::from_pairs(pairs)
    }
}

/// A key whose equality is plain byte equality (no `1 == 1.0 == True`
/// subtleties): a str or bytes, or a shared one (a key the pickle fetched
/// from its memo); by kind and bytes.
fn simple_key(k: &Value) -> Option<(bool, &[u8])> {
    match k {
        Value::Str(s) => Some((true, s.as_bytes())),
        Value::Bytes(b) => Some((false, b)),
        Value::Shared(s) => match s.get() {
            Value::Str(s) => Some((true, s.as_bytes())),
            Value::Bytes(b) => Some((false, b)),
            _ => None,
        },
        _ => None,
    }
}

/// Whether every key is a [`simple_key`] and no two are equal.
fn simple_distinct_keys(pairs: &[(Value, Value)]) -> bool {
    // A struct's few fields: comparing each pair costs less than hashing.
    const FEW: usize = 16;
    if pairs.len() <= FEW {
        let mut keys = [(false, &[][..]); FEW];
        for ((k, _), slot) in pairs.iter().zip(&mut keys) {
            match simple_key(k) {
                Some(key) => *slot = key,
                None => return false,
            }
        }
        let keys = &keys[..pairs.len()];
        // Lengths first: the bytes of a struct's field names mostly need
        // no comparing at all.
        for (i, (kind, a)) in keys.iter().enumerate() {
            for (other, b) in &keys[i + 1..] {
                if a.len() == b.len() && kind == other && a == b {
                    return false;
                }
            }
        }
        return true;
    }
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    pairs.iter().all(|(k, _)| simple_key(k).is_some_and(|key| seen.insert(key)))
}
