#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Guest side of `make bench BENCH=profile`: where the kdamond's time goes.

usage: guest-profile.py --kernel NAME --bin DIR --out DIR [--window S]
                        [--warm S] [--targets OPS:MIB,...]

Runs in the bench guest as root on a kernel with ftrace's function
profiler (harness/configs/profile.config) and writes OUT/profile.json.
For each target of figure 1 (vaddr 1 GiB and 3 GiB, paddr all System RAM,
with guest-bench.py's overhead workload running, the kdamond set up through
sysfs by guest-bench.py's Kdamond at the default attributes) it measures,
one window of --window seconds each:

  plain      the kdamond's CPU time per second, profiler off
  inclusive  the profiler on with the graph-time option: each traced
             function's time includes its children's
  self       the profiler on without graph-time: each traced function's
             time excludes that of its traced children, so that every
             nanosecond under a traced function counts once, in the
             innermost traced function; summed by group, a breakdown
  baseline   the same two profiles once the kdamond is off, on the same
             workload: what the other tasks of the kdamond's CPU spend in
             the generic functions (down_read, schedule, ...), subtracted

sleep-time is off throughout: time a function spends scheduled out is not
its time.  The kdamond is pinned to CPU 0 (guest-bench.py) and its
functions are read from trace_stat/function0.  set_ftrace_pid is set to the
kdamond, but the 6.12 profiler does not honour it (its fgraph_ops carry no
pid filter): profile.json says whether CPU 1, where the kdamond never runs,
saw the generic functions anyway (pid_filter_honoured), and the baseline is
what makes up for it.

The traced functions: every function with damon or damos in its name (both
kernels' mm/damon, whatever their names) but the page-table and rmap walk
callbacks, which stay in the time of the walk that calls them (fewer calls
traced, less overhead), and the generic functions of GENERIC.  Each
traced function belongs to the first group of GROUPS its name matches.

A boot whose TSC was not calibrated exits 75 at once, as guest-bench.py
does.
"""

import argparse
import importlib.util
import os
import re
import subprocess
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
_spec = importlib.util.spec_from_file_location(
    "guest_bench", os.path.join(HERE, "guest-bench.py"))
gb = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gb)

TRACING = gb.TRACING
# The targets of figure 1 that the breakdown is asked for: (ops, MiB).
TARGETS = (("vaddr", 1024), ("vaddr", 3072), ("paddr", 1024))
OTHER_CPU = 1 - gb.KDAMOND_CPU

# Generic functions traced besides mm/damon's, by group; those missing from
# a kernel (inlined, or not built) are listed in the JSON.
GENERIC = {
    "page-table walks": ["walk_page_range", "walk_page_range_novma",
                         "walk_page_vma", "walk_page_range_vma"],
    "mmap lock": ["down_read", "down_read_trylock", "down_read_killable",
                  "down_read_interruptible", "up_read"],
    "rmap walks": ["rmap_walk", "rmap_walk_locked", "folio_referenced",
                   "folio_lock_anon_vma_read"],
    "folio lookups": ["pfn_to_online_page", "vm_normal_page", "vm_normal_folio",
                      "vm_normal_page_pmd", "vm_normal_folio_pmd"],
    "sleeps/wakeups": ["__cond_resched"],
    "tracepoints": ["trace_event_buffer_reserve", "trace_event_buffer_commit"],
}
# Traced in the inclusive profile only: every task of the CPU calls them (the
# TLB churn loop 5000 times a second), and in the self profile they would
# take their time away from the kdamond's own sleep functions.
INCLUSIVE_ONLY = ["schedule", "schedule_timeout", "schedule_hrtimeout_range",
                  "schedule_hrtimeout_range_clock", "usleep_range_state",
                  "hrtimer_start_range_ns", "hrtimer_try_to_cancel",
                  "try_to_wake_up"]
# Walk callbacks: not traced, their time is the calling walk's.  Ours
# (damon_va_{mkold,young,mkfault}_{pmd,pte,thp}, damon_va_hugetlb_entry,
# damon_folio_*_one) and upstream 6.12's (damon_{mkold,young}_*_entry,
# damon_hugetlb_mkold, damon_folio_*_one).
CALLBACK = re.compile(r"^(damon_va_(mkold|young|mkfault)_(pmd|pte|thp)|"
                      r"damon_va_hugetlb_entry|damon_(mkold|young)_(pmd|hugetlb)_entry|"
                      r"damon_hugetlb_mkold|damon_folio_(mkold|young|mkfault)_one)$")
# Groups, first match wins; the names of both kernels' mm/damon.
GROUPS = (
    ("tracepoints", r"^(trace_event_raw_event_|__traceiter_|perf_trace_|"
     r"trace_raw_output_|__bpf_trace_|trace_event_buffer_)"),
    ("sleeps/wakeups", r"^(kdamond_sleep|kdamond_usleep|kdamond_wait_activation|"
     r"__cond_resched|schedule.*|usleep_range_state|hrtimer_.*|try_to_wake_up)$"),
    ("mmap lock", r"^(down_read.*|up_read|damon_va_yield_mmap_lock)$"),
    ("rmap walks", r"^(rmap_walk.*|folio_referenced|folio_lock_anon_vma_read|"
     r"damon_folio_(mkold|young|mkfault|walk_rmap|has_rmap)(_one)?)$"),
    ("folio lookups", r"^(damon_get_folio|damon_mapped_folio|pfn_to_online_page|"
     r"vm_normal_.*|damon_va_(pfn|mapped)_young)$"),
    ("page-table walks", r"^(walk_page_.*|damon_va_(mkold|young|mkfault|"
     r"walk_addr|sample_addr|pmd|pmd_op|pte_op|vma|sampled_vma)|"
     r"damon_(ptep|pmdp)_(mkold|mkfault))$"),
    ("region split/merge", r"^(k?damond?_.*(split|merge).*|damon_region_sz_limit|"
     r"damon_apply_min_nr_regions|damon_(new|add|insert|del|free|destroy)_region)$"),
    ("other DAMON", r"damon|damos"),
)
GROUP_RES = [(g, re.compile(r)) for g, r in GROUPS]
# In the order of the report's columns.
GROUP_NAMES = ["page-table walks", "mmap lock", "rmap walks", "folio lookups",
               "region split/merge", "tracepoints", "sleeps/wakeups",
               "other DAMON", "unattributed"]
CHECK = re.compile(r"^damon_(va|pa)_check_(sample|accesses)$")
# kallsyms names of local clones: damon_va_young.isra.0 and the like.
CLONE = re.compile(r"\..*$")
TOP_N = 25


def group_of(name, ops="vaddr"):
    """The group of a traced function.  paddr takes no mmap lock: there the
    rwsems are those of the rmap walk (anon_vma, i_mmap), its own time."""
    base = CLONE.sub("", name)
    for g, r in GROUP_RES:
        if r.search(base):
            if g == "mmap lock" and ops == "paddr":
                return "rmap walks"
            return g
    return "other"


def tfile(name):
    return os.path.join(TRACING, name)


def twrite(name, value):
    with open(tfile(name), "w") as f:
        f.write(value)


# Line numbers of available_filter_functions by name (static functions
# of the same name have several): set_ftrace_filter takes these indices
# (from 1) without the kallsyms lookup per function and name that a name
# costs, minutes under TCG for a few hundred names.
INDEX = {}


def available():
    with open(tfile("available_filter_functions")) as f:
        for i, line in enumerate(f, 1):
            if line.strip():
                INDEX.setdefault(line.split()[0], []).append(i)
    return set(INDEX)


def set_filter(names):
    """set_ftrace_filter to exactly these functions; returns what it took."""
    text = " ".join(str(i) for n in sorted(names) for i in INDEX.get(n, ()))
    try:
        twrite("set_ftrace_filter", text + "\n")
    except OSError:
        pass
    with open(tfile("set_ftrace_filter")) as f:
        took = {line.split()[0] for line in f if line.strip()}
    if took != set(names):
        # By name, one at a time: a name the filter refuses costs only that
        # name.
        gb.log("profile: set_ftrace_filter took %d of %d functions by index; "
               "by name now" % (len(took & set(names)), len(names)))
        twrite("set_ftrace_filter", "")
        for n in sorted(names):
            try:
                with open(tfile("set_ftrace_filter"), "a") as f:
                    f.write(n + "\n")
            except OSError:
                pass
        with open(tfile("set_ftrace_filter")) as f:
            took = {line.split()[0] for line in f if line.strip()}
    # An empty filter traces every function: never profile that.
    if not took or any(t.startswith("#") for t in took):
        raise RuntimeError("set_ftrace_filter took none of %d functions" %
                           len(names))
    return took


def read_stats(cpu, full):
    """trace_stat/function<cpu>: {name: [hits, us]}, the names (which the
    file cuts to 30 characters) made whole again from the filter."""
    by_prefix = {}
    for n in full:
        by_prefix.setdefault(n[:30], n)
    out = {}
    try:
        f = open(tfile("trace_stat/function%d" % cpu))
    except OSError:
        return out
    with f:
        for line in f:
            p = line.split()
            if len(p) < 4 or p[3] != "us" or not p[1].isdigit():
                continue
            name = by_prefix.get(p[0], p[0])
            rec = out.setdefault(name, [0, 0.0])
            rec[0] += int(p[1])
            rec[1] += float(p[2])
    return out


def profile(full, graph_time, pid, seconds):
    """One window of the profiler: {"s", "cpu_s" (the kdamond's, if pid),
    "funcs" (CPU 0), "other_cpu" (CPU 1)}."""
    twrite("function_profile_enabled", "0")
    twrite("options/sleep-time", "0")
    twrite("options/graph-time", "1" if graph_time else "0")
    twrite("set_ftrace_pid", "%d\n" % pid if pid else "")
    set_filter(full)
    twrite("function_profile_enabled", "1")   # resets the counters
    c0 = gb.cpu_s(pid) if pid else 0.0
    t0 = gb.now()
    time.sleep(seconds)
    c1 = gb.cpu_s(pid) if pid else 0.0
    t1 = gb.now()
    twrite("function_profile_enabled", "0")
    return {"s": t1 - t0, "cpu_s": c1 - c0,
            "funcs": read_stats(gb.KDAMOND_CPU, full),
            "other_cpu": read_stats(OTHER_CPU, full)}


def net(win, base):
    """The window's functions of CPU 0 less the baseline's, at the same
    rate: {name: [hits, ms per second of the window]}."""
    out = {}
    for name, (hits, us) in win["funcs"].items():
        bh, bus = base["funcs"].get(name, (0, 0.0))
        k = win["s"] / base["s"] if base["s"] else 0
        out[name] = [max(0, round(hits - bh * k)),
                     max(0.0, (us - bus * k) / 1000 / win["s"])]
    return out


def breakdown(self_net, cpu_ms_per_s, ops):
    """Group shares of the kdamond's CPU time from the self profile."""
    ms = {g: 0.0 for g in GROUP_NAMES}
    for name, (_, v) in self_net.items():
        g = group_of(name, ops)
        if g in ms:
            ms[g] += v
    attributed = sum(ms.values())
    ms["unattributed"] = cpu_ms_per_s - attributed
    return {g: {"ms_per_s": v,
                "share_pct": v * 100 / cpu_ms_per_s if cpu_ms_per_s else None}
            for g, v in ms.items()}


def top(funcs, cpu_ms_per_s, ops, n=TOP_N):
    rows = sorted(funcs.items(), key=lambda kv: -kv[1][1])[:n]
    return [{"name": k, "group": group_of(k, ops), "hits": h, "ms_per_s": v,
             "cpu_wide": k in INCLUSIVE_ONLY,
             "pct": v * 100 / cpu_ms_per_s if cpu_ms_per_s else None}
            for k, (h, v) in rows]


def target(ops, size, args, traced, traced_incl):
    label = "vaddr %d MiB" % size if ops == "vaddr" else "paddr all RAM"
    gb.log("profile: %s" % label)
    w = gb.Workload([os.path.join(args.bin, "access_gen"), "-s", str(size),
                     "-H", "64", "-k", "4", "-l", "random", "-n", "1",
                     "-p", str(gb.FOREVER_MS), "-c", "16", "-r", "250"])
    res = {"ops": ops, "size_mib": size, "label": label}
    try:
        ram = gb.system_ram()
        if ops == "vaddr":
            kd = gb.Kdamond("vaddr", pid=w.pid)
        else:
            kd = gb.Kdamond("paddr", pid=None, regions=ram)
        try:
            res["kdamond_pid"] = kd.pid
            time.sleep(args.warm)
            c0, t0 = gb.cpu_s(kd.pid), gb.now()
            time.sleep(args.window)
            c1, t1 = gb.cpu_s(kd.pid), gb.now()
            res["plain"] = {"s": t1 - t0, "cpu_s": c1 - c0}
            res["inclusive"] = profile(traced_incl, True, kd.pid, args.window)
            res["self"] = profile(traced, False, kd.pid, args.window)
        finally:
            twrite("function_profile_enabled", "0")
            kd.off()
        # The same windows without the kdamond: the other tasks' share.
        res["baseline_inclusive"] = profile(traced_incl, True, None, args.window)
        res["baseline_self"] = profile(traced, False, None, args.window)
    finally:
        twrite("function_profile_enabled", "0")
        twrite("set_ftrace_pid", "")
        w.stop()
    for k in ("plain", "inclusive", "self"):
        res[k]["cpu_ms_per_s"] = res[k]["cpu_s"] * 1000 / res[k]["s"]
    self_net = net(res["self"], res["baseline_self"])
    incl_net = net(res["inclusive"], res["baseline_inclusive"])
    res["cpu_ms_per_s"] = res["plain"]["cpu_ms_per_s"]
    res["profiled_cpu_ms_per_s"] = res["self"]["cpu_ms_per_s"]
    res["groups"] = breakdown(self_net, res["self"]["cpu_ms_per_s"], ops)
    res["top_inclusive"] = top(incl_net, res["inclusive"]["cpu_ms_per_s"], ops)
    res["top_self"] = top(self_net, res["self"]["cpu_ms_per_s"], ops)
    # Samples per second and regions per sample, from the calls of the
    # per-sample check (damon_{va,pa}_check_{sample,accesses}) and of the
    # per-region access rate update.
    checks = sum(h for n, (h, _) in res["self"]["funcs"].items()
                 if CHECK.match(CLONE.sub("", n)))
    rates = sum(h for n, (h, _) in res["self"]["funcs"].items()
                if CLONE.sub("", n) == "damon_update_region_access_rate")
    res["samples_per_s"] = checks / res["self"]["s"]
    res["regions"] = rates / checks if checks else None
    res["traced_calls_per_s"] = sum(h for h, _ in res["self"]["funcs"].values()) \
        / res["self"]["s"]
    # Whether set_ftrace_pid kept the other tasks out: then the CPU the
    # kdamond never runs on saw no schedule() (its TLB churn loop calls it
    # 5000 times a second).
    res["pid_filter_honoured"] = not any(
        n in INCLUSIVE_ONLY for n in res["inclusive"]["other_cpu"])
    gb.log("profile: %s: %.2f ms/s plain, %.2f ms/s profiled; %s" % (
        label, res["cpu_ms_per_s"], res["profiled_cpu_ms_per_s"],
        ", ".join("%s %.0f%%" % (g, v["share_pct"] or 0)
                  for g, v in res["groups"].items())))
    return res


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--window", type=float, default=10)
    ap.add_argument("--warm", type=float, default=3)
    ap.add_argument("--targets", default=",".join("%s:%d" % t for t in TARGETS),
                    help="ops:MiB pairs (paddr: the workload's size)")
    args = ap.parse_args()
    os.sched_setaffinity(0, {gb.KDAMOND_CPU})
    kmsg = subprocess.run(["dmesg"], capture_output=True, text=True).stdout
    if gb.NO_TSC in kmsg:
        gb.log("the TSC was not calibrated at boot: this boot cannot measure "
               "kdamond CPU (exit %d: boot again)" % gb.EXIT_REBOOT)
        return gb.EXIT_REBOOT
    if not os.path.exists(tfile("function_profile_enabled")):
        gb.log("profile: no function profiler in this kernel "
               "(harness/configs/profile.config)")
        return 1
    avail = available()
    damon = {n for n in avail if ("damon" in n or "damos" in n) and
             not CALLBACK.match(CLONE.sub("", n))}
    generic = {n for names in GENERIC.values() for n in names}
    traced = damon | (generic & avail)
    traced_incl = traced | (set(INCLUSIVE_ONLY) & avail)
    res = {"kernel": args.kernel, "release": os.uname().release,
           "cpus": os.cpu_count(), "window_s": args.window,
           "mem_total_mib": int(gb.read("/proc/meminfo").split()[1]) / 1024,
           "groups": GROUP_NAMES, "traced": sorted(traced),
           "missing": sorted((generic | set(INCLUSIVE_ONLY)) - avail),
           "targets": [], "errors": {},
           "clocksource": gb.read("/sys/devices/system/clocksource/"
                                  "clocksource0/current_clocksource"),
           "sched_clock_unstable": "Unstable clock detected" in kmsg}
    path = os.path.join(args.out, "profile.json")
    targets = [(t.split(":")[0], int(t.split(":")[1]))
               for t in args.targets.split(",") if t]
    for ops, size in targets:
        t0 = gb.now()
        try:
            res["targets"].append(target(ops, size, args, traced, traced_incl))
        except Exception as e:  # record it; the other targets still run
            traceback.print_exc()
            res["errors"]["%s %d" % (ops, size)] = "%s: %s" % (type(e).__name__, e)
        gb.log("profile: %s %d MiB: %.0f s" % (ops, size, gb.now() - t0))
        gb.save_json(path, res)
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
