# SPDX-License-Identifier: GPL-2.0
# The reverse map's 1-to-N case: XFS -m reflink=1,rmapbt=0 -o dax on
# dm-linear concatenating two fsdax namespaces.  XFS holds the dm device's
# dax_device but, without rmapbt, declines every failure (-EOPNOTSUPP), so
# the page of a reflinked file has two owners that only daxhold's DAX index
# knows.  For a file on each namespace: the file and its reflink copy
# (same block, checked by FIEMAP) are mapped read-only, the copy by an
# early-kill process, the file by one without early kill, an unrelated file
# by an early-kill process; then page 3 of the file is poisoned by madvise, by
# corrupt-pfn and by QEMU's mce (fresh files each time).  daxhold must name
# both owners (file and copy, pgoff 3), the early-kill mapper of the copy
# must get BUS_MCEERR_AO, the others nothing, and memory_failure() must
# say Recovered.  (The early-kill process maps only the copy: a second
# process's fault on the same shared page of the same file unmaps the
# first one's PTE (dax_insert_entry() on an IOMAP_F_SHARED extent), and
# collect_procs_fsdax() takes only tasks with a present PTE; see
# Documentation/testing.rst, "Reverse-map scenarios".)  Upstream oopses on
# a shared fsdax page (rmap_xfs_reflink_upstream.sh).
#
# daxhold-test: nvdimms=2
# daxhold-test: modules=daxhold
# daxhold-test: timeout=400
. /daxtest/lib.sh
require_module daxhold

plan 96

check "ndctl create-namespace -m fsdax (2)" make_fsdax_all
check "insmod daxhold (policy stacked)" daxhold_load
check "dm-linear 'cat' = pmem0 + pmem1" dm_concat cat pmem0 pmem1
dm=$(dm_name_dev cat)
held() { [ "$(daxhold_nholders)" = 2 ]; }
check "daxhold holds pmem0 and pmem1" until_ok held
check "mkfs.xfs -m reflink=1,rmapbt=0 -d agcount=4" \
	mkfs.xfs -q -f -m reflink=1,rmapbt=0 -d agcount=4 /dev/mapper/cat
mkdir -p /mnt/x
check "mount -o dax /dev/mapper/cat" mount -t xfs -o dax /dev/mapper/cat /mnt/x
check "/proc/mounts shows dax" mount_has_dax /mnt/x
split=$(($(sectors pmem0) * 512))

# round HOW FILE: reflink FILE, rmap_round with both owners; 15 tests
# (16 for mceinj, 19 for madvise).
round() {
	f=$2 g=$2.reflink u=$2.unrelated
	dd if=/dev/urandom of=$u bs=4096 count=16 2>/dev/null
	check "$1: xfs_io reflink $f -> $g" xfs_io -f -c "reflink $f" "$g"
	sync
	dax_poison "$f" 3 --read-only --no-poison > /tmp/f.out 2>&1
	dax_poison "$g" 3 --read-only --no-poison > /tmp/g.out 2>&1
	is "$(kv fs_offset /tmp/g.out)" "$(kv fs_offset /tmp/f.out)" \
		"$1: page 3 of the copy is the same block (FIEMAP)"
	RMAP_ARGS=--read-only rmap_round "$dm" "$1" "$f" "$g" "$f" "$u" \
		"$(stat -c %i "$f")" "$(stat -c %i "$g")"
	like "$(grep ' -> top ' /tmp/dh.lines)" \
		"-> top $dm sector $(($(kv fs_offset /tmp/f.out) / 512)) sectors 8 depth 1: no holder handled it; to the reverse map \(EOPNOTSUPP\)" \
		"$1: XFS (no rmapbt) declined it at $dm, FIEMAP sector"
}

spread_files /mnt/x/m $split
diag "file on pmem0: $ON0, file on pmem1: $ON1"
round madvise "$ON0"
round madvise "$ON1"
spread_files /mnt/x/p $split
round pfn "$ON0"
spread_files /mnt/x/c $split
round mce "$ON1"
spread_files /mnt/x/i $split
round mceinj "$ON0"

diag "index: $(cat /sys/kernel/daxhold/index)"
check "umount" umount /mnt/x
check "dmsetup remove cat" dmsetup remove cat
check "rmmod daxhold" daxhold_unload
done_testing
