/*
 * ops.h -- the operation layer: one function per change to a case, shared by
 * the command line (api/cli) and the daemon (api/http).
 *
 * Dependencies point one way: api/cli, api/http -> api/ops -> storage -> engine.
 * This layer links neither h2o nor curl.
 *
 * Each operation takes an input struct, which the command line fills from argv
 * and the daemon from a request's JSON, and does the three steps every change
 * takes: read (the case, its pinned workflow, the calendar), decide (the pure
 * engine returns events or a refusal), write (documents, events, case row, clock
 * index and the alerts index, together). It answers with data (cf_ops_out_t),
 * which each front end renders (text, --json, an HTTP answer).
 *
 * Transactions: with ops->in_tx = 0 an operation runs in a transaction of its own
 * (BEGIN IMMEDIATE ... COMMIT: the command line); with ops->in_tx = 1 the caller
 * holds one (the daemon's writer: a savepoint per request inside a batch) and
 * rolls it back when the operation fails.
 *
 * The checks made at the door, for both front ends alike (issue 19):
 *   - JSON nests at most CF_OPS_JSON_DEPTH levels (facts, a request's body);
 *   - a document is stored whole or refused: at most limits.doc_max bytes, read
 *     from a regular file only;
 *   - an event's time is never before the case's last event; a time in the past
 *     given by hand (--at) lies within limits.backdate window and is recorded
 *     beside the time it was entered and by whom ("entered_at", "entered_by").
 */
#ifndef CF_OPS_H
#define CF_OPS_H

#include <jansson.h>
#include <stddef.h>

#include "cache.h"
#include "engine.h"
#include "store.h"

/* The deepest nesting of JSON accepted from anyone (a fact's value, a request
 * body): far below the parser's own limit (jansson: 2048), so that whatever is
 * accepted is also stored and read back (a snapshot nests a fact a few levels
 * deeper than the request did). */
#define CF_OPS_JSON_DEPTH 32

/* Default limits (docs/api.md, README). */
#define CF_OPS_DOC_MAX_DEFAULT       (64u * 1024 * 1024) /* bytes of one document */
#define CF_OPS_BACKDATE_DAYS_DEFAULT 30                  /* how far back --at may go */

typedef struct cf_ops_limits_s {
    size_t doc_max;        /* largest document in bytes; 0: CF_OPS_DOC_MAX_DEFAULT */
    int64_t backdate_secs; /* how far before now a given time may lie; 0: the default;
                              < 0: no time in the past at all */
} cf_ops_limits_t;

/* Reads the whole regular file at path into a NUL-terminated malloc'd buffer, at
 * most max bytes (0: no limit). OUT *buf, *len (may be NULL). Returns 0; CF_EIO
 * naming the path and the system's reason; CF_EINVAL when path is not a regular
 * file (a directory, a FIFO, a device: refused without reading, and without
 * waiting for a FIFO's writer); CF_EINVAL when it holds more than max bytes
 * (reading stops at the limit; the error states it). On failure nothing is
 * allocated. */
int cf_ops_read_file(const char *path, size_t max, char **buf, size_t *len, cf_error_t *err);

/* The depth of v: how many arrays and objects nest in it (a scalar is 0, [] and
 * {} are 1, [[1]] is 2), counted no further than limit. */
int cf_ops_json_depth(const json_t *v, int limit);

/* 0 if v nests at most CF_OPS_JSON_DEPTH levels; else CF_EINVAL with err naming
 * what (e.g. "fact 'officers'") and the limit. */
int cf_ops_check_depth(const json_t *v, const char *what, cf_error_t *err);

#endif
