#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Access reports: the page fault sample primitive and damon_report_access().

  files         monitoring_attrs/sample/primitives/{page_table,page_fault}
                (0600, Y and N by default) and kdamonds/<K>/nr_reports_
                {received,dropped,applied} (0400, refusing writes); bad
                booleans fail with EINVAL and change nothing; a context
                with both primitives N fails "on" and "commit" with EINVAL
                (a running kdamond stays as it was)
  accuracy      accuracy.py's workload, vaddr and paddr, with page_fault
                only and no TLB churn (this test runs without it, where the
                page table primitive sees almost nothing under TCG): at
                least 90% of the hot bytes reported hot, at most 10% of the
                cold ones
  injected      a sleeping process's 16 MiB, monitored with page_fault
                only (fvaddr): a writer on each CPU injects reports of its
                first quarter through /sys/kernel/debug/damon_report/inject
                (CONFIG_DAMON_REPORT_INJECT) for 3 s, 256 every 4 ms or
                so (within a ring per sample); the regions of that
                quarter read hot, the rest cold (damon_aggregated), and
                the counters add up: received + dropped = injected, all
                received applied
  switching     page_fault committed on and off while the kdamond runs:
                the counters move only while it is on, the kdamond stays

The test runs without the test guest's TLB churn (see
harness/guest-churn.sh): the page fault primitive needs none.
"""

import os
import subprocess
import sys
import time

import accuracy
from damos_helpers import (KDAMONDS, MIB, PAGE, Child, Fail, Kdamond, Skip,
                           Tap, errno_name, read, require_damos, try_write,
                           write)

K = Kdamond()
INJECT = "/sys/kernel/debug/damon_report/inject"
COUNTERS = ("nr_reports_received", "nr_reports_dropped", "nr_reports_applied")
FAULT_ONLY = {"page_table": "N", "page_fault": "Y"}


def prim_dir():
    return K.ctx + "/monitoring_attrs/sample/primitives"


def counters():
    return {n: int(read("%s/0/%s" % (KDAMONDS, n))) for n in COUNTERS}


def has_primitives():
    write(KDAMONDS + "/nr_kdamonds", 1)
    try:
        write(KDAMONDS + "/0/contexts/nr_contexts", 1)
        return os.path.isdir(KDAMONDS + "/0/contexts/0/monitoring_attrs/"
                             "sample/primitives")
    finally:
        write(KDAMONDS + "/nr_kdamonds", 0)


def need_primitives():
    if not has_primitives():
        raise Skip("no monitoring_attrs/sample/primitives/")


def set_prims(prims):
    for name, value in prims.items():
        write(prim_dir() + "/" + name, value)


def test_files():
    need_primitives()
    c = Child()
    c.anon("buf", 4 * MIB)
    K.setup("fvaddr", [{"pid": c.pid, "regions": [c.region("buf")]}], [])
    bad = []
    for name, default in (("page_table", "Y"), ("page_fault", "N")):
        path = prim_dir() + "/" + name
        mode = os.stat(path).st_mode & 0o777
        if mode != 0o600 or read(path) != default:
            bad.append("%s: mode %o, reads %s" % (name, mode, read(path)))
        for value in ("maybe", "2", "-1"):
            err = try_write(path, value)
            if err != "EINVAL" or read(path) != default:
                bad.append("%s <- %s: %s, reads %s" % (
                    name, value, err or "ok", read(path)))
    for n in COUNTERS:
        path = "%s/0/%s" % (KDAMONDS, n)
        mode = os.stat(path).st_mode & 0o777
        err = try_write(path, "1")
        if mode != 0o400 or err not in ("EACCES", "EPERM") or \
                read(path) != "0":
            bad.append("%s: mode %o, write %s, reads %s" % (
                n, mode, err or "ok", read(path)))
    # Both off: nothing to sample with.
    set_prims({"page_table": "N", "page_fault": "N"})
    try:
        K.on()
        err = None
    except OSError as e:
        err = errno_name(e.errno)
    if err != "EINVAL" or K.running():
        bad.append("on with no primitive: %s, state %s" % (
            err or "ok", read(K.dir + "/state")))
    set_prims({"page_table": "Y", "page_fault": "N"})
    K.on()
    pid = int(read(K.dir + "/pid"))
    set_prims({"page_table": "N", "page_fault": "N"})
    try:
        K.cmd("commit")
        err = None
    except OSError as e:
        err = errno_name(e.errno)
    if err != "EINVAL" or int(read(K.dir + "/pid")) != pid:
        bad.append("commit with no primitive: %s, pid %d -> %s" % (
            err or "ok", pid, read(K.dir + "/pid")))
    K.off()
    if bad:
        raise Fail("; ".join(bad))
    return "defaults, modes, bad values, no primitive refused"


def test_accuracy():
    need_primitives()
    notes = []
    for ops in ("vaddr", "paddr"):
        recalls, colds, note = accuracy.measure(ops, FAULT_ONLY)
        n = len(recalls)
        if n < 10:
            raise Fail("%s: %d aggregations traced%s" % (ops, n, note))
        recall, cold = sum(recalls) / n, sum(colds) / n
        notes.append("%s: hot %.1f%%, cold %.1f%% reported hot%s" % (
            ops, recall * 100, cold * 100, note))
        if recall < accuracy.MIN_RECALL or cold > accuracy.MAX_COLD:
            raise Fail("; ".join(notes))
    return "; ".join(notes)


def inject(pid, lo, hi, seconds, cpu):
    """A process on cpu that reports accesses to [lo, hi) of pid, page by
    page, for seconds; returns the Popen.  It prints "ready" once set up
    and waits for a line on its stdin to begin (so that writers whose
    python starts at different speeds report at the same time), then,
    at the end, how many it reported and when (CLOCK_MONOTONIC) it
    started and stopped.  It pauses 4 ms after every 256 reports: a
    CPU's ring holds 512, and the kdamond reads it every 5 ms sample, so
    that a writer as fast as it can go would lose most of its reports
    (the ring keeps the newest), which the KUnit suite's overflow cases
    cover; here the hot range must be seen whole."""
    code = ("import os, sys, time\n"
            "os.sched_setaffinity(0, {%d})\n"
            "fd = os.open(%r, os.O_WRONLY)\n"
            "print('ready', flush=True)\n"
            "sys.stdin.readline()\n"
            "start = time.monotonic()\n"
            "n, end = 0, start + %f\n"
            "while time.monotonic() < end:\n"
            "    for a in range(%d, %d, %d):\n"
            "        os.write(fd, b'v %d %%d %d' %% a)\n"
            "        n += 1\n"
            "        if n %% 256 == 0:\n"
            "            time.sleep(0.004)\n"
            "print(n, start, time.monotonic())\n" % (
                cpu, INJECT, seconds, lo, hi, PAGE, pid, PAGE))
    return subprocess.Popen([sys.executable, "-c", code],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)


def test_injected():
    need_primitives()
    if not os.path.exists(INJECT):
        raise Skip("no %s (CONFIG_DAMON_REPORT_INJECT)" % INJECT)
    size = 16 * MIB
    c = Child()
    lo = c.anon("buf", size)
    c.call("touch", "buf")
    hot = (lo, lo + size // 4)
    K.setup("fvaddr", [{"pid": c.pid, "regions": [(lo, lo + size)]}], [],
            sample_us=5000, aggr_us=100000)
    set_prims(FAULT_ONLY)
    trace = accuracy.TRACING
    write(trace + "/trace_clock", "mono")
    write(trace + "/trace", "")
    write(accuracy.EVENT + "/enable", 1)
    K.on()
    cpus = sorted(os.sched_getaffinity(0))
    procs = [inject(c.pid, hot[0], hot[1], 3.0, cpu) for cpu in cpus]
    for p in procs:
        if p.stdout.readline().strip() != "ready":
            raise Fail("a writer did not start")
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate()[0].split() for p in procs]
    injected = sum(int(o[0]) for o in outs)
    # The last reports are folded at the next sample.
    time.sleep(0.3)
    cnt = counters()
    write(accuracy.EVENT + "/enable", 0)
    K.off()
    # Aggregations from 0.5 s after the last writer started until the
    # first one stopped; the trace clock is CLOCK_MONOTONIC, as
    # time.monotonic().
    start_ts = max(float(o[1]) for o in outs) + 0.5
    end_ts = min(float(o[2]) for o in outs)
    hot_sz = hot[1] - hot[0]
    recalls, colds = [], []
    for ts, regions in accuracy.parse_trace():
        if not start_ts <= ts < end_ts:
            continue
        h = cld = 0
        for s, e, nr in regions:
            if nr < 1:
                continue
            h += max(0, min(e, hot[1]) - max(s, hot[0]))
            cld += (e - s) - max(0, min(e, hot[1]) - max(s, hot[0]))
        recalls.append(h / hot_sz)
        colds.append(cld / (size - hot_sz))
    note = ("%d writers injected %d reports: %d received, %d dropped, %d "
            "applied" % (len(cpus), injected, cnt["nr_reports_received"],
                         cnt["nr_reports_dropped"],
                         cnt["nr_reports_applied"]))
    if cnt["nr_reports_received"] + cnt["nr_reports_dropped"] != injected:
        raise Fail("the counters do not add up: " + note)
    if cnt["nr_reports_applied"] != cnt["nr_reports_received"] or \
            not cnt["nr_reports_received"]:
        raise Fail("reports inside the target not applied: " + note)
    if len(recalls) < 5:
        raise Fail("%d aggregations traced: %s" % (len(recalls), note))
    recall, cold = sum(recalls) / len(recalls), sum(colds) / len(colds)
    note += "; the injected quarter %.0f%% reported hot, the rest %.0f%%" % (
        recall * 100, cold * 100)
    if recall < 0.9 or cold > 0.1:
        raise Fail(note)
    return note


def test_switching():
    need_primitives()
    c = Child()
    c.anon("buf", 4 * MIB)
    c.call("touch", "buf")
    c.call("hot", "buf")
    K.setup("fvaddr", [{"pid": c.pid, "regions": [c.region("buf")]}], [],
            sample_us=5000, aggr_us=100000)
    K.on()
    pid = int(read(K.dir + "/pid"))
    notes = []
    for i, prims in enumerate([FAULT_ONLY, {"page_table": "Y",
                                            "page_fault": "N"}] * 2):
        set_prims(prims)
        K.cmd("commit")
        time.sleep(0.3)
        before = counters()["nr_reports_received"]
        time.sleep(1.0)
        moved = counters()["nr_reports_received"] - before
        on = prims["page_fault"] == "Y"
        notes.append("%s: +%d" % ("on" if on else "off", moved))
        if (moved > 0) != on:
            raise Fail("page_fault %s, reports %s" % (
                prims["page_fault"], ", ".join(notes)))
        if int(read(K.dir + "/pid")) != pid:
            raise Fail("the kdamond changed: " + ", ".join(notes))
    K.off()
    return "reports received per second: " + ", ".join(notes)


def main():
    require_damos()
    t = Tap()
    t.run("primitives files, counters and bad values", test_files)
    t.run("accuracy with page faults only, no TLB churn", test_accuracy)
    t.run("reports injected from every CPU", test_injected)
    t.run("page_fault switched on and off while running", test_switching)
    t.finish()


if __name__ == "__main__":
    main()
