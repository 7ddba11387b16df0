/*
 * cmd-workflow.c -- `caseflow init` and the `workflow` commands: check, load,
 * list, show, dot.
 *
 * `workflow check` works on files and needs no database; every other command
 * works on definitions as stored, because a case runs on the stored version it
 * pinned, not on whatever the file says today.
 */
#include "calendar-load.h"
#include "datadir.h"
#include "overlay.h"
#include "session.h"

#include "render.h"

#include <libgen.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

/* ---- loading files -------------------------------------------------------------- */

/* The base an overlay at path lays over, for checking files without a database:
 * base.yaml beside the overlay's folder (workflows/overlays/x.yaml ->
 * workflows/base.yaml), else beside the overlay, else ./workflows/base.yaml.
 * OUT *wf. */
static int base_from_files(const char *path, const char *base_id, cf_workflow_t **wf,
                           cf_errlist_t *problems)
{
    char copy[1024], candidate[1200];
    snprintf(copy, sizeof(copy), "%s", path);
    const char *dir = dirname(copy);
    const char *const patterns[] = {"%s/../%s.yaml", "%s/%s.yaml", "workflows/%s.yaml"};
    for (size_t i = 0; i < 3; i++) {
        if (i < 2)
            snprintf(candidate, sizeof(candidate), patterns[i], dir, base_id);
        else
            snprintf(candidate, sizeof(candidate), patterns[i], base_id);
        char *buf;
        size_t len;
        if (cf__read_file(candidate, &buf, &len, NULL) != 0)
            continue;
        int rc = cf_workflow_parse(buf, len, candidate, wf, problems);
        free(buf);
        return rc;
    }
    cf_errlist_add(problems, path, 1, 1, "the overlay's base '%s' was not found beside it",
                   base_id);
    return CF_ENOTFOUND;
}

/* Lays the overlay text over its base: from the store when given, else from files. */
static int lay_over(const char *path, const char *buf, size_t len, const char *base_id,
                    cf_store_t *store, char **merged, size_t *merged_len, cf_errlist_t *problems)
{
    cf_workflow_t *base = NULL;
    cf_error_t err;
    int rc = store ? cf_store_workflow_get(store, base_id, 0, &base, NULL, &err)
                   : base_from_files(path, base_id, &base, problems);
    if (rc != 0 && store)
        cf_errlist_add(problems, path, 1, 1, "%s", err.text);
    if (rc == 0)
        rc = cf_overlay_apply(base->source, base->source_len, base->hash, buf, len, path, merged,
                              merged_len, problems);
    cf_workflow_free(base);
    return rc;
}

/* Reads and parses path; an overlay is first laid over its base (store may be
 * NULL: the base is then read from the files). Problems go to problems. OUT *wf. */
static int parse_definition(const char *path, cf_store_t *store, cf_workflow_t **wf,
                            cf_errlist_t *problems)
{
    char *buf, *merged = NULL, *base_id = NULL;
    size_t len, merged_len = 0;
    cf_error_t err;
    int rc = cf__read_file(path, &buf, &len, &err);
    if (rc != 0) {
        cf_errlist_add(problems, path, 0, 0, "%s", err.text);
        return rc;
    }
    int is_overlay = cf_overlay_base(buf, len, &base_id);
    if (is_overlay == 1)
        rc = lay_over(path, buf, len, base_id, store, &merged, &merged_len, problems);
    if (rc == 0 && merged) {
        char source[1100];
        snprintf(source, sizeof(source), "%s (laid over %s)", path, base_id);
        rc = cf_workflow_parse(merged, merged_len, source, wf, problems);
    } else if (rc == 0) {
        rc = cf_workflow_parse(buf, len, path, wf, problems);
    }
    free(merged);
    free(base_id);
    free(buf);
    return rc;
}

static int parse_file(const char *path, cf_workflow_t **wf, cf_errlist_t *problems)
{
    return parse_definition(path, NULL, wf, problems);
}

static void print_problems(cf_cli_t *cli, const cf_errlist_t *problems, size_t from)
{
    for (size_t i = from; i < problems->items_count; i++) {
        const cf_error_t *e = &problems->items[i];
        fprintf(cli->err, "%s:%d:%d: %s\n", e->source, e->line, e->column, e->text);
    }
}

static json_t *problems_json(const cf_errlist_t *problems, size_t from)
{
    json_t *a = json_array();
    for (size_t i = from; a && i < problems->items_count; i++) {
        const cf_error_t *e = &problems->items[i];
        json_array_append_new(a, json_pack("{s:s, s:i, s:i, s:s}", "file", e->source, "line",
                                           e->line, "column", e->column, "text", e->text));
    }
    return a;
}

/* Exported, documented in cli.h */
int cf__cmd_workflow_check(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "workflow check FILE... [--templates DIRS]");
    const char *templates_path = cf_render_path(cf__opt_value(argc, argv, "--templates"));
    cf_errlist_t problems = {0};
    json_t *files = json_array();
    int bad = 0;
    for (int i = 0; cf__opt_positional(argc, argv, i, NULL); i++) {
        const char *path = cf__opt_positional(argc, argv, i, NULL);
        size_t before = problems.items_count;
        cf_workflow_t *wf = NULL;
        int rc = parse_file(path, &wf, &problems);
        int templates = 0;
        if (rc == 0) { /* 文书 templates for its documents, against its facts */
            templates = cf__doc_check(wf, templates_path, &problems);
            rc = problems.items_count > before ? CF_EINVALID : 0;
        }
        bad |= rc != 0;
        json_array_append_new(files, json_pack("{s:s, s:b, s:s?, s:o}", "file", path, "ok", rc == 0,
                                               "hash", wf ? wf->hash : NULL, "problems",
                                               problems_json(&problems, before)));
        if (!cli->json && rc == 0)
            fprintf(cli->out,
                    "%s: ok (%s version %u, %u states, %u transitions, %u clocks, %d templates)\n",
                    path, wf->doc->id, wf->doc->version, wf->doc->states_count,
                    wf->doc->transitions_count, wf->doc->clocks_count, templates);
        if (!cli->json)
            print_problems(cli, &problems, before);
        cf_workflow_free(wf);
    }
    if (cli->json)
        cf__print_json(cli, files);
    else if (bad)
        fprintf(cli->err, "%zu problem(s) found\n", problems.items_count);
    json_decref(files);
    cf_errlist_free(&problems);
    return bad ? CF_EXIT_INPUT : CF_EXIT_OK;
}

/* Parses and stores one file (an overlay laid over its stored base); prints
 * what happened. */
static int load_one(cf_cli_t *cli, cf_store_t *store, const char *path, json_t *report)
{
    cf_errlist_t problems = {0};
    cf_workflow_t *wf = NULL;
    cf_error_t err;
    int version = 0, created = 0;
    int rc = parse_definition(path, store, &wf, &problems);
    if (rc != 0) {
        print_problems(cli, &problems, 0);
        json_array_append_new(
            report, json_pack("{s:s, s:o}", "file", path, "problems", problems_json(&problems, 0)));
        cf_errlist_free(&problems);
        return rc;
    }
    rc = cf_store_workflow_put(store, wf, &version, &created, &err);
    if (rc == 0 && !cli->json)
        fprintf(cli->out, "%s: %s %s version %d (%.12s)\n", path, wf->doc->id,
                created ? "stored as" : "unchanged,", version, wf->hash);
    if (rc == 0)
        json_array_append_new(report, json_pack("{s:s, s:s, s:i, s:b, s:s}", "file", path, "id",
                                                wf->doc->id, "version", version, "created", created,
                                                "hash", wf->hash));
    else
        cf__cli_fail(cli, rc, &err);
    cf_workflow_free(wf);
    cf_errlist_free(&problems);
    return rc;
}

typedef struct store_years_s {
    cf_cli_t *cli;
    cf_store_t *store;
} store_years_t;

/* Stores one calendar year (init): checked on its own, so that a bad file is
 * named before anything of it is stored. */
static int store_year(void *ctx, const char *path, const char *text, size_t len, cf_error_t *err)
{
    cf_cli_t *cli = ((store_years_t *)ctx)->cli;
    cf_store_t *store = ((store_years_t *)ctx)->store;
    cf_calendar_t *cal = NULL;
    int first = 0, last = 0;
    int rc = cf_calendar_new(&cal);
    if (rc == 0)
        rc = cf_calendar_load(cal, text, len, path, err);
    if (rc == 0) {
        cf_calendar_span(cal, &first, &last);
        rc = cf_store_calendar_put(store, first, text, err);
    }
    if (rc == 0 && !cli->json)
        fprintf(cli->out, "%s: calendar %d stored\n", path, first);
    cf_calendar_free(cal);
    return rc;
}

/* Stores every calendar in dir (validated first). A missing dir is not an error. */
static int load_calendars(cf_cli_t *cli, cf_store_t *store, const char *dir, cf_error_t *err)
{
    struct stat st;
    store_years_t ctx = {cli, store};
    if (stat(dir, &st) != 0)
        return 0;
    return cf__calendar_each_file(dir, store_year, &ctx, err);
}

/* Stores every 案由 dictionary in dir (the store checks each first). A missing dir
 * is not an error. */
static int load_causes(cf_cli_t *cli, cf_store_t *store, const char *dir, cf_error_t *err)
{
    char **paths = NULL;
    size_t n = 0;
    if (cf__dir_yaml(dir, &paths, &n, NULL) != 0)
        return 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        char *buf = NULL, id[128];
        size_t len;
        rc = cf__read_file(paths[i], &buf, &len, err);
        if (rc == 0)
            rc = cf_store_causes_put(store, buf, len, paths[i], id, sizeof(id), err);
        if (rc == 0 && !cli->json)
            fprintf(cli->out, "%s: 案由 dictionary %s stored\n", paths[i], id);
        free(buf);
    }
    cf__dir_free(paths, n);
    return rc;
}

/* Stores every overlay in dir/overlays (after the workflows they lay over). A
 * missing folder is not an error. */
static int load_overlays(cf_cli_t *cli, cf_store_t *store, const char *dir, json_t *report)
{
    char overlays[1024], **paths = NULL;
    size_t n = 0;
    snprintf(overlays, sizeof(overlays), "%s/overlays", dir);
    if (cf__dir_yaml(overlays, &paths, &n, NULL) != 0)
        return 0;
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        failed |= load_one(cli, store, paths[i], report) != 0;
    cf__dir_free(paths, n);
    return failed;
}

/* --abbr (of --agency's name), --number-pattern, --decision-pattern and
 * --archive-pattern, stored as settings. */
static int init_numbers(cf_store_t *store, const char *agency, int argc, char **argv,
                        cf_error_t *err)
{
    const char *abbr = cf__opt_value(argc, argv, "--abbr");
    const char *pattern = cf__opt_value(argc, argv, "--number-pattern");
    char key[160];
    int rc = 0;
    if (abbr && !agency)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--abbr is the abbreviation of --agency");
    if (pattern && !strstr(pattern, "{seq}"))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--number-pattern needs {seq}");
    snprintf(key, sizeof(key), "abbr:%s", agency ? agency : "");
    if (abbr)
        rc = cf_store_setting_set(store, key, abbr, err);
    if (rc == 0 && pattern)
        rc = cf_store_setting_set(store, CF_SETTING_NUMBER_PATTERN, pattern, err);
    /* the 决定书文号 and 档案号 (issue 20), each with its own counter */
    static const char *const more[][2] = {{"--decision-pattern", CF_SETTING_DECISION_PATTERN},
                                          {"--archive-pattern", CF_SETTING_ARCHIVE_PATTERN}};
    for (size_t i = 0; rc == 0 && i < 2; i++) {
        const char *p = cf__opt_value(argc, argv, more[i][0]);
        if (p && !strstr(p, "{seq}"))
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "%s needs {seq}", more[i][0]);
        else if (p)
            rc = cf_store_setting_set(store, more[i][1], p, err);
    }
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_init(cf_cli_t *cli, int argc, char **argv)
{
    const char *dir = cf__opt_value(argc, argv, "--workflows");
    dir = dir ? dir : cf__datadir_workflows();
    cf_store_t *store;
    cf_error_t err;
    char **paths = NULL, calendars[1024], causes[1024];
    size_t n = 0;
    int rc = cf_store_open(cli->db_path, &store, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    const char *agency = cf__opt_value(argc, argv, "--agency");
    if (agency && !*agency)
        rc = cf_error_set(&err, CF_EINVAL, NULL, 0, 0, "--agency must not be empty");
    else if (agency)
        rc = cf_store_setting_set(store, CF_SETTING_AGENCY, agency, &err);
    if (rc == 0)
        rc = init_numbers(store, agency, argc, argv, &err);
    snprintf(calendars, sizeof(calendars), "%s/calendars", dir);
    if (rc == 0)
        rc = load_calendars(cli, store, calendars, &err);
    snprintf(causes, sizeof(causes), "%s/causes", dir);
    if (rc == 0)
        rc = load_causes(cli, store, causes, &err);
    if (rc == 0)
        rc = cf__dir_yaml(dir, &paths, &n, &err);
    if (rc != 0) {
        cf_store_close(store);
        return cf__cli_fail(cli, rc, &err);
    }
    json_t *report = json_array();
    int failed = 0;
    for (size_t i = 0; i < n; i++)
        failed |= load_one(cli, store, paths[i], report) != 0;
    failed |= load_overlays(cli, store, dir, report) != 0;
    if (cli->json)
        cf__print_json(cli, report);
    else
        fprintf(cli->out, "%s: ready (%zu workflow file(s))\n", cli->db_path, n);
    json_decref(report);
    cf__dir_free(paths, n);
    cf_store_close(store);
    return failed ? CF_EXIT_INPUT : CF_EXIT_OK;
}

/* Exported, documented in cli.h */
int cf__cmd_workflow_load(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "workflow load FILE...");
    cf_store_t *store;
    cf_error_t err;
    int rc = cf_store_open_existing(cli->db_path, &store, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    json_t *report = json_array();
    int failed = 0;
    for (int i = 0; cf__opt_positional(argc, argv, i, NULL); i++)
        failed |= load_one(cli, store, cf__opt_positional(argc, argv, i, NULL), report) != 0;
    if (cli->json)
        cf__print_json(cli, report);
    json_decref(report);
    cf_store_close(store);
    return failed ? CF_EXIT_INPUT : CF_EXIT_OK;
}

/* Exported, documented in cli.h */
int cf__cmd_workflow_list(cf_cli_t *cli, int argc, char **argv)
{
    (void)argc, (void)argv;
    cf__session_t s;
    cf_error_t err;
    json_t *list = NULL;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0)
        rc = cf_store_workflow_list(s.store, &list, &err);
    cf__session_close(&s);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    size_t i;
    json_t *w;
    if (cli->json)
        cf__print_json(cli, list);
    else
        json_array_foreach(list, i, w)
            fprintf(cli->out, "%-18s v%-3lld %-8.8s %s  %s\n",
                    json_string_value(json_object_get(w, "id")),
                    (long long)json_integer_value(json_object_get(w, "version")),
                    json_string_value(json_object_get(w, "hash")),
                    json_string_value(json_object_get(w, "power_type")),
                    json_string_value(json_object_get(w, "title")));
    json_decref(list);
    return CF_EXIT_OK;
}
