// SPDX-License-Identifier: GPL-2.0

//! The registry of pmem devices daxhold holds, and attach/detach.
//!
//! Control operations (attach, detach, module load and unload) are
//! serialised by a mutex. The holder table itself is a fixed array of
//! holder slots taken ([`Holding`]) under a spinlock. The failure path
//! does not look its device up: the dax core hands it the [`Holder`]
//! through the slot ([`crate::abstractions::dax`]), and detach waits for
//! such calls before it lets the holder go.
//!
//! The registry is where the stages meet: it owns the reverse map's state,
//! the failure log's ring, the known-poison state and the last snapshot,
//! and runs the work items of the change signals, the log and the poison
//! scan (their ops tables are here), so no stage below calls up into it.
//!
//! - `attach`: attach and detach, by name and by the attach policy;
//! - `devdir`: each held disk's sysfs directory;
//! - `poison`: the known-poison scan's work item;
//! - `publish`: the registry published for the C callbacks
//!   ([`with_registry`]), and the failure log's work item;
//! - `rescan`: the attach policy applied to a new snapshot, the change
//!   signals' callbacks;
//! - `snapshot`: the last snapshot, rebuilt when the stack moved.

mod attach;
mod devdir;
mod poison;
mod publish;
mod rescan;
mod snapshot;

use core::sync::atomic::{AtomicU64, AtomicU8, Ordering};

use kernel::prelude::*;
use kernel::sync::{Arc, Mutex, SpinLock};
use kernel::{new_mutex, new_spinlock};

use crate::abstractions::block::DISK_NAME_LEN;
use crate::abstractions::dax::{DaxRef, Holding};
use crate::observe::events::EventRing;
use crate::owners::{Disk, Owners};
use crate::pure::events::Name;
use crate::pure::notify::{Extent, Failure, Kind};
use crate::pure::policy::Policy;
use crate::topology::Snapshot;
use devdir::DevDirSlot;

pub(crate) use poison::BB_OPS;
pub(crate) use publish::{publish, unpublish, with_registry};
pub(crate) use rescan::{rescan, STACK_OPS};
pub(crate) use snapshot::{current, current_from, current_or_say};

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
    /// Tops of the stack whose holder handled their part.
    pub(crate) forwarded: AtomicU64,
    /// Tops left to the kernel (no holder above, or it declined).
    pub(crate) declined: AtomicU64,
    /// Tops whose holder returned an error.
    pub(crate) failed: AtomicU64,
    /// Pieces of failed ranges nothing above uses.
    pub(crate) unmapped: AtomicU64,
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

/// Why daxhold holds a disk.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Named by `devices=` or `attach`: held until `detach` or unload.
    Manual,
    /// Picked by the attach policy: let go when the policy stops wanting it.
    Auto,
}

/// One held pmem disk: what its failures are handled with (the holder
/// pointer of its dax_device's slot, [`Holding`]).
pub(crate) struct Holder {
    /// Its `/sys/kernel/daxhold/devices/<disk>/`, removed at detach.
    pub(crate) dir: DevDirSlot,
    /// A reference to its dax_device (not the slot: [`Holding`] has that),
    /// alive as long as the holder, for page lookups.
    dax: DaxRef,
    dev: u32,
    mode: Mode,
    /// NUL-padded, as the kernel keeps it; each failure's records borrow it.
    name: Name,
    pub(crate) stats: Stats,
}

impl Holder {
    /// The disk, as the stages below the holder see it.
    pub(crate) fn disk(&self) -> Disk<'_> {
        Disk {
            name: self.name(),
            devt: self.devt(),
            dax: self.dax(),
        }
    }

    /// The disk name, e.g. `pmem0`.
    pub(crate) fn name(&self) -> &str {
        let end = self
            .name
            .0
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(self.name.0.len());
        self.name
            .0
            .get(..end)
            .and_then(|n| core::str::from_utf8(n).ok())
            .unwrap_or("?")
    }

    /// The disk name as the kernel keeps it, NUL-padded.
    pub(crate) fn name_bytes(&self) -> [u8; DISK_NAME_LEN] {
        self.name.0
    }

    /// The disk name as the failure log keeps it (borrowed by each
    /// failure's [`Log`](crate::observe::events::Log), not copied).
    pub(crate) fn log_name(&self) -> &Name {
        &self.name
    }

    /// `(major, minor)` of the disk.
    pub(crate) fn dev(&self) -> (u32, u32) {
        (self.dev >> 20, self.dev & 0xfffff)
    }

    /// `manual` or `auto` (taken by the attach policy).
    pub(crate) fn mode_name(&self) -> &'static str {
        match self.mode {
            Mode::Manual => "manual",
            Mode::Auto => "auto",
        }
    }

    /// The disk's dev_t.
    pub(crate) fn devt(&self) -> u32 {
        self.dev
    }

    /// Its dax_device.
    pub(crate) fn dax(&self) -> &DaxRef {
        &self.dax
    }
}

type Slots = [Option<Holding<Holder>>; MAX_HOLDERS];

/// What the table lock guards: the holder slots taken, and the last
/// snapshot of the stack. Dereferences to the slots.
pub(crate) struct Table {
    holders: Slots,
    snapshot: Option<Arc<Snapshot>>,
}

impl core::ops::Deref for Table {
    type Target = Slots;

    fn deref(&self) -> &Slots {
        &self.holders
    }
}

impl core::ops::DerefMut for Table {
    fn deref_mut(&mut self) -> &mut Slots {
        &mut self.holders
    }
}
/// An empty slot, as a constant so the table can be built by repetition.
const EMPTY: Option<Holding<Holder>> = None;
/// No holder, as a constant for the same.
const NONE: Option<Arc<Holder>> = None;

/// All holders, and the lock that serialises changes to them.
#[pin_data]
pub(crate) struct Registry {
    #[pin]
    ctl: Mutex<()>,
    /// The holders and the last snapshot of the stack. Replace the
    /// snapshot with [`Registry::set_snapshot`]: dropping one may sleep.
    #[pin]
    slots: SpinLock<Table>,
    /// Serialises snapshot builds (never taken under `ctl`'s waits).
    #[pin]
    pub(crate) scan: Mutex<()>,
    /// The failure log (`crate::observe::events`), allocated at load.
    #[pin]
    pub(crate) log: SpinLock<EventRing>,
    policy: AtomicU8,
    /// The reverse map of DAX mappings, for holder-less filesystems.
    pub(crate) owners: Owners,
    /// Known poison (`crate::poison`), as the last badblocks scan left it.
    #[pin]
    pub(crate) poison: Mutex<crate::poison::PoisonState>,
}

impl Registry {
    /// An empty registry, with `log` (allocated by the caller) as its
    /// failure log.
    pub(crate) fn new(policy: Policy, owners: Owners, log: EventRing) -> impl PinInit<Self> {
        pin_init!(Registry {
            ctl <- new_mutex!(()),
            slots <- new_spinlock!(Table {
                holders: [EMPTY; MAX_HOLDERS],
                snapshot: None,
            }),
            scan <- new_mutex!(()),
            log <- new_spinlock!(log),
            policy: AtomicU8::new(policy_code(policy)),
            owners,
            poison <- new_mutex!(crate::poison::PoisonState::new()),
        })
    }

    /// Store `snap` as the last snapshot. The one it replaces is dropped
    /// after the lock is released: its dax_device references are put with
    /// `iput()`, which may sleep.
    pub(crate) fn set_snapshot(&self, snap: Option<Arc<Snapshot>>) {
        let old = core::mem::replace(&mut self.slots.lock().snapshot, snap);
        drop(old);
    }

    /// The last snapshot of the stack, whether current or not.
    #[inline]
    pub(crate) fn last_snapshot(&self) -> Option<Arc<Snapshot>> {
        self.slots.lock().snapshot.clone()
    }

    /// Switch the attach policy.
    pub(crate) fn set_policy(&self, p: Policy) {
        self.policy.store(policy_code(p), Ordering::Relaxed);
    }

    /// The attach policy.
    pub(crate) fn policy(&self) -> Policy {
        match self.policy.load(Ordering::Relaxed) {
            0 => Policy::Stacked,
            1 => Policy::All,
            _ => Policy::List,
        }
    }

    /// The disks the attach policy took.
    pub(crate) fn auto_devs(&self) -> [Option<u32>; MAX_HOLDERS] {
        let mut out = [None; MAX_HOLDERS];
        let slots = self.slots.lock();
        for (o, h) in out.iter_mut().zip(slots.iter()) {
            *o = h.as_ref().filter(|h| h.mode == Mode::Auto).map(|h| h.dev);
        }
        out
    }

    /// Whether daxhold holds the disk `dev` (takes only the table lock).
    pub(crate) fn holds_dev(&self, dev: u32) -> bool {
        self.slots.lock().iter().flatten().any(|h| h.dev == dev)
    }

    /// The holder of the disk named `name` (`pmem0`).
    pub(crate) fn find_by_name(&self, name: &[u8]) -> Option<Arc<Holder>> {
        let slots = self.slots.lock();
        slots
            .iter()
            .flatten()
            .find(|h| h.name().as_bytes() == name)
            .map(|h| h.data().clone())
    }

    /// `f` of the holder of the disk `dev`, under the table lock (so `f`
    /// must not sleep). Not a reference: a sysfs read that dropped the
    /// last one would remove its own directory, and wait for itself.
    pub(crate) fn with_dev<R>(&self, dev: u32, f: impl FnOnce(&Holder) -> R) -> Option<R> {
        let slots = self.slots.lock();
        slots.iter().flatten().find(|h| h.dev == dev).map(|h| f(h))
    }

    /// Every holder, referenced, in slot order (for work that sleeps).
    pub(crate) fn holders(&self) -> [Option<Arc<Holder>>; MAX_HOLDERS] {
        let mut out = [NONE; MAX_HOLDERS];
        let slots = self.slots.lock();
        for (o, h) in out.iter_mut().zip(slots.iter()) {
            *o = h.as_ref().map(|h| h.data().clone());
        }
        out
    }

    /// Call `f` on every holder, in slot order, under the table lock.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&Holder)) {
        let slots = self.slots.lock();
        slots.iter().flatten().for_each(|h| f(h));
    }
}

fn policy_code(p: Policy) -> u8 {
    match p {
        Policy::Stacked => 0,
        Policy::All => 1,
        Policy::List => 2,
    }
}
