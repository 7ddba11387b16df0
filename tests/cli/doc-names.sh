#!/bin/sh
# cli-doc-names: README.md and docs/ name only routes, commands and options that exist,
# and every route and command that exists is documented (tests/cli/doc-names.pl says
# what is compared: api/http/http-route.c against docs/openapi.yaml and docs/api.md,
# `caseflow --help` and each command's --help against every `caseflow ...` the
# documents run). Fails when a documented command, option or route disappears.
# Usage: doc-names.sh CASEFLOW_BINARY   (run from the source root)
set -u
exec perl "$(dirname "$0")/doc-names.pl" "$1"
