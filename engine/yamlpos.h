/*
 * yamlpos.h -- where each node of a YAML document starts, by path.
 *
 * libcyaml loads a document into structs but keeps no positions, and a semantic
 * check ("transition 4 goes to an unknown state") must still name the line. So
 * the same bytes are walked once more with libyaml's event parser, recording the
 * start mark of every node under a dotted path: "transitions.3.to",
 * "states.0", "clocks.1.start.2" (sequence indexes 0-based); and of every
 * mapping key, under its value's path with a trailing "^". Lines and columns are
 * 1-based. Internal to the engine.
 */
#ifndef CF_YAMLPOS_H
#define CF_YAMLPOS_H

#include <stdarg.h>
#include <stddef.h>

#include "error.h"

typedef struct cf__yamlpos_entry_s {
    char *path;
    int line;
    int column;
} cf__yamlpos_entry_t;

typedef struct cf__yamlpos_s {
    cf__yamlpos_entry_t *entries;
    size_t entries_count;
    size_t cap;
} cf__yamlpos_t;

/* Builds the map. Returns 0, or -1 when the bytes are not YAML (the map then
 * holds what was read before the error). Free with cf__yamlpos_free either way. */
int cf__yamlpos_build(cf__yamlpos_t *map, const char *buf, size_t len);
void cf__yamlpos_free(cf__yamlpos_t *map);

/* The position of the mapping key whose value is at the printf-formatted path
 * (the key itself, not its value); line 0 when there is no such key. */
void cf__yamlpos_find_key(const cf__yamlpos_t *map, int *line, int *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The position of the node at the printf-formatted path; falls back to the
 * nearest enclosing node that was recorded (dropping trailing components), and
 * to line 0 when none. OUT line, column. */
void cf__yamlpos_find(const cf__yamlpos_t *map, int *line, int *column, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The one way the loaders report a problem found at a node: sets err (may be
 * NULL) to CF_EINVALID at source and the position of path (as cf__yamlpos_find),
 * its text prefix (e.g. "calendar: ") then fmt formatted with ap. Returns
 * CF_EINVALID. */
int cf__yamlpos_verror(const cf__yamlpos_t *map, cf_error_t *err, const char *source,
                       const char *path, const char *prefix, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

#endif
