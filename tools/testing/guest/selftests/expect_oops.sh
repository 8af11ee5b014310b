# SPDX-License-Identifier: GPL-2.0
# Harness self-test: with expect_oops=1 an oops in the log is required and
# allowed (here a fake one written to /dev/kmsg), and the boot goes on.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_oops=1
# daxhold-test: expect_result=pass
. /daxtest/lib.sh
plan 2
grep -q 'oops=panic' /proc/cmdline
is $? 1 "no oops=panic on the command line"
echo "<1>BUG: kernel NULL pointer dereference (harness self-test)" > /dev/kmsg
echo "<4>Oops: 0000 [#1] SMP (harness self-test)" > /dev/kmsg
ok "still running after the oops"
done_testing
