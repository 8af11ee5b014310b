# SPDX-License-Identifier: GPL-2.0
# Harness self-test: output without a TAP plan fails the run.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=no TAP plan
echo "ok 1 - a test without a plan"
