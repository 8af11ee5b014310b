# SPDX-License-Identifier: GPL-2.0
# Known poison through the kernel's nfit_test, no daxhold: the nfit kernel
# flavour's NVDIMM test modules give an emulated NFIT bus (nfit_test.0)
# whose firmware answers address range scrub and error injection, which
# QEMU's NVDIMM does not.  On an fsdax namespace of it:
#   - `ndctl inject-error --no-notify` is listed by `--status` but reaches
#     /sys/block/pmemN/badblocks only after `ndctl start-scrub`/`wait-scrub`;
#   - `ndctl inject-error` (notify) reaches badblocks by itself;
#   - an O_DIRECT read of a bad sector gives EIO;
#   - `--uninject` drops the injection from `--status`, but the kernel keeps
#     its badblocks entry (a scrub does not remove it either);
#   - an O_DIRECT write of the bad sectors clears them (the pmem driver's
#     clear-poison path): badblocks and `--status` forget them, the data
#     reads back as written, and no other sector changed.
#
# daxhold-test: flavour=nfit
# daxhold-test: nvdimms=0
# daxhold-test: timeout=180
. /daxtest/lib.sh

BUS=nfit_test.0
A=64 NA=8       # injected --no-notify, found by a scrub, cleared by a rewrite
B=200 NB=1      # injected with notification, uninjected, then rewritten
SPAN=512        # sectors checksummed around them

plan 32

# status NS: `ndctl inject-error --status NS` on one line, without blanks.
status() {
	ndctl inject-error --status "$1" 2>&1 | tr -d ' \n'
}

# sums: md5 of the first $SPAN sectors except A and B's ranges.
sums() {
	{
		dd if="/dev/$bd" bs=512 skip=0 count=$A
		dd if="/dev/$bd" bs=512 skip=$((A + NA)) count=$((B - A - NA))
		dd if="/dev/$bd" bs=512 skip=$((B + NB)) \
			count=$((SPAN - B - NB))
	} 2>/dev/null | md5sum | cut -d' ' -f1
}

# bytes OFF LEN: the distinct byte values (hex) of LEN bytes at OFF.
bytes() {
	dd if="/dev/$bd" bs=512 skip=$(($1 / 512)) count=$(($2 / 512)) \
		2>/dev/null | od -An -tx1 -v | tr -s ' ' '\n' | grep . | sort -u |
		tr '\n' ' ' | sed 's/ $//'
}

# 1-2: the modules and the bus.
check "insmod the nfit_test modules: buses nfit_test.0 and nfit_test.1" \
	nfit_load
diag "modules: $(tr '\n' ' ' < "$NFIT_MODDIR/order")"
ndbus=$(nfit_bus "$BUS")
isnt "$ndbus" "" "$BUS is $ndbus"

# 3-5: an fsdax namespace on the largest pmem region of nfit_test.0 that
# takes one.  nfit_test's DIMMs come up without labels, each region as one
# raw namespace over all of it, in use by nd_pmem: destroy-namespace lets
# go of them (it counts none destroyed), so that create-namespace can
# reconfigure a region's namespace.
check "ndctl destroy-namespace -f all -b $BUS" \
	ndctl destroy-namespace -f all -b "$BUS"
regions=$(ndctl list -R -b "$BUS" -t pmem |
	sed -n 's/.*"dev":"\(region[0-9]*\)".*/\1/p')
diag "pmem regions of $BUS: $(echo $regions)"
if ! nfit_fsdax "$BUS" > /tmp/fsdax.out 2>&1; then
	diag_file /tmp/fsdax.out
	not_ok "an fsdax namespace on a pmem region of $BUS"
	diag_file "$DAXTEST_STATE/ns.json"
	bail_out "no fsdax namespace on $BUS"
fi
ns=$NFIT_NS bd=$NFIT_BD
ok "an fsdax namespace on a pmem region of $BUS: $ns, /dev/$bd"
like "$(tr -d ' \n' < "$DAXTEST_STATE/ns.json")" '"mode":"fsdax"' "$ns is in fsdax mode"
diag "$bd data area: $(cat /sys/block/$bd/device/resource) +$(cat /sys/block/$bd/device/size)"
check "the scrub at bus registration is over (ndctl wait-scrub $BUS)" \
	ndctl wait-scrub "$BUS"

# 7-8: a known pattern around the sectors to be poisoned.
dd if=/dev/zero bs=512 count=$SPAN 2>/dev/null | tr '\0' '\245' |
	dd of="/dev/$bd" bs=512 count=$SPAN oflag=direct 2>/dev/null
is "$(bytes 0 $((SPAN * 512)))" a5 "sectors 0-$((SPAN - 1)) hold 0xa5"
before=$(sums)
is "$(badblocks_of "$bd")" "" "no badblocks before any injection"

# 9-15: --no-notify: listed, but known to the kernel only after a scrub.
check "ndctl inject-error --block=$A --count=$NA --no-notify $ns" \
	ndctl inject-error --block=$A --count=$NA --no-notify "$ns"
is "$(status "$ns")" "{\"badblocks\":[{\"block\":$A,\"count\":$NA}]}" \
	"inject-error --status lists block $A count $NA"
sleep 2
is "$(badblocks_of "$bd")" "" "without notification badblocks stays empty (2 s later)"
check "ndctl start-scrub $BUS; ndctl wait-scrub $BUS" \
	nfit_scrub "$BUS"
is "$(badblocks_of "$bd")" "$A $NA" "after the scrub /sys/block/$bd/badblocks is '$A $NA'"
out=$(xfs_io -d -c "pread $((A * 512)) 512" "/dev/$bd" 2>&1)
like "$out" "Input/output error" "an O_DIRECT read of sector $A gives EIO"
out=$(xfs_io -d -c "pread $(((A + NA) * 512)) 512" "/dev/$bd" 2>&1)
like "$out" "^read 512/512 bytes" "sector $((A + NA)), next to them, reads"

# 16-18: with notification: badblocks without a scrub.
check "ndctl inject-error --block=$B --count=$NB $ns" \
	ndctl inject-error --block=$B --count=$NB "$ns"
UNTIL_SECONDS=20 until_ok sh -c \
	"grep -qx '$B $NB' /sys/block/$bd/badblocks"
is "$(badblocks_of "$bd")" "$A $NA;$B $NB" "the notification adds '$B $NB' to badblocks"
is "$(status "$ns")" \
	"{\"badblocks\":[{\"block\":$A,\"count\":$NA},{\"block\":$B,\"count\":$NB}]}" \
	"inject-error --status lists both"

# 19-22: --uninject forgets the injection, not the kernel's entry.
check "ndctl inject-error --uninject --block=$B --count=$NB $ns" \
	ndctl inject-error --uninject --block=$B --count=$NB "$ns"
is "$(status "$ns")" "{\"badblocks\":[{\"block\":$A,\"count\":$NA}]}" \
	"inject-error --status no longer lists block $B"
check "ndctl start-scrub $BUS; ndctl wait-scrub $BUS" \
	nfit_scrub "$BUS"
is "$(badblocks_of "$bd")" "$A $NA;$B $NB" \
	"badblocks keeps '$B $NB' after --uninject and a scrub (cleared by writing only)"

# 23-29: rewriting the bad sectors (O_DIRECT) clears them.
out=$(xfs_io -d -c "pwrite -S 0x5a $((A * 512)) $((NA * 512))" \
	"/dev/$bd" 2>&1)
like "$out" "^wrote $((NA * 512))/$((NA * 512)) bytes" \
	"O_DIRECT write of sectors $A-$((A + NA - 1))"
is "$(badblocks_of "$bd")" "$B $NB" "the write cleared '$A $NA' from badblocks"
is "$(status "$ns")" "" \
	"and from inject-error --status, which lists nothing (clear-error)"
is "$(bytes $((A * 512)) $((NA * 512)))" 5a \
	"sectors $A-$((A + NA - 1)) read back as written (0x5a)"
out=$(xfs_io -d -c "pwrite -S 0x33 $((B * 512)) $((NB * 512))" \
	"/dev/$bd" 2>&1)
like "$out" "^wrote $((NB * 512))/$((NB * 512)) bytes" \
	"O_DIRECT write of sector $B"
is "$(badblocks_of "$bd")" "" "badblocks is empty"
is "$(bytes $((B * 512)) $((NB * 512)))" 33 \
	"sector $B reads back as written (0x33)"

# 30-32: nothing else changed; the namespace still works.
is "$(sums)" "$before" \
	"sectors 0-$((SPAN - 1)) other than the two ranges are unchanged"
check "ndctl start-scrub $BUS; ndctl wait-scrub $BUS" \
	nfit_scrub "$BUS"
is "$(badblocks_of "$bd")" "" "a scrub after the rewrites finds nothing"

done_testing
