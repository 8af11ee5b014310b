// SPDX-License-Identifier: GPL-2.0

//! The registry of pmem devices daxhold holds, and attach/detach.
//!
//! Control operations (attach, detach, module load and unload) are
//! serialised by a mutex. The holder table itself is a fixed array under a
//! spinlock, so the failure path finds its device without sleeping and
//! without allocating; it takes an `Arc` of the entry and works outside the
//! lock.

use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicUsize, Ordering};

use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex, SpinLock};
use kernel::{new_mutex, new_spinlock};

use crate::errno;
use crate::ffi::bdev::{BdevFile, DISK_NAME_LEN};
use crate::ffi::dax::{DaxId, DaxRef, HolderState};
use crate::ffi::glue::msleep;
use crate::pure::name::DevPath;
use crate::pure::notify::{Extent, Failure, Kind};

/// Most pmem devices held at once.
pub(crate) const MAX_HOLDERS: usize = 32;

/// What one holder has seen, readable in `/sys/kernel/daxhold/holders`.
#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) calls: AtomicU64,
    pub(crate) action_required: AtomicU64,
    pub(crate) action_optional: AtomicU64,
    pub(crate) pre_remove: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) bytes: AtomicU64,
    pub(crate) last_offset: AtomicU64,
    pub(crate) last_len: AtomicU64,
    pub(crate) last_flags: AtomicU64,
}

impl Stats {
    /// Count one checked failure.
    pub(crate) fn record(&self, f: &Failure) {
        let (offset, len) = f.extent.offset_len();
        let kind = match f.kind {
            Kind::ActionRequired => &self.action_required,
            Kind::ActionOptional => &self.action_optional,
            Kind::PreRemove => &self.pre_remove,
        };
        kind.fetch_add(1, Ordering::Relaxed);
        if let Extent::Range { .. } = f.extent {
            self.bytes.fetch_add(len, Ordering::Relaxed);
        }
        self.last_offset.store(offset, Ordering::Relaxed);
        self.last_len.store(len, Ordering::Relaxed);
        self.last_flags
            .store(u64::from(f.flags.0), Ordering::Relaxed);
    }
}

/// One held pmem disk.
pub(crate) struct Holder {
    dax: DaxRef,
    dev: u32,
    name: [u8; DISK_NAME_LEN],
    pub(crate) stats: Stats,
}

impl Holder {
    /// The disk name, e.g. `pmem0`.
    pub(crate) fn name(&self) -> &str {
        let end = self
            .name
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.name.len());
        self.name
            .get(..end)
            .and_then(|n| core::str::from_utf8(n).ok())
            .unwrap_or("?")
    }

    /// `(major, minor)` of the disk.
    pub(crate) fn dev(&self) -> (u32, u32) {
        (self.dev >> 20, self.dev & 0xfffff)
    }
}

type Slots = [Option<Arc<Holder>>; MAX_HOLDERS];
/// An empty slot, as a constant so the table can be built by repetition.
const EMPTY: Option<Arc<Holder>> = None;

/// All holders, and the lock that serialises changes to them.
#[pin_data]
pub(crate) struct Registry {
    #[pin]
    ctl: Mutex<()>,
    #[pin]
    slots: SpinLock<Slots>,
}

impl Registry {
    /// An empty registry.
    pub(crate) fn new() -> impl PinInit<Self> {
        pin_init!(Registry {
            ctl <- new_mutex!(()),
            slots <- new_spinlock!([EMPTY; MAX_HOLDERS]),
        })
    }

    /// Hold the dax_device of the whole pmem disk at `path`.
    pub(crate) fn attach(&self, path: &DevPath) -> Result {
        let _ctl = self.ctl.lock();
        let p = path.as_str();
        let bdev = BdevFile::open(path).inspect_err(|e| {
            pr_err!(
                "attach {p}: cannot open block device: {}\n",
                errno::Name(*e)
            );
        })?;
        if bdev.is_partition() {
            pr_err!("attach {p}: is a partition; attach its whole disk\n");
            return Err(code::EINVAL);
        }
        let Some(probe) = DaxRef::probe(&bdev) else {
            pr_err!("attach {p}: not a DAX-capable (fsdax pmem) block device\n");
            return Err(errno::eopnotsupp());
        };
        match probe.holder_state() {
            HolderState::Free => {}
            HolderState::Daxhold => {
                pr_err!("attach {p}: already attached\n");
                return Err(code::EEXIST);
            }
            HolderState::Other => {
                pr_err!("attach {p}: dax_device already has a holder (a filesystem mounted on it?); leaving it\n");
                return Err(code::EBUSY);
            }
        }
        let slot = self.free_slot().ok_or_else(|| {
            pr_err!("attach {p}: already holding {MAX_HOLDERS} devices\n");
            code::ENOSPC
        })?;
        let Some(dax) = DaxRef::hold(&bdev) else {
            pr_err!("attach {p}: holder slot taken while attaching\n");
            return Err(code::EBUSY);
        };
        drop(probe);
        let holder = Holder {
            dax,
            dev: bdev.dev(),
            name: bdev.disk_name(),
            stats: Stats::default(),
        };
        let holder = Arc::new(holder, GFP_KERNEL)?;
        let (major, minor) = holder.dev();
        pr_info!(
            "{}: attached as dax holder (dev {major}:{minor})\n",
            holder.name()
        );
        if let Some(s) = self.slots.lock().get_mut(slot) {
            *s = Some(holder);
        }
        Ok(())
    }

    /// Let go of the disk named by `path` (`pmem0` or `/dev/pmem0`).
    pub(crate) fn detach(&self, path: &DevPath) -> Result {
        let _ctl = self.ctl.lock();
        let name = path.basename();
        let holder = {
            let mut slots = self.slots.lock();
            slots
                .iter_mut()
                .find(|s| s.as_ref().is_some_and(|h| h.name().as_bytes() == name))
                .and_then(Option::take)
        };
        let Some(holder) = holder else {
            pr_err!("detach {}: not attached\n", path.as_str());
            return Err(code::ENOENT);
        };
        release(holder);
        Ok(())
    }

    /// Let go of every disk (module unload).
    pub(crate) fn detach_all(&self) {
        let _ctl = self.ctl.lock();
        for i in 0..MAX_HOLDERS {
            let holder = self.slots.lock().get_mut(i).and_then(Option::take);
            if let Some(holder) = holder {
                release(holder);
            }
        }
    }

    /// The holder of dax_device `id`, if daxhold holds it.
    pub(crate) fn find(&self, id: DaxId) -> Option<Arc<Holder>> {
        let slots = self.slots.lock();
        slots.iter().flatten().find(|h| h.dax.id() == id).cloned()
    }

    /// Call `f` on every holder, in slot order, under the table lock.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Holder)) {
        let slots = self.slots.lock();
        slots.iter().flatten().for_each(|h| f(h));
    }

    fn free_slot(&self) -> Option<usize> {
        self.slots.lock().iter().position(Option::is_none)
    }
}

/// Drop a holder taken out of the table: once no failure is being handled
/// any more (a handler may still use the entry it looked up), the last
/// reference goes and `fs_put_dax()` gives the slot back.
fn release(holder: Arc<Holder>) {
    crate::notify::wait_idle();
    pr_info!("{}: detached\n", holder.name());
    drop(holder);
}

/// The live registry, published for the C callbacks between module init
/// and exit.
static REGISTRY: AtomicPtr<Registry> = AtomicPtr::new(core::ptr::null_mut());
/// Callers inside [`with_registry`] right now.
static USERS: AtomicUsize = AtomicUsize::new(0);

/// Make `registry` reachable from callbacks. It must stay pinned in place
/// until [`unpublish`] returns.
pub(crate) fn publish(registry: &Registry) {
    REGISTRY.store(core::ptr::from_ref(registry).cast_mut(), Ordering::SeqCst);
}

/// Make the registry unreachable and wait until nobody uses it.
pub(crate) fn unpublish() {
    REGISTRY.store(core::ptr::null_mut(), Ordering::SeqCst);
    while USERS.load(Ordering::SeqCst) != 0 {
        msleep(1);
    }
}

/// Run `f` on the registry, or return `None` outside module init..exit.
pub(crate) fn with_registry<R>(f: impl FnOnce(&Registry) -> R) -> Option<R> {
    USERS.fetch_add(1, Ordering::SeqCst);
    let p = REGISTRY.load(Ordering::SeqCst);
    // `unpublish()` clears REGISTRY, then waits for USERS to reach zero; we
    // counted ourselves before loading it (both SeqCst): it sees us, or we
    // see NULL.
    // SAFETY: so a non-NULL `p` is the published registry, not yet freed.
    let r = unsafe { p.as_ref() }.map(f);
    USERS.fetch_sub(1, Ordering::SeqCst);
    r
}
