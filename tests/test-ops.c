/*
 * test-ops.c -- ops-1.*: the operation layer (api/ops) is one layer for both front ends:
 * what the command line and the API do through it comes out the same.
 *
 * ops-1.*: a change made from the command line rewrites the
 *          alerts index (ops_cli_rewrites_alerts); the same scenario through the
 *          command line and the API leaves the same chain and the same alerts
 *          (ops_parity: cause, officers, documents as bytes, evidence,
 *          exclusion, extension); an alert acknowledged from either leaves the same
 *          chain, and the list of alerts reads the same through both, paged alike
 *          (ops_parity_ack); a stored file's bytes from the command line as the
 *          API gives them (ops_case_file); a payment through both, the same chain
 *          with the amounts in one shape (ops_parity_payment); a met clock's stop
 *          and margin, and its provisional mark kept (ops_clock_stopped_view).
 *
 * What the layer refuses at the door (ops-2.*, ops-3.*, ops-4.1) is in test-ops-checks.c,
 * the webhook outbox through both front ends (ops-4.*) in test-ops-outbox.c: this file
 * compares two front ends, those check one answer each, and one file held both past the
 * 800 lines a file may have.
 */
#include <sqlite3.h>

#include "chain.h"
#include "cli.h"
#include "core-helpers.h"
#include "ops.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- helpers ------------------------------------------------------------------------------ */

/* The pending alerts of the database at db, as "id deadline" lines. */
static void pending_alerts(const char *db, char *text, size_t size)
{
    cf_store_t *s;
    cf_alert_t a[64];
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    int n = cf_store_alerts_due(s, cf_test_time("2099-01-01T00:00:00+08:00"), a, 64, NULL);
    ASSERT(n >= 0);
    size_t len = 0;
    text[0] = '\0';
    for (int i = 0; i < n; i++)
        len += (size_t)snprintf(text + len, size - len, "%s %lld\n", a[i].id,
                                (long long)a[i].deadline);
    cf_store_close(s);
}

/* ---- ops-1: one layer for both front ends -------------------------------------------------- */

/* ops-1.1: a clock change made from the command line rewrites the alerts index (it
 * never did: only the daemon wrote it). Opening indexes the filing clock's warning
 * and deadline; filing the case stops that clock and starts the decision clock,
 * and the index follows. */
TEST_IMPL(ops_cli_rewrites_alerts)
{
    char db[512], doc[512], alerts[4096];
    td_db("ops-alerts.db", db, sizeof(db));
    td_cli_open(db, T0);
    pending_alerts(db, alerts, sizeof(alerts));
    ASSERT_CONTAINS(alerts, "1:filing:deadline:");
    ASSERT_CONTAINS(alerts, "1:filing:warning:");
    td_file("approval.txt", "立案审批表", doc, sizeof(doc));
    char docarg[600];
    snprintf(docarg, sizeof(docarg), "立案审批表=%s", doc);
    int rc = td_cli(
        db, "2026-03-03T10:00:00+08:00", "case", "act", "1", "file", "--role", "head", "--actor",
        "李四", "--fact", "filing_reason=涉嫌串换药品", "--fact", "cause=js-2024:14", "--fact",
        "officers=[{\"name\":\"张三\",\"cert\":\"1\"},{\"name\":\"王五\",\"cert\":\"2\"}]", "--doc",
        docarg, NULL);
    if (rc != 0)
        CF__FAIL("file: %d %s", rc, td_err);
    pending_alerts(db, alerts, sizeof(alerts));
    ASSERT(strstr(alerts, ":filing:") == NULL);
    ASSERT_CONTAINS(alerts, "1:decision:deadline:");
    /* and an extension moves the decision deadline in the index */
    char before[4096];
    snprintf(before, sizeof(before), "%s", alerts);
    rc = td_cli(db, "2026-03-04T10:00:00+08:00", "case", "extend", "1", "--clock", "decision",
                "--by", "30 days", "--role", "head", "--actor", "李四", "--reason", "案情复杂",
                NULL);
    if (rc != 0)
        CF__FAIL("extend: %d %s", rc, td_err);
    pending_alerts(db, alerts, sizeof(alerts));
    ASSERT_CONTAINS(alerts, "1:decision:deadline:");
    ASSERT(strcmp(before, alerts) != 0);
    return 0;
}

/* Times of the scenario's steps. */
#define P_OPEN    "2026-03-02T09:00:00+08:00"
#define P_FILE    "2026-03-03T10:00:00+08:00"
#define P_KEEP    "2026-03-04T10:00:00+08:00"
#define P_EXCLUDE "2026-03-09T10:00:00+08:00"
#define P_EXTEND  "2026-03-10T10:00:00+08:00"

static const char *const doc_names[] = {"立案审批表", "先行登记保存审批表",
                                        "先行登记保存证据通知书", "先行登记保存物品清单"};

/* The scenario through the command line. */
static void parity_cli(const char *db)
{
    char paths[4][512], args[4][700];
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof(name), "doc%d.txt", i);
        td_file(name, doc_names[i], paths[i], sizeof(paths[i]));
        snprintf(args[i], sizeof(args[i]), "%s=%s", doc_names[i], paths[i]);
    }
    int rc = td_cli(db, P_OPEN, "case", "open", "--workflow", "penalty-general", "--party",
                    "某某大药房", "--party-type", "定点医药机构", "--fact", "lead_source=投诉举报",
                    "--cause", "js-2024:14", "--officer", "张三:65010020001", "--officer",
                    "王五:65010020002", "--actor", "张三", "--role", "handler", "--agency",
                    "某县医疗保障局", NULL); /* the API's token's agency: the same 案号 */
    if (rc != 0)
        CF__FAIL("cli open: %d %s", rc, td_err);
    rc = td_cli(db, P_FILE, "case", "act", "1", "file", "--role", "head", "--actor", "李四",
                "--fact", "filing_reason=涉嫌串换药品", "--fact", "cause=js-2024:14", "--doc",
                args[0], NULL);
    if (rc != 0)
        CF__FAIL("cli file: %d %s", rc, td_err);
    rc = td_cli(db, P_KEEP, "case", "act", "1", "preserve_evidence", "--role", "head", "--actor",
                "李四", "--fact", "preserved_items=处方单据12份", "--doc", args[1], "--doc",
                args[2], "--doc", args[3], NULL);
    if (rc != 0)
        CF__FAIL("cli evidence: %d %s", rc, td_err);
    rc = td_cli(db, P_EXCLUDE, "case", "exclude", "1", "--clock", "decision", "--from", P_KEEP,
                "--to", "2026-03-06T10:00:00+08:00", "--reason", "鉴定", "--role", "head",
                "--actor", "李四", NULL);
    if (rc != 0)
        CF__FAIL("cli exclude: %d %s", rc, td_err);
    rc = td_cli(db, P_EXTEND, "case", "extend", "1", "--clock", "decision", "--by", "30 days",
                "--reason", "案情复杂", "--role", "head", "--actor", "李四", NULL);
    if (rc != 0)
        CF__FAIL("cli extend: %d %s", rc, td_err);
}

/* {name: {content_base64, file}} for document i (its text, as the file the command
 * line read). */
static void add_doc(json_t *docs, int i)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)doc_names[i];
    size_t n = strlen(doc_names[i]), o = 0;
    char text[256], file[32];
    for (size_t k = 0; k < n; k += 3) {
        unsigned v = (unsigned)p[k] << 16 | (k + 1 < n ? (unsigned)p[k + 1] << 8 : 0) |
                     (k + 2 < n ? p[k + 2] : 0);
        text[o++] = b64[v >> 18 & 63];
        text[o++] = b64[v >> 12 & 63];
        text[o++] = k + 1 < n ? b64[v >> 6 & 63] : '=';
        text[o++] = k + 2 < n ? b64[v & 63] : '=';
    }
    text[o] = '\0';
    snprintf(file, sizeof(file), "doc%d.txt", i);
    json_object_set_new(docs, doc_names[i],
                        json_pack("{s:s, s:s}", "content_base64", text, "file", file));
}

/* The scenario through the API. */
static void parity_api(const char *db)
{
    char *handler = td_token(db, "某县医疗保障局", "handler", "张三");
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, P_OPEN);
    td_start(&d, &cfg);
    td_post_json(&d, NULL, "/v1/cases", handler,
                 json_pack("{s:s, s:{s:s, s:s}, s:{s:s}, s:s, s:[{s:s, s:s}, {s:s, s:s}]}",
                           "workflow", "penalty-general", "party", "name", "某某大药房", "type",
                           "定点医药机构", "facts", "lead_source", "投诉举报", "cause",
                           "js-2024:14", "officers", "name", "张三", "cert", "65010020001", "name",
                           "王五", "cert", "65010020002"),
                 NULL, 201);
    json_t *docs = json_object();
    add_doc(docs, 0);
    td_post_json(&d, P_FILE, "/v1/cases/1/actions", head,
                 json_pack("{s:s, s:{s:s, s:s}, s:o}", "action", "file", "facts", "filing_reason",
                           "涉嫌串换药品", "cause", "js-2024:14", "documents", docs),
                 "2", 200);
    docs = json_object();
    for (int i = 1; i < 4; i++)
        add_doc(docs, i);
    td_post_json(&d, P_KEEP, "/v1/cases/1/actions", head,
                 json_pack("{s:s, s:{s:s}, s:o}", "action", "preserve_evidence", "facts",
                           "preserved_items", "处方单据12份", "documents", docs),
                 NULL, 428); /* If-Match is required on actions (and the clock is at P_KEEP now) */
    docs = json_object();
    for (int i = 1; i < 4; i++)
        add_doc(docs, i);
    json_t *c = td_get_json(&d, head, "/v1/cases/1");
    char version[32];
    snprintf(version, sizeof(version), "%lld",
             (long long)json_integer_value(json_object_get(c, "version")));
    json_decref(c);
    td_post_json(&d, NULL, "/v1/cases/1/actions", head,
                 json_pack("{s:s, s:{s:s}, s:o}", "action", "preserve_evidence", "facts",
                           "preserved_items", "处方单据12份", "documents", docs),
                 version, 200);
    td_post_json(&d, P_EXCLUDE, "/v1/cases/1/exclusions", head,
                 json_pack("{s:s, s:s, s:s, s:s}", "clock", "decision", "from", P_KEEP, "to",
                           "2026-03-06T10:00:00+08:00", "reason", "鉴定"),
                 NULL, 200);
    td_post_json(
        &d, P_EXTEND, "/v1/cases/1/extensions", head,
        json_pack("{s:s, s:s, s:s}", "clock", "decision", "by", "30 days", "reason", "案情复杂"),
        NULL, 200);
    td_stop(&d);
    free(handler);
    free(head);
}

/* ops-1.2: API parity: the same scenario -- opened with a 案由 and officers, filed
 * with a document's bytes, evidence preserved with three documents, a period
 * excluded, the clock extended -- through the command line and through the API
 * (one agency, so one 案号) leaves the same events (but for their instants) and the same alerts. */
TEST_IMPL(ops_parity)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char a[512], b[512], alerts_a[8192], alerts_b[8192];
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    td_db("ops-parity-cli.db", a, sizeof(a));
    td_db("ops-parity-api.db", b, sizeof(b));
    parity_cli(a);
    parity_api(b);
    json_t *ea = td_comparable_events(a), *eb = td_comparable_events(b);
    char *ta = json_dumps(ea, JSON_SORT_KEYS | JSON_INDENT(1));
    char *tb = json_dumps(eb, JSON_SORT_KEYS | JSON_INDENT(1));
    if (!json_equal(ea, eb))
        CF__FAIL("the chains differ:\nCLI %s\nAPI %s", ta, tb);
    ASSERT(json_array_size(ea) >= 8);
    ASSERT_CONTAINS(ta, "js-2024");
    ASSERT_CONTAINS(ta, "65010020002");
    ASSERT_CONTAINS(ta, "clock.excluded");
    ASSERT_CONTAINS(ta, "clock.extended");
    free(ta);
    free(tb);
    json_decref(ea);
    json_decref(eb);
    pending_alerts(a, alerts_a, sizeof(alerts_a));
    pending_alerts(b, alerts_b, sizeof(alerts_b));
    ASSERT_CONTAINS(alerts_a, "1:decision:deadline:");
    ASSERT_STR_EQ(alerts_a, alerts_b);
    /* the documents' bytes are in both databases */
    sqlite3 *db;
    sqlite3_stmt *st;
    for (int k = 0; k < 2; k++) {
        ASSERT_EQ(sqlite3_open(k ? b : a, &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM documents", -1, &st, NULL), 0);
        ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
        ASSERT_EQ(sqlite3_column_int(st, 0), 4);
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    return 0;
}

/* The benefit workflow's steps to a payment (行政给付: accepted, reviewed, granted, paid),
 * each: the instant, action, role, actor, one fact (name=value, as the command line
 * types it) and the document it needs, or NULL. Amounts are typed as a person types
 * them ("3200") and stored in the one shape ("3200.00"). */
static const struct {
    const char *at, *action, *role, *actor, *fact, *doc;
} pay_steps[] = {
    {"2026-03-02T10:00:00+08:00", "accept", "handler", "张三", "application_items=医疗费用票据",
     "受理通知书"},
    {"2026-03-03T10:00:00+08:00", "submit_opinion", "handler", "张三", "review_opinion=符合条件",
     NULL},
    {"2026-03-04T10:00:00+08:00", "grant", "head", "李四", "benefit_amount=3200", "待遇核定审批表"},
    {"2026-03-05T10:00:00+08:00", "pay_benefit", "handler", "张三", "paid_amount=3200",
     "待遇支付凭证"},
};

/* Standard base64 of text (out: at least 4 * (strlen(text) + 2) / 3 + 1 bytes). */
static void base64(const char *text, char *out)
{
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)text;
    size_t n = strlen(text), o = 0;
    for (size_t k = 0; k < n; k += 3) {
        unsigned v = (unsigned)p[k] << 16 | (k + 1 < n ? (unsigned)p[k + 1] << 8 : 0) |
                     (k + 2 < n ? p[k + 2] : 0);
        out[o++] = b64[v >> 18 & 63];
        out[o++] = b64[v >> 12 & 63];
        out[o++] = k + 1 < n ? b64[v >> 6 & 63] : '=';
        out[o++] = k + 2 < n ? b64[v & 63] : '=';
    }
    out[o] = '\0';
}

/* ops-1.6: a payment through both: a benefit case opened, accepted, reviewed, granted
 * (benefit_amount) and paid (paid_amount), each document as a file from the command line
 * and as base64 over the API: the same chains, the amounts "3200.00" on both. */
TEST_IMPL(ops_parity_payment)
{
    char a[512], b[512], path[512], arg[700], fact[128], b64[256];
    const char *agency = "某县医疗保障局";
    size_t steps = sizeof(pay_steps) / sizeof(pay_steps[0]);
    td_db("ops-pay-cli.db", a, sizeof(a));
    td_db("ops-pay-api.db", b, sizeof(b));
    int rc =
        td_cli(a, "2026-03-02T09:00:00+08:00", "case", "open", "--workflow", "benefit", "--party",
               "赵某", "--actor", "张三", "--role", "handler", "--agency", agency, NULL);
    if (rc != 0)
        CF__FAIL("cli open: %d %s", rc, td_err);
    for (size_t i = 0; i < steps; i++) {
        char name[32];
        snprintf(name, sizeof(name), "pay%zu.txt", i);
        if (pay_steps[i].doc)
            td_file(name, pay_steps[i].doc, path, sizeof(path));
        snprintf(arg, sizeof(arg), "%s=%s", pay_steps[i].doc ? pay_steps[i].doc : "", path);
        rc = pay_steps[i].doc ? td_cli(a, pay_steps[i].at, "case", "act", "1", pay_steps[i].action,
                                       "--role", pay_steps[i].role, "--actor", pay_steps[i].actor,
                                       "--fact", pay_steps[i].fact, "--doc", arg, NULL)
                              : td_cli(a, pay_steps[i].at, "case", "act", "1", pay_steps[i].action,
                                       "--role", pay_steps[i].role, "--actor", pay_steps[i].actor,
                                       "--fact", pay_steps[i].fact, NULL);
        if (rc != 0)
            CF__FAIL("cli %s: %d %s", pay_steps[i].action, rc, td_err);
    }

    char *handler = td_token(b, agency, "handler", "张三");
    char *head = td_token(b, agency, "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, b, "2026-03-02T09:00:00+08:00");
    td_start(&d, &cfg);
    td_post_json(&d, NULL, "/v1/cases", handler,
                 json_pack("{s:s, s:{s:s}}", "workflow", "benefit", "party", "name", "赵某"), NULL,
                 201);
    for (size_t i = 0; i < steps; i++) {
        snprintf(fact, sizeof(fact), "%s", pay_steps[i].fact);
        char *eq = strchr(fact, '=');
        *eq = '\0';
        json_t *body =
            json_pack("{s:s, s:{s:s}}", "action", pay_steps[i].action, "facts", fact, eq + 1);
        if (pay_steps[i].doc) {
            snprintf(path, sizeof(path), "pay%zu.txt", i);
            base64(pay_steps[i].doc, b64);
            json_object_set_new(
                body, "documents",
                json_pack("{s:{s:s, s:s}}", pay_steps[i].doc, "content_base64", b64, "file", path));
        }
        json_t *c = td_get_json(&d, handler, "/v1/cases/1");
        char version[32];
        snprintf(version, sizeof(version), "%lld",
                 (long long)json_integer_value(json_object_get(c, "version")));
        json_decref(c);
        td_post_json(&d, pay_steps[i].at, "/v1/cases/1/actions",
                     strcmp(pay_steps[i].role, "head") == 0 ? head : handler, body, version, 200);
    }
    td_stop(&d);

    json_t *ea = td_comparable_events(a), *eb = td_comparable_events(b);
    char *ta = json_dumps(ea, JSON_SORT_KEYS | JSON_INDENT(1));
    char *tb = json_dumps(eb, JSON_SORT_KEYS | JSON_INDENT(1));
    if (!json_equal(ea, eb))
        CF__FAIL("the chains differ:\nCLI %s\nAPI %s", ta, tb);
    ASSERT(json_array_size(ea) > steps); /* and the clocks' events */
    ASSERT_CONTAINS(ta, "\"paid_amount\": \"3200.00\"");
    ASSERT_CONTAINS(ta, "\"benefit_amount\": \"3200.00\"");
    free(ta);
    free(tb);
    json_decref(ea);
    json_decref(eb);
    free(handler);
    free(head);
    return 0;
}

/* A case opened through the API on db and its first alert fired (the daemon's clock
 * moved to its due instant: the answer comes after the firing). OUT id (size bytes):
 * the alert's id. The daemon d is left running. */
static void ack_fired(const char *db, const char *token, td_daemon_t *d, char *id, size_t size)
{
    cf_serve_config_t cfg;
    char due[64];
    td_config(&cfg, db, T0);
    td_start(d, &cfg);
    td_open_case(d, token, "penalty-general", "某某大药房");
    json_t *pending = td_get_json(d, token, "/v1/alerts?state=pending");
    json_t *first = json_array_get(pending, 0);
    ASSERT(first != NULL);
    snprintf(id, size, "%s", json_string_value(json_object_get(first, "alert_id")));
    snprintf(due, sizeof(due), "%s", json_string_value(json_object_get(first, "due_at")));
    json_decref(pending);
    td_clock(d, due);
}

/* POST /v1/alerts/{id}/ack as token: the status. */
static long api_ack(const td_daemon_t *d, const char *token, const char *id)
{
    char path[256];
    td_resp_t r;
    snprintf(path, sizeof(path), "/v1/alerts/%s/ack", id);
    td_http(d, "POST", path, token, NULL, 0, NULL, &r);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

/* `caseflow --json alert list ARGS` on db (the database's default agency is none: the
 * token's agency is given) as JSON (new), asserting it exits 0. */
static json_t *cli_alerts(const char *db, const char *a1, const char *a2, const char *a3,
                          const char *a4)
{
    int rc = td_cli(db, "2026-06-01T09:00:00+08:00", "--json", "alert", "list", "--agency",
                    "某县医疗保障局", a1, a2, a3, a4, NULL);
    if (rc != 0)
        CF__FAIL("alert list: %d %s", rc, td_err);
    json_t *list = json_loads(td_out, 0, NULL);
    ASSERT(json_is_array(list));
    return list;
}

/* ops-1.4: the list of alerts through both, with the daemon running: the same rows (the
 * fired one acknowledged by 张三 first), by state alike, paged alike. */
static void list_parity(const td_daemon_t *d, const char *db, const char *token, const char *acked)
{
    json_t *api = td_get_json(d, token, "/v1/alerts"), *cli = cli_alerts(db, NULL, 0, 0, 0);
    ASSERT(json_array_size(api) >= 2);
    if (!json_equal(api, cli))
        CF__FAIL("GET /v1/alerts and alert list differ:\n%s\n%s", json_dumps(api, 0),
                 json_dumps(cli, 0));
    json_t *first = json_array_get(cli, 0);
    ASSERT_STR_EQ(json_string_value(json_object_get(first, "alert_id")), acked);
    ASSERT_STR_EQ(json_string_value(json_object_get(first, "acknowledged_by")), "张三");
    json_t *api_fired = td_get_json(d, token, "/v1/alerts?state=fired");
    json_t *cli_fired = cli_alerts(db, "--state", "fired", NULL, NULL);
    ASSERT_EQ(json_array_size(cli_fired), 1);
    ASSERT(json_equal(api_fired, cli_fired));
    json_t *page = cli_alerts(db, "--limit", "1", NULL, NULL);
    ASSERT_EQ(json_array_size(page), 1);
    char hint[256];
    snprintf(hint, sizeof(hint), "caseflow: 1 alerts shown; the next page: --cursor %s", acked);
    ASSERT_CONTAINS(td_err, hint);
    /* for people: a heading and a row a line, the same hint on the errors */
    ASSERT_EQ(td_cli(db, "2026-06-01T09:00:00+08:00", "alert", "list", "--agency", "某县医疗保障局",
                     "--limit", "1", NULL),
              0);
    ASSERT_CONTAINS(td_out, "due ");
    ASSERT_CONTAINS(td_out, acked);
    ASSERT_CONTAINS(td_out, "acknowledged by 张三");
    ASSERT_CONTAINS(td_err, hint);
    ASSERT_EQ(td_cli(db, "2026-06-01T09:00:00+08:00", "alert", "list", "--limit", "0", NULL),
              CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--limit takes 1 to");
    ASSERT_EQ(td_cli(db, "2026-06-01T09:00:00+08:00", "alert", "list", "--limit", "2x", NULL),
              CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--limit takes 1 to");
    json_t *next = cli_alerts(db, "--limit", "1", "--cursor", acked);
    ASSERT(json_equal(json_array_get(next, 0), json_array_get(api, 1)));
    ASSERT_EQ(td_cli(db, "2026-06-01T09:00:00+08:00", "alert", "list", "--state", "late", NULL),
              CF_EXIT_USAGE);
    json_decref(api);
    json_decref(cli);
    json_decref(api_fired);
    json_decref(cli_fired);
    json_decref(page);
    json_decref(next);
}

/* ops-1.3: an alert acknowledged: fired by the daemon, then acknowledged by 张三 as
 * handler from the command line (`caseflow alert ack`) on one database and through the
 * API on the other: the same chains (alert.acknowledged on both); a second
 * acknowledgement refused by both (exit 5, 409), another agency's alert unknown to the
 * API (404) and an unknown id to the command line (exit 3); then ops-1.4 (list_parity). */
TEST_IMPL(ops_parity_ack)
{
    char a[512], b[512], id_a[160], id_b[160];
    td_daemon_t d;
    td_db("ops-ack-cli.db", a, sizeof(a));
    td_db("ops-ack-api.db", b, sizeof(b));
    char *token_a = td_token(a, "某县医疗保障局", "handler", "张三");
    ack_fired(a, token_a, &d, id_a, sizeof(id_a));
    td_stop(&d);
    const char *later = "2026-06-01T09:00:00+08:00";
    int rc = td_cli(a, later, "alert", "ack", id_a, "--role", "handler", "--actor", "张三", NULL);
    if (rc != 0)
        CF__FAIL("alert ack: %d %s", rc, td_err);
    ASSERT_CONTAINS(td_out, "alert acknowledged");
    ASSERT_EQ(td_cli(a, later, "alert", "ack", id_a, "--role", "handler", NULL), CF_EXIT_CONFLICT);
    ASSERT_CONTAINS(td_err, "was acknowledged at");
    ASSERT_EQ(td_cli(a, later, "alert", "ack", "9:none:warning:1", "--role", "head", NULL),
              CF_EXIT_NOTFOUND);
    ASSERT_EQ(td_cli(a, later, "alert", "ack", id_a, NULL), CF_EXIT_USAGE);

    char *token_b = td_token(b, "某县医疗保障局", "handler", "张三");
    char *stranger = td_token(b, "另一局", "handler", "王五");
    ack_fired(b, token_b, &d, id_b, sizeof(id_b));
    ASSERT_STR_EQ(id_a, id_b);
    ASSERT_EQ(api_ack(&d, stranger, id_b), 404);
    ASSERT_EQ(api_ack(&d, token_b, id_b), 200);
    ASSERT_EQ(api_ack(&d, token_b, id_b), 409);
    list_parity(&d, b, token_b, id_b);
    td_stop(&d);

    json_t *ea = td_comparable_events(a), *eb = td_comparable_events(b);
    char *ta = json_dumps(ea, JSON_SORT_KEYS | JSON_INDENT(1));
    char *tb = json_dumps(eb, JSON_SORT_KEYS | JSON_INDENT(1));
    if (!json_equal(ea, eb))
        CF__FAIL("the chains differ:\nCLI %s\nAPI %s", ta, tb);
    ASSERT_CONTAINS(ta, "alert.acknowledged");
    ASSERT_EQ(td_cli(a, later, "audit", "verify", NULL), 0);
    free(ta);
    free(tb);
    json_decref(ea);
    json_decref(eb);
    free(token_a);
    free(token_b);
    free(stranger);
    return 0;
}

/* ops-1.5: a stored file from the command line: `case file CASE SHA256` writes the
 * bytes of a document the case cites, to --out or standard output (the API's GET
 * /v1/cases/{id}/files/{sha256}, the same function: serve_web_8_files); a hash the
 * case does not cite, a hash that is not one and a case that is not there are not
 * found (exit 3). */
TEST_IMPL(ops_case_file)
{
    char db[512], doc[512], out[512], hex[CF_CHAIN_HEX], other[CF_CHAIN_HEX], upper[CF_CHAIN_HEX];
    const char *text = "立案审批表：同意立案";
    td_db("ops-file.db", db, sizeof(db));
    td_cli_open(db, T0);
    td_file("立案审批表.txt", text, doc, sizeof(doc));
    ASSERT_EQ(td_cli_file_doc(db, doc), 0);
    cf_chain_sha256_hex(text, strlen(text), hex);
    snprintf(out, sizeof(out), "%s/ops-file.out", cf_test_tmpdir());
    remove(out);
    int rc = td_cli(db, T0, "case", "file", "1", hex, "--out", out, NULL);
    if (rc != 0)
        CF__FAIL("case file: %d %s", rc, td_err);
    ASSERT_CONTAINS(td_out, "立案审批表.txt");
    FILE *f = fopen(out, "rb");
    char got[256];
    ASSERT(f != NULL);
    size_t n = fread(got, 1, sizeof(got), f);
    fclose(f);
    ASSERT_EQ(n, strlen(text));
    ASSERT(memcmp(got, text, n) == 0);
    for (size_t i = 0; i < sizeof(upper); i++) /* the hash in either case */
        upper[i] = (char)(hex[i] >= 'a' && hex[i] <= 'f' ? hex[i] - 'a' + 'A' : hex[i]);
    ASSERT_EQ(td_cli(db, T0, "case", "file", "1", upper, NULL), 0);
    ASSERT_STR_EQ(td_out, text);
    cf_chain_sha256_hex("x", 1, other);
    ASSERT_EQ(td_cli(db, T0, "case", "file", "1", other, NULL), CF_EXIT_NOTFOUND);
    ASSERT_CONTAINS(td_err, "no stored file");
    ASSERT_EQ(td_cli(db, T0, "case", "file", "1", "abc", NULL), CF_EXIT_NOTFOUND);
    ASSERT_EQ(td_cli(db, T0, "case", "file", "9", hex, NULL), CF_EXIT_NOTFOUND);
    ASSERT_EQ(td_cli(db, T0, "case", "file", "1", NULL), CF_EXIT_USAGE);
    return 0;
}

/* ops-1.6: a met clock says when it stopped and by how much it was inside its
 * deadline, the same whenever it is read (its seconds_left moves on with "now"),
 * and a deadline counted on a year without its holiday notice stays marked
 * provisional after the clock stopped (it used to lose the mark at the stop).
 * Opened 2026-12-20 on the test calendars (through 2026): the filing clock's 15
 * working days end in 2027, counted on the computed year. */
TEST_IMPL(ops_clock_stopped_view)
{
    char db[512], doc[512];
    const char *now[] = {"2026-12-22T10:00:00+08:00", "2027-02-01T10:00:00+08:00"};
    td_db("ops-stopped.db", db, sizeof(db));
    td_cli_open(db, "2026-12-20T09:00:00+08:00");
    td_file("立案审批表.txt", "立案审批表：同意立案", doc, sizeof(doc));
    int rc = td_cli_file_doc_at(db, "2026-12-21T10:00:00+08:00", doc);
    if (rc != 0)
        CF__FAIL("file: %d %s", rc, td_err);
    long long margin[2], left[2];
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(td_cli(db, now[i], "case", "show", "1", "--json", NULL), 0);
        json_t *c = json_loads(td_out, 0, NULL), *k, *filing = NULL;
        ASSERT(c != NULL);
        size_t j;
        json_array_foreach(json_object_get(c, "clocks"), j, k)
            if (!strcmp(json_string_value(json_object_get(k, "id")), "filing"))
                filing = k;
        ASSERT(filing != NULL);
        ASSERT_STR_EQ(json_string_value(json_object_get(filing, "status")), "met");
        ASSERT_STR_EQ(json_string_value(json_object_get(filing, "stopped_at")),
                      "2026-12-21T10:00:00+08:00");
        ASSERT_EQ(json_integer_value(json_array_get(json_object_get(filing, "provisional"), 0)),
                  2027);
        ASSERT(json_object_get(filing, "left") == NULL); /* words only for a live clock */
        margin[i] = json_integer_value(json_object_get(filing, "margin_seconds"));
        left[i] = json_integer_value(json_object_get(filing, "seconds_left"));
        json_decref(c);
    }
    /* the deadline minus the stop: positive (met early), the same at both reads */
    ASSERT(margin[0] > 0);
    ASSERT_EQ(margin[0], margin[1]);
    ASSERT_EQ(left[0] - left[1], 41LL * 86400); /* seconds_left still counts the reader's now */
    ASSERT_EQ(margin[0], left[0] + 86400);      /* read a day after the stop */
    return 0;
}
