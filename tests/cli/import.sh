#!/bin/sh
# cli-import: `caseflow import` on the five seed lists, on damaged input, with
# --json and --strict; the committed examples/catalogs/ are what the importer
# writes today; `catalog load`, `matter list` and `matter show` on the result.
# Usage: import.sh CASEFLOW_BINARY   (run from the source root; the seeds are in
# tests/fixtures/seeds)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
root=$(pwd)
seeds=$root/tests/fixtures/seeds
fix=$root/tests/fixtures/import
. "$(dirname "$0")/lib.sh"
cf_setup exits apart

# 1. all five seeds: a summary per file, a merged catalog of 86 matters
cd "$seeds"
s=000_b75d44ba1ac919f2.txt
if run 0 import 000_b75d44ba1ac919f2.txt 001_5077d0db05537362.txt 002_bfc965a2dc764a55.txt \
    003_75e85e84c1617e8e.txt 004_e6509d409e33aba2.txt --out "$tmp/all.yaml" &&
    has out "$s: 19 matters (table, UTF-8): 行政处罚 5, 行政强制 1, 行政检查 9" &&
    has out "001_5077d0db05537362.txt: 17 matters (table, UTF-8)" &&
    has out "002_bfc965a2dc764a55.txt: 17 matters (fields, UTF-8), the document says 17" &&
    has out "003_75e85e84c1617e8e.txt: 16 matters (cards, UTF-8)" &&
    has out "004_e6509d409e33aba2.txt: 17 matters (table, UTF-8), the document says 17" &&
    has out "unplaced: $s:35: 权力类型 \"行政检查\" conflicts" &&
    has out "unplaced: 004_e6509d409e33aba2.txt:17: unknown 权力类型 \"行政执行\"" &&
    has out "wrote 86 matters to $tmp/all.yaml" &&
    [ "$(grep -c '^- id: ' "$tmp/all.yaml")" -eq 86 ] && head -2 "$tmp/all.yaml" | grep -q '^catalog: 1'
then ok; else fail "import of the five seeds"; fi

# 2. --json summary
if run 0 --json import 002_bfc965a2dc764a55.txt --out "$tmp/x.yaml" &&
    has out '"format": "fields"' && has out '"declared": 17' && has out '"matters": 17' &&
    has out '"written": true' && has out '"行政检查": 7'
then ok; else fail "--json summary"; fi

# 3. the committed example catalogs are what the importer writes now
for pair in 000_b75d44ba1ac919f2:000-hoboksar:hoboksar 001_5077d0db05537362:001-yumen:yumen \
    002_bfc965a2dc764a55:002-xinji:xinji 003_75e85e84c1617e8e:003-tonghua:tonghua \
    004_e6509d409e33aba2:004-generic:generic; do
    seed=${pair%%:*}
    rest=${pair#*:}
    name=${rest%%:*}
    prefix=${rest#*:}
    if run 0 import "$seed.txt" --prefix "$prefix" --out "$tmp/$name.yaml" &&
        diff -u "$root/examples/catalogs/$name.yaml" "$tmp/$name.yaml" > "$tmp/diff"
    then ok; else cat "$tmp/diff" >&2; fail "examples/catalogs/$name.yaml is stale"; fi
done
cd "$root"

# 4. damaged input: nothing is written, exit 2, the file and reason named
for case in "truncated-row.txt:truncated file" "empty.txt:empty file" \
    "binary.png:binary file: NUL byte" "prose.txt:unrecognized layout" \
    "undecodable.txt:not UTF-8" "truncated-card.txt:truncated file"; do
    f=${case%%:*}
    why=${case#*:}
    if run 2 import "$seeds/003_75e85e84c1617e8e.txt" "$fix/$f" --out "$tmp/bad.yaml" &&
        has err "$fix/$f" && has err "$why" && has err "not writing" && [ ! -e "$tmp/bad.yaml" ]
    then ok; else fail "damaged input $f"; fi
done

# 5. GBK input is converted
if run 0 import "$fix/gbk.txt" --out "$tmp/gbk.yaml" && has out "1 matters (fields, GB18030)" &&
    grep -q '对用人单位不办理医疗保险和生育保险登记' "$tmp/gbk.yaml"
then ok; else fail "GBK input"; fi

# 6. --strict refuses unplaced items
if run 2 import "$seeds/000_b75d44ba1ac919f2.txt" --strict --out "$tmp/strict.yaml" &&
    has err "left unplaced" && [ ! -e "$tmp/strict.yaml" ]
then ok; else fail "--strict"; fi

# 7. usage, and ids kept unique when a list is imported twice
if run 1 import "$seeds/000_b75d44ba1ac919f2.txt" && has err "usage: caseflow import"
then ok; else fail "usage without --out"; fi
if run 0 import "$fix/synonyms.txt" "$fix/synonyms.txt" --out "$tmp/twice.yaml" &&
    has out "renamed:" && grep -q '^- id: "330217001000-2"$' "$tmp/twice.yaml"
then ok; else fail "ids unique across files"; fi

# 7b. --explain, a partial import (exit 8, the rest written), --headers
if run 8 import "$fix/partial.txt" --explain --out "$tmp/partial.yaml" &&
    has out "partial.txt:6: line outside the table's columns" &&
    has out "partial: 2 line(s) could not be read" &&
    has out 'explain: '"$fix"'/partial.txt:3:   column 3 "执法类别" -> power' &&
    has out "explain: $fix/partial.txt:8: matter partial-003" &&
    has err "partial import: 2 line(s)" && [ "$(grep -c '^- id: ' "$tmp/partial.yaml")" -eq 3 ]
then ok; else fail "--explain and a partial import"; fi
if run 2 import "$fix/own-words.txt" --out "$tmp/own.yaml" && [ ! -e "$tmp/own.yaml" ] &&
    run 2 import "$fix/own-words.txt" --headers "$fix/partial.txt" --out "$tmp/own.yaml" &&
    has err "partial.txt:1" && has err "expected 'KIND: word, word'" &&
    run 0 import "$fix/own-words.txt" --headers "$fix/headers-extra.txt" --out "$tmp/own.yaml" &&
    has out "2 matters (table, UTF-8): 行政处罚 1, 行政检查 1"
then ok; else fail "--headers adds a bureau's words"; fi

# 8. catalog load, matter list, matter show
export CASEFLOW_DB="$tmp/m.db"
if run 0 init && run 0 catalog load "$tmp/all.yaml" && has out "86 matters stored" &&
    run 0 matter list --power-type 行政强制 && [ "$(wc -l < "$tmp/out")" -eq 4 ] &&
    run 0 matter show 003-75e85e84c1617e8e-015 && has out "24 小时内" &&
    has out "workflows: coercion" && run 3 matter show nope
then ok; else fail "catalog load / matter list / matter show"; fi
printf 'catalog: 1\nmatters: [\n' > "$tmp/broken.yaml"
if run 2 catalog load "$tmp/broken.yaml" && has err "broken.yaml:3"
then ok; else fail "a malformed catalog is refused with its line"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
