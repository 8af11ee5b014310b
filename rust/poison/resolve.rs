// SPDX-License-Identifier: GPL-2.0

//! The owners of the damaged bytes at each top of the stack, one
//! filesystem at a time: pages processes map (the DAX index, which also
//! signals early-kill mappers under the `kill` policy), in-core DAX files
//! whose extents (FIEMAP) lie on them, ext4/ext2 metadata, or nobody.

use core::sync::atomic::Ordering;

use kernel::alloc::KVec;
use kernel::error::{code, code::ENOMEM, Result};
use kernel::prelude::*;

use super::control::{policy, SIGNALLED, SIGNAL_ERRORS};
use super::finding::{Finding, Findings, Kind, Text, FS, NAME};
use crate::abstractions::fs::Inode;
use crate::abstractions::mm::MfFlags;
use crate::errno;
use crate::kill::mf_dax_kill_procs;
use crate::owners::index::{self, Sb, PAGE_SHIFT};
use crate::owners::Disk;
use crate::owners::Piece;
use crate::poison::ffi as bb;
use crate::pure::badblocks::{file_hit, intersect, BadblocksPolicy, FileExtent};
use crate::pure::stack::DevId;

/// A top of the stack to resolve: `len` damaged bytes of device
/// `base.key.dev` from `offset`.
pub(super) struct Pending {
    /// The records its owners get (kind, fs, ino, offset, len set later).
    pub(super) base: Finding,
    pub(super) offset: u64,
    pub(super) len: u64,
    /// Sectors on the top device (for `unowned`).
    pub(super) sectors: u64,
    /// The bad pages' pfns `[lo, hi]` on the pmem, if known.
    pub(super) pfns: Option<(u64, u64)>,
    /// Its bad range is new in this scan (`kill` acts on those only).
    pub(super) fresh: bool,
}

/// The pfns `[lo, hi]` of the pages holding pmem bytes `[offset, offset +
/// len)`.
pub(super) fn page_pfns(h: &Disk<'_>, offset: u64, len: u64) -> Result<(u64, u64)> {
    let first = offset >> PAGE_SHIFT;
    let pages = offset
        .checked_add(len)
        .ok_or(code::ERANGE)?
        .div_ceil(1 << PAGE_SHIFT)
        .saturating_sub(first);
    if pages == 0 {
        return Err(code::EINVAL);
    }
    let lo = bad_pfn(h, first, pages)?;
    let hi = lo.checked_add(pages - 1).ok_or(code::ERANGE)?;
    Ok((lo, hi))
}

/// Resolve every pending top, one filesystem at a time: DAX entries for
/// mapped pages, one walk of the filesystem's in-core DAX files (FIEMAP)
/// for all its damaged pieces together, ext4/ext2 metadata, or nobody.
#[inline(never)]
pub(super) fn resolve_tops(new: &mut Findings) -> Result {
    let mut pending = core::mem::take(&mut new.pending);
    crate::pure::nopanic::sort_by_key(pending.as_mut_slice(), |p| (p.base.key.dev, p.offset));
    let mut rest = pending.as_slice();
    while let Some(first) = rest.first() {
        let dev = first.base.key.dev;
        let n = rest
            .iter()
            .position(|p| p.base.key.dev != dev)
            .unwrap_or(rest.len());
        let (group, tail) = rest.split_at(n);
        rest = tail;
        resolve_dev(DevId(dev), group, new)?;
    }
    Ok(())
}

/// Resolve the pending tops `group` (sorted by offset, disjoint) of `dev`:
/// (a) the pages processes map, (b) in-core files whose extents lie on
/// any damaged piece (one walk of the filesystem), (c) mapped pages of
/// files FIEMAP did not name and ext4/ext2 metadata, else nobody.
fn resolve_dev(dev: DevId, group: &[Pending], new: &mut Findings) -> Result {
    let mut d = DevResolve::new(dev, group, new)?;
    let before = new.list.len();
    index::sb_on(dev.0, |sb| {
        d.fs = Text::new(sb.fs);
        d.files(sb, new)?;
        for (i, p) in group.iter().enumerate() {
            d.unnamed_mapped(i, p, before, new);
            d.metadata(sb, i, p, new);
        }
        Ok(())
    })?;
    // Nobody: free space, a file not in memory, or no filesystem at all.
    for (p, _) in group.iter().zip(d.owned.iter()).filter(|(_, o)| !**o) {
        let mut f = p.base;
        f.fs = d.fs;
        f.key.kind = Kind::Unowned;
        f.key.sectors = p.sectors;
        new.push(f);
    }
    Ok(())
}

/// One device's resolution in progress.
struct DevResolve<'a> {
    dev: DevId,
    /// Its pending tops.
    group: &'a [Pending],
    /// The pages processes map, by index in `group`.
    mapped: KVec<(usize, MappedPages)>,
    /// Which tops have an owner.
    owned: KVec<bool>,
    /// The filesystem's name (`none` if there is none).
    fs: Text<FS>,
}

impl<'a> DevResolve<'a> {
    /// (a) The mapped pages of every top, from the DAX entries, as the
    /// failure path finds them.
    fn new(dev: DevId, group: &'a [Pending], new: &mut Findings) -> Result<Self> {
        let mut mapped = KVec::new();
        for (i, p) in group.iter().enumerate() {
            let Some((lo, hi)) = p.pfns else { continue };
            let kill = p.fresh && policy() == BadblocksPolicy::Kill;
            match mapped_pages(p.base.key.pmem, lo, hi, kill, dev) {
                Ok(m) => {
                    for m in m.iter() {
                        mapped.push((i, *m), GFP_KERNEL)?;
                    }
                }
                Err(e) if e == ENOMEM => new.no_memory("the mapped pages"),
                Err(e) => pr_warn!(
                    "{}: badblocks: sector {}: mapped pages not looked up ({}); files are still found by their extents\n",
                    p.base.key.pmem,
                    p.base.key.sector,
                    errno::Name(e)
                ),
            }
        }
        Ok(DevResolve {
            dev,
            group,
            mapped,
            owned: KVec::from_elem(false, group.len(), GFP_KERNEL)?,
            fs: Text::new("none"),
        })
    }

    fn own(&mut self, i: usize) {
        if let Some(o) = self.owned.get_mut(i) {
            *o = true;
        }
    }

    fn is_mapped(&self, i: usize, ino: u64, offset: u64, len: u64) -> bool {
        self.mapped.iter().any(|(j, m)| {
            *j == i
                && m.ino == ino
                && intersect(
                    (m.pgoff << PAGE_SHIFT, m.count << PAGE_SHIFT),
                    (offset, len),
                )
                .is_some()
        })
    }

    /// (b) The in-core DAX files of `sb` whose extents lie on a damaged
    /// piece; a filesystem without ->fiemap (or no fiemap probe) has only
    /// its mapped files found, with one line.
    fn files(&mut self, sb: &Sb<'_>, new: &mut Findings) -> Result {
        bb::for_each_dax_file(sb, |file| {
            let ino = file.ino();
            file.for_each_extent(|ext| {
                self.extent(ino, ext, new);
                Ok(())
            })
        })
        .or_else(|e| {
            if e != crate::errno::eopnotsupp() {
                return Err(e);
            }
            pr_warn!(
                "badblocks: the {} filesystem on {}:{} cannot list its files' extents; only mapped files are found\n",
                sb.fs,
                self.dev.0 >> 20,
                self.dev.0 & 0xfffff
            );
            Ok(())
        })
    }

    /// The findings of extent `ext` of file `ino`: one per damaged piece it
    /// lies on.
    fn extent(&mut self, ino: u64, ext: FileExtent, new: &mut Findings) {
        let end = ext.physical.saturating_add(ext.len);
        // The first piece that ends after the extent starts.
        let group = self.group;
        let from = group.partition_point(|p| p.offset.saturating_add(p.len) <= ext.physical);
        // Indices by hand: `enumerate()` counts with a checked add.
        let mut i = from;
        while let Some(p) = group.get(i) {
            if p.offset >= end {
                break;
            }
            let here = i;
            i = i.saturating_add(1);
            if let Some((offset, len)) = file_hit(ext, (p.offset, p.len)) {
                let mut f = p.base;
                f.fs = self.fs;
                f.key.ino = ino;
                f.key.offset = offset;
                f.key.len = len;
                f.mapped = self.is_mapped(here, ino, offset, len);
                new.push_file(f);
                self.own(here);
            }
        }
    }

    /// (c) The mapped pages of top `i` (`p`) whose file FIEMAP did not
    /// name among the findings from `before` on.
    fn unnamed_mapped(&mut self, i: usize, p: &Pending, before: usize, new: &mut Findings) {
        let mut named_any = false;
        for (_, m) in self.mapped.iter().filter(|(j, _)| *j == i) {
            let named = new.list.get(before..).unwrap_or(&[]).iter().any(|f| {
                f.key.kind == Kind::File
                    && f.key.ino == m.ino
                    && f.key.pmem == p.base.key.pmem
                    && f.key.sector == p.base.key.sector
            });
            if !named {
                let mut f = p.base;
                f.fs = self.fs;
                f.key.ino = m.ino;
                f.key.offset = m.pgoff << PAGE_SHIFT;
                f.key.len = m.count << PAGE_SHIFT;
                f.mapped = true;
                new.push(f);
                named_any = true;
            }
        }
        if named_any {
            self.own(i);
        }
    }

    /// (c) ext4/ext2 metadata on top `i` (`p`).
    fn metadata(&mut self, sb: &Sb<'_>, i: usize, p: &Pending, new: &mut Findings) {
        if !matches!(sb.fs, "ext4" | "ext2") {
            return;
        }
        let piece = Piece {
            dev: self.dev,
            offset: p.offset,
            len: p.len,
        };
        match crate::owners::metadata::find(sb, &piece) {
            Ok(Some(meta)) => {
                let mut f = p.base;
                f.fs = self.fs;
                f.key.kind = Kind::Metadata;
                f.key.what = Text::word(meta.what);
                new.push(f);
                self.own(i);
            }
            Ok(None) => {}
            Err(e) if e == ENOMEM => new.no_memory("the filesystem layout"),
            Err(e) => pr_warn!(
                "{}: badblocks: cannot read the layout of {} ({}); metadata not checked\n",
                p.base.key.pmem,
                p.base.devname,
                errno::Name(e)
            ),
        }
    }
}

/// Pages of a file that some process maps over the bad range.
#[derive(Clone, Copy)]
struct MappedPages {
    ino: u64,
    pgoff: u64,
    count: u64,
}

/// The pages of files on `dev` that processes map over the bad pfns
/// `[lo, hi]` of the pmem `pmem`, from the DAX entries of its in-core
/// files, as a failure there would find them. With `kill` (the `kill`
/// policy, a range seen for the first time), the early-kill tasks mapping
/// them are signalled (`BUS_MCEERR_AO`).
fn mapped_pages(
    pmem: Text<NAME>,
    lo: u64,
    hi: u64,
    kill: bool,
    dev: DevId,
) -> Result<KVec<MappedPages>> {
    let mut out = KVec::new();
    index::sb_on(dev.0, |sb| {
        sb.dax_owners(lo, hi, |inode, o| {
            let m = MappedPages {
                ino: inode.ino(),
                pgoff: o.pgoff,
                count: o.count,
            };
            out.push(m, GFP_KERNEL)?;
            if kill {
                signal_early(pmem, dev, inode, &m);
            }
            Ok(())
        })
        .map(|_| ())
    })?;
    Ok(out)
}

/// Signal the early-kill tasks that map `m` of `inode`: action optional
/// (no MF_ACTION_REQUIRED), as memory_failure() does for an error found by
/// a scrub.
fn signal_early(pmem: Text<NAME>, dev: DevId, inode: &Inode, m: &MappedPages) {
    let sent = mf_dax_kill_procs(inode, m.pgoff, m.count, MfFlags::from_raw(0));
    SIGNALLED.fetch_add(1, Ordering::Relaxed);
    if sent.is_err() {
        SIGNAL_ERRORS.fetch_add(1, Ordering::Relaxed);
    }
    let rc = errno::of(sent);
    pr_warn!(
        "{}: badblocks: dev {}:{} ino {} pgoff {} pages {}: early-kill mappers signalled ({})\n",
        pmem,
        dev.0 >> 20,
        dev.0 & 0xfffff,
        m.ino,
        m.pgoff,
        m.count,
        rc
    );
}

/// The pfn of page `first` of `h`'s disk, the first of `pages` bad ones.
/// The pmem driver refuses direct access to a bad page (`-EHWPOISON`, or
/// `-EIO` under nfit_test), so its pfn is taken from the good pages on
/// both sides, when they are exactly `pages + 1` apart (a linear range, as
/// a real pmem's data area is; nfit_test's vmalloc-backed one is not, and
/// then `ENXIO`: nothing can map a bad page there anyway).
fn bad_pfn(h: &Disk<'_>, first: u64, pages: u64) -> Result<u64> {
    if let Ok(pfn) = index::dax_pfn(h.dax, first) {
        return Ok(pfn);
    }
    let before = first.checked_sub(1).ok_or(code::ENXIO)?;
    let after = first.checked_add(pages).ok_or(code::ENXIO)?;
    let p = index::dax_pfn(h.dax, before)?;
    let q = index::dax_pfn(h.dax, after)?;
    match q.checked_sub(p) {
        Some(d) if d == pages.saturating_add(1) => p.checked_add(1).ok_or(code::ERANGE),
        _ => Err(code::ENXIO),
    }
}
