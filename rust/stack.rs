// SPDX-License-Identifier: GPL-2.0

//! The stack above the held pmem disks, as the kernel has it now: a
//! [`Snapshot`] read from the block layer and the live dm tables, rebuilt
//! whenever the change signals say the stack moved, and the attach policy
//! applied to it.
//!
//! Consistency (Documentation/design.rst, "Keeping the model right"): the
//! change probes bump a generation on entry to and return from every
//! function that swaps a dm table, removes a dm device, changes partitions
//! or adds or removes a disk. A snapshot is built only while no such
//! function runs, and kept only if the generation did not move while it
//! was built; each dm table is read under that device's SRCU read lock. The
//! failure path uses a snapshot only if its generation is still the
//! current one, and rebuilds it otherwise, so a failure is translated
//! against one whole view of the stack, never a torn one.
//!
//! The snapshot also keeps a reference to the dax_device of each DAX dm
//! device (no holder slot), which the failure path hands the pieces at the
//! top to, instead of looking each one up per failure (Documentation/
//! design.rst, "Dispatch at the top", for why a reference is enough).

use kernel::alloc::KVec;
use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::Arc;

use crate::ffi::dax::DaxRef;
use crate::ffi::dm::MappedDevice;
use crate::ffi::glue::msleep;
use crate::ffi::stack::{self, BdevInfo, DevName};
use crate::holder::{self, Registry};
use crate::pure::dmtable::{self, parse_target, Target, TargetKind};
use crate::pure::nopanic::{count, sort_by_key};
use crate::pure::notify::Extent;
use crate::pure::stack::{
    find_route, DevId, Hit, Link, Route, Segment, Stack, StackBuilder, SECTOR_SIZE,
};
use kernel::time::Ktime;

/// How long a build is tried again while the stack keeps changing (a
/// `dmsetup remove` or a table swap in progress), in milliseconds: a bound
/// in time, not in attempts, so that a slow machine waits as long as a fast
/// one before the failure is left to the kernel.
const BUILD_WAIT_MS: i64 = 2000;

/// A device in the snapshot.
pub(crate) struct DevEntry {
    pub(crate) info: BdevInfo,
    /// Something (a partition, a dm target) uses it.
    pub(crate) has_users: bool,
    /// A DAX dm device's dax_device (a counted reference, no holder slot),
    /// where the failure path sends the pieces at the top; `None` for
    /// other devices.
    pub(crate) dax: Option<DaxRef>,
}

impl DevEntry {
    /// Its name, e.g. `dm-0`.
    pub(crate) fn name(&self) -> &str {
        name_str(&self.info.name)
    }
}

fn name_str(name: &DevName) -> &str {
    let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
    name.get(..end)
        .and_then(|n| core::str::from_utf8(n).ok())
        .unwrap_or("?")
}

/// One consistent view of the stack.
pub(crate) struct Snapshot {
    gen: u64,
    /// Every block device, by dev_t.
    devs: KVec<DevEntry>,
    stack: Stack<KVec<Segment>, KVec<Link>>,
    /// The routes of the pmem disks, sorted by disk and start (the first
    /// `nr_routes`), with which a failure on one skips the walk, and where
    /// the top device of each is in `devs`.
    routes: KVec<Route>,
    nr_routes: usize,
    route_tops: KVec<usize>,
}

impl Snapshot {
    /// The model to translate with.
    pub(crate) fn stack(&self) -> &Stack<KVec<Segment>, KVec<Link>> {
        &self.stack
    }

    /// The one hit the walk gives for `extent` of `dev` when the extent is
    /// on a route (`pure::stack::route`): a [`Hit::Top`] found by one
    /// binary search, with its top device. `None`: walk the stack.
    pub(crate) fn route(&self, dev: DevId, extent: Extent) -> Option<(Hit, Option<&DevEntry>)> {
        let routes = self.routes.get(..self.nr_routes)?;
        let (i, top) = find_route(routes, dev, extent)?;
        let entry = self.route_tops.get(i).and_then(|&d| self.devs.get(d));
        Some((top, entry))
    }

    /// The device `dev`, if it existed when the snapshot was taken.
    pub(crate) fn dev(&self, dev: DevId) -> Option<&DevEntry> {
        let i = self
            .devs
            .binary_search_by_key(&dev.0, |d| d.info.dev)
            .ok()?;
        self.devs.get(i)
    }

    /// Every block device, sorted by dev_t.
    pub(crate) fn devs(&self) -> &[DevEntry] {
        &self.devs
    }

    /// The name of `dev`, or `?`.
    pub(crate) fn name(&self, dev: DevId) -> &str {
        self.dev(dev).map_or("?", DevEntry::name)
    }

    /// The pmem disks (DAX whole disks that are not dm devices).
    fn pmem_disks(&self) -> impl Iterator<Item = &DevEntry> {
        self.devs.iter().filter(|d| is_pmem_disk(d))
    }
}

/// Whether `d` is a pmem disk (a DAX whole disk that is not a dm device).
fn is_pmem_disk(d: &DevEntry) -> bool {
    d.info.dax && !d.info.partition && !d.info.dm
}

/// Read every block device, sorted by dev_t.
fn read_devs() -> Result<KVec<DevEntry>> {
    let mut devs = KVec::new();
    stack::for_each_bdev(|info| {
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
        match stack::dm_for_each_target(d.info.dev, |t| {
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
        let r = stack::dm_for_each_target(d.info.dev, |t| {
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

/// Build one snapshot now, at generation `gen` (read before).
fn build(gen: u64) -> Result<Snapshot> {
    let mut devs = read_devs()?;
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
    Ok(Snapshot {
        gen,
        devs,
        stack,
        routes,
        nr_routes: route_tops.len(),
        route_tops,
    })
}

/// Where the top device of each of `routes` is in `devs` (`usize::MAX`: not
/// there). Without memory, an empty list, which leaves the snapshot with no
/// routes (`nr_routes` is its length).
fn route_tops(devs: &[DevEntry], routes: &[Route]) -> KVec<usize> {
    let mut tops = KVec::new();
    if tops.reserve(routes.len(), GFP_KERNEL).is_err() {
        no_routes();
        return tops;
    }
    for r in routes {
        let i = devs
            .binary_search_by_key(&r.top.0, |d| d.info.dev)
            .unwrap_or(usize::MAX);
        // Reserved above: cannot fail.
        let _ = tops.push(i, GFP_KERNEL);
    }
    tops
}

/// Say that a snapshot has no routes for lack of memory.
fn no_routes() {
    pr_warn!("stack: no memory for the routes (ENOMEM); failures take the walk up the stack\n");
}

/// Most routes a snapshot keeps; past them failures take the walk.
const MAX_ROUTES: usize = 4096;

/// The routes of every pmem disk, in storage for as many as the stack can
/// have (two per segment and one per disk), and how many there are. Without
/// memory, none: every failure takes the walk.
fn cut_routes(devs: &[DevEntry], stack: &Stack<KVec<Segment>, KVec<Link>>) -> (KVec<Route>, usize) {
    let disks = devs.iter().filter(|d| is_pmem_disk(d));
    let room = stack
        .segments()
        .len()
        .saturating_mul(2)
        .saturating_add(count(disks.clone()))
        .min(MAX_ROUTES);
    let Ok(mut routes) = KVec::from_elem(Route::default(), room, GFP_KERNEL) else {
        no_routes();
        return (KVec::new(), 0);
    };
    let mut n = 0usize;
    for d in disks {
        let bytes = d.info.nr_sects.saturating_mul(SECTOR_SIZE);
        let out = routes.get_mut(n..).unwrap_or(&mut []);
        n = n.saturating_add(stack.routes(DevId(d.info.dev), bytes, out));
    }
    (routes, n)
}

/// Build a snapshot at a moment when the stack stands still.
fn build_stable() -> Result<Snapshot> {
    let start = Ktime::ktime_get();
    let mut attempts = 0u32;
    loop {
        attempts = attempts.saturating_add(1);
        let (g0, stable) = stack::stack_gen();
        if stable {
            let snap = build(g0)?;
            let (g1, still) = stack::stack_gen();
            if still && g1 == g0 {
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

/// The current snapshot, rebuilt first if the stack changed since. Kept
/// out of line: fault injection aims at its address range
/// (Documentation/testing.rst, "Allocation failures").
#[inline(never)]
pub(crate) fn current(r: &Registry) -> Result<Arc<Snapshot>> {
    if let Some(s) = fresh(r) {
        return Ok(s);
    }
    let _scan = r.scan.lock();
    // Another task may have rebuilt it while we waited.
    if let Some(s) = fresh(r) {
        return Ok(s);
    }
    let snap = Arc::new(build_stable()?, GFP_KERNEL)?;
    r.set_snapshot(Some(snap.clone()));
    Ok(snap)
}

/// [`current`], with one line if the stack cannot be read, which says
/// what the caller does `instead` (a stack that kept changing was said by
/// `build_stable`). The failure path does not print: it logs `NoStack`.
pub(crate) fn current_or_say(r: &Registry, instead: &str) -> Result<Arc<Snapshot>> {
    current(r).inspect_err(|e| {
        if *e != code::EBUSY {
            pr_err!(
                "stack: cannot read the stack ({}); {instead}\n",
                crate::errno::Name(*e)
            );
        }
    })
}

/// The current snapshot, given `last`, the registry's last one as the
/// caller found it (the failure path, with its holder in one lookup):
/// `last` if it is still current, else as [`current`].
pub(crate) fn current_from(r: &Registry, last: Option<Arc<Snapshot>>) -> Result<Arc<Snapshot>> {
    match last {
        Some(s) if is_current(&s) => Ok(s),
        _ => current(r),
    }
}

/// Whether nothing changed the stack since `snap` was built, and nothing is
/// changing it now.
fn is_current(snap: &Snapshot) -> bool {
    let (gen, stable) = stack::stack_gen();
    stable && snap.gen == gen
}

fn fresh(r: &Registry) -> Option<Arc<Snapshot>> {
    r.last_snapshot().filter(|s| is_current(s))
}

/// Rescan: refresh the snapshot and apply the attach policy to it.
pub(crate) fn rescan(r: &Registry) -> Result {
    let snap = current_or_say(
        r,
        "the attach policy is applied at the next change or rescan",
    )?;
    let policy = r.policy();
    for d in snap.pmem_disks() {
        if policy.wants(d.has_users) {
            r.attach_auto(d.info.dev, d.name());
        }
    }
    // Let go of what the policy took and no longer wants, or whose disk is
    // gone (it is not in the snapshot any more).
    for dev in r.auto_devs().into_iter().flatten() {
        let wanted = snap
            .pmem_disks()
            .find(|d| d.info.dev == dev)
            .is_some_and(|d| policy.wants(d.has_users));
        if !wanted {
            r.detach_auto(dev);
        }
    }
    Ok(())
}

/// The rescan work item queued by the change probes.
pub(crate) fn rescan_work() {
    holder::with_registry(|r| {
        // Errors were logged where they happened.
        let _ = rescan(r);
    });
    // Known poison is translated against the new stack.
    crate::poison::kick();
}
