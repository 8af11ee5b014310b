// SPDX-License-Identifier: GPL-2.0

//! The stack above the held pmem disks, as the kernel has it now: a
//! [`Snapshot`] read from the block layer and the live dm tables, and the
//! change signals that say it moved (the holder stage keeps the last one
//! and rebuilds it, `crate::holder::current`).
//!
//! Consistency (Documentation/design.rst, "Keeping the model right"): the
//! change signals (a class interface on the block class, dm's global
//! event) bump a generation whenever a disk or partition comes or goes and
//! a dm table is swapped. A snapshot is kept only if nothing it read was
//! still being added or removed and the generation did not move while it
//! was built; each dm table is read under that device's SRCU read lock. The
//! failure path uses a snapshot only if its generation is still the
//! current one, and rebuilds it otherwise, so a failure is translated
//! against one whole view of the stack, never a torn one.
//!
//! The snapshot also keeps a reference to the dax_device of each DAX dm
//! device (no holder slot), which the failure path hands the pieces at the
//! top to, instead of looking each one up per failure (Documentation/
//! design.rst, "Dispatch at the top", for why a reference is enough).
//!
//! - `build`: a snapshot read from the block layer and the dm tables, at
//!   a moment when the stack stands still;
//! - `routes`: each pmem disk's routes up the stack, with which a failure
//!   skips the walk;
//! - `ffi`: discovery and the change signals, over `stack_glue.c` and
//!   `watch_glue.c`.

mod build;
pub(crate) mod ffi;
mod routes;

use kernel::alloc::KVec;

use crate::abstractions::dax::DaxRef;
use crate::pure::stack::{DevId, Link, Route, Segment, Stack};
use ffi::{BdevInfo, DevName};

pub(crate) use build::build_stable;

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
    /// It has dm devices, and dm's event was not watched when it was
    /// built: no table swap would have moved the generation.
    dm_unwatched: bool,
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
    pub(crate) fn pmem_disks(&self) -> impl Iterator<Item = &DevEntry> {
        self.devs.iter().filter(|d| is_pmem_disk(d))
    }
}

/// Whether `d` is a pmem disk (a DAX whole disk that is not a dm device).
fn is_pmem_disk(d: &DevEntry) -> bool {
    d.info.dax && !d.info.partition && !d.info.dm
}

/// Whether nothing changed the stack since `snap` was built (as far as
/// the change signals tell).
pub(crate) fn is_current(snap: &Snapshot) -> bool {
    !snap.dm_unwatched && snap.gen == ffi::stack_gen().0
}
