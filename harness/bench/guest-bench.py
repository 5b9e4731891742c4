#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side of `make bench`: the figures of one boot, as JSON.

usage: guest-bench.py --kernel NAME --profile quick|full|cpu --bin DIR --out DIR
                      [--only SECTION,...]

Runs in the bench guest as root (see harness/bench/bench.sh) and drives
DAMON only through the 6.12 sysfs ABI, the damon:damon_aggregated
tracepoint and the cgroup v2 memory.reclaim write, which our kernel and
upstream 6.12 share, so the same script measures both (but for the tier
section's DAMON_TIER, ours alone).  Sections:

  overhead    kdamond CPU time per second of monitoring (utime + stime of
              /proc/PID/stat) at the default attributes (5 ms sampling,
              100 ms aggregation, 1 s update, 10..1000 regions), for vaddr
              targets of each size and for paddr over all System RAM, and
              the slowdown of a compute-bound access_gen against its own
              unmonitored rate: monitored windows (a fresh kdamond each,
              after a warm-up) alternate with unmonitored ones
  accuracy    access_gen with hot chunks that move every phase; every
              aggregation's regions from the tracepoint are compared with
              the truth file: recall (truly hot bytes in regions reported
              hot), precision (reported-hot bytes of the mapping that were
              hot); and the working-set estimate (a stat scheme's tried
              regions, min_nr_accesses 1) against the true hot size
  primitives  where the kernel has monitoring_attrs/sample/primitives (ours;
              not upstream 6.12, whose samples check page-table accessed
              bits only): the accuracy figure and the overhead figure of the
              vaddr 1 GiB target again with page_fault only (page_table N,
              page_fault Y), and the kdamond's nr_reports_* counters; the
              page_table figures they are compared with are those of the
              accuracy and overhead sections of the same boot where they ran
              before this one, else measured here the same way (on both
              kernels, so that upstream has its page_table figure)
  reclaim     a pageout scheme (nr_accesses 0..0, age >= 5 s) on a 25% hot /
              75% cold workload on zram swap: RSS every second, RSS saved,
              the workload's slowdown, kdamond CPU
  autotune    the intervals auto-tuning (4% of access events, 5 ms to 10 s,
              a step per 3 aggregations) against the fixed defaults: kdamond
              CPU, recall and precision (aggregations of any length) on a
              1 GiB vaddr workload whose hot chunks move, and kdamond CPU on
              paddr all RAM; a kernel without the tuning runs the fixed
              variant only; and, where the kernel has DAMON_STAT, its
              kdamond CPU from its enabling on, with the paddr workload
              running (busy) and without (idle), and its aggregation
              interval every second
  memreclaim  memory.reclaim: time to reclaim 1 GiB of clean page cache
              (a file on /mnt/scratch) from a cgroup and the overshoot; and
              how long a write asking for far more than an anonymous
              workload on zram holds takes to return after a signal
  tier        on a guest with two memory tiers (VM_TIERS=1; bench.sh boots
              one for this section alone): tier_gen allocates a hot and a
              cold area on the slow node and then writes the hot one only;
              DAMON_TIER (where the kernel has it) and NUMA balancing's
              tiering mode (kernel.numa_balancing=2) in turn, each on a
              fresh tier_gen: every 0.5 s the share of each area on the
              fast node (/proc/PID/numa_maps) and /proc/vmstat's migration
              counters, until a timeout or 10 s after 90% of the hot area
              is on the fast node; the time to 90% and the pages migrated.
              A guest without two memory tiers skips it with a note

Workloads run on CPU 1; this script and every kdamond on CPU 0.  A boot
whose TSC could not be calibrated exits 75 at once (see NO_TSC), unless it
runs the tier section alone, which measures no CPU time: bench.sh boots
again.

Results go to OUT/bench.json (rewritten after each section); a section
that fails records its error and the others still run.
"""

import argparse
import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
import traceback

ADMIN = "/sys/kernel/mm/damon/admin/kdamonds"
TRACING = "/sys/kernel/tracing"
EVENT = TRACING + "/events/damon/damon_aggregated"
CGROUP = "/sys/fs/cgroup"
SCRATCH = "/mnt/scratch"
MIB = 1 << 20
GIB = 1 << 30
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
U32_MAX = (1 << 32) - 1
ULONG_MAX = (1 << 64) - 1
# Default attributes of the figures: 5 ms / 100 ms / 1 s, 10..1000 regions.
SAMPLE_US, AGGR_US, UPDATE_US = 5000, 100000, 1000000
MIN_NR_REGIONS, MAX_NR_REGIONS = 10, 1000
BUSY_S = 10
# Under TCG the boot-time TSC calibration against the PIT fails now and
# then.  Without a TSC the scheduler clock falls back to jiffies, and a task
# that runs briefly after each timer tick, as a kdamond does, is charged
# almost nothing: such a boot is refused, and bench.sh boots again.
NO_TSC = "could not calculate TSC khz"
EXIT_REBOOT = 75
# "Reported hot": at least a tenth of an aggregation's samples saw an access.
HOT_SAMPLES = max(1, AGGR_US // SAMPLE_US // 10)
# A phase of no access pattern at all: the workload never moves its chunks.
FOREVER_MS = 10 ** 9
# The workloads run on one CPU, the kdamond and this script on the other, so
# that every run places them alike (the scheduler would put them anywhere,
# and under TCG the cost of a kdamond's TLB flushes depends on it).
WORK_CPU, KDAMOND_CPU = 1, 0

PROFILES = {
    "full": {
        "sizes_mib": [256, 1024, 3072], "paddr_mib": 1024,
        "ovh_hot_mib": 64, "ovh_work": 16, "ovh_cycles": 3, "ovh_base_s": 3,
        "ovh_warm_s": 2, "ovh_mon_s": 5,
        "acc_mib": 256, "acc_hot_mib": 32, "acc_chunks": 4, "acc_phase_ms": 5000,
        "acc_phases": 6, "acc_lead_s": 2,
        "rcl_mib": 512, "rcl_work": 16, "rcl_base_s": 5, "rcl_s": 30,
        "mr_file_mib": 1200, "mr_sig_mib": 1024, "mr_sig_after_ms": 300,
        "mr_sig_reps": 5,
        "tune_mib": 1024, "tune_hot_mib": 64, "tune_phase_ms": 10000,
        "tune_phases": 4, "tune_paddr_s": 15, "stat_s": 60, "prim_mib": 1024,
        "tier_hot_mib": 256, "tier_cold_mib": 512, "tier_lead_s": 2,
        "tier_step_s": 0.5, "tier_timeout_s": 60, "tier_settle_s": 10,
    },
    "quick": {
        "sizes_mib": [256, 1024, 3072], "paddr_mib": 1024,
        "ovh_hot_mib": 64, "ovh_work": 16, "ovh_cycles": 2, "ovh_base_s": 2,
        "ovh_warm_s": 1.5, "ovh_mon_s": 3,
        "acc_mib": 256, "acc_hot_mib": 32, "acc_chunks": 4, "acc_phase_ms": 4000,
        "acc_phases": 4, "acc_lead_s": 2,
        "rcl_mib": 256, "rcl_work": 16, "rcl_base_s": 3, "rcl_s": 20,
        "mr_file_mib": 1200, "mr_sig_mib": 1024, "mr_sig_after_ms": 300,
        "mr_sig_reps": 3,
        "tune_mib": 1024, "tune_hot_mib": 64, "tune_phase_ms": 8000,
        "tune_phases": 3, "tune_paddr_s": 10, "stat_s": 30, "prim_mib": 1024,
        "tier_hot_mib": 256, "tier_cold_mib": 512, "tier_lead_s": 2,
        "tier_step_s": 0.5, "tier_timeout_s": 40, "tier_settle_s": 10,
    },
}
# The CPU profile (bench.sh cpu): figure 1 alone, at the sizes the ratio is
# asked for, with longer monitored windows and more of them per boot.
PROFILES["cpu"] = dict(PROFILES["full"], sizes_mib=[1024, 3072], ovh_cycles=4,
                       ovh_base_s=3, ovh_warm_s=2, ovh_mon_s=10)
SECTIONS = ("overhead", "accuracy", "primitives", "reclaim", "memreclaim",
            "autotune", "tier")
# What a sample checks (ours): monitoring_attrs/sample/primitives/, each Y or
# N; page_table Y and page_fault N by default, as upstream 6.12 always does.
PRIMITIVES = "monitoring_attrs/sample/primitives"
# page_fault only: page_fault is set first, so that the two are never both
# N (which "on" refuses, though the writes themselves are taken).
PAGE_FAULT_ONLY = (("page_fault", "Y"), ("page_table", "N"))
REPORT_COUNTERS = ("received", "dropped", "applied")


def log(msg):
    print("bench: %s" % msg, flush=True)


def busy_retry(fn):
    """Retry fn while it fails with EBUSY, for up to BUSY_S seconds: upstream
    takes its sysfs lock with a trylock for state, pid and the nr_* files,
    so they fail with EBUSY while the kdamond holds it."""
    end = now() + BUSY_S
    while True:
        try:
            return fn()
        except OSError as e:
            if e.errno != errno.EBUSY or now() > end:
                raise
        time.sleep(0.01)


def write(path, value):
    def do():
        with open(path, "w") as f:
            f.write(str(value))
    busy_retry(do)


def read(path):
    def do():
        with open(path) as f:
            return f.read().strip()
    return busy_retry(do)


def now():
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def save_json(path, res):
    """Write res to path whole or not at all (a boot may end any time)."""
    with open(path + ".tmp", "w") as f:
        json.dump(res, f, indent=1)
    os.replace(path + ".tmp", path)


def median(xs):
    xs = sorted(x for x in xs if x is not None)
    if not xs:
        return None
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def stat_cpu_s(pid):
    """utime + stime of a task, in seconds (fields 14 and 15 of stat)."""
    fields = read("/proc/%d/stat" % pid).rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) * TICK_S


def cpu_s(pid):
    """The task's CPU time in seconds, to the nanosecond: its process CPU
    clock (CPUCLOCK_SCHED), the runtime that /proc/PID/stat's utime and
    stime are scaled to, there in 10 ms ticks, too coarse for a few ms/s."""
    try:
        return time.clock_gettime(((~pid) << 3) | 2)
    except OSError:
        return stat_cpu_s(pid)


def rss_mib(pid):
    for line in read("/proc/%d/status" % pid).splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return None


def system_ram():
    """The top-level System RAM ranges of /proc/iomem, [start, end)."""
    ranges = []
    for line in read("/proc/iomem").splitlines():
        if line.startswith(" ") or not line.endswith(": System RAM"):
            continue
        lo, hi = line.split(" : ")[0].split("-")
        ranges.append((int(lo, 16), int(hi, 16) + 1))
    return ranges


class Workload:
    """access_gen in the background, on WORK_CPU; its progress lines are
    collected."""

    def __init__(self, argv, cgroup=None, go=False):
        def join():
            os.sched_setaffinity(0, {WORK_CPU})
            if cgroup:
                write(cgroup + "/cgroup.procs", os.getpid())
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                     stdin=subprocess.PIPE, text=True,
                                     preexec_fn=join)
        self.pid = self.proc.pid
        line = self.proc.stdout.readline().split()
        if not line or line[0] != "ready":
            raise RuntimeError("%s did not start: %r" % (argv[0], line))
        self.start, self.end = int(line[1]), int(line[2])
        self.ready = [int(x) for x in line[1:]]
        self.progress = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._reader, daemon=True)
        self.thread.start()
        self.go_sent = not go

    def _reader(self):
        for line in self.proc.stdout:
            f = line.split()
            if f and f[0] == "progress":
                self.progress.append((int(f[1]) / 1e9, int(f[2])))
            elif f and f[0] == "done":
                self.done.set()
        self.done.set()

    def go(self):
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()
        self.go_sent = True

    def rate(self, t0, t1):
        """Pages per second between the progress reports inside [t0, t1]."""
        pts = [p for p in list(self.progress) if t0 <= p[0] <= t1]
        if len(pts) < 2 or pts[-1][0] <= pts[0][0]:
            return None
        return (pts[-1][1] - pts[0][1]) / (pts[-1][0] - pts[0][0])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(timeout=5)


class Kdamond:
    """kdamond 0 with one context and one target, set up through sysfs."""

    def __init__(self, ops, pid=None, regions=(), schemes=(), goal=None,
                 intervals=(SAMPLE_US, AGGR_US), primitives=()):
        write(ADMIN + "/nr_kdamonds", 1)
        k = ADMIN + "/0"
        write(k + "/contexts/nr_contexts", 1)
        c = k + "/contexts/0"
        write(c + "/operations", ops)
        attrs = c + "/monitoring_attrs"
        write(attrs + "/intervals/sample_us", intervals[0])
        write(attrs + "/intervals/aggr_us", intervals[1])
        write(attrs + "/intervals/update_us", UPDATE_US)
        write(attrs + "/nr_regions/min", MIN_NR_REGIONS)
        write(attrs + "/nr_regions/max", MAX_NR_REGIONS)
        if goal:
            # Our kernel, and upstream from 6.15: the intervals auto-tuning.
            g = attrs + "/intervals/intervals_goal"
            for name in ("min_sample_us", "max_sample_us", "aggrs",
                         "access_bp"):
                write("%s/%s" % (g, name), goal[name])
        # Our kernel: what a sample checks, (name, "Y" or "N") in the
        # order given, all before "on".
        for name, val in primitives:
            write("%s/%s/%s" % (c, PRIMITIVES, name), val)
        self.primitives = tuple(primitives)
        self.final_reports = None
        write(c + "/targets/nr_targets", 1)
        t = c + "/targets/0"
        if pid is not None:
            write(t + "/pid_target", pid)
        if regions:
            write(t + "/regions/nr_regions", len(regions))
            for i, (lo, hi) in enumerate(regions):
                write("%s/regions/%d/start" % (t, i), lo)
                write("%s/regions/%d/end" % (t, i), hi)
        write(c + "/schemes/nr_schemes", len(schemes))
        for i, s in enumerate(schemes):
            d = "%s/schemes/%d" % (c, i)
            write(d + "/action", s["action"])
            for key in ("sz", "nr_accesses", "age"):
                lo, hi = s[key]
                write("%s/access_pattern/%s/min" % (d, key), lo)
                write("%s/access_pattern/%s/max" % (d, key), hi)
        self.dir = k
        self.scheme_dir = c + "/schemes/0"
        write(k + "/state", "on")
        self.t_on = now()
        try:
            self.pid = int(read(k + "/pid"))
        except OSError:
            self.off()
            raise
        try:
            os.sched_setaffinity(self.pid, {KDAMOND_CPU})
        except OSError as e:
            log("kdamond %d stays unpinned: %s" % (self.pid, e))

    def cmd(self, word):
        write(self.dir + "/state", word)

    def tried_regions(self):
        """Regions the first scheme is tried on in one pass, and total_bytes."""
        self.cmd("update_schemes_tried_regions")
        d = self.scheme_dir + "/tried_regions"
        regions = []
        for name in os.listdir(d):
            if name.isdigit():
                regions.append((int(read("%s/%s/start" % (d, name))),
                                int(read("%s/%s/end" % (d, name)))))
        return regions, int(read(d + "/total_bytes"))

    def stats(self):
        self.cmd("update_schemes_stats")
        d = self.scheme_dir + "/stats"
        return {f: int(read(d + "/" + f)) for f in
                ("nr_tried", "sz_tried", "nr_applied", "sz_applied")}

    def reports(self):
        """The kdamond's access report counters, nr_reports_{received,
        dropped,applied} (ours; None on a kernel without them)."""
        if not os.path.exists(self.dir + "/nr_reports_received"):
            return None
        return {k: int(read("%s/nr_reports_%s" % (self.dir, k)))
                for k in REPORT_COUNTERS}

    def off(self):
        try:
            if read(self.dir + "/state") == "on":
                self.cmd("off")
            # The counters outlive the kdamond, not its directory.
            if self.primitives:
                self.final_reports = self.reports()
        finally:
            write(ADMIN + "/nr_kdamonds", 0)


def has_primitives():
    """Whether the kernel's contexts have monitoring_attrs/sample/primitives
    (ours; upstream 6.12 checks page-table accessed bits only)."""
    write(ADMIN + "/nr_kdamonds", 1)
    try:
        write(ADMIN + "/0/contexts/nr_contexts", 1)
        return os.path.isdir(ADMIN + "/0/contexts/0/" + PRIMITIVES)
    finally:
        write(ADMIN + "/nr_kdamonds", 0)


def reports_delta(r0, r1):
    if r0 is None or r1 is None:
        return None
    return {k: r1[k] - r0[k] for k in REPORT_COUNTERS}


def overlap(a_lo, a_hi, ranges):
    return sum(max(0, min(a_hi, hi) - max(a_lo, lo)) for lo, hi in ranges)


# ---- figures 1 and 2: overhead and scale -----------------------------------

def overhead(P, binary, targets=None, primitives=()):
    """Per target: the workload alternates between unmonitored windows and
    monitored ones (a fresh kdamond each, measured after a warm-up), so
    that every monitored window has unmonitored neighbours to compare to.
    targets: (ops, MiB) pairs, by default every vaddr size and paddr;
    primitives: what the samples check (see Kdamond), the default if none.
    """
    if targets is None:
        targets = [("vaddr", s) for s in P["sizes_mib"]] + \
            [("paddr", P["paddr_mib"])]
    what = " (%s)" % prim_name(primitives) if primitives else ""
    out = []
    for ops, size in targets:
        label = "%s %d MiB" % (ops, size) if ops == "vaddr" else "paddr all RAM"
        log("overhead: %s%s" % (label, what))
        t_fill = now()
        w = Workload([binary, "-s", str(size), "-H", str(P["ovh_hot_mib"]), "-k", "4",
                      "-l", "random", "-n", "1", "-p", str(FOREVER_MS),
                      "-c", str(P["ovh_work"]), "-r", "250"])
        fill_s = now() - t_fill
        ram = system_ram()
        target_mib = size if ops == "vaddr" else sum(hi - lo for lo, hi in ram) / MIB
        off, on = [], []
        cpu = stat_cpu = mon_s = 0
        reports = []
        try:
            for _ in range(P["ovh_cycles"]):
                b0 = now()
                time.sleep(P["ovh_base_s"])
                off.append((b0, now()))
                if ops == "vaddr":
                    kd = Kdamond("vaddr", pid=w.pid, primitives=primitives)
                else:
                    kd = Kdamond("paddr", pid=None, regions=ram,
                                 primitives=primitives)
                try:
                    time.sleep(P["ovh_warm_s"])
                    # The access reports of the measured window (read just
                    # around it, only where the primitives are set).
                    r0 = kd.reports() if primitives else None
                    c0, s0, t0 = cpu_s(kd.pid), stat_cpu_s(kd.pid), now()
                    time.sleep(P["ovh_mon_s"])
                    c1, s1, t1 = cpu_s(kd.pid), stat_cpu_s(kd.pid), now()
                    r1 = kd.reports() if primitives else None
                finally:
                    kd.off()
                on.append((t0, t1))
                cpu += c1 - c0
                stat_cpu += s1 - s0
                mon_s += t1 - t0
                if primitives:
                    reports.append({"window": reports_delta(r0, r1),
                                    "since_on": kd.final_reports})
            b0 = now()
            time.sleep(P["ovh_base_s"])
            off.append((b0, now()))
        finally:
            w.stop()
        slow = []
        for i, (t0, t1) in enumerate(on):
            base = median([w.rate(*off[i]), w.rate(*off[i + 1])])
            mon = w.rate(t0, t1)
            if base and mon:
                slow.append((base / mon - 1) * 100)
        out.append({
            "ops": ops, "size_mib": size, "label": label, "target_mib": target_mib,
            "fill_s": fill_s, "monitored_s": mon_s,
            "cpu_ms_per_s": cpu * 1000 / mon_s,
            "stat_cpu_ms_per_s": stat_cpu * 1000 / mon_s,
            "rates_off": [w.rate(*x) for x in off], "rates_on": [w.rate(*x) for x in on],
            "slowdowns_pct": slow, "slowdown_pct": median(slow),
        })
        if primitives:
            out[-1].update(prim_summary(primitives, reports, mon_s))
        log("overhead: %s%s: %.2f ms/s, slowdown %s %%" %
            (label, what, out[-1]["cpu_ms_per_s"], out[-1]["slowdown_pct"]))
    return out


def prim_name(primitives):
    """"page_fault only" and the like: the primitives set Y."""
    on = [name for name, val in primitives if val == "Y"]
    return " + ".join(sorted(on)) + (" only" if len(on) == 1 else "")


def prim_summary(primitives, reports, mon_s):
    """The record of a run with the sample primitives set: which, and its
    kdamonds' access reports (each monitored window's, and each kdamond's
    from its start to its end), with the window's received and dropped
    reports per second."""
    win = [r["window"] for r in reports if r["window"]]
    out = {"primitives": dict(primitives), "reports": reports}
    if win and mon_s:
        for k in ("received", "dropped", "applied"):
            out["reports_%s_per_s" % k] = sum(r[k] for r in win) / mon_s
    return out


# ---- figure 3: accuracy ----------------------------------------------------

def parse_truth(path):
    buf, phases, done = None, [], None
    for line in read(path).splitlines():
        f = line.split()
        if f[0] == "buffer":
            buf = (int(f[1]), int(f[2]))
        elif f[0] == "phase":
            nums = [int(x) for x in f[3:]]
            phases.append([int(f[2]) / 1e9, None,
                           sorted(zip(nums[0::2], nums[1::2]))])
        elif f[0] == "done":
            done = int(f[1]) / 1e9
    for i, p in enumerate(phases):
        p[1] = phases[i + 1][0] if i + 1 < len(phases) else done
    return buf, phases


def parse_trace():
    """Aggregations as (timestamp, nr_regions, [(start, end, nr_accesses)]).

    One aggregation reports its regions in a row, nr_regions of them."""
    aggrs = []
    want = 0
    with open(TRACING + "/trace") as f:
        for line in f:
            head, sep, tail = line.partition(": damon_aggregated: ")
            if not sep:
                continue
            ts = float(head.split()[-1])
            fields = tail.split()
            nr_regions = int(fields[1].split("=")[1])
            lo, hi = (int(x) for x in fields[2].rstrip(":").split("-"))
            if want == 0 or (aggrs and ts - aggrs[-1][0] > 0.02):
                aggrs.append([ts, nr_regions, []])
                want = nr_regions
            aggrs[-1][2].append((lo, hi, int(fields[3])))
            want -= 1
    return aggrs


def accuracy(P, binary, primitives=()):
    """primitives: what the samples check (see Kdamond), the default if
    none."""
    truth_path = "/tmp/bench-truth"
    write(TRACING + "/tracing_on", 0)
    write(TRACING + "/trace_clock", "mono")
    write(TRACING + "/buffer_size_kb", 32768)
    write(TRACING + "/trace", "")
    write(EVENT + "/enable", 1)
    write(TRACING + "/tracing_on", 1)
    w = Workload([binary, "-s", str(P["acc_mib"]), "-H", str(P["acc_hot_mib"]),
                  "-k", str(P["acc_chunks"]), "-l", "random", "-S", "7",
                  "-p", str(P["acc_phase_ms"]), "-n", str(P["acc_phases"]),
                  "-t", truth_path, "-r", "1000", "-g"], go=True)
    stat = {"action": "stat", "sz": (0, ULONG_MAX), "nr_accesses": (1, U32_MAX),
            "age": (0, U32_MAX)}
    wss = []
    try:
        kd = Kdamond("vaddr", pid=w.pid, schemes=[stat],
                     primitives=primitives)
        try:
            time.sleep(P["acc_lead_s"])
            t_go = now()
            w.go()
            phase_s = P["acc_phase_ms"] / 1000
            for i in range(P["acc_phases"]):
                delay = t_go + (i + 0.6) * phase_s - now()
                if delay > 0:
                    time.sleep(delay)
                q0 = now()
                regions, total = kd.tried_regions()
                q1 = now()
                in_buf = sum(overlap(lo, hi, [(w.start, w.end)]) for lo, hi in regions)
                wss.append({"t0": q0, "t1": q1, "total_bytes": total,
                            "in_buffer": in_buf, "nr": len(regions)})
            w.done.wait(timeout=P["acc_phases"] * phase_s + 30)
            time.sleep(0.3)
        finally:
            write(EVENT + "/enable", 0)
            kd.off()
    finally:
        w.stop()
    write(TRACING + "/tracing_on", 0)
    buf, phases = parse_truth(truth_path)
    aggrs = parse_trace()
    write(TRACING + "/trace", "")
    series = aggr_accuracy(aggrs, phases, buf, AGGR_US / 1e6)
    est = []
    for e in wss:
        ph = [p for p in phases if p[0] <= e["t0"] and e["t1"] <= p[1]]
        if not ph:
            continue
        true = sum(hi - lo for lo, hi in ph[0][2])
        e["true"] = true
        e["error_pct"] = abs(e["in_buffer"] - true) * 100 / true
        est.append(e)
    out = {
        "aggregations": len(aggrs), "series": series, "wss": est,
        "recall_pct": 100 * median([s["recall"] for s in series]),
        "recall_mean_pct": 100 * sum(s["recall"] for s in series) / len(series),
        "precision_pct": 100 * median([s["precision"] for s in series]),
        "wss_error_pct": median([e["error_pct"] for e in est]),
        "nr_regions": median([s["nr_regions"] for s in series]),
        "hot_samples": HOT_SAMPLES,
    }
    if primitives:
        # The kdamond's reports from its start to its end.
        out["primitives"] = dict(primitives)
        out["reports"] = kd.final_reports
    return out


# ---- figures 1 and 3 by page faults: the sample primitives -----------------

def primitives(P, binary, res, errors):
    """Figure 3 (accuracy) and figure 1's vaddr prim_mib target (kdamond
    CPU and slowdown) with page_fault only, where the kernel has the sample
    primitives.  The page_table figures to compare them with: those of the
    accuracy and overhead sections of this boot where they ran before this
    one (the same functions, workloads and windows), else measured here, on
    any kernel.  Each measurement that fails is recorded in errors, and the
    next one still runs."""
    size = P["prim_mib"]
    label = "vaddr %d MiB" % size
    has = has_primitives()
    out = {"has_primitives": has, "size_mib": size, "label": label,
           "page_table": {}, "page_table_from": {}}
    pf = {}
    if has:
        out["page_fault"] = pf
    else:
        out["note"] = ("the kernel has no %s directory: page_table only, "
                       "no page_fault figures" % PRIMITIVES)
        log("primitives: " + out["note"])

    def run(name, fn):
        log("primitives: %s" % name)
        try:
            return fn()
        except Exception as e:  # record it; the next measurement still runs
            traceback.print_exc()
            errors["primitives " + name] = "%s: %s" % (type(e).__name__, e)
            return None

    # Accuracy, then overhead, each page_table (unless reused) then
    # page_fault, so that the two of a figure run close together.
    if (res.get("accuracy") or {}).get("recall_pct") is not None:
        out["page_table_from"]["accuracy"] = "accuracy"
    else:
        out["page_table_from"]["accuracy"] = "primitives"
        out["page_table"]["accuracy"] = run(
            "page_table accuracy", lambda: accuracy(P, binary))
    if has:
        pf["accuracy"] = run("page_fault accuracy",
                             lambda: accuracy(P, binary, PAGE_FAULT_ONLY))
    if any(e.get("label") == label for e in res.get("overhead") or []):
        out["page_table_from"]["overhead"] = "overhead"
    else:
        out["page_table_from"]["overhead"] = "primitives"
        r = run("page_table overhead, " + label,
                lambda: overhead(P, binary, [("vaddr", size)]))
        out["page_table"]["overhead"] = r[0] if r else None
    if has:
        r = run("page_fault overhead, " + label,
                lambda: overhead(P, binary, [("vaddr", size)],
                                 PAGE_FAULT_ONLY))
        pf["overhead"] = r[0] if r else None
    a, o = pf.get("accuracy") or {}, pf.get("overhead") or {}
    if has:
        log("primitives: page_fault only: recall %s %%, precision %s %%, "
            "%s: %s ms/s, slowdown %s %%, %s reports/s received, %s dropped"
            % (a.get("recall_pct"), a.get("precision_pct"), label,
               o.get("cpu_ms_per_s"), o.get("slowdown_pct"),
               o.get("reports_received_per_s"),
               o.get("reports_dropped_per_s")))
    return out


# ---- figure 6: intervals auto-tuning ----------------------------------------

# The goal of DAMON_STAT and the modules' autotune_monitoring_intervals.
TUNE_GOAL = {"access_bp": 400, "aggrs": 3, "min_sample_us": SAMPLE_US,
             "max_sample_us": 10000000}
# The same goal with sampling bounded to 25 ms, so that aggregations stay
# within 500 ms: what a user whose hot set moves every few seconds sets.
TUNE_GOAL_BOUNDED = dict(TUNE_GOAL, max_sample_us=25000)


def aggr_accuracy(aggrs, phases, buf, aggr_s=None):
    """Recall and precision of each aggregation that lies in one phase.

    An aggregation spans aggr_s before its timestamp, or, with aggr_s
    None (tuned intervals, of any length), from the aggregation before
    it: the first is dropped then."""
    series = []
    prev = None
    for ts, nr_regions, regs in aggrs:
        start, prev = (ts - aggr_s if aggr_s else prev), ts
        if start is None:
            continue
        ph = [p for p in phases if p[0] <= start and ts <= p[1]]
        if not ph:
            continue
        hot = ph[0][2]
        hot_sz = sum(hi - lo for lo, hi in hot)
        tp = rep = 0
        for lo, hi, nr in regs:
            if nr < HOT_SAMPLES:
                continue
            rep += overlap(lo, hi, [buf])
            tp += overlap(lo, hi, hot)
        series.append({"t": ts - phases[0][0], "aggr_s": ts - start,
                       "nr_regions": nr_regions, "recall": tp / hot_sz,
                       "precision": tp / rep if rep else None})
    return series


def autotune(P, binary):
    """kdamond CPU and accuracy on a vaddr target with phased hot chunks,
    at the fixed default intervals and auto-tuned (TUNE_GOAL, starting
    from them), and kdamond CPU on paddr all RAM both ways.  A kernel
    without the tuning files runs only the fixed variant."""
    write(ADMIN + "/nr_kdamonds", 1)
    write(ADMIN + "/0/contexts/nr_contexts", 1)
    has_goal = os.path.isdir(ADMIN + "/0/contexts/0/monitoring_attrs/"
                             "intervals/intervals_goal")
    write(ADMIN + "/nr_kdamonds", 0)
    goals = [("tuned", TUNE_GOAL), ("bounded", TUNE_GOAL_BOUNDED)]
    variants = [("fixed", None)] + (goals if has_goal else [])
    out = {"has_goal": has_goal, "goal": TUNE_GOAL,
           "goal_bounded": TUNE_GOAL_BOUNDED}
    truth_path = "/tmp/bench-tune-truth"
    phase_s = P["tune_phase_ms"] / 1000
    # And at fixed intervals as long as the bounded goal's longest, on
    # both kernels: how precise the regions are at that length without
    # any tuning.
    slow = (TUNE_GOAL_BOUNDED["max_sample_us"],
            TUNE_GOAL_BOUNDED["max_sample_us"] * AGGR_US // SAMPLE_US)
    for name, goal in variants[:1] + [("slow", None)] + variants[1:]:
        log("autotune: vaddr %d MiB, %s" % (P["tune_mib"], name))
        write(TRACING + "/tracing_on", 0)
        write(TRACING + "/trace_clock", "mono")
        write(TRACING + "/buffer_size_kb", 32768)
        write(TRACING + "/trace", "")
        write(EVENT + "/enable", 1)
        write(TRACING + "/tracing_on", 1)
        w = Workload([binary, "-s", str(P["tune_mib"]),
                      "-H", str(P["tune_hot_mib"]), "-k", "4", "-l", "random",
                      "-S", "11", "-p", str(P["tune_phase_ms"]),
                      "-n", str(P["tune_phases"]), "-t", truth_path,
                      "-r", "1000", "-g"], go=True)
        try:
            kd = Kdamond("vaddr", pid=w.pid, goal=goal,
                         intervals=slow if name == "slow"
                         else (SAMPLE_US, AGGR_US))
            try:
                time.sleep(P["acc_lead_s"])
                w.go()
                c0, t0 = cpu_s(kd.pid), now()
                # The second half alone, too: what the tuning settles to,
                # without the start it comes from.
                w.done.wait(timeout=P["tune_phases"] * phase_s / 2)
                cm, tm = cpu_s(kd.pid), now()
                w.done.wait(timeout=P["tune_phases"] * phase_s + 30)
                c1, t1 = cpu_s(kd.pid), now()
                if goal:
                    kd.cmd("update_tuned_intervals")
                    iv = kd.dir + "/contexts/0/monitoring_attrs/intervals"
                    tuned = (int(read(iv + "/sample_us")),
                             int(read(iv + "/aggr_us")))
                else:
                    tuned = slow if name == "slow" else (SAMPLE_US, AGGR_US)
            finally:
                write(EVENT + "/enable", 0)
                kd.off()
        finally:
            w.stop()
        write(TRACING + "/tracing_on", 0)
        buf, phases = parse_truth(truth_path)
        series = aggr_accuracy(parse_trace(), phases, buf)
        write(TRACING + "/trace", "")
        out["vaddr_" + name] = {
            "cpu_ms_per_s": (c1 - c0) * 1000 / (t1 - t0),
            "cpu_ms_per_s_second_half": (c1 - cm) * 1000 / (t1 - tm),
            "recall_pct": 100 * median([x["recall"] for x in series])
            if series else None,
            "precision_pct": 100 * median([x["precision"] for x in series])
            if series else None,
            "aggregations": len(series), "final_sample_us": tuned[0],
            "final_aggr_us": tuned[1],
            "aggr_s": [round(x["aggr_s"], 3) for x in series],
            "t": [round(x["t"], 2) for x in series],
        }
        log("autotune: vaddr %s: %.2f ms/s, recall %s, precision %s, "
            "final %s" % (name, out["vaddr_" + name]["cpu_ms_per_s"],
                          out["vaddr_" + name]["recall_pct"],
                          out["vaddr_" + name]["precision_pct"], tuned))
    ram = system_ram()
    w = Workload([binary, "-s", str(P["paddr_mib"]), "-H",
                  str(P["ovh_hot_mib"]), "-k", "4", "-l", "random", "-n", "1",
                  "-p", str(FOREVER_MS), "-c", str(P["ovh_work"]),
                  "-r", "250"])
    try:
        for name, goal in variants:
            kd = Kdamond("paddr", regions=ram, goal=goal)
            try:
                time.sleep(P["ovh_warm_s"])
                c0, t0 = cpu_s(kd.pid), now()
                time.sleep(P["tune_paddr_s"])
                c1, t1 = cpu_s(kd.pid), now()
            finally:
                kd.off()
            out["paddr_" + name] = {"cpu_ms_per_s": (c1 - c0) * 1000 / (t1 - t0)}
            log("autotune: paddr %s: %.2f ms/s" %
                (name, out["paddr_" + name]["cpu_ms_per_s"]))
        if os.path.isdir(STAT_PARAMS):
            out["stat_busy"] = damon_stat_cpu(P)
    finally:
        w.stop()
    if os.path.isdir(STAT_PARAMS):
        out["stat_idle"] = damon_stat_cpu(P)
    return out


STAT_PARAMS = "/sys/module/damon_stat/parameters"


def damon_stat_cpu(P):
    """DAMON_STAT's kdamond CPU per second, from its enabling on, and its
    aggregation interval read every second (the tuning's course)."""
    write(STAT_PARAMS + "/enabled", "Y")
    try:
        pid = int(read(STAT_PARAMS + "/kdamond_pid"))
        c0, t0 = cpu_s(pid), now()
        course = []
        while now() - t0 < P["stat_s"]:
            time.sleep(1)
            course.append((round(now() - t0, 1),
                           int(read(STAT_PARAMS + "/aggr_interval_us"))))
        c1, t1 = cpu_s(pid), now()
    finally:
        write(STAT_PARAMS + "/enabled", "N")
    r = {"cpu_ms_per_s": (c1 - c0) * 1000 / (t1 - t0),
         "t": [t for t, _ in course], "aggr_us": [a for _, a in course]}
    log("autotune: damon_stat: %.3f ms/s, aggr_interval_us %s" %
        (r["cpu_ms_per_s"], r["aggr_us"][-1] if course else None))
    return r


# ---- figure 4: proactive reclaim with a pageout scheme -----------------------

def reclaim(P, binary):
    size = P["rcl_mib"]
    w = Workload([binary, "-s", str(size), "-H", str(size // 4), "-k", "1",
                  "-l", "fixed", "-n", "1", "-p", str(FOREVER_MS),
                  "-c", str(P["rcl_work"]), "-r", "250"])
    series = []
    min_age = 5 * 1000000 // AGGR_US
    pageout = {"action": "pageout", "sz": (4096, ULONG_MAX), "nr_accesses": (0, 0),
               "age": (min_age, U32_MAX)}
    t_start = now()

    def sample_until(t_end):
        while True:
            series.append((now() - t_start, rss_mib(w.pid)))
            left = t_end - now()
            if left <= 0:
                return
            time.sleep(min(1.0, left))
    try:
        sample_until(t_start + P["rcl_base_s"])
        b1 = now()
        rss0 = rss_mib(w.pid)
        kd = Kdamond("vaddr", pid=w.pid, schemes=[pageout])
        try:
            c0, t0 = cpu_s(kd.pid), now()
            sample_until(t0 + P["rcl_s"])
            c1, t1 = cpu_s(kd.pid), now()
            stats = kd.stats()
        finally:
            kd.off()
        rss1 = rss_mib(w.pid)
        r_base, r_mon = w.rate(t_start, b1), w.rate(t0, t1)
    finally:
        w.stop()
    return {
        "size_mib": size, "hot_mib": size // 4, "rss_before_mib": rss0,
        "rss_after_mib": rss1, "saved_mib": rss0 - rss1, "series": series,
        "t_on": t0 - t_start, "cpu_ms_per_s": (c1 - c0) * 1000 / (t1 - t0),
        "rate_base": r_base, "rate_mon": r_mon,
        "slowdown_pct": (r_base / r_mon - 1) * 100 if r_base and r_mon else None,
        "stats": stats,
    }


# ---- figure 5: memory.reclaim ----------------------------------------------

def reclaim_write(binary, path, request, after_ms=None):
    argv = [binary, path, request] + ([str(after_ms)] if after_ms else [])
    f = subprocess.run(argv, capture_output=True, text=True, check=True).stdout.split()
    d = dict(zip(f[0::2], f[1::2]))
    return {k: (int(v) if k != "errno" else v) for k, v in d.items()}


def memreclaim(P, bindir):
    rw = os.path.join(bindir, "reclaim_write")
    out = {}
    write("/proc/sys/vm/drop_caches", 3)
    # 1 GiB of clean page cache from a cgroup holding ~1.2 GiB of it.
    cg = CGROUP + "/bench-cache"
    os.makedirs(cg, exist_ok=True)
    data = SCRATCH + "/bench.dat"
    try:
        subprocess.run(["dd", "if=/dev/zero", "of=" + data, "bs=1M",
                        "count=%d" % P["mr_file_mib"], "conv=fsync", "status=none"],
                       check=True, preexec_fn=lambda: write(cg + "/cgroup.procs",
                                                            os.getpid()))
        subprocess.run(["sync"], check=True)
        time.sleep(1)
        cur0 = int(read(cg + "/memory.current"))
        r = reclaim_write(rw, cg + "/memory.reclaim", "1G")
        cur1 = int(read(cg + "/memory.current"))
        out.update({
            "cache_before_mib": cur0 / MIB, "cache_after_mib": cur1 / MIB,
            "reclaim_1g_s": (r["end"] - r["start"]) / 1e9, "reclaim_1g_errno": r["errno"],
            "overshoot_mib": (cur0 - cur1 - GIB) / MIB,
        })
        log("memreclaim: 1G in %.3f s, overshoot %.1f MiB (errno %s)" %
            (out["reclaim_1g_s"], out["overshoot_mib"], r["errno"]))
    finally:
        if os.path.exists(data):
            os.unlink(data)
        os.rmdir(cg)
    # A write asking for far more than there is, cut short by a signal.
    cg = CGROUP + "/bench-signal"
    os.makedirs(cg, exist_ok=True)
    size = P["mr_sig_mib"]
    w = Workload([os.path.join(bindir, "access_gen"), "-s", str(size), "-H", str(size),
                  "-l", "fixed", "-n", "1", "-p", str(FOREVER_MS), "-r", "1000"],
                 cgroup=cg)
    lat, reps = [], []
    try:
        for _ in range(P["mr_sig_reps"]):
            time.sleep(1)
            r = reclaim_write(rw, cg + "/memory.reclaim", "100G", P["mr_sig_after_ms"])
            r["current_mib"] = int(read(cg + "/memory.current")) / MIB
            reps.append(r)
            if r["errno"] == "EINTR" and "signal" in r:
                lat.append((r["end"] - r["signal"]) / 1e6)
    finally:
        w.stop()
        os.rmdir(cg)
    out.update({"signal_reps": reps, "signal_latency_ms": median(lat),
                "signal_latencies_ms": lat, "signal_missed": len(reps) - len(lat)})
    log("memreclaim: signal latency %s ms (%s)" % (out["signal_latency_ms"],
                                                   [r["errno"] for r in reps]))
    return out


# ---- figure 7: tiering ------------------------------------------------------

TIERS = "/sys/devices/virtual/memory_tiering"
TIER_PARAMS = "/sys/module/damon_tier/parameters"
NUMAB = "/proc/sys/kernel/numa_balancing"
NUMAB_RATE = "/proc/sys/kernel/numa_balancing_promote_rate_limit_MBps"
DEMOTION = "/sys/kernel/mm/numa/demotion_enabled"
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
# The figure: the time until this share of the hot area is on the fast node.
TIER_GOAL_PCT = 90
# Written by DAMON_TIER's user, read back for the record.
TIER_KNOBS = ("promote_target_used_bp", "demote_target_free_bp",
              "quota_mb_per_s", "min_age_ms", "sample_interval",
              "aggr_interval", "min_nr_regions", "max_nr_regions",
              "autotune_monitoring_intervals")
TIER_STATS = ("node_pairs", "bytes_promoted", "bytes_demoted",
              "nr_promote_tried_regions", "nr_promoted_regions",
              "nr_promote_quota_exceeds", "nr_demote_tried_regions",
              "nr_demoted_regions", "nr_demote_quota_exceeds")


def nodelist(text):
    """The nodes of a list such as "0-2,4"."""
    nodes = []
    for part in text.split(","):
        if part:
            lo, _, hi = part.partition("-")
            nodes += range(int(lo), int(hi or lo) + 1)
    return nodes


def memory_tiers():
    """The nodes of each memory tier that has any, fastest tier first (a
    lower tier id is a lower abstract distance)."""
    tiers = []
    if os.path.isdir(TIERS):
        for name in os.listdir(TIERS):
            num = name[len("memory_tier"):]
            if name.startswith("memory_tier") and num.isdigit():
                nodes = nodelist(read("%s/%s/nodelist" % (TIERS, name)))
                if nodes:
                    tiers.append((int(num), nodes))
    return [nodes for _, nodes in sorted(tiers)]


def numa_pages(pid, starts):
    """Pages on each node of the mappings that begin at starts, from
    /proc/PID/numa_maps: {start: {node: pages}}."""
    out = {}
    with open("/proc/%d/numa_maps" % pid) as f:
        for line in f:
            fields = line.split()
            start = int(fields[0], 16)
            if start not in starts:
                continue
            out[start] = {}
            for fld in fields[2:]:
                key, _, val = fld.partition("=")
                if key[:1] == "N" and key[1:].isdigit():
                    out[start][int(key[1:])] = int(val)
    missing = [s for s in starts if s not in out]
    if missing:
        raise RuntimeError("no mapping at %s in numa_maps" %
                           ", ".join("%#x" % s for s in missing))
    return out


def vmstat_migration():
    """The migration counters of /proc/vmstat: pgmigrate_*, pgpromote_*,
    pgdemote_* and NUMA balancing's numa_*."""
    out = {}
    for line in read("/proc/vmstat").splitlines():
        key, val = line.split()
        if key.startswith(("pgmigrate_", "pgpromote_", "pgdemote_", "numa_")):
            out[key] = int(val)
    return out


def tier_variant(P, binary, fast, slow, on, off):
    """A fresh tier_gen with both areas on the slow node; after a lead,
    on(setup) starts the mechanism, noting its settings in setup, and the
    placement is sampled every tier_step_s until tier_timeout_s, or
    tier_settle_s after TIER_GOAL_PCT of the hot area is on the fast
    nodes; off(setup) stops it, whatever on() got to, and returns its
    statistics."""
    hot_pages = P["tier_hot_mib"] * MIB // PAGE_SIZE
    cold_pages = P["tier_cold_mib"] * MIB // PAGE_SIZE
    w = Workload([binary, "-H", str(P["tier_hot_mib"]),
                  "-C", str(P["tier_cold_mib"]), "-n", str(slow),
                  "-r", "250"])
    hot, cold = w.ready[0], w.ready[2]

    def on_fast(pages, total):
        return 100 * sum(pages.get(n, 0) for n in fast) / total

    out = {}
    try:
        t_lead = now()
        time.sleep(P["tier_lead_s"])
        placed = numa_pages(w.pid, (hot, cold))
        out["hot_pct_start"] = on_fast(placed[hot], hot_pages)
        out["cold_pct_start"] = on_fast(placed[cold], cold_pages)
        v0 = vmstat_migration()
        t0 = now()
        series = []
        t90 = mig90 = None
        setup = {}
        try:
            on(setup)
            k = 0
            while True:
                placed = numa_pages(w.pid, (hot, cold))
                v = vmstat_migration()
                t = now() - t0
                hot_pct = on_fast(placed[hot], hot_pages)
                mig = (v.get("pgmigrate_success", 0) -
                       v0.get("pgmigrate_success", 0)) * PAGE_SIZE / MIB
                series.append({
                    "t": round(t, 2), "hot_pct": round(hot_pct, 2),
                    "cold_pct": round(on_fast(placed[cold], cold_pages), 2),
                    "migrated_mib": round(mig, 1),
                    "promoted_mib": round((v.get("pgpromote_success", 0) -
                                           v0.get("pgpromote_success", 0)) *
                                          PAGE_SIZE / MIB, 1)})
                if t90 is None and hot_pct >= TIER_GOAL_PCT:
                    t90, mig90 = t, mig
                if t >= P["tier_timeout_s"] or \
                        (t90 is not None and t >= t90 + P["tier_settle_s"]):
                    break
                if w.proc.poll() is not None:
                    raise RuntimeError("tier_gen exited (%s)" % w.proc.poll())
                k += 1
                time.sleep(max(0, t0 + k * P["tier_step_s"] - now()))
        finally:
            out["setup"] = setup
            out["stats"] = off(setup)
        t1 = now()
        v1 = vmstat_migration()
        out["rate_lead"] = w.rate(t_lead, t0)
        out["rate_on"] = w.rate(t0, t1)
        out["rate_after_goal"] = w.rate(t0 + t90, t1) if t90 is not None \
            else None
    finally:
        w.stop()
    last = series[-1]
    out.update({
        "t90_s": round(t90, 2) if t90 is not None else None,
        "watched_s": last["t"],
        "final_hot_pct": last["hot_pct"], "final_cold_pct": last["cold_pct"],
        "migrated_mib": last["migrated_mib"],
        "migrated_mib_to_90": round(mig90, 1) if mig90 is not None else None,
        "vmstat_delta": {key: v1[key] - v0.get(key, 0) for key in v1
                         if v1[key] != v0.get(key, 0)},
        "series": series,
    })
    return out


def read_param(name):
    """A parameter of DAMON_TIER, as a number where it is one."""
    val = read(TIER_PARAMS + "/" + name)
    return int(val) if val.lstrip("-").isdigit() else val


def damon_tier_on(setup):
    """DAMON_TIER with its default parameters; its kdamonds on KDAMOND_CPU.
    With the defaults, cold memory leaves the fast node only once less
    than 0.5% of it is free, which the hot area alone does not make: the
    cold area has no reason to move."""
    setup.update({k: read_param(k) for k in TIER_KNOBS
                  if os.path.exists(TIER_PARAMS + "/" + k)})
    write(TIER_PARAMS + "/enabled", "Y")
    pids = [int(p) for p in read(TIER_PARAMS + "/kdamond_pid").split(",")]
    for pid in pids:
        if pid > 0:
            try:
                os.sched_setaffinity(pid, {KDAMOND_CPU})
            except OSError as e:
                log("kdamond %d stays unpinned: %s" % (pid, e))
    setup["node_pairs"] = read(TIER_PARAMS + "/node_pairs")
    setup["kdamond_pid"] = pids


def damon_tier_off(_setup):
    """Stops DAMON_TIER; its statistics, which outlive the kdamonds."""
    if read(TIER_PARAMS + "/enabled") == "Y":
        write(TIER_PARAMS + "/enabled", "N")
    return {k: read_param(k) for k in TIER_STATS
            if os.path.exists(TIER_PARAMS + "/" + k)}


def numab_on(setup):
    """NUMA balancing's tiering mode, promotion on hinting faults, with
    demotion on reclaim as that mode is meant to be used."""
    if os.path.exists(NUMAB_RATE):
        setup["promote_rate_limit_MBps"] = int(read(NUMAB_RATE))
    if os.path.exists(DEMOTION):
        setup["demotion_enabled_before"] = read(DEMOTION)
        write(DEMOTION, 1)
    write(NUMAB, 2)
    setup["numa_balancing"] = int(read(NUMAB))


def numab_off(setup):
    write(NUMAB, 0)
    before = setup.get("demotion_enabled_before")
    if before is not None:
        write(DEMOTION, 1 if before in ("true", "1", "Y") else 0)
    return {}


def tier(P, bindir, errors):
    """Each mechanism in turn on a fresh tier_gen; a variant that fails
    is recorded in errors and the next one still runs."""
    tiers = memory_tiers()
    if len(tiers) < 2:
        note = ("the guest has %d memory tier(s) with memory (%s): no "
                "tiering figure" % (len(tiers), tiers))
        log("tier: " + note)
        return {"skipped": note, "memory_tiers": tiers}
    fast, slow = tiers[0], tiers[-1][0]
    binary = os.path.join(bindir, "tier_gen")
    variants = []
    if os.path.isdir(TIER_PARAMS):
        variants.append(("damon_tier", damon_tier_on, damon_tier_off))
    variants.append(("numab", numab_on, numab_off))
    out = {"memory_tiers": tiers, "fast_nodes": fast, "slow_node": slow,
           "hot_mib": P["tier_hot_mib"], "cold_mib": P["tier_cold_mib"],
           "page_size": PAGE_SIZE, "goal_pct": TIER_GOAL_PCT,
           "timeout_s": P["tier_timeout_s"], "variants": {}}
    for name, on, off in variants:
        log("tier: %s: %d MiB hot, %d MiB cold on node %d" %
            (name, P["tier_hot_mib"], P["tier_cold_mib"], slow))
        try:
            v = tier_variant(P, binary, fast, slow, on, off)
        except Exception as e:  # record it; the next variant still runs
            traceback.print_exc()
            errors["tier " + name] = "%s: %s" % (type(e).__name__, e)
            continue
        out["variants"][name] = v
        log("tier: %s: %d%% hot on node(s) %s after %s s; at the end %.1f%% "
            "hot, %.1f%% cold there; %.1f MiB migrated" %
            (name, TIER_GOAL_PCT, ",".join(map(str, fast)),
             "%.1f" % v["t90_s"] if v["t90_s"] is not None else "never",
             v["final_hot_pct"], v["final_cold_pct"], v["migrated_mib"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--profile", choices=sorted(PROFILES), default="full")
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--only", default=",".join(SECTIONS))
    a = ap.parse_args()
    P = PROFILES[a.profile]
    os.sched_setaffinity(0, {KDAMOND_CPU})
    kmsg = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    # The tiering figure measures no CPU time: it can do without.
    if NO_TSC in kmsg and set(a.only.split(",")) - {"tier"}:
        log("the TSC was not calibrated at boot: task CPU times are counted in "
            "jiffies; this boot cannot measure kdamond CPU (exit %d: boot again)" %
            EXIT_REBOOT)
        return EXIT_REBOOT
    gen = os.path.join(a.bin, "access_gen")
    res = {"kernel": a.kernel, "release": os.uname().release, "profile": a.profile,
           "params": P, "cpus": os.cpu_count(), "errors": {}, "times_s": {}}
    res["mem_total_mib"] = int(read("/proc/meminfo").split()[1]) / 1024
    res["memory_tiers"] = memory_tiers()
    path = os.path.join(a.out, "bench.json")
    runs = {"overhead": lambda: overhead(P, gen), "accuracy": lambda: accuracy(P, gen),
            "primitives": lambda: primitives(P, gen, res, res["errors"]),
            "reclaim": lambda: reclaim(P, gen), "memreclaim": lambda: memreclaim(P, a.bin),
            "autotune": lambda: autotune(P, gen),
            "tier": lambda: tier(P, a.bin, res["errors"])}
    for name in a.only.split(","):
        t0 = now()
        log("%s: start" % name)
        try:
            res[name] = runs[name]()
        except Exception as e:  # record it; the other figures still run
            traceback.print_exc()
            res["errors"][name] = "%s: %s" % (type(e).__name__, e)
        res["times_s"][name] = now() - t0
        log("%s: %.0f s" % (name, res["times_s"][name]))
        save_json(path, res)
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
