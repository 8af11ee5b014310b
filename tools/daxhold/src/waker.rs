// SPDX-License-Identifier: GPL-2.0

//! What wakes `daxhold events --follow`: the module's
//! `/sys/kernel/daxhold/last_failure`, which it notifies (as sysfs files
//! are, `sysfs_notify()`) once a newer failure has reached the events
//! file, and when it unloads; SIGINT or SIGTERM, through a socket pair a
//! signal handler writes to; or, at the latest, the interval (a module
//! without that file is read on the interval only).
//!
//! sysfs wakes a poller with POLLPRI|POLLERR for a change made after its
//! last read of the file, so the file is read again after each wake-up;
//! a file that has gone (the module was reloaded) is opened again.

use std::fs::File;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{Error, Result};
use crate::kfiles::{Root, SYS_DIR};

/// The file the module notifies.
pub const LAST_FAILURE: &str = "last_failure";

/// The wake-up sources of one follower.
#[derive(Debug)]
pub struct Waker {
    /// `last_failure`'s path below the root.
    path: PathBuf,
    /// It, open and read since its last notification; `None` while the
    /// module has none.
    notify: Option<File>,
    /// The read end of the pair the signal handlers write to.
    signals: UnixStream,
}

impl Waker {
    /// Wake on `last_failure` below `root` and on SIGINT and SIGTERM.
    pub fn new(root: &Root) -> Result<Waker> {
        let (signals, write) =
            UnixStream::pair().map_err(|e| Error::Io("socket pair".into(), e))?;
        for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
            let w = write
                .try_clone()
                .map_err(|e| Error::Io("socket pair".into(), e))?;
            signal_hook::low_level::pipe::register(sig, w)
                .map_err(|e| Error::Io("signal handler".into(), e))?;
        }
        let path = root.path(&format!("{SYS_DIR}/{LAST_FAILURE}"));
        let notify = open_armed(&path);
        Ok(Waker {
            path,
            notify,
            signals,
        })
    }

    /// Whether the module's notification is what this waits for (else
    /// only the interval and signals).
    #[cfg(test)]
    fn notified(&self) -> bool {
        self.notify.is_some()
    }

    /// Wait for a notification, a signal or `interval`, whichever comes
    /// first.
    pub fn wait(&mut self, interval: Duration) {
        let none = -1;
        let mut fds = [
            libc::pollfd {
                fd: self.signals.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                // poll() skips a negative descriptor.
                fd: self.notify.as_ref().map_or(none, AsRawFd::as_raw_fd),
                events: libc::POLLPRI,
                revents: 0,
            },
        ];
        let ms = i32::try_from(interval.as_millis()).unwrap_or(i32::MAX);
        // SAFETY: `fds` is an array of two initialised pollfd, valid for
        // the call; an error (EINTR from a signal) just ends the wait.
        let _ = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
        let woken = fds.get(1).is_some_and(|p| p.revents != 0);
        if woken || self.notify.is_none() {
            self.rearm();
        }
    }

    /// Read the file again (sysfs then waits for the next change), or
    /// open it again if it went away.
    fn rearm(&mut self) {
        let ok = self.notify.as_ref().is_some_and(|f| read_at0(f).is_ok());
        if !ok {
            self.notify = open_armed(&self.path);
        }
    }
}

/// `path` opened and read once, or `None` if it cannot be.
fn open_armed(path: &Path) -> Option<File> {
    let f = File::open(path).ok()?;
    read_at0(&f).ok()?;
    Some(f)
}

/// Read the value (to its end) from offset 0.
fn read_at0(f: &File) -> std::io::Result<usize> {
    let mut buf = [0u8; 64];
    f.read_at(&mut buf, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn without_the_file_waits_for_the_interval() {
        let dir = std::env::temp_dir().join(format!("daxhold-waker-{}", std::process::id()));
        let mut w = Waker::new(&Root::new(Some(dir))).unwrap();
        assert!(!w.notified());
        let t = Instant::now();
        w.wait(Duration::from_millis(50));
        assert!(t.elapsed() >= Duration::from_millis(50));
    }

    #[test]
    fn a_regular_file_never_wakes_it_early() {
        let dir = std::env::temp_dir().join(format!("daxhold-waker2-{}", std::process::id()));
        let sys = dir.join(SYS_DIR.trim_start_matches('/'));
        std::fs::create_dir_all(&sys).unwrap();
        std::fs::write(sys.join(LAST_FAILURE), "3\n").unwrap();
        let mut w = Waker::new(&Root::new(Some(dir.clone()))).unwrap();
        assert!(w.notified());
        // A regular file has no POLLPRI: only the interval ends the wait.
        let t = Instant::now();
        w.wait(Duration::from_millis(50));
        assert!(t.elapsed() >= Duration::from_millis(50));
        assert!(w.notified());
        std::fs::remove_dir_all(dir).unwrap();
    }
}
