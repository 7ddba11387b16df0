/*
 * party.c -- the kind of party a case is against (公民, or 法人、其他组织), and the
 * amounts of money among its facts.
 *
 * The law's thresholds split parties in two (行政处罚法 第五十一条 for the summary
 * procedure, 第六十三条 for the hearing right), and that split is not the 案由's
 * subject type: a 定点医药机构 is usually a 法人 but may be a 个体诊所 run by a
 * 个体工商户. The workflow's `party_kinds` maps party types to kinds (data, so a
 * province can lay its own over it); the kind is fixed when the case is opened
 * (the fact party_type, recorded in the case.opened event) and no later action may
 * contradict it. The alternative, a fact a handler types at each step, is what let
 * a 自然人 be fined as an organisation.
 *
 * Amounts are facts of type `amount`: canonical yuan text in the record (money.h).
 * Guards compare them with literals written in yuan, so for a guard the engine
 * shows each amount as its number of yuan (fen / 100, exact for whole yuan; only
 * ever compared, never summed).
 */
#include "engine-int.h"
#include "engine.h"
#include "money.h"

#include <stdio.h>
#include <string.h>

static int listed(char *const *list, unsigned n, const char *word)
{
    return word && cf_workflow_list_has(list, n, word);
}

/* The kind whose id or name is text, or NULL. */
static const cf_wf_party_kind_t *kind_named(const cf_wf_doc_t *d, const char *text)
{
    for (unsigned i = 0; text && i < d->party_kinds_count; i++)
        if (!strcmp(d->party_kinds[i].id, text) || !strcmp(d->party_kinds[i].name, text))
            return &d->party_kinds[i];
    return NULL;
}

/* Exported, documented in engine.h */
int cf_engine_party_kind(const cf_workflow_t *wf, const json_t *party, const char **kind,
                         cf_error_t *err)
{
    const cf_wf_doc_t *d = wf->doc;
    const char *type = json_string_value(json_object_get(party, "type"));
    const char *asked = json_string_value(json_object_get(party, "kind"));
    *kind = NULL;
    if (!d->party_kinds_count)
        return 0;
    const cf_wf_party_kind_t *k = asked ? kind_named(d, asked) : NULL;
    if (asked && !k)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "party kind '%s' is not one of workflow '%s' (citizen 公民 or "
                            "organisation 法人或者其他组织)",
                            asked, d->id);
    if (k && type && !listed(k->types, k->types_count, type) &&
        !listed(k->also, k->also_count, type))
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "a party of type '%s' cannot be a %s (%s): see party_kinds in "
                            "workflow '%s'",
                            type, k->id, k->name, d->id);
    for (unsigned i = 0; !k && type && i < d->party_kinds_count; i++)
        if (listed(d->party_kinds[i].types, d->party_kinds[i].types_count, type))
            k = &d->party_kinds[i];
    if (type && !k)
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "party type '%s' is not mapped to a kind of party by workflow '%s' "
                            "(公民 or 法人或者其他组织): give a type its party_kinds list, or "
                            "--party-kind",
                            type, d->id);
    *kind = k ? k->id : NULL;
    return 0;
}

/* The situation a 案由 record names, "js-2024:14", into out. */
static void situation_of(const json_t *cause, char *out, size_t size)
{
    snprintf(out, size, "%s:%lld", json_string_value(json_object_get(cause, "dictionary")),
             (long long)json_integer_value(json_object_get(cause, "situation")));
}

/* Exported, documented in engine-int.h */
int cf__party_open(const cf_workflow_t *wf, const cf_open_t *req, json_t *ev, cf_refusal_t *why)
{
    const char *kind = NULL;
    cf_error_t err;
    if (cf_engine_party_kind(wf, req->party, &kind, &err) != 0)
        return cf__refuse(why, CF_EINVALID, "%s", err.text);
    const json_t *given = json_object_get(req->facts, "party_type");
    if (given && (!kind || !json_is_string(given) || strcmp(json_string_value(given), kind)))
        return cf__refuse(why, CF_EINVALID,
                          "fact 'party_type' is the case's own, from the party's type at "
                          "opening (%s): it cannot be given as a fact",
                          kind ? kind : "not given");
    json_t *party = json_object_get(ev, "party"), *facts = json_object_get(ev, "facts");
    if (req->cause && cf_workflow_fact(wf, "cause") && !json_object_get(facts, "cause")) {
        char id[160]; /* opened under a 案由: the fact cause names its situation */
        situation_of(req->cause, id, sizeof(id));
        if (json_object_set_new(facts, "cause", json_string(id)))
            return CF_ENOMEM;
    }
    if (!kind)
        return 0;
    if (json_object_set_new(party, "kind", json_string(kind)) ||
        (cf_workflow_fact(wf, "party_type") &&
         json_object_set_new(facts, "party_type", json_string(kind))))
        return CF_ENOMEM;
    return 0;
}

/* Exported, documented in engine-int.h */
int cf__party_act(const cf_workflow_t *wf, const cf_case_t *c, const cf_act_t *req,
                  cf_refusal_t *why)
{
    const json_t *given = json_object_get(req->facts, "party_type");
    if (!wf->doc->party_kinds_count || !given ||
        json_equal((json_t *)given, json_object_get(c->facts, "party_type")))
        return 0;
    const char *kind = json_string_value(json_object_get(c->facts, "party_type"));
    return cf__refuse(why, CF_EINVALID,
                      "fact 'party_type' is the case's own, set at opening from the party's "
                      "type (%s): an action cannot change it",
                      kind ? kind : "not given");
}

/* Exported, documented in engine-int.h */
int cf__facts_only_by(const cf_workflow_t *wf, const cf_act_t *req, cf_refusal_t *why)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)req->facts, key, v) {
        const cf_wf_fact_t *f = cf_workflow_fact(wf, key);
        if (!f || !f->only_by_count ||
            cf_workflow_list_has(f->only_by, f->only_by_count, req->action))
            continue;
        char list[512] = "";
        for (unsigned i = 0; i < f->only_by_count; i++)
            snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
                     f->only_by[i]);
        return cf__refuse(why, CF_EINVALID,
                          "fact '%s' (%s) may be changed only by the actions meant for it (%s), "
                          "not by '%s'",
                          key, f->name ? f->name : key, list, req->action);
    }
    return 0;
}

/* The day before which f's date may not be: the day its since_clock started, else
 * the day the case was opened (or of the action, on an empty case). */
static cf_date_t since_day(const cf_wf_fact_t *f, const cf_case_t *c, cf_time_t at)
{
    const cf_clock_rt_t *k = cf_case_clock(c, f->since_clock);
    cf_time_t t = k && k->state != CF_CLOCK_IDLE && k->started_at ? k->started_at
                  : c->opened_at                                  ? c->opened_at
                                                                  : at;
    return cf_time_china_date(t);
}

/* Exported, documented in engine-int.h */
int cf__facts_past(const cf_workflow_t *wf, const cf_case_t *c, const cf_act_t *req,
                   cf_refusal_t *why)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)req->facts, key, v) {
        const cf_wf_fact_t *f = cf_workflow_fact(wf, key);
        cf_date_t d;
        if (!f || !(f->past || f->since_clock) || !json_is_string(v) ||
            cf_date_parse(json_string_value(v), &d, NULL) != 0)
            continue;
        const char *name = f->name ? f->name : key;
        char day[CF_DATE_BUFSZ];
        cf_date_t today = cf_time_china_date(req->at);
        if (f->past && cf_date_to_days(d) > cf_date_to_days(today)) {
            cf_date_format(today, day);
            return cf__refuse(why, CF_EINVALID,
                              "fact '%s' (%s) is %s, after %s, the day of the action: it names a "
                              "day that has happened",
                              key, name, json_string_value(v), day);
        }
        cf_date_t floor = f->since_clock ? since_day(f, c, req->at) : d;
        if (cf_date_to_days(d) < cf_date_to_days(floor)) {
            cf_date_format(floor, day);
            return cf__refuse(why, CF_EINVALID,
                              "fact '%s' (%s) is %s, before %s, the day clock '%s' started", key,
                              name, json_string_value(v), day, f->since_clock);
        }
    }
    return 0;
}

/* Exported, documented in engine.h */
int cf_engine_act_needs_children(const cf_workflow_t *wf, const char *action)
{
    const cf_wf_children_t *k = wf->doc->children_closed;
    return k && action && cf_workflow_list_has(k->on, k->on_count, action);
}

/* Exported, documented in engine-int.h */
int cf__children_act(const cf_workflow_t *wf, const cf_act_t *req, cf_refusal_t *why)
{
    const cf_wf_children_t *k = wf->doc->children_closed;
    if (!json_array_size(req->children) || !cf_engine_act_needs_children(wf, req->action))
        return 0;
    char list[256] = "";
    size_t i, n = 0;
    json_t *child;
    json_array_foreach((json_t *)req->children, i, child) {
        const char *state = json_string_value(json_object_get(child, "state"));
        if (state && cf_workflow_list_has(k->done_states, k->done_states_count, state))
            continue;
        size_t len = strlen(list);
        snprintf(list + len, sizeof(list) - len, "%scase %lld (%s, %s)", n++ ? ", " : "",
                 (long long)json_integer_value(json_object_get(child, "id")),
                 json_string_value(json_object_get(child, "workflow")),
                 json_string_value(json_object_get(child, "state")));
    }
    cf_utf8_clip(list);
    if (n == 0)
        return 0;
    if (why) {
        snprintf(why->rule, sizeof(why->rule), "children-closed");
        snprintf(why->article, sizeof(why->article), "%s", k->article);
        cf_utf8_clip(why->article);
    }
    return cf__refuse(why, CF_EREFUSED, "%s（%s）: still open: %s", k->message, k->article, list);
}

/* Exported, documented in engine-int.h */
int cf__cause_act(const cf_case_t *c, const cf_act_t *req, cf_refusal_t *why)
{
    if (!req->cause)
        return 0;
    char want[160], have[160];
    situation_of(req->cause, want, sizeof(want));
    if (c->cause) {
        situation_of(c->cause, have, sizeof(have));
        if (strcmp(want, have) != 0)
            return cf__refuse(why, CF_EREFUSED,
                              "the case is already under cause %s: it cannot be filed under %s",
                              have, want);
    }
    const json_t *subject = json_object_get(req->cause, "subject");
    const char *type = json_string_value(json_object_get(c->party, "type"));
    const char *sid = json_string_value(json_object_get(subject, "id"));
    const char *sname = json_string_value(json_object_get(subject, "name"));
    if (type && ((sid && !strcmp(type, sid)) || (sname && !strcmp(type, sname))))
        return 0;
    if (why)
        snprintf(why->rule, sizeof(why->rule), "cause-subject");
    return cf__refuse(
        why, CF_EREFUSED,
        "当事人类别「%s」与案由 %s 的违法主体类别「%s」不一致; the party's type %s is "
        "not the subject type of cause %s, %s (%s)",
        type ? type : "未指明", want, sname ? sname : "?", type ? type : "(not given)", want,
        sname ? sname : "?", sid ? sid : "?");
}

/* Exported, documented in engine-int.h */
int cf__amounts_as_yuan(const cf_workflow_t *wf, json_t *facts)
{
    const char *key;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(facts, tmp, key, v) {
        const cf_wf_fact_t *f = cf_workflow_fact(wf, key);
        int64_t fen;
        if (!f || f->type != CF_FACT_AMOUNT || !json_is_string(v) ||
            cf_money_parse(json_string_value(v), &fen, NULL) != 0)
            continue;
        if (json_object_set_new(facts, key, json_real((double)fen / 100.0)) != 0)
            return CF_ENOMEM;
    }
    return 0;
}
