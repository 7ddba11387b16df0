#!/usr/bin/env python3
# peer-http.py -- a peer system integrating with caseflow over HTTP from its documents alone.
#
# Why: another bureau's platform writes its client from README.md, docs/api.md,
# docs/openapi.yaml, docs/walk.md, docs/workbench.md and docs/security.md, never from the
# code. This script is such a client, written before the code was read: it starts `caseflow
# serve` on a fresh database as docs/api.md's quick start does (init, tokens, --now and the
# test clock, an alert log and a webhook receiver of its own), walks a penalty case through
# every stage (立案, evidence and a 询问笔录, 中止 and 恢复, an extension, 审查, 法制审核,
# 告知 with the hearing right, the hearing asked for and held, 法制审核 again, 决定, 送达,
# two payments, 结案, 归档), the eight other workflows along docs/walk.md's walks, pages and
# filters the list, reads deadlines and alerts, takes the alerts from the event stream and
# the webhook, recomputes every chain by docs/api.md's definition, asks for the auditor's
# replay, and makes the mistakes a peer makes (a stale version, the wrong role, malformed
# JSON, an unknown field or parameter, a deadline outside the calendar). Every answer is
# checked against the schema docs/openapi.yaml declares for its path, method and status
# (tests/cli/openapi_check.py). What it found is in docs/walk.md "What a peer over HTTP found".
#
# Usage: peer-http.py BUILD/api/caseflow   (from the source root; Python 3 standard library)
import base64
import hashlib
import http.client
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402

BIN = os.path.abspath(sys.argv[1])
SPEC = openapi_check.OpenAPI("docs/openapi.yaml")
AGENCY = "某县医疗保障局"
checks = 0
failures = []


def check(cond, what, detail=None):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        extra = "" if detail is None else "\n  " + json.dumps(detail, ensure_ascii=False)[:1200]
        print("FAIL: " + what + extra, file=sys.stderr)
    return cond


# --- the daemon, as docs/api.md's quick start starts it --------------------------------

tmp = tempfile.mkdtemp(prefix="peer-http.")
env = dict(os.environ, CASEFLOW_DB=os.path.join(tmp, "peer.db"))
env.pop("CASEFLOW_NOW", None)


def cli(*args, **kw):
    r = subprocess.run([BIN] + list(args), env=dict(env, **kw), capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("caseflow %s: exit %d: %s" % (" ".join(args), r.returncode, r.stderr))
    return r.stdout.strip()


cli("init", "--workflows", "workflows", "--agency", AGENCY)
TOK = {
    "handler": cli("token", "create", "--agency", AGENCY, "--role", "handler", "--name", "张三"),
    "head": cli("token", "create", "--agency", AGENCY, "--role", "head", "--name", "李四"),
    "reviewer": cli("token", "create", "--agency", AGENCY, "--role", "reviewer", "--name", "孙七"),
    "auditor": cli("token", "create", "--agency", AGENCY, "--role", "auditor", "--name", "周八"),
    "metrics": cli("token", "create", "--agency", AGENCY, "--role", "metrics", "--name", "prometheus"),
    "other": cli("token", "create", "--agency", "某市医疗保障局", "--role", "head", "--name", "钱九"),
}

# a webhook receiver (docs/api.md "Delivery": any 2xx is delivered)
hooks = []


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        hooks.append((dict(self.headers), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *a):
        pass


hook_srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
threading.Thread(target=hook_srv.serve_forever, daemon=True).start()
alert_log = os.path.join(tmp, "alerts.jsonl")
DEAD_HOOK = "http://127.0.0.1:1/robot/send?key=secret"
serve = subprocess.Popen(
    [BIN, "serve", "--listen", "127.0.0.1:0", "--now", "2026-03-02T08:00:00+08:00", "--test-clock",
     "--alert-log", alert_log, "--webhook", "http://127.0.0.1:%d/hook" % hook_srv.server_address[1],
     # a robot webhook nobody answers: each delivery given up after its one attempt
     "--webhook", DEAD_HOOK, "--webhook-attempts", "1"],
    env=env, stdout=subprocess.PIPE, stderr=open(os.path.join(tmp, "serve.err"), "w"), text=True)
line = serve.stdout.readline()
m = re.match(r"caseflow: listening on 127\.0\.0\.1:([0-9]+)", line)
if not m:
    serve.kill()
    raise SystemExit("the daemon did not start: " + line + open(os.path.join(tmp, "serve.err")).read())
PORT = int(m.group(1))

# --- HTTP, each answer checked against docs/openapi.yaml -------------------------------


class Answer:
    def __init__(self, status, headers, body, raw):
        self.status, self.headers, self.body, self.raw = status, headers, body, raw

    def h(self, name):
        return self.headers.get(name.lower())


def call(method, path, role=None, body=None, headers=None, raw_body=None):
    h = dict(headers or {})
    if role:
        h["Authorization"] = "Bearer " + TOK[role]
    data = raw_body
    if body is not None:
        data = json.dumps(body, ensure_ascii=False).encode()
    if data is not None:
        h.setdefault("Content-Type", "application/json")
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    conn.request(method, path, body=data, headers=h)
    r = conn.getresponse()
    raw = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    conn.close()
    body = None
    ctype = hdrs.get("content-type", "")
    if ctype.startswith("application/json") and method != "HEAD":
        try:
            body = json.loads(raw)
        except ValueError:
            check(False, "%s %s: the answer is not JSON" % (method, path), raw[:200].decode("utf-8", "replace"))
    conform(method, path, r.status, ctype, body)
    return Answer(r.status, hdrs, body, raw)


schema_checked = set()


def conform(method, path, status, ctype, body):
    # HEAD answers a GET route's status and headers (docs/api.md "Conventions")
    declared, schema, where = SPEC.response("GET" if method == "HEAD" else method, path, status)
    if status == 405 and ("is not in docs/openapi.yaml" in where or method == "HEAD"):
        return  # a method the path does not take: the document lists the methods it takes
    if not check(declared, "docs/openapi.yaml declares the answer: " + where):
        return
    if body is not None and schema is not None:
        errs = SPEC.validate(schema, body)
        schema_checked.add(where)
        check(not errs, "the answer conforms to docs/openapi.yaml: " + where, errs[:8])


def q(s):
    return urllib.parse.quote(s, safe="")


def b64(text):
    return base64.b64encode(text.encode()).decode()


def docs_for(names, tag):
    return {n: {"content_base64": b64("%s（%s）" % (n, tag)), "file": n + ".pdf"} for n in names}


# --- the definitions, as the API serves them ------------------------------------------

WF = {}
for row in call("GET", "/v1/workflows", "handler").body:
    WF[row["id"]] = call("GET", "/v1/workflows/" + row["id"], "handler").body
check(len(WF) == 9, "nine workflows are stored", sorted(WF))
FACT_TYPE = {wid: {f["id"]: f for f in d["facts"]} for wid, d in WF.items()}

OFFICERS = [{"name": "张三", "cert": "65010020001"}, {"name": "王五", "cert": "65010020002"}]


def filler(wid, fact):
    """A value of the fact's declared type (docs/api.md: amounts are strings of yuan)."""
    f = FACT_TYPE[wid].get(fact, {"type": "string"})
    if fact == "officers":
        return OFFICERS
    if f.get("values"):
        return f["values"][0]
    return {"number": 1, "bool": True, "date": "2026-03-02", "amount": "1000.00",
            "list": ["一"]}.get(f["type"], fact + "：经办")


def read(case, role="handler"):
    a = call("GET", "/v1/cases/%d" % case, role)
    check(a.status == 200, "GET case %d" % case, a.body)
    check(a.h("etag") == '"%d"' % a.body["version"], "case %d: the ETag is its version" % case,
          [a.h("etag"), a.body["version"]])
    return a.body


def act(case, action, role, facts=None, expect=200, docs=None):
    """Read the case, take the action as `allowed` describes it (every required fact and
    document given, the facts by their declared type), answer the change."""
    c = read(case, role)
    wid = c["workflow"]["id"]
    allowed = {}
    for al in c["allowed"]:  # an action of two transitions (by guard): the first listed
        allowed.setdefault(al["action"], al)
    given = dict(facts or {})
    documents = {}
    if action in allowed:
        req = allowed[action]["requires"]
        for f in req.get("facts", []):
            if f not in given and f not in c["facts"]:
                given[f] = filler(wid, f)
        documents = docs_for(req.get("documents", []), "%s %d" % (action, case))
    if docs:
        documents.update(docs_for(docs, action))
    body = {"action": action, "facts": given}
    if documents:
        body["documents"] = documents
    a = call("POST", "/v1/cases/%d/actions" % case, role, body, {"If-Match": '"%d"' % c["version"]})
    check(a.status == expect, "case %d (%s, %s): %s by %s answers %d" % (case, wid, c["state"], action, role, expect),
          a.body)
    if a.status == 200:
        check(a.body["version"] == c["version"] + len(a.body["events"]),
              "case %d: %s's events follow the version read" % (case, action), a.body)
    return a


def clock_to(now):
    a = call("POST", "/v1/test/clock", body={"now": now})
    check(a.status == 200, "the test clock moves to " + now, a.body)
    return a.body


def clock(c, cid):
    for k in c["clocks"]:
        if k["id"] == cid:
            return k
    return None


# --- the event stream (docs/api.md "GET /v1/stream"), read all along -------------------

stream_events = []
stream_open = threading.Event()


def read_stream():
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=600)
    conn.request("GET", "/v1/stream", headers={"Authorization": "Bearer " + TOK["head"]})
    r = conn.getresponse()
    check(r.status == 200 and r.getheader("Content-Type", "").startswith("text/event-stream"),
          "GET /v1/stream: 200 text/event-stream", [r.status, r.getheader("Content-Type")])
    ev = {}
    while True:
        raw = r.readline()
        if not raw:
            return
        ln = raw.decode().rstrip("\n")
        if ln == ": connected":
            stream_open.set()
        elif ln == "":
            if ev:
                stream_events.append(ev)
            ev = {}
        elif not ln.startswith(":"):
            k, _, v = ln.partition(": ")
            ev[k] = v


threading.Thread(target=read_stream, daemon=True).start()
check(stream_open.wait(30), "the stream opens with ': connected'")

# --- the errors a peer meets first ----------------------------------------------------


def errors_before_cases():
    a = call("GET", "/v1/cases")
    check(a.status == 401 and a.h("www-authenticate") == "Bearer" and a.body["error"] == "EAUTH",
          "no token: 401 EAUTH with WWW-Authenticate: Bearer", [a.status, a.body])
    a = call("POST", "/v1/cases", "handler", raw_body=b'{"workflow": "penalty-general",\n "party": {"name": }}')
    check(a.status == 400 and a.body["error"] == "EPARSE" and a.body.get("line") == 2 and "column" in a.body
          and "position" in a.body, "malformed JSON: 400 EPARSE naming line, column and position", a.body)
    a = call("POST", "/v1/cases", "handler", {"workflow": "penalty-general", "party": {"name": "某药房"},
                                             "fatcs": {}})
    check(a.status == 400 and a.body.get("field") == "fatcs", "an unknown field: 400 naming it (field)", a.body)
    a = call("GET", "/v1/cases?due_witin=3d", "handler")
    check(a.status == 400 and a.body.get("parameter") == "due_witin", "an unknown parameter: 400 naming it", a.body)
    a = call("GET", "/v1/cases?limit=1&limit=5", "handler")
    check(a.status == 400 and a.body.get("parameter") == "limit", "a parameter given twice: 400 naming it", a.body)
    a = call("GET", "/v1/cases?due_within=36501d", "handler")
    check(a.status == 400 and a.body.get("parameter") == "due_within", "due_within past 36500d: 400", a.body)
    a = call("GET", "/v1/cases?limit=1001", "handler")
    check(a.status == 400 and a.body.get("parameter") == "limit", "limit past page_limit_max: 400", a.body)
    a = call("DELETE", "/v1/cases", "handler")
    check(a.status == 405 and "allow" in a.headers, "another method: 405 with Allow", [a.status, a.headers])
    a = call("GET", "/v1/cases/99", "handler")
    check(a.status == 404 and a.body["error"] == "ENOTFOUND", "no such case: 404 ENOTFOUND", a.body)
    a = call("POST", "/v1/cases", "auditor", {"workflow": "benefit", "party": {"name": "某某"}})
    check(a.status == 403 and a.body["error"] == "EFORBIDDEN", "an auditor's POST: 403", a.body)
    a = call("GET", "/metrics", "handler")
    check(a.status == 403, "/metrics with a handler's token: 403", a.status)
    a = call("GET", "/metrics", "metrics")
    check(a.status == 200 and b"caseflow_commits_total" in a.raw, "/metrics with the metrics token", a.status)
    a = call("POST", "/v1/cases", "handler", {"workflow": "penalty-general", "party": {"name": "某药房"},
                                             "facts": {"lead_source": "投诉举报", "fine": 20000}})
    check(a.status == 400, "an amount as a JSON number: 400", a.body)
    for p in ("/healthz", "/livez", "/readyz"):
        a = call("GET", p)
        check(a.status == 200, p + ": 200", a.body)


errors_before_cases()

# --- the penalty case ---------------------------------------------------------------------

clock_to("2026-03-02T09:00:00+08:00")
a = call("POST", "/v1/cases", "handler", {"workflow": "penalty-general",
                                         "party": {"name": "某某大药房", "type": "定点医药机构"},
                                         "facts": {"lead_source": "投诉举报"}})
check(a.status == 201 and a.h("location") == "/v1/cases/%d" % a.body["id"], "POST /v1/cases: 201, Location",
      [a.status, a.headers.get("location"), a.body])
P = a.body["id"]
check(clock(read(P), "filing")["deadline"] == "2026-03-23T23:59:59+08:00",
      "filing: 15 working days from Mon 03-02 end Mon 03-23", clock(read(P), "filing"))

# the wrong role: 403 naming the roles
c = read(P)
a = call("POST", "/v1/cases/%d/actions" % P, "handler", {"action": "file"}, {"If-Match": '"%d"' % c["version"]})
check(a.status == 403 and "head" in a.body.get("text", ""), "file by a handler: 403 naming the role head", a.body)
a = call("POST", "/v1/cases/%d/actions" % P, "head", {"action": "file"})
check(a.status == 428 and a.body["error"] == "EPRECONDITION", "an action without If-Match: 428", a.body)
a = act(P, "file", "head", {"filing_reason": "涉嫌串换药品骗取医保基金", "cause": "js-2024:14",
                            "officers": OFFICERS})
filed_version = a.body["version"]
a = call("POST", "/v1/cases/%d/actions" % P, "head", {"action": "file"}, {"If-Match": '"2"'})
check(a.status == 409 and a.body["error"] == "ECONFLICT" and a.body.get("version") == filed_version,
      "a stale If-Match: 409 ECONFLICT with the current version", a.body)
c = read(P)
check(c["number"] and c["number"].endswith("1号") and c["handlers"] == ["张三", "王五"] and c["responsible"] == "李四",
      "filed: a 案号, the handlers and the responsible head", [c["number"], c["handlers"], c["responsible"]])
check(clock(c, "decision")["deadline"] == "2026-06-01T23:59:59+08:00",
      "decision: 90 days from 03-02 end Sun 05-31, moved to Mon 06-01", clock(c, "decision"))

# submit_review before any evidence: refused by evidence-before-review
a = act(P, "submit_review", "handler", {"findings": "串换药品12次"}, expect=422)
check(a.body.get("rule") == "evidence-before-review" and a.body.get("allowed"),
      "submit_review with an empty register: 422 evidence-before-review, with allowed", a.body)

ev = {"kind": "书证", "title": "处方单据12份", "source": "某某大药房", "method": "调取", "officers": OFFICERS,
      "file": {"name": "处方单据.pdf", "content_base64": b64("处方单据")}}
a = call("POST", "/v1/cases/%d/evidence" % P, "handler", dict(ev, officers=OFFICERS[:1]))
check(a.status == 422 and a.body.get("rule") == "two-officers", "evidence by one officer: 422 two-officers", a.body)
a = call("POST", "/v1/cases/%d/evidence" % P, "handler", dict(ev, kind="口供"))
check(a.status == 400 and "书证" in a.body.get("text", ""), "an unknown kind: 400 naming the kinds", a.body)
a = call("POST", "/v1/cases/%d/evidence" % P, "handler", ev)
check(a.status == 201 and a.body["events"][0]["type"] == "evidence.added"
      and a.body["events"][0]["evidence"]["no"] == 1, "evidence: 201, evidence.added no 1", a.body)
ev_sha = a.body["events"][0]["evidence"]["file"]["sha256"]
check(ev_sha == hashlib.sha256("处方单据".encode()).hexdigest(), "the item keeps the file's SHA-256", ev_sha)
a = call("GET", "/v1/cases/%d/files/%s" % (P, ev_sha), "handler")
check(a.status == 200 and a.raw == "处方单据".encode(), "the stored file reads back byte for byte", a.status)
rec = {"kind": "询问笔录", "officers": OFFICERS, "started_at": "2026-03-02T10:00:00+08:00",
       "place": "某县医疗保障局询问室", "person": {"name": "赵某", "role": "当事人"}}
a = call("POST", "/v1/cases/%d/records" % P, "handler", dict(rec, started_at="2026-03-01T10:00:00+08:00"))
check(a.status == 400 and "started_at" in a.body.get("text", ""), "a record before the opening: 400 naming started_at",
      a.body)
clock_to("2026-03-03T11:00:00+08:00")
a = call("POST", "/v1/cases/%d/records" % P, "handler", rec)
check(a.status == 201 and a.body["events"][0]["record"]["evidence_kind"] == "当事人的陈述",
      "a 询问笔录 of the party: 201, evidence_kind 当事人的陈述", a.body)
for what in ("evidence", "records"):
    a = call("GET", "/v1/cases/%d/%s" % (P, what), "auditor")
    check(a.status == 200 and len(a.body) == 1, "GET %s: the register's one row" % what, a.body)

# 中止 and 恢复: the decision clock pauses, and its deadline moves by the days suspended
before = clock(read(P), "decision")["deadline"]
act(P, "suspend", "head", {"suspend_reason": "等待检验结果"})
c = read(P)
check(c["state"] == "suspended" and clock(c, "decision")["status"] == "paused", "suspended: decision paused",
      clock(c, "decision"))
clock_to("2026-03-10T11:00:00+08:00")
act(P, "resume", "head", {"resume_reason": "检验结果已出"})
c = read(P)
check(c["state"] == "investigating" and clock(c, "decision")["status"] == "running", "resumed: back to investigating",
      [c["state"], clock(c, "decision")])
check(clock(c, "decision")["deadline"] == "2026-06-08T23:59:59+08:00",
      "decision after 7 days suspended: 06-01 + 7 days = Mon 06-08", [before, clock(c, "decision")])

# an extension, approved by the head (the approver); a handler may not
a = call("POST", "/v1/cases/%d/extensions" % P, "handler", {"clock": "decision", "by": "30 days", "reason": "案情复杂"})
check(a.status in (403, 422), "an extension asked by a handler is refused", a.body)
a = call("POST", "/v1/cases/%d/extensions" % P, "head", {"clock": "decision", "by": "30 days", "reason": "案情复杂"},
         {"If-Match": '"%d"' % read(P)["version"]})
check(a.status == 200 and any(e["type"] == "clock.extended" for e in a.body["events"]),
      "the head extends decision by 30 days: clock.extended", a.body)
c = read(P)
check(clock(c, "decision")["deadline"] == "2026-07-07T23:59:59+08:00" and clock(c, "decision")["extensions"] == 1,
      "decision extended: 90 + 7 suspended + 30 days from 03-02, counted once (R8): Tue 07-07", clock(c, "decision"))
a = call("POST", "/v1/cases/%d/extensions" % P, "head", {"clock": "decision", "by": "30 days", "reason": "再延"})
check(a.status == 422 and a.body.get("rule") in ("extension-max", "extension-further", "extension-times")
      and a.body.get("allowed") is not None, "a second extension: 422 naming the rule, with allowed", a.body)
a = call("POST", "/v1/cases/%d/exclusions" % P, "head",
         {"clock": "decision", "from": "2026-03-11T09:00:00+08:00", "to": "2026-03-20T17:00:00+08:00",
          "reason": "检测"})
check(a.status == 422 and a.body.get("rule") == "exclusion-period", "an exclusion not yet over: 422 exclusion-period",
      a.body)

# 审查 → 法制审核 (serious) → 告知 with the hearing right
clock_to("2026-03-16T10:00:00+08:00")
# two days of 检测, recorded once over (docs/api.md "POST /v1/cases/{id}/exclusions")
excl = {"clock": "decision", "from": "2026-03-10T12:00:00+08:00", "to": "2026-03-12T17:00:00+08:00", "reason": "检测"}
a = call("POST", "/v1/cases/%d/exclusions" % P, "head", dict(excl, reason="出差"))
check(a.status == 422 and a.body.get("rule") == "exclusion-reason" and "检测" in a.body.get("text", ""),
      "an exclusion for a reason the clock does not exclude: 422 naming its reasons", a.body)
a = call("POST", "/v1/cases/%d/exclusions" % P, "head", excl, {"If-Match": '"%d"' % read(P)["version"]})
check(a.status == 200 and [e["type"] for e in a.body["events"]] == ["clock.excluded"], "检测 excluded: clock.excluded",
      a.body)
check(clock(read(P), "decision")["deadline"] > "2026-07-07T23:59:59+08:00", "the exclusion moves the deadline later",
      clock(read(P), "decision"))
a = call("POST", "/v1/cases/%d/exclusions" % P, "head", excl)
check(a.status == 422 and a.body.get("rule") == "exclusion-overlap", "the same days again: 422 exclusion-overlap",
      a.body)
# a retried item of evidence with If-Match: 409, nothing written (docs/api.md "Retrying")
v = read(P)["version"]
a = call("POST", "/v1/cases/%d/evidence" % P, "handler", dict(ev, title="医保结算单"), {"If-Match": '"%d"' % v})
check(a.status == 201, "evidence with If-Match", a.body)
a = call("POST", "/v1/cases/%d/evidence" % P, "handler", dict(ev, title="医保结算单"), {"If-Match": '"%d"' % v})
check(a.status == 409 and a.body.get("version") == v + 1, "the same item retried with If-Match: 409", a.body)
act(P, "submit_review", "handler", {"findings": "串换药品12次，涉及医保基金3万元"})
act(P, "submit_legal_review", "handler", {"serious": True, "review_opinion": "拟罚款6万元"})
c = read(P)
check(c["state"] == "legal_review" and clock(c, "legal_review")["status"] == "running",
      "legal review: its clock runs", [c["state"], clock(c, "legal_review")])
a = act(P, "pass_legal_review", "handler", expect=403)
check("reviewer" in a.body.get("text", ""), "pass_legal_review by a handler: 403 naming reviewer", a.body)
act(P, "pass_legal_review", "reviewer", {"legal_review_opinion": "同意"})
act(P, "notify_with_hearing", "handler", {"notified_penalty": "罚款6万元", "notified_fine": "60000"})
act(P, "serve_hearing_notice", "handler")
c = read(P)
check(clock(c, "hearing_request") and clock(c, "hearing_request")["deadline"] == "2026-03-23T23:59:59+08:00",
      "hearing_request: 5 working days from Mon 03-16 end Mon 03-23", clock(c, "hearing_request"))
a = act(P, "decide", "head", {"penalty": "罚款6万元", "fine": "60000"}, expect=422)
check(a.body.get("rule") and a.body.get("article"), "deciding inside the party's window: 422 with rule and article",
      a.body)
clock_to("2026-03-17T10:00:00+08:00")
act(P, "request_hearing", "handler", {"hearing_requested": True})
act(P, "notify_hearing", "handler", {"hearing_date": "2026-03-27", "hearing_notice_served_on": "2026-03-17"})
a = act(P, "hold_hearing", "head", expect=422)
check(a.body.get("rule") == "hearing-notice-seven-days", "a hearing too soon: 422 hearing-notice-seven-days", a.body)
clock_to("2026-03-27T09:00:00+08:00")
act(P, "hold_hearing", "head")
act(P, "submit_legal_review", "handler", {"review_opinion": "听证后维持"})
act(P, "pass_legal_review", "reviewer", {"legal_review_opinion": "同意"})
a = act(P, "decide", "head", {"penalty": "罚款7万元", "fine": "70000"}, expect=422)
check(a.body.get("rule") == "not-heavier-than-notice", "a heavier fine than notified: 422 not-heavier-than-notice",
      a.body)
clock_to("2026-03-30T10:00:00+08:00")
act(P, "decide", "head", {"penalty": "罚款6万元", "fine": "60000"})
c = read(P)
check(c["decision_number"] and c["name"] and "涉嫌" not in c["name"], "decided: a 决定书文号, the name without 涉嫌",
      [c["decision_number"], c["name"]])
check(clock(c, "service")["deadline"] == "2026-04-09T23:59:59+08:00",
      "service: 7 working days from Mon 03-30 (清明 04-04..06 skipped) end Thu 04-09", clock(c, "service"))
act(P, "serve", "handler", {"service_method": "直接送达"})
c = read(P)
check(clock(c, "payment")["deadline"] == "2026-04-14T23:59:59+08:00", "payment: 15 days from 03-30 end Tue 04-14",
      clock(c, "payment"))
act(P, "pay", "handler", {"paid_amount": "20000.00", "payment_method": "bank", "paid_on": "2026-03-30"})
check(read(P)["state"] == "executing", "a part payment leaves the case in execution")
a = act(P, "close", "head", {"closing_reason": "罚款已缴清"}, expect=422)
check(a.body.get("error") == "EREFUSED" and "pay" in [x["action"] for x in a.body.get("allowed", [])],
      "closing while the fine is owed: 422, pay allowed", a.body)
clock_to("2026-04-01T10:00:00+08:00")
act(P, "pay", "handler", {"paid_amount": "40000.00", "payment_method": "bank", "paid_on": "2026-04-01"})
check(read(P)["state"] == "closing", "the fine paid whole: closing")
act(P, "close", "head", {"closing_reason": "罚款已缴清"})
act(P, "archive", "handler")
c = read(P)
check(c["state"] == "archived" and c["closed"] and c["archive_number"], "archived, with a 档案号",
      [c["state"], c["closed"], c["archive_number"]])
a = act(P, "pay", "handler", {"paid_amount": "1.00"}, expect=422)
check(a.body.get("error") in ("ECLOSED", "EREFUSED"), "an action on a closed case: 422", a.body)

# --- the eight other workflows (docs/walk.md's walks) ----------------------------------

WALKS = {}
with open("docs/walk.md", encoding="utf-8") as f:
    block = f.read().split("<!-- walk-paths:begin -->")[1].split("<!-- walk-paths:end -->")[0]
for ln in block.splitlines():
    if ": " in ln and not ln.startswith("```"):
        wid, path = ln.split(": ", 1)
        WALKS[wid] = path.split(" → ")
check(len(WALKS) == 8, "docs/walk.md prints eight walks", sorted(WALKS))
SPECIAL = {  # docs/walk.md: the facts the rules and guards ask for
    "begin": {"unannounced": True, "unannounced_reason": "突击检查"},
    "waive_defence": {"defence_waived": True},
    "record": {"problems_found": True},
    "record_findings": {"problems_found": True},
    "notify": {"party_present": True, "rights_told": True},
    "inform": {"notified_fine": "200"},
    "decide_on_spot": {"fine": "200"},
    "pay": {"paid_amount": "200"},
}
REWARD = {"info_already_known": False, "reporter_excluded": False}


def role_for(wid, action, c):
    for al in c["allowed"]:
        if al["action"] == action:
            for r in ("handler", "head", "reviewer"):
                if r in al["roles"]:
                    return r
    return "handler"


walked = {}
clock_to("2026-04-07T09:00:00+08:00")
for wid, path in sorted(WALKS.items()):
    body = {"workflow": wid, "party": {"name": "某某" + wid, "type": "自然人"}}
    if "officers" in FACT_TYPE[wid]:
        body["officers"] = OFFICERS
    a = call("POST", "/v1/cases", "handler", body)
    if not check(a.status == 201, "open a %s case" % wid, a.body):
        continue
    cid = a.body["id"]
    walked[wid] = cid
    for action in path:
        c = read(cid)
        facts = dict(SPECIAL.get(action, {}))
        if wid == "reward":
            facts.update(REWARD)
            for fid, f in FACT_TYPE[wid].items():
                if f["type"] == "amount":
                    facts.setdefault(fid, "1000.00")
        if action not in [x["action"] for x in c["allowed"]]:
            check(False, "%s case %d: %s is allowed in %s" % (wid, cid, action, c["state"]),
                  [x["action"] for x in c["allowed"]])
            break
        if act(cid, action, role_for(wid, action, c), facts).status != 200:
            break
    c = read(cid)
    check(c["closed"] and c["state"] == WF[wid]["main_line"][-1],
          "%s: walked to its end (%s)" % (wid, WF[wid]["main_line"][-1]), [c["state"], c["closed"]])

# --- lists, filters, paging ------------------------------------------------------------


def page_all(path, role="handler", key="id"):
    rows, url, seen = [], path, 0
    while url:
        a = call("GET", url, role)
        check(a.status == 200, "GET " + url, a.body)
        rows += a.body
        nxt = a.h("x-next-cursor")
        if nxt:
            check(str(a.body[-1][key]) == nxt, "X-Next-Cursor is the last row's " + key, [nxt, a.body[-1][key]])
            check('rel="next"' in (a.h("link") or ""), "a Link rel=next beside X-Next-Cursor", a.h("link"))
            url = path + ("&" if "?" in path else "?") + "cursor=" + q(nxt)
        else:
            url = None
        seen += 1
        if seen > 50:
            break
    return rows


rows = page_all("/v1/cases?limit=2")
check([r["id"] for r in rows] == list(range(1, len(walked) + 2)), "paging by 2 reads every case once, by id",
      [r["id"] for r in rows])
check(all(r["closed"] for r in rows), "every walked case is closed", [(r["id"], r["state"]) for r in rows])
a = call("GET", "/v1/cases?open=1", "handler")
check(a.status == 200 and a.body == [], "open=1: no open case", a.body)
a = call("GET", "/v1/cases?workflow=benefit", "handler")
check([r["id"] for r in a.body] == [walked.get("benefit")], "workflow=benefit", a.body)
a = call("GET", "/v1/cases?q=" + q("大药房"), "handler")
check([r["id"] for r in a.body] == [P], "q=大药房 finds the penalty case", a.body)
a = call("GET", "/v1/cases?number=" + q(c_number := read(P)["number"]), "handler")
check([r["id"] for r in a.body] == [P], "number= finds the case by its 案号", [c_number, a.body])
a = call("GET", "/v1/cases?power_type=" + q("行政处罚"), "handler")
check(sorted(r["id"] for r in a.body) == sorted([P, walked.get("penalty-summary")]), "power_type=行政处罚", a.body)
a = call("GET", "/v1/cases?handler=" + q("王五"), "handler")
check(P in [r["id"] for r in a.body], "handler=王五 lists the case he handles", a.body)
a = call("GET", "/v1/cases", "other")
check(a.status == 200 and a.body == [], "another agency's token sees none of the cases", a.body)
a = call("GET", "/v1/cases/%d" % P, "other")
check(a.status == 404, "another agency's case: 404", a.status)

# --- deadlines and alerts ------------------------------------------------------------------

clock_to("2026-04-08T09:00:00+08:00")
a = call("POST", "/v1/cases", "handler", {"workflow": "penalty-general", "party": {"name": "某某诊所", "type": "定点医药机构"},
                                         "facts": {"lead_source": "投诉举报"}})
L = a.body["id"]
c = read(L)
check(clock(c, "filing")["deadline"] == "2026-04-29T23:59:59+08:00",
      "filing from Wed 04-08: 15 working days end Wed 04-29", clock(c, "filing"))
a = call("GET", "/v1/cases?due_within=30d", "handler")
check([r["id"] for r in a.body] == [L] and a.body[0].get("next_deadline") == "2026-04-29T23:59:59+08:00",
      "due_within=30d: the new case, with its next_deadline", a.body)
a = call("GET", "/v1/alerts?state=pending", "handler")
pending = [r for r in a.body if r["case"] == L]
check(pending and all(r["clock"] == "filing" for r in pending), "pending alerts of the new case's filing clock", a.body)
first = page_all("/v1/alerts?state=pending&limit=1", key="alert_id")
check([r["alert_id"] for r in first] == [r["alert_id"] for r in a.body], "alerts paged by 1 read every row once",
      [len(first), len(a.body)])
fired = clock_to("2026-04-30T09:00:00+08:00")
check(fired["fired"] >= 2, "moving past the deadline fires its warning and deadline", fired)
a = call("GET", "/v1/cases?overdue=1", "handler")
check([r["id"] for r in a.body] == [L], "overdue=1: the case past its filing deadline", a.body)
c = read(L)
check(clock(c, "filing")["status"] == "overdue" and clock(c, "filing")["seconds_left"] < 0,
      "the filing clock: overdue, seconds_left negative", clock(c, "filing"))
a = call("GET", "/v1/alerts?state=unacknowledged", "handler")
deadline_alert = [r for r in a.body if r["case"] == L and r["point"] == "deadline"]
check(deadline_alert and deadline_alert[0]["fired_at"] and deadline_alert[0]["acknowledged_by"] is None,
      "the fired deadline alert, unacknowledged", a.body)
aid = deadline_alert[0]["alert_id"] if deadline_alert else "x"
a = call("POST", "/v1/alerts/%s/ack" % q(aid), "handler")
check(a.status == 200 and a.body.get("acknowledged_by") == "张三", "a handler acknowledges it", a.body)
a = call("POST", "/v1/alerts/%s/ack" % q(aid), "handler")
check(a.status == 409, "acknowledged twice: 409", a.body)
a = call("POST", "/v1/alerts/%s/ack" % q(aid), "other")
check(a.status == 404, "another agency's alert: 404", a.body)

# the stream, the log and the webhook carried the same alerts: the stream's bytes were sent
# before the answer, this reader may not have read them yet (at most 60 s on a loaded machine)
for _ in range(600):
    if any(e.get("event") == "alert" and json.loads(e["data"])["alert_id"] == aid for e in list(stream_events)):
        break
    threading.Event().wait(0.1)
alerts_seen = [json.loads(e["data"]) for e in list(stream_events) if e.get("event") == "alert"]
check(any(x["alert_id"] == aid for x in alerts_seen), "the stream carried the deadline alert", len(alerts_seen))
for x in alerts_seen:
    errs = SPEC.validate({"$ref": "#/components/schemas/Alert"}, x)
    check(not errs, "a streamed alert conforms to the Alert schema", errs)
for e in list(stream_events):
    check(e.get("event") in ("case.opened", "transition", "clock.extended", "alert", "alert.acknowledged",
                             "overflow"), "a stream event has a documented name", e)
check(not [e for e in stream_events if e.get("event") == "overflow"],
      "a stream that reads is never ended with overflow (docs/api.md)", [e for e in stream_events[-3:]])
trans = [json.loads(e["data"]) for e in stream_events if e.get("event") == "transition" and
         json.loads(e["data"])["case"] == P]
check(trans and "prev" not in trans[0] and "version" in trans[0] and "state" in trans[0],
      "a transition on the stream: the event without prev, with version and state", trans[:1])
log = [json.loads(x) for x in open(alert_log, encoding="utf-8") if x.strip()]
check(any(x["alert_id"] == aid for x in log), "the alert log has the deadline alert", len(log))
for _ in range(600):  # the webhook is posted after the commit (at most 60 s on a loaded machine)
    if aid in [h.get("X-Caseflow-Alert-Id") for h, _ in hooks]:
        break
    threading.Event().wait(0.1)
hook_ids = [h.get("X-Caseflow-Alert-Id") for h, _ in hooks]
check(aid in hook_ids, "the webhook received the deadline alert with X-Caseflow-Alert-Id", hook_ids[-3:])
for what, rows in (("a line of the alert log", log), ("a webhook's body", [b for _, b in hooks])):
    for x in rows:
        errs = SPEC.validate({"$ref": "#/components/schemas/Alert"}, x)
        check(not errs, what + " conforms to the Alert schema", errs)
for h, x in hooks:
    check(h.get("Content-Type") == "application/json" and h.get("X-Caseflow-Delivery-Attempt") == "1"
          and h.get("X-Caseflow-Alert-Id") == x["alert_id"], "a webhook's headers", h)
# the robot webhook's deliveries are given up; the listing masks its key; a head sends one again
for _ in range(600):
    a = call("GET", "/v1/alerts/deliveries?state=given_up", "auditor")
    if any(r["alert_id"] == aid for r in a.body):
        break
    threading.Event().wait(0.1)
mine = [r for r in a.body if r["alert_id"] == aid]
masked = "http://127.0.0.1:1/…#" + hashlib.sha256(DEAD_HOOK.encode()).hexdigest()[:8]
check(len(mine) == 1 and mine[0]["url"] == masked and mine[0]["attempts"] == 1 and mine[0]["alert"]["alert_id"] == aid,
      "the dead webhook's delivery given up, its URL masked", [masked, mine])
a = call("POST", "/v1/alerts/%s/retry" % q(aid), "handler")
check(a.status == 403, "a handler may not send a delivery again: 403", a.body)
a = call("POST", "/v1/alerts/%s/retry" % q(aid), "head", {"url": masked})
check(a.status == 200 and a.body.get("retried") == 1 and a.body["deliveries"][0]["alert_id"] == aid,
      "the head sends it again: 200, retried 1", a.body)
a = call("POST", "/v1/alerts/%s/retry" % q("9:x:deadline:20260101T235959+0800"), "head")
check(a.status == 404, "no given-up delivery of that id: 404", a.body)

# --- a deadline outside the calendar ----------------------------------------------------

# --- every chain, recomputed as docs/api.md defines it; the auditor's replay ------------


def canon(v):
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


for cid in [P, L] + list(walked.values()):
    evs = call("GET", "/v1/cases/%d/events" % cid, "auditor").body
    prev = "0" * 64
    ok = True
    for e in evs:
        body = {k: v for k, v in e.items() if k not in ("hash", "prev")}
        h = hashlib.sha256((prev + "\n" + canon(body)).encode()).hexdigest()
        if e["prev"] != prev or e["hash"] != h:
            ok = False
            check(False, "case %d event %d: prev and hash as docs/api.md defines them" % (cid, e["seq"]), e)
            break
        prev = h
    c = read(cid, "auditor")
    check(ok and prev == c["head"] and evs[-1]["seq"] == c["version"], "case %d: the chain recomputed ends at head" % cid)
    a = call("GET", "/v1/cases/%d/replay" % cid, "auditor")
    check(a.status == 200 and a.body["verified"] is True, "case %d: the replay verifies its chain" % cid, a.body)
    if cid == P:
        check(a.body["conformant"] is True, "the penalty case is conformant", a.body.get("deviations"))
a = call("GET", "/v1/cases/%d/export" % P, "auditor")
check(a.status == 200 and a.body["format"] == "caseflow-bundle/1", "the export bundle", a.status)
a = call("GET", "/v1/stats", "head")
check(a.status == 200 and a.body["opened"] >= 10, "GET /v1/stats counts the cases opened", a.body)

# --- a deadline outside the calendar ----------------------------------------------------

# 2024-2026 are loaded, 2027-2029 counted provisionally (docs/legal-periods.md R10, R11): a
# case opened in 2030 would have its filing deadline in a year no calendar holds
clock_to("2030-01-07T09:00:00+08:00")
a = call("POST", "/v1/cases", "handler", {"workflow": "penalty-general", "party": {"name": "某某卫生室", "type": "定点医药机构"},
                                         "facts": {"lead_source": "投诉举报"}})
check(a.status == 422 and a.body.get("error") == "ERANGE" and "2030" in a.body.get("text", ""),
      "a deadline outside the calendar: 422 ERANGE naming the day", a.body)

# --- the workbench's session (docs/workbench.md, docs/api.md "Sessions") ---------------

a = call("POST", "/v1/session", body={"token": TOK["handler"]})
cookie = (a.h("set-cookie") or "").split(";")[0]
check(a.status == 200 and cookie.startswith("cf_session=") and a.body["actor"] == "张三", "sign in: the cookie",
      a.body)
csrf = a.body.get("csrf", "")
a = call("GET", "/v1/cases/%d" % L, headers={"Cookie": cookie})
check(a.status == 200, "a GET with the cookie", a.status)
a = call("POST", "/v1/cases/%d/evidence" % L, body=ev, headers={"Cookie": cookie})
check(a.status == 403 and a.body["error"] == "ECSRF", "a POST with the cookie, no X-CSRF-Token: 403 ECSRF", a.body)
a = call("DELETE", "/v1/session", headers={"Cookie": cookie, "X-CSRF-Token": csrf})
check(a.status == 200 and a.body == {"signed_out": True}, "sign out", a.body)

# --- what a hostile or careless client meets (docs/api.md "Conventions", docs/security.md) ---

a = call("GET", "/v1/cases/%d" % P, "handler")
check(a.h("x-content-type-options") == "nosniff" and a.h("cache-control") == "no-store"
      and a.h("x-frame-options") == "DENY" and "default-src 'none'" in (a.h("content-security-policy") or ""),
      "an API answer's headers: nosniff, no-store, DENY, the CSP", a.headers)
a = call("HEAD", "/v1/cases/%d" % P, "handler")
check(a.status == 200 and a.raw == b"" and a.h("etag") == '"%d"' % read(P)["version"], "HEAD: the ETag, no body",
      [a.status, a.headers])
a = call("HEAD", "/v1/stream", "handler")
check(a.status == 405, "HEAD /v1/stream: 405", a.status)
a = call("POST", "/v1/cases", "handler", {"workflow": "benefit", "party": {"name": "某\u001b[31m某"}})
check(a.status == 400 and a.body.get("field") == "party.name", "an ESC in a party's name: 400, field party.name",
      a.body)
deep = {"workflow": "benefit", "party": {"name": "某某"}, "facts": {"x": json.loads("[" * 40 + "]" * 40)}}
a = call("POST", "/v1/cases", "handler", deep)
check(a.status == 400 and a.body.get("error") == "EINVALID", "JSON nested 40 deep: 400 EINVALID", a.body)
a = call("GET", "/v1/cases?q=%00", "handler")
check(a.status == 400 and a.body.get("parameter") == "q", "%00 in a parameter: 400 naming it", a.body)
conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
conn.putrequest("GET", "/v1/cases")
conn.putheader("Authorization", "Bearer " + TOK["handler"])
conn.putheader("Authorization", "Bearer " + TOK["head"])
conn.endheaders()
r = conn.getresponse()
body = json.loads(r.read())
conn.close()
check(r.status == 400 and body.get("error") == "EAUTH", "two Authorization headers: 400 EAUTH", body)
conform("GET", "/v1/cases", r.status, "application/json", body)
a = call("POST", "/v1/session", raw_body=json.dumps({"token": TOK["handler"]}).encode(),
         headers={"Content-Type": "text/plain"})
check(a.status == 415, "sign-in as text/plain: 415", a.body)
a = call("POST", "/v1/session", body={"token": TOK["handler"]}, headers={"Origin": "http://evil.example"})
check(a.status == 403 and a.body.get("error") == "EORIGIN", "sign-in from another Origin: 403 EORIGIN", a.body)
conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
conn.putrequest("POST", "/v1/cases")
conn.putheader("Authorization", "Bearer " + TOK["handler"])
conn.putheader("Content-Type", "application/json")
conn.putheader("Content-Length", "2000000")
conn.endheaders()
r = conn.getresponse()
body = json.loads(r.read())
conn.close()
check(r.status == 413 and body.get("error") == "ETOOLARGE" and body.get("limit") == 1048576,
      "a body past --max-body: 413 ETOOLARGE with limit, on Content-Length alone", body)
conform("POST", "/v1/cases", r.status, "application/json", body)
c = read(L)
a = call("POST", "/v1/cases/%d/actions" % L, "head", {"action": "not_file", "facts": {"not_filing_reason": "无违法事实"},
                                                     "documents": docs_for(["不予立案审批表", "照片"], "x")},
         {"If-Match": '"%d"' % c["version"]})
check(a.status == 400 and a.body.get("error") == "EINVALID" and "不予立案审批表" in a.body.get("text", ""),
      "a document the action does not declare: 400 EINVALID naming those allowed", a.body)
a = call("GET", "/v1/cases/%d/documents" % P, "handler")
check(a.status == 200 and isinstance(a.body, list), "GET /v1/cases/{id}/documents", a.body)
a = call("GET", "/v1/cases/%d/export?documents=bytes" % P, "auditor")
check(a.status == 200 and "document_bytes" in a.body, "export with the documents' bytes", list(a.body)[:12])
a = call("GET", "/v1/cases/%d/export?documents=all" % P, "auditor")
check(a.status == 400, "export ?documents=all: 400", a.body)
a = call("GET", "/v1/causes?subject_type=" + q("定点医药机构"), "handler")
check(a.status == 200 and any(r["ref"] == "js-2024:14" for r in a.body), "the causes of 定点医药机构", len(a.body))
a = call("GET", "/v1/workflows/no-such", "handler")
check(a.status == 404, "an unknown workflow: 404", a.body)

# --- more of what docs/api.md promises ---------------------------------------------------

a = call("GET", "/livez")
check(a.h("x-request-id"), "an answer carries X-Request-Id", a.headers)
a = call("GET", "/v1/cases/0", "handler")
check(a.status == 400 and a.body.get("parameter") == "id", "case id 0: 400 naming id", a.body)
a = call("POST", "/v1/cases?x=1", "handler", {"workflow": "benefit", "party": {"name": "某某"}})
check(a.status == 400 and a.body.get("parameter") == "x", "a POST with a query parameter: 400 naming it", a.body)
a = call("POST", "/v1/test/clock", body={"now": "2026-01-01T00:00:00+08:00"})
check(a.status == 200 and a.body["now"].startswith("2030-01-07T09:0"),
      "the test clock asked to go back stays where it is: 200, its now", a.body)
a = call("GET", "/v1/cases?open=0", "handler")
b0 = call("GET", "/v1/cases", "handler")
check(a.status == 200 and a.body == b0.body, "open=0 filters nothing", [len(a.body), len(b0.body)])
a = call("GET", "/v1/cases?sort=deadline&limit=1", "handler")
check(a.status == 200 and a.h("x-next-cursor") == "1", "sort=deadline: the cursor is an offset", a.headers)
a2 = call("GET", "/v1/cases?limit=1", "handler")
check(a2.h("link") and "limit=1" in a2.h("link") and "cursor=" in a2.h("link"), "Link keeps the query", a2.h("link"))
c = read(L)
check(c["closed_at"] is None and c["opened_at"] and c["links"] == {"parent": None, "children": []},
      "an open case: closed_at null, opened_at, links", [c["closed_at"], c["opened_at"], c["links"]])
check(all("explain" in k for k in c["clocks"] if k["status"] in ("running", "paused")),
      "running clocks carry explain", [k["id"] for k in c["clocks"]])
a = call("POST", "/v1/cases/%d/evidence" % L, "handler", dict(ev), {"If-Match": 'W/"%d"' % c["version"]})
check(a.status in (201, 422), "If-Match as W/\"N\" is taken", a.body)
a = call("GET", "/v1/stats?format=csv", "head")
check(a.status == 200 and a.h("content-type").startswith("text/csv"), "stats as CSV", a.headers)
a = call("GET", "/v1/stats?from=2026-02-30", "head")
check(a.status == 400 and a.body.get("parameter") == "from", "stats from a day that is not one: 400 naming from",
      a.body)
a = call("GET", "/v1/stats?from=2026-03-01&to=2026-02-01", "head")
check(a.status == 400 and a.body.get("parameter") == "to", "stats over a period ending before it begins: 400 naming to",
      a.body)
raw = call("GET", "/v1/cases/%d/events" % P, "auditor").raw.decode()
check(re.search(r'"hash":"[0-9a-f]{64}","prev":"[0-9a-f]{64}"}', raw) is not None,
      "each event's text ends with hash, then prev", raw[:300])
al = call("GET", "/v1/alerts?limit=1", "auditor")
cur = al.h("x-next-cursor")
if cur:
    a = call("GET", "/v1/alerts?limit=1&cursor=" + cur, "auditor")  # the + sent as is
    b1 = call("GET", "/v1/alerts?limit=1&cursor=" + q(cur), "auditor")
    check(a.status == 200 and a.body == b1.body, "an alert cursor's + sent as is reads as the +", [a.body, b1.body])
tr = [e for e in stream_events if e.get("event") == "transition"]
check(tr and all(re.fullmatch(r"[0-9]+:[0-9]+", e.get("id", "")) for e in tr), "a transition's stream id is CASE:SEQ",
      tr[:1])

a = call("POST", "/v1/session", body={"token": TOK["auditor"]})
cookie = (a.h("set-cookie") or "").split(";")[0]
a = call("GET", "/v1/session", headers={"Cookie": cookie})
check(a.status == 200 and a.body["actor"] == "周八" and a.body["role"] == "auditor", "GET /v1/session", a.body)
a = call("GET", "/v1/cases", headers={"Cookie": cookie + "; " + cookie})
check(a.status == 401, "two cf_session cookies: 401", a.body)

# unknown tokens in a row from one address: 429 with Retry-After (docs/security.md), last, as
# it holds this address back
TOK["wrong"] = "0" * 64
for i in range(40):
    a = call("GET", "/v1/cases", "wrong")
    if a.status != 401:
        break
check(a.status == 429 and a.body["error"] == "ETOOMANY" and a.h("retry-after"),
      "unknown tokens in a row: 429 ETOOMANY with Retry-After", [i, a.status, a.body])

# --- the end ---------------------------------------------------------------------------------

serve.terminate()
rc = serve.wait(60)
check(rc == 0, "SIGTERM: the daemon exits 0", rc)
hook_srv.shutdown()
print("%d checks, %d failed; schemas checked for %d answers' kinds" % (checks, len(failures), len(schema_checked)))
if failures:
    print("kept: " + tmp, file=sys.stderr)
else:
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(1 if failures else 0)
