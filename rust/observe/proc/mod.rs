// SPDX-License-Identifier: GPL-2.0

//! `/proc/fs/daxhold`: read-only files for tools (Documentation/admin.rst,
//! "Kernel interface for tools"). The directory is created at load, after
//! the registry is published and before anything is attached, and removed
//! first at unload; each file is one `seq_file` show ([`show`]), so one
//! read is one snapshot.
//!
//! - `stack`: the held pmem disks and, from the current stack snapshot,
//!   every device above them, every partition and dm target edge, the
//!   filesystems mounted on them ([`crate::pure::procfs`]);
//! - `events`: the failure log's last records, printed or not
//!   ([`crate::observe::events::recent`], [`crate::pure::events::Line`]);
//! - `poison`: known poison and what it damages (`crate::poison`).
//!
//! A show uses the registry only through [`holder::with_registry`], which
//! unload waits for, and unload removes the files (waiting for readers)
//! before it lets the registry go.

pub(crate) mod ffi;
pub(crate) mod seq;

use core::fmt::Write;

use kernel::c_str;
use kernel::error::{code, Result};
use kernel::prelude::*;

use crate::holder::{self, Registry, MAX_HOLDERS};
use crate::observe::events;
use crate::observe::proc::seq::SeqOut;
use crate::owners::index;
use crate::pure::events::Line;
use crate::pure::procfs::{depths, Dev, Fs, Header, Held, Kind, Map, UNREACHED};
use crate::pure::stack::DevId;
use crate::topology::Snapshot;
use ffi::ProcFile;

/// Create `/proc/fs/daxhold` and its files; on failure nothing is left and
/// one line says why.
pub(crate) fn init() -> Result {
    let made = ffi::init()
        .and_then(|()| ffi::add(c_str!("stack"), ProcFile::Stack))
        .and_then(|()| ffi::add(c_str!("events"), ProcFile::Events))
        .and_then(|()| ffi::add(c_str!("poison"), ProcFile::Poison))
        .and_then(|()| ffi::add_translate());
    if let Err(e) = made {
        ffi::exit();
        pr_err!(
            "cannot create /proc/fs/daxhold: {}\n",
            crate::errno::Name(e)
        );
        return Err(e);
    }
    Ok(())
}

/// Remove `/proc/fs/daxhold`; returns once no read of it runs.
pub(crate) fn exit() {
    ffi::exit();
}

/// Write file `file` into `out`, or the error for the reader.
pub(crate) fn show(out: &mut SeqOut<'_>, file: ProcFile) -> Result {
    let shown = holder::with_registry(|r| match file {
        ProcFile::Stack => show_stack(r, out),
        ProcFile::Events => show_events(r, out),
        ProcFile::Poison => {
            // A full buffer is not an error: the show runs again with a
            // larger one (`line!`).
            let _ = crate::poison::show(&r.poison, out);
            Ok(())
        }
    });
    // `ENODEV` while unloading (the files are going).
    shown.unwrap_or(Err(code::ENODEV))
}

/// Write one line; a full `seq_file` buffer is not an error here (the
/// show is called again with a larger one, `SeqOut`), so the rest is
/// skipped and the show returns 0.
macro_rules! line {
    ($out:expr, $($arg:tt)*) => {
        if writeln!($out, $($arg)*).is_err() {
            return Ok(());
        }
    };
}

/// A held disk, copied out of the holder table (taken under its spinlock).
#[derive(Clone, Copy)]
struct HeldDisk {
    dev: u32,
    name: [u8; 32],
    manual: bool,
}

fn name_str(n: &[u8]) -> &str {
    let end = n.iter().position(|&b| b == 0).unwrap_or(n.len());
    n.get(..end)
        .and_then(|s| core::str::from_utf8(s).ok())
        .unwrap_or("?")
}

fn show_stack(r: &Registry, out: &mut SeqOut<'_>) -> Result {
    line!(out, "{}", Header("stack"));
    let mut held = [None::<HeldDisk>; MAX_HOLDERS];
    let mut n = 0usize;
    r.for_each(|h| {
        if let Some(slot) = held.get_mut(n) {
            *slot = Some(HeldDisk {
                dev: h.devt(),
                name: h.name_bytes(),
                manual: h.mode_name() == "manual",
            });
            n += 1;
        }
    });
    let held = held.get(..n).unwrap_or(&[]);
    // A stack that cannot be read now: the held disks only (one line said
    // why where it failed).
    let snap = holder::current_or_say(r, "/proc/fs/daxhold/stack shows the held disks only").ok();
    show_held(out, held, snap.as_deref())?;
    let Some(snap) = snap else {
        return Ok(());
    };
    let devs = snap.devs();
    let mut ids = KVec::with_capacity(devs.len(), GFP_KERNEL)?;
    for d in devs {
        ids.push(DevId(d.info.dev), GFP_KERNEL)?;
    }
    let mut depth = KVec::from_elem(UNREACHED, devs.len(), GFP_KERNEL)?;
    let is_held = |d: DevId| held.iter().flatten().any(|h| h.dev == d.0);
    depths(snap.stack().segments(), &ids, is_held, &mut depth);
    show_levels(out, &snap, &depth)?;
    show_fs(out, &snap, &ids, &depth);
    Ok(())
}

/// One `held` line per held disk, its size from `snap` (0 without one).
fn show_held(out: &mut SeqOut<'_>, held: &[Option<HeldDisk>], snap: Option<&Snapshot>) -> Result {
    for h in held.iter().flatten() {
        let sectors = snap
            .and_then(|s| s.dev(DevId(h.dev)))
            .map_or(0, |d| d.info.nr_sects);
        line!(
            out,
            "{}",
            Held {
                name: name_str(&h.name),
                dev: h.dev,
                mode: if h.manual { "manual" } else { "auto" },
                sectors,
            }
        );
    }
    Ok(())
}

/// The devices above the held disks level by level (`depth`, by index in
/// `snap.devs()`), then the edges into each, in the same order.
fn show_levels(out: &mut SeqOut<'_>, snap: &Snapshot, depth: &[u32]) -> Result {
    let devs = snap.devs();
    let max = depth
        .iter()
        .filter(|&&d| d != UNREACHED)
        .max()
        .copied()
        .unwrap_or(0);
    for level in 1..=max {
        for (d, _) in devs.iter().zip(depth.iter()).filter(|(_, &l)| l == level) {
            let holder = d.dax.as_ref().is_some_and(|dax| dax.is_held());
            line!(
                out,
                "{}",
                Dev {
                    name: d.name(),
                    dev: d.info.dev,
                    kind: if d.info.dm { Kind::Dm } else { Kind::Part },
                    sectors: d.info.nr_sects,
                    holder,
                    depth: level,
                }
            );
        }
    }
    let segs = snap.stack().segments();
    for level in 1..=max {
        for (d, _) in devs.iter().zip(depth.iter()).filter(|(_, &l)| l == level) {
            for seg in segs.iter().filter(|s| s.upper().0 == d.info.dev) {
                line!(
                    out,
                    "{}",
                    Map {
                        upper: d.name(),
                        lower: snap.name(seg.lower()),
                        seg,
                    }
                );
            }
        }
    }
    Ok(())
}

/// The filesystems on the held disks and above (those daxhold can name:
/// ext4, ext2, XFS); `ids` (sorted) and `depth` by index in `snap.devs()`.
fn show_fs(out: &mut SeqOut<'_>, snap: &Snapshot, ids: &[DevId], depth: &[u32]) {
    let mut full = false;
    let walked = index::for_each_sb(|sb| {
        let on_stack = ids
            .binary_search(&DevId(sb.dev))
            .ok()
            .and_then(|i| depth.get(i))
            .is_some_and(|&l| l != UNREACHED);
        if on_stack && !full {
            full = writeln!(
                out,
                "{}",
                Fs {
                    name: snap.name(DevId(sb.dev)),
                    fs: sb.fs,
                }
            )
            .is_err();
        }
        Ok(())
    });
    if let Err(e) = walked {
        pr_err!(
            "/proc/fs/daxhold/stack: cannot list filesystems: {}\n",
            crate::errno::Name(e)
        );
    }
}

fn show_events(r: &Registry, out: &mut SeqOut<'_>) -> Result {
    let (records, n) = events::recent(&r.log)?;
    line!(out, "{}", Header("events"));
    for e in records.iter().take(n) {
        line!(out, "{}", Line(e));
    }
    Ok(())
}
