/*
 * store-summary.c -- the case file a bureau keeps (issue 20): the numbers a case
 * is given besides its 案号 (决定书文号, 档案号), the people named on it (handlers
 * and the responsible head), one summary row per case, and the summary counts
 * the bureau's statistics read.
 *
 * Division map:
 *   numbers     ref_counters, case_refs: a counter row per kind, agency and year,
 *               taken in the transaction of the action that gives the number
 *   summaries   case_summary, case_people: written with every change of a case
 *               (the summary as a struct, its text: store-summary-body.c)
 *   counts      stat_counts: what each summary contributes, kept by deltas (written
 *               at commit by store-counts.c)
 *   statistics  cf_store_stats: sums of stat_counts over a period, and the live
 *               overdue and due counts from the clock index
 *
 * SCHEMA (version 10)
 *   ref_counters  kind ("decision_number" | "archive_number"), agency, year, last;
 *                 PRIMARY KEY(kind, agency, year). The 案号 keeps its own
 *                 case_counters (version 9): kind "case_number" is routed there.
 *   case_refs     case_id, kind, number; PRIMARY KEY(case_id, kind),
 *                 UNIQUE(kind, number): a number is never given twice.
 *   case_summary  case_id PRIMARY KEY, agency, name (the case's name, or NULL),
 *                 body: the summary as JSON {agency, power_type, workflow, cause,
 *                 state, name, handlers: [name], head, opened, filed, decided,
 *                 closed (days, 0: not yet), fine, paid, refund, recovered (fen),
 *                 clocks: [[clock, met (1) or late (0), day]]}.
 *   case_people   case_id, role ("handler" | "head"), name; index on (name,
 *                 case_id): a filter by handler is an index lookup.
 *   stat_counts   agency, handler ("" for all), day, dim, key, n, fen;
 *                 PRIMARY KEY(agency, handler, day, dim, key), WITHOUT ROWID.
 *
 * Days are counted in China time: day = (t + 8 h) / 86400, so a bureau's day
 * runs from midnight to midnight in Beijing.
 *
 * The counts are kept by deltas: a change subtracts what the case's previous
 * summary contributed and adds what its new one does, in the change's own
 * transaction, so the counts are always the sum over the summaries (the deltas of a
 * transaction are merged in memory and written once, in key order, before it
 * commits: store-counts.c). A summary
 * contributes, for "" and for each of its handlers: at the day it was opened,
 * one to "opened" and to its power type, state, 案由 and each handler; at the
 * day it was filed, decided or closed, one to "filed", "decided" (with the
 * fine in fen), "closed"; at the day it was decided, the fen paid, ordered
 * returned and recovered; at the day a clock stopped, one to "met" or "late"
 * keyed by the clock. Rejected: aggregating case_summary at query time (a
 * scan of every case per breakdown: seconds at a million cases); counting
 * from the events (a scan of the log).
 */
#include "store-int.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "money.h"

/* ---- numbers ------------------------------------------------------------------------ */

/* Exported, documented in store.h */
int cf_store_ref_next(cf_store_t *s, const char *kind, const char *agency, int year, int64_t *seq,
                      cf_error_t *err)
{
    if (strcmp(kind, "case_number") == 0)
        return cf_store_case_number_next(s, agency, year, seq, err);
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO ref_counters(kind, agency, year, last) VALUES (?, ?, "
                               "?, 1) ON CONFLICT(kind, agency, year) DO UPDATE SET last = "
                               "ref_counters.last + 1 RETURNING last",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_text(st, 1, kind, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 2, agency, -1, CF_DB_STATIC);
    cf_db_bind_int(st, 3, year);
    int step = cf_db_step(st);
    int64_t got = step == CF_DB_ROW ? cf_db_column_int64(st, 0) : 0;
    if (step == CF_DB_ROW)
        step = cf_db_step(st);
    cf__store_release(s, st);
    if (step != CF_DB_DONE)
        return cf__store_error(s, step, "take a number", err);
    *seq = got;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_ref_put(cf_store_t *s, int64_t id, const char *kind, const char *number,
                     cf_error_t *err)
{
    if (strcmp(kind, "case_number") == 0)
        return cf_store_case_number_put(s, id, number, err);
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               "INSERT INTO case_refs(case_id, kind, number, agency) VALUES (?, ?, "
                               "?, " CF__STORE_AGENCY_OF("?1") ")",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    cf_db_bind_text(st, 2, kind, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 3, number, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    if (step == CF_ECONFLICT)
        return cf_error_set(err, CF_EEXIST, NULL, 0, 0,
                            "case %lld already has a %s, or '%s' is taken", (long long)id, kind,
                            number);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "record a number", err);
}

/* Exported, documented in store.h */
int cf_store_ref_get(cf_store_t *s, int64_t id, const char *kind, char *number, size_t size,
                     cf_error_t *err)
{
    if (strcmp(kind, "case_number") == 0)
        return cf_store_case_number_get(s, id, number, size, err);
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT number FROM case_refs WHERE case_id = ? AND kind = ?",
                               &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    cf_db_bind_text(st, 2, kind, -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        cf__store_copy_col(st, 0, number, size);
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "case %lld has no %s", (long long)id,
                            kind);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read a number", err);
}

/* ---- summaries ---------------------------------------------------------------------- */

/* The body of case id's summary, parsed (new reference). */
static int body_get(cf_store_t *s, int64_t id, json_t **summary, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT body FROM case_summary WHERE case_id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    json_t *body =
        step == CF_DB_ROW ? json_loads((const char *)cf_db_column_text(st, 0), 0, NULL) : NULL;
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "case %lld has no summary",
                            (long long)id);
    if (step != CF_DB_ROW)
        return cf__store_error(s, step, "read a case summary", err);
    if (!body)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: its summary is not JSON",
                            (long long)id);
    *summary = body;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_summary_get(cf_store_t *s, int64_t id, json_t **summary, cf_error_t *err)
{
    return body_get(s, id, summary, err);
}

/* Exported, documented in store.h */
int cf_store_summary_read(cf_store_t *s, int64_t id, cf_summary_t *sum, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT body FROM case_summary WHERE case_id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    char *text = step == CF_DB_ROW ? strdup((const char *)cf_db_column_text(st, 0)) : NULL;
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "case %lld has no summary",
                            (long long)id);
    if (step != CF_DB_ROW)
        return cf__store_error(s, step, "read a case summary", err);
    json_t *body = text ? json_loads(text, 0, NULL) : NULL;
    rc = !text   ? CF_ENOMEM
         : !body ? cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: its summary is not JSON",
                                (long long)id)
                 : cf_summary_from_json(body, sum);
    if (rc == 0) { /* the text this struct writes, or the row is written again */
        cf__jsonw_t w = {0};
        cf_summary_write(&w, sum);
        char *again = cf__jsonw_finish(&w);
        sum->rewrite = !again || strcmp(again, text) != 0;
        free(again);
    }
    json_decref(body);
    free(text);
    return rc;
}

/* The people of a summary into case_people: its handlers and its head. */
static int people_put(cf_store_t *s, int64_t id, const cf_summary_t *sum, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "DELETE FROM case_people WHERE case_id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    if ((rc = cf__store_step_done(s, st, "forget a case's people", err)) != 0)
        return rc;
    size_t n = sum->handlers_count;
    for (size_t i = 0; rc == 0 && i <= n; i++) {
        const char *who = i < n ? sum->handlers[i] : sum->head;
        if (!who || !*who)
            continue;
        rc = cf__store_prepare(s, CF__STORE_PEOPLE_INSERT, &st, err);
        if (rc != 0)
            break;
        cf_db_bind_int64(st, 1, id);
        cf_db_bind_text(st, 4, sum->agency, -1, CF_DB_STATIC); /* the case row's */
        cf_db_bind_text(st, 2, i < n ? "handler" : "head", -1, CF_DB_STATIC);
        cf_db_bind_text(st, 3, who, -1, CF_DB_TRANSIENT);
        rc = cf__store_step_done(s, st, "name a case's people", err);
    }
    return rc;
}

/* 1 if a and b name the same people (handlers, in order, and head). */
static int same_people(const cf_summary_t *a, const cf_summary_t *b)
{
    if (a->handlers_count != b->handlers_count)
        return 0;
    for (size_t i = 0; i < a->handlers_count; i++)
        if (strcmp(a->handlers[i], b->handlers[i]) != 0)
            return 0;
    return a->head == b->head || (a->head && b->head && strcmp(a->head, b->head) == 0);
}

/* ---- counts ------------------------------------------------------------------------- */

/* Where a summary's contributions go: item (handler, day, dim, key) gets (n, fen)
 * times sign. The strings are borrowed from the summary. */
typedef void (*emit_fn)(void *ctx, const char *handler, int64_t day, const char *dim,
                        const char *key, int64_t n, int64_t fen, int sign);

/* Adds (n, fen) times sign to the item (handler, day, dim, key) of acc, an object
 * keyed by the four joined with \x1f. A day of 0 (not yet) adds nothing. */
static void acc_add(void *ctx, const char *handler, int64_t day, const char *dim, const char *key,
                    int64_t n, int64_t fen, int sign)
{
    json_t *acc = ctx;
    char k[512];
    if (day <= 0)
        return;
    snprintf(k, sizeof(k), "%s\x1f%lld\x1f%s\x1f%s", handler, (long long)day, dim, key ? key : "");
    json_t *v = json_object_get(acc, k);
    int64_t n0 = v ? json_integer_value(json_array_get(v, 0)) : 0;
    int64_t f0 = v ? json_integer_value(json_array_get(v, 1)) : 0;
    json_object_set_new(
        acc, k, json_pack("[I, I]", (json_int_t)(n0 + sign * n), (json_int_t)(f0 + sign * fen)));
}

/* What summary sum contributes for one handler ("" for the agency as a whole),
 * times sign, to emit. */
static void contribute_as(emit_fn emit, void *ctx, const cf_summary_t *sum, const char *h, int sign)
{
    int64_t opened = sum->opened, decided = sum->decided;
    const char *keyed[] = {"power_type", sum->power_type, "state", sum->state, "cause", sum->cause};
    emit(ctx, h, opened, "opened", "", 1, 0, sign);
    for (size_t i = 0; i < 6; i += 2)
        if (keyed[i + 1] && *keyed[i + 1])
            emit(ctx, h, opened, keyed[i], keyed[i + 1], 1, 0, sign);
    for (size_t i = 0; i < sum->handlers_count; i++)
        emit(ctx, h, opened, "handler", sum->handlers[i], 1, 0, sign);
    emit(ctx, h, sum->filed, "filed", "", 1, 0, sign);
    emit(ctx, h, decided, "decided", "", 1, sum->fine, sign);
    emit(ctx, h, decided, "paid", "", 0, sum->paid, sign);
    emit(ctx, h, decided, "refund", "", 0, sum->refund, sign);
    emit(ctx, h, decided, "recovered", "", 0, sum->recovered, sign);
    emit(ctx, h, sum->closed, "closed", "", 1, 0, sign);
    for (size_t i = 0; i < sum->clocks_count; i++) {
        const cf_summary_clock_t *k = &sum->clocks[i];
        emit(ctx, h, k->day, k->met ? "met" : "late", k->clock, 1, 0, sign);
    }
}

/* Every contribution of sum (for "" and for each handler) to emit. */
static void contribute(emit_fn emit, void *ctx, const cf_summary_t *sum, int sign)
{
    if (!sum)
        return;
    contribute_as(emit, ctx, sum, "", sign);
    for (size_t i = 0; i < sum->handlers_count; i++)
        contribute_as(emit, ctx, sum, sum->handlers[i], sign);
}

/* Exported, documented in store.h */
void cf_store_summary_counts(json_t *acc, const json_t *sum, int sign)
{
    cf_summary_t s;
    if (!sum || cf_summary_from_json(sum, &s) != 0)
        return;
    contribute(acc_add, acc, &s, sign);
    cf_summary_dispose(&s);
}

/* The deltas of one change as a plain array: the old summary's items taken away,
 * the new one's added, merged by (handler, day, dim, key); a dim is always one of
 * contribute_as's literals, compared by address. (As a jansson object
 * keyed by the four printed together, it was a fifth of cf_store_summary_put:
 * callgrind, docs/performance.md.) A few dozen items: a linear search is cheapest. */
typedef struct delta_s {
    const char *handler, *dim, *key;
    int64_t day, n, fen;
} delta_t;

typedef struct deltas_s {
    delta_t *items;
    size_t count, cap;
    int oom;
} deltas_t;

static void delta_add(void *ctx, const char *handler, int64_t day, const char *dim, const char *key,
                      int64_t n, int64_t fen, int sign)
{
    deltas_t *d = ctx;
    if (day <= 0 || d->oom)
        return;
    key = key ? key : "";
    handler = handler ? handler : "";
    for (size_t i = 0; i < d->count; i++) {
        delta_t *it = &d->items[i];
        if (it->day == day && it->dim == dim && strcmp(it->key, key) == 0 &&
            strcmp(it->handler, handler) == 0) {
            it->n += sign * n;
            it->fen += sign * fen;
            return;
        }
    }
    if (d->count == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        delta_t *more = realloc(d->items, cap * sizeof(*more));
        if (!more) {
            d->oom = 1;
            return;
        }
        d->items = more;
        d->cap = cap;
    }
    d->items[d->count++] = (delta_t){handler, dim, key, day, sign * n, sign * fen};
}

/* Applies one delta to stat_counts (none when it nets to nothing): kept with the
 * transaction's others and written before it commits (store-counts.c). */
static int count_apply(cf_store_t *s, const char *agency, const delta_t *d, cf_error_t *err)
{
    return cf__store_count(s, agency, d->handler, d->day, d->dim, d->key, d->n, d->fen, err);
}

/* Writes the row of case id's summary sum, whose text is body: updated when
 * the case had one (its agency never changes), else inserted. */
static int row_put(cf_store_t *s, int64_t id, const cf_summary_t *sum, const char *body, int had,
                   cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = 0;
    /* PostgreSQL: the upsert at once, a write no one waits for (db.h cf_db_defer); the
     * UPDATE's count would wait for the server. SQLite: by the whole key, a single-row
     * write without a statement journal */
    if (had && cf_db_kind(s->db) != CF_DB_PG) {
        rc = cf__store_prepare(s, CF__STORE_SUMMARY_UPDATE, &st, err);
        if (rc != 0)
            return rc;
        cf__store_bind_text(st, 1, sum->name);
        cf_db_bind_text(st, 2, body, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 3, id);
        cf_db_bind_text(st, 4, sum->agency, -1, CF_DB_STATIC);
        if ((rc = cf__store_step_done(s, st, "write a case summary", err)) != 0 ||
            cf_db_changes(s->db) == 1)
            return rc;
    }
    rc = cf__store_prepare(s,
                           "INSERT INTO case_summary(case_id, agency, name, body) VALUES (?, "
                           "?, ?, ?) ON CONFLICT(case_id, agency) DO UPDATE SET name = "
                           "excluded.name, body = excluded.body",
                           &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    cf_db_bind_text(st, 2, sum->agency, -1, CF_DB_STATIC);
    cf__store_bind_text(st, 3, sum->name);
    cf_db_bind_text(st, 4, body, -1, CF_DB_STATIC);
    return cf__store_step_done(s, st, "write a case summary", err);
}

/* Exported, documented in store.h */
char *cf_summary_text(const cf_summary_t *sum)
{
    cf__jsonw_t w = {0};
    cf_summary_write(&w, sum);
    return cf__jsonw_finish(&w);
}

/* Exported, documented in store.h */
int cf_store_summary_write(cf_store_t *s, int64_t id, const cf_summary_t *old,
                           const cf_summary_t *sum, cf_error_t *err)
{
    return cf_store_summary_write_text(s, id, old, sum, NULL, err);
}

#ifndef NDEBUG
/* 1 when text is sum's (checked in builds with assertions: the text made on another
 * thread must be the one this summary gives). */
static int text_of(const cf_summary_t *sum, const char *text)
{
    char *mine = cf_summary_text(sum);
    int same = mine && strcmp(mine, text) == 0;
    free(mine);
    return same;
}
#endif

/* Exported, documented in store.h */
int cf_store_summary_write_text(cf_store_t *s, int64_t id, const cf_summary_t *old,
                                const cf_summary_t *sum, const char *text, cf_error_t *err)
{
    if (old && !old->rewrite && cf_summary_equal(old, sum))
        return 0;
    if (!sum->agency)
        return CF_ENOMEM;
    if (old && strcmp(old->agency ? old->agency : "", sum->agency) != 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "a case changes no agency");
    assert(!text || text_of(sum, text));
    char *made = text ? NULL : cf_summary_text(sum);
    const char *body = text ? text : made;
    int rc = body ? row_put(s, id, sum, body, old != NULL, err) : CF_ENOMEM;
    if (rc == 0 && (!old || !same_people(old, sum)))
        rc = people_put(s, id, sum, err);
    deltas_t acc = {0};
    contribute(delta_add, &acc, old, -1);
    contribute(delta_add, &acc, sum, +1);
    if (rc == 0 && acc.oom)
        rc = cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory counting a case");
    for (size_t i = 0; rc == 0 && i < acc.count; i++)
        rc = count_apply(s, sum->agency, &acc.items[i], err);
    free(acc.items);
    free(made);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_summary_put(cf_store_t *s, int64_t id, const json_t *old, const json_t *sum,
                         cf_error_t *err)
{
    if (old && json_equal((json_t *)old, (json_t *)sum))
        return 0;
    cf_summary_t o = {0}, n = {0};
    int rc = old ? cf_summary_from_json(old, &o) : 0;
    o.rewrite = 1; /* not the same JSON: written, even if the same once read */
    if (rc == 0)
        rc = cf_summary_from_json(sum, &n);
    if (rc == 0)
        rc = cf_store_summary_write(s, id, old ? &o : NULL, &n, err);
    cf_summary_dispose(&o);
    cf_summary_dispose(&n);
    return rc;
}

/* ---- summaries of cases from before version 10 ------------------------------------------- */

/* Exported, documented in store.h */
int cf_store_summary_missing(cf_store_t *s, json_t **ids, cf_error_t *err)
{
    char flag[8];
    int rc = cf_store_setting_get(s, CF_SETTING_SUMMARY_BACKFILL, flag, sizeof(flag), err);
    *ids = json_array();
    if (!*ids)
        return CF_ENOMEM;
    if (rc == CF_ENOTFOUND)
        return 0; /* marked by migration 14 only when some case had none */
    cf_db_stmt_t *st;
    if (rc == 0)
        rc = cf__store_prepare(s,
                               "SELECT id FROM cases WHERE id NOT IN (SELECT case_id FROM "
                               "case_summary) ORDER BY id",
                               &st, err);
    if (rc != 0) {
        json_decref(*ids), *ids = NULL;
        return rc;
    }
    int step;
    while ((step = cf_db_step(st)) == CF_DB_ROW)
        json_array_append_new(*ids, json_integer(cf_db_column_int64(st, 0)));
    cf__store_release(s, st);
    if (step != CF_DB_DONE) {
        json_decref(*ids), *ids = NULL;
        return cf__store_error(s, step, "list the cases without a summary", err);
    }
    return 0;
}

/* Exported, documented in store.h */
int cf_store_summary_missing_done(cf_store_t *s, cf_error_t *err)
{
    return cf__store_exec(s, "DELETE FROM settings WHERE key = '" CF_SETTING_SUMMARY_BACKFILL "'",
                          err);
}
