#!/bin/sh
# cli-peer-http: a peer system integrating over HTTP from the documents alone
# (tests/cli/peer-http.py): the daemon started as docs/api.md starts it, a penalty case from
# the lead to the archive, the eight other workflows, lists, alerts on the stream, the log
# and a webhook, every chain recomputed, the errors a peer meets, and every answer checked
# against the schema docs/openapi.yaml declares for it (tests/cli/openapi_check.py).
# Usage: peer-http.sh BUILD/api/caseflow   (from the source root). Exits 77 without python3.
command -v python3 > /dev/null || { echo "no python3: skipped"; exit 77; }
exec python3 "$(dirname "$0")/peer-http.py" "$1"
