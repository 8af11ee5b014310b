// SPDX-License-Identifier: GPL-2.0
//! The value returned to memory_failure(), against a model (the fixed
//! cases are the shared `DISPATCH_CASES`, run by tests/selftest.rs and KUnit).

use daxhold_pure::errname::EOPNOTSUPP;
use daxhold_pure::verdict::Verdict;
use proptest::prelude::*;

proptest! {
    /// Against a model: 0 iff all handled and at least one; else the first
    /// hard error; else EOPNOTSUPP.
    #[test]
    fn verdict_model(rcs in proptest::collection::vec(prop_oneof![Just(0), Just(-EOPNOTSUPP), -200i32..0], 0..8)) {
        let mut v = Verdict::default();
        rcs.iter().for_each(|&rc| v.add(rc));
        let first_err = rcs.iter().copied().find(|&rc| rc != 0 && rc != -EOPNOTSUPP);
        let want = match first_err {
            Some(e) => e,
            None if !rcs.is_empty() && rcs.iter().all(|&rc| rc == 0) => 0,
            None => -EOPNOTSUPP,
        };
        prop_assert_eq!(v.result(), want);
    }
}
