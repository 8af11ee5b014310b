// SPDX-License-Identifier: GPL-2.0

//! A record as its kernel-log line: the [`Display`](fmt::Display) of
//! [`Event`].

use core::fmt;

use super::record::{sig_code, Event, Name, Piece, What};
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

/// The log line, without the module's `daxhold: ` prefix and the newline:
/// the holder's name, then what the record says.
impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.holder)?;
        let origin = Origin(self.extent);
        match self.what {
            What::Failure { mf_flags } => failure(f, self.extent, mf_flags),
            What::Top { piece: p, rc } => top(f, &origin, &p, rc),
            What::Unmapped { piece: p } => unmapped(f, &origin, &p),
            What::Whole { piece: p, rc } => whole(f, &origin, &p, rc),
            What::Owner {
                pfn,
                pages,
                dev,
                ino,
                pgoff,
                rc,
            } => owner(f, pfn, pages, dev, ino, pgoff, rc),
            What::PreRemoveOwners { ranges, lo, hi } => write!(
                f,
                "pre-remove: {ranges} owner ranges of pfn {lo:#x}-{hi:#x}: \
                 mapping tasks signalled, DAX entries invalidated"
            ),
            What::Unowned { lo, hi } => write!(
                f,
                "pfn {lo:#x}-{hi:#x}: no DAX file maps it and it is no known metadata (unowned)"
            ),
            What::NotOurs { lo, hi } => write!(
                f,
                "pfn {lo:#x}-{hi:#x}: no DAX file of ext4, ext2 or XFS maps it; left to the kernel"
            ),
            What::NoStack { errno } => write!(
                f,
                "cannot read the stack ({}); left to the kernel",
                errname(errno)
            ),
            What::Stopped { error } => write!(
                f,
                "translation stopped: {error:?}; the rest is left to the kernel"
            ),
            What::Result { rc } => write!(f, "notify_failure returns {}", code(rc)),
            What::Signal {
                pid,
                comm,
                code,
                addr,
                lsb,
                ..
            } => signal(f, pid, &comm, code, addr, lsb),
        }
    }
}

/// [`What::Failure`]: the call as memory_failure() made it.
fn failure(f: &mut fmt::Formatter<'_>, extent: Extent, mf_flags: u32) -> fmt::Result {
    let (offset, len) = extent.offset_len();
    write!(
        f,
        "notify_failure offset={offset:#x} len={len:#x} mf_flags={mf_flags:#x} ({})",
        MfFlags(mf_flags)
    )
}

/// [`What::Top`]: the piece in sectors, and what its holder returned.
fn top(f: &mut fmt::Formatter<'_>, origin: &Origin, p: &Piece, rc: i32) -> fmt::Result {
    write!(
        f,
        "{origin} -> top {} sector {} sectors {} depth {}: {} ({})",
        p.device,
        p.offset / SECTOR_SIZE,
        p.len.div_ceil(SECTOR_SIZE),
        p.depth,
        outcome(rc),
        code(rc)
    )
}

/// [`What::Unmapped`]: the piece in sectors.
fn unmapped(f: &mut fmt::Formatter<'_>, origin: &Origin, p: &Piece) -> fmt::Result {
    write!(
        f,
        "{origin} -> unmapped {} sector {} sectors {} depth {}: nothing above uses it",
        p.device,
        p.offset / SECTOR_SIZE,
        p.len.div_ceil(SECTOR_SIZE),
        p.depth
    )
}

/// [`What::Whole`]: the device, and what its holder returned.
fn whole(f: &mut fmt::Formatter<'_>, origin: &Origin, p: &Piece, rc: i32) -> fmt::Result {
    write!(
        f,
        "{origin} -> whole {} depth {}: {} ({})",
        p.device,
        p.depth,
        outcome(rc),
        code(rc)
    )
}

/// [`What::Owner`]: the owner's file and page, and whether its mapping
/// tasks were signalled.
fn owner(
    f: &mut fmt::Formatter<'_>,
    pfn: u64,
    pages: u64,
    dev: u32,
    ino: u64,
    pgoff: u64,
    rc: i32,
) -> fmt::Result {
    write!(
        f,
        "pfn {pfn:#x} pages {pages} owned by dev {}:{} ino {ino} pgoff {pgoff}: {} ({})",
        dev >> 20,
        dev & 0xfffff,
        if rc == 0 {
            "mapping tasks signalled"
        } else {
            "kill failed"
        },
        code(rc)
    )
}

/// [`What::Signal`]: the SIGBUS's code, task, address and size.
fn signal(
    f: &mut fmt::Formatter<'_>,
    pid: i32,
    comm: &Name,
    code: i32,
    addr: u64,
    lsb: i32,
) -> fmt::Result {
    write!(f, "SIGBUS ")?;
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
