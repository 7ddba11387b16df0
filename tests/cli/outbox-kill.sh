#!/bin/sh
# cli-outbox-kill (issue 24 item 4; api/http/sched-outbox.c): a webhook delivery cut by a
# SIGKILL is made by the next daemon, with the same alert id and body.
# outbox-kill-1: a daemon fires an alert at a receiver that answers 500 (its retry is an
#   hour away), and is SIGKILLed; a daemon started on the database delivers it (on
#   SQLite at its start; on PostgreSQL once the killed one's lease ran out, about 10 s),
#   with the same X-Caseflow-Alert-Id and body; nothing is owed after.
# outbox-kill-2: killed again once everything was delivered: the next daemon sends
#   nothing more.
# outbox-kill-3: the alert left unacknowledged is escalated (alert_ack_timeout = 60) by a
#   daemon whose POST of the alert.escalated notice fails, and which is SIGKILLed: the
#   next daemon posts the notice, same id ("<alert_id>:escalated") and body.
# On $CASEFLOW_TEST_DB when set (ctest cli_outbox_kill_pg, through tests/pg/pg.sh run),
# else on a SQLite file of its own. Skipped (77) without python3 (the receiver).
# Usage: outbox-kill.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
command -v python3 > /dev/null || { echo "skipped: no python3 for the webhook receiver"; exit 77; }
tmp=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; tail -5 "$tmp/serve.err" >&2; cat "$tmp/hook.log" >&2; }
db=${CASEFLOW_TEST_DB:-$tmp/outbox.db}
sql() { # the one value of a query, on either backend
    case $db in
    postgresql:*) psql -q -X -A -t -d "$db" -c "$1" ;;
    *) sqlite3 "$db" "$1" ;;
    esac
}
T0=2026-03-02T09:00:00+08:00

# the receiver: one line "ALERT_ID ATTEMPT" per POST; 500 while $tmp/fail exists
cat > "$tmp/hook.py" << 'EOF'
import http.server, os, sys
log, portfile, failfile = sys.argv[1], sys.argv[2], sys.argv[3]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get('Content-Length', 0))
        body = self.rfile.read(n).decode()
        with open(log, 'a') as f:
            f.write('%s %s\n' % (self.headers.get('X-Caseflow-Alert-Id'), self.headers.get('X-Caseflow-Delivery-Attempt')))
        with open(log + '.bodies', 'a') as f:
            f.write(body + '\n')
        self.send_response(500 if os.path.exists(failfile) else 200)
        self.send_header('Content-Length', '0')
        self.end_headers()
    def log_message(self, *a):
        pass
s = http.server.HTTPServer(('127.0.0.1', 0), H)
open(portfile, 'w').write(str(s.server_address[1]))
s.serve_forever()
EOF
: > "$tmp/hook.log"
touch "$tmp/fail"
python3 "$tmp/hook.py" "$tmp/hook.log" "$tmp/hook.port" "$tmp/fail" &
pids="$pids $!"
for _ in $(seq 1 100); do [ -s "$tmp/hook.port" ] && break; sleep 0.1; done
hook="http://127.0.0.1:$(cat "$tmp/hook.port")/hook"

"$bin" --db "$db" init --workflows "$src/workflows" > /dev/null 2>&1 || { echo "init failed"; exit 1; }
token=$("$bin" --db "$db" token create --agency 甲局 --role handler --name 张三)
metrics=$("$bin" --db "$db" token create --agency 运维 --role metrics --name prometheus)
metric() { # the value of metric $1 in /metrics
    curl -s -H "Authorization: Bearer $metrics" "http://127.0.0.1:$port/metrics" |
        sed -n "s/^$1 \([0-9]*\).*/\1/p"
}

start() { # a daemon at instant $1 (then more flags); its pid in $daemon, its port in $port
    at=$1
    shift
    : > "$tmp/serve.out"
    "$bin" --db "$db" serve --listen 127.0.0.1:0 --test-clock --now "$at" --webhook "$hook" \
        --webhook-retry-ms 3600000 "$@" > "$tmp/serve.out" 2>> "$tmp/serve.err" &
    daemon=$!
    pids="$pids $daemon"
    for _ in $(seq 1 200); do grep -q "listening on" "$tmp/serve.out" && break; sleep 0.05; done
    port=$(sed -n 's/.*listening on [0-9.]*:\([0-9]*\).*/\1/p' "$tmp/serve.out")
}
lines() { wc -l < "$tmp/hook.log"; }
wait_lines() { # until the receiver has $1 lines, at most $2 seconds
    i=0
    while [ "$(lines)" -lt "$1" ] && [ $i -lt $(($2 * 10)) ]; do sleep 0.1; i=$((i + 1)); done
    [ "$(lines)" -ge "$1" ]
}

# outbox-kill-1
start "$T0"
curl -s -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"workflow":"penalty-general","party":{"name":"某某大药房"}}' \
    "http://127.0.0.1:$port/v1/cases" > "$tmp/case.json"
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/alerts?state=pending" > "$tmp/pending.json"
due=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["due_at"])' "$tmp/pending.json")
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["alert_id"])' "$tmp/pending.json")
curl -s -o /dev/null -d "{\"now\":\"$due\"}" "http://127.0.0.1:$port/v1/test/clock"
wait_lines 1 30
kill -9 "$daemon"
wait "$daemon" 2> /dev/null
first=$(head -1 "$tmp/hook.log")
owed=$(sql "SELECT count(*) FROM alert_deliveries WHERE state = 'pending'")
rm -f "$tmp/fail"
start "$due"
if [ "$first" = "$id 1" ] && [ "$owed" = 1 ] && wait_lines 2 40 &&
    [ "$(sed -n 2p "$tmp/hook.log" | cut -d' ' -f1)" = "$id" ] &&
    [ "$(sed -n 1p "$tmp/hook.log.bodies")" = "$(sed -n 2p "$tmp/hook.log.bodies")" ]
then ok; else fail "outbox-kill-1.1: a delivery cut by SIGKILL made by the next daemon, same id and body (first: '$first', owed: $owed)"; fi
for _ in $(seq 1 50); do [ "$(sql "SELECT count(*) FROM alert_deliveries")" = 0 ] && break; sleep 0.1; done
if [ "$(sql "SELECT count(*) FROM alert_deliveries")" = 0 ]
then ok; else fail "outbox-kill-1.2: nothing owed once delivered"; fi

# outbox-kill-2
kill -9 "$daemon"
wait "$daemon" 2> /dev/null
n=$(lines)
start "$due"
for _ in $(seq 1 300); do [ "$(metric caseflow_webhook_outbox_claims_total)" -ge 1 ] 2> /dev/null && break; sleep 0.1; done
if [ "$(metric caseflow_webhook_outbox_claims_total)" -ge 1 ] &&
    [ "$(metric caseflow_webhook_reloaded_total)" = 0 ] && [ "$(lines)" = "$n" ]
then ok; else fail "outbox-kill-2.1: a delivered alert is not sent again after a kill"; fi
kill -TERM "$daemon"
wait "$daemon" || fail "outbox-kill-2.2: the daemon stops cleanly"

# outbox-kill-3
touch "$tmp/fail"
printf 'alert_ack_timeout = 60\n' > "$tmp/ack.conf"
later=$(python3 -c 'import datetime,sys; print((datetime.datetime.fromisoformat(sys.argv[1]) + datetime.timedelta(seconds=120)).isoformat())' "$due")
n=$(lines)
start "$later" --config "$tmp/ack.conf"
wait_lines $((n + 1)) 30
kill -9 "$daemon"
wait "$daemon" 2> /dev/null
esc=$(sed -n "$((n + 1))p" "$tmp/hook.log")
owed=$(sql "SELECT count(*) FROM alert_deliveries WHERE state = 'pending' AND alert_id = '$id:escalated'")
rm -f "$tmp/fail"
start "$later"
if [ "$esc" = "$id:escalated 1" ] && [ "$owed" = 1 ] && wait_lines $((n + 2)) 40 &&
    [ "$(sed -n "$((n + 2))p" "$tmp/hook.log" | cut -d' ' -f1)" = "$id:escalated" ] &&
    [ "$(sed -n "$((n + 1))p" "$tmp/hook.log.bodies")" = "$(sed -n "$((n + 2))p" "$tmp/hook.log.bodies")" ]
then ok; else fail "outbox-kill-3.1: an escalation notice cut by SIGKILL posted by the next daemon, same id and body (first: '$esc', owed: $owed)"; fi
kill -TERM "$daemon"
wait "$daemon" || fail "outbox-kill-3.2: the daemon stops cleanly"

echo "cli-outbox-kill: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
