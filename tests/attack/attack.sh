#!/bin/sh
# attack: a hostile client against `caseflow serve` (tests/attack/attack.mjs, browser.mjs,
# round5.mjs, round6.mjs and wire.mjs, raw sockets in node) and hostile files against the importer and the YAML
# loaders (tests/attack/files.mjs). Sets up a database with tokens of two agencies (and a
# revoked and an expired one), a copy of web/ with symbolic links out of it, starts
# the daemon with small limits, runs the probes, then checks that the daemon is
# still alive and stops cleanly (exit 0 on SIGTERM: no crash on the way).
# Usage: attack.sh CASEFLOW_BINARY   (run from the source root)
# Exits 77 (skipped) when node is not installed.
set -u
command -v node >/dev/null 2>&1 || { echo "node is not installed: skipped"; exit 77; }
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
tmp=$(mktemp -d)
pid=
pid2=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; [ -n "$pid2" ] && kill "$pid2" 2>/dev/null; rm -rf "$tmp"' EXIT
export CASEFLOW_DB="$tmp/attack.db"
export CASEFLOW_NOW=2026-03-02T09:00:00+08:00
A=某县医疗保障局
"$bin" init --workflows workflows --agency "$A" > "$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; exit 1; }
tok() { "$bin" token create "$@"; }
export HANDLER="$(tok --agency "$A" --role handler --name 张三)"
export HEAD="$(tok --agency "$A" --role head --name 李四)"
export AUDITOR="$(tok --agency "$A" --role auditor --name 审计)"
export REVIEWER="$(tok --agency "$A" --role reviewer --name 法审)"
export METRICS="$(tok --agency "$A" --role metrics --name prometheus)"
export OTHER="$(tok --agency 另一个县医疗保障局 --role head --name 赵六)"
export REVOKED="$(tok --agency "$A" --role head --name 已撤销)"
# made two months before the daemon's clock, for an hour
export EXPIRED="$(CASEFLOW_NOW=2026-01-01T00:00:00+08:00 tok --agency "$A" --role head --name 已过期 --expires 1h)"
revoked_id=$("$bin" token list | awk '/已撤销/ {print $1}')
"$bin" token revoke "$revoked_id" > /dev/null || { echo "cannot revoke $revoked_id"; exit 1; }
for t in "$HANDLER" "$HEAD" "$AUDITOR" "$REVIEWER" "$METRICS" "$OTHER" "$REVOKED" "$EXPIRED"; do
    [ ${#t} -eq 64 ] || { echo "token create failed: $t"; exit 1; }
done
# The workbench's files, with a link to a file outside and a linked directory.
cp -r web "$tmp/web"
mkdir -p "$tmp/outside"
echo SECRET-OUTSIDE-WEB > "$tmp/outside/secret.txt"
ln -s "$tmp/outside/secret.txt" "$tmp/web/secret-link.txt"
ln -s "$tmp/outside" "$tmp/web/linkdir"
cp "$CASEFLOW_DB" "$tmp/web/caseflow.db"
export MAX_BODY=65536 DOC_MAX=32768 TIMEOUT_MS=1500
export SERVE_LOG="$tmp/serve.log"
export AUTH_FAIL_BURST=20
# a robot webhook whose key is in its URL (as WeCom's, DingTalk's), never reached (port 9):
# the deliveries' listing must not show the key (attack-12.10)
export WEBHOOK_KEY=ATTACK-ROBOT-KEY-7f3a
printf 'token_cache_ms = 1000\nauth_fail_burst = %s\nwebhook = http://127.0.0.1:9/cgi-bin/webhook/send?key=%s\nwebhook_attempts = 1\n' \
    $AUTH_FAIL_BURST $WEBHOOK_KEY > "$tmp/serve.conf"
"$bin" serve --listen 127.0.0.1:0 --config "$tmp/serve.conf" --test-clock --web "$tmp/web" \
    --max-body $MAX_BODY --doc-max $DOC_MAX --timeout-ms $TIMEOUT_MS > "$tmp/serve.out" 2> "$SERVE_LOG" &
pid=$!
for _ in $(seq 1 300); do
    grep -q "listening on" "$tmp/serve.out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
export PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve.out")
[ -n "$PORT" ] || { echo "the daemon did not start"; cat "$tmp/serve.out" "$SERVE_LOG"; exit 1; }
failed=0
node "$src/tests/attack/attack.mjs" || failed=1
# attack-12: headers, parameter pollution, sessions, names, the workbench's code (browser.mjs)
CASEFLOW_BIN="$bin" node "$src/tests/attack/browser.mjs" || failed=1
# attack-13: invisible and control characters, download names, rotation, what held (round5.mjs)
node "$src/tests/attack/round5.mjs" || failed=1
# attack-14: a token's streams, long lists, targets, framing, edges, parameters, the
# browser's side, one version raced (round6.mjs)
node "$src/tests/attack/round6.mjs" || failed=1
# A second daemon, on a database of its own: with a Host allowlist (DNS rebinding) and a
# file limit of FD_LIMIT descriptors (more connections than that must not spin its loop).
export FD_LIMIT=64
db2="$tmp/attack2.db"
CASEFLOW_DB="$db2" "$bin" init --workflows workflows --agency "$A" > "$tmp/init2.out" 2>&1 ||
    { cat "$tmp/init2.out"; exit 1; }
export TOKEN2="$(CASEFLOW_DB="$db2" "$bin" token create --agency "$A" --role handler --name 张三)"
(ulimit -n $FD_LIMIT && exec env CASEFLOW_DB="$db2" "$bin" serve --listen 127.0.0.1:0 \
    --allowed-host caseflow.example --timeout-ms $TIMEOUT_MS) > "$tmp/serve2.out" 2> "$tmp/serve2.log" &
pid2=$!
for _ in $(seq 1 300); do
    grep -q "listening on" "$tmp/serve2.out" && break
    kill -0 "$pid2" 2>/dev/null || break
    sleep 0.1
done
export PID2=$pid2
export PORT2=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/serve2.out")
[ -n "$PORT2" ] || { echo "the second daemon did not start"; cat "$tmp/serve2.out" "$tmp/serve2.log"; exit 1; }
node "$src/tests/attack/wire.mjs" || failed=1
if kill -0 "$pid2" 2>/dev/null; then
    kill -TERM "$pid2"
    wait "$pid2"
    rc=$?
    pid2=
    [ "$rc" -eq 0 ] || { echo "FAIL attack-end: the second daemon exited $rc on SIGTERM"; failed=1; }
else
    echo "FAIL attack-end: the second daemon died"; tail -20 "$tmp/serve2.log"; failed=1
fi
if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    pid=
    [ "$rc" -eq 0 ] || { echo "FAIL attack-end: the daemon exited $rc on SIGTERM"; failed=1; }
else
    echo "FAIL attack-end: the daemon died"; tail -20 "$SERVE_LOG"; failed=1
fi
# Nothing half-written: every chain the attack left verifies.
"$bin" audit verify > "$tmp/verify.out" 2>&1 ||
    { echo "FAIL attack-end: audit verify after the attack"; cat "$tmp/verify.out"; failed=1; }
# The importer and the YAML loaders (the daemon stopped: they run as the command line)
mkdir "$tmp/files"
node "$src/tests/attack/files.mjs" "$bin" "$tmp/files" || failed=1
[ "$failed" -eq 0 ]
