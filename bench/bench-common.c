/*
 * bench-common.c -- the helpers every benchmark subcommand uses (bench.h): the
 * clock, results, the bench workflow and calendars, fresh databases, engine
 * calls for the bench workflow, and a `caseflow serve` child with a one-shot
 * HTTP client.
 *
 * The daemon is started as a child process (fork/exec of the real binary), not
 * linked in: the figures are those of `caseflow serve` as shipped, and its
 * memory is its own process's (/proc/PID/status). Its "listening on" line is how
 * the port (listen on port 0) and the start instant are learnt.
 */
#include "bench.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <libpq-fe.h>
#include <openssl/evp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- clock, errors, results ------------------------------------------------------------------ */

/* Exported, documented in bench.h */
double cf_bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Exported, documented in bench.h */
void cf_bench_die(const char *what, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "caseflow-bench: %s: ", what);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

/* Exported, documented in bench.h */
void cf_bench_result(const char *key, double value, const char *fmt, ...)
{
    if (value == (double)(long long)value)
        printf("RESULT %s %lld", key, (long long)value);
    else
        printf("RESULT %s %.6g", key, value);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        putchar(' ');
        vprintf(fmt, ap);
        va_end(ap);
    }
    putchar('\n');
    fflush(stdout);
}

/* Exported, documented in bench.h */
long cf_bench_opt(int argc, char **argv, const char *name, long def)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return strtol(argv[i + 1], NULL, 10);
    return def;
}

/* Exported, documented in bench.h */
const char *cf_bench_opt_text(int argc, char **argv, const char *name, const char *def)
{
    for (int i = 0; i + 1 < argc; i++)
        if (strcmp(argv[i], name) == 0)
            return argv[i + 1];
    return def;
}

/* Exported, documented in bench.h */
cf_time_t cf_bench_time(const char *iso)
{
    cf_time_t t;
    cf_error_t err;
    if (cf_time_parse(iso, &t, &err) != 0)
        cf_bench_die("time", "%s: %s", iso, err.text);
    return t;
}

/* ---- the disk -------------------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Exported, documented in bench.h */
void cf_bench_fsync(const cf_bench_env_t *env, const char *key, int n)
{
    char path[1024], page[4096];
    double *ms = malloc((size_t)n * sizeof(double)), sum = 0;
    cf_bench_path(env, "fsync.probe", path, sizeof(path));
    int fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
    if (fd < 0 || !ms)
        cf_bench_die(path, "cannot write");
    memset(page, 'x', sizeof(page));
    for (int i = 0; i < 64; i++) /* the file first, as a WAL that is being reused */
        if (write(fd, page, sizeof(page)) != (ssize_t)sizeof(page))
            cf_bench_die(path, "cannot write");
    fsync(fd);
    for (int i = 0; i < n; i++) {
        double t = cf_bench_now();
        if (pwrite(fd, page, sizeof(page), (off_t)(i % 64) * 4096) != (ssize_t)sizeof(page) ||
            fdatasync(fd) != 0)
            cf_bench_die(path, "cannot write");
        sum += ms[i] = (cf_bench_now() - t) * 1e3;
    }
    close(fd);
    remove(path);
    qsort(ms, (size_t)n, sizeof(double), cmp_double);
    cf_bench_result(key, ms[(n - 1) / 2], "p50_ms=%.2f p99_ms=%.2f mean_ms=%.2f n=%d",
                    ms[(n - 1) / 2], ms[(int)(0.99 * (n - 1))], sum / n, n);
    free(ms);
}

/* ---- the workflow, the calendars, databases -------------------------------------------------- */

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        cf_bench_die(path, "%s", strerror(errno));
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size)
        cf_bench_die(path, "cannot read");
    buf[size] = '\0';
    fclose(f);
    *len = (size_t)size;
    return buf;
}

/* Exported, documented in bench.h */
void cf_bench_path(const cf_bench_env_t *env, const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", env->dir, name);
}

/* Exported, documented in bench.h */
void cf_bench_env_load(cf_bench_env_t *env)
{
    char path[1024];
    size_t len;
    snprintf(path, sizeof(path), "%s/bench/workflows/bench-linear.yaml", env->src);
    char *buf = slurp(path, &len);
    if (cf_workflow_parse(buf, len, path, &env->wf, NULL) != 0)
        cf_bench_die(path, "the bench workflow does not load");
    free(buf);
    glob_t g;
    snprintf(path, sizeof(path), "%s/workflows/calendars/*.yaml", env->src);
    if (cf_calendar_new(&env->cal) != 0 || glob(path, 0, NULL, &g) != 0)
        cf_bench_die(path, "no calendars");
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cf_error_t err;
        buf = slurp(g.gl_pathv[i], &len);
        if (cf_calendar_load(env->cal, buf, len, g.gl_pathv[i], &err) != 0)
            cf_bench_die(g.gl_pathv[i], "%s", err.text);
        free(buf);
    }
    globfree(&g);
}

/* Exported, documented in bench.h */
void cf_bench_env_free(cf_bench_env_t *env)
{
    cf_workflow_free(env->wf);
    cf_calendar_free(env->cal);
}

static void quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* "database ... does not exist, skipping": the first run */
}

/* Exported, documented in bench.h */
void cf_bench_db(const cf_bench_env_t *env, const char *name, char *path, size_t size)
{
    char db[64], sql[160], admin[1200];
    if (!env->pg) {
        cf_bench_path(env, name, path, size);
        return;
    }
    size_t i = 0;
    for (; name[i] && i + 1 < sizeof(db); i++)
        db[i] = name[i] == '-' || name[i] == '.' ? '_' : name[i];
    db[i] = '\0';
    snprintf(admin, sizeof(admin), "postgresql:///postgres?host=%s&user=postgres", env->pg);
    PGconn *c = PQconnectdb(admin);
    if (PQstatus(c) != CONNECTION_OK)
        cf_bench_die(admin, "%s", PQerrorMessage(c));
    PQsetNoticeProcessor(c, quiet, NULL);
    const char *steps[] = {"DROP DATABASE IF EXISTS %s WITH (FORCE)", "CREATE DATABASE %s"};
    for (int k = 0; k < 2; k++) {
        snprintf(sql, sizeof(sql), steps[k], db);
        PGresult *res = PQexec(c, sql);
        if (PQresultStatus(res) != PGRES_COMMAND_OK)
            cf_bench_die(sql, "%s", PQerrorMessage(c));
        PQclear(res);
    }
    PQfinish(c);
    snprintf(path, size, "postgresql:///%s?host=%s&user=postgres", db, env->pg);
}

/* Exported, documented in bench.h */
void cf_bench_remove_db(const char *path)
{
    char side[1100];
    if (cf_store_is_pg(path))
        return; /* cf_bench_db made it afresh */
    remove(path);
    snprintf(side, sizeof(side), "%s-wal", path);
    remove(side);
    snprintf(side, sizeof(side), "%s-shm", path);
    remove(side);
}

static void token_hash(const char *token, char *hex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(token, strlen(token), md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void put_calendars(const cf_bench_env_t *env, cf_store_t *s)
{
    glob_t g;
    char pattern[1024];
    snprintf(pattern, sizeof(pattern), "%s/workflows/calendars/*.yaml", env->src);
    if (glob(pattern, 0, NULL, &g) != 0)
        cf_bench_die(pattern, "no calendars");
    for (size_t i = 0; i < g.gl_pathc; i++) {
        cf_error_t err;
        size_t len;
        const char *base = strrchr(g.gl_pathv[i], '/') + 1;
        char *buf = slurp(g.gl_pathv[i], &len);
        if (cf_store_calendar_put(s, atoi(base), buf, &err) != 0)
            cf_bench_die(g.gl_pathv[i], "%s", err.text);
        free(buf);
    }
    globfree(&g);
}

/* Exported, documented in bench.h */
void cf_bench_new_db(const cf_bench_env_t *env, const char *path, cf_store_t **out)
{
    cf_error_t err;
    cf_store_t *s;
    cf_principal_t who = {CF_BENCH_AGENCY, "handler", CF_BENCH_ACTOR};
    char hash[2 * EVP_MAX_MD_SIZE + 1];
    cf_bench_remove_db(path);
    if (cf_store_open(path, &s, &err) != 0 || cf_store_workflow_put(s, env->wf, NULL, NULL, &err))
        cf_bench_die(path, "%s", err.text);
    put_calendars(env, s);
    cf_principal_t metrics = {CF_BENCH_AGENCY, "metrics", "prometheus"};
    token_hash(CF_BENCH_TOKEN, hash);
    if (cf_store_token_put(s, hash, &who, 0, &err) != 0)
        cf_bench_die(path, "%s", err.text);
    token_hash(CF_BENCH_METRICS_TOKEN, hash);
    if (cf_store_token_put(s, hash, &metrics, 0, &err) != 0)
        cf_bench_die(path, "%s", err.text);
    *out = s;
}

/* ---- engine calls on the bench workflow ------------------------------------------------------ */

/* Exported, documented in bench.h */
json_t *cf_bench_open_events(const cf_bench_env_t *env, int64_t n, cf_time_t at)
{
    char name[64];
    snprintf(name, sizeof(name), "基准药房%lld号", (long long)n);
    json_t *party = json_pack("{s:s, s:s}", "name", name, "type", "定点医药机构");
    cf_open_t req = {.actor = CF_BENCH_ACTOR, .role = "handler", .party = party, .at = at};
    json_t *events = NULL;
    cf_refusal_t why = {0};
    if (cf_engine_open(env->wf, env->cal, &req, &events, &why) != 0)
        cf_bench_die("open", "%s", why.text);
    cf_refusal_dispose(&why);
    json_decref(party);
    return events;
}

/* Exported, documented in bench.h */
json_t *cf_bench_act_events(const cf_bench_env_t *env, const cf_case_t *c, int step, cf_time_t at)
{
    char action[16];
    snprintf(action, sizeof(action), "step%d", step);
    cf_act_t req = {.action = action, .actor = CF_BENCH_ACTOR, .role = "handler", .at = at};
    json_t *events = NULL;
    cf_refusal_t why = {0};
    if (cf_engine_act(env->wf, env->cal, c, &req, &events, &why) != 0)
        cf_bench_die(action, "case %lld: %s", (long long)c->id, why.text);
    cf_refusal_dispose(&why);
    return events;
}

/* ---- the daemon ------------------------------------------------------------------------------ */

/* Reads the child's first line; OUT d->port, or d->unix_path ("listening on unix:PATH").
 * Returns 0 or -1. */
static int read_listening(int fd, cf_bench_daemon_t *d)
{
    char line[256];
    size_t n = 0;
    while (n + 1 < sizeof(line)) {
        ssize_t r = read(fd, line + n, 1);
        if (r <= 0)
            return -1;
        if (line[n++] == '\n')
            break;
    }
    line[n] = '\0';
    const char *colon = strrchr(line, ':'), *unix_at = strstr(line, "listening on unix:");
    if (unix_at) {
        snprintf(d->unix_path, sizeof(d->unix_path), "%.*s", (int)strcspn(unix_at + 18, "\n"),
                 unix_at + 18);
        return d->unix_path[0] ? 0 : -1;
    }
    if (!strstr(line, "listening on") || !colon)
        return -1;
    d->port = atoi(colon + 1);
    return d->port > 0 ? 0 : -1;
}

/* Exported, documented in bench.h */
void cf_bench_daemon_start(const cf_bench_env_t *env, const char *db, const char *const *extra,
                           cf_bench_daemon_t *d)
{
    const char *argv[32] = {env->caseflow, "--db", db, "serve", "--listen", "127.0.0.1:0"};
    int argc = 6, pipefd[2];
    for (const char *const *e = extra; e && *e; e++)
        if (strcmp(*e, "--listen") == 0)
            argc = 4; /* theirs instead */
    for (; extra && *extra && argc < 31; extra++)
        argv[argc++] = *extra;
    argv[argc] = NULL;
    if (pipe(pipefd) != 0)
        cf_bench_die("serve", "pipe: %s", strerror(errno));
    memset(d, 0, sizeof(*d));
    d->started = cf_bench_now();
    pid_t parent = getpid();
    d->pid = fork();
    if (d->pid == 0) {
        /* If the bench dies (cf_bench_die exits), the daemon is told to stop too
         * rather than left running on the scratch database. */
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(127);
        dup2(pipefd[1], 1);
        close(pipefd[0]);
        close(pipefd[1]);
        execv(env->caseflow, (char *const *)argv);
        _exit(127);
    }
    close(pipefd[1]);
    d->out_fd = pipefd[0];
    if (d->pid < 0 || read_listening(d->out_fd, d) != 0)
        cf_bench_die("serve", "%s did not start listening", env->caseflow);
    d->listening = cf_bench_now();
}

/* Exported, documented in bench.h */
void cf_bench_daemon_memory(const cf_bench_daemon_t *d, long *hwm_kb, long *rss_kb)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)d->pid);
    FILE *f = fopen(path, "r");
    *hwm_kb = *rss_kb = 0;
    while (f && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "VmHWM:", 6) == 0)
            *hwm_kb = atol(line + 6);
        else if (strncmp(line, "VmRSS:", 6) == 0)
            *rss_kb = atol(line + 6);
    }
    if (f)
        fclose(f);
}

/* Exported, documented in bench.h */
void cf_bench_daemon_cpu(const cf_bench_daemon_t *d, double *user, double *sys)
{
    char path[64], text[1024];
    unsigned long long ut = 0, st = 0;
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)d->pid);
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    /* after the command's name in parentheses: state is field 3, utime 14, stime 15 */
    const char *p = strrchr(text, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        ut = st = 0;
    double hz = (double)sysconf(_SC_CLK_TCK);
    *user = (double)ut / hz;
    *sys = (double)st / hz;
}

/* Exported, documented in bench.h */
int cf_bench_daemon_stop(cf_bench_daemon_t *d)
{
    int status = 0;
    kill(d->pid, SIGTERM);
    if (waitpid(d->pid, &status, 0) != d->pid)
        return -1;
    close(d->out_fd);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

typedef struct answer_s {
    char *text;
    size_t len;
} answer_t;

static size_t on_body(char *data, size_t size, size_t n, void *ctx)
{
    answer_t *a = ctx;
    char *grown = realloc(a->text, a->len + size * n + 1);
    if (!grown)
        return 0;
    memcpy(grown + a->len, data, size * n);
    a->text = grown;
    a->len += size * n;
    a->text[a->len] = '\0';
    return size * n;
}

/* Exported, documented in bench.h */
int cf_bench_http(const cf_bench_daemon_t *d, const char *method, const char *path,
                  const char *token, const char *body, long *status, char **answer)
{
    char url[256], auth[128];
    answer_t a = {0};
    CURL *e = curl_easy_init();
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", d->port, path);
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        h = curl_slist_append(h, auth);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (d->unix_path[0])
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, d->unix_path);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &a);
    curl_easy_setopt(e, CURLOPT_TIMEOUT, 600L);
    if (body)
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(e);
    *status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
    if (answer)
        *answer = a.text;
    else
        free(a.text);
    return rc == CURLE_OK ? 0 : -1;
}

/* ---- the event stream ---------------------------------------------------------------------- */

typedef struct follow_s {
    void (*on_text)(void *ctx, const char *text, size_t n);
    void *ctx;
    atomic_int *stop;
} follow_t;

static size_t on_stream_text(char *data, size_t size, size_t n, void *arg)
{
    follow_t *f = arg;
    f->on_text(f->ctx, data, size * n);
    return size * n;
}

static int on_stream_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    (void)a, (void)b, (void)c, (void)d;
    return atomic_load(((follow_t *)arg)->stop) != 0;
}

/* Exported, documented in bench.h */
void cf_bench_stream_follow(const cf_bench_daemon_t *d,
                            void (*on_text)(void *ctx, const char *text, size_t n), void *ctx,
                            atomic_int *stop)
{
    follow_t f = {on_text, ctx, stop};
    char url[128], auth[128];
    CURL *e = curl_easy_init();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/stream", d->port);
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", CF_BENCH_TOKEN);
    struct curl_slist *h = curl_slist_append(NULL, auth);
    curl_easy_setopt(e, CURLOPT_URL, url);
    if (d->unix_path[0])
        curl_easy_setopt(e, CURLOPT_UNIX_SOCKET_PATH, d->unix_path);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_stream_text);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_stream_progress);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, &f);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_perform(e);
    curl_slist_free_all(h);
    curl_easy_cleanup(e);
}

/* ---- the write-ahead log's size ------------------------------------------------------------ */

/* Exported, documented in bench.h */
long long cf_bench_wal_size(const char *db)
{
    char path[1040];
    struct stat st;
    snprintf(path, sizeof(path), "%s-wal", db);
    return stat(path, &st) == 0 ? (long long)st.st_size : 0;
}

static void *wal_watch(void *arg)
{
    cf_bench_wal_t *w = arg;
    struct stat st;
    while (!atomic_load(&w->stop)) {
        if (stat(w->path, &st) == 0 && (long long)st.st_size > atomic_load(&w->peak))
            atomic_store(&w->peak, (long long)st.st_size);
        usleep(5000);
    }
    return NULL;
}

/* Exported, documented in bench.h */
void cf_bench_wal_start(cf_bench_wal_t *w, const char *db)
{
    memset(w, 0, sizeof(*w));
    snprintf(w->path, sizeof(w->path), "%s-wal", db);
    if (pthread_create(&w->thread, NULL, wal_watch, w) != 0)
        cf_bench_die("wal", "no thread to watch %s", w->path);
}

/* Exported, documented in bench.h */
long long cf_bench_wal_stop(cf_bench_wal_t *w)
{
    atomic_store(&w->stop, 1);
    pthread_join(w->thread, NULL);
    return atomic_load(&w->peak);
}
