// SPDX-License-Identifier: GPL-2.0

//! Building a [`Snapshot`]: every block device and the live table of each
//! dm device, read into the stack model, and kept only if nothing read was
//! still being added or removed and the generation did not move meanwhile.

use kernel::alloc::KVec;
use kernel::error::{code, Result};
use kernel::prelude::*;

use super::routes::{cut_routes, route_tops};
use super::{DevEntry, Snapshot};
use crate::abstractions::dm::MappedDevice;
use crate::ffi::msleep;
use crate::pure::dmtable::{self, parse_target, Target, TargetKind};
use crate::pure::nopanic::{count, sort_by_key};
use crate::pure::stack::{DevId, Link, Segment, StackBuilder, SECTOR_SIZE};
use crate::topology::ffi;
use kernel::time::Ktime;

/// How long a build is tried again while the stack keeps changing (a
/// `dmsetup remove` or a table swap in progress), in milliseconds: a bound
/// in time, not in attempts, so that a slow machine waits as long as a fast
/// one before the failure is left to the kernel.
const BUILD_WAIT_MS: i64 = 2000;

/// Read every block device, sorted by dev_t.
fn read_devs() -> Result<KVec<DevEntry>> {
    let mut devs = KVec::new();
    ffi::for_each_bdev(|info| {
        devs.push(
            DevEntry {
                info: *info,
                has_users: false,
                dax: None,
            },
            GFP_KERNEL,
        )?;
        Ok(())
    })?;
    // Not sort_unstable_by_key: core's sort has panic paths (design.rst,
    // "No panics").
    sort_by_key(&mut devs, |d| d.info.dev);
    Ok(devs)
}

/// Segments a target needs in the model (0 for types not translated).
fn target_segments(target_type: &[u8], params: &[u8]) -> usize {
    match parse_target(target_type, params) {
        Ok(Target::Linear { .. }) => 1,
        Ok(Target::Striped(s)) => s.count() as usize,
        // Counted as nothing; `add_target` reports it when building.
        Ok(Target::Other) | Err(_) => 0,
    }
}

/// Partitions of DAX disks, and the dm devices: what the model holds.
fn counts(devs: &[DevEntry]) -> Result<usize> {
    let mut n = 0usize;
    for d in devs.iter().filter(|d| d.info.dm) {
        match ffi::dm_for_each_target(d.info.dev, |t| {
            n = n.saturating_add(target_segments(t.target_type, t.params));
            Ok(())
        }) {
            // Removed meanwhile: the generation check catches it.
            Err(e) if e == code::ENODEV => {}
            r => r?,
        }
    }
    let parts = count(devs.iter().filter(|d| is_model_partition(devs, d)));
    Ok(n.saturating_add(parts))
}

/// A partition of a DAX disk.
fn is_model_partition(devs: &[DevEntry], d: &DevEntry) -> bool {
    d.info.partition
        && devs
            .binary_search_by_key(&d.info.whole, |w| w.info.dev)
            .ok()
            .and_then(|i| devs.get(i))
            .is_some_and(|w| w.info.dax)
}

fn sectors_to_bytes(s: u64) -> Result<u64> {
    s.checked_mul(SECTOR_SIZE).ok_or(code::ERANGE)
}

/// Add the partitions of DAX disks to `b`.
fn add_partitions(b: &mut StackBuilder<KVec<Segment>>, devs: &[DevEntry]) -> Result {
    for d in devs.iter().filter(|d| is_model_partition(devs, d)) {
        let (start, len) = (
            sectors_to_bytes(d.info.start_sect)?,
            sectors_to_bytes(d.info.nr_sects)?,
        );
        if len == 0 {
            continue;
        }
        b.partition(DevId(d.info.whole), DevId(d.info.dev), start, len)
            .map_err(|e| {
                pr_err!("stack: partition {}: {e:?}\n", d.name());
                Error::from_errno(e.errno())
            })?;
    }
    Ok(())
}

/// Add the live tables of the dm devices to `b`. A target that cannot be
/// read is left out with one line; the rest of the table stands.
fn add_tables(b: &mut StackBuilder<KVec<Segment>>, devs: &[DevEntry]) -> Result {
    for d in devs.iter().filter(|d| d.info.dm) {
        let dm = DevId(d.info.dev);
        let r = ffi::dm_for_each_target(d.info.dev, |t| {
            match dmtable::add_target(b, dm, t.begin, t.len, t.target_type, t.params) {
                Ok(TargetKind::Other) => pr_info!(
                    "stack: {}: sector {} ({}): target type not translated; failures beneath it stop at the device below\n",
                    d.name(),
                    t.begin,
                    core::str::from_utf8(t.target_type).unwrap_or("?")
                ),
                Ok(_) => {}
                Err(e) => pr_err!(
                    "stack: {}: sector {}: cannot read target: {}\n",
                    d.name(),
                    t.begin,
                    e
                ),
            }
            Ok(())
        });
        match r {
            Err(e) if e == code::ENODEV => {}
            r => r?,
        }
    }
    Ok(())
}

/// Mark the devices something uses.
fn mark_users(devs: &mut [DevEntry], segs: &[Segment]) {
    for s in segs {
        if let Ok(i) = devs.binary_search_by_key(&s.lower().0, |d| d.info.dev) {
            if let Some(d) = devs.get_mut(i) {
                d.has_users = true;
            }
        }
    }
}

/// Take a reference to the dax_device of every DAX dm device. A device
/// removed meanwhile gets none; the generation check after the build sees
/// the removal and the snapshot is not kept.
fn take_dax_refs(devs: &mut [DevEntry]) {
    for d in devs.iter_mut().filter(|d| d.info.dm && d.info.dax) {
        d.dax = MappedDevice::get(d.info.dev).and_then(|md| md.dax());
    }
}

/// Build one snapshot now, at generation `gen` (read before), with dm's
/// event watched or not; `None` if a device was still settling.
fn build(gen: u64, dm_watched: bool) -> Result<Option<Snapshot>> {
    let mut devs = read_devs()?;
    if devs.iter().any(|d| d.info.changing) {
        return Ok(None);
    }
    take_dax_refs(&mut devs);
    let n = counts(&devs)?;
    let mut segs = KVec::with_capacity(n, GFP_KERNEL)?;
    let mut links = KVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        segs.push(Segment::EMPTY, GFP_KERNEL)?;
        links.push(Link::EMPTY, GFP_KERNEL)?;
    }
    let mut b = StackBuilder::new(segs);
    add_partitions(&mut b, &devs)?;
    add_tables(&mut b, &devs)?;
    let stack = b.build(links).map_err(|e| {
        pr_err!("stack: cannot index the stack: {e:?}\n");
        Error::from_errno(e.errno())
    })?;
    mark_users(&mut devs, stack.segments());
    let (routes, nr_routes) = cut_routes(&devs, &stack);
    let route_tops = route_tops(&devs, routes.get(..nr_routes).unwrap_or(&[]));
    let dm_unwatched = !dm_watched && devs.iter().any(|d| d.info.dm);
    Ok(Some(Snapshot {
        gen,
        dm_unwatched,
        devs,
        stack,
        routes,
        nr_routes: route_tops.len(),
        route_tops,
    }))
}

/// Build a snapshot at a moment when the stack stands still.
pub(crate) fn build_stable() -> Result<Snapshot> {
    let start = Ktime::ktime_get();
    let mut attempts = 0u32;
    loop {
        attempts = attempts.saturating_add(1);
        let (g0, dm_watched) = ffi::stack_gen();
        if let Some(snap) = build(g0, dm_watched)? {
            if ffi::stack_gen().0 == g0 {
                return Ok(snap);
            }
        }
        // In ns, wrapping: no overflow check (no panic path) in the loop.
        let waited = Ktime::ktime_get().to_ns().wrapping_sub(start.to_ns());
        if waited / 1_000_000 >= BUILD_WAIT_MS {
            break;
        }
        msleep(1);
    }
    pr_err!("stack: kept changing for {BUILD_WAIT_MS} ms ({attempts} attempts to read it)\n");
    Err(code::EBUSY)
}
