// SPDX-License-Identifier: GPL-2.0

//! Tree nodes: the unit of the caller's storage.

use super::record::{Key, Packed};

/// Records in a leaf at most: 16 of 32 bytes, a 512-byte leaf.
pub const LEAF_MAX: usize = 16;
/// Children of an inner node at most: 12 of 40 bytes.
pub const INNER_MAX: usize = 12;

/// No node: the end of the free list, the root of an empty map.
pub(super) const NIL: u32 = u32::MAX;

/// A child of an inner node and its summary: the smallest key below it
/// and the largest last block below it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(super) struct Entry {
    pub(super) key: Key,
    pub(super) max: u64,
    pub(super) child: u32,
}

impl Entry {
    const ZERO: Entry = Entry {
        key: Key::MIN,
        max: 0,
        child: NIL,
    };
}

/// Up to `N` items of a node, the first `len` in use, in key order.
#[derive(Clone, Copy)]
pub(super) struct Items<T, const N: usize> {
    len: u8,
    items: [T; N],
}

pub(super) type Leaf = Items<Packed, LEAF_MAX>;
pub(super) type Inner = Items<Entry, INNER_MAX>;

const _: () = assert!(LEAF_MAX < 256 && INNER_MAX < 256);

/// `s.rotate_left(k)` (`k <= s.len()`, else `s` is left alone) without
/// core's panic paths: `<[T]>::rotate_left` asserts `k <= len` and its
/// `ptr_rotate` has overflow-checked arithmetic, each a BUG() in the
/// kernel (see Documentation/design.rst, "No panics").  Nodes hold at most
/// [`LEAF_MAX`] items: three reversals cost nothing.
fn rotate_left<T>(s: &mut [T], k: usize) {
    let Some(head) = s.get_mut(..k) else {
        return;
    };
    head.reverse();
    if let Some(tail) = s.get_mut(k..) {
        tail.reverse();
    }
    s.reverse();
}

/// `s.rotate_right(k)` (`k <= s.len()`, else `s` is left alone), as
/// [`rotate_left`].
fn rotate_right<T>(s: &mut [T], k: usize) {
    if let Some(mid) = s.len().checked_sub(k) {
        rotate_left(s, mid);
    }
}

impl<T: Copy, const N: usize> Items<T, N> {
    /// Items in use.
    pub(super) fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// The items in use.
    pub(super) fn as_slice(&self) -> &[T] {
        self.items.get(..self.len()).unwrap_or(&[])
    }

    /// The item at `i`, if in use.
    pub(super) fn get(&self, i: usize) -> Option<&T> {
        self.as_slice().get(i)
    }

    /// The item at `i`, if in use.
    pub(super) fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        let len = self.len();
        self.items.get_mut(..len).and_then(|s| s.get_mut(i))
    }

    fn set_len(&mut self, len: usize) -> bool {
        match u8::try_from(len) {
            Ok(l) if len <= N => {
                self.len = l;
                true
            }
            _ => false,
        }
    }

    /// Puts `v` at `pos`, shifting the rest up; false if full or `pos` is
    /// past the end.
    pub(super) fn insert(&mut self, pos: usize, v: T) -> bool {
        let len = self.len();
        if pos > len || len >= N {
            return false;
        }
        match self.items.get_mut(pos..=len) {
            Some(tail) => {
                rotate_right(tail, 1);
                if let Some(slot) = tail.first_mut() {
                    *slot = v;
                }
                // len < N < 256: no overflow.
                self.set_len(len.saturating_add(1))
            }
            None => false,
        }
    }

    /// Appends `v`; false if full.
    pub(super) fn push(&mut self, v: T) -> bool {
        self.insert(self.len(), v)
    }

    /// Takes the item at `pos` out, shifting the rest down.
    pub(super) fn remove(&mut self, pos: usize) -> Option<T> {
        let len = self.len();
        let tail = self.items.get_mut(pos..len)?;
        let v = *tail.first()?;
        rotate_left(tail, 1);
        // tail = items[pos..len] is not empty: len >= 1.
        self.set_len(len.saturating_sub(1));
        Some(v)
    }

    /// Moves the items from `at` on to the end of `dst`.
    pub(super) fn move_tail(&mut self, at: usize, dst: &mut Self) -> bool {
        let (len, dlen) = (self.len(), dst.len());
        let Some(moved) = len.checked_sub(at) else {
            return false;
        };
        let (Some(src), Some(to)) = (
            self.items.get(at..len),
            dst.items.get_mut(dlen..dlen.saturating_add(moved)),
        ) else {
            return false;
        };
        for (d, s) in to.iter_mut().zip(src) {
            *d = *s;
        }
        // `to` has `moved` items from dlen: dlen + moved <= N.
        self.set_len(at) && dst.set_len(dlen.saturating_add(moved))
    }

    /// Moves the first `k` items to the end of `dst`.
    pub(super) fn move_head(&mut self, k: usize, dst: &mut Self) -> bool {
        let (len, dlen) = (self.len(), dst.len());
        if k > len {
            return false;
        }
        let (Some(src), Some(to)) = (
            self.items.get_mut(..len),
            dst.items.get_mut(dlen..dlen.saturating_add(k)),
        ) else {
            return false;
        };
        for (d, s) in to.iter_mut().zip(src.iter()) {
            *d = *s;
        }
        rotate_left(src, k);
        // k <= len (checked above), `to` has k items from dlen.
        self.set_len(len.saturating_sub(k)) && dst.set_len(dlen.saturating_add(k))
    }

    /// Moves the last `k` items of `self` to the front of `dst`.
    pub(super) fn move_last_to_front(&mut self, k: usize, dst: &mut Self) -> bool {
        let (len, dlen) = (self.len(), dst.len());
        let (Some(at), Some(total)) = (len.checked_sub(k), dlen.checked_add(k)) else {
            return false;
        };
        let (Some(src), Some(to)) = (self.items.get(at..len), dst.items.get_mut(..total)) else {
            return false;
        };
        rotate_right(to, k);
        for (d, s) in to.iter_mut().zip(src) {
            *d = *s;
        }
        self.set_len(at) && dst.set_len(total)
    }

    /// Shares the items of two neighbours evenly (the left one gets the
    /// extra one).
    pub(super) fn balance(left: &mut Self, right: &mut Self) -> bool {
        // Both lengths are below 256: nothing saturates; each difference
        // is taken in the order its match arm proves.
        let total = left.len().saturating_add(right.len());
        let want = total.saturating_sub(total / 2);
        match left.len().cmp(&want) {
            core::cmp::Ordering::Less => right.move_head(want.saturating_sub(left.len()), left),
            core::cmp::Ordering::Greater => {
                left.move_last_to_front(left.len().saturating_sub(want), right)
            }
            core::cmp::Ordering::Equal => true,
        }
    }
}

impl Leaf {
    /// A leaf with no records.
    pub(super) const EMPTY: Leaf = Items {
        len: 0,
        items: [Packed::ZERO; LEAF_MAX],
    };
}

impl Inner {
    /// An inner node with no children.
    pub(super) const EMPTY: Inner = Items {
        len: 0,
        items: [Entry::ZERO; INNER_MAX],
    };
}

/// What a node holds.
#[derive(Clone, Copy)]
pub(super) enum Body {
    /// Unused; the next free node (or [`NIL`]).
    Free(u32),
    /// Records.
    Leaf(Leaf),
    /// Children.
    Inner(Inner),
}

/// One node of the tree: a leaf of up to [`LEAF_MAX`] records or an inner
/// node of up to [`INNER_MAX`] children (528 bytes on 64-bit machines).
///
/// The caller provides the nodes (anything that derefs to `[Node]`: a
/// `KVec` in the module, a `Vec` on the host, an array in tests), filled
/// with [`Node::EMPTY`]; the map addresses them by index, so storage may
/// move (be reallocated) between calls.
#[derive(Clone, Copy)]
pub struct Node(pub(super) Body);

impl Node {
    /// An unused node, to fill storage with.
    pub const EMPTY: Node = Node(Body::Free(NIL));
}

impl Default for Node {
    fn default() -> Self {
        Node::EMPTY
    }
}

/// Bytes of one [`Node`].
pub const NODE_BYTES: usize = core::mem::size_of::<Node>();
