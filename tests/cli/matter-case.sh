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

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
