// SPDX-License-Identifier: GPL-2.0

//! The VMAs of one collect walk, by mm ([`Mappings`]): what the kill set
//! is filled from, each process's picked task looked up by its mm.

/// What the collect found for one mm (the mm of a picked task): the user
/// address and shift of the first poisoned page present in its VMAs in
/// walk order (`si_addr`, `si_addr_lsb` for its task), and the largest
/// shift among them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// User address of the first present poisoned page.
    pub addr: u64,
    /// log2 of the size of that mapping (12, 21 or 30).
    pub shift: u8,
    /// The largest mapping shift among the mm's VMAs.
    pub max_shift: u8,
}

/// A slot of the [`Mappings`] hash table: one mm of the walk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmSlot {
    /// The mm (in the module the `mm_struct` address, alive while the
    /// walk holds the file's `i_mmap_rwsem`); 0: a free slot.
    mm: u64,
    /// First and last of its records (index + 1), in walk order.
    head: u32,
    tail: u32,
    /// Its records have been looked at: `found` is final.
    resolved: bool,
    found: Found,
}

/// One VMA of the walk: present (`vma` 0, its first present page's
/// address and shift) or not looked at yet (`vma`: the VMA, looked at
/// only if a picked task has its mm).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Record {
    vma: u64,
    addr: u64,
    /// The table slot of its mm.
    slot: u32,
    /// The mm's next record (index + 1; 0: the last).
    next: u32,
    shift: u8,
}

/// The storage of [`Mappings`]: the hash table's slots (its size is the
/// largest power of two that fits) and the records.
pub trait MapSlots {
    /// The table and the records.
    fn parts(&self) -> (&[MmSlot], &[Record]);
    /// The same, writable.
    fn parts_mut(&mut self) -> (&mut [MmSlot], &mut [Record]);
}

impl MapSlots for (&mut [MmSlot], &mut [Record]) {
    fn parts(&self) -> (&[MmSlot], &[Record]) {
        (self.0, self.1)
    }
    fn parts_mut(&mut self) -> (&mut [MmSlot], &mut [Record]) {
        (self.0, self.1)
    }
}

/// The VMAs of one collect walk, by mm: each VMA with a poisoned page
/// present ([`Mappings::push`] with its address and shift), or not looked
/// at yet (pushed with the VMA); then each process's picked task is
/// looked up by its mm ([`Mappings::lookup`]), which has the VMAs of that
/// mm not looked at yet looked at, once, and folds them in walk order.
///
/// This turns the collect around: the kernel's `collect_procs_fsdax()`
/// walks the processes once and, per picked task, the file's VMAs
/// through the `i_mmap` interval tree; a module cannot query that tree
/// (its iterators are not exported), so daxhold walks the VMAs once into
/// this table and the processes once against it: O(V + P) for V VMAs and
/// P processes (an open-addressing hash table keyed by mm, at most half
/// full, linear probing), instead of O(V x P). A VMA that cannot hold a
/// huge mapping (its shift can only be 12 or nothing, which rounds the
/// unmap alike) is looked at only if a picked task has its mm: with early
/// kill off, that is the poisoning task's alone, as in the kernel.
/// No allocation here: the caller gives the storage; what did not fit
/// is counted ([`Mappings::needed`]), so the caller can grow it and walk
/// again.
pub struct Mappings<S> {
    store: S,
    /// Records used.
    len: usize,
    /// Records that found no room.
    missed: usize,
}

/// The table slot where the search for `mm` starts, in a table of `mask
/// + 1` slots (Fibonacci hashing of the address without its low bits,
/// which are equal in every `mm_struct`).
fn home(mm: u64, mask: usize) -> usize {
    let h = (mm >> 6).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    usize::try_from(h >> 32).unwrap_or(0) & mask
}

/// `i + 1` as a link (0 for an index beyond `u32`).
fn link(i: usize) -> u32 {
    u32::try_from(i)
        .ok()
        .and_then(|i| i.checked_add(1))
        .unwrap_or(0)
}

/// The index a link names.
fn unlink(l: u32) -> Option<usize> {
    usize::try_from(l.checked_sub(1)?).ok()
}

impl<S: MapSlots> Mappings<S> {
    /// An empty table over `store`, whose table slots must all be free
    /// (mm 0, as `MmSlot::default()` and zeroed memory are; a slot in use
    /// would be found as an mm of the walk): not cleared here, as that
    /// costs a write per slot where the kernel's zeroing allocation has
    /// done it. Reused for another walk, the table is emptied by
    /// [`Mappings::clear`], in O(records).
    pub fn new(store: S) -> Self {
        Mappings {
            store,
            len: 0,
            missed: 0,
        }
    }

    /// Table slots used: a power of two (0 if the storage has none).
    fn table_len(&self) -> usize {
        let n = self.store.parts().0.len();
        n.checked_ilog2()
            .and_then(|b| 1usize.checked_shl(b))
            .unwrap_or(0)
    }

    /// How many VMAs (records) it takes: the records' slots, at most
    /// half the table (so the table is at most half full).
    pub fn capacity(&self) -> usize {
        (self.table_len() / 2).min(self.store.parts().1.len())
    }

    /// VMAs held.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether a VMA found no room.
    pub fn overflowed(&self) -> bool {
        self.missed > 0
    }

    /// How many VMAs the walk reported (held, plus those that found no
    /// room): the capacity a walk again needs.
    pub fn needed(&self) -> usize {
        self.len.saturating_add(self.missed)
    }

    /// Forget everything (a new walk): O(records held).
    pub fn clear(&mut self) {
        let len = self.len;
        let (table, records) = self.store.parts_mut();
        for r in records.get(..len).unwrap_or(&[]) {
            if let Some(e) = usize::try_from(r.slot).ok().and_then(|i| table.get_mut(i)) {
                *e = MmSlot::default();
            }
        }
        self.len = 0;
        self.missed = 0;
    }

    /// The slot of `mm`: `Ok` if it is there, `Err` with the free slot
    /// where it would go, `Err(None)` if neither (a full table).
    fn find(&self, mm: u64) -> Result<usize, Option<usize>> {
        let len = self.table_len();
        let mask = len.wrapping_sub(1);
        let table = self.store.parts().0;
        let mut i = home(mm, mask);
        for _ in 0..len {
            match table.get(i) {
                Some(e) if e.mm == mm => return Ok(i),
                Some(e) if e.mm == 0 => return Err(Some(i)),
                Some(_) => i = i.wrapping_add(1) & mask,
                None => break,
            }
        }
        Err(None)
    }

    /// Record the walk's next VMA, of `mm`: `vma` 0 and the address and
    /// shift of its first present poisoned page, or `vma` (not looked at
    /// yet). mm 0, or neither a VMA nor a shift, is ignored; beyond the
    /// capacity only counted. O(1) expected.
    pub fn push(&mut self, mm: u64, vma: u64, addr: u64, shift: u8) {
        if mm == 0 || (vma == 0 && shift == 0) {
            return;
        }
        let len = self.len;
        let room = self.capacity();
        let found = self.find(mm);
        let (table, records) = self.store.parts_mut();
        let slot = match found {
            Ok(i) => Some(i),
            Err(free) => free,
        };
        let (true, Some(i), Some(at), Some(r)) = (
            len < room,
            slot,
            slot.and_then(|i| u32::try_from(i).ok()),
            records.get_mut(len),
        ) else {
            self.missed = self.missed.saturating_add(1);
            return;
        };
        let Some(e) = table.get_mut(i) else {
            self.missed = self.missed.saturating_add(1);
            return;
        };
        *r = Record {
            vma,
            addr,
            slot: at,
            next: 0,
            shift,
        };
        let me = link(len);
        if found.is_ok() {
            // Append to the mm's chain.
            let tail = unlink(e.tail);
            e.tail = me;
            if let Some(t) = tail.and_then(|t| records.get_mut(t)) {
                t.next = me;
            }
        } else {
            *e = MmSlot {
                mm,
                head: me,
                tail: me,
                resolved: false,
                found: Found::default(),
            };
        }
        self.len = len.saturating_add(1);
    }

    /// What the walk found for `mm`, if a poisoned page is present in one
    /// of its VMAs. The first lookup of an mm looks at its VMAs not looked
    /// at yet with `look(vma)` (the address and shift of the VMA's first
    /// present poisoned page; shift 0: none), in walk order, and keeps
    /// the result. O(1) expected, plus the looks.
    pub fn lookup(&mut self, mm: u64, mut look: impl FnMut(u64) -> (u64, u8)) -> Option<Found> {
        if mm == 0 {
            return None;
        }
        let i = self.find(mm).ok()?;
        let len = self.len;
        let (table, records) = self.store.parts_mut();
        let e = table.get_mut(i)?;
        if !e.resolved {
            let mut found = Found::default();
            let mut next = e.head;
            // Every record at most once (the chain has no cycle).
            for _ in 0..len {
                let Some(r) = unlink(next).and_then(|n| records.get_mut(n)) else {
                    break;
                };
                if r.vma != 0 {
                    let (addr, shift) = look(r.vma);
                    *r = Record {
                        vma: 0,
                        addr,
                        shift,
                        ..*r
                    };
                }
                if r.shift != 0 {
                    if found.shift == 0 {
                        found.addr = r.addr;
                        found.shift = r.shift;
                    }
                    found.max_shift = found.max_shift.max(r.shift);
                }
                next = r.next;
            }
            e.found = found;
            e.resolved = true;
        }
        Some(e.found).filter(|f| f.shift != 0)
    }

    /// Its storage back.
    pub fn into_store(self) -> S {
        self.store
    }
}
