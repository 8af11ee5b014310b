// SPDX-License-Identifier: GPL-2.0

//! A record as its kernel-log line: the [`Display`](fmt::Display) of
//! [`Event`].

use core::fmt;

use super::record::{sig_code, Event, What};
use crate::pure::errname::{errname, EOPNOTSUPP};
use crate::pure::mf::MfFlags;
use crate::pure::notify::Extent;
use crate::pure::procfs::Word;
use crate::pure::stack::SECTOR_SIZE;

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
