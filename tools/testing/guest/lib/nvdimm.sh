# SPDX-License-Identifier: GPL-2.0
# QEMU's NVDIMMs on a kernel whose NVDIMM drivers are modules (the debug
# flavour: the kernel's own builds of them in /lib/modules/nvdimm, which
# /init loads for every scenario that is not flavour=nfit).  Sourced after
# lib.sh.

NVDIMM_MODDIR=$MODDIR/nvdimm

# nvdimm_load: insmod those modules (those /init loaded are skipped) and
# wait for the first region; nothing if the drivers are built in.
nvdimm_load() {
	[ -f "$NVDIMM_MODDIR/order" ] || return 0
	for _m in $(cat "$NVDIMM_MODDIR/order"); do
		[ -d "/sys/module/$_m" ] && continue
		_r=$(modctl load "$NVDIMM_MODDIR/$_m.ko")
		[ "$_r" = ok ] || { echo "insmod $_m.ko: $_r"; return 1; }
	done
	UNTIL_SECONDS=30 until_ok sh -c 'ls /sys/bus/nd/devices | grep -q ^region' ||
		{ echo "no nvdimm region"; return 1; }
}
