#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Accuracy of DAMON's monitoring against a known truth, for vaddr and paddr.

access_phases keeps a different 8 MiB of a 64 MiB buffer hot in each of
three phases and prints when each phase starts.  A kdamond monitors it
(5 ms samples, 100 ms aggregations) and the damon_aggregated tracepoint
reports every region at every aggregation.  After the first second of each
phase, a region counts as reported hot when at least a tenth of its
samples saw an access.  Averaged over those aggregations:

  - the reported-hot regions must cover at least 90% of the truly hot bytes;
  - at most 10% of the truly cold bytes may lie in reported-hot regions.

"vaddr" monitors the workload's address space, made of small pages.
"paddr" monitors the physical memory that holds the buffer, made of
transparent huge pages this time (physically contiguous, 2 MiB aligned):
the physical address of every page of the buffer is read from
/proc/PID/pagemap, the target's regions are the buffer's physically
contiguous runs (the closest ones merged when there are many), and the
truth is counted page by page.  Other memory that lies in merged gaps is
neither hot nor cold for the test.

"vaddr hugetlb" monitors the workload's address space again, its buffer
made of 2 MiB hugetlb pages this time (reserved for the test in
/proc/sys/vm/nr_hugepages, and given back after), whose accessed bits
sampling reaches through the page walker rather than directly.
"""

import bisect
import os
import subprocess
import sys
import time

from damos_helpers import phys_pages, phys_runs

ADMIN = "/sys/kernel/mm/damon/admin/kdamonds"
TRACING = "/sys/kernel/tracing"
EVENT = TRACING + "/events/damon/damon_aggregated"
SAMPLE_US, AGGR_US = 5000, 100000
WARMUP_S = 1.0
MIN_RECALL, MAX_COLD = 0.90, 0.10
MAX_PADDR_REGIONS = 64
PAGE = os.sysconf("SC_PAGE_SIZE")


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def skip(why):
    print("TAP version 13")
    print("1..0 # SKIP " + why)
    sys.exit(4)


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


class Truth:
    """Hot and cold bytes that lie in [start, end), for one phase."""

    def __init__(self, ops, buf_lo, buf_hi, hot_lo, hot_hi, phys):
        if ops == "vaddr":
            self.hot = [(hot_lo, hot_hi)]
            self.cold = [(buf_lo, hot_lo), (hot_hi, buf_hi)]
            self.hot_sz = hot_hi - hot_lo
            self.cold_sz = (buf_hi - buf_lo) - self.hot_sz
            self.pages = None
            return
        first, last = (hot_lo - buf_lo) // PAGE, (hot_hi - buf_lo) // PAGE
        hot = [a for a in phys[first:last] if a is not None]
        cold = [a for a in phys[:first] + phys[last:] if a is not None]
        self.pages = (sorted(hot), sorted(cold))
        self.hot_sz, self.cold_sz = len(hot) * PAGE, len(cold) * PAGE

    @staticmethod
    def _in_ranges(ranges, start, end):
        return sum(max(0, min(end, b) - max(start, a)) for a, b in ranges)

    @staticmethod
    def _in_pages(pages, start, end):
        # Pages are whole pages, regions page aligned.
        return (bisect.bisect_left(pages, end) -
                bisect.bisect_left(pages, start)) * PAGE

    def bytes_in(self, start, end):
        if self.pages is None:
            return (self._in_ranges(self.hot, start, end),
                    self._in_ranges(self.cold, start, end))
        return (self._in_pages(self.pages[0], start, end),
                self._in_pages(self.pages[1], start, end))


def measure(ops, primitives=None, hugetlb=False):
    """Run the workload under a kdamond of ops; (recalls, colds, note).
    primitives: {"page_table": "Y"/"N", "page_fault": ...} to write to
    monitoring_attrs/sample/primitives/, or None to leave the defaults.
    hugetlb: the buffer of hugetlb pages (vaddr; reserved by the caller)."""
    here = os.path.dirname(os.path.abspath(__file__))
    args = [os.path.join(here, "access_phases"), "64", "8", "3000", "3"]
    if hugetlb:
        args.append("hugetlb")
    elif ops == "paddr":
        args.append("thp")
        try:
            # Free huge pages for the buffer, if the kernel can make them.
            write("/proc/sys/vm/compact_memory", 1)
        except OSError:
            pass
    work = subprocess.Popen(args, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    buf_lo, buf_hi = (int(x) for x in work.stdout.readline().split()[1:3])
    phys = None
    note = ""
    write(ADMIN + "/nr_kdamonds", 1)
    write(ADMIN + "/0/contexts/nr_contexts", 1)
    ctx = ADMIN + "/0/contexts/0"
    write(ctx + "/operations", ops)
    write(ctx + "/monitoring_attrs/intervals/sample_us", SAMPLE_US)
    write(ctx + "/monitoring_attrs/intervals/aggr_us", AGGR_US)
    for name, value in (primitives or {}).items():
        write(ctx + "/monitoring_attrs/sample/primitives/" + name, value)
    write(ctx + "/targets/nr_targets", 1)
    if ops == "vaddr":
        write(ctx + "/targets/0/pid_target", work.pid)
    else:
        phys = phys_pages(work.pid, buf_lo, buf_hi)
        runs = phys_runs(phys, MAX_PADDR_REGIONS)
        note = " (%d regions, %d MiB)" % (
            len(runs), sum(e - s for s, e in runs) >> 20)
        regions = ctx + "/targets/0/regions"
        write(regions + "/nr_regions", len(runs))
        for i, (start, end) in enumerate(runs):
            write("%s/%d/start" % (regions, i), start)
            write("%s/%d/end" % (regions, i), end)
    write(TRACING + "/trace_clock", "mono")
    write(TRACING + "/trace", "")
    write(EVENT + "/enable", 1)
    write(TRACING + "/tracing_on", 1)
    write(ADMIN + "/0/state", "on")

    phases = []
    done = False
    for line in work.stdout:
        f = line.split()
        if f[0] == "phase":
            phases.append([int(f[2]) / 1e9, None, int(f[3]), int(f[4])])
        elif f[0] == "done":
            phases[-1][1] = int(f[1]) / 1e9
            done = True
            break
    if not done:
        note += " (the workload ended early)"
        if phases:
            phases[-1][1] = time.clock_gettime(time.CLOCK_MONOTONIC)
    elif phys is not None:
        # The truth holds only if no page moved meanwhile.
        moved = sum(a != b for a, b in
                    zip(phys, phys_pages(work.pid, buf_lo, buf_hi)))
        if moved > len(phys) // 100:
            note += " (%d pages moved)" % moved
    work.stdin.close()
    work.stdout.close()
    work.wait()
    for i in range(len(phases) - 1):
        phases[i][1] = phases[i + 1][0]
    time.sleep(0.3)
    write(EVENT + "/enable", 0)
    if primitives:
        # How many accesses the reports brought, for the log.
        note += " (reports %s)" % "/".join(
            open("%s/0/nr_reports_%s" % (ADMIN, n)).read().strip()
            for n in ("received", "dropped", "applied"))
    if open(ADMIN + "/0/state").read().strip() == "on":
        write(ADMIN + "/0/state", "off")
    write(ADMIN + "/nr_kdamonds", 0)

    thres = max(1, AGGR_US // SAMPLE_US // 10)
    recalls, colds = [], []
    aggrs = parse_trace()
    for p_start, p_end, hot_lo, hot_hi in phases:
        truth = Truth(ops, buf_lo, buf_hi, hot_lo, hot_hi, phys)
        for ts, regions in aggrs:
            if not p_start + WARMUP_S <= ts < p_end:
                continue
            hot_seen = cold_seen = 0
            for start, end, nr in regions:
                if nr < thres:
                    continue
                h, c = truth.bytes_in(start, end)
                hot_seen += h
                cold_seen += c
            recalls.append(hot_seen / truth.hot_sz)
            colds.append(cold_seen / truth.cold_sz)
    return recalls, colds, note


def report(first, ops, recalls, colds, note):
    """Print three TAP lines for ops from test number first; True if ok."""
    n = len(recalls)
    print("%sok %d %s: aggregations traced during the phases (%d)%s" %
          ("" if n >= 10 else "not ", first, ops, n, note))
    if not n:
        print("not ok %d %s: hot bytes reported hot # no data" %
              (first + 1, ops))
        print("not ok %d %s: cold bytes reported hot # no data" %
              (first + 2, ops))
        return False
    recall, cold = sum(recalls) / n, sum(colds) / n
    print("%sok %d %s: hot bytes reported hot %.1f%% (at least %d%%)" %
          ("" if recall >= MIN_RECALL else "not ", first + 1, ops,
           recall * 100, MIN_RECALL * 100))
    print("%sok %d %s: cold bytes reported hot %.1f%% (at most %d%%)" %
          ("" if cold <= MAX_COLD else "not ", first + 2, ops, cold * 100,
           MAX_COLD * 100))
    return n >= 10 and recall >= MIN_RECALL and cold <= MAX_COLD


def main():
    if os.geteuid():
        skip("needs root")
    if not os.path.isdir(ADMIN) or not os.path.isdir(EVENT):
        skip("no DAMON sysfs interface or damon_aggregated tracepoint")

    print("TAP version 13")
    print("1..9")
    write(ADMIN + "/nr_kdamonds", 1)
    write(ADMIN + "/0/contexts/nr_contexts", 1)
    avail = open(ADMIN + "/0/contexts/0/avail_operations").read().split()
    write(ADMIN + "/nr_kdamonds", 0)
    ok = True
    for i, ops in enumerate(("vaddr", "paddr")):
        if ops not in avail:
            for j in range(3):
                print("ok %d %s # SKIP not built in" % (1 + 3 * i + j, ops))
            continue
        t0 = time.monotonic()
        recalls, colds, note = measure(ops)
        print("# %s: measured in %.0f s" % (ops, time.monotonic() - t0))
        ok = report(1 + 3 * i, ops, recalls, colds, note) and ok
    return 0 if measure_hugetlb(7) and ok else 1


def measure_hugetlb(first):
    """The vaddr measurement on hugetlb pages, as tests first to first + 2;
    they skip where 64 MiB of 2 MiB hugetlb pages cannot be reserved."""
    label = "vaddr hugetlb"
    path = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages"
    try:
        before = int(open(path).read())
    except OSError:
        before = None
    got = 0
    if before is not None:
        try:
            write("/proc/sys/vm/compact_memory", 1)
        except OSError:
            pass
        try:
            write(path, before + 32)
        except OSError:
            pass
        got = int(open(path).read()) - before
    try:
        if got < 32:
            why = "no 2 MiB hugetlb pages" if before is None else \
                "%d of 32 hugetlb pages reserved" % max(got, 0)
            for j in range(3):
                print("ok %d %s # SKIP %s" % (first + j, label, why))
            return True
        t0 = time.monotonic()
        recalls, colds, note = measure("vaddr", hugetlb=True)
        print("# %s: measured in %.0f s" % (label, time.monotonic() - t0))
        return report(first, label, recalls, colds, note)
    finally:
        if before is not None:
            write(path, before)


if __name__ == "__main__":
    sys.exit(main())
