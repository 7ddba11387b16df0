#!/bin/sh
# cli-core: the workflow and case commands as a handler uses them: workflow list,
# show, dot, check and load (a changed definition becomes a new version); case open
# --json gives the id; the documented exit codes; two processes acting on one case
# at once: one wins, the other gets a conflict (5) and nothing is lost.
# Usage: core.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="${CASEFLOW_TEST_DB:-$tmp/core.db}" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=3650 # these histories are recorded after the fact, with --at

if run init && run workflow list && [ "$(grep -c ' v1 ' "$tmp/out")" -eq 9 ]
then ok; else fail "init stores the nine shipped workflows"; fi

if run workflow show coercion && grep -q "^states:" "$tmp/out" &&
    grep -q "emergency_report .*24 hours" "$tmp/out"
then ok; else fail "workflow show"; fi

if run workflow dot penalty-general && head -1 "$tmp/out" | grep -q '^digraph "penalty-general"' &&
    grep -q '"lead" -> "investigating" \[label="立案"\]' "$tmp/out" && tail -1 "$tmp/out" | grep -q '^}$'
then ok; else fail "workflow dot"; fi

f=tests/fixtures/workflows/invalid/several-problems/input.yaml
if [ "$(code workflow check "$f")" -eq 2 ] && grep -q "$f:14:44: action 'end' goes to unknown state 'y'" "$tmp/out" &&
    grep -q "3 problem(s) found" "$tmp/out"
then ok; else fail "workflow check reports every problem with file:line:column, exit 2"; fi

sed 's/^title: 行政监督$/title: 行政监督（修订）/' workflows/supervision.yaml > "$tmp/supervision.yaml"
if run workflow load "$tmp/supervision.yaml" && grep -q "supervision stored as version 2" "$tmp/out" &&
    run workflow load workflows/supervision.yaml && grep -q "unchanged, version 1" "$tmp/out"
then ok; else fail "a changed definition becomes a new version; an unchanged one does not"; fi

if run --json case open --workflow supervision --party 某某医院 && grep -q '"id": 1' "$tmp/out" &&
    [ "$(code case show 9)" -eq 3 ] && [ "$(code case act 1 nonsense --role head)" -eq 4 ] &&
    [ "$(code case open --workflow nope --party x)" -eq 3 ] && [ "$(code frobnicate)" -eq 1 ] &&
    [ "$(code case open --workflow supervision --party x --fact colour=red)" -eq 2 ]
then ok; else fail "--json id and the exit codes 1, 2, 3, 4"; fi

# A party's name of blanks (spaces, U+3000) names no one: refused as a missing name.
if [ "$(code case open --workflow supervision --party ' 　 ')" -ne 0 ] &&
    grep -q "the party needs a name" "$tmp/out"
then ok; else fail "a party's name of blanks is refused"; fi

# A party opened without a type: its line names the party alone (no "(null)").
if run case show 1 && grep -q "^party:  某某医院$" "$tmp/out"
then ok; else fail "case show: a party without a type"; fi

# The case runs on, and pins, the stored version it was opened on (2, the changed one).
if run --json case show 1 && grep -A3 '"workflow": {' "$tmp/out" | grep -q '"version": 2' &&
    grep -q '"title": "行政监督（修订）"' "$tmp/out"
then ok; else fail "a case pins the stored version it runs on"; fi

# Two processes decide case 2 at the same moment, each having read the same version:
# one wins; the other is told of the conflict (5), or, reading after the winner
# committed, that the case is closed (4). Nothing is written twice.
run case open --workflow penalty-general --party 某某诊所
act() {
    "$bin" case act 2 not_file --role head --actor "$1" --fact not_filing_reason=线索不实 \
        --doc 不予立案审批表=examples/documents/立案审批表.txt > "$tmp/$1" 2>&1
}
act A & pa=$!
act B & pb=$!
wait $pa; ra=$?; wait $pb; rb=$?
wins=0
for r in $ra $rb; do [ $r -eq 0 ] && wins=$((wins + 1)); done
run --json case show 2
if [ $wins -eq 1 ] && { [ $ra -eq 0 ] || [ $ra -eq 4 ] || [ $ra -eq 5 ]; } &&
    { [ $rb -eq 0 ] || [ $rb -eq 4 ] || [ $rb -eq 5 ]; } &&
    [ "$(grep -c '"type": "transition"' "$tmp/out")" -eq 1 ] && run audit verify
then ok; else fail "two processes on one case: exactly one wins ($ra/$rb)"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
