// SPDX-License-Identifier: GPL-2.0

//! Property tests: `nopanic`'s helpers against std's.

use daxhold_pure::nopanic::{copy, count, sort_by_key};
use proptest::prelude::*;

proptest! {
    /// Same keys in the same order as std's sort, and the same multiset
    /// of elements (a permutation).
    #[test]
    fn sorts_like_std(v in proptest::collection::vec((0u8..8, any::<u32>()), 0..200)) {
        let mut ours = v.clone();
        sort_by_key(&mut ours, |e| e.0);
        let keys: Vec<u8> = ours.iter().map(|e| e.0).collect();
        let mut want: Vec<u8> = v.iter().map(|e| e.0).collect();
        want.sort();
        prop_assert_eq!(keys, want);
        let (mut a, mut b) = (ours.clone(), v.clone());
        a.sort();
        b.sort();
        prop_assert_eq!(a, b);
    }

    /// Full-order keys: exactly std's result.
    #[test]
    fn total_keys_exact(v in proptest::collection::vec(any::<(u64, u32)>(), 0..300)) {
        let mut ours = v.clone();
        sort_by_key(&mut ours, |e| *e);
        let mut want = v;
        want.sort_unstable();
        prop_assert_eq!(ours, want);
    }
}

proptest! {
    /// `count` is `Iterator::count`.
    #[test]
    fn count_like_std(v in proptest::collection::vec(any::<u8>(), 0..100), k in any::<u8>()) {
        prop_assert_eq!(count(v.iter().filter(|&&x| x < k)), v.iter().filter(|&&x| x < k).count());
    }

    /// `copy` copies the common prefix and leaves the rest of `dst` alone.
    #[test]
    fn copy_prefix(dst in proptest::collection::vec(any::<u8>(), 0..40),
                   src in proptest::collection::vec(any::<u8>(), 0..40)) {
        let mut d = dst.clone();
        let n = copy(&mut d, &src);
        let m = dst.len().min(src.len());
        prop_assert_eq!(n, m);
        prop_assert_eq!(&d[..m], &src[..m]);
        prop_assert_eq!(&d[m..], &dst[m..]);
    }
}

#[test]
fn edge_cases() {
    let mut empty: [u32; 0] = [];
    sort_by_key(&mut empty, |e| *e);
    let mut one = [7u32];
    sort_by_key(&mut one, |e| *e);
    assert_eq!(one, [7]);
    let mut rev: Vec<u32> = (0..1000).rev().collect();
    sort_by_key(&mut rev, |e| *e);
    assert_eq!(rev, (0..1000).collect::<Vec<_>>());
    let mut same = [3u32; 17];
    sort_by_key(&mut same, |e| *e);
    assert_eq!(same, [3; 17]);
}
