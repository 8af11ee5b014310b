// SPDX-License-Identifier: GPL-2.0

//! Property tests: the kill set against a naive model (a list of every
//! `add`, folded per task afterwards), under random sequences of tasks,
//! addresses and shifts, with storage too small, regrown midway or ample.

use daxhold_pure::killset::{
    add_task, unmap_range, Added, KillSet, MapSlots, Mappings, MmSlot, Record, Slots, Target,
};

/// Kill set storage in two vectors.
struct VecSlots(Vec<Target>, Vec<u32>);

impl Slots for VecSlots {
    fn parts(&self) -> (&[Target], &[u32]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [Target], &mut [u32]) {
        (&mut self.0, &mut self.1)
    }
}

/// Mappings storage in two vectors.
struct VecMaps(Vec<MmSlot>, Vec<Record>);

impl MapSlots for VecMaps {
    fn parts(&self) -> (&[MmSlot], &[Record]) {
        (&self.0, &self.1)
    }
    fn parts_mut(&mut self) -> (&mut [MmSlot], &mut [Record]) {
        (&mut self.0, &mut self.1)
    }
}
use proptest::prelude::*;

/// The model: per task in order of first appearance, the first address
/// and shift, and the largest shift; tasks beyond `cap` distinct ones are
/// dropped (their adds refused).
fn model(adds: &[(u64, u64, u8)], cap: usize) -> Vec<Target> {
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

fn adds() -> impl Strategy<Value = Vec<(u64, u64, u8)>> {
    prop::collection::vec(
        (
            0u64..12,
            any::<u64>(),
            prop::sample::select(vec![0u8, 12, 21, 30]),
        ),
        0..60,
    )
}

proptest! {
    #[test]
    fn set_matches_model(adds in adds(), cap in 0usize..14) {
        let mut store = vec![Target::default(); cap];
        let mut index = vec![0u32; cap];
        let mut set = KillSet::new((&mut store[..], &mut index[..]));
        let mut seen: Vec<u64> = Vec::new();
        for &(task, addr, shift) in &adds {
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
        prop_assert_eq!(set.targets(), &model(&adds, cap)[..]);
    }

    #[test]
    fn regrow_loses_nothing(adds in adds(), split in 0usize..60) {
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
            prop_assert_eq!(set.targets(), &model(&adds, 16)[..]);
        }
    }

    /// Many tasks (the benchmark's thousand mappers and more), ids spread
    /// over the whole range, each found several times in random order.
    #[test]
    fn many_tasks_match_model(
        ids in prop::collection::vec(1u64.., 1..1500),
        picks in prop::collection::vec((any::<prop::sample::Index>(), any::<u64>(),
                                        prop::sample::select(vec![12u8, 21, 30])), 0..4000),
        cap in 1000usize..1600,
    ) {
        let adds: Vec<(u64, u64, u8)> = ids
            .iter()
            .map(|&t| (t, t ^ 0x5555, 12))
            .chain(picks.iter().map(|(i, a, s)| (*i.get(&ids), *a, *s)))
            .collect();
        let mut store = vec![Target::default(); cap];
        let mut index = vec![0u32; cap];
        let mut set = KillSet::new((&mut store[..], &mut index[..]));
        for &(t, a, s) in &adds {
            set.add(t, a, s);
        }
        prop_assert_eq!(set.targets(), &model(&adds, cap)[..]);
    }

    #[test]
    fn unmap_covers_pages(pgoff in 0u64..(1 << 40), count in 1u64..4096,
                          shift in prop::sample::select(vec![0u8, 12, 21, 30])) {
        let (start, len) = unmap_range(pgoff, count, shift).unwrap();
        let size = 1u64 << shift.max(12);
        prop_assert_eq!(start % size, 0);
        prop_assert_eq!(len % size, 0);
        prop_assert!(start <= pgoff << 12);
        prop_assert!(start + len >= (pgoff + count) << 12);
        // Rounded out by less than one mapping at each end.
        prop_assert!((pgoff << 12) - start < size);
        prop_assert!(start + len - ((pgoff + count) << 12) < size);
    }

    /// The turned-around collect against the old one: for V VMAs (mm,
    /// address, shift; some with nothing present) in walk order and
    /// processes (task, picked task's mm or none) in task-list order, the
    /// old collect added every matching task for every VMA; the new one
    /// records the VMAs per mm (some looked at now, the others only when a
    /// task's mm is looked up, each at most once), the table too small
    /// first (it says what it needs, and the walk is repeated with that
    /// room), then adds each task once with what its mm's lookup found.
    /// The same tasks with the same first address, shift and largest
    /// shift; in task-list order.
    #[test]
    fn turned_around_matches_old(
        vmas in prop::collection::vec(
            (0u64..40, any::<u64>(), prop::sample::select(vec![0u8, 12, 12, 21, 30]), any::<bool>()),
            0..300),
        procs in prop::collection::vec(0u64..50, 0..200),
        first_room in 0usize..8,
    ) {
        // mm_struct-like addresses: equal low bits.
        let mm = |k: u64| if k == 0 { 0 } else { 0xffff_8880_0000_0000 + k * 0x4c0 };
        let tasks: Vec<(u64, u64)> =
            procs.iter().enumerate().map(|(i, &k)| (i as u64 + 1, mm(k))).collect();
        let mut old = KillSet::new(VecSlots(vec![Target::default(); 256], vec![0u32; 256]));
        for &(k, addr, shift, _) in &vmas {
            for &(t, tmm) in &tasks {
                if tmm != 0 && tmm == mm(k) {
                    old.add(t, addr, shift);
                }
            }
        }
        // A table of `room` VMAs; if it overflows, one of what it needs.
        // A deferred VMA is pushed as its number + 1.
        let walk = |room: usize| {
            let mut maps = Mappings::new(VecMaps(vec![MmSlot::default(); 2 * room], vec![Record::default(); room]));
            for (i, &(k, addr, shift, defer)) in vmas.iter().enumerate() {
                if defer {
                    maps.push(mm(k), i as u64 + 1, 0, 0);
                } else {
                    maps.push(mm(k), 0, addr, shift);
                }
            }
            maps
        };
        let mut maps = walk(first_room.next_power_of_two());
        if maps.overflowed() {
            let need = maps.needed();
            prop_assert!(need > maps.capacity());
            maps = walk(need.next_power_of_two());
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
    }
}
