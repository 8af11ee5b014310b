// SPDX-License-Identifier: GPL-2.0

//! Tasks: the kernel's own [`Task`] (counted with `get_task_struct()` and
//! `put_task_struct()` through [`ARef`]), with what 6.12's `Task` lacks
//! for a task met in a C walk: a reference from its raw pointer, its name
//! and whether it is the running task.

use core::ptr::NonNull;

use kernel::task::Task;
use kernel::types::ARef;

use crate::ffi::bindings;

/// `TASK_COMM_LEN`.
pub(crate) const COMM_LEN: usize = 16;

/// A reference of our own to the task at `ptr`.
///
/// # Safety
///
/// `ptr` is a live task for the duration of the call (a walk of the task
/// list under RCU, say).
pub(crate) unsafe fn get(ptr: NonNull<bindings::task_struct>) -> ARef<Task> {
    // SAFETY: `Task` is a transparent `struct task_struct`, live for the
    // call (our contract); `ARef::from` takes a reference of its own.
    ARef::from(unsafe { &*ptr.as_ptr().cast::<Task>() })
}

/// What a kill needs of a task beyond [`Task`]'s own methods.
pub(crate) trait TaskExt {
    /// The `struct task_struct`, for C that takes one.
    fn as_ptr(&self) -> *mut bindings::task_struct;
    /// Its name (`comm`), NUL-padded, read under its `task_lock()`.
    fn comm(&self) -> [u8; COMM_LEN];
    /// Whether it is the running task.
    fn is_current(&self) -> bool;
}

impl TaskExt for Task {
    fn as_ptr(&self) -> *mut bindings::task_struct {
        core::ptr::from_ref(self).cast_mut().cast()
    }

    fn comm(&self) -> [u8; COMM_LEN] {
        let mut comm = [0u8; COMM_LEN];
        // SAFETY: `&Task` is a live task; `comm` has `COMM_LEN` bytes,
        // which `__get_task_comm()` fills and NUL-terminates.
        unsafe { bindings::__get_task_comm(comm.as_mut_ptr().cast(), COMM_LEN, self.as_ptr()) };
        comm
    }

    fn is_current(&self) -> bool {
        core::ptr::eq(self, &*kernel::current!())
    }
}
