# SPDX-License-Identifier: GPL-2.0
# Harness self-test: expect_oops=1 without an oops fails.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_oops=1
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=shows no oops
. /daxtest/lib.sh
plan 1
ok "no oops here"
done_testing
