// SPDX-License-Identifier: GPL-2.0

//! KUnit suites of daxhold, run by KUnit when the module goes live.
//!
//! - `daxhold_mf`, `daxhold_name`, `daxhold_stack`, `daxhold_dispatch`, `daxhold_dmtable`,
//!   `daxhold_rmap`, `daxhold_events`, `daxhold_procfs`, `daxhold_killset`: the shared case tables of `pure/selftest.rs` (the same
//!   cases `cargo test` runs on the host), compiled for the kernel;
//! - `daxhold_holder`: the kernel side: control errors against real
//!   devices, the callback after its slot was given back, counters, the
//!   failure log's ring as allocated at load.

use crate::abstractions::dax;
use crate::errno::EOPNOTSUPP;
use crate::ffi::kunit::{kunit_expect, kunit_suite, Test};
use crate::holder::{self, Holder, Stats};
use crate::observe::{control, events};
use crate::pure::name;
use crate::pure::notify;
use core::sync::atomic::Ordering;
use kernel::error::code;

kunit_suite!(suite_mf, "daxhold_mf",
    plain: [],
    shared: [cases => crate::pure::selftest::MF_CASES]);

kunit_suite!(suite_name, "daxhold_name",
    plain: [],
    shared: [cases => crate::pure::selftest::NAME_CASES]);

kunit_suite!(suite_stack, "daxhold_stack",
    plain: [],
    shared: [cases => crate::pure::selftest::STACK_CASES]);

kunit_suite!(suite_dispatch, "daxhold_dispatch",
    plain: [],
    shared: [cases => crate::pure::selftest::DISPATCH_CASES]);

kunit_suite!(suite_dmtable, "daxhold_dmtable",
    plain: [],
    shared: [cases => crate::pure::selftest::DMTABLE_CASES]);

kunit_suite!(suite_rmap, "daxhold_rmap",
    plain: [],
    shared: [cases => crate::pure::selftest::RMAP_CASES]);

kunit_suite!(suite_daxowner, "daxhold_daxowner",
    plain: [],
    shared: [cases => crate::pure::selftest::DAXOWNER_CASES]);

kunit_suite!(suite_ext4meta, "daxhold_ext4meta",
    plain: [],
    shared: [cases => crate::pure::selftest::EXT4META_CASES]);

kunit_suite!(suite_badblocks, "daxhold_badblocks",
    plain: [],
    shared: [cases => crate::pure::selftest::BADBLOCKS_CASES]);

kunit_suite!(suite_events, "daxhold_events",
    plain: [],
    shared: [cases => crate::pure::selftest::EVENTS_CASES]);

kunit_suite!(suite_killset, "daxhold_killset",
    plain: [],
    shared: [cases => crate::pure::selftest::KILLSET_CASES]);

kunit_suite!(suite_procfs, "daxhold_procfs",
    plain: [],
    shared: [cases => crate::pure::selftest::PROCFS_CASES]);

kunit_suite!(suite_holder, "daxhold_holder",
    plain: [
        attach_missing_is_enoent => crate::kunit_tests::attach_missing_is_enoent,
        attach_chardev_is_enotblk => crate::kunit_tests::attach_chardev_is_enotblk,
        detach_unknown_is_enoent => crate::kunit_tests::detach_unknown_is_enoent,
        control_rejects_bad_names => crate::kunit_tests::control_rejects_bad_names,
        notify_emptied_slot_declines => crate::kunit_tests::notify_emptied_slot_declines,
        stats_count_by_kind => crate::kunit_tests::stats_count_by_kind,
        log_ring_allocated => crate::kunit_tests::log_ring_allocated,
    ],
    shared: []);

fn attach(path: &[u8]) -> Option<i32> {
    let path = name::parse(path).ok()?;
    holder::with_registry(|r| r.attach("attach", &path).err().map(|e| e.to_errno())).flatten()
}

fn attach_missing_is_enoent(t: &Test) {
    let got = attach(b"/dev/daxhold-kunit-no-such-device");
    kunit_expect!(t, got == Some(code::ENOENT.to_errno()), "got {got:?}");
}

fn attach_chardev_is_enotblk(t: &Test) {
    let got = attach(b"/dev/null");
    kunit_expect!(t, got == Some(code::ENOTBLK.to_errno()), "got {got:?}");
}

fn detach_unknown_is_enoent(t: &Test) {
    let got = control::detach(b"daxhold-kunit-never-attached\n");
    kunit_expect!(t, got == Err(code::ENOENT), "got {got:?}");
}

fn control_rejects_bad_names(t: &Test) {
    let einval = Err(code::EINVAL);
    kunit_expect!(t, control::attach(b"") == einval);
    kunit_expect!(t, control::attach(b"\x01\x02") == einval);
    kunit_expect!(t, control::attach(b"pm em0") == einval);
    let toolong = Err(kernel::error::Error::from_errno(-36));
    kunit_expect!(t, control::attach(&[b'x'; 300]) == toolong, "ENAMETOOLONG");
}

fn notify_emptied_slot_declines(t: &Test) {
    // A call that reads the holder pointer after detach emptied the slot.
    // SAFETY: NULL is allowed: nothing is dereferenced.
    let got = unsafe { dax::call_holder::<Holder>(core::ptr::null(), 0x1000, 0x1000, 0x23) };
    kunit_expect!(t, got == EOPNOTSUPP, "got {got}");
}

fn stats_count_by_kind(t: &Test) {
    let s = Stats::default();
    for (off, len, flags) in [(0, 4096, 0x23), (4096, 8192, 0), (0, u64::MAX, 0x80)] {
        if let Ok(f) = notify::check(off, len, flags) {
            s.record(&f);
        }
    }
    let get = |a: &core::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    kunit_expect!(t, get(&s.action_required) == 1);
    kunit_expect!(t, get(&s.action_optional) == 1);
    kunit_expect!(t, get(&s.pre_remove) == 1);
    // The whole-device form adds no bytes.
    kunit_expect!(t, get(&s.bytes) == 4096 + 8192);
    kunit_expect!(t, get(&s.last_flags) == 0x80);
}

fn log_ring_allocated(t: &Test) {
    let got = holder::with_registry(|r| r.log.lock().capacity());
    kunit_expect!(t, got == Some(events::CAPACITY), "got {got:?}");
}
