#!/bin/sh
# cli-check-format: scripts/check-format.sh lists exactly the files clang-format
# would change (jansson's foreach loops formatted as loops, .clang-format's
# ForEachMacros) and exits 1 for them, 0 once they are formatted; it changes no file.
# Usage: check-format.sh   (run from the source root). Exits 77 without clang-format.
set -u
command -v clang-format > /dev/null 2>&1 || { echo "clang-format is not installed: skipped"; exit 77; }
command -v git > /dev/null 2>&1 || { echo "git is not installed: skipped"; exit 77; }
src=$(pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" && git init -q . && mkdir scripts && cp "$src/.clang-format" . &&
    cp "$src/scripts/check-format.sh" scripts/ || exit 1
# a jansson loop laid out as a loop (good), and as clang-format laid it out when it
# took the macro for a call (bad): the body on the same line, or the brace below
printf 'void g(json_t *a)\n{\n    size_t i;\n    json_t *v;\n    json_array_foreach(a, i, v) {\n        h(v);\n    }\n}\n' > good.c
printf 'void g(json_t *a)\n{\n    size_t i;\n    json_t *v;\n    json_array_foreach(a, i, v) h(v);\n}\n' > bad.c
git add . > /dev/null
passed=0 failed=0
cp bad.c bad.orig
if out=$(sh scripts/check-format.sh 2> /dev/null); [ $? -eq 1 ] && [ "$out" = "bad.c" ] && cmp -s bad.c bad.orig
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: lists bad.c alone, exit 1, changes nothing (got: $out)" >&2; fi
clang-format -i bad.c
if sh scripts/check-format.sh > "$tmp/out" 2>&1 && [ ! -s "$tmp/out" ]
then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: exit 0 once formatted" >&2; cat "$tmp/out" >&2; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
