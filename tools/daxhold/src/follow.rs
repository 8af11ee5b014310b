// SPDX-License-Identifier: GPL-2.0

//! `daxhold events --follow`: read /proc/fs/daxhold/events each time the
//! module says a newer failure reached it (crate::waker), or at the
//! latest every interval, and print the failures whose sequence numbers
//! are beyond the last one printed, until SIGINT or SIGTERM (exit 0) or
//! until the file goes away (the module was unloaded: an error, exit 1).
//!
//! A failure is printed once it is complete: it has its `result` record,
//! or a later failure has one (records of concurrent failures may
//! interleave; a failure whose result was lost must not hold back the
//! rest). Failures still being handled when the tool is stopped are
//! printed then, without a result line, as `daxhold events` shows them.

use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::events::{self, Failure};
use crate::kfiles::Root;
use crate::waker::Waker;

/// What `--follow` was asked for.
#[derive(Clone, Debug)]
pub struct Options {
    /// One compact JSON object per line instead of text.
    pub json: bool,
    /// Of the failures already there at the start, only the last N.
    pub last: Option<usize>,
    /// The longest time between two reads of the file.
    pub interval: Duration,
}

/// Where the stream is: the last sequence number printed.
#[derive(Debug, Default)]
struct State {
    last: Option<u64>,
    /// The first read has been printed.
    started: bool,
    /// `--last`, for the first read.
    first_last: Option<usize>,
}

impl State {
    /// The failures of `all` to print now, and where that leaves it.
    fn take(&mut self, all: Vec<Failure>, flush: bool) -> Vec<Failure> {
        if let (Some(last), Some(newest)) = (self.last, all.last().map(|f| f.seq)) {
            if newest < last {
                eprintln!(
                    "daxhold: failure sequence numbers restarted at {newest} (the module was reloaded)"
                );
                self.last = None;
            }
        }
        let newer: Vec<Failure> = all
            .into_iter()
            .filter(|f| self.last.is_none_or(|l| f.seq > l))
            .collect();
        let done = newer
            .iter()
            .rposition(|f| !f.result.is_none())
            .map_or(0, |i| i.saturating_add(1));
        let mut ready: Vec<Failure> = if flush {
            newer
        } else {
            newer.into_iter().take(done).collect()
        };
        // Those --last leaves out at the start count as printed.
        if let Some(f) = ready.iter().map(|f| f.seq).max() {
            self.last = Some(self.last.map_or(f, |l| l.max(f)));
        }
        if !self.started {
            self.started = true;
            ready = events::tail(ready, self.first_last);
        }
        ready
    }
}

/// Follow the events file below `root`, writing to `out`, until a signal
/// (Ok) or an error.
pub fn run(root: &Root, opts: &Options, out: &mut dyn Write) -> Result<()> {
    let stop = Arc::new(AtomicBool::new(false));
    for sig in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        signal_hook::flag::register(sig, Arc::clone(&stop))
            .map_err(|e| Error::Io("signal handler".into(), e))?;
    }
    let mut waker = Waker::new(root)?;
    let mut st = State {
        first_last: opts.last,
        ..State::default()
    };
    loop {
        // Read once more after a signal, to print what is pending.
        let stopping = stop.load(Ordering::SeqCst);
        let all = root
            .interface("events")
            .and_then(|r| events::from_records(&r))
            .map_err(|e| gone(e, st.started))?;
        let ready = st.take(all, stopping);
        if !emit(out, &ready, opts.json)? || stopping {
            return Ok(());
        }
        if !stop.load(Ordering::SeqCst) {
            waker.wait(opts.interval);
        }
    }
}

/// A missing file after the first read means the module went away.
fn gone(e: Error, started: bool) -> Error {
    match e {
        Error::NotLoaded | Error::Older(_) if started => {
            Error::Gone(format!("{}/events", crate::kfiles::PROC_DIR))
        }
        e => e,
    }
}

/// Print `v` and flush; false when the reader has gone (EPIPE).
fn emit(out: &mut dyn Write, v: &[Failure], json: bool) -> Result<bool> {
    if v.is_empty() {
        return Ok(true);
    }
    let mut text = String::new();
    for f in v {
        if json {
            let line = serde_json::to_string(f)
                .map_err(|e| Error::Io("JSON".into(), io::Error::other(e)))?;
            text.push_str(&line);
            text.push('\n');
        } else {
            text.push_str(&events::render(std::slice::from_ref(f)));
        }
    }
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(false),
        Err(e) => Err(Error::Io("standard output".into(), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;

    fn failures(t: &str) -> Vec<Failure> {
        let recs = parse("/proc/fs/daxhold/events", "events", t).unwrap();
        events::from_records(&recs).unwrap()
    }

    fn seqs(v: &[Failure]) -> Vec<u64> {
        v.iter().map(|f| f.seq).collect()
    }

    const H: &str = "# daxhold events v1\n";

    #[test]
    fn only_new_and_complete() {
        let mut st = State::default();
        let t1 = format!("{H}1 pmem0 result errno=0\n2 pmem0 failure offset=0 len=1 mf_flags=0\n");
        assert_eq!(seqs(&st.take(failures(&t1), false)), [1]);
        assert_eq!(seqs(&st.take(failures(&t1), false)), [] as [u64; 0]);
        let t2 = format!("{t1}2 pmem0 result errno=0\n3 pmem0 failure offset=0 len=1 mf_flags=0\n");
        assert_eq!(seqs(&st.take(failures(&t2), false)), [2]);
        // 3 has no result, but 4 has: 3 is printed as it is.
        let t3 = format!("{t2}4 pmem0 result errno=0\n");
        assert_eq!(seqs(&st.take(failures(&t3), false)), [3, 4]);
        let t4 = format!("{t3}5 pmem0 failure offset=0 len=1 mf_flags=0\n");
        assert_eq!(seqs(&st.take(failures(&t4), false)), [] as [u64; 0]);
        // Stopping prints what is pending.
        assert_eq!(seqs(&st.take(failures(&t4), true)), [5]);
        // A reload restarts the numbers.
        let t5 = format!("{H}1 pmem0 result errno=0\n");
        assert_eq!(seqs(&st.take(failures(&t5), false)), [1]);
    }

    #[test]
    fn last_applies_to_the_first_read() {
        let mut st = State {
            first_last: Some(1),
            ..State::default()
        };
        let t = format!("{H}1 pmem0 result errno=0\n2 pmem0 result errno=0\n");
        assert_eq!(seqs(&st.take(failures(&t), false)), [2]);
        let t2 = format!("{t}3 pmem0 result errno=0\n4 pmem0 result errno=0\n");
        assert_eq!(seqs(&st.take(failures(&t2), false)), [3, 4]);
    }
}
