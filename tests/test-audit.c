/*
 * test-audit.c -- audit-*: chain verification and conformance replay.
 *
 * audit-1.x: conformant cases replay with no deviation.
 * audit-2.x: cases that break the procedure are reported, each with its event,
 *   kind, rule, basis and 追责情形: service late, 告知 skipped, wrong role, an
 *   extension without approval, an emergency measure reported after 24 hours.
 * audit-3.x: records tampered with in the database file (triggers bypassed):
 *   an event edited, an event deleted; what an audit reads of a case (its row,
 *   its snapshot's bytes, its events hashed as read).
 * audit-3.x of the command line (bundles verified away from the database, a
 *   hand-edited one caught; the command line over the database on several threads,
 *   a case row it cannot use, events it cannot read, a definition gone) are in
 *   test-audit-cli.c; audit-4.x, the report itself, in test-audit-report.c. The
 *   fixture both share is audit-helpers.c.
 * Non-conforming logs are made the way a careless or dishonest writer would:
 * events sealed onto the chain directly, without asking the engine.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/audit.h"
#include "audit-helpers.h"
#include "cli.h"
#include "task.h"

/* Seals a hand-made event onto the case, as no engine would have allowed. */
static void forge(fx_t *f, const char *json)
{
    json_t *ev = json_loads(json, 0, NULL);
    ASSERT(ev != NULL);
    json_object_set_new(ev, "seq", json_integer(f->c.version + 1));
    json_t *events = json_pack("[o]", ev);
    cf_error_t err;
    if (cf_store_case_append(f->store, &f->c, events, &err) != 0)
        CF__FAIL("forge: %s", err.text);
    json_decref(events);
}

/* Verifies and replays the stored case; OUT a (dispose it). */
static void audit(fx_t *f, cf_audit_t *a, const char *now)
{
    json_t *events;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_events(f->store, f->c.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_init(a, f->c.id), 0);
    ASSERT_EQ(cf_audit_verify(events, f->c.algo, f->c.head, a), 0);
    ASSERT_EQ(cf_audit_replay(f->wf, f->cal, f->matter, events, cf_test_time(now), a), 0);
    json_decref(events);
}

static void dump(const cf_audit_t *a)
{
    for (size_t i = 0; i < a->items_count; i++)
        fprintf(stderr, "  #%lld %s %s: %s [%s] [%s]\n", (long long)a->items[i].seq,
                a->items[i].kind, a->items[i].rule, a->items[i].text, a->items[i].basis,
                a->items[i].accountability);
}

/* Asserts exactly one deviation, of kind at event seq; returns it. */
static const cf_deviation_t *only(const cf_audit_t *a, const char *kind, int64_t seq)
{
    if (a->items_count != 1 || strcmp(a->items[0].kind, kind) != 0 || a->items[0].seq != seq) {
        dump(a);
        CF__FAIL("expected exactly one '%s' deviation at event %lld", kind, (long long)seq);
    }
    return &a->items[0];
}

/* audit-1.1: a case that followed its procedure, closed, replays clean, and
 * replay measures its steps and clocks. */
TEST_IMPL(audit_conformant)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_act(&f, "serve", "handler", "2025-10-09T10:00:00+08:00", NULL, NULL);
    ta_act(&f, "archive", "handler", "2025-10-10T10:00:00+08:00", NULL, NULL);
    audit(&f, &a, "2026-01-01T00:00:00+08:00");
    if (a.items_count)
        dump(&a);
    ASSERT_EQ(a.items_count, 0);
    /* lead, investigating, notified, decided, served: five steps left. */
    ASSERT_EQ(json_array_size(a.steps), 5);
    ASSERT_STR_EQ(json_string_value(json_object_get(json_array_get(a.steps, 1), "state")),
                  "investigating");
    ASSERT(json_array_size(a.clocks) >= 3);
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-2.1: the decision served after its 7 working days: the breach is reported
 * with the clock's article and the matter's 追责情形 about time limits. */
TEST_IMPL(audit_service_late)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f); /* service due by the end of 2025-10-16 */
    ta_act(&f, "serve", "handler", "2025-10-20T10:00:00+08:00", NULL, NULL);
    ta_act(&f, "archive", "handler", "2025-10-21T10:00:00+08:00", NULL, NULL);
    audit(&f, &a, "2026-01-01T00:00:00+08:00");
    /* events: open 1-2, file 3-5, notify 6-7, decide 8-10, serve 11, stop 12 */
    const cf_deviation_t *d = only(&a, "deadline", 12);
    ASSERT_STR_EQ(d->rule, "service");
    ASSERT_CONTAINS(d->text, "2025-10-16T23:59:59+08:00");
    ASSERT_STR_EQ(d->basis, "行政处罚法 第六十一条、第八十五条");
    ASSERT_STR_EQ(d->accountability, "在法定期限内不履行送达、执行等职责的");
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-2.2: a decision with no 告知 before it: the step is out of order. */
TEST_IMPL(audit_notice_skipped)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_act(&f, "file", "head", "2025-09-01T15:00:00+08:00", "{\"reason\": \"举报\"}", "立案审批表");
    forge(&f, "{\"type\": \"transition\", \"at\": \"2025-09-30T10:00:00+08:00\", \"actor\": "
              "\"李四\", \"role\": \"head\", \"action\": \"decide\", \"label\": \"作出决定\", "
              "\"from\": \"investigating\", \"to\": \"decided\", \"facts\": {\"fine\": 1000}, "
              "\"documents\": {}}");
    audit(&f, &a, "2025-10-01T00:00:00+08:00");
    const cf_deviation_t *d = only(&a, "order", 6);
    ASSERT_CONTAINS(d->text, "action 'decide' is not allowed in state 'investigating'");
    ASSERT_STR_EQ(d->accountability, "违反法定的行政处罚程序的");
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-2.3: a filing approved by a handler instead of the head. */
TEST_IMPL(audit_wrong_role)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    forge(&f,
          "{\"type\": \"transition\", \"at\": \"2025-09-01T15:00:00+08:00\", \"actor\": "
          "\"张三\", \"role\": \"handler\", \"action\": \"file\", \"label\": \"立案\", "
          "\"from\": \"lead\", \"to\": \"investigating\", \"facts\": {\"reason\": \"x\"}, "
          "\"documents\": {\"立案审批表\": {\"sha256\": \"00\", \"size\": 1, \"file\": \"a\"}}}");
    audit(&f, &a, "2025-09-02T00:00:00+08:00");
    const cf_deviation_t *d = only(&a, "role", 3);
    ASSERT_CONTAINS(d->text, "role 'handler' may not take action 'file'");
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-2.4: an extension granted by a handler, where the rule needs the head. */
TEST_IMPL(audit_extension_unapproved)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2026-03-02T09:00:00+08:00");
    ta_act(&f, "file", "head", "2026-03-02T15:00:00+08:00", "{\"reason\": \"x\"}", "立案审批表");
    forge(&f, "{\"type\": \"clock.extended\", \"at\": \"2026-04-01T10:00:00+08:00\", "
              "\"actor\": \"张三\", \"role\": \"handler\", \"clock\": \"decision\", \"by\": "
              "\"30 days\", \"total\": \"30 days\", \"reason\": \"\", \"deadline\": "
              "\"2026-07-01T23:59:59+08:00\"}");
    audit(&f, &a, "2026-04-02T00:00:00+08:00");
    const cf_deviation_t *d = only(&a, "extension", 6);
    ASSERT_STR_EQ(d->rule, "decision");
    ASSERT_CONTAINS(d->text, "needs the approval of role 'head'");
    ASSERT_STR_EQ(d->basis, "行政处罚法 第六十条");
    ASSERT_STR_EQ(d->accountability, "违反法定的行政处罚程序的");
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-2.5: an emergency coercive measure reported to the head after more than
 * 24 hours (行政强制法 第十九条), on the shipped coercion workflow. */
TEST_IMPL(audit_emergency_late)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, "workflows/coercion.yaml", "2026-01-12T15:00:00+08:00");
    ta_act(&f, "take_emergency", "handler", "2026-01-12T15:30:00+08:00",
           "{\"officers\": [{\"name\": \"张三\", \"cert\": \"1\"}, {\"name\": \"王五\", "
           "\"cert\": \"2\"}], \"measure_kind\": \"封存\", \"emergency_reason\": \"删除数据\", "
           "\"items\": \"电脑1台\", \"party_present\": false, \"witness\": \"见证人\"}",
           "现场笔录,清单");
    ta_act(&f, "approve_emergency", "head", "2026-01-13T16:00:00+08:00", NULL,
           "行政强制措施审批表,查封扣押决定书");
    audit(&f, &a, "2026-01-14T00:00:00+08:00");
    int found = 0;
    for (size_t i = 0; i < a.items_count; i++)
        if (!strcmp(a.items[i].kind, "deadline") && !strcmp(a.items[i].rule, "emergency_report")) {
            found = 1;
            ASSERT_CONTAINS(a.items[i].text, "2026-01-13T15:30:00+08:00");
            ASSERT_CONTAINS(a.items[i].basis, "行政强制法 第十九条");
        }
    if (!found || a.items_count != 1)
        dump(&a);
    ASSERT(found);
    ASSERT_EQ(a.items_count, 1);
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-2.6 (issue 18 item 2): a decision taken while the party's windows still ran
 * (陈述、申辩 and the hearing request, from the notice's service) is reported as a
 * rule deviation by replay, with its article. */
TEST_IMPL(audit_decision_in_window)
{
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, "workflows/penalty-general.yaml", "2025-09-01T09:00:00+08:00");
    ta_act(&f, "file", "head", "2025-09-01T10:00:00+08:00",
           "{\"filing_reason\": \"x\", \"cause\": \"y\", \"officers\": [{\"name\": \"张三\", "
           "\"cert\": \"1\"}, {\"name\": \"王五\", \"cert\": \"2\"}]}",
           "立案审批表");
    ASSERT_EQ(cf_test_evidence(f.store, f.wf, &f.c, "书证", "2025-09-01T11:00:00+08:00", NULL), 0);
    ta_act(&f, "submit_review", "handler", "2025-09-01T11:00:00+08:00", "{\"findings\": \"x\"}",
           "调查终结报告");
    ta_act(&f, "notify_with_hearing", "handler", "2025-09-02T10:00:00+08:00",
           "{\"notified_penalty\": \"罚款5万元\", \"notified_fine\": \"50000.00\"}",
           "案件审查报告,行政处罚告知书,行政处罚听证告知书");
    ta_act(&f, "serve_hearing_notice", "handler", "2025-09-03T10:00:00+08:00", NULL,
           "告知书送达回证");
    forge(&f,
          "{\"type\": \"transition\", \"at\": \"2025-09-03T11:00:00+08:00\", \"actor\": "
          "\"李四\", \"role\": \"head\", \"action\": \"decide\", \"label\": \"作出行政处罚决定\", "
          "\"from\": \"notified\", \"to\": \"serving\", \"facts\": {\"penalty\": \"罚款\", "
          "\"fine\": \"50000.00\"}, \"documents\": {\"行政处罚决定书\": {\"sha256\": \"ab\", "
          "\"size\": 1, \"file\": \"x\"}}}");
    audit(&f, &a, "2025-09-04T00:00:00+08:00");
    int found = 0;
    for (size_t i = 0; i < a.items_count; i++)
        if (!strcmp(a.items[i].kind, "rule") && !strcmp(a.items[i].rule, "party-heard")) {
            found = 1;
            ASSERT_CONTAINS(a.items[i].basis, "第六十二条");
        }
    if (!found)
        dump(&a);
    ASSERT(found);
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-3.1: an event's body edited directly in the file is caught as altered,
 * with its sequence number. */
TEST_IMPL(audit_event_edited)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    char sql[512];
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = replace(body, '\"fine\":1000', '\"fine\":100') "
             "WHERE case_id = %lld AND seq = 8;",
             ta_drop_triggers, (long long)f.c.id);
    ta_tamper("audit.db", sql);
    audit(&f, &a, "2025-10-01T00:00:00+08:00");
    int altered = 0;
    for (size_t i = 0; i < a.items_count; i++)
        altered |= !strcmp(a.items[i].rule, "altered") && a.items[i].seq == 8;
    if (!altered)
        dump(&a);
    ASSERT(altered);
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-3.2: an event deleted directly in the file is caught: the chain has a
 * gap, and a deleted last event leaves the case's head pointing at nothing. */
TEST_IMPL(audit_event_deleted)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    cf_audit_t a;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    char sql[512];
    snprintf(sql, sizeof(sql), "%s DELETE FROM events WHERE case_id = %lld AND seq IN (6, 10);",
             ta_drop_triggers, (long long)f.c.id);
    ta_tamper("audit.db", sql);
    audit(&f, &a, "2025-10-01T00:00:00+08:00");
    int gap = 0, head = 0;
    for (size_t i = 0; i < a.items_count; i++) {
        gap |= !strcmp(a.items[i].rule, "removed") && a.items[i].seq == 7;
        head |= !strcmp(a.items[i].rule, "head");
    }
    if (!gap || !head)
        dump(&a);
    ASSERT(gap);
    ASSERT(head);
    cf_audit_dispose(&a);
    ta_teardown(&f);
    return 0;
}

/* audit-3.6: what an audit reads of a case besides its events, without its
 * snapshot: the row's columns say what the snapshot says; and the ids of the
 * cases closed in a range are those, and only those. */
TEST_IMPL(audit_store_rows)
{
    fx_t f;
    cf_error_t err;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_act(&f, "serve", "handler", "2025-10-09T10:00:00+08:00", NULL, NULL);
    ta_act(&f, "archive", "handler", "2025-10-10T10:00:00+08:00", NULL, NULL);
    int64_t closed_id = f.c.id;
    ta_more_cases(&f, 2); /* a second, still open */
    cf_case_t row, full;
    ASSERT_EQ(cf_store_case_row(f.store, closed_id, &row, &err), 0);
    ASSERT_EQ(cf_store_case_get(f.store, closed_id, &full, &err), 0);
    ASSERT_EQ(row.id, full.id);
    ASSERT_STR_EQ(row.workflow_id, full.workflow_id);
    ASSERT_EQ(row.workflow_version, full.workflow_version);
    ASSERT_STR_EQ(row.workflow_hash, full.workflow_hash);
    ASSERT_EQ(row.algo, full.algo);
    ASSERT_STR_EQ(row.head, full.head);
    ASSERT_EQ(row.version, full.version);
    ASSERT_STR_EQ(row.state, "closed");
    ASSERT_EQ(row.opened_at, full.opened_at);
    ASSERT_EQ(row.updated_at, full.updated_at);
    ASSERT_EQ(row.closed_at, cf_test_time("2025-10-10T10:00:00+08:00"));
    ASSERT_EQ(row.closed_at, full.closed_at);
    ASSERT(!row.matter_id == !full.matter_id);
    cf_case_dispose(&row);
    cf_case_dispose(&full);
    ASSERT_EQ(cf_store_case_row(f.store, 999, &row, &err), CF_ENOTFOUND);
    int64_t *ids;
    size_t n;
    ASSERT_EQ(cf_store_case_ids(f.store, NULL, &ids, &n, &err), 0);
    ASSERT_EQ(n, 2);
    ASSERT(ids[0] == closed_id && ids[1] == f.c.id);
    free(ids);
    cf_time_t day[2] = {cf_test_time("2025-10-10T00:00:00+08:00"),
                        cf_test_time("2025-10-11T00:00:00+08:00")};
    ASSERT_EQ(cf_store_case_ids(f.store, day, &ids, &n, &err), 0);
    ASSERT(n == 1 && ids[0] == closed_id);
    free(ids);
    day[0] = day[1];
    day[1] = INT64_MAX;
    ASSERT_EQ(cf_store_case_ids(f.store, day, &ids, &n, &err), 0);
    ASSERT_EQ(n, 0);
    free(ids);
    ta_teardown(&f);
    return 0;
}

/* The cached-row check on fold with the snapshot text; OUT a (dispose it). */
static void cache_text(const cf_case_t *fold, const json_t *row, const char *text, cf_audit_t *a)
{
    ASSERT_EQ(cf_audit_init(a, fold->id), 0);
    ASSERT_EQ(cf_audit_cache_fold(fold, row, text, strlen(text), a), 0);
}

/* audit-3.7: the row read once for an audit (cf_store_case_audit_row) gives its
 * columns, what it caches and its snapshot's bytes, which are those of the fold
 * of its events (so the check passes them without a parse); the replay's fold is
 * the same case. A snapshot of the same value in other bytes passes; one of the
 * same length that says otherwise is named; one that is not JSON is not a case. */
TEST_IMPL(audit_cache_snapshot_bytes)
{
    fx_t f;
    cf_error_t err;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_act(&f, "serve", "handler", "2025-10-09T10:00:00+08:00", NULL, NULL);
    ta_act(&f, "archive", "handler", "2025-10-10T10:00:00+08:00", NULL, NULL);
    cf_case_t c, fold, replayed;
    json_t *row = NULL, *events;
    char *text = NULL;
    size_t len = 0;
    int folded = 0;
    ASSERT_EQ(cf_store_case_audit_row(f.store, f.c.id, &c, &row, &text, &len, &err), 0);
    ASSERT_EQ(c.id, f.c.id);
    ASSERT_STR_EQ(c.head, f.c.head);
    ASSERT_EQ(c.closed_at, f.c.closed_at);
    ASSERT(json_object_get(row, "party") && json_object_get(row, "closed_at"));
    ASSERT(!json_object_get(row, "snapshot"));
    ASSERT_EQ(len, strlen(text));
    ASSERT_EQ(cf_store_case_events_audit(f.store, f.c.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_fold(events, &fold, &folded), 0);
    ASSERT_EQ(folded, 1);
    char *want = cf_case_snapshot_text(&fold);
    /* The store wrote the live case, whose documents kept the request's key order;
     * the fold has them as the canonical events give them: the same value. */
    json_t *stored = json_loads(text, 0, NULL), *folded_json = json_loads(want, 0, NULL);
    ASSERT(stored && json_equal(stored, folded_json));
    json_decref(stored);
    json_decref(folded_json);
    cf_audit_t a;
    ASSERT_EQ(cf_audit_init(&a, f.c.id), 0);
    ASSERT_EQ(cf_audit_replay_fold(f.wf, f.cal, f.matter, events,
                                   cf_test_time("2025-10-11T00:00:00+08:00"), &a, &replayed,
                                   &folded),
              0);
    ASSERT_EQ(folded, 1);
    char *again = cf_case_snapshot_text(&replayed);
    ASSERT_STR_EQ(again, want);
    free(again);
    cf_case_dispose(&replayed);
    cf_audit_dispose(&a);
    cache_text(&fold, row, text, &a);
    ASSERT_EQ(a.items_count, 0);
    cf_audit_dispose(&a);
    cache_text(&fold, row, want, &a); /* the fold's own bytes */
    ASSERT_EQ(a.items_count, 0);
    cf_audit_dispose(&a);
    /* the same value in other bytes: its keys sorted, indented */
    json_t *value = json_loads(text, 0, NULL);
    char *other = json_dumps(value, JSON_SORT_KEYS | JSON_INDENT(2));
    ASSERT(strcmp(other, text) != 0 && strcmp(other, want) != 0);
    cache_text(&fold, row, other, &a);
    ASSERT_EQ(a.items_count, 0);
    cf_audit_dispose(&a);
    free(other);
    json_decref(value);
    /* as long, but another state */
    char *edited = strstr(text, "\"state\":\"closed\"");
    ASSERT(edited != NULL);
    edited[strlen("\"state\":\"close")] = 'x';
    cache_text(&fold, row, text, &a);
    ASSERT_STR_EQ(only(&a, "cache", 0)->rule, "snapshot.state");
    ASSERT_CONTAINS(a.items[0].text, "\"closex\"");
    cf_audit_dispose(&a);
    cache_text(&fold, row, "garbage", &a);
    ASSERT_STR_EQ(only(&a, "cache", 0)->rule, "snapshot");
    cf_audit_dispose(&a);
    /* a column edited is named beside a snapshot that is right */
    json_object_set_new(row, "version", json_integer(3));
    cache_text(&fold, row, want, &a);
    ASSERT_STR_EQ(only(&a, "cache", 0)->rule, "row.version");
    cf_audit_dispose(&a);
    free(want);
    free(text);
    json_decref(row);
    json_decref(events);
    cf_case_dispose(&fold);
    cf_case_dispose(&c);
    /* no such case: nothing given */
    row = NULL;
    text = NULL;
    ASSERT_EQ(cf_store_case_audit_row(f.store, 999, &c, &row, &text, &len, &err), CF_ENOTFOUND);
    ASSERT(!row && !text);
    /* a case without documents: the store's bytes are the fold's (no parse) */
    cf_case_t plain;
    cf_test_open(f.store, f.wf, f.cal, "2025-09-02T09:00:00+08:00", &plain);
    ASSERT_EQ(cf_store_case_audit_row(f.store, plain.id, &c, &row, &text, &len, &err), 0);
    ASSERT_EQ(cf_store_case_events_audit(f.store, plain.id, &events, &err), 0);
    ASSERT_EQ(cf_audit_fold(events, &fold, &folded), 0);
    ASSERT_EQ(folded, 1);
    want = cf_case_snapshot_text(&fold);
    ASSERT_STR_EQ(text, want);
    free(want);
    free(text);
    json_decref(row);
    json_decref(events);
    cf_case_dispose(&fold);
    cf_case_dispose(&c);
    cf_case_dispose(&plain);
    ta_teardown(&f);
    return 0;
}

/* Expects the hashes cf_store_case_events_rehashed gives for case id to be the
 * chain's (cf_chain_hash of each event on its prev); OUT *stored_ok: how many
 * are the event's stored hash. */
static void rehashed_as_chain(fx_t *f, cf_store_rehash_t *h, size_t *stored_ok)
{
    json_t *events, *ev;
    cf_error_t err;
    size_t i;
    ASSERT_EQ(cf_store_case_events_rehashed(f->store, f->c.id, f->c.algo, &events, h, &err), 0);
    *stored_ok = 0;
    json_array_foreach(events, i, ev) {
        char want[CF_CHAIN_HEX];
        ASSERT_EQ(
            cf_chain_hash(f->c.algo, json_string_value(json_object_get(ev, "prev")), ev, want), 0);
        ASSERT_STR_EQ(h->hashes[i], want);
        *stored_ok += strcmp(want, json_string_value(json_object_get(ev, "hash"))) == 0;
    }
    ASSERT(json_array_size(events) > 3);
    json_decref(events);
}

/* audit-3.8: an audit hashes each stored event from its text as read when that
 * is the chain's canonical form, else from its value: the chain's definition is
 * unchanged either way. An event rewritten in other bytes with the same value
 * (its keys out of order, a space) still verifies; an edit of its value is
 * caught on either path. */
TEST_IMPL(audit_rehashed_as_read)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (tamper)");
    fx_t f;
    ta_setup(&f, MINI, "2025-09-01T09:00:00+08:00");
    ta_walk_to_decision(&f);
    ta_put_calendar(&f);
    cf_store_rehash_t h = {0};
    size_t ok, n = (size_t)f.c.version;
    rehashed_as_chain(&f, &h, &ok);
    ASSERT_EQ(ok, n);
    char sql[1024], *out = malloc(1 << 20);
    snprintf(sql, sizeof(sql),
             "%s UPDATE events SET body = json_set(json_remove(body, '$.actor'), '$.actor', "
             "json_extract(body, '$.actor')) WHERE case_id = %lld AND seq = 3; "
             "UPDATE events SET body = ' ' || body WHERE case_id = %lld AND seq = 4;",
             ta_drop_triggers, (long long)f.c.id, (long long)f.c.id);
    ta_tamper("audit.db", sql);
    rehashed_as_chain(&f, &h, &ok);
    ASSERT_EQ(ok, n); /* other bytes, the same hashes */
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "verify", "--json", NULL, NULL), 0);
    snprintf(sql, sizeof(sql),
             "UPDATE events SET body = replace(body, '举报', '匿名') WHERE case_id = %lld AND "
             "seq = 3; UPDATE events SET body = replace(body, '\"at\":\"2025', '\"at\":\"2024') "
             "WHERE case_id = %lld AND seq = 5;",
             (long long)f.c.id, (long long)f.c.id);
    ta_tamper("audit.db", sql);
    rehashed_as_chain(&f, &h, &ok);
    ASSERT_EQ(ok, n - 2);
    ASSERT_EQ(ta_cli(out, 1 << 20, "audit", "verify", NULL, NULL, NULL), CF_EXIT_VERIFY);
    ASSERT_CONTAINS(out, "event 3 was altered"); /* out of order: hashed from its value */
    ASSERT_CONTAINS(out, "event 5 was altered"); /* canonical: hashed from its text */
    cf_store_rehash_dispose(&h);
    free(out);
    ta_teardown(&f);
    return 0;
}
