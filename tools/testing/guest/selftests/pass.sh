# SPDX-License-Identifier: GPL-2.0
# Harness self-test: a clean run passes; TAP helpers and the host control
# channel work (host_cmd echo, and a QEMU monitor command).
#
# daxhold-test: nvdimms=0
# daxhold-test: timeout=60
# daxhold-test: expect_result=pass
. /daxtest/lib.sh

plan 10
ok "plain ok"
is 0x10 16 "is: hex equals decimal"
is "a b" "a b" "is: strings"
isnt 1 2 "isnt"
cmp_ok 3 -lt 0x4 "cmp_ok"
like "pmem0 259:0 calls=1" '^pmem0 [0-9]+:[0-9]+ ' "like"
skip "a skipped test" "because"
r=$(host_cmd echo hello world)
is "$?/$r" "0/hello world" "host_cmd echo"
r=$(host_cmd monitor info status)
like "$r" 'running' "host_cmd monitor info status ($r)"
r=$(host_cmd no-such-command)
is "$?" 1 "host_cmd of an unknown command fails ($r)"
done_testing
