#!/bin/sh
# cli-metrics: what the daemon serves at /metrics passes `promtool check metrics`
# (Prometheus's own linter: names, units in base units, types, help), after a
# case was opened and acted on over the API so the counters are not all zero.
# Usage: metrics.sh CASEFLOW_BINARY   (run from the source root)
# Exits 77 (skipped) when curl or promtool (Debian package prometheus) is missing; under
# CASEFLOW_CI=1 (.ci/run) that is a failure (exit 1): CI installed them, so it checks.
set -u
missing() { # missing TOOL: skipped, or under CASEFLOW_CI a failure
    [ -n "${CASEFLOW_CI:-}" ] && { echo "FAIL: $1 is not installed (CASEFLOW_CI)" >&2; exit 1; }
    echo "$1 is not installed: skipped"
    exit 77
}
command -v curl > /dev/null 2>&1 || missing curl
command -v promtool > /dev/null 2>&1 || missing promtool
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/m.db" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
"$bin" init > /dev/null || exit 1
token=$("$bin" token create --agency 某市医保局 --role head --name 王五) || exit 1
cf_serve
curl -sf -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"workflow":"supervision","party":{"name":"某某医院"}}' "$url/v1/cases" > /dev/null || exit 1
curl -s "$url/v1/nowhere" > /dev/null
# /metrics may ask for a token of its own role (metrics); take one when the daemon
# knows that role, and go without it when it does not
auth=""
if mtoken=$("$bin" token create --agency 监控 --role metrics --name prometheus 2> /dev/null); then
    auth="Authorization: Bearer $mtoken"
fi
curl -sf ${auth:+-H "$auth"} "$url/metrics" > "$tmp/metrics" || { echo "GET /metrics failed" >&2; exit 1; }
if promtool check metrics < "$tmp/metrics" > "$tmp/promtool" 2>&1
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: promtool check metrics:" >&2; cat "$tmp/promtool" >&2; fi
if grep -q '^caseflow_commit_seconds_total [0-9]*\.[0-9]*$' "$tmp/metrics" &&
    grep -q '^caseflow_commits_total [1-9]' "$tmp/metrics" &&
    grep -q '^caseflow_http_responses_total{code="404"} 1$' "$tmp/metrics"
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: the counters" >&2; cat "$tmp/metrics" >&2; fi
# issue 23: latency by route pattern (never the raw path), process_*, the service's gauges
if grep -q '^caseflow_http_request_duration_seconds_count{route="/v1/cases",method="POST"} 1$' "$tmp/metrics" &&
    grep -q '^caseflow_http_request_duration_seconds_count{route="other",method="GET"} 1$' "$tmp/metrics" &&
    ! grep -q 'nowhere' "$tmp/metrics" &&
    grep -q '^process_resident_memory_bytes [1-9]' "$tmp/metrics" &&
    grep -q '^process_cpu_seconds_total [0-9]' "$tmp/metrics" &&
    grep -q '^process_open_fds [1-9]' "$tmp/metrics" &&
    grep -q '^process_max_fds [1-9]' "$tmp/metrics" &&
    grep -q '^process_start_time_seconds [1-9]' "$tmp/metrics" &&
    grep -q '^process_virtual_memory_bytes [1-9]' "$tmp/metrics" &&
    grep -q '^caseflow_cases_open 1$' "$tmp/metrics" &&
    grep -q '^caseflow_clocks_overdue 0$' "$tmp/metrics" &&
    grep -q '^caseflow_webhook_queue 0$' "$tmp/metrics"
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: histograms, process_*, gauges" >&2; cat "$tmp/metrics" >&2; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
