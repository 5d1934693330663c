//! numpy dtypes: the public [`Dtype`] (what `dtype.str` says, plus a
//! datetime unit) and the reader's [`Descr`], parsed from the pickled
//! `numpy.dtype(name, False, True)` call and its `BUILD` state
//! `(version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])`.

use std::fmt;

use crate::de::NodeDe;
use crate::error::{Error, Result};
use crate::vm::arena::{Node, NodeId};

use super::array::{class_of, malformed, object_parts, text_of};

/// A numpy dtype as `dtype.str` spells it: byte order, kind, item size and,
/// for `datetime64`/`timedelta64`, the unit.
///
/// ```
/// use serde_pickle::py::Dtype;
/// let d = Dtype::parse("<M8[25s]").unwrap();
/// assert_eq!((d.kind(), d.itemsize()), ('M', 8));
/// assert_eq!(d.unit(), Some(("s", 25)));
/// assert_eq!(d.name(), "datetime64[25s]");
/// assert_eq!(d.to_string(), "<M8[25s]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Dtype {
    byteorder: char,
    kind: char,
    itemsize: usize,
    unit: Option<(String, u32)>,
}

impl Dtype {
    /// Parse numpy's `dtype.str` form: `"<f8"`, `"|b1"`, `"<U5"`, `">i4"`, `"<M8[ms]"`.
    pub fn parse(s: &str) -> Result<Dtype> {
        let bad = || Error::message(format!("not a numpy dtype string: {s:?}"));
        let mut chars = s.chars();
        let byteorder = chars.next().filter(|c| "<>|=".contains(*c)).ok_or_else(bad)?;
        let kind = chars.next().filter(|c| "biufcSUVOMm".contains(*c)).ok_or_else(bad)?;
        let rest = chars.as_str();
        let (digits, unit) = match rest.find('[') {
            Some(i) => (&rest[..i], Some(rest[i + 1..].strip_suffix(']').ok_or_else(bad)?)),
            None => (rest, None),
        };
        let n: usize =
            if digits.is_empty() && kind == 'O' { 8 } else { digits.parse().map_err(|_| bad())? };
        let itemsize = if kind == 'U' { n.checked_mul(4).ok_or_else(bad)? } else { n };
        let unit = match unit {
            Some(u) if "Mm".contains(kind) => Some(parse_unit(u).ok_or_else(bad)?),
            Some(_) => return Err(bad()),
            None => None,
        };
        Ok(Dtype { byteorder, kind, itemsize, unit })
    }

    pub(crate) fn new(
        byteorder: char,
        kind: char,
        itemsize: usize,
        unit: Option<(String, u32)>,
    ) -> Self {
        Dtype { byteorder, kind, itemsize, unit }
    }

    /// `'<'`, `'>'` or `'|'` (not applicable: one byte, strings, objects).
    pub fn byteorder(&self) -> char {
        self.byteorder
    }

    /// numpy's kind character: `b` bool, `i` int, `u` uint, `f` float,
    /// `c` complex, `S` bytes, `U` str, `V` void/structured, `O` object,
    /// `M` datetime64, `m` timedelta64.
    pub fn kind(&self) -> char {
        self.kind
    }

    /// Bytes per element (a `U5` element is 20 bytes).
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The unit and multiplier of a `datetime64`/`timedelta64` (`("ms", 1)`).
    pub fn unit(&self) -> Option<(&str, u32)> {
        self.unit.as_ref().map(|(u, n)| (u.as_str(), *n))
    }

    /// numpy's name for it: `"float64"`, `"int8"`, `"<U5"`, `"datetime64[ms]"`.
    pub fn name(&self) -> String {
        let bits = self.itemsize * 8;
        let unit = || match &self.unit {
            Some((u, 1)) => format!("[{u}]"),
            Some((u, n)) => format!("[{n}{u}]"),
            None => String::new(),
        };
        match self.kind {
            'b' => "bool".into(),
            'i' => format!("int{bits}"),
            'u' => format!("uint{bits}"),
            'f' => format!("float{bits}"),
            'c' => format!("complex{bits}"),
            'O' => "object".into(),
            'M' => format!("datetime64{}", unit()),
            'm' => format!("timedelta64{}", unit()),
            _ => self.to_string(),
        }
    }
}

impl fmt::Display for Dtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = if self.kind == 'U' { self.itemsize / 4 } else { self.itemsize };
        match self.kind {
            'O' => write!(f, "|O"),
            _ => write!(f, "{}{}{n}", self.byteorder, self.kind),
        }?;
        match &self.unit {
            Some((u, 1)) => write!(f, "[{u}]"),
            Some((u, m)) => write!(f, "[{m}{u}]"),
            None => Ok(()),
        }
    }
}

/// `"25s"` -> `("s", 25)`, `"ms"` -> `("ms", 1)`.
fn parse_unit(u: &str) -> Option<(String, u32)> {
    let split = u.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = u.split_at(split);
    let n = if n.is_empty() { 1 } else { n.parse().ok()? };
    (!unit.is_empty() && unit.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| (unit.to_string(), n))
}

/// How one element is laid out, as the reader decodes it.
#[derive(Clone, Debug)]
pub(crate) struct Descr {
    pub dtype: Dtype,
    /// Multi-byte values are big-endian.
    pub big: bool,
    /// A structured dtype's fields, in order.
    pub fields: Vec<Field>,
}

#[derive(Clone, Debug)]
pub(crate) struct Field {
    pub name: String,
    pub offset: usize,
    pub descr: Descr,
}

/// Nested structured dtypes deeper than this are refused (the VM bounds the
/// pickle's nesting, this bounds the reader's recursion over it).
const MAX_FIELD_DEPTH: usize = 32;

impl Descr {
    /// The dtype an arena node describes (a `numpy.dtype(...)` call with its state).
    pub(crate) fn parse(n: &NodeDe<'_, '_, '_>, id: NodeId) -> Result<Descr> {
        // Fields of structured dtypes may share one nested dtype through the
        // memo; expanding them is bounded like any other repetition.
        let mut fields_left = n.ctx.pickle_len.saturating_add(4096);
        parse_at(n, id, 0, &mut fields_left)
    }

    pub(crate) fn size(&self) -> usize {
        self.dtype.itemsize
    }
}

fn parse_at(
    n: &NodeDe<'_, '_, '_>,
    id: NodeId,
    depth: usize,
    fields_left: &mut usize,
) -> Result<Descr> {
    if depth > MAX_FIELD_DEPTH {
        return Err(Error::limit("numpy structured dtype nested too deeply"));
    }
    let arena = n.ctx.arena;
    let Node::Object(o) = arena.node(id) else {
        return Err(malformed("the dtype is not a numpy.dtype"));
    };
    let o = arena.objects[o as usize];
    if class_of(n, o.callable) != Some((b"numpy", b"dtype")) {
        return Err(malformed("the dtype is not a numpy.dtype"));
    }
    let (args, state) = object_parts(n, &o);
    let name = args.first().and_then(|&a| text_of(n, a)).ok_or_else(|| malformed("dtype name"))?;
    let name = std::str::from_utf8(name).map_err(|_| malformed("dtype name"))?;
    let mut kind = name.chars().next().ok_or_else(|| malformed("dtype name"))?;
    let digits = &name[kind.len_utf8()..];
    let mut size: usize = digits.parse().unwrap_or(0);
    if kind == 'a' {
        kind = 'S'; // numpy 1.x's old spelling of bytes
    }
    if !"biufcSUVOMm".contains(kind) {
        return Err(Error::unsupported(format!("numpy dtype {name:?} is not supported")));
    }
    let item = |i: usize| state.get(i).map(|&s| arena.node(s));
    let byteorder = match item(1) {
        Some(Node::Str(span, _)) => match arena.bytes(n.ctx.input, span) {
            b"<" => '<',
            b">" => '>',
            b"|" => '|',
            b"=" => {
                if cfg!(target_endian = "big") {
                    '>'
                } else {
                    '<'
                }
            }
            _ => return Err(malformed("dtype byte order")),
        },
        None => {
            if cfg!(target_endian = "big") {
                '>'
            } else {
                '<'
            }
        }
        _ => return Err(malformed("dtype byte order")),
    };
    if let Some(sub) = item(2) {
        if !matches!(sub, Node::None) {
            return Err(Error::unsupported(format!(
                "numpy subarray dtypes ({name} with a shape) are not supported"
            )));
        }
    }
    // elsize: the item size of flexible types (S, U, V), -1 for the others.
    if let Some(Node::Int(elsize)) = item(5) {
        if elsize >= 0 {
            size = usize::try_from(elsize).map_err(|_| malformed("dtype size"))?;
        }
    }
    if kind == 'O' {
        size = std::mem::size_of::<usize>().max(size);
    }
    let unit = match (kind, state.get(8)) {
        ('M' | 'm', Some(&meta)) => Some(datetime_unit(n, meta)?),
        ('M' | 'm', None) => Some(("generic".to_string(), 1)),
        _ => None,
    };
    let supported = match kind {
        'b' => size == 1,
        'i' | 'u' => matches!(size, 1 | 2 | 4 | 8),
        'f' => matches!(size, 2 | 4 | 8),
        'c' => matches!(size, 8 | 16),
        'M' | 'm' => size == 8,
        _ => true,
    };
    if !supported {
        return Err(Error::unsupported(format!("numpy dtype {name} is not supported")));
    }
    let fields = match (item(3), item(4)) {
        (Some(Node::Tuple(names)), Some(Node::Dict(fields))) => {
            let names: Vec<NodeId> = arena.iter(names).collect();
            let entries: Vec<NodeId> = arena.iter(fields).collect();
            let by_name: std::collections::HashMap<&[u8], NodeId> = entries
                .chunks_exact(2)
                .filter_map(|kv| Some((text_of(n, kv[0])?, kv[1])))
                .collect();
            let mut out = Vec::with_capacity(names.len());
            for name in names {
                *fields_left = fields_left.checked_sub(1).ok_or_else(|| {
                    Error::limit("numpy structured dtype fields expand beyond the pickle's size")
                })?;
                let key = text_of(n, name).ok_or_else(|| malformed("field name"))?;
                let value =
                    *by_name.get(key).ok_or_else(|| malformed("a field without a description"))?;
                let Node::Tuple(spec) = arena.node(value) else { return Err(malformed("field")) };
                let spec: Vec<NodeId> = arena.iter(spec).collect();
                let (Some(&d), Some(Node::Int(offset))) =
                    (spec.first(), spec.get(1).map(|&s| arena.node(s)))
                else {
                    return Err(malformed("field"));
                };
                let descr = parse_at(n, d, depth + 1, fields_left)?;
                let offset = usize::try_from(offset).map_err(|_| malformed("field offset"))?;
                if offset.checked_add(descr.size()).is_none_or(|end| end > size) {
                    return Err(malformed("a field beyond its record"));
                }
                let name = String::from_utf8(key.to_vec()).map_err(|_| malformed("field name"))?;
                out.push(Field { name, offset, descr });
            }
            out
        }
        _ => Vec::new(),
    };
    let byteorder = if size <= 1 || "SVO".contains(kind) || kind == 'b' { '|' } else { byteorder };
    Ok(Descr {
        big: byteorder == '>',
        dtype: Dtype { byteorder, kind, itemsize: size, unit },
        fields,
    })
}

/// `(None, (b'ms', 1, 1, 1))`: the unit and its multiplier.
fn datetime_unit(n: &NodeDe<'_, '_, '_>, meta: NodeId) -> Result<(String, u32)> {
    let arena = n.ctx.arena;
    let bad = || malformed("datetime metadata");
    let Node::Tuple(meta) = arena.node(meta) else { return Err(bad()) };
    let inner = arena.iter(meta).nth(1).ok_or_else(bad)?;
    let Node::Tuple(inner) = arena.node(inner) else { return Err(bad()) };
    let mut it = arena.iter(inner);
    let unit = it.next().and_then(|u| text_of(n, u)).ok_or_else(bad)?;
    let num = match it.next().map(|x| arena.node(x)) {
        Some(Node::Int(i)) => u32::try_from(i).map_err(|_| bad())?,
        _ => return Err(bad()),
    };
    let unit = std::str::from_utf8(unit).map_err(|_| bad())?;
    Ok((unit.to_string(), num))
}
