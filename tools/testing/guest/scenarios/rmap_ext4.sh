# SPDX-License-Identifier: GPL-2.0
# The reverse map for holder-less ext4: ext4 -o dax on a partition of pmem0
# (pmem0p1) and on dm-linear over another partition (pmem0p2), daxhold
# holding pmem0 by policy.  For each, three injections, each on a fresh
# file:
#   madvise    madvise(MADV_HWPOISON) by a process mapping page 3 (AR)
#   pfn        hwpoison-inject corrupt-pfn of that page's pfn (AO only)
#   mce        QEMU monitor `mce` with the page's physical address (AO)
# Around each, a process mapping the same page with early kill (expects
# BUS_MCEERR_AO at its own address, lsb 12), one mapping it without early
# kill (expects nothing) and one mapping an unrelated file with early kill
# (expects nothing).  daxhold must name the owner (device, inode number,
# pgoff 3) found in its DAX index, and memory_failure() must say
# Recovered.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=400
. /daxtest/lib.sh
require_module daxhold

plan 89

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: pmem0p1 and pmem0p2" \
	sh -c 'printf "label: dos\nstart=4096, size=200000\nstart=210000, size=400000\n" | sfdisk -q /dev/pmem0'
check "dmsetup create lv (linear on pmem0p2 from sector 2048)" \
	dmsetup create lv --table "0 $(($(sectors pmem0p2) - 2048)) linear $(devnum pmem0p2) 2048"
lv=$(dm_name_dev lv)
check "mkfs.ext4 + mount -o dax /dev/pmem0p1" mkfs_mount_dax ext4 /dev/pmem0p1 /mnt/p
check "mkfs.ext4 + mount -o dax /dev/mapper/lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/l

check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0 by policy" until_ok held
like "$(cat /sys/kernel/daxhold/index)" '^mappings=[0-9]+ bytes=[0-9]+ ' \
	"/sys/kernel/daxhold/index reads"

# start NAME FILE ARGS...: dax_poison FILE 3 --no-poison ARGS in the
# background, output in /tmp/NAME.out, pid in $NAME_pid.
start() {
	_n=$1 _f=$2
	shift 2
	dax_poison "$_f" 3 --no-poison "$@" > /tmp/$_n.out 2>&1 &
	eval "${_n}_pid=$!"
}

# round MNT DEV HOW (madvise|pfn|mce): 11 tests (12 for madvise).
round() {
	mnt=$1 dev=$2 how=$3
	a=$mnt/$how.a b=$mnt/$how.b
	for f in $a $b; do dd if=/dev/urandom of=$f bs=4096 count=16 2>/dev/null; done
	sync
	start ao "$a" --early-kill --wait 30
	start quiet "$a" --wait 30
	start by "$b" --early-kill --wait 30
	ready() { grep -q '^ready' /tmp/ao.out && grep -q '^ready' /tmp/quiet.out &&
		grep -q '^ready' /tmp/by.out; }
	check "$dev $how: three processes map their pages" until_ok ready
	phys=$(kv phys /tmp/ao.out)
	own0=$(cat /sys/kernel/daxhold/index)
	dmesg_mark "$dev-$how"
	case $how in
	madvise)
		dax_poison "$a" 3 > /tmp/ar.out 2>&1
		is $? 0 "$dev madvise: the poisoning process got SIGBUS"
		sigbus_ar_ok /tmp/ar.out "$dev madvise: poisoner" ;;
	pfn)
		r=$(hwpoison_pfn $((phys >> 12)))
		diag "corrupt-pfn $(printf '0x%x' $((phys >> 12))): $r"
		is "$r" ok "$dev pfn: corrupt-pfn accepted" ;;
	mce)
		r=$(host_cmd mce -b 0 9 0xbd000000000000c0 5 $phys 0x8c)
		is "$?" 0 "$dev mce: host injected the machine check ($r)" ;;
	esac
	ok_alive=0
	kill -0 $quiet_pid 2>/dev/null && kill -0 $by_pid 2>/dev/null && ok_alive=1
	is $ok_alive 1 "$dev $how: the bystanders were still waiting when it was injected"
	wait $ao_pid; rc_ao=$?
	kill $quiet_pid $by_pid 2>/dev/null
	wait $quiet_pid; rc_q=$?
	wait $by_pid; rc_b=$?
	is $rc_ao 0 "$dev $how: the early-kill process mapping the page got SIGBUS"
	sig=$(grep '^sigbus ' /tmp/ao.out)
	is "$(field si_code "$sig")" 5 "$dev $how: early kill: BUS_MCEERR_AO"
	is "$(field si_addr "$sig")" "$(kv vaddr /tmp/ao.out)" "$dev $how: early kill: si_addr is its page"
	is "$(field si_addr_lsb "$sig")" 12 "$dev $how: early kill: si_addr_lsb 12"
	is "$(grep -c '^sigbus ' /tmp/quiet.out)" 0 "$dev $how: the mapper without early kill got nothing"
	is "$(grep -c '^sigbus ' /tmp/by.out)" 0 "$dev $how: the unrelated mapper got nothing"
	ino=$(stat -c %i "$a")
	d=$(devnum "$dev")
	dh_wait() { daxhold_lines | grep -q "owned by dev $d ino $ino pgoff 3: "; }
	check "$dev $how: daxhold names the owner: dev $d ino $ino pgoff 3" until_ok dh_wait
	daxhold_lines > /tmp/dh.lines
	diag_file /tmp/dh.lines
	like "$(dmesg_grep_since_mark 'Memory failure' | strip_ts)" \
		'recovery action for dax page: Recovered' "$dev $how: memory_failure: Recovered"
	own1=$(cat /sys/kernel/daxhold/index)
	is "$(field owners "$own1")" $(($(field owners "$own0") + 1)) "$dev $how: index owners +1"
}

for how in madvise pfn mce; do
	round /mnt/p pmem0p1 $how
	round /mnt/l "$lv" $how
done

diag "index: $(cat /sys/kernel/daxhold/index)"
check "umount both" umount /mnt/p /mnt/l
check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
done_testing
