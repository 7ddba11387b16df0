# shellcheck shell=sh disable=SC2034,SC2154,SC2317 # bin is the sourcing script's; it reads url, passed, failed; cf_setup may redefine run and has
# lib.sh -- what the command-line scripts share. A script sets bin=$1 and sources it:
#   . "$(dirname "$0")/lib.sh"
# Every name it defines starts with cf_ (but the counters' ok and fail, run, has and code).
#
#   cf_setup [MODE...]  a temporary directory $tmp, removed at exit (kept when KEEP is
#                       set, to look into; the daemon $pid killed first, when one runs);
#                       the counters passed and failed with ok and fail WHAT (which
#                       prints $tmp/out); run ARGS... (caseflow ARGS, its output in
#                       $tmp/out); has TEXT (a grep of $tmp/out). The modes:
#                       exits: run takes the exit status it expects first: run EXIT
#                       ARGS... is true when caseflow exited so, and otherwise notes
#                       what it got in $tmp/out;
#                       apart: caseflow's standard error goes to $tmp/err, not $tmp/out
#                       (fail prints both), and has FILE TEXT looks for the fixed TEXT
#                       in $tmp/FILE (out or err);
#                       fixed: has TEXT looks for a fixed string, not a pattern
#   code ARGS...        runs caseflow ARGS, output in $tmp/out, and prints its exit status
#   cf_exits EXIT COMMAND...    runs any COMMAND as run EXIT does caseflow
#   cf_block NAME FILE  the lines of FILE between <!-- NAME:begin --> and <!-- NAME:end -->,
#                       without the fence lines: a documented example, to run as written
#   cf_serve ARGS...    starts `caseflow serve --listen 127.0.0.1:0 ARGS` in the
#                       background: $pid, $port, $url; exits 1 when it does not start
#   cf_stop             stops that daemon and waits for it
#   cf_port TRY         a port to try for a fixed address (TRY 1, 2, ...): below the kernel's
#                       ephemeral range (32768-60999), where an outgoing connection of another
#                       program may hold one; a script still tries the next when it is taken
#   cf_pg_filed PARTY DAY       a penalty-general case for PARTY (a 定点医药机构)
#                       opened at 09:00 of DAY (YYYY-MM-DD) and filed at 10:00 by 李四
#                       (案由 js-2024:14, officers 张三 and 王五): sets $id
#   cf_pg_ready ID DAY  takes case ID to the decision on DAY: an item of evidence and
#                       submit_review at 11:00, notify_with_hearing (罚款5万元) at
#                       12:00, its service at 13:00, the rights waived in writing at 14:00
#   cf_pg_decide ID DAY decides case ID at 15:00 of DAY (罚款5万元, 责令退回1000元);
#                       its output on stdout, so that decisions may run side by side
# The documents are examples/documents' (scripts run from the source root).

cf_setup() {
    tmp=$(mktemp -d)
    pid="" cf_apart=""
    trap '[ -n "$pid" ] && kill "$pid" 2> /dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
    passed=0 failed=0
    for cf_mode in "$@"; do
        case $cf_mode in
        exits) run() { cf_run_exit "$@"; } ;;
        apart)
            cf_apart=1
            has() { grep -qF -- "$2" "$tmp/$1"; }
            ;;
        fixed) has() { grep -qF -- "$1" "$tmp/out"; } ;;
        *) echo "lib.sh: cf_setup: no mode $cf_mode" >&2 && exit 1 ;;
        esac
    done
}
ok() { passed=$((passed + 1)); }
fail() {
    failed=$((failed + 1))
    echo "FAIL: $1" >&2
    cat "$tmp/out" >&2 2> /dev/null
    if [ -n "$cf_apart" ]; then cat "$tmp/err" >&2 2> /dev/null; fi
}
run() { cf_exec "$bin" "$@"; }
has() { grep -q -- "$1" "$tmp/out"; }
code() {
    cf_exec "$bin" "$@"
    echo $?
}

# cf_exec COMMAND...: runs COMMAND, its output in $tmp/out (its standard error in
# $tmp/err under cf_setup apart).
cf_exec() {
    if [ -n "$cf_apart" ]; then
        "$@" > "$tmp/out" 2> "$tmp/err"
    else
        "$@" > "$tmp/out" 2>&1
    fi
}

# cf_run_exit EXIT ARGS...: runs caseflow ARGS, output in $tmp/out; true if it exited EXIT.
cf_run_exit() {
    want=$1
    shift
    cf_exits "$want" "$bin" "$@"
}

cf_exits() {
    want=$1
    shift
    cf_exec "$@"
    got=$?
    [ "$got" -eq "$want" ] || { echo "exit $got, expected $want: $*" >> "$tmp/out"; return 1; }
}

cf_block() {
    sed -n "/<!-- $1:begin -->/,/<!-- $1:end -->/p" "$2" | sed '1,2d;$d' | sed '$d'
}

cf_serve() {
    "$bin" serve --listen 127.0.0.1:0 "$@" > "$tmp/serve.out" 2> "$tmp/serve.err" &
    pid=$!
    port=""
    for _ in $(seq 1 300); do # up to 30 s: a sanitizer build on a loaded machine
        port=$(sed -n 's/^caseflow: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/serve.out")
        [ -n "$port" ] && break
        sleep 0.1
    done
    [ -n "$port" ] || { cat "$tmp/serve.err"; echo "the daemon did not start" >&2; exit 1; }
    url=http://127.0.0.1:$port
}

cf_port() {
    echo $((10000 + ($$ * 7 + $1 * 997) % 22000))
}

cf_stop() {
    kill "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    pid=""
}

CF_DOCS=examples/documents
CF_OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'

cf_pg_filed() {
    run case open --workflow penalty-general --party "$1" --party-type 定点医药机构 --actor 张三 \
        --at "$2T09:00:00+08:00" || return 1
    id=$(sed -n 's/^case \([0-9]*\) opened.*/\1/p' "$tmp/out")
    run case act "$id" file --actor 李四 --role head --at "$2T10:00:00+08:00" \
        --fact filing_reason=x --fact cause=js-2024:14 --fact "$CF_OFFICERS" \
        --doc 立案审批表=$CF_DOCS/立案审批表.txt
}

cf_pg_ready() {
    run evidence add "$1" --kind 书证 --title 结算明细 --source 医保经办机构 --method 调取 \
        --officer 张三 --officer 王五 --at "$2T11:00:00+08:00" &&
    run case act "$1" submit_review --actor 张三 --role handler --at "$2T11:00:00+08:00" \
        --fact findings=x --doc 调查终结报告=$CF_DOCS/调查终结报告.txt &&
    run case act "$1" notify_with_hearing --actor 张三 --role handler --at "$2T12:00:00+08:00" \
        --fact notified_penalty=罚款5万元 --fact notified_fine=50000 \
        --doc 案件审查报告=$CF_DOCS/案件审查报告.txt --doc 行政处罚告知书=$CF_DOCS/行政处罚告知书.txt \
        --doc 行政处罚听证告知书=$CF_DOCS/行政处罚告知书.txt &&
    run case act "$1" serve_hearing_notice --actor 张三 --role handler --at "$2T13:00:00+08:00" \
        --doc 告知书送达回证=$CF_DOCS/告知书送达回证.txt &&
    run case act "$1" waive_rights --actor 张三 --role handler --at "$2T14:00:00+08:00" \
        --fact waiver=当事人书面放弃 --doc 放弃陈述申辩和听证权利声明书=$CF_DOCS/卷宗.txt
}

cf_pg_decide() {
    "$bin" case act "$1" decide --actor 李四 --role head --at "$2T15:00:00+08:00" \
        --fact penalty=罚款5万元 --fact fine=50000 --fact refund_amount=1000 \
        --doc 行政处罚决定书=$CF_DOCS/行政处罚决定书.txt
}
