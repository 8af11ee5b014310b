// SPDX-License-Identifier: GPL-2.0

//! Why an ext4 or ext2 superblock, group descriptor or block number was
//! refused.

use core::fmt;

use crate::pure::errname::{EINVAL, EIO, ENOENT, EOPNOTSUPP, ERANGE};

/// The on-disk field an error is about, named as in `fs/ext4/ext4.h`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `s_rev_level`: above `EXT4_DYNAMIC_REV`.
    RevLevel,
    /// `s_log_block_size`: the block size is not 1 KiB to 64 KiB.
    LogBlockSize,
    /// `s_log_cluster_size`: not the block size (no bigalloc), or smaller
    /// than it or above 2^30 bytes (bigalloc).
    LogClusterSize,
    /// `s_blocks_count_lo`/`_hi`: no room for group 0's own metadata, or
    /// too many groups.
    BlocksCount,
    /// `s_first_data_block`: not where the superblock's block size puts it
    /// (1 with 1 KiB blocks, 0 otherwise or with bigalloc).
    FirstDataBlock,
    /// `s_blocks_per_group`: zero, more than a bitmap block covers, or not
    /// `s_clusters_per_group` clusters.
    BlocksPerGroup,
    /// `s_clusters_per_group`: more than a bitmap block covers, or not a
    /// multiple of 8.
    ClustersPerGroup,
    /// `s_inodes_per_group`: fewer than a block holds, more than a bitmap
    /// block covers, or not a multiple of 8.
    InodesPerGroup,
    /// `s_inodes_count`: not `s_inodes_per_group` times the groups.
    InodesCount,
    /// `s_inode_size`: below 128, above the block size, or not a power of 2.
    InodeSize,
    /// `s_desc_size` (64bit): below 64, above 1024, or not a power of 2.
    DescSize,
    /// `s_reserved_gdt_blocks`: more than a quarter of a block's worth
    /// (the kernel's "insanely large").
    ReservedGdtBlocks,
    /// `s_first_meta_bg`: past the group descriptor blocks.
    FirstMetaBg,
    /// `s_mmp_block` (mmp): outside the filesystem.
    MmpBlock,
    /// `bg_block_bitmap_lo`/`_hi`: outside the filesystem, or outside its
    /// group without flex_bg.
    BlockBitmap,
    /// `bg_inode_bitmap_lo`/`_hi`: as [`Field::BlockBitmap`].
    InodeBitmap,
    /// `bg_inode_table_lo`/`_hi`: as [`Field::BlockBitmap`], for every
    /// block of the table.
    InodeTable,
}

impl Field {
    /// The field's name in `struct ext4_super_block` or
    /// `struct ext4_group_desc`.
    pub fn name(self) -> &'static str {
        match self {
            Field::RevLevel => "s_rev_level",
            Field::LogBlockSize => "s_log_block_size",
            Field::LogClusterSize => "s_log_cluster_size",
            Field::BlocksCount => "s_blocks_count",
            Field::FirstDataBlock => "s_first_data_block",
            Field::BlocksPerGroup => "s_blocks_per_group",
            Field::ClustersPerGroup => "s_clusters_per_group",
            Field::InodesPerGroup => "s_inodes_per_group",
            Field::InodesCount => "s_inodes_count",
            Field::InodeSize => "s_inode_size",
            Field::DescSize => "s_desc_size",
            Field::ReservedGdtBlocks => "s_reserved_gdt_blocks",
            Field::FirstMetaBg => "s_first_meta_bg",
            Field::MmpBlock => "s_mmp_block",
            Field::BlockBitmap => "bg_block_bitmap",
            Field::InodeBitmap => "bg_inode_bitmap",
            Field::InodeTable => "bg_inode_table",
        }
    }
}

/// What was wrong. Nothing here is fatal to daxhold: the caller reports it
/// and treats the filesystem's blocks as unowned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ext4Error {
    /// Fewer bytes than the structure: a superblock is
    /// [`super::SUPERBLOCK_SIZE`] bytes, a descriptor `s_desc_size`, a
    /// descriptor table one descriptor per group.
    Short,
    /// `s_magic` is not `0xEF53`: not an ext2, ext3 or ext4 filesystem.
    BadMagic(u16),
    /// Incompatible features (`s_feature_incompat` bits) that Linux 6.12's
    /// ext4 does not know (`EXT4_FEATURE_INCOMPAT_SUPP`), among them an
    /// external journal device (`journal_dev`): the layout may not be the
    /// one decoded here.
    Incompat(u32),
    /// A superblock field out of range, or not consistent with the others.
    Bad(Field),
    /// The descriptor of `group` puts `field` where it cannot be (the
    /// kernel's `ext4_check_descriptors()`).
    BadDesc {
        /// The group whose descriptor it is.
        group: u32,
        /// Which location.
        field: Field,
    },
    /// The descriptor accessor has no descriptor for this group.
    NoDesc(u32),
    /// A block number at or past `s_blocks_count`.
    OutOfRange(u64),
    /// Arithmetic on checked fields overflowed (cannot happen for a
    /// superblock [`super::Geometry::parse`] accepted; kept rather than a
    /// panic).
    Overflow,
}

impl Ext4Error {
    /// The negative errno for this error.
    pub fn errno(self) -> i32 {
        match self {
            Ext4Error::Incompat(_) => -EOPNOTSUPP,
            // A descriptor the filesystem wrote is wrong: corruption.
            Ext4Error::BadDesc { .. } => -EIO,
            Ext4Error::NoDesc(_) => -ENOENT,
            Ext4Error::OutOfRange(_) | Ext4Error::Overflow => -ERANGE,
            Ext4Error::Short | Ext4Error::BadMagic(_) | Ext4Error::Bad(_) => -EINVAL,
        }
    }
}

impl fmt::Display for Ext4Error {
    /// One phrase for a dmesg line, e.g. `group 5: bad bg_inode_table`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Ext4Error::Short => f.write_str("short buffer"),
            Ext4Error::BadMagic(m) => write!(f, "bad magic {m:#06x}"),
            Ext4Error::Incompat(bits) => write!(f, "unsupported incompat features {bits:#x}"),
            Ext4Error::Bad(field) => write!(f, "bad {}", field.name()),
            Ext4Error::BadDesc { group, field } => {
                write!(f, "group {group}: bad {}", field.name())
            }
            Ext4Error::NoDesc(group) => write!(f, "no descriptor for group {group}"),
            Ext4Error::OutOfRange(block) => write!(f, "block {block} past the filesystem"),
            Ext4Error::Overflow => f.write_str("arithmetic overflow"),
        }
    }
}
