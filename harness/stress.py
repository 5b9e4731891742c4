#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Stress DAMON's user interfaces on a debug kernel (`make stress`).

  stress.py [--ops N] [--seed S] [--procs P] [--short] [--no-faults]
            [--tap-prefix X]

Runs inside the test guest, as root, with the standard library only.

1. fuzz: P worker processes write random, boundary and malformed values
   (empty, huge, negative, non-numeric, overlong, binary) to every file
   under /sys/kernel/mm/damon/admin/kdamonds and to the parameters of
   damon_reclaim, damon_lru_sort and damon_tier, grow and shrink every
   nr_* directory, send every state keyword in random order, build valid
   kdamonds and turn them on, and read everything back, while a pool of
   target processes forks and exits.  Every operation must succeed or fail with an errno of
   a documented set, and return within OP_TIMEOUT seconds (a watchdog
   process watches every worker).  Reads must be well formed.
   Fault injection (failslab and fail_page_alloc, where debugfs has them,
   unless --no-faults) fails allocations of the workers' writes and of
   every kdamond: each failure must come back as an errno or a kdamond
   that stopped cleanly.
2. races, each a named check repeated a number of times: a target exiting
   during sampling, `off` against `commit`, a memcg removed while a filter
   names it, module parameters committed while the module's kdamond runs,
   memory.reclaim against the removal of its cgroup.
3. end: every kdamond turns off, nr_kdamonds 0 works, the damon_region
   slab holds what it held at the start, a kmemleak scan finds nothing,
   and the kernel log has no report.

Output is TAP, one result per check, then one line of figures:

  # stress: seed=S ops=N files=F faults=X races=R reports=0

--seed S (default: random, printed first) replays the operations of each
worker: worker i draws from seed+i.  The timing between the workers, the
kdamonds and the targets, and so some of the kernel's answers, still
differ from run to run.  --short is the CI run: a few thousand operations
and fewer race rounds, about 3 minutes on the debug guest.  The default is
the long run: 20000 operations.
"""

import argparse
import errno
import json
import mmap
import os
import random
import re
import select
import signal
import struct
import subprocess
import sys
import time

ADMIN = "/sys/kernel/mm/damon/admin"
KD = ADMIN + "/kdamonds"
MODULES = ("damon_reclaim", "damon_lru_sort", "damon_tier")
# The test kernel's access report hook (CONFIG_DAMON_REPORT_INJECT).
INJECT = "/sys/kernel/debug/damon_report/inject"
MODPARAMS = "/sys/module/%s/parameters"
DEBUGFS = "/sys/kernel/debug"
CGROOT = "/sys/fs/cgroup"
CGNAMES = ("stress-a", "stress-b")
SCRATCH = "/mnt/scratch"
TOP = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1 << 20
ULONG_MAX = (1 << 64) - 1

# An operation taking longer than this is a hang.
OP_TIMEOUT = 60
# A tried-regions update waits for the schemes' next application, which
# can be hours away with the intervals the fuzzer writes: the worker ends
# such a wait with a signal after this long (the write then fails with
# EINTR).
WALK_TIMEOUT = 10
WALK_WORDS = (b"update_schemes_tried_regions", b"update_schemes_tried_bytes")
# Errnos a DAMON file may answer with (Documentation/admin-guide/mm/damon/
# usage.rst), plus those of the VFS for a file that went away (ENOENT at
# open, ENODEV on an open file whose directory was removed), and E2BIG for
# writes longer than a page.  EACCES only for files without write mode.
ALLOWED = {errno.EINVAL, errno.ENOENT, errno.EBUSY, errno.ENOMEM,
           errno.EFAULT, errno.ERANGE, errno.E2BIG, errno.ENODEV,
           errno.ESRCH, errno.EPERM, errno.EAGAIN, errno.EINTR,
           errno.ECANCELED}
ACTIONS = ("willneed", "cold", "pageout", "hugepage", "nohugepage",
           "lru_prio", "lru_deprio", "migrate_hot", "migrate_cold", "stat")
STATE_WORDS = ("on", "off", "commit", "commit_schemes_quota_goals",
               "update_schemes_stats", "update_schemes_tried_bytes",
               "update_schemes_tried_regions", "clear_schemes_tried_regions",
               "update_schemes_effective_quotas")
OPS_NAMES = ("vaddr", "fvaddr", "paddr")
FILTER_TYPES = ("anon", "active", "memcg", "young", "hugepage_size",
                "unmapped", "addr", "target")
GOAL_METRICS = ("user_input", "some_mem_psi_us", "node_mem_used_bp",
                "node_mem_free_bp", "node_memcg_used_bp", "node_memcg_free_bp",
                "active_mem_bp", "inactive_mem_bp")
# The filter directories of a scheme (core_filters/ and ops_filters/ take
# only their layer's types).
FILTER_DIRS = ("filters", "filters", "core_filters", "ops_filters")
WMARK_METRICS = ("none", "free_mem_rate")

# Kernel reports, as harness/vm.sh looks for them.
REPORT_RE = re.compile(
    r"(Oops|BUG:|WARNING:|KASAN:|UBSAN:|general protection fault|"
    r"Kernel panic|possible circular locking|possible recursive locking|"
    r"inconsistent lock state|suspicious RCU usage|"
    r"INFO: task .* blocked for more than|soft lockup|hard LOCKUP|"
    r"rcu_sched self-detected stall|RCU stall|"
    r"sleeping function called from invalid context|list_add corruption|"
    r"list_del corruption|kmemleak:.*suspected memory leak)")

# ---- the files --------------------------------------------------------------

# (path below the directory, kind); kinds pick the value generators.
CTX_FILES = [("operations", "ops"),
             ("monitoring_attrs/intervals/sample_us", "sample"),
             ("monitoring_attrs/intervals/aggr_us", "aggr"),
             ("monitoring_attrs/intervals/update_us", "update"),
             ("monitoring_attrs/nr_regions/min", "nrmin"),
             ("monitoring_attrs/nr_regions/max", "nrmax"),
             ("avail_operations", "ro")]
TARGET_FILES = [("pid_target", "pid")]
REGION_FILES = [("start", "addr"), ("end", "addr")]
SCHEME_FILES = [("action", "action"), ("apply_interval_us", "apply"),
                ("target_nid", "nid"),
                ("access_pattern/sz/min", "sz"),
                ("access_pattern/sz/max", "sz"),
                ("access_pattern/nr_accesses/min", "nr"),
                ("access_pattern/nr_accesses/max", "nr"),
                ("access_pattern/age/min", "age"),
                ("access_pattern/age/max", "age"),
                ("quotas/ms", "qms"), ("quotas/bytes", "qbytes"),
                ("quotas/reset_interval_ms", "qreset"),
                ("quotas/effective_bytes", "ro"),
                ("quotas/weights/sz_permil", "permil"),
                ("quotas/weights/nr_accesses_permil", "permil"),
                ("quotas/weights/age_permil", "permil"),
                ("watermarks/metric", "wmetric"),
                ("watermarks/interval_us", "winterval"),
                ("watermarks/high", "permil"),
                ("watermarks/mid", "permil"),
                ("watermarks/low", "permil"),
                ("stats/nr_tried", "ro"), ("stats/sz_tried", "ro"),
                ("stats/nr_applied", "ro"), ("stats/sz_applied", "ro"),
                ("stats/qt_exceeds", "ro"),
                ("stats/sz_ops_filter_passed", "ro"),
                ("dests/0/id", "nid"), ("dests/0/weight", "permil"),
                ("dests/1/id", "nid"), ("dests/1/weight", "permil"),
                ("tried_regions/total_bytes", "ro")]
GOAL_FILES = [("target_metric", "gmetric"), ("target_value", "gvalue"),
              ("current_value", "gvalue"), ("nid", "nid"),
              ("path", "memcg")]
FILTER_FILES = [("type", "ftype"), ("matching", "bool"),
                ("allow", "bool"), ("memcg_path", "memcg"),
                ("addr_start", "addr"), ("addr_end", "addr"),
                ("damon_target_idx", "tidx"), ("min", "sz"), ("max", "sz")]
TRIED_FILES = [("start", "ro"), ("end", "ro"), ("nr_accesses", "ro"),
               ("age", "ro"), ("sz_filter_passed", "ro")]

# Malformed and boundary values for any file.
JUNK = [b"", b"\n", b" ", b"\t\n", b"-1", b"-0", b"0", b"1", b"-1\n",
        b"18446744073709551615", b"18446744073709551616",
        b"9223372036854775808", b"9223372036854775807", b"4294967296",
        b"4294967295", b"2147483648", b"2147483647", b"-2147483649",
        b"0x", b"0xffffffffffffffff", b"0x10000000000000000", b"0777",
        b"08", b"1.5", b"abc", b"1e3", b" 5", b"5 ", b"5\n\n", b"5\x00",
        b"\x00", b"+5", b"--5", b"on\x00off", "\u00fc\u20ac".encode(),
        b"\xff\xfe\xfd", b"9" * 4000, b"A" * 4097, b"1" * 64, b"Y", b"N",
        b"on", b"off", b"max", b"/", b"//", b"../..", b"%s%s%n"]


def now():
    return time.monotonic()


class Interrupted(Exception):
    """The worker's alarm went off during a write."""


def on_alarm(signum, frame):
    raise Interrupted()


def ename(e):
    return errno.errorcode.get(e, str(e)) if e else "OK"


def read_text(path, default=None):
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except OSError:
        return default


def write_text(path, value):
    """Write value; return 0 or the errno."""
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError as e:
        return e.errno
    try:
        os.write(fd, value if isinstance(value, bytes) else
                 str(value).encode())
        return 0
    except OSError as e:
        return e.errno
    finally:
        os.close(fd)


def ram_ranges():
    """The System RAM ranges of /proc/iomem, biggest first."""
    out = []
    for line in (read_text("/proc/iomem") or "").splitlines():
        if line.startswith(" ") or "System RAM" not in line:
            continue
        lo, hi = line.split(":")[0].strip().split("-")
        lo, hi = int(lo, 16), int(hi, 16) + 1
        if hi - lo >= 64 * MIB:
            out.append((lo, hi))
    return sorted(out, key=lambda r: r[0] - r[1])


def kdamond_threads():
    """pids of the kdamond threads."""
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        comm = read_text("/proc/%s/comm" % name, "")
        if comm.startswith("kdamond"):
            pids.append(int(name))
    return pids


# ---- shared memory between the processes ---------------------------------------

class Shared:
    """An anonymous shared mapping made before the forks: the pids of live
    targets (written by the pool), a stop flag, and one heartbeat slot per
    worker (the start time and description of its current operation)."""
    NPIDS = 16
    SLOT = 256
    HB = 4096
    DEAD = 1024

    def __init__(self, nworkers):
        self.m = mmap.mmap(-1, self.HB + self.SLOT * (nworkers + 8))

    def set_pid(self, i, pid):
        struct.pack_into("i", self.m, 4 * i, pid)

    def pid(self, i):
        return struct.unpack_from("i", self.m, 4 * i)[0]

    def live_pids(self):
        return [p for p in struct.unpack_from("%di" % self.NPIDS, self.m, 0)
                if p > 0]

    def add_dead(self, pid):
        n = struct.unpack_from("i", self.m, self.DEAD)[0]
        struct.pack_into("i", self.m, self.DEAD + 4 + 4 * (n % 64), pid)
        struct.pack_into("i", self.m, self.DEAD, n + 1)

    def dead_pid(self, i):
        return struct.unpack_from("i", self.m, self.DEAD + 4 + 4 * (i % 64))[0]

    def stop(self):
        self.m[512] = 1

    def stopped(self):
        return self.m[512] == 1

    def beat(self, w, desc):
        off = self.HB + self.SLOT * w
        d = desc.encode(errors="replace")[:self.SLOT - 16]
        self.m[off + 16:off + 16 + len(d) + 1] = d + b"\0"
        struct.pack_into("d", self.m, off, now())

    def idle(self, w):
        struct.pack_into("d", self.m, self.HB + self.SLOT * w, 0.0)

    def heartbeat(self, w):
        off = self.HB + self.SLOT * w
        t = struct.unpack_from("d", self.m, off)[0]
        d = bytes(self.m[off + 16:off + self.SLOT]).split(b"\0")[0]
        return t, d.decode(errors="replace")


# ---- fault injection ------------------------------------------------------------

class Faults:
    """failslab and fail_page_alloc, limited to tasks with make-it-fail set.
    Their "times" counter counts down once per injected failure."""
    TIMES = 1000000000

    def __init__(self, enabled, probability):
        self.dirs = [DEBUGFS + "/failslab", DEBUGFS + "/fail_page_alloc"]
        self.available = all(os.path.isdir(d) for d in self.dirs) and \
            os.path.exists("/proc/self/make-it-fail")
        self.on = enabled and self.available
        self.probability = probability
        self.marked = set()

    def set(self, name, value):
        for d in self.dirs:
            if os.path.exists(d + "/" + name):
                write_text(d + "/" + name, str(value))

    def start(self):
        if not self.on:
            return
        # Quiet: verbose 1 would print a stack for every failure.
        self.set("verbose", 0)
        self.set("task-filter", "Y")
        self.set("interval", 1)
        self.set("space", 0)
        self.set("ignore-gfp-wait", "N")
        self.set("ignore-gfp-highmem", "Y")
        self.set("min-order", 0)
        self.set("times", self.TIMES)
        self.set("probability", self.probability)

    def stop(self):
        if not self.on:
            return
        self.set("probability", 0)
        for pid in self.marked:
            write_text("/proc/%d/make-it-fail" % pid, "0")

    def mark(self, pid):
        """Fail the allocations of task pid (a kdamond) from now on."""
        if self.on and pid not in self.marked:
            if write_text("/proc/%d/make-it-fail" % pid, "1") == 0:
                self.marked.add(pid)

    def injected(self):
        if not self.on:
            return 0
        n = 0
        for d in self.dirs:
            try:
                n += self.TIMES - int(read_text(d + "/times", "0"))
            except ValueError:
                pass
        return n


# ---- target processes -------------------------------------------------------------

def target_main(seed, cgroup):
    """A monitoring target: touches some anonymous memory, forks short-lived
    children, and exits after a while."""
    rng = random.Random(seed)
    if cgroup:
        write_text(CGROOT + "/" + cgroup + "/cgroup.procs", "0")
    size = rng.choice([1, 2, 4, 8]) * MIB
    buf = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    end = now() + rng.uniform(1.0, 8.0)
    kids = []
    while now() < end:
        step = PAGE * rng.choice([1, 4, 16])
        for off in range(rng.randrange(0, step, PAGE), size, step):
            buf[off] = 1
        if rng.random() < 0.1 and len(kids) < 2:
            pid = os.fork()
            if pid == 0:
                for off in range(0, size, PAGE * 8):
                    buf[off] = 2
                time.sleep(rng.uniform(0.01, 0.3))
                os._exit(0)
            kids.append(pid)
        for pid in kids[:]:
            if os.waitpid(pid, os.WNOHANG)[0]:
                kids.remove(pid)
        time.sleep(0.05)
    os._exit(0)


def pool_main(shm, seed, ntargets):
    """Keep ntargets targets alive, replacing those that exit, and publish
    their pids until the stop flag is set."""
    rng = random.Random(seed)
    slots = {}
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    while not shm.stopped():
        for i in range(ntargets):
            if i in slots:
                continue
            cg = rng.choice((None, None) + CGNAMES)
            s = rng.getrandbits(32)
            pid = os.fork()
            if pid == 0:
                try:
                    target_main(s, cg)
                finally:
                    os._exit(0)
            slots[i] = pid
            shm.set_pid(i, pid)
        try:
            while True:
                pid, _ = os.waitpid(-1, os.WNOHANG)
                if not pid:
                    break
                for i, p in list(slots.items()):
                    if p == pid:
                        del slots[i]
                        shm.set_pid(i, 0)
                        shm.add_dead(pid)
        except ChildProcessError:
            pass
        time.sleep(0.05)
    for pid in slots.values():
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    for i in range(ntargets):
        shm.set_pid(i, 0)
    while True:
        try:
            os.wait()
        except ChildProcessError:
            break
    os._exit(0)


def spawn(fn, *args):
    """fn(*args) in a child process; its exit status is fn's return."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = fn(*args) or 0
        except BaseException as e:  # pylint: disable=broad-except
            sys.stdout.write("# child %s: %s: %s\n" % (
                getattr(fn, "__name__", "?"), type(e).__name__, e))
            sys.stdout.flush()
        os._exit(code)
    return pid


def reap(pid, timeout):
    """Wait up to timeout seconds for child pid; its status or None."""
    end = now() + timeout
    while True:
        try:
            p, st = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return 0
        if p:
            return os.waitstatus_to_exitcode(st)
        if now() > end:
            return None
        time.sleep(0.02)


# ---- the fuzzer ---------------------------------------------------------------------

class Stats:
    """What one process did: operations, files, errnos, faults, failures."""

    def __init__(self):
        self.ops = 0
        self.files = set()
        self.errnos = {}
        self.bad = []
        self.nbad = 0
        self.injected_writes = 0
        self.events = {}

    def count(self, path, value, err):
        """Count the answers to the writes that start or change kdamonds."""
        name = path.rsplit("/", 1)[-1]
        v = value.strip()
        if name == "state" and v in (b"on", b"commit"):
            key = "%s %s" % (v.decode(), ename(err))
        elif name == "enabled" and v in (b"Y", b"y", b"1"):
            key = "module on " + ename(err)
        elif name == "commit_inputs":
            key = "module commit " + ename(err)
        else:
            return
        self.events[key] = self.events.get(key, 0) + 1

    def note(self, path, err):
        self.ops += 1
        if err != errno.ENOENT:
            self.files.add(path)
        k = ename(err)
        self.errnos[k] = self.errnos.get(k, 0) + 1

    def fail(self, what):
        self.nbad += 1
        if len(self.bad) < 20:
            self.bad.append(what)

    def to_dict(self):
        return {"ops": self.ops, "files": sorted(self.files),
                "errnos": self.errnos, "bad": self.bad, "nbad": self.nbad,
                "injected_writes": self.injected_writes,
                "events": self.events}

    def merge(self, d):
        self.ops += d["ops"]
        self.files.update(d["files"])
        for k, v in d["errnos"].items():
            self.errnos[k] = self.errnos.get(k, 0) + v
        self.bad += d["bad"]
        self.nbad += d["nbad"]
        self.injected_writes += d["injected_writes"]
        for k, v in d["events"].items():
            self.events[k] = self.events.get(k, 0) + v


def well_formed(path, data):
    """Whether what a DAMON file or module parameter read is well formed."""
    name = path.rsplit("/", 1)[-1]
    try:
        text = data.decode()
    except UnicodeDecodeError:
        return False
    if not text.endswith("\n"):
        return False
    text = text[:-1]
    words = {"state": ("on", "off"), "operations": OPS_NAMES,
             "action": ACTIONS, "type": FILTER_TYPES,
             "matching": ("Y", "N"), "allow": ("Y", "N"),
             "metric": WMARK_METRICS,
             "target_metric": GOAL_METRICS, "enabled": ("Y", "N"),
             "commit_inputs": ("Y", "N"), "skip_anon": ("Y", "N"),
             "autotune_monitoring_intervals": ("Y", "N"),
             "page_table": ("Y", "N"), "page_fault": ("Y", "N")}
    if name in words:
        return text in words[name]
    if name == "avail_operations":
        return all(w in OPS_NAMES for w in text.split("\n"))
    if name in ("memcg_path", "path"):
        return "\n" not in text
    if name == "node_pairs":
        return re.fullmatch(r"([0-9]+:[0-9]+(,|$))*", text) is not None
    if name == "kdamond_pid":
        # One value per context of the module.
        return re.fullmatch(r"-?[0-9]+(,-?[0-9]+)*", text) is not None
    return re.fullmatch(r"-?[0-9]+", text) is not None


class Fuzzer:
    """One worker: ops operations drawn from Random(seed)."""

    def __init__(self, idx, seed, nops, env, faults, deadline):
        self.idx = idx
        self.rng = random.Random(seed)
        self.nops = nops
        self.env = env
        self.faults = faults
        self.deadline = deadline
        self.st = Stats()
        self.mif = None
        self.ro = set()

    # -- value generators --

    def junk(self):
        r = self.rng
        c = r.randrange(len(JUNK) + 4)
        if c < len(JUNK):
            return JUNK[c]
        if c == len(JUNK):
            return bytes(r.getrandbits(8) for _ in range(r.randrange(1, 64)))
        if c == len(JUNK) + 1:
            return "".join(chr(r.randrange(32, 127))
                           for _ in range(r.randrange(1, 300))).encode()
        if c == len(JUNK) + 2:
            return str(r.getrandbits(r.choice([8, 16, 32, 63, 64, 65,
                                               128]))).encode()
        return str(-r.getrandbits(r.choice([8, 32, 64]))).encode()

    def live_pid(self):
        r = self.rng
        c = r.random()
        i = r.randrange(Shared.NPIDS)
        if c < 0.8:
            pids = self.env.shm.live_pids()
            return pids[i % len(pids)] if pids else os.getpid()
        if c < 0.9:
            return self.env.shm.dead_pid(i) or 999999
        return r.choice([1, 0, -1, os.getpid(), 4194304, 999999])

    def addr(self):
        r = self.rng
        lo, hi = self.env.ram[0] if self.env.ram else (0, 1 << 30)
        c = r.random()
        if c < 0.6:
            return lo + r.randrange(0, (hi - lo) // PAGE) * PAGE
        if c < 0.8:
            return r.randrange(0, 1 << 20) * PAGE
        return r.choice([0, 1, PAGE - 1, ULONG_MAX, ULONG_MAX - PAGE + 1,
                         1 << 47, hi, lo])

    def valid(self, kind):
        r = self.rng
        if kind == "ops":
            return r.choice(OPS_NAMES)
        if kind == "sample":
            return r.choice([200, 500, 1000, 1000, 2000, 5000])
        if kind == "aggr":
            return r.choice([2000, 5000, 10000, 20000, 100000])
        if kind == "update":
            return r.choice([10000, 50000, 200000, 1000000])
        if kind == "nrmin":
            return r.choice([3, 3, 5, 10, 20])
        if kind == "nrmax":
            return r.choice([3, 10, 20, 50, 100])
        if kind == "pid":
            return self.live_pid()
        if kind == "addr":
            return self.addr()
        if kind == "action":
            return r.choice(ACTIONS)
        if kind == "apply":
            return r.choice([0, 0, 1000, 5000, 50000])
        if kind == "nid":
            return r.choice([-1, 0, 1, 2, 64])
        if kind == "sz":
            return r.choice([0, PAGE, 2 * PAGE, MIB, ULONG_MAX])
        if kind == "nr":
            return r.choice([0, 1, 5, 10, 20, (1 << 32) - 1])
        if kind == "age":
            return r.choice([0, 1, 5, 50, (1 << 32) - 1])
        if kind == "qms":
            return r.choice([0, 0, 1, 10, 100, 1000])
        if kind == "qbytes":
            return r.choice([0, 0, PAGE, MIB, 1 << 30])
        if kind == "qreset":
            return r.choice([0, 10, 100, 1000])
        if kind == "permil":
            return r.choice([0, 1, 200, 500, 999, 1000, r.randrange(1001)])
        if kind == "wmetric":
            return r.choice(WMARK_METRICS)
        if kind == "winterval":
            return r.choice([0, 1000, 10000, 100000])
        if kind == "gmetric":
            return r.choice(GOAL_METRICS)
        if kind == "gvalue":
            return r.choice([0, 1, 100, 10000, MIB])
        if kind == "ftype":
            return r.choice(FILTER_TYPES)
        if kind == "bool":
            return r.choice(["Y", "N", "1", "0", "y", "n", "on", "off"])
        if kind == "memcg":
            return r.choice(["/stress-a", "/stress-b", "/", "",
                             "/no-such-cgroup", "stress-a", "/stress-a/",
                             "//stress-b"])
        if kind == "tidx":
            return r.randrange(-1, 4)
        return r.randrange(0, 100)

    def value(self, kind):
        r = self.rng
        if r.random() < 0.35:
            return self.junk()
        v = str(self.valid(kind)).encode()
        return v + b"\n" if r.random() < 0.5 else v

    # -- paths --

    def child(self, d, choices):
        """A numbered child of directory d: mostly one that exists (the
        draw picks among them), sometimes the raw draw."""
        i = self.rng.choice(choices)
        if self.rng.random() < 0.1:
            return "%s/%d" % (d, i)
        try:
            have = sorted(int(n) for n in os.listdir(d) if n.isdigit())
        except OSError:
            have = []
        return "%s/%d" % (d, have[i % len(have)] if have else i)

    def kdir(self):
        return self.child(KD, [0, 0, 1, 1, 2, 3, 4])

    def cdir(self):
        return self.child(self.kdir() + "/contexts", [0] * 6 + [1])

    def tdir(self):
        return self.child(self.cdir() + "/targets", [0, 0, 1, 2])

    def rdir(self):
        return self.child(self.tdir() + "/regions", [0, 0, 1, 3])

    def sdir(self):
        return self.child(self.cdir() + "/schemes", [0, 0, 1, 2])

    def gdir(self):
        return self.child(self.sdir() + "/quotas/goals", [0, 0, 1])

    def fdir(self):
        return self.child("%s/%s" % (self.sdir(), self.rng.choice(FILTER_DIRS)),
                          [0, 0, 1, 2])

    def leaf(self):
        """A random file of the tree and its kind."""
        r = self.rng
        c = r.randrange(100)
        if c < 4:
            return self.kdir() + "/pid", "ro"
        if c < 20:
            name, kind = r.choice(CTX_FILES)
            return self.cdir() + "/" + name, kind
        if c < 28:
            name, kind = r.choice(TARGET_FILES)
            return self.tdir() + "/" + name, kind
        if c < 36:
            name, kind = r.choice(REGION_FILES)
            return self.rdir() + "/" + name, kind
        if c < 70:
            name, kind = r.choice(SCHEME_FILES)
            return self.sdir() + "/" + name, kind
        if c < 78:
            name, kind = r.choice(GOAL_FILES)
            return self.gdir() + "/" + name, kind
        if c < 94:
            name, kind = r.choice(FILTER_FILES)
            return self.fdir() + "/" + name, kind
        name, kind = r.choice(TRIED_FILES)
        return "%s/%s" % (self.child(self.sdir() + "/tried_regions",
                                     [0, 1, 2, 50]), name), kind

    def nr_file(self):
        """A random nr_* file, and the largest count it accepts."""
        r = self.rng
        c = r.randrange(100)
        if c < 10:
            return KD + "/nr_kdamonds", 256
        if c < 22:
            return self.kdir() + "/contexts/nr_contexts", 1
        if c < 38:
            return self.cdir() + "/targets/nr_targets", 4096
        if c < 54:
            # No limit but memory; each region directory costs about
            # 2 ms on the debug guest, so a count that the 60 s answer
            # limit allows even with the other workers queued first.
            return self.tdir() + "/regions/nr_regions", 2048
        if c < 70:
            return self.cdir() + "/schemes/nr_schemes", None
        if c < 82:
            return self.sdir() + "/quotas/goals/nr_goals", None
        if c < 86:
            return self.sdir() + "/dests/nr_dests", None
        return "%s/%s/nr_filters" % (self.sdir(),
                                     self.rng.choice(FILTER_DIRS)), None

    # -- operations --

    def beat(self, desc):
        self.env.shm.beat(self.idx, desc)

    def write(self, path, value, ro=False):
        """One write, maybe with fault injection; checks its errno."""
        r = self.rng
        inject = self.mif is not None and r.random() < 0.5
        if not isinstance(value, bytes):
            value = str(value).encode()
        self.beat("write %r to %s" % (value[:40], path))
        err = 0
        # The alarm of a walk runs Python code: never under injection.
        walk = value.strip() in WALK_WORDS
        inject = inject and not walk
        try:
            fd = os.open(path, os.O_WRONLY)
        except OSError as e:
            err = e.errno
            fd = None
        if fd is not None:
            try:
                if inject:
                    os.write(self.mif, b"1")
                    self.st.injected_writes += 1
                if walk:
                    signal.setitimer(signal.ITIMER_REAL, WALK_TIMEOUT)
                try:
                    os.write(fd, value)
                finally:
                    # (A one-shot alarm that already fired needs nothing.)
                    if walk:
                        signal.setitimer(signal.ITIMER_REAL, 0)
            except Interrupted:
                err = errno.EINTR
            except OSError as e:
                err = e.errno
            finally:
                if inject:
                    os.write(self.mif, b"0")
                os.close(fd)
        self.env.shm.idle(self.idx)
        self.st.note(path, err)
        self.st.count(path, value, err)
        if err and err not in ALLOWED and not (ro and err == errno.EACCES):
            self.st.fail("write %r to %s: %s" % (value[:40], path,
                                                 ename(err)))
        return err

    def read(self, path):
        self.beat("read " + path)
        err = 0
        data = None
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            err = e.errno
            fd = None
        if fd is not None:
            try:
                data = os.read(fd, 65536)
            except OSError as e:
                err = e.errno
            finally:
                os.close(fd)
        self.env.shm.idle(self.idx)
        self.st.note(path, err)
        if err and err not in ALLOWED:
            self.st.fail("read %s: %s" % (path, ename(err)))
        elif data is not None and not well_formed(path, data):
            self.st.fail("read %s: malformed %r" % (path, data[:60]))
        return data

    def walk(self, top, limit):
        """Read every file below top, at most limit of them."""
        n = 0
        stack = [top]
        while stack and n < limit:
            d = stack.pop()
            try:
                entries = list(os.scandir(d))
            except OSError:
                continue
            for e in entries:
                try:
                    if e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
                        continue
                    mode = e.stat(follow_symlinks=False).st_mode
                except OSError:
                    continue
                if mode & 0o444:
                    self.read(e.path)
                    n += 1

    def op_nr(self):
        r = self.rng
        path, most = self.nr_file()
        c = r.random()
        if c < 0.2:
            v = b"0"
        elif c < 0.75:
            v = str(r.choice([1, 1, 2, 3])).encode()
        elif c < 0.85:
            v = self.junk()
        elif c < 0.95:
            v = str(r.choice([5, 20, 300])).encode()
        else:
            v = str((most or 100) + r.choice([0, 1])).encode()
        if r.random() < 0.3:
            v += b"\n"
        self.write(path, v)

    def op_leaf(self):
        path, kind = self.leaf()
        self.write(path, self.value(kind), ro=kind == "ro")

    def op_state(self):
        r = self.rng
        word = r.choice(STATE_WORDS + ("on", "commit",
                                       "update_schemes_stats")).encode()
        c = r.random()
        if c < 0.3:
            word += b"\n"
        elif c < 0.35:
            word = r.choice([word.upper(), b" " + word, word + b"x",
                             word + b"\n\n", word[:-1], self.junk()])
        self.write(self.kdir() + "/state", word)

    def op_read(self):
        r = self.rng
        c = r.random()
        if c < 0.1:
            self.walk(self.kdir(), 300)
        elif c < 0.15:
            self.walk(KD, 300)
        elif c < 0.25:
            self.read(self.nr_file()[0])
        elif c < 0.35:
            mod = r.choice(MODULES)
            names = self.env.params.get(mod, [])
            if names:
                self.read("%s/%s" % (MODPARAMS % mod, r.choice(names)))
        else:
            self.read(self.leaf()[0])

    def module_value(self, name):
        r = self.rng
        if r.random() < 0.3:
            return self.junk()
        lo, hi = self.env.ram[0] if self.env.ram else (0, 1 << 30)
        base = lo + r.randrange(0, max(1, (hi - lo - 64 * MIB) // MIB)) * MIB
        vals = {
            "enabled": ["Y", "N", "N", "N"], "commit_inputs": ["Y"],
            "skip_anon": ["Y", "N"],
            "autotune_monitoring_intervals": ["Y", "N", "1", "x"],
            "sample_interval": [1000, 2000, 5000],
            "aggr_interval": [10000, 20000, 100000],
            "min_nr_regions": [3, 10, 20], "max_nr_regions": [10, 50, 200],
            "monitor_region_start": [0, base, base + 16 * MIB],
            "monitor_region_end": [0, base + 16 * MIB, base + 32 * MIB],
            "min_age": [0, 1000000, 120000000],
            "cold_min_age": [0, 1000000, 120000000],
            "hot_thres_access_freq": [0, 50, 500, 1000],
            "quota_ms": [0, 10, 100], "quota_sz": [0, MIB, 128 * MIB],
            "quota_reset_interval_ms": [0, 10, 1000],
            "wmarks_interval": [1000, 100000, 5000000],
            "wmarks_high": [1000, 500, 200], "wmarks_mid": [999, 400, 150],
            "wmarks_low": [0, 200, 50],
            "quota_mem_pressure_us": [0, 1000],
            "quota_autotune_feedback": [0, 1, 100],
            "promote_target_used_bp": [0, 1, 9970, 10000, 10001],
            "demote_target_free_bp": [0, 50, 5000, 10001],
            "quota_mb_per_s": [0, 1, 256], "min_age_ms": [0, 1000, 5000],
        }
        return str(r.choice(vals.get(name, [0, 1, 100]))).encode()

    def op_module(self):
        r = self.rng
        mod = r.choice(MODULES)
        names = self.env.params.get(mod, [])
        if not names:
            return
        name = r.choice(names + ["commit_inputs", "enabled"] * 3)
        self.write("%s/%s" % (MODPARAMS % mod, name),
                   self.module_value(name),
                   ro=name in self.env.ro_params.get(mod, ()))

    def op_build(self):
        """A whole valid kdamond, then "on": most writes succeed, so the
        kdamonds really run while the other workers poke them."""
        r = self.rng
        # Mostly a kdamond of this worker's own, which the others only
        # poke now and then, so that what it builds gets to run.
        k = r.choice([self.idx % 4] * 3 + [0, 1])
        kd = "%s/%d" % (KD, k)
        c = kd + "/contexts/0"
        w = self.write
        # Draw first: what the reads find must not change the draws.
        nk = k + 1 + r.randrange(2)
        renew = r.random() < 0.5
        try:
            have = int(self.read(KD + "/nr_kdamonds") or b"0")
        except ValueError:
            have = 0
        if have <= k:
            w(KD + "/nr_kdamonds", nk)
        if renew or self.read(kd + "/contexts/nr_contexts") != b"1\n":
            w(kd + "/contexts/nr_contexts", 1)
        ops = r.choice(OPS_NAMES + ("paddr",))
        w(c + "/operations", ops)
        # Page faults too, now and then, or only (both N is refused).
        prims = c + "/monitoring_attrs/sample/primitives/"
        w(prims + "page_table", r.choice("YYYN"))
        w(prims + "page_fault", r.choice("YNN"))
        sample = r.choice([500, 1000, 2000, 5000])
        aggr = sample * r.choice([5, 10, 20])
        if r.random() < 0.05:
            # A day, or longer than a ktime: commands must not wait it out.
            sample = aggr = r.choice([86400 * 10 ** 6, ULONG_MAX])
        w(c + "/monitoring_attrs/intervals/sample_us", sample)
        w(c + "/monitoring_attrs/intervals/aggr_us", aggr)
        w(c + "/monitoring_attrs/intervals/update_us",
          aggr * r.choice([1, 10]))
        w(c + "/monitoring_attrs/nr_regions/min", r.choice([3, 5, 10]))
        w(c + "/monitoring_attrs/nr_regions/max", r.choice([20, 50, 100]))
        if ops == "paddr":
            nt = 1
        else:
            nt = r.choice([1, 1, 2])
        w(c + "/targets/nr_targets", nt)
        lo, hi = self.env.ram[0] if self.env.ram else (0, 1 << 30)
        for t in range(nt):
            td = "%s/targets/%d" % (c, t)
            w(td + "/pid_target", self.live_pid())
            if ops == "vaddr":
                nreg = r.choice([0, 0, 1])
            else:
                nreg = r.choice([1, 2])
            w(td + "/regions/nr_regions", nreg)
            start = lo + r.randrange(0, (hi - lo - 64 * MIB) // MIB) * MIB
            for i in range(nreg):
                end = start + r.choice([4, 8, 16]) * MIB
                w("%s/regions/%d/start" % (td, i), start)
                w("%s/regions/%d/end" % (td, i), end)
                start = end + MIB
        ns = r.choice([0, 1, 1, 2])
        w(c + "/schemes/nr_schemes", ns)
        for s in range(ns):
            self.build_scheme("%s/schemes/%d" % (c, s), ops)
        if r.random() < 0.9:
            # The lock is only tried: another writer makes it EBUSY.
            for _ in range(3):
                if w(kd + "/state", "on") != errno.EBUSY:
                    break
                time.sleep(0.01)

    def build_scheme(self, sd, ops):
        r = self.rng
        w = self.write
        if ops == "paddr":
            action = r.choice(["pageout", "lru_prio", "lru_deprio",
                               "migrate_hot", "migrate_cold", "stat"])
        else:
            action = r.choice(["willneed", "cold", "pageout", "hugepage",
                               "nohugepage", "stat"])
        w(sd + "/action", action)
        if action.startswith("migrate"):
            w(sd + "/target_nid", r.choice([0, 1]))
        for name, lo, hi in (("sz", 0, ULONG_MAX), ("nr_accesses", 0, 1000),
                             ("age", 0, 1 << 20)):
            if r.random() < 0.5:
                lo = r.choice([lo, 1])
                hi = r.choice([hi, 10])
            w("%s/access_pattern/%s/max" % (sd, name), hi)
            w("%s/access_pattern/%s/min" % (sd, name), lo)
        w(sd + "/apply_interval_us", r.choice([0, 0, 5000, 20000]))
        if r.random() < 0.5:
            w(sd + "/quotas/ms", r.choice([0, 1, 10]))
            w(sd + "/quotas/bytes", r.choice([0, MIB, 16 * MIB]))
            w(sd + "/quotas/reset_interval_ms", r.choice([10, 100]))
            for name in ("sz", "nr_accesses", "age"):
                w("%s/quotas/weights/%s_permil" % (sd, name),
                  r.randrange(1001))
            ng = r.choice([0, 1, 2])
            w(sd + "/quotas/goals/nr_goals", ng)
            for g in range(ng):
                gd = "%s/quotas/goals/%d" % (sd, g)
                w(gd + "/target_metric", r.choice(GOAL_METRICS))
                w(gd + "/target_value", r.choice([100, 10000]))
                w(gd + "/current_value", r.randrange(20000))
        if r.random() < 0.3:
            w(sd + "/watermarks/interval_us", r.choice([10000, 100000]))
            w(sd + "/watermarks/high", r.choice([1000, 500]))
            w(sd + "/watermarks/mid", r.choice([999, 400]))
            w(sd + "/watermarks/low", r.choice([0, 200]))
            w(sd + "/watermarks/metric", "free_mem_rate")
        nf = r.choice([0, 0, 1, 2])
        w(sd + "/filters/nr_filters", nf)
        for f in range(nf):
            fd = "%s/filters/%d" % (sd, f)
            ftype = r.choice(FILTER_TYPES if ops == "paddr" else
                             ("addr", "target"))
            w(fd + "/type", ftype)
            w(fd + "/matching", r.choice("YN"))
            if ftype == "memcg":
                w(fd + "/memcg_path", "/" + r.choice(CGNAMES))
            elif ftype == "addr":
                a = self.addr() & ~(PAGE - 1)
                w(fd + "/addr_start", a)
                w(fd + "/addr_end", a + r.choice([1, 16]) * MIB)
            elif ftype == "target":
                w(fd + "/damon_target_idx", r.choice([0, 1]))

    def op_inject(self):
        """An access report through the test kernel's debugfs hook, from
        whatever CPU this worker runs on: of a live target, of physical
        memory, or malformed."""
        r = self.rng
        if not os.path.exists(INJECT):
            return
        c = r.random()
        size = r.choice([1, PAGE, 2 * MIB])
        if c < 0.45:
            value = "v %d %d %d" % (self.live_pid(), self.addr(), size)
        elif c < 0.9:
            lo, hi = self.env.ram[0] if self.env.ram else (0, 1 << 30)
            value = "p %d %d" % (r.randrange(lo, hi), size)
        else:
            value = self.junk()
        self.write(INJECT, value)

    def run(self):
        signal.signal(signal.SIGALRM, on_alarm)
        if self.faults:
            self.mif = os.open("/proc/self/make-it-fail", os.O_WRONLY)
        ops = [(0.10, self.op_nr), (0.50, self.op_leaf),
               (0.63, self.op_state), (0.83, self.op_read),
               (0.90, self.op_module), (0.95, self.op_inject),
               (1.0, self.op_build)]
        while self.st.ops < self.nops and now() < self.deadline:
            c = self.rng.random()
            for p, fn in ops:
                if c < p:
                    fn()
                    break
        return self.st


# ---- the run -------------------------------------------------------------------------

class Env:
    """What every process knows: shared memory, RAM ranges, parameters."""

    def __init__(self, nworkers):
        self.shm = Shared(nworkers)
        self.ram = ram_ranges()
        self.params = {}
        self.ro_params = {}
        for mod in MODULES:
            d = MODPARAMS % mod
            try:
                names = sorted(os.listdir(d))
            except OSError:
                continue
            self.ro_params[mod] = {n for n in names
                                   if not os.stat(d + "/" + n).st_mode & 0o200}
            self.params[mod] = names


class Run:
    def __init__(self, args):
        self.args = args
        self.prefix = args.tap_prefix
        self.nr = 0
        self.failed = 0
        self.figures = {"ops": 0, "files": 0, "faults": 0, "races": 0,
                        "reports": 0}
        self.race_ops = Stats()
        self.kmsg = None
        self.t0 = now()

    def say(self, text):
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def result(self, ok, name, note=""):
        self.nr += 1
        if ok is None:
            self.say("ok %d - %s%s # SKIP %s" % (self.nr, self.prefix, name,
                                                 note))
            return
        if not ok:
            self.failed += 1
        line = "%sok %d - %s%s" % ("" if ok else "not ", self.nr,
                                   self.prefix, name)
        if note:
            line += " # " + " ".join(note.split())[:600]
        self.say(line)

    # -- kernel log --

    def kmsg_open(self):
        try:
            self.kmsg = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.kmsg, 0, os.SEEK_END)
        except OSError:
            self.kmsg = None

    def kmsg_reports(self):
        """Kernel log lines since the start that are reports."""
        found = []
        if self.kmsg is None:
            return found
        while True:
            try:
                rec = os.read(self.kmsg, 8192)
            except BlockingIOError:
                break
            except OSError as e:
                if e.errno == errno.EPIPE:
                    continue
                break
            if not rec:
                break
            msg = rec.decode(errors="replace").split(";", 1)[-1]
            msg = msg.split("\n", 1)[0]
            if REPORT_RE.search(msg):
                found.append(msg)
        return found

    # -- helpers --

    def state(self, k):
        for _ in range(200):
            s = read_text("%s/%d/state" % (KD, k))
            if s is not None:
                return s.strip()
            time.sleep(0.05)
        return "?"

    def nr_kdamonds(self):
        try:
            return int(read_text(KD + "/nr_kdamonds", "0"))
        except ValueError:
            return 0

    def retry(self, path, value, ok=(0,), tries=200, st=None):
        """Write until the errno is in ok (EBUSY is retried)."""
        err = None
        for _ in range(tries):
            err = write_text(path, value)
            if st is not None:
                st.note(path, err)
            if err in ok:
                return err
            if err != errno.EBUSY:
                return err
            time.sleep(0.05)
        return err

    def all_off(self, timeout=60):
        """Turn every kdamond and module off; a list of what failed."""
        bad = []
        for mod in MODULES:
            p = MODPARAMS % mod + "/enabled"
            if os.path.exists(p):
                err = self.retry(p, "N")
                if err:
                    bad.append("%s enabled=N: %s" % (mod, ename(err)))
        end = now() + timeout
        for k in range(self.nr_kdamonds()):
            while now() < end:
                err = write_text("%s/%d/state" % (KD, k), "off")
                if err not in (errno.EBUSY,) and self.state(k) == "off":
                    break
                time.sleep(0.1)
            else:
                bad.append("kdamonds/%d stays %s" % (k, self.state(k)))
        return bad

    def setup_kdamond(self, k, ops, targets, schemes=(), sample=1000,
                      aggr=10000):
        """kdamonds/k: targets [(pid, [(start, end)...])], schemes
        [{action, filters: [(type, matching, arg)]}]; an errno or 0."""
        c = "%s/%d/contexts/0" % (KD, k)
        writes = [("%s/%d/contexts/nr_contexts" % (KD, k), 1),
                  (c + "/operations", ops),
                  (c + "/monitoring_attrs/intervals/sample_us", sample),
                  (c + "/monitoring_attrs/intervals/aggr_us", aggr),
                  (c + "/monitoring_attrs/intervals/update_us", aggr * 10),
                  (c + "/targets/nr_targets", len(targets))]
        for i, (pid, regions) in enumerate(targets):
            td = "%s/targets/%d" % (c, i)
            writes += [(td + "/pid_target", pid),
                       (td + "/regions/nr_regions", len(regions))]
            for j, (s, e) in enumerate(regions):
                writes += [("%s/regions/%d/start" % (td, j), s),
                           ("%s/regions/%d/end" % (td, j), e)]
        writes.append((c + "/schemes/nr_schemes", len(schemes)))
        for i, s in enumerate(schemes):
            sd = "%s/schemes/%d" % (c, i)
            writes += [(sd + "/action", s["action"]),
                       (sd + "/access_pattern/sz/max", ULONG_MAX),
                       (sd + "/access_pattern/nr_accesses/max", 1000),
                       (sd + "/access_pattern/age/max", 1 << 30),
                       (sd + "/filters/nr_filters", len(s.get("filters", [])))]
            for j, (ftype, matching, arg) in enumerate(s.get("filters", [])):
                fd = "%s/filters/%d" % (sd, j)
                writes += [(fd + "/type", ftype), (fd + "/matching", matching)]
                if ftype == "memcg":
                    writes.append((fd + "/memcg_path", arg))
        for path, v in writes:
            err = self.retry(path, v, st=self.race_ops)
            if err:
                return "%s <- %s: %s" % (path, v, ename(err))
        return None

    def module_params(self):
        """The writable parameters of the modules, but for the switches."""
        snap = {}
        for mod in MODULES:
            d = MODPARAMS % mod
            for name in self.env.params.get(mod, []):
                if name in ("enabled", "commit_inputs") or \
                        name in self.env.ro_params.get(mod, ()):
                    continue
                v = read_text(d + "/" + name)
                if v is not None:
                    snap[d + "/" + name] = v.strip()
        return snap

    def restore_module_params(self):
        for path, v in self.params_start.items():
            write_text(path, v)

    def settle_modules(self):
        """Run each module briefly on three pages: a stopped module keeps
        its context, and so its last regions, until it is enabled again.
        This leaves exactly three regions in each, so that the slab counts
        of the start and the end compare.  A list of problems."""
        bad = []
        lo = self.env.ram[0][0] if self.env.ram else 1 << 30
        for mod in MODULES:
            d = MODPARAMS % mod
            if not os.path.isdir(d):
                continue
            for name, v in (("sample_interval", 1000),
                            ("aggr_interval", 10000),
                            ("min_nr_regions", 3), ("max_nr_regions", 3),
                            ("monitor_region_start", lo),
                            ("monitor_region_end", lo + 3 * PAGE)):
                write_text(d + "/" + name, v)
            err = self.retry(d + "/enabled", "Y")
            if err:
                bad.append("%s: enabled=Y: %s" % (mod, ename(err)))
                continue
            # Give the kdamond time to split its region in three.
            time.sleep(1)
            err = self.retry(d + "/enabled", "N")
            if err:
                bad.append("%s: enabled=N: %s" % (mod, ename(err)))
        return bad

    def reset_kdamonds(self, n):
        bad = self.all_off()
        err = self.retry(KD + "/nr_kdamonds", 0)
        if not err:
            err = self.retry(KD + "/nr_kdamonds", n)
        if err:
            bad.append("nr_kdamonds: %s" % ename(err))
        return bad

    # -- phases --

    def preflight(self):
        a = self.args
        self.say("TAP version 13")
        self.say("# stress: seed=%d (SEED=%d replays it), %d operations, "
                 "%d workers%s" % (a.seed, a.seed, a.ops, a.procs,
                                   ", short" if a.short else ""))
        if os.geteuid() != 0:
            self.result(False, "setup", "needs root")
            return False
        if not os.path.isdir(KD):
            self.result(False, "setup", "no DAMON sysfs interface at " + KD)
            return False
        # TLB churn loops (harness/guest-churn.sh) only slow this down.
        if os.path.exists("/run/tlb-churn.pids"):
            subprocess.call(["bash", TOP + "/harness/guest-churn.sh", "off"])
        self.kmsg_open()
        self.kmemleak = DEBUGFS + "/kmemleak"
        if os.path.exists(self.kmemleak):
            write_text(self.kmemleak, "clear")
        for name in CGNAMES:
            try:
                os.mkdir(CGROOT + "/" + name)
            except FileExistsError:
                pass
            except OSError as e:
                self.say("# cannot make cgroup %s: %s" % (name, e))
        bad = self.reset_kdamonds(0)
        self.env = Env(self.args.procs)
        self.params_start = self.module_params()
        bad += self.settle_modules()
        self.slab_start = self.slab_objects()
        self.result(not bad, "setup: DAMON interfaces found, everything off",
                    "; ".join(bad))
        return not bad

    def slab_objects(self):
        """Objects in use in the damon_region cache, or None if it cannot
        be told (no slab sysfs, or the cache is merged with others)."""
        d = "/sys/kernel/slab/damon_region"
        if not os.path.isdir(d) or os.path.islink(d):
            return None
        # Free the per-CPU slabs and KASAN's quarantine first, so that
        # what is counted is what is allocated.
        write_text(d + "/shrink", "1")
        v = read_text(d + "/objects")
        try:
            return int(v.split()[0])
        except (AttributeError, ValueError, IndexError):
            return None

    def fuzz(self):
        a = self.args
        env = self.env
        faults = Faults(not a.no_faults, a.fault_probability)
        self.faults = faults
        pool = spawn(pool_main, env.shm, a.seed + 1000, 4)
        # Let the first targets exist before the workers want their pids.
        time.sleep(0.5)
        faults.start()
        deadline = now() + a.fuzz_time
        workers = {}
        for i in range(a.procs):
            rfd, wfd = os.pipe()
            nops = a.ops // a.procs + (1 if i < a.ops % a.procs else 0)
            pid = os.fork()
            if pid == 0:
                os.close(rfd)
                code = 0
                try:
                    st = Fuzzer(i, a.seed + i, nops, env, faults.on,
                                deadline).run()
                    os.write(wfd, json.dumps(st.to_dict()).encode())
                except BaseException as e:  # pylint: disable=broad-except
                    sys.stdout.write("# worker %d: %s: %s\n" % (
                        i, type(e).__name__, e))
                    sys.stdout.flush()
                    code = 1
                os._exit(code)
            os.close(wfd)
            workers[pid] = (i, rfd, [])
        hangs = []
        total = Stats()
        crashed = []
        last_scan = last_note = 0
        nsamples = nrunning = most = 0
        fds = {rfd: pid for pid, (i, rfd, buf) in workers.items()}
        alive = set(workers)
        while alive:
            ready, _, _ = select.select(list(fds), [], [], 0.5)
            for fd in ready:
                chunk = os.read(fd, 1 << 20)
                pid = fds[fd]
                if chunk:
                    workers[pid][2].append(chunk)
                    continue
                del fds[fd]
                os.close(fd)
            for pid in list(alive):
                code = reap(pid, 0)
                if code is None:
                    continue
                alive.discard(pid)
                i, _, buf = workers[pid]
                if code != 0:
                    crashed.append("worker %d exited with %d" % (i, code))
            t = now()
            if t - last_scan > 1.0:
                last_scan = t
                kpids = kdamond_threads()
                nsamples += 1
                nrunning += len(kpids)
                most = max(most, len(kpids))
                for kpid in kpids:
                    faults.mark(kpid)
            if t - last_note > 30:
                last_note = t
                self.say("# fuzz: %.0f s, %d kdamond threads" % (
                    t - self.t0, len(kdamond_threads())))
            for pid in alive:
                i = workers[pid][0]
                started, desc = env.shm.heartbeat(i)
                if started and t - started > OP_TIMEOUT:
                    stack = read_text("/proc/%d/stack" % pid, "?")
                    hangs.append("worker %d: %s: no answer in %d s; "
                                 "stack: %s" % (i, desc, OP_TIMEOUT,
                                                " | ".join(stack.split())))
                    self.say("# watchdog: " + hangs[-1])
                    env.shm.idle(i)
                    os.kill(pid, signal.SIGKILL)
        for fd in list(fds):
            while True:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    break
                workers[fds[fd]][2].append(chunk)
            os.close(fd)
        for pid, (i, _, buf) in workers.items():
            data = b"".join(buf)
            if data:
                total.merge(json.loads(data))
            elif not any(h.startswith("worker %d:" % i) for h in hangs):
                crashed.append("worker %d reported nothing" % i)
        faults.stop()
        self.figures["faults"] = faults.injected()
        env.shm.stop()
        reap(pool, 30)
        self.figures["ops"] += total.ops
        self.files = total.files
        took = now() - self.t0
        self.say("# fuzz: %d operations in %.0f s, errnos: %s" % (
            total.ops, took, ", ".join("%s %d" % kv for kv in
                                       sorted(total.errnos.items()))))
        self.say("# fuzz: kdamond threads: %.1f on average, %d at most" % (
            nrunning / max(1, nsamples), most))
        self.say("# fuzz: answers: %s" % ", ".join(
            "%s %d" % kv for kv in sorted(total.events.items())))
        if faults.on:
            self.say("# fuzz: %d writes under fault injection, %d faults "
                     "injected, %d kdamond threads marked" % (
                         total.injected_writes, self.figures["faults"],
                         len(faults.marked)))
        for b in total.bad:
            self.say("# fuzz: " + b)
        self.result(not total.nbad and not crashed,
                    "fuzz: every operation succeeded or failed with a "
                    "documented errno, reads well formed",
                    "%d bad: %s" % (total.nbad, "; ".join(crashed +
                                                          total.bad[:3]))
                    if total.nbad or crashed else "")
        self.result(not hangs, "fuzz: every operation returned within "
                    "%d s" % OP_TIMEOUT, "; ".join(hangs)[:600])
        self.result(total.ops >= a.ops, "fuzz: ran the %d operations "
                    "asked for" % a.ops,
                    "" if total.ops >= a.ops else
                    "only %d in the %d s allowed" % (total.ops, a.fuzz_time))
        if not faults.on:
            why = "--no-faults" if a.no_faults else \
                "no failslab/fail_page_alloc in debugfs"
            self.result(None, "fuzz: fault injection", why)
        else:
            self.result(self.figures["faults"] > 0,
                        "fuzz: faults were injected",
                        "%d" % self.figures["faults"])
        return not hangs

    # -- races --

    def race(self, name, fn, rounds, ran="with the kdamond running"):
        """Run fn(round) rounds times; fn returns a list of problems."""
        t0 = now()
        bad = []
        done = 0
        self.ran = 0
        for i in range(rounds):
            try:
                bad += fn(i)
            except Exception as e:  # pylint: disable=broad-except
                bad.append("round %d: %s: %s" % (i, type(e).__name__, e))
            done += 1
            if bad:
                break
        bad += self.all_off()
        self.figures["races"] += done
        self.result(not bad, "race: " + name, "; ".join(bad) if bad else
                    "%d rounds (%d %s), %.0f s" % (
                        done, self.ran, ran, now() - t0))

    def loop_writes(self, writes, seconds, seed):
        """Child body: write (path, value) pairs round robin for seconds;
        exit 1 if an errno is not allowed (printed), 2 if nothing ran."""
        rng = random.Random(seed)
        end = now() + seconds
        n = 0
        while now() < end:
            path, values = writes[n % len(writes)]
            v = rng.choice(values) if isinstance(values, list) else values
            err = write_text(path, v)
            n += 1
            if err and err not in ALLOWED:
                sys.stdout.write("# %s <- %s: %s\n" % (path, v, ename(err)))
                sys.stdout.flush()
                return 1
            time.sleep(rng.uniform(0, 0.01))
        return 0 if n else 2

    def wait_children(self, pids, what, timeout=OP_TIMEOUT):
        bad = []
        for pid in pids:
            code = reap(pid, timeout)
            if code is None:
                stack = read_text("/proc/%d/stack" % pid, "?")
                bad.append("%s: a writer hangs: %s" % (
                    what, " | ".join(stack.split())))
                os.kill(pid, signal.SIGKILL)
                reap(pid, 5)
            elif code:
                bad.append("%s: a writer failed (%d)" % (what, code))
        return bad

    def target(self, seconds):
        """A target process touching 4 MiB; its pid."""
        def body():
            buf = mmap.mmap(-1, 4 * MIB)
            end = now() + seconds
            while now() < end:
                for off in range(0, 4 * MIB, PAGE * 4):
                    buf[off] = 1
                time.sleep(0.005)
        return spawn(body)

    def race_target_exit(self, rnd):
        """Targets die at random moments while a 1 ms kdamond samples them
        and a writer asks for stats and tried regions: the kdamond must
        stop by itself once all are gone."""
        rng = random.Random(self.args.seed * 7 + rnd)
        bad = self.reset_kdamonds(1)
        pids = [self.target(rng.uniform(0.2, 1.0)) for _ in range(3)]
        ops = rng.choice(["vaddr", "fvaddr"])
        targets = []
        for p in pids:
            regions = []
            if ops == "fvaddr":
                regions = [(PAGE, 1 << 40)]
            targets.append((p, regions))
        err = self.setup_kdamond(0, ops, targets,
                                 [{"action": rng.choice(["stat", "pageout",
                                                         "cold"])}])
        if err:
            return bad + [err]
        err = write_text(KD + "/0/state", "on")
        if err not in (0, errno.EINVAL, errno.ESRCH):
            bad.append("on: %s" % ename(err))
        if not err:
            self.ran += 1
        st = KD + "/0/state"
        poker = spawn(self.loop_writes, [(st, ["update_schemes_stats",
                                               "update_schemes_tried_regions",
                                               "update_schemes_tried_bytes",
                                               "commit"])], 1.5, rnd)
        for p in pids:
            time.sleep(rng.uniform(0, 0.3))
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        for p in pids:
            reap(p, 10)
        bad += self.wait_children([poker], "target exit")
        end = now() + 20
        while now() < end and self.state(0) != "off":
            time.sleep(0.1)
        if self.state(0) != "off":
            bad.append("the kdamond still runs 20 s after its targets died")
        return bad

    def race_off_commit(self, rnd):
        """One writer commits new attributes, another turns the kdamond
        off and on, a third kills and replaces its target."""
        rng = random.Random(self.args.seed * 11 + rnd)
        bad = self.reset_kdamonds(1)
        c = KD + "/0/contexts/0"
        tgt = self.target(30)
        err = self.setup_kdamond(0, "vaddr", [(tgt, [])],
                                 [{"action": "stat"}])
        if not err:
            err = self.retry(KD + "/0/state", "on")
        if err:
            os.kill(tgt, signal.SIGKILL)
            reap(tgt, 10)
            return bad + ["setup: %s" % err]
        self.ran += 1
        st = KD + "/0/state"
        attrs = c + "/monitoring_attrs/intervals/"
        w1 = spawn(self.loop_writes,
                   [(attrs + "sample_us", ["500", "1000", "2000"]),
                    (st, "commit"), (attrs + "aggr_us", ["10000", "20000"]),
                    (st, "commit"), (st, "commit_schemes_quota_goals")],
                   3, rnd)
        w2 = spawn(self.loop_writes, [(st, "off"), (st, "on")], 3, rnd + 1)
        end = now() + 3
        while now() < end:
            time.sleep(rng.uniform(0.2, 0.8))
            os.kill(tgt, signal.SIGKILL)
            reap(tgt, 10)
            tgt = self.target(30)
            write_text(c + "/targets/0/pid_target", tgt)
        bad += self.wait_children([w1, w2], "off/commit")
        os.kill(tgt, signal.SIGKILL)
        reap(tgt, 10)
        return bad

    def race_memcg_rmdir(self, rnd):
        """A paddr pageout scheme filters on a memcg that is removed while
        it runs and while a writer commits."""
        rng = random.Random(self.args.seed * 13 + rnd)
        bad = self.reset_kdamonds(1)
        name = "stress-rm%d" % rnd
        cg = CGROOT + "/" + name
        os.mkdir(cg)

        def member():
            write_text(cg + "/cgroup.procs", "0")
            buf = mmap.mmap(-1, 8 * MIB)
            for off in range(0, 8 * MIB, PAGE):
                buf[off] = 1
            with open("%s/stress-rm-%d" % (SCRATCH, os.getpid()), "wb") as f:
                f.write(b"x" * 4 * MIB)
            time.sleep(30)
        kid = spawn(member)
        time.sleep(0.3)
        lo, hi = self.env.ram[0] if self.env.ram else (0, 1 << 30)
        regions = [(lo, min(hi, lo + 256 * MIB))]
        err = self.setup_kdamond(0, "paddr", [(0, regions)], [
            {"action": rng.choice(["pageout", "lru_deprio", "stat"]),
             "filters": [("memcg", "N", "/" + name)]}])
        if not err:
            err = self.retry(KD + "/0/state", "on")
        if err:
            bad.append("setup: %s" % err)
        else:
            self.ran += 1
        st = KD + "/0/state"
        w1 = spawn(self.loop_writes, [(st, "commit"),
                                      (st, "update_schemes_stats"),
                                      (st, "update_schemes_tried_bytes")],
                   2.5, rnd)
        time.sleep(rng.uniform(0.1, 1.0))
        write_text(CGROOT + "/cgroup.procs", str(kid))
        os.kill(kid, signal.SIGKILL)
        reap(kid, 10)
        for _ in range(100):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.05)
        else:
            bad.append("cannot remove " + cg)
        bad += self.wait_children([w1], "memcg rmdir")
        err = write_text(st, "commit")
        if self.state(0) == "on" and err != errno.ENOENT:
            bad.append("commit naming a removed memcg: %s, want ENOENT" %
                       ename(err))
        for f in os.listdir(SCRATCH) if os.path.isdir(SCRATCH) else []:
            if f.startswith("stress-rm-"):
                os.unlink(SCRATCH + "/" + f)
        return bad

    def race_module_commit(self, rnd):
        """A module's kdamond runs while one writer changes its parameters,
        another commits them, and a third turns it off and on."""
        rng = random.Random(self.args.seed * 17 + rnd)
        bad = self.reset_kdamonds(0)
        mod = MODULES[rnd % len(MODULES)]
        d = MODPARAMS % mod
        if not os.path.isdir(d):
            return ["no " + d]
        # Not what the fuzzer left: some of it "enabled" refuses.
        self.restore_module_params()
        lo, hi = self.env.ram[0] if self.env.ram else (0, 1 << 30)
        base = {"sample_interval": 1000, "aggr_interval": 10000,
                "min_nr_regions": 10, "max_nr_regions": 100,
                "monitor_region_start": lo,
                "monitor_region_end": lo + 64 * MIB,
                "wmarks_high": 1000, "wmarks_mid": 999, "wmarks_low": 0,
                "wmarks_interval": 100000}
        for k, v in base.items():
            if os.path.exists(d + "/" + k):
                err = write_text(d + "/" + k, v)
                if err:
                    bad.append("%s=%s: %s" % (k, v, ename(err)))
        err = self.retry(d + "/enabled", "Y")
        if err:
            return bad + ["enabled=Y: %s" % ename(err)]
        self.ran += 1
        values = [(d + "/sample_interval", ["500", "1000", "0", "abc"]),
                  (d + "/aggr_interval", ["5000", "10000", "100", "-1"]),
                  (d + "/min_nr_regions", ["3", "10", "1", "2000"]),
                  (d + "/max_nr_regions", ["100", "1000", "2"]),
                  (d + "/monitor_region_start",
                   [str(lo), str(lo + 32 * MIB), str(hi)]),
                  (d + "/monitor_region_end",
                   [str(lo + 64 * MIB), str(lo + 16 * MIB), "0"]),
                  (d + "/wmarks_mid", ["999", "1001", "0"])]
        w1 = spawn(self.loop_writes, values, 3, rnd)
        w2 = spawn(self.loop_writes, [(d + "/commit_inputs", "Y")], 3,
                   rnd + 1)
        w3 = spawn(self.loop_writes, [(d + "/enabled", ["Y", "Y", "N"])],
                   3, rnd + 2)
        bad += self.wait_children([w1, w2, w3], mod)
        for k, v in base.items():
            if os.path.exists(d + "/" + k):
                write_text(d + "/" + k, v)
        err = self.retry(d + "/enabled", "N")
        if err:
            bad.append("enabled=N: %s" % ename(err))
        pid = read_text(d + "/kdamond_pid", "").strip()
        if pid not in ("-1", ""):
            bad.append("kdamond_pid reads %s after enabled=N" % pid)
        return bad

    def race_reclaim_rmdir(self, rnd):
        """memory.reclaim on a cgroup while its last process leaves and the
        cgroup is removed."""
        rng = random.Random(self.args.seed * 19 + rnd)
        name = "stress-rc%d" % rnd
        cg = CGROOT + "/" + name
        if not os.path.exists(CGROOT + "/memory.reclaim"):
            return []
        os.mkdir(cg)

        def member():
            write_text(cg + "/cgroup.procs", "0")
            buf = mmap.mmap(-1, 16 * MIB)
            for off in range(0, 16 * MIB, PAGE):
                buf[off] = 1
            with open("%s/stress-rc-%d" % (SCRATCH, os.getpid()), "wb") as f:
                for _ in range(16):
                    f.write(b"y" * MIB)
            time.sleep(30)
        kid = spawn(member)
        time.sleep(0.3)
        w1 = spawn(self.loop_writes, [(cg + "/memory.reclaim",
                                       ["max", "8M", "1M swappiness=0",
                                        "64M swappiness=200"])], 2, rnd)
        time.sleep(rng.uniform(0, 0.5))
        write_text(CGROOT + "/cgroup.procs", str(kid))
        os.kill(kid, signal.SIGKILL)
        reap(kid, 10)
        bad = []
        if reap(w1, 0) is None:
            self.ran += 1
        for _ in range(100):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.05)
        else:
            bad.append("cannot remove " + cg)
        bad += self.wait_children([w1], "memory.reclaim")
        for f in os.listdir(SCRATCH) if os.path.isdir(SCRATCH) else []:
            if f.startswith("stress-rc-"):
                os.unlink(SCRATCH + "/" + f)
        return bad

    def races(self):
        n = 2 if self.args.short else 8
        self.race("a target exits during sampling", self.race_target_exit,
                  n * 2)
        self.race("off against commit", self.race_off_commit, n)
        self.race("a memcg removed while a filter names it",
                  self.race_memcg_rmdir, n)
        self.race("module parameters committed while the kdamond runs",
                  self.race_module_commit, n)
        self.race("memory.reclaim against the removal of its cgroup",
                  self.race_reclaim_rmdir, n,
                  "with memory.reclaim still writing at the removal")
        self.figures["ops"] += self.race_ops.ops

    # -- the end --

    def end(self):
        bad = self.all_off()
        self.result(not bad, "end: every kdamond and module turns off",
                    "; ".join(bad))
        err = self.retry(KD + "/nr_kdamonds", 0)
        n = self.nr_kdamonds()
        self.result(not err and n == 0, "end: nr_kdamonds 0 frees them",
                    "%s, reads %d" % (ename(err), n) if err or n else "")
        for name in CGNAMES:
            for _ in range(50):
                try:
                    os.rmdir(CGROOT + "/" + name)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)
        # The fuzzer may have left values that "enabled" refuses (a
        # hot_thres_access_freq above 1000, watermarks out of order):
        # start from the values of the start.
        self.restore_module_params()
        bad = self.settle_modules()
        self.restore_module_params()
        self.result(not bad, "end: the modules start and stop again, "
                    "parameters restored", "; ".join(bad))
        left = kdamond_threads()
        self.result(not left, "end: no kdamond thread left",
                    "pids %s" % left if left else "")
        # Kdamonds free their regions as they end; give them time.
        end = now() + 10
        objs = None
        while now() < end:
            objs = self.slab_objects()
            if objs is None or self.slab_start is None or \
                    objs <= self.slab_start:
                break
            time.sleep(0.5)
        if objs is None or self.slab_start is None:
            self.result(None, "end: damon_region slab back to its start",
                        "cannot count: no /sys/kernel/slab/damon_region, or "
                        "the cache is merged (boot with slab_nomerge)")
        else:
            self.result(objs <= self.slab_start,
                        "end: damon_region slab back to its start",
                        "%d objects at the start, %d now" % (
                            self.slab_start, objs))
        leaks = 0
        if os.path.exists(self.kmemleak):
            # Objects younger than 5 s are not reported.
            time.sleep(6)
            err = write_text(self.kmemleak, "scan")
            text = read_text(self.kmemleak, "")
            leaks = text.count("unreferenced object")
            self.result(err == 0 and leaks == 0,
                        "end: kmemleak scan finds nothing",
                        ("scan: %s; " % ename(err) if err else "") +
                        ("%d unreferenced objects: %s" % (leaks, text[:400])
                         if leaks else ""))
        else:
            self.result(None, "end: kmemleak scan finds nothing",
                        "no kmemleak in this kernel")
        reports = self.kmsg_reports()
        for r in reports[:20]:
            self.say("# kernel report: " + r)
        self.figures["reports"] = len(reports) + leaks
        self.result(not reports, "end: no kernel report in the log",
                    "%d lines" % len(reports) if reports else "")

    def finish(self):
        f = self.figures
        self.say("1..%d" % self.nr)
        self.say("# stress: took %.0f s" % (now() - self.t0))
        self.say("# stress: seed=%d ops=%d files=%d faults=%d races=%d "
                 "reports=%d" % (self.args.seed, f["ops"], f["files"],
                                 f["faults"], f["races"], f["reports"]))
        return 1 if self.failed else 0

    def main(self):
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        if not self.preflight():
            return self.finish()
        self.fuzz()
        self.figures["files"] = len(self.files)
        kinds = {re.sub(r"/\d+(?=/)", "/N", p) for p in self.files}
        self.say("# fuzz: %d distinct files (%d distinct kinds)" % (
            len(self.files), len(kinds)))
        self.races()
        self.end()
        return self.finish()


def main():
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ops", type=int, default=None,
                   help="fuzz operations (20000; --short: 2500)")
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--procs", type=int, default=4, help="fuzz workers")
    p.add_argument("--short", action="store_true", help="the CI run")
    p.add_argument("--no-faults", action="store_true",
                   help="no fault injection")
    p.add_argument("--tap-prefix", default="", help="prefix of TAP names")
    p.add_argument("--fault-probability", type=int, default=10,
                   help="percent of allocations failed under injection")
    p.add_argument("--fuzz-time", type=int, default=None,
                   help="seconds the fuzz phase may take at most")
    a = p.parse_args()
    if a.ops is None:
        a.ops = 2500 if a.short else 20000
    if a.seed is None:
        a.seed = int.from_bytes(os.urandom(4), "little")
    if a.fuzz_time is None:
        a.fuzz_time = 300 if a.short else 1500
    a.procs = max(1, min(a.procs, 16))
    sys.exit(Run(a).main())


if __name__ == "__main__":
    main()
