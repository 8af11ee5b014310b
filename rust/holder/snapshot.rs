// SPDX-License-Identifier: GPL-2.0

//! The registry's snapshot of the stack ([`Snapshot`]): the last one
//! built, rebuilt when the change signals say the stack moved.

use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::Arc;

use super::Registry;
use crate::topology::{build_stable, is_current, Snapshot};

/// The current snapshot, rebuilt first if the stack changed since. Kept
/// out of line: fault injection aims at its address range
/// (Documentation/testing.rst, "Allocation failures").
#[inline(never)]
pub(crate) fn current(r: &Registry) -> Result<Arc<Snapshot>> {
    if let Some(s) = fresh(r) {
        return Ok(s);
    }
    let _scan = r.scan.lock();
    // Another task may have rebuilt it while we waited.
    if let Some(s) = fresh(r) {
        return Ok(s);
    }
    let snap = Arc::new(build_stable()?, GFP_KERNEL)?;
    r.set_snapshot(Some(snap.clone()));
    Ok(snap)
}

/// [`current`], with one line if the stack cannot be read, which says
/// what the caller does `instead` (a stack that kept changing was said by
/// `build_stable`). The failure path does not print: it logs `NoStack`.
pub(crate) fn current_or_say(r: &Registry, instead: &str) -> Result<Arc<Snapshot>> {
    current(r).inspect_err(|e| {
        if *e != code::EBUSY {
            pr_err!(
                "stack: cannot read the stack ({}); {instead}\n",
                crate::errno::Name(*e)
            );
        }
    })
}

/// The current snapshot, given `last`, the registry's last one as the
/// caller found it (the failure path, with its holder in one lookup):
/// `last` if it is still current, else as [`current`].
pub(crate) fn current_from(r: &Registry, last: Option<Arc<Snapshot>>) -> Result<Arc<Snapshot>> {
    match last {
        Some(s) if is_current(&s) => Ok(s),
        _ => current(r),
    }
}

/// The registry's last snapshot, if nothing changed the stack since.
fn fresh(r: &Registry) -> Option<Arc<Snapshot>> {
    r.last_snapshot().filter(|s| is_current(s))
}
