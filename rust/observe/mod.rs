// SPDX-License-Identifier: GPL-2.0

//! What an administrator sees of daxhold and how they steer it: the
//! failure log and its events file, the `/proc` files, the tracepoints,
//! the sysfs controls and module parameters, and the records of the
//! kernel's own signals that the event log shows beside daxhold's kills.
//!
//! - `events`: the failure log, a ring of records printed after the fact;
//! - `proc`: `/proc/daxhold/*` (seq_file), C shim `proc/glue.c`;
//! - `trace`: the `daxhold:*` tracepoints, C shim `trace/glue.c`;
//! - `control`: `/sys/kernel/daxhold` and the module parameters, C shim
//!   `control/glue.c`;
//! - `signals`: SIGBUS the kernel sends for a failure, from its
//!   `signal_generate` tracepoint, C shim `signals/glue.c`.

pub(crate) mod control;
pub(crate) mod events;
pub(crate) mod proc;
pub(crate) mod signals;
pub(crate) mod trace;
