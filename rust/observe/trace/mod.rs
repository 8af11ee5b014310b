// SPDX-License-Identifier: GPL-2.0

//! daxhold's trace events from the failure path (Documentation/admin.rst,
//! "Tracepoints"): the checked failure, each top, each owner, each SIGBUS
//! daxhold sends itself. Each costs one load while no tracer is attached.
//! The known-poison scan's events are in `crate::poison`.

pub(crate) mod ffi;

use crate::errno::EOPNOTSUPP;
use crate::observe::trace::ffi::{self as tr, Short};
use crate::pure::events::{Name, Piece};
use crate::pure::notify::Extent;
use crate::pure::stack::SECTOR_SIZE;

/// `daxhold:daxhold_failure`: failure `seq` of `pmem` as checked.
pub(crate) fn failure(seq: u64, pmem: &Name, extent: Extent, mf_flags: u32) {
    if !tr::on() {
        return;
    }
    let (offset, len) = extent.offset_len();
    tr::failure(seq, &Short::new(&pmem.0), offset, len, mf_flags);
}

/// `daxhold:daxhold_top`: `piece` of failure `seq` and what its holder
/// answered (`rc`), or `None` for a piece of a device that does not map
/// those bytes.
#[inline]
pub(crate) fn top(seq: u64, piece: &Piece, rc: Option<i32>) {
    // The check in the caller: the failure path, with no tracer attached,
    // makes no call.
    if tr::on() {
        top_on(seq, piece, rc);
    }
}

/// [`top`] with a tracer attached: out of line, so the failure path's
/// callers stay as small as with no event.
#[inline(never)]
fn top_on(seq: u64, piece: &Piece, rc: Option<i32>) {
    let outcome: &[u8] = match rc {
        None => b"unmapped",
        Some(0) => b"handled",
        Some(EOPNOTSUPP) => b"declined",
        Some(_) => b"failed",
    };
    let whole = piece.len == u64::MAX;
    let sector = piece.offset / SECTOR_SIZE;
    let sectors = if whole {
        u64::MAX
    } else {
        piece
            .offset
            .saturating_add(piece.len)
            .div_ceil(SECTOR_SIZE)
            .saturating_sub(sector)
    };
    let device = Short::new(&piece.device.0);
    let where_ = tr::Top {
        device: &device,
        dev: piece.dev,
        depth: piece.depth,
        sector,
        sectors,
        whole,
    };
    tr::top(seq, &where_, rc.unwrap_or(0), &Short::new(outcome));
}

/// An owner the reverse map found: `count` pages from `pgoff` of inode
/// `ino` on `dev`, at `pfn`.
pub(crate) struct FileOwner {
    pub(crate) dev: u32,
    pub(crate) ino: u64,
    pub(crate) pgoff: u64,
    pub(crate) count: u64,
    pub(crate) pfn: u64,
}

/// `daxhold:daxhold_owner` (kind `file`): `o` of failure `seq`, and the
/// error of having its mapping tasks signalled, if any (`rc`).
pub(crate) fn owner(seq: u64, o: &FileOwner, rc: i32) {
    if !tr::on() {
        return;
    }
    let kind = Short::new(b"file");
    tr::owner(seq, o.dev, o.ino, o.pgoff, o.count, o.pfn, rc, &kind);
}

/// What a failure's pages were when no file owns them, as
/// `daxhold:daxhold_owner`'s `kind`.
#[derive(Clone, Copy)]
pub(crate) enum NoFile {
    /// Filesystem metadata (`dev`'s pages from `pgoff`; `rc` 0 if the
    /// filesystem was shut down or reported, else the shutdown's error).
    Metadata,
    /// Nothing: no file, no known metadata (pfns from `pfn`).
    Unowned,
    /// No ext4, ext2 or XFS there: left to the kernel (pfns from `pfn`).
    NotOurs,
}

/// `daxhold:daxhold_owner` with `ino` 0 and kind `metadata`, `unowned` or
/// `notours`: `count` pages of failure `seq` that no file owns.
pub(crate) fn no_file(seq: u64, what: NoFile, dev: u32, pgoff: u64, count: u64, pfn: u64, rc: i32) {
    if !tr::on() {
        return;
    }
    let kind: &[u8] = match what {
        NoFile::Metadata => b"metadata",
        NoFile::Unowned => b"unowned",
        NoFile::NotOurs => b"notours",
    };
    let kind = Short::new(kind);
    tr::owner(seq, dev, 0, pgoff, count, pfn, rc, &kind);
}

/// `daxhold:daxhold_kill`: daxhold sent task `pid` (`comm`) a SIGBUS
/// with `si_code` for address `addr`, `lsb` its log2 size.
pub(crate) fn kill(seq: u64, pid: i32, comm: &[u8], si_code: i32, addr: u64, lsb: i32) {
    if !tr::on() {
        return;
    }
    tr::kill(seq, pid, &Short::new(comm), si_code, addr, lsb);
}
