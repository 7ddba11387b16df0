#!/bin/sh
# Lists the C files that `clang-format` (the project's .clang-format) would change,
# and exits 1 if there is any; 0 when every file is formatted. It changes nothing:
# `make format` (or clang-format -i FILE) does. Files are those git tracks, so
# build output and generated files are never looked at.
# Usage: scripts/check-format.sh [FILE...]     (run anywhere in the repository)
set -u
cd "$(git rev-parse --show-toplevel)" || exit 2
command -v clang-format > /dev/null 2>&1 || { echo "check-format.sh: clang-format is not installed" >&2; exit 2; }
if [ $# -eq 0 ]; then
    set -- $(git ls-files '*.c' '*.h')
fi
bad=0
for f in "$@"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
        echo "$f"
        bad=$((bad + 1))
    fi
done
if [ "$bad" -ne 0 ]; then
    echo "check-format.sh: $bad file(s) not formatted (clang-format -i FILE, or make format)" >&2
    exit 1
fi
