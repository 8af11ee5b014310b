// SPDX-License-Identifier: GPL-2.0

//! Known poison: a pmem disk's badblocks list (any ranges, touching,
//! overlapping, empty, up to the top of the sector space) normalized
//! against the union of the ranges computed in u128; two readings diffed
//! and tracked against set operations (what was added, cleared, kept, and
//! each range's generation); a file extent against a damaged range, in
//! u128.

#![no_main]

use std::collections::BTreeSet;

use daxhold_fuzz::gen::{edge_u64, list, range, Result, Unstructured};
use daxhold_pure::badblocks::{
    diff_sorted, file_hit, intersect, normalize, track, BadRange, Change, FileExtent, Tracked,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
});

fn one(u: &mut Unstructured<'_>) -> Result<()> {
    match u.int_in_range(0u8..=3)? {
        0 => check_normalize(&ranges(u)?),
        1 => {
            let set = |u: &mut Unstructured<'_>| -> Result<BTreeSet<u16>> {
                Ok(list(u, 40, |u| Ok(range(u, 0, 63)? as u16))?
                    .into_iter()
                    .collect())
            };
            check_diff(&set(u)?, &set(u)?);
        }
        2 => check_track(u)?,
        _ => {
            let ext = FileExtent {
                logical: edge_u64(u)?,
                physical: edge_u64(u)?,
                len: edge_u64(u)?,
            };
            check_file_hit(ext, (edge_u64(u)?, edge_u64(u)?));
        }
    }
    Ok(())
}

/// Ranges: small (so that they touch and overlap) or anywhere.
fn ranges(u: &mut Unstructured<'_>) -> Result<Vec<BadRange>> {
    list(u, 32, |u| {
        Ok(if u.ratio(3u8, 4)? {
            BadRange::new(range(u, 0, 300)?, range(u, 0, 40)?)
        } else {
            BadRange::new(edge_u64(u)?, edge_u64(u)?)
        })
    })
}

/// The union of the ranges (ends saturating at `u64::MAX`, so nothing is
/// left of a range from the last sector), as disjoint ranges that do not
/// touch, in order.
fn union(v: &[BadRange]) -> Vec<BadRange> {
    let mut spans: Vec<(u128, u128)> = v
        .iter()
        .map(|r| {
            let end = (u128::from(r.sector) + u128::from(r.sectors)).min(u128::from(u64::MAX));
            (u128::from(r.sector), end)
        })
        .filter(|(s, e)| s < e)
        .collect();
    spans.sort();
    let mut out: Vec<(u128, u128)> = Vec::new();
    for (s, e) in spans {
        match out.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out.into_iter()
        .map(|(s, e)| BadRange::new(s as u64, (e - s) as u64))
        .collect()
}

fn normalized(mut v: Vec<BadRange>) -> Vec<BadRange> {
    let n = normalize(&mut v);
    v.truncate(n);
    v
}

fn check_normalize(v: &[BadRange]) {
    let n = normalized(v.to_vec());
    assert_eq!(n, union(v), "{v:?}");
    assert_eq!(normalized(n.clone()), n);
}

/// `diff_sorted` of two sorted lists without duplicates: each element
/// once, in order, as the set differences and intersection say.
fn check_diff(old: &BTreeSet<u16>, new: &BTreeSet<u16>) {
    let (a, b): (Vec<u16>, Vec<u16>) =
        (old.iter().copied().collect(), new.iter().copied().collect());
    let mut seen = Vec::new();
    diff_sorted(
        &a,
        &b,
        |x, y| x.cmp(y),
        |c| {
            seen.push(match c {
                Change::Added(x) => (*x, 1),
                Change::Cleared(x) => (*x, 2),
                Change::Kept(x, y) => {
                    assert_eq!(x, y);
                    (*x, 3)
                }
            })
        },
    );
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "{seen:?}");
    let with = |k| seen.iter().filter(move |s| s.1 == k).map(|s| s.0);
    assert!(with(1).eq(new.difference(old).copied()));
    assert!(with(2).eq(old.difference(new).copied()));
    assert!(with(3).eq(old.intersection(new).copied()));
}

/// Two readings: the second's ranges keep the generation the first gave
/// them, new ones get this reading's; changes as `diff_sorted` says.
fn check_track(u: &mut Unstructured<'_>) -> Result<()> {
    let first = normalized(ranges(u)?);
    let old: Vec<Tracked> = first
        .iter()
        .map(|&range| {
            Ok(Tracked {
                range,
                since: u.int_in_range(0..=9)?,
            })
        })
        .collect::<Result<_>>()?;
    let new = normalized(ranges(u)?);
    let room = range(u, 0, new.len() as u64 + 2)? as usize;
    let mut out = vec![Tracked::default(); room];
    let mut changes = Vec::new();
    let n = track(&old, &new, 10, &mut out, |c| changes.push(c.map_copy()));
    assert_eq!(n, new.len().min(room));
    for (t, r) in out[..n].iter().zip(&new) {
        let since = old.iter().find(|o| o.range == *r).map_or(10, |o| o.since);
        assert_eq!(*t, Tracked { range: *r, since });
    }
    let olds: Vec<BadRange> = old.iter().map(|t| t.range).collect();
    let mut want = Vec::new();
    diff_sorted(&olds, &new, |a, b| a.cmp(b), |c| want.push(c.map_copy()));
    assert_eq!(changes, want);
    Ok(())
}

/// A change with its ranges copied out.
trait MapCopy {
    fn map_copy(self) -> (u8, BadRange);
}

impl MapCopy for Change<'_, BadRange> {
    fn map_copy(self) -> (u8, BadRange) {
        match self {
            Change::Added(r) => (1, *r),
            Change::Cleared(r) => (2, *r),
            Change::Kept(r, _) => (3, *r),
        }
    }
}

/// `intersect` and `file_hit` against u128 arithmetic.
fn check_file_hit(ext: FileExtent, damaged: (u64, u64)) {
    let wide = |(s, l): (u64, u64)| (u128::from(s), u128::from(s) + u128::from(l));
    let max = u128::from(u64::MAX);
    let (a, b) = (wide((ext.physical, ext.len)), wide(damaged));
    let both = if a.1 > max || b.1 > max {
        None
    } else {
        let (s, e) = (a.0.max(b.0), a.1.min(b.1));
        (s < e).then(|| (s as u64, (e - s) as u64))
    };
    assert_eq!(intersect((ext.physical, ext.len), damaged), both);
    let want = both.and_then(|(s, l)| {
        let off = u128::from(ext.logical) + u128::from(s - ext.physical);
        (off + u128::from(l) <= max).then_some((off as u64, l))
    });
    assert_eq!(file_hit(ext, damaged), want, "{ext:?} {damaged:?}");
}
