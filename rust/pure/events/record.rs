// SPDX-License-Identifier: GPL-2.0

//! The failure log's records: what one failure did, one [`Event`] per
//! step, and the names they carry.

use core::fmt;
use core::num::NonZeroU64;

use crate::pure::notify::Extent;
use crate::pure::stack::StackError;

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
pub(super) fn sig_code(code: i32) -> Option<&'static str> {
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
