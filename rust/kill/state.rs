// SPDX-License-Identifier: GPL-2.0

//! What daxhold's kills keep from one failure to the next: the kill set
//! storage and the counters the `index` file shows.

use core::sync::atomic::AtomicU64;

use kernel::error::Result;
use kernel::prelude::*;
use kernel::sync::Mutex;

use super::Spare;

/// The kills' state across failures.
pub(crate) struct KillState {
    /// The last failure's kill set storage, for the next one.
    pub(crate) spare: Pin<KBox<Mutex<Option<Spare>>>>,
    /// `<file, range>` owners handed to a kill.
    pub(crate) owners: AtomicU64,
    /// Tasks signalled by daxhold's own kill (once per failure each).
    pub(crate) signalled: AtomicU64,
    /// `mf_dax_kill_procs()` calls that failed.
    pub(crate) errors: AtomicU64,
    /// Failures where the kill set could not be allocated or grown, and
    /// `mf_dax_kill_procs()` ran for the owners not yet collected.
    pub(crate) fallbacks: AtomicU64,
}

impl KillState {
    /// No kill set storage yet, all counters 0.
    pub(crate) fn new() -> Result<Self> {
        Ok(KillState {
            spare: KBox::pin_init(kernel::new_mutex!(None), GFP_KERNEL)?,
            owners: AtomicU64::new(0),
            signalled: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            fallbacks: AtomicU64::new(0),
        })
    }
}
