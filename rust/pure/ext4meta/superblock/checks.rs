// SPDX-License-Identifier: GPL-2.0

//! The superblock's fields, group by group, with the kernel's mount-time
//! checks: what [`Geometry::parse`](super::Geometry::parse) reads first.

use super::{
    div_ceil, le16, le32, need, off, Blocks, Features, Span, INCOMPAT_64BIT, INCOMPAT_META_BG,
    INCOMPAT_SUPP, RO_COMPAT_BIGALLOC,
};
use crate::pure::ext4meta::{Ext4Error, Field};

/// The feature words; unknown incompatible features refused.
pub(super) fn features(sb: &[u8]) -> Result<Features, Ext4Error> {
    let f = Features {
        compat: le32(sb, off::FEATURE_COMPAT)?,
        incompat: le32(sb, off::FEATURE_INCOMPAT)?,
        ro_compat: le32(sb, off::FEATURE_RO_COMPAT)?,
    };
    let unknown = f.incompat & !INCOMPAT_SUPP;
    if unknown != 0 {
        return Err(Ext4Error::Incompat(unknown));
    }
    Ok(f)
}

/// Block size, cluster size and blocks per group, checked as
/// `ext4_handle_clustersize()` does.
pub(super) fn block_sizes(sb: &[u8], feat: Features) -> Result<Blocks, Ext4Error> {
    // EXT4_MAX_BLOCK_LOG_SIZE and EXT4_MAX_CLUSTER_LOG_SIZE, both over
    // EXT4_MIN_BLOCK_LOG_SIZE (10).
    let log_block = le32(sb, off::LOG_BLOCK_SIZE)?;
    need(log_block <= 16 - 10, Field::LogBlockSize)?;
    let log_cluster = le32(sb, off::LOG_CLUSTER_SIZE)?;
    need(log_cluster <= 30 - 10, Field::LogClusterSize)?;
    let (log_block, log_cluster) = (log_block + 10, log_cluster + 10);
    let bits_per_bitmap = 8u32 << log_block;
    let per_group = le32(sb, off::BLOCKS_PER_GROUP)?;
    let clusters = le32(sb, off::CLUSTERS_PER_GROUP)?;
    if feat.ro_compat & RO_COMPAT_BIGALLOC != 0 {
        need(log_cluster >= log_block, Field::LogClusterSize)?;
    } else {
        need(log_cluster == log_block, Field::LogClusterSize)?;
        need(per_group <= bits_per_bitmap, Field::BlocksPerGroup)?;
    }
    need(
        clusters <= bits_per_bitmap && clusters % 8 == 0,
        Field::ClustersPerGroup,
    )?;
    // log_cluster >= log_block and the difference is at most 20 (checked
    // above); checked anyway, so no shift or subtraction can panic.
    let ratio = log_cluster
        .checked_sub(log_block)
        .and_then(|d| 1u32.checked_shl(d))
        .ok_or(Ext4Error::Bad(Field::LogClusterSize))?;
    need(
        per_group != 0 && clusters.checked_mul(ratio) == Some(per_group),
        Field::BlocksPerGroup,
    )?;
    Ok(Blocks {
        log_block,
        log_cluster,
        per_group,
    })
}

/// The block count and first data block, checked as
/// `ext4_check_geometry()` does, and stricter where the kernel and
/// e2fsprogs would disagree on the layout: the first data block is 1 with
/// 1 KiB blocks (0 allowed only with bigalloc, as the kernel does), and 0
/// with larger blocks.
pub(super) fn span(sb: &[u8], feat: Features, blocks: Blocks) -> Result<Span, Ext4Error> {
    let lo = u64::from(le32(sb, off::BLOCKS_COUNT_LO)?);
    let hi = if feat.incompat & INCOMPAT_64BIT != 0 {
        u64::from(le32(sb, off::BLOCKS_COUNT_HI)?)
    } else {
        0
    };
    let count = lo | (hi << 32);
    let first = le32(sb, off::FIRST_DATA_BLOCK)?;
    let first_ok = match (blocks.log_block, first) {
        (10, 1) => true,
        (10, 0) => blocks.log_cluster > blocks.log_block,
        (_, 0) => true,
        _ => false,
    };
    need(first_ok && u64::from(first) < count, Field::FirstDataBlock)?;
    Ok(Span { count, first })
}

/// Inode size, inodes per group and inode table blocks per group, checked
/// as `ext4_fill_super()` and `ext4_block_group_meta_init()` do.
pub(super) fn inodes(sb: &[u8], rev: u32, blocks: Blocks) -> Result<(u32, u32, u32), Ext4Error> {
    // log_block is 10 to 16 (block_sizes()); checked, so no shift panics.
    let block_size = 1u32
        .checked_shl(blocks.log_block)
        .ok_or(Ext4Error::Bad(Field::LogBlockSize))?;
    let inode_size = if rev == 0 {
        // EXT4_GOOD_OLD_INODE_SIZE
        128
    } else {
        u32::from(le16(sb, off::INODE_SIZE)?)
    };
    need(
        (128..=block_size).contains(&inode_size) && inode_size.is_power_of_two(),
        Field::InodeSize,
    )?;
    let per_block = block_size / inode_size;
    let per_group = le32(sb, off::INODES_PER_GROUP)?;
    need(
        per_group >= per_block && per_group <= block_size.saturating_mul(8) && per_group % 8 == 0,
        Field::InodesPerGroup,
    )?;
    let table = div_ceil(u64::from(per_group), u64::from(per_block))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(Ext4Error::Overflow)?;
    Ok((inode_size, per_group, table))
}

/// The descriptor size: 32 without 64bit, else `s_desc_size`, a power of 2
/// from 64 to 1024 (`EXT4_MIN_DESC_SIZE_64BIT`, `EXT4_MAX_DESC_SIZE`).
pub(super) fn desc_size(sb: &[u8], feat: Features) -> Result<u32, Ext4Error> {
    if feat.incompat & INCOMPAT_64BIT == 0 {
        return Ok(32);
    }
    let size = u32::from(le16(sb, off::DESC_SIZE)?);
    need(
        (64..=1024).contains(&size) && size.is_power_of_two(),
        Field::DescSize,
    )?;
    Ok(size)
}

/// The number of groups: `s_blocks_count - s_first_data_block` in groups,
/// rounded up, at most `2^32 - descs_per_block` (the kernel's limit).
pub(super) fn groups(span: Span, blocks: Blocks, desc_size: u32) -> Result<u32, Ext4Error> {
    let bad = Ext4Error::Bad(Field::BlocksCount);
    let data = span.count.checked_sub(span.first.into()).ok_or(bad)?;
    let groups = div_ceil(data, blocks.per_group.into()).ok_or(bad)?;
    let block_size = 1u32 << (blocks.log_block & 31);
    let per_block = u64::from(block_size.checked_div(desc_size).ok_or(bad)?);
    need(
        groups <= (1u64 << 32).saturating_sub(per_block),
        Field::BlocksCount,
    )?;
    u32::try_from(groups).map_err(|_| bad)
}

/// The descriptor table: its blocks (the kernel's `s_gdb_count`),
/// `s_reserved_gdt_blocks` and, with meta_bg, `s_first_meta_bg` (else 0),
/// checked as `ext4_fill_super()` and `ext4_group_desc_init()` do.
pub(super) fn desc_table(
    sb: &[u8],
    feat: Features,
    blocks: Blocks,
    groups: u32,
    desc_size: u32,
) -> Result<(u32, u32, u32), Ext4Error> {
    let descs_per_block = (1u32 << (blocks.log_block & 31))
        .checked_div(desc_size)
        .ok_or(Ext4Error::Bad(Field::DescSize))?;
    let desc_blocks = div_ceil(u64::from(groups), u64::from(descs_per_block))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(Ext4Error::Bad(Field::BlocksCount))?;
    let reserved_gdt_blocks = u32::from(le16(sb, off::RESERVED_GDT_BLOCKS)?);
    // log_block is 10 to 16 (block_sizes()); the mask shows the compiler,
    // here apart from it, that the shift cannot overflow.
    need(
        reserved_gdt_blocks <= (1u32 << (blocks.log_block & 31)) / 4,
        Field::ReservedGdtBlocks,
    )?;
    let first_meta_bg = if feat.incompat & INCOMPAT_META_BG != 0 {
        let first = le32(sb, off::FIRST_META_BG)?;
        need(first <= desc_blocks, Field::FirstMetaBg)?;
        first
    } else {
        0
    };
    Ok((desc_blocks, reserved_gdt_blocks, first_meta_bg))
}
