/*
 * cmd-audit.c -- `audit verify`, `audit replay` and `case export`.
 *
 * Both audit commands read every event of each case as stored, recompute its
 * chain and, for replay, rerun it through the engine on the workflow definition
 * the case pinned (audit.h). A bundle (`case export`) carries the case, its
 * events, that definition's source and the calendars, so `audit replay --bundle`
 * gives the same verdict away from the database; anything edited in it by hand
 * shows as a broken chain or a definition whose hash is not the pinned one.
 *
 * Over the database, the report is written as the cases are audited, in case
 * order, whatever the number of threads (audit-report.h). What is wrong with one
 * case's record (an event that is not JSON, a pinned definition no longer in the
 * database) is reported for that case, and the audit goes on; an audit stops
 * part way only when the database cannot be read (or a case names a chain
 * algorithm caseflow does not know) or memory runs out, with its error.
 *
 * Both also fold each case's events and compare the result with what its row
 * caches (cf_audit_cache: a row edited behind caseflow's back). Over the
 * database, a case costs one read of its row (cf_store_case_audit_row) and one
 * of its events, whose hashes are recomputed as they are read
 * (cf_store_case_events_rehashed), and one fold serves the replay and the row's
 * check (cf_audit_replay_fold, cf_audit_cache_fold). `audit verify
 * --checkpoint FILE` first checks the whole log against a signed checkpoint
 * (anchor-run.h, docs/audit.md) and prints that check before the report (in
 * the JSON report, as the summary's "checkpoint").
 *
 * Bundle format (JSON): {format: "caseflow-bundle/1", case: snapshot (case.h,
 * its times ISO 8601), events: [...], workflow: {id, version, hash, source},
 * matter: {...} | null, calendars: {"2025": YAML, ...}}.
 */
#include "anchor-run.h"
#include "audit-report.h"
#include "ops.h"
#include "session.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The most threads an audit uses (--jobs). */
#define CF__AUDIT_JOBS_MAX 16

typedef struct audit_input_s {
    const cf_workflow_t *wf;
    const cf_calendar_t *cal;
    const json_t *matter;
    const json_t *events;
    const cf_case_t *c;
    int replay;           /* 0: chain only */
    const json_t *row;    /* what the case row caches (cf_audit_cache), or NULL */
    const char *snapshot; /* the row's snapshot as stored (cf_store_case_audit_row), or NULL:
                             then row's own */
    size_t snapshot_len;
    const char (*hashes)[CF_CHAIN_HEX]; /* each event's hash recomputed as read, or NULL */
} audit_input_t;

/* The replay (when asked) and the cached row's check, on one fold of the events. */
static int audit_fold_checks(const audit_input_t *in, cf_time_t now, cf_audit_t *a)
{
    cf_case_t fold;
    int folded = 0, rc = 0;
    if (in->replay)
        rc = cf_audit_replay_fold(in->wf, in->cal, in->matter, in->events, now, a, &fold, &folded);
    if (rc == 0 && in->row && !folded && (!in->replay || !in->wf)) /* no fold made yet */
        rc = cf_audit_fold(in->events, &fold, &folded);
    if (rc == 0 && in->row) /* the row must be what the events give */
        rc = cf_audit_cache_fold(folded ? &fold : NULL, in->row, in->snapshot, in->snapshot_len, a);
    if (folded)
        cf_case_dispose(&fold);
    return rc;
}

/* Verifies (and replays) one case. OUT *result: its JSON (cf__audit_case_json). */
static int audit_one(const audit_input_t *in, cf_time_t now, json_t **result)
{
    cf_audit_t a;
    int rc = cf_audit_init(&a, in->c->id);
    if (rc == 0)
        rc = cf_audit_verify_hashed(in->events, in->hashes, in->c->algo, in->c->head, &a);
    if (rc == 0)
        rc = audit_fold_checks(in, now, &a);
    if (rc == 0)
        *result = cf__audit_case_json(&a, in->c->workflow_id, in->c->workflow_version,
                                      in->c->workflow_hash, in->c->matter_id);
    const cf_wf_base_t *base = in->wf ? in->wf->doc->overlay_of : NULL;
    if (rc == 0 && *result && base) /* the rules were a province's, laid over a base */
        json_object_set_new(json_object_get(*result, "workflow"), "overlay_of",
                            json_pack("{s:s, s:s}", "id", base->id, "hash", base->hash));
    cf_audit_dispose(&a);
    return rc == 0 && !*result ? CF_ENOMEM : rc;
}

/* ---- over the database -------------------------------------------------------------- */

/* The cases are audited in batches of consecutive ids by one thread per
 * processor, each with its own connection and definition cache (the calendar is
 * shared, read only); the calling thread takes the batches in order and writes
 * them into the report. The audit is at most CF__AUDIT_AHEAD batches per thread
 * ahead of the report, so memory does not grow with the number of cases. */

/* Cases in a batch, and batches a thread may have audited ahead of the report. */
#define CF__AUDIT_BATCH 64
#define CF__AUDIT_AHEAD 4

/* A batch: what the report takes from it. */
typedef struct audit_batch_s {
    int ready;    /* audited, for the report to take (set under the audit's lock) */
    size_t cases; /* how many are in the report (those closed in the range) */
    cf__jsonw_t text;
    cf__audit_tally_t tally;
    int rc;
    cf_error_t err;
} audit_batch_t;

/* One audit over the database, shared by its threads. */
typedef struct audit_s {
    const char *db_path;
    cf_store_t *store; /* the caller's connection, for an audit on one thread */
    const cf_calendar_t *cal;
    const char *format;
    int replay;
    cf_time_t now;
    int ranged; /* only cases closed in [from, to) */
    cf_time_t from, to;
    const int64_t *ids;
    size_t count, batches;
    audit_batch_t *slots; /* batch i is audited into slots[i % nslots] */
    size_t nslots;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    size_t claimed;  /* batches a thread has taken */
    size_t reported; /* batches the report has taken */
    int stop;        /* the report has failed: take no more */
} audit_t;

/* What a thread keeps from case to case. */
typedef struct audit_worker_s {
    audit_t *a;
    cf_store_t *store;
    int rc; /* its connection failed to open: every batch it takes fails so */
    cf_error_t err;
    cf_workflow_t *wf; /* the last pinned definition loaded: cases share a handful, so
                          it is parsed again only when the hash changes */
    char *matter_id;   /* the last matter read, and its catalog entry (or NULL) */
    json_t *matter;
    cf_store_rehash_t rehash; /* the events' hashes recomputed as read, its buffers reused */
} audit_worker_t;

/* The definition case c pinned, through wk->wf; NULL when it is not in the
 * database (the replay reports that). Borrowed from wk. */
static int pinned(audit_worker_t *wk, const cf_case_t *c, const cf_workflow_t **wf, cf_error_t *err)
{
    if (!wk->wf || strcmp(wk->wf->hash, c->workflow_hash) != 0) {
        cf_workflow_free(wk->wf);
        wk->wf = NULL;
        int rc = cf_store_workflow_get_hash(wk->store, c->workflow_hash, &wk->wf, err);
        if (rc != 0 && rc != CF_ENOTFOUND)
            return rc;
    }
    *wf = wk->wf;
    return 0;
}

/* The catalog entry of matter id, through wk; NULL when it is no longer in the
 * catalog (the case is audited without its list). Borrowed from wk. */
static const json_t *matter_of(audit_worker_t *wk, const char *id)
{
    if (wk->matter_id && strcmp(wk->matter_id, id) == 0)
        return wk->matter;
    free(wk->matter_id);
    json_decref(wk->matter);
    wk->matter = NULL;
    wk->matter_id = strdup(id);
    if (cf_store_matter_get(wk->store, id, &wk->matter, NULL) != 0)
        wk->matter = NULL;
    return wk->matter;
}

/* Reads case id with its events, pinned workflow and matter, audits it and adds
 * it to batch b (unless it is outside the range). */
static int audit_stored(audit_worker_t *wk, int64_t id, audit_batch_t *b, cf_error_t *err)
{
    const audit_t *a = wk->a;
    cf_case_t c;
    const cf_workflow_t *wf = NULL;
    const json_t *matter = NULL;
    json_t *events = NULL, *result = NULL, *row = NULL;
    char *snapshot = NULL;
    size_t snapshot_len = 0;
    int rc = cf_store_case_audit_row(wk->store, id, &c, &row, &snapshot, &snapshot_len, err);
    if (rc != 0)
        return rc;
    int wanted = !a->ranged || (c.closed_at && c.closed_at >= a->from && c.closed_at < a->to);
    if (wanted)
        rc = cf_store_case_events_rehashed(wk->store, id, c.algo, &events, &wk->rehash, err);
    if (wanted && rc == 0 && a->replay)
        rc = pinned(wk, &c, &wf, err);
    if (wanted && rc == 0 && a->replay && c.matter_id)
        matter = matter_of(wk, c.matter_id);
    audit_input_t in = {.wf = wf,
                        .cal = a->cal,
                        .matter = matter,
                        .events = events,
                        .c = &c,
                        .replay = a->replay,
                        .row = row,
                        .snapshot = snapshot,
                        .snapshot_len = snapshot_len,
                        .hashes = (const char(*)[CF_CHAIN_HEX])wk->rehash.hashes};
    if (wanted && rc == 0)
        rc = audit_one(&in, a->now, &result);
    if (result) {
        cf__audit_render(&b->text, result, a->format);
        cf__audit_tally_add(&b->tally, result);
        b->cases++;
        rc = b->text.oom || b->tally.oom ? CF_ENOMEM : 0;
    }
    json_decref(result);
    json_decref(events);
    json_decref(row);
    free(snapshot);
    cf_case_dispose(&c);
    return rc;
}

/* Audits batch index into b. */
static void audit_batch(audit_worker_t *wk, size_t index, audit_batch_t *b)
{
    const audit_t *a = wk->a;
    size_t first = index * CF__AUDIT_BATCH;
    size_t end = first + CF__AUDIT_BATCH < a->count ? first + CF__AUDIT_BATCH : a->count;
    cf_error_clear(&b->err);
    b->rc = wk->rc;
    if (wk->rc != 0)
        b->err = wk->err;
    if (b->rc == 0) /* one read lock for the batch, not two per case */
        b->rc = cf_store_read_begin(wk->store, &b->err);
    int reading = b->rc == 0;
    for (size_t i = first; b->rc == 0 && i < end; i++)
        b->rc = audit_stored(wk, a->ids[i], b, &b->err);
    if (reading)
        cf_store_read_end(wk->store);
}

/* Empties b for the next batch. */
static void batch_clear(audit_batch_t *b)
{
    free(b->text.p);
    cf__audit_tally_dispose(&b->tally);
    memset(b, 0, sizeof(*b));
}

/* Hands batch b to the report, and empties it. */
static int report_batch(cf__audit_report_t *report, audit_batch_t *b, cf_error_t *err)
{
    int rc = b->rc;
    if (rc != 0)
        *err = b->err;
    else
        rc = cf__audit_report_cases(report, b->text.p, b->text.len, b->cases, &b->tally);
    batch_clear(b);
    return rc;
}

static void worker_dispose(audit_worker_t *wk)
{
    cf_store_rehash_dispose(&wk->rehash);
    cf_workflow_free(wk->wf);
    free(wk->matter_id);
    json_decref(wk->matter);
}

/* A thread: takes the next batch while it is not too far ahead of the report. */
static void *audit_thread(void *arg)
{
    audit_worker_t *wk = arg;
    audit_t *a = wk->a;
    wk->rc = cf_store_open_readonly(a->db_path, &wk->store, &wk->err);
    for (;;) {
        pthread_mutex_lock(&a->lock);
        while (!a->stop && a->claimed < a->batches && a->claimed >= a->reported + a->nslots)
            pthread_cond_wait(&a->cond, &a->lock);
        int done = a->stop || a->claimed == a->batches;
        size_t index = a->claimed;
        a->claimed += !done;
        pthread_mutex_unlock(&a->lock);
        if (done)
            break;
        audit_batch_t *b = &a->slots[index % a->nslots];
        audit_batch(wk, index, b);
        pthread_mutex_lock(&a->lock);
        b->ready = 1;
        pthread_cond_broadcast(&a->cond);
        pthread_mutex_unlock(&a->lock);
    }
    if (wk->rc == 0)
        cf_store_close(wk->store);
    worker_dispose(wk);
    return NULL;
}

/* The report's side: takes the batches in order as the threads finish them.
 * The first failure, in case order, is the one reported. */
static int report_batches(audit_t *a, cf__audit_report_t *report, cf_error_t *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < a->batches; i++) {
        audit_batch_t *b = &a->slots[i % a->nslots];
        pthread_mutex_lock(&a->lock);
        while (!b->ready) /* the slot's batch before was taken: this is batch i */
            pthread_cond_wait(&a->cond, &a->lock);
        pthread_mutex_unlock(&a->lock);
        rc = report_batch(report, b, err);
        pthread_mutex_lock(&a->lock);
        a->reported++;
        a->stop = rc != 0;
        pthread_cond_broadcast(&a->cond);
        pthread_mutex_unlock(&a->lock);
    }
    return rc;
}

/* Audits on jobs threads; on this one if jobs is 1 or no thread can be had. */
static int audit_threads(audit_t *a, long jobs, cf__audit_report_t *report, cf_error_t *err)
{
    audit_worker_t workers[CF__AUDIT_JOBS_MAX] = {0};
    pthread_t threads[CF__AUDIT_JOBS_MAX];
    audit_batch_t slots[CF__AUDIT_JOBS_MAX * CF__AUDIT_AHEAD] = {0};
    long started = 0;
    a->slots = slots;
    a->nslots = (size_t)jobs * CF__AUDIT_AHEAD;
    pthread_mutex_init(&a->lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    for (long k = 0; jobs > 1 && k < jobs; k++) {
        workers[started].a = a;
        started += pthread_create(&threads[started], NULL, audit_thread, &workers[started]) == 0;
    }
    int rc = 0;
    if (started > 0) {
        rc = report_batches(a, report, err);
    } else { /* here, one batch at a time */
        audit_worker_t *wk = &workers[0];
        wk->a = a;
        wk->store = a->store;
        for (size_t i = 0; rc == 0 && i < a->batches; i++) {
            audit_batch(wk, i, &slots[0]);
            rc = report_batch(report, &slots[0], err);
        }
        worker_dispose(wk);
    }
    for (long k = 0; k < started; k++)
        pthread_join(threads[k], NULL);
    pthread_cond_destroy(&a->cond);
    pthread_mutex_destroy(&a->lock);
    for (size_t i = 0; i < a->nslots; i++) /* batches audited after a failure */
        batch_clear(&slots[i]);
    return rc;
}

/* How many threads audit: --jobs, else one per online processor; never more
 * than there are batches (a thread costs a connection and a parse of each
 * definition). */
static long audit_jobs(int argc, char **argv, size_t batches)
{
    const char *text = cf__opt_value(argc, argv, "--jobs");
    long jobs = text ? strtol(text, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs > CF__AUDIT_JOBS_MAX)
        jobs = CF__AUDIT_JOBS_MAX;
    if ((size_t)jobs > batches)
        jobs = (long)batches;
    return jobs < 1 ? 1 : jobs;
}

/* Keeps in ids (in order) the cases opened for agency; returns how many. */
static size_t keep_agency(cf_store_t *s, int64_t *ids, size_t n, const char *agency)
{
    size_t kept = 0;
    char have[128];
    for (size_t i = 0; i < n; i++)
        if (cf_store_case_agency(s, ids[i], have, sizeof(have), NULL) == 0 &&
            strcmp(have, agency) == 0)
            ids[kept++] = ids[i];
    return kept;
}

/* Audits the cases the options select into report. */
static int audit_db(cf_cli_t *cli, int argc, char **argv, int replay, cf__audit_report_t *report,
                    cf_error_t *err)
{
    const char *one = cf__opt_value(argc, argv, "--case");
    const char *from_text = cf__opt_value(argc, argv, "--closed-from");
    const char *to_text = cf__opt_value(argc, argv, "--closed-to");
    audit_t a = {.db_path = cli->db_path,
                 .format = report->format,
                 .replay = replay,
                 .now = cli->now,
                 .ranged = from_text || to_text,
                 .to = INT64_MAX};
    int64_t *ids = NULL, single = one ? strtoll(one, NULL, 10) : 0;
    int rc = 0;
    if (from_text)
        rc = cf_time_parse(from_text, &a.from, err);
    if (rc == 0 && to_text && (rc = cf_time_parse(to_text, &a.to, err)) == 0)
        a.to += 86400; /* --closed-to is inclusive of its day */
    cf__session_t s = {0};
    if (rc == 0)
        rc = cf__session_open(cli, &s, replay | CF__SESSION_READONLY, err);
    a.store = s.store;
    a.cal = s.cal;
    if (rc == 0 && one) {
        a.ids = &single;
        a.count = 1;
    } else if (rc == 0) {
        cf_time_t closed[2] = {a.from, a.to};
        rc = cf_store_case_ids(s.store, a.ranged ? closed : NULL, &ids, &a.count, err);
        a.ids = ids;
    }
    const char *agency = cf__opt_value(argc, argv, "--agency");
    if (rc == 0 && agency) /* only the cases opened for that agency (through the API) */
        a.count = keep_agency(s.store, (int64_t *)a.ids, a.count, agency);
    const char *cause = cf__opt_value(argc, argv, "--cause");
    if (rc == 0 && cause) /* only the cases of that 案由 */
        rc = cf_store_cases_keep_cause(s.store, cause, (int64_t *)a.ids, &a.count, err);
    a.batches = (a.count + CF__AUDIT_BATCH - 1) / CF__AUDIT_BATCH;
    if (rc == 0)
        rc = audit_threads(&a, audit_jobs(argc, argv, a.batches), report, err);
    free(ids);
    cf__session_close(&s);
    return rc;
}

/* ---- bundles ---------------------------------------------------------------------- */

/* Exported, documented in cli.h */
int cf__cmd_case_export(cf_cli_t *cli, int argc, char **argv)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    const char *key = cf__opt_value(argc, argv, "--sign");
    const char *docs_env = getenv("CASEFLOW_EXPORT_DOCUMENTS");
    int bytes = cf__opt_flag(argc, argv, "--with-documents");
    if (!id)
        return cf__cli_usage(cli, "case export CASE [--sign KEY] [--with-documents] > bundle.json");
    if (!bytes && docs_env && *docs_env) { /* the bureau's configured choice */
        if (strcmp(docs_env, "bytes") != 0 && strcmp(docs_env, "hashes") != 0)
            return cf__cli_usage(cli, "CASEFLOW_EXPORT_DOCUMENTS is bytes or hashes");
        bytes = strcmp(docs_env, "bytes") == 0;
    }
    if (!key && getenv("CASEFLOW_EXPORT_KEY") && *getenv("CASEFLOW_EXPORT_KEY"))
        key = getenv("CASEFLOW_EXPORT_KEY"); /* the bureau's configured key */
    char *end = NULL;
    long long case_id = strtoll(id, &end, 10);
    cf_error_t err;
    cf_error_clear(&err);
    if (*end || case_id <= 0)
        return cf__cli_fail(
            cli, cf_error_set(&err, CF_EINVAL, NULL, 0, 0, "'%s' is not a case number", id), &err);
    cf_ops_export_t in = {.case_id = case_id, .bytes = bytes, .key = key, .now = cli->now};
    cf__session_t s;
    json_t *bundle = NULL;
    char *text = NULL;
    size_t len = 0;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0) {
        rc = cf_ops_case_export(s.store, &in, &bundle, &err);
        cf__session_close(&s);
    }
    if (rc == 0 && !(text = cf_ops_bundle_text(bundle, &len)))
        rc = CF_ENOMEM;
    json_decref(bundle);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    fflush(cli->out);
    fwrite(text, 1, len, cli->raw);
    free(text);
    return CF_EXIT_OK;
}

static int bundle_calendar(const json_t *sources, cf_calendar_t **out, cf_error_t *err)
{
    int rc = cf_calendar_new(out);
    const char *year;
    json_t *src;
    json_object_foreach((json_t *)sources, year, src) {
        const char *text = json_string_value(src);
        if (rc == 0 && !text)
            rc = cf_error_set(err, CF_EPARSE, "bundle", 0, 0, "calendar %s is not text", year);
        if (rc == 0)
            rc = cf_calendar_load(*out, text, strlen(text), year, err);
    }
    if (rc == 0) /* as the cases counted: provisional past the last year (R11) */
        rc = cf_calendar_set_provisional(*out, CF_CALENDAR_PROVISIONAL_YEARS);
    if (rc != 0 && rc != CF_ENOMEM && *out) {
        cf_calendar_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Audits a bundle read from path into report. */
static int audit_bundle(const char *path, cf_time_t now, cf__audit_report_t *report,
                        cf_error_t *err)
{
    json_error_t jerr;
    json_t *b = json_load_file(path, 0, &jerr), *result = NULL;
    if (!b)
        return cf_error_set(err, CF_EPARSE, path, jerr.line, jerr.column, "%s", jerr.text);
    json_t *wfj = json_object_get(b, "workflow");
    const char *src = json_string_value(json_object_get(wfj, "source"));
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    cf_calendar_t *cal = NULL;
    const char *format = json_string_value(json_object_get(b, "format"));
    int rc = !format || strcmp(format, "caseflow-bundle/1") != 0
                 ? cf_error_set(err, CF_EPARSE, path, 0, 0, "not a caseflow bundle")
                 : cf_case_from_json(&c, json_object_get(b, "case"), err);
    int have_case = rc == 0;
    if (rc == 0 && (!src || cf_workflow_parse(src, strlen(src), path, &wf, NULL) != 0))
        rc = cf_error_set(err, CF_EPARSE, path, 0, 0, "the bundle's workflow does not load");
    if (rc == 0)
        rc = bundle_calendar(json_object_get(b, "calendars"), &cal, err);
    json_t *row = json_pack("{s:O}", "snapshot", json_object_get(b, "case"));
    audit_input_t in = {.wf = wf,
                        .cal = cal,
                        .matter = json_object_get(b, "matter"),
                        .events = json_object_get(b, "events"),
                        .c = &c,
                        .replay = 1,
                        .row = row};
    if (rc == 0)
        rc = audit_one(&in, now, &result);
    if (rc == 0) {
        cf__jsonw_t text = {0};
        cf__audit_tally_t tally = {0};
        cf__audit_render(&text, result, report->format);
        cf__audit_tally_add(&tally, result);
        rc = text.oom || tally.oom ? CF_ENOMEM
                                   : cf__audit_report_cases(report, text.p, text.len, 1, &tally);
        free(text.p);
        cf__audit_tally_dispose(&tally);
    }
    json_decref(result);
    json_decref(row);
    if (have_case)
        cf_case_dispose(&c);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    json_decref(b);
    return rc;
}

/* ---- commands ----------------------------------------------------------------------- */

/* Checks the database against the checkpoint file path (anchor-run.h). OUT
 * *result, *bad. */
static int check_checkpoint(cf_cli_t *cli, const char *path, const char *pubkey, json_t **result,
                            int *bad, cf_error_t *err)
{
    cf__session_t s;
    int rc = cf__session_open(cli, &s, 0, err);
    if (rc == 0)
        rc = cf__anchor_verify(s.store, path, pubkey, result, bad, err);
    cf__session_close(&s);
    return rc;
}

#ifndef CF_VERSION
#define CF_VERSION "unknown"
#endif

/* The single case's party, 案号 (fact case_number) and handlers (the actors of its
 * events, in order met) into ctx. */
static void case_context(cf__session_t *s, const char *id, json_t *ctx, char *hash)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL, *ev;
    size_t i;
    if (cf__session_case(s, id, &c, &wf, NULL) != 0)
        return;
    json_object_set_new(ctx, "case", json_sprintf("%lld", (long long)c.id));
    snprintf(hash, 65, "%s", c.workflow_hash);
    const char *party = json_string_value(json_object_get(c.party, "name"));
    if (party)
        json_object_set_new(ctx, "party", json_string(party));
    const char *number = json_string_value(json_object_get(c.facts, "case_number"));
    if (number)
        json_object_set_new(ctx, "case_number", json_string(number));
    char handlers[512] = "";
    if (cf_store_case_events(s->store, c.id, &events, NULL) == 0)
        json_array_foreach(events, i, ev) {
            const char *who = json_string_value(json_object_get(ev, "actor"));
            if (who && *who && !strstr(handlers, who) &&
                strlen(handlers) + strlen(who) + 3 < sizeof(handlers))
                snprintf(handlers + strlen(handlers), sizeof(handlers) - strlen(handlers), "%s%s",
                         *handlers ? "、" : "", who);
        }
    if (*handlers)
        json_object_set_new(ctx, "handlers", json_string(handlers));
    json_decref(events);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
}

/* What an auditor signs (audit-report.h "context") and the names of the ids, for
 * the HTML report over the database. OUT new references. */
static int report_context(cf_cli_t *cli, int argc, char **argv, json_t **context, json_t **names,
                          json_t **workflows, cf_error_t *err)
{
    cf__session_t s;
    int rc = cf__session_open(cli, &s, 0, err);
    if (rc != 0)
        return rc;
    char now[CF_TIME_BUFSZ], period[160];
    cf_time_format(cli->now, now);
    const char *from = cf__opt_value(argc, argv, "--closed-from");
    const char *to = cf__opt_value(argc, argv, "--closed-to");
    if (from || to)
        snprintf(period, sizeof(period), "结案日期 closed %s – %s", from ? from : "…",
                 to ? to : "…");
    else
        snprintf(period, sizeof(period), "全部案件 all cases");
    const char *agency = cf__opt_value(argc, argv, "--agency");
    const char *kind = cf__opt_value(argc, argv, "--kind");
    json_t *ctx = json_pack("{s:s, s:s, s:s, s:s, s:s}", "generated_at", now, "version", CF_VERSION,
                            "database", cli->db_path, "period", period, "agency",
                            agency ? agency : "全部机关 all agencies");
    const char *cause = cf__opt_value(argc, argv, "--cause");
    if (ctx && (kind || cause))
        json_object_set_new(ctx, "filter",
                            json_sprintf("%s%s%s%s%s", kind ? "偏差类型 kind: " : "",
                                         kind ? kind : "", kind && cause ? "; " : "",
                                         cause ? "案由 cause: " : "", cause ? cause : ""));
    const char *one = cf__opt_value(argc, argv, "--case");
    char hash[65] = "";
    if (ctx && one)
        case_context(&s, one, ctx, hash);
    rc = ctx ? cf__audit_names(s.store, *hash ? hash : NULL, names, workflows, err) : CF_ENOMEM;
    cf__session_close(&s);
    if (rc != 0) {
        json_decref(ctx);
        return rc;
    }
    *context = ctx;
    return 0;
}

static int run_audit(cf_cli_t *cli, int argc, char **argv, int replay)
{
    const char *format = cf__opt_value(argc, argv, "--format");
    const char *bundle = cf__opt_value(argc, argv, "--bundle");
    const char *checkpoint = cf__opt_value(argc, argv, "--checkpoint");
    format = format ? format : cli->json ? "json" : "text";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html"))
        return cf__cli_usage(cli, "audit replay ... --format text|json|html");
    if (checkpoint && bundle)
        return cf__cli_usage(cli, "audit verify --checkpoint FILE [--pubkey FILE] (over the "
                                  "database, not a bundle)");
    cf_error_t err;
    cf_error_clear(&err);
    json_t *anchor = NULL; /* the check against the checkpoint */
    int anchor_bad = 0;
    if (checkpoint) {
        int crc = check_checkpoint(cli, checkpoint, cf__opt_value(argc, argv, "--pubkey"), &anchor,
                                   &anchor_bad, &err);
        if (crc != 0)
            return cf__cli_fail(cli, crc, &err);
        if (strcmp(format, "json") != 0) /* HTML: beside the report, not inside it */
            cf__anchor_print(strcmp(format, "text") == 0 ? cli->out : cli->err, anchor);
    }
    cf__audit_report_t report;
    int bad = 0, rc = cf__audit_report_begin(
                     &report, strcmp(format, "json") == 0 ? cli->raw : cli->out, format);
    report.checkpoint = anchor;
    json_t *context = NULL, *names = NULL, *workflows = NULL;
    if (rc == 0 && strcmp(format, "html") == 0 && !bundle &&
        report_context(cli, argc, argv, &context, &names, &workflows, &err) == 0) {
        report.context = context;
        report.names = names;
        report.workflows = workflows;
    }
    report.summary_only = cf__opt_flag(argc, argv, "--summary");
    report.kind = cf__opt_value(argc, argv, "--kind");
    if (rc != 0)
        cf_error_set(&err, rc, NULL, 0, 0, "no temporary file for the HTML report");
    else if (bundle)
        rc = audit_bundle(bundle, cli->now, &report, &err);
    else
        rc = audit_db(cli, argc, argv, replay, &report, &err);
    int started = report.started;
    if (rc == 0)
        rc = cf__audit_report_end(&report, &bad);
    else
        cf__audit_report_abandon(&report);
    if (rc != 0 && started)
        cli->json = 0; /* the report has begun on the output: the error goes beside it */
    json_decref(anchor);
    json_decref(context);
    json_decref(names);
    json_decref(workflows);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    return bad || anchor_bad ? CF_EXIT_VERIFY : CF_EXIT_OK;
}

/* Exported, documented in cli.h */
int cf__cmd_audit_verify(cf_cli_t *cli, int argc, char **argv)
{
    return run_audit(cli, argc, argv, 0);
}

/* Exported, documented in cli.h */
int cf__cmd_audit_replay(cf_cli_t *cli, int argc, char **argv)
{
    return run_audit(cli, argc, argv, 1);
}
