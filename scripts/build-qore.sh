#!/usr/bin/env bash
# Builds a Qore interpreter and its json module from source archives, for the Qore client suite
# (clients/qore). Qore is not packaged for Debian; this is the documented way to get one here.
#
#   scripts/build-qore.sh <qore-src.tar.gz> <module-json-src.tar.gz> [prefix]
#
# Idempotent: when <prefix>/bin/qore exists and was built from the same two archives (a stamp file
# holds their SHA-256), it does nothing. Two local changes are applied to the sources, both needed
# with Debian 12's g++ and Qore 2.0:
#   1. the Logger binary module (and Logger.qm, which needs it) does not compile: left out; the
#      astparser and reflection binary modules are not needed by the client either and are left
#      out to save build time;
#   2. module-json's JsonRpcClient calls a QoreTypeSafeReferenceHelper constructor that Qore 2.0
#      removed: the call is changed to the two-argument form.
# Build dependencies (Debian): cmake g++ bison flex libssl-dev libpcre3-dev libmpfr-dev libgmp-dev
# libbz2-dev zlib1g-dev pkg-config. QORE_OPT (default -O1) sets the optimisation level: the suite
# needs a correct interpreter, not a fast one, and -O1 builds in much less time than -O2.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 <qore-src.tar.gz> <module-json-src.tar.gz> [prefix]" >&2
  exit 2
fi
qore_src=$(realpath "$1")
json_src=$(realpath "$2")
prefix=${3:-/opt/qore}
opt=${QORE_OPT:--O1}
jobs=$(nproc)

stamp="$prefix/.build-stamp"
want=$(cat "$qore_src" "$json_src" | sha256sum | cut -d' ' -f1)
if [ -x "$prefix/bin/qore" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "build-qore: $prefix/bin/qore is already built from these archives"
  exit 0
fi

work=$(mktemp -d /tmp/build-qore.XXXXXX)
trap 'rm -rf "$work"' EXIT
tar xzf "$qore_src" -C "$work"
tar xzf "$json_src" -C "$work"
qore_dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'qore*' | head -n 1)
json_dir=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'module-json*' | head -n 1)

# Change 1: leave out the binary modules the client does not need (logger_bin does not compile).
sed -i \
  -e '/^add_subdirectory(modules\/logger_bin)/d' \
  -e '/^add_subdirectory(modules\/astparser)/d' \
  -e '/^add_subdirectory(modules\/reflection)/d' \
  -e '/^qore_user_module("qlib\/Logger.qm"/d' \
  "$qore_dir/CMakeLists.txt"
# Change 2: Qore 2.0's QoreTypeSafeReferenceHelper takes (ref, xsink).
sed -i 's/QoreTypeSafeReferenceHelper rh(ref, vl, txsink)/QoreTypeSafeReferenceHelper rh(ref, txsink)/' \
  "$json_dir/src/QC_JsonRpcClient.qpp"

# Qore installs its library under lib/<multiarch> on Debian (it does not honour
# CMAKE_INSTALL_LIBDIR); an rpath to both places lets `<prefix>/bin/qore` run without
# LD_LIBRARY_PATH.
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_FLAGS_RELEASE=$opt -DNDEBUG" "-DCMAKE_C_FLAGS_RELEASE=$opt -DNDEBUG"
  "-DCMAKE_INSTALL_PREFIX=$prefix" "-DCMAKE_INSTALL_RPATH=$prefix/lib/$multiarch;$prefix/lib")

start=$(date +%s)
cmake -S "$qore_dir" -B "$work/qore-build" "${flags[@]}" >"$work/qore-cmake.log"
cmake --build "$work/qore-build" -j "$jobs" >"$work/qore-build.log" 2>&1 || {
  tail -n 40 "$work/qore-build.log" >&2
  exit 1
}
cmake --install "$work/qore-build" >/dev/null

cmake -S "$json_dir" -B "$work/json-build" "${flags[@]}" "-DCMAKE_PREFIX_PATH=$prefix" >"$work/json-cmake.log"
cmake --build "$work/json-build" -j "$jobs" >"$work/json-build.log" 2>&1 || {
  tail -n 40 "$work/json-build.log" >&2
  exit 1
}
cmake --install "$work/json-build" >/dev/null

# Smoke test: the interpreter runs, and finds the json module and QUnit.
"$prefix/bin/qore" -l json -l QUnit \
  -e 'printf("%s\n", make_json({"ok": True}));' >/dev/null
echo "$want" >"$stamp"
echo "build-qore: built $prefix/bin/qore in $(( $(date +%s) - start )) s"
