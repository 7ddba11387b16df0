/*
 * serve-jobs.c -- what one queued request does inside the writer's transaction
 * (writer thread only): it translates the request's JSON into the operation
 * layer's input (api/ops/ops.h), runs the operation inside the job's savepoint
 * (the layer reads, decides, writes and keeps the alerts index in step, as for
 * the command line), and writes the answer and the stream notices as text. What
 * only the daemon does stays here: the answers' text and the notices. Firing
 * alerts (a FIRE job) is serve-fire.c, reading ahead of an instant (PREFETCH)
 * serve-ahead.c.
 *
 * A job never touches the loop: it only fills job->status, answer, notices and
 * alerts, which the loop reads after the commit. A job that fails returns
 * non-zero and the writer rolls its savepoint back, so a refusal writes nothing.
 *
 * Divisions: answers (the answer's and the notices' text); requests (JSON -> the
 * operation layer -> answer); then the sign-out and the job switch.
 */
#include "serve-int.h"

#include "jsonw.h"
#include "ops.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- answers ------------------------------------------------------------------------- */

/* Exported, documented in serve-int.h */
int cf__job_fail(cf__job_t *j, int code, const char *text)
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
    cf__job_fail(j, code, why->text);
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
    cf__job_fail(j, rc, out->err.text);
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

/* An opening with an Idempotency-Key (http-write.c; storage/store-idem.c): 1 when the key
 * has an answer kept, j then answered with it again (OUT *ret 0) or, for another body, 422
 * naming the key and the case it opened (*ret -1); 0 when the case is to be opened. */
static int idem_seen(cf_store_t *s, cf__job_t *j, int *ret)
{
    cf_store_idem_t kept;
    cf_error_t err;
    int rc = cf_store_idem_get(s, &j->who, j->idem_key, j->now, &kept, &err);
    if (rc != 0 || !kept.found) {
        *ret = rc != 0 ? cf__job_fail(j, rc, err.text) : 0;
        return rc != 0;
    }
    if (strcmp(kept.body_sha256, j->idem_sha) != 0) {
        char text[512];
        snprintf(text, sizeof(text),
                 "Idempotency-Key \"%s\" opened case %lld with another body: a retry sends the "
                 "same body, and another case takes a new key",
                 j->idem_key, (long long)kept.case_id);
        free(kept.answer);
        cf__job_fail(j, CF_EINVAL, text);
        j->status = 422;
        json_object_set_new(j->answer, "error", json_string("EIDEMPOTENCY"));
        json_object_set_new(j->answer, "header", json_string("Idempotency-Key"));
        json_object_set_new(j->answer, "case", json_integer(kept.case_id));
        *ret = -1;
        return 1;
    }
    j->status = kept.status;
    j->case_id = kept.case_id;
    j->answer_text = kept.answer;
    j->answer_len = strlen(kept.answer);
    j->idem_replayed = 1;
    *ret = 0;
    return 1;
}

/* Keeps the opening's answer as its Idempotency-Key's, in its transaction: 0, or -1 (the
 * case is rolled back with it: 409 when another daemon kept the key meanwhile). */
static int idem_keep(cf_store_t *s, cf__job_t *j)
{
    cf_error_t err;
    cf_store_idem_t in = {.case_id = j->case_id, .status = j->status, .answer = j->answer_text};
    memcpy(in.body_sha256, j->idem_sha, sizeof(in.body_sha256));
    int rc = j->answer_text ? cf_store_idem_put(s, &j->who, j->idem_key, &in, j->now, &err)
                            : cf_error_set(&err, CF_ENOMEM, NULL, 0, 0, "out of memory");
    if (rc == 0)
        return 0;
    free(j->notices); /* nothing happened: no notice of it */
    j->notices = NULL;
    j->notices_len = 0;
    j->notice_count = 0;
    return cf__job_fail(j, rc, err.text);
}

static int exec_open(cf_store_t *s, const cf_calendar_t *cal, cf_wfcache_t *wfs, cf__job_t *j)
{
    int ret;
    j->idem_replayed = 0;
    if (j->idem_key[0] && idem_seen(s, j, &ret))
        return ret;
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
    ret = answered(s, j, rc, 201, &out);
    return ret == 0 && j->idem_key[0] ? idem_keep(s, j) : ret;
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

/* A sign-out, recorded for every daemon (http-session.c). */
static int exec_session_end(cf_store_t *s, cf__job_t *job)
{
    cf_error_t err;
    int rc = cf_store_session_end(s, json_string_value(json_object_get(job->body, "id")),
                                  json_integer_value(json_object_get(job->body, "expires_at")),
                                  job->now, &err);
    job->status = 200;
    return rc == 0 ? 0 : cf__job_fail(job, rc, err.text);
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
        return cf__job_exec_fire(s, cal, wfs, job);
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
    return cf__job_fail(job, CF_EINVAL, "unknown job");
}
