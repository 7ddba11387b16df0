#!/bin/sh
# cli-anchor: docs/audit.md's commands run as written (keygen, checkpoint, verify
# --checkpoint, prove, and the signature checked with openssl alone); a log that
# grew still passes; a case deleted behind caseflow's back passes the chains but
# not the checkpoint; a forged checkpoint is refused; a case row edited by hand is
# caught (exit 7 each).
# Usage: anchor.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
src=$(pwd)
. "$(dirname "$0")/lib.sh"
cf_setup
export CASEFLOW_DB="$tmp/anchor.db" CASEFLOW_NOW=2026-03-02T12:00:00+08:00

"$bin" init --workflows "$src/workflows" > /dev/null
for p in 甲医院 乙药店 丙诊所; do "$bin" case open --workflow supervision --party "$p" > /dev/null; done
mkdir "$tmp/bin"
ln -s "$bin" "$tmp/bin/caseflow"
cd "$tmp"

cf_block anchor-example "$src/docs/audit.md" > example.sh
if PATH="$tmp/bin:$PATH" sh -e example.sh > "$tmp/out" 2>&1 && grep -q "^PASS: the history" "$tmp/out" &&
    grep -q "included in the tree of" "$tmp/out" && [ "$(stat -c %a bureau.pem)" = 600 ]
then ok; else fail "docs/audit.md's example runs as written"; fi

cf_block anchor-openssl "$src/docs/audit.md" > openssl.sh
if sh -e openssl.sh > "$tmp/out" 2>&1 && grep -q "Signature Verified Successfully" "$tmp/out" &&
    grep -q "$(jq -r .key_id checkpoint.json)" "$tmp/out"
then ok; else fail "the signature verifies with openssl alone, and the key id is the key's"; fi

"$bin" case open --workflow supervision --party 丁医院 > /dev/null
if [ "$(code audit verify --checkpoint checkpoint.json --pubkey bureau.pub)" -eq 0 ] &&
    grep -q "^PASS" "$tmp/out"
then ok; else fail "a log that only grew passes"; fi

if [ "$(code audit prove 4 1 --checkpoint checkpoint.json)" -eq 7 ] && grep -q "NOT in the tree" "$tmp/out"
then ok; else fail "an event after the checkpoint is not in its tree (exit 7)"; fi

jq '.tree_size += 1' checkpoint.json > forged.json
if [ "$(code audit verify --checkpoint forged.json --pubkey bureau.pub)" -eq 7 ] &&
    grep -q "signature does not verify" "$tmp/out"
then ok; else fail "a forged checkpoint is refused (exit 7)"; fi

cp anchor.db kept.db
sqlite3 anchor.db "DROP TRIGGER events_no_delete; DELETE FROM events WHERE case_id = 2;
    DELETE FROM cases WHERE id = 2; DELETE FROM clocks WHERE case_id = 2; DELETE FROM alerts WHERE case_id = 2"
if [ "$(code audit verify)" -eq 0 ] &&
    [ "$(code audit verify --checkpoint checkpoint.json --pubkey bureau.pub)" -eq 7 ] &&
    grep -q "\[deleted\] case 2, with 1 events at the checkpoint, is gone" "$tmp/out"
then ok; else fail "a deleted case passes the chains but not the checkpoint"; fi

cp kept.db anchor.db
sqlite3 anchor.db "UPDATE cases SET state = 'closed' WHERE id = 3"
if [ "$(code audit verify)" -eq 7 ] && grep -q "(row.state)" "$tmp/out" &&
    [ "$(code audit replay --case 3)" -eq 7 ] && grep -q "(row.state)" "$tmp/out"
then ok; else fail "a case row edited by hand is caught by verify and replay"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
