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
 * Bundle format (JSON): {format: "caseflow-bundle/1", case: snapshot (case.h),
 * events: [...], workflow: {id, version, hash, source}, matter: {...} | null,
 * calendars: {"2025": YAML, ...}}.
 */
#include "audit-report.h"
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
    int replay; /* 0: chain only */
} audit_input_t;

/* Verifies (and replays) one case. OUT *result: its JSON (cf__audit_case_json). */
static int audit_one(const audit_input_t *in, cf_time_t now, json_t **result)
{
    cf_audit_t a;
    int rc = cf_audit_init(&a, in->c->id);
    if (rc == 0)
        rc = cf_audit_verify(in->events, in->c->algo, in->c->head, &a);
    if (rc == 0 && in->replay)
        rc = cf_audit_replay(in->wf, in->cal, in->matter, in->events, now, &a);
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

/* One audit over the database: what it selects, and what it keeps between cases.
 * Each worker thread has its own (its own connection and definition cache); the
 * calendar is shared, read only. */
typedef struct audit_run_s {
    cf_store_t *store;
    const cf_calendar_t *cal;
    int replay;
    cf_time_t now;
    int ranged; /* only cases closed in [from, to) */
    cf_time_t from;
    cf_time_t to;
    json_t *cases;     /* the results, one per case */
    cf_workflow_t *wf; /* the last pinned definition loaded: cases share a handful, so it is
                          parsed again only when the hash changes */
    const json_t *ids; /* the case ids this run audits: ids[first .. first + count) */
    size_t first, count;
    const char *db_path; /* a worker opens its own connection on it */
    int rc;
    cf_error_t err;
} audit_run_t;

/* The definition case c pinned, through run->wf. Borrowed from run. */
static int pinned(audit_run_t *run, const cf_case_t *c, const cf_workflow_t **wf, cf_error_t *err)
{
    if (!run->wf || strcmp(run->wf->hash, c->workflow_hash) != 0) {
        cf_workflow_free(run->wf);
        run->wf = NULL;
        int rc = cf_store_workflow_get_hash(run->store, c->workflow_hash, &run->wf, err);
        if (rc != 0)
            return rc;
    }
    *wf = run->wf;
    return 0;
}

/* Reads case id with its events, pinned workflow and matter, and audits it. */
static int audit_stored(audit_run_t *run, int64_t id, cf_error_t *err)
{
    cf_case_t c;
    const cf_workflow_t *wf = NULL;
    json_t *events = NULL, *matter = NULL, *result = NULL;
    int rc = cf_store_case_get(run->store, id, &c, err);
    if (rc != 0)
        return rc;
    int wanted = !run->ranged || (c.closed_at && c.closed_at >= run->from && c.closed_at < run->to);
    if (wanted)
        rc = cf_store_case_events(run->store, id, &events, err);
    if (wanted && rc == 0 && run->replay)
        rc = pinned(run, &c, &wf, err);
    if (wanted && rc == 0 && run->replay && c.matter_id &&
        cf_store_matter_get(run->store, c.matter_id, &matter, NULL) != 0)
        matter = NULL; /* a matter no longer in the catalog: audit without its list */
    audit_input_t in = {wf, run->cal, matter, events, &c, run->replay};
    if (wanted && rc == 0)
        rc = audit_one(&in, run->now, &result);
    if (result && json_array_append_new(run->cases, result) != 0)
        rc = CF_ENOMEM;
    json_decref(events);
    json_decref(matter);
    cf_case_dispose(&c);
    return rc;
}

/* Audits run->ids[first .. first + count) in order; the result in run->rc and
 * run->err. A worker (db_path set) works on a connection of its own. */
static void *audit_range(void *arg)
{
    audit_run_t *run = arg;
    cf_error_clear(&run->err);
    run->rc = run->db_path ? cf_store_open_existing(run->db_path, &run->store, &run->err) : 0;
    for (size_t i = run->first; run->rc == 0 && i < run->first + run->count; i++)
        run->rc = audit_stored(run, json_integer_value(json_array_get(run->ids, i)), &run->err);
    if (run->db_path)
        cf_store_close(run->store);
    cf_workflow_free(run->wf);
    run->wf = NULL;
    return NULL;
}

/* How many threads audit: --jobs, else one per online processor; never more
 * than there are runs of 64 cases (a thread costs a connection and a parse of
 * each definition). */
static long audit_jobs(int argc, char **argv, size_t cases)
{
    const char *text = cf__opt_value(argc, argv, "--jobs");
    long jobs = text ? strtol(text, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
    if (jobs > CF__AUDIT_JOBS_MAX)
        jobs = CF__AUDIT_JOBS_MAX;
    if ((size_t)jobs > cases / 64)
        jobs = (long)(cases / 64);
    return jobs < 1 ? 1 : jobs;
}

/* Audits every id in ids, split among jobs threads in consecutive runs; the
 * results are joined in the order of ids. The first failure (in that order)
 * is the one reported. */
static int audit_all(const audit_run_t *proto, const json_t *ids, long jobs, json_t *cases,
                     cf_error_t *err)
{
    audit_run_t runs[CF__AUDIT_JOBS_MAX];
    pthread_t threads[CF__AUDIT_JOBS_MAX];
    int started[CF__AUDIT_JOBS_MAX] = {0};
    size_t n = json_array_size(ids), per = (n + (size_t)jobs - 1) / (size_t)jobs;
    int rc = 0;
    for (long k = 0; k < jobs; k++) {
        runs[k] = *proto;
        runs[k].ids = ids;
        runs[k].first = (size_t)k * per < n ? (size_t)k * per : n;
        runs[k].count = runs[k].first + per <= n ? per : n - runs[k].first;
        runs[k].cases = json_array();
        runs[k].db_path = jobs > 1 ? proto->db_path : NULL;
        runs[k].rc = runs[k].cases ? 0 : CF_ENOMEM;
        if (runs[k].rc == 0 && jobs > 1)
            started[k] = pthread_create(&threads[k], NULL, audit_range, &runs[k]) == 0;
        if (runs[k].rc == 0 && !started[k])
            audit_range(&runs[k]); /* one job, or no thread to be had: here */
    }
    for (long k = 0; k < jobs; k++) {
        if (started[k])
            pthread_join(threads[k], NULL);
        if (rc == 0 && runs[k].rc != 0) {
            rc = runs[k].rc;
            *err = runs[k].err;
        }
        if (rc == 0 && json_array_extend(cases, runs[k].cases) != 0)
            rc = CF_ENOMEM;
        json_decref(runs[k].cases);
    }
    return rc;
}

/* The report for the cases the options select. OUT *report {cases, summary}. */
static int audit_db(cf_cli_t *cli, int argc, char **argv, int replay, json_t **report,
                    cf_error_t *err)
{
    const char *one = cf__opt_value(argc, argv, "--case");
    const char *from_text = cf__opt_value(argc, argv, "--closed-from");
    const char *to_text = cf__opt_value(argc, argv, "--closed-to");
    cf__session_t s;
    audit_run_t run = {.replay = replay,
                       .now = cli->now,
                       .ranged = from_text || to_text,
                       .to = INT64_MAX,
                       .db_path = cli->db_path};
    json_t *cases = json_array(), *ids = json_array();
    int rc = cases && ids ? 0 : CF_ENOMEM;
    if (rc == 0 && from_text)
        rc = cf_time_parse(from_text, &run.from, err);
    if (rc == 0 && to_text && (rc = cf_time_parse(to_text, &run.to, err)) == 0)
        run.to += 86400; /* --closed-to is inclusive of its day */
    json_t *list = NULL;
    if (rc == 0)
        rc = cf__session_open(cli, &s, replay, err);
    else
        memset(&s, 0, sizeof(s));
    run.store = s.store;
    run.cal = s.cal;
    cf_case_filter_t f = {0};
    if (rc == 0 && !one)
        rc = cf_store_case_list(s.store, &f, &list, err);
    if (rc == 0 && one)
        rc = json_array_append_new(ids, json_integer(strtoll(one, NULL, 10))) ? CF_ENOMEM : 0;
    size_t i;
    json_t *row;
    json_array_foreach(list, i,
                       row) if (rc == 0 && json_array_append(ids, json_object_get(row, "id")) != 0)
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = audit_all(&run, ids, audit_jobs(argc, argv, json_array_size(ids)), cases, err);
    cf__session_close(&s);
    json_decref(list);
    json_decref(ids);
    if (rc == 0)
        *report = json_pack("{s:O, s:o}", "cases", cases, "summary", cf__audit_summary(cases));
    json_decref(cases);
    return rc;
}

/* ---- bundles ---------------------------------------------------------------------- */

static int export_case(cf__session_t *s, const char *id_text, json_t **bundle, cf_error_t *err)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    json_t *events = NULL, *matter = NULL, *calendars = NULL;
    int rc = cf__session_case(s, id_text, &c, &wf, err);
    if (rc != 0)
        return rc;
    rc = cf_store_case_events(s->store, c.id, &events, err);
    if (rc == 0 && c.matter_id && cf_store_matter_get(s->store, c.matter_id, &matter, NULL) != 0)
        matter = NULL;
    if (rc == 0)
        rc = cf_store_calendar_sources(s->store, &calendars, err);
    if (rc == 0) {
        *bundle = json_pack("{s:s, s:o, s:O, s:{s:s, s:i, s:s, s:s%}, s:O?, s:O}", "format",
                            "caseflow-bundle/1", "case", cf_case_to_json(&c), "events", events,
                            "workflow", "id", wf->doc->id, "version", (int)c.workflow_version,
                            "hash", wf->hash, "source", wf->source, wf->source_len, "matter",
                            matter, "calendars", calendars);
        rc = *bundle ? 0 : CF_ENOMEM;
    }
    json_decref(events);
    json_decref(matter);
    json_decref(calendars);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_case_export(cf_cli_t *cli, int argc, char **argv)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    if (!id)
        return cf__cli_usage(cli, "case export CASE > bundle.json");
    cf__session_t s;
    cf_error_t err;
    json_t *bundle = NULL;
    int rc = cf__session_open(cli, &s, 0, &err);
    if (rc == 0)
        rc = export_case(&s, id, &bundle, &err);
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    cf__print_json(cli, bundle);
    json_decref(bundle);
    return CF_EXIT_OK;
}

static int bundle_calendar(const json_t *sources, cf_calendar_t **out, cf_error_t *err)
{
    int rc = cf_calendar_new(out);
    const char *year;
    json_t *src;
    json_object_foreach((json_t *)sources, year, src)
    {
        const char *text = json_string_value(src);
        if (rc == 0 && !text)
            rc = cf_error_set(err, CF_EPARSE, "bundle", 0, 0, "calendar %s is not text", year);
        if (rc == 0)
            rc = cf_calendar_load(*out, text, strlen(text), year, err);
    }
    if (rc != 0 && rc != CF_ENOMEM && *out) {
        cf_calendar_free(*out);
        *out = NULL;
    }
    return rc;
}

/* Audits a bundle read from path. OUT *report. */
static int audit_bundle(const char *path, cf_time_t now, json_t **report, cf_error_t *err)
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
    audit_input_t in = {wf, cal, json_object_get(b, "matter"), json_object_get(b, "events"), &c, 1};
    if (rc == 0)
        rc = audit_one(&in, now, &result);
    if (rc == 0) {
        json_t *cases = json_pack("[o]", result);
        *report = json_pack("{s:O, s:o}", "cases", cases, "summary", cf__audit_summary(cases));
        json_decref(cases);
    }
    if (have_case)
        cf_case_dispose(&c);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    json_decref(b);
    return rc;
}

/* ---- commands ----------------------------------------------------------------------- */

static int deviations_in(const json_t *report)
{
    json_t *sum = json_object_get(report, "summary");
    return json_integer_value(json_object_get(sum, "replayed")) !=
           json_integer_value(json_object_get(sum, "conformant"));
}

static int run_audit(cf_cli_t *cli, int argc, char **argv, int replay)
{
    const char *format = cf__opt_value(argc, argv, "--format");
    const char *bundle = cf__opt_value(argc, argv, "--bundle");
    format = format ? format : cli->json ? "json" : "text";
    if (strcmp(format, "text") && strcmp(format, "json") && strcmp(format, "html"))
        return cf__cli_usage(cli, "audit replay ... --format text|json|html");
    cf_error_t err;
    cf_error_clear(&err);
    json_t *report = NULL;
    int rc = bundle ? audit_bundle(bundle, cli->now, &report, &err)
                    : audit_db(cli, argc, argv, replay, &report, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    cf__audit_write(cli->out, report, format);
    int bad = deviations_in(report);
    json_decref(report);
    return bad ? CF_EXIT_VERIFY : CF_EXIT_OK;
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
