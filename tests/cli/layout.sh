#!/bin/sh
# cli-layout: the README's "Layout" says what the tree is (issue 17 item 2): every
# folder of the repository and of api/ has its row and every row names a folder
# that is there; every document in docs/ is named in the docs row; each library's
# CMakeLists.txt opens with a comment naming its folder, and none keeps a leftover
# marker line ("# CORE-SOURCES"); and the dependencies point
# one way, as the README says (api/cli, api/http -> api/ops -> storage -> engine):
# no file includes a header of a layer above its own, and the command line reaches
# the daemon through api/http/serve.h only. And CI runs the contract's checks
# (OpenAPI validators, promtool) rather than skipping them.
# Usage: layout.sh   (run from the source root)
set -u
. "$(dirname "$0")/lib.sh"
cf_setup
sed -n '/^## Layout/,/^## /p' README.md > "$tmp/layout"

# The folders: those git tracks (a build directory in the tree is not one of them);
# from an unpacked tarball without git, what is there but build output.
if git ls-files > "$tmp/files" 2> /dev/null && [ -s "$tmp/files" ]; then
    cut -d/ -f1 "$tmp/files" | sort -u > "$tmp/top.all"
    while read -r f; do [ -d "$f" ] && echo "$f"; done < "$tmp/top.all" | grep -v '^\.' > "$tmp/top"
else
    ls -d */ | tr -d / | grep -v '^build' > "$tmp/top"
fi
missing=""
while read -r d; do
    case $d in api) continue ;; esac # api/ is its three rows
    grep -q "^| \`$d/\` |" "$tmp/layout" || missing="$missing $d/"
done < "$tmp/top"
for d in api/*/; do
    grep -q "^| \`${d%/}/\` |" "$tmp/layout" || missing="$missing ${d%/}/"
done
if [ -z "$missing" ]; then ok; else fail "folders without a row in the README's layout:$missing"; fi

stale=""
for d in $(grep -o '^| `[^`]*/` |' "$tmp/layout" | sed 's/^| `//; s/` |$//'); do
    [ -d "$d" ] || stale="$stale $d"
done
if [ -z "$stale" ]; then ok; else fail "rows of the README's layout with no such folder:$stale"; fi

unnamed=""
for f in docs/*.md docs/*.yaml; do
    n=$(basename "$f")
    grep '^| `docs/` |' "$tmp/layout" | grep -q "\`$n\`" || unnamed="$unnamed $n"
done
if [ -z "$unnamed" ]; then ok; else fail "documents the README's docs row does not name:$unnamed"; fi

# the opening comment of each folder's CMakeLists.txt: "# folder: what it is"
bare=""
for f in */CMakeLists.txt; do
    d=${f%/CMakeLists.txt}
    head -1 "$f" | grep -q "^# $d: " || bare="$bare $f"
done
if [ -z "$bare" ]; then ok; else fail "a CMakeLists.txt that does not open saying what its folder is:$bare"; fi

# no leftover markers in the build files (a "# CORE-SOURCES" line once told a script
# where to add a file)
if ! grep -n '^ *# [A-Z][A-Z]*-[A-Z][A-Z]*$' CMakeLists.txt */CMakeLists.txt > "$tmp/out"
then ok; else fail "leftover markers in CMakeLists.txt"; fi

# Dependencies one way: the headers of each layer, and who may not include them.
headers() { for h in "$@"; do [ -f "$h" ] && basename "$h"; done; }
# includes FILES... -- the quoted includes of the files, "file:header" per line
includes() { grep -o '^#include "[^"]*"' "$@" /dev/null | sed 's/#include "\(.*\)"/\1/; s|.*/||'; }
above() { # above NAME LAYER_FILES -- ABOVE_HEADERS...: an include of a header above
    name=$1
    shift
    files=""
    while [ "$1" != "--" ]; do files="$files $1"; shift; done
    shift
    bad=$(includes $files | while IFS=: read -r file h; do
        for a in "$@"; do [ "$h" = "$a" ] && echo "${file##*/} includes $h"; done
    done)
    if [ -z "$bad" ]; then ok; else echo "$bad" > "$tmp/out"; fail "$name includes a layer above it"; fi
}
storage_h=$(headers storage/*.h)
ops_h=$(headers api/ops/*.h)
http_h=$(headers api/http/*.h)
cli_h=$(headers api/cli/*.h)
# shellcheck disable=SC2086 # the header lists are words
above engine engine/*.c engine/*.h -- $storage_h $ops_h $http_h $cli_h
# shellcheck disable=SC2086
above storage storage/*.c storage/*.h -- $ops_h $http_h $cli_h
# shellcheck disable=SC2086
above api/ops api/ops/*.c api/ops/*.h -- $http_h $cli_h
# shellcheck disable=SC2086
above api/http api/http/*.c api/http/*.h -- $cli_h
http_inside=$(echo "$http_h" | grep -v '^serve\.h$')
# shellcheck disable=SC2086
above "api/cli (but api/http/serve.h)" api/cli/*.c api/cli/*.h -- $http_inside

# CI runs the contract's checks (issue 17 item 4): .ci/run sets CASEFLOW_CI=1 and runs
# make test, under which openapi.sh and metrics.sh fail when their tools are missing
# (elsewhere they skip, 77): here from a folder without tools/node_modules, and with a
# PATH that has curl but no promtool; "without" runs them with CASEFLOW_CI unset, since
# .ci/run exports it to this script too.
src=$(pwd)
grep -q '^export CASEFLOW_CI=1$' .ci/run && grep -q '^make test$' .ci/run || fail ".ci/run: CASEFLOW_CI=1 make test"
mkdir "$tmp/empty" "$tmp/bin"
ln -s "$(command -v curl || echo /usr/bin/curl)" "$tmp/bin/curl"
(cd "$tmp/empty" && env -u CASEFLOW_CI sh "$src/tests/cli/openapi.sh" > /dev/null 2>&1)
a=$?
(cd "$tmp/empty" && CASEFLOW_CI=1 sh "$src/tests/cli/openapi.sh" > /dev/null 2>&1)
b=$?
sh_bin=$(command -v sh)
env -u CASEFLOW_CI PATH="$tmp/bin" "$sh_bin" tests/cli/metrics.sh x > /dev/null 2>&1
c=$?
CASEFLOW_CI=1 PATH="$tmp/bin" "$sh_bin" tests/cli/metrics.sh x > /dev/null 2>&1
d=$?
if [ "$a $b $c $d" = "77 1 77 1" ]; then ok; else
    echo "openapi.sh: $a, under CASEFLOW_CI $b; metrics.sh: $c, under CASEFLOW_CI $d" > "$tmp/out"
    fail "the contract's checks skip (77) without their tools, and fail (1) under CASEFLOW_CI"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
