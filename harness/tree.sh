#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Prepare kernel trees: the stripped base, and the base with our series.
#
#   tree.sh base            out/base: the unpacked base with upstream DAMON
#                           and memory.reclaim stripped (cached)
#   tree.sh src             out/src: out/base + overlay + series (quilt,
#                           fuzz 0); only changed files are rewritten, so
#                           incremental kernel builds stay incremental
#   tree.sh ref             out/ref: the same base unpacked WITHOUT stripping
#                           (upstream DAMON and memory.reclaim; cached), the
#                           reference kernel of `make bench`
#   tree.sh apply KDIR      our overlay and series applied to a user's tree;
#                           on a git tree, one commit per patch
#   tree.sh overlay-files   list the overlay files (kernel paths we add)
#   tree.sh check-map       every overlay file is claimed by exactly one patch
#
# Environment: KSRC=<tarball or directory> replaces Debian's linux-source.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
TESTED=$(cat "$TOP/BASE_VERSION")
OVERLAY_ROOTS="mm include tools Documentation samples"
DEB_TARBALL=/usr/src/linux-source-6.12.tar.xz

log() { echo "tree: $*" >&2; }
die() { echo "tree: error: $*" >&2; exit 1; }

overlay_files() {
	cd "$TOP"
	# Callers may point GIT_DIR at a kernel tree: ask our own repository.
	if env -u GIT_DIR -u GIT_WORK_TREE git rev-parse --git-dir >/dev/null 2>&1; then
		# shellcheck disable=SC2086
		env -u GIT_DIR -u GIT_WORK_TREE \
			git ls-files -co --exclude-standard -- $OVERLAY_ROOTS |
			while read -r f; do [ -f "$f" ] && echo "$f"; done
	else
		# shellcheck disable=SC2086
		find $OVERLAY_ROOTS -type f 2>/dev/null | sort
	fi
}

series() {
	grep -v '^\s*#' "$TOP/patches/series" | grep -v '^\s*$' || true
}

# The overlay files a patch claims, from its "Overlay:" header lines
# (space-separated paths or shell globs).
patch_overlay_globs() {
	sed -n '/^---$/q; /^diff /q; s/^Overlay:[[:space:]]*//p' "$TOP/patches/$1"
}

# Print "file patch" for every overlay file claimed by a patch.
overlay_map() {
	local files p g f globs
	files=$(overlay_files)
	for p in $(series); do
		# The globs are matched against our file list, not the disk.
		globs=$(patch_overlay_globs "$p")
		set -f
		# shellcheck disable=SC2086
		set -- $globs
		set +f
		for g in "$@"; do
			local hit=0
			for f in $files; do
				# shellcheck disable=SC2053
				if [[ $f == $g ]]; then echo "$f $p"; hit=1; fi
			done
			[ $hit = 1 ] || die "$p claims '$g', which matches no overlay file"
		done
	done
}

check_map() {
	local map files bad=0 f n
	map=$(overlay_map) || exit 1
	files=$(overlay_files)
	for f in $files; do
		n=$(echo "$map" | awk -v f="$f" '$1 == f' | wc -l)
		if [ "$n" != 1 ]; then
			echo "tree: $f is claimed by $n patches (want exactly 1)" >&2
			bad=1
		fi
	done
	return $bad
}

base_source() {
	if [ -n "${KSRC:-}" ]; then
		[ -e "$KSRC" ] || die "KSRC=$KSRC does not exist"
		echo "$KSRC"
		return
	fi
	if [ ! -f $DEB_TARBALL ]; then
		if [ "$(id -u)" = 0 ]; then
			log "installing Debian's linux-source-6.12"
			apt-get install -y -q --no-install-recommends linux-source-6.12 >&2 ||
				die "apt-get install linux-source-6.12 failed"
		else
			die "the base kernel is missing; run: sudo apt-get install linux-source-6.12"
		fi
	fi
	echo $DEB_TARBALL
}

# Unpack a base source (tarball or tree) into DIR, which must not exist,
# and check that it is a 6.12.y kernel.
unpack_source() {
	local src=$1 dir=$2 sub ver
	mkdir -p "$dir"
	if [ -d "$src" ]; then
		cp -a "$src/." "$dir/"
		rm -rf "$dir/.git" "$dir/.pc"
	else
		tar xf "$src" -C "$dir"
		sub=$(find "$dir" -mindepth 1 -maxdepth 1)
		if [ "$(echo "$sub" | wc -l)" = 1 ] && [ -d "$sub" ]; then
			mv "$sub" "$dir.1"
			rmdir "$dir"
			mv "$dir.1" "$dir"
		fi
	fi
	ver=$(make -s -C "$dir" kernelversion 2>/dev/null) ||
		die "$src is not a kernel source"
	case $ver in
	"$TESTED") ;;
	6.12.*) log "warning: base is $ver; the series is tested on $TESTED" ;;
	*) die "base is $ver; the series needs 6.12.y (tested on $TESTED)" ;;
	esac
}

# out/base: unpack and strip, cached on the source and the strip script.
make_base() {
	local src key
	src=$(base_source)
	key="$(readlink -f "$src") $(stat -c %s-%Y "$src") $(sha1sum < "$TOP/harness/strip-upstream.py")"
	if [ -f "$OUT/base/.damon-base" ] && [ "$(cat "$OUT/base/.damon-base")" = "$key" ]; then
		return
	fi
	log "preparing the stripped base from $src"
	mkdir -p "$OUT"
	rm -rf "$OUT/base" "$OUT/base.tmp"
	unpack_source "$src" "$OUT/base.tmp"
	python3 "$TOP/harness/strip-upstream.py" "$OUT/base.tmp" >&2
	echo "$key" > "$OUT/base.tmp/.damon-base"
	mv "$OUT/base.tmp" "$OUT/base"
}

# out/ref: the same base as it comes, upstream DAMON included (the
# reference of `make bench`), cached on the source.
make_ref() {
	local src key
	src=$(base_source)
	key="$(readlink -f "$src") $(stat -c %s-%Y "$src") unstripped"
	if [ -f "$OUT/ref/.damon-ref" ] && [ "$(cat "$OUT/ref/.damon-ref")" = "$key" ]; then
		return
	fi
	log "preparing the unstripped reference base from $src"
	mkdir -p "$OUT"
	rm -rf "$OUT/ref" "$OUT/ref.tmp"
	unpack_source "$src" "$OUT/ref.tmp"
	[ -f "$OUT/ref.tmp/mm/damon/core.c" ] ||
		die "$src has no upstream DAMON (already stripped?): no reference to build"
	echo "$key" > "$OUT/ref.tmp/.damon-ref"
	mv "$OUT/ref.tmp" "$OUT/ref"
}

copy_overlay() {
	local dst=$1 f
	(cd "$TOP" && overlay_files) | while read -r f; do
		mkdir -p "$dst/$(dirname "$f")"
		cp -p --remove-destination "$TOP/$f" "$dst/$f"
	done
}

make_src() {
	make_base
	local stage="$OUT/stage"
	rm -rf "$stage"
	cp -al "$OUT/base" "$stage"
	rm -f "$stage/.damon-base"
	copy_overlay "$stage"
	if [ -n "$(series)" ]; then
		(cd "$stage" && QUILT_PATCHES="$TOP/patches" QUILT_PC=.pc \
			quilt push -a -q --fuzz=0 >&2) ||
			die "a patch in patches/series does not apply at fuzz 0"
		rm -rf "$stage/.pc"
	fi
	mkdir -p "$OUT/src"
	# Content comparison, no time stamps: files whose content did not change
	# keep their old mtime, so make rebuilds only what really changed.
	rsync -rlc --delete "$stage/" "$OUT/src/"
	rm -rf "$stage"
}

# Write one commit's worth of our series into a git tree.
commit_patch() {
	local kdir=$1 p=$2 msg f author map
	map=$(overlay_map) || exit 1
	for f in $(echo "$map" | awk -v p="$p" '$2 == p { print $1 }'); do
		mkdir -p "$kdir/$(dirname "$f")"
		cp --remove-destination "$TOP/$f" "$kdir/$f"
		git -C "$kdir" add -f "$f"
	done
	if grep -q '^--- ' "$TOP/patches/$p"; then
		(cd "$kdir" && patch -p1 -F0 -s --no-backup-if-mismatch \
			< "$TOP/patches/$p") || die "$p does not apply at fuzz 0"
		git -C "$kdir" add -f -u
	fi
	msg=$(mktemp)
	patch_message "$p" > "$msg"
	author=$(sed -n '/^---$/q; s/^From:[[:space:]]*//p' "$TOP/patches/$p" | head -n1)
	git -C "$kdir" commit -q ${author:+--author="$author"} -F "$msg" ||
		die "committing $p failed"
	rm -f "$msg"
}

# The commit message of a patch: its header with "Subject: " turned into the
# first line and Overlay: lines dropped.
patch_message() {
	awk '
		/^---$/ || /^diff / || /^Index: / || /^===/ { exit }
		/^Overlay:/ { next }
		/^From:/ || /^Date:/ { next }
		/^Subject:/ { sub(/^Subject:[ \t]*(\[PATCH[^]]*\][ \t]*)?/, ""); print; next }
		{ print }
	' "$TOP/patches/$1"
}

apply_to() {
	local kdir=$1 p
	local git=0
	[ -f "$kdir/Makefile" ] || die "$kdir is not a kernel tree"
	check_map || die "fix the Overlay: headers in patches/"
	if git -C "$kdir" rev-parse --git-dir >/dev/null 2>&1; then
		git=1
		[ -z "$(git -C "$kdir" status --porcelain --untracked-files=no)" ] ||
			die "$kdir has uncommitted changes"
	fi
	if [ -d "$kdir/mm/damon" ]; then
		log "$kdir has upstream DAMON: stripping it first"
		python3 "$TOP/harness/strip-upstream.py" "$kdir" >&2 || exit 1
		if [ $git = 1 ]; then
			# The strip only deletes and edits tracked files.
			git -C "$kdir" add -u
			git -C "$kdir" commit -q -m "mm: remove upstream DAMON and memory.reclaim" \
				-m "Done by harness/strip-upstream.py, so that the DAMON series adds them."
		fi
	fi
	if [ $git = 1 ]; then
		for p in $(series); do
			commit_patch "$kdir" "$p"
			log "committed $p"
		done
	else
		copy_overlay "$kdir"
		mkdir -p "$kdir/patches"
		cp "$TOP/patches/series" "$TOP"/patches/*.patch "$kdir/patches/" 2>/dev/null || true
		(cd "$kdir" && quilt push -a -q --fuzz=0) ||
			die "a patch does not apply at fuzz 0"
	fi
}

case ${1:-} in
base) make_base ;;
ref) make_ref ;;
commit) commit_patch "$2" "$3" ;;
src) make_src ;;
apply) [ -n "${2:-}" ] || die "usage: tree.sh apply KDIR"; apply_to "$2" ;;
overlay-files) overlay_files ;;
overlay-map) overlay_map ;;
check-map) check_map && log "every overlay file belongs to exactly one patch" ;;
series) series ;;
message) patch_message "$2" ;;
*) sed -n '3,19p' "$0"; exit 2 ;;
esac
