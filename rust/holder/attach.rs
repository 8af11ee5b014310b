// SPDX-License-Identifier: GPL-2.0

//! Attach and detach: a pmem disk probed and its free holder slot taken
//! (by name, or by the attach policy), and given back, under the control
//! mutex.

use kernel::error::{code, Result};
use kernel::prelude::*;
use kernel::str::CStr;
use kernel::sync::Arc;

use super::devdir::{DevDir, DevDirSlot};
use super::{Holder, Mode, Registry, Stats, MAX_HOLDERS};
use crate::abstractions::block::BdevFile;
use crate::abstractions::dax::{DaxRef, Holding};
use crate::abstractions::dm::MappedDevice;
use crate::errno;
use crate::pure::events::Name;
use crate::pure::name::DevPath;

impl Registry {
    /// Hold the dax_device of the whole pmem disk at `path`; `op` names
    /// the request in the one line of an error (`attach`, `devices=`).
    /// Kept out of line: fault injection aims at its address range
    /// (Documentation/testing.rst, "Allocation failures").
    #[inline(never)]
    pub(crate) fn attach(&self, op: &str, path: &DevPath) -> Result {
        let _ctl = self.ctl.lock();
        // Retry the early-kill sysctl if load could not open it.
        crate::kill::early_kill_open();
        let (bdev, probe) = probe(op, path, |dev| self.holds_dev(dev))?;
        self.take(&bdev, probe, Mode::Manual, op, path.as_str())
    }

    /// Whether `path` could be attached now, as [`Self::attach`] checks it
    /// (with its one line if not): its `dev_t` if so.
    pub(crate) fn check(&self, op: &str, path: &DevPath) -> Result<u32> {
        let _ctl = self.ctl.lock();
        probe(op, path, |dev| self.holds_dev(dev)).map(|(bdev, _)| bdev.dev())
    }

    /// Take the free holder slot of `bdev`'s dax_device (`probe`) under
    /// `ctl`; `op` and `what` name the request in the log.
    fn take(&self, bdev: &BdevFile, probe: DaxRef, mode: Mode, op: &str, what: &str) -> Result {
        let slot = self.free_slot().ok_or_else(|| {
            pr_err!("{op}: {what}: already holding {MAX_HOLDERS} devices\n");
            code::ENOSPC
        })?;
        let name = bdev.disk_name();
        let dir = DevDir::add(&name, bdev.dev()).inspect_err(|e| {
            pr_err!(
                "{op}: {what}: cannot create its /sys/kernel/daxhold/devices directory ({})\n",
                crate::errno::Name(*e)
            );
        })?;
        let holder = Holder {
            dir: DevDirSlot::new(dir),
            dax: probe,
            dev: bdev.dev(),
            mode,
            name: Name(name),
            stats: Stats::default(),
        };
        // Without it the dax_device is let go again (`holder` dropped).
        let holder = Arc::new(holder, GFP_KERNEL).map_err(|_| {
            pr_err!("attach {what}: no memory for the holder (ENOMEM)\n");
            code::ENOMEM
        })?;
        let holder = Holding::new(bdev, holder).inspect_err(|_| {
            pr_err!("{op}: {what}: holder slot taken while attaching\n");
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
        let Some(probe) = DaxRef::of(&bdev) else {
            return;
        };
        if !probe.is_held() {
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

    fn free_slot(&self) -> Option<usize> {
        self.slots.lock().iter().position(Option::is_none)
    }
}

/// Open `path` and check that daxhold can hold it: a whole disk, not a dm
/// device, with a dax_device whose holder slot is free (`ours`: whether
/// daxhold holds the disk with that dev_t). One line naming `op` and the
/// path if not.
fn probe(op: &str, path: &DevPath, ours: impl Fn(u32) -> bool) -> Result<(BdevFile, DaxRef)> {
    let p = path.as_str();
    // A `DevPath` is ASCII without a NUL inside: this cannot fail.
    let cpath = CStr::from_bytes_with_nul(path.as_bytes_with_nul()).map_err(|_| code::EINVAL)?;
    let bdev = BdevFile::open(cpath).inspect_err(|e| {
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
    let Some(probe) = DaxRef::of(&bdev) else {
        pr_err!("{op}: {p}: not a DAX-capable (fsdax pmem) block device\n");
        return Err(errno::eopnotsupp());
    };
    if !probe.is_held() {
        Ok((bdev, probe))
    } else if ours(bdev.dev()) {
        pr_err!("{op}: {p}: already attached\n");
        Err(code::EEXIST)
    } else {
        pr_err!("{op}: {p}: dax_device already has a holder (a filesystem mounted on it?); leaving it\n");
        Err(code::EBUSY)
    }
}

/// Give back the slot of a holder taken out of the table: `fs_put_dax()`,
/// then a wait for the failures the dax core handed it already.
fn release(holder: Holding<Holder>) {
    pr_info!("{}: detached\n", holder.name());
    // Its directory goes now, not with the last reference to the holder
    // (a scan or a read may hold one a while): a new attach of the disk
    // makes it again at once.
    let dir = holder.dir.take();
    drop(holder);
    drop(dir);
    // Its known poison is forgotten by the next scan.
    crate::poison::kick();
}
