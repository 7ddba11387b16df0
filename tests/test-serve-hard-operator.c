/*
 * test-serve-hard-operator.c -- serve-hard-* (issue 19), the careless operator: a
 * test clock on an open address, the database deleted or replaced under the daemon,
 * the command line run beside a busy daemon or on a read-only mount. Each test drives
 * a daemon run in-process (serve-helpers.c).
 *
 * serve-hard-3.2: --test-clock only on loopback, and logged;
 * serve-hard-4.*: the database replaced or deleted under the daemon;
 * serve-hard-8.*: the command line beside a busy daemon, and on a read-only mount;
 * serve-hard-9.1: the export key: --export-key, checked by --check-config and at start;
 * serve-hard-9.2: --check-config checks the address, webhooks, alert log and web folder;
 * serve-hard-9.4: every key serve-config.c's header lists is read from a file into its
 *                 field (the list, the reader and the numbers' table kept one).
 * (The rest of serve-hard-* is test-serve-hard.c and test-serve-hard-limits.c.)
 *
 * Map: serve-hard-3.2 with its log (log_t, log_line, used by 4.* too); 4.* with
 * open_status and health_status; 8.* with cli, the lock holder and the read-only mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core-helpers.h"
#include "cli.h"
#include "ops.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- serve-hard-3.2: --test-clock only on loopback, and logged --------------------------- */

typedef struct log_s {
    char text[4096];
} log_t;

static void log_line(void *ctx, const char *line)
{
    log_t *l = ctx;
    size_t n = strlen(l->text);
    snprintf(l->text + n, sizeof(l->text) - n, "%s\n", line);
}

TEST_IMPL(serve_hard_test_clock_loopback)
{
    char db[512];
    td_db("hard-clock.db", db, sizeof(db));
    cf_serve_config_t cfg;
    cf_serve_t *srv = NULL;
    cf_error_t err;
    log_t log = {{0}};
    td_config(&cfg, db, T0); /* test_clock = 1 */
    cfg.log = log_line;
    cfg.log_ctx = &log;
    static const char *const open[] = {"0.0.0.0", "192.168.1.10"};
    for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
        cfg.host = open[i];
        ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), CF_EINVAL);
        ASSERT(srv == NULL);
        ASSERT_CONTAINS(err.text, "loopback");
        ASSERT_CONTAINS(err.text, open[i]);
    }
    /* Without the test clock an open address is the operator's choice. */
    cfg.test_clock = 0;
    cfg.host = "0.0.0.0";
    ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), 0);
    cf_serve_free(srv);
    ASSERT_EQ(log.text[0], '\0');
    /* On loopback it starts, and says so. */
    cfg.test_clock = 1;
    cfg.host = "127.0.0.1";
    td_daemon_t d;
    td_start(&d, &cfg);
    ASSERT_CONTAINS(log.text, "TEST CLOCK is on");
    td_clock(&d, "2026-03-03T09:00:00+08:00");
    td_stop(&d);
    return 0;
}

/* ---- serve-hard-4.*: the database deleted or replaced under the daemon ---------------------- */

/* POST /v1/cases as token: the status; OUT error (size bytes) the answer's "error". */
static long open_status(const td_daemon_t *d, const char *token, char *error, size_t size)
{
    static const char body[] = "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"}}";
    td_resp_t r;
    td_http(d, "POST", "/v1/cases", token, body, sizeof(body) - 1, NULL, &r);
    long status = r.status;
    const char *e = json_string_value(json_object_get(r.json, "error"));
    snprintf(error, size, "%s", e ? e : "");
    td_resp_free(&r);
    return status;
}

static long health_status(const td_daemon_t *d)
{
    td_resp_t r;
    td_http(d, "GET", "/healthz", NULL, NULL, 0, NULL, &r);
    long status = r.status;
    td_resp_free(&r);
    return status;
}

/* serve-hard-4.1: deleted: the next POST is 503 EDBLOST, the log says so loudly, and
 * the timer notices it with no request at all (/healthz turns 503). */
TEST_IMPL(serve_hard_db_deleted)
{
    CF_TEST_SQLITE_ONLY(
        "the daemon watches the SQLite file (deleted or replaced); PostgreSQL has no file");
    char db[512], error[32], side[600];
    td_db("hard-deleted.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    log_t log = {{0}};
    td_config(&cfg, db, T0);
    cfg.log = log_line;
    cfg.log_ctx = &log;
    cfg.db_check_ms = 3600000; /* this part: the check before the write, not the timer */
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 201);
    ASSERT_EQ(remove(db), 0);
    snprintf(side, sizeof(side), "%s-wal", db);
    remove(side);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503); /* once 201, then lost */
    ASSERT_STR_EQ(error, "EDBLOST");
    ASSERT_CONTAINS(log.text, "DATABASE LOST");
    ASSERT_CONTAINS(log.text, "was deleted");
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503);
    ASSERT_EQ(health_status(&d), 503);
    td_stop(&d);
    /* The timer alone: nothing is asked, /healthz turns 503 within a few checks. */
    td_db("hard-deleted.db", db, sizeof(db));
    cfg.db_check_ms = 20;
    log.text[0] = '\0';
    td_start(&d, &cfg);
    ASSERT_EQ(health_status(&d), 200);
    ASSERT_EQ(remove(db), 0);
    CF_TEST_WAIT_UNTIL(health_status(&d) == 503);
    ASSERT_EQ(health_status(&d), 503);
    ASSERT_CONTAINS(log.text, "DATABASE LOST");
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-hard-4.2: replaced by another database (a rename over the path): 503 too. */
TEST_IMPL(serve_hard_db_replaced)
{
    CF_TEST_SQLITE_ONLY(
        "the daemon watches the SQLite file (deleted or replaced); PostgreSQL has no file");
    char db[512], other[512], error[32];
    td_db("hard-replaced.db", db, sizeof(db));
    td_db("hard-replacement.db", other, sizeof(other));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    log_t log = {{0}};
    td_config(&cfg, db, T0);
    cfg.log = log_line;
    cfg.log_ctx = &log;
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 201);
    ASSERT_EQ(rename(other, db), 0);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503);
    ASSERT_STR_EQ(error, "EDBLOST");
    ASSERT_CONTAINS(log.text, "replaced by another file");
    td_stop(&d);
    free(token);
    return 0;
}

/* serve-hard-4.3: deleted after the write was queued, before its commit: the writer's
 * own check refuses the commit (503), nothing is acknowledged. The store's fault hook
 * runs on the writer thread inside the batch: it deletes the file there. */
static int delete_in_batch(void *ctx, const char *point)
{
    if (strcmp(point, "events") == 0)
        remove((const char *)ctx);
    return 0;
}

TEST_IMPL(serve_hard_db_deleted_before_commit)
{
    CF_TEST_SQLITE_ONLY(
        "the daemon watches the SQLite file (deleted or replaced); PostgreSQL has no file");
    char db[512], error[32];
    td_db("hard-before-commit.db", db, sizeof(db));
    char *token = td_token(db, "甲局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    log_t log = {{0}};
    td_config(&cfg, db, T0);
    cfg.log = log_line;
    cfg.log_ctx = &log;
    cfg.db_check_ms = 3600000;
    cfg.store_fault = delete_in_batch;
    cfg.store_fault_ctx = db;
    td_start(&d, &cfg);
    ASSERT_EQ(open_status(&d, token, error, sizeof(error)), 503);
    ASSERT_STR_EQ(error, "ESTORE");
    ASSERT_CONTAINS(log.text, "DATABASE LOST");
    td_stop(&d);
    free(token);
    return 0;
}

/* ---- serve-hard-8.*: the command line beside a busy daemon; a read-only mount --------------- */

/* Runs the command line in-process on a copy of argv (the option parser reorders
 * it): the exit code; OUT err (size bytes) its stderr. */
static int cli(char *err, size_t size, int argc, char **argv)
{
    char *out = NULL, *errtext = NULL, *copy[16];
    size_t olen = 0, elen = 0;
    ASSERT(argc < 16);
    memcpy(copy, argv, sizeof(char *) * (size_t)argc);
    copy[argc] = NULL;
    FILE *o = open_memstream(&out, &olen), *e = open_memstream(&errtext, &elen);
    int rc = cf_cli_main(argc, copy, o, e);
    fclose(o);
    fclose(e);
    snprintf(err, size, "%s", errtext ? errtext : "");
    free(out);
    free(errtext);
    return rc;
}

static double seconds_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

typedef struct holder_s {
    sqlite3 *conn;
    int release_ms;
} holder_t;

static void *release_later(void *arg)
{
    holder_t *h = arg;
    usleep((useconds_t)h->release_ms * 1000);
    ASSERT_EQ(sqlite3_exec(h->conn, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
    return NULL;
}

/* serve-hard-8.1: with the write lock held (as a daemon's commit holds it), the reading
 * commands answer at once; a writing command waits for the lock, and when it is held
 * past the busy timeout says who holds it. */
TEST_IMPL(serve_hard_cli_busy)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512], err[2048];
    td_db("hard-busy.db", db, sizeof(db));
    char *open[] = {"caseflow",   "--db",        db,        "case",     "open",
                    "--workflow", "supervision", "--party", "某某医院", NULL};
    ASSERT_EQ(cli(err, sizeof(err), 9, open), 0);
    sqlite3 *conn;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    char *reads[][8] = {
        {"caseflow", "--db", db, "case", "list", NULL},
        {"caseflow", "--db", db, "case", "show", "1", NULL},
        {"caseflow", "--db", db, "audit", "verify", NULL},
        {"caseflow", "--db", db, "audit", "replay", NULL},
        {"caseflow", "--db", db, "workflow", "list", NULL},
    };
    for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
        struct timespec t0;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        int argc = 0;
        while (reads[i][argc])
            argc++;
        int rc = cli(err, sizeof(err), argc, reads[i]);
        /* at once: well inside the busy timeout a read waiting for the lock would take
         * (CF__STORE_BUSY_MS, 5 s; generous for a sanitizer build on a loaded machine) */
        if (rc != 0 || seconds_since(&t0) > 4.0)
            CF__FAIL("%s %s: exit %d after %.1f s: %s", reads[i][3], reads[i][4], rc,
                     seconds_since(&t0), err);
    }
    /* A writer past the busy timeout: refused, naming the cause. */
    ASSERT(cli(err, sizeof(err), 9, open) != 0);
    ASSERT_CONTAINS(err, "write lock");
    ASSERT_CONTAINS(err, "caseflow serve");
    /* A writer waits: the lock released within the timeout, it goes through. */
    holder_t h = {conn, 500};
    pthread_t t;
    ASSERT_EQ(pthread_create(&t, NULL, release_later, &h), 0);
    int rc = cli(err, sizeof(err), 9, open);
    ASSERT_EQ(pthread_join(t, NULL), 0);
    if (rc != 0)
        CF__FAIL("the writer did not wait for the lock: %d %s", rc, err);
    sqlite3_close(conn);
    return 0;
}

/* A read-only mount, made in-process: SQLite's unix VFS opens files through an
 * overridable system call table (as SQLite's own tests inject faults), so every open
 * for writing or creation under dir fails with EROFS, as on a read-only mount (a
 * mount itself needs privileges a test cannot count on). */
static const char *ro_dir;
static sqlite3_syscall_ptr real_open;

static int ro_open(const char *path, int flags, int mode)
{
    if (ro_dir && strncmp(path, ro_dir, strlen(ro_dir)) == 0 &&
        (flags & (O_WRONLY | O_RDWR | O_CREAT))) {
        errno = EROFS;
        return -1;
    }
    return ((int (*)(const char *, int, int))real_open)(path, flags, mode);
}

static void read_only_mount(const char *dir)
{
    sqlite3_vfs *vfs = sqlite3_vfs_find(NULL);
    if (!real_open)
        real_open = vfs->xGetSystemCall(vfs, "open");
    ro_dir = dir;
    ASSERT_EQ(vfs->xSetSystemCall(vfs, "open", dir ? (sqlite3_syscall_ptr)ro_open : real_open),
              SQLITE_OK);
}

/* serve-hard-8.2: on a read-only mount a reading command reads a database whose log
 * is empty (opened immutable), and one whose log holds commits is refused with what
 * can be done there (once "exit 6: unable to open database file"). */
TEST_IMPL(serve_hard_cli_read_only_mount)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (read_only_mount)");
    char db[512], dir[600], err[2048], wal[600];
    td_db("hard-ro.db", db, sizeof(db));
    char *open[] = {"caseflow",   "--db",        db,        "case",     "open",
                    "--workflow", "supervision", "--party", "某某医院", NULL};
    ASSERT_EQ(cli(err, sizeof(err), 9, open), 0);
    snprintf(dir, sizeof(dir), "%s", db);
    *strrchr(dir, '/') = '\0';
    snprintf(wal, sizeof(wal), "%s-wal", db);
    char *list[] = {"caseflow", "--db", db, "case", "list", NULL};
    char *verify[] = {"caseflow", "--db", db, "audit", "verify", NULL};
    /* Closed cleanly: no -wal, no -shm. */
    ASSERT(access(wal, F_OK) != 0);
    read_only_mount(dir);
    int rc = cli(err, sizeof(err), 5, list);
    if (rc != 0)
        CF__FAIL("case list on a read-only mount: %d %s", rc, err);
    ASSERT_EQ(cli(err, sizeof(err), 5, verify), 0);
    /* A writing command there fails, as it must. */
    ASSERT(cli(err, sizeof(err), 9, open) != 0);
    read_only_mount(NULL);
    /* A snapshot taken while a daemon ran: the log holds commits, and there is no
     * -shm beside it (SQLite cannot create one there). Said clearly. */
    sqlite3 *conn;
    ASSERT_EQ(sqlite3_open(db, &conn), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(conn, "PRAGMA wal_autocheckpoint=0; CREATE TABLE scratch(x);", NULL,
                           NULL, NULL),
              SQLITE_OK);
    char snap[700], copy[800];
    snprintf(snap, sizeof(snap), "%s/hard-ro-snapshot", dir);
    mkdir(snap, 0755);
    snprintf(copy, sizeof(copy), "%s/hard-ro.db", snap);
    cf_test_copy_file(db, copy);
    snprintf(copy, sizeof(copy), "%s/hard-ro.db-wal", snap);
    cf_test_copy_file(wal, copy);
    sqlite3_close(conn);
    snprintf(copy, sizeof(copy), "%s/hard-ro.db", snap);
    char *snap_list[] = {"caseflow", "--db", copy, "case", "list", NULL};
    read_only_mount(snap);
    rc = cli(err, sizeof(err), 5, snap_list);
    read_only_mount(NULL);
    ASSERT(rc != 0);
    ASSERT_CONTAINS(err, "-shm");
    ASSERT_CONTAINS(err, "read-only mount");
    ASSERT_CONTAINS(err, "stop the daemon cleanly");
    return 0;
}

/* serve-hard-8.3: a read-only store refuses every write. */
TEST_IMPL(serve_hard_store_readonly)
{
    char db[512];
    td_db("hard-store-ro.db", db, sizeof(db));
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_readonly(db, &s, &err), 0);
    cf_principal_t p = {"甲局", "handler", "张三"};
    ASSERT(cf_store_token_put(s, "00", &p, 0, &err) != 0);
    cf_store_close(s);
    char missing[600];
    snprintf(missing, sizeof(missing), "%s.nothing", db);
    s = NULL;
    ASSERT_EQ(cf_store_open_readonly(missing, &s, &err), CF_ENOTFOUND);
    ASSERT(s == NULL);
    return 0;
}

/* ---- serve-hard-9.1: the export key: a flag like the other keys, checked before use ------- */

TEST_IMPL(serve_hard_export_key)
{
    char db[512], key[512], junk[512], conf[512], text[700];
    td_db("hard-export-key.db", db, sizeof(db));
    snprintf(key, sizeof(key), "%s/export.pem", cf_test_tmpdir());
    ASSERT_EQ(td_cli(db, T0, "audit", "keygen", "--out", key, NULL), 0);
    td_file("junk.pem", "-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n", junk,
            sizeof(junk));
    /* --export-key is a flag, as --checkpoint-key is; --check-config prints it and checks it. */
    ASSERT_EQ(td_cli(db, T0, "serve", "--export-key", key, "--check-config", NULL), 0);
    snprintf(text, sizeof(text), "export_key = %s\n", key);
    ASSERT_CONTAINS(td_out, text);
    ASSERT_CONTAINS(td_err, "configuration OK");
    /* Missing, not a key, a folder: exit 2 naming the setting and the file. */
    const char *bad[] = {"/nonexistent/export.pem", junk, cf_test_tmpdir()};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (td_cli(db, T0, "serve", "--export-key", bad[i], "--check-config", NULL) != 2 ||
            !strstr(td_err, "export_key") || !strstr(td_err, bad[i]))
            CF__FAIL("--export-key %s: %s", bad[i], td_err);
    }
    /* The flag wins over the file; the file's key is checked as well. */
    snprintf(text, sizeof(text), "export_key = %s\n", junk);
    td_file("export.conf", text, conf, sizeof(conf));
    ASSERT_EQ(td_cli(db, T0, "serve", "--config", conf, "--check-config", NULL), 2);
    ASSERT_CONTAINS(td_err, "Ed25519 or SM2");
    ASSERT_EQ(
        td_cli(db, T0, "serve", "--config", conf, "--export-key", key, "--check-config", NULL), 0);
    /* A checkpoint key that is no key is caught as well (it was only checked readable). */
    ASSERT_EQ(td_cli(db, T0, "serve", "--checkpoint-key", junk, "--check-config", NULL), 2);
    ASSERT_CONTAINS(td_err, "checkpoint_key");
    /* A daemon does not start with an export key that cannot sign: every export would fail. */
    cf_serve_config_t cfg;
    td_config(&cfg, db, T0);
    cfg.export_key = junk;
    cf_serve_t *srv = NULL;
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), CF_EINVALID);
    ASSERT(srv == NULL);
    ASSERT_CONTAINS(err.text, "export_key");
    ASSERT_STR_EQ(err.source, junk);
    return 0;
}

/* ---- serve-hard-9.2: --check-config checks what the start would trip on ------------------ */

TEST_IMPL(serve_hard_check_config)
{
    char db[512], log[600], file[600];
    td_db("hard-check-config.db", db, sizeof(db));
    snprintf(log, sizeof(log), "%s/alerts.jsonl", cf_test_tmpdir());
    ASSERT_EQ(td_cli(db, T0, "serve", "--alert-log", log, "--webhook", "https://sms.example/x",
                     "--web", cf_test_tmpdir(), "--check-config", NULL),
              0);
    ASSERT(access(log, F_OK) != 0); /* checked, not created */
    td_file("web-is-a-file", "x", file, sizeof(file));
    const struct {
        const char *flag, *value, *says;
    } bad[] = {
        /* each passed the check, and then the start failed or ran without it */
        {"--alert-log", "/nonexistent/dir/alerts.jsonl", "alert_log"}, /* start: exit 6 */
        {"--webhook", "ftp://sms.example/x", "http:// or https://"},   /* never delivered */
        {"--web", "/nonexistent/web", "web: not a folder"},            /* served as 404s */
        {"--web", file, "web: not a folder"},
        {"--listen", "999.1.1.1:8080", "not an IPv4 address"}, /* start: cannot listen */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (td_cli(db, T0, "serve", bad[i].flag, bad[i].value, "--check-config", NULL) != 2 ||
            !strstr(td_err, bad[i].says))
            CF__FAIL("%s %s: %s", bad[i].flag, bad[i].value, td_err);
    return 0;
}

/* ---- serve-hard-9.4: every key serve-config.c lists is read into its field ---------------- */

/* A valid value for every key; the test fails when serve-config.c's list names one
 * that is not here, so the list, this table and the file's reader stay one. */
static const char *const every_key[][2] = {
    {"db", "/srv/x.db"},
    {"listen", "127.0.0.1:9001"},
    {"listen_mode", "0600"},
    {"max_body", "2048"},
    {"alert_log", "/srv/alerts.log"},
    {"webhook", "http://127.0.0.1:1/hook"},
    {"webhook_attempts", "3"},
    {"webhook_retry_ms", "50"},
    {"timeout_ms", "2500"},
    {"now", T0},
    {"test_clock", "true"},
    {"fire_chunk", "16"},
    {"stream_max_pending", "8192"},
    {"streams_max_total", "65536"},
    {"streams_per_token", "4"},
    {"token_cache_ms", "100"},
    {"checkpoint_interval", "7"},
    {"checkpoint_key", "/srv/k.pem"},
    {"checkpoint_out", "/srv/c.out"},
    {"export_key", "/srv/e.pem"},
    {"doc_max", "8589934592"},
    {"db_check_ms", "20"},
    {"readers", "3"},
    {"page_limit_max", "50"},
    {"web", "/srv/web"},
    {"session_ttl", "600"},
    {"cookie_secure", "1"},
    {"allowed_host", "caseflow.example"},
    {"alert_ack_timeout", "30"},
    {"writer_stuck_ms", "500"},
    {"auth_fail_burst", "5"},
    {"prepare", "never"},
};

/* cfg (OUT) as the one-line config file "key = value" leaves it; the load's code. */
static int load_one(const char *key, const char *value, cf_serve_config_t *cfg)
{
    char conf[512], *buf = NULL;
    cf_error_t err;
    snprintf(conf, sizeof(conf), "%s/one.conf", cf_test_tmpdir());
    FILE *f = fopen(conf, "w");
    ASSERT(f != NULL);
    fprintf(f, "%s = %s\n", key, value);
    fclose(f);
    cf_serve_config_init(cfg);
    int rc = cf_serve_config_load(cfg, conf, &buf, &err);
    free(buf); /* the strings are not read after this */
    return rc;
}

/* The value every_key has for key, or NULL. */
static const char *value_for(const char *key)
{
    for (size_t i = 0; i < sizeof(every_key) / sizeof(every_key[0]); i++)
        if (strcmp(every_key[i][0], key) == 0)
            return every_key[i][1];
    return NULL;
}

TEST_IMPL(serve_hard_config_every_key)
{
    cf_serve_config_t none, cfg;
    cf_serve_config_init(&none);
    /* The keys serve-config.c's header lists (" *   key   meaning"), each in the table,
     * read from a file, and changing the settings. */
    char *text = NULL;
    size_t len = 0, keys = 0;
    cf_error_t err;
    ASSERT_EQ(
        cf_ops_read_file(CF_SOURCE_DIR "/api/http/serve-config.c", 1 << 20, &text, &len, &err), 0);
    char *p = strstr(text, "CONFIG FILE FORMAT");
    char *end = strstr(text, "\n */");
    ASSERT(p != NULL && end != NULL);
    for (p = strstr(p, "\n *   "); p && p < end; p = strstr(p + 1, "\n *   ")) {
        char key[64];
        if (p[6] < 'a' || p[6] > 'z' || sscanf(p + 6, "%63[a-z_]", key) != 1)
            continue;
        const char *value = value_for(key);
        if (!value)
            CF__FAIL("serve-config.c lists %s, which the test has no value for", key);
        if (load_one(key, value, &cfg) != 0 || memcmp(&cfg, &none, sizeof(cfg)) == 0)
            CF__FAIL("%s = %s was not read into a setting", key, value);
        keys++;
    }
    free(text);
    ASSERT_EQ(keys, sizeof(every_key) / sizeof(every_key[0]));
    /* Into the right fields, sizes as sizes, seconds as milliseconds. */
    ASSERT_EQ(load_one("doc_max", "8589934592", &cfg), 0);
    ASSERT_EQ(cfg.doc_max, (size_t)8589934592ull);
    ASSERT_EQ(load_one("checkpoint_interval", "7", &cfg), 0);
    ASSERT_EQ(cfg.checkpoint_interval_ms, 7000);
    ASSERT_EQ(load_one("auth_fail_burst", "5", &cfg), 0);
    ASSERT_EQ(cfg.auth_fail_burst, 5);
    ASSERT_EQ(load_one("test_clock", "false", &cfg), 0);
    ASSERT_EQ(cfg.test_clock, 0);
    ASSERT_EQ(load_one("export_key", "/srv/e.pem", &cfg), 0);
    ASSERT(cfg.export_key != NULL);
    /* Refused: an unknown key, a value out of range, a word that is not one. */
    ASSERT_EQ(load_one("listen_port", "80", &cfg), CF_EPARSE);
    ASSERT_EQ(load_one("readers", "65", &cfg), CF_EPARSE);
    ASSERT_EQ(load_one("cookie_secure", "yes", &cfg), CF_EPARSE);
    ASSERT_EQ(load_one("prepare", "sometimes", &cfg), CF_EPARSE);
    ASSERT_EQ(load_one("allowed_host", "", &cfg), CF_EPARSE);
    return 0;
}
