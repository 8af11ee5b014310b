# SPDX-License-Identifier: GPL-2.0
# `make demo`: the whole story in plain words.  An fsdax namespace on
# QEMU's emulated NVDIMM, a dm-linear volume on it (as LVM would make),
# XFS with reflink on the volume, a file and its reflink copy mapped by two
# processes; one page of the file is poisoned with madvise(MADV_HWPOISON).
# daxhold picks the pmem up by itself, carries the failure up to the
# volume and hands it to XFS.  The narration shows each step; the checks
# make it a test too.
#
# daxhold-test: nvdimms=1
# daxhold-test: modules=daxhold
# daxhold-test: timeout=150
. /daxtest/lib.sh
require_module daxhold

say() { diag "$*"; }
plan 12

say "== 1. Storage: QEMU emulates an NVDIMM; ndctl makes it an fsdax namespace =="
check "fsdax namespace /dev/pmem0" make_fsdax_all
say "   /dev/pmem0: $(( $(sectors pmem0) / 2048 )) MiB of persistent memory"

say ""
say "== 2. insmod daxhold (policy 'stacked'): a bare pmem is left alone =="
check "insmod daxhold.ko" daxhold_load
is "$(daxhold_nholders)" 0 "nothing held yet"
say "   holders: (none)"

say ""
say "== 3. A dm-linear volume 'lv' on pmem0, from its sector 2048 (1 MiB in) =="
len=$(( $(sectors pmem0) - 2048 ))
check "dmsetup create lv" dmsetup create lv --table "0 $len linear $(devnum pmem0) 2048"
held() { [ "$(daxhold_nholders)" = 1 ]; }
check "daxhold picked pmem0 up by itself" until_ok held
say "   holders: $(daxhold_holders | cut -d' ' -f1,2,3) ... $(daxhold_field pmem0 mode)"

say ""
say "== 4. XFS (reflink, rmapbt) -o dax on /dev/mapper/lv; a file and its reflink copy =="
check "mkfs.xfs + mount -o dax" sh -c 'mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/mapper/lv &&
	mkdir -p /mnt/demo && mount -t xfs -o dax /dev/mapper/lv /mnt/demo'
dd if=/dev/urandom of=/mnt/demo/file bs=4096 count=16 2>/dev/null
xfs_io -f -c "reflink /mnt/demo/file" /mnt/demo/copy > /dev/null
sync
dax_poison /mnt/demo/copy 3 --read-only --no-poison --wait 8 > /tmp/copy.out 2>&1 &
copy=$!
ready() { grep -q '^ready' /tmp/copy.out; }
check "process B maps the copy" until_ok ready

say ""
say "== 5. Process A poisons page 3 of the file: madvise(MADV_HWPOISON) =="
dmesg_mark demo
dax_poison /mnt/demo/file 3 --read-only > /tmp/demo.out 2>&1
rc=$?
wait $copy; rc_b=$?
fs_off=$(kv fs_offset /tmp/demo.out)
say "   FIEMAP: page 3 is byte $fs_off of lv (sector $((fs_off / 512)));"
say "   the copy's page 3 is byte $(kv fs_offset /tmp/copy.out): the same block, shared"

say ""
say "== 6. What reached daxhold, and where it sent it =="
# daxhold logs from a work item, a moment after the failure.
daxhold_wait ' -> top '
dmesg_grep_since_mark 'daxhold: ' | strip_ts > /tmp/dh.lines
while read -r l; do say "   $l"; done < /tmp/dh.lines
nf=$(grep 'notify_failure' /tmp/dh.lines | head -n 1)
top=$(grep -- '-> top' /tmp/dh.lines | head -n 1)
say "   -> pmem0 reported byte $(field offset "$nf"); that is sector $((fs_off / 512)) of"
say "      $(dm_name_dev lv) (lv), whose holder (XFS) found the owners and handled it."
is "$(field offset "$nf")" "$(printf '0x%x' $((fs_off + 1048576)))" "pmem0 offset = FIEMAP offset + 1 MiB"
like "$top" "-> top $(dm_name_dev lv) sector $((fs_off / 512)) sectors 8 depth 1: handled by its holder" \
	"daxhold translated it to lv and XFS handled it"

say ""
say "== 7. What the processes got =="
sig=$(grep '^sigbus ' /tmp/demo.out)
say "   A: SIGBUS $(field si_code "$sig") (BUS_MCEERR_AR: it touched the poison) at $(field si_addr "$sig"), si_addr_lsb=$(field si_addr_lsb "$sig")"
say "   B: $(grep -q '^nosignal' /tmp/copy.out && echo 'nothing: it did not touch the page, and early kill is off' || echo "$(grep '^sigbus ' /tmp/copy.out)")"
is "$rc/$(field si_code "$sig")" "0/4" "process A got SIGBUS BUS_MCEERR_AR"
is "$rc_b" 3 "process B got no signal"
say ""
say "   Without daxhold nobody holds pmem0 under the volume, and 6.12's per-page"
say "   fallback oopses on this shared page (see the xfs_dm_reflink_upstream test)."
umount /mnt/demo
dmsetup remove lv
check "rmmod daxhold" daxhold_unload
done_testing
