# SPDX-License-Identifier: GPL-2.0
# Allocation failures while the reverse map's kill grows its storage
# (Documentation/testing.rst, "Allocation failures"): XFS -m
# reflink=1,rmapbt=0 -o dax on dm-linear over pmem0 (XFS declines every
# failure: daxhold's reverse map kills), daxhold holding pmem0 by policy.
# One poison_maps process poisons pages (madvise) while failslab is aimed
# at one growth:
#
# - reverse-map growth, Collector::grow_maps (the table of the VMAs that
#   map a failed page): file R, pages of region A mapped by 17 VMAs of the
#   poisoner (the table starts with room for 16), each poisoned with an
#   injection; after each, unarmed, a page of region B (1025 VMAs: the
#   table grows to 2048) and one of C (1 VMA: the storage kept from B is
#   much too large and is freed), so that the next A page starts from 16
#   again;
# - kill-set growth, Collector::grow (the set of tasks to signal): file F
#   and 20 reflink copies, each copy mapped by one early-kill child
#   process: a poisoned page of F has 21 owners and 21 tasks (the set
#   starts with room for 16, and again after each failed growth).
#
# Each injection must be handled: the poisoner gets its SIGBUS
# (BUS_MCEERR_AR), every child its BUS_MCEERR_AO (the kernel's per-owner
# kill takes over where the set could not grow), and exactly one daxhold
# line (warning or worse) names the errno.  At least 100 injections per
# growth; after rmmod kmemleak suspects nothing.
#
# daxhold-test: flavour=debug
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=2400
. /daxtest/lib.sh
. /daxtest/lib/nvdimm.sh
. /daxtest/lib/failslab.sh
. /daxtest/lib/fi_sweep.sh
. /daxtest/lib/kmemleak.sh
. /daxtest/lib/poison_maps.sh
require_module daxhold
fi_available || skip_all "no failslab/fail_page_alloc with a stack filter"
kmemleak_available || skip_all "no kmemleak"

COPIES=20
plan $((29 + COPIES))

check "the NVDIMM drivers" nvdimm_load
check "ndctl create-namespace -m fsdax" make_fsdax_all
check "kmemleak: earlier suspects set aside" kmemleak_baseline
check "insmod daxhold (policy stacked)" daxhold_load
check "dm-linear 'lv' over pmem0" dm_concat lv pmem0
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held
check "mkfs.xfs -m reflink=1,rmapbt=0" mkfs.xfs -q -f -m reflink=1,rmapbt=0 /dev/mapper/lv
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/lv" mount -t xfs -o dax /dev/mapper/lv /mnt/x
R=/mnt/x/r F=/mnt/x/f
check "R: 768 pages" dd if=/dev/zero of=$R bs=4096 count=768
check "F: 128 pages" dd if=/dev/urandom of=$F bs=4096 count=128
for i in $(seq $COPIES); do
	check "reflink F -> F.$i" xfs_io -f -c "reflink $F" $F.$i
done
sync
check "failslab, fail_page_alloc set up" fi_setup
fi_log_start
pm_start
like "$(pm map $R 0 256 17)" "vmas=17" "R region A: 17 VMAs"
like "$(pm map $R 256 256 1025)" "vmas=1025" "R region B: 1025 VMAs"
like "$(pm map $R 512 256 1)" "vmas=1" "R region C: 1 VMA"

# poisoned OUT: the poisoner's answer says it got its BUS_MCEERR_AR.
poisoned() {
	case $1 in
	*"madvise=0 sigbus="[1-9]*" code=4") return 0 ;;
	esac
	return 1
}

# fallbacks: the kill set's fallbacks so far (/sys/kernel/daxhold/index).
fallbacks() {
	read -r _i < "$DAXHOLD_SYSFS/index"
	field kill_fallbacks "$_i"
}

# outcome BEFORE OUT: a trial's verdict from the poisoner's answer OUT
# and the fallbacks counted before it: 0 if daxhold fell back to the
# kernel's kill, 3 if it did not (absorbed), 1 if the poisoner got no
# BUS_MCEERR_AR.
outcome() {
	poisoned "$2" || { fi_why "poisoner: $2"; return 1; }
	[ "$(fallbacks)" -gt "$1" ] && return 0
	return 3
}

# rmap_trial ATTR K: poison page NEXT_A of R while the VMA table's growth
# fails (its two vectors are kvmalloc'ed, and kvmalloc retries once: two
# failures each; K 1, the slots; K 2, past the slots (a kmalloc-4k
# object), the records); then, unarmed, a page of B and one of C.
NEXT_A=0
rmap_trial() {
	_f=$(fallbacks)
	fi_arm "$1" 1 2 $(( ($2 - 1) * 4097 ))
	_out=$(pm poison $R $NEXT_A)
	fi_fired "$1"
	_fired=$?
	FI_NOTE=${_out#poison }
	_b=$(pm poison $R $((256 + NEXT_A)))
	_c=$(pm poison $R $((512 + NEXT_A)))
	NEXT_A=$((NEXT_A + 1))
	poisoned "$_b" && poisoned "$_c" ||
		{ fi_why "unarmed B/C: $_b / $_c"; return 1; }
	[ $_fired = 0 ] || return 2
	outcome "$_f" "$_out"
}

fi_aim '9Collector9grow_maps$' || bail_out "no Collector::grow_maps in kallsyms"
fi_start
fi_sweep failslab 100 250 2 rmap_trial
fi_report "reverse-map growth" 100 'kill set'

check "F: the poisoner maps it" pm map $F 0 128 1
for i in $(seq $COPIES); do
	pm fork $F.$i 0 128 1 > /dev/null || break
done
like "$(pm count)" "children=$COPIES sigbus=0 " "$COPIES children map one copy each"

# children_got N: every child has had N SIGBUSes or more.
children_got() {
	[ "$(field min "$(pm count)")" -ge "$1" ]
}

# kill_trial ATTR K: poison page NEXT_F of F (21 owners, 21 tasks) with
# the K-th allocation of grow failing; every child gets one more SIGBUS.
NEXT_F=0
kill_trial() {
	_f=$(fallbacks)
	fi_arm "$1" "$2"
	_out=$(pm poison $F $NEXT_F)
	fi_fired "$1"
	_fired=$?
	FI_NOTE=${_out#poison }
	NEXT_F=$((NEXT_F + 1))
	UNTIL_SECONDS=20 until_ok children_got $NEXT_F ||
		{ fi_why "a child missed its SIGBUS: $(pm count)"; return 1; }
	[ $_fired = 0 ] || return 2
	outcome "$_f" "$_out"
}

fi_aim '9Collector4grow$' || bail_out "no Collector::grow in kallsyms"
fi_start
fi_sweep failslab 100 120 3 kill_trial
fi_report "kill-set growth" 100 'kill set'

check "fault injection off" fi_off
diag "$(pm count)"
check "poison_maps quits" pm_stop
check "umount /mnt/x" umount /mnt/x
check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
if kmemleak_suspects /tmp/kmemleak.out; then
	ok "kmemleak suspects nothing"
else
	not_ok "kmemleak suspects nothing"
	diag_file /tmp/kmemleak.out 60
fi
check "the kernel log copy kept up" fi_log_stop
done_testing
