/*
 * http-write.c -- the POST endpoints: check the request on the loop (JSON,
 * If-Match), queue it to the writer thread, and answer when the writer hands the
 * job back committed (or refused). The loop never waits: the h2o request simply
 * stays open until then.
 *
 * A client that goes away while its request is being written does not stop the
 * write (the decision is taken; it commits), and the answer is dropped: the
 * cf__reqlink_t in the request's pool is disposed with the request and tells the
 * job it has no one to answer. Stream notices go out either way.
 *
 * If-Match: POST /v1/cases/{id}/actions requires it (428 without), the version
 * the client read (the ETag of GET /v1/cases/{id}: 7 or "7" or W/"7"); a
 * version that is no longer current is 409 and nothing is written. Extensions
 * take it optionally.
 *
 * Idempotency-Key: POST /v1/cases names no version, so a retried opening would open a
 * second case; with this header (a key of the client's choosing, one per case it means
 * to open) the writer keeps the first answer with the case, in its transaction
 * (storage/store-idem.c), and answers a retry with the same key and the same JSON body
 * with it again (same status, same case, header Idempotent-Replayed: true); the same
 * key with another body is 422 EIDEMPOTENCY naming the key and the case it opened. The
 * key's syntax is the IETF draft's (draft-ietf-httpapi-idempotency-key-header): a quoted
 * string, taken bare too. Another POST refuses it (400): its retries are made safe by
 * If-Match, and a client sending a key there would believe them safe without it.
 */
#include "serve-int.h"

#include "chain.h"
#include "ops.h"
#include "text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- linking a job to its request -------------------------------------------------------- */

static void on_link_dispose(void *p)
{
    cf__reqlink_t *link = p;
    if (link->job)
        link->job->link = NULL;
}

/* Exported, documented in serve-int.h */
int cf__http_link(cf__job_t *job, h2o_req_t *req)
{
    cf__reqlink_t *link = h2o_mem_alloc_shared(&req->pool, sizeof(*link), on_link_dispose);
    if (!link)
        return CF_ENOMEM;
    link->job = job;
    link->req = req;
    job->link = link;
    return 0;
}

/* ---- reading the request ------------------------------------------------------------------ */

/* 1 when a string or a key in v holds a control character (cf_text_control, text.h): OUT *cp its
 * code point, where (size bytes) the place ("party.name", "officers[1].name"; path is
 * v's own). ESC and the like reach the operator's terminal through the command line
 * (`caseflow case show` prints a party's name as it is): "\u001b]0;...\u0007" retitles
 * it, "\u001b[2J" clears it, a backspace hides what came before (attack-13.4). */
static int control_in(const json_t *v, const char *path, char *where, size_t size, unsigned *cp)
{
    char sub[256];
    if (json_is_string(v) && (*cp = cf_text_control(json_string_value(v), json_string_length(v)))) {
        snprintf(where, size, "%s", path);
        return 1;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach((json_t *)v, k, m) {
            snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", k);
            if ((*cp = cf_text_control(k, strlen(k))) || control_in(m, sub, where, size, cp)) {
                if (*cp && !*where)
                    snprintf(where, size, "%s", sub);
                return 1;
            }
        }
    }
    for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++) {
        snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
        if (control_in(json_array_get(v, i), sub, where, size, cp))
            return 1;
    }
    return 0;
}

/* The body as a JSON object, or NULL after answering 400 with line and column
 * (malformed JSON, invalid UTF-8, duplicate keys, not an object), or 400 when it
 * nests deeper than CF_OPS_JSON_DEPTH (what is accepted must be storable and
 * readable back: issue 19). */
static json_t *parse_body(cf_serve_t *srv, h2o_req_t *req)
{
    json_error_t e;
    json_t *b = json_loadb(req->entity.base ? req->entity.base : "", req->entity.len,
                           JSON_REJECT_DUPLICATES, &e);
    if (!b) {
        int utf8 = json_error_code(&e) == json_error_invalid_utf8;
        char text[JSON_ERROR_TEXT_LENGTH + 32];
        snprintf(text, sizeof(text), "%s%s", utf8 ? "invalid UTF-8: " : "", e.text);
        /* jansson's own words name its flag (JSON_ALLOW_NUL) or quote an invisible BOM:
         * say what the client can change instead */
        if (json_error_code(&e) == json_error_null_character)
            snprintf(text, sizeof(text), "a string holds \\u0000 (NUL), which is not taken");
        else if (req->entity.len >= 3 && memcmp(req->entity.base, "\xEF\xBB\xBF", 3) == 0)
            snprintf(text, sizeof(text),
                     "the body starts with a byte order mark (EF BB BF): send the JSON without "
                     "it");
        /* jansson quotes the bytes near the error, which can cut a character in half: a
         * text that is not UTF-8 answers with its non-ASCII bytes as '?' (fuzz-request) */
        json_t *msg = json_string(text);
        for (char *p = text; !msg && *p; p++)
            *p = (unsigned char)*p < 0x80 ? *p : '?';
        if (!msg)
            msg = json_string(text);
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:o, s:i, s:i, s:i}", "error", utf8 ? "EUTF8" : "EPARSE",
                                "text", msg, "line", e.line, "column", e.column, "position",
                                e.position));
        return NULL;
    }
    cf_error_t deep;
    if (json_is_object(b) && cf_ops_check_depth(b, "the body", &deep) != 0) {
        json_decref(b);
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:s}", "error", "EINVALID", "text", deep.text));
        return NULL;
    }
    if (!json_is_object(b)) {
        json_decref(b);
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:s, s:i, s:i}", "error", "EPARSE", "text",
                                "the body must be a JSON object", "line", 1, "column", 1));
        return NULL;
    }
    char where[256] = "", text[512];
    unsigned cp = 0;
    if (control_in(b, "", where, sizeof(where), &cp)) {
        json_decref(b);
        char at[300];
        snprintf(at, sizeof(at), "the text at %s", where);
        snprintf(text, sizeof(text), CF_TEXT_CONTROL_FMT, at, cp);
        cf__http_json(
            req, srv, 400,
            json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text", text, "field", where));
        return NULL;
    }
    return b;
}

/* The fields the body of a POST of kind may have, as one string " a b c ", or NULL when
 * the job checks its own (evidence and records, serve-jobs.c). */
static const char *fields_of(cf__job_kind_t kind)
{
    switch (kind) {
    case CF__JOB_OPEN:
        return " workflow matter party parent facts officers cause ";
    case CF__JOB_ACT:
        return " action facts documents ";
    case CF__JOB_EXTEND:
        return " clock by reason ";
    case CF__JOB_EXCLUDE:
        return " clock from to reason ";
    default:
        return NULL;
    }
}

/* 0, or -1 after answering 400 for a field of body the endpoint does not take: a
 * misspelt "facts" would otherwise be dropped in silence and the case written
 * without what the client meant to say. */
static int known_fields(cf_serve_t *srv, h2o_req_t *req, const char *allowed, json_t *body)
{
    const char *key;
    json_t *v;
    if (!allowed)
        return 0;
    json_object_foreach(body, key, v) {
        char word[64];
        if (strlen(key) + 3 <= sizeof(word) && !strchr(key, ' ')) {
            snprintf(word, sizeof(word), " %s ", key);
            if (strstr(allowed, word))
                continue;
        }
        char text[256]; /* a long name is not quoted: cut, it could end inside a character */
        snprintf(text, sizeof(text), "unknown field \"%s\" in the body; the fields are:%.*s",
                 strlen(key) <= 64 ? key : "(a name too long to show)", (int)strlen(allowed) - 1,
                 allowed);
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text", text, "field", key));
        return -1;
    }
    return 0;
}

/* Exported, documented in serve-int.h */
json_t *cf__http_body(cf_serve_t *srv, h2o_req_t *req, const char *fields)
{
    json_t *body = parse_body(srv, req);
    if (body && known_fields(srv, req, fields, body) != 0) {
        json_decref(body);
        return NULL;
    }
    return body;
}

/* OUT *version from If-Match: -1 when absent. Returns 0, or -1 when malformed. */
static int if_match(h2o_req_t *req, int64_t *version)
{
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_IF_MATCH, -1);
    *version = -1;
    if (at < 0)
        return 0;
    h2o_iovec_t v = req->headers.entries[at].value;
    size_t i = 0, end = v.len;
    if (end >= 2 && v.base[0] == 'W' && v.base[1] == '/')
        i = 2;
    if (i < end && v.base[i] == '"' && end > i + 1 && v.base[end - 1] == '"')
        i++, end--;
    int64_t n = 0;
    size_t digits = 0;
    for (; i < end && v.base[i] >= '0' && v.base[i] <= '9' && n < INT64_MAX / 10; i++, digits++)
        n = n * 10 + (v.base[i] - '0');
    if (i != end || digits == 0)
        return -1;
    *version = n;
    return 0;
}

/* The Idempotency-Key header's value into key (CF_IDEM_KEY_MAX + 1 bytes; "" when there
 * is none): 0, or -1 after answering 400 for two of them, for a key that is empty,
 * longer than CF_IDEM_KEY_MAX or holds anything but visible ASCII (its quotes, when
 * sent as the draft's quoted string, taken off), or for a key on a POST of another kind
 * than an opening. */
static int idem_key(cf_serve_t *srv, h2o_req_t *req, cf__job_kind_t kind, char *key)
{
    ssize_t at = h2o_find_header_by_str(&req->headers, H2O_STRLIT("idempotency-key"), -1);
    key[0] = '\0';
    if (at < 0)
        return 0;
    const char *why = NULL;
    h2o_iovec_t v = req->headers.entries[at].value;
    if (v.len >= 2 && v.base[0] == '"' && v.base[v.len - 1] == '"')
        v = h2o_iovec_init(v.base + 1, v.len - 2);
    for (size_t i = 0; i < v.len && !why; i++)
        if ((unsigned char)v.base[i] <= 0x20 || (unsigned char)v.base[i] >= 0x7f ||
            v.base[i] == '"' || v.base[i] == '\\')
            why = "holds a character other than visible ASCII (a UUID is usual)";
    if (h2o_find_header_by_str(&req->headers, H2O_STRLIT("idempotency-key"), at) >= 0)
        why = "is sent twice: send one";
    else if (v.len == 0)
        why = "is empty";
    else if (v.len > CF_IDEM_KEY_MAX)
        why = "is longer than 255 characters";
    else if (kind != CF__JOB_OPEN)
        why = "is taken by POST /v1/cases only: a change to a case is made safe to retry by "
              "If-Match (the version read)";
    if (why) {
        char text[200];
        snprintf(text, sizeof(text), "header Idempotency-Key %s", why);
        cf__http_json(req, srv, 400,
                      json_pack("{s:s, s:s, s:s}", "error", "EINVAL", "text", text, "header",
                                "Idempotency-Key"));
        return -1;
    }
    memcpy(key, v.base, v.len);
    key[v.len] = '\0';
    return 0;
}

/* The SHA-256 of body's canonical JSON (keys sorted at every level, no spaces) into sha
 * (65 bytes): a retry that writes the same JSON another way is the same request. 0, or
 * CF_ENOMEM. */
static int body_digest(const json_t *body, char *sha)
{
    char *canonical = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    int rc = canonical ? cf_chain_sha256_hex(canonical, strlen(canonical), sha) : CF_ENOMEM;
    free(canonical);
    return rc;
}

/* ---- answering ------------------------------------------------------------------------------ */

/* The answer, sent as soon as the batch is back: before the alerts of a firing chunk
 * that shared its commit are delivered (serve-writer.c, cf__writer_hand_back). */
static void reply_post(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    if (job->link) {
        h2o_req_t *req = job->link->req;
        job->link->job = NULL;
        job->link = NULL;
        if (job->status == 201) {
            char loc[64];
            int len = snprintf(loc, sizeof(loc), "/v1/cases/%lld", (long long)job->case_id);
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL,
                           h2o_strdup(&req->pool, loc, (size_t)len).base, (size_t)len);
        }
        if (job->idem_replayed)
            h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("idempotent-replayed"),
                                  0, NULL, H2O_STRLIT("true"));
        if (job->answer) {
            cf__http_json(req, srv, job->status, job->answer);
            job->answer = NULL;
        } else {
            cf__http_text(req, srv, job->status, job->answer_text, job->answer_len);
        }
    }
}

/* The stream notices, in the batch's order, after every answer of the batch. */
static void on_post_done(cf__job_t *job)
{
    cf_serve_t *srv = job->srv;
    if (job->notices && !srv->shared) /* shared: the log is followed (serve-follow.c) */
        cf__deliver_frames(srv, job->who.agency, job->notices, job->notices_len, job->notice_count);
    reply_post(job); /* (already sent, unless handed back otherwise) */
    cf__job_free(job);
}

/* Exported, documented in serve-int.h */
int cf__http_post(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who, cf__job_kind_t kind,
                  int64_t id)
{
    int64_t version;
    char sha[65] = "";
    if (if_match(req, &version) != 0) {
        cf__http_error(req, srv, 400, "EINVAL",
                       "header If-Match is not a case version: send the ETag read from GET "
                       "/v1/cases/{id}, a whole number such as \"5\" (or 5, W/\"5\")");
        return 0;
    }
    if (kind == CF__JOB_ACT && version < 0) {
        cf__http_error(req, srv, 428, "EPRECONDITION",
                       "If-Match is required: the version you read (GET /v1/cases/{id}, ETag)");
        return 0;
    }
    char key[CF_IDEM_KEY_MAX + 1];
    if (idem_key(srv, req, kind, key) != 0)
        return 0;
    json_t *body = cf__http_body(srv, req, fields_of(kind));
    if (!body)
        return 0;
    if (key[0] && body_digest(body, sha) != 0) {
        json_decref(body);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    json_t *action = json_object_get(body, "action");
    if (kind == CF__JOB_ACT && json_is_string(action)) /* for the access log (serve-log.c) */
        *h2o_req_getenv(req, H2O_STRLIT(CF__ENV_ACTION), 1) =
            h2o_strdup(&req->pool, json_string_value(action), json_string_length(action));
    cf__job_t *job = calloc(1, sizeof(*job));
    if (!job || cf__http_link(job, req) != 0) {
        free(job);
        json_decref(body);
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return 0;
    }
    job->kind = kind;
    job->who = *who;
    job->case_id = id;
    job->if_match = version;
    job->body = body;
    memcpy(job->idem_key, key, sizeof(key));
    memcpy(job->idem_sha, sha, sizeof(sha));
    job->now = cf__serve_now(srv);
    job->reply = reply_post;
    job->done = on_post_done;
    cf__writer_submit(srv, job);
    return 0;
}

/* Exported, documented in serve-int.h */
int cf__http_test_clock(cf_serve_t *srv, h2o_req_t *req)
{
    json_t *body = parse_body(srv, req);
    if (!body)
        return 0;
    cf_time_t t;
    cf_error_t err;
    const char *text = json_string_value(json_object_get(body, "now"));
    int rc = text ? cf_time_parse(text, &t, &err) : CF_EINVAL;
    json_decref(body);
    if (rc != 0) {
        cf__http_error(req, srv, 400, "EINVAL", "give {\"now\": \"ISO 8601 instant\"}");
        return 0;
    }
    /* An instant the clock has passed already (it runs on from --now, and a loaded machine
     * may be seconds past what a test named) leaves it where it is: the clock never goes
     * back, and the answer still waits for what is due at the daemon's own now. */
    int64_t now_ms = cf__serve_now_ms(srv);
    if (t * 1000 > now_ms)
        srv->clock_offset_ms += t * 1000 - now_ms;
    cf__job_t *job = cf__sched_fire(srv);
    if (!job || cf__http_link(job, req) != 0)
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
    return 0;
}
