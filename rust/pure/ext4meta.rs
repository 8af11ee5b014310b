// SPDX-License-Identifier: GPL-2.0

//! ext4 and ext2 static metadata: is a failed block a superblock, group
//! descriptors, a bitmap, an inode table?
//!
//! ext4 and ext2 keep no reverse map, but their static metadata lies where
//! the superblock and the group descriptors say. This module decodes both
//! from their on-disk bytes (as the kernel holds them in memory: the
//! superblock in `sbi->s_es`, descriptors behind `ext4_get_group_desc()`)
//! and answers, for a filesystem block, which piece of metadata it is, as
//! a reverse-map [`Record`](crate::pure::rmap::Record) with XFS's owners:
//!
//! | piece | owner |
//! | --- | --- |
//! | superblock, backups | `OWN_FS` |
//! | group descriptors, backups; reserved GDT blocks | `OWN_FS` |
//! | block and inode bitmaps | `OWN_AG` |
//! | inode tables | `OWN_INODES` |
//! | journal (when the superblock places it) | `OWN_LOG` |
//! | MMP block | `OWN_FS` |
//!
//! * [`Geometry::parse`] decodes the superblock (the 1024 bytes at byte
//!   1024, little-endian) with the kernel's mount-time checks; errors are
//!   [`Ext4Error`], each naming the field.
//! * [`Geometry::desc_block`] and [`Geometry::desc_location`] say where the
//!   descriptor table is read from (old-style after the superblock, or
//!   spread over meta groups with meta_bg); [`GroupDesc::decode`] decodes
//!   one descriptor, [`Descriptors`] is how the classifier reads them.
//! * [`classify`] says whether a block is static metadata: `O(1)` for
//!   what the superblock places, `O(groups)` at worst for bitmaps and
//!   inode tables (flex_bg puts them anywhere, so every descriptor is a
//!   candidate).
//! * [`for_each_meta`] and [`for_each_record`] give every piece, or
//!   merged reverse-map records to load into an index.
//!
//! Features that move static metadata: sparse_super and sparse_super2
//! (which groups hold backups), meta_bg (where descriptor blocks lie),
//! 64bit (descriptor size and high words), flex_bg (bitmaps and tables
//! outside their group), bigalloc (group 0 from block 0 with 1 KiB
//! blocks), resize_inode (reserved GDT blocks, counted whenever
//! `s_reserved_gdt_blocks` says, as the kernel does). Incompatible
//! features Linux 6.12's ext4 does not know are refused.
//!
//! Not static metadata, so `None` here (unowned unless the reverse map
//! knows better): extent-tree and indirect blocks, directories, the
//! resize inode's blocks, quota and orphan files, and the journal unless
//! the superblock's backup of the journal inode (`s_jnl_blocks`) is a
//! depth-0 extent map (mkfs's journal of up to four extents); a
//! block-mapped (ext3) or deeper journal would need its inode's extent
//! tree, which is file metadata, not static.
//!
//! Nothing here allocates, panics or indexes out of bounds: every read is
//! a `get()`, every sum and product of on-disk values checked (the rest is
//! arithmetic on constants and on sizes already checked: shifts by a
//! checked log2, divisions by a checked non-zero size).

mod classify;
mod desc;
mod error;
mod layout;
mod meta;
mod superblock;

pub use classify::{classify, for_each_meta, for_each_record};
pub use desc::{
    DescTable, Descriptors, GroupDesc, BG_BLOCK_UNINIT, BG_INODE_UNINIT, BG_INODE_ZEROED,
};
pub use error::{Ext4Error, Field};
pub use meta::{Meta, What};
pub use superblock::{
    Geometry, JournalExtent, COMPAT_HAS_JOURNAL, COMPAT_RESIZE_INODE, COMPAT_SPARSE_SUPER2,
    EXT4_SUPER_MAGIC, INCOMPAT_64BIT, INCOMPAT_EXTENTS, INCOMPAT_FILETYPE, INCOMPAT_FLEX_BG,
    INCOMPAT_JOURNAL_DEV, INCOMPAT_META_BG, INCOMPAT_MMP, INCOMPAT_RECOVER, INCOMPAT_SUPP,
    JOURNAL_EXTENTS_MAX, RO_COMPAT_BIGALLOC, RO_COMPAT_SPARSE_SUPER, SUPERBLOCK_OFFSET,
    SUPERBLOCK_SIZE,
};
