/*
 * test-overlay.c -- overlay-*: a province's rules laid over a national workflow.
 *
 * overlay-1.x: the example overlay over the shipped summary procedure: what it
 *   replaces, adds and redirects; the merged text is a definition of its own,
 *   deterministic, recording its base.
 * overlay-2.x: overlays that cannot apply are refused with their lines.
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/overlay.h"
#include "core-helpers.h"
#include "task.h"

#define EXAMPLE "examples/overlays/example-province-summary.yaml"

static char *lay(const cf_workflow_t *base, const char *overlay, cf_errlist_t *problems, int *rc)
{
    char *merged = NULL;
    size_t len = 0;
    *rc = cf_overlay_apply(base->source, base->source_len, base->hash, overlay, strlen(overlay),
                           "ov.yaml", &merged, &len, problems);
    return merged;
}

static const cf_wf_rule_t *rule(const cf_workflow_t *wf, const char *id)
{
    for (unsigned i = 0; i < wf->doc->rules_count; i++)
        if (strcmp(wf->doc->rules[i].id, id) == 0)
            return &wf->doc->rules[i];
    return NULL;
}

/* overlay-1.1: the example replaces summary-limits, adds head_review and sends
 * decide_on_spot there, keeps everything else, and records its base. */
TEST_IMPL(overlay_example)
{
    cf_workflow_t *base = cf_test_workflow("workflows/penalty-summary.yaml"), *wf = NULL;
    char *text = cf_test_slurp(EXAMPLE, NULL);
    cf_errlist_t problems = {0};
    int rc;
    char *merged = lay(base, text, &problems, &rc);
    ASSERT_EQ(rc, 0);
    ASSERT_EQ(cf_workflow_parse(merged, strlen(merged), "merged", &wf, &problems), 0);
    ASSERT_STR_EQ(wf->doc->id, "penalty-summary-example");
    ASSERT_STR_EQ(wf->doc->overlay_of->id, "penalty-summary");
    ASSERT_STR_EQ(wf->doc->overlay_of->hash, base->hash);
    ASSERT(strcmp(wf->hash, base->hash) != 0);
    ASSERT_CONTAINS(rule(wf, "summary-limits")->check, "fine <= 1000");
    ASSERT_CONTAINS(rule(base, "summary-limits")->check, "fine <= 3000");
    ASSERT_EQ(wf->doc->rules_count, base->doc->rules_count); /* replaced, not added */
    ASSERT(cf_workflow_state(wf, "head_review") != NULL);
    ASSERT_EQ(wf->doc->states_count, base->doc->states_count + 1);
    for (unsigned i = 0; i < wf->doc->transitions_count; i++)
        if (!strcmp(wf->doc->transitions[i].action, "decide_on_spot"))
            ASSERT_STR_EQ(wf->doc->transitions[i].to, "head_review");
    /* The same inputs give the same text, byte for byte. */
    char *again = lay(base, text, &problems, &rc);
    ASSERT_STR_EQ(again, merged);
    free(again);
    free(merged);
    free(text);
    cf_errlist_free(&problems);
    cf_workflow_free(wf);
    cf_workflow_free(base);
    return 0;
}

/* overlay-2.1: each overlay that cannot apply is refused, with its line, and the
 * output is left untouched. */
TEST_IMPL(overlay_problems)
{
    static const struct {
        const char *text;
        int line;
        const char *words;
    } bad[] = {
        {"overlay: penalty-summary\nid: x\ncolour: red\n", 3, "overlays may not set 'colour'"},
        {"overlay: coercion\nid: x\n", 1, "lays over 'coercion', not over 'penalty-summary'"},
        {"overlay: penalty-summary\nid: penalty-summary\n", 2, "needs an id of its own"},
        {"overlay: penalty-summary\nid: x\nstates:\n  - {id: informed, name: 告知}\n", 4,
         "adds states 'informed', which the base already has"},
        {"overlay: penalty-summary\nid: x\nredirect:\n  - {action: pay, from: on_site, to: x}\n", 4,
         "no transition 'pay' from state 'on_site'"},
        /* libyaml notices the unclosed flow sequence at the end of the text. */
        {"overlay: penalty-summary\nid: [x\n", 3, "YAML syntax error"},
    };
    cf_workflow_t *base = cf_test_workflow("workflows/penalty-summary.yaml");
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cf_errlist_t problems = {0};
        char *merged = (char *)0x1;
        size_t len = 7;
        int rc = cf_overlay_apply(base->source, base->source_len, base->hash, bad[i].text,
                                  strlen(bad[i].text), "ov.yaml", &merged, &len, &problems);
        ASSERT(rc == CF_EINVALID || rc == CF_EPARSE);
        ASSERT(merged == (char *)0x1 && len == 7);
        ASSERT(problems.items_count >= 1);
        ASSERT_CONTAINS(problems.items[0].text, bad[i].words);
        ASSERT_EQ(problems.items[0].line, bad[i].line);
        ASSERT_STR_EQ(problems.items[0].source, "ov.yaml");
        cf_errlist_free(&problems);
    }
    char *id = NULL;
    ASSERT_EQ(cf_overlay_base("overlay: coercion\nid: y\n", 23, &id), 1);
    ASSERT_STR_EQ(id, "coercion");
    free(id);
    ASSERT_EQ(cf_overlay_base("id: coercion\n", 13, &id), 0);
    cf_workflow_free(base);
    return 0;
}
