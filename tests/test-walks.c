/*
 * test-walks.c -- walk-*: every case walk in tests/fixtures/walks/, run
 * through the engine and the store against the shipped workflow it names.
 *
 * A walk file is data (format in tests/fixtures/walks/README.md): an opening
 * (party, optional party_type: the party type given at opening, as --party-type),
 * then steps, each an action with actor, role, time, facts and documents, and
 * either the state expected after it or `refused: true` with the words the
 * refusal must contain. Scalars are read as text and typed by the workflow's own
 * fact declarations, exactly as the command line does. A step may instead extend a
 * clock (`extend: CLOCK, by: "30 days", reason: ...`, as `caseflow case extend`),
 * refused or not like an action, and any step may give `deadlines: {CLOCK: YYYY-MM-DD}`, the China
 * day each named clock's deadline must fall on after it, and `clocks: {CLOCK: STATUS}`, the status
 * (as `case show` prints it at the step's time) each named clock must have. A step may
 * also enter an item of evidence (`evidence: {kind, title, source, method, officers}`,
 * as `caseflow evidence add`) or a record (`record: {kind, officers, started_at, place,
 * person | site}`, as `caseflow record add`), with actor, role and at, refused or not.
 */
#include <dirent.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core-helpers.h"
#include "evidence.h"
#include "task.h"

/* ---- running a walk -------------------------------------------------------------- */

static json_t *typed_facts(const cf_workflow_t *wf, const json_t *raw, const char *where)
{
    json_t *out = json_object();
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)raw, key, v) {
        json_t *typed = NULL;
        cf_error_t err;
        if (json_is_string(v)) {
            if (cf_engine_fact_from_text(wf, key, json_string_value(v), &typed, &err) != 0)
                CF__FAIL("%s: %s", where, err.text);
        } else {
            typed = json_incref(v);
        }
        json_object_set_new(out, key, typed);
    }
    return out;
}

/* The rows the store keeps beside the events must say what the case says after
 * every step: its row (state, closed, version, head, closed_at, snapshot) and
 * one clock row per clock with its state and deadline. The store writes only the
 * columns and clock rows a step can change; this is what catches one it missed. */
static void check_rows(const cf_case_t *c, const char *where)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/walk.db", cf_test_tmpdir());
    sqlite3 *db;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT state, closed, version, head, closed_at, snapshot FROM "
                                 "cases WHERE id = ?",
                                 -1, &st, NULL),
              SQLITE_OK);
    sqlite3_bind_int64(st, 1, c->id);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    json_t *snap = json_loads((const char *)sqlite3_column_text(st, 5), 0, NULL);
    json_t *mine = cf_case_to_json(c);
    if (strcmp((const char *)sqlite3_column_text(st, 0), c->state) != 0 ||
        sqlite3_column_int(st, 1) != (c->closed_at != 0) ||
        sqlite3_column_int64(st, 2) != c->version ||
        strcmp((const char *)sqlite3_column_text(st, 3), c->head) != 0 ||
        sqlite3_column_int64(st, 4) != c->closed_at || !json_equal(snap, mine))
        CF__FAIL("%s: the case row does not match the case", where);
    json_decref(snap);
    json_decref(mine);
    sqlite3_finalize(st);
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT clock_id, state, deadline FROM clocks WHERE case_id = ?",
                                 -1, &st, NULL),
              SQLITE_OK);
    sqlite3_bind_int64(st, 1, c->id);
    unsigned rows = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const cf_clock_rt_t *k = cf_case_clock(c, (const char *)sqlite3_column_text(st, 0));
        if (!k || strcmp(cf_clock_state_name(k->state), (const char *)sqlite3_column_text(st, 1)) ||
            k->deadline != sqlite3_column_int64(st, 2))
            CF__FAIL("%s: clock row '%s' does not match the case", where,
                     sqlite3_column_text(st, 0));
        rows++;
    }
    if (rows != c->clocks_count)
        CF__FAIL("%s: %u clock rows for %u clocks", where, rows, c->clocks_count);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

/* The step's `deadlines` and `clocks` expectations, checked against the case. */
static void check_clocks(const cf_case_t *c, const json_t *step, cf_time_t at, const char *where)
{
    const char *id;
    json_t *want;
    json_object_foreach(json_object_get(step, "deadlines"), id, want) {
        const cf_clock_rt_t *k = cf_case_clock(c, id);
        char got[CF_TIME_BUFSZ] = "(none)";
        if (k)
            cf_time_format(k->deadline, got);
        if (!k || strncmp(got, json_string_value(want), 10) != 0)
            CF__FAIL("%s: clock '%s' has deadline %s, not on %s", where, id, got,
                     json_string_value(want));
    }
    json_object_foreach(json_object_get(step, "clocks"), id, want) {
        const cf_clock_rt_t *k = cf_case_clock(c, id);
        const char *got = k ? cf_engine_clock_status(k, at) : "idle";
        if (strcmp(got, json_string_value(want)) != 0)
            CF__FAIL("%s: clock '%s' is %s, not %s", where, id, got, json_string_value(want));
    }
}

/* An `extend` step: the clock extended as `caseflow case extend` does it. */
static void run_extend(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal,
                       cf_case_t *c, const json_t *step, const char *where)
{
    cf_extend_t req = {.clock = json_string_value(json_object_get(step, "extend")),
                       .actor = json_string_value(json_object_get(step, "actor")),
                       .role = json_string_value(json_object_get(step, "role")),
                       .reason = json_string_value(json_object_get(step, "reason")),
                       .at = cf_test_time(json_string_value(json_object_get(step, "at")))};
    cf_error_t err;
    if (cf_period_parse(json_string_value(json_object_get(step, "by")), &req.by, &err) != 0)
        CF__FAIL("%s: %s", where, err.text);
    json_t *events = NULL;
    cf_refusal_t why;
    int rc = cf_engine_extend(wf, cal, c, &req, &events, &why);
    const char *refused = json_string_value(json_object_get(step, "refused"));
    const char *words = json_string_value(json_object_get(step, "reason_contains"));
    if (refused && strcmp(refused, "true") == 0) {
        if (rc == 0)
            CF__FAIL("%s: extending '%s' should have been refused", where, req.clock);
        if (words && !strstr(why.text, words))
            CF__FAIL("%s: refusal \"%s\" lacks \"%s\"", where, why.text, words);
    } else {
        if (rc != 0)
            CF__FAIL("%s: extending '%s' refused: %s", where, req.clock, why.text);
        ASSERT_EQ(cf_store_case_append(s, c, events, &err), 0);
        check_rows(c, where);
        check_clocks(c, step, req.at, where);
    }
    cf_refusal_dispose(&why);
    json_decref(events);
}

/* An `evidence` or `record` step: the item entered as `caseflow evidence add` or
 * `caseflow record add` enters it (the engine's part: the file's bytes are not
 * walked). */
static void run_register(cf_store_t *s, const cf_workflow_t *wf, cf_case_t *c, const json_t *step,
                         const char *where)
{
    const json_t *record = json_object_get(step, "record");
    cf_evidence_req_t req = {.actor = json_string_value(json_object_get(step, "actor")),
                             .role = json_string_value(json_object_get(step, "role")),
                             .item = record ? record : json_object_get(step, "evidence"),
                             .at = cf_test_time(json_string_value(json_object_get(step, "at")))};
    json_t *events = NULL;
    cf_refusal_t why;
    int rc = record ? cf_engine_record(wf, c, &req, &events, &why)
                    : cf_engine_evidence(wf, c, &req, &events, &why);
    const char *refused = json_string_value(json_object_get(step, "refused"));
    const char *words = json_string_value(json_object_get(step, "reason_contains"));
    if (refused && strcmp(refused, "true") == 0) {
        if (rc == 0)
            CF__FAIL("%s: the item should have been refused", where);
        if (words && !strstr(why.text, words))
            CF__FAIL("%s: refusal \"%s\" lacks \"%s\"", where, why.text, words);
    } else {
        cf_error_t err;
        if (rc != 0)
            CF__FAIL("%s: the item was refused: %s", where, why.text);
        ASSERT_EQ(cf_store_case_append(s, c, events, &err), 0);
        check_rows(c, where);
    }
    cf_refusal_dispose(&why);
    json_decref(events);
}

static void run_step(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c,
                     const json_t *step, const char *where)
{
    if (json_object_get(step, "extend")) {
        run_extend(s, wf, cal, c, step, where);
        return;
    }
    if (json_object_get(step, "evidence") || json_object_get(step, "record")) {
        run_register(s, wf, c, step, where);
        return;
    }
    const char *action = json_string_value(json_object_get(step, "action"));
    json_t *facts = typed_facts(wf, json_object_get(step, "facts"), where);
    json_t *docs = cf_test_fake_documents(json_object_get(step, "documents"));
    cf_act_t req = {.action = action,
                    .actor = json_string_value(json_object_get(step, "actor")),
                    .role = json_string_value(json_object_get(step, "role")),
                    .facts = facts,
                    .documents = docs,
                    .at = cf_test_time(json_string_value(json_object_get(step, "at")))};
    json_t *events = NULL;
    cf_refusal_t why;
    int rc = cf_engine_act(wf, cal, c, &req, &events, &why);
    const char *refused = json_string_value(json_object_get(step, "refused"));
    if (refused && strcmp(refused, "true") == 0) {
        if (rc == 0)
            CF__FAIL("%s: '%s' should have been refused", where, action);
        const char *words = json_string_value(json_object_get(step, "reason_contains"));
        if (words && !strstr(why.text, words) && strcmp(why.rule, words) != 0)
            CF__FAIL("%s: refusal \"%s\" (rule %s) lacks \"%s\"", where, why.text, why.rule, words);
    } else {
        if (rc != 0)
            CF__FAIL("%s: '%s' refused: %s", where, action, why.text);
        cf_error_t err;
        ASSERT_EQ(cf_store_case_append(s, c, events, &err), 0);
        check_rows(c, where);
        const char *expect = json_string_value(json_object_get(step, "expect"));
        if (expect && strcmp(expect, c->state) != 0)
            CF__FAIL("%s: after '%s' the case is in '%s', not '%s'", where, action, c->state,
                     expect);
        check_clocks(c, step, req.at, where);
    }
    cf_refusal_dispose(&why);
    json_decref(events);
    json_decref(facts);
    json_decref(docs);
}

/* A fresh walk.db, copied from template (a migrated, closed, empty database): the
 * migrations run once for all the walks, not once a walk (they were most of this
 * test's time, which under ASan on a loaded machine neared the runner's timeout). */
static cf_store_t *fresh_store(const char *template)
{
    char path[512], side[600];
    snprintf(path, sizeof(path), "%s/walk.db", cf_test_tmpdir());
    static const char *const sides[] = {"-wal", "-shm"};
    for (size_t i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
        snprintf(side, sizeof(side), "%s%s", path, sides[i]);
        remove(side);
    }
    cf_test_copy_file(template, path);
    cf_store_t *s;
    cf_error_t err;
    if (cf_store_open_existing(path, &s, &err) != 0)
        CF__FAIL("open %s: %s", path, err.text);
    return s;
}

/* Runs one walk on a copy of template; returns 1 if it ended in a terminal state.
 * OUT workflow id. */
static int run_walk(const char *relpath, const char *template, char *workflow_id, size_t size)
{
    json_t *walk = cf_test_yaml(relpath);
    const char *wf_id = json_string_value(json_object_get(walk, "workflow"));
    char path[256];
    snprintf(path, sizeof(path), "workflows/%s.yaml", wf_id);
    snprintf(workflow_id, size, "%s", wf_id);
    cf_workflow_t *wf = cf_test_workflow(path);
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s = fresh_store(template);
    cf_error_t err;
    ASSERT_EQ(cf_store_workflow_put(s, wf, NULL, NULL, &err), 0);
    json_t *open = json_object_get(walk, "open");
    json_t *party =
        json_pack("{s:s, s:s?}", "name", json_string_value(json_object_get(open, "party")), "type",
                  json_string_value(json_object_get(open, "party_type")));
    json_t *facts = typed_facts(wf, json_object_get(open, "facts"), relpath);
    cf_open_t req = {.actor = "立案人",
                     .role = "handler",
                     .party = party,
                     .facts = facts,
                     .at = cf_test_time(json_string_value(json_object_get(open, "at")))};
    json_t *events;
    cf_refusal_t why;
    if (cf_engine_open(wf, cal, &req, &events, &why) != 0)
        CF__FAIL("%s: open refused: %s", relpath, why.text);
    cf_case_t c;
    ASSERT_EQ(cf_case_init(&c), 0);
    ASSERT_EQ(cf_store_case_open(s, &c, events, &err), 0);
    check_rows(&c, relpath);
    size_t i;
    json_t *step;
    json_array_foreach(json_object_get(walk, "steps"), i, step) {
        char where[600];
        snprintf(where, sizeof(where), "%s step %zu", relpath, i + 1);
        run_step(s, wf, cal, &c, step, where);
    }
    const cf_wf_state_t *end = cf_workflow_state(wf, c.state);
    int terminal = end && end->terminal;
    ASSERT(!terminal || c.closed_at != 0);
    json_decref(events);
    json_decref(facts);
    json_decref(party);
    json_decref(walk);
    cf_case_dispose(&c);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return terminal;
}

/* walk-1.1: every walk runs as written, and every shipped workflow is walked end
 * to end (to a terminal state) by at least one of them. */
TEST_IMPL(walk_fixtures)
{
    CF_TEST_SQLITE_ONLY("reads the SQLite file directly (check_rows)");
    static const char *const workflows[] = {"penalty-general", "penalty-summary", "coercion",
                                            "inspection",      "benefit",         "confirmation",
                                            "reward",          "supervision",     "other-power"};
    int ended[sizeof(workflows) / sizeof(workflows[0])] = {0};
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/walks", CF_SOURCE_DIR);
    char template[512];
    snprintf(template, sizeof(template), "%s/walk-template.db", cf_test_tmpdir());
    cf_store_close(cf_test_store("walk-template.db"));
    DIR *d = opendir(dir);
    ASSERT(d != NULL);
    struct dirent *e;
    int walks = 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 6 || strcmp(e->d_name + n - 5, ".yaml") != 0)
            continue;
        char rel[512], wf[128];
        snprintf(rel, sizeof(rel), "tests/fixtures/walks/%s", e->d_name);
        int terminal = run_walk(rel, template, wf, sizeof(wf));
        for (size_t i = 0; i < sizeof(workflows) / sizeof(workflows[0]); i++)
            ended[i] |= terminal && strcmp(workflows[i], wf) == 0;
        walks++;
    }
    closedir(d);
    for (size_t i = 0; i < sizeof(workflows) / sizeof(workflows[0]); i++)
        if (!ended[i])
            CF__FAIL("no walk takes workflow '%s' to a terminal state", workflows[i]);
    ASSERT(walks >= 12);
    return 0;
}
