// SPDX-License-Identifier: GPL-2.0

//! daxhold: a dax holder that carries persistent-memory failures to the
//! right place through any storage stack.
//!
//! The crate is the failure's pipeline, one module per stage, each with
//! its C shim beside it (`rust/<stage>/*glue.c`):
//! [`holder`] (the dax holder slots) -> [`topology`] (the stack snapshot)
//! -> [`translate`] (the walk up it) -> [`dispatch`] (upper holders or the
//! reverse map) -> [`owners`] (the reverse map) -> [`kill`]; beside it
//! [`poison`] (known bad blocks) and [`observe`] (log, proc, sysfs,
//! tracepoints). Under them: [`abstractions`] (safe wrappers with no
//! daxhold names), [`ffi`] (shared bindings) and [`pure`] (core-only
//! logic, also built and tested on the host). [`registrations`] is what
//! init registers, each undone by its `Drop`; `kunit_tests` are the KUnit
//! suites of test builds (`DAXHOLD_KUNIT=y`).

use kernel::prelude::*;

mod abstractions;
mod dispatch;
mod errno;
mod ffi;
mod holder;
mod kill;
#[cfg(daxhold_kunit)]
mod kunit_tests;
mod observe;
mod owners;
mod poison;
mod registrations;
mod topology;
mod translate;
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
        let policy =
            observe::control::parse_policy("policy=", observe::control::ffi::param_policy())?;
        let owners = owners::Owners::new()?;
        let log = observe::events::new_ring()?;
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
            observe::control::attach_param(
                registry.registry(),
                observe::control::ffi::param_devices(),
            )
        })?;
        stack_watch.rescans();
        // A stack that cannot be read now is read again on the next change.
        let _ = holder::rescan(registry.registry());
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
