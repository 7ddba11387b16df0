#!/bin/sh
# cli-allocator: the binary runs on mimalloc when the build found it (api/CMakeLists.txt:
# the daemon's threads free each other's JSON; docs/performance.md, "A request's work on
# every thread"), and on glibc's malloc when it did not (or under the sanitizers); the
# daemon answers on it.
# Usage: allocator.sh CASEFLOW_BINARY EXPECTED   (EXPECTED: 1 mimalloc, 0 glibc's)
set -u
bin=$1
want=$2
. "$(dirname "$0")/lib.sh"
cf_setup

MIMALLOC_VERBOSE=1 "$bin" --version > "$tmp/out" 2>&1 || fail "caseflow --version"
if grep -q '^mimalloc: process init' "$tmp/out"; then got=1; else got=0; fi
if [ "$got" = "$want" ]; then ok; else fail "mimalloc in use: $got, the build says $want"; fi

export CASEFLOW_DB="$tmp/a.db"
"$bin" init > /dev/null || exit 1
cf_serve
if curl -fsS "$url/healthz" > "$tmp/out" 2>&1; then ok; else fail "the daemon answers on it"; fi
cf_stop

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
