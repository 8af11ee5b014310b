// SPDX-License-Identifier: GPL-2.0

//! One failure's kills ([`Kill`]): the tasks that map each owner collected
//! into one kill set and the owner's pages unmapped, then each task
//! signalled once; `mf_dax_kill_procs()` where the set cannot be had.

use core::num::NonZeroU64;
use core::sync::atomic::Ordering;

use kernel::error::{Error, Result};
use kernel::prelude::*;

use super::{self as kill, Collector, KillState};
use crate::abstractions::fs::Inode;
use crate::abstractions::mm::MfFlags;
use crate::abstractions::task::TaskExt;
use crate::errno;
use crate::observe::events::Log;
use crate::observe::signals;
use crate::observe::trace;
use crate::pure::daxowner::Owner;
use crate::pure::events::{Name, What};
use crate::pure::killset;
use crate::pure::stack::DevId;

/// One failure's kills.
pub(crate) struct Kill<'a> {
    state: &'a KillState,
    log: &'a Log<'a>,
    pub(crate) pre_remove: bool,
    mf_flags: MfFlags,
    handled: &'a [DevId],
    pub(crate) found: u64,
    /// The first kill error.
    pub(crate) error: Option<Error>,
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
    pub(crate) fn new(
        state: &'a KillState,
        log: &'a Log<'a>,
        name: &str,
        pre_remove: bool,
        mf_flags: MfFlags,
        handled: &'a [DevId],
        pfn: u64,
    ) -> Self {
        let spare = state.spare.lock().take();
        let collector = Collector::new(spare)
            .inspect_err(|e| {
                state.fallbacks.fetch_add(1, Ordering::Relaxed);
                pr_err!(
                    "{name}: no memory for the kill set ({}); the kernel's per-owner kill signals (a task may get one SIGBUS per owner)\n",
                    errno::Name(*e)
                );
            })
            .ok();
        Kill {
            state,
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
    /// unmap its pages; or, without a set, `mf_dax_kill_procs()`.
    fn collect(&mut self, inode: &Inode, o: &Owner) -> Result {
        let c = match self.collector.as_mut() {
            Some(c) if !self.fallen_back => c,
            _ => {
                return signals::listen(self.log, || {
                    kill::mf_dax_kill_procs(inode, o.pgoff, o.count, self.mf_flags)
                })
            }
        };
        // The sysctl only matters for processes other than the running
        // task's (which is picked itself); reading it costs a vfs read.
        let early_kill = match self.early_kill {
            _ if self.pre_remove => false,
            Some(v) => v,
            None if super::walk::only_current(inode, o.pgoff, o.count) => false,
            None => *self.early_kill.insert(kill::early_kill()),
        };
        match c.collect(inode, o.pgoff, o.count, self.pre_remove, early_kill) {
            Ok(shift) => {
                // Unmap always, also with no task collected: a retouch
                // faults anew instead of reading the poison through a
                // stale PTE.
                if let Some((start, len)) = killset::unmap_range(o.pgoff, o.count, shift) {
                    super::unmap::unmap(inode, start, len);
                }
                if !self.pre_remove {
                    kill::mark_poison(o.pfn, o.count);
                }
                Ok(())
            }
            Err(e) => {
                // The tasks collected so far are still signalled once
                // each (signal_all); this owner and the rest take the
                // kernel's kill (duplicates possible, nobody missed).
                self.state.fallbacks.fetch_add(1, Ordering::Relaxed);
                pr_err!(
                    "kill set: {} at {} tasks ({}); the kernel's per-owner kill signals this owner and the rest\n",
                    c.failure(),
                    c.len(),
                    errno::Name(e)
                );
                self.fallen_back = true;
                signals::listen(self.log, || {
                    kill::mf_dax_kill_procs(inode, o.pgoff, o.count, self.mf_flags)
                })
            }
        }
    }

    /// Signal every task of the kill set once, then drop the references:
    /// BUS_MCEERR_AR to the current task (`mf_dax_kill_procs()` makes every
    /// failure action required), forced if it blocks or ignores SIGBUS;
    /// BUS_MCEERR_AO to the others. A `signal` record each.
    pub(crate) fn signal_all(&mut self, name: &str) {
        let Some(c) = self.collector.take() else {
            return;
        };
        self.signal_each(name, &c);
        // The references dropped, the storage kept for the next failure.
        *self.state.spare.lock() = c.into_spare();
    }

    /// [`Kill::signal_all`] for each task of `c`.
    fn signal_each(&mut self, name: &str, c: &Collector) {
        for (t, task) in c.targets() {
            let current = task.is_current();
            let code = killset::sig_code(true, current);
            let force = current && killset::must_force(code, kill::current_blocks_sigbus());
            let (pid, comm) = (task.pid(), task.comm());
            trace::kill(self.log.seq, pid, &comm, code, t.addr, i32::from(t.shift));
            let comm = Name::from_comm(&comm);
            let sent = super::signal::send_mceerr(task, code, t.addr, t.shift);
            if force {
                kill::force_sigbus_current();
            }
            self.state.signalled.fetch_add(1, Ordering::Relaxed);
            self.log.add(What::Signal {
                pid,
                comm,
                code,
                addr: t.addr,
                lsb: i32::from(t.shift),
                kill_line: NonZeroU64::new(self.pfn),
            });
            if let Err(e) = sent {
                pr_info!(
                    "{name}: error sending SIGBUS to pid {pid}: {}\n",
                    errno::Name(e)
                );
                self.error.get_or_insert(e);
            }
        }
    }

    /// Collect the tasks that map `o` of the (pinned) `inode`. Never
    /// fails: a kill error is kept for the caller, the walk goes on.
    pub(crate) fn owner(&mut self, inode: &Inode, o: Owner) -> Result {
        let dev = inode.sb_dev();
        if self.handled.contains(&DevId(dev)) {
            return Ok(());
        }
        self.found = self.found.saturating_add(1);
        self.state.owners.fetch_add(1, Ordering::Relaxed);
        let killed = self.collect(inode, &o);
        if self.pre_remove {
            if let Err(e) = kill::invalidate(inode, o.pgoff, o.count) {
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
        if let Err(e) = killed {
            self.state.errors.fetch_add(1, Ordering::Relaxed);
            self.error.get_or_insert(e);
        }
        let rc = errno::of(killed);
        let found = trace::FileOwner {
            dev,
            ino: inode.ino(),
            pgoff: o.pgoff,
            count: o.count,
            pfn: o.pfn,
        };
        trace::owner(self.log.seq, &found, rc);
        if self.pre_remove && killed.is_ok() {
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
