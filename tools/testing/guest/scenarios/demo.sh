# SPDX-License-Identifier: GPL-2.0
# `make demo`: the whole story in plain words.  An fsdax namespace on
# QEMU's emulated NVDIMM, daxhold holding it, ext4 -o dax on it, a process
# mapping a file; one page of that file is poisoned with
# madvise(MADV_HWPOISON).  The narration shows the failure arriving at
# daxhold and the signal the process got; the checks make it a test too.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

say() { diag "$*"; }
plan 6

say "== 1. Storage: QEMU emulates an NVDIMM; ndctl makes it an fsdax namespace =="
check "fsdax namespace /dev/pmem0" make_fsdax_all
say "   /dev/pmem0: $(( $(cat /sys/block/pmem0/size) / 2048 )) MiB of persistent memory, data area at physical $(pmem_data_start pmem0)"

say ""
say "== 2. daxhold attaches as the dax holder of pmem0 =="
check "insmod daxhold.ko devices=pmem0" daxhold_load devices=pmem0
say "   /sys/kernel/daxhold/holders says:"
say "   $(daxhold_holders)"

say ""
say "== 3. ext4 -o dax on /dev/pmem0; a 64 KiB file; a process maps it =="
check "mkfs.ext4 + mount -o dax" mkfs_mount_dax ext4 /dev/pmem0 /mnt/demo
dd if=/dev/urandom of=/mnt/demo/file bs=4096 count=16 2>/dev/null
sync

say ""
say "== 4. The process poisons page 3 of the mapping: madvise(MADV_HWPOISON) =="
dmesg_mark demo
dax_poison /mnt/demo/file 3 > /tmp/demo.out 2>&1
rc=$?
fs_off=$(kv fs_offset /tmp/demo.out)
vaddr=$(kv vaddr /tmp/demo.out)
sig=$(grep '^sigbus ' /tmp/demo.out)
say "   FIEMAP: page 3 of the file is byte $fs_off of /dev/pmem0; mapped at $vaddr"

say ""
say "== 5. What reached daxhold (its dmesg line) =="
line=$(dmesg_grep_since_mark 'daxhold: pmem0: notify_failure' | strip_ts | head -n 1)
say "   $line"
off=$(field offset "$line")
say "   -> the kernel told daxhold: bytes $off..+$(field len "$line") of pmem0 failed,"
say "      the same place FIEMAP computed ($fs_off); mf_flags say the poison was"
say "      consumed (ACTION_REQUIRED) and simulated by software (SW_SIMULATED)."
is "$off" "$fs_off" "daxhold saw the poisoned page's offset"

say ""
say "== 6. What the process got =="
code=$(field si_code "$sig")
case $code in
4) what="BUS_MCEERR_AR (action required: it touched the poison)" ;;
5) what="BUS_MCEERR_AO (action optional)" ;;
*) what="si_code $code" ;;
esac
say "   SIGBUS, $what, at $(field si_addr "$sig") (the poisoned page), si_addr_lsb=$(field si_addr_lsb "$sig") (a 4 KiB page)"
is "$rc/$code" "0/4" "the process got SIGBUS BUS_MCEERR_AR"
say "   daxhold counted it: $(daxhold_holders)"
say ""
say "   For now daxhold only reports; it returned -EOPNOTSUPP, so the kernel's own"
say "   per-page path sent that SIGBUS.  See Documentation/design.rst."
umount /mnt/demo
check "rmmod daxhold" daxhold_unload
done_testing
