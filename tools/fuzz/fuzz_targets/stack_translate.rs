// SPDX-License-Identifier: GPL-2.0

//! Translation against the forward walk: a random stack drawn from the
//! fuzzer's bytes (`model/stack.rs`: disks, partitions, dm devices of
//! linear and striped targets, crowded and at the top of the 64-bit
//! space); every query range of every device translates, byte for byte,
//! to what the sector-by-sector inverse of the tables gives, and the
//! whole-device form to every user at its nearest depth (`check_forward`).

#![no_main]

use daxhold_fuzz::gen::words;
use daxhold_fuzz::ok;
use daxhold_fuzz::stack_model::check_forward;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first 8 to 15 words are the queries, the rest the stack.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let nq = 8 + usize::from(n % 8);
    let mut q = words(rest.get(..nq * 8).unwrap_or(rest), nq);
    q.resize(nq, 0);
    let entropy = words(rest.get(nq * 8..).unwrap_or(&[]), 160);
    ok(check_forward(&entropy, &q));
});
