/*
 * engine-helpers.c -- the fixture the engine-* tests share (engine-helpers.h): a case
 * on the test workflow, or on an overlay of it, and one-call steps on that case.
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/overlay.h"
#include "engine-helpers.h"
#include "task.h"

/* Exported, documented in engine-helpers.h */
void te_setup(fixture_t *f, const char *opened_at)
{
    f->wf = cf_test_workflow(MINI);
    f->cal = cf_test_calendar();
    f->store = cf_test_store("engine.db");
    cf_test_open(f->store, f->wf, f->cal, opened_at, &f->c);
}

/* Exported, documented in engine-helpers.h */
void te_setup_overlay(fixture_t *f, const char *ov, const char *db, const char *opened_at)
{
    cf_workflow_t *base = cf_test_workflow(MINI);
    char *merged = NULL;
    size_t len = 0;
    ASSERT_EQ(cf_overlay_apply(base->source, base->source_len, base->hash, ov, strlen(ov), "ov",
                               &merged, &len, NULL),
              0);
    ASSERT_EQ(cf_workflow_parse(merged, len, "merged", &f->wf, NULL), 0);
    free(merged);
    cf_workflow_free(base);
    f->cal = cf_test_calendar();
    f->store = cf_test_store(db);
    cf_test_open(f->store, f->wf, f->cal, opened_at, &f->c);
}

/* Exported, documented in engine-helpers.h */
void te_teardown(fixture_t *f)
{
    cf_case_dispose(&f->c);
    cf_store_close(f->store);
    cf_calendar_free(f->cal);
    cf_workflow_free(f->wf);
}

/* Exported, documented in engine-helpers.h */
int te_act(fixture_t *f, const char *action, const char *role, const char *iso, const char *facts,
           const char *docs)
{
    return cf_test_act(f->store, f->wf, f->cal, &f->c, action, role, iso, facts, docs, NULL);
}

const char *te_deadline_of(fixture_t *f, const char *clock, char *buf)
{
    const cf_clock_rt_t *k = cf_case_clock(&f->c, clock);
    ASSERT(k != NULL);
    return cf_test_fmt(k->deadline, buf);
}

/* Exported, documented in engine-helpers.h */
int te_extend(fixture_t *f, const char *role, const char *by, const char *iso, cf_refusal_t *why)
{
    cf_extend_t req = {.clock = "decision",
                       .actor = "王五",
                       .role = role,
                       .reason = "案情复杂",
                       .at = cf_test_time(iso)};
    ASSERT_EQ(cf_period_parse(by, &req.by, NULL), 0);
    json_t *events = NULL;
    int rc = cf_engine_extend(f->wf, f->cal, &f->c, &req, &events, why);
    if (rc == 0) {
        cf_error_t err;
        ASSERT_EQ(cf_store_case_append(f->store, &f->c, events, &err), 0);
    }
    json_decref(events);
    return rc;
}

/* Exported, documented in engine-helpers.h */
int te_exclude(fixture_t *f, const char *reason, const char *from, const char *to, const char *at,
               cf_refusal_t *why)
{
    cf_exclude_t req = {.clock = "decision",
                        .actor = "李四",
                        .role = "head",
                        .reason = reason,
                        .from = cf_test_time(from),
                        .to = cf_test_time(to),
                        .at = cf_test_time(at)};
    json_t *events = NULL;
    int rc = cf_engine_exclude(f->wf, f->cal, &f->c, &req, &events, why);
    if (rc == 0) {
        cf_error_t err;
        ASSERT_EQ(cf_store_case_append(f->store, &f->c, events, &err), 0);
    }
    json_decref(events);
    return rc;
}

/* One step on f's case as actor in role; OUT why. */
/* Exported, documented in engine-helpers.h */
int te_step(fixture_t *f, const char *actor, const char *action, const char *role, const char *iso,
            const char *facts, const char *docs, cf_refusal_t *why)
{
    json_t *fj = facts ? json_loads(facts, 0, NULL) : json_object();
    json_t *dj = json_object();
    char *names = docs ? strdup(docs) : NULL, *save = NULL;
    for (char *n = names ? strtok_r(names, ",", &save) : NULL; n; n = strtok_r(NULL, ",", &save))
        json_object_set_new(
            dj, n, json_pack("{s:s, s:i, s:s}", "sha256", "ab", "size", 1, "file", "x.pdf"));
    free(names);
    ASSERT(fj != NULL);
    cf_act_t req = {.action = action,
                    .actor = actor,
                    .role = role,
                    .facts = fj,
                    .documents = dj,
                    .at = cf_test_time(iso)};
    json_t *events = NULL;
    memset(why, 0, sizeof(*why));
    int rc = cf_engine_act(f->wf, f->cal, &f->c, &req, &events, why);
    if (rc == 0) {
        cf_error_t err;
        ASSERT_EQ(cf_store_case_append(f->store, &f->c, events, &err), 0);
    }
    json_decref(events);
    json_decref(fj);
    json_decref(dj);
    return rc;
}

/* Exported, documented in engine-helpers.h */
void te_refused_by(cf_refusal_t *why, int rc, const char *rule, const char *article)
{
    if (rc != CF_EREFUSED || strcmp(why->rule, rule) != 0)
        CF__FAIL("expected rule %s to refuse; got %d, rule '%s': %s", rule, rc, why->rule,
                 why->text);
    ASSERT_CONTAINS(why->article, article);
    cf_refusal_dispose(why);
}
