# SPDX-License-Identifier: GPL-2.0
# Harness self-test: kmemleak's own start-up and status lines, which every
# boot of the debug kernel has, are not reports: a run with them passes.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: append=printk.devkmsg=on
. /daxtest/lib.sh
plan 1
echo "<6>kmemleak: Kernel memory leak detector initialized (mem pool available: 15694)" > /dev/kmsg
echo "<6>kmemleak: Automatic memory scanning thread started" > /dev/kmsg
echo "<6>kmemleak: Automatic memory scanning thread ended" > /dev/kmsg
ok "all tests pass"
done_testing
