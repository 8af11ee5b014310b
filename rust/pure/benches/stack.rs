// SPDX-License-Identifier: GPL-2.0

//! Translation cost against the number of targets and the depth of the
//! stack, measured against a linear scan of the targets (what the dropped
//! upstream dm `->rmap()` patches did at each level), in the same run.
//!
//! Run with `make bench-host` (or `cd rust/pure && cargo bench --bench
//! stack`). Each stack is `depth` dm devices, one on the other above pmem0,
//! each with `n` linear targets of 1 MiB in shuffled order (as a fragmented
//! LVM volume); a lookup translates one random 4 KiB page of pmem0 to the
//! top. Exits non-zero if the targets of issue 3 are missed: at 10,000
//! targets at least 50x faster than the scan and under 1 us per lookup.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use daxhold_pure::notify::Extent;
use daxhold_pure::stack::{DevId, Hit, Link, Segment, StackBuilder, StackError};

const TARGET: u64 = 1 << 20;
const PAGE: u64 = 4096;
const QUERIES: usize = 4096;
const MIN_TIME: Duration = Duration::from_millis(150);

/// xorshift64*: reproducible, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One level: `n` linear targets `(upper start, len, lower start)` in table
/// order (by upper start), mapping device `level` onto device `level - 1`.
fn level(n: u64, rng: &mut Rng) -> Vec<(u64, u64, u64)> {
    let mut perm: Vec<u64> = (0..n).collect();
    for i in (1..perm.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        perm.swap(i, j);
    }
    perm.iter()
        .enumerate()
        .map(|(i, &p)| (i as u64 * TARGET, TARGET, p * TARGET))
        .collect()
}

/// The baseline: at each level, scan every target of the table above.
fn scan(levels: &[Vec<(u64, u64, u64)>], dev: usize, a: u64, b: u64, out: &mut u64) {
    let Some(table) = levels.get(dev) else {
        *out += 1; // the top
        return;
    };
    for &(start, len, lower) in table {
        let s = a.max(lower);
        let e = b.min(lower + len);
        if s < e {
            let up = start + (s - lower);
            *out += up;
            scan(levels, dev + 1, up, up + (e - s), out);
        }
    }
}

/// Runs `f` over the queries until `MIN_TIME` has passed: ns per call.
fn time(queries: &[u64], mut f: impl FnMut(u64) -> u64) -> f64 {
    let mut calls = 0u64;
    let mut sum = 0u64;
    let start = Instant::now();
    loop {
        for &q in queries {
            sum = sum.wrapping_add(f(black_box(q)));
        }
        calls += queries.len() as u64;
        if start.elapsed() >= MIN_TIME {
            break;
        }
    }
    black_box(sum);
    start.elapsed().as_nanos() as f64 / calls as f64
}

struct Row {
    n: u64,
    depth: usize,
    tree: f64,
    scan: f64,
}

fn measure(n: u64, depth: usize) -> Result<Row, StackError> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n ^ (depth as u64) << 40);
    let levels: Vec<_> = (0..depth).map(|_| level(n, &mut rng)).collect();
    let count = n as usize * depth;
    let mut segs = vec![Segment::EMPTY; count];
    let mut links = vec![Link::EMPTY; count];
    let mut b = StackBuilder::new(&mut segs[..]);
    for (i, table) in levels.iter().enumerate() {
        for &(start, len, lower) in table {
            b.linear(DevId(i as u32 + 1), start, len, DevId(i as u32), lower)?;
        }
    }
    let stack = b.build(&mut links[..])?;
    let queries: Vec<u64> = (0..QUERIES)
        .map(|_| rng.below(n * TARGET / PAGE) * PAGE)
        .collect();

    let tree_lookup = |q: u64| {
        let mut sum = 0u64;
        let extent = Extent::Range {
            offset: q,
            end: q + PAGE,
        };
        let r = stack.translate(DevId(0), extent, |h| {
            sum += match h {
                Hit::Mapped { offset, .. } => offset,
                _ => 1,
            };
            ControlFlow::Continue(())
        });
        assert!(r.is_ok());
        sum
    };
    let scan_lookup = |q: u64| {
        let mut sum = 0u64;
        scan(&levels, 0, q, q + PAGE, &mut sum);
        sum
    };
    // Both must find the same: the sum of upper offsets plus the top.
    for &q in queries.iter().take(256) {
        assert_eq!(
            tree_lookup(q),
            scan_lookup(q),
            "n {n} depth {depth} page {q:#x}"
        );
    }
    let tree = time(&queries, tree_lookup);
    let scan = time(&queries, scan_lookup);
    Ok(Row {
        n,
        depth,
        tree,
        scan,
    })
}

fn main() -> Result<(), StackError> {
    // `cargo bench --bench stack -- N DEPTH` measures one row only.
    let args: Vec<u64> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    if let [n, depth] = args[..] {
        let r = measure(n, depth as usize)?;
        println!(
            "{n} targets, depth {depth}: model {:.1} ns, scan {:.1} ns, {:.1}x",
            r.tree,
            r.scan,
            r.scan / r.tree
        );
        return Ok(());
    }
    let sizes = [1u64, 10, 100, 1_000, 10_000, 100_000];
    println!("daxhold stack translation: one 4 KiB page of pmem0 to the top");
    println!("(ns per lookup; the scan visits every target of each level)");
    println!();
    println!(
        "{:>8} {:>5} {:>11} {:>13} {:>9} {:>14}",
        "targets", "depth", "model ns", "scan ns", "speedup", "ns/level/lg n"
    );
    let mut rows = Vec::new();
    for &n in &sizes {
        for depth in 1..=4 {
            let r = measure(n, depth)?;
            let lg = (n as f64).log2().max(1.0);
            println!(
                "{:>8} {:>5} {:>11.1} {:>13.1} {:>8.1}x {:>14.2}",
                r.n,
                r.depth,
                r.tree,
                r.scan,
                r.scan / r.tree,
                r.tree / r.depth as f64 / lg
            );
            rows.push(r);
        }
    }
    println!();
    if !targets(&rows) {
        std::process::exit(1);
    }
    Ok(())
}

/// Prints whether the targets are met at 10,000 targets, and how the cost
/// per level grows with the number of targets: whether all were met.
fn targets(rows: &[Row]) -> bool {
    let mut ok = true;
    for r in rows.iter().filter(|r| r.n == 10_000) {
        let speedup = r.scan / r.tree;
        let met = speedup >= 50.0 && r.tree < 1000.0;
        ok &= met;
        println!(
            "target at 10,000 targets, depth {}: {:.0} ns per lookup (< 1000), {:.0}x the scan (>= 50x): {}",
            r.depth,
            r.tree,
            speedup,
            if met { "met" } else { "MISSED" }
        );
    }
    // log n growth: per level, 100,000 targets against 100 (lg ratio 2.5).
    let per_level = |n: u64| {
        rows.iter()
            .filter(|r| r.n == n)
            .map(|r| r.tree / r.depth as f64)
            .sum::<f64>()
            / 4.0
    };
    let growth = per_level(100_000) / per_level(100);
    println!(
        "growth per level from 100 to 100,000 targets: {growth:.2}x (log n predicts {:.2}x, n {}x)",
        (100_000f64).log2() / (100f64).log2(),
        1000
    );
    ok
}
