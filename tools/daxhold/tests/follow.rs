// SPDX-License-Identifier: GPL-2.0

//! `daxhold events --follow` against a fixture events file that the test
//! appends to: only new, complete failures are printed, each once; SIGINT
//! and SIGTERM end it with exit 0; the file going away ends it with an
//! error.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::Duration;

use common::{Fixture, EVENTS, STACK};

/// How long a line may take to appear (the tool reads every 20 ms).
const WAIT: Duration = Duration::from_secs(10);

/// The running tool and its standard output, line by line.
struct Follow {
    child: Child,
    lines: Receiver<String>,
}

impl Follow {
    fn start(f: &Fixture, extra: &[&str]) -> Follow {
        Follow::every(f, "20", extra)
    }

    /// With `--interval ms`.
    fn every(f: &Fixture, ms: &str, extra: &[&str]) -> Follow {
        let mut child = Command::new(env!("CARGO_BIN_EXE_daxhold"))
            .arg("--root")
            .arg(f.path())
            .args(["events", "--follow", "--interval", ms])
            .args(extra)
            .env_remove("DAXHOLD_ROOT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for l in BufReader::new(out).lines() {
                let Ok(l) = l else { break };
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Follow { child, lines }
    }

    /// The next line, within WAIT.
    fn line(&self) -> String {
        self.lines
            .recv_timeout(WAIT)
            .unwrap_or_else(|e| panic!("no line from daxhold events --follow: {e}"))
    }

    /// Lines until one starts with `prefix` (that one included).
    fn until(&self, prefix: &str) -> Vec<String> {
        let mut v = Vec::new();
        loop {
            let l = self.line();
            let done = l.starts_with(prefix);
            v.push(l);
            if done {
                return v;
            }
        }
    }

    /// Send `sig` (TERM, INT), and the exit code, stdout's rest, stderr.
    fn stop(self, sig: &str) -> (Option<i32>, Vec<String>, String) {
        let st = Command::new("kill")
            .args([&format!("-{sig}"), &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        self.finish()
    }

    fn finish(mut self) -> (Option<i32>, Vec<String>, String) {
        let status = self.child.wait().unwrap();
        let rest: Vec<String> = self.lines.iter().collect();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            std::io::Read::read_to_string(&mut e, &mut err).unwrap();
        }
        (status.code(), rest, err)
    }
}

/// Append `text` to the events file, atomically (a new file renamed
/// over it), so the tool never reads half a line: the kernel's file
/// gives whole records.
fn append(f: &Fixture, text: &str) {
    let p = f.path().join("proc/fs/daxhold/events");
    let old = fs::read_to_string(&p).unwrap();
    replace(f, &format!("{old}{text}"));
}

/// Replace the events file with `text`, atomically.
fn replace(f: &Fixture, text: &str) {
    let p = f.path().join("proc/fs/daxhold/events");
    let tmp = p.with_extension("tmp");
    fs::write(&tmp, text).unwrap();
    fs::rename(&tmp, &p).unwrap();
}

#[test]
fn text_new_failures_then_sigterm() {
    let f = Fixture::module("follow-text", STACK, EVENTS, "");
    let fo = Follow::start(&f, &[]);
    let first = fo.until("  result ");
    assert!(
        first[0].starts_with("failure 6 on pmem0: sector 2048 sectors 8 "),
        "{first:?}"
    );
    let second = fo.until("  result ");
    assert!(second[0].starts_with("failure 7 on pmem0: "), "{second:?}");
    // A failure being handled is not printed until its result is there.
    append(
        &f,
        "8 pmem0 failure offset=0x200000 len=0x1000 mf_flags=0x22\n",
    );
    thread::sleep(Duration::from_millis(200));
    append(
        &f,
        "8 pmem0 top dev=dm-0 devt=254:0 sector=8 sectors=8 depth=2 result=handled errno=0\n8 pmem0 result errno=0\n",
    );
    let third = fo.until("  result ");
    assert_eq!(
        third,
        [
            "failure 8 on pmem0: sector 4096 sectors 8 (bytes 0x200000 len 0x1000) mf_flags 0x22 (MF_ACTION_REQUIRED|MF_SW_SIMULATED)",
            "  top      dm-0 (254:0) sector 8 sectors 8 (bytes 0x1000 len 0x1000) depth 2: handled (errno 0)",
            "  result   ok (errno 0)",
        ]
    );
    let (code, rest, err) = fo.stop("TERM");
    assert_eq!(code, Some(0), "SIGTERM: exit 0; stderr {err}");
    assert!(rest.is_empty(), "nothing printed twice: {rest:?}");
    assert_eq!(err, "");
}

#[test]
fn json_lines_last_and_sigint() {
    let f = Fixture::module("follow-json", STACK, EVENTS, "");
    let fo = Follow::start(&f, &["--json", "--last", "1"]);
    let v: serde_json::Value = serde_json::from_str(&fo.line()).unwrap();
    assert_eq!(v["seq"], 7);
    append(
        &f,
        "9 pmem0 failure offset=0x0 len=0x1000 mf_flags=0x22\n9 pmem0 result errno=-95\n",
    );
    let v: serde_json::Value = serde_json::from_str(&fo.line()).unwrap();
    assert_eq!(
        (v["seq"].clone(), v["error"].clone()),
        (9.into(), "EOPNOTSUPP".into())
    );
    // Pending at SIGINT: printed as it is, then exit 0.
    append(&f, "10 pmem0 failure offset=0x0 len=0x1000 mf_flags=0x22\n");
    thread::sleep(Duration::from_millis(200));
    let (code, rest, err) = fo.stop("INT");
    assert_eq!(code, Some(0), "SIGINT: exit 0; stderr {err}");
    assert_eq!(rest.len(), 1, "{rest:?}");
    let v: serde_json::Value = serde_json::from_str(&rest[0]).unwrap();
    assert_eq!(v["seq"], 10);
    assert!(v.get("errno").is_none());
}

#[test]
fn reload_and_unload() {
    let f = Fixture::module("follow-gone", STACK, EVENTS, "");
    let fo = Follow::start(&f, &["--last", "1"]);
    assert!(fo.until("  result ")[0].starts_with("failure 7 "));
    // A reloaded module counts from 1 again.
    replace(
        &f,
        "# daxhold events v1\n1 pmem1 failure offset=0x0 len=0x1000 mf_flags=0x22\n1 pmem1 result errno=0\n",
    );
    let l = fo.until("  result ");
    assert!(l[0].starts_with("failure 1 on pmem1: "), "{l:?}");
    fs::remove_dir_all(f.path().join("proc/fs/daxhold")).unwrap();
    fs::remove_dir_all(f.path().join("sys/kernel/daxhold")).unwrap();
    let (code, rest, err) = fo.finish();
    assert_eq!(code, Some(1));
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(
        err,
        "daxhold: failure sequence numbers restarted at 1 (the module was reloaded)\n\
         daxhold: /proc/fs/daxhold/events is gone: the daxhold module was unloaded while following it\n"
    );
}

#[test]
fn a_signal_ends_a_long_wait() {
    // An hour between reads: only the signal can end the wait in time.
    let f = Fixture::module("follow-long", STACK, EVENTS, "");
    for sig in ["TERM", "INT"] {
        let fo = Follow::every(&f, "3600000", &["--last", "1"]);
        assert!(fo.until("  result ")[0].starts_with("failure 7 "));
        let t = std::time::Instant::now();
        let (code, rest, err) = fo.stop(sig);
        assert_eq!(code, Some(0), "SIG{sig}: exit 0; stderr {err}");
        assert!(rest.is_empty(), "{rest:?}");
        assert!(t.elapsed() < WAIT, "SIG{sig} took {:?}", t.elapsed());
    }
}

#[test]
fn arguments() {
    let f = Fixture::module("follow-args", STACK, EVENTS, "");
    for bad in [
        &["events", "--interval", "10"][..],
        &["events", "--follow", "--interval", "0"],
        &["events", "--follow", "--interval", "x"],
        &["status", "--follow"],
    ] {
        let o = f.run(bad);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
    }
    // Not loaded at the start: the usual error, at once.
    let none = Fixture::new("follow-none");
    let o = none.run(&["events", "--follow"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "daxhold: module not loaded (no /proc/fs/daxhold): insmod daxhold.ko\n"
    );
}
