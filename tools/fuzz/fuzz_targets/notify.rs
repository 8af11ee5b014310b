// SPDX-License-Identifier: GPL-2.0

//! The arguments of `notify_failure()` (offset, length, `mf_flags`), as
//! the kernel hands them over: `notify::check` against the model of
//! `model/notify.rs`, and the flags' text read back to the same bits.

#![no_main]

use daxhold_fuzz::gen::{edge_u64, Unstructured};
use daxhold_fuzz::notify_model::{check_flags_text, check_notify};
use daxhold_fuzz::ok;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let (Ok(offset), Ok(len), Ok(flags)) = (edge_u64(&mut u), edge_u64(&mut u), u.arbitrary())
    else {
        return;
    };
    ok(check_notify(offset, len, flags));
    ok(check_flags_text(flags));
});
