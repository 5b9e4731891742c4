#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""DAMOS quotas, quota goals and watermarks, seen through the stats.

A "stat" scheme matches every region of an idle 16 MiB buffer, so without
limits it would be tried on all of it at every aggregation (20 ms):

  size quota   with quotas/bytes = B and reset_interval_ms = R, the bytes
               tried grow by at most B per window (counted over the whole
               run and between every two reads of the stats), no single
               application tries more than B, and windows that ran out
               of quota (qt_exceeds) used all of it
  goals        a user_input goal whose current_value is below its target
               makes effective_bytes grow; pushed above the target with
               commit_schemes_quota_goals, it makes effective_bytes shrink
  node goals   over a 512 MiB buffer on node 0 (less on a small guest),
               a paddr migrate_cold scheme to node 1 with a
               node_mem_free_bp goal on node 0 moves memory until node
               0's free share is near the target, and then a migrate_hot
               scheme back to node 0 with a node_mem_used_bp goal until
               its used share is; likewise a migrate_hot scheme to node
               0 with a node_memcg_used_bp goal for a cgroup whose
               buffer is on node 1, until the cgroup's share of node 0
               (memory.numa_stat) is.  "Near" is within 5% of the node's
               memory and within a quarter of the way from the start;
               once there, the goal, not the size cap, sets the quota
               (needs two nodes)
  watermarks   with free_mem_rate watermarks set around the free memory
               rate of /proc/meminfo, the scheme is tried only while the
               rate lies in [low, high], and an inactive scheme waits for
               the rate to fall below mid before it works again
"""

import math
import time

import os

from damos_helpers import (MIB, Child, Fail, Kdamond, Skip, Tap, make_cgroup,
                           memcg_node_bytes, node_meminfo, numa_maps_nodes,
                           numa_nodes, phys_runs, require_damos, wait_for,
                           write)

K = Kdamond()
SIZE = 16 * MIB
AGGR_US = 20000


def idle_child():
    c = Child()
    lo = c.anon("buf", SIZE)
    c.call("touch", "buf")
    return c, [{"pid": c.pid, "regions": [(lo, lo + SIZE)]}]


def test_size_quota():
    quota, reset_ms = 256 << 10, 100
    _, targets = idle_child()
    K.setup("fvaddr", targets,
            [{"action": "stat",
              "quota": {"bytes": quota, "reset_ms": reset_ms}}],
            aggr_us=AGGR_US)
    K.on()
    # The kdamond copies the stats at some point between the start and
    # the end of each command: (start, end, stats).
    # Read until a dozen windows ran out of quota (a slow guest takes
    # longer), or 15 s.
    reads = []
    end = time.monotonic() + 15
    while time.monotonic() < end:
        t = time.monotonic()
        reads.append((t, K.stats(), time.monotonic()))
        exceeded = reads[-1][1]["qt_exceeds"] - reads[0][1]["qt_exceeds"]
        if exceeded >= 12 and len(reads) >= 10:
            break
        time.sleep(reset_ms / 2000)
    biggest = max(K.tried_bytes() for _ in range(3))

    def allowed(dt):
        # Windows that may have started in dt, and the one running.
        return quota * (math.ceil(dt * 1000 / reset_ms) + 1)
    bad = []
    for (t0, s0, _), (_, s1, t1) in zip(reads, reads[1:]):
        d = s1["sz_tried"] - s0["sz_tried"]
        if d > allowed(t1 - t0):
            bad.append("%d bytes tried in %.0f ms" % (d, (t1 - t0) * 1000))
    (t0, s0, _), (_, s1, t1) = reads[0], reads[-1]
    total = s1["sz_tried"] - s0["sz_tried"]
    windows = (t1 - t0) * 1000 / reset_ms
    note = "%d KiB tried in %.1f windows of %d KiB, %d more exceeded" % (
        total >> 10, windows, quota >> 10,
        s1["qt_exceeds"] - s0["qt_exceeds"])
    if bad:
        raise Fail("over quota: %s; %s" % (", ".join(bad[:3]), note))
    if total > allowed(t1 - t0):
        raise Fail("over quota overall: " + note)
    if biggest > quota:
        raise Fail("one application tried %d bytes" % biggest)
    # Without the quota every window would try about 80 MiB; with it, a
    # window that ran out of quota tried all of it.
    exceeded = s1["qt_exceeds"] - s0["qt_exceeds"]
    if exceeded < 12:
        raise Fail("qt_exceeds does not count the windows: " + note)
    if total < quota * (exceeded - 2):
        raise Fail("the quota is not used: " + note)
    return note


def test_goal():
    _, targets = idle_child()
    target = 10000
    # With current_value 0 the quota doubles every window: 100 ms windows
    # keep it far from its ceiling (ULONG_MAX) during the test.
    K.setup("fvaddr", targets,
            [{"action": "stat",
              "quota": {"reset_ms": 100,
                        "goals": [("user_input", target, 0)]}}],
            aggr_us=AGGR_US)
    K.on()
    grow = []
    for _ in range(4):
        time.sleep(0.2)
        grow.append(K.effective_bytes())
    goal = K.scheme_dir() + "/quotas/goals/0/current_value"
    with open(goal, "w") as f:
        f.write(str(target * 3))
    K.cmd("commit_schemes_quota_goals")
    shrink = []
    for _ in range(4):
        time.sleep(0.2)
        shrink.append(K.effective_bytes())
    note = "effective_bytes %s, then above the goal %s" % (
        "/".join(map(str, grow)), "/".join(map(str, shrink)))
    if not grow[-1] > grow[0] or grow != sorted(grow):
        raise Fail("did not grow below the goal: " + note)
    if not shrink[-1] < grow[-1]:
        raise Fail("did not shrink above the goal: " + note)
    return note


def node_free_bp(nid):
    m = node_meminfo(nid)
    return m["MemFree"] * 10000 // m["MemTotal"]


# Three quarters of the 512 KiB cap of run_node_goal().
QUOTA_SETTLED = 3 * MIB // 8


def near(value, start, target):
    """Within 5% of the node's memory of the target, and within a quarter
    of the way there: the loop overshoots by a few windows' worth."""
    miss = abs(value - target)
    return miss <= 500 and miss <= abs(target - start) / 4


def buffer_size(nid, most):
    """most bytes, or less on a small guest (the debug one): a bound
    buffer must fit in the node's free memory with room to spare."""
    free = node_meminfo(nid)["MemFree"]
    return min(most, free * 2 // 5 // MIB * MIB)


def node_used_bp(nid):
    return 10000 - node_free_bp(nid)


def run_node_goal(c, action, nid, metric, target, measure, path=""):
    """Run one migration scheme with a node goal until it is met; return
    (reached, once the quota settled, effective quota then, bytes
    moved)."""
    # 512 KiB per 50 ms window: the goal, not the cap, must stop it.  The
    # loop shrinks the quota by the share the goal is exceeded by, so it
    # overshoots by a few windows' worth of this.
    scheme = {"action": action, "nid": nid,
              "quota": {"bytes": MIB // 2, "reset_ms": 50,
                        "goals": [(metric, target, 0, 0, path)]}}
    K.setup("paddr", [{"regions": phys_runs(c.phys("buf"), 800)}], [scheme])
    K.on()
    wait_for(lambda: measure(0) >= target, 120, 0.2)
    reached = measure(0)
    # Exceeded by a few percent, the quota shrinks by a few percent per
    # window (windows come with the 20 ms aggregations, slower under TCG
    # and on a debug kernel): soon the goal, not the cap, sets it.
    wait_for(lambda: K.effective_bytes() <= QUOTA_SETTLED, 30, 0.2)
    result = (reached, measure(0), K.effective_bytes(),
              K.stats()["sz_applied"])
    K.off()
    return result


def test_node_goal():
    if len(numa_nodes()) < 2 or 0 not in numa_nodes():
        raise Skip("needs two NUMA nodes with memory (VM_NUMA=2)")
    size = buffer_size(0, 512 * MIB)
    c = Child()
    lo = c.anon("buf", size, "bind0")
    c.call("touch", "buf")
    on0 = numa_maps_nodes(c.pid, lo).get(0, 0) * 4096
    if on0 < 0.9 * size:
        raise Fail("the buffer is not on node 0: %d MiB" % (on0 >> 20))
    K.setup("paddr", [{}], [{"action": "stat"}])
    if not os.path.exists(K.scheme_dir(0) + "/quotas/goals"):
        raise Skip("no quota goals")
    write(K.scheme_dir(0) + "/quotas/goals/nr_goals", 1)
    if not os.path.exists(K.scheme_dir(0) + "/quotas/goals/0/nid"):
        raise Skip("no goals/<G>/nid (before 6.16)")
    share = size * 10000 // node_meminfo(0)["MemTotal"]
    notes, bad = [], False
    # Free about half the buffer's share of node 0 by moving cold memory
    # away, then fill a quarter of it back by moving hot memory in.
    for action, nid, metric, measure, step in (
            ("migrate_cold", 1, "node_mem_free_bp", node_free_bp, 2),
            ("migrate_hot", 0, "node_mem_used_bp", node_used_bp, 4)):
        before = measure(0)
        target = before + share // step
        reached, after, esz, moved = run_node_goal(c, action, nid, metric,
                                                   target, measure)
        notes.append("%s %.1f%% -> %.1f%% (settled %.1f%%), target "
                     "%.1f%%: %d MiB moved, effective quota then %d KiB" % (
                         metric, before / 100, reached / 100, after / 100,
                         target / 100, moved >> 20, esz >> 10))
        if not near(after, before, target):
            bad = True
        elif esz > QUOTA_SETTLED:
            notes[-1] += " (the goal did not bring the quota down)"
            bad = True
    if bad:
        raise Fail("; ".join(notes))
    return "; ".join(notes)


def test_node_memcg_goal():
    if len(numa_nodes()) < 2 or 1 not in numa_nodes():
        raise Skip("needs two NUMA nodes with memory (VM_NUMA=2)")
    cg = make_cgroup("damos-node-memcg")
    c = Child(cg)
    size = buffer_size(1, 256 * MIB)
    c.anon("buf", size, "bind1")
    c.call("touch", "buf")
    total0 = node_meminfo(0)["MemTotal"]

    def used(nid):
        return memcg_node_bytes(cg, nid) * 10000 // total0

    before = used(0)
    # Bring half the buffer to node 0, as the cgroup's share of it.
    target = before + (size // 2) * 10000 // total0
    reached, after, esz, moved = run_node_goal(
        c, "migrate_hot", 0, "node_memcg_used_bp", target, used,
        "/damos-node-memcg")
    note = ("the cgroup's share of node 0 %.2f%% -> %.2f%% (settled "
            "%.2f%%), target %.2f%%: %d MiB moved, effective quota then "
            "%d KiB" % (before / 100, reached / 100, after / 100,
                        target / 100, moved >> 20, esz >> 10))
    if not near(after, before, target) or esz > QUOTA_SETTLED:
        raise Fail(note)
    return note


def free_rate():
    """Free memory in permil of all memory, as watermarks measure it."""
    info = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":")
        info[k] = int(v.split()[0])
    return info["MemFree"] * 1000 // info["MemTotal"]


def tries_over(seconds):
    before = K.stats()["nr_tried"]
    time.sleep(seconds)
    return K.stats()["nr_tried"] - before


def test_watermarks():
    _, targets = idle_child()
    rate = free_rate()
    if rate < 10 or rate > 996:
        raise Fail("free memory rate %d permil leaves no room" % rate)
    low, high = rate // 2, min(1000, rate + (1000 - rate) // 2)
    cases = [
        # (what, high, mid, low, active)
        ("above high", rate // 2, rate // 4, 0, False),
        ("in range", high, high, low, True),
        ("below low", 1000, 1000, high, False),
    ]
    notes = []
    for what, h, m, lw, active in cases:
        K.setup("fvaddr", targets,
                [{"action": "stat",
                  "wmarks": {"metric": "free_mem_rate", "interval": 5000,
                             "high": h, "mid": m, "low": lw}}],
                aggr_us=AGGR_US)
        K.on()
        time.sleep(0.2)
        if active:
            n = wait_for(lambda: tries_over(0.2), 5)
        else:
            n = tries_over(0.5)
        K.off()
        notes.append("%s %d" % (what, n))
        if bool(n) != active:
            raise Fail("rate %d, watermarks %d/%d/%d (%s): %d tries" % (
                rate, h, m, lw, what, n))
    # Online: from inactive, the rate back in [mid, high] keeps it
    # inactive; below mid it works again.
    K.setup("fvaddr", targets,
            [{"action": "stat",
              "wmarks": {"metric": "free_mem_rate", "interval": 5000,
                         "high": rate // 2, "mid": rate // 4, "low": 0}}],
            aggr_us=AGGR_US)
    K.on()
    for what, m, active in (("in [mid, high]", low, False),
                            ("below mid", high, True)):
        K.set_scheme(0, {"action": "stat",
                         "wmarks": {"metric": "free_mem_rate",
                                    "interval": 5000, "high": high,
                                    "mid": m, "low": 0}})
        K.cmd("commit")
        n = wait_for(lambda: tries_over(0.2), 5) if active else \
            tries_over(0.7)
        notes.append("%s %d" % (what, n))
        if bool(n) != active:
            raise Fail("rate %d, watermarks %d/%d/0 committed (%s): %d "
                       "tries" % (rate, high, m, what, n))
    return "rate %d permil; tries: %s" % (rate, ", ".join(notes))


def main():
    require_damos()
    t = Tap()
    t.run("size quota caps the bytes tried per window", test_size_quota)
    t.run("a user_input goal steers effective_bytes", test_goal)
    t.run("node_mem_free_bp and node_mem_used_bp goals stop migration at "
          "their targets", test_node_goal)
    t.run("a node_memcg_used_bp goal stops migration at its target",
          test_node_memcg_goal)
    t.run("free_mem_rate watermarks turn the scheme off and on",
          test_watermarks)
    t.finish()


if __name__ == "__main__":
    main()
