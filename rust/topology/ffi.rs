// SPDX-License-Identifier: GPL-2.0

//! Stack discovery and change signals (`rust/topology/{stack,watch}_glue.c`): every block
//! device, the live table of a dm device, the generation that changes with
//! either, and the entry points the C side calls back.

use kernel::ffi::{c_int, c_void};

use kernel::error::{to_result, Result};

use crate::errno;
use crate::ffi::bindings;

/// `DISK_NAME_LEN`-sized device name, NUL-padded.
pub(crate) type DevName = [u8; 32];

/// One block device (a disk or a partition), copied out of the kernel.
#[derive(Clone, Copy)]
pub(crate) struct BdevInfo {
    /// Its dev_t.
    pub(crate) dev: u32,
    /// The dev_t of its whole disk (`dev` for a disk).
    pub(crate) whole: u32,
    /// For a partition, its first sector on the whole disk.
    pub(crate) start_sect: u64,
    /// Size in sectors.
    pub(crate) nr_sects: u64,
    /// A partition rather than a whole disk.
    pub(crate) partition: bool,
    /// The disk supports DAX.
    pub(crate) dax: bool,
    /// A device-mapper device.
    pub(crate) dm: bool,
    /// Being added or removed right now (a disk mid `device_add_disk()` or
    /// `del_gendisk()`, a partition not in its disk's table).
    pub(crate) changing: bool,
    /// `pmem0p1`, `dm-0`.
    pub(crate) name: DevName,
}

impl BdevInfo {
    fn from_raw(raw: &bindings::daxhold_bdev_info) -> Self {
        let flag = |f: u32| raw.flags & f != 0;
        // The kernel's `c_char` is `u8`: the name is copied as it is.
        let mut name: DevName = raw.name;
        // Keep a terminating NUL whatever the kernel wrote.
        if let Some(last) = name.last_mut() {
            *last = 0;
        }
        BdevInfo {
            dev: raw.dev,
            whole: raw.whole,
            start_sect: raw.start_sect,
            nr_sects: raw.nr_sects,
            partition: flag(bindings::DAXHOLD_BDEV_PARTITION),
            dax: flag(bindings::DAXHOLD_BDEV_DAX),
            dm: flag(bindings::DAXHOLD_BDEV_DM),
            changing: flag(bindings::DAXHOLD_BDEV_CHANGING),
            name,
        }
    }
}

/// One target of a live dm table: where it sits (sectors) and what
/// `dmsetup table` shows for it.
pub(crate) struct DmTarget<'a> {
    /// First sector on the dm device.
    pub(crate) begin: u64,
    /// Sectors.
    pub(crate) len: u64,
    /// Target type (`linear`, `striped`, ...).
    pub(crate) target_type: &'a [u8],
    /// The target's table parameters.
    pub(crate) params: &'a [u8],
}

/// # Safety
///
/// `ctx` is the `&mut F` [`for_each_bdev`] passed, and `info` is valid.
unsafe extern "C" fn bdev_trampoline<F: FnMut(&BdevInfo) -> Result>(
    ctx: *mut c_void,
    info: *const bindings::daxhold_bdev_info,
) -> c_int {
    // SAFETY: guaranteed by the caller (the C walk calls us with the
    // context we gave it and a filled-in description on its stack).
    let (f, info) = unsafe { (&mut *ctx.cast::<F>(), &*info) };
    errno::of(f(&BdevInfo::from_raw(info)))
}

/// Call `f` on every block device. May sleep. Stops at `f`'s first error.
pub(crate) fn for_each_bdev<F: FnMut(&BdevInfo) -> Result>(mut f: F) -> Result {
    let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
    // SAFETY: the trampoline matches `F`, and `ctx` points to `f`, which
    // outlives the call; the C side calls back only during it.
    to_result(unsafe { bindings::daxhold_for_each_bdev(Some(bdev_trampoline::<F>), ctx) })
}

/// # Safety
///
/// `ctx` is the `&mut F` [`dm_for_each_target`] passed, and `t` is valid,
/// with NUL-terminated `type` and `params`.
unsafe extern "C" fn target_trampoline<F: FnMut(&DmTarget<'_>) -> Result>(
    ctx: *mut c_void,
    t: *const bindings::daxhold_dm_target,
) -> c_int {
    // SAFETY: guaranteed by the caller (the C walk, under the dm SRCU read
    // lock that keeps the table and its strings alive during the call).
    let (f, t) = unsafe { (&mut *ctx.cast::<F>(), &*t) };
    let text = |p: *const kernel::ffi::c_char| {
        // SAFETY: strings from the C walk are NULL or NUL-terminated, alive
        // for the call (above).
        unsafe { crate::ffi::cstr::bytes(p) }
    };
    let target = DmTarget {
        begin: t.begin,
        len: t.len,
        target_type: text(t.type_),
        params: text(t.params),
    };
    errno::of(f(&target))
}

/// Call `f` on every target of the live table of dm device `dev`, read as
/// one consistent table. May sleep. `ENODEV` if `dev` is not a live dm
/// device.
pub(crate) fn dm_for_each_target<F: FnMut(&DmTarget<'_>) -> Result>(dev: u32, mut f: F) -> Result {
    let ctx = core::ptr::addr_of_mut!(f).cast::<c_void>();
    // SAFETY: as in `for_each_bdev`.
    to_result(unsafe {
        bindings::daxhold_dm_for_each_target(dev, Some(target_trampoline::<F>), ctx)
    })
}

/// The stack generation, and whether dm's global event is watched (else
/// a dm table swap bumps nothing).
pub(crate) fn stack_gen() -> (u64, bool) {
    let mut gen = 0u64;
    // SAFETY: reads a counter into a local.
    let dm_watched = unsafe { bindings::daxhold_stack_gen(&mut gen) };
    (gen, dm_watched)
}

/// Start the change signals (a class interface on the block class, a
/// wait entry on dm's global event) and the slot-loss probe, calling
/// `ops` (the glue calls nothing else of daxhold's).
pub(crate) fn watch_init(ops: &'static bindings::daxhold_stack_ops) -> Result {
    // SAFETY: called once at module init, paired with `watch_exit()`; the
    // callbacks are static.
    to_result(unsafe { bindings::daxhold_stack_watch_init(ops) })
}

/// Let the change signals queue rescans from now on.
pub(crate) fn watch_rescans() {
    // SAFETY: sets a flag.
    unsafe { bindings::daxhold_stack_watch_rescans() }
}

/// Stop them and wait for a rescan they queued.
pub(crate) fn watch_exit() {
    // SAFETY: called once at module exit after a successful `watch_init()`.
    unsafe { bindings::daxhold_stack_watch_exit() }
}
