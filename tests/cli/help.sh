#!/bin/sh
# cli-help: what is written from the command table besides the parser: the man
# page (caseflow --man) and the bash completion (caseflow --completion bash)
# each name every command `caseflow --help` lists; the man page is clean roff
# (groff, when installed); the completion completes commands, subcommands,
# options and option values in a real bash; the build wrote both beside the
# binary; --version answers.
# Usage: help.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup

"$bin" --help > "$tmp/help" || fail "caseflow --help exits 0"
# the command names: the first column of the Commands: block
sed -n '/^Commands:/,/^$/p' "$tmp/help" | sed -n 's/^  \([a-z][a-z ]*[a-z]\)   *.*/\1/p' > "$tmp/commands"
n=$(wc -l < "$tmp/commands")
if [ "$n" -ge 20 ]; then ok; else fail "--help lists the commands ($n found)"; fi

if "$bin" --man > "$tmp/caseflow.1" && head -1 "$tmp/caseflow.1" | grep -q '^\.TH CASEFLOW 1'
then ok; else fail "caseflow --man writes a man page"; fi
missing=""
while read -r c; do
    grep -qx ".SS \"$(echo "$c" | sed 's/-/\\\\-/g')\"" "$tmp/caseflow.1" || missing="$missing '$c'"
done < "$tmp/commands"
if [ -z "$missing" ]; then ok; else fail "the man page has a section for every command; missing:$missing"; fi
if grep -q 'due\\-within' "$tmp/caseflow.1" && grep -q '^\.SH EXIT STATUS' "$tmp/caseflow.1"
then ok; else fail "the man page lists options and exit codes"; fi
if command -v groff > /dev/null; then
    if groff -man -Tutf8 -k -ww -z "$tmp/caseflow.1" > "$tmp/groff" 2>&1 && [ ! -s "$tmp/groff" ]
    then ok; else fail "groff reads the man page without a warning"; cat "$tmp/groff" >&2; fi
fi

if "$bin" --completion bash > "$tmp/caseflow.bash" && bash -n "$tmp/caseflow.bash"
then ok; else fail "caseflow --completion bash writes a bash script"; fi
missing=""
while read -r c; do
    first=${c%% *} rest=${c#* }
    grep -q "\"$c\") opts=" "$tmp/caseflow.bash" || missing="$missing '$c'"
    if [ "$rest" != "$c" ]; then
        grep -q "^ *$first) subs=\".*\\b$rest\\b" "$tmp/caseflow.bash" || missing="$missing '$c'(sub)"
    fi
done < "$tmp/commands"
if [ -z "$missing" ]; then ok; else fail "the completion knows every command; missing:$missing"; fi

# complete WORDS...: runs the completion on the line "caseflow WORDS" (the last
# word is the one being completed) and prints the candidates, one a line
complete_line() {
    bash -c '. "$1"; shift; COMP_WORDS=(caseflow "$@"); COMP_CWORD=$#; _caseflow
             printf "%s\n" "${COMPREPLY[@]}"' complete "$tmp/caseflow.bash" "$@"
}
if complete_line "" | grep -qx workflow && complete_line "" | grep -qx period &&
    complete_line --d | grep -qx -- --db && [ "$(complete_line cas)" = case ]
then ok; else fail "completes the first word"; fi
if [ "$(complete_line case li)" = list ] && complete_line workflow "" | grep -qx check
then ok; else fail "completes subcommands"; fi
if [ "$(complete_line case list --due)" = --due-within ] &&
    [ "$(complete_line --db x.db case act 1 close --ro)" = --role ] &&
    ! complete_line case list --st | grep -q -- --role
then ok; else fail "completes a command's own options"; fi
if [ "$(complete_line case open --hash s)" = "$(printf 'sha256\nsm3')" ] &&
    [ "$(complete_line audit verify --format h)" = html ]
then ok; else fail "completes option values given as choices"; fi

dir=$(dirname "$bin")
if cmp -s "$dir/caseflow.1" "$tmp/caseflow.1" && cmp -s "$dir/caseflow.bash" "$tmp/caseflow.bash"
then ok; else fail "the build writes caseflow.1 and caseflow.bash beside the binary"; fi

if "$bin" --version | grep -Eqx 'caseflow [0-9]+\.[0-9]+\.[0-9]+'
then ok; else fail "caseflow --version"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
