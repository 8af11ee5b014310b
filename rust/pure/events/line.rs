// SPDX-License-Identifier: GPL-2.0

//! A record as its line of `/proc/fs/daxhold/events`, for programs:
//! [`Line`].

use core::fmt;

use super::record::{sig_code, Event, Name, Piece, What};
use crate::pure::errname::EOPNOTSUPP;
use crate::pure::mf::MfFlags;
use crate::pure::procfs::{Devt, Word};
use crate::pure::stack::SECTOR_SIZE;

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

    /// `whole dev=NAME devt=MAJ:MIN depth=D result=R errno=E` of a whole
    /// upper device.
    fn whole(f: &mut fmt::Formatter<'_>, p: &Piece, rc: i32) -> fmt::Result {
        Self::piece(f, "whole", p)?;
        write!(
            f,
            " depth={} result={} errno={}",
            p.depth,
            result_word(rc),
            Errno(rc)
        )
    }

    /// `signal pid=P comm=C code=AR|AO|N addr=A lsb=L` of a SIGBUS.
    fn signal(
        f: &mut fmt::Formatter<'_>,
        pid: i32,
        comm: &Name,
        code: i32,
        addr: u64,
        lsb: i32,
    ) -> fmt::Result {
        write!(f, "signal pid={pid} comm={} code=", Word(comm.as_str()))?;
        match sig_code(code) {
            Some(c) => f.write_str(c)?,
            None => write!(f, "{code}")?,
        }
        write!(f, " addr={addr:#x} lsb={lsb}")
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
            What::Whole { piece: p, rc } => Self::whole(f, &p, rc),
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
            } => Self::signal(f, pid, &comm, code, addr, lsb),
        }
    }
}
