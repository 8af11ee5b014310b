#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The module tree's shape, checked (make lint) and reported (--report).

Checks, each a failure with one line per offender:
  - the stages (rust/<dir>/, rust/<file>.rs; observe's parts each on
    their own) import each other in no cycle;
  - rust/abstractions/ imports nothing of daxhold but rust/ffi/;
  - no #[no_mangle] (C reaches Rust through ops tables only);
  - no function over 60 lines (Rust and C), no module file over 400
    lines, the core-only crate's case tables and tests aside
    (rust/pure/selftest/, rust/pure/tests/);
  - at most 3 probes (kprobes, kretprobes, tracepoint probes);
  - Documentation/design.rst at most 500 lines.

  tools/tree-check.py [--report] [TREE]
"""
import collections
import os
import re
import subprocess
import sys

MAX_FN, MAX_FILE, MAX_PROBES, MAX_DESIGN = 60, 400, 3, 500
EXEMPT = ("rust/pure/selftest/", "rust/pure/tests/")
SPLIT = {"observe"}


def files(tree, *globs):
    out = subprocess.run(["git", "-C", tree, "ls-files", *globs],
                         capture_output=True, text=True, check=True).stdout
    return [f for f in out.split() if "dax_generated" not in f]


def stage_of_file(f):
    parts = f[len("rust/"):].split("/")
    if len(parts) == 1:
        return parts[0][:-3]
    if parts[0] in SPLIT:
        sub = parts[1][:-3] if parts[1].endswith(".rs") else parts[1]
        return parts[0] if sub == "mod" else f"{parts[0]}::{sub}"
    return parts[0]


def stage_of_path(path):
    ps = path.split("::")
    if ps[0] in SPLIT and len(ps) > 1 and ps[1][:1].islower():
        return f"{ps[0]}::{ps[1]}"
    return ps[0]


def import_graph(tree):
    edges = collections.defaultdict(set)
    for f in files(tree, "rust/*.rs", "rust/**/*.rs"):
        if f.startswith("rust/pure/"):
            continue
        src = stage_of_file(f)
        for line in open(os.path.join(tree, f)):
            if line.strip().startswith("//"):
                continue
            for m in re.finditer(r"crate::((?:\w+::)*\w+)(?:::\{([^}]*)\})?", line):
                targets = [stage_of_path(m.group(1))]
                if m.group(1) in SPLIT and m.group(2):
                    targets = [stage_of_path(m.group(1) + "::" + x.strip())
                               for x in m.group(2).split(",") if x.strip()]
                for d in targets:
                    if d not in (src, "pure"):
                        edges[src].add(d)
    return edges


def cycles(edges):
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            if len(scc) > 1:
                out.append(sorted(scc))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


RS_FN = re.compile(r"^(\s*)(?:pub(?:\([a-z]+\))?\s+)?(?:const\s+)?(?:unsafe\s+)?"
                   r"(?:extern\s+\"C\"\s+)?fn\s+(\w+)")
C_FN = re.compile(r"^[a-z].*\b(\w+)\(.*\)?\s*$")


def long_functions(tree):
    out = []
    for f in files(tree, "rust/*.rs", "rust/**/*.rs", "rust/*.c", "rust/**/*.c"):
        if f.startswith(EXEMPT):
            continue
        lines = open(os.path.join(tree, f)).read().split("\n")
        rust = f.endswith(".rs")
        i = 0
        while i < len(lines):
            m = (RS_FN if rust else C_FN).match(lines[i])
            if not m or (not rust and lines[i].rstrip().endswith(";")):
                i += 1
                continue
            indent, name = (len(m.group(1)), m.group(2)) if rust else (0, m.group(1))
            j = i
            while j < len(lines) and not lines[j].rstrip().endswith(("{", ";")):
                j += 1
            if j >= len(lines) or lines[j].rstrip().endswith(";"):
                i += 1
                continue
            close, k = " " * indent + "}", j + 1
            while k < len(lines) and lines[k].rstrip() != close:
                k += 1
            if k - i + 1 > MAX_FN:
                out.append((k - i + 1, f, name))
            i = k + 1
    return sorted(out, reverse=True)


def count_lines(tree, f):
    with open(os.path.join(tree, f)) as fh:
        return sum(1 for _ in fh)


def figures(tree):
    edges = import_graph(tree)
    rs = [f for f in files(tree, "rust/*.rs", "rust/**/*.rs")]
    cs = files(tree, "rust/*.c", "rust/**/*.c")
    # Code only: comments name probes too.
    c_text = re.sub(r"/\*.*?\*/|//[^\n]*", "",
                    "".join(open(os.path.join(tree, f)).read() for f in cs), flags=re.S)
    docs = {d: count_lines(tree, f"Documentation/{d}")
            for d in ("design.rst", "testing.rst")
            if os.path.exists(os.path.join(tree, f"Documentation/{d}"))}
    return {
        "cycles": cycles(edges),
        "abstractions_up": sorted(d for d in edges.get("abstractions", ())
                                  if d not in ("ffi", "errno")),
        "no_mangle": [f for f in rs for _ in
                      re.findall(r"#\[no_mangle\]", open(os.path.join(tree, f)).read())],
        "probes": len(re.findall(r"^static struct (?:kprobe|kretprobe) ", c_text, re.M))
        + len(re.findall(r"\btracepoint_probe_register\(", c_text)),
        "c_lines": sum(count_lines(tree, f) for f in cs),
        "long_files": sorted((count_lines(tree, f), f) for f in rs + cs
                             if not f.startswith(EXEMPT) and count_lines(tree, f) > MAX_FILE),
        "long_functions": long_functions(tree),
        "docs": docs,
    }


def main():
    args = [a for a in sys.argv[1:] if a != "--report"]
    tree = args[0] if args else os.path.join(os.path.dirname(__file__), "..")
    fig = figures(tree)
    if "--report" in sys.argv:
        print(f"import cycles between stages: {len(fig['cycles'])}"
              + "".join(f"\n  {' '.join(c)}" for c in fig["cycles"]))
        print(f"abstractions importing daxhold: {len(fig['abstractions_up'])} "
              f"{' '.join(fig['abstractions_up'])}")
        print(f"#[no_mangle] functions: {len(fig['no_mangle'])}")
        print(f"probes: {fig['probes']}")
        print(f"lines of C: {fig['c_lines']}")
        print(f"files over {MAX_FILE} lines: {len(fig['long_files'])}")
        print(f"functions over {MAX_FN} lines: {len(fig['long_functions'])}")
        for d, n in fig["docs"].items():
            print(f"{d}: {n} lines")
        return 0
    bad = []
    bad += [f"import cycle: {' '.join(c)}" for c in fig["cycles"]]
    bad += [f"rust/abstractions/ imports daxhold's {d}" for d in fig["abstractions_up"]]
    bad += [f"{f}: #[no_mangle] (use an ops table)" for f in fig["no_mangle"]]
    if fig["probes"] > MAX_PROBES:
        bad.append(f"{fig['probes']} probes (at most {MAX_PROBES})")
    bad += [f"{f}: {n} lines (at most {MAX_FILE})" for n, f in fig["long_files"]]
    bad += [f"{f}: {name}: {n} lines (at most {MAX_FN})"
            for n, f, name in fig["long_functions"]]
    if fig["docs"].get("design.rst", 0) > MAX_DESIGN:
        bad.append(f"Documentation/design.rst: {fig['docs']['design.rst']} lines "
                   f"(at most {MAX_DESIGN})")
    for b in bad:
        print(f"tree-check: {b}")
    if not bad:
        print("tree-check: no import cycle, no upward import, sizes within limits")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
