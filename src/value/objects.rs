//! How a [`Value::Object`] reads into Rust types through the `Value`
//! deserializer: the same rules as reading its pickle (`src/de/pytypes.rs`,
//! whose table is in the crate docs): an instance as its state, an
//! `OrderedDict` as a map, a `deque` as a sequence, a `datetime` as ISO
//! text, a `Fraction` as `"1/3"`, a NamedTuple by position, an `Enum`
//! member by its value, any other call as its arguments.

use serde::de::{self, Visitor};

use super::deserializer::{Lend, ValueDe};
use super::{Object, Value};
use crate::error::{Error, Result};

/// The object's class as (module, name), if it is a global.
fn class(o: &Object) -> Option<(&str, &str)> {
    o.global().map(|g| (g.module.as_str(), g.name.as_str()))
}

/// `copyreg._reconstructor(cls, base, value)` with a value: how protocols
/// 0–1 write an instance of a subclass of a builtin type. Its value.
fn reconstructed(o: &Object) -> Option<&Value> {
    if class(o)? != ("copyreg", "_reconstructor") || o.args.len() != 3 {
        return None;
    }
    let value = &o.args[2];
    (!Value::resolve(value).is_none()).then_some(value)
}

/// `str(Fraction(num, den))` from a `fractions.Fraction(num, den)` call.
fn fraction_str(o: &Object) -> Option<String> {
    if o.args.len() != 2 {
        return None;
    }
    let int = |v: &Value| match Value::resolve(v) {
        Value::Int(i) => Some(i.to_string()),
        // CPython's str() refuses more than 4300 digits.
        Value::BigInt(b) => crate::codec::repr::bigint_decimal(b),
        _ => None,
    };
    let (num, den) = (int(&o.args[0])?, int(&o.args[1])?);
    Some(if den == "1" { num } else { format!("{num}/{den}") })
}

/// A datetime's pickled state bytes (bytes, or a Python 2 str read as Latin-1).
fn state_bytes(v: &Value) -> Option<Vec<u8>> {
    match Value::resolve(v) {
        Value::Bytes(b) => Some(b.clone()),
        Value::Str(s) => s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect(),
        _ => None,
    }
}

/// `isoformat()` of a datetime/date/time from its pickled state.
fn datetime_iso(o: &Object) -> Option<String> {
    let (_, name) = class(o)?;
    let bytes = state_bytes(o.args.first()?)?;
    let tz = o.args.get(1).and_then(utc_offset);
    let time = |b: &[u8]| {
        let us = (b[3] as u32) << 16 | (b[4] as u32) << 8 | b[5] as u32;
        let mut s = format!("{:02}:{:02}:{:02}", b[0], b[1], b[2]);
        if us != 0 {
            s.push_str(&format!(".{us:06}"));
        }
        s
    };
    let b = &bytes;
    let mut out = match (name, b.len()) {
        ("datetime", 10) => {
            let year = (b[0] as u32) << 8 | b[1] as u32;
            format!("{year:04}-{:02}-{:02}T{}", b[2] & 0x7f, b[3], time(&b[4..10]))
        }
        ("date", 4) => {
            let year = (b[0] as u32) << 8 | b[1] as u32;
            return Some(format!("{year:04}-{:02}-{:02}", b[2], b[3]));
        }
        ("time", 6) => time(&[b[0] & 0x7f, b[1], b[2], b[3], b[4], b[5]]),
        _ => return None,
    };
    if let Some(off) = tz {
        out.push_str(&off);
    }
    Some(out)
}

/// `+HH:MM` for a `datetime.timezone(timedelta(...))` argument.
fn utc_offset(tz: &Value) -> Option<String> {
    let Value::Object(t) = Value::resolve(tz) else { return None };
    if class(t)? != ("datetime", "timezone") {
        return None;
    }
    let Value::Object(d) = Value::resolve(t.args.first()?) else { return None };
    let int = |i: usize| match d.args.get(i).map(Value::resolve) {
        Some(Value::Int(v)) => Some(*v),
        None => Some(0),
        _ => None,
    };
    let total = int(0)? * 86_400 + int(1)?;
    let sign = if total < 0 { '-' } else { '+' };
    let a = total.unsigned_abs();
    Some(format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60))
}

/// `deserialize_any` of an object.
pub(crate) fn any<'a, 'de, L: Lend<'a, 'de>, V: Visitor<'de>>(
    n: ValueDe<'_, 'a, L>,
    o: &'a Object,
    visitor: V,
) -> Result<V::Value> {
    if let Some(value) = reconstructed(o) {
        n.enter()?;
        return de::Deserializer::deserialize_any(n.child(value), visitor);
    }
    match class(o) {
        Some(("fractions", "Fraction")) => {
            if let Some(s) = fraction_str(o) {
                return visitor.visit_string(s);
            }
        }
        Some(("collections", "OrderedDict" | "defaultdict")) => {
            return n.visit_map_of([&o.dict_items, &[]], visitor)
        }
        Some(("collections", "deque")) => return n.visit_seq_of(&o.list_items, visitor),
        Some(("datetime", "datetime" | "date" | "time")) => {
            if let Some(s) = datetime_iso(o) {
                return visitor.visit_string(s);
            }
        }
        _ => {}
    }
    if !o.dict_items.is_empty() {
        return n.visit_map_of([&o.dict_items, &[]], visitor);
    }
    if !o.list_items.is_empty() {
        return n.visit_seq_of(&o.list_items, visitor);
    }
    if let Some(state) = o.state.last() {
        // The last BUILD wins, as in CPython.
        n.enter()?;
        return deserialize_state(n.child(state), visitor);
    }
    match o.args.as_slice() {
        [] => visitor.visit_unit(),
        [only] => {
            n.enter()?;
            de::Deserializer::deserialize_any(n.child(only), visitor)
        }
        args => n.visit_seq_of(args, visitor),
    }
}

/// A BUILD state: a `(dict_or_None, slots)` pair reads as one map, anything
/// else as itself.
fn deserialize_state<'a, 'de, L: Lend<'a, 'de>, V: Visitor<'de>>(
    s: ValueDe<'_, 'a, L>,
    visitor: V,
) -> Result<V::Value> {
    if let Value::Tuple(t) = Value::resolve(s.value) {
        let part = |v: &'a Value| match Value::resolve(v) {
            Value::Dict(d) => Some(d.as_slice()),
            Value::None => Some(&[][..]),
            _ => None,
        };
        if let [a, b] = t.as_slice() {
            if let (Some(a), Some(b)) = (part(a), part(b)) {
                return s.visit_map_of([a, b], visitor);
            }
        }
    }
    de::Deserializer::deserialize_any(s, visitor)
}

/// An object read as a sequence or tuple (struct): a NamedTuple's arguments by position.
pub(crate) fn seq<'a, 'de, L: Lend<'a, 'de>, V: Visitor<'de>>(
    n: ValueDe<'_, 'a, L>,
    o: &'a Object,
    visitor: V,
) -> Result<V::Value> {
    if let Some(value) = reconstructed(o) {
        n.enter()?;
        return de::Deserializer::deserialize_seq(n.child(value), visitor);
    }
    if o.state.is_empty() && o.list_items.is_empty() && o.dict_items.is_empty() && o.args.len() > 1
    {
        return n.visit_seq_of(&o.args, visitor);
    }
    any(n, o, visitor)
}

/// An object read as a Rust enum: an `enum.Enum` member by its value.
pub(crate) fn variant<'a, 'de, L: Lend<'a, 'de>, V: Visitor<'de>>(
    n: ValueDe<'_, 'a, L>,
    o: &'a Object,
    visitor: V,
) -> Result<V::Value> {
    let inner = match reconstructed(o) {
        Some(value) => value,
        None => match o.args.as_slice() {
            [only] => only,
            _ => return Err(Error::message("object cannot be read as an enum")),
        },
    };
    n.enter()?;
    de::Deserializer::deserialize_enum(n.child(inner), "", &[], visitor)
}
