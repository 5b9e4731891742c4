# SPDX-License-Identifier: GPL-2.0
"""Helpers shared by the DAMOS kselftests.

- TAP output: Tap runs test functions, each one result line; a function
  fails by raising Fail and skips by raising Skip.
- Kdamond: builds a kdamond from plain Python values through
  /sys/kernel/mm/damon/admin, runs state commands (with a time limit, so a
  command that never returns is a failure rather than a hang) and reads
  scheme stats, tried regions and effective quotas back.
- Child: a forked workload process driven over a pipe.  It maps anonymous
  or file memory, touches it once or keeps a part of it hot, joins a
  cgroup, and reports which of its pages are resident (mincore).
- phys_runs(): the physically contiguous runs of a process's pages, from
  /proc/PID/pagemap, for "paddr" targets that cover exactly a workload.

Everything runs in one process, with few programs started: a debug kernel
under emulation pays most of a second for each.
"""

import ctypes
import faulthandler
import mmap
import os
import select
import struct
import sys
import threading
import time
import traceback

ADMIN = "/sys/kernel/mm/damon/admin"
KDAMONDS = ADMIN + "/kdamonds"
CGROUP = "/sys/fs/cgroup"
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1 << 20
ULONG_MAX = (1 << 64) - 1
UINT_MAX = (1 << 32) - 1
KSFT_SKIP = 4
# A state command that takes longer than this is reported as hung.
CMD_TIMEOUT_S = 30
SLOW_CMD_S = 0.5
SLOW_TEST_S = 30


class Fail(Exception):
    """The test found a fault."""


class Skip(Exception):
    """The test cannot run here."""


def write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def read(path):
    with open(path) as f:
        return f.read().strip()


def read_int(path):
    return int(read(path))


def try_write(path, value):
    """Write value; return None on success or the errno name."""
    try:
        write(path, value)
    except OSError as e:
        return errno_name(e.errno)
    return None


def errno_name(err):
    import errno
    return errno.errorcode.get(err, str(err))


def wait_for(cond, timeout_s, step_s=0.05):
    """Poll cond() until it returns a true value or timeout_s passes;
    return its last value."""
    end = time.monotonic() + timeout_s
    while True:
        v = cond()
        if v or time.monotonic() >= end:
            return v
        time.sleep(step_s)


def skip_all(why):
    print("TAP version 13")
    print("1..0 # SKIP " + why)
    sys.exit(KSFT_SKIP)


def require_damos():
    """Skip the whole program unless DAMON's sysfs interface has schemes."""
    if os.geteuid():
        skip_all("needs root")
    if not os.path.isdir(KDAMONDS):
        skip_all("no DAMON sysfs interface")
    try:
        write(KDAMONDS + "/nr_kdamonds", 1)
        write(KDAMONDS + "/0/contexts/nr_contexts", 1)
    except OSError as e:
        skip_all("cannot set up a kdamond: %s" % e)
    schemes = KDAMONDS + "/0/contexts/0/schemes"
    has = False
    try:
        write(schemes + "/nr_schemes", 1)
        has = os.path.isdir(schemes + "/0/stats")
    except OSError:
        pass
    write(KDAMONDS + "/nr_kdamonds", 0)
    if not has:
        skip_all("no DAMOS schemes in the sysfs interface")


class Tap:
    """One TAP result per test function; the plan comes last."""

    def __init__(self):
        self.nr = 0
        self.failed = 0
        self.skipped = 0
        print("TAP version 13", flush=True)

    def result(self, ok, name, note=""):
        self.nr += 1
        if not ok:
            self.failed += 1
        line = "%sok %d %s" % ("" if ok else "not ", self.nr, name)
        if note:
            line += " # " + note.replace("\n", " ")[:300]
        print(line, flush=True)

    def skip(self, name, why):
        self.nr += 1
        self.skipped += 1
        print("ok %d %s # SKIP %s" % (self.nr, name, why), flush=True)

    def run(self, name, fn, *args, keep=False):
        """Run fn(*args) as one test: Fail or any error fails it.  What it
        set up is undone after it, unless keep is set (for a next step)."""
        t0 = time.monotonic()
        # Where a slow test spends its time, for logs of slow runs.
        faulthandler.dump_traceback_later(SLOW_TEST_S, repeat=True,
                                          file=sys.stdout)
        try:
            note = fn(*args)
            self.result(True, name, note or "")
        except Skip as e:
            self.skip(name, str(e))
        except Fail as e:
            self.result(False, name, str(e))
        except Exception as e:  # a broken test or a kernel error: a fault
            # Where, in the innermost calls, for a log that has only this.
            where = " > ".join(
                "%s:%d" % (os.path.basename(f.filename), f.lineno)
                for f in traceback.extract_tb(e.__traceback__)[1:][-3:])
            self.result(False, name, "%s: %s (at %s)" % (
                type(e).__name__, e, where))
        finally:
            if not keep:
                cleanup()
            faulthandler.cancel_dump_traceback_later()
        print("# %s: %.1f s" % (name, time.monotonic() - t0), flush=True)

    def finish(self):
        print("1..%d" % self.nr)
        print("# %d passed, %d failed, %d skipped" %
              (self.nr - self.failed - self.skipped, self.failed,
               self.skipped), flush=True)
        if self.failed:
            sys.exit(1)
        if self.skipped == self.nr:
            sys.exit(KSFT_SKIP)
        sys.exit(0)


# Things to undo after each test, last first.
_undo = []


def at_cleanup(fn, *args):
    _undo.append((fn, args))


def cleanup():
    while _undo:
        fn, args = _undo.pop()
        try:
            fn(*args)
        except Exception:
            pass


# ---- kdamonds ------------------------------------------------------------

def _state_cmd(path, word):
    """Write a state command with a time limit: a write that blocks for
    ever is reported instead of hanging the whole test program."""
    res = {}

    def do():
        try:
            write(path, word)
        except OSError as e:
            res["err"] = e

    t = threading.Thread(target=do, daemon=True)
    t0 = time.monotonic()
    t.start()
    t.join(CMD_TIMEOUT_S)
    took = time.monotonic() - t0
    if took > SLOW_CMD_S:
        # Worth knowing when a test runs slowly or times out.
        print("# '%s' took %.1f s" % (word, took), flush=True)
    if t.is_alive():
        print("Bail out! '%s' to %s did not return in %d s" %
              (word, path, CMD_TIMEOUT_S), flush=True)
        os._exit(1)
    if "err" in res:
        raise res["err"]


def pattern_all():
    return {"sz": (PAGE, ULONG_MAX), "nr": (0, UINT_MAX),
            "age": (0, UINT_MAX)}


# The filter directories of a scheme, in the order the kernel installs
# them; kernels before 6.15 have only filters/.
FILTER_DIRS = ("core_filters", "ops_filters", "filters")


class Kdamond:
    """kdamonds/<idx>, with one context."""

    def __init__(self, idx=0):
        self.dir = "%s/%d" % (KDAMONDS, idx)
        self.ctx = self.dir + "/contexts/0"

    def scheme_dir(self, i=0):
        return "%s/schemes/%d" % (self.ctx, i)

    def setup(self, ops, targets, schemes, sample_us=2000, aggr_us=20000,
              update_us=1000000, nr_regions=(10, 1000)):
        """targets: [{"pid": P, "regions": [(start, end)...]}]."""
        write(KDAMONDS + "/nr_kdamonds", 1)
        at_cleanup(self.teardown)
        write(self.dir + "/contexts/nr_contexts", 1)
        c = self.ctx
        write(c + "/operations", ops)
        a = c + "/monitoring_attrs"
        write(a + "/intervals/sample_us", sample_us)
        write(a + "/intervals/aggr_us", aggr_us)
        write(a + "/intervals/update_us", update_us)
        write(a + "/nr_regions/min", nr_regions[0])
        write(a + "/nr_regions/max", nr_regions[1])
        write(c + "/targets/nr_targets", len(targets))
        for i, t in enumerate(targets):
            td = "%s/targets/%d" % (c, i)
            if "pid" in t:
                write(td + "/pid_target", t["pid"])
            regions = t.get("regions", [])
            write(td + "/regions/nr_regions", len(regions))
            for j, (start, end) in enumerate(regions):
                write("%s/regions/%d/start" % (td, j), start)
                write("%s/regions/%d/end" % (td, j), end)
        write(c + "/schemes/nr_schemes", len(schemes))
        for i, s in enumerate(schemes):
            self.set_scheme(i, s)

    def set_scheme(self, i, s):
        """Write scheme i from a dict: action, sz/nr/age (min, max) (all
        by default), apply_us, nid, dests [(nid, weight)], quota {ms,
        bytes, reset_ms, weights,
        goals [(metric, target, current[, nid[, path]])]}, wmarks {metric, interval,
        high, mid, low}, filters [{type, matching, allow, memcg, addr,
        idx, sz (min, max), dir}]: dir is "filters" (the default),
        "core_filters" or "ops_filters"."""
        d = self.scheme_dir(i)
        p = pattern_all()
        p.update({k: s[k] for k in ("sz", "nr", "age") if k in s})
        write(d + "/action", s["action"])
        names = {"sz": "sz", "nr": "nr_accesses", "age": "age"}
        for k, (lo, hi) in p.items():
            write("%s/access_pattern/%s/max" % (d, names[k]), hi)
            write("%s/access_pattern/%s/min" % (d, names[k]), lo)
        if "apply_us" in s:
            write(d + "/apply_interval_us", s["apply_us"])
        if "nid" in s:
            write(d + "/target_nid", s["nid"])
        q = s.get("quota", {})
        write(d + "/quotas/ms", q.get("ms", 0))
        write(d + "/quotas/bytes", q.get("bytes", 0))
        write(d + "/quotas/reset_interval_ms", q.get("reset_ms", 0))
        for name, v in zip(("sz", "nr_accesses", "age"),
                           q.get("weights", (0, 0, 0))):
            write("%s/quotas/weights/%s_permil" % (d, name), v)
        goals = q.get("goals", [])
        write(d + "/quotas/goals/nr_goals", len(goals))
        for j, goal in enumerate(goals):
            g = "%s/quotas/goals/%d" % (d, j)
            write(g + "/target_metric", goal[0])
            if len(goal) > 3:
                write(g + "/nid", goal[3])
            if len(goal) > 4:
                write(g + "/path", goal[4])
            write(g + "/target_value", goal[1])
            write(g + "/current_value", goal[2])
        dests = s.get("dests", [])
        if dests or os.path.isdir(d + "/dests"):
            write(d + "/dests/nr_dests", len(dests))
            for j, (nid, weight) in enumerate(dests):
                write("%s/dests/%d/id" % (d, j), nid)
                write("%s/dests/%d/weight" % (d, j), weight)
        w = s.get("wmarks", {"metric": "none"})
        for k in ("interval", "high", "mid", "low"):
            if k in w:
                write("%s/watermarks/%s" % (d, k + ("_us" if k == "interval"
                                                    else "")), w[k])
        write(d + "/watermarks/metric", w["metric"])
        filters = s.get("filters", [])
        for name in FILTER_DIRS:
            if not os.path.isdir("%s/%s" % (d, name)):
                continue
            mine = [f for f in filters if f.get("dir", "filters") == name]
            write("%s/%s/nr_filters" % (d, name), len(mine))
            for j, f in enumerate(mine):
                self._set_filter("%s/%s/%d" % (d, name, j), f)

    @staticmethod
    def _set_filter(fd, f):
        write(fd + "/type", f["type"])
        write(fd + "/matching", "Y" if f["matching"] else "N")
        if f.get("allow") or os.path.exists(fd + "/allow"):
            write(fd + "/allow", "Y" if f.get("allow") else "N")
        if "sz" in f:
            write(fd + "/max", f["sz"][1])
            write(fd + "/min", f["sz"][0])
        if "memcg" in f:
            write(fd + "/memcg_path", f["memcg"])
        if "addr" in f:
            write(fd + "/addr_start", f["addr"][0])
            write(fd + "/addr_end", f["addr"][1])
        if "idx" in f:
            write(fd + "/damon_target_idx", f["idx"])

    def cmd(self, word):
        _state_cmd(self.dir + "/state", word)

    def on(self):
        self.cmd("on")

    def running(self):
        return read(self.dir + "/state") == "on"

    def off(self):
        if self.running():
            self.cmd("off")

    def teardown(self):
        try:
            self.off()
        finally:
            write(KDAMONDS + "/nr_kdamonds", 0)

    def stats(self, i=0):
        """Fresh stats of scheme i as a dict (sz_ops_filter_passed where
        the kernel has it)."""
        self.cmd("update_schemes_stats")
        d = self.scheme_dir(i) + "/stats/"
        keys = ["nr_tried", "sz_tried", "nr_applied", "sz_applied",
                "qt_exceeds"]
        if os.path.exists(d + "sz_ops_filter_passed"):
            keys.append("sz_ops_filter_passed")
        return {k: read_int(d + k) for k in keys}

    def tried_regions(self, i=0, passed=False, fresh=True):
        """(total_bytes, [(start, end, nr_accesses, age)]) of one fresh
        application of scheme i; with passed, each region also has its
        sz_filter_passed.  fresh=False reads what an earlier update of
        every scheme left."""
        if fresh:
            self.cmd("update_schemes_tried_regions")
        d = self.scheme_dir(i) + "/tried_regions"
        keys = ["start", "end", "nr_accesses", "age"]
        if passed:
            keys.append("sz_filter_passed")
        regions = []
        for name in os.listdir(d):
            if not name.isdigit():
                continue
            r = "%s/%s/" % (d, name)
            regions.append(tuple(read_int(r + k) for k in keys))
        return read_int(d + "/total_bytes"), sorted(regions)

    def tried_bytes(self, i=0):
        self.cmd("update_schemes_tried_bytes")
        return read_int(self.scheme_dir(i) + "/tried_regions/total_bytes")

    def effective_bytes(self, i=0):
        self.cmd("update_schemes_effective_quotas")
        return read_int(self.scheme_dir(i) + "/quotas/effective_bytes")


def avail_operations():
    write(KDAMONDS + "/nr_kdamonds", 1)
    write(KDAMONDS + "/0/contexts/nr_contexts", 1)
    ops = read(KDAMONDS + "/0/contexts/0/avail_operations").split()
    write(KDAMONDS + "/nr_kdamonds", 0)
    return ops


# ---- cgroups -------------------------------------------------------------

def make_cgroup(name):
    """A fresh cgroup v2 directory with the memory controller; its path
    relative to the cgroup root is "/" + name."""
    path = CGROUP + "/" + name
    if os.path.isdir(path):
        os.rmdir(path)
    try:
        os.mkdir(path)
    except OSError as e:
        raise Skip("cannot make a cgroup: %s" % e)
    at_cleanup(remove_cgroup, path)
    if not os.path.exists(path + "/memory.stat"):
        raise Skip("no memory controller in child cgroups")
    return path


def remove_cgroup(path):
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except OSError:
            time.sleep(0.1)


def memcg_stat(path, key):
    for line in open(path + "/memory.stat"):
        k, v = line.split()
        if k == key:
            return int(v)
    raise Fail("no %s in %s/memory.stat" % (key, path))


def memcg_node_bytes(path, nid):
    """The bytes of a cgroup's LRU memory on node nid (memory.numa_stat:
    anon and file)."""
    total = 0
    for line in open(path + "/memory.numa_stat"):
        words = line.split()
        if words[0] not in ("anon", "file"):
            continue
        for w in words[1:]:
            if w == "N%d=" % nid or w.startswith("N%d=" % nid):
                total += int(w.split("=")[1])
    return total


# ---- memory of processes --------------------------------------------------

def smaps_range(pid, lo, hi):
    """The /proc/PID/smaps entries of the mappings that overlap [lo, hi),
    as dicts (sizes in bytes, "VmFlags" a list, "start" and "end")."""
    entries = []
    cur = None
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            first = line.split()[0]
            if "-" in first and not first.endswith(":"):
                start, end = (int(x, 16) for x in first.split("-"))
                cur = None
                if start < hi and lo < end:
                    cur = {"start": start, "end": end}
                    entries.append(cur)
                continue
            if cur is None:
                continue
            k, _, v = line.partition(":")
            if k == "VmFlags":
                cur[k] = v.split()
            elif v.strip().endswith("kB"):
                cur[k] = int(v.split()[0]) * 1024
    if not entries:
        raise Fail("no mapping at %#x in process %d" % (lo, pid))
    return entries


def smaps_sum(pid, lo, hi, key):
    return sum(e.get(key, 0) for e in smaps_range(pid, lo, hi))


def smaps_flags(pid, lo, hi):
    """The VmFlags that every mapping overlapping [lo, hi) has."""
    sets = [set(e.get("VmFlags", [])) for e in smaps_range(pid, lo, hi)]
    return set.intersection(*sets)


def status_kb(pid, key):
    for line in open("/proc/%d/status" % pid):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def numa_maps_nodes(pid, addr):
    """Pages per node of the mapping that holds addr (the last one that
    starts at or below it), from /proc/PID/numa_maps: {node: pages}."""
    best = None
    with open("/proc/%d/numa_maps" % pid) as f:
        for line in f:
            fields = line.split()
            if int(fields[0], 16) <= addr:
                best = fields
    if best is None:
        raise Fail("no mapping at %#x in numa_maps of %d" % (addr, pid))
    return {int(k[1:]): int(v) for k, _, v in
            (x.partition("=") for x in best[2:])
            if k[0] == "N" and k[1:].isdigit()}


def phys_pages(pid, lo, hi):
    """The physical address of each page of [lo, hi) in pid, in order,
    None where no page is present."""
    n = (hi - lo) // PAGE
    with open("/proc/%d/pagemap" % pid, "rb") as f:
        f.seek(lo // PAGE * 8)
        raw = f.read(n * 8)
    out = []
    for (e,) in struct.iter_unpack("<Q", raw):
        present, pfn = e >> 63, e & ((1 << 55) - 1)
        out.append(pfn * PAGE if present and pfn else None)
    return out


# Bits of /proc/kpageflags (Documentation/admin-guide/mm/pagemap.rst).
KPF_LRU, KPF_ACTIVE, KPF_MMAP, KPF_ANON, KPF_THP = 5, 6, 11, 12, 22


def page_flags(addrs):
    """The /proc/kpageflags word of each physical address (None stays
    None)."""
    out = []
    with open("/proc/kpageflags", "rb") as f:
        for a in addrs:
            if a is None:
                out.append(None)
                continue
            f.seek(a // PAGE * 8)
            out.append(struct.unpack("<Q", f.read(8))[0])
    return out


def phys_runs(addrs, max_runs):
    """Physically contiguous runs of the pages at addrs (None entries are
    ignored), as sorted [start, end) pairs; if there are more than
    max_runs, the closest are merged (and the gaps between them come
    along)."""
    runs = []
    for a in sorted(set(a for a in addrs if a is not None)):
        if runs and runs[-1][1] == a:
            runs[-1][1] = a + PAGE
        else:
            runs.append([a, a + PAGE])
    if len(runs) > max_runs:
        gaps = sorted(runs[i + 1][0] - runs[i][1]
                      for i in range(len(runs) - 1))
        limit = gaps[len(runs) - max_runs - 1]
        merged = [runs[0]]
        for r in runs[1:]:
            if r[0] - merged[-1][1] <= limit:
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        runs = merged
    return [tuple(r) for r in runs]


def numa_nodes():
    """Online nodes with memory."""
    try:
        text = read("/sys/devices/system/node/has_memory")
    except OSError:
        return [0]
    nodes = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        nodes.extend(range(int(lo), int(hi or lo) + 1))
    return nodes


# ---- workload processes -----------------------------------------------------

_libc = ctypes.CDLL(None, use_errno=True)


def _mmap_addr(m):
    return ctypes.addressof(ctypes.c_char.from_buffer(m))


# mbind(2) on x86_64; the C library has no wrapper (libnuma has).
_SYS_MBIND, _MPOL_BIND = 237, 2


def _bind(addr, size, nid):
    """Allocate the pages of [addr, addr + size) on node nid only."""
    mask = ctypes.c_ulong(1 << nid)
    if _libc.syscall(_SYS_MBIND, ctypes.c_void_p(addr), ctypes.c_size_t(size),
                     _MPOL_BIND, ctypes.byref(mask), ctypes.c_ulong(64), 0):
        raise OSError(ctypes.get_errno(), "mbind")


def node_meminfo(nid):
    """{key: bytes} of /sys/devices/system/node/nodeN/meminfo."""
    out = {}
    with open("/sys/devices/system/node/node%d/meminfo" % nid) as f:
        for line in f:
            w = line.split()
            out[w[2].rstrip(":")] = int(w[3]) << 10
    return out


def _file_cached(fd, size):
    mm = _libc.mmap
    mm.restype = ctypes.c_void_p
    mm.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                   ctypes.c_int, ctypes.c_int, ctypes.c_long)
    addr = mm(None, size, mmap.PROT_READ, mmap.MAP_SHARED, fd, 0)
    if addr in (None, ctypes.c_void_p(-1).value):
        raise OSError(ctypes.get_errno(), "mmap")
    try:
        return _mincore(addr, size)
    finally:
        _libc.munmap(ctypes.c_void_p(addr), ctypes.c_size_t(size))


def _mincore(addr, length):
    n = (length + PAGE - 1) // PAGE
    vec = (ctypes.c_ubyte * n)()
    if _libc.mincore(ctypes.c_void_p(addr), ctypes.c_size_t(length), vec):
        raise OSError(ctypes.get_errno(), "mincore")
    return sum(v & 1 for v in vec)


class _Worker:
    """The child's side: a loop that reads one command per line and
    answers one line, and between commands touches its hot range."""

    def __init__(self, rfd, wfd):
        self.cmds = os.fdopen(rfd, "r")
        self.out = os.fdopen(wfd, "w")
        self.bufs = {}
        self.hot = None

    def addr(self, name):
        return self.bufs[name][1]

    def do_cgroup(self, path):
        write(path + "/cgroup.procs", os.getpid())

    def do_anon(self, name, size, advice):
        size = int(size)
        m = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        addr = _mmap_addr(m)
        # Comma-separated: "hugepage", "nohugepage", "bindN" (node N).
        for a in advice.split(","):
            if a.startswith("bind"):
                _bind(addr, size, int(a[4:]))
            elif a == "hugepage":
                m.madvise(mmap.MADV_HUGEPAGE)
            elif a == "nohugepage":
                m.madvise(mmap.MADV_NOHUGEPAGE)
        self.bufs[name] = (m, addr, size)
        return addr

    def do_file(self, name, path, size):
        """Write a file of size bytes, make it clean, map it shared."""
        size = int(size)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
        chunk = os.urandom(min(size, MIB))
        done = 0
        while done < size:
            done += os.write(fd, chunk[:size - done])
        os.fsync(fd)
        m = mmap.mmap(fd, size, flags=mmap.MAP_SHARED)
        os.close(fd)
        addr = ctypes.addressof(ctypes.c_char.from_buffer(m))
        self.bufs[name] = (m, addr, size)
        return addr

    def do_unmap(self, name):
        """Unmap a buffer; a file's page cache stays."""
        m, _, _ = self.bufs.pop(name)
        m.close()

    def do_cached(self, path):
        """Pages of a file in the page cache, seen through a fresh mapping
        that is never touched, so that nothing gets mapped."""
        fd = os.open(path, os.O_RDONLY)
        try:
            return _file_cached(fd, os.fstat(fd).st_size)
        finally:
            os.close(fd)

    def do_evict(self, name, path):
        """Drop a (clean, unmapped) file's page cache."""
        fd = os.open(path, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
        return _mincore(self.addr(name), self.bufs[name][2])

    def _range(self, name, lo, hi):
        size = self.bufs[name][2]
        lo = int(lo) if lo is not None else 0
        hi = int(hi) if hi is not None else size
        return self.bufs[name][0], lo, hi

    def do_touch(self, name, lo=None, hi=None):
        # Write without reading first: a read fault would map the (huge)
        # zero page, and the write after it would get a small page.
        m, lo, hi = self._range(name, lo, hi)
        for off in range(lo, hi, PAGE):
            m[off] = 1

    def do_read(self, name, lo=None, hi=None):
        m, lo, hi = self._range(name, lo, hi)
        s = 0
        for off in range(lo, hi, PAGE):
            s += m[off]
        return s & 1

    def do_hot(self, name, lo=None, hi=None):
        self.hot = self._range(name, lo, hi)

    def do_idle(self):
        self.hot = None

    def do_mincore(self, name, lo=None, hi=None):
        _, lo, hi = self._range(name, lo, hi)
        return _mincore(self.addr(name) + lo, hi - lo)

    def loop(self):
        while True:
            if self.hot is not None:
                m, lo, hi = self.hot
                for off in range(lo, hi, PAGE):
                    m[off] = 1
                if not select.select([self.cmds], [], [], 0)[0]:
                    continue
            line = self.cmds.readline()
            if not line or line.strip() == "exit":
                return
            words = line.split()
            try:
                ret = getattr(self, "do_" + words[0])(*words[1:])
                reply = "ok %s" % ("" if ret is None else ret)
            except Exception as e:
                reply = "err %s: %s" % (type(e).__name__, e)
            self.out.write(reply.strip() + "\n")
            self.out.flush()


class Child:
    """A forked workload process (see _Worker), killed at cleanup."""

    def __init__(self, cgroup=None):
        r1, w1 = os.pipe()
        r2, w2 = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(w1)
            os.close(r2)
            code = 0
            try:
                _Worker(r1, w2).loop()
            except BaseException:
                code = 1
            os._exit(code)
        os.close(r1)
        os.close(w2)
        self.pid = pid
        self.cmds = os.fdopen(w1, "w")
        self.out = os.fdopen(r2, "r")
        self.addrs = {}
        self.sizes = {}
        at_cleanup(self.kill)
        if cgroup:
            self.call("cgroup", cgroup)

    def call(self, *words):
        self.cmds.write(" ".join(str(w) for w in words) + "\n")
        self.cmds.flush()
        line = self.out.readline()
        if not line.startswith("ok"):
            raise Fail("workload: %s: %s" % (words[0], line.strip() or
                                             "no answer"))
        v = line[2:].strip()
        return int(v) if v else None

    def anon(self, name, size, advice="none"):
        self.addrs[name] = self.call("anon", name, size, advice)
        self.sizes[name] = size
        return self.addrs[name]

    def file(self, name, path, size):
        at_cleanup(_unlink, path)
        self.addrs[name] = self.call("file", name, path, size)
        self.sizes[name] = size
        self.paths = getattr(self, "paths", {})
        self.paths[name] = path
        return self.addrs[name]

    def cached(self, name):
        """Fraction of file buffer name's pages in the page cache, mapped
        or not."""
        return self.call("cached", self.paths[name]) * PAGE / self.sizes[name]

    def resident(self, name, lo=None, hi=None):
        """Fraction of the pages of [lo, hi) of buffer name in memory."""
        lo = 0 if lo is None else lo
        hi = self.sizes[name] if hi is None else hi
        return self.call("mincore", name, lo, hi) * PAGE / (hi - lo)

    def region(self, name):
        return (self.addrs[name], self.addrs[name] + self.sizes[name])

    def phys(self, name):
        return phys_pages(self.pid, *self.region(name))

    def kill(self):
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except OSError:
            pass
        for f in (self.cmds, self.out):
            try:
                f.close()
            except OSError:
                pass


def _unlink(path):
    try:
        os.unlink(path)
    except OSError:
        pass


def scratch_dir():
    """A directory on a disk file system, where page cache can be dropped
    and read back (tmpfs cannot)."""
    d = os.environ.get("RECLAIM_TEST_DIR", "/mnt/scratch")
    if not os.path.isdir(d):
        raise Skip("no scratch file system at %s (RECLAIM_TEST_DIR)" % d)
    return d


# ---- DAMON_RECLAIM and DAMON_LRU_SORT ---------------------------------------
#
# Both modules are built in; their knobs are module parameters.  Values are
# only parsed when written: "enabled" builds a context from all of them
# (refusing bad combinations) and "commit_inputs" hands them to the running
# kdamond.  The statistics count from the last start of the module.

PARAMS = "/sys/module/%s/parameters"
TRACING = "/sys/kernel/tracing"
AGGR_EVENT = TRACING + "/events/damon/damon_aggregated"
# A disable that takes longer than this is a fault: the kdamond is told to
# stop and wakes up from any wait for that.
STOP_LIMIT_S = 3
# Parameters that make a module's schemes work now, whatever the free
# memory, and monitor in small steps.
ACTIVE = {"wmarks_interval": 100000, "wmarks_high": 1000, "wmarks_mid": 999,
          "wmarks_low": 0, "sample_interval": 5000, "aggr_interval": 100000,
          "min_nr_regions": 10, "max_nr_regions": 100}


def timed_write(path, value):
    """Write with the time limit of the state commands; return None or the
    errno name."""
    try:
        _state_cmd(path, value)
    except OSError as e:
        return errno_name(e.errno)
    return None


class DamonModule:
    """One of the DAMON modules, by its name in /sys/module (damon_reclaim,
    damon_lru_sort, damon_stat, damon_tier).  Parameters changed through set() get their old
    values back at cleanup; enable() disables the module at cleanup."""

    def __init__(self, name):
        self.name = name
        self.dir = PARAMS % name
        self._saved = None

    def present(self):
        return os.path.isdir(self.dir)

    def path(self, param):
        return self.dir + "/" + param

    def get(self, param):
        return read(self.path(param))

    def get_int(self, param):
        return read_int(self.path(param))

    def _save(self, param):
        if self._saved is None:
            self._saved = {}
            at_cleanup(self._restore)
        self._saved.setdefault(param, self.get(param))

    def _restore(self):
        saved, self._saved = self._saved or {}, None
        for param, value in saved.items():
            try_write(self.path(param), value)

    def set(self, param, value):
        self._save(param)
        write(self.path(param), value)

    def try_set(self, param, value):
        """Write; None on success or the errno name."""
        self._save(param)
        return try_write(self.path(param), value)

    def configure(self, **params):
        for k, v in params.items():
            self.set(k, v)

    def enabled(self):
        return self.get("enabled") == "Y"

    def pid(self):
        return self.get_int("kdamond_pid")

    def turn(self, on):
        """Write "enabled"; None on success or the errno name."""
        if on:
            at_cleanup(self.disable)
        return timed_write(self.path("enabled"), "Y" if on else "N")

    def enable(self):
        err = self.turn(True)
        if err:
            raise Fail("%s: enabling failed with %s" % (self.name, err))
        pid = self.pid()
        if not is_kdamond(pid):
            raise Fail("%s: enabled, but kdamond_pid %d is no kdamond" %
                       (self.name, pid))
        return pid

    def disable(self):
        if self.enabled():
            err = self.turn(False)
            if err:
                raise Fail("%s: disabling failed with %s" % (self.name, err))

    def commit(self):
        """Write Y to "commit_inputs"; None on success or the errno name."""
        return timed_write(self.path("commit_inputs"), "Y")

    def stats(self, names):
        return {n: self.get_int(n) for n in names}

    def timed_stat(self, name):
        """(time before, value, time after) of one read."""
        t0 = time.monotonic()
        v = self.get_int(name)
        return t0, v, time.monotonic()


def require_module(name):
    """Skip the whole program unless the module and what its tests need
    are there; leave it, the other modules and DAMON's sysfs interface
    with no kdamond running."""
    if os.geteuid():
        skip_all("needs root")
    mod = DamonModule(name)
    if not mod.present():
        skip_all("no %s in this kernel" % name)
    for other in ("damon_reclaim", "damon_lru_sort", "damon_stat",
                  "damon_tier"):
        m = DamonModule(other)
        if m.present() and m.enabled():
            # Set on the kernel command line, maybe.
            print("# %s was enabled: disabling it" % other)
            m.disable()
    if os.path.isdir(KDAMONDS):
        try:
            write(KDAMONDS + "/nr_kdamonds", 0)
        except OSError as e:
            skip_all("a sysfs kdamond runs: %s" % e)
    return mod


def task_comm(pid):
    try:
        return read("/proc/%d/comm" % pid)
    except OSError:
        return None


def is_kdamond(pid):
    """Whether pid is a live kernel thread named kdamond*."""
    if pid <= 0 or not (task_comm(pid) or "").startswith("kdamond"):
        return False
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read() == b""
    except OSError:
        return False


def thread_gone(pid):
    """Whether pid no longer names a kdamond (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state in ("Z", "X") or not is_kdamond(pid)


def system_ram():
    """Top-level "System RAM" ranges of /proc/iomem as [start, end)."""
    ranges = []
    with open("/proc/iomem") as f:
        for line in f:
            if line[0] == " " or not line.rstrip().endswith(": System RAM"):
                continue
            lo, hi = line.split(":")[0].strip().split("-")
            ranges.append((int(lo, 16), int(hi, 16) + 1))
    if not ranges or ranges[0][1] <= 1:
        raise Skip("no System RAM in /proc/iomem (addresses hidden?)")
    return ranges


def biggest_ram():
    """The range a module monitors when its region parameters are 0."""
    best = None
    for lo, hi in system_ram():
        if best is None or hi - lo > best[1] - best[0]:
            best = (lo, hi)
    return best


def page_span(start, end):
    """[start, end) widened to whole pages."""
    return start // PAGE * PAGE, -(-end // PAGE) * PAGE


def phys_span(child, *names):
    """The smallest physical range holding every page of the buffers."""
    pages = [a for n in names for a in child.phys(n) if a is not None]
    if not pages:
        raise Fail("the workload has no pages in memory")
    return min(pages), max(pages) + PAGE


def paddr_targets(child, *names, max_runs=800):
    """One paddr target covering exactly the pages of a child's buffers."""
    pages = [a for n in names for a in child.phys(n)]
    if not any(pages):
        raise Fail("the workload has no pages in memory")
    return [{"regions": phys_runs(pages, max_runs)}]


def free_mem_rate():
    """Free memory in permil of all memory, as DAMOS watermarks see it."""
    info = {}
    for line in open("/proc/meminfo"):
        k, v = line.split(":")
        info[k] = int(v.split()[0])
    return info["MemFree"] * 1000 // info["MemTotal"]


def swap_total():
    for line in open("/proc/meminfo"):
        if line.startswith("SwapTotal:"):
            return int(line.split()[1]) * 1024
    return 0


def majflt(pid):
    """Major faults of a process so far (swap-ins among them)."""
    with open("/proc/%d/stat" % pid) as f:
        return int(f.read().rpartition(")")[2].split()[9])


class AggrTrace:
    """The damon_aggregated tracepoint, on for the current test."""

    def __init__(self):
        if not os.path.isdir(AGGR_EVENT):
            raise Skip("no damon_aggregated tracepoint")
        write(TRACING + "/trace_clock", "mono")
        write(AGGR_EVENT + "/enable", 1)
        at_cleanup(write, AGGR_EVENT + "/enable", 0)
        write(TRACING + "/tracing_on", 1)
        self.clear()

    def clear(self):
        write(TRACING + "/trace", "")

    def aggregations(self):
        """Traced aggregations, oldest first: lists of (start, end,
        nr_regions), one list per burst of reports."""
        aggrs = []
        last = None
        with open(TRACING + "/trace") as f:
            for line in f:
                head, sep, tail = line.partition(": damon_aggregated: ")
                if not sep:
                    continue
                ts = float(head.split()[-1])
                fields = tail.split()
                nr = int(fields[1].partition("=")[2])
                start, end = (int(x) for x in
                              fields[2].rstrip(":").split("-"))
                # One aggregation's reports come in a burst.
                if last is None or ts - last > 0.01:
                    aggrs.append([])
                aggrs[-1].append((start, end, nr))
                last = ts
        return aggrs

    def wait(self, count, timeout_s):
        """count aggregations, not counting the first after clear() (it
        may have begun before); [] if they do not come in time."""
        def enough():
            aggrs = self.aggregations()
            return aggrs[1:count + 1] if len(aggrs) > count else None
        return wait_for(enough, timeout_s, 0.1) or []


# ---- checks both modules share ---------------------------------------------

def check_cycles(mod, n=20):
    """Enable and disable n times, every other time with schemes that work
    (sampling) rather than wait for their watermarks; the kdamond must come
    and go with "enabled"."""
    pids = set()
    slowest = 0
    for i in range(n):
        if i % 2:
            mod.configure(**ACTIVE)
        else:
            mod.configure(wmarks_high=0, wmarks_mid=0, wmarks_low=0,
                          wmarks_interval=5000000)
        if mod.enabled() or mod.pid() != -1:
            raise Fail("cycle %d: off, but enabled %s, kdamond_pid %d" %
                       (i, mod.get("enabled"), mod.pid()))
        pid = mod.enable()
        if not mod.enabled():
            raise Fail("cycle %d: enabled reads N while on" % i)
        pids.add(pid)
        t0 = time.monotonic()
        err = mod.turn(False)
        took = time.monotonic() - t0
        slowest = max(slowest, took)
        if err:
            raise Fail("cycle %d: disabling failed with %s" % (i, err))
        if mod.enabled() or mod.pid() != -1:
            raise Fail("cycle %d: disabled, but enabled %s, kdamond_pid %d"
                       % (i, mod.get("enabled"), mod.pid()))
        if not wait_for(lambda: thread_gone(pid), 5):
            raise Fail("cycle %d: kdamond %d still there after disabling" %
                       (i, pid))
        if took > STOP_LIMIT_S:
            raise Fail("cycle %d: disabling took %.1f s" % (i, took))
    return "%d cycles, %d distinct kdamond pids, slowest stop %.2f s" % (
        n, len(pids), slowest)


def check_read_only(mod, names):
    """kdamond_pid and the statistics refuse writes and keep their value."""
    bad = []
    for name in ["kdamond_pid"] + list(names):
        mode = os.stat(mod.path(name)).st_mode & 0o777
        before = mod.get(name)
        err = try_write(mod.path(name), "1")
        after = mod.get(name)
        if mode != 0o400 or err not in ("EACCES", "EPERM") or \
                after != before:
            bad.append("%s: mode %o, write %s, %s -> %s" % (
                name, mode, err or "ok", before, after))
    if bad:
        raise Fail("; ".join(bad))
    return "%d read-only parameters" % (len(names) + 1)


# Malformed values of a number parameter, and the errno each must fail
# with.  They are parsed like C integer literals (kstrtoul): values that do
# not fit are ERANGE, as in the sysfs interface.
BAD_NUMBERS = [("abc", "EINVAL"), ("-1", "EINVAL"), ("12x", "EINVAL"),
               ("1.5", "EINVAL"), ("\n", "EINVAL"), ("0x", "EINVAL"),
               ("18446744073709551616", "ERANGE")]
BAD_BOOLS = [("maybe", "EINVAL"), ("2", "EINVAL"), ("-1", "EINVAL")]


def check_bad_writes(mod, numbers, bools):
    """Each malformed write fails with its errno and changes nothing; well
    formed ones (hexadecimal, a newline) are taken."""
    bad = []
    nr = 0
    for name in numbers:
        for value, want in BAD_NUMBERS:
            nr += 1
            before = mod.get(name)
            err = mod.try_set(name, value)
            after = mod.get(name)
            if err != want or after != before:
                bad.append("%s <- %r: %s, want %s, %s -> %s" % (
                    name, value, err or "ok", want, before, after))
        for value, want in (("0x100000", "1048576"), ("4096\n", "4096")):
            nr += 1
            err = mod.try_set(name, value)
            if err or mod.get(name) != want:
                bad.append("%s <- %r: %s, reads %s" % (
                    name, value, err or "ok", mod.get(name)))
        mod._restore()
    for name in bools:
        for value, want in BAD_BOOLS:
            nr += 1
            before = mod.get(name)
            err = try_write(mod.path(name), value)
            after = mod.get(name)
            if err != want or after != before:
                bad.append("%s <- %r: %s, want %s, %s -> %s" % (
                    name, value, err or "ok", want, before, after))
    if mod.enabled() or mod.pid() != -1:
        bad.append("the module got enabled")
    if bad:
        raise Fail("; ".join(bad[:6]))
    return "%d writes" % nr


def bad_combinations(extra=()):
    """Parameter sets that each make the module invalid: (what, values);
    the extra ones of a module come first."""
    ram_lo = biggest_ram()[0]
    return list(extra) + [
        ("wmarks_high < wmarks_mid",
         {"wmarks_high": 100, "wmarks_mid": 200, "wmarks_low": 50}),
        ("wmarks_mid < wmarks_low",
         {"wmarks_high": 300, "wmarks_mid": 100, "wmarks_low": 200}),
        ("min_nr_regions > max_nr_regions",
         {"min_nr_regions": 50, "max_nr_regions": 20}),
        ("aggr_interval < sample_interval",
         {"sample_interval": 200000, "aggr_interval": 100000}),
        ("monitor_region_start > monitor_region_end",
         {"monitor_region_start": ram_lo + 4 * MIB,
          "monitor_region_end": ram_lo + 2 * MIB}),
    ]


def check_bad_enable(mod, extra=()):
    """Enabling with a bad combination fails with EINVAL, leaves the
    module off, and the same parameters are then enabled fine once the
    bad one is undone."""
    combos = bad_combinations(extra)
    bad = []
    for what, values in combos:
        mod.configure(**values)
        err = mod.turn(True)
        if err != "EINVAL" or mod.enabled() or mod.pid() != -1:
            bad.append("%s: %s, enabled %s, kdamond_pid %d" % (
                what, err or "ok", mod.get("enabled"), mod.pid()))
            mod.disable()
        mod._restore()
    if bad:
        raise Fail("; ".join(bad))
    mod.enable()
    return "%d combinations refused" % len(combos)


def check_bad_commit(mod, extra=()):
    """While it runs, committing a bad combination fails with EINVAL and
    leaves the kdamond running unchanged; a good commit works."""
    combos = bad_combinations(extra)
    mod.configure(**ACTIVE)
    pid = mod.enable()
    bad = []
    for what, values in combos:
        good = {k: mod.get(k) for k in values}
        mod.configure(**values)
        err = mod.commit()
        now = mod.pid()
        if err != "EINVAL" or now != pid or not mod.enabled():
            bad.append("%s: %s, kdamond_pid %d -> %d, enabled %s" % (
                what, err or "ok", pid, now, mod.get("enabled")))
        if mod.get("commit_inputs") != "N":
            bad.append("%s: commit_inputs reads %s" % (
                what, mod.get("commit_inputs")))
        mod.configure(**good)
    if bad:
        raise Fail("; ".join(bad))
    if not is_kdamond(pid):
        raise Fail("kdamond %d is gone after the refused commits" % pid)
    # A good commit, and a commit while off, both do what they should.
    err = mod.commit()
    if err or mod.pid() != pid:
        raise Fail("a good commit: %s, kdamond_pid %d -> %d" % (
            err or "ok", pid, mod.pid()))
    mod.disable()
    err = mod.commit()
    if err or mod.enabled():
        raise Fail("commit while off: %s, enabled %s" % (
            err or "ok", mod.get("enabled")))
    return "%d bad commits refused, kdamond %d kept" % (len(combos), pid)


def sysfs_paddr_kdamond():
    """A sysfs kdamond (not started) watching a little of the RAM."""
    if not os.path.isdir(KDAMONDS):
        raise Skip("no DAMON sysfs interface")
    lo = biggest_ram()[0]
    k = Kdamond()
    k.setup("paddr", [{"regions": [(lo, lo + 16 * MIB)]}], [])
    return k


def check_parameters(mod, defaults, read_only):
    """The module has exactly the parameters of defaults, read_only ones
    0400 and the others 0600, reading their defaults (None: not compared)
    unless the kernel command line sets some."""
    names = set(os.listdir(mod.dir))
    bad = ["missing " + n for n in sorted(set(defaults) - names)]
    bad += ["unexpected " + n for n in sorted(names - set(defaults))]
    for n in sorted(set(defaults) & names):
        mode = os.stat(mod.path(n)).st_mode & 0o777
        want = 0o400 if n in read_only else 0o600
        if mode != want:
            bad.append("%s mode %o, want %o" % (n, mode, want))
    note = "%d parameters" % len(names)
    if mod.name + "." in read("/proc/cmdline"):
        note += " (defaults not compared: set on the command line)"
    else:
        for n, want in sorted(defaults.items()):
            if want is not None and n in names and mod.get(n) != want:
                bad.append("%s reads %s, want %s" % (n, mod.get(n), want))
    if bad:
        raise Fail("; ".join(bad))
    return note


def check_exclusive(mod, other_name):
    """The module, the other module and a sysfs kdamond exclude each other
    with EBUSY, and the refused one stays off."""
    other = DamonModule(other_name)
    notes = []
    pid = mod.enable()
    # While the module runs, no other kdamond starts.
    if other.present():
        err = other.turn(True)
        if err != "EBUSY" or other.enabled() or other.pid() != -1:
            raise Fail("%s while %s runs: %s, enabled %s" % (
                other_name, mod.name, err or "ok", other.get("enabled")))
        notes.append("%s EBUSY" % other_name)
    k = sysfs_paddr_kdamond()
    try:
        k.on()
        err = None
    except OSError as e:
        err = errno_name(e.errno)
    if err != "EBUSY" or k.running():
        raise Fail("sysfs kdamond while %s runs: %s, state %s" % (
            mod.name, err or "ok", read(k.dir + "/state")))
    notes.append("sysfs EBUSY")
    if mod.pid() != pid:
        raise Fail("the refused starts changed kdamond_pid %d -> %d" % (
            pid, mod.pid()))
    mod.disable()
    # And while another runs, the module does not start.
    for what, start, stop in (
            ("a sysfs kdamond", k.on, k.off),
            (other_name, other.enable if other.present() else None,
             other.disable)):
        if start is None:
            continue
        start()
        err = mod.turn(True)
        if err != "EBUSY" or mod.enabled() or mod.pid() != -1:
            raise Fail("%s while %s runs: %s, enabled %s, kdamond_pid %d" %
                       (mod.name, what, err or "ok", mod.get("enabled"),
                        mod.pid()))
        stop()
        notes.append("beside %s EBUSY" % what)
    # Alone again, it starts.
    mod.enable()
    return ", ".join(notes)


def check_regions(mod, nr_min=20, nr_max=40):
    """The kdamond monitors what the parameters say, seen through the
    damon_aggregated tracepoint: the biggest System RAM resource for 0/0
    (which the parameters then read), a given range once committed, with
    min/max_nr_regions kept."""
    ram = page_span(*biggest_ram())
    part = (ram[0] + 16 * MIB, ram[0] + 48 * MIB)
    trace = AggrTrace()
    mod.configure(**ACTIVE)
    mod.configure(min_nr_regions=nr_min, max_nr_regions=nr_max,
                  monitor_region_start=0, monitor_region_end=0)
    pid = mod.enable()
    notes = []
    # As in 6.12, 0/0 is replaced by the range chosen (its end exclusive).
    chosen = (int(mod.get("monitor_region_start")),
              int(mod.get("monitor_region_end")))
    if chosen != biggest_ram():
        raise Fail("0/0 reads back as %#x-%#x, want %#x-%#x" % (
            chosen + biggest_ram()))
    for what, want in (("0/0", ram), ("committed", part)):
        if what == "committed":
            mod.configure(monitor_region_start=part[0],
                          monitor_region_end=part[1])
            err = mod.commit()
            if err or mod.pid() != pid:
                raise Fail("commit of a new region: %s, kdamond_pid %d" %
                           (err or "ok", mod.pid()))
        trace.clear()
        aggrs = trace.wait(3, 20)
        if not aggrs:
            raise Fail("%s: fewer than 4 aggregations traced in 20 s" % what)
        lo = min(s for a in aggrs for s, _, _ in a)
        hi = max(e for a in aggrs for _, e, _ in a)
        nrs = [n for a in aggrs for _, _, n in a]
        note = "%s: regions in %#x-%#x (want %#x-%#x), %d-%d of them" % (
            what, lo, hi, want[0], want[1], min(nrs), max(nrs))
        notes.append(note)
        if (lo, hi) != want:
            raise Fail("the monitored range is wrong: " + note)
        if min(nrs) < nr_min or max(nrs) > nr_max:
            raise Fail("nr_regions outside [%d, %d]: %s" % (
                nr_min, nr_max, note))
    return "; ".join(notes)
