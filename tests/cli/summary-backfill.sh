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
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/new.db" CASEFLOW_NOW=2026-03-20T12:00:00+08:00 CASEFLOW_BACKDATE_DAYS=3650
"$bin" init --agency 某县医疗保障局 > /dev/null || { echo "init failed" >&2; exit 1; }

# A case opened on day $2 for party $1, filed, and decided on day $3 unless "-".
make_case() {
    cf_pg_filed "$1" "$2" || return 1
    [ "$3" = - ] && return 0
    cf_pg_ready "$id" "$3" && cf_pg_decide "$id" "$3" > "$tmp/out" 2>&1
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
        ALTER TABLE alerts DROP COLUMN claim_until; DROP INDEX alerts_open;
        ALTER TABLE alerts DROP COLUMN acked_at; ALTER TABLE alerts DROP COLUMN escalated_at;
        CREATE TABLE alert_acks(alert_id TEXT NOT NULL, case_id INTEGER NOT NULL,
        fired_at INTEGER NOT NULL, acked_at INTEGER, escalated_at INTEGER,
        agency TEXT NOT NULL, PRIMARY KEY(alert_id, agency));
        PRAGMA user_version = 13;"
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
CASEFLOW_DB="$tmp/old2.db" cf_serve --now "$CASEFLOW_NOW"
rows old2.db > "$tmp/out"
if cmp -s "$tmp/new.rows" "$tmp/out"
then ok; else fail "the daemon's summaries"; diff "$tmp/new.rows" "$tmp/out" >&2; fi
cf_stop

echo "summary-backfill: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
