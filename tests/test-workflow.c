/*
 * test-workflow.c -- workflow-*: loading and checking definitions.
 *
 * workflow-1.x: every broken fixture in tests/fixtures/workflows/invalid/<name>/
 *   gives exactly the problems listed in its expect.txt ("LINE|text": the line,
 *   or empty for "any line", and a substring of the message).
 * workflow-2.x: valid definitions: the test workflow and every shipped one.
 * workflow-3.x: the shipped workflows' bases, as the case page shows them.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core-helpers.h"
#include "task.h"

static int problem_matches(const cf_error_t *e, const char *line_text)
{
    const char *bar = strchr(line_text, '|');
    int line = bar == line_text ? 0 : atoi(line_text);
    if (line && e->line != line)
        return 0;
    if (!line && e->line < 1 && strncmp(bar + 1, "YAML", 4) != 0)
        return 0;
    return strstr(e->text, bar + 1) != NULL;
}

/* Checks one fixture directory; returns the number of expectations. */
static int check_fixture(const char *name)
{
    char path[512], expect_path[512];
    snprintf(path, sizeof(path), "tests/fixtures/workflows/invalid/%s/input.yaml", name);
    snprintf(expect_path, sizeof(expect_path), "tests/fixtures/workflows/invalid/%s/expect.txt",
             name);
    size_t len;
    char *buf = cf_test_slurp(path, &len), *expect = cf_test_slurp(expect_path, NULL);
    cf_errlist_t problems = {0};
    cf_workflow_t *wf = (cf_workflow_t *)0x1;
    int rc = cf_workflow_parse(buf, len, path, &wf, &problems);
    if (rc == 0)
        CF__FAIL("%s: loaded, but should have been refused", name);
    ASSERT(wf == (cf_workflow_t *)0x1); /* untouched on failure */
    ASSERT(rc == CF_EPARSE || rc == CF_EINVALID);
    int n = 0;
    char *save = NULL;
    for (char *l = strtok_r(expect, "\n", &save); l; l = strtok_r(NULL, "\n", &save), n++) {
        int found = 0;
        for (size_t i = 0; i < problems.items_count; i++)
            found |= problem_matches(&problems.items[i], l);
        if (!found) {
            for (size_t i = 0; i < problems.items_count; i++)
                fprintf(stderr, "  got %d:%d %s\n", problems.items[i].line,
                        problems.items[i].column, problems.items[i].text);
            CF__FAIL("%s: expected problem \"%s\"", name, l);
        }
        ASSERT_STR_EQ(problems.items[0].source, path);
    }
    if ((size_t)n != problems.items_count) {
        for (size_t i = 0; i < problems.items_count; i++)
            fprintf(stderr, "  got %d:%d %s\n", problems.items[i].line, problems.items[i].column,
                    problems.items[i].text);
        CF__FAIL("%s: %zu problems reported, %d expected", name, problems.items_count, n);
    }
    cf_errlist_free(&problems);
    free(buf);
    free(expect);
    return n;
}

/* workflow-1.1: each kind of broken workflow is reported with its line. */
TEST_IMPL(workflow_invalid_fixtures)
{
    char dir[512];
    snprintf(dir, sizeof(dir), "%s/tests/fixtures/workflows/invalid", CF_SOURCE_DIR);
    DIR *d = opendir(dir);
    ASSERT(d != NULL);
    struct dirent *e;
    int fixtures = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        check_fixture(e->d_name);
        fixtures++;
    }
    closedir(d);
    ASSERT(fixtures >= 16);
    return 0;
}

/* workflow-1.2: a problem carries the column too, and the file name. */
TEST_IMPL(workflow_problem_location)
{
    const char *text = "id: x\nversion: 1\npower_type: 行政处罚\ntitle: t\ninitial: a\n"
                       "states:\n  - {id: a, name: 甲, terminal: true}\n"
                       "transitions:\n  - {action: go, label: 走, from: [a], to: nowhere, roles: "
                       "[handler]}\n";
    cf_errlist_t problems = {0};
    cf_workflow_t *wf = NULL;
    ASSERT_EQ(cf_workflow_parse(text, strlen(text), "x.yaml", &wf, &problems), CF_EINVALID);
    ASSERT(wf == NULL);
    ASSERT_EQ(problems.items_count, 2);
    int seen_to = 0;
    for (size_t i = 0; i < problems.items_count; i++) {
        const cf_error_t *e = &problems.items[i];
        ASSERT_STR_EQ(e->source, "x.yaml");
        ASSERT_EQ(e->line, 9);
        if (strstr(e->text, "unknown state 'nowhere'")) {
            seen_to = 1;
            /* "  - {action: go, label: 走, from: [a], to: nowhere": the value's column,
             * counted in characters as libyaml does (走 is one). */
            ASSERT_EQ(e->column, 43);
        }
    }
    ASSERT(seen_to);
    cf_errlist_free(&problems);
    return 0;
}

/* workflow-2.1: the test workflow loads; hash is SHA-256 of its bytes; lookups. */
TEST_IMPL(workflow_valid_mini)
{
    cf_workflow_t *wf = cf_test_workflow("tests/fixtures/workflows/valid/mini.yaml");
    ASSERT_STR_EQ(wf->doc->id, "mini");
    ASSERT_EQ(wf->doc->states_count, 9);
    ASSERT(cf_workflow_state(wf, "suspended") != NULL);
    ASSERT(cf_workflow_state(wf, "nope") == NULL);
    ASSERT_EQ(cf_workflow_fact(wf, "fine")->type, CF_FACT_NUMBER);
    ASSERT_EQ(cf_workflow_clock(wf, "service")->period.unit, CF_UNIT_WORKING_DAYS);
    ASSERT_EQ(cf_workflow_clock(wf, "decision")->extension->max.amount, 30);
    ASSERT_EQ(strlen(wf->hash), 64);
    /* Any change to the source, even a comment, gives another hash. */
    char *copy = malloc(wf->source_len + 16);
    sprintf(copy, "%s# changed\n", wf->source);
    cf_workflow_t *wf2 = NULL;
    ASSERT_EQ(cf_workflow_parse(copy, strlen(copy), "copy", &wf2, NULL), 0);
    ASSERT(strcmp(wf->hash, wf2->hash) != 0);
    /* "*" matches every non-terminal state except the target. */
    const cf_wf_transition_t *suspend = NULL;
    for (unsigned i = 0; i < wf->doc->transitions_count; i++)
        if (strcmp(wf->doc->transitions[i].action, "suspend") == 0)
            suspend = &wf->doc->transitions[i];
    ASSERT(cf_workflow_from_matches(wf, suspend, "investigating"));
    ASSERT(!cf_workflow_from_matches(wf, suspend, "closed"));
    ASSERT(!cf_workflow_from_matches(wf, suspend, "suspended"));
    free(copy);
    cf_workflow_free(wf2);
    cf_workflow_free(wf);
    return 0;
}

/* workflow-2.2: every workflow shipped in workflows/ passes the checks, and
 * every power type of the seeds has one. */
TEST_IMPL(workflow_shipped_valid)
{
    static const char *const shipped[][2] = {
        {"penalty-general", "行政处罚"}, {"penalty-summary", "行政处罚"},
        {"coercion", "行政强制"},        {"inspection", "行政检查"},
        {"benefit", "行政给付"},         {"confirmation", "行政确认"},
        {"reward", "行政奖励"},          {"supervision", "行政监督"},
        {"other-power", "其他行政权力"},
    };
    for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "workflows/%s.yaml", shipped[i][0]);
        cf_workflow_t *wf = cf_test_workflow(path);
        ASSERT_STR_EQ(wf->doc->id, shipped[i][0]);
        ASSERT_STR_EQ(wf->doc->power_type, shipped[i][1]);
        for (unsigned s = 0; s < wf->doc->states_count; s++)
            ASSERT(wf->doc->states[s].name && *wf->doc->states[s].name);
        cf_workflow_free(wf);
    }
    return 0;
}

/* Fails (naming workflow, place and text) when s, a basis or article of a shipped
 * workflow, holds English for a reader: "confirm" in any case ("(to confirm)",
 * "(article to confirm)"). An article not read in the law's text is marked in
 * Chinese, "（条款待核）" (docs/law.md). */
static void chinese_basis(const char *wf, const char *where, const char *s)
{
    for (const char *p = s; p && *p; p++)
        if (strncasecmp(p, "confirm", 7) == 0)
            CF__FAIL("workflows/%s.yaml %s: \"%s\" holds \"confirm\": write （条款待核）", wf,
                     where, s);
}

/* workflow-3.1: no basis or article of a shipped workflow -- the texts the
 * case page, refusals and the audit show -- says "to confirm" in English; and the
 * Chinese mark is a note documents and reports leave out (cf_workflow_note_len). */
TEST_IMPL(workflow_shipped_bases_chinese)
{
    static const char *const shipped[] = {"penalty-general", "penalty-summary", "coercion",
                                          "inspection",      "benefit",         "confirmation",
                                          "reward",          "supervision",     "other-power"};
    for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "workflows/%s.yaml", shipped[i]);
        cf_workflow_t *wf = cf_test_workflow(path);
        const cf_wf_doc_t *d = wf->doc;
        for (unsigned k = 0; k < d->basis_count; k++)
            chinese_basis(shipped[i], "basis", d->basis[k]);
        for (unsigned k = 0; k < d->states_count; k++)
            chinese_basis(shipped[i], d->states[k].id, d->states[k].basis);
        for (unsigned k = 0; k < d->transitions_count; k++)
            chinese_basis(shipped[i], d->transitions[k].action, d->transitions[k].basis);
        for (unsigned k = 0; k < d->clocks_count; k++)
            chinese_basis(shipped[i], d->clocks[k].id, d->clocks[k].basis);
        for (unsigned k = 0; k < d->rules_count; k++)
            chinese_basis(shipped[i], d->rules[k].id, d->rules[k].article);
        for (unsigned k = 0; k < d->evidence_required_count; k++)
            chinese_basis(shipped[i], d->evidence_required[k].id, d->evidence_required[k].article);
        if (d->children_closed)
            chinese_basis(shipped[i], "children_closed", d->children_closed->article);
        cf_workflow_free(wf);
    }
    /* the notes a document leaves out, and what is not one */
    ASSERT_EQ(cf_workflow_note_len("（条款待核）；行政处罚法"), strlen("（条款待核）"));
    ASSERT_EQ(cf_workflow_note_len("（标准待核）"), strlen("（标准待核）"));
    ASSERT_EQ(cf_workflow_note_len("(to confirm)；x"), strlen("(to confirm)"));
    ASSERT_EQ(cf_workflow_note_len("（责令退回）"), 0);
    ASSERT_EQ(cf_workflow_note_len("(a)（条款待核）"), 0);
    ASSERT_EQ(cf_workflow_note_len("（第（一）项待核）"), 0); /* nested: kept whole */
    ASSERT_EQ(cf_workflow_note_len("（条款待核"), 0);
    ASSERT_EQ(cf_workflow_note_len(""), 0);
    return 0;
}
