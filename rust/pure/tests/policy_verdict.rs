// SPDX-License-Identifier: GPL-2.0
//! The attach policy and the value returned to memory_failure().

use daxhold_pure::errname::{EIO, ENXIO, EOPNOTSUPP};
use daxhold_pure::policy::Policy;
use daxhold_pure::verdict::Verdict;
use proptest::prelude::*;

#[test]
fn policy_words() {
    assert_eq!(Policy::parse(b"stacked\n"), Some(Policy::Stacked));
    assert_eq!(Policy::parse(b"all"), Some(Policy::All));
    assert_eq!(Policy::parse(b"list"), Some(Policy::List));
    for bad in [
        &b""[..],
        b"\n",
        b"Stacked",
        b"all\n\n",
        b" all",
        b"stacked,all",
    ] {
        assert_eq!(Policy::parse(bad), None, "{bad:?}");
    }
    for p in [Policy::Stacked, Policy::All, Policy::List] {
        assert_eq!(Policy::parse(p.name().as_bytes()), Some(p));
    }
}

#[test]
fn policy_decisions() {
    assert!(Policy::Stacked.wants(true));
    assert!(!Policy::Stacked.wants(false));
    assert!(Policy::All.wants(false));
    assert!(!Policy::List.wants(true));
}

#[test]
fn verdict_cases() {
    let v = |rcs: &[i32]| {
        let mut v = Verdict::default();
        rcs.iter().for_each(|&rc| v.add(rc));
        v.result()
    };
    assert_eq!(v(&[]), -EOPNOTSUPP, "nothing reached: the kernel acts");
    assert_eq!(v(&[0]), 0);
    assert_eq!(v(&[0, 0]), 0);
    assert_eq!(v(&[0, -EOPNOTSUPP]), -EOPNOTSUPP, "part unhandled");
    assert_eq!(v(&[-EOPNOTSUPP]), -EOPNOTSUPP);
    assert_eq!(v(&[0, -ENXIO, -EIO]), -ENXIO, "first error wins");
    assert_eq!(v(&[-EOPNOTSUPP, -EIO]), -EIO);
}

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
