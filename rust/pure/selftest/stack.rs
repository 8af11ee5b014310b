// SPDX-License-Identifier: GPL-2.0

//! Cases of the `daxhold_stack` suite ([`super::STACK_CASES`]): the stack model and its
//! translation, on storage in arrays (no allocation, as in the kernel).

use core::ops::ControlFlow;

use super::Fail;
use crate::pure::notify::Extent;
use crate::pure::stack::{
    find_route, DevId, Hit, Link, Route, Segment, Stack, StackBuilder, StackError, Via,
    MAX_DEPTH_LIMIT,
};

const K: u64 = 1 << 10;
const M: u64 = 1 << 20;
const SLOTS: usize = 12;
const HITS: usize = 16;

type Slices<'a> = Stack<&'a mut [Segment], &'a mut [Link]>;

/// Hits collected in a fixed array.
struct Hits {
    buf: [Option<Hit>; HITS],
    n: usize,
    /// More hits came than fit.
    lost: bool,
}

impl Hits {
    fn new() -> Self {
        Hits {
            buf: [None; HITS],
            n: 0,
            lost: false,
        }
    }

    fn push(&mut self, hit: Hit) -> ControlFlow<()> {
        match self.buf.get_mut(self.n) {
            Some(slot) => {
                *slot = Some(hit);
                self.n += 1;
            }
            None => self.lost = true,
        }
        ControlFlow::Continue(())
    }

    fn is(&self, want: &[Hit]) -> bool {
        !self.lost
            && self.n == want.len()
            && self.buf.iter().zip(want).all(|(got, w)| *got == Some(*w))
    }
}

/// Builds a stack with `add` in arrays and runs `check` on it.
fn with_stack(
    add: impl FnOnce(&mut StackBuilder<&mut [Segment]>) -> Result<(), StackError>,
    check: impl FnOnce(&Slices<'_>) -> Result<(), Fail>,
) -> Result<(), Fail> {
    let mut segs = [Segment::EMPTY; SLOTS];
    let mut links = [Link::EMPTY; SLOTS];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    let built = add(&mut b).and_then(|()| b.build(links.as_mut_slice()));
    match built {
        Ok(stack) => check(&stack),
        Err(_) => Err(Fail {
            line: line!(),
            what: "the stack builds",
        }),
    }
}

/// What the stack gives for `len` bytes of `dev` at `offset`.
fn hits(stack: &Slices<'_>, dev: u32, offset: u64, len: u64) -> Result<Hits, StackError> {
    let mut h = Hits::new();
    let extent = if (offset, len) == (0, u64::MAX) {
        Extent::WholeDevice
    } else {
        Extent::Range {
            offset,
            end: offset.saturating_add(len),
        }
    };
    let _ = stack.translate(DevId(dev), extent, |hit| h.push(hit))?;
    Ok(h)
}

fn mapped(device: u32, depth: u32, offset: u64, len: u64, from: u32, via: Via) -> Hit {
    Hit::Mapped {
        device: DevId(device),
        depth,
        offset,
        len,
        from: DevId(from),
        via,
    }
}

fn top(device: u32, depth: u32, offset: u64, len: u64) -> Hit {
    Hit::Top {
        device: DevId(device),
        depth,
        offset,
        len,
    }
}

fn unmapped(device: u32, depth: u32, offset: u64, len: u64) -> Hit {
    Hit::Unmapped {
        device: DevId(device),
        depth,
        offset,
        len,
    }
}

fn whole(device: u32, depth: u32) -> Hit {
    Hit::Whole {
        device: DevId(device),
        depth,
    }
}

fn gives(stack: &Slices<'_>, dev: u32, offset: u64, len: u64, want: &[Hit]) -> bool {
    matches!(hits(stack, dev, offset, len), Ok(h) if h.is(want))
}

const PART: Via = Via::Partition;
const LIN: Via = Via::Linear;

pub(super) fn partitions() -> Result<(), Fail> {
    // pmem0 (0) with partitions 1 at 1 MiB and 2 at 5 MiB, 4 MiB each.
    with_stack(
        |b| {
            b.partition(DevId(0), DevId(2), 5 * M, 4 * M)?;
            b.partition(DevId(0), DevId(1), M, 4 * M)
        },
        |s| {
            // Table area, both partitions, the tail: every byte once.
            ensure!(gives(
                s,
                0,
                M / 2,
                10 * M - M / 2,
                &[
                    unmapped(0, 0, M / 2, M / 2),
                    mapped(1, 1, 0, 4 * M, 0, PART),
                    top(1, 1, 0, 4 * M),
                    mapped(2, 1, 0, 4 * M, 0, PART),
                    top(2, 1, 0, 4 * M),
                    unmapped(0, 0, 9 * M, M),
                ]
            ));
            // A page across the boundary of the two partitions.
            ensure!(gives(
                s,
                0,
                5 * M - 2 * K,
                4 * K,
                &[
                    mapped(1, 1, 4 * M - 2 * K, 2 * K, 0, PART),
                    top(1, 1, 4 * M - 2 * K, 2 * K),
                    mapped(2, 1, 0, 2 * K, 0, PART),
                    top(2, 1, 0, 2 * K),
                ]
            ));
            // A range on a partition itself is the top of the stack.
            ensure!(gives(s, 1, 4 * K, 4 * K, &[top(1, 0, 4 * K, 4 * K)]));
            Ok(())
        },
    )
}

pub(super) fn bare_disk_is_top() -> Result<(), Fail> {
    with_stack(
        |b| b.partition(DevId(0), DevId(1), M, M),
        |s| {
            // pmem5 is not in the model: nobody uses it.
            ensure!(gives(
                s,
                5,
                0x8203000,
                4 * K,
                &[top(5, 0, 0x8203000, 4 * K)]
            ));
            ensure!(gives(s, 5, 0, u64::MAX, &[]));
            // An empty range gives nothing.
            ensure!(gives(s, 0, M, 0, &[]));
            Ok(())
        },
    )
}

pub(super) fn linear_concat() -> Result<(), Fail> {
    // dm 10 = pmem0 [0, 2M) then pmem1 [0, 2M).
    with_stack(
        |b| {
            b.linear(DevId(10), 2 * M, 2 * M, DevId(1), 0)?;
            b.linear(DevId(10), 0, 2 * M, DevId(0), 0)
        },
        |s| {
            ensure!(gives(
                s,
                1,
                4 * K,
                4 * K,
                &[
                    mapped(10, 1, 2 * M + 4 * K, 4 * K, 1, LIN),
                    top(10, 1, 2 * M + 4 * K, 4 * K)
                ]
            ));
            // Past what dm uses of pmem1: the device tail.
            ensure!(gives(
                s,
                1,
                2 * M - 4 * K,
                8 * K,
                &[
                    mapped(10, 1, 4 * M - 4 * K, 4 * K, 1, LIN),
                    top(10, 1, 4 * M - 4 * K, 4 * K),
                    unmapped(1, 0, 2 * M, 4 * K),
                ]
            ));
            Ok(())
        },
    )
}

/// pmem0 > partition 1 at 1M (8M) > dm 10 (its second half, then a gap,
/// then its first 1M) > dm 11 on dm 10 at 1M.
fn dm_on_dm_on_partition_stack(b: &mut StackBuilder<&mut [Segment]>) -> Result<(), StackError> {
    b.partition(DevId(0), DevId(1), M, 8 * M)?;
    b.linear(DevId(10), 0, 4 * M, DevId(1), 4 * M)?;
    b.linear(DevId(10), 4 * M, M, DevId(1), 0)?;
    b.linear(DevId(11), 0, 2 * M, DevId(10), M)
}

pub(super) fn dm_on_dm_on_partition() -> Result<(), Fail> {
    with_stack(dm_on_dm_on_partition_stack, |s| {
        // Disk byte 6M+4K = partition byte 5M+4K = dm10 byte 1M+4K =
        // dm11 byte 4K.
        ensure!(gives(
            s,
            0,
            6 * M + 4 * K,
            4 * K,
            &[
                mapped(1, 1, 5 * M + 4 * K, 4 * K, 0, PART),
                mapped(10, 2, M + 4 * K, 4 * K, 1, LIN),
                mapped(11, 3, 4 * K, 4 * K, 10, LIN),
                top(11, 3, 4 * K, 4 * K),
            ]
        ));
        // Partition bytes [1M, 4M) are in no target of dm 10.
        ensure!(gives(
            s,
            0,
            M + M - 4 * K,
            8 * K,
            &[
                mapped(1, 1, M - 4 * K, 8 * K, 0, PART),
                mapped(10, 2, 5 * M - 4 * K, 4 * K, 1, LIN),
                // dm 11 uses dm 10, not these bytes.
                unmapped(10, 2, 5 * M - 4 * K, 4 * K),
                unmapped(1, 1, M, 4 * K),
            ]
        ));
        Ok(())
    })
}

/// The routes of [`dm_on_dm_on_partition_stack`]: of a 16M disk,
/// only [6M, 8M) goes up one chain to a top (dm 11); a failure there is
/// answered without the walk, with what the walk gives.
pub(super) fn routes() -> Result<(), Fail> {
    with_stack(dm_on_dm_on_partition_stack, |s| {
        let mut table = [Route::default(); 4];
        let n = s.routes(DevId(0), 16 * M, &mut table);
        let want = Route {
            lower: DevId(0),
            start: 6 * M,
            end: 8 * M,
            top: DevId(11),
            depth: 3,
            top_start: 0,
        };
        ensure!(n == 1 && table.first() == Some(&want));
        let routes = table.get(..n).unwrap_or(&[]);
        let on = Extent::Range {
            offset: 6 * M + 4 * K,
            end: 6 * M + 8 * K,
        };
        // The walk's Top for these bytes (dm_on_dm_on_partition).
        ensure!(find_route(routes, DevId(0), on) == Some((0, top(11, 3, 4 * K, 4 * K))));
        // Across the route's end, off it, on another device: the walk.
        for (dev, offset, end) in [
            (0, 8 * M - 4 * K, 8 * M + 4 * K),
            (0, 2 * M, 2 * M + 4 * K),
            (1, 5 * M, 5 * M + 4 * K),
        ] {
            ensure!(find_route(routes, DevId(dev), Extent::Range { offset, end }).is_none());
        }
        ensure!(find_route(routes, DevId(0), Extent::WholeDevice).is_none());
        Ok(())
    })
}

pub(super) fn striped() -> Result<(), Fail> {
    // dm 20: 2 stripes of 4 KiB chunks (8 sectors) over pmem0 at 64K and
    // pmem1 at 0, 64 KiB long: 32 KiB on each.
    with_stack(
        |b| {
            b.striped(
                DevId(20),
                0,
                64 * K,
                8,
                &[(DevId(0), 64 * K), (DevId(1), 0)],
            )
        },
        |s| {
            let st = |stripe| Via::Striped { stripe };
            // pmem1 chunks 1 and 2 (of stripe 1) are target chunks 3 and 5.
            ensure!(gives(
                s,
                1,
                4 * K,
                8 * K,
                &[
                    mapped(20, 1, 12 * K, 4 * K, 1, st(1)),
                    top(20, 1, 12 * K, 4 * K),
                    mapped(20, 1, 20 * K, 4 * K, 1, st(1)),
                    top(20, 1, 20 * K, 4 * K),
                ]
            ));
            // Half a chunk of stripe 0, then the bytes before the stripe.
            ensure!(gives(
                s,
                0,
                64 * K - 2 * K,
                4 * K,
                &[
                    unmapped(0, 0, 62 * K, 2 * K),
                    mapped(20, 1, 0, 2 * K, 0, st(0)),
                    top(20, 1, 0, 2 * K),
                ]
            ));
            Ok(())
        },
    )
}

pub(super) fn shared_partition() -> Result<(), Fail> {
    // Two dm devices map the same bytes of partition 1 (as dmsetup allows
    // when nothing claims it exclusively); a third maps its end.
    with_stack(
        |b| {
            b.partition(DevId(0), DevId(1), M, 4 * M)?;
            b.linear(DevId(30), 0, 2 * M, DevId(1), 0)?;
            b.linear(DevId(31), 0, 4 * M, DevId(1), 0)?;
            b.linear(DevId(32), 0, M, DevId(1), 3 * M)
        },
        |s| {
            ensure!(gives(
                s,
                1,
                3 * M - 4 * K,
                8 * K,
                &[
                    mapped(31, 1, 3 * M - 4 * K, 8 * K, 1, LIN),
                    top(31, 1, 3 * M - 4 * K, 8 * K),
                    mapped(32, 1, 0, 4 * K, 1, LIN),
                    top(32, 1, 0, 4 * K),
                ]
            ));
            ensure!(gives(
                s,
                1,
                2 * M - 4 * K,
                4 * K,
                &[
                    mapped(30, 1, 2 * M - 4 * K, 4 * K, 1, LIN),
                    top(30, 1, 2 * M - 4 * K, 4 * K),
                    mapped(31, 1, 2 * M - 4 * K, 4 * K, 1, LIN),
                    top(31, 1, 2 * M - 4 * K, 4 * K),
                ]
            ));
            Ok(())
        },
    )
}

pub(super) fn whole_device() -> Result<(), Fail> {
    // pmem0 > partitions 1, 2 > dm 10 concatenating both > dm 11 on dm 10;
    // dm 12 also on pmem0 directly; dm 13 on pmem7 only.
    with_stack(
        |b| {
            b.partition(DevId(0), DevId(1), M, M)?;
            b.partition(DevId(0), DevId(2), 2 * M, M)?;
            b.linear(DevId(10), 0, M, DevId(1), 0)?;
            b.linear(DevId(10), M, M, DevId(2), 0)?;
            b.linear(DevId(11), 0, M, DevId(10), 0)?;
            b.linear(DevId(12), 0, M, DevId(0), 8 * M)?;
            b.linear(DevId(12), M, M, DevId(11), 0)?;
            b.linear(DevId(13), 0, M, DevId(7), 0)
        },
        |s| {
            // Each user once, by device id, at its nearest depth.
            ensure!(gives(
                s,
                0,
                0,
                u64::MAX,
                &[
                    whole(1, 1),
                    whole(2, 1),
                    whole(10, 2),
                    whole(11, 3),
                    whole(12, 1)
                ]
            ));
            ensure!(gives(
                s,
                2,
                0,
                u64::MAX,
                &[whole(10, 1), whole(11, 2), whole(12, 3)]
            ));
            ensure!(gives(s, 7, 0, u64::MAX, &[whole(13, 1)]));
            ensure!(gives(s, 12, 0, u64::MAX, &[]));
            Ok(())
        },
    )
}

/// The error building the stack that `add` describes gives, if any.
fn build_error(
    add: impl FnOnce(&mut StackBuilder<&mut [Segment]>) -> Result<(), StackError>,
) -> Option<StackError> {
    let mut segs = [Segment::EMPTY; 4];
    let mut links = [Link::EMPTY; 4];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    add(&mut b)
        .and_then(|()| b.build(links.as_mut_slice()))
        .err()
}

/// Targets refused on their own: empty, not whole sectors, past the
/// last byte, mapping a device onto itself.
pub(super) fn table_errors() -> Result<(), Fail> {
    let (d0, d1) = (DevId(0), DevId(1));
    let err = |e| Some(e);
    ensure!(build_error(|b| b.linear(d1, 0, 0, d0, 0)) == err(StackError::ZeroLength));
    ensure!(build_error(|b| b.partition(d0, d1, 0, 0)) == err(StackError::ZeroLength));
    ensure!(build_error(|b| b.linear(d1, 0, 4097, d0, 0)) == err(StackError::Unaligned));
    ensure!(build_error(|b| b.linear(d1, 0, 4096, d0, 100)) == err(StackError::Unaligned));
    ensure!(build_error(|b| b.linear(d1, u64::MAX - 511, 512, d0, 0)) == err(StackError::Overflow));
    ensure!(build_error(|b| b.linear(d1, 0, M, d1, 0)) == err(StackError::SelfMap(d1)));
    ensure!(build_error(|b| b.partition(d0, d0, 0, M)) == err(StackError::SelfMap(d0)));
    Ok(())
}

/// Targets of one device that overlap, and partitions of one disk that
/// overlap, are refused; the same lower bytes twice are not.
pub(super) fn table_overlaps() -> Result<(), Fail> {
    let (d0, d1, d2) = (DevId(0), DevId(1), DevId(2));
    let err = |e| Some(e);
    ensure!(
        build_error(|b| {
            b.linear(d2, 0, M, d0, 0)?;
            b.linear(d2, M - 512, M, d1, 0)
        }) == err(StackError::Overlap(d2))
    );
    // The same bytes of one lower device in two targets is fine.
    ensure!(build_error(|b| {
        b.linear(d2, 0, M, d0, 0)?;
        b.linear(d2, M, M, d0, 0)
    })
    .is_none());
    ensure!(
        build_error(|b| {
            b.partition(d0, d1, M, M)?;
            b.partition(d0, d2, 2 * M - 512, M)
        }) == err(StackError::PartitionOverlap(d0))
    );
    // Partitions 1 and 2 of different disks.
    ensure!(build_error(|b| {
        b.partition(d0, d1, M, M)?;
        b.partition(DevId(5), d2, M, M)
    })
    .is_none());
    Ok(())
}

/// Striped targets refused: no chunk, no stripes, a length that is not
/// equal stripes of whole chunks, two over the same upper bytes.
pub(super) fn table_stripe_errors() -> Result<(), Fail> {
    let (d0, d1, d2) = (DevId(0), DevId(1), DevId(2));
    let err = |e| Some(e);
    ensure!(build_error(|b| b.striped(d2, 0, M, 0, &[(d0, 0)])) == err(StackError::ZeroChunk));
    ensure!(build_error(|b| b.striped(d2, 0, M, 8, &[])) == err(StackError::ZeroStripes));
    // 3 stripes do not divide 1 MiB; 2 stripes of 512 KiB are not whole
    // 384 KiB chunks.
    let three = [(d0, 0), (d1, 0), (DevId(3), 0)];
    ensure!(build_error(|b| b.striped(d2, 0, M, 8, &three)) == err(StackError::StripeLayout));
    ensure!(
        build_error(|b| b.striped(d2, 0, M, 768, &[(d0, 0), (d1, 0)]))
            == err(StackError::StripeLayout)
    );
    // Two striped targets over the same upper bytes.
    ensure!(
        build_error(|b| {
            b.striped(d2, 0, M, 8, &[(d0, 0), (d1, 0)])?;
            b.striped(d2, 0, M, 8, &[(d0, M), (d1, M)])
        }) == err(StackError::Overlap(d2))
    );
    Ok(())
}

/// Storage too small for the segments or for their links.
pub(super) fn table_no_room() -> Result<(), Fail> {
    let (d0, d1, d2) = (DevId(0), DevId(1), DevId(2));
    let err = |e| Some(e);
    // 4 slots: a fifth segment has no room, and neither has a striped
    // target that does not fit whole.
    ensure!(
        build_error(|b| {
            b.striped(d2, 0, 4 * M, 8, &[(d0, 0), (d1, 0), (DevId(3), 0)])
                .and(Err(StackError::ZeroLength))
        }) == err(StackError::StripeLayout)
    );
    ensure!(
        build_error(|b| {
            b.striped(d2, 0, 3 * M, 8, &[(d0, 0), (d1, 0), (DevId(3), 0)])?;
            let full = b.striped(DevId(4), 0, M, 8, &[(d0, 0), (d1, 0)]);
            if b.len() != 3 {
                return Err(StackError::ZeroLength);
            }
            full
        }) == err(StackError::NoRoom)
    );
    // Links storage too short.
    let mut segs = [Segment::EMPTY; 2];
    let mut links = [Link::EMPTY; 1];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    let r = b
        .linear(d2, 0, M, d0, 0)
        .and_then(|()| b.linear(d2, M, M, d1, 0));
    ensure!(r.is_ok());
    ensure!(b.build(links.as_mut_slice()).err() == err(StackError::NoRoom));
    Ok(())
}

pub(super) fn too_deep() -> Result<(), Fail> {
    // dm 1 on pmem0, dm 2 on dm 1, ... dm 5 on dm 4.
    let chain = |b: &mut StackBuilder<&mut [Segment]>| -> Result<(), StackError> {
        for d in 1..6u32 {
            b.linear(DevId(d), 0, M, DevId(d - 1), 0)?;
        }
        Ok(())
    };
    let mut segs = [Segment::EMPTY; 6];
    let mut links = [Link::EMPTY; 6];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    ensure!(chain(&mut b).is_ok());
    let Ok(stack) = b.build(links.as_mut_slice()) else {
        ensure!(false);
        return Ok(());
    };
    ensure!(stack.with_max_depth(MAX_DEPTH_LIMIT + 1).err() == Some(StackError::BadDepth));
    let mut segs = [Segment::EMPTY; 6];
    let mut links = [Link::EMPTY; 6];
    let mut b = StackBuilder::new(segs.as_mut_slice());
    ensure!(chain(&mut b).is_ok());
    let stack = b
        .build(links.as_mut_slice())
        .and_then(|s| s.with_max_depth(4));
    let Ok(stack) = stack else {
        ensure!(false);
        return Ok(());
    };
    ensure!(stack.max_depth() == 4);
    // From pmem0 the chain is 5 levels; from dm 1 it is 4.
    ensure!(matches!(hits(&stack, 0, 0, 4096), Err(StackError::TooDeep)));
    ensure!(matches!(
        hits(&stack, 0, 0, u64::MAX),
        Err(StackError::TooDeep)
    ));
    ensure!(matches!(hits(&stack, 1, 0, 4096), Ok(h) if h.n == 5));
    // A cycle is a stack without end.
    ensure!(build_error(|b| {
        b.linear(DevId(1), 0, M, DevId(2), 0)?;
        b.linear(DevId(2), 0, M, DevId(1), 0)
    })
    .is_none());
    with_stack(
        |b| {
            b.linear(DevId(1), 0, M, DevId(2), 0)?;
            b.linear(DevId(2), 0, M, DevId(1), 0)
        },
        |s| {
            ensure!(matches!(hits(s, 1, 0, 4096), Err(StackError::TooDeep)));
            ensure!(matches!(hits(s, 1, 0, u64::MAX), Err(StackError::TooDeep)));
            Ok(())
        },
    )
}

pub(super) fn top_of_address_space() -> Result<(), Fail> {
    // The last whole sector of the 64-bit byte space, on both sides.
    let last = u64::MAX - 511;
    with_stack(
        |b| {
            b.linear(DevId(1), last - M, M, DevId(0), last - M)?;
            b.partition(DevId(1), DevId(2), last - 4 * K, 4 * K)
        },
        |s| {
            ensure!(gives(
                s,
                0,
                last - 4 * K,
                u64::MAX - (last - 4 * K),
                &[
                    mapped(1, 1, last - 4 * K, 4 * K, 0, LIN),
                    mapped(2, 2, 0, 4 * K, 1, PART),
                    top(2, 2, 0, 4 * K),
                    unmapped(0, 0, last, 511),
                ]
            ));
            ensure!(gives(s, 0, 0, 4 * K, &[unmapped(0, 0, 0, 4 * K)]));
            Ok(())
        },
    )
}

pub(super) fn sink_stops() -> Result<(), Fail> {
    with_stack(
        |b| {
            b.partition(DevId(0), DevId(1), M, M)?;
            b.partition(DevId(0), DevId(2), 2 * M, M)
        },
        |s| {
            let mut seen = 0;
            let r = s.translate(
                DevId(0),
                Extent::Range {
                    offset: 0,
                    end: 4 * M,
                },
                |_| {
                    seen += 1;
                    if seen == 2 {
                        ControlFlow::Break(())
                    } else {
                        ControlFlow::Continue(())
                    }
                },
            );
            ensure!(r == Ok(ControlFlow::Break(())) && seen == 2);
            let mut seen = 0;
            let r = s.translate(DevId(0), Extent::WholeDevice, |_| {
                seen += 1;
                ControlFlow::Break(())
            });
            ensure!(r == Ok(ControlFlow::Break(())) && seen == 1);
            Ok(())
        },
    )
}

pub(super) fn errnos() -> Result<(), Fail> {
    ensure!(StackError::NoRoom.errno() == -28);
    ensure!(StackError::Overflow.errno() == -34);
    ensure!(StackError::TooDeep.errno() == -40);
    ensure!(StackError::Overlap(DevId(1)).errno() == -22);
    ensure!(StackError::ZeroChunk.errno() == -22 && StackError::BadDepth.errno() == -22);
    Ok(())
}
