// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_daxowner` suite ([`super::DAXOWNER_CASES`]): which
//! pages of a file's DAX entry a failed pfn range hits.

use super::Fail;
use crate::pure::daxowner::{DaxEntry, Owner};

const PTE: DaxEntry = DaxEntry {
    pgoff: 7,
    pfn: 100,
    order: 0,
};

const PMD: DaxEntry = DaxEntry {
    pgoff: 512,
    pfn: 0x200,
    order: 9,
};

/// A 4 KiB entry is hit by a range that covers its pfn, and only then.
pub(super) fn pte_entry() -> Result<(), Fail> {
    let hit = Owner {
        pgoff: 7,
        pfn: 100,
        count: 1,
    };
    ensure!(PTE.clip(100, 100) == Some(hit));
    ensure!(PTE.clip(0, u64::MAX) == Some(hit));
    ensure!(PTE.clip(101, 200).is_none());
    ensure!(PTE.clip(0, 99).is_none());
    Ok(())
}

/// A PMD entry answers for the pages asked, at their own pgoffs, clipped
/// at both ends.
pub(super) fn pmd_clipped() -> Result<(), Fail> {
    let one = Owner {
        pgoff: 517,
        pfn: 0x205,
        count: 1,
    };
    ensure!(PMD.clip(0x205, 0x205) == Some(one));
    let head = PMD.clip(0x1f0, 0x201);
    ensure!(head.map(|o| (o.pfn, o.count, o.pgoff)) == Some((0x200, 2, 512)));
    let tail = PMD.clip(0x3fe, 0x500);
    ensure!(tail.map(|o| (o.pfn, o.count, o.pgoff)) == Some((0x3fe, 2, 1022)));
    ensure!(PMD.clip(0, u64::MAX).map(|o| o.count) == Some(512));
    ensure!(PMD.clip(0x400, 0x400).is_none());
    Ok(())
}

/// Entries that do not fit in 64 bits, and empty ranges, hit nothing.
pub(super) fn overflow() -> Result<(), Fail> {
    let top = DaxEntry {
        pgoff: 0,
        pfn: u64::MAX,
        order: 1,
    };
    ensure!(top.clip(0, u64::MAX).is_none());
    let huge = DaxEntry {
        pgoff: 0,
        pfn: 0,
        order: 64,
    };
    ensure!(huge.clip(0, 1).is_none());
    let far = DaxEntry {
        pgoff: u64::MAX,
        pfn: 10,
        order: 1,
    };
    ensure!(far.clip(11, 11).is_none());
    ensure!(PTE.clip(200, 100).is_none());
    Ok(())
}
