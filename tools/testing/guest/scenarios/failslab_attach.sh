# SPDX-License-Identifier: GPL-2.0
# Allocation failures during attach (Documentation/testing.rst,
# "Allocation failures"): failslab, then fail_page_alloc, aimed at
# Registry::attach, so that one allocation made while `attach pmem0` runs
# fails (daxhold's own, or the kernel's on its behalf: opening the block
# device), the K-th for K = 1, 2, ...  Each injection must be handled:
# the write fails, pmem0 is not held, and exactly one daxhold line
# (warning or worse) names the errno; or the allocator got over it
# (absorbed: the attach went through, without such a line).  At least 100 injections; then a
# clean attach still works, and after rmmod kmemleak suspects nothing.
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

plan 15

check "the NVDIMM drivers" nvdimm_load
check "ndctl create-namespace -m fsdax" make_fsdax_all
check "kmemleak: earlier suspects set aside" kmemleak_baseline
check "insmod daxhold" daxhold_load
check "failslab, fail_page_alloc set up" fi_setup
fi_log_start
check "aim at Registry::attach" fi_aim '8Registry6attach$'

# count_held: HELD = the number of held disks.
count_held() {
	HELD=0
	while read -r _l; do HELD=$((HELD + 1)); done < "$DAXHOLD_SYSFS/holders"
}

# attach_trial ATTR K: `attach pmem0` with the K-th allocation failing:
# the write fails and pmem0 is not held; or (absorbed) pmem0 is held.
attach_trial() {
	fi_arm "$1" "$2"
	_r=$(writefile -e "$DAXHOLD_SYSFS/attach" pmem0)
	fi_fired "$1"
	_fired=$?
	count_held
	FI_NOTE="$_r held=$HELD"
	[ "$_r" = ok ] && writefile -e "$DAXHOLD_SYSFS/detach" pmem0 > /dev/null
	[ $_fired = 0 ] || return 2
	case $_r,$HELD in
	errno=*,0) return 0 ;;
	ok,1) return 3 ;;
	esac
	fi_why "attach: $_r, $HELD held"
	return 1
}

fi_start
fi_sweep failslab 100 400 12 attach_trial
fi_sweep fail_page_alloc 10 40 12 attach_trial
fi_report attach 100 'attach:? (/dev/)?pmem0: '

check "fault injection off" fi_off
expect_write ok "attach pmem0 without injection" "$DAXHOLD_SYSFS/attach" pmem0
is "$(daxhold_field pmem0 mode)" manual "pmem0 held (manual)"
check "rmmod daxhold" daxhold_unload
if kmemleak_suspects /tmp/kmemleak.out; then
	ok "kmemleak suspects nothing"
else
	not_ok "kmemleak suspects nothing"
	diag_file /tmp/kmemleak.out 60
fi
check "the kernel log copy kept up" fi_log_stop
done_testing
