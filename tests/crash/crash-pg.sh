#!/bin/sh
# tests/crash/crash-pg.sh [--cycles N] [--cycle-seconds S] [--workers N] [--record FILE]
#                         CASEFLOW CASEFLOW_CRASH
#
# The crash test with three nodes (issue 24 item 4; docs/reliability.md). Its own
# throwaway PostgreSQL 15 (tests/pg/pg.sh, with synchronous commits: the server is
# killed, and an asynchronous commit acknowledged before its WAL was written would be
# lost with it), three `caseflow serve` daemons on it (the test clock on, each with a
# webhook to one receiver that logs the alert id of every delivery), and a load
# (caseflow-crash run --ports: --workers clients walking cases through the three in turn,
# a clock thread moving every daemon's clock so that deadlines fall due and alerts
# fire). The load runs N cycles of S seconds; in each:
#   - a node (each in turn) is SIGKILLed at a random moment, and started again half a
#     second later on its port, at the clock file's instant;
#   - later PostgreSQL is stopped at once (pg_ctl stop -m immediate), each daemon is
#     asked for the case list: it must answer 503 EUNAVAILABLE (a reading connection
#     that finds itself broken says so too: "the PostgreSQL server cannot be reached";
#     EBUSY is SQLite's write lock, never this), PostgreSQL is started
#     again (the two halves of pg_ctl restart -m immediate, with the probe between), and
#     the three daemons must be the same processes and ready again (GET /readyz 200)
#     without being touched.
# Then the load ends and
#   - caseflow-crash check (--settle: the claims of a killed daemon run out before
#     another fires its alerts): every acknowledged request is there with the seq and
#     hash it was answered with, nothing answered an error is there, a request in flight
#     (lost, or answered 503) is there whole or not at all, every chain verifies, every
#     alert due is fired with exactly one alert event;
#   - caseflow audit verify;
#   - the deliveries: every fired alert was delivered at least once with its id (none
#     missing: a delivery the kill cut is owed in the database and another daemon, or
#     the restarted one, makes it once the killed one's lease ran out: sched-outbox.c),
#     nothing else was delivered, and an id delivered twice is one the killed daemon had
#     fired (its 2xx came before the kill, the row's delete did not), counted as "sent
#     again after a kill";
#   - the daemons stop cleanly on SIGTERM.
# Prints a summary; exits 0 when there was no violation. Exits 77 (skipped) without
# PostgreSQL 15 or python3 (the webhook receiver). --record FILE rewrites the block
# between <!-- crash-pg-result:begin/end --> in FILE. The short form (1 cycle) is the
# ctest cli_nodes_crash_pg; `make crash-pg` runs the long one. CRASH_KEEP=1 keeps the
# directory.
set -u
CYCLES=1
SECONDS_PER=14
WORKERS=6
RECORD=""
while [ $# -gt 2 ]; do
    case $1 in
    --cycles) CYCLES=$2; shift 2 ;;
    --cycle-seconds) SECONDS_PER=$2; shift 2 ;;
    --workers) WORKERS=$2; shift 2 ;;
    --record) RECORD=$2; shift 2 ;;
    *) break ;;
    esac
done
USAGE="usage: crash-pg.sh [--cycles N] [--cycle-seconds S] [--workers N] [--record FILE] CASEFLOW CASEFLOW_CRASH"
CASEFLOW=$(cd "$(dirname "${1:?$USAGE}")" && pwd)/$(basename "$1")
CRASH=$(cd "$(dirname "${2:?$USAGE}")" && pwd)/$(basename "$2")
SRC=$(cd "$(dirname "$0")/../.." && pwd)
PGBIN=${CASEFLOW_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$PGBIN/initdb" ] || { echo "skipped: PostgreSQL 15 is not installed"; exit 77; }
command -v python3 > /dev/null || { echo "skipped: no python3 for the webhook receiver"; exit 77; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cf-crash-pg-XXXXXX")
chmod 755 "$DIR"
LOG=$DIR/requests.jsonl
PIDS=""    # every process started here, to stop at the end
KILLED="" # the pids SIGKILLed
cleanup() {
    for p in $PIDS; do kill -9 "$p" 2> /dev/null; done
    sh "$SRC/tests/pg/pg.sh" stop "$DIR/pg.state"
}
trap 'cleanup; exit 3' INT TERM
fail() {
    echo "crash-pg: $*" >&2
    cleanup
    echo "crash-pg: kept $DIR" >&2
    exit 1
}
violations=0
violation() {
    echo "  violation: $*"
    violations=$((violations + 1))
}

unset CASEFLOW_NOW
CASEFLOW_PG_DURABLE=1 sh "$SRC/tests/pg/pg.sh" start "$DIR/pg.state" > /dev/null || fail "PostgreSQL did not start"
PGDIR=$(sed -n 2p "$DIR/pg.state")
"$PGBIN/psql" -q -X -h "$PGDIR" -U postgres -d postgres -c "CREATE DATABASE crash" > /dev/null || fail "CREATE DATABASE"
URL="postgresql:///crash?host=$PGDIR&user=postgres"
sql() { "$PGBIN/psql" -q -X -A -t -h "$PGDIR" -U postgres -d crash -c "$1"; }
export CASEFLOW_DB="$URL"
"$CASEFLOW" init --workflows "$SRC/workflows" > /dev/null || fail "caseflow init"
HANDLER=$("$CASEFLOW" token create --agency 某县医疗保障局 --role handler --name 张三) || fail token
HEAD=$("$CASEFLOW" token create --agency 某县医疗保障局 --role head --name 李四) || fail token
echo "2026-03-02T09:00:00+08:00" > "$DIR/clock"
# The clock moves every 100 ms: about 180 days over the whole run, inside the calendars.
STEP=$((180 * 86400 / (CYCLES * SECONDS_PER * 10)))

# the receiver: one line per delivery, its X-Caseflow-Alert-Id and attempt
cat > "$DIR/hook.py" << 'EOF'
import http.server, sys, threading
lock = threading.Lock()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    def do_POST(self):
        self.rfile.read(int(self.headers.get('Content-Length', 0)))
        with lock, open(sys.argv[1], 'a') as f:
            f.write('%s %s\n' % (self.headers.get('X-Caseflow-Alert-Id', '-'),
                                 self.headers.get('X-Caseflow-Delivery-Attempt', '-')))
        self.send_response(200); self.send_header('Content-Length', '0'); self.end_headers()
    def log_message(self, *a): pass
class S(http.server.ThreadingHTTPServer):
    request_queue_size = 1024
    daemon_threads = True
s = S(('127.0.0.1', 0), H)
with open(sys.argv[2], 'w') as f:
    f.write(str(s.server_address[1]) + '\n')
s.serve_forever()
EOF
: > "$DIR/hook.log"
python3 "$DIR/hook.py" "$DIR/hook.log" "$DIR/hook.port" &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do [ -s "$DIR/hook.port" ] && break; sleep 0.1; done
HOOK=$(cat "$DIR/hook.port" 2> /dev/null) || fail "the webhook receiver did not start"

# start N [PORT]: daemon N (port 0: any; its port kept in PORTN), its pid in PIDN
start() {
    out=$DIR/serve$1.out
    : > "$out"
    "$CASEFLOW" serve --listen "127.0.0.1:${2:-0}" --test-clock --now "$(cat "$DIR/clock")" \
        --webhook "http://127.0.0.1:$HOOK/" --webhook-retry-ms 200 > "$out" 2>> "$DIR/serve$1.err" &
    pid=$!
    PIDS="$PIDS $pid"
    eval "PID$1=$pid"
    i=0
    while ! grep -q 'listening on' "$out"; do
        i=$((i + 1))
        [ $i -gt 300 ] && fail "daemon $1 did not start: $(tail -3 "$DIR/serve$1.err")"
        kill -0 "$pid" 2> /dev/null || fail "daemon $1 exited: $(tail -3 "$DIR/serve$1.err")"
        sleep 0.05
    done
    eval "PORT$1=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$out")"
}
start 1
start 2
start 3
PORTS="$PORT1,$PORT2,$PORT3"
# wait SEED LO HI SINCE: sleeps until a random moment between fractions LO and HI of the
# cycle that began at SINCE (date +%s), or not at all if that moment has passed
wait_into() {
    w=$(awk -v s="$(($$ * 100 + $1))" -v lo="$2" -v hi="$3" -v c="$SECONDS_PER" \
        -v gone="$(($(date +%s) - $4))" \
        'BEGIN { srand(s); t = c * (lo + rand() * (hi - lo)) - gone; printf "%.2f", (t > 0 ? t : 0) }')
    sleep "$w"
}

"$CRASH" run --ports "$PORTS" --handler "$HANDLER" --head "$HEAD" --log "$LOG" --clock "$DIR/clock" \
    --clock-ms 100 --clock-step "$STEP" --workers "$WORKERS" --seconds $((CYCLES * SECONDS_PER)) \
    > "$DIR/load.txt" 2>&1 &
LOAD_PID=$!
PIDS="$PIDS $LOAD_PID"
kills=0
pg_restarts=0
away_named=0
reconnect_max=0
cycle=0
while [ $cycle -lt "$CYCLES" ]; do
    cycle=$((cycle + 1))
    began=$(date +%s)
    # a node dies, 25 to 40% into the cycle, and is started again
    n=$(((cycle - 1) % 3 + 1))
    wait_into "$((2 * cycle))" 0.25 0.4 "$began"
    eval "victim=\$PID$n port=\$PORT$n"
    kill -9 "$victim"
    wait "$victim" 2> /dev/null
    KILLED="$KILLED $victim"
    kills=$((kills + 1))
    sleep 0.5
    start "$n" "$port"
    # the database dies, 60 to 75% into the cycle, and comes back
    wait_into "$((2 * cycle + 1))" 0.6 0.75 "$began"
    sh "$SRC/tests/pg/pg.sh" crash "$DIR/pg.state" || fail "pg_ctl stop -m immediate"
    for m in 1 2 3; do
        eval "p=\$PORT$m"
        code=$(curl -s -o "$DIR/away.json" -w '%{http_code}' -H "Authorization: Bearer $HANDLER" \
            "http://127.0.0.1:$p/v1/cases")
        if [ "$code" = 503 ] && grep -q EUNAVAILABLE "$DIR/away.json"; then
            away_named=$((away_named + 1))
        else
            violation "daemon $m answered $code, not 503, with the database away: $(cat "$DIR/away.json")"
        fi
    done
    sleep 0.5
    sh "$SRC/tests/pg/pg.sh" restart "$DIR/pg.state" || fail "PostgreSQL did not start again"
    pg_restarts=$((pg_restarts + 1))
    back=$(date +%s)
    for m in 1 2 3; do
        eval "p=\$PORT$m pid=\$PID$m"
        i=0
        until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$p/readyz")" = 200 ]; do
            i=$((i + 1))
            [ $i -gt 300 ] && { violation "daemon $m not ready 30 s after PostgreSQL came back"; break; }
            sleep 0.1
        done
        kill -0 "$pid" 2> /dev/null || violation "daemon $m (pid $pid) died while the database was away"
    done
    took=$(($(date +%s) - back))
    [ $took -gt $reconnect_max ] && reconnect_max=$took
    # the rest of the cycle
    left=$((SECONDS_PER - ($(date +%s) - began)))
    [ $left -gt 0 ] && [ $cycle -lt "$CYCLES" ] && sleep $left
done
wait $LOAD_PID || fail "the load generator failed: $(tail -3 "$DIR/load.txt")"

# the database against what the clients were told
out=$("$CRASH" check --db "$URL" --log "$LOG" --ports "$PORTS" --now "$(cat "$DIR/clock")" --settle 40)
rc=$?
echo "$out" > "$DIR/check.txt"
[ $rc -le 1 ] || fail "check could not run: $out"
echo "$out" | grep '^  violation' || true
nviol=$(echo "$out" | sed -n 's/^check:.*; \([0-9]*\) violations$/\1/p')
violations=$((violations + ${nviol:-1}))
"$CASEFLOW" audit verify > "$DIR/verify.txt" 2>&1 || violation "caseflow audit verify: $(tail -3 "$DIR/verify.txt")"

# the deliveries: wait (at most 30 s: a killed daemon's lease, 10 s, then a claim) until
# every fired alert was delivered once
sql "SELECT alert_id || ' ' || coalesce(claim_owner, '-') FROM alerts WHERE fired_at IS NOT NULL ORDER BY 1" > "$DIR/fired"
for _ in $(seq 1 60); do
    cut -d' ' -f1 "$DIR/hook.log" | sort -u > "$DIR/delivered"
    [ "$(cut -d' ' -f1 "$DIR/fired" | comm -23 - "$DIR/delivered" | wc -l)" -eq 0 ] && break
    sleep 0.5
done
cut -d' ' -f1 "$DIR/hook.log" | sort | uniq -d > "$DIR/twice"
cut -d' ' -f1 "$DIR/fired" | comm -13 - "$DIR/delivered" > "$DIR/stray"
again_after_kill=0
missing=0
killed_by() { # the claim owner (host:pid:boot) of a fired alert is a daemon killed here
    kp=$(echo "$1" | awk -F: '{ print $(NF - 1) }')
    for k in $KILLED; do [ "$k" = "$kp" ] && return 0; done
    return 1
}
while read -r id owner; do
    if ! grep -qxF "$id" "$DIR/delivered"; then
        missing=$((missing + 1))
        violation "alert $id fired by $owner, never delivered"
    elif grep -qxF "$id" "$DIR/twice"; then
        if killed_by "$owner"; then again_after_kill=$((again_after_kill + 1)); else
            violation "alert $id delivered twice, fired by $owner (not killed)"; fi
    fi
done < "$DIR/fired"
[ -s "$DIR/stray" ] && violation "delivered, never fired: $(head -3 "$DIR/stray" | tr '\n' ' ')"

# the daemons, still the same processes since their start, stop cleanly
for m in 1 2 3; do
    eval "pid=\$PID$m"
    kill -TERM "$pid" 2> /dev/null || violation "daemon $m (pid $pid) is not running at the end"
    wait "$pid" || violation "daemon $m did not stop cleanly on SIGTERM"
done

load=$(cat "$DIR/load.txt")
acked=$(echo "$out" | sed -n 's/.*; \([0-9]*\) acknowledged requests (\([0-9]*\) trans.*/\1 acknowledged requests (\2 transitions and extensions)/p')
lost=$(echo "$out" | sed -n 's/.*, \([0-9]*\) lost in flight (\([0-9]*\) committed whole.*/\1 lost in flight or answered 503 (\2 committed whole)/p')
fired=$(echo "$out" | sed -n 's/.*; \([0-9]*\) alerts fired.*/\1 alerts fired/p')
summary="crash-pg: $CYCLES cycles, $kills daemons killed, $pg_restarts PostgreSQL restarts, $acked, $lost, $fired, $(wc -l < "$DIR/hook.log") deliveries ($(wc -l < "$DIR/twice") ids twice, $again_after_kill sent again after a kill, $missing never delivered), $violations violations"
echo "$load"
echo "$summary"
echo "crash-pg: with PostgreSQL away, $away_named answers 503 EUNAVAILABLE (every one asked); ready again at most ${reconnect_max} s after it came back"
if [ -n "$RECORD" ] && ! grep -q '<!-- crash-pg-result:begin -->' "$RECORD" 2> /dev/null; then
    echo "crash-pg: $RECORD has no <!-- crash-pg-result:begin --> block; result not recorded"
elif [ -n "$RECORD" ]; then
    awk -v s="$summary" -v l="$load" -v d="$(date -u +%Y-%m-%dT%H:%MZ)" -v w="$WORKERS" \
        -v c="$SECONDS_PER" -v a="$(cut -d' ' -f1-3 /proc/loadavg)" '
        /<!-- crash-pg-result:begin -->/ { print; print "`make crash-pg` (" w " clients, cycles of " c " s), " d ", load average " a " at the end:"; print ""; print "    " l; print "    " s; skip = 1; next }
        /<!-- crash-pg-result:end -->/ { skip = 0 }
        !skip' "$RECORD" > "$RECORD.tmp" && mv "$RECORD.tmp" "$RECORD"
fi
cleanup # the receiver; the daemons are stopped already
[ "$violations" -eq 0 ] || { echo "crash-pg: kept $DIR"; exit 1; }
[ -n "${CRASH_KEEP:-}" ] && echo "crash-pg: kept $DIR" || rm -rf "$DIR"
exit 0
