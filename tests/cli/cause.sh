#!/bin/sh
# cli-cause: the 案由 dictionary of 苏医保督〔2024〕1号 is loaded by `init` and listed
# by subject type; a penalty case opened under a cause keeps it (case show --json);
# a party of another subject type is refused (exit 4) naming both types and the
# document; an unknown cause is not found (exit 3); --officer sets the officers fact,
# and with a single officer the rule two-officers refuses to file the case; the
# workflow's `cause: dictionary`, not its power type, decides whether a 案由 binds.
# Usage: cause.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup exits
export CASEFLOW_DB="${CASEFLOW_TEST_DB:-$tmp/c.db}" CASEFLOW_NOW=2026-03-10T12:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=3650 # these histories are recorded after the fact, with --at
# open_case EXPECTED_EXIT PARTY TYPE CAUSE [MORE ARGS...]: a penalty-general case.
open_case() {
    expect=$1 party=$2 ptype=$3 cause=$4
    shift 4
    run "$expect" case open --workflow penalty-general --party "$party" --party-type "$ptype" \
        --cause "$cause" --actor 张三 --at 2026-03-02T09:00:00+08:00 "$@"
}

# cause-cli-1: init loads the dictionary; list shows every situation, by subject type.
if run 0 init && has "workflows/causes/js-2024.yaml: 案由 dictionary js-2024 stored"
then ok; else fail "init stores workflows/causes/js-2024.yaml"; fi

if run 0 cause list && has "js-2024  江苏省医疗保障基金监管案由 — 苏医保督〔2024〕1号" &&
    [ "$(grep -c '^      js-2024:' "$tmp/out")" -eq 35 ] &&
    [ "$(grep -c '^    [^ ].* \[[a-z-]*\]$' "$tmp/out")" -eq 9 ] && [ "$(grep -c '^  [^ ]' "$tmp/out")" -eq 4 ] &&
    has "js-2024:14  串换药品、医用耗材、诊疗项目和服务设施"
then ok; else fail "cause list: 4 subject types, 9 causes, 35 situations"; fi

if run 0 cause list --subject 自然人 && [ "$(grep -c '^      js-2024:' "$tmp/out")" -eq 8 ] &&
    has "自然人 (person)" && ! has "定点医药机构" &&
    run 0 --json cause list --subject provider &&
    [ "$(grep -c '"ref": "js-2024:' "$tmp/out")" -eq 24 ] && run 3 cause list --subject 法人
then ok; else fail "cause list --subject, by name or id; an unknown type is not found"; fi

# cause-cli-2: a provider opened under situation 14, with two officers.
if open_case 0 某某大药房 定点医药机构 js-2024:14 --officer 张三:65010020001 \
        --officer 王五:65010020002 &&
    run 0 --json case show 1 &&
    has '"dictionary": "js-2024"' && has '"id": "provider-fund-use"' && has '"situation": 14' &&
    has '"name": "违反医疗保障基金使用规定"' && has '"text": "串换药品、医用耗材、诊疗项目和服务设施"' &&
    has '"name": "定点医药机构"' && has '"cert": "65010020001"' && has '"cert": "65010020002"'
then ok; else fail "open with a matching cause and two officers; case show --json"; fi

if run 0 case show 1 &&
    has "cause:  js-2024:14 违反医疗保障基金使用规定 (定点医药机构): 串换药品" &&
    has 'officers = \[{"name": "张三", "cert": "65010020001"}, {"name": "王五", "cert": "65010020002"}\]'
then ok; else fail "case show prints the cause and the officers"; fi

# cause-cli-3: refusals and unknowns.
if open_case 4 李某 自然人 js-2024:14 && has "当事人类别「自然人」" && has "定点医药机构" &&
    has "苏医保督〔2024〕1号" && has "is not the subject type of cause js-2024:14" &&
    has "rule cause-subject"
then ok; else fail "a person under a provider's cause is refused (exit 4)"; fi

if open_case 0 李某 person 31 && run 0 --json case show 2 && has '"id": "person-fraud"'
then ok; else fail "a person under situation 31, by the bare number and the type's id"; fi

if open_case 3 某某大药房 定点医药机构 js-2024:36 && has "no 案由 (违法情形) '36'" &&
    open_case 3 某某大药房 定点医药机构 zj-2024:1 && run 3 case show 3
then ok; else fail "an unknown cause is not found (exit 3), and nothing is opened"; fi

if run 1 case open --workflow benefit --party 李某 --party-type 自然人 --cause 31 &&
    has "行政处罚 workflows" &&
    run 2 case open --workflow benefit --party 李某 --officer 张三:65010020001 &&
    has "declares no list fact 'officers'" &&
    run 1 case open --workflow penalty-general --party 某药店 --officer 张三
then ok; else fail "--cause only on penalty workflows; --officer needs the fact and NAME:CERT"; fi

# cause-cli-4: one officer: filing is refused by the rule two-officers.
file_case() {
    run "$1" case act "$2" file --actor 李四 --role head --at 2026-03-03T10:00:00+08:00 \
        --fact filing_reason=涉嫌串换药品骗取医保基金 \
        --doc 立案审批表=examples/documents/立案审批表.txt
}
if open_case 0 某某诊所 provider js-2024:14 --officer 张三:65010020001 &&
    run 0 --json case show 3 && has '"officers": \[' &&
    file_case 4 3 && has "rule two-officers"
then ok; else fail "one officer: file is refused by rule two-officers"; fi

if file_case 0 1 && has "lead -> investigating"
then ok; else fail "two officers: file goes through"; fi

# cause-cli-5: the workflow's YAML decides, not its power type: benefit (行政给付) with
# `cause: dictionary` binds a 案由; penalty-summary without the key refuses one.
sed 's/^power_type: 行政给付$/power_type: 行政给付\ncause: dictionary/' workflows/benefit.yaml > "$tmp/benefit.yaml"
grep -v '^cause: dictionary' workflows/penalty-summary.yaml > "$tmp/summary.yaml"
if run 0 workflow load "$tmp/benefit.yaml" &&
    run 0 case open --workflow benefit --party 王某 --party-type 自然人 --cause 31 &&
    id=$(sed -n 's/^case \([0-9]*\) opened.*/\1/p' "$tmp/out") && [ -n "$id" ] &&
    run 0 --json case show "$id" && has '"id": "person-fraud"' &&
    run 0 workflow load "$tmp/summary.yaml" &&
    run 1 case open --workflow penalty-summary --party 王某 --party-type 自然人 --cause 31 &&
    has "cause: dictionary" && has "'penalty-summary' (行政处罚) does not"
then ok; else fail "the key cause: dictionary, not the power type, lets a workflow bind a 案由"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
