#!/bin/sh
# cli-matter-case: a case opened on a matter of an imported 权责清单 runs on the
# matter's workflow and takes its handling period from the list (004 row 7,
# 行政给付: 不超过30个工作日), and `case show` names the matter.
# Usage: matter-case.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="${CASEFLOW_TEST_DB:-$tmp/m.db}" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=3650 # these histories are recorded after the fact, with --at

if run init && run catalog load examples/catalogs/004-generic.yaml &&
    run case open --matter generic-007 --party 李某某 --at 2026-03-02T09:00:00+08:00 &&
    grep -q "case 1 opened" "$tmp/out"
then ok; else fail "open on matter generic-007"; fi

# 30 working days after Mon 2026-03-02, skipping 清明 (04-04..04-06): Tue 2026-04-14;
# the workflow's own default (15 working days) would have said 2026-03-23.
if run case act 1 accept --actor 张三 --role handler --at 2026-03-02T10:00:00+08:00 \
        --fact application_items=医疗救助待遇申请 --doc 受理通知书=examples/documents/卷宗.txt &&
    grep -q "clock.started handling, deadline 2026-04-14T23:59:59+08:00" "$tmp/out"
then ok; else fail "handling period from the matter"; fi

if run --json case show 1 && grep -q '"matter": "generic-007"' "$tmp/out" &&
    grep -q '"id": "benefit"' "$tmp/out"
then ok; else fail "case show names the matter and its workflow"; fi

# A matter is handled only by the workflows of its power type.
if ! run case open --matter generic-007 --workflow penalty-general --party x &&
    grep -q "not handled by workflow 'penalty-general'" "$tmp/out"
then ok; else fail "a matter's workflow is enforced"; fi

# A matter's own 法定期限 column in another unit than the clock's default is the
# matter's period, in its unit (docs/legal-periods.md §6, law5 item 9): "10日" is ten
# calendar days for benefit's handling (default 15 working days), "10个工作日" ten
# working days for confirmation's review (default 15 days), and a pause on that clock
# is counted in working days.
cat > "$tmp/units.yaml" <<'YAML'
catalog: 1
sources:
- {file: units.txt, format: table, matters: 2}
matters:
- id: units-benefit
  name: 待遇支付（法定期限十日）
  power_type: 行政给付
  power_types: [行政给付]
  time_limits:
  - {text: 10日, amount: 10, unit: days, from: time_limit}
  - {text: 15个工作日, amount: 15, unit: working_days, from: legal_basis}
  workflows: [benefit]
  source: {file: units.txt, line: 2}
- id: units-confirmation
  name: 参保登记（法定期限十个工作日）
  power_type: 行政确认
  power_types: [行政确认]
  time_limits:
  - {text: 10个工作日, amount: 10, unit: working_days, from: time_limit}
  workflows: [confirmation]
  source: {file: units.txt, line: 3}
YAML
# Accepted Mon 2026-03-02: ten days is Thu 03-12 (15 working days would be Mon 03-23).
if run catalog load "$tmp/units.yaml" &&
    run case open --matter units-benefit --party 王某某 --at 2026-03-02T09:00:00+08:00 &&
    run case act 2 accept --actor 张三 --role handler --at 2026-03-02T10:00:00+08:00 \
        --fact application_items=待遇申请 --doc 受理通知书=examples/documents/卷宗.txt &&
    grep -q "clock.started handling, deadline 2026-03-12T23:59:59+08:00" "$tmp/out"
then ok; else fail "a matter's 法定期限 in days for a working-day clock"; fi
# Received Mon 2026-03-02: ten working days end Mon 03-16. Materials asked for Wed 03-04,
# completed Mon 03-09: 3 working days paused (03-05, 03-06, 03-09), so 13 working days:
# Thu 03-19 (counted as 5 calendar days it would be Fri 03-20).
export CASEFLOW_NOW=2026-03-10T12:00:00+08:00
if run case open --matter units-confirmation --party 赵某某 --at 2026-03-02T10:00:00+08:00 &&
    grep -q "clock.started review, deadline 2026-03-16T23:59:59+08:00" "$tmp/out" &&
    run case act 3 request_correction --actor 张三 --role handler --at 2026-03-04T10:00:00+08:00 \
        --fact missing_materials=户籍证明 --doc 一次性补正告知书=examples/documents/卷宗.txt &&
    run case act 3 resubmit --actor 张三 --role handler --at 2026-03-09T10:00:00+08:00 \
        --doc 补正材料=examples/documents/卷宗.txt &&
    grep -q "deadline 2026-03-19T23:59:59+08:00" "$tmp/out"
then ok; else fail "a pause counted in the matter's unit"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
