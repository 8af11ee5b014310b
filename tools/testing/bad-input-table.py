#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The bad-input table of Documentation/admin.rst and the cases of the
guest scenario that asserts it must list the same bad inputs.

   tools/testing/bad-input-table.py            check; exit 1 on a mismatch
   tools/testing/bad-input-table.py --print    the table, from the scenario
                                               (to paste into admin.rst)

A case is a line of tools/testing/guest/scenarios/bad_input.sh

   bad_input SURFACE 'INPUT' ERRNO 'LINE'

(shell words), a row a line of the simple table under the admin.rst
heading "Bad input":

   SURFACE   ``INPUT``   ERRNO   ``LINE``

The check compares them as lists, in order, and wants at least MIN_ROWS.
"""
import argparse
import re
import shlex
import sys
from pathlib import Path

TOP = Path(__file__).resolve().parents[2]
SCENARIO = TOP / "tools/testing/guest/scenarios/bad_input.sh"
DOC = TOP / "Documentation/admin.rst"
HEADING = "Bad input"
MIN_ROWS = 50
WIDTHS = (10, 36, 13)


def cases(path=SCENARIO):
    """(surface, input, errno, line) of every bad_input line."""
    out = []
    for n, text in enumerate(path.read_text().splitlines(), 1):
        if not text.startswith("bad_input "):
            continue
        words = shlex.split(text)
        if len(words) != 5:
            sys.exit(f"{path.name}:{n}: want bad_input SURFACE INPUT ERRNO LINE")
        out.append(tuple(words[1:]))
    return out


def table_lines(doc):
    """The lines of the first simple table after the HEADING title."""
    lines = doc.splitlines()
    for i, text in enumerate(lines[:-1]):
        if text == HEADING and re.fullmatch(r"=+", lines[i + 1]):
            break
    else:
        sys.exit(f"{DOC.name}: no section {HEADING!r}")
    borders = [j for j in range(i + 2, len(lines)) if re.fullmatch(r"=+( +=+)+", lines[j])]
    if len(borders) < 3:
        sys.exit(f"{DOC.name}: no simple table under {HEADING!r}")
    return lines[borders[1] + 1:borders[2]]


def literal(cell, where):
    m = re.fullmatch(r"``(.+)``", cell)
    if not m:
        sys.exit(f"{where}: want ``...``, got {cell!r}")
    return m.group(1)


def rows(path=DOC):
    """(surface, input, errno, line) of every row of the table."""
    out = []
    for text in table_lines(path.read_text()):
        m = re.fullmatch(r"(\S+) +(``.*?``) +(\S+) +(``.*``)", text)
        if not m:
            sys.exit(f"{path.name}: a row that is not SURFACE ``INPUT`` ERRNO ``LINE``: {text!r}")
        out.append((m.group(1), literal(m.group(2), text), m.group(3),
                    literal(m.group(4), text)))
    return out


def render(row):
    surface, inp, errno, line = row
    cells = (surface, f"``{inp}``", errno)
    return "".join(c.ljust(w) for c, w in zip(cells, WIDTHS)) + f"``{line}``"


def border():
    return " ".join("=" * (w - 1) for w in WIDTHS) + " " + "=" * 40


def table(rows_):
    """The whole simple table, borders and header included."""
    head = "".join(c.ljust(w) for c, w in zip(("surface", "input", "errno"), WIDTHS))
    return "\n".join([border(), head + "dmesg line (after ``daxhold:``)", border()]
                     + [render(r) for r in rows_] + [border()])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--print", action="store_true", help="print the rows")
    args = ap.parse_args()
    want = cases()
    if args.print:
        print(table(want))
        return 0
    got = rows()
    bad = 0
    for i in range(max(len(want), len(got))):
        c = want[i] if i < len(want) else None
        r = got[i] if i < len(got) else None
        if c != r:
            bad += 1
            print(f"row {i + 1}: scenario {c}\n{' ' * len(str(i + 1))}     table    {r}")
    if len(got) < MIN_ROWS:
        print(f"{len(got)} rows, fewer than {MIN_ROWS}")
        bad += 1
    if bad:
        print(f"bad-input table: {DOC.relative_to(TOP)} and "
              f"{SCENARIO.relative_to(TOP)} differ (--print gives the rows)")
        return 1
    print(f"bad-input table: {len(got)} rows, {len(want)} cases, the same")
    return 0


if __name__ == "__main__":
    sys.exit(main())
