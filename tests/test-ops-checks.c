/*
 * test-ops-checks.c -- ops-2.*, ops-3.*, ops-4.1, ops-5.1: what the operation layer (api/ops)
 * refuses or defuses, whichever front end asks.
 *
 * ops-2.*: issue 19's checks at the door: JSON nesting (ops_json_depth_cli,
 *          ops_json_depth_http, ops_store_unreadable), documents stored whole or
 *          refused (ops_documents), history never backdated (ops_backdate,
 *          ops_daemon_earlier_now, ops_replay_out_of_order).
 * ops-3.*: one daemon per database (ops_single_daemon).
 * ops-4.1: a CSV field a spreadsheet would run is written as text (ops_stats_csv_formula).
 * ops-5.1: a file written whole, a FIFO or device written into, never replaced
 *          (ops_write_file_special).
 *
 * Apart from test-ops.c, which runs one scenario through both front ends and compares
 * them: each test here checks one refusal, and the two together were past the 800 lines
 * a file may have. The helpers both use (td_cli_open, td_cli_file_doc, td_post_json) are
 * in serve-helpers.c.
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "audit.h"
#include "chain.h"
#include "cli.h"
#include "core-helpers.h"
#include "ops.h"
#include "serve-helpers.h"
#include "store.h"
#include "task.h"

#define T0 "2026-03-02T09:00:00+08:00"

/* ---- helpers ------------------------------------------------------------------------------ */

/* Case id's version in the database at db. */
static long long version_of(const char *db, long long id)
{
    cf_store_t *s;
    cf_case_t c;
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    ASSERT_EQ(cf_store_case_get(s, id, &c, NULL), 0);
    long long v = c.version;
    cf_case_dispose(&c);
    cf_store_close(s);
    return v;
}

/* "[[[...1...]]]" nested depth deep. New string. */
static char *nested(int depth)
{
    char *s = malloc((size_t)depth * 2 + 2);
    ASSERT(s != NULL);
    memset(s, '[', (size_t)depth);
    s[depth] = '1';
    memset(s + depth + 1, ']', (size_t)depth);
    s[2 * depth + 1] = '\0';
    return s;
}

/* ---- ops-2: the checks at the door (issue 19) ---------------------------------------------- */

/* ops-2.1: --fact with JSON nested 2,047 deep is refused (exit 2) and nothing is
 * written; the case stays readable. A --fact that is not NAME=VALUE, or whose value is
 * not UTF-8, is refused naming it (exit 1) by each command that takes facts (case open,
 * case act, doc render: one reading of --fact). */
TEST_IMPL(ops_json_depth_cli)
{
    char db[512];
    td_db("ops-depth.db", db, sizeof(db));
    td_cli_open(db, T0);
    char *deep = nested(2047), *arg = malloc(strlen(deep) + 16);
    sprintf(arg, "officers=%s", deep);
    int rc = td_cli(db, T0, "case", "act", "1", "file", "--role", "head", "--fact", arg, NULL);
    if (rc != CF_EXIT_INPUT)
        CF__FAIL("exit %d: %s", rc, td_err);
    ASSERT_CONTAINS(td_err, "deeper than 32 levels");
    ASSERT_EQ(version_of(db, 1), 2);
    ASSERT_EQ(td_cli(db, T0, "case", "open", "--workflow", "penalty-general", "--party", "x",
                     "--fact", "lead_source", NULL),
              CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--fact 'lead_source' is not NAME=VALUE");
    ASSERT_EQ(td_cli(db, T0, "case", "act", "1", "file", "--role", "head", "--fact", "=x", NULL),
              CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "--fact '=x' is not NAME=VALUE");
    ASSERT_EQ(td_cli(db, T0, "doc", "render", "1", "立案审批表", "--fact", "note=\xff", NULL),
              CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "is not UTF-8 text");
    ASSERT_EQ(version_of(db, 1), 2);
    ASSERT_EQ(td_cli(db, T0, "audit", "verify", NULL), 0);
    free(deep);
    free(arg);
    return 0;
}

/* ops-2.2: the request of issue 19 -- a case opened with officers nested 2,047 deep
 * -- is answered 400 and no case is made. */
TEST_IMPL(ops_json_depth_http)
{
    char db[512];
    td_db("ops-depth-http.db", db, sizeof(db));
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    char *deep = nested(2044); /* the body nests 2,047 deep: what jansson still parses */
    size_t size = strlen(deep) + 256;
    char *body = malloc(size);
    snprintf(body, size,
             "{\"workflow\":\"penalty-general\",\"party\":{\"name\":\"x\"},"
             "\"facts\":{\"officers\":%s}}",
             deep);
    td_resp_t r;
    td_http(&d, "POST", "/v1/cases", token, body, strlen(body), NULL, &r);
    ASSERT_EQ(r.status, 400);
    ASSERT_CONTAINS(r.body, "deeper than");
    td_resp_free(&r);
    json_t *list = td_get_json(&d, token, "/v1/cases");
    ASSERT_EQ(json_array_size(list), 0);
    json_decref(list);
    td_stop(&d);
    free(deep);
    free(body);
    free(token);
    return 0;
}

/* ops-2.3: below the door, the store refuses a write it could not read back
 * (CF_EINVAL), before anything is written: the case reads as before. */
TEST_IMPL(ops_store_unreadable)
{
    char db[512];
    td_db("ops-unreadable.db", db, sizeof(db));
    td_cli_open(db, T0);
    cf_store_t *s;
    cf_case_t c;
    cf_error_t err;
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    ASSERT_EQ(cf_store_case_get(s, 1, &c, NULL), 0);
    char *deep = nested(2047);
    json_t *value = json_loads(deep, 0, NULL);
    ASSERT(value != NULL);
    json_t *events = json_pack("[{s:s, s:s, s:s, s:s, s:{s:o}}]", "type", "transition", "at", T0,
                               "actor", "x", "role", "head", "facts", "officers", value);
    ASSERT_EQ(cf_store_case_append(s, &c, events, &err), CF_EINVAL);
    ASSERT_CONTAINS(err.text, "could not be read back");
    ASSERT_EQ(c.version, 2);
    cf_case_t again;
    ASSERT_EQ(cf_store_case_get(s, 1, &again, NULL), 0);
    ASSERT_EQ(again.version, 2);
    cf_case_dispose(&again);
    cf_case_dispose(&c);
    json_decref(events);
    cf_store_close(s);
    free(deep);
    return 0;
}

/* ops-2.4: a document is stored whole or refused: larger than the limit (stated in
 * the error), a FIFO, a device, a directory are refused (exit 2) without blocking
 * or reading them, and nothing is written, as is an empty file; one within the limit is
 * stored, and read back byte for byte (in 256 KiB chunks when larger). */
TEST_IMPL(ops_documents)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char db[512], small[512], fifo[512];
    td_db("ops-docs.db", db, sizeof(db));
    td_cli_open(db, T0);
    td_file("seventeen.txt", "0123456789abcdefg", small, sizeof(small));
    setenv("CASEFLOW_DOC_MAX", "16", 1);
    ASSERT_EQ(td_cli_file_doc(db, small), CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "limit of 16 bytes");
    ASSERT_EQ(version_of(db, 1), 2);
    setenv("CASEFLOW_DOC_MAX", "1G", 1);
    snprintf(fifo, sizeof(fifo), "%s/doc.fifo", cf_test_tmpdir());
    unlink(fifo);
    ASSERT_EQ(mkfifo(fifo, 0600), 0);
    ASSERT_EQ(td_cli_file_doc(db, fifo), CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "a FIFO");
    ASSERT_EQ(td_cli_file_doc(db, "/dev/zero"), CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "a device");
    ASSERT_EQ(td_cli_file_doc(db, cf_test_tmpdir()), CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "a directory");
    char empty[512]; /* ops-2.4c: an empty file is refused, not kept as the 文书 */
    td_file("empty.txt", "", empty, sizeof(empty));
    ASSERT_EQ(td_cli_file_doc(db, empty), CF_EXIT_INPUT);
    ASSERT_CONTAINS(td_err, "is empty (0 bytes)");
    ASSERT_EQ(version_of(db, 1), 2);
    setenv("CASEFLOW_DOC_MAX", "17", 1);
    ASSERT_EQ(td_cli_file_doc(db, small), 0);
    unsetenv("CASEFLOW_DOC_MAX");
    cf_store_t *s;
    void *data = NULL;
    size_t len = 0;
    char hex[CF_CHAIN_HEX];
    cf_chain_sha256_hex("0123456789abcdefg", 17, hex);
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    ASSERT_EQ(cf_store_document_get(s, hex, &data, &len, NULL), 0);
    ASSERT_EQ(len, 17);
    ASSERT(memcmp(data, "0123456789abcdefg", 17) == 0);
    free(data);
    /* ops-2.4b: a document larger than a chunk is kept in chunks and read back whole */
    size_t big = 600 * 1024 + 7;
    unsigned char *bytes = malloc(big);
    for (size_t i = 0; i < big; i++)
        bytes[i] = (unsigned char)(i * 7 + i / 1000);
    cf_chain_sha256_hex(bytes, big, hex);
    ASSERT_EQ(cf_store_document_put(s, hex, bytes, big, NULL), 0);
    ASSERT_EQ(cf_store_document_put(s, hex, bytes, big, NULL), 0); /* again: a no-op */
    ASSERT_EQ(cf_store_document_get(s, hex, &data, &len, NULL), 0);
    ASSERT_EQ(len, big);
    ASSERT(memcmp(data, bytes, big) == 0);
    free(data);
    free(bytes);
    cf_store_close(s);
    sqlite3 *h;
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_open(db, &h), SQLITE_OK);
    ASSERT_EQ(sqlite3_prepare_v2(h, "SELECT COUNT(*), MAX(length(data)) FROM document_chunks", -1,
                                 &st, NULL),
              0);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(st, 0), 1 + 3);
    ASSERT_EQ(sqlite3_column_int(st, 1), 256 * 1024);
    sqlite3_finalize(st);
    sqlite3_close(h);
    return 0;
}

/* ops-2.5: --at in the past is limited to the window (CASEFLOW_BACKDATE_DAYS, 30 by
 * default) and recorded with when it was entered and by whom; a time before the
 * case's last event is refused for every change (here an extension, the issue's
 * 2020 one). Each refusal of a time exits 1, as --at in the future always did. */
TEST_IMPL(ops_backdate)
{
    char db[512];
    td_db("ops-backdate.db", db, sizeof(db));
    unsetenv("CASEFLOW_BACKDATE_DAYS");
    const char *now = "2026-03-20T09:00:00+08:00";
    int rc = td_cli(db, now, "case", "open", "--workflow", "penalty-general", "--party", "x",
                    "--actor", "张三", "--at", "2026-02-01T09:00:00+08:00", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "more than 30 days in the past");
    rc = td_cli(db, now, "--json", "case", "open", "--workflow", "penalty-general", "--party", "x",
                "--actor", "张三", "--at", T0, NULL);
    if (rc != 0)
        CF__FAIL("open: %d %s", rc, td_out);
    ASSERT_CONTAINS(td_out, "\"entered_at\": \"2026-03-20T09:00:00+08:00\"");
    ASSERT_CONTAINS(td_out, "\"entered_by\": \"张三\"");
    ASSERT_CONTAINS(td_out, "\"at\": \"2026-03-02T09:00:00+08:00\"");
    setenv("CASEFLOW_BACKDATE_DAYS", "0", 1);
    rc = td_cli(db, now, "case", "act", "1", "file", "--role", "head", "--at", T0, NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "0 days in the past");
    setenv("CASEFLOW_BACKDATE_DAYS", "100000", 1);
    rc = td_cli(db, now, "case", "extend", "1", "--clock", "filing", "--by", "5 working_days",
                "--role", "head", "--at", "2020-01-01T09:00:00+08:00", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE); /* not a number of days the window takes */
    setenv("CASEFLOW_BACKDATE_DAYS", "3650", 1);
    rc = td_cli(db, now, "case", "extend", "1", "--clock", "filing", "--by", "5 working_days",
                "--role", "head", "--at", "2020-01-01T09:00:00+08:00", NULL);
    ASSERT_EQ(rc, CF_EXIT_USAGE);
    ASSERT_CONTAINS(td_err, "before the case's last event");
    ASSERT_EQ(version_of(db, 1), 2);
    unsetenv("CASEFLOW_BACKDATE_DAYS");
    return 0;
}

/* ops-2.6: a daemon restarted with an earlier clock cannot write events dated
 * before the case's last one (400, nothing written). */
TEST_IMPL(ops_daemon_earlier_now)
{
    char db[512];
    td_db("ops-earlier.db", db, sizeof(db));
    char *head = td_token(db, "某县医疗保障局", "head", "李四");
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, "2026-03-10T09:00:00+08:00");
    td_start(&d, &cfg);
    td_post_json(&d, NULL, "/v1/cases", head,
                 json_pack("{s:s, s:{s:s}}", "workflow", "penalty-general", "party", "name", "x"),
                 NULL, 201);
    td_stop(&d);
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    td_resp_t r;
    json_t *body = json_pack("{s:s, s:s, s:s}", "clock", "filing", "by", "5 working_days", "reason",
                             "案情复杂");
    td_http_json(&d, "POST", "/v1/cases/1/extensions", head, body, NULL, &r);
    json_decref(body);
    ASSERT_EQ(r.status, 400);
    ASSERT_CONTAINS(r.body, "before the case's last event");
    td_resp_free(&r);
    td_stop(&d);
    ASSERT_EQ(version_of(db, 1), 2);
    free(head);
    return 0;
}

/* ops-2.7: the replay flags an event dated before the one recorded before it. */
TEST_IMPL(ops_replay_out_of_order)
{
    char db[512];
    td_db("ops-replay.db", db, sizeof(db));
    td_cli_open(db, T0);
    cf_store_t *s;
    cf_case_t c;
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    json_t *events;
    ASSERT_EQ(cf_store_open_existing(db, &s, NULL), 0);
    ASSERT_EQ(cf_store_case_get(s, 1, &c, NULL), 0);
    ASSERT_EQ(cf_store_workflow_get_hash(s, c.workflow_hash, &wf, NULL), 0);
    ASSERT_EQ(cf_store_calendar_load(s, &cal, NULL), 0);
    ASSERT_EQ(cf_store_case_events(s, 1, &events, NULL), 0);
    cf_audit_t out;
    ASSERT_EQ(cf_audit_init(&out, 1), 0);
    ASSERT_EQ(cf_audit_replay(wf, cal, NULL, events, cf_test_time(T0), &out), 0);
    for (size_t i = 0; i < out.items_count; i++)
        ASSERT(strcmp(out.items[i].kind, "time") != 0);
    cf_audit_dispose(&out);
    json_object_set_new(json_array_get(events, 1), "at", json_string("2026-03-01T09:00:00+08:00"));
    ASSERT_EQ(cf_audit_init(&out, 1), 0);
    ASSERT_EQ(cf_audit_replay(wf, cal, NULL, events, cf_test_time(T0), &out), 0);
    int found = 0;
    for (size_t i = 0; i < out.items_count; i++)
        found |= strcmp(out.items[i].kind, "time") == 0 && out.items[i].seq == 2 &&
                 strstr(out.items[i].text, "before the event recorded before it") != NULL;
    ASSERT(found);
    cf_audit_dispose(&out);
    json_decref(events);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    cf_case_dispose(&c);
    cf_store_close(s);
    return 0;
}

/* ---- ops-3: one daemon per database ------------------------------------------------------- */

/* ops-3.1: a second daemon on the same database refuses to start, naming the
 * first one's pid; once the first stopped, a daemon starts again. */
TEST_IMPL(ops_single_daemon)
{
    CF_TEST_SQLITE_ONLY(
        "one daemon per SQLite file (its lock); on PostgreSQL several nodes share a database");
    char db[512], pid[64];
    td_db("ops-single.db", db, sizeof(db));
    cf_serve_config_t cfg;
    td_daemon_t d;
    td_config(&cfg, db, T0);
    td_start(&d, &cfg);
    cf_serve_t *second = NULL;
    cf_error_t err;
    cf_error_clear(&err);
    ASSERT_EQ(cf_serve_open(&cfg, &second, &err), CF_EBUSY);
    ASSERT(second == NULL);
    snprintf(pid, sizeof(pid), "pid %ld", (long)getpid());
    ASSERT_CONTAINS(err.text, pid);
    ASSERT_CONTAINS(err.text, "already runs on this database");
    td_stop(&d);
    td_start(&d, &cfg);
    td_stop(&d);
    return 0;
}

/* ---- ops-4: what the operation layer writes for a spreadsheet ---------------------------- */

/* ops-4.1: a CSV field that is not a number and starts with = + - @ is written with a
 * leading apostrophe (a spreadsheet shows it as text, never runs it); numbers, negative
 * ones too, are written as they are (docs/security.md, attack-5.4). */
TEST_IMPL(ops_stats_csv_formula)
{
    json_t *stats = json_pack("{s:{s:i, s:i, s:i, s:i}, s:i}", "by_handler", "=cmd|' /C calc'!A0",
                              1, "@SUM(A1)", 2, "+1,2", 3, "张三", 4, "delta", -3);
    ASSERT(stats != NULL);
    char *csv = cf_ops_stats_csv(stats);
    ASSERT(csv != NULL);
    ASSERT_CONTAINS(csv, "by_handler,'=cmd|' /C calc'!A0,1\r\n");
    ASSERT_CONTAINS(csv, "by_handler,'@SUM(A1),2\r\n");
    ASSERT_CONTAINS(csv, "by_handler,\"'+1,2\",3\r\n");
    ASSERT_CONTAINS(csv, "by_handler,张三,4\r\n");
    ASSERT_CONTAINS(csv, "delta,,-3\r\n");
    free(csv);
    json_decref(stats);
    return 0;
}

/* ---- ops-5: what the operation layer writes to a file ------------------------------------ */

/* ops-5.1: a file is written whole through path.tmp and a rename (nothing .tmp left,
 * the old text replaced); a path that is a FIFO (or a device: `--out /dev/null`) is
 * written into and stays what it was, never replaced by a plain file (run as root,
 * the rename once replaced /dev/null itself); a directory is refused. */
TEST_IMPL(ops_write_file_special)
{
    char path[512], tmp[600], fifo[512];
    cf_error_t err;
    td_file("written.txt", "old", path, sizeof(path));
    ASSERT_EQ(cf_ops_write_file(path, "new text\n", 9, &err), 0);
    char *back = NULL;
    size_t len = 0;
    ASSERT_EQ(cf_ops_read_file(path, 0, &back, &len, &err), 0);
    ASSERT_STR_EQ(back, "new text\n");
    free(back);
    snprintf(tmp, sizeof(tmp), "%s.tmp", path);
    ASSERT(access(tmp, F_OK) != 0);

    snprintf(fifo, sizeof(fifo), "%s/out.fifo", cf_test_tmpdir());
    unlink(fifo);
    ASSERT_EQ(mkfifo(fifo, 0600), 0);
    int rd = open(fifo, O_RDONLY | O_NONBLOCK); /* a reader, so the writer's open returns */
    ASSERT(rd >= 0);
    ASSERT_EQ(cf_ops_write_file(fifo, "through\n", 8, &err), 0);
    struct stat st;
    ASSERT_EQ(lstat(fifo, &st), 0);
    ASSERT(S_ISFIFO(st.st_mode));
    char got[16] = {0};
    ASSERT_EQ(read(rd, got, sizeof(got) - 1), 8);
    ASSERT_STR_EQ(got, "through\n");
    close(rd);
    unlink(fifo);

    ASSERT_EQ(cf_ops_write_file(cf_test_tmpdir(), "x", 1, &err), CF_EINVALID);
    ASSERT_CONTAINS(err.text, "a directory");
    return 0;
}
