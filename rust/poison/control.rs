// SPDX-License-Identifier: GPL-2.0

//! The controls of known poison: the `/sys/kernel/daxhold/badblocks`
//! policy file (`report` or `kill`) and the counters the `index` file
//! shows.

use core::fmt::{self, Write};
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::error::code;
use kernel::prelude::*;

use kernel::sync::Mutex;

use super::finding::Kind;
use super::PoisonState;
use crate::poison::ffi as bb;
use crate::pure::badblocks::BadblocksPolicy;
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::name::Shown;

static KILL: AtomicBool = AtomicBool::new(false);
pub(super) static SCANS: AtomicU64 = AtomicU64::new(0);
pub(super) static SIGNALLED: AtomicU64 = AtomicU64::new(0);
pub(super) static SIGNAL_ERRORS: AtomicU64 = AtomicU64::new(0);
pub(super) static REPORTED: AtomicU64 = AtomicU64::new(0);

pub(super) fn policy() -> BadblocksPolicy {
    if KILL.load(Ordering::Relaxed) {
        BadblocksPolicy::Kill
    } else {
        BadblocksPolicy::Report
    }
}

/// Write to `badblocks`: `report` or `kill`; scans again at once.
pub(crate) fn policy_store(input: &[u8]) -> Result {
    let Some(p) = BadblocksPolicy::parse(input) else {
        pr_err!(
            "badblocks: unknown policy {} (report or kill)\n",
            Shown(input)
        );
        return Err(code::EINVAL);
    };
    KILL.store(p == BadblocksPolicy::Kill, Ordering::Relaxed);
    pr_info!("badblocks: {}\n", p.name());
    bb::kick(0);
    Ok(())
}

/// Read of `badblocks`.
pub(crate) fn policy_show(out: &mut [u8]) -> usize {
    let mut buf = FixedBuf::new(out);
    let _ = writeln!(buf, "{}", policy().name());
    buf.len()
}

/// Counters for the `index` file: ` bb_scans=.. bb_ranges=.. ...`.
pub(crate) fn counters(state: &Mutex<PoisonState>, out: &mut impl Write) -> fmt::Result {
    let (mut ranges, mut files) = (0u64, 0u64);
    for f in state.lock().findings.iter() {
        match f.key.kind {
            // Counters: saturating, no overflow-checked `+` (a panic path;
            // design.rst, "No panics").
            Kind::Bad => ranges = ranges.saturating_add(1),
            Kind::File => files = files.saturating_add(1),
            _ => {}
        }
    }
    let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
    write!(
        out,
        " bb_scans={} bb_ranges={ranges} bb_files={files} bb_reported={} bb_signalled={} bb_signal_errors={} bb_policy={}",
        get(&SCANS),
        get(&REPORTED),
        get(&SIGNALLED),
        get(&SIGNAL_ERRORS),
        policy().name()
    )
}
