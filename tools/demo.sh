#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make demo`: run the demo scenario and show its narration.
#
#   tools/demo.sh KDIR
set -uo pipefail
kdir=$1
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
echo "Booting a QEMU guest with an emulated NVDIMM (a few seconds)..."
python3 tools/testing/guest/run.py --kdir "$kdir" --module daxhold.ko \
	--scenario demo >build/demo.out 2>&1
rc=$?
# The narration is the scenario's TAP diagnostics (demo.out is the clean
# copy of the guest's output, from its own serial port); drop test detail.
sed -n 's/^# \{0,1\}//p' build/test-results/demo.out |
	grep -v '^\(got\|expected\|   *got\|   *expected\):' || true
echo
if [ $rc -eq 0 ]; then
	echo "Demo passed (full serial log: build/test-results/demo.log)."
else
	cat build/demo.out
	echo "Demo FAILED (full serial log: build/test-results/demo.log)."
fi
exit $rc
