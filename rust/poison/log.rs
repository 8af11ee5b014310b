// SPDX-License-Identifier: GPL-2.0

//! The dmesg line and trace event of a finding that appears or goes away
//! (damaged file, metadata, unowned range; counted in `bb_reported`), and
//! the trace event of a badblocks range.

use core::sync::atomic::Ordering;

use kernel::prelude::*;

use super::control::REPORTED;
use super::finding::{Finding, Kind};
use crate::observe::trace::ffi::{self as trace, CBuf, Short};

/// One dmesg line (`state` its end) and trace event (`word`: `damaged`,
/// `cleared` or `gone`) for a finding that appeared or went away.
pub(super) fn report(f: &Finding, state: &str, word: &str) {
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
    trace_poison(f, word);
    REPORTED.fetch_add(1, Ordering::Relaxed);
}

/// `daxhold:daxhold_poison` for a finding that appeared or went away.
fn trace_poison(f: &Finding, state: &str) {
    if !trace::on() {
        return;
    }
    let k = &f.key;
    let kind: &[u8] = match k.kind {
        Kind::File => b"file",
        Kind::Metadata => b"metadata",
        _ => b"unowned",
    };
    trace::poison(&trace::Poison {
        pmem: &Short::new(&k.pmem.0),
        sector: k.sector,
        chain: &CBuf::new(&f.chain.0),
        top_sector: k.top_sector,
        dev: k.dev,
        kind: &Short::new(kind),
        ino: k.ino,
        offset: k.offset,
        len: k.len,
        what: &CBuf::new(&k.what.0),
        state: &Short::new(state.as_bytes()),
    });
}

/// `daxhold:daxhold_badblocks`: a range of `pmem`'s badblocks list.
pub(super) fn trace_badblocks(pmem: &str, sector: u64, sectors: u64, state: &str) {
    if !trace::on() {
        return;
    }
    let (pmem, state) = (Short::new(pmem.as_bytes()), Short::new(state.as_bytes()));
    trace::badblocks(&pmem, sector, sectors, &state);
}
