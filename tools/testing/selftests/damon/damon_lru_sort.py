#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_LRU_SORT, driven through its module parameters.

The interface, as for DAMON_RECLAIM (see damon_reclaim.py): the 6.12
parameters with their modes and defaults, 20 enable/disable cycles with
a live kdamond while on, malformed writes, read-only parameters, bad
parameter sets refused by "enabled" and by "commit_inputs" (plus a
hot_thres_access_freq above 1000), mutual exclusion with DAMON_RECLAIM
and sysfs kdamonds (EBUSY), and the monitored range seen through the
damon_aggregated tracepoint.

What it does, on a workload in a memory cgroup of its own: 32 MiB of
anonymous memory (in huge pages where it can, so that the hot and the cold
part lie in separate 2 MiB blocks of physical memory) whose first quarter
is kept accessed and the rest was touched once.  The cgroup's memory.stat
tells which LRU list the memory is on.  A sysfs kdamond with an
lru_deprio (or lru_prio) scheme on the workload's pages first puts all of
it on the inactive (or active) list; then DAMON_LRU_SORT runs on the
workload's physical range with 5 ms samples, 100 ms aggregations,
cold_min_age 1 s, hot_thres_access_freq 500 and no quota:

  idle    with its default watermarks (free memory is plentiful) it does
          nothing for 1.5 s: no statistic moves, the hot part stays
          inactive
  hot     all inactive at the start: within 45 s at least 80% of the hot
          bytes are active and at least 80% of the cold ones still
          inactive; the hot scheme's statistics count at least half the
          hot bytes
  cold    all active at the start: within 45 s at least 80% of the cold
          bytes are inactive and at least 80% of the hot ones still
          active; the cold scheme's statistics count at least half the
          cold bytes

The tests watch accessed bits: under TCG they need the TLB churn of the
test guest (see harness/guest-churn.sh).
"""

import time

from damos_helpers import (ACTIVE, MIB, Child, Fail, Kdamond, Skip, Tap,
                           at_cleanup, check_bad_commit, check_bad_enable,
                           check_bad_writes, check_cycles, check_exclusive,
                           check_parameters, check_read_only, check_regions,
                           make_cgroup, memcg_stat, numa_nodes,
                           paddr_targets, phys_span, read,
                           require_module, smaps_sum, wait_for, write)

M = None
WAIT_S = 45
STATS = tuple("%s_%s_regions" % (k, t) for t in ("hot", "cold") for k in
              ("nr_lru_sort_tried", "bytes_lru_sort_tried",
               "nr_lru_sorted", "bytes_lru_sorted")) + \
    ("nr_hot_quota_exceeds", "nr_cold_quota_exceeds")
DEFAULTS = {
    "enabled": "N", "commit_inputs": "N", "kdamond_pid": "-1",
    "hot_thres_access_freq": "500", "cold_min_age": "120000000",
    "quota_ms": "10", "quota_reset_interval_ms": "1000",
    "wmarks_interval": "5000000", "wmarks_high": "200", "wmarks_mid": "150",
    "wmarks_low": "50", "sample_interval": "5000",
    "aggr_interval": "100000", "min_nr_regions": "10",
    "max_nr_regions": "1000", "monitor_region_start": "0",
    "monitor_region_end": "0",
    # From later versions: the intervals auto-tuning.
    "autotune_monitoring_intervals": "N",
}
DEFAULTS.update({s: None for s in STATS})
READ_ONLY = ("kdamond_pid",) + STATS
NUMBERS = ("hot_thres_access_freq", "cold_min_age", "quota_ms",
           "quota_reset_interval_ms", "wmarks_interval", "wmarks_high",
           "wmarks_mid", "wmarks_low", "sample_interval", "aggr_interval",
           "min_nr_regions", "max_nr_regions", "monitor_region_start",
           "monitor_region_end")
EXTRA_BAD = [("hot_thres_access_freq > 1000",
              {"hot_thres_access_freq": 1001})]


def thp_allowed():
    """Transparent huge pages at least for MADV_HUGEPAGE areas."""
    path = "/sys/kernel/mm/transparent_hugepage/enabled"
    try:
        modes = read(path)
    except OSError:
        return
    if "[never]" in modes:
        write(path, "madvise")
        at_cleanup(write, path, "never")


class LruSort:
    """One workload for the idle, hot and cold steps."""

    SIZE = 32 * MIB
    HOT = 8 * MIB
    COLD = SIZE - HOT

    def __init__(self):
        self.c = None

    def lists(self):
        return (memcg_stat(self.cg, "active_anon"),
                memcg_stat(self.cg, "inactive_anon"))

    def note(self, before, after):
        return "active/inactive anon %d/%d -> %d/%d MiB" % (
            before[0] >> 20, before[1] >> 20, after[0] >> 20,
            after[1] >> 20)

    def start(self):
        self.cg = make_cgroup("damon-lru-sort")
        c = Child(self.cg)
        # Huge pages where the kernel can make them: the hot and the cold
        # part then lie in separate 2 MiB blocks of physical memory, which
        # a single physical range of regions can tell apart.
        thp_allowed()
        try:
            write("/proc/sys/vm/compact_memory", 1)
        except OSError:
            pass
        # On one node, so that the physical span the module monitors is
        # not all of memory.
        lo = c.anon("buf", self.SIZE, "hugepage,bind%d" % numa_nodes()[0])
        c.call("touch", "buf")
        c.call("hot", "buf", 0, self.HOT)
        if memcg_stat(self.cg, "anon") < 0.9 * self.SIZE:
            raise Fail("the buffer is not charged to the cgroup")
        self.huge = smaps_sum(c.pid, lo, lo + self.SIZE, "AnonHugePages")
        self.span = phys_span(c, "buf")
        self.c = c

    def desc(self):
        return "%d MiB of huge pages, physical span %d MiB" % (
            self.huge >> 20, (self.span[1] - self.span[0]) >> 20)

    def configure(self):
        """The module on exactly the workload's physical range."""
        M.configure(**ACTIVE)
        # Regions fine enough to cut 2 MiB hot blocks out of the span.
        M.configure(cold_min_age=1000000, hot_thres_access_freq=500,
                    max_nr_regions=1000,
                    quota_ms=0, quota_reset_interval_ms=1000,
                    monitor_region_start=self.span[0],
                    monitor_region_end=self.span[1])

    def prime(self, action):
        """Put the whole buffer on one list with a sysfs kdamond."""
        i = 0 if action == "lru_prio" else 1
        k = Kdamond()
        k.setup("paddr", paddr_targets(self.c, "buf"), [{"action": action}])
        k.on()
        done = wait_for(lambda: self.lists()[i] >= 0.9 * self.SIZE,
                        WAIT_S, 0.1)
        k.teardown()
        if not done:
            raise Fail("%s (sysfs) did not move the buffer: %s" % (
                action, self.note(self.lists(), self.lists())))

    def settle(self, ok):
        """Poll the lists until ok(active, inactive) held three reads in a
        row (regions that mix hot and cold pages make a few flip while the
        regions split), and return the last read."""
        run = [0, None]

        def held():
            run[1] = self.lists()
            run[0] = run[0] + 1 if ok(*run[1]) else 0
            return run[0] >= 3
        wait_for(held, WAIT_S, 0.2)
        return run[1]

    def need(self):
        if self.c is None:
            raise Skip("the workload did not start")

    def idle(self):
        self.start()
        self.prime("lru_deprio")
        self.configure()
        # Free memory is far above the default wmarks_high of 200 permil.
        M.configure(wmarks_high=200, wmarks_mid=150, wmarks_low=50)
        before = self.lists()
        M.enable()
        time.sleep(1.5)
        moved = {k: v for k, v in M.stats(STATS).items() if v}
        after = self.lists()
        M.disable()
        note = self.note(before, after)
        if moved:
            raise Fail("statistics moved: %s; %s" % (moved, note))
        if after[0] - before[0] > 0.2 * self.HOT:
            raise Fail("memory was activated: " + note)
        return "%s; %s" % (self.desc(), note)

    def hot(self):
        self.need()
        # Off, should the step before have failed half-way.
        M.disable()
        if self.lists()[1] < 0.9 * self.SIZE:
            self.prime("lru_deprio")
        self.configure()
        before = self.lists()
        M.enable()

        after = self.settle(lambda a, i: a - before[0] >= 0.8 * self.HOT and
                            i >= 0.8 * self.COLD)
        st = M.stats(STATS)
        M.disable()
        note = "%s; hot: %d regions (%d MiB) tried, %d (%d MiB) sorted" % (
            self.note(before, after), st["nr_lru_sort_tried_hot_regions"],
            st["bytes_lru_sort_tried_hot_regions"] >> 20,
            st["nr_lru_sorted_hot_regions"],
            st["bytes_lru_sorted_hot_regions"] >> 20)
        if after[0] - before[0] < 0.8 * self.HOT:
            raise Fail("the hot memory was not activated: " + note)
        if after[1] < 0.8 * self.COLD:
            raise Fail("the cold memory was activated: " + note)
        if st["bytes_lru_sorted_hot_regions"] < 0.5 * self.HOT:
            raise Fail("the statistics miss the activated memory: " + note)
        return note

    def cold(self):
        self.need()
        M.disable()
        self.prime("lru_prio")
        self.configure()
        before = self.lists()
        M.enable()

        after = self.settle(lambda a, i: i >= 0.8 * self.COLD and
                            a >= 0.8 * self.HOT)
        st = M.stats(STATS)
        M.disable()
        note = "%s; cold: %d regions (%d MiB) tried, %d (%d MiB) sorted" % (
            self.note(before, after), st["nr_lru_sort_tried_cold_regions"],
            st["bytes_lru_sort_tried_cold_regions"] >> 20,
            st["nr_lru_sorted_cold_regions"],
            st["bytes_lru_sorted_cold_regions"] >> 20)
        if after[1] < 0.8 * self.COLD:
            raise Fail("the cold memory was not deactivated: " + note)
        if after[0] < 0.8 * self.HOT:
            raise Fail("the hot memory was deactivated: " + note)
        if st["bytes_lru_sorted_cold_regions"] < 0.5 * self.COLD:
            raise Fail("the statistics miss the deactivated memory: " +
                       note)
        return note


def main():
    global M
    M = require_module("damon_lru_sort")
    t = Tap()
    t.run("the 6.12 parameters, their modes and defaults",
          check_parameters, M, DEFAULTS, READ_ONLY)
    t.run("enable and disable 20 times", check_cycles, M)
    t.run("kdamond_pid and the statistics are read-only", check_read_only,
          M, STATS)
    t.run("malformed writes fail and change nothing", check_bad_writes, M,
          NUMBERS, ("enabled", "commit_inputs",
                    "autotune_monitoring_intervals"))
    t.run("enabling with bad parameters fails with EINVAL",
          check_bad_enable, M, EXTRA_BAD)
    t.run("a bad commit_inputs fails with EINVAL and changes nothing",
          check_bad_commit, M, EXTRA_BAD)
    t.run("DAMON_LRU_SORT, DAMON_RECLAIM and sysfs exclude each other",
          check_exclusive, M, "damon_reclaim")
    t.run("the monitored range and number of regions", check_regions, M)
    lru = LruSort()
    # The three steps share one workload.
    t.run("idle under its default watermarks", lru.idle, keep=True)
    t.run("hot memory goes to the active list", lru.hot, keep=True)
    t.run("cold memory goes to the inactive list, hot stays", lru.cold)
    M.disable()
    t.finish()


if __name__ == "__main__":
    main()
