// SPDX-License-Identifier: GPL-2.0

//! Where the static metadata at the start of a group lies, and where the
//! group descriptor table is read from: the kernel's `ext4_bg_has_super()`,
//! `ext4_num_base_meta_blocks()` and `descriptor_loc()`.

use super::error::Ext4Error;
use super::meta::{Meta, What};
use super::superblock::{Geometry, SUPERBLOCK_OFFSET};

/// Whether `n` is a power of `base` (1 included), as `test_root()`.
fn is_power_of(mut n: u32, base: u32) -> bool {
    if n == 0 || base < 2 {
        return n == 1;
    }
    // `is_multiple_of` is newer than the kernel's minimum Rust (1.78).
    while n % base == 0 {
        n /= base;
    }
    n == 1
}

impl Geometry {
    /// The first block of `group` (`ext4_group_first_block_no()`).
    pub fn group_first_block(&self, group: u32) -> Result<u64, Ext4Error> {
        u64::from(group)
            .checked_mul(self.blocks_per_group().into())
            .and_then(|b| b.checked_add(self.first_data_block().into()))
            .ok_or(Ext4Error::Overflow)
    }

    /// One past the last block of `group` (the last group may be short).
    pub fn group_end(&self, group: u32) -> Result<u64, Ext4Error> {
        let end = self
            .group_first_block(group)?
            .checked_add(self.blocks_per_group().into())
            .ok_or(Ext4Error::Overflow)?;
        Ok(end.min(self.blocks_count()))
    }

    /// The group `block` is in; [`Ext4Error::OutOfRange`] before the first
    /// data block (the boot block of a 1 KiB-block filesystem) or past the
    /// end.
    pub fn group_of(&self, block: u64) -> Result<u32, Ext4Error> {
        let data = block
            .checked_sub(self.first_data_block().into())
            .filter(|_| block < self.blocks_count())
            .ok_or(Ext4Error::OutOfRange(block))?;
        // blocks_per_group is never 0 (block_sizes() refuses it); checked
        // anyway, so the division cannot panic.
        data.checked_div(u64::from(self.blocks_per_group()))
            .and_then(|g| u32::try_from(g).ok())
            .ok_or(Ext4Error::Overflow)
    }

    /// Whether `group` holds a superblock (`ext4_bg_has_super()`): group
    /// 0; with sparse_super2 the groups of `s_backup_bgs`; with
    /// sparse_super group 1 and the powers of 3, 5 and 7; else all.
    pub fn has_super(&self, group: u32) -> bool {
        if group == 0 {
            return true;
        }
        if let Some(bgs) = self.backup_bgs() {
            return bgs.contains(&group);
        }
        if group == 1 || !self.sparse_super() {
            return true;
        }
        group % 2 == 1 && (is_power_of(group, 3) || is_power_of(group, 5) || is_power_of(group, 7))
    }

    /// Descriptor blocks of the old-style table (behind each superblock):
    /// all of them, or `s_first_meta_bg` with meta_bg.
    pub fn old_gdt_blocks(&self) -> u32 {
        self.first_meta_bg().unwrap_or(self.desc_blocks())
    }

    /// The block a group's static metadata starts at: its first block,
    /// but the primary superblock's block for group 0 (block 1 with 1 KiB
    /// blocks even when bigalloc makes group 0 start at block 0).
    fn group_base(&self, group: u32) -> Result<u64, Ext4Error> {
        if group == 0 {
            Ok(SUPERBLOCK_OFFSET / u64::from(self.block_size()))
        } else {
            self.group_first_block(group)
        }
    }

    /// Whether `group` lies where descriptor copies are old-style (no
    /// meta_bg, or a meta group before `s_first_meta_bg`).
    fn in_old_gdt_area(&self, group: u32) -> bool {
        match self.first_meta_bg() {
            None => true,
            Some(first) => group / self.descs_per_block() < first,
        }
    }

    /// With meta_bg, whether `group` holds a copy of its meta group's
    /// descriptor block (first, second and last group of the meta group,
    /// `ext4_bg_num_gdb_meta()`), and whether it is the primary.
    fn holds_meta_desc(&self, group: u32) -> Option<bool> {
        if self.in_old_gdt_area(group) {
            return None;
        }
        let per = self.descs_per_block();
        let at = group.checked_rem(per)?;
        (at == 0 || at == 1 || Some(at) == per.checked_sub(1)).then_some(at == 0)
    }

    /// The static metadata at the start of `group`, at most three pieces
    /// (superblock, descriptors, reserved GDT blocks), each clipped to the
    /// end of the filesystem, in block order.
    pub fn static_meta(&self, group: u32) -> Result<[Option<Meta>; 3], Ext4Error> {
        let mut out = [None; 3];
        let base = self.group_base(group)?;
        let sb = u64::from(self.has_super(group));
        let end = self.blocks_count();
        let mut piece = |i: usize, what: What, start: u64, count: u64| {
            let count = count.min(end.saturating_sub(start));
            if let (Some(slot), true) = (out.get_mut(i), count > 0) {
                *slot = Some(Meta::new(what, start, count));
            }
        };
        if sb == 1 {
            piece(0, What::Superblock { group }, base, 1);
        }
        let after_sb = base.checked_add(sb).ok_or(Ext4Error::Overflow)?;
        if let Some(primary) = self.holds_meta_desc(group) {
            piece(1, What::GroupDescs { group, primary }, after_sb, 1);
        } else if sb == 1 && self.in_old_gdt_area(group) {
            let gdt = u64::from(self.old_gdt_blocks());
            let primary = group == 0;
            piece(1, What::GroupDescs { group, primary }, after_sb, gdt);
            let reserved = after_sb.checked_add(gdt).ok_or(Ext4Error::Overflow)?;
            let count = self.reserved_gdt_blocks().into();
            piece(2, What::ReservedGdt { group }, reserved, count);
        }
        Ok(out)
    }

    /// One past the last block of `group`'s static metadata (unclipped).
    pub(super) fn static_end(&self, group: u32) -> Result<u64, Ext4Error> {
        let base = self.group_base(group)?;
        let sb = u32::from(self.has_super(group));
        let count = match self.holds_meta_desc(group) {
            Some(_) => sb + 1,
            None if sb == 1 && self.in_old_gdt_area(group) => self
                .old_gdt_blocks()
                .checked_add(self.reserved_gdt_blocks())
                .and_then(|n| n.checked_add(1))
                .ok_or(Ext4Error::Overflow)?,
            None => sb,
        };
        base.checked_add(count.into()).ok_or(Ext4Error::Overflow)
    }

    /// The primary copy of group descriptor block `nr`
    /// (`0..desc_blocks()`), as the kernel reads it (`descriptor_loc()`):
    /// right after the primary superblock for the old-style blocks, else
    /// in the first group of meta group `nr`, after its superblock if it
    /// has one. `None` past the table.
    pub fn desc_block(&self, nr: u32) -> Option<u64> {
        if nr >= self.desc_blocks() {
            return None;
        }
        let old = self.first_meta_bg().map_or(true, |first| nr < first);
        let (group, skip) = if old {
            (0, u64::from(nr).checked_add(1)?)
        } else {
            let group = nr.checked_mul(self.descs_per_block())?;
            (group, u64::from(self.has_super(group)))
        };
        self.group_base(group).ok()?.checked_add(skip)
    }

    /// Where the descriptor of `group` is read from: its block
    /// ([`Geometry::desc_block`]) and byte offset there. `None` past the
    /// last group.
    pub fn desc_location(&self, group: u32) -> Option<(u64, u32)> {
        if group >= self.groups() {
            return None;
        }
        let per = self.descs_per_block();
        let block = self.desc_block(group / per)?;
        Some((block, (group % per).checked_mul(self.desc_size())?))
    }
}
