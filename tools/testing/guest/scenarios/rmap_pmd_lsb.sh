# SPDX-License-Identifier: GPL-2.0
# si_addr_lsb of daxhold's own kill for a PMD mapping (Documentation/
# design.rst, "Kill semantics"): the shift comes from the page tables of
# each task, as the kernel's dev_pagemap_mapping_shift() does, so a page
# mapped through a 2 MiB PMD gets lsb 21, not 12.  ext4 -o dax on a
# partition of pmem0 that starts at 2 MiB, made with a 2 MiB stripe so
# that a large file gets 2 MiB-aligned extents; daxhold holds pmem0 by
# policy.  In an aligned extent of a written 8 MiB file (both mappings
# 2 MiB-aligned, as DAX files are mapped):
#   daxhold     an early-kill mapper of page P and a second process that
#               poisons page P + 2 with madvise(): the poisoner AR at its
#               address, the mapper AO at its address of page P + 2, both
#               lsb 21, both PMDs gone (pagemap), one signal record each
#               with lsb 21, and daxhold's trace events say the same
#               (daxhold_kill of each: code, address, lsb 21;
#               daxhold_owner of the file's page P + 2)
#   kernel      the same without daxhold (the kernel's per-page path on a
#               disk nobody holds): lsb 21 too, so daxhold says what the
#               kernel says
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=300
. /daxtest/lib.sh
require_module daxhold

plan 39

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: pmem0p1 at 2 MiB" \
	sh -c 'printf "label: dos\nstart=4096, size=400000\n" | sfdisk -q /dev/pmem0'
_mkfs() {
	mkfs.ext4 -q -F -b 4096 -E stride=512,stripe_width=512 /dev/pmem0p1 &&
		mkdir -p /mnt/p && mount -t ext4 -o dax /dev/pmem0p1 /mnt/p
}
check "mkfs.ext4 (2 MiB stripe) + mount -o dax /dev/pmem0p1" _mkfs
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held

# aligned_page FILE: page 3 of the first extent of FILE whose logical and
# physical starts are 2 MiB-aligned (512 blocks) and that holds a whole
# 2 MiB; empty if there is none.
aligned_page() {
	filefrag -v "$1" | awk -F'[ :.]+' '
		$2 ~ /^[0-9]+$/ && $3 % 512 == 0 && $5 % 512 == 0 && $4 - $3 >= 511 {
			print $3 + 3; exit
		}'
}

# round NAME: a fresh written 8 MiB file; an early-kill mapper of page P
# (aligned_page) and a second process poisoning page P + 2; the SIGBUS
# each got (13 tests).
round() {
	_f=/mnt/p/$1
	dd if=/dev/urandom of=$_f bs=1M count=8 2>/dev/null
	sync
	_p=$(aligned_page $_f)
	diag "$(filefrag -v $_f | sed -n '4,6p' | tr -s ' ')"
	check "$1: the file has a 2 MiB-aligned extent (page ${_p:-none})" test -n "$_p"
	[ -n "$_p" ] || _p=3
	dax_poison $_f $_p --early-kill --no-poison --wait 30 --linger 1 > /tmp/ao.out 2>&1 &
	ao_pid=$!
	_ready() { grep -q '^ready' /tmp/ao.out; }
	check "$1: the early-kill mapper maps page $_p" until_ok _ready
	_map=$(kv map /tmp/ao.out)
	is "$(( _map % 2097152 ))" 0 "$1: the mapping is 2 MiB-aligned ($_map)"
	dax_poison $_f $((_p + 2)) --linger 1 > /tmp/ar.out 2>&1
	is $? 0 "$1: the poisoner of page $((_p + 2)) got SIGBUS"
	_sig=$(grep '^sigbus ' /tmp/ar.out)
	is "$(field si_code "$_sig")" 4 "$1: poisoner: BUS_MCEERR_AR"
	is "$(field si_addr "$_sig")" "$(kv vaddr /tmp/ar.out)" "$1: poisoner: si_addr is its page"
	is "$(field si_addr_lsb "$_sig")" 21 "$1: poisoner: si_addr_lsb 21 (PMD)"
	is "$(kv sigbus_count /tmp/ar.out)" 1 "$1: poisoner: exactly one SIGBUS"
	wait $ao_pid
	is $? 0 "$1: the early-kill mapper got SIGBUS"
	_sig=$(grep '^sigbus ' /tmp/ao.out)
	is "$(field si_code "$_sig")" 5 "$1: mapper: BUS_MCEERR_AO"
	# Its address of the poisoned page: two pages after its page P.
	_want=$(printf '0x%x' $(( $(kv vaddr /tmp/ao.out) + 8192 )))
	is "$(field si_addr "$_sig")" "$_want" "$1: mapper: si_addr is its address of page $((_p + 2))"
	is "$(field si_addr_lsb "$_sig")" 21 "$1: mapper: si_addr_lsb 21 (PMD)"
	is "$(kv present /tmp/ao.out)/$(kv present /tmp/ar.out)" 0/0 \
		"$1: both mappings of the poisoned 2 MiB are gone (pagemap)"
}

check "daxhold trace events on" trace_on
round daxhold
ao_addr=$(printf '0x%x' $(( $(kv vaddr /tmp/ao.out) + 8192 )))
is "$(kill_ev "$ao_pid")" "BUS_MCEERR_AO $ao_addr 21" \
	"daxhold: trace: daxhold_kill of the mapper: AO, its address of page $((_p + 2)), lsb 21"
is "$(kill_ev "$(kv pid /tmp/ar.out)")" \
	"BUS_MCEERR_AR $(kv vaddr /tmp/ar.out) 21" \
	"daxhold: trace: daxhold_kill of the poisoner: AR, its address, lsb 21"
o=$(trace_ev daxhold_owner | grep " ino=$(stat -c %i /mnt/p/daxhold) ")
is "$(field dev "$o") $(field pgoff "$o") $(field kind "$o") $(field rc "$o")" \
	"$(devnum /dev/pmem0p1) $((_p + 2)) file 0" \
	"daxhold: trace: daxhold_owner of the file's page $((_p + 2)), rc 0"
cat /proc/fs/daxhold/events > /tmp/ev.out
grep ' signal ' /tmp/ev.out | while read -r _l; do diag "events: $_l"; done
like "$(grep " signal pid=$ao_pid " /tmp/ev.out)" "code=AO .* lsb=21" \
	"daxhold: the mapper's signal record: AO, lsb 21"
is "$(grep -c ' signal .*code=AR .* lsb=21' /tmp/ev.out)" 1 \
	"daxhold: one AR signal record, lsb 21"

check "umount, rmmod daxhold" eval 'umount /mnt/p && daxhold_unload'
check "mount -o dax /dev/pmem0p1 again" mount -t ext4 -o dax /dev/pmem0p1 /mnt/p
round kernel
