// SPDX-License-Identifier: GPL-2.0

//! The errnos daxhold's pure code returns, and their symbolic names for
//! dmesg lines (the test kernel has no CONFIG_SYMBOLIC_ERRNAME, and log
//! readers want `ENOENT`, not `2`). Values are Linux's (x86-64); the module
//! checks them against the kernel's at build time (`rust/errno.rs`).

/// `EPERM`.
pub const EPERM: i32 = 1;
/// `ENOENT`.
pub const ENOENT: i32 = 2;
/// `EIO`.
pub const EIO: i32 = 5;
/// `ENXIO`.
pub const ENXIO: i32 = 6;
/// `ENOMEM`.
pub const ENOMEM: i32 = 12;
/// `EACCES`.
pub const EACCES: i32 = 13;
/// `ENOTBLK`.
pub const ENOTBLK: i32 = 15;
/// `EBUSY`.
pub const EBUSY: i32 = 16;
/// `EEXIST`.
pub const EEXIST: i32 = 17;
/// `ENODEV`.
pub const ENODEV: i32 = 19;
/// `ENOTDIR`.
pub const ENOTDIR: i32 = 20;
/// `EINVAL`.
pub const EINVAL: i32 = 22;
/// `ENOSPC`.
pub const ENOSPC: i32 = 28;
/// `ERANGE`.
pub const ERANGE: i32 = 34;
/// `ENAMETOOLONG`.
pub const ENAMETOOLONG: i32 = 36;
/// `ELOOP`.
pub const ELOOP: i32 = 40;
/// `EOPNOTSUPP`.
pub const EOPNOTSUPP: i32 = 95;

const NAMES: [(i32, &str); 17] = [
    (EPERM, "EPERM"),
    (ENOENT, "ENOENT"),
    (EIO, "EIO"),
    (ENXIO, "ENXIO"),
    (ENOMEM, "ENOMEM"),
    (EACCES, "EACCES"),
    (ENOTBLK, "ENOTBLK"),
    (EBUSY, "EBUSY"),
    (EEXIST, "EEXIST"),
    (ENODEV, "ENODEV"),
    (ENOTDIR, "ENOTDIR"),
    (EINVAL, "EINVAL"),
    (ENOSPC, "ENOSPC"),
    (ERANGE, "ERANGE"),
    (ENAMETOOLONG, "ENAMETOOLONG"),
    (ELOOP, "ELOOP"),
    (EOPNOTSUPP, "EOPNOTSUPP"),
];

/// The name of `errno` (either sign), or `"E?"` if daxhold does not know it.
pub fn errname(errno: i32) -> &'static str {
    let e = errno.checked_abs().unwrap_or(0);
    NAMES.iter().find(|(v, _)| *v == e).map_or("E?", |(_, n)| n)
}
