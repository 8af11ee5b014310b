// SPDX-License-Identifier: GPL-2.0

//! Property tests: [`DaxEntry::clip`] against a page-by-page model (every
//! pfn of the entry checked against the failed range), for 4 KiB, PMD and
//! odd-order entries anywhere in the pfn space, edges included. The model
//! is in `model/daxowner.rs`, which the fuzz targets share.

use daxhold_pure::daxowner::DaxEntry;
use proptest::prelude::*;
use proptest::test_runner::RngAlgorithm;

#[path = "model/daxowner.rs"]
mod model;
use model::check_clip;

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

proptest! {
    #![proptest_config(config(20_000))]

    /// `clip` gives the model's run, inside the range and the entry
    /// ([`model::check_clip`]).
    #[test]
    fn clip_matches_pages(e in entry(), lo in pfn(), len in 0u64..1500) {
        check_clip(&e, lo, lo.saturating_add(len))?;
    }
}
