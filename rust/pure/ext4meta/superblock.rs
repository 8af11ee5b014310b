// SPDX-License-Identifier: GPL-2.0

//! The on-disk superblock (`struct ext4_super_block`), decoded into the
//! [`Geometry`] the rest of the decoder needs, with the kernel's own checks
//! (`ext4_fill_super()`, `ext4_handle_clustersize()`,
//! `ext4_check_geometry()`, `ext4_group_desc_init()`).

use super::error::{Ext4Error, Field};

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
        let descs_per_block = (1u32 << (blocks.log_block & 31))
            .checked_div(desc_size)
            .ok_or(Ext4Error::Bad(Field::DescSize))?;
        let desc_blocks = div_ceil(u64::from(groups), u64::from(descs_per_block))
            .and_then(|n| u32::try_from(n).ok())
            .ok_or(Ext4Error::Bad(Field::BlocksCount))?;
        let reserved_gdt_blocks = u32::from(le16(sb, off::RESERVED_GDT_BLOCKS)?);
        need(
            reserved_gdt_blocks <= (1u32 << blocks.log_block) / 4,
            Field::ReservedGdtBlocks,
        )?;
        let first_meta_bg = if feat.incompat & INCOMPAT_META_BG != 0 {
            let first = le32(sb, off::FIRST_META_BG)?;
            need(first <= desc_blocks, Field::FirstMetaBg)?;
            first
        } else {
            0
        };
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

    /// Block size in bytes: 1024 to 65536.
    pub fn block_size(&self) -> u32 {
        // `log_block_size` is at most 16 (parse); the mask shows the
        // compiler the shift cannot overflow.
        1 << (self.log_block_size & 31)
    }

    /// log2 of the block size.
    pub fn log_block_size(&self) -> u32 {
        self.log_block_size
    }

    /// Cluster size in bytes (the block size without bigalloc).
    pub fn cluster_size(&self) -> u64 {
        1 << self.log_cluster_size
    }

    /// Blocks of the filesystem (`s_blocks_count`, with the high word only
    /// with the 64bit feature).
    pub fn blocks_count(&self) -> u64 {
        self.blocks_count
    }

    /// The block group 0 starts at (`s_first_data_block`).
    pub fn first_data_block(&self) -> u32 {
        self.first_data_block
    }

    /// Blocks per group (the last group may be shorter).
    pub fn blocks_per_group(&self) -> u32 {
        self.blocks_per_group
    }

    /// Inodes per group.
    pub fn inodes_per_group(&self) -> u32 {
        self.inodes_per_group
    }

    /// Bytes of an on-disk inode.
    pub fn inode_size(&self) -> u32 {
        self.inode_size
    }

    /// Blocks of each group's inode table: the inodes of a group at
    /// [`Geometry::inode_size`] each, rounded up to whole blocks.
    pub fn inode_table_blocks(&self) -> u32 {
        self.inode_table_blocks
    }

    /// Bytes of a group descriptor: 32, or `s_desc_size` with 64bit.
    pub fn desc_size(&self) -> u32 {
        self.desc_size
    }

    /// Group descriptors per block.
    pub fn descs_per_block(&self) -> u32 {
        // Never 0 (parse checks `desc_size` against the block size); the
        // `max(1)` lets the compiler see it, so callers' divisions by it
        // have no panic path.
        self.block_size()
            .checked_div(self.desc_size)
            .unwrap_or(0)
            .max(1)
    }

    /// Number of block groups.
    pub fn groups(&self) -> u32 {
        self.groups
    }

    /// Blocks of the whole group descriptor table (the kernel's
    /// `s_gdb_count`).
    pub fn desc_blocks(&self) -> u32 {
        self.desc_blocks
    }

    /// `s_reserved_gdt_blocks`: blocks after each copy of the (old-style)
    /// descriptor table kept for online resize.
    pub fn reserved_gdt_blocks(&self) -> u32 {
        self.reserved_gdt_blocks
    }

    /// `s_feature_compat`, `s_feature_incompat`, `s_feature_ro_compat`.
    pub fn features(&self) -> (u32, u32, u32) {
        (self.compat, self.incompat, self.ro_compat)
    }

    /// With meta_bg, `s_first_meta_bg`: the descriptor blocks before it
    /// are an old-style table behind every superblock, the others each in
    /// their own meta group.
    pub fn first_meta_bg(&self) -> Option<u32> {
        (self.incompat & INCOMPAT_META_BG != 0).then_some(self.first_meta_bg)
    }

    /// With sparse_super2, `s_backup_bgs`: the groups holding the backup
    /// superblocks (0 for none).
    pub fn backup_bgs(&self) -> Option<[u32; 2]> {
        (self.compat & COMPAT_SPARSE_SUPER2 != 0).then_some(self.backup_bgs)
    }

    /// With sparse_super (and without sparse_super2): backups only in
    /// groups 1 and powers of 3, 5 and 7.
    pub fn sparse_super(&self) -> bool {
        self.ro_compat & RO_COMPAT_SPARSE_SUPER != 0
    }

    /// With flex_bg, groups per flex group (`2^s_log_groups_per_flex`).
    /// A hint where mkfs packs metadata, not a rule: classification
    /// searches every descriptor.
    pub fn flex_bg_size(&self) -> Option<u64> {
        (self.incompat & INCOMPAT_FLEX_BG != 0)
            .then(|| 1u64.checked_shl(self.log_groups_per_flex.into()))
            .flatten()
    }

    /// Whether 64-bit block numbers (and `s_desc_size`) are in use.
    pub fn is_64bit(&self) -> bool {
        self.incompat & INCOMPAT_64BIT != 0
    }

    /// Whether the bitmaps and inode tables may lie outside their group.
    pub fn is_flex_bg(&self) -> bool {
        self.incompat & INCOMPAT_FLEX_BG != 0
    }

    /// The journal's inode number, with has_journal and an internal
    /// journal.
    pub fn journal_inode(&self) -> Option<u32> {
        (self.compat & COMPAT_HAS_JOURNAL != 0 && self.journal_inum != 0)
            .then_some(self.journal_inum)
    }

    /// The journal's extents, when the superblock's backup of the journal
    /// inode (`s_jnl_blocks`) is an extent map held in the inode itself
    /// (depth 0, at most four extents: what mkfs makes) and consistent
    /// with the journal's size; empty otherwise (a block-mapped or deeper
    /// journal is not decoded: its blocks are unowned here).
    pub fn journal_extents(&self) -> &[JournalExtent] {
        self.journal
            .get(..usize::from(self.journal_extents))
            .unwrap_or(&[])
    }

    /// With mmp, the multiple-mount protection block.
    pub fn mmp_block(&self) -> Option<u64> {
        (self.incompat & INCOMPAT_MMP != 0).then_some(self.mmp_block)
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

    /// Reads the journal inode number and its extents from `s_jnl_blocks`.
    fn read_journal(&mut self, sb: &[u8]) -> Result<(), Ext4Error> {
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

/// The feature words; unknown incompatible features refused.
fn features(sb: &[u8]) -> Result<Features, Ext4Error> {
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
fn block_sizes(sb: &[u8], feat: Features) -> Result<Blocks, Ext4Error> {
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
fn span(sb: &[u8], feat: Features, blocks: Blocks) -> Result<Span, Ext4Error> {
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
fn inodes(sb: &[u8], rev: u32, blocks: Blocks) -> Result<(u32, u32, u32), Ext4Error> {
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
fn desc_size(sb: &[u8], feat: Features) -> Result<u32, Ext4Error> {
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
fn groups(span: Span, blocks: Blocks, desc_size: u32) -> Result<u32, Ext4Error> {
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
