//! CPython's `Pickler.save_*` rules, one level above the [`Emitter`]: the
//! form each Python type takes at each protocol, and which objects are
//! memoized because they are, or become after `pickle.loads`, one shared
//! Python object.
//!
//! Sharing that the writer must reproduce even though nothing in the Rust
//! value is shared (all checked against CPython 3.11):
//! * `''` and every 1-character str below U+0100 are singletons in CPython;
//! * `b''` is a singleton; below protocol 3 a 1-byte bytes object comes back
//!   from `_codecs.encode(...)` as CPython's cached 1-byte object;
//! * globals are one object per `(module, name)`, and from protocol 4 the
//!   module strings of STACK_GLOBAL are interned (so shared between globals),
//!   as are the keys of an instance's state dict (`BUILD` interns them);
//! * the `'latin1'` argument of `_codecs.encode` is one constant.
//!
//! Struct field and enum variant names are memoized by content too: writing
//! them once per pickle is what makes a list of records as small as CPython's.
//! A name is memoized only when it comes a second time: the memo op is then
//! inserted after its first occurrence ([`Emitter::memoize_at`]), so a name
//! used once costs nothing. Other entries are memoized when first written;
//! those never fetched again are removed at the end by [`super::optimize`].

use std::collections::HashMap;

use super::emit::{Batch, BatchKind, Emitter, Plan, Planning, Spot};
use super::names::{NameAddrs, NameChain};
use super::opcodes::*;
use super::py2_renames;
use crate::error::{Error, Result};
use crate::fx::FxMap;

const NO: u32 = u32::MAX;
/// In `Keys::addrs` and `Keys::chars`: the entry holds a name id (not yet memoized)
/// rather than a memo index. Memo indices stay below this (the memo of one
/// pickle would need 2^31 memo ops).
const PENDING: u32 = 1 << 31;
/// Names kept in `Keys::small_names` before `Keys::names` is used.
const SMALL_NAMES: usize = 8;

/// Globals the pickler itself writes, with a fixed memo slot each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    CodecsEncode,
    Bytes,
    ByteArray,
    Set,
    FrozenSet,
    Complex,
    Object,
    Reconstructor,
    NewObj,
    NewObjEx,
    GetAttr,
}

impl Builtin {
    const ALL: [Builtin; 11] = [
        Builtin::CodecsEncode,
        Builtin::Bytes,
        Builtin::ByteArray,
        Builtin::Set,
        Builtin::FrozenSet,
        Builtin::Complex,
        Builtin::Object,
        Builtin::Reconstructor,
        Builtin::NewObj,
        Builtin::NewObjEx,
        Builtin::GetAttr,
    ];

    /// The Python 3 `(module, name)`.
    fn names(self) -> (&'static str, &'static str) {
        match self {
            Builtin::CodecsEncode => ("_codecs", "encode"),
            Builtin::Bytes => ("builtins", "bytes"),
            Builtin::ByteArray => ("builtins", "bytearray"),
            Builtin::Set => ("builtins", "set"),
            Builtin::FrozenSet => ("builtins", "frozenset"),
            Builtin::Complex => ("builtins", "complex"),
            Builtin::Object => ("builtins", "object"),
            Builtin::Reconstructor => ("copyreg", "_reconstructor"),
            Builtin::NewObj => ("copyreg", "__newobj__"),
            Builtin::NewObjEx => ("copyreg", "__newobj_ex__"),
            Builtin::GetAttr => ("builtins", "getattr"),
        }
    }

    fn find(module: &str, name: &str) -> Option<Builtin> {
        Builtin::ALL.iter().copied().find(|b| b.names() == (module, name))
    }
}

/// Memo indices of the objects memoized by identity or content.
struct Keys {
    /// The first field and variant names met, searched by content when a
    /// name's address is not in `addrs`: no hashing, no allocation.
    small_names: [Option<&'static str>; SMALL_NAMES],
    small_idx: [u32; SMALL_NAMES],
    small_len: usize,
    /// Singleton strs: index = code point, 256 = `''`. Each entry is a memo
    /// index, `NO`, or `PENDING | id` while the char's only occurrence so
    /// far is name `id` (not memoized until it comes again).
    chars: Option<Box<[u32; 257]>>,
    /// Field and variant names (other than singletons), as name ids.
    names: FxMap<&'static str, u32>,
    /// By name id: the memo index, or `NO` and where the name's only
    /// occurrence so far ends: ids below `SMALL_NAMES` here, no allocation...
    small_memo: [(u32, Spot); SMALL_NAMES],
    /// ...and the others here.
    name_memo: Vec<(u32, Spot)>,
    /// Name ids given out.
    name_count: u32,
    /// In front of `small_names` and `names`: by the name's address, the
    /// memo index (or `PENDING | id` while it has none). Most lookups are
    /// one probe.
    addrs: NameAddrs,
    /// In front of `addrs`: the next name predicted from the last one.
    chain: NameChain,
    /// Shared bytes: index = the byte of a 1-byte object (below protocol 3), 256 = `b''`.
    bytes: Option<Box<[u32; 257]>>,
    /// The `'latin1'` constant.
    latin1: Option<u32>,
    builtins: [Option<u32>; Builtin::ALL.len()],
    /// Other globals, keyed by `module + "\n" + name`. These and the
    /// interned strs come from values (a `Value` read from a pickle nobody
    /// checked): std's keyed hash, not Fx, whose collisions an input could
    /// choose to make writing quadratic.
    globals: HashMap<String, u32>,
    /// Interned strs: STACK_GLOBAL module names and instance state keys.
    interned: HashMap<String, u32>,
    /// `Value::Shared` nodes by id.
    shared: FxMap<usize, u32>,
}

impl Default for Keys {
    fn default() -> Self {
        Keys {
            // All zeros (cheap to set up for every pickle): empty cache
            // slots have address 0, and the other entries are set before use.
            small_names: [None; SMALL_NAMES],
            small_idx: [0; SMALL_NAMES],
            small_len: 0,
            chars: None,
            names: FxMap::default(),
            small_memo: [(0, Spot::default()); SMALL_NAMES],
            name_memo: Vec::new(),
            name_count: 0,
            addrs: NameAddrs::default(),
            chain: NameChain::default(),
            bytes: None,
            latin1: None,
            builtins: [None; Builtin::ALL.len()],
            globals: HashMap::new(),
            interned: HashMap::new(),
            shared: FxMap::default(),
        }
    }
}

impl Keys {
    /// The memo state of name `id`.
    #[inline]
    fn memo_of(&mut self, id: u32) -> &mut (u32, Spot) {
        let i = id as usize;
        match self.small_memo.get_mut(i) {
            Some(m) => m,
            None => &mut self.name_memo[i - SMALL_NAMES],
        }
    }
}

fn table(slot: &mut Option<Box<[u32; 257]>>) -> &mut [u32; 257] {
    slot.get_or_insert_with(|| Box::new([NO; 257]))
}

/// If `s` is one of CPython's singleton strs, its index in `Keys::chars`.
#[inline]
fn singleton(s: &str) -> Option<usize> {
    match s.as_bytes() {
        [] => Some(256),
        [b] => Some(usize::from(*b)),
        // U+0080..=U+00FF in UTF-8.
        [a @ 0xc2..=0xc3, b] => Some((usize::from(a & 0x1f) << 6) | usize::from(b & 0x3f)),
        _ => None,
    }
}

/// The Pickler: an [`Emitter`] plus the memo keys. See the module docs.
pub(crate) struct Pickler {
    pub(crate) em: Emitter,
    keys: Keys,
    /// Share equal strs and bytes as CPython's objects are shared (the
    /// module docs); off, only `Value::Shared` nodes and names are shared
    /// (`SerOptions::share_by_content`).
    by_content: bool,
}

impl Pickler {
    pub(crate) fn new(proto: u8) -> Self {
        Pickler { em: Emitter::new(proto), keys: Keys::default(), by_content: true }
    }

    /// See [`crate::SerOptions::share_by_content`].
    pub(crate) fn sharing_by_content(mut self, on: bool) -> Self {
        self.by_content = on;
        self
    }

    /// A new pickler for the next pickle, with the same settings.
    pub(crate) fn fresh(&self) -> Self {
        Pickler::new(self.proto()).sharing_by_content(self.by_content)
    }

    #[inline]
    pub(crate) fn proto(&self) -> u8 {
        self.em.proto()
    }

    /// Write STOP and return the finished pickle. The Pickler is spent
    /// afterwards: replace it with a new one to write another pickle (done
    /// lazily, so that `to_vec` allocates nothing after its pickle).
    pub(crate) fn finish(&mut self) -> Result<Vec<u8>> {
        // The keys are left as they are: a spent Pickler is never used again.
        let out = self.em.finish()?;
        if let Planning::Dry(log) = std::mem::take(&mut self.em.plan) {
            // A dry run ends with the plan for the writing run.
            let names = (0..self.keys.name_count).map(|id| self.keys.memo_of(id).0 != NO).collect();
            let plan = Plan::new(*log, |idx| self.em.is_fetched(idx), names);
            self.em.plan = Planning::Stream(Box::new(plan));
        }
        Ok(out)
    }

    /// The plan a finished dry run made (see [`super::stream`]).
    pub(crate) fn take_plan(&mut self) -> Option<Plan> {
        match std::mem::take(&mut self.em.plan) {
            Planning::Stream(plan) => Some(*plan),
            _ => None,
        }
    }

    /// Whether [`Pickler::finish`] was called.
    pub(crate) fn is_spent(&self) -> bool {
        self.em.is_spent()
    }

    /// Fetch memo entry `idx` if there is one.
    #[inline]
    fn fetch(&mut self, idx: Option<u32>) -> bool {
        match idx {
            Some(idx) if idx != NO => {
                self.em.get(idx);
                true
            }
            _ => false,
        }
    }

    /// A str value.
    #[inline]
    pub(crate) fn str(&mut self, s: &str) -> Result<()> {
        match singleton(s) {
            Some(i) if self.by_content => self.singleton_str(i, |em| em.str(s)),
            _ => self.em.str(s),
        }
    }

    /// See [`crate::SerOptions::share_by_content`].
    pub(crate) fn shares_by_content(&self) -> bool {
        self.by_content
    }

    /// Whether every str value equal to `s` is one object after loading
    /// (a singleton, when sharing by content).
    pub(crate) fn str_shared_by_content(&self, s: &str) -> bool {
        self.by_content && singleton(s).is_some()
    }

    /// A key of an instance's state dict: interned (`BUILD` interns them),
    /// when sharing by content.
    pub(crate) fn state_key(&mut self, s: &str) -> Result<()> {
        if self.by_content {
            self.interned_str(s)
        } else {
            self.em.str(s)
        }
    }

    fn singleton_str(
        &mut self,
        i: usize,
        write: impl FnOnce(&mut Emitter) -> Result<()>,
    ) -> Result<()> {
        let entry = table(&mut self.keys.chars)[i];
        if entry != NO && entry & PENDING != 0 {
            // Written once as name `id`, not memoized yet: memoize it there
            // and fetch it.
            self.promote(entry & !PENDING);
            return Ok(());
        }
        if self.fetch(Some(entry)) {
            return Ok(());
        }
        write(&mut self.em)?;
        table(&mut self.keys.chars)[i] = self.em.memoize();
        Ok(())
    }

    /// A struct field or enum variant name: written once, memoized when it
    /// comes again (see [`Pickler::promote`]), then fetched.
    #[inline(always)]
    pub(crate) fn name(&mut self, s: &'static str) -> Result<()> {
        // serde hands out the same `&'static str` for a field every time,
        // and a struct's fields in the same order: usually the name the
        // chain predicts, else one probe of the table keyed by the address.
        if let Some(idx) = self.keys.chain.predicted(s) {
            self.em.binget(u32::from(idx));
            return Ok(());
        }
        match self.keys.addrs.get(s) {
            // The common case, one test: a BINGET index is below `PENDING`
            // and `NO` too.
            Some(idx) if idx < self.em.binget_below() => {
                self.em.binget(idx);
                // (Below 256: BINGET's argument is one byte.)
                self.keys.chain.learn(s, idx as u8);
                Ok(())
            }
            found => {
                self.keys.chain.forget();
                self.name_unpredicted(s, found)
            }
        }
    }

    /// A name with no BINGET index (yet): `found` is what `addrs` holds.
    #[inline(never)]
    fn name_unpredicted(&mut self, s: &'static str, found: Option<u32>) -> Result<()> {
        match found {
            Some(idx) if idx & PENDING == 0 => {
                // A name is memoized only when a GET fetches it (`promote`).
                self.em.get_again(idx);
                Ok(())
            }
            // NO: the name's memo index is too large to store here.
            None | Some(NO) => self.name_slow(s),
            Some(pending) => {
                self.promote(pending & !PENDING);
                Ok(())
            }
        }
    }

    /// A name met before, as name `id`: fetch it.
    #[inline(always)]
    fn name_again(&mut self, id: u32) -> Result<()> {
        let (idx, _) = *self.keys.memo_of(id);
        if idx != NO {
            self.em.get(idx);
            return Ok(());
        }
        self.promote(id);
        Ok(())
    }

    /// The second time a name comes: memoize its first occurrence after the
    /// fact. Names met once are never memoized, as CPython's pickle of the
    /// loaded value (each name one str object) optimized would have it.
    #[inline(never)]
    fn promote(&mut self, id: u32) {
        let (memoized, spot) = *self.keys.memo_of(id);
        let idx = if memoized != NO {
            // A streaming run memoized it when first written (`new_name`).
            memoized
        } else {
            self.em.memoize_at(spot)
        };
        self.keys.memo_of(id).0 = idx;
        // (An index that reached PENDING cannot be stored: `NO` sends the
        // lookups to `name_slow`.)
        let new = if idx < PENDING { idx } else { NO };
        self.keys.addrs.replace_value(PENDING | id, new);
        if let Some(chars) = &mut self.keys.chars {
            // A singleton name: its char's entry waits for this.
            for entry in chars.iter_mut().filter(|e| **e == PENDING | id) {
                *entry = new;
            }
        }
        self.em.get(idx);
    }

    /// A name whose address is not in `Keys::addrs`: find it by content (or
    /// write it) and store its address.
    #[inline(never)]
    fn name_slow(&mut self, s: &'static str) -> Result<()> {
        let k = &mut self.keys;
        let full = k.small_len == SMALL_NAMES;
        let found = match singleton(s) {
            Some(i) => {
                // Singletons share their memo entry with equal str values
                // (`Keys::chars`).
                let entry = table(&mut k.chars)[i];
                if entry == NO {
                    // Written once: memoized only if it comes again (as a
                    // name or a value), like any name.
                    self.em.str(s)?;
                    let spot = self.em.spot();
                    let id = self.new_name(s, NO, spot);
                    table(&mut self.keys.chars)[i] = PENDING | id;
                } else if entry & PENDING != 0 {
                    // Met once at another address: memoize that occurrence.
                    let id = entry & !PENDING;
                    self.promote(id);
                    self.cache_name(s, id);
                } else {
                    self.em.get(entry);
                    self.new_name(s, entry, Spot::default());
                }
                return Ok(());
            }
            None => {
                let small = k.small_names[..k.small_len].iter().position(|n| *n == Some(s));
                match small {
                    Some(i) => Some(k.small_idx[i]),
                    None if full => k.names.get(s).copied(),
                    None => None,
                }
            }
        };
        match found {
            Some(id) => {
                // Fetch first: only fetched entries are cached (see `cache_name`).
                self.name_again(id)?;
                self.cache_name(s, id);
                Ok(())
            }
            None => {
                self.em.str(s)?;
                let spot = self.em.spot();
                self.new_name(s, NO, spot);
                Ok(())
            }
        }
    }

    /// Record a name met for the first time, memoized as `idx` or not yet
    /// (`NO`, its str ending at `spot`).
    fn new_name(&mut self, s: &'static str, mut idx: u32, spot: Spot) -> u32 {
        let id = self.keys.name_count;
        if idx == NO && self.em.promotes_name(id) {
            // Streaming: the dry run saw it come again, and nothing may be
            // inserted after the fact.
            idx = self.em.memo_put();
        }
        let k = &mut self.keys;
        k.name_count += 1;
        match k.small_memo.get_mut(id as usize) {
            Some(slot) => *slot = (idx, spot),
            None => k.name_memo.push((idx, spot)),
        }
        if singleton(s).is_none() {
            if k.small_len < SMALL_NAMES {
                k.small_names[k.small_len] = Some(s);
                k.small_idx[k.small_len] = id;
                k.small_len += 1;
            } else {
                k.names.insert(s, id);
            }
        }
        self.cache_name(s, id);
        id
    }

    /// Cache the address of name `id`: its memo index, or the id marked
    /// `PENDING` while it has none. A memo index is cached only once a GET
    /// has fetched it: `name` fetches cached indices with `get_again`. (A
    /// singleton name is memoized when first written, and its address is
    /// cached when it comes again.)
    fn cache_name(&mut self, s: &'static str, id: u32) {
        let entry = match self.keys.memo_of(id).0 {
            NO if id < PENDING => PENDING | id,
            idx if idx < PENDING && self.em.is_fetched(idx) => idx,
            _ => return,
        };
        self.keys.addrs.insert(s, entry);
    }

    /// An interned str (STACK_GLOBAL module, instance state key).
    pub(crate) fn interned_str(&mut self, s: &str) -> Result<()> {
        if singleton(s).is_some() {
            return self.str(s);
        }
        if self.fetch(self.keys.interned.get(s).copied()) {
            return Ok(());
        }
        self.em.str(s)?;
        let idx = self.em.memoize();
        self.keys.interned.insert(s.to_owned(), idx);
        Ok(())
    }

    /// The slot of a bytes value CPython shares by content: `b''`, and 1-byte
    /// values below protocol 3 (see the module docs).
    fn bytes_slot(&self, b: &[u8]) -> Option<usize> {
        if !self.by_content {
            return None;
        }
        match b {
            [] => Some(256),
            [byte] if self.proto() < 3 => Some(usize::from(*byte)),
            _ => None,
        }
    }

    /// Whether every bytes value equal to `b` is one object after loading.
    pub(crate) fn bytes_shared_by_content(&self, b: &[u8]) -> bool {
        self.bytes_slot(b).is_some()
    }

    /// A bytes value.
    #[inline]
    pub(crate) fn bytes(&mut self, b: &[u8]) -> Result<()> {
        if b.len() > 1 && self.proto() >= 3 {
            // Not shared by content (see `bytes_slot`).
            return self.em.bytes(b);
        }
        self.bytes_small(b)
    }

    #[inline(never)]
    fn bytes_small(&mut self, b: &[u8]) -> Result<()> {
        let Some(i) = self.bytes_slot(b) else {
            return self.fresh_bytes(b);
        };
        let idx = table(&mut self.keys.bytes)[i];
        if self.fetch(Some(idx)) {
            return Ok(());
        }
        self.fresh_bytes(b)?;
        table(&mut self.keys.bytes)[i] = self.em.memoize();
        Ok(())
    }

    /// A bytes object nothing else refers to: a bytes opcode from protocol 3,
    /// else `_codecs.encode('<latin-1 text>', 'latin1')`, or `bytes()` for `b''`.
    pub(crate) fn fresh_bytes(&mut self, b: &[u8]) -> Result<()> {
        if self.proto() >= 3 {
            return self.em.bytes(b);
        }
        if b.is_empty() {
            self.builtin(Builtin::Bytes)?;
            self.em.empty_tuple();
        } else {
            self.builtin(Builtin::CodecsEncode)?;
            if !self.em.small_tuple(2) {
                self.em.op(MARK);
            }
            match b {
                [byte] => self.singleton_str(usize::from(*byte), |em| em.latin1_str(b))?,
                _ => self.em.latin1_str(b)?,
            }
            match self.keys.latin1 {
                Some(idx) => self.em.get(idx),
                None => {
                    self.em.str("latin1")?;
                    self.keys.latin1 = Some(self.em.memoize());
                }
            }
            self.em.tuple_end(2);
        }
        self.em.op(REDUCE);
        Ok(())
    }

    /// A bytearray: BYTEARRAY8 at protocol 5, else `bytearray(<bytes>)`.
    pub(crate) fn bytearray(&mut self, b: &[u8]) -> Result<()> {
        if self.proto() >= 5 {
            self.em.bytearray8(b);
            return Ok(());
        }
        self.builtin(Builtin::ByteArray)?;
        if b.is_empty() {
            self.em.empty_tuple();
        } else {
            if !self.em.small_tuple(1) {
                self.em.op(MARK);
            }
            // `bytearray.__reduce_ex__` makes a new bytes object each time.
            self.fresh_bytes(b)?;
            self.em.tuple_end(1);
        }
        self.em.op(REDUCE);
        Ok(())
    }

    /// A complex: `complex(re, im)`.
    pub(crate) fn complex(&mut self, re: f64, im: f64) -> Result<()> {
        self.builtin(Builtin::Complex)?;
        if !self.em.small_tuple(2) {
            self.em.op(MARK);
        }
        self.em.float(re);
        self.em.float(im);
        self.em.tuple_end(2);
        self.em.op(REDUCE);
        Ok(())
    }

    /// Begin a set or frozenset of about `hint` items; call
    /// [`Pickler::set_item`] before each item and [`Pickler::set_end`] after.
    /// Protocol 4+: `EMPTY_SET` + ADDITEMS batches, `MARK ... FROZENSET`;
    /// before: `set([items])` / `frozenset([items])`.
    pub(crate) fn set_begin(&mut self, frozen: bool, hint: Option<usize>) -> Result<Batch> {
        if self.proto() >= 4 {
            if frozen {
                self.em.op(MARK);
                // No batches: every item goes between one MARK and FROZENSET.
                return Ok(Batch::new(BatchKind::Set, None));
            }
            self.em.op(EMPTY_SET);
            return Ok(Batch::new(BatchKind::Set, hint));
        }
        self.builtin(if frozen { Builtin::FrozenSet } else { Builtin::Set })?;
        if !self.em.small_tuple(1) {
            self.em.op(MARK);
        }
        self.em.empty_list();
        Ok(Batch::new(BatchKind::List, hint))
    }

    #[inline]
    pub(crate) fn set_item(&mut self, frozen: bool, batch: &mut Batch) {
        if !(frozen && self.proto() >= 4) {
            self.em.batch_item(batch);
        }
    }

    /// A global the pickler itself needs.
    pub(crate) fn builtin(&mut self, b: Builtin) -> Result<()> {
        let slot = b as usize;
        if self.fetch(self.keys.builtins[slot]) {
            return Ok(());
        }
        let (module, name) = b.names();
        self.write_global(module, name)?;
        self.keys.builtins[slot] = Some(self.em.memoize());
        Ok(())
    }

    /// A global (class, function...) by module and qualified name.
    pub(crate) fn global(&mut self, module: &str, name: &str) -> Result<()> {
        if let Some(b) = Builtin::find(module, name) {
            return self.builtin(b);
        }
        let key = [module, name].join("\n");
        if self.fetch(self.keys.globals.get(&key).copied()) {
            return Ok(());
        }
        self.write_global(module, name)?;
        let idx = self.em.memoize();
        self.keys.globals.insert(key, idx);
        Ok(())
    }

    /// The opcodes that push a global (without memoizing it).
    fn write_global(&mut self, module: &str, name: &str) -> Result<()> {
        if self.proto() >= 4 {
            self.interned_str(module)?;
            self.str(name)?;
            self.em.op(STACK_GLOBAL);
            return Ok(());
        }
        if let Some((parent, last)) = name.rsplit_once('.') {
            // A nested qualified name: CPython writes getattr(<parent>, 'last').
            self.builtin(Builtin::GetAttr)?;
            if !self.em.small_tuple(2) {
                self.em.op(MARK);
            }
            self.global(module, parent)?;
            self.str(last)?;
            self.em.tuple_end(2);
            self.em.op(REDUCE);
            return Ok(());
        }
        let (module, name) = self.text_names(module, name)?;
        self.em.global(module, name);
        Ok(())
    }

    /// The names as a text opcode (GLOBAL, INST) spells them: Python 2
    /// names below protocol 3, which must then be ASCII; never a newline.
    fn text_names<'a>(&self, module: &'a str, name: &'a str) -> Result<(&'a str, &'a str)> {
        let (module, name) = match self.proto() {
            0..=2 => py2_renames::py3_to_py2(module, name).unwrap_or((module, name)),
            _ => (module, name),
        };
        for part in [module, name] {
            let bad_char = |c: char| c == '\n' || (self.proto() < 3 && !c.is_ascii());
            if part.is_empty() || part.contains(bad_char) {
                return Err(Error::message(format!(
                    "cannot pickle global {module:?}.{name:?} with protocol {}",
                    self.proto()
                )));
            }
        }
        Ok((module, name))
    }

    /// INST `module\nname\n` (a protocol-0 instance of a class by name).
    pub(crate) fn inst(&mut self, module: &str, name: &str) -> Result<()> {
        let (module, name) = self.text_names(module, name)?;
        self.em.inst(module, name);
        Ok(())
    }

    /// Fetch a `Value::Shared` node if it is memoized; true if it was.
    #[inline]
    pub(crate) fn fetch_shared(&mut self, id: usize) -> bool {
        self.fetch(self.keys.shared.get(&id).copied())
    }

    /// Whether a `Value::Shared` node is memoized.
    #[inline]
    pub(crate) fn is_shared_memoized(&self, id: usize) -> bool {
        // (`NO`: a streaming run left it unmemoized, as nothing fetches it.)
        matches!(self.keys.shared.get(&id), Some(&idx) if idx != NO)
    }

    /// Memoize the top of the stack as the `Value::Shared` node `id`.
    pub(crate) fn memoize_shared(&mut self, id: usize) {
        let idx = self.em.memoize();
        self.keys.shared.insert(id, idx);
    }

    /// Memo entries created so far (to tell whether a cycle made progress).
    pub(crate) fn memo_len(&self) -> u32 {
        self.em.memo_len()
    }
}

#[cfg(test)]
mod tests;
