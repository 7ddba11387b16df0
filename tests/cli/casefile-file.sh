#!/bin/sh
# cli-casefile-file: the case file of issue 20 beyond the 案号 (casefile.sh).
#   1. names: `<party>涉嫌<案由>案` while under investigation, 涉嫌 dropped once a
#      penalty is decided; in case show, case list and the API;
#   2. 决定书文号 at the decision, 档案号 at archiving: on the chain, shown,
#      searchable with --number (and ?number=), from counters of their own; four
#      concurrent decisions get four numbers, a decision rolled back leaves no gap;
#   3. handlers and the responsible head: named at filing (the officers, the
#      filing's actor), changed by reassign with its reason (refused without),
#      on the chain; case list --handler, ?handler= on cases and alerts;
#   4. stats: cases by power type, state, 案由 and handler; filed, decided,
#      closed; fines and funds; on-time rate per clock; overdue and due; text,
#      JSON, CSV; --handler; the API's JSON and CSV the same figures.
# Exits 77 (skipped) when curl is missing.
# Usage: casefile-file.sh CASEFLOW_BINARY   (run from the source root)
set -u
command -v curl > /dev/null 2>&1 || { echo "curl is not installed: skipped"; exit 77; }
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/f.db" CASEFLOW_NOW=2026-03-20T12:00:00+08:00 CASEFLOW_BACKDATE_DAYS=3650
D=$CF_DOCS
"$bin" init --agency 某县医疗保障局 > /dev/null || { echo "init failed" >&2; exit 1; }

# A case up to the decision (notified, rights waived in writing) on day $2 for
# party $1; prints its id.
ready() { cf_pg_filed "$1" "$2" && cf_pg_ready "$id" "$2" && echo "$id"; }
decide() { cf_pg_decide "$@"; } # case day

# cli-casefile-file-1: the name under investigation, the handlers and the head
c1=$(ready 某某大药房 2026-03-02)
n_inv='某某大药房涉嫌违反医疗保障基金使用规定案'
if [ -n "$c1" ] && [ "$(code case show "$c1")" -eq 0 ] && grep -q "^name:  $n_inv$" "$tmp/out" &&
    grep -q "^handlers: 张三、王五$" "$tmp/out" && grep -q "^responsible: 李四$" "$tmp/out" &&
    [ "$(code --json case show "$c1")" -eq 0 ] && grep -q "\"name\": \"$n_inv\"" "$tmp/out" &&
    grep -q '"decision_number": null' "$tmp/out" && grep -q '"responsible": "李四"' "$tmp/out" &&
    [ "$(code case list)" -eq 0 ] && grep -q "$n_inv" "$tmp/out"
then ok; else fail "the name under investigation, the handlers and the head"; fi

# cli-casefile-file-2: the decision gives the 决定书文号 and drops 涉嫌
d1='某县医保罚〔2026〕1号'
n_dec='某某大药房违反医疗保障基金使用规定案'
if decide "$c1" 2026-03-03 > "$tmp/out" 2>&1 &&
    [ "$(code case show "$c1")" -eq 0 ] && grep -q "^decision number: $d1$" "$tmp/out" &&
    grep -q "^name:  $n_dec$" "$tmp/out" &&
    [ "$(code --json case show "$c1")" -eq 0 ] &&
    grep -q "\"type\": \"transition\"" "$tmp/out" && grep -q "\"decision_number\": \"$d1\"" "$tmp/out" &&
    [ "$(sqlite3 "$CASEFLOW_DB" "SELECT count(*) FROM events WHERE case_id = $c1 AND body LIKE '%\"decision_number\":\"$d1\"%'")" -eq 1 ] &&
    [ "$(code case list --number "$d1")" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] &&
    grep -q "^$c1 .*$n_dec" "$tmp/out"
then ok; else fail "the decision gives its number, on the chain, searchable; 涉嫌 dropped"; fi

# cli-casefile-3: four concurrent decisions, then one rolled back: 2..5, then 6
ids=""
for p in 甲 乙 丙 丁 戊; do ids="$ids $(ready 药房$p 2026-03-04)"; done
set -- $ids
: > "$tmp/errs"
for c in $1 $2 $3 $4; do
    (decide "$c" 2026-03-05 > "$tmp/d$c" 2>&1 || echo "case $c: $(cat "$tmp/d$c")" >> "$tmp/errs") &
done
wait
nums=$(sqlite3 "$CASEFLOW_DB" "SELECT number FROM case_refs WHERE kind = 'decision_number' ORDER BY number" |
    sed -n 's/^某县医保罚〔2026〕\([0-9]*\)号$/\1/p' | sort -n | tr '\n' ' ')
echo "$nums" > "$tmp/out"
if [ ! -s "$tmp/errs" ] && [ "$nums" = "1 2 3 4 5 " ]
then ok; else cat "$tmp/errs" >&2; echo "$nums" >&2; fail "four concurrent decisions: 2 to 5, none twice"; fi
sqlite3 "$CASEFLOW_DB" "INSERT INTO settings VALUES ('decision_number_pattern', '{abbr}罚')"
if [ "$(decide "$5" 2026-03-05 > "$tmp/out" 2>&1; echo $?)" -eq 2 ] && grep -q "has no {seq}" "$tmp/out" &&
    [ "$(code --json case show "$5")" -eq 0 ] && grep -q '"state": "notified"' "$tmp/out" &&
    sqlite3 "$CASEFLOW_DB" "DELETE FROM settings WHERE key = 'decision_number_pattern'" &&
    decide "$5" 2026-03-05 > /dev/null 2>&1 && [ "$(code --json case show "$5")" -eq 0 ] &&
    grep -q '"decision_number": "某县医保罚〔2026〕6号"' "$tmp/out"
then ok; else fail "a decision rolled back leaves no gap"; fi

# cli-casefile-file-4: reassign, with its reason, on the chain; --handler follows
if [ "$(code case act "$2" reassign --actor 李四 --role head \
        --fact 'officers=[{"name":"张三","cert":"65010020001"},{"name":"赵七","cert":"65010020007"}]')" -ne 0 ] &&
    grep -q "reassign_reason" "$tmp/out" &&
    [ "$(code case act "$2" reassign --actor 李四 --role head --fact reassign_reason=王五调岗 \
        --fact 'officers=[{"name":"张三","cert":"65010020001"},{"name":"赵七","cert":"65010020007"}]' \
        --fact responsible=钱八)" -eq 0 ] &&
    [ "$(code case show "$2")" -eq 0 ] && grep -q "^handlers: 张三、赵七$" "$tmp/out" &&
    grep -q "^responsible: 钱八$" "$tmp/out" &&
    [ "$(sqlite3 "$CASEFLOW_DB" "SELECT count(*) FROM events WHERE case_id = $2 AND body LIKE '%王五调岗%'")" -eq 1 ] &&
    [ "$(code case list --handler 赵七)" -eq 0 ] && [ "$(wc -l < "$tmp/out")" -eq 2 ] &&
    grep -q "^$2 " "$tmp/out" &&
    [ "$(code case list --handler 王五)" -eq 0 ] && ! grep -q "^$2 " "$tmp/out" &&
    [ "$(grep -c "^[0-9]" "$tmp/out")" -eq 5 ] &&
    [ "$(code case act "$3" reassign --actor 张三 --role handler --fact reassign_reason=x --fact responsible=张三)" -ne 0 ]
then ok; else fail "reassign changes the handlers with a reason; --handler follows"; fi

# cli-casefile-file-5: serve, pay, recover, close, archive: the 档案号
if "$bin" case act "$c1" serve --actor 张三 --role handler --at 2026-03-06T10:00:00+08:00 \
        --fact service_method=直接送达 --doc 送达回证=$D/送达回证.txt > "$tmp/out" 2>&1 &&
    "$bin" case act "$c1" pay --actor 张三 --role handler --at 2026-03-09T10:00:00+08:00 \
        --fact paid_amount=30000 --fact payment_method=bank --fact paid_on=2026-03-09 \
        --doc 罚款缴纳凭证=$D/罚款缴纳凭证.txt > "$tmp/out" 2>&1 &&
    "$bin" case act "$c1" pay --actor 张三 --role handler --at 2026-03-10T10:00:00+08:00 \
        --fact paid_amount=20000 --fact payment_method=bank --fact paid_on=2026-03-10 \
        --doc 罚款缴纳凭证=$D/罚款缴纳凭证.txt > "$tmp/out" 2>&1 &&
    "$bin" case act "$c1" recover_funds --actor 张三 --role handler --at 2026-03-10T11:00:00+08:00 \
        --fact refunded_amount=1000 --doc 医保基金退回凭证=$D/罚款缴纳凭证.txt > "$tmp/out" 2>&1 &&
    "$bin" case act "$c1" close --actor 李四 --role head --at 2026-03-11T10:00:00+08:00 \
        --fact closing_reason=罚款已缴清 --doc 结案审批表=$D/结案审批表.txt > "$tmp/out" 2>&1 &&
    "$bin" case act "$c1" archive --actor 张三 --role handler --at 2026-03-12T10:00:00+08:00 \
        --doc 卷宗=$D/卷宗.txt > "$tmp/out" 2>&1 &&
    [ "$(code case show "$c1")" -eq 0 ] && grep -q "^archive number: 某县医保档〔2026〕1号$" "$tmp/out" &&
    [ "$(code case list --number 某县医保档〔2026〕1号)" -eq 0 ] && grep -q "^$c1 " "$tmp/out" &&
    [ "$(grep -c "^[0-9]" "$tmp/out")" -eq 1 ]
then ok; else fail "archiving gives the 档案号, searchable"; fi

# A lead opened on 02-02 and never filed: its 立案 clock is overdue on 03-20.
run case open --workflow penalty-general --party 逾期药房 --party-type 定点医药机构 --actor 张三 \
    --at 2026-02-02T09:00:00+08:00 || { cat "$tmp/out"; exit 1; }

# cli-casefile-file-6: stats in text, JSON and CSV, and by handler
if [ "$(code --json stats --from 2026-02-01 --to 2026-03-31)" -eq 0 ] &&
    grep -q '"opened": 7' "$tmp/out" && grep -q '"filed": 6' "$tmp/out" &&
    grep -q '"decided": 6' "$tmp/out" && grep -q '"closed": 1' "$tmp/out" &&
    grep -q '"行政处罚": 7' "$tmp/out" && grep -q '"archived": 1' "$tmp/out" &&
    grep -q '"serving": 5' "$tmp/out" && grep -q '"lead": 1' "$tmp/out" &&
    grep -q '"违反医疗保障基金使用规定": 6' "$tmp/out" &&
    grep -q '"decided": "300000.00"' "$tmp/out" && grep -q '"paid": "50000.00"' "$tmp/out" &&
    grep -q '"outstanding": "250000.00"' "$tmp/out" &&
    grep -q '"ordered": "6000.00"' "$tmp/out" && grep -q '"recovered": "1000.00"' "$tmp/out" &&
    grep -q '"overdue": 6' "$tmp/out" &&
    [ "$(code stats --from 2026-02-01 --to 2026-03-31)" -eq 0 ] &&
    grep -q "^cases: *opened 7, filed 6, decided 6, closed 1$" "$tmp/out" &&
    grep -q "^fines: *decided 300000.00, paid 50000.00, outstanding 250000.00$" "$tmp/out" &&
    grep -q "^clock filing *met 6, late 0, on time 100.0%$" "$tmp/out" &&
    [ "$(code stats --from 2026-02-01 --to 2026-03-31 --format csv)" -eq 0 ] &&
    grep -q '^fines,outstanding,250000.00' "$tmp/out" && grep -q '^by_handler,张三,6' "$tmp/out" &&
    cp "$tmp/out" "$tmp/cli.csv" &&
    [ "$(code --json stats --from 2026-02-01 --to 2026-03-31 --handler 赵七)" -eq 0 ] &&
    grep -q '"opened": 1' "$tmp/out" && grep -q '"handler": "赵七"' "$tmp/out" &&
    [ "$(code --json stats --from 2026-03-05 --to 2026-03-31)" -eq 0 ] &&
    grep -q '"opened": 0' "$tmp/out" && grep -q '"decided": 5' "$tmp/out" &&
    [ "$(code stats --from 2026-03-31 --to 2026-03-01)" -ne 0 ] && grep -q "ends" "$tmp/out" &&
    [ "$(code stats --from 2026-02-30)" -ne 0 ] && grep -q "not a date" "$tmp/out"
then ok; else fail "stats: the figures in text, JSON and CSV, by handler, refusals"; fi

# cli-casefile-file-7: the API: names, numbers, handlers, filters, a reassignment, stats
token=$("$bin" token create --agency 某县医疗保障局 --role head --name 李四) || exit 1
cf_serve --now "$CASEFLOW_NOW"
get() { curl -s -g -o "$tmp/out" -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$port$1"; }
enc() { printf %s "$1" | od -An -tx1 | tr -d ' \n' | sed 's/../%&/g'; }
if [ "$(get "/v1/cases/$c1")" = 200 ] && grep -q "\"name\": *\"$n_dec\"" "$tmp/out" &&
    grep -q "\"decision_number\": *\"$d1\"" "$tmp/out" &&
    grep -q '"archive_number": *"某县医保档〔2026〕1号"' "$tmp/out" &&
    grep -q '"handlers": *\[ *"张三", *"王五" *\]' "$tmp/out" &&
    [ "$(get "/v1/cases?number=$(enc 某县医保案〔2026〕1号)")" = 200 ] &&
    [ "$(grep -o '"id": *[0-9]*' "$tmp/out" | grep -c .)" -eq 1 ] && grep -q "\"id\": *$c1," "$tmp/out" &&
    [ "$(get "/v1/cases?number=$(enc "$d1")")" = 200 ] && grep -q "\"id\": *$c1," "$tmp/out" &&
    grep -q "\"name\": *\"$n_dec\"" "$tmp/out" &&
    [ "$(get "/v1/cases?handler=$(enc 赵七)")" = 200 ] &&
    [ "$(grep -o '"id": *[0-9]*' "$tmp/out" | grep -c .)" -eq 1 ] && grep -q "\"id\": *$2," "$tmp/out" &&
    [ "$(get "/v1/alerts?handler=$(enc 赵七)")" = 200 ] && grep -q "\"case\": *$2," "$tmp/out" &&
    ! grep -q "\"case\": *$3," "$tmp/out" &&
    [ "$(get "/v1/alerts")" = 200 ] && grep -q "\"case\": *$3," "$tmp/out"
then ok; else fail "the API: name, numbers, handlers, ?number= and ?handler="; fi
# through the daemon's writer: reassign case $3's head, with the reason
c3=$3
v3=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $token" "http://127.0.0.1:$port/v1/cases/$3" |
    sed -n 's/^[Ee][Tt][Aa][Gg]: *"\([0-9]*\)".*/\1/p')
post() {
    curl -s -o "$tmp/out" -w '%{http_code}' -X POST -H "Authorization: Bearer $token" \
        -H "If-Match: \"$v3\"" -H 'Content-Type: application/json' -d "$1" \
        "http://127.0.0.1:$port/v1/cases/$c3/actions"
}
if [ -n "$v3" ] && [ "$(post '{"action":"reassign","facts":{"responsible":"孙九"}}')" = 422 ] &&
    [ "$(post '{"action":"reassign","facts":{"responsible":"孙九","reassign_reason":"李四休假"}}')" = 200 ] &&
    [ "$(get "/v1/cases/$3")" = 200 ] && grep -q '"responsible": *"孙九"' "$tmp/out" &&
    [ "$(get "/v1/cases?handler=$(enc 孙九)")" = 200 ] && grep -q "\"id\": *$3," "$tmp/out" &&
    [ "$(grep -o '"id": *[0-9]*' "$tmp/out" | grep -c .)" -eq 1 ]
then ok; else fail "reassign through the API: the head named, filtered by"; fi
if [ "$(get "/v1/stats?from=2026-02-01&to=2026-03-31")" = 200 ] && grep -q '"opened": *7' "$tmp/out" &&
    grep -q '"outstanding": *"250000.00"' "$tmp/out" &&
    [ "$(get "/v1/stats?from=2026-02-01&to=2026-03-31&format=csv")" = 200 ] &&
    cmp -s "$tmp/out" "$tmp/cli.csv" &&
    [ "$(get "/v1/stats?from=2026-02-31")" = 400 ] && grep -q "not a date" "$tmp/out" &&
    [ "$(get "/v1/stats?format=xml")" = 400 ] && [ "$(get "/v1/stats?due_within=x")" = 400 ]
then ok; else fail "GET /v1/stats: JSON, the CLI's CSV byte for byte, refusals"; fi

echo "cli-casefile-file: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
