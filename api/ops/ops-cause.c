/*
 * ops-cause.c -- the 案由 dictionaries as a list, one shape for `caseflow cause list
 * --json` and the daemon's GET /v1/causes (the workbench's 案由 picker, filtered by
 * the party's subject type): every situation as cf_cause_ref_json gives it, with its
 * "ref" ("js-2024:14", what --cause and the API's "cause" take).
 */
#include "ops.h"

#include <stdio.h>

/* Appends d's situations (of subject type only, or all) to out. */
static int list_dict(const cf_cause_dict_t *d, const cf_cause_subject_t *only, json_t *out)
{
    for (unsigned i = 0; i < d->causes_count; i++) {
        const cf_cause_t *k = &d->causes[i];
        const cf_cause_subject_t *st = cf_cause_subject(d, k->subject);
        if (only && only != st)
            continue;
        for (unsigned j = 0; j < k->situations_count; j++) {
            cf_cause_ref_t r = {
                .dict = d, .subject = st, .cause = k, .situation = &k->situations[j]};
            char ref[160];
            snprintf(ref, sizeof(ref), "%s:%u", d->id, k->situations[j].no);
            json_t *o = cf_cause_ref_json(&r);
            if (!o || json_object_set_new(o, "ref", json_string(ref)) != 0 ||
                json_array_append_new(out, o) != 0)
                return CF_ENOMEM;
        }
    }
    return 0;
}

/* Exported, documented in ops.h */
int cf_ops_cause_list(const cf_causes_t *set, const char *subject, json_t **list, cf_error_t *err)
{
    json_t *out = json_array();
    size_t shown = 0;
    int rc = out ? 0 : cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    for (size_t i = 0; rc == 0 && i < cf_causes_count(set); i++) {
        const cf_cause_dict_t *d = cf_causes_dict(set, i);
        const cf_cause_subject_t *only = subject ? cf_cause_subject(d, subject) : NULL;
        if (subject && !only)
            continue;
        shown++;
        if (list_dict(d, only, out) != 0)
            rc = cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    }
    if (rc == 0 && subject && !shown)
        rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                          "no stored 案由 dictionary has a subject type '%s'", subject);
    if (rc != 0) {
        json_decref(out);
        return rc;
    }
    *list = out;
    return 0;
}
