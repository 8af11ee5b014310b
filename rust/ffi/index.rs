// SPDX-License-Identifier: GPL-2.0

//! The reverse map of DAX mappings, where it touches the kernel
//! (`rust/index_glue.c`): fault and eviction events, DAX entries, the
//! superblock walk, and [`Index`], the map itself.
//!
//! [`Index`] lives here, not with the policy, because what it stores are
//! inode addresses, and only this module can promise they are safe to pin
//! again: it adds an address only from a pinned [`Inode`], forgets it when
//! it drains that inode's evict event, and pins it again only through
//! `daxhold_ix_pin()`, which refuses an inode whose evict event is still
//! queued or was lost (Documentation/design.rst, "Where the records come
//! from").

use core::marker::PhantomData;
use core::ops::ControlFlow;
use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int, c_void};

use kernel::alloc::KVVec;
use kernel::error::{code, to_result, Error, Result};

/// `-EOVERFLOW`: the ring lost events.
const EOVERFLOW: c_int = -(bindings::EOVERFLOW as c_int);
use kernel::prelude::*;

use super::bindings;
use super::dax::DaxRef;
use super::stack::to_c;
use crate::pure::daxindex::{DaxIndex, Owner};
use crate::pure::rmap::{Node, RmapError};

/// `PAGE_SHIFT` on the architectures daxhold builds for.
pub(crate) const PAGE_SHIFT: u32 = 12;

/// DAX entries read from the kernel per call while walking a file.
const ENTRY_BATCH: usize = 32;

/// A referenced inode (igrab or `__iget`): it cannot be freed while this
/// lives. Dropping it is `iput()`, which may evict it, so only in process
/// context.
pub(crate) struct Inode(NonNull<bindings::inode>);

impl Inode {
    /// The inode, for the kill glue (`super::kill`): live while `self` is.
    pub(super) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.as_ptr()
    }

    /// Its address: the owner the index records.
    fn addr(&self) -> u64 {
        self.0.as_ptr() as u64
    }

    /// Its inode number.
    pub(crate) fn ino(&self) -> u64 {
        // SAFETY: we hold a reference, so the inode is live.
        let ino = unsafe { (*self.0.as_ptr()).i_ino };
        ino as u64
    }

    /// The dev_t of its filesystem's block device (`s_dev`).
    pub(crate) fn dev(&self) -> u32 {
        // SAFETY: a referenced inode's superblock is live (it is not
        // unmounted while the inode has references).
        unsafe { (*(*self.0.as_ptr()).i_sb).s_dev }
    }

    /// The DAX entry at page `pgoff`, if there is one.
    fn entry(&self, pgoff: u64) -> Option<DaxEntry> {
        let mut raw = bindings::daxhold_dax_entry::default();
        // SAFETY: the inode is live (we hold a reference); `raw` is ours.
        let rc = unsafe { bindings::daxhold_dax_entry(self.0.as_ptr(), pgoff, &mut raw) };
        (rc == 0).then(|| DaxEntry::from_raw(&raw))
    }

    /// Calls `f` on every DAX entry of the file, in batches read under RCU.
    fn for_each_entry(&self, mut f: impl FnMut(DaxEntry) -> Result) -> Result {
        let mut next = 0u64;
        loop {
            let mut batch: [bindings::daxhold_dax_entry; ENTRY_BATCH] =
                core::array::from_fn(|_| bindings::daxhold_dax_entry::default());
            // SAFETY: the inode is live; `batch` has room for ENTRY_BATCH.
            let n = unsafe {
                bindings::daxhold_dax_entries(
                    self.0.as_ptr(),
                    &mut next,
                    batch.as_mut_ptr(),
                    ENTRY_BATCH as u32,
                )
            };
            let got = batch.get(..n as usize).ok_or(code::EIO)?;
            for raw in got {
                f(DaxEntry::from_raw(raw))?;
            }
            if (n as usize) < ENTRY_BATCH {
                return Ok(());
            }
        }
    }

    /// `mf_dax_kill_procs()`: signal the tasks that map pages `[pgoff,
    /// pgoff + count)` of this file (BUS_MCEERR_AR to the current task,
    /// BUS_MCEERR_AO to early-kill tasks; all of them for a pre-remove)
    /// and unmap those pages. 0 or a negative errno (`-EBUSY` if a DAX
    /// entry could not be locked).
    pub(crate) fn kill_procs(&self, pgoff: u64, count: u64, mf_flags: c_int) -> c_int {
        let (Ok(index), Ok(count)) = (usize::try_from(pgoff), usize::try_from(count)) else {
            return -(crate::pure::errname::ERANGE);
        };
        // SAFETY: the inode is live, and so is its mapping; the kernel
        // locks what it walks.
        unsafe { bindings::mf_dax_kill_procs((*self.0.as_ptr()).i_mapping, index, count, mf_flags) }
    }

    /// Write back, then drop the DAX entries of pages `[pgoff, pgoff +
    /// count)` (pre-remove: no entry may outlive the device's struct
    /// pages, or the file's eviction oopses). Tried three times; an entry
    /// dirtied again each time stays: `Err(EBUSY)`.
    pub(crate) fn invalidate(&self, pgoff: u64, count: u64) -> Result {
        let end = pgoff.saturating_add(count.saturating_sub(1));
        // SAFETY: the inode is live (we hold a reference).
        to_result(unsafe { bindings::daxhold_invalidate(self.0.as_ptr(), pgoff, end) })
    }
}

impl Drop for Inode {
    fn drop(&mut self) {
        // SAFETY: we own one reference, given back once.
        unsafe { bindings::iput(self.0.as_ptr()) };
    }
}

/// One DAX entry: pages `[pgoff, pgoff + 2^order)` of a file are at `pfn`.
#[derive(Clone, Copy)]
struct DaxEntry {
    pgoff: u64,
    pfn: u64,
    order: u32,
}

impl DaxEntry {
    fn from_raw(raw: &bindings::daxhold_dax_entry) -> Self {
        DaxEntry {
            pgoff: raw.pgoff,
            pfn: raw.pfn,
            order: raw.order,
        }
    }

    fn pages(&self) -> u64 {
        1u64.checked_shl(self.order).unwrap_or(1)
    }
}

/// A mounted ext4, ext2 or XFS filesystem, inside [`for_each_sb`]'s
/// callback (which holds its `s_umount`).
pub(crate) struct Sb<'a> {
    sb: NonNull<bindings::super_block>,
    /// dev_t of its block device.
    pub(crate) dev: u32,
    /// `ext4`, `ext2`, `xfs`.
    pub(crate) fs: &'a str,
    _walk: PhantomData<&'a ()>,
}

impl Sb<'_> {
    /// Shut the filesystem down (`->shutdown`), as a dying device would.
    pub(crate) fn shutdown(&self) -> Result {
        // SAFETY: s_umount is held for the callback, as the glue requires.
        to_result(unsafe { bindings::daxhold_sb_shutdown(self.sb.as_ptr()) })
    }

    /// Read `buf.len()` bytes at byte `off` of filesystem block `nr`.
    pub(crate) fn read(&self, nr: u64, off: u32, buf: &mut [u8]) -> Result {
        let len = u32::try_from(buf.len()).map_err(|_| code::EINVAL)?;
        // SAFETY: s_umount is held; `buf` has `len` writable bytes.
        to_result(unsafe {
            bindings::daxhold_sb_read(self.sb.as_ptr(), nr, off, buf.as_mut_ptr().cast(), len)
        })
    }

    /// Its block size in bytes.
    pub(crate) fn block_size(&self) -> u64 {
        // SAFETY: s_umount is held, so the superblock is live.
        let size = unsafe { (*self.sb.as_ptr()).s_blocksize };
        size as u64
    }

    /// Whether its DAX faults are indexed.
    fn watched(&self) -> bool {
        is_watched(self.dev)
    }

    /// Calls `f` on each of its DAX files that has DAX entries.
    fn for_each_dax_inode<F: FnMut(&Inode) -> Result>(&self, mut f: F) -> Result {
        self.walk_dax_inodes(DaxWalk::Mapped, |ptr| {
            // Take a reference of our own, so dropping `Inode` balances it.
            // SAFETY: the walk holds a reference, so the inode is live.
            unsafe { bindings::ihold(ptr.as_ptr()) };
            f(&Inode(ptr))
        })
    }

    /// Calls `f` on each in-core DAX inode of the filesystem that `walk`
    /// selects, referenced by the walk for the duration of the call (not
    /// beyond it: `f` must not keep the pointer). May sleep; stops at `f`'s
    /// first error.
    pub(crate) fn walk_dax_inodes<F: FnMut(NonNull<bindings::inode>) -> Result>(
        &self,
        walk: DaxWalk,
        mut f: F,
    ) -> Result {
        let flags = match walk {
            DaxWalk::Mapped => bindings::DAXHOLD_WALK_MAPPED,
            DaxWalk::Regular => bindings::DAXHOLD_WALK_REGULAR,
        };
        let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
        // SAFETY: the trampoline matches the closure type and `ctx` points
        // to it for the whole call; s_umount is held.
        to_result(unsafe {
            bindings::daxhold_sb_for_each_dax_inode(
                self.sb.as_ptr(),
                flags,
                Some(walk_trampoline::<F>),
                ctx,
            )
        })
    }
}

/// Which in-core DAX inodes [`Sb::walk_dax_inodes`] visits.
#[derive(Clone, Copy)]
pub(crate) enum DaxWalk {
    /// Those with DAX entries (the reverse map).
    Mapped,
    /// Regular files, mapped or not (the known-poison scan).
    Regular,
}

/// # Safety
///
/// `ctx` is the `&mut F` [`Sb::walk_dax_inodes`] passed; `inode` is
/// referenced by the walk for the duration of the call.
unsafe extern "C" fn walk_trampoline<F: FnMut(NonNull<bindings::inode>) -> Result>(
    ctx: *mut c_void,
    inode: *mut bindings::inode,
) -> c_int {
    // SAFETY: guaranteed by the caller.
    let f = unsafe { &mut *ctx.cast::<F>() };
    let Some(ptr) = NonNull::new(inode) else {
        return 0;
    };
    to_c(f(ptr))
}

/// # Safety
///
/// `ctx` is the `&mut F` [`for_each_sb`] passed; `sb` is a live superblock
/// with `s_umount` held and `fs` a NUL-terminated name, for the call.
unsafe extern "C" fn sb_trampoline<F: FnMut(&Sb<'_>) -> Result>(
    ctx: *mut c_void,
    sb: *mut bindings::super_block,
    dev: u32,
    fs: *const c_char,
) -> c_int {
    // SAFETY: guaranteed by the caller.
    let (f, name) = unsafe { (&mut *ctx.cast::<F>(), super::cstr::bytes(fs)) };
    let Some(sb) = NonNull::new(sb) else {
        return 0;
    };
    let sb = Sb {
        sb,
        dev,
        fs: core::str::from_utf8(name).unwrap_or("?"),
        _walk: PhantomData,
    };
    to_c(f(&sb))
}

/// Calls `f` on every mounted ext4, ext2 and XFS filesystem that sits on a
/// block device. May sleep. Stops at `f`'s first error.
pub(crate) fn for_each_sb<F: FnMut(&Sb<'_>) -> Result>(mut f: F) -> Result {
    let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
    // SAFETY: the trampoline matches `F`; `ctx` points to `f` for the call.
    to_result(unsafe { bindings::daxhold_for_each_sb(Some(sb_trampoline::<F>), ctx) })
}

/// Whether the DAX faults of filesystems on device `dev` are indexed.
pub(crate) fn is_watched(dev: u32) -> bool {
    // SAFETY: plain call with a number.
    unsafe { bindings::daxhold_ix_is_watched(dev) }
}

/// Register the fault and eviction probes.
pub(crate) fn probes_init() -> Result {
    // SAFETY: called once from module init, paired with `probes_exit()`.
    to_result(unsafe { bindings::daxhold_ix_probes_init() })
}

/// Unregister them and wait for the drain work; nothing runs after this.
pub(crate) fn probes_exit() {
    // SAFETY: called once from module exit after a successful init.
    unsafe { bindings::daxhold_ix_probes_exit() }
}

/// The pfn of page `pgoff` of a dax_device (its data area).
pub(crate) fn dax_pfn(dax: &DaxRef, pgoff: u64) -> Result<u64> {
    let mut pfn = 0u64;
    // SAFETY: `dax` holds a reference, so the dax_device is live.
    to_result(unsafe { bindings::daxhold_dax_pfn(dax.as_ptr(), pgoff, &mut pfn) })?;
    Ok(pfn)
}

/// One change drained from the ring.
enum Event {
    /// A fault at `pgoff` of the (pinned) inode.
    Fault(Inode, u64),
    /// The inode at this address is being evicted.
    Evict(u64),
}

/// The next event, `None` when there is none; `EOVERFLOW` if events were
/// lost.
fn pop() -> Result<Option<Event>> {
    let mut raw = bindings::daxhold_ix_event::default();
    // SAFETY: `raw` is ours; a fault event's inode comes back referenced.
    let rc = unsafe { bindings::daxhold_ix_pop(&mut raw) };
    if rc < 0 {
        return Err(Error::from_errno(rc));
    }
    if rc == 0 {
        return Ok(None);
    }
    if raw.kind == bindings::DAXHOLD_IX_EVICT {
        return Ok(Some(Event::Evict(raw.inode as u64)));
    }
    match NonNull::new(raw.inode) {
        Some(p) => Ok(Some(Event::Fault(Inode(p), raw.pgoff))),
        None => Ok(None),
    }
}

/// What the index has done since load.
#[derive(Default, Clone, Copy)]
pub(crate) struct IndexStats {
    pub(crate) faults: u64,
    pub(crate) evictions: u64,
    pub(crate) rebuilds: u64,
    /// Filesystems whose faults are indexed.
    pub(crate) watched: u64,
    /// Owners found in the index but gone (evicted) when pinned.
    pub(crate) gone: u64,
}

/// The reverse map of DAX mappings (module documentation).
pub(crate) struct Index {
    ix: DaxIndex<KVVec<Node>>,
    /// Must be rebuilt before use (load, or events lost).
    stale: bool,
    pub(crate) stats: IndexStats,
}

impl Index {
    /// An empty index, to be built on first use.
    pub(crate) fn new() -> Self {
        Index {
            ix: DaxIndex::new(KVVec::new(), KVVec::new()),
            stale: true,
            stats: IndexStats::default(),
        }
    }

    /// Mappings indexed, and bytes of node storage they use.
    pub(crate) fn size(&self) -> (usize, usize) {
        (self.ix.len(), self.ix.bytes_used())
    }

    /// Bring the index up to date: drain the queued events, or rebuild it
    /// from every mounted filesystem if it is stale or events were lost.
    pub(crate) fn sync(&mut self) -> Result {
        if self.stale {
            self.rebuild()?;
        }
        loop {
            match pop() {
                Ok(Some(Event::Fault(inode, pgoff))) => {
                    self.stats.faults = self.stats.faults.saturating_add(1);
                    if let Some(e) = inode.entry(pgoff) {
                        self.add(&inode, e)?;
                    }
                }
                Ok(Some(Event::Evict(addr))) => {
                    self.stats.evictions = self.stats.evictions.saturating_add(1);
                    self.ix.forget(addr).map_err(rmap_err)?;
                }
                Ok(None) => return Ok(()),
                Err(e) if e.to_errno() == EOVERFLOW => self.rebuild()?,
                Err(e) => return Err(e),
            }
        }
    }

    /// Forget everything and read every DAX file's entries again.
    fn rebuild(&mut self) -> Result {
        self.stale = true;
        // SAFETY: plain call; events queued from here on are drained after.
        unsafe { bindings::daxhold_ix_reset() };
        self.ix.clear();
        self.stats.rebuilds = self.stats.rebuilds.saturating_add(1);
        for_each_sb(|sb| {
            if !sb.watched() {
                return Ok(());
            }
            self.add_sb(sb)
        })?;
        self.stale = false;
        Ok(())
    }

    /// Index the DAX faults of `sb`'s device from now on, and `sb`'s DAX
    /// files now: called on the first failure of a filesystem that reaches
    /// the reverse map. Nothing to do if the device is watched already.
    pub(crate) fn watch(&mut self, sb: &Sb<'_>) -> Result {
        // The fault probe first, so no fault of `sb` falls between it and
        // the walk below.
        // SAFETY: process context (the failure path or a control write).
        to_result(unsafe { bindings::daxhold_ix_fault_probe_enable() })?;
        // SAFETY: plain call with a number.
        let added = unsafe { bindings::daxhold_ix_watch(sb.dev) };
        if added < 0 {
            return Err(Error::from_errno(added));
        }
        if added == 1 {
            self.stats.watched = self.stats.watched.saturating_add(1);
        }
        // A stale index is rebuilt from every watched filesystem anyway.
        if added == 1 && !self.stale {
            // Faults from now on are queued; the files mapped so far are
            // read here (both may record a page: adding is idempotent).
            self.add_sb(sb)?;
        }
        Ok(())
    }

    /// Record every DAX entry of `sb`'s in-core files.
    fn add_sb(&mut self, sb: &Sb<'_>) -> Result {
        sb.for_each_dax_inode(|inode| inode.for_each_entry(|e| self.add(inode, e)))
    }

    /// Record one entry of a pinned inode, growing the storage first.
    fn add(&mut self, inode: &Inode, e: DaxEntry) -> Result {
        let (a, b) = self.ix.nodes_wanted();
        let (mut pfn_grown, mut owner_grown) = (Ok(()), Ok(()));
        self.ix
            .grow(
                |s| pfn_grown = push_nodes(s, a),
                |s| owner_grown = push_nodes(s, b),
            )
            .map_err(rmap_err)?;
        pfn_grown.and(owner_grown)?;
        self.ix
            .add(e.pfn, e.pages(), inode.addr(), e.pgoff)
            .map(|_| ())
            .map_err(rmap_err)
    }

    /// Calls `f` with every owner of pfns `[lo, hi]`, pinned. Owners
    /// evicted meanwhile are skipped (counted in `gone`); `EOVERFLOW` if
    /// events were lost, so the index must be synced again first.
    pub(crate) fn owners(
        &mut self,
        lo: u64,
        hi: u64,
        mut f: impl FnMut(&Inode, Owner) -> ControlFlow<()>,
    ) -> Result {
        let mut gone = 0u64;
        let mut err = None;
        // A stop is an error (below) or `f`'s, which needs nothing more.
        let _ = self
            .ix
            .query(lo, hi, |o| {
                let Some(ptr) = NonNull::new(o.owner as *mut bindings::inode) else {
                    return ControlFlow::Continue(());
                };
                // `o.owner` was added from a pinned inode and is still
                // indexed, so its evict event has not been drained;
                // `daxhold_ix_pin()` checks, under the lock the eviction
                // probe takes, that it is not queued either (nor lost),
                // before it takes a reference (module documentation).
                // SAFETY: so the address is a live inode when pinned.
                let rc = unsafe { bindings::daxhold_ix_pin(ptr.as_ptr()) };
                match rc {
                    0 => f(&Inode(ptr), o),
                    r if r == code::ENOENT.to_errno() => {
                        gone = gone.saturating_add(1);
                        ControlFlow::Continue(())
                    }
                    r => {
                        err = Some(Error::from_errno(r));
                        ControlFlow::Break(())
                    }
                }
            })
            .map_err(rmap_err)?;
        self.stats.gone = self.stats.gone.saturating_add(gone);
        match err {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// Append `n` empty nodes; `ENOMEM` if the allocation fails.
fn push_nodes(s: &mut KVVec<Node>, n: usize) -> Result {
    for _ in 0..n {
        s.push(Node::default(), GFP_KERNEL)?;
    }
    Ok(())
}

fn rmap_err(e: RmapError) -> Error {
    Error::from_errno(e.errno())
}

/// The index glue's drain work: keeps the index up to date between
/// failures, when the ring is half full.
#[no_mangle]
extern "C" fn daxhold_index_work() {
    crate::owners::sync_work();
}

/// Events lost to a full ring since load.
pub(crate) fn dropped() -> u64 {
    // SAFETY: a plain read of a counter.
    unsafe { bindings::daxhold_ix_dropped() }
}
