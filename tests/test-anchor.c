/*
 * test-anchor.c -- anchor-2.x: signed checkpoints over a real database, and
 * the rewrites a hash chain alone cannot see; cache-1.x: the case row checked
 * against the fold of its events (issue 19 item 3).
 *
 * The forger here is careful: after changing an event it recomputes every
 * later hash of the case, moves the case's head and refolds its cached row,
 * so `audit verify` without a checkpoint passes. Only a checkpoint taken
 * before catches it, and names the case and event.
 *
 * anchor-2.1: an untouched log, and one that grew after the checkpoint, pass;
 *   events are numbered in commit order with no gap.
 * anchor-2.2: an event rewritten, later hashes recomputed: caught, named.
 * anchor-2.3: a case's tail cut, its head moved back: caught, named.
 * anchor-2.4: a case deleted whole: caught, named.
 * anchor-2.5: a forged checkpoint, another bureau's key: refused (exit 7).
 * anchor-2.6: `audit prove`: an event before the checkpoint is in its tree,
 *   one after is not.
 * anchor-2.7: the daemon's checkpoint timer.
 * anchor-2.8: a database of schema 3 numbered when migrated.
 * cache-1.1: the row's state edited: caught by verify and replay (row.state).
 * cache-1.2: the row's snapshot forged: caught (snapshot.facts); so is a
 *   bundle's case edited by hand (snapshot.state).
 */
#include <sqlite3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core-helpers.h"
#include "serve-helpers.h"
#include "task.h"

#define MINI    "tests/fixtures/workflows/valid/mini.yaml"
#define OUT_MAX 65536

static char db_arg[600];
static char anchor_db[512]; /* make_cases's database: a file, or PostgreSQL's (cf_test_db) */

/* Runs the command line in-process on the test's database; NULL ends the
 * words. Returns the exit code; OUT out (OUT_MAX bytes): stdout and stderr. */
static int cli(char *out, ...)
{
    char *argv[16] = {"caseflow", db_arg};
    int argc = 2;
    va_list ap;
    va_start(ap, out);
    for (const char *a; argc < 15 && (a = va_arg(ap, const char *));)
        argv[argc++] = (char *)a;
    va_end(ap);
    FILE *o = tmpfile();
    setenv("CASEFLOW_NOW", "2025-10-01T00:00:00+08:00", 1);
    int rc = cf_cli_main(argc, argv, o, o);
    rewind(o);
    out[fread(out, 1, OUT_MAX - 1, o)] = '\0';
    fclose(o);
    return rc;
}

static const char *tmp_path(const char *name, char *buf)
{
    snprintf(buf, 512, "%s/%s", cf_test_tmpdir(), name);
    return buf;
}

/* Three cases, walked in turns so their events interleave in the log. */
static void make_cases(void)
{
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s;
    cf_error_t open_err;
    cf_test_db("anchor.db", anchor_db, sizeof(anchor_db));
    if (cf_store_open(anchor_db, &s, &open_err) != 0)
        CF__FAIL("open %s: %s", anchor_db, open_err.text);
    snprintf(db_arg, sizeof(db_arg), "--db=%s", anchor_db);
    cf_case_t c[3];
    for (int i = 0; i < 3; i++)
        cf_test_open(s, wf, cal, "2025-09-01T09:00:00+08:00", &c[i]);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(cf_test_act(s, wf, cal, &c[i], "file", "head", "2025-09-01T15:00:00+08:00",
                              "{\"reason\": \"举报\"}", "立案审批表", NULL),
                  0);
    for (int i = 0; i < 3; i++)
        ASSERT_EQ(cf_test_act(s, wf, cal, &c[i], "notify", "handler", "2025-09-15T10:00:00+08:00",
                              "{\"notified_fine\": 1000}", NULL, NULL),
                  0);
    for (int i = 0; i < 3; i++)
        cf_case_dispose(&c[i]);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
}

/* One more case opened and acted on: the log grows past the checkpoint. */
static void append_case(void)
{
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_calendar_t *cal = cf_test_calendar();
    cf_store_t *s;
    ASSERT_EQ(cf_store_open_existing(anchor_db, &s, NULL), 0);
    cf_case_t c;
    cf_test_open(s, wf, cal, "2025-09-20T09:00:00+08:00", &c);
    ASSERT_EQ(cf_test_act(s, wf, cal, &c, "file", "head", "2025-09-20T15:00:00+08:00",
                          "{\"reason\": \"举报\"}", "立案审批表", NULL),
              0);
    cf_case_dispose(&c);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
}

/* The bureau's key (key.pem, its public half pub.pem) and a checkpoint
 * (cp.json) of the log as it is now. */
static void take_checkpoint(char *out)
{
    char key[512], pub[512], cp[512];
    tmp_path("key.pem", key);
    tmp_path("cp.json", cp);
    ASSERT_EQ(cli(out, "audit", "keygen", "--out", key, NULL), 0);
    ASSERT_CONTAINS(out, "-----BEGIN PUBLIC KEY-----");
    FILE *f = fopen(tmp_path("pub.pem", pub), "w");
    fputs(strstr(out, "-----BEGIN PUBLIC KEY-----"), f);
    fclose(f);
    struct stat st;
    ASSERT_EQ(stat(key, &st), 0);
    ASSERT_EQ(st.st_mode & 0777, 0600);
    ASSERT_EQ(cli(out, "audit", "checkpoint", "--key", key, "--out", cp, NULL), 0);
    ASSERT_CONTAINS(out, "written to");
}

/* `audit verify --checkpoint cp.json --pubkey pub.pem`. */
static int verify_against(char *out)
{
    char cp[512], pub[512];
    return cli(out, "audit", "verify", "--checkpoint", tmp_path("cp.json", cp), "--pubkey",
               tmp_path("pub.pem", pub), NULL);
}

static sqlite3 *raw_db(void)
{
    char path[512];
    sqlite3 *db;
    ASSERT_EQ(sqlite3_open(tmp_path("anchor.db", path), &db), SQLITE_OK);
    return db;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        CF__FAIL("%s: %s", sql, msg);
}

/* Rewrites case id as a careful forger: event `rewrite` (0: none) changed,
 * events after `keep` (0: all kept) removed, every hash from there on
 * recomputed and the row refolded, triggers bypassed. */
static void forge_case(int64_t id, int64_t rewrite, int64_t keep)
{
    cf_store_t *s;
    json_t *events;
    ASSERT_EQ(cf_store_open_existing(anchor_db, &s, NULL), 0);
    ASSERT_EQ(cf_store_case_events(s, id, &events, NULL), 0);
    cf_store_close(s);
    if (rewrite)
        json_object_set_new(json_array_get(events, (size_t)rewrite - 1), "actor",
                            json_string("改写者"));
    while (keep && json_array_size(events) > (size_t)keep)
        json_array_remove(events, json_array_size(events) - 1);
    sqlite3 *db = raw_db();
    exec(db, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; BEGIN");
    char prev[CF_CHAIN_HEX] = CF_CHAIN_GENESIS, hash[CF_CHAIN_HEX], sql[256];
    cf_case_t c;
    ASSERT_EQ(cf_case_init(&c), 0);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        json_object_set_new(ev, "prev", json_string(prev));
        ASSERT_EQ(cf_chain_hash(CF_CHAIN_SHA256, prev, ev, hash), 0);
        json_object_set_new(ev, "hash", json_string(hash));
        memcpy(prev, hash, sizeof(prev));
        ASSERT_EQ(cf_case_apply(&c, ev, NULL), 0);
        char *body = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
        char *q = sqlite3_mprintf("UPDATE events SET body = %Q, hash = %Q WHERE case_id = %lld "
                                  "AND seq = %lld",
                                  body, hash, (long long)id, (long long)i + 1);
        exec(db, q);
        sqlite3_free(q);
        free(body);
    }
    snprintf(sql, sizeof(sql), "DELETE FROM events WHERE case_id = %lld AND seq > %zu",
             (long long)id, json_array_size(events));
    exec(db, sql);
    char *snap = cf_case_snapshot_text(&c);
    char *q = sqlite3_mprintf("UPDATE cases SET state = %Q, version = %lld, head = %Q, "
                              "updated_at = %lld, snapshot = %Q WHERE id = %lld",
                              c.state, (long long)c.version, c.head, (long long)c.updated_at, snap,
                              (long long)id);
    exec(db, q);
    exec(db, "COMMIT");
    sqlite3_free(q);
    free(snap);
    sqlite3_close(db);
    cf_case_dispose(&c);
    json_decref(events);
}

/* anchor-2.1 */
TEST_IMPL(anchor_untouched_and_grown)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (raw_db)");
    char *out = malloc(OUT_MAX);
    make_cases();
    take_checkpoint(out);
    ASSERT_EQ(verify_against(out), 0);
    ASSERT_CONTAINS(out, "PASS: the history the checkpoint signed");
    append_case();
    ASSERT_EQ(verify_against(out), 0);
    ASSERT_CONTAINS(out, "PASS");
    /* positions 0..n-1, in commit order: case 4's events came last */
    sqlite3 *db = raw_db();
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT COUNT(*), MIN(pos), MAX(pos), (SELECT MIN(pos) FROM "
                                 "events WHERE case_id = 4), (SELECT MAX(pos) FROM events WHERE "
                                 "case_id < 4) FROM events",
                                 -1, &st, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(st, 1), 0);
    ASSERT_EQ(sqlite3_column_int(st, 2), sqlite3_column_int(st, 0) - 1);
    ASSERT_EQ(sqlite3_column_int(st, 3), sqlite3_column_int(st, 4) + 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    /* the JSON report carries the check in its summary */
    char cp[512], pub[512];
    ASSERT_EQ(cli(out, "--json", "audit", "verify", "--checkpoint", tmp_path("cp.json", cp),
                  "--pubkey", tmp_path("pub.pem", pub), NULL),
              0);
    json_t *report = json_loads(out, 0, NULL);
    json_t *check = json_object_get(json_object_get(report, "summary"), "checkpoint");
    ASSERT(json_is_true(json_object_get(check, "consistent")));
    ASSERT(json_integer_value(json_object_get(json_object_get(check, "log"), "size")) >
           json_integer_value(json_object_get(json_object_get(check, "checkpoint"), "tree_size")));
    json_decref(report);
    free(out);
    return 0;
}

/* anchor-2.2 */
TEST_IMPL(anchor_rewrite_caught)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (forge_case)");
    char *out = malloc(OUT_MAX);
    make_cases();
    take_checkpoint(out);
    forge_case(2, 3, 0);
    ASSERT_EQ(cli(out, "audit", "verify", NULL), 0); /* the chain alone sees nothing */
    ASSERT_EQ(verify_against(out), 7);
    ASSERT_CONTAINS(out, "[rewritten] case 2: event 3 is not the one the checkpoint saw");
    ASSERT_CONTAINS(out, "[consistency]");
    free(out);
    return 0;
}

/* anchor-2.3 */
TEST_IMPL(anchor_truncation_caught)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (forge_case)");
    char *out = malloc(OUT_MAX);
    make_cases();
    take_checkpoint(out);
    forge_case(3, 0, 2);
    ASSERT_EQ(cli(out, "audit", "verify", NULL), 0);
    ASSERT_EQ(verify_against(out), 7);
    ASSERT_CONTAINS(out, "[truncated] case 3: events 3 to");
    free(out);
    return 0;
}

/* anchor-2.4 */
TEST_IMPL(anchor_deletion_caught)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (exec, raw_db)");
    char *out = malloc(OUT_MAX);
    make_cases();
    take_checkpoint(out);
    sqlite3 *db = raw_db();
    exec(db, "DROP TRIGGER events_no_delete; DELETE FROM events WHERE case_id = 1; DELETE FROM "
             "cases WHERE id = 1; DELETE FROM clocks WHERE case_id = 1");
    sqlite3_close(db);
    ASSERT_EQ(cli(out, "audit", "verify", NULL), 0);
    ASSERT_EQ(verify_against(out), 7);
    ASSERT_CONTAINS(out, "[deleted] case 1, with");
    ASSERT_CONTAINS(out, "is gone from the log");
    free(out);
    return 0;
}

/* anchor-2.5 */
TEST_IMPL(anchor_forged_checkpoint)
{
    char *out = malloc(OUT_MAX);
    char cp[512], pub[512], other[512], forged[512];
    make_cases();
    take_checkpoint(out);
    /* another key: its own checkpoint is refused against the bureau's key */
    ASSERT_EQ(cli(out, "audit", "keygen", "--out", tmp_path("other.pem", other), NULL), 0);
    ASSERT_EQ(cli(out, "audit", "checkpoint", "--key", other, "--out",
                  tmp_path("forged.json", forged), NULL),
              0);
    ASSERT_EQ(cli(out, "audit", "verify", "--checkpoint", forged, "--pubkey",
                  tmp_path("pub.pem", pub), NULL),
              7);
    ASSERT_CONTAINS(out, "not with this key");
    /* the bureau's checkpoint with its size edited */
    json_t *j = json_load_file(tmp_path("cp.json", cp), 0, NULL);
    json_object_set_new(j, "tree_size",
                        json_integer(json_integer_value(json_object_get(j, "tree_size")) - 1));
    ASSERT_EQ(json_dump_file(j, forged, 0), 0);
    json_decref(j);
    ASSERT_EQ(cli(out, "audit", "verify", "--checkpoint", forged, "--pubkey", pub, NULL), 7);
    ASSERT_CONTAINS(out, "signature does not verify");
    /* a key is never overwritten */
    ASSERT_EQ(cli(out, "audit", "keygen", "--out", other, NULL), 4);
    ASSERT_CONTAINS(out, "never overwritten");
    free(out);
    return 0;
}

/* anchor-2.6 */
TEST_IMPL(anchor_prove)
{
    char *out = malloc(OUT_MAX);
    char cp[512], pub[512];
    make_cases();
    take_checkpoint(out);
    append_case();
    ASSERT_EQ(cli(out, "--json", "audit", "prove", "2", "3", "--checkpoint",
                  tmp_path("cp.json", cp), "--pubkey", tmp_path("pub.pem", pub), NULL),
              0);
    json_t *j = json_loads(out, 0, NULL);
    ASSERT(json_is_true(json_object_get(j, "included")));
    ASSERT(json_array_size(json_object_get(j, "proof")) > 0);
    json_decref(j);
    ASSERT_EQ(cli(out, "audit", "prove", "4", "1", "--checkpoint", cp, "--pubkey", pub, NULL), 7);
    ASSERT_CONTAINS(out, "NOT in the tree");
    ASSERT_EQ(cli(out, "audit", "prove", "4", "1", NULL), 0); /* in the log as it is now */
    ASSERT_CONTAINS(out, "included in the tree");
    ASSERT_EQ(cli(out, "audit", "prove", "4", "99", NULL), 3);
    free(out);
    return 0;
}

/* cache-1.1 */
TEST_IMPL(cache_row_state_forged)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (exec, raw_db)");
    char *out = malloc(OUT_MAX);
    make_cases();
    ASSERT_EQ(cli(out, "audit", "verify", NULL), 0);
    sqlite3 *db = raw_db();
    exec(db, "UPDATE cases SET state = 'closed', closed = 1 WHERE id = 2");
    sqlite3_close(db);
    ASSERT_EQ(cli(out, "audit", "verify", NULL), 7);
    ASSERT_CONTAINS(out, "row.state");
    ASSERT_CONTAINS(out, "the case row's state is \"closed\"; its events give \"notified\"");
    ASSERT_CONTAINS(out, "row.closed");
    ASSERT_EQ(cli(out, "audit", "replay", NULL), 7);
    ASSERT_CONTAINS(out, "row.state");
    free(out);
    return 0;
}

/* cache-1.2 */
TEST_IMPL(cache_snapshot_forged)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (exec, raw_db)");
    char *out = malloc(OUT_MAX);
    make_cases();
    sqlite3 *db = raw_db();
    exec(db, "UPDATE cases SET snapshot = json_set(snapshot, '$.facts.notified_fine', 10) WHERE "
             "id = 3");
    sqlite3_close(db);
    ASSERT_EQ(cli(out, "audit", "verify", NULL), 7);
    ASSERT_CONTAINS(out, "snapshot.facts");
    ASSERT_CONTAINS(out, "\"notified_fine\":10");
    db = raw_db();
    exec(db, "UPDATE cases SET snapshot = 'garbage' WHERE id = 3");
    sqlite3_close(db);
    ASSERT_EQ(cli(out, "audit", "verify", "--case", "3", NULL), 7);
    ASSERT_CONTAINS(out, "cached snapshot is not a case");
    /* a bundle whose case was edited by hand: its events say otherwise */
    char bundle[512];
    ASSERT_EQ(cli(out, "--json", "case", "export", "1", NULL), 0);
    json_t *b = json_loads(out, 0, NULL);
    ASSERT(b);
    json_object_set_new(json_object_get(b, "case"), "state", json_string("closed"));
    ASSERT_EQ(json_dump_file(b, tmp_path("bundle.json", bundle), 0), 0);
    json_decref(b);
    ASSERT_EQ(cli(out, "audit", "replay", "--bundle", bundle, NULL), 7);
    ASSERT_CONTAINS(out, "(snapshot.state)");
    free(out);
    return 0;
}

/* anchor-2.7: the daemon, given an interval and a key, writes signed
 * checkpoints to its file and records them; each verifies against the log.
 * A key that is not one stops it at start, naming the file. */
TEST_IMPL(anchor_daemon_interval)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly");
    char *out = malloc(OUT_MAX);
    char db[512], key[512], cp[512], pub[512];
    td_db("anchor.db", db, sizeof(db));
    snprintf(db_arg, sizeof(db_arg), "--db=%s", db);
    ASSERT_EQ(cli(out, "case", "open", "--workflow", "supervision", "--party", "某某医院", NULL),
              0);
    ASSERT_EQ(cli(out, "audit", "keygen", "--out", tmp_path("key.pem", key), NULL), 0);
    FILE *f = fopen(tmp_path("pub.pem", pub), "w");
    fputs(strstr(out, "-----BEGIN PUBLIC KEY-----"), f);
    fclose(f);
    cf_serve_config_t cfg;
    td_config(&cfg, db, "2026-03-02T09:00:00+08:00");
    cfg.checkpoint_interval_ms = 20;
    cfg.checkpoint_key = key;
    cfg.checkpoint_out = tmp_path("cp.json", cp);
    td_daemon_t d;
    td_start(&d, &cfg);
    /* writes through the daemon's group commit get their positions too */
    char *token = td_token(db, "某县医疗保障局", "handler", "张三");
    for (int i = 0; i < 5; i++)
        open_case(&d, token, "某某诊所");
    free(token);
    /* until a checkpoint has seen them all: 1 + 5 * 2 events */
    struct stat st;
    json_t *seen = NULL;
    CF_TEST_WAIT_UNTIL((json_decref(seen), seen = json_load_file(cp, 0, NULL),
                        json_integer_value(json_object_get(seen, "tree_size")) == 11));
    td_stop(&d);
    ASSERT_EQ(json_integer_value(json_object_get(seen, "tree_size")), 11);
    json_decref(seen);
    ASSERT_EQ(stat(cp, &st), 0);
    ASSERT_EQ(verify_against(out), 0);
    ASSERT_CONTAINS(out, "PASS");
    sqlite3 *raw;
    ASSERT_EQ(sqlite3_open(db, &raw), SQLITE_OK);
    sqlite3_stmt *q;
    ASSERT_EQ(sqlite3_prepare_v2(raw, "SELECT COUNT(*), MIN(tree_size) FROM anchors", -1, &q, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    ASSERT(sqlite3_column_int(q, 0) >= 1);
    ASSERT(sqlite3_column_int(q, 1) >= 1);
    sqlite3_finalize(q);
    ASSERT_EQ(
        sqlite3_prepare_v2(raw, "SELECT COUNT(*), COUNT(pos), MAX(pos) FROM events", -1, &q, NULL),
        SQLITE_OK);
    ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
    ASSERT_EQ(sqlite3_column_int(q, 0), 11);
    ASSERT_EQ(sqlite3_column_int(q, 1), 11);
    ASSERT_EQ(sqlite3_column_int(q, 2), 10);
    sqlite3_finalize(q);
    sqlite3_close(raw);
    /* not a key: refused at start */
    cfg.checkpoint_key = pub;
    cf_serve_t *srv = NULL;
    cf_error_t err;
    ASSERT_EQ(cf_serve_open(&cfg, &srv, &err), CF_EPARSE);
    ASSERT_STR_EQ(err.source, pub);
    ASSERT_CONTAINS(err.text, "not an Ed25519 or SM2 private key");
    free(out);
    return 0;
}

/* anchor-2.8: a database from before positions (schema 3) is numbered when
 * opened: by row id, the order SQLite committed the events in, with no gap;
 * the log stays append-only; new events follow on. */
TEST_IMPL(anchor_migration_numbers_events)
{
    CF_TEST_SQLITE_ONLY("reads or writes the SQLite file directly (exec, raw_db)");
    char *out = malloc(OUT_MAX);
    make_cases();
    sqlite3 *db = raw_db();
    exec(db, cf_test_undo_18_sqlite);
    exec(db, "DROP INDEX events_pos; DROP TABLE anchors; DROP TABLE document_chunks; "
             "DROP INDEX clocks_provisional; ALTER TABLE clocks DROP COLUMN provisional; "
             "DROP TABLE calendar_version; "
             "ALTER TABLE events DROP COLUMN pos; "
             "ALTER TABLE tokens DROP COLUMN expires_at; ALTER TABLE tokens DROP COLUMN "
             "revoked_at; ALTER TABLE tokens DROP COLUMN last_used_at; " /* schema 7 */
             "ALTER TABLE alerts DROP COLUMN prov_first; "
             "ALTER TABLE alerts DROP COLUMN prov_last; " /* schema 10 */
             "ALTER TABLE alerts DROP COLUMN claim_owner; "
             "ALTER TABLE alerts DROP COLUMN claim_until; " /* schema 16 */
             "PRAGMA user_version = 3");
    sqlite3_close(db);
    append_case(); /* opens (and migrates) the database, then writes */
    db = raw_db();
    sqlite3_stmt *st;
    ASSERT_EQ(sqlite3_prepare_v2(db,
                                 "SELECT COUNT(*), SUM(pos = (SELECT COUNT(*) FROM events e2 "
                                 "WHERE e2.rowid < events.rowid)) FROM events",
                                 -1, &st, NULL),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    ASSERT(sqlite3_column_int(st, 0) > 10);
    ASSERT_EQ(sqlite3_column_int(st, 1), sqlite3_column_int(st, 0));
    sqlite3_finalize(st);
    ASSERT(sqlite3_exec(db, "UPDATE events SET pos = pos + 1", NULL, NULL, NULL) != SQLITE_OK);
    sqlite3_close(db);
    take_checkpoint(out);
    ASSERT_EQ(verify_against(out), 0);
    free(out);
    return 0;
}
