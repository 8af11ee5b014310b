// SPDX-License-Identifier: GPL-2.0

//! The registry of pmem devices daxhold holds, and attach/detach.
//!
//! Control operations (attach, detach, module load and unload) are
//! serialised by a mutex. The holder table itself is a fixed array under a
//! spinlock, so the failure path finds its device without sleeping and
//! without allocating; it borrows the entry for as long as its
//! `notify::InFlight` lives (detach waits for it) and works outside the
//! lock.

use core::sync::atomic::{AtomicPtr, AtomicU64, AtomicU8, AtomicUsize, Ordering};

use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex, SpinLock};
use kernel::{new_mutex, new_spinlock};

use crate::errno;
use crate::events::EventRing;
use crate::ffi::bdev::{BdevFile, DISK_NAME_LEN};
use crate::ffi::dax::{DaxId, DaxRef, HolderState};
use crate::ffi::dm::MappedDevice;
use crate::ffi::glue::{msleep, DevDir};
use crate::notify::InFlight;
use crate::owners::Owners;
use crate::pure::name::DevPath;
use crate::pure::notify::{Extent, Failure, Kind};
use crate::pure::policy::Policy;
use crate::stack::Snapshot;

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

/// One held pmem disk.
pub(crate) struct Holder {
    /// Its `/sys/kernel/daxhold/devices/<disk>/`, removed first on drop.
    _dir: DevDir,
    dax: DaxRef,
    dev: u32,
    mode: Mode,
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

    /// The disk name as the kernel keeps it, NUL-padded.
    pub(crate) fn name_bytes(&self) -> [u8; DISK_NAME_LEN] {
        self.name
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

    /// The held dax_device.
    pub(crate) fn dax(&self) -> &DaxRef {
        &self.dax
    }
}

type Slots = [Option<Arc<Holder>>; MAX_HOLDERS];

/// What the table lock guards: the holders, and the last snapshot of the
/// stack beside them, so the failure path finds both in one lock hold
/// ([`Registry::find_with_snapshot`]). Dereferences to the holders.
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
const EMPTY: Option<Arc<Holder>> = None;

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
    /// The failure log (`crate::events`), allocated at load.
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

    /// Hold the dax_device of the whole pmem disk at `path`; `op` names
    /// the request in the one line of an error (`attach`, `devices=`).
    /// Kept out of line: fault injection aims at its address range
    /// (Documentation/testing.rst, "Allocation failures").
    #[inline(never)]
    pub(crate) fn attach(&self, op: &str, path: &DevPath) -> Result {
        let _ctl = self.ctl.lock();
        // Retry the early-kill sysctl if load could not open it.
        crate::ffi::kill::early_kill_open();
        let (bdev, probe) = probe(op, path)?;
        self.take(&bdev, probe, Mode::Manual, op, path.as_str())
    }

    /// Whether `path` could be attached now, as [`Self::attach`] checks it
    /// (with its one line if not): its `dev_t` if so.
    pub(crate) fn check(&self, op: &str, path: &DevPath) -> Result<u32> {
        let _ctl = self.ctl.lock();
        probe(op, path).map(|(bdev, _)| bdev.dev())
    }

    /// Take the free holder slot of `bdev`'s dax_device (`probe`) under
    /// `ctl`; `op` and `what` name the request in the log.
    fn take(&self, bdev: &BdevFile, probe: DaxRef, mode: Mode, op: &str, what: &str) -> Result {
        let slot = self.free_slot().ok_or_else(|| {
            pr_err!("{op}: {what}: already holding {MAX_HOLDERS} devices\n");
            code::ENOSPC
        })?;
        let Some(dax) = DaxRef::hold(bdev) else {
            pr_err!("{op}: {what}: holder slot taken while attaching\n");
            return Err(code::EBUSY);
        };
        drop(probe);
        let name = bdev.disk_name();
        let dir = DevDir::add(&name, bdev.dev()).inspect_err(|e| {
            pr_err!(
                "{op}: {what}: cannot create its /sys/kernel/daxhold/devices directory ({})\n",
                crate::errno::Name(*e)
            );
        })?;
        let holder = Holder {
            _dir: dir,
            dax,
            dev: bdev.dev(),
            mode,
            name,
            stats: Stats::default(),
        };
        // Without it the dax_device is let go again (`holder` dropped).
        let holder = Arc::new(holder, GFP_KERNEL).map_err(|_| {
            pr_err!("attach {what}: no memory for the holder (ENOMEM)\n");
            code::ENOMEM
        })?;
        let (major, minor) = holder.dev();
        let why = match mode {
            Mode::Manual => "",
            Mode::Auto => ", by policy",
        };
        pr_info!(
            "{}: attached as dax holder (dev {major}:{minor}{why})\n",
            holder.name()
        );
        if let Some(s) = self.slots.lock().get_mut(slot) {
            *s = Some(holder);
        }
        // Its known poison: read its badblocks list.
        crate::poison::kick();
        Ok(())
    }

    /// Hold the pmem disk `dev` for the attach policy, if its slot is free:
    /// a slot a filesystem holds is left alone without a word.
    pub(crate) fn attach_auto(&self, dev: u32, name: &str) {
        let _ctl = self.ctl.lock();
        if self.holds_dev(dev) {
            return;
        }
        let Ok(bdev) = BdevFile::open_by_dev(dev) else {
            // Gone meanwhile: the next rescan sees it.
            return;
        };
        let Some(probe) = DaxRef::probe(&bdev) else {
            return;
        };
        if probe.holder_state() == HolderState::Free {
            // Failures were logged in one line.
            let _ = self.take(&bdev, probe, Mode::Auto, "policy", name);
        }
    }

    /// Let go of `dev` if the attach policy took it.
    pub(crate) fn detach_auto(&self, dev: u32) {
        let _ctl = self.ctl.lock();
        let holder = {
            let mut slots = self.slots.lock();
            slots
                .iter_mut()
                .find(|s| {
                    s.as_ref()
                        .is_some_and(|h| h.dev == dev && h.mode == Mode::Auto)
                })
                .and_then(Option::take)
        };
        if let Some(holder) = holder {
            release(holder);
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
            pr_err!("detach: {}: not attached\n", path.as_str());
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

    /// The holder of dax_device `id`, if daxhold holds it, and the last
    /// snapshot of the stack (whether current or not: see
    /// [`crate::stack::current_from`]), found in one hold of the table lock:
    /// the failure path's one lookup.
    ///
    /// The holder is borrowed for as long as the caller's notify_failure
    /// call is counted (`inflight`), not referenced: a holder taken out of
    /// the table meanwhile is dropped only once no call is counted any more
    /// ([`release`]).
    pub(crate) fn find_with_snapshot<'a>(
        &self,
        id: DaxId,
        _inflight: &'a InFlight,
    ) -> Option<(&'a Holder, Option<Arc<Snapshot>>)> {
        let (holder, snap) = {
            let table = self.slots.lock();
            let h = table.holders.iter().flatten().find(|h| h.dax.id() == id)?;
            (core::ptr::from_ref::<Holder>(h), table.snapshot.clone())
        };
        // `holder` was in the table after the call was counted, and
        // `release()` waits for every counted call before dropping a holder
        // taken out of it.
        // SAFETY: so it stays alive for the call, whose count `'a` borrows.
        Some((unsafe { &*holder }, snap))
    }

    /// The holder of the disk named `name` (`pmem0`).
    pub(crate) fn find_by_name(&self, name: &[u8]) -> Option<Arc<Holder>> {
        let slots = self.slots.lock();
        slots
            .iter()
            .flatten()
            .find(|h| h.name().as_bytes() == name)
            .cloned()
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
        let mut out = [EMPTY; MAX_HOLDERS];
        let slots = self.slots.lock();
        for (o, h) in out.iter_mut().zip(slots.iter()) {
            o.clone_from(h);
        }
        out
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

/// Open `path` and check that daxhold can hold it: a whole disk, not a dm
/// device, with a dax_device whose holder slot is free. One line naming
/// `op` and the path if not.
fn probe(op: &str, path: &DevPath) -> Result<(BdevFile, DaxRef)> {
    let p = path.as_str();
    let bdev = BdevFile::open(path).inspect_err(|e| {
        pr_err!("{op}: {p}: cannot open block device: {}\n", errno::Name(*e));
    })?;
    if bdev.is_partition() {
        pr_err!("{op}: {p}: is a partition; attach its whole disk\n");
        return Err(code::EINVAL);
    }
    if MappedDevice::get(bdev.dev()).is_some() {
        pr_err!("{op}: {p}: is a device-mapper device; attach the pmem below it\n");
        return Err(code::EINVAL);
    }
    let Some(probe) = DaxRef::probe(&bdev) else {
        pr_err!("{op}: {p}: not a DAX-capable (fsdax pmem) block device\n");
        return Err(errno::eopnotsupp());
    };
    match probe.holder_state() {
        HolderState::Free => Ok((bdev, probe)),
        HolderState::Daxhold => {
            pr_err!("{op}: {p}: already attached\n");
            Err(code::EEXIST)
        }
        HolderState::Other => {
            pr_err!("{op}: {p}: dax_device already has a holder (a filesystem mounted on it?); leaving it\n");
            Err(code::EBUSY)
        }
    }
}

/// Drop a holder taken out of the table: once no failure is being handled
/// any more (a handler may still use the entry it looked up), the last
/// reference goes and `fs_put_dax()` gives the slot back.
fn release(holder: Arc<Holder>) {
    crate::notify::wait_idle();
    pr_info!("{}: detached\n", holder.name());
    drop(holder);
    // Its known poison is forgotten by the next scan.
    crate::poison::kick();
}

fn policy_code(p: Policy) -> u8 {
    match p {
        Policy::Stacked => 0,
        Policy::All => 1,
        Policy::List => 2,
    }
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
