// SPDX-License-Identifier: GPL-2.0

//! What module init registers, one type per registration, each undone by
//! its `Drop` (the pattern of nova-core's driver data): `Daxhold` keeps
//! them as fields in the order they must go at unload, and module init
//! creates them in the order they must come, so that an init that fails
//! half-way drops (undoes) exactly what it did, in reverse, without an
//! unwind ladder. Documentation/design.rst, "Concurrency and lifetime".

use kernel::error::Result;
use kernel::prelude::*;

use crate::holder::{self, Registry};
use crate::observe::{events, proc, signals as signal};

/// The registry, reachable by the failure path and the control files.
///
/// # Invariants
///
/// While it lives the registry is published (`holder::with_registry()`
/// finds it); its `Drop` prints the rest of the failure log, drops the
/// stack snapshot and unpublishes it (waiting for its users) before the
/// registry itself is freed, and says `unloaded` if the module loaded:
/// it is the last registration to go.
pub(crate) struct Published {
    registry: Pin<KBox<Registry>>,
    loaded: bool,
}

impl Published {
    pub(crate) fn new(registry: Pin<KBox<Registry>>) -> Self {
        holder::publish(&registry);
        Published {
            registry,
            loaded: false,
        }
    }

    /// Init is done: the unload will say so (a failed init says only why).
    pub(crate) fn loaded(&mut self) {
        self.loaded = true;
    }

    pub(crate) fn registry(&self) -> &Registry {
        &self.registry
    }
}

impl Drop for Published {
    fn drop(&mut self) {
        events::stop(&self.registry.log);
        self.registry.set_snapshot(None);
        holder::unpublish();
        if self.loaded {
            pr_info!("unloaded\n");
        }
    }
}

/// `/proc/fs/daxhold`.
///
/// # Invariants
///
/// Its files exist while this lives (`proc::init()` succeeded).
pub(crate) struct Proc(());

impl Proc {
    pub(crate) fn new() -> Result<Self> {
        proc::init()?;
        Ok(Proc(()))
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        proc::exit();
    }
}

/// The `signal_generate` probe (records of the kernel's own SIGBUSes).
///
/// # Invariants
///
/// Probed, or running without it (one line said why), while this lives.
/// Its `Drop` first waits until no failure handler runs: none is left
/// listening when the probe goes.
pub(crate) struct SignalProbe(());

impl SignalProbe {
    pub(crate) fn new() -> Self {
        signal::init();
        SignalProbe(())
    }
}

impl Drop for SignalProbe {
    fn drop(&mut self) {
        // The holders went first (field order), waiting for their calls;
        // this only makes sure no failure handler runs any more.
        crate::abstractions::dax::wait_calls();
        signal::exit();
    }
}

/// The signals that tell the stack snapshot that the stack changed (and
/// the slot-loss probe).
///
/// # Invariants
///
/// Registered while this lives (`watch_init()` succeeded).
pub(crate) struct StackWatch(());

impl StackWatch {
    pub(crate) fn new() -> Result<Self> {
        crate::topology::ffi::watch_init(&holder::STACK_OPS)?;
        Ok(StackWatch(()))
    }

    /// Let the changes queue rescans: once what a rescan attaches to (the
    /// sysfs directory, the holder table) is there; the caller's own rescan
    /// follows and sees the changes before.
    pub(crate) fn rescans(&self) {
        crate::topology::ffi::watch_rescans();
    }
}

impl Drop for StackWatch {
    fn drop(&mut self) {
        crate::topology::ffi::watch_exit();
    }
}

/// The known-poison (badblocks) watch: each held disk's `badblocks`
/// attribute polled from the kernel, or the scan polling without it.
///
/// # Invariants
///
/// While this lives a badblocks scan may be queued; none runs or is
/// queued after its `Drop`.
pub(crate) struct Badblocks(());

impl Badblocks {
    pub(crate) fn new() -> Self {
        // Never fails: without its watch the badblocks scan polls.
        let _ = crate::poison::ffi::init(&holder::BB_OPS);
        Badblocks(())
    }
}

impl Drop for Badblocks {
    fn drop(&mut self) {
        crate::poison::ffi::exit();
    }
}

/// `/sys/kernel/daxhold`, where each held disk gets a directory.
///
/// # Invariants
///
/// Created by [`SysfsDir::create`], or half-created by one that failed,
/// or not at all, while this lives (its teardown is idempotent); its
/// `Drop` removes it, after every holder (and so every per-disk
/// directory) is gone.
pub(crate) struct SysfsDir(());

impl SysfsDir {
    /// Nothing yet: made early, so that it goes after the holders.
    pub(crate) fn new() -> Self {
        SysfsDir(())
    }

    /// Create it (its control files take writes from now on); an error
    /// has its dmesg line already.
    pub(crate) fn create(&self) -> Result {
        crate::observe::control::ffi::sysfs_init()
    }
}

impl Drop for SysfsDir {
    fn drop(&mut self) {
        crate::observe::control::ffi::sysfs_exit();
    }
}

/// The control files' writes (attach, detach, policy, ...).
///
/// # Invariants
///
/// Accepted while this lives; its `Drop` makes every later write fail
/// and waits for those running, so no attach can follow it.
pub(crate) struct ControlOpen(());

impl ControlOpen {
    pub(crate) fn new() -> Self {
        ControlOpen(())
    }
}

impl Drop for ControlOpen {
    fn drop(&mut self) {
        crate::observe::control::ffi::sysfs_close();
    }
}

/// The held disks, attached by `devices=`, the policy or a control write.
///
/// # Invariants
///
/// Disks may be held while this lives; its `Drop` detaches every one
/// (waiting for their failure handlers), after [`ControlOpen`] went.
pub(crate) struct Attached(());

impl Attached {
    pub(crate) fn new() -> Self {
        Attached(())
    }
}

impl Drop for Attached {
    fn drop(&mut self) {
        holder::with_registry(Registry::detach_all);
    }
}

/// The open `vm.memory_failure_early_kill` file, read per failure.
///
/// # Invariants
///
/// Open, or not yet (an attach opens it too), while this lives; closed
/// by its `Drop`, when no failure handler runs any more.
pub(crate) struct EarlyKill(());

impl EarlyKill {
    pub(crate) fn new() -> Self {
        EarlyKill(())
    }

    /// Open it now if no attach did.
    pub(crate) fn open(&self) {
        crate::kill::early_kill_open();
    }
}

impl Drop for EarlyKill {
    fn drop(&mut self) {
        crate::kill::early_kill_close();
    }
}
