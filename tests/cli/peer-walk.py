#!/usr/bin/env python3
# peer-walk.py -- another bureau's system walking cases through caseflow's HTTP API.
#
# Why: a peer writes its client from the public documents only (README.md, docs/api.md,
# docs/openapi.yaml, docs/walk.md, docs/audit.md, docs/legal-periods.md, the workflows
# the API serves). This script is such a client: everything it sends or expects is
# what those documents say, and every deadline it reads is checked against its own
# count of the law's period (working days on China's calendar of docs/legal-periods.md
# §3), never against caseflow's. Where the documents and the daemon disagreed, the
# product or the documents were fixed and the check stays here (tests/cli/peer-walk.sh
# starts the daemon with a fixed clock and runs this).
#
# Environment: CF_URL (the daemon, started with --test-clock), CF_TOK_<ROLE> (handler,
# head, reviewer, auditor, officer: a reviewer named as the case's second officer; short: a
# handler's token that expires at 2026-03-02T20:00:00+08:00).
import base64
import datetime as dt
import hashlib
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request

URL = os.environ["CF_URL"]
TOK = {r: os.environ["CF_TOK_" + r.upper()] for r in ("handler", "head", "reviewer", "auditor", "officer", "short")}
failures = []
checks = 0
quiet = False


def check(cond, what, detail=None):
    global checks
    checks += 1
    if not cond:
        failures.append(what)
        if quiet:
            return cond
        print("FAIL: " + what + ("" if detail is None else "\n  " + json.dumps(detail, ensure_ascii=False)[:1500]),
              file=sys.stderr)
    return cond


# --- HTTP ---------------------------------------------------------------------------

def call(method, path, token=None, body=None, headers=None, raw=False):
    """(status, headers, answer): the answer parsed as JSON unless raw."""
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        h.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(URL + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, hdrs, text = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, text = e.code, e.headers, e.read()
    if raw:
        return status, hdrs, text
    return status, hdrs, (json.loads(text) if text else None)


def get(path, role="handler"):
    s, h, b = call("GET", path, TOK[role])
    check(s == 200, "GET %s: 200" % path, b)
    return b


def read(case):
    """The case, and its ETag as documented (the version, quoted)."""
    s, h, b = call("GET", "/v1/cases/%d" % case, TOK["handler"])
    check(s == 200 and h["ETag"] == '"%d"' % b["version"], "case %d read with its ETag" % case, b)
    return b


def doc(name):
    """A document uploaded as the documents say: its bytes, base64, and a file name."""
    data = ("%s（样张）" % name).encode()
    return {"content_base64": base64.b64encode(data).decode(), "file": name + ".pdf"}


def act(case, action, role, facts=None, docs=(), expect=200, version=None):
    """Reads the case (its ETag), then takes the action with If-Match: the order docs/walk.md gives."""
    v = read(case)["version"] if version is None else version
    body = {"action": action}
    if facts:
        body["facts"] = facts
    if docs:
        body["documents"] = {d: doc(d) for d in docs}
    s, h, b = call("POST", "/v1/cases/%d/actions" % case, TOK[role], body, {"If-Match": '"%d"' % v})
    check(s == expect, "case %d %s by %s: %d" % (case, action, role, expect), [s, b])
    started = [e for e in (b or {}).get("events", []) if e["type"] == "clock.started"]
    if s == 200 and started:
        wf = definition(read(case)["workflow"]["id"])
        for e in started:
            clock_counted(wf, e)
    return b


DEFINITIONS = {}


def definition(wf_id):
    if wf_id not in DEFINITIONS:
        DEFINITIONS[wf_id] = get("/v1/workflows/" + wf_id)
    return DEFINITIONS[wf_id]


def clock_now(instant):
    s, h, b = call("POST", "/v1/test/clock", None, {"now": instant})
    check(s == 200, "test clock to " + instant, b)


# --- The law's count (docs/legal-periods.md §1 and §3), our own ------------------------

HOLIDAYS = set()
WORKDAYS = set()


def _days(spec, year):
    for part in spec.split("; "):
        a, _, b = part.partition("…")
        d0 = dt.date.fromisoformat("%d-%s" % (year, a))
        d1 = dt.date.fromisoformat("%d-%s" % (year, b)) if b else d0
        while d0 <= d1:
            yield d0
            d0 += dt.timedelta(days=1)


# §3, 2026 as printed there.
HOLIDAYS.update(_days("01-01…01-03; 02-15…02-23; 04-04…04-06; 05-01…05-05; 06-19…06-21; 09-25…09-27; "
                      "10-01…10-07", 2026))
WORKDAYS.update(_days("01-04; 02-14; 02-28; 05-09; 09-20; 10-10", 2026))


def working(d):
    return d in WORKDAYS or (d.weekday() < 5 and d not in HOLIDAYS)


def working_days(start, n):
    """R1, R3: the start day not counted, then n working days."""
    d = start
    while n > 0:
        d += dt.timedelta(days=1)
        n -= working(d)
    return d


def roll(d):
    """R4: a calendar-day or month period ending on a rest day ends on the next working day."""
    while not working(d):
        d += dt.timedelta(days=1)
    return d


def days(start, n):
    return roll(start + dt.timedelta(days=n))


def months(start, n):
    """R7 then R4."""
    m = start.month - 1 + n
    y, m = start.year + m // 12, m % 12 + 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return roll(dt.date(y, m, min(start.day, last)))


def end_of(d):
    """R5: the end of the last day, China time, as the API writes instants."""
    return "%sT23:59:59+08:00" % d.isoformat()


def deadline_is(case, clock, day, what):
    c = read(case)
    got = {k["id"]: k for k in c["clocks"]}.get(clock)
    check(got is not None and got["deadline"] == end_of(day),
          "case %d clock %s: %s by our count (%s)" % (case, clock, end_of(day), what),
          got and {k: got.get(k) for k in ("deadline", "status", "explain")})
    return c


def D(s):
    return dt.date.fromisoformat(s)


# --- Chain (docs/api.md "GET /v1/cases/{id}/events") --------------------------------

def verify_chain(case, events, head):
    """Each event's hash is SHA-256 of the previous hash, a newline and the event's
    canonical text (compact, keys sorted, without hash and prev); the first prev is 64 zeros."""
    prev = "0" * 64
    for i, e in enumerate(events):
        body = {k: v for k, v in e.items() if k not in ("hash", "prev")}
        text = json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        h = hashlib.sha256((prev + "\n" + text).encode()).hexdigest()
        if not check(e.get("seq") == i + 1 and e.get("case") == case and e.get("prev") == prev and e.get("hash") == h,
                     "case %d event %d chains onto the one before (our own hash)" % (case, i + 1), e):
            return False
        prev = h
    return check(prev == head, "case %d: the chain ends at the head the case names" % case, [prev, head])


# --- A penalty case, general procedure, from the lead to the archive ----------------

OFFICERS = [{"name": "张三", "cert": "65010020001"}, {"name": "王五", "cert": "65010020002"}]


def penalty_walk(session):
    clock_now("2026-03-02T09:00:00+08:00")  # a Monday
    s, h, b = call("POST", "/v1/cases", TOK["handler"],
                   {"workflow": "penalty-general", "party": {"name": "某某大药房", "type": "定点医药机构"},
                    "facts": {"lead_source": "投诉举报"}})
    check(s == 201 and h["Location"] == "/v1/cases/%d" % b["id"], "open: 201 with Location", b)
    case = b["id"]
    session_use(session[0], session[1], case)
    deadline_is(case, "filing", working_days(D("2026-03-02"), 15), "15 working days from the lead")

    # What a peer does wrong before filing, each refused with what and where.
    c = read(case)
    filing = {"filing_reason": "涉嫌串换药品骗取医保基金", "cause": "js-2024:14", "officers": OFFICERS}
    s, h, b = call("POST", "/v1/cases/%d/actions" % case, TOK["head"], {"action": "file", "facts": filing,
                   "documents": {"立案审批表": doc("立案审批表")}})
    check(s == 428 and b["error"] == "EPRECONDITION", "an action without If-Match: 428", b)
    b = act(case, "file", "handler", filing, ["立案审批表"], expect=403)
    check(b["error"] == "EFORBIDDEN" and "head" in b["text"], "the wrong role: 403 naming the role", b)
    b = act(case, "file", "head", filing, [], expect=422)
    miss = {a["action"]: a for a in b.get("allowed", [])}.get("file", {}).get("missing", {})
    check(b["error"] == "EREFUSED" and miss.get("documents") == ["立案审批表"] and "立案审批表" in b["text"],
          "file without its document: 422 naming it, with allowed/missing", b)
    b = act(case, "file", "head", {"filing_reason": "x", "cause": "js-2024:14"}, ["立案审批表"], expect=422)
    check("officers" in b["text"], "file without the officers: 422 naming the fact", b)
    b = act(case, "file", "head", dict(filing, officers=OFFICERS[:1]), ["立案审批表"], expect=422)
    check(b.get("rule") == "two-officers", "file with one officer: 422 rule two-officers", b)
    b = act(case, "submit_review", "handler", {"findings": "x"}, ["调查终结报告"], expect=422)
    check(b["error"] == "EREFUSED" and "submit_review" in b["text"], "a step out of order: 422 naming it", b)
    b = act(case, "file", "head", filing, ["立案审批表"], version=c["version"] - 1, expect=409)
    check(b.get("version") == c["version"], "a stale If-Match: 409 with the current version", b)

    clock_now("2026-03-02T10:00:00+08:00")
    act(case, "file", "head", filing, ["立案审批表"])
    c = read(case)
    check(c["state"] == "investigating" and c["number"], "filed: investigating, with its 案号", c)
    # 90 days from 03-02 end on Sun 05-31: the next working day (R4).
    deadline_is(case, "decision", days(D("2026-03-02"), 90), "90 days from filing, rolled off a Sunday")

    # 调查取证: the register, by two officers (docs/api.md "POST /v1/cases/{id}/evidence").
    item = {"kind": "书证", "title": "处方单据12份", "source": "某某大药房", "method": "调取", "officers": OFFICERS}
    s, h, b = call("POST", "/v1/cases/%d/evidence" % case, TOK["handler"], dict(item, officers=OFFICERS[:1]))
    check(s == 422 and b.get("rule") == "two-officers", "evidence by one officer: 422 two-officers", b)
    s, h, b = call("POST", "/v1/cases/%d/evidence" % case, TOK["handler"], dict(item, kind="照片"))
    check(s == 400 and "书证" in b.get("text", ""), "evidence of an unknown kind: 400 naming the kinds", b)
    v = read(case)["version"]
    s, h, b = call("POST", "/v1/cases/%d/evidence" % case, TOK["handler"], item, {"If-Match": '"%d"' % v})
    check(s == 201 and b["events"][0]["type"] == "evidence.added", "evidence: 201", b)
    # The same request again (a retry after a lost answer) with the same If-Match writes nothing.
    s, h, b = call("POST", "/v1/cases/%d/evidence" % case, TOK["handler"], item, {"If-Match": '"%d"' % v})
    check(s == 409, "evidence retried with the same If-Match: 409, not a second item", b)
    check(len(get("/v1/cases/%d/evidence" % case)) == 1, "one item in the register after the retry")
    s, h, b = call("POST", "/v1/cases/%d/records" % case, TOK["handler"],
                   {"kind": "询问笔录", "officers": OFFICERS, "started_at": "2026-03-02T09:30:00+08:00",
                    "ended_at": "2026-03-02T09:50:00+08:00", "place": "某某大药房",
                    "person": {"name": "赵六", "role": "当事人"}, "summary": "承认串换药品"})
    check(s == 201 and b["events"][0]["record"]["evidence_kind"] == "当事人的陈述", "a 询问笔录: 201", b)

    # 中止 on Wed 03-04 and 恢复 on Wed 03-11: the decision clock stops for 7 days (R8).
    clock_now("2026-03-04T10:00:00+08:00")
    act(case, "suspend", "handler", {"suspend_reason": "待另案结果"}, ["中止调查审批表"], expect=403)
    act(case, "suspend", "head", {"suspend_reason": "待另案结果"}, ["中止调查审批表"])
    c = read(case)
    dec = {k["id"]: k for k in c["clocks"]}["decision"]
    check(c["state"] == "suspended" and dec["status"] == "paused", "suspended: the decision clock paused", dec)
    act(case, "submit_review", "handler", {"findings": "x"}, ["调查终结报告"], expect=422)
    clock_now("2026-03-11T10:00:00+08:00")
    act(case, "resume", "head", {"resume_reason": "另案已结"}, ["恢复调查审批表"])
    c = read(case)
    check(c["state"] == "investigating", "resumed: back to investigating", c["state"])
    deadline_is(case, "decision", days(D("2026-03-02"), 97), "90 days and the 7 suspended, counted once")

    # Time not counted (检测、检验、鉴定, 第四十五条): two days, recorded once over, on Mon 03-16.
    clock_now("2026-03-16T09:00:00+08:00")
    exc = {"clock": "decision", "from": "2026-03-12T10:00:00+08:00", "to": "2026-03-14T10:00:00+08:00",
           "reason": "检测"}
    for bad, says in ((dict(exc, to=exc["from"]), "empty"), (dict(exc, to="2026-03-17T10:00:00+08:00"), "after now"),
                      (dict(exc, **{"from": "2026-03-01T10:00:00+08:00"}), "before clock 'decision' started"),
                      (dict(exc, reason="开会"), "检测")):
        s, h, b = call("POST", "/v1/cases/%d/exclusions" % case, TOK["head"], bad)
        check(s == 422 and says in b.get("text", "") and b.get("rule", "").startswith("exclusion-"),
              "an exclusion refused, saying what is wrong: " + says, b)
    s, h, b = call("POST", "/v1/cases/%d/exclusions" % case, TOK["head"], exc)
    check(s == 200 and b["events"][0].get("excluded") == "2 days", "two days excluded", b)
    deadline_is(case, "decision", days(D("2026-03-02"), 99), "90, 7 suspended and 2 excluded, counted once")

    # 延期: the head's 30 days (a handler's is 403; more than the rule's 30 is 422).
    ext = {"clock": "decision", "by": "30 days", "reason": "案情复杂"}
    s, h, b = call("POST", "/v1/cases/%d/extensions" % case, TOK["handler"], ext)
    check(s == 403, "an extension by a handler: 403", b)
    s, h, b = call("POST", "/v1/cases/%d/extensions" % case, TOK["head"], dict(ext, by="31 days"))
    check(s == 422 and b.get("rule") == "extension-max", "31 days: 422 extension-max", b)
    v = read(case)["version"]
    s, h, b = call("POST", "/v1/cases/%d/extensions" % case, TOK["head"], ext, {"If-Match": '"%d"' % v})
    check(s == 200 and any(e["type"] == "clock.extended" for e in b["events"]), "the head's 30 days: 200", b)
    s, h, b = call("POST", "/v1/cases/%d/extensions" % case, TOK["head"], ext, {"If-Match": '"%d"' % v})
    check(s == 409 and b.get("version") == v + 1, "the extension retried with its If-Match: 409, not 60 days", b)
    deadline_is(case, "decision", days(D("2026-03-02"), 129), "90, 7 suspended, 2 excluded, 30 extended, once")

    # 审查, then 法制审核 (the case is serious): Mon 03-16.
    clock_now("2026-03-16T10:00:00+08:00")
    act(case, "submit_review", "handler", {"findings": "串换药品12次，涉及医保基金2万元"}, ["调查终结报告"])
    act(case, "notify", "handler", {"serious": True, "notified_penalty": "罚款5万元"},
        ["案件审查报告", "行政处罚告知书"], expect=422)
    act(case, "submit_legal_review", "handler", {"serious": True, "review_opinion": "拟罚款5万元"}, ["案件审查报告"])
    deadline_is(case, "legal_review", working_days(D("2026-03-16"), 10), "10 working days")
    act(case, "pass_legal_review", "handler", {"legal_review_opinion": "同意"}, ["法制审核意见书"], expect=403)
    b = act(case, "pass_legal_review", "officer", {"legal_review_opinion": "同意"}, ["法制审核意见书"], expect=422)
    check(b.get("rule") == "legal-reviewer-not-officer", "a reviewer who is one of the officers: 422, its rule", b)
    clock_now("2026-03-20T10:00:00+08:00")
    act(case, "pass_legal_review", "reviewer", {"legal_review_opinion": "同意"}, ["法制审核意见书"])
    check(read(case)["state"] == "collective", "legal review passed: to the collective discussion")

    # 告知, with the hearing: served Thu 04-02, before 清明 (04-04…04-06).
    clock_now("2026-04-01T10:00:00+08:00")
    act(case, "notify_with_hearing", "handler", {"notified_penalty": "罚款5万元", "notified_fine": "50000"},
        ["重大案件集体讨论记录", "行政处罚告知书", "行政处罚听证告知书"])
    clock_now("2026-04-02T10:00:00+08:00")
    act(case, "serve_notice", "handler", {}, ["告知书送达回证"], expect=422)
    act(case, "serve_hearing_notice", "handler", {}, ["告知书送达回证"])
    deadline_is(case, "hearing_request", working_days(D("2026-04-02"), 5), "5 working days, 清明 skipped")
    deadline_is(case, "defence", working_days(D("2026-04-02"), 3), "3 working days, 清明 skipped")
    act(case, "decide", "head", {"penalty": "罚款5万元", "fine": "50000"}, ["行政处罚决定书"], expect=422)

    # 听证, requested by the party on Tue 04-07; the notice served Wed 04-08, the hearing
    # after 7 working days: not before Mon 04-20 (the 17th is the 7th day).
    clock_now("2026-04-07T10:00:00+08:00")
    act(case, "request_hearing", "handler", {"hearing_requested": True}, ["听证申请书"])
    clock_now("2026-04-08T10:00:00+08:00")
    act(case, "notify_hearing", "handler", {"hearing_date": "2026-04-20", "hearing_notice_served_on": "2026-04-09"},
        ["听证通知书"], expect=400)
    act(case, "notify_hearing", "handler", {"hearing_date": "2026-04-20", "hearing_notice_served_on": "2026-04-08"},
        ["听证通知书"])
    clock_now("2026-04-17T10:00:00+08:00")
    b = act(case, "hold_hearing", "reviewer", {}, ["听证笔录", "听证报告"], expect=422)
    check(b.get("rule") == "hearing-notice-seven-days" and b.get("article"), "a hearing too soon: its rule and article", b)
    clock_now("2026-04-20T09:00:00+08:00")
    act(case, "hold_hearing", "reviewer", {}, ["听证笔录", "听证报告"])
    # Reviewed before the notice, heard since: the hearing's outcome is reviewed too (第五十八条).
    b = act(case, "decide", "head", {"penalty": "罚款5万元", "fine": "50000"}, ["行政处罚决定书"], expect=422)
    check(b.get("rule") == "legal-review-before-decision", "a decision after the hearing, unreviewed: its rule", b)
    act(case, "submit_legal_review", "handler", {"review_opinion": "维持"}, ["听证报告"])
    act(case, "pass_legal_review", "reviewer", {"legal_review_opinion": "同意"}, ["法制审核意见书"])
    check(read(case)["state"] == "heard", "legal review after the hearing: back to heard")

    # 决定 on Thu 04-30, before 劳动节 (05-01…05-05, Sat 05-09 worked): served within 7 working days.
    clock_now("2026-04-30T10:00:00+08:00")
    act(case, "decide", "head", {"penalty": "罚款5万元", "fine": 50000}, ["行政处罚决定书"], expect=400)
    act(case, "decide", "head", {"penalty": "罚款5万元", "fine": "50000"}, ["行政处罚决定书"])
    c = deadline_is(case, "service", working_days(D("2026-04-30"), 7), "7 working days, 劳动节 skipped, 05-09 worked")
    check(c["decision_number"] and c["facts"]["fine"] == "50000.00", "decided: its 决定书文号, the fine as a string", c)
    dec = {k["id"]: k for k in c["clocks"]}["decision"]
    check(dec["status"] == "met", "the decision clock met", dec)

    # 送达 Wed 05-06: payment 15 days, review 60 days, suit 6 months.
    clock_now("2026-05-06T10:00:00+08:00")
    act(case, "serve", "handler", {"service_method": "直接送达"}, ["送达回证"])
    deadline_is(case, "payment", days(D("2026-05-06"), 15), "15 days")
    deadline_is(case, "review", days(D("2026-05-06"), 60), "60 days, rolled off a Sunday")
    deadline_is(case, "suit", months(D("2026-05-06"), 6), "6 months")

    # 执行: a part payment stays; the rest closes the execution. 结案, 归档.
    clock_now("2026-05-08T10:00:00+08:00")
    act(case, "pay", "handler", {"paid_amount": "20000", "payment_method": "银行缴纳", "paid_on": "2026-05-08"},
        ["罚款缴纳凭证"])
    check(read(case)["state"] == "executing", "a part payment: still executing")
    act(case, "pay", "handler", {"paid_amount": "30000", "payment_method": "银行缴纳", "paid_on": "2026-05-08"},
        ["罚款缴纳凭证"])
    check(read(case)["state"] == "closing", "paid in full: closing")
    act(case, "close", "handler", {"closing_reason": "执行完毕"}, ["结案审批表"], expect=403)
    act(case, "close", "head", {"closing_reason": "执行完毕"}, ["结案审批表"])
    act(case, "archive", "handler", {}, [], expect=422)
    act(case, "archive", "handler", {}, ["卷宗"])
    c = read(case)
    check(c["state"] == "archived" and c["closed"] and c["archive_number"], "archived, closed, with its 档案号", c)
    b = act(case, "publish", "handler", {"publication_ref": "x"}, expect=422)
    check(b.get("error") == "ECLOSED", "an action on a closed case: 422 ECLOSED", b)
    return case


# --- One case of every other workflow, along its main line ----------------------------

def value_for(fact, today):
    """A value of the fact's declared type (docs/api.md "GET /v1/workflows/{id}")."""
    t = fact["type"]
    if fact.get("values"):
        return fact["values"][0]
    return {"string": "（%s）" % fact.get("name", fact["id"]), "bool": True, "number": 1, "date": today,
            "amount": "100", "list": OFFICERS}[t]


def walk_paths():
    """docs/walk.md's straight walks, as printed there (the block walk-paths): workflow: a → b → ..."""
    text = open(os.path.join(os.environ.get("CF_SRC", "."), "docs", "walk.md"), encoding="utf-8").read()
    if not check("<!-- walk-paths:begin -->" in text, "docs/walk.md prints the walks (block walk-paths)"):
        return {}
    block = text.split("<!-- walk-paths:begin -->")[1].split("<!-- walk-paths:end -->")[0]
    return {w.strip(): p.strip() for w, _, p in (line.partition(":") for line in block.splitlines())
            if p and not w.startswith("`")}


# The facts the workflows' rules ask for beyond an action's requires (GET /v1/workflows/{id}
# "rules"; docs/walk.md).
EXTRA = {
    ("inspection", "begin"): {"unannounced": True, "unannounced_reason": "事先通知可能导致证据灭失"},
    ("supervision", "begin"): {"unannounced": True, "unannounced_reason": "事先通知可能导致证据灭失"},
    ("penalty-summary", "inform"): {"notified_fine": "100"},
    ("penalty-summary", "decide_on_spot"): {"fine": "100"},
    ("reward", "assess"): {"case_amount": "20000", "reward_amount": "2000", "info_already_known": False,
                           "reporter_excluded": False},
    ("reward", "decide_reward"): {"reward_amount": "2000"},
    ("reward", "pay_reward"): {"paid_amount": "2000"},
}


def clock_counted(wf, e):
    """A clock started: its deadline by our count of the definition's period from the event's day."""
    period = {k["id"]: k["period"] for k in wf["clocks"]}[e["clock"]]
    n, unit = period.split()
    n, start = int(n), D(e["at"][:10])
    want = {"working_days": lambda: end_of(working_days(start, n)), "days": lambda: end_of(days(start, n)),
            "months": lambda: end_of(months(start, n)),
            "hours": lambda: (dt.datetime.fromisoformat(e["at"]) + dt.timedelta(hours=n)).isoformat()}[unit]()
    check(e.get("period") == period and e["deadline"] == want,
          "case %d %s clock %s (%s from %s): %s by our count" % (e["case"], wf["id"], e["clock"], period, e["at"], want), e)


def main_walk(wf_id, party, day):
    """Opens a case and takes the actions of its main path, each with the facts and documents
    the definition says it requires, by a role it names."""
    wf = definition(wf_id)
    facts = {f["id"]: f for f in wf["facts"]}
    s, h, b = call("POST", "/v1/cases", TOK["handler"], {"workflow": wf_id, "party": party})
    if not check(s == 201, "%s: opened" % wf_id, b):
        return None
    case = b["id"]
    for action in walk_paths().get(wf_id, "").split(" → "):
        c = read(case)
        ts = [t for t in wf["transitions"] if t["action"] == action and
              (c["state"] in t["from"] or "*" in t["from"])]
        if not check(ts, "%s: %s from %s in the definition" % (wf_id, action, c["state"]), c["allowed"]):
            break
        t = ts[0]
        role = "handler" if "handler" in t["roles"] else t["roles"][0]
        fs = {f: value_for(facts[f], day) for f in t["requires"]["facts"] if f not in c["facts"]}
        fs.update(EXTRA.get((wf_id, action), {}))
        b = act(case, action, role, fs, t["requires"]["documents"])
        if "error" in b:
            break
    c = read(case)
    last = wf["main_line"][-1]
    check(c["closed"] and c["state"] == last, "%s: walked to %s" % (wf_id, last), c["state"])
    return case


def other_walks(day):
    ids = [w["id"] for w in get("/v1/workflows")]
    party = {"name": "某某医院", "type": "定点医药机构"}
    paths = walk_paths()
    check(sorted(paths) == sorted(set(ids) - {"penalty-general"}), "docs/walk.md walks every workflow the API lists", [sorted(paths), ids])
    return {w: main_walk(w, party, day) for w in ids if w != "penalty-general"}


# --- Sessions, paging, retries, the auditor ---------------------------------------------

def sign_in():
    """docs/api.md "Sessions": the cookie and the CSRF token, for a session that lasts 8 hours."""
    s, h, b = call("POST", "/v1/session", None, {"token": TOK["handler"]})
    now = dt.datetime.fromisoformat(b["now"])
    check(s == 200 and b["csrf"] and dt.datetime.fromisoformat(b["expires_at"]) == now + dt.timedelta(hours=8),
          "signed in for 8 hours", b)
    return h["Set-Cookie"].split(";")[0], b["csrf"], b["expires_at"]


def session_expired(cookie, expires_at, case):
    s, h, b = call("GET", "/v1/cases/%d" % case, None, headers={"Cookie": cookie})
    check(s == 401 and b["error"] == "EAUTH" and ("expired at " + expires_at) in b["text"],
          "a session past its 8 hours: 401 saying it expired", [s, b])


def session_use(cookie, csrf, case):
    s, h, b = call("GET", "/v1/cases/%d" % case, None, headers={"Cookie": cookie})
    check(s == 200, "the session reads the case", b)
    v = b["version"]
    body = {"kind": "书证", "title": "进销存记录", "source": "某某大药房", "method": "调取", "officers": OFFICERS}
    s, h, b = call("POST", "/v1/cases/%d/evidence" % case, None, body, {"Cookie": cookie, "If-Match": '"%d"' % v})
    check(s == 403 and b["error"] == "ECSRF", "a POST with the cookie but no X-CSRF-Token: 403 ECSRF", b)


def pages(path, key, limit):
    """Every row of a list, following X-Next-Cursor (and checking Link) until none."""
    rows, cursor, n = [], None, 0
    while True:
        q = path + ("&" if "?" in path else "?") + "limit=%d" % limit
        if cursor:
            q += "&cursor=" + urllib.parse.quote(cursor, safe="")
        s, h, b = call("GET", q, TOK["handler"])
        check(s == 200 and len(b) <= limit, "page %s: 200, at most %d rows" % (q, limit), b)
        rows += b
        n += 1
        cursor = h.get("X-Next-Cursor")
        if cursor is None:
            check(len(b) < limit or not b or "Link" not in h, "the last page has no Link", dict(h))
            return rows, n
        check(str(b[-1][key]) == cursor and 'rel="next"' in h.get("Link", ""),
              "X-Next-Cursor is the last row's %s, and Link rel=next is given" % key, [cursor, h.get("Link")])
        if n > 100:
            return rows, n


def paging(opened):
    every, _ = pages("/v1/cases", "id", 1000)
    ids = [r["id"] for r in every]
    check(ids == sorted(ids) and set(opened) <= set(ids), "all cases, by id", ids)
    for limit in (1, 2, 3):
        rows, n = pages("/v1/cases", "id", limit)
        check([r["id"] for r in rows] == ids, "limit=%d: every case once, in order, over %d pages" % (limit, n),
              [r["id"] for r in rows])
    alerts, _ = pages("/v1/alerts", "alert_id", 1000)
    rows, n = pages("/v1/alerts", "alert_id", 2)
    check([r["alert_id"] for r in rows] == [r["alert_id"] for r in alerts] and n > 1,
          "alerts, 2 a page: each once, in order (%d alerts)" % len(alerts), len(rows))
    # The Link header followed as given, and an alert cursor's '+' sent unencoded (read back as '+').
    got, path = [], "/v1/cases?open=0&limit=2"
    while path:
        s, h, b = call("GET", path, TOK["handler"])
        got += [r["id"] for r in b]
        link = h.get("Link", "")
        path = link[link.index("<") + 1:link.index(">")] if link else None
    check(got == ids, "open=0 (no filter, docs/api.md), by the Link header: every case once", [got, ids])
    s, h, b = call("GET", "/v1/cases?overdue=0&limit=1000", TOK["handler"])
    check([r["id"] for r in b] == ids, "overdue=0: no filter either", b)
    first = alerts[0]["alert_id"]
    s, h, b = call("GET", "/v1/alerts?limit=1&cursor=" + first.replace("+", "+"), TOK["handler"])
    check(s == 200 and b and b[0]["alert_id"] == alerts[1]["alert_id"], "an alert cursor with its '+' as is", b)
    s, h, b = call("GET", "/v1/cases?limit=0", TOK["handler"])
    check(s == 400 and b.get("parameter") == "limit", "limit=0: 400 naming the parameter", b)
    s, h, b = call("GET", "/v1/cases?limit=1&limit=5", TOK["handler"])
    check(s == 400 and "limit" in b.get("text", ""), "limit given twice: 400 naming it", b)


def open_retried():
    """A retried open is a second case (docs/api.md "Retrying"); q= finds both."""
    body = {"workflow": "benefit", "party": {"name": "重试参保人", "type": "自然人"}}
    ids = [call("POST", "/v1/cases", TOK["handler"], body)[2]["id"] for _ in range(2)]
    s, h, b = call("GET", "/v1/cases?workflow=benefit&q=" + urllib.parse.quote("重试参保人"), TOK["handler"])
    check(s == 200 and [r["id"] for r in b] == ids, "a retried open: two cases, both found by q=", [ids, b])


def retries(case):
    """A retry of the same action (its answer lost): the same If-Match is 409 and writes nothing;
    the case says the action was taken (done)."""
    c = read(case)
    s, h, b = call("POST", "/v1/cases/%d/actions" % case, TOK["handler"],
                   {"action": "archive", "documents": {"卷宗": doc("卷宗")}}, {"If-Match": '"%d"' % (c["version"] - 1)})
    check(s in (409, 422) and read(case)["version"] == c["version"], "a retried action writes nothing", b)


def audit(case):
    s, h, b = call("GET", "/v1/cases/%d/replay" % case, TOK["auditor"])
    check(s == 200 and b["verified"] and b["conformant"] and not b["deviations"],
          "the auditor's replay of case %d: verified, conformant" % case, b)
    s, h, events = call("GET", "/v1/cases/%d/events" % case, TOK["auditor"])
    c = read(case)
    check(c["algo"] == "sha256", "the case's chain algorithm is sha256", c["algo"])
    verify_chain(case, events, c["head"])
    s, h, b = call("POST", "/v1/cases/%d/evidence" % case, TOK["auditor"], {"kind": "书证"})
    check(s == 403 and b["error"] == "EFORBIDDEN", "an auditor's POST: 403", b)
    # A tampered copy must not verify by the same count.
    global quiet
    events[1]["actor"] = "某人"
    failed, quiet = len(failures), True
    verify_chain(case, events, c["head"])
    seen, quiet = len(failures) > failed, False
    del failures[failed:]
    check(seen, "our own check sees a changed event")


def main():
    s, h, b = call("GET", "/v1/workflows", TOK["short"])
    check(s == 200, "the 12-hour token works in its morning", b)
    cookie, csrf, expires_at = sign_in()
    case = penalty_walk((cookie, csrf))
    others = other_walks(D("2026-05-08").isoformat())
    session_expired(cookie, expires_at, case)
    s, h, b = call("GET", "/v1/workflows", TOK["short"])
    check(s == 401 and "expired at 2026-03-02T20:00:00+08:00" in b.get("text", ""),
          "a token past its expiry: 401 saying when it expired", b)
    s, h, b = call("GET", "/v1/workflows", "0" * 64)
    check(s == 401 and b.get("text") == "unknown token", "an unknown token: 401 unknown token", b)
    retries(case)
    open_retried()
    for party in ("甲药房", "乙药房", "丙药房"):  # open cases: their filing clocks' alerts, to page through
        s, h, b = call("POST", "/v1/cases", TOK["handler"],
                       {"workflow": "penalty-general", "party": {"name": party, "type": "定点医药机构"}})
        others[party] = b["id"]
    paging([case] + [c for c in others.values() if c])
    for c in [case] + [c for c in others.values() if c]:
        audit(c)
    print("peer-walk: %d checks, %d failed" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
