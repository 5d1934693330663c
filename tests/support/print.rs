//! The one printer of the tests: a type-exact, bounded rendering of a read
//! [`Value`] or an expected [`Exp`], used in failure messages and to order set
//! items; and the printable form of pickle bytes.
//!
//! Values and expectations go through the same code ([`Print`] maps each
//! onto a [`Node`]), so equal content prints the same on both sides: the
//! comparator relies on that to pair the items of sets.

use std::cell::Cell;
use std::fmt::Write as _;

use serde_pickle::value::ObjectKind;
use serde_pickle::Value;

use super::expect::Exp;

/// Nesting printed at most; deeper parts print as `…`.
const DEPTH: usize = 24;
/// Nodes printed at most: shared structure (a billion laughs) would
/// otherwise expand exponentially.
const NODES: usize = 200_000;

/// One node of a tree to print, borrowed from a [`Value`] or an [`Exp`].
pub enum Node<'a, T> {
    /// Printed as is.
    Atom(String),
    /// `open items close`; items sorted (by their printed form) for sets.
    Seq {
        open: &'static str,
        items: &'a [T],
        close: &'static str,
        sorted: bool,
    },
    Dict(&'a [(T, T)]),
    Object {
        kind: ObjectKind,
        callable: &'a T,
        args: &'a [T],
        kwargs: Option<&'a [(T, T)]>,
        state: &'a [T],
        list_items: &'a [T],
        dict_items: &'a [(T, T)],
    },
    /// `name(inner)`.
    Wrap(&'static str, &'a T),
    /// Printed as what it points to (a shared node).
    Link(&'a T),
    /// A class instance with its `__dict__` (expectations only).
    Instance(&'a str, &'a [(T, T)]),
}

/// A tree the printer can walk.
pub trait Print: Sized {
    fn node(&self) -> Node<'_, Self>;
}

fn hexs(b: &[u8]) -> String {
    hex(b)
}

fn float(bits: u64) -> String {
    format!("float({:?}|{bits:016x})", f64::from_bits(bits))
}

fn complex(re: u64, im: u64) -> String {
    format!("complex({re:016x},{im:016x})")
}

impl Print for Value {
    fn node(&self) -> Node<'_, Self> {
        let seq = |open, items, close, sorted| Node::Seq { open, items, close, sorted };
        match self {
            Value::None => Node::Atom("None".into()),
            Value::Bool(b) => Node::Atom(if *b { "True" } else { "False" }.into()),
            Value::Int(i) => Node::Atom(i.to_string()),
            Value::BigInt(i) => Node::Atom(format!("{i}L")),
            Value::Float(f) => Node::Atom(float(f.to_bits())),
            Value::Complex(r, i) => Node::Atom(complex(r.to_bits(), i.to_bits())),
            Value::Str(x) => Node::Atom(format!("{x:?}")),
            Value::SurrogateStr(b) => Node::Atom(format!("surrogates({})", hexs(b))),
            Value::Bytes(b) => Node::Atom(format!("b({})", hexs(b))),
            Value::ByteArray(b) => Node::Atom(format!("bytearray({})", hexs(b))),
            Value::List(x) => seq("[", x, "]", false),
            Value::Tuple(x) => seq("(", x, ")", false),
            Value::Set(x) => seq("set{", x, "}", true),
            Value::FrozenSet(x) => seq("frozenset{", x, "}", true),
            Value::Dict(x) => Node::Dict(x.as_slice()),
            Value::Global(g) => Node::Atom(format!("global({}.{})", g.module, g.name)),
            Value::Object(o) => Node::Object {
                kind: o.kind,
                callable: &o.callable,
                args: &o.args,
                kwargs: o.kwargs.as_ref().map(|k| k.as_slice()),
                state: &o.state,
                list_items: &o.list_items,
                dict_items: &o.dict_items,
            },
            Value::Buffer { index, readonly } => Node::Atom(format!("buffer({index},{readonly})")),
            Value::PersistentId(p) => Node::Wrap("persid", p),
            Value::Shared(x) => Node::Link(x.get()),
            _ => Node::Atom("<unknown Value variant>".into()),
        }
    }
}

impl Print for Exp {
    fn node(&self) -> Node<'_, Self> {
        let seq = |open, items, close, sorted| Node::Seq { open, items, close, sorted };
        match self {
            Exp::None => Node::Atom("None".into()),
            Exp::Bool(b) => Node::Atom(if *b { "True" } else { "False" }.into()),
            Exp::Int(i) => Node::Atom(i.to_string()),
            Exp::BigInt(i) => Node::Atom(format!("{i}L")),
            Exp::Float(f) => Node::Atom(float(*f)),
            Exp::Complex(r, i) => Node::Atom(complex(*r, *i)),
            Exp::Str(x) => Node::Atom(format!("{x:?}")),
            Exp::SurrogateStr(b) => Node::Atom(format!("surrogates({})", hexs(b))),
            Exp::Bytes(b) => Node::Atom(format!("b({})", hexs(b))),
            Exp::ByteArray(b) => Node::Atom(format!("bytearray({})", hexs(b))),
            Exp::List(x) => seq("[", x, "]", false),
            Exp::Tuple(x) => seq("(", x, ")", false),
            Exp::Set(x) => seq("set{", x, "}", true),
            Exp::FrozenSet(x) => seq("frozenset{", x, "}", true),
            Exp::Dict(x) => Node::Dict(x),
            Exp::Global(m, n) => Node::Atom(format!("global({m}.{n})")),
            Exp::Object(o) => Node::Object {
                kind: o.kind,
                callable: &o.callable,
                args: &o.args,
                kwargs: o.kwargs.as_deref(),
                state: &o.state,
                list_items: &o.list_items,
                dict_items: &o.dict_items,
            },
            Exp::Buffer { index, readonly } => Node::Atom(format!("buffer({index},{readonly})")),
            Exp::PersistentId(p) => Node::Wrap("persid", p),
            Exp::Shared(x) => Node::Link(x.get()),
            Exp::Instance { class, dict } => Node::Instance(class, dict),
            Exp::Invalid(why) => Node::Atom(format!("<invalid: {why}>")),
        }
    }
}

thread_local! {
    static BUDGET: Cell<usize> = const { Cell::new(0) };
}

/// Take one node from the budget; false when it is spent.
fn take() -> bool {
    BUDGET.with(|b| {
        let left = b.get();
        b.set(left.saturating_sub(1));
        left > 0
    })
}

/// The type-exact rendering of `v` (bounded in depth and size).
pub fn fingerprint<T: Print>(v: &T) -> String {
    BUDGET.with(|b| b.set(NODES));
    let mut s = String::new();
    walk(v, 0, &mut s);
    s
}

fn walk<T: Print>(v: &T, d: usize, s: &mut String) {
    if d > DEPTH || !take() {
        s.push('…');
        return;
    }
    let list = |open: &str, xs: &[T], close: &str, sort: bool, s: &mut String| {
        let mut parts: Vec<String> = xs
            .iter()
            .map(|x| {
                let mut p = String::new();
                walk(x, d + 1, &mut p);
                p
            })
            .collect();
        if sort {
            parts.sort();
        }
        let _ = write!(s, "{open}{}{close}", parts.join(", "));
    };
    let pairs = |xs: &[(T, T)], s: &mut String| {
        s.push('{');
        for (i, (k, v)) in xs.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            walk(k, d + 1, s);
            s.push_str(": ");
            walk(v, d + 1, s);
        }
        s.push('}');
    };
    match v.node() {
        Node::Atom(a) => s.push_str(&a),
        Node::Seq { open, items, close, sorted } => list(open, items, close, sorted, s),
        Node::Dict(x) => pairs(x, s),
        Node::Object { kind, callable, args, kwargs, state, list_items, dict_items } => {
            let _ = write!(s, "{}(", ObjectKind::name(kind));
            walk(callable, d + 1, s);
            list("; args=(", args, ")", false, s);
            if let Some(k) = kwargs {
                s.push_str("; kwargs=");
                pairs(k, s);
            }
            if !state.is_empty() {
                list("; state=[", state, "]", false, s);
            }
            if !list_items.is_empty() {
                list("; list_items=[", list_items, "]", false, s);
            }
            if !dict_items.is_empty() {
                s.push_str("; dict_items=");
                pairs(dict_items, s);
            }
            s.push(')');
        }
        Node::Wrap(name, inner) => {
            let _ = write!(s, "{name}(");
            walk(inner, d + 1, s);
            s.push(')');
        }
        Node::Link(target) => walk(target, d + 1, s),
        Node::Instance(class, dict) => {
            let _ = write!(s, "instance({class}; ");
            pairs(dict, s);
            s.push(')');
        }
    }
}

/// `s` cut to about 200 bytes (on a char boundary), for messages.
pub fn short(s: String) -> String {
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

/// Printable form of pickle bytes, truncated.
pub fn esc(b: &[u8]) -> String {
    const SHOWN: usize = 400;
    let text: String =
        b.iter().take(SHOWN).flat_map(|&c| std::ascii::escape_default(c)).map(char::from).collect();
    if b.len() > SHOWN {
        format!("{text}... ({} bytes)", b.len())
    } else {
        text
    }
}

/// Lowercase hex of `b`.
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The bytes of a hex string.
pub fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}
