#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the patched kernel and the guest-side test programs.
#
#   build.sh kernel [debug]   out/bzImage (or out/bzImage-debug)
#   build.sh kernel upstream  out/bzImage-upstream: the reference kernel of
#                             `make bench`, built from out/ref (the base
#                             with upstream DAMON) with base.config less
#                             the symbols that only our series has
#   build.sh kernel profile   out/bzImage-profile (objects in
#                             out/build-profile): ours with ftrace's
#                             function profiler (configs/profile.config),
#                             for `make bench BENCH=profile` only
#   build.sh kernel upstream-profile
#                             out/bzImage-upstream-profile: the same for
#                             the reference (out/build-upstream-profile)
#   build.sh tests            kselftests installed under out/kselftest,
#                             guest helpers under out/bin
#   build.sh config [debug]   only (re)generate the .config
#
# The kernel is x86_64 tinyconfig plus harness/configs/base.config (and
# debug.config for the debug kernel).  Every symbol the fragments set is
# checked after olddefconfig, so a missing dependency is an error rather
# than a silently smaller kernel.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/.." && pwd)
OUT=${OUT:-$TOP/out}
JOBS=${JOBS:-$(nproc)}
SRC=$OUT/src

log() { echo "build: $*" >&2; }
die() { echo "build: error: $*" >&2; exit 1; }

CCACHE=()
if command -v ccache >/dev/null 2>&1 && [ "${NO_CCACHE:-}" != 1 ]; then
	CCACHE=("CC=ccache gcc" "HOSTCC=ccache gcc")
fi

kmake() {
	local obj=$1; shift
	make -s -C "$SRC" O="$obj" ARCH=x86_64 -j"$JOBS" "${CCACHE[@]}" "$@"
}

# fragments FLAVOUR OBJ: the config fragments of FLAVOUR, built in OBJ.
fragments() {
	if [ "${1%-profile}" = upstream ]; then
		echo "$2/upstream.config"
	elif [ "$1" = profile ]; then
		echo "$2/base.config"
	else
		echo "$TOP/harness/configs/base.config"
	fi
	[ "$1" = debug ] && echo "$TOP/harness/configs/debug.config"
	case $1 in
	*profile) echo "$TOP/harness/configs/profile.config" ;;
	esac
	return 0
}

# base.config for the reference tree: the lines of symbols that tree does
# not define (our KUnit suites) are left out, the rest is checked as usual.
upstream_fragment() {
	local syms
	local re='^[[:space:]]*(menu)?config[[:space:]]+[A-Za-z0-9_]+'
	syms=$(grep -rhoE --include='Kconfig*' "$re" "$SRC" |
		awk '{ print "CONFIG_" $2 }' | sort -u)
	awk 'NR == FNR { have[$1] = 1; next }
	     /^CONFIG_/ { s = $0; sub(/=.*/, "", s); if (!(s in have)) next }
	     /^# CONFIG_.* is not set$/ { if (!($2 in have)) next }
	     { print }' <(echo "$syms") "$TOP/harness/configs/base.config"
}

# The base fragment on stdin, for FLAVOUR: for a profile flavour, less the
# lines of the symbols that profile.config sets itself (the function tracer
# does away with CONFIG_ENABLE_DEFAULT_TRACERS); as it is for the others.
profile_base() {
	local syms
	case $1 in
	*profile) ;;
	*) cat; return ;;
	esac
	syms=$(sed -nE 's/^(# )?(CONFIG_[A-Za-z0-9_]+)(=.*| is not set)$/\2/p' \
		"$TOP/harness/configs/profile.config")
	awk 'NR == FNR { drop[$1] = 1; next }
	     /^CONFIG_/ { s = $0; sub(/=.*/, "", s); if (s in drop) next }
	     /^# CONFIG_.* is not set$/ { if ($2 in drop) next }
	     { print }' <(echo "$syms") -
}

make_config() {
	local flavour=$1 obj=$2 key frags line sym want got bad=0
	frags=$(fragments "$flavour" "$obj")
	# shellcheck disable=SC2086
	# What can change the configuration: the fragments, the base, our
	# patches (Kconfig edits) and our own Kconfig files.
	# shellcheck disable=SC2086
	if [ "${flavour%-profile}" = upstream ]; then
		key=$(cat $frags "$SRC/.damon-ref" | sha1sum)
	else
		key=$( (cat $frags "$OUT/base/.damon-base" "$TOP"/patches/*;
			find "$TOP/mm" "$TOP/lib" -name 'Kconfig*' -exec cat {} + 2>/dev/null ||
			true) | sha1sum)
	fi
	if [ -f "$obj/.config" ] && [ -f "$obj/.damon-config" ] &&
	   [ "$(cat "$obj/.damon-config")" = "$key" ]; then
		return
	fi
	log "configuring ($flavour)"
	mkdir -p "$obj"
	kmake "$obj" tinyconfig >/dev/null
	# shellcheck disable=SC2086
	(cd "$SRC" && ARCH=x86_64 scripts/kconfig/merge_config.sh -m -O "$obj" \
		"$obj/.config" $frags >/dev/null)
	kmake "$obj" olddefconfig >/dev/null
	# shellcheck disable=SC2086
	while read -r line; do
		case $line in
		CONFIG_*=*)
			sym=${line%%=*}; want=$line ;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }; sym=${sym%% *}; want="# $sym is not set" ;;
		*) continue ;;
		esac
		got=$(grep -E "^$sym=|^# $sym is not set" "$obj/.config" || true)
		if [ "$want" = "# $sym is not set" ] && [ -z "$got" ]; then
			continue
		fi
		if [ "$got" != "$want" ]; then
			echo "build: config: want '$want', got '${got:-nothing}'" >&2
			bad=1
		fi
	done < <(cat $frags)
	[ $bad = 0 ] || die "the config fragments do not apply (see above)"
	echo "$key" > "$obj/.damon-config"
}

build_kernel() {
	local flavour=${1:-normal} obj img
	case $flavour in
	normal) obj=$OUT/build; img=$OUT/bzImage ;;
	debug) obj=$OUT/build-debug; img=$OUT/bzImage-debug ;;
	upstream) obj=$OUT/build-upstream; img=$OUT/bzImage-upstream ;;
	profile) obj=$OUT/build-profile; img=$OUT/bzImage-profile ;;
	upstream-profile)
		obj=$OUT/build-upstream-profile; img=$OUT/bzImage-upstream-profile ;;
	*) die "unknown flavour $flavour" ;;
	esac
	if [ "${flavour%-profile}" = upstream ]; then
		"$TOP/harness/tree.sh" ref
		SRC=$OUT/ref
		mkdir -p "$obj"
		upstream_fragment | profile_base "$flavour" > "$obj/upstream.config.new"
		# Rewritten only on change: its content is part of the config key.
		if cmp -s "$obj/upstream.config.new" "$obj/upstream.config"; then
			rm "$obj/upstream.config.new"
		else
			mv "$obj/upstream.config.new" "$obj/upstream.config"
		fi
	else
		"$TOP/harness/tree.sh" src
		if [ "$flavour" = profile ]; then
			mkdir -p "$obj"
			profile_base profile < "$TOP/harness/configs/base.config" \
				> "$obj/base.config"
		fi
	fi
	make_config "$flavour" "$obj"
	log "building the $flavour kernel ($JOBS jobs)"
	kmake "$obj" bzImage
	cp "$obj/arch/x86/boot/bzImage" "$img"
	log "kernel: $img ($(make -s -C "$SRC" O="$obj" kernelrelease 2>/dev/null))"
}

build_tests() {
	local obj=$OUT/build
	"$TOP/harness/tree.sh" src
	mkdir -p "$OUT/bin"
	gcc -O2 -Wall -Wextra -o "$OUT/bin/guest-util" "$TOP/harness/guest-util.c"
	make_config normal "$obj"
	kmake "$obj" headers >/dev/null
	log "building kselftests"
	rm -rf "$OUT/kselftest"
	make -s -C "$SRC/tools/testing/selftests" -j"$JOBS" \
		TARGETS="$(cat "$TOP/harness/kselftest-targets")" \
		KHDR_INCLUDES="-isystem $obj/usr/include" \
		O="$OUT/kselftest-build" INSTALL_PATH="$OUT/kselftest" install >/dev/null
}

case ${1:-} in
kernel) build_kernel "${2:-normal}" ;;
config)
	"$TOP/harness/tree.sh" src
	if [ "${2:-normal}" = debug ]; then make_config debug "$OUT/build-debug"
	else make_config normal "$OUT/build"; fi ;;
tests) build_tests ;;
*) sed -n '3,25p' "$0"; exit 2 ;;
esac
