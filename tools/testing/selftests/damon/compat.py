#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Compatibility with the way Linux 6.12 and the tools written for it drive
DAMON, DAMOS, the DAMON modules and memory.reclaim.

Each check writes what an upstream-6.12 user (a person at a shell, or a
tool such as a DAMON user-space front end) writes, and expects what 6.12
does with it:

  targets     a vaddr kdamond stays on while its target is a zombie and
              stops by itself once the target is reaped; a paddr kdamond
              with no target and a vaddr one whose target is a kernel
              thread stay on
  nr_*        writing any nr_* file, even with the number it holds, replaces
              the children with fresh ones holding default values
  counts      no cap but memory on the numbered directories (5000 targets,
              100000 regions, 300 kdamonds, 300 schemes; a tenth of that
              with DAMON_KSFT_SMALL=1, which the harness sets for the
              debug kernel, whose KASAN and lockdep make each directory
              cost a hundred times more under emulation); a count too big
              to allocate fails with ENOMEM and changes nothing
  accepted    "on" and "commit" take settings that do nothing on the
              context's operations set (actions, filters, migration to no
              node), out-of-order watermarks, a goal with no target, zero
              sampling and update intervals; like the base 6.12.118, they
              refuse an empty region and regions that share a page
  tools       a pageout scheme written as a user-space tool writes one
  tried       update_schemes_tried_bytes removes the tried_regions/<R>/
              directories an earlier update_schemes_tried_regions made
  trace       the fields of the damon tracepoints, in 6.12's order
  reclaim     memory.reclaim reads sizes as memparse() does (hexadecimal,
              octal, suffixes, under a page: nothing to do), takes a
              repeated or hexadecimal swappiness= and refuses what 6.12
              refuses
  modules     DAMON_RECLAIM and DAMON_LRU_SORT, given region 0 and 0, write
              the range they monitor (the biggest System RAM resource,
              exclusive end) back to monitor_region_start/end
  boot        damon_reclaim.* and damon_lru_sort.* on the kernel command
              line (harness/boot-params in `make check`): read-only ones
              are refused and logged, bad values are refused and logged
              and leave the default, good ones are taken

It needs no accessed bits: nothing here waits for DAMON to see accesses.
"""

import ctypes
import errno
import mmap
import os
import re
import select
import sys
import time

from damos_helpers import (KDAMONDS, MIB, UINT_MAX, ULONG_MAX, Child,
                           DamonModule, Fail, Kdamond, Skip, Tap,
                           at_cleanup, avail_operations, biggest_ram,
                           cleanup, is_kdamond, make_cgroup, memcg_stat,
                           read, read_int, scratch_dir, skip_all,
                           timed_write, try_write, write)

K = Kdamond()
C = K.ctx
T = C + "/targets/0"
S = K.scheme_dir(0)
STATE = K.dir + "/state"
# The default monitoring attributes of a tool, and fast enough here.
ATTRS = {"sample_us": 5000, "aggr_us": 100000, "update_us": 1000000}
# An access pattern no region matches: accepted schemes do nothing.
NOTHING = {"nr": (UINT_MAX, UINT_MAX)}
MEMCG = "damon-compat-memcg"
OPS = []

# ---- kdamond state ----------------------------------------------------------


def state():
    """kdamonds/0/state; reading it only tries the sysfs lock."""
    for _ in range(50):
        try:
            return read(STATE)
        except OSError as e:
            if e.errno != errno.EBUSY:
                raise
            time.sleep(0.02)
    return read(STATE)


def cmd(word):
    """Write a state command; None on success or the errno name."""
    return timed_write(STATE, word)


def turn_on(what):
    err = cmd("on")
    if err:
        raise Fail("%s: 'on' failed with %s" % (what, err))
    if not wait_state("on", 2):
        raise Fail("%s: 'on' returned, but state reads %s" % (what, state()))


def wait_state(word, timeout_s):
    end = time.monotonic() + timeout_s
    while True:
        if state() == word:
            return True
        if time.monotonic() >= end:
            return False
        time.sleep(0.05)


def stays_on(what, seconds=1.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < seconds:
        if state() != "on":
            raise Fail("%s: the kdamond stopped by itself %.1f s after 'on'"
                       % (what, time.monotonic() - t0))
        time.sleep(0.1)


def need_ops(ops):
    if ops not in OPS:
        raise Skip("no %s operations set" % ops)


# ---- 1. target lifetime -----------------------------------------------------


def proc_state(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rpartition(")")[2].split()[0]
    except OSError:
        return None


def reap(pid):
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


def test_zombie_target():
    need_ops("vaddr")
    sys.stdout.flush()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    at_cleanup(reap, pid)
    if not wait_for_zombie(pid):
        raise Fail("child %d is no zombie: state %s" % (pid, proc_state(pid)))
    K.setup("vaddr", [{"pid": pid}], [], **ATTRS)
    turn_on("a zombie target")
    stays_on("a zombie target")
    os.waitpid(pid, 0)
    t0 = time.monotonic()
    if not wait_state("off", 10):
        raise Fail("the target was reaped, but the kdamond still runs "
                   "after 10 s")
    return "stopped %.1f s after the target was reaped" % (
        time.monotonic() - t0)


def wait_for_zombie(pid):
    end = time.monotonic() + 5
    while proc_state(pid) != "Z":
        if time.monotonic() >= end:
            return False
        time.sleep(0.02)
    return True


def test_no_target():
    need_ops("paddr")
    K.setup("paddr", [], [], **ATTRS)
    turn_on("paddr with nr_targets 0")
    stays_on("paddr with nr_targets 0")


PF_KTHREAD = 0x00200000


def test_kthread_target():
    need_ops("vaddr")
    pid = 2
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rpartition(")")[2].split()
    if not int(fields[6]) & PF_KTHREAD:
        raise Skip("pid 2 is no kernel thread here")
    K.setup("vaddr", [{"pid": pid}], [], **ATTRS)
    turn_on("a kernel thread target")
    stays_on("a kernel thread target")
    return "target %d (%s)" % (pid, read("/proc/%d/comm" % pid))


# ---- 2. nr_* files replace their children -----------------------------------


def build_tree():
    """kdamonds/0 with one of everything, and two regions."""
    write(KDAMONDS + "/nr_kdamonds", 1)
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    write(K.dir + "/contexts/nr_contexts", 1)
    write(C + "/targets/nr_targets", 1)
    write(T + "/regions/nr_regions", 2)
    write(C + "/schemes/nr_schemes", 1)
    write(S + "/filters/nr_filters", 1)
    write(S + "/quotas/goals/nr_goals", 1)


def rel(path):
    return os.path.relpath(path, KDAMONDS)


# (name, nr file, its count, [(file below it, value to write or None,
# default)])
RESETS = [
    ("nr_kdamonds", KDAMONDS + "/nr_kdamonds", 1,
     [(K.dir + "/contexts/nr_contexts", None, "0")]),
    ("contexts/nr_contexts", K.dir + "/contexts/nr_contexts", 1,
     [(C + "/operations", "paddr", "vaddr")]),
    ("targets/nr_targets", C + "/targets/nr_targets", 1,
     [(T + "/pid_target", os.getpid(), "0")]),
    ("regions/nr_regions", T + "/regions/nr_regions", 2,
     [(T + "/regions/0/end", 8192, "0"), (T + "/regions/0/start", 4096, "0")]),
    ("schemes/nr_schemes", C + "/schemes/nr_schemes", 1,
     [(S + "/action", "pageout", "stat")]),
    ("filters/nr_filters", S + "/filters/nr_filters", 1,
     [(S + "/filters/0/type", "memcg", "anon")]),
    ("quotas/goals/nr_goals", S + "/quotas/goals/nr_goals", 1,
     [(S + "/quotas/goals/0/target_value", 123, "0")]),
]


def test_reset(nr_file, nr, values):
    build_tree()
    for path, value, _ in values:
        if value is not None:
            write(path, value)
    before = {path: read(path) for path, _, _ in values}
    write(nr_file, nr)
    bad = []
    if read(nr_file) != str(nr):
        bad.append("%s reads %s" % (rel(nr_file), read(nr_file)))
    for path, _, default in values:
        try:
            got = read(path)
        except OSError as e:
            bad.append("%s: %s" % (rel(path), e.strerror))
            continue
        if got != default:
            bad.append("%s still reads %s, want the default %s" % (
                rel(path), got, default))
    if bad:
        raise Fail("after writing %d to %s again: %s" % (
            nr, rel(nr_file), "; ".join(bad)))
    return "; ".join("%s %s -> %s" % (rel(p), before[p], d)
                     for p, _, d in values)


# ---- 3. counts --------------------------------------------------------------

# An int, as the nr_* files take, whose array of children cannot be
# allocated (16 GiB of pointers).  A bigger number fails kstrtoint() with
# ERANGE, in 6.12 too.  (6.12 removes the old children before it finds
# that it cannot make the new ones; ours keeps them, which
# test_huge_count_unchanged checks.)
HUGE_NR = (1 << 31) - 1


def count_dirs(path):
    return sum(1 for n in os.listdir(path) if n.isdigit())


def grow(nr_file, nr):
    t0 = time.monotonic()
    err = try_write(nr_file, nr)
    took = time.monotonic() - t0
    if err:
        raise Fail("%s <- %d failed with %s" % (rel(nr_file), nr, err))
    got = count_dirs(os.path.dirname(nr_file))
    if got != nr or read(nr_file) != str(nr):
        raise Fail("%s <- %d: %d directories, the file reads %s" % (
            rel(nr_file), nr, got, read(nr_file)))
    return took


# The counts 6.12 takes: nr_targets, nr_regions, nr_kdamonds, nr_schemes.
COUNTS = (5000, 100000, 300, 300)
if os.environ.get("DAMON_KSFT_SMALL") == "1":
    COUNTS = tuple(n // 10 for n in COUNTS)


def test_many_targets_regions():
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    write(KDAMONDS + "/nr_kdamonds", 1)
    write(K.dir + "/contexts/nr_contexts", 1)
    t1 = grow(C + "/targets/nr_targets", COUNTS[0])
    write(C + "/targets/nr_targets", 1)
    t2 = grow(T + "/regions/nr_regions", COUNTS[1])
    t0 = time.monotonic()
    write(T + "/regions/nr_regions", 0)
    write(C + "/targets/nr_targets", 0)
    return "%d targets in %.1f s, %d regions in %.1f s (removed in " \
        "%.1f s)" % (COUNTS[0], t1, COUNTS[1], t2, time.monotonic() - t0)


def test_many_kdamonds_schemes():
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    t1 = grow(KDAMONDS + "/nr_kdamonds", COUNTS[2])
    write(KDAMONDS + "/nr_kdamonds", 1)
    write(K.dir + "/contexts/nr_contexts", 1)
    t2 = grow(C + "/schemes/nr_schemes", COUNTS[3])
    write(C + "/schemes/nr_schemes", 0)
    write(KDAMONDS + "/nr_kdamonds", 0)
    return "%d kdamonds in %.1f s, %d schemes in %.1f s" % (
        COUNTS[2], t1, COUNTS[3], t2)


REGIONS = [(4096, 8192), (12288, 16384)]


def two_regions():
    at_cleanup(write, KDAMONDS + "/nr_kdamonds", 0)
    write(KDAMONDS + "/nr_kdamonds", 1)
    write(K.dir + "/contexts/nr_contexts", 1)
    write(C + "/targets/nr_targets", 1)
    write(T + "/regions/nr_regions", len(REGIONS))
    for i, (start, end) in enumerate(REGIONS):
        write("%s/regions/%d/end" % (T, i), end)
        write("%s/regions/%d/start" % (T, i), start)
    return try_write(T + "/regions/nr_regions", HUGE_NR)


def test_huge_count_enomem():
    err = two_regions()
    if err != "ENOMEM":
        raise Fail("nr_regions <- %d: %s, want ENOMEM" % (HUGE_NR,
                                                          err or "ok"))


def test_huge_count_unchanged():
    err = two_regions()
    nr = read(T + "/regions/nr_regions")
    dirs = count_dirs(T + "/regions")
    got = []
    for i in range(dirs):
        got.append((read_int("%s/regions/%d/start" % (T, i)),
                    read_int("%s/regions/%d/end" % (T, i))))
    if nr != str(len(REGIONS)) or got != REGIONS:
        raise Fail("after nr_regions <- %d (%s): nr_regions reads %s, "
                   "regions %s, want %s" % (HUGE_NR, err or "ok", nr, got,
                                            REGIONS))
    return "the write failed with %s" % (err or "nothing")


# ---- 4. what "on" and "commit" take -----------------------------------------

_buf = []


def own_range():
    """A mapping of this process, for fvaddr targets."""
    if not _buf:
        m = mmap.mmap(-1, MIB, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        m[:] = b"\1" * MIB
        _buf.append((m, ctypes.addressof(ctypes.c_char.from_buffer(m))))
    addr = _buf[0][1]
    return addr, addr + MIB


def base_targets(ops):
    if ops == "paddr":
        lo = biggest_ram()[0]
        return [{"regions": [(lo, lo + 16 * MIB)]}]
    if ops == "fvaddr":
        return [{"pid": os.getpid(), "regions": [own_range()]}]
    return [{"pid": os.getpid()}]


def write_running(regions, scheme, attrs):
    """Write a case to the context of a running kdamond: its intervals, the
    regions of target 0 (unless None) and scheme 0."""
    a = C + "/monitoring_attrs/intervals/"
    write(a + "sample_us", attrs["sample_us"])
    write(a + "aggr_us", attrs["aggr_us"])
    write(a + "update_us", attrs["update_us"])
    if regions is not None:
        write(T + "/regions/nr_regions", len(regions))
        for j, (start, end) in enumerate(regions):
            write("%s/regions/%d/end" % (T, j), end)
            write("%s/regions/%d/start" % (T, j), start)
    K.set_scheme(0, scheme)


def probe_target_idx(scheme):
    """Skip if the damon_target_idx file itself refuses the value: that is
    a check at write time, not at "on"."""
    for f in scheme.get("filters", []):
        if "idx" in f:
            build_tree()
            err = try_write(S + "/filters/0/damon_target_idx", f["idx"])
            write(KDAMONDS + "/nr_kdamonds", 0)
            if err:
                raise Skip("damon_target_idx refuses %d when written: %s" %
                           (f["idx"], err))


def test_accepted(ops, scheme, kw):
    """kw: attrs (intervals to change), regions (of target 0), memcg (make
    the cgroup the filter names)."""
    attrs, regions = kw.get("attrs"), kw.get("regions")
    need_ops(ops)
    probe_target_idx(scheme)
    if kw.get("memcg"):
        make_cgroup(MEMCG)
    targets = base_targets(ops)
    case_targets = targets
    if regions is not None:
        case_targets = [dict(targets[0], regions=regions)]
    s = dict(NOTHING, action="stat")
    s.update(scheme)
    a = dict(ATTRS)
    a.update(attrs or {})
    bad = []
    # "commit": a plain kdamond of the same operations set, then the case.
    K.setup(ops, targets, [dict(NOTHING, action="stat")], **ATTRS)
    err = cmd("on")
    if err:
        raise Fail("a plain %s kdamond does not start: %s" % (ops, err))
    try:
        write_running(regions, s, a)
        err = cmd("commit")
        if err:
            bad.append("'commit' failed with %s" % err)
        elif state() != "on":
            bad.append("the kdamond stopped after 'commit'")
    except OSError as e:
        bad.append("writing it to a running kdamond: %s" % e)
    K.off()
    # "on" with the case.
    try:
        K.setup(ops, case_targets, [s], **a)
        err = cmd("on")
        if err:
            bad.append("'on' failed with %s" % err)
        elif not wait_state("on", 2):
            bad.append("after 'on' state reads %s" % state())
    except OSError as e:
        bad.append("writing it: %s" % e)
    K.off()
    if bad:
        raise Fail("; ".join(bad))


def flt(ftype, **kw):
    f = {"type": ftype, "matching": True}
    f.update(kw)
    return {"filters": [f]}


# (name, ops, scheme, what else test_accepted changes)
ACCEPTED = [
    ("lru_prio on vaddr (an action vaddr does not apply)", "vaddr",
     {"action": "lru_prio"}, {}),
    ("hugepage on paddr (an action paddr does not apply)", "paddr",
     {"action": "hugepage"}, {}),
    ("migrate_hot with target_nid -1", "paddr",
     {"action": "migrate_hot", "nid": -1}, {}),
    ("an anon filter on vaddr", "vaddr", flt("anon"), {}),
    ("an anon filter on fvaddr", "fvaddr", flt("anon"), {}),
    ("a memcg filter on vaddr", "vaddr", flt("memcg", memcg="/" + MEMCG),
     {"memcg": True}),
    ("a memcg filter on fvaddr", "fvaddr", flt("memcg", memcg="/" + MEMCG),
     {"memcg": True}),
    ("a young filter on vaddr", "vaddr", flt("young"), {}),
    ("a young filter on fvaddr", "fvaddr", flt("young"), {}),
    ("a target filter with damon_target_idx -1", "vaddr",
     flt("target", idx=-1), {}),
    ("watermarks out of order (high 100, mid 500, low 900)", "paddr",
     {"wmarks": {"metric": "free_mem_rate", "interval": 100000,
                 "high": 100, "mid": 500, "low": 900}}, {}),
    ("a quota goal with target_value 0", "paddr",
     {"quota": {"reset_ms": 1000, "goals": [("user_input", 0, 5)]}}, {}),
    ("sample_us 0", "paddr", {}, {"attrs": {"sample_us": 0}}),
    ("update_us 0", "vaddr", {}, {"attrs": {"update_us": 0}}),
]

# Regions that the base kernel (6.12.118) refuses at "on" with EINVAL, in
# damon_set_regions(): so must we.
REFUSED_REGIONS = [
    ("a region with start == end (4096, 4096)", [(4096, 4096)]),
    ("regions [0x1000, 0x1800) and [0x1800, 0x3000), which share a page",
     [(0x1000, 0x1800), (0x1800, 0x3000)]),
]


def test_refused_regions(regions):
    need_ops("paddr")
    targets = [dict(base_targets("paddr")[0], regions=regions)]
    K.setup("paddr", targets, [dict(NOTHING, action="stat")], **ATTRS)
    err = cmd("on")
    st = state()
    K.off()
    if err != "EINVAL" or st != "off":
        raise Fail("'on' gave %s (state %s), want EINVAL as 6.12" %
                   (err or "ok", st))


# ---- 5. a scheme as a tool writes it ----------------------------------------


def test_tool_pageout():
    need_ops("vaddr")
    c = Child()
    c.anon("buf", 4 * MIB)
    c.call("touch", "buf")
    aggr = ATTRS["aggr_us"]
    # "pageout memory of any size not accessed (0-0%) for 2 s or more".
    s = {"action": "pageout", "sz": (0, ULONG_MAX), "nr": (0, 0),
         "age": (2000000 // aggr, UINT_MAX),
         "quota": {"ms": 100, "bytes": 100 * MIB, "reset_ms": 1000}}
    K.setup("vaddr", [{"pid": c.pid}], [s], **ATTRS)
    turn_on("the pageout scheme")
    return "age min %d aggregation intervals" % (2000000 // aggr)


# ---- 6. tried bytes after tried regions -------------------------------------


def test_tried_bytes_clears():
    need_ops("vaddr")
    K.setup("vaddr", [{"pid": os.getpid()}], [{"action": "stat"}],
            sample_us=1000, aggr_us=10000)
    K.on()
    total, regions = K.tried_regions()
    if not regions:
        raise Fail("update_schemes_tried_regions made no region directory "
                   "(total_bytes %d)" % total)
    K.cmd("update_schemes_tried_bytes")
    d = S + "/tried_regions"
    left = [n for n in os.listdir(d) if n.isdigit()]
    total2 = read_int(d + "/total_bytes")
    note = "%d regions (%d KiB), then total_bytes %d KiB" % (
        len(regions), total >> 10, total2 >> 10)
    if left:
        raise Fail("%d tried_regions/<R> directories are left after "
                   "update_schemes_tried_bytes: %s" % (len(left), note))
    if not total2:
        raise Fail("update_schemes_tried_bytes left total_bytes 0: " + note)
    return note


# ---- 7. tracepoint formats --------------------------------------------------

TRACING = "/sys/kernel/tracing"
FORMATS = {
    "damos_before_apply": [
        ("unsigned int", "context_idx"), ("unsigned int", "scheme_idx"),
        ("unsigned long", "target_idx"), ("unsigned long", "start"),
        ("unsigned long", "end"), ("unsigned int", "nr_accesses"),
        ("unsigned int", "age"), ("unsigned int", "nr_regions")],
    "damon_aggregated": [
        ("unsigned long", "target_id"), ("unsigned int", "nr_regions"),
        ("unsigned long", "start"), ("unsigned long", "end"),
        ("unsigned int", "nr_accesses"), ("unsigned int", "age")],
}


def mount_tracefs():
    if os.path.isdir(TRACING + "/events"):
        return
    if not os.path.isdir(TRACING):
        raise Skip("no tracefs in this kernel")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.mount(b"nodev", TRACING.encode(), b"tracefs", 0, None):
        raise Skip("cannot mount tracefs: %s" %
                   os.strerror(ctypes.get_errno()))


def event_fields(event):
    """The (type, name) of each field of a damon event, past common_*."""
    path = "%s/events/damon/%s/format" % (TRACING, event)
    if not os.path.exists(path):
        raise Fail("no %s" % path)
    fields = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line.startswith("field:"):
                continue
            decl = line[len("field:"):].partition(";")[0].strip()
            ftype, _, name = decl.rpartition(" ")
            if not name.startswith("common_"):
                fields.append((ftype, name))
    return fields


def test_format(event):
    mount_tracefs()
    got = event_fields(event)
    want = FORMATS[event]
    if got != want:
        raise Fail("fields %s, want %s" % (
            ", ".join("%s %s" % f for f in got),
            ", ".join("%s %s" % f for f in want)))
    return "%d fields" % len(got)


# ---- 8. memory.reclaim input ------------------------------------------------

CACHE_SIZE = 4 * MIB
# Octal for 2 MiB; read as decimal, 10000000 bytes, more than the cgroup
# holds (swappiness=0: its page cache only).
OCTAL = "010000000"


def _cache_child(cgroup, path, size, rfd, wfd):
    with open(cgroup + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
    chunk = b"\x5a" * (64 << 10)
    for off in range(0, size, len(chunk)):
        os.pwrite(fd, chunk, off)
    os.fsync(fd)
    while True:
        for off in range(0, size, len(chunk)):
            os.pread(fd, len(chunk), off)
        os.write(wfd, b"k")
        if not os.read(rfd, 1):
            return


class CacheHolder:
    """A process in a cgroup that writes a file, syncs it and reads it back
    (so that the cgroup holds its clean page cache), and reads it again
    whenever asked."""

    def __init__(self, cgroup, path, size):
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                os.close(w1)
                os.close(r2)
                _cache_child(cgroup, path, size, r1, w2)
                code = 0
            except BaseException:
                pass
            os._exit(code)
        os.close(r1)
        os.close(w2)
        self.pid, self.cmds, self.answers = pid, w1, r2
        at_cleanup(_unlink, path)
        at_cleanup(self.stop)
        self.wait()

    def wait(self):
        if not select.select([self.answers], [], [], 60)[0]:
            raise Fail("the page cache holder does not answer")
        if os.read(self.answers, 1) != b"k":
            raise Fail("the page cache holder failed")

    def fill(self):
        os.write(self.cmds, b"f")
        self.wait()

    def stop(self):
        for fd in (self.cmds, self.answers):
            try:
                os.close(fd)
            except OSError:
                pass
        reap(self.pid)


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


_reclaim = {}


def reclaim_env():
    """The two cgroups: "full" with CACHE_SIZE of clean page cache, and
    "empty" with nothing.  Made once for all the memory.reclaim lines."""
    if "error" in _reclaim:
        raise _reclaim["error"]
    if not _reclaim:
        try:
            d = scratch_dir()
            full = make_cgroup("damon-compat-cache")
            empty = make_cgroup("damon-compat-empty")
            if not os.path.exists(full + "/memory.reclaim"):
                raise Skip("no memory.reclaim")
            holder = CacheHolder(full, d + "/damon-compat-cache", CACHE_SIZE)
            _reclaim.update(full=full, empty=empty, holder=holder)
        except (Skip, Fail) as e:
            _reclaim["error"] = e
            raise
    return _reclaim


def test_reclaim(where, value, want):
    env = reclaim_env()
    path = env[where] + "/memory.reclaim"
    note = ""
    if where == "full" and want is None:
        env["holder"].fill()
        cache = memcg_stat(env["full"], "file")
        note = "the cgroup held %d KiB of page cache" % (cache >> 10)
        if cache < CACHE_SIZE * 3 // 4:
            raise Fail("the cgroup holds only %d KiB of page cache" %
                       (cache >> 10))
    err = timed_write(path, value)
    if err != want:
        raise Fail("%r: %s, want %s%s" % (value, err or "success",
                                          want or "success",
                                          "; " + note if note else ""))
    return note


# (name, cgroup, value, errno or None)
RECLAIM = [
    ("hexadecimal '0x100000'", "full", "0x100000", None),
    ("octal '%s swappiness=0' (2 MiB)" % OCTAL, "full",
     OCTAL + " swappiness=0", None),
    ("'64K'", "full", "64K", None),
    ("'1M'", "full", "1M", None),
    ("'0G' on an empty cgroup", "empty", "0G", None),
    ("'100' (under a page: nothing to do) on an empty cgroup", "empty",
     "100", None),
    ("'1M swappiness=10 swappiness=20' (the last one counts)", "full",
     "1M swappiness=10 swappiness=20", None),
    ("'1M swappiness=0x10'", "full", "1M swappiness=0x10", None),
    ("'max' on an empty cgroup (our extension)", "empty", "max", None),
]
RECLAIM_BAD = [
    ("'abc'", "full", "abc", "EINVAL"),
    ("'1M swappiness=201'", "full", "1M swappiness=201", "EINVAL"),
    ("'1M foo=1'", "full", "1M foo=1", "EINVAL"),
]


# ---- 9. the modules' monitored range ----------------------------------------

MODULES = ("damon_reclaim", "damon_lru_sort")
# The modules whose parameters the boot may set.
PARAM_MODULES = MODULES + ("damon_stat", "damon_tier")


def quiet_damon():
    """No module and no sysfs kdamond runs."""
    for name in PARAM_MODULES:
        m = DamonModule(name)
        if m.present() and m.enabled():
            m.disable()
    write(KDAMONDS + "/nr_kdamonds", 0)


def test_module_range(name):
    # (6.12 writes the resource's last byte, an inclusive end, to
    # monitor_region_end; ours the exclusive end the parameter means.)
    m = DamonModule(name)
    if not m.present():
        raise Skip("no %s" % name)
    quiet_damon()
    ram = biggest_ram()
    m.set("monitor_region_start", 0)
    m.set("monitor_region_end", 0)
    m.enable()
    got = (m.get_int("monitor_region_start"), m.get_int("monitor_region_end"))
    m.disable()
    if got != ram:
        raise Fail("monitor_region_start/end read %#x/%#x, want %#x/%#x (the "
                   "biggest System RAM, exclusive end)" % (got + ram))
    return "%#x-%#x" % ram


# ---- 10. parameters on the kernel command line ------------------------------

BOOLS = ("enabled", "commit_inputs", "skip_anon",
         "autotune_monitoring_intervals")
COMMON = {
    "enabled": "N", "commit_inputs": "N", "quota_ms": "10",
    "quota_reset_interval_ms": "1000", "wmarks_interval": "5000000",
    "sample_interval": "5000", "aggr_interval": "100000",
    "min_nr_regions": "10", "max_nr_regions": "1000",
    "monitor_region_start": "0", "monitor_region_end": "0",
    "autotune_monitoring_intervals": "N",
}
DEFAULTS = {
    "damon_reclaim": dict(COMMON, min_age="120000000", quota_sz="134217728",
                          quota_mem_pressure_us="0",
                          quota_autotune_feedback="0", wmarks_high="500",
                          wmarks_mid="400", wmarks_low="200", skip_anon="N"),
    "damon_lru_sort": dict(COMMON, hot_thres_access_freq="500",
                           cold_min_age="120000000", wmarks_high="200",
                           wmarks_mid="150", wmarks_low="50"),
    "damon_stat": {"enabled": "N"},
    "damon_tier": {"enabled": "N", "commit_inputs": "N",
                   "promote_target_used_bp": "9970",
                   "demote_target_free_bp": "50", "quota_mb_per_s": "256",
                   "min_age_ms": "5000", "sample_interval": "5000",
                   "aggr_interval": "100000", "min_nr_regions": "10",
                   "max_nr_regions": "1000",
                   "autotune_monitoring_intervals": "N"},
}
# Numbers that must also lie in a range, or are refused.
RANGES = {"promote_target_used_bp": (1, 10000),
          "demote_target_free_bp": (1, 10000)}
NUMBER_RE = re.compile(r"\+?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


def cmdline_params():
    """(module, parameter, value or None) of the command line, in order."""
    out = []
    for tok in read("/proc/cmdline").split():
        name, eq, value = tok.partition("=")
        mod, dot, param = name.partition(".")
        if dot and mod in PARAM_MODULES:
            out.append((mod, param, value if eq else None))
    return out


def parsed(param, value):
    """What a writable parameter reads once given value at boot, or None if
    the value is refused."""
    if param in BOOLS:
        v = "1" if value is None else value
        c, c2 = v[:1].lower(), v[1:2].lower()
        if c in ("y", "1") or (c == "o" and c2 == "n"):
            return "Y"
        if c in ("n", "0") or (c == "o" and c2 == "f"):
            return "N"
        return None
    m = NUMBER_RE.fullmatch(value or "")
    if not m:
        return None
    s = m.group(1)
    if s[:2].lower() == "0x":
        n = int(s[2:], 16)
    elif s[0] == "0" and len(s) > 1:
        n = int(s[1:], 8)
    else:
        n = int(s)
    lo, hi = RANGES.get(param, (0, ULONG_MAX))
    return str(n) if lo <= n <= hi else None


_kmsg = {}


def kernel_log():
    """The kernel log as lines, and whether it still starts at the boot."""
    if not _kmsg:
        lines, first = [], None
        try:
            fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            _kmsg.update(lines=[], whole=False)
            return [], False
        try:
            while True:
                try:
                    rec = os.read(fd, 8192)
                except BlockingIOError:
                    break
                except BrokenPipeError:
                    continue
                if not rec:
                    break
                head, _, msg = rec.decode("utf-8", "replace").partition(";")
                if first is None:
                    first = int(head.split(",")[1])
                lines.append(msg.split("\n")[0])
        finally:
            os.close(fd)
        _kmsg.update(lines=lines, whole=first == 0)
    return _kmsg["lines"], _kmsg["whole"]


def logged(mod, param):
    """Whether the kernel log names the parameter (None: cannot tell)."""
    lines, whole = kernel_log()
    full = "%s.%s" % (mod, param)
    for line in lines:
        if full in line:
            return True
    return None if not whole else False


def boot_given(read_only):
    given = [(m, p, v) for m, p, v in cmdline_params()
             if os.path.exists("%s/%s" % (DamonModule(m).dir, p)) and
             (not os.stat("%s/%s" % (DamonModule(m).dir, p)).st_mode & 0o200)
             == read_only]
    unknown = [(m, p) for m, p, _ in cmdline_params()
               if DamonModule(m).present() and
               not os.path.exists("%s/%s" % (DamonModule(m).dir, p))]
    if unknown:
        raise Fail("the command line sets parameters the modules lack: %s" %
                   ", ".join("%s.%s" % u for u in unknown))
    if not given:
        raise Skip("no %s damon_reclaim.* or damon_lru_sort.* parameter on "
                   "the kernel command line" %
                   ("read-only" if read_only else "writable"))
    return given


def test_boot_read_only():
    # (6.12 ignores a kdamond_pid value silently and takes a statistic's
    # as its start; ours refuses both and says so.)
    bad, unsure = [], []
    given = boot_given(True)
    for mod, param, value in given:
        m = DamonModule(mod)
        got = m.get(param)
        if param == "kdamond_pid":
            ok = got == "-1" if not m.enabled() else is_kdamond(int(got))
        elif param == "node_pairs":
            # DAMON_TIER's FAST:SLOW pairs, as it finds them.
            ok = re.fullmatch(r"([0-9]+:[0-9]+(,|$))*", got) is not None
        else:
            # Numbers; DAMON_STAT's percentiles are a list of them.
            ok = all(v.lstrip("-").isdigit() for v in got.split(","))
        if not ok:
            bad.append("%s.%s=%s: reads %s" % (mod, param, value, got))
        seen = logged(mod, param)
        if seen is None:
            unsure.append("%s.%s" % (mod, param))
        elif not seen:
            bad.append("%s.%s=%s: the kernel log does not mention it" % (
                mod, param, value))
    if bad:
        raise Fail("; ".join(bad))
    note = "%d refused" % len(given)
    if unsure:
        note += " (the log lost the boot: not checked that it says so)"
    return note


def test_boot_writable():
    bad, unsure, notes = [], [], []
    want, refused = {}, set()
    for mod, param, value in boot_given(False):
        key = (mod, param)
        v = parsed(param, value)
        if v is None:
            refused.add(key)
            want.setdefault(key, DEFAULTS[mod].get(param))
        else:
            want[key] = v
    for (mod, param), v in sorted(want.items()):
        got = DamonModule(mod).get(param)
        name = "%s.%s" % (mod, param)
        if param in ("enabled", "commit_inputs") and v == "Y":
            # A start at boot, or a commit: later users change it.
            notes.append("%s=Y not compared" % name)
        elif v is not None and got != v:
            bad.append("%s reads %s, want %s" % (name, got, v))
        if (mod, param) in refused:
            seen = logged(mod, param)
            if seen is None:
                unsure.append(name)
            elif not seen:
                bad.append("%s: its bad value is not in the kernel log" %
                           name)
    if bad:
        raise Fail("; ".join(bad))
    notes.insert(0, "%d parameters, %d bad values refused" % (
        len(want), len(refused)))
    if unsure:
        notes.append("the log lost the boot: not checked that it names %s" %
                     ", ".join(unsure))
    return "; ".join(notes)


# ---- main -------------------------------------------------------------------


def main():
    if os.geteuid():
        skip_all("needs root")
    if not os.path.isdir(KDAMONDS):
        skip_all("no DAMON sysfs interface")
    t = Tap()
    # First, while the parameters are as the boot left them.
    t.run("boot: read-only module parameters on the command line are "
          "refused and logged", test_boot_read_only)
    t.run("boot: writable module parameters on the command line are taken, "
          "bad values refused and logged", test_boot_writable)
    try:
        quiet_damon()
        OPS.extend(avail_operations())
    except OSError as e:
        print("Bail out! cannot stop the kdamonds that run: %s" % e)
        sys.exit(1)

    t.run("a vaddr kdamond stays on while its target is a zombie, and stops "
          "once it is reaped", test_zombie_target)
    t.run("a paddr kdamond with no target stays on", test_no_target)
    t.run("a vaddr kdamond whose target is a kernel thread stays on",
          test_kthread_target)

    for name, nr_file, nr, values in RESETS:
        t.run("writing %s with the count it has resets its children to "
              "defaults" % name, test_reset, nr_file, nr, values)

    t.run("nr_targets %d and nr_regions %d are taken" % COUNTS[:2],
          test_many_targets_regions)
    t.run("nr_kdamonds %d and nr_schemes %d are taken" % COUNTS[2:],
          test_many_kdamonds_schemes)
    t.run("nr_regions %d fails with ENOMEM" % HUGE_NR, test_huge_count_enomem)
    t.run("a refused nr_regions leaves the regions and their values",
          test_huge_count_unchanged)

    for name, ops, scheme, kw in ACCEPTED:
        t.run("'on' and 'commit' take " + name, test_accepted, ops, scheme,
              kw)
    for name, regions in REFUSED_REGIONS:
        t.run("'on' refuses " + name, test_refused_regions, regions)

    t.run("'on' takes a pageout scheme as a tool writes it",
          test_tool_pageout)
    t.run("update_schemes_tried_bytes removes the tried_regions directories",
          test_tried_bytes_clears)
    for event in FORMATS:
        t.run("tracepoint %s has the fields of 6.12" % event, test_format,
              event)

    for name, where, value, want in RECLAIM:
        t.run("memory.reclaim takes " + name, test_reclaim, where, value,
              want, keep=True)
    for name, where, value, want in RECLAIM_BAD:
        t.run("memory.reclaim refuses %s with %s" % (name, want),
              test_reclaim, where, value, want, keep=True)
    cleanup()

    for name in MODULES:
        t.run("%s writes the range it monitors to monitor_region_start/end"
              % name, test_module_range, name)
    t.finish()


if __name__ == "__main__":
    main()
