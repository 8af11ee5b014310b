// SPDX-License-Identifier: GPL-2.0

//! What daxhold does when a held pmem reports a failure: check it, translate
//! it up the stack (a [`Snapshot`] of partitions and dm tables), and hand
//! each piece at the top to the holder there (XFS on a dm device) with
//! `dax_holder_notify_failure()`. Pieces with no holder above them go to the
//! reverse map ([`crate::owners`]); see
//! [`Verdict`](crate::pure::verdict::Verdict) for what memory_failure() gets
//! back.
//!
//! Nothing here calls `printk` for a failure that was accepted: its lines
//! go to the failure log ([`crate::events`]), printed by a work item after
//! the failure is handled. Refused calls are logged at once.
//!
//! - `log`: the failure's batch of records ([`Log`]);
//! - `dispatch`: the walk up the stack and the hand-out of each top;
//! - `dry_run`: the same translation for the `translate` control, which
//!   calls nobody.

mod dispatch;
mod dry_run;
mod log;

use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use kernel::ffi::c_int;

use kernel::prelude::*;
use kernel::sync::Arc;

use crate::errno::EOPNOTSUPP;
use crate::ffi::dax::DaxId;
use crate::ffi::glue::msleep;
use crate::holder::{self, Holder, Registry};
use crate::pure::events::What;
use crate::pure::mf::MfFlags;
use crate::pure::notify;
use crate::stack::Snapshot;
use crate::trace;

use dispatch::dispatch;
pub(crate) use dry_run::dry_run;
pub(crate) use log::Log;

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
        holder.log_name(),
        failure.extent,
    );
    log.add(What::Failure { mf_flags: raw.0 });
    trace::failure(log.seq, log.holder, failure.extent, raw.0);
    let rc = dispatch(r, holder, snap, &log, &failure, mf_flags);
    // What memory_failure() gets back: the last record (not printed).
    log.add(What::Result { rc });
    rc
}
