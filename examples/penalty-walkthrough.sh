#!/bin/sh
# The README's worked example: a 行政处罚 (general procedure) case from 线索 to 归档,
# on the embedded SQLite database. `make run` runs it; tests/cli/readme.sh checks
# that the README shows exactly these commands and that they run.
# Run from the source root after `make`. CASEFLOW_NOW fixes "now" so the output is
# the same every time; drop it to use the real clock.
# After the example it serves the database on loopback, for the workbench in a
# browser, until Ctrl-C; CASEFLOW_RUN_SERVE=0 ends it after the example instead
# (scripts, CI), CASEFLOW_RUN_LISTEN picks the address (127.0.0.1:8080). $CASEFLOW
# names the binary (make run sets it), else build/api/caseflow.
set -e
cd "$(dirname "$0")/.."
if [ -n "${CASEFLOW:-}" ]; then
    export PATH="$(cd "$(dirname "$CASEFLOW")" && pwd):$PATH"
else
    export PATH="$PWD/build/api:$PATH"
fi
export CASEFLOW_DB="${CASEFLOW_DB:-$PWD/build/demo.db}"
rm -f "$CASEFLOW_DB" "$CASEFLOW_DB-wal" "$CASEFLOW_DB-shm"
# --- example:begin
export CASEFLOW_NOW=2025-10-20T09:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=60   # --at may lie this far back (default 30)
D=examples/documents
caseflow init --workflows workflows
caseflow case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
  --agency 某县医疗保障局 --fact lead_source=群众举报 --actor 张三 --at 2025-09-01T09:00:00+08:00
caseflow case act 1 file --actor 李四 --role head --at 2025-09-02T10:00:00+08:00 \
  --fact filing_reason=涉嫌串换药品骗取医保基金 --fact cause=js-2024:14 \
  --fact 'officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]' \
  --doc 立案审批表=$D/立案审批表.txt
# Deciding before the party has been told is refused, with what is allowed now:
caseflow case act 1 decide --actor 李四 --role head --fact penalty=罚款 || echo "refused (exit $?)"
# The evidence register: each item and each record is an event on the chain, made by two
# of the case's officers; ending the investigation needs at least one (evidence-before-review).
caseflow evidence add 1 --kind 书证 --title 处方及医保结算单据12份 --source 某某大药房 \
  --method 调取 --officer 张三 --officer 王五 --at 2025-09-10T10:00:00+08:00 --actor 张三
caseflow record add 1 --kind 询问笔录 --person 赵某 --person-role 当事人 --place 某县医疗保障局询问室 \
  --officer 张三 --officer 王五 --started-at 2025-09-12T09:00:00+08:00 --at 2025-09-12T11:00:00+08:00 \
  --actor 张三
caseflow case act 1 submit_review --actor 张三 --role handler --at 2025-09-22T16:00:00+08:00 \
  --fact findings=串换药品12次，涉及医保基金1万元 --doc 调查终结报告=$D/调查终结报告.txt
# 20,000 yuan to an organisation is below the hearing threshold: a notice without the
# hearing right. The party's 3 working days to state and defend run from its service.
caseflow case act 1 notify --actor 张三 --role handler --at 2025-09-24T10:00:00+08:00 \
  --fact notified_penalty=罚款2万元 --fact notified_fine=20000.00 \
  --doc 案件审查报告=$D/案件审查报告.txt --doc 行政处罚告知书=$D/行政处罚告知书.txt
caseflow case act 1 serve_notice --actor 张三 --role handler --at 2025-09-24T15:00:00+08:00 \
  --doc 告知书送达回证=$D/告知书送达回证.txt
caseflow case act 1 decide --actor 李四 --role head --at 2025-09-30T10:00:00+08:00 \
  --fact penalty=罚款2万元 --fact fine=20000.00 --doc 行政处罚决定书=$D/行政处罚决定书.txt
# What the handler sees an hour after the decision: the service clock running.
CASEFLOW_NOW=2025-09-30T11:00:00+08:00 caseflow case show 1
caseflow case act 1 serve --actor 张三 --role handler --at 2025-10-09T10:00:00+08:00 \
  --fact service_method=直接送达 --doc 送达回证=$D/送达回证.txt
caseflow case act 1 pay --actor 张三 --role handler --at 2025-10-15T10:00:00+08:00 \
  --fact paid_amount=20000.00 --fact payment_method=bank --fact paid_on=2025-10-15 \
  --doc 罚款缴纳凭证=$D/罚款缴纳凭证.txt
caseflow case act 1 close --actor 李四 --role head --at 2025-10-16T10:00:00+08:00 \
  --fact closing_reason=罚款已缴清 --doc 结案审批表=$D/结案审批表.txt
caseflow case act 1 archive --actor 张三 --role handler --at 2025-10-17T10:00:00+08:00 \
  --doc 卷宗=$D/卷宗.txt
caseflow case list
# The decision as a PDF, rendered from the case (docs/documents.md); the same bytes every time:
caseflow doc render 1 行政处罚决定书 | sha256sum
# --- example:end
[ "${CASEFLOW_RUN_SERVE:-1}" = 0 ] && exit 0
# The workbench: this database served on loopback until Ctrl-C, with a token to sign in.
listen=${CASEFLOW_RUN_LISTEN:-127.0.0.1:8080}
handler=$(caseflow token create --agency 某县医疗保障局 --role handler --name 张三)
head=$(caseflow token create --agency 某县医疗保障局 --role head --name 李四)
echo
echo "The workbench: http://$listen/  (sign in with a token below; Ctrl-C stops it)"
echo "  handler 张三: $handler"
echo "  head 李四:    $head"
# The daemon runs on the real clock: CASEFLOW_NOW fixed the example's output, but cases
# opened in the browser are today's, with today's deadlines and countdowns.
unset CASEFLOW_NOW CASEFLOW_BACKDATE_DAYS
exec caseflow serve --listen "$listen"
