// SPDX-License-Identifier: GPL-2.0

//! Filesystem objects: `struct inode`, counted with `ihold()`/`iput()`
//! (an [`ARef<Inode>`](kernel::types::ARef) is one reference), and
//! `struct super_block`, lent by whoever pins it.

use core::ptr::NonNull;

use kernel::types::{ARef, AlwaysRefCounted, Opaque};

use crate::ffi::bindings;

/// A `struct inode`.
///
/// # Invariants
///
/// A `&Inode` exists only while someone holds a reference to the inode
/// (its `i_count` is not zero), so the inode, its mapping and its
/// superblock are live.
#[repr(transparent)]
pub(crate) struct Inode(Opaque<bindings::inode>);

// SAFETY: an inode reference may be taken and given back on any thread;
// the fields this type reads do not change while it is referenced.
unsafe impl Send for Inode {}
// SAFETY: as above: `&Inode` only reads fields fixed while it is live.
unsafe impl Sync for Inode {}

// SAFETY: `ihold()` takes a reference on an inode already referenced (the
// type invariant), `iput()` gives one back and frees the inode with the
// last; `iput()` may evict, so an `ARef<Inode>` is dropped only where the
// caller may sleep.
unsafe impl AlwaysRefCounted for Inode {
    fn inc_ref(&self) {
        // SAFETY: referenced (the type invariant), so `ihold()` may add one.
        unsafe { bindings::ihold(self.as_ptr()) };
    }

    unsafe fn dec_ref(obj: NonNull<Self>) {
        // SAFETY: the caller gives back one reference it owns.
        unsafe { bindings::iput(obj.cast().as_ptr()) };
    }
}

impl Inode {
    /// The inode at `ptr`, borrowed.
    ///
    /// # Safety
    ///
    /// `ptr` is an inode that stays referenced for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: NonNull<bindings::inode>) -> &'a Inode {
        // SAFETY: `Inode` is a transparent `struct inode`; referenced for
        // `'a` (our contract), which is the type invariant.
        unsafe { &*ptr.as_ptr().cast::<Inode>() }
    }

    /// Takes over a reference the caller owns (from `igrab()`, say).
    ///
    /// # Safety
    ///
    /// `ptr` is an inode the caller holds one reference to, which the
    /// result gives back when dropped.
    pub(crate) unsafe fn adopt(ptr: NonNull<bindings::inode>) -> ARef<Inode> {
        // SAFETY: the reference is the caller's (our contract) and is
        // given back once, by the `ARef`.
        unsafe { ARef::from_raw(ptr.cast()) }
    }

    /// The `struct inode`, for C that takes one; live while `self` is.
    pub(crate) fn as_ptr(&self) -> *mut bindings::inode {
        self.0.get()
    }

    /// `i_ino`.
    pub(crate) fn ino(&self) -> u64 {
        // SAFETY: live (the type invariant); `i_ino` is set before the
        // inode is published and does not change.
        let ino = unsafe { (*self.as_ptr()).i_ino };
        ino as u64
    }

    /// `i_sb->s_dev`: the dev_t of its filesystem's device.
    pub(crate) fn sb_dev(&self) -> u32 {
        // SAFETY: a referenced inode's superblock is live (not unmounted
        // while the inode has references).
        unsafe { (*(*self.as_ptr()).i_sb).s_dev }
    }

    /// `i_mapping`, live while `self` is.
    pub(crate) fn mapping(&self) -> *mut bindings::address_space {
        // SAFETY: live (the type invariant); `i_mapping` is set at creation.
        unsafe { (*self.as_ptr()).i_mapping }
    }
}

/// A `struct super_block`.
///
/// # Invariants
///
/// A `&SuperBlock` exists only while whoever lent it keeps the superblock
/// active (holds `s_umount`, say), so it is live and mounted.
#[repr(transparent)]
pub(crate) struct SuperBlock(Opaque<bindings::super_block>);

impl SuperBlock {
    /// The superblock at `ptr`, borrowed.
    ///
    /// # Safety
    ///
    /// `ptr` is a superblock the caller keeps active for `'a`.
    pub(crate) unsafe fn from_raw<'a>(ptr: NonNull<bindings::super_block>) -> &'a SuperBlock {
        // SAFETY: `SuperBlock` is a transparent `struct super_block`,
        // active for `'a` (our contract): the type invariant.
        unsafe { &*ptr.as_ptr().cast::<SuperBlock>() }
    }

    /// The `struct super_block`, for C that takes one.
    pub(crate) fn as_ptr(&self) -> *mut bindings::super_block {
        self.0.get()
    }

    /// `s_blocksize` in bytes.
    pub(crate) fn block_size(&self) -> u64 {
        // SAFETY: active (the type invariant), so its block size is set.
        let size = unsafe { (*self.as_ptr()).s_blocksize };
        size as u64
    }
}
