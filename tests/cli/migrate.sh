#!/bin/sh
# cli-migrate: `caseflow migrate --from FILE --to FILE` (issue 24 item 6) copies the
# worked example's database (with a token, an alert fired and a signed checkpoint)
# into a new file: every table the same as the source's (sqlite3 .dump), every chain
# verified, the log's root the same, the checkpoint taken before the move verifies
# against the copy, counters go on (the next case is 2); a non-empty target is
# refused and left as it was; a source table it does not know is refused; a move cut
# half way (a trigger that fails the copy of case_people) leaves the target empty,
# and the same move run again then succeeds.
# Usage: migrate.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
command -v sqlite3 > /dev/null || { echo "skipped: no sqlite3 command"; exit 77; }
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
code() { "$bin" "$@" > "$tmp/out" 2>&1; echo $?; }
dump() { sqlite3 "$1" .dump; }

# The source: the README's worked example, a token, a supervision case whose clock
# has fired an alert (marked fired in the alerts table), and a signed checkpoint.
CASEFLOW_RUN_SERVE=0 CASEFLOW="$bin" CASEFLOW_DB="$tmp/src.db" \
    sh "$src/examples/penalty-walkthrough.sh" > "$tmp/out" 2>&1 || fail "the worked example runs"
export CASEFLOW_DB="$tmp/src.db" CASEFLOW_NOW=2025-10-20T09:00:00+08:00
"$bin" token create --agency 某县医疗保障局 --role handler --name 张三 > "$tmp/token"
"$bin" audit keygen --out "$tmp/bureau.pem" > "$tmp/bureau.pub" 2> /dev/null
"$bin" audit checkpoint --key "$tmp/bureau.pem" --out "$tmp/checkpoint.json" > /dev/null
sqlite3 "$tmp/src.db" "INSERT INTO alerts(alert_id, case_id, clock_id, point, due_at, deadline,
    fired_at, agency) SELECT '1:x:deadline:20251001T235959+0800', 1, 'x', 'deadline', 1759334399,
    1759334399, 1759334400, agency FROM cases WHERE id = 1"
# the worked example's events, counted in the source (the walk grows with the workflow)
EV=$(sqlite3 "$tmp/src.db" "SELECT count(*) FROM events")
unset CASEFLOW_DB

# migrate-1: the copy is the source, and says so
if [ "$(code migrate --from "$tmp/src.db" --to "$tmp/new.db")" -eq 0 ] &&
    grep -q "^chains: 1 cases read back, 1 verified$" "$tmp/out" &&
    grep -q "^log: $EV events, root [0-9a-f]\{64\}, the same as the source's$" "$tmp/out" &&
    grep -q "^  events  *$EV$" "$tmp/out" && grep -q "^  tokens  *1$" "$tmp/out" &&
    grep -q "^  alerts  *1$" "$tmp/out"
then ok; else fail "migrate-1.1: migrate copies and reports the chains verified"; fi
if [ "$(dump "$tmp/src.db" | md5sum)" = "$(dump "$tmp/new.db" | md5sum)" ]
then ok; else
    dump "$tmp/src.db" > "$tmp/a"; dump "$tmp/new.db" > "$tmp/b"; diff "$tmp/a" "$tmp/b" | head -20 > "$tmp/out"
    fail "migrate-1.2: every table of the copy is the source's, row for row"
fi
if [ "$(code --db "$tmp/new.db" audit verify --checkpoint "$tmp/checkpoint.json" --pubkey "$tmp/bureau.pub")" -eq 0 ] &&
    grep -q "^PASS" "$tmp/out"
then ok; else fail "migrate-1.3: a checkpoint taken before the move verifies against the copy"; fi
if [ "$(code --db "$tmp/new.db" case open --workflow supervision --party 乙药店)" -eq 0 ] &&
    grep -q "^case 2 opened" "$tmp/out" &&
    [ "$(code --db "$tmp/new.db" token list)" -eq 0 ] && grep -q 张三 "$tmp/out"
then ok; else fail "migrate-1.4: the copy goes on where the source stopped (case 2, the token)"; fi
if [ "$(code migrate --json --from "$tmp/src.db" --to "$tmp/json.db")" -eq 0 ] &&
    [ "$(jq -c '[.cases, .chains_broken, .log_events, .log_same, .tables.events]' "$tmp/out")" = "[1,0,$EV,true,$EV]" ]
then ok; else fail "migrate-1.5: --json gives the counts"; fi

# migrate-2: refusals
dump "$tmp/new.db" > "$tmp/before"
if [ "$(code migrate --from "$tmp/src.db" --to "$tmp/new.db")" -eq 4 ] &&
    grep -q "the target is not empty (table workflows has rows)" "$tmp/out" &&
    dump "$tmp/new.db" | cmp -s - "$tmp/before"
then ok; else fail "migrate-2.1: a target that holds anything is refused (exit 4) and left as it was"; fi
cp "$tmp/src.db" "$tmp/odd.db"
sqlite3 "$tmp/odd.db" "CREATE TABLE extra(x)"
if [ "$(code migrate --from "$tmp/odd.db" --to "$tmp/cut.db")" -eq 6 ] &&
    grep -q "table extra is not one this caseflow knows how to copy" "$tmp/out" &&
    [ "$(sqlite3 "$tmp/cut.db" "SELECT count(*) FROM workflows")" = 0 ]
then ok; else fail "migrate-2.2: a source table migrate does not know is refused, nothing copied"; fi
if [ "$(code migrate --from "$tmp/src.db" --to "$tmp/src.db")" -eq 1 ]
then ok; else fail "migrate-2.3: --from and --to the same is refused"; fi

# migrate-3: a move cut half way leaves nothing; run again, it completes
sqlite3 "$tmp/cut.db" "CREATE TRIGGER boom BEFORE INSERT ON case_people BEGIN SELECT RAISE(ABORT, 'disk gone'); END"
if [ "$(code migrate --from "$tmp/src.db" --to "$tmp/cut.db")" -eq 6 ] && grep -q "disk gone" "$tmp/out" &&
    [ "$(sqlite3 "$tmp/cut.db" "SELECT (SELECT count(*) FROM workflows) + (SELECT count(*) FROM events) +
        (SELECT count(*) FROM cases) + (SELECT version FROM calendar_version)")" = 0 ]
then ok; else fail "migrate-3.1: a copy that fails part way leaves the target empty"; fi
sqlite3 "$tmp/cut.db" "DROP TRIGGER boom"
if [ "$(code migrate --from "$tmp/src.db" --to "$tmp/cut.db")" -eq 0 ] &&
    grep -q "the same as the source's" "$tmp/out"
then ok; else fail "migrate-3.2: the same move run again completes"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
