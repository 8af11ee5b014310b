// SPDX-License-Identifier: GPL-2.0

//! dm table text: one target's type and `status(STATUSTYPE_TABLE)` text,
//! read by `add_target` into a builder. The input is a `dmsetup table`
//! line, `<begin> <len> <type> <text>` (`0 8192 linear 259:0 2048`); bytes
//! that do not start with two numbers make a target of their own: a type,
//! a first sector and length, and text of any bytes or of a soup of the
//! fields dm writes and near misses. The checks of `model/dmtable.rs`
//! (`check_garbage`): no panic, nothing added when refused, one segment
//! per stripe when added, a one-line error, and a canonical form that
//! reads the same.

#![no_main]

use daxhold_fuzz::dmtable_model::{check_garbage, MAX_SECTOR, SOUP};
use daxhold_fuzz::gen::{edge_u64, list, pick, Result, Unstructured};
use daxhold_fuzz::ok;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((ty, params, begin, len)) = line(data) {
        ok(check_garbage(ty, params, begin, len));
        return;
    }
    let mut u = Unstructured::new(data);
    if let Ok((ty, params, begin, len)) = target(&mut u) {
        ok(check_garbage(&ty, &params, begin, len));
    }
});

/// `<begin> <len> <type> <text>`: the fields split at single spaces, the
/// text whatever follows the type's space.
fn line(data: &[u8]) -> Option<(&[u8], &[u8], u64, u64)> {
    let mut f = data.splitn(4, |&c| c == b' ');
    let number = |b: &[u8]| std::str::from_utf8(b).ok()?.parse::<u64>().ok();
    let begin = number(f.next()?)?;
    let len = number(f.next()?)?;
    Some((f.next()?, f.next().unwrap_or(b""), begin, len))
}

/// A target: its type, text, first sector and length.
fn target(u: &mut Unstructured<'_>) -> Result<(Vec<u8>, Vec<u8>, u64, u64)> {
    let ty = match u.int_in_range(0u8..=4)? {
        0 | 1 => b"linear".to_vec(),
        2 | 3 => b"striped".to_vec(),
        _ => list(u, 8, |u| u.arbitrary::<u8>())?,
    };
    let (begin, len) = match u.int_in_range(0u8..=3)? {
        0 => (edge_u64(u)?, edge_u64(u)?),
        1 => (
            pick(u, &[0, MAX_SECTOR, u64::MAX])?,
            u.int_in_range(0..=64)?,
        ),
        _ => (u.int_in_range(0..=64)?, u.int_in_range(0..=64)?),
    };
    let params = if u.arbitrary::<bool>()? {
        // The fields dm writes, and near misses, with separators.
        let fields = list(u, 12, |u| pick(u, SOUP))?;
        let sep = pick(u, &[" ", "  ", "", "\n"])?;
        fields.join(sep).into_bytes()
    } else {
        let n = u.len();
        u.bytes(n)?.to_vec()
    };
    Ok((ty, params, begin, len))
}
