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
echo "=== DAMOS: a scheme pages out the idle memory of a process ==="
# A workload with 64 MiB of anonymous memory, 16 MiB of it kept hot, and a
# kdamond whose "pageout" scheme takes the regions that saw no access for
# a second (vaddr, 5 ms samples, 100 ms aggregations).
PYTHONPATH=$DAMON_TOP/tools/testing/selftests/damon python3 - <<'PY'
import os
import sys
import time

import damos_helpers as h

if not os.path.isdir(h.KDAMONDS):
    sys.exit("  no DAMON sysfs interface: nothing to show")
try:
    h.write(h.KDAMONDS + "/nr_kdamonds", 1)
    h.write(h.KDAMONDS + "/0/contexts/nr_contexts", 1)
    h.write(h.KDAMONDS + "/0/contexts/0/schemes/nr_schemes", 1)
except OSError:
    sys.exit("  this kernel has no DAMOS schemes: nothing to show")


def swap_used():
    m = dict(l.split(":") for l in open("/proc/meminfo"))
    return (int(m["SwapTotal"].split()[0]) -
            int(m["SwapFree"].split()[0])) >> 10


# The workload and the kdamond go away even if something fails.
try:
    c = h.Child()
    c.anon("buf", 64 << 20)
    c.call("touch", "buf")
    c.call("hot", "buf", 0, 16 << 20)
    k = h.Kdamond()
    k.setup("vaddr", [{"pid": c.pid}],
            [{"action": "pageout", "nr": (0, 0), "age": (10, h.UINT_MAX)}],
            sample_us=5000, aggr_us=100000)
    s = k.scheme_dir(0)
    print("  kdamonds/0/contexts/0: operations vaddr, pid_target %d" % c.pid)
    for f in ("action", "access_pattern/nr_accesses/min",
              "access_pattern/nr_accesses/max", "access_pattern/age/min"):
        print("    schemes/0/%-32s %s" % (f, h.read(s + "/" + f)))
    print("  %5s  %-12s %-16s %s" % ("time", "RssAnon", "buffer resident",
                                     "zram swap used"))
    k.on()
    t0 = time.monotonic()
    for i in range(9):
        print("  %4.1fs  %-12s %-16s %d MiB" % (
            time.monotonic() - t0,
            "%d MiB" % (h.status_kb(c.pid, "RssAnon") >> 20),
            "%.0f%% (hot %.0f%%)" % (c.resident("buf") * 100,
                                    c.resident("buf", 0, 16 << 20) * 100),
            swap_used()), flush=True)
        time.sleep(0.5)
    st = k.stats()
    print("  scheme stats: " + ", ".join("%s %d" % kv for kv in st.items()))
    print("  (sz_* in bytes: %d MiB tried, %d MiB paged out)" % (
        st["sz_tried"] >> 20, st["sz_applied"] >> 20))
finally:
    h.cleanup()
PY
echo
