// SPDX-License-Identifier: GPL-2.0

//! C strings from the C glue as byte slices.
//!
//! Not `core::ffi::CStr::from_ptr`: it is inlined into the module and adds
//! 1 to `strlen()` for the NUL with an overflow-checked `+`, a panic path
//! (a `BUG()` in the kernel; see Documentation/design.rst, "No panics").

use kernel::ffi::c_char;

use super::bindings;

/// The bytes of the NUL-terminated string at `p`, without the NUL; empty
/// if `p` is NULL.
///
/// # Safety
///
/// `p` is NULL or points to a NUL-terminated string that stays valid and
/// unchanged for `'a`.
pub(crate) unsafe fn bytes<'a>(p: *const c_char) -> &'a [u8] {
    if p.is_null() {
        return &[];
    }
    // SAFETY: `p` is a NUL-terminated string (our contract).
    let len = unsafe { bindings::strlen(p) };
    // SAFETY: the `len` bytes before the NUL are readable and unchanged
    // for `'a` (our contract); `len` fits in isize as the string exists.
    unsafe { core::slice::from_raw_parts(p.cast::<u8>(), len) }
}
