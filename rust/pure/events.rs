// SPDX-License-Identifier: GPL-2.0

//! The failure log: what each failure did, as fixed-size records in a ring
//! of fixed capacity.
//!
//! The failure path fills the ring ([`Ring::push`]: no allocation, never
//! waits, a full ring counts the record as lost) and a work item empties
//! it into the kernel log ([`Ring::pop`], each record printed as its
//! [`Display`](fmt::Display) line), so `printk` is off the path that a
//! poisoned process waits on. One failure is one [`What::Failure`] record
//! and then one record per piece it reached, all with the failure's
//! sequence number, so a reader can put them back together and see a gap.
//!
//! Printed records are kept in a second ring, the history ([`EventLog`]:
//! the last so many, the oldest overwritten), which `/proc/fs/daxhold/events`
//! shows, each record as its [`Line`] (Documentation/admin.rst, "Kernel
//! interface for tools").

use core::fmt;
use core::num::NonZeroU64;
use core::ops::DerefMut;

use crate::pure::errname::{errname, EOPNOTSUPP};
use crate::pure::mf::MfFlags;
use crate::pure::notify::Extent;
use crate::pure::procfs::{Devt, Word};
use crate::pure::stack::{StackError, SECTOR_SIZE};

/// Longest device name kept, terminating NUL included (`DISK_NAME_LEN`).
pub const NAME_LEN: usize = 32;

/// A device name as the kernel keeps it: bytes up to the first NUL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Name(pub [u8; NAME_LEN]);

impl Name {
    /// No name (shown as `?`).
    pub const NONE: Name = Name([0; NAME_LEN]);

    /// `s`, cut at `NAME_LEN - 1` bytes.
    pub fn new(s: &[u8]) -> Self {
        let mut n = [0u8; NAME_LEN];
        for (d, &b) in n.iter_mut().take(NAME_LEN - 1).zip(s) {
            *d = b;
        }
        Name(n)
    }

    /// A task's name (`comm`, `TASK_COMM_LEN` bytes, NUL-terminated): one
    /// copy of 16 bytes, not a loop (each signal record names a task).
    pub fn from_comm(comm: &[u8; 16]) -> Self {
        let mut n = [0u8; NAME_LEN];
        if let Some(head) = n.first_chunk_mut::<16>() {
            *head = *comm;
        }
        // A name without its NUL is cut as `new` cuts it (16 < NAME_LEN).
        Name(n)
    }

    /// The name, or `?` if it is empty or not UTF-8.
    pub fn as_str(&self) -> &str {
        let end = self.0.iter().position(|&b| b == 0).unwrap_or(NAME_LEN);
        match self.0.get(..end).map(core::str::from_utf8) {
            Some(Ok(s)) if !s.is_empty() => s,
            _ => "?",
        }
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Bytes of one device above the failed one that the failure reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Piece {
    /// The device's name (`dm-0`, `pmem0p1`).
    pub device: Name,
    /// Its `dev_t`.
    pub dev: u32,
    /// Its level above the failed device (0: the failed device itself).
    pub depth: u32,
    /// First byte on the device (0 for a whole device).
    pub offset: u64,
    /// Bytes (`u64::MAX` for a whole device).
    pub len: u64,
}

/// What a record says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// The checked call, first of every failure: `mf_flags` as given.
    Failure {
        /// The raw `mf_flags` word.
        mf_flags: u32,
    },
    /// A piece at the top of the stack, and what its holder returned.
    Top {
        /// Where.
        piece: Piece,
        /// 0 or a negative errno (`-EOPNOTSUPP`: no holder there).
        rc: i32,
    },
    /// A piece of a device that others use, but not these bytes.
    Unmapped {
        /// Where.
        piece: Piece,
    },
    /// All of an upper device (pre-remove), and what its holder returned.
    Whole {
        /// The device, `offset` 0 and `len` `u64::MAX`.
        piece: Piece,
        /// 0 or a negative errno.
        rc: i32,
    },
    /// The reverse map found an owner of failed pfns and had its mapping
    /// tasks signalled (`rc` 0) or not (`mf_dax_kill_procs()`'s error).
    Owner {
        /// First pfn, and pages.
        pfn: u64,
        pages: u64,
        /// The `dev_t` of the owner's filesystem, its inode number, and
        /// the page of the file at `pfn`.
        dev: u32,
        ino: u64,
        pgoff: u64,
        /// 0 or a negative errno.
        rc: i32,
    },
    /// A pre-remove through the reverse map: so many owner ranges of pfns
    /// `[lo, hi]` had their mapping tasks signalled (one line, not one per
    /// owner).
    PreRemoveOwners { ranges: u64, lo: u64, hi: u64 },
    /// No indexed file maps pfns `[lo, hi]` and no filesystem metadata is
    /// known there: nothing to kill.
    Unowned { lo: u64, hi: u64 },
    /// No indexed file maps pfns `[lo, hi]`, and a device nobody above
    /// handled carries no ext4, ext2 or XFS: left to the kernel.
    NotOurs { lo: u64, hi: u64 },
    /// The stack could not be read: the failure was left to the kernel.
    NoStack {
        /// The negative errno.
        errno: i32,
    },
    /// The translation stopped part way; the rest was left to the kernel.
    Stopped {
        /// Why.
        error: StackError,
    },
    /// What the failure's `notify_failure` returned to memory_failure():
    /// its last record. Kept for `/proc/fs/daxhold/events`, not printed
    /// (the lines before it say the same).
    Result {
        /// 0 or a negative errno.
        rc: i32,
    },
    /// A SIGBUS sent while daxhold handled this failure (its own reverse
    /// map's kill, or the holder's it forwarded to): to task `pid`.
    Signal {
        /// The task signalled (its pid in the initial namespace).
        pid: i32,
        /// Its name (`comm`).
        comm: Name,
        /// `si_code`: [`BUS_MCEERR_AR`] or [`BUS_MCEERR_AO`].
        code: i32,
        /// `si_addr`: the user address of the poisoned page.
        addr: u64,
        /// `si_addr_lsb`: log2 of the poisoned size (12 for a page).
        lsb: i32,
        /// daxhold's own kill: the failed pfn its kernel kill line names
        /// (`kill_proc()`'s words, logged by the printer with this
        /// record). `None` for a kill the holder's filesystem made: the
        /// kernel logged that one itself. (Not zero: pfn 0 is never pmem,
        /// and the record stays 128 bytes.)
        kill_line: Option<NonZeroU64>,
    },
}

/// `si_code` of a SIGBUS for poison that was consumed (action required).
pub const BUS_MCEERR_AR: i32 = 4;
/// `si_code` of a SIGBUS for poison found but not consumed (action optional).
pub const BUS_MCEERR_AO: i32 = 5;

/// `AR`, `AO`, or `None` for another code.
fn sig_code(code: i32) -> Option<&'static str> {
    match code {
        BUS_MCEERR_AR => Some("AR"),
        BUS_MCEERR_AO => Some("AO"),
        _ => None,
    }
}

/// One record of the failure log: one line of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Event {
    /// The failure's sequence number, the same in each of its records.
    pub seq: u64,
    /// The held pmem disk that reported it.
    pub holder: Name,
    /// The failed bytes of that disk, as reported.
    pub extent: Extent,
    /// What happened.
    pub what: What,
}

impl Event {
    /// A placeholder for empty ring slots.
    pub const EMPTY: Event = Event {
        seq: 0,
        holder: Name::NONE,
        extent: Extent::WholeDevice,
        what: What::Failure { mf_flags: 0 },
    };

    /// Whether the record reports an error (logged as such).
    pub fn is_error(&self) -> bool {
        matches!(self.what, What::NoStack { .. } | What::Stopped { .. })
    }

    /// For daxhold's own kill: the failed pfn, the task's name and pid its
    /// kernel kill line names.
    pub fn kill_line(&self) -> Option<(u64, &Name, i32)> {
        match self.what {
            What::Signal {
                kill_line: Some(pfn),
                ref comm,
                pid,
                ..
            } => Some((pfn.get(), comm, pid)),
            _ => None,
        }
    }

    /// Whether the record is kept for `/proc/fs/daxhold/events` only, and
    /// not printed to the kernel log.
    pub fn is_quiet(&self) -> bool {
        matches!(self.what, What::Result { .. })
    }
}

/// What the holder's result means, for a top's log line.
pub fn outcome(rc: i32) -> &'static str {
    match rc {
        0 => "handled by its holder",
        rc if rc == -EOPNOTSUPP => "no holder handled it; to the reverse map",
        _ => "holder failed",
    }
}

/// `0` or the errno's name.
fn code(rc: i32) -> &'static str {
    if rc == 0 {
        "0"
    } else {
        errname(rc)
    }
}

/// `offset 0x.. len 0x..`, or `whole device`.
struct Origin(Extent);

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Extent::Range { .. } => {
                let (offset, len) = self.0.offset_len();
                write!(f, "offset {offset:#x} len {len:#x}")
            }
            Extent::WholeDevice => f.write_str("whole device"),
        }
    }
}

/// The log line, without the module's `daxhold: ` prefix and the newline.
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = &self.holder;
        let origin = Origin(self.extent);
        match self.what {
            What::Failure { mf_flags } => {
                let (offset, len) = self.extent.offset_len();
                write!(
                    f,
                    "{name}: notify_failure offset={offset:#x} len={len:#x} mf_flags={mf_flags:#x} ({})",
                    MfFlags(mf_flags)
                )
            }
            What::Top { piece: p, rc } => write!(
                f,
                "{name}: {origin} -> top {} sector {} sectors {} depth {}: {} ({})",
                p.device,
                p.offset / SECTOR_SIZE,
                p.len.div_ceil(SECTOR_SIZE),
                p.depth,
                outcome(rc),
                code(rc)
            ),
            What::Unmapped { piece: p } => write!(
                f,
                "{name}: {origin} -> unmapped {} sector {} sectors {} depth {}: nothing above uses it",
                p.device,
                p.offset / SECTOR_SIZE,
                p.len.div_ceil(SECTOR_SIZE),
                p.depth
            ),
            What::Whole { piece: p, rc } => write!(
                f,
                "{name}: {origin} -> whole {} depth {}: {} ({})",
                p.device,
                p.depth,
                outcome(rc),
                code(rc)
            ),
            What::Owner {
                pfn,
                pages,
                dev,
                ino,
                pgoff,
                rc,
            } => write!(
                f,
                "{name}: pfn {pfn:#x} pages {pages} owned by dev {}:{} ino {ino} pgoff {pgoff}: {} ({})",
                dev >> 20,
                dev & 0xfffff,
                if rc == 0 {
                    "mapping tasks signalled"
                } else {
                    "kill failed"
                },
                code(rc)
            ),
            What::PreRemoveOwners { ranges, lo, hi } => write!(
                f,
                "{name}: pre-remove: {ranges} owner ranges of pfn {lo:#x}-{hi:#x}: \
                 mapping tasks signalled, DAX entries invalidated"
            ),
            What::Unowned { lo, hi } => write!(
                f,
                "{name}: pfn {lo:#x}-{hi:#x}: no DAX file maps it and it is no known metadata (unowned)"
            ),
            What::NotOurs { lo, hi } => write!(
                f,
                "{name}: pfn {lo:#x}-{hi:#x}: no DAX file of ext4, ext2 or XFS maps it; left to the kernel"
            ),
            What::NoStack { errno } => write!(
                f,
                "{name}: cannot read the stack ({}); left to the kernel",
                errname(errno)
            ),
            What::Stopped { error } => write!(
                f,
                "{name}: translation stopped: {error:?}; the rest is left to the kernel"
            ),
            What::Result { rc } => write!(f, "{name}: notify_failure returns {}", code(rc)),
            What::Signal {
                pid,
                comm,
                code,
                addr,
                lsb,
                ..
            } => {
                write!(f, "{name}: SIGBUS ")?;
                match sig_code(code) {
                    Some(c) => write!(f, "BUS_MCEERR_{c}")?,
                    None => write!(f, "si_code {code}")?,
                }
                write!(
                    f,
                    " to pid {pid} ({}) at {addr:#x}, si_addr_lsb={lsb}",
                    Word(comm.as_str())
                )
            }
        }
    }
}

/// `0` or a negative errno, in decimal (`-95`), for programs.
struct Errno(i32);

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// What a holder's result means, as the `result=` word of the `events`
/// file: `handled`, `declined` (`-EOPNOTSUPP`: no holder, or it declined)
/// or `failed`.
fn result_word(rc: i32) -> &'static str {
    match rc {
        0 => "handled",
        rc if rc == -EOPNOTSUPP => "declined",
        _ => "failed",
    }
}

/// A record as its line of `/proc/fs/daxhold/events` (no newline):
/// `SEQ PMEM KIND key=value...` (Documentation/admin.rst, "Kernel
/// interface for tools"). Sectors are decimal, bytes and pfns `0x` hex,
/// `dev_t`s `MAJ:MIN`, errnos `0` or negative decimal (`-95`).
pub struct Line<'a>(pub &'a Event);

impl Line<'_> {
    /// `KIND dev=NAME devt=MAJ:MIN` of a piece.
    fn piece(f: &mut fmt::Formatter<'_>, kind: &str, p: &Piece) -> fmt::Result {
        write!(
            f,
            "{kind} dev={} devt={}",
            Word(p.device.as_str()),
            Devt(p.dev)
        )
    }

    /// ` sector=S sectors=N depth=D` of a piece.
    fn range(f: &mut fmt::Formatter<'_>, p: &Piece) -> fmt::Result {
        write!(
            f,
            " sector={} sectors={} depth={}",
            p.offset / SECTOR_SIZE,
            p.len.div_ceil(SECTOR_SIZE),
            p.depth
        )
    }
}

impl fmt::Display for Line<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(f, "{} {} ", e.seq, Word(e.holder.as_str()))?;
        match e.what {
            What::Failure { mf_flags } => {
                let (offset, len) = e.extent.offset_len();
                write!(
                    f,
                    "failure offset={offset:#x} len={len:#x} mf_flags={mf_flags:#x} flags={}",
                    MfFlags(mf_flags)
                )
            }
            What::Top { piece: p, rc } => {
                Self::piece(f, "top", &p)?;
                Self::range(f, &p)?;
                write!(f, " result={} errno={}", result_word(rc), Errno(rc))
            }
            What::Unmapped { piece: p } => {
                Self::piece(f, "unmapped", &p)?;
                Self::range(f, &p)
            }
            What::Whole { piece: p, rc } => {
                Self::piece(f, "whole", &p)?;
                write!(
                    f,
                    " depth={} result={} errno={}",
                    p.depth,
                    result_word(rc),
                    Errno(rc)
                )
            }
            What::Owner {
                pfn,
                pages,
                dev,
                ino,
                pgoff,
                rc,
            } => write!(
                f,
                "owner fsdev={} ino={ino} pgoff={pgoff} pfn={pfn:#x} pages={pages} errno={}",
                Devt(dev),
                Errno(rc)
            ),
            What::PreRemoveOwners { ranges, lo, hi } => write!(
                f,
                "pre_remove_owners ranges={ranges} pfn_lo={lo:#x} pfn_hi={hi:#x}"
            ),
            What::Unowned { lo, hi } => write!(f, "unowned pfn_lo={lo:#x} pfn_hi={hi:#x}"),
            What::NotOurs { lo, hi } => write!(f, "notours pfn_lo={lo:#x} pfn_hi={hi:#x}"),
            What::NoStack { errno } => write!(f, "nostack errno={}", Errno(errno)),
            What::Result { rc } => write!(f, "result errno={}", Errno(rc)),
            What::Stopped { error } => {
                write!(f, "stopped error={error:?} errno={}", Errno(error.errno()))
            }
            What::Signal {
                pid,
                comm,
                code,
                addr,
                lsb,
                ..
            } => {
                write!(f, "signal pid={pid} comm={} code=", Word(comm.as_str()))?;
                match sig_code(code) {
                    Some(c) => f.write_str(c)?,
                    None => write!(f, "{code}")?,
                }
                write!(f, " addr={addr:#x} lsb={lsb}")
            }
        }
    }
}

/// A ring of [`Event`]s in storage the caller owns and sizes (`KVVec` in
/// the module, filled with [`Event::EMPTY`] once at load): first in, first
/// out; a record that finds it full is dropped and counted.
pub struct Ring<S> {
    slots: S,
    /// Slot of the oldest record.
    head: usize,
    /// Records held.
    len: usize,
    /// Records dropped because the ring was full, not yet reported.
    lost: u64,
}

impl<S: DerefMut<Target = [Event]>> Ring<S> {
    /// An empty ring over `slots`, whose length is its capacity.
    pub fn new(slots: S) -> Self {
        Ring {
            slots,
            head: 0,
            len: 0,
            lost: 0,
        }
    }

    /// Most records held at once.
    pub fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Records held now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot `n` places after the oldest.
    fn slot(&self, n: usize) -> Option<usize> {
        self.head.checked_add(n)?.checked_rem(self.capacity())
    }

    /// Add `e` after the newest record; if the ring is full, count it as
    /// lost instead and return `false`. Never waits, never allocates.
    pub fn push(&mut self, e: Event) -> bool {
        if self.len < self.capacity() {
            if let Some(s) = self.slot(self.len).and_then(|i| self.slots.get_mut(i)) {
                *s = e;
                self.len = self.len.saturating_add(1);
                return true;
            }
        }
        self.lost = self.lost.saturating_add(1);
        false
    }

    /// Take the oldest record.
    pub fn pop(&mut self) -> Option<Event> {
        if self.len == 0 {
            return None;
        }
        let e = *self.slots.get(self.head)?;
        self.head = self.slot(1).unwrap_or(0);
        self.len = self.len.saturating_sub(1);
        Some(e)
    }

    /// Records lost since the last call.
    pub fn take_lost(&mut self) -> u64 {
        core::mem::take(&mut self.lost)
    }

    /// Count `n` records lost before they reached the ring.
    pub fn lose(&mut self, n: u64) {
        self.lost = self.lost.saturating_add(n);
    }
}

impl<S: DerefMut<Target = [Event]>> Ring<S> {
    /// The records held, oldest first.
    fn for_each(&self, mut f: impl FnMut(&Event)) {
        for n in 0..self.len {
            if let Some(e) = self.slot(n).and_then(|i| self.slots.get(i)) {
                f(e);
            }
        }
    }
}

/// The records already printed: the last `capacity` of them, oldest first;
/// a new one overwrites the oldest. Never allocates, never waits.
pub struct History<S> {
    slots: S,
    /// Slot the next record goes to.
    next: usize,
    /// Records held (at most the capacity).
    len: usize,
}

impl<S: DerefMut<Target = [Event]>> History<S> {
    /// An empty history over `slots`, whose length is its capacity.
    pub fn new(slots: S) -> Self {
        History {
            slots,
            next: 0,
            len: 0,
        }
    }

    /// Records held now.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no record is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Keep `e`, overwriting the oldest record if the history is full.
    pub fn push(&mut self, e: Event) {
        let cap = self.slots.len();
        if let Some(s) = self.slots.get_mut(self.next) {
            *s = e;
            self.next = self.next.saturating_add(1).checked_rem(cap).unwrap_or(0);
            self.len = self.len.saturating_add(1).min(cap);
        }
    }

    /// The records held, oldest first.
    fn for_each(&self, mut f: impl FnMut(&Event)) {
        let cap = self.slots.len();
        // The oldest is `len` slots before `next`, modulo the capacity.
        let first = self
            .next
            .saturating_add(cap)
            .saturating_sub(self.len)
            .checked_rem(cap)
            .unwrap_or(0);
        for n in 0..self.len {
            let i = first.saturating_add(n).checked_rem(cap).unwrap_or(0);
            if let Some(e) = self.slots.get(i) {
                f(e);
            }
        }
    }
}

/// The failure log: the records waiting to be printed ([`Ring`], filled by
/// the failure path) and those printed already ([`History`], filled by the
/// printer as it takes each record out, so the failure path does no extra
/// work for it).
pub struct EventLog<S> {
    /// Waiting to be printed.
    pub pending: Ring<S>,
    /// Printed.
    pub history: History<S>,
}

impl<S: DerefMut<Target = [Event]>> EventLog<S> {
    /// An empty log: `pending` and `history` slots, whose lengths are the
    /// two capacities.
    pub fn new(pending: S, history: S) -> Self {
        EventLog {
            pending: Ring::new(pending),
            history: History::new(history),
        }
    }

    /// Add `e` to be printed (the failure path): [`Ring::push`].
    pub fn push(&mut self, e: Event) -> bool {
        self.pending.push(e)
    }

    /// Take the oldest record to print; it moves to the history.
    pub fn pop(&mut self) -> Option<Event> {
        let e = self.pending.pop()?;
        self.history.push(e);
        Some(e)
    }

    /// Records lost since the last call (the pending ring was full).
    pub fn take_lost(&mut self) -> u64 {
        self.pending.take_lost()
    }

    /// Count `n` records lost before they reached the log; reported with
    /// the ring's own.
    pub fn lose(&mut self, n: u64) {
        self.pending.lose(n);
    }

    /// Most records waiting to be printed at once.
    pub fn capacity(&self) -> usize {
        self.pending.capacity()
    }

    /// Copy the newest `out.len()` records (or all, if fewer), printed and
    /// not, oldest first, to the start of `out`; returns how many.
    pub fn recent(&self, out: &mut [Event]) -> usize {
        let total = self.history.len().saturating_add(self.pending.len());
        let mut skip = total.saturating_sub(out.len());
        let mut n = 0usize;
        let mut put = |e: &Event| {
            if skip > 0 {
                skip -= 1;
            } else if let Some(o) = out.get_mut(n) {
                *o = *e;
                // n < out.len() here: it cannot wrap.
                n = n.wrapping_add(1);
            }
        };
        self.history.for_each(&mut put);
        self.pending.for_each(&mut put);
        n
    }
}
