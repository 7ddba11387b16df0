#!/bin/sh
# cli-docmod: the document libraries load only when used (docmod/docmod.h). The binary
# links none of them; a command line that imports or renders nothing (case show)
# loads none, an import and a render do (through caseflow-docs.so) and still work;
# a copy of the binary without the module runs every other command, the daemon
# starts and answers, and import, `doc render` and the daemon's PDF fail naming
# where the module was looked for; a file there that is no module is refused
# naming it; $CASEFLOW_DOCS_MODULE points a binary at a module elsewhere.
# Usage: docmod.sh CASEFLOW_BINARY   (run from the source root)
set -u
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
. "$(dirname "$0")/lib.sh"
cf_setup
unset CASEFLOW_DOCS_MODULE
export CASEFLOW_DB="$tmp/docmod.db" CASEFLOW_NOW=2026-03-10T09:00:00+08:00
module=$(dirname "$bin")/caseflow-docs.so
doclibs='libpoppler|libpango|libcairo|libxml2|libzip|libfreexl|libopencc'
# loaded ARGS...: the shared objects caseflow ARGS loads (the dynamic linker's log)
loaded() {
    LD_DEBUG=files LD_DEBUG_OUTPUT="$tmp/ld" "$bin" "$@" > /dev/null 2>&1
    cat "$tmp"/ld.* | sed -n 's/.*file=\([^ ]*\) .*/\1/p' | sort -u
    rm -f "$tmp"/ld.*
}
printf '%s\n' '<table><tr><th>序号</th><th>事项名称</th><th>权力类型</th></tr>' \
    '<tr><td>1</td><td>对某违法行为的处罚</td><td>行政处罚</td></tr></table>' > "$tmp/list.html"
run init --workflows workflows --agency 某县医疗保障局 || { cat "$tmp/out"; exit 1; }
# a filed case with what its 立案审批表 needs
run case open --workflow penalty-general --party 甲药房 --party-type 定点医药机构 --actor 张三 \
    --at 2026-03-02T09:00:00+08:00 || { cat "$tmp/out"; exit 1; }
id=$(sed -n 's/^case \([0-9]*\) opened.*/\1/p' "$tmp/out")
run case act "$id" file --actor 李四 --role head --at 2026-03-02T10:00:00+08:00 \
    --fact filing_reason=x --fact lead_source=投诉举报 --fact cause=js-2024:14 \
    --fact "$CF_OFFICERS" --doc "立案审批表=$CF_DOCS/立案审批表.txt" || { cat "$tmp/out"; exit 1; }

# docmod-1: the binary links none of the document libraries; the module is built beside it.
if ldd "$bin" > "$tmp/out" 2>&1 && ! grep -Eq "$doclibs" "$tmp/out" && [ -f "$module" ]
then ok; else fail "the binary links no document library, the module is beside it"; fi

# docmod-2: a command line that reads a case loads none; an import loads them.
loaded case show "$id" > "$tmp/out"
if grep -q 'libsqlite3' "$tmp/out" && ! grep -Eq "$doclibs" "$tmp/out"
then ok; else fail "case show loads no document library"; fi
loaded import "$tmp/list.html" --out "$tmp/l.yaml" > "$tmp/out"
if grep -q 'caseflow-docs.so' "$tmp/out" && grep -q 'libpoppler-glib' "$tmp/out"
then ok; else fail "import loads the module and its libraries"; fi

# docmod-3: with the module, import and render work.
if run import "$tmp/list.html" --out "$tmp/l.yaml" && grep -q '对某违法行为的处罚' "$tmp/l.yaml" &&
    run doc render "$id" 立案审批表 --out "$tmp/a.pdf" && [ "$(head -c 5 "$tmp/a.pdf")" = "%PDF-" ]
then ok; else fail "import and doc render through the module"; fi

# docmod-4: a copy of the binary alone: everything but documents works.
mkdir "$tmp/alone"
cp "$bin" "$tmp/alone/caseflow"
alone() { "$tmp/alone/caseflow" "$@" > "$tmp/out" 2>&1; }
if alone --version && alone workflow list && grep -q penalty-general "$tmp/out" &&
    alone case show "$id" && grep -q 甲药房 "$tmp/out" &&
    alone case open --workflow supervision --party 乙医院 && alone catalog load "$tmp/l.yaml" &&
    alone matter list && grep -q 对某违法行为的处罚 "$tmp/out" && alone doc list "$id"
then ok; else fail "without the module: version, workflows, cases, catalog, doc list"; fi

# docmod-5: ... and the document commands name the missing module (exit 6).
gone=$tmp/gone/caseflow-docs.so
if CASEFLOW_DOCS_MODULE=$gone alone import "$tmp/list.html" --out "$tmp/x.yaml"; then
    fail "import without the module fails"
elif grep -q "document module caseflow-docs.so (for import and 文书) is missing: looked for $gone" "$tmp/out" &&
    [ ! -e "$tmp/x.yaml" ]; then ok; else fail "import names the missing module"; fi
CASEFLOW_DOCS_MODULE=$gone alone doc render "$id" 立案审批表 --out "$tmp/x.pdf"
if [ $? -eq 6 ] && grep -q "missing: looked for $gone" "$tmp/out" && [ ! -s "$tmp/x.pdf" ]
then ok; else fail "doc render names the missing module"; fi
# the search itself, when nothing is installed under the compiled-in folder: beside
# the binary first, then its ../lib/caseflow
if alone import "$tmp/list.html" --out "$tmp/x.yaml"; then
    echo "NOTE: an installed caseflow-docs.so was found; the search's message not checked" >&2
elif grep -q "looked for $tmp/alone/caseflow-docs.so, $tmp/alone/../lib/caseflow/caseflow-docs.so" "$tmp/out"
then ok; else fail "the search names beside the binary, then ../lib/caseflow"; fi

# docmod-6: a file that is no module is refused naming it; the real one through the variable.
: > "$tmp/empty.so"
if ! CASEFLOW_DOCS_MODULE=$tmp/empty.so alone import "$tmp/list.html" --out "$tmp/x.yaml" &&
    grep -q "$tmp/empty.so" "$tmp/out" && grep -q "cannot be loaded" "$tmp/out"
then ok; else fail "a file that is no module is refused, named"; fi
if CASEFLOW_DOCS_MODULE=$module alone import "$tmp/list.html" --out "$tmp/y.yaml" &&
    cmp -s "$tmp/l.yaml" "$tmp/y.yaml"
then ok; else fail "CASEFLOW_DOCS_MODULE points the binary at the module"; fi

# docmod-7: the daemon without the module starts, answers, and names the module for a PDF.
tok=$("$bin" token create --agency 某县医疗保障局 --role head --name 李四)
real=$bin bin=$tmp/alone/caseflow
export CASEFLOW_DOCS_MODULE="$gone"
cf_serve --now "$CASEFLOW_NOW"
bin=$real
unset CASEFLOW_DOCS_MODULE
auth="Authorization: Bearer $tok"
pdf=%E7%AB%8B%E6%A1%88%E5%AE%A1%E6%89%B9%E8%A1%A8.pdf # 立案审批表.pdf
if curl -sf -H "$auth" "$url/v1/cases/$id" > "$tmp/out" && grep -q 甲药房 "$tmp/out" &&
    [ "$(curl -s -o "$tmp/out" -w '%{http_code}' -H "$auth" "$url/v1/cases/$id/documents/$pdf")" = 500 ] &&
    grep -q "missing: looked for $gone" "$tmp/out"
then ok; else cat "$tmp/serve.err" >> "$tmp/out"; fail "the daemon without the module: cases answered, a PDF names the module"; fi
cf_stop

echo "docmod: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
