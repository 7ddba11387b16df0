#!/bin/sh
# cli-overlay: the example province overlay is checked, shown and stored without
# editing the national workflow; the same on-the-spot fine is decided under the
# national rules and refused under the province's, with the province's article;
# and the replay of the province's case names the overlay it ran under.
# Usage: overlay.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/o.db" CASEFLOW_NOW=2025-07-01T12:00:00+08:00
export CASEFLOW_BACKDATE_DAYS=3650 # these histories are recorded after the fact, with --at
ov=examples/overlays/example-province-summary.yaml
officers='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'

# Opens a case on workflow $1 and brings it to the point of deciding on the spot: the
# intended 2,000-yuan fine told, the defence heard.
prepare() {
    run case open --workflow "$1" --party 某某药店 --party-type organisation \
        --at 2025-07-01T10:00:00+08:00 &&
    run case act "$2" inform --actor 张三 --role handler --at 2025-07-01T10:10:00+08:00 \
        --fact "$officers" --fact findings=未按规定保管处方 --fact facts_certain=true \
        --fact party_type=organisation --fact notified_penalty=罚款2000元 \
        --fact notified_fine=2000 &&
    run case act "$2" record_defence --actor 王五 --role handler \
        --at 2025-07-01T10:20:00+08:00 --fact defence_summary=当事人无异议
}
decide() {
    run case act "$1" decide_on_spot --actor 张三 --role handler --at "$2" \
        --fact penalty_kind=fine --fact "fine=$3" --doc 当场行政处罚决定书=examples/documents/卷宗.txt
}

if run workflow check "$ov" && grep -q "ok (penalty-summary-example version 1" "$tmp/out"
then ok; else fail "workflow check on the overlay"; fi

if run init && run workflow show penalty-summary --overlay "$ov" &&
    grep -q "laid over: penalty-summary" "$tmp/out" && grep -q "head_review" "$tmp/out"
then ok; else fail "workflow show --overlay"; fi

if run workflow load "$ov" && grep -q "penalty-summary-example stored as version 1" "$tmp/out" &&
    run workflow show penalty-summary && ! grep -q head_review "$tmp/out"
then ok; else fail "load stores the merged definition; the national one is unchanged"; fi

# 2,000 yuan for an organisation: within the national 3,000, above the province's 1,000.
if prepare penalty-summary 1 && decide 1 2025-07-01T10:30:00+08:00 2000 &&
    grep -q "informed -> serving" "$tmp/out"
then ok; else fail "national rules decide a 2,000 yuan fine on the spot"; fi

if prepare penalty-summary-example 2 && ! decide 2 2025-07-01T10:30:00+08:00 2000 &&
    grep -q "rule summary-limits, 示例省规程 第十条" "$tmp/out"
then ok; else fail "the province's rules refuse it, citing the province's article"; fi

if decide 2 2025-07-01T10:35:00+08:00 800 && grep -q "informed -> head_review" "$tmp/out" &&
    run case act 2 approve_on_spot --actor 李四 --role head --at 2025-07-01T11:00:00+08:00 &&
    grep -q "head_review -> serving" "$tmp/out"
then ok; else fail "800 yuan is decided, then reviewed by the head as the province adds"; fi

if run audit replay --case 2 && grep -q "penalty-summary-example v1" "$tmp/out" &&
    grep -q "laid over penalty-summary" "$tmp/out"
then ok; else fail "replay names the overlay the case ran under"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
