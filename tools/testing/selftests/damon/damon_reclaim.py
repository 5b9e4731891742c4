#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_RECLAIM, driven through its module parameters.

The interface:

  parameters    every parameter of Linux 6.12 is there, with its mode and
                (unless the kernel command line set some) its default
  cycles        20 times enabled and disabled: kdamond_pid is -1 while off
                and a live kdamond thread while on, and a disable returns
                within 3 s
  bad writes    malformed numbers and booleans fail (EINVAL, ERANGE when
                too big) and change nothing; kdamond_pid and the
                statistics are read-only
  bad enable    watermarks out of order, min_nr_regions above
                max_nr_regions, aggr_interval below sample_interval, or
                monitor_region_start above monitor_region_end: enabling
                fails with EINVAL and the module stays off
  bad commit    the same values through commit_inputs while it runs fail
                with EINVAL, kdamond_pid stays; a good commit works
  exclusive     DAMON_RECLAIM, DAMON_LRU_SORT and a sysfs kdamond refuse
                to start (EBUSY) beside each other
  regions       the damon_aggregated tracepoint shows the kdamond on the
                biggest System RAM resource for 0/0, on a committed range
                after that, with min/max_nr_regions kept

What it does, on a workload whose 64 MiB of anonymous memory are a hot
quarter (kept accessed) and three cold quarters (touched once), with
min_age 1 s, 5 ms samples, 100 ms aggregations, watermarks that keep it
active, and the monitored range set to the workload's physical pages:

  reclaim       within 45 s at least 80% of the cold bytes leave memory
                (zram swap, seen with mincore), at least 90% of the hot
                ones stay resident and fewer than a quarter of them and
                a huge page (a region across their edge) were swapped
                back in (major faults); the statistics count the
                tries and at least 80% of the bytes that left
  quota         with quota_sz 2 MiB per 100 ms (and no time quota), on
                huge pages, the bytes tried grow by at most 2 MiB per
                window begun between two reads, plus the window under
                way (the core cuts the last region of a window at the
                quota, so no region overshoots it); the bytes reclaimed
                by that and up to two huge pages more per window, as
                pageout frees whole folios, one across either end of a
                region included; nr_quota_exceeds counts the windows,
                which use up their quota
  watermarks    with the free memory rate above wmarks_high, or below
                wmarks_low, or (once stopped) between wmarks_mid and
                wmarks_high, no statistic moves for 1 s; committed back
                under wmarks_mid, it works again
  skip_anon     with skip_anon Y the cold anonymous memory is tried but
                stays; committed N, it goes

The tests watch accessed bits: under TCG they need the TLB churn of the
test guest (see harness/guest-churn.sh).
"""

import math
import time

from damos_helpers import (ACTIVE, MIB, PAGE, Child, Fail, Skip, Tap,
                           check_bad_commit, check_bad_enable,
                           check_bad_writes, check_cycles, check_exclusive,
                           check_parameters, check_read_only, check_regions,
                           free_mem_rate,
                           majflt, phys_span, require_module,
                           status_kb, swap_total, wait_for)

HPAGE = 2 * MIB

M = None
# Long enough for a slow debug guest; a passing run takes a fraction.
WAIT_S = 45
STATS = ("nr_reclaim_tried_regions", "bytes_reclaim_tried_regions",
         "nr_reclaimed_regions", "bytes_reclaimed_regions",
         "nr_quota_exceeds")
# The parameters of 6.12, and those of later versions we have, with their
# defaults (None: not compared).
DEFAULTS = {
    "enabled": "N", "commit_inputs": "N", "kdamond_pid": "-1",
    "min_age": "120000000", "quota_ms": "10", "quota_sz": "134217728",
    "quota_reset_interval_ms": "1000", "quota_mem_pressure_us": "0",
    "quota_autotune_feedback": "0", "wmarks_interval": "5000000",
    "wmarks_high": "500", "wmarks_mid": "400", "wmarks_low": "200",
    "sample_interval": "5000", "aggr_interval": "100000",
    "min_nr_regions": "10", "max_nr_regions": "1000",
    "monitor_region_start": "0", "monitor_region_end": "0",
    "skip_anon": "N",
    # From later versions: the intervals auto-tuning.
    "autotune_monitoring_intervals": "N",
}
DEFAULTS.update({s: None for s in STATS})
READ_ONLY = ("kdamond_pid",) + STATS
NUMBERS = ("min_age", "quota_ms", "quota_sz", "quota_reset_interval_ms",
           "quota_mem_pressure_us", "quota_autotune_feedback",
           "wmarks_interval", "wmarks_high", "wmarks_mid", "wmarks_low",
           "sample_interval", "aggr_interval", "min_nr_regions",
           "max_nr_regions", "monitor_region_start", "monitor_region_end")


def pct(x):
    return "%.0f%%" % (x * 100)


def workload(size, hot, advice="hugepage"):
    """A child with size bytes of anonymous memory, touched once, the first
    hot bytes kept accessed; and the module set to reclaim memory idle for
    a second in exactly the physical range of it.  Small pages of it lie
    scattered among other memory, whose accesses keep many regions of the
    range from qualifying: "hugepage" makes it denser."""
    if not swap_total():
        raise Skip("no swap to page anonymous memory out to")
    c = Child()
    c.anon("buf", size, advice)
    c.call("touch", "buf")
    if hot:
        c.call("hot", "buf", 0, hot)
    lo, hi = phys_span(c, "buf")
    M.configure(**ACTIVE)
    M.configure(min_age=1000000, quota_ms=0, quota_sz=0,
                quota_reset_interval_ms=1000, monitor_region_start=lo,
                monitor_region_end=hi)
    return c


def test_reclaim():
    size, hot = 64 * MIB, 16 * MIB
    c = workload(size, hot, "hugepage")
    cold = size - hot
    if c.resident("buf") < 0.95:
        raise Fail("the workload is not in memory before the start")
    rss0 = status_kb(c.pid, "RssAnon")
    flt0 = majflt(c.pid)
    M.enable()
    t0 = time.monotonic()
    wait_for(lambda: c.resident("buf", hot, size) <= 0.1, WAIT_S, 0.2)
    took = time.monotonic() - t0
    gone = 1 - c.resident("buf", hot, size)
    kept = c.resident("buf", 0, hot)
    faults = majflt(c.pid) - flt0
    rss1 = status_kb(c.pid, "RssAnon")
    st = M.stats(STATS)
    note = ("in %.1f s: %s of the cold part gone, %s of the hot part "
            "resident, %d swap-ins, RssAnon %d -> %d MiB, %d regions "
            "(%d MiB) tried, %d (%d MiB) reclaimed" % (
                took, pct(gone), pct(kept), faults, rss0 >> 20, rss1 >> 20,
                st["nr_reclaim_tried_regions"],
                st["bytes_reclaim_tried_regions"] >> 20,
                st["nr_reclaimed_regions"],
                st["bytes_reclaimed_regions"] >> 20))
    if gone < 0.8:
        raise Fail("less than 80% of the cold memory left: " + note)
    if kept < 0.9:
        raise Fail("the hot memory was reclaimed: " + note)
    # A region across the hot part's edge may take a huge page of it.
    if faults * PAGE > hot // 4 + HPAGE:
        raise Fail("the hot memory was paged out and back in: " + note)
    if not st["nr_reclaim_tried_regions"] or not st["nr_reclaimed_regions"]:
        raise Fail("the statistics do not count regions: " + note)
    if st["bytes_reclaimed_regions"] < 0.8 * gone * cold:
        raise Fail("bytes_reclaimed_regions misses what left: " + note)
    # A huge page that a region boundary cuts is reclaimed, and counted,
    # whole (as in 6.12): at most one more huge page than tried per region.
    if (st["bytes_reclaimed_regions"] > st["bytes_reclaim_tried_regions"] +
            st["nr_reclaimed_regions"] * 2 * MIB):
        raise Fail("more bytes reclaimed than tried: " + note)
    return note


def test_quota():
    # Pageout leaves a page it never looked at before (its first touch
    # still shows), so the first sweep of the range only looks, and the
    # range spans other memory too: huge pages keep it short, for the
    # windows that reclaim to come soon.
    quota, reset_ms = 2 * MIB, 100
    workload(16 * MIB, 0, "hugepage")
    M.configure(quota_sz=quota, quota_reset_interval_ms=reset_ms,
                sample_interval=2000, aggr_interval=20000)
    M.enable()
    names = ("bytes_reclaim_tried_regions", "bytes_reclaimed_regions")
    reads = {n: [] for n in names + ("nr_quota_exceeds",)}
    # Read until a dozen windows ran out of quota after the first one, and
    # some reclaimed.
    end = time.monotonic() + WAIT_S
    while time.monotonic() < end:
        for n in reads:
            reads[n].append(M.timed_stat(n))
        ex = reads["nr_quota_exceeds"]
        if ex[0][1] == ex[-1][1]:
            # Nothing old enough yet: start counting later.
            for n in reads:
                del reads[n][:-1]
        elif (ex[-1][1] - ex[0][1] >= 12 and len(ex) >= 10 and
              reads[names[1]][-1][1] > reads[names[1]][0][1]):
            break
        time.sleep(reset_ms / 2000)

    def allowed(dt, name):
        # Windows that may have begun in dt seconds, and the one running.
        # The quota counts the bytes of the regions tried; pageout frees
        # whole folios, and a huge page across either end of a region
        # tried goes with it (as on 6.12): up to two more per window.
        windows = math.ceil(dt * 1000 / reset_ms) + 1
        slack = 2 * HPAGE if name == "bytes_reclaimed_regions" else 0
        return (quota + slack) * windows
    exceeded = reads["nr_quota_exceeds"][-1][1] - \
        reads["nr_quota_exceeds"][0][1]
    total = {}
    bad = []
    for n in names:
        r = reads[n]
        for (t0, v0, _), (_, v1, t1) in zip(r, r[1:]):
            if v1 - v0 > allowed(t1 - t0, n):
                bad.append("%s +%d KiB in %.0f ms" % (
                    n, (v1 - v0) >> 10, (t1 - t0) * 1000))
        (t0, v0, _), (_, v1, t1) = r[0], r[-1]
        total[n] = v1 - v0
        if total[n] > allowed(t1 - t0, n):
            bad.append("%s +%d KiB over %.1f s" % (
                n, total[n] >> 10, t1 - t0))
    t0, t1 = reads[names[0]][0][0], reads[names[0]][-1][2]
    note = ("%d KiB tried, %d KiB reclaimed in %.1f windows of %d KiB; "
            "%d windows exceeded the quota" % (
                total[names[0]] >> 10, total[names[1]] >> 10,
                (t1 - t0) * 1000 / reset_ms, quota >> 10, exceeded))
    if bad:
        raise Fail("over the quota: %s; %s" % (", ".join(bad[:3]), note))
    if exceeded < 12:
        raise Fail("nr_quota_exceeds does not count the windows: " + note)
    # A window that ran out of quota tried all of it.
    if total[names[0]] < quota * (exceeded - 2):
        raise Fail("the quota is not used: " + note)
    if not total[names[1]]:
        raise Fail("nothing reclaimed under the quota: " + note)
    return note


def still(seconds):
    """The statistics that moved in seconds, as a dict of differences."""
    s0 = M.stats(STATS)
    time.sleep(seconds)
    s1 = M.stats(STATS)
    return {k: s1[k] - s0[k] for k in STATS if s1[k] != s0[k]}


def tried_grows():
    n0 = M.get_int("nr_reclaim_tried_regions")
    return wait_for(lambda: M.get_int("nr_reclaim_tried_regions") > n0,
                    WAIT_S, 0.1)


def test_watermarks():
    c = workload(32 * MIB, 0, "hugepage")
    rate = free_mem_rate()
    if rate < 10 or rate > 980:
        # Reclaim frees memory: "below low" needs room above the rate.
        raise Skip("free memory rate %d permil leaves no room" % rate)
    # (what, high, mid, low, works); the interval is 100 ms.
    steps = [
        ("rate above high", rate // 2, rate // 4, 0, False),
        ("rate under mid", 1000, 999, 0, True),
        ("rate below low", 1000, 1000, (rate + 1000) // 2, False),
        ("stopped, rate in [mid, high]", 1000, rate // 2, 0, False),
        ("rate under mid", 1000, 999, 0, True),
        ("working, rate above high", rate // 2, rate // 4, 0, False),
    ]
    pid = None
    notes = []
    for what, high, mid, low, works in steps:
        M.configure(wmarks_high=high, wmarks_mid=mid, wmarks_low=low)
        if pid is None:
            pid = M.enable()
            # With the quiet time below, long enough for the cold memory
            # to qualify, were the scheme active.
            time.sleep(1.2)
        else:
            err = M.commit()
            if err or M.pid() != pid:
                raise Fail("%s: commit_inputs %s, kdamond_pid %d -> %d" %
                           (what, err or "ok", pid, M.pid()))
        if works:
            ok = tried_grows()
            notes.append("%s: works" % what if ok else
                         "%s: no try in %d s" % (what, WAIT_S))
        else:
            # Five checks of the watermarks to settle, then quiet.
            time.sleep(0.5)
            moved = still(1.0)
            ok = not moved
            notes.append("%s: quiet" % what if ok else "%s: %s moved" % (
                what, ", ".join("%s +%d" % kv for kv in moved.items())))
        if not ok:
            raise Fail("free memory rate %d permil, watermarks %d/%d/%d: "
                       "%s" % (rate, high, mid, low, "; ".join(notes)))
    if not M.get_int("bytes_reclaimed_regions"):
        raise Fail("the working steps reclaimed nothing: %s resident" %
                   pct(c.resident("buf")))
    return "rate %d permil; %s" % (rate, "; ".join(notes))


def test_skip_anon():
    size = 32 * MIB
    c = workload(size, 0, "hugepage")
    M.set("skip_anon", "Y")
    pid = M.enable()
    # Tried on at least the whole workload once it qualifies.
    wait_for(lambda: M.get_int("bytes_reclaim_tried_regions") >= size,
             WAIT_S, 0.2)
    tried = M.get_int("bytes_reclaim_tried_regions")
    kept = c.resident("buf")
    note = "skip_anon Y: %d MiB tried, %s resident" % (
        tried >> 20, pct(kept))
    if tried < size:
        raise Fail("the scheme was not tried on the workload: " + note)
    if kept < 0.95:
        raise Fail("anonymous memory was reclaimed: " + note)
    M.set("skip_anon", "N")
    err = M.commit()
    if err or M.pid() != pid:
        raise Fail("commit_inputs: %s, kdamond_pid %d -> %d" % (
            err or "ok", pid, M.pid()))
    wait_for(lambda: c.resident("buf") <= 0.1, WAIT_S, 0.2)
    left = c.resident("buf")
    note += "; then N: %s resident" % pct(left)
    if left > 0.2:
        raise Fail("committed skip_anon N did not let it go: " + note)
    return note


def main():
    global M
    M = require_module("damon_reclaim")
    t = Tap()
    t.run("the 6.12 parameters, their modes and defaults",
          check_parameters, M, DEFAULTS, READ_ONLY)
    t.run("enable and disable 20 times", check_cycles, M)
    t.run("kdamond_pid and the statistics are read-only", check_read_only,
          M, STATS)
    t.run("malformed writes fail and change nothing", check_bad_writes, M,
          NUMBERS, ("enabled", "commit_inputs", "skip_anon",
                    "autotune_monitoring_intervals"))
    t.run("enabling with bad parameters fails with EINVAL",
          check_bad_enable, M)
    t.run("a bad commit_inputs fails with EINVAL and changes nothing",
          check_bad_commit, M)
    t.run("DAMON_RECLAIM, DAMON_LRU_SORT and sysfs exclude each other",
          check_exclusive, M, "damon_lru_sort")
    t.run("the monitored range and number of regions", check_regions, M)
    t.run("cold memory is reclaimed, hot memory stays", test_reclaim)
    t.run("quota_sz caps the bytes per reset interval", test_quota)
    t.run("watermarks turn the reclaim off and on", test_watermarks)
    t.run("skip_anon leaves anonymous memory alone", test_skip_anon)
    M.disable()
    t.finish()


if __name__ == "__main__":
    main()
