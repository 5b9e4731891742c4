#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS actions, each judged by its effect on a workload's memory.

A forked workload maps small buffers; a kdamond with one scheme works on
them, through "vaddr" (the process), "fvaddr" (exactly the buffer) or
"paddr" (exactly the physical pages that hold the buffer, read from
/proc/PID/pagemap).  Each test then waits, for a limited time, for what
the action must do:

  pageout (vaddr)     the idle buffer leaves memory (zram swap) and the
                      process's RssAnon shrinks; a hot buffer stays (at
                      least 3/4 resident within 5 s)
  pageout (paddr)     a clean file's page cache is dropped (mincore, and
                      the memcg's "file" counter)
  hugepage            the mapping gets VM_HUGEPAGE: touching it then makes
                      huge pages (THP "madvise" mode)
  nohugepage          the mapping gets VM_NOHUGEPAGE: touching more of it
                      makes no more huge pages
  lru_prio/deprio     the buffer moves to the active, then the inactive
                      anon LRU list (memcg memory.stat)
  cold (fvaddr)       the buffer moves back to the inactive list
  willneed (fvaddr)   an evicted file mapping is read back in (mincore)
  migrate_cold/hot    the buffer's pages move to target_nid and back
                      (/proc/PID/numa_maps; needs two NUMA nodes)
  migrate (vaddr)     a process's hot buffer moves to the other node and
                      its idle one stays (fvaddr), then back (vaddr, the
                      whole process); a hot file mapping stays when an
                      ops filter allows only anonymous memory
  dests (6.17 on)     with destinations node 1 (weight 3) and node 0
                      (weight 1), a buffer on node 0 ends 75% (+-10%) on
                      node 1 and 25% on node 0, and stays so: applying
                      the scheme again moves nothing
  stat                tried regions with accesses add up to the size of
                      the workload's hot area, within 10%

The tests watch accessed bits: under TCG they need the TLB churn of the
test guest (see harness/guest-churn.sh).
"""

import os
import statistics

from damos_helpers import (MIB, PAGE, Child, Fail, Kdamond, Skip, Tap,
                           UINT_MAX, at_cleanup, avail_operations,
                           make_cgroup, memcg_stat, numa_maps_nodes,
                           numa_nodes, phys_runs, read, require_damos,
                           scratch_dir, smaps_flags, smaps_sum, status_kb,
                           wait_for, write)

K = Kdamond()
# Long enough for a slow debug guest; a passing run takes a fraction.
WAIT_S = 30
# The physically contiguous runs of a buffer become at most this many
# paddr regions (more would merge other memory in).
MAX_RUNS = 800
IDLE = {"nr": (0, 0), "age": (3, UINT_MAX)}


def paddr_regions(child, *names):
    pages = []
    for n in names:
        pages += child.phys(n)
    if not any(pages):
        raise Fail("the workload has no pages in memory")
    return [{"regions": phys_runs(pages, MAX_RUNS)}]


def pct(x):
    return "%.0f%%" % (x * 100)


def test_pageout_vaddr():
    c = Child()
    c.anon("idle", 8 * MIB)
    c.anon("hot", 2 * MIB)
    c.call("touch", "idle")
    c.call("touch", "hot")
    c.call("hot", "hot")
    rss0 = status_kb(c.pid, "RssAnon")
    K.setup("vaddr", [{"pid": c.pid}],
            [dict(action="pageout", **IDLE)])
    K.on()
    wait_for(lambda: c.resident("idle") <= 0.1, WAIT_S)
    left = c.resident("idle")
    rss1 = status_kb(c.pid, "RssAnon")
    # A region that straddles the two buffers can take some hot pages
    # with it now and then; the workload faults them straight back.  Paged
    # out for good, they would stay out.
    hot = wait_for(lambda: (lambda r: r if r >= 0.75 else None)(
        c.resident("hot")), 5, 0.2) or c.resident("hot")
    PAGEOUT_STATS.update(K.stats())
    note = "idle buffer %s resident, hot %s, RssAnon %d -> %d KiB" % (
        pct(left), pct(hot), rss0 >> 10, rss1 >> 10)
    if left > 0.25:
        raise Fail("the idle buffer was not paged out: " + note)
    if rss0 - rss1 < 6 * MIB:
        raise Fail("RssAnon did not shrink by 6 MiB: " + note)
    if hot < 0.75:
        raise Fail("the hot buffer was paged out: " + note)
    return note


# The stats of the vaddr pageout test, for the next one.
PAGEOUT_STATS = {}


def test_pageout_vaddr_stats():
    """What vaddr pageout reports: its regions also cover the gaps between
    mappings, and the bytes it paged out must count all the same."""
    if not PAGEOUT_STATS:
        raise Skip("the pageout test did not get that far")
    st = PAGEOUT_STATS
    note = "sz_tried %d KiB, sz_applied %d KiB" % (st["sz_tried"] >> 10,
                                                   st["sz_applied"] >> 10)
    if st["sz_applied"] < 6 * MIB:
        raise Fail("less than the 6 MiB paged out counted as applied: " +
                   note)
    return note


def test_pageout_paddr():
    d = scratch_dir()
    cg = make_cgroup("damos-pageout")
    c = Child(cg)
    c.file("cache", d + "/damos-pageout.dat", 8 * MIB)
    c.call("read", "cache")
    file0 = memcg_stat(cg, "file")
    if c.resident("cache") < 0.9 or file0 < 7 * MIB:
        raise Fail("the file is not cached: %d KiB" % (file0 >> 10))
    K.setup("paddr", paddr_regions(c, "cache"),
            [dict(action="pageout", **IDLE)])
    K.on()
    wait_for(lambda: c.resident("cache") <= 0.1, WAIT_S)
    left = c.resident("cache")
    file1 = memcg_stat(cg, "file")
    note = "%s of the file cached, memcg file %d -> %d KiB" % (
        pct(left), file0 >> 10, file1 >> 10)
    if left > 0.25 or file0 - file1 < 6 * MIB:
        raise Fail("the page cache was not dropped: " + note)
    return note


def thp_madvise():
    path = "/sys/kernel/mm/transparent_hugepage/enabled"
    try:
        modes = read(path)
    except OSError:
        raise Skip("no transparent huge pages")
    if "[madvise]" not in modes:
        old = [m.strip("[]") for m in modes.split() if m.startswith("[")]
        write(path, "madvise")
        at_cleanup(write, path, old[0])


def test_hugepage():
    thp_madvise()
    c = Child()
    lo = c.anon("buf", 8 * MIB)
    hi = lo + 8 * MIB
    if "hg" in smaps_flags(c.pid, lo, hi):
        raise Fail("the buffer starts with VM_HUGEPAGE")
    K.setup("fvaddr", [{"pid": c.pid, "regions": [(lo, hi)]}],
            [{"action": "hugepage"}])
    K.on()
    if not wait_for(lambda: "hg" in smaps_flags(c.pid, lo, hi), WAIT_S):
        raise Fail("the buffer did not get VM_HUGEPAGE (VmFlags %s)" %
                   " ".join(sorted(smaps_flags(c.pid, lo, hi))))
    c.call("touch", "buf")
    huge = smaps_sum(c.pid, lo, hi, "AnonHugePages")
    if huge < 2 * MIB:
        raise Fail("touching it made %d KiB of huge pages" % (huge >> 10))
    return "AnonHugePages %d KiB" % (huge >> 10)


def test_nohugepage():
    thp_madvise()
    c = Child()
    lo = c.anon("buf", 8 * MIB, "hugepage")
    hi = lo + 8 * MIB
    # The first half now, the second half after the scheme.
    c.call("touch", "buf", 0, 4 * MIB)
    huge0 = smaps_sum(c.pid, lo, hi, "AnonHugePages")
    if huge0 < 2 * MIB:
        raise Fail("MADV_HUGEPAGE made no huge page (%d KiB)" %
                   (huge0 >> 10))
    K.setup("fvaddr", [{"pid": c.pid, "regions": [(lo, hi)]}],
            [{"action": "nohugepage"}])
    K.on()

    def done():
        f = smaps_flags(c.pid, lo, hi)
        return "nh" in f and "hg" not in f
    if not wait_for(done, WAIT_S):
        raise Fail("the buffer did not get VM_NOHUGEPAGE (VmFlags %s)" %
                   " ".join(sorted(smaps_flags(c.pid, lo, hi))))
    c.call("touch", "buf", 4 * MIB, 8 * MIB)
    huge1 = smaps_sum(c.pid, lo, hi, "AnonHugePages")
    note = "AnonHugePages %d -> %d KiB" % (huge0 >> 10, huge1 >> 10)
    if huge1 > huge0:
        raise Fail("new huge pages after nohugepage: " + note)
    return note


class LruTest:
    """One workload in a cgroup for lru_prio, lru_deprio and cold."""

    SIZE = 8 * MIB

    def __init__(self):
        self.c = None

    def start(self):
        cg = make_cgroup("damos-lru")
        self.cg = cg
        self.c = Child(cg)
        self.c.anon("buf", self.SIZE)
        self.c.call("touch", "buf")
        if memcg_stat(cg, "anon") < self.SIZE * 0.9:
            raise Fail("the buffer is not charged to the cgroup")

    def lists(self):
        return (memcg_stat(self.cg, "active_anon"),
                memcg_stat(self.cg, "inactive_anon"))

    def note(self, before, after):
        return "active/inactive anon %d/%d -> %d/%d KiB" % (
            before[0] >> 10, before[1] >> 10, after[0] >> 10, after[1] >> 10)

    def run(self, ops, action, want_active):
        before = self.lists()
        if ops == "paddr":
            targets = paddr_regions(self.c, "buf")
        else:
            targets = [{"pid": self.c.pid, "regions": [self.c.region("buf")]}]
        K.setup(ops, targets, [{"action": action}])
        K.on()
        i = 0 if want_active else 1
        wait_for(lambda: self.lists()[i] >= 0.8 * self.SIZE, WAIT_S)
        after = self.lists()
        K.off()
        note = self.note(before, after)
        if after[i] < 0.8 * self.SIZE:
            raise Fail("the buffer did not move to the %s list: %s" %
                       ("active" if want_active else "inactive", note))
        return note

    def prio(self):
        self.start()
        return self.run("paddr", "lru_prio", True)

    def deprio(self):
        if self.c is None:
            raise Skip("lru_prio failed")
        if self.lists()[0] < 0.8 * self.SIZE:
            raise Skip("the buffer is not on the active list")
        return self.run("paddr", "lru_deprio", False)

    def cold(self):
        if self.c is None:
            raise Skip("lru_prio failed")
        # Active first, then cold makes it inactive again.
        self.run("paddr", "lru_prio", True)
        return self.run("fvaddr", "cold", False)


def test_willneed():
    d = scratch_dir()
    c = Child()
    path = d + "/damos-willneed.dat"
    c.file("map", path, 4 * MIB)
    c.call("evict", "map", path)
    r0 = c.resident("map")
    if r0 > 0.1:
        raise Fail("the file could not be evicted (%s cached)" % pct(r0))
    K.setup("fvaddr", [{"pid": c.pid, "regions": [c.region("map")]}],
            [{"action": "willneed"}])
    K.on()
    wait_for(lambda: c.resident("map") >= 0.95, WAIT_S)
    r1 = c.resident("map")
    note = "%s -> %s of the mapping in memory" % (pct(r0), pct(r1))
    if r1 < 0.9:
        raise Fail("the file was not read back in: " + note)
    return note


def test_migrate():
    nodes = numa_nodes()
    if len(nodes) < 2:
        raise Skip("only one NUMA node with memory (boot with VM_NUMA=2)")
    cg = make_cgroup("damos-migrate")
    c = Child(cg)
    lo = c.anon("buf", 8 * MIB)
    c.call("touch", "buf")
    pages = 8 * MIB // PAGE
    at = numa_maps_nodes(c.pid, lo)
    src = max(at, key=at.get)
    dst = [n for n in nodes if n != src][0]
    notes = []
    for action, to in (("migrate_cold", dst), ("migrate_hot", src)):
        before = numa_maps_nodes(c.pid, lo)
        K.setup("paddr", paddr_regions(c, "buf"),
                [{"action": action, "nid": to}])
        K.on()
        wait_for(lambda: numa_maps_nodes(c.pid, lo).get(to, 0) >=
                 0.95 * pages, WAIT_S)
        after = numa_maps_nodes(c.pid, lo)
        st = K.stats()
        K.off()
        note = "%s to node %d: %s -> %s" % (action, to, before, after)
        notes.append(note)
        if after.get(to, 0) < 0.9 * pages:
            raise Fail("the pages did not move: " + note)
        # Pages already on the node stay where they are.
        moved = (pages - before.get(to, 0)) * PAGE
        if st["sz_applied"] < 0.9 * moved:
            raise Fail("sz_applied %d for %d bytes moved: %s" % (
                st["sz_applied"], moved, note))
    return "; ".join(notes)


def test_migrate_vaddr():
    nodes = numa_nodes()
    if len(nodes) < 2:
        raise Skip("only one NUMA node with memory (boot with VM_NUMA=2)")
    c = Child()
    size = 4 * MIB
    pages = size // PAGE
    # Different flags keep the two mappings apart in numa_maps.
    lo = {n: c.anon(n, size, advice)
          for n, advice in (("hot", "nohugepage"), ("idle", "none"))}
    for n in lo:
        c.call("touch", n)
    at = numa_maps_nodes(c.pid, lo["hot"])
    dst = [n for n in nodes if n != max(at, key=at.get)][0]
    c.call("hot", "hot")

    def on_dst(name, addr):
        return numa_maps_nodes(c.pid, addr).get(dst, 0)

    idle0 = on_dst("idle", lo["idle"])
    target = [{"pid": c.pid,
               "regions": sorted([c.region("hot"), c.region("idle")])}]
    hot_only = {"action": "migrate_hot", "nid": dst, "nr": (1, UINT_MAX)}
    K.setup("fvaddr", target, [hot_only], sample_us=5000, aggr_us=100000)
    K.on()
    wait_for(lambda: on_dst("hot", lo["hot"]) >= 0.95 * pages, WAIT_S)
    K.off()
    hot1, idle1 = on_dst("hot", lo["hot"]), on_dst("idle", lo["idle"])
    note = "to node %d: hot %d/%d, idle %d -> %d of %d pages" % (
        dst, hot1, pages, idle0, idle1, pages)
    if hot1 < 0.9 * pages or idle1 - idle0 > 0.1 * pages:
        raise Fail(note)
    # The same on "vaddr", over the whole process: the hot buffer goes
    # back where it was.
    src = [n for n in nodes if n != dst][0]
    K.setup("vaddr", [{"pid": c.pid}], [dict(hot_only, nid=src)],
            sample_us=5000, aggr_us=100000)
    K.on()
    wait_for(lambda: numa_maps_nodes(c.pid, lo["hot"]).get(src, 0) >=
             0.9 * pages, WAIT_S)
    K.off()
    back = numa_maps_nodes(c.pid, lo["hot"]).get(src, 0)
    note += "; vaddr, back to node %d: %d/%d" % (src, back, pages)
    if back < 0.9 * pages:
        raise Fail(note)
    # A hot file mapping, under a filter that allows anonymous memory.
    d = scratch_dir()
    flo = c.file("file", d + "/damos-vaddr-migrate.dat", size)
    c.call("read", "file")
    file0 = on_dst("file", flo)
    c.call("hot", "file")
    anon_only = dict(hot_only, filters=[
        {"type": "anon", "matching": True, "allow": True,
         "dir": "ops_filters"}])
    K.setup("fvaddr", [{"pid": c.pid, "regions": [c.region("file")]}],
            [anon_only], sample_us=5000, aggr_us=100000)
    K.on()
    wait_for(lambda: K.stats()["nr_tried"] >= 20, WAIT_S)
    st = K.stats()
    file1 = on_dst("file", flo)
    note += "; file under an anon allow filter: %d -> %d pages, %d tried" % (
        file0, file1, st["nr_tried"])
    if st["nr_tried"] < 20 or file1 - file0 > 0.1 * pages or \
            st["sz_applied"]:
        raise Fail(note)
    # Without the filter, the same scheme moves it.
    K.set_scheme(0, hot_only)
    K.cmd("commit")
    wait_for(lambda: on_dst("file", flo) >= 0.9 * pages, WAIT_S)
    file2 = on_dst("file", flo)
    note += "; without the filter: %d pages" % file2
    if file2 < 0.9 * pages:
        raise Fail(note)
    return note


def test_migrate_dests():
    nodes = numa_nodes()
    if len(nodes) < 2 or 0 not in nodes or 1 not in nodes:
        raise Skip("needs NUMA nodes 0 and 1 with memory (VM_NUMA=2)")
    c = Child()
    size = 16 * MIB
    lo = c.anon("buf", size, "bind0")
    c.call("touch", "buf")
    pages = size // PAGE
    before = numa_maps_nodes(c.pid, lo)
    scheme = {"action": "migrate_cold", "dests": [(1, 3), (0, 1)]}
    K.setup("paddr", paddr_regions(c, "buf"), [scheme])
    if not os.path.isdir(K.scheme_dir(0) + "/dests"):
        raise Skip("no dests/ (before 6.17)")
    K.on()
    wait_for(lambda: numa_maps_nodes(c.pid, lo).get(1, 0) >= 0.72 * pages,
             WAIT_S)
    # Moved folios are keyed by their place in the mapping: they stay.
    wait_for(lambda: False, 1)
    applied = K.stats()["sz_applied"]
    wait_for(lambda: False, 2)
    again = K.stats()["sz_applied"] - applied
    after = numa_maps_nodes(c.pid, lo)
    share = after.get(1, 0) / pages
    note = "%s -> %s: %.0f%% on node 1, %d KiB moved in 2 s after" % (
        before, after, share * 100, again >> 10)
    if abs(share - 0.75) > 0.1 or abs(after.get(0, 0) / pages - 0.25) > 0.1:
        raise Fail(note)
    if again > size // 20:
        raise Fail("migrations went on (ping-pong): " + note)
    return note


def test_stat_working_set():
    size, hot_lo, hot_hi = 16 * MIB, 4 * MIB, 8 * MIB
    c = Child()
    lo = c.anon("buf", size)
    c.call("touch", "buf")
    c.call("hot", "buf", hot_lo, hot_hi)
    K.setup("fvaddr", [{"pid": c.pid, "regions": [(lo, lo + size)]}],
            [{"action": "stat"}], sample_us=5000, aggr_us=100000)
    K.on()
    wait_for(lambda: False, 2.0, 0.5)
    estimates = []
    for _ in range(5):
        _, regions = K.tried_regions()
        estimates.append(sum(e - s for s, e, nr, _ in regions if nr > 0))
    est = statistics.median(estimates)
    truth = hot_hi - hot_lo
    note = "estimates %s KiB, truth %d KiB" % (
        "/".join(str(e >> 10) for e in estimates), truth >> 10)
    if abs(est - truth) > truth * 0.1:
        raise Fail("the working set estimate is off by more than 10%: " +
                   note)
    return note


def main():
    require_damos()
    ops = avail_operations()
    t = Tap()
    lru = LruTest()
    tests = [
        ("vaddr", "pageout (vaddr) of an idle buffer", test_pageout_vaddr),
        ("vaddr", "pageout (vaddr) counts what it paged out",
         test_pageout_vaddr_stats),
        ("paddr", "pageout (paddr) of a file's page cache",
         test_pageout_paddr),
        ("vaddr", "hugepage (fvaddr)", test_hugepage),
        ("vaddr", "nohugepage (fvaddr)", test_nohugepage),
        ("paddr", "lru_prio (paddr)", lru.prio),
        ("paddr", "lru_deprio (paddr)", lru.deprio),
        ("vaddr", "cold (fvaddr)", lru.cold),
        ("vaddr", "willneed (fvaddr)", test_willneed),
        ("paddr", "migrate_cold and migrate_hot (paddr)", test_migrate),
        ("vaddr", "migrate_hot (fvaddr) of a hot buffer, with filters",
         test_migrate_vaddr),
        ("paddr", "migrate_cold to two weighted destinations (paddr)",
         test_migrate_dests),
        ("vaddr", "stat: working set size from tried regions",
         test_stat_working_set),
    ]
    for need, name, fn in tests:
        if need not in ops:
            t.skip(name, "no %s operations set" % need)
            continue
        # The three LRU steps share one workload.
        t.run(name, fn, keep=fn in (lru.prio, lru.deprio))
    t.finish()


if __name__ == "__main__":
    main()
