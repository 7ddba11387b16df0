#!/bin/sh
# cli-sign: SM2 with SM3 beside Ed25519 (docs/operations.md "Signed exports",
# docs/audit.md), and bundles that carry the documents' bytes.
#   sign-1: audit keygen --algorithm sm2 makes an SM2 key (openssl reads it as SM2);
#           another algorithm is refused
#   sign-2: case export --sign SM2 --with-documents: bundle verify with the SM2 key
#           (sm2-sm3), refused with an Ed25519 key and when altered (exit 7); the
#           signature checks with openssl alone (SM3, the default identifier)
#   sign-3: the documents' bytes: carried and matching; a byte changed in one is
#           named (exit 7); CASEFLOW_EXPORT_DOCUMENTS=bytes is the same as the flag;
#           without either, only the hashes
#   sign-4: a signed checkpoint with the SM2 key: audit verify --checkpoint passes
#           with it, and refuses an Ed25519 key and an altered checkpoint
# Usage: sign.sh CASEFLOW_BINARY   (run from the source root)
# Exits 77 (skipped) without jq or openssl.
set -u
command -v jq > /dev/null 2>&1 || { echo "jq is not installed: skipped"; exit 77; }
command -v openssl > /dev/null 2>&1 || { echo "openssl is not installed: skipped"; exit 77; }
bin=$1
. "$(dirname "$0")/lib.sh"
cf_setup exits
export CASEFLOW_DB="$tmp/s.db" CASEFLOW_NOW=2026-03-02T12:00:00+08:00
unset CASEFLOW_EXPORT_KEY CASEFLOW_EXPORT_DOCUMENTS

D=examples/documents
OFFICERS='officers=[{"name":"张三","cert":"65010020001"},{"name":"王五","cert":"65010020002"}]'
run 0 init --workflows workflows || fail "init"
run 0 case open --workflow penalty-general --party 某某大药房 --party-type 定点医药机构 \
    --fact lead_source=群众举报 --actor 张三 || fail "open"
run 0 case act 1 file --role head --actor 李四 --fact filing_reason=x --fact cause=js-2024:14 \
    --fact "$OFFICERS" --doc "立案审批表=$D/立案审批表.txt" || fail "file with a document"

# sign-1
if run 0 audit keygen --algorithm sm2 --out "$tmp/sm2.pem" && cp "$tmp/out" "$tmp/sm2.out" &&
    sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' "$tmp/sm2.out" > "$tmp/sm2.pub" &&
    has "SM2 private key written" &&
    openssl pkey -pubin -in "$tmp/sm2.pub" -noout -text > "$tmp/out" 2>&1 && has "SM2" &&
    run 0 audit keygen --out "$tmp/ed.pem" &&
    sed -n '/BEGIN PUBLIC KEY/,/END PUBLIC KEY/p' "$tmp/out" > "$tmp/ed.pub" &&
    run 1 audit keygen --algorithm rsa --out "$tmp/rsa.pem" && [ ! -e "$tmp/rsa.pem" ]
then ok; else fail "audit keygen --algorithm sm2; another algorithm refused"; fi

# sign-2
if run 0 case export 1 --sign "$tmp/sm2.pem" --with-documents && cp "$tmp/out" "$tmp/b.json" &&
    [ "$(jq -r .signature.algorithm "$tmp/b.json")" = sm2-sm3 ] &&
    [ "$(jq -r .signature.sm2_id "$tmp/b.json")" = 1234567812345678 ] &&
    run 0 bundle verify "$tmp/b.json" --pubkey "$tmp/sm2.pub" && has "signature OK: case 1" && has "signed with sm2-sm3 key" &&
    run 7 bundle verify "$tmp/b.json" --pubkey "$tmp/ed.pub" && has "the key is ed25519" &&
    sed 's/某某大药房/某某小药房/' "$tmp/b.json" > "$tmp/t.json" &&
    run 7 bundle verify "$tmp/t.json" --pubkey "$tmp/sm2.pub" && has "does not verify"
then ok; else fail "an SM2-signed bundle: verified, wrong key and altered refused"; fi
# the same signature, checked by openssl alone over the canonical text
jq -cS 'del(.signature)' "$tmp/b.json" | tr -d '\n' > "$tmp/canon.txt"
jq -r .signature.value "$tmp/b.json" | base64 -d > "$tmp/sig.bin"
if openssl pkeyutl -verify -pubin -inkey "$tmp/sm2.pub" -rawin -digest sm3 \
        -pkeyopt distid:1234567812345678 -in "$tmp/canon.txt" -sigfile "$tmp/sig.bin" > "$tmp/out" 2>&1 &&
    has "Signature Verified Successfully"
then ok; else fail "openssl verifies the SM2 signature (SM3, identifier 1234567812345678)"; fi

# sign-3
sha=$(sha256sum "$D/立案审批表.txt" | cut -d' ' -f1)
if [ "$(jq -r .documents "$tmp/b.json")" = bytes ] &&
    [ "$(jq -r ".document_bytes[\"$sha\"]" "$tmp/b.json" | base64 -d | sha256sum | cut -d' ' -f1)" = "$sha" ] &&
    run 0 bundle verify "$tmp/b.json" && has "1 document(s) carried, their bytes match"
then ok; else fail "the document's bytes are carried and match the chain's hash"; fi
other=$(printf 'not the 立案审批表' | base64 -w0)
jq ".document_bytes[\"$sha\"] = \"$other\"" "$tmp/b.json" > "$tmp/d.json"
if run 7 bundle verify "$tmp/d.json" --pubkey "$tmp/sm2.pub" &&
    has "document 立案审批表: its bytes hash to" && has "the bytes were altered" &&
    jq "del(.document_bytes[\"$sha\"])" "$tmp/b.json" > "$tmp/m.json" &&
    run 7 bundle verify "$tmp/m.json" && has "its bytes are missing"
then ok; else fail "altered or missing bytes are named (exit 7)"; fi
if CASEFLOW_EXPORT_DOCUMENTS=bytes run 0 case export 1 --sign "$tmp/ed.pem" &&
    cp "$tmp/out" "$tmp/e.json" && [ "$(jq -r .documents "$tmp/e.json")" = bytes ] &&
    run 0 bundle verify "$tmp/e.json" --pubkey "$tmp/ed.pub" && has "signed with ed25519 key" &&
    has "1 document(s) carried" &&
    run 0 case export 1 --sign "$tmp/ed.pem" && cp "$tmp/out" "$tmp/h.json" &&
    [ "$(jq -r .documents "$tmp/h.json")" = hashes ] &&
    [ "$(jq -r '.document_bytes // "none"' "$tmp/h.json")" = none ] &&
    CASEFLOW_EXPORT_DOCUMENTS=all run 1 case export 1
then ok; else fail "CASEFLOW_EXPORT_DOCUMENTS=bytes; hashes only by default; a bad value refused"; fi

# sign-4
if run 0 audit checkpoint --key "$tmp/sm2.pem" --out "$tmp/cp.json" &&
    [ "$(jq -r .algorithm "$tmp/cp.json")" = sm2-sm3 ] &&
    run 0 audit verify --checkpoint "$tmp/cp.json" --pubkey "$tmp/sm2.pub" && has "^PASS" &&
    run 7 audit verify --checkpoint "$tmp/cp.json" --pubkey "$tmp/ed.pub" &&
    jq '.tree_size += 1' "$tmp/cp.json" > "$tmp/f.json" &&
    run 7 audit verify --checkpoint "$tmp/f.json" --pubkey "$tmp/sm2.pub" && has "does not verify"
then ok; else fail "an SM2 checkpoint: verified; Ed25519 key and altered checkpoint refused"; fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
