// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_procfs` suite ([`super::PROCFS_CASES`]): the
//! lines of `/proc/fs/daxhold/stack` and `events` that tools parse, the
//! failure log's history, and which devices `stack` lists.

use core::fmt::{self, Write};
use core::num::NonZeroU64;

use super::Fail;
use crate::pure::errname::{ENOMEM, ENXIO, EOPNOTSUPP};
use crate::pure::events::{
    Event, EventLog, History, Line, Name, Piece, What, BUS_MCEERR_AO, BUS_MCEERR_AR,
};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::notify::Extent;
use crate::pure::procfs::{depths, Dev, Devt, Fs, Header, Held, Kind, Map, Word, UNREACHED};
use crate::pure::stack::{DevId, Link, Segment, StackBuilder, StackError};

/// `d`'s text is exactly `want`.
fn shows(d: &dyn fmt::Display, want: &str) -> bool {
    let mut buf = [0u8; 256];
    let mut out = FixedBuf::new(&mut buf);
    write!(out, "{d}").is_ok() && out.as_bytes() == want.as_bytes()
}

/// `d`'s text contains `part`.
fn has(d: &dyn fmt::Display, part: &str) -> bool {
    let mut buf = [0u8; 256];
    let mut out = FixedBuf::new(&mut buf);
    if write!(out, "{d}").is_err() {
        return false;
    }
    let (h, p) = (out.as_bytes(), part.as_bytes());
    h.windows(p.len().max(1)).any(|w| w == p)
}

const LV: u32 = (254 << 20) | 3;

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

fn piece(device: &[u8], depth: u32, offset: u64, len: u64) -> Piece {
    Piece {
        device: Name::new(device),
        dev: LV,
        depth,
        offset,
        len,
    }
}

fn signal(code: i32, comm: &[u8]) -> Event {
    signal_of(code, comm, None)
}

/// A signal record, with the kernel kill line of daxhold's own kills.
fn signal_of(code: i32, comm: &[u8], kill_line: Option<NonZeroU64>) -> Event {
    event(
        7,
        What::Signal {
            pid: 345,
            comm: Name::new(comm),
            code,
            addr: 0x7f12345000,
            lsb: 12,
            kill_line,
        },
    )
}

/// Only daxhold's own kills carry a kernel kill line, with their pid and
/// name.
pub(super) fn kill_line() -> Result<(), Fail> {
    ensure!(signal(4, b"dax_poison").kill_line().is_none());
    let own = signal_of(4, b"dax_poison", NonZeroU64::new(0x101e34));
    ensure!(matches!(
        own.kill_line(),
        Some((0x101e34, n, 345)) if n.as_str() == "dax_poison"
    ));
    Ok(())
}

/// The call and the pieces of the stack as their `events` lines.
pub(super) fn event_lines_stack() -> Result<(), Fail> {
    ensure!(shows(
        &Line(&event(7, What::Failure { mf_flags: 0x23 })),
        "7 pmem0 failure offset=0x11b000 len=0x1000 mf_flags=0x23 \
         flags=MF_COUNT_INCREASED|MF_ACTION_REQUIRED|MF_SW_SIMULATED"
    ));
    let top = |rc| {
        event(
            7,
            What::Top {
                piece: piece(b"dm-3", 2, 216 * 512, 0x1000),
                rc,
            },
        )
    };
    ensure!(shows(
        &Line(&top(0)),
        "7 pmem0 top dev=dm-3 devt=254:3 sector=216 sectors=8 depth=2 result=handled errno=0"
    ));
    ensure!(shows(
        &Line(&top(-EOPNOTSUPP)),
        "7 pmem0 top dev=dm-3 devt=254:3 sector=216 sectors=8 depth=2 result=declined errno=-95"
    ));
    ensure!(shows(
        &Line(&top(-ENXIO)),
        "7 pmem0 top dev=dm-3 devt=254:3 sector=216 sectors=8 depth=2 result=failed errno=-6"
    ));
    // A partial sector counts as one, as in dmesg.
    ensure!(shows(
        &Line(&event(
            7,
            What::Unmapped {
                piece: piece(b"pmem0", 0, 0x11b000, 0x201)
            }
        )),
        "7 pmem0 unmapped dev=pmem0 devt=254:3 sector=2264 sectors=2 depth=0"
    ));
    Ok(())
}

/// A pre-remove's call and a whole upper device as their `events` lines.
pub(super) fn event_lines_whole() -> Result<(), Fail> {
    let whole = Event {
        seq: 8,
        holder: Name::new(b"pmem1"),
        extent: Extent::WholeDevice,
        what: What::Whole {
            piece: piece(b"dm-3", 1, 0, u64::MAX),
            rc: 0,
        },
    };
    ensure!(shows(
        &Line(&whole),
        "8 pmem1 whole dev=dm-3 devt=254:3 depth=1 result=handled errno=0"
    ));
    ensure!(shows(
        &Line(&Event {
            what: What::Failure { mf_flags: 0x80 },
            ..whole
        }),
        "8 pmem1 failure offset=0x0 len=0xffffffffffffffff mf_flags=0x80 flags=MF_MEM_PRE_REMOVE"
    ));
    Ok(())
}

/// The reverse map's records as their `events` lines.
pub(super) fn event_lines_owners() -> Result<(), Fail> {
    ensure!(shows(
        &Line(&event(
            7,
            What::Owner {
                pfn: 0x101218,
                pages: 1,
                dev: LV,
                ino: 131,
                pgoff: 3,
                rc: 0
            }
        )),
        "7 pmem0 owner fsdev=254:3 ino=131 pgoff=3 pfn=0x101218 pages=1 errno=0"
    ));
    ensure!(shows(
        &Line(&event(
            7,
            What::PreRemoveOwners {
                ranges: 48,
                lo: 0x101200,
                hi: 0x13ffff
            }
        )),
        "7 pmem0 pre_remove_owners ranges=48 pfn_lo=0x101200 pfn_hi=0x13ffff"
    ));
    ensure!(shows(
        &Line(&event(7, What::Unowned { lo: 0x10, hi: 0x11 })),
        "7 pmem0 unowned pfn_lo=0x10 pfn_hi=0x11"
    ));
    ensure!(shows(
        &Line(&event(7, What::NotOurs { lo: 0x10, hi: 0x10 })),
        "7 pmem0 notours pfn_lo=0x10 pfn_hi=0x10"
    ));
    Ok(())
}

/// The errors and the result as their `events` lines.
pub(super) fn event_lines_results() -> Result<(), Fail> {
    ensure!(shows(
        &Line(&event(7, What::NoStack { errno: -ENOMEM })),
        "7 pmem0 nostack errno=-12"
    ));
    ensure!(shows(
        &Line(&event(
            7,
            What::Stopped {
                error: StackError::TooDeep
            }
        )),
        "7 pmem0 stopped error=TooDeep errno=-40"
    ));
    ensure!(shows(
        &Line(&event(7, What::Result { rc: 0 })),
        "7 pmem0 result errno=0"
    ));
    ensure!(shows(
        &Line(&event(7, What::Result { rc: -EOPNOTSUPP })),
        "7 pmem0 result errno=-95"
    ));
    Ok(())
}

/// The signals as their `events` lines: the code's name, the task's name
/// as a word.
pub(super) fn event_lines_signals() -> Result<(), Fail> {
    ensure!(shows(
        &Line(&signal(BUS_MCEERR_AR, b"dax_poison")),
        "7 pmem0 signal pid=345 comm=dax_poison code=AR addr=0x7f12345000 lsb=12"
    ));
    ensure!(shows(
        &Line(&signal(BUS_MCEERR_AO, b"a b\tc")),
        "7 pmem0 signal pid=345 comm=a?b?c code=AO addr=0x7f12345000 lsb=12"
    ));
    ensure!(shows(
        &Line(&signal(1, b"")),
        "7 pmem0 signal pid=345 comm=? code=1 addr=0x7f12345000 lsb=12"
    ));
    Ok(())
}

/// The new records' kernel-log lines; `result` is not printed.
pub(super) fn dmesg_lines() -> Result<(), Fail> {
    let ar = signal(BUS_MCEERR_AR, b"dax_poison");
    ensure!(shows(
        &ar,
        "pmem0: SIGBUS BUS_MCEERR_AR to pid 345 (dax_poison) at 0x7f12345000, si_addr_lsb=12"
    ));
    ensure!(!ar.is_quiet() && !ar.is_error());
    ensure!(shows(
        &signal(9, b"x"),
        "pmem0: SIGBUS si_code 9 to pid 345 (x) at 0x7f12345000, si_addr_lsb=12"
    ));
    let result = event(7, What::Result { rc: -EOPNOTSUPP });
    ensure!(result.is_quiet() && !result.is_error());
    ensure!(!event(7, What::Failure { mf_flags: 0 }).is_quiet());
    Ok(())
}

/// The `events` line and the dmesg line of a piece give the same device,
/// sector, sector count and depth, for ranges of every alignment.
pub(super) fn lines_agree() -> Result<(), Fail> {
    for depth in [0u32, 1, 7] {
        for offset in [0u64, 1, 511, 512, 4096, 0x11b000, u64::MAX / 2] {
            for len in [1u64, 511, 512, 513, 4096, 1 << 40] {
                let p = piece(b"dm-3", depth, offset, len);
                let (s, n) = (offset / 512, len.div_ceil(512));
                let mut want = [0u8; 96];
                let mut w = FixedBuf::new(&mut want);
                ensure!(write!(w, "sector={s} sectors={n} depth={depth}").is_ok());
                let mut want_d = [0u8; 96];
                let mut wd = FixedBuf::new(&mut want_d);
                ensure!(write!(wd, "dm-3 sector {s} sectors {n} depth {depth}").is_ok());
                let (want, want_d) = (
                    core::str::from_utf8(w.as_bytes()).unwrap_or("!"),
                    core::str::from_utf8(wd.as_bytes()).unwrap_or("!"),
                );
                for what in [What::Top { piece: p, rc: 0 }, What::Unmapped { piece: p }] {
                    let e = event(1, what);
                    ensure!(has(&Line(&e), want) && has(&Line(&e), " dev=dm-3 "));
                    ensure!(has(&e, want_d));
                }
            }
        }
    }
    Ok(())
}

fn seqs(out: &[Event]) -> impl Iterator<Item = u64> + '_ {
    out.iter().map(|e| e.seq)
}

fn failure(seq: u64) -> Event {
    event(seq, What::Failure { mf_flags: 0x23 })
}

/// The history keeps the last records, oldest first, overwriting.
pub(super) fn history() -> Result<(), Fail> {
    let mut slots = [Event::EMPTY; 3];
    let mut h = History::new(&mut slots[..]);
    ensure!(h.is_empty());
    let mut pend = [Event::EMPTY; 4];
    let mut hist = [Event::EMPTY; 3];
    let mut log = EventLog::new(&mut pend[..], &mut hist[..]);
    let mut out = [Event::EMPTY; 8];
    ensure!(log.recent(&mut out) == 0);
    for seq in 1..=5 {
        h.push(failure(seq));
        ensure!(log.push(failure(seq)) == (seq <= 4));
    }
    ensure!(h.len() == 3);
    // Four pending (the fifth was lost), nothing printed yet.
    ensure!(log.recent(&mut out) == 4 && seqs(&out[..4]).eq(1..=4));
    ensure!(log.take_lost() == 1 && log.capacity() == 4);
    // Printing moves each record to the history; a read sees both.
    ensure!(log.pop().map(|e| e.seq) == Some(1));
    ensure!(log.pop().map(|e| e.seq) == Some(2));
    ensure!(log.push(failure(6)));
    ensure!(log.recent(&mut out) == 5 && seqs(&out[..5]).eq([1, 2, 3, 4, 6]));
    // Only the newest fit a small buffer.
    let mut two = [Event::EMPTY; 2];
    ensure!(log.recent(&mut two) == 2 && seqs(&two).eq([4, 6]));
    // Printing everything: the history keeps the last 3.
    while log.pop().is_some() {}
    ensure!(log.recent(&mut out) == 3 && seqs(&out[..3]).eq([3, 4, 6]));
    for seq in 7..=100 {
        ensure!(log.push(failure(seq)));
        ensure!(log.pop().is_some());
    }
    ensure!(log.recent(&mut out) == 3 && seqs(&out[..3]).eq(98..=100));
    let mut none: [Event; 0] = [];
    let mut empty = History::new(&mut none[..]);
    empty.push(failure(1));
    ensure!(empty.is_empty());
    Ok(())
}

const P0: DevId = DevId(259 << 20);
const P0P1: DevId = DevId((259 << 20) | 1);
const P0P2: DevId = DevId((259 << 20) | 2);
const P1: DevId = DevId((259 << 20) | 3);
const DM0: DevId = DevId(254 << 20);
const DM1: DevId = DevId((254 << 20) | 1);
const DM2: DevId = DevId((254 << 20) | 2);
const OTHER: DevId = DevId(8 << 20);

/// pmem0 > p1, p2; dm-0 linear on p1; dm-1 striped over p2 and pmem1;
/// dm-2 linear on dm-0; sda (OTHER) unrelated.
fn build<'a>(
    segs: &'a mut [Segment],
    links: &'a mut [Link],
) -> Result<crate::pure::stack::Stack<&'a mut [Segment], &'a mut [Link]>, StackError> {
    let mut b = StackBuilder::new(segs);
    b.partition(P0, P0P1, 2048 * 512, 4096 * 512)?;
    b.partition(P0, P0P2, 8192 * 512, 4096 * 512)?;
    b.linear(DM0, 0, 4096 * 512, P0P1, 0)?;
    b.striped(DM1, 0, 4096 * 512, 8, &[(P0P2, 0), (P1, 2048 * 512)])?;
    b.linear(DM2, 0, 1024 * 512, DM0, 512 * 512)?;
    b.build(links)
}

/// Levels of the devices above held disks.
pub(super) fn levels() -> Result<(), Fail> {
    let mut segs = [Segment::EMPTY; 8];
    let mut links = [Link::EMPTY; 8];
    let Ok(stack) = build(&mut segs, &mut links) else {
        ensure!(false);
        return Ok(());
    };
    let devs = [OTHER, DM0, DM1, DM2, P0, P0P1, P0P2, P1];
    let mut d = [0u32; 8];
    depths(stack.segments(), &devs, |x| x == P0 || x == P1, &mut d);
    ensure!(d == [UNREACHED, 2, 1, 3, 0, 1, 1, 0]);
    // Holding pmem1 only: dm-1 is reached, the rest of pmem0's stack not.
    depths(stack.segments(), &devs, |x| x == P1, &mut d);
    ensure!(d == [UNREACHED, UNREACHED, 1, UNREACHED, UNREACHED, UNREACHED, UNREACHED, 0]);
    // Nothing held: nothing reached.
    depths(stack.segments(), &devs, |_| false, &mut d);
    ensure!(d.iter().all(|&x| x == UNREACHED));
    Ok(())
}

/// The `stack` lines of the header, held disks, devices and filesystems.
pub(super) fn stack_lines() -> Result<(), Fail> {
    ensure!(shows(&Header("stack"), "# daxhold stack v1"));
    ensure!(shows(&Devt(P0P1.0), "259:1"));
    ensure!(shows(&Word("a b"), "a?b") && shows(&Word(""), "?"));
    ensure!(shows(
        &Held {
            name: "pmem0",
            dev: P0.0,
            mode: "auto",
            sectors: 4194304
        },
        "held pmem0 dev=259:0 mode=auto sectors=4194304"
    ));
    ensure!(shows(
        &Dev {
            name: "dm-0",
            dev: DM0.0,
            kind: Kind::Dm,
            sectors: 4186112,
            holder: true,
            depth: 2
        },
        "dev dm-0 dev=254:0 kind=dm sectors=4186112 holder=yes depth=2"
    ));
    ensure!(shows(
        &Dev {
            name: "pmem0p1",
            dev: P0P1.0,
            kind: Kind::Part,
            sectors: 4096,
            holder: false,
            depth: 1
        },
        "dev pmem0p1 dev=259:1 kind=part sectors=4096 holder=no depth=1"
    ));
    ensure!(shows(
        &Fs {
            name: "dm-0",
            fs: "xfs"
        },
        "fs dm-0 type=xfs"
    ));
    Ok(())
}

/// The `stack` lines of the maps, one per segment.
pub(super) fn map_lines() -> Result<(), Fail> {
    let mut segs = [Segment::EMPTY; 8];
    let mut links = [Link::EMPTY; 8];
    let Ok(stack) = build(&mut segs, &mut links) else {
        ensure!(false);
        return Ok(());
    };
    let name = |d: DevId| match d {
        P0 => "pmem0",
        P0P1 => "pmem0p1",
        P0P2 => "pmem0p2",
        P1 => "pmem1",
        DM0 => "dm-0",
        DM1 => "dm-1",
        _ => "dm-2",
    };
    let mut found = 0;
    for seg in stack.segments() {
        let m = Map {
            upper: name(seg.upper()),
            lower: name(seg.lower()),
            seg,
        };
        let want = match (seg.upper(), seg.lower()) {
            (P0P1, _) => {
                "map pmem0p1 lower=pmem0 start=0 sectors=4096 lower_start=2048 target=part"
            }
            (P0P2, _) => {
                "map pmem0p2 lower=pmem0 start=0 sectors=4096 lower_start=8192 target=part"
            }
            (DM0, _) => "map dm-0 lower=pmem0p1 start=0 sectors=4096 lower_start=0 target=linear",
            (DM2, _) => "map dm-2 lower=dm-0 start=0 sectors=1024 lower_start=512 target=linear",
            (DM1, P0P2) => {
                "map dm-1 lower=pmem0p2 start=0 sectors=4096 lower_start=0 \
                 target=striped stripes=2 chunk=8 stripe=0"
            }
            (DM1, P1) => {
                "map dm-1 lower=pmem1 start=0 sectors=4096 lower_start=2048 \
                 target=striped stripes=2 chunk=8 stripe=1"
            }
            _ => "?",
        };
        ensure!(shows(&m, want));
        found += 1;
    }
    ensure!(found == 6);
    Ok(())
}
