#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Accuracy of DAMON's virtual address monitoring against a known truth.

access_phases keeps a different 8 MiB of a 64 MiB buffer hot in each of
three phases and prints when each phase starts.  A kdamond monitors it
("vaddr", 5 ms samples, 100 ms aggregations) and the damon_aggregated
tracepoint reports every region at every aggregation.  From the second
second of each phase on, a region counts as reported hot when at least a
tenth of its samples saw an access.  Averaged over those aggregations:

  - the reported-hot regions must cover at least 90% of the truly hot bytes;
  - at most 10% of the truly cold bytes may lie in reported-hot regions.
"""

import os
import subprocess
import sys
import time

ADMIN = "/sys/kernel/mm/damon/admin/kdamonds"
TRACING = "/sys/kernel/tracing"
EVENT = TRACING + "/events/damon/damon_aggregated"
SAMPLE_US, AGGR_US = 5000, 100000
WARMUP_S = 1.0
MIN_RECALL, MAX_COLD = 0.90, 0.10
results = []


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def skip(why):
    print("TAP version 13")
    print("1..0 # SKIP " + why)
    sys.exit(4)


def overlap(a0, a1, b0, b1):
    return max(0, min(a1, b1) - max(a0, b0))


def parse_trace():
    """Aggregations as (timestamp, [(start, end, nr_accesses)])."""
    aggrs = []
    last_ts = None
    with open(TRACING + "/trace") as f:
        for line in f:
            if "damon_aggregated:" not in line:
                continue
            head, _, tail = line.partition(": damon_aggregated: ")
            ts = float(head.split()[-1])
            fields = tail.split()
            start, end = (int(x) for x in fields[2].rstrip(":").split("-"))
            nr = int(fields[3])
            # One aggregation's reports come in a burst.
            if last_ts is None or ts - last_ts > 0.02:
                aggrs.append((ts, []))
            aggrs[-1][1].append((start, end, nr))
            last_ts = ts
    return aggrs


def measure():
    here = os.path.dirname(os.path.abspath(__file__))
    work = subprocess.Popen([os.path.join(here, "access_phases"), "64", "8",
                             "3000", "3"], stdout=subprocess.PIPE, text=True)
    buf_lo, buf_hi = (int(x) for x in work.stdout.readline().split()[1:3])

    write(ADMIN + "/nr_kdamonds", 1)
    write(ADMIN + "/0/contexts/nr_contexts", 1)
    ctx = ADMIN + "/0/contexts/0"
    write(ctx + "/operations", "vaddr")
    write(ctx + "/monitoring_attrs/intervals/sample_us", SAMPLE_US)
    write(ctx + "/monitoring_attrs/intervals/aggr_us", AGGR_US)
    write(ctx + "/targets/nr_targets", 1)
    write(ctx + "/targets/0/pid_target", work.pid)
    write(TRACING + "/trace_clock", "mono")
    write(TRACING + "/trace", "")
    write(EVENT + "/enable", 1)
    write(TRACING + "/tracing_on", 1)
    write(ADMIN + "/0/state", "on")

    phases = []
    for line in work.stdout:
        f = line.split()
        if f[0] == "phase":
            phases.append([int(f[2]) / 1e9, None, int(f[3]), int(f[4])])
        elif f[0] == "done":
            phases[-1][1] = int(f[1]) / 1e9
    work.wait()
    for i in range(len(phases) - 1):
        phases[i][1] = phases[i + 1][0]
    time.sleep(0.3)
    write(EVENT + "/enable", 0)
    if open(ADMIN + "/0/state").read().strip() == "on":
        write(ADMIN + "/0/state", "off")
    write(ADMIN + "/nr_kdamonds", 0)
    return buf_lo, buf_hi, phases, parse_trace()


def main():
    if os.geteuid():
        skip("needs root")
    if not os.path.isdir(ADMIN) or not os.path.isdir(EVENT):
        skip("no DAMON sysfs interface or damon_aggregated tracepoint")

    buf_lo, buf_hi, phases, aggrs = measure()
    thres = max(1, AGGR_US // SAMPLE_US // 10)
    recalls, colds = [], []
    for p_start, p_end, hot_lo, hot_hi in phases:
        hot_sz = hot_hi - hot_lo
        cold_sz = (buf_hi - buf_lo) - hot_sz
        for ts, regions in aggrs:
            if not p_start + WARMUP_S <= ts < p_end:
                continue
            hot_seen = cold_seen = 0
            for start, end, nr in regions:
                if nr < thres:
                    continue
                in_hot = overlap(start, end, hot_lo, hot_hi)
                hot_seen += in_hot
                cold_seen += overlap(start, end, buf_lo, buf_hi) - in_hot
            recalls.append(hot_seen / hot_sz)
            colds.append(cold_seen / cold_sz)

    print("TAP version 13")
    print("1..3")
    n = len(recalls)
    print("%sok 1 vaddr: aggregations traced during the phases (%d)" %
          ("" if n >= 10 else "not ", n))
    if not n:
        print("not ok 2 vaddr: hot bytes reported hot # no data")
        print("not ok 3 vaddr: cold bytes reported hot # no data")
        return 1
    recall, cold = sum(recalls) / n, sum(colds) / n
    print("%sok 2 vaddr: hot bytes reported hot %.1f%% (at least %d%%)" %
          ("" if recall >= MIN_RECALL else "not ", recall * 100,
           MIN_RECALL * 100))
    print("%sok 3 vaddr: cold bytes reported hot %.1f%% (at most %d%%)" %
          ("" if cold <= MAX_COLD else "not ", cold * 100, MAX_COLD * 100))
    return 0 if n >= 10 and recall >= MIN_RECALL and cold <= MAX_COLD else 1


if __name__ == "__main__":
    sys.exit(main())
