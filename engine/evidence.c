/*
 * evidence.c -- the evidence register and the records (evidence.h): checking an
 * item or a record and making its event, folding it into the case, and the
 * workflow's evidence_required rule.
 *
 * Division map:
 *   kinds       the law's kinds of evidence and of records
 *   fields      one field of the request: required, typed, known
 *   officers    who obtained it: the case's officers, two at least
 *   items       evidence.added and record.added events
 *   fold        the register in the case (cf__register_apply)
 *   rule        evidence_required on an action (cf__evidence_act)
 *
 * Design: an item is an event of its own, not a document attached to an action,
 * because evidence is gathered while the case stays in one state (调查取证) and
 * an auditor wants each piece dated, sourced and signed by the officers who took
 * it. The fold keeps the items in the case (snapshot members "evidence" and
 * "records"), so a rule on an action reads them as it reads facts, and a replay
 * judges the action on the register as it stood. Rejected: a table of its own in
 * the store beside the chain (two records of one thing, and the replay could not
 * see it); documents named after the kinds (no source, no officers, no date).
 * Cost: the snapshot grows by the register's metadata (the files' bytes are in
 * the documents table, by hash).
 */
#include "evidence.h"
#include "engine-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- kinds ---------------------------------------------------------------------------- */

/* 行政诉讼法 第三十三条; 行政处罚法 第四十六条 (the same eight): the eighth is
 * "勘验笔录、现场笔录", accepted under either name. */
static const char *const evidence_kinds[] = {
    "书证",         "物证",     "视听资料", "电子数据", "证人证言",
    "当事人的陈述", "鉴定意见", "勘验笔录", "现场笔录", NULL};
static const char *const record_kinds[] = {"询问笔录", "现场检查笔录", NULL};
static const char *const person_roles[] = {"当事人", "证人", "有关人员", NULL};

#define TWO_OFFICERS_ARTICLE "行政处罚法 第四十二条、第五十五条"

static int in_list(const char *const *list, const char *name)
{
    for (; name && *list; list++)
        if (strcmp(*list, name) == 0)
            return 1;
    return 0;
}

/* Exported, documented in evidence.h */
int cf_evidence_kind_known(const char *name)
{
    return in_list(evidence_kinds, name);
}

/* Exported, documented in evidence.h */
int cf_record_kind_known(const char *name)
{
    return in_list(record_kinds, name);
}

/* Exported, documented in evidence.h */
const char *cf_evidence_kinds_text(void)
{
    return "书证, 物证, 视听资料, 电子数据, 证人证言, 当事人的陈述, 鉴定意见, "
           "勘验笔录 (or 现场笔录)";
}

/* Exported, documented in evidence.h */
const char *cf_record_kinds_text(void)
{
    return "询问笔录, 现场检查笔录";
}

/* ---- fields --------------------------------------------------------------------------- */

/* Refuses a member of item not in known (NULL-terminated), naming the fields. */
static int known_fields(const json_t *item, const char *what, const char *const *known,
                        cf_refusal_t *why)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)item, key, v) {
        if (in_list(known, key))
            continue;
        char list[256] = "";
        for (const char *const *k = known; *k; k++) {
            size_t n = strlen(list);
            snprintf(list + n, sizeof(list) - n, "%s%s", n ? ", " : "", *k);
        }
        return cf__refuse(why, CF_EINVALID, "%s: unknown field '%s' (fields: %s)", what, key, list);
    }
    return 0;
}

/* The string member key of o, non-empty: 0 and OUT *out, or CF_EINVALID (required
 * and missing, empty, or not a string). Optional and absent: 0 with *out NULL. */
static int text_field(const json_t *o, const char *what, const char *key, int required,
                      const char **out, cf_refusal_t *why)
{
    const json_t *v = json_object_get(o, key);
    *out = NULL;
    if ((!v || json_is_null(v)) && !required) /* null: not given */
        return 0;
    if (!json_is_string(v) || !*json_string_value(v))
        return cf__refuse(why, CF_EINVALID, "%s: '%s' %s", what, key,
                          v ? "must be a non-empty string" : "is required");
    *out = json_string_value(v);
    return 0;
}

/* The time member key of o (ISO 8601), not after at, written back into item in
 * the engine's own form; absent: def (0: required). */
static int time_field(const json_t *o, const char *what, const char *key, cf_time_t def,
                      cf_time_t at, json_t *item, cf_time_t *out, cf_refusal_t *why)
{
    const char *text = NULL;
    cf_time_t t = def;
    int rc = text_field(o, what, key, def == 0, &text, why);
    if (rc == 0 && text && cf_time_parse(text, &t, NULL) != 0)
        rc =
            cf__refuse(why, CF_EINVALID, "%s: '%s' is not an ISO 8601 time: '%s'", what, key, text);
    char iso[CF_TIME_BUFSZ], now[CF_TIME_BUFSZ];
    cf_time_format(t, iso);
    cf_time_format(at, now);
    if (rc == 0 && t > at)
        rc = cf__refuse(why, CF_EINVALID, "%s: '%s' %s is after the time it is recorded (%s)", what,
                        key, text, now);
    if (rc == 0 && json_object_set_new(item, key, json_string(iso)) != 0)
        rc = CF_ENOMEM;
    if (rc == 0)
        *out = t;
    return rc;
}

/* Copies the optional text members keys of in into item. */
static int copy_texts(const json_t *in, const char *what, const char *const *keys, json_t *item,
                      cf_refusal_t *why)
{
    int rc = 0;
    for (; rc == 0 && *keys; keys++) {
        const char *v;
        rc = text_field(in, what, *keys, 0, &v, why);
        if (rc == 0 && v && json_object_set_new(item, *keys, json_string(v)) != 0)
            rc = CF_ENOMEM;
    }
    return rc;
}

static int is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* file: {file, sha256, size}, as the operation layer makes it once stored. */
static int file_field(const json_t *in, const char *what, json_t *item, cf_refusal_t *why)
{
    const json_t *f = json_object_get(in, "file");
    if (!f || json_is_null(f))
        return 0;
    const char *name = json_string_value(json_object_get(f, "file"));
    const char *sha = json_string_value(json_object_get(f, "sha256"));
    const json_t *size = json_object_get(f, "size");
    if (!name || !is_hex64(sha) || !json_is_integer(size) || json_integer_value(size) < 0 ||
        json_object_size(f) != 3)
        return cf__refuse(why, CF_EINVALID, "%s: 'file' must be {file, sha256, size}", what);
    return json_object_set_new(item, "file", json_deep_copy(f)) ? CF_ENOMEM : 0;
}

/* ---- officers --------------------------------------------------------------------------- */

/* The case's officer matching o (by cert when o has one, else by name), or NULL. */
static const json_t *case_officer(const json_t *officers, const json_t *o)
{
    const char *name = json_string_value(json_object_get(o, "name"));
    const char *cert = json_string_value(json_object_get(o, "cert"));
    size_t i;
    json_t *k;
    json_array_foreach((json_t *)officers, i, k) {
        const char *kn = json_string_value(json_object_get(k, "name"));
        const char *kc = json_string_value(json_object_get(k, "cert"));
        if (cert ? kc && strcmp(kc, cert) == 0 && (!name || (kn && !strcmp(kn, name)))
                 : kn && name && strcmp(kn, name) == 0)
            return k;
    }
    return NULL;
}

/* "张三 (65010020001), 王五 (65010020002)" into out. */
static void officers_text(const json_t *officers, char *out, size_t size)
{
    size_t i, n = 0;
    json_t *k;
    out[0] = '\0';
    json_array_foreach((json_t *)officers, i, k) {
        n += (size_t)snprintf(out + n, n < size ? size - n : 0, "%s%s (%s)", i ? ", " : "",
                              json_string_value(json_object_get(k, "name")),
                              json_string_value(json_object_get(k, "cert")));
        if (n >= size)
            break;
    }
    cf_utf8_clip(out);
}

static int two_officers(cf_refusal_t *why, const char *fmt, const char *a, const char *b)
{
    if (why) {
        snprintf(why->rule, sizeof(why->rule), "two-officers");
        snprintf(why->article, sizeof(why->article), "%s", TWO_OFFICERS_ARTICLE);
    }
    return cf__refuse(why, CF_EREFUSED, fmt, a, b, TWO_OFFICERS_ARTICLE);
}

/* officers as given, checked against the case's (the fact officers, when the case
 * has it) and by the two-officer rule; the case's entries into item.officers. */
static int officers_field(const cf_case_t *c, const json_t *in, const char *what, json_t *item,
                          cf_refusal_t *why)
{
    const json_t *given = json_object_get(in, "officers"),
                 *mine = json_object_get(c->facts, "officers");
    json_t *out = json_array();
    char names[512];
    size_t i;
    json_t *o;
    int rc = out ? 0 : CF_ENOMEM;
    if (rc == 0 && (!json_is_array(given) || !json_array_size(given)))
        rc = cf__refuse(why, CF_EINVALID, "%s: 'officers' is required: [{name, cert}]", what);
    json_array_foreach((json_t *)given, i, o) {
        const json_t *k = json_is_array(mine) ? case_officer(mine, o) : o;
        if (rc != 0)
            break;
        if (!json_is_string(json_object_get(o, "name")) ||
            (!json_is_array(mine) && !json_is_string(json_object_get(o, "cert"))))
            rc = cf__refuse(why, CF_EINVALID, "%s: officer %zu is not {name, cert}", what, i + 1);
        else if (!k) {
            officers_text(mine, names, sizeof(names));
            rc = two_officers(why, "officer '%s' is not one of the case's officers (%s)（%s）",
                              json_string_value(json_object_get(o, "name")), names);
        } else if (!case_officer(out, k) &&
                   json_array_append_new(out,
                                         json_pack("{s:O, s:O}", "name", json_object_get(k, "name"),
                                                   "cert", json_object_get(k, "cert"))) != 0)
            rc = CF_ENOMEM;
    }
    if (rc == 0 && json_array_size(out) < 2) {
        officers_text(out, names, sizeof(names));
        rc =
            two_officers(why, "%s needs two officers with distinct 执法证 numbers; given: %s（%s）",
                         what, names);
    }
    if (rc == 0 && json_object_set_new(item, "officers", out) != 0)
        return CF_ENOMEM;
    if (rc != 0)
        json_decref(out);
    return rc;
}

/* ---- items ------------------------------------------------------------------------------- */

/* What every entry checks first: the case open, the time in order, an object. */
static int precheck(const cf_case_t *c, const cf_evidence_req_t *req, const char *what,
                    cf_refusal_t *why)
{
    if (c->closed_at)
        return cf__refuse(why, CF_ECLOSED, "case %lld is closed (state '%s'): no %s is added",
                          (long long)c->id, c->state, what);
    if (req->at < c->updated_at) {
        char last[CF_TIME_BUFSZ];
        cf_time_format(c->updated_at, last);
        return cf__refuse(why, CF_EINVALID, "the %s's time is before the case's last event (%s)",
                          what, last);
    }
    if (!json_is_object(req->item))
        return cf__refuse(why, CF_EINVALID, "the %s must be an object", what);
    return 0;
}

/* The event: type, the item under key, numbered, and its label. */
static int make_event(const cf_case_t *c, const cf_evidence_req_t *req, const char *type,
                      const char *key, json_t *item, const char *label, json_t **events)
{
    json_t *ev = cf__event_new(c, 0, type, req->at, req->actor, req->role);
    json_t *out = json_array();
    if (!ev || !out || json_object_set(ev, key, item) != 0 ||
        json_object_set_new(ev, "label", json_string(label)) != 0 ||
        json_array_append(out, ev) != 0) {
        json_decref(ev);
        json_decref(out);
        return CF_ENOMEM;
    }
    json_decref(ev);
    *events = out;
    return 0;
}

/* Exported, documented in evidence.h */
int cf_engine_evidence(const cf_workflow_t *wf, const cf_case_t *c, const cf_evidence_req_t *req,
                       json_t **events, cf_refusal_t *why)
{
    static const char *const fields[] = {"kind",        "title", "source", "method", "officers",
                                         "obtained_at", "file",  "note",   NULL};
    static const char *const texts[] = {"title", "source", "method", "note", NULL};
    const char *kind = NULL, *what = "the evidence";
    cf_time_t t;
    (void)wf;
    if (why)
        memset(why, 0, sizeof(*why));
    int rc = precheck(c, req, "evidence", why);
    if (rc == 0)
        rc = known_fields(req->item, what, fields, why);
    if (rc == 0)
        rc = text_field(req->item, what, "kind", 1, &kind, why);
    if (rc == 0 && !cf_evidence_kind_known(kind))
        rc = cf__refuse(why, CF_EINVALID,
                        "unknown kind of evidence '%s'; the kinds are: %s (行政诉讼法 第三十三条, "
                        "行政处罚法 第四十六条)%s",
                        kind, cf_evidence_kinds_text(),
                        cf_record_kind_known(kind) ? "; a 询问笔录 or 现场检查笔录 is a record"
                                                   : "");
    static const char *const required[] = {"title", "source", "method", NULL};
    const char *title = NULL, *s;
    for (const char *const *k = required; rc == 0 && *k; k++)
        rc = text_field(req->item, what, *k, 1, &s, why);
    json_t *item = rc == 0 ? json_pack("{s:I, s:s}", "no",
                                       (json_int_t)json_array_size(c->evidence) + 1, "kind", kind)
                           : NULL;
    if (rc == 0 && !item)
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = copy_texts(req->item, what, texts, item, why);
    if (rc == 0)
        rc = officers_field(c, req->item, what, item, why);
    if (rc == 0)
        rc = time_field(req->item, what, "obtained_at", req->at, req->at, item, &t, why);
    if (rc == 0)
        rc = file_field(req->item, what, item, why);
    char label[512];
    title = json_string_value(json_object_get(item, "title"));
    snprintf(label, sizeof(label), "证据 %lld：%s %s",
             (long long)json_integer_value(json_object_get(item, "no")), kind, title ? title : "");
    cf_utf8_clip(label);
    if (rc == 0)
        rc = make_event(c, req, "evidence.added", "evidence", item, label, events);
    json_decref(item);
    return rc;
}

/* A 询问笔录's person {name, role, id?}: OUT *party (1 when the party was asked). */
static int person_field(const json_t *in, const char *what, json_t *item, int *party,
                        cf_refusal_t *why)
{
    const json_t *p = json_object_get(in, "person");
    static const char *const fields[] = {"name", "role", "id", NULL};
    const char *name = NULL, *role = NULL, *id = NULL;
    if (!json_is_object(p))
        return cf__refuse(why, CF_EINVALID,
                          "%s: 'person' (who was asked) is required: {name, role}", what);
    int rc = known_fields(p, "the person asked", fields, why);
    if (rc == 0)
        rc = text_field(p, "the person asked", "name", 1, &name, why);
    if (rc == 0)
        rc = text_field(p, "the person asked", "role", 1, &role, why);
    if (rc == 0)
        rc = text_field(p, "the person asked", "id", 0, &id, why);
    if (rc == 0 && !in_list(person_roles, role))
        rc = cf__refuse(why, CF_EINVALID,
                        "the person asked: role '%s' is not one of 当事人, 证人, 有关人员", role);
    if (rc == 0 && json_object_set_new(
                       item, "person",
                       json_pack("{s:s, s:s, s:s*}", "name", name, "role", role, "id", id)) != 0)
        rc = CF_ENOMEM;
    if (rc == 0)
        *party = strcmp(role, "当事人") == 0;
    return rc;
}

/* The kind-specific part of a record: who was asked, or what place was inspected;
 * and the evidence kind it counts as. */
static int record_subject(const json_t *in, const char *kind, json_t *item, cf_refusal_t *why)
{
    const char *what = kind, *site = NULL;
    int party = 0, rc = 0;
    if (strcmp(kind, "询问笔录") == 0) {
        if (json_object_get(in, "site") || json_object_get(in, "present"))
            return cf__refuse(why, CF_EINVALID, "%s: 'site' and 'present' are for a 现场检查笔录",
                              what);
        rc = person_field(in, what, item, &party, why);
    } else {
        static const char *const present[] = {"present", NULL};
        if (json_object_get(in, "person"))
            return cf__refuse(why, CF_EINVALID, "%s: 'person' is for a 询问笔录", what);
        rc = text_field(in, what, "site", 1, &site, why);
        if (rc == 0 && json_object_set_new(item, "site", json_string(site)) != 0)
            rc = CF_ENOMEM;
        if (rc == 0)
            rc = copy_texts(in, what, present, item, why);
    }
    const char *counts = strcmp(kind, "现场检查笔录") == 0 ? "现场笔录"
                         : party                           ? "当事人的陈述"
                                                           : "证人证言";
    if (rc == 0 && json_object_set_new(item, "evidence_kind", json_string(counts)) != 0)
        rc = CF_ENOMEM;
    return rc;
}

/* The record's label: "询问笔录 1：张某（当事人）", "现场检查笔录 2：药品库房". */
static void record_label(const json_t *item, char *out, size_t size)
{
    const json_t *p = json_object_get(item, "person");
    long long no = (long long)json_integer_value(json_object_get(item, "no"));
    const char *kind = json_string_value(json_object_get(item, "kind"));
    if (p)
        snprintf(out, size, "%s %lld：%s（%s）", kind, no,
                 json_string_value(json_object_get(p, "name")),
                 json_string_value(json_object_get(p, "role")));
    else
        snprintf(out, size, "%s %lld：%s", kind, no,
                 json_string_value(json_object_get(item, "site")));
    cf_utf8_clip(out);
}

/* A record is taken in the case: refuses one that starts before the case was opened
 * (an inspection before it is entered as evidence, a 现场笔录 with its obtained_at).
 * The upper bound, the time it is recorded, is time_field's. */
static int record_in_case(const cf_case_t *c, const char *kind, cf_time_t from, cf_refusal_t *why)
{
    char start[CF_TIME_BUFSZ], opened[CF_TIME_BUFSZ];
    if (from >= c->opened_at)
        return 0;
    cf_time_format(from, start);
    cf_time_format(c->opened_at, opened);
    return cf__refuse(why, CF_EINVALID,
                      "%s: 'started_at' %s is before the case was opened (%s); a record made "
                      "before the case is entered as evidence",
                      kind, start, opened);
}

/* Exported, documented in evidence.h */
int cf_engine_record(const cf_workflow_t *wf, const cf_case_t *c, const cf_evidence_req_t *req,
                     json_t **events, cf_refusal_t *why)
{
    static const char *const fields[] = {"kind",    "officers", "started_at", "ended_at",
                                         "place",   "person",   "site",       "present",
                                         "summary", "file",     NULL};
    static const char *const texts[] = {"place", "summary", NULL};
    const char *kind = NULL, *place = NULL, *what = "the record";
    cf_time_t from = 0, to = 0;
    (void)wf;
    if (why)
        memset(why, 0, sizeof(*why));
    int rc = precheck(c, req, "record", why);
    if (rc == 0)
        rc = known_fields(req->item, what, fields, why);
    if (rc == 0)
        rc = text_field(req->item, what, "kind", 1, &kind, why);
    if (rc == 0 && !cf_record_kind_known(kind))
        rc = cf__refuse(why, CF_EINVALID, "unknown kind of record '%s'; the kinds are: %s%s", kind,
                        cf_record_kinds_text(),
                        cf_evidence_kind_known(kind) ? " (an item of evidence is added as evidence)"
                                                     : "");
    if (rc == 0)
        rc = text_field(req->item, what, "place", 1, &place, why);
    json_t *item = rc == 0 ? json_pack("{s:I, s:s}", "no",
                                       (json_int_t)json_array_size(c->records) + 1, "kind", kind)
                           : NULL;
    if (rc == 0 && !item)
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = officers_field(c, req->item, kind, item, why);
    if (rc == 0)
        rc = time_field(req->item, kind, "started_at", 0, req->at, item, &from, why);
    if (rc == 0 && json_object_get(req->item, "ended_at"))
        rc = time_field(req->item, kind, "ended_at", 0, req->at, item, &to, why);
    if (rc == 0 && to && to < from)
        rc = cf__refuse(why, CF_EINVALID, "%s: 'ended_at' is before 'started_at'", kind);
    if (rc == 0)
        rc = record_in_case(c, kind, from, why);
    if (rc == 0)
        rc = copy_texts(req->item, kind, texts, item, why);
    if (rc == 0)
        rc = record_subject(req->item, kind, item, why);
    if (rc == 0)
        rc = file_field(req->item, kind, item, why);
    char label[512];
    if (rc == 0) {
        record_label(item, label, sizeof(label));
        rc = make_event(c, req, "record.added", "record", item, label, events);
    }
    json_decref(item);
    return rc;
}

/* ---- fold ---------------------------------------------------------------------------------- */

/* Exported, documented in engine-int.h */
int cf__register_apply(cf_case_t *c, const char *type, const json_t *ev, cf_error_t *err)
{
    int record = strcmp(type, "record.added") == 0;
    json_t **slot = record ? &c->records : &c->evidence;
    const json_t *item = json_object_get(ev, record ? "record" : "evidence");
    size_t n = json_array_size(*slot);
    if (!json_is_object(item) || !json_is_string(json_object_get(item, "kind")) ||
        json_integer_value(json_object_get(item, "no")) != (json_int_t)n + 1)
        return cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "malformed %s event", type);
    /* A new array, never an append to the old one: copies of the case share it. */
    json_t *list = *slot ? json_copy(*slot) : json_array();
    if (!list || json_array_append(list, (json_t *)item) != 0) {
        json_decref(list);
        return CF_ENOMEM;
    }
    json_decref(*slot);
    *slot = list;
    return 0;
}

/* 1 if the array of strings kinds holds kind. */
static int held(const json_t *kinds, const char *kind)
{
    size_t i;
    json_t *k;
    json_array_foreach((json_t *)kinds, i, k)
        if (strcmp(json_string_value(k), kind) == 0)
            return 1;
    return 0;
}

/* Exported, documented in evidence.h */
json_t *cf_evidence_kinds_held(const cf_case_t *c)
{
    json_t *kinds = json_array();
    const json_t *lists[] = {c->evidence, c->records};
    static const char *const keys[] = {"kind", "evidence_kind"};
    for (size_t l = 0; kinds && l < 2; l++) {
        size_t i;
        json_t *item;
        json_array_foreach((json_t *)lists[l], i, item) {
            for (size_t k = 0; k < 2; k++) {
                const char *kind = json_string_value(json_object_get(item, keys[k]));
                if (!kind || held(kinds, kind))
                    continue;
                if (json_array_append_new(kinds, json_string(kind)) != 0) {
                    json_decref(kinds);
                    return NULL;
                }
            }
        }
    }
    return kinds;
}

/* ---- rule ---------------------------------------------------------------------------------- */

/* "a、b、c" of list[0..n) (only those not held, when skip_held) into out. */
static void kinds_list(char *const *list, unsigned n, const json_t *kinds, int skip_held, char *out,
                       size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < n && len < size; i++)
        if (!skip_held || !held(kinds, list[i]))
            len += (size_t)snprintf(out + len, size - len, "%s%s", len ? "、" : "", list[i]);
    cf_utf8_clip(out);
}

/* One rule on an action: what is missing into out (size bytes), "" when nothing. */
static void missing_of(const cf_wf_evidence_rule_t *r, const json_t *kinds, char *out, size_t size)
{
    char any[512], all[512];
    int any_met = r->any_of_count == 0;
    for (unsigned i = 0; !any_met && i < r->any_of_count; i++)
        any_met = held(kinds, r->any_of[i]);
    kinds_list(r->any_of, r->any_of_count, kinds, 0, any, sizeof(any));
    kinds_list(r->all_of, r->all_of_count, kinds, 1, all, sizeof(all));
    snprintf(out, size, "%s%s%s%s%s",
             any_met ? "" : "evidence of at least one of these kinds: ", any_met ? "" : any,
             !any_met && all[0] ? "; " : "", all[0] ? "evidence of each of these kinds: " : "",
             all);
    cf_utf8_clip(out);
}

/* Exported, documented in engine-int.h */
int cf__evidence_act(const cf_workflow_t *wf, const cf_case_t *c, const char *action,
                     cf_refusal_t *why)
{
    json_t *kinds = NULL;
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < wf->doc->evidence_required_count; i++) {
        const cf_wf_evidence_rule_t *r = &wf->doc->evidence_required[i];
        char missing[1100], have[512];
        if (!cf_workflow_list_has(r->on, r->on_count, action))
            continue;
        if (!kinds && !(kinds = cf_evidence_kinds_held(c)))
            return CF_ENOMEM;
        missing_of(r, kinds, missing, sizeof(missing));
        if (!missing[0])
            continue;
        size_t len = 0;
        size_t j;
        json_t *k;
        have[0] = '\0';
        json_array_foreach(kinds, j, k)
            len += (size_t)snprintf(have + len, len < sizeof(have) ? sizeof(have) - len : 0, "%s%s",
                                    len ? "、" : "", json_string_value(k));
        cf_utf8_clip(have);
        if (why) {
            snprintf(why->rule, sizeof(why->rule), "%s", r->id);
            snprintf(why->article, sizeof(why->article), "%s", r->article);
            cf_utf8_clip(why->rule);
            cf_utf8_clip(why->article);
        }
        rc = cf__refuse(why, CF_EREFUSED,
                        "%s（%s）: action '%s' needs %s in the evidence register; it holds: %s",
                        r->message, r->article, action, missing, have[0] ? have : "nothing");
    }
    json_decref(kinds);
    return rc;
}
