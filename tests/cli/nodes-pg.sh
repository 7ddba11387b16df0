#!/bin/sh
# cli-nodes-pg (issue 24 items 3 and 6), on a throwaway PostgreSQL 15 (tests/pg/pg.sh):
# nodes-pg-1: `caseflow migrate` copies the worked example's SQLite file (with a token and a
#   signed checkpoint) into PostgreSQL: every chain verified, the log's root the source's,
#   the checkpoint verifies against PostgreSQL, the token is there; a second move into it
#   is refused.
# nodes-pg-2: two daemons serve that one database: a session made on one is good on the
#   other with the same CSRF token; signed out on the second, the first refuses it
#   within its token cache time.
# nodes-pg-2.3: one case acted on through both, each node's writer holding its own copy
#   of it (taken without reading the database while the node wrote it last): the node
#   whose copy is stale takes an If-Match of the other's version (200) and answers a
#   stale one 409 (not 422, what its own copy would say); one chain, every event once.
# nodes-pg-3: PostgreSQL stopped at once under them: a bearer request and a session
#   request are 503 EUNAVAILABLE on both (never 401, never a crash); started again, both
#   answer 200 without being restarted.
# Skipped (77) where PostgreSQL 15 is not installed.
# Usage: nodes-pg.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
pgbin=${CASEFLOW_PG_BIN:-/usr/lib/postgresql/15/bin}
[ -x "$pgbin/initdb" ] || { echo "skipped: PostgreSQL 15 is not installed"; exit 77; }
tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; sh "$src/tests/pg/pg.sh" stop "$tmp/pg.state"; rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
code() { "$bin" "$@" > "$tmp/out" 2>&1; echo $?; }

sh "$src/tests/pg/pg.sh" start "$tmp/pg.state" > /dev/null || exit 1
dir=$(sed -n 2p "$tmp/pg.state")
"$pgbin/psql" -q -X -h "$dir" -U postgres -d postgres -c "CREATE DATABASE moved" > /dev/null
url="postgresql:///moved?host=$dir&user=postgres"

# nodes-pg-1: the move
CASEFLOW_RUN_SERVE=0 CASEFLOW="$bin" CASEFLOW_DB="$tmp/src.db" \
    sh "$src/examples/penalty-walkthrough.sh" > "$tmp/out" 2>&1 || fail "the worked example runs"
export CASEFLOW_NOW=2025-10-20T09:00:00+08:00
token=$("$bin" --db "$tmp/src.db" token create --agency 某县医疗保障局 --role handler --name 张三)
"$bin" audit keygen --out "$tmp/bureau.pem" > "$tmp/bureau.pub" 2> /dev/null
"$bin" --db "$tmp/src.db" audit checkpoint --key "$tmp/bureau.pem" --out "$tmp/cp.json" > /dev/null
unset CASEFLOW_NOW
EV=$(sqlite3 "$tmp/src.db" "SELECT count(*) FROM events")
if [ "$(code migrate --from "$tmp/src.db" --to "$url")" -eq 0 ] &&
    grep -q "^chains: 1 cases read back, 1 verified$" "$tmp/out" &&
    grep -q "^log: $EV events, root [0-9a-f]\{64\}, the same as the source's$" "$tmp/out"
then ok; else fail "nodes-pg-1.1: a SQLite file moved into PostgreSQL, every chain verified"; fi
if [ "$(code --db "$url" audit verify --checkpoint "$tmp/cp.json" --pubkey "$tmp/bureau.pub")" -eq 0 ] &&
    grep -q "^PASS" "$tmp/out" && [ "$(code --db "$url" token list)" -eq 0 ] && grep -q 张三 "$tmp/out"
then ok; else fail "nodes-pg-1.2: the checkpoint taken before the move verifies on PostgreSQL; the token is there"; fi
if [ "$(code migrate --from "$tmp/src.db" --to "$url")" -eq 4 ] && grep -q "the target is not empty" "$tmp/out"
then ok; else fail "nodes-pg-1.3: a second move into the same database is refused"; fi

# nodes-pg-2: two daemons, one database
echo "token_cache_ms = 200" > "$tmp/serve.conf"
start() { # start LOG: a daemon on the database on a port of its own; sets $port once it listens
    "$bin" --db "$url" serve --listen 127.0.0.1:0 --config "$tmp/serve.conf" > "$1" 2>&1 &
    pids="$pids $!"
    for _ in $(seq 1 300); do
        port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
        [ -n "$port" ] && return 0
        sleep 0.1
    done
    return 1
}
start "$tmp/a.log" && pa=$port && start "$tmp/b.log" && pb=$port || { cat "$tmp/a.log" "$tmp/b.log" > "$tmp/out"; fail "two daemons start on one database"; }
curl -s -c "$tmp/jar" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
    "http://127.0.0.1:$pa/v1/session" > "$tmp/a.json"
curl -s -b "$tmp/jar" "http://127.0.0.1:$pb/v1/session" > "$tmp/b.json"
csrf=$(jq -r .csrf "$tmp/a.json")
if [ ${#csrf} -eq 64 ] && [ "$(jq -r .csrf "$tmp/b.json")" = "$csrf" ] &&
    [ "$(jq -r .actor "$tmp/b.json")" = 张三 ]
then ok; else cat "$tmp/a.json" "$tmp/b.json" > "$tmp/out"; fail "nodes-pg-2.1: a session made on one node is good on the other"; fi
out=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar" -X DELETE -H "X-CSRF-Token: $csrf" \
    "http://127.0.0.1:$pb/v1/session")
# a's copy of the session is trusted for token_cache_ms (200 ms): polled until refused
for _ in $(seq 1 300); do
    after=$(curl -s -o /dev/null -w '%{http_code}' -b "$tmp/jar" "http://127.0.0.1:$pa/v1/session")
    [ "$after" = 200 ] || break
    sleep 0.1
done
if [ "$out" = 200 ] && [ "$after" = 401 ]
then ok; else echo "sign-out $out, then $after" > "$tmp/out"; fail "nodes-pg-2.2: signed out on one node, refused on the other"; fi

# nodes-pg-2.3: one case, both nodes
"$bin" --db "$url" workflow load "$src/bench/workflows/bench-linear.yaml" > /dev/null 2>&1
post() { # post PORT PATH BODY [VERSION]: the status; the answer in $tmp/body
    curl -s -o "$tmp/body" -w '%{http_code}' -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' ${4:+-H "If-Match: \"$4\""} -d "$3" \
        "http://127.0.0.1:$1$2"
}
act() { post "$1" "/v1/cases/$id/actions" "{\"action\":\"$2\"}" "$3"; }
s0=$(post "$pa" /v1/cases '{"workflow":"bench-linear","party":{"name":"某某诊所"}}')
id=$(jq -r .id "$tmp/body") v=$(jq -r .version "$tmp/body")
s1=$(act "$pa" step1 "$v") s2=$(act "$pb" step2 $((v + 1))) s3=$(act "$pa" step3 $((v + 2)))
s4=$(act "$pb" step4 $((v + 3))) s5=$(act "$pa" step5 $((v + 3)))
s6=$(act "$pa" step5 $((v + 4)))
codes="$s0 $s1 $s2 $s3 $s4 $s5 $s6"
n=$("$pgbin/psql" -X -At -h "$dir" -U postgres -d moved -c \
    "SELECT count(*) || ' ' || count(DISTINCT seq) || ' ' || max(seq) FROM events WHERE case_id = $id")
if [ "$codes" = "201 200 200 200 200 409 200" ] && [ "$n" = "$((v + 5)) $((v + 5)) $((v + 5))" ] &&
    [ "$(code --db "$url" audit verify)" -eq 0 ] && grep -q "^case $id (bench-linear.*: conformant$" "$tmp/out"
then ok; else echo "answers $codes, events (count, seqs, last) $n, version $v" >> "$tmp/out"
    fail "nodes-pg-2.3: one case through two nodes: stale copies read again, one chain"; fi

# nodes-pg-3: the database away (stopped at once, as a crash would): every request is a
# clear 503 on both daemons, neither dies; started again, they answer as before on their own
sign_in() { curl -s -c "$tmp/jar2" -H 'Content-Type: application/json' -d "{\"token\":\"$token\"}" \
    "http://127.0.0.1:$pa/v1/session" > /dev/null; }
sign_in
as=""
[ "$(id -u)" -eq 0 ] && as="runuser -u postgres --"
$as "$pgbin/pg_ctl" -D "$dir/data" -m immediate -w stop > /dev/null 2>&1
status() { curl -s -o "$tmp/body" -w '%{http_code}' "$@"; }
a1=$(status -H "Authorization: Bearer $token" "http://127.0.0.1:$pa/v1/workflows")
a2=$(status -b "$tmp/jar2" "http://127.0.0.1:$pb/v1/workflows")
a3=$(status -H "Authorization: Bearer $token" "http://127.0.0.1:$pb/v1/cases")
grep -q EUNAVAILABLE "$tmp/body"; named=$?
$as "$pgbin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses='' -k $dir -c fsync=off -c max_connections=300" start > /dev/null
b1=$(status -H "Authorization: Bearer $token" "http://127.0.0.1:$pa/v1/workflows")
b2=$(status -b "$tmp/jar2" "http://127.0.0.1:$pb/v1/workflows")
if [ "$a1 $a2 $a3" = "503 503 503" ] && [ "$named" -eq 0 ] && [ "$b1 $b2" = "200 200" ] &&
    for p in $pids; do kill -0 "$p" || exit 1; done
then ok; else echo "away: $a1 $a2 $a3 (named $named), back: $b1 $b2" > "$tmp/out"; cat "$tmp/body" >> "$tmp/out"
    fail "nodes-pg-3: the database away is a 503 on every node; they reconnect on their own"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
