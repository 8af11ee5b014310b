// SPDX-License-Identifier: GPL-2.0

//! Memory-failure flags: `enum mf_flags` of `include/linux/mm.h`, as
//! `memory_failure()` hands them to a dax holder and takes them back in
//! `mf_dax_kill_procs()`.

use kernel::ffi::c_int;

/// The `int mf_flags` of one memory failure.
///
/// # Invariants
///
/// None: any bits, as the caller passed them. Which bits a holder
/// accepts is its own check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct MfFlags(c_int);

impl MfFlags {
    /// The flags as C passes them.
    pub(crate) const fn from_raw(mf_flags: c_int) -> Self {
        MfFlags(mf_flags)
    }

    /// The flags as C takes them.
    pub(crate) const fn as_raw(self) -> c_int {
        self.0
    }

    /// The flag bits.
    pub(crate) const fn bits(self) -> u32 {
        u32::from_ne_bytes(self.0.to_ne_bytes())
    }
}
