#!/bin/sh
# tests/crash/crash.sh [--cycles N] [--workers N] [--record FILE] CASEFLOW CASEFLOW_CRASH
#
# The crash test. A fresh database (caseflow init) and two tokens; then N cycles
# of:  start `caseflow serve` on 127.0.0.1 (a free port, the test clock on)
#   -> check (caseflow-crash check: every acknowledged request is there, nothing
#      else half there, every chain verifies, every alert due fired exactly once)
#      and `caseflow audit verify`
#   -> load (caseflow-crash run: --workers clients walking cases, a clock
#      thread moving the test clock, about 180 days over the run, firing alerts)
#   -> SIGKILL the daemon at a random moment (0 to 1 s into the load)
# and a last restart and check, then SIGTERM. The checks of every cycle cover
# every request of every cycle before. Prints a summary line:
#   crash: N cycles, A acknowledged requests (T transitions and extensions),
#          L lost in flight (C committed whole), F alerts fired, V violations
# --record FILE rewrites the block between <!-- crash-result:begin/end --> in
# FILE with the summary and the date. Exits 0 when there was no violation
# (CRASH_KEEP=1 keeps the directory then too).
# The short form (10 cycles) is ctest crash_short; `make crash` runs 100.
set -u
CYCLES=10
WORKERS=4
RECORD=""
while [ $# -gt 2 ]; do
    case $1 in
    --cycles) CYCLES=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --record) RECORD=$2; shift 2 ;;
    *) break ;;
    esac
done
CASEFLOW=${1:?usage: crash.sh [--cycles N] [--workers N] [--record FILE] CASEFLOW CASEFLOW_CRASH}
CRASH=${2:?usage: crash.sh [--cycles N] [--workers N] [--record FILE] CASEFLOW CASEFLOW_CRASH}
SRC=$(cd "$(dirname "$0")/../.." && pwd)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cf-crash-XXXXXX")
DB=$DIR/crash.db
LOG=$DIR/requests.jsonl
SERVE_PID=""
trap '[ -n "$SERVE_PID" ] && kill -9 $SERVE_PID 2>/dev/null; exit 3' INT TERM
fail() {
    echo "crash: $*" >&2
    [ -n "$SERVE_PID" ] && kill -9 "$SERVE_PID" 2>/dev/null
    echo "crash: kept $DIR" >&2
    exit 1
}

unset CASEFLOW_NOW
export CASEFLOW_DB="$DB"
"$CASEFLOW" init --workflows "$SRC/workflows" >/dev/null || fail "caseflow init"
HANDLER=$("$CASEFLOW" token create --agency 某县医疗保障局 --role handler --name 张三) || fail token
HEAD=$("$CASEFLOW" token create --agency 某县医疗保障局 --role head --name 李四) || fail token
echo "2026-03-02T09:00:00+08:00" > "$DIR/clock"
# The test clock moves every 100 ms by STEP: about 180 days over the whole run (deadlines
# fall due and alerts fire, and it stays inside the shipped 2024-2026 calendars).
STEP=$((180 * 86400 / (CYCLES * 5)))

# Starts the daemon at the clock file's instant; sets SERVE_PID, PORT, NOW.
start() {
    NOW=$(cat "$DIR/clock")
    : > "$DIR/serve.out"
    "$CASEFLOW" serve --listen 127.0.0.1:0 --test-clock --now "$NOW" \
        >"$DIR/serve.out" 2>>"$DIR/serve.err" &
    SERVE_PID=$!
    i=0
    while ! grep -q 'listening on' "$DIR/serve.out"; do
        i=$((i + 1))
        [ $i -gt 300 ] && fail "the daemon did not start: $(cat "$DIR/serve.err")"
        kill -0 $SERVE_PID 2>/dev/null || fail "the daemon exited: $(tail -3 "$DIR/serve.err")"
        sleep 0.05
    done
    PORT=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$DIR/serve.out")
}

audit_failures=0
check() {
    out=$("$CRASH" check --db "$DB" --log "$LOG" --port "$PORT" --now "$NOW")
    rc=$?
    echo "$out" >> "$DIR/checks.txt"
    [ $rc -le 1 ] || fail "check could not run: $out"
    [ $rc -eq 0 ] || echo "$out"
    "$CASEFLOW" audit verify >/dev/null 2>&1 || {
        echo "crash: caseflow audit verify failed"
        audit_failures=$((audit_failures + 1))
    }
}

cycle=0
while [ $cycle -lt "$CYCLES" ]; do
    cycle=$((cycle + 1))
    start
    check
    "$CRASH" run --port "$PORT" --handler "$HANDLER" --head "$HEAD" --log "$LOG" \
        --clock "$DIR/clock" --clock-ms 100 --clock-step $STEP --workers "$WORKERS" >>"$DIR/load.txt" 2>&1 &
    LOAD_PID=$!
    sleep "$(awk -v s="$$$cycle" 'BEGIN { srand(s); printf "%.3f", rand() }')"
    kill -9 $SERVE_PID
    wait $SERVE_PID 2>/dev/null
    SERVE_PID=""
    wait $LOAD_PID || fail "the load generator failed: $(tail -3 "$DIR/load.txt")"
done
start
check
kill -TERM $SERVE_PID
wait $SERVE_PID || fail "the daemon did not stop cleanly on SIGTERM"
SERVE_PID=""
"$CASEFLOW" audit verify >/dev/null || audit_failures=$((audit_failures + 1))

# the last check covers every request of every cycle; violations are summed over all checks
last=$(grep '^check:' "$DIR/checks.txt" | tail -1)
acked=$(echo "$last" | sed -n 's/.*; \([0-9]*\) acknowledged requests (\([0-9]*\) trans.*/\1 acknowledged requests (\2 transitions and extensions)/p')
lost=$(echo "$last" | sed -n 's/.*, \([0-9]*\) lost in flight (\([0-9]*\) committed whole.*/\1 lost in flight (\2 committed whole)/p')
fired=$(echo "$last" | sed -n 's/.*; \([0-9]*\) alerts fired.*/\1 alerts fired/p')
nviol=$(grep '^check:' "$DIR/checks.txt" | sed 's/.*; \([0-9]*\) violations$/\1/' | awk '{ s += $1 } END { print s + 0 }')
nviol=$((nviol + audit_failures))
summary="crash: $CYCLES cycles, $acked, $lost, $fired, $nviol violations"
echo "$summary"
if [ -n "$RECORD" ] && ! grep -q '<!-- crash-result:begin -->' "$RECORD" 2>/dev/null; then
    echo "crash: $RECORD has no <!-- crash-result:begin --> block; result not recorded"
elif [ -n "$RECORD" ]; then
    awk -v s="$summary" -v d="$(date -u +%Y-%m-%dT%H:%MZ)" -v w="$WORKERS" '
        /<!-- crash-result:begin -->/ { print; print "`make crash` (" w " clients), " d ":"; print ""; print "    " s; skip = 1; next }
        /<!-- crash-result:end -->/ { skip = 0 }
        !skip' "$RECORD" > "$RECORD.tmp" && mv "$RECORD.tmp" "$RECORD"
fi
[ "$nviol" -eq 0 ] || { echo "crash: kept $DIR"; exit 1; }
[ -n "${CRASH_KEEP:-}" ] && echo "crash: kept $DIR" || rm -rf "$DIR"
exit 0
