/*
 * serve-jobs.c -- what one queued request does inside the writer's transaction
 * (writer thread only): it translates the request's JSON into the operation
 * layer's input (api/ops/ops.h), runs the operation inside the job's savepoint
 * (the layer reads, decides, writes and keeps the alerts index in step, as for
 * the command line), and writes the answer and the stream notices as text. What
 * only the daemon does stays here: the answers' text, the notices, and firing
 * alerts.
 *
 * A job never touches the loop: it only fills job->status, answer, notices and
 * alerts, which the loop reads after the commit. A job that fails returns
 * non-zero and the writer rolls its savepoint back, so a refusal writes nothing.
 *
 * Alert events (FIRE): type "alert", actor "caseflow", role "system", with
 * clock, point ("warning" | "deadline"), deadline, due_at, late (fired more than
 * CF__LATE_AFTER seconds after due_at, e.g. because the daemon was down) and
 * alert_id. The alert row is marked fired in the same savepoint as the event.
 * A FIRE job fires one chunk (exec_fire), committed with the writer's batch; the
 * loop delivers it and queues the next chunk (sched.c). So an alert is fired
 * exactly once, in the transaction that marks it, and a crash between chunks
 * leaves the rest pending: they fire at the next start. The same transaction records
 * the webhook deliveries each alert owes (sched-outbox.c).
 *
 * Rows made ahead (a burst). Reading ahead (serve-ahead.c, exec_prefetch) also makes, for each case
 * it reads, the rows its alert's firing will write if nothing changes before the instant
 * (ahead_seal): the event with `at` the instant, sealed onto the head read (canonical
 * text, hash, stored text), the case's next snapshot and the delivered object. At the
 * instant, an alert fired in that very second writes them as they are (fire_sealed,
 * cf_store_case_put_sealed): the case row's update is conditioned on the version they
 * were sealed onto, so a case changed since is refused with nothing written and fired
 * from the store as before. Fired in a later second (a burst that outruns its second),
 * the rows are sealed again for that second (reseal: `at` keeps its width, so the texts
 * are patched in place and hashed once more) and the event records that second. Never
 * dated before the instant: rows are made only for the instant the alerts are due at,
 * and used only at it or later. Rejected: recording the due instant for alerts fired
 * later (the record says when the system acted), and building the rows again from the
 * case in a later second (the seal and the snapshot, ~50,000 instructions, where reseal
 * costs a hash, ~14,000).
 *
 * Divisions: answers (the answer's and the notices' text); requests (JSON -> the
 * operation layer -> answer); fire (the alert event, firing from rows made ahead or from
 * the case, the chunk); then the sign-out and the job switch. Reading ahead (the rows
 * made ahead, exec_prefetch) is serve-ahead.c.
 */
#include "serve-int.h"

#include "jsonw.h"
#include "ops.h"

#include <assert.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CF__FIRE_CHUNK 64   /* when the job has no daemon (fuzz-request) */
#define CF__FIRE_READ  1024 /* due alerts read from the index at a time */
/* Several daemons on one database: how long a claim on due alerts holds (store-claim.c) */
#define CF__CLAIM_LEASE_MS 10000
/* A chunk also ends once it has taken this long, whatever fire_chunk says: every alert
 * of a chunk waits for the chunk's commit, and at a million cases an alert costs
 * 0.1-0.7 ms. The first chunk of a firing gets CF__FIRE_FIRST_US, so the first alerts
 * of a second go out within a few ms; each next chunk gets twice as long, up to
 * CF__FIRE_BUDGET_US, because the last alert of a burst waits for every commit
 * (an fsync, and the log pages every commit rewrites) before it, and fewer, larger
 * chunks make that tail shorter (16 ms and 64 alerts before: 10,000 alerts on one
 * second took at least 157 commits).
 * A chunk yields: once it has run CF__FIRE_FIRST_US, it ends as soon as another job
 * is queued for the writer (a request), so a request waits for at most that much
 * firing plus a commit, however many alerts are due (a million at once), and the
 * firing goes on in the next chunk. */
#define CF__FIRE_FIRST_US  2000
#define CF__FIRE_BUDGET_US 64000

/* ---- answers ------------------------------------------------------------------------- */

/* Sets an error answer {"error": NAME, "text": ...}; returns -1 (roll back). */
static int fail(cf__job_t *j, int code, const char *text)
{
    j->status = cf__http_status(code);
    json_decref(j->answer);
    free(j->answer_text);
    j->answer_text = NULL;
    j->answer = json_pack("{s:s, s:s}", "error", cf_errname(code), "text", text);
    return -1;
}

/* A refusal from the engine: 422 (403 for the role) with rule, article, allowed. */
static int refuse(cf__job_t *j, int code, const cf_refusal_t *why)
{
    fail(j, code, why->text);
    if (j->answer && why->rule[0]) {
        json_object_set_new(j->answer, "rule", json_string(why->rule));
        json_object_set_new(j->answer, "article", json_string(why->article));
    }
    if (j->answer && why->allowed)
        json_object_set(j->answer, "allowed", why->allowed);
    return -1;
}

/* 1 if a stream may want this job's notices: some stream is connected (or the job
 * runs without a daemon). A stream that connects while the batch runs may miss that
 * batch's notices; it has the case's events to read, as for anything before it. */
static int streams_listen(const cf__job_t *j)
{
    return !j->srv || atomic_load(&j->srv->writer.streams) > 0;
}

/* Appends the stream notice for event ev of c, as the Server-Sent Events frame
 *     event: TYPE \n id: CASE:SEQ \n data: JSON \n\n
 * where JSON is the event without "prev", with the case's version and state after
 * the change (replacing the event's own "state", which case.opened has). */
static void notice(cf__jsonw_t *w, const cf_case_t *c, const char *type, const json_t *ev)
{
    const char *key;
    const json_t *v;
    int first = 1, version = 0, state = 0;
    cf__jsonw_text(w, "event: ");
    cf__jsonw_text(w, type);
    cf__jsonw_text(w, "\nid: ");
    cf__jsonw_int(w, c->id);
    cf__jsonw_raw(w, ":", 1);
    cf__jsonw_int(w, json_integer_value(json_object_get(ev, "seq")));
    cf__jsonw_text(w, "\ndata: {");
    json_object_foreach((json_t *)ev, key, v) {
        if (strcmp(key, "prev") == 0)
            continue;
        if (!first)
            cf__jsonw_raw(w, ",", 1);
        first = 0;
        cf__jsonw_str(w, key);
        cf__jsonw_raw(w, ":", 1);
        if (strcmp(key, "version") == 0 && (version = 1))
            cf__jsonw_int(w, c->version);
        else if (strcmp(key, "state") == 0 && (state = 1))
            cf__jsonw_str(w, c->state);
        else
            cf__jsonw_value(w, v, 0);
    }
    if (!version) {
        cf__jsonw_text(w, first ? "\"version\":" : ",\"version\":");
        cf__jsonw_int(w, c->version);
    }
    if (!state) {
        cf__jsonw_key(w, "state");
        cf__jsonw_str(w, c->state);
    }
    cf__jsonw_text(w, "}\n\n");
}

/* The answer to a change, {id, state, version, head, events}, written as text
 * here, and the notices for the stream likewise: the loop then only sends bytes,
 * and the events' JSON is freed by the thread that made it. (Built as JSON here
 * and freed on the loop, answers and notices were half of what both threads did:
 * the loop's frees contended for this thread's malloc arena.) Each event is its
 * stored text (the row's body: the canonical text, then hash and prev), as
 * GET /v1/cases/{id}/events gives it: copied from bodies, the texts its seal made (the
 * preparer's, or those the store kept, cf_store_sealed: writing each event again cost
 * ~9,000 instructions a transition), else written the same way (put_stored). A notice is
 * made for each transition, opening and extension, while a stream is connected. */
static void add_notices(cf__job_t *j, const cf_case_t *c, const json_t *events);

/* Event ev as its stored text (case.c's stored_body): its members but hash and prev, keys
 * sorted (cf_chain_canonical), then "hash" and "prev" last. */
static void put_stored(cf__jsonw_t *w, const json_t *ev)
{
    static const char *const links[] = {"hash", "prev", NULL};
    size_t at = w->len;
    cf__jsonw_value_except(w, ev, 1, links);
    if (w->oom || w->len < at + 2)
        return;
    w->len--;            /* the closing brace */
    if (w->len > at + 1) /* not "{}" */
        cf__jsonw_raw(w, ",", 1);
    const char *hash = json_string_value(json_object_get(ev, "hash")),
               *prev = json_string_value(json_object_get(ev, "prev"));
    cf__jsonw_raw(w, "\"hash\":\"", 8);
    cf__jsonw_text(w, hash ? hash : "");
    cf__jsonw_raw(w, "\",\"prev\":\"", 10);
    cf__jsonw_text(w, prev ? prev : "");
    cf__jsonw_raw(w, "\"}", 2);
}

/* bodies: the events' stored texts (a prepared change), or NULL (written from events) */
static void changed(cf__job_t *j, int status, const cf_case_t *c, const json_t *events,
                    char *const *bodies)
{
    cf__jsonw_t w = {0};
    cf__jsonw_raw(&w, "{\"id\":", 6);
    cf__jsonw_int(&w, c->id);
    cf__jsonw_key(&w, "state");
    cf__jsonw_str(&w, c->state);
    cf__jsonw_key(&w, "version");
    cf__jsonw_int(&w, c->version);
    cf__jsonw_key(&w, "head");
    cf__jsonw_str(&w, c->head);
    cf__jsonw_key(&w, "events");
    cf__jsonw_raw(&w, "[", 1);
    for (size_t i = 0; i < json_array_size(events); i++) {
        if (i)
            cf__jsonw_raw(&w, ",", 1);
        if (bodies)
            cf__jsonw_text(&w, bodies[i]);
        else
            put_stored(&w, json_array_get(events, i));
    }
    cf__jsonw_raw(&w, "]}", 2);
    j->status = status;
    j->case_id = c->id;
    j->answer_len = w.len;
    j->answer_text = cf__jsonw_finish(&w); /* NULL: the loop answers 500 ENOMEM */
    if (streams_listen(j))
        add_notices(j, c, events);
}

/* The stream notices of a change of c (changed, act_prepared). */
static void add_notices(cf__job_t *j, const cf_case_t *c, const json_t *events)
{
    cf__jsonw_t n = {0};
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (strcmp(type, "transition") == 0 || strcmp(type, "case.opened") == 0 ||
            strcmp(type, "clock.extended") == 0) {
            notice(&n, c, type, ev);
            j->notice_count++;
        }
    }
    j->notices_len = n.len;
    j->notices = cf__jsonw_finish(&n); /* NULL (out of memory): the stream misses them */
}

/* ---- requests: JSON -> the operation layer's input -> answer ----------------------------- */

/* The operation layer over the writer's connection, inside the job's savepoint. */
static cf_ops_t ops_of(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs,
                       const cf__job_t *j)
{
    cf_ops_t ops = {.store = s, .cal = cal, .wfs = wfs, .in_tx = 1};
    if (j->srv)
        ops.limits.doc_max = j->srv->cfg.doc_max;
    return ops;
}

/* Who asks: the token's holder, at the daemon's clock, with the version read. */
static cf_ops_by_t by_of(const cf__job_t *j)
{
    return (cf_ops_by_t){.actor = j->who.name,
                         .role = j->who.role,
                         .agency = j->who.agency,
                         .now = j->now,
                         .if_match = j->if_match};
}

/* A failed operation's answer: a refusal (422/403 with rule, article, allowed) or
 * an error (with the current version on a conflict). Returns -1 (roll back). */
static int answer_failure(cf__job_t *j, int rc, const cf_ops_out_t *out)
{
    if (out->refused)
        return refuse(j, rc, &out->why);
    fail(j, rc, out->err.text);
    if (rc == CF_ECONFLICT && out->version >= 0 && j->answer)
        json_object_set_new(j->answer, "version", json_integer(out->version));
    return -1;
}

/* Answers the operation's outcome: 0 (keep) with the change's answer, or -1. */
/* s: the store the change was written on (its events' stored texts, cf_store_sealed) */
static int answered(cf_store_t *s, cf__job_t *j, int rc, int status, cf_ops_out_t *out)
{
    int ret = rc == 0
                  ? (changed(j, status, &out->c, out->events, cf_store_sealed(s, out->events)), 0)
                  : answer_failure(j, rc, out);
    cf_ops_out_dispose(out);
    return ret;
}

static const char *str(const json_t *body, const char *key)
{
    return json_string_value(json_object_get(body, key));
}

static int exec_open(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf_ops_t ops = ops_of(s, cal, wfs, j);
    cf_ops_out_t out;
    json_t *parent = json_object_get(j->body, "parent");
    cf_ops_open_t in = {.by = by_of(j),
                        .workflow = str(j->body, "workflow"),
                        .matter = str(j->body, "matter"),
                        .party = json_object_get(j->body, "party"),
                        .facts = json_object_get(j->body, "facts"),
                        .officers = json_object_get(j->body, "officers"),
                        .cause = str(j->body, "cause"),
                        .algo = CF_CHAIN_SHA256};
    in.by.if_match = -1;
    cf_ops_out_init(&out);
    int rc = 0;
    if (parent && !json_is_null(parent) &&
        (!json_is_integer(parent) || json_integer_value(parent) <= 0))
        rc = cf_error_set(&out.err, CF_EINVAL, NULL, 0, 0, "\"parent\" must be a case id");
    in.parent = json_is_integer(parent) ? json_integer_value(parent) : 0;
    if (rc == 0 && !in.workflow && !in.matter)
        rc = cf_error_set(&out.err, CF_EINVAL, NULL, 0, 0, "give \"workflow\" or \"matter\"");
    if (rc == 0)
        rc = cf_ops_open(&ops, &in, &out);
    return answered(s, j, rc, 201, &out);
}

/* Decodes standard base64 (with its padding) into a new buffer. OUT *data, *len. */
static int base64_decode(const char *text, unsigned char **data, size_t *len)
{
    size_t n = strlen(text);
    if (n % 4 != 0 || n > (size_t)INT32_MAX)
        return CF_EINVAL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    if (!out)
        return CF_ENOMEM;
    int got = n ? EVP_DecodeBlock(out, (const unsigned char *)text, (int)n) : 0;
    if (got < 0) {
        free(out);
        return CF_EINVAL;
    }
    size_t pad = n && text[n - 1] == '=' ? (n > 1 && text[n - 2] == '=' ? 2 : 1) : 0;
    *data = out;
    *len = (size_t)got - pad;
    return 0;
}

/* documents: {name: {sha256, size, file}} (a reference) or {name: {content_base64,
 * file}} (the bytes, stored). OUT *docs (free() it, and each data). */
static int documents_of(const json_t *body, cf_ops_doc_t **docs, size_t *n, cf_error_t *err)
{
    const json_t *in = json_object_get(body, "documents");
    *docs = NULL;
    *n = 0;
    if (!in || json_is_null(in))
        return 0;
    if (!json_is_object(in))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "\"documents\" must be an object");
    cf_ops_doc_t *d = calloc(json_object_size(in) + 1, sizeof(*d));
    if (!d)
        return CF_ENOMEM;
    *docs = d;
    const char *name;
    json_t *v;
    int rc = 0;
    json_object_foreach((json_t *)in, name, v) {
        cf_ops_doc_t *x = &d[(*n)++];
        const char *b64 = str(v, "content_base64");
        json_t *size = json_object_get(v, "size");
        x->name = name;
        x->file = str(v, "file");
        x->sha256 = str(v, "sha256");
        x->size = json_is_integer(size) ? json_integer_value(size) : -1;
        if (!json_is_object(v))
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0, "document '%s' must be an object", name);
        else if (b64 && (rc = base64_decode(b64, (unsigned char **)&x->data, &x->len)) != 0)
            rc = cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                              "document '%s': content_base64 is not base64", name);
        if (rc != 0)
            break;
    }
    return rc;
}

static void documents_free(cf_ops_doc_t *docs, size_t n)
{
    for (size_t i = 0; docs && i < n; i++)
        free((void *)docs[i].data);
    free(docs);
}

static cf_ops_act_t act_of(const cf__job_t *j)
{
    return (cf_ops_act_t){.by = by_of(j),
                          .case_id = j->case_id,
                          .action = str(j->body, "action"),
                          .facts = json_object_get(j->body, "facts")};
}

/* Exported, documented in serve-int.h */
void cf__job_prepare(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf_ops_t ops = ops_of(s, cal, wfs, j);
    cf_ops_act_t in = act_of(j);
    const json_t *docs = json_object_get(j->body, "documents");
    cf_ops_ready_t *r = malloc(sizeof(*r));
    if (!r || (docs && !json_is_null(docs)) || cf_ops_act_prepare(&ops, &in, r) != 0) {
        free(r); /* (cf_ops_act_prepare leaves nothing in r on failure) */
        return;
    }
    j->ready = r;
    changed(j, 200, &r->next, r->events, r->bodies); /* the answer, kept if the rows are written */
}

/* Drops what cf__job_prepare wrote of the answer (the writer does the transition whole). */
static void unprepare(cf__job_t *j)
{
    free(j->answer_text);
    free(j->notices);
    j->answer_text = j->notices = NULL;
    j->answer_len = j->notices_len = 0;
    j->notice_count = 0;
    j->status = 0;
}

/* A transition prepared off the writer (cf__job_prepare) with the calendar the writer
 * still has: its rows written if its case is still as read (cf_ops_act_put), else done
 * whole. 0 (keep) with the answer prepared, or the answer as cf_ops_act's. */
static int act_prepared(cf_ops_t *ops, const cf_ops_act_t *in, cf__job_t *j)
{
    cf_ops_out_t out;
    cf_ops_out_init(&out);
    if (!j->notices && streams_listen(j)) /* a stream connected since it was prepared */
        add_notices(j, &j->ready->next, j->ready->events);
    int rc = cf_ops_act_put(ops, in, j->ready, &out);
    j->ready->ready = 0; /* spent: run again (serve-writer.c, redo), the job is done whole */
    if (rc == 0 && j->ready->used) {
        atomic_fetch_add(&j->srv->writer.prepared_used, 1);
        cf_ops_out_dispose(&out);
        return 0;
    }
    unprepare(j);
    return answered(ops->store, j, rc, 200, &out);
}

static int exec_act(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf_ops_t ops = ops_of(s, cal, wfs, j);
    cf_ops_out_t out;
    cf_ops_act_t in = act_of(j);
    if (j->ready && j->ready->ready && j->srv && j->cal_gen == j->srv->writer.cal_gen)
        return act_prepared(&ops, &in, j);
    if (j->ready) /* prepared with a calendar the writer has since replaced, or spent */
        unprepare(j);
    cf_ops_doc_t *docs = NULL;
    cf_ops_out_init(&out);
    int rc = documents_of(j->body, &docs, &in.docs_count, &out.err);
    in.docs = docs;
    if (rc == 0)
        rc = cf_ops_act(&ops, &in, &out);
    documents_free(docs, in.docs_count);
    return answered(s, j, rc, 200, &out);
}

static int exec_extend(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf_ops_t ops = ops_of(s, cal, wfs, j);
    cf_ops_out_t out;
    cf_ops_extend_t in = {.by = by_of(j),
                          .case_id = j->case_id,
                          .clock = str(j->body, "clock"),
                          .period = str(j->body, "by"),
                          .reason = str(j->body, "reason")};
    cf_ops_out_init(&out);
    return answered(s, j, cf_ops_extend(&ops, &in, &out), 200, &out);
}

static int exec_exclude(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf_ops_t ops = ops_of(s, cal, wfs, j);
    cf_ops_out_t out;
    cf_ops_exclude_t in = {.by = by_of(j),
                           .case_id = j->case_id,
                           .clock = str(j->body, "clock"),
                           .from = str(j->body, "from"),
                           .to = str(j->body, "to"),
                           .reason = str(j->body, "reason")};
    cf_ops_out_init(&out);
    return answered(s, j, cf_ops_exclude(&ops, &in, &out), 200, &out);
}

/* POST /v1/cases/{id}/evidence or /records: the body is the item (evidence.h), its
 * file under "file" as {name, content_base64} (stored) or {name, sha256, size} (a
 * reference), as documents of an action are. */
static int exec_register(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j,
                         int record)
{
    cf_ops_t ops = ops_of(s, cal, wfs, j);
    cf_ops_out_t out;
    const json_t *file = json_object_get(j->body, "file");
    json_t *item = json_is_object(j->body) ? json_copy(j->body) : json_incref(j->body);
    cf_ops_doc_t doc = {0};
    cf_ops_evidence_t in = {.by = by_of(j), .case_id = j->case_id, .record = record, .item = item};
    cf_ops_out_init(&out);
    int rc = 0;
    if (file && !json_is_null(file)) {
        json_t *size = json_object_get(file, "size");
        const char *b64 = str(file, "content_base64");
        doc = (cf_ops_doc_t){.file = str(file, "name"),
                             .sha256 = str(file, "sha256"),
                             .size = json_is_integer(size) ? json_integer_value(size) : -1};
        if (!json_is_object(file) || !doc.file)
            rc = cf_error_set(&out.err, CF_EINVAL, NULL, 0, 0,
                              "\"file\" must be {name, content_base64} or {name, sha256, size}");
        else if (b64 && base64_decode(b64, (unsigned char **)&doc.data, &doc.len) != 0)
            rc =
                cf_error_set(&out.err, CF_EINVAL, NULL, 0, 0, "file: content_base64 is not base64");
        in.doc = &doc;
    }
    json_object_del(item, "file");
    if (rc == 0)
        rc = cf_ops_evidence(&ops, &in, &out);
    free((void *)doc.data);
    json_decref(item);
    return answered(s, j, rc, 201, &out);
}

/* ---- fire ------------------------------------------------------------------------------------ */

typedef cf__fire_times_t fire_times_t; /* (serve-int.h) */

/* OUT new reference, or NULL when out of memory */
static json_t *time_json(fire_times_t *m, int k, cf_time_t t)
{
    if (!m->text[k] || m->t[k] != t) {
        char text[CF_TIME_BUFSZ];
        cf_time_format(t, text);
        json_decref(m->text[k]);
        m->text[k] = json_string_nocheck(text); /* digits and signs */
        m->t[k] = t;
    }
    return json_incref(m->text[k]);
}

/* Exported, documented in serve-int.h */
void cf__fire_times_dispose(fire_times_t *m)
{
    for (int k = 0; k < 3; k++)
        json_decref(m->text[k]);
}

/* Exported, documented in serve-int.h. The alert event, set key by key: json_pack read its format
 * and checked every string's UTF-8 again, an alert at a time. The key order is the one json_pack
 * gave (what is delivered keeps it: cf__alert_json). clock, point and alert_id come from the alerts
 * table and are checked as json_pack checked them. */
json_t *cf__alert_event(fire_times_t *m, const cf_case_t *c, const cf_alert_t *a, cf_time_t now,
                        int late)
{
    json_t *ev = json_object();
    if (!ev || json_object_set_new_nocheck(ev, "seq", json_integer((json_int_t)c->version + 1)) ||
        json_object_set_new_nocheck(ev, "type", json_stringn_nocheck("alert", 5)) ||
        json_object_set_new_nocheck(ev, "at", time_json(m, 0, now)) ||
        json_object_set_new_nocheck(ev, "actor", json_stringn_nocheck("caseflow", 8)) ||
        json_object_set_new_nocheck(ev, "role", json_stringn_nocheck("system", 6)) ||
        json_object_set_new_nocheck(ev, "clock", json_string(a->clock)) ||
        json_object_set_new_nocheck(ev, "point", json_string(a->point)) ||
        json_object_set_new_nocheck(ev, "deadline", time_json(m, 1, a->deadline)) ||
        json_object_set_new_nocheck(ev, "due_at", time_json(m, 2, a->due_at)) ||
        json_object_set_new_nocheck(ev, "late", json_boolean(late)) ||
        json_object_set_new_nocheck(ev, "alert_id", json_string(a->id))) {
        json_decref(ev);
        return NULL;
    }
    return ev;
}

/* The case of alert a and its agency. Read ahead (the table holds it): taken as it was
 * read, *verified 0: the write checks it is still at that version (store-cases.c) and
 * changes nothing otherwise. Else the agency and head in one look, then the case from
 * the writer's cache at that head, or the store. *owned 0 for a case opened from the
 * command line (no agency): its alerts still fire, delivered to no agency's stream. */
static int case_of_alert(cf_store_t *s, cf_wfcache_t *wfs, cf__ahead_t *ah, const cf_alert_t *a,
                         cf_case_t *c, char *agency, size_t size, int *owned, int *verified,
                         cf_error_t *err)
{
    char head[CF_CHAIN_HEX];
    *owned = 1;
    *verified = 0;
    if (ah && cf__ahead_take_any(ah, a->case_id, c, agency, size) == 0)
        return 0;
    *verified = 1;
    *owned = cf_store_case_agency_head(s, a->case_id, agency, size, head, NULL) == 0;
    return *owned && wfs->cases && cf_casecache_get(wfs->cases, a->case_id, head, c) == 0
               ? 0
               : cf_store_case_get(s, a->case_id, c, err);
}

/* Fires alert a from the rows made for it ahead (ahead_seal), taken out of the table with
 * its case: the case row is written only if the case is still at the version they were
 * sealed onto, then the alert is marked. A failure sets *stale: the caller rolls back
 * and fires the alert again from the stored case (the table no longer holds it), so a
 * case changed since is fired once, after the chain's head as it is now. */
static int fire_sealed(cf_store_t *s, cf__ahead_t *ah, const cf_alert_t *a, cf_time_t now,
                       json_t **fired, int *stale, cf_error_t *err)
{
    cf__ahead_prep_t *p = cf__ahead_take_prep(ah, a->case_id);
    assert(p && p->at == now);
    int rc = cf_store_case_put_sealed(s, &p->w, err);
    if (rc == 0) /* marked, it waits for its acknowledgement, or escalation */
        rc = cf_store_alert_mark_read(s, a, now, err);
    if (rc == 0) {
        *fired = p->fired; /* made on this thread, delivered by the loop as before */
        p->fired = NULL;
    }
    *stale = rc != 0;
    cf__ahead_prep_free(p);
    return rc;
}

/* The number of decimal digits of t (t >= 0). */
static size_t digits(cf_time_t t)
{
    size_t n = 1;
    while (t >= 10) {
        t /= 10;
        n++;
    }
    return n;
}

/* Seals p again at now, a later second than the one it was made for (the alerts of a burst
 * fired after its instant's second): the event's `at` and hash in its stored text (whose
 * start is the hashed canonical text), the snapshot's head and update time, the event and
 * what is delivered, patched in place, the texts keeping their widths. Costs a hash
 * (~14,000 instructions) where a cold alert costs its whole seal and snapshot again.
 * 0, or -1 (p is then half changed: the caller drops it). */
static int reseal(cf__ahead_prep_t *p, fire_times_t *times, cf_time_t now)
{
    json_t *at = time_json(times, 0, now);
    const char *text = json_string_value(at);
    char hash[CF_CHAIN_HEX], upd[24];
    int ok = text && strlen(text) == p->at_len &&
             snprintf(upd, sizeof(upd), "%lld", (long long)now) == (int)p->upd_len;
    if (ok) {
        memcpy(p->body + p->at_off, text, p->at_len);
        p->body[p->canon_len - 1] = '}'; /* the canonical text's end, for the hash */
        ok = cf_chain_hash_text(p->algo, p->prev, p->body, p->canon_len, hash) == 0;
        p->body[p->canon_len - 1] = ',';
    }
    json_t *ev = json_array_get(p->events, 0), *h = ok ? json_string_nocheck(hash) : NULL;
    ok = h && json_object_set(ev, "at", at) == 0 &&
         json_object_set(p->fired, "fired_at", at) == 0 && json_object_set(ev, "hash", h) == 0 &&
         json_object_set(p->fired, "hash", h) == 0;
    if (ok) {
        memcpy(p->body + p->canon_len + 8, hash, 64); /* ,"hash":"H","prev":"P"} */
        memcpy(p->snapshot + p->snap_head_off, hash, 64);
        memcpy(p->snapshot + p->snap_upd_off, upd, p->upd_len);
        memcpy(p->head, hash, sizeof(p->head));
        p->w.updated_at = now;
        p->at = now;
    }
    json_decref(h);
    json_decref(at);
    return ok ? 0 : -1;
}

/* 1 when the table holds rows made ahead for alert a that fire at now: made for this very
 * alert (id, instants) at the table's instant, and now that instant (the event's `at` is
 * the firing second) or a later second they are sealed again for (reseal), the alert no
 * later for it (`late` the same). Rows that cannot be sealed again are dropped with their
 * case: the alert fires from the store. */
static int sealed_for(cf__ahead_t *ah, fire_times_t *times, const cf_alert_t *a, cf_time_t now)
{
    cf__ahead_prep_t *p = ah ? (cf__ahead_prep_t *)cf__ahead_prepared(ah, a->case_id) : NULL;
    if (!p || p->at != ah->instant || now < p->at || p->due_at != a->due_at ||
        p->deadline != a->deadline || strcmp(p->alert_id, a->id) != 0)
        return 0;
    if (now == p->at)
        return 1;
    if (!p->at_off || (now - a->due_at > CF__LATE_AFTER) != (p->at - a->due_at > CF__LATE_AFTER) ||
        digits(now) != p->upd_len)
        return 0;
    if (reseal(p, times, now) == 0)
        return 1;
    cf__ahead_prep_free(cf__ahead_take_prep(ah, a->case_id));
    return 0;
}

/* Fires one alert: appends its event and marks the row, or, when the clock has
 * moved on since the row was written (a change made outside the daemon),
 * rewrites the case's alerts instead. OUT *fired (new ref) or NULL. A failure on a
 * case read ahead (it changed since: the clock no longer matches, or the write found
 * a newer version) sets *stale: the caller rolls the alert back and fires it again
 * with ah NULL, from the stored case, so that it is recorded once, after the head
 * the chain has now. */
static int fire_one(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__ahead_t *ah,
                    fire_times_t *times, const cf_alert_t *a, cf_time_t now, json_t **fired,
                    int *stale, cf_error_t *err)
{
    cf_case_t c;
    const cf_workflow_t *wf;
    json_t *events = NULL;
    char agency[128];
    int owned, verified;
    *fired = NULL;
    *stale = 0;
    if (sealed_for(ah, times, a, now))
        return fire_sealed(s, ah, a, now, fired, stale, err);
    int rc = case_of_alert(s, wfs, ah, a, &c, agency, sizeof(agency), &owned, &verified, err);
    if (rc != 0)
        return rc;
    rc = cf_wfcache_get(wfs, s, c.workflow_hash, &wf, err);
    const cf_clock_rt_t *k = cf_case_clock(&c, a->clock);
    if (rc == 0 && (!k || k->state != CF_CLOCK_RUNNING || k->deadline != a->deadline)) {
        rc = verified ? cf_store_alerts_sync(s, &c, wf, cal, err)
                      : cf_error_set(err, CF_ECONFLICT, NULL, 0, 0, "read ahead: changed since");
        *stale = !verified;
        cf_case_dispose(&c);
        return rc;
    }
    /* Never dated before the case's last event (a daemon restarted with an earlier
     * clock): the alert is recorded at the earliest instant its chain allows. */
    cf_time_t at = now < c.updated_at ? c.updated_at : now;
    json_t *ev =
        rc == 0 ? cf__alert_event(times, &c, a, at, at - a->due_at > CF__LATE_AFTER) : NULL;
    json_t *prov = ev ? cf_clock_provisional_json(k) : NULL; /* R11: a provisional deadline */
    if (prov)
        json_object_set_new(ev, "provisional", prov);
    if (rc == 0 && (!ev || !(events = json_array()) || json_array_append(events, ev) != 0))
        rc = CF_ENOMEM;
    if (rc == 0)
        rc = cf_store_case_append_tx(s, &c, events, err);
    if (rc == 0) /* marked, it waits for its acknowledgement, or escalation (serve-alert-ack.c) */
        rc = cf_store_alert_mark_read(s, a, now, err);
    if (rc == 0)
        *fired = cf__alert_json(owned ? agency : NULL, c.workflow_id, c.facts, ev);
    *stale = rc != 0 && !verified;
    json_decref(ev);
    json_decref(events);
    cf_case_dispose(&c);
    return rc;
}

static uint64_t micros(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The clock a firing chunk's budget is counted on: the test's, or micros(). */
static uint64_t fire_micros(const cf_serve_t *srv)
{
    return srv && srv->cfg.fire_clock ? srv->cfg.fire_clock(srv->cfg.fire_clock_ctx) : micros();
}

/* The next candidate due at now, read from the index when the list is used up.
 * Returns 1 (OUT *a borrowed), 0 when none is due, or a CF_E* code. */
static int next_due(cf_store_t *s, const cf_serve_t *srv, cf__firelist_t *l, cf_time_t now,
                    const cf_alert_t **a, cf_error_t *err)
{
    if (l->next == l->count) {
        /* one page of the index at a time, never the whole instant (a million) */
        int page = srv && srv->writer.fire_read && srv->writer.fire_read < CF__FIRE_READ
                       ? (int)srv->writer.fire_read
                       : CF__FIRE_READ;
        if (!l->alerts && !(l->alerts = malloc(CF__FIRE_READ * sizeof(*l->alerts))))
            return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "out of memory");
        /* several daemons: only the alerts this one claims (committed with the chunk) */
        int n = srv && srv->shared ? cf_store_alerts_claim(s, srv->node_id, now, CF__CLAIM_LEASE_MS,
                                                           l->alerts, page, err)
                                   : cf_store_alerts_due(s, now, l->alerts, page, err);
        if (n < 0)
            return n;
        l->count = n;
        l->next = 0;
        l->full = n == page;
    }
    if (l->next == l->count || l->alerts[l->next].due_at > now)
        return 0; /* (a list read by a later job than this one: never fire early) */
    *a = &l->alerts[l->next++];
    return 1;
}

/* 1 when a chunk that has run `used` microseconds should end: its budget is spent, or
 * it ran its first slice and a request waits for the writer (yielding). */
static int chunk_over(const cf__job_t *j, uint64_t used, uint64_t budget)
{
    if (used >= budget)
        return 1;
    return used >= CF__FIRE_FIRST_US && j->srv && atomic_load(&j->srv->writer.waiting) > 0;
}

/* Fires alert a in a savepoint of its own (a chunk that had a failure): one that cannot
 * be written is rolled back and marked fired without an event rather than retried
 * forever; one whose case read ahead changed since is fired again from the store.
 * OUT *fired (new ref) or NULL. Returns 0, or the savepoint's own failure. */
static int fire_alone(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__ahead_t *ah,
                      fire_times_t *times, const cf__job_t *j, const cf_alert_t *a, json_t **fired,
                      cf_error_t *err)
{
    int stale = 0, rc = cf_store_savepoint(s, err);
    if (rc != 0)
        return rc;
    int failed = fire_one(s, cal, wfs, ah, times, a, j->now, fired, &stale, err);
    if (failed != 0 && stale) { /* read ahead, changed since: again, from the store */
        cf_store_savepoint_rollback(s);
        if ((rc = cf_store_savepoint(s, err)) != 0)
            return rc;
        failed = fire_one(s, cal, wfs, NULL, times, a, j->now, fired, &stale, err);
    }
    if (failed == 0) {
        cf_store_savepoint_release(s, NULL);
        return 0;
    }
    cf_store_savepoint_rollback(s);
    /* another daemon changed the case meanwhile: left pending, to fire again */
    if (failed != CF_ECONFLICT || !j->srv || !j->srv->shared)
        cf_store_alert_drop(s, a->id, j->now, NULL);
    return 0;
}

/* A failure in a chunk fired without savepoints: the chunk so far is rolled back (its
 * chunk savepoint taken again) and its alerts are read again from the index, pending
 * again, to be fired alert by alert (fire_alone). */
static int chunk_undo(cf_store_t *s, cf__job_t *j, cf__firelist_t *l, cf_error_t *err)
{
    cf_store_savepoint_rollback(s);
    json_array_clear(j->alerts);
    l->count = l->next = 0;
    l->full = 1;
    return cf_store_savepoint(s, err);
}

/* Fires one chunk of the alerts due at j->now: at most fire_chunk of them, and no
 * more once the chunk's time budget has passed (the first always fires, so every
 * chunk makes progress). The chunk is one savepoint, its alerts none of their own (a
 * savepoint and its release were 14,000 instructions an alert); after a failure the
 * chunk is undone and fired again with a savepoint per alert (fire_alone), at least
 * up to the alert that failed, so one that cannot be written is marked fired without
 * an event and the others still fire. Sets j->more when alerts may be left: the loop
 * then delivers this chunk and queues the next (sched.c). */
static int exec_fire(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    cf__firelist_t own = {0}, *l = j->srv ? &j->srv->writer.fire : &own;
    cf__ahead_t *ah = j->srv ? &j->srv->writer.ahead : NULL;
    fire_times_t times = {0};
    unsigned max = j->srv ? j->srv->cfg.fire_chunk : CF__FIRE_CHUNK, i = 0, redo = 0;
    const cf_alert_t *a = NULL;
    cf_error_t err;
    uint64_t t0 = fire_micros(j->srv);
    uint64_t budget = j->chunk < 6 ? (uint64_t)CF__FIRE_FIRST_US << j->chunk : CF__FIRE_BUDGET_US;
    int careful = 0, stale,
        rc = (j->alerts = json_array()) ? cf_store_savepoint(s, &err)
                                        : cf_error_set(&err, CF_ENOMEM, NULL, 0, 0, "no memory");
    int held = rc == 0; /* the chunk's savepoint is open */
    j->status = 200;
    if (budget > CF__FIRE_BUDGET_US)
        budget = CF__FIRE_BUDGET_US;
    while (rc == 0 && i < max && (i <= redo || !chunk_over(j, fire_micros(j->srv) - t0, budget)) &&
           (rc = next_due(s, j->srv, l, j->now, &a, &err)) == 1) {
        json_t *fired = NULL;
        i++;
        if (careful)
            rc = fire_alone(s, cal, wfs, ah, &times, j, a, &fired, &err);
        else if ((rc = fire_one(s, cal, wfs, ah, &times, a, j->now, &fired, &stale, &err)) != 0) {
            held = (rc = chunk_undo(s, j, l, &err)) == 0;
            careful = 1;
            redo = i;
            i = 0;
        }
        if (fired)
            json_array_append_new(j->alerts, fired);
    }
    j->more = l->next < l->count ? l->alerts[l->next].due_at <= j->now : l->full;
    if (ah && !j->more && ah->instant && ah->instant <= j->now)
        cf__ahead_reset(ah, 0); /* the instant is fired: what is left is stale */
    cf__fire_times_dispose(&times);
    if (l == &own)
        free(own.alerts);
    if (rc >= 0) { /* the webhook deliveries they owe, in the same transaction */
        int put = cf__outbox_put(s, j, &err);
        rc = put ? put : rc;
    }
    if (rc < 0) {
        if (held)
            cf_store_savepoint_rollback(s);
        json_array_clear(j->alerts); /* rolled back with the job's savepoint */
        return fail(j, rc, err.text);
    }
    cf_store_savepoint_release(s, NULL);
    j->answer = json_pack("{s:I}", "fired", (json_int_t)json_array_size(j->alerts));
    return 0;
}

/* A sign-out, recorded for every daemon (http-session.c). */
static int exec_session_end(cf_store_t *s, cf__job_t *job)
{
    cf_error_t err;
    int rc = cf_store_session_end(s, json_string_value(json_object_get(job->body, "id")),
                                  json_integer_value(json_object_get(job->body, "expires_at")),
                                  job->now, &err);
    job->status = 200;
    return rc == 0 ? 0 : fail(job, rc, err.text);
}

/* Exported, documented in serve-int.h */
int cf__job_exec(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *job)
{
    switch (job->kind) {
    case CF__JOB_OPEN:
        return exec_open(s, cal, wfs, job);
    case CF__JOB_ACT:
        return exec_act(s, cal, wfs, job);
    case CF__JOB_EXTEND:
        return exec_extend(s, cal, wfs, job);
    case CF__JOB_EXCLUDE:
        return exec_exclude(s, cal, wfs, job);
    case CF__JOB_FIRE:
        return exec_fire(s, cal, wfs, job);
    case CF__JOB_PREFETCH:
        return cf__exec_prefetch(s, wfs, job);
    case CF__JOB_TOKEN_USED:
        return cf_store_token_touch(s, json_string_value(job->body), job->now, NULL);
    case CF__JOB_EVIDENCE:
    case CF__JOB_RECORD:
        return exec_register(s, cal, wfs, job, job->kind == CF__JOB_RECORD);
    case CF__JOB_ACK:
        return cf__job_ack(s, job);
    case CF__JOB_ESCALATE:
        return cf__job_escalate(s, job, job->srv ? job->srv->cfg.alert_ack_timeout : 0);
    case CF__JOB_SESSION_END:
        return exec_session_end(s, job);
    case CF__JOB_OUTBOX:
        return cf__job_outbox(s, job);
    }
    return fail(job, CF_EINVAL, "unknown job");
}
