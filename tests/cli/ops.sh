#!/bin/sh
# cli-ops: the operation layer's checks as a user meets them through the binary:
# a second `caseflow serve` on one SQLite database refuses to start, naming the first
# one's pid (exit 6), while on PostgreSQL (CASEFLOW_TEST_DB, tests/pg/pg.sh) a second
# daemon shares the database and answers beside the first; --doc refuses a device and a FIFO without blocking on it
# (exit 2) and states the size limit; a change dated in the past carries when it
# was entered and by whom.
# Usage: ops.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
tmp=$(mktemp -d)
serve_pid="" second_pid=""
trap 'for p in $serve_pid $second_pid; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
export CASEFLOW_DB="${CASEFLOW_TEST_DB:-$tmp/o.db}" CASEFLOW_NOW=2026-03-10T12:00:00+08:00
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
code() { "$bin" "$@" > "$tmp/out" 2>&1; echo $?; }

"$bin" init > /dev/null 2>&1 || { echo "init failed" >&2; exit 1; }

# cli-ops-1: one daemon per database
"$bin" serve --listen 127.0.0.1:0 > "$tmp/serve.out" 2>&1 &
serve_pid=$!
i=0
while ! grep -qs listening "$tmp/serve.out" && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
case $CASEFLOW_DB in
postgres://* | postgresql://*)
    # PostgreSQL: no lock file; the second daemon starts on the same database
    "$bin" serve --listen 127.0.0.1:0 > "$tmp/out" 2>&1 &
    second_pid=$!
    i=0
    while ! grep -q listening "$tmp/out" && kill -0 "$second_pid" 2>/dev/null && [ $i -lt 300 ]
    do sleep 0.1; i=$((i + 1)); done
    if grep -q listening "$tmp/out" && kill -0 "$serve_pid" 2>/dev/null
    then ok; else fail "a second serve shares a PostgreSQL database"; fi
    kill "$second_pid"
    wait "$second_pid" 2>/dev/null
    second_pid=""
    ;;
*)
    if [ "$(code serve --listen 127.0.0.1:0)" -eq 6 ] && grep -q "pid $serve_pid" "$tmp/out" &&
        grep -q "already runs on this database" "$tmp/out"
    then ok; else fail "a second serve names the first one's pid"; fi
    ;;
esac
kill "$serve_pid"
wait "$serve_pid" 2>/dev/null
serve_pid=""

# cli-ops-2: documents whole or refused
"$bin" case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 --actor 张三 > /dev/null 2>&1
mkfifo "$tmp/fifo"
act() {
    code case act 1 file --role head --actor 李四 --fact filing_reason=x --fact cause=js-2024:14 \
        --fact 'officers=[{"name":"a","cert":"1"},{"name":"b","cert":"2"}]' --doc "立案审批表=$1"
}
if [ "$(act /dev/zero)" -eq 2 ] && grep -q "a device" "$tmp/out" &&
    [ "$(timeout 10 sh -c "\"$bin\" case act 1 file --role head --doc 立案审批表=$tmp/fifo" \
        > "$tmp/out" 2>&1; echo $?)" -eq 2 ] && grep -q "a FIFO" "$tmp/out"
then ok; else fail "--doc refuses a device and a FIFO"; fi
printf '0123456789' > "$tmp/ten.txt"
if [ "$(CASEFLOW_DOC_MAX=9 act "$tmp/ten.txt")" -eq 2 ] && grep -q "limit of 9 bytes" "$tmp/out" &&
    [ "$(CASEFLOW_DOC_MAX=10 act "$tmp/ten.txt")" -eq 0 ]
then ok; else fail "--doc under CASEFLOW_DOC_MAX"; fi

# cli-ops-3: a past time is limited and recorded
if [ "$(code case extend 1 --clock decision --by '30 days' --role head --actor 李四 \
        --at 2020-01-01T00:00:00+08:00)" -eq 1 ] && grep -q "days in the past" "$tmp/out" &&
    [ "$(code --json case open --workflow penalty-general --party 某某诊所 --actor 李四 \
        --at 2026-03-10T11:00:00+08:00)" -eq 0 ] &&
    grep -q '"at": "2026-03-10T11:00:00+08:00"' "$tmp/out" &&
    grep -q '"entered_by": "李四"' "$tmp/out" &&
    grep -q '"entered_at": "2026-03-10T12:00:00+08:00"' "$tmp/out"
then ok; else fail "--at limited and recorded"; fi

echo "cli-ops: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
