// SPDX-License-Identifier: GPL-2.0

//! `mf_flags`: the memory-failure flags that reach a holder's notify_failure.
//!
//! The values mirror `enum mf_flags` in `include/linux/mm.h` (6.12). The
//! module checks at build time that they equal the kernel's own.

use core::fmt;

/// The page's refcount was raised by the caller.
pub const MF_COUNT_INCREASED: u32 = 1 << 0;
/// The failure was consumed: the current task must be killed (SIGBUS AR).
pub const MF_ACTION_REQUIRED: u32 = 1 << 1;
/// Kill even tasks that did not ask for early kill.
pub const MF_MUST_KILL: u32 = 1 << 2;
/// Soft offline (migrate away), not a real error.
pub const MF_SOFT_OFFLINE: u32 = 1 << 3;
/// Undo of a previous software poison.
pub const MF_UNPOISON: u32 = 1 << 4;
/// Injected by software (madvise, hwpoison-inject), not by hardware.
pub const MF_SW_SIMULATED: u32 = 1 << 5;
/// Do not retry the page.
pub const MF_NO_RETRY: u32 = 1 << 6;
/// The whole device is about to go away (namespace disable, unbind).
pub const MF_MEM_PRE_REMOVE: u32 = 1 << 7;

/// Every flag bit 6.12 defines.
pub const MF_KNOWN: u32 = (MF_MEM_PRE_REMOVE << 1) - 1;

/// Flag names in bit order, as printed in dmesg.
const NAMES: [(u32, &str); 8] = [
    (MF_COUNT_INCREASED, "MF_COUNT_INCREASED"),
    (MF_ACTION_REQUIRED, "MF_ACTION_REQUIRED"),
    (MF_MUST_KILL, "MF_MUST_KILL"),
    (MF_SOFT_OFFLINE, "MF_SOFT_OFFLINE"),
    (MF_UNPOISON, "MF_UNPOISON"),
    (MF_SW_SIMULATED, "MF_SW_SIMULATED"),
    (MF_NO_RETRY, "MF_NO_RETRY"),
    (MF_MEM_PRE_REMOVE, "MF_MEM_PRE_REMOVE"),
];

/// A raw `mf_flags` word, displayed as `NAME|NAME|0x<unknown bits>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MfFlags(pub u32);

impl MfFlags {
    /// The flags as the kernel passes them (`int mf_flags`): the same bits.
    pub fn from_raw(mf_flags: i32) -> Self {
        MfFlags(u32::from_ne_bytes(mf_flags.to_ne_bytes()))
    }

    /// Whether every bit in `mask` is set.
    pub fn has(self, mask: u32) -> bool {
        self.0 & mask == mask
    }

    /// The bits 6.12 does not define, if any.
    pub fn unknown(self) -> u32 {
        self.0 & !MF_KNOWN
    }
}

impl fmt::Display for MfFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for (bit, name) in NAMES {
            if self.0 & bit != 0 {
                write!(f, "{sep}{name}")?;
                sep = "|";
            }
        }
        if self.unknown() != 0 {
            write!(f, "{sep}{:#x}", self.unknown())?;
        } else if self.0 == 0 {
            f.write_str("none")?;
        }
        Ok(())
    }
}
