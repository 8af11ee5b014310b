#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Build the busybox initramfs of the daxhold guest tests.

    mkinitramfs.py OUT.cpio.gz KDIR [MODULE.ko ...]

The image holds busybox (static), the host's storage tools with every
library `ldd` names (ndctl, mkfs.xfs, mkfs.ext4, dmsetup, sfdisk, ...), the
test programs of tools/testing/progs, the benchmark programs of
tools/bench and the sample program of samples/ (built static; the sample
script samples/stack.sh as /daxtest/samples/stack.sh), the daxhold tool
(`make tool`, with its libraries), the kernel's hwpoison-inject.ko and
mce-inject.ko from KDIR, the given modules (as /lib/modules/<file name>),
for a kernel of the nfit flavour its NVDIMM test modules (as
/lib/modules/nfit/, their load order in /lib/modules/nfit/order) and the
kernel's own NVDIMM drivers (as /lib/modules/nvdimm/, with an order file
too), /init,
lib.sh, kunit.sh, the helpers scenarios source (tools/testing/guest/lib/*.sh,
as /daxtest/lib/), every scenario, the harness self-tests, run.py's
set-up boots (tools/testing/guest/setup/*.sh) and the guest
benchmarks (tools/bench/guest/*.sh, as /daxtest/bench/, and the helpers
they source, tools/bench/guest/lib/*.sh, as /daxtest/bench/lib/).

The archive is written here (newc format, fixed owner and times), so the
same inputs give the same bytes.  It is cached as
$DAXHOLD_CACHE/initramfs/<sha256 of the inputs>.cpio.gz; a rerun with the
same inputs only hashes them and copies the cached file.

run.py imports this file and calls build().
"""

import argparse
import gzip
import hashlib
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOP = HERE.parents[2]
PROGS_SRC = TOP / "tools/testing/progs"
PROGS = ["dax_poison", "writefile", "modctl", "statx_dax", "reflink_pair",
         "asuser", "tryopen", "poison_maps"]
# Benchmark programs (tools/bench, same Makefile conventions) and the guest
# benchmark scripts (run.py --bench).
BENCH_SRC = TOP / "tools/bench"
BENCH_PROGS = ["bench_poison", "bench_io", "bench_rmap"]
# The samples (samples/, Documentation/samples.rst): the program, built
# static like the test programs, into /usr/local/bin; the scripts into
# /daxtest/samples/.
SAMPLES_SRC = TOP / "samples"
SAMPLE_PROGS = ["poison_recover"]
SAMPLE_SCRIPTS = ["stack.sh"]
# The userspace tool (tools/daxhold), built by `make tool`.
TOOL = TOP / "build/tool/daxhold"

# (program, required): copied with their libraries if found on the host.
HOST_TOOLS = [
    ("ndctl", True),
    ("daxctl", False),
    ("mkfs.xfs", True),
    ("mkfs.ext4", True),
    ("dumpe2fs", True),
    ("dmsetup", True),
    ("sfdisk", True),
    ("partx", False),
    ("losetup", False),
    ("blockdev", False),
    ("filefrag", False),
    ("xfs_io", False),
    ("strace", False),
    ("jq", True),
    ("trace-cmd", True),
]
HOST_FILES = ["/etc/mke2fs.conf"]
# Kernel modules the scenarios may load, found through KDIR/modules.order.
KERNEL_MODULES = ["hwpoison-inject", "mce-inject"]
# The nfit flavour's test modules (tools/setup/nfit.sh builds them into
# KDIR/tools/testing/nvdimm), in the order lib.sh's nfit_load inserts them:
# the --wrap'ed libnvdimm and drivers first, nfit_test last.
NFIT_DIR = "tools/testing/nvdimm"
NFIT_STAMP = ".daxhold-nfit-built"
NFIT_MODULES = ["test/nfit_test_iomap", "libnvdimm", "nd_btt", "nd_pmem",
                "nd_e820",
                "device_dax", "dax_pmem", "nfit", "test/nfit_test"]
# The kernel's own builds of the same drivers, in load order, where they
# are modules (the nfit and debug trees): /init loads these for every
# scenario that does not want nfit_test, so that it sees the pmem driver
# as a user's kernel has it (nfit_test's nd_pmem answers -EIO where the
# real one answers -EHWPOISON and does the DAX recovery write).
NVDIMM_MODULES = ["drivers/nvdimm/libnvdimm", "drivers/nvdimm/nd_btt",
                  "drivers/nvdimm/nd_pmem", "drivers/nvdimm/nd_e820",
                  "drivers/dax/device_dax", "drivers/dax/dax_pmem",
                  "drivers/acpi/nfit/nfit"]
DIRS = ["bin", "sbin", "usr/bin", "usr/sbin", "usr/local/bin", "lib",
        "lib64", "lib/modules", "etc", "dev", "proc", "sys", "tmp", "run",
        "mnt", "root", "daxtest", "daxtest/scenarios", "daxtest/selftests",
        "daxtest/setup",
        "daxtest/bench", "daxtest/bench/lib", "daxtest/lib",
        "daxtest/samples"]


def cache_dir():
    return Path(os.environ.get("DAXHOLD_CACHE",
                               Path.home() / ".cache/daxhold"))


def log(msg):
    print(f"[mkinitramfs] {msg}", file=sys.stderr)


class Image:
    """The archive's entries: path -> (kind, mode, payload)."""

    def __init__(self):
        self.entries = {}

    def add_dir(self, path, mode=0o755):
        self.entries[path.strip("/")] = ("dir", mode, None)

    def add_file(self, path, src, mode=None):
        src = Path(src)
        if mode is None:
            mode = 0o755 if os.access(src, os.X_OK) else 0o644
        self.entries[path.strip("/")] = ("file", mode, src)

    def add_data(self, path, data, mode=0o644):
        """A regular file with DATA (bytes) as its contents."""
        self.entries[path.strip("/")] = ("data", mode, bytes(data))

    def add_symlink(self, path, target):
        self.entries[path.strip("/")] = ("symlink", 0o777, target)

    def add_chardev(self, path, major, minor, mode=0o600):
        self.entries[path.strip("/")] = ("chr", mode, (major, minor))

    def digest(self):
        """sha256 over every entry, file contents included."""
        h = hashlib.sha256(b"daxtest-initramfs-v1\0")
        for path in sorted(self.entries):
            kind, mode, payload = self.entries[path]
            h.update(f"{path}\0{kind}\0{mode:o}\0".encode())
            if kind == "file":
                with open(payload, "rb") as f:
                    for chunk in iter(lambda: f.read(1 << 20), b""):
                        h.update(chunk)
            else:
                h.update(repr(payload).encode())
            h.update(b"\0")
        return h.hexdigest()

    def write_cpio(self, out):
        """Write a gzip'ed newc archive; parents before children."""
        def parents(p):
            parts = p.split("/")[:-1]
            return ["/".join(parts[:i + 1]) for i in range(len(parts))]

        for path in list(self.entries):
            for parent in parents(path):
                self.entries.setdefault(parent, ("dir", 0o755, None))

        with gzip.GzipFile(out, "wb", compresslevel=1, mtime=0) as gz:
            ino = 1
            for path in sorted(self.entries,
                               key=lambda p: (p.count("/"), p)):
                kind, mode, payload = self.entries[path]
                rdev = (0, 0)
                if kind == "dir":
                    data, mode = b"", stat.S_IFDIR | mode
                elif kind == "file":
                    data, mode = Path(payload).read_bytes(), stat.S_IFREG | mode
                elif kind == "data":
                    data, mode = payload, stat.S_IFREG | mode
                elif kind == "symlink":
                    data, mode = payload.encode(), stat.S_IFLNK | mode
                else:
                    data, mode, rdev = b"", stat.S_IFCHR | mode, payload
                _cpio_entry(gz, ino, path, mode, data, rdev)
                ino += 1
            _cpio_entry(gz, 0, "TRAILER!!!", 0, b"", (0, 0))


def _cpio_entry(f, ino, name, mode, data, rdev):
    name_b = name.encode() + b"\0"
    nlink = 2 if stat.S_ISDIR(mode) else 1
    fields = [ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1],
              len(name_b), 0]
    hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
    f.write(hdr + name_b)
    f.write(b"\0" * (-(len(hdr) + len(name_b)) % 4))
    f.write(data)
    f.write(b"\0" * (-len(data) % 4))


def ldd_libs(binary):
    """Absolute paths of the shared libraries (and loader) of BINARY."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True)
    if out.returncode != 0:  # static ("not a dynamic executable")
        return []
    libs = []
    for line in out.stdout.splitlines():
        m = re.search(r"=>\s*(/\S+)", line) or re.match(r"\s*(/\S+)", line)
        if m:
            libs.append(m.group(1))
        elif "not found" in line:
            raise RuntimeError(f"{binary}: {line.strip()}")
    return libs


def find_tool(name):
    for d in os.environ.get("PATH", "").split(":") + ["/usr/sbin", "/sbin"]:
        p = os.path.join(d, name)
        if d and os.access(p, os.X_OK) and os.path.isfile(p):
            # Keep the tool's own directory under /usr so busybox's
            # applets in /bin never shadow it.
            real = os.path.realpath(p)
            base = "/usr/sbin" if "sbin" in d else "/usr/bin"
            return p, f"{base}/{name}", real
    return None


def build_progs(src=PROGS_SRC, sub="progs"):
    """Build the static programs of SRC into the cache; return their dir."""
    out = cache_dir() / sub
    out.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["make", "-s", "-C", str(src), f"O={out}"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"building {src.relative_to(TOP)} failed:\n"
                           + r.stdout + r.stderr)
    return out


def build_tool():
    """`make tool` (a no-op when up to date); return build/tool/daxhold."""
    r = subprocess.run(["make", "-s", "-C", str(TOP), "tool"],
                       capture_output=True, text=True)
    if r.returncode != 0 or not TOOL.is_file():
        raise RuntimeError("building the daxhold tool (make tool) failed, "
                           f"no {TOOL.relative_to(TOP)}:\n"
                           + r.stdout + r.stderr)
    return TOOL


def kernel_module_paths(kdir):
    """Paths of KERNEL_MODULES in KDIR (via modules.order)."""
    found = {}
    order = Path(kdir) / "modules.order"
    if order.exists():
        for line in order.read_text().split():
            p = Path(kdir) / re.sub(r"\.o$", ".ko", line)
            if p.stem in KERNEL_MODULES and p.exists():
                found[p.stem] = p
    missing = [m for m in KERNEL_MODULES if m not in found]
    if missing:
        log(f"warning: not built in {kdir}: "
            + ", ".join(m + ".ko" for m in missing))
    return found


def ordered_modules(base, paths, what):
    """[(name, path)] of BASE/P.ko for each P of PATHS, in that order.
    Checks that each module's depends (modinfo) come before it or are not
    among PATHS at all."""
    out, seen = [], set()
    names = {Path(x).name for x in paths}
    for m in paths:
        p = Path(base) / f"{m}.ko"
        if not p.exists():
            raise RuntimeError(f"{p} missing ({what})")
        r = subprocess.run(["modinfo", "-F", "depends", str(p)],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"modinfo {p}: {r.stderr.strip()}")
        late = [d for d in r.stdout.strip().split(",")
                if d and d in names and d not in seen]
        if late:
            raise RuntimeError(f"{p.name} depends on {', '.join(late)}, "
                               "which is loaded after it")
        seen.add(p.stem)
        out.append((p.stem, p))
    return out


def nfit_module_paths(kdir):
    """[(name, path)] of the nfit flavour's test modules in load order, or
    [] if KDIR is not an nfit tree."""
    ndir = Path(kdir) / NFIT_DIR
    if not (ndir / NFIT_STAMP).exists():
        return []
    return ordered_modules(ndir, NFIT_MODULES, "tools/setup/nfit.sh")


def nvdimm_module_paths(kdir):
    """[(name, path)] of the kernel's NVDIMM driver modules in load order,
    or [] if KDIR builds them in (modules.order does not list them)."""
    order = Path(kdir) / "modules.order"
    listed = set(order.read_text().split()) if order.exists() else set()
    if f"{NVDIMM_MODULES[0]}.o" not in listed:
        return []
    return ordered_modules(kdir, NVDIMM_MODULES, "the kernel build")


def collect(kdir, modules):
    img = Image()
    for d in DIRS:
        img.add_dir(d)
    img.add_chardev("dev/console", 5, 1)
    img.add_chardev("dev/null", 1, 3, 0o666)

    busybox = shutil.which("busybox") or "/bin/busybox"
    if ldd_libs(busybox):
        raise RuntimeError(f"{busybox} is not static; install busybox-static")
    img.add_file("bin/busybox", busybox, 0o755)
    img.add_symlink("bin/sh", "busybox")

    for name, required in HOST_TOOLS:
        t = find_tool(name)
        if t is None:
            if required:
                raise RuntimeError(f"host tool {name} not found "
                                   "(tools/setup/deps.sh installs it)")
            continue
        hostpath, dest, real = t
        img.add_file(dest, real, 0o755)
        for lib in ldd_libs(hostpath):
            img.add_file(lib, os.path.realpath(lib), 0o755)
    for f in HOST_FILES:
        if os.path.exists(f):
            img.add_file(f, f, 0o644)

    progs = build_progs()
    for p in PROGS:
        img.add_file(f"usr/local/bin/{p}", progs / p, 0o755)
    bench = build_progs(BENCH_SRC, "bench")
    for p in BENCH_PROGS:
        img.add_file(f"usr/local/bin/{p}", bench / p, 0o755)
    samples = build_progs(SAMPLES_SRC, "samples")
    for p in SAMPLE_PROGS:
        img.add_file(f"usr/local/bin/{p}", samples / p, 0o755)
    for s in SAMPLE_SCRIPTS:
        img.add_file(f"daxtest/samples/{s}", SAMPLES_SRC / s, 0o755)
    tool = build_tool()
    img.add_file("usr/sbin/daxhold", tool, 0o755)
    for lib in ldd_libs(tool):
        img.add_file(lib, os.path.realpath(lib), 0o755)

    for name, path in kernel_module_paths(kdir).items():
        img.add_file(f"lib/modules/{name}.ko", path, 0o644)
    for sub, mods in (("nfit", nfit_module_paths(kdir)),
                      ("nvdimm", nvdimm_module_paths(kdir))):
        for name, path in mods:
            img.add_file(f"lib/modules/{sub}/{name}.ko", path, 0o644)
        if mods:
            img.add_data(f"lib/modules/{sub}/order",
                         "".join(f"{name}\n" for name, _ in mods).encode())
    for m in modules:
        m = Path(m)
        if not m.is_file():
            raise RuntimeError(f"module {m} does not exist")
        img.add_file(f"lib/modules/{m.name}", m, 0o644)

    img.add_file("init", HERE / "init", 0o755)
    img.add_file("daxtest/lib.sh", HERE / "lib.sh", 0o644)
    img.add_file("daxtest/kunit.sh", HERE / "kunit.sh", 0o644)
    for s in sorted((HERE / "lib").glob("*.sh")):
        img.add_file(f"daxtest/lib/{s.name}", s, 0o644)
    for sub in ("scenarios", "selftests", "setup"):
        for s in sorted((HERE / sub).glob("*.sh")):
            img.add_file(f"daxtest/{sub}/{s.name}", s, 0o644)
    for s in sorted((BENCH_SRC / "guest").glob("*.sh")):
        img.add_file(f"daxtest/bench/{s.name}", s, 0o644)
    # What they source (not benchmarks: run.py --bench lists only *.sh).
    for s in sorted((BENCH_SRC / "guest/lib").glob("*.sh")):
        img.add_file(f"daxtest/bench/lib/{s.name}", s, 0o644)
    return img


def build(kdir, modules=(), out=None):
    """Return the path of an initramfs for KDIR and MODULES (cached)."""
    img = collect(kdir, modules)
    key = img.digest()[:16]
    cdir = cache_dir() / "initramfs"
    cached = cdir / f"{key}.cpio.gz"
    if not cached.exists():
        cdir.mkdir(parents=True, exist_ok=True)
        tmp = cached.with_suffix(f".tmp{os.getpid()}")
        img.write_cpio(tmp)
        os.replace(tmp, cached)
        log(f"built {cached} ({cached.stat().st_size >> 10} KiB)")
    if out is None:
        return cached
    out = Path(out)
    if out.resolve() != cached.resolve():
        shutil.copyfile(cached, out)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", help="the .cpio.gz to write")
    ap.add_argument("kdir", help="the built kernel tree")
    ap.add_argument("modules", nargs="*", help="extra .ko files")
    a = ap.parse_args()
    try:
        print(build(a.kdir, a.modules, a.out))
    except RuntimeError as e:
        sys.exit(f"mkinitramfs: {e}")


if __name__ == "__main__":
    main()
