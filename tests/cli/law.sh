#!/bin/sh
# cli-law: the law's arithmetic and the 医保 rules of issue 18 (items 2-10), each
# through the command line as a handler would meet it.
# Usage: law.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CASEFLOW_DB="$tmp/law.db" CASEFLOW_NOW=2025-12-01T09:00:00+08:00
D=examples/documents
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
run() { "$bin" "$@" > "$tmp/out" 2>&1; }
run init || { cat "$tmp/out"; exit 1; }

# --- law-10: citations of the 医疗保障基金使用监督管理条例 -----------------------------
# Two inspectors with credentials: 第二十九条; reporting and rewards: 第三十五条.
if run workflow show inspection && grep -q "two-inspectors.*第二十九条 (to confirm)" "$tmp/out" &&
    run workflow show supervision && grep -q "第二十九条 (to confirm)" "$tmp/out" &&
    ! grep -q "第二十八条" workflows/inspection.yaml workflows/supervision.yaml &&
    ! grep -q "条例 第三十二条" workflows/reward.yaml && grep -q "第三十五条" workflows/reward.yaml
then ok; else fail "law-10 citations"; fi

# --- law-9: the audit never loses a deviation ----------------------------------------
# A breach of a clock whose basis is over 256 bytes of Chinese is reported whole, and
# text, JSON and HTML agree (one deviation each, the basis uncut).
basis=$(sed -n 's/^    basis: //p' tests/fixtures/workflows/valid/long-basis.yaml)
if run workflow load tests/fixtures/workflows/valid/long-basis.yaml &&
    run case open --workflow long-basis --party 某药房 --actor 张三 --at 2025-09-01T09:00:00+08:00 &&
    case9=$(sed -n 's/^case \([0-9]*\) opened.*/\1/p' "$tmp/out") &&
    run case act "$case9" seal --actor 张三 --role handler --at 2025-09-01T10:00:00+08:00 &&
    { run audit replay --case "$case9" || :; } && grep -q "DEVIATIONS" "$tmp/out" &&
    grep -qF "basis: $basis" "$tmp/out" &&
    { run --json audit replay --case "$case9" || :; } && grep -q '"conformant": false' "$tmp/out" &&
    [ "$(grep -c '"kind": "deadline"' "$tmp/out")" -eq 1 ] && grep -qF "\"basis\": \"$basis\"" "$tmp/out" &&
    { run audit replay --case "$case9" --format html || :; } && grep -qF "$basis" "$tmp/out"
then ok; else fail "law-9 a long basis reaches every format"; fi

#@@ITEMS@@

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
