// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_killset` suite ([`super::KILLSET_CASES`]): one
//! failure's kill set (dedupe by task, first address, largest shift, full
//! storage, regrowth), the si_code choice and the unmap range.

use super::Fail;
use crate::pure::events::{BUS_MCEERR_AO, BUS_MCEERR_AR};
use crate::pure::killset::{
    add_task, must_force, sig_code, unmap_range, Added, Fixed, Found, KillSet, Mappings, MmSlot,
    Record, Target,
};

/// A task mapping two owners of a shared page (and a PMD elsewhere): one
/// entry, its first address and shift, the largest shift kept apart.
pub(super) fn dedupe() -> Result<(), Fail> {
    let mut set = KillSet::new(Fixed::<4>::new());
    ensure!(set.add(0x100, 0x7000_3000, 12) == Added::New(0));
    ensure!(set.add(0x200, 0x7100_3000, 12) == Added::New(1));
    // The same task's mapping of the reflink copy, then a PMD mapping.
    ensure!(set.add(0x100, 0x7200_3000, 12) == Added::Merged);
    ensure!(set.add(0x100, 0x7400_0000, 21) == Added::Merged);
    ensure!(set.len() == 2);
    let t = set.targets();
    ensure!(
        t.first()
            == Some(&Target {
                task: 0x100,
                addr: 0x7000_3000,
                shift: 12,
                max_shift: 21
            })
    );
    ensure!(t.get(1).map(|t| (t.task, t.addr, t.max_shift)) == Some((0x200, 0x7100_3000, 12)));
    Ok(())
}

/// Unmapped pages (shift 0) and task 0 are ignored, as the kernel's
/// `__add_to_kill()` drops them.
pub(super) fn ignores_unmapped() -> Result<(), Fail> {
    let mut set = KillSet::new(Fixed::<2>::new());
    ensure!(set.add(0x100, 0x1000, 0) == Added::Ignored);
    ensure!(set.add(0, 0x1000, 12) == Added::Ignored);
    ensure!(set.is_empty());
    Ok(())
}

/// A full set refuses new tasks (unchanged) but still merges known ones;
/// regrown into bigger storage it keeps its tasks and takes more.
pub(super) fn full_and_regrow() -> Result<(), Fail> {
    let mut small = ([Target::default(); 2], [0u32; 2]);
    let mut big = ([Target::default(); 4], [0u32; 4]);
    let mut tiny = ([Target::default(); 1], [0u32; 1]);
    // Index slots fewer than target slots: the smaller count.
    let mut odd = ([Target::default(); 8], [0u32; 3]);
    ensure!(KillSet::new((&mut odd.0[..], &mut odd.1[..])).capacity() == 3);
    let mut set = KillSet::new((&mut small.0[..], &mut small.1[..]));
    ensure!(set.add(1, 0x1000, 12) == Added::New(0));
    ensure!(set.add(2, 0x2000, 12) == Added::New(1));
    ensure!(set.add(3, 0x3000, 12) == Added::Full);
    ensure!(set.add(1, 0x4000, 21) == Added::Merged);
    ensure!(set.len() == 2 && set.capacity() == 2);
    // Too small: refused, the set unchanged.
    ensure!(set.regrow((&mut tiny.0[..], &mut tiny.1[..])).is_err());
    ensure!(set.len() == 2);
    ensure!(set.regrow((&mut big.0[..], &mut big.1[..])).is_ok());
    ensure!(set.capacity() == 4);
    ensure!(set.add(3, 0x3000, 12) == Added::New(2));
    let tasks = [1u64, 2, 3];
    ensure!(set
        .targets()
        .iter()
        .map(|t| t.task)
        .eq(tasks.iter().copied()));
    ensure!(set.targets().first().map(|t| t.max_shift) == Some(21));
    Ok(())
}

/// AR only to the current task of an action-required failure; forced
/// only when that task blocks or ignores SIGBUS.
pub(super) fn codes() -> Result<(), Fail> {
    ensure!(sig_code(true, true) == BUS_MCEERR_AR);
    ensure!(sig_code(true, false) == BUS_MCEERR_AO);
    ensure!(sig_code(false, true) == BUS_MCEERR_AO);
    ensure!(sig_code(false, false) == BUS_MCEERR_AO);
    ensure!(must_force(BUS_MCEERR_AR, true));
    ensure!(!must_force(BUS_MCEERR_AR, false));
    ensure!(!must_force(BUS_MCEERR_AO, true));
    Ok(())
}

/// The unmapped range: the pages, rounded out to the largest mapping,
/// at least a page; overflow and empty ranges refused.
pub(super) fn unmap() -> Result<(), Fail> {
    ensure!(unmap_range(3, 1, 12) == Some((0x3000, 0x1000)));
    // Nothing mapped: still the page.
    ensure!(unmap_range(3, 1, 0) == Some((0x3000, 0x1000)));
    ensure!(unmap_range(3, 2, 12) == Some((0x3000, 0x2000)));
    // A PMD mapping: the 2 MiB around it.
    ensure!(unmap_range(515, 1, 21) == Some((0x20_0000, 0x20_0000)));
    // Straddling a PMD boundary.
    ensure!(unmap_range(511, 2, 21) == Some((0, 0x40_0000)));
    ensure!(unmap_range(3, 0, 12).is_none());
    ensure!(unmap_range(u64::MAX >> 12, 1, 12).is_none());
    ensure!(unmap_range(1, 1, 64).is_none());
    Ok(())
}

/// Many tasks, added out of order and each many times: each once, in the
/// order first found, with its first address and largest shift; the set
/// refuses a new task only when full. (The lookup is a binary search over
/// the slots sorted by task: this walks it through every insertion place.)
pub(super) fn many_tasks() -> Result<(), Fail> {
    const N: usize = 32;
    let mut set = KillSet::new(Fixed::<N>::new());
    // Task ids in a scrambled order (37 is prime to 32: a permutation).
    let task = |k: usize| (((k * 37) % N) as u64 + 1) << 12;
    for round in 0..3u64 {
        for k in 0..N {
            let shift = if round == 2 && k % 5 == 0 { 21 } else { 12 };
            let got = set.add(
                task(k),
                0x7000_0000 + (round << 20) + ((k as u64) << 12),
                shift,
            );
            let want = if round == 0 {
                Added::New(k)
            } else {
                Added::Merged
            };
            ensure!(got == want);
        }
    }
    ensure!(set.len() == N);
    for (k, t) in set.targets().iter().enumerate() {
        let max_shift = if k % 5 == 0 { 21 } else { 12 };
        ensure!(t.task == task(k) && t.addr == 0x7000_0000 + ((k as u64) << 12));
        ensure!(t.shift == 12 && t.max_shift == max_shift);
    }
    ensure!(set.add(0xdead_0000, 0x1000, 12) == Added::Full);
    // Backwards, into storage of twice the size: the same tasks merge,
    // new ones (below, between and above the known ids) are added.
    let mut set2 = KillSet::new(Fixed::<{ 2 * N }>::new());
    for k in (0..N).rev() {
        ensure!(set2.add(task(k), 0x1000, 12) == Added::New(N - 1 - k));
    }
    for k in 0..N {
        ensure!(set2.add(task(k) + 1, 0x2000, 12) == Added::New(N + k));
        ensure!(set2.add(task(k), 0x3000, 12) == Added::Merged);
    }
    ensure!(set2.len() == 2 * N);
    ensure!(set2.add(1, 0x1000, 12) == Added::Full);
    ensure!(set2.add(task(5) + 1, 0x1000, 30) == Added::Merged);
    ensure!(set2.targets().get(N + 5).map(|t| (t.addr, t.max_shift)) == Some((0x2000, 30)));
    Ok(())
}

/// An `mm_struct` address (the low bits are equal: the hash drops them).
fn mm(k: u64) -> u64 {
    0xffff_8880_1000_0000 + k * 0x440
}

/// The collect walk's VMAs by mm: a present VMA's first address and
/// shift, the largest shift, looked up by mm; mm 0 and VMAs with nothing
/// present ignored; a table that is too small counts what it missed and
/// says how much room the walk needs; cleared for the next walk.
pub(super) fn mappings() -> Result<(), Fail> {
    // 8 slots (4 records); 3 record slots: capacity 3.
    let mut table = [MmSlot::default(); 8];
    let mut records = [Record::default(); 3];
    let mut maps = Mappings::new((&mut table[..], &mut records[..]));
    ensure!(maps.capacity() == 3 && maps.is_empty());
    let never = |_| (0u64, 0u8);
    maps.push(mm(1), 0, 0x7000_1000, 12);
    maps.push(mm(2), 0, 0x7100_1000, 12);
    maps.push(mm(1), 0, 0x7200_0000, 21);
    maps.push(0, 0, 0x1000, 12);
    maps.push(mm(3), 0, 0x1000, 0);
    ensure!(maps.len() == 3 && !maps.overflowed());
    let f1 = Found {
        addr: 0x7000_1000,
        shift: 12,
        max_shift: 21,
    };
    ensure!(maps.lookup(mm(1), never) == Some(f1));
    ensure!(maps.lookup(mm(2), never).map(|f| (f.addr, f.max_shift)) == Some((0x7100_1000, 12)));
    ensure!(maps.lookup(mm(3), never).is_none() && maps.lookup(0, never).is_none());
    // Full: more VMAs only counted.
    maps.push(mm(4), 0, 0x7500_1000, 12);
    maps.push(mm(2), 0, 0x7700_0000, 30);
    ensure!(maps.len() == 3 && maps.overflowed() && maps.needed() == 5);
    ensure!(maps.lookup(mm(4), never).is_none());
    maps.clear();
    ensure!(maps.is_empty() && !maps.overflowed() && maps.needed() == 0);
    ensure!(maps.lookup(mm(1), never).is_none());
    // No storage: nothing fits, nothing breaks.
    let mut none = Mappings::new((&mut [][..], &mut [][..]));
    none.push(mm(1), 0, 0x1000, 12);
    ensure!(none.capacity() == 0 && none.overflowed() && none.lookup(mm(1), never).is_none());
    Ok(())
}

/// VMAs pushed unresolved are looked at on the first lookup of their mm
/// only, in walk order, and only once; in a table a walk used before.
pub(super) fn mappings_deferred() -> Result<(), Fail> {
    let mut table = [MmSlot::default(); 8];
    let mut records = [Record::default(); 3];
    let mut maps = Mappings::new((&mut table[..], &mut records[..]));
    // The walk of `mappings` (one VMA too many), its lookups, then clear.
    let never = |_| (0u64, 0u8);
    for (k, addr, shift) in [
        (1, 0x7000_1000, 12),
        (2, 0x7100_1000, 12),
        (1, 0x7200_0000, 21),
        (4, 0x7500_1000, 12),
        (2, 0x7700_0000, 30),
    ] {
        maps.push(mm(k), 0, addr, shift);
    }
    ensure!(maps.lookup(mm(1), never).is_some() && maps.lookup(mm(2), never).is_some());
    maps.clear();
    // Unresolved VMAs: mm 5 has VMA 0x50 (nothing present) then 0x51
    // (present) then a present one; mm 6 only 0x60 (nothing present).
    maps.push(mm(5), 0x50, 0, 0);
    maps.push(mm(6), 0x60, 0, 0);
    maps.push(mm(5), 0x51, 0, 0);
    ensure!(maps.len() == 3);
    let mut looked = [0u64; 4];
    let mut n = 0;
    let mut look = |vma: u64| {
        if let Some(l) = looked.get_mut(n) {
            *l = vma;
        }
        n += 1;
        match vma {
            0x51 => (0x7800_2000, 12),
            _ => (0, 0),
        }
    };
    let f5 = Found {
        addr: 0x7800_2000,
        shift: 12,
        max_shift: 12,
    };
    ensure!(maps.lookup(mm(5), &mut look) == Some(f5));
    ensure!(maps.lookup(mm(5), &mut look) == Some(f5));
    ensure!(maps.lookup(mm(6), &mut look).is_none());
    ensure!(maps.lookup(mm(6), &mut look).is_none());
    // Each VMA looked at once, in walk order per mm.
    ensure!(n == 3 && looked[..3] == [0x50, 0x51, 0x60]);
    Ok(())
}

/// The turned-around collect (VMAs once into the table, some looked at
/// only when a task's mm is looked up, then each task's mm looked up)
/// gives each task what the old one (every task for every VMA) gave: its
/// first address and shift, its largest shift. Many mms that collide in
/// a small table included.
pub(super) fn turned_around() -> Result<(), Fail> {
    const V: usize = 40;
    const T: usize = 24;
    // VMAs of 12 mms (aligned like mm_structs), several per mm, mixed
    // shifts (0: nothing present); every third one deferred.
    let vma = |k: usize| {
        let mm = 0xffff_8880_2000_0000 + ((k * 7) % 12) as u64 * 0x1000;
        let shift = [12u8, 21, 0, 30, 12, 0, 12][k % 7];
        (mm, 0x7000_0000 + ((k as u64) << 21), shift)
    };
    // Tasks: mms 0..16 (12..16 map nothing); tasks 16.. share the mms
    // of 0..8 (processes sharing an mm): 20 map.
    let task_mm = |t: usize| 0xffff_8880_2000_0000 + (t % 16) as u64 * 0x1000;
    let mut old = KillSet::new(Fixed::<T>::new());
    for k in 0..V {
        let (mm, addr, shift) = vma(k);
        for t in 0..T {
            if task_mm(t) == mm {
                old.add(t as u64 + 1, addr, shift);
            }
        }
    }
    let mut table = [MmSlot::default(); 128];
    let mut records = [Record::default(); V];
    let mut maps = Mappings::new((&mut table[..], &mut records[..]));
    for k in 0..V {
        let (mm, addr, shift) = vma(k);
        if k % 3 == 0 {
            maps.push(mm, 0x1000 + k as u64, 0, 0);
        } else {
            maps.push(mm, 0, addr, shift);
        }
    }
    ensure!(!maps.overflowed());
    let look = |v: u64| {
        let (_, addr, shift) = vma((v - 0x1000) as usize);
        (addr, shift)
    };
    let mut new = KillSet::new(Fixed::<T>::new());
    for t in 0..T {
        if let Some(f) = maps.lookup(task_mm(t), look) {
            ensure!(matches!(
                add_task(&mut new, t as u64 + 1, &f),
                Added::New(_)
            ));
        }
    }
    ensure!(old.len() == new.len() && new.len() == 20);
    for o in old.targets() {
        ensure!(new.targets().iter().any(|n| n == o));
    }
    Ok(())
}
