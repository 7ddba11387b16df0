/*
 * sched-deliver.c -- where a fired alert (and a transition notice) goes: the
 * Server-Sent Events streams of its agency, the JSON-lines alert log, and every
 * configured webhook. All on the loop thread; nothing here blocks but the log's
 * one fwrite.
 *
 * Division map:
 *   1. streams   GET /v1/stream as an h2o generator; h2o's flow control means
 *                one send in flight per stream, the rest gathered in `pending`;
 *                a stream more than cfg.stream_max_pending behind is ended
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
 * webhook_attempts tries. Deliveries live in memory: one still pending when the
 * daemon stops is dropped (the alert itself is in the case's log, the alert log
 * and GET /v1/alerts). Rejected: a durable outbox table (a write per attempt on
 * the writer; worth it once receivers need exactly-once across restarts).
 */
#include "serve-int.h"

#include <stdlib.h>
#include <string.h>

/* ---- 1. streams ----------------------------------------------------------------------------- */

static void sse_flush(cf__sse_t *s)
{
    if (s->sending || !s->req)
        return;
    free(s->inflight);
    s->inflight = NULL;
    if (!s->pending_len && !s->finishing)
        return;
    h2o_iovec_t buf = h2o_iovec_init(s->pending, s->pending_len);
    s->inflight = s->pending;
    s->pending = NULL;
    s->pending_len = 0;
    s->sending = 1;
    h2o_send(s->req, &buf, buf.len ? 1 : 0,
             s->finishing ? H2O_SEND_STATE_FINAL : H2O_SEND_STATE_IN_PROGRESS);
}

static int sse_grow(cf__sse_t *s, const char *text, size_t len)
{
    char *grown = realloc(s->pending, s->pending_len + len);
    if (!grown)
        return -1;
    memcpy(grown + s->pending_len, text, len);
    s->pending = grown;
    s->pending_len += len;
    return 0;
}

/* A stream whose client reads slower than events come is not allowed to grow
 * without bound. Past cfg.stream_max_pending of unsent text (16 MiB: a burst of
 * some 35,000 alerts), or when memory runs out, the stream is ended rather than
 * left with a silent gap: it gets a last event, "overflow", once what it holds is
 * sent, and no event after that. Its client reconnects and catches up from GET
 * /v1/alerts and the cases' events. A client that never reads keeps at most the
 * cap (plus the send in flight) until it goes away or the daemon stops. */
static void sse_append(cf__sse_t *s, const char *text, size_t len)
{
    static const char overflow[] = "event: overflow\ndata: {\"error\":\"EOVERFLOW\",\"text\":"
                                   "\"the stream fell too far behind; reconnect and read "
                                   "/v1/alerts\"}\n\n";
    if (s->pending_len + len > s->srv->cfg.stream_max_pending || sse_grow(s, text, len) != 0) {
        sse_grow(s, overflow, sizeof(overflow) - 1);
        if (!s->finishing) /* the client is dropped: say so once */
            cf__log("warn", "stream_dropped",
                    json_pack("{s:s, s:I, s:I}", "reason", "the client fell behind",
                              "pending_bytes", (json_int_t)s->pending_len, "limit_bytes",
                              (json_int_t)s->srv->cfg.stream_max_pending));
        s->finishing = 1;
        s->srv->m.sse_overflows++;
    }
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
    free(s->pending);
    free(s->inflight);
}

/* Exported, documented in serve-int.h */
int cf__deliver_stream(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who)
{
    if (srv->state != CF__RUNNING) {
        cf__http_error(req, srv, 503, "ESTOPPING", "the daemon is stopping");
        return 0;
    }
    cf__sse_t *s = h2o_mem_alloc_shared(&req->pool, sizeof(*s), sse_dispose);
    memset(s, 0, sizeof(*s));
    s->gen.proceed = sse_proceed;
    s->gen.stop = sse_stop;
    s->req = req;
    s->srv = srv;
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
        hook_end(h);
    } else if (++h->attempt >= srv->cfg.webhook_attempts || srv->state != CF__RUNNING) {
        srv->m.webhook_failed++;
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

static void webhook(cf_serve_t *srv, const char *url, const char *id, const char *body)
{
    cf__hook_t *h = calloc(1, sizeof(*h));
    if (!h || !(h->body = strdup(body))) {
        free(h);
        srv->m.webhook_failed++;
        return;
    }
    h->srv = srv;
    h->url = url;
    snprintf(h->alert_id, sizeof(h->alert_id), "%s", id);
    uv_timer_init(&srv->loop, &h->retry);
    h2o_linklist_insert(&srv->hooks, &h->link);
    if (hook_start(h) != 0) {
        srv->m.webhook_failed++;
        hook_end(h);
    }
}

/* ---- delivering alerts --------------------------------------------------------------------- */

/* Exported, documented in serve-int.h */
void cf__deliver_alerts(cf_serve_t *srv, const json_t *alerts)
{
    size_t i;
    json_t *alert;
    json_array_foreach(alerts, i, alert) {
        const char *agency = json_string_value(json_object_get(alert, "agency"));
        const char *id = json_string_value(json_object_get(alert, "alert_id"));
        char *text = json_dumps(alert, JSON_COMPACT);
        if (text && id) {
            if (agency)
                broadcast(srv, agency, "alert", id, text);
            if (srv->alert_log) /* 2. log */
                fprintf(srv->alert_log, "%s\n", text);
            for (unsigned k = 0; k < srv->cfg.webhooks_count && srv->state == CF__RUNNING; k++)
                webhook(srv, srv->cfg.webhooks[k], id, text);
        }
        free(text);
    }
    if (srv->alert_log && json_array_size(alerts))
        fflush(srv->alert_log); /* one write for the chunk */
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
    curl_multi_setopt(srv->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(srv->multi, CURLMOPT_SOCKETDATA, srv);
    curl_multi_setopt(srv->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(srv->multi, CURLMOPT_TIMERDATA, srv);
    return 0;
}

/* Exported, documented in serve-int.h */
void cf__deliver_shutdown(cf_serve_t *srv)
{
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
