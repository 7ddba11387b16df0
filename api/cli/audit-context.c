/*
 * audit-context.c -- what makes the auditor's HTML report one an auditor can
 * sign (audit-report.h "context"): the names people use instead of ids, the
 * context block (who, what, when, with which tool and rules), and the bases of
 * the law without the notes developers keep for themselves.
 *
 * Names: a report over many workflows keys its clocks and steps by id; the
 * Chinese name of each id is read from the stored definitions (states, clocks,
 * actions), the newest version's name winning where two versions differ. A name
 * given differently by two workflows is shown as both ("送达期限 / 送达期间"); a
 * report on one case names only from the definition that case pinned.
 *
 * Development notes: a workflow's `basis` may carry "（条款待核）" (or, in an older
 * overlay, "(to confirm)") where the article was not read in the law's text,
 * and notes like "seed 002 辛集：..." naming the source material a rule was
 * drawn from. Decision: the YAML keeps them (the project's rule), the JSON report
 * keeps the whole basis (a reviewer's tool), and the text an auditor or a party
 * reads (the HTML report) shows the citation without them: ASCII parentheticals
 * and the notes of cf_workflow_note_len are dropped, and a clause starting with
 * "seed " is cut up to the next '；'.
 * Rejected: a second `basis_note` field in every workflow (157 bases to move,
 * in files other engineers own).
 */
#include "audit-report.h"

#include "error.h"
#include "workflow.h"

#include <stdlib.h>
#include <string.h>

/* Exported, documented in audit-report.h */
char *cf__audit_public_text(const char *text)
{
    size_t n = text ? strlen(text) : 0;
    char *out = malloc(n + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = text; p && *p;) {
        size_t note = cf_workflow_note_len(p); /* "（条款待核）": a note, not the law */
        const char *close = *p == '(' ? strchr(p, ')') : NULL;
        if (note || close) { /* and any ASCII parenthetical */
            while (o > out && o[-1] == ' ')
                o--;
            p = note ? p + note : close + 1;
            continue;
        }
        if (strncmp(p, "seed ", 5) == 0 &&
            (p == text || p[-1] == ' ' || (unsigned char)p[-1] >= 0x80)) {
            const char *semi = strstr(p, "；");
            while (o > out && (o[-1] == ' ' || (o - out >= 3 && memcmp(o - 3, "；", 3) == 0)))
                o -= o[-1] == ' ' ? 1 : 3;
            if (!semi)
                break;
            p = semi;
            if (o == out)
                p += 3;
            continue;
        }
        *o++ = *p++;
    }
    *o = '\0';
    return out;
}

/* Adds id -> name to names, joining a different name already there. */
static void add_name(json_t *names, const char *id, const char *name)
{
    if (!id || !name || !*name)
        return;
    const char *had = json_string_value(json_object_get(names, id));
    if (!had) {
        json_object_set_new(names, id, json_string(name));
    } else if (!strstr(had, name)) {
        size_t len = strlen(had) + strlen(name) + 4;
        char *both = malloc(len);
        if (both) {
            snprintf(both, len, "%s / %s", had, name);
            json_object_set_new(names, id, json_string(both));
            free(both);
        }
    }
}

/* Exported, documented in audit-report.h */
int cf__audit_names(cf_store_t *s, const char *only_hash, json_t **names, json_t **workflows,
                    cf_error_t *err)
{
    json_t *list = NULL, *out = json_object(), *wfs = json_array(), *row;
    size_t i;
    int rc = out && wfs ? cf_store_workflow_list(s, &list, err) : CF_ENOMEM;
    json_array_foreach(list, i, row) {
        cf_workflow_t *wf = NULL;
        const char *hash = json_string_value(json_object_get(row, "hash"));
        if (rc != 0 || (only_hash && strcmp(only_hash, hash) != 0) ||
            cf_store_workflow_get_hash(s, hash, &wf, NULL) != 0)
            continue;
        const cf_wf_doc_t *d = wf->doc;
        for (unsigned k = 0; k < d->states_count; k++)
            add_name(out, d->states[k].id, d->states[k].name);
        for (unsigned k = 0; k < d->clocks_count; k++)
            add_name(out, d->clocks[k].id, d->clocks[k].name);
        for (unsigned k = 0; k < d->transitions_count; k++)
            add_name(out, d->transitions[k].action, d->transitions[k].label);
        json_array_append_new(wfs, json_pack("{s:s, s:O, s:s, s:s?}", "id", d->id, "version",
                                             json_object_get(row, "version"), "hash", hash, "title",
                                             d->title));
        cf_workflow_free(wf);
    }
    json_decref(list);
    if (rc != 0) {
        json_decref(out);
        json_decref(wfs);
        return rc;
    }
    *names = out;
    *workflows = wfs;
    return 0;
}

/* Exported, documented in audit-report.h */
const char *cf__audit_kind_name(const char *kind)
{
    static const char *const kinds[][2] = {
        {"deadline", "超过法定期限"},    {"order", "程序顺序不当"},
        {"rule", "违反程序规则"},        {"role", "越权（角色不符）"},
        {"clock", "期限记录不符"},       {"extension", "延长期限不当"},
        {"exclusion", "扣除期间不当"},   {"chain", "记录链断裂（疑似篡改）"},
        {"cache", "案件记录与事件不符"}, {"workflow", "流程定义不符"},
        {"requirement", "缺少法定要件"}, {"evidence", "证据登记不符"},
    };
    for (size_t i = 0; kind && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(kind, kinds[i][0]) == 0)
            return kinds[i][1];
    return kind ? kind : "";
}
