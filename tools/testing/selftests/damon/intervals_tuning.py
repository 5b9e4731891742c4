#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Monitoring intervals auto-tuning and refresh_ms, seen from user space.

An fvaddr kdamond watches a 16 MiB buffer of a child process, with the
goal of 4% of access events per aggregation, one aggregation per tuning
step, and sampling bounds of 1 ms and 80 ms:

  files       intervals/intervals_goal/{access_bp,aggrs,min_sample_us,
              max_sample_us} and kdamonds/<K>/refresh_ms exist, 0600,
              all zero by default; bad values fail with EINVAL (or
              ERANGE) and change nothing; "on" with a goal whose bounds
              leave no interval fails with EINVAL and stays off
  idle        with the buffer idle, the sampling interval grows to the
              upper bound, and the aggregation interval keeps ten samples
  busy        with the whole buffer hot, it falls well below that
  commit      a commit with the same goal keeps the tuned intervals; one
              with another goal restarts the tuning from the files
  off         without a goal, update_tuned_intervals shows the user's
              intervals; with the kdamond off it fails with EINVAL
  trace       damon:damon_monitor_intervals_tune reports each step
  refresh     with refresh_ms set, stats, effective quotas and the tuned
              intervals come to the files with no state command; with 0
              they stop; several kdamonds refreshing while they stop, are
              removed and start again leave no kernel report
"""

import errno
import os
import time

from damos_helpers import (KDAMONDS, MIB, Child, Fail, Kdamond, Skip, Tap,
                           at_cleanup, read, read_int, require_damos,
                           skip_all, try_write, wait_for, write)

K = Kdamond()
SIZE = 16 * MIB
GOAL = {"access_bp": 400, "aggrs": 1, "min_sample_us": 1000,
        "max_sample_us": 80000}
TRACING = "/sys/kernel/tracing"


def goal_dir(k=K):
    return k.ctx + "/monitoring_attrs/intervals/intervals_goal"


def intervals_dir(k=K):
    return k.ctx + "/monitoring_attrs/intervals"


def set_goal(goal, k=K):
    for name in ("min_sample_us", "max_sample_us", "aggrs", "access_bp"):
        write("%s/%s" % (goal_dir(k), name), goal[name])


def tuned(k=K):
    k.cmd("update_tuned_intervals")
    return (read_int(intervals_dir(k) + "/sample_us"),
            read_int(intervals_dir(k) + "/aggr_us"))


def start(goal=GOAL, hot=False, schemes=(), k=K):
    c = Child()
    lo = c.anon("buf", SIZE)
    c.call("touch", "buf")
    if hot:
        c.call("hot", "buf")
    # fvaddr: the buffer only, so that it is all of the access events.
    k.setup("fvaddr", [{"pid": c.pid, "regions": [(lo, lo + SIZE)]}],
            list(schemes), sample_us=5000, aggr_us=50000)
    if goal:
        set_goal(goal, k)
    k.on()
    return c


def require_feature():
    write(KDAMONDS + "/nr_kdamonds", 1)
    write(K.dir + "/contexts/nr_contexts", 1)
    has = os.path.isdir(goal_dir())
    write(KDAMONDS + "/nr_kdamonds", 0)
    if not has:
        skip_all("no intervals auto-tuning in this kernel")


def at_bound():
    """The tuned intervals once the sampling one is at the upper bound."""
    got = tuned()
    return got if got[0] == GOAL["max_sample_us"] else None


def test_files():
    write(KDAMONDS + "/nr_kdamonds", 1)
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    write(K.dir + "/contexts/nr_contexts", 1)
    files = [goal_dir() + "/" + n for n in GOAL] + [K.dir + "/refresh_ms"]
    for f in files:
        mode = os.stat(f).st_mode & 0o777
        if mode != 0o600 or read(f) != "0":
            raise Fail("%s: mode %o, reads %s; want 600 and 0" % (
                f, mode, read(f)))
    bad = [(goal_dir() + "/access_bp", "10001", "EINVAL"),
           (goal_dir() + "/access_bp", "-1", "EINVAL"),
           (goal_dir() + "/aggrs", "abc", "EINVAL"),
           (goal_dir() + "/min_sample_us", "1" + "0" * 20, "ERANGE"),
           (K.dir + "/refresh_ms", "fast", "EINVAL")]
    for f, v, want in bad:
        write(f, 7)
        err = try_write(f, v)
        if err != want or read(f) != "7":
            raise Fail("%s <- %s: %s, reads %s; want %s and 7" % (
                f, v, err or "ok", read(f), want))
        write(f, 0)
    write(goal_dir() + "/access_bp", 10000)


def test_bad_goal_refused():
    c = Child()
    lo = c.anon("buf", SIZE)
    K.setup("vaddr", [{"pid": c.pid, "regions": [(lo, lo + SIZE)]}], [])
    for goal in (dict(GOAL, min_sample_us=90000),
                 dict(GOAL, min_sample_us=0, max_sample_us=0)):
        set_goal(goal)
        err = try_write(K.dir + "/state", "on")
        if err != "EINVAL" or K.running():
            raise Fail("on with goal %s: %s, state %s; want EINVAL, off" %
                       (goal, err or "ok", read(K.dir + "/state")))
    # The same bounds with the tuning off are not looked at.
    write(goal_dir() + "/access_bp", 0)
    K.on()
    return "refused min > max and max 0"


def test_idle_grows():
    start()
    got = wait_for(at_bound, 30, 0.2)
    if not got:
        raise Fail("idle: sampling interval %d us after 30 s, want %d" %
                   (tuned()[0], GOAL["max_sample_us"]))
    sample, aggr = got
    if aggr != 10 * sample:
        raise Fail("aggr_us %d for sample_us %d: want ten samples" %
                   (aggr, sample))
    return "sample_us 5000 -> %d, aggr_us %d" % got


def test_busy_shrinks():
    c = start()
    if not wait_for(at_bound, 30, 0.2):
        raise Fail("the tuning did not reach the upper bound")
    c.call("hot", "buf")
    low = GOAL["max_sample_us"] // 8

    def low_enough():
        got = tuned()
        return got if got[0] <= low else None
    got = wait_for(low_enough, 30, 0.2)
    if not got:
        raise Fail("busy: sampling interval %d us after 30 s, want <= %d" %
                   (tuned()[0], low))
    if got[0] < GOAL["min_sample_us"]:
        raise Fail("sampling interval %d below the bound %d" %
                   (got[0], GOAL["min_sample_us"]))
    return "idle %d us, busy %d us" % (GOAL["max_sample_us"], got[0])


def test_commit_keeps_tuned():
    start()
    if not wait_for(at_bound, 30, 0.2):
        raise Fail("the tuning did not reach the upper bound")
    # The files hold the tuned values now; put the user's back.
    write(intervals_dir() + "/sample_us", 5000)
    write(intervals_dir() + "/aggr_us", 50000)
    K.cmd("commit")
    kept = tuned()
    if kept[0] != GOAL["max_sample_us"]:
        raise Fail("commit with the same goal: sample_us %d, want the "
                   "tuned %d" % (kept[0], GOAL["max_sample_us"]))
    # Another goal, with a step every 20 aggregations (a second): the
    # tuning restarts from the files' 5 ms.
    write(intervals_dir() + "/sample_us", 5000)
    write(intervals_dir() + "/aggr_us", 50000)
    set_goal(dict(GOAL, aggrs=20))
    K.cmd("commit")
    again = tuned()
    if again[0] != 5000:
        raise Fail("commit with another goal: sample_us %d, want the "
                   "tuning restarted from 5000" % again[0])
    return "kept %d us; restarted at %d us" % (kept[0], again[0])


def test_off():
    start(goal=None)
    time.sleep(0.5)
    got = tuned()
    if got != (5000, 50000):
        raise Fail("no goal: update_tuned_intervals shows %s, want "
                   "(5000, 50000)" % (got,))
    K.off()
    err = try_write(K.dir + "/state", "update_tuned_intervals")
    if err != "EINVAL":
        raise Fail("update_tuned_intervals on an off kdamond: %s, want "
                   "EINVAL" % (err or "ok"))


def mount_tracefs():
    if not os.path.exists(TRACING + "/events"):
        os.system("mount -t tracefs nodev %s 2>/dev/null" % TRACING)
    ev = TRACING + "/events/damon/damon_monitor_intervals_tune"
    if not os.path.isdir(ev):
        raise Skip("no damon_monitor_intervals_tune event")
    return ev


def test_trace():
    ev = mount_tracefs()
    write(TRACING + "/trace", "")
    write(ev + "/enable", 1)
    at_cleanup(write, ev + "/enable", 0)
    write(TRACING + "/tracing_on", 1)
    start()
    wait_for(at_bound, 30, 0.2)
    K.off()
    write(ev + "/enable", 0)
    with open(TRACING + "/trace") as f:
        vals = [int(w.split("=")[1]) for line in f
                for w in line.split() if w.startswith("sample_us=")]
    if not vals or vals[-1] != GOAL["max_sample_us"] or \
            any(b > 2 * a or b < a // 2 for a, b in zip(vals, vals[1:])):
        raise Fail("traced sample_us %s: want steps of at most 2x ending "
                   "at %d" % (vals[:12], GOAL["max_sample_us"]))
    return "%d steps: %s" % (len(vals), " ".join(map(str, vals[:8])))


def test_refresh():
    scheme = {"action": "stat", "quota": {"bytes": MIB, "reset_ms": 100}}
    start(schemes=[scheme])
    stats = K.scheme_dir() + "/stats/nr_tried"
    esz = K.scheme_dir() + "/quotas/effective_bytes"
    sample = intervals_dir() + "/sample_us"
    write(K.dir + "/refresh_ms", 50)
    at_cleanup(write, K.dir + "/refresh_ms", 0)
    ok = wait_for(lambda: read_int(stats) > 0 and read_int(esz) == MIB and
                  read_int(sample) != 5000, 20, 0.1)
    if not ok:
        raise Fail("refresh_ms 50: nr_tried %s, effective_bytes %s, "
                   "sample_us %s after 20 s" % (read(stats), read(esz),
                                                read(sample)))
    write(K.dir + "/refresh_ms", 0)
    time.sleep(0.2)
    before = read_int(stats)
    time.sleep(1)
    if read_int(stats) != before:
        raise Fail("refresh_ms 0: nr_tried still moves (%d -> %d)" %
                   (before, read_int(stats)))
    return "refreshed with no command; stopped at 0"


def busy_retry(fn, *args):
    """fn(*args), tried again while it fails with EBUSY: a refresh holds
    the lock that state and nr_* writes try (for at most 5 s)."""
    end = time.monotonic() + 5
    while True:
        try:
            return fn(*args)
        except OSError as e:
            if e.errno != errno.EBUSY or time.monotonic() > end:
                raise
            time.sleep(0.01)


def test_refresh_churn():
    """Refreshes of several kdamonds while they stop, restart and go."""
    children = []
    for _ in range(3):
        c = Child()
        lo = c.anon("buf", MIB)
        children.append((c, lo))
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    busy = [0]

    def w(path, value):
        try:
            write(path, value)
        except OSError as e:
            if e.errno != errno.EBUSY:
                raise
            busy[0] += 1
            busy_retry(write, path, value)

    for rnd in range(4):
        w(KDAMONDS + "/nr_kdamonds", 3)
        ks = [Kdamond(i) for i in range(3)]
        for k, (c, lo) in zip(ks, children):
            w(k.dir + "/contexts/nr_contexts", 1)
            w(k.ctx + "/targets/nr_targets", 1)
            write(k.ctx + "/targets/0/pid_target", c.pid)
            w(k.ctx + "/schemes/nr_schemes", 1)
            write(k.ctx + "/schemes/0/action", "stat")
            set_goal(GOAL, k)
            write(k.dir + "/refresh_ms", 1 + rnd)
            w(k.dir + "/state", "on")
        time.sleep(0.3)
        w(ks[rnd % 3].dir + "/state", "off")
        time.sleep(0.1)
        for k in ks:
            if busy_retry(read, k.dir + "/state") == "on":
                w(k.dir + "/state", "off")
        if rnd % 2:
            # Removed while their refreshes are queued.
            for k in ks:
                write(k.dir + "/refresh_ms", 1)
        w(KDAMONDS + "/nr_kdamonds", 0)
    return "4 rounds of 3 kdamonds (%d EBUSY writes retried)" % busy[0]


def main():
    require_damos()
    require_feature()
    t = Tap()
    t.run("intervals_goal and refresh_ms files, bad values refused",
          test_files)
    t.run("on refuses a goal whose bounds leave no interval",
          test_bad_goal_refused)
    t.run("idle memory: the sampling interval grows to its bound",
          test_idle_grows)
    t.run("busy memory: the sampling interval shrinks", test_busy_shrinks)
    t.run("commit keeps the tuned intervals unless the goal changes",
          test_commit_keeps_tuned)
    t.run("no goal: update_tuned_intervals shows the user's intervals",
          test_off)
    t.run("damon_monitor_intervals_tune traces the steps", test_trace)
    t.run("refresh_ms refreshes stats, quotas and intervals", test_refresh)
    t.run("refresh_ms with kdamonds stopping and removed",
          test_refresh_churn)
    t.finish()


if __name__ == "__main__":
    main()
