#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMON_TIER, on a guest with a fast node 0 (the CPUs) and a slow,
memory-only node 1 (the test guest's VM_TIERS=1 layout).

The interface:

  parameters    every parameter with its mode and (unless the kernel
                command line set some) its default
  node_pairs    reads 0:1 on the tiered guest, found from the kernel's
                memory tiers (node 1 in a lower tier than node 0)
  cycles        20 times enabled and disabled: kdamond_pid follows, and a
                disable returns within 3 s
  bad writes    malformed numbers and booleans fail (EINVAL, ERANGE when
                too big) and change nothing; promote_target_used_bp and
                demote_target_free_bp also refuse 0 and more than 10000;
                kdamond_pid, node_pairs and the statistics are read-only
  bad enable    min_nr_regions above max_nr_regions or aggr_interval
                below sample_interval: enabling fails with EINVAL and the
                module stays off; committed while it runs, EINVAL and the
                kdamond stays
  exclusive     DAMON_TIER, DAMON_RECLAIM and a sysfs kdamond refuse to
                start (EBUSY) beside each other

What it does:

  promote       16 MiB kept hot and 48 MiB touched once, both allocated on
                node 1, the cold part then made old (a sweep of a paddr
                stat scheme with a young filter, as if it had been idle
                for long): within 90 s at least 90% of the hot memory is on
                node 0, at most a quarter of the cold memory moved with
                it, and bytes_promoted counts what moved
  demote        node 0 filled with memory touched once until 10% of it is
                free, and 32 MiB kept hot there; with demote_target_free_bp
                3000 (30%) and min_age_ms 1000, within 90 s node 0's free
                memory comes within 5 points of the target; within a
                minute more, migration falls under 1 MiB/s over 10 s
                (nothing goes back and forth) with node 0's free memory
                within 5% of the target (28.5% to 31.5%) all along; the hot
                memory stays on node 0 and bytes_demoted counts what moved

The tests watch accessed bits: under TCG they need the TLB churn of the
test guest (see harness/guest-churn.sh).
"""

import os
import time

from damos_helpers import (MIB, PAGE, Child, Fail, Kdamond, Skip, Tap,
                           check_bad_writes, check_exclusive,
                           check_parameters, check_read_only, is_kdamond,
                           node_meminfo, numa_maps_nodes, phys_runs, read,
                           require_module, thread_gone, try_write, wait_for)

M = None
# Long enough for a slow debug guest; a passing run takes a fraction.
WAIT_S = 90
STATS = ("nr_promote_tried_regions", "bytes_promote_tried_regions",
         "nr_promoted_regions", "bytes_promoted",
         "nr_promote_quota_exceeds",
         "nr_demote_tried_regions", "bytes_demote_tried_regions",
         "nr_demoted_regions", "bytes_demoted", "nr_demote_quota_exceeds")
DEFAULTS = {
    "enabled": "N", "commit_inputs": "N", "kdamond_pid": "-1",
    "node_pairs": None,
    "promote_target_used_bp": "9970", "demote_target_free_bp": "50",
    "quota_mb_per_s": "256", "min_age_ms": "5000",
    "sample_interval": "5000", "aggr_interval": "100000",
    "min_nr_regions": "10", "max_nr_regions": "1000",
    "autotune_monitoring_intervals": "N",
}
DEFAULTS.update({s: None for s in STATS})
READ_ONLY = ("kdamond_pid", "node_pairs") + STATS
NUMBERS = ("quota_mb_per_s", "min_age_ms", "sample_interval",
           "aggr_interval", "min_nr_regions", "max_nr_regions")
BPS = ("promote_target_used_bp", "demote_target_free_bp")
STOP_LIMIT_S = 3


def pct(x):
    return "%.0f%%" % (x * 100)


def pairs():
    return M.get("node_pairs")


def require_tiers():
    if pairs() != "0:1":
        raise Skip("node_pairs reads %r: boot the tiered guest "
                   "(VM_TIERS=1)" % pairs())


def free_bp(nid):
    mi = node_meminfo(nid)
    return mi["MemFree"] * 10000 // mi["MemTotal"]


def on_node(c, name, nid):
    """Share of buffer name's pages that lie on node nid."""
    nodes = numa_maps_nodes(c.pid, c.addrs[name])
    return nodes.get(nid, 0) * PAGE / c.sizes[name]


def test_node_pairs():
    tiers = "/sys/devices/virtual/memory_tiering"
    lists = []
    if os.path.isdir(tiers):
        for t in sorted(os.listdir(tiers)):
            if t.startswith("memory_tier"):
                lists.append(read("%s/%s/nodelist" % (tiers, t)))
    note = "node_pairs %r, memory tiers %s" % (pairs(), lists or "none")
    if len(lists) < 2:
        raise Skip("one memory tier (%s): boot the tiered guest "
                   "(VM_TIERS=1)" % note)
    if pairs() != "0:1":
        raise Fail(note)
    return note


def test_cycles():
    require_tiers()
    pids = set()
    slowest = 0
    for i in range(20):
        if M.enabled() or M.pid() != -1:
            raise Fail("cycle %d: off, but enabled %s, kdamond_pid %d" %
                       (i, M.get("enabled"), M.pid()))
        pid = M.enable()
        pids.add(pid)
        t0 = time.monotonic()
        err = M.turn(False)
        took = time.monotonic() - t0
        slowest = max(slowest, took)
        if err or M.enabled() or M.pid() != -1:
            raise Fail("cycle %d: disable %s, enabled %s, kdamond_pid %d" %
                       (i, err or "ok", M.get("enabled"), M.pid()))
        if not wait_for(lambda: thread_gone(pid), 5):
            raise Fail("cycle %d: kdamond %d still there" % (i, pid))
        if took > STOP_LIMIT_S:
            raise Fail("cycle %d: disabling took %.1f s" % (i, took))
    return "20 cycles, %d distinct kdamond pids, slowest stop %.2f s" % (
        len(pids), slowest)


def test_bad_bps():
    bad = []
    for name in BPS:
        for value in ("0", "10001", "-1", "x", "\n", "1.5"):
            before = M.get(name)
            err = M.try_set(name, value)
            if err != "EINVAL" or M.get(name) != before:
                bad.append("%s <- %r: %s, %s -> %s" % (
                    name, value, err or "ok", before, M.get(name)))
        for value in ("1", "10000", "0x10\n"):
            err = M.try_set(name, value)
            want = str(int(value.strip(), 0))
            if err or M.get(name) != want:
                bad.append("%s <- %r: %s, reads %s" % (
                    name, value, err or "ok", M.get(name)))
        M._restore()
    if bad:
        raise Fail("; ".join(bad[:6]))
    return "%d parameters" % len(BPS)


BAD = [("min_nr_regions > max_nr_regions",
        {"min_nr_regions": 50, "max_nr_regions": 20}),
       ("aggr_interval < sample_interval",
        {"sample_interval": 200000, "aggr_interval": 100000}),
       ("min_nr_regions < 3", {"min_nr_regions": 2})]


def test_bad_enable_commit():
    require_tiers()
    bad = []
    for what, values in BAD:
        M.configure(**values)
        err = M.turn(True)
        if err != "EINVAL" or M.enabled() or M.pid() != -1:
            bad.append("enable with %s: %s, enabled %s" % (
                what, err or "ok", M.get("enabled")))
            M.disable()
        M._restore()
    pid = M.enable()
    for what, values in BAD:
        M.configure(**values)
        err = M.commit()
        if err != "EINVAL" or M.pid() != pid:
            bad.append("commit of %s: %s, kdamond_pid %d -> %d" % (
                what, err or "ok", pid, M.pid()))
        M._restore()
    # A good commit keeps the kdamond.
    M.set("min_age_ms", 2000)
    err = M.commit()
    if err or M.pid() != pid or not is_kdamond(pid):
        bad.append("a good commit: %s, kdamond_pid %d -> %d" % (
            err or "ok", pid, M.pid()))
    if bad:
        raise Fail("; ".join(bad))
    return "%d bad values refused at enable and at commit" % len(BAD)


def age(c, name, size):
    """Make the pages of c's mapping name old in DAMON's eyes, as pages
    untouched for long are: written just now, they have their accessed
    bits set and their idle flags clear, so the first check of
    DAMON_TIER's young filter would count them accessed.  One sweep of a
    paddr stat scheme with a young filter checks every folio of the
    mapping and makes the accessed ones old."""
    k = Kdamond()
    k.setup("paddr", [{"regions": phys_runs(c.phys(name), 800)}],
            [{"action": "stat",
              "filters": [{"type": "young", "matching": True,
                           "dir": "ops_filters"}]}])
    k.on()
    try:
        if not wait_for(lambda: k.stats()["sz_tried"] >= size, 30, 0.1):
            raise Fail("the sweep of %s did not finish" % name)
    finally:
        k.teardown()


def test_promote():
    require_tiers()
    # The hot part small enough for the workload's loop to come back to
    # each of its pages within a few samples: DAMON sees an access when
    # the sampled page is touched between two samples.
    hot_size, cold_size = 16 * MIB, 48 * MIB
    c = Child()
    # Different flags keep the two mappings apart in numa_maps.
    c.anon("hot", hot_size, "bind1")
    c.anon("cold", cold_size, "bind1,nohugepage")
    c.call("touch", "hot")
    c.call("touch", "cold")
    c.call("hot", "hot")
    if on_node(c, "hot", 1) < 0.95 or on_node(c, "cold", 1) < 0.95:
        raise Fail("the workload is not on node 1 at the start")
    # Cold as if untouched for long: else its first check finds the
    # accesses of its allocation, and it moves once with the hot memory.
    age(c, "cold", cold_size)
    M.configure(min_age_ms=600000)
    M.enable()
    t0 = time.monotonic()
    wait_for(lambda: on_node(c, "hot", 0) >= 0.9, WAIT_S, 0.5)
    took = time.monotonic() - t0
    hot, cold = on_node(c, "hot", 0), on_node(c, "cold", 0)
    moved = M.get_int("bytes_promoted")
    note = ("in %.1f s: %s of the hot memory and %s of the cold on node 0,"
            " %d MiB promoted, %d MiB demoted" % (
                took, pct(hot), pct(cold), moved >> 20,
                M.get_int("bytes_demoted") >> 20))
    if hot < 0.9:
        raise Fail("the hot memory did not come to node 0: " + note)
    if cold > 0.25:
        raise Fail("the cold memory came along: " + note)
    if moved < 0.9 * (hot * hot_size + cold * cold_size):
        raise Fail("bytes_promoted misses what moved: " + note)
    return note


def migrated():
    return M.get_int("bytes_promoted") + M.get_int("bytes_demoted")


def test_demote():
    require_tiers()
    target = 3000
    hot_size = 32 * MIB
    mi = node_meminfo(0)
    fill = mi["MemFree"] - mi["MemTotal"] // 10 - hot_size
    if fill < 64 * MIB:
        raise Skip("node 0 has only %d MiB free" % (mi["MemFree"] >> 20))
    fill -= fill % (2 * MIB)
    c = Child()
    c.anon("hot", hot_size, "bind0")
    c.anon("cold", fill, "bind0,nohugepage")
    c.call("touch", "hot")
    c.call("touch", "cold")
    c.call("hot", "hot")
    start = free_bp(0)
    M.configure(demote_target_free_bp=target, min_age_ms=1000)
    M.enable()
    t0 = time.monotonic()
    reached = wait_for(lambda: free_bp(0) >= target - 500, WAIT_S, 0.5)
    took = time.monotonic() - t0
    # Once the goal is met, migration must die down within a minute:
    # 10 s windows, until one moves less than 1 MiB/s.
    t1 = time.monotonic()
    while True:
        m0 = migrated()
        lo = hi = free_bp(0)
        for _ in range(10):
            time.sleep(1)
            lo, hi = min(lo, free_bp(0)), max(hi, free_bp(0))
        rate = (migrated() - m0) / 10
        if rate < MIB or time.monotonic() - t1 > 60:
            break
    settled = time.monotonic() - t1
    gone = 1 - on_node(c, "cold", 0)
    note = ("node 0 free %.1f%% -> %.1f%% (target %.0f%%) in %.1f s, "
            "%.1f%%-%.1f%% over 10 s once settled (after %.0f s) with "
            "%.0f KiB/s migrated; %s of the cold memory demoted, %s of the "
            "hot on node 0; %d MiB demoted, %d MiB promoted" % (
                start / 100, (target - 500) / 100, target / 100, took,
                lo / 100, hi / 100, settled, rate / 1024, pct(gone),
                pct(on_node(c, "hot", 0)), M.get_int("bytes_demoted") >> 20,
                M.get_int("bytes_promoted") >> 20))
    if not reached or lo < target * 0.95:
        raise Fail("node 0's free memory did not reach the target: " + note)
    if hi > target * 1.05:
        raise Fail("more than the target was demoted: " + note)
    if on_node(c, "hot", 0) < 0.9:
        raise Fail("the hot memory left node 0: " + note)
    if M.get_int("bytes_demoted") < 0.9 * gone * fill:
        raise Fail("bytes_demoted misses what moved: " + note)
    if rate > MIB:
        raise Fail("memory keeps moving once placed: " + note)
    return note


def main():
    global M
    M = require_module("damon_tier")
    t = Tap()
    t.run("the parameters, their modes and defaults",
          check_parameters, M, DEFAULTS, READ_ONLY)
    t.run("node_pairs follows the kernel's memory tiers", test_node_pairs)
    t.run("enable and disable 20 times", test_cycles)
    t.run("kdamond_pid, node_pairs and the statistics are read-only",
          check_read_only, M, READ_ONLY[1:])
    t.run("malformed writes fail and change nothing", check_bad_writes, M,
          NUMBERS, ("enabled", "commit_inputs",
                    "autotune_monitoring_intervals"))
    t.run("the ratios take 1 to 10000 only", test_bad_bps)
    t.run("bad values fail enabling and commits with EINVAL",
          test_bad_enable_commit)
    if pairs() == "0:1":
        t.run("DAMON_TIER, DAMON_RECLAIM and sysfs exclude each other",
              check_exclusive, M, "damon_reclaim")
    else:
        t.skip("DAMON_TIER, DAMON_RECLAIM and sysfs exclude each other",
               "memory not tiered")
    t.run("hot memory of the slow node moves to the fast node",
          test_promote)
    t.run("cold memory leaves the fast node until its free memory goal "
          "holds, then nothing moves", test_demote)
    M.disable()
    t.finish()


if __name__ == "__main__":
    main()
