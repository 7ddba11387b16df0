/*
 * bench-http.c -- `caseflow-bench http`: durable transitions per second over
 * HTTP, against `caseflow serve` on 127.0.0.1, every answer given after its
 * transaction committed (the daemon's contract, docs/api.md).
 *
 * The workload: --clients keep-alive TCP connections (TCP_NODELAY), each a
 * person working alone on its own --cases-per-client cases: it opens them
 * (POST /v1/cases, expects 201; timed apart, as `http_open`), then takes each
 * case through its eight steps (POST /v1/cases/{id}/actions with If-Match: the
 * version the previous answer gave, expects 200), one request in flight per
 * connection. The daemon's writer commits whatever arrived during the previous
 * commit in one transaction (group commit), so the number of connections is
 * the most a commit can carry; /metrics gives the batches it actually made.
 *
 * Clients: 128 by default, 30 cases each. Throughput is a capacity, measured
 * where more clients stop adding to it: on the 2-core machine of
 * docs/performance.md, 64 clients left a third of the CPU idle (each waited for
 * its answer while the writer waited for requests), 128 gave ~25% more, 256 ~2%
 * more again at twice the latency. run.sh also runs 64 clients (--key http_c64),
 * shown beside it. --key names the results (KEY and KEY_open; default http).
 * --stream 1 keeps an event stream (GET /v1/stream) open during the timed part,
 * as a browser or an alert daemon would be, and checks that it carried one
 * transition notice per transition (run.sh: --key http_sse).
 *
 * --unix 1 runs the same over a Unix socket (`caseflow serve --listen unix:PATH`, the
 * link a proxy on the same host uses; docs/operations.md): the daemon listens on
 * http.sock in the bench's folder and the clients connect there (AF_UNIX, no
 * TCP_NODELAY to set). run.sh runs it right after the TCP row in each round, under the
 * key http_unix, so the two alternate on the same machine state; reported, not judged.
 * Every run also gives the CPU time of the timed part a transition, user and kernel, of
 * the daemon (all its threads, /proc/PID/stat, 10 ms ticks) and of this client
 * (getrusage): d_user_us, d_sys_us, c_user_us, c_sys_us, and the kernel's share of it
 * all (kernel_pct), what a Unix socket is meant to cut.
 *
 * On PostgreSQL (--pg, issue 24 item 5) the key is pg_http, and --nodes N starts N
 * daemons on the one database, the clients spread over them in turn (--nodes 3:
 * pg_http3, set beside pg_http). Two daemons writing at once may be answered 409 on
 * different cases (while ids and log positions are MAX() + 1); a 409 is sent again
 * as it was (each client is the only writer of its cases, so its version is still
 * right), counted in conflicts=, and only the answered attempt's latency counted.
 *
 * The client is a small HTTP/1.1 client written here, on non-blocking sockets
 * and one level-triggered epoll set, on one thread. Per request it costs one
 * send(), one recv() (more if the answer comes in pieces) and a share of one
 * epoll_wait(); the answer is parsed in place: the status line, the headers
 * (only Content-Length matters; Transfer-Encoding and a missing length are
 * refused, the daemon always sends a length), then the body, scanned for the
 * top-level "id" and "version" (scan_answer). It speaks only what this
 * workload needs: no redirects, no pipelining, no reconnect (a connection the
 * server closes ends the run with a message). Connections are made, blocking,
 * at the start of the first (timed) drive, as curl made them on first use.
 *
 * Why a client of its own: the machine has two cores, shared by the client and
 * the daemon it measures (loop thread and writer thread). A profile with the
 * libcurl multi client put about 37% of all CPU in the client, CPU the daemon
 * could not have. For the default run (34,560 requests) the curl client used
 * 2.3-3.6 s of CPU and this one 0.38-0.56 s (perf stat, docs/performance.md).
 *
 * Rejected: libcurl multi (the previous client; its cost above); wrk with a
 * Lua script (its requests cannot carry the version the previous answer
 * returned without a per-connection state machine in Lua, and it is one more
 * package); one connection per request (measures connects, not commits);
 * json_loadb on every answer (it builds every event of the case to read two
 * integers; with it, jansson and malloc were about 40% of this client's CPU).
 * Cost of the choice: the HTTP parsing and the scan are ours to keep right,
 * and the client still shares the two cores, so the figure remains lower than
 * a client on another machine would see.
 *
 * Map: the connection (connect, send, receive and parse an answer), then the
 * workload (next request, the answer's id and version, the drive loop), then
 * the subcommand.
 */
#include "bench.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define T_OPEN "2026-03-02T09:00:00+08:00"

/* Seconds a request may wait for its answer before the run is declared stuck. */
#define ANSWER_TIMEOUT 120.0
/* An answer larger than this is not one of the daemon's (a case and its events). */
#define ANSWER_MAX (16 << 20)

typedef struct client_s {
    int fd;
    uint32_t events; /* what the epoll set watches on fd; 0: not in the set */
    char path[96];   /* of the request in flight, for messages */
    char out[1024];  /* the request: head and body */
    size_t out_len, out_sent;
    char *in; /* the answer so far; in_cap bytes allocated */
    size_t in_len, in_cap;
    size_t scanned;  /* bytes of in searched for the end of the head, without finding it */
    size_t head_len; /* 0 until the head is complete; then through its blank line */
    size_t body_len; /* Content-Length */
    int status;
    int64_t *ids, *versions; /* per case */
    long cases, at;          /* at: the case being worked on */
    int step;                /* 1..8: the step in flight (opening: unused) */
    int busy;                /* a request is in flight */
    double sent;
    int port;              /* its daemon's */
    const char *unix_path; /* its daemon's Unix socket, or NULL (TCP) */
} client_t;

typedef struct run_s {
    const cf_bench_daemon_t *d; /* the daemons: nodes of them */
    int nodes;
    long conflicts; /* 409s sent again */
    int ep;         /* the epoll set */
    client_t *clients;
    long count;
    long busy;       /* clients with a request in flight */
    double *latency; /* seconds per answered request */
    long answered;
    int opening;
} run_t;

/* ---- the connection ------------------------------------------------------------------------ */

static void watch(run_t *r, client_t *c, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = c};
    if (events == c->events)
        return;
    int op = !c->events ? EPOLL_CTL_ADD : !events ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (epoll_ctl(r->ep, op, c->fd, &ev) != 0)
        cf_bench_die("http", "epoll_ctl: %s", strerror(errno));
    c->events = events;
}

/* Opens c's connection to its daemon: blocking connect on loopback, then TCP_NODELAY and
 * non-blocking; or on its Unix socket, then non-blocking. */
static void connect_client(client_t *c)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)c->port)};
    struct sockaddr_un u = {.sun_family = AF_UNIX};
    int one = 1;
    if (c->unix_path) {
        snprintf(u.sun_path, sizeof(u.sun_path), "%s", c->unix_path);
        c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&u, sizeof(u)) != 0)
            cf_bench_die("http", "connect to unix:%s: %s", c->unix_path, strerror(errno));
    } else {
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (c->fd < 0 || connect(c->fd, (struct sockaddr *)&a, sizeof(a)) != 0)
            cf_bench_die("http", "connect to 127.0.0.1:%d: %s", c->port, strerror(errno));
        if (setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
            cf_bench_die("http", "TCP_NODELAY: %s", strerror(errno));
    }
    if (fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK) != 0)
        cf_bench_die("http", "socket options: %s", strerror(errno));
}

/* Sends what is left of c->out; when the socket is full, watches for room. */
static void send_more(run_t *r, client_t *c)
{
    while (c->out_sent < c->out_len) {
        ssize_t n = send(c->fd, c->out + c->out_sent, c->out_len - c->out_sent, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            watch(r, c, EPOLLIN | EPOLLOUT);
            return;
        }
        if (n < 0)
            cf_bench_die("http", "connection %ld: sending POST %s: %s (closed by the server?)",
                         (long)(c - r->clients), c->path, strerror(errno));
        c->out_sent += (size_t)n;
    }
    watch(r, c, EPOLLIN);
}

static int header_is(const char *line, size_t n, const char *name)
{
    size_t k = strlen(name);
    return n >= k && strncasecmp(line, name, k) == 0;
}

/* Reads the head (c->in up to c->head_len, which ends in an empty line): the status and
 * Content-Length into c. Exits on a malformed status line, on Transfer-Encoding (chunked),
 * and without a Content-Length. */
static void parse_head(run_t *r, client_t *c)
{
    const char *p = c->in, *end = c->in + c->head_len;
    long who = (long)(c - r->clients);
    int have_len = 0;
    if (c->head_len < 14 || memcmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ' || p[9] < '1' ||
        p[9] > '5' || p[10] < '0' || p[10] > '9' || p[11] < '0' || p[11] > '9' ||
        (p[12] != ' ' && p[12] != '\r'))
        cf_bench_die("http", "connection %ld: not an HTTP/1.x status line: %.40s", who, p);
    c->status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    p = memchr(p, '\n', (size_t)(end - p)) + 1;
    while (p < end - 2) { /* the last line is the empty one */
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)(eol - p);
        if (header_is(p, n, "transfer-encoding:"))
            cf_bench_die("http", "POST %s answered with %.*s; this client needs Content-Length",
                         c->path, (int)n - 1, p);
        if (header_is(p, n, "content-length:")) {
            char *stop;
            const char *v = p + strlen("content-length:");
            while (*v == ' ' || *v == '\t')
                v++;
            long long len = strtoll(v, &stop, 10);
            if (stop == v || len < 0 || len > ANSWER_MAX || (*stop != '\r' && *stop != ' '))
                cf_bench_die("http", "POST %s: bad %.*s", c->path, (int)n - 1, p);
            c->body_len = (size_t)len;
            have_len = 1;
        }
        p = eol + 1;
    }
    if (!have_len)
        cf_bench_die("http", "POST %s (status %d) answered without Content-Length", c->path,
                     c->status);
}

/* Looks for the empty line that ends the head in what has come so far; sets c->head_len. */
static void find_head(client_t *c)
{
    size_t i = c->scanned;
    for (; i + 4 <= c->in_len; i++)
        if (c->in[i] == '\r' && memcmp(c->in + i, "\r\n\r\n", 4) == 0) {
            c->head_len = i + 4;
            return;
        }
    c->scanned = i; /* the last three bytes may start the empty line: searched again */
}

/* Takes what the socket has. Returns 1 when c->in holds the whole answer (head and
 * Content-Length bytes of body), 0 when more must come. Exits when the server closed the
 * connection, on a socket error, and on bytes beyond the answer. */
static int receive(run_t *r, client_t *c)
{
    long who = (long)(c - r->clients);
    if (c->in_cap - c->in_len < 4096) {
        c->in_cap = c->in_cap ? 2 * c->in_cap : 16384;
        if (c->in_cap > 2 * (size_t)ANSWER_MAX || !(c->in = realloc(c->in, c->in_cap)))
            cf_bench_die("http", "connection %ld: answer too large", who);
    }
    ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len - 1, 0);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return 0;
    if (n < 0)
        cf_bench_die("http", "connection %ld: recv: %s", who, strerror(errno));
    if (n == 0)
        cf_bench_die("http", "the server closed connection %ld %s POST %s (%zu bytes of answer)",
                     who, c->busy ? "waiting for the answer to" : "after", c->path, c->in_len);
    c->in_len += (size_t)n;
    c->in[c->in_len] = '\0'; /* for messages */
    if (!c->head_len) {
        find_head(c);
        if (!c->head_len)
            return 0;
        parse_head(r, c);
    }
    if (c->in_len < c->head_len + c->body_len)
        return 0;
    if (c->in_len > c->head_len + c->body_len || !c->busy)
        cf_bench_die("http", "connection %ld: %zu bytes beyond the answer to POST %s", who,
                     c->in_len - c->head_len - c->body_len, c->path);
    return 1;
}

/* ---- the workload -------------------------------------------------------------------------- */

/* Sends the client's next request: an open, or the next step of its case. */
static void send_next(run_t *r, client_t *c)
{
    char body[256], match[64] = "";
    if (r->opening) {
        snprintf(c->path, sizeof(c->path), "/v1/cases");
        snprintf(body, sizeof(body),
                 "{\"workflow\": \"bench-linear\", \"party\": {\"name\": \"基准药房%ld号\", "
                 "\"type\": \"定点医药机构\"}}",
                 (long)(c - r->clients) * c->cases + c->at);
    } else {
        snprintf(c->path, sizeof(c->path), "/v1/cases/%lld/actions", (long long)c->ids[c->at]);
        snprintf(body, sizeof(body), "{\"action\": \"step%d\"}", c->step);
        snprintf(match, sizeof(match), "If-Match: \"%lld\"\r\n", (long long)c->versions[c->at]);
    }
    int n = snprintf(c->out, sizeof(c->out),
                     "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n%s\r\n%s",
                     c->path, c->port, CF_BENCH_TOKEN, strlen(body), match, body);
    if (n < 0 || (size_t)n >= sizeof(c->out))
        cf_bench_die("http", "request to %s longer than %zu bytes", c->path, sizeof(c->out));
    c->out_len = (size_t)n;
    c->out_sent = 0;
    c->in_len = c->scanned = c->head_len = c->body_len = 0;
    c->busy = 1;
    c->sent = cf_bench_now();
    send_more(r, c);
}

/* Reads the integer members "id" (bit 0 of the result) and "version" (bit 1) of the
 * top-level object in text (len bytes, a NUL after them) into OUT v[0] and v[1], in one
 * pass that tracks nesting and skips strings: the events in an answer carry their own
 * "id" and "version" (the workflow's), which must not be taken. Returns the bits of the
 * members found; 0 when text is not an object. A member found that is not an integer
 * counts as not found. (json_loadb would build every event to read two integers.) */
static int scan_answer(const char *text, size_t len, int64_t *v)
{
    const char *p = text, *end = text + len;
    int depth = 0, key = 0, found = 0;
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    if (p == end || *p != '{')
        return 0;
    while (p < end && found != 3) {
        char ch = *p++;
        if (ch == '{' || ch == '[' || ch == ',') {
            depth += ch != ',';
            key = ch != '['; /* a key follows; only used at depth 1, the top object */
        } else if (ch == '}' || ch == ']') {
            depth--;
        } else if (ch == '"') {
            const char *s = p;
            while (p < end && *p != '"')
                p += *p == '\\' ? 2 : 1;
            if (p >= end)
                break;
            size_t n = (size_t)(p++ - s);
            int k = !key || depth != 1                       ? -1
                    : n == 2 && memcmp(s, "id", 2) == 0      ? 0
                    : n == 7 && memcmp(s, "version", 7) == 0 ? 1
                                                             : -1;
            key = 0;
            while (k >= 0 && p < end && (isspace((unsigned char)*p) || *p == ':'))
                p++;
            char *stop = (char *)p;
            long long x = k >= 0 ? strtoll(p, &stop, 10) : 0;
            if (k >= 0 && stop != p &&
                (*stop == ',' || *stop == '}' || isspace((unsigned char)*stop))) {
                v[k] = x;
                found |= 1 << k;
                p = stop;
            }
        }
    }
    return found;
}

/* Takes a whole answer; returns 1 if the client has more to send. */
static int take_answer(run_t *r, client_t *c)
{
    int64_t v[2];
    const char *body = c->in + c->head_len;
    c->busy = 0;
    if (c->status == 409) { /* another daemon's write took the id or position: again */
        r->conflicts++;
        return 1;
    }
    r->latency[r->answered++] = cf_bench_now() - c->sent;
    if (c->status != (r->opening ? 201 : 200))
        cf_bench_die("http", "POST %s answered %d: %s", c->path, c->status, body);
    int need = r->opening ? 3 : 2;
    if ((scan_answer(body, c->body_len, v) & need) != need)
        cf_bench_die("http", "POST %s: no integer %s in the answer: %s", c->path,
                     r->opening ? "id and version" : "version", body);
    if (r->opening)
        c->ids[c->at] = v[0];
    c->versions[c->at] = v[1];
    if (r->opening)
        return ++c->at < c->cases;
    if (++c->step <= CF_BENCH_STEPS)
        return 1;
    c->step = 1;
    return ++c->at < c->cases;
}

/* Exits if a request has waited longer than ANSWER_TIMEOUT. */
static void check_stuck(const run_t *r, double now)
{
    for (long i = 0; i < r->count; i++)
        if (r->clients[i].busy && now - r->clients[i].sent > ANSWER_TIMEOUT)
            cf_bench_die("http", "POST %s: no answer in %.0f s", r->clients[i].path,
                         ANSWER_TIMEOUT);
}

/* Runs every client until each has nothing left; returns the seconds taken. A client
 * done with its work leaves the epoll set until the next drive. */
static double drive(run_t *r)
{
    struct epoll_event ev[256];
    double start = cf_bench_now(), checked = start;
    for (long i = 0; i < r->count; i++) {
        client_t *c = &r->clients[i];
        if (c->fd < 0)
            connect_client(c);
        c->at = 0;
        c->step = 1;
        r->busy++;
        send_next(r, c);
    }
    while (r->busy > 0) {
        int n = epoll_wait(r->ep, ev, (int)(sizeof(ev) / sizeof(ev[0])), 1000);
        if (n < 0 && errno != EINTR)
            cf_bench_die("http", "epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            client_t *c = ev[i].data.ptr;
            if (ev[i].events & EPOLLOUT)
                send_more(r, c);
            if (!(ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) || !receive(r, c))
                continue;
            if (take_answer(r, c)) {
                send_next(r, c);
            } else {
                watch(r, c, 0);
                r->busy--;
            }
        }
        if (n <= 0 || cf_bench_now() - checked > 1.0)
            check_stuck(r, checked = cf_bench_now());
    }
    return cf_bench_now() - start;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double pct(double *v, long n, double p)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n ? v[(long)(p * (double)(n - 1))] : 0;
}

static void setup(run_t *r, long clients, long cases)
{
    r->ep = epoll_create1(EPOLL_CLOEXEC);
    if (r->ep < 0)
        cf_bench_die("http", "epoll_create1: %s", strerror(errno));
    r->clients = calloc((size_t)clients, sizeof(client_t));
    r->latency = calloc((size_t)(clients * cases * (CF_BENCH_STEPS + 1)), sizeof(double));
    r->count = clients;
    for (long i = 0; i < clients; i++) {
        client_t *c = &r->clients[i];
        c->fd = -1;
        c->port = r->d[i % r->nodes].port;
        c->unix_path = r->d[i % r->nodes].unix_path[0] ? r->d[i % r->nodes].unix_path : NULL;
        c->cases = cases;
        c->ids = calloc((size_t)cases, sizeof(int64_t));
        c->versions = calloc((size_t)cases, sizeof(int64_t));
    }
}

static void teardown(run_t *r)
{
    for (long i = 0; i < r->count; i++) {
        if (r->clients[i].fd >= 0)
            close(r->clients[i].fd);
        free(r->clients[i].in);
        free(r->clients[i].ids);
        free(r->clients[i].versions);
    }
    close(r->ep);
    free(r->clients);
    free(r->latency);
}

/* ---- an event stream held open (--stream 1) ------------------------------------------------ */

/* A browser or alert daemon listening on /v1/stream while the clients work:
 * every transition then costs the daemon a notice frame too. It counts the
 * transition frames it receives, on a thread of its own. */
typedef struct watcher_s {
    pthread_t thread;
    const cf_bench_daemon_t *d;
    atomic_int stop;
    atomic_long bytes;
    atomic_long transitions;
    char *part; /* the frame not yet complete */
    size_t part_len;
} watcher_t;

/* Appends a piece of the stream and counts the complete frames (ended by a
 * blank line) that are transition notices. */
static void count_frames(void *ctx, const char *text, size_t n)
{
    watcher_t *w = ctx;
    w->part = realloc(w->part, w->part_len + n + 1);
    if (!w->part)
        cf_bench_die("http", "out of memory");
    memcpy(w->part + w->part_len, text, n);
    w->part_len += n;
    w->part[w->part_len] = '\0';
    long found = 0;
    char *start = w->part, *end;
    for (; (end = strstr(start, "\n\n")) != NULL; start = end + 2)
        found += strncmp(start, "event: transition\n", 18) == 0;
    w->part_len -= (size_t)(start - w->part);
    memmove(w->part, start, w->part_len + 1);
    atomic_fetch_add(&w->transitions, found);
    atomic_fetch_add(&w->bytes, (long)n);
}

static void *watch_stream(void *arg)
{
    watcher_t *w = arg;
    cf_bench_stream_follow(w->d, count_frames, w, &w->stop);
    return NULL;
}

/* Starts w and waits for the stream's first bytes (its ": connected" line). */
static void watcher_start(watcher_t *w, const cf_bench_daemon_t *d)
{
    w->d = d;
    if (pthread_create(&w->thread, NULL, watch_stream, w) != 0)
        cf_bench_die("http", "no thread for the stream");
    double until = cf_bench_now() + 10;
    while (atomic_load(&w->bytes) == 0 && cf_bench_now() < until)
        usleep(1000);
    if (atomic_load(&w->bytes) == 0)
        cf_bench_die("http", "the event stream did not open");
}

/* Waits (a few seconds at most) for want transition frames, then stops w.
 * Returns the frames received. */
static long watcher_stop(watcher_t *w, long want)
{
    double until = cf_bench_now() + 10;
    while (atomic_load(&w->transitions) < want && cf_bench_now() < until)
        usleep(1000);
    atomic_store(&w->stop, 1);
    pthread_join(w->thread, NULL);
    free(w->part);
    return atomic_load(&w->transitions);
}

/* ---- the subcommand ------------------------------------------------------------------------ */

/* CPU seconds so far: the (first) daemon's and this process's, user and kernel. */
typedef struct cpu_s {
    double d_user, d_sys, c_user, c_sys;
} cpu_t;

static void cpu_now(const cf_bench_daemon_t *d, cpu_t *out)
{
    struct rusage ru;
    cf_bench_daemon_cpu(d, &out->d_user, &out->d_sys);
    getrusage(RUSAGE_SELF, &ru);
    out->c_user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    out->c_sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* The sample "NAME VALUE" (a line of its own, not the # HELP line) in /metrics;
 * name ends with the space. */
static double metric(const char *text, const char *name)
{
    for (const char *at = text; at && (at = strstr(at, name)) != NULL; at++)
        if (at > text && at[-1] == '\n')
            return atof(at + strlen(name));
    return 0;
}

/* The row KEY_wal: the log's largest size during the run, and its size a second after
 * the load ended (the daemon still running: a log that is not started over keeps its
 * largest size until the daemon stops); with the restarts the daemon counted. */
static void wal_row(const char *key, const char *db, cf_bench_wal_t *wal,
                    const cf_bench_daemon_t *d)
{
    char wkey[64], *metrics = NULL;
    long status;
    usleep(1000000);
    long long peak = cf_bench_wal_stop(wal), after = cf_bench_wal_size(db);
    cf_bench_http(d, "GET", "/metrics", CF_BENCH_METRICS_TOKEN, NULL, &status, &metrics);
    snprintf(wkey, sizeof(wkey), "%s_wal", key);
    cf_bench_result(wkey, (double)peak / 1048576.0,
                    "peak_mb=%.1f after_mb=%.1f restarts=%.0f checkpoints=%.0f",
                    (double)peak / 1048576.0, (double)after / 1048576.0,
                    metrics ? metric(metrics, "caseflow_wal_restarts_total ") : 0,
                    metrics ? metric(metrics, "caseflow_checkpoints_total ") : 0);
    free(metrics);
}

/* Exported, documented in bench.h */
int cf_bench_http_cmd(cf_bench_env_t *env, int argc, char **argv)
{
    long clients = cf_bench_opt(argc, argv, "--clients", 128);
    long stream = cf_bench_opt(argc, argv, "--stream", 0);
    long cases = cf_bench_opt(argc, argv, "--cases-per-client", env->quick ? 5 : 30);
    long nodes = cf_bench_opt(argc, argv, "--nodes", 1);
    long on_unix = cf_bench_opt(argc, argv, "--unix", 0);
    const char *key = cf_bench_opt_text(argc, argv, "--key", env->pg ? "pg_http" : "http");
    char open_key[64], sock[1100];
    snprintf(open_key, sizeof(open_key), "%s_open", key);
    cf_bench_path(env, "http.sock", sock + 5, sizeof(sock) - 5);
    memcpy(sock, "unix:", 5);
    const char *extra[] = {"--now", T_OPEN, on_unix ? "--listen" : NULL, sock, NULL};
    char path[1024], *metrics = NULL;
    cf_store_t *s;
    cf_bench_daemon_t d[8];
    if (nodes < 1 || nodes > 8 || (nodes > 1 && !env->pg))
        cf_bench_die("http", "--nodes is 1 to 8, and more than 1 only with --pg");
    if (on_unix && (nodes > 1 || strlen(sock) - 5 >= sizeof(((cf_bench_daemon_t *)0)->unix_path)))
        cf_bench_die("http", "--unix: one node, and %s under 108 bytes", sock + 5);
    run_t r = {.d = d, .nodes = (int)nodes};
    long status;
    cf_bench_db(env, "http.db", path, sizeof(path));
    cf_bench_new_db(env, path, &s);
    cf_store_close(s);
    for (long i = 0; i < nodes; i++)
        cf_bench_daemon_start(env, path, extra, &d[i]);
    cf_bench_wal_t wal;
    if (!env->pg)
        cf_bench_wal_start(&wal, path);
    setup(&r, clients, cases);
    r.opening = 1;
    double open_s = drive(&r);
    cf_bench_result(open_key, (double)(clients * cases) / open_s,
                    "cases=%ld clients=%ld seconds=%.3f conflicts=%ld", clients * cases, clients,
                    open_s, r.conflicts);
    double batches0 = 0, prepared0 = 0, joins0 = 0;
    for (long i = 0; i < nodes; i++) {
        cf_bench_http(&d[i], "GET", "/metrics", CF_BENCH_METRICS_TOKEN, NULL, &status, &metrics);
        batches0 += metric(metrics, "caseflow_commits_total ");
        prepared0 += metric(metrics, "caseflow_transitions_prepared_total ");
        joins0 += metric(metrics, "caseflow_commit_joins_total ");
        free(metrics);
    }
    r.opening = 0;
    r.answered = 0;
    r.conflicts = 0;
    watcher_t w = {0};
    if (stream)
        watcher_start(&w, &d[0]);
    cpu_t cpu0, cpu1;
    cpu_now(&d[0], &cpu0);
    double secs = drive(&r);
    cpu_now(&d[0], &cpu1);
    long n = r.answered;
    long frames = stream ? watcher_stop(&w, n) : 0;
    if (stream && frames != n)
        cf_bench_die("http", "the event stream carried %ld of %ld transitions", frames, n);
    double batches = -batches0, batch_max = 0, prepared = -prepared0, joins = -joins0;
    for (long i = 0; i < nodes; i++) {
        cf_bench_http(&d[i], "GET", "/metrics", CF_BENCH_METRICS_TOKEN, NULL, &status, &metrics);
        batches += metric(metrics, "caseflow_commits_total ");
        prepared += metric(metrics, "caseflow_transitions_prepared_total ");
        joins += metric(metrics, "caseflow_commit_joins_total ");
        if (metric(metrics, "caseflow_commit_batch_max ") > batch_max)
            batch_max = metric(metrics, "caseflow_commit_batch_max ");
        free(metrics);
    }
    double per = n ? 1e6 / (double)n : 0, du = (cpu1.d_user - cpu0.d_user) * per,
           ds = (cpu1.d_sys - cpu0.d_sys) * per, cu = (cpu1.c_user - cpu0.c_user) * per,
           cs = (cpu1.c_sys - cpu0.c_sys) * per;
    cf_bench_result(key, (double)n / secs,
                    "transitions=%ld clients=%ld nodes=%ld seconds=%.3f commits=%.0f "
                    "per_commit=%.1f p50_ms=%.2f p99_ms=%.2f batch_max=%.0f stream_frames=%ld "
                    "conflicts=%ld d_user_us=%.1f d_sys_us=%.1f c_user_us=%.1f c_sys_us=%.1f "
                    "kernel_pct=%.1f prepared=%.0f joins=%.0f",
                    n, clients, nodes, secs, batches, batches > 0 ? (double)n / batches : 0,
                    pct(r.latency, n, 0.5) * 1e3, pct(r.latency, n, 0.99) * 1e3, batch_max, frames,
                    r.conflicts, du, ds, cu, cs,
                    du + ds + cu + cs > 0 ? 100 * (ds + cs) / (du + ds + cu + cs) : 0, prepared,
                    joins);
    teardown(&r);
    if (!env->pg)
        wal_row(key, path, &wal, &d[0]);
    for (long i = 0; i < nodes; i++) {
        int rc = cf_bench_daemon_stop(&d[i]);
        if (rc != 0)
            cf_bench_die("serve", "exited %d after SIGTERM", rc);
    }
    return 0;
}
