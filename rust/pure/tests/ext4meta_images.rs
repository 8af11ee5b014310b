// SPDX-License-Identifier: GPL-2.0

//! The ext4/ext2 metadata decoder against e2fsprogs on real images.
//!
//! Each configuration makes a sparse image with `mkfs.ext4` or `mkfs.ext2`
//! in a temporary directory, decodes its superblock and descriptor table
//! (read from where the decoder says they are), and compares:
//!
//! * the geometry with `dumpe2fs -h`;
//! * every piece of static metadata with `dumpe2fs`'s per-group lines
//!   (superblocks, descriptors, reserved GDT blocks, bitmaps, inode
//!   tables), the MMP block with its header, the journal with `debugfs -R
//!   "blocks <8>"`;
//! * `classify` with that model for every block of small images, and for
//!   every block within two of a piece's or a group's edge plus every
//!   61st of larger ones;
//! * the merged records, loaded into a reverse map, with `classify`.
//!
//! Without e2fsprogs the tests print why and pass.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

use daxhold_pure::ext4meta::{
    classify, for_each_meta, for_each_record, DescTable, Geometry, Meta, What, SUPERBLOCK_OFFSET,
    SUPERBLOCK_SIZE,
};
use daxhold_pure::rmap::{Node, Record, Rmap};

/// Where e2fsprogs lives (tests may run without /usr/sbin in PATH).
const SBIN: &[&str] = &["/usr/sbin", "/sbin", "/usr/local/sbin"];

/// A tool by name, if installed.
fn tool(name: &str) -> Option<PathBuf> {
    let path = std::env::var("PATH").unwrap_or_default();
    path.split(':')
        .chain(SBIN.iter().copied())
        .map(|dir| Path::new(dir).join(name))
        .find(|p| p.is_file())
}

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("daxhold-ext4meta-{}-{n}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

/// One image to make: `mkfs` (`mkfs.ext4`, `mkfs.ext2`, `mkfs.ext3`) with
/// `args`, on a sparse file of `mib` MiB; with meta_bg, `first_meta_bg`
/// through mke2fs's test hook `MKE2FS_FIRST_META_BG` (mkfs alone always
/// starts meta_bg at 0; online resize converts at a later descriptor
/// block).
struct Config {
    mkfs: &'static str,
    mib: u64,
    args: &'static [&'static str],
    first_meta_bg: Option<&'static str>,
}

const fn ext4(mib: u64, args: &'static [&'static str]) -> Config {
    Config {
        mkfs: "mkfs.ext4",
        mib,
        args,
        first_meta_bg: None,
    }
}

const fn ext2(mib: u64, args: &'static [&'static str]) -> Config {
    Config {
        mkfs: "mkfs.ext2",
        ..ext4(mib, args)
    }
}

const fn ext3(mib: u64, args: &'static [&'static str]) -> Config {
    Config {
        mkfs: "mkfs.ext3",
        ..ext4(mib, args)
    }
}

impl Config {
    const fn first_meta_bg(self, first: &'static str) -> Config {
        Config {
            first_meta_bg: Some(first),
            ..self
        }
    }
}

/// ext4 as mkfs makes it by default (flex_bg, 64bit, sparse_super,
/// resize_inode, metadata_csum): one group, a few, many; every block size
/// (64 KiB with groups of 65528 blocks, not a power of two).
const DEFAULTS: &[Config] = &[
    ext4(8, &[]),
    ext4(64, &["-b", "1024"]),
    ext4(64, &["-b", "4096"]),
    ext4(300, &["-b", "1024"]),
    ext4(300, &["-b", "2048"]),
    ext4(300, &["-b", "4096", "-g", "4096"]),
    ext4(300, &["-b", "65536"]),
    // A small flex group: packing spread over several groups.
    ext4(300, &["-b", "1024", "-G", "4", "-I", "128"]),
];

/// Where the bitmaps and tables go, which groups hold backups, descriptor
/// sizes.
const LAYOUTS: &[Config] = &[
    // Without flex_bg: bitmaps and tables in their own group.
    ext4(300, &["-b", "1024", "-O", "^flex_bg"]),
    ext4(300, &["-b", "4096", "-g", "2048", "-O", "^flex_bg"]),
    // Without sparse_super: a backup in every group.
    ext4(64, &["-b", "1024", "-O", "^sparse_super,^resize_inode"]),
    // sparse_super2: backups in s_backup_bgs only (two, one, none).
    ext4(64, &["-b", "1024", "-O", "sparse_super2"]),
    ext4(
        64,
        &["-b", "1024", "-O", "sparse_super2", "-E", "num_backup_sb=1"],
    ),
    ext4(
        64,
        &["-b", "1024", "-O", "sparse_super2", "-E", "num_backup_sb=0"],
    ),
    // 32-bit descriptors; larger 64-bit ones; no reserved GDT blocks.
    ext4(300, &["-b", "1024", "-O", "^64bit"]),
    ext4(64, &["-b", "1024", "-E", "desc_size=128"]),
    ext4(64, &["-b", "4096", "-O", "^resize_inode"]),
];

/// meta_bg: descriptor blocks in the first, second and last group of each
/// meta group, from `s_first_meta_bg` on; many small groups for several
/// meta groups, a fragmented journal.
const META_BG: &[Config] = &[
    ext4(300, &["-b", "1024", "-O", "meta_bg,^resize_inode"]),
    ext4(300, &["-b", "1024", "-O", "meta_bg,^resize_inode"]).first_meta_bg("1"),
    ext4(300, &["-b", "1024", "-O", "meta_bg,^resize_inode"]).first_meta_bg("3"),
    ext4(
        300,
        &[
            "-b",
            "1024",
            "-g",
            "1024",
            "-O",
            "meta_bg,^resize_inode,^64bit",
        ],
    ),
    ext4(
        300,
        &[
            "-b",
            "4096",
            "-g",
            "1024",
            "-O",
            "meta_bg,^resize_inode,^flex_bg",
        ],
    ),
];

/// bigalloc (group 0 from block 0 with 1 KiB blocks), MMP, ext2 and ext3
/// (a block-mapped journal: not placed, so unowned).
const OTHERS: &[Config] = &[
    ext4(300, &["-b", "1024", "-O", "bigalloc", "-C", "16384"]),
    ext4(300, &["-b", "4096", "-O", "bigalloc", "-C", "65536"]),
    ext4(64, &["-O", "mmp"]),
    ext2(8, &[]),
    ext2(64, &["-b", "1024"]),
    ext2(300, &["-b", "4096", "-g", "8192"]),
    ext2(64, &["-b", "1024", "-O", "^sparse_super,^resize_inode"]),
    ext2(300, &["-b", "1024", "-O", "meta_bg,^resize_inode"]),
    ext2(300, &["-b", "1024", "-O", "meta_bg,^resize_inode"]).first_meta_bg("2"),
    // Revision 0: no features, 128-byte inodes.
    ext2(64, &["-r", "0"]),
    ext3(64, &["-b", "1024"]),
];

/// A made image.
struct Image {
    _dir: TempDir,
    path: PathBuf,
    what: String,
}

/// Makes `c`'s image, or `None` if its mkfs is missing.
fn make(c: &Config) -> Option<Image> {
    let mkfs = tool(c.mkfs)?;
    let dir = TempDir::new();
    let path = dir.0.join("fs.img");
    File::create(&path).unwrap().set_len(c.mib << 20).unwrap();
    let mut cmd = Command::new(&mkfs);
    if let Some(first) = c.first_meta_bg {
        cmd.env("MKE2FS_FIRST_META_BG", first);
    }
    let out = cmd
        .args(["-q", "-F"])
        .args(c.args)
        .arg(&path)
        .output()
        .unwrap();
    let what = format!(
        "{} {:?} {}M first_meta_bg {:?}",
        c.mkfs, c.args, c.mib, c.first_meta_bg
    );
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(Image {
        _dir: dir,
        path,
        what,
    })
}

/// `cmd args image`'s standard output.
fn run(cmd: &str, args: &[&str], image: &Path) -> String {
    let exe = tool(cmd).unwrap_or_else(|| panic!("{cmd} not found"));
    let out = Command::new(exe).args(args).arg(image).output().unwrap();
    assert!(
        out.status.success(),
        "{cmd}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `len` bytes of the image from byte `at`.
fn read_at(path: &Path, at: u64, len: usize) -> Vec<u8> {
    let mut f = File::open(path).unwrap();
    f.seek(SeekFrom::Start(at)).unwrap();
    let mut buf = vec![0; len];
    f.read_exact(&mut buf).unwrap();
    buf
}

/// A piece of metadata as the model knows it: kind, group, extent.
type Piece = (&'static str, u32, u64, u64);

/// A [`Meta`] in the model's terms.
fn piece(m: &Meta) -> Piece {
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

/// The number after `key` in `line`, or the range `a-b` there.
fn range_after(line: &str, key: &str) -> Option<(u64, u64)> {
    let rest = &line[line.find(key)? + key.len()..];
    let text: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '-')
        .collect();
    let mut parts = text.split('-');
    let first: u64 = parts.next()?.parse().ok()?;
    let last: u64 = parts.next().map_or(Some(first), |s| s.parse().ok())?;
    Some((first, last - first + 1))
}

/// The header value of `key` in `dumpe2fs -h` output.
fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix(key))
        .map(|v| v.trim_start_matches(':').trim().to_string())
}

/// The static metadata `dumpe2fs` lists, group by group.
fn dumpe2fs_pieces(text: &str) -> Vec<Piece> {
    const KEYS: &[(&str, &str)] = &[
        ("superblock at ", "superblock"),
        ("Group descriptors at ", "descriptors"),
        ("Group descriptor at ", "descriptors"),
        ("Reserved GDT blocks at ", "reserved gdt"),
        ("Block bitmap at ", "block bitmap"),
        ("Inode bitmap at ", "inode bitmap"),
        ("Inode table at ", "inode table"),
    ];
    let mut out = Vec::new();
    let mut group = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Group ") {
            group = rest.split(':').next().and_then(|g| g.parse::<u32>().ok());
            continue;
        }
        let Some(g) = group else { continue };
        for (key, kind) in KEYS {
            if let Some((start, count)) = range_after(line, key) {
                out.push((*kind, g, start, count));
            }
        }
    }
    out
}

/// The blocks `debugfs -R "blocks <8>"` lists for the journal.
fn journal_blocks(image: &Path) -> BTreeSet<u64> {
    run("debugfs", &["-R", "blocks <8>"], image)
        .split_whitespace()
        .map(|b| b.parse().unwrap())
        .collect()
}

/// Checks the decoded geometry against `dumpe2fs -h`.
fn check_header(geo: &Geometry, head: &str, what: &str) {
    let num = |key: &str| -> u64 {
        let v = header(head, key).unwrap_or_else(|| panic!("{what}: no {key}"));
        v.split_whitespace().next().unwrap().parse().unwrap()
    };
    assert_eq!(geo.blocks_count(), num("Block count"), "{what}");
    assert_eq!(
        u64::from(geo.first_data_block()),
        num("First block"),
        "{what}"
    );
    assert_eq!(u64::from(geo.block_size()), num("Block size"), "{what}");
    assert_eq!(
        u64::from(geo.blocks_per_group()),
        num("Blocks per group"),
        "{what}"
    );
    assert_eq!(
        u64::from(geo.inodes_per_group()),
        num("Inodes per group"),
        "{what}"
    );
    assert_eq!(
        u64::from(geo.inode_table_blocks()),
        num("Inode blocks per group"),
        "{what}"
    );
    // Revision 0 has no s_inode_size: always 128.
    let inode_size = header(head, "Inode size").map_or(128, |_| num("Inode size"));
    assert_eq!(u64::from(geo.inode_size()), inode_size, "{what}");
    if header(head, "Reserved GDT blocks").is_some() {
        assert_eq!(
            u64::from(geo.reserved_gdt_blocks()),
            num("Reserved GDT blocks"),
            "{what}"
        );
    } else {
        assert_eq!(geo.reserved_gdt_blocks(), 0, "{what}");
    }
    let desc = header(head, "Group descriptor size").map_or(32, |_| num("Group descriptor size"));
    assert_eq!(u64::from(geo.desc_size()), desc, "{what}");
    if let Some(first) = header(head, "First meta block group") {
        assert_eq!(geo.first_meta_bg(), first.parse().ok(), "{what}");
    }
    let mmp = header(head, "MMP block number").map(|_| num("MMP block number"));
    assert_eq!(geo.mmp_block(), mmp, "{what}");
}

/// The descriptor table, read block by block from where the decoder says.
fn read_descs(geo: &Geometry, image: &Path) -> Vec<u8> {
    let bs = geo.block_size() as usize;
    let mut raw = Vec::new();
    for nr in 0..geo.desc_blocks() {
        let block = geo.desc_block(nr).unwrap();
        raw.extend(read_at(image, block * bs as u64, bs));
    }
    assert_eq!(geo.desc_block(geo.desc_blocks()), None);
    raw
}

/// Everything `for_each_meta` gives.
fn decoded<D: daxhold_pure::ext4meta::Descriptors + ?Sized>(
    geo: &Geometry,
    descs: &D,
) -> Vec<Meta> {
    let mut out = Vec::new();
    let flow = for_each_meta(geo, descs, |m| {
        out.push(*m);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(flow, Ok(ControlFlow::Continue(())));
    out
}

/// The blocks to classify: all of a small image, else those within two of
/// an edge of a piece or a group, and every 61st.
fn sample(geo: &Geometry, model: &[Piece]) -> BTreeSet<u64> {
    let n = geo.blocks_count();
    if n <= 16_384 {
        return (0..n).collect();
    }
    let mut edges: Vec<u64> = model.iter().flat_map(|p| [p.2, p.2 + p.3]).collect();
    for g in 0..geo.groups() {
        edges.push(geo.group_first_block(g).unwrap());
    }
    edges.push(n);
    let mut out: BTreeSet<u64> = (0..n).step_by(61).collect();
    for e in edges {
        out.extend((e.saturating_sub(2)..e.saturating_add(3)).filter(|&b| b < n));
    }
    out
}

/// Checks one image.
fn check_image(img: &Image) {
    let what = &img.what;
    let sb = read_at(&img.path, SUPERBLOCK_OFFSET, SUPERBLOCK_SIZE);
    let geo = Geometry::parse(&sb).unwrap_or_else(|e| panic!("{what}: {e}"));
    let head = run("dumpe2fs", &["-h"], &img.path);
    check_header(&geo, &head, what);
    let raw = read_descs(&geo, &img.path);
    let table = DescTable::new(&geo, &raw).unwrap();

    let mut model = dumpe2fs_pieces(&run("dumpe2fs", &[], &img.path));
    assert_eq!(
        model.iter().filter(|p| p.0 == "inode table").count(),
        geo.groups() as usize,
        "{what}: dumpe2fs groups"
    );
    if let Some(b) = geo.mmp_block() {
        model.push(("mmp", 0, b, 1));
    }
    let metas = decoded(&geo, &table);
    let journal: BTreeSet<u64> = metas
        .iter()
        .filter(|m| matches!(m.what, What::Journal { .. }))
        .flat_map(|m| m.extent.start..m.extent.start + m.extent.count)
        .collect();
    check_journal(&geo, &img.path, &journal, what);
    for m in metas
        .iter()
        .filter(|m| matches!(m.what, What::Journal { .. }))
    {
        model.push(piece(m));
    }
    let mut got: Vec<Piece> = metas.iter().map(piece).collect();
    got.sort();
    model.sort();
    assert_eq!(got, model, "{what}: pieces");
    check_primaries(&geo, &metas, what);

    let index = load_index(&geo, &table);
    let by_block = blocks_of(&model);
    for block in sample(&geo, &model) {
        let want = by_block
            .range(..=block)
            .next_back()
            .and_then(|(_, p)| (block < p.2 + p.3).then_some(*p));
        let got = classify(&geo, block, &table).unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(got.as_ref().map(piece), want, "{what}: block {block}");
        assert_eq!(
            owner_at(&index, block),
            got.map(|m| m.extent.owner),
            "{what}: index at {block}"
        );
    }
    let past = classify(&geo, geo.blocks_count(), &table);
    assert!(past.is_err(), "{what}: past the end");
}

/// The model's pieces by start block (no two share a block).
fn blocks_of(model: &[Piece]) -> BTreeMap<u64, Piece> {
    let mut map = BTreeMap::new();
    let mut covered = 0;
    for p in model {
        assert!(map.insert(p.2, *p).is_none(), "two pieces at {}", p.2);
        covered += p.3;
    }
    let mut last_end = 0;
    for (start, p) in &map {
        assert!(*start >= last_end, "pieces overlap at {start}");
        last_end = start + p.3;
    }
    assert!(covered > 0);
    map
}

/// Whether `debugfs` shows the journal inode's extent map held in the
/// inode itself (depth 0, at most four extents): what the decoder places.
fn journal_in_inode(image: &Path) -> bool {
    let out = run("debugfs", &["-R", "ex <8>"], image);
    let levels: Vec<&str> = out
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(1))
        .collect();
    !levels.is_empty() && levels.len() <= 4 && levels.iter().all(|l| *l == "0")
}

/// Checks the journal's extents: all of `debugfs`'s blocks for a journal
/// whose extents fit in its inode, none for a deeper or block-mapped one
/// (ext3; ext2 has no journal).
fn check_journal(geo: &Geometry, image: &Path, got: &BTreeSet<u64>, what: &str) {
    if geo.journal_inode().is_none() {
        assert!(got.is_empty(), "{what}");
        return;
    }
    if journal_in_inode(image) {
        let want = journal_blocks(image);
        assert!(!want.is_empty(), "{what}");
        assert!(
            *got == want,
            "{what}: journal: {} blocks placed, debugfs has {}",
            got.len(),
            want.len()
        );
    } else {
        assert!(
            got.is_empty(),
            "{what}: a journal deeper than its inode placed"
        );
    }
}

/// Checks which descriptor copies are primaries: where the kernel reads
/// them ([`Geometry::desc_block`]).
fn check_primaries(geo: &Geometry, metas: &[Meta], what: &str) {
    let primaries: BTreeSet<u64> = (0..geo.desc_blocks())
        .map(|nr| geo.desc_block(nr).unwrap())
        .collect();
    let mut seen = BTreeSet::new();
    for m in metas {
        if let What::GroupDescs { primary, .. } = m.what {
            let blocks = m.extent.start..m.extent.start + m.extent.count;
            if primary {
                seen.extend(blocks);
            } else {
                assert!(blocks.clone().all(|b| !primaries.contains(&b)), "{what}");
            }
        }
    }
    assert_eq!(seen, primaries, "{what}: primary descriptor blocks");
}

/// The merged records in a reverse map.
fn load_index(geo: &Geometry, table: &DescTable<'_>) -> Rmap<Vec<Node>> {
    let mut recs: Vec<Record> = Vec::new();
    let flow = for_each_record(geo, table, |r| {
        recs.push(*r);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(flow, Ok(ControlFlow::Continue(())));
    let metas = decoded(geo, table);
    assert!(recs.len() <= metas.len());
    let mut map = Rmap::new(Vec::new());
    let need = map.nodes_to_load(recs.len());
    map.grow(|s| s.resize(need, Node::EMPTY)).unwrap();
    map.load(&mut recs).unwrap();
    map
}

/// The owner the index has at `block`, if any (at most one).
fn owner_at(map: &Rmap<Vec<Node>>, block: u64) -> Option<u64> {
    let mut owners = Vec::new();
    let flow = map.query_range(block, block, |r| {
        owners.push(r.owner);
        ControlFlow::<()>::Continue(())
    });
    assert_eq!(flow, Ok(ControlFlow::Continue(())));
    assert!(owners.len() <= 1, "block {block}: {owners:?}");
    owners.pop()
}

/// Makes and checks every image of `configs`; without e2fsprogs, says so.
fn check_all(configs: &[Config]) {
    let Some(_) = tool("dumpe2fs").zip(tool("debugfs")) else {
        eprintln!("skipping: dumpe2fs or debugfs not found (install e2fsprogs)");
        return;
    };
    let mut done = 0;
    for c in configs {
        match make(c) {
            Some(img) => {
                check_image(&img);
                done += 1;
            }
            None => eprintln!("skipping {}: not found (install e2fsprogs)", c.mkfs),
        }
    }
    eprintln!(
        "{done} of {} images checked against dumpe2fs",
        configs.len()
    );
}

#[test]
fn ext4_defaults() {
    check_all(DEFAULTS);
}

#[test]
fn ext4_layouts() {
    check_all(LAYOUTS);
}

#[test]
fn ext4_meta_bg() {
    check_all(META_BG);
}

#[test]
fn bigalloc_mmp_ext2_ext3() {
    check_all(OTHERS);
}
