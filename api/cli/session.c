/*
 * session.c -- shared command plumbing: opening the store and calendar, loading
 * a case with its pinned workflow (for the commands that read), printing
 * refusals. What a change does is the operation layer's (api/ops); the commands
 * that change a case only translate argv into its input (cmd-case.c). See
 * session.h.
 */
#include "session.h"

#include "ops.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The summaries of the cases from before schema 10 (cf_ops_summaries_backfill):
 * written through store when it writes, else, when the database is marked as
 * lacking some, through a writing connection opened for it, so that the first
 * `caseflow stats` after an upgrade already counts every case. */
static int backfill(cf_cli_t *cli, cf_store_t *store, int readonly, cf_error_t *err)
{
    int64_t n = 0;
    json_t *ids = NULL;
    if (!readonly)
        return cf_ops_summaries_backfill(store, &n, err);
    int rc = cf_store_summary_missing(store, &ids, err);
    size_t missing = json_array_size(ids);
    json_decref(ids);
    cf_store_t *w = NULL;
    if (rc == 0 && missing && (rc = cf_store_open_existing(cli->db_path, &w, err)) == 0) {
        rc = cf_ops_summaries_backfill(w, &n, err);
        cf_store_close(w);
    }
    return rc;
}

/* Exported, documented in session.h */
int cf__session_open(cf_cli_t *cli, cf__session_t *s, int with_calendar, cf_error_t *err)
{
    memset(s, 0, sizeof(*s));
    int rc = with_calendar & CF__SESSION_READONLY
                 ? cf_store_open_readonly(cli->db_path, &s->store, err)
                 : cf_store_open_existing(cli->db_path, &s->store, err);
    if (rc == 0)
        rc = backfill(cli, s->store, with_calendar & CF__SESSION_READONLY, err);
    if (rc == 0 && (with_calendar & 1))
        rc = cf_store_calendar_load(s->store, &s->cal, err);
    if (rc != 0)
        cf__session_close(s);
    return rc;
}

/* Exported, documented in session.h */
void cf__session_close(cf__session_t *s)
{
    cf_calendar_free(s->cal);
    cf_store_close(s->store);
    memset(s, 0, sizeof(*s));
}

/* Exported, documented in session.h */
int cf__session_case(cf__session_t *s, const char *id_text, cf_case_t *c, cf_workflow_t **wf,
                     cf_error_t *err)
{
    char *end = NULL;
    long long id = id_text ? strtoll(id_text, &end, 10) : 0;
    if (!id_text || *end || id <= 0)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "'%s' is not a case number",
                            id_text ? id_text : "");
    int rc = cf_store_case_get(s->store, id, c, err);
    if (rc != 0)
        return rc;
    rc = cf_store_workflow_get_hash(s->store, c->workflow_hash, wf, err);
    if (rc != 0)
        cf_case_dispose(c);
    return rc;
}

/* Exported, documented in session.h */
void cf__print_json(cf_cli_t *cli, const json_t *value)
{
    json_dumpf(value, cli->out, JSON_INDENT(2) | JSON_ENCODE_ANY);
    fputc('\n', cli->out);
}

static void print_list(FILE *f, const char *label, const json_t *list)
{
    size_t i;
    json_t *v;
    if (!json_array_size(list))
        return;
    fprintf(f, " %s", label);
    json_array_foreach(list, i, v)
        fprintf(f, "%s%s", i ? "、" : "", json_string_value(v));
}

/* Prints the allowed actions as people read them: one line each, with what it
 * still needs. Shared with `case show`. */
void cf__print_allowed(FILE *f, const json_t *allowed)
{
    size_t i;
    json_t *a;
    if (!json_array_size(allowed)) {
        fprintf(f, "  (none: the case is closed)\n");
        return;
    }
    json_array_foreach(allowed, i, a) {
        json_t *roles = json_object_get(a, "roles");
        json_t *missing = json_object_get(a, "missing");
        fprintf(f, "  %-22s %s -> %s  [", json_string_value(json_object_get(a, "action")),
                json_string_value(json_object_get(a, "label")),
                json_string_value(json_object_get(a, "to")));
        size_t j;
        json_t *r;
        json_array_foreach(roles, j, r)
            fprintf(f, "%s%s", j ? "," : "", json_string_value(r));
        fprintf(f, "]");
        if (json_object_get(a, "guard"))
            fprintf(f, " if %s", json_string_value(json_object_get(a, "guard")));
        print_list(f, "needs facts:", json_object_get(missing, "facts"));
        print_list(f, "needs documents:", json_object_get(missing, "documents"));
        fputc('\n', f);
    }
}

/* Exported, documented in session.h */
int cf__print_refusal(cf_cli_t *cli, int code, const cf_refusal_t *why)
{
    if (cli->json) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "error", cf_errname(code), "message",
                              cf_strerror(code), "text", why->text);
        if (o && why->rule[0]) {
            json_object_set_new(o, "rule", json_string(why->rule));
            json_object_set_new(o, "article", json_string(why->article));
        }
        if (o && why->allowed)
            json_object_set(o, "allowed", why->allowed);
        if (o)
            cf__print_json(cli, o);
        json_decref(o);
        return cf__cli_exit_code(code);
    }
    fprintf(cli->err, "caseflow: refused: %s\n", why->text);
    if (why->rule[0])
        fprintf(cli->err, "  rule %s, %s\n", why->rule, why->article);
    if (why->allowed) {
        fprintf(cli->err, "allowed now:\n");
        cf__print_allowed(cli->err, why->allowed);
    }
    return cf__cli_exit_code(code);
}

/* Exported, documented in session.h */
const char *cf__actor_of(int argc, char **argv)
{
    const char *a = cf__opt_value(argc, argv, "--actor");
    if (a)
        return *a ? a : NULL;
    a = getenv("CASEFLOW_ACTOR");
    if (!a || !*a)
        a = getenv("USER");
    return a && *a ? a : NULL; /* none: the operation refuses (cf__ops_who) */
}

/* Exported, documented in session.h */
int cf__split_kv(const char *text, char **key, const char **value)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text)
        return CF_EINVAL;
    *key = strndup(text, (size_t)(eq - text));
    *value = eq + 1;
    return *key ? 0 : CF_ENOMEM;
}

/* Exported, documented in session.h */
int cf__facts_of(int argc, char **argv, json_t **facts, cf_error_t *err)
{
    const char *vals[256];
    int n = cf__opt_values(argc, argv, "--fact", vals, 256);
    json_t *out = json_object();
    int rc = out ? 0 : CF_ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++) {
        char *key = NULL;
        const char *value;
        if (cf__split_kv(vals[i], &key, &value) != 0)
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--fact '%s' is not NAME=VALUE", vals[i]);
        else if (json_object_set_new(out, key, json_string(value)) != 0)
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--fact '%s' is not UTF-8 text", vals[i]);
        free(key);
    }
    if (rc != 0)
        json_decref(out);
    else
        *facts = out;
    return rc;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Exported, documented in session.h */
int cf__dir_yaml(const char *dir, char ***paths, size_t *count, cf_error_t *err)
{
    DIR *d = opendir(dir);
    if (!d)
        return cf_error_set(err, CF_EIO, dir, 0, 0, "cannot open directory: %s", strerror(errno));
    char **out = NULL;
    size_t n = 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0 || e->d_name[0] == '.')
            continue;
        char **grown = realloc(out, (n + 1) * sizeof(*out));
        size_t size = strlen(dir) + len + 2;
        char *path = grown ? malloc(size) : NULL;
        if (grown)
            out = grown;
        if (!path) {
            rc = CF_ENOMEM;
            break;
        }
        snprintf(path, size, "%s/%s", dir, e->d_name);
        out[n++] = path;
    }
    closedir(d);
    if (rc != 0) {
        cf__dir_free(out, n);
        return rc;
    }
    if (n)
        qsort(out, n, sizeof(*out), by_name);
    *paths = out;
    *count = n;
    return 0;
}

/* Exported, documented in session.h */
void cf__dir_free(char **paths, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(paths[i]);
    free(paths);
}
