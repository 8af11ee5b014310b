// SPDX-License-Identifier: GPL-2.0

//! The reverse-map path: for the part of a failure that no filesystem
//! above could handle itself (ext4, ext2, XFS without rmapbt, or nothing
//! at all on a dm device or partition), find every file that maps the
//! failed pages in the DAX index and kill the tasks that map them, by
//! `<mapping, index, count>`, never from `struct page`: the tasks of every
//! owner are collected first into one kill set, each owner's pages are
//! unmapped, then each task is signalled once (Documentation/design.rst,
//! "Kill semantics"); `mf_dax_kill_procs()` is the fallback when the set
//! cannot grow.
//!
//! The owners are read at failure time from the DAX entries of the
//! in-core inodes of the filesystem on each declined device
//! (`index::Sb::dax_owners`, Documentation/design.rst, "Where the
//! owners come from"): nothing runs on a fault, an I/O or an eviction.
//!
//! - `walk`: the owners of the failed pfns, from each filesystem on a
//!   device nobody above handled;
//! - `kill`: one failure's kills ([`Kill`]): each owner's tasks collected,
//!   its pages unmapped, then each task signalled once.

pub(crate) mod index;
pub(crate) mod metadata;
mod walk;

use core::fmt::Write;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use kernel::error::{code, Result};
use kernel::prelude::*;

use crate::abstractions::dax::DaxRef;
use crate::abstractions::mm::MfFlags;
use crate::errno;
use crate::kill::KillState;
use crate::observe::events::Log;
use crate::observe::trace::{self, NoFile};
use crate::pure::events::What;
use crate::pure::notify::{Extent, Failure, Kind};
use crate::pure::policy::MetadataPolicy;
use crate::pure::stack::DevId;
use index::PAGE_SHIFT;

use crate::kill::Kill;
use walk::{walk, Walked};

/// What the reverse-map path has done since load, for the holders file.
#[derive(Default)]
pub(crate) struct OwnerStats {
    /// Failures it was asked about.
    pub(crate) queries: AtomicU64,
    /// Filesystems walked for owners, and the in-core inodes looked at.
    pub(crate) walks: AtomicU64,
    pub(crate) inodes: AtomicU64,
    /// Filesystems whose owners the failed pages' own association named
    /// (no page shared by reflink), without a walk.
    pub(crate) direct: AtomicU64,
    /// Failures where no file maps the pages.
    pub(crate) unowned: AtomicU64,
    /// Failures in filesystem metadata, and the shutdowns they caused.
    pub(crate) metadata: AtomicU64,
    pub(crate) shutdowns: AtomicU64,
}

/// The reverse-map state: its counters, the kill set storage and the
/// metadata policy.
pub(crate) struct Owners {
    pub(crate) stats: OwnerStats,
    /// The kills' storage and counters.
    pub(crate) kill: KillState,
    /// [`MetadataPolicy`]: 0 shutdown, 1 report.
    metadata: AtomicU8,
}

impl Owners {
    /// No kill set storage yet, metadata policy `shutdown`.
    pub(crate) fn new() -> Result<Self> {
        Ok(Owners {
            kill: KillState::new()?,
            stats: OwnerStats::default(),
            metadata: AtomicU8::new(0),
        })
    }

    /// Switch the metadata policy.
    pub(crate) fn set_metadata(&self, p: MetadataPolicy) {
        let code = match p {
            MetadataPolicy::Shutdown => 0,
            MetadataPolicy::Report => 1,
        };
        self.metadata.store(code, Ordering::Relaxed);
    }

    /// The metadata policy.
    pub(crate) fn metadata(&self) -> MetadataPolicy {
        match self.metadata.load(Ordering::Relaxed) {
            0 => MetadataPolicy::Shutdown,
            _ => MetadataPolicy::Report,
        }
    }
}

/// The `index` file: one line of `key=value` pairs (without its newline:
/// the known-poison counters follow on the same line).
pub(crate) fn status(owners: &Owners, out: &mut impl Write) -> core::fmt::Result {
    let s = &owners.stats;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    write!(
        out,
        "queries={} walks={} inodes={} owners={} direct={} unowned={} kill_errors={} signalled={} kill_fallbacks={} metadata_hits={} shutdowns={} metadata={}",
        get(&s.queries),
        get(&s.walks),
        get(&s.inodes),
        get(&owners.kill.owners),
        get(&s.direct),
        get(&s.unowned),
        get(&owners.kill.errors),
        get(&owners.kill.signalled),
        get(&owners.kill.fallbacks),
        get(&s.metadata),
        get(&s.shutdowns),
        owners.metadata().name(),
    )
}

/// A held pmem disk, as the stages below the holder see it (the reverse
/// map for a failure, the known-poison scan for each held disk).
#[derive(Clone, Copy)]
pub(crate) struct Disk<'a> {
    /// Its name, for the log.
    pub(crate) name: &'a str,
    /// Its dev_t, for the trace events.
    pub(crate) devt: u32,
    /// Its dax_device, for the failed pfns.
    pub(crate) dax: &'a DaxRef,
}

/// The pfns a failure covers: `[lo, hi]`.
fn pfn_range(disk: &Disk<'_>, failure: &Failure, disk_bytes: u64) -> Result<(u64, u64)> {
    let (offset, len) = match failure.extent {
        Extent::Range { .. } => failure.extent.offset_len(),
        Extent::WholeDevice => (0, disk_bytes),
    };
    let first = offset >> PAGE_SHIFT;
    let end = offset
        .checked_add(len)
        .ok_or(code::ERANGE)?
        .div_ceil(1 << PAGE_SHIFT);
    let pages = end
        .checked_sub(first)
        .filter(|&p| p > 0)
        .ok_or(code::EINVAL)?;
    let lo = index::dax_pfn(disk.dax, first)?;
    // pages > 0 (filtered above): the subtraction never saturates.
    let hi = lo
        .checked_add(pages.saturating_sub(1))
        .ok_or(code::ERANGE)?;
    Ok((lo, hi))
}

/// A piece of a failure at the top of the stack: bytes `[offset, offset +
/// len)` of `dev`.
#[derive(Clone, Copy, Default)]
pub(crate) struct Piece {
    pub(crate) dev: DevId,
    pub(crate) offset: u64,
    pub(crate) len: u64,
}

/// What the tops of the stack did with a failure.
pub(crate) struct Tops<'a> {
    /// Devices whose filesystem handled its part.
    pub(crate) handled: &'a [DevId],
    /// Pieces nobody above handled.
    pub(crate) declined: &'a [Piece],
    /// Whole devices (pre-remove) nobody above handled.
    pub(crate) whole: &'a [DevId],
}

/// Kill the tasks mapping the failed pages of `holder`'s disk, for every
/// in-core file on a declined device whose DAX entries map them (files on
/// `tops.handled` devices had their filesystem handle its part); if no
/// file maps them, check the declined pieces for filesystem metadata.
/// Returns `Ok` when done (also when nothing owns them), the first kill
/// error otherwise, and `EOPNOTSUPP` if the owners cannot be read or no
/// filesystem daxhold serves is there (then the kernel's per-page path
/// runs).
pub(crate) fn handle(
    owners: &Owners,
    log: &Log<'_>,
    disk: &Disk<'_>,
    failure: &Failure,
    disk_bytes: u64,
    mf_flags: MfFlags,
    tops: &Tops<'_>,
) -> Result {
    let name = disk.name;
    owners.stats.queries.fetch_add(1, Ordering::Relaxed);
    let (lo, hi) = match pfn_range(disk, failure, disk_bytes) {
        Ok(r) => r,
        Err(e) => {
            pr_err!(
                "{name}: no pfn for the failed range ({}); left to the kernel\n",
                errno::Name(e)
            );
            return Err(errno::eopnotsupp());
        }
    };
    let pre_remove = failure.kind == Kind::PreRemove;
    let mut kill = Kill::new(
        &owners.kill,
        log,
        name,
        pre_remove,
        mf_flags,
        tops.handled,
        lo,
    );
    let walked = walk(&mut kill, &owners.stats, tops, lo, hi);
    if let Err(e) = walked.failed {
        pr_err!(
            "{name}: cannot read the owners of the failed pages ({}); {}\n",
            errno::Name(e),
            if kill.found == 0 {
                "left to the kernel"
            } else {
                "some may be missed"
            }
        );
    }
    kill.signal_all(name);
    if kill.pre_remove {
        log.add(What::PreRemoveOwners {
            ranges: kill.found,
            lo,
            hi,
        });
    }
    if kill.found == 0 {
        return no_owner(owners, log, disk, tops, &walked, (lo, hi));
    }
    kill.error.map_or(Ok(()), Err)
}

/// A failure of pfns `pfns` that no file maps: `EOPNOTSUPP` where the
/// kernel's own path may know better (no filesystem daxhold serves sits
/// there, or it could not be read); else the declined pieces are checked
/// for filesystem metadata, and if none is there the range is unowned.
/// Each outcome is also a `daxhold_owner` trace event with its kind.
fn no_owner(
    owners: &Owners,
    log: &Log<'_>,
    disk: &Disk<'_>,
    tops: &Tops<'_>,
    walked: &Walked,
    (lo, hi): (u64, u64),
) -> Result {
    let name = disk.name;
    // pfns `[lo, hi]`, as the trace events count them.
    let pages = hi.saturating_sub(lo).saturating_add(1);
    let no_file = |what| trace::no_file(log.seq, what, disk.devt, 0, pages, lo, 0);
    if walked.foreign {
        no_file(NoFile::NotOurs);
        log.add(What::NotOurs { lo, hi });
    }
    if walked.foreign || walked.failed.is_err() {
        return Err(errno::eopnotsupp());
    }
    let metadata = crate::pure::nopanic::count(
        tops.declined
            .iter()
            .filter(|p| crate::owners::metadata::check(owners, log.seq, name, p)),
    );
    if metadata == 0 {
        owners.stats.unowned.fetch_add(1, Ordering::Relaxed);
        no_file(NoFile::Unowned);
        log.add(What::Unowned { lo, hi });
    }
    Ok(())
}
