// SPDX-License-Identifier: GPL-2.0

//! What `notify_failure` returns to memory_failure(), from what each upper
//! holder (or the lack of one) said.
//!
//! memory_failure() stops at any result but `-EOPNOTSUPP`, which sends it on
//! to the kernel's per-page path. So daxhold returns 0 only when every top of
//! the stack the failure reached was handled by its holder, an error when a
//! holder failed, and `-EOPNOTSUPP` when any part was left unhandled (no
//! holder, nothing above, no translation), so that the kernel still acts.

use crate::pure::errname::EOPNOTSUPP;

/// The results gathered for one failure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Tops whose holder handled their part (returned 0).
    pub handled: u32,
    /// Tops left unhandled (`-EOPNOTSUPP`: no holder, or it declined).
    pub declined: u32,
    /// The first error a holder returned, as a negative errno.
    pub error: Option<i32>,
}

impl Verdict {
    /// Count one top's result `rc` (0 or a negative errno).
    pub fn add(&mut self, rc: i32) {
        if rc == 0 {
            self.handled = self.handled.saturating_add(1);
        } else if rc == -EOPNOTSUPP {
            self.declined = self.declined.saturating_add(1);
        } else if self.error.is_none() {
            self.error = Some(rc);
        }
    }

    /// The reverse map dealt with every declined top at once and returned
    /// `rc`: they count as that result instead (still declined if it
    /// returned `-EOPNOTSUPP`).
    pub fn settle_declined(&mut self, rc: i32) {
        if self.declined > 0 && rc != -EOPNOTSUPP {
            self.declined = 0;
            self.add(rc);
        }
    }

    /// The value for memory_failure().
    pub fn result(&self) -> i32 {
        match self.error {
            Some(e) => e,
            None if self.handled > 0 && self.declined == 0 => 0,
            None => -EOPNOTSUPP,
        }
    }
}
