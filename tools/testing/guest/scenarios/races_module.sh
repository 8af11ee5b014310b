# SPDX-License-Identifier: GPL-2.0
# Races, counted: the module.  A failure of a page of a DAX file races,
# RACE_ITER (100) times per method, with daxhold letting go of the pmem
# below it:
#   rmmod    rmmod daxhold (insmod again after each iteration)
#   detach   detach pmem0, attach it again (policy list, devices=pmem0)
#   policy   policy list, then stacked (pmem0 let go, then held again)
# The file is on ext4 -o dax on a dm-linear `lv` over pmem0.  Methods
# (lib/races.sh): madvise by the victim itself, and corrupt-pfn of its
# page while it waits with early kill.  Documentation/testing.rst, "Races",
# lists the allowed outcomes; the counts are printed as "# races: ...".
# In the detach and policy blocks (daxhold stays loaded) the block's
# daxhold_failure trace events must name the pmems and offsets of its
# notify_failure lines; rmmod takes the module's events, and the buffer
# with them, away.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: append=log_buf_len=2M
# daxhold-test: timeout=900
. /daxtest/lib.sh
. /daxtest/lib/races.sh
require_module daxhold

plan 34

check "fsdax namespace" make_fsdax_all
check "dmsetup create lv over pmem0" \
	dmsetup create lv --table "0 $(($(sectors pmem0) - 2048)) linear $(devnum pmem0) 2048"
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l
for f in rmmod detach policy; do
	for m in madvise pfn; do
		dd if=/dev/urandom of=/mnt/l/$f.$m bs=4096 count=$RACE_ITER 2>/dev/null
	done
done
sync

held() { [ "$(daxhold_nholders)" = 1 ]; }
# block RACER METHOD ALLOWED: race_run on the racer's own file; with
# TRACE=1, the buffer emptied first and race_trace_ok after.
block() {
	RACE_NAME=$1 RACE_FILE=/mnt/l/$1.$2
	[ "$TRACE" != 1 ] || trace_clear
	race_run "$2" "$3"
	[ "$TRACE" != 1 ] || race_trace_ok
}

# --- rmmod ------------------------------------------------------------------
race_act() { modctl unload daxhold; }
race_restore() { daxhold_load && held; }
race_restore
block rmmod madvise 'ar'
block rmmod pfn 'ao/ok'

# --- detach / attach --------------------------------------------------------
race_act() {
	writefile $DAXHOLD_SYSFS/detach pmem0 && writefile $DAXHOLD_SYSFS/attach pmem0
}
race_restore() { held; }
daxhold_unload
daxhold_load policy=list devices=pmem0
check "daxhold trace events on" trace_on
TRACE=1
block detach madvise 'ar'
block detach pfn 'ao/ok'

# --- policy switches ----------------------------------------------------------
race_act() {
	writefile $DAXHOLD_SYSFS/policy list && writefile $DAXHOLD_SYSFS/policy stacked
}
race_restore() { until_ok held; }
daxhold_unload
daxhold_load
check "daxhold trace events on" trace_on
block policy madvise 'ar'
block policy pfn 'ao/ok'

check "rmmod daxhold" daxhold_unload
check "umount" umount /mnt/l
check "dmsetup remove lv" dmsetup remove lv
done_testing
