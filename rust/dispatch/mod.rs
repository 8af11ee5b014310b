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
//! go to the failure log ([`crate::observe::events`]), printed by a work item after
//! the failure is handled. Refused calls are logged at once.
//!
//! - `log`: the failure's batch of records ([`Log`]);
//! - `dispatch`: the walk up the stack and the hand-out of each top;
//! - `dry_run`: the same translation for the `translate` control, which
//!   calls nobody.

mod dry_run;
mod tops;

use core::sync::atomic::{AtomicU64, Ordering};

use kernel::error::to_result;
use kernel::prelude::*;
use kernel::sync::Arc;

use crate::abstractions::dax::NotifyFailure;
use crate::abstractions::mm::MfFlags;
use crate::errno;
use crate::ffi::bindings;
use crate::holder::{self, Holder, Registry};
use crate::observe::trace;
use crate::pure::events::What;
use crate::pure::mf;
use crate::pure::notify;
use crate::topology::Snapshot;

use crate::observe::events::Log;
pub(crate) use dry_run::dry_run;
use tops::dispatch;

// The flag values daxhold decodes are the kernel's own.
kernel::static_assert!(mf::MF_COUNT_INCREASED == bindings::mf_flags_MF_COUNT_INCREASED);
kernel::static_assert!(mf::MF_ACTION_REQUIRED == bindings::mf_flags_MF_ACTION_REQUIRED);
kernel::static_assert!(mf::MF_MUST_KILL == bindings::mf_flags_MF_MUST_KILL);
kernel::static_assert!(mf::MF_SOFT_OFFLINE == bindings::mf_flags_MF_SOFT_OFFLINE);
kernel::static_assert!(mf::MF_UNPOISON == bindings::mf_flags_MF_UNPOISON);
kernel::static_assert!(mf::MF_SW_SIMULATED == bindings::mf_flags_MF_SW_SIMULATED);
kernel::static_assert!(mf::MF_NO_RETRY == bindings::mf_flags_MF_NO_RETRY);
kernel::static_assert!(mf::MF_MEM_PRE_REMOVE == bindings::mf_flags_MF_MEM_PRE_REMOVE);

/// The held disk's `notify_failure`, reached through its holder slot:
/// `Ok` if handled, `EOPNOTSUPP` for the kernel's own path, or the error
/// a holder returned.
impl NotifyFailure for Holder {
    fn notify_failure(&self, offset: u64, len: u64, mf_flags: MfFlags) -> Result {
        holder::with_registry(|r| handle(r, self, r.last_snapshot(), offset, len, mf_flags))
            // Unloading: let the kernel handle it.
            .unwrap_or_else(|| Err(errno::eopnotsupp()))
    }
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
    mf_flags: MfFlags,
) -> Result {
    let bits = mf_flags.bits();
    holder.stats.calls.fetch_add(1, Ordering::Relaxed);
    let failure = match notify::check(offset, len, mf_flags.as_raw()) {
        Ok(f) => f,
        Err(e) => {
            holder.stats.rejected.fetch_add(1, Ordering::Relaxed);
            pr_err!(
                "{}: notify_failure refused ({e:?}): offset={offset:#x} len={len:#x} mf_flags={:#x}\n",
                holder.name(),
                bits
            );
            return to_result(e.errno());
        }
    };
    holder.stats.record(&failure);
    let log = Log::new(
        &r.log,
        SEQ.fetch_add(1, Ordering::Relaxed).wrapping_add(1),
        holder.log_name(),
        failure.extent,
    );
    log.add(What::Failure { mf_flags: bits });
    trace::failure(log.seq, log.holder, failure.extent, bits);
    let ret = dispatch(r, holder, snap, &log, &failure, mf_flags);
    // What memory_failure() gets back: the last record (not printed).
    log.add(What::Result { rc: errno::of(ret) });
    ret
}
