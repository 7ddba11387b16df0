#!/bin/sh
# cli-control: control characters on the command line (docs/security.md, attack-13.4).
# In: an ESC, BEL, DEL or C1 in any word is refused, naming the option, exit 1, nothing
# stored (the HTTP API's rule, engine/text.h). Out: a text a database holds from before
# the rule (written here with sqlite3) is printed with each control character visible
# (\x1b, \x07, \u0085), never as the raw byte that would drive the terminal.
# Usage: control.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
cf_setup exits apart
export CASEFLOW_DB="$tmp/c.db" CASEFLOW_ACTOR=张三
esc=$(printf '\033') bel=$(printf '\007') del=$(printf '\177')
run 0 init --workflows workflows || fail "init"

# 1. the lead's open: refused, --party named, no case stored
if run 1 case open --workflow penalty-general --party "A${esc}]0;pwned${bel}B" \
    --party-type 定点医药机构 --fact lead_source=投诉举报 &&
    has err "case open: --party holds the control character U+001B, which is not taken" &&
    [ "$(sqlite3 "$CASEFLOW_DB" 'select count(*) from cases')" = 0 ]
then ok; else fail "open with ESC in --party"; fi

# 2. --fact NAME=VALUE, --fact=VALUE, DEL and C1 (U+009B, the 8-bit CSI) alike
if run 1 case open --workflow penalty-general --party AB --party-type 定点医药机构 \
    --fact "lead_source=投诉${del}" && has err "--fact holds the control character U+007F" &&
    run 1 case open --workflow penalty-general --party AB --party-type 定点医药机构 \
        "--fact=lead_source=$(printf '\302\233')2J" &&
    has err "--fact holds the control character U+009B" &&
    run 1 --json case open --workflow penalty-general --party "A${esc}" &&
    has out '"error": "EINVAL"' && has out '--party holds the control character U+001B'
then ok; else fail "--fact with DEL, --fact= with C1, --json"; fi

# 3. tab and line breaks are taken, as by the API
if run 0 case open --workflow penalty-general --party "$(printf 'AB\t公司')" \
    --party-type 定点医药机构 --fact "lead_source=投诉举报" --json
then ok; else fail "a tab in --party"; fi

# 4. a database from before the rule: case show prints ESC, BEL and C1 visibly
sqlite3 "$CASEFLOW_DB" "update cases set party = 'A' || char(27) || ']0;pwned' || char(7) ||
    'B', snapshot = replace(snapshot, 'AB\\t公司', 'A\\u001b]0;pwned\\u0007B\\u0085')" ||
    fail "sqlite3"
if run 0 case show 1 && ! grep -q "$esc" "$tmp/out" && ! grep -q "$bel" "$tmp/out" &&
    has out 'A\x1b]0;pwned\x07B\u0085' && run 0 case list && ! grep -q "$esc" "$tmp/out"
then ok; else fail "case show of a stored ESC"; fi

# 5. --json: jansson's escapes, valid JSON
if run 0 --json case show 1 && ! grep -q "$esc" "$tmp/out" &&
    has out 'A\u001B]0;pwned\u0007B'
then ok; else fail "--json case show of a stored ESC"; fi

echo "cli-control: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
