#!/bin/sh
# bench/importer.sh CASEFLOW DIR SRC -- the importer's figures (issue 21): a list of
# 5,000 matters through `caseflow import`, and a catalog of 10,000 matters
# through `caseflow catalog load`, each timed end to end (process start to exit,
# the database on DIR). Prints RESULT lines for table.awk:
#   RESULT import_5k SECONDS matters=5000 bytes=N cpu_s=USER+SYS
#   RESULT catalog_10k SECONDS matters=10000 bytes=N cpu_s=USER+SYS
# SECONDS is wall time; cpu_s the process's own CPU time (GNU time), which a
# machine shared with other work does not inflate.
# The lists are made here from the rows of the seed 000 (tests/fixtures/seeds),
# each row numbered anew and its name made unique, so the importer does the work
# of a real list of that size (HTML in cells, long legal bases, numbered
# responsibilities). Nothing is asserted: the table judges the figures.
set -e
BIN=$1
DIR=$2
SRC=$3
SEED="$SRC/tests/fixtures/seeds/000_b75d44ba1ac919f2.txt"
mklist() { # N OUT: a tab-separated list of N matters
    awk -F'\t' -v n="$1" 'BEGIN { OFS = "\t" }
        /^序号\t/ && !hdr { hdr = $0 }
        $1 ~ /^[0-9]+$/ && NF >= 13 { row[++k] = $0 }
        END {
            print "某县医疗保障局权责清单"; print hdr
            for (i = 1; i <= n; i++) {
                split(row[(i - 1) % k + 1], c, "\t")
                c[1] = i; c[2] = c[2] "（第" i "项）"
                line = c[1]
                for (j = 2; j <= 13; j++) line = line "\t" c[j]
                print line
            }
        }' "$SEED" > "$2"
}
now() { date +%s.%N; }
# timed OUT CMD...: runs CMD, writes its user+sys seconds to OUT
timed() {
    out=$1
    shift
    /usr/bin/time -f '%U %S' -o "$out.t" "$@" > /dev/null
    awk '{ printf "%.2f", $1 + $2 }' "$out.t" > "$out"
    rm -f "$out.t"
}
mklist 5000 "$DIR/import-5k.txt"
t0=$(now)
timed "$DIR/cpu" "$BIN" import "$DIR/import-5k.txt" --out "$DIR/import-5k.yaml"
t1=$(now)
echo "RESULT import_5k $(echo "$t1 - $t0" | bc -l | sed 's/^\./0./') matters=5000" \
    "bytes=$(wc -c < "$DIR/import-5k.txt") cpu_s=$(cat "$DIR/cpu")"

mklist 10000 "$DIR/import-10k.txt"
"$BIN" import "$DIR/import-10k.txt" --out "$DIR/catalog-10k.yaml" > /dev/null
rm -f "$DIR/catalog.db" "$DIR/catalog.db-wal" "$DIR/catalog.db-shm"
CASEFLOW_DB="$DIR/catalog.db" "$BIN" init > /dev/null
t0=$(now)
CASEFLOW_DB="$DIR/catalog.db" timed "$DIR/cpu" "$BIN" catalog load "$DIR/catalog-10k.yaml"
t1=$(now)
echo "RESULT catalog_10k $(echo "$t1 - $t0" | bc -l | sed 's/^\./0./') matters=10000" \
    "bytes=$(wc -c < "$DIR/catalog-10k.yaml") cpu_s=$(cat "$DIR/cpu")"
rm -f "$DIR/cpu" "$DIR"/import-*.txt "$DIR"/import-5k.yaml "$DIR"/catalog-10k.yaml "$DIR"/catalog.db*
