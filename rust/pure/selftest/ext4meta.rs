// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_ext4meta` suite
//! ([`crate::pure::selftest::EXT4META_CASES`]): the ext4/ext2 metadata
//! decoder on synthetic superblocks, with answers worked out by hand.
//!
//! Part of `selftest`, as the other case tables (`ensure!` and [`Fail`]
//! at hand). Everything is on the stack (a 1 KiB
//! superblock, a few descriptors, two reverse-map nodes), as KUnit runs
//! these on a kernel stack.

use core::fmt::Write;
use core::ops::ControlFlow;

use super::Fail;
use crate::pure::errname::{EINVAL, EIO, ENOENT, EOPNOTSUPP, ERANGE};
use crate::pure::ext4meta::{
    classify, for_each_meta, for_each_record, DescTable, Ext4Error, Field, Geometry, GroupDesc,
    Meta, What, COMPAT_HAS_JOURNAL, COMPAT_RESIZE_INODE, COMPAT_SPARSE_SUPER2, INCOMPAT_64BIT,
    INCOMPAT_EXTENTS, INCOMPAT_FILETYPE, INCOMPAT_FLEX_BG, INCOMPAT_JOURNAL_DEV, INCOMPAT_META_BG,
    INCOMPAT_MMP, RO_COMPAT_BIGALLOC, RO_COMPAT_SPARSE_SUPER, SUPERBLOCK_SIZE,
};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::rmap::{Node, Record, Rmap, OWN_AG, OWN_FS, OWN_INODES, OWN_LOG};

/// A superblock being written, field by field (offsets of
/// `struct ext4_super_block`).
struct Sb([u8; SUPERBLOCK_SIZE]);

impl Sb {
    fn put(&mut self, at: usize, bytes: &[u8]) {
        if let Some(dst) = self.0.get_mut(at..at + bytes.len()) {
            dst.copy_from_slice(bytes);
        }
    }

    fn u16(&mut self, at: usize, v: u16) -> &mut Self {
        self.put(at, &v.to_le_bytes());
        self
    }

    fn u32(&mut self, at: usize, v: u32) -> &mut Self {
        self.put(at, &v.to_le_bytes());
        self
    }

    fn parse(&self) -> Result<Geometry, Ext4Error> {
        Geometry::parse(&self.0)
    }
}

/// What a synthetic filesystem looks like; `inodes_count` follows.
#[derive(Clone, Copy)]
struct Shape {
    log_block: u32,
    log_cluster: u32,
    blocks: u32,
    first: u32,
    per_group: u32,
    inodes_per_group: u32,
    inode_size: u16,
    reserved_gdt: u16,
    compat: u32,
    incompat: u32,
    ro_compat: u32,
    desc_size: u16,
    first_meta_bg: u32,
}

/// `s_inodes_count`.
const S_INODES_COUNT: usize = 0x00;
/// `s_blocks_per_group`.
const S_BLOCKS_PER_GROUP: usize = 0x20;
/// `s_inodes_per_group`.
const S_INODES_PER_GROUP: usize = 0x28;
/// `s_magic`.
const S_MAGIC: usize = 0x38;
/// `s_rev_level`.
const S_REV_LEVEL: usize = 0x4C;
/// `s_inode_size`.
const S_INODE_SIZE: usize = 0x58;
/// `s_feature_incompat`.
const S_FEATURE_INCOMPAT: usize = 0x60;
/// `s_jnl_blocks`: the journal inode's `i_block`, then its size.
const S_JNL_BLOCKS: usize = 0x10C;
/// `s_backup_bgs`.
const S_BACKUP_BGS: usize = 0x24C;

impl Shape {
    /// Its superblock.
    fn sb(&self) -> Sb {
        let mut sb = Sb([0; SUPERBLOCK_SIZE]);
        let groups = (self.blocks - self.first).div_ceil(self.per_group);
        let ratio = 1 << (self.log_cluster - self.log_block);
        sb.u32(S_INODES_COUNT, groups * self.inodes_per_group)
            .u32(0x04, self.blocks)
            .u32(0x14, self.first)
            .u32(0x18, self.log_block)
            .u32(0x1C, self.log_cluster)
            .u32(S_BLOCKS_PER_GROUP, self.per_group)
            .u32(0x24, self.per_group / ratio)
            .u32(S_INODES_PER_GROUP, self.inodes_per_group)
            .u16(S_MAGIC, 0xEF53)
            .u32(S_REV_LEVEL, 1)
            .u16(S_INODE_SIZE, self.inode_size)
            .u32(0x5C, self.compat)
            .u32(S_FEATURE_INCOMPAT, self.incompat)
            .u32(0x64, self.ro_compat)
            .u16(0xCE, self.reserved_gdt)
            .u16(0xFE, self.desc_size)
            .u32(0x104, self.first_meta_bg);
        sb
    }
}

/// 1 KiB blocks, four groups (the last short: 5423 blocks), flex_bg,
/// sparse_super, 31 reserved GDT blocks, 64-block inode tables.
const FLEX_1K: Shape = Shape {
    log_block: 0,
    log_cluster: 0,
    blocks: 30000,
    first: 1,
    per_group: 8192,
    inodes_per_group: 256,
    inode_size: 256,
    reserved_gdt: 31,
    compat: COMPAT_HAS_JOURNAL | COMPAT_RESIZE_INODE,
    incompat: INCOMPAT_FILETYPE | INCOMPAT_EXTENTS | INCOMPAT_FLEX_BG,
    ro_compat: RO_COMPAT_SPARSE_SUPER,
    desc_size: 0,
    first_meta_bg: 0,
};

/// [`FLEX_1K`]'s superblock, with a 1024-block journal at block 1024
/// (inode 8, one extent in its inode, backed up in `s_jnl_blocks`).
fn flex_1k() -> Sb {
    let mut sb = FLEX_1K.sb();
    let j = S_JNL_BLOCKS;
    sb.u32(0xE0, 8) // s_journal_inum
        .u16(j, 0xF30A) // eh_magic
        .u16(j + 2, 1) // eh_entries
        .u16(j + 4, 4) // eh_max
        .u32(j + 12, 0) // ee_block
        .u16(j + 16, 1024) // ee_len
        .u32(j + 20, 1024) // ee_start_lo
        .u32(j + 16 * 4, 1024 * 1024); // i_size
    sb.put(0xFD, &[1]); // s_jnl_backup_type: EXT3_JNL_BACKUP_BLOCKS
    sb
}

/// [`FLEX_1K`]'s descriptors as mkfs packs them: all bitmaps and inode
/// tables at the start of group 0, after the reserved GDT blocks.
fn flex_1k_descs() -> [GroupDesc; 4] {
    let mut d = [GroupDesc::default(); 4];
    for (g, desc) in (0u64..).zip(d.iter_mut()) {
        *desc = GroupDesc {
            block_bitmap: 34 + g,
            inode_bitmap: 38 + g,
            inode_table: 42 + 64 * g,
            flags: 0,
        };
    }
    d
}

/// `classify` of `block` is `what` over `count` blocks from `start`.
fn is(got: Result<Option<Meta>, Ext4Error>, what: What, start: u64, count: u64) -> bool {
    got == Ok(Some(Meta::new(what, start, count)))
}

/// Decoding [`FLEX_1K`]: the geometry and where the table is read.
pub(crate) fn parse_flex_1k() -> Result<(), Fail> {
    let Ok(geo) = flex_1k().parse() else {
        ensure!(false);
        return Ok(());
    };
    ensure!(geo.block_size() == 1024 && geo.blocks_count() == 30000);
    ensure!(geo.groups() == 4 && geo.desc_size() == 32 && geo.desc_blocks() == 1);
    ensure!(geo.inode_table_blocks() == 64 && geo.reserved_gdt_blocks() == 31);
    ensure!(geo.is_flex_bg() && !geo.is_64bit() && geo.first_meta_bg().is_none());
    ensure!(geo.has_super(0) && geo.has_super(1) && !geo.has_super(2) && geo.has_super(3));
    ensure!(geo.desc_block(0) == Some(2) && geo.desc_block(1).is_none());
    ensure!(geo.desc_location(3) == Some((2, 96)) && geo.desc_location(4).is_none());
    ensure!(geo.group_of(8193) == Ok(1) && geo.group_end(3) == Ok(30000));
    ensure!(geo.group_of(0) == Err(Ext4Error::OutOfRange(0)));
    ensure!(geo.journal_inode() == Some(8));
    let j = geo.journal_extents();
    ensure!(j.len() == 1 && j.first().is_some_and(|e| e.start == 1024 && e.len == 1024));
    Ok(())
}

/// Superblocks, descriptors and reserved GDT blocks of [`FLEX_1K`]: found
/// without a descriptor (the accessor has none).
pub(crate) fn static_flex_1k() -> Result<(), Fail> {
    let Ok(geo) = flex_1k().parse() else {
        ensure!(false);
        return Ok(());
    };
    let none: &[GroupDesc] = &[];
    let c = |block| classify(&geo, block, none);
    ensure!(is(c(1), What::Superblock { group: 0 }, 1, 1));
    let primary = What::GroupDescs {
        group: 0,
        primary: true,
    };
    ensure!(is(c(2), primary, 2, 1));
    ensure!(is(c(3), What::ReservedGdt { group: 0 }, 3, 31));
    ensure!(is(c(33), What::ReservedGdt { group: 0 }, 3, 31));
    ensure!(is(c(8193), What::Superblock { group: 1 }, 8193, 1));
    let backup = What::GroupDescs {
        group: 1,
        primary: false,
    };
    ensure!(is(c(8194), backup, 8194, 1) && backup.is_backup() && !primary.is_backup());
    ensure!(is(c(24609), What::ReservedGdt { group: 3 }, 24579, 31));
    ensure!(is(c(1024), What::Journal { logical: 0 }, 1024, 1024));
    ensure!(c(1024).is_ok_and(|m| m.is_some_and(|m| m.extent.owner == OWN_LOG)));
    // The boot block is in no group; past the end is an error.
    ensure!(c(0) == Ok(None));
    ensure!(c(30000) == Err(Ext4Error::OutOfRange(30000)));
    // Not static: the descriptors are needed, and there are none.
    ensure!(c(8226) == Err(Ext4Error::NoDesc(0)));
    Ok(())
}

/// Bitmaps and inode tables of [`FLEX_1K`], packed in group 0, from a
/// slice of descriptors and from a raw table.
pub(crate) fn descs_flex_1k() -> Result<(), Fail> {
    let Ok(geo) = flex_1k().parse() else {
        ensure!(false);
        return Ok(());
    };
    let descs = flex_1k_descs();
    let c = |block| classify(&geo, block, &descs[..]);
    ensure!(is(c(34), What::BlockBitmap { group: 0 }, 34, 1));
    ensure!(is(c(37), What::BlockBitmap { group: 3 }, 37, 1));
    ensure!(is(c(41), What::InodeBitmap { group: 3 }, 41, 1));
    ensure!(is(c(42), What::InodeTable { group: 0 }, 42, 64));
    ensure!(is(c(297), What::InodeTable { group: 3 }, 234, 64));
    ensure!(c(37).is_ok_and(|m| m.is_some_and(|m| m.extent.owner == OWN_AG)));
    ensure!(c(297).is_ok_and(|m| m.is_some_and(|m| m.extent.owner == OWN_INODES)));
    ensure!(c(298) == Ok(None) && c(2048) == Ok(None) && c(16385) == Ok(None));
    // The same from the on-disk table (32-byte descriptors, little-endian).
    let mut raw = [0u8; 4 * 32];
    for (d, chunk) in descs.iter().zip(raw.chunks_mut(32)) {
        for (at, v) in [(0, d.block_bitmap), (4, d.inode_bitmap), (8, d.inode_table)] {
            if let Some(dst) = chunk.get_mut(at..at + 4) {
                dst.copy_from_slice(&(v as u32).to_le_bytes());
            }
        }
    }
    let Ok(table) = DescTable::new(&geo, &raw) else {
        ensure!(false);
        return Ok(());
    };
    ensure!(is(
        classify(&geo, 235, &table),
        What::InodeTable { group: 3 },
        234,
        64
    ));
    ensure!(DescTable::new(&geo, &raw[..100]).err() == Some(Ext4Error::Short));
    Ok(())
}

/// Every piece of [`FLEX_1K`], merged into six reverse-map records and
/// loaded into a map; a walk stopped early.
pub(crate) fn records_flex_1k() -> Result<(), Fail> {
    let Ok(geo) = flex_1k().parse() else {
        ensure!(false);
        return Ok(());
    };
    let descs = flex_1k_descs();
    let want = [
        Record::metadata(1, 33, OWN_FS),
        Record::metadata(8193, 33, OWN_FS),
        Record::metadata(24577, 33, OWN_FS),
        // Block bitmaps then inode bitmaps: one run.
        Record::metadata(34, 8, OWN_AG),
        Record::metadata(42, 256, OWN_INODES),
        Record::metadata(1024, 1024, OWN_LOG),
    ];
    let mut got = [Record::metadata(0, 1, OWN_FS); 6];
    let mut n = 0;
    let flow = for_each_record(&geo, &descs[..], |r| match got.get_mut(n) {
        Some(slot) => {
            *slot = *r;
            n += 1;
            ControlFlow::Continue(())
        }
        None => ControlFlow::Break(()),
    });
    ensure!(flow == Ok(ControlFlow::Continue(())) && n == 6 && got == want);
    let mut nodes = [Node::EMPTY, Node::EMPTY];
    let mut map = Rmap::new(&mut nodes[..]);
    ensure!(map.load(&mut got).is_ok());
    let mut owner = None;
    let q = map.query_range(60, 60, |r| {
        owner = Some(r.owner);
        ControlFlow::<()>::Continue(())
    });
    ensure!(q.is_ok() && owner == Some(OWN_INODES));
    // 3 static pieces in each of 3 groups, 12 located ones, the journal.
    let mut seen = 0;
    let all = for_each_meta(&geo, &descs[..], |_| {
        seen += 1;
        ControlFlow::<u32>::Continue(())
    });
    ensure!(all == Ok(ControlFlow::Continue(())) && seen == 9 + 12 + 1);
    let mut left = 4;
    let stop = for_each_meta(&geo, &descs[..], |m| {
        left -= 1;
        if left == 0 {
            ControlFlow::Break(m.what)
        } else {
            ControlFlow::Continue(())
        }
    });
    ensure!(stop == Ok(ControlFlow::Break(What::Superblock { group: 1 })));
    Ok(())
}

/// 4 KiB blocks, 64-byte descriptors (64 per block), 130 groups of 32768
/// blocks: three meta groups, the last of two groups.
const META_4K: Shape = Shape {
    log_block: 2,
    log_cluster: 2,
    blocks: 130 * 32768,
    first: 0,
    per_group: 32768,
    inodes_per_group: 128,
    inode_size: 256,
    reserved_gdt: 0,
    compat: 0,
    incompat: INCOMPAT_FILETYPE | INCOMPAT_META_BG | INCOMPAT_64BIT | INCOMPAT_FLEX_BG,
    ro_compat: RO_COMPAT_SPARSE_SUPER,
    desc_size: 64,
    first_meta_bg: 1,
};

/// meta_bg: meta group 0 old-style, the others in the first (primary),
/// second and last group of their meta group; descriptors from a closure.
pub(crate) fn meta_bg_4k() -> Result<(), Fail> {
    let Ok(geo) = META_4K.sb().parse() else {
        ensure!(false);
        return Ok(());
    };
    ensure!(geo.descs_per_block() == 64 && geo.desc_blocks() == 3);
    ensure!(geo.first_meta_bg() == Some(1) && geo.old_gdt_blocks() == 1);
    ensure!(geo.desc_block(0) == Some(1) && geo.desc_block(1) == Some(64 * 32768));
    ensure!(geo.desc_block(2) == Some(128 * 32768) && geo.desc_block(3).is_none());
    let descs = |g: u32| {
        let g = u64::from(g);
        Ok(GroupDesc {
            block_bitmap: 2 + g,
            inode_bitmap: 200 + g,
            inode_table: 400 + 8 * g,
            flags: 0,
        })
    };
    let c = |block: u64| classify(&geo, block, &descs);
    let desc = |group, primary| What::GroupDescs { group, primary };
    ensure!(is(c(1), desc(0, true), 1, 1));
    ensure!(is(c(32769), desc(1, false), 32769, 1));
    ensure!(is(c(64 * 32768), desc(64, true), 64 * 32768, 1));
    ensure!(is(c(65 * 32768), desc(65, false), 65 * 32768, 1));
    ensure!(is(c(127 * 32768), desc(127, false), 127 * 32768, 1));
    ensure!(is(c(129 * 32768), desc(129, false), 129 * 32768, 1));
    // A backup superblock with no descriptors behind it (125 = 5^3).
    ensure!(is(
        c(125 * 32768),
        What::Superblock { group: 125 },
        125 * 32768,
        1
    ));
    ensure!(c(125 * 32768 + 1) == Ok(None) && c(63 * 32768) == Ok(None));
    ensure!(is(c(131), What::BlockBitmap { group: 129 }, 131, 1));
    ensure!(is(c(1439), What::InodeTable { group: 129 }, 1432, 8));
    // From meta group 0 on: groups 0 and 1 hold a superblock and one
    // descriptor block each, group 63 the last copy of meta group 0's.
    let mut sb = META_4K.sb();
    sb.u32(0x104, 0);
    let Ok(geo) = sb.parse() else {
        ensure!(false);
        return Ok(());
    };
    let c = |block: u64| classify(&geo, block, &descs);
    ensure!(is(c(1), desc(0, true), 1, 1) && is(c(32769), desc(1, false), 32769, 1));
    ensure!(is(c(63 * 32768), desc(63, false), 63 * 32768, 1));
    ensure!(geo.desc_block(0) == Some(1));
    Ok(())
}

/// bigalloc with 1 KiB blocks: group 0 starts at block 0, but the
/// superblock stays at block 1 and the descriptors follow it.
pub(crate) fn bigalloc_1k() -> Result<(), Fail> {
    let shape = Shape {
        log_cluster: 4,
        blocks: 300_000,
        first: 0,
        per_group: 8192 * 16,
        inodes_per_group: 512,
        reserved_gdt: 5,
        ro_compat: RO_COMPAT_SPARSE_SUPER | RO_COMPAT_BIGALLOC,
        ..FLEX_1K
    };
    let Ok(geo) = shape.sb().parse() else {
        ensure!(false);
        return Ok(());
    };
    ensure!(geo.groups() == 3 && geo.cluster_size() == 16384);
    ensure!(geo.desc_block(0) == Some(2) && geo.group_of(0) == Ok(0));
    let none: &[GroupDesc] = &[];
    let c = |block| classify(&geo, block, none);
    ensure!(is(c(1), What::Superblock { group: 0 }, 1, 1));
    ensure!(is(c(7), What::ReservedGdt { group: 0 }, 3, 5));
    ensure!(is(
        c(131073),
        What::GroupDescs {
            group: 1,
            primary: false
        },
        131073,
        1
    ));
    ensure!(c(0) == Err(Ext4Error::NoDesc(0)));
    // Without bigalloc, block 0 cannot be the first data block.
    let plain = Shape {
        ro_compat: RO_COMPAT_SPARSE_SUPER,
        log_cluster: 0,
        per_group: 8192,
        ..shape
    };
    ensure!(plain.sb().parse().err() == Some(Ext4Error::Bad(Field::FirstDataBlock)));
    Ok(())
}

/// Which groups hold backups: sparse_super2's list, sparse_super's powers,
/// or all.
pub(crate) fn backup_groups() -> Result<(), Fail> {
    let shape = Shape {
        blocks: 1 + 30 * 8192,
        compat: COMPAT_SPARSE_SUPER2,
        ro_compat: 0,
        ..FLEX_1K
    };
    let mut sb = shape.sb();
    sb.u32(S_BACKUP_BGS, 1).u32(S_BACKUP_BGS + 4, 29);
    let Ok(geo) = sb.parse() else {
        ensure!(false);
        return Ok(());
    };
    ensure!(geo.backup_bgs() == Some([1, 29]));
    ensure!(geo.has_super(0) && geo.has_super(1) && geo.has_super(29));
    ensure!(!geo.has_super(3) && !geo.has_super(2) && !geo.has_super(28));
    let Ok(sparse) = Shape {
        compat: 0,
        ro_compat: RO_COMPAT_SPARSE_SUPER,
        ..shape
    }
    .sb()
    .parse() else {
        ensure!(false);
        return Ok(());
    };
    let with: [bool; 30] = core::array::from_fn(|g| sparse.has_super(g as u32));
    let powers = [0, 1, 3, 5, 7, 9, 25, 27];
    ensure!(with
        .iter()
        .enumerate()
        .all(|(g, &s)| s == powers.contains(&g)));
    let Ok(all) = Shape {
        compat: 0,
        ro_compat: 0,
        ..shape
    }
    .sb()
    .parse() else {
        ensure!(false);
        return Ok(());
    };
    ensure!((0..30).all(|g| all.has_super(g)));
    Ok(())
}

/// The journal is placed only from a consistent depth-0 extent map.
pub(crate) fn journal_backup() -> Result<(), Fail> {
    let placed = |sb: &Sb| sb.parse().is_ok_and(|g| !g.journal_extents().is_empty());
    ensure!(placed(&flex_1k()));
    let j = S_JNL_BLOCKS;
    // A deeper tree, a size that disagrees, an extent past the end, no
    // backup, no has_journal: nothing placed, the superblock still fine.
    let mut sb = flex_1k();
    ensure!(!placed(sb.u16(j + 6, 1)) && sb.parse().is_ok());
    let mut sb = flex_1k();
    ensure!(!placed(sb.u32(j + 16 * 4, 4096)) && sb.parse().is_ok());
    let mut sb = flex_1k();
    ensure!(!placed(sb.u32(j + 20, 29500)) && sb.parse().is_ok());
    let mut sb = flex_1k();
    sb.put(0xFD, &[0]);
    ensure!(!placed(&sb));
    let mut sb = flex_1k();
    ensure!(!placed(sb.u32(0x5C, 0)) && sb.parse().is_ok_and(|g| g.journal_inode().is_none()));
    Ok(())
}

/// `parse(sb)` fails with `err`.
fn refused(sb: &Sb, err: Ext4Error) -> bool {
    sb.parse().err() == Some(err)
}

/// Superblocks the kernel would not mount: not ext4's, of a revision or
/// with incompatible features it does not know, too short.
pub(crate) fn rejects() -> Result<(), Fail> {
    let bad = Ext4Error::Bad;
    ensure!(refused(
        flex_1k().u16(S_MAGIC, 0x1234),
        Ext4Error::BadMagic(0x1234)
    ));
    ensure!(refused(flex_1k().u32(S_REV_LEVEL, 2), bad(Field::RevLevel)));
    let incompat = FLEX_1K.incompat;
    ensure!(refused(
        flex_1k().u32(S_FEATURE_INCOMPAT, incompat | 0x1),
        Ext4Error::Incompat(0x1)
    ));
    ensure!(refused(
        flex_1k().u32(S_FEATURE_INCOMPAT, incompat | INCOMPAT_JOURNAL_DEV),
        Ext4Error::Incompat(INCOMPAT_JOURNAL_DEV)
    ));
    let sb = flex_1k();
    ensure!(Geometry::parse(sb.0.get(..1023).unwrap_or(&[])).err() == Some(Ext4Error::Short));
    Ok(())
}

/// Superblocks the kernel would not mount: block, cluster, group and
/// inode sizes and counts out of range or inconsistent.
pub(crate) fn rejects_sizes() -> Result<(), Fail> {
    let bad = Ext4Error::Bad;
    ensure!(refused(flex_1k().u32(0x18, 7), bad(Field::LogBlockSize)));
    ensure!(refused(flex_1k().u32(0x1C, 1), bad(Field::LogClusterSize)));
    ensure!(refused(
        flex_1k().u32(S_BLOCKS_PER_GROUP, 0),
        bad(Field::BlocksPerGroup)
    ));
    ensure!(refused(
        flex_1k().u32(S_BLOCKS_PER_GROUP, 16384),
        bad(Field::BlocksPerGroup)
    ));
    ensure!(refused(
        flex_1k().u16(S_INODE_SIZE, 100),
        bad(Field::InodeSize)
    ));
    ensure!(refused(
        flex_1k().u32(S_INODES_PER_GROUP, 12),
        bad(Field::InodesPerGroup)
    ));
    ensure!(refused(
        flex_1k().u32(S_INODES_COUNT, 1025),
        bad(Field::InodesCount)
    ));
    Ok(())
}

/// Superblocks the kernel would not mount: metadata placed where it
/// cannot be (reserved GDT blocks, the first data block, descriptors,
/// meta groups, the MMP block, a group too small for its own metadata).
pub(crate) fn rejects_layout() -> Result<(), Fail> {
    let bad = Ext4Error::Bad;
    let incompat = FLEX_1K.incompat;
    ensure!(refused(
        flex_1k().u16(0xCE, 257),
        bad(Field::ReservedGdtBlocks)
    ));
    ensure!(refused(flex_1k().u32(0x04, 1), bad(Field::FirstDataBlock)));
    let wide = incompat | INCOMPAT_64BIT;
    ensure!(refused(
        flex_1k().u32(S_FEATURE_INCOMPAT, wide).u16(0xFE, 48),
        bad(Field::DescSize)
    ));
    ensure!(refused(
        flex_1k()
            .u32(S_FEATURE_INCOMPAT, incompat | INCOMPAT_META_BG)
            .u32(0x104, 2),
        bad(Field::FirstMetaBg)
    ));
    ensure!(refused(
        flex_1k().u32(S_FEATURE_INCOMPAT, incompat | INCOMPAT_MMP),
        bad(Field::MmpBlock)
    ));
    // 8192 reserved GDT blocks cannot fit a group of 8192 with its
    // superblock.
    ensure!(refused(
        flex_1k()
            .u32(0x18, 5)
            .u32(0x1C, 5)
            .u32(0x14, 0)
            .u16(0xCE, 8192),
        bad(Field::BlocksCount)
    ));
    Ok(())
}

/// Descriptors that put metadata where it cannot be.
pub(crate) fn bad_descriptors() -> Result<(), Fail> {
    let Ok(geo) = flex_1k().parse() else {
        ensure!(false);
        return Ok(());
    };
    let mut descs = flex_1k_descs();
    if let Some(d) = descs.get_mut(2) {
        d.inode_table = 29990;
    }
    let err = Ext4Error::BadDesc {
        group: 2,
        field: Field::InodeTable,
    };
    ensure!(classify(&geo, 8226, &descs[..]) == Err(err));
    ensure!(err.errno() == -EIO);
    // Without flex_bg a bitmap must lie in its own group.
    let mut sb = flex_1k();
    sb.u32(S_FEATURE_INCOMPAT, INCOMPAT_FILETYPE | INCOMPAT_EXTENTS);
    let Ok(geo) = sb.parse() else {
        ensure!(false);
        return Ok(());
    };
    let descs = flex_1k_descs();
    let err = Ext4Error::BadDesc {
        group: 1,
        field: Field::BlockBitmap,
    };
    ensure!(classify(&geo, 8226, &descs[..]) == Err(err));
    ensure!(classify(&geo, 8226, &descs[..1]) == Err(Ext4Error::NoDesc(1)));
    Ok(())
}

/// `shown` is what `v` displays as.
fn shows(v: &dyn core::fmt::Display, shown: &str) -> bool {
    let mut buf = [0u8; 64];
    let mut out = FixedBuf::new(&mut buf);
    write!(out, "{v}").is_ok() && out.as_bytes() == shown.as_bytes()
}

/// Errnos and dmesg phrases.
pub(crate) fn errnos_and_names() -> Result<(), Fail> {
    ensure!(Ext4Error::BadMagic(0).errno() == -EINVAL);
    ensure!(Ext4Error::Incompat(1).errno() == -EOPNOTSUPP);
    ensure!(Ext4Error::Bad(Field::DescSize).errno() == -EINVAL);
    ensure!(Ext4Error::NoDesc(1).errno() == -ENOENT);
    ensure!(Ext4Error::OutOfRange(1).errno() == -ERANGE);
    ensure!(shows(
        &What::InodeTable { group: 5 },
        "inode table of group 5"
    ));
    ensure!(shows(&What::Superblock { group: 0 }, "primary superblock"));
    ensure!(shows(
        &Ext4Error::BadDesc {
            group: 5,
            field: Field::InodeTable
        },
        "group 5: bad bg_inode_table"
    ));
    ensure!(shows(&Ext4Error::BadMagic(0x1234), "bad magic 0x1234"));
    Ok(())
}
