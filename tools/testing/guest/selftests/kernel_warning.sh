# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a WARNING: line in the kernel log fails a run whose
# TAP is all ok; a TAP diagnostic quoting such a line does not.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=^kernel: WARNING: harness self-test
. /daxtest/lib.sh
plan 1
echo "<4>WARNING: harness self-test" > /dev/kmsg
diag "[    1.000000] BUG: only quoted in a diagnostic"
ok "all tests pass"
done_testing
