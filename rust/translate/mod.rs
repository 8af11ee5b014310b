// SPDX-License-Identifier: GPL-2.0

//! The one translation up the stack that every user of it takes: a
//! failure's dispatch, the `translate` dry run and the badblocks scan. It
//! takes the snapshot's route when one covers the range (unless the caller
//! wants the chain of devices to each top, which routes do not keep), else
//! the walk, and hands out what its users act on: the tops, the unmapped
//! pieces and the whole devices, each with its entry in the snapshot.

use core::ops::ControlFlow;

use crate::pure::notify::Extent;
use crate::pure::stack::{DevId, Hit, StackError, MAX_DEPTH_LIMIT};
use crate::topology::{DevEntry, Snapshot};

/// What a piece of the failed range reached.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A top of the stack: nothing stacked on it maps these bytes further;
    /// whatever uses the device directly (a filesystem) owns them.
    Top,
    /// Bytes of a device that something uses, but not these bytes (a
    /// partition table, a gap between targets, a device's tail).
    Unmapped,
    /// A whole device (the whole-device failure: a pmem going away).
    Whole,
}

/// One piece the failed range reached.
pub(crate) struct Reached<'a> {
    pub(crate) kind: Kind,
    pub(crate) device: DevId,
    /// Its entry in the snapshot.
    pub(crate) entry: Option<&'a DevEntry>,
    /// Levels above the failed disk.
    pub(crate) depth: u32,
    /// First byte on `device` (0 for [`Kind::Whole`]).
    pub(crate) offset: u64,
    /// Bytes (`u64::MAX` for [`Kind::Whole`]).
    pub(crate) len: u64,
    /// With [`Chain::Keep`], the devices from the failed disk up to
    /// `device` (`depth + 1` of them, for a [`Kind::Top`]); else empty.
    pub(crate) chain: &'a [DevId],
}

/// Whether the caller wants [`Reached::chain`].
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Chain {
    Skip,
    Keep,
}

/// A piece the walk hands out: what it reached, on which device, how
/// high, which bytes.
type Piece = (Kind, DevId, u32, u64, u64);

/// The piece `hit` reached, or `None` for a device on the way up.
fn piece(hit: Hit) -> Option<Piece> {
    match hit {
        Hit::Mapped { .. } => None,
        Hit::Top {
            device,
            depth,
            offset,
            len,
        } => Some((Kind::Top, device, depth, offset, len)),
        Hit::Unmapped {
            device,
            depth,
            offset,
            len,
        } => Some((Kind::Unmapped, device, depth, offset, len)),
        Hit::Whole { device, depth } => Some((Kind::Whole, device, depth, 0, u64::MAX)),
    }
}

impl<'a> Reached<'a> {
    fn new(p: Piece, entry: Option<&'a DevEntry>, chain: &'a [DevId]) -> Self {
        let (kind, device, depth, offset, len) = p;
        Reached {
            kind,
            device,
            entry,
            depth,
            offset,
            len,
            chain,
        }
    }
}

impl Snapshot {
    /// Translate `extent` of disk `dev` up the stack and hand each piece it
    /// reaches to `f` until it breaks. On an error, the pieces already
    /// given stand and the rest of the range was not translated.
    pub(crate) fn reach<F>(
        &self,
        dev: DevId,
        extent: Extent,
        chain: Chain,
        mut f: F,
    ) -> Result<ControlFlow<()>, StackError>
    where
        F: FnMut(&Reached<'_>) -> ControlFlow<()>,
    {
        if chain == Chain::Skip {
            // A route knows its top's entry: no lookup.
            if let Some((p, entry)) = self
                .route(dev, extent)
                .and_then(|(h, e)| Some((piece(h)?, e)))
            {
                return Ok(f(&Reached::new(p, entry, &[])));
            }
        }
        let mut path = [DevId(0); MAX_DEPTH_LIMIT as usize + 1];
        if let Some(p) = path.first_mut() {
            *p = dev;
        }
        self.stack().translate(dev, extent, |hit| {
            let Some(p) = piece(hit) else {
                if let Hit::Mapped { device, depth, .. } = hit {
                    if let Some(p) = path.get_mut(depth as usize) {
                        *p = device;
                    }
                }
                return ControlFlow::Continue(());
            };
            let (_, device, depth, _, _) = p;
            let chain = match chain {
                Chain::Skip => &[][..],
                Chain::Keep => {
                    if let Some(p) = path.get_mut(depth as usize) {
                        *p = device;
                    }
                    path.get(..=depth as usize).unwrap_or(&[])
                }
            };
            f(&Reached::new(p, self.dev(device), chain))
        })
    }
}
