// SPDX-License-Identifier: GPL-2.0

//! Property tests: [`DaxEntry::clip`] against a page-by-page model (every
//! pfn of the entry checked against the failed range), for 4 KiB, PMD and
//! odd-order entries anywhere in the pfn space, edges included.

use daxhold_pure::daxowner::{DaxEntry, Owner};
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        rng_algorithm: RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    }
}

/// A pfn near one of the interesting places: 0, the middle, the top.
fn pfn() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..2048,
        (1u64 << 40)..(1u64 << 40) + 2048,
        (u64::MAX - 2048)..=u64::MAX,
    ]
}

fn entry() -> impl Strategy<Value = DaxEntry> {
    (pfn(), prop_oneof![Just(0u32), Just(9u32), 0u32..11], pfn())
        .prop_map(|(pfn, order, pgoff)| DaxEntry { pgoff, pfn, order })
}

/// The model: the entry's pages one by one, those inside `[lo, hi]`
/// gathered into the one run they form. `None` if the entry does not fit
/// in 64 bits (pfns or pgoffs), as the kernel never builds one.
fn model(e: &DaxEntry, lo: u64, hi: u64) -> Option<Owner> {
    let pages = 1u64 << e.order;
    let mut hit: Option<Owner> = None;
    for i in 0..pages {
        let pfn = e.pfn.checked_add(i)?;
        let pgoff = e.pgoff.checked_add(i)?;
        if pfn < lo || pfn > hi {
            continue;
        }
        match hit.as_mut() {
            Some(o) => o.count += 1,
            None => {
                hit = Some(Owner {
                    pgoff,
                    pfn,
                    count: 1,
                })
            }
        }
    }
    hit
}

proptest! {
    #![proptest_config(config(20_000))]

    #[test]
    fn clip_matches_pages(e in entry(), lo in pfn(), len in 0u64..1500) {
        let hi = lo.saturating_add(len);
        prop_assert_eq!(e.clip(lo, hi), model(&e, lo, hi));
    }

    #[test]
    fn clip_inside_range(e in entry(), lo in pfn(), len in 0u64..1500) {
        let hi = lo.saturating_add(len);
        if let Some(o) = e.clip(lo, hi) {
            prop_assert!(o.count >= 1);
            prop_assert!(o.pfn >= lo && o.pfn + (o.count - 1) <= hi);
            prop_assert!(o.pfn >= e.pfn && o.pfn - e.pfn == o.pgoff - e.pgoff);
        }
    }
}
