/*
 * bench.h -- what the parts of caseflow's benchmark (`make bench`, issue #8)
 * share: a monotonic clock, the bench workflow and the shipped calendars, fresh
 * databases, the bench's bearer token, results, and a `caseflow serve` child.
 *
 * The benchmark is one program, caseflow-bench, with one subcommand per figure
 * (bench-main.c); bench/run.sh runs them in order and prints the table. Every
 * figure is printed as one line on standard output,
 *
 *     RESULT <key> <value> [name=value ...]
 *
 * which run.sh collects; anything else a subcommand prints is commentary. No
 * subcommand asserts a time: a missed target is a line in the table, and the
 * program exits 0 unless the machinery itself failed (a refused step, a database
 * error, a daemon that did not start), which exits 1 naming what failed.
 *
 * Figures (docs/performance.md says how each is measured):
 *   bench-engine.c  durable transitions in process, in memory, whole cases
 *   bench-raw.c     the raw SQLite limit under the same rows and pragmas
 *   bench-raw-pg.c  the raw PostgreSQL limit under the same rows (--pg)
 *   bench-http.c    durable transitions over HTTP against `caseflow serve`
 *   bench-load.c    a database of a million open cases with running clocks
 *   bench-alerts.c  daemon start, memory and alert lateness on that database
 *   bench-storm.c   a million alerts due at once, a day of them at start (issue 26)
 *   bench-audit.c   chain verification and conformance replay
 *   bench-stats.c   a bureau's report (caseflow stats) on a million cases
 */
#ifndef CF_BENCH_H
#define CF_BENCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "engine.h"
#include "store.h"

/* The agency, name and role of the bench's bearer token, and its secret (the
 * database keeps its SHA-256, as `caseflow token create` does). */
#define CF_BENCH_AGENCY "基准测试医疗保障局"
#define CF_BENCH_ACTOR  "张三"
#define CF_BENCH_TOKEN  "b3e0c4f1a7d2e9b6c5f8a1d4e7b0c3f6a9d2e5b8c1f4a7d0e3b6c9f2a5d8e1b4"
/* A token of role metrics (GET /metrics), stored the same way. */
#define CF_BENCH_METRICS_TOKEN "6d1f0a9c3e5b7d2f4a6c8e0b1d3f5a7c9e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f"

/* The bench workflow: eight steps, step1 .. step8, one 72-hour clock. */
#define CF_BENCH_STEPS 8

/* Everything a subcommand needs to know about the source tree and the run. */
typedef struct cf_bench_env_s {
    const char *src;      /* the source tree (workflows/calendars, bench/workflows) */
    const char *dir;      /* a scratch directory for databases and logs */
    const char *caseflow; /* the caseflow binary (for serve and audit) */
    int quick;            /* --quick: smaller counts */
    const char *pg;       /* --pg DIR: a PostgreSQL on the unix socket in DIR (tests/pg/pg.sh)
                             holds the databases instead of SQLite files (issue 24 item 5) */
    cf_workflow_t *wf;    /* bench/workflows/bench-linear.yaml */
    cf_calendar_t *cal;   /* every YAML file in workflows/calendars */
} cf_bench_env_t;

/* Seconds on the monotonic clock. */
double cf_bench_now(void);

/* Prints "caseflow-bench: <what>: <text>" on stderr and exits 1. */
void cf_bench_die(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)))
__attribute__((noreturn));

/* Prints one RESULT line: key, value (printed with %.6g unless it is integral),
 * then the extra text (printf format; may be NULL). */
void cf_bench_result(const char *key, double value, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* What one commit costs the disk at this moment: n overwrites of a 4 KB page
 * of a 256 KB file (as a reused WAL is written), each followed by fdatasync,
 * in env->dir. Prints RESULT key with p50, p99 and mean
 * milliseconds. The machine is shared, so the disk's latency is printed beside
 * the figures that wait on it. */
void cf_bench_fsync(const cf_bench_env_t *env, const char *key, int n);

/* Loads env->wf and env->cal from env->src; exits on failure. */
void cf_bench_env_load(cf_bench_env_t *env);
void cf_bench_env_free(cf_bench_env_t *env);

/* "<env->dir>/<name>" into OUT path (size bytes). */
void cf_bench_path(const cf_bench_env_t *env, const char *name, char *path, size_t size);

/* The database called name for this run, into OUT path (size bytes): without --pg
 * the file "<env->dir>/<name>"; with it, a PostgreSQL database made afresh (dropped
 * first if there), its name that of the file with '-' and '.' as '_', path its URI. */
void cf_bench_db(const cf_bench_env_t *env, const char *name, char *path, size_t size);

/* Removes a database and its -wal and -shm files (nothing for a PostgreSQL URI). */
void cf_bench_remove_db(const char *path);

/* Creates a fresh database at path: schema, the bench workflow, the calendars and
 * the bench token. OUT *out: the open store (close it with cf_store_close). */
void cf_bench_new_db(const cf_bench_env_t *env, const char *path, cf_store_t **out);

/* The instant of an ISO 8601 text; exits on a bad one. */
cf_time_t cf_bench_time(const char *iso);

/* Events of a case opened on the bench workflow at `at` (cf_engine_open; unsealed,
 * new reference), the party named after the case number n. Exits on refusal. */
json_t *cf_bench_open_events(const cf_bench_env_t *env, int64_t n, cf_time_t at);

/* Events of step (1..8) taken on c at `at` (cf_engine_act; new reference). */
json_t *cf_bench_act_events(const cf_bench_env_t *env, const cf_case_t *c, int step, cf_time_t at);

/* ---- the million-case database (bench-load.c, read by bench-alerts.c) ----
 *
 * Every case is open on the bench workflow with its 72-hour clock running; its
 * deadline (hence its one pending alert) is placed so that, on the daemon's
 * clock started at t0:
 *   spread  `alerts` cases fall due inside one minute, 60 s from `spread`,
 *           evenly over its seconds (ids with id % stride == 1);
 *   burst   `alerts` cases fall due on one second, `burst` (id % stride == 2),
 *           the way deadlines at 23:59:59 of a busy day do;
 *   every other case falls due later, over the 59 hours after burst + 1 h.
 */
typedef struct cf_bench_layout_s {
    long cases, alerts, stride;
    cf_time_t t0, spread, burst;
    int mode;          /* CF_BENCH_SCALE (above), CF_BENCH_STORM or CF_BENCH_DOWNTIME */
    cf_time_t restart; /* DOWNTIME: when the daemon starts again */
} cf_bench_layout_t;

/* The two other layouts (issue 26; bench-storm.c), each its own database:
 *   storm     every case falls due at `burst` (storm.db);
 *   downtime  the cases fall due evenly over one day, [t0 + 1 h, t0 + 25 h), in id
 *             order, and the daemon starts again at `restart`, an hour after the
 *             last (downtime.db). */
enum { CF_BENCH_SCALE = 0, CF_BENCH_STORM, CF_BENCH_DOWNTIME };

void cf_bench_layout(long cases, cf_bench_layout_t *out);
/* As cf_bench_layout for the mode's layout. */
void cf_bench_layout_mode(long cases, int mode, cf_bench_layout_t *out);
/* The database file of a layout: load.db, storm.db, downtime.db. */
const char *cf_bench_layout_db(int mode);
/* The deadline of case id (1 .. cases). */
cf_time_t cf_bench_deadline(const cf_bench_layout_t *l, long id);

/* Seals events (unsealed, from the engine) onto c's chain and folds them in;
 * c->id and c->algo set first. Exits on failure. */
void cf_bench_seal(cf_case_t *c, json_t *events);

/* The bulk row writer (bench-load.c): a fresh database at path made by
 * cf_bench_new_db, then the rows the store would write for each case, by
 * prepared statements with synchronous=OFF, committed every 20,000 cases.
 * cf_bench_rows_case writes c's events (sealed), its row, its clock index and,
 * when agency is not NULL, its agency and one pending deadline alert per
 * running clock. cf_bench_rows_close commits and checkpoints. */
typedef struct cf_bench_rows_s cf_bench_rows_t;
cf_bench_rows_t *cf_bench_rows_open(const cf_bench_env_t *env, const char *path);
void cf_bench_rows_case(cf_bench_rows_t *w, const cf_case_t *c, const json_t *events,
                        const char *agency);
void cf_bench_rows_close(cf_bench_rows_t *w);

/* ---- a `caseflow serve` child ---- */

typedef struct cf_bench_daemon_s {
    pid_t pid;
    int port;
    double started;      /* cf_bench_now() just before fork */
    double listening;    /* when its "listening on" line was read */
    int out_fd;          /* its standard output (read end) */
    char unix_path[108]; /* "" on TCP; else the Unix socket it listens on (port 0) */
} cf_bench_daemon_t;

/* Starts `caseflow serve --db db --listen 127.0.0.1:0` plus the NULL-terminated
 * extra arguments (when they hold a --listen, it replaces 127.0.0.1:0: "--listen",
 * "unix:PATH" for a Unix socket), and waits for its "listening on" line. Exits on
 * failure. */
void cf_bench_daemon_start(const cf_bench_env_t *env, const char *db, const char *const *extra,
                           cf_bench_daemon_t *d);
/* The child's VmHWM and VmRSS in kB from /proc (0 when unreadable). */
void cf_bench_daemon_memory(const cf_bench_daemon_t *d, long *hwm_kb, long *rss_kb);
/* The child's CPU time so far, all its threads, in seconds: in user space (OUT *user) and
 * in the kernel (OUT *sys), from /proc/PID/stat (clock ticks; 0 when unreadable). */
void cf_bench_daemon_cpu(const cf_bench_daemon_t *d, double *user, double *sys);
/* SIGTERM, then waits. Returns the exit status (0: a clean stop). */
int cf_bench_daemon_stop(cf_bench_daemon_t *d);

/* One blocking HTTP request to the child (libcurl easy; keep-alive not needed).
 * token may be NULL; body may be NULL (GET). OUT *status; OUT *answer (malloc'd
 * text, may be NULL to discard). Returns 0, or -1 when no answer came. */
int cf_bench_http(const cf_bench_daemon_t *d, const char *method, const char *path,
                  const char *token, const char *body, long *status, char **answer);

/* Follows GET /v1/stream of d (with the bench token) on the calling thread until
 * *stop is set or the daemon ends it; every piece of text received goes to
 * on_text(ctx, text, n) as it comes. */
void cf_bench_stream_follow(const cf_bench_daemon_t *d,
                            void (*on_text)(void *ctx, const char *text, size_t n), void *ctx,
                            atomic_int *stop);

/* ---- the write-ahead log's size on disk (issue 26: a bounded disk) ----
 *
 * A thread stats "<db>-wal" every 5 ms and keeps the largest size seen. */
typedef struct cf_bench_wal_s {
    pthread_t thread;
    char path[1040];
    atomic_int stop;
    atomic_llong peak; /* bytes */
} cf_bench_wal_t;
void cf_bench_wal_start(cf_bench_wal_t *w, const char *db);
/* Stops the thread. Returns the peak (bytes). */
long long cf_bench_wal_stop(cf_bench_wal_t *w);
/* The size of db's log file now (bytes; 0 when there is none). */
long long cf_bench_wal_size(const char *db);

/* ---- subcommands (bench-main.c dispatches) ---- */
int cf_bench_engine(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_raw(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_raw_pg(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_http_cmd(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_load(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_alerts(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_audit(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_stats(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_storm(cf_bench_env_t *env, int argc, char **argv);
int cf_bench_downtime(cf_bench_env_t *env, int argc, char **argv);

/* The integer value of "--name N" in argv, or def. */
long cf_bench_opt(int argc, char **argv, const char *name, long def);
/* The text of "--name TEXT" in argv (borrowed), or def. */
const char *cf_bench_opt_text(int argc, char **argv, const char *name, const char *def);

#endif
