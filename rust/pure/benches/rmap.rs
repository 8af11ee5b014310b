// SPDX-License-Identifier: GPL-2.0

//! Reverse-map queries against the number of records, measured against
//! the naive model (a linear scan of every record) in the same run, and the
//! memory per record.
//!
//! Run with `make bench-rmap` (or `cd rust/pure && cargo bench --bench
//! rmap`). The layout is a filesystem's: extents of 1 to 256 blocks laid out
//! across the device with small gaps, owned by files of about eight extents
//! each; one extent in ten is reflinked into one to three more files (the
//! same blocks, other owners), one in a hundred is unwritten, and one in a
//! thousand is metadata. A query asks for 1 to 8 blocks at a random place,
//! the size of a failed page or huge page: a few hits. A second table
//! adds long records over the extents (nesting). Exits non-zero if the
//! targets of issue 4 are missed in the filesystem layout: at 10,000,000
//! records under 2 us per query and at most 48 bytes per record.

use std::hint::black_box;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use daxhold_pure::rmap::{Node, Record, Rmap, RmapError, OWN_AG, OWN_INODES, UNWRITTEN};

const QUERIES: usize = 4096;
const MIN_TIME: Duration = Duration::from_millis(200);
/// Above this many records the naive scan is timed on fewer queries (each
/// one reads every record).
const NAIVE_FULL: usize = 1_000_000;

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

/// `n` records of the layout above; the blocks used end at the second value.
/// `nested`: one extent in 500 also starts a long record (up to 65,536
/// blocks, another owner) over the extents that follow it.
fn layout(n: usize, rng: &mut Rng, nested: bool) -> (Vec<Record>, u64) {
    let mut recs = Vec::with_capacity(n);
    let files = (n as u64 / 8).max(1);
    let mut block = 0u64;
    while recs.len() < n {
        block += rng.below(4);
        // Mostly short extents, some long.
        let scale = rng.below(9);
        let count = 1 + rng.below(1 << scale);
        let r = match rng.below(1000) {
            0 => Record::metadata(
                block,
                count,
                if block & 1 == 0 { OWN_AG } else { OWN_INODES },
            ),
            1..=10 => Record::data(block, count, 1 + rng.below(files), rng.below(1 << 30))
                .with_flags(UNWRITTEN),
            _ => Record::data(block, count, 1 + rng.below(files), rng.below(1 << 30)),
        };
        recs.push(r);
        if nested && rng.below(500) == 0 && recs.len() < n {
            let owner = 2 * files + 1 + rng.below(files);
            recs.push(Record::data(block, 1 + rng.below(1 << 16), owner, 0));
        }
        if r.flags == 0 && r.owner < files + 1 && rng.below(10) == 0 {
            for _ in 0..1 + rng.below(3) {
                if recs.len() < n {
                    let owner = files + 1 + rng.below(files);
                    recs.push(Record::data(block, count, owner, rng.below(1 << 30)));
                }
            }
        }
        block += count;
    }
    (recs, block)
}

/// Runs `f` over the queries until `min` has passed: ns per call.
fn time(queries: &[(u64, u64)], min: Duration, mut f: impl FnMut(u64, u64) -> u64) -> f64 {
    let mut calls = 0u64;
    let mut sum = 0u64;
    let start = Instant::now();
    'outer: loop {
        for &(lo, hi) in queries {
            sum = sum.wrapping_add(f(black_box(lo), black_box(hi)));
            calls += 1;
            if calls >= 3 && start.elapsed() >= min {
                break 'outer;
            }
        }
    }
    black_box(sum);
    start.elapsed().as_nanos() as f64 / calls as f64
}

struct Row {
    n: usize,
    nested: bool,
    height: usize,
    hits: f64,
    tree: f64,
    naive: f64,
    naive_queries: u64,
    bytes: f64,
    load_ms: f64,
    insert: f64,
    remove: f64,
    bytes_after: f64,
}

/// What a query gives, folded into one number both sides must agree on.
fn fold(r: &Record) -> u64 {
    r.start ^ r.owner.rotate_left(17) ^ r.offset.rotate_left(31)
}

fn measure(n: usize, nested: bool) -> Result<Row, RmapError> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ n as u64);
    let (mut recs, end) = layout(n, &mut rng, nested);
    let mut map = Rmap::new(Vec::new());
    let need = map.nodes_to_load(n);
    // Room for the insertions below.
    map.grow(|s| s.resize(need + need / 4 + 8192, Node::EMPTY))?;
    let t = Instant::now();
    map.load(&mut recs)?;
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let bytes = map.bytes_used() as f64 / n as f64;
    // `recs` (now sorted) is the naive model: scanned in full by each query.
    let queries: Vec<(u64, u64)> = (0..QUERIES)
        .map(|_| {
            let lo = rng.below(end);
            (lo, lo + rng.below(8))
        })
        .collect();
    let q = run_queries(&map, &recs, &queries, n);
    let (insert, bytes_after, remove) = single_changes(&mut map, &mut rng, end)?;

    Ok(Row {
        n,
        nested,
        height: map.height(),
        hits: q.hits,
        tree: q.tree,
        naive: q.naive,
        naive_queries: q.naive_queries,
        bytes,
        load_ms,
        insert,
        remove,
        bytes_after,
    })
}

/// What the queries cost: hits per query, ns per query of the tree and
/// of the naive scan, and how many queries the naive timing ran.
struct Queries {
    hits: f64,
    tree: f64,
    naive: f64,
    naive_queries: u64,
}

/// Checks that `map` and the naive scan of `recs` (its `n` records) find
/// the same for `queries`, counts the hits and times both.
fn run_queries(
    map: &Rmap<Vec<Node>>,
    recs: &[Record],
    queries: &[(u64, u64)],
    n: usize,
) -> Queries {
    let tree = |lo: u64, hi: u64| {
        let mut acc = 0u64;
        let r = map.query_range(lo, hi, |r| {
            acc = acc.wrapping_add(fold(r));
            ControlFlow::<()>::Continue(())
        });
        debug_assert!(r.is_ok());
        acc
    };
    let naive = |lo: u64, hi: u64| {
        let mut acc = 0u64;
        for r in recs {
            if r.overlaps(lo, hi) {
                acc = acc.wrapping_add(fold(r));
            }
        }
        acc
    };
    // Both find the same records (the sum does not depend on the order).
    let mut hits = 0usize;
    let check = if n > NAIVE_FULL { 16 } else { 256 };
    for &(lo, hi) in queries.iter().take(check) {
        assert_eq!(tree(lo, hi), naive(lo, hi), "n {n} [{lo}, {hi}]");
    }
    for &(lo, hi) in queries {
        let _ = map.query_range(lo, hi, |_| {
            hits += 1;
            ControlFlow::<()>::Continue(())
        });
    }
    let tree_ns = time(queries, MIN_TIME, tree);
    let naive_min = if n > NAIVE_FULL {
        Duration::from_millis(300)
    } else {
        MIN_TIME
    };
    let start = Instant::now();
    let naive_ns = time(queries, naive_min, naive);
    let naive_queries = (start.elapsed().as_nanos() as f64 / naive_ns).round() as u64;
    Queries {
        hits: hits as f64 / queries.len() as f64,
        tree: tree_ns,
        naive: naive_ns,
        naive_queries,
    }
}

/// Single changes: 2,000 new records in, then out again. ns per
/// insertion, bytes per record after the insertions, ns per removal.
fn single_changes(
    map: &mut Rmap<Vec<Node>>,
    rng: &mut Rng,
    end: u64,
) -> Result<(f64, f64, f64), RmapError> {
    let fresh: Vec<Record> = (0..2000)
        .map(|i| {
            let start = rng.below(end);
            Record::data(start, 1 + rng.below(16), u64::MAX / 2 + i, 0)
        })
        .collect();
    let t = Instant::now();
    for r in &fresh {
        map.insert(r)?;
    }
    let insert = t.elapsed().as_nanos() as f64 / fresh.len() as f64;
    let bytes_after = map.bytes_used() as f64 / map.len() as f64;
    let t = Instant::now();
    for r in &fresh {
        map.remove(r)?;
    }
    let remove = t.elapsed().as_nanos() as f64 / fresh.len() as f64;
    Ok((insert, bytes_after, remove))
}

fn main() -> Result<(), RmapError> {
    // `cargo bench --bench rmap -- N` measures one size only.
    let args: Vec<usize> = std::env::args().filter_map(|a| a.parse().ok()).collect();
    let sizes: Vec<usize> = match args[..] {
        [n] => vec![n],
        _ => vec![1_000, 10_000, 100_000, 1_000_000, 10_000_000],
    };
    println!("daxhold rmap: query_range of 1 to 8 blocks against a naive scan of every record");
    println!("(ns per query; bytes per record of the bulk-loaded tree, index included;");
    println!(" ins/rm ns: 2,000 single insertions then removals; B/rec+2k: after the insertions)");
    let mut rows = Vec::new();
    for nested in [false, true] {
        println!();
        if nested {
            println!("nested: one extent in 500 also under a long record (up to 65,536 blocks)");
        } else {
            println!("filesystem layout: extents, 10% reflinked to 1-3 more owners");
        }
        table(&sizes, nested, &mut rows)?;
    }
    println!();
    if let Some(r) = rows.iter().find(|r| r.n > NAIVE_FULL) {
        println!(
            "above {NAIVE_FULL} records the naive scan is timed on as few queries as fit 300 ms \
             (at least 3; {} at {} records)",
            r.naive_queries, r.n
        );
    }
    // The targets are for the filesystem layout; the nested one is shown
    // for the cost of long records.
    let mut ok = true;
    for r in rows.iter().filter(|r| r.n == 10_000_000) {
        let met = r.tree < 2000.0 && r.bytes <= 48.0;
        if r.nested {
            println!(
                "nested at 10,000,000 records (no target): {:.0} ns per query, {:.1} bytes per record",
                r.tree, r.bytes
            );
            continue;
        }
        ok &= met;
        println!(
            "target at 10,000,000 records: {:.0} ns per query (< 2000), {:.1} bytes per record (<= 48): {}",
            r.tree,
            r.bytes,
            if met { "met" } else { "MISSED" }
        );
    }
    if !ok {
        std::process::exit(1);
    }
    Ok(())
}

/// Measures and prints one table.
fn table(sizes: &[usize], nested: bool, rows: &mut Vec<Row>) -> Result<(), RmapError> {
    println!(
        "{:>10} {:>3} {:>5} {:>9} {:>13} {:>10} {:>8} {:>8} {:>8} {:>8} {:>9}",
        "records",
        "h",
        "hits",
        "rmap ns",
        "naive ns",
        "speedup",
        "B/rec",
        "load ms",
        "ins ns",
        "rm ns",
        "B/rec+2k"
    );
    for &n in sizes {
        let r = measure(n, nested)?;
        println!(
            "{:>10} {:>3} {:>5.2} {:>9.1} {:>13.1} {:>9.0}x {:>8.1} {:>8.0} {:>8.0} {:>8.0} {:>9.1}",
            r.n,
            r.height,
            r.hits,
            r.tree,
            r.naive,
            r.naive / r.tree,
            r.bytes,
            r.load_ms,
            r.insert,
            r.remove,
            r.bytes_after
        );
        rows.push(r);
    }
    Ok(())
}
