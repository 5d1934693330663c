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
//!
//! Written once over a [`Tree`]: the arena's nodes (reading a pickle) and a
//! `Value` (`from_value`) read the same way.

use serde::de::{self, Visitor};

use super::access::{visit_map_of, visit_seq_of};
use super::view::{Kind, Tree, View};
use crate::error::{Error, Result};
use crate::py::numpy::de::How;

/// The object's class as (module, name), if it is a global.
fn class<N: Tree>(n: &N, o: N::Obj) -> Option<(&[u8], &[u8])> {
    global(n, n.callable(o))
}

/// A child's (module, name), if it is a global.
fn global<N: Tree>(n: &N, c: N::Child) -> Option<(&[u8], &[u8])> {
    match n.child(c).peek() {
        Kind::Global(g) => Some(n.global_parts(g)),
        _ => None,
    }
}

/// The `i`th positional argument.
fn arg<N: Tree>(n: &N, o: N::Obj, i: usize) -> Option<N::Child> {
    n.items(n.args(o)).nth(i)
}

fn arg_count<N: Tree>(n: &N, o: N::Obj) -> usize {
    n.items(n.args(o)).len()
}

/// `copyreg._reconstructor(cls, base, value)` with a base other than `object`:
/// how protocols 0–1 write an instance of a subclass of a builtin type
/// (`base.__new__(cls, value)`, a NamedTuple is `(cls, tuple, (1, 'b'))`).
/// Its value is `value`.
fn reconstructed_value<N: Tree>(n: &N, o: N::Obj) -> Option<N::Child> {
    if class(n, o)? != (b"copyreg", b"_reconstructor") || arg_count(n, o) != 3 {
        return None;
    }
    let value = arg(n, o, 2)?;
    (!matches!(n.child(value).peek(), Kind::None)).then_some(value)
}

/// `str(Fraction(num, den))` from a `fractions.Fraction(num, den)` call.
fn fraction_str<N: Tree>(n: &N, o: N::Obj) -> Option<String> {
    if arg_count(n, o) != 2 {
        return None;
    }
    let int = |i| match n.child(arg(n, o, i)?).peek() {
        Kind::Int(v) => Some(v.to_string()),
        // CPython's str() refuses more than 4300 digits (and decimal
        // conversion is quadratic): such a Fraction is not read as a string.
        Kind::BigInt(b) => crate::codec::repr::bigint_decimal(n.big(b)),
        _ => None,
    };
    let (num, den) = (int(0)?, int(1)?);
    Some(if den == "1" { num } else { format!("{num}/{den}") })
}

/// An error from reading node `n`: if it is a class instance read into a
/// type it does not fit, the error names its class (unless it came from one
/// of the instance's fields). Done as the error unwinds, off the recursion.
#[cold]
#[inline(never)]
pub(crate) fn in_class<N: Tree>(n: &N, e: Error) -> Error {
    let Kind::Object(o) = n.peek() else { return e };
    e.in_class(|| {
        let (module, name) = match reconstructed_class(n, o) {
            Some(cls) => cls,
            None => class(n, o)?,
        };
        Some(format!("{}.{}", String::from_utf8_lossy(module), String::from_utf8_lossy(name)))
    })
}

/// The class `cls` of a `copyreg._reconstructor(cls, base, state)` call.
fn reconstructed_class<N: Tree>(n: &N, o: N::Obj) -> Option<(&[u8], &[u8])> {
    if class(n, o)? != (b"copyreg", b"_reconstructor") {
        return None;
    }
    global(n, arg(n, o, 0)?)
}

/// `deserialize_any` of an object.
pub(crate) fn object<'de, N: View<'de>, V: Visitor<'de>>(
    n: &N,
    o: N::Obj,
    visitor: V,
) -> Result<V::Value> {
    // The common shapes in a small frame, as they recurse (a linked list of
    // 450 dataclass instances, or 1000 nested OrderedDicts, read into
    // serde_json::Value overflowed a 2 MiB stack in debug builds). Paths into
    // a child take the object onto the recursion path (`enter`), so that an
    // object reachable from itself is a `Recursive` error; `visit_*_of(n)`
    // enter it themselves.
    match shape(n, o) {
        Shape::Map(items) => visit_map_of(n, [items, N::NO_MAP], visitor),
        Shape::Seq(items) => visit_seq_of(n, items, visitor),
        Shape::DictState(state, dict) => {
            let _g = n.enter()?;
            visit_map_of(&n.child(state), [dict, N::NO_MAP], visitor)
        }
        Shape::Child(child) => {
            let _g = n.enter()?;
            de::Deserializer::deserialize_any(n.child(child), visitor)
        }
        Shape::Other => object_other(*n, o, visitor),
    }
}

/// How [`object`] reads an object, for the shapes that nest.
enum Shape<N: Tree> {
    /// Its `SETITEMS` (OrderedDict, defaultdict, dict subclasses).
    Map(N::Map),
    /// Its `APPENDS` (deque, list subclasses) or its arguments (NamedTuple).
    Seq(N::Seq),
    /// A dict state (instances): the state node and its items.
    DictState(N::Child, N::Map),
    /// One node standing for it: the value of a reconstructed builtin
    /// subclass, or the only argument of a call.
    Child(N::Child),
    /// Anything else ([`object_other`]).
    Other,
}

/// The order of [`object_other`], for the shapes it recurses through.
#[inline(never)]
fn shape<N: Tree>(n: &N, o: N::Obj) -> Shape<N> {
    // numpy arrays and pandas objects: read by crate::py::numpy.
    if n.special(o) {
        return Shape::Other;
    }
    if let Some(value) = reconstructed_value(n, o) {
        return Shape::Child(value);
    }
    match class(n, o) {
        Some((b"fractions", b"Fraction") | (b"datetime", _)) => return Shape::Other,
        Some((b"collections", b"OrderedDict" | b"defaultdict")) => {
            return Shape::Map(n.dict_items(o))
        }
        Some((b"collections", b"deque")) => return Shape::Seq(n.list_items(o)),
        _ => {}
    }
    if !n.map_is_empty(n.dict_items(o)) {
        return Shape::Map(n.dict_items(o));
    }
    if n.items(n.list_items(o)).len() > 0 {
        return Shape::Seq(n.list_items(o));
    }
    if let Some(state) = n.state(o) {
        return match n.child(state).peek() {
            Kind::Dict(d) => Shape::DictState(state, d),
            _ => Shape::Other,
        };
    }
    match arg_count(n, o) {
        0 => Shape::Other,
        1 => arg(n, o, 0).map_or(Shape::Other, Shape::Child),
        _ => Shape::Seq(n.args(o)),
    }
}

/// Every other object.
#[inline(never)]
fn object_other<'de, N: View<'de>, V: Visitor<'de>>(
    n: N,
    o: N::Obj,
    visitor: V,
) -> Result<V::Value> {
    if n.special(o) {
        return n.read_special(o, How::Any, visitor);
    }
    // Paths into a child take the object onto the recursion path (`enter`),
    // so that an object reachable from its own state or arguments is a
    // `Recursive` error, not an unbounded recursion; `visit_*_of(n)` enter it
    // themselves.
    if let Some(value) = reconstructed_value(&n, o) {
        let _g = n.enter()?;
        return de::Deserializer::deserialize_any(n.child(value), visitor);
    }
    match class(&n, o) {
        Some((b"fractions", b"Fraction")) => {
            if let Some(s) = fraction_str(&n, o) {
                return visitor.visit_string(s);
            }
        }
        Some((b"collections", b"OrderedDict" | b"defaultdict")) => {
            return visit_map_of(&n, [n.dict_items(o), N::NO_MAP], visitor)
        }
        Some((b"collections", b"deque")) => return visit_seq_of(&n, n.list_items(o), visitor),
        Some((b"datetime", b"datetime" | b"date" | b"time")) => {
            if let Some(s) = datetime_iso(&n, o) {
                return visitor.visit_string(s);
            }
        }
        _ => {}
    }
    if !n.map_is_empty(n.dict_items(o)) {
        return visit_map_of(&n, [n.dict_items(o), N::NO_MAP], visitor);
    }
    if n.items(n.list_items(o)).len() > 0 {
        return visit_seq_of(&n, n.list_items(o), visitor);
    }
    if let Some(state) = n.state(o) {
        // The last BUILD wins, as in CPython.
        let _g = n.enter()?;
        return deserialize_state(n.child(state), visitor);
    }
    match (arg_count(&n, o), arg(&n, o, 0)) {
        (0, _) => visitor.visit_unit(),
        (1, Some(only)) => {
            let _g = n.enter()?;
            de::Deserializer::deserialize_any(n.child(only), visitor)
        }
        _ => visit_seq_of(&n, n.args(o), visitor),
    }
}

/// A BUILD state: a dict, a `(dict_or_None, slots)` pair read as one map, or anything else as itself.
fn deserialize_state<'de, N: View<'de>, V: Visitor<'de>>(s: N, visitor: V) -> Result<V::Value> {
    if let Kind::Tuple(t) = s.peek() {
        let mut items = s.items(t);
        if let (2, Some(a), Some(b)) = (items.len(), items.next(), items.next()) {
            let part = |c| match s.child(c).peek() {
                Kind::Dict(d) => Some(d),
                Kind::None => Some(N::NO_MAP),
                _ => None,
            };
            if let (Some(d), Some(slots)) = (part(a), part(b)) {
                return visit_map_of(&s, [d, slots], visitor);
            }
        }
    }
    de::Deserializer::deserialize_any(s, visitor)
}

/// For tuple structs: a NamedTuple's arguments by position.
pub(crate) fn object_seq<'de, N: View<'de>, V: Visitor<'de>>(
    n: N,
    o: N::Obj,
    visitor: V,
) -> Result<V::Value> {
    if n.special(o) {
        return n.read_special(o, How::Seq, visitor);
    }
    as_seq(n, o, visitor).map_err(|e| n.in_class(e))
}

fn as_seq<'de, N: View<'de>, V: Visitor<'de>>(n: N, o: N::Obj, visitor: V) -> Result<V::Value> {
    if let Some(value) = reconstructed_value(&n, o) {
        let _g = n.enter()?;
        return de::Deserializer::deserialize_seq(n.child(value), visitor);
    }
    let plain = n.state(o).is_none()
        && n.items(n.list_items(o)).len() == 0
        && n.map_is_empty(n.dict_items(o));
    if plain && arg_count(&n, o) > 1 {
        return visit_seq_of(&n, n.args(o), visitor);
    }
    object(&n, o, visitor)
}

/// For Rust enums: an `enum.Enum` member read by its value.
pub(crate) fn object_enum<'de, N: View<'de>, V: Visitor<'de>>(
    n: N,
    o: N::Obj,
    visitor: V,
) -> Result<V::Value> {
    as_enum(n, o, visitor).map_err(|e| n.in_class(e))
}

fn as_enum<'de, N: View<'de>, V: Visitor<'de>>(n: N, o: N::Obj, visitor: V) -> Result<V::Value> {
    let inner = match (reconstructed_value(&n, o), arg_count(&n, o), arg(&n, o, 0)) {
        (Some(value), _, _) => value,
        (None, 1, Some(only)) => only,
        _ => return Err(Error::message("object cannot be read as an enum")),
    };
    let _g = n.enter()?;
    de::Deserializer::deserialize_enum(n.child(inner), "", &[], visitor)
}

/// `isoformat()` of a datetime/date/time from its pickled state bytes.
fn datetime_iso<N: Tree>(n: &N, o: N::Obj) -> Option<String> {
    let (_, name) = class(n, o)?;
    let state = n.child(arg(n, o, 0)?);
    let bytes = state.latin1()?;
    let tz = arg(n, o, 1).and_then(|t| utc_offset(n, t));
    let time = |b: &[u8]| {
        let us = (b[3] as u32) << 16 | (b[4] as u32) << 8 | b[5] as u32;
        let mut s = format!("{:02}:{:02}:{:02}", b[0], b[1], b[2]);
        if us != 0 {
            s.push_str(&format!(".{us:06}"));
        }
        s
    };
    let b = &bytes[..];
    let mut out = match (name, b.len()) {
        (b"datetime", 10) => {
            let year = (b[0] as u32) << 8 | b[1] as u32;
            format!("{year:04}-{:02}-{:02}T{}", b[2] & 0x7f, b[3], time(&b[4..10]))
        }
        (b"date", 4) => {
            let year = (b[0] as u32) << 8 | b[1] as u32;
            return Some(format!("{year:04}-{:02}-{:02}", b[2], b[3]));
        }
        (b"time", 6) => time(&[b[0] & 0x7f, b[1], b[2], b[3], b[4], b[5]]),
        _ => return None,
    };
    if let Some(off) = tz {
        out.push_str(&off);
    }
    Some(out)
}

/// `+HH:MM` for a `datetime.timezone(timedelta(...))` argument.
fn utc_offset<N: Tree>(n: &N, tz: N::Child) -> Option<String> {
    let Kind::Object(t) = n.child(tz).peek() else { return None };
    if class(n, t)? != (b"datetime", b"timezone") {
        return None;
    }
    let Kind::Object(d) = n.child(arg(n, t, 0)?).peek() else { return None };
    let int = |i| match arg(n, d, i).map(|c| n.child(c).peek()) {
        Some(Kind::Int(v)) => Some(v),
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
        data.extend(std::iter::repeat_n(b'u', n));
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
