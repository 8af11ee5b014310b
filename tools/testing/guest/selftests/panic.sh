# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a kernel panic ends the boot at once (panic=-1 and
# -no-reboot) and fails the run without waiting for the timeout.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=^kernel: Kernel panic
# daxhold-test: expect_failure=did not finish
. /daxtest/lib.sh
plan 1
echo c > /proc/sysrq-trigger
ok "never reached"
