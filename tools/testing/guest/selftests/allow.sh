# SPDX-License-Identifier: GPL-2.0
# Harness self-test: the allow= header excuses a matching kernel line.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: allow=WARNING: harness self-test, allowed
# daxhold-test: expect_result=pass
. /daxtest/lib.sh
plan 1
echo "<4>WARNING: harness self-test, allowed" > /dev/kmsg
ok "all tests pass"
done_testing
