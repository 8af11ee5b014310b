// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_dmtable` suite ([`super::DMTABLE_CASES`]): dm
//! target lines (`dmsetup table` after the type) read into a stack, on
//! storage in arrays (no allocation, as in the kernel).

use core::fmt::Write;
use core::ops::ControlFlow;

use super::Fail;
use crate::pure::dmtable::{
    add_target, dev_id, dev_major_minor, parse_target, Field, TableError, Target, TargetKind,
};
use crate::pure::fixedbuf::FixedBuf;
use crate::pure::notify::Extent;
use crate::pure::stack::{DevId, Hit, Link, Segment, StackBuilder, StackError, Via};

use Field::{
    Begin, ChunkSize, Len, LinearDevice as LDev, LinearStart as LStart, StripeCount,
    StripeDevice as SDev, StripeStart as SStart,
};
use TableError::{BadDevice, BytesOverflow, Malformed, Missing, Stack, TooLarge, Trailing};

const SLOTS: usize = 8;

type Builder<'a> = StackBuilder<&'a mut [Segment]>;

/// `MKDEV(major, minor)`, for devices known to be in range.
const fn mkdev(major: u32, minor: u32) -> DevId {
    DevId((major << 20) | minor)
}

/// pmem0, its partition 1, pmem1.
const PMEM0: DevId = mkdev(259, 0);
const PMEM0P1: DevId = mkdev(259, 1);
const PMEM1: DevId = mkdev(259, 2);
/// Two dm devices (major 253, as device-mapper's usual dynamic major).
const DM0: DevId = mkdev(253, 0);
const DM1: DevId = mkdev(253, 1);

/// The segments `add` gives, with how many; `None` if it failed.
fn segments(
    add: impl FnOnce(&mut Builder<'_>) -> Result<(), TableError>,
) -> Option<([Segment; SLOTS], usize)> {
    let mut segs = [Segment::EMPTY; SLOTS];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    add(&mut b).ok()?;
    let n = b.len();
    Some((segs, n))
}

/// Whether `text` and `direct` add the same segments (and some).
fn same(
    text: impl FnOnce(&mut Builder<'_>) -> Result<(), TableError>,
    direct: impl FnOnce(&mut Builder<'_>) -> Result<(), StackError>,
) -> bool {
    let a = segments(text);
    let b = segments(|b| direct(b).map_err(TableError::Stack));
    matches!((a, b), (Some((a, n)), Some((b, m))) if n == m && n > 0 && a.get(..n) == b.get(..m))
}

/// Adds one target of `dm` and checks that it is of `kind`.
fn add(
    b: &mut Builder<'_>,
    dm: DevId,
    begin: u64,
    len: u64,
    ty: &[u8],
    params: &[u8],
    kind: TargetKind,
) -> Result<(), TableError> {
    match add_target(b, dm, begin, len, ty, params)? {
        k if k == kind => Ok(()),
        // Wrong kind: refuse, so that `same` fails.
        _ => Err(TableError::Trailing(Field::Begin)),
    }
}

pub(super) fn dev_ids() -> Result<(), Fail> {
    ensure!(dev_id(259, 0) == Some(DevId(259 << 20)));
    ensure!(dev_id(8, 17) == Some(DevId((8 << 20) | 17)));
    ensure!(dev_id(4095, (1 << 20) - 1) == Some(DevId(u32::MAX)));
    ensure!(dev_id(0, 0) == Some(DevId(0)));
    ensure!(dev_id(4096, 0).is_none());
    ensure!(dev_id(0, 1 << 20).is_none());
    ensure!(dev_id(u32::MAX, u32::MAX).is_none());
    ensure!(dev_major_minor(DevId(u32::MAX)) == (4095, (1 << 20) - 1));
    ensure!(dev_major_minor(mkdev(253, 7)) == (253, 7));
    Ok(())
}

pub(super) fn linear() -> Result<(), Fail> {
    // dmsetup: "0 204800 linear 259:1 2048": 100 MiB of partition 1 from
    // its second MiB.
    ensure!(same(
        |b| add(
            b,
            DM0,
            0,
            204800,
            b"linear",
            b"259:1 2048",
            TargetKind::Linear
        ),
        |b| b.linear(DM0, 0, 204800 * 512, PMEM0P1, 2048 * 512)
    ));
    // A second target further on, on another device.
    ensure!(same(
        |b| {
            add(b, DM0, 0, 8, b"linear", b"259:0 0", TargetKind::Linear)?;
            add(b, DM0, 8, 16, b"linear", b"259:2 4096", TargetKind::Linear)
        },
        |b| {
            b.linear(DM0, 0, 8 * 512, PMEM0, 0)?;
            b.linear(DM0, 8 * 512, 16 * 512, PMEM1, 4096 * 512)
        }
    ));
    // The largest numbers that still fit in bytes.
    let top = u64::MAX / 512;
    ensure!(same(
        |b| add(
            b,
            DM0,
            top - 1,
            1,
            b"linear",
            b"4095:1048575 0",
            TargetKind::Linear
        ),
        |b| b.linear(DM0, (top - 1) * 512, 512, DevId(u32::MAX), 0)
    ));
    ensure!(
        parse_target(b"linear", b"259:1 2048")
            == Ok(Target::Linear {
                dev: PMEM0P1,
                start: 2048
            })
    );
    Ok(())
}

pub(super) fn striped() -> Result<(), Fail> {
    // dmsetup: "0 128 striped 2 8 259:1 0 259:2 2048".
    let two = TargetKind::Striped { stripes: 2 };
    ensure!(same(
        |b| add(b, DM1, 0, 128, b"striped", b"2 8 259:1 0 259:2 2048", two),
        |b| b.striped(DM1, 0, 128 * 512, 8, &[(PMEM0P1, 0), (PMEM1, 2048 * 512)])
    ));
    // One stripe, chunk as large as a u32.
    let one = TargetKind::Striped { stripes: 1 };
    let len = u64::from(u32::MAX);
    ensure!(same(
        |b| add(b, DM1, 0, len, b"striped", b"1 4294967295 259:0 0", one),
        |b| b.striped(DM1, 0, len * 512, u32::MAX, &[(PMEM0, 0)])
    ));
    // Five stripes: no array bound in the way.
    let five = TargetKind::Striped { stripes: 5 };
    let params = b"5 1 259:0 0 259:2 0 259:1 10 259:0 5 259:2 5";
    let stripes = [
        (PMEM0, 0),
        (PMEM1, 0),
        (PMEM0P1, 10 * 512),
        (PMEM0, 5 * 512),
        (PMEM1, 5 * 512),
    ];
    ensure!(same(
        |b| add(b, DM1, 10, 5, b"striped", params, five),
        |b| b.striped(DM1, 10 * 512, 5 * 512, 1, &stripes)
    ));
    let parsed = parse_target(b"striped", params);
    ensure!(matches!(parsed, Ok(Target::Striped(s)) if s.count() == 5 && s.chunk_sectors() == 1));
    ensure!(matches!(parsed, Ok(Target::Striped(s)) if s.stripes().nth(2) == Some((PMEM0P1, 10))));
    ensure!(matches!(parsed, Ok(Target::Striped(s)) if s.stripes().count() == 5));
    Ok(())
}

pub(super) fn spacing() -> Result<(), Fail> {
    // Runs of spaces and one trailing newline are tolerated.
    for params in [&b"259:1 2048\n"[..], b"  259:1   2048  ", b"259:1 2048 \n"] {
        ensure!(same(
            |b| add(b, DM0, 0, 8, b"linear", params, TargetKind::Linear),
            |b| b.linear(DM0, 0, 8 * 512, PMEM0P1, 2048 * 512)
        ));
    }
    let two = TargetKind::Striped { stripes: 2 };
    ensure!(same(
        |b| add(b, DM1, 0, 32, b"striped", b"2  8 259:1 0  259:2 0\n", two),
        |b| b.striped(DM1, 0, 32 * 512, 8, &[(PMEM0P1, 0), (PMEM1, 0)])
    ));
    Ok(())
}

pub(super) fn other_types() -> Result<(), Fail> {
    let mut segs = [Segment::EMPTY; SLOTS];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    for (ty, params) in [
        (
            &b"crypt"[..],
            &b"aes-xts-plain64 :64:logon:cryptsetup:x 0 259:1 4096"[..],
        ),
        (b"error", b""),
        (b"zero", b""),
        (b"thin", b"253:2 1"),
        (b"thin-pool", b"253:0 253:1 128 0 0"),
        (b"", b"259:0 0"),
        (b"Linear", b"259:0 0"),
        (b"linear\0", b"259:0 0"),
    ] {
        // Whatever the text, even what would be no table at all.
        ensure!(add_target(&mut b, DM0, 0, 8, ty, params) == Ok(TargetKind::Other));
        ensure!(add_target(&mut b, DM0, u64::MAX, 0, ty, b"\xff") == Ok(TargetKind::Other));
        ensure!(parse_target(ty, b"x") == Ok(Target::Other));
    }
    ensure!(b.is_empty());
    Ok(())
}

/// A target line the reader refuses, and why.
struct Bad {
    ty: &'static [u8],
    begin: u64,
    len: u64,
    params: &'static str,
    want: TableError,
}

const fn lin(params: &'static str, want: TableError) -> Bad {
    Bad {
        ty: b"linear",
        begin: 0,
        len: 8,
        params,
        want,
    }
}

const fn str8(params: &'static str, want: TableError) -> Bad {
    Bad {
        ty: b"striped",
        begin: 0,
        len: 16,
        params,
        want,
    }
}

/// 2^55 sectors: the first sector count past `u64::MAX` in bytes.
const PAST: u64 = 1 << 55;

const BAD: &[Bad] = &[
    // Missing and extra fields.
    lin("", Missing(LDev)),
    lin("\n", Missing(LDev)),
    lin("   ", Missing(LDev)),
    lin("259:1", Missing(LStart)),
    lin("259:1 ", Missing(LStart)),
    lin("259:1 2048 0", Trailing(LStart)),
    lin("259:1 2048 x", Trailing(LStart)),
    // Devices.
    lin("259 2048", Malformed(LDev)),
    lin("259:1:0 2048", Malformed(LDev)),
    lin(":1 2048", Malformed(LDev)),
    lin("259: 2048", Malformed(LDev)),
    lin(": 2048", Malformed(LDev)),
    lin("+259:1 2048", Malformed(LDev)),
    lin("259:-1 2048", Malformed(LDev)),
    lin("0x103:1 2048", Malformed(LDev)),
    lin("0259:1 2048", Malformed(LDev)),
    lin("259:01 2048", Malformed(LDev)),
    lin("pmem0p1 2048", Malformed(LDev)),
    lin("/dev/pmem0p1 2048", Malformed(LDev)),
    lin("259:1\t2048", Malformed(LDev)),
    lin(
        "4096:0 0",
        BadDevice {
            field: LDev,
            major: 4096,
            minor: 0,
        },
    ),
    lin(
        "0:1048576 0",
        BadDevice {
            field: LDev,
            major: 0,
            minor: 1 << 20,
        },
    ),
    lin("4294967296:0 0", TooLarge(LDev)),
    lin("1:99999999999999999999 0", TooLarge(LDev)),
    // Numbers.
    lin("259:1 -1", Malformed(LStart)),
    lin("259:1 +1", Malformed(LStart)),
    lin("259:1 0x800", Malformed(LStart)),
    lin("259:1 08", Malformed(LStart)),
    lin("259:1 1e3", Malformed(LStart)),
    lin("259:1 2048\n\n", Malformed(LStart)),
    lin("259:1 2048\r", Malformed(LStart)),
    lin("259:1 18446744073709551616", TooLarge(LStart)),
    lin("259:1 36028797018963968", BytesOverflow(LStart)),
    // What the builder refuses.
    lin("253:0 0", Stack(StackError::SelfMap(DM0))),
    lin("259:1 36028797018963967", Stack(StackError::Overflow)),
    // Striped: count, chunk, pairs.
    str8("", Missing(StripeCount)),
    str8("2", Missing(ChunkSize)),
    str8("-2 8", Malformed(StripeCount)),
    str8("02 8 259:1 0 259:2 0", Malformed(StripeCount)),
    str8("4294967296 8", TooLarge(StripeCount)),
    str8("2 4294967296 259:1 0 259:2 0", TooLarge(ChunkSize)),
    str8("2 0x8 259:1 0 259:2 0", Malformed(ChunkSize)),
    str8(
        "2 8",
        TableError::StripeCount {
            stripes: 2,
            fields: 0,
        },
    ),
    str8(
        "2 8 259:1 0",
        TableError::StripeCount {
            stripes: 2,
            fields: 2,
        },
    ),
    str8(
        "2 8 259:1 0 259:2",
        TableError::StripeCount {
            stripes: 2,
            fields: 3,
        },
    ),
    str8(
        "1 8 259:1 0 259:2 0",
        TableError::StripeCount {
            stripes: 1,
            fields: 4,
        },
    ),
    str8(
        "4294967295 8 259:1 0",
        TableError::StripeCount {
            stripes: u32::MAX,
            fields: 2,
        },
    ),
    str8("2 8 259:1 0 x 0", Malformed(SDev(1))),
    str8("2 8 259:1 0 0 259:2", Malformed(SDev(1))),
    str8("2 8 259:1 x 259:2 0", Malformed(SStart(0))),
    str8("2 8 259:1 0 259:2 -0", Malformed(SStart(1))),
    str8(
        "2 8 259:1 0 4096:2 0",
        BadDevice {
            field: SDev(1),
            major: 4096,
            minor: 2,
        },
    ),
    str8(
        "2 8 259:1 0 259:2 18446744073709551616",
        TooLarge(SStart(1)),
    ),
    str8(
        "2 8 259:1 36028797018963968 259:2 0",
        BytesOverflow(SStart(0)),
    ),
    // What the builder refuses, as dm-stripe does.
    str8("0 8", Stack(StackError::ZeroStripes)),
    str8("2 0 259:1 0 259:2 0", Stack(StackError::ZeroChunk)),
    str8(
        "3 8 259:1 0 259:2 0 259:0 0",
        Stack(StackError::StripeLayout),
    ),
    str8("2 16 259:1 0 259:2 0", Stack(StackError::StripeLayout)),
    str8("2 8 259:1 0 253:0 0", Stack(StackError::SelfMap(DM0))),
    str8(
        "2 8 259:1 0 259:2 36028797018963967",
        Stack(StackError::Overflow),
    ),
    // Begin and length.
    Bad {
        ty: b"linear",
        begin: PAST,
        len: 8,
        params: "259:1 0",
        want: BytesOverflow(Begin),
    },
    Bad {
        ty: b"striped",
        begin: 0,
        len: PAST,
        params: "1 8 259:1 0",
        want: BytesOverflow(Len),
    },
    Bad {
        ty: b"linear",
        begin: 0,
        len: 0,
        params: "259:1 0",
        want: Stack(StackError::ZeroLength),
    },
    Bad {
        ty: b"linear",
        begin: PAST - 1,
        len: 1,
        params: "259:1 0",
        want: Stack(StackError::Overflow),
    },
];

pub(super) fn rejects() -> Result<(), Fail> {
    let mut segs = [Segment::EMPTY; SLOTS];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    // One good target first: a refused one adds nothing after it.
    let first = add_target(&mut b, DM0, 64, 8, b"linear", b"259:1 0");
    ensure!(first == Ok(TargetKind::Linear));
    for bad in BAD {
        let got = add_target(
            &mut b,
            DM0,
            bad.begin,
            bad.len,
            bad.ty,
            bad.params.as_bytes(),
        );
        if got != Err(bad.want) || b.len() != 1 {
            return Err(Fail {
                line: line!(),
                what: bad.params,
            });
        }
    }
    Ok(())
}

/// Whether `e` reads as `want`.
fn says(e: TableError, want: &str) -> bool {
    let mut buf = [0u8; 160];
    let mut out = FixedBuf::new(&mut buf);
    write!(out, "{e}").is_ok() && out.as_bytes() == want.as_bytes()
}

pub(super) fn errnos() -> Result<(), Fail> {
    ensure!(Missing(LDev).errno() == -22 && Malformed(SDev(3)).errno() == -22);
    ensure!(Trailing(LStart).errno() == -22);
    let count = TableError::StripeCount {
        stripes: 3,
        fields: 5,
    };
    ensure!(count.errno() == -22);
    ensure!(TooLarge(ChunkSize).errno() == -34 && BytesOverflow(Begin).errno() == -34);
    let bad = BadDevice {
        field: SDev(1),
        major: 4096,
        minor: 0,
    };
    ensure!(bad.errno() == -34);
    ensure!(Stack(StackError::NoRoom).errno() == -28);
    ensure!(Stack(StackError::StripeLayout).errno() == -22);
    ensure!(TableError::from(StackError::Overflow) == Stack(StackError::Overflow));

    ensure!(says(Missing(LStart), "linear start sector missing"));
    ensure!(says(
        Malformed(SDev(2)),
        "stripe 2 device is not <major>:<minor> in decimal"
    ));
    ensure!(says(
        Malformed(ChunkSize),
        "chunk size is not a decimal number"
    ));
    ensure!(says(TooLarge(StripeCount), "stripe count above 4294967295"));
    ensure!(says(
        TooLarge(SStart(0)),
        "stripe 0 start sector above 18446744073709551615"
    ));
    ensure!(says(
        bad,
        "stripe 1 device 4096:0 is no dev_t (major below 4096, minor below 1048576)"
    ));
    ensure!(says(
        BytesOverflow(Len),
        "target length in bytes is past 18446744073709551615"
    ));
    ensure!(says(
        Trailing(LStart),
        "unexpected text after linear start sector"
    ));
    ensure!(says(
        count,
        "3 stripes need 6 fields after the chunk size, not 5"
    ));
    ensure!(says(
        Stack(StackError::SelfMap(DM1)),
        "device 253:1 maps onto itself"
    ));
    ensure!(says(
        Stack(StackError::StripeLayout),
        "target length does not split into equal stripes of whole chunks"
    ));
    Ok(())
}

/// Up to 8 hits, in order.
struct Hits {
    buf: [Option<Hit>; 8],
    n: usize,
}

impl Hits {
    fn push(&mut self, hit: Hit) -> ControlFlow<()> {
        match self.buf.get_mut(self.n) {
            Some(slot) => {
                *slot = Some(hit);
                self.n += 1;
                ControlFlow::Continue(())
            }
            None => ControlFlow::Break(()),
        }
    }

    fn is(&self, want: &[Hit]) -> bool {
        self.n == want.len() && self.buf.iter().zip(want).all(|(got, w)| *got == Some(*w))
    }
}

fn mapped(device: DevId, depth: u32, offset: u64, len: u64, from: DevId, via: Via) -> Hit {
    Hit::Mapped {
        device,
        depth,
        offset,
        len,
        from,
        via,
    }
}

fn top(device: DevId, depth: u32, offset: u64, len: u64) -> Hit {
    Hit::Top {
        device,
        depth,
        offset,
        len,
    }
}

pub(super) fn lvm_stack() -> Result<(), Fail> {
    // pmem0 with partition 1 at 1 MiB (64 MiB); a volume group on it and
    // on pmem1, with two logical volumes, as `dmsetup table` shows them:
    //   253:0: 0 8192 linear 259:1 2048
    //          8192 8192 linear 259:2 2048
    //   253:1: 0 16384 striped 2 128 259:1 10240 259:2 10240
    const M: u64 = 1 << 20;
    let mut segs = [Segment::EMPTY; SLOTS];
    let mut links = [Link::EMPTY; SLOTS];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    ensure!(b.partition(PMEM0, PMEM0P1, M, 64 * M).is_ok());
    let table: [(DevId, u64, u64, &str); 3] = [
        (DM0, 0, 8192, "linear 259:1 2048"),
        (DM0, 8192, 8192, "linear 259:2 2048"),
        (DM1, 0, 16384, "striped 2 128 259:1 10240 259:2 10240"),
    ];
    for (dm, begin, len, line) in table {
        // The type, then its status text.
        let (ty, params) = line.split_once(' ').unwrap_or((line, ""));
        let added = add_target(&mut b, dm, begin, len, ty.as_bytes(), params.as_bytes());
        ensure!(added.is_ok());
    }
    let Ok(stack) = b.build(links.as_mut_slice()) else {
        return Err(Fail {
            line: line!(),
            what: "the stack builds",
        });
    };
    let hits = |dev: DevId, offset: u64| {
        let mut h = Hits {
            buf: [None; 8],
            n: 0,
        };
        let range = Extent::Range {
            offset,
            end: offset + 4096,
        };
        let ok = stack.translate(dev, range, |hit| h.push(hit));
        (ok == Ok(ControlFlow::Continue(()))).then_some(h)
    };
    // pmem0 byte 1M + 1M + 4K: partition byte 1M + 4K: 253:0 byte 4K.
    let h = hits(PMEM0, 2 * M + 4096);
    ensure!(matches!(&h, Some(h) if h.is(&[
        mapped(PMEM0P1, 1, M + 4096, 4096, PMEM0, Via::Partition),
        mapped(DM0, 2, 4096, 4096, PMEM0P1, Via::Linear),
        top(DM0, 2, 4096, 4096),
    ])));
    // pmem1 byte 5M + 64K: stripe 1, its chunk 1 (64 KiB chunks): chunk 3
    // of 253:1, at 192K.
    let h = hits(PMEM1, 5 * M + 64 * 1024);
    ensure!(matches!(&h, Some(h) if h.is(&[
        mapped(DM1, 1, 192 * 1024, 4096, PMEM1, Via::Striped { stripe: 1 }),
        top(DM1, 1, 192 * 1024, 4096),
    ])));
    Ok(())
}
