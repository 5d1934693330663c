//! The stack of the `Value` fast path (see `value.rs`): finished values on
//! one vector, and the lists, dicts and sets still being filled as frames
//! beside it, each holding its own items.
//!
//! A pickle fills a container by pushing items above it and then naming it
//! (APPENDS, SETITEMS, ...). Keeping every stack entry as "a value or an
//! open container", each with its depth and hashability, cost a tagged
//! 48-byte slot per item, matched again when it was moved into its
//! container: a third of the instructions of reading records. Here the
//! stack holds plain values; an open container sits between two of them
//! (its frame records where), and a batch moves into it in one go.
//!
//! Positions are counted as the VM counts them ("virtual": each open
//! container is one entry), so the marks and every check below are the
//! VM's rules on the VM's stack.

use super::{fallback, Memo};
use crate::codec::opcodes::*;
use crate::error::Result;
use crate::options::DeOptions;
use crate::value::{KnownKeys, Shared, Value};
use crate::vm::walk::pairs;

/// The items of a container still being filled.
enum Items {
    List(Vec<Value>),
    Set(Vec<Value>),
    Dict(Vec<(Value, Value)>),
}

/// A list, dict or set still being filled.
struct Frame {
    items: Items,
    /// Containers on the deepest path through it, itself included.
    depth: usize,
    /// At least the depth of every value above it on the stack (up to the
    /// next frame): exact for what a batch moves into it, as a batch takes
    /// everything above it; an upper bound after a tuple took some of them,
    /// which can only make this path refuse sooner (the VM decides then).
    above: usize,
    /// The length of the value stack when it was opened: the values from
    /// there up lie above it.
    base: usize,
    /// Its node, when a memo get fetches it again.
    shared: Option<Shared>,
}

impl Frame {
    /// The finished container, held by its shared node if it has one.
    fn finish(self, keys: &mut KnownKeys) -> Value {
        fn fit<T>(mut v: Vec<T>) -> Vec<T> {
            // Filled batch by batch, the vector may have grown to twice its
            // length: give the slack back (the VM's walk allocates exactly).
            if v.capacity() - v.len() > v.len() / 8 {
                v.shrink_to_fit();
            }
            v
        }
        let v = match self.items {
            Items::List(v) => Value::List(fit(v)),
            Items::Set(v) => Value::Set(fit(v)),
            Items::Dict(v) => Value::Dict(keys.dict(fit(v))),
        };
        Shared::fill(self.shared, v)
    }
}

/// Room for `n` more items: exactly `n` in an empty container (most have
/// one batch; `reserve` would round a few items up to 4, and `finish` then
/// gave the slack back with a `realloc`), as `reserve` after.
#[inline(always)]
fn grow<T>(v: &mut Vec<T>, n: usize) {
    if v.is_empty() {
        v.reserve_exact(n);
    } else {
        v.reserve(n);
    }
}

/// Whether Python could hash `v` (a dict key, a set item): CPython's
/// "unhashable type" is the VM's to report. A shared node holds a str or
/// bytes (hashable) or a bytearray, list, dict or set (not; unset while a
/// container is being built).
#[inline(always)]
fn hashable(v: &Value) -> bool {
    match v {
        Value::Shared(s) => matches!(s.get(), Value::Str(_) | Value::Bytes(_)),
        Value::List(_) | Value::Dict(_) | Value::Set(_) | Value::ByteArray(_) => false,
        Value::Tuple(items) => hashable_items(items),
        _ => true,
    }
}

/// Whether a tuple's items are all hashable: walked without recursion, as
/// a key may be a deep tuple.
#[cold]
#[inline(never)]
fn hashable_items(items: &[Value]) -> bool {
    let mut todo: Vec<&Value> = items.iter().collect();
    while let Some(v) = todo.pop() {
        match v {
            Value::Tuple(items) => todo.extend(items),
            v if !hashable(v) => return false,
            _ => {}
        }
    }
    true
}

pub(super) struct Builder {
    /// Finished values, bottom to top, with the open containers between
    /// them (see [`Frame::base`]).
    stack: Vec<Value>,
    frames: Vec<Frame>,
    /// As [`Frame::above`], for the values below every frame.
    bottom: usize,
    /// Stack heights (virtual) at each open MARK.
    pub(super) marks: Vec<usize>,
    /// What a memo put would store: the value just pushed, if it is a scalar
    /// the memo can hand out again (else `Container` or `Unset`).
    pub(super) last: Memo,
    /// By memo put, in order: whether a memo get fetches what it stored;
    /// `None` while building on the assumption that none is.
    pub(super) fetched: Option<Vec<bool>>,
    /// Set when that assumption failed: a get of a str, bytes or container
    /// (the value must be built again, knowing the fetched puts).
    pub(super) restart: bool,
    /// Memo puts met so far.
    puts: usize,
    /// The shared nodes made so far (`Memo::Shared` indexes them), and
    /// whether Python could hash what they hold.
    pub(super) shared: Vec<(Shared, bool)>,
    /// Containers may nest this deep; deeper input goes to the VM, which
    /// decides at the limit itself.
    max_depth: usize,
    /// Values pushed: each is one the VM would push too.
    pub(super) pushes: usize,
    /// A rough count of the bytes built, against a quarter of `max_alloc`
    /// (the VM counts its own table of values against all of it).
    pub(super) built: usize,
    max_built: usize,
    /// The keys of the last dict checked (see [`KnownKeys`]).
    known: KnownKeys,
}

impl Builder {
    pub(super) fn new(opts: &DeOptions, fetched: Option<Vec<bool>>) -> Self {
        Builder {
            stack: Vec::new(),
            frames: Vec::new(),
            bottom: 0,
            marks: Vec::new(),
            last: Memo::Unset,
            fetched,
            restart: false,
            puts: 0,
            shared: Vec::new(),
            max_depth: opts.max_depth,
            pushes: 0,
            built: 0,
            max_built: opts.max_alloc / 4,
            known: KnownKeys::default(),
        }
    }

    /// The VM's stack height: the values and the open containers.
    #[inline(always)]
    pub(super) fn height(&self) -> usize {
        self.stack.len() + self.frames.len()
    }

    pub(super) fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    /// The depth of a container holding items `depth` deep.
    fn deeper(&self, depth: usize) -> Result<usize> {
        let d = depth + 1;
        if d >= self.max_depth {
            return Err(fallback());
        }
        Ok(d)
    }

    /// One more value pushed, counted against the budget.
    #[inline(always)]
    fn count(&mut self, last: Memo) -> Result<()> {
        self.pushes += 1;
        self.built += std::mem::size_of::<Value>();
        if self.built > self.max_built {
            return Err(fallback());
        }
        self.last = last;
        Ok(())
    }

    /// Push a finished value, `depth` containers deep.
    #[inline(always)]
    pub(super) fn push(&mut self, v: Value, depth: usize, last: Memo) -> Result<()> {
        self.count(last)?;
        if depth > 0 {
            let above = match self.frames.last_mut() {
                Some(f) => &mut f.above,
                None => &mut self.bottom,
            };
            *above = (*above).max(depth);
        }
        self.stack.push(v);
        Ok(())
    }

    /// Push a scalar.
    #[inline(always)]
    pub(super) fn scalar(&mut self, v: Value, last: Memo) -> Result<()> {
        self.push(v, 0, last)
    }

    /// Open an empty list, dict or set (or one holding `items` already,
    /// `depth` deep: LIST, DICT).
    fn open_with(&mut self, items: Items, depth: usize) -> Result<()> {
        // A frame is larger than the value it stands for.
        self.built += std::mem::size_of::<Frame>();
        self.count(Memo::Container)?;
        let depth = self.deeper(depth)?;
        let base = self.stack.len();
        self.frames.push(Frame { items, depth, above: 0, base, shared: None });
        Ok(())
    }

    /// EMPTY_LIST, EMPTY_DICT, EMPTY_SET.
    pub(super) fn open(&mut self, op: u8) -> Result<()> {
        let items = match op {
            EMPTY_LIST => Items::List(Vec::new()),
            EMPTY_DICT => Items::Dict(Vec::new()),
            _ => Items::Set(Vec::new()),
        };
        self.open_with(items, 0)
    }

    /// Finish the open containers at (virtual) positions `start` and up, in
    /// their places among the values: what an opcode taking the entries
    /// from `start` up takes. The physical index of `start`, and the depth
    /// bound of the values from there up.
    fn close_from(&mut self, start: usize) -> Result<(usize, usize)> {
        if start < self.fence() || start > self.height() {
            return Err(fallback());
        }
        // The lowest of them (positions count the frames below).
        let mut first = self.frames.len();
        while first > 0 && self.frames[first - 1].base + (first - 1) >= start {
            first -= 1;
        }
        if first < self.frames.len() {
            // From the lowest up, each in its place below the values that
            // were above it, in one pass over those values (inserting each
            // in turn could take time quadratic in their number). Most
            // often there are none: a batch fills every open container
            // before the next opens, and they are all on top.
            let lowest = self.frames[first].base;
            let values = match lowest < self.stack.len() {
                true => self.stack.split_off(lowest),
                false => Vec::new(),
            };
            let mut values = values.into_iter();
            let (mut at, mut depth) = (lowest, 0);
            for f in self.frames.drain(first..) {
                self.stack.extend(values.by_ref().take(f.base - at));
                at = f.base;
                depth = depth.max(f.depth).max(f.above);
                self.stack.push(f.finish(&mut self.known));
            }
            self.stack.extend(values);
            let below = match self.frames.last_mut() {
                Some(f) => &mut f.above,
                None => &mut self.bottom,
            };
            *below = (*below).max(depth);
        }
        let above = match self.frames.last() {
            Some(f) => f.above,
            None => self.bottom,
        };
        Ok((start - self.frames.len(), above))
    }

    /// The entries from `start` up, taken off the stack (open containers
    /// among them finished), and a bound of their depth.
    fn take(&mut self, start: usize) -> Result<(Vec<Value>, usize)> {
        let (at, depth) = self.close_from(start)?;
        Ok((self.stack.split_off(at), depth))
    }

    /// TUPLE1..3, TUPLE, FROZENSET, LIST, DICT: the entries from `start` up
    /// made into one.
    pub(super) fn build(&mut self, start: usize, op: u8) -> Result<()> {
        if op == DICT && self.height().saturating_sub(start) % 2 != 0 {
            return Err(fallback());
        }
        let (items, depth) = self.take(start)?;
        match op {
            FROZENSET => {
                if !items.iter().all(hashable) {
                    return Err(fallback());
                }
                let d = self.deeper(depth)?;
                self.push(Value::FrozenSet(items), d, Memo::Container)
            }
            LIST => self.open_with(Items::List(items), depth),
            DICT => {
                if !items.iter().step_by(2).all(hashable) {
                    return Err(fallback());
                }
                self.open_with(Items::Dict(pairs(items)), depth)
            }
            _ => {
                let d = self.deeper(depth)?;
                self.push(Value::Tuple(items), d, Memo::Container)
            }
        }
    }

    /// EMPTY_TUPLE.
    pub(super) fn empty_tuple(&mut self) -> Result<()> {
        let d = self.deeper(0)?;
        self.push(Value::Tuple(Vec::new()), d, Memo::Container)
    }

    /// Move the entries from `start` up into the open container just below
    /// them (APPEND, APPENDS, SETITEM, SETITEMS, ADDITEMS), in one go.
    pub(super) fn fill(&mut self, start: usize, op: u8) -> Result<()> {
        if start == 0 || start - 1 < self.fence() {
            return Err(fallback());
        }
        let (at, depth) = self.close_from(start)?;
        let d = self.deeper(depth)?;
        let Some(f) = self.frames.last_mut() else { return Err(fallback()) };
        // The container must be just below them (not a finished value).
        if f.base != at {
            return Err(fallback());
        }
        let n = self.stack.len() - at;
        match (&mut f.items, op) {
            (Items::List(v), APPEND | APPENDS) => {
                grow(v, n);
                v.extend(self.stack.drain(at..));
            }
            (Items::Set(v), ADDITEMS) if self.stack[at..].iter().all(hashable) => {
                grow(v, n);
                v.extend(self.stack.drain(at..));
            }
            (Items::Dict(v), SETITEM | SETITEMS)
                if n % 2 == 0 && self.stack[at..].iter().step_by(2).all(hashable) =>
            {
                grow(v, n / 2);
                let mut items = self.stack.drain(at..);
                while let (Some(k), Some(x)) = (items.next(), items.next()) {
                    v.push((k, x));
                }
            }
            _ => return Err(fallback()),
        }
        f.depth = f.depth.max(d);
        f.above = 0;
        self.last = Memo::Unset;
        Ok(())
    }

    /// What a memo put of the top of the stack stores: the value itself
    /// (`last`) unless a memo get fetches it again, in which case it becomes
    /// (or already is) a shared node, as the VM's walk makes it. An int,
    /// float, bool or `None` is never shared (CPython does not memoize them:
    /// the VM copies them).
    pub(super) fn memo_entry(&mut self) -> Result<Memo> {
        let Some(fetched) = &self.fetched else {
            return Ok(self.last);
        };
        let fetched = fetched.get(self.puts).copied().ok_or_else(fallback)?;
        self.puts += 1;
        if !fetched {
            return Ok(self.last);
        }
        let (node, hashable) = match self.frames.last_mut() {
            // An open container on top.
            Some(f) if f.base == self.stack.len() => {
                (f.shared.get_or_insert_with(Shared::empty).clone(), false)
            }
            _ => match self.stack.last_mut().ok_or_else(fallback)? {
                Value::Shared(s) => (s.clone(), matches!(s.get(), Value::Str(_) | Value::Bytes(_))),
                v @ (Value::Str(_) | Value::Bytes(_)) => {
                    let s = Shared::new(std::mem::take(v));
                    *v = Value::Shared(s.clone());
                    (s, true)
                }
                v @ Value::ByteArray(_) => {
                    let s = Shared::new(std::mem::take(v));
                    *v = Value::Shared(s.clone());
                    (s, false)
                }
                Value::None | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                    return Ok(self.last);
                }
                // A tuple or frozenset fetched again may lie on a cycle,
                // which the VM's walk shares in its own way; a big int is
                // the VM's too.
                _ => return Err(fallback()),
            },
        };
        self.shared.push((node, hashable));
        Ok(Memo::Shared(self.shared.len() as u32 - 1))
    }

    /// The one value left at `STOP`.
    pub(super) fn finish(&mut self) -> Result<Value> {
        if self.height() != 1 || !self.marks.is_empty() {
            return Err(fallback());
        }
        self.close_from(0)?;
        self.stack.pop().ok_or_else(fallback)
    }
}
