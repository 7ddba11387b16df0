/*
 * cause.c -- loading 案由 dictionaries, finding a situation by its id, and the
 * rule that a party must be of the cause's subject type. See cause.h; the file
 * format is docs/causes.md.
 *
 * Design: as for calendars and workflows, libcyaml does the schema work (types,
 * required and unknown keys) and its error is located by cyaml-err.c, shared with
 * the other loaders. The checks the schema cannot express (unique ids and
 * numbers, declared subject types) are done here on the loaded structs, each
 * placed at its line by the position map of yamlpos.c. The first problem wins: a
 * dictionary is short and written by hand, so one error at a time is enough.
 *
 * A set keeps each dictionary as libcyaml loaded it, in load order; lookups are
 * linear scans (a dictionary has tens of situations, a set a handful of
 * dictionaries). Rejected: an index by number, which would only pay off for
 * dictionaries a hundred times larger than any published one.
 */
#include "cause.h"
#include "cyaml-err.h"
#include "yamlpos.h"

#include <cyaml/cyaml.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cf_causes_s {
    cf_cause_dict_t **dicts; /* in load order */
    size_t dicts_count;
};

/* ---- schema ----------------------------------------------------------------- */

#define STR(key, flags, type, member)                                                              \
    CYAML_FIELD_STRING_PTR(key, CYAML_FLAG_POINTER | (flags), type, member, 1, CYAML_UNLIMITED)
#define OPT CYAML_FLAG_OPTIONAL

static const cyaml_schema_field_t situation_fields[] = {
    CYAML_FIELD_UINT("no", CYAML_FLAG_DEFAULT, cf_cause_situation_t, no),
    STR("text", 0, cf_cause_situation_t, text),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t situation_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_cause_situation_t, situation_fields),
};

static const cyaml_schema_field_t cause_fields[] = {
    STR("id", 0, cf_cause_t, id),
    STR("subject", 0, cf_cause_t, subject),
    STR("name", 0, cf_cause_t, name),
    CYAML_FIELD_SEQUENCE("situations", CYAML_FLAG_POINTER, cf_cause_t, situations, &situation_entry,
                         1, CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t cause_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_cause_t, cause_fields),
};

static const cyaml_schema_field_t subject_fields[] = {
    STR("id", 0, cf_cause_subject_t, id),
    STR("name", 0, cf_cause_subject_t, name),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t subject_entry = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, cf_cause_subject_t, subject_fields),
};

static const cyaml_schema_field_t source_fields[] = {
    STR("document", 0, cf_cause_source_t, document),
    STR("issuer", OPT, cf_cause_source_t, issuer),
    STR("note", OPT, cf_cause_source_t, note),
    CYAML_FIELD_END,
};

static const cyaml_schema_field_t dict_fields[] = {
    STR("id", 0, cf_cause_dict_t, id),
    STR("name", 0, cf_cause_dict_t, name),
    CYAML_FIELD_MAPPING_PTR("source", CYAML_FLAG_POINTER, cf_cause_dict_t, source, source_fields),
    CYAML_FIELD_SEQUENCE("subject_types", CYAML_FLAG_POINTER, cf_cause_dict_t, subject_types,
                         &subject_entry, 1, CYAML_UNLIMITED),
    CYAML_FIELD_SEQUENCE("causes", CYAML_FLAG_POINTER, cf_cause_dict_t, causes, &cause_entry, 1,
                         CYAML_UNLIMITED),
    CYAML_FIELD_END,
};
static const cyaml_schema_value_t dict_schema = {
    CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, cf_cause_dict_t, dict_fields),
};

/* ---- lifecycle of a loaded dictionary ---------------------------------------- */

static void free_dict(cf_cause_dict_t *d)
{
    cyaml_config_t cfg = cf__cyaml_config(NULL);
    if (d)
        cyaml_free(&cfg, &dict_schema, d, 0);
}

/* ---- checks ----------------------------------------------------------------- */

typedef struct check_s {
    const char *source;
    cf__yamlpos_t pos;
    cf_error_t *err;
} check_t;

static int bad(check_t *c, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* CF_EINVALID at the node of path, with the message fmt. */
static int bad(check_t *c, const char *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = cf__yamlpos_verror(&c->pos, c->err, c->source, path, "causes: ", fmt, ap);
    va_end(ap);
    return rc;
}

static int id_ok(const char *id)
{
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '.' || *p == '_' || *p == '-'))
            return 0;
    return *id != '\0';
}

static int check_subjects(check_t *c, const cf_cause_dict_t *d)
{
    char path[64];
    for (unsigned i = 0; i < d->subject_types_count; i++)
        for (unsigned j = 0; j < i; j++) {
            const cf_cause_subject_t *a = &d->subject_types[j], *b = &d->subject_types[i];
            if (strcmp(a->id, b->id) == 0 || strcmp(a->name, b->name) == 0) {
                int same_id = strcmp(a->id, b->id) == 0;
                snprintf(path, sizeof(path), "subject_types.%u.%s", i, same_id ? "id" : "name");
                return bad(c, path, "subject type %s '%s' is declared twice",
                           same_id ? "id" : "name", same_id ? b->id : b->name);
            }
        }
    return 0;
}

static int check_cause(check_t *c, const cf_cause_dict_t *d, unsigned i)
{
    const cf_cause_t *k = &d->causes[i];
    char path[96];
    for (unsigned j = 0; j < i; j++)
        if (strcmp(d->causes[j].id, k->id) == 0) {
            snprintf(path, sizeof(path), "causes.%u.id", i);
            return bad(c, path, "cause id '%s' is used twice", k->id);
        }
    /* A cause names its subject type by id; a name would match cf_cause_subject too. */
    const cf_cause_subject_t *s = cf_cause_subject(d, k->subject);
    if (!s || strcmp(s->id, k->subject) != 0) {
        snprintf(path, sizeof(path), "causes.%u.subject", i);
        return bad(c, path,
                   "cause '%s' is for subject type '%s', which subject_types does not "
                   "declare (give its id)",
                   k->id, k->subject);
    }
    return 0;
}

/* The situation numbered no in d, other than the one at (ci, si), or NULL. */
static const cf_cause_t *number_taken(const cf_cause_dict_t *d, unsigned no, unsigned ci,
                                      unsigned si)
{
    for (unsigned i = 0; i <= ci; i++)
        for (unsigned j = 0; j < d->causes[i].situations_count && (i < ci || j < si); j++)
            if (d->causes[i].situations[j].no == no)
                return &d->causes[i];
    return NULL;
}

static int check_situations(check_t *c, const cf_cause_dict_t *d, unsigned ci)
{
    const cf_cause_t *k = &d->causes[ci];
    char path[96];
    for (unsigned si = 0; si < k->situations_count; si++) {
        unsigned no = k->situations[si].no;
        const cf_cause_t *other = number_taken(d, no, ci, si);
        snprintf(path, sizeof(path), "causes.%u.situations.%u.no", ci, si);
        if (no == 0)
            return bad(c, path, "situation numbers start at 1");
        if (other)
            return bad(c, path, "situation %u is numbered twice (also under cause '%s')", no,
                       other->id);
    }
    return 0;
}

static int check_dict(check_t *c, const cf_causes_t *set, const cf_cause_dict_t *d)
{
    if (!id_ok(d->id))
        return bad(c, "id", "dictionary id '%s' may only use A-Z a-z 0-9 . _ -", d->id);
    for (size_t i = 0; i < set->dicts_count; i++)
        if (strcmp(set->dicts[i]->id, d->id) == 0)
            return bad(c, "id", "dictionary '%s' is already loaded", d->id);
    int rc = check_subjects(c, d);
    for (unsigned i = 0; rc == 0 && i < d->causes_count; i++)
        rc = check_cause(c, d, i);
    for (unsigned i = 0; rc == 0 && i < d->causes_count; i++)
        rc = check_situations(c, d, i);
    return rc;
}

/* ---- the set ------------------------------------------------------------------ */

/* Exported, documented in cause.h */
int cf_causes_new(cf_causes_t **out)
{
    *out = calloc(1, sizeof(**out));
    return *out ? 0 : CF_ENOMEM;
}

/* Exported, documented in cause.h */
void cf_causes_free(cf_causes_t *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->dicts_count; i++)
        free_dict(set->dicts[i]);
    free(set->dicts);
    free(set);
}

/* Exported, documented in cause.h */
int cf_causes_load(cf_causes_t *set, const char *buf, size_t len, const char *source,
                   cf_error_t *err)
{
    cf__cyaml_log_t log;
    cyaml_config_t cfg = cf__cyaml_config(&log);
    cf_cause_dict_t *d = NULL;
    cyaml_err_t crc =
        cyaml_load_data((const uint8_t *)buf, len, &cfg, &dict_schema, (cyaml_data_t **)&d, NULL);
    if (crc == CYAML_ERR_OOM)
        return CF_ENOMEM;
    if (crc != CYAML_OK)
        return cf__cyaml_error(&log, buf, len, source, "causes", err);
    if (!d) /* an empty document loads as nothing (as fuzz-workflow found for workflows) */
        return cf_error_set(err, CF_EPARSE, source, 1, 1, "causes: the document is empty");
    check_t c = {.source = source, .err = err};
    int rc = cf__yamlpos_build(&c.pos, buf, len) == 0 ? 0 : CF_ENOMEM;
    if (rc == 0)
        rc = check_dict(&c, set, d);
    cf__yamlpos_free(&c.pos);
    cf_cause_dict_t **grown = NULL;
    if (rc == 0 && !(grown = realloc(set->dicts, (set->dicts_count + 1) * sizeof(*grown))))
        rc = CF_ENOMEM;
    if (rc != 0) {
        free_dict(d);
        return rc;
    }
    set->dicts = grown;
    set->dicts[set->dicts_count++] = d;
    return 0;
}

/* Exported, documented in cause.h */
size_t cf_causes_count(const cf_causes_t *set)
{
    return set->dicts_count;
}

/* Exported, documented in cause.h */
const cf_cause_dict_t *cf_causes_dict(const cf_causes_t *set, size_t i)
{
    return i < set->dicts_count ? set->dicts[i] : NULL;
}

/* ---- lookups ------------------------------------------------------------------ */

/* Exported, documented in cause.h */
const cf_cause_subject_t *cf_cause_subject(const cf_cause_dict_t *d, const char *text)
{
    for (unsigned i = 0; text && i < d->subject_types_count; i++)
        if (strcmp(d->subject_types[i].id, text) == 0 ||
            strcmp(d->subject_types[i].name, text) == 0)
            return &d->subject_types[i];
    return NULL;
}

/* The number text is, or 0 when it is not one (digits only, no sign or space). */
static unsigned number_of(const char *text)
{
    unsigned long n = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9' || n > 100000000UL)
            return 0;
        n = n * 10 + (unsigned long)(*p - '0');
    }
    return (unsigned)n;
}

/* Finds situation no in d into ref; 1 if found. */
static int find_in(const cf_cause_dict_t *d, unsigned no, cf_cause_ref_t *ref)
{
    for (unsigned i = 0; i < d->causes_count; i++)
        for (unsigned j = 0; j < d->causes[i].situations_count; j++)
            if (d->causes[i].situations[j].no == no) {
                *ref = (cf_cause_ref_t){.dict = d,
                                        .subject = cf_cause_subject(d, d->causes[i].subject),
                                        .cause = &d->causes[i],
                                        .situation = &d->causes[i].situations[j]};
                return 1;
            }
    return 0;
}

/* Exported, documented in cause.h */
int cf_causes_lookup(const cf_causes_t *set, const char *id, cf_cause_ref_t *ref, cf_error_t *err)
{
    const char *colon = strchr(id, ':');
    const cf_cause_dict_t *d = NULL;
    if (set->dicts_count == 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0,
                            "no 案由 dictionary is loaded (load one with `caseflow cause load`)");
    if (!colon && set->dicts_count > 1)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "案由 '%s' is ambiguous: %zu dictionaries are loaded; write "
                            "DICTIONARY:%s (e.g. %s:%s)",
                            id, set->dicts_count, id, set->dicts[0]->id, id);
    if (!colon)
        d = set->dicts[0];
    for (size_t i = 0; colon && i < set->dicts_count; i++)
        if (strlen(set->dicts[i]->id) == (size_t)(colon - id) &&
            strncmp(set->dicts[i]->id, id, (size_t)(colon - id)) == 0)
            d = set->dicts[i];
    if (!d)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no 案由 dictionary '%.*s' is loaded",
                            (int)(colon - id), id);
    const char *number = colon ? colon + 1 : id;
    cf_cause_ref_t found;
    unsigned no = number_of(number);
    if (!no || !find_in(d, no, &found))
        return cf_error_set(
            err, CF_ENOTFOUND, NULL, 0, 0,
            "no 案由 (违法情形) '%s' in dictionary '%s' (see `caseflow cause list`)", number,
            d->id);
    *ref = found;
    return 0;
}

/* Exported, documented in cause.h */
int cf_cause_check_party(const cf_cause_ref_t *ref, const char *party_type, cf_error_t *err)
{
    const cf_cause_subject_t *want = ref->subject;
    const cf_cause_subject_t *have = cf_cause_subject(ref->dict, party_type);
    if (have == want)
        return 0;
    const char *doc = ref->dict->source->document, *dict = ref->dict->id;
    unsigned no = ref->situation->no;
    if (have)
        return cf_error_set(err, CF_EREFUSED, NULL, 0, 0,
                            "当事人类别「%s」与案由 %s:%u（%s）的违法主体类别「%s」不一致（%s）; "
                            "the party's type %s (%s) is not the subject type of cause %s:%u, "
                            "%s (%s) (%s)",
                            have->name, dict, no, ref->cause->name, want->name, doc, have->name,
                            have->id, dict, no, want->name, want->id, doc);
    if (party_type)
        return cf_error_set(err, CF_EREFUSED, NULL, 0, 0,
                            "当事人类别「%s」不是 %s 所列的违法主体类别，案由 %s:%u（%s）的违法主体"
                            "类别为「%s」（%s）; the party's type '%s' is not a subject type of "
                            "%s; cause %s:%u is for %s (%s) (%s)",
                            party_type, dict, dict, no, ref->cause->name, want->name, doc,
                            party_type, dict, dict, no, want->name, want->id, doc);
    return cf_error_set(err, CF_EREFUSED, NULL, 0, 0,
                        "未指明当事人类别，案由 %s:%u（%s）的违法主体类别为「%s」（%s）; the "
                        "party's type is not given; cause %s:%u is for %s (%s) (%s)",
                        dict, no, ref->cause->name, want->name, doc, dict, no, want->name, want->id,
                        doc);
}

/* Exported, documented in cause.h */
json_t *cf_cause_ref_json(const cf_cause_ref_t *ref)
{
    return json_pack("{s:s, s:s, s:{s:s, s:s}, s:s, s:i, s:s}", "dictionary", ref->dict->id, "id",
                     ref->cause->id, "subject", "id", ref->subject->id, "name", ref->subject->name,
                     "name", ref->cause->name, "situation", (int)ref->situation->no, "text",
                     ref->situation->text);
}
