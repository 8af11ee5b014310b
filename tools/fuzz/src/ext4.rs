// SPDX-License-Identifier: GPL-2.0

//! The parameters of a model ext4/ext2 filesystem from the fuzzer's bytes.

use crate::ext4meta_model::Params;
use crate::gen::{range, Result, Unstructured};

/// The property tests' ranges of each parameter
/// (`rust/pure/tests/ext4meta_props.rs`), but at most 12 groups of at most
/// 96 clusters, to keep a run fast: the model's check probes every edge of
/// every piece, the classifier scans every group for each (flex_bg), and
/// every block of every piece is painted. That still reaches the backups
/// of groups 0, 1, 3, 5, 7 and 9, and meta_bg over several descriptor
/// blocks (large descriptors on small blocks).
pub fn params(u: &mut Unstructured<'_>) -> Result<Params> {
    let r = |u: &mut Unstructured<'_>, lo: u64, hi: u64| range(u, lo, hi).map(|v| v as u32);
    Ok(Params {
        log_block: r(u, 0, 2)?,
        log_ratio: r(u, 0, 4)?,
        clusters_per_group: r(u, 1, 12)? * 8,
        groups: r(u, 1, 12)?,
        last: u.arbitrary()?,
        sparse: r(u, 0, 2)? as u8,
        backups: [r(u, 0, 44)?, r(u, 0, 44)?],
        meta_bg: u.arbitrary()?,
        desc_log: u.arbitrary()?,
        flex: u.arbitrary()?,
        reserved: r(u, 0, 39)?,
        inode_log: r(u, 0, 2)?,
        inodes_per_group: r(u, 1, 63)? * 8,
        journal: r(u, 0, 5)? as u8,
        mmp: u.arbitrary()?,
        seed: u.arbitrary()?,
    })
}
