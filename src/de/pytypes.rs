//! How class instances and standard-library objects read into Rust types.
//!
//! | Python object | read as |
//! |---|---|
//! | instance with `__dict__` (dataclass, plain class: NEWOBJ/`_reconstructor` + BUILD) | map of its state (a struct) |
//! | `__slots__` state `(dict_or_None, slots_dict)` | one map of both |
//! | `__getstate__` / `__reduce__` state that is not a dict | that state |
//! | `collections.OrderedDict`, `defaultdict`, `Counter` | map |
//! | `collections.deque` | sequence |
//! | NamedTuple (NEWOBJ with arguments) | sequence (a tuple, or a struct by position) |
//! | `enum.Enum` member (`Cls(value)`) | its value (or a Rust enum variant named by it) |
//! | `decimal.Decimal`, `fractions.Fraction` | its string (`"3.14"`, `"1/3"`; a Fraction pickles as `(numerator, denominator)`) |
//! | `datetime.datetime` / `date` / `time` | ISO 8601 string (`isoformat()`; UTC offset when the tz is a fixed `datetime.timezone`) |
//! | `datetime.timedelta` | `(days, seconds, microseconds)` |
//! | `range` | `(start, stop, step)` |
//! | subclass of `tuple`, `list`, `dict`, `int`, `str`... at protocols 0–1 (`copyreg._reconstructor(cls, base, value)`) | the base value |
//! | `complex` | `(real, imag)` |
//! | any other call with one argument | that argument |
//! | any other call with several arguments | the arguments as a sequence |

use serde::de::{self, Visitor};

use super::node::NodeDe;
use crate::error::{Error, Result};
use crate::vm::arena::{Node, NodeId, ObjNode, Seq};

/// The object's class as (module, name) bytes, if it is a global.
fn class<'c>(n: &NodeDe<'c, '_, '_>, o: &ObjNode) -> Option<(&'c [u8], &'c [u8])> {
    match n.ctx.arena.node(o.callable) {
        Node::Global(g) => {
            let g = n.ctx.arena.globals[g as usize];
            Some((n.ctx.arena.bytes(n.ctx.input, g.module), n.ctx.arena.bytes(n.ctx.input, g.name)))
        }
        _ => None,
    }
}

fn args_seq(n: &NodeDe<'_, '_, '_>, o: &ObjNode) -> Seq {
    match n.ctx.arena.node(o.args) {
        Node::Tuple(s) => s,
        _ => Seq::EMPTY,
    }
}

fn nth(n: &NodeDe<'_, '_, '_>, seq: Seq, i: usize) -> Option<NodeId> {
    n.ctx.arena.iter(seq).nth(i)
}

/// `copyreg._reconstructor(cls, base, value)` with a base other than `object`:
/// how protocols 0–1 write an instance of a subclass of a builtin type
/// (`base.__new__(cls, value)`, a NamedTuple is `(cls, tuple, (1, 'b'))`).
/// Its value is `value`.
fn reconstructed_value(n: &NodeDe<'_, '_, '_>, o: &ObjNode) -> Option<NodeId> {
    if class(n, o)? != (b"copyreg", b"_reconstructor") {
        return None;
    }
    let args = args_seq(n, o);
    let value = nth(n, args, 2).filter(|_| args.len == 3)?;
    (!matches!(n.ctx.arena.node(value), Node::None)).then_some(value)
}

/// `str(Fraction(num, den))` from a `fractions.Fraction(num, den)` call.
fn fraction_str(n: &NodeDe<'_, '_, '_>, o: &ObjNode) -> Option<String> {
    let args = args_seq(n, o);
    if args.len != 2 {
        return None;
    }
    let int = |i| match n.ctx.arena.node(nth(n, args, i)?) {
        Node::Int(v) => Some(v.to_string()),
        // CPython's str() refuses more than 4300 digits (and decimal
        // conversion is quadratic): such a Fraction is not read as a string.
        Node::BigInt(b) => crate::codec::repr::bigint_decimal(&n.ctx.arena.bigints[b as usize]),
        _ => None,
    };
    let (num, den) = (int(0)?, int(1)?);
    Some(if den == "1" { num } else { format!("{num}/{den}") })
}

/// An error from reading node `id`: if it is a class instance read into a
/// type it does not fit, the error names its class (unless it came from one
/// of the instance's fields). Done as the error unwinds, off the recursion.
#[cold]
#[inline(never)]
pub(crate) fn in_class(n: &NodeDe<'_, '_, '_>, id: NodeId, e: Error) -> Error {
    let Node::Object(o) = n.ctx.arena.node(id) else { return e };
    e.in_class(|| {
        let o = n.ctx.arena.objects[o as usize];
        let (module, name) = match reconstructed_class(n, &o) {
            Some(cls) => cls,
            None => class(n, &o)?,
        };
        Some(format!("{}.{}", String::from_utf8_lossy(module), String::from_utf8_lossy(name)))
    })
}

/// The class `cls` of a `copyreg._reconstructor(cls, base, state)` call.
fn reconstructed_class<'c>(n: &NodeDe<'c, '_, '_>, o: &ObjNode) -> Option<(&'c [u8], &'c [u8])> {
    if class(n, o)? != (b"copyreg", b"_reconstructor") {
        return None;
    }
    match n.ctx.arena.node(nth(n, args_seq(n, o), 0)?) {
        Node::Global(g) => {
            let g = n.ctx.arena.globals[g as usize];
            Some((n.ctx.arena.bytes(n.ctx.input, g.module), n.ctx.arena.bytes(n.ctx.input, g.name)))
        }
        _ => None,
    }
}

pub(crate) fn deserialize_object<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    visitor: V,
) -> Result<V::Value> {
    let idx = o;
    let o = n.ctx.arena.objects[o as usize];
    // The common shapes in a small frame, as they recurse (a linked list of
    // 450 dataclass instances, or 1000 nested OrderedDicts, read into
    // serde_json::Value overflowed a 2 MiB stack in debug builds). Paths into
    // a child take the object onto the recursion path (`enter`), so that an
    // object reachable from itself is a `Recursive` error; `visit_*_of(n)`
    // enter it themselves.
    match shape(&n, idx, &o) {
        Shape::Map(items) => n.visit_map_of(&[items], visitor),
        Shape::Seq(items) => n.visit_seq_of(items, visitor),
        Shape::DictState(state, dict) => {
            let _g = n.enter()?;
            n.child(state).visit_map_of(&[dict], visitor)
        }
        Shape::Child(child) => {
            let _g = n.enter()?;
            de::Deserializer::deserialize_any(n.child(child), visitor)
        }
        Shape::Other => deserialize_object_other(n, idx, o, visitor),
    }
}

/// How [`deserialize_object`] reads an object, for the shapes that nest.
enum Shape {
    /// Its `SETITEMS` (OrderedDict, defaultdict, dict subclasses).
    Map(Seq),
    /// Its `APPENDS` (deque, list subclasses) or its arguments (NamedTuple).
    Seq(Seq),
    /// A dict state (instances): the state node and its items.
    DictState(NodeId, Seq),
    /// One node standing for it: the value of a reconstructed builtin
    /// subclass, or the only argument of a call.
    Child(NodeId),
    /// Anything else ([`deserialize_object_other`]).
    Other,
}

/// The order of [`deserialize_object_other`], for the shapes it recurses through.
#[inline(never)]
fn shape(n: &NodeDe<'_, '_, '_>, idx: u32, o: &ObjNode) -> Shape {
    // numpy arrays and pandas objects: read by crate::py::numpy.
    if crate::py::numpy::handles(n, idx) {
        return Shape::Other;
    }
    if let Some(value) = reconstructed_value(n, o) {
        return Shape::Child(value);
    }
    match class(n, o) {
        Some((b"fractions", b"Fraction") | (b"datetime", _)) => return Shape::Other,
        Some((b"collections", b"OrderedDict" | b"defaultdict")) => return Shape::Map(o.dict_items),
        Some((b"collections", b"deque")) => return Shape::Seq(o.list_items),
        _ => {}
    }
    if o.dict_items.len > 0 {
        return Shape::Map(o.dict_items);
    }
    if o.list_items.len > 0 {
        return Shape::Seq(o.list_items);
    }
    if o.state.len > 0 {
        let state = n.ctx.arena.iter(o.state).last();
        return match state.map(|s| (s, n.ctx.arena.node(s))) {
            Some((s, Node::Dict(d))) => Shape::DictState(s, d),
            _ => Shape::Other,
        };
    }
    let args = args_seq(n, o);
    match args.len {
        0 => Shape::Other,
        1 => nth(n, args, 0).map_or(Shape::Other, Shape::Child),
        _ => Shape::Seq(args),
    }
}

/// Every other object.
#[inline(never)]
fn deserialize_object_other<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    idx: u32,
    o: ObjNode,
    visitor: V,
) -> Result<V::Value> {
    if crate::py::numpy::handles(&n, idx) {
        return crate::py::numpy::de::read(n, idx, crate::py::numpy::de::How::Any, visitor);
    }
    // Paths into a child take the object onto the recursion path (`enter`),
    // so that an object reachable from its own state or arguments is a
    // `Recursive` error, not an unbounded recursion; `visit_*_of(n)` enter it
    // themselves.
    if let Some(value) = reconstructed_value(&n, &o) {
        let _g = n.enter()?;
        return de::Deserializer::deserialize_any(n.child(value), visitor);
    }
    let cls = class(&n, &o);
    match cls {
        Some((b"fractions", b"Fraction")) => {
            if let Some(s) = fraction_str(&n, &o) {
                return visitor.visit_string(s);
            }
        }
        Some((b"collections", b"OrderedDict" | b"defaultdict")) => {
            return n.visit_map_of(&[o.dict_items], visitor)
        }
        Some((b"collections", b"deque")) => return n.visit_seq_of(o.list_items, visitor),
        Some((b"datetime", b"datetime" | b"date" | b"time")) => {
            if let Some(s) = datetime_iso(&n, &o) {
                return visitor.visit_string(s);
            }
        }
        _ => {}
    }
    if o.dict_items.len > 0 {
        return n.visit_map_of(&[o.dict_items], visitor);
    }
    if o.list_items.len > 0 {
        return n.visit_seq_of(o.list_items, visitor);
    }
    if o.state.len > 0 {
        // The last BUILD wins, as in CPython.
        let state = n.ctx.arena.iter(o.state).last().unwrap_or(o.args);
        let _g = n.enter()?;
        return deserialize_state(n.child(state), visitor);
    }
    let args = args_seq(&n, &o);
    match args.len {
        0 => visitor.visit_unit(),
        1 => {
            let only = nth(&n, args, 0).unwrap_or(o.args);
            let _g = n.enter()?;
            de::Deserializer::deserialize_any(n.child(only), visitor)
        }
        _ => n.visit_seq_of(args, visitor),
    }
}

/// A BUILD state: a dict, a `(dict_or_None, slots)` pair read as one map, or anything else as itself.
fn deserialize_state<'de, V: Visitor<'de>>(s: NodeDe<'_, '_, 'de>, visitor: V) -> Result<V::Value> {
    if let Node::Tuple(t) = s.node() {
        if t.len == 2 {
            let (a, b) = (nth(&s, t, 0), nth(&s, t, 1));
            if let (Some(a), Some(b)) = (a, b) {
                let seq = |id| match s.ctx.arena.node(id) {
                    Node::Dict(d) => Some(d),
                    Node::None => Some(Seq::EMPTY),
                    _ => None,
                };
                if let (Some(d), Some(slots)) = (seq(a), seq(b)) {
                    return s.visit_map_of(&[d, slots], visitor);
                }
            }
        }
    }
    de::Deserializer::deserialize_any(s, visitor)
}

/// For tuple structs: a NamedTuple's arguments by position.
pub(crate) fn deserialize_object_seq<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    visitor: V,
) -> Result<V::Value> {
    if crate::py::numpy::handles(&n, o) {
        return crate::py::numpy::de::read(n, o, crate::py::numpy::de::How::Seq, visitor);
    }
    object_seq(n, o, visitor).map_err(|e| in_class(&n, o, e))
}

fn object_seq<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    visitor: V,
) -> Result<V::Value> {
    let obj = n.ctx.arena.objects[o as usize];
    if let Some(value) = reconstructed_value(&n, &obj) {
        let _g = n.enter()?;
        return de::Deserializer::deserialize_seq(n.child(value), visitor);
    }
    let args = args_seq(&n, &obj);
    if obj.state.len == 0 && obj.list_items.len == 0 && obj.dict_items.len == 0 && args.len > 1 {
        return n.visit_seq_of(args, visitor);
    }
    deserialize_object(n, o, visitor)
}

/// For Rust enums: an `enum.Enum` member read by its value.
pub(crate) fn deserialize_object_enum<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    visitor: V,
) -> Result<V::Value> {
    object_enum(n, o, visitor).map_err(|e| in_class(&n, o, e))
}

fn object_enum<'de, V: Visitor<'de>>(
    n: NodeDe<'_, '_, 'de>,
    o: u32,
    visitor: V,
) -> Result<V::Value> {
    let obj = n.ctx.arena.objects[o as usize];
    if let Some(value) = reconstructed_value(&n, &obj) {
        let _g = n.enter()?;
        return de::Deserializer::deserialize_enum(n.child(value), "", &[], visitor);
    }
    let args = args_seq(&n, &obj);
    match (args.len, nth(&n, args, 0)) {
        (1, Some(v)) => {
            let _g = n.enter()?;
            de::Deserializer::deserialize_enum(n.child(v), "", &[], visitor)
        }
        _ => Err(Error::message("object cannot be read as an enum")),
    }
}

/// `isoformat()` of a datetime/date/time from its pickled state bytes.
fn datetime_iso(n: &NodeDe<'_, '_, '_>, o: &ObjNode) -> Option<String> {
    let (_, name) = class(n, o)?;
    let args = args_seq(n, o);
    let state = nth(n, args, 0)?;
    let bytes = match n.ctx.arena.node(state) {
        Node::Bytes(s) | Node::Py2Str(s) => n.ctx.arena.bytes(n.ctx.input, s),
        _ => return None,
    };
    let tz = nth(n, args, 1).and_then(|t| utc_offset(n, t));
    let time = |b: &[u8]| {
        let us = (b[3] as u32) << 16 | (b[4] as u32) << 8 | b[5] as u32;
        let mut s = format!("{:02}:{:02}:{:02}", b[0], b[1], b[2]);
        if us != 0 {
            s.push_str(&format!(".{us:06}"));
        }
        s
    };
    let mut out = match (name, bytes.len()) {
        (b"datetime", 10) => {
            let year = (bytes[0] as u32) << 8 | bytes[1] as u32;
            format!("{year:04}-{:02}-{:02}T{}", bytes[2] & 0x7f, bytes[3], time(&bytes[4..10]))
        }
        (b"date", 4) => {
            let year = (bytes[0] as u32) << 8 | bytes[1] as u32;
            return Some(format!("{year:04}-{:02}-{:02}", bytes[2], bytes[3]));
        }
        (b"time", 6) => time(&[bytes[0] & 0x7f, bytes[1], bytes[2], bytes[3], bytes[4], bytes[5]]),
        _ => return None,
    };
    if let Some(off) = tz {
        out.push_str(&off);
    }
    Some(out)
}

/// `+HH:MM` for a `datetime.timezone(timedelta(...))` argument.
fn utc_offset(n: &NodeDe<'_, '_, '_>, tz: NodeId) -> Option<String> {
    let Node::Object(t) = n.ctx.arena.node(tz) else { return None };
    let t = n.ctx.arena.objects[t as usize];
    if class(n, &t)? != (b"datetime", b"timezone") {
        return None;
    }
    let delta = nth(n, args_seq(n, &t), 0)?;
    let Node::Object(d) = n.ctx.arena.node(delta) else { return None };
    let d = n.ctx.arena.objects[d as usize];
    let dargs = args_seq(n, &d);
    let int = |i| match nth(n, dargs, i).map(|id| n.ctx.arena.node(id)) {
        Some(Node::Int(v)) => Some(v),
        None => Some(0),
        _ => None,
    };
    let total = int(0)? * 86_400 + int(1)?;
    let sign = if total < 0 { '-' } else { '+' };
    let a = total.unsigned_abs();
    Some(format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    // Written by CPython 3.11 (`pickle.dumps`).
    /// `Pair(1, 'b')`, a namedtuple, at protocol 0.
    const PAIR_P0: &[u8] = b"ccopy_reg\n_reconstructor\np0\n(c__main__\nPair\np1\nc__builtin__\ntuple\np2\n(I1\nVb\np3\ntp4\ntp5\nRp6\n.";
    /// `L([1, 2])` for `class L(list)`, at protocol 1.
    const LIST_SUBCLASS_P1: &[u8] =
        b"ccopy_reg\n_reconstructor\nq\x00(c__main__\nL\nq\x01c__builtin__\nlist\nq\x02]q\x03(K\x01K\x02etq\x04Rq\x05.";
    /// `Fraction(-1, 3)` at protocol 2.
    const FRACTION_P2: &[u8] =
        b"\x80\x02cfractions\nFraction\nq\x00J\xff\xff\xff\xffK\x03\x86q\x01Rq\x02.";
    /// `Fraction(6, 2)` at protocol 4.
    const FRACTION_3_P4: &[u8] = b"\x80\x04\x95\"\x00\x00\x00\x00\x00\x00\x00\x8c\tfractions\x94\x8c\x08Fraction\x94\x93\x94K\x03K\x01\x86\x94R\x94.";
    /// `Fraction(2**70, 3)` at protocol 5.
    const FRACTION_BIG_P5: &[u8] = b"\x80\x05\x95+\x00\x00\x00\x00\x00\x00\x00\x8c\tfractions\x94\x8c\x08Fraction\x94\x93\x94\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00@K\x03\x86\x94R\x94.";

    #[test]
    fn a_builtin_subclass_at_protocol_0_or_1_reads_as_its_base_value() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct PairT(i32, String);
        #[derive(Deserialize, Debug, PartialEq)]
        struct PairS {
            left: i32,
            right: String,
        }
        assert_eq!(crate::from_slice::<PairT>(PAIR_P0).unwrap(), PairT(1, "b".into()));
        assert_eq!(crate::from_slice::<(i32, String)>(PAIR_P0).unwrap(), (1, "b".into()));
        assert_eq!(
            crate::from_slice::<PairS>(PAIR_P0).unwrap(),
            PairS { left: 1, right: "b".into() }
        );
        assert_eq!(crate::from_slice::<Vec<i32>>(LIST_SUBCLASS_P1).unwrap(), [1, 2]);
    }

    /// `p = Plain(); p.c = p` (with `a=1, b='two'`) at protocols 2 and 0.
    const SELF_OBJECT_P2: &[u8] = b"\x80\x02c__main__\nPlain\nq\x00)\x81q\x01}q\x02(X\x01\x00\x00\x00aq\x03K\x01X\x01\x00\x00\x00bq\x04X\x03\x00\x00\x00twoq\x05X\x01\x00\x00\x00cq\x06h\x01ub.";
    const SELF_OBJECT_P0: &[u8] = b"ccopy_reg\n_reconstructor\np0\n(c__main__\nPlain\np1\nc__builtin__\nobject\np2\nNtp3\nRp4\n(dp5\nVa\np6\nI1\nsVb\np7\nVtwo\np8\nsVc\np9\ng4\nsb.";
    /// `OrderedDict(a=1, b=2)` and `deque([1, 2, 3])` at protocol 2.
    const ORDERED_DICT_P2: &[u8] = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01(X\x01\x00\x00\x00aq\x02K\x01X\x01\x00\x00\x00bq\x03K\x02u.";
    const DEQUE_P2: &[u8] = b"\x80\x02ccollections\ndeque\nq\x00)Rq\x01(K\x01K\x02K\x03e.";

    #[test]
    fn an_object_in_its_own_state_is_a_recursion_error_not_a_stack_overflow() {
        // These overflowed the stack: the object itself was never on the
        // recursion path, only the containers below it.
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                [SELF_OBJECT_P2, SELF_OBJECT_P0].map(|data| {
                    let e = crate::from_slice::<serde_json::Value>(data).unwrap_err();
                    (e.category(), e.to_string().contains("recursive"))
                })
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(result, [(crate::Category::Data, true); 2]);
    }

    #[test]
    fn objects_that_are_containers_are_not_mistaken_for_cycles() {
        let d: std::collections::BTreeMap<String, i32> =
            crate::from_slice(ORDERED_DICT_P2).unwrap();
        assert_eq!(d.into_iter().collect::<Vec<_>>(), [("a".to_string(), 1), ("b".to_string(), 2)]);
        assert_eq!(crate::from_slice::<Vec<i32>>(DEQUE_P2).unwrap(), [1, 2, 3]);
        assert!(crate::from_slice::<serde_json::Value>(DEQUE_P2).is_ok());
    }

    /// `n` nested `OrderedDict([('k', ...)])`, protocol 2.
    fn ordered_dicts(n: usize) -> Vec<u8> {
        let mut data = b"\x80\x02".to_vec();
        for _ in 0..n {
            data.extend_from_slice(b"ccollections\nOrderedDict\n)R(X\x01\x00\x00\x00k");
        }
        data.push(b'N');
        data.extend(std::iter::repeat(b'u').take(n));
        data.push(b'.');
        data
    }

    #[test]
    fn nested_ordered_dicts_read_deep_on_a_2_mib_stack() {
        // 1000 overflowed a 2 MiB stack (debug build) before objects got a
        // small-frame path; they now cost ~1.9 KB of stack per level there.
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                crate::from_slice::<serde_json::Value>(&ordered_dicts(1000))
                    .map(|_| ())
                    .map_err(|e| e.category())
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(result, Ok(()));
        let opts = crate::DeOptions::new().max_depth(100);
        let too_deep = crate::from_slice_with::<serde_json::Value>(&ordered_dicts(101), &opts);
        assert_eq!(too_deep.map(|_| ()).map_err(|e| e.category()), Err(crate::Category::Limit));
    }

    /// A linked list of `n` instances of a `Node(v, next)` dataclass, protocol 2.
    fn chain(n: usize) -> Vec<u8> {
        let mut data = b"\x80\x02".to_vec();
        for _ in 0..n {
            data.extend_from_slice(
                b"c__main__\nNode\n)\x81}(X\x01\x00\x00\x00vK\x01X\x04\x00\x00\x00next",
            );
        }
        data.push(b'N');
        for _ in 0..n {
            data.extend_from_slice(b"ub");
        }
        data.push(b'.');
        data
    }

    #[test]
    fn nested_instances_read_to_the_depth_limit_on_a_2_mib_stack() {
        // Each instance is two levels (itself and its dict): 512 fit in the
        // default limit of 1024. 450 overflowed a 2 MiB stack (debug build).
        let result = std::thread::Builder::new()
            .stack_size(2 << 20)
            .spawn(|| {
                let read = |n| {
                    crate::from_slice::<serde_json::Value>(&chain(n))
                        .map(|_| ())
                        .map_err(|e| e.category())
                };
                [read(500), read(600)]
            })
            .expect("spawn")
            .join()
            .expect("no stack overflow");
        assert_eq!(result, [Ok(()), Err(crate::Category::Limit)]);
    }

    #[test]
    fn a_fraction_reads_as_its_string() {
        assert_eq!(crate::from_slice::<String>(FRACTION_P2).unwrap(), "-1/3");
        assert_eq!(crate::from_slice::<String>(FRACTION_3_P4).unwrap(), "3");
        assert_eq!(
            crate::from_slice::<String>(FRACTION_BIG_P5).unwrap(),
            "1180591620717411303424/3"
        );
        // As a pair, it is (numerator, denominator).
        assert_eq!(crate::from_slice::<(i64, i64)>(FRACTION_P2).unwrap(), (-1, 3));
    }
}
