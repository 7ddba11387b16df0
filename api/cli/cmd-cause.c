/*
 * cmd-cause.c -- the 案由 commands: `cause load` and `cause list`; and what `case
 * open` needs of them: --cause (cmd-cause.h) and --officer.
 *
 *   caseflow cause load FILE...            store dictionaries (checked first)
 *   caseflow cause list [--subject TYPE]   every situation, by subject type and cause
 *   caseflow case open ... --cause ID --party-type TYPE [--officer NAME:CERT]...
 *
 * Design: the dictionaries are read from the store, never from the files, like
 * workflows: a case is opened under what the bureau loaded, and `caseflow init`
 * loads every file in workflows/causes/. --cause is resolved by the operation
 * layer (api/ops, cf_ops_open), for the command line and the API alike; the rule
 * that the party must be of the cause's subject type is the engine's
 * (cf_cause_check_party), reported as a refusal with the dictionary's document
 * for its article. The case keeps its own copy of the situation, so a dictionary
 * replaced later does not change what an old case was opened under.
 */
#include "cmd-cause.h"
#include "ops.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>

/* ---- case open: --officer ------------------------------------------------------- */

/* Splits "NAME:CERT" (or "NAME：CERT") into a new {name, cert}, or NULL. */
static json_t *officer_of(const char *text)
{
    const char *sep = strrchr(text, ':');
    size_t sep_len = 1;
    if (!sep && (sep = strstr(text, "：")) != NULL)
        sep_len = strlen("：");
    if (!sep || sep == text || sep[sep_len] == '\0')
        return NULL;
    return json_pack("{s:s%, s:s}", "name", text, (size_t)(sep - text), "cert", sep + sep_len);
}

/* Exported, documented in cmd-cause.h */
int cf__officers_of(int argc, char **argv, json_t **officers, cf_error_t *err)
{
    const char *vals[64];
    int n = cf__opt_values(argc, argv, "--officer", vals, 64);
    *officers = NULL;
    if (n == 0)
        return 0;
    json_t *list = json_array();
    int rc = list ? 0 : CF_ENOMEM;
    for (int i = 0; rc == 0 && i < n; i++) {
        json_t *o = officer_of(vals[i]);
        if (!o)
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                              "--officer '%s' is not NAME:CERTNO (姓名:执法证号)", vals[i]);
        else if (json_array_append_new(list, o) != 0)
            rc = CF_ENOMEM;
    }
    if (rc != 0) {
        json_decref(list);
        return rc;
    }
    *officers = list;
    return 0;
}

/* ---- cause load ------------------------------------------------------------------- */

/* Checks, stores and reports one file. */
static int load_one(cf_cli_t *cli, cf_store_t *store, const char *path, json_t *report)
{
    char *buf = NULL, id[128];
    size_t len = 0;
    cf_error_t err;
    cf_causes_t *set = NULL;
    int rc = cf__read_file(path, &buf, &len, &err);
    if (rc == 0)
        rc = cf_causes_new(&set);
    if (rc == 0)
        rc = cf_causes_load(set, buf, len, path, &err);
    if (rc == 0)
        rc = cf_store_causes_put(store, buf, len, path, id, sizeof(id), &err);
    if (rc == 0) {
        const cf_cause_dict_t *d = cf_causes_dict(set, 0);
        unsigned situations = 0;
        for (unsigned i = 0; i < d->causes_count; i++)
            situations += d->causes[i].situations_count;
        if (!cli->json)
            fprintf(cli->out,
                    "%s: 案由 dictionary %s stored (%s; %u subject types, %u causes, %u "
                    "situations)\n",
                    path, id, d->source->document, d->subject_types_count, d->causes_count,
                    situations);
        json_array_append_new(
            report, json_pack("{s:s, s:s, s:s, s:i, s:i, s:i}", "file", path, "id", id, "document",
                              d->source->document, "subject_types", (int)d->subject_types_count,
                              "causes", (int)d->causes_count, "situations", (int)situations));
    } else {
        cf__cli_fail(cli, rc, &err);
    }
    cf_causes_free(set);
    free(buf);
    return rc;
}

/* Exported, documented in cli.h */
int cf__cmd_cause_load(cf_cli_t *cli, int argc, char **argv)
{
    if (!cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "cause load FILE...");
    cf_store_t *store;
    cf_error_t err;
    int rc = cf_store_open_existing(cli->db_path, &store, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    json_t *report = json_array();
    int first = 0;
    for (int i = 0; cf__opt_positional(argc, argv, i, NULL); i++) {
        rc = load_one(cli, store, cf__opt_positional(argc, argv, i, NULL), report);
        if (rc != 0 && first == 0)
            first = rc;
    }
    if (cli->json && first == 0)
        cf__print_json(cli, report);
    json_decref(report);
    cf_store_close(store);
    return cf__cli_exit_code(first);
}

/* ---- cause list ------------------------------------------------------------------- */

/* The subject type of d that --subject names; 1 if d has none by that name (and
 * subject was given), so the dictionary is skipped. */
static int skip_dict(const cf_cause_dict_t *d, const char *subject, const cf_cause_subject_t **only)
{
    *only = subject ? cf_cause_subject(d, subject) : NULL;
    return subject && !*only;
}

static void print_dict(cf_cli_t *cli, const cf_cause_dict_t *d, const cf_cause_subject_t *only)
{
    fprintf(cli->out, "%s  %s — %s%s%s%s\n", d->id, d->name, d->source->document,
            d->source->issuer ? " (" : "", d->source->issuer ? d->source->issuer : "",
            d->source->issuer ? ")" : "");
    for (unsigned s = 0; s < d->subject_types_count; s++) {
        const cf_cause_subject_t *st = &d->subject_types[s];
        if (only && only != st)
            continue;
        fprintf(cli->out, "  %s (%s)\n", st->name, st->id);
        for (unsigned i = 0; i < d->causes_count; i++) {
            const cf_cause_t *k = &d->causes[i];
            if (strcmp(k->subject, st->id) != 0)
                continue;
            fprintf(cli->out, "    %s [%s]\n", k->name, k->id);
            for (unsigned j = 0; j < k->situations_count; j++) {
                char ref[160];
                snprintf(ref, sizeof(ref), "%s:%u", d->id, k->situations[j].no);
                fprintf(cli->out, "      %-11s %s\n", ref, k->situations[j].text);
            }
        }
    }
}

/* Exported, documented in cli.h */
int cf__cmd_cause_list(cf_cli_t *cli, int argc, char **argv)
{
    const char *subject = cf__opt_value(argc, argv, "--subject");
    if (cf__opt_positional(argc, argv, 0, NULL))
        return cf__cli_usage(cli, "cause list [--subject TYPE]   (TYPE: an id such as provider, "
                                  "or a name such as 定点医药机构)");
    cf__session_t s;
    cf_error_t err;
    cf_causes_t *set = NULL;
    int rc = cf__session_open(cli, &s, CF__SESSION_READONLY, &err);
    if (rc == 0)
        rc = cf_store_causes_load(s.store, &set, &err);
    cf__session_close(&s);
    json_t *out = NULL;
    size_t shown = 0;
    if (rc == 0 && cli->json) /* one list for the command line and GET /v1/causes */
        rc = cf_ops_cause_list(set, subject, &out, &err);
    for (size_t i = 0; rc == 0 && !cli->json && i < cf_causes_count(set); i++) {
        const cf_cause_dict_t *d = cf_causes_dict(set, i);
        const cf_cause_subject_t *only;
        if (skip_dict(d, subject, &only))
            continue;
        shown++;
        print_dict(cli, d, only);
    }
    if (rc == 0 && !cli->json && subject && !shown)
        rc = cf_error_set(&err, CF_ENOTFOUND, NULL, 0, 0,
                          "no stored 案由 dictionary has a subject type '%s'", subject);
    if (rc == 0 && cli->json)
        cf__print_json(cli, out);
    else if (rc == 0 && !cf_causes_count(set))
        fprintf(cli->err, "caseflow: no 案由 dictionary is stored (caseflow init, or caseflow "
                          "cause load FILE)\n");
    json_decref(out);
    cf_causes_free(set);
    return rc == 0 ? CF_EXIT_OK : cf__cli_fail(cli, rc, &err);
}
