# SPDX-License-Identifier: GPL-2.0
# Harness smoke test, no daxhold: fsdax namespace, ext4 -o dax, and
# madvise(MADV_HWPOISON) on a page of a mapped file.  With no holder on the
# pmem the kernel's own per-page path must send SIGBUS BUS_MCEERR_AR with
# si_addr_lsb 12 for exactly that page.
#
# daxhold-test: nvdimms=1
# daxhold-test: timeout=120
. /daxtest/lib.sh

plan 14

check "ndctl create-namespace -m fsdax on every region" make_fsdax_all
check "mkfs.ext4 + mount -o dax /dev/pmem0" \
	mkfs_mount_dax ext4 /dev/pmem0 /mnt/ext4
check "/proc/mounts shows dax for /mnt/ext4" mount_has_dax /mnt/ext4

dd if=/dev/urandom of=/mnt/ext4/f bs=4096 count=16 2>/dev/null
sync
r=$(statx_dax /mnt/ext4/f)
is "$(field dax "$r")" 1 "statx says the file is DAX ($r)"

start=$(pmem_data_start pmem0)
size=$(pmem_data_size pmem0)
diag "pmem0 data area: start=$start size=$size"

out=/tmp/poison.out
dax_poison /mnt/ext4/f 3 > $out 2>&1
rc=$?
diag_file $out
is $rc 0 "dax_poison exit status 0 (got a SIGBUS)"

phys=$(kv phys $out)
fs_off=$(kv fs_offset $out)
vaddr=$(kv vaddr $out)
cmp_ok "$phys" -ge "$start" "phys is inside the pmem data area (start)"
cmp_ok "$phys" -lt "$((start + size))" "phys is inside the pmem data area (end)"
is "$((phys - start))" "$((fs_off))" "phys - data start == FIEMAP offset"
is "$(kv madvise $out)" 0 "madvise(MADV_HWPOISON) returned 0"

sig=$(grep '^sigbus ' $out)
is "$(field si_code "$sig")" 4 "SIGBUS si_code is BUS_MCEERR_AR"
is "$(field si_addr "$sig")" "$vaddr" "si_addr is the poisoned page"
is "$(field si_addr_lsb "$sig")" 12 "si_addr_lsb is 12"
is "$(kv sigbus_count $out)" 1 "exactly one SIGBUS"

n=$(dmesg | grep -c "Memory failure: $(printf '0x%x' $((phys >> 12)))")
cmp_ok "$n" -ge 1 "kernel logged memory_failure() for the pfn"

umount /mnt/ext4
done_testing
