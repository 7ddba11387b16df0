/*
 * ops-summary.c -- the case file kept with every change (issue 20): the numbers
 * an action gives (案号 at filing, 决定书文号 at the decision, 档案号 at
 * archiving: `assigns:` in the workflow), and the case's summary row: its name
 * (`<party>涉嫌<案由>案`, without 涉嫌 once a penalty is decided), its handlers
 * (the names of the fact officers, 执法人员) and responsible head (the fact
 * responsible, 负责人: the filing's actor unless given), its days and amounts,
 * from which store-summary.c keeps the statistics' counts.
 *
 * Both are written by cf__ops_commit's write, inside the change's transaction,
 * whichever front end made it: a rollback takes back the number and the counts.
 * Rejected: a number from the highest given so far (two writers read the same
 * highest and give one number twice; the counter row is taken under the
 * transaction's lock, as a PostgreSQL SELECT ... FOR UPDATE would be); numbers
 * in the case's snapshot (the case row is rewritten by each change: a
 * UNIQUE index on it cannot refuse a number given twice).
 *
 * The previous summary, whose contributions a change takes back from the counts,
 * comes from the writer's case cache when it holds one for the head the case is
 * at (the daemon; cache.h says why that is exact), else from its row.
 */
#include "ops-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"
#include "money.h"

/* ---- numbers ---------------------------------------------------------------------------- */

/* The setting that holds kind's pattern, and its default. */
static void pattern_of(const char *kind, const char **key, const char **def)
{
    if (strcmp(kind, "decision_number") == 0)
        *key = CF_SETTING_DECISION_PATTERN, *def = CF_DECISION_PATTERN_DEFAULT;
    else if (strcmp(kind, "archive_number") == 0)
        *key = CF_SETTING_ARCHIVE_PATTERN, *def = CF_ARCHIVE_PATTERN_DEFAULT;
    else
        *key = CF_SETTING_NUMBER_PATTERN, *def = CF_NUMBER_PATTERN_DEFAULT;
}

/* Appends to out (size bytes) pattern with {abbr}, {year} and {seq} replaced. */
static int number_format(const char *pattern, const char *abbr, int year, int64_t seq, char *out,
                         size_t size, cf_error_t *err)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *p = pattern; *p && n < size;) {
        int w = 0;
        if (strncmp(p, "{abbr}", 6) == 0)
            w = snprintf(out + n, size - n, "%s", abbr), p += 6;
        else if (strncmp(p, "{year}", 6) == 0)
            w = snprintf(out + n, size - n, "%d", year), p += 6;
        else if (strncmp(p, "{seq}", 5) == 0)
            w = snprintf(out + n, size - n, "%lld", (long long)seq), p += 5;
        else
            w = snprintf(out + n, size - n, "%c", *p), p++;
        n += (size_t)w;
    }
    if (n >= size)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "the number pattern '%s' is too long",
                            pattern);
    if (!strstr(pattern, "{seq}"))
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "the number pattern '%s' has no {seq}",
                            pattern);
    return 0;
}

/* A setting, or def when unset. */
static int setting_or(cf_ops_t *ops, const char *key, const char *def, char *out, size_t size,
                      cf_error_t *err)
{
    int rc = cf_store_setting_get(ops->store, key, out, size, err);
    if (rc == CF_ENOTFOUND)
        snprintf(out, size, "%s", def);
    return rc == CF_ENOTFOUND ? 0 : rc;
}

/* The transition event among events (the one a number is recorded on), or NULL. */
static json_t *transition_event(json_t *events)
{
    json_t *ev = NULL, *e;
    size_t i;
    json_array_foreach(events, i, e) {
        const char *type = json_string_value(json_object_get(e, "type"));
        if (type && strcmp(type, "transition") == 0)
            ev = e;
    }
    return ev;
}

/* Exported, documented in ops-int.h */
int cf__ops_assign(cf_ops_t *ops, const char *kind, const cf_case_t *c, json_t *events,
                   char *number, size_t size, cf_error_t *err)
{
    char agency[128], abbr[160], key[140], pattern[256], def[160];
    const char *pkey, *pdef;
    number[0] = '\0';
    int rc = cf_store_case_agency(ops->store, c->id, agency, sizeof(agency), err);
    if (rc == CF_ENOTFOUND)
        return 0; /* a case with no agency gets none */
    json_t *ev = transition_event(events);
    const char *at = json_string_value(json_object_get(ev, "at"));
    if (rc != 0 || !at)
        return rc;
    int year = atoi(at); /* the local year as recorded: 2026-03-02T12:00:00+08:00 */
    const char *suffix = strstr(agency, "医疗保障局");
    int keep = (int)strlen(agency); /* 某县医疗保障局 -> 某县 */
    if (suffix && suffix != agency && suffix[strlen("医疗保障局")] == '\0')
        keep = (int)(suffix - agency);
    snprintf(def, sizeof(def), "%.*s", keep, agency);
    snprintf(key, sizeof(key), "abbr:%s", agency);
    pattern_of(kind, &pkey, &pdef);
    int64_t seq = 0;
    rc = setting_or(ops, key, def, abbr, sizeof(abbr), err);
    if (rc == 0)
        rc = setting_or(ops, pkey, pdef, pattern, sizeof(pattern), err);
    if (rc == 0)
        rc = cf_store_ref_next(ops->store, kind, agency, year, &seq, err);
    if (rc == 0)
        rc = number_format(pattern, abbr, year, seq, number, size, err);
    if (rc == 0 && json_object_set_new(ev, kind, json_string(number)) != 0)
        rc = CF_ENOMEM;
    return rc;
}

/* ---- the summary ------------------------------------------------------------------------ */

/* The fen of the amount fact key of c (0 when unset or not an amount). */
static int64_t fen_of(const json_t *v)
{
    int64_t fen = 0;
    cf_error_t ignored;
    if (json_is_string(v) && cf_money_parse(json_string_value(v), &fen, &ignored) == 0)
        return fen;
    return 0;
}

/* The sum of every value fact key was given (a ledger: payments, recoveries). */
static int64_t fen_total(const cf_case_t *c, const char *key)
{
    int64_t sum = 0;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(c->history, key), i, v)
        sum += fen_of(v);
    return sum;
}

/* The 案由 as named in the case's name: its dictionary name, else the fact cause. */
static const char *cause_of(const cf_case_t *c)
{
    const char *name = json_string_value(json_object_get(c->cause, "name"));
    return name ? name : json_string_value(json_object_get(c->facts, "cause"));
}

/* A copy of text (NULL stays NULL), which must be UTF-8 as JSON text needs (the
 * summary's text is JSON). Sets *bad when it is not, or when out of memory. */
static char *copy_of(const char *text, int *bad)
{
    if (!text)
        return NULL;
    size_t n = strlen(text);
    char *copy = cf__jsonw_utf8(text, n) ? malloc(n + 1) : NULL;
    if (copy)
        memcpy(copy, text, n + 1);
    else
        *bad = 1;
    return copy;
}

/* The handlers: the names of the officers. */
static void handlers_of(const cf_case_t *c, cf_summary_t *sum, int *bad)
{
    const json_t *officers = json_object_get(c->facts, "officers");
    size_t i, n = json_array_size(officers);
    json_t *o;
    if (!(sum->handlers = calloc(n ? n : 1, sizeof(*sum->handlers)))) {
        *bad = 1;
        return;
    }
    json_array_foreach(officers, i, o) {
        const char *name = json_string_value(json_object_get(o, "name"));
        if (name && *name)
            sum->handlers[sum->handlers_count++] = copy_of(name, bad);
    }
}

/* The clocks that stopped: id, met, day. */
static void clocks_of(const cf_case_t *c, cf_summary_t *sum, int *bad)
{
    if (!(sum->clocks = calloc(c->clocks_count ? c->clocks_count : 1, sizeof(*sum->clocks)))) {
        *bad = 1;
        return;
    }
    for (unsigned i = 0; i < c->clocks_count; i++) {
        const cf_clock_rt_t *k = &c->clocks[i];
        if (k->party || (k->state != CF_CLOCK_MET && k->state != CF_CLOCK_BREACHED))
            continue;
        cf_summary_clock_t *to = &sum->clocks[sum->clocks_count++];
        to->clock = copy_of(k->id, bad);
        to->met = k->state == CF_CLOCK_MET;
        to->day = cf_store_day(k->stopped_at);
    }
}

/* The day a step of kind was taken: kept from old, or today's when this write
 * took it. */
static int64_t step_day(int64_t old, int now, const cf_case_t *c)
{
    return old ? old : now ? cf_store_day(c->updated_at) : 0;
}

/* "<party>涉嫌<案由>案", without 涉嫌 once decided; NULL without a 案由. */
static char *name_of(const cf_case_t *c, int decided, int *bad)
{
    const char *party = json_string_value(json_object_get(c->party, "name"));
    const char *cause = cause_of(c);
    if (!party || !cause || !*cause)
        return NULL;
    size_t n = strlen(party) + strlen(cause) + 16;
    char *text = malloc(n), *name;
    if (!text) {
        *bad = 1;
        return NULL;
    }
    snprintf(text, n, "%s%s%s案", party, decided ? "" : "涉嫌", cause);
    name = copy_of(text, bad);
    free(text);
    return name;
}

/* Exported, documented in ops-int.h */
int cf__ops_summary(const cf_workflow_t *wf, const cf_case_t *c, const char *agency,
                    const cf_summary_t *old, const char *took, cf_summary_t *sum)
{
    int bad = 0;
    int filed = took && strcmp(took, "case_number") == 0;
    int decided_now = took && strcmp(took, "decision_number") == 0;
    memset(sum, 0, sizeof(*sum));
    sum->decided = step_day(old ? old->decided : 0, decided_now, c);
    sum->filed = step_day(old ? old->filed : 0, filed, c);
    const char *cause = cause_of(c);
    if (!agency || !wf->doc->power_type || !c->workflow_id || !c->state)
        bad = 1;
    else {
        sum->agency = copy_of(agency, &bad);
        sum->power_type = copy_of(wf->doc->power_type, &bad);
        sum->workflow = copy_of(c->workflow_id, &bad);
        sum->state = copy_of(c->state, &bad);
    }
    sum->cause = copy_of(cause ? cause : "", &bad);
    sum->name = name_of(c, sum->decided != 0, &bad);
    sum->head = copy_of(json_string_value(json_object_get(c->facts, "responsible")), &bad);
    handlers_of(c, sum, &bad);
    clocks_of(c, sum, &bad);
    sum->opened = cf_store_day(c->opened_at);
    sum->closed = c->closed_at ? cf_store_day(c->closed_at) : 0;
    sum->fine = sum->decided ? fen_of(json_object_get(c->facts, "fine")) : 0;
    sum->paid = fen_total(c, "paid_amount");
    sum->refund = sum->decided ? fen_of(json_object_get(c->facts, "refund_amount")) : 0;
    sum->recovered = fen_total(c, "refunded_amount");
    if (bad)
        cf_summary_dispose(sum);
    return bad ? CF_ENOMEM : 0;
}

/* Exported, documented in ops-int.h */
int cf__ops_summarize(cf_ops_t *ops, const cf_workflow_t *wf, const cf_case_t *c, const char *was,
                      const char *took, cf_error_t *err)
{
    cf_casecache_t *cache = ops->wfs->cases;
    cf_summary_t read = {0}, sum = {0};
    char agency[128] = "";
    /* The previous summary: the writer's own, kept beside the case, when the case
     * is still at the head it was kept for (was: read from the database in this
     * transaction); otherwise the row. */
    const cf_summary_t *old = was && *was && cache ? cf_casecache_summary(cache, c->id, was) : NULL;
    int rc = 0;
    if (old) {
        snprintf(agency, sizeof(agency), "%s", old->agency); /* a case changes no agency */
    } else {
        rc = cf_store_case_agency(ops->store, c->id, agency, sizeof(agency), err);
        if (rc == CF_ENOTFOUND)
            agency[0] = '\0', rc = 0;
        if (rc == 0 && (rc = cf_store_summary_read(ops->store, c->id, &read, err)) == 0)
            old = &read;
        else if (rc == CF_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = cf__ops_summary(wf, c, agency, old, took, &sum);
    if (rc == 0)
        rc = cf_store_summary_write(ops->store, c->id, old, &sum, err);
    cf_summary_dispose(&read); /* old is not used below: the cache may drop it */
    if (rc == 0 && cache)
        cf_casecache_summary_put(cache, c->id, c->head, &sum);
    cf_summary_dispose(&sum);
    return rc;
}

/* ---- summaries of cases from before schema 10 --------------------------------------------- */

/* The days of the events that recorded the 案号 and the 决定书文号 (0: none), as
 * a change would have kept them, into steps's filed and decided. */
static void steps_of(const json_t *events, cf_summary_t *steps)
{
    int64_t filed = 0, decided = 0;
    size_t i;
    json_t *e;
    json_array_foreach(events, i, e) {
        cf_time_t at = 0;
        cf_error_t ignored;
        const char *text = json_string_value(json_object_get(e, "at"));
        if (!text || cf_time_parse(text, &at, &ignored) != 0)
            continue;
        if (!filed && json_object_get(e, "case_number"))
            filed = cf_store_day(at);
        if (!decided && json_object_get(e, "decision_number"))
            decided = cf_store_day(at);
    }
    steps->filed = filed;
    steps->decided = decided;
}

/* Writes the summary of case id from its stored snapshot and events. */
static int backfill_one(cf_store_t *store, int64_t id, cf_error_t *err)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL;
    cf_summary_t steps = {0}, sum = {0};
    char agency[128] = "";
    int rc = cf_store_case_get(store, id, &c, err);
    if (rc != 0)
        return rc;
    rc = cf_store_workflow_get_hash(store, c.workflow_hash, &wf, err);
    if (rc == 0)
        rc = cf_store_case_events(store, id, &events, err);
    if (rc == 0 &&
        (rc = cf_store_case_agency(store, id, agency, sizeof(agency), err)) == CF_ENOTFOUND)
        agency[0] = '\0', rc = 0;
    if (rc == 0) {
        steps_of(events, &steps);
        rc = cf__ops_summary(wf, &c, agency, &steps, NULL, &sum);
    }
    if (rc == 0)
        rc = cf_store_summary_write(store, id, NULL, &sum, err);
    cf_summary_dispose(&sum);
    json_decref(events);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in ops.h */
int cf_ops_summaries_backfill(cf_store_t *store, int64_t *count, cf_error_t *err)
{
    json_t *ids = NULL, *id;
    size_t i;
    *count = 0;
    int rc = cf_store_summary_missing(store, &ids, err);
    if (rc != 0 || json_array_size(ids) == 0) { /* nothing marked: no transaction */
        json_decref(ids);
        return rc;
    }
    rc = cf_store_tx_begin(store, err);
    if (rc == 0) /* read again under the write lock: another writer may have done it */
        json_decref(ids), rc = cf_store_summary_missing(store, &ids, err);
    json_array_foreach(rc == 0 ? ids : NULL, i, id) {
        if ((rc = backfill_one(store, json_integer_value(id), err)) != 0)
            break;
    }
    if (rc == 0)
        rc = cf_store_summary_missing_done(store, err);
    if (rc == 0)
        rc = cf_store_tx_commit(store, err);
    if (rc != 0)
        cf_store_tx_rollback(store);
    else
        *count = (int64_t)json_array_size(ids);
    json_decref(ids);
    return rc;
}
