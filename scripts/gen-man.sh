#!/bin/sh
# Writes the caseflow(1) man page from the binary itself: `caseflow --man` when the
# binary has it (a page generated from the command table), else a page built here
# from `caseflow --help`, so the commands listed cannot drift from what the binary
# dispatches. Usage: scripts/gen-man.sh PATH/TO/caseflow OUT.1
set -e
bin=$1
out=$2
if "$bin" --man >"$out.tmp" 2>/dev/null && head -c 200 "$out.tmp" | grep -q '^\.TH'; then
    mv "$out.tmp" "$out"
    exit 0
fi
help=$("$bin" --help)
{
    echo '.TH CASEFLOW 1 "" "caseflow" "User Commands"'
    echo '.SH NAME'
    echo 'caseflow \- case-workflow engine for medical-insurance administrative enforcement'
    echo '.SH SYNOPSIS'
    echo '.B caseflow'
    echo '[\-\-db FILE] [\-\-json] COMMAND ...'
    echo '.SH DESCRIPTION'
    echo 'Each power type'"'"'s procedure is a YAML state machine; every case is kept in SQLite'
    echo 'as a hash-chained, append-only event log; every statutory deadline is counted on'
    echo 'the working-day calendar. The daemon is'
    echo '.BR "caseflow serve" .'
    echo '.SH COMMANDS'
    printf '%s\n' "$help" | sed -n '/^Commands:/,/^$/p' | sed '1d;/^$/d' |
        while IFS= read -r line; do
            name=$(printf '%s' "$line" | sed 's/^  //' | cut -c1-18 | sed 's/ *$//')
            summary=$(printf '%s' "$line" | cut -c22-)
            echo '.TP'
            echo ".B $name" | sed 's/-/\\-/g'
            printf '%s\n' "$summary" | sed 's/^\./\\\&./'
        done
    echo '.SH OPTIONS'
    printf '%s\n' "$help" | sed -n '/^Every command/,$p' | sed 's/-/\\-/g;s/^\./\\\&./'
    echo '.SH FILES'
    echo '.TP'
    echo '.I /etc/caseflow/caseflow.conf'
    echo 'the settings of'
    echo '.B caseflow serve'
    echo '(the Debian package'"'"'s service).'
    echo '.TP'
    echo '.I /var/lib/caseflow/caseflow.db'
    echo 'the service'"'"'s database.'
    echo '.TP'
    echo '.I PREFIX/share/caseflow/workflows'
    echo 'the workflows, calendars and 案由 dictionaries installed with caseflow.'
    echo '.SH SEE ALSO'
    echo 'docs/operations.md, docs/api.md in the source tree.'
} >"$out"
rm -f "$out.tmp"
