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

type Slot = (usize, u32, u32);

/// Open addressing with linear probing, at most a quarter full (names
/// are few; short probe sequences matter more than space). Each slot holds
/// the address (0: empty), the length and the caller's value.
#[derive(Debug)]
pub(crate) struct NameAddrs {
    /// The table while it has `INLINE` slots...
    inline: [Slot; INLINE],
    /// ...and once it has outgrown them (empty until then).
    heap: Vec<Slot>,
    /// `64 - log2(table size)`: the home slot is the top bits of the hash.
    shift: u32,
    len: usize,
}

impl Default for NameAddrs {
    fn default() -> Self {
        NameAddrs { inline: [(0, 0, 0); INLINE], heap: Vec::new(), shift: 64 - INLINE_BITS, len: 0 }
    }
}

impl NameAddrs {
    #[inline(always)]
    fn slots(&self) -> &[Slot] {
        if self.heap.is_empty() {
            &self.inline
        } else {
            &self.heap
        }
    }

    #[inline(always)]
    fn home(&self, ptr: usize) -> usize {
        ((ptr as u64).wrapping_mul(FIB) >> self.shift) as usize
    }

    /// The value stored for the name at `s`'s address, if any.
    #[inline(always)]
    pub(crate) fn get(&self, s: &str) -> Option<u32> {
        let ptr = s.as_ptr() as usize;
        let home = self.home(ptr);
        if self.heap.is_empty() {
            // A fixed-size array: no bounds checks.
            probe(&self.inline, home, ptr, s.len())
        } else {
            probe(&self.heap, home, ptr, s.len())
        }
    }

    /// Store `value` for `s`'s address (not in the table yet). Names over
    /// 4 GiB are not stored (their lookups keep missing, which is correct).
    pub(crate) fn insert(&mut self, s: &str, value: u32) {
        let Ok(len) = u32::try_from(s.len()) else { return };
        if (self.len + 1) * 4 > self.slots().len() {
            self.grow();
        }
        self.place((s.as_ptr() as usize, len, value));
        self.len += 1;
    }

    fn place(&mut self, slot: Slot) {
        let mut i = self.home(slot.0);
        let slots = if self.heap.is_empty() { &mut self.inline[..] } else { &mut self.heap[..] };
        let mask = slots.len() - 1;
        while slots[i & mask].0 != 0 {
            i += 1;
        }
        slots[i & mask] = slot;
    }

    #[cold]
    fn grow(&mut self) {
        let bits = 65 - self.shift;
        let new = vec![(0, 0, 0); 1 << bits];
        let old = if self.heap.is_empty() {
            self.inline.to_vec()
        } else {
            std::mem::take(&mut self.heap)
        };
        self.heap = new;
        self.shift = 64 - bits;
        for slot in old.into_iter().filter(|e| e.0 != 0) {
            self.place(slot);
        }
    }

    /// Replace every stored `old` value by `new`.
    pub(crate) fn replace_value(&mut self, old: u32, new: u32) {
        let slots = if self.heap.is_empty() { &mut self.inline[..] } else { &mut self.heap[..] };
        for slot in slots.iter_mut().filter(|e| e.0 != 0 && e.2 == old) {
            slot.2 = new;
        }
    }
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
}
