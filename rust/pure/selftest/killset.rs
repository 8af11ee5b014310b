// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_killset` suite ([`super::KILLSET_CASES`]): one
//! failure's kill set (dedupe by task, first address, largest shift, full
//! storage, regrowth), the si_code choice and the unmap range.

use super::Fail;
use crate::pure::events::{BUS_MCEERR_AO, BUS_MCEERR_AR};
use crate::pure::killset::{must_force, sig_code, unmap_range, Added, KillSet, Target};

/// A task mapping two owners of a shared page (and a PMD elsewhere): one
/// entry, its first address and shift, the largest shift kept apart.
pub(super) fn dedupe() -> Result<(), Fail> {
    let mut set = KillSet::new([Target::default(); 4]);
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
    let mut set = KillSet::new([Target::default(); 2]);
    ensure!(set.add(0x100, 0x1000, 0) == Added::Ignored);
    ensure!(set.add(0, 0x1000, 12) == Added::Ignored);
    ensure!(set.is_empty());
    Ok(())
}

/// A full set refuses new tasks (unchanged) but still merges known ones;
/// regrown into bigger storage it keeps its tasks and takes more.
pub(super) fn full_and_regrow() -> Result<(), Fail> {
    let mut small = [Target::default(); 2];
    let mut big = [Target::default(); 4];
    let mut tiny = [Target::default(); 1];
    let mut set = KillSet::new(&mut small[..]);
    ensure!(set.add(1, 0x1000, 12) == Added::New(0));
    ensure!(set.add(2, 0x2000, 12) == Added::New(1));
    ensure!(set.add(3, 0x3000, 12) == Added::Full);
    ensure!(set.add(1, 0x4000, 21) == Added::Merged);
    ensure!(set.len() == 2 && set.capacity() == 2);
    // Too small: refused, the set unchanged.
    ensure!(set.regrow(&mut tiny[..]).is_err());
    ensure!(set.len() == 2);
    ensure!(set.regrow(&mut big[..]).is_ok());
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
