// SPDX-License-Identifier: GPL-2.0

//! The storage of one failure's kill set: the [`Collector`] (the set,
//! with a task reference per entry, and the table of the mappings of the
//! owner being collected), sized from what the last failure needed, and
//! the [`Spare`] it gives back for the next one.

use core::mem::ManuallyDrop;
use core::sync::atomic::{AtomicUsize, Ordering};

use kernel::alloc::{flags::__GFP_ZERO, Allocator, KVVec, KVec, Vec};
use kernel::error::{code, Result};
use kernel::prelude::*;

use super::signal::TaskRef;
use crate::pure::killset::{KillSet, MapSlots, Mappings, MmSlot, Record, Slots, Target};

/// Tasks the first storage of a kill set has room for; it doubles (with
/// `GFP_KERNEL`, between walks) up to [`MAX_TASKS`].
const FIRST_TASKS: usize = 16;
/// The most tasks one failure's set takes; beyond, the kernel's
/// per-owner kill runs for the rest (nobody missed).
pub(crate) const MAX_TASKS: usize = 1 << 16;
/// VMAs the first table of the collect walk has room for; it grows
/// (`GFP_KERNEL`, between walks, to what the walk reported, at least
/// twice the room) up to [`MAX_VMAS`].
const FIRST_VMAS: usize = 16;
/// The most VMAs one owner's collect takes (per VMA a record of 32 bytes
/// and two table slots of 40, kvmalloc); beyond, the kernel's per-owner
/// kill runs for that owner.
const MAX_VMAS: usize = 1 << 16;

/// The room the last failure needed (tasks, VMAs), set when its kill set
/// is dropped: the next kill set starts with it, so that a file mapped by
/// many processes is walked once per owner, not once more per doubling
/// (and a small failure after a large one allocates little again).
static TASKS_HINT: AtomicUsize = AtomicUsize::new(FIRST_TASKS);
static VMAS_HINT: AtomicUsize = AtomicUsize::new(FIRST_VMAS);

/// `hint` as a first size: a power of two from `first` to `max`.
fn first_size(hint: &AtomicUsize, first: usize, max: usize) -> usize {
    hint.load(Ordering::Relaxed)
        .clamp(first, max)
        .checked_next_power_of_two()
        .unwrap_or(first)
}

/// A vector of `n` elements, all bytes zero, in one zeroing allocation
/// (`GFP_KERNEL`), not `n` writes: the kill set's storage is allocated
/// for every failure, as large as the last one needed.
///
/// # Safety
///
/// All bytes zero must be a valid `T`.
unsafe fn zeroed<T, A: Allocator>(n: usize) -> Result<Vec<T, A>> {
    let mut v = Vec::with_capacity(n, GFP_KERNEL | __GFP_ZERO)?;
    // __GFP_ZERO: krealloc/kvrealloc of no previous memory zero it all.
    // SAFETY: the capacity is at least `n` and all of it is zeroed, which
    // is a valid `T` (our contract).
    unsafe { v.set_len(n) };
    Ok(v)
}

/// The slots of a kill set: kernel vectors filled to their capacity (the
/// targets, and the set's lookup index).
pub(crate) struct Store(KVec<Target>, KVec<u32>);

impl Slots for Store {
    fn parts(&self) -> (&[Target], &[u32]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]) {
        (&mut self.0, &mut self.1)
    }
}

impl Store {
    fn new(n: usize) -> Result<Self> {
        // SAFETY: `Target` is integers only (all zero: its default), and
        // so is `u32`.
        unsafe { Ok(Store(zeroed(n)?, zeroed(n)?)) }
    }
}

/// The storage of the collect walk's [`Mappings`]: kernel vectors filled
/// to their capacity (`kvmalloc`: a large one may be `vmalloc`ed), a
/// table of twice the VMAs it takes and their records.
pub(crate) struct MapStore(KVVec<MmSlot>, KVVec<Record>);

impl MapSlots for MapStore {
    fn parts(&self) -> (&[MmSlot], &[Record]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [MmSlot], &mut [Record]) {
        (&mut self.0, &mut self.1)
    }
}

impl MapStore {
    /// Room for `n` VMAs (`n` a power of two).
    fn new(n: usize) -> Result<Self> {
        let slots = n.checked_mul(2).ok_or(code::ENOMEM)?;
        // SAFETY: `MmSlot` and `Record` are integers and a bool only (all
        // zero: a free slot, an empty record, their defaults).
        unsafe { Ok(MapStore(zeroed(slots)?, zeroed(n)?)) }
    }
}

/// Storage a failure's kill set gives back for the next one: sets,
/// references all empty, the table's slots all free.
pub(crate) struct Spare {
    store: Store,
    refs: KVec<Option<TaskRef>>,
    maps: MapStore,
}

/// Spare storage is kept for the next failure up to this room (tasks or
/// VMAs), and beyond it while a failure needed at least a quarter of it.
const KEEP_SPARE: usize = 1024;

impl Spare {
    /// Tasks it has room for.
    fn tasks(&self) -> usize {
        self.store
            .0
            .len()
            .min(self.store.1.len())
            .min(self.refs.len())
    }

    /// VMAs it has room for (the table is twice the records).
    fn vmas(&self) -> usize {
        self.maps.1.len().min(self.maps.0.len() / 2)
    }
}

/// One failure's kill set and the task references of its entries (slot
/// `i` of `refs` holds the reference for entry `i`), and the mappings of
/// the owner being collected.
pub(crate) struct Collector {
    pub(super) set: KillSet<Store>,
    pub(super) refs: KVec<Option<TaskRef>>,
    pub(super) maps: Mappings<MapStore>,
    /// The most VMAs one collect of this failure reported.
    pub(super) vmas: usize,
    /// The pages being collected: `(pgoff, count)`.
    pub(super) range: (u64, u64),
    /// A collect stopped on a full set.
    pub(super) full: bool,
    /// What the last collect that failed could not do.
    pub(super) failure: &'static str,
    /// The hints have been set from it.
    hinted: bool,
}

/// `refs` with `n` empty slots (no allocation when they are filled).
fn new_refs(n: usize) -> Result<KVec<Option<TaskRef>>> {
    let mut v = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        v.push(None, GFP_KERNEL)?;
    }
    Ok(v)
}

impl Collector {
    /// An empty set (process context: allocates with `GFP_KERNEL`).
    ///
    /// `spare`, the storage the last failure gave back, is taken if it
    /// has the room the hints ask for (no allocation then), else freed.
    pub(crate) fn new(spare: Option<Spare>) -> Result<Self> {
        let tasks = first_size(&TASKS_HINT, FIRST_TASKS, MAX_TASKS);
        let vmas = first_size(&VMAS_HINT, FIRST_VMAS, MAX_VMAS);
        let (store, refs, maps) = match spare {
            Some(s) if s.tasks() >= tasks && s.vmas() >= vmas => (s.store, s.refs, s.maps),
            _ => (Store::new(tasks)?, new_refs(tasks)?, MapStore::new(vmas)?),
        };
        Ok(Collector {
            set: KillSet::new(store),
            refs,
            maps: Mappings::new(maps),
            vmas: 0,
            range: (0, 0),
            full: false,
            failure: "",
            hinted: false,
        })
    }

    /// Its storage, for the next failure: the task references dropped,
    /// the table emptied (O(VMAs held)). `None` (freed) if it is much
    /// larger than what this failure needed.
    pub(crate) fn into_spare(mut self) -> Option<Spare> {
        self.hint();
        let len = self.set.len();
        for r in self.refs.iter_mut().take(len) {
            *r = None;
        }
        self.maps.clear();
        let need = len.max(self.vmas);
        // Its storage moves out whole: no empty vectors put in its place
        // (dropping one still calls krealloc(NULL, 0), five per failure).
        // The other fields are plain data that need no drop, and `Drop for
        // Collector` only hints, which was done above.
        let this = ManuallyDrop::new(self);
        // SAFETY: `this` is never used or dropped again, so each of the
        // three fields is read (moved out) exactly once.
        let (set, refs, maps) = unsafe {
            (
                core::ptr::read(&this.set),
                core::ptr::read(&this.refs),
                core::ptr::read(&this.maps),
            )
        };
        let spare = Spare {
            store: set.into_store(),
            refs,
            maps: maps.into_store(),
        };
        let kept = spare.tasks().max(spare.vmas());
        (kept <= KEEP_SPARE || kept / 4 <= need).then_some(spare)
    }

    /// The room this failure needed, for the next one.
    fn hint(&mut self) {
        TASKS_HINT.store(self.set.len(), Ordering::Relaxed);
        VMAS_HINT.store(self.vmas, Ordering::Relaxed);
        self.hinted = true;
    }

    /// Twice the room (`-ENOSPC` at [`MAX_TASKS`], `-ENOMEM`). Kept out of
    /// line, as [`Collector::grow_maps`]: fault injection aims at their
    /// address ranges (Documentation/testing.rst, "Allocation failures").
    #[inline(never)]
    pub(super) fn grow(&mut self) -> Result {
        let n = self
            .set
            .capacity()
            .checked_mul(2)
            .filter(|&n| n <= MAX_TASKS)
            .ok_or(code::ENOSPC)?;
        let store = Store::new(n)?;
        let mut refs = new_refs(n)?;
        for (dst, src) in refs.iter_mut().zip(self.refs.iter_mut()) {
            *dst = src.take();
        }
        if let Err(store) = self.set.regrow(store) {
            drop(store);
            // Cannot happen (n > len); put the references back.
            for (dst, src) in self.refs.iter_mut().zip(refs.iter_mut()) {
                *dst = src.take();
            }
            return Err(code::EINVAL);
        }
        self.refs = refs;
        Ok(())
    }

    /// Room for the VMAs the last walk reported, at least twice the room
    /// it had (`-ENOSPC` beyond [`MAX_VMAS`], `-ENOMEM`).
    #[inline(never)]
    pub(super) fn grow_maps(&mut self) -> Result {
        let n = self
            .maps
            .capacity()
            .checked_mul(2)
            .ok_or(code::ENOSPC)?
            .max(self.maps.needed())
            .checked_next_power_of_two()
            .filter(|&n| n <= MAX_VMAS)
            .ok_or(code::ENOSPC)?;
        // The old storage goes first: both at once are not needed.
        self.maps = Mappings::new(MapStore(KVVec::new(), KVVec::new()));
        self.maps = Mappings::new(MapStore::new(n)?);
        Ok(())
    }

    /// The tasks, each with its reference, in the order found.
    pub(crate) fn targets(&self) -> impl Iterator<Item = (&Target, &TaskRef)> {
        self.set
            .targets()
            .iter()
            .zip(self.refs.iter())
            .filter_map(|(t, r)| r.as_ref().map(|r| (t, r)))
    }

    /// Tasks in the set.
    pub(crate) fn len(&self) -> usize {
        self.set.len()
    }

    /// What the last collect that failed could not do.
    pub(crate) fn failure(&self) -> &'static str {
        self.failure
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        if !self.hinted {
            self.hint();
        }
    }
}
