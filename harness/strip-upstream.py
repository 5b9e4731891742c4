#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Remove upstream DAMON and memcg memory.reclaim from an unpacked 6.12 tree.

Our series adds both features back, written by us.  This script only deletes:
it carries no upstream code.  Every step checks that the tree looks the way
we expect and stops with a clear message when it does not, so a base that
moved under us is noticed instead of silently half-stripped.

Usage: strip-upstream.py <kernel-tree>
"""

import os
import re
import shutil
import subprocess
import sys

# Whole files and directories of upstream DAMON.  Optional ones may be
# missing on some 6.12.y releases.
PATHS = [
    ("mm/damon", True),
    ("include/linux/damon.h", True),
    ("include/trace/events/damon.h", True),
    ("tools/testing/selftests/damon", True),
    ("Documentation/admin-guide/mm/damon", True),
    ("Documentation/mm/damon", True),
    ("Documentation/ABI/testing/sysfs-kernel-mm-damon", True),
    ("samples/damon", False),
    ("Documentation/translations/zh_CN/admin-guide/mm/damon", False),
    ("Documentation/translations/zh_TW/admin-guide/mm/damon", False),
    ("Documentation/translations/zh_CN/mm/damon", False),
]

# (file, regular expression of one whole line to delete, required)
LINES = [
    ("mm/Kconfig", r'source "mm/damon/Kconfig"', True),
    ("mm/Makefile", r'obj-\$\(CONFIG_DAMON\)\s+\+= damon/', True),
    ("tools/testing/selftests/Makefile", r'TARGETS \+= damon', True),
    ("Documentation/mm/index.rst", r'\s+damon/index', True),
    ("Documentation/admin-guide/mm/index.rst", r'\s+damon/index', True),
    ("Documentation/maintainer/maintainer-entry-profile.rst",
     r'\s+\.\./mm/damon/maintainer-profile', True),
    ("Documentation/translations/zh_CN/mm/index.rst", r'\s+damon/index', False),
    ("Documentation/translations/zh_CN/admin-guide/mm/index.rst",
     r'\s+damon/index', False),
    ("Documentation/translations/zh_TW/admin-guide/mm/index.rst",
     r'\s+damon/index', False),
    ("samples/Kconfig", r'source "samples/damon/Kconfig"', False),
    ("samples/Makefile", r'obj-\$\(CONFIG_SAMPLE_DAMON\w*\).*', False),
    # The migration reason that only DAMOS migration uses; the trace
    # header's list end is fixed up in strip_migrate_reason().
    ("include/linux/migrate_mode.h", r'\s+MR_DAMON,', True),
]

# Places where the word DAMON may legitimately stay after stripping: prose
# about general tools, not DAMON code, ABI or documentation.
ALLOWED_MENTIONS = {
    "Documentation/process/email-clients.rst",  # hkml, a mail tool
}


def die(msg):
    sys.stderr.write("strip-upstream: error: %s\n" % msg)
    sys.stderr.write("strip-upstream: the base tree does not look like "
                     "Linux 6.12 with upstream DAMON; nothing more was done.\n")
    sys.exit(1)


def read(tree, rel):
    path = os.path.join(tree, rel)
    if not os.path.isfile(path):
        die("%s is missing" % rel)
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return f.read().split("\n")


def write(tree, rel, lines):
    with open(os.path.join(tree, rel), "w", encoding="utf-8",
              errors="surrogateescape") as f:
        f.write("\n".join(lines))


def delete_lines(tree, rel, pattern, required):
    if not os.path.isfile(os.path.join(tree, rel)):
        if required:
            die("%s is missing" % rel)
        return
    lines = read(tree, rel)
    rx = re.compile(pattern + r"$")
    kept = [l for l in lines if not rx.match(l)]
    if len(kept) == len(lines):
        if required:
            die("%s: no line matches /%s/" % (rel, pattern))
        return
    write(tree, rel, kept)


def delete_block(tree, rel, first, last_before, what, inclusive=False):
    """Delete from the line matching @first up to the first later line
    matching @last_before, which is deleted too when @inclusive."""
    lines = read(tree, rel)
    start = next((i for i, l in enumerate(lines) if re.match(first + "$", l)),
                 None)
    if start is None:
        die("%s: cannot find the start of %s" % (rel, what))
    end = next((i for i in range(start + 1, len(lines))
                if re.match(last_before + "$", lines[i])), None)
    if end is None:
        die("%s: cannot find the end of %s" % (rel, what))
    if inclusive:
        end += 1
    write(tree, rel, lines[:start] + lines[end:])


def strip_memcg_reclaim(tree):
    rel = "mm/memcontrol.c"
    lines = read(tree, rel)
    # The keyword enum and match table, then the write handler itself, which
    # ends at the first closing brace in column 0.
    start = None
    for i in range(len(lines) - 1):
        if lines[i] == "enum {" and "MEMORY_RECLAIM_SWAPPINESS" in lines[i + 1]:
            start = i
            break
    if start is None:
        die("%s: no memory.reclaim keyword enum" % rel)
    fn = next((i for i in range(start, len(lines))
               if lines[i].startswith("static ssize_t memory_reclaim(")), None)
    if fn is None or fn - start > 15:
        die("%s: memory_reclaim() is not where expected" % rel)
    end = next((i for i in range(fn, len(lines)) if lines[i] == "}"), None)
    if end is None:
        die("%s: cannot find the end of memory_reclaim()" % rel)
    # Also drop the blank line that followed the function.
    if end + 1 < len(lines) and lines[end + 1] == "":
        end += 1
    lines = lines[:start] + lines[end + 1:]

    # The cftype entry: "\t{", ".name = "reclaim"", ..., "\t},"
    name = next((i for i, l in enumerate(lines)
                 if l == '\t\t.name = "reclaim",'), None)
    if name is None or lines[name - 1] != "\t{":
        die("%s: no memory.reclaim cftype entry" % rel)
    close = next((i for i in range(name, len(lines)) if lines[i] == "\t},"),
                 None)
    if close is None or close - name > 5 or \
            not any(".write = memory_reclaim," in l for l in lines[name:close]):
        die("%s: unexpected memory.reclaim cftype entry" % rel)
    lines = lines[:name - 1] + lines[close + 1:]
    write(tree, rel, lines)
    if any("memory_reclaim" in l for l in lines):
        die("%s: memory_reclaim still referenced" % rel)


def strip_migrate_reason(tree):
    rel = "include/trace/events/migrate.h"
    lines = read(tree, rel)
    i = next((i for i, l in enumerate(lines) if "MR_DAMON" in l), None)
    if i is None or not lines[i].startswith("\tEMe(MR_DAMON,") or \
            not lines[i - 1].startswith("\tEM( MR_DEMOTION,"):
        die("%s: MR_DAMON is not the last migration reason" % rel)
    # MR_DEMOTION becomes the end of the list.
    lines[i - 1] = '\tEMe(MR_DEMOTION,\t"demotion")'
    del lines[i]
    write(tree, rel, lines)


def check_clean(tree):
    """Fail if anything of upstream DAMON is left in code, build files or
    documentation."""
    out = subprocess.run(
        ["grep", "-rlIE", r"\bdamon|CONFIG_DAMON|DAMON\b",
         "--include=*.[ch]", "--include=*.rst", "--include=*.txt",
         "--include=*.sh", "--include=*.py", "--include=Kconfig*",
         "--include=Makefile*", "--include=MAINTAINERS",
         "--exclude-dir=.git", "--exclude-dir=.pc", "."],
        cwd=tree, stdout=subprocess.PIPE, text=True, check=False).stdout
    left = [p[2:] for p in out.split() if p[2:] not in ALLOWED_MENTIONS]
    abi = os.path.join(tree, "Documentation/ABI")
    left += [os.path.relpath(os.path.join(r, f), tree)
             for r, _, fs in os.walk(abi) for f in fs if "damon" in f]
    if left:
        die("upstream DAMON is still mentioned in: " + ", ".join(sorted(left)))


def main():
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        sys.exit(2)
    tree = sys.argv[1]
    mk = "\n".join(read(tree, "Makefile")[:6])
    if not re.search(r"^VERSION = 6$", mk, re.M) or \
            not re.search(r"^PATCHLEVEL = 12$", mk, re.M):
        die("%s is not a Linux 6.12 tree" % tree)

    for rel, required in PATHS:
        path = os.path.join(tree, rel)
        if os.path.isdir(path):
            shutil.rmtree(path)
        elif os.path.exists(path):
            os.unlink(path)
        elif required:
            die("%s is missing" % rel)

    for rel, pattern, required in LINES:
        delete_lines(tree, rel, pattern, required)

    delete_block(tree, "MAINTAINERS", r"DATA ACCESS MONITOR", r"",
                 "the DAMON entry", inclusive=True)

    strip_migrate_reason(tree)
    strip_memcg_reclaim(tree)
    delete_block(tree, "Documentation/admin-guide/cgroup-v2.rst",
                 r"  memory\.reclaim", r"  memory\.peak",
                 "the memory.reclaim section")
    check_clean(tree)
    print("strip-upstream: removed upstream DAMON and memory.reclaim from %s"
          % tree)


if __name__ == "__main__":
    main()
