# SPDX-License-Identifier: GPL-2.0
# Allocation failures during a snapshot rebuild (Documentation/
# testing.rst, "Allocation failures"): dm-linear `lv` over pmem0, daxhold
# holding pmem0 by policy; each trial swaps lv's table (reload + resume:
# dm's event queues the rescan, which rebuilds the snapshot) with
# failslab, then fail_page_alloc, aimed at holder::snapshot::current, and reads
# /proc/fs/daxhold/stack (which waits for the rebuild, or does it).  Each
# injection must be handled: exactly one daxhold line (warning or worse)
# names the errno (the rebuild failed and the last snapshot stays, or a
# part of it was left out), and the next rebuild, without injection,
# shows lv on pmem0 again.  At least 100 injections; after rmmod
# kmemleak suspects nothing.
#
# daxhold-test: flavour=debug
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=1800
. /daxtest/lib.sh
. /daxtest/lib/nvdimm.sh
. /daxtest/lib/failslab.sh
. /daxtest/lib/fi_sweep.sh
. /daxtest/lib/kmemleak.sh
require_module daxhold
fi_available || skip_all "no failslab/fail_page_alloc with a stack filter"
kmemleak_available || skip_all "no kmemleak"

plan 17

P=/proc/fs/daxhold/stack
check "the NVDIMM drivers" nvdimm_load
check "ndctl create-namespace -m fsdax" make_fsdax_all
TABLE="0 $(($(sectors pmem0) / 2)) linear $(devnum pmem0) 2048"
check "dmsetup create lv (linear on pmem0)" dmsetup create lv --table "$TABLE"
lv=$(dm_name_dev lv)
check "kmemleak: earlier suspects set aside" kmemleak_baseline
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held
check "failslab, fail_page_alloc set up" fi_setup
fi_log_start
check "aim at holder::snapshot::current" fi_aim '8snapshot7current$'

# stack_sees_lv: the snapshot (rebuilt now if need be) has lv on pmem0.
stack_sees_lv() {
	grep -q "^map $lv lower=pmem0 " $P
}

# stack_trial ATTR K: swap lv's table with the K-th allocation of a
# rebuild failing; the next rebuild must see lv again.
stack_trial() {
	dmsetup reload lv --table "$TABLE" 2> /dev/null
	fi_arm "$1" "$2"
	dmsetup resume lv 2> /dev/null
	cat $P > /dev/null
	fi_fired "$1" || return 2
	stack_sees_lv || { fi_why "no lv in the next snapshot"; return 1; }
	# A page allocation that fails can be absorbed by the allocator's
	# own fallback (a smaller slab, vmalloc): not seen here.
	[ "$1" = failslab ] && return 0
	return 4
}

fi_start
fi_sweep failslab 100 400 16 stack_trial
fi_sweep fail_page_alloc 10 40 16 stack_trial
fi_report "snapshot rebuild" 100 'stack'

check "fault injection off" fi_off
check "$P shows lv on pmem0" stack_sees_lv
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
