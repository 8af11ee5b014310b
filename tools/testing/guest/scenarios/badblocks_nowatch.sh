# SPDX-License-Identifier: GPL-2.0
# The badblocks watch's fallback (Documentation/design.rst, "Known
# poison"): without sysfs at /sys daxhold cannot open a held disk's
# badblocks attribute to poll it.  On a legacy pmem, /sys unmounted (sysfs
# stays at /tmp/sys for the test itself), pmem0 attached:
#   - one line names the disk and says its changes are polled, once;
#   - an entry written into the list is reported within the 5 s poll
#     period, with no notification and no policy write.
#
# daxhold-test: nvdimms=0
# daxhold-test: append=memmap=128M!1G
# daxhold-test: modules=daxhold
# daxhold-test: timeout=60
. /daxtest/lib.sh
require_module daxhold

plan 8

check "/dev/pmem0 (legacy e820 pmem)" wait_for /dev/pmem0 10
check "insmod daxhold" daxhold_load
mkdir -p /tmp/sys
check "sysfs also at /tmp/sys" mount -t sysfs sysfs /tmp/sys
check "umount /sys" umount -l /sys
S=/tmp/sys/kernel/daxhold
dmesg_mark "no sysfs at /sys"
expect_write ok "attach pmem0" "$S/attach" pmem0
_said() { dmesg_since_mark | grep -q "cannot watch"; }
until_ok _said
like "$(dmesg_grep_since_mark 'cannot watch')" \
	"daxhold: pmem0: cannot watch /sys/dev/block/[0-9]+:[0-9]+/badblocks \(.*\): its badblocks changes are polled every 5 s" \
	"one line: pmem0's changes are polled"
echo "800 8" > /tmp/sys/block/pmem0/badblocks
_new() { dmesg_since_mark | grep -q "pmem0: badblocks: sector 800 sectors 8: new"; }
UNTIL_SECONDS=7 check "the entry is reported within the poll period" until_ok _new
sleep 6
is "$(dmesg_grep_since_mark 'cannot watch' | grep -c .)" 1 \
	"said once, not at every poll"
