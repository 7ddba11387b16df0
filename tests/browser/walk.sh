#!/bin/sh
# browser_walk: the workbench (web/) in Debian's chromium, headless, driven by
# puppeteer-core (tests/browser/walk.mjs): a handler's and a head's walk
# through one case, against `caseflow serve` on a temporary database with the
# test clock. Screenshots go to OUT (the build folder's browser-shots/).
# Usage: walk.sh CASEFLOW OUT   (run from the source root)
# Exits 77 (skipped) when chromium, node or tests/browser/node_modules is missing.
set -u
cf=$1
out=$2
chrome=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$chrome" ] || ! command -v node > /dev/null || [ ! -d tests/browser/node_modules/puppeteer-core ]; then
    echo "chromium, node or puppeteer-core is not installed (scripts/install-deps.sh): skipped"
    exit 77
fi
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
export CASEFLOW_DB=$tmp/caseflow.db
export CASEFLOW_WEB=$PWD/web
"$cf" init --workflows workflows --agency 某县医疗保障局 > "$tmp/init.log" 2>&1 || { cat "$tmp/init.log"; exit 1; }
HANDLER=$("$cf" token create --agency 某县医疗保障局 --role handler --name 张三) || exit 1
HEAD=$("$cf" token create --agency 某县医疗保障局 --role head --name 李四) || exit 1
AUDITOR=$("$cf" token create --agency 某县医疗保障局 --role auditor --name 赵六) || exit 1
export HANDLER HEAD AUDITOR
# the daemon's clock starts on a fixed Monday, inside the calendars shipped; the walk
# moves it four days on (sessions count on the daemon's clock: 30 days here)
# an alert nobody acknowledges within an hour goes up to the head
printf 'session_ttl = 2592000\nalert_ack_timeout = 3600\n' > "$tmp/serve.conf"
"$cf" serve --config "$tmp/serve.conf" --listen 127.0.0.1:0 --now 2026-03-02T09:00:00+08:00 --test-clock \
    > "$tmp/serve.log" 2>&1 &
pid=$!
i=0
port=
while [ $i -lt 300 ]; do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/serve.log" | head -1)
    [ -n "$port" ] && break
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
    i=$((i + 1))
done
if [ -z "$port" ]; then
    echo "caseflow serve did not start:" >&2
    cat "$tmp/serve.log" >&2
    exit 1
fi
# the workbench's server side (sessions, web/ served at /) must be in this build
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/web/app.js")
if [ "$code" != 200 ]; then
    echo "this caseflow serve does not serve web/ (GET /web/app.js: $code): skipped"
    exit 77
fi
mkdir -p "$out"
export BASE=http://127.0.0.1:$port SHOTS=$out CHROMIUM=$chrome
node tests/browser/walk.mjs
rc=$?
[ $rc -eq 0 ] || { echo "--- the daemon's log" >&2; tail -30 "$tmp/serve.log" >&2; }
exit $rc
