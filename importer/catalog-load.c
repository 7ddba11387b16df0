/*
 * catalog-load.c -- reading a matter catalog back (cf_catalog_load): YAML text
 * to jansson values, then a check of every key against the format of
 * docs/catalog.md, each problem reported with its line.
 *
 * Design: libyaml's event parser builds the values, and the check walks them.
 * Lines are needed only to report a problem, so a first pass keeps none; when
 * the check finds one, a second pass keeps the line of every mapping key and
 * sequence item on the side, in a table keyed by (container, key or index),
 * and the check runs again to report it located (a catalog of 10,000 matters
 * has some 300,000 keys: the table cost a quarter of a clean load). Rejected: libcyaml with a fixed
 * schema, which would need C structs for a record the importer and the CLI
 * otherwise handle as JSON (the store keeps matters as JSON too), and would
 * report `extra` (a free map of labels) awkwardly. Cost: the schema lives in
 * code here (check_matter and friends) rather than in a table.
 *
 * Scalars are typed as YAML 1.2 core: a plain 12 is an integer, plain true /
 * false a boolean, plain ~ / null / nothing a null; a quoted scalar is always a
 * string. Aliases and anchors are refused (a catalog has no use for them, and
 * they make "billion laughs" inputs possible). Nesting deeper than MAXDEPTH is
 * refused.
 */
#include "catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "importer-int.h"

#define MAXDEPTH 32

typedef struct pos_s {
    const json_t *parent;
    char *key; /* NULL for a sequence item */
    size_t index;
    const json_t *value;
    int line;
} pos_t;

typedef struct loader_s {
    int track;        /* keep the line of every key and item (only to locate a problem) */
    cf_catalog_cb cb; /* streaming: each matter to cb, not kept (NULL: kept) */
    void *ctx;
    int cb_rc;   /* what cb returned, when it stopped the load */
    json_t *ids; /* streaming: the ids seen, for duplicates */
    yaml_parser_t parser;
    const char *source;
    cf_error_t *err;
    pos_t *pos;
    size_t npos;
    size_t cap;
} loader_t;

/* ---- parsing ---- */

static int add_pos(loader_t *l, const json_t *parent, const char *key, size_t index,
                   const json_t *value, int line)
{
    if (!l->track)
        return 0;
    if (l->npos == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        pos_t *p = realloc(l->pos, cap * sizeof(*p));
        if (!p)
            return CF_ENOMEM;
        l->pos = p;
        l->cap = cap;
    }
    char *k = key ? strdup(key) : NULL;
    if (key && !k)
        return CF_ENOMEM;
    l->pos[l->npos++] = (pos_t){parent, k, index, value, line};
    return 0;
}

/* The line of a mapping or sequence value (0 if unknown). */
static int line_of(const loader_t *l, const json_t *value)
{
    for (size_t i = 0; i < l->npos; i++)
        if (l->pos[i].value == value)
            return l->pos[i].line;
    return 0;
}

static int line_at(const loader_t *l, const json_t *parent, const char *key, size_t index)
{
    for (size_t i = 0; i < l->npos; i++)
        if (l->pos[i].parent == parent && (key ? l->pos[i].key && strcmp(l->pos[i].key, key) == 0
                                               : !l->pos[i].key && l->pos[i].index == index))
            return l->pos[i].line;
    return 0;
}

static int next_event(loader_t *l, yaml_event_t *ev)
{
    if (yaml_parser_parse(&l->parser, ev))
        return 0;
    const yaml_parser_t *p = &l->parser;
    return cf_error_set(l->err, p->error == YAML_MEMORY_ERROR ? CF_ENOMEM : CF_EPARSE, l->source,
                        (int)p->problem_mark.line + 1, (int)p->problem_mark.column + 1, "%s%s%s",
                        p->problem ? p->problem : "malformed YAML", p->context ? " " : "",
                        p->context ? p->context : "");
}

/* libyaml has checked the text is UTF-8: jansson need not check it again. */
static json_t *scalar_value(const yaml_event_t *ev)
{
    const char *s = (const char *)ev->data.scalar.value;
    size_t n = ev->data.scalar.length;
    if (memchr(s, '\0', n)) /* an escaped NUL ("\0"): a string jansson cannot hold whole */
        return json_string(s);
    if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return json_stringn_nocheck(s, n);
    if (!*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0)
        return json_null();
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0)
        return json_boolean(s[0] == 't');
    const char *p = s + (*s == '-');
    if (*p && strspn(p, "0123456789") == strlen(p) && strlen(p) < 18)
        return json_integer(strtoll(s, NULL, 10));
    return json_stringn_nocheck(s, n);
}

static int parse_node(loader_t *l, yaml_event_t *ev, int depth, json_t **out);

static int check_matter(const loader_t *l, const json_t *m, json_t *ids);

/* The catalog's `matters` when streaming: each item parsed, checked, given to
 * l->cb and released; OUT *out an empty array in its place (the items are
 * gone). ev (consumed) starts the sequence. */
static int stream_matters(loader_t *l, yaml_event_t *ev, json_t **out)
{
    int line = (int)ev->start_mark.line + 1;
    int seq = ev->type == YAML_SEQUENCE_START_EVENT && !ev->data.sequence_start.anchor;
    if (!seq)
        return parse_node(l, ev, 1, out); /* not a list: the check says so */
    yaml_event_delete(ev);
    for (;;) {
        yaml_event_t item;
        int rc = next_event(l, &item);
        if (rc)
            return rc;
        if (item.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&item);
            break;
        }
        json_t *m = NULL;
        rc = parse_node(l, &item, 2, &m);
        if (!rc)
            rc = json_is_object(m) ? check_matter(l, m, l->ids)
                                   : cf_error_set(l->err, CF_EINVALID, l->source, line, 0,
                                                  "a matter must be a mapping");
        if (!rc && (l->cb_rc = l->cb(l->ctx, m)) != 0)
            rc = l->cb_rc;
        json_decref(m);
        if (rc)
            return rc;
    }
    return (*out = json_array()) ? 0 : CF_ENOMEM;
}

static int parse_mapping(loader_t *l, int depth, json_t *obj)
{
    for (;;) {
        yaml_event_t k, v;
        int rc = next_event(l, &k);
        if (rc)
            return rc;
        if (k.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&k);
            return 0;
        }
        int line = (int)k.start_mark.line + 1;
        if (k.type != YAML_SCALAR_EVENT) {
            yaml_event_delete(&k);
            return cf_error_set(l->err, CF_EINVALID, l->source, line, 0,
                                "a mapping key must be a plain word");
        }
        const char *key = (const char *)k.data.scalar.value; /* freed with k */
        json_t *val = NULL;
        rc = next_event(l, &v);
        if (!rc && l->cb && depth == 0 && strcmp(key, "matters") == 0)
            rc = stream_matters(l, &v, &val);
        else if (!rc)
            rc = parse_node(l, &v, depth + 1, &val);
        if (!rc && json_object_get(obj, key))
            rc = cf_error_set(l->err, CF_EINVALID, l->source, line, 0, "duplicate key '%s'", key);
        if (!rc && (json_object_set_new(obj, key, val) || add_pos(l, obj, key, 0, val, line)))
            rc = CF_ENOMEM;
        else if (rc)
            json_decref(val);
        yaml_event_delete(&k);
        if (rc)
            return rc;
    }
}

static int parse_sequence(loader_t *l, int depth, json_t *arr)
{
    for (size_t i = 0;; i++) {
        yaml_event_t ev;
        int rc = next_event(l, &ev);
        if (rc)
            return rc;
        if (ev.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&ev);
            return 0;
        }
        int line = (int)ev.start_mark.line + 1;
        json_t *val = NULL;
        rc = parse_node(l, &ev, depth + 1, &val);
        if (!rc && (json_array_append_new(arr, val) || add_pos(l, arr, NULL, i, val, line)))
            rc = CF_ENOMEM;
        if (rc)
            return rc;
    }
}

/* Builds the value that starts with ev (consumed). */
static int parse_node(loader_t *l, yaml_event_t *ev, int depth, json_t **out)
{
    int line = (int)ev->start_mark.line + 1, rc = 0;
    yaml_event_type_t type = ev->type;
    if (type == YAML_SCALAR_EVENT && !ev->data.scalar.anchor)
        rc = (*out = scalar_value(ev)) ? 0 : CF_ENOMEM;
    yaml_char_t *anchor = type == YAML_MAPPING_START_EVENT    ? ev->data.mapping_start.anchor
                          : type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.anchor
                          : type == YAML_SCALAR_EVENT         ? ev->data.scalar.anchor
                                                              : NULL;
    yaml_event_delete(ev);
    if (type == YAML_SCALAR_EVENT && !anchor)
        return rc;
    if (anchor || type == YAML_ALIAS_EVENT)
        return cf_error_set(l->err, CF_EINVALID, l->source, line, 0,
                            "anchors and aliases are not allowed in a catalog");
    if (depth > MAXDEPTH)
        return cf_error_set(l->err, CF_EINVALID, l->source, line, 0, "nesting too deep");
    if (type != YAML_MAPPING_START_EVENT && type != YAML_SEQUENCE_START_EVENT)
        return cf_error_set(l->err, CF_EPARSE, l->source, line, 0, "unexpected YAML event");
    json_t *v = type == YAML_MAPPING_START_EVENT ? json_object() : json_array();
    if (!v)
        return CF_ENOMEM;
    rc =
        type == YAML_MAPPING_START_EVENT ? parse_mapping(l, depth, v) : parse_sequence(l, depth, v);
    if (rc)
        json_decref(v);
    else
        *out = v;
    return rc;
}

/* The single document of the stream. */
static int parse_document(loader_t *l, json_t **root)
{
    yaml_event_t ev;
    int rc = 0;
    *root = NULL;
    while (!rc) {
        if ((rc = next_event(l, &ev)) != 0)
            break;
        yaml_event_type_t t = ev.type;
        int line = (int)ev.start_mark.line + 1;
        if (t == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (t == YAML_STREAM_START_EVENT || t == YAML_DOCUMENT_START_EVENT ||
            t == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&ev);
            continue;
        }
        if (*root) {
            yaml_event_delete(&ev);
            rc = cf_error_set(l->err, CF_EINVALID, l->source, line, 0,
                              "a catalog is one YAML document");
            break;
        }
        rc = parse_node(l, &ev, 0, root);
    }
    return rc;
}

/* ---- checking ---- */

enum { T_STR, T_INT, T_BOOL, T_ARR, T_OBJ };

static int bad(const loader_t *l, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int bad(const loader_t *l, int line, const char *fmt, ...)
{
    char text[CF_ERROR_TEXT_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return cf_error_set(l->err, CF_EINVALID, l->source, line, 0, "%s", text);
}

static int typed(const json_t *v, int type)
{
    return type == T_STR    ? json_is_string(v)
           : type == T_INT  ? json_is_integer(v)
           : type == T_BOOL ? json_is_boolean(v)
           : type == T_ARR  ? json_is_array(v)
                            : json_is_object(v);
}

typedef struct field_s {
    const char *name;
    int type;
    int required;
} field_t;

/* Checks that obj has only the given keys, with their types, and the required
 * ones. */
static int check_keys(const loader_t *l, const json_t *obj, const field_t *keys, size_t n,
                      const char *what)
{
    static const char *const tn[] = {"a string", "an integer", "true or false", "a list",
                                     "a mapping"};
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)obj, k, v) {
        size_t i = 0;
        while (i < n && strcmp(keys[i].name, k) != 0)
            i++;
        if (i == n)
            return bad(l, line_at(l, obj, k, 0), "unknown key '%s' in %s", k, what);
        if (!typed(v, keys[i].type))
            return bad(l, line_at(l, obj, k, 0), "'%s' in %s must be %s", k, what,
                       tn[keys[i].type]);
    }
    for (size_t i = 0; i < n; i++)
        if (keys[i].required && !json_object_get(obj, keys[i].name))
            return bad(l, line_of(l, obj), "%s lacks '%s'", what, keys[i].name);
    return 0;
}

static int word(const char *s, const char *allowed)
{
    return s && *s && strspn(s, allowed) == strlen(s);
}

#define LOWER    "abcdefghijklmnopqrstuvwxyz0123456789-"
#define ASCII_ID LOWER "ABCDEFGHIJKLMNOPQRSTUVWXYZ_."

/* Each item of the array at obj[key] must be of type (and satisfy ok, if given). */
static int check_items(const loader_t *l, const json_t *obj, const char *key, int type,
                       int (*ok)(const json_t *), const char *what)
{
    const json_t *arr = json_object_get(obj, key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        if (!typed(v, type) || (ok && !ok(v)))
            return bad(l, line_at(l, arr, NULL, i), "%s: item %zu of '%s' is not valid%s%s", what,
                       i + 1, key, json_is_string(v) ? ": " : "",
                       json_is_string(v) ? json_string_value(v) : "");
    }
    return 0;
}

static int known_power(const json_t *v)
{
    for (int i = 0; i < CF__POWER_TYPES; i++)
        if (strcmp(json_string_value(v), cf__power_names[i]) == 0)
            return 1;
    return 0;
}

static int workflow_id(const json_t *v)
{
    return word(json_string_value(v), LOWER);
}

static int check_basis(const loader_t *l, const json_t *b)
{
    static const field_t bk[] = {{"text", T_STR, 1}, {"citations", T_ARR, 1}};
    static const field_t ck[] = {{"law", T_STR, 1}, {"articles", T_ARR, 1}};
    int rc = check_keys(l, b, bk, 2, "legal_basis");
    const json_t *cites = json_object_get(b, "citations");
    for (size_t i = 0; !rc && i < json_array_size(cites); i++) {
        const json_t *c = json_array_get(cites, i);
        rc = json_is_object(c) ? check_keys(l, c, ck, 2, "a citation")
                               : bad(l, line_at(l, cites, NULL, i), "a citation must be a mapping");
        if (!rc)
            rc = check_items(l, c, "articles", T_STR, NULL, "a citation");
    }
    return rc;
}

static int limit_ok(const json_t *t)
{
    static const char *const units[] = {"days", "working_days", "hours", "months"};
    const char *u = json_string_value(json_object_get(t, "unit"));
    for (size_t i = 0; u && i < 4; i++)
        if (strcmp(u, units[i]) == 0)
            return json_integer_value(json_object_get(t, "amount")) > 0;
    return 0;
}

static int check_objects(const loader_t *l, const json_t *m, const char *key, const field_t *keys,
                         size_t n, const char *what, int (*ok)(const json_t *))
{
    const json_t *arr = json_object_get(m, key);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);
        /* The line is looked up only to report: the lookup is a scan of every
         * position, and doing it for each item made a load quadratic. */
        int rc = json_is_object(v) ? check_keys(l, v, keys, n, what)
                                   : bad(l, line_at(l, arr, NULL, i), "%s must be a mapping", what);
        if (!rc && ok && !ok(v))
            rc = bad(l, line_at(l, arr, NULL, i),
                     "%s: amount must be > 0 and unit one of days, working_days, "
                     "hours, months",
                     what);
        if (rc)
            return rc;
    }
    return 0;
}

static int check_extra(const loader_t *l, const json_t *extra)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)extra, k, v) {
        if (!json_is_string(v))
            return bad(l, line_at(l, extra, k, 0), "extra '%s' must be a string", k);
    }
    return 0;
}

static const field_t matter_keys[] = {{"id", T_STR, 1},
                                      {"number", T_INT, 0},
                                      {"number_inferred", T_BOOL, 0},
                                      {"name", T_STR, 1},
                                      {"sub_item", T_STR, 0},
                                      {"power_type", T_STR, 1},
                                      {"power_types", T_ARR, 1},
                                      {"code", T_STR, 0},
                                      {"agency", T_STR, 0},
                                      {"unit", T_STR, 0},
                                      {"legal_basis", T_OBJ, 0},
                                      {"responsibilities", T_ARR, 0},
                                      {"accountability", T_ARR, 0},
                                      {"time_limits", T_ARR, 0},
                                      {"workflows", T_ARR, 1},
                                      {"extra", T_OBJ, 0},
                                      {"source", T_OBJ, 1}};

static int check_matter(const loader_t *l, const json_t *m, json_t *ids)
{
    static const field_t rk[] = {{"step", T_STR, 1}, {"text", T_STR, 1}};
    static const field_t tk[] = {
        {"text", T_STR, 1}, {"amount", T_INT, 1}, {"unit", T_STR, 1}, {"from", T_STR, 0}};
    static const field_t sk[] = {{"file", T_STR, 1}, {"line", T_INT, 1}};
    int rc =
        check_keys(l, m, matter_keys, sizeof(matter_keys) / sizeof(matter_keys[0]), "a matter");
    const char *id = rc ? NULL : json_string_value(json_object_get(m, "id"));
    if (!rc && !word(id, ASCII_ID))
        rc = bad(l, line_at(l, m, "id", 0),
                 "id '%s' must be ASCII letters, digits, '-', '_' or '.'", id);
    if (!rc && json_object_get(ids, id))
        rc = bad(l, line_at(l, m, "id", 0), "duplicate id '%s'", id);
    if (!rc && !*json_string_value(json_object_get(m, "name")))
        rc = bad(l, line_at(l, m, "name", 0), "matter '%s' has an empty name", id);
    if (!rc)
        rc = check_items(l, m, "power_types", T_STR, known_power, "a matter");
    if (!rc)
        rc = check_items(l, m, "workflows", T_STR, workflow_id, "a matter");
    if (!rc)
        rc = check_items(l, m, "accountability", T_STR, NULL, "a matter");
    if (!rc && json_object_get(m, "legal_basis"))
        rc = check_basis(l, json_object_get(m, "legal_basis"));
    if (!rc)
        rc = check_objects(l, m, "responsibilities", rk, 2, "a responsibility", NULL);
    if (!rc)
        rc = check_objects(l, m, "time_limits", tk, 4, "a time limit", limit_ok);
    if (!rc)
        rc = check_keys(l, json_object_get(m, "source"), sk, 2, "source");
    if (!rc)
        rc = check_extra(l, json_object_get(m, "extra"));
    if (!rc && json_object_set_new(ids, id, json_true()))
        rc = CF_ENOMEM;
    return rc;
}

static int check_catalog(const loader_t *l, const json_t *root)
{
    static const field_t top[] = {
        {"catalog", T_INT, 1}, {"sources", T_ARR, 0}, {"matters", T_ARR, 1}};
    if (!json_is_object(root))
        return bad(l, 1, "not a catalog: expected a mapping with 'catalog' and 'matters'");
    int rc = check_keys(l, root, top, 3, "the catalog");
    if (!rc && json_integer_value(json_object_get(root, "catalog")) != 1)
        rc = bad(l, line_at(l, root, "catalog", 0), "unsupported catalog version %lld",
                 (long long)json_integer_value(json_object_get(root, "catalog")));
    const json_t *ms = json_object_get(root, "matters");
    json_t *ids = json_object();
    if (!ids)
        return CF_ENOMEM;
    for (size_t i = 0; !rc && i < json_array_size(ms); i++) {
        const json_t *m = json_array_get(ms, i);
        rc = json_is_object(m) ? check_matter(l, m, ids)
                               : bad(l, line_at(l, ms, NULL, i), "a matter must be a mapping");
    }
    json_decref(ids);
    return rc;
}

/* One parse and check of the catalog; track: keep the line of every key and
 * item (the positions table), which only a problem found by the check needs;
 * cb: stream the matters to it (matters then NULL). OUT *checked: 1 when the
 * problem, if any, was found by the check (not by the YAML parser or cb). */
static int load_pass(const char *buf, size_t len, const char *source, int track, cf_catalog_cb cb,
                     void *ctx, json_t **matters, int *checked, cf_error_t *err)
{
    loader_t l;
    memset(&l, 0, sizeof(l));
    l.track = track;
    l.cb = cb;
    l.ctx = ctx;
    if (cb && (l.ids = json_object()) == NULL)
        return cf_error_set(err, CF_ENOMEM, source, 0, 0, "out of memory");
    l.source = source ? source : "catalog";
    l.err = err;
    *checked = 0;
    if (!yaml_parser_initialize(&l.parser))
        return cf_error_set(err, CF_ENOMEM, l.source, 0, 0, "out of memory");
    yaml_parser_set_input_string(&l.parser, (const unsigned char *)buf, len);
    json_t *root = NULL;
    int rc = parse_document(&l, &root);
    if (!rc) {
        *checked = 1;
        rc = check_catalog(&l, root);
    } else {
        *checked = rc == CF_EINVALID && !l.cb_rc; /* a matter refused while streaming */
    }
    if (!rc && matters) {
        *matters = json_incref(json_object_get(root, "matters"));
    } else if (rc == CF_ENOMEM) {
        cf_error_set(err, rc, l.source, 0, 0, "out of memory");
    }
    json_decref(root);
    json_decref(l.ids);
    yaml_parser_delete(&l.parser);
    for (size_t i = 0; i < l.npos; i++)
        free(l.pos[i].key);
    free(l.pos);
    return rc;
}

/* Exported, documented in catalog.h */
int cf_catalog_load(const char *buf, size_t len, const char *source, json_t **matters,
                    cf_error_t *err)
{
    if (!buf || !matters)
        return cf_error_set(err, CF_EINVAL, source, 0, 0, "no input or no output");
    int checked = 0, rc = load_pass(buf, len, source, 0, NULL, NULL, matters, &checked, err);
    if (rc && rc != CF_ENOMEM && checked) /* again, keeping lines, to say where */
        rc = load_pass(buf, len, source, 1, NULL, NULL, matters, &checked, err);
    return rc;
}

/* Exported, documented in catalog.h */
int cf_catalog_each(const char *buf, size_t len, const char *source, cf_catalog_cb cb, void *ctx,
                    cf_error_t *err)
{
    if (!buf || !cb)
        return cf_error_set(err, CF_EINVAL, source, 0, 0, "no input or no callback");
    int checked = 0, rc = load_pass(buf, len, source, 0, cb, ctx, NULL, &checked, err);
    if (rc && rc != CF_ENOMEM && checked) { /* again, whole and keeping lines, to say where */
        json_t *all = NULL;
        int again = load_pass(buf, len, source, 1, NULL, NULL, &all, &checked, err);
        json_decref(all);
        rc = again ? again : rc;
    }
    return rc;
}
