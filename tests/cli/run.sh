#!/bin/sh
# cli-run: `make run` leaves a newcomer at the workbench. examples/penalty-walkthrough.sh
# runs the worked example, then serves its database on loopback and prints the address
# and tokens; a printed token signs in (POST /v1/session) and the session sees the
# example's case; SIGINT (Ctrl-C) stops it with exit 0. CASEFLOW_RUN_SERVE=0 ends the
# run after the example instead, serving nothing.
# Usage: run.sh CASEFLOW_BINARY   (run from the source root)
# Exits 77 (skipped) when the curl command is not installed.
set -u
command -v curl >/dev/null 2>&1 || { echo "curl is not installed: skipped"; exit 77; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
cf_setup

# run-1: CASEFLOW_RUN_SERVE=0: the example only, exit 0, nothing served. With neither
# $CASEFLOW_ACTOR nor $USER (a fresh machine's root shell, a container): every change in the
# example names its actor itself, or it is refused.
if env -u CASEFLOW_ACTOR -u USER CASEFLOW="$bin" CASEFLOW_DB="$tmp/a.db" CASEFLOW_RUN_SERVE=0 \
    timeout 120 sh examples/penalty-walkthrough.sh > "$tmp/out" 2>&1 &&
    ! grep -q "The workbench" "$tmp/out" && ! grep -q "listening on" "$tmp/out"
then ok; else fail "run-1 CASEFLOW_RUN_SERVE=0"; fi

# run-2: the default: the example, then the daemon with the address and the tokens
# A port taken by another program at that moment is tried again with the next one.
for attempt in 1 2 3 4 5; do
    port=$(cf_port "$attempt")
    rm -f "$tmp/b.db" "$tmp/b.db-wal" "$tmp/b.db-shm"
    CASEFLOW="$bin" CASEFLOW_DB="$tmp/b.db" CASEFLOW_RUN_LISTEN="127.0.0.1:$port" \
        sh examples/penalty-walkthrough.sh > "$tmp/out" 2>&1 &
    pid=$!
    for _ in $(seq 1 600); do
        grep -q "listening on" "$tmp/out" && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    grep -q "address already in use" "$tmp/out" || break
    wait "$pid" 2>/dev/null
    pid=
done
token=$(sed -n 's/^  handler 张三: //p' "$tmp/out")
if grep -q "The workbench: http://127.0.0.1:$port/" "$tmp/out" && [ ${#token} -eq 64 ] &&
    curl -sf -c "$tmp/jar" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
        "http://127.0.0.1:$port/v1/session" > "$tmp/session" &&
    curl -sf -b "$tmp/jar" "http://127.0.0.1:$port/v1/cases" | grep -q 某某大药房 &&
    curl -s -D "$tmp/headers" -o /dev/null "http://127.0.0.1:$port/" &&
    grep -qi "^content-security-policy: default-src 'self'" "$tmp/headers"
then ok; else cat "$tmp/session" "$tmp/headers" >> "$tmp/out" 2>/dev/null; fail "run-2 served, signed in"; fi

# run-3: Ctrl-C stops it, exit 0
kill -INT "$pid"
wait "$pid"
rc=$?
pid=
if [ "$rc" -eq 0 ]; then ok; else echo "exit $rc" >> "$tmp/out"; fail "run-3 SIGINT"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
