// SPDX-License-Identifier: GPL-2.0

//! Errnos 6.12's `kernel::error::code` does not name.

use kernel::error::Error;

use crate::ffi::bindings;

/// `-EOPNOTSUPP`, as returned to the dax core.
pub(crate) const EOPNOTSUPP: i32 = -(bindings::EOPNOTSUPP as i32);

/// `EOPNOTSUPP` as an [`Error`].
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(EOPNOTSUPP)
}

/// `ENOENT (2)`-style display of a kernel [`Error`] for dmesg lines.
pub(crate) struct Name(pub(crate) Error);

impl core::fmt::Display for Name {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let e = self.0.to_errno();
        write!(f, "{}", crate::pure::errname::errname(e))
    }
}
