// SPDX-License-Identifier: GPL-2.0

//! Checking and classifying the arguments of `notify_failure()`.
//!
//! `dax_holder_notify_failure(dax_dev, offset, len, mf_flags)` reaches the
//! holder with a byte range on the dax_device and the memory-failure flags.
//! Before anything acts on them they are checked here: a zero length, a
//! range that wraps past `u64::MAX` or unknown flag bits are refused, and the
//! whole-device form `(0, u64::MAX)` that `kill_dax()` sends with
//! `MF_MEM_PRE_REMOVE` is recognised as such.

use crate::pure::errname::{EINVAL, ERANGE};
use crate::pure::mf::{MfFlags, MF_ACTION_REQUIRED, MF_KNOWN, MF_MEM_PRE_REMOVE};

/// What a failure covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Extent {
    /// Bytes `[offset, end)` of the device; `end > offset`.
    Range {
        /// First failed byte.
        offset: u64,
        /// One past the last failed byte.
        end: u64,
    },
    /// The whole device: `(0, u64::MAX)`, sent before the device goes away.
    WholeDevice,
}

impl Extent {
    /// `(offset, len)` as `notify_failure()` was given them.
    pub fn offset_len(self) -> (u64, u64) {
        match self {
            // `end > offset` by construction.
            Extent::Range { offset, end } => (offset, end.saturating_sub(offset)),
            Extent::WholeDevice => (0, u64::MAX),
        }
    }
}

/// How the failure must be handled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Poison was consumed: kill the consumer now (SIGBUS BUS_MCEERR_AR).
    ActionRequired,
    /// Poison was found, not consumed (BUS_MCEERR_AO, early-kill tasks).
    ActionOptional,
    /// The device is going away: every user must let go.
    PreRemove,
}

/// A checked `notify_failure()` call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The bytes concerned.
    pub extent: Extent,
    /// The handling asked for.
    pub kind: Kind,
    /// The flags as given.
    pub flags: MfFlags,
}

/// Why a `notify_failure()` call was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgError {
    /// `len == 0`: nothing failed.
    ZeroLength,
    /// `offset + len` does not fit in 64 bits (and is not the whole-device form).
    Overflow,
    /// Flag bits that 6.12 does not define.
    UnknownFlags(u32),
}

impl ArgError {
    /// The negative errno a holder returns for this error.
    pub fn errno(self) -> i32 {
        match self {
            // Malformed arguments.
            ArgError::ZeroLength | ArgError::UnknownFlags(_) => -EINVAL,
            // The range does not fit.
            ArgError::Overflow => -ERANGE,
        }
    }
}

/// Check the raw arguments of a `notify_failure()` call.
pub fn check(offset: u64, len: u64, mf_flags: i32) -> Result<Failure, ArgError> {
    let flags = MfFlags::from_raw(mf_flags);
    if flags.0 & !MF_KNOWN != 0 {
        return Err(ArgError::UnknownFlags(flags.unknown()));
    }
    if len == 0 {
        return Err(ArgError::ZeroLength);
    }
    let extent = if offset == 0 && len == u64::MAX {
        Extent::WholeDevice
    } else {
        let end = offset.checked_add(len).ok_or(ArgError::Overflow)?;
        Extent::Range { offset, end }
    };
    // 6.12 sends pre-remove as the whole device, but XFS accepts it on any
    // range, and so does daxhold.
    let kind = if flags.has(MF_MEM_PRE_REMOVE) {
        Kind::PreRemove
    } else if flags.has(MF_ACTION_REQUIRED) {
        Kind::ActionRequired
    } else {
        Kind::ActionOptional
    };
    Ok(Failure {
        extent,
        kind,
        flags,
    })
}
