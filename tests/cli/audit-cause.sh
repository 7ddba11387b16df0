#!/bin/sh
# cli-audit-cause: the auditor's report filtered by 案由 (docs/operations.md "The
# auditor's report"): `audit replay` and `audit verify --cause` in text, JSON and
# HTML keep only the cases of that 案由, given as at filing (js-2024:14), by the
# 案由's id (every situation of it) or by its name; cases without one are left out.
# Usage: audit-cause.sh CASEFLOW_BINARY   (run from the source root)
# Exits 77 (skipped) without jq.
set -u
command -v jq > /dev/null 2>&1 || { echo "jq is not installed: skipped"; exit 77; }
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup exits
export CASEFLOW_DB="$tmp/a.db" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
cases() { jq -c '[.cases[].case]' "$tmp/out"; }

OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'
"$bin" init --workflows workflows > /dev/null || { echo "init failed" >&2; exit 1; }
n=0
for cause in js-2024:14 js-2024:11 js-2024:3 none; do
    n=$((n + 1))
    "$bin" case open --workflow penalty-general --party "药房$n" --party-type 定点医药机构 \
        --fact lead_source=群众举报 > /dev/null || fail "open $n"
    [ "$cause" = none ] && continue
    "$bin" case act "$n" file --role head --actor 李四 --fact filing_reason=x --fact "cause=$cause" \
        --fact "$OFFICERS" --doc 立案审批表=examples/documents/立案审批表.txt > /dev/null ||
        fail "file $n"
done

if run 0 --json audit replay --cause js-2024:14 && [ "$(cases)" = "[1]" ] &&
    run 0 --json audit replay --cause provider-fund-use && [ "$(cases)" = "[1,2]" ] &&
    run 0 --json audit replay --cause js-2024:provider-designation && [ "$(cases)" = "[3]" ] &&
    run 0 --json audit replay --cause 违反医疗保障定点管理规定 && [ "$(cases)" = "[3]" ] &&
    run 0 --json audit replay --cause js-2024:99 && [ "$(cases)" = "[]" ] &&
    run 0 --json audit replay && [ "$(cases)" = "[1,2,3,4]" ]
then ok; else fail "audit replay --cause: by situation, by 案由 id, by dictionary:id, by name, none"; fi

if run 0 --json audit verify --cause provider-fund-use && [ "$(cases)" = "[1,2]" ] &&
    run 0 audit replay --cause js-2024:11 && has "case 2" && ! has "case 1" && ! has "case 3"
then ok; else fail "audit verify --cause (JSON); audit replay --cause (text)"; fi

if run 0 audit replay --format html --cause js-2024:14 && has "案由 cause: js-2024:14" &&
    has "回放 1 件" && has '<td rowspan="1">1</td>' && ! has '<td rowspan="1">2</td>' &&
    run 0 audit replay --format html --cause provider-fund-use --kind clock-late && has "回放 2 件" &&
    has "偏差类型 kind: clock-late; 案由 cause: provider-fund-use"
then ok; else fail "the HTML report names the filter and holds only those cases"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
