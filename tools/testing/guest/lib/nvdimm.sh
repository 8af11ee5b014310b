# SPDX-License-Identifier: GPL-2.0
# QEMU's NVDIMMs on a kernel whose NVDIMM drivers are modules (the debug
# flavour: the nfit_test builds of them in /lib/modules/nfit, lib.sh's
# nfit_load).  Sourced after lib.sh.

# nvdimm_load: insmod those modules, all but nfit_test itself (QEMU's
# NFIT is enough), and wait for the first region; nothing if the drivers
# are built in.
nvdimm_load() {
	[ -f "$NFIT_MODDIR/order" ] || return 0
	for _m in $(grep -vx nfit_test "$NFIT_MODDIR/order"); do
		[ -d "/sys/module/$_m" ] && continue
		_r=$(modctl load "$NFIT_MODDIR/$_m.ko")
		[ "$_r" = ok ] || { echo "insmod $_m.ko: $_r"; return 1; }
	done
	UNTIL_SECONDS=30 until_ok sh -c 'ls /sys/bus/nd/devices | grep -q ^region' ||
		{ echo "no nvdimm region"; return 1; }
}
