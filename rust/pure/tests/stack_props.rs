// SPDX-License-Identifier: GPL-2.0

//! Property tests of the stack model against a brute-force one.
//!
//! Random stacks (disks, partitions, dm devices of linear and striped
//! targets over any earlier device, some crowded onto one disk so that many
//! targets share bytes, some placed at the top of the 64-bit space) are
//! walked *forward*, sector by sector, from every upper device down through
//! its partition or target (dm-stripe's `stripe_map_sector()`, transcribed
//! from the C), which gives for every lower sector the upper sectors that
//! land on it. Translating a byte range up must give, byte for byte, what
//! that inverse map gives.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::ControlFlow;

use daxhold_pure::notify::Extent;
use daxhold_pure::stack::{
    find_route, DevId, Hit, Link, Route, Segment, Stack, StackBuilder, StackError, Via, MAX_LAYERS,
    SECTOR_SIZE,
};
use proptest::prelude::*;

const SS: u64 = SECTOR_SIZE;
/// The last sector a device's bytes can use (its end is at most u64::MAX).
const TOP_SECTOR: u64 = u64::MAX / SS - 1;

/// One partition or target, in sectors, as the kernel has them.
#[derive(Clone, Debug)]
enum Table {
    Part {
        disk: u32,
        part: u32,
        start: u64,
        len: u64,
    },
    Linear {
        dm: u32,
        start: u64,
        len: u64,
        lower: u32,
        lower_start: u64,
    },
    Striped {
        dm: u32,
        start: u64,
        len: u64,
        chunk: u32,
        stripes: Vec<(u32, u64)>,
    },
}

/// Reads entropy from a vector; zeros when it runs out, so shrinking makes
/// stacks simpler.
struct Entropy<'a> {
    v: &'a [u64],
    i: usize,
}

impl Entropy<'_> {
    fn below(&mut self, n: u64) -> u64 {
        let x = self.v.get(self.i).copied().unwrap_or(0);
        self.i += 1;
        if n == 0 {
            0
        } else {
            x % n
        }
    }
}

/// A random stack: tables, the disks and the top device id.
#[derive(Debug)]
struct Model {
    tables: Vec<Table>,
    devices: u32,
    /// Sector range `[base, base + size)` where each device's users go.
    area: Vec<(u64, u64)>,
}

fn random_model(v: &[u64]) -> Model {
    let mut e = Entropy { v, i: 0 };
    let disks = 1 + e.below(2) as u32;
    let mut area = Vec::new();
    let mut level = Vec::new();
    for _ in 0..disks {
        let base = match e.below(4) {
            0 => TOP_SECTOR - 96,
            1 => 1 << 40,
            _ => 0,
        };
        area.push((base, 96));
        level.push(0u32);
    }
    let mut tables = Vec::new();
    // Partitions of the disks.
    for disk in 0..disks {
        let mut at = area[disk as usize].0 + e.below(4);
        for _ in 0..e.below(4) {
            let len = 1 + e.below(12);
            let part = area.len() as u32;
            tables.push(Table::Part {
                disk,
                part,
                start: at,
                len,
            });
            area.push((0, len));
            level.push(1);
            at += len + e.below(3);
        }
    }
    // dm devices over any earlier device, up to 4 levels.
    for _ in 0..e.below(9) {
        let dm = area.len() as u32;
        let crowd = e.below(2) == 0;
        let pick = |e: &mut Entropy| -> u32 {
            if crowd {
                0
            } else {
                loop {
                    let d = e.below(dm as u64) as u32;
                    if level[d as usize] < 4 || e.below(2) == 9 {
                        return d;
                    }
                    if e.v.len() <= e.i {
                        return 0;
                    }
                }
            }
        };
        let base = match e.below(4) {
            0 => TOP_SECTOR - 96,
            _ => 0,
        };
        let mut at = base;
        let mut top_level = 0;
        for _ in 0..1 + e.below(4) {
            at += e.below(3);
            let lower_at = |e: &mut Entropy, lower: u32, len: u64| {
                let (b, size) = area[lower as usize];
                // Mostly inside what the lower device has, sometimes past.
                let off = e.below(size + 4);
                (b + off).min(TOP_SECTOR + 1 - len)
            };
            if e.below(3) == 0 {
                let n = 1 + e.below(3) as usize;
                let chunk = 1 + e.below(3) as u32;
                let per = 1 + e.below(3);
                let width = chunk as u64 * per;
                let len = width * n as u64;
                if at + len > TOP_SECTOR + 1 {
                    break;
                }
                let mut stripes = Vec::new();
                for _ in 0..n {
                    let lower = pick(&mut e);
                    top_level = top_level.max(level[lower as usize] + 1);
                    stripes.push((lower, lower_at(&mut e, lower, width)));
                }
                tables.push(Table::Striped {
                    dm,
                    start: at,
                    len,
                    chunk,
                    stripes,
                });
                at += len;
            } else {
                let len = 1 + e.below(10);
                if at + len > TOP_SECTOR + 1 {
                    break;
                }
                let lower = pick(&mut e);
                top_level = top_level.max(level[lower as usize] + 1);
                let lower_start = lower_at(&mut e, lower, len);
                tables.push(Table::Linear {
                    dm,
                    start: at,
                    len,
                    lower,
                    lower_start,
                });
                at += len;
            }
        }
        area.push((base, at - base));
        level.push(top_level.max(1));
    }
    Model {
        tables,
        devices: area.len() as u32,
        area,
    }
}

/// Loads the model into a stack builder (bytes).
fn load(m: &Model, b: &mut StackBuilder<&mut [Segment]>) -> Result<(), StackError> {
    for t in &m.tables {
        match t {
            Table::Part {
                disk,
                part,
                start,
                len,
            } => b.partition(DevId(*disk), DevId(*part), start * SS, len * SS)?,
            Table::Linear {
                dm,
                start,
                len,
                lower,
                lower_start,
            } => b.linear(
                DevId(*dm),
                start * SS,
                len * SS,
                DevId(*lower),
                lower_start * SS,
            )?,
            Table::Striped {
                dm,
                start,
                len,
                chunk,
                stripes,
            } => {
                let s: Vec<_> = stripes.iter().map(|(d, o)| (DevId(*d), o * SS)).collect();
                b.striped(DevId(*dm), start * SS, len * SS, *chunk, &s)?
            }
        }
    }
    Ok(())
}

/// Storage for `m`'s stack: as many segment and link slots as it needs.
fn storage(m: &Model) -> (Vec<Segment>, Vec<Link>) {
    let n = segments_needed(m);
    (vec![Segment::EMPTY; n], vec![Link::EMPTY; n])
}

/// `m` built into `segs` and `links` (from [`storage`]).
fn build<'a>(
    m: &Model,
    segs: &'a mut [Segment],
    links: &'a mut [Link],
) -> Stack<&'a mut [Segment], &'a mut [Link]> {
    let mut b = StackBuilder::new(segs);
    load(m, &mut b).unwrap();
    b.build(links).unwrap()
}

fn segments_needed(m: &Model) -> usize {
    m.tables
        .iter()
        .map(|t| match t {
            Table::Striped { stripes, .. } => stripes.len(),
            _ => 1,
        })
        .sum()
}

/// dm-stripe.c's stripe_map_sector(), in sectors: which stripe, and the
/// sector within it.
fn stripe_map_sector(begin: u64, stripes: u64, chunk_size: u64, sector: u64) -> (u64, u64) {
    let mut chunk = sector - begin; // dm_target_offset()
    let chunk_offset = chunk % chunk_size; // sector_div(chunk, chunk_size)
    chunk /= chunk_size;
    let stripe = chunk % stripes; // sector_div(chunk, stripes)
    chunk /= stripes;
    chunk *= chunk_size;
    (stripe, chunk + chunk_offset)
}

/// For every lower (device, sector), the upper (device, sector, via) on it.
type Inverse = BTreeMap<(u32, u64), Vec<(u32, u64, Via)>>;

fn inverse(m: &Model) -> Inverse {
    let mut inv = Inverse::new();
    let mut add = |lower: u32, ls: u64, upper: u32, us: u64, via: Via| {
        inv.entry((lower, ls)).or_default().push((upper, us, via));
    };
    for t in &m.tables {
        match t {
            Table::Part {
                disk,
                part,
                start,
                len,
            } => {
                for s in 0..*len {
                    add(*disk, start + s, *part, s, Via::Partition);
                }
            }
            Table::Linear {
                dm,
                start,
                len,
                lower,
                lower_start,
            } => {
                for s in 0..*len {
                    add(*lower, lower_start + s, *dm, start + s, Via::Linear);
                }
            }
            Table::Striped {
                dm,
                start,
                len,
                chunk,
                stripes,
            } => {
                for sector in *start..start + len {
                    let (stripe, result) =
                        stripe_map_sector(*start, stripes.len() as u64, *chunk as u64, sector);
                    let (lower, physical_start) = stripes[stripe as usize];
                    let via = Via::Striped {
                        stripe: stripe as u32,
                    };
                    add(lower, physical_start + result, *dm, sector, via);
                }
            }
        }
    }
    inv
}

fn has_users(m: &Model, dev: u32) -> bool {
    m.tables.iter().any(|t| match t {
        Table::Part { disk, .. } => *disk == dev,
        Table::Linear { lower, .. } => *lower == dev,
        Table::Striped { stripes, .. } => stripes.iter().any(|(d, _)| *d == dev),
    })
}

/// The brute-force translation of bytes `[a, b)` of `dev`.
fn naive(m: &Model, inv: &Inverse, dev: u32, a: u64, b: u64, depth: u32, out: &mut Vec<Hit>) {
    if !has_users(m, dev) {
        out.push(Hit::Top {
            device: DevId(dev),
            depth,
            offset: a,
            len: b - a,
        });
        return;
    }
    let mut cursor = a;
    let first = a / SS;
    let last = (b - 1) / SS;
    for (&(_, sector), ups) in inv.range((dev, first)..=(dev, last)) {
        let x = a.max(sector * SS);
        // The sector's end, which may be 2^64 for the last partial sector.
        let y = (b as u128).min((sector as u128 + 1) * SS as u128) as u64;
        if x > cursor {
            out.push(Hit::Unmapped {
                device: DevId(dev),
                depth,
                offset: cursor,
                len: x - cursor,
            });
        }
        for &(up, us, via) in ups {
            let ux = us * SS + (x - sector * SS);
            out.push(Hit::Mapped {
                device: DevId(up),
                depth: depth + 1,
                offset: ux,
                len: y - x,
                from: DevId(dev),
                via,
            });
            naive(m, inv, up, ux, ux + (y - x), depth + 1, out);
        }
        cursor = y;
    }
    if cursor < b {
        out.push(Hit::Unmapped {
            device: DevId(dev),
            depth,
            offset: cursor,
            len: b - cursor,
        });
    }
}

/// Users of `dev` at any level, each at its nearest depth (breadth first).
fn naive_whole(m: &Model, dev: u32) -> Vec<Hit> {
    let mut up: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for t in &m.tables {
        match t {
            Table::Part { disk, part, .. } => {
                up.entry(*disk).or_default().insert(*part);
            }
            Table::Linear { dm, lower, .. } => {
                up.entry(*lower).or_default().insert(*dm);
            }
            Table::Striped { dm, stripes, .. } => {
                for (d, _) in stripes {
                    up.entry(*d).or_default().insert(*dm);
                }
            }
        }
    }
    let mut depth = BTreeMap::new();
    let mut queue = VecDeque::from([(dev, 0u32)]);
    while let Some((d, k)) = queue.pop_front() {
        for &u in up.get(&d).into_iter().flatten() {
            if let std::collections::btree_map::Entry::Vacant(e) = depth.entry(u) {
                e.insert(k + 1);
                queue.push_back((u, k + 1));
            }
        }
    }
    depth
        .into_iter()
        .map(|(device, depth)| Hit::Whole {
            device: DevId(device),
            depth,
        })
        .collect()
}

/// A hit as (kind, device, depth, from, via, start, end).
type Piece = (u8, u32, u32, u32, Option<Via>, u64, u64);

/// Hits as sorted, merged byte intervals per (kind, device, depth, from,
/// via): equal iff the same bytes were given the same number of times.
fn normal(hits: &[Hit]) -> Vec<Piece> {
    let mut v: Vec<_> = hits
        .iter()
        .map(|h| match *h {
            Hit::Mapped {
                device,
                depth,
                offset,
                len,
                from,
                via,
            } => (0, device.0, depth, from.0, Some(via), offset, offset + len),
            Hit::Unmapped {
                device,
                depth,
                offset,
                len,
            } => (1, device.0, depth, 0, None, offset, offset + len),
            Hit::Top {
                device,
                depth,
                offset,
                len,
            } => (2, device.0, depth, 0, None, offset, offset + len),
            Hit::Whole { device, depth } => (3, device.0, depth, 0, None, 0, 0),
        })
        .collect();
    v.sort_by_key(|&(k, d, dp, f, via, s, e)| (k, d, dp, f, via.map(via_key), s, e));
    let mut out: Vec<Piece> = Vec::new();
    for x in v {
        if let Some(last) = out.last_mut() {
            if (last.0, last.1, last.2, last.3, last.4) == (x.0, x.1, x.2, x.3, x.4)
                && last.6 == x.5
                && x.0 != 3
            {
                last.6 = x.6;
                continue;
            }
        }
        out.push(x);
    }
    out
}

fn via_key(v: Via) -> u64 {
    match v {
        Via::Partition => 0,
        Via::Linear => 1,
        Via::Striped { stripe } => 2 + stripe as u64,
    }
}

fn translate(
    stack: &Stack<&mut [Segment], &mut [Link]>,
    dev: u32,
    extent: Extent,
) -> Result<Vec<Hit>, StackError> {
    let mut hits = Vec::new();
    let r = stack.translate(DevId(dev), extent, |h| {
        hits.push(h);
        ControlFlow::Continue(())
    })?;
    assert_eq!(r, ControlFlow::Continue(()));
    Ok(hits)
}

/// Every hit and the outcome, by the shortcut walk (`translate`) or the
/// general one (`translate_general`), with the sink stopping after `stop`
/// hits.
fn walk(
    stack: &Stack<&mut [Segment], &mut [Link]>,
    general: bool,
    dev: u32,
    extent: Extent,
    stop: usize,
) -> (Result<ControlFlow<()>, StackError>, Vec<Hit>) {
    let mut hits = Vec::new();
    let sink = |h| {
        hits.push(h);
        if hits.len() >= stop {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let r = if general {
        stack.translate_general(DevId(dev), extent, sink)
    } else {
        stack.translate(DevId(dev), extent, sink)
    };
    (r, hits)
}

/// Byte ranges to ask about on `dev`: around where its users are, and at
/// both ends of the 64-bit space.
fn queries(m: &Model, dev: u32, q: &[u64]) -> Vec<(u64, u64)> {
    let (base, size) = m.area[dev as usize];
    let lo = base * SS;
    let span = (size + 8) * SS;
    let mut v = vec![(0, 1), (u64::MAX - 1, u64::MAX), (0, u64::MAX - 1)];
    for pair in q.chunks(2) {
        let (x, y) = (pair[0], pair.get(1).copied().unwrap_or(0));
        let a = lo.saturating_add(x % span).min(u64::MAX - 1);
        let len = match y % 4 {
            0 => 1 + y % 8192,
            1 => 1 + y % span,
            2 => u64::MAX - a,
            _ => 1 + (y >> 8) % 600,
        };
        v.push((a, a.saturating_add(len)));
    }
    v
}

/// Whether any two `(start, len)` ranges overlap (the model's rule).
fn any_overlap(ranges: impl Iterator<Item = (u64, u64)>) -> bool {
    let mut sorted: Vec<_> = ranges.collect();
    sorted.sort();
    sorted.windows(2).any(|w| w[1].0 < w[0].0 + w[0].1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    /// The shortcut for a range inside one segment gives exactly what the
    /// general walk gives: the same hits in the same order, the same
    /// outcome (errors, depth limits and a sink that stops included), on
    /// random stacks and on ranges inside, across and around segments.
    #[test]
    fn shortcut_matches_general_walk(
        entropy in proptest::collection::vec(any::<u64>(), 0..160),
        q in proptest::collection::vec(any::<u64>(), 8..16),
        max_depth in 0u32..10,
        stop in 1usize..6,
    ) {
        let m = random_model(&entropy);
        let (mut segs, mut links) = storage(&m);
        let stack = build(&m, &mut segs, &mut links);
        let stack = stack.with_max_depth(max_depth).unwrap();
        for dev in 0..m.devices {
            let mut ranges = queries(&m, dev, &q);
            // Ranges inside each segment the device is the lower side of.
            for s in stack.segments().iter().filter(|s| s.lower() == DevId(dev)) {
                let (lo, len) = (s.lower_start(), s.lower_len());
                let x = q[0] % len.max(1);
                let l = 1 + q[1] % (len - x).max(1);
                ranges.push((lo + x, (lo + x + l).min(lo + len).max(lo + x + 1)));
            }
            for (a, end) in ranges {
                let e = Extent::Range { offset: a, end };
                for stop in [usize::MAX, stop] {
                    let fast = walk(&stack, false, dev, e, stop);
                    let slow = walk(&stack, true, dev, e, stop);
                    prop_assert_eq!(fast, slow, "dev {} [{:#x}, {:#x})", dev, a, end);
                }
            }
        }
    }

    /// Each route is what the general walk gives: a range inside it walks
    /// to `Mapped` hits and one `Top`, the one `find_route` answers; routes
    /// are sorted, disjoint and inside the device; ranges on no route (or
    /// across two) get no answer; a full `out` gives a prefix of the table.
    #[test]
    fn routes_match_general_walk(
        entropy in proptest::collection::vec(any::<u64>(), 0..160),
        q in proptest::collection::vec(any::<u64>(), 8..16),
        max_depth in 0u32..10,
    ) {
        let m = random_model(&entropy);
        let (mut segs, mut links) = storage(&m);
        let stack = build(&m, &mut segs, &mut links);
        let stack = stack.with_max_depth(max_depth).unwrap();
        for dev in 0..m.devices {
            let (base, size) = m.area[dev as usize];
            let dev_end = base.saturating_add(size).saturating_add(8).saturating_mul(SS);
            let mut table = vec![Route::default(); 2 * stack.segments().len() + 2];
            let nr = stack.routes(DevId(dev), dev_end, &mut table);
            prop_assert!(nr < table.len(), "table too small: {}", nr);
            let table = &table[..nr];
            for w in table.windows(2) {
                prop_assert!(w[0].end <= w[1].start, "{:?}", w);
            }
            let mut short = vec![Route::default(); nr / 2];
            let ns = stack.routes(DevId(dev), dev_end, &mut short);
            prop_assert_eq!(&short[..ns], &table[..ns]);
            let mut ranges = queries(&m, dev, &q);
            for r in table {
                prop_assert!(r.lower == DevId(dev) && r.start < r.end && r.end <= dev_end);
                prop_assert!(r.depth >= 1 && r.depth <= max_depth);
                let len = r.end - r.start;
                let x = q[0] % len;
                ranges.push((r.start, r.end));
                ranges.push((r.start + x, r.start + x + 1 + q[1] % (len - x)));
                ranges.push((r.end - 1, r.end.saturating_add(1 + q[2] % 4096)));
            }
            for (a, end) in ranges {
                let e = Extent::Range { offset: a, end };
                let (res, hits) = walk(&stack, true, dev, e, usize::MAX);
                match find_route(table, DevId(dev), e) {
                    Some((i, top)) => {
                        prop_assert!(table[i].start <= a && end <= table[i].end);
                        prop_assert_eq!(res, Ok(ControlFlow::Continue(())));
                        let rest: Vec<_> = hits
                            .iter()
                            .filter(|h| !matches!(h, Hit::Mapped { .. }))
                            .collect();
                        prop_assert_eq!(rest, vec![&top], "dev {} [{:#x}, {:#x})", dev, a, end);
                    }
                    None => prop_assert!(
                        !table.iter().any(|r| r.start <= a && end <= r.end && a < end),
                        "dev {} [{:#x}, {:#x}) is on a route", dev, a, end
                    ),
                }
            }
        }
    }

    #[test]
    fn translation_matches_forward_walk(
        entropy in proptest::collection::vec(any::<u64>(), 0..160),
        q in proptest::collection::vec(any::<u64>(), 8..16),
    ) {
        let m = random_model(&entropy);
        let (mut segs, mut links) = storage(&m);
        let stack = build(&m, &mut segs, &mut links);
        let inv = inverse(&m);
        for dev in 0..m.devices {
            for (a, end) in queries(&m, dev, &q) {
                let got = translate(&stack, dev, Extent::Range { offset: a, end }).unwrap();
                let mut want = Vec::new();
                naive(&m, &inv, dev, a, end, 0, &mut want);
                prop_assert_eq!(normal(&got), normal(&want), "dev {} [{:#x}, {:#x})", dev, a, end);
                let empty = got.iter().any(|h| matches!(h,
                    Hit::Mapped { len: 0, .. } | Hit::Unmapped { len: 0, .. } | Hit::Top { len: 0, .. }));
                prop_assert!(!empty);
            }
            let got = translate(&stack, dev, Extent::WholeDevice).unwrap();
            prop_assert_eq!(got, naive_whole(&m, dev));
        }
    }

    #[test]
    fn crowded_matches_forward_walk(
        users in proptest::collection::vec(
            proptest::collection::vec((0u64..48, 1u64..24), 1..4), 1..12),
        q in proptest::collection::vec((0u64..80, 1u64..40), 1..8),
    ) {
        // Up to 11 dm devices, each of up to 3 linear targets anywhere on
        // the first 72 sectors of pmem0: more users of one byte than there
        // are overlap-free lists, nested and touching ranges.
        let mut tables = Vec::new();
        for (u, targets) in users.iter().enumerate() {
            let mut at = 0;
            for &(lower_start, len) in targets {
                tables.push(Table::Linear { dm: 1 + u as u32, start: at, len, lower: 0, lower_start });
                at += len;
            }
        }
        let m = Model { devices: 1 + users.len() as u32, area: vec![], tables };
        let (mut segs, mut links) = storage(&m);
        let stack = build(&m, &mut segs, &mut links);
        let inv = inverse(&m);
        for &(start, len) in &q {
            let (a, end) = (start * SS, (start + len) * SS);
            let got = translate(&stack, 0, Extent::Range { offset: a, end }).unwrap();
            let mut want = Vec::new();
            naive(&m, &inv, 0, a, end, 0, &mut want);
            prop_assert_eq!(normal(&got), normal(&want));
            let empty = got.iter().any(|h| matches!(h, Hit::Mapped { len: 0, .. }));
            prop_assert!(!empty);
        }
    }

    #[test]
    fn upper_overlaps_refused(
        targets in proptest::collection::vec((0u64..64, 1u64..16, 0u64..64), 1..8),
    ) {
        // Random linear targets of one dm device over pmem0, in sectors.
        let mut segs = vec![Segment::EMPTY; targets.len()];
        let mut links = vec![Link::EMPTY; targets.len()];
        let mut b = StackBuilder::new(&mut segs[..]);
        for &(start, len, lower) in &targets {
            b.linear(DevId(1), start * SS, len * SS, DevId(0), lower * SS).unwrap();
        }
        let overlap = any_overlap(targets.iter().map(|&(start, len, _)| (start, len)));
        let got = b.build(&mut links[..]).err();
        prop_assert_eq!(got, overlap.then_some(StackError::Overlap(DevId(1))));
    }

    #[test]
    fn partition_overlaps_refused(
        parts in proptest::collection::vec((0u64..64, 1u64..16), 1..6),
    ) {
        let mut segs = vec![Segment::EMPTY; parts.len()];
        let mut links = vec![Link::EMPTY; parts.len()];
        let mut b = StackBuilder::new(&mut segs[..]);
        for (i, &(start, len)) in parts.iter().enumerate() {
            b.partition(DevId(0), DevId(1 + i as u32), start * SS, len * SS).unwrap();
        }
        let overlap = any_overlap(parts.iter().copied());
        let got = b.build(&mut links[..]).err();
        prop_assert_eq!(got, overlap.then_some(StackError::PartitionOverlap(DevId(0))));
    }

    #[test]
    fn depth_limit(levels in 1u32..12, max in 0u32..10) {
        // A chain: dm 1 on pmem0, dm 2 on dm 1, ...
        let n = levels as usize;
        let mut segs = vec![Segment::EMPTY; n];
        let mut links = vec![Link::EMPTY; n];
        let mut b = StackBuilder::new(&mut segs[..]);
        for d in 1..=levels {
            b.linear(DevId(d), 0, 8 * SS, DevId(d - 1), 0).unwrap();
        }
        let stack = b.build(&mut links[..]).unwrap().with_max_depth(max).unwrap();
        let r = translate(&stack, 0, Extent::Range { offset: 0, end: 4096 });
        if levels > max {
            prop_assert_eq!(r, Err(StackError::TooDeep));
        } else {
            prop_assert_eq!(r.unwrap().len(), levels as usize + 1);
        }
        let r = translate(&stack, 0, Extent::WholeDevice);
        prop_assert_eq!(r.is_err(), levels > max);
    }
}

#[test]
fn crowded_lists_overflow() {
    // More dm devices over the same bytes than there are overlap-free
    // lists: the last list overlaps and must still give every user.
    let users = MAX_LAYERS as u32 + 5;
    let mut segs = vec![Segment::EMPTY; users as usize * 2];
    let mut links = vec![Link::EMPTY; users as usize * 2];
    let mut b = StackBuilder::new(&mut segs[..]);
    for u in 1..=users {
        // A long target and a short one nested in the next user's range.
        b.linear(DevId(u), 0, 64 * SS, DevId(0), u as u64 * SS)
            .unwrap();
        b.linear(DevId(u), 64 * SS, SS, DevId(0), 200 * SS).unwrap();
    }
    let stack = b.build(&mut links[..]).unwrap();
    let hits = translate(
        &stack,
        0,
        Extent::Range {
            offset: 40 * SS,
            end: 41 * SS,
        },
    )
    .unwrap();
    let mapped: BTreeSet<u32> = hits
        .iter()
        .filter_map(|h| match h {
            Hit::Mapped { device, .. } => Some(device.0),
            _ => None,
        })
        .collect();
    assert_eq!(mapped, (1..=users).collect());
}
