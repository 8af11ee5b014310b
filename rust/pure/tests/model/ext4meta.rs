// SPDX-License-Identifier: GPL-2.0

//! The ext4/ext2 layout model: random filesystems laid out by a small
//! allocator and written as a superblock and descriptors, with every piece
//! of static metadata painted by rules stated directly (backup groups as a
//! set of powers, meta groups by division), and the checks of the decoder
//! against it; shared by `tests/ext4meta_props.rs` and the fuzz targets
//! `ext4meta_layout` and `ext4meta_garbage` (`tools/fuzz`).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;

use daxhold_pure::ext4meta::{
    classify, for_each_meta, for_each_record, Ext4Error, Geometry, GroupDesc, Meta, What,
};
use daxhold_pure::rmap::{OWN_AG, OWN_FS, OWN_INODES, OWN_LOG};
use proptest::prelude::*;

/// xorshift64*, for placement choices from the case's seed.
pub struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n.max(1)
    }
}

/// What a random filesystem is made of (clamped into range by `build`).
#[derive(Clone, Debug)]
pub struct Params {
    pub log_block: u32,
    pub log_ratio: u32,
    pub clusters_per_group: u32,
    pub groups: u32,
    pub last: u32,
    pub sparse: u8,
    pub backups: [u32; 2],
    pub meta_bg: Option<u32>,
    pub desc_log: Option<u32>,
    pub flex: bool,
    pub reserved: u32,
    pub inode_log: u32,
    pub inodes_per_group: u32,
    pub journal: u8,
    pub mmp: bool,
    pub seed: u64,
}
/// A piece as the model paints it: kind, group, start, count.
pub type Piece = (&'static str, u32, u64, u64);

/// A built filesystem: its superblock, descriptors and the model's pieces.
#[derive(Debug)]
pub struct Fs {
    pub sb: Vec<u8>,
    pub descs: Vec<GroupDesc>,
    pub pieces: Vec<Piece>,
    pub blocks: u64,
    pub groups: u32,
    pub primaries: Vec<u64>,
    pub group_starts: Vec<u64>,
}

/// The model's backup groups with sparse_super: 0, 1 and powers of 3, 5, 7.
pub fn sparse_groups(limit: u64) -> BTreeSet<u64> {
    let mut set = BTreeSet::from([0, 1]);
    for base in [3u64, 5, 7] {
        let mut p = base;
        while p < limit {
            set.insert(p);
            p *= base;
        }
    }
    set
}

/// Free-space bookkeeping for the layout.
struct Alloc {
    used: Vec<bool>,
}

impl Alloc {
    fn take(&mut self, start: u64, count: u64) {
        for b in start..start + count {
            assert!(!self.used[b as usize], "model overlap at {b}");
            self.used[b as usize] = true;
        }
    }

    /// A free run of `count` in `[lo, hi)`, first fit from a random point.
    fn find(&mut self, lo: u64, hi: u64, count: u64, rng: &mut Rng) -> Option<u64> {
        if hi < lo + count {
            return None;
        }
        let span = hi - lo - count + 1;
        let from = rng.below(span);
        (0..span)
            .map(|i| lo + (from + i) % span)
            .find(|&s| (s..s + count).all(|b| !self.used[b as usize]))
    }

    fn place(&mut self, lo: u64, hi: u64, count: u64, rng: &mut Rng) -> Option<u64> {
        let at = self.find(lo, hi, count, rng)?;
        self.take(at, count);
        Some(at)
    }
}

/// Writes `v` little-endian at `at`.
fn put(sb: &mut [u8], at: usize, v: &[u8]) {
    sb[at..at + v.len()].copy_from_slice(v);
}

/// The sizes [`build`] derives from its [`Params`].
struct Shape {
    bs: u64,
    bigalloc: bool,
    bpg: u64,
    first: u64,
    groups: u64,
    desc_size: u64,
    dpb: u64,
    desc_blocks: u64,
    meta_first: Option<u64>,
    old_gdt: u64,
    reserved: u64,
    inode_size: u64,
    ipg: u64,
    itb: u64,
    blocks: u64,
    /// The backup rule: `Params::sparse` and `Params::backups`, and the
    /// groups sparse_super gives backups to.
    sparse: u8,
    backups: [u32; 2],
    sparse_set: BTreeSet<u64>,
}

/// The sizes of `p`'s filesystem; `None` if it does not fit.
fn shape(p: &Params) -> Option<Shape> {
    let bs = 1024u64 << p.log_block;
    let bigalloc = p.log_ratio > 0 && p.log_block == 0;
    let ratio = if bigalloc { 1u64 << p.log_ratio } else { 1 };
    let bpg = u64::from(p.clusters_per_group) * ratio;
    let first = if bs == 1024 && !bigalloc { 1 } else { 0 };
    let groups = u64::from(p.groups);
    let desc_size = match p.desc_log {
        Some(l) => (64u64 << (l % 5)).min(bs),
        None => 32,
    };
    let dpb = bs / desc_size;
    let desc_blocks = groups.div_ceil(dpb);
    let meta_first = p.meta_bg.map(|f| u64::from(f) % (desc_blocks + 1));
    let old_gdt = meta_first.unwrap_or(desc_blocks);
    let reserved = u64::from(p.reserved).min(bs / 4);
    if 2 + old_gdt + reserved + 2 > bpg {
        return None;
    }
    let inode_size = 128u64 << p.inode_log.min(p.log_block + 3);
    let ipb = bs / inode_size;
    // Inode tables of at most half a group's free blocks, so that they can
    // be placed without flex_bg.
    let itb_cap = (bpg - (2 + old_gdt + reserved + 2)) / 2;
    let ipg = u64::from(p.inodes_per_group)
        .min(itb_cap * ipb / 8 * 8)
        .max(ipb.next_multiple_of(8))
        .min(8 * bs);
    let itb = ipg.div_ceil(ipb);
    if itb > itb_cap {
        return None;
    }
    // The last group: long enough for its own metadata (mkfs drops it
    // otherwise), at most a whole group.
    let need = 2 + old_gdt + reserved + 2 + itb + 8;
    let last = (u64::from(p.last) % bpg + 1).max(need.min(bpg));
    Some(Shape {
        bs,
        bigalloc,
        bpg,
        first,
        groups,
        desc_size,
        dpb,
        desc_blocks,
        meta_first,
        old_gdt,
        reserved,
        inode_size,
        ipg,
        itb,
        blocks: first + (groups - 1) * bpg + last,
        sparse: p.sparse,
        backups: p.backups,
        sparse_set: sparse_groups(groups),
    })
}

impl Shape {
    fn has_super(&self, g: u64) -> bool {
        match self.sparse {
            0 => true,
            1 => self.sparse_set.contains(&g),
            _ => g == 0 || self.backups.iter().any(|&b| u64::from(b) == g),
        }
    }

    fn group_first(&self, g: u64) -> u64 {
        self.first + g * self.bpg
    }

    fn group_end(&self, g: u64) -> u64 {
        (self.group_first(g) + self.bpg).min(self.blocks)
    }

    /// Where group `g`'s superblock (or first descriptor block) goes.
    fn base(&self, g: u64) -> u64 {
        if g == 0 {
            1024 / self.bs
        } else {
            self.group_first(g)
        }
    }
}

/// Static metadata: the rules as the kernel states them.
fn static_meta(s: &Shape, alloc: &mut Alloc, pieces: &mut Vec<Piece>) {
    for g in 0..s.groups {
        let base = s.base(g);
        let sb = u64::from(s.has_super(g));
        let g32 = g as u32;
        let mut add = |kind, start: u64, count: u64| {
            alloc.take(start, count);
            pieces.push((kind, g32, start, count));
        };
        if sb == 1 {
            add("superblock", base, 1);
        }
        let meta_area = s.meta_first.is_some_and(|f| g / s.dpb >= f);
        if meta_area {
            let at = g % s.dpb;
            if at == 0 || at == 1 || at == s.dpb - 1 {
                add("descriptors", base + sb, 1);
            }
        } else if sb == 1 {
            if s.old_gdt > 0 {
                add("descriptors", base + 1, s.old_gdt);
            }
            if s.reserved > 0 {
                add("reserved gdt", base + 1 + s.old_gdt, s.reserved);
            }
        }
    }
}

/// Bitmaps and inode tables: anywhere with flex_bg, else in the group.
fn bitmaps(
    s: &Shape,
    flex: bool,
    alloc: &mut Alloc,
    rng: &mut Rng,
    pieces: &mut Vec<Piece>,
) -> Option<Vec<GroupDesc>> {
    let mut descs = Vec::new();
    for g in 0..s.groups {
        let (lo, hi) = if flex {
            (s.first, s.blocks)
        } else {
            (s.group_first(g), s.group_end(g))
        };
        let bb = alloc.place(lo, hi, 1, rng)?;
        let ib = alloc.place(lo, hi, 1, rng)?;
        let it = alloc.place(lo, hi, s.itb, rng)?;
        let g32 = g as u32;
        pieces.push(("block bitmap", g32, bb, 1));
        pieces.push(("inode bitmap", g32, ib, 1));
        pieces.push(("inode table", g32, it, s.itb));
        descs.push(GroupDesc {
            block_bitmap: bb,
            inode_bitmap: ib,
            inode_table: it,
            flags: rng.below(8) as u16,
        });
    }
    Some(descs)
}

/// Lays out `p` and writes its superblock; `None` if it does not fit.
pub fn build(p: &Params) -> Option<Fs> {
    let mut rng = Rng(p.seed | 1);
    let s = shape(p)?;
    let mut alloc = Alloc {
        used: vec![false; s.blocks as usize],
    };
    let mut pieces: Vec<Piece> = Vec::new();
    static_meta(&s, &mut alloc, &mut pieces);
    let descs = bitmaps(&s, p.flex, &mut alloc, &mut rng, &mut pieces)?;
    let mut sb = vec![0u8; 1024];
    let journal = journal(
        p.journal,
        &mut alloc,
        &mut rng,
        s.first,
        s.blocks,
        &mut pieces,
        &mut sb,
    )?;
    let mmp = if p.mmp {
        let b = alloc.place(s.first, s.blocks, 1, &mut rng)?;
        pieces.push(("mmp", 0, b, 1));
        Some(b)
    } else {
        None
    };
    write_sb(&mut sb, &sb_fields(p, &s, journal, mmp));
    let primaries = (0..s.desc_blocks)
        .map(|nr| match s.meta_first {
            Some(f) if nr >= f => {
                let g = nr * s.dpb;
                s.base(g) + u64::from(s.has_super(g))
            }
            _ => 1024 / s.bs + 1 + nr,
        })
        .collect();
    Some(Fs {
        sb,
        descs,
        pieces,
        blocks: s.blocks,
        groups: s.groups as u32,
        primaries,
        group_starts: (0..s.groups).map(|g| s.group_first(g)).collect(),
    })
}

/// What [`write_sb`] writes for `p` laid out as `s`.
fn sb_fields(p: &Params, s: &Shape, journal: bool, mmp: Option<u64>) -> SbFields {
    SbFields {
        log_block: p.log_block,
        log_cluster: p.log_block + if s.bigalloc { p.log_ratio } else { 0 },
        blocks: s.blocks,
        first: s.first,
        bpg: s.bpg,
        cpg: u64::from(p.clusters_per_group),
        ipg: s.ipg,
        inode_size: s.inode_size,
        inodes: s.groups * s.ipg,
        reserved: s.reserved,
        desc_size: if p.desc_log.is_some() { s.desc_size } else { 0 },
        meta_first: s.meta_first,
        sparse: p.sparse,
        backups: p.backups,
        flex: p.flex,
        bigalloc: s.bigalloc,
        journal,
        mmp,
    }
}

fn write_sb(sb: &mut [u8], f: &SbFields) {
    let u32s: &[(usize, u64)] = &[
        (0x00, f.inodes),
        (0x04, f.blocks & 0xffff_ffff),
        (0x14, f.first),
        (0x18, u64::from(f.log_block)),
        (0x1C, u64::from(f.log_cluster)),
        (0x20, f.bpg),
        (0x24, f.cpg),
        (0x28, f.ipg),
        (0x4C, 1),
        (0x150, f.blocks >> 32),
        (0x104, f.meta_first.unwrap_or(0)),
        (0x24C, u64::from(f.backups[0])),
        (0x250, u64::from(f.backups[1])),
    ];
    for &(at, v) in u32s {
        put(sb, at, &(v as u32).to_le_bytes());
    }
    put(sb, 0x38, &0xEF53u16.to_le_bytes());
    put(sb, 0x58, &(f.inode_size as u16).to_le_bytes());
    put(sb, 0xCE, &(f.reserved as u16).to_le_bytes());
    put(sb, 0xFE, &(f.desc_size as u16).to_le_bytes());
    write_features(sb, f);
}

/// The feature words of `f`, and the fields that go with them.
fn write_features(sb: &mut [u8], f: &SbFields) {
    let bs = 1024u64 << f.log_block;
    let mut compat = 0u32;
    let mut incompat = 0x2u32; // filetype
    let mut ro = 0u32;
    match f.sparse {
        0 => {}
        1 => ro |= 0x1,
        _ => compat |= 0x200,
    }
    if f.meta_first.is_some() {
        incompat |= 0x10;
    }
    if f.desc_size != 0 {
        incompat |= 0x80;
    }
    if f.flex {
        incompat |= 0x200;
        sb[0x174] = 4;
    }
    if f.bigalloc {
        ro |= 0x200;
    }
    if f.journal {
        compat |= 0x4;
        put(sb, 0xE0, &8u32.to_le_bytes());
        sb[0xFD] = 1;
        let j = 0x10C;
        let entries = u16::from_le_bytes([sb[j + 2], sb[j + 3]]);
        let mut total = 0u64;
        for i in 0..usize::from(entries) {
            let e = j + 12 + 12 * i;
            total += u64::from(u16::from_le_bytes([sb[e + 4], sb[e + 5]]));
        }
        put(sb, j + 16 * 4, &((total * bs) as u32).to_le_bytes());
    }
    if let Some(b) = f.mmp {
        incompat |= 0x100;
        put(sb, 0x168, &b.to_le_bytes());
    }
    put(sb, 0x5C, &compat.to_le_bytes());
    put(sb, 0x60, &incompat.to_le_bytes());
    put(sb, 0x64, &ro.to_le_bytes());
}

/// Places a journal of `kind` extents (0: none; 1 to 4: in the inode; 5:
/// a depth-1 tree, which the decoder does not place) and writes its
/// backup into `sb`. Returns whether the superblock has one.
fn journal(
    kind: u8,
    alloc: &mut Alloc,
    rng: &mut Rng,
    first: u64,
    blocks: u64,
    pieces: &mut Vec<Piece>,
    sb: &mut [u8],
) -> Option<bool> {
    if kind == 0 {
        return Some(false);
    }
    let j = 0x10C;
    put(sb, j, &0xF30Au16.to_le_bytes());
    put(sb, j + 4, &4u16.to_le_bytes());
    if kind == 5 {
        put(sb, j + 2, &1u16.to_le_bytes());
        put(sb, j + 6, &1u16.to_le_bytes());
        return Some(true);
    }
    put(sb, j + 2, &u16::from(kind).to_le_bytes());
    let mut logical = 0u64;
    for i in 0..usize::from(kind) {
        let len = 1 + rng.below(40);
        let start = alloc.place(first, blocks, len, rng)?;
        pieces.push(("journal", 0, start, len));
        let e = j + 12 + 12 * i;
        put(sb, e, &(logical as u32).to_le_bytes());
        put(sb, e + 4, &(len as u16).to_le_bytes());
        put(sb, e + 6, &((start >> 32) as u16).to_le_bytes());
        put(sb, e + 8, &(start as u32).to_le_bytes());
        logical += len;
    }
    Some(true)
}

/// The superblock fields `write_sb` sets.
struct SbFields {
    log_block: u32,
    log_cluster: u32,
    blocks: u64,
    first: u64,
    bpg: u64,
    cpg: u64,
    ipg: u64,
    inode_size: u64,
    inodes: u64,
    reserved: u64,
    desc_size: u64,
    meta_first: Option<u64>,
    sparse: u8,
    backups: [u32; 2],
    flex: bool,
    bigalloc: bool,
    journal: bool,
    mmp: Option<u64>,
}
/// A [`Meta`] in the model's terms.
pub fn piece(m: &Meta) -> Piece {
    let (kind, group) = match m.what {
        What::Superblock { group } => ("superblock", group),
        What::GroupDescs { group, .. } => ("descriptors", group),
        What::ReservedGdt { group } => ("reserved gdt", group),
        What::BlockBitmap { group } => ("block bitmap", group),
        What::InodeBitmap { group } => ("inode bitmap", group),
        What::InodeTable { group } => ("inode table", group),
        What::Journal { .. } => ("journal", 0),
        What::Mmp => ("mmp", 0),
    };
    (kind, group, m.extent.start, m.extent.count)
}

/// The rmap owner of a model piece.
pub fn owner(kind: &str) -> u64 {
    match kind {
        "block bitmap" | "inode bitmap" => OWN_AG,
        "inode table" => OWN_INODES,
        "journal" => OWN_LOG,
        _ => OWN_FS,
    }
}

/// The model's piece holding `block`, if any.
pub fn lookup(by_start: &BTreeMap<u64, Piece>, block: u64) -> Option<Piece> {
    by_start
        .range(..=block)
        .next_back()
        .map(|(_, p)| *p)
        .filter(|p| block < p.2 + p.3)
}

/// Blocks worth classifying: both edges of every piece and group, the
/// ends of the filesystem, and `extra` random ones.
pub fn probes(fs: &Fs, rng: &mut Rng, extra: usize) -> BTreeSet<u64> {
    let mut out = BTreeSet::from([0, fs.blocks - 1]);
    let edges = fs
        .pieces
        .iter()
        .flat_map(|p| [p.2, p.2 + p.3])
        .chain(fs.group_starts.iter().copied());
    for e in edges {
        out.extend(
            [e.saturating_sub(1), e]
                .into_iter()
                .filter(|&b| b < fs.blocks),
        );
    }
    out.extend((0..extra).map(|_| rng.below(fs.blocks)));
    out
}

/// Checks everything the decoder says about `fs` against the model.
pub fn check(fs: &Fs, seed: u64) -> Result<(), TestCaseError> {
    let geo = Geometry::parse(&fs.sb).map_err(|e| TestCaseError::fail(format!("{e}")))?;
    prop_assert_eq!(geo.blocks_count(), fs.blocks);
    prop_assert_eq!(geo.groups(), fs.groups);
    let primaries: Vec<u64> = (0..geo.desc_blocks())
        .map(|nr| geo.desc_block(nr).unwrap())
        .collect();
    prop_assert_eq!(&primaries, &fs.primaries);
    let descs = &fs.descs[..];

    let mut got = Vec::new();
    let flow = for_each_meta(&geo, descs, |m| {
        got.push(piece(m));
        ControlFlow::<()>::Continue(())
    });
    prop_assert_eq!(flow, Ok(ControlFlow::Continue(())));
    let mut want = fs.pieces.clone();
    got.sort();
    want.sort();
    prop_assert_eq!(&got, &want);

    let by_start: BTreeMap<u64, Piece> = want.iter().map(|p| (p.2, *p)).collect();
    let mut rng = Rng(seed | 1);
    for block in probes(fs, &mut rng, 64) {
        let got = classify(&geo, block, descs).map_err(|e| TestCaseError::fail(format!("{e}")))?;
        prop_assert_eq!(
            got.as_ref().map(piece),
            lookup(&by_start, block),
            "block {}",
            block
        );
        if let Some(m) = got {
            prop_assert!(m.contains(block));
            prop_assert_eq!(m.extent.owner, owner(piece(&m).0));
        }
    }
    prop_assert_eq!(
        classify(&geo, fs.blocks, descs),
        Err(Ext4Error::OutOfRange(fs.blocks))
    );
    check_records(&geo, descs, &want)
}

/// The merged records cover exactly the pieces, one owner per block, and
/// merge only what touches.
pub fn check_records(
    geo: &Geometry,
    descs: &[GroupDesc],
    want: &[Piece],
) -> Result<(), TestCaseError> {
    let mut recs = Vec::new();
    let flow = for_each_record(geo, descs, |r| {
        recs.push(*r);
        ControlFlow::<()>::Continue(())
    });
    prop_assert_eq!(flow, Ok(ControlFlow::Continue(())));
    prop_assert!(recs.len() <= want.len());
    for pair in recs.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        prop_assert!(
            a.owner != b.owner || a.start + a.count != b.start,
            "unmerged {:?}",
            pair
        );
    }
    let blocks = |it: &mut dyn Iterator<Item = (u64, u64, u64)>| {
        let mut out = BTreeMap::new();
        for (start, count, owner) in it {
            for b in start..start + count {
                assert!(out.insert(b, owner).is_none(), "block {b} twice");
            }
        }
        out
    };
    let from_recs = blocks(&mut recs.iter().map(|r| (r.start, r.count, r.owner)));
    let from_model = blocks(&mut want.iter().map(|p| (p.2, p.3, owner(p.0))));
    prop_assert!(from_recs == from_model);
    Ok(())
}

/// Four groups of 8192 1 KiB blocks, sparse_super.
pub const SPARSE_1K: Params = Params {
    log_block: 0,
    log_ratio: 0,
    clusters_per_group: 8192,
    groups: 4,
    last: 8192,
    sparse: 1,
    backups: [0, 0],
    meta_bg: None,
    desc_log: None,
    flex: true,
    reserved: 0,
    inode_log: 0,
    inodes_per_group: 64,
    journal: 0,
    mmp: false,
    seed: 1,
};

/// `p`'s filesystem (if it builds) with bytes of its superblock replaced
/// (`flips`: offset below 1024, byte) and descriptor fields made `wild`:
/// each block of `blocks` (modulo the filesystem's size plus two) is
/// classified as a piece that holds it, as nothing, or with an error about
/// the block or a group it has; never a panic.
pub fn check_garbage(
    p: &Params,
    flips: &[(usize, u8)],
    wild: &[u64],
    blocks: &[u64],
) -> Result<(), TestCaseError> {
    let Some(mut fs) = build(p) else {
        return Ok(());
    };
    for &(at, v) in flips {
        fs.sb[at] = v;
    }
    for (i, v) in wild.iter().enumerate() {
        if let Some(d) = fs.descs.get_mut(i % fs.groups as usize) {
            match i % 3 {
                0 => d.block_bitmap = *v,
                1 => d.inode_bitmap = *v,
                _ => d.inode_table = *v,
            }
        }
    }
    let Ok(geo) = Geometry::parse(&fs.sb) else {
        return Ok(());
    };
    for b in blocks
        .iter()
        .map(|b| b % geo.blocks_count().saturating_add(2))
    {
        match classify(&geo, b, &fs.descs[..]) {
            Ok(Some(m)) => prop_assert!(m.contains(b) && b < geo.blocks_count()),
            Ok(None) => prop_assert!(b < geo.blocks_count()),
            Err(Ext4Error::OutOfRange(x)) => prop_assert!(x == b && b >= geo.blocks_count()),
            Err(Ext4Error::BadDesc { group, .. } | Ext4Error::NoDesc(group)) => {
                prop_assert!(group < geo.groups())
            }
            Err(e) => prop_assert!(false, "unexpected {:?}", e),
        }
    }
    let _ = for_each_record(&geo, &fs.descs[..], |_| ControlFlow::<()>::Continue(()));
    Ok(())
}
