/*
 * ops-doc.c -- the 文书 of a case (issue 17 item 3): what `caseflow doc list` prints
 * and GET /v1/cases/{id}/documents answers, from the same function.
 *
 * For each action open from the case's state, the documents it requires, whether a
 * template renders it (render/render.h: the templates on the path given, for the
 * case's workflow) and the SHA-256 of the one attached, if any; then the documents
 * the case holds, which no open action names again (action null). Nothing is
 * written; rendering itself stays in the front ends (`doc render`, GET
 * /v1/cases/{id}/documents/{name}.pdf).
 */
#include "ops-int.h"

#include <stdio.h>

#include "render.h"

static json_t *doc_list(const cf_workflow_t *wf, const cf_case_t *c, const char *path)
{
    json_t *out = json_array();
    for (unsigned i = 0; out && i < wf->doc->transitions_count; i++) {
        const cf_wf_transition_t *t = &wf->doc->transitions[i];
        if (!t->requires || !cf_workflow_from_matches(wf, t, c->state))
            continue;
        for (unsigned k = 0; k < t->requires->documents_count; k++) {
            const char *name = t->requires->documents[k];
            json_t *have = json_object_get(c->documents, name);
            json_array_append_new(
                out, json_pack("{s:s, s:s, s:b, s:s?}", "name", name, "action", t->action,
                               "template", cf_render_has_template(path, name, c->workflow_id),
                               "attached", json_string_value(json_object_get(have, "sha256"))));
        }
    }
    const char *key;
    json_t *v;
    json_object_foreach(c->documents, key, v)
        json_array_append_new(
            out, json_pack("{s:s, s:n, s:b, s:s?}", "name", key, "action", "template",
                           cf_render_has_template(path, key, c->workflow_id), "attached",
                           json_string_value(json_object_get(v, "sha256"))));
    return out;
}

/* Exported, documented in ops.h */
int cf_ops_doc_list(cf_store_t *s, const cf_ops_doc_list_t *in, json_t **list, char *state,
                    size_t size, cf_error_t *err)
{
    cf_case_t c;
    cf_workflow_t *wf = NULL;
    int rc = cf__ops_visible(s, in->agency, in->case_id, err);
    if (rc == 0)
        rc = cf_store_case_get(s, in->case_id, &c, err);
    if (rc != 0)
        return rc;
    rc = cf_store_workflow_get_hash(s, c.workflow_hash, &wf, err);
    json_t *out = rc == 0 ? doc_list(wf, &c, cf_render_path(in->templates)) : NULL;
    if (rc == 0 && !out)
        rc = cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == 0) {
        *list = out;
        if (state)
            snprintf(state, size, "%s", c.state);
    }
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    return rc;
}
