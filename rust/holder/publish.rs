// SPDX-License-Identifier: GPL-2.0

//! The live registry, published for the C callbacks (sysfs, proc, the
//! dax holder's `notify_failure`, work items) between module init and
//! exit, and [`with_registry`], through which they reach it.

use core::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

use super::Registry;
use crate::ffi::{bindings, msleep};
use crate::observe::events;

/// The live registry, published for the C callbacks between module init
/// and exit.
static REGISTRY: AtomicPtr<Registry> = AtomicPtr::new(core::ptr::null_mut());
/// Callers inside [`with_registry`] right now.
static USERS: AtomicUsize = AtomicUsize::new(0);

/// Make `registry` reachable from callbacks. It must stay pinned in place
/// until [`unpublish`] returns.
pub(crate) fn publish(registry: &Registry) {
    REGISTRY.store(core::ptr::from_ref(registry).cast_mut(), Ordering::SeqCst);
    events::start(&LOG_OPS);
}

/// The failure log's work item, which prints the registry's ring.
static LOG_OPS: bindings::daxhold_log_ops = bindings::daxhold_log_ops {
    print: Some(daxhold_log_print),
};

/// [`LOG_OPS`]' print (process context): whether a newer failure reached
/// the events history.
extern "C" fn daxhold_log_print() -> bool {
    with_registry(|r| events::print_work(&r.log)).unwrap_or(false)
}

/// Make the registry unreachable and wait until nobody uses it.
pub(crate) fn unpublish() {
    REGISTRY.store(core::ptr::null_mut(), Ordering::SeqCst);
    while USERS.load(Ordering::SeqCst) != 0 {
        msleep(1);
    }
}

/// Run `f` on the registry, or return `None` outside module init..exit.
pub(crate) fn with_registry<R>(f: impl FnOnce(&Registry) -> R) -> Option<R> {
    USERS.fetch_add(1, Ordering::SeqCst);
    let p = REGISTRY.load(Ordering::SeqCst);
    // `unpublish()` clears REGISTRY, then waits for USERS to reach zero; we
    // counted ourselves before loading it (both SeqCst): it sees us, or we
    // see NULL.
    // SAFETY: so a non-NULL `p` is the published registry, not yet freed.
    let r = unsafe { p.as_ref() }.map(f);
    USERS.fetch_sub(1, Ordering::SeqCst);
    r
}
