// SPDX-License-Identifier: GPL-2.0

//! The journal's extents, from the superblock's backup of the journal
//! inode (`s_jnl_blocks`).

use super::{le16, le32, le8, off, Geometry};
use crate::pure::ext4meta::Ext4Error;

/// `EXT3_JNL_BACKUP_BLOCKS`: `s_jnl_blocks` holds a copy of the journal
/// inode's `i_block` and size.
const JNL_BACKUP_BLOCKS: u8 = 1;
/// `EXT4_EXT_MAGIC`, the extent header's magic.
const EXT_MAGIC: u16 = 0xF30A;
/// Extents an inode's `i_block` holds (`i_block` is 60 bytes: a 12-byte
/// header and four 12-byte extents).
pub const JOURNAL_EXTENTS_MAX: usize = 4;
/// `EXT_INIT_MAX_LEN`: an extent length above it marks an unwritten extent.
const EXT_INIT_MAX_LEN: u16 = 1 << 15;

/// One extent of the journal, from the superblock's backup of the journal
/// inode's extent map (`s_jnl_blocks`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JournalExtent {
    /// First block of the journal this extent holds (`ee_block`).
    pub logical: u32,
    /// First filesystem block.
    pub start: u64,
    /// Blocks, at least 1.
    pub len: u32,
}

impl Geometry {
    /// Reads the journal inode number and its extents from `s_jnl_blocks`.
    pub(super) fn read_journal(&mut self, sb: &[u8]) -> Result<(), Ext4Error> {
        self.journal_inum = le32(sb, off::JOURNAL_INUM)?;
        if self.journal_inode().is_none() || le8(sb, off::JNL_BACKUP_TYPE)? != JNL_BACKUP_BLOCKS {
            return Ok(());
        }
        let mut ext = [JournalExtent::default(); JOURNAL_EXTENTS_MAX];
        if let Some(n) = journal_extents(sb, self.block_size(), self.blocks_count, &mut ext)? {
            self.journal = ext;
            self.journal_extents = n;
        }
        Ok(())
    }
}

/// The journal's extents from `s_jnl_blocks` (`i_block`, then
/// `i_size_high`, `i_size`), into `out`; `None` if they are not a depth-0
/// extent map whose extents lie in the filesystem, follow each other from
/// journal block 0 and add up to the journal's size.
fn journal_extents(
    sb: &[u8],
    block_size: u32,
    blocks_count: u64,
    out: &mut [JournalExtent; JOURNAL_EXTENTS_MAX],
) -> Result<Option<u8>, Ext4Error> {
    let at = off::JNL_BLOCKS;
    let (magic, entries, depth) = (le16(sb, at)?, le16(sb, at + 2)?, le16(sb, at + 6)?);
    if magic != EXT_MAGIC || depth != 0 || usize::from(entries) > JOURNAL_EXTENTS_MAX {
        return Ok(None);
    }
    let size = (u64::from(le32(sb, at + 15 * 4)?) << 32) | u64::from(le32(sb, at + 16 * 4)?);
    let mut next: u64 = 0;
    for (i, slot) in out.iter_mut().take(entries.into()).enumerate() {
        let e = at + 12 + 12 * i;
        let raw_len = le16(sb, e + 4)?;
        let len = if raw_len > EXT_INIT_MAX_LEN {
            raw_len - EXT_INIT_MAX_LEN
        } else {
            raw_len
        };
        let start = (u64::from(le16(sb, e + 6)?) << 32) | u64::from(le32(sb, e + 8)?);
        let logical = le32(sb, e)?;
        let end = start.checked_add(len.into());
        if len == 0 || u64::from(logical) != next || end.map_or(true, |end| end > blocks_count) {
            return Ok(None);
        }
        next = next.checked_add(len.into()).ok_or(Ext4Error::Overflow)?;
        *slot = JournalExtent {
            logical,
            start,
            len: len.into(),
        };
    }
    let bytes = next.checked_mul(block_size.into());
    if entries == 0 || bytes != Some(size) {
        return Ok(None);
    }
    u8::try_from(entries)
        .map(Some)
        .map_err(|_| Ext4Error::Overflow)
}
