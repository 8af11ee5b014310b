// SPDX-License-Identifier: GPL-2.0

//! daxhold: a dax holder that carries persistent-memory failures to the
//! right place through any storage stack.
//!
//! Layout of the crate:
//! - [`pure`]: core-only logic (argument checks, decoding, parsing), also
//!   built and tested on the host;
//! - [`ffi`]: the thin unsafe layer over the C interfaces;
//! - [`holder`], [`notify`], [`control`]: policy, in safe Rust;
//! - `kunit_tests`: KUnit suites, in test builds (`DAXHOLD_KUNIT=y`) only.

use kernel::prelude::*;

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

struct Daxhold {
    registry: Pin<KBox<Registry>>,
}

impl kernel::Module for Daxhold {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let policy = control::parse_policy("policy=", ffi::glue::param_policy())?;
        let owners = owners::Owners::new()?;
        let log = events::new_ring()?;
        let registry = KBox::pin_init(Registry::new(policy, owners, log), GFP_KERNEL)?;
        holder::publish(&registry);
        proc::init().inspect_err(|_| holder::unpublish())?;
        signal::init();
        if let Err(e) = ffi::stack::probes_init() {
            signal::exit();
            proc::exit();
            holder::unpublish();
            return Err(e);
        }
        // Never fails: without its probes the badblocks scan polls.
        let _ = ffi::badblocks::init();
        // Each failure below has logged its one line already. sysfs first:
        // each held disk gets a directory in it.
        let started = ffi::glue::sysfs_init()
            .and_then(|()| control::attach_param(&registry, ffi::glue::param_devices()));
        if let Err(e) = started {
            ffi::glue::sysfs_close();
            ffi::badblocks::exit();
            ffi::stack::probes_exit();
            registry.detach_all();
            ffi::glue::sysfs_exit();
            // An attach may have opened the early-kill sysctl.
            ffi::kill::early_kill_close();
            signal::exit();
            proc::exit();
            events::stop(&registry);
            registry.set_snapshot(None);
            holder::unpublish();
            return Err(e);
        }
        // A stack that cannot be read now is read again on the next change.
        let _ = stack::rescan(&registry);
        // vm.memory_failure_early_kill, read per failure (the kill set);
        // an attach above may have opened it already.
        ffi::kill::early_kill_open();
        pr_info!(
            "loaded (policy {}); control in /sys/kernel/daxhold\n",
            policy.name()
        );
        Ok(Daxhold { registry })
    }
}

impl Drop for Daxhold {
    fn drop(&mut self) {
        // No readers, no new control calls, then no holders, then no users
        // at all.
        proc::exit();
        ffi::glue::sysfs_close();
        // No badblocks scan runs or is queued after this.
        ffi::badblocks::exit();
        ffi::stack::probes_exit();
        self.registry.detach_all();
        // The holders' directories went with them.
        ffi::glue::sysfs_exit();
        // No failure handler runs any more (detach waited for them): print
        // the rest of the failure log before the last line.
        notify::wait_idle();
        signal::exit();
        ffi::kill::early_kill_close();
        events::stop(&self.registry);
        self.registry.set_snapshot(None);
        holder::unpublish();
        pr_info!("unloaded\n");
    }
}
