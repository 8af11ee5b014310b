// SPDX-License-Identifier: GPL-2.0

//! A `seq_file` being shown, as a [`core::fmt::Write`] sink: what the
//! `/proc/fs/daxhold` files (`crate::observe::proc`) are written into.

use core::fmt;
use core::marker::PhantomData;
use core::ptr::NonNull;

use crate::ffi::bindings;

/// The output of one `seq_file` show call. Writes go to the seq_file's
/// buffer with `seq_write()`; when it is full, writing fails with
/// [`fmt::Error`] and the show should stop: `seq_file` then calls it again
/// with a buffer twice as large, so the reader still gets the whole file.
pub(crate) struct SeqOut<'a> {
    m: NonNull<bindings::seq_file>,
    /// Borrowed for the show call; not `Send` (the show runs on one task).
    _show: PhantomData<&'a mut bindings::seq_file>,
}

impl SeqOut<'_> {
    /// The output of the show call that gave `m`, or `None` for NULL.
    ///
    /// # Safety
    ///
    /// `m` is the `seq_file` of a show callback that is running now, and
    /// nothing else writes to it while the returned value lives (it must
    /// not outlive the callback).
    pub(crate) unsafe fn from_raw(m: *mut bindings::seq_file) -> Option<Self> {
        NonNull::new(m).map(|m| SeqOut {
            m,
            _show: PhantomData,
        })
    }
}

impl fmt::Write for SeqOut<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        // SAFETY: `self.m` is the seq_file of the running show call, ours
        // alone (see `from_raw`); `s` is `s.len()` readable bytes.
        let rc = unsafe { bindings::seq_write(self.m.as_ptr(), s.as_ptr().cast(), s.len()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(fmt::Error)
        }
    }
}
