# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a BUG: line logged at KERN_INFO never reaches the
# console (loglevel=5) but is still caught in the dmesg dump.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=^kernel: BUG: harness self-test at info level
. /daxtest/lib.sh
plan 1
echo "<6>BUG: harness self-test at info level" > /dev/kmsg
ok "all tests pass"
done_testing
