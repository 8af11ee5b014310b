# SPDX-License-Identifier: GPL-2.0
# Harness self-test: `1..0 # SKIP` reports the scenario as skipped.
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=skip
. /daxtest/lib.sh
skip_all "nothing to do here"
