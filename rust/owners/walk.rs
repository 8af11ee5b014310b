// SPDX-License-Identifier: GPL-2.0

//! The owner walk: every filesystem on a device of the tops that may own
//! the failed pfns is asked for the in-core files whose DAX entries map
//! them, each owner handed to the failure's [`Kill`].

use core::sync::atomic::Ordering;

use kernel::error::Result;

use super::{Kill, OwnerStats, Tops};
use crate::owners::index::{self, Lookup};
use crate::pure::stack::DevId;

impl Tops<'_> {
    /// Calls `f` on each device whose filesystem may own the failed pages:
    /// those of the declined pieces and the whole devices, each once.
    fn for_each_dev(&self, mut f: impl FnMut(DevId)) {
        let mut rest = self.declined;
        while let Some((p, tail)) = rest.split_first() {
            if !tail.iter().any(|q| q.dev == p.dev) && !self.whole.contains(&p.dev) {
                f(p.dev);
            }
            rest = tail;
        }
        let mut rest = self.whole;
        while let Some((d, tail)) = rest.split_first() {
            if !tail.contains(d) {
                f(*d);
            }
            rest = tail;
        }
    }
}

/// What [`walk`] found besides the owners.
pub(super) struct Walked {
    /// A device with no ext4, ext2 or XFS on it.
    pub(super) foreign: bool,
    /// The first error of a walk (the rest were still walked).
    pub(super) failed: Result,
}

/// Collect the owners of pfns `[lo, hi]` on every filesystem that sits on
/// a device of `tops` into `kill`.
pub(super) fn walk(
    kill: &mut Kill<'_>,
    stats: &OwnerStats,
    tops: &Tops<'_>,
    lo: u64,
    hi: u64,
) -> Walked {
    let mut w = Walked {
        foreign: false,
        failed: Ok(()),
    };
    tops.for_each_dev(|dev| {
        let found = index::sb_on(dev.0, |sb| {
            let lookup = sb.dax_owners(lo, hi, |inode, o| kill.owner(inode, o))?;
            match lookup {
                Lookup::Direct => stats.direct.fetch_add(1, Ordering::Relaxed),
                Lookup::Walked(scanned) => {
                    stats.inodes.fetch_add(scanned, Ordering::Relaxed);
                    stats.walks.fetch_add(1, Ordering::Relaxed)
                }
            };
            Ok(())
        });
        match found {
            Ok(true) => {}
            Ok(false) => w.foreign = true,
            Err(e) => w.failed = w.failed.and(Err(e)),
        }
    });
    w
}
