// SPDX-License-Identifier: GPL-2.0

//! The on-disk superblock (`struct ext4_super_block`), decoded into the
//! [`Geometry`] the rest of the decoder needs, with the kernel's own checks
//! (`ext4_fill_super()`, `ext4_handle_clustersize()`,
//! `ext4_check_geometry()`, `ext4_group_desc_init()`).
//!
//! Here: the constants, the field offsets and reads, and
//! [`Geometry::parse`]; `checks.rs` reads and checks the fields group by
//! group, `journal.rs` the journal's extents, `geometry.rs` has the
//! accessors.

mod checks;
mod geometry;
mod journal;

use super::error::{Ext4Error, Field};
use checks::{block_sizes, desc_size, desc_table, features, groups, inodes, span};
pub use journal::{JournalExtent, JOURNAL_EXTENTS_MAX};

/// Byte offset of the primary superblock on the device, whatever the
/// block size.
pub const SUPERBLOCK_OFFSET: u64 = 1024;
/// Bytes of the superblock.
pub const SUPERBLOCK_SIZE: usize = 1024;
/// `EXT4_SUPER_MAGIC`, shared by ext2, ext3 and ext4.
pub const EXT4_SUPER_MAGIC: u16 = 0xEF53;

/// `EXT4_FEATURE_COMPAT_HAS_JOURNAL`.
pub const COMPAT_HAS_JOURNAL: u32 = 0x0004;
/// `EXT4_FEATURE_COMPAT_RESIZE_INODE`: reserved GDT blocks for online
/// resize (their number is `s_reserved_gdt_blocks` either way).
pub const COMPAT_RESIZE_INODE: u32 = 0x0010;
/// `EXT4_FEATURE_COMPAT_SPARSE_SUPER2`: backups only in the (at most two)
/// groups of `s_backup_bgs`.
pub const COMPAT_SPARSE_SUPER2: u32 = 0x0200;
/// `EXT4_FEATURE_RO_COMPAT_SPARSE_SUPER`: backups only in groups 0, 1 and
/// powers of 3, 5 and 7.
pub const RO_COMPAT_SPARSE_SUPER: u32 = 0x0001;
/// `EXT4_FEATURE_RO_COMPAT_BIGALLOC`: allocation in clusters.
pub const RO_COMPAT_BIGALLOC: u32 = 0x0200;
/// `EXT4_FEATURE_INCOMPAT_FILETYPE`.
pub const INCOMPAT_FILETYPE: u32 = 0x0002;
/// `EXT4_FEATURE_INCOMPAT_RECOVER`.
pub const INCOMPAT_RECOVER: u32 = 0x0004;
/// `EXT4_FEATURE_INCOMPAT_JOURNAL_DEV`: an external journal device, not a
/// filesystem.
pub const INCOMPAT_JOURNAL_DEV: u32 = 0x0008;
/// `EXT4_FEATURE_INCOMPAT_META_BG`: descriptor blocks spread over the
/// groups from `s_first_meta_bg` on.
pub const INCOMPAT_META_BG: u32 = 0x0010;
/// `EXT4_FEATURE_INCOMPAT_EXTENTS`.
pub const INCOMPAT_EXTENTS: u32 = 0x0040;
/// `EXT4_FEATURE_INCOMPAT_64BIT`: 64-bit block numbers, `s_desc_size`.
pub const INCOMPAT_64BIT: u32 = 0x0080;
/// `EXT4_FEATURE_INCOMPAT_MMP`: a multiple-mount protection block.
pub const INCOMPAT_MMP: u32 = 0x0100;
/// `EXT4_FEATURE_INCOMPAT_FLEX_BG`: a group's bitmaps and inode table may
/// be anywhere in the filesystem.
pub const INCOMPAT_FLEX_BG: u32 = 0x0200;
/// `EXT4_FEATURE_INCOMPAT_SUPP` of Linux 6.12: every incompatible feature
/// its ext4 mounts (a superset of ext2's and ext3's).
pub const INCOMPAT_SUPP: u32 = INCOMPAT_FILETYPE
    | INCOMPAT_RECOVER
    | INCOMPAT_META_BG
    | INCOMPAT_EXTENTS
    | INCOMPAT_64BIT
    | INCOMPAT_FLEX_BG
    | 0x0400 // EA_INODE
    | INCOMPAT_MMP
    | 0x8000 // INLINE_DATA
    | 0x10000 // ENCRYPT
    | 0x20000 // CASEFOLD
    | 0x2000 // CSUM_SEED
    | 0x4000; // LARGEDIR

/// Field offsets in `struct ext4_super_block`.
mod off {
    pub(super) const INODES_COUNT: usize = 0x00;
    pub(super) const BLOCKS_COUNT_LO: usize = 0x04;
    pub(super) const FIRST_DATA_BLOCK: usize = 0x14;
    pub(super) const LOG_BLOCK_SIZE: usize = 0x18;
    pub(super) const LOG_CLUSTER_SIZE: usize = 0x1C;
    pub(super) const BLOCKS_PER_GROUP: usize = 0x20;
    pub(super) const CLUSTERS_PER_GROUP: usize = 0x24;
    pub(super) const INODES_PER_GROUP: usize = 0x28;
    pub(super) const MAGIC: usize = 0x38;
    pub(super) const REV_LEVEL: usize = 0x4C;
    pub(super) const INODE_SIZE: usize = 0x58;
    pub(super) const FEATURE_COMPAT: usize = 0x5C;
    pub(super) const FEATURE_INCOMPAT: usize = 0x60;
    pub(super) const FEATURE_RO_COMPAT: usize = 0x64;
    pub(super) const RESERVED_GDT_BLOCKS: usize = 0xCE;
    pub(super) const JOURNAL_INUM: usize = 0xE0;
    pub(super) const JNL_BACKUP_TYPE: usize = 0xFD;
    pub(super) const DESC_SIZE: usize = 0xFE;
    pub(super) const FIRST_META_BG: usize = 0x104;
    pub(super) const JNL_BLOCKS: usize = 0x10C;
    pub(super) const BLOCKS_COUNT_HI: usize = 0x150;
    pub(super) const MMP_BLOCK: usize = 0x168;
    pub(super) const LOG_GROUPS_PER_FLEX: usize = 0x174;
    pub(super) const BACKUP_BGS: usize = 0x24C;
}

/// `N` bytes of `b` at `at`, or [`Ext4Error::Short`].
fn bytes<const N: usize>(b: &[u8], at: usize) -> Result<[u8; N], Ext4Error> {
    let end = at.checked_add(N).ok_or(Ext4Error::Short)?;
    b.get(at..end)
        .and_then(|s| <[u8; N]>::try_from(s).ok())
        .ok_or(Ext4Error::Short)
}

/// The little-endian `u8` at `at`.
pub(super) fn le8(b: &[u8], at: usize) -> Result<u8, Ext4Error> {
    Ok(u8::from_le_bytes(bytes(b, at)?))
}

/// The little-endian `u16` at `at`.
pub(super) fn le16(b: &[u8], at: usize) -> Result<u16, Ext4Error> {
    Ok(u16::from_le_bytes(bytes(b, at)?))
}

/// The little-endian `u32` at `at`.
pub(super) fn le32(b: &[u8], at: usize) -> Result<u32, Ext4Error> {
    Ok(u32::from_le_bytes(bytes(b, at)?))
}

/// The little-endian `u64` at `at`.
pub(super) fn le64(b: &[u8], at: usize) -> Result<u64, Ext4Error> {
    Ok(u64::from_le_bytes(bytes(b, at)?))
}

/// `Ok(())` if `ok`, else [`Ext4Error::Bad`] of `field`.
fn need(ok: bool, field: Field) -> Result<(), Ext4Error> {
    if ok {
        Ok(())
    } else {
        Err(Ext4Error::Bad(field))
    }
}

/// `a / b` rounded up, `None` for `b == 0`.
pub(super) fn div_ceil(a: u64, b: u64) -> Option<u64> {
    a.checked_add(b.checked_sub(1)?)?.checked_div(b)
}

/// The feature words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Features {
    compat: u32,
    incompat: u32,
    ro_compat: u32,
}

/// Sizes the block size decides: log2 of the block and cluster sizes,
/// blocks per group.
#[derive(Clone, Copy)]
struct Blocks {
    log_block: u32,
    log_cluster: u32,
    per_group: u32,
}

/// Where the filesystem's blocks lie: its total and first data block.
#[derive(Clone, Copy)]
struct Span {
    count: u64,
    first: u32,
}

/// The decoded superblock: everything that places static metadata.
///
/// Made only by [`Geometry::parse`], so every value is within the ranges
/// the kernel accepts at mount time; the layout methods still use checked
/// arithmetic and return [`Ext4Error::Overflow`] rather than wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    log_block_size: u32,
    log_cluster_size: u32,
    blocks_count: u64,
    first_data_block: u32,
    blocks_per_group: u32,
    inodes_per_group: u32,
    inode_size: u32,
    inode_table_blocks: u32,
    desc_size: u32,
    groups: u32,
    desc_blocks: u32,
    reserved_gdt_blocks: u32,
    compat: u32,
    incompat: u32,
    ro_compat: u32,
    first_meta_bg: u32,
    backup_bgs: [u32; 2],
    log_groups_per_flex: u8,
    journal_inum: u32,
    journal: [JournalExtent; JOURNAL_EXTENTS_MAX],
    journal_extents: u8,
    mmp_block: u64,
}

impl Geometry {
    /// Decodes the superblock: `sb` is the [`SUPERBLOCK_SIZE`] bytes at
    /// byte [`SUPERBLOCK_OFFSET`] of the device (a longer slice is fine:
    /// only its start is read).
    ///
    /// Checks what the kernel checks before it trusts the layout: the
    /// magic, the incompatible features, the block and cluster sizes,
    /// blocks and inodes per group, inode and descriptor sizes, the first
    /// data block, the number of groups and inodes, reserved GDT blocks,
    /// `s_first_meta_bg`, the MMP block; and that the static metadata at
    /// the start of a group (superblock, descriptor table, reserved GDT
    /// blocks) fits in one group and in the filesystem.
    pub fn parse(sb: &[u8]) -> Result<Geometry, Ext4Error> {
        let sb = sb.get(..SUPERBLOCK_SIZE).ok_or(Ext4Error::Short)?;
        let magic = le16(sb, off::MAGIC)?;
        if magic != EXT4_SUPER_MAGIC {
            return Err(Ext4Error::BadMagic(magic));
        }
        let rev = le32(sb, off::REV_LEVEL)?;
        need(rev <= 1, Field::RevLevel)?;
        let feat = features(sb)?;
        let blocks = block_sizes(sb, feat)?;
        let span = span(sb, feat, blocks)?;
        let (inode_size, inodes_per_group, inode_table_blocks) = inodes(sb, rev, blocks)?;
        let desc_size = desc_size(sb, feat)?;
        let groups = groups(span, blocks, desc_size)?;
        let inodes_count = u64::from(le32(sb, off::INODES_COUNT)?);
        need(
            u64::from(groups).checked_mul(u64::from(inodes_per_group)) == Some(inodes_count),
            Field::InodesCount,
        )?;
        let (desc_blocks, reserved_gdt_blocks, first_meta_bg) =
            desc_table(sb, feat, blocks, groups, desc_size)?;
        let mut geo = Geometry {
            log_block_size: blocks.log_block,
            log_cluster_size: blocks.log_cluster,
            blocks_count: span.count,
            first_data_block: span.first,
            blocks_per_group: blocks.per_group,
            inodes_per_group,
            inode_size,
            inode_table_blocks,
            desc_size,
            groups,
            desc_blocks,
            reserved_gdt_blocks,
            compat: feat.compat,
            incompat: feat.incompat,
            ro_compat: feat.ro_compat,
            first_meta_bg,
            backup_bgs: [le32(sb, off::BACKUP_BGS)?, le32(sb, off::BACKUP_BGS + 4)?],
            log_groups_per_flex: le8(sb, off::LOG_GROUPS_PER_FLEX)?,
            journal_inum: 0,
            journal: [JournalExtent::default(); JOURNAL_EXTENTS_MAX],
            journal_extents: 0,
            mmp_block: 0,
        };
        geo.check_static_fits()?;
        geo.read_journal(sb)?;
        geo.read_mmp(sb)?;
        Ok(geo)
    }

    /// Checks that the superblock, descriptor table and reserved GDT
    /// blocks at the start of a group fit in it, and in the filesystem for
    /// group 0. mkfs and resize2fs guarantee it (they drop a last group
    /// too small for its own metadata); a table bigger than a group is
    /// what meta_bg is for.
    fn check_static_fits(&self) -> Result<(), Ext4Error> {
        let full = self
            .old_gdt_blocks()
            .checked_add(self.reserved_gdt_blocks)
            .and_then(|n| n.checked_add(1))
            .ok_or(Ext4Error::Overflow)?;
        need(full <= self.blocks_per_group, Field::BlocksCount)?;
        need(
            self.static_end(0)? <= self.group_end(0)?,
            Field::BlocksCount,
        )
    }

    /// Reads and checks `s_mmp_block` (the kernel refuses to mount with one
    /// outside the filesystem).
    fn read_mmp(&mut self, sb: &[u8]) -> Result<(), Ext4Error> {
        if self.incompat & INCOMPAT_MMP == 0 {
            return Ok(());
        }
        let block = le64(sb, off::MMP_BLOCK)?;
        need(
            block >= u64::from(self.first_data_block) && block < self.blocks_count,
            Field::MmpBlock,
        )?;
        self.mmp_block = block;
        Ok(())
    }
}
