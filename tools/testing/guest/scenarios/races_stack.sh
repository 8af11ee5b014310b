# SPDX-License-Identifier: GPL-2.0
# Races, counted: the stack.  A failure of a page of a DAX file races,
# RACE_ITER (100) times per method, with a change of the stack the page
# is translated through:
#   reload     dmsetup suspend/reload/resume to another layout: of `alias`
#              (its two halves swapped: the page moves to another sector
#              of it) and, every other iteration, of `lv` under the
#              mounted filesystem (a tail target added or dropped)
#   partition  pmem0's table rewritten (pmem0p1 grows or shrinks under
#              the mounted filesystem, pmem0p2 too, pmem0p3 comes or goes:
#              the sector sfdisk made for the other layout, written with
#              dd) and read again by the kernel (partx -u)
#   remove     dmsetup remove alias (created again after each iteration)
# pmem0 (msdos) -> pmem0p1 -> dm-linear lv (ext4 -o dax, the victim's
# file) and dm-linear alias over the same sectors (nothing on it): the
# failure goes up to both.  The kernel refuses to re-read the whole table
# (BLKRRPART) while a partition is open, and dm refuses to remove a device
# that is open, hence partx and a device beside lv.  Each block's trace
# events (the tracefs buffer) must say what its lines say: a
# daxhold_failure per notify_failure line, daxhold_top events naming the
# same sectors of lv and of alias as the "-> top" lines.  Methods and
# outcomes: lib/races.sh, Documentation/testing.rst "Races".
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: append=log_buf_len=2M
# daxhold-test: timeout=900
. /daxtest/lib.sh
. /daxtest/lib/races.sh
require_module daxhold

plan 44

check "fsdax namespace" make_fsdax_all
# Partition layouts (sfdisk scripts): B grows p1 by 16 MiB, shrinks p2
# and adds p3.
printf 'label: dos\nstart=2048, size=524288\nstart=589824, size=65536\n' > /tmp/part.A
printf 'label: dos\nstart=2048, size=557056\nstart=589824, size=32768\nstart=655360, size=16384\n' > /tmp/part.B
# mbr A|B: the MBR sfdisk writes for layout A or B, in /tmp/mbr.A or B.
mbr() {
	truncate -s $(($(sectors pmem0) * 512)) /tmp/disk.img &&
		sfdisk -q /tmp/disk.img < /tmp/part.$1 &&
		dd if=/tmp/disk.img of=/tmp/mbr.$1 bs=512 count=1 2>/dev/null
}
# repartition A|B: write that MBR to pmem0.
repartition() {
	dd if=/tmp/mbr.$1 of=/dev/pmem0 bs=512 count=1 conv=fsync 2>/dev/null
}
check "sfdisk: the MBRs of layouts A and B" eval 'mbr A && mbr B'
check "pmem0: layout A (pmem0p1, pmem0p2)" eval 'repartition A && blockdev --rereadpt /dev/pmem0'
check "pmem0p1 is there" wait_for /dev/pmem0p1 5
p1=$(devnum pmem0p1)
# dm tables: lv.A the filesystem's 254 MiB of p1, lv.B that and a tail;
# alias.A the same sectors as lv.A, alias.B its halves swapped.
printf '0 520192 linear %s 2048\n' $p1 > /tmp/lv.A
printf '0 520192 linear %s 2048\n520192 2048 linear %s 522240\n' $p1 $p1 > /tmp/lv.B
cp /tmp/lv.A /tmp/alias.A
printf '0 260096 linear %s 262144\n260096 260096 linear %s 2048\n' $p1 $p1 > /tmp/alias.B
check "dmsetup create lv (layout A)" dmsetup create lv /tmp/lv.A
check "dmsetup create alias (layout A)" dmsetup create alias /tmp/alias.A
check "mkfs.ext4 /dev/mapper/lv" mkfs.ext4 -q -F -b 4096 -E nodiscard /dev/mapper/lv
mkdir -p /mnt/l
check "mount -o dax" mount -t ext4 -o dax /dev/mapper/lv /mnt/l
for f in reload partition remove; do
	for m in madvise pfn; do
		dd if=/dev/urandom of=/mnt/l/$f.$m bs=4096 count=$RACE_ITER 2>/dev/null
	done
done
sync
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0" until_ok held
check "daxhold trace events on" trace_on

lv=$(dm_name_dev lv) alias=$(dm_name_dev alias)
# alias_named: in how many failures' lines alias was a top.
alias_named() { echo "alias a top in $(dmesg_count_since_mark "-> top $alias ")"; }
RACE_NOTE=alias_named
# tops_ok: since the block's mark, every "-> top" line of lv names the
# sector of a victim's page (FIEMAP: lv's layouts map the filesystem
# alike), and every one of alias names that sector under layout A or B.
tops_ok() {
	for v in $RACE_DIR/*.v; do
		echo $(($(kv fs_offset $v) / 512))
	done | sort -u > /tmp/want
	dmesg_grep_since_mark "-> top $lv " | sed 's/.* sector \([0-9]*\) .*/\1/' |
		sort -u > /tmp/got.lv
	dmesg_grep_since_mark "-> top $alias " | sed 's/.* sector \([0-9]*\) .*/\1/' |
		sort -u > /tmp/got.alias
	awk 'NR == FNR { w[$1] = 1; next }
	     FILENAME ~ /lv$/ && !w[$1] { print "lv sector " $1 }
	     FILENAME ~ /alias$/ && !w[$1] && !w[$1 + 260096] && !w[$1 - 260096] {
		print "alias sector " $1 }' /tmp/want /tmp/got.lv /tmp/got.alias
}
# trace_ok: after tops_ok, the events in the buffer (the block's: emptied
# at its start) say what the lines since the block's mark say: as many
# daxhold_failure events as notify_failure lines (RACE_SEEN), at least
# one, and daxhold_top events naming the same sectors of lv and of alias
# as the "-> top" lines, lv at least one.  Prints what differs.
trace_ok() {
	_nf=$(trace_ev daxhold_failure | grep -c .)
	[ "$_nf" = "$(dmesg_count_since_mark "$RACE_SEEN")" ] && [ "$_nf" -gt 0 ] ||
		echo "daxhold_failure events: $_nf," \
			"notify_failure lines: $(dmesg_count_since_mark "$RACE_SEEN")"
	trace_ev daxhold_top > /tmp/tt
	for d in lv alias; do
		eval "_dn=\$$d"
		sed -n "s/.* device=$_dn dev=[0-9:]* depth=[0-9]* sector=\([0-9]*\) .*/\1/p" \
			/tmp/tt | sort -u > /tmp/tgot.$d
		cmp -s /tmp/tgot.$d /tmp/got.$d ||
			echo "$d ($_dn): events: $(grep -c . /tmp/tgot.$d) sectors," \
				"lines: $(grep -c . /tmp/got.$d), first differing:" \
				"$(diff /tmp/tgot.$d /tmp/got.$d | grep -E '^[-+][0-9]' | head -n 2 | tr '\n' ' ')"
	done
	[ -s /tmp/tgot.lv ] || echo "no daxhold_top of lv ($lv)"
}
# block RACER METHOD ALLOWED: race_run on the racer's own file, then
# tops_ok and trace_ok; 5 tests.
block() {
	RACE_NAME=$1 RACE_FILE=/mnt/l/$1.$2
	trace_clear
	race_run "$2" "$3"
	is "$(tops_ok)" "" "$1/$2: every top line names the victim's sector"
	is "$(trace_ok)" "" \
		"$1/$2: trace: daxhold_failure and daxhold_top events as the lines say"
}
# toggle NAME: A -> B -> A ... in /tmp/NAME.now; prints the new one.
toggle() {
	_now=$(cat /tmp/$1.now 2>/dev/null || echo A)
	case $_now in A) _now=B ;; *) _now=A ;; esac
	echo $_now > /tmp/$1.now
	echo $_now
}

# --- dm suspend/reload/resume -------------------------------------------------
# reload DEV: DEV to its other layout.
reload() {
	_t=/tmp/$1.$(toggle $1)
	dmsetup suspend $1 && dmsetup reload $1 $_t && dmsetup resume $1
}
race_act() {
	if [ $((RACE_I % 2)) = 0 ]; then reload alias; else reload lv; fi
}
race_restore() { :; }
block reload madvise 'ar'
block reload pfn 'ao/ok'

# --- partition table rewrite and re-read ---------------------------------------
race_act() { repartition $(toggle part) && partx -u /dev/pmem0; }
block partition madvise 'ar'
block partition pfn 'ao/ok'

# --- dmsetup remove -------------------------------------------------------------
race_act() { dmsetup remove alias; }
race_restore() { dmsetup create alias /tmp/alias.A; }
block remove madvise 'ar([+]ENXIO)?'
block remove pfn 'ao/(ok|ENXIO)'

check "umount" umount /mnt/l
check "dmsetup remove lv" dmsetup remove lv
check "rmmod daxhold" daxhold_unload
done_testing
