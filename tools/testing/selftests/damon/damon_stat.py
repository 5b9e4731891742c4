#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_STAT, and the intervals auto-tuning of the other modules.

  parameters    enabled (0600, N unless the kernel command line or
                CONFIG_DAMON_STAT_ENABLED_DEFAULT says otherwise),
                kdamond_pid, estimated_memory_bandwidth,
                memory_idle_ms_percentiles and aggr_interval_us (0400,
                refusing writes); malformed writes of enabled fail with
                EINVAL and change nothing
  cycles        enabled and disabled ten times: kdamond_pid follows
  exclusive     DAMON_STAT, DAMON_RECLAIM and a sysfs kdamond refuse to
                start (EBUSY) beside each other
  results       with a workload keeping 32 MiB hot, within 30 s: 101
                percentiles in order, the lowest negative (memory seen
                accessed) and the highest positive (idle memory: most of
                the guest's), a bandwidth above 0, and an aggregation
                interval that the tuning moved from its 100 ms start,
                twenty samples of 5 ms to 10 s; once disabled, the last
                values stay
  known workload
                paced_access keeps a sixteenth of the monitored range (the
                biggest System RAM range) hot (every page written once per
                500 ms), a sixteenth warm (once per 2 s) and an eighth
                idle, its memory bound to the NUMA nodes that lie in the
                range, if any (else with the idle part grown by the RAM
                outside the range, which it takes up being faulted in
                first); /proc/PID/pagemap tells how much of each part
                lies in the range.  Once the tuned interval has
                settled (at most 90 s), the percentile at 4/5 of the hot
                part's share of the range is negative (the hot memory
                reads as accessed now), the one at 80% is at least a third
                of the time since enabling (the idle eighth, with the free
                memory the guest has, reads as idle all along: to a
                physical address monitor the two look the same), and
                estimated_memory_bandwidth is within a factor of 2 of the
                rate paced_access kept in the range; the sample interval
                this needs is a quarter of the hot period, well inside the
                5 ms to 10 s the tuning may take
  autotune      DAMON_RECLAIM and DAMON_LRU_SORT with
                autotune_monitoring_intervals=Y step their intervals (the
                damon_monitor_intervals_tune tracepoint, within [5 ms,
                10 s]); with N they do not

The workload's accesses are seen through accessed bits: under TCG the
test needs the TLB churn of the test guest (harness/guest-churn.sh).
"""

import os
import subprocess
import time

from damos_helpers import (ACTIVE, MIB, PAGE, Child, DamonModule, Fail, Skip,
                           Tap, at_cleanup, biggest_ram, check_exclusive,
                           check_read_only, phys_pages, require_module,
                           system_ram, try_write, wait_for, write)

M = None
RESULTS = ("estimated_memory_bandwidth", "memory_idle_ms_percentiles",
           "aggr_interval_us")
TRACING = "/sys/kernel/tracing"
EVENT = TRACING + "/events/damon/damon_monitor_intervals_tune"


def test_parameters():
    names = set(os.listdir(M.dir))
    want = {"enabled", "kdamond_pid"} | set(RESULTS)
    if names != want:
        raise Fail("parameters %s, want %s" % (sorted(names), sorted(want)))
    mode = os.stat(M.path("enabled")).st_mode & 0o777
    if mode != 0o600:
        raise Fail("enabled mode %o, want 600" % mode)
    note = check_read_only(M, RESULTS)
    for value in ("maybe", "2", "-1"):
        err = try_write(M.path("enabled"), value)
        if err != "EINVAL" or M.enabled():
            raise Fail("enabled <- %s: %s, reads %s" % (
                value, err or "ok", M.get("enabled")))
    return note


def percentiles():
    vals = [int(v) for v in M.get("memory_idle_ms_percentiles").split(",")]
    if len(vals) != 101:
        raise Fail("%d percentiles, want 101" % len(vals))
    if vals != sorted(vals):
        raise Fail("percentiles out of order: %s" % vals)
    return vals


def test_results():
    c = Child()
    c.anon("buf", 32 * MIB)
    c.call("touch", "buf")
    c.call("hot", "buf")
    M.enable()

    def ready():
        p = percentiles()
        return p if p[0] < 0 < p[100] and \
            int(M.get("aggr_interval_us")) != 100000 else None
    p = wait_for(ready, 30, 0.5)
    bw = int(M.get("estimated_memory_bandwidth"))
    aggr = int(M.get("aggr_interval_us"))
    if not p:
        raise Fail("after 30 s: percentiles %s, aggr_interval_us %d" %
                   (M.get("memory_idle_ms_percentiles")[:200], aggr))
    if bw <= 0:
        raise Fail("estimated_memory_bandwidth %d with 32 MiB hot" % bw)
    if not 20 * 5000 <= aggr <= 20 * 10000000:
        raise Fail("aggr_interval_us %d: not twenty samples of 5 ms to "
                   "10 s" % aggr)
    M.disable()
    kept = [M.get(r) for r in RESULTS]
    time.sleep(0.5)
    if [M.get(r) for r in RESULTS] != kept:
        raise Fail("the values changed after disabling")
    return "p0 %d ms, p50 %d ms, p100 %d ms, %d MiB/s, aggr %d us" % (
        p[0], p[50], p[100], bw // MIB, aggr)


def node_spans():
    """Each NUMA node's [start, end) physical spans, from /proc/zoneinfo."""
    spans, node, zone = {}, None, {}

    def done():
        if node is not None and zone.get("spanned") and "start_pfn" in zone:
            lo = zone["start_pfn"] * PAGE
            spans.setdefault(node, []).append((lo,
                                               lo + zone["spanned"] * PAGE))
    with open("/proc/zoneinfo") as f:
        for line in f:
            w = line.replace(":", " ").replace(",", " ").split()
            if w and w[0] == "Node":
                done()
                node, zone = int(w[1]), {}
            elif len(w) == 2 and w[0] in ("spanned", "start_pfn"):
                zone[w[0]] = int(w[1])
    done()
    return spans


def node_free_mib(node):
    """MemFree of a NUMA node, in MiB."""
    with open("/sys/devices/system/node/node%d/meminfo" % node) as f:
        for line in f:
            w = line.split()
            if len(w) > 3 and w[2] == "MemFree:":
                return int(w[3]) // 1024
    raise Fail("no MemFree for node %d" % node)


def meminfo_mib(key):
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) // 1024
    raise Fail("no %s in /proc/meminfo" % key)


class Paced:
    """paced_access, with the rate it reports."""

    def __init__(self, hot, warm, idle, period_ms, nodes):
        exe = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "paced_access")
        self.p = subprocess.Popen(
            [exe, str(hot), str(warm), str(idle), str(period_ms)] +
            [str(n) for n in nodes], stdout=subprocess.PIPE)
        at_cleanup(self.p.kill)
        line = self.p.stdout.readline().decode().split()
        if len(line) != 2 or line[0] != "ready":
            raise Fail("paced_access: %r" % line)
        self.start = int(line[1])
        self.parts = [(n * MIB) for n in (hot, warm, idle)]
        os.set_blocking(self.p.stdout.fileno(), False)
        self.buf = b""
        self.lines = []

    def poll(self):
        data = self.p.stdout.read() or b""
        self.buf += data
        *done, self.buf = self.buf.split(b"\n")
        for line in done:
            w = line.split()
            if len(w) == 4 and w[0] == b"swept":
                self.lines.append((int(w[1]), int(w[2]), int(w[3])))

    def in_range(self, lo, hi):
        """Bytes of the hot, warm and idle parts in memory in [lo, hi)."""
        out, at = [], self.start
        for sz in self.parts:
            pages = phys_pages(self.p.pid, at, at + sz)
            out.append(sum(PAGE for a in pages
                           if a is not None and lo <= a < hi))
            at += sz
        return out

    def rate(self, window_s):
        """Bytes per second touched over the last window_s seconds, and
        the periods that overran so far."""
        self.poll()
        last = self.lines[-1]
        first = [x for x in self.lines if x[0] <= last[0] - window_s * 1e9]
        if not first:
            raise Fail("paced_access reported %d times" % len(self.lines))
        first = first[-1]
        return (last[1] - first[1]) * 1e9 / (last[0] - first[0]), last[2]


def test_known_workload():
    lo, hi = biggest_ram()
    ram = (hi - lo) // MIB
    part = ram // 16 // 2 * 2
    # The page allocator prefers the highest zone of the local node, which
    # can lie above 4 GiB: the workload's memory comes from the nodes that
    # lie wholly in the range, or, where there are none, the idle part,
    # faulted in first, grows by the RAM outside the range to take up
    # what of it is free.
    nodes = [n for n, spans in node_spans().items()
             if all(lo <= a and b <= hi for a, b in spans)]
    idle = 2 * part
    if nodes:
        free = sum(node_free_mib(n) for n in nodes)
    else:
        free = meminfo_mib("MemAvailable")
        idle += sum(b - a for a, b in system_ram() if a != lo) // MIB
    if free < 2 * part + idle + 256:
        raise Skip("%d MiB free in nodes %s, %d MiB needed" % (
            free, nodes or "all", 2 * part + idle + 256))
    period_s = 0.5
    w = Paced(part, part, idle, int(period_s * 1000), nodes)
    # DAMON_STAT sees the biggest System RAM range only: what of the
    # workload lies there is what it can report.
    hot_in, warm_in, idle_in = w.in_range(lo, hi)
    if hot_in < (hi - lo) // 40:
        raise Fail("only %d of %d MiB of the hot part in the monitored "
                   "range" % (hot_in // MIB, part))
    t0 = time.time()
    M.enable()
    # Settled: no faster than 15 s, and the aggregation interval within a
    # factor of 1.5 of what it was three aggregations before.
    seen = []
    while True:
        aggr = int(M.get("aggr_interval_us"))
        seen.append((time.time(), aggr))
        old = [a for t, a in seen if t <= seen[-1][0] - 3 * aggr / 1e6]
        if time.time() - t0 >= 15 and old and \
                old[-1] / 1.5 <= aggr <= old[-1] * 1.5:
            break
        if time.time() - t0 > 90:
            raise Fail("aggr_interval_us not settled in 90 s: %s" %
                       [a for t, a in seen[::5]])
        time.sleep(0.5)
    # One more aggregation, so that the results are of settled intervals.
    time.sleep(aggr / 1e6 + 0.5)
    p = percentiles()
    bw = int(M.get("estimated_memory_bandwidth"))
    aggr = int(M.get("aggr_interval_us"))
    rate, late = w.rate(max(4, 2 * aggr / 1e6))
    elapsed_ms = (time.time() - t0) * 1000
    M.disable()
    # The rate paced_access kept, of the memory DAMON_STAT sees.
    paced = (part + part / 4) * MIB / period_s
    want = rate / paced * (hot_in + warm_in / 4) / period_s
    hot_pct = 100 * hot_in // (hi - lo)
    k = max(1, hot_pct * 4 // 5)
    got = "p%d %d ms, p80 %d ms after %d ms; %d MiB/s estimated, %d " \
        "MiB/s paced in range (%d periods late); aggr %d us; %d/%d/%d " \
        "MiB hot/warm/idle in range" % (
            k, p[k], p[80], elapsed_ms, bw // MIB, want // MIB, late, aggr,
            hot_in // MIB, warm_in // MIB, idle_in // MIB)
    if not p[k] < 0:
        raise Fail("hot memory (%d%% of the range) not seen accessed: %s" %
                   (hot_pct, got))
    if not p[80] >= elapsed_ms / 3:
        raise Fail("idle memory not seen idle: " + got)
    if not want / 2 <= bw <= want * 2:
        raise Fail("bandwidth not within 2x: " + got)
    return got


def tune_events(name, autotune):
    """Enable module name with autotune_monitoring_intervals as given and
    return the sampling intervals traced in 3 s."""
    m = DamonModule(name)
    if not m.present():
        raise Skip("no %s" % name)
    if not os.path.exists(TRACING + "/events"):
        os.system("mount -t tracefs nodev %s 2>/dev/null" % TRACING)
    if not os.path.isdir(EVENT):
        raise Skip("no damon_monitor_intervals_tune event")
    m.set("autotune_monitoring_intervals", "Y" if autotune else "N")
    # Sampling (an inactive scheme would stop it); min_age and cold_min_age
    # keep their 120 s, so little is done in 3 s.
    m.configure(**ACTIVE)
    write(TRACING + "/trace", "")
    write(EVENT + "/enable", 1)
    write(TRACING + "/tracing_on", 1)
    try:
        m.enable()
        time.sleep(3)
        m.disable()
    finally:
        write(EVENT + "/enable", 0)
    with open(TRACING + "/trace") as f:
        return [int(w.split("=")[1]) for line in f for w in line.split()
                if w.startswith("sample_us=")]


def test_autotune(name):
    off = tune_events(name, False)
    if off:
        raise Fail("autotune N: %d tuning steps traced" % len(off))
    on = tune_events(name, True)
    if not on or any(v < 5000 or v > 10000000 for v in on):
        raise Fail("autotune Y: traced sample_us %s, want steps within "
                   "[5000, 10000000]" % on[:10])
    return "%d steps: %s" % (len(on), " ".join(map(str, on[:6])))


def main():
    global M
    M = require_module("damon_stat")
    t = Tap()
    t.run("parameters, modes and malformed writes", test_parameters)
    t.run("10 enable/disable cycles", check_cycles_stat)
    t.run("exclusive with DAMON_RECLAIM and sysfs kdamonds",
          check_exclusive, M, "damon_reclaim")
    t.run("percentiles, bandwidth and the tuned interval of a workload",
          test_results)
    t.run("a known workload: idle memory above hot memory, bandwidth "
          "within 2x", test_known_workload)
    for name in ("damon_reclaim", "damon_lru_sort"):
        t.run("%s autotune_monitoring_intervals steps the intervals" % name,
              test_autotune, name)
    t.finish()


def check_cycles_stat():
    """check_cycles() without the scheme parameters DAMON_STAT lacks."""
    pids = set()
    for i in range(10):
        if M.enabled() or M.pid() != -1:
            raise Fail("cycle %d: off, but enabled %s, kdamond_pid %d" %
                       (i, M.get("enabled"), M.pid()))
        pids.add(M.enable())
        M.disable()
    return "10 cycles, %d distinct kdamond pids" % len(pids)


if __name__ == "__main__":
    main()
