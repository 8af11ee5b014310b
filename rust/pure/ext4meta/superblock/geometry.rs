// SPDX-License-Identifier: GPL-2.0

//! What the decoded superblock says: the accessors of [`Geometry`], each
//! a field `parse` checked or a fact of the feature words.

use super::{
    Geometry, JournalExtent, COMPAT_HAS_JOURNAL, COMPAT_SPARSE_SUPER2, INCOMPAT_64BIT,
    INCOMPAT_FLEX_BG, INCOMPAT_META_BG, INCOMPAT_MMP, RO_COMPAT_SPARSE_SUPER,
};

impl Geometry {
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
}
