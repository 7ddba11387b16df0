#!/bin/sh
# shellcheck disable=SC2154 # tmp, url and pid are lib.sh's
# cli-peer-walk: another bureau's system drives cases through the HTTP API as the public
# documents describe it (tests/cli/peer-walk.py, docs/walk.md): a penalty case from the
# lead to the archive with a suspension, an extension, legal review and a hearing, one
# case of every other workflow along docs/walk.md's walks, the wrong moves a peer makes,
# paging, an expired session and the auditor's chain, each deadline checked by the law's
# count. A fresh database, the daemon's clock fixed (--now, then the test clock).
bin=$1
# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
for tool in python3 curl jq sha256sum; do command -v $tool > /dev/null || { echo "no $tool: skipped"; exit 77; }; done
cf_setup
bad=0
export CASEFLOW_DB="$tmp/peer.db"
"$bin" init --workflows workflows --agency 某县医疗保障局 > "$tmp/init.out" 2>&1 || { cat "$tmp/init.out"; exit 1; }
token() { "$bin" token create --agency 某县医疗保障局 --role "$1" --name "$2"; }
CF_TOK_HANDLER=$(token handler 张三) CF_TOK_HEAD=$(token head 李四) CF_TOK_REVIEWER=$(token reviewer 孙七)
CF_TOK_AUDITOR=$(token auditor 周八) CF_TOK_OFFICER=$(token reviewer 王五)
# a token for 12 hours from the walk's first morning
CF_TOK_SHORT=$(CASEFLOW_NOW=2026-03-02T08:00:00+08:00 "$bin" token create --agency 某县医疗保障局 --role handler \
    --name 临时 --expires 12h)
export CF_TOK_HANDLER CF_TOK_HEAD CF_TOK_REVIEWER CF_TOK_AUDITOR CF_TOK_OFFICER CF_TOK_SHORT
# token_cache_ms: a token is trusted that long (real time) after it was read, and the test
# clock moves months in less: 1 ms, so that the expired token is seen as such.
echo "token_cache_ms = 1" > "$tmp/serve.conf"
cf_serve --config "$tmp/serve.conf" --now 2026-03-02T08:00:00+08:00 --test-clock
CF_URL=$url CF_SRC=. python3 "$(dirname "$0")/peer-walk.py" || bad=1

# docs/api.md's own chain check (block chain-verify), as printed: on the penalty case
# (every kind of event, Chinese keys among them) and on the benefit and coercion cases.
cf_block chain-verify docs/api.md > "$tmp/verify.sh"
[ -s "$tmp/verify.sh" ] || { echo "FAIL: docs/api.md has no chain-verify block"; bad=1; }
auth="Authorization: Bearer $CF_TOK_AUDITOR"
for id in 1 2 3; do
    head=$(curl -sf "$url/v1/cases/$id" -H "$auth" | jq -r .head)
    got=$(cd "$tmp" && API=$url ID=$id TOKEN=$CF_TOK_AUDITOR sh ./verify.sh 2>&1)
    [ "$got" = "head $head" ] || { echo "FAIL: docs/api.md's chain check on case $id: $got, not head $head"; bad=1; }
done
cf_stop
exit "$bad"
