// SPDX-License-Identifier: GPL-2.0

//! Panic-free stand-ins for a few core helpers.
//!
//! Core's generic code is instantiated in daxhold.ko and, with the test
//! kernel's `CONFIG_RUST_OVERFLOW_CHECKS=y`, brings its overflow-checked
//! arithmetic and assertions along: each is a branch to
//! `core::panicking`, a `BUG()` in the kernel (see
//! Documentation/design.rst, "No panics"). `tools/panic-check.sh` fails
//! the build on them; these replace the helpers that had them:
//!
//! - [`sort_by_key`] for `<[T]>::sort_unstable_by_key` (index arithmetic,
//!   the `Ord`-violation panic): a heapsort written with checked
//!   arithmetic and `get`, `O(n log n)` comparisons, no allocation, no
//!   recursion, unstable like the sort it replaces;
//! - [`count`] for `Iterator::count` (a `+ 1` per item, checked);
//! - [`copy`] for `<[T]>::copy_from_slice` (panics on a length mismatch).

/// Sorts `v` by `key`, smallest first. Elements with equal keys end up in
/// an unspecified order (as with `sort_unstable_by_key`).
pub fn sort_by_key<T, K: Ord, F: FnMut(&T) -> K>(v: &mut [T], mut key: F) {
    let n = v.len();
    // Heapify: sift down every node that has a child, last first.
    let mut start = n / 2;
    while let Some(s) = start.checked_sub(1) {
        sift_down(v, s, n, &mut key);
        start = s;
    }
    // Move the largest to the end, one at a time.
    let mut end = n;
    while let Some(e) = end.checked_sub(1) {
        if e == 0 {
            break;
        }
        swap(v, 0, e);
        sift_down(v, 0, e, &mut key);
        end = e;
    }
}

/// Restores the max-heap below `root` in `v[..end]`.
fn sift_down<T, K: Ord, F: FnMut(&T) -> K>(v: &mut [T], mut root: usize, end: usize, key: &mut F) {
    loop {
        let Some(left) = root.checked_mul(2).and_then(|c| c.checked_add(1)) else {
            return;
        };
        if left >= end {
            return;
        }
        let mut child = left;
        if let Some(right) = left.checked_add(1).filter(|&r| r < end) {
            if let (Some(l), Some(r)) = (v.get(left), v.get(right)) {
                if key(l) < key(r) {
                    child = right;
                }
            }
        }
        match (v.get(root), v.get(child)) {
            (Some(p), Some(c)) if key(p) < key(c) => {}
            _ => return,
        }
        swap(v, root, child);
        root = child;
    }
}

/// Swaps `v[a]` and `v[b]` for `a < b < v.len()`; otherwise does nothing.
fn swap<T>(v: &mut [T], a: usize, b: usize) {
    if let Some((first, rest)) = v.get_mut(a..=b).and_then(|s| s.split_first_mut()) {
        if let Some(last) = rest.last_mut() {
            core::mem::swap(first, last);
        }
    }
}

/// How many items `it` yields (`Iterator::count`, saturating instead of
/// an overflow-checked `+ 1`: no iterator here yields `usize::MAX` items).
pub fn count<I: Iterator>(it: I) -> usize {
    it.fold(0usize, |n, _| n.saturating_add(1))
}

/// Copies `min(dst.len(), src.len())` items from the start of `src` to the
/// start of `dst`; returns how many. `copy_from_slice` without its
/// length-mismatch panic.
pub fn copy<T: Copy>(dst: &mut [T], src: &[T]) -> usize {
    let mut n = 0usize;
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
        n = n.wrapping_add(1);
    }
    n
}
