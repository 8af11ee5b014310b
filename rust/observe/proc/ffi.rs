// SPDX-License-Identifier: GPL-2.0

//! `/proc/fs/daxhold` (`rust/observe/proc/glue.c`): the directory, its files, and
//! the show callback the C side calls, handed to `crate::observe::proc`.
//!
//! To add a file: a `DAXHOLD_PROC_*` number in `include/daxhold/glue.h`, a
//! [`ProcFile`] variant here, a match arm in `crate::observe::proc::show`, and an
//! [`add`] call in `crate::observe::proc::init`.

use kernel::error::{to_result, Result};
use kernel::ffi::c_int;
use kernel::str::CStr;

use super::seq::SeqOut;
use crate::ffi::bindings;

/// The files of `/proc/fs/daxhold`, by the number their entry keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProcFile {
    /// `stack`: held pmem disks and the stack above them.
    Stack,
    /// `events`: the failure log's history.
    Events,
    /// `poison`: known poison and what it damages.
    Poison,
}

impl ProcFile {
    fn number(self) -> u32 {
        match self {
            ProcFile::Stack => bindings::DAXHOLD_PROC_STACK,
            ProcFile::Events => bindings::DAXHOLD_PROC_EVENTS,
            ProcFile::Poison => bindings::DAXHOLD_PROC_POISON,
        }
    }

    fn from_number(n: u32) -> Option<Self> {
        [ProcFile::Stack, ProcFile::Events, ProcFile::Poison]
            .into_iter()
            .find(|f| f.number() == n)
    }
}

/// The files' callbacks (the glue calls nothing else of daxhold's).
static PROC_OPS: bindings::daxhold_proc_ops = bindings::daxhold_proc_ops {
    show: Some(daxhold_proc_show),
    translate_answer: Some(daxhold_ctl_translate_answer),
};

/// Create the (empty) directory `/proc/fs/daxhold`, its files to call
/// [`PROC_OPS`].
pub(crate) fn init() -> Result {
    // SAFETY: called once from module init, paired with `exit()`; the
    // callbacks are static.
    to_result(unsafe { bindings::daxhold_proc_init(&PROC_OPS) })
}

/// Add the file `name` (mode 0400) to the directory, shown as `file`.
pub(crate) fn add(name: &CStr, file: ProcFile) -> Result {
    // SAFETY: `name` is NUL-terminated; procfs copies it. Called at module
    // init, between `init()` and `exit()`.
    to_result(unsafe { bindings::daxhold_proc_add(name.as_char_ptr().cast(), file.number()) })
}

/// Add `translate` (mode 0600), the dry run's transaction file.
pub(crate) fn add_translate() -> Result {
    // SAFETY: called at module init, between `init()` and `exit()`.
    to_result(unsafe { bindings::daxhold_proc_add_translate() })
}

/// A write to `translate`: the request `req` (`len` bytes), answered into
/// `out` (`size` bytes); the answer's length or a negative errno.
///
/// # Safety
///
/// Called by the proc glue with `len` readable bytes at `req` and `size`
/// writable bytes at `out`, not overlapping, for the duration of the call.
unsafe extern "C" fn daxhold_ctl_translate_answer(
    req: *const kernel::ffi::c_char,
    len: usize,
    out: *mut kernel::ffi::c_char,
    size: usize,
) -> isize {
    // SAFETY: `len` readable bytes (our contract).
    let req = unsafe { core::slice::from_raw_parts(req.cast::<u8>(), len) };
    // SAFETY: `size` writable bytes, not overlapping `req` (our contract).
    let out = unsafe { core::slice::from_raw_parts_mut(out.cast::<u8>(), size) };
    crate::errno::len(crate::observe::control::translate_answer(req, out))
}

/// Remove the directory and its files; returns once no show call runs and
/// none can start. Harmless if `init()` failed or never ran.
pub(crate) fn exit() {
    // SAFETY: `proc_remove()` of the glue's directory (or of NULL).
    unsafe { bindings::daxhold_proc_exit() }
}

/// The show callback of every file: writes file `file` into `m`.
///
/// # Safety
///
/// Called by the proc glue's show callback with its `seq_file`, for the
/// duration of that callback.
unsafe extern "C" fn daxhold_proc_show(m: *mut bindings::seq_file, file: u32) -> c_int {
    // SAFETY: `m` is the running show call's seq_file (our contract); `out`
    // lives only for this call.
    let Some(mut out) = (unsafe { SeqOut::from_raw(m) }) else {
        return kernel::error::code::EINVAL.to_errno();
    };
    match ProcFile::from_number(file) {
        Some(f) => crate::errno::of(crate::observe::proc::show(&mut out, f)),
        None => kernel::error::code::EINVAL.to_errno(),
    }
}
