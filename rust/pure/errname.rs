// SPDX-License-Identifier: GPL-2.0

//! Symbolic names of the errnos daxhold reports, for dmesg lines (the test
//! kernel has no CONFIG_SYMBOLIC_ERRNAME, and log readers want `ENOENT`,
//! not `2`). Values are x86-64 Linux's.

const NAMES: [(i32, &str); 16] = [
    (1, "EPERM"),
    (2, "ENOENT"),
    (5, "EIO"),
    (6, "ENXIO"),
    (12, "ENOMEM"),
    (13, "EACCES"),
    (15, "ENOTBLK"),
    (16, "EBUSY"),
    (17, "EEXIST"),
    (19, "ENODEV"),
    (20, "ENOTDIR"),
    (22, "EINVAL"),
    (28, "ENOSPC"),
    (34, "ERANGE"),
    (36, "ENAMETOOLONG"),
    (95, "EOPNOTSUPP"),
];

/// The name of `errno` (either sign), or `"E?"` if daxhold does not know it.
pub fn errname(errno: i32) -> &'static str {
    let e = errno.checked_abs().unwrap_or(0);
    NAMES.iter().find(|(v, _)| *v == e).map_or("E?", |(_, n)| n)
}
