/*
 * overlay.c -- laying an overlay over a workflow. See overlay.h.
 *
 * Design: both texts become plain trees (jansson values whose scalars are all
 * strings, as YAML wrote them), the overlay is merged into the base tree, and the
 * result is emitted as YAML with libyaml's emitter, which quotes whatever needs
 * quoting. The typed reading stays where it is, in workflow.c's libcyaml schema:
 * this file never decides what a value means, so it cannot disagree with the
 * loader. The cost is one more parse of the merged text, at load time only.
 *
 * Merge rules, by top-level key of the overlay:
 *   overlay            the base's id (must match the base given)
 *   id, version, title replace the base's
 *   basis              appended
 *   facts, states,     appended; an id the base already has is a problem
 *   transitions
 *   clocks, rules,     an id the base has replaces that entry whole; others appended
 *   party_kinds
 *   redirect           [{action, from, to}]: the base's transition for action from
 *                      that state goes to `to` instead (split out of a shared
 *                      `from` list when it has several)
 */
#include "overlay.h"
#include "yamlpos.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* ---- YAML to tree ------------------------------------------------------------------ */

/* n as a tree of strings, or NULL. *budget: the nodes still allowed, one taken per node
 * read; it starts at the document's node count, so it runs out only when a node is
 * read twice, i.e. through an alias (*a): nested aliases ("billion laughs") would
 * otherwise make a tree exponentially larger than the text. */
static json_t *node_tree(yaml_document_t *doc, yaml_node_t *n, int depth, size_t *budget)
{
    if (!n || depth > 64 || *budget == 0)
        return NULL;
    --*budget;
    if (n->type == YAML_SCALAR_NODE)
        return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
    if (n->type == YAML_SEQUENCE_NODE) {
        json_t *a = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start;
             a && i < n->data.sequence.items.top; i++) {
            json_t *v = node_tree(doc, yaml_document_get_node(doc, *i), depth + 1, budget);
            if (!v || json_array_append_new(a, v) != 0) {
                json_decref(a);
                return NULL;
            }
        }
        return a;
    }
    json_t *o = json_object();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; o && p < n->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        json_t *v = node_tree(doc, yaml_document_get_node(doc, p->value), depth + 1, budget);
        if (!k || k->type != YAML_SCALAR_NODE || !v ||
            json_object_set_new(o, (const char *)k->data.scalar.value, v) != 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

/* OUT *tree: the document as a tree of strings, or CF_EPARSE with err located. */
static int parse_tree(const char *buf, size_t len, const char *source, json_t **tree,
                      cf_errlist_t *problems)
{
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser))
        return CF_ENOMEM;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        cf_errlist_add(problems, source, (int)parser.problem_mark.line + 1,
                       (int)parser.problem_mark.column + 1, "YAML syntax error: %s",
                       parser.problem ? parser.problem : "malformed");
        rc = CF_EPARSE;
    } else {
        yaml_node_t *root = yaml_document_get_root_node(&doc);
        size_t budget = (size_t)(doc.nodes.top - doc.nodes.start);
        *tree = root && root->type == YAML_MAPPING_NODE ? node_tree(&doc, root, 0, &budget) : NULL;
        if (!*tree) {
            cf_errlist_add(problems, source, 1, 1,
                           budget == 0 ? "YAML aliases (*name) are not accepted"
                                       : "not a YAML mapping");
            rc = CF_EPARSE;
        }
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Exported, documented in overlay.h */
int cf_overlay_base(const char *buf, size_t len, char **base_id)
{
    json_t *tree = NULL;
    cf_errlist_t ignored = {0};
    int rc = parse_tree(buf, len, NULL, &tree, &ignored);
    cf_errlist_free(&ignored);
    if (rc != 0)
        return rc;
    const char *base = json_string_value(json_object_get(tree, "overlay"));
    rc = base ? 1 : 0;
    if (base && !(*base_id = strdup(base)))
        rc = CF_ENOMEM;
    json_decref(tree);
    return rc;
}

/* ---- merging ----------------------------------------------------------------------- */

typedef struct merge_s {
    const char *source;
    cf__yamlpos_t pos; /* of the overlay */
    cf_errlist_t *problems;
    size_t found;
} merge_t;

static void problem(merge_t *m, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void problem(merge_t *m, const char *path, const char *fmt, ...)
{
    cf_error_t e;
    va_list ap;
    va_start(ap, fmt);
    cf__yamlpos_verror(&m->pos, &e, m->source, path, "", fmt, ap);
    va_end(ap);
    cf_errlist_add(m->problems, m->source, e.line, e.column, "%s", e.text);
    m->found++;
}

/* The index of the entry of list whose key field equals value, or -1. */
static long find_by(const json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)list, i, e) {
        const char *v = json_string_value(json_object_get(e, key));
        if (v && value && strcmp(v, value) == 0)
            return (long)i;
    }
    return -1;
}

/* The base's list under key, created empty if absent. */
static json_t *list_of(json_t *base, const char *key)
{
    json_t *l = json_object_get(base, key);
    if (!json_is_array(l)) {
        l = json_array();
        json_object_set_new(base, key, l);
    }
    return l;
}

/* facts, states, transitions: appended; a duplicate id is a problem. */
static void add_entries(merge_t *m, json_t *base, const json_t *add, const char *key,
                        const char *id_key)
{
    json_t *list = list_of(base, key);
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)add, i, e) {
        const char *id = json_string_value(json_object_get(e, id_key));
        char path[64];
        snprintf(path, sizeof(path), "%s.%zu", key, i);
        if (id_key && strcmp(key, "transitions") != 0 && find_by(list, id_key, id) >= 0)
            problem(m, path, "overlay adds %s '%s', which the base already has", key, id);
        else
            json_array_append(list, e);
    }
}

/* clocks, rules: an id the base has is replaced whole; others appended. */
static void replace_entries(json_t *base, const json_t *add, const char *key)
{
    json_t *list = list_of(base, key);
    size_t i;
    json_t *e;
    json_array_foreach((json_t *)add, i, e) {
        long at = find_by(list, "id", json_string_value(json_object_get(e, "id")));
        if (at >= 0)
            json_array_set(list, (size_t)at, e);
        else
            json_array_append(list, e);
    }
}

/* 1 if the transition's from list names state. */
static long from_index(const json_t *t, const char *state)
{
    size_t i;
    json_t *s;
    json_array_foreach(json_object_get(t, "from"), i, s)
        if (!strcmp(json_string_value(s), state))
            return (long)i;
    return -1;
}

static void redirect_one(merge_t *m, json_t *transitions, const json_t *r, size_t index)
{
    const char *action = json_string_value(json_object_get(r, "action"));
    const char *from = json_string_value(json_object_get(r, "from"));
    const char *to = json_string_value(json_object_get(r, "to"));
    char path[64];
    snprintf(path, sizeof(path), "redirect.%zu", index);
    if (!action || !from || !to) {
        problem(m, path, "a redirect needs action, from and to");
        return;
    }
    size_t i;
    json_t *t;
    json_array_foreach(transitions, i, t) {
        long at = from_index(t, from);
        if (at < 0 || strcmp(json_string_value(json_object_get(t, "action")), action) != 0)
            continue;
        json_t *moved = json_deep_copy(t);
        json_object_set_new(moved, "from", json_pack("[s]", from));
        json_object_set_new(moved, "to", json_string(to));
        if (json_array_size(json_object_get(t, "from")) == 1) {
            json_array_set_new(transitions, i, moved);
        } else {
            json_array_remove(json_object_get(t, "from"), (size_t)at);
            json_array_append_new(transitions, moved);
        }
        return;
    }
    problem(m, path, "no transition '%s' from state '%s' to redirect", action, from);
}

static const char *const known_keys[] = {
    "overlay",  "id",          "version",           "title",  "basis",
    "facts",    "states",      "transitions",       "clocks", "rules",
    "redirect", "party_kinds", "evidence_required", NULL};

static void merge(merge_t *m, json_t *base, const json_t *ov)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)ov, key, v) {
        int known = 0;
        for (const char *const *k = known_keys; *k; k++)
            known |= strcmp(*k, key) == 0;
        if (!known)
            problem(m, key, "overlays may not set '%s'", key);
    }
    static const char *const replaced[] = {"id", "version", "title"};
    for (size_t i = 0; i < 3; i++)
        if (json_object_get(ov, replaced[i]))
            json_object_set(base, replaced[i], json_object_get(ov, replaced[i]));
    json_array_extend(list_of(base, "basis"), json_object_get(ov, "basis"));
    add_entries(m, base, json_object_get(ov, "facts"), "facts", "id");
    add_entries(m, base, json_object_get(ov, "states"), "states", "id");
    add_entries(m, base, json_object_get(ov, "transitions"), "transitions", "action");
    replace_entries(base, json_object_get(ov, "clocks"), "clocks");
    replace_entries(base, json_object_get(ov, "rules"), "rules");
    if (json_object_get(ov, "party_kinds")) /* a province's own mapping of party types */
        replace_entries(base, json_object_get(ov, "party_kinds"), "party_kinds");
    if (json_object_get(ov, "evidence_required")) /* by id, as rules */
        replace_entries(base, json_object_get(ov, "evidence_required"), "evidence_required");
    size_t i;
    json_array_foreach(json_object_get(ov, "redirect"), i, v)
        redirect_one(m, list_of(base, "transitions"), v, i);
}

/* ---- tree to YAML -------------------------------------------------------------------- */

typedef struct outbuf_s {
    char *data;
    size_t len;
    size_t cap;
} outbuf_t;

static int write_out(void *ctx, unsigned char *buffer, size_t size)
{
    outbuf_t *o = ctx;
    if (o->len + size + 1 > o->cap) {
        size_t cap = (o->len + size + 1) * 2;
        char *d = realloc(o->data, cap);
        if (!d)
            return 0;
        o->data = d;
        o->cap = cap;
    }
    memcpy(o->data + o->len, buffer, size);
    o->len += size;
    o->data[o->len] = '\0';
    return 1;
}

static int emit(yaml_emitter_t *e, yaml_event_t *ev)
{
    return yaml_emitter_emit(e, ev) ? 0 : CF_ENOMEM;
}

static int emit_scalar(yaml_emitter_t *e, const char *s)
{
    yaml_event_t ev;
    yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s), 1, 1,
                                 YAML_ANY_SCALAR_STYLE);
    return emit(e, &ev);
}

static int emit_tree(yaml_emitter_t *e, const json_t *t)
{
    yaml_event_t ev;
    int rc = 0;
    if (json_is_string(t))
        return emit_scalar(e, json_string_value(t));
    if (json_is_array(t)) {
        size_t i;
        json_t *v;
        yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1, YAML_ANY_SEQUENCE_STYLE);
        rc = emit(e, &ev);
        json_array_foreach((json_t *)t, i, v)
            if (rc == 0)
                rc = emit_tree(e, v);
        yaml_sequence_end_event_initialize(&ev);
        return rc == 0 ? emit(e, &ev) : rc;
    }
    const char *k;
    json_t *v;
    yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1, YAML_BLOCK_MAPPING_STYLE);
    rc = emit(e, &ev);
    json_object_foreach((json_t *)t, k, v) {
        if (rc == 0)
            rc = emit_scalar(e, k);
        if (rc == 0)
            rc = emit_tree(e, v);
    }
    yaml_mapping_end_event_initialize(&ev);
    return rc == 0 ? emit(e, &ev) : rc;
}

/* The tree as a YAML document, with a header comment-free canonical layout. */
static int emit_yaml(const json_t *tree, outbuf_t *out)
{
    yaml_emitter_t e;
    yaml_event_t ev;
    if (!yaml_emitter_initialize(&e))
        return CF_ENOMEM;
    yaml_emitter_set_output(&e, write_out, out);
    yaml_emitter_set_unicode(&e, 1);
    yaml_emitter_set_width(&e, -1);
    yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING);
    int rc = emit(&e, &ev);
    yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1);
    if (rc == 0)
        rc = emit(&e, &ev);
    if (rc == 0)
        rc = emit_tree(&e, tree);
    yaml_document_end_event_initialize(&ev, 1);
    if (rc == 0)
        rc = emit(&e, &ev);
    yaml_stream_end_event_initialize(&ev);
    if (rc == 0)
        rc = emit(&e, &ev);
    yaml_emitter_delete(&e);
    return rc;
}

/* Exported, documented in overlay.h */
int cf_overlay_apply(const char *base, size_t base_len, const char *base_hash, const char *overlay,
                     size_t overlay_len, const char *source, char **merged, size_t *merged_len,
                     cf_errlist_t *problems)
{
    cf_errlist_t local = {0};
    merge_t m = {.source = source, .problems = problems ? problems : &local};
    json_t *b = NULL, *o = NULL;
    outbuf_t out = {0};
    int rc = parse_tree(overlay, overlay_len, source, &o, m.problems);
    if (rc == 0)
        rc = parse_tree(base, base_len, "base workflow", &b, m.problems);
    if (rc == 0) {
        cf__yamlpos_build(&m.pos, overlay, overlay_len);
        const char *want = json_string_value(json_object_get(o, "overlay"));
        json_t *base_id = json_incref(json_object_get(b, "id")); /* the merge replaces it */
        const char *have = json_string_value(base_id);
        if (!want || !have || strcmp(want, have) != 0)
            problem(&m, "overlay", "the overlay lays over '%s', not over '%s'",
                    want ? want : "(nothing)", have ? have : "(no id)");
        const char *id = json_string_value(json_object_get(o, "id"));
        if (!id || (have && strcmp(id, have) == 0))
            problem(&m, "id", "an overlay needs an id of its own, not the base's");
        merge(&m, b, o);
        json_object_set_new(b, "overlay_of",
                            json_pack("{s:s?, s:s}", "id", have, "hash", base_hash));
        json_decref(base_id);
        cf__yamlpos_free(&m.pos);
        rc = m.found ? CF_EINVALID : emit_yaml(b, &out);
    }
    json_decref(b);
    json_decref(o);
    cf_errlist_free(&local);
    if (rc != 0) {
        free(out.data);
        return rc;
    }
    *merged = out.data;
    *merged_len = out.len;
    return 0;
}
