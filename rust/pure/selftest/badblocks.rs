// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_badblocks` suite ([`super::BADBLOCKS_CASES`]):
//! known-poison range sets, their changes and the file arithmetic.

use core::cmp::Ordering;

use super::Fail;
use crate::pure::badblocks::{
    diff_sorted, file_hit, intersect, normalize, track, BadRange, Change, FileExtent, Tracked,
};

const fn r(sector: u64, sectors: u64) -> BadRange {
    BadRange::new(sector, sectors)
}

/// Touching and overlapping entries merge; empty ones go; order does not
/// matter.
pub(super) fn normalize_merges() -> Result<(), Fail> {
    let mut v = [
        r(200, 1),
        r(64, 8),
        r(0, 0),
        r(72, 4),
        r(70, 1),
        r(1000, 512),
        r(1512, 512),
    ];
    let n = normalize(&mut v);
    ensure!(n == 3);
    ensure!(v.get(..n) == Some(&[r(64, 12), r(200, 1), r(1000, 1024)][..]));
    let mut empty: [BadRange; 0] = [];
    ensure!(normalize(&mut empty) == 0);
    let mut zeros = [r(5, 0), r(6, 0)];
    ensure!(normalize(&mut zeros) == 0);
    Ok(())
}

/// Ends saturate instead of overflowing; a range inside another is eaten.
pub(super) fn normalize_edges() -> Result<(), Fail> {
    let mut v = [
        r(u64::MAX - 4, 100),
        r(u64::MAX - 10, 7),
        r(10, 100),
        r(20, 5),
    ];
    let n = normalize(&mut v);
    ensure!(n == 2);
    ensure!(v.get(..n) == Some(&[r(10, 100), r(u64::MAX - 10, 10)][..]));
    Ok(())
}

/// Added, cleared and kept, in order, each element once.
pub(super) fn diff_changes() -> Result<(), Fail> {
    let old = [1u32, 3, 5, 7];
    let new = [2u32, 3, 7, 8];
    let mut seen = [(0u8, 0u32); 8];
    let mut n = 0usize;
    diff_sorted(&old, &new, Ord::cmp, |c| {
        let e = match c {
            Change::Added(x) => (b'+', *x),
            Change::Cleared(x) => (b'-', *x),
            Change::Kept(a, _) => (b'=', *a),
        };
        if let Some(s) = seen.get_mut(n) {
            *s = e;
        }
        n += 1;
    });
    ensure!(n == 6);
    ensure!(
        seen.get(..6)
            == Some(
                &[
                    (b'-', 1),
                    (b'+', 2),
                    (b'=', 3),
                    (b'-', 5),
                    (b'=', 7),
                    (b'+', 8)
                ][..]
            )
    );
    let mut calls = 0;
    diff_sorted(&[] as &[u32], &[], Ord::cmp, |_| calls += 1);
    ensure!(calls == 0);
    Ok(())
}

/// `Kept` hands both elements: the comparison may look at part of them.
pub(super) fn diff_by_key() -> Result<(), Fail> {
    let old = [(1u32, 10u32), (2, 20)];
    let new = [(1u32, 11u32), (2, 20)];
    let mut kept = 0;
    let mut changed = 0;
    diff_sorted(
        &old,
        &new,
        |a, b| a.0.cmp(&b.0),
        |c| {
            if let Change::Kept(a, b) = c {
                kept += 1;
                if a.1 != b.1 {
                    changed += 1;
                }
            }
        },
    );
    ensure!(kept == 2 && changed == 1);
    let _ = Ordering::Less;
    Ok(())
}

/// Generations: kept ranges keep theirs, new ones get the new one, a
/// grown range is a new one.
pub(super) fn track_generations() -> Result<(), Fail> {
    let old = [
        Tracked {
            range: r(64, 8),
            since: 1,
        },
        Tracked {
            range: r(200, 1),
            since: 2,
        },
    ];
    let new = [r(64, 8), r(200, 2), r(300, 8)];
    let mut out = [Tracked::default(); 4];
    let (mut added, mut cleared) = (0, 0);
    let n = track(&old, &new, 5, &mut out, |c| match c {
        Change::Added(_) => added += 1,
        Change::Cleared(x) => {
            cleared += 1;
            let _ = x;
        }
        Change::Kept(..) => {}
    });
    ensure!(n == 3 && added == 2 && cleared == 1);
    ensure!(
        out.get(..3)
            == Some(
                &[
                    Tracked {
                        range: r(64, 8),
                        since: 1
                    },
                    Tracked {
                        range: r(200, 2),
                        since: 5
                    },
                    Tracked {
                        range: r(300, 8),
                        since: 5
                    },
                ][..]
            )
    );
    // An output too short keeps what fits, and still reports every change.
    let mut short = [Tracked::default(); 1];
    let mut changes = 0;
    let n = track(&[], &new, 6, &mut short, |_| changes += 1);
    ensure!(n == 1 && changes == 3);
    Ok(())
}

/// Overlaps of byte ranges, and file offsets of damaged bytes.
pub(super) fn file_arithmetic() -> Result<(), Fail> {
    ensure!(intersect((0, 10), (5, 10)) == Some((5, 5)));
    ensure!(intersect((0, 10), (10, 10)).is_none());
    ensure!(intersect((0, 0), (0, 10)).is_none());
    ensure!(intersect((u64::MAX, 1), (0, 10)).is_none());
    // 16 KiB of the file from byte 0x2000 at device byte 0x100000: the bad
    // sectors 0x801..0x808 (bytes 0x100200..0x101000) are file bytes
    // 0x2200..0x3000.
    let ext = FileExtent {
        logical: 0x2000,
        physical: 0x100000,
        len: 0x4000,
    };
    ensure!(file_hit(ext, (0x801 * 512, 7 * 512)) == Some((0x2200, 0xe00)));
    ensure!(file_hit(ext, (0x104000, 512)).is_none());
    ensure!(file_hit(ext, (0xff000, 0x2000)) == Some((0x2000, 0x1000)));
    let far = FileExtent {
        logical: u64::MAX - 10,
        physical: 0,
        len: 100,
    };
    ensure!(file_hit(far, (50, 10)).is_none());
    Ok(())
}

/// The policy words, and nothing else.
pub(super) fn policy_words() -> Result<(), Fail> {
    use crate::pure::badblocks::BadblocksPolicy as P;
    ensure!(P::parse(b"report") == Some(P::Report));
    ensure!(P::parse(b"kill\n") == Some(P::Kill));
    ensure!(P::parse(b"kill\n\n").is_none());
    ensure!(P::parse(b"").is_none());
    ensure!(P::parse(b"Kill").is_none());
    ensure!(P::parse(b" report").is_none());
    ensure!(P::parse(P::Kill.name().as_bytes()) == Some(P::Kill));
    ensure!(P::parse(P::Report.name().as_bytes()) == Some(P::Report));
    Ok(())
}
