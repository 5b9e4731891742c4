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
echo "=== DAMON_RECLAIM: proactive reclaim through module parameters ==="
# A workload with 128 MiB of anonymous memory, the first 32 MiB kept hot,
# and DAMON_RECLAIM set to page out what stayed idle for a second, watching
# the System RAM range that holds the workload, with no quota and
# watermarks that let it work whatever the free memory.
PYTHONPATH=$DAMON_TOP/tools/testing/selftests/damon python3 - <<'PY'
import sys
import time

import damos_helpers as h

m = h.DamonModule("damon_reclaim")
if not m.present():
    sys.exit("  this kernel has no DAMON_RECLAIM: nothing to show")
if not h.swap_total():
    sys.exit("  no swap to page anonymous memory out to: nothing to show")
MIB = h.MIB
SIZE, HOT = 128 * MIB, 32 * MIB

try:
    c = h.Child()
    c.anon("buf", SIZE, "nohugepage")
    c.call("touch", "buf")
    c.call("hot", "buf", 0, HOT)
    pages = [a for a in c.phys("buf") if a is not None]
    lo, hi = max(h.system_ram(),
                 key=lambda r: sum(r[0] <= a < r[1] for a in pages))
    params = {"min_age": 1000000, "quota_ms": 0, "quota_sz": 0,
              "wmarks_interval": 100000, "wmarks_high": 1000,
              "wmarks_mid": 999, "wmarks_low": 0,
              "monitor_region_start": lo, "monitor_region_end": hi}
    print("  workload: %d MiB anonymous, %d MiB of it hot, pid %d" % (
        SIZE >> 20, HOT >> 20, c.pid))
    print("  System RAM %#x-%#x (%d MiB) holds it" % (
        lo, hi, (hi - lo) >> 20))
    print("  /sys/module/damon_reclaim/parameters:")
    m.configure(**params)
    for k, v in params.items():
        print("    %-22s %s" % (k, m.get(k)))
    rss0 = h.status_kb(c.pid, "RssAnon")
    m.enable()
    print("    %-22s %s (kdamond_pid %d)" % (
        "enabled", m.get("enabled"), m.pid()))
    print("  %5s  %-10s %-22s %-16s %s" % (
        "time", "RssAnon", "resident: cold/hot", "reclaimed", "per second"))
    t0 = last_t = time.monotonic()
    last = 0
    for i in range(20):
        time.sleep(1)
        now = time.monotonic()
        done = m.get_int("bytes_reclaimed_regions")
        cold = c.resident("buf", HOT, SIZE)
        print("  %4.1fs  %-10s %-22s %-16s %.1f MiB/s" % (
            now - t0, "%d MiB" % (h.status_kb(c.pid, "RssAnon") >> 20),
            "%.0f%% / %.0f%%" % (cold * 100,
                                 c.resident("buf", 0, HOT) * 100),
            "%d MiB" % (done >> 20),
            (done - last) / MIB / (now - last_t)), flush=True)
        last, last_t = done, now
        if cold < 0.05:
            break
    rss1 = h.status_kb(c.pid, "RssAnon")
    st = m.stats(("nr_reclaim_tried_regions", "bytes_reclaim_tried_regions",
                  "nr_reclaimed_regions", "bytes_reclaimed_regions",
                  "nr_quota_exceeds"))
    print("  memory saved: RssAnon %d -> %d MiB (%d MiB); reclaimed "
          "%.1f MiB/s on average since the start" % (
              rss0 >> 20, rss1 >> 20, (rss0 - rss1) >> 20,
              st["bytes_reclaimed_regions"] / MIB / (last_t - t0)))
    print("  stats: " + ", ".join("%s %d" % kv for kv in st.items()))
finally:
    h.cleanup()
PY
echo
