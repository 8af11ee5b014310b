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
//! The index (`ffi::index::Index`, Documentation/design.rst, "Where the
//! records come from") is kept up to date by the fault and eviction probes;
//! the failure path drains what they queued before it asks, so a mapping
//! made just before the failure is found.

use core::fmt::Write;
use core::ops::ControlFlow;
use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use kernel::ffi::c_int;

use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::Mutex;

use crate::errno::{self, EOPNOTSUPP};
use crate::ffi::index::{self, Index, Inode, Sb, PAGE_SHIFT};
use crate::ffi::kill::{self as killffi, Collector, Spare};
use crate::holder::Holder;
use crate::notify::Log;
use crate::pure::daxindex::Owner;
use crate::pure::events::{Name, What};
use crate::pure::killset;
use crate::pure::notify::{Extent, Failure, Kind};
use crate::pure::policy::MetadataPolicy;
use crate::pure::stack::DevId;

/// What the reverse-map path has done since load, for the holders file.
#[derive(Default)]
pub(crate) struct OwnerStats {
    /// Failures it was asked about.
    pub(crate) queries: AtomicU64,
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

/// The reverse-map state: the index, its counters and the metadata policy.
pub(crate) struct Owners {
    pub(crate) index: Pin<KBox<Mutex<Index>>>,
    pub(crate) stats: OwnerStats,
    /// The last failure's kill set storage, for the next one.
    spare: Pin<KBox<Mutex<Option<Spare>>>>,
    /// [`MetadataPolicy`]: 0 shutdown, 1 report.
    metadata: AtomicU8,
}

impl Owners {
    /// An empty index (built on first use) and its probes.
    pub(crate) fn new() -> Result<Self> {
        let index = KBox::pin_init(kernel::new_mutex!(Index::new()), GFP_KERNEL)?;
        let spare = KBox::pin_init(kernel::new_mutex!(None), GFP_KERNEL)?;
        Ok(Owners {
            index,
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

    /// Bring the index up to date (the drain work, and module load).
    pub(crate) fn sync(&self) -> Result {
        self.index.lock().sync()
    }
}

/// The `index` file: one line of `key=value` pairs (without its newline:
/// the known-poison counters follow on the same line).
pub(crate) fn status(owners: &Owners, out: &mut impl Write) -> core::fmt::Result {
    let (st, (mappings, bytes)) = {
        let index = owners.index.lock();
        (index.stats, index.size())
    };
    let s = &owners.stats;
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    write!(
        out,
        "mappings={mappings} bytes={bytes} filesystems={} faults={} evictions={} rebuilds={} gone={} dropped={} \
         queries={} owners={} unowned={} kill_errors={} signalled={} kill_fallbacks={} metadata_hits={} shutdowns={} metadata={}",
        st.watched,
        st.faults,
        st.evictions,
        st.rebuilds,
        st.gone,
        index::dropped(),
        get(&s.queries),
        get(&s.owners),
        get(&s.unowned),
        get(&s.kill_errors),
        get(&s.signalled),
        get(&s.kill_fallbacks),
        get(&s.metadata),
        get(&s.shutdowns),
        owners.metadata().name(),
    )
}

/// Drain the index's events between failures (the glue's work item).
pub(crate) fn sync_work() {
    let _ = crate::holder::with_registry(|r| {
        if let Err(e) = r.owners.sync() {
            pr_warn!(
                "DAX index update failed ({}); the next failure rebuilds it\n",
                errno::Name(e)
            );
        }
    });
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

/// Kill the tasks mapping the failed pages of `holder`'s disk, for every
/// file the index says maps them, except files on `tops.handled` devices
/// (whose filesystem handled its part); if no file maps them, check the
/// declined pieces for filesystem metadata. Returns 0 when done (also when
/// nothing owns them), the first kill error otherwise, and `-EOPNOTSUPP`
/// if the index cannot be read (then the kernel's per-page path runs).
pub(crate) fn handle(
    owners: &Owners,
    log: &Log<'_>,
    holder: &Holder,
    failure: &Failure,
    disk_bytes: u64,
    mf_flags: c_int,
    tops: &Tops<'_>,
) -> c_int {
    let handled = tops.handled;
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
    let mut index = owners.index.lock();
    let devs = || {
        Iterator::chain(
            tops.declined.iter().map(|p| p.dev),
            tops.whole.iter().copied(),
        )
    };
    // The filesystems on the declined pieces are indexed from their first
    // failure on (their files mapped so far are read now); a device that
    // is watched already costs nothing here.
    for dev in devs() {
        if index::is_watched(dev.0) {
            continue;
        }
        if let Err(e) = fs_on(dev, |sb| index.watch(sb)) {
            pr_err!("{name}: cannot index the filesystem on the failed device ({}); its owners may be missed\n", errno::Name(e));
        }
    }
    let pre_remove = failure.kind == Kind::PreRemove;
    // The kill set, allocated before the walk (GFP_KERNEL, process
    // context) unless the last failure's storage will do; without it
    // every owner takes the kernel's per-owner kill.
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
    let mut kill = Kill {
        owners,
        log,
        pre_remove,
        mf_flags,
        handled,
        found: 0,
        error: None,
        early_kill: None,
        collector,
    };
    // One retry: events lost in the middle of a query (a full ring) make
    // the index rebuild, and the query run again.
    let mut walked = Err(code::EAGAIN);
    for _ in 0..2 {
        walked = index
            .sync()
            .and_then(|()| index.owners(lo, hi, |inode, o| kill.owner(inode, o)));
        if walked.is_ok() {
            break;
        }
    }
    if let Err(e) = walked {
        pr_err!(
            "{name}: the DAX index cannot be read ({}); left to the kernel\n",
            errno::Name(e)
        );
        return EOPNOTSUPP;
    }
    drop(index);
    kill.signal_all(name);
    if kill.pre_remove {
        log.add(What::PreRemoveOwners {
            ranges: kill.found,
            lo,
            hi,
        });
    }
    // Declined devices with no ext4, ext2 or XFS on them: not ours to answer.
    let foreign = || devs().any(|dev| !matches!(fs_on(dev, |_| Ok(())), Ok(true)));
    if kill.found == 0 && foreign() {
        // No filesystem daxhold indexes sits there (none, or another type):
        // the kernel's own path may still know better.
        log.add(What::NotOurs { lo, hi });
        return EOPNOTSUPP;
    }
    if kill.found == 0 {
        let metadata = crate::pure::nopanic::count(
            tops.declined
                .iter()
                .filter(|p| crate::metadata::check(owners, name, p)),
        );
        if metadata == 0 {
            owners.stats.unowned.fetch_add(1, Ordering::Relaxed);
            log.add(What::Unowned { lo, hi });
        }
    }
    kill.error.unwrap_or(0)
}

/// Calls `f` on the ext4, ext2 or XFS filesystem on `dev`, if there is
/// one (`Ok(false)` if not).
fn fs_on(dev: DevId, mut f: impl FnMut(&Sb<'_>) -> Result) -> Result<bool> {
    let mut found = false;
    index::for_each_sb(|sb| {
        if sb.dev != dev.0 {
            return Ok(());
        }
        found = true;
        f(sb)
    })?;
    Ok(found)
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
    /// The kill set; `None` once it could not be allocated or grown (the
    /// fallback: `mf_dax_kill_procs()` for each owner from then on).
    collector: Option<Collector>,
}

impl Kill<'_> {
    /// Collect the tasks that map `o` of `inode` into the kill set and
    /// unmap its pages; or, without a set, `mf_dax_kill_procs()`. 0 or a
    /// negative errno.
    fn collect(&mut self, inode: &Inode, o: &Owner) -> c_int {
        let Some(c) = self.collector.as_mut() else {
            return inode.kill_procs(o.pgoff, o.count, self.mf_flags);
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
                // each; this owner and the rest take the kernel's kill
                // (duplicates possible, nobody missed).
                self.owners
                    .stats
                    .kill_fallbacks
                    .fetch_add(1, Ordering::Relaxed);
                pr_err!(
                    "kill set full or out of memory at {} tasks ({}); the kernel's per-owner kill signals the remaining owners\n",
                    c.len(),
                    errno::Name(e)
                );
                self.collector = None;
                inode.kill_procs(o.pgoff, o.count, self.mf_flags)
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
            let rc = task.send_mceerr(code, t.addr, t.shift);
            if force {
                killffi::force_sigbus_current();
            }
            let (pid, comm) = task.pid_comm();
            self.owners.stats.signalled.fetch_add(1, Ordering::Relaxed);
            self.log.add(What::Signal {
                pid,
                comm: Name::new(&comm),
                code,
                addr: t.addr,
                lsb: i32::from(t.shift),
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

    /// Collect the tasks that map `o` of the (pinned) `inode`.
    fn owner(&mut self, inode: &Inode, o: Owner) -> ControlFlow<()> {
        let dev = inode.dev();
        if self.handled.contains(&DevId(dev)) {
            return ControlFlow::Continue(());
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
        if self.pre_remove && rc == 0 {
            // A whole device can have many owners: one summary line.
            return ControlFlow::Continue(());
        }
        self.log.add(What::Owner {
            pfn: o.pfn,
            pages: o.count,
            dev,
            ino: inode.ino(),
            pgoff: o.pgoff,
            rc,
        });
        ControlFlow::Continue(())
    }
}
