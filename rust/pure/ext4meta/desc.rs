// SPDX-License-Identifier: GPL-2.0

//! Group descriptors (`struct ext4_group_desc`): decoding one, checking
//! where it puts its group's bitmaps and inode table, and the accessor the
//! classifier reads them through ([`Descriptors`]).

use super::error::{Ext4Error, Field};
use super::superblock::{le16, le32, Geometry};

/// `EXT4_BG_INODE_UNINIT`: the inode bitmap is not initialised.
pub const BG_INODE_UNINIT: u16 = 0x0001;
/// `EXT4_BG_BLOCK_UNINIT`: the block bitmap is not initialised.
pub const BG_BLOCK_UNINIT: u16 = 0x0002;
/// `EXT4_BG_INODE_ZEROED`: the inode table is zeroed.
pub const BG_INODE_ZEROED: u16 = 0x0004;

/// Field offsets in `struct ext4_group_desc`; the `_hi` words exist from
/// `EXT4_MIN_DESC_SIZE_64BIT` (64 bytes) on.
mod off {
    pub(super) const BLOCK_BITMAP_LO: usize = 0x00;
    pub(super) const INODE_BITMAP_LO: usize = 0x04;
    pub(super) const INODE_TABLE_LO: usize = 0x08;
    pub(super) const FLAGS: usize = 0x12;
    pub(super) const BLOCK_BITMAP_HI: usize = 0x20;
    pub(super) const INODE_BITMAP_HI: usize = 0x24;
    pub(super) const INODE_TABLE_HI: usize = 0x28;
}

/// What a group descriptor says about where its group's metadata lies.
///
/// The `*_UNINIT` flags do not move anything: an uninitialised bitmap
/// still has its block, an unused inode table its blocks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct GroupDesc {
    /// The block bitmap's block.
    pub block_bitmap: u64,
    /// The inode bitmap's block.
    pub inode_bitmap: u64,
    /// The inode table's first block ([`Geometry::inode_table_blocks`]
    /// blocks).
    pub inode_table: u64,
    /// `bg_flags` ([`BG_INODE_UNINIT`], [`BG_BLOCK_UNINIT`],
    /// [`BG_INODE_ZEROED`]).
    pub flags: u16,
}

impl GroupDesc {
    /// Decodes one descriptor: `raw` holds at least
    /// [`Geometry::desc_size`] bytes (a longer slice is fine). The high
    /// words are read only with 64bit (descriptors of 64 bytes or more), as
    /// `ext4_block_bitmap()` does.
    pub fn decode(geo: &Geometry, raw: &[u8]) -> Result<GroupDesc, Ext4Error> {
        let size = usize::try_from(geo.desc_size()).map_err(|_| Ext4Error::Overflow)?;
        let raw = raw.get(..size).ok_or(Ext4Error::Short)?;
        let wide = |lo: usize, hi: usize| -> Result<u64, Ext4Error> {
            let high = if size >= 64 { le32(raw, hi)? } else { 0 };
            Ok((u64::from(high) << 32) | u64::from(le32(raw, lo)?))
        };
        Ok(GroupDesc {
            block_bitmap: wide(off::BLOCK_BITMAP_LO, off::BLOCK_BITMAP_HI)?,
            inode_bitmap: wide(off::INODE_BITMAP_LO, off::INODE_BITMAP_HI)?,
            inode_table: wide(off::INODE_TABLE_LO, off::INODE_TABLE_HI)?,
            flags: le16(raw, off::FLAGS)?,
        })
    }

    /// Checks the locations as `ext4_check_descriptors()` does: every
    /// block within `[s_first_data_block, s_blocks_count)` with flex_bg,
    /// else within the group itself; the whole inode table included.
    pub fn check(&self, geo: &Geometry, group: u32) -> Result<(), Ext4Error> {
        let (first, end) = if geo.is_flex_bg() {
            (u64::from(geo.first_data_block()), geo.blocks_count())
        } else {
            (geo.group_first_block(group)?, geo.group_end(group)?)
        };
        let inside = |start: u64, count: u64, field: Field| {
            let ok = start >= first && start.checked_add(count).is_some_and(|e| e <= end);
            if ok {
                Ok(())
            } else {
                Err(Ext4Error::BadDesc { group, field })
            }
        };
        inside(self.block_bitmap, 1, Field::BlockBitmap)?;
        inside(self.inode_bitmap, 1, Field::InodeBitmap)?;
        inside(
            self.inode_table,
            geo.inode_table_blocks().into(),
            Field::InodeTable,
        )
    }
}

/// Where the classifier gets group descriptors from.
///
/// The module reads the filesystem's own in-memory copies (ext4's
/// `ext4_get_group_desc()`, ext2's `ext2_get_group_desc()`, then
/// [`GroupDesc::decode`]); tests read them from an image
/// ([`DescTable`]) or give them directly (a slice, a closure).
pub trait Descriptors {
    /// The descriptor of `group`, for `group < geo.groups()`.
    fn desc(&self, group: u32) -> Result<GroupDesc, Ext4Error>;
}

impl Descriptors for [GroupDesc] {
    fn desc(&self, group: u32) -> Result<GroupDesc, Ext4Error> {
        usize::try_from(group)
            .ok()
            .and_then(|g| self.get(g))
            .copied()
            .ok_or(Ext4Error::NoDesc(group))
    }
}

impl<F: Fn(u32) -> Result<GroupDesc, Ext4Error>> Descriptors for F {
    fn desc(&self, group: u32) -> Result<GroupDesc, Ext4Error> {
        self(group)
    }
}

/// The raw group descriptor table: the descriptor blocks, read from
/// [`Geometry::desc_block`] for `nr` in `0..desc_blocks()`, one after the
/// other.
#[derive(Clone, Copy, Debug)]
pub struct DescTable<'a> {
    geo: &'a Geometry,
    raw: &'a [u8],
}

impl<'a> DescTable<'a> {
    /// The table in `raw`, which must hold a descriptor for every group.
    pub fn new(geo: &'a Geometry, raw: &'a [u8]) -> Result<DescTable<'a>, Ext4Error> {
        let need = u64::from(geo.groups())
            .checked_mul(geo.desc_size().into())
            .ok_or(Ext4Error::Overflow)?;
        if u64::try_from(raw.len()).is_ok_and(|len| len < need) {
            return Err(Ext4Error::Short);
        }
        Ok(DescTable { geo, raw })
    }
}

impl Descriptors for DescTable<'_> {
    fn desc(&self, group: u32) -> Result<GroupDesc, Ext4Error> {
        if group >= self.geo.groups() {
            return Err(Ext4Error::NoDesc(group));
        }
        let at = u64::from(group)
            .checked_mul(self.geo.desc_size().into())
            .and_then(|at| usize::try_from(at).ok())
            .ok_or(Ext4Error::Overflow)?;
        let raw = self.raw.get(at..).ok_or(Ext4Error::NoDesc(group))?;
        GroupDesc::decode(self.geo, raw)
    }
}
