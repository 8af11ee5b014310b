// SPDX-License-Identifier: GPL-2.0

//! The kill-set model: a list of every `add`, folded per task afterwards,
//! and the checks of the kill set and of the turned-around collect against
//! it; shared by `tests/killset_props.rs` and the fuzz target `killset`
//! (`tools/fuzz`).

use daxhold_pure::killset::{
    add_task, unmap_range, Added, KillSet, MapSlots, Mappings, MmSlot, Record, Slots, Target,
};
use proptest::prelude::*;

/// Kill set storage in two vectors.
pub struct VecSlots(pub Vec<Target>, pub Vec<u32>);

impl Slots for VecSlots {
    fn parts(&self) -> (&[Target], &[u32]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]) {
        (&mut self.0, &mut self.1)
    }
}

/// Mappings storage in two vectors.
pub struct VecMaps(pub Vec<MmSlot>, pub Vec<Record>);

impl MapSlots for VecMaps {
    fn parts(&self) -> (&[MmSlot], &[Record]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [MmSlot], &mut [Record]) {
        (&mut self.0, &mut self.1)
    }
}

/// The model: per task in order of first appearance, the first address
/// and shift, and the largest shift; tasks beyond `cap` distinct ones are
/// dropped (their adds refused).
pub fn model(adds: &[(u64, u64, u8)], cap: usize) -> Vec<Target> {
    let mut out: Vec<Target> = Vec::new();
    for &(task, addr, shift) in adds {
        if task == 0 || shift == 0 {
            continue;
        }
        if let Some(t) = out.iter_mut().find(|t| t.task == task) {
            t.max_shift = t.max_shift.max(shift);
        } else if out.len() < cap {
            out.push(Target {
                task,
                addr,
                shift,
                max_shift: shift,
            });
        }
    }
    out
}

/// `adds` to a set of `cap` slots: each add's answer, then the set, as
/// the model says.
pub fn check_set(adds: &[(u64, u64, u8)], cap: usize) -> Result<(), TestCaseError> {
    let mut store = vec![Target::default(); cap];
    let mut index = vec![0u32; cap];
    let mut set = KillSet::new((&mut store[..], &mut index[..]));
    let mut seen: Vec<u64> = Vec::new();
    for &(task, addr, shift) in adds {
        let got = set.add(task, addr, shift);
        let want = if task == 0 || shift == 0 {
            Added::Ignored
        } else if seen.contains(&task) {
            Added::Merged
        } else if seen.len() < cap {
            seen.push(task);
            Added::New(seen.len() - 1)
        } else {
            Added::Full
        };
        prop_assert_eq!(got, want);
    }
    prop_assert_eq!(set.targets(), &model(adds, cap)[..]);
    Ok(())
}

/// The first `split` adds to a set of 3 slots, regrown to 16, then the
/// rest (at most 16 tasks in all): nothing refused after the regrowth,
/// nothing lost by it.
pub fn check_regrow(adds: &[(u64, u64, u8)], split: usize) -> Result<(), TestCaseError> {
    let mut small = ([Target::default(); 3], [0u32; 3]);
    let mut big = ([Target::default(); 16], [0u32; 16]);
    let mut set = KillSet::new((&mut small.0[..], &mut small.1[..]));
    let split = split.min(adds.len());
    let mut full = false;
    for &(t, a, s) in &adds[..split] {
        full |= set.add(t, a, s) == Added::Full;
    }
    prop_assert!(set.regrow((&mut big.0[..], &mut big.1[..])).is_ok());
    for &(t, a, s) in &adds[split..] {
        prop_assert_ne!(set.add(t, a, s), Added::Full);
    }
    if !full {
        // Nothing refused before the regrowth: as if ample from the start.
        prop_assert_eq!(set.targets(), &model(adds, 16)[..]);
    }
    Ok(())
}

/// `unmap_range` covers the pages, in whole mappings of `1 << shift`
/// bytes (a page at least), rounded out by less than one at each end.
pub fn check_unmap(pgoff: u64, count: u64, shift: u8) -> Result<(), TestCaseError> {
    let (start, len) = unmap_range(pgoff, count, shift).unwrap();
    let size = 1u64 << shift.max(12);
    prop_assert_eq!(start % size, 0);
    prop_assert_eq!(len % size, 0);
    prop_assert!(start <= pgoff << 12);
    prop_assert!(start + len >= (pgoff + count) << 12);
    prop_assert!((pgoff << 12) - start < size);
    prop_assert!(start + len - ((pgoff + count) << 12) < size);
    Ok(())
}

/// An mm_struct-like address for mm number `k` (0: no mm): equal low bits.
fn mm(k: u64) -> u64 {
    if k == 0 {
        0
    } else {
        0xffff_8880_0000_0000 + k * 0x4c0
    }
}

/// The turned-around collect against the old one: for V VMAs (mm number,
/// address, shift, deferred; some with nothing present) in walk order and
/// processes (the mm number of each task, 0 for none; at most 256) in
/// task-list order, the old collect added every matching task for every
/// VMA; the new one records the VMAs per mm (some looked at now, the
/// others only when a task's mm is looked up, each at most once), the
/// table too small first (room for `first_room` VMAs: it says what it
/// needs, and the walk is repeated with that room), then adds each task
/// once with what its mm's lookup found. The same tasks with the same
/// first address, shift and largest shift; in task-list order.
pub fn check_turned_around(
    vmas: &[(u64, u64, u8, bool)],
    procs: &[u64],
    first_room: usize,
) -> Result<(), TestCaseError> {
    let tasks: Vec<(u64, u64)> = procs
        .iter()
        .enumerate()
        .map(|(i, &k)| (i as u64 + 1, mm(k)))
        .collect();
    let mut old = KillSet::new(VecSlots(vec![Target::default(); 256], vec![0u32; 256]));
    for &(k, addr, shift, _) in vmas {
        for &(t, tmm) in &tasks {
            if tmm != 0 && tmm == mm(k) {
                old.add(t, addr, shift);
            }
        }
    }
    let mut maps = walk(vmas, first_room.next_power_of_two());
    if maps.overflowed() {
        let need = maps.needed();
        prop_assert!(need > maps.capacity());
        maps = walk(vmas, need.next_power_of_two());
        prop_assert!(!maps.overflowed());
    }
    let mut looked = vec![0u32; vmas.len()];
    let mut new = KillSet::new(VecSlots(vec![Target::default(); 256], vec![0u32; 256]));
    for &(t, tmm) in &tasks {
        let found = maps.lookup(tmm, |v| {
            let i = v as usize - 1;
            looked[i] += 1;
            (vmas[i].1, vmas[i].2)
        });
        if let Some(f) = found {
            prop_assert!(matches!(add_task(&mut new, t, &f), Added::New(_)));
        }
    }
    // Only deferred VMAs of a picked mm were looked at, each once.
    for (i, &(k, _, _, defer)) in vmas.iter().enumerate() {
        let picked = k != 0 && tasks.iter().any(|&(_, tmm)| tmm == mm(k));
        prop_assert_eq!(looked[i], u32::from(defer && picked));
    }
    let mut a = old.targets().to_vec();
    let b = new.targets().to_vec();
    a.sort_by_key(|t| t.task);
    // Task-list order: the tasks are numbered in it.
    prop_assert!(b.windows(2).all(|w| w[0].task < w[1].task));
    prop_assert_eq!(a, b);
    Ok(())
}

/// The new collect's walk: `vmas` recorded in a table of `room` VMAs (a
/// deferred VMA is pushed as its number + 1).
fn walk(vmas: &[(u64, u64, u8, bool)], room: usize) -> Mappings<VecMaps> {
    let mut maps = Mappings::new(VecMaps(
        vec![MmSlot::default(); 2 * room],
        vec![Record::default(); room],
    ));
    for (i, &(k, addr, shift, defer)) in vmas.iter().enumerate() {
        if defer {
            maps.push(mm(k), i as u64 + 1, 0, 0);
        } else {
            maps.push(mm(k), 0, addr, shift);
        }
    }
    maps
}
