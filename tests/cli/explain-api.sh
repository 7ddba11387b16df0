#!/bin/sh
# cli-explain-api: the `--explain` count of each deadline is the same on the command
# line and on the API (issue 22). A case opened on Mon 2026-09-28 runs its filing clock
# (15 working days) over 国庆节 (10-01..10-07 not counted) and the 调休 Saturday
# 10-10 (counted); after filing, its decision clock has 鉴定 time excluded.
#   1. `case show --explain` prints each running clock's count day by day;
#   2. GET /v1/cases/{id} gives the same lines as clocks[].explain, clock by clock;
#   3. `case show --json --explain` carries the same clocks[].explain;
#   4. a clock that is not running has no explain.
# Exits 77 (skipped) when curl or jq is missing.
# Usage: explain-api.sh CASEFLOW_BINARY   (run from the source root)
set -u
command -v curl > /dev/null 2>&1 || { echo "curl is not installed: skipped"; exit 77; }
command -v jq > /dev/null 2>&1 || { echo "jq is not installed: skipped"; exit 77; }
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/e.db" CASEFLOW_NOW=2026-10-20T12:00:00+08:00

run init --agency 某县医疗保障局 || { cat "$tmp/out"; exit 1; }
token=$("$bin" token create --agency 某县医疗保障局 --role head --name 李四) || exit 1
for party in 某某大药房 某某诊所; do
    run case open --workflow penalty-general --party $party --party-type 定点医药机构 \
        --officer 张三:65010020001 --officer 王五:65010020002 \
        --at 2026-09-28T09:00:00+08:00 || { cat "$tmp/out"; exit 1; }
done
run case act 2 file --actor 李四 --role head --at 2026-09-28T15:00:00+08:00 \
    --fact filing_reason=串换药品 --fact cause=js-2024:14 \
    --doc 立案审批表=examples/documents/立案审批表.txt &&
    run case exclude 2 --clock decision --from 2026-09-29T09:00:00+08:00 \
        --to 2026-10-15T17:00:00+08:00 --reason 鉴定 --actor 李四 --role head ||
    { cat "$tmp/out"; exit 1; }

cf_serve --now "$CASEFLOW_NOW"

# The lines the command line prints under "CLOCK counted once from its start (R8):".
cli_lines() { # CASE CLOCK
    "$bin" case show "$1" --explain |
        awk -v k="  $2 counted once from its start (R8):" \
            '$0 == k { on = 1; next } on && /^      / { sub(/^      /, ""); print; next } { on = 0 }'
}
api_lines() { # CASE CLOCK
    curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/cases/$1" |
        jq -r --arg k "$2" '.clocks[] | select(.id == $k) | .explain // [] | .[]'
}

# cli-explain-api-1: the command line counts the filing clock day by day
cli_lines 1 filing > "$tmp/cli1"
if grep -q "2026-10-01 .*国庆节" "$tmp/cli1" && grep -q "2026-10-10 .*day 5 (adjusted working day" "$tmp/cli1" &&
    grep -q "^deadline: " "$tmp/cli1"
then ok; else cp "$tmp/cli1" "$tmp/out"; fail "case show --explain counts holidays and 调休"; fi

# cli-explain-api-2: the API says the same, clock by clock
api_lines 1 filing > "$tmp/api1"; [ -n "${KEEP:-}" ] && echo "$tmp" >&2
cli_lines 2 decision > "$tmp/cli2"
api_lines 2 decision > "$tmp/api2"
if [ -s "$tmp/api1" ] && cmp -s "$tmp/cli1" "$tmp/api1" &&
    [ -s "$tmp/api2" ] && grep -q "excluded" "$tmp/api2" && cmp -s "$tmp/cli2" "$tmp/api2"
then ok; else
    diff "$tmp/cli1" "$tmp/api1" > "$tmp/out"
    diff "$tmp/cli2" "$tmp/api2" >> "$tmp/out"
    fail "GET /v1/cases/{id} clocks[].explain is the command line's count"
fi

# cli-explain-api-3: case show --json --explain carries the same lines
"$bin" --json case show 1 --explain |
    jq -r '.clocks[] | select(.id == "filing") | .explain[]' > "$tmp/json1"
if cmp -s "$tmp/cli1" "$tmp/json1"
then ok; else diff "$tmp/cli1" "$tmp/json1" > "$tmp/out"; fail "case show --json --explain"; fi

# cli-explain-api-4: the stopped filing clock of case 2 has no explain
if curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/cases/2" |
    jq -e '(.clocks[] | select(.id == "filing") | has("explain")) == false' > "$tmp/out"
then ok; else fail "a stopped clock has no explain"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
