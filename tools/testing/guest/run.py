#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run the daxhold guest scenarios (or its KUnit suites) under QEMU.

    run.py --kdir KDIR [--module daxhold.ko ...] [--scenario NAME ...]
    run.py --kdir KDIR --module daxhold.ko --kunit [--kunit-suites a,b]
    run.py --kdir KDIR --module daxhold.ko --bench [--scenario NAME ...]
    run.py ... --flavour nfit=NFIT_KDIR[,build/nfit/daxhold.ko]

Each scenario (tools/testing/guest/scenarios/NAME.sh) gets its own guest
boot.  One TAP-ish line is printed per scenario, then "N passed, N failed";
the exit status is 1 if anything failed.  Full serial logs go to the
results directory (default: build/test-results/ in the repository).
A scenario whose header asks for another kernel flavour (flavour=nfit)
boots the kernel and modules given for it with --flavour, and is skipped
if none were.
--bench runs the guest benchmarks (tools/bench/guest/NAME.sh) the same way
and also prints their "# bench: " result lines.
DAXTEST_QEMU_ARGS in the environment adds QEMU arguments to every boot
(tools/bench/run.sh: "-icount shift=0" for its instruction-count pass).
Documentation/guest-harness.rst describes headers and failure rules.
"""

import argparse
import errno
import fcntl
import json
import os
import re
import selectors
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parents[2]
sys.path.insert(0, str(HERE))
import mkinitramfs  # noqa: E402

SCENARIO_DIR = HERE / "scenarios"
SELFTEST_DIR = HERE / "selftests"
SETUP_DIR = HERE / "setup"
BENCH_DIR = TOP / "tools/bench/guest"
HEADER_RE = re.compile(r"^#\s*daxhold-test:\s*([A-Za-z_]+)\s*=\s*(.*?)\s*$")

# Kernel log lines that fail a run unless the scenario expects them: the
# reports of the debug kernel's checkers (tools/kconfig/debug.config) in
# the words they use; Documentation/guest-harness.rst lists them.
BAD_KERNEL = re.compile(
    r"BUG:|WARNING:|Oops|KASAN|general protection|Kernel panic|UBSAN"
    r"|ODEBUG|DEBUG_LOCKS_WARN_ON|list_(?:add|del) corruption"
    r"|suspicious RCU usage|hard LOCKUP|soft lockup"
    r"|blocked for more than|detected stalls"
    r"|Disabling lock debugging"
    r"|kmemleak: \d+ new suspected memory leak|unreferenced object")
# The soft- and hard-lockup detectors' threshold, at its maximum: a TCG
# guest runs a debug kernel 50 to 100 times slower than hardware, so a
# loop that takes 0.2 s there (the ACPI NFIT driver evaluating QEMU's _DSM
# methods, say) takes 20 s here, the default soft-lockup limit.  Now a CPU
# must be stuck for 120 s (soft) or 60 s (hard, buddy) to be reported.
TCG_WATCHDOG = "watchdog_thresh=60"
# Devices no test uses, whose set-up costs seconds of a debug boot under
# TCG (initcall_debug): the 256 legacy BSD PTYs (pty_init, 2.5 s; the
# Unix98 ones in /dev/pts stay) and the PS/2 mouse (probe of serio1, 0.8 s).
UNUSED_DEVICES = "pty.legacy_count=0 i8042.noaux"
# What counts as "the oops" of expect_oops=1; these lines are then allowed.
OOPS = re.compile(r"BUG:|Oops|general protection")
# A printk line: "[    1.234567] ..." (CONFIG_PRINTK_TIME=y).
KMSG_TS = re.compile(r"\[\s*\d+\.\d+\]")
TS_PREFIX = re.compile(r"^\[\s*\d+\.\d+\] ?")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]")

TAP_PLAN = re.compile(r"^1\.\.(\d+)\s*(?:#\s*(?i:skip)\S*\s*(.*))?$")
TAP_TEST = re.compile(r"^(not ok|ok)\b\s*(\d+)?\s*(?:-\s*)?(.*)$")


# ----------------------------------------------------------------------
# Scenario headers

@dataclass
class Header:
    nvdimms: int = 1
    size: str = "1G+128K"
    timeout: int = 180
    expect_oops: bool = False
    append: str = ""
    allow: list = field(default_factory=list)
    loglevel: int = 5
    mem: str = "2G"
    modules: list = field(default_factory=list)
    # The test kernel it boots (tools/kconfig/<flavour>.config); anything
    # but "default" comes from --flavour.
    flavour: str = "default"
    # Harness self-tests (selftests/*.sh) only: the verdict they must get.
    expect_result: str = "pass"
    expect_failure: list = field(default_factory=list)


def parse_size(text):
    """'1G+128K' -> bytes."""
    total = 0
    for term in text.replace(" ", "").split("+"):
        m = re.fullmatch(r"(\d+)([KMGT]?)", term, re.I)
        if not m:
            raise ValueError(f"bad size '{text}'")
        total += int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30,
                                      "T": 40}[m.group(2).upper()]
    return total


def parse_header(path):
    """Read the `# daxhold-test: key=value` lines of a scenario."""
    h = Header()
    for line in Path(path).read_text().splitlines():
        m = HEADER_RE.match(line)
        if not m:
            continue
        key, val = m.group(1), m.group(2)
        if key == "nvdimms":
            h.nvdimms = int(val)
            if not 0 <= h.nvdimms <= 8:
                raise ValueError("nvdimms must be 0..8")
        elif key == "size":
            parse_size(val)
            h.size = val
        elif key == "timeout":
            h.timeout = int(val)
        elif key == "expect_oops":
            if val not in ("0", "1"):
                raise ValueError("expect_oops must be 0 or 1")
            h.expect_oops = val == "1"
        elif key == "append":
            h.append = (h.append + " " + val).strip()
        elif key == "allow":
            h.allow.append(re.compile(val))
        elif key == "loglevel":
            h.loglevel = int(val)
        elif key == "mem":
            parse_size(val)
            h.mem = val
        elif key == "modules":
            h.modules += [m.strip() for m in val.split(",") if m.strip()]
        elif key == "flavour":
            if not re.fullmatch(r"[a-z0-9_]+", val):
                raise ValueError(f"bad flavour '{val}'")
            h.flavour = val
        elif key == "expect_result":
            if val not in ("pass", "fail", "skip"):
                raise ValueError("expect_result must be pass, fail or skip")
            h.expect_result = val
        elif key == "expect_failure":
            h.expect_failure.append(re.compile(val))
        else:
            raise ValueError(f"unknown header key '{key}'")
    return h


# ----------------------------------------------------------------------
# QEMU

class Monitor:
    """A client of QEMU's human monitor on a unix socket."""

    def __init__(self, path):
        self.path = path
        self.sock = None

    def _read_prompt(self, timeout=10):
        buf = b""
        deadline = time.monotonic() + timeout
        while not buf.endswith(b"(qemu) "):
            self.sock.settimeout(max(0.1, deadline - time.monotonic()))
            chunk = self.sock.recv(4096)
            if not chunk:
                raise OSError("monitor closed")
            buf += chunk
        return buf.decode(errors="replace")

    def command(self, cmd):
        if self.sock is None:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.connect(self.path)
            self._read_prompt()
        self.sock.sendall(cmd.encode() + b"\n")
        out = ANSI.sub("", self._read_prompt()).replace("\r", "")
        lines = out.split("\n")[1:]          # the first echoes the command
        if lines and lines[-1].endswith("(qemu) "):
            lines[-1] = lines[-1][:-len("(qemu) ")]
        return "\n".join(line for line in lines if line.strip())

    def close(self):
        if self.sock:
            self.sock.close()


class HostCommands:
    """Requests the guest sends as `@@HOST <cmd> <args>` (lib.sh host_cmd).

    Each returns (status, one-line text); the answer goes back to the guest
    as `@@ACK <status> <text>`.  Add a method `cmd_<name>` for a new one.
    """

    def __init__(self, monitor, log):
        self.monitor = monitor
        self.log = log

    def handle(self, line):
        words = line.split(None, 1)
        if not words:
            return 1, "empty request"
        fn = getattr(self, "cmd_" + words[0].replace("-", "_"), None)
        if fn is None:
            return 1, f"unknown host command '{words[0]}'"
        try:
            return fn(words[1] if len(words) > 1 else "")
        except Exception as e:  # report, do not kill the run
            return 1, f"{type(e).__name__}: {e}"

    def cmd_echo(self, args):
        return 0, args

    def cmd_monitor(self, args):
        out = self.monitor.command(args)
        return 0, out.replace("\n", " | ")

    def cmd_mce(self, args):
        """QEMU `mce [-b] cpu bank status mcgstatus addr misc`."""
        out = self.monitor.command("mce " + args)
        return (1 if out.strip() else 0), out.replace("\n", " | ")


@dataclass
class BootResult:
    lines: list             # the console (ttyS0)
    data: list              # the data port (ttyS2): TAP, markers, dmesg
    seconds: float
    timed_out: bool
    qemu_rc: int
    qemu_stderr: str


def qemu_command(kernel, initrd, cmdline, images, size, mem, mon, ctl,
                 data):
    total = parse_size(mem) + len(images) * size
    maxmem_g = max(8, -(-total // (1 << 30)) + 1)
    cmd = ["qemu-system-x86_64", "-accel", "tcg",
           "-cpu", "max,vendor=GenuineIntel", "-smp", "2",
           "-machine", "pc,nvdimm=on",
           "-m", f"{mem},slots={max(4, len(images))},maxmem={maxmem_g}G",
           "-nographic", "-no-reboot",
           "-kernel", str(kernel), "-initrd", str(initrd),
           "-append", cmdline,
           "-serial", "stdio",
           "-chardev", f"socket,id=ctl,path={ctl}",
           "-serial", "chardev:ctl",
           "-chardev", f"file,id=data,path={data}",
           "-serial", "chardev:data",
           "-monitor", f"unix:{mon},server,nowait"]
    cmd += shlex.split(os.environ.get("DAXTEST_QEMU_ARGS", ""))
    for i, img in enumerate(images):
        cmd += ["-object", f"memory-backend-file,id=nvm{i},share=on,"
                f"mem-path={img},size={size}",
                "-device", f"nvdimm,id=nvdimm{i},memdev=nvm{i},"
                "label-size=128K"]
    return cmd


def sparse_copy(src, dst):
    """Copy the file SRC to DST, holes kept as holes (SEEK_DATA)."""
    with open(src, "rb") as fi, open(dst, "wb") as fo:
        end = os.fstat(fi.fileno()).st_size
        fo.truncate(end)
        off = 0
        while off < end:
            try:
                off = os.lseek(fi.fileno(), off, os.SEEK_DATA)
            except OSError as e:
                if e.errno == errno.ENXIO:      # only a hole is left
                    break
                raise
            stop = os.lseek(fi.fileno(), off, os.SEEK_HOLE)
            fi.seek(off)
            fo.seek(off)
            while off < stop:
                chunk = fi.read(min(stop - off, 1 << 20))
                fo.write(chunk)
                off += len(chunk)


def boot(kernel, initrd, cmdline, hdr, results, name, verbose, keep_tmp,
         start=(), save=()):
    """Boot one guest; return its console lines and how it ended.  NVDIMM
    i starts as a copy of START[i] if there is one, else empty; SAVE[i]
    gets a copy of it as the guest left it."""
    tmp = Path(tempfile.mkdtemp(prefix="daxtest-"))
    size = parse_size(hdr.size)
    images = []
    for i in range(hdr.nvdimms):
        img = tmp / f"nvdimm{i}.img"
        if i < len(start):
            sparse_copy(start[i], img)
        else:
            with open(img, "wb") as f:
                f.truncate(size)
        images.append(img)
    mon_path, ctl_path = tmp / "mon.sock", tmp / "ctl.sock"
    data_path = results / f"{name}.out"
    data_path.unlink(missing_ok=True)
    ctl_listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    ctl_listener.bind(str(ctl_path))
    ctl_listener.listen(1)

    cmd = qemu_command(kernel, initrd, cmdline, images, size, hdr.mem,
                       mon_path, ctl_path, data_path)
    log_path = results / f"{name}.log"
    ctl_log_path = results / f"{name}.ctl.log"
    qemu_txt = results / f"{name}.qemu.txt"
    qemu_txt.write_text(shlex.join(cmd) + "\n")

    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    monitor = Monitor(str(mon_path))
    ctl_log = open(ctl_log_path, "w")
    hostcmds = HostCommands(monitor, ctl_log)
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ, "console")
    sel.register(proc.stderr, selectors.EVENT_READ, "stderr")
    sel.register(ctl_listener, selectors.EVENT_READ, "listen")

    lines, stderr = [], b""
    partial = {"console": b"", "ctl": b""}
    ctl_conn = None
    open_pipes = 2
    timed_out = False
    deadline = start + hdr.timeout

    with open(log_path, "wb") as log:
        def console_line(raw):
            text = raw.decode(errors="replace").rstrip("\r")
            lines.append(text)
            log.write(raw.rstrip(b"\r") + b"\n")
            log.flush()
            if verbose:
                print(f"  | {text}", flush=True)

        def ctl_line(raw):
            text = raw.decode(errors="replace").strip("\r")
            ctl_log.write(f"guest: {text}\n")
            if not text.startswith("@@HOST "):
                return
            status, answer = hostcmds.handle(text[len("@@HOST "):])
            answer = answer.replace("\n", " ")
            ctl_log.write(f"host:  @@ACK {status} {answer}\n")
            ctl_log.flush()
            if verbose:
                print(f"  > {text}\n  < @@ACK {status} {answer}",
                      flush=True)
            ctl_conn.sendall(f"@@ACK {status} {answer}\n".encode())

        while open_pipes:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            for key, _ in sel.select(timeout=min(left, 1.0)):
                what = key.data
                if what == "listen":
                    ctl_conn, _ = ctl_listener.accept()
                    sel.unregister(ctl_listener)
                    sel.register(ctl_conn, selectors.EVENT_READ, "ctl")
                    continue
                if what == "ctl":
                    data = ctl_conn.recv(4096)
                else:
                    data = os.read(key.fileobj.fileno(), 65536)
                if not data:
                    sel.unregister(key.fileobj)
                    if what != "ctl":
                        open_pipes -= 1
                    continue
                if what == "stderr":
                    stderr += data
                    continue
                buf = partial[what] + data
                *complete, partial[what] = buf.split(b"\n")
                for raw in complete:
                    (console_line if what == "console" else ctl_line)(raw)
        if partial["console"]:
            console_line(partial["console"])
        if timed_out:
            proc.kill()
            log.write(f"@@HARNESS: timeout after {hdr.timeout} s, "
                      "QEMU killed\n".encode())
    try:
        rc = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        rc = proc.wait()
    seconds = time.monotonic() - start
    monitor.close()
    ctl_log.close()
    if ctl_conn:
        ctl_conn.close()
    ctl_listener.close()
    sel.close()
    err = stderr.decode(errors="replace")
    with open(qemu_txt, "a") as f:
        f.write(f"exit status {rc}\n{err}")
    for img, dst in zip(images, save):
        sparse_copy(img, dst)
    if keep_tmp:
        print(f"# kept {tmp}", flush=True)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    data = []
    if data_path.exists():
        data = [ln.rstrip("\r") for ln in
                data_path.read_bytes().decode(errors="replace").split("\n")]
    return BootResult(lines, data, seconds, timed_out, rc, err)


# ----------------------------------------------------------------------
# Judging a boot

@dataclass
class Verdict:
    failures: list = field(default_factory=list)
    skip: str = None
    dmesg: list = field(default_factory=list)


def split_console(lines):
    """-> (scenario lines, dmesg dump lines, markers seen)."""
    scen, dmesg, marks = [], [], {}
    state = "boot"
    for line in lines:
        if line.startswith("@@DAXTEST-BEGIN"):
            state = "scenario"
            marks["begin"] = line
            continue
        if line.startswith("@@DAXTEST-EXIT"):
            marks["exit"] = line.split()[1] if len(line.split()) > 1 else "?"
            state = "after"
            continue
        if line.startswith("@@DMESG-BEGIN"):
            state = "dmesg"
            continue
        if line.startswith("@@DMESG-END"):
            marks["dmesg"] = True
            state = "after"
            continue
        if line.startswith("@@DAXTEST-END"):
            marks["end"] = True
            continue
        if line.startswith("@@TEARDOWN"):
            marks.setdefault("teardown", []).append(line[len("@@"):])
            continue
        if state == "scenario":
            scen.append(line)
        elif state == "dmesg":
            dmesg.append(line)
    return scen, dmesg, marks


def kernel_lines(lines, dmesg):
    """Kernel log lines: printk lines on the console, and the dmesg dump.
    TAP diagnostics ("# ...") that quote the log are not counted."""
    out = [ln for ln in lines
           if KMSG_TS.search(ln) and not ln.lstrip().startswith("#")]
    return out + dmesg


def judge_tap(scen, v):
    plan, tests, bail = None, [], None
    for line in scen:
        m = TAP_PLAN.match(line)
        if m:
            if plan is not None:
                v.failures.append(f"second TAP plan: {line}")
            plan = int(m.group(1))
            if plan == 0:
                v.skip = (m.group(2) or "no tests").strip()
            continue
        if line.startswith("Bail out!"):
            bail = line
            continue
        m = TAP_TEST.match(line)
        if m and (m.group(2) or m.group(1) == "not ok"):
            todo = re.search(r"#\s*TODO\b", m.group(3), re.I)
            tests.append((m.group(1), m.group(2), m.group(3)))
            if m.group(1) == "not ok" and not todo:
                v.failures.append(f"{line}")
    if bail:
        v.failures.append(bail)
    if plan is None:
        v.failures.append("no TAP plan")
    elif plan != len(tests):
        v.failures.append(f"plan says {plan} tests, {len(tests)} ran")
    numbers = [int(n) for _, n, _ in tests if n]
    if numbers != list(range(1, len(numbers) + 1)):
        v.failures.append(f"test numbers out of sequence: {numbers[:20]}")
    if plan != 0:
        v.skip = None


def judge_kernel(klines, hdr, v):
    seen, oops_seen = set(), False
    for line in klines:
        if not BAD_KERNEL.search(line):
            continue
        text = TS_PREFIX.sub("", line[KMSG_TS.search(line).start():]
                             if KMSG_TS.search(line) else line)
        if hdr.expect_oops and OOPS.search(line):
            oops_seen = True
            continue
        if any(a.search(line) for a in hdr.allow):
            continue
        if text not in seen:
            seen.add(text)
            v.failures.append(f"kernel: {text.strip()}")
    if hdr.expect_oops and not oops_seen:
        v.failures.append("expect_oops=1 but the kernel log shows no oops")


def guest_stream(res):
    """The data port's lines if the guest used it, else the console's."""
    if any(ln.startswith("@@DAXTEST-BEGIN") for ln in res.data):
        return res.data
    return res.lines


def judge(res, hdr):
    v = Verdict()
    if res.timed_out:
        v.failures.append(f"timeout after {hdr.timeout} s")
    scen, dmesg, marks = split_console(guest_stream(res))
    v.dmesg = dmesg
    if "begin" not in marks:
        v.failures.append("the guest never started the scenario "
                          "(boot failure?)")
    judge_tap(scen, v)
    if "exit" not in marks:
        v.failures.append("the scenario did not finish (crash, panic or "
                          "hang)")
    elif marks["exit"] != "0":
        v.failures.append(f"scenario script exited with status "
                          f"{marks['exit']}")
    if "exit" in marks and not marks.get("end"):
        v.failures.append("init did not reach its end")
    v.failures += marks.get("teardown", [])
    judge_kernel(kernel_lines(res.lines, dmesg), hdr, v)
    if res.qemu_rc != 0 and not res.timed_out:
        tail = res.qemu_stderr.strip().splitlines()[-3:]
        v.failures.append(f"QEMU exit status {res.qemu_rc}: "
                          + " / ".join(tail))
    if v.failures:
        v.skip = None
    return v


# ----------------------------------------------------------------------
# KUnit

def ktap_document(klines):
    """The KTAP of module-loaded suites, renumbered, under one header.

    A module's suites print "    KTAP version 1", "    # Subtest: NAME",
    their cases indented, then a top-level "ok N NAME"; there is no
    top-level header, and N counts every suite run since boot.
    """
    suites, cur = [], None
    for raw in klines:
        line = TS_PREFIX.sub("", raw)
        if line.rstrip() == "    KTAP version 1" and cur is None:
            cur = [line]
            continue
        if cur is None:
            continue
        m = re.match(r"^(ok|not ok) \d+ (.*)$", line)
        if m:
            cur.append(f"{m.group(1)} {{n}} {m.group(2)}")
            suites.append(cur)
            cur = None
        else:
            cur.append(line)
    if cur is not None:          # a suite that never finished (crash)
        suites.append(cur)
    out = ["KTAP version 1", f"1..{len(suites)}"]
    for i, s in enumerate(suites, 1):
        out += [ln.replace("{n}", str(i)) if "{n}" in ln else ln
                for ln in s]
    return out, len(suites)


def json_suites(node):
    """{suite name: [(case, status)]} from kunit.py's JSON; cases of nested
    groups (parameterised or grouped cases) are listed as group.case."""
    def leaves(g, prefix=""):
        out = [(prefix + c["name"], c["status"])
               for c in g.get("test_cases", [])]
        for sub in g.get("sub_groups", []):
            out += leaves(sub, f"{prefix}{sub['name']}.")
        return out
    return {g["name"]: leaves(g) for g in node.get("sub_groups", [])}


def run_kunit(args, kernel, initrd, results):
    names = [Path(m).name[:-3] for m in args.module]
    if not names:
        sys.exit("run.py: --kunit needs at least one --module")
    hdr = Header(timeout=args.timeout or 300, loglevel=8)
    cmdline = (f"console=ttyS0 loglevel=8 panic=-1 oops=panic "
               f"{TCG_WATCHDOG} {UNUSED_DEVICES} "
               f"daxtest.kunit={','.join(names)} daxtest.ctl=ttyS1 "
               f"daxtest.data=ttyS2 "
               f"{args.append}").strip()
    res = boot(kernel, initrd, cmdline, hdr, results, "kunit",
               args.verbose, args.keep_tmp)
    v = judge(res, hdr)
    failed = 0
    print("1..2", flush=True)
    status = "not ok" if v.failures else "ok"
    print(f"{status} 1 - kunit boot: insmod {', '.join(names)} "
          f"({res.seconds:.1f} s)")
    for f in v.failures:
        print(f"#   {f}")
    failed += bool(v.failures)

    # Prefer the dmesg dump; fall back to the console (crash, panic).
    _, dmesg, marks = split_console(guest_stream(res))
    source = dmesg if marks.get("dmesg") else res.lines
    doc, nsuites = ktap_document(source)
    ktap = results / "kunit.ktap"
    ktap.write_text("\n".join(doc) + "\n")
    jpath = results / "kunit.json"
    jpath.unlink(missing_ok=True)
    kunit_py = Path(args.kdir) / "tools/testing/kunit/kunit.py"
    problems = []
    if nsuites == 0:
        problems.append("no KUnit suite output in the kernel log")
    p = subprocess.run([sys.executable, str(kunit_py), "parse",
                        f"--json={jpath}", str(ktap)],
                       capture_output=True, text=True)
    (results / "kunit.parse.txt").write_text(p.stdout + p.stderr)
    if p.returncode != 0:
        problems.append(f"kunit.py parse exit status {p.returncode}")
    suites = {}
    if jpath.exists():
        try:
            suites = json_suites(json.loads(jpath.read_text()))
        except (ValueError, KeyError) as e:
            problems.append(f"cannot read {jpath}: {e}")
    for name, cases in suites.items():
        bad = [c or "(unnamed)" for c, s in cases
               if s not in ("PASS", "SKIP")]
        npass = sum(s == "PASS" for _, s in cases)
        print(f"# suite {name}: {npass}/{len(cases)} passed"
              + (f", failed: {', '.join(bad)}" if bad else ""))
        if bad:
            problems.append(f"suite {name}: {', '.join(bad)} failed")
    wanted = [s for s in (args.kunit_suites or "").split(",") if s]
    for s in wanted:
        if s not in suites:
            problems.append(f"suite {s} missing from the results")
    status = "not ok" if problems else "ok"
    print(f"{status} 2 - kunit results: {len(suites)} suite(s) "
          f"({ktap}, {jpath.name})")
    for pr in problems:
        print(f"#   {pr}")
    if problems:
        summary = [ln for ln in (p.stdout + p.stderr).splitlines()
                   if ln.strip()][-15:]
        for ln in summary:
            print(f"#   | {ANSI.sub('', ln)}")
    failed += bool(problems)
    print(f"{2 - failed} passed, {failed} failed", flush=True)
    return 1 if failed else 0


# ----------------------------------------------------------------------
# Scenarios

def scenario_names(d=SCENARIO_DIR):
    return sorted(p.stem for p in d.glob("*.sh"))


def selftest_verdict(v, hdr):
    """A harness self-test passes if the harness judged it as expected."""
    got = "fail" if v.failures else "skip" if v.skip is not None else "pass"
    if got != hdr.expect_result:
        return [f"self-test: expected verdict {hdr.expect_result}, got "
                f"{got}"] + [f"(harness said: {f})" for f in v.failures]
    missing = [r.pattern for r in hdr.expect_failure
               if not any(r.search(f) for f in v.failures)]
    return [f"self-test: no failure matching /{m}/; harness said: "
            + "; ".join(v.failures) for m in missing]


class Flavours:
    """The kernel tree, modules and initramfs of each flavour: "default"
    from --kdir/--module/--initramfs, the others from --flavour."""

    def __init__(self, args, initrd):
        self.trees = {"default": (args.kdir, list(args.module))}
        self.initrds = {"default": initrd}
        self.images = {}
        for spec in args.flavour:
            name, sep, rest = spec.partition("=")
            parts = rest.split(",")
            if not sep or not re.fullmatch(r"[a-z0-9_]+", name) \
                    or not parts[0]:
                sys.exit(f"run.py: --flavour {spec}: want "
                         "NAME=KDIR[,MODULE.ko...]")
            for m in parts[1:]:
                if not Path(m).is_file():
                    sys.exit(f"run.py: module {m} does not exist")
            if not (Path(parts[0]) / "arch/x86/boot/bzImage").exists():
                sys.exit(f"run.py: --flavour {name}: no bzImage in "
                         f"{parts[0]}")
            self.trees[name] = (parts[0], parts[1:])

    def has(self, name):
        return name in self.trees

    def kernel(self, name):
        return Path(self.trees[name][0]) / "arch/x86/boot/bzImage"

    def modules(self, name):
        return {Path(m).name[:-3] for m in self.trees[name][1]}

    def initrd(self, name):
        if name not in self.initrds:
            try:
                self.initrds[name] = mkinitramfs.build(*self.trees[name])
            except RuntimeError as e:
                sys.exit(f"run.py: initramfs ({name}): {e}")
        return self.initrds[name]

    def image(self, name, size, count):
        """The fsdax NVDIMM images of flavour NAME's kernel for COUNT
        NVDIMMs of SIZE, or (): they then start empty."""
        return self.images.get((name, size), ())[:count]

    def make_images(self, args, name, size, count, results):
        """Find or make (one boot of setup/fsdax.sh) those images, one per
        kernel tree, size and slot (an NVDIMM's labels are valid in its own
        slot only): $DAXHOLD_CACHE/nvdimm/<tree>-<bytes>-<slot>.img.  If
        the set-up boot fails, say so; the scenarios then create their
        namespaces."""
        if len(self.image(name, size, count)) == count:
            return
        cache = mkinitramfs.cache_dir() / "nvdimm"
        cache.mkdir(parents=True, exist_ok=True)
        stem = f"{Path(self.trees[name][0]).name}-{parse_size(size)}"
        paths = [cache / f"{stem}-{i}.img" for i in range(count)]
        with open(cache / f".{stem}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not all(p.exists() for p in paths):
                self.images[(name, size)] = ()
                made = [p.with_suffix(f".tmp{os.getpid()}") for p in paths]
                hdr = parse_header(SETUP_DIR / "fsdax.sh")
                hdr.size, hdr.flavour, hdr.nvdimms = size, name, count
                hdr.timeout = int(hdr.timeout * args.timeout_scale)
                res = boot(self.kernel(name), self.initrd(name),
                           boot_cmdline(hdr, "setup", "fsdax", args), hdr,
                           results, f"setup-fsdax-{name}", args.verbose,
                           args.keep_tmp, save=made)
                failures = judge(res, hdr).failures
                if failures or not all(m.exists() for m in made):
                    for m in made:
                        m.unlink(missing_ok=True)
                    print(f"# {name} kernel: no fsdax NVDIMM images, the "
                          "scenarios create their namespaces: "
                          + "; ".join(failures[:3]), flush=True)
                    return
                for m, p in zip(made, paths):
                    m.rename(p)
                print(f"# {name} kernel: {count} fsdax NVDIMM images "
                      f"{stem}-*.img ({res.seconds:.1f} s)", flush=True)
        self.images[(name, size)] = tuple(paths)


def plan_one(args, flavours, sdir, kind, name):
    """-> (header, None) to boot NAME, or (None, result line) if it cannot
    run here (bad header, missing flavour or module)."""
    try:
        hdr = parse_header(sdir / f"{name}.sh")
    except ValueError as e:
        return None, ("not ok", f"(0.0 s)", [f"bad header: {e}"])
    if args.timeout:
        hdr.timeout = args.timeout
    hdr.timeout = int(hdr.timeout * args.timeout_scale)
    if not flavours.has(hdr.flavour):
        return None, ("ok", f"(0.0 s) # SKIP needs the {hdr.flavour} kernel "
                      f"(--flavour {hdr.flavour}=KDIR)", [])
    missing = [m for m in hdr.modules
               if m not in flavours.modules(hdr.flavour)]
    if missing:
        return None, ("ok", f"(0.0 s) # SKIP needs "
                      f"{', '.join(m + '.ko' for m in missing)} (--module)",
                      [])
    return hdr, None


# The kernel's line as it starts the initramfs's /init.
RUN_INIT = re.compile(r"Run /init as init process")


def before_init_reports(res, v):
    """The failures of V if every one is a checker's report that the
    kernel printed before it ran /init (so during its own boot), else []."""
    texts = [f[len("kernel: "):] for f in v.failures
             if f.startswith("kernel: ")]
    if not texts or len(texts) != len(v.failures):
        return []
    # The dump of the whole kernel log, in order; else the console.
    early, klines = set(), v.dmesg or kernel_lines(res.lines, [])
    for line in klines:
        if RUN_INIT.search(line):
            break
        early.add(TS_PREFIX.sub("", line[KMSG_TS.search(line).start():]
                                if KMSG_TS.search(line) else line).strip())
    return texts if all(t in early for t in texts) else []


def boot_cmdline(hdr, kind, name, args):
    """The kernel command line of a boot of KIND (scenario, ...) NAME."""
    return " ".join(filter(None, [
        "console=ttyS0", f"loglevel={hdr.loglevel}", "panic=-1",
        TCG_WATCHDOG, UNUSED_DEVICES,
        "" if hdr.expect_oops else "oops=panic",
        f"daxtest.{kind}={name}",
        "daxtest.ctl=ttyS1", "daxtest.data=ttyS2",
        "daxtest.nvdimm=nfit_test" if hdr.flavour == "nfit" else "",
        hdr.append, args.append]))


def run_one(args, flavours, sdir, kind, name, results):
    """Boot one scenario; -> (status, text after the name, failures,
    bench lines)."""
    hdr, early = plan_one(args, flavours, sdir, kind, name)
    if early:
        return early + ([],)
    cmdline = boot_cmdline(hdr, kind, name, args)
    image = flavours.image(hdr.flavour, hdr.size, hdr.nvdimms)
    res = boot(flavours.kernel(hdr.flavour), flavours.initrd(hdr.flavour),
               cmdline, hdr, results, name, args.verbose, args.keep_tmp,
               image)
    v = judge(res, hdr)
    early_reports = before_init_reports(res, v)
    if early_reports:
        # A checker's report before /init ran: neither daxhold nor the
        # scenario had done anything yet.  Said, and the boot run once
        # more; the second boot's verdict stands, reports and all.
        for text in early_reports:
            print(f"# {name}: kernel report before /init, booting again: "
                  f"{text}", flush=True)
        res = boot(flavours.kernel(hdr.flavour),
                   flavours.initrd(hdr.flavour), cmdline, hdr, results,
                   name, args.verbose, args.keep_tmp, image)
        v = judge(res, hdr)
    if kind == "selftest":
        v.failures, v.skip = selftest_verdict(v, hdr), None
    t = f"({res.seconds:.1f} s)"
    bench = [ln for ln in split_console(guest_stream(res))[0]
             if ln.startswith("# bench: ")] if args.bench else []
    if v.failures:
        return "not ok", t, v.failures, bench
    if v.skip is not None:
        return "ok", f"{t} # SKIP {v.skip}", [], bench
    return "ok", t, [], bench


def run_scenarios(args, kernel, initrd, results):
    kind = ("selftest" if args.selftest else "bench" if args.bench
            else "scenario")
    sdir = {"selftest": SELFTEST_DIR, "bench": BENCH_DIR,
            "scenario": SCENARIO_DIR}[kind]
    names = args.scenario or scenario_names(sdir)
    unknown = [n for n in names if not (sdir / f"{n}.sh").exists()]
    if unknown:
        sys.exit(f"run.py: no such scenario: {', '.join(unknown)} "
                 f"(have: {', '.join(scenario_names(sdir))})")
    flavours = Flavours(args, initrd)
    # Every initramfs built, and the NVDIMM images wanted, before any boot
    # (the harness's self-tests start with empty NVDIMMs).
    want = {}
    for name in names:
        hdr, _ = plan_one(args, flavours, sdir, kind, name)
        if not hdr:
            continue
        flavours.initrd(hdr.flavour)
        if hdr.nvdimms and kind != "selftest":
            key = (hdr.flavour, hdr.size)
            want[key] = max(want.get(key, 0), hdr.nvdimms)
    for (flavour, size), count in want.items():
        flavours.make_images(args, flavour, size, count, results)
    counts = {"passed": 0, "failed": 0, "skipped": 0}
    summary = []
    print(f"1..{len(names)}", flush=True)
    # --jobs guests at a time; results are printed in the order of names.
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_one, args, flavours, sdir, kind, n,
                               results) for n in names]
        for i, (name, fut) in enumerate(zip(names, futures), 1):
            status, rest, failures, bench = fut.result()
            key = ("failed" if status == "not ok" else "skipped"
                   if "# SKIP" in rest else "passed")
            counts[key] += 1
            line = f"{status} {i} - {name} {rest}"
            print(line, flush=True)
            summary.append(line)
            for ln in bench:
                print(ln, flush=True)
            for f in failures[:30]:
                print(f"#   {f}")
                summary.append(f"#   {f}")
            if failures:
                print(f"#   log: {results / (name + '.log')}", flush=True)
    print(f"{counts['passed']} passed, {counts['failed']} failed",
          flush=True)
    if counts["skipped"]:
        print(f"{counts['skipped']} skipped")
    (results / "summary.tap").write_text(
        f"1..{len(names)}\n" + "\n".join(summary) + "\n")
    return 1 if counts["failed"] else 0


def main():
    ap = argparse.ArgumentParser(
        description="Run daxhold guest scenarios or KUnit suites in QEMU.")
    ap.add_argument("--kdir", required=True, help="built kernel tree")
    ap.add_argument("--module", action="append", default=[],
                    help="a .ko to put in /lib/modules (repeatable)")
    ap.add_argument("--flavour", action="append", default=[],
                    metavar="NAME=KDIR[,MODULE.ko...]",
                    help="the kernel tree (and modules) for scenarios whose "
                    "header says flavour=NAME (repeatable)")
    ap.add_argument("--scenario", action="append",
                    help="run only this scenario (repeatable)")
    ap.add_argument("--kunit", action="store_true",
                    help="boot once, insmod the --module files, check the "
                    "KUnit results with kunit.py parse")
    ap.add_argument("--kunit-suites",
                    help="comma-separated suites that must be present")
    ap.add_argument("--selftest", action="store_true",
                    help="run the harness self-tests (selftests/*.sh), "
                    "which check that failures are detected")
    ap.add_argument("--bench", action="store_true",
                    help="run the guest benchmarks (tools/bench/guest/*.sh) "
                    "and print their result lines")
    ap.add_argument("--results", default=str(TOP / "build/test-results"),
                    help="where logs go (default: %(default)s)")
    ap.add_argument("--timeout", type=int,
                    help="override every scenario's timeout (seconds)")
    ap.add_argument("--timeout-scale", type=float,
                    default=float(os.environ.get("DAXTEST_TIMEOUT_SCALE",
                                                 "1")),
                    help="multiply every scenario's timeout (a debug "
                    "kernel is several times slower; default: "
                    "$DAXTEST_TIMEOUT_SCALE or 1)")
    ap.add_argument("-j", "--jobs", type=int,
                    default=int(os.environ.get("DAXTEST_JOBS", "1")),
                    help="boot this many guests at a time (default: "
                    "$DAXTEST_JOBS or 1); results still print in order")
    ap.add_argument("--append", default="",
                    help="extra kernel command line for every boot")
    ap.add_argument("--initramfs", help="use this image instead of "
                    "building one")
    ap.add_argument("--list", action="store_true",
                    help="list the scenarios and their headers")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="stream the serial console")
    ap.add_argument("--keep-tmp", action="store_true",
                    help="keep the nvdimm images and sockets")
    args = ap.parse_args()

    if args.list:
        for n in scenario_names():
            h = parse_header(SCENARIO_DIR / f"{n}.sh")
            print(f"{n}: {h}")
        return 0
    kernel = Path(args.kdir) / "arch/x86/boot/bzImage"
    if not kernel.exists():
        sys.exit(f"run.py: {kernel} does not exist")
    for m in args.module:
        if not Path(m).is_file():
            sys.exit(f"run.py: module {m} does not exist")
    if not shutil.which("qemu-system-x86_64"):
        sys.exit("run.py: qemu-system-x86_64 not found")
    results = Path(args.results)
    results.mkdir(parents=True, exist_ok=True)
    if args.initramfs:
        initrd = Path(args.initramfs)
    else:
        try:
            initrd = mkinitramfs.build(args.kdir, args.module)
        except RuntimeError as e:
            sys.exit(f"run.py: initramfs: {e}")
    if args.kunit:
        return run_kunit(args, kernel, initrd, results)
    return run_scenarios(args, kernel, initrd, results)


if __name__ == "__main__":
    sys.exit(main())
