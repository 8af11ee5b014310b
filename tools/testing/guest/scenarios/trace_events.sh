# SPDX-License-Identifier: GPL-2.0
# daxhold's trace events (include/trace/events/daxhold.h) follow a failure
# through the stack, asserted field by field against FIEMAP, sysfs and
# the poisoned process.  One pmem, two GPT partitions, a dm-linear device
# on each.
#  1. XFS (rmapbt) on dm over pmem0p1, recorded with trace-cmd: one
#     daxhold_failure (pmem0, the page's offset), one daxhold_top (the dm
#     device, its sector, depth 2, handled), the kernel's signal_generate
#     of XFS's SIGBUS to the poisoner, no daxhold_owner or daxhold_kill
#     (XFS answered), all with the failure's seq.
#  2. ext4 on dm over pmem0p2, read from the tracefs buffer: the top is
#     declined (-95), then a daxhold_owner (dev, ino, pgoff, count, kind
#     file) and a daxhold_kill (pid, comm, BUS_MCEERR_AR, addr, lsb 12).
#  3. The events turned off: a failure adds nothing to the buffer.
#  4. rmmod with the events on, insmod again: they go and come back.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=240
. /daxtest/lib.sh
require_module daxhold

plan 55

T=/sys/kernel/tracing
check "tracefs mounted (by the guest init)" test -d $T/events
check "ndctl create-namespace -m fsdax" make_fsdax_all
check "sfdisk: GPT, pmem0p1 and pmem0p2" \
	sh -c 'printf "label: gpt\nstart=2048, size=524288\nstart=526336, size=524288\n" |
		sfdisk -q /dev/pmem0'
check "dm-linear 'lvx' over pmem0p1" dm_concat lvx pmem0p1
check "dm-linear 'lve' over pmem0p2" dm_concat lve pmem0p2
dmx=$(dm_name_dev lvx)
dme=$(dm_name_dev lve)
small_xfs_env
check "mkfs.xfs -m rmapbt=1 on /dev/mapper/lvx" \
	mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/mapper/lvx
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/lvx" mount -t xfs -o dax /dev/mapper/lvx /mnt/x
check "mkfs.ext4 + mount -o dax /dev/mapper/lve" \
	mkfs_mount_dax ext4 /dev/mapper/lve /mnt/e
for f in /mnt/x/f /mnt/e/f /mnt/e/g; do
	dd if=/dev/urandom of=$f bs=4096 count=16 2>/dev/null
done
sync

check "insmod daxhold (policy stacked)" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds the partitioned pmem0" until_ok held
for e in failure top owner kill badblocks poison; do
	check "tracefs has daxhold:daxhold_$e" test -d $T/events/daxhold/daxhold_$e
done

# ev FILE EVENT: the lines of EVENT in a trace report or buffer FILE.
ev() { grep -E " $2: " "$1"; }

# --- 1. XFS on dm over a partition, with trace-cmd --------------------------
dmesg_mark xfs
check "trace-cmd record -e daxhold -e signal:signal_generate around a poison" \
	trace-cmd record -q -o /tmp/x.dat -e daxhold \
		-e signal:signal_generate -f 'sig == 7' \
		sh -c 'dax_poison /mnt/x/f 3 > /tmp/x.out 2>&1'
check "trace-cmd report" sh -c 'trace-cmd report -i /tmp/x.dat > /tmp/x.rep 2>/dev/null'
diag "trace-cmd report of a failure under XFS on $dmx on pmem0p1 on pmem0:"
diag_file /tmp/x.rep
sigbus_ar_ok /tmp/x.out "XFS on $dmx"
daxhold_wait ' -> top '
nf=$(nf_line pmem0)
fs=$(kv fs_offset /tmp/x.out)
f=$(ev /tmp/x.rep daxhold_failure)
is "$(echo "$f" | grep -c .)" 1 "one daxhold_failure"
is "$(field pmem "$f") $(field offset "$f") $(field len "$f")" \
	"pmem0 $(field offset "$nf") 0x1000" \
	"daxhold_failure: pmem0, the offset and len of the dmesg line"
is "$(field mf_flags "$f")" "$(field mf_flags "$nf")" \
	"daxhold_failure: mf_flags as dmesg says"
seq=$(field seq "$f")
t=$(ev /tmp/x.rep daxhold_top)
is "$(echo "$t" | grep -c .)" 1 "one daxhold_top"
is "$(field device "$t") $(field dev "$t") $(field depth "$t")" \
	"$dmx $(devnum $dmx) 2" "daxhold_top: $dmx, its dev_t, depth 2"
is "$(field sector "$t") $(field sectors "$t")" "$((fs / 512)) 8" \
	"daxhold_top: sector == FIEMAP offset / 512, 8 sectors"
is "$(field outcome "$t") $(field rc "$t") $(field seq "$t")" \
	"handled 0 $seq" "daxhold_top: handled by XFS, rc 0, the failure's seq"
is "$(ev /tmp/x.rep 'daxhold_(owner|kill)' | grep -c .)" 0 \
	"no daxhold_owner or daxhold_kill: XFS answered"
s=$(ev /tmp/x.rep signal_generate)
is "$(field code "$s") $(field comm "$s") $(field pid "$s")" \
	"4 dax_poison $(kv pid /tmp/x.out)" \
	"signal_generate: XFS's BUS_MCEERR_AR to the poisoner"

# --- 2. ext4 on dm: the reverse map, from the tracefs buffer ----------------
check "enable daxhold events" sh -c "echo 1 > $T/events/daxhold/enable"
: > $T/trace
dmesg_mark ext4
dax_poison /mnt/e/f 3 > /tmp/e.out 2>&1
is $? 0 "ext4 on $dme: dax_poison got a SIGBUS"
sigbus_ar_ok /tmp/e.out "ext4 on $dme"
daxhold_wait 'Sending SIGBUS'
cat $T/trace > /tmp/e.trace
diag "tracefs buffer of a failure under ext4 on $dme on pmem0p2 on pmem0:"
diag_file /tmp/e.trace
fs=$(kv fs_offset /tmp/e.out)
seq=$(field seq "$(ev /tmp/e.trace daxhold_failure)")
t=$(ev /tmp/e.trace daxhold_top)
is "$(field device "$t") $(field sector "$t") $(field depth "$t")" \
	"$dme $((fs / 512)) 2" "daxhold_top: $dme, the FIEMAP sector, depth 2"
is "$(field outcome "$t") $(field rc "$t")" "declined -95" \
	"daxhold_top: declined (ext4 holds nothing), -EOPNOTSUPP"
o=$(ev /tmp/e.trace daxhold_owner)
is "$(echo "$o" | grep -c .)" 1 "one daxhold_owner"
is "$(field dev "$o") $(field ino "$o")" "$(devnum $dme) $(stat -c %i /mnt/e/f)" \
	"daxhold_owner: the filesystem's dev_t and the file's inode"
is "$(field pgoff "$o") $(field count "$o") $(field kind "$o")" "3 1 file" \
	"daxhold_owner: page 3, one page, kind file"
is "$(field pfn "$o") $(field rc "$o") $(field seq "$o")" \
	"$(kv pfn /tmp/e.out) 0 $seq" "daxhold_owner: the page's pfn, rc 0, the seq"
k=$(ev /tmp/e.trace daxhold_kill)
is "$(echo "$k" | grep -c .)" 1 "one daxhold_kill"
is "$(field pid "$k") $(field comm "$k") $(field si_code "$k")" \
	"$(kv pid /tmp/e.out) dax_poison BUS_MCEERR_AR" \
	"daxhold_kill: the poisoner, BUS_MCEERR_AR"
is "$(field addr "$k") $(field lsb "$k") $(field seq "$k")" \
	"$(kv vaddr /tmp/e.out) 12 $seq" "daxhold_kill: its address, lsb 12, the seq"

# --- 3. Off: nothing is traced ----------------------------------------------
check "disable daxhold events" sh -c "echo 0 > $T/events/daxhold/enable"
: > $T/trace
dmesg_mark off
dax_poison /mnt/e/g 5 > /tmp/off.out 2>&1
is $? 0 "events off: dax_poison got a SIGBUS"
daxhold_wait 'Sending SIGBUS'
is "$(grep -c daxhold_ $T/trace)" 0 "events off: nothing in the buffer"

# --- 4. rmmod with the events on --------------------------------------------
check "enable daxhold events" sh -c "echo 1 > $T/events/daxhold/enable"
check "umount, remove the dm devices" \
	sh -c 'umount /mnt/x /mnt/e && dmsetup remove lvx && dmsetup remove lve'
check "rmmod daxhold with its events enabled" daxhold_unload
check "its events are gone from tracefs" test ! -e $T/events/daxhold
check "insmod daxhold again" daxhold_load
check "its events are back" test -d $T/events/daxhold/daxhold_failure
is "$(cat $T/events/daxhold/enable)" 0 "and off, as a new module's are"
check "rmmod daxhold" daxhold_unload
