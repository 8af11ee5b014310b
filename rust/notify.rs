// SPDX-License-Identifier: GPL-2.0

//! What daxhold does when a held pmem reports a failure.
//!
//! For now (the foundation) it checks and logs every call, counts it per
//! device, and returns `-EOPNOTSUPP`, so memory_failure() goes on with the
//! kernel's own per-page handling and the consumer still gets its SIGBUS.

use core::sync::atomic::{AtomicUsize, Ordering};
use kernel::ffi::c_int;

use kernel::prelude::*;

use crate::errno::EOPNOTSUPP;
use crate::ffi::dax::DaxId;
use crate::ffi::glue::msleep;
use crate::holder::{self, Holder};
use crate::pure::mf::MfFlags;
use crate::pure::notify;

/// notify_failure calls running now.
static INFLIGHT: AtomicUsize = AtomicUsize::new(0);

struct InFlight;

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
    let _inflight = InFlight::enter();
    match holder::with_registry(|r| r.find(id)).flatten() {
        Some(holder) => handle(&holder, offset, len, mf_flags),
        // Detached meanwhile, or not ours: let the kernel handle it.
        None => EOPNOTSUPP,
    }
}

fn handle(holder: &Holder, offset: u64, len: u64, mf_flags: c_int) -> c_int {
    let name = holder.name();
    let raw = MfFlags::from_raw(mf_flags);
    holder.stats.calls.fetch_add(1, Ordering::Relaxed);
    let failure = match notify::check(offset, len, mf_flags) {
        Ok(f) => f,
        Err(e) => {
            holder.stats.rejected.fetch_add(1, Ordering::Relaxed);
            pr_err!(
                "{name}: notify_failure refused ({e:?}): offset={offset:#x} len={len:#x} mf_flags={:#x}\n",
                raw.0
            );
            return e.errno();
        }
    };
    holder.stats.record(&failure);
    pr_info!(
        "{name}: notify_failure offset={offset:#x} len={len:#x} mf_flags={:#x} ({raw})\n",
        raw.0
    );
    // No translation or reverse map yet: the kernel's generic path acts.
    EOPNOTSUPP
}
