#!/bin/sh
# cli-plan: 行政处罚法 第七十二条第二款 through the command line. Where the bureau approved
# a deferral or instalments, the three months to apply to the court run from the end
# of that period (暂缓或者分期缴纳罚款期限结束之日), not from the end of the suit period
# (行政强制法 第五十三条), when it ends later. The approval (approve_installments)
# records the plan's last day (fact installment_ends_on, a date not before the
# decision's service); penalty-general's clock court_application counts from the later
# of the two ends; a plan approved after the clock started moves it (clock.rebased);
# case show --explain says where it counts from and why; the audit replays it.
# Usage: plan.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CASEFLOW_DB="$tmp/plan.db" CASEFLOW_NOW=2025-12-01T09:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=3650 # the steps are recorded as of their dates in 2025 (--at)
D=examples/documents
passed=0 failed=0
ok() { passed=$((passed + 1)); }
fail() { failed=$((failed + 1)); echo "FAIL: $1" >&2; cat "$tmp/out" >&2; }
run() { "$bin" "$@" > "$tmp/out" 2>&1; }
has() { grep -qF "$1" "$tmp/out"; }
run init || { cat "$tmp/out"; exit 1; }

# A penalty-general case served on Thu 2025-03-13 (review 60 days, suit 6 months: ends
# Sat 09-13, rolled to Mon 09-15) and left unpaid; prints its id.
OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'
served() {
    run case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
        --actor 张三 --at 2025-03-03T09:00:00+08:00 || return 1
    id=$(sed -n 's/^case \([0-9]*\) opened.*/\1/p' "$tmp/out")
    run case act "$id" file --actor 李四 --role head --at 2025-03-03T10:00:00+08:00 \
        --fact filing_reason=x --fact cause=js-2024:14 --fact "$OFFICERS" \
        --doc 立案审批表=$D/立案审批表.txt &&
    run evidence add "$id" --kind 书证 --title 结算明细 --source 医保经办机构 --method 调取 \
        --officer 张三 --officer 王五 --at 2025-03-03T11:00:00+08:00 &&
    run case act "$id" submit_review --actor 张三 --role handler --at 2025-03-03T11:00:00+08:00 \
        --fact findings=x --doc 调查终结报告=$D/调查终结报告.txt &&
    run case act "$id" notify --actor 张三 --role handler --at 2025-03-04T10:00:00+08:00 \
        --fact notified_penalty=罚款5000元 --fact notified_fine=5000 \
        --doc 案件审查报告=$D/案件审查报告.txt --doc 行政处罚告知书=$D/行政处罚告知书.txt &&
    run case act "$id" serve_notice --actor 张三 --role handler --at 2025-03-04T15:00:00+08:00 \
        --doc 告知书送达回证=$D/告知书送达回证.txt &&
    run case act "$id" decide --actor 李四 --role head --at 2025-03-12T10:00:00+08:00 \
        --fact penalty=罚款5000元 --fact fine=5000 --doc 行政处罚决定书=$D/行政处罚决定书.txt &&
    run case act "$id" serve --actor 张三 --role handler --at 2025-03-13T10:00:00+08:00 \
        --fact service_method=直接送达 --doc 送达回证=$D/送达回证.txt && echo "$id"
}
approve() { # CASE AT ENDS_ON
    run case act "$1" approve_installments --actor 李四 --role head --at "$2" \
        --fact installment_plan=分三期缴纳 --fact "installment_ends_on=$3" \
        --doc 延期（分期）缴纳罚款审批表=$D/卷宗.txt
}

c=$(served)
[ -n "$c" ] || { cat "$tmp/out"; exit 1; }

# --- plan-1: the plan's end is a real date, not before the decision's service ----------
if ! approve "$c" 2025-03-20T10:00:00+08:00 2025-02-30 && has "installment_ends_on" && has "date" &&
    ! approve "$c" 2025-03-20T10:00:00+08:00 2025/10/01 && has "installment_ends_on" &&
    ! approve "$c" 2025-03-20T10:00:00+08:00 2025-03-12 &&
    has "fact 'installment_ends_on' is 2025-03-12, before 2025-03-13, the day clock 'suit' started" &&
    ! run case act "$c" approve_installments --actor 李四 --role head --at 2025-03-20T10:00:00+08:00 \
        --fact installment_plan=分三期缴纳 --doc 延期（分期）缴纳罚款审批表=$D/卷宗.txt &&
    has "installment_ends_on" &&
    ! run case act "$c" pay --actor 张三 --role handler --at 2025-03-20T10:00:00+08:00 \
        --fact paid_amount=100 --fact paid_on=2025-03-20 --fact installment_ends_on=2025-10-01 \
        --doc 罚款缴纳凭证=$D/罚款缴纳凭证.txt &&
    has "approve_installments"
then ok; else fail "plan-1 the plan's end validated"; fi

# --- plan-2: the three months run from the plan's end -----------------------------------
# Approved before the decision is final: the plan ends on 国庆 (10-01..08), so its period
# ends Thu 10-09 (R4); record_final on 09-16 starts the clock from there, later than the
# suit's end (09-15): three months is Fri 2026-01-09 (without the plan: Mon 12-15).
if approve "$c" 2025-03-20T10:00:00+08:00 2025-10-01 &&
    ! has "court_application" &&
    run case act "$c" record_final --actor 张三 --role handler --at 2025-09-16T10:00:00+08:00 \
        --fact final_note=诉讼期限届满未起诉，分期缴纳期限未届满 &&
    has "court_application" && has "2026-01-09T23:59:59+08:00" &&
    run case show "$c" --explain &&
    has "counted from the end of fact 'installment_ends_on' 2025-10-01 (a rest day: the period ends on the next working day, 2025-10-09, R4), later than the end of clock 'suit' (2025-09-15T23:59:59+08:00)" &&
    has "from 2025-10-09T23:59:59+08:00 (end of installment_ends_on 2025-10-01)" &&
    has "deadline: end of 2026-01-09"
then ok; else fail "plan-2 counted from the plan's end"; fi

# --- plan-3: a plan approved after the clock started moves it ---------------------------
# A new plan to Wed 12-31: three months is Tue 2026-03-31 (clock.rebased, was 01-09);
# then one ending Wed 09-10, before the suit's end: back to Mon 12-15.
if approve "$c" 2025-09-20T10:00:00+08:00 2025-12-31 &&
    has "clock.rebased" && has "2026-03-31T23:59:59+08:00" &&
    run case show "$c" --explain &&
    has "rebased" && has "was 2026-01-09T23:59:59+08:00 -> 2026-03-31T23:59:59+08:00" &&
    has "counted from the end of fact 'installment_ends_on' 2025-12-31, later than the end of clock 'suit'" &&
    approve "$c" 2025-09-22T10:00:00+08:00 2025-09-10 &&
    has "clock.rebased" && has "2025-12-15T23:59:59+08:00" &&
    run case show "$c" --explain &&
    has "fact 'installment_ends_on' 2025-09-10 ends no later than 2025-09-15T23:59:59+08:00, so it does not move it" &&
    run audit replay --case "$c" && ! has "DEVIATIONS"
then ok; else fail "plan-3 a later approval moves the clock, and the audit agrees"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
