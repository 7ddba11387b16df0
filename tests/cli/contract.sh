#!/bin/sh
# cli-contract: the command line keeps the contract the API keeps (docs/api.md
# "Conventions", "Paging"): no JSON answer carries seconds since the epoch, only
# ISO 8601 instants; `version` in a case row is the case's, the workflow's is
# `workflow_version`; `case list --limit N --cursor C` pages by id; a usage error
# under --json is a JSON object on standard output; money in the shipped workflows is of
# type amount.
# Usage: contract.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup apart
export CASEFLOW_DB="$tmp/c.db" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
# an integer of nine digits or more as a JSON value: seconds since 1973
epoch() { grep -Eq '": -?[0-9]{9,}(,|$)' "$tmp/out"; }

run init || fail "init"
for p in 甲 乙 丙 丁 戊; do
    run --json case open --workflow supervision --party "某某医院$p" || fail "open $p"
done
echo 计划 > "$tmp/plan.txt"
run case act 2 approve_plan --role head --actor 张三 --fact plan_name=年度计划 \
    --fact inspection_mode=日常检查 --doc 监督检查计划="$tmp/plan.txt" || fail "act on case 2"

if run --json case list && ! epoch && grep -q '"workflow_version": 1,' "$tmp/out" &&
    grep -q '"updated_at": "2026-03-02T12:00:00+08:00"' "$tmp/out"
then ok; else fail "case list --json: ISO times, workflow_version"; fi
# case 2 took one action: its version is past the workflow's 1
if run --json case list --limit 1 --cursor 1 && grep -Eq '"version": [2-9]' "$tmp/out" &&
    run --json case show 2 && ! epoch && grep -q '"opened_at": "2026-03-02T12:00:00+08:00"' "$tmp/out" &&
    grep -q '"closed_at": null' "$tmp/out"
then ok; else fail "version is the case's; case show --json has ISO times"; fi
if run --json workflow list && ! epoch && grep -Eq '"loaded_at": "[0-9]{4}-[0-9]{2}-[0-9]{2}T' "$tmp/out"
then ok; else fail "workflow list --json: loaded_at is ISO 8601"; fi
if run --json audit replay --format json && ! epoch
then ok; else fail "audit replay --format json: no epoch integers"; fi
if run case export 2 && ! epoch && grep -q '"opened_at": "2026-03-02T12:00:00+08:00"' "$tmp/out" &&
    grep -q '"closed_at": null' "$tmp/out" && cp "$tmp/out" "$tmp/bundle.json" &&
    run audit verify --bundle "$tmp/bundle.json" && run audit replay --bundle "$tmp/bundle.json"
then ok; else fail "case export: ISO times in the bundle, and the audit reads it back"; fi

ids() { grep -E '^    "id": ' "$tmp/out" | tr -dc '0-9\n' | tr '\n' ' '; }
if run --json case list --limit 2 && [ "$(ids)" = "1 2 " ] && grep -q -- "--cursor 2" "$tmp/err" &&
    run --json case list --limit 2 --cursor 2 && [ "$(ids)" = "3 4 " ] &&
    run --json case list --limit 2 --cursor 4 && [ "$(ids)" = "5 " ] && [ ! -s "$tmp/err" ] &&
    run --json case list --limit 2 --cursor 5 && [ "$(tr -d ' \n' < "$tmp/out")" = "[]" ]
then ok; else fail "case list --limit --cursor pages by id to the end"; fi
if run case list --open --limit 1000 && [ "$(grep -c 某某医院 "$tmp/out")" -eq 5 ] &&
    ! run case list --limit 0 && ! run case list --limit 1001 && ! run case list --cursor x &&
    grep -q "limit takes 1 to 1000" "$tmp/err"
then ok; else fail "case list: --limit 1 to 1000, --cursor an id"; fi

if ! run --json case act 1 && [ ! -s "$tmp/err" ] && grep -q '"error": "EINVAL"' "$tmp/out" &&
    grep -q '"text": "ACTION is missing"' "$tmp/out" && grep -q '"usage": "caseflow case act' "$tmp/out"
then ok; else fail "a usage error under --json is JSON on stdout"; fi
if ! run --json case list --due-within soon && grep -q '"error": "EINVAL"' "$tmp/out" && [ ! -s "$tmp/err" ]
then ok; else fail "a command's own usage error under --json is JSON"; fi
if ! run --json token create --agency 某局 --role nobody --name x && [ ! -s "$tmp/err" ] &&
    grep -q '"usage": "caseflow token create --agency AGENCY --role' "$tmp/out"
then ok; else fail "a usage message under --json is JSON"; fi

# Money is one shape (issue 17 item 4): every fact of a shipped workflow that holds yuan
# (its name says （元 or its id ends in _amount, _fine) is of type amount, so that it is
# "20000.00" on the chain and in every answer, never a JSON number.
awk 'FNR == 1 { id = "" } /^  - id: / { id = $3; name = "" } /^    name: / { name = $0 }
     /^    type: / && id != "" { if ((name ~ /（元/ || id ~ /_amount$|_fine$|^fine$/) &&
     $2 != "amount") print FILENAME ": " id " is " $2; id = "" }' workflows/*.yaml > "$tmp/out"
if [ ! -s "$tmp/out" ]; then ok; else fail "money typed other than amount"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
