# SPDX-License-Identifier: GPL-2.0
# Known poison reported through the stack: ext4 -o dax on a partition of
# an nfit_test fsdax namespace, daxhold holding the pmem by policy
# (stacked: it is partitioned).  Files are written; `ndctl inject-error`
# (with notification) under block 3 of one file puts a range into the
# pmem's badblocks list, and the pmem driver notifies its badblocks
# attribute, which daxhold keeps open and polls:
#   - within seconds dmesg names the damaged file (device chain, pmem
#     sector, fs, inode, file offset) once, and /proc/fs/daxhold/poison
#     lists the bad range, its top (pmemN>pmemNp1) and the file at the
#     offset FIEMAP gives (filefrag -v), not mapped; no other file; the
#     daxhold_badblocks and daxhold_poison trace events say the same;
#   - a policy write (which rescans) does not report it again;
#   - an O_DIRECT rewrite of those sectors through the pmem's block device
#     (the pmem driver's clear-poison path) clears the poison: badblocks
#     empty, one "cleared" line, the entries gone, the file reads back as
#     written, the other file unchanged.  (A pwrite on the DAX file would
#     be the DAX recovery write, but nfit_test's pmem replaces
#     __pmem_direct_access() with one that answers -EIO for a bad page in
#     every mode, tools/testing/nvdimm/pmem-dax.c: under nfit_test it fails
#     with EIO; the diag line below shows it.)
#   - a bad range under free space is reported as unowned, and a range
#     under the ext4 inode table as metadata (dumpe2fs says where);
#   - garbage to /sys/kernel/daxhold/badblocks gives EINVAL and one line;
#   - races: detach forgets the disk's entries (one line, no "cleared"),
#     attach reads them again; rmmod right after an injection (a scan
#     queued or running) and insmod again; the namespace disabled under
#     the held disk: no oops, the entries go.
#
# daxhold-test: flavour=nfit
# daxhold-test: nvdimms=0
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

BUS=nfit_test.0
PART_START=2048
P=/proc/fs/daxhold/poison
BBP=/sys/kernel/daxhold/badblocks

plan 56

# bb: the pmem's badblocks on one line ("64 8;200 1").
bb() {
	tr '\n' ';' < "/sys/block/$bd/badblocks" | sed 's/;$//'
}

# phys_block FILE N: the physical block (fs blocks) of file block N, from
# filefrag -v (extent lines: "idx: lstart.. lend: pstart.. pend: len:").
phys_block() {
	filefrag -v "$1" | awk -v n="$2" '
		$1 ~ /^[0-9]+:$/ {
			gsub(/\.\./, " "); gsub(/:/, " ");
			split($0, f, " ");
			# f: idx lstart lend pstart pend len ...
			if (n >= f[2] && n <= f[3]) { print f[4] + (n - f[2]); exit }
		}'
}

# 1-4: the nfit_test bus and an fsdax namespace on its largest region.
check "insmod the nfit_test modules" nfit_load
check "ndctl destroy-namespace -f all -b $BUS" \
	ndctl destroy-namespace -f all -b "$BUS"
if ! nfit_fsdax "$BUS" > /tmp/fsdax.out 2>&1; then
	diag_file /tmp/fsdax.out
	not_ok "an fsdax namespace on $BUS"
	diag_file "$DAXTEST_STATE/ns.json"
	bail_out "no fsdax namespace on $BUS"
fi
ns=$NFIT_NS bd=$NFIT_BD
ok "an fsdax namespace on $BUS: $ns, /dev/$bd ($(sectors $bd) sectors)"
check "the scrub at bus registration is over" ndctl wait-scrub "$BUS"

# 5-8: a partition, ext4 -o dax on it, daxhold holding the pmem.
check "sfdisk: ${bd}p1 from sector $PART_START" \
	sh -c "printf 'label: dos\nstart=$PART_START\n' | sfdisk -q /dev/$bd"
part=${bd}p1
wait_for "/dev/$part" 10
check "mkfs.ext4 + mount -o dax /dev/$part" mkfs_mount_dax ext4 "/dev/$part" /mnt/p
check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field "$bd" mode)" = auto ]; }
check "daxhold holds $bd by policy" until_ok held

# 9-12: two files; the target block of a.dat from FIEMAP.
dd if=/dev/urandom of=/mnt/p/a.dat bs=4096 count=16 2>/dev/null
dd if=/dev/urandom of=/mnt/p/b.dat bs=4096 count=16 2>/dev/null
sync
ino=$(stat -c %i /mnt/p/a.dat)
fsdev=$(devnum "$part")
pblk=$(phys_block /mnt/p/a.dat 3)
isnt "$pblk" "" "filefrag -v: block 3 of a.dat is fs block $pblk"
S=$((PART_START + pblk * 8))
diag "a.dat: ino $ino on $fsdev; block 3 -> $part sector $((pblk * 8)) -> $bd sector $S"
sum_b=$(md5sum < /mnt/p/b.dat)
is "$(grep -c . $P)" 1 "$P has only its header before any poison"
is "$(head -n 1 $P)" "# daxhold poison v1" "$P header"
is "$(stat -c %a $P)" 400 "$P is mode 0400"

# 13-24: inject under a.dat's block 3, with notification.
check "daxhold trace events on" trace_on
dmesg_mark "inject under a.dat"
check "ndctl inject-error --block=$S --count=8 $ns" \
	ndctl inject-error --block=$S --count=8 "$ns"
UNTIL_SECONDS=20 until_ok sh -c "grep -q '^$S 8\$' /sys/block/$bd/badblocks"
is "$(bb)" "$S 8" "badblocks of $bd: '$S 8'"
fline="file $bd sector=$S fsdev=$fsdev fs=ext4 ino=$ino offset=0x3000 len=0x1000 mapped=0"
UNTIL_SECONDS=10 until_ok grep -qx "$fline" $P
is "$(grep '^file ' $P)" "$fline" "$P names a.dat (ino $ino) at offset 0x3000, and no other file"
like "$(grep '^bad ' $P)" "^bad $bd sector=$S sectors=8 since=[0-9]+\$" "$P: the bad range"
is "$(grep '^top ' $P)" \
	"top $bd sector=$S dev=$part devt=$fsdev top_sector=$((pblk * 8)) sectors=8 depth=1 chain=$bd>$part" \
	"$P: its top, $part sector $((pblk * 8)), through $bd>$part"
is "$(grep -c '^unowned ' $P)" 0 "$P: nothing unowned"
dmsg="daxhold: $bd: known poison: sector $S -> $bd>$part sector $((pblk * 8)): ext4 dev $fsdev ino $ino offset 0x3000 len 0x1000: damaged"
is "$(dmesg_since_mark | strip_ts | grep -c "known poison")" 1 "one known-poison line in dmesg"
is "$(dmesg_since_mark | strip_ts | grep "known poison")" "$dmsg" "it names the device chain, sector, fs, inode and offset"
# poison_ev STATE: the daxhold_poison event of a.dat in STATE, its fields.
poison_ev() {
	trace_ev daxhold_poison | grep " kind=file ino=$ino .* state=$1\$"
}
tp=$(poison_ev damaged)
is "$(field pmem "$tp") $(field sector "$tp") $(field chain "$tp") $(field top_sector "$tp") $(field dev "$tp") $(field offset "$tp") $(field len "$tp")" \
	"$bd $S $bd>$part $((pblk * 8)) $fsdev 0x3000 0x1000" \
	"trace: daxhold_poison of a.dat, damaged: the same sector, chain, top sector, dev, offset"
is "$(trace_ev daxhold_badblocks | grep -c "^pmem=$bd sector=$S sectors=8 state=new\$")" 1 \
	"trace: one daxhold_badblocks state=new for the range"
like "$(cat /sys/kernel/daxhold/index)" "bb_ranges=1 bb_files=1 " "index counters: one range, one file"

# 25-27: rescanning (a policy write) reports nothing again.
dmesg_mark "rescan"
expect_write ok "report to $BBP" $BBP report
sleep 1
is "$(dmesg_since_mark | grep -c 'known poison')" 0 "a rescan does not report it again"
is "$(cat $BBP)" report "$BBP reads report"

# 28-34: the recovery write clears it.
dmesg_mark "rewrite"
out=$(xfs_io -c "pwrite -S 0x5a 0x3000 0x1000" /mnt/p/a.dat 2>&1)
diag "pwrite on the DAX file under nfit_test: $out"
out=$(xfs_io -d -c "pwrite -S 0x5a $((S * 512)) 4096" "/dev/$bd" 2>&1)
like "$out" "^wrote 4096/4096 bytes" "O_DIRECT rewrite of $bd sectors $S-$((S + 7))"
is "$(bb)" "" "badblocks of $bd is empty"
UNTIL_SECONDS=10 until_ok sh -c "! grep -q '^file ' $P"
is "$(grep -c . $P)" 1 "$P is back to its header"
is "$(dmesg_since_mark | strip_ts | grep 'known poison')" \
	"daxhold: $bd: known poison: sector $S -> $bd>$part sector $((pblk * 8)): ext4 dev $fsdev ino $ino offset 0x3000 len 0x1000: cleared" \
	"one 'cleared' line for it"
tp=$(poison_ev cleared)
is "$(field sector "$tp") $(field top_sector "$tp") $(field offset "$tp")" "$S $((pblk * 8)) 0x3000" \
	"trace: daxhold_poison of a.dat, cleared"
is "$(dd if=/mnt/p/a.dat bs=4096 skip=3 count=1 2>/dev/null | od -An -tx1 -v | tr -s ' ' '\n' | grep . | sort -u | tr '\n' ' ')" \
	"5a " "block 3 reads back as written"
is "$(md5sum < /mnt/p/b.dat)" "$sum_b" "b.dat is unchanged"

# 35-38: free space, then metadata.  dumpe2fs gives the last free block
# of the filesystem (files take free blocks from the front of a free
# range) and group 0's inode table.
dumpe2fs "/dev/$part" > /tmp/dumpe2fs.out 2>/dev/null
fblk=$(sed -n 's/^ *Free blocks: //p' /tmp/dumpe2fs.out | tr ',' '\n' | grep . |
	tail -n 1 | sed 's/.*-//; s/ //g')
itab=$(sed -n 's/.*Inode table at \([0-9]*\)-.*/\1/p' /tmp/dumpe2fs.out | head -n 1)
diag "last free block $fblk, group 0 inode table at $itab"
F=$((PART_START + fblk * 8))
check "inject-error under free space (fs block $fblk, sector $F)" \
	ndctl inject-error --block=$F --count=8 "$ns"
UNTIL_SECONDS=20 until_ok grep -q "^unowned $bd sector=$F " $P
is "$(grep "^unowned $bd sector=$F " $P)" \
	"unowned $bd sector=$F fsdev=$fsdev fs=ext4 sector_top=$((fblk * 8)) sectors=8" \
	"$P: free space is unowned, at $part sector $((fblk * 8))"
M=$((PART_START + itab * 8))
check "inject-error under group 0's inode table (fs block $itab, sector $M)" \
	ndctl inject-error --block=$M --count=8 "$ns"
UNTIL_SECONDS=20 until_ok grep -q "^metadata $bd sector=$M " $P
is "$(grep "^metadata $bd sector=$M " $P)" \
	"metadata $bd sector=$M fsdev=$fsdev fs=ext4 what=inode_table_of_group_0" \
	"$P: the inode table is metadata"

# 39-41: garbage to the policy file.
dmesg_mark "garbage"
expect_write errno=EINVAL "garbage to $BBP: EINVAL" $BBP bogus
is "$(dmesg_since_mark | strip_ts | grep -cF 'badblocks: unknown policy "bogus" (report or kill)')" 1 "one line says why, naming the value"
is "$(cat $BBP)" report "the policy is unchanged"

# 42-47: detach forgets a disk's known poison without "cleared" lines;
# attach reads it again.
dmesg_mark "detach"
expect_write ok "detach $bd" "$DAXHOLD_SYSFS/detach" "$bd"
UNTIL_SECONDS=10 until_ok sh -c "[ \$(grep -c . $P) = 1 ]"
is "$(grep -c . $P)" 1 "$P is its header once $bd is let go"
is "$(dmesg_since_mark | grep -c 'known poison.*cleared')" 0 "no 'cleared' lines for a disk let go"
is "$(dmesg_since_mark | grep -c 'known-poison entries of disks no longer held are forgotten')" 1 \
	"one line says its entries are forgotten"
expect_write ok "attach $bd again" "$DAXHOLD_SYSFS/attach" "$bd"
UNTIL_SECONDS=10 until_ok grep -q "^metadata $bd sector=$M " $P
is "$(grep -c '^bad ' $P)" 2 "$P lists its two bad ranges again after attach"

# 48-52: unload while scans are queued or running: an injection in the
# background (its badblocks_set may land during the unload), and a policy
# write (a scan queued at once) right before rmmod; then load again: the
# scan at attach finds the free-space ranges (the inode table's may be
# gone by then: ext4's own write-back of that block clears it).  The
# guest fails on any BUG/WARNING/Oops in dmesg.
R=$((PART_START + (fblk - 8) * 8))
( ndctl inject-error --block=$R --count=8 "$ns" > /tmp/inject.R 2>&1 ) &
inject_pid=$!
sleep 1
expect_write ok "report to $BBP (a scan now), then at once rmmod" $BBP report
check "rmmod daxhold while a scan is queued or running" daxhold_unload
wait $inject_pid
check "insmod daxhold again" daxhold_load
UNTIL_SECONDS=20 until_ok grep -q "^bad $bd sector=$R sectors=8 " $P
is "$(grep -c "^bad $bd sector=\($R\|$F\) sectors=8 " $P)" 2 \
	"the scan at attach lists both free-space ranges, the one injected around rmmod too"
like "$(grep "^unowned $bd sector=$R " $P)" "fs=ext4 sector_top=$(((fblk - 8) * 8)) sectors=8\$" \
	"the one injected before rmmod is unowned free space"

# 53-56: the namespace goes away under the held disk with known poison:
# no oops, the disk is let go, its entries forgotten.
check "umount /mnt/p" umount /mnt/p
dmesg_mark "disable-namespace"
check "ndctl disable-namespace $ns" ndctl disable-namespace "$ns"
UNTIL_SECONDS=20 until_ok sh -c "[ \$(grep -c . $P) = 1 ]"
is "$(grep -c . $P)" 1 "$P is its header once the namespace is gone"

check "rmmod daxhold" daxhold_unload
done_testing
