#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench BENCH=profile`: where the kdamond's time goes.

usage: profile-report.py BENCH_DIR

Reads BENCH_DIR/profile-runs/*/profile.json (one per guest boot, written by
guest-profile.py), writes BENCH_DIR/profile.md and prints it: per target and
kernel, the kdamond's CPU time per second without the profiler and with it,
and each group's share of the kdamond's CPU time in the profiled window
(the self profile: every traced nanosecond counted once, in the innermost
traced function; "unattributed" is the rest, the kdamond's main loop and
the profiler's own cost in it); then the functions that took the most,
with their children (the inclusive profile).  With several boots per
kernel, each figure is the median.  Exits 1 when a boot recorded an error
or left no results.
"""

import glob
import json
import os
import sys
import time

from report import stats

TOP = 8


def median(xs):
    """The median of xs, leaving out None (report.py's stats())."""
    s = stats(xs)
    return s[1] if s else None


def load(bench):
    runs, errors = [], []
    for d in sorted(glob.glob(os.path.join(bench, "profile-runs", "*-*"))):
        if not os.path.isdir(d):
            continue
        path = os.path.join(d, "profile.json")
        if not os.path.exists(path):
            errors.append("%s: no results (the guest failed; see %s.log)" %
                          (os.path.basename(d), d))
            continue
        with open(path) as f:
            r = json.load(f)
        r["_run"] = os.path.basename(d)
        runs.append(r)
        for what, err in r.get("errors", {}).items():
            errors.append("%s: %s: %s" % (r["_run"], what, err))
    return runs, errors


def fmt(v, dec=1, unit=""):
    return "-" if v is None else "%.*f%s" % (dec, v, unit)


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    bench = sys.argv[1]
    runs, errors = load(bench)
    if not runs:
        print("profile-report: no runs under %s/profile-runs" % bench,
              file=sys.stderr)
        return 1
    groups = runs[0]["groups"]
    # (label, kernel) -> the target records of every boot
    cells = {}
    for r in runs:
        for t in r["targets"]:
            cells.setdefault((t["label"], r["kernel"]), []).append(t)
    labels = []
    for r in runs:
        for t in r["targets"]:
            if t["label"] not in labels:
                labels.append(t["label"])
    kernels = [k for k in ("ours", "upstream") if any(r["kernel"] == k for r in runs)]
    head = ["target", "kernel", "CPU ms/s", "profiled ms/s", "samples/s",
            "regions"] + groups
    lines = ["| " + " | ".join(head) + " |",
             "|" + "---|" * len(head)]
    tops = []
    for label in labels:
        for k in kernels:
            ts = cells.get((label, k))
            if not ts:
                continue
            row = [label, k, fmt(median(t["cpu_ms_per_s"] for t in ts), 2),
                   fmt(median(t["profiled_cpu_ms_per_s"] for t in ts), 2),
                   fmt(median(t.get("samples_per_s") for t in ts), 0),
                   fmt(median(t.get("regions") for t in ts), 0)]
            for g in groups:
                row.append(fmt(median(t["groups"][g]["share_pct"] for t in ts),
                               1, "%"))
            lines.append("| " + " | ".join(row) + " |")
            # The top functions of the first boot (names differ by kernel,
            # medians of a union would mislead).
            t = ts[0]
            fs = [f for f in t["top_inclusive"] if not f.get("cpu_wide")]
            tops.append("- %s, %s: " % (label, k) + "; ".join(
                "%s %s (%s, %.0f calls/s)" % (
                    f["name"], fmt(f["pct"], 1, "%"), f["group"],
                    f["hits"] / t["inclusive"]["s"])
                for f in fs[:TOP]))
    pid = {r["_run"]: r["targets"][0].get("pid_filter_honoured")
           for r in runs if r["targets"]}
    rel = sorted({"%s %s" % (r["kernel"], r["release"]) for r in runs})
    first = runs[0]
    md = ["# make bench BENCH=profile: where the kdamond's time goes", "",
          "%s; %d boots (%s); guest: %d vCPUs, %.0f MiB, TCG with TLB churn; "
          "windows of %.0f s; kernels: %s." % (
              time.strftime("%Y-%m-%d %H:%M"), len(runs),
              ", ".join(r["_run"] for r in runs), first["cpus"],
              first["mem_total_mib"], first["window_s"], ", ".join(rel)), "",
          "Shares are of the kdamond's CPU time in the profiled window (self "
          "times by group, less what the same functions took on the "
          "kdamond's CPU with the kdamond off); ftrace's per-call cost "
          "inflates the profiled CPU time and, most, the groups of many "
          "short calls.", ""] + lines + ["",
          "Top functions with their children (graph-time), in % of the "
          "kdamond's CPU time in that window (schedule(), the hrtimer and "
          "wakeup functions, which every task of the CPU calls, are in the "
          "JSON only):", ""] + tops
    if any((t["groups"]["unattributed"]["share_pct"] or 0) < 0
           for r in runs for t in r["targets"]):
        md += ["", "A negative \"unattributed\" is traced time beyond the "
               "kdamond's CPU time: the profiler times functions by the raw "
               "sched_clock(), the task's CPU time comes from the scheduler's "
               "clock, which the guest marks unstable (dmesg: \"Unstable "
               "clock detected\") and keeps within a tick of the "
               "timekeeping clock; most likely the two disagree by that much "
               "(not verified)."]
    if any(v is False for v in pid.values()):
        md += ["", "set_ftrace_pid did not restrict the profiler (6.12's "
               "profiler has no pid filter): the generic functions are "
               "net of the baseline window."]
    if errors:
        md += ["", "Errors:", ""] + ["- " + e for e in errors]
    with open(os.path.join(bench, "profile.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    print("\nprofile-report: %s" % os.path.join(bench, "profile.md"))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
