// SPDX-License-Identifier: GPL-2.0

//! The DAX-entry model: an entry's pages one by one, checked against the
//! failed range; shared by `tests/daxowner_props.rs` and the fuzz target
//! `daxowner` (`tools/fuzz`).

use daxhold_pure::daxowner::{DaxEntry, Owner};
use proptest::prelude::*;

/// The model: the entry's pages one by one, those inside `[lo, hi]`
/// gathered into the one run they form. `None` if the entry does not fit
/// in 64 bits (pfns or pgoffs), as the kernel never builds one.
pub fn model(e: &DaxEntry, lo: u64, hi: u64) -> Option<Owner> {
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

/// `clip` of `e` (an order below 64) to pfns `[lo, hi]` is the model's
/// run, inside the range and the entry, at the entry's pgoff for its pfn.
pub fn check_clip(e: &DaxEntry, lo: u64, hi: u64) -> Result<(), TestCaseError> {
    let got = e.clip(lo, hi);
    prop_assert_eq!(got, model(e, lo, hi));
    if let Some(o) = got {
        prop_assert!(o.count >= 1);
        prop_assert!(o.pfn >= lo && o.pfn + (o.count - 1) <= hi);
        prop_assert!(o.pfn >= e.pfn && o.pfn - e.pfn == o.pgoff - e.pgoff);
    }
    Ok(())
}
