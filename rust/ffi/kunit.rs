// SPDX-License-Identifier: GPL-2.0

//! KUnit suites written in Rust, for 6.12.
//!
//! 6.12's `kernel::kunit` has only the assertion macros; the suite macros
//! (`kunit_unsafe_test_suite!`, `#[kunit_tests]`) came later. This is their
//! equivalent: [`kunit_suite!`] places a `struct kunit_suite` in the
//! module's `.kunit_test_suites` section, which KUnit runs when the module
//! goes live. Cases are either plain (`fn(&Test)`) or parametrized over a
//! table of [`crate::pure::selftest::Case`]s shared with `cargo test`.

use core::fmt;
use kernel::ffi::{c_char, c_void};

use super::bindings;

use crate::pure::selftest::Case;

/// A running KUnit test, handed to plain cases.
pub(crate) struct Test(*mut bindings::kunit);

impl Test {
    /// Record a failed expectation (the test goes on).
    pub(crate) fn fail(&self, line: u32, args: fmt::Arguments<'_>) {
        kernel::kunit::err(format_args!("    # line {line}: {args}\n"));
        // SAFETY: `self.0` is the live test KUnit passed to the case; KUnit's
        // own `kunit_set_failure()` is this single store.
        unsafe { (*self.0).status = bindings::kunit_status_KUNIT_FAILURE };
    }
}

/// Check a condition in a plain case; on failure, report it and go on.
macro_rules! kunit_expect {
    ($test:expr, $cond:expr) => {
        if !$cond {
            $test.fail(line!(), format_args!("expected {}", stringify!($cond)));
        }
    };
    ($test:expr, $cond:expr, $($arg:tt)+) => {
        if !$cond {
            $test.fail(line!(), format_args!($($arg)+));
        }
    };
}
pub(crate) use kunit_expect;

/// Run a plain case.
///
/// # Safety
///
/// `test` is the live test KUnit passes to a `run_case`.
pub(crate) unsafe fn run_plain(test: *mut bindings::kunit, case: fn(&Test)) {
    case(&Test(test));
}

/// Run the shared case that `test`'s parameter points at.
///
/// # Safety
///
/// `test` is the live test KUnit passes to a `run_case` whose parameters
/// come from [`next_param`] over a `&'static [Case]`.
pub(crate) unsafe fn run_param(test: *mut bindings::kunit) {
    // SAFETY: see above; `param_value` is an element of a static table.
    let case = unsafe { &*(*test).param_value.cast::<Case>() };
    if let Err(fail) = (case.1)() {
        Test(test).fail(
            fail.line,
            format_args!("{}: expected {} (rust/pure/selftest.rs)", case.0, fail.what),
        );
    }
}

/// `generate_params` over `table`: the element after `prev` (the first if
/// `prev` is NULL), with its name written to `desc`.
///
/// # Safety
///
/// `prev` is NULL or an element of `table`; `desc` points to
/// `KUNIT_PARAM_DESC_SIZE` writable bytes.
pub(crate) unsafe fn next_param(
    table: &'static [Case],
    prev: *const c_void,
    desc: *mut c_char,
) -> *const c_void {
    let next = if prev.is_null() {
        0
    } else {
        // SAFETY: `prev` is an element of `table` (caller), so both pointers
        // are in the same allocation.
        let at = unsafe { prev.cast::<Case>().offset_from(table.as_ptr()) };
        usize::try_from(at).map_or(table.len(), |i| i.saturating_add(1))
    };
    let Some(case) = table.get(next) else {
        return core::ptr::null();
    };
    // SAFETY: KUnit hands a buffer of KUNIT_PARAM_DESC_SIZE bytes.
    let out = unsafe {
        core::slice::from_raw_parts_mut(desc.cast::<u8>(), bindings::KUNIT_PARAM_DESC_SIZE as usize)
    };
    let name = case.0.as_bytes();
    let n = name.len().min(out.len().saturating_sub(1));
    if let (Some(dst), Some(src)) = (out.get_mut(..n), name.get(..n)) {
        crate::pure::nopanic::copy(dst, src);
    }
    if let Some(nul) = out.get_mut(n) {
        *nul = 0;
    }
    core::ptr::from_ref(case).cast()
}

/// A suite name as the fixed array `struct kunit_suite` wants.
pub(crate) const fn suite_name(name: &str) -> [c_char; 256] {
    let bytes = name.as_bytes();
    assert!(bytes.len() < 256, "KUnit suite name too long");
    let mut out = [0; 256];
    let mut i = 0;
    while i < bytes.len() {
        out[i] = bytes[i] as c_char;
        i += 1;
    }
    out
}

/// A pointer in `.kunit_test_suites`.
#[repr(transparent)]
pub(crate) struct SuiteEntry(pub(crate) *mut bindings::kunit_suite);

// SAFETY: the entry is only read, by the module loader and KUnit.
unsafe impl Sync for SuiteEntry {}

/// Declare a KUnit suite.
///
/// ```ignore
/// kunit_suite!(daxhold_mf, "daxhold_mf",
///     plain: [name => crate::path::to::function, ...],
///     shared: [name => crate::path::to::TABLE, ...]);
/// ```
///
/// Paths must be absolute (`crate::...`): they are used inside the
/// generated modules.
macro_rules! kunit_suite {
    ($mod:ident, $name:literal,
     plain: [$($pname:ident => $pfn:path),* $(,)?],
     shared: [$($sname:ident => $table:path),* $(,)?] $(,)?) => {
        #[allow(non_snake_case, non_upper_case_globals)]
        mod $mod {
            use $crate::ffi::bindings;
            use $crate::ffi::kunit;
            #[allow(unused_imports)]
            use kernel::ffi::{c_char, c_void};

            $(
                mod $pname {
                    use super::*;
                    /// KUnit `run_case` trampoline.
                    ///
                    /// # Safety
                    ///
                    /// Called by KUnit only, with the live test.
                    pub(super) unsafe extern "C" fn run(test: *mut bindings::kunit) {
                        // SAFETY: KUnit calls run_case with the live test.
                        unsafe { kunit::run_plain(test, $pfn) }
                    }
                }
            )*
            $(
                mod $sname {
                    use super::*;
                    /// KUnit `run_case` trampoline for a parametrized case.
                    ///
                    /// # Safety
                    ///
                    /// Called by KUnit only, with the live test.
                    pub(super) unsafe extern "C" fn run(test: *mut bindings::kunit) {
                        // SAFETY: KUnit calls run_case with the live test,
                        // whose parameter comes from `gen` below.
                        unsafe { kunit::run_param(test) }
                    }
                    /// KUnit `generate_params` over the case table.
                    ///
                    /// # Safety
                    ///
                    /// Called by KUnit only: NULL or our previous parameter,
                    /// and a description buffer.
                    pub(super) unsafe extern "C" fn gen(
                        prev: *const c_void,
                        desc: *mut c_char,
                    ) -> *const c_void {
                        // SAFETY: KUnit passes NULL or our previous
                        // parameter, and a description buffer.
                        unsafe { kunit::next_param(&$table, prev, desc) }
                    }
                }
            )*

            const N: usize = [$(stringify!($pname),)* $(stringify!($sname),)*].len() + 1;

            static mut CASES: [bindings::kunit_case; N] = [
                $(bindings::kunit_case {
                    run_case: Some($pname::run),
                    name: concat!(stringify!($pname), "\0").as_ptr().cast(),
                    // SAFETY: all-zero is the C initialiser for the rest.
                    ..unsafe { core::mem::zeroed() }
                },)*
                $(bindings::kunit_case {
                    run_case: Some($sname::run),
                    name: concat!(stringify!($sname), "\0").as_ptr().cast(),
                    generate_params: Some($sname::gen),
                    // SAFETY: all-zero is the C initialiser for the rest.
                    ..unsafe { core::mem::zeroed() }
                },)*
                // SAFETY: the all-zero case ends the array, as in C.
                unsafe { core::mem::zeroed() },
            ];

            static mut SUITE: bindings::kunit_suite = bindings::kunit_suite {
                name: kunit::suite_name($name),
                test_cases: core::ptr::addr_of_mut!(CASES).cast::<bindings::kunit_case>(),
                // SAFETY: all-zero is the C initialiser for the rest.
                ..unsafe { core::mem::zeroed() }
            };

            #[used]
            #[link_section = ".kunit_test_suites"]
            static ENTRY: kunit::SuiteEntry = kunit::SuiteEntry(core::ptr::addr_of_mut!(SUITE));
        }
    };
}
pub(crate) use kunit_suite;
