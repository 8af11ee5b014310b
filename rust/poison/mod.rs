// SPDX-License-Identifier: GPL-2.0

//! Known poison: the badblocks lists of the held pmem disks, translated up
//! the stack and resolved to what they damage (Documentation/design.rst,
//! "Known poison").
//!
//! A scan (the glue's work item, process context, never the failure path)
//! runs when a held disk's list changes (the pmem driver notifies its
//! `badblocks` attribute, which the glue polls from the kernel),
//! when a disk is attached or let go, when the stack changes, when the
//! policy file is written, and every [`schedule::REFRESH_MS`] while there
//! is known poison (files come into memory, filesystems are mounted). It
//! reads each held disk's list under its seqlock, merges touching entries,
//! translates each bad range up the current stack snapshot, and for each
//! top of the stack finds:
//!
//! - files that map the damaged pages, in the DAX index (the reverse map's
//!   own query), signalled (early-kill tasks only, `BUS_MCEERR_AO`) under
//!   the `kill` policy when the range is first seen;
//! - in-core DAX files whose extents (FIEMAP) lie on the damaged bytes,
//!   whether or not anyone maps them (a DAX fault over a bad block fails,
//!   so most damaged files are not mapped);
//! - ext4/ext2 static metadata on them (`crate::owners::metadata`);
//! - otherwise: nothing known owns them (`unowned`).
//!
//! The results are kept sorted as one list of findings, diffed against the
//! previous scan's ([`crate::pure::badblocks::diff_sorted`]): each new
//! damaged file, metadata or unowned range gets one dmesg line, each one
//! gone a `cleared` line; the list is what `/proc/fs/daxhold/poison` shows.
//!
//! The pieces, one purpose each:
//!
//! - [`schedule`]: when a scan runs (the change watch's work, kicks,
//!   refresh and polling);
//! - [`scan`]: the scan itself: each held disk's list read, tracked and
//!   translated up the stack, the result diffed against the last one;
//! - [`resolve`]: the tops of the stack resolved to their owners (DAX
//!   index, the filesystems' in-core files and their extents, metadata),
//!   and the `kill` policy's signals;
//! - [`finding`]: the records a scan keeps;
//! - [`log`]: the dmesg line of a finding that comes or goes;
//! - [`control`]: the `badblocks` policy file and the `index` counters;
//! - [`show`]: the `/proc/fs/daxhold/poison` text.

use kernel::alloc::KVec;
use kernel::error::Result;
use kernel::sync::Arc;

use crate::topology::Snapshot;

mod control;
pub(crate) mod ffi;
mod finding;
mod log;
mod resolve;
mod scan;
mod schedule;
mod show;
mod tops;

pub(crate) use control::{counters, policy_show, policy_store};
pub(crate) use scan::scan;
pub(crate) use schedule::kick;
pub(crate) use show::show;

use finding::Finding;

/// The current snapshot of the stack, as the holder stage gives it.
pub(crate) type Current<'a> = &'a dyn Fn() -> Result<Arc<Snapshot>>;

/// The known poison, as the last scan left it.
pub(crate) struct PoisonState {
    /// Badblocks-change generation: scans that saw a range come or go.
    gen: u64,
    /// Sorted by key.
    findings: KVec<Finding>,
}

impl PoisonState {
    /// Nothing known yet.
    pub(crate) fn new() -> Self {
        PoisonState {
            gen: 0,
            findings: KVec::new(),
        }
    }
}
