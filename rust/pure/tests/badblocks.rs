// SPDX-License-Identifier: GPL-2.0

//! Known-poison range sets: the shared cases (also run by KUnit as
//! `daxhold_badblocks`), and property tests against a model made of
//! plain sets of sectors.

use std::collections::BTreeSet;

use daxhold_pure::badblocks::{
    diff_sorted, file_hit, normalize, track, BadRange, Change, FileExtent, Tracked,
};
use daxhold_pure::selftest::BADBLOCKS_CASES;
use proptest::prelude::*;

#[test]
fn badblocks_cases() {
    for (name, case) in BADBLOCKS_CASES {
        if let Err(fail) = case() {
            panic!("{name}: line {}: {}", fail.line, fail.what);
        }
    }
}

/// A range past the last sector comes out of `normalize` with its end
/// saturated, alone as when merged, so that the same sectors always give
/// the same list (and `diff_sorted` no change), and one that is empty once
/// its end saturates is dropped. Found by the fuzz target `badblocks`:
/// `[25, 25 + (2^64 - 21))` came out unchanged.
#[test]
fn normalize_saturates_every_end() {
    let top = BadRange::new(25, u64::MAX - 20);
    let alone = normalized(vec![top]);
    assert_eq!(alone, [BadRange::new(25, u64::MAX - 25)]);
    let merged = normalized(vec![top, BadRange::new(30, 1)]);
    assert_eq!(merged, alone);
    assert_eq!(alone[0].end(), u64::MAX);
    // From the last sector, nothing is left: dropped as empty (it was
    // kept with no sectors, and a second `normalize` dropped it).
    assert_eq!(normalized(vec![BadRange::new(u64::MAX, 5)]), []);
}

/// Small sectors, so that ranges touch and overlap often.
fn ranges() -> impl Strategy<Value = Vec<BadRange>> {
    prop::collection::vec((0u64..300, 0u64..40), 0..24)
        .prop_map(|v| v.into_iter().map(|(s, n)| BadRange::new(s, n)).collect())
}

fn sectors(rs: &[BadRange]) -> BTreeSet<u64> {
    rs.iter().flat_map(|r| r.sector..r.end()).collect()
}

fn normalized(mut v: Vec<BadRange>) -> Vec<BadRange> {
    let n = normalize(&mut v);
    v.truncate(n);
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Normalized ranges cover exactly the model's sectors, are sorted,
    /// non-empty, and neither overlap nor touch.
    #[test]
    fn normalize_is_the_model(v in ranges()) {
        let model = sectors(&v);
        let n = normalized(v);
        prop_assert_eq!(sectors(&n), model);
        for w in n.windows(2) {
            prop_assert!(w[0].end() < w[1].sector);
        }
        prop_assert!(n.iter().all(|r| r.sectors > 0));
        // Idempotent.
        prop_assert_eq!(normalized(n.clone()), n);
    }

    /// diff_sorted agrees with set differences and intersection.
    #[test]
    fn diff_is_set_difference(a in prop::collection::btree_set(0u32..60, 0..30),
                              b in prop::collection::btree_set(0u32..60, 0..30)) {
        let (old, new): (Vec<u32>, Vec<u32>) = (a.iter().copied().collect(), b.iter().copied().collect());
        let (mut added, mut cleared, mut kept) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
        let mut order = Vec::new();
        diff_sorted(&old, &new, Ord::cmp, |c| match c {
            Change::Added(x) => { added.insert(*x); order.push(*x); }
            Change::Cleared(x) => { cleared.insert(*x); order.push(*x); }
            Change::Kept(x, y) => { assert_eq!(x, y); kept.insert(*x); order.push(*x); }
        });
        prop_assert_eq!(added, &b - &a);
        prop_assert_eq!(cleared, &a - &b);
        prop_assert_eq!(kept, &a & &b);
        prop_assert!(order.windows(2).all(|w| w[0] < w[1]));
    }

    /// Over a sequence of readings, each range's generation is the first
    /// reading of an unbroken run that contained exactly it.
    #[test]
    fn track_keeps_first_generation(readings in prop::collection::vec(ranges(), 1..8)) {
        let mut cur: Vec<Tracked> = Vec::new();
        let mut history: Vec<Vec<BadRange>> = Vec::new();
        for (gen, reading) in readings.into_iter().enumerate() {
            let gen = gen as u64;
            let new = normalized(reading);
            let mut out = vec![Tracked::default(); new.len()];
            let (mut added, mut cleared) = (0usize, 0usize);
            let n = track(&cur, &new, gen, &mut out, |c| match c {
                Change::Added(_) => added += 1,
                Change::Cleared(_) => cleared += 1,
                Change::Kept(..) => {}
            });
            prop_assert_eq!(n, new.len());
            let old: BTreeSet<BadRange> = cur.iter().map(|t| t.range).collect();
            let nw: BTreeSet<BadRange> = new.iter().copied().collect();
            prop_assert_eq!(added, nw.difference(&old).count());
            prop_assert_eq!(cleared, old.difference(&nw).count());
            history.push(new.clone());
            for t in &out {
                // The model: walk back while the range stayed.
                let mut since = gen;
                while since > 0 && history[since as usize - 1].contains(&t.range) {
                    since -= 1;
                }
                prop_assert_eq!(t.since, since);
            }
            cur = out;
        }
    }

    /// file_hit names exactly the file bytes whose device bytes are
    /// damaged (model: byte by byte).
    #[test]
    fn file_hit_is_the_model(logical in 0u64..64, physical in 0u64..64, len in 0u64..32,
                             d0 in 0u64..96, dl in 0u64..32) {
        let ext = FileExtent { logical, physical, len };
        let model: BTreeSet<u64> = (physical..physical + len)
            .filter(|p| (d0..d0 + dl).contains(p))
            .map(|p| logical + (p - physical))
            .collect();
        let got: BTreeSet<u64> = match file_hit(ext, (d0, dl)) {
            Some((o, l)) => (o..o + l).collect(),
            None => BTreeSet::new(),
        };
        prop_assert_eq!(got, model);
    }
}
