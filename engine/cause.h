/*
 * cause.h -- the 案由 dictionaries: what a penalty case may be filed under, and
 * against whom.
 *
 * A dictionary (a YAML file in workflows/causes/, format in docs/causes.md) sorts
 * violations into subject types (违法主体类别: 经办机构, 定点医药机构, 自然人, 其他主体), causes
 * (案由种类, each belonging to one subject type) and numbered violation situations
 * (违法情形). Jiangsu's 苏医保督〔2024〕1号 is the first: 4 subject types, 9 causes,
 * 35 situations. A case is opened under one situation, and its party must be of the
 * subject type of the situation's cause. Dictionaries are data: a law that changes
 * is a file that changes, and several may be loaded side by side.
 *
 * Situation ids. A situation is named "<dictionary>:<no>" ("js-2024:14"): the
 * dictionary's id, a colon, the situation's number. The bare number ("14") is
 * accepted only while exactly one dictionary is loaded, so that loading a second
 * one can never make an id silently name something else: it becomes ambiguous
 * and is refused instead.
 *
 * Pure: parsing is from a buffer; nothing here reads files or the clock.
 */
#ifndef CF_CAUSE_H
#define CF_CAUSE_H

#include <jansson.h>
#include <stddef.h>

#include "error.h"

typedef struct cf_cause_situation_s {
    unsigned no; /* 1, 2, ...: unique in its dictionary */
    char *text;  /* the situation as the document words it */
} cf_cause_situation_t;

typedef struct cf_cause_subject_s {
    char *id;   /* "provider" */
    char *name; /* "定点医药机构" */
} cf_cause_subject_t;

typedef struct cf_cause_s {
    char *id;      /* unique in its dictionary: "provider-fund-use" */
    char *subject; /* the id of a subject type of the same dictionary */
    char *name;    /* "违反医疗保障基金使用规定" */
    cf_cause_situation_t *situations;
    unsigned situations_count;
} cf_cause_t;

typedef struct cf_cause_source_s {
    char *document; /* "苏医保督〔2024〕1号": cited in refusals */
    char *issuer;   /* "江苏省医疗保障局", or NULL */
    char *note;     /* how the entries were obtained, or NULL */
} cf_cause_source_t;

typedef struct cf_cause_dict_s {
    char *id; /* [A-Za-z0-9._-]+, unique among the loaded dictionaries: "js-2024" */
    char *name;
    cf_cause_source_t *source;
    cf_cause_subject_t *subject_types;
    unsigned subject_types_count;
    cf_cause_t *causes;
    unsigned causes_count;
} cf_cause_dict_t;

/* A set of loaded dictionaries. */
typedef struct cf_causes_s cf_causes_t;

/* One situation found by its id: every pointer borrowed from the set. */
typedef struct cf_cause_ref_s {
    const cf_cause_dict_t *dict;
    const cf_cause_subject_t *subject;
    const cf_cause_t *cause;
    const cf_cause_situation_t *situation;
} cf_cause_ref_t;

/* Allocates an empty set into OUT *out. Returns 0 or CF_ENOMEM. */
int cf_causes_new(cf_causes_t **out);
void cf_causes_free(cf_causes_t *set);

/* Parses one dictionary's YAML (buf, len) and adds it to set; source names the
 * file in errors. Returns 0; CF_EPARSE (not YAML, or not the schema: a missing,
 * unknown or mistyped key) or CF_EINVALID (a dictionary id that is not
 * [A-Za-z0-9._-]+, or already loaded; a duplicate subject type id or name; a
 * duplicate cause id; a cause whose subject type is not declared; a situation
 * number 0 or used twice), with err at the offending line; or CF_ENOMEM. On
 * failure the set is unchanged. */
int cf_causes_load(cf_causes_t *set, const char *buf, size_t len, const char *source,
                   cf_error_t *err);

/* The number of loaded dictionaries, and the i-th (in load order; borrowed), or
 * NULL past the end. */
size_t cf_causes_count(const cf_causes_t *set);
const cf_cause_dict_t *cf_causes_dict(const cf_causes_t *set, size_t i);

/* Finds the situation named id ("js-2024:14", or "14" when one dictionary is
 * loaded). Returns 0 with OUT *ref filled; CF_ENOTFOUND when no dictionary is
 * loaded, the dictionary is unknown, or it has no such situation (a number that
 * is not one included); CF_EINVAL when a bare number is given while several
 * dictionaries are loaded. err says which; *ref untouched on failure. */
int cf_causes_lookup(const cf_causes_t *set, const char *id, cf_cause_ref_t *ref, cf_error_t *err);

/* The subject type of d whose id or name is text ("person" or "自然人"), or NULL.
 * Borrowed. */
const cf_cause_subject_t *cf_cause_subject(const cf_cause_dict_t *d, const char *text);

/* Checks that a party of type party_type (an id or a name of the dictionary's
 * subject types; NULL when not given) may be charged under ref. Returns 0, or
 * CF_EREFUSED with err's text naming the party's type, the cause's subject type
 * and the dictionary's document, in Chinese and English. */
int cf_cause_check_party(const cf_cause_ref_t *ref, const char *party_type, cf_error_t *err);

/* The record a case keeps of its 案由 (the "cause" member of case.opened):
 * {dictionary: "js-2024", id: cause id, subject: {id, name}, name: cause name,
 *  situation: number, text: situation text}. A new reference, or NULL on ENOMEM. */
json_t *cf_cause_ref_json(const cf_cause_ref_t *ref);

#endif
