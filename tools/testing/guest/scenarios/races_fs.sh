# SPDX-License-Identifier: GPL-2.0
# Races, counted: the filesystem and the namespace.  A failure races,
# RACE_ITER (100) times per method, with:
#   umount   umount -l of the filesystem holding the victim's file (ext4
#            -o dax on pmem0; mounted again after each iteration).  A
#            mapped file keeps a plain umount from succeeding (EBUSY): the
#            lazy one detaches the mount at once and the filesystem goes
#            when the victim, its last user, exits.
#   disable  ndctl disable-namespace of pmem1's namespace (enabled again
#            after each iteration).  ndctl refuses a namespace whose block
#            device is open (EBUSY), so nothing maps pmem1: madvise comes
#            from a victim on pmem0, and corrupt-pfn hits a page of pmem1
#            itself (a fresh one each time), with no victim.
# policy=all holds both pmems.  Each block's daxhold_failure trace events
# (the tracefs buffer) must name the pmems and offsets of its
# notify_failure lines.  Methods and outcomes: lib/races.sh,
# Documentation/testing.rst "Races".
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: append=log_buf_len=2M
# daxhold-test: timeout=900
. /daxtest/lib.sh
. /daxtest/lib/races.sh
require_module daxhold

plan 27

check "fsdax namespaces" make_fsdax_all
check "mkfs.ext4 + mount -o dax /dev/pmem0" mkfs_mount_dax ext4 /dev/pmem0 /mnt/p
for f in umount.madvise umount.pfn disable.madvise; do
	dd if=/dev/urandom of=/mnt/p/$f bs=4096 count=$RACE_ITER 2>/dev/null
done
sync
check "insmod daxhold policy=all" daxhold_load policy=all
both() { [ "$(daxhold_nholders)" = 2 ]; }
check "daxhold holds pmem0 and pmem1" until_ok both
check "daxhold trace events on" trace_on

# block RACER METHOD ALLOWED: race_run on the racer's own file, then
# race_trace_ok.
block() {
	RACE_NAME=$1 RACE_FILE=/mnt/p/$1.$2
	trace_clear
	race_run "$2" "$3"
	race_trace_ok
}

# --- umount -------------------------------------------------------------------
race_act() { umount -l /mnt/p; }
race_restore() { mount -t ext4 -o dax /dev/pmem0 /mnt/p; }
block umount madvise 'ar'
block umount pfn 'ao/ok'

# --- ndctl disable-namespace -----------------------------------------------------
ns1=$(cat /sys/block/pmem1/device/namespace)
pfn1=$(($(pmem_data_start pmem1) >> 12))
# The pfn method's page: page I of pmem1, 1 MiB in.
pmem1_pfn() { printf '0x%x\n' $((pfn1 + 256 + $1)); }
race_act() { ndctl disable-namespace "$ns1"; }
race_restore() {
	ndctl enable-namespace "$ns1" && wait_for /dev/pmem1 && until_ok both
}
block disable madvise 'ar'
RACE_PFN=pmem1_pfn
block disable pfn '-/(EBUSY|ENXIO)'
RACE_PFN=

check "umount" umount /mnt/p
check "rmmod daxhold" daxhold_unload
done_testing
