// SPDX-License-Identifier: GPL-2.0

//! The last stage: daxhold's own kills. [`Kill`] takes one failure's
//! owners, collects the tasks that map each into one kill set, unmaps the
//! owners' pages and signals each task once (Documentation/design.rst,
//! "Kill semantics"); C shims `kill_glue.c` (collect, unmap) and
//! `task_glue.c` (SIGBUS), core-only policy `pure::killset`.
//!
//! - `procs`: one failure's kills ([`Kill`]);
//! - `state`: what the kills keep between failures ([`KillState`]);
//! - `storage`: the [`Collector`] and the [`Spare`] storage it leaves;
//! - `walk`: the collect walk and its callbacks;
//! - `unmap`: the unmap and the poison mark;
//! - `signal`: task references, SIGBUS and the kernel's kill line;
//! - `early_kill`: the early-kill sysctl file.

mod early_kill;
mod procs;
mod signal;
mod state;
mod storage;
mod unmap;
mod walk;

pub(crate) use early_kill::{early_kill, early_kill_close, early_kill_open};
pub(crate) use procs::Kill;
pub(crate) use signal::{current_blocks_sigbus, force_sigbus_current, mf_dax_kill_procs};
pub(crate) use state::KillState;
pub(crate) use storage::{Collector, Spare};
pub(crate) use unmap::{invalidate, mark_poison};
