#!/bin/sh
# cli-summary-backfill: a database upgraded from before schema 10 (no case
# summaries, people or counts) gets them at its first open, from each case's
# snapshot and events, the same as if every case had been changed since:
#   1. after the first command that writes (which migrates it), `stats` gives the
#      figures of a database that never lacked them; names, handlers and lists
#      are the same too;
#   2. the counts and summaries are equal row for row, and the mark is cleared
#      (a second open touches nothing);
#   3. the daemon, started on such a database, writes them before it serves.
# Exits 77 (skipped) when curl or sqlite3 is missing.
# Usage: summary-backfill.sh CASEFLOW_BINARY   (run from the source root)
set -u
command -v curl > /dev/null 2>&1 || { echo "curl is not installed: skipped"; exit 77; }
command -v sqlite3 > /dev/null 2>&1 || { echo "sqlite3 is not installed: skipped"; exit 77; }
bin=$1
tmp=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
export CASEFLOW_DB="$tmp/new.db" CASEFLOW_NOW=2026-03-20T12:00:00+08:00 CASEFLOW_BACKDATE_DAYS=3650
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
run() { "$bin" "$@" > "$tmp/out" 2>&1; }
D=examples/documents
OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'
"$bin" init --agency 某县医疗保障局 > /dev/null || { echo "init failed" >&2; exit 1; }

# A case opened on day $2 for party $1, filed, and decided on day $3 unless "-".
make_case() {
    run case open --workflow penalty-general --party "$1" --party-type 定点医药机构 --actor 张三 \
        --at "$2T09:00:00+08:00" || return 1
    id=$(sed -n 's/^case \([0-9]*\) opened.*/\1/p' "$tmp/out")
    run case act "$id" file --actor 李四 --role head --at "$2T10:00:00+08:00" \
        --fact filing_reason=x --fact cause=js-2024:14 --fact "$OFFICERS" \
        --doc 立案审批表=$D/立案审批表.txt || return 1
    [ "$3" = - ] && return 0
    run evidence add "$id" --kind 书证 --title 结算明细 --source 医保经办机构 --method 调取 \
        --officer 张三 --officer 王五 --at "$3T08:00:00+08:00" &&
    run case act "$id" submit_review --actor 张三 --role handler --at "$3T09:00:00+08:00" \
        --fact findings=x --doc 调查终结报告=$D/调查终结报告.txt &&
    run case act "$id" notify_with_hearing --actor 张三 --role handler --at "$3T10:00:00+08:00" \
        --fact notified_penalty=罚款5万元 --fact notified_fine=50000 \
        --doc 案件审查报告=$D/案件审查报告.txt --doc 行政处罚告知书=$D/行政处罚告知书.txt \
        --doc 行政处罚听证告知书=$D/行政处罚告知书.txt &&
    run case act "$id" serve_hearing_notice --actor 张三 --role handler --at "$3T11:00:00+08:00" \
        --doc 告知书送达回证=$D/告知书送达回证.txt &&
    run case act "$id" waive_rights --actor 张三 --role handler --at "$3T12:00:00+08:00" \
        --fact waiver=当事人书面放弃 --doc 放弃陈述申辩和听证权利声明书=$D/卷宗.txt &&
    run case act "$id" decide --actor 李四 --role head --at "$3T15:00:00+08:00" \
        --fact penalty=罚款5万元 --fact fine=50000 --fact refund_amount=1000 \
        --doc 行政处罚决定书=$D/行政处罚决定书.txt
}
make_case 某某大药房 2026-03-02 2026-03-05 || { cat "$tmp/out"; exit 1; }
make_case 某某诊所 2026-03-03 - || { cat "$tmp/out"; exit 1; }
run case open --workflow penalty-general --party 某某医院 --party-type 定点医药机构 --actor 张三 \
    --at 2026-03-04T09:00:00+08:00 || { cat "$tmp/out"; exit 1; }

# The database as schema 9 left it: no summaries, people or counts, version 13
# (the last before the mark), so the next open migrates.
old() {
    sqlite3 "$tmp/new.db" "VACUUM INTO '$tmp/$1'" &&
    sqlite3 "$tmp/$1" "DELETE FROM case_summary; DELETE FROM case_people;
        DELETE FROM stat_counts; ALTER TABLE alerts DROP COLUMN claim_owner;
        ALTER TABLE alerts DROP COLUMN claim_until; PRAGMA user_version = 13;"
}
old old.db && old old2.db || exit 1
[ "$(sqlite3 "$tmp/old.db" "SELECT count(*) FROM case_summary")" -eq 0 ] || exit 1

# Prints what a user sees of database $1.
views() {
    for args in "--json stats --from 2026-02-01 --to 2026-03-31" \
        "--json stats --from 2026-03-05 --to 2026-03-05" \
        "--json stats --from 2026-02-01 --to 2026-03-31 --handler 王五" \
        "case show 1" "case show 2" "case show 3" "--json case show 1" "case list"; do
        # shellcheck disable=SC2086
        CASEFLOW_DB="$tmp/$1" "$bin" $args || echo "FAILED: $args"
    done
}
rows() { # the summary tables of database $1, sorted
    sqlite3 "$tmp/$1" "SELECT * FROM stat_counts WHERE n <> 0 OR fen <> 0 ORDER BY 1, 2, 3, 4, 5;
        SELECT case_id, agency, name, body FROM case_summary ORDER BY case_id;
        SELECT * FROM case_people ORDER BY 1, 2, 3;"
}

# cli-summary-backfill-1: after the first command that writes (a token, which
# touches no case), stats, names and handlers are those of a database never old
views new.db > "$tmp/new.txt" 2>&1
CASEFLOW_DB="$tmp/old.db" "$bin" token create --agency 某县医疗保障局 --role head --name 李四 \
    > /dev/null || exit 1
views old.db > "$tmp/out" 2>&1
if ! grep -q FAILED "$tmp/new.txt" && grep -q 某某大药房违反医疗保障基金使用规定案 "$tmp/new.txt" &&
    grep -q '张三、王五' "$tmp/new.txt" && cmp -s "$tmp/new.txt" "$tmp/out"
then ok; else fail "stats, names and handlers after the upgrade"; diff "$tmp/new.txt" "$tmp/out" >&2; fi

# cli-summary-backfill-2: the same rows, the mark cleared, a second open is a no-op
rows new.db > "$tmp/new.rows"
rows old.db > "$tmp/out"
if [ -s "$tmp/new.rows" ] && cmp -s "$tmp/new.rows" "$tmp/out" &&
    [ "$(sqlite3 "$tmp/old.db" "SELECT count(*) FROM settings WHERE key = 'summary_backfill'")" -eq 0 ] &&
    CASEFLOW_DB="$tmp/old.db" "$bin" case list > /dev/null && rows old.db > "$tmp/out" &&
    cmp -s "$tmp/new.rows" "$tmp/out"
then ok; else fail "the summary rows after the upgrade"; diff "$tmp/new.rows" "$tmp/out" >&2; fi

# cli-summary-backfill-3: the daemon writes them before it serves
CASEFLOW_DB="$tmp/old2.db" "$bin" serve --listen 127.0.0.1:0 --now "$CASEFLOW_NOW" \
    > "$tmp/serve.out" 2> "$tmp/serve.err" &
pid=$!
port=""
for _ in $(seq 1 100); do
    port=$(sed -n 's/^caseflow: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/serve.out")
    [ -n "$port" ] && break
    sleep 0.1
done
[ -n "$port" ] || { cat "$tmp/serve.err"; echo "the daemon did not start" >&2; exit 1; }
rows old2.db > "$tmp/out"
if cmp -s "$tmp/new.rows" "$tmp/out"
then ok; else fail "the daemon's summaries"; diff "$tmp/new.rows" "$tmp/out" >&2; fi
kill "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
pid=""

echo "summary-backfill: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
