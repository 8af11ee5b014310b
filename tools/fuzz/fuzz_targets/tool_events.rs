// SPDX-License-Identifier: GPL-2.0

//! The tool's reader of `/proc/fs/daxhold/events` (`daxhold events`).
//! Any text: the reader accepts it or names a malformed line; what it
//! accepts it shows as text and as JSON that parses, and `--last N` keeps
//! the last N failures. Written by the module's own writer
//! (`events::Line`, from records of every kind with any numbers, names,
//! flags and errnos), it reads back what was written: failures grouped by
//! sequence number in the order first seen, their offset, length, flags,
//! each top, owner, signal and other record, and the result; it refuses
//! the file only when a disk's name holds a `=` (the kernel's names never
//! do).

#![no_main]

use daxhold_fuzz::events::{self as tool, Failure};
use daxhold_fuzz::gen::{edge_u64, list, name, pick, range, text, Result, Unstructured};
use daxhold_fuzz::{json, parse};
use daxhold_pure::events::{Event, Line, Name, Piece, What};
use daxhold_pure::mf::MfFlags;
use daxhold_pure::notify::Extent;
use daxhold_pure::procfs::{Devt, Word};
use daxhold_pure::stack::{DevId, StackError, SECTOR_SIZE};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 3 {
        0 => drop(read(&text(rest), usize::from(mode))),
        1 => drop(read(&format!("# daxhold events v1\n{}", text(rest)), 3)),
        _ => {
            let _ = round_trip(&mut Unstructured::new(rest));
        }
    }
});

/// Reads `t` as the tool does; what it accepts, it shows.
fn read(t: &str, last: usize) -> Option<Vec<Failure>> {
    let recs = parse::parse("/proc/fs/daxhold/events", "events", t).ok()?;
    let v = tool::from_records(&recs).ok()?;
    let shown = tool::render(&v);
    assert!(shown.ends_with('\n'));
    let out = json::to_string(&v);
    serde_json::from_str::<serde_json::Value>(&out).expect("valid JSON");
    let tail = tool::tail(v.clone(), Some(last));
    assert_eq!(tail[..], v[v.len().saturating_sub(last)..]);
    Some(v)
}

fn errno(u: &mut Unstructured<'_>) -> Result<i32> {
    Ok(match u.int_in_range(0u8..=3)? {
        0 => 0,
        1 => -95,
        2 => -(range(u, 1, 140)? as i32),
        _ => u.arbitrary()?,
    })
}

fn piece(u: &mut Unstructured<'_>) -> Result<Piece> {
    Ok(Piece {
        device: Name::new(name(u)?.as_bytes()),
        dev: u.arbitrary()?,
        depth: range(u, 0, 20)? as u32,
        offset: edge_u64(u)?,
        len: edge_u64(u)?,
    })
}

fn what(u: &mut Unstructured<'_>) -> Result<What> {
    Ok(match u.int_in_range(0u8..=12)? {
        0 => What::Failure {
            mf_flags: u.arbitrary()?,
        },
        1 => What::Top {
            piece: piece(u)?,
            rc: errno(u)?,
        },
        2 => What::Unmapped { piece: piece(u)? },
        3 => What::Whole {
            piece: piece(u)?,
            rc: errno(u)?,
        },
        4 => What::Owner {
            pfn: edge_u64(u)?,
            pages: edge_u64(u)?,
            dev: u.arbitrary()?,
            ino: edge_u64(u)?,
            pgoff: edge_u64(u)?,
            rc: errno(u)?,
        },
        5 => What::PreRemoveOwners {
            ranges: edge_u64(u)?,
            lo: edge_u64(u)?,
            hi: edge_u64(u)?,
        },
        6 => What::Unowned {
            lo: edge_u64(u)?,
            hi: edge_u64(u)?,
        },
        7 => What::NotOurs {
            lo: edge_u64(u)?,
            hi: edge_u64(u)?,
        },
        8 => What::NoStack { errno: errno(u)? },
        9 => What::Stopped {
            error: pick(
                u,
                &[
                    StackError::TooDeep,
                    StackError::NoRoom,
                    StackError::SelfMap(DevId(7)),
                ],
            )?,
        },
        10 => What::Result { rc: errno(u)? },
        _ => What::Signal {
            pid: range(u, 0, i32::MAX as u64)? as i32,
            comm: Name::new(name(u)?.as_bytes()),
            code: pick(u, &[4, 5, 0, -1])?,
            addr: edge_u64(u)?,
            lsb: pick(u, &[12, 21, 30, 0])?,
            kill_line: core::num::NonZeroU64::new(edge_u64(u)?),
        },
    })
}

fn event(u: &mut Unstructured<'_>) -> Result<Event> {
    let offset = edge_u64(u)?;
    let extent = match offset.checked_add(edge_u64(u)?.max(1)) {
        Some(end) if u.ratio(7u8, 8)? => Extent::Range { offset, end },
        _ => Extent::WholeDevice,
    };
    Ok(Event {
        seq: range(u, 0, 5)?,
        holder: Name::new(name(u)?.as_bytes()),
        extent,
        what: what(u)?,
    })
}

/// What the writer writes, and what the tool must read from it.
fn round_trip(u: &mut Unstructured<'_>) -> Result<()> {
    let events = list(u, 16, event)?;
    let mut file = String::from("# daxhold events v1\n");
    for e in &events {
        file.push_str(&format!("{}\n", Line(e)));
    }
    let got = read(&file, 2);
    if events.iter().any(|e| e.holder.as_str().contains('=')) {
        return Ok(());
    }
    let got = got.unwrap_or_else(|| panic!("refused:\n{file}"));
    let mut seqs: Vec<u64> = Vec::new();
    for e in &events {
        if !seqs.contains(&e.seq) {
            seqs.push(e.seq);
        }
    }
    assert_eq!(
        got.iter().map(|f| f.seq).collect::<Vec<_>>(),
        seqs,
        "{file}"
    );
    for f in &got {
        let mine: Vec<&Event> = events.iter().filter(|e| e.seq == f.seq).collect();
        check_failure(f, &mine, &file);
    }
    Ok(())
}

/// Failure `f` as read holds what `events` (its records, in order) say.
fn check_failure(f: &Failure, events: &[&Event], file: &str) {
    assert_eq!(f.dev, Word(events[0].holder.as_str()).to_string(), "{file}");
    let (mut tops, mut owners, mut signals, mut others) = (0, 0, 0, 0);
    let mut result = None;
    let mut failure = None;
    for e in events {
        match e.what {
            What::Failure { mf_flags } => failure = Some((e.extent, mf_flags)),
            What::Top { piece, rc } => {
                check_top(&f.tops[tops], &piece, rc, file);
                tops += 1;
            }
            What::Owner { .. } => {
                check_owner(&f.owners[owners], &e.what, file);
                owners += 1;
            }
            What::Signal { .. } => {
                check_signal(&f.signals[signals], &e.what);
                signals += 1;
            }
            What::Result { rc } => result = Some(rc),
            _ => others += 1,
        }
    }
    assert_eq!(
        (f.tops.len(), f.owners.len(), f.signals.len()),
        (tops, owners, signals)
    );
    assert_eq!(f.records.len(), others, "{file}");
    assert_eq!(f.lines.len(), tops + owners + signals + others);
    assert_eq!(f.result.errno, result.map(i64::from), "{file}");
    let (offset, len, flags) = match failure {
        Some((extent, mf)) => {
            let (o, l) = extent.offset_len();
            (Some(o), Some(l), Some(mf))
        }
        None => (None, None, None),
    };
    assert_eq!(
        (f.offset, f.length, f.mf_flags),
        (offset, len, flags.map(u64::from))
    );
    let names: Vec<String> = match flags {
        Some(mf) => MfFlags(mf)
            .to_string()
            .split('|')
            .filter(|n| *n != "none")
            .map(str::to_string)
            .collect(),
        None => Vec::new(),
    };
    let flags: Vec<&str> = f.flags.iter().map(|f| f.as_str()).collect();
    assert_eq!(flags, names, "{file}");
}

fn check_owner(o: &tool::Owner, w: &What, file: &str) {
    let What::Owner {
        pfn,
        pages,
        dev,
        ino,
        pgoff,
        rc,
    } = *w
    else {
        unreachable!()
    };
    assert_eq!(o.fsdev, Devt(dev).to_string());
    let read = (o.ino, o.pgoff, o.pfn, o.pages);
    assert_eq!(read, (ino, Some(pgoff), Some(pfn), Some(pages)));
    assert_eq!(o.errno.errno, Some(i64::from(rc)), "{file}");
}

fn check_signal(s: &tool::Signal, w: &What) {
    let What::Signal {
        pid,
        comm,
        code,
        addr,
        lsb,
        // Printed to dmesg only, not in the events file.
        kill_line: _,
    } = *w
    else {
        unreachable!()
    };
    assert_eq!(s.pid, pid as u64);
    let comm = Word(comm.as_str()).to_string();
    assert_eq!(s.comm.as_deref(), Some(comm.as_str()));
    let code = match code {
        4 => "AR".to_string(),
        5 => "AO".to_string(),
        c => c.to_string(),
    };
    assert_eq!(s.code.as_ref().map(|c| c.as_str()), Some(code.as_str()));
    assert_eq!((s.addr, s.lsb), (Some(addr), Some(lsb as u64)));
}

fn check_top(t: &tool::Top, p: &Piece, rc: i32, file: &str) {
    assert_eq!(t.at.dev, Word(p.device.as_str()).to_string(), "{file}");
    assert_eq!(t.at.devt.as_deref(), Some(Devt(p.dev).to_string().as_str()));
    assert_eq!(t.at.sector, p.offset / SECTOR_SIZE);
    assert_eq!(t.at.sectors, p.len.div_ceil(SECTOR_SIZE));
    assert_eq!(t.at.depth, Some(u64::from(p.depth)));
    let word = match rc {
        0 => "handled",
        -95 => "declined",
        _ => "failed",
    };
    assert_eq!(t.result.as_ref().map(|r| r.as_str()), Some(word));
    assert_eq!(t.errno.errno, Some(i64::from(rc)), "{file}");
}
