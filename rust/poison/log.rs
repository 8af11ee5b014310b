// SPDX-License-Identifier: GPL-2.0

//! The dmesg line of a finding that appears or goes away (damaged file,
//! metadata, unowned range); counted in `bb_reported`.

use core::sync::atomic::Ordering;

use kernel::prelude::*;

use super::control::REPORTED;
use super::finding::{Finding, Kind};

/// One dmesg line for a finding that appeared or went away.
pub(super) fn report(f: &Finding, state: &str) {
    let k = &f.key;
    let (major, minor) = (k.dev >> 20, k.dev & 0xfffff);
    match k.kind {
        Kind::Bad | Kind::Top | Kind::Unmapped => return,
        Kind::File => pr_warn!(
            "{}: known poison: sector {} -> {} sector {}: {} dev {major}:{minor} ino {} offset {:#x} len {:#x}{}: {state}\n",
            k.pmem,
            k.sector,
            f.chain,
            k.top_sector,
            f.fs,
            k.ino,
            k.offset,
            k.len,
            if f.mapped { " (mapped)" } else { "" },
        ),
        Kind::Metadata => pr_warn!(
            "{}: known poison: sector {} -> {} sector {}: {} dev {major}:{minor} metadata {}: {state}\n",
            k.pmem,
            k.sector,
            f.chain,
            k.top_sector,
            f.fs,
            k.what,
        ),
        Kind::Unowned => pr_warn!(
            "{}: known poison: sector {} -> {} sector {} sectors {}: {} dev {major}:{minor}: no known owner (free space, or a file not in memory): {state}\n",
            k.pmem,
            k.sector,
            f.chain,
            k.top_sector,
            k.sectors,
            f.fs,
        ),
    }
    REPORTED.fetch_add(1, Ordering::Relaxed);
}
