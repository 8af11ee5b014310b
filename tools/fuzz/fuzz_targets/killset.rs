// SPDX-License-Identifier: GPL-2.0

//! The kill set against its model (`model/killset.rs`): adds of tasks,
//! addresses and shifts to a set of any size give the model's answers and
//! targets (`check_set`), a regrowth midway loses nothing
//! (`check_regrow`), the turned-around collect (VMAs recorded per mm,
//! deferred lookups, a table too small first) signals the same tasks with
//! the same addresses as the old one (`check_turned_around`), and the
//! range to unmap covers the pages in whole mappings (`check_unmap`, and
//! for any input a model in u128 arithmetic).

#![no_main]

use daxhold_fuzz::gen::{edge_u64, list, pick, range, Result, Unstructured};
use daxhold_fuzz::killset_model::{check_regrow, check_set, check_turned_around, check_unmap};
use daxhold_fuzz::ok;
use daxhold_pure::killset::unmap_range;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
});

fn one(u: &mut Unstructured<'_>) -> Result<()> {
    match u.int_in_range(0u8..=4)? {
        0 => ok(check_set(&adds(u)?, range(u, 0, 13)? as usize)),
        1 => ok(check_regrow(&adds(u)?, range(u, 0, 59)? as usize)),
        2 => {
            let shift = pick(u, &[0u8, 12, 21, 30])?;
            ok(check_unmap(
                range(u, 0, (1 << 40) - 1)?,
                range(u, 1, 4095)?,
                shift,
            ));
        }
        3 => unmap_any(edge_u64(u)?, edge_u64(u)?, u.arbitrary()?),
        _ => {
            let vmas = list(u, 300, |u| {
                let shift = pick(u, &[0u8, 12, 12, 21, 30])?;
                Ok((range(u, 0, 39)?, u.arbitrary()?, shift, u.arbitrary()?))
            })?;
            let procs = list(u, 200, |u| range(u, 0, 49))?;
            ok(check_turned_around(&vmas, &procs, range(u, 0, 7)? as usize));
        }
    }
    Ok(())
}

/// Adds of tasks 0 to 11 (0 is no task), any address, shifts of no
/// mapping, a page, a PMD or a PUD.
fn adds(u: &mut Unstructured<'_>) -> Result<Vec<(u64, u64, u8)>> {
    list(u, 60, |u| {
        Ok((
            range(u, 0, 11)?,
            u.arbitrary()?,
            pick(u, &[0u8, 12, 21, 30])?,
        ))
    })
}

/// `unmap_range` of any pages and shift against the same rounding in
/// u128: `None` exactly for no pages, a mapping of 2^64 bytes or more, or
/// an end (plus the mapping size less one) past the 64-bit space.
fn unmap_any(pgoff: u64, count: u64, shift: u8) {
    let got = unmap_range(pgoff, count, shift);
    let shift = u32::from(shift.max(12));
    let want = (|| {
        if count == 0 || shift >= 64 {
            return None;
        }
        let size = 1u128 << shift;
        let first = u128::from(pgoff) << 12;
        let end = (u128::from(pgoff) + u128::from(count)) << 12;
        if first > u128::from(u64::MAX) || end > u128::from(u64::MAX) {
            return None;
        }
        // The end rounded up must fit, as must the end plus the mask.
        if end + (size - 1) > u128::from(u64::MAX) {
            return None;
        }
        let start = first / size * size;
        let end = end.div_ceil(size) * size;
        Some((start as u64, (end - start) as u64))
    })();
    assert_eq!(got, want, "pgoff {pgoff:#x} count {count} shift {shift}");
}
