// SPDX-License-Identifier: GPL-2.0

//! Any stack at all: partitions, linear and striped targets between a few
//! devices, with self-maps, cycles, overlaps, zero lengths and ends past
//! the 64-bit space. The builder refuses a bad table and leaves itself as
//! it was; a stack it builds translates any range (and the whole device)
//! of any device to the same hits and outcome by the shortcut and by the
//! general walk, a sink that stops included, never an empty or wrapping
//! piece, nothing above the depth limit; its routes are sorted, disjoint
//! and agree with the walk; `procfs::depths` gives each device its level.

#![no_main]

use std::ops::ControlFlow;

use daxhold_fuzz::gen::{edge_u64, list, range, Result, Unstructured};
use daxhold_fuzz::ok;
use daxhold_fuzz::stack_model::{check_route, walk};
use daxhold_pure::notify::Extent;
use daxhold_pure::procfs::{depths, UNREACHED};
use daxhold_pure::stack::{
    DevId, Hit, Link, Route, Segment, Stack, StackBuilder, StackError, MAX_DEPTH_LIMIT,
};
use libfuzzer_sys::fuzz_target;

/// Devices are 0 to `DEVICES - 1`.
const DEVICES: u64 = 8;

#[derive(Debug)]
enum Table {
    Part(u32, u32, u64, u64),
    Linear(u32, u64, u64, u32, u64),
    Striped(u32, u64, u64, u32, Vec<(DevId, u64)>),
}

type Built<'a> = Stack<&'a mut [Segment], &'a mut [Link]>;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(tables), Ok(max_depth)) = (list(&mut u, 12, table), range(&mut u, 0, 10)) else {
        return;
    };
    let mut segs = vec![Segment::EMPTY; 48];
    let mut links = vec![Link::EMPTY; 48];
    let mut b = StackBuilder::new(&mut segs[..]);
    for t in &tables {
        let before = b.len();
        if add(&mut b, t).is_err() {
            assert_eq!(b.len(), before, "{t:?}");
        }
    }
    let Ok(stack) = b.build(&mut links[..]) else {
        return;
    };
    let stack = stack.with_max_depth(max_depth as u32).unwrap();
    check_depths(&stack);
    while let Ok((dev, extent, stop)) = query(&mut u) {
        check_walks(&stack, dev, extent, stop);
        if u.is_empty() {
            break;
        }
    }
    for dev in 0..DEVICES as u32 {
        check_routes(&stack, dev);
    }
});

/// Bytes: a few sectors, odd bytes, or anywhere.
fn bytes(u: &mut Unstructured<'_>) -> Result<u64> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 | 1 => range(u, 0, 64)? * 512,
        2 => range(u, 0, 70_000)?,
        _ => edge_u64(u)?,
    })
}

fn dev(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(range(u, 0, DEVICES - 1)? as u32)
}

fn table(u: &mut Unstructured<'_>) -> Result<Table> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => Table::Part(dev(u)?, dev(u)?, bytes(u)?, bytes(u)?),
        1 => Table::Linear(dev(u)?, bytes(u)?, bytes(u)?, dev(u)?, bytes(u)?),
        _ => {
            let chunk = match u.int_in_range(0u8..=9)? {
                0 => u.arbitrary()?,
                _ => range(u, 0, 8)? as u32,
            };
            let stripes = list(u, 4, |u| Ok((DevId(dev(u)?), bytes(u)?)))?;
            Table::Striped(dev(u)?, bytes(u)?, bytes(u)?, chunk, stripes)
        }
    })
}

fn add(b: &mut StackBuilder<&mut [Segment]>, t: &Table) -> std::result::Result<(), StackError> {
    match t {
        Table::Part(disk, part, start, len) => {
            b.partition(DevId(*disk), DevId(*part), *start, *len)
        }
        Table::Linear(dm, start, len, lower, lower_start) => {
            b.linear(DevId(*dm), *start, *len, DevId(*lower), *lower_start)
        }
        Table::Striped(dm, start, len, chunk, stripes) => {
            b.striped(DevId(*dm), *start, *len, *chunk, stripes)
        }
    }
}

/// A device, a range of it (or the whole device) and when the sink stops.
fn query(u: &mut Unstructured<'_>) -> Result<(u32, Extent, usize)> {
    let dev = dev(u)?;
    let offset = bytes(u)?;
    let len = bytes(u)?.max(1);
    let extent = match offset.checked_add(len) {
        Some(end) if !u.ratio(1u8, 8)? => Extent::Range { offset, end },
        _ => Extent::WholeDevice,
    };
    let stop = match u.int_in_range(0u8..=3)? {
        0 => range(u, 1, 8)? as usize,
        _ => usize::MAX,
    };
    Ok((dev, extent, stop))
}

/// The shortcut and the general walk agree; what they give holds.
fn check_walks(stack: &Built<'_>, dev: u32, extent: Extent, stop: usize) {
    let fast = walk(stack, false, dev, extent, stop);
    let slow = walk(stack, true, dev, extent, stop);
    assert_eq!(fast, slow, "dev {dev} {extent:?} stop {stop}");
    let (result, hits) = fast;
    match result {
        Ok(ControlFlow::Continue(())) => assert!(hits.len() < stop),
        Ok(ControlFlow::Break(())) => assert_eq!(hits.len(), stop),
        Err(e) => assert!(matches!(e, StackError::TooDeep), "{e:?} from a built stack"),
    }
    let max = stack.max_depth();
    assert!(max <= MAX_DEPTH_LIMIT);
    for h in &hits {
        let (depth, range) = match *h {
            Hit::Mapped {
                depth,
                offset,
                len,
                from,
                ..
            } => {
                assert!(depth >= 1 && from.0 < DEVICES as u32, "{h:?}");
                (depth, Some((offset, len)))
            }
            Hit::Unmapped {
                depth, offset, len, ..
            }
            | Hit::Top {
                depth, offset, len, ..
            } => (depth, Some((offset, len))),
            Hit::Whole { depth, .. } => (depth, None),
        };
        assert!(depth <= max, "{h:?} above depth {max}");
        if let Some((offset, len)) = range {
            assert!(len > 0 && offset.checked_add(len).is_some(), "{h:?}");
        }
    }
}

/// The route table of `dev`: sorted, disjoint, on `dev`, and each route
/// (and a range across its end) what the general walk gives.
fn check_routes(stack: &Built<'_>, dev: u32) {
    let mut table = vec![Route::default(); 4 * stack.segments().len() + 4];
    let n = stack.routes(DevId(dev), u64::MAX, &mut table);
    assert!(n <= table.len());
    let table = &table[..n];
    for w in table.windows(2) {
        assert!(w[0].end <= w[1].start, "{w:?}");
    }
    for r in table {
        assert!(r.lower == DevId(dev) && r.start < r.end, "{r:?}");
        assert!(r.depth >= 1 && r.depth <= stack.max_depth(), "{r:?}");
        ok(check_route(stack, table, dev, r.start, r.end));
        ok(check_route(stack, table, dev, r.end - 1, r.end));
        if let Some(end) = r.end.checked_add(1) {
            ok(check_route(stack, table, dev, r.end - 1, end));
        }
    }
}

/// Levels above device 0 (the one held disk): 0 for it, and no device
/// more than one level above a lower device it uses.
fn check_depths(stack: &Built<'_>) {
    let devs: Vec<DevId> = (0..DEVICES as u32).map(DevId).collect();
    let mut depth = vec![0u32; devs.len()];
    let segs = stack.segments();
    depths(segs, &devs, |d| d == DevId(0), &mut depth);
    assert_eq!(depth[0], 0);
    for s in segs {
        let (lo, up) = (depth[s.lower().0 as usize], depth[s.upper().0 as usize]);
        if lo != UNREACHED {
            assert!(up <= lo + 1, "{s:?}: {lo} -> {up}");
        }
    }
    for (i, &d) in depth.iter().enumerate().skip(1) {
        let below = segs.iter().filter(|s| s.upper() == DevId(i as u32));
        let want = below
            .map(|s| depth[s.lower().0 as usize])
            .filter(|&l| l != UNREACHED)
            .min()
            .map_or(UNREACHED, |l| l + 1);
        assert_eq!(d, want, "device {i}");
    }
}
