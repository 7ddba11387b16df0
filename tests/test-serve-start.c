/*
 * test-serve-start.c -- start-*: the daemon's start after a downtime (issue 26.5), on the
 * injected clock. How soon it answers is a bench row (bench/bench-storm.c, `downtime`),
 * never asserted here; what is asserted is behaviour.
 *
 * start-1: the daemon answers while the backlog fires: the writer is held inside the
 *          first chunk of alerts that fell due while it was down (a store fault hook
 *          that waits), and meanwhile the API answers reads (a case, the pending
 *          alerts, all of them still pending); let go, every alert fires once, marked
 *          late, in due order (ties by alert id), one alert event per alert on its
 *          case's chain, none left pending.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-helpers.h"
#include "serve-helpers.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* The writer held at its first commit until the test lets it go. */
typedef struct gate_s {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int reached; /* the writer is waiting at the gate */
    int open;
} gate_t;

static int at_gate(void *ctx, const char *point)
{
    gate_t *g = ctx;
    if (strcmp(point, "commit") != 0)
        return 0;
    pthread_mutex_lock(&g->mu);
    if (!g->open) {
        g->reached = 1;
        pthread_cond_broadcast(&g->cv);
        while (!g->open)
            pthread_cond_wait(&g->cv, &g->mu);
    }
    pthread_mutex_unlock(&g->mu);
    return 0;
}

/* ---- start-1 ------------------------------------------------------------------------------ */

TEST_IMPL(start_answers_while_backlog_fires)
{
    CF_TEST_SQLITE_ONLY("reads the SQLite file directly (pending alerts, alert events)");
    enum { CASES = 30 };
    char db[512], log[512];
    cf_serve_config_t cfg; /* the daemon starts months later */
    char *token = td_alert_config("start-backlog.db", "start-backlog.jsonl",
                                  "2026-09-01T09:00:00+08:00", db, log, &cfg);
    /* Cases opened over a day, two on the first instant: their alerts fell due over
     * the following weeks, ties included; the daemon starts months later. */
    cf_time_t t0;
    cf_error_t err;
    ASSERT_EQ(cf_time_parse(T0, &t0, &err), 0);
    td_open_spread(db, "甲局", t0, 0, 2);
    td_open_spread(db, "甲局", t0 + 3600, 3600, CASES - 2);
    const char *pending_sql = "SELECT COUNT(*) FROM alerts WHERE fired_at IS NULL";
    long long pending = td_scalar(db, pending_sql);
    ASSERT(pending >= 2 * CASES);
    ASSERT_EQ(td_scalar(db, "SELECT COUNT(*) FROM events WHERE type = 'alert'"), 0);

    gate_t gate = {.reached = 0, .open = 0};
    pthread_mutex_init(&gate.mu, NULL);
    pthread_cond_init(&gate.cv, NULL);
    td_daemon_t d;
    cfg.fire_chunk = 4; /* the backlog in many chunks, each its own commit */
    cfg.store_fault = at_gate;
    cfg.store_fault_ctx = &gate;
    td_start(&d, &cfg);
    /* The start's firing is under way: the writer waits inside its first chunk. */
    pthread_mutex_lock(&gate.mu);
    while (!gate.reached)
        pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);

    /* Meanwhile the API answers: a case, and the alerts, all still pending. */
    json_t *c = td_get_json(&d, token, "/v1/cases/1");
    ASSERT_EQ(json_integer_value(json_object_get(c, "id")), 1);
    json_decref(c);
    json_t *waiting = td_get_all(&d, token, "/v1/alerts?state=pending");
    ASSERT_EQ((long long)json_array_size(waiting), pending);
    json_decref(waiting);
    ASSERT_EQ(td_scalar(db, pending_sql), pending);

    /* Let go: the rest of the backlog fires (the clock's answer waits for it). */
    pthread_mutex_lock(&gate.mu);
    gate.open = 1;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    td_clock(&d, "2026-09-01T09:00:00+08:00");
    json_t *fired = td_get_all(&d, token, "/v1/alerts?state=fired");
    ASSERT_EQ((long long)json_array_size(fired), pending);
    json_decref(fired);
    td_stop(&d);

    /* Each once, late, in due order; one alert event each on the chains, none pending. */
    td_check_late_log(log, pending);
    ASSERT_EQ(td_scalar(db, pending_sql), 0);
    ASSERT_EQ(td_scalar(db, "SELECT COUNT(*) FROM events WHERE type = 'alert'"), pending);
    ASSERT_EQ(td_scalar(db, "SELECT COUNT(*) FROM events WHERE type = 'alert' AND "
                            "json_extract(body, '$.late') = 1"),
              pending);
    ASSERT_EQ(td_scalar(db,
                        "SELECT COUNT(*) FROM (SELECT 1 FROM events WHERE type = 'alert' "
                        "GROUP BY case_id, json_extract(body, '$.alert_id') HAVING COUNT(*) > 1)"),
              0);
    pthread_cond_destroy(&gate.cv);
    pthread_mutex_destroy(&gate.mu);
    free(token);
    return 0;
}
