// SPDX-License-Identifier: GPL-2.0

//! The live value of `vm.memory_failure_early_kill`: its sysctl file, open
//! from module load (or the first attach that could) to unload.

use core::sync::atomic::{AtomicPtr, Ordering};
use kernel::ffi::c_int;

use kernel::prelude::*;

use crate::ffi::bindings;

/// `/proc/sys/vm/memory_failure_early_kill`, open (NULL: not yet).
static EARLY_KILL: AtomicPtr<bindings::file> = AtomicPtr::new(core::ptr::null_mut());

/// Open the sysctl file (module load, and each attach until it worked):
/// process context with a normal root. One line if it cannot.
pub(crate) fn early_kill_open() {
    if !EARLY_KILL.load(Ordering::Acquire).is_null() {
        return;
    }
    let path = c"/proc/sys/vm/memory_failure_early_kill";
    // SAFETY: a NUL-terminated path; O_RDONLY.
    let f = unsafe { bindings::filp_open(path.as_ptr().cast(), bindings::O_RDONLY as c_int, 0) };
    match kernel::error::from_err_ptr(f) {
        Ok(f) if !f.is_null() => {
            if EARLY_KILL
                .compare_exchange(core::ptr::null_mut(), f, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                // Another attach was faster.
                // SAFETY: `f` is ours, opened above, closed once.
                unsafe { bindings::filp_close(f, core::ptr::null_mut()) };
            }
        }
        Ok(_) => {}
        Err(e) => pr_warn!(
            "cannot open /proc/sys/vm/memory_failure_early_kill ({}): early kill taken as 0 until the next attach\n",
            crate::errno::Name(e)
        ),
    }
}

/// Close it (unload: no failure handler runs any more).
pub(crate) fn early_kill_close() {
    let f = EARLY_KILL.swap(core::ptr::null_mut(), Ordering::AcqRel);
    if !f.is_null() {
        // SAFETY: `f` was opened by early_kill_open() and is closed once
        // (swapped out above).
        unsafe { bindings::filp_close(f, core::ptr::null_mut()) };
    }
}

/// The live value of `vm.memory_failure_early_kill` (false if the file
/// is not open or cannot be read). May sleep.
pub(crate) fn early_kill() -> bool {
    let f = EARLY_KILL.load(Ordering::Acquire);
    if f.is_null() {
        return false;
    }
    let mut buf = [0u8; 8];
    let mut pos: bindings::loff_t = 0;
    // SAFETY: `f` stays open until unload, after the last failure
    // handler; `buf` has the bytes we ask for.
    let n = unsafe { bindings::kernel_read(f, buf.as_mut_ptr().cast(), buf.len(), &mut pos) };
    let Ok(n) = usize::try_from(n) else {
        return false;
    };
    buf.get(..n)
        .and_then(|b| b.first())
        .is_some_and(|&c| c != b'0' && c.is_ascii_digit())
}
