/*
 * test-fuzz.c -- fuzz-*: the fuzz targets' findings stay fixed, in the normal
 * build (gcc, no libFuzzer): the targets' bodies (fuzz/fuzz-*.c, compiled here
 * without CF_FUZZ_MAIN) are plain functions, so each input the fuzzers found is
 * replayed through exactly the code that found it. A target aborts on a broken
 * property, which fails the test like a crash does.
 *
 * fuzz-1.1: every file in tests/fixtures/fuzz-regressions/TARGET/ through TARGET.
 * fuzz-1.2: the targets on a few of their seeds (the project's own files), so a
 *           target that stops working is noticed without clang too.
 * fuzz-1.3: the request regressions again, over HTTP to a real daemon: the
 *           target mirrors the daemon's body parser (static in http-write.c),
 *           so this checks the daemon's own: a body answers a JSON 4xx, never 5xx.
 * fuzz-1.4: an empty YAML document (empty file, "---", "~") is a parse error at
 *           1:1 for every schema-checked loader: libcyaml loads it as no
 *           document at all, which crashed the workflow checker (fuzz-workflow)
 *           and, the same way, `caseflow cause load`.
 */
#include <dirent.h>
#include <string.h>

#include "../fuzz/fuzz.h"
#include "calendar.h"
#include "catalog.h"
#include "cause.h"
#include "serve-helpers.h"
#include "task.h"
#include "workflow.h"

typedef struct target_s {
    const char *name;
    int (*fn)(const uint8_t *data, size_t size);
} target_t;

static const target_t targets[] = {
    {"workflow", cf_fuzz_workflow}, {"import", cf_fuzz_import}, {"catalog", cf_fuzz_catalog},
    {"request", cf_fuzz_request},   {"period", cf_fuzz_period},
};

static void feed(const target_t *t, const char *relpath)
{
    size_t len;
    char *data = cf_test_slurp(relpath, &len);
    fprintf(stderr, "  %s <- %s\n", t->name, relpath);
    ASSERT_EQ(t->fn((const uint8_t *)data, len), 0);
    free(data);
}

/* ---- fuzz-1.1 ------------------------------------------------------------------------------ */

TEST_IMPL(fuzz_regressions)
{
    int fed = 0;
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        char dir[512], rel[512];
        snprintf(dir, sizeof(dir), "%s/tests/fixtures/fuzz-regressions/%s", CF_SOURCE_DIR,
                 targets[i].name);
        DIR *d = opendir(dir);
        if (!d)
            continue; /* no finding for this target */
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(rel, sizeof(rel), "tests/fixtures/fuzz-regressions/%s/%s", targets[i].name,
                     e->d_name);
            feed(&targets[i], rel);
            fed++;
        }
        closedir(d);
    }
    ASSERT(fed > 0);
    cf_fuzz_request_cleanup();
    return 0;
}

/* ---- fuzz-1.2 ------------------------------------------------------------------------------ */

TEST_IMPL(fuzz_targets_on_seeds)
{
    static const char period[] = "7 working_days\n2025-09-30T10:00:00+08:00\n"
                                 "2025-10-09T10:00:00+08:00\n2025-10-11";
    static const char request[] = "\001\002\000\002{\"action\": \"file\", \"facts\": "
                                  "{\"filing_reason\": \"x\", \"officers\": \"[]\"}}";
    feed(&targets[0], "workflows/penalty-general.yaml");
    feed(&targets[0], "tests/fixtures/workflows/valid/mini.yaml");
    feed(&targets[1], "tests/fixtures/import/synonyms.txt");
    feed(&targets[2], "examples/catalogs/004-generic.yaml");
    ASSERT_EQ(cf_fuzz_request((const uint8_t *)request, sizeof(request) - 1), 0);
    ASSERT_EQ(cf_fuzz_period((const uint8_t *)period, sizeof(period) - 1), 0);
    cf_fuzz_request_cleanup();
    return 0;
}

/* ---- fuzz-1.3 ------------------------------------------------------------------------------ */

TEST_IMPL(fuzz_request_over_http)
{
    static const char *const paths[] = {"/v1/cases", "/v1/cases/1/actions",
                                        "/v1/cases/1/extensions"};
    char db[512], dir[512], rel[512];
    td_db("fuzz-http.db", db, sizeof(db));
    char *head = td_token(db, "甲局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, "2026-03-02T09:00:00+08:00");
    td_start(&d, &cfg);
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/fuzz-regressions/request", CF_SOURCE_DIR);
    DIR *dh = opendir(dir);
    ASSERT(dh != NULL);
    struct dirent *e;
    int fed = 0;
    while ((e = readdir(dh))) {
        if (e->d_name[0] == '.')
            continue;
        size_t len;
        snprintf(rel, sizeof(rel), "tests/fixtures/fuzz-regressions/request/%s", e->d_name);
        char *data = cf_test_slurp(rel, &len);
        ASSERT(len >= 4);
        td_resp_t r;
        td_http(&d, "POST", paths[(unsigned char)data[0] % 3], head, data + 4, len - 4, "\"2\"",
                &r);
        if (r.status >= 500 || !json_is_string(json_object_get(r.json, "error")))
            CF__FAIL("%s: %ld %s", rel, r.status, r.body);
        td_resp_free(&r);
        free(data);
        fed++;
    }
    closedir(dh);
    ASSERT(fed > 0);
    td_stop(&d);
    free(head);
    return 0;
}

/* ---- fuzz-1.4 ------------------------------------------------------------------------------ */

TEST_IMPL(fuzz_empty_documents)
{
    static const char *const empties[] = {"", "---\n", "~\n", "---\n...\n", "# only a comment\n"};
    for (size_t i = 0; i < sizeof(empties) / sizeof(empties[0]); i++) {
        const char *text = empties[i];
        size_t len = strlen(text);
        cf_error_t err;
        cf_workflow_t *wf = (cf_workflow_t *)0x1;
        cf_errlist_t problems = {0};
        ASSERT_EQ(cf_workflow_parse(text, len, "w.yaml", &wf, &problems), CF_EPARSE);
        ASSERT(wf == (cf_workflow_t *)0x1);
        ASSERT(problems.items_count >= 1);
        cf_errlist_free(&problems);
        cf_calendar_t *cal;
        ASSERT_EQ(cf_calendar_new(&cal), 0);
        ASSERT_EQ(cf_calendar_load(cal, text, len, "2026.yaml", &err), CF_EPARSE);
        cf_calendar_free(cal);
        cf_causes_t *set;
        ASSERT_EQ(cf_causes_new(&set), 0);
        cf_error_clear(&err);
        ASSERT_EQ(cf_causes_load(set, text, len, "c.yaml", &err), CF_EPARSE);
        ASSERT_EQ(cf_causes_count(set), 0);
        ASSERT(err.line >= 1);
        cf_causes_free(set);
        json_t *matters = (json_t *)0x1;
        int rc = cf_catalog_load(text, len, "m.yaml", &matters, &err);
        ASSERT(rc == CF_EPARSE || rc == CF_EINVALID);
        ASSERT(matters == (json_t *)0x1);
    }
    return 0;
}
