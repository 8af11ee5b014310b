// SPDX-License-Identifier: GPL-2.0

//! From a filesystem's `MAJ:MIN` and an inode number to a path: the mount
//! from /proc/self/mountinfo, then a bounded walk of that mount that never
//! crosses into another (st_dev check), matching inode numbers with
//! `symlink_metadata()` (no symlink is followed).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// One line of /proc/self/mountinfo, the fields used here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mount {
    /// `MAJ:MIN` of the filesystem.
    pub devt: String,
    /// The directory of the filesystem mounted here (`/` for its root).
    pub root: String,
    /// Where it is mounted.
    pub mountpoint: String,
    /// Filesystem type.
    pub fstype: String,
    /// Mount source (`/dev/mapper/vg-lv`).
    pub source: String,
}

/// mountinfo's octal escapes (`\040` for a space) undone.
fn unescape(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let oct = b
            .get(i + 1..i + 4)
            .filter(|d| d.iter().all(|c| (b'0'..=b'7').contains(c)));
        match (b.get(i), oct) {
            (Some(b'\\'), Some(d)) => {
                let v = d.iter().fold(0u32, |a, c| a * 8 + u32::from(c - b'0'));
                out.push(u8::try_from(v).unwrap_or(b'?'));
                i += 4;
            }
            (Some(c), _) => {
                out.push(*c);
                i += 1;
            }
            (None, _) => break,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mounts in mountinfo text; lines it cannot read are skipped.
pub fn mountinfo(text: &str) -> Vec<Mount> {
    let mut out = Vec::new();
    for l in text.lines() {
        let f: Vec<&str> = l.split(' ').collect();
        // id parent maj:min root mountpoint opts [optional...] - type source superopts
        let Some(sep) = f.iter().position(|x| *x == "-") else {
            continue;
        };
        if sep < 6 {
            continue;
        }
        let (Some(devt), Some(root), Some(mp), Some(ty)) =
            (f.get(2), f.get(3), f.get(4), f.get(sep + 1))
        else {
            continue;
        };
        out.push(Mount {
            devt: devt.to_string(),
            root: unescape(root),
            mountpoint: unescape(mp),
            fstype: ty.to_string(),
            source: f.get(sep + 2).map(|s| unescape(s)).unwrap_or_default(),
        });
    }
    out
}

/// The mount of filesystem `devt`, preferring one of its root directory.
pub fn find<'a>(mounts: &'a [Mount], devt: &str) -> Option<&'a Mount> {
    let mut it = mounts.iter().filter(|m| m.devt == devt);
    let first = it.clone().next();
    it.find(|m| m.root == "/").or(first)
}

/// What a walk found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Inode -> first path found (as seen from `mountpoint`).
    pub paths: BTreeMap<u64, String>,
    /// The walk stopped at its limit before finding them all.
    pub truncated: bool,
}

/// Walk the tree at `dir` (below the tool's root; shown as `shown`),
/// staying on its device, for the inodes in `want`, visiting at most
/// `limit` entries.
pub fn resolve(dir: &Path, shown: &str, want: &BTreeSet<u64>, limit: u64) -> Found {
    let mut found = Found::default();
    let Ok(top) = fs::symlink_metadata(dir) else {
        return found;
    };
    let dev = top.dev();
    let mut stack: Vec<(PathBuf, String)> =
        vec![(dir.to_path_buf(), shown.trim_end_matches('/').to_string())];
    let mut seen: u64 = 0;
    while let Some((d, name)) = stack.pop() {
        let Ok(rd) = fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            if found.paths.len() == want.len() {
                return found;
            }
            seen = seen.saturating_add(1);
            if seen > limit {
                found.truncated = true;
                return found;
            }
            let p = e.path();
            let Ok(md) = fs::symlink_metadata(&p) else {
                continue;
            };
            if md.dev() != dev {
                continue; // another mount: not this filesystem
            }
            let child = format!("{name}/{}", e.file_name().to_string_lossy());
            if want.contains(&md.ino()) && !found.paths.contains_key(&md.ino()) {
                found.paths.insert(md.ino(), child.clone());
            }
            if md.is_dir() {
                stack.push((p, child));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const MI: &str = "22 1 0:5 / /proc rw,nosuid - proc proc rw
30 22 254:0 / /mnt/my\\040dir rw,relatime shared:1 - ext4 /dev/mapper/lv rw,dax=always
31 22 254:0 /sub /bind rw - ext4 /dev/mapper/lv rw
32 22 259:1 /x /other rw - xfs /dev/pmem0p1 rw
garbage
";

    #[test]
    fn parse_mountinfo() {
        let m = mountinfo(MI);
        assert_eq!(m.len(), 4);
        assert_eq!(m[1].mountpoint, "/mnt/my dir");
        assert_eq!(m[1].fstype, "ext4");
        assert_eq!(m[1].source, "/dev/mapper/lv");
        assert_eq!(
            find(&m, "254:0").map(|m| m.mountpoint.as_str()),
            Some("/mnt/my dir")
        );
        assert_eq!(
            find(&m, "259:1").map(|m| m.mountpoint.as_str()),
            Some("/other")
        );
        assert_eq!(find(&m, "1:1"), None);
        assert_eq!(unescape("a\\134b\\"), "a\\b\\");
    }

    #[test]
    fn walk() {
        let t = std::env::temp_dir().join(format!("daxhold-paths-{}", std::process::id()));
        let _ = fs::remove_dir_all(&t);
        fs::create_dir_all(t.join("a/b")).unwrap();
        fs::write(t.join("a/b/f"), b"x").unwrap();
        fs::write(t.join("g"), b"y").unwrap();
        std::os::unix::fs::symlink("a/b/f", t.join("link")).unwrap();
        let ino = |p: &str| fs::symlink_metadata(t.join(p)).unwrap().ino();
        let want: BTreeSet<u64> = [ino("a/b/f"), ino("g"), ino("link")].into_iter().collect();
        let f = resolve(&t, "/mnt/", &want, 1000);
        assert_eq!(
            f.paths.get(&ino("a/b/f")).map(String::as_str),
            Some("/mnt/a/b/f")
        );
        assert_eq!(f.paths.get(&ino("g")).map(String::as_str), Some("/mnt/g"));
        assert_eq!(
            f.paths.get(&ino("link")).map(String::as_str),
            Some("/mnt/link")
        );
        assert!(!f.truncated);
        let f = resolve(&t, "/mnt", &[ino("a/b/f")].into_iter().collect(), 1);
        assert!(f.truncated || f.paths.len() == 1);
        let f = resolve(&t, "/mnt", &[u64::MAX].into_iter().collect(), 1000);
        assert!(f.paths.is_empty() && !f.truncated);
        fs::remove_dir_all(&t).unwrap();
    }
}
