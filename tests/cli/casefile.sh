#!/bin/sh
# cli-casefile: the case file a bureau keeps (issue 20).
#   1. every case belongs to an agency: `init --agency` stores the database's
#      default, `case open --agency` overrides it; the daemon's API shows a case
#      opened on the command line to a token of its agency, and 404s it to another;
#   2. documents by name, checked: `--doc NAME=FILE` and the API's documents take
#      only a name the workflow declares for that action (required or optional);
#      anything else is refused (exit 2 / HTTP 400) with the names allowed;
#   3. 案号: filing (assigns: case_number) gives the number from the agency's
#      counter for the year, on the chain, in case show / list, searchable with
#      --number; four concurrent filings in four processes get four numbers and
#      a filing rolled back after taking one leaves no gap.
# Exits 77 (skipped) when curl is missing.
# Usage: casefile.sh CASEFLOW_BINARY   (run from the source root)
set -u
command -v curl > /dev/null 2>&1 || { echo "curl is not installed: skipped"; exit 77; }
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/f.db" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
D=$CF_DOCS
OFFICERS=$CF_OFFICERS

"$bin" init --agency 某县医疗保障局 > /dev/null || { echo "init failed" >&2; exit 1; }
mine=$("$bin" token create --agency 某县医疗保障局 --role head --name 李四) || exit 1
other=$("$bin" token create --agency 某市医疗保障局 --role head --name 赵六) || exit 1
"$bin" case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
    --actor 张三 > /dev/null || exit 1
"$bin" case open --workflow penalty-general --party 某某诊所 --party-type 定点医药机构 \
    --actor 张三 --agency 某市医疗保障局 > /dev/null || exit 1
cf_serve --now "$CASEFLOW_NOW"
get() { curl -s -o "$tmp/out" -w '%{http_code}' -H "Authorization: Bearer $1" "$url$2"; }

# cli-casefile-1: the database's default agency, and --agency
if [ "$(get "$mine" /v1/cases/1)" = 200 ] && grep -q 某某大药房 "$tmp/out" &&
    [ "$(get "$other" /v1/cases/1)" = 404 ] &&
    [ "$(get "$other" /v1/cases/2)" = 200 ] && grep -q 某某诊所 "$tmp/out" &&
    [ "$(get "$mine" /v1/cases/2)" = 404 ]
then ok; else fail "a case opened on the command line is its agency's on the API"; fi
if [ "$(code case open --workflow penalty-general --party x --agency '')" -eq 1 ] &&
    grep -q "agency must not be empty" "$tmp/out"
then ok; else fail "an empty --agency is refused"; fi

# cli-casefile-2: documents by name on the command line
file() {
    code case act 1 file --role head --actor 李四 --fact filing_reason=x --fact cause=js-2024:14 \
        --fact "$OFFICERS" "$@"
}
if [ "$(file --doc 神秘证据=$D/立案审批表.txt)" -eq 2 ] &&
    grep -q "document '神秘证据' is not one action 'file'" "$tmp/out" &&
    grep -q '立案审批表' "$tmp/out" &&
    [ "$(code --json case show 1)" -eq 0 ] && grep -q '"state": "lead"' "$tmp/out" &&
    [ "$(file --doc 立案审批表=$D/立案审批表.txt)" -eq 0 ]
then ok; else fail "--doc takes only a name the action declares"; fi

# cli-casefile-3: documents by name through the API
post() {
    curl -s -o "$tmp/out" -w '%{http_code}' -X POST -H "Authorization: Bearer $other" \
        -H 'If-Match: "2"' -H 'Content-Type: application/json' -d "$1" "$url/v1/cases/2/actions"
}
body='{"action":"file","facts":{"filing_reason":"x","cause":"js-2024:14","officers":[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]},"documents":{"DOC":{"sha256":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","size":4,"file":"x.pdf"}}}'
if [ "$(post "$(echo "$body" | sed 's/DOC/神秘证据/')")" = 400 ] &&
    grep -q '立案审批表' "$tmp/out" &&
    [ "$(post "$(echo "$body" | sed 's/DOC/立案审批表/')")" = 200 ]
then ok; else fail "the API's documents take only a name the action declares"; fi

# cli-casefile-4: a document a transition declares optional (its documents list)
sed -e 's/^id: mini$/id: mini-docs/' \
    -e 's/requires: {facts: \[reason\], documents: \[立案审批表\]}/&\n    documents: [立案附件]/' \
    tests/fixtures/workflows/valid/mini.yaml > "$tmp/mini-docs.yaml"
"$bin" workflow load "$tmp/mini-docs.yaml" > /dev/null || exit 1
"$bin" case open --workflow mini-docs --party 某某医院 --actor 张三 > /dev/null || exit 1
if [ "$(code case act 3 file --role head --actor 李四 --fact reason=x \
        --doc 立案审批表=$D/立案审批表.txt --doc 立案附件=$D/卷宗.txt)" -eq 0 ] &&
    [ "$(code case act 3 suspend --role head --actor 李四 --doc 立案附件=$D/卷宗.txt)" -eq 2 ] &&
    grep -q "allowed: none" "$tmp/out"
then ok; else fail "an optional document is taken, only by its action"; fi

# cli-casefile-5: 案号 given at filing, per agency and year, gapless, never reused
n1='某县医保案〔2026〕1号'
if [ "$(code --json case show 1)" -eq 0 ] && grep -q "\"number\": \"$n1\"" "$tmp/out" &&
    grep -q '"agency": "某县医疗保障局"' "$tmp/out" &&
    [ "$(code case show 1)" -eq 0 ] && grep -q "^number: $n1" "$tmp/out" &&
    [ "$(code --json case show 2)" -eq 0 ] && grep -q '"number": "某市医保案〔2026〕1号"' "$tmp/out" &&
    [ "$(get "$mine" /v1/cases/1/events)" = 200 ] && grep -q "\"case_number\": *\"$n1\"" "$tmp/out" &&
    [ "$(get "$mine" /v1/cases/1)" = 200 ] && grep -q "\"number\": *\"$n1\"" "$tmp/out" &&
    [ "$(code case list --number "$n1")" -eq 0 ] && [ "$(grep -c "^1 .*$n1" "$tmp/out")" -eq 1 ] &&
    [ "$(wc -l < "$tmp/out")" -eq 2 ]
then ok; else fail "the filing gives the case its number, shown and searchable"; fi
cf_stop
for i in 4 5 6 7 8 9; do
    "$bin" case open --workflow penalty-general --party 药房$i --party-type 定点医药机构 \
        --actor 张三 > /dev/null || exit 1
done
file_case() {
    "$bin" case act "$1" file --role head --actor 李四 --fact filing_reason=x \
        --fact cause=js-2024:14 --fact "$OFFICERS" --doc 立案审批表=$D/立案审批表.txt \
        > "$tmp/file$1" 2>&1 || echo "case $1: $(cat "$tmp/file$1")" >> "$tmp/errs"
}
: > "$tmp/errs"
for i in 4 5 6 7; do file_case $i & done
wait
"$bin" --json case list > "$tmp/out"
nums=$(grep -o '"number": "某县医保案〔2026〕[0-9]*号"' "$tmp/out" | grep -o '〔2026〕[0-9]*' | sort)
if [ ! -s "$tmp/errs" ] &&
    [ "$(echo "$nums" | tr '\n' ' ')" = "〔2026〕1 〔2026〕2 〔2026〕3 〔2026〕4 〔2026〕5 " ]
then ok; else cat "$tmp/errs" >&2; echo "$nums" >&2; fail "four concurrent filings: 2 to 5, none twice"; fi
sqlite3 "$CASEFLOW_DB" "INSERT INTO settings VALUES ('case_number_pattern', 'broken')"
if [ "$(code case act 8 file --role head --actor 李四 --fact filing_reason=x --fact cause=js-2024:14 \
        --fact "$OFFICERS" --doc 立案审批表=$D/立案审批表.txt)" -eq 2 ] && grep -q "has no {seq}" "$tmp/out" &&
    sqlite3 "$CASEFLOW_DB" "DELETE FROM settings WHERE key = 'case_number_pattern'" &&
    [ "$(code --json case show 8)" -eq 0 ] && grep -q '"state": "lead"' "$tmp/out" &&
    file_case 9 && [ "$(code --json case show 9)" -eq 0 ] &&
    grep -q '"number": "某县医保案〔2026〕6号"' "$tmp/out"
then ok; else fail "a filing rolled back leaves no gap"; fi

sed 's/^    requires: {facts: \[reason\], documents: \[立案审批表\]}/&\n    assigns: case_numbr/' \
    tests/fixtures/workflows/valid/mini.yaml > "$tmp/mini-assigns.yaml"
if [ "$(code workflow check "$tmp/mini-assigns.yaml")" -ne 0 ] &&
    grep -q "assigns 'case_numbr': only case_number, decision_number and archive_number are known" "$tmp/out"
then ok; else fail "workflow check refuses an unknown assigns"; fi

echo "cli-casefile: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
