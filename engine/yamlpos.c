/*
 * yamlpos.c -- the position map of a YAML document. See yamlpos.h.
 *
 * A walk over libyaml's events with a small stack: each open mapping remembers
 * whether it expects a key and the last key; each open sequence counts its
 * entries. A node's path is the stack's components joined with dots. Anchors and
 * aliases are not followed (an alias gets the alias's own position), which is
 * what an error message wants anyway. Linear lookups are fine: a workflow has a
 * few thousand nodes at most and is checked once per load.
 */
#include "yamlpos.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 64

typedef struct frame_s {
    int is_map;
    int expect_key; /* maps: the next scalar is a key */
    long index;     /* sequences: index of the next entry */
    char key[128];  /* maps: the current key */
} frame_t;

typedef struct walk_s {
    frame_t stack[MAX_DEPTH];
    int depth;
} walk_t;

static int add(cf__yamlpos_t *map, const char *path, yaml_mark_t mark)
{
    if (map->entries_count == map->cap) {
        size_t cap = map->cap ? map->cap * 2 : 256;
        cf__yamlpos_entry_t *e = realloc(map->entries, cap * sizeof(*e));
        if (!e)
            return -1;
        map->entries = e;
        map->cap = cap;
    }
    char *p = strdup(path);
    if (!p)
        return -1;
    map->entries[map->entries_count++] =
        (cf__yamlpos_entry_t){p, (int)mark.line + 1, (int)mark.column + 1};
    return 0;
}

/* The path of the node about to start (or open), into buf. An open sequence's
 * index is advanced only when its entry closes, so every frame's index is the
 * entry currently being read. */
static void node_path(walk_t *w, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int i = 0; i < w->depth && n < size; i++) {
        frame_t *f = &w->stack[i];
        const char *sep = n ? "." : "";
        if (f->is_map)
            n += (size_t)snprintf(buf + n, size - n, "%s%s", sep, f->key);
        else
            n += (size_t)snprintf(buf + n, size - n, "%s%ld", sep, f->index);
    }
}

/* After a complete value inside the top frame: advance it. */
static void value_done(walk_t *w)
{
    if (w->depth == 0)
        return;
    frame_t *f = &w->stack[w->depth - 1];
    if (f->is_map)
        f->expect_key = 1;
    else
        f->index++;
}

static int on_scalar(cf__yamlpos_t *map, walk_t *w, yaml_event_t *ev)
{
    frame_t *top = w->depth ? &w->stack[w->depth - 1] : NULL;
    if (top && top->is_map && top->expect_key) {
        char path[1100];
        snprintf(top->key, sizeof(top->key), "%s", (const char *)ev->data.scalar.value);
        top->expect_key = 0;
        node_path(w, path, sizeof(path) - 1);
        strcat(path, "^");
        return add(map, path, ev->start_mark);
    }
    char path[1024];
    node_path(w, path, sizeof(path));
    int rc = add(map, path, ev->start_mark);
    value_done(w);
    return rc;
}

static int on_open(cf__yamlpos_t *map, walk_t *w, yaml_event_t *ev, int is_map)
{
    char path[1024];
    node_path(w, path, sizeof(path));
    if (w->depth && add(map, path, ev->start_mark) != 0)
        return -1;
    if (w->depth == MAX_DEPTH)
        return -1;
    w->stack[w->depth++] = (frame_t){.is_map = is_map, .expect_key = 1};
    return 0;
}

static int on_event(cf__yamlpos_t *map, walk_t *w, yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
        if (ev->type == YAML_ALIAS_EVENT) {
            yaml_event_t fake = *ev;
            fake.data.scalar.value = (yaml_char_t *)"*alias";
            return on_scalar(map, w, &fake);
        }
        return on_scalar(map, w, ev);
    case YAML_MAPPING_START_EVENT:
        return on_open(map, w, ev, 1);
    case YAML_SEQUENCE_START_EVENT:
        return on_open(map, w, ev, 0);
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
        if (w->depth > 0)
            w->depth--;
        value_done(w);
        return 0;
    default:
        return 0;
    }
}

/* Exported, documented in yamlpos.h */
int cf__yamlpos_build(cf__yamlpos_t *map, const char *buf, size_t len)
{
    memset(map, 0, sizeof(*map));
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return -1;
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    walk_t w = {.depth = 0};
    int rc = 0, done = 0;
    while (!done) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = -1;
            break;
        }
        done = ev.type == YAML_STREAM_END_EVENT;
        if (on_event(map, &w, &ev) != 0)
            rc = -1, done = 1;
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* Exported, documented in yamlpos.h */
void cf__yamlpos_free(cf__yamlpos_t *map)
{
    for (size_t i = 0; i < map->entries_count; i++)
        free(map->entries[i].path);
    free(map->entries);
    memset(map, 0, sizeof(*map));
}

/* Exported, documented in yamlpos.h */
void cf__yamlpos_find_key(const cf__yamlpos_t *map, int *line, int *column, const char *fmt, ...)
{
    char path[1100];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path) - 1, fmt, ap);
    va_end(ap);
    strcat(path, "^");
    *line = *column = 0;
    for (size_t i = 0; i < map->entries_count; i++)
        if (strcmp(map->entries[i].path, path) == 0) {
            *line = map->entries[i].line;
            *column = map->entries[i].column;
            return;
        }
}

/* Exported, documented in yamlpos.h */
void cf__yamlpos_find(const cf__yamlpos_t *map, int *line, int *column, const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof(path), fmt, ap);
    va_end(ap);
    *line = *column = 0;
    for (;;) {
        for (size_t i = 0; i < map->entries_count; i++)
            if (strcmp(map->entries[i].path, path) == 0) {
                *line = map->entries[i].line;
                *column = map->entries[i].column;
                return;
            }
        char *dot = strrchr(path, '.');
        if (!dot)
            return;
        *dot = '\0';
    }
}

/* Exported, documented in yamlpos.h */
int cf__yamlpos_verror(const cf__yamlpos_t *map, cf_error_t *err, const char *source,
                       const char *path, const char *prefix, const char *fmt, va_list ap)
{
    int line, column;
    char text[CF_ERROR_TEXT_MAX];
    vsnprintf(text, sizeof(text), fmt, ap);
    cf__yamlpos_find(map, &line, &column, "%s", path);
    return cf_error_set(err, CF_EINVALID, source, line, column, "%s%s", prefix, text);
}
