#!/bin/sh
# cli-openapi: docs/openapi.yaml passes two independent OpenAPI validators,
# Redocly's linter (`redocly lint`, its recommended rules, docs/redocly.yaml)
# and swagger-cli's validator (`swagger-cli validate`), both pinned in
# tools/package.json and installed by scripts/install-deps.sh (npm ci).
# Usage: openapi.sh   (run from the source root)
# Exits 77 (skipped) when the tools are not installed (no tools/node_modules); under
# CASEFLOW_CI=1 (.ci/run) that is a failure (exit 1): CI installed them, so it checks.
set -u
bin=tools/node_modules/.bin
if [ ! -x "$bin/redocly" ] || [ ! -x "$bin/swagger-cli" ] || ! command -v node > /dev/null; then
    [ -n "${CASEFLOW_CI:-}" ] && { echo "FAIL: the OpenAPI tools are not installed (CASEFLOW_CI)" >&2; exit 1; }
    echo "the OpenAPI tools are not installed (scripts/install-deps.sh): skipped"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
# redocly's exit code is 1 on any error; its warnings are made errors too, so
# that a new warning fails here rather than piling up
if "$bin/redocly" lint --config docs/redocly.yaml --max-problems 50 docs/openapi.yaml > "$tmp/redocly" 2>&1 &&
    grep -q "Woohoo! Your API description is valid" "$tmp/redocly"
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: redocly lint" >&2; cat "$tmp/redocly" >&2; fi
if "$bin/swagger-cli" validate docs/openapi.yaml > "$tmp/swagger" 2>&1
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: swagger-cli validate" >&2; cat "$tmp/swagger" >&2; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
