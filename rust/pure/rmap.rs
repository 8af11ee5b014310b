// SPDX-License-Identifier: GPL-2.0

//! The reverse map: which owners have which blocks, XFS-style.
//!
//! When a filesystem cannot say who owns a failed range (ext4, or XFS
//! without its rmap btree), daxhold asks this map the question XFS's
//! `xfs_rmap_query_range()` answers: every [`Record`] — start block, block
//! count, owner, file offset, flags, as XFS's `struct xfs_rmap_irec` — that
//! covers any block of `[lo, hi]`. Several records may cover the same
//! blocks (reflinked files share them), and metadata owners (`OWN_*`) are
//! told apart from file data ([`Kind`]).
//!
//! # Structure
//!
//! A B+tree over nodes the caller provides ([`Node`], 528 bytes: anything
//! that derefs to `[Node]`; the module will use `KVec`, the host `Vec`, the
//! shared test cases arrays). Leaves hold up to [`LEAF_MAX`] records, packed
//! to 32 bytes each (flags in the top bits of the offset, as XFS does on
//! disk), in key order `(start, owner, offset, fork)`. Inner nodes hold up to
//! [`INNER_MAX`] children, each with its *summary*: the smallest key below
//! it and the largest last block below it — XFS's overlapping btree keeps
//! the same pair as low and high keys. Nodes are addressed by index, so the
//! storage may be reallocated between calls ([`Rmap::grow`]).
//!
//! Why this structure: records are ordered by start, so a query's upper
//! bound cuts the tree at one path; what sorting by start cannot do is
//! skip records that start far to the left of `lo` and are long enough to
//! reach it (nested and shared records). The largest last block per child
//! does: a subtree is entered only if it starts at or before `hi` and
//! reaches `lo`. A B+tree (rather than a sorted array with the same
//! summaries) keeps single insertions and removals at `O(log n)` without
//! moving the whole array, while a bulk load still packs leaves full.
//!
//! # Costs
//!
//! * [`Rmap::query_range`]: a subtree is entered only if it starts at or
//!   before `hi` and reaches `lo`. Every such subtree that lies wholly at
//!   or before `hi` holds a record that overlaps (the one with the largest
//!   last block), so the nodes visited are the one path along `hi` plus
//!   the nodes that hold a hit or lie above one: `O(log n + k)` nodes when
//!   the `k` hits are close together in key order — the usual case: a
//!   failed range hits the few extents there and the records sharing them.
//!   A long record far to the left of `lo` (a large metadata extent, a
//!   long shared extent) costs its own path, so in the worst case, `k`
//!   hits scattered across the key order, `O(log n + k log n)`. Each node
//!   visited costs at most its capacity in comparisons.
//! * [`Rmap::insert`], [`Rmap::remove`]: one descent by key, at most one
//!   split (insert) or merge or share with a neighbour (remove) per level:
//!   `O(log n)`, each step moving at most a node's items. An insertion
//!   checks first that there are free nodes for all the splits it may
//!   need; removals never need a node.
//! * [`Rmap::load`]: validates, sorts the caller's records in place
//!   (`O(n log n)`, no other memory) and packs leaves full.
//!
//! # Memory
//!
//! 528 bytes per node. Loaded in bulk, leaves are full: 16 records per 528
//! bytes, plus the inner nodes (one per 12 children): about 36 bytes per
//! record ([`Rmap::nodes_to_load`]). Insertions split full leaves into half
//! ones, so after many of them leaves are between half and completely full:
//! random insertions settle near 80% (about 45 bytes per record), because a
//! full leaf first shares its records with a neighbour that has room
//! (splitting alone settles near 70%, about 53 bytes).
//! [`Rmap::nodes_to_hold`] gives the nodes that are always enough for a
//! number of records (every node but the root is at least half full).
//! [`Rmap::bytes_used`] gives the actual figure.

mod error;
mod insert;
mod load;
mod node;
mod query;
mod record;
mod remove;
mod tree;

pub use error::RmapError;
pub use node::{Node, INNER_MAX, LEAF_MAX, NODE_BYTES};
pub use record::{
    is_metadata_owner, Kind, Record, ATTR_FORK, BMBT_BLOCK, KNOWN_FLAGS, MAX_OFFSET, OWN_AG,
    OWN_COW, OWN_FS, OWN_INOBT, OWN_INODES, OWN_LOG, OWN_MIN, OWN_NULL, OWN_REFC, OWN_UNKNOWN,
    UNWRITTEN,
};
pub use tree::Rmap;

/// The deepest tree: enough for any number of nodes an index of 32 bits
/// can address with the smallest fanout (every node but the root holds at
/// least two items), so the walks keep their path in a fixed array.
pub const MAX_HEIGHT: usize = 34;
