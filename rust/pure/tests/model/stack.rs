// SPDX-License-Identifier: GPL-2.0

//! The stack model: random stacks and a brute-force translation of them,
//! shared by `tests/stack_props.rs` and the fuzz targets `stack_translate`
//! and `stack_routes` (`tools/fuzz`).
//!
//! Random stacks (disks, partitions, dm devices of linear and striped
//! targets over any earlier device, some crowded onto one disk so that many
//! targets share bytes, some placed at the top of the 64-bit space) are
//! drawn from a vector of entropy and walked *forward*, sector by sector,
//! from every upper device down through its partition or target
//! (dm-stripe's `stripe_map_sector()`, transcribed from the C), which gives
//! for every lower sector the upper sectors that land on it. Translating a
//! byte range up must give, byte for byte, what that inverse map gives.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::ops::ControlFlow;

use daxhold_pure::notify::Extent;
use daxhold_pure::stack::{
    find_route, DevId, Hit, Link, Route, Segment, Stack, StackBuilder, StackError, Via, SECTOR_SIZE,
};
use proptest::prelude::*;

pub const SS: u64 = SECTOR_SIZE;
/// The last sector a device's bytes can use (its end is at most u64::MAX).
pub const TOP_SECTOR: u64 = u64::MAX / SS - 1;

/// One partition or target, in sectors, as the kernel has them.
#[derive(Clone, Debug)]
pub enum Table {
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
pub struct Model {
    pub tables: Vec<Table>,
    pub devices: u32,
    /// Sector range `[base, base + size)` where each device's users go.
    pub area: Vec<(u64, u64)>,
}

/// A stack being drawn: the entropy, each device's area and level so far,
/// and the tables.
struct Draw<'a> {
    e: Entropy<'a>,
    area: Vec<(u64, u64)>,
    level: Vec<u32>,
    tables: Vec<Table>,
}

pub fn random_model(v: &[u64]) -> Model {
    let mut d = Draw {
        e: Entropy { v, i: 0 },
        area: Vec::new(),
        level: Vec::new(),
        tables: Vec::new(),
    };
    let disks = 1 + d.e.below(2) as u32;
    for _ in 0..disks {
        let base = match d.e.below(4) {
            0 => TOP_SECTOR - 96,
            1 => 1 << 40,
            _ => 0,
        };
        d.area.push((base, 96));
        d.level.push(0u32);
    }
    // Partitions of the disks.
    for disk in 0..disks {
        d.partitions(disk);
    }
    // dm devices over any earlier device, up to 4 levels.
    for _ in 0..d.e.below(9) {
        d.dm();
    }
    Model {
        tables: d.tables,
        devices: d.area.len() as u32,
        area: d.area,
    }
}

impl Draw<'_> {
    fn partitions(&mut self, disk: u32) {
        let e = &mut self.e;
        let mut at = self.area[disk as usize].0 + e.below(4);
        for _ in 0..e.below(4) {
            let len = 1 + e.below(12);
            let part = self.area.len() as u32;
            self.tables.push(Table::Part {
                disk,
                part,
                start: at,
                len,
            });
            self.area.push((0, len));
            self.level.push(1);
            at += len + e.below(3);
        }
    }

    /// A lower device for dm device `dm`: pmem0 if `crowd`, else any
    /// earlier device, mostly one below level 4.
    fn pick(&mut self, dm: u32, crowd: bool) -> u32 {
        if crowd {
            return 0;
        }
        let e = &mut self.e;
        loop {
            let d = e.below(dm as u64) as u32;
            if self.level[d as usize] < 4 || e.below(2) == 9 {
                return d;
            }
            if e.v.len() <= e.i {
                return 0;
            }
        }
    }

    /// Where on `lower` a target of `len` sectors starts: mostly inside
    /// what the lower device has, sometimes past.
    fn lower_at(&mut self, lower: u32, len: u64) -> u64 {
        let (b, size) = self.area[lower as usize];
        let off = self.e.below(size + 4);
        (b + off).min(TOP_SECTOR + 1 - len)
    }

    /// One dm device of 1 to 4 targets.
    fn dm(&mut self) {
        let dm = self.area.len() as u32;
        let crowd = self.e.below(2) == 0;
        let base = match self.e.below(4) {
            0 => TOP_SECTOR - 96,
            _ => 0,
        };
        let mut at = base;
        let mut top_level = 0;
        for _ in 0..1 + self.e.below(4) {
            at += self.e.below(3);
            let added = if self.e.below(3) == 0 {
                self.striped(dm, crowd, at, &mut top_level)
            } else {
                self.linear(dm, crowd, at, &mut top_level)
            };
            match added {
                Some(len) => at += len,
                None => break,
            }
        }
        self.area.push((base, at - base));
        self.level.push(top_level.max(1));
    }

    /// A striped target of `dm` at sector `at`: its length, or `None` if
    /// it would not fit below the top of the space.
    fn striped(&mut self, dm: u32, crowd: bool, at: u64, top_level: &mut u32) -> Option<u64> {
        let n = 1 + self.e.below(3) as usize;
        let chunk = 1 + self.e.below(3) as u32;
        let per = 1 + self.e.below(3);
        let width = chunk as u64 * per;
        let len = width * n as u64;
        if at + len > TOP_SECTOR + 1 {
            return None;
        }
        let mut stripes = Vec::new();
        for _ in 0..n {
            let lower = self.pick(dm, crowd);
            *top_level = (*top_level).max(self.level[lower as usize] + 1);
            stripes.push((lower, self.lower_at(lower, width)));
        }
        self.tables.push(Table::Striped {
            dm,
            start: at,
            len,
            chunk,
            stripes,
        });
        Some(len)
    }

    /// A linear target of `dm` at sector `at`, as [`Draw::striped`].
    fn linear(&mut self, dm: u32, crowd: bool, at: u64, top_level: &mut u32) -> Option<u64> {
        let len = 1 + self.e.below(10);
        if at + len > TOP_SECTOR + 1 {
            return None;
        }
        let lower = self.pick(dm, crowd);
        *top_level = (*top_level).max(self.level[lower as usize] + 1);
        let lower_start = self.lower_at(lower, len);
        self.tables.push(Table::Linear {
            dm,
            start: at,
            len,
            lower,
            lower_start,
        });
        Some(len)
    }
}

pub fn load(m: &Model, b: &mut StackBuilder<&mut [Segment]>) -> Result<(), StackError> {
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
pub fn storage(m: &Model) -> (Vec<Segment>, Vec<Link>) {
    let n = segments_needed(m);
    (vec![Segment::EMPTY; n], vec![Link::EMPTY; n])
}

/// `m` built into `segs` and `links` (from [`storage`]).
pub fn build<'a>(
    m: &Model,
    segs: &'a mut [Segment],
    links: &'a mut [Link],
) -> Stack<&'a mut [Segment], &'a mut [Link]> {
    let mut b = StackBuilder::new(segs);
    load(m, &mut b).unwrap();
    b.build(links).unwrap()
}

pub fn segments_needed(m: &Model) -> usize {
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
pub fn stripe_map_sector(begin: u64, stripes: u64, chunk_size: u64, sector: u64) -> (u64, u64) {
    let mut chunk = sector - begin; // dm_target_offset()
    let chunk_offset = chunk % chunk_size; // sector_div(chunk, chunk_size)
    chunk /= chunk_size;
    let stripe = chunk % stripes; // sector_div(chunk, stripes)
    chunk /= stripes;
    chunk *= chunk_size;
    (stripe, chunk + chunk_offset)
}

/// For every lower (device, sector), the upper (device, sector, via) on it.
pub type Inverse = BTreeMap<(u32, u64), Vec<(u32, u64, Via)>>;

pub fn inverse(m: &Model) -> Inverse {
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

pub fn has_users(m: &Model, dev: u32) -> bool {
    m.tables.iter().any(|t| match t {
        Table::Part { disk, .. } => *disk == dev,
        Table::Linear { lower, .. } => *lower == dev,
        Table::Striped { stripes, .. } => stripes.iter().any(|(d, _)| *d == dev),
    })
}

/// The brute-force translation of bytes `[a, b)` of `dev`.
pub fn naive(m: &Model, inv: &Inverse, dev: u32, a: u64, b: u64, depth: u32, out: &mut Vec<Hit>) {
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
pub fn naive_whole(m: &Model, dev: u32) -> Vec<Hit> {
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
pub type Piece = (u8, u32, u32, u32, Option<Via>, u64, u64);

/// Hits as sorted, merged byte intervals per (kind, device, depth, from,
/// via): equal iff the same bytes were given the same number of times.
pub fn normal(hits: &[Hit]) -> Vec<Piece> {
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

pub fn via_key(v: Via) -> u64 {
    match v {
        Via::Partition => 0,
        Via::Linear => 1,
        Via::Striped { stripe } => 2 + stripe as u64,
    }
}

pub fn translate(
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
pub fn walk(
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
pub fn queries(m: &Model, dev: u32, q: &[u64]) -> Vec<(u64, u64)> {
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
pub fn any_overlap(ranges: impl Iterator<Item = (u64, u64)>) -> bool {
    let mut sorted: Vec<_> = ranges.collect();
    sorted.sort();
    sorted.windows(2).any(|w| w[1].0 < w[0].0 + w[0].1)
}
/// The shortcut for a range inside one segment gives exactly what the
/// general walk gives: the same hits in the same order, the same outcome
/// (errors, depth limits and a sink that stops included), on the stack of
/// `entropy` and on ranges inside, across and around segments.
pub fn check_shortcut(
    entropy: &[u64],
    q: &[u64],
    max_depth: u32,
    stop: usize,
) -> Result<(), TestCaseError> {
    let m = random_model(entropy);
    let (mut segs, mut links) = storage(&m);
    let stack = build(&m, &mut segs, &mut links);
    let stack = stack.with_max_depth(max_depth).unwrap();
    for dev in 0..m.devices {
        let mut ranges = queries(&m, dev, q);
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
    Ok(())
}

/// Each route is what the general walk gives: a range inside it walks to
/// `Mapped` hits and one `Top`, the one `find_route` answers; routes are
/// sorted, disjoint and inside the device; ranges on no route (or across
/// two) get no answer; a full `out` gives a prefix of the table.
pub fn check_routes(entropy: &[u64], q: &[u64], max_depth: u32) -> Result<(), TestCaseError> {
    let m = random_model(entropy);
    let (mut segs, mut links) = storage(&m);
    let stack = build(&m, &mut segs, &mut links);
    let stack = stack.with_max_depth(max_depth).unwrap();
    for dev in 0..m.devices {
        let (base, size) = m.area[dev as usize];
        let dev_end = base
            .saturating_add(size)
            .saturating_add(8)
            .saturating_mul(SS);
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
        let mut ranges = queries(&m, dev, q);
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
            check_route(&stack, table, dev, a, end)?;
        }
    }
    Ok(())
}

/// `find_route` on `table` (the routes of `dev`) for `[a, end)` agrees
/// with the general walk.
pub fn check_route(
    stack: &Stack<&mut [Segment], &mut [Link]>,
    table: &[Route],
    dev: u32,
    a: u64,
    end: u64,
) -> Result<(), TestCaseError> {
    let e = Extent::Range { offset: a, end };
    let (res, hits) = walk(stack, true, dev, e, usize::MAX);
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
            !table
                .iter()
                .any(|r| r.start <= a && end <= r.end && a < end),
            "dev {} [{:#x}, {:#x}) is on a route",
            dev,
            a,
            end
        ),
    }
    Ok(())
}

/// Translating every query range of every device of the stack of
/// `entropy` gives, byte for byte, what the forward walk's inverse gives,
/// with no empty piece; the whole-device form gives every user at its
/// nearest depth.
pub fn check_forward(entropy: &[u64], q: &[u64]) -> Result<(), TestCaseError> {
    let m = random_model(entropy);
    let (mut segs, mut links) = storage(&m);
    let stack = build(&m, &mut segs, &mut links);
    let inv = inverse(&m);
    for dev in 0..m.devices {
        for (a, end) in queries(&m, dev, q) {
            let got = translate(&stack, dev, Extent::Range { offset: a, end }).unwrap();
            let mut want = Vec::new();
            naive(&m, &inv, dev, a, end, 0, &mut want);
            prop_assert_eq!(
                normal(&got),
                normal(&want),
                "dev {} [{:#x}, {:#x})",
                dev,
                a,
                end
            );
            let empty = got.iter().any(|h| {
                matches!(
                    h,
                    Hit::Mapped { len: 0, .. }
                        | Hit::Unmapped { len: 0, .. }
                        | Hit::Top { len: 0, .. }
                )
            });
            prop_assert!(!empty);
        }
        let got = translate(&stack, dev, Extent::WholeDevice).unwrap();
        prop_assert_eq!(got, naive_whole(&m, dev));
    }
    Ok(())
}
