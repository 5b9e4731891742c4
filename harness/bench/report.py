#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The report of `make bench`: one table, ours against upstream, and plots.

usage: report.py BENCH_DIR

Reads BENCH_DIR/runs/*/bench.json (one per guest boot, written by
guest-bench.py; the boots of the tiered guest, for figure 7, are the
runs/*-tier ones), writes BENCH_DIR/report.md and the plots
BENCH_DIR/cpu_vs_size.png, accuracy.png, reclaim_rss.png,
tuned_intervals.png (ours only) and tiering.png, and prints the
table.  Each cell is min / median / max over the runs of that kernel; the
ratio is ours / upstream of the medians (n/a unless both are positive:
slowdowns in the noise can come out negative).  A figure where our median is
worse is marked "worse" when the two kernels' ranges do not overlap and the
medians differ by more than 0.5%, and "worse, in the noise" when the ranges
overlap and the medians differ by more than 2%.  A time to 90% that a run
never reached counts as the time it watched, shown ">" (a lower bound).
The "page_fault only" rows (the primitives section) put ours sampling by
page faults beside upstream's page-table figure of the same measurement
(6.12 has no other way to sample); the notes compare ours page_fault with
ours page_table over the same boots.  Exits 1 when a run recorded an error.
"""

import glob
import json
import os
import sys
import time


# A guest booted without a calibrated TSC counts task CPU time in jiffies
# (see guest-bench.py, which refuses such boots): its CPU figures are void.
NO_TSC = "could not calculate TSC khz"


def load(bench):
    runs = {"ours": [], "upstream": []}
    errors = []
    for path in sorted(glob.glob(os.path.join(bench, "runs", "*", "bench.json"))):
        with open(path) as f:
            r = json.load(f)
        r["_run"] = os.path.basename(os.path.dirname(path))
        # The boots of the tiered guest, for figure 7 alone.
        r["_tier"] = r["_run"].endswith("-tier")
        try:
            with open(os.path.join(os.path.dirname(path), "dmesg")) as f:
                no_tsc = NO_TSC in f.read()
        except OSError:
            no_tsc = False
        r["_no_tsc"] = no_tsc
        if no_tsc and not r["_tier"]:
            errors.append("%s: CPU figures left out: the guest had no calibrated TSC" %
                          r["_run"])
        runs.setdefault(r["kernel"], []).append(r)
        for sec, err in r.get("errors", {}).items():
            errors.append("%s: %s: %s" % (r["_run"], sec, err))
    for d in sorted(glob.glob(os.path.join(bench, "runs", "*-*"))):
        if os.path.isdir(d) and not os.path.exists(os.path.join(d, "bench.json")):
            errors.append("%s: no results (the guest failed; see %s.log)" %
                          (os.path.basename(d), d))
    return runs, errors


def get(r, *keys):
    for k in keys:
        if r is None:
            return None
        if isinstance(k, int):
            r = r[k] if isinstance(r, list) and len(r) > k else None
        else:
            r = r.get(k) if isinstance(r, dict) else None
    return r


class AtLeast(float):
    """A time that a run never reached: it watched for this long."""


def tier_variant(r, variant):
    return get(r, "tier", "variants", variant)


def tier_t90(r, variant):
    v = tier_variant(r, variant)
    if v is None:
        return None
    if v["t90_s"] is None:
        return AtLeast(v["watched_s"])
    return v["t90_s"]


def tier_ratio(r, fn):
    """fn of DAMON_TIER over fn of NUMA balancing, in the same boot."""
    a, b = fn(r, "damon_tier"), fn(r, "numab")
    if a is None or b is None or isinstance(a, AtLeast) or \
            isinstance(b, AtLeast) or b <= 0:
        return None
    return a / b


TIER_NAMES = {"damon_tier": "DAMON_TIER", "numab": "NUMA balancing"}


def tier_rows():
    """Figure 7: each mechanism on both kernels (DAMON_TIER on ours only),
    ours DAMON_TIER against upstream's NUMA balancing, and DAMON_TIER over
    NUMA balancing in the same boot."""
    metrics = (
        ("time to 90% of the hot area on the fast node", "s", "lower",
         tier_t90, 1),
        ("hot area on the fast node at the end", "%", "higher",
         lambda r, v: get(tier_variant(r, v), "final_hot_pct"), 1),
        ("migration traffic", "MiB", "lower",
         lambda r, v: get(tier_variant(r, v), "migrated_mib"), 0),
    )
    out = []
    for what, unit, better, fn, dec in metrics:
        for variant in ("damon_tier", "numab"):
            out.append(("7. tiering, %s: %s" % (TIER_NAMES[variant], what),
                        unit, better, lambda r, f=fn, v=variant: f(r, v),
                        dec))
        out.append(("7. tiering, ours DAMON_TIER vs upstream NUMA balancing: "
                    "%s" % what, unit, better,
                    lambda r, f=fn: f(r, "damon_tier" if r["kernel"] == "ours"
                                      else "numab"), dec))
        out.append(("7. tiering, DAMON_TIER / NUMA balancing in the same "
                    "boot: %s" % what, "x", better,
                    lambda r, f=fn: tier_ratio(r, f), 2))
    return out


def cpu_void(fn):
    """fn, returning nothing for a run whose CPU times are void."""
    return lambda r: None if r.get("_no_tsc") else fn(r)


def overhead_entry(r, label):
    """A boot's page_table overhead figure of a target: the overhead
    section's, else the one the primitives section measured for want of
    it."""
    for e in r.get("overhead") or []:
        if e["label"] == label:
            return e
    e = get(r, "primitives", "page_table", "overhead")
    return e if get(e, "label") == label else None


def accuracy_of(r):
    """A boot's page_table accuracy figure: the accuracy section's, else
    the one the primitives section measured for want of it."""
    return r.get("accuracy") or get(r, "primitives", "page_table", "accuracy")


# ---- the primitives section: page_fault only against page_table ----------

def prim_pt(r, what):
    """The page_table figure (what: "accuracy", or "overhead" of the
    section's vaddr target) that a boot's primitives section compares
    with: its own run, or that of the section it took it from; None where
    the primitives section did not run."""
    p = r.get("primitives")
    if not p:
        return None
    if get(p, "page_table_from", what) == "primitives":
        return get(p, "page_table", what)
    if what == "accuracy":
        return r.get("accuracy")
    for e in r.get("overhead") or []:
        if e["label"] == p.get("label"):
            return e
    return None


def prim_pf(r, what):
    """The same figure with page_fault only (ours, where the kernel has
    the sample primitives)."""
    return get(r, "primitives", "page_fault", what)


def pf_vs_pt(what, key):
    """key of ours page_fault figure, of upstream's page_table one."""
    return lambda r: get(prim_pf(r, what) if r["kernel"] == "ours"
                         else prim_pt(r, what), key)


def pf_over_pt(what, key):
    """page_fault over page_table, in the same boot of ours."""
    def fn(r):
        if r["kernel"] != "ours":
            return None
        a, b = get(prim_pf(r, what), key), get(prim_pt(r, what), key)
        return a / b if a is not None and b else None
    return fn


def prim_label(runs):
    for r in runs["ours"] + runs["upstream"]:
        lb = get(r, "primitives", "label")
        if lb:
            return lb
    return None


def prim_rows(runs):
    """Figure 1's rows (the vaddr target of the primitives section) and
    figure 3's, page_fault only; none where the section did not run."""
    lb = prim_label(runs)
    if lb is None:
        return [], []
    vs = "ours page_fault vs upstream page_table"
    ovh = [
        ("1. page_fault only: kdamond CPU, %s, %s" % (lb, vs), "ms/s",
         "lower", cpu_void(pf_vs_pt("overhead", "cpu_ms_per_s")), 2),
        ("1. page_fault only: workload slowdown, %s, %s" % (lb, vs), "%",
         "lower", pf_vs_pt("overhead", "slowdown_pct"), 1),
        ("1. page_fault only / page_table, in the same boot of ours: "
         "kdamond CPU, %s" % lb, "x", "lower",
         cpu_void(pf_over_pt("overhead", "cpu_ms_per_s")), 2),
        ("1. page_fault only: access reports received, %s" % lb, "/s",
         "n/a", lambda r: get(prim_pf(r, "overhead"),
                              "reports_received_per_s"), 0),
    ]
    acc = [
        ("3. page_fault only: recall, %s" % vs, "%", "higher",
         pf_vs_pt("accuracy", "recall_pct"), 1),
        ("3. page_fault only: precision, %s" % vs, "%", "higher",
         pf_vs_pt("accuracy", "precision_pct"), 1),
    ]
    return ovh, acc


def growth(r):
    v = [e for e in r.get("overhead") or [] if e["ops"] == "vaddr"]
    if len(v) < 2 or not v[0]["cpu_ms_per_s"]:
        return None
    return v[-1]["cpu_ms_per_s"] / v[0]["cpu_ms_per_s"]


def rows(runs):
    """(figure, unit, better, extractor, decimals) for every table row."""
    labels = []
    for r in runs["ours"] + runs["upstream"]:
        for e in (r.get("overhead") or []) + \
                [get(r, "primitives", "page_table", "overhead")]:
            if e and e["label"] not in labels:
                labels.append(e["label"])
    prim_ovh, prim_acc = prim_rows(runs)
    out = []
    for lb in labels:
        out.append(("1. kdamond CPU, %s" % lb, "ms/s", "lower",
                    cpu_void(lambda r, lb=lb: get(overhead_entry(r, lb), "cpu_ms_per_s")),
                    2))
    for lb in labels:
        out.append(("1. workload slowdown, %s" % lb, "%", "lower",
                    lambda r, lb=lb: get(overhead_entry(r, lb), "slowdown_pct"), 1))
    out += prim_ovh
    vs = [lb for lb in labels if lb.startswith("vaddr")]
    if len(vs) >= 2:
        out.append(("2. kdamond CPU growth, %s / %s" % (vs[-1][6:], vs[0][6:]), "x",
                    "lower", cpu_void(growth), 2))
    out += [
        ("3. recall: hot bytes reported hot", "%", "higher",
         lambda r: get(accuracy_of(r), "recall_pct"), 1),
        ("3. precision: reported-hot bytes truly hot", "%", "higher",
         lambda r: get(accuracy_of(r), "precision_pct"), 1),
        ("3. working-set estimate error", "%", "lower",
         lambda r: get(accuracy_of(r), "wss_error_pct"), 1),
    ] + prim_acc + [
        ("4. pageout scheme: RSS saved", "MiB", "higher",
         lambda r: get(r, "reclaim", "saved_mib"), 0),
        ("4. pageout scheme: workload slowdown", "%", "lower",
         lambda r: get(r, "reclaim", "slowdown_pct"), 1),
        ("4. pageout scheme: kdamond CPU", "ms/s", "lower",
         cpu_void(lambda r: get(r, "reclaim", "cpu_ms_per_s")), 2),
        ("5. memory.reclaim 1 GiB: time", "s", "lower",
         lambda r: get(r, "memreclaim", "reclaim_1g_s"), 3),
        ("5. memory.reclaim 1 GiB: overshoot", "MiB", "lower",
         lambda r: get(r, "memreclaim", "overshoot_mib"), 1),
        ("5. memory.reclaim: signal to write() return", "ms", "lower",
         lambda r: get(r, "memreclaim", "signal_latency_ms"), 1),
    ]
    # Figure 6: ours auto-tuned against upstream's fixed defaults (6.12
    # has no tuning), and ours fixed for reference.  "bounded" is the
    # same goal with sampling of at most 25 ms.
    def ours_as(variant):
        # The tuned variants exist on ours only: upstream's fixed defaults
        # stand beside them.
        return lambda r: variant if r["kernel"] == "ours" or \
            variant == "slow" else "fixed"
    tuned = (("tuned", "ours auto-tuned vs upstream fixed"),
             ("bounded", "ours auto-tuned, sampling <= 25 ms, vs upstream "
              "fixed"))
    for where, what in (("vaddr", "1 GiB"), ("paddr", "all RAM")):
        for variant, label in tuned + (("fixed", "fixed defaults"),):
            out.append(("6. kdamond CPU, %s %s, %s" % (where, what, label),
                        "ms/s", "lower",
                        cpu_void(lambda r, w=where, v=ours_as(variant): get(
                            r, "autotune", w + "_" + v(r), "cpu_ms_per_s")),
                        2))
        if where == "vaddr":
            for variant, label in tuned:
                out.append(("6. kdamond CPU, vaddr 1 GiB, second half of the "
                            "run, %s" % label, "ms/s", "lower",
                            cpu_void(lambda r, v=ours_as(variant): get(
                                r, "autotune", "vaddr_" + v(r),
                                "cpu_ms_per_s_second_half")), 2))
    slow = (("slow", "fixed 25 ms / 500 ms, both kernels"),)
    out.append(("6. kdamond CPU, vaddr 1 GiB, %s" % slow[0][1], "ms/s",
                "lower", cpu_void(lambda r: get(r, "autotune", "vaddr_slow",
                                                "cpu_ms_per_s")), 2))
    for key, what in (("recall_pct", "recall"),
                      ("precision_pct", "precision")):
        for variant, label in tuned + (("fixed", "fixed defaults"),) + slow:
            out.append(("6. %s, vaddr 1 GiB, %s" % (what, label), "%",
                        "higher", lambda r, k=key, v=ours_as(variant): get(
                            r, "autotune", "vaddr_" + v(r), k), 1))
    for variant, label in (("tuned", ""), ("bounded", ", sampling <= 25 ms")):
        out.append(("6. tuned aggregation interval at the end, vaddr 1 GiB%s"
                    % label, "ms", "n/a",
                    lambda r, v=variant: (get(r, "autotune", "vaddr_" + v,
                                              "final_aggr_us") or 0) / 1000
                    or None, 0))
    # DAMON_STAT exists on ours only: no ratio.
    for load_, label in (("stat_idle", "idle"), ("stat_busy", "busy")):
        out.append(("6. DAMON_STAT kdamond CPU, %s guest" % label, "ms/s",
                    "lower", cpu_void(lambda r, k=load_: get(
                        r, "autotune", k, "cpu_ms_per_s")), 3))
    return out + tier_rows()


def stats(vals):
    vals = sorted(v for v in vals if v is not None)
    if not vals:
        return None
    n = len(vals)
    if n % 2:
        med = vals[n // 2]
    else:
        a, b = vals[n // 2 - 1], vals[n // 2]
        med = (a + b) / 2
        # The mean of a lower bound and a number is a lower bound too.
        if isinstance(a, AtLeast) or isinstance(b, AtLeast):
            med = AtLeast(med)
    return vals[0], med, vals[-1], n


def cell(s, dec):
    if s is None:
        return "n/a"
    def f(v):
        return "%s%.*f" % (">" if isinstance(v, AtLeast) else "", dec, v)
    return "%s / **%s** / %s" % (f(s[0]), f(s[1]), f(s[2]))


def verdict(so, su, better):
    """"worse" or "worse, in the noise" where the median of so is worse
    than that of su, else None.  Medians within 2% count as the same when
    the ranges overlap, and within 0.5% even when they do not (three runs
    each can miss)."""
    bo = so is not None and isinstance(so[1], AtLeast)
    bu = su is not None and isinstance(su[1], AtLeast)
    if not so or not su or (bo and bu) or better not in ("lower", "higher"):
        return None
    is_worse = so[1] > su[1] if better == "lower" else so[1] < su[1]
    apart = so[0] > su[2] if better == "lower" else so[2] < su[0]
    gap = abs(so[1] - su[1]) / max(abs(so[1]), abs(su[1]), 1e-9)
    if is_worse and gap > (0.005 if apart else 0.02):
        return "worse" if apart else "worse, in the noise"
    return None


def table(runs):
    lines = ["| figure | ours (min / **median** / max) | upstream (min / **median** / max) "
             "| ours / upstream |", "|---|---|---|---|"]
    worse = []
    for name, unit, better, fn, dec in rows(runs):
        so = stats([fn(r) for r in runs["ours"]])
        su = stats([fn(r) for r in runs["upstream"]])
        # A figure left out of the run (BENCH_ONLY) has no row.
        if so is None and su is None:
            continue
        ratio = "n/a"
        # Two lower bounds compare to nothing; one gives a bound.
        bo = so is not None and isinstance(so[1], AtLeast)
        bu = su is not None and isinstance(su[1], AtLeast)
        # A ratio only means something between two positive medians.
        if so and su and so[1] >= 0 and su[1] > 0 and not (bo and bu):
            ratio = "%s%.2f" % (">" if bo else "<" if bu else "",
                                so[1] / su[1])
        tag = verdict(so, su, better)
        if tag:
            ratio += " (%s)" % tag
            worse.append((name, tag))
        arrow = {"lower": ", ↓ better", "higher": ", ↑ better"}.get(better, "")
        lines.append("| %s (%s%s) | %s | %s | %s |" %
                     (name, unit, arrow, cell(so, dec), cell(su, dec), ratio))
    return lines, worse


def plots(bench, runs):
    """The PNGs; returns their names (none without matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return []
    colors = {"ours": "tab:blue", "upstream": "tab:orange"}
    made = []
    # Figure 7's boots have a plot of their own.
    tier_runs = {k: [r for r in rs if r.get("_tier")] for k, rs in runs.items()}
    runs = {k: [r for r in rs if not r.get("_tier")] for k, rs in runs.items()}

    fig, ax = plt.subplots(figsize=(7, 4.5))
    for k, rs in runs.items():
        by_size, paddr = {}, []
        for r in rs:
            if r.get("_no_tsc"):
                continue
            for e in r.get("overhead") or []:
                if e["ops"] == "vaddr":
                    by_size.setdefault(e["size_mib"], []).append(e["cpu_ms_per_s"])
                else:
                    paddr.append((e["target_mib"], e["cpu_ms_per_s"]))
        if by_size:
            xs = sorted(by_size)
            st = [stats(by_size[x]) for x in xs]
            ax.errorbar(xs, [s[1] for s in st],
                        yerr=[[s[1] - s[0] for s in st], [s[2] - s[1] for s in st]],
                        marker="o", capsize=4, color=colors.get(k), label="%s vaddr" % k)
        if paddr:
            ax.scatter([p[0] for p in paddr], [p[1] for p in paddr], marker="s",
                       color=colors.get(k), label="%s paddr (all RAM)" % k)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("target size (MiB)")
    ax.set_ylabel("kdamond CPU (ms per s of monitoring)")
    ax.set_ylim(bottom=0)
    ax.set_title("Monitoring cost against target size (5 ms / 100 ms, 10..1000 regions)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(bench, "cpu_vs_size.png"), dpi=100)
    plt.close(fig)
    made.append("cpu_vs_size.png")

    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True)
    for k, rs in runs.items():
        for n, r in enumerate(rs[:1]):
            s = get(accuracy_of(r), "series") or []
            xs = [p["t"] for p in s]
            axes[0].plot(xs, [100 * p["recall"] for p in s], ".-", ms=3, lw=0.7,
                         color=colors.get(k), label="%s (%s)" % (k, r["_run"]))
            pr = [(p["t"], 100 * p["precision"]) for p in s if p["precision"] is not None]
            axes[1].plot([p[0] for p in pr], [p[1] for p in pr], ".-", ms=3, lw=0.7,
                         color=colors.get(k), label="%s (%s)" % (k, r["_run"]))
            # The same workload sampled by page faults (ours).
            s = get(prim_pf(r, "accuracy"), "series") or []
            if s:
                lbl = "%s, page_fault only (%s)" % (k, r["_run"])
                axes[0].plot([p["t"] for p in s], [100 * p["recall"] for p in s],
                             ".--", ms=3, lw=0.7, color="tab:green", label=lbl)
                pr = [(p["t"], 100 * p["precision"]) for p in s
                      if p["precision"] is not None]
                axes[1].plot([p[0] for p in pr], [p[1] for p in pr], ".--", ms=3,
                             lw=0.7, color="tab:green", label=lbl)
    axes[0].set_ylabel("recall (%)")
    axes[1].set_ylabel("precision (%)")
    axes[1].set_xlabel("seconds since the first phase (hot chunks move every phase)")
    for ax in axes:
        ax.set_ylim(-2, 102)
        ax.legend(loc="lower right")
    axes[0].set_title("Accuracy per aggregation interval (first run of each kernel)")
    fig.tight_layout()
    fig.savefig(os.path.join(bench, "accuracy.png"), dpi=100)
    plt.close(fig)
    made.append("accuracy.png")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, rs in runs.items():
        for n, r in enumerate(rs):
            rc = r.get("reclaim")
            if not rc:
                continue
            ax.plot([p[0] - rc["t_on"] for p in rc["series"]], [p[1] for p in rc["series"]],
                    color=colors.get(k), alpha=0.8, label=k if n == 0 else None)
            hot = rc["hot_mib"]
    ax.axvline(0, color="gray", ls="--", lw=0.8)
    ax.text(0.3, 0, " pageout scheme on", color="gray", va="bottom")
    if any(r.get("reclaim") for rs in runs.values() for r in rs):
        ax.axhline(hot, color="gray", ls=":", lw=0.8)
        ax.text(ax.get_xlim()[0], hot, " hot part of the workload", color="gray",
                va="bottom")
    ax.set_xlabel("seconds since the scheme started (min_age 5 s)")
    ax.set_ylabel("workload RSS (MiB)")
    ax.set_ylim(bottom=0)
    ax.set_title("RSS under a pageout scheme (every run)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(bench, "reclaim_rss.png"), dpi=100)
    plt.close(fig)
    made.append("reclaim_rss.png")

    # The tuning's course: ours only (upstream 6.12 has no tuning).
    fig, ax = plt.subplots(figsize=(8, 4.5))
    drawn = False
    for n, r in enumerate(runs.get("ours", [])):
        at = r.get("autotune") or {}
        for key, color, label in (
                ("vaddr_tuned", "tab:blue", "vaddr 1 GiB, hot chunks move"),
                ("vaddr_bounded", "tab:purple",
                 "the same, sampling <= 25 ms")):
            v = at.get(key) or {}
            if v.get("t"):
                ax.plot(v["t"], [1000 * a for a in v["aggr_s"]], ".-", ms=3,
                        lw=0.7, color=color, label=label if n == 0 else None)
                drawn = True
        for key, color, label in (("stat_idle", "tab:green",
                                   "DAMON_STAT, idle guest"),
                                  ("stat_busy", "tab:red",
                                   "DAMON_STAT, busy guest")):
            st = at.get(key) or {}
            if st.get("t"):
                ax.plot(st["t"], [a / 1000 for a in st["aggr_us"]], "-",
                        lw=0.9, color=color, label=label if n == 0 else None)
                drawn = True
    if drawn:
        ax.set_yscale("log")
        ax.set_xlabel("seconds since monitoring started")
        ax.set_ylabel("aggregation interval (ms)")
        ax.set_title("Tuned aggregation interval over time (4% access "
                     "events, 5 ms..10 s sampling; every run of ours)")
        ax.legend()
        fig.tight_layout()
        fig.savefig(os.path.join(bench, "tuned_intervals.png"), dpi=100)
        made.append("tuned_intervals.png")
    plt.close(fig)

    if tiering_plot(plt, bench, tier_runs):
        made.append("tiering.png")
    return made


def tiering_plot(plt, bench, runs):
    """Figure 7: the hot area's share on the fast node and the migration
    traffic over time, every run faint, the median run (by time to 90%)
    of each kernel and mechanism drawn over them."""
    styles = {("ours", "damon_tier"): "tab:blue",
              ("ours", "numab"): "tab:green",
              ("upstream", "numab"): "tab:orange",
              ("upstream", "damon_tier"): "tab:purple"}
    fig, axes = plt.subplots(2, 1, figsize=(9, 7), sharex=True)
    drawn = False
    hot_mib = None
    for k, rs in runs.items():
        for variant in ("damon_tier", "numab"):
            vs = [(r, tier_variant(r, variant)) for r in rs]
            vs = [(r, v) for r, v in vs if v and v.get("series")]
            if not vs:
                continue
            color = styles.get((k, variant))
            # Never reaching 90% sorts after any time that did.
            vs.sort(key=lambda rv: (rv[1]["t90_s"] is None,
                                    rv[1]["t90_s"] or 0))
            med = vs[len(vs) // 2]
            for r, v in vs:
                xs = [p["t"] for p in v["series"]]
                main = v is med[1]
                label = "%s %s (%s, median of %d)" % (
                    k, TIER_NAMES[variant], r["_run"], len(vs)) \
                    if main else None
                axes[0].plot(xs, [p["hot_pct"] for p in v["series"]], "-",
                             lw=1.6 if main else 0.7,
                             alpha=1 if main else 0.35, color=color,
                             label=label)
                axes[1].plot(xs, [p["migrated_mib"] for p in v["series"]],
                             "-", lw=1.6 if main else 0.7,
                             alpha=1 if main else 0.35, color=color,
                             label=label)
                if main:
                    axes[0].plot(xs, [p["cold_pct"] for p in v["series"]],
                                 ":", lw=1, color=color)
                    if v["t90_s"] is not None:
                        axes[0].axvline(v["t90_s"], color=color, ls="--",
                                        lw=0.6)
            hot_mib = get(vs[0][0], "tier", "hot_mib")
            drawn = True
    if drawn:
        axes[0].axhline(90, color="gray", ls="--", lw=0.8)
        axes[0].set_ylim(-2, 102)
        axes[0].set_ylabel("on the fast node (%)")
        axes[0].set_title("Hot area on the fast node (solid; cold area "
                          "dotted) and pages migrated, from the start")
        axes[0].legend(fontsize="small")
        if hot_mib:
            axes[1].axhline(hot_mib, color="gray", ls=":", lw=0.8)
            axes[1].text(0, hot_mib, " the hot area", color="gray",
                         va="bottom")
        axes[1].set_ylim(bottom=0)
        axes[1].set_ylabel("migrated since the start (MiB)")
        axes[1].set_xlabel("seconds since the mechanism was turned on")
        fig.tight_layout()
        fig.savefig(os.path.join(bench, "tiering.png"), dpi=100)
    plt.close(fig)
    return drawn


def tier_notes(runs):
    """What figure 7's rows leave out: boots that skipped it, and
    variants that never reached 90%."""
    notes = []
    for r in runs:
        tr = r.get("tier") or {}
        if tr.get("skipped"):
            notes.append("%s: left out: %s" % (r["_run"], tr["skipped"]))
        for name, v in sorted((tr.get("variants") or {}).items()):
            if v.get("t90_s") is None:
                notes.append("%s: %s never had %d%% of the hot area on the "
                             "fast node in %.0f s (%.1f%% at the end)" %
                             (r["_run"], TIER_NAMES.get(name, name),
                              tr.get("goal_pct", 90), v["watched_s"],
                              v["final_hot_pct"]))
    return notes


# What the notes compare, ours page_fault only against ours page_table:
# (name, figure, key, better, unit, decimals, a CPU time, told as a ratio
# (else as a difference: slowdowns can be negative)).
PRIM_METRICS = (
    ("kdamond CPU", "overhead", "cpu_ms_per_s", "lower", " ms/s", 2, True,
     True),
    ("workload slowdown", "overhead", "slowdown_pct", "lower", "%", 1,
     False, False),
    ("recall", "accuracy", "recall_pct", "higher", "%", 1, False, False),
    ("precision", "accuracy", "precision_pct", "higher", "%", 1, False,
     False),
)


def prim_notes(runs):
    """What the page_fault only rows leave out or stand on: boots of ours
    without the sample primitives, reports dropped, where the page_table
    figures come from; and ours page_fault against ours page_table over
    the same boots, saying where faults cost more."""
    ours = [r for r in runs["ours"] if r.get("primitives")]
    ups = [r for r in runs["upstream"] if r.get("primitives")]
    if not ours and not ups:
        return []
    lb = prim_label(runs)
    notes = ["Upstream 6.12 has no sample primitives (it checks page-table "
             "accessed bits only): in the `page_fault only` rows its column "
             "is its page_table figure of the same measurement.  Both "
             "kernels run on the same guest, TLB churn (`VM_CHURN`) "
             "included, which page_table needs under TCG and page_fault "
             "does not."]
    for r in ours:
        if not r["primitives"].get("has_primitives"):
            notes.append("%s: no page_fault figures: the kernel has no "
                         "monitoring_attrs/sample/primitives directory "
                         "(page_table only)." % r["_run"])
    for r in ours:
        for what in ("overhead", "accuracy"):
            pf = prim_pf(r, what) or {}
            if what == "overhead":
                dropped = sum(get(x, "window", "dropped") or 0
                              for x in pf.get("reports") or [])
            else:
                dropped = get(pf, "reports", "dropped") or 0
            if dropped:
                notes.append("%s: %d access reports dropped in the "
                             "page_fault %s run (a CPU's ring of them "
                             "overflowed): those accesses went unseen." %
                             (r["_run"], dropped, what))
    froms = {}
    for r in ours + ups:
        for what, sec in (get(r, "primitives", "page_table_from") or
                          {}).items():
            froms.setdefault(what, set()).add(sec)
    src = []
    for what in ("accuracy", "overhead"):
        f = froms.get(what, set())
        if f == {what}:
            src.append("the %s section's of the same boot" % what)
        elif f == {"primitives"}:
            src.append("the primitives section's own %s run" % what)
        elif f:
            src.append("the %s section's or the primitives section's own, "
                       "boot by boot" % what)
    if src:
        notes.append("The page_table figures beside them: %s." %
                     "; ".join(src))
    # Ours page_fault against ours page_table, over the same boots.
    have = [r for r in ours if r["primitives"].get("page_fault")]
    parts, worse = [], []
    for name, what, key, better, unit, dec, cpu, as_ratio in PRIM_METRICS:
        use = [r for r in have if not (cpu and r.get("_no_tsc"))]
        sf = stats([get(prim_pf(r, what), key) for r in use])
        st = stats([get(prim_pt(r, what), key) for r in use])
        if not sf or not st:
            continue
        what_lb = "%s (%s)" % (name, lb) if what == "overhead" else name
        txt = "%s %.*f%s against %.*f%s" % (what_lb, dec, sf[1], unit, dec,
                                           st[1], unit)
        if as_ratio and sf[1] >= 0 and st[1] > 0:
            txt += " (%.2fx)" % (sf[1] / st[1])
        elif not as_ratio:
            txt += " (%+.*f points)" % (dec, sf[1] - st[1])
        tag = verdict(sf, st, better)
        if tag:
            txt += ", %s" % tag
            worse.append("%s (%s)" % (what_lb, tag))
        parts.append(txt)
    if parts:
        notes.append("Ours, page_fault only against page_table, medians "
                     "over the same %d boot(s): %s." % (len(have),
                                                        "; ".join(parts)))
        notes.append("Where page_fault does worse than page_table on ours: "
                     "%s." % ("; ".join(worse) if worse else "nowhere"))
        notes.append("A fault is taken by the workload, in its own time: "
                     "that cost is in the slowdown, not in the kdamond's "
                     "CPU.")
    return notes


def cpu_ratio_notes(runs):
    """For each kdamond CPU row of figure 1: ours / upstream of each pair of
    boots run one after the other (run N of each kernel), min / median /
    max, and whether the two kernels' ranges overlap."""
    notes = []
    for name, _, _, fn, _ in rows(runs):
        if not name.startswith("1. kdamond CPU"):
            continue
        up = {r["_run"].split("-")[0]: fn(r) for r in runs["upstream"]}
        pairs = []
        for r in runs["ours"]:
            o, u = fn(r), up.get(r["_run"].split("-")[0])
            if o is not None and u:
                pairs.append(o / u)
        so = stats([fn(r) for r in runs["ours"]])
        su = stats([fn(r) for r in runs["upstream"]])
        if not pairs or not so or not su:
            continue
        sp = stats(pairs)
        apart = so[2] < su[0] or su[2] < so[0]
        notes.append("%s: ours / upstream per pair of boots %.2f / **%.2f** / "
                     "%.2f over %d pairs; the ranges %s" %
                     (name[3:], sp[0], sp[1], sp[2], sp[3],
                      "do not overlap" if apart else "overlap"))
    return notes


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    bench = sys.argv[1]
    runs, errors = load(bench)
    if not runs["ours"] and not runs["upstream"]:
        print("report: no runs under %s/runs" % bench, file=sys.stderr)
        return 1
    lines, worse = table(runs)
    made = plots(bench, runs)
    main_runs = {k: [r for r in rs if not r["_tier"]] for k, rs in runs.items()}
    tier_runs = {k: [r for r in rs if r["_tier"]] for k, rs in runs.items()}
    first = (runs["ours"] or runs["upstream"])[0]
    rel = {k: sorted({r["release"] for r in rs}) for k, rs in runs.items()}
    head = "%s; profile `%s`" % (time.strftime("%Y-%m-%d %H:%M"), first["profile"])
    m = main_runs["ours"] + main_runs["upstream"]
    if m:
        head += ("; %d runs of ours, %d of upstream, alternating; "
                 "guest: %d vCPUs, %.0f MiB, TCG with TLB churn" %
                 (len(main_runs["ours"]), len(main_runs["upstream"]),
                  m[0]["cpus"], m[0]["mem_total_mib"]))
    t = tier_runs["ours"] + tier_runs["upstream"]
    if t:
        head += ("; figure 7: %d runs of ours, %d of upstream, alternating, "
                 "on a guest of %d vCPUs, %.0f MiB, with memory tiers %s" %
                 (len(tier_runs["ours"]), len(tier_runs["upstream"]),
                  t[0]["cpus"], t[0]["mem_total_mib"],
                  " > ".join("{%s}" % ",".join(map(str, nodes))
                             for nodes in t[0].get("memory_tiers") or [])
                  or "(none)"))
    md = ["# make bench: ours against upstream 6.12", "", head + ".",
          "Kernels: ours %s, upstream %s." %
          (", ".join(rel.get("ours", [])) or "-", ", ".join(rel.get("upstream", [])) or "-"),
          ""] + lines + [""]
    if worse:
        md.append("Where ours is worse than upstream: " +
                  "; ".join("%s (%s)" % w for w in worse) + ".")
    else:
        md.append("Ours is nowhere worse than upstream.")
    if errors:
        md += ["", "Errors and figures left out:", ""] + ["- " + e for e in errors]
    notes = cpu_ratio_notes(main_runs)
    if notes:
        md += ["", "kdamond CPU, ratio by pairs of boots:", ""] + \
            ["- " + n for n in notes]
    notes = prim_notes(main_runs)
    if notes:
        md += ["", "Sample primitives (page_fault only):", ""] + \
            ["- " + n for n in notes]
    notes = tier_notes(t)
    if notes:
        md += ["", "Figure 7:", ""] + ["- " + n for n in notes]
    if made:
        md += ["", "Plots: " + ", ".join("[%s](%s)" % (m, m) for m in made) + "."]
    else:
        md += ["", "No plots: python3-matplotlib is missing."]
    with open(os.path.join(bench, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    print("\n".join(md))
    print("\nreport: %s" % os.path.join(bench, "report.md"))
    return 1 if any("CPU figures left out" not in e for e in errors) else 0


if __name__ == "__main__":
    sys.exit(main())
