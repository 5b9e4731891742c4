#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The DAMOS part of the DAMON sysfs interface: the schemes/ tree with the
file modes of Linux 6.12, default values, the keywords every file takes, a
table of bad writes that must fail with the right errno and leave the value
as it was, schemes that "on" and "commit" must refuse, schemes that cannot
take effect but that they must take as Linux 6.12 does, and the state
commands that read a running kdamond's schemes back.
"""

import os

from damos_helpers import (KDAMONDS, PAGE, UINT_MAX, Fail, Kdamond, Tap,
                           at_cleanup, errno_name, read, read_int,
                           require_damos, try_write, wait_for, write)

K = Kdamond()
S = K.scheme_dir(0)

# Every file and directory under schemes/<S>/ (with one goal, one filter
# and one tried region), and its mode; directories are None.
TREE = {
    "action": 0o600, "apply_interval_us": 0o600, "target_nid": 0o600,
    "access_pattern": None,
    "access_pattern/sz": None, "access_pattern/nr_accesses": None,
    "access_pattern/age": None,
    "quotas": None, "quotas/ms": 0o600, "quotas/bytes": 0o600,
    "quotas/reset_interval_ms": 0o600, "quotas/effective_bytes": 0o400,
    "quotas/weights": None, "quotas/weights/sz_permil": 0o600,
    "quotas/weights/nr_accesses_permil": 0o600,
    "quotas/weights/age_permil": 0o600,
    "quotas/goals": None, "quotas/goals/nr_goals": 0o600,
    "quotas/goals/0": None, "quotas/goals/0/target_metric": 0o600,
    "quotas/goals/0/target_value": 0o600,
    "quotas/goals/0/current_value": 0o600, "quotas/goals/0/nid": 0o600,
    "quotas/goals/0/path": 0o600,
    "dests": None, "dests/nr_dests": 0o600, "dests/0": None,
    "dests/0/id": 0o600, "dests/0/weight": 0o600,
    "watermarks": None, "watermarks/metric": 0o600,
    "watermarks/interval_us": 0o600, "watermarks/high": 0o600,
    "watermarks/mid": 0o600, "watermarks/low": 0o600,
    "stats": None, "stats/nr_tried": 0o400, "stats/sz_tried": 0o400,
    "stats/nr_applied": 0o400, "stats/sz_applied": 0o400,
    "stats/sz_ops_filter_passed": 0o400, "stats/qt_exceeds": 0o400,
    "tried_regions": None, "tried_regions/total_bytes": 0o400,
    "tried_regions/0": None, "tried_regions/0/start": 0o400,
    "tried_regions/0/end": 0o400, "tried_regions/0/nr_accesses": 0o400,
    "tried_regions/0/age": 0o400, "tried_regions/0/sz_filter_passed": 0o400,
}
# The three filter directories (6.15 on) have the same files; the tree has
# one filter in each.
FILTER_DIRS = ("core_filters", "ops_filters", "filters")
FILTER_FILES = ("type", "matching", "allow", "memcg_path", "addr_start",
                "addr_end", "damon_target_idx", "min", "max")
for _d in FILTER_DIRS:
    TREE.update({_d: None, _d + "/nr_filters": 0o600, _d + "/0": None})
    TREE.update({"%s/0/%s" % (_d, _f): 0o600 for _f in FILTER_FILES})
for _k in ("sz", "nr_accesses", "age"):
    for _m in ("min", "max"):
        TREE["access_pattern/%s/%s" % (_k, _m)] = 0o600

DEFAULTS = {
    "action": "stat", "apply_interval_us": "0", "target_nid": "-1",
    "quotas/ms": "0", "quotas/bytes": "0", "quotas/reset_interval_ms": "0",
    "quotas/effective_bytes": "0", "quotas/weights/sz_permil": "0",
    "quotas/weights/nr_accesses_permil": "0",
    "quotas/weights/age_permil": "0", "quotas/goals/nr_goals": "0",
    "watermarks/metric": "none", "watermarks/interval_us": "0",
    "watermarks/high": "0", "watermarks/mid": "0", "watermarks/low": "0",
    "filters/nr_filters": "0", "core_filters/nr_filters": "0",
    "dests/nr_dests": "0",
    "ops_filters/nr_filters": "0", "stats/nr_tried": "0",
    "stats/sz_tried": "0", "stats/nr_applied": "0", "stats/sz_applied": "0",
    "stats/sz_ops_filter_passed": "0",
    "stats/qt_exceeds": "0", "tried_regions/total_bytes": "0",
}
for _k in ("sz", "nr_accesses", "age"):
    for _m in ("min", "max"):
        DEFAULTS["access_pattern/%s/%s" % (_k, _m)] = "0"
GOAL_DEFAULTS = {"target_metric": "user_input", "target_value": "0",
                 "current_value": "0", "nid": "0", "path": ""}
# The same in every filter directory, as upstream ("anon" even in
# core_filters/, where it cannot be written back).
FILTER_DEFAULTS = {"type": "anon", "matching": "N", "allow": "N",
                   "memcg_path": "", "addr_start": "0", "addr_end": "0",
                   "damon_target_idx": "0", "min": "0", "max": "0"}

ACTIONS = ("willneed", "cold", "pageout", "hugepage", "nohugepage",
           "lru_prio", "lru_deprio", "migrate_hot", "migrate_cold", "stat")


def one_scheme(ops="paddr", targets=None, **scheme):
    """kdamonds/0 with one context, one target and one scheme."""
    s = {"action": "stat"}
    s.update(scheme)
    if targets is None:
        targets = [{"pid": os.getpid()}] if ops != "paddr" else [{}]
    K.setup(ops, targets, [s], sample_us=1000, aggr_us=10000)


def tree_entries(top):
    found = {}
    for root, dirs, files in os.walk(top):
        rel = os.path.relpath(root, top)
        for d in dirs:
            found[os.path.normpath(os.path.join(rel, d))] = None
        for f in files:
            mode = os.stat(os.path.join(root, f)).st_mode & 0o777
            found[os.path.normpath(os.path.join(rel, f))] = mode
    return found


def test_tree():
    one_scheme(dests=[(0, 1)], filters=[{"type": "anon", "matching": True},
                        {"type": "addr", "matching": False,
                         "addr": (0, 1 << 62), "dir": "core_filters"},
                        {"type": "young", "matching": False,
                         "dir": "ops_filters"}])
    if read_int(K.ctx + "/schemes/nr_schemes") != 1:
        raise Fail("nr_schemes does not read back 1")
    if os.stat(K.ctx + "/schemes/nr_schemes").st_mode & 0o777 != 0o600:
        raise Fail("nr_schemes is not mode 600")
    K.on()
    total, regions = K.tried_regions()
    if not regions:
        raise Fail("no tried region of a stat scheme matching everything")
    # Written while it runs, a goal directory appears at once.
    write(S + "/quotas/goals/nr_goals", 1)
    # Only the first tried region directory is part of the fixed tree.
    found = {k: v for k, v in tree_entries(S).items()
             if not (k.startswith("tried_regions/") and
                     k.split("/")[1].isdigit() and k.split("/")[1] != "0")}
    bad = []
    for k in sorted(set(TREE) | set(found)):
        if k not in found:
            bad.append("missing " + k)
        elif k not in TREE:
            bad.append("unexpected " + k)
        elif TREE[k] != found[k]:
            bad.append("%s is %s, want %s" % (
                k, "a directory" if found[k] is None else oct(found[k]),
                "a directory" if TREE[k] is None else oct(TREE[k])))
    if bad:
        raise Fail("; ".join(bad))
    return "%d entries" % len(TREE)


def test_defaults():
    write(KDAMONDS + "/nr_kdamonds", 1)
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    write(K.dir + "/contexts/nr_contexts", 1)
    write(K.ctx + "/schemes/nr_schemes", 1)
    write(S + "/quotas/goals/nr_goals", 1)
    want = dict(DEFAULTS)
    want["quotas/goals/nr_goals"] = "1"
    want.update({"quotas/goals/0/" + k: v for k, v in GOAL_DEFAULTS.items()})
    write(S + "/dests/nr_dests", 1)
    want.update({"dests/nr_dests": "1", "dests/0/id": "0",
                 "dests/0/weight": "0"})
    for d in FILTER_DIRS:
        write("%s/%s/nr_filters" % (S, d), 1)
        want[d + "/nr_filters"] = "1"
        want.update({"%s/0/%s" % (d, k): v
                     for k, v in FILTER_DEFAULTS.items()})
    bad = ["%s reads '%s', want '%s'" % (k, read(S + "/" + k), v)
           for k, v in sorted(want.items()) if read(S + "/" + k) != v]
    if bad:
        raise Fail("; ".join(bad))


CORE_TYPES = ("addr", "target")
OPS_TYPES = ("anon", "active", "memcg", "young", "hugepage_size", "unmapped")


def test_keywords():
    one_scheme()
    write(S + "/quotas/goals/nr_goals", 1)
    for d in FILTER_DIRS:
        write("%s/%s/nr_filters" % (S, d), 1)
    bad = []
    table = [("action", a, a) for a in ACTIONS]
    table += [("quotas/goals/0/target_metric", m, m)
              for m in ("some_mem_psi_us", "node_mem_used_bp",
                        "node_mem_free_bp", "node_memcg_used_bp",
                        "node_memcg_free_bp", "active_mem_bp",
                        "inactive_mem_bp", "user_input")]
    write(S + "/dests/nr_dests", 1)
    table += [("dests/0/id", "1", "1"), ("dests/0/weight", "0x3", "3")]
    table += [("quotas/goals/0/nid", v, w)
              for v, w in (("1", "1"), ("-1", "-1"), ("0", "0"))]
    table += [("watermarks/metric", m, m) for m in ("free_mem_rate", "none")]
    table += [("filters/0/type", t, t)
              for t in CORE_TYPES + OPS_TYPES + ("anon",)]
    table += [("core_filters/0/type", t, t) for t in CORE_TYPES]
    table += [("ops_filters/0/type", t, t) for t in OPS_TYPES]
    for f in ("filters/0/matching", "filters/0/allow",
              "ops_filters/0/allow"):
        table += [(f, v, w) for v, w in
                  (("Y", "Y"), ("n", "N"), ("1", "Y"), ("0", "N"),
                   ("on", "Y"), ("off", "N"))]
    table += [("ops_filters/0/min", "0x200000", str(2 << 20)),
              ("ops_filters/0/max", str(1 << 64 - 1), str(1 << 64 - 1)),
              ("filters/0/min", "4096", "4096")]
    table += [("action", "pageout\n", "pageout"),
              ("apply_interval_us", "0x10", "16"),
              ("target_nid", "0", "0"), ("target_nid", "-1", "-1"),
              ("filters/0/memcg_path", "/", "/"),
              ("quotas/goals/0/target_value", "123", "123")]
    for f, v, want in table:
        err = try_write(S + "/" + f, v)
        got = read(S + "/" + f)
        if err or got != want:
            bad.append("%s <- %r: %s, reads %r" % (f, v, err or "ok", got))
    if bad:
        raise Fail("; ".join(bad))
    return "%d writes" % len(table)


# A path (goals/<G>/path, filters' memcg_path) must leave room for its
# NUL in PATH_MAX bytes.  PATH_MAX bytes reach DAMON, which refuses them;
# a write of more than a page would be refused by sysfs itself (E2BIG).
PATH_MAX = 4096

# File, bad value, errno: each write must fail and change nothing.
BAD = [
    ("action", "pageoutx", "EINVAL"), ("action", "\n", "EINVAL"),
    ("action", "PAGEOUT", "EINVAL"), ("action", "2", "EINVAL"),
    ("apply_interval_us", "abc", "EINVAL"),
    ("apply_interval_us", "-1", "EINVAL"),
    ("apply_interval_us", "1 2", "EINVAL"),
    ("target_nid", "node1", "EINVAL"),
    ("quotas/ms", "x", "EINVAL"), ("quotas/ms", "-5", "EINVAL"),
    ("quotas/bytes", "1G", "EINVAL"), ("quotas/bytes", "-1", "EINVAL"),
    ("quotas/reset_interval_ms", "1.5", "EINVAL"),
    ("quotas/weights/sz_permil", "x", "EINVAL"),
    ("quotas/weights/nr_accesses_permil", "-1", "EINVAL"),
    ("quotas/weights/age_permil", "\n", "EINVAL"),
    ("quotas/goals/nr_goals", "-1", "EINVAL"),
    ("quotas/goals/nr_goals", "one", "EINVAL"),
    ("quotas/goals/0/target_metric", "psi", "EINVAL"),
    ("quotas/goals/0/target_value", "x", "EINVAL"),
    ("quotas/goals/0/target_value", "-1", "EINVAL"),
    ("quotas/goals/0/current_value", "1x", "EINVAL"),
    ("quotas/goals/0/target_metric", "node_memcg", "EINVAL"),
    ("quotas/goals/0/nid", "node0", "EINVAL"),
    ("quotas/goals/0/path", "/" + "a" * (PATH_MAX - 1), "EINVAL"),
    ("dests/nr_dests", "-1", "EINVAL"), ("dests/0/id", "x", "EINVAL"),
    ("dests/0/id", "-1", "EINVAL"),
    ("dests/0/weight", "-1", "EINVAL"),
    ("dests/0/weight", "4294967296", "ERANGE"),
    ("quotas/goals/0/nid", "4294967296", "ERANGE"),
    ("watermarks/metric", "free_mem", "EINVAL"),
    ("watermarks/interval_us", "-1", "EINVAL"),
    ("watermarks/high", "x", "EINVAL"), ("watermarks/mid", "-3", "EINVAL"),
    ("watermarks/low", "0.5", "EINVAL"),
    ("filters/nr_filters", "-1", "EINVAL"),
    ("filters/nr_filters", "x", "EINVAL"),
    ("filters/0/type", "file", "EINVAL"), ("filters/0/type", "\n", "EINVAL"),
    ("filters/0/matching", "maybe", "EINVAL"),
    ("filters/0/matching", "\n", "EINVAL"),
    ("filters/0/addr_start", "x", "EINVAL"),
    ("filters/0/addr_end", "-4096", "EINVAL"),
    ("filters/0/damon_target_idx", "first", "EINVAL"),
    ("filters/0/allow", "maybe", "EINVAL"),
    ("filters/0/allow", "\n", "EINVAL"),
    ("filters/0/min", "2M", "EINVAL"), ("filters/0/max", "-1", "EINVAL"),
    ("core_filters/nr_filters", "-1", "EINVAL"),
    ("ops_filters/nr_filters", "x", "EINVAL"),
    ("core_filters/0/matching", "maybe", "EINVAL"),
    ("core_filters/0/matching", "-1", "EINVAL"),
    ("core_filters/0/allow", "maybe", "EINVAL"),
    ("core_filters/0/allow", "-1", "EINVAL"),
    ("ops_filters/0/matching", "maybe", "EINVAL"),
    ("ops_filters/0/matching", "-1", "EINVAL"),
    ("ops_filters/0/allow", "maybe", "EINVAL"),
    ("ops_filters/0/allow", "-1", "EINVAL"),
    ("ops_filters/0/min", "2M", "EINVAL"),
    ("ops_filters/0/min", "-1", "EINVAL"),
    ("ops_filters/0/max", "x", "EINVAL"),
    ("ops_filters/0/max", "-4096", "EINVAL"),
    ("stats/sz_ops_filter_passed", "0", "EACCES"),
    ("quotas/effective_bytes", "1", "EACCES"),
    ("stats/nr_tried", "0", "EACCES"),
    ("tried_regions/total_bytes", "0", "EACCES"),
]
# A type of the other layer, in a layer's own directory.
BAD += [("core_filters/0/type", t, "EINVAL") for t in OPS_TYPES]
BAD += [("ops_filters/0/type", t, "EINVAL") for t in CORE_TYPES]
BAD += [("ops_filters/0/type", "file", "EINVAL"),
        ("ops_filters/0/allow", "2", "EINVAL")]
for _k in ("sz", "nr_accesses", "age"):
    BAD += [("access_pattern/%s/min" % _k, "x", "EINVAL"),
            ("access_pattern/%s/max" % _k, "-1", "EINVAL")]


def test_bad_values():
    one_scheme()
    write(S + "/quotas/goals/nr_goals", 1)
    write(S + "/dests/nr_dests", 1)
    for d in FILTER_DIRS:
        write("%s/%s/nr_filters" % (S, d), 1)
    # core_filters/0 starts as "anon", which it cannot take back.
    write(S + "/core_filters/0/type", "addr")
    bad = []
    for f, v, want in BAD:
        before = read(S + "/" + f)
        err = try_write(S + "/" + f, v)
        after = read(S + "/" + f)
        # The over-long path is named by its length.
        shown = repr(v) if len(v) <= 40 else "%d bytes" % len(v)
        if err != want:
            bad.append("%s <- %s: %s, want %s" % (f, shown, err or "ok",
                                                  want))
        elif after != before:
            bad.append("%s <- %s changed it to %r" % (
                f, shown, after if len(after) <= 40 else
                "%d bytes" % len(after)))
    for f, v in (("schemes/nr_schemes", "-1"), ("schemes/nr_schemes", "x")):
        err = try_write(K.ctx + "/" + f, v)
        if err != "EINVAL":
            bad.append("%s <- %r: %s, want EINVAL" % (f, v, err or "ok"))
    if read(K.ctx + "/schemes/nr_schemes") != "1":
        bad.append("nr_schemes changed")
    if bad:
        raise Fail("; ".join(bad))
    return "%d writes" % (len(BAD) + 2)


def node_count():
    try:
        return len([d for d in os.listdir("/sys/devices/system/node")
                    if d.startswith("node") and d[4:].isdigit()])
    except OSError:
        return 1


# A pattern no region matches: schemes "on" takes by mistake do nothing.
NOTHING = {"nr": (UINT_MAX, UINT_MAX)}

# Schemes that cannot take effect but that Linux 6.12 accepts, and so must
# "on" and "commit" here: (what, ops, scheme).  The kernel log says so.
NOOP_ON = [
    ("lru_prio on vaddr", "vaddr", {"action": "lru_prio"}),
    ("lru_deprio on fvaddr", "fvaddr", {"action": "lru_deprio"}),
    ("migrate_cold on vaddr to no node", "vaddr", {"action": "migrate_cold"}),
    ("willneed on paddr", "paddr", {"action": "willneed"}),
    ("cold on paddr", "paddr", {"action": "cold"}),
    ("hugepage on paddr", "paddr", {"action": "hugepage"}),
    ("nohugepage on paddr", "paddr", {"action": "nohugepage"}),
    ("an anon filter on vaddr", "vaddr",
     {"action": "stat", "filters": [{"type": "anon", "matching": True}]}),
    ("a young filter on vaddr", "vaddr",
     {"action": "stat", "filters": [{"type": "young", "matching": True}]}),
    ("an allow filter for THPs on vaddr", "vaddr",
     {"action": "stat", "filters": [
         {"type": "hugepage_size", "matching": True, "allow": True,
          "sz": (2 << 20, 2 << 20), "dir": "ops_filters"}]}),
    ("a goal with target 0", "paddr",
     {"action": "stat", "quota": {"reset_ms": 100,
                                     "goals": [("user_input", 0, 5)]}}),
    ("watermarks low > mid", "paddr",
     {"action": "stat", "wmarks": {"metric": "free_mem_rate",
                                   "interval": 1000, "high": 800,
                                   "mid": 500, "low": 600}}),
    ("watermarks mid > high", "paddr",
     {"action": "stat", "wmarks": {"metric": "free_mem_rate",
                                   "interval": 1000, "high": 400,
                                   "mid": 500, "low": 100}}),
    ("migrate_hot to no node", "paddr",
     {"action": "migrate_hot", "nid": -1}),
    ("migrate_cold to a node that does not exist", "paddr",
     {"action": "migrate_cold", "nid": 1000}),
    ("migrate_cold to destinations without weight", "paddr",
     {"action": "migrate_cold", "nid": 0, "dests": [(0, 0)]}),
    ("migrate_hot to a destination that does not exist", "paddr",
     {"action": "migrate_hot", "dests": [(0, 1), (1000, 1)]}),
]

# Schemes that "on" must refuse: (what, ops, scheme, errno).
BAD_ON = [
    ("an addr filter ending before it starts", "paddr",
     {"action": "stat", "filters": [
         {"type": "addr", "matching": True, "addr": (2 << 20, 1 << 20)}]},
     "EINVAL"),
    ("a memcg filter on a cgroup that does not exist", "paddr",
     {"action": "stat", "filters": [
         {"type": "memcg", "matching": True,
          "memcg": "/damos-no-such-cgroup"}]}, "ENOENT"),
    ("a node_memcg_used_bp goal on a cgroup that does not exist", "paddr",
     {"action": "stat", "quota": {"reset_ms": 100, "goals": [
         ("node_memcg_used_bp", 5000, 0, 0, "/damos-no-such-cgroup")]}},
     "ENOENT"),
    ("a hugepage_size filter whose max is below its min", "paddr",
     {"action": "stat", "filters": [
         {"type": "hugepage_size", "matching": True,
          "sz": (2 << 20, 4096), "dir": "ops_filters"}]}, "EINVAL"),
]


def kmsg_open():
    """/dev/kmsg opened at its end, for the lines logged from now on."""
    fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
    os.lseek(fd, 0, os.SEEK_END)
    return fd


def kmsg_lines(fd):
    lines = []
    while True:
        try:
            rec = os.read(fd, 8192)
        except BlockingIOError:
            return lines
        except OSError:
            # EPIPE: records were overwritten; go on with the next ones.
            continue
        lines.append(rec.decode(errors="replace").split(";", 1)[-1])


def test_bad_on():
    bad = []
    log = kmsg_open()
    for what, ops, scheme, want in BAD_ON:
        try:
            one_scheme(ops, **dict(NOTHING, **scheme))
        except OSError as e:
            # Refused as soon as written: as good as refused by "on".
            if errno_name(e.errno) != want:
                bad.append("%s: a write gave %s, want %s" % (
                    what, errno_name(e.errno), want))
            continue
        err = try_write(K.dir + "/state", "on")
        state = read(K.dir + "/state")
        if err != want or state != "off":
            bad.append("%s: 'on' gave %s, want %s (state %s)" %
                       (what, err or "ok", want, state))
        if state == "on":
            K.off()
    for what, ops, scheme in NOOP_ON:
        one_scheme(ops, **dict(NOTHING, **scheme))
        err = try_write(K.dir + "/state", "on")
        state = read(K.dir + "/state")
        if err or state != "on":
            bad.append("%s: 'on' gave %s (state %s), want ok as 6.12" %
                       (what, err, state))
        if state == "on":
            K.off()
    said = [ln for ln in kmsg_lines(log)
            if "scheme 0:" in ln and "does nothing" in ln]
    os.close(log)
    if not said:
        bad.append("the kernel log did not say a setting does nothing")
    # The same schemes are fine where they make sense.
    for ops, action in (("paddr", "lru_prio"), ("vaddr", "willneed"),
                        ("paddr", "migrate_cold")):
        one_scheme(ops, action=action, nid=0, **NOTHING)
        err = try_write(K.dir + "/state", "on")
        if err:
            bad.append("%s on %s: 'on' gave %s" % (action, ops, err))
        K.off()
    if bad:
        raise Fail("; ".join(bad))
    return "%d refused, %d taken" % (len(BAD_ON), len(NOOP_ON))


def test_bad_commit():
    one_scheme("paddr", action="stat")
    K.on()
    pid = read(K.dir + "/pid")
    before = K.stats()
    bad = []
    for what, ops, scheme, want in BAD_ON:
        if ops != "paddr":
            continue
        s = dict(NOTHING, action="stat")
        s.update(scheme)
        try:
            K.set_scheme(0, s)
        except OSError as e:
            if errno_name(e.errno) != want:
                bad.append("%s: a write gave %s, want %s" % (
                    what, errno_name(e.errno), want))
            continue
        err = try_write(K.dir + "/state", "commit")
        if err != want:
            bad.append("%s: commit gave %s, want %s" % (what, err or "ok",
                                                        want))
        if read(K.dir + "/state") != "on" or read(K.dir + "/pid") != pid:
            raise Fail("%s: the kdamond did not survive a refused commit" %
                       what)
    # The running scheme is still the stat scheme: it keeps counting.
    K.set_scheme(0, {"action": "stat"})
    after = K.stats()
    if after["nr_tried"] <= before["nr_tried"]:
        bad.append("the scheme stopped after the refused commits")
    if after["sz_applied"]:
        bad.append("a refused commit's action ran (sz_applied %d)" %
                   after["sz_applied"])
    # What 6.12 takes, a commit takes too.
    for what, ops, scheme in NOOP_ON:
        if ops != "paddr":
            continue
        s = dict(NOTHING, action="stat")
        s.update(scheme)
        K.set_scheme(0, s)
        err = try_write(K.dir + "/state", "commit")
        if err:
            bad.append("%s: commit gave %s, want ok as 6.12" % (what, err))
    K.set_scheme(0, {"action": "stat"})
    K.cmd("commit")
    if read(K.dir + "/state") != "on" or read(K.dir + "/pid") != pid:
        bad.append("the kdamond changed after the commits")
    if bad:
        raise Fail("; ".join(bad))


def test_commands_need_running():
    one_scheme()
    bad = []
    for word in ("commit", "commit_schemes_quota_goals",
                 "update_schemes_stats", "update_schemes_tried_bytes",
                 "update_schemes_tried_regions",
                 "clear_schemes_tried_regions",
                 "update_schemes_effective_quotas"):
        err = try_write(K.dir + "/state", word)
        if err != "EINVAL":
            bad.append("%s while off: %s, want EINVAL" % (word, err or "ok"))
    if bad:
        raise Fail("; ".join(bad))


def test_stats_and_tried_regions():
    one_scheme()
    K.on()
    # The first application comes after the first aggregation.
    wait_for(lambda: K.stats()["nr_tried"], 10)
    s1 = K.stats()
    if not s1["nr_tried"] or s1["sz_tried"] < s1["nr_tried"] * PAGE:
        raise Fail("stats after start: %s" % s1)
    if s1["nr_applied"] or s1["sz_applied"] or s1["qt_exceeds"]:
        raise Fail("a stat scheme applied something: %s" % s1)
    total, regions = K.tried_regions()
    if not regions or total != sum(e - s for s, e, _, _ in regions):
        raise Fail("total_bytes %d, regions %d bytes in %d" % (
            total, sum(e - s for s, e, _, _ in regions), len(regions)))
    last = 0
    for s, e, _, _ in regions:
        if s < last or e <= s or s % PAGE or e % PAGE:
            raise Fail("tried regions overlap, are empty or unaligned")
        last = e
    # A tried region's files are read-only, sz_filter_passed too.
    d = S + "/tried_regions"
    first = min((n for n in os.listdir(d) if n.isdigit()), key=int)
    f = "%s/%s/sz_filter_passed" % (d, first)
    before = read(f)
    err = try_write(f, "1")
    if err != "EACCES" or read(f) != before:
        raise Fail("tried_regions/%s/sz_filter_passed <- '1': %s, want "
                   "EACCES (reads %s, was %s)" % (first, err or "ok",
                                                  read(f), before))
    if K.tried_bytes() != total:
        raise Fail("update_schemes_tried_bytes: %d, regions %d" % (
            K.tried_bytes(), total))
    # A fresh update replaces the regions rather than adding to them.
    total2, regions2 = K.tried_regions()
    if total2 > 2 * total or total2 != sum(e - s for s, e, _, _ in regions2):
        raise Fail("a second update gave %d bytes after %d" % (total2,
                                                              total))
    K.cmd("clear_schemes_tried_regions")
    left = [n for n in os.listdir(d) if n.isdigit()]
    if left or read_int(d + "/total_bytes"):
        raise Fail("clear left %d regions, total_bytes %s" % (
            len(left), read(d + "/total_bytes")))
    # Stats survive a commit of the same scheme, and of a new one beside.
    write(K.ctx + "/schemes/nr_schemes", 2)
    for i in (0, 1):
        K.set_scheme(i, {"action": "stat"})
    K.cmd("commit")
    s2 = K.stats(0)
    if s2["nr_tried"] < s1["nr_tried"]:
        raise Fail("commit reset the stats: %d then %d tries" % (
            s1["nr_tried"], s2["nr_tried"]))
    if not wait_for(lambda: K.stats(1)["nr_tried"], 10):
        raise Fail("a scheme added by commit is not tried")
    write(K.ctx + "/schemes/nr_schemes", 1)
    K.set_scheme(0, {"action": "stat"})
    K.cmd("commit")
    if K.stats(0)["nr_tried"] < s2["nr_tried"]:
        raise Fail("removing scheme 1 reset scheme 0's stats")
    return "%d regions" % len(regions)


def main():
    require_damos()
    t = Tap()
    t.run("schemes tree and file modes", test_tree)
    t.run("schemes default values", test_defaults)
    t.run("every keyword and number format is taken", test_keywords)
    t.run("bad values are refused and change nothing", test_bad_values)
    t.run("'on' refuses invalid schemes, takes what 6.12 takes",
          test_bad_on)
    t.run("a refused commit keeps the running schemes", test_bad_commit)
    t.run("scheme commands need a running kdamond",
          test_commands_need_running)
    t.run("stats and tried regions of a stat scheme",
          test_stats_and_tried_regions)
    t.finish()


if __name__ == "__main__":
    main()
