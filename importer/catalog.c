/*
 * catalog.c -- writing the matter catalog as YAML (cf_catalog_dump) and merging
 * matters from several documents into one catalog (cf_catalog_append). Reading
 * and checking it back is catalog-load.c. docs/catalog.md describes the format.
 *
 * Design: the catalog is emitted from the same jansson values the importer
 * builds, through libyaml's event emitter, so quoting and escaping are libyaml's
 * job and never ours. Each string is given the style a reader will take back as
 * a string: multi-line text as a literal block (|), a string that a YAML reader
 * would resolve to something else (true, no, ~, 12, 1.5, "") double-quoted,
 * everything else plain (the emitter itself falls back to quotes when a plain
 * scalar would be misread, e.g. "- x" or "a: b"). Short lists and maps of
 * scalars are written in flow style ([行政处罚], {file: x, line: 6}) to keep a
 * matter readable. Rejected: writing YAML with printf, which is how catalogs
 * get corrupted by a colon in a law's title.
 */
#include "catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "importer-int.h"

/* ---- emitting ---- */

static int write_cb(void *data, unsigned char *buffer, size_t size)
{
    cf__sb_add(data, (const char *)buffer, size);
    return !((cf__sb_t *)data)->oom;
}

/* 1 when a plain scalar s would be read back as something other than a string. */
static int ambiguous(const char *s)
{
    static const char *const words[] = {"true", "false", "yes", "no", "on", "off",  "null",
                                        "True", "False", "Yes", "No", "On", "Off",  "Null",
                                        "TRUE", "FALSE", "YES", "NO", "ON", "OFF",  "NULL",
                                        "~",    "y",     "n",   "Y",  "N",  ".inf", ".nan"};
    size_t len = strlen(s); /* no word is longer than 5 bytes: most strings are */
    if (!*s)
        return 1;
    for (size_t i = 0; len <= 5 && i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(s, words[i]) == 0)
            return 1;
    /* anything a YAML 1.1 or 1.2 reader could take for a number (12, -1.5, 1e3,
     * 0x1F, 0o17, .5, 1_000, 12:30) is quoted */
    const char *p = s + (*s == '-' || *s == '+');
    return ((*p >= '0' && *p <= '9') || (*p == '.' && p[1] >= '0' && p[1] <= '9')) &&
           strspn(p, "0123456789abcdefABCDEFxXoO._+-:") == strlen(p);
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
    return yaml_emitter_emit(e, ev) ? 0 : CF_ENOMEM;
}

static int emit_scalar(yaml_emitter_t *e, const char *s, yaml_scalar_style_t style)
{
    yaml_event_t ev;
    if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                                      style))
        return CF_ENOMEM;
    return emit(e, &ev);
}

static int emit_string(yaml_emitter_t *e, const char *s)
{
    yaml_scalar_style_t style = strchr(s, '\n') ? YAML_LITERAL_SCALAR_STYLE
                                : ambiguous(s)  ? YAML_DOUBLE_QUOTED_SCALAR_STYLE
                                                : YAML_ANY_SCALAR_STYLE;
    return emit_scalar(e, s, style);
}

/* 1 when v is a short array or object of scalars, written in flow style. */
static int flow(const json_t *v)
{
    size_t total = 0, n = json_is_array(v) ? json_array_size(v) : json_object_size(v);
    if (n == 0)
        return 1;
    const char *k;
    json_t *x;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, x) {
            if (!json_is_string(x) || strchr(json_string_value(x), '\n'))
                return 0;
            total += strlen(json_string_value(x)) + 2;
        }
    } else {
        json_object_foreach((json_t *)v, k, x) {
            if (json_is_object(x) || json_is_array(x) ||
                (json_is_string(x) && strchr(json_string_value(x), '\n')))
                return 0;
            total += strlen(k) + (json_is_string(x) ? strlen(json_string_value(x)) : 8) + 4;
        }
    }
    return total <= 120;
}

static int emit_value(yaml_emitter_t *e, const json_t *v);

static int emit_object(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    const char *k;
    json_t *x;
    int rc = yaml_mapping_start_event_initialize(
                 &ev, NULL, NULL, 1, flow(v) ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE)
                 ? emit(e, &ev)
                 : CF_ENOMEM;
    json_object_foreach((json_t *)v, k, x) {
        if (!rc)
            rc = emit_string(e, k);
        if (!rc)
            rc = emit_value(e, x);
    }
    if (!rc)
        rc = yaml_mapping_end_event_initialize(&ev) ? emit(e, &ev) : CF_ENOMEM;
    return rc;
}

static int emit_array(yaml_emitter_t *e, const json_t *v)
{
    yaml_event_t ev;
    size_t i;
    json_t *x;
    int rc = yaml_sequence_start_event_initialize(
                 &ev, NULL, NULL, 1, flow(v) ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE)
                 ? emit(e, &ev)
                 : CF_ENOMEM;
    json_array_foreach(v, i, x) {
        if (!rc)
            rc = emit_value(e, x);
    }
    if (!rc)
        rc = yaml_sequence_end_event_initialize(&ev) ? emit(e, &ev) : CF_ENOMEM;
    return rc;
}

static int emit_value(yaml_emitter_t *e, const json_t *v)
{
    char num[32];
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return emit_object(e, v);
    case JSON_ARRAY:
        return emit_array(e, v);
    case JSON_STRING:
        return emit_string(e, json_string_value(v));
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return emit_scalar(e, num, YAML_PLAIN_SCALAR_STYLE);
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.17g", json_real_value(v));
        return emit_scalar(e, num, YAML_PLAIN_SCALAR_STYLE);
    case JSON_TRUE:
        return emit_scalar(e, "true", YAML_PLAIN_SCALAR_STYLE);
    case JSON_FALSE:
        return emit_scalar(e, "false", YAML_PLAIN_SCALAR_STYLE);
    default:
        return emit_scalar(e, "~", YAML_PLAIN_SCALAR_STYLE);
    }
}

static int emit_document(yaml_emitter_t *e, const json_t *doc)
{
    yaml_event_t ev;
    int rc = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) ? emit(e, &ev) : CF_ENOMEM;
    if (!rc)
        rc = yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) ? emit(e, &ev)
                                                                            : CF_ENOMEM;
    if (!rc)
        rc = emit_value(e, doc);
    if (!rc)
        rc = yaml_document_end_event_initialize(&ev, 1) ? emit(e, &ev) : CF_ENOMEM;
    if (!rc)
        rc = yaml_stream_end_event_initialize(&ev) ? emit(e, &ev) : CF_ENOMEM;
    return rc;
}

static int check_matters(const json_t *matters, cf_error_t *err)
{
    if (!json_is_array(matters))
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0, "matters is not an array");
    for (size_t i = 0; i < json_array_size(matters); i++) {
        const json_t *m = json_array_get(matters, i);
        if (!json_is_object(m) || !json_is_string(json_object_get(m, "id")) ||
            !json_is_string(json_object_get(m, "name")))
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                                "matter %zu is not an object with an id and a name", i + 1);
    }
    return 0;
}

/* Exported, documented in catalog.h */
int cf_catalog_dump(const json_t *matters, const json_t *sources, char **out, size_t *len,
                    cf_error_t *err)
{
    int rc = check_matters(matters, err);
    if (rc)
        return rc;
    json_t *doc = json_pack("{s:i}", "catalog", 1);
    if (doc && sources && json_object_set(doc, "sources", (json_t *)sources))
        json_decref(doc), doc = NULL;
    if (doc && json_object_set(doc, "matters", (json_t *)matters))
        json_decref(doc), doc = NULL;
    if (!doc)
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    cf__sb_t sb = {0};
    cf__sb_adds(&sb, "# caseflow matter catalog (format: docs/catalog.md)\n");
    yaml_emitter_t e;
    rc = yaml_emitter_initialize(&e) ? 0 : CF_ENOMEM;
    if (!rc) {
        yaml_emitter_set_output(&e, write_cb, &sb);
        yaml_emitter_set_unicode(&e, 1);
        yaml_emitter_set_width(&e, -1);
        yaml_emitter_set_indent(&e, 2);
        rc = emit_document(&e, doc);
        yaml_emitter_delete(&e);
    }
    json_decref(doc);
    char *s = cf__sb_take(&sb);
    if (rc || !s) {
        free(s);
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory writing the catalog");
    }
    *out = s;
    if (len)
        *len = strlen(s);
    return 0;
}

/* ---- merging ---- */

/* Exported, documented in catalog.h */
int cf_catalog_append(json_t *into, json_t *add, cf_errlist_t *notes)
{
    json_t *ids = json_object();
    size_t i;
    json_t *m;
    if (!ids)
        return CF_ENOMEM;
    json_array_foreach(into, i, m)
        json_object_set_new(ids, json_string_value(json_object_get(m, "id")), json_true());
    int rc = 0;
    json_array_foreach(add, i, m) {
        const char *id = json_string_value(json_object_get(m, "id"));
        char buf[300];
        snprintf(buf, sizeof(buf), "%s", id ? id : "matter");
        for (int k = 2; json_object_get(ids, buf); k++)
            snprintf(buf, sizeof(buf), "%s-%d", id ? id : "matter", k);
        if (!id || strcmp(buf, id) != 0) {
            json_t *src = json_object_get(m, "source");
            if (notes && cf_errlist_add(notes, json_string_value(json_object_get(src, "file")),
                                        (int)json_integer_value(json_object_get(src, "line")), 0,
                                        "id %s is taken in the catalog; this matter is %s",
                                        id ? id : "(none)", buf))
                rc = CF_ENOMEM;
            if (json_object_set_new(m, "id", json_string(buf)))
                rc = CF_ENOMEM;
        }
        if (json_object_set_new(ids, buf, json_true()) || json_array_append(into, m))
            rc = CF_ENOMEM;
        if (rc)
            break;
    }
    json_decref(ids);
    return rc;
}
