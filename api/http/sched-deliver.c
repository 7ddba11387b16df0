/*
 * sched-deliver.c -- where a fired alert (and a transition notice) goes: the
 * Server-Sent Events streams of its agency, the JSON-lines alert log, and every
 * configured webhook. All on the loop thread; nothing here blocks but the log's
 * one fwrite.
 *
 * Division map:
 *   1. streams   GET /v1/stream as an h2o generator; h2o's flow control means
 *                one send in flight per stream, the rest gathered in `pending`;
 *                a stream more than cfg.stream_max_pending behind is ended, and
 *                all streams together hold at most cfg.streams_max_total
 *   2. log       one compact JSON object per line, flushed once per chunk
 *   3. webhooks  libcurl multi driven by the loop (CURLMOPT_SOCKETFUNCTION ->
 *                uv_poll per socket, CURLMOPT_TIMERFUNCTION -> one uv_timer,
 *                curl_multi_socket_action on each), a retry uv_timer per
 *                delivery with exponential backoff
 *
 * Webhook contract: POST of the alert JSON, Content-Type application/json,
 * headers X-Caseflow-Alert-Id (stable: the same alert always has the same id, so
 * a receiver de-duplicates on it) and X-Caseflow-Delivery-Attempt (1, 2, ...).
 * A 2xx answer is delivered; anything else, or no answer within the timeout, is
 * retried after retry_ms, 2 x retry_ms, 4 x ... (at most 5 minutes apart) up to
 * webhook_attempts tries. An alert's deliveries are made from memory here, and are
 * also owed in the database (sched-outbox.c: a row per alert and webhook, written
 * with the alert event, deleted after the 2xx, marked when given up): one still
 * pending when the daemon stops or is killed is made again, with the same id, by the
 * next daemon or another node. At least once, not exactly once (a 2xx just before a
 * kill is sent again); receivers de-duplicate on the id. The alert.escalated notices
 * (cf__deliver_event) go the same way: their rows are written with the escalation event
 * (serve-alert-ack.c). Each text is written once: by the writer, for the outbox row,
 * and sent as it is here (job->texts). Rejected: a write per attempt (the outbox
 * writes only the row, its delete and its given-up mark; retries are counted in
 * memory, and a delivery taken back after a restart starts at attempt 1).
 */
#include "serve-int.h"

#include "chain.h"

#include <stdlib.h>
#include <string.h>

/* ---- 1. streams ----------------------------------------------------------------------------- */

/* Memory. A stream holds its unsent bytes (pending, from pending_off; the sent bytes
 * before them are dropped once they are half the buffer) and the one send h2o has in
 * flight (at most CF__SSE_SEND_MAX: a client that stopped reading pins no more than
 * that beyond its unsent bytes). Every stream's buffers are counted in srv->sse_bytes
 * as allocated, and two caps bound them:
 *   - one stream: more than cfg.stream_max_pending unsent, it is ended (below);
 *   - all streams: an append that would take srv->sse_bytes past
 *     cfg.streams_max_total first ends the stream that has been behind the longest
 *     (the oldest behind_since; it may be the one appended to), discarding its unsent
 *     bytes, until the append fits. 300 clients that never read once took the daemon
 *     from 16 MB to 1.4 GB; now they hold at most the cap plus one send each.
 * An ended stream is never left with a silent gap: it gets a last event, "overflow",
 * and no event after it; its client reconnects and catches up from GET /v1/alerts. */

static const char overflow_event[] =
    "event: overflow\ndata: {\"error\":\"EOVERFLOW\",\"text\":\"the stream fell too far "
    "behind; reconnect and read /v1/alerts\"}\n\n";

static size_t unsent(const cf__sse_t *s)
{
    return s->pending_len - s->pending_off;
}

static void sse_flush(cf__sse_t *s)
{
    cf_serve_t *srv = s->srv;
    if (s->sending || !s->req)
        return;
    free(s->inflight);
    srv->sse_bytes -= s->inflight_len;
    s->inflight = NULL;
    s->inflight_len = 0;
    size_t n = unsent(s) < CF__SSE_SEND_MAX ? unsent(s) : CF__SSE_SEND_MAX;
    int last = s->finishing && n == unsent(s);
    if (!n && !s->finishing)
        return;
    if (n == unsent(s) && s->pending_off == 0) { /* all of it: hand the buffer over */
        s->inflight = s->pending;
        s->pending = NULL;
        s->pending_len = 0;
    } else if (n && (s->inflight = malloc(n)) != NULL) {
        memcpy(s->inflight, s->pending + s->pending_off, n);
        s->pending_off += n;
        srv->sse_bytes += n;
    } else if (n) {
        return; /* out of memory: try again at the next append */
    }
    s->inflight_len = n;
    if (unsent(s) == 0) {
        srv->sse_bytes -= s->pending_len;
        free(s->pending);
        s->pending = NULL;
        s->pending_len = s->pending_off = 0;
        s->behind_since = 0;
    }
    h2o_iovec_t buf = h2o_iovec_init(s->inflight, n);
    s->sending = 1;
    h2o_send(s->req, &buf, n ? 1 : 0, last ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static int sse_grow(cf__sse_t *s, const char *text, size_t len)
{
    if (!len) /* realloc(p, 0) frees p and answers NULL: p would be freed twice */
        return 0;
    if (s->pending_off && s->pending_off >= s->pending_len / 2) { /* drop what was sent */
        memmove(s->pending, s->pending + s->pending_off, unsent(s));
        s->srv->sse_bytes -= s->pending_off;
        s->pending_len -= s->pending_off;
        s->pending_off = 0;
    }
    char *grown = realloc(s->pending, s->pending_len + len);
    if (!grown)
        return -1;
    memcpy(grown + s->pending_len, text, len);
    s->pending = grown;
    s->pending_len += len;
    s->srv->sse_bytes += len;
    if (!s->behind_since && s->sending)
        /* the real clock, not the turn's: a followed log (serve-follow.c) hands many
         * frames to every stream in one turn, and the one that fell behind first must
         * still be told from those that fell behind after it */
        s->behind_since = uv_hrtime() + 1; /* +1: never 0 */
    return 0;
}

/* Ends s with the overflow event. discard: its unsent bytes are dropped first (the cap
 * on all streams); else they are still sent before the event (its own cap). */
static void sse_overflow(cf__sse_t *s, int discard)
{
    cf_serve_t *srv = s->srv;
    if (discard) {
        srv->sse_bytes -= s->pending_len;
        free(s->pending);
        s->pending = NULL;
        s->pending_len = s->pending_off = 0;
        srv->m.sse_dropped++;
    }
    if (!s->finishing) /* the client is dropped: say so once */
        cf__log("warn", "stream_dropped",
                json_pack("{s:s, s:I, s:I}", "reason",
                          discard ? "the cap on all streams' memory" : "the client fell behind",
                          "pending_bytes", (json_int_t)s->pending_len, "limit_bytes",
                          (json_int_t)(discard ? srv->cfg.streams_max_total
                                               : srv->cfg.stream_max_pending)));
    sse_grow(s, overflow_event, sizeof(overflow_event) - 1);
    s->finishing = 1;
    srv->m.sse_overflows++;
}

/* The open stream that has been behind the longest (with unsent bytes to free), or
 * NULL. Ties: the one with more unsent bytes. */
static cf__sse_t *oldest_behind(cf_serve_t *srv)
{
    cf__sse_t *best = NULL;
    for (h2o_linklist_t *n = srv->sse.next; n != &srv->sse; n = n->next) {
        cf__sse_t *s = H2O_STRUCT_FROM_MEMBER(cf__sse_t, link, n);
        if (s->finishing || !s->req || !s->behind_since || !unsent(s))
            continue;
        if (!best || s->behind_since < best->behind_since ||
            (s->behind_since == best->behind_since && unsent(s) > unsent(best)))
            best = s;
    }
    return best;
}

static void sse_append(cf__sse_t *s, const char *text, size_t len)
{
    cf_serve_t *srv = s->srv;
    while (srv->sse_bytes + len > srv->cfg.streams_max_total) {
        cf__sse_t *victim = oldest_behind(srv);
        if (!victim)
            victim = s; /* what is held is all in flight: this stream gives way */
        sse_overflow(victim, 1);
        if (victim != s)
            sse_flush(victim);
        if (victim == s) {
            sse_flush(s);
            return;
        }
    }
    if (unsent(s) + len > srv->cfg.stream_max_pending || sse_grow(s, text, len) != 0)
        sse_overflow(s, 0);
    sse_flush(s);
}

static void sse_proceed(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    cf__sse_t *s = (cf__sse_t *)gen;
    s->sending = 0;
    sse_flush(s);
}

static void sse_stop(h2o_generator_t *gen, h2o_req_t *req)
{
    (void)req;
    ((cf__sse_t *)gen)->req = NULL; /* the client went away; the pool goes next */
}

static void sse_dispose(void *p)
{
    cf__sse_t *s = p;
    h2o_linklist_unlink(&s->link);
    atomic_fetch_sub(&s->srv->writer.streams, 1);
    s->srv->sse_bytes -= s->pending_len + s->inflight_len;
    free(s->pending);
    free(s->inflight);
}

/* Every cfg.timeout_ms each stream with nothing to send gets a comment line: a proxy
 * in front does not take it for dead, and a client that went away is noticed (the
 * write fails, h2o ends the request, the stream gives its place back to its token's
 * count) rather than only at the next event. A stream with bytes waiting is skipped:
 * the comment would only add to them. */
static void on_sse_ping(uv_timer_t *t)
{
    cf_serve_t *srv = t->data;
    for (h2o_linklist_t *n = srv->sse.next, *next; n != &srv->sse; n = next) {
        next = n->next;
        cf__sse_t *s = H2O_STRUCT_FROM_MEMBER(cf__sse_t, link, n);
        if (s->req && !s->finishing && !s->sending && !unsent(s))
            sse_append(s, H2O_STRLIT(": ping\n\n"));
    }
}

/* FNV-1a (64 bits) of the SHA-256 (hex) of the token behind the request: its bearer
 * token's, or for a stream opened with the workbench's session cookie the one the
 * cookie carries. Streams are counted per token without keeping its text. The digest,
 * not the header's text: "Bearer", "bearer" and "BEARER" name the same token (the
 * scheme is case-insensitive), and each spelling counted apart gave one token 8 streams
 * per spelling, and 8 more through a session (attack-14.1). */
static uint64_t token_id(cf_serve_t *srv, h2o_req_t *req)
{
    uint64_t h = 14695981039346656037u;
    char digest[65] = "";
    ssize_t at = h2o_find_header(&req->headers, H2O_TOKEN_AUTHORIZATION, -1);
    h2o_iovec_t v = at >= 0 ? req->headers.entries[at].value : h2o_iovec_init(NULL, 0);
    if (at >= 0 && v.len > 7) /* "Bearer " and the token: the router took it */
        cf_chain_sha256_hex(v.base + 7, v.len - 7, digest);
    else if (at < 0)
        cf__session_token_digest(srv, req, digest);
    for (size_t i = 0; digest[i]; i++)
        h = (h ^ (unsigned char)digest[i]) * 1099511628211u;
    return h;
}

/* Streams open (and not ending) for token id. */
static unsigned streams_of(cf_serve_t *srv, uint64_t id)
{
    unsigned n = 0;
    for (h2o_linklist_t *l = srv->sse.next; l != &srv->sse; l = l->next) {
        cf__sse_t *s = H2O_STRUCT_FROM_MEMBER(cf__sse_t, link, l);
        n += s->token_id == id && s->req && !s->finishing;
    }
    return n;
}

/* Exported, documented in serve-int.h */
int cf__deliver_stream(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    if (srv->state != CF__RUNNING) {
        cf__http_error(req, srv, 503, "ESTOPPING", "the daemon is stopping");
        return 0;
    }
    uint64_t id = token_id(srv, req);
    if (streams_of(srv, id) >= srv->cfg.streams_per_token) {
        char text[160];
        snprintf(text, sizeof(text), "this token has %u event streams open, the most allowed",
                 srv->cfg.streams_per_token);
        srv->m.sse_refused++;
        cf__http_error(req, srv, 429, "ETOOMANY", text);
        return 0;
    }
    cf__sse_t *s = h2o_mem_alloc_shared(&req->pool, sizeof(*s), sse_dispose);
    memset(s, 0, sizeof(*s));
    s->gen.proceed = sse_proceed;
    s->gen.stop = sse_stop;
    s->req = req;
    s->srv = srv;
    s->token_id = id;
    snprintf(s->agency, sizeof(s->agency), "%s", who->agency);
    h2o_linklist_insert(&srv->sse, &s->link);
    atomic_fetch_add(&srv->writer.streams, 1);
    srv->m.status[2]++, srv->m.by_code[200]++;
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    h2o_start_response(req, &s->gen);
    sse_append(s, H2O_STRLIT(": connected\n\n"));
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__deliver_frames(cf_serve_t *srv, const char *agency, const char *frames, size_t len,
                        unsigned count)
{
    if (!len) /* a change with no notice (evidence, a record, an exclusion) */
        return;
    for (h2o_linklist_t *n = srv->sse.next, *next; n != &srv->sse; n = next) {
        next = n->next; /* a send may end the stream and unlink it */
        cf__sse_t *s = H2O_STRUCT_FROM_MEMBER(cf__sse_t, link, n);
        if (s->req && !s->finishing && strcmp(s->agency, agency) == 0) {
            sse_append(s, frames, len);
            srv->m.sse_sent += count;
        }
    }
}

/* Sends one event (data as compact JSON text) to every stream of agency. */
static void broadcast(cf_serve_t *srv, const char *agency, const char *event, const char *id,
                      const char *json)
{
    size_t size = strlen(json) + strlen(event) + strlen(id) + 32;
    char *text = malloc(size);
    int len = text ? snprintf(text, size, "event: %s\nid: %s\ndata: %s\n\n", event, id, json) : 0;
    if (text)
        cf__deliver_frames(srv, agency, text, (size_t)len, 1);
    free(text);
}

/* ---- 3. webhooks ---------------------------------------------------------------------------- */

static void hook_free(uv_handle_t *h)
{
    cf__hook_t *hook = (cf__hook_t *)h;
    curl_slist_free_all(hook->headers);
    free(hook->body);
    free(hook->url_owned);
    free(hook);
}

static void hook_end(cf__hook_t *h)
{
    if (h->easy) {
        curl_multi_remove_handle(h->srv->multi, h->easy);
        curl_easy_cleanup(h->easy);
        h->easy = NULL;
    }
    h2o_linklist_unlink(&h->link);
    uv_close((uv_handle_t *)&h->retry, hook_free);
}

static int hook_start(cf__hook_t *h)
{
    char id[200], attempt[64];
    snprintf(id, sizeof(id), "X-Caseflow-Alert-Id: %s", h->alert_id);
    snprintf(attempt, sizeof(attempt), "X-Caseflow-Delivery-Attempt: %u", h->attempt + 1);
    curl_slist_free_all(h->headers);
    h->headers = curl_slist_append(NULL, "Content-Type: application/json");
    h->headers = curl_slist_append(h->headers, id);
    h->headers = curl_slist_append(h->headers, attempt);
    h->headers = curl_slist_append(h->headers, "Expect:");
    CURL *e = curl_easy_init();
    if (!e || !h->headers)
        return -1;
    curl_easy_setopt(e, CURLOPT_URL, h->url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, h->body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
    curl_easy_setopt(e, CURLOPT_PRIVATE, h);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, h->errbuf);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->srv->cfg.timeout_ms);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
    h->easy = e;
    if (curl_multi_add_handle(h->srv->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        h->easy = NULL;
        return -1;
    }
    return 0;
}

static void on_retry(uv_timer_t *t)
{
    cf__hook_t *h = (cf__hook_t *)t;
    if (hook_start(h) != 0) {
        h->srv->m.webhook_failed++;
        if (h->durable)
            cf__outbox_ended(h->srv, h->alert_id, h->url, h->agency, h->attempt, 0);
        hook_end(h);
    }
}

/* A delivery finished: done, retry later, or give up. */
static void hook_finished(cf__hook_t *h, int ok)
{
    cf_serve_t *srv = h->srv;
    curl_multi_remove_handle(srv->multi, h->easy);
    curl_easy_cleanup(h->easy);
    h->easy = NULL;
    if (ok) {
        srv->m.webhook_ok++;
        if (h->durable)
            cf__outbox_ended(srv, h->alert_id, h->url, h->agency, 0, 1);
        hook_end(h);
    } else if (++h->attempt >= srv->cfg.webhook_attempts || srv->state != CF__RUNNING) {
        srv->m.webhook_failed++;
        if (h->durable && srv->state == CF__RUNNING) /* stopping: owed still, released */
            cf__outbox_ended(srv, h->alert_id, h->url, h->agency, h->attempt, 0);
        cf__log("error", "webhook_given_up",
                json_pack("{s:s, s:s, s:i, s:s, s:s}", "url", h->url, "alert_id", h->alert_id,
                          "attempts", (int)h->attempt, "error", h->errbuf, "reason",
                          srv->state != CF__RUNNING ? "stopping" : "attempts used up"));
        hook_end(h);
    } else {
        uint64_t delay = (uint64_t)srv->cfg.webhook_retry_ms << (h->attempt - 1);
        srv->m.webhook_retries++;
        uv_timer_start(&h->retry, on_retry, delay < 300000 ? delay : 300000, 0);
    }
}

static void check_multi(cf_serve_t *srv)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(srv->multi, &left)) != NULL) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        cf__hook_t *h = NULL;
        long code = 0;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&h);
        curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
        hook_finished(h, msg->data.result == CURLE_OK && code >= 200 && code < 300);
    }
    cf__serve_maybe_finish(srv);
}

static void on_curl_poll(uv_poll_t *p, int status, int events)
{
    cf__curlsock_t *cs = (cf__curlsock_t *)p;
    cf_serve_t *srv = cs->srv;
    int running, flags = status < 0 ? CURL_CSELECT_ERR : 0;
    flags |= events & UV_READABLE ? CURL_CSELECT_IN : 0;
    flags |= events & UV_WRITABLE ? CURL_CSELECT_OUT : 0;
    curl_multi_socket_action(srv->multi, cs->fd, flags, &running);
    check_multi(srv);
}

static void curlsock_close(cf__curlsock_t *cs)
{
    h2o_linklist_unlink(&cs->link);
    uv_close((uv_handle_t *)&cs->poll, (uv_close_cb)free);
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e;
    cf_serve_t *srv = userp;
    cf__curlsock_t *cs = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (cs) {
            curl_multi_assign(srv->multi, fd, NULL);
            curlsock_close(cs);
        }
        return 0;
    }
    if (!cs) {
        if (!(cs = calloc(1, sizeof(*cs))))
            return -1;
        cs->fd = fd;
        cs->srv = srv;
        uv_poll_init_socket(&srv->loop, &cs->poll, fd);
        h2o_linklist_insert(&srv->curlsocks, &cs->link);
        curl_multi_assign(srv->multi, fd, cs);
    }
    int events = (what & CURL_POLL_IN ? UV_READABLE : 0) | (what & CURL_POLL_OUT ? UV_WRITABLE : 0);
    uv_poll_start(&cs->poll, events, on_curl_poll);
    return 0;
}

static void on_curl_timeout(uv_timer_t *t)
{
    cf_serve_t *srv = t->data;
    int running;
    curl_multi_socket_action(srv->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_multi(srv);
}

static int on_curl_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    cf_serve_t *srv = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&srv->curl_timer);
    else
        uv_timer_start(&srv->curl_timer, on_curl_timeout, (uint64_t)timeout_ms, 0);
    return 0;
}

/* One of cfg.webhooks when url is (the hook borrows it), else NULL. */
static const char *configured(const cf_serve_t *srv, const char *url)
{
    for (unsigned k = 0; k < srv->cfg.webhooks_count; k++)
        if (strcmp(srv->cfg.webhooks[k], url) == 0)
            return srv->cfg.webhooks[k];
    return NULL;
}

/* Exported, documented in serve-int.h */
void cf__deliver_hook(cf_serve_t *srv, const char *url, const char *id, const char *agency,
                      const char *body, int durable)
{
    agency = agency ? agency : "";
    cf__hook_t *h = url && id && body ? calloc(1, sizeof(*h)) : NULL;
    if (h && !(h->url = configured(srv, url)))
        h->url = h->url_owned = strdup(url);
    if (!h || !h->url || !(h->body = strdup(body))) {
        if (h)
            free(h->url_owned);
        free(h);
        srv->m.webhook_failed++;
        if (durable && url && id)
            cf__outbox_ended(srv, id, url, agency, 0, 0);
        return;
    }
    h->srv = srv;
    h->durable = durable;
    snprintf(h->alert_id, sizeof(h->alert_id), "%s", id);
    snprintf(h->agency, sizeof(h->agency), "%s", agency);
    uv_timer_init(&srv->loop, &h->retry);
    h2o_linklist_insert(&srv->hooks, &h->link);
    if (hook_start(h) != 0) {
        srv->m.webhook_failed++;
        if (durable)
            cf__outbox_ended(srv, h->alert_id, h->url, h->agency, 0, 0);
        hook_end(h);
    }
}

/* ---- delivering alerts --------------------------------------------------------------------- */

/* One notice (its JSON text) to the streams of agency (stream: the event's name; NULL:
 * none), a line of the log (not flushed) and every webhook. */
static void deliver_one(cf_serve_t *srv, const char *agency, const char *stream, const char *id,
                        const char *text, int durable)
{
    if (stream && *agency)
        broadcast(srv, agency, stream, id, text);
    if (srv->alert_log) /* 2. log */
        fprintf(srv->alert_log, "%s\n", text);
    for (unsigned k = 0; k < srv->cfg.webhooks_count && srv->state == CF__RUNNING; k++)
        cf__deliver_hook(srv, srv->cfg.webhooks[k], id, agency, text, durable);
}

/* Exported, documented in serve-int.h */
void cf__deliver_alerts(cf_serve_t *srv, const json_t *alerts, const char *texts)
{
    size_t i;
    json_t *alert;
    /* the text as json_dumps(JSON_COMPACT) writes it: the outbox's (written once, by the
     * writer, for the rows and for this), else by the project's writer into one buffer
     * for the chunk (json_dumps was nine tenths of the loop's work an alert) */
    cf__jsonw_t w = {0};
    json_array_foreach(alerts, i, alert) {
        const char *agency = json_string_value(json_object_get(alert, "agency"));
        const char *id = json_string_value(json_object_get(alert, "alert_id"));
        const char *text = texts;
        if (texts) {
            texts += strlen(texts) + 1;
        } else {
            w.len = 0;
            cf__jsonw_value(&w, alert, 0);
            text = w.oom ? NULL : w.p;
        }
        /* shared: the streams follow the log (serve-follow.c); durable: the firing wrote
         * their rows (sched-outbox.c) */
        if (text && id)
            deliver_one(srv, agency ? agency : "", srv->shared ? NULL : "alert", id, text, 1);
    }
    free(w.p);
    if (srv->alert_log && json_array_size(alerts))
        fflush(srv->alert_log); /* one write for the chunk */
}

/* Exported, documented in serve-int.h */
void cf__deliver_event(cf_serve_t *srv, const char *type, const char *id, const json_t *data,
                       const char *text)
{
    const char *agency = json_string_value(json_object_get(data, "agency"));
    char *own = text ? NULL : json_dumps(data, JSON_COMPACT);
    if (!text && !own)
        return;
    deliver_one(srv, agency ? agency : "", type, id, text ? text : own, text != NULL);
    if (srv->alert_log)
        fflush(srv->alert_log);
    free(own);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Exported, documented in serve-int.h */
int cf__deliver_init(cf_serve_t *srv, cf_error_t *err)
{
    if (srv->cfg.alert_log && !(srv->alert_log = fopen(srv->cfg.alert_log, "a")))
        return cf_error_set(err, CF_EIO, srv->cfg.alert_log, 0, 0, "cannot open the alert log");
    pthread_once(&curl_once, curl_init_once);
    if (!(srv->multi = curl_multi_init()))
        return cf_error_set(err, CF_ENOMEM, NULL, 0, 0, "cannot start libcurl");
    uv_timer_init(&srv->loop, &srv->curl_timer);
    srv->curl_timer.data = srv;
    uv_timer_init(&srv->loop, &srv->sse_ping);
    srv->sse_ping.data = srv;
    uv_timer_start(&srv->sse_ping, on_sse_ping, srv->cfg.timeout_ms, srv->cfg.timeout_ms);
    curl_multi_setopt(srv->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(srv->multi, CURLMOPT_SOCKETDATA, srv);
    curl_multi_setopt(srv->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(srv->multi, CURLMOPT_TIMERDATA, srv);
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__deliver_shutdown(cf_serve_t *srv)
{
    if (srv->sse_ping.loop)
        uv_close((uv_handle_t *)&srv->sse_ping, NULL);
    for (h2o_linklist_t *n = srv->sse.next, *next; n != &srv->sse; n = next) {
        next = n->next; /* the final send may end the stream and unlink it */
        cf__sse_t *s = H2O_STRUCT_FROM_MEMBER(cf__sse_t, link, n);
        s->finishing = 1;
        sse_flush(s);
    }
    while (!h2o_linklist_is_empty(&srv->hooks)) {
        cf__hook_t *h = H2O_STRUCT_FROM_MEMBER(cf__hook_t, link, srv->hooks.next);
        srv->m.webhook_failed++;
        hook_end(h);
    }
}

/* Exported, documented in serve-int.h */
void cf__deliver_close(cf_serve_t *srv)
{
    if (srv->multi)
        curl_multi_cleanup(srv->multi);
    srv->multi = NULL;
    while (!h2o_linklist_is_empty(&srv->curlsocks))
        curlsock_close(H2O_STRUCT_FROM_MEMBER(cf__curlsock_t, link, srv->curlsocks.next));
    if (srv->curl_timer.loop)
        uv_close((uv_handle_t *)&srv->curl_timer, NULL);
    if (srv->alert_log)
        fclose(srv->alert_log);
    srv->alert_log = NULL;
}
