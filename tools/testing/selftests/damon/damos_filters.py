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

Filters that allow (6.14 on) and the later ops-layer types, in the same
way:

  allow        an anon filter that allows pages out the anonymous memory and
               leaves the page cache (an allow filter last rejects what no
               filter matched)
  hugepage_size  allowing 2 MiB folios pages out a THP-backed buffer and
               leaves one of small pages; rejecting them, the other way
  unmapped     of two cached files, allowing unmapped page cache drops the
               one no longer mapped; rejecting it, the mapped one goes
  active       of two buffers moved to the active and the inactive LRU
               lists (by lru_prio and lru_deprio schemes), rejecting active
               folios pages out the inactive buffer only
  sz_filter_passed  a "stat" scheme allowing anonymous memory, over a
               workload of 6 MiB anonymous memory and 2 MiB page cache,
               passes 75% (+-10%) of the bytes an allow-all filter passes,
               in the stats and in the tried regions
  directories  of an anon filter in ops_filters/ and its opposite in
               filters/, the first decides: allowing in ops_filters/
               pages the buffer out, rejecting there keeps it

and the core filters are judged by the tried regions of "stat" schemes
(fvaddr) and the stats:

  addr     matching=N keeps the tried regions inside the range, matching=Y
           outside it; an allow filter of matching=Y, inside it
  target   with two targets, matching=Y on one leaves the other's bytes,
           matching=N on it leaves its own; nothing left out is counted as
           tried

The young filter watches accessed bits: under TCG it needs the TLB churn of
the test guest (see harness/guest-churn.sh).
"""

import os

from damos_helpers import (KDAMONDS, KPF_ACTIVE, KPF_LRU, MIB, Child, Fail,
                           Kdamond, Skip, Tap, make_cgroup, page_flags,
                           phys_runs, require_damos, scratch_dir, smaps_sum,
                           wait_for, write)

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
    cases = [(False, False), (True, False)]
    if has_new_filters():
        cases.append((True, True))
    for matching, allow in cases:
        stat_on(c, [{"type": "addr", "matching": matching, "allow": allow,
                     "addr": (flo, fhi)}])
        total, regions = K.tried_regions()
        K.off()
        inside = sum(max(0, min(e, fhi) - max(s, flo))
                     for s, e, _, _ in regions)
        want = 10 * MIB if matching and not allow else 6 * MIB
        notes.append("%s%s: %d KiB tried, %d KiB in the range" % (
            "Y" if matching else "N", " allow" if allow else "",
            total >> 10, inside >> 10))
        if total != want or inside != (0 if total == 10 * MIB else want):
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


# ---- allow filters and the later types ---------------------------------------

_HAS_NEW = []


def has_new_filters():
    """Whether filters have "allow" and schemes "ops_filters" (6.15 on)."""
    if not _HAS_NEW:
        write(KDAMONDS + "/nr_kdamonds", 1)
        try:
            write(K.ctx[:K.ctx.rindex("/")] + "/nr_contexts", 1)
            write(K.ctx + "/schemes/nr_schemes", 1)
            d = K.scheme_dir(0)
            write(d + "/filters/nr_filters", 1)
            _HAS_NEW.append(os.path.exists(d + "/filters/0/allow") and
                            os.path.isdir(d + "/ops_filters"))
        finally:
            write(KDAMONDS + "/nr_kdamonds", 0)
    return _HAS_NEW[0]


def need_new_filters():
    if not has_new_filters():
        raise Skip("no allow filters (before 6.15)")


def test_allow_anon():
    need_new_filters()
    d = scratch_dir()
    c = Child()
    c.anon("anon", 4 * MIB)
    c.call("touch", "anon")
    c.file("file", d + "/damos-allow.dat", 4 * MIB)
    c.call("read", "file")
    K.setup("paddr", regions_of((c, "anon"), (c, "file")),
            [pageout([{"type": "anon", "matching": True, "allow": True}])])
    K.on()
    gone(c, "anon")
    note = "allow anon: anon %s, file %s in memory" % (res(c, "anon"),
                                                       res(c, "file"))
    if c.resident("anon") > 0.25 or c.resident("file") < 0.9:
        raise Fail(note)
    return note


def test_hugepage_size():
    need_new_filters()
    c = Child()
    c.anon("thp", 8 * MIB, "hugepage")
    c.call("touch", "thp")
    c.anon("small", 4 * MIB, "nohugepage")
    c.call("touch", "small")
    huge = smaps_sum(c.pid, *c.region("thp"), "AnonHugePages")
    if huge < 4 * MIB:
        raise Skip("only %d KiB of the buffer got huge pages" % (huge >> 10))
    two_mib = [{"type": "hugepage_size", "matching": True,
                "sz": (2 * MIB, 2 * MIB), "dir": "ops_filters"}]
    K.setup("paddr", regions_of((c, "thp"), (c, "small")),
            [pageout([dict(two_mib[0], allow=True)])])
    K.on()
    wait_for(lambda: c.resident("thp") <= 1 - huge / (8 * MIB) + 0.1,
             WAIT_S)
    note = "%d KiB huge; allow 2M: thp %s, small %s in memory" % (
        huge >> 10, res(c, "thp"), res(c, "small"))
    if c.resident("thp") > 1 - huge / (8 * MIB) + 0.1 or \
            c.resident("small") < 0.9:
        raise Fail(note)
    K.set_scheme(0, pageout([dict(two_mib[0], allow=False)]))
    K.cmd("commit")
    gone(c, "small")
    note += "; reject 2M: small %s" % res(c, "small")
    if c.resident("small") > 0.25:
        raise Fail(note)
    return note


def test_unmapped():
    need_new_filters()
    d = scratch_dir()
    c = Child()
    for name in ("mapped", "unmapped"):
        c.file(name, "%s/damos-%s.dat" % (d, name), 4 * MIB)
        c.call("read", name)
    regions = regions_of((c, "mapped"), (c, "unmapped"))
    c.call("unmap", "unmapped")
    unmapped = [{"type": "unmapped", "matching": True, "dir": "ops_filters"}]
    K.setup("paddr", regions, [pageout([dict(unmapped[0], allow=True)])])
    K.on()
    wait_for(lambda: c.cached("unmapped") <= 0.1, WAIT_S)
    note = "allow unmapped: unmapped %.0f%%, mapped %.0f%% cached" % (
        c.cached("unmapped") * 100, c.cached("mapped") * 100)
    if c.cached("unmapped") > 0.25 or c.cached("mapped") < 0.9:
        raise Fail(note)
    K.set_scheme(0, pageout([dict(unmapped[0], allow=False)]))
    K.cmd("commit")
    wait_for(lambda: c.cached("mapped") <= 0.1, WAIT_S)
    note += "; reject unmapped: mapped %.0f%%" % (c.cached("mapped") * 100)
    if c.cached("mapped") > 0.25:
        raise Fail(note)
    return note


def lru_share(c, name, bit):
    flags = [f for f in page_flags(c.phys(name)) if f is not None]
    lru = [f for f in flags if f >> KPF_LRU & 1]
    return sum(f >> bit & 1 for f in lru) / max(1, len(lru))


def run_until_tried(times):
    once = wait_for(lambda: K.stats()["sz_tried"], WAIT_S)
    wait_for(lambda: K.stats()["sz_tried"] >= times * once, WAIT_S)


def test_active():
    need_new_filters()
    c = Child()
    for name in ("hot", "cold"):
        c.anon(name, 4 * MIB, "nohugepage")
        c.call("touch", name)
    for name, action in (("hot", "lru_prio"), ("cold", "lru_deprio")):
        K.setup("paddr", regions_of((c, name)), [{"action": action}])
        K.on()
        run_until_tried(3)
        K.off()
    note = "active: hot %.0f%%, cold %.0f%%" % (
        lru_share(c, "hot", KPF_ACTIVE) * 100,
        lru_share(c, "cold", KPF_ACTIVE) * 100)
    if lru_share(c, "hot", KPF_ACTIVE) < 0.9 or \
            lru_share(c, "cold", KPF_ACTIVE) > 0.1:
        raise Fail("lru_prio/lru_deprio did not sort the buffers: " + note)
    K.setup("paddr", regions_of((c, "hot"), (c, "cold")),
            [pageout([{"type": "active", "matching": True,
                       "dir": "ops_filters"}])])
    K.on()
    gone(c, "cold")
    note += "; reject active: hot %s, cold %s in memory" % (
        res(c, "hot"), res(c, "cold"))
    if c.resident("cold") > 0.25 or c.resident("hot") < 0.9:
        raise Fail(note)
    return note


def test_sz_filter_passed():
    need_new_filters()
    d = scratch_dir()
    c = Child()
    c.anon("anon", 6 * MIB, "nohugepage")
    c.call("touch", "anon")
    c.file("file", d + "/damos-passed.dat", 2 * MIB)
    c.call("read", "file")
    anon = {"action": "stat", "filters": [
        {"type": "anon", "matching": True, "allow": True}]}
    every = {"action": "stat", "filters": [
        {"type": "hugepage_size", "matching": True, "allow": True,
         "sz": (0, 1 << 62), "dir": "ops_filters"}]}
    K.setup("paddr", regions_of((c, "anon"), (c, "file")), [anon, every])
    K.on()
    run_until_tried(2)
    st = [K.stats(i) for i in (0, 1)]
    _, regions = K.tried_regions(0, passed=True)
    _, all_regions = K.tried_regions(1, passed=True, fresh=False)
    per_region = sum(r[4] for r in regions) / max(
        1, sum(r[4] for r in all_regions))
    # Both schemes try the same regions, but not always as many times.
    overall = (st[0]["sz_ops_filter_passed"] / max(1, st[0]["sz_tried"])) / \
        max(1e-9, st[1]["sz_ops_filter_passed"] / max(1, st[1]["sz_tried"]))
    note = ("anon share: %.1f%% in the stats, %.1f%% in the tried regions "
            "(%d KiB passed of %d KiB tried)" % (
                overall * 100, per_region * 100,
                st[0]["sz_ops_filter_passed"] >> 10, st[0]["sz_tried"] >> 10))
    if abs(overall - 0.75) > 0.1 or abs(per_region - 0.75) > 0.1:
        raise Fail(note)
    return note


def test_filter_dirs():
    """The filters of ops_filters/ come before those of filters/: of two
    anon filters, one in each, the one in ops_filters/ decides."""
    need_new_filters()
    notes = []
    for first_allows in (True, False):
        c = Child()
        c.anon("anon", 4 * MIB, "nohugepage")
        c.call("touch", "anon")
        K.setup("paddr", regions_of((c, "anon")), [pageout([
            {"type": "anon", "matching": True, "allow": not first_allows},
            {"type": "anon", "matching": True, "allow": first_allows,
             "dir": "ops_filters"}])])
        K.on()
        if first_allows:
            gone(c, "anon")
        else:
            run_until_tried(3)
        left = c.resident("anon")
        K.off()
        notes.append("%s in ops_filters/, %s in filters/: %.0f%% left" % (
            "allow" if first_allows else "reject",
            "reject" if first_allows else "allow", left * 100))
        if left > 0.25 if first_allows else left < 0.9:
            raise Fail("; ".join(notes))
        c.kill()
    return "; ".join(notes)


def main():
    require_damos()
    t = Tap()
    t.run("anon filter (paddr pageout)", test_anon)
    t.run("memcg filter with two cgroups (paddr pageout)", test_memcg)
    t.run("young filter (paddr pageout)", test_young)
    t.run("addr filter (fvaddr stat)", test_addr)
    t.run("target filter with two targets (fvaddr stat)", test_target)
    t.run("allow filter for anon (paddr pageout)", test_allow_anon)
    t.run("hugepage_size filter (paddr pageout)", test_hugepage_size)
    t.run("unmapped filter (paddr pageout)", test_unmapped)
    t.run("active filter (paddr pageout)", test_active)
    t.run("sz_filter_passed of a stat scheme (paddr)", test_sz_filter_passed)
    t.run("ops_filters/ before filters/ (paddr pageout)", test_filter_dirs)
    t.finish()


if __name__ == "__main__":
    main()
