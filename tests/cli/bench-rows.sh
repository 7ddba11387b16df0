#!/bin/sh
# cli-bench-rows: bench/run.sh --only / BENCH_ROWS runs exactly the steps of the rows
# asked for (issue 26: the lead judges the storm rows alone on a quiet machine), in the
# order of the full run, and refuses a row it does not know. BENCH_DRY=1 lists the
# steps without measuring anything.
# Usage: bench-rows.sh   (run from the source root).
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
check() { # what, expected, got
    if [ "$2" = "$3" ]; then passed=$((passed + 1)); else
        failed=$((failed + 1))
        printf 'FAIL: %s\n--- expected\n%s\n--- got\n%s\n' "$1" "$2" "$3" >&2
    fi
}
steps() { BENCH_DRY=1 sh bench/run.sh "$@" "$tmp" 2> /dev/null | tr '\n' ';'; }

# bench-rows-1: issue26 = the HTTP row with its raw limit (three rounds; raw reads the
# rows engine wrote; each TCP run followed by the same over a Unix socket), the alerts (with the burst), the storm and the downtime, each
# with its database's load
check "bench-rows-1 --only issue26" \
    "run engine;run raw;run http;run http --key http_unix --unix 1;run engine;run raw;run http;run http --key http_unix --unix 1;run engine;run raw;run http;run http --key http_unix --unix 1;run load;run alerts;run load --layout storm;run storm;run load --layout downtime;run downtime;" \
    "$(steps --only issue26)"
# bench-rows-2: BENCH_ROWS in the environment, as `BENCH_ROWS=storm,http make bench` passes it
check "bench-rows-2 BENCH_ROWS=storm,http --quick" \
    "run engine;run raw;run http;run http --key http_unix --unix 1;run load --layout storm;run storm;" \
    "$(BENCH_ROWS=storm,http steps --quick)"
# bench-rows-6: BENCH_STORM_CASES sizes the storm row (its load and its run), alone
check "bench-rows-6 BENCH_STORM_CASES=20000" \
    "run load --layout storm --cases 20000;run storm --cases 20000;" \
    "$(BENCH_STORM_CASES=20000 BENCH_ROWS=storm steps)"
# bench-rows-3: no selection runs every row (the full run, as before)
all=$(steps)
check "bench-rows-3 the full run has every step" \
    "46 yes yes yes" \
    "$(echo "$all" | tr ';' '\n' | grep -c . | tr -d ' ') \
$(echo "$all" | grep -q 'run engine;run raw;run http;run http --key http_unix --unix 1;run http --key http_c64' && echo yes) \
$(echo "$all" | grep -q 'run peer;run load;run alerts' && echo yes) \
$(echo "$all" | grep -q 'run audit;run stats;run importer;$' && echo yes)"
# bench-rows-5: pg (issue 24) = per round, on PostgreSQL (--pg): in process, the raw libpq
# limit over the rows that wrote (pipelined; the store path's rows, the daemon's), HTTP
# against one node, the raw limit again right after it, HTTP against three; three
# rounds, one with --quick; and pg is in the full run, after the HTTP rows
pg="run --pg PGDIR engine;run --pg PGDIR raw --pipeline 1 --daemon-rows 0 --key pg_raw_store;run --pg PGDIR raw --pipeline 1;run --pg PGDIR http;run --pg PGDIR raw --pipeline 1 --key pg_raw_after;run --pg PGDIR http --nodes 3 --key pg_http3;"
check "bench-rows-5 --only pg" "$pg$pg$pg" "$(steps --only pg)"
check "bench-rows-5 BENCH_ROWS=pg --quick" "$pg" "$(BENCH_ROWS=pg steps --quick)"
check "bench-rows-5 pg in the full run" "yes" \
    "$(echo "$all" | grep -qF "run http --key http_sse --stream 1;$pg$pg$pg" && echo yes)"
# bench-rows-4: an unknown row is refused (exit 2, named), nothing run
out=$(BENCH_DRY=1 sh bench/run.sh --only storm,strom "$tmp" 2>&1)
rc=$?
check "bench-rows-4 unknown row refused" "2 yes no" \
    "$rc $(echo "$out" | grep -q "unknown row 'strom'" && echo yes) \
$(echo "$out" | grep -q '^run ' && echo yes || echo no)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
