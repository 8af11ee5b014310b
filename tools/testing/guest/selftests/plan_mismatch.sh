# SPDX-License-Identifier: GPL-2.0
# Harness self-test: fewer tests than planned fails the run.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=plan says 3 tests, 2 ran
. /daxtest/lib.sh

plan 3
ok "one"
ok "two"
done_testing
