#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS filters: each type leaves out what it should, and only that.

"paddr" pageout schemes work on exactly the physical pages of forked
workloads (read from /proc/PID/pagemap), and each filter type is judged by
which of the workloads' pages leave memory (mincore):

  anon     matching=Y pages out a file's page cache and leaves anonymous
           memory; switched online to matching=N, the anonymous memory goes
  memcg    of two cgroups' buffers, matching=Y on one pages out the other,
           then matching=N on it pages it out too
  young    matching=Y leaves the buffer's hot part in memory and pages out
           the idle part; matching=N (in a second workload) leaves the
           idle part alone and pages out the hot part

and the core filters are judged by the tried regions of "stat" schemes
(fvaddr) and the stats:

  addr     matching=N keeps the tried regions inside the range, matching=Y
           outside it
  target   with two targets, matching=Y on one leaves the other's bytes,
           matching=N on it leaves its own; nothing left out is counted as
           tried

The young filter watches accessed bits: under TCG it needs the TLB churn of
the test guest (see harness/guest-churn.sh).
"""

from damos_helpers import (MIB, Child, Fail, Kdamond, Tap, make_cgroup,
                           phys_runs, require_damos, scratch_dir, wait_for)

K = Kdamond()
WAIT_S = 30
MAX_RUNS = 800


def regions_of(*bufs):
    """One paddr target covering exactly the pages of (child, name)s."""
    pages = []
    for c, name in bufs:
        pages += c.phys(name)
    if not any(pages):
        raise Fail("the workloads have no pages in memory")
    return [{"regions": phys_runs(pages, MAX_RUNS)}]


def pageout(filters):
    return {"action": "pageout", "filters": filters}


def res(c, name, *rng):
    return "%.0f%%" % (c.resident(name, *rng) * 100)


def gone(c, name, *rng):
    return wait_for(lambda: c.resident(name, *rng) <= 0.1, WAIT_S)


def test_anon():
    d = scratch_dir()
    cg = make_cgroup("damos-anon")
    c = Child(cg)
    c.anon("anon", 4 * MIB)
    c.call("touch", "anon")
    c.file("file", d + "/damos-anon.dat", 4 * MIB)
    c.call("read", "file")
    K.setup("paddr", regions_of((c, "anon"), (c, "file")),
            [pageout([{"type": "anon", "matching": True}])])
    K.on()
    gone(c, "file")
    note = "anon Y: file %s, anon %s in memory" % (res(c, "file"),
                                                   res(c, "anon"))
    if c.resident("file") > 0.25 or c.resident("anon") < 0.9:
        raise Fail(note)
    K.set_scheme(0, pageout([{"type": "anon", "matching": False}]))
    K.cmd("commit")
    gone(c, "anon")
    note += "; anon N: anon %s" % res(c, "anon")
    if c.resident("anon") > 0.25:
        raise Fail(note)
    return note


def test_memcg():
    a, b = make_cgroup("damos-memcg-a"), make_cgroup("damos-memcg-b")
    ca, cb = Child(a), Child(b)
    for c in (ca, cb):
        c.anon("buf", 4 * MIB)
        c.call("touch", "buf")
    K.setup("paddr", regions_of((ca, "buf"), (cb, "buf")),
            [pageout([{"type": "memcg", "matching": True,
                       "memcg": "/damos-memcg-a"}])])
    K.on()
    gone(cb, "buf")
    note = "a Y: a %s, b %s in memory" % (res(ca, "buf"), res(cb, "buf"))
    if cb.resident("buf") > 0.25 or ca.resident("buf") < 0.9:
        raise Fail(note)
    K.set_scheme(0, pageout([{"type": "memcg", "matching": False,
                              "memcg": "/damos-memcg-a"}]))
    K.cmd("commit")
    gone(ca, "buf")
    note += "; a N: a %s" % res(ca, "buf")
    if ca.resident("buf") > 0.25:
        raise Fail(note)
    return note


def test_young():
    size, hot = 8 * MIB, 2 * MIB
    c = Child()
    c.anon("buf", size)
    c.call("touch", "buf")
    c.call("hot", "buf", 0, hot)
    K.setup("paddr", regions_of((c, "buf")),
            [pageout([{"type": "young", "matching": True}])])
    K.on()
    gone(c, "buf", hot, size)
    note = "young Y: hot %s, idle %s in memory" % (
        res(c, "buf", 0, hot), res(c, "buf", hot, size))
    if c.resident("buf", hot, size) > 0.25 or c.resident("buf", 0, hot) < 0.75:
        raise Fail(note)
    K.off()
    c.kill()
    # matching=N: the idle part stays, the hot part is paged out (and
    # faults back in).  A page never checked counts as young (its first
    # touch is an access since the last check), so harmless actions with a
    # young filter check every page first: lru_prio checks the inactive
    # folios and lru_deprio the active ones (a folio already on the list an
    # action moves to is left alone unchecked).  Three applications each.
    c2 = Child()
    c2.anon("buf", size)
    c2.call("touch", "buf")
    c2.call("hot", "buf", 0, hot)
    K.setup("paddr", regions_of((c2, "buf")),
            [{"action": a, "filters": [{"type": "young", "matching": True}]}
             for a in ("lru_prio", "lru_deprio")])
    K.on()
    once = wait_for(lambda: K.stats(1)["sz_tried"], WAIT_S)
    wait_for(lambda: K.stats(1)["sz_tried"] >= 3 * once, WAIT_S)
    K.set_scheme(1, {"action": "stat"})
    K.set_scheme(0, pageout([{"type": "young", "matching": False}]))
    K.cmd("commit")
    base = K.stats()["sz_applied"]
    # The hot part faults back in elsewhere, out of the range: each of its
    # pages can go once, but for one that sits off the LRU lists meanwhile.
    wait_for(lambda: K.stats()["sz_applied"] - base >= 0.9 * hot, WAIT_S)
    applied = K.stats()["sz_applied"] - base
    note += "; young N: idle %s in memory, %d KiB paged out" % (
        res(c2, "buf", hot, size), applied >> 10)
    if c2.resident("buf", hot, size) < 0.95 or applied < 0.9 * hot:
        raise Fail(note)
    return note


def stat_on(c, filters, targets=None):
    if targets is None:
        targets = [{"pid": c.pid, "regions": [c.region("buf")]}]
    K.setup("fvaddr", targets, [{"action": "stat", "filters": filters}],
            sample_us=2000, aggr_us=20000)
    K.on()


def test_addr():
    c = Child()
    lo = c.anon("buf", 16 * MIB)
    c.call("touch", "buf")
    flo, fhi = lo + 4 * MIB, lo + 10 * MIB
    notes = []
    for matching in (False, True):
        stat_on(c, [{"type": "addr", "matching": matching,
                     "addr": (flo, fhi)}])
        total, regions = K.tried_regions()
        K.off()
        inside = sum(max(0, min(e, fhi) - max(s, flo))
                     for s, e, _, _ in regions)
        want = 10 * MIB if matching else 6 * MIB
        notes.append("%s: %d KiB tried, %d KiB in the range" % (
            "Y" if matching else "N", total >> 10, inside >> 10))
        if total != want or inside != (0 if matching else want):
            raise Fail("; ".join(notes))
    return "; ".join(notes)


def test_target():
    c0, c1 = Child(), Child()
    targets = []
    for c, size in ((c0, 4 * MIB), (c1, 12 * MIB)):
        lo = c.anon("buf", size)
        c.call("touch", "buf")
        targets.append({"pid": c.pid, "regions": [(lo, lo + size)]})
    notes = []
    for matching, want in ((True, 12 * MIB), (False, 4 * MIB)):
        stat_on(c0, [{"type": "target", "matching": matching, "idx": 0}],
                targets)
        st0 = K.stats()
        total = K.tried_bytes()
        st1 = K.stats()
        K.off()
        per_try = (st1["sz_tried"] - st0["sz_tried"]) / max(
            1, st1["nr_tried"] - st0["nr_tried"])
        notes.append("%s: %d KiB tried per application" % (
            "Y" if matching else "N", total >> 10))
        if total != want:
            raise Fail("; ".join(notes))
        # Regions are never bigger than the target left in.
        if per_try > want:
            raise Fail("stats count left-out regions: %d bytes per try; %s"
                       % (per_try, "; ".join(notes)))
    return "; ".join(notes)


def main():
    require_damos()
    t = Tap()
    t.run("anon filter (paddr pageout)", test_anon)
    t.run("memcg filter with two cgroups (paddr pageout)", test_memcg)
    t.run("young filter (paddr pageout)", test_young)
    t.run("addr filter (fvaddr stat)", test_addr)
    t.run("target filter with two targets (fvaddr stat)", test_target)
    t.finish()


if __name__ == "__main__":
    main()
