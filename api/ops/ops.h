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
 * naming the path and the system's reason; CF_EINVALID when path is not a regular
 * file (a directory, a FIFO, a device: refused without reading, and without
 * waiting for a FIFO's writer); CF_EINVALID when it holds more than max bytes
 * (reading stops at the limit; the error states it). On failure nothing is
 * allocated. */
int cf_ops_read_file(const char *path, size_t max, char **buf, size_t *len, cf_error_t *err);

/* Writes len bytes of text to path as a whole: through path.tmp, fsync'd and
 * renamed over path, so that a reader sees the old file or the new one, never
 * half. When path exists and is not a regular file (a device such as /dev/null
 * or /dev/stdout, a FIFO), the text is written to it directly: renaming over it
 * would replace the device with a file (as root, /dev/null itself). Returns 0;
 * CF_EIO naming path and the system's reason (path.tmp removed); CF_EINVALID
 * when path is a directory. */
int cf_ops_write_file(const char *path, const char *text, size_t len, cf_error_t *err);

/* The depth of v: how many arrays and objects nest in it (a scalar is 0, [] and
 * {} are 1, [[1]] is 2), counted no further than limit. */
int cf_ops_json_depth(const json_t *v, int limit);

/* 0 if v nests at most CF_OPS_JSON_DEPTH levels; else CF_EINVALID with err naming
 * what (e.g. "fact 'officers'") and the limit. */
int cf_ops_check_depth(const json_t *v, const char *what, cf_error_t *err);

/* ---- the operation layer ---- */

/* What every operation runs on. The caller owns everything in it. */
typedef struct cf_ops_s {
    cf_store_t *store;
    const cf_calendar_t *cal;
    cf_wfcache_t *wfs;      /* workflows read through it; cases too when wfs->cases */
    int in_tx;              /* 1: the caller holds a transaction (or savepoint) */
    cf_ops_limits_t limits; /* zeros: the defaults */
} cf_ops_t;

/* Who asks, when, and against which version. */
typedef struct cf_ops_by_s {
    const char *actor;
    const char *role;
    const char *agency; /* the daemon's token's agency: a case must be its (CF_ENOTFOUND
                           otherwise) and a new case is stamped with it; NULL: none
                           (the command line, which reaches every case) */
    cf_time_t now;      /* when it is entered */
    cf_time_t at;       /* the time it claims (--at); 0: now */
    int64_t if_match;   /* the version the caller read, or -1 */
} cf_ops_by_t;

/* One document attached to an action: its bytes, from one of three sources. */
typedef struct cf_ops_doc_s {
    const char *name; /* the document's name in the workflow, e.g. 立案审批表 */
    const char *file; /* the original file name kept on the event; NULL: path's base */
    const char *path; /* read this file (the command line) ... */
    const void *data; /* ... or these len bytes (the daemon: decoded base64) ... */
    size_t len;
    const char *sha256; /* ... or only a reference to a document kept elsewhere:
                           64 hex digits and size (not stored here) */
    int64_t size;
} cf_ops_doc_t;

typedef struct cf_ops_open_s {
    cf_ops_by_t by;
    const char *workflow;   /* the workflow's id, or NULL with matter */
    const char *matter;     /* a catalog matter's id, or NULL */
    int64_t parent;         /* a parent case, or 0 */
    const json_t *party;    /* {"name", "type"?}; borrowed */
    const json_t *facts;    /* an object; string values are converted to the declared type */
    const json_t *officers; /* [{"name", "cert"}] into the fact officers, or NULL */
    const char *cause;      /* a 案由 situation ("js-2024:14"), or NULL */
    const char *agency;     /* the agency the case belongs to (--agency), or NULL: by.agency,
                               else the database's default (init --agency), else none.
                               Given with by.agency it must be the same (CF_EINVAL). */
    cf_chain_algo_t algo;
} cf_ops_open_t;

typedef struct cf_ops_act_s {
    cf_ops_by_t by;
    int64_t case_id;
    const char *action;
    const json_t *facts; /* as for open */
    const cf_ops_doc_t *docs;
    size_t docs_count;
} cf_ops_act_t;

typedef struct cf_ops_extend_s {
    cf_ops_by_t by;
    int64_t case_id;
    const char *clock;
    const char *period; /* "30 days" */
    const char *reason;
} cf_ops_extend_t;

typedef struct cf_ops_exclude_s {
    cf_ops_by_t by;
    int64_t case_id;
    const char *clock;
    const char *from, *to; /* ISO 8601 */
    const char *reason;
} cf_ops_exclude_t;

/* What an operation answers. Dispose with cf_ops_out_dispose whatever the result. */
typedef struct cf_ops_out_s {
    cf_case_t c;    /* on success: the case after the change */
    json_t *events; /* on success: the events appended, sealed; owned */
    int refused;    /* on failure: 1 when why holds the engine's refusal, 0 when err
                       holds the error */
    cf_refusal_t why;
    cf_error_t err;
    int64_t version; /* CF_ECONFLICT: the case's version now, or -1 */
    int has_case;    /* c is to be disposed */
    int unchecked;   /* internal: the case was taken from the writer's cache unchecked */
    int check;       /* internal: read it from the database (the retry after a stale one) */
} cf_ops_out_t;

void cf_ops_out_init(cf_ops_out_t *out);
void cf_ops_out_dispose(cf_ops_out_t *out);

/* Each operation returns 0 with out->c and out->events, or a negative CF_E*
 * code with out->refused telling where its reason is (out->why or out->err):
 *   CF_EINVAL     bad input (a missing field, a time in the future, outside the
 *                 backdating window or before the case's last event);
 *   CF_EINVALID   bad content (an undeclared or mistyped fact, JSON too deep, a
 *                 document too large or not a regular file);
 *   CF_ENOTFOUND  no such case (or another agency's), workflow, matter, cause;
 *   CF_ECONFLICT  by.if_match is not the case's version, or another write came
 *                 first (out->version says the current one);
 *   CF_EREFUSED, CF_EFORBIDDEN, CF_ECLOSED, CF_ERANGE  the engine refused (why);
 *   a storage error.
 * A failed operation writes nothing it could not roll back: with in_tx = 0 its
 * transaction is rolled back; with in_tx = 1 the caller must roll back. */
int cf_ops_open(cf_ops_t *ops, const cf_ops_open_t *in, cf_ops_out_t *out);
int cf_ops_act(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_out_t *out);
int cf_ops_extend(cf_ops_t *ops, const cf_ops_extend_t *in, cf_ops_out_t *out);
int cf_ops_exclude(cf_ops_t *ops, const cf_ops_exclude_t *in, cf_ops_out_t *out);

/* ---- a transition prepared before its write (the daemon: api/http/serve-writer.c) ---- */

/* A transition decided, sealed and summarized on a connection of its own (a read-only
 * one, off the writer thread), ready to be written by the writer if the case is still
 * as it was read (ops-ready.c). */
typedef struct cf_ops_ready_s {
    int ready;        /* 1: prepared (the rest is set); 0: the writer does it all */
    int used;         /* cf_ops_act_put: 1 when the prepared rows were written */
    cf_case_t before; /* the case as read: its id, version, head, state, closed_at only */
    cf_case_t next;   /* the case after the change (events folded in, sealed) */
    json_t *events;   /* the events, sealed, as cf_ops_act answers them; owned */
    char **bodies;    /* each event's stored text (count of them) */
    size_t count;
    char *snapshot; /* next's snapshot text */
    size_t snapshot_cap;
    cf_summary_t old; /* the summary as read with the case (has_old), and the next */
    cf_summary_t sum;
    char *sum_text; /* sum's text (cf_summary_text), when it differs from old; else NULL */
    int has_old;
    char agency[128]; /* the case's (the caller's, checked) */
} cf_ops_ready_t;

void cf_ops_ready_init(cf_ops_ready_t *r);
void cf_ops_ready_dispose(cf_ops_ready_t *r);

/* Prepares in on ops->store (read-only is enough; no transaction held), the case taken
 * from ops->wfs->cases (the writer's case cache, read under its lock) when it holds it
 * at the stored head, as cf_ops_act would decide it: 0 with r->ready = 1, or non-zero with r->ready
 * = 0 for anything it leaves to the writer's whole path (a refusal, a conflict, bad input: answered
 * there, so every answer is the one cf_ops_act gives; and what depends on more than the case row:
 * documents, numbers given, child cases, the 案由 dictionary, a matter, a caller without an
 * agency). */
int cf_ops_act_prepare(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_ready_t *r);

/* Writes r (prepared by cf_ops_act_prepare for in) inside the caller's transaction
 * (ops->in_tx = 1): if the case row is still at r->before's version and head, the rows
 * cf_ops_act would write for the same change (case row, events, clocks, summary and
 * counts, the alerts index when a clock changed), r->used = 1, and out->events; the case
 * after it is moved into the case cache when there is one (out->has_case 0), else into
 * out->c. Else (or r not ready) cf_ops_act(ops, in, out) does it all. Returns as
 * cf_ops_act. */
int cf_ops_act_put(cf_ops_t *ops, const cf_ops_act_t *in, cf_ops_ready_t *r, cf_ops_out_t *out);

/* An item of the evidence register, or a record (询问笔录, 现场检查笔录): engine
 * evidence.h. item is its JSON as the API's body gives it, without "file"; the file,
 * if any, comes as a document (bytes or a reference) and is stored like one. */
typedef struct cf_ops_evidence_s {
    cf_ops_by_t by;
    int64_t case_id;
    int record;              /* 0: evidence; 1: a record */
    const json_t *item;      /* borrowed */
    const cf_ops_doc_t *doc; /* its file (name: ignored), or NULL */
} cf_ops_evidence_t;

/* Adds in's item to the case's register (ops-evidence.c): the event
 * evidence.added or record.added, and the file's bytes, in one transaction.
 * Returns as the operations above; the engine's refusals (an unknown kind, one
 * officer ...) with out->refused. */
int cf_ops_evidence(cf_ops_t *ops, const cf_ops_evidence_t *in, cf_ops_out_t *out);

/* A person acknowledges a fired alert (ops-alert.c): the command line's `alert ack`
 * and the API's POST /v1/alerts/{alert_id}/ack. by: actor, role, agency (NULL: any
 * case), now (the event's time, never before the case's last event; by.at is not
 * taken). */
typedef struct cf_ops_ack_s {
    cf_ops_by_t by;
    const char *alert_id;
} cf_ops_ack_t;

/* Appends alert.acknowledged {alert_id, clock, point, escalated} to the alert's case
 * and marks the alert acknowledged, in one transaction (ops's or the caller's). OUT
 * *a (the alert), out->c (the case after it), out->events. CF_ENOTFOUND: no such
 * alert, or another agency's; CF_ECONFLICT: not fired yet, or acknowledged already
 * (out->err says when); CF_EINVAL: no id, role or actor (who acknowledges is named);
 * a store error. */
int cf_ops_alert_ack(cf_ops_t *ops, const cf_ops_ack_t *in, cf_alert_t *a, cf_ops_out_t *out);

/* Which alerts to list: the agency's (NULL: the database's default, init --agency), perhaps only a
 * handler's, pending (1: unfired, -1: fired, 0: both) and unacked (fired and nobody acknowledged),
 * after the cursor (after_due, after_id: cf_ops_alert_cursor; after_id NULL: from the first), at
 * most limit (1 to 1000). */
typedef struct cf_ops_alerts_s {
    const char *agency;
    const char *handler;
    int pending, unacked;
    cf_time_t after_due;
    const char *after_id;
    int limit;
} cf_ops_alerts_t;

/* state as the API's ?state= and `alert list --state` take it (NULL, "pending", "fired",
 * "unacknowledged") into OUT *pending, *unacked; CF_EINVAL for anything else. */
int cf_ops_alert_state(const char *state, int *pending, int *unacked);

/* A cursor as given (an alert id, of today's form or the form before schema 10) into OUT
 * *due and id (size bytes), the form the alerts index holds; CF_EINVAL when it is none. */
int cf_ops_alert_cursor(const char *text, cf_time_t *due, char *id, size_t size);

/* One page of q's alerts by due instant then alert_id: OUT *rows (new array of {alert_id,
 * case, clock, point, due_at, deadline, fired_at?, provisional?, and on a fired one
 * acknowledged_by, acknowledged_at, escalated_at, null when not}), next (size bytes: the
 * last row's alert_id when another page follows, else ""). A store error. */
int cf_ops_alert_page(cf_store_t *s, const cf_ops_alerts_t *q, json_t **rows, char *next,
                      size_t size, cf_error_t *err);

/* ---- webhook deliveries (ops-outbox.c): GET /v1/alerts/deliveries and POST
 * /v1/alerts/{alert_id}/retry, `alert deliveries` and `alert retry` ---- */

/* Which deliveries to list: the agency's (NULL: the database's default, init --agency;
 * none: the cases opened without one), in state (NULL: both, "pending", "given_up"), the
 * delivery ids after after_id (NULL: from the first), at most limit ids (1 to 1000). */
typedef struct cf_ops_deliveries_s {
    const char *agency;
    const char *state;
    const char *after_id;
    int limit;
} cf_ops_deliveries_t;

/* 0 for a state the list takes (NULL, "pending", "given_up"); CF_EINVAL otherwise (a
 * delivered row is deleted: there is no "done"). */
int cf_ops_delivery_state(const char *state);

/* One page of q's deliveries by delivery id, then URL: OUT *rows (new array of {alert_id,
 * url, state, attempts, created_at, alert}: every webhook's row of each id), next (size
 * bytes: the page's last delivery id when another page follows, else ""). CF_EINVAL for a
 * state cf_ops_delivery_state refuses; a store error. */
int cf_ops_delivery_page(cf_store_t *s, const cf_ops_deliveries_t *q, json_t **rows, char *next,
                         size_t size, cf_error_t *err);

/* A head sends given-up deliveries again. by: role (a head), agency (whose rows; NULL: the
 * database's default), actor (not recorded: a retry changes no case). owner: who posts
 * them, holding them lease_ms (the daemon: its node id and lease); NULL: nobody, so that the
 * next outbox claim of any daemon takes them (the command line). */
typedef struct cf_ops_retry_s {
    cf_ops_by_t by;
    const char *alert_id; /* the delivery id: an alert's, or "<alert_id>:escalated" */
    const char *url;      /* only the delivery to this webhook, or NULL: every one */
    const char *owner;
    int64_t lease_ms;
} cf_ops_retry_t;

/* The checks made before anything is read: CF_EFORBIDDEN unless by.role is "head";
 * CF_ENOTFOUND for an alert_id that cannot be a delivery id (empty, 160 bytes or more,
 * a space, '/', '%' or a byte outside printable ASCII, not beginning with a case's id). */
int cf_ops_delivery_retry_check(const cf_ops_retry_t *in, cf_error_t *err);

/* Sets the agency's given-up deliveries of in->alert_id (to in->url alone when given)
 * pending again, attempts 0, held by in->owner (one statement: no transaction needed,
 * ops->in_tx is not read). OUT *answer (new): {alert_id, retried (how many), deliveries:
 * [{alert_id, url, body, agency}]}, what the API answers. The errors of
 * cf_ops_delivery_retry_check; CF_ENOTFOUND when the agency has no given-up delivery of
 * that id (to that URL); a store error. *answer untouched on failure. */
int cf_ops_delivery_retry(cf_ops_t *ops, const cf_ops_retry_t *in, json_t **answer,
                          cf_error_t *err);

/* A stored file of a case (ops-file.c): its bytes and the name the case records. */
typedef struct cf_ops_file_s {
    void *data; /* malloc'd */
    size_t len;
    char *name; /* malloc'd: the stored file name, or the hash when it has none */
} cf_ops_file_t;

/* text, 64 hex digits of either case, into OUT out in lower case; CF_EINVAL otherwise. */
int cf_ops_sha256_canon(const char *text, char out[65]);

/* The file case id cites under sha256 (its documents, its evidence items' files), as
 * agency sees it (NULL: any case). OUT *out (dispose it with cf_ops_file_dispose).
 * CF_ENOTFOUND for another agency's case or none, a sha256 that is not 64 hex digits,
 * one the case does not cite, or a document cited by reference only (no bytes); a
 * store error. */
int cf_ops_case_file(cf_store_t *s, const char *agency, int64_t id, const char *sha256,
                     cf_ops_file_t *out, cf_error_t *err);
void cf_ops_file_dispose(cf_ops_file_t *f);

/* ---- a case as a bundle (ops-export.c): `case export`, GET /v1/cases/{id}/export ---- */

typedef struct cf_ops_export_s {
    const char *agency; /* the caller's: another agency's case is CF_ENOTFOUND; NULL: any
                           case (the command line) */
    int64_t case_id;
    int bytes;       /* 1: carry the documents' bytes ("documents": "bytes") */
    const char *key; /* a PEM private key file (Ed25519 or SM2) to sign with; NULL: unsigned */
    cf_time_t now;   /* exported_at, when signed */
} cf_ops_export_t;

/* OUT *bundle (new): case in->case_id as a bundle {format "caseflow-bundle/1", case,
 * events, workflow {id, version, hash, source}, matter, calendars, documents, and
 * document_bytes and documents_without_bytes with bytes; signed: exported_at and
 * signature}. CF_ENOTFOUND (no such case, or another agency's), CF_EIO or CF_EPARSE
 * (the key, err's source naming it), a store error. *bundle untouched on failure. */
int cf_ops_case_export(cf_store_t *s, const cf_ops_export_t *in, json_t **bundle, cf_error_t *err);

/* The bundle's text as both front ends write it: indented by two, a final newline.
 * malloc'd, OUT *len (may be NULL); NULL when out of memory. */
char *cf_ops_bundle_text(const json_t *bundle, size_t *len);

/* What a signature covers: bundle without "signature", sorted keys, compact. malloc'd. */
char *cf_ops_bundle_canonical(const json_t *bundle);

/* Calls fn for each document the bundle's events name (name, SHA-256), stopping at
 * the first non-zero answer, which it returns; else 0. */
int cf_ops_bundle_each_document(const json_t *bundle,
                                int (*fn)(void *ctx, const char *name, const char *sha256),
                                void *ctx);

/* ---- a case's 文书 (ops-doc.c): `doc list`, GET /v1/cases/{id}/documents ---- */

typedef struct cf_ops_doc_list_s {
    const char *agency; /* as for cf_ops_export_t */
    int64_t case_id;
    const char *templates; /* the template path (cf_render_path: NULL is $CASEFLOW_TEMPLATES,
                              else workflows/templates) */
} cf_ops_doc_list_t;

/* OUT *list (new): [{name, action (null: held, no open action names it), template
 * (bool: one renders it for the case's workflow), attached? (its SHA-256)}], the
 * documents the actions open from the case's state require, then those the case holds;
 * state (size bytes; may be NULL): the case's state. CF_ENOTFOUND (no such case, or
 * another agency's), a store error. */
int cf_ops_doc_list(cf_store_t *s, const cf_ops_doc_list_t *in, json_t **list, char *state,
                    size_t size, cf_error_t *err);

/* Reads case id (through the case cache when there is one) and its workflow, as
 * by sees it (another agency's case is CF_ENOTFOUND). OUT c (dispose it), *wf
 * (borrowed from ops->wfs). */
int cf_ops_case(cf_ops_t *ops, const cf_ops_by_t *by, int64_t id, cf_case_t *c,
                const cf_workflow_t **wf, cf_error_t *err);

/* The case as both front ends show it (`case show --json`, GET /v1/cases/{id};
 * ops-view.c): the snapshot without its history, times as ISO 8601, `version`,
 * `closed`, `state_name`, `title`, each clock with its status and time left at now
 * (and `provisional` where R11 applies), `allowed` actions, and the case's `number`
 * (案号) and `agency`, null when it has none; the case file (issue 20): `name`
 * (案件名称), `decision_number` (决定书文号), `archive_number` (档案号), `responsible`
 * (负责人), null when none, and `handlers` (承办人, [] when none). The front ends add what is
 * theirs (the command line its events and children, the API its links). Returns a new object, or
 * NULL (out of memory). */
json_t *cf_ops_case_view(cf_store_t *store, const cf_workflow_t *wf, const cf_case_t *c,
                         cf_time_t now);

/* The `--explain` count of clock k of a case (issue 22): its deadline counted once from its
 * start on cal as the engine counts it now (cf_engine_clock_deadline, R8, R11), one line
 * per day examined (counted or skipped and why: weekend, holiday, 调休 working day, the
 * parts excluded or suspended), then "deadline: ...", then, when the recorded deadline
 * differs, a line saying why ("recorded under counting version 1 ..." or "the recorded
 * deadline differs ..."); "cannot count: ..." when it cannot be counted. `case show
 * --explain` prints these lines and GET /v1/cases/{id} gives them as clocks[].explain,
 * so both say the same. A clock counted from elsewhere (from_end_of, from_fact) says
 * first where from and why (cf_engine_clock_from on case c: the end of the suit period,
 * or of the approved plan, 行政处罚法 第七十二条第二款). Returns a new array of strings,
 * or NULL for a clock neither running nor paused (or out of memory). */
json_t *cf_ops_clock_explain(const cf_workflow_t *wf, const cf_calendar_t *cal, const cf_case_t *c,
                             const cf_clock_rt_t *k);

/* Sets `explain` (cf_ops_clock_explain) on each running or paused clock of view (made
 * by cf_ops_case_view for c). Nothing when cal is NULL. */
void cf_ops_view_explain(json_t *view, const cf_workflow_t *wf, const cf_calendar_t *cal,
                         const cf_case_t *c);

/* 1 if appending events can change the case's alerts: a clock event, or the
 * opening. */
int cf_ops_touches_clocks(const json_t *events);

/* The limits in force (the defaults for zeros). */
size_t cf_ops_doc_max(const cf_ops_t *ops);
int64_t cf_ops_backdate_secs(const cf_ops_t *ops);

/* Reads a size ("1048576", "64M", "1G") or a number of days ("30", "30d") from
 * text, as the configuration gives them. Returns 0 or CF_EINVAL. */
int cf_ops_parse_size(const char *text, size_t *out);
int cf_ops_parse_days(const char *text, int64_t *secs);

/* ---- statistics (ops-stats.c; issue 20 item 4) ---- */

typedef struct cf_ops_stats_s {
    const char *agency;  /* the agency; NULL: the database's default (init --agency) */
    const char *handler; /* only this handler's cases, or NULL */
    const char *from;    /* the period's first day, "YYYY-MM-DD"; NULL: 1 January of now's year */
    const char *to;      /* its last day (included); NULL: today */
    cf_time_t now;
    int64_t due_within; /* seconds, for "due"; 0: 7 days */
} cf_ops_stats_t;

/* OUT *out (new): cf_store_stats's answer for in, with agency, handler, from, to
 * (the period as dates, both included) and due_within_days. CF_EINVAL for a date
 * that is not YYYY-MM-DD or a period ending before it begins; a store error. */
int cf_ops_stats(cf_store_t *store, const cf_ops_stats_t *in, json_t **out, cf_error_t *err);

/* Writes the summaries (and so the statistics' counts) of the cases last changed
 * before schema 10, which have none, from their stored snapshots and events, in
 * one transaction, once (the mark migration 14 leaves: cf_store_summary_missing);
 * a case with a summary is not touched. Called wherever a front end opens the
 * store for writing. OUT *count: the cases summarized. */
int cf_ops_summaries_backfill(cf_store_t *store, int64_t *count, cf_error_t *err);

/* The figures of stats as CSV ("measure,key,value" and one line per figure; CRLF
 * line ends, RFC 4180 quoting). malloc'd text, NULL when out of memory. */
char *cf_ops_stats_csv(const json_t *stats);
/* ---- a workflow as JSON (ops-workflow.c) ---- */

/* The definition as `workflow show --json` prints it: {id, author_version, version
 * (stored_version; 0: not stored), hash, power_type, title, initial, states [{id,
 * name, terminal, responsibility?, basis?}], transitions [{action, label, from, to,
 * roles, guard?, basis?}], clocks, rules, overlay_of?}. New reference, or NULL when
 * out of memory. */
json_t *cf_ops_workflow_json(const cf_workflow_t *wf, int stored_version);
/* The same with what a form and a drawing need: facts [{id, name, type}], and per
 * transition requires {facts, documents}, documents (optional ones) and main (on the
 * main line); main_line, its states in order (ops-workflow.c says how it is read).
 * New reference, or NULL. */
json_t *cf_ops_workflow_form(const cf_workflow_t *wf, int stored_version);

/* ---- the 案由 dictionaries as a list (ops-cause.c) ---- */

/* OUT *list (new): every situation of set's dictionaries, of subject type subject (an
 * id such as provider, or a name such as 定点医药机构) or all (NULL), each
 * cf_cause_ref_json with its "ref". CF_ENOTFOUND (named in err) when subject is given
 * and no dictionary has it; CF_ENOMEM. *list untouched on failure. */
int cf_ops_cause_list(const cf_causes_t *set, const char *subject, json_t **list, cf_error_t *err);

#endif
