#!/bin/sh
# Lists the functions of the product code (engine/, storage/, api/, importer/, render/,
# docmod/: not tests, bench or fuzz) longer than LIMIT lines (default 60, the ~60 of the
# style brief), longest first, as "LINES FILE:LINE NAME". A function's lines run from
# its opening brace to its closing one, both at column 0 as clang-format puts them. It
# only reports: the exit code is 0 whatever it finds.
# Usage: scripts/long-functions.sh [LIMIT]     (run anywhere in the repository)
set -u
cd "$(git rev-parse --show-toplevel)" || exit 2
limit=${1:-60}
git ls-files 'engine/*.c' 'storage/*.c' 'api/*.c' 'importer/*.c' 'render/*.c' 'docmod/*.c' |
    xargs awk -v limit="$limit" '
        FNR == 1 { start = 0 }
        /^[A-Za-z_].*\(/ && !/;[ \t]*$/ { sig = $0; sigline = FNR }
        /^\{/ { start = FNR; name = sig; nameline = sigline }
        /^\}/ && start {
            n = FNR - start + 1
            if (n > limit) {
                s = name
                sub(/\(.*/, "", s)
                k = split(s, w, /[ \t*]+/)
                printf "%d %s:%d %s\n", n, FILENAME, nameline, w[k]
            }
            start = 0
        }' | sort -rn
