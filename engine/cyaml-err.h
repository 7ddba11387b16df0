/*
 * cyaml-err.h -- located errors from libcyaml, for every schema-checked loader
 * (workflows, calendars, 案由 dictionaries). Internal to the engine.
 *
 * libcyaml reports a schema error through its log: a message line, then a
 * backtrace of "in mapping field 'x' (line: N, column: M)" entries, innermost
 * first. Two of its positions are off: a YAML syntax error is placed at the last
 * good node (libyaml's own mark is exact), and an unexpected key at the node read
 * before the key. cf__cyaml_locate corrects both, so every loader reports the
 * same, right, line.
 */
#ifndef CF_CYAML_ERR_H
#define CF_CYAML_ERR_H

#include <cyaml/cyaml.h>
#include <stddef.h>

#include "error.h"

typedef struct cf__cyaml_log_s {
    char text[2048];
    size_t len;
} cf__cyaml_log_t;

/* A libcyaml configuration that captures errors into log (emptied first), or
 * logs nothing when log is NULL (for cyaml_free). */
cyaml_config_t cf__cyaml_config(cf__cyaml_log_t *log);

/* Where a failed load went wrong in buf (len bytes), from the captured log. OUT
 * line, column (1-based); OUT message (the log's message line, e.g. "Invalid ENUM
 * value: weeks") and field (the innermost backtrace entry, e.g. "mapping field
 * 'unit'", or "" when there is none or it would mislead), each NUL-terminated
 * within its size. */
void cf__cyaml_locate(const cf__cyaml_log_t *log, const char *buf, size_t len, int *line,
                      int *column, char *message, size_t message_size, char *field,
                      size_t field_size);

/* cf__cyaml_locate as one located error: fills err (may be NULL) with source, the
 * position and "<what>: <message>", and returns CF_EPARSE. */
int cf__cyaml_error(const cf__cyaml_log_t *log, const char *buf, size_t len, const char *source,
                    const char *what, cf_error_t *err);

#endif
