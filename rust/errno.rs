// SPDX-License-Identifier: GPL-2.0

//! Errnos 6.12's `kernel::error::code` does not name, and a `Result` as the
//! C callbacks return it ([`of`], [`len`]).

use kernel::error::{Error, Result};

use crate::ffi::bindings;
use crate::pure::errname as e;

// The errno values the pure code returns are the kernel's own.
kernel::static_assert!(e::ENOENT as u32 == bindings::ENOENT);
kernel::static_assert!(e::EINVAL as u32 == bindings::EINVAL);
kernel::static_assert!(e::ERANGE as u32 == bindings::ERANGE);
kernel::static_assert!(e::ENOSPC as u32 == bindings::ENOSPC);
kernel::static_assert!(e::ELOOP as u32 == bindings::ELOOP);
kernel::static_assert!(e::ENAMETOOLONG as u32 == bindings::ENAMETOOLONG);
kernel::static_assert!(e::EOPNOTSUPP as u32 == bindings::EOPNOTSUPP);

/// `-EOPNOTSUPP`, as returned to the dax core.
pub(crate) const EOPNOTSUPP: i32 = -e::EOPNOTSUPP;

/// `EOPNOTSUPP` as an [`Error`].
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(EOPNOTSUPP)
}

/// `r` as C returns it: 0, or the negative errno.
pub(crate) fn of(r: Result) -> i32 {
    r.map_or_else(Error::to_errno, |()| 0)
}

/// A show's or read's result as C returns it: the length, or the
/// negative errno.
pub(crate) fn len(r: Result<usize>) -> isize {
    match r {
        Ok(n) => isize::try_from(n).unwrap_or(isize::MAX),
        Err(e) => e.to_errno() as isize,
    }
}

/// Whether `r` declines (`EOPNOTSUPP`): the kernel's own path is to act.
pub(crate) fn declined(r: Result) -> bool {
    r.is_err_and(|e| e.to_errno() == EOPNOTSUPP)
}

/// `ENOENT (2)`-style display of a kernel [`Error`] for dmesg lines.
pub(crate) struct Name(pub(crate) Error);

impl core::fmt::Display for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}", e::errname(self.0.to_errno()))
    }
}
