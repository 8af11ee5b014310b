// SPDX-License-Identifier: GPL-2.0

//! The dispatch of a checked failure: translated up the stack (the
//! snapshot's route, else the walk), each top handed to its holder
//! ([`Job`]), and what no holder handled to the reverse map
//! ([`crate::owners`]).

use core::ops::ControlFlow;
use core::sync::atomic::{AtomicU64, Ordering};

use kernel::error::{to_result, Result};
use kernel::sync::Arc;

use super::Log;
use crate::abstractions::mm::MfFlags;
use crate::errno::{self, eopnotsupp};
use crate::holder::{Holder, Registry};
use crate::observe::signals;
use crate::observe::trace;
use crate::owners;
use crate::pure::events::{Name, Piece, What};
use crate::pure::notify;
use crate::pure::stack::{DevId, StackError, SECTOR_SIZE};
use crate::pure::verdict::Verdict;
use crate::topology::{DevEntry, Snapshot};
use crate::translate::{Chain, Kind, Reached};

/// Translate a checked failure up the stack and hand it out; returns what
/// memory_failure() gets.
pub(super) fn dispatch(
    r: &Registry,
    holder: &Holder,
    last: Option<Arc<Snapshot>>,
    log: &Log<'_>,
    failure: &notify::Failure,
    mf_flags: MfFlags,
) -> Result {
    // The snapshot found with the holder, if it is still current.
    let snap = match crate::holder::current_from(r, last) {
        Ok(s) => s,
        Err(e) => {
            // The fallback when the stack cannot be read (no memory, or it
            // kept changing): the kernel's own per-page path.
            log.add(What::NoStack {
                errno: e.to_errno(),
            });
            return Err(eopnotsupp());
        }
    };
    let mut job = Job::new(&snap, holder, log, mf_flags);
    if let Err(error) = job.walk(failure.extent) {
        log.add(What::Stopped { error });
        job.verdict.add(errno::EOPNOTSUPP);
        return to_result(job.verdict.result());
    }
    if job.verdict.declined > 0 {
        // The parts no filesystem above handled: the reverse map's.
        let ret = job.to_owners(r, failure);
        job.verdict.settle_declined(errno::of(ret));
    }
    to_result(job.verdict.result())
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
    mf_flags: MfFlags,
    verdict: Verdict,
    handled: [DevId; MAX_HANDLED],
    nr_handled: usize,
    /// Tops no holder handled, for the reverse map's metadata check: set
    /// up at the first one (a failure that XFS handles never clears its
    /// 384 bytes).
    declined: Option<[owners::Piece; MAX_HANDLED]>,
    nr_declined: usize,
    /// Whole devices (pre-remove) nobody above handled: set up at the
    /// first one (a failure of a range never clears its 64 bytes).
    whole: Option<[DevId; MAX_HANDLED]>,
    nr_whole: usize,
}

impl<'a> Job<'a> {
    fn new(snap: &'a Snapshot, holder: &'a Holder, log: &'a Log<'a>, mf_flags: MfFlags) -> Self {
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
            whole: None,
            nr_whole: 0,
        }
    }

    /// Translate `extent` of the held disk up the stack and hand each top
    /// out.
    fn walk(&mut self, extent: notify::Extent) -> Result<ControlFlow<()>, StackError> {
        let snap = self.snap;
        snap.reach(DevId(self.holder.devt()), extent, Chain::Skip, |r| {
            self.reached(r);
            ControlFlow::Continue(())
        })
    }

    /// The reverse map for the tops no holder handled; what it returns.
    fn to_owners(&self, r: &Registry, failure: &notify::Failure) -> Result {
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
            whole: self
                .whole
                .as_ref()
                .and_then(|w| w.get(..self.nr_whole))
                .unwrap_or(&[]),
        };
        owners::handle(
            &r.owners,
            self.log,
            &self.holder.disk(),
            failure,
            disk_bytes,
            self.mf_flags,
            &tops,
        )
    }

    fn reached(&mut self, r: &Reached<'_>) {
        let (entry, device, depth) = (r.entry, r.device, r.depth);
        match r.kind {
            Kind::Unmapped => {
                count(&self.holder.stats.unmapped);
                let piece = piece(entry, device, depth, r.offset, r.len);
                trace::top(self.log.seq, &piece, None);
                self.log.add(What::Unmapped { piece });
            }
            Kind::Top => self.top(entry, device, depth, r.offset, r.len),
            Kind::Whole => {
                let ret = self.to_holder(entry, 0, u64::MAX);
                if errno::declined(ret) {
                    let whole = self.whole.get_or_insert([DevId(0); MAX_HANDLED]);
                    if let Some(slot) = whole.get_mut(self.nr_whole) {
                        *slot = device;
                        // Below whole.len(): cannot saturate.
                        self.nr_whole = self.nr_whole.saturating_add(1);
                    }
                }
                self.report(entry, device, depth, None, ret);
            }
        }
    }

    /// `len` bytes of top device `device` (`entry`, looked up once for the
    /// call and the record), `depth` levels up, from `offset`.
    fn top(&mut self, entry: Option<&DevEntry>, device: DevId, depth: u32, offset: u64, len: u64) {
        let ret = if depth == 0 {
            // Nothing stacked on the pmem: whatever uses it directly.
            Err(eopnotsupp())
        } else {
            self.to_holder(entry, offset, len)
        };
        if errno::declined(ret) {
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
        self.report(entry, device, depth, Some((offset, len)), ret);
    }

    /// Hand a range of dm device `entry` to the holder of its dax_device,
    /// through the reference the snapshot keeps (Documentation/design.rst,
    /// "Dispatch at the top": a dm device removed since makes the dax core
    /// answer `-ENXIO`, or `-EOPNOTSUPP` once its filesystem let go).
    /// Inlined, as `report`: each top of each failure calls both.
    #[inline]
    fn to_holder(&self, entry: Option<&DevEntry>, offset: u64, len: u64) -> Result {
        match entry {
            Some(d) if d.info.dm => match &d.dax {
                // The holder's kills (XFS: mf_dax_kill_procs()) are this
                // failure's signal records.
                Some(dax) => {
                    signals::listen(self.log, || dax.notify_failure(offset, len, self.mf_flags))
                }
                // Its table does not support DAX: no filesystem holds it.
                None => Err(eopnotsupp()),
            },
            // A partition shares the pmem's dax_device, which we hold.
            _ => Err(eopnotsupp()),
        }
    }

    /// Count and log one top's outcome.
    #[inline(always)]
    fn report(
        &mut self,
        entry: Option<&DevEntry>,
        device: DevId,
        depth: u32,
        range: Option<(u64, u64)>,
        ret: Result,
    ) {
        let rc = errno::of(ret);
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
            errno::EOPNOTSUPP => count(&stats.declined),
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
