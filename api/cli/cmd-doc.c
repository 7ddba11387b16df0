/*
 * cmd-doc.c -- `doc list` and `doc render`: the 文书 a case's state asks for,
 * and a document rendered from the case as PDF (render/render.h).
 *
 * Rendering reads the case and its events and writes nothing to the database:
 * a rendered document goes on the chain only when it is attached to the
 * action that needs it (`case act ... --render NAME`, cmd-case.c), exactly
 * as a --doc file would. The template path is --templates, else
 * $CASEFLOW_TEMPLATES, else workflows/templates (docs/documents.md). The list is
 * the operation layer's (api/ops/ops-doc.c), as GET /v1/cases/{id}/documents gives it.
 */
#include "ops.h"
#include "session.h"

#include <stdlib.h>
#include <string.h>

#include "render.h"

/* The 案由 record an action giving the fact cause (a dictionary id) will give
 * the case (law's filing step), for a case that has none yet: new reference,
 * or NULL (no such fact, a case with one already, an id not in the stored
 * dictionaries: the fill then falls back to the fact's text). */
static json_t *cause_to_be(cf_store_t *store, const cf_case_t *c, const json_t *extra)
{
    const char *id = json_string_value(json_object_get(extra, "cause"));
    cf_causes_t *set = NULL;
    cf_cause_ref_t ref;
    json_t *rec = NULL;
    if (!id || c->cause || cf_store_causes_load(store, &set, NULL) != 0)
        return NULL;
    if (cf_causes_lookup(set, id, &ref, NULL) == 0)
        rec = cf_cause_ref_json(&ref);
    cf_causes_free(set);
    return rec;
}

/* Exported, documented in session.h */
int cf__doc_render(cf_store_t *store, const char *path, const cf_workflow_t *wf, const cf_case_t *c,
                   const char *name, const json_t *extra, cf_time_t date, unsigned char **pdf,
                   size_t *len, cf_error_t *err)
{
    json_t *events = NULL;
    int rc = cf_store_case_events(store, c->id, &events, err);
    if (rc != 0)
        return rc;
    cf_case_t as_acted = *c; /* a shallow copy, never disposed: only its cause differs */
    json_t *cause = cause_to_be(store, c, extra);
    if (cause)
        as_acted.cause = cause;
    cf_wenshu_input_t in = {.wf = wf,
                            .c = &as_acted,
                            .events = events,
                            .extra = extra,
                            .date = date ? date : cf_render_doc_date(c, events, name)};
    rc = cf_render_case_doc(cf_render_path(path), name, &in, pdf, len, err);
    json_decref(cause);
    json_decref(events);
    return rc;
}

/* Exported, documented in session.h */
int cf__doc_check(const cf_workflow_t *wf, const char *path, cf_errlist_t *problems)
{
    int checked = 0;
    json_t *seen = json_object();
    for (unsigned i = 0; seen && i < wf->doc->transitions_count; i++) {
        const cf_wf_requires_t *r = wf->doc->transitions[i].requires;
        for (unsigned k = 0; r && k < r->documents_count; k++) {
            const char *name = r->documents[k];
            cf_wenshu_tpl_t *t = NULL;
            cf_error_t err;
            if (json_object_get(seen, name))
                continue;
            json_object_set_new(seen, name, json_true());
            int rc = cf_render_template_find(path, name, &t, &err);
            if (rc != 0 && rc != CF_ENOTFOUND) /* none for this document: nothing to check */
                cf_errlist_add(problems, err.source, err.line, err.column, "%s", err.text);
            else if (rc == 0 && cf_wenshu_tpl_serves(t, wf->doc->id) && ++checked)
                cf_wenshu_check(t, wf, name, problems);
            cf_wenshu_tpl_free(t);
        }
    }
    json_decref(seen);
    return checked;
}

/* Prints text padded to width terminal columns (a CJK character takes two:
 * printf's widths count bytes), and at least one space: a name as wide as the column
 * (先行登记保存物品处理通知书) is not run into the next one. */
static void cell(FILE *f, const char *text, int width)
{
    int cols = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xC0) != 0x80)
            cols += *p >= 0xE0 ? 2 : 1;
    fprintf(f, "%s%*s", text, width > cols ? width - cols : 1, "");
}

/* Exported, documented in cli.h */
int cf__cmd_doc_list(cf_cli_t *cli, int argc, char **argv)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    if (!id)
        return cf__cli_usage(cli, "doc list CASE [--templates DIRS]");
    char *end = NULL, state[128] = "";
    long long case_id = strtoll(id, &end, 10);
    cf_error_t err;
    cf_error_clear(&err);
    if (*end || case_id <= 0)
        return cf__cli_fail(
            cli, cf_error_set(&err, CF_EINVAL, NULL, 0, 0, "'%s' is not a case number", id), &err);
    cf_ops_doc_list_t in = {.case_id = case_id,
                            .templates = cf__opt_value(argc, argv, "--templates")};
    cf__session_t s;
    json_t *list = NULL;
    int rc = cf__session_open(cli, &s, 0, &err);
    if (rc == 0) {
        rc = cf_ops_doc_list(s.store, &in, &list, state, sizeof(state), &err);
        cf__session_close(&s);
    }
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    size_t i;
    json_t *d;
    if (cli->json)
        cf__print_json(cli, list);
    else {
        fprintf(cli->out, "case %lld in %s\n", case_id, state);
        cell(cli->out, "document", 26);
        fprintf(cli->out, "%-22s %-9s %s\n", "needed by", "template", "attached");
        json_array_foreach(list, i, d) {
            const char *action = json_string_value(json_object_get(d, "action"));
            const char *sha = json_string_value(json_object_get(d, "attached"));
            cell(cli->out, json_string_value(json_object_get(d, "name")), 26);
            fprintf(cli->out, "%-22s %-9s %.16s%s\n", action ? action : "(held)",
                    json_is_true(json_object_get(d, "template")) ? "yes" : "no", sha ? sha : "-",
                    sha ? "…" : "");
        }
    }
    json_decref(list);
    return CF_EXIT_OK;
}

static int write_out(const char *file, const unsigned char *pdf, size_t len, cf_error_t *err)
{
    FILE *f = fopen(file, "wb");
    if (!f)
        return cf_error_set(err, CF_EIO, file, 0, 0, "cannot create");
    size_t n = fwrite(pdf, 1, len, f);
    int bad = fclose(f) != 0 || n != len;
    if (bad)
        remove(file);
    return bad ? cf_error_set(err, CF_EIO, file, 0, 0, "write failed") : 0;
}

/* Exported, documented in cli.h */
int cf__cmd_doc_render(cf_cli_t *cli, int argc, char **argv)
{
    const char *id = cf__opt_positional(argc, argv, 0, NULL);
    const char *name = cf__opt_positional(argc, argv, 1, NULL);
    const char *out = cf__opt_value(argc, argv, "--out");
    const char *at = cf__opt_value(argc, argv, "--at");
    if (!id || !name)
        return cf__cli_usage(cli, "doc render CASE NAME [--out FILE] [--at TIME] "
                                  "[--fact K=V]... [--templates DIRS]");
    cf__session_t s;
    cf_error_t err;
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    cf_time_t date = 0;
    unsigned char *pdf = NULL;
    size_t len = 0;
    cf_error_clear(&err);
    int rc = at ? cf_time_parse(at, &date, &err) : 0;
    if (rc == 0)
        rc = cf__session_open(cli, &s, 0, &err);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if ((rc = cf__session_case(&s, id, &c, &wf, &err)) == 0) {
        json_t *facts = NULL; /* --fact: a preview with facts not recorded yet */
        rc = cf__facts_of(argc, argv, &facts, &err);
        if (rc == 0)
            rc = cf__doc_render(s.store, cf__opt_value(argc, argv, "--templates"), wf, &c, name,
                                facts, date, &pdf, &len, &err);
        json_decref(facts);
        cf_workflow_free(wf);
        cf_case_dispose(&c);
    }
    cf__session_close(&s);
    if (rc == 0 && out)
        rc = write_out(out, pdf, len, &err);
    else if (rc == 0 && (fflush(cli->out), fwrite(pdf, 1, len, cli->raw) != len))
        rc = cf_error_set(&err, CF_EIO, NULL, 0, 0, "write failed");
    free(pdf);
    if (rc != 0)
        return cf__cli_fail(cli, rc, &err);
    if (out && !cli->json)
        fprintf(cli->err, "%s: %s, %zu bytes\n", out, name, len);
    return CF_EXIT_OK;
}
