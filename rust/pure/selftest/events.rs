// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_events` suite ([`super::EVENTS_CASES`]): the
//! failure log's ring and the exact text of its lines, which the guest
//! scenarios and `make demo` read back from dmesg.

use core::fmt::Write;

use super::Fail;
use crate::pure::errname::{ELOOP, ENOMEM, ENXIO, EOPNOTSUPP};
use crate::pure::events::{Event, Name, Piece, Ring, What, NAME_LEN};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::notify::Extent;
use crate::pure::stack::StackError;

fn event(seq: u64, what: What) -> Event {
    Event {
        seq,
        holder: Name::new(b"pmem0"),
        extent: Extent::Range {
            offset: 0x11b000,
            end: 0x11c000,
        },
        what,
    }
}

fn failure(seq: u64) -> Event {
    event(seq, What::Failure { mf_flags: 0x23 })
}

fn piece(device: &[u8], depth: u32, offset: u64, len: u64) -> Piece {
    Piece {
        device: Name::new(device),
        dev: 0xfd0_0000,
        depth,
        offset,
        len,
    }
}

/// `e`'s line is exactly `want`.
fn shows(e: &Event, want: &str) -> bool {
    let mut buf = [0u8; 256];
    let mut out = FixedBuf::new(&mut buf);
    write!(out, "{e}").is_ok() && out.as_bytes() == want.as_bytes()
}

pub(super) fn ring_fifo() -> Result<(), Fail> {
    let mut slots = [Event::EMPTY; 4];
    let mut ring = Ring::new(&mut slots[..]);
    ensure!(ring.capacity() == 4 && ring.is_empty());
    ensure!(ring.pop().is_none());
    for seq in 1..=3 {
        ensure!(ring.push(failure(seq)));
    }
    ensure!(ring.len() == 3);
    for seq in 1..=3 {
        ensure!(ring.pop().map(|e| e.seq) == Some(seq));
    }
    ensure!(ring.pop().is_none() && ring.take_lost() == 0);
    Ok(())
}

pub(super) fn ring_full_counts_lost() -> Result<(), Fail> {
    let mut slots = [Event::EMPTY; 4];
    let mut ring = Ring::new(&mut slots[..]);
    for seq in 1..=4 {
        ensure!(ring.push(failure(seq)));
    }
    // Full: the newest are dropped and counted, the oldest stay.
    ensure!(!ring.push(failure(5)));
    ensure!(!ring.push(failure(6)));
    ensure!(ring.len() == 4);
    ensure!(ring.take_lost() == 2);
    ensure!(ring.take_lost() == 0);
    // Lost before the ring (staged signal records): reported alike.
    ring.lose(3);
    ring.lose(u64::MAX);
    ensure!(ring.take_lost() == u64::MAX);
    ensure!(ring.pop().map(|e| e.seq) == Some(1));
    ensure!(ring.push(failure(7)));
    for seq in [2, 3, 4, 7] {
        ensure!(ring.pop().map(|e| e.seq) == Some(seq));
    }
    ensure!(ring.is_empty());
    Ok(())
}

pub(super) fn ring_wraps() -> Result<(), Fail> {
    let mut slots = [Event::EMPTY; 3];
    let mut ring = Ring::new(&mut slots[..]);
    let mut next_out = 0u64;
    // Many times round, the ring between one and three records full.
    for seq in 0..100u64 {
        ensure!(ring.push(failure(seq)));
        if seq % 3 != 0 || ring.len() == 3 {
            ensure!(ring.pop().map(|e| e.seq) == Some(next_out));
            next_out += 1;
        }
    }
    while let Some(e) = ring.pop() {
        ensure!(e.seq == next_out);
        next_out += 1;
    }
    ensure!(next_out == 100 && ring.take_lost() == 0);
    Ok(())
}

pub(super) fn ring_push_records() -> Result<(), Fail> {
    let mut slots = [Event::EMPTY; 4];
    let mut ring = Ring::new(&mut slots[..]);
    let head = failure(1);
    let whats = [
        What::Failure { mf_flags: 0x23 },
        What::Result { rc: 0 },
        What::Unowned { lo: 1, hi: 2 },
    ];
    // Three of one failure, after one (the ring wraps): each whole.
    ensure!(ring.push(failure(0)) && ring.pop().map(|e| e.seq) == Some(0));
    ensure!(ring.push(failure(0)));
    ensure!(ring.push_records(1, &head.holder, head.extent, &whats) == 0);
    ensure!(ring.pop() == Some(failure(0)));
    for what in whats {
        ensure!(ring.pop() == Some(event(1, what)));
    }
    // Full: the ones that do not fit are dropped, their bits set.
    ensure!(ring.push(failure(2)) && ring.push(failure(3)));
    ensure!(ring.push_records(4, &head.holder, head.extent, &whats) == 0b100);
    ensure!(ring.len() == 4 && ring.take_lost() == 1);
    for want in [
        failure(2),
        failure(3),
        event(4, whats[0]),
        event(4, whats[1]),
    ] {
        ensure!(ring.pop() == Some(want));
    }
    // Bits past 63 are not given; the records are counted all the same.
    let mut none: [Event; 0] = [];
    let mut empty = Ring::new(&mut none[..]);
    let many = [What::Result { rc: 0 }; 70];
    ensure!(empty.push_records(1, &head.holder, head.extent, &many) == u64::MAX);
    ensure!(empty.take_lost() == 70);
    Ok(())
}

pub(super) fn ring_without_room() -> Result<(), Fail> {
    let mut none: [Event; 0] = [];
    let mut ring = Ring::new(&mut none[..]);
    ensure!(ring.capacity() == 0);
    ensure!(!ring.push(failure(1)));
    ensure!(ring.pop().is_none());
    ensure!(ring.take_lost() == 1);
    Ok(())
}

pub(super) fn names() -> Result<(), Fail> {
    ensure!(Name::new(b"dm-0").as_str() == "dm-0");
    ensure!(Name::NONE.as_str() == "?");
    ensure!(Name::new(b"\xff").as_str() == "?");
    // Cut to DISK_NAME_LEN - 1 bytes, leaving a NUL.
    let long = [b'a'; 40];
    ensure!(Name::new(&long).as_str().len() == NAME_LEN - 1);
    Ok(())
}

/// The lines as daxhold printed them before they went through the ring
/// (README, Documentation/design.rst, tools/testing/guest/scenarios): the
/// call and the pieces of the stack it reached.
pub(super) fn lines_stack() -> Result<(), Fail> {
    ensure!(shows(
        &failure(1),
        "pmem0: notify_failure offset=0x11b000 len=0x1000 mf_flags=0x23 \
         (MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED)"
    ));
    let top = |rc| {
        event(
            1,
            What::Top {
                piece: piece(b"dm-0", 1, 216 * 512, 0x1000),
                rc,
            },
        )
    };
    ensure!(shows(
        &top(0),
        "pmem0: offset 0x11b000 len 0x1000 -> top dm-0 sector 216 sectors 8 depth 1: \
         handled by its holder (0)"
    ));
    ensure!(shows(
        &top(-EOPNOTSUPP),
        "pmem0: offset 0x11b000 len 0x1000 -> top dm-0 sector 216 sectors 8 depth 1: \
         no holder handled it; to the reverse map (EOPNOTSUPP)"
    ));
    ensure!(shows(
        &top(-ENXIO),
        "pmem0: offset 0x11b000 len 0x1000 -> top dm-0 sector 216 sectors 8 depth 1: \
         holder failed (ENXIO)"
    ));
    // A partial sector counts as one.
    let unmapped = event(
        1,
        What::Unmapped {
            piece: piece(b"pmem0", 0, 0x11b000, 0x201),
        },
    );
    ensure!(shows(
        &unmapped,
        "pmem0: offset 0x11b000 len 0x1000 -> unmapped pmem0 sector 2264 sectors 2 depth 0: \
         nothing above uses it"
    ));
    Ok(())
}

/// A record of a pre-remove (the whole of pmem1).
fn pre_remove(what: What) -> Event {
    Event {
        seq: 2,
        holder: Name::new(b"pmem1"),
        extent: Extent::WholeDevice,
        what,
    }
}

/// The lines of a pre-remove: the call, a whole upper device, the owners
/// the reverse map signalled.
pub(super) fn lines_pre_remove() -> Result<(), Fail> {
    ensure!(shows(
        &pre_remove(What::Failure { mf_flags: 0x80 }),
        "pmem1: notify_failure offset=0x0 len=0xffffffffffffffff mf_flags=0x80 (MF_MEM_PRE_REMOVE)"
    ));
    ensure!(shows(
        &pre_remove(What::Whole {
            piece: piece(b"dm-0", 1, 0, u64::MAX),
            rc: 0
        }),
        "pmem1: whole device -> whole dm-0 depth 1: handled by its holder (0)"
    ));
    ensure!(shows(
        &pre_remove(What::PreRemoveOwners {
            ranges: 48,
            lo: 0x101200,
            hi: 0x13ffff
        }),
        "pmem1: pre-remove: 48 owner ranges of pfn 0x101200-0x13ffff: \
         mapping tasks signalled, DAX entries invalidated"
    ));
    Ok(())
}

/// The reverse map's lines (rust/owners/).
pub(super) fn lines_owners() -> Result<(), Fail> {
    let owner = |rc| {
        event(
            1,
            What::Owner {
                pfn: 0x101218,
                pages: 1,
                dev: (254 << 20) | 1,
                ino: 131,
                pgoff: 3,
                rc,
            },
        )
    };
    ensure!(shows(
        &owner(0),
        "pmem0: pfn 0x101218 pages 1 owned by dev 254:1 ino 131 pgoff 3: mapping tasks signalled (0)"
    ));
    ensure!(shows(
        &owner(-ENXIO),
        "pmem0: pfn 0x101218 pages 1 owned by dev 254:1 ino 131 pgoff 3: kill failed (ENXIO)"
    ));
    ensure!(shows(
        &event(
            1,
            What::Unowned {
                lo: 0x1112d8,
                hi: 0x1112d8
            }
        ),
        "pmem0: pfn 0x1112d8-0x1112d8: no DAX file maps it and it is no known metadata (unowned)"
    ));
    ensure!(shows(
        &event(1, What::NotOurs { lo: 0x10, hi: 0x10 }),
        "pmem0: pfn 0x10-0x10: no DAX file of ext4, ext2 or XFS maps it; left to the kernel"
    ));
    Ok(())
}

/// The errors' lines: the stack unread, the translation stopped.
pub(super) fn lines_errors() -> Result<(), Fail> {
    let no_stack = event(1, What::NoStack { errno: -ENOMEM });
    ensure!(no_stack.is_error() && !failure(1).is_error());
    ensure!(shows(
        &no_stack,
        "pmem0: cannot read the stack (ENOMEM); left to the kernel"
    ));
    let stopped = event(
        1,
        What::Stopped {
            error: StackError::TooDeep,
        },
    );
    ensure!(stopped.is_error() && StackError::TooDeep.errno() == -ELOOP);
    ensure!(shows(
        &stopped,
        "pmem0: translation stopped: TooDeep; the rest is left to the kernel"
    ));
    Ok(())
}
