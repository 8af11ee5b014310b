// SPDX-License-Identifier: GPL-2.0

//! The shortcuts of translation against the general walk, on random
//! stacks drawn from the fuzzer's bytes (`model/stack.rs`): the shortcut
//! for a range inside one segment gives the same hits in the same order
//! and the same outcome, depth limits and a sink that stops included
//! (`check_shortcut`); each route of the route table is what the walk
//! gives, and ranges on no route get no answer (`check_routes`).

#![no_main]

use daxhold_fuzz::gen::words;
use daxhold_fuzz::ok;
use daxhold_fuzz::stack_model::{check_routes, check_shortcut};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // A byte for the number of queries, the depth limit and where the
    // sink stops; 8 to 15 query words; the rest the stack.
    let Some((&n, rest)) = data.split_first() else {
        return;
    };
    let nq = 8 + usize::from(n % 8);
    let max_depth = u32::from(n >> 3) % 10;
    let stop = 1 + usize::from(n >> 3) / 10 % 5;
    let mut q = words(rest.get(..nq * 8).unwrap_or(rest), nq);
    q.resize(nq, 0);
    let entropy = words(rest.get(nq * 8..).unwrap_or(&[]), 160);
    ok(check_shortcut(&entropy, &q, max_depth, stop));
    ok(check_routes(&entropy, &q, max_depth));
});
