#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make run`: show the series' features working in the test guest.
set -u

mib() { echo "$(( $1 / 1048576 )) MiB"; }
stat_of() { awk -v k="$2" '$1 == k { print $2 }' "$1/memory.stat"; }

echo
echo "=== memory.reclaim: proactive reclaim of a cgroup ==="
cg=/sys/fs/cgroup/demo
mkdir -p "$cg"
# A workload in the cgroup: 192 MiB of page cache on the scratch disk and
# 128 MiB of anonymous memory.
(
	echo "$BASHPID" > "$cg/cgroup.procs"
	dd if=/dev/urandom of=/mnt/scratch/demo.dat bs=1M count=192 \
		conv=fsync status=none
	exec python3 -c '
import time
anon = bytearray(b"x" * (128 << 20))
print("workload: ready", flush=True)
time.sleep(3600)
'
) &
workload=$!
until [ "$(stat_of "$cg" anon)" -gt $((120 << 20)) ] 2>/dev/null; do sleep 0.5; done

show() {
	printf '  %-28s memory.current %-9s (anon %s, file %s)\n' "$1" \
		"$(mib "$(cat "$cg/memory.current")")" \
		"$(mib "$(stat_of "$cg" anon)")" "$(mib "$(stat_of "$cg" file)")"
}
show "workload started:"
for req in "100M swappiness=0" "64M" "max"; do
	start=$(date +%s%N)
	if echo "$req" > "$cg/memory.reclaim"; then r=ok; else r=failed; fi
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	show "after '$req':"
	echo "      write $r in $ms ms; memory.reclaim reads $(mib "$(cat "$cg/memory.reclaim")")"
done
echo "  swapped out: $(mib "$(cat "$cg/memory.swap.current")") (zram)"
echo "  a malformed request is refused:"
{ echo "1Gx" > "$cg/memory.reclaim"; } 2>&1 | sed 's/^/      /'

kill "$workload" 2>/dev/null
wait "$workload" 2>/dev/null
rm -f /mnt/scratch/demo.dat
rmdir "$cg" 2>/dev/null

echo
echo "=== DAMON: the access pattern of a workload, seen through sysfs ==="
python3 "$DAMON_TOP/harness/damon-heatmap.py"
echo
