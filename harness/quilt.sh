#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Edit patches/ with quilt, in out/quilt: a copy of the stripped base whose
# patches/ is this repository's patches/.
#
#   harness/quilt.sh init         (re)create out/quilt, nothing applied
#   harness/quilt.sh ARGS...      run quilt ARGS in out/quilt
#
# For example, to change mm/memcontrol.c in the memory.reclaim patch:
#   harness/quilt.sh init
#   harness/quilt.sh push 0001-mm-memcontrol-add-memory.reclaim.patch
#   $EDITOR out/quilt/mm/memcontrol.c
#   harness/quilt.sh refresh
# A file the patch does not touch yet must be added first with
# `harness/quilt.sh add FILE` (or use `quilt edit`).  Refreshed patches keep
# their headers and use plain a/ b/ paths with no time stamps.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
Q=$OUT/quilt

# Our own quiltrc, so the distribution's (backups, other diff styles) does
# not change how patches are written.
rc=$OUT/quiltrc
mkdir -p "$OUT"
cat > "$rc" <<'RC'
QUILT_PATCHES=patches
QUILT_PC=.pc
QUILT_DIFF_OPTS="--show-c-function"
QUILT_REFRESH_ARGS="-p ab --no-timestamps --no-index --sort"
QUILT_DIFF_ARGS="-p ab --no-timestamps --no-index --color=auto"
QUILT_PUSH_ARGS="--fuzz=0 --color=auto"
QUILT_NO_DIFF_INDEX=1
QUILT_NO_DIFF_TIMESTAMPS=1
RC

if [ "${1:-}" = init ]; then
	"$TOP/harness/tree.sh" base
	rm -rf "$Q"
	cp -a "$OUT/base" "$Q"
	rm -f "$Q/.damon-base"
	ln -s "$TOP/patches" "$Q/patches"
	echo "quilt: $Q is ready; nothing applied" >&2
	exit 0
fi
[ -d "$Q" ] || { echo "quilt: run 'harness/quilt.sh init' first" >&2; exit 1; }
cd "$Q"
exec quilt --quiltrc "$rc" "$@"
