// SPDX-License-Identifier: GPL-2.0

//! The tool's reader of `/proc/fs/daxhold/stack` (`daxhold status`).
//! Any text: the reader accepts it or names a malformed line; what it
//! accepts it draws as a tree (one row per node, at most `MAX_NODES`,
//! cut only at that) and as JSON that parses.
//! Written by the module's own writers (`procfs::{Header, Held, Dev, Map,
//! Fs}`, from held disks, devices, partitions, linear and striped segments
//! and filesystems of any names and numbers), it reads back exactly what
//! was written; it refuses the file only when a name written as a
//! positional field holds a `=` (the kernel's names never do).

#![no_main]

use daxhold_fuzz::gen::{edge_u64, name, pick, range, text, Result, Unstructured};
use daxhold_fuzz::kinds::{DevKind, Mode, Target};
use daxhold_fuzz::stack::{self as tool, Dev, Held, Map, Node};
use daxhold_fuzz::{json, parse};
use daxhold_pure::procfs::{self, Devt, Kind, Word};
use daxhold_pure::stack::{DevId, Segment, StackBuilder, Via, SECTOR_SIZE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => drop(read(&text(rest))),
        1 => drop(read(&format!("# daxhold stack v1\n{}", text(rest)))),
        _ => {
            let _ = round_trip(&mut Unstructured::new(rest));
        }
    }
});

/// Reads `t` as the tool does; what it accepts, it draws.
fn read(t: &str) -> Option<tool::Stack> {
    let recs = parse::parse("/proc/fs/daxhold/stack", "stack", t).ok()?;
    let s = tool::Stack::from_records(&recs).ok()?;
    let (trees, cut) = s.trees();
    let table = tool::render(&trees);
    let nodes: usize = trees.iter().map(count).sum();
    assert_eq!(table.lines().count(), 1 + nodes);
    assert!(nodes <= tool::MAX_NODES && (nodes == tool::MAX_NODES || !cut));
    let out = json::to_string(&trees);
    serde_json::from_str::<serde_json::Value>(&out).expect("valid JSON");
    Some(s)
}

fn count(n: &Node) -> usize {
    1 + n.children.iter().map(count).sum::<usize>()
}

fn devt(u: &mut Unstructured<'_>) -> Result<u32> {
    Ok(match u.int_in_range(0u8..=2)? {
        0 => u.arbitrary()?,
        _ => (range(u, 250, 260)? << 20 | range(u, 0, 16)?) as u32,
    })
}

/// One segment the builder accepts, or none.
fn segment(u: &mut Unstructured<'_>) -> Result<Option<Segment>> {
    let mut segs = [Segment::EMPTY; 4];
    let mut b = StackBuilder::new(&mut segs[..]);
    let ss = SECTOR_SIZE;
    let mut bytes = || edge_u64(u).map(|v| v.wrapping_mul(ss));
    let (start, len, lower) = (bytes()?, bytes()?, bytes()?);
    let added = match u.int_in_range(0u8..=2)? {
        0 => b.partition(DevId(1), DevId(2), lower, len),
        1 => b.linear(DevId(2), start, len, DevId(1), lower),
        _ => {
            let n = range(u, 1, 4)?;
            let chunk = range(u, 1, 64)? as u32;
            let len = n * u64::from(chunk) * ss * range(u, 1, 8)?;
            let stripes: Vec<(DevId, u64)> = (0..n).map(|i| (DevId(i as u32 + 1), lower)).collect();
            b.striped(DevId(9), start, len, chunk, &stripes)
        }
    };
    let used = b.len();
    let pick_one = range(u, 0, 3)? as usize;
    Ok(added.ok().map(|()| segs[pick_one.min(used - 1)]))
}

/// What the writers write, and what the tool must read from it.
fn round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let mut file = format!("{}\n", procfs::Header("stack"));
    let mut want = tool::Stack::default();
    let mut positional = Vec::new();
    for _ in 0..u.int_in_range(0..=12)? {
        match u.int_in_range(0u8..=3)? {
            0 => held(u, &mut file, &mut want, &mut positional)?,
            1 => dev(u, &mut file, &mut want, &mut positional)?,
            2 => map(u, &mut file, &mut want, &mut positional)?,
            _ => {
                let (n, fs) = (name(u)?, name(u)?);
                file.push_str(&format!("{}\n", procfs::Fs { name: &n, fs: &fs }));
                want.fs.push((Word(&n).to_string(), Word(&fs).to_string()));
                positional.push(n);
            }
        }
    }
    let got = read(&file);
    if positional.iter().any(|n| n.contains('=')) {
        return Ok(());
    }
    assert_eq!(got.as_ref(), Some(&want), "{file}");
    Ok(())
}

fn held(
    u: &mut Unstructured<'_>,
    file: &mut String,
    want: &mut tool::Stack,
    positional: &mut Vec<String>,
) -> Result<()> {
    let (n, mode) = (name(u)?, pick(u, &["auto", "manual", "", "a b", "x=y"])?);
    let (dev, sectors) = (devt(u)?, edge_u64(u)?);
    let h = procfs::Held {
        name: &n,
        dev,
        mode,
        sectors,
    };
    file.push_str(&format!("{h}\n"));
    want.held.push(Held {
        name: Word(&n).to_string(),
        devt: Devt(dev).to_string(),
        mode: Some(Mode::from_word(&Word(mode).to_string())),
        sectors,
    });
    positional.push(n);
    Ok(())
}

fn dev(
    u: &mut Unstructured<'_>,
    file: &mut String,
    want: &mut tool::Stack,
    positional: &mut Vec<String>,
) -> Result<()> {
    let n = name(u)?;
    let d = procfs::Dev {
        name: &n,
        dev: devt(u)?,
        kind: pick(u, &[Kind::Part, Kind::Dm])?,
        sectors: edge_u64(u)?,
        holder: u.arbitrary()?,
        depth: u.arbitrary()?,
    };
    file.push_str(&format!("{d}\n"));
    want.devs.push(Dev {
        name: Word(&n).to_string(),
        devt: Devt(d.dev).to_string(),
        kind: DevKind::from_word(if d.kind == Kind::Part { "part" } else { "dm" }),
        sectors: d.sectors,
        holder: d.holder,
    });
    positional.push(n);
    Ok(())
}

fn map(
    u: &mut Unstructured<'_>,
    file: &mut String,
    want: &mut tool::Stack,
    positional: &mut Vec<String>,
) -> Result<()> {
    let (upper, lower) = (name(u)?, name(u)?);
    let Some(seg) = segment(u)? else {
        return Ok(());
    };
    let m = procfs::Map {
        upper: &upper,
        lower: &lower,
        seg: &seg,
    };
    file.push_str(&format!("{m}\n"));
    let (target, striping) = match seg.via() {
        Via::Partition => ("part", None),
        Via::Linear => ("linear", None),
        Via::Striped { stripe } => {
            let (n, chunk) = seg.striping().expect("a stripe's striping");
            (
                "striped",
                Some((u64::from(n), chunk / SECTOR_SIZE, u64::from(stripe))),
            )
        }
    };
    want.maps.push(Map {
        upper: Word(&upper).to_string(),
        lower: Word(&lower).to_string(),
        start: seg.upper_start() / SECTOR_SIZE,
        sectors: seg.len() / SECTOR_SIZE,
        lower_start: seg.lower_start() / SECTOR_SIZE,
        target: Some(Target::from_word(target)),
        stripes: striping.map(|s| s.0),
        chunk: striping.map(|s| s.1),
        stripe: striping.map(|s| s.2),
    });
    positional.push(upper);
    Ok(())
}
