// SPDX-License-Identifier: GPL-2.0

//! daxhold's own kills, where they touch the kernel (`rust/kill_glue.c`):
//! the collect walk of a file's mappings into a [`Collector`] (the kill
//! set of one failure, with a task reference per entry), the unmap, the
//! SIGBUS, and the live value of `vm.memory_failure_early_kill`
//! (Documentation/design.rst, "Kill semantics").
//!
//! - `storage`: the [`Collector`] and the [`Spare`] storage it leaves;
//! - `walk`: the collect walk and its callbacks;
//! - `unmap`: the unmap and the poison mark;
//! - `signal`: task references, SIGBUS and the kernel's kill line;
//! - `early_kill`: the early-kill sysctl file.

mod early_kill;
mod signal;
mod storage;
mod unmap;
mod walk;

pub(crate) use early_kill::{early_kill, early_kill_close, early_kill_open};
pub(crate) use signal::{current_blocks_sigbus, force_sigbus_current, kill_line, COMM_LEN};
pub(crate) use storage::{Collector, Spare};
pub(crate) use unmap::mark_poison;
