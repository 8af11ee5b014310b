// SPDX-License-Identifier: GPL-2.0

//! `daxhold report`: the known poison of /proc/fs/daxhold/poison (the
//! badblocks of the held pmem disks) and what it damages, per disk and
//! bad range, with damaged files' mountpoints and paths.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::Result;
use crate::group::{self, Place};
use crate::kfiles::Root;
use crate::kinds::PoisonKind;
use crate::parse::{self, Record};
use crate::paths;
use crate::units;

/// A held pmem disk with known poison (ndctl's `badblock_count` and
/// `badblocks`; each range in sectors and in bytes, labelled).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Disk {
    pub dev: String,
    pub badblock_count: usize,
    pub badblocks: Vec<Bad>,
}

/// One bad range and what lies on it.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Bad {
    /// First sector on the pmem disk.
    #[serde(rename = "sector")]
    pub offset: u64,
    /// Sectors (absent if only the lines naming it were read).
    #[serde(rename = "sectors", skip_serializing_if = "Option::is_none")]
    pub length: Option<u64>,
    /// The same range in bytes.
    pub offset_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_bytes: Option<u64>,
    /// The badblocks-change generation that first saw it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since: Option<u64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tops: Vec<Top>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<File>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metadata: Vec<Meta>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unowned: Vec<Unowned>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unmapped: Vec<Unmapped>,
}

/// Where the range lies at the top of the stack.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Top {
    #[serde(flatten)]
    pub at: Place,
    /// The devices from the pmem up, in order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub chain: Vec<String>,
}

/// The filesystem an owner or metadata range is on.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Fs {
    /// `MAJ:MIN`.
    pub fsdev: String,
    /// The device's name, when a top of this range names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blockdev: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filesystem: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mountpoint: Option<String>,
}

/// A damaged file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct File {
    #[serde(flatten)]
    pub fs: Fs,
    pub ino: u64,
    /// Damaged bytes of the file.
    #[serde(rename = "offset_bytes")]
    pub offset: u64,
    #[serde(rename = "length_bytes")]
    pub length: u64,
    /// Whether some process maps the damaged page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mapped: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// Filesystem metadata on the range.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Meta {
    #[serde(flatten)]
    pub fs: Fs,
    pub what: String,
}

/// Used by a filesystem, but no owner known.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unowned {
    #[serde(flatten)]
    pub fs: Fs,
    /// First sector on `fsdev`, and how many; the same in bytes.
    #[serde(rename = "sector", skip_serializing_if = "Option::is_none")]
    pub sector_top: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sectors: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset_bytes: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_bytes: Option<u64>,
}

/// A piece nothing above uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Unmapped {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sectors: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_bytes: Option<u64>,
}

/// The disks and bad ranges of `recs`, in the file's order.
pub fn from_records(recs: &[Record]) -> Result<Vec<Disk>> {
    let mut disks: Vec<Disk> = Vec::new();
    for r in recs {
        let word = r.pos.first().map(String::as_str).unwrap_or("");
        if !parse::is_word(word) {
            return Err(r.malformed(format!("{word:?} is not a record kind")));
        }
        // A kind this tool does not know is a newer module's: skipped.
        let Some(kind) = PoisonKind::from_word(word) else {
            continue;
        };
        r.expect_pos(2)?;
        let pmem = r.pos.get(1).cloned().unwrap_or_default();
        let sector = r.req_num("sector")?;
        let disk = group::entry(
            &mut disks,
            |d| d.dev == pmem,
            || Disk {
                dev: pmem.clone(),
                ..Disk::default()
            },
        );
        let bad = group::entry(
            &mut disk.badblocks,
            |b| b.offset == sector,
            || Bad {
                offset: sector,
                offset_bytes: units::bytes(sector),
                ..Bad::default()
            },
        );
        add(bad, kind, r)?;
    }
    for d in &mut disks {
        d.badblock_count = d.badblocks.len();
    }
    Ok(disks)
}

/// The filesystem fields of `r`.
fn fs(r: &Record) -> Result<Fs> {
    Ok(Fs {
        fsdev: r.req_devt("fsdev")?,
        filesystem: r.get("fs").map(str::to_string),
        ..Fs::default()
    })
}

/// Add record `r`, of kind `kind`, to its bad range.
fn add(bad: &mut Bad, kind: PoisonKind, r: &Record) -> Result<()> {
    match kind {
        PoisonKind::Bad => {
            let sectors = r.req_num("sectors")?;
            bad.length = Some(sectors);
            bad.length_bytes = Some(units::bytes(sectors));
            bad.since = r.num("since")?;
        }
        PoisonKind::Top => bad.tops.push(Top {
            at: Place::parse(r, "top_sector")?,
            chain: r
                .get("chain")
                .map(|c| c.split('>').map(str::to_string).collect())
                .unwrap_or_default(),
        }),
        PoisonKind::File => bad.files.push(File {
            fs: fs(r)?,
            ino: r.req_num("ino")?,
            offset: r.req_num("offset")?,
            length: r.req_num("len")?,
            mapped: r.num("mapped")?.map(|m| m != 0),
            path: None,
        }),
        PoisonKind::Metadata => bad.metadata.push(Meta {
            fs: fs(r)?,
            what: r.req("what")?.to_string(),
        }),
        PoisonKind::Unowned => {
            let sector_top = r.num("sector_top")?;
            let sectors = r.num("sectors")?;
            bad.unowned.push(Unowned {
                fs: fs(r)?,
                sector_top,
                sectors,
                offset_bytes: sector_top.map(units::bytes),
                length_bytes: sectors.map(units::bytes),
            });
        }
        PoisonKind::Unmapped => {
            let sectors = r.num("sectors")?;
            bad.unmapped.push(Unmapped {
                sectors,
                length_bytes: sectors.map(units::bytes),
            });
        }
    }
    Ok(())
}

/// Fill in device names, filesystem types and mountpoints, and (unless
/// `no_paths`) the paths of damaged files, walking each mount once.
pub fn resolve(disks: &mut [Disk], root: &Root, no_paths: bool, limit: u64) -> BTreeSet<String> {
    let mounts = root
        .read_optional("/proc/self/mountinfo")
        .map(|t| paths::mountinfo(&t))
        .unwrap_or_default();
    let want = fill_filesystems(disks, &mounts);
    let mut truncated = BTreeSet::new();
    if no_paths {
        return truncated;
    }
    let mut found: BTreeMap<(String, u64), String> = BTreeMap::new();
    for (fsdev, inos) in &want {
        let Some(m) = paths::find(&mounts, fsdev) else {
            continue;
        };
        let f = paths::resolve(&root.path(&m.mountpoint), &m.mountpoint, inos, limit);
        if f.truncated {
            truncated.insert(m.mountpoint.clone());
        }
        for (ino, p) in f.paths {
            found.insert((fsdev.clone(), ino), p);
        }
    }
    for d in disks.iter_mut() {
        for b in &mut d.badblocks {
            for f in &mut b.files {
                f.path = found.get(&(f.fs.fsdev.clone(), f.ino)).cloned();
            }
        }
    }
    truncated
}

/// Fill in the device names (from the tops), filesystem types and
/// mountpoints of every range's filesystems; the inodes of damaged files
/// per filesystem.
fn fill_filesystems(
    disks: &mut [Disk],
    mounts: &[paths::Mount],
) -> BTreeMap<String, BTreeSet<u64>> {
    let mut want: BTreeMap<String, BTreeSet<u64>> = BTreeMap::new();
    for d in disks.iter_mut() {
        for b in &mut d.badblocks {
            let names: Vec<(String, String)> = b
                .tops
                .iter()
                .filter_map(|t| t.at.devt.clone().map(|dt| (dt, t.at.dev.clone())))
                .collect();
            let fill = |fs: &mut Fs| {
                if fs.blockdev.is_none() {
                    fs.blockdev = names
                        .iter()
                        .find(|(dt, _)| *dt == fs.fsdev)
                        .map(|(_, n)| n.clone());
                }
                if let Some(m) = paths::find(mounts, &fs.fsdev) {
                    fs.mountpoint = Some(m.mountpoint.clone());
                    if fs.filesystem.is_none() {
                        fs.filesystem = Some(m.fstype.clone());
                    }
                }
            };
            for f in &mut b.files {
                fill(&mut f.fs);
                want.entry(f.fs.fsdev.clone()).or_default().insert(f.ino);
            }
            b.metadata.iter_mut().for_each(|m| fill(&mut m.fs));
            b.unowned.iter_mut().for_each(|u| fill(&mut u.fs));
        }
    }
    want
}

fn fs_text(fs: &Fs) -> String {
    let mut s = fs.filesystem.clone().unwrap_or_else(|| "filesystem".into());
    s.push_str(" on ");
    match &fs.blockdev {
        Some(b) => s.push_str(&format!("{b} ({})", fs.fsdev)),
        None => s.push_str(&fs.fsdev),
    }
    match &fs.mountpoint {
        Some(m) => s.push_str(&format!(" at {m}")),
        None => s.push_str(", not mounted"),
    }
    s
}

/// The text form.
pub fn render(disks: &[Disk], no_paths: bool) -> String {
    if disks.is_empty() {
        return "no known poison on the held pmem disks\n".into();
    }
    let mut out = String::new();
    for d in disks {
        let n = d.badblock_count;
        out.push_str(&format!(
            "{}: {n} bad range{}\n",
            d.dev,
            if n == 1 { "" } else { "s" }
        ));
        for b in &d.badblocks {
            render_bad(&mut out, b, no_paths);
        }
    }
    out
}

/// One bad range and what lies on it.
fn render_bad(out: &mut String, b: &Bad, no_paths: bool) {
    out.push_str(&format!(
        "  {}",
        units::sectors_text(Some(b.offset), b.length)
    ));
    if let Some(s) = b.since {
        out.push_str(&format!(", since generation {s}"));
    }
    out.push('\n');
    for t in &b.tops {
        out.push_str("    ");
        out.push_str(&t.at.text());
        if !t.chain.is_empty() {
            out.push_str(&format!(": {}", t.chain.join(" > ")));
        }
        out.push('\n');
    }
    for f in &b.files {
        let path = match (&f.path, no_paths) {
            (Some(p), _) => p.clone(),
            (None, true) => format!("inode {}", f.ino),
            (None, false) => format!("inode {} (path not found)", f.ino),
        };
        out.push_str(&format!(
            "    file     {path}: ino {} {}{}; {}\n",
            f.ino,
            units::bytes_text(Some(f.offset), Some(f.length)),
            match f.mapped {
                Some(true) => ", mapped",
                Some(false) => ", not mapped",
                None => "",
            },
            fs_text(&f.fs)
        ));
    }
    for m in &b.metadata {
        out.push_str(&format!("    metadata {}: {}\n", m.what, fs_text(&m.fs)));
    }
    for u in &b.unowned {
        let at = units::sectors_text(u.sector_top, u.sectors);
        let sep = if at.is_empty() { "" } else { ": " };
        out.push_str(&format!(
            "    unowned  {at}{sep}no owner known; {}\n",
            fs_text(&u.fs)
        ));
    }
    for u in &b.unmapped {
        match u.sectors {
            Some(_) => out.push_str(&format!(
                "    unmapped {}: nothing above uses them\n",
                units::sectors_text(None, u.sectors)
            )),
            None => out.push_str("    unmapped nothing above uses it\n"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    pub const SPEC: &str = "# daxhold poison v1
bad pmem0 sector=64 sectors=8 since=12
top pmem0 sector=64 dev=dm-0 devt=254:0 top_sector=2112 sectors=8 depth=2 chain=pmem0>pmem0p1>dm-0
file pmem0 sector=64 fsdev=254:0 fs=ext4 ino=12 offset=0x3000 len=0x1000 mapped=1
metadata pmem0 sector=64 fsdev=254:0 fs=ext4 what=inode_table_group_0
unowned pmem0 sector=64 fsdev=254:0 fs=xfs sector_top=2112 sectors=8
unmapped pmem0 sector=0 sectors=8
";

    fn report(t: &str) -> Result<Vec<Disk>> {
        from_records(&parse("/proc/fs/daxhold/poison", "poison", t)?)
    }

    #[test]
    fn spec_example() {
        let d = report(SPEC).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].badblock_count, 2);
        let b = &d[0].badblocks[0];
        assert_eq!((b.offset, b.length, b.since), (64, Some(8), Some(12)));
        assert_eq!(b.tops[0].chain, ["pmem0", "pmem0p1", "dm-0"]);
        assert_eq!(b.files[0].offset, 0x3000);
        assert_eq!(b.files[0].mapped, Some(true));
        assert_eq!(b.metadata[0].what, "inode_table_group_0");
        assert_eq!(b.unowned[0].sector_top, Some(2112));
        assert_eq!(d[0].badblocks[1].unmapped[0].sectors, Some(8));
        assert_eq!(d[0].badblocks[1].length, None);
    }

    #[test]
    fn text() {
        let d = report(SPEC).unwrap();
        assert_eq!(
            render(&d, true),
            "pmem0: 2 bad ranges
  sector 64 sectors 8 (bytes 0x8000 len 0x1000), since generation 12
    top      dm-0 (254:0) sector 2112 sectors 8 (bytes 0x108000 len 0x1000) depth 2: pmem0 > pmem0p1 > dm-0
    file     inode 12: ino 12 bytes 0x3000 len 0x1000, mapped; ext4 on 254:0, not mounted
    metadata inode_table_group_0: ext4 on 254:0, not mounted
    unowned  sector 2112 sectors 8 (bytes 0x108000 len 0x1000): no owner known; xfs on 254:0, not mounted
  sector 0 (bytes 0x0)
    unmapped sectors 8 (0x1000 bytes): nothing above uses them
"
        );
        assert_eq!(
            render(&[], false),
            "no known poison on the held pmem disks\n"
        );
    }

    #[test]
    fn malformed_and_unknown() {
        let e = report("# daxhold poison v1\nbad pmem0 sectors=8\n").unwrap_err();
        assert_eq!(
            e.to_string(),
            "/proc/fs/daxhold/poison:2: malformed line: no sector= field"
        );
        let e = report("# daxhold poison v1\nfile pmem0 sector=1 fsdev=1:1 ino=x offset=0 len=0\n")
            .unwrap_err();
        assert!(e.to_string().contains("ino=x is not a number"));
        let e = report("# daxhold poison v1\n12 pmem0 sector=1\n").unwrap_err();
        assert!(e.to_string().contains(":2: "));
        let d =
            report("# daxhold poison v1\nnewkind a b c\nbad pmem1 sector=1 sectors=1 newkey=2\n")
                .unwrap();
        assert_eq!(d[0].dev, "pmem1");
    }
}
