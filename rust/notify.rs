// SPDX-License-Identifier: GPL-2.0

//! What daxhold does when a held pmem reports a failure: check it, translate
//! it up the stack (a [`Snapshot`] of partitions and dm tables), and hand
//! each piece at the top to the holder there (XFS on a dm device) with
//! `dax_holder_notify_failure()`. Pieces with no holder above them are left
//! to the kernel (`-EOPNOTSUPP`) until the reverse map handles them; see
//! [`Verdict`] for what memory_failure() gets back.
//!
//! Nothing here calls `printk` for a failure that was accepted: its lines
//! go to the failure log ([`crate::events`]), printed by a work item after
//! the failure is handled. Refused calls are logged at once.

use core::cell::{Cell, UnsafeCell};
use core::mem::MaybeUninit;
use core::ops::ControlFlow;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use kernel::ffi::c_int;

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::errno::EOPNOTSUPP;
use crate::events;
use crate::ffi::dax::DaxId;
use crate::ffi::glue::msleep;
use crate::holder::{self, Holder, Registry};
use crate::owners;
use crate::pure::events::{Event, Name, Piece, What};
use crate::pure::mf::MfFlags;
use crate::pure::notify;
use crate::pure::stack::{DevId, Hit, StackError, SECTOR_SIZE};
use crate::pure::verdict::Verdict;
use crate::signal;
use crate::stack::{self, DevEntry, Snapshot};
use crate::trace;

/// notify_failure calls running now.
static INFLIGHT: AtomicUsize = AtomicUsize::new(0);

/// One notify_failure call, counted in [`INFLIGHT`] while it lives; what
/// it borrows from the holder table lives as long ([`wait_idle`]).
pub(crate) struct InFlight;

impl InFlight {
    fn enter() -> Self {
        INFLIGHT.fetch_add(1, Ordering::SeqCst);
        InFlight
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        INFLIGHT.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Wait until no notify_failure call is running (detach, unload).
pub(crate) fn wait_idle() {
    while INFLIGHT.load(Ordering::SeqCst) != 0 {
        msleep(1);
    }
}

/// The holder's `notify_failure`: `[offset, offset + len)` of dax_device
/// `id` failed. Returns 0 if handled, a negative errno otherwise.
pub(crate) fn notify_failure(id: DaxId, offset: u64, len: u64, mf_flags: c_int) -> c_int {
    let inflight = InFlight::enter();
    holder::with_registry(|r| {
        // The holder and the last stack snapshot in one lookup.
        r.find_with_snapshot(id, &inflight)
            .map(|(holder, snap)| handle(r, holder, snap, offset, len, mf_flags))
    })
    .flatten()
    // Detached meanwhile, or not ours: let the kernel handle it.
    .unwrap_or(EOPNOTSUPP)
}

/// Failures accepted so far; each one's records in the failure log carry
/// its number.
static SEQ: AtomicU64 = AtomicU64::new(0);

/// Records a failure keeps before it hands them to the failure log: as
/// many as the common one has (failure, signal, top, result).
const BATCH: usize = 4;

/// The records of one failure, in the order they happen: kept in a batch
/// on the handler's stack and handed to the failure log in one lock hold
/// when the batch is full and when the failure is done (on drop), which
/// also queues the log's work item (Documentation/design.rst, "The
/// failure log"). Used by its own thread only (the signal records the
/// probe stages go in through [`signal::listen`], after the call).
pub(crate) struct Log<'a> {
    r: &'a Registry,
    /// The failure's sequence number, in each record and trace event.
    pub(crate) seq: u64,
    holder: Name,
    extent: notify::Extent,
    /// The records not handed over yet: the first `len`, written (the rest
    /// is never read, so it is not cleared either).
    batch: UnsafeCell<[MaybeUninit<Event>; BATCH]>,
    len: Cell<usize>,
}

impl<'a> Log<'a> {
    fn new(r: &'a Registry, seq: u64, holder: Name, extent: notify::Extent) -> Self {
        Log {
            r,
            seq,
            holder,
            extent,
            batch: UnsafeCell::new([MaybeUninit::uninit(); BATCH]),
            len: Cell::new(0),
        }
    }

    /// Add one record of this failure.
    pub(crate) fn add(&self, what: What) {
        if self.len.get() >= BATCH {
            self.flush();
        }
        let n = self.len.get();
        // `Log` is not `Sync`: only this thread gets here, and `add` and
        // `flush` call nothing that comes back into them.
        // SAFETY: so this is the only reference to the batch while it lives.
        let batch = unsafe { &mut *self.batch.get() };
        if let Some(slot) = batch.get_mut(n) {
            slot.write(Event {
                seq: self.seq,
                holder: self.holder,
                extent: self.extent,
                what,
            });
            // Below BATCH: cannot saturate.
            self.len.set(n.saturating_add(1));
        }
    }

    /// Count `n` records of this failure as lost (reported as the ring's
    /// own losses are).
    pub(crate) fn lose(&self, n: u64) {
        events::lose(self.r, n);
    }

    /// Hand the batch to the failure log.
    fn flush(&self) {
        let n = self.len.replace(0).min(BATCH);
        let first = self.batch.get().cast::<Event>().cast_const();
        // As in `add`, no other reference to the batch meanwhile, and its
        // first `n` (at most BATCH) records were written by `add`.
        // SAFETY: `record_all` copies them and does not call back.
        let records = unsafe { core::slice::from_raw_parts(first, n) };
        events::record_all(self.r, records);
    }
}

impl Drop for Log<'_> {
    fn drop(&mut self) {
        self.flush();
        events::kick();
    }
}

fn handle(
    r: &Registry,
    holder: &Holder,
    snap: Option<Arc<Snapshot>>,
    offset: u64,
    len: u64,
    mf_flags: c_int,
) -> c_int {
    let raw = MfFlags::from_raw(mf_flags);
    holder.stats.calls.fetch_add(1, Ordering::Relaxed);
    let failure = match notify::check(offset, len, mf_flags) {
        Ok(f) => f,
        Err(e) => {
            holder.stats.rejected.fetch_add(1, Ordering::Relaxed);
            pr_err!(
                "{}: notify_failure refused ({e:?}): offset={offset:#x} len={len:#x} mf_flags={:#x}\n",
                holder.name(),
                raw.0
            );
            return e.errno();
        }
    };
    holder.stats.record(&failure);
    let log = Log::new(
        r,
        SEQ.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
        Name(holder.name_bytes()),
        failure.extent,
    );
    log.add(What::Failure { mf_flags: raw.0 });
    trace::failure(log.seq, &log.holder, failure.extent, raw.0);
    let rc = dispatch(r, holder, snap, &log, &failure, mf_flags);
    // What memory_failure() gets back: the last record (not printed).
    log.add(What::Result { rc });
    rc
}

/// Translate a checked failure up the stack and hand it out; returns what
/// memory_failure() gets.
fn dispatch(
    r: &Registry,
    holder: &Holder,
    last: Option<Arc<Snapshot>>,
    log: &Log<'_>,
    failure: &notify::Failure,
    mf_flags: c_int,
) -> c_int {
    // The snapshot found with the holder, if it is still current.
    let snap = match stack::current_from(r, last) {
        Ok(s) => s,
        Err(e) => {
            // The fallback when the stack cannot be read (no memory, or it
            // kept changing): the kernel's own per-page path.
            log.add(What::NoStack {
                errno: e.to_errno(),
            });
            return EOPNOTSUPP;
        }
    };
    let mut job = Job::new(&snap, holder, log, mf_flags);
    if let Err(error) = job.walk(failure.extent) {
        log.add(What::Stopped { error });
        job.verdict.add(EOPNOTSUPP);
        return job.verdict.result();
    }
    if job.verdict.declined > 0 {
        // The parts no filesystem above handled: the reverse map's.
        let rc = job.to_owners(r, failure);
        job.verdict.settle_declined(rc);
    }
    job.verdict.result()
}

/// Tops of each kind one failure remembers: the reverse map leaves the files
/// of handled ones alone and checks declined ones for metadata (a page
/// reaches a few tops at most).
const MAX_HANDLED: usize = 16;

/// One failure being dispatched.
struct Job<'a> {
    snap: &'a Snapshot,
    holder: &'a Holder,
    log: &'a Log<'a>,
    mf_flags: c_int,
    verdict: Verdict,
    handled: [DevId; MAX_HANDLED],
    nr_handled: usize,
    /// Tops no holder handled, for the reverse map's metadata check: set
    /// up at the first one (a failure that XFS handles never clears its
    /// 384 bytes).
    declined: Option<[owners::Piece; MAX_HANDLED]>,
    nr_declined: usize,
    /// Whole devices (pre-remove) nobody above handled.
    whole: [DevId; MAX_HANDLED],
    nr_whole: usize,
}

impl<'a> Job<'a> {
    fn new(snap: &'a Snapshot, holder: &'a Holder, log: &'a Log<'a>, mf_flags: c_int) -> Self {
        Job {
            snap,
            holder,
            log,
            mf_flags,
            verdict: Verdict::default(),
            handled: [DevId(0); MAX_HANDLED],
            nr_handled: 0,
            declined: None,
            nr_declined: 0,
            whole: [DevId(0); MAX_HANDLED],
            nr_whole: 0,
        }
    }

    /// Translate `extent` of the held disk up the stack and hand each top
    /// out: on a known route, the one hit the walk would give.
    fn walk(&mut self, extent: notify::Extent) -> Result<ControlFlow<()>, StackError> {
        let dev = DevId(self.holder.devt());
        let snap = self.snap;
        match snap.route(dev, extent) {
            Some((
                Hit::Top {
                    device,
                    depth,
                    offset,
                    len,
                },
                entry,
            )) => {
                self.top(entry, device, depth, offset, len);
                Ok(ControlFlow::Continue(()))
            }
            _ => snap.stack().translate(dev, extent, |hit| self.hit(hit)),
        }
    }

    /// The reverse map for the tops no holder handled; what it returns.
    fn to_owners(&self, r: &Registry, failure: &notify::Failure) -> c_int {
        // The disk's size matters to a whole-device failure only.
        let disk_bytes = match failure.extent {
            notify::Extent::WholeDevice => self
                .snap
                .dev(DevId(self.holder.devt()))
                .map_or(0, |d| d.info.nr_sects.saturating_mul(SECTOR_SIZE)),
            notify::Extent::Range { .. } => 0,
        };
        let tops = owners::Tops {
            handled: self.handled.get(..self.nr_handled).unwrap_or(&[]),
            declined: self
                .declined
                .as_ref()
                .and_then(|d| d.get(..self.nr_declined))
                .unwrap_or(&[]),
            whole: self.whole.get(..self.nr_whole).unwrap_or(&[]),
        };
        owners::handle(
            &r.owners,
            self.log,
            self.holder,
            failure,
            disk_bytes,
            self.mf_flags,
            &tops,
        )
    }

    fn hit(&mut self, hit: Hit) -> ControlFlow<()> {
        match hit {
            Hit::Mapped { .. } => {}
            Hit::Unmapped {
                device,
                depth,
                offset,
                len,
            } => {
                count(&self.holder.stats.unmapped);
                let piece = piece(self.snap.dev(device), device, depth, offset, len);
                trace::top(self.log.seq, &piece, None);
                self.log.add(What::Unmapped { piece });
            }
            Hit::Top {
                device,
                depth,
                offset,
                len,
            } => self.top(self.snap.dev(device), device, depth, offset, len),
            Hit::Whole { device, depth } => {
                let entry = self.snap.dev(device);
                let rc = self.to_holder(entry, 0, u64::MAX);
                if rc == EOPNOTSUPP {
                    if let Some(slot) = self.whole.get_mut(self.nr_whole) {
                        *slot = device;
                        // Below whole.len(): cannot saturate.
                        self.nr_whole = self.nr_whole.saturating_add(1);
                    }
                }
                self.report(entry, device, depth, None, rc);
            }
        }
        ControlFlow::Continue(())
    }

    /// `len` bytes of top device `device` (`entry`, looked up once for the
    /// call and the record), `depth` levels up, from `offset`.
    fn top(&mut self, entry: Option<&DevEntry>, device: DevId, depth: u32, offset: u64, len: u64) {
        let rc = if depth == 0 {
            // Nothing stacked on the pmem: whatever uses it directly.
            EOPNOTSUPP
        } else {
            self.to_holder(entry, offset, len)
        };
        if rc == EOPNOTSUPP {
            let declined = self
                .declined
                .get_or_insert([owners::Piece::default(); MAX_HANDLED]);
            if let Some(slot) = declined.get_mut(self.nr_declined) {
                *slot = owners::Piece {
                    dev: device,
                    offset,
                    len,
                };
                // Below declined.len(): cannot saturate.
                self.nr_declined = self.nr_declined.saturating_add(1);
            }
        }
        self.report(entry, device, depth, Some((offset, len)), rc);
    }

    /// Hand a range of dm device `entry` to the holder of its dax_device,
    /// through the reference the snapshot keeps (Documentation/design.rst,
    /// "Dispatch at the top": a dm device removed since makes the dax core
    /// answer `-ENXIO`, or `-EOPNOTSUPP` once its filesystem let go).
    fn to_holder(&self, entry: Option<&DevEntry>, offset: u64, len: u64) -> c_int {
        match entry {
            Some(d) if d.info.dm => match &d.dax {
                // The holder's kills (XFS: mf_dax_kill_procs()) are this
                // failure's signal records.
                Some(dax) => {
                    signal::listen(self.log, || dax.notify_failure(offset, len, self.mf_flags))
                }
                // Its table does not support DAX: no filesystem holds it.
                None => EOPNOTSUPP,
            },
            // A partition shares the pmem's dax_device, which we hold.
            _ => EOPNOTSUPP,
        }
    }

    /// Count and log one top's outcome.
    fn report(
        &mut self,
        entry: Option<&DevEntry>,
        device: DevId,
        depth: u32,
        range: Option<(u64, u64)>,
        rc: c_int,
    ) {
        self.verdict.add(rc);
        let stats = &self.holder.stats;
        match rc {
            0 => {
                count(&stats.forwarded);
                if let Some(slot) = self.handled.get_mut(self.nr_handled) {
                    *slot = device;
                    // Below handled.len(): cannot saturate.
                    self.nr_handled = self.nr_handled.saturating_add(1);
                }
            }
            EOPNOTSUPP => count(&stats.declined),
            _ => count(&stats.failed),
        }
        let (offset, len) = range.unwrap_or((0, u64::MAX));
        let piece = piece(entry, device, depth, offset, len);
        trace::top(self.log.seq, &piece, Some(rc));
        self.log.add(match range {
            Some(_) => What::Top { piece, rc },
            None => What::Whole { piece, rc },
        });
    }
}

/// `len` bytes of `device` (`entry` in the snapshot) from `offset`, for
/// the failure log.
fn piece(entry: Option<&DevEntry>, device: DevId, depth: u32, offset: u64, len: u64) -> Piece {
    Piece {
        device: entry.map_or(Name::NONE, |d| Name(d.info.name)),
        dev: device.0,
        depth,
        offset,
        len,
    }
}

fn count(c: &AtomicU64) {
    c.fetch_add(1, Ordering::Relaxed);
}

/// `(offset, len)` of `extent` if it ends past the end of `holder`'s disk
/// (as the snapshot knows it; a disk it does not know is not checked).
fn past_end(snap: &Snapshot, holder: &Holder, extent: notify::Extent) -> Option<(u64, u64)> {
    let size = snap
        .dev(DevId(holder.devt()))?
        .info
        .nr_sects
        .saturating_mul(SECTOR_SIZE);
    match extent {
        notify::Extent::Range { end, .. } if end > size => Some(extent.offset_len()),
        _ => None,
    }
}

/// Requests run by [`dry_run`], numbered in its log lines.
static DRY_RUNS: AtomicU64 = AtomicU64::new(0);

/// One piece a dry run reached: a top of the stack, or a device above
/// that does not map those bytes (`unmapped`).
pub(crate) struct DryHit<'a> {
    pub(crate) kind: &'static str,
    pub(crate) device: &'a str,
    pub(crate) dev: DevId,
    pub(crate) sector: u64,
    pub(crate) sectors: u64,
    pub(crate) depth: u32,
}

/// Translate `extent` of `holder`'s disk up the stack as a failure there
/// would be, and hand each piece it reaches to `emit` (with the dry run's
/// number), without calling any holder or signalling anyone. 0 or a
/// negative errno (with one dmesg line).
pub(crate) fn dry_run(
    r: &Registry,
    holder: &Holder,
    extent: notify::Extent,
    mut emit: impl FnMut(u64, &DryHit<'_>),
) -> c_int {
    let name = holder.name();
    let snap = match stack::current(r) {
        Ok(s) => s,
        Err(e) => {
            pr_err!(
                "translate: {name}: cannot read the stack: {}\n",
                crate::errno::Name(e)
            );
            return e.to_errno();
        }
    };
    if let Some((offset, len)) = past_end(&snap, holder, extent) {
        pr_err!("translate: {name}: offset {offset:#x} len {len:#x} is past the end of the disk\n");
        return kernel::error::code::ERANGE.to_errno();
    }
    let n = DRY_RUNS.fetch_add(1, Ordering::Relaxed);
    let walked = snap.stack().translate(DevId(holder.devt()), extent, |hit| {
        let (kind, dev, depth, offset, len) = match hit {
            Hit::Top {
                device,
                depth,
                offset,
                len,
            } => ("top", device, depth, offset, len),
            Hit::Unmapped {
                device,
                depth,
                offset,
                len,
            } => ("unmapped", device, depth, offset, len),
            Hit::Mapped { .. } | Hit::Whole { .. } => return ControlFlow::Continue(()),
        };
        let hit = DryHit {
            kind,
            device: snap.name(dev),
            dev,
            sector: offset / SECTOR_SIZE,
            sectors: len.div_ceil(SECTOR_SIZE),
            depth,
        };
        emit(n, &hit);
        ControlFlow::Continue(())
    });
    match walked {
        Ok(_) => 0,
        Err(e) => {
            pr_err!("translate #{n}: {name}: {e:?}\n");
            e.errno()
        }
    }
}
