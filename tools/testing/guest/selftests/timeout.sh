# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a scenario that outlives its timeout fails.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=10
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=^timeout after 10 s
# daxhold-test: expect_failure=did not finish
. /daxtest/lib.sh
plan 1
sleep 600
ok "never reached"
