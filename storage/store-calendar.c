/*
 * store-calendar.c -- loading a calendar year while cases run (issue 16, R11),
 * and the calendar's version that daemons poll.
 *
 * One operation, cf_store_calendar_install, callable from the command line
 * (`caseflow calendar load`) and from a daemon alike: validate the year's YAML,
 * store it, recount every running clock whose deadline it may settle (a
 * clock.recomputed event on the case's chain, engine.h cf_engine_recompute),
 * rewrite those cases' pending alerts, and bump calendar_version -- all in one
 * transaction, so a failure anywhere leaves the calendars, every case and the
 * alerts index as they were. Daemons notice the new version by polling
 * cf_store_calendar_version (several may share one database) and reload.
 *
 * Which clocks: for a new year, those marked provisional in the clock index
 * (clocks.provisional > 0, schema 4); with replace, every running or paused
 * clock, as a replaced year may move a settled deadline; the engine then writes
 * an event only where the deadline or its provisional mark changes. A year that
 * would leave a gap after the last loaded one is refused: the provisional years
 * start right after the last loaded year, so a gap would leave running clocks
 * on a year that is neither loaded nor provisional.
 *
 * Rejected: recomputing lazily when a case is next touched (the alerts would
 * fire at the old instants meanwhile, and `case list` would show stale
 * deadlines); a calendar per case (every case would need its own replay of the
 * calendar history to be audited).
 */
#include "engine.h"
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

/* The stored source of year, OUT *source (malloc'd) or NULL when not stored; and
 * OUT *last: the last stored year (0 when none). */
static int stored_year(cf_store_t *s, int year, char **source, int *last, cf_error_t *err)
{
    cf_db_stmt_t *st;
    *source = NULL;
    int rc = cf__store_prepare(
        s,
        "SELECT (SELECT source FROM calendars WHERE year = ?), (SELECT MAX(year) FROM calendars)",
        &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int(st, 1, year);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW) {
        const char *text = (const char *)cf_db_column_text(st, 0);
        *last = cf_db_column_int(st, 1);
        if (text && !(*source = strdup(text)))
            rc = CF_ENOMEM;
    } else {
        rc = cf__store_error(s, step, "read calendars", err);
    }
    cf__store_release(s, st);
    return rc;
}

/* The running or paused clocks' case ids the load may move. OUT *ids, *count. */
static int affected_cases(cf_store_t *s, int all, int64_t **ids, size_t *count, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               all ? "SELECT DISTINCT case_id FROM clocks WHERE state IN "
                                     "('running', 'paused') ORDER BY case_id"
                                   : "SELECT DISTINCT case_id FROM clocks WHERE provisional > 0 "
                                     "AND state IN ('running', 'paused') ORDER BY case_id",
                               &st, err);
    if (rc != 0)
        return rc;
    return cf__store_collect_ids(s, st, ids, count, "find provisional clocks", err);
}

static int bump_version(cf_store_t *s, cf_time_t at, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "UPDATE calendar_version SET version = version + 1, changed_at = ? WHERE id = 1", &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, at);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "bump calendar version", err);
}

/* Recounts case id's clocks on cal; appends the events and rewrites its alerts. */
static int recompute_case(cf_store_t *s, int64_t id, const cf_calendar_t *cal,
                          const cf_recompute_t *req, cf_calendar_install_t *out, cf_error_t *err)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL;
    cf_refusal_t why = {0};
    int rc = cf_store_case_get(s, id, &c, err);
    if (rc != 0)
        return rc;
    rc = cf_store_workflow_get_hash(s, c.workflow_hash, &wf, err);
    if (rc == 0 && (rc = cf_engine_recompute(wf, cal, &c, req, &events, &why)) != 0)
        cf_error_set(err, rc, NULL, 0, 0, "case %lld: %s", (long long)id, why.text);
    size_t n = json_array_size(events), i;
    json_t *copy = n ? json_deep_copy(events) : NULL; /* the append seals (consumes) events */
    if (rc == 0 && n && !copy)
        rc = CF_ENOMEM;
    if (rc == 0 && n)
        rc = cf_store_case_append_tx(s, &c, events, err);
    if (rc == 0 && n)
        rc = cf_store_alerts_sync(s, &c, wf, cal, err);
    json_t *ev;
    json_array_foreach(copy, i, ev) {
        if (rc != 0 || !out->changes)
            break;
        json_t *row = json_pack("{s:I, s:O, s:O, s:O, s:O*}", "case", (json_int_t)id, "clock",
                                json_object_get(ev, "clock"), "was", json_object_get(ev, "was"),
                                "deadline", json_object_get(ev, "deadline"), "provisional",
                                json_object_get(ev, "provisional"));
        if (!row || json_array_append_new(out->changes, row) != 0)
            rc = CF_ENOMEM;
    }
    out->recomputed += rc == 0 ? n : 0;
    json_decref(copy);
    json_decref(events);
    cf_refusal_dispose(&why);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* The checks before anything is written: a year loaded with other content needs
 * replace; a new year may not leave a gap after the last one. */
static int check_year(int year, const char *stored, const char *yaml, size_t len, int last,
                      int replace, const char *source, cf_calendar_install_t *out, cf_error_t *err)
{
    if (stored && strlen(stored) == len && memcmp(stored, yaml, len) == 0) {
        out->unchanged = 1;
        return 0;
    }
    if (stored && !replace)
        return cf_error_set(err, CF_EEXIST, source, 0, 0,
                            "calendar %d is already loaded with different content: "
                            "`calendar load --replace` replaces it and recounts every running "
                            "clock",
                            year);
    if (!stored && last && year > last + 1)
        return cf_error_set(err, CF_EINVALID, source, 0, 0,
                            "calendar %d would leave %d not loaded after %d: load %d first", year,
                            last + 1, last, last + 1);
    out->replaced = stored != NULL;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_calendar_install(cf_store_t *s, const char *yaml, size_t len, const char *source,
                              int replace, cf_time_t at, const char *actor,
                              cf_calendar_install_t *out, cf_error_t *err)
{
    cf_calendar_t *check = NULL, *cal = NULL;
    char *stored = NULL;
    int64_t *ids = NULL;
    size_t count = 0;
    int first, last = 0;
    memset(out, 0, sizeof(*out));
    int rc = cf_calendar_new(&check);
    if (rc == 0)
        rc = cf_calendar_load(check, yaml, len, source, err); /* validated as init does */
    cf_calendar_span(check, &first, &out->year);
    cf_calendar_free(check);
    if (rc != 0)
        return rc;
    cf_chain_sha256_hex(yaml, len, out->sha256);
    if ((rc = cf_store_tx_begin(s, err)) != 0)
        return rc;
    rc = stored_year(s, out->year, &stored, &last, err);
    if (rc == 0)
        rc = check_year(out->year, stored, yaml, len, last, replace, source, out, err);
    if (rc == 0 && !out->unchanged && !(out->changes = json_array()))
        rc = CF_ENOMEM;
    if (rc == 0 && !out->unchanged) {
        char *text = strndup(yaml, len);
        rc = text ? cf_store_calendar_put(s, out->year, text, err) : CF_ENOMEM;
        free(text);
        if (rc == 0)
            rc = cf_store_calendar_load(s, &cal, err);
        if (rc == 0)
            rc = affected_cases(s, out->replaced, &ids, &count, err);
        cf_recompute_t req = {out->year, out->sha256, out->replaced, at, actor};
        for (size_t i = 0; rc == 0 && i < count; i++)
            rc = recompute_case(s, ids[i], cal, &req, out, err);
        if (rc == 0)
            rc = bump_version(s, at, err);
    }
    rc = rc == 0 ? cf_store_tx_commit(s, err) : rc;
    if (rc != 0) {
        cf_store_tx_rollback(s);
        json_decref(out->changes);
        out->changes = NULL;
    }
    free(ids);
    free(stored);
    cf_calendar_free(cal);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_calendar_version(cf_store_t *s, int64_t *version, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT version FROM calendar_version WHERE id = 1", &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *version = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read calendar version", err);
}

/* Exported, documented in store.h */
int cf_store_clocks_provisional(cf_store_t *s, int64_t *count, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "SELECT COUNT(*) FROM clocks WHERE provisional > 0 AND state IN "
                               "('running', 'paused')",
                               &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *count = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "count provisional clocks", err);
}
