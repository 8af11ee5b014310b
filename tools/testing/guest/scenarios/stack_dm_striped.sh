# SPDX-License-Identifier: GPL-2.0
# dm-striped over two fsdax namespaces (2 stripes, 64 KiB chunks, pmem1's
# stripe 1 MiB into it), ext4 -o dax on top; madvise(MADV_HWPOISON) on one
# page per file of four files, picked so that both stripes are hit twice.
# For each page the pmem and the sector on it are worked out here from
# FIEMAP and `dmsetup table` (dm-stripe's chunk arithmetic).  Without
# daxhold the kernel sends the SIGBUS and nothing names the dm device or
# the sector; with daxhold (policy stacked: both pmems are under dm) the
# notify_failure line comes from that pmem with that offset, the top line
# names the striped device at the FIEMAP sector (depth 1, EOPNOTSUPP: ext4
# holds no dax_device), and the process still gets BUS_MCEERR_AR.  The
# trace events say the same (daxhold_failure, daxhold_top).
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

plan 56

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
chunk=128
per=262144
printf '0 %s striped 2 %s %s 0 %s 2048\n' $((2 * per)) $chunk \
	"$(devnum pmem0)" "$(devnum pmem1)" > /tmp/st.table
check "dmsetup create st (striped: pmem0 at 0, pmem1 at 2048, chunk $chunk)" \
	sh -c 'dmsetup create st < /tmp/st.table'
st=$(dm_name_dev st)
diag "dmsetup table st ($st): $(dmsetup table st)"
check "mkfs.ext4 + mount -o dax /dev/mapper/st" \
	mkfs_mount_dax ext4 /dev/mapper/st /mnt/s
check "/mnt/s mounted with dax (dm-striped passes DAX through)" mount_has_dax /mnt/s
for f in before f0 f1 f2 f3; do
	dd if=/dev/urandom of=/mnt/s/$f bs=4096 count=64 2>/dev/null
done
sync

# stripe_of SECTOR: sets $stripe, $pm (the pmem of that stripe) and $ps
# (the sector on it) for SECTOR of st, from `dmsetup table st`, as
# dm-stripe's stripe_map_sector() does.
stripe_of() {
	_sec=$1
	set -- $(dmsetup table st)
	# $1 begin, $2 len, striped, $4 stripes, $5 chunk, then DEV OFF pairs
	_o=$((_sec - $1))
	_n=$4
	_cs=$5
	_c=$((_o / _cs))
	_co=$((_o % _cs))
	stripe=$((_c % _n))
	_c=$((_c / _n))
	shift $((5 + 2 * stripe))
	pm=$(bdev_name "$1")
	ps=$(($2 + _c * _cs + _co))
}
# where OUT: stripe_of the page dax_poison reported in OUT; sets $s too.
where() {
	s=$(($(kv fs_offset "$1") / 512))
	stripe_of $s
}

# --- 1. Upstream: no holder on either pmem -------------------------------
check "daxhold is not loaded" sh -c '! [ -d /sys/module/daxhold ]'
dmesg_mark "without daxhold"
dax_poison /mnt/s/before 3 > /tmp/before.out 2>&1
is $? 0 "without daxhold: dax_poison got a SIGBUS"
sigbus_ar_ok /tmp/before.out "without daxhold"
where /tmp/before.out
kernel_mf_lines > /tmp/before.k
diag "without daxhold: $st sector $s = stripe $stripe = $pm sector $ps; the kernel logged:"
diag_file /tmp/before.k
is "$(dmesg_count_since_mark 'daxhold: ')" 0 \
	"without daxhold: no daxhold line; nothing names $st, $pm or the sectors"

# --- 2. daxhold, policy stacked --------------------------------------------
check "insmod daxhold (policy stacked)" daxhold_load
held() {
	[ "$(daxhold_field pmem0 mode)" = auto ] && [ "$(daxhold_field pmem1 mode)" = auto ]
}
check "daxhold holds pmem0 and pmem1 by policy (mode=auto)" until_ok held

check "daxhold trace events on" trace_on

# File fI: page 3, or page 19 (one chunk on) if page 3 is not on stripe
# I % 2.
hit0=0 hit1=0
for i in 0 1 2 3; do
	want=$((i % 2))
	page=3
	for p in 3 19; do
		dax_poison /mnt/s/f$i $p --read-only --no-poison > /tmp/pick.out 2>&1 || continue
		where /tmp/pick.out
		[ $stripe -eq $want ] && { page=$p; break; }
	done
	dmesg_mark "f$i page $page"
	trace_clear
	dax_poison /mnt/s/f$i $page > /tmp/f$i.out 2>&1
	is $? 0 "f$i page $page: dax_poison got a SIGBUS"
	sigbus_ar_ok /tmp/f$i.out "f$i page $page"
	where /tmp/f$i.out
	eval "hit$stripe=\$((hit$stripe + 1))"
	daxhold_wait ' -> top '
	daxhold_lines > /tmp/f$i.dh
	diag "f$i page $page: $st sector $s -> chunk $(((s / chunk) / 2)) of stripe $stripe = $pm sector $ps; daxhold logged:"
	diag_file /tmp/f$i.dh
	is "$(grep -c 'notify_failure ' /tmp/f$i.dh)" 1 "f$i page $page: one notify_failure"
	nf=$(nf_line "$pm")
	is "$(field offset "$nf")" "$(printf '0x%x' $((ps * 512)))" \
		"f$i page $page: $pm notify_failure offset == sector from FIEMAP and the table * 512"
	is "$(field offset "$nf")" \
		"$(printf '0x%x' $(($(kv phys /tmp/f$i.out) - $(pmem_data_start "$pm"))))" \
		"f$i page $page: offset == phys - $pm data start"
	like "$(grep ' -> ' /tmp/f$i.dh)" \
		"^daxhold: $pm: offset $(field offset "$nf") len 0x1000 -> top $st sector $s sectors 8 depth 1: no holder handled it; to the reverse map \(EOPNOTSUPP\)$" \
		"f$i page $page: -> top $st sector == FIEMAP offset / 512, depth 1, EOPNOTSUPP"
	tf=$(trace_ev daxhold_failure) tt=$(trace_ev daxhold_top)
	is "$(field pmem "$tf") $(field offset "$tf") $(field seq "$tf"):$(field device "$tt") $(field sector "$tt") $(field sectors "$tt") $(field depth "$tt") $(field outcome "$tt") $(field seq "$tt")" \
		"$pm $(field offset "$nf") $(field seq "$tf"):$st $s 8 1 declined $(field seq "$tf")" \
		"f$i page $page: trace: daxhold_failure on $pm at that offset, daxhold_top $st sector $s, depth 1, declined"
done
cmp_ok $hit0 -ge 1 "stripe 0 (pmem0) was hit ($hit0 pages)"
cmp_ok $hit1 -ge 1 "stripe 1 (pmem1) was hit ($hit1 pages)"
is "$(daxhold_field pmem0 calls)" $hit0 "pmem0 calls == pages on stripe 0"
is "$(daxhold_field pmem1 calls)" $hit1 "pmem1 calls == pages on stripe 1"

check "umount /mnt/s" umount /mnt/s
check "dmsetup remove st" dmsetup remove st
check "rmmod daxhold" daxhold_unload
done_testing
