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
//! (`ffi::index::Sb::dax_owners`, Documentation/design.rst, "Where the
//! owners come from"): nothing runs on a fault, an I/O or an eviction.

use core::fmt::Write;
use core::num::NonZeroU64;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use kernel::ffi::c_int;

use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::Mutex;

use crate::errno::{self, EOPNOTSUPP};
use crate::ffi::index::{self, Inode, Lookup, PAGE_SHIFT};
use crate::ffi::kill::{self as killffi, Collector, Spare};
use crate::holder::Holder;
use crate::notify::Log;
use crate::pure::daxowner::Owner;
use crate::pure::events::{Name, What};
use crate::pure::killset;
use crate::pure::notify::{Extent, Failure, Kind};
use crate::pure::policy::MetadataPolicy;
use crate::pure::stack::DevId;
use crate::signal;
use crate::trace;

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
    /// `<file, range>` owners found (and their tasks signalled).
    pub(crate) owners: AtomicU64,
    /// Failures where no file maps the pages.
    pub(crate) unowned: AtomicU64,
    /// `mf_dax_kill_procs()` calls that failed.
    pub(crate) kill_errors: AtomicU64,
    /// Tasks signalled by daxhold's own kill (once per failure each).
    pub(crate) signalled: AtomicU64,
    /// Failures where the kill set could not be allocated or grown, and
    /// `mf_dax_kill_procs()` ran for the owners not yet collected.
    pub(crate) kill_fallbacks: AtomicU64,
    /// Failures in filesystem metadata, and the shutdowns they caused.
    pub(crate) metadata: AtomicU64,
    pub(crate) shutdowns: AtomicU64,
}

/// The reverse-map state: its counters, the kill set storage and the
/// metadata policy.
pub(crate) struct Owners {
    pub(crate) stats: OwnerStats,
    /// The last failure's kill set storage, for the next one.
    spare: Pin<KBox<Mutex<Option<Spare>>>>,
    /// [`MetadataPolicy`]: 0 shutdown, 1 report.
    metadata: AtomicU8,
}

impl Owners {
    /// No kill set storage yet, metadata policy `shutdown`.
    pub(crate) fn new() -> Result<Self> {
        let spare = KBox::pin_init(kernel::new_mutex!(None), GFP_KERNEL)?;
        Ok(Owners {
            spare,
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
        get(&s.owners),
        get(&s.direct),
        get(&s.unowned),
        get(&s.kill_errors),
        get(&s.signalled),
        get(&s.kill_fallbacks),
        get(&s.metadata),
        get(&s.shutdowns),
        owners.metadata().name(),
    )
}

/// The pfns a failure covers: `[lo, hi]`.
fn pfn_range(holder: &Holder, failure: &Failure, disk_bytes: u64) -> Result<(u64, u64)> {
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
    let lo = index::dax_pfn(holder.dax(), first)?;
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

impl Tops<'_> {
    /// Calls `f` on each device whose filesystem may own the failed pages:
    /// those of the declined pieces and the whole devices, each once.
    fn for_each_dev(&self, mut f: impl FnMut(DevId)) {
        let mut rest = self.declined;
        while let Some((p, tail)) = rest.split_first() {
            if !tail.iter().any(|q| q.dev == p.dev) && !self.whole.contains(&p.dev) {
                f(p.dev);
            }
            rest = tail;
        }
        let mut rest = self.whole;
        while let Some((d, tail)) = rest.split_first() {
            if !tail.contains(d) {
                f(*d);
            }
            rest = tail;
        }
    }
}

/// Kill the tasks mapping the failed pages of `holder`'s disk, for every
/// in-core file on a declined device whose DAX entries map them (files on
/// `tops.handled` devices had their filesystem handle its part); if no
/// file maps them, check the declined pieces for filesystem metadata.
/// Returns 0 when done (also when nothing owns them), the first kill error
/// otherwise, and `-EOPNOTSUPP` if the owners cannot be read or no
/// filesystem daxhold serves is there (then the kernel's per-page path
/// runs).
pub(crate) fn handle(
    owners: &Owners,
    log: &Log<'_>,
    holder: &Holder,
    failure: &Failure,
    disk_bytes: u64,
    mf_flags: c_int,
    tops: &Tops<'_>,
) -> c_int {
    let name = holder.name();
    owners.stats.queries.fetch_add(1, Ordering::Relaxed);
    let (lo, hi) = match pfn_range(holder, failure, disk_bytes) {
        Ok(r) => r,
        Err(e) => {
            pr_err!(
                "{name}: no pfn for the failed range ({}); left to the kernel\n",
                errno::Name(e)
            );
            return EOPNOTSUPP;
        }
    };
    let pre_remove = failure.kind == Kind::PreRemove;
    let mut kill = Kill::new(owners, log, name, pre_remove, mf_flags, tops.handled, lo);
    let walked = walk(&mut kill, tops, lo, hi);
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
        return no_owner(owners, log, name, tops, &walked, (lo, hi));
    }
    kill.error.unwrap_or(0)
}

/// A failure of pfns `pfns` that no file maps: `-EOPNOTSUPP` where the
/// kernel's own path may know better (no filesystem daxhold serves sits
/// there, or it could not be read); else the declined pieces are checked
/// for filesystem metadata, and if none is there the range is unowned.
fn no_owner(
    owners: &Owners,
    log: &Log<'_>,
    name: &str,
    tops: &Tops<'_>,
    walked: &Walked,
    (lo, hi): (u64, u64),
) -> c_int {
    if walked.foreign {
        log.add(What::NotOurs { lo, hi });
    }
    if walked.foreign || walked.failed.is_err() {
        return EOPNOTSUPP;
    }
    let metadata = crate::pure::nopanic::count(
        tops.declined
            .iter()
            .filter(|p| crate::metadata::check(owners, name, p)),
    );
    if metadata == 0 {
        owners.stats.unowned.fetch_add(1, Ordering::Relaxed);
        log.add(What::Unowned { lo, hi });
    }
    0
}

/// What [`walk`] found besides the owners.
struct Walked {
    /// A device with no ext4, ext2 or XFS on it.
    foreign: bool,
    /// The first error of a walk (the rest were still walked).
    failed: Result,
}

/// Collect the owners of pfns `[lo, hi]` on every filesystem that sits on
/// a device of `tops` into `kill`.
fn walk(kill: &mut Kill<'_>, tops: &Tops<'_>, lo: u64, hi: u64) -> Walked {
    let mut w = Walked {
        foreign: false,
        failed: Ok(()),
    };
    tops.for_each_dev(|dev| {
        let found = index::sb_on(dev.0, |sb| {
            let lookup = sb.dax_owners(lo, hi, |inode, o| kill.owner(inode, o))?;
            let stats = &kill.owners.stats;
            match lookup {
                Lookup::Direct => stats.direct.fetch_add(1, Ordering::Relaxed),
                Lookup::Walked(scanned) => {
                    stats.inodes.fetch_add(scanned, Ordering::Relaxed);
                    stats.walks.fetch_add(1, Ordering::Relaxed)
                }
            };
            Ok(())
        });
        match found {
            Ok(true) => {}
            Ok(false) => w.foreign = true,
            Err(e) => w.failed = w.failed.and(Err(e)),
        }
    });
    w
}

/// One failure's kills.
struct Kill<'a> {
    owners: &'a Owners,
    log: &'a Log<'a>,
    pre_remove: bool,
    mf_flags: c_int,
    handled: &'a [DevId],
    found: u64,
    error: Option<c_int>,
    /// `vm.memory_failure_early_kill`, read at most once per failure: when
    /// the first owner that another process maps is collected.
    early_kill: Option<bool>,
    /// The kill set; `None` if it could not be allocated (the fallback:
    /// `mf_dax_kill_procs()` for each owner).
    collector: Option<Collector>,
    /// The kill set could not grow: `mf_dax_kill_procs()` for this owner
    /// and every later one; the tasks already in the set are still
    /// signalled from it (their owners' pages are unmapped already, so
    /// no later kill would find them).
    fallen_back: bool,
    /// The first failed pfn, for the kernel's kill line.
    pfn: u64,
}

impl<'a> Kill<'a> {
    /// One failure's kills, the kill set allocated now (GFP_KERNEL, process
    /// context) unless the last failure's storage will do; without it every
    /// owner takes the kernel's per-owner kill.
    fn new(
        owners: &'a Owners,
        log: &'a Log<'a>,
        name: &str,
        pre_remove: bool,
        mf_flags: c_int,
        handled: &'a [DevId],
        pfn: u64,
    ) -> Self {
        let spare = owners.spare.lock().take();
        let collector = Collector::new(spare)
            .inspect_err(|e| {
                owners.stats.kill_fallbacks.fetch_add(1, Ordering::Relaxed);
                pr_err!(
                    "{name}: no memory for the kill set ({}); the kernel's per-owner kill signals (a task may get one SIGBUS per owner)\n",
                    errno::Name(*e)
                );
            })
            .ok();
        Kill {
            owners,
            log,
            pre_remove,
            mf_flags,
            handled,
            found: 0,
            error: None,
            early_kill: None,
            collector,
            fallen_back: false,
            pfn,
        }
    }

    /// Collect the tasks that map `o` of `inode` into the kill set and
    /// unmap its pages; or, without a set, `mf_dax_kill_procs()`. 0 or a
    /// negative errno.
    fn collect(&mut self, inode: &Inode, o: &Owner) -> c_int {
        let c = match self.collector.as_mut() {
            Some(c) if !self.fallen_back => c,
            _ => {
                return signal::listen(self.log, || {
                    inode.kill_procs(o.pgoff, o.count, self.mf_flags)
                })
            }
        };
        // The sysctl only matters for processes other than the running
        // task's (which is picked itself); reading it costs a vfs read.
        let early_kill = match self.early_kill {
            _ if self.pre_remove => false,
            Some(v) => v,
            None if inode.only_current(o.pgoff, o.count) => false,
            None => *self.early_kill.insert(killffi::early_kill()),
        };
        match c.collect(inode, o.pgoff, o.count, self.pre_remove, early_kill) {
            Ok(shift) => {
                // Unmap always, also with no task collected: a retouch
                // faults anew instead of reading the poison through a
                // stale PTE.
                if let Some((start, len)) = killset::unmap_range(o.pgoff, o.count, shift) {
                    inode.unmap(start, len);
                }
                if !self.pre_remove {
                    killffi::mark_poison(o.pfn, o.count);
                }
                0
            }
            Err(e) => {
                // The tasks collected so far are still signalled once
                // each (signal_all); this owner and the rest take the
                // kernel's kill (duplicates possible, nobody missed).
                self.owners
                    .stats
                    .kill_fallbacks
                    .fetch_add(1, Ordering::Relaxed);
                pr_err!(
                    "kill set: {} at {} tasks ({}); the kernel's per-owner kill signals this owner and the rest\n",
                    c.failure(),
                    c.len(),
                    errno::Name(e)
                );
                self.fallen_back = true;
                signal::listen(self.log, || {
                    inode.kill_procs(o.pgoff, o.count, self.mf_flags)
                })
            }
        }
    }

    /// Signal every task of the kill set once, then drop the references:
    /// BUS_MCEERR_AR to the current task (`mf_dax_kill_procs()` makes every
    /// failure action required), forced if it blocks or ignores SIGBUS;
    /// BUS_MCEERR_AO to the others. A `signal` record each.
    fn signal_all(&mut self, name: &str) {
        let Some(c) = self.collector.take() else {
            return;
        };
        self.signal_each(name, &c);
        // The references dropped, the storage kept for the next failure.
        *self.owners.spare.lock() = c.into_spare();
    }

    /// [`Kill::signal_all`] for each task of `c`.
    fn signal_each(&mut self, name: &str, c: &Collector) {
        for (t, task) in c.targets() {
            let current = task.is_current();
            let code = killset::sig_code(true, current);
            let force = current && killset::must_force(code, killffi::current_blocks_sigbus());
            let (pid, comm) = task.pid_comm();
            trace::kill(self.log.seq, pid, &comm, code, t.addr, i32::from(t.shift));
            let comm = Name::from_comm(&comm);
            let rc = task.send_mceerr(code, t.addr, t.shift);
            if force {
                killffi::force_sigbus_current();
            }
            self.owners.stats.signalled.fetch_add(1, Ordering::Relaxed);
            self.log.add(What::Signal {
                pid,
                comm,
                code,
                addr: t.addr,
                lsb: i32::from(t.shift),
                kill_line: NonZeroU64::new(self.pfn),
            });
            if rc < 0 {
                pr_info!(
                    "{name}: error sending SIGBUS to pid {pid}: {}\n",
                    errno::Name(kernel::error::Error::from_errno(rc))
                );
                self.error.get_or_insert(rc);
            }
        }
    }

    /// Collect the tasks that map `o` of the (pinned) `inode`. Never
    /// fails: a kill error is kept for the caller, the walk goes on.
    fn owner(&mut self, inode: &Inode, o: Owner) -> Result {
        let dev = inode.dev();
        if self.handled.contains(&DevId(dev)) {
            return Ok(());
        }
        self.found = self.found.saturating_add(1);
        self.owners.stats.owners.fetch_add(1, Ordering::Relaxed);
        let rc = self.collect(inode, &o);
        if self.pre_remove {
            if let Err(e) = inode.invalidate(o.pgoff, o.count) {
                // Rare (a fault dirtied the entry again three times); the
                // file's eviction after the removal may then oops.
                pr_err!(
                    "pre-remove: DAX entries of dev {}:{} ino {} pages {}+{} not dropped ({}); evicting the file after the removal may crash\n",
                    dev >> 20,
                    dev & 0xfffff,
                    inode.ino(),
                    o.pgoff,
                    o.count,
                    errno::Name(e)
                );
            }
        }
        if rc != 0 {
            self.owners
                .stats
                .kill_errors
                .fetch_add(1, Ordering::Relaxed);
            self.error.get_or_insert(rc);
        }
        let found = trace::FileOwner {
            dev,
            ino: inode.ino(),
            pgoff: o.pgoff,
            count: o.count,
            pfn: o.pfn,
        };
        trace::owner(self.log.seq, &found, rc);
        if self.pre_remove && rc == 0 {
            // A whole device can have many owners: one summary line.
            return Ok(());
        }
        self.log.add(What::Owner {
            pfn: o.pfn,
            pages: o.count,
            dev,
            ino: inode.ino(),
            pgoff: o.pgoff,
            rc,
        });
        Ok(())
    }
}
