/*
 * fuzz-request.c -- the daemon's request bodies, read and acted on as the daemon
 * does it.
 *
 * The daemon's own body parser (parse_body in api/http/http-write.c) is static and
 * runs on an h2o request, so this target takes the closest public entry points
 * instead: it parses the body exactly as parse_body does (jansson json_loadb with
 * JSON_REJECT_DUPLICATES; a non-object is refused) and hands the object to
 * cf__job_exec (api/http/serve-int.h), the writer thread's function that reads every
 * field of it: workflow, matter, party, parent, facts (typed_facts and
 * cf_engine_fact_from_text, as the daemon converts them), documents
 * (check_documents), action, clock, by (cf_period_parse) and reason, then runs
 * the engine and the store. What is not covered: h2o's HTTP parsing, routing,
 * If-Match header parsing and the token lookup (all in front of the body).
 *
 * Input: 4 header bytes, then the body.
 *   byte 0  job: % 4 = open, act, extend, fire (fire ignores the body)
 *   byte 1  role: % 3 = handler, reviewer, head; bit 7: another agency's token
 *   byte 2  case: % (number of seeded cases + 1); the last is a case that does
 *           not exist
 *   byte 3  If-Match: 0xff none, else % 8; for fire, the days the clock moved
 *
 * The scratch database (in $TMPDIR, removed at exit) is made once per process by
 * `caseflow init` and `caseflow catalog load examples/catalogs/004-generic.yaml`;
 * a few cases are opened and walked through jobs, on several workflows and in
 * several states. Then one transaction stays open for the life of the process,
 * and every input runs in a savepoint that is always rolled back, as the writer
 * rolls back a refused request: each input sees the same database, so a finding
 * reproduces from its input alone.
 *
 * Properties checked: every job answers a status between 200 and 599 and a body
 * that serializes; an error status carries "error" and "text"; a job that
 * reports its writes to be kept answered 200 or 201.
 */
#include "fuzz.h"

#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "serve-int.h"

#define FUZZ_T0   "2026-03-02T09:00:00+08:00"
#define MAX_CASES 8

static struct {
    char dir[256];
    char db[512];
    cf_store_t *s;
    cf_calendar_t *cal;
    cf_wfcache_t wfs;
    int64_t cases[MAX_CASES];
    int ncases;
    cf_time_t t0;
} g;

/* ---- the scratch database ---------------------------------------------------------------- */

static int cli(int argc, char **argv)
{
    FILE *null = fopen("/dev/null", "w");
    CF_FUZZ_CHECK(null != NULL);
    int rc = cf_cli_main(argc, argv, null, null);
    fclose(null);
    return rc;
}

/* Exported, documented in fuzz.h */
void cf_fuzz_request_cleanup(void)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    if (!g.s)
        return;
    cf_store_tx_rollback(g.s);
    cf_store_close(g.s);
    cf_wfcache_free(&g.wfs);
    cf_calendar_free(g.cal);
    g.s = NULL;
    for (size_t i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++) {
        char path[600];
        snprintf(path, sizeof(path), "%s%s", g.db, suffix[i]);
        unlink(path);
    }
    rmdir(g.dir);
}

/* Runs one job; keeps its writes when keep and it succeeded. Returns the status;
 * OUT *id (may be NULL) the answer's case id. */
static int run_job(cf__job_kind_t kind, const char *role, const char *agency, int64_t case_id,
                   int64_t if_match, json_t *body, cf_time_t now, int keep, int64_t *id)
{
    cf__job_t *job = calloc(1, sizeof(*job));
    CF_FUZZ_CHECK(job != NULL);
    job->kind = kind;
    snprintf(job->who.agency, sizeof(job->who.agency), "%s", agency);
    snprintf(job->who.role, sizeof(job->who.role), "%s", role);
    snprintf(job->who.name, sizeof(job->who.name), "%s", "张三");
    job->case_id = case_id;
    job->if_match = if_match;
    job->body = body;
    job->now = now;
    CF_FUZZ_CHECK(cf_store_savepoint(g.s, NULL) == 0);
    int rc = cf__job_exec(g.s, g.cal, &g.wfs, job);
    if (keep && rc == 0)
        CF_FUZZ_CHECK(cf_store_savepoint_release(g.s, NULL) == 0);
    else
        cf_store_savepoint_rollback(g.s);
    /* the properties */
    CF_FUZZ_CHECK(job->status >= 200 && job->status <= 599);
    CF_FUZZ_CHECK(rc != 0 || job->status == 200 || job->status == 201);
    /* the answer: an object (errors, alerts), or a change's text written by the
     * writer, which must be the very text the loop would write for its object */
    CF_FUZZ_CHECK(!job->answer != !job->answer_text);
    json_t *answer = job->answer ? json_incref(job->answer)
                                 : json_loadb(job->answer_text, job->answer_len, 0, NULL);
    CF_FUZZ_CHECK(json_is_object(answer));
    char *text = json_dumps(answer, JSON_COMPACT);
    CF_FUZZ_CHECK(text != NULL);
    if (job->answer_text)
        CF_FUZZ_CHECK(strlen(text) == job->answer_len && strcmp(text, job->answer_text) == 0);
    free(text);
    if (job->status >= 400) {
        CF_FUZZ_CHECK(json_is_string(json_object_get(answer, "error")));
        CF_FUZZ_CHECK(json_is_string(json_object_get(answer, "text")));
    }
    /* notices: count frames, each "event: ...\nid: ...\ndata: OBJECT\n\n" */
    CF_FUZZ_CHECK(!job->notices || job->status == 200 || job->status == 201);
    const char *f = job->notices;
    unsigned frames = 0;
    while (f && *f) {
        const char *data = strstr(f, "\ndata: "), *end = data ? strstr(data, "\n\n") : NULL;
        CF_FUZZ_CHECK(strncmp(f, "event: ", 7) == 0 && data && end);
        json_t *o = json_loadb(data + 7, (size_t)(end - data - 7), 0, NULL);
        CF_FUZZ_CHECK(json_is_object(o) && !json_object_get(o, "prev"));
        json_decref(o);
        frames++;
        f = end + 2;
    }
    CF_FUZZ_CHECK(frames == job->notice_count);
    CF_FUZZ_CHECK(!job->notices || strlen(job->notices) == job->notices_len);
    if (keep && rc != 0) { /* a seed must succeed: say why it did not */
        text = json_dumps(answer, JSON_COMPACT);
        fprintf(stderr, "fuzz-request: seed job refused: %d %s\n", job->status, text);
        free(text);
    }
    if (id)
        *id = json_integer_value(json_object_get(answer, "id"));
    json_decref(answer);
    int status = job->status;
    cf__job_free(job);
    return status;
}

static const char officers[] =
    "[{\"name\":\"张三\",\"cert\":\"65010020001\"},{\"name\":\"王五\",\"cert\":\"65010020002\"}]";
static const char sha[] = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

static int64_t seed_open(const char *workflow, const char *matter, int hours)
{
    json_t *body =
        json_pack("{s:{s:s, s:s}}", "party", "name", "某某大药房", "type", "定点医药机构");
    if (workflow && strcmp(workflow, "penalty-general") == 0)
        json_object_set_new(body, "facts", json_pack("{s:s}", "lead_source", "投诉举报"));
    json_object_set_new(body, workflow ? "workflow" : "matter",
                        json_string(workflow ? workflow : matter));
    int64_t id = 0;
    int status = run_job(CF__JOB_OPEN, "handler", "甲局", 0, -1, body, g.t0 + hours * 3600, 1, &id);
    CF_FUZZ_CHECK(status == 201 && id > 0);
    CF_FUZZ_CHECK(g.ncases < MAX_CASES);
    g.cases[g.ncases++] = id;
    return id;
}

static void seed_act(int64_t id, const char *role, const char *action, const char *facts,
                     const char *doc, int hours)
{
    json_error_t e;
    json_t *f = json_loads(facts, 0, &e);
    CF_FUZZ_CHECK(f != NULL);
    json_t *body = json_pack("{s:s, s:o, s:{s:{s:s, s:i, s:s}}}", "action", action, "facts", f,
                             "documents", doc, "sha256", sha, "size", 4, "file", "a.pdf");
    int status = run_job(CF__JOB_ACT, role, "甲局", id, -1, body, g.t0 + hours * 3600, 1, NULL);
    CF_FUZZ_CHECK(status == 200);
}

static void setup(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g.dir, sizeof(g.dir), "%s/cf-fuzz-XXXXXX", tmp ? tmp : "/tmp");
    CF_FUZZ_CHECK(mkdtemp(g.dir) != NULL);
    snprintf(g.db, sizeof(g.db), "%s/fuzz.db", g.dir);
    char *init[] = {"caseflow", "--db", g.db, "init", "--workflows", CF_SOURCE_DIR "/workflows",
                    NULL};
    CF_FUZZ_CHECK(cli(6, init) == 0);
    char *catalog[] = {"caseflow", "--db", g.db,
                       "catalog",  "load", CF_SOURCE_DIR "/examples/catalogs/004-generic.yaml",
                       NULL};
    CF_FUZZ_CHECK(cli(6, catalog) == 0);
    cf_error_t err;
    CF_FUZZ_CHECK(cf_store_open(g.db, &g.s, &err) == 0);
    CF_FUZZ_CHECK(cf_store_calendar_load(g.s, &g.cal, &err) == 0);
    CF_FUZZ_CHECK(cf_time_parse(FUZZ_T0, &g.t0, NULL) == 0);
    CF_FUZZ_CHECK(cf_store_tx_begin(g.s, &err) == 0);
    atexit(cf_fuzz_request_cleanup);
    /* case 1 stays at lead; 2 is filed; 3 is under review; then other workflows */
    seed_open("penalty-general", NULL, 0);
    int64_t filed = seed_open("penalty-general", NULL, 1);
    int64_t review = seed_open("penalty-general", NULL, 2);
    char facts[512];
    snprintf(facts, sizeof(facts),
             "{\"filing_reason\":\"涉嫌串换药品\",\"cause\":\"js-2024:14\",\"officers\":%s}",
             officers);
    seed_act(filed, "head", "file", facts, "立案审批表", 3);
    seed_act(review, "head", "file", facts, "立案审批表", 4);
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:[{s:s}, {s:s}]}", "kind", "书证", "title",
                             "处方单据", "source", "某某大药房", "method", "调取", "officers",
                             "name", "张三", "name", "王五"); /* evidence-before-review */
    CF_FUZZ_CHECK(run_job(CF__JOB_EVIDENCE, "handler", "甲局", review, -1, item, g.t0 + 5 * 3600, 1,
                          NULL) == 201);
    seed_act(review, "handler", "submit_review", "{\"findings\":\"串换药品12次\"}", "调查终结报告",
             5);
    seed_open("coercion", NULL, 6);
    seed_open("inspection", NULL, 7);
    seed_open(NULL, "generic-007", 8);
}

/* ---- the target ------------------------------------------------------------------------------ */

/* The body as parse_body (api/http/http-write.c) reads it; NULL when the daemon would
 * answer 400, after making that answer as it does (its message made valid UTF-8:
 * jansson's can quote half a character, which once made the daemon answer 500). */
static json_t *parse_like_daemon(const uint8_t *data, size_t size)
{
    json_error_t e;
    json_t *b = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &e);
    if (!b || !json_is_object(b)) {
        char text[JSON_ERROR_TEXT_LENGTH + 32];
        snprintf(text, sizeof(text), "%s", b ? "the body must be a JSON object" : e.text);
        json_t *msg = json_string(text);
        for (char *p = text; !msg && *p; p++)
            *p = (unsigned char)*p < 0x80 ? *p : '?';
        if (!msg)
            msg = json_string(text);
        json_t *answer = json_pack("{s:s, s:o, s:i, s:i, s:i}", "error", "EPARSE", "text", msg,
                                   "line", e.line, "column", e.column, "position", e.position);
        CF_FUZZ_CHECK(answer != NULL);
        char *dump = json_dumps(answer, JSON_COMPACT);
        CF_FUZZ_CHECK(dump != NULL);
        free(dump);
        json_decref(answer);
        json_decref(b);
        return NULL;
    }
    return b;
}

/* Exported, documented in fuzz.h */
int cf_fuzz_request(const uint8_t *data, size_t size)
{
    static const char *const roles[] = {"handler", "reviewer", "head"};
    static const cf__job_kind_t kinds[] = {CF__JOB_OPEN, CF__JOB_ACT, CF__JOB_EXTEND, CF__JOB_FIRE};
    if (!g.s)
        setup();
    if (size < 4)
        return 0;
    cf__job_kind_t kind = kinds[data[0] % 4];
    const char *role = roles[(data[1] & 0x7f) % 3];
    const char *agency = data[1] & 0x80 ? "乙局" : "甲局";
    int pick = data[2] % (g.ncases + 1);
    int64_t case_id = pick < g.ncases ? g.cases[pick] : 9999;
    int64_t if_match = data[3] == 0xff ? -1 : data[3] % 8;
    cf_time_t now = g.t0 + 86400;
    json_t *body = NULL;
    if (kind == CF__JOB_FIRE) {
        now = g.t0 + 86400 * (int64_t)(data[3] % 64);
        body = json_object();
    } else if (!(body = parse_like_daemon(data + 4, size - 4))) {
        return 0;
    }
    run_job(kind, role, agency, case_id, if_match, body, now, 0, NULL);
    return 0;
}

CF_FUZZ_ENTRY(cf_fuzz_request)
