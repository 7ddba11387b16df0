/*
 * test-serve-store.c -- serve-0.*: the storage primitives the daemon is built
 * on (storage/store-tx.c, store-tokens.c, store-alerts.c), without the daemon.
 *
 * serve-0.1: a batch of three appends in one transaction, the middle one in
 *            conflict: the other two commit, the conflicting one writes nothing.
 * serve-0.2: a failed COMMIT (injected I/O error) leaves nothing of the batch.
 * serve-0.3: the alerts index: warning and deadline per running clock, the next
 *            instant, due alerts, fired exactly once even when re-synced.
 * serve-0.4: tokens are found by hash only; agencies stamp cases at open.
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "core-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* An alert event for c (the simplest event that changes no state). */
static json_t *one_event(const cf_case_t *c, const char *iso)
{
    return json_pack("[{s:I, s:s, s:s, s:s, s:s, s:s, s:s}]", "seq", (json_int_t)(c->version + 1),
                     "type", "alert", "at", iso, "actor", "caseflow", "role", "system", "clock",
                     "filing", "point", "warning");
}

static int64_t stored_version(cf_store_t *s, int64_t id)
{
    cf_case_t c;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_get(s, id, &c, &err), 0);
    int64_t v = c.version;
    cf_case_dispose(&c);
    return v;
}

TEST_IMPL(serve_store_batch)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("batch.db");
    cf_case_t a, b, stale;
    cf_error_t err;
    cf_test_open(s, wf, cal, T0, &a);
    cf_test_open(s, wf, cal, T0, &b);
    ASSERT_EQ(cf_case_copy(&stale, &b), 0);
    stale.version--; /* decided on an older read */
    json_t *ea = one_event(&a, T0), *es = one_event(&stale, T0), *eb = one_event(&b, T0);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    ASSERT_EQ(cf_store_case_append_tx(s, &a, ea, &err), 0);
    ASSERT_EQ(cf_store_savepoint_release(s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    ASSERT_EQ(cf_store_case_append_tx(s, &stale, es, &err), CF_ECONFLICT);
    cf_store_savepoint_rollback(s);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    ASSERT_EQ(cf_store_case_append_tx(s, &b, eb, &err), 0);
    ASSERT_EQ(cf_store_savepoint_release(s, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(stored_version(s, a.id), 3);
    ASSERT_EQ(stored_version(s, b.id), 3);
    json_t *events;
    ASSERT_EQ(cf_store_case_events(s, b.id, &events, &err), 0);
    ASSERT_EQ(json_array_size(events), 3); /* the conflicting append left no event */
    json_decref(events);
    json_decref(ea);
    json_decref(es);
    json_decref(eb);
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_case_dispose(&stale);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

static int fail_commit(void *ctx, const char *point)
{
    (void)ctx;
    return strcmp(point, "commit") == 0 ? SQLITE_IOERR : SQLITE_OK;
}

TEST_IMPL(serve_store_commit_fails)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("commit.db");
    cf_case_t a;
    cf_error_t err;
    cf_test_open(s, wf, cal, T0, &a);
    json_t *ea = one_event(&a, T0);
    cf_store_set_fault(s, fail_commit, NULL);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    ASSERT_EQ(cf_store_case_append_tx(s, &a, ea, &err), 0);
    ASSERT_EQ(cf_store_savepoint_release(s, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), CF_EIO);
    cf_store_tx_rollback(s);
    cf_store_set_fault(s, NULL, NULL);
    ASSERT_EQ(stored_version(s, a.id), 2); /* nothing of the batch */
    json_decref(ea);
    cf_case_dispose(&a);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

TEST_IMPL(serve_store_alerts)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("alerts.db");
    cf_case_t a;
    cf_error_t err;
    cf_alert_t due[8];
    cf_time_t next = 0;
    cf_test_open(s, wf, cal, T0, &a);
    ASSERT_EQ(cf_store_alerts_next(s, &next, &err), CF_ENOTFOUND); /* nothing indexed yet */
    ASSERT_EQ(next, 0);                                            /* untouched */
    ASSERT_EQ(cf_store_alerts_sync(s, &a, wf, cal, &err), 0);
    const cf_clock_rt_t *k = cf_case_clock(&a, "filing");
    ASSERT(k != NULL);
    ASSERT_EQ(cf_store_alerts_next(s, &next, &err), 0);
    ASSERT(next > k->started_at && next < k->deadline); /* the warning comes first */
    ASSERT_EQ(cf_store_alerts_due(s, next - 1, due, 8, &err), 0);
    ASSERT_EQ(cf_store_alerts_due(s, k->deadline, due, 8, &err), 2);
    ASSERT_STR_EQ(due[0].point, "warning");
    ASSERT_STR_EQ(due[1].point, "deadline");
    ASSERT_EQ(due[1].due_at, k->deadline);
    ASSERT_EQ(cf_store_alert_mark(s, due[0].id, next, &err), 0);
    ASSERT_EQ(cf_store_alert_mark(s, due[0].id, next, &err), CF_ECONFLICT);
    /* Re-syncing (as after any change) never revives a fired alert. */
    ASSERT_EQ(cf_store_alerts_sync(s, &a, wf, cal, &err), 0);
    ASSERT_EQ(cf_store_alerts_due(s, k->deadline, due, 8, &err), 1);
    ASSERT_STR_EQ(due[0].point, "deadline");
    ASSERT_EQ(cf_store_alerts_next(s, &next, &err), 0);
    ASSERT_EQ(next, k->deadline);
    cf_case_dispose(&a);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

TEST_IMPL(serve_store_tokens)
{
    cf_workflow_t *wf = cf_test_workflow("workflows/penalty-general.yaml");
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = cf_test_store("tokens.db");
    cf_error_t err;
    cf_principal_t p = {"甲局", "head", "李四"}, got;
    memset(&got, 0x5a, sizeof(got));
    ASSERT_EQ(cf_store_token_put(s, "abc1", &p, 1, &err), 0);
    ASSERT_EQ(cf_store_token_put(s, "abc1", &p, 1, &err), CF_EEXIST);
    ASSERT_EQ(cf_store_token_get(s, "abc2", &got, &err), CF_ENOTFOUND);
    ASSERT_EQ((unsigned char)got.agency[0], 0x5a); /* untouched */
    ASSERT_EQ(cf_store_token_get(s, "abc1", &got, &err), 0);
    ASSERT_STR_EQ(got.agency, "甲局");
    ASSERT_STR_EQ(got.role, "head");
    ASSERT_STR_EQ(got.name, "李四");
    /* A case opened through the daemon's path carries its agency; the CLI's none. */
    cf_case_t cli, api;
    char agency[128];
    cf_test_open(s, wf, cal, T0, &cli);
    ASSERT_EQ(cf_store_case_agency(s, cli.id, agency, sizeof(agency), &err), CF_ENOTFOUND);
    json_t *party = json_pack("{s:s}", "name", "某某大药房"), *events;
    cf_open_t req = {.actor = "李四", .role = "head", .party = party, .at = cf_test_time(T0)};
    ASSERT_EQ(cf_engine_open(wf, cal, &req, &events, NULL), 0);
    ASSERT_EQ(cf_case_init(&api), 0);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_case_open_tx(s, &api, events, "甲局", &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    ASSERT_EQ(cf_store_case_agency(s, api.id, agency, sizeof(agency), &err), 0);
    ASSERT_STR_EQ(agency, "甲局");
    cf_case_filter_t f = {0};
    json_t *list;
    ASSERT_EQ(cf_store_case_list_agency(s, "甲局", &f, &list, &err), 0);
    ASSERT_EQ(json_array_size(list), 1);
    json_decref(list);
    json_decref(events);
    json_decref(party);
    cf_case_dispose(&cli);
    cf_case_dispose(&api);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}
