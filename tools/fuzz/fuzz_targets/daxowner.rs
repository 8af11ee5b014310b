// SPDX-License-Identifier: GPL-2.0

//! DAX entries (`pgoff`, `pfn`, order, as read from a file's mapping) and a
//! failed pfn range: `DaxEntry::clip` against the page-by-page model of
//! `model/daxowner.rs` for orders up to 11 (`check_clip`), and for any
//! entry and range against the same intersection in u128 arithmetic.

#![no_main]

use daxhold_fuzz::daxowner_model::check_clip;
use daxhold_fuzz::gen::{edge_u64, range, Result, Unstructured};
use daxhold_fuzz::ok;
use daxhold_pure::daxowner::{DaxEntry, Owner};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
});

fn one(u: &mut Unstructured<'_>) -> Result<()> {
    let order = match u.int_in_range(0u8..=3)? {
        0 => 0,
        1 => 9,
        2 => range(u, 0, 11)? as u32,
        _ => u.arbitrary()?,
    };
    let e = DaxEntry {
        pgoff: edge_u64(u)?,
        pfn: edge_u64(u)?,
        order,
    };
    let lo = edge_u64(u)?;
    let hi = match u.int_in_range(0u8..=2)? {
        0 => lo.saturating_add(range(u, 0, 1500)?),
        _ => edge_u64(u)?,
    };
    if order <= 11 {
        ok(check_clip(&e, lo, hi));
    }
    assert_eq!(e.clip(lo, hi), wide(&e, lo, hi), "{e:?} [{lo:#x}, {hi:#x}]");
    Ok(())
}

/// The entry's pfns and the range intersected in u128: `None` for an
/// order past 63, an entry past the 64-bit space (pfns or pgoffs), or no
/// pfn in common.
fn wide(e: &DaxEntry, lo: u64, hi: u64) -> Option<Owner> {
    if e.order > 63 {
        return None;
    }
    let span = (1u128 << e.order) - 1;
    let max = u128::from(u64::MAX);
    let (pfn, pgoff) = (u128::from(e.pfn), u128::from(e.pgoff));
    if pfn + span > max || pgoff + span > max {
        return None;
    }
    let first = pfn.max(u128::from(lo));
    let last = (pfn + span).min(u128::from(hi));
    if first > last {
        return None;
    }
    Some(Owner {
        pgoff: (pgoff + first - pfn) as u64,
        pfn: first as u64,
        count: (last - first + 1) as u64,
    })
}
