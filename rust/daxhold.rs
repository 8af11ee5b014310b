// SPDX-License-Identifier: GPL-2.0

//! daxhold: a dax holder that carries persistent-memory failures to the
//! right place through any storage stack.
//!
//! Layout of the crate:
//! - [`pure`]: core-only logic (argument checks, decoding, parsing), also
//!   built and tested on the host;
//! - [`ffi`]: the thin unsafe layer over the C interfaces;
//! - [`holder`], [`notify`], [`control`]: policy, in safe Rust;
//! - [`registrations`]: what init registers, each undone by its `Drop`;
//! - `kunit_tests`: KUnit suites, in test builds (`DAXHOLD_KUNIT=y`) only.

use kernel::prelude::*;

mod abstractions;
mod control;
mod errno;
mod events;
mod ffi;
mod holder;
#[cfg(daxhold_kunit)]
mod kunit_tests;
mod metadata;
mod notify;
mod owners;
mod poison;
mod proc;
mod registrations;
mod signal;
mod stack;
mod trace;
// Shared with the host crate, which needs these items `pub` and uses some
// the module does not (host-only helpers and tests, re-exports).
#[allow(unreachable_pub, dead_code, unused_imports)]
#[path = "pure/lib.rs"]
mod pure;

use holder::Registry;

module! {
    type: Daxhold,
    name: "daxhold",
    author: "The daxhold developers",
    description: "Dax holder carrying pmem failures up partitions and device-mapper stacks",
    license: "GPL",
}

/// The module: what init registered, as fields in the order they go at
/// unload (fields drop in declaration order). Init creates them in the
/// order they must come; an init that fails drops what it made so far,
/// in reverse (rust/registrations.rs).
struct Daxhold {
    // No readers, no new control calls, then no holders, then no users at
    // all.
    _proc: registrations::Proc,
    _control: registrations::ControlOpen,
    _badblocks: registrations::Badblocks,
    _stack_watch: registrations::StackWatch,
    _attached: registrations::Attached,
    // The holders' directories went with them.
    _sysfs: registrations::SysfsDir,
    // No failure handler runs any more (this waits for them).
    _signal: registrations::SignalProbe,
    _early_kill: registrations::EarlyKill,
    // The rest of the failure log, then the last line (`unloaded`).
    _registry: registrations::Published,
}

impl kernel::Module for Daxhold {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let policy = control::parse_policy("policy=", ffi::glue::param_policy())?;
        let owners = owners::Owners::new()?;
        let log = events::new_ring()?;
        let registry = KBox::pin_init(Registry::new(policy, owners, log), GFP_KERNEL)?;
        let mut registry = registrations::Published::new(registry);
        let proc = registrations::Proc::new()?;
        let signal = registrations::SignalProbe::new();
        // The parts that go after the holders come before them. An attach
        // may open the early-kill sysctl.
        let early_kill = registrations::EarlyKill::new();
        let sysfs = registrations::SysfsDir::new();
        let attached = registrations::Attached::new();
        let stack_watch = registrations::StackWatch::new()?;
        let badblocks = registrations::Badblocks::new();
        let control = registrations::ControlOpen::new();
        // Control writes (attach) only once the stack is watched;
        // sysfs before any attach: each held disk gets a directory in it.
        // Each failure here has logged its one line already.
        sysfs.create().and_then(|()| {
            control::attach_param(registry.registry(), ffi::glue::param_devices())
        })?;
        stack_watch.rescans();
        // A stack that cannot be read now is read again on the next change.
        let _ = stack::rescan(registry.registry());
        // vm.memory_failure_early_kill, read per failure (the kill set).
        early_kill.open();
        registry.loaded();
        pr_info!(
            "loaded (policy {}); control in /sys/kernel/daxhold\n",
            policy.name()
        );
        Ok(Daxhold {
            _proc: proc,
            _control: control,
            _badblocks: badblocks,
            _stack_watch: stack_watch,
            _attached: attached,
            _sysfs: sysfs,
            _signal: signal,
            _early_kill: early_kill,
            _registry: registry,
        })
    }
}
