// SPDX-License-Identifier: GPL-2.0

//! The reverse map against its model (`model/rmap.rs`): insertions,
//! removals (of records there, near misses and any) and queries (in full
//! and stopping early) on a map of any fanout and storage, from ample to
//! none, give what a `Vec` of records scanned in full gives, and the map
//! checks its own invariants after each (`run`); or a bulk load of valid
//! records, then changes (`check_load`). Records are any: shared blocks,
//! nested ones, both ends of the block space, metadata owners, bad flags,
//! offsets and counts.

#![no_main]

use daxhold_fuzz::gen::{list, pick, range, Result, Unstructured};
use daxhold_fuzz::ok;
use daxhold_fuzz::rmap_model::{check_load, run, Op};
use daxhold_pure::rmap::{
    Record, ATTR_FORK, BMBT_BLOCK, INNER_MAX, LEAF_MAX, MAX_OFFSET, OWN_FS, OWN_NULL, OWN_UNKNOWN,
    UNWRITTEN,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let _ = one(&mut u);
});

fn one(u: &mut Unstructured<'_>) -> Result<()> {
    let leaf = range(u, 4, LEAF_MAX as u64)? as usize;
    let inner = range(u, 4, INNER_MAX as u64)? as usize;
    if u.ratio(1u8, 4)? {
        let recs = list(u, 300, valid_record)?;
        let queries = list(u, 20, |u| Ok((block(u)?, block(u)?)))?;
        let extra = list(u, 40, op)?;
        ok(check_load(&recs, leaf, inner, &queries, &extra));
    } else {
        let nodes = match u.int_in_range(0u8..=3)? {
            0 => range(u, 0, 12)? as usize,
            _ => 200,
        };
        let ops = list(u, 150, op)?;
        ok(run(&ops, nodes, leaf, inner));
    }
    Ok(())
}

/// Blocks near 0, near the top of the space, or anywhere.
fn block(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=6)? {
        0..=3 => range(u, 0, 95)?,
        4 | 5 => u64::MAX - range(u, 0, 95)?,
        _ => u.arbitrary()?,
    })
}

/// Mostly short counts, some long ones (nesting), some that overflow.
fn count(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=12)? {
        0..=7 => range(u, 1, 11)?,
        8 | 9 => range(u, 12, 199)?,
        10 => 0,
        11 => u.arbitrary()?,
        _ => u64::MAX - range(u, 0, 3)?,
    })
}

/// A few file owners (so records share blocks), metadata owners, and the
/// two that are never valid.
fn owner(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=12)? {
        0..=7 => range(u, 1, 4)?,
        8 | 9 => OWN_FS - range(u, 0, 6)?,
        10 => OWN_NULL,
        11 => OWN_UNKNOWN,
        _ => u.arbitrary()?,
    })
}

fn offset(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=13)? {
        0..=7 => 0,
        8..=11 => range(u, 0, 7)?,
        12 => MAX_OFFSET - range(u, 0, 3)?,
        _ => u.arbitrary()?,
    })
}

fn flags(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=12)? {
        0..=7 => 0,
        8..=11 => range(u, 0, 7)? as u32,
        _ => u.arbitrary()?,
    })
}

/// Any record, valid or not.
fn record(u: &mut Unstructured<'_>) -> Result<Record> {
    Ok(Record {
        start: block(u)?,
        count: count(u)?,
        owner: owner(u)?,
        offset: offset(u)?,
        flags: flags(u)?,
    })
}

/// A valid record: file data (either fork, unwritten or not), an
/// extent-map block, or metadata, never past the last block.
fn valid_record(u: &mut Unstructured<'_>) -> Result<Record> {
    let start = block(u)?;
    let count = range(u, 1, 199)?.min((u64::MAX - start).saturating_add(1));
    let owner = range(u, 1, 4)?;
    let file = Record::data(start, count, owner, range(u, 0, 7)?);
    Ok(match pick(u, &[0, 1, 2, 3, 4, 5])? {
        0 => file.with_flags(UNWRITTEN),
        1 => file.with_flags(ATTR_FORK),
        2 => Record { offset: 0, ..file }.with_flags(BMBT_BLOCK),
        3 => Record::metadata(start, count, OWN_FS - owner),
        _ => file,
    })
}

fn op(u: &mut Unstructured<'_>) -> Result<Op> {
    Ok(match u.int_in_range(0u8..=12)? {
        0..=5 => Op::Insert(record(u)?),
        6..=8 => Op::RemoveKnown(u.arbitrary()?, u.ratio(1u8, 10)?),
        9 => Op::Remove(record(u)?),
        _ => Op::Query(block(u)?, block(u)?, range(u, 1, 5)? as usize),
    })
}
