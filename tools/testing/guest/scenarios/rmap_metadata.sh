# SPDX-License-Identifier: GPL-2.0
# Metadata and unowned ranges of a holder-less filesystem.  Two ext4 -o dax
# filesystems on two dm-linear devices over pmem0, daxhold holding pmem0.
# corrupt-pfn (memory_failure() on the page's pfn) on:
#   - the inode table of group 0 of lv (from dumpe2fs): daxhold names ext4
#     metadata at lv's sector and, under the default metadata policy
#     (shutdown), shuts the filesystem down: new files fail with EIO;
#   - the block bitmap of group 0 of lv2 under policy `report`: the line
#     says reported, and lv2 stays usable;
#   - a free block near the end of lv2: reported as unowned;
#   - a page of lv3, a dm-linear device with no filesystem: no ext4, ext2
#     or XFS to walk, so daxhold leaves it to the kernel (EOPNOTSUPP) with
#     one line, and walks nothing.
# The `metadata` control refuses garbage with EINVAL.  Each outcome is
# also a daxhold_owner trace event (ino 0) of kind metadata (the page on
# the dm device), unowned or notours (the pmem's pfn).
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=200
. /daxtest/lib.sh
require_module daxhold

plan 35

check "ndctl create-namespace -m fsdax" make_fsdax_all
check "dmsetup create lv (pmem0 sectors 2048..)" \
	dmsetup create lv --table "0 262144 linear $(devnum pmem0) 2048"
check "dmsetup create lv2 (pmem0 sectors 264192..)" \
	dmsetup create lv2 --table "0 262144 linear $(devnum pmem0) 264192"
check "dmsetup create lv3 (pmem0 sectors 526336.., no filesystem)" \
	dmsetup create lv3 --table "0 8192 linear $(devnum pmem0) 526336"
lv=$(dm_name_dev lv) lv2=$(dm_name_dev lv2)
check "mkfs.ext4 + mount -o dax lv" mkfs_mount_dax ext4 /dev/mapper/lv /mnt/a
check "mkfs.ext4 + mount -o dax lv2" mkfs_mount_dax ext4 /dev/mapper/lv2 /mnt/b
check "insmod daxhold" daxhold_load
held() { [ "$(daxhold_field pmem0 mode)" = auto ]; }
check "daxhold holds pmem0" until_ok held
is "$(cat /sys/kernel/daxhold/metadata)" shutdown "default metadata policy: shutdown"
check "daxhold trace events on" trace_on

# poison DMNAME BASE BLOCK: corrupt-pfn on fs block BLOCK of dm device
# DMNAME (linear on pmem0 from sector BASE; blocks of $BS bytes if set,
# else of its ext4's block size); sets $sec to the dm sector of the failed
# page.
poison() {
	bs=${BS:-$(dumpe2fs -h /dev/mapper/$1 2>/dev/null | sed -n 's/^Block size: *//p')}
	s0=$(($2 + $3 * bs / 512))
	s0=$((s0 - s0 % 8))
	sec=$((s0 - $2))
	phys=$(($(pmem_data_start pmem0) + s0 * 512))
	diag "$1: block $3 (block size $bs) -> pmem0 sector $s0, pfn $(printf '0x%x' $((phys >> 12)))"
	dmesg_mark "$1-$3"
	trace_clear
	r=$(hwpoison_pfn $((phys >> 12)))
	diag "corrupt-pfn: $r"
}
# owner_ev DEV PGOFF PFN KIND: the daxhold_owner fields of one page no
# file owns, as the trace event gives them (rc 0).
owner_ev() {
	echo "dev=$1 ino=0 pgoff=$2 count=1 pfn=$3 kind=$4 rc=0"
}
first() { dumpe2fs /dev/mapper/$1 2>/dev/null | sed -n "s/^ *$2 at \([0-9]*\).*/\1/p" | head -n 1; }
ix() { field "$1" "$(cat /sys/kernel/daxhold/index)"; }

# 1. Inode table, policy shutdown.
it=$(first lv "Inode table")
isnt "$it" "" "dumpe2fs: inode table of group 0 of lv at block $it"
m0=$(ix metadata_hits) sd0=$(ix shutdowns)
poison lv 2048 "$it"
line() { daxhold_lines | grep -q "daxhold: pmem0: dev $(devnum $lv) sector $sec sectors 8: ext4 metadata (inode table of group 0, "; }
check "daxhold: ext4 metadata (inode table of group 0) at $lv sector $sec" until_ok line
daxhold_lines > /tmp/dh.lines
diag_file /tmp/dh.lines
like "$(cat /tmp/dh.lines)" 'metadata \(inode table of group 0, blocks [0-9]+\+[0-9]+\): filesystem shut down' \
	"policy shutdown: filesystem shut down"
like "$(trace_ev daxhold_owner)" "$(owner_ev $(devnum $lv) $((sec / 8)) 0x0 metadata)" \
	"trace: daxhold_owner kind=metadata, $lv page $((sec / 8))"
like "$(touch /mnt/a/new 2>&1)" 'Input/output error' "lv is shut down: creating a file fails with EIO"
is "$(ix metadata_hits)" $((m0 + 1)) "index: metadata_hits +1"
is "$(ix shutdowns)" $((sd0 + 1)) "index: shutdowns +1"

# 2. Block bitmap, policy report.
is "$(write_result /sys/kernel/daxhold/metadata report)" ok "metadata policy: report"
is "$(cat /sys/kernel/daxhold/metadata)" report "metadata reads report"
bb=$(first lv2 "Block bitmap")
isnt "$bb" "" "dumpe2fs: block bitmap of group 0 of lv2 at block $bb"
poison lv2 264192 "$bb"
line2() { daxhold_lines | grep -q "daxhold: pmem0: dev $(devnum $lv2) sector $sec sectors 8: ext4 metadata (block bitmap of group 0, .*: reported (metadata policy: report)"; }
check "daxhold: ext4 metadata (block bitmap of group 0) at $lv2 sector $sec, reported" until_ok line2
like "$(trace_ev daxhold_owner)" "$(owner_ev $(devnum $lv2) $((sec / 8)) 0x0 metadata)" \
	"trace: daxhold_owner kind=metadata, $lv2 page $((sec / 8))"
check "lv2 still works: a new file can be written" sh -c 'echo x > /mnt/b/new && sync'
is "$(ix shutdowns)" $((sd0 + 1)) "index: no new shutdown"

# 3. A free block near the end of lv2: unowned.
u0=$(ix unowned)
blocks=$(dumpe2fs -h /dev/mapper/lv2 2>/dev/null | sed -n 's/^Block count: *//p')
poison lv2 264192 $((blocks - 40))
line3() { daxhold_lines | grep -q "no DAX file maps it and it is no known metadata (unowned)"; }
check "daxhold: a free block is reported unowned" until_ok line3
pfn=$(printf '0x%x' $((phys >> 12)))
like "$(trace_ev daxhold_owner)" "$(owner_ev $(devnum pmem0) 0 $pfn unowned)" \
	"trace: daxhold_owner kind=unowned, pfn $pfn"
is "$(ix unowned)" $((u0 + 1)) "index: unowned +1"

# 4. No filesystem at all on lv3: not daxhold's to answer.
w0=$(ix walks) d0=$(ix direct) u0=$(ix unowned) q0=$(ix queries)
BS=4096 poison lv3 526336 16
line4() { daxhold_lines | grep -q "daxhold: pmem0: pfn $(printf '0x%x' $((phys >> 12)))-$(printf '0x%x' $((phys >> 12))): no DAX file of ext4, ext2 or XFS maps it; left to the kernel"; }
check "daxhold: lv3 has no filesystem it serves: left to the kernel" until_ok line4
pfn=$(printf '0x%x' $((phys >> 12)))
like "$(trace_ev daxhold_owner)" "$(owner_ev $(devnum pmem0) 0 $pfn notours)" \
	"trace: daxhold_owner kind=notours, pfn $pfn"
like "$(daxhold_lines | grep ' -> top ')" "-> top $(dm_name_dev lv3) sector $sec sectors 8 " \
	"the failure reached lv3 at sector $sec"
is "$(ix queries)" $((q0 + 1)) "index: queries +1"
is "$(ix walks) $(ix direct) $(ix unowned)" "$w0 $d0 $u0" \
	"index: no filesystem looked at, not counted unowned"

is "$(write_result /sys/kernel/daxhold/metadata bogus)" errno=EINVAL "metadata bogus: EINVAL"

umount /mnt/a /mnt/b
check "dmsetup remove lv lv2 lv3" dmsetup remove lv lv2 lv3
check "rmmod daxhold" daxhold_unload
done_testing
