# SPDX-License-Identifier: GPL-2.0
# Not a scenario: run.py boots this once per kernel tree, NVDIMM size and
# number of NVDIMMs to make the images later boots' NVDIMMs start from.
# The kernel writes each namespace's labels and fsdax info block (and its
# struct pages) into the image; a scenario's make_fsdax_all then finds the
# namespaces in fsdax mode at boot instead of creating them (11 s each on
# the debug kernel, 0.4 s on the default one).
#
# daxhold-test: nvdimms=1
# daxhold-test: timeout=180
. /daxtest/lib.sh

plan 2
check "ndctl create-namespace -m fsdax on every region" make_fsdax_all
is "$(grep -c . "$DAXTEST_STATE/pmems")" "$(ls -d /sys/bus/nd/devices/region* | wc -l)" \
	"a pmem device for every region"
