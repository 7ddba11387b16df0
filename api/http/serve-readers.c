/*
 * serve-readers.c -- the reader pool: the GET endpoints that read the database
 * (a case, its events, the case list, the alerts) run here, off the loop, each on
 * a thread of its own with its own read-only connection (cf_store_open_readonly).
 *
 * Why: a read on the loop holds every client for as long as it takes. At 104,000
 * cases one unpaged GET /v1/cases once stalled every client for 1.8 s; paging
 * (http-read.c) bounds a read, and the pool keeps even a bounded one (a page, a
 * case with a long history, a cold cache) from holding the loop, so writes keep
 * being queued and committed while any read runs. In WAL mode a reader never waits
 * for the writer and the writer never waits for a reader: a slow read delays no
 * commit (it only keeps the checkpointer from recycling the log while it lasts).
 *
 * Design, as the writer (serve-writer.c): the loop parses and checks the request,
 * then queues a job (cf__read_t) under a mutex; a reader takes it, runs it on its
 * connection (job->run: fills status, the answer's JSON text, its ETag and next
 * cursor), and hands it back through one uv_async; the loop answers. The job
 * carries copies of everything it reads (strings out of the request's pool, the
 * clock): the request may go away while the job runs (its link forgets it, the
 * answer is dropped).
 *
 * Rejected: uv_queue_work (libuv's pool is shared with file system calls, and a
 * connection per work item, or one shared with a lock, loses the statement cache);
 * one reader (one slow read would queue every other behind it).
 */
#include "serve-int.h"

#include "jsonw.h"

#include <stdlib.h>
#include <string.h>

/* ---- the threads ---------------------------------------------------------------------------- */

static void *reader_main(void *arg)
{
    cf__reader_t *me = arg;
    cf__readers_t *pool = me->pool;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        while (!pool->queue && !pool->quit)
            pthread_cond_wait(&pool->cv, &pool->mu);
        cf__read_t *r = pool->queue;
        if (r) {
            pool->queue = r->next;
            if (!pool->queue)
                pool->queue_tail = NULL;
        }
        pthread_mutex_unlock(&pool->mu);
        if (!r)
            break; /* quit, and nothing left */
        if (r->srv->cfg.read_probe)
            r->srv->cfg.read_probe(r->srv->cfg.read_probe_ctx);
        r->run(me->store, &me->wfs, r);
        atomic_fetch_add(&pool->reads, 1);
        r->next = NULL;
        pthread_mutex_lock(&pool->mu);
        if (pool->done_tail)
            pool->done_tail->next = r;
        else
            pool->done = r;
        pool->done_tail = r;
        pthread_mutex_unlock(&pool->mu);
        uv_async_send(&pool->async);
    }
    return NULL;
}

/* ---- the loop side ----------------------------------------------------------------------------
 */

static void on_link_dispose(void *p)
{
    cf__read_t **link = p;
    if (*link)
        (*link)->req = NULL;
}

/* Adds the answer's headers: ETag, and the next page (X-Next-Cursor, and Link with
 * the request's own query, its cursor replaced). */
static void add_headers(h2o_req_t *req, const cf__read_t *r)
{
    if (r->etag[0]) {
        size_t n = strlen(r->etag);
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL,
                       h2o_strdup(&req->pool, r->etag, n).base, n);
    }
    if (!r->next_cursor[0])
        return;
    size_t n = strlen(r->next_cursor);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-next-cursor"), 0, NULL,
                          h2o_strdup(&req->pool, r->next_cursor, n).base, n);
    h2o_iovec_t path = req->path_normalized;
    size_t qlen = req->query_at == SIZE_MAX ? 0 : req->path.len - req->query_at - 1;
    const char *q = qlen ? req->path.base + req->query_at + 1 : "";
    size_t size = path.len + qlen + 3 * n + 32, len = 0;
    char *link = h2o_mem_alloc_pool(&req->pool, size);
    len += (size_t)snprintf(link, size, "<%.*s?", (int)path.len, path.base);
    for (const char *p = q, *end = q + qlen; p < end;) { /* every parameter but cursor */
        const char *amp = memchr(p, '&', (size_t)(end - p));
        const char *stop = amp ? amp : end;
        if (!((size_t)(stop - p) >= 7 && memcmp(p, "cursor=", 7) == 0) && stop > p)
            len += (size_t)snprintf(link + len, size - len, "%.*s&", (int)(stop - p), p);
        p = stop + 1;
    }
    len += (size_t)snprintf(link + len, size - len, "cursor=");
    for (const char *c = r->next_cursor; *c; c++) /* '+' (an alert id's offset) encoded */
        len += (size_t)(*c == '+' ? snprintf(link + len, size - len, "%%2B")
                                  : snprintf(link + len, size - len, "%c", *c));
    len += (size_t)snprintf(link + len, size - len, ">; rel=\"next\"");
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LINK, NULL, link, len);
}

static void on_done(uv_async_t *async)
{
    cf_serve_t *srv = async->data;
    cf__readers_t *pool = &srv->readers;
    pthread_mutex_lock(&pool->mu);
    cf__read_t *list = pool->done;
    pool->done = pool->done_tail = NULL;
    pthread_mutex_unlock(&pool->mu);
    while (list) {
        cf__read_t *r = list;
        list = r->next;
        pool->inflight--;
        h2o_req_t *req = r->req;
        if (req) { /* the job lets go of the request before it is answered */
            *r->link = NULL;
            r->req = NULL;
            add_headers(req, r);
            if (r->content_type && r->status == 200 && r->text)
                cf__http_bytes(req, srv, 200, r->content_type, r->text, r->text_len);
            else
                cf__http_text(req, srv, r->status, r->text, r->text_len);
        }
        cf__read_free(r);
    }
    cf__serve_maybe_finish(srv);
}

/* Exported, documented in serve-int.h */
cf__read_t *cf__read_new(cf_serve_t *srv, h2o_req_t *req, const cf_principal_t *who,
                         cf__read_fn run)
{
    cf__read_t *r = calloc(1, sizeof(*r));
    if (!r) {
        cf__http_error(req, srv, 500, "ENOMEM", "out of memory");
        return NULL;
    }
    cf__read_t **link = h2o_mem_alloc_shared(&req->pool, sizeof(*link), on_link_dispose);
    *link = r;
    r->link = link;
    r->srv = srv;
    r->req = req;
    r->who = *who;
    r->run = run;
    r->now = cf__serve_now(srv);
    return r;
}

/* Exported, documented in serve-int.h */
void cf__read_submit(cf__read_t *r)
{
    cf__readers_t *pool = &r->srv->readers;
    pool->inflight++;
    r->next = NULL;
    pthread_mutex_lock(&pool->mu);
    if (pool->queue_tail)
        pool->queue_tail->next = r;
    else
        pool->queue = r;
    pool->queue_tail = r;
    pthread_cond_signal(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
}

/* Exported, documented in serve-int.h */
void cf__read_free(cf__read_t *r)
{
    if (r->req)
        *r->link = NULL; /* its request lives on: the link must not name a freed job */
    free(r->text);
    free(r->strings);
    free(r);
}

/* Exported, documented in serve-int.h */
void cf__read_answer(cf__read_t *r, int status, json_t *body)
{
    cf__jsonw_t w = {0};
    cf__jsonw_value(&w, body, 0);
    json_decref(body);
    r->status = status;
    r->text = w.oom || !body ? NULL : w.p; /* NULL: cf__http_text answers 500 ENOMEM */
    r->text_len = w.len;
    if (!r->text)
        free(w.p);
}

/* Exported, documented in serve-int.h */
void cf__read_error(cf__read_t *r, int status, const char *name, const char *text)
{
    cf__read_answer(r, status, json_pack("{s:s, s:s}", "error", name, "text", text));
}

/* ---- starting and stopping --------------------------------------------------------------------
 */

/* Exported, documented in serve-int.h */
int cf__readers_start(cf_serve_t *srv, cf_error_t *err)
{
    cf__readers_t *pool = &srv->readers;
    int rc = 0;
    pthread_mutex_init(&pool->mu, NULL);
    pthread_cond_init(&pool->cv, NULL);
    uv_async_init(&srv->loop, &pool->async, on_done);
    pool->async.data = srv;
    pool->ready = 1;
    for (unsigned i = 0; rc == 0 && i < srv->cfg.readers; i++) {
        cf__reader_t *t = &pool->threads[i];
        t->pool = pool;
        if ((rc = cf_store_open_readonly(srv->cfg.db_path, &t->store, err)) != 0)
            break;
        if (pthread_create(&t->thread, NULL, reader_main, t) != 0) {
            cf_store_close(t->store);
            t->store = NULL;
            rc = cf_error_set(err, CF_EIO, NULL, 0, 0, "cannot start a reader thread");
            break;
        }
        pool->count++;
    }
    return rc;
}

/* Exported, documented in serve-int.h */
void cf__readers_stop(cf_serve_t *srv)
{
    cf__readers_t *pool = &srv->readers;
    if (!pool->ready)
        return;
    pthread_mutex_lock(&pool->mu);
    pool->quit = 1;
    pthread_cond_broadcast(&pool->cv);
    pthread_mutex_unlock(&pool->mu);
    for (unsigned i = 0; i < pool->count; i++) {
        pthread_join(pool->threads[i].thread, NULL);
        cf_wfcache_free(&pool->threads[i].wfs);
        cf_store_close(pool->threads[i].store);
    }
    pool->count = 0;
    pthread_cond_destroy(&pool->cv);
    pthread_mutex_destroy(&pool->mu);
    uv_close((uv_handle_t *)&pool->async, NULL);
    pool->ready = 0;
}
