#!/bin/sh
# fuzz/seeds.sh OUT -- makes the fuzz targets' seed corpora and dictionaries from
# the project's own files, at run time (nothing of it is committed):
#   OUT/workflow/  workflows/*.yaml, tests/fixtures/workflows/**/*.yaml,
#                  examples/overlays/*.yaml
#   OUT/import/    tests/fixtures/seeds/*.txt, tests/fixtures/import/*,
#                  and the first 60 lines of each seed (small inputs mutate faster)
#   OUT/catalog/   examples/catalogs/*.yaml, and each cut after its third matter
#   OUT/request/   the request bodies of docs/api.md and of the walk fixtures'
#                  shapes, each behind the 4 header bytes fuzz-request.c reads
#   OUT/period/    every period of the shipped workflows with instants and dates
#                  taken from the calendars (fuzz-period.c's four lines)
#   OUT/*.dict     libFuzzer dictionaries: YAML keys, action and fact ids, units
# Run from anywhere; the source tree is this script's parent directory.
set -e
SRC=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:?usage: fuzz/seeds.sh OUTDIR}
rm -rf "$OUT"
mkdir -p "$OUT/workflow" "$OUT/import" "$OUT/catalog" "$OUT/request" "$OUT/period"

# ---- workflow -------------------------------------------------------------------------
n=0
for f in "$SRC"/workflows/*.yaml "$SRC"/tests/fixtures/workflows/*/*.yaml \
         "$SRC"/tests/fixtures/workflows/*/*/input.yaml "$SRC"/examples/overlays/*.yaml; do
    [ -f "$f" ] || continue
    n=$((n + 1))
    cp "$f" "$OUT/workflow/$n-$(basename "$f")"
done

# ---- import ---------------------------------------------------------------------------
for f in "$SRC"/tests/fixtures/seeds/*.txt "$SRC"/tests/fixtures/import/*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    cp "$f" "$OUT/import/$b"
    [ "$(wc -l < "$f")" -gt 60 ] && head -n 60 "$f" > "$OUT/import/head60-$b"
done

# ---- catalog --------------------------------------------------------------------------
for f in "$SRC"/examples/catalogs/*.yaml; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    cp "$f" "$OUT/catalog/$b"
    awk '/^- id:/ { if (++m > 3) exit } { print }' "$f" > "$OUT/catalog/three-$b"
done

# ---- request --------------------------------------------------------------------------
# header bytes: job (0 open, 1 act, 2 extend, 3 fire), role (0 handler, 1 reviewer,
# 2 head), case index, If-Match (0xff: none)
req() { # NAME JOB ROLE CASE IFMATCH BODY
    printf "\\$(printf %03o "$2")\\$(printf %03o "$3")\\$(printf %03o "$4")\\$(printf %03o "$5")" \
        > "$OUT/request/$1"
    printf '%s' "$6" >> "$OUT/request/$1"
}
# the bodies of docs/api.md, as written there (each curl -d '...'), by the kind of request
awk -v out="$OUT/request/api-md-" '
    /-d \x27/ { body = ""; on = 1; sub(/.*-d \x27/, "") }
    on { line = $0; end = index(line, "\x27"); if (end) { body = body substr(line, 1, end - 1); on = 0;
         n++; print body > (out n ".json"); close(out n ".json") } else body = body line "\n" }
' "$SRC/docs/api.md"
for f in "$OUT"/request/api-md-*.json; do
    [ -f "$f" ] || continue
    body=$(cat "$f")
    rm "$f"
    b=$(basename "$f" .json)
    case "$body" in
    *'"workflow"'* | *'"matter"'*) req "$b-open" 0 0 0 255 "$body" ;;
    *'"action"'*) req "$b-act" 1 2 0 2 "$body"; req "$b-act-filed" 1 0 1 4 "$body" ;;
    *'"clock"'*) req "$b-extend" 2 2 1 255 "$body" ;;
    *'"now"'*) req "$b-fire" 3 0 0 30 "$body" ;;
    esac
done
sha=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
req open-matter 0 0 0 255 '{"matter":"generic-007","party":{"name":"李某某"}}'
req open-child 0 0 0 255 '{"workflow":"coercion","party":{"name":"某药房"},"parent":1,"facts":{"lead_source":"3000"}}'
req act-submit 1 0 1 4 "{\"action\":\"submit_review\",\"facts\":{\"findings\":\"x\"},\"documents\":{\"调查终结报告\":{\"sha256\":\"$sha\",\"size\":4,\"file\":\"a.pdf\"}}}"
req act-notify 1 0 2 6 "{\"action\":\"notify\",\"facts\":{\"notified_penalty\":\"罚款2万元\",\"notified_fine\":\"20000\"},\"documents\":{\"案件审查报告\":{\"sha256\":\"$sha\",\"size\":4,\"file\":\"a\"},\"行政处罚告知书\":{\"sha256\":\"$sha\",\"size\":4,\"file\":\"b\"}}}"
req act-stale 1 2 0 1 '{"action":"file"}'
req extend-filing 2 2 0 255 '{"clock":"filing","by":"15 working_days","reason":"案情复杂"}'
req fire-later 3 0 0 20 '{}'

# ---- period ---------------------------------------------------------------------------
dates=$(grep -ho '20[0-9][0-9]-[01][0-9]-[0-3][0-9]' "$SRC"/workflows/calendars/*.yaml | sort -u |
        awk 'NR % 7 == 1')
periods=$(grep -ho 'amount: [0-9]*, unit: [a-z_]*' "$SRC"/workflows/*.yaml | sort -u |
          sed 's/amount: \([0-9]*\), unit: \([a-z_]*\)/\1 \2/' | tr ' ' '_')
i=0
for p in $periods; do
    for d in $dates; do
        i=$((i + 1))
        [ $((i % 3)) -eq 0 ] || continue
        printf '%s\n%sT09:30:00+08:00\n%sT23:59:59+08:00\n%s\n' "$(echo "$p" | sed 's/_/ /')" \
            "$d" "$d" "$d" > "$OUT/period/p$i"
    done
done
printf '1 hour\n2026-03-02T09:00:00Z\n2026-03-02T09:00:00-05:30\n2024-02-29\n' > "$OUT/period/singular"
printf '3 months\n2026-01-31\n2026-12-31T23:59:59+08:00\n2026-02-28\n' > "$OUT/period/month-end"

# ---- dictionaries ---------------------------------------------------------------------
{
    grep -ho '^ *-\? *[a-z_]*:' "$SRC"/workflows/*.yaml | sed 's/^ *-\? *//' | sort -u |
        sed 's/.*/"&"/'
    for w in hours days working_days months true false null '*' '@back' '@stay' \
        'done(' 'has(' 'distinct(' 'contains(' 'lowest(' ' and ' ' or ' 'not ' '==' '>=' '<='; do
        printf '"%s"\n' "$w"
    done
} | sed 's/\\/\\\\/g' | sort -u > "$OUT/workflow.dict"
{
    grep -ho 'action: [a-z_]*\|- id: [a-z_]*' "$SRC"/workflows/*.yaml | sed 's/.*: //' | sort -u |
        sed 's/.*/"\\"&\\""/'
    for k in workflow matter party name type parent facts documents action sha256 size file \
        clock by reason; do
        printf '"\\"%s\\":"\n' "$k"
    done
    printf '"%s"\n' "$sha" 'working_days' 'days' 'months' 'hours' 'true' 'false' 'null'
} | sort -u > "$OUT/request.dict"
{
    printf '"%s"\n' 'working_days' 'working_day' 'days' 'day' 'months' 'month' 'hours' 'hour' \
        'T' 'Z' '+08:00' '-' ':' '\x0a' '2024-' '2025-' '2026-' '2027-' '-02-29' '-12-31'
} > "$OUT/period.dict"
