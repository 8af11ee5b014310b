# SPDX-License-Identifier: GPL-2.0
# The kernel's DAX recovery write on a stack (issue 5 item 3, the path
# nfit_test cannot show): a legacy pmem (memmap=128M!1G: the e820 pmem
# driver, /dev/pmem0 with struct pages, no NFIT firmware), daxhold loaded
# (policy stacked), ext4 on a dm-linear volume over partition 1 and XFS
# (-m reflink=1,rmapbt=1) on one over partition 2, both -o dax.  For each,
# page 3 of a file is marked bad the way the pmem driver records poison:
# a range in the disk's badblocks (written through /sys/block/pmem0/
# badblocks here, as no firmware reports poison on this machine).  Then:
#   - read(2) of the page gives EIO; touching it through mmap gives SIGBUS
#     BUS_MCEERR_AR at that page, lsb 12 (the DAX fault sees -EHWPOISON);
#   - a 512-byte pwrite inside the page gives EFAULT and keeps the entry
#     (pmem_recovery_write() only recovers whole pages);
#   - a pwrite of the whole page succeeds: dax_iomap_iter() retries with
#     DAX_RECOVERY_WRITE, dm-linear passes it down, pmem_recovery_write()
#     clears the poison (nvdimm_clear_poison() has no firmware to ask for
#     a legacy pmem and reports it cleared) and the badblocks entry;
#   - the page reads back as written, every other byte of every file is
#     unchanged, also after a remount.
#
# daxhold-test: nvdimms=0
# daxhold-test: append=memmap=128M!1G
# daxhold-test: modules=daxhold
# daxhold-test: timeout=120
. /daxtest/lib.sh
require_module daxhold

bd=pmem0
PAGE=3
PAT=5a

plan 66

check "/dev/$bd (legacy e820 pmem)" wait_for /dev/$bd 10
like "$(ndctl list -N 2>&1 | tr -d ' \n')" '"mode":"fsdax","map":"mem"' \
	"$bd is an fsdax namespace with its memmap in memory"
is "$(badblocks_of $bd)" "" "no badblocks to start with"
check "insmod daxhold (policy stacked)" daxhold_load
# Two partitions, a dm-linear volume into each, ext4 and XFS -o dax on
# them, four files on each.
ext4_xfs_dm_pair "$bd" 122880
cp /tmp/sums.before /tmp/sums.want

# cycle FS MNT DEV: 16 tests.
cycle() {
	fs=$1 mnt=$2 dev=$3
	f=$mnt/f1
	cp "$f" /tmp/orig
	fsec=$(fiemap_sector "$f" $PAGE)
	where=$(pmem_sector "$dev" "$fsec")
	s=${where#* }
	diag "$fs: page $PAGE of $f is sector $fsec of $dev, $where"
	is "${where% *}" "$bd" "$fs: page $PAGE of $f lies on $bd"
	expect_write ok "$fs: echo '$s 8' > /sys/block/$bd/badblocks" \
		"/sys/block/$bd/badblocks" "$s 8"
	bb_rescan
	is "$(badblocks_of $bd)" "$s 8" "$fs: badblocks is '$s 8'"
	poison_names "$fs" "$f" "$dev" "$bd" "$s" $PAGE
	like "$(xfs_io -c "pread $((PAGE * 4096)) 4096" "$f" 2>&1)" \
		"Input/output error" "$fs: a DAX read of the page gives EIO"
	dax_poison "$f" $PAGE --read-only --no-poison > /tmp/touch.out 2>&1
	t=$(grep '^touch=sigbus' /tmp/touch.out)
	is "$(field si_code "$t") $(field si_addr "$t") $(field si_addr_lsb "$t")" \
		"4 $(kv vaddr /tmp/touch.out) 12" \
		"$fs: touching it through mmap: SIGBUS BUS_MCEERR_AR at the page, lsb 12"
	like "$(xfs_io -c "pwrite -S 0x$PAT $((PAGE * 4096 + 512)) 512" "$f" 2>&1)" \
		"Bad address" "$fs: a 512-byte pwrite inside the page gives EFAULT"
	is "$(badblocks_of $bd)" "$s 8" "$fs: and keeps the entry"
	like "$(xfs_io -c "pwrite -S 0x$PAT $((PAGE * 4096)) 4096" "$f" 2>&1)" \
		"^wrote 4096/4096 bytes" "$fs: a pwrite of the whole page succeeds (DAX recovery write)"
	is "$(badblocks_of $bd)" "" "$fs: the badblocks entry is gone"
	is "$(fiemap_sector "$f" $PAGE)" "$fsec" "$fs: the page stayed on its block"
	is "$(page_bytes "$f" $PAGE)" "$PAT" "$fs: page $PAGE reads back as written"
	want=$(md5_page_filled /tmp/orig $PAGE $PAT)
	is "$(md5sum < "$f" | cut -d' ' -f1)" "$want" "$fs: the rest of $f is unchanged"
	sed "s|^[0-9a-f]*  $f\$|$want  $f|" /tmp/sums.want > /tmp/sums.new
	mv /tmp/sums.new /tmp/sums.want
	is "$(md5sum /mnt/e/f* /mnt/x/f* | md5sum)" "$(md5sum < /tmp/sums.want)" \
		"$fs: every other file is unchanged"
	is "$(dmesg_count_since_mark 'daxhold: .*(notify_failure|-> top)')" 0 \
		"$fs: no memory failure reached daxhold (known poison is not a machine check)"
}

dmesg_mark recovery
cycle ext4 /mnt/e "$ev"
cycle xfs /mnt/x "$xv"

# kill_round FS MNT DEV: with the badblocks policy 'kill', known poison
# under a page that processes map: page 3 of MNT/f2 is mapped by an
# early-kill process and by one without early kill, page 3 of MNT/f3 by
# another early-kill process.  The new bad range must get the first one
# SIGBUS BUS_MCEERR_AO at its page (lsb 12), once, and nobody else a
# signal; the poison file says mapped=1.  Then the recovery write.
# 9 tests.
kill_round() {
	fs=$1 mnt=$2 dev=$3
	f=$mnt/f2
	# rmap_start maps the file and reports page 3 (its vaddr).
	rmap_start ao "$f" --early-kill --read-only --wait 30
	rmap_start quiet "$f" --read-only --wait 30
	rmap_start by "$mnt/f3" --early-kill --read-only --wait 30
	_ready() { grep -q '^ready' /tmp/ao.out && grep -q '^ready' /tmp/quiet.out &&
		grep -q '^ready' /tmp/by.out; }
	check "$fs kill: three processes map their pages 3" until_ok _ready
	where=$(pmem_sector "$dev" "$(fiemap_sector "$f" 3)")
	s=${where#* }
	diag "$fs kill: page 3 of $f is $where"
	expect_write ok "$fs kill: echo '$s 8' > /sys/block/$bd/badblocks" \
		"/sys/block/$bd/badblocks" "$s 8"
	bb_rescan
	_named() { grep -q "^file $bd sector=$s " /proc/fs/daxhold/poison; }
	UNTIL_SECONDS=20 until_ok _named
	pl=$(grep "^file $bd sector=$s " /proc/fs/daxhold/poison)
	is "$(field ino "$pl") $(field offset "$pl") $(field mapped "$pl")" \
		"$(stat -c %i "$f") 0x3000 1" "$fs kill: the poison file names $f page 3, mapped=1"
	wait $ao_pid
	is $? 0 "$fs kill: the early-kill process mapping the page got SIGBUS"
	sig=$(grep '^sigbus ' /tmp/ao.out)
	is "$(field si_code "$sig") $(field si_addr "$sig") $(field si_addr_lsb "$sig")" \
		"5 $(kv vaddr /tmp/ao.out) 12" \
		"$fs kill: BUS_MCEERR_AO at its page, lsb 12"
	_alive=0
	kill -0 $quiet_pid 2>/dev/null && kill -0 $by_pid 2>/dev/null && _alive=1
	kill $quiet_pid $by_pid 2>/dev/null
	wait $quiet_pid $by_pid
	is "$_alive:$(grep -c '^sigbus ' /tmp/quiet.out):$(grep -c '^sigbus ' /tmp/by.out)" \
		"1:0:0" "$fs kill: the mapper without early kill and the unrelated one got nothing"
	like "$(xfs_io -c "pwrite -S 0x$PAT 12288 4096" "$f" 2>&1)" \
		"^wrote 4096/4096 bytes" "$fs kill: a pwrite of the page (recovery write)"
	is "$(badblocks_of $bd)" "" "$fs kill: the entry is gone"
	_gone() { ! grep -q "^file $bd sector=$s " /proc/fs/daxhold/poison; }
	check "$fs kill: and the poison file forgets it" until_ok _gone
	cp "$f" /tmp/orig.f2
}

if [ -e "$DAXHOLD_SYSFS/badblocks" ]; then
	expect_write ok "echo kill > $DAXHOLD_SYSFS/badblocks" "$DAXHOLD_SYSFS/badblocks" kill
	kill_round ext4 /mnt/e "$ev"
	kill_round xfs /mnt/x "$xv"
	expect_write ok "echo report > $DAXHOLD_SYSFS/badblocks" "$DAXHOLD_SYSFS/badblocks" report
	md5sum /mnt/e/f* /mnt/x/f* > /tmp/sums.want
else
	for i in $(seq 1 20); do
		skip "kill policy test $i" "no $DAXHOLD_SYSFS/badblocks in this module"
	done
fi

check "umount both, mount both -o dax again" sh -c \
	"umount /mnt/e && umount /mnt/x && mount -t ext4 -o dax /dev/mapper/ev /mnt/e && mount -t xfs -o dax /dev/mapper/xv /mnt/x"
is "$(md5sum /mnt/e/f* /mnt/x/f* | md5sum)" "$(md5sum < /tmp/sums.want)" \
	"after the remount every file has the checksum it should"
check "umount, dmsetup remove" sh -c \
	"umount /mnt/e && umount /mnt/x && dmsetup remove ev && dmsetup remove xv"
check "rmmod daxhold" daxhold_unload
done_testing
