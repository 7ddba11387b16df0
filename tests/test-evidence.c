/*
 * test-evidence.c -- evidence-*: the evidence register and the records (issue 20
 * item 2; engine/evidence.c, api/ops/ops-evidence.c, the CLI and the API).
 *
 * evidence-1.*: the engine: an item and a record checked and numbered, every
 *               refusal (unknown kind with the kinds, a missing or unknown field, one
 *               officer, an officer not the case's, a closed case, a time to come),
 *               outputs untouched (evidence_engine_refusals, evidence_engine_items);
 *               the fold kept in the snapshot (evidence_snapshot).
 * evidence-2.*: the workflow rule evidence_required: checked at load, refusing an
 *               action with what is missing and the article (evidence_rule).
 * evidence-3.*: replay accepts the events and flags a forged one (evidence_replay).
 * evidence-4.*: the front ends: the command line (evidence_cli: add, list, case show,
 *               refusals and exit codes, a file too large, a document named as a kind
 *               of record accepted on an action), the API (evidence_http: statuses,
 *               agencies, an auditor), and the same scenario through both leaving the
 *               same chain and the same stored bytes (evidence_parity); a record's start
 *               before the case was opened or after it is entered, refused alike by
 *               both, naming the option or the field (evidence_record_times); who
 *               entered it named, never a placeholder (evidence_actor_required).
 * evidence-5.*: the 询问笔录 and 现场检查笔录 文书 written from a record (evidence_wenshu).
 */
#include <sqlite3.h>

#include "audit.h"
#include "cli.h"
#include "core-helpers.h"
#include "evidence.h"
#include "ops.h"
#include "serve-helpers.h"
#include "task.h"
#include "wenshu.h"

#define T0 "2026-03-02T09:00:00+08:00"
#define T1 "2026-03-03T10:00:00+08:00"
#define T2 "2026-03-05T10:00:00+08:00"
#define OFFICERS                                                                                   \
    "{\"officers\": [{\"name\": \"张三\", \"cert\": \"65010020001\"}, {\"name\": \"王五\", "   \
    "\"cert\": \"65010020002\"}], \"filing_reason\": \"x\", \"cause\": \"y\"}"

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct fx_s {
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_store_t *store;
    cf_case_t c;
} fx_t;

/* A penalty case opened at T0 and filed at T1 with officers 张三 and 王五. */
static void setup(fx_t *f, const char *db)
{
    f->wf = cf_test_workflow("workflows/penalty-general.yaml");
    f->cal = cf_test_calendar();
    f->store = cf_test_store(db);
    cf_test_open(f->store, f->wf, f->cal, T0, &f->c);
    ASSERT_EQ(cf_test_act(f->store, f->wf, f->cal, &f->c, "file", "head", T1, OFFICERS,
                          "立案审批表", NULL),
              0);
}

static void teardown(fx_t *f)
{
    cf_case_dispose(&f->c);
    cf_store_close(f->store);
    cf_calendar_free(f->cal);
    cf_workflow_free(f->wf);
}

/* Enters item (JSON text) as evidence (or a record) at iso; returns the code, OUT why.
 * On success the event is stored and folded; on failure *events stays NULL. */
static int enter(fx_t *f, int record, const char *item, const char *iso, cf_refusal_t *why)
{
    json_t *j = json_loads(item, 0, NULL), *events = NULL;
    ASSERT(j != NULL);
    cf_evidence_req_t req = {
        .actor = "张三", .role = "handler", .at = cf_test_time(iso), .item = j};
    int rc = record ? cf_engine_record(f->wf, &f->c, &req, &events, why)
                    : cf_engine_evidence(f->wf, &f->c, &req, &events, why);
    if (rc != 0)
        ASSERT(events == NULL); /* untouched on failure */
    if (rc == 0)
        ASSERT_EQ(cf_store_case_append(f->store, &f->c, events, NULL), 0);
    json_decref(events);
    json_decref(j);
    return rc;
}

#define ITEM(kind, officers)                                                                       \
    "{\"kind\": \"" kind "\", \"title\": \"处方单据12份\", \"source\": \"某某大药房\", " \
    "\"method\": \"调取\", \"officers\": " officers "}"
#define TWO_NAMES "[{\"name\": \"张三\"}, {\"name\": \"王五\"}]"

/* ---- evidence-1: the engine ------------------------------------------------------------ */

/* evidence-1.1: every refusal names what is wrong; nothing is made. */
TEST_IMPL(evidence_engine_refusals)
{
    fx_t f;
    cf_refusal_t why;
    setup(&f, "ev-refusals.db");
    ASSERT_EQ(enter(&f, 0, ITEM("神秘证据", TWO_NAMES), T2, &why), CF_EINVALID);
    ASSERT_CONTAINS(why.text, "unknown kind of evidence '神秘证据'");
    ASSERT_CONTAINS(why.text, "书证, 物证, 视听资料, 电子数据, 证人证言, 当事人的陈述, 鉴定意见");
    ASSERT_CONTAINS(why.text, "行政诉讼法 第三十三条");
    ASSERT_EQ(enter(&f, 0, ITEM("询问笔录", TWO_NAMES), T2, &why), CF_EINVALID);
    ASSERT_CONTAINS(why.text, "is a record");
    ASSERT_EQ(enter(&f, 1, "{\"kind\": \"书证\"}", T2, &why), CF_EINVALID);
    ASSERT_CONTAINS(why.text, "unknown kind of record '书证'");
    ASSERT_EQ(enter(&f, 0, "{\"kind\": \"书证\", \"title\": \"x\", \"officers\": " TWO_NAMES "}",
                    T2, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "'source' is required");
    ASSERT_EQ(
        enter(&f, 0,
              "{\"kind\": \"书证\", \"title\": \"x\", \"source\": \"x\", \"method\": \"调取\", "
              "\"officers\": " TWO_NAMES ", \"colour\": \"red\"}",
              T2, &why),
        CF_EINVALID);
    ASSERT_CONTAINS(why.text, "unknown field 'colour'");
    /* the two-officer rule, with its article */
    ASSERT_EQ(enter(&f, 0, ITEM("书证", "[{\"name\": \"张三\"}]"), T2, &why), CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "two-officers");
    ASSERT_CONTAINS(why.article, "行政处罚法 第四十二条");
    ASSERT_EQ(enter(&f, 0, ITEM("书证", "[{\"name\": \"张三\"}, {\"name\": \"张三\"}]"), T2, &why),
              CF_EREFUSED);
    ASSERT_EQ(enter(&f, 0, ITEM("书证", "[{\"name\": \"张三\"}, {\"name\": \"赵六\"}]"), T2, &why),
              CF_EREFUSED);
    ASSERT_CONTAINS(why.text, "officer '赵六' is not one of the case's officers");
    ASSERT_EQ(enter(&f, 0,
                    ITEM("书证", "[{\"name\": \"张三\"}, {\"name\": \"王五\", \"cert\": \"9\"}]"),
                    T2, &why),
              CF_EREFUSED); /* a cert that is not the case's */
    /* times: obtained after it is recorded; recorded before the case's last event */
    ASSERT_EQ(
        enter(&f, 0,
              "{\"kind\": \"书证\", \"title\": \"x\", \"source\": \"x\", \"method\": \"调取\", "
              "\"officers\": " TWO_NAMES ", \"obtained_at\": \"2026-03-06T10:00:00+08:00\"}",
              T2, &why),
        CF_EINVALID);
    ASSERT_CONTAINS(why.text, "after the time it is recorded");
    ASSERT_EQ(enter(&f, 0, ITEM("书证", TWO_NAMES), T0, &why), CF_EINVALID);
    ASSERT_CONTAINS(why.text, "before the case's last event");
    /* a record: who was asked, as whom; site only for an inspection */
    ASSERT_EQ(enter(&f, 1,
                    "{\"kind\": \"询问笔录\", \"officers\": " TWO_NAMES ", \"started_at\": \"" T1
                    "\", \"place\": \"询问室\"}",
                    T2, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "'person' (who was asked) is required");
    ASSERT_EQ(
        enter(&f, 1,
              "{\"kind\": \"询问笔录\", \"officers\": " TWO_NAMES ", \"started_at\": \"" T1
              "\", \"place\": \"询问室\", \"person\": {\"name\": \"赵某\", \"role\": \"路人\"}}",
              T2, &why),
        CF_EINVALID);
    ASSERT_CONTAINS(why.text, "not one of 当事人, 证人, 有关人员");
    ASSERT_EQ(enter(&f, 1,
                    "{\"kind\": \"现场检查笔录\", \"officers\": " TWO_NAMES
                    ", \"started_at\": \"" T2 "\", \"ended_at\": \"" T1
                    "\", \"place\": \"药房\", \"site\": \"库房\"}",
                    T2, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "'ended_at' is before 'started_at'");
    /* a record's start: not before the case was opened (T0), not after it is recorded */
    ASSERT_EQ(enter(&f, 1,
                    "{\"kind\": \"现场检查笔录\", \"officers\": " TWO_NAMES
                    ", \"started_at\": \"2026-03-01T09:00:00+08:00\", \"place\": \"药房\", "
                    "\"site\": \"库房\"}",
                    T2, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "现场检查笔录: 'started_at' 2026-03-01T09:00:00+08:00 is before the "
                              "case was opened (" T0 ")");
    ASSERT_EQ(enter(&f, 1,
                    "{\"kind\": \"现场检查笔录\", \"officers\": " TWO_NAMES
                    ", \"started_at\": \"2026-03-06T09:00:00+08:00\", \"place\": \"药房\", "
                    "\"site\": \"库房\"}",
                    T2, &why),
              CF_EINVALID);
    ASSERT_CONTAINS(why.text, "'started_at' 2026-03-06T09:00:00+08:00 is after the time it is "
                              "recorded (" T2 ")");
    ASSERT_EQ(
        enter(&f, 1,
              "{\"kind\": \"询问笔录\", \"officers\": [{\"name\": \"张三\"}], \"started_at\": "
              "\"" T1 "\", \"place\": \"询问室\", \"person\": {\"name\": \"赵某\", \"role\": "
              "\"证人\"}}",
              T2, &why),
        CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "two-officers");
    ASSERT(json_array_size(f.c.evidence) == 0 && json_array_size(f.c.records) == 0);
    ASSERT_EQ(f.c.version, 5); /* nothing written */
    /* a closed case takes nothing: close it by not filing a fresh one */
    cf_case_t closed;
    cf_test_open(f.store, f.wf, f.cal, T0, &closed);
    ASSERT_EQ(cf_test_act(f.store, f.wf, f.cal, &closed, "not_file", "head", T1,
                          "{\"not_filing_reason\": \"x\"}", "不予立案审批表", NULL),
              0);
    json_t *item = json_loads(ITEM("书证", TWO_NAMES), 0, NULL), *events = NULL;
    cf_evidence_req_t req = {
        .actor = "张三", .role = "handler", .at = cf_test_time(T2), .item = item};
    ASSERT_EQ(cf_engine_evidence(f.wf, &closed, &req, &events, &why), CF_ECLOSED);
    ASSERT(events == NULL);
    json_decref(item);
    cf_case_dispose(&closed);
    teardown(&f);
    return 0;
}

/* evidence-1.2: items and records are numbered in turn, their officers resolved from the
 * case's, their times written in one form, and a record counts as its evidence kind. */
TEST_IMPL(evidence_engine_items)
{
    fx_t f;
    cf_refusal_t why;
    setup(&f, "ev-items.db");
    ASSERT_EQ(enter(&f, 0, ITEM("书证", TWO_NAMES), T2, &why), 0);
    ASSERT_EQ(enter(&f, 0, ITEM("现场笔录", TWO_NAMES), T2, &why), 0);
    const json_t *e = json_array_get(f.c.evidence, 1);
    ASSERT_EQ(json_integer_value(json_object_get(e, "no")), 2);
    ASSERT_STR_EQ(json_string_value(json_object_get(e, "obtained_at")), T2);
    ASSERT_STR_EQ(json_string_value(
                      json_object_get(json_array_get(json_object_get(e, "officers"), 1), "cert")),
                  "65010020002");
    static const char *const asked[][2] = {{"当事人", "当事人的陈述"}, {"证人", "证人证言"}};
    for (int i = 0; i < 2; i++) {
        char item[512];
        snprintf(
            item, sizeof(item),
            "{\"kind\": \"询问笔录\", \"officers\": " TWO_NAMES ", \"started_at\": "
            "\"2026-03-05T01:00:00Z\", \"place\": \"询问室\", \"person\": {\"name\": \"赵某\", "
            "\"role\": \"%s\", \"id\": null}}",
            asked[i][0]);
        ASSERT_EQ(enter(&f, 1, item, T2, &why), 0);
        const json_t *r = json_array_get(f.c.records, (size_t)i);
        ASSERT_STR_EQ(json_string_value(json_object_get(r, "evidence_kind")), asked[i][1]);
        ASSERT_STR_EQ(json_string_value(json_object_get(r, "started_at")),
                      "2026-03-05T09:00:00+08:00");
    }
    ASSERT_EQ(enter(&f, 1,
                    "{\"kind\": \"现场检查笔录\", \"officers\": " TWO_NAMES
                    ", \"started_at\": \"" T1
                    "\", \"place\": \"某某大药房\", \"site\": \"药品库房\", \"present\": \"店长\"}",
                    T2, &why),
              0);
    const json_t *r = json_array_get(f.c.records, 2);
    ASSERT_EQ(json_integer_value(json_object_get(r, "no")), 3);
    ASSERT_STR_EQ(json_string_value(json_object_get(r, "evidence_kind")), "现场笔录");
    json_t *kinds = cf_evidence_kinds_held(&f.c);
    char *text = json_dumps(kinds, JSON_COMPACT | JSON_ENSURE_ASCII);
    json_t *want = json_pack("[s, s, s, s, s, s]", "书证", "现场笔录", "询问笔录", "当事人的陈述",
                             "证人证言", "现场检查笔录");
    if (!json_equal(kinds, want))
        CF__FAIL("kinds held: %s", text);
    free(text);
    json_decref(kinds);
    json_decref(want);
    teardown(&f);
    return 0;
}

/* evidence-1.3: the register is in the store's snapshot and reads back whole; a copy
 * of the case does not see items folded into the original afterwards. */
TEST_IMPL(evidence_snapshot)
{
    fx_t f;
    cf_refusal_t why;
    setup(&f, "ev-snap.db");
    ASSERT_EQ(enter(&f, 0, ITEM("物证", TWO_NAMES), T2, &why), 0);
    cf_case_t copy, read;
    ASSERT_EQ(cf_case_copy(&copy, &f.c), 0);
    ASSERT_EQ(enter(&f, 0, ITEM("电子数据", TWO_NAMES), T2, &why), 0);
    ASSERT_EQ(json_array_size(copy.evidence), 1);
    ASSERT_EQ(json_array_size(f.c.evidence), 2);
    ASSERT_EQ(cf_store_case_get(f.store, f.c.id, &read, NULL), 0);
    json_t *a = cf_case_to_json(&f.c), *b = cf_case_to_json(&read);
    char *text = cf_case_snapshot_text(&f.c);
    json_t *c = json_loads(text, 0, NULL);
    ASSERT(json_equal(a, b) && json_equal(a, c));
    ASSERT_EQ(json_array_size(json_object_get(a, "evidence")), 2);
    free(text);
    json_decref(a);
    json_decref(b);
    json_decref(c);
    cf_case_dispose(&copy);
    cf_case_dispose(&read);
    teardown(&f);
    return 0;
}

/* ---- evidence-2: the workflow rule ------------------------------------------------------- */

static const char rule_wf[] = "id: evrule\n"
                              "version: 1\n"
                              "power_type: 行政检查\n"
                              "title: t\n"
                              "initial: a\n"
                              "states:\n"
                              "  - {id: a, name: A}\n"
                              "  - {id: b, name: B, terminal: true}\n"
                              "transitions:\n"
                              "  - {action: go, label: Go, from: [a], to: b, roles: [handler]}\n"
                              "evidence_required:\n"
                              "  - id: need\n"
                              "    on: [go]\n"
                              "    any_of: [书证, 物证]\n"
                              "    all_of: [现场检查笔录]\n"
                              "    article: 某条例 第一条\n"
                              "    message: 须有证据\n";

/* evidence-2.1: an action the rule names is refused while the register lacks the kinds,
 * naming what is missing, what it holds and the article; once they are there it
 * passes. A rule naming an unknown kind or action is a problem of the workflow, at
 * its line. */
TEST_IMPL(evidence_rule)
{
    cf_workflow_t *wf = NULL;
    cf_errlist_t problems = {0};
    ASSERT_EQ(cf_workflow_parse(rule_wf, strlen(rule_wf), "evrule.yaml", &wf, &problems), 0);
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("ev-rule.db");
    cf_case_t c;
    cf_refusal_t why;
    cf_test_open(s, wf, cal, T0, &c);
    json_t *facts = json_object();
    cf_act_t go = {.action = "go", .actor = "张三", .role = "handler", .at = cf_test_time(T2)};
    json_t *events = NULL;
    ASSERT_EQ(cf_engine_act(wf, cal, &c, &go, &events, &why), CF_EREFUSED);
    ASSERT_STR_EQ(why.rule, "need");
    ASSERT_STR_EQ(why.article, "某条例 第一条");
    ASSERT_CONTAINS(why.text, "须有证据（某条例 第一条）");
    ASSERT_CONTAINS(why.text, "at least one of these kinds: 书证、物证");
    ASSERT_CONTAINS(why.text, "each of these kinds: 现场检查笔录");
    ASSERT_CONTAINS(why.text, "it holds: nothing");
    ASSERT(events == NULL);
    cf_refusal_dispose(&why);
    /* a 物证 meets any_of; all_of still wants the inspection record */
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "kind", "物证",
                             "title", "药品", "source", "库房", "method", "现场检查", "officers",
                             "name", "张三", "cert", "1", "name", "王五", "cert", "2");
    cf_evidence_req_t req = {
        .actor = "张三", .role = "handler", .at = cf_test_time(T1), .item = item};
    ASSERT_EQ(cf_engine_evidence(wf, &c, &req, &events, &why), 0);
    ASSERT_EQ(cf_store_case_append(s, &c, events, NULL), 0);
    json_decref(events);
    events = NULL;
    ASSERT_EQ(cf_engine_act(wf, cal, &c, &go, &events, &why), CF_EREFUSED);
    ASSERT(strstr(why.text, "at least one of") == NULL);
    ASSERT_CONTAINS(why.text, "each of these kinds: 现场检查笔录");
    ASSERT_CONTAINS(why.text, "it holds: 物证");
    cf_refusal_dispose(&why);
    json_decref(item);
    item = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]}", "kind", "现场检查笔录",
                     "started_at", T1, "place", "药房", "site", "库房", "officers", "name", "张三",
                     "cert", "1", "name", "王五", "cert", "2");
    req.item = item;
    ASSERT_EQ(cf_engine_record(wf, &c, &req, &events, &why), 0);
    ASSERT_EQ(cf_store_case_append(s, &c, events, NULL), 0);
    json_decref(events);
    events = NULL;
    ASSERT_EQ(cf_engine_act(wf, cal, &c, &go, &events, &why), 0);
    json_decref(events);
    json_decref(item);
    json_decref(facts);
    cf_case_dispose(&c);
    cf_store_close(s);
    cf_workflow_free(wf);
    /* checked at load: an unknown kind (with the kinds), an unknown action, no kind */
    char bad[2048];
    snprintf(bad, sizeof(bad), "%.*s    all_of: [神秘证据]\n    on: [fly]\n",
             (int)(strstr(rule_wf, "    on: [go]") - rule_wf), rule_wf);
    strcat(bad, "    article: a\n    message: m\n");
    wf = NULL;
    ASSERT_EQ(cf_workflow_parse(bad, strlen(bad), "bad.yaml", &wf, &problems), CF_EINVALID);
    ASSERT(wf == NULL);
    char all[4096] = "";
    for (size_t i = 0; i < problems.items_count; i++) {
        size_t n = strlen(all);
        snprintf(all + n, sizeof(all) - n, "%d: %s\n", problems.items[i].line,
                 problems.items[i].text);
    }
    ASSERT_CONTAINS(all, "13: evidence rule 'need' names unknown kind '神秘证据' (kinds: 书证");
    ASSERT_CONTAINS(all, "names unknown action 'fly'");
    cf_errlist_free(&problems);
    cf_calendar_free(cal);
    return 0;
}

/* ---- evidence-3: replay ----------------------------------------------------------------- */

/* evidence-3.1: a case with evidence and a record replays conformant; an item forged
 * onto the chain (taken by one officer) is a deviation of kind "evidence" naming the
 * rule and its article, and the replay goes on. */
TEST_IMPL(evidence_replay)
{
    fx_t f;
    cf_refusal_t why;
    setup(&f, "ev-replay.db");
    ASSERT_EQ(enter(&f, 0, ITEM("书证", TWO_NAMES), T2, &why), 0);
    ASSERT_EQ(enter(&f, 1,
                    "{\"kind\": \"现场检查笔录\", \"officers\": " TWO_NAMES
                    ", \"started_at\": \"" T1
                    "\", \"place\": \"某某大药房\", \"site\": \"药品库房\"}",
                    T2, &why),
              0);
    json_t *events = NULL;
    ASSERT_EQ(cf_store_case_events(f.store, f.c.id, &events, NULL), 0);
    cf_audit_t a;
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay(f.wf, f.cal, NULL, events, cf_test_time(T2), &a), 0);
    for (size_t i = 0; i < a.items_count; i++)
        CF__FAIL("deviation %s: %s", a.items[i].kind, a.items[i].text);
    cf_audit_dispose(&a);
    json_decref(events);
    /* forged: one officer, sealed by hand */
    json_t *ev = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:{s:i, s:s, s:s, s:s, s:s, s:[{s:s, s:s}], s:s}}", "seq",
        (json_int_t)f.c.version + 1, "type", "evidence.added", "at", T2, "actor", "张三", "role",
        "handler", "label", "证据 2", "evidence", "no", 2, "kind", "书证", "title", "x", "source",
        "x", "method", "调取", "officers", "name", "张三", "cert", "65010020001", "obtained_at",
        T2);
    json_t *forged = json_pack("[o]", ev);
    ASSERT_EQ(cf_store_case_append(f.store, &f.c, forged, NULL), 0);
    json_decref(forged);
    ASSERT_EQ(cf_store_case_events(f.store, f.c.id, &events, NULL), 0);
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay(f.wf, f.cal, NULL, events, cf_test_time(T2), &a), 0);
    ASSERT_EQ(a.items_count, 1);
    ASSERT_STR_EQ(a.items[0].kind, "evidence");
    ASSERT_STR_EQ(a.items[0].rule, "two-officers");
    ASSERT_CONTAINS(a.items[0].basis, "第四十二条");
    ASSERT_EQ(a.items[0].seq, f.c.version);
    cf_audit_dispose(&a);
    json_decref(events);
    teardown(&f);
    return 0;
}

/* ---- evidence-4: the front ends ---------------------------------------------------------- */

/* Opens and files case 1 from the command line. */
static void cli_filed(const char *db)
{
    char doc[512], arg[600];
    td_file("approval.txt", "立案审批表", doc, sizeof(doc));
    snprintf(arg, sizeof(arg), "立案审批表=%s", doc);
    ASSERT_EQ(td_cli(db, T0, "case", "open", "--workflow", "penalty-general", "--party",
                     "某某大药房", "--party-type", "定点医药机构", "--fact", "lead_source=投诉举报",
                     "--officer", "张三:65010020001", "--officer", "王五:65010020002", "--actor",
                     "张三", "--agency", "某县医疗保障局", NULL),
              0);
    if (td_cli(db, T1, "case", "act", "1", "file", "--role", "head", "--actor", "李四", "--fact",
               "filing_reason=涉嫌串换药品", "--fact", "cause=js-2024:14", "--doc", arg, NULL) != 0)
        CF__FAIL("file: %s", td_err);
}

static long long version_of(const char *db)
{
    cf_store_t *s;
    cf_case_t c;
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    ASSERT_EQ(cf_store_case_get(s, 1, &c, NULL), 0);
    long long v = c.version;
    cf_case_dispose(&c);
    cf_store_close(s);
    return v;
}

/* evidence-4.1: the command line adds, lists and shows; refuses an unknown kind (exit 2,
 * the kinds listed), one officer (exit 4, the rule), a file over CASEFLOW_DOC_MAX (exit 2)
 * without writing; accepts a document named as a kind of record on an action, and
 * refuses a name that is neither the action's nor a kind. */
TEST_IMPL(evidence_cli)
{
    char db[512], scan[512];
    td_db("ev-cli.db", db, sizeof(db));
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    cli_filed(db);
    long long v = version_of(db);
    int rc =
        td_cli(db, T2, "evidence", "add", "1", "--kind", "神秘证据", "--title", "x", "--source",
               "x", "--method", "调取", "--officer", "张三", "--officer", "王五", NULL);
    ASSERT_EQ(rc, CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "unknown kind of evidence '神秘证据'; the kinds are: 书证, 物证");
    rc = td_cli(db, T2, "evidence", "add", "1", "--kind", "书证", "--title", "x", "--source", "x",
                "--method", "调取", "--officer", "张三", NULL);
    ASSERT_EQ(rc, CF_EXIT_REFUSED);
    ASSERT_CONTAINS(td_err, "two-officers");
    rc = td_cli(db, T2, "evidence", "add", "1", "--kind", "书证", "--title", "x", "--source", "x",
                "--method", "调取", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE); /* --officer is required */
    td_file("scan.txt", "处方单据扫描件", scan, sizeof(scan));
    setenv("CASEFLOW_DOC_MAX", "4", 1);
    rc = td_cli(db, T2, "evidence", "add", "1", "--kind", "书证", "--title", "x", "--source", "x",
                "--method", "调取", "--officer", "张三", "--officer", "王五", "--file", scan, NULL);
    unsetenv("CASEFLOW_DOC_MAX");
    ASSERT_EQ(rc, CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "larger than the limit of 4 bytes");
    ASSERT_EQ(version_of(db), v);
    /* added: an item with its file, a record */
    rc = td_cli(db, T2, "evidence", "add", "1", "--kind", "书证", "--title", "处方单据12份",
                "--source", "某某大药房", "--method", "调取", "--officer", "张三", "--officer",
                "王五:65010020002", "--obtained-at", T1, "--file", scan, "--note", "证明串换药品",
                NULL);
    if (rc != 0)
        CF__FAIL("evidence add: %d %s", rc, td_err);
    ASSERT_CONTAINS(td_out, "证据 1：书证 处方单据12份 added");
    rc = td_cli(db, T2, "record", "add", "1", "--kind", "询问笔录", "--person", "赵某",
                "--person-role", "当事人", "--place", "某县医疗保障局询问室", "--officer", "张三",
                "--officer", "王五", "--started-at", T1, "--ended-at", "2026-03-03T11:00:00+08:00",
                "--summary", "当事人承认串换药品", NULL);
    if (rc != 0)
        CF__FAIL("record add: %d %s", rc, td_err);
    ASSERT_CONTAINS(td_out, "询问笔录 1：赵某（当事人） added");
    ASSERT_EQ(td_cli(db, T2, "case", "show", "1", NULL), 0);
    ASSERT_CONTAINS(td_out,
                    "evidence:\n  1. 书证  处方单据12份\n      from 某某大药房, 调取, " T1
                    ", by 张三 (65010020001), 王五 (65010020002)\n      证明串换药品\n      "
                    "file scan.txt");
    ASSERT_CONTAINS(td_out, "records:\n  1. 询问笔录  赵某（当事人）  counts as 当事人的陈述");
    ASSERT_CONTAINS(td_out, "evidence.added 证据 1：书证 处方单据12份");
    ASSERT_EQ(td_cli(db, T2, "--json", "case", "show", "1", NULL), 0);
    json_t *show = json_loads(td_out, 0, NULL);
    ASSERT_EQ(json_array_size(json_object_get(show, "evidence")), 1);
    ASSERT_EQ(json_array_size(json_object_get(show, "records")), 1);
    json_decref(show);
    ASSERT_EQ(td_cli(db, T2, "--json", "record", "list", "1", NULL), 0);
    ASSERT_CONTAINS(td_out, "\"evidence_kind\": \"当事人的陈述\"");
    ASSERT_EQ(td_cli(db, T2, "--json", "evidence", "list", "2", NULL), CF_EXIT_NOTFOUND);
    /* item 3: a document named as a kind of record is accepted on an action ... */
    char arg[600];
    snprintf(arg, sizeof(arg), "询问笔录=%s", scan);
    rc = td_cli(db, T2, "case", "act", "1", "submit_review", "--role", "handler", "--actor", "张三",
                "--fact", "findings=串换药品", "--doc", arg, "--doc", "调查终结报告=/dev/null",
                NULL);
    ASSERT_EQ(rc, CF_EXIT_INPUT); /* /dev/null is not a regular file */
    ASSERT_CONTAINS(td_err, "not a regular file");
    snprintf(arg, sizeof(arg), "神秘证据=%s", scan);
    rc = td_cli(db, T2, "case", "act", "1", "submit_review", "--role", "handler", "--actor", "张三",
                "--fact", "findings=串换药品", "--doc", arg, NULL);
    ASSERT_EQ(rc, CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "or a kind of evidence or record");
    char report[600];
    td_file("report.txt", "调查终结报告", report, sizeof(report));
    snprintf(arg, sizeof(arg), "询问笔录=%s", scan);
    char rep[700];
    snprintf(rep, sizeof(rep), "调查终结报告=%s", report);
    rc = td_cli(db, T2, "case", "act", "1", "submit_review", "--role", "handler", "--actor", "张三",
                "--fact", "findings=串换药品", "--doc", arg, "--doc", rep, NULL);
    if (rc != 0)
        CF__FAIL("submit_review: %d %s", rc, td_err);
    ASSERT_EQ(td_cli(db, T2, "audit", "replay", "--case", "1", NULL), 0);
    ASSERT_CONTAINS(td_out, "conformant");
    return 0;
}

/* evidence-4.2: the API: 201 with the event, 400 for an unknown kind, 422 with the rule
 * for one officer, 403 for an auditor, 404 for another agency's case; GET lists them. */
TEST_IMPL(evidence_http)
{
    char db[512];
    td_db("ev-http.db", db, sizeof(db));
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    cli_filed(db);
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *auditor = td_token(db, "某县医疗保障局", "auditor", "审计");
    char *other = td_token(db, "另一局", "handler", "钱七");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T2);
    td_start(&d, &cfg);
    td_resp_t r;
    json_t *bad =
        json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}, {s:s}]}", "kind", "神秘证据", "title", "x",
                  "source", "x", "method", "调取", "officers", "name", "张三", "name", "王五");
    td_http_json(&d, "POST", "/v1/cases/1/evidence", handler, bad, NULL, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT_CONTAINS(json_string_value(json_object_get(r.json, "text")), "the kinds are: 书证");
    td_resp_free(&r);
    json_object_set_new(bad, "kind", json_string("书证"));
    json_array_remove(json_object_get(bad, "officers"), 1);
    td_http_json(&d, "POST", "/v1/cases/1/evidence", handler, bad, NULL, &r);
    ASSERT_EQ(r.status, 422);
    ASSERT_STR_EQ(json_string_value(json_object_get(r.json, "rule")), "two-officers");
    td_resp_free(&r);
    td_http_json(&d, "POST", "/v1/cases/1/evidence", auditor, bad, NULL, &r);
    ASSERT_EQ(r.status, 403);
    td_resp_free(&r);
    json_decref(bad);
    json_t *rec = json_pack("{s:s, s:{s:s, s:s}, s:s, s:s, s:[{s:s}, {s:s}], s:{s:s, s:s}}", "kind",
                            "询问笔录", "person", "name", "赵某", "role", "证人", "started_at", T1,
                            "place", "询问室", "officers", "name", "张三", "name", "王五", "file",
                            "name", "笔录.pdf", "content_base64", "5Lqk5LuY");
    td_http_json(&d, "POST", "/v1/cases/1/records", handler, rec, NULL, &r);
    if (r.status != 201)
        CF__FAIL("POST records: %ld %s", r.status, r.body);
    json_t *ev = json_array_get(json_object_get(r.json, "events"), 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(ev, "type")), "record.added");
    ASSERT_STR_EQ(json_string_value(json_object_get(
                      json_object_get(json_object_get(ev, "record"), "file"), "file")),
                  "笔录.pdf");
    td_resp_free(&r);
    json_decref(rec);
    json_t *list = td_get_json(&d, handler, "/v1/cases/1/records");
    ASSERT_EQ(json_array_size(list), 1);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(list, 0), "evidence_kind")),
                  "证人证言");
    json_decref(list);
    list = td_get_json(&d, auditor, "/v1/cases/1/evidence");
    ASSERT(json_is_array(list) && json_array_size(list) == 0);
    json_decref(list);
    td_http(&d, "GET", "/v1/cases/1/records", other, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 404);
    td_resp_free(&r);
    td_http(&d, "DELETE", "/v1/cases/1/records", handler, NULL, 0, NULL, &r);
    ASSERT_EQ(r.status, 405);
    td_resp_free(&r);
    td_stop(&d);
    free(handler);
    free(auditor);
    free(other);
    return 0;
}

static int count_documents(const char *db)
{
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT COUNT(*) FROM documents", -1, &st, NULL), 0);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    int n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return n;
}

/* evidence-4.3: parity: an item with its file's bytes and a record, added through the
 * command line and through the API to the same case, leave the same chain (but for the
 * instants) and the same stored bytes. */
TEST_IMPL(evidence_parity)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (count_documents)");
    char a[512], b[512], scan[512];
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    td_db("ev-parity-cli.db", a, sizeof(a));
    td_db("ev-parity-api.db", b, sizeof(b));
    cli_filed(a);
    cli_filed(b);
    td_file("scan.bin", "交付", scan, sizeof(scan)); /* base64 5Lqk5LuY */
    int rc =
        td_cli(a, T2, "evidence", "add", "1", "--kind", "电子数据", "--title", "结算数据",
               "--source", "医保信息系统", "--method", "调取", "--officer", "张三", "--officer",
               "王五", "--obtained-at", T1, "--file", scan, "--actor", "张三", NULL);
    if (rc != 0)
        CF__FAIL("cli evidence: %d %s", rc, td_err);
    rc = td_cli(a, T2, "record", "add", "1", "--kind", "现场检查笔录", "--site", "药品库房",
                "--place", "某某大药房", "--present", "店长孙某", "--officer", "张三:65010020001",
                "--officer", "王五", "--started-at", T1, "--actor", "张三", NULL);
    if (rc != 0)
        CF__FAIL("cli record: %d %s", rc, td_err);
    char *handler = td_token(b, "某县医疗保障局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, b, T2);
    td_start(&d, &cfg);
    td_resp_t r;
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}, {s:s}], s:s, s:{s:s, s:s}}", "kind",
                             "电子数据", "title", "结算数据", "source", "医保信息系统", "method",
                             "调取", "officers", "name", "张三", "name", "王五", "obtained_at", T1,
                             "file", "name", "scan.bin", "content_base64", "5Lqk5LuY");
    td_http_json(&d, "POST", "/v1/cases/1/evidence", handler, item, NULL, &r);
    if (r.status != 201)
        CF__FAIL("POST evidence: %ld %s", r.status, r.body);
    td_resp_free(&r);
    json_decref(item);
    item = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s, s:s}, {s:s}], s:s}", "kind", "现场检查笔录",
                     "site", "药品库房", "place", "某某大药房", "present", "店长孙某", "officers",
                     "name", "张三", "cert", "65010020001", "name", "王五", "started_at", T1);
    td_http_json(&d, "POST", "/v1/cases/1/records", handler, item, NULL, &r);
    if (r.status != 201)
        CF__FAIL("POST records: %ld %s", r.status, r.body);
    td_resp_free(&r);
    json_decref(item);
    td_stop(&d);
    free(handler);
    json_t *ea = td_comparable_events(a), *eb = td_comparable_events(b);
    char *ta = json_dumps(ea, JSON_SORT_KEYS | JSON_INDENT(1));
    char *tb = json_dumps(eb, JSON_SORT_KEYS | JSON_INDENT(1));
    if (!json_equal(ea, eb))
        CF__FAIL("the chains differ:\nCLI %s\nAPI %s", ta, tb);
    ASSERT_CONTAINS(ta, "evidence.added");
    ASSERT_CONTAINS(ta, "record.added");
    ASSERT_CONTAINS(ta, "\"obtained_at\": \"" T1 "\"");
    free(ta);
    free(tb);
    json_decref(ea);
    json_decref(eb);
    ASSERT_EQ(count_documents(a), 2); /* the 立案审批表 and the evidence's file */
    ASSERT_EQ(count_documents(b), 2);
    return 0;
}

/* evidence-4.4: a record's start before the case was opened, or after the time it is
 * entered, is refused the same way by both front ends (the engine's one rule): the command
 * line names --started-at, the API 'started_at', each with the value and the case's
 * opening time; nothing is written. */
TEST_IMPL(evidence_record_times)
{
    char db[512];
    td_db("ev-times.db", db, sizeof(db));
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    cli_filed(db);
    long long v = version_of(db);
    int rc = td_cli(db, T2, "record", "add", "1", "--kind", "现场检查笔录", "--site", "药品库房",
                    "--place", "某某大药房", "--officer", "张三", "--officer", "王五",
                    "--started-at", "2026-02-27T09:00:00+08:00", "--actor", "张三", NULL);
    ASSERT_EQ(rc, CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "--started-at 2026-02-27T09:00:00+08:00 is before the case was "
                            "opened (" T0 ")");
    rc = td_cli(db, T2, "record", "add", "1", "--kind", "现场检查笔录", "--site", "药品库房",
                "--place", "某某大药房", "--officer", "张三", "--officer", "王五", "--started-at",
                "2026-03-05T10:00:01+08:00", "--actor", "张三", NULL);
    ASSERT_EQ(rc, CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "--started-at 2026-03-05T10:00:01+08:00 is after the time it is "
                            "recorded (" T2 ")");
    ASSERT_EQ(version_of(db), v);
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T2);
    td_start(&d, &cfg);
    td_resp_t r;
    json_t *rec = json_pack("{s:s, s:s, s:s, s:[{s:s}, {s:s}], s:s}", "kind", "现场检查笔录",
                            "site", "药品库房", "place", "某某大药房", "officers", "name", "张三",
                            "name", "王五", "started_at", "2026-02-27T09:00:00+08:00");
    td_http_json(&d, "POST", "/v1/cases/1/records", handler, rec, NULL, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT_CONTAINS(json_string_value(json_object_get(r.json, "text")),
                    "'started_at' 2026-02-27T09:00:00+08:00 is before the case was opened (" T0
                    ")");
    td_resp_free(&r);
    json_decref(rec);
    td_stop(&d);
    free(handler);
    ASSERT_EQ(version_of(db), v);
    return 0;
}

/* evidence-4.5: an item, a record or an action names who entered it: with no --actor,
 * $CASEFLOW_ACTOR nor $USER (or an empty --actor) the command line refuses (exit 1,
 * saying how to name one) and writes nothing, rather than record a placeholder; an
 * alert is not acknowledged by nobody either (the operation layer's one check). */
TEST_IMPL(evidence_actor_required)
{
    char db[512];
    td_db("ev-actor.db", db, sizeof(db));
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    cli_filed(db);
    long long v = version_of(db);
    char *saved = getenv("USER") ? strdup(getenv("USER")) : NULL;
    unsetenv("CASEFLOW_ACTOR");
    unsetenv("USER");
    int rc =
        td_cli(db, T2, "evidence", "add", "1", "--kind", "书证", "--title", "处方单据", "--source",
               "某某大药房", "--method", "调取", "--officer", "张三", "--officer", "王五", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "who acts is not named");
    ASSERT_CONTAINS(td_err, "--actor NAME, or set CASEFLOW_ACTOR");
    rc = td_cli(db, T2, "record", "add", "1", "--kind", "现场检查笔录", "--site", "药品库房",
                "--place", "某某大药房", "--officer", "张三", "--officer", "王五", "--started-at",
                T1, "--actor", "", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "who acts is not named");
    rc = td_cli(db, T2, "case", "act", "1", "submit_review", "--role", "handler", "--fact",
                "findings=串换药品", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "who acts is not named");
    ASSERT_EQ(version_of(db), v);
    setenv("USER", "zhangsan", 1); /* the documented last resort */
    rc = td_cli(db, T2, "--json", "evidence", "add", "1", "--kind", "书证", "--title", "处方单据",
                "--source", "某某大药房", "--method", "调取", "--officer", "张三", "--officer",
                "王五", NULL);
    ASSERT_EQ(rc, 0);
    ASSERT_CONTAINS(td_out, "\"actor\": \"zhangsan\"");
    if (saved)
        setenv("USER", saved, 1);
    else
        unsetenv("USER");
    free(saved);
    setenv("CASEFLOW_ACTOR", "测试员", 1);
    cf_ops_t ops = {0};
    cf_ops_ack_t ack = {.alert_id = "1-x", .by = {.role = "handler"}};
    cf_ops_out_t out;
    cf_alert_t a;
    cf_ops_out_init(&out);
    ASSERT_EQ(cf_ops_alert_ack(&ops, &ack, &a, &out), CF_EINVAL); /* before the store */
    ASSERT_CONTAINS(out.err.text, "who acts is not named");
    cf_ops_out_dispose(&out);
    return 0;
}

/* ---- evidence-5: 文书 from a record ------------------------------------------------------ */

/* The template workflows/templates/NAME.yaml. */
static cf_wenshu_tpl_t *shipped_template(const char *name)
{
    char rel[256], *buf;
    size_t len;
    cf_wenshu_tpl_t *t = NULL;
    cf_error_t err;
    snprintf(rel, sizeof(rel), "workflows/templates/%s.yaml", name);
    buf = cf_test_slurp(rel, &len);
    if (cf_wenshu_tpl_load(buf, len, rel, &t, &err) != 0)
        CF__FAIL("%s: %s", rel, err.text);
    free(buf);
    return t;
}

/* evidence-5.1: the 询问笔录 and 现场检查笔录 are written from the case's latest record
 * of their kind (record.* placeholders): who was asked and as whom, when (China time,
 * with the hour), where, the officers with their 执法证 numbers; a case without such a
 * record is refused, naming what it lacks. */
TEST_IMPL(evidence_wenshu)
{
    fx_t f;
    cf_refusal_t why;
    cf_error_t err;
    static const cf_wenshu_bureau_t bureau = {"某县医疗保障局", "某医保", "某县人民政府",
                                              "某县人民法院"};
    setup(&f, "ev-wenshu.db");
    cf_wenshu_tpl_t *ask = shipped_template("询问笔录"), *site = shipped_template("现场检查笔录");
    cf_wenshu_input_t in = {.wf = f.wf, .c = &f.c, .bureau = &bureau, .date = cf_test_time(T2)};
    cf_wenshu_doc_t doc;
    ASSERT_EQ(cf_wenshu_fill(ask, &in, &doc, &err), CF_EINVALID);
    ASSERT_CONTAINS(err.text, "询问笔录 needs what the case lacks: record.started");
    ASSERT_CONTAINS(err.text, "record.person.name");
    for (int i = 0; i < 2; i++) { /* the second, later one is the one written */
        char item[512];
        snprintf(item, sizeof(item),
                 "{\"kind\": \"询问笔录\", \"officers\": " TWO_NAMES ", \"started_at\": \"" T1
                 "\", \"place\": \"某县医疗保障局询问室\", \"person\": {\"name\": \"%s\", "
                 "\"role\": \"当事人\"}, \"summary\": \"当事人承认以保健品串换药品\"}",
                 i ? "赵某" : "钱某");
        ASSERT_EQ(enter(&f, 1, item, T2, &why), 0);
    }
    ASSERT_EQ(cf_wenshu_fill(ask, &in, &doc, &err), 0);
    char *text = cf_wenshu_doc_text(&doc);
    ASSERT_CONTAINS(text, "被询问人：赵某（当事人）");
    ASSERT_CONTAINS(text, "询问时间：二〇二六年三月三日10时00分");
    ASSERT_CONTAINS(text, "询问地点：某县医疗保障局询问室");
    ASSERT_CONTAINS(text, "张三（执法证号：65010020001）");
    ASSERT_CONTAINS(text, "当事人承认以保健品串换药品");
    ASSERT(strstr(text, "钱某") == NULL);
    free(text);
    cf_wenshu_doc_dispose(&doc);
    ASSERT_EQ(cf_wenshu_fill(site, &in, &doc, &err), CF_EINVALID); /* no inspection yet */
    ASSERT_CONTAINS(err.text, "record.site");
    ASSERT_EQ(
        enter(&f, 1,
              "{\"kind\": \"现场检查笔录\", \"officers\": " TWO_NAMES ", \"started_at\": \"" T1
              "\", \"place\": \"某某大药房\", \"site\": \"药品库房\", \"present\": \"店长孙某\", "
              "\"summary\": \"库存与进销存台账不符\"}",
              T2, &why),
        0);
    ASSERT_EQ(cf_wenshu_fill(site, &in, &doc, &err), 0);
    text = cf_wenshu_doc_text(&doc);
    ASSERT_CONTAINS(text, "检查场所或者物品：药品库房");
    ASSERT_CONTAINS(text, "在场人员：店长孙某");
    ASSERT_CONTAINS(text, "被检查单位：某某大药房");
    free(text);
    cf_wenshu_doc_dispose(&doc);
    /* record.* is checked like every placeholder: an unknown field is refused */
    cf_wenshu_tpl_t *bad = NULL;
    static const char yaml[] =
        "name: 询问笔录\ntitle: x\nblocks:\n  - {para: \"{{record.colour}}\"}\n";
    ASSERT_EQ(cf_wenshu_tpl_load(yaml, strlen(yaml), "t.yaml", &bad, &err), 0);
    cf_errlist_t problems = {0};
    ASSERT_EQ(cf_wenshu_check(bad, f.wf, "t.yaml", &problems), 1);
    ASSERT_CONTAINS(problems.items[0].text, "unknown placeholder {{record.colour}}");
    cf_errlist_free(&problems);
    cf_wenshu_tpl_free(bad);
    cf_wenshu_tpl_free(ask);
    cf_wenshu_tpl_free(site);
    teardown(&f);
    return 0;
}
