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
//! | `decimal.Decimal`, `fractions.Fraction` | its string (`"3.14"`, `"1/3"`) |
//! | `datetime.datetime` / `date` / `time` | ISO 8601 string (`isoformat()`; UTC offset when the tz is a fixed `datetime.timezone`) |
//! | `datetime.timedelta` | `(days, seconds, microseconds)` |
//! | `range` | `(start, stop, step)` |
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

pub(crate) fn deserialize_object<'de, V: Visitor<'de>>(n: NodeDe<'_, '_, 'de>, o: u32, visitor: V) -> Result<V::Value> {
    let o = n.ctx.arena.objects[o as usize];
    let cls = class(&n, &o);
    match cls {
        Some((b"collections", b"OrderedDict" | b"defaultdict")) => return n.visit_map_of(&[o.dict_items], visitor),
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
        return deserialize_state(n.child(state), visitor);
    }
    let args = args_seq(&n, &o);
    match args.len {
        0 => visitor.visit_unit(),
        1 => {
            let only = nth(&n, args, 0).unwrap_or(o.args);
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
pub(crate) fn deserialize_object_seq<'de, V: Visitor<'de>>(n: NodeDe<'_, '_, 'de>, o: u32, visitor: V) -> Result<V::Value> {
    let obj = n.ctx.arena.objects[o as usize];
    let args = args_seq(&n, &obj);
    if obj.state.len == 0 && obj.list_items.len == 0 && obj.dict_items.len == 0 && args.len > 1 {
        return n.visit_seq_of(args, visitor);
    }
    deserialize_object(n, o, visitor)
}

/// For Rust enums: an `enum.Enum` member read by its value.
pub(crate) fn deserialize_object_enum<'de, V: Visitor<'de>>(n: NodeDe<'_, '_, 'de>, o: u32, visitor: V) -> Result<V::Value> {
    let obj = n.ctx.arena.objects[o as usize];
    let args = args_seq(&n, &obj);
    match (args.len, nth(&n, args, 0)) {
        (1, Some(v)) => de::Deserializer::deserialize_enum(n.child(v), "", &[], visitor),
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
