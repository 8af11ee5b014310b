// SPDX-License-Identifier: GPL-2.0

//! daxhold's trace events (`rust/observe/trace/glue.c`,
//! `include/trace/events/daxhold.h`): whether a tracer is attached, and
//! one call per event. Strings go as NUL-terminated copies on the stack,
//! made only while a tracer is attached.

use core::ptr::addr_of_mut;
use core::sync::atomic::Ordering;

use kernel::ffi::c_char;

use crate::ffi::bindings;

/// Whether a probe is attached to any daxhold event: one load, so an
/// event nobody traces costs no call.
pub(crate) fn on() -> bool {
    // SAFETY: the counter of the C part's static `daxhold_trace_users`.
    let users =
        unsafe { crate::ffi::c_atomic(addr_of_mut!(bindings::daxhold_trace_users.counter)) };
    users.load(Ordering::Relaxed) > 0
}

/// `s` up to its first NUL, cut at `N - 1` bytes, NUL-terminated.
pub(crate) struct CBuf<const N: usize>([u8; N]);

impl<const N: usize> CBuf<N> {
    pub(crate) fn new(s: &[u8]) -> Self {
        let mut b = [0u8; N];
        let text = s.iter().take_while(|&&c| c != 0);
        for (d, &c) in b.iter_mut().take(N.saturating_sub(1)).zip(text) {
            *d = c;
        }
        CBuf(b)
    }

    pub(crate) fn as_ptr(&self) -> *const c_char {
        self.0.as_ptr().cast()
    }
}

/// Device names and task names, and the short words (outcome, kind, state).
pub(crate) type Short = CBuf<33>;

/// `daxhold:daxhold_failure`.
pub(crate) fn failure(seq: u64, pmem: &Short, offset: u64, len: u64, mf_flags: u32) {
    // SAFETY: `pmem` is NUL-terminated; the event copies it.
    unsafe { bindings::daxhold_trace_failure(seq, pmem.as_ptr(), offset, len, mf_flags) }
}

/// Where a top is, for [`top`].
pub(crate) struct Top<'a> {
    pub(crate) device: &'a Short,
    pub(crate) dev: u32,
    pub(crate) depth: u32,
    pub(crate) sector: u64,
    pub(crate) sectors: u64,
    pub(crate) whole: bool,
}

/// `daxhold:daxhold_top`.
pub(crate) fn top(seq: u64, t: &Top<'_>, rc: i32, outcome: &Short) {
    // SAFETY: both strings are NUL-terminated; the event copies them.
    unsafe {
        bindings::daxhold_trace_top(
            seq,
            t.device.as_ptr(),
            t.dev,
            t.depth,
            t.sector,
            t.sectors,
            rc,
            outcome.as_ptr(),
            t.whole,
        )
    }
}

/// `daxhold:daxhold_owner`: `count` pages of inode `ino` on `dev` from
/// page `pgoff` of the file, at `pfn`.
#[allow(clippy::too_many_arguments)]
pub(crate) fn owner(
    seq: u64,
    dev: u32,
    ino: u64,
    pgoff: u64,
    count: u64,
    pfn: u64,
    rc: i32,
    kind: &Short,
) {
    // SAFETY: `kind` is NUL-terminated; the event copies it.
    unsafe { bindings::daxhold_trace_owner(seq, dev, ino, pgoff, count, pfn, rc, kind.as_ptr()) }
}

/// `daxhold:daxhold_kill`.
pub(crate) fn kill(seq: u64, pid: i32, comm: &Short, si_code: i32, addr: u64, lsb: i32) {
    // SAFETY: `comm` is NUL-terminated; the event copies it.
    unsafe { bindings::daxhold_trace_kill(seq, pid, comm.as_ptr(), si_code, addr, lsb) }
}

/// `daxhold:daxhold_badblocks`.
pub(crate) fn badblocks(pmem: &Short, sector: u64, sectors: u64, state: &Short) {
    // SAFETY: both strings are NUL-terminated; the event copies them.
    unsafe { bindings::daxhold_trace_badblocks(pmem.as_ptr(), sector, sectors, state.as_ptr()) }
}

/// What `daxhold:daxhold_poison` says, strings NUL-terminated.
pub(crate) struct Poison<'a> {
    pub(crate) pmem: &'a Short,
    pub(crate) sector: u64,
    pub(crate) chain: &'a CBuf<97>,
    pub(crate) top_sector: u64,
    pub(crate) dev: u32,
    pub(crate) kind: &'a Short,
    pub(crate) ino: u64,
    pub(crate) offset: u64,
    pub(crate) len: u64,
    pub(crate) what: &'a CBuf<49>,
    pub(crate) state: &'a Short,
}

/// `daxhold:daxhold_poison`.
pub(crate) fn poison(p: &Poison<'_>) {
    let arg = bindings::daxhold_trace_poison {
        pmem: p.pmem.as_ptr(),
        sector: p.sector,
        chain: p.chain.as_ptr(),
        top_sector: p.top_sector,
        dev: p.dev,
        kind: p.kind.as_ptr(),
        ino: p.ino,
        offset: p.offset,
        len: p.len,
        what: p.what.as_ptr(),
        state: p.state.as_ptr(),
    };
    // SAFETY: every string of `arg` is NUL-terminated and outlives the
    // call; the event copies them.
    unsafe { bindings::daxhold_trace_poison(&arg) }
}
