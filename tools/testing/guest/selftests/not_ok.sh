# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a `not ok` fails the run.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=fail
# daxhold-test: expect_failure=^not ok 2 - this one fails
# daxhold-test: expect_failure=exited with status 1
. /daxtest/lib.sh

plan 2
ok "fine"
is 1 2 "this one fails"
done_testing
