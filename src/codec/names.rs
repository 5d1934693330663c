//! The pickler's table of struct field and enum variant names by address.
//!
//! serde hands out the same `&'static str` for a field every time, so the
//! address (and length) of a name identifies it without reading its bytes.
//! The table never forgets an address: each one is looked up by content
//! once per pickle, whatever the layout of the names in the binary (a cache
//! that evicts on collisions made the speed of a struct depend on where the
//! linker put its field names).

/// Fibonacci hashing: nearby addresses (one struct's field names) spread out.
const FIB: u64 = 0x9e37_79b9_7f4a_7c15;
/// Slots of the first table, held inline: a pickle of a few structs
/// allocates nothing for its names.
const INLINE_BITS: u32 = 5;
const INLINE: usize = 1 << INLINE_BITS;
/// Slots of the overflow table when it is first needed.
const HEAP_BITS: u32 = 6;

type Slot = (usize, u32, u32);

/// Two tables with open addressing and linear probing, each at most a
/// quarter full (names are few; short probe sequences matter more than
/// space): the first names go to a fixed-size inline table (probed with no
/// bounds checks and no test of which table is in use), the others to an
/// overflow table searched after a miss in the first. Each slot holds the
/// address (0: empty), the length and the caller's value.
#[derive(Debug)]
pub(crate) struct NameAddrs {
    inline: [Slot; INLINE],
    inline_len: usize,
    /// Empty until the inline table holds its quarter.
    heap: Vec<Slot>,
    /// `64 - log2(heap.len())`: the home slot is the top bits of the hash.
    heap_shift: u32,
    heap_len: usize,
}

impl Default for NameAddrs {
    fn default() -> Self {
        NameAddrs {
            inline: [(0, 0, 0); INLINE],
            inline_len: 0,
            heap: Vec::new(),
            heap_shift: 64 - HEAP_BITS,
            heap_len: 0,
        }
    }
}

#[inline(always)]
fn home(ptr: usize, shift: u32) -> usize {
    ((ptr as u64).wrapping_mul(FIB) >> shift) as usize
}

impl NameAddrs {
    /// The value stored for the name at `s`'s address, if any.
    #[inline(always)]
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        let ptr = s.as_ptr() as usize;
        match probe(&self.inline, home(ptr, 64 - INLINE_BITS), ptr, s.len()) {
            Some(value) => Some(value),
            None if self.heap.is_empty() => None,
            None => probe(&self.heap, home(ptr, self.heap_shift), ptr, s.len()),
        }
    }

    /// Store `value` for `s`'s address (not in the table yet). Names over
    /// 4 GiB are not stored (their lookups keep missing, which is correct).
    pub(crate) fn insert(&mut self, s: &str, value: u32) {
        let Ok(len) = u32::try_from(s.len()) else { return };
        let slot = (s.as_ptr() as usize, len, value);
        if (self.inline_len + 1) * 4 <= INLINE {
            place(&mut self.inline, 64 - INLINE_BITS, slot);
            self.inline_len += 1;
            return;
        }
        if (self.heap_len + 1) * 4 > self.heap.len() {
            self.grow_heap();
        }
        place(&mut self.heap, self.heap_shift, slot);
        self.heap_len += 1;
    }

    #[cold]
    fn grow_heap(&mut self) {
        let bits = if self.heap.is_empty() { HEAP_BITS } else { 65 - self.heap_shift };
        let old = std::mem::replace(&mut self.heap, vec![(0, 0, 0); 1 << bits]);
        self.heap_shift = 64 - bits;
        for slot in old.into_iter().filter(|e| e.0 != 0) {
            place(&mut self.heap, self.heap_shift, slot);
        }
    }

    /// Replace every stored `old` value by `new`.
    pub(crate) fn replace_value(&mut self, old: u32, new: u32) {
        let slots = self.inline.iter_mut().chain(self.heap.iter_mut());
        for slot in slots.filter(|e| e.0 != 0 && e.2 == old) {
            slot.2 = new;
        }
    }
}

/// Put `slot` in the first free slot from its home (the table has room).
fn place(slots: &mut [Slot], shift: u32, slot: Slot) {
    let mask = slots.len() - 1;
    let mut i = home(slot.0, shift);
    while slots[i & mask].0 != 0 {
        i += 1;
    }
    slots[i & mask] = slot;
}

/// Linear probing from `home` in a table whose size is a power of two.
#[inline(always)]
fn probe(slots: &[Slot], home: usize, ptr: usize, len: usize) -> Option<u32> {
    let mask = slots.len() - 1;
    let mut i = home;
    loop {
        let (p, n, value) = slots[i & mask];
        if p == ptr && n as usize == len {
            return Some(value);
        }
        if p == 0 {
            return None;
        }
        i += 1;
    }
}

/// Slots of [`NameChain`]; the last one is a dummy that matches no name.
const CHAIN: usize = 16;
const NONE: u8 = (CHAIN - 1) as u8;

type Link = (usize, u32, u8, u8);

/// In front of [`NameAddrs`]: the names fetched with BINGET, each linked to
/// the name that came after it last time. A struct's fields come in their
/// declaration order, so the next name is usually the last one's successor
/// here, checked with one compare of its address rather than a hash probe.
/// Only BINGET indices are kept (below 256): the memo index of a name that
/// a GET fetched never changes for the rest of the pickle.
#[derive(Debug)]
pub(crate) struct NameChain {
    /// The address, length, memo index of a name, and the slot of the name
    /// that came after it (`NONE`: not known).
    slots: [Link; CHAIN],
    /// The slot predicted for the next name.
    at: u8,
    /// The last name's slot (`NONE` if it has none).
    prev: u8,
    /// The slot to fill next, round robin.
    fill: u8,
}

impl Default for NameChain {
    fn default() -> Self {
        NameChain { slots: [(0, 0, 0, NONE); CHAIN], at: NONE, prev: NONE, fill: 0 }
    }
}

impl NameChain {
    /// The BINGET index of `s` if it is the predicted name.
    #[inline(always)]
    pub(crate) fn predicted(&mut self, s: &str) -> Option<u8> {
        let at = usize::from(self.at) & (CHAIN - 1);
        let (ptr, len, idx, next) = self.slots[at];
        // (No name is at address 0, the dummy slot's.)
        if ptr == s.as_ptr() as usize && len as usize == s.len() {
            self.prev = at as u8;
            self.at = next;
            return Some(idx);
        }
        None
    }

    /// A name that was not predicted was fetched with BINGET `idx`: link
    /// it after the last name, and predict its successor.
    #[inline(never)]
    pub(crate) fn learn(&mut self, s: &str, idx: u8) {
        let Ok(len) = u32::try_from(s.len()) else {
            return self.forget();
        };
        let ptr = s.as_ptr() as usize;
        let known = self.slots[..usize::from(NONE)].iter().position(|e| e.0 == ptr && e.1 == len);
        let slot = match known {
            Some(i) => {
                debug_assert_eq!(self.slots[i].2, idx);
                i
            }
            None => {
                // The slot's old name is forgotten: links to it now miss.
                let i = usize::from(self.fill);
                self.fill = (self.fill + 1) % NONE;
                self.slots[i] = (ptr, len, idx, NONE);
                i
            }
        };
        if self.prev != NONE {
            self.slots[usize::from(self.prev)].3 = slot as u8;
        }
        self.prev = slot as u8;
        self.at = self.slots[slot].3;
    }

    /// A name that has no BINGET index came: nothing to link, or predict.
    #[inline(always)]
    pub(crate) fn forget(&mut self) {
        self.prev = NONE;
        self.at = NONE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_name_by_address_only() {
        let names: Vec<String> = (0..100).map(|i| format!("field_{i}")).collect();
        let mut t = NameAddrs::default();
        assert_eq!(t.get(&names[0]), None);
        for (i, n) in names.iter().enumerate() {
            t.insert(n, i as u32);
        }
        for (i, n) in names.iter().enumerate() {
            assert_eq!(t.get(n), Some(i as u32));
            // Same content elsewhere: not found.
            assert_eq!(t.get(&n.clone()), None);
        }
        t.replace_value(7, 1000);
        assert_eq!(t.get(&names[7]), Some(1000));
        // A prefix at the same address is another name.
        assert_eq!(t.get(&names[7][..3]), None);
    }

    #[test]
    fn the_chain_predicts_names_in_the_order_they_came() {
        let names: Vec<String> = (0..40).map(|i| format!("field_{i}")).collect();
        let mut c = NameChain::default();
        // A cycle of 7 names: learned once, then every one predicted.
        for round in 0..3 {
            for (i, n) in names[..7].iter().enumerate() {
                match c.predicted(n) {
                    Some(idx) => {
                        assert!(round > 0);
                        assert_eq!(idx, i as u8);
                    }
                    None => {
                        assert!(round < 2, "{n} missed in round {round}");
                        c.learn(n, i as u8);
                    }
                }
            }
        }
        // The same content at another address is another name.
        assert_eq!(c.predicted(&names[0].clone()), None);
        // More names than slots: whatever is predicted is right.
        for round in 0..3 {
            for (i, n) in names.iter().enumerate() {
                match c.predicted(n) {
                    Some(idx) => assert_eq!(idx, i as u8, "round {round}"),
                    None => c.learn(n, i as u8),
                }
            }
        }
        c.forget();
        assert_eq!(c.predicted(&names[0]), None);
    }
}
