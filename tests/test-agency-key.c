/*
 * test-agency-key.c -- agencykey-*: the agency in every case key (issue 24, item 1;
 * schema 18; docs/postgresql.md), so that a distributed PostgreSQL (Citus) can shard
 * by agency: Citus requires the distribution column in every primary key and unique
 * constraint of a distributed table.
 *
 * agencykey-1: the catalog (sqlite_master and its pragmas; pg_index and pg_attribute
 *   on PostgreSQL): every table with a case id (the column case_id, or cases itself),
 *   and the webhook outbox alert_deliveries (keyed by delivery id, since schema 21), has
 *   a primary key, and it and every unique index of the table contain agency. A
 *   table added without it is caught (the check runs on a probe table too).
 * agencykey-2: a case's rows carry its agency in every such table ('' for a case
 *   opened without one), whether the writer gives it or the store reads it from the
 *   case row, and reading by case id works as before.
 * agencykey-3: a schema-17 database (made from today's by undoing step 18: the keys
 *   without agency, events.id back) is migrated at open: every row kept, the agency
 *   filled from case_agency, the chains still verify, and the case goes on.
 * agencykey-4: the statements of a case's write that carry the agency bind it: none
 *   reads the case row for it (its plan has no search of cases), the one read of it,
 *   when the writer does not know it, is a search by the case's key, and an UPDATE
 *   finds its row by the whole key, agency included (no statement journal).
 * Runs on both backends (agencykey-4: SQLite's plans only).
 */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

#include "../engine/audit.h"
#include "../storage/store-int.h"
#include "core-helpers.h"
#include "task.h"

#define MINI   "tests/fixtures/workflows/valid/mini.yaml"
#define AGENCY "某市医疗保障局"
#define CASE_OF                                                                                    \
    "(m.name IN ('cases', 'alert_deliveries') OR EXISTS (SELECT 1 FROM pragma_table_info(m.name) " \
    "WHERE name = "                                                                                \
    "'case_id'))"

/* The tables keyed by a case, as the store has them (schema 18; alert_acks folded into
 * alerts at 19). */
static const char *const keyed[] = {"cases",       "events",       "clocks",
                                    "case_agency", "alerts",       "case_numbers",
                                    "case_refs",   "case_summary", "case_people"};
#define KEYED_COUNT (sizeof(keyed) / sizeof(keyed[0]))

/* The tables with a case id, and the violations: a "table" row for one without a
 * primary key holding agency, an "index" row for a unique index without it. On SQLite the
 * events' primary key is their place in the log (schema 25: pos, the rowid), and their
 * case key (case_id, seq, agency) a UNIQUE constraint, checked as every unique index is:
 * the rule is for a distributed PostgreSQL (docs/postgresql.md), whose key is unchanged. */
static const char catalog_sqlite[] =
    "SELECT m.name, 'table' FROM sqlite_master m WHERE m.type = 'table' AND " CASE_OF
    " AND NOT EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE pk > 0 AND name = 'agency') "
    "AND NOT (m.name = 'events' AND EXISTS (SELECT 1 FROM pragma_index_list(m.name) l, "
    "pragma_index_info(l.name) i WHERE l.\"unique\" AND i.name = 'agency')) "
    "UNION ALL SELECT m.name, 'index ' || l.name FROM sqlite_master m, pragma_index_list(m.name) l "
    "WHERE m.type = 'table' AND " CASE_OF " AND l.\"unique\" AND NOT EXISTS (SELECT 1 FROM "
    "pragma_index_info(l.name) WHERE name = 'agency') "
    "UNION ALL SELECT m.name, 'keyed' FROM sqlite_master m WHERE m.type = 'table' AND " CASE_OF;
#define PG_CASE_OF                                                                                 \
    "(c.relname IN ('cases', 'alert_deliveries') OR EXISTS (SELECT 1 FROM pg_attribute a WHERE "   \
    "a.attrelid = c.oid AND "                                                                      \
    "a.attname = 'case_id' AND NOT a.attisdropped))"
/* Reads the catalog. OUT *keyed_count: the tables with a case id; bad (size bytes):
 * the violations, "table: what; ..." ("" when none). */
static void catalog(cf_store_t *s, int *keyed_count, char *bad, size_t size)
{
    cf_db_stmt_t *st;
    cf_error_t err;
    const char *sql = catalog_sqlite;
    if (cf_test_pg())
        sql = "SELECT t, w FROM (SELECT c.relname::text AS t, 'table' AS w FROM pg_class c JOIN "
              "pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = "
              "current_schema() AND " PG_CASE_OF
              " AND NOT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
              "c.oid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = c.oid AND i.indisprimary "
              "AND a.attname = 'agency') "
              "UNION ALL SELECT c.relname::text, 'index ' || i.indexrelid::regclass::text FROM "
              "pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_index i ON "
              "i.indrelid = c.oid WHERE c.relkind = 'r' AND n.nspname = current_schema() "
              "AND " PG_CASE_OF
              " AND i.indisunique AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid "
              "= c.oid AND a.attnum = ANY(i.indkey) AND a.attname = 'agency') "
              "UNION ALL SELECT c.relname::text, 'keyed' FROM pg_class c JOIN pg_namespace n ON "
              "n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname = current_schema() "
              "AND " PG_CASE_OF ") AS v";
    if (cf__store_prepare(s, sql, &st, &err) != 0)
        CF__FAIL("catalog: %s", err.text);
    *keyed_count = 0;
    bad[0] = '\0';
    int step;
    while ((step = cf_db_step(st)) == CF_DB_ROW) {
        const char *table = (const char *)cf_db_column_text(st, 0);
        const char *what = (const char *)cf_db_column_text(st, 1);
        if (strcmp(what, "keyed") == 0) {
            (*keyed_count)++;
            continue;
        }
        size_t len = strlen(bad);
        snprintf(bad + len, size - len, "%s: %s; ", table, what);
    }
    ASSERT_EQ(step, CF_DB_DONE);
    cf__store_release(s, st);
}

/* agencykey-1 */
TEST_IMPL(agencykey_catalog)
{
    cf_store_t *s = cf_test_store("agencykey-catalog.db");
    char bad[2048];
    int count = 0;
    catalog(s, &count, bad, sizeof(bad));
    if (bad[0])
        CF__FAIL("a case key without agency: %s", bad);
    /* and alert_deliveries, and idempotency_keys (schema 26: the case an Idempotency-Key
     * opened; it has rows only for an opening that gave a key) */
    ASSERT_EQ(count, (int)KEYED_COUNT + 2);
    /* the check itself: a table keyed by case id alone, and one whose unique index
     * lacks agency, are both reported */
    cf_error_t err;
    ASSERT_EQ(cf__store_exec(s,
                             "CREATE TABLE probe_a(case_id BIGINT PRIMARY KEY, x TEXT);"
                             "CREATE TABLE probe_b(case_id BIGINT NOT NULL, agency TEXT NOT NULL, "
                             "n TEXT, PRIMARY KEY(case_id, agency));"
                             "CREATE UNIQUE INDEX probe_b_n ON probe_b(n)",
                             &err),
              0);
    catalog(s, &count, bad, sizeof(bad));
    ASSERT_EQ(count, (int)KEYED_COUNT + 4);
    ASSERT_CONTAINS(bad, "probe_a: table");
    ASSERT_CONTAINS(bad, "probe_b: index probe_b_n");
    ASSERT(strstr(bad, "probe_b: table") == NULL);
    cf_store_close(s);
    return 0;
}

/* How many of table's rows of case id carry agency, and how many do not. */
static void rows_of(cf_store_t *s, const char *table, int64_t id, const char *agency, int *with,
                    int *without)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT COALESCE(SUM(CASE WHEN agency = ?2 THEN 1 ELSE 0 END), 0), "
             "COALESCE(SUM(CASE WHEN agency = ?2 THEN 0 ELSE 1 END), 0) FROM %s WHERE %s = ?1",
             table, strcmp(table, "cases") == 0 ? "id" : "case_id");
    cf_db_stmt_t *st;
    cf_error_t err;
    if (cf_db_prepare(s->db, sql, 0, &st) != 0)
        CF__FAIL("%s: %s", sql, cf_db_errmsg(s->db));
    cf_db_bind_int64(st, 1, id);
    cf_db_bind_text(st, 2, agency, -1, CF_DB_STATIC);
    ASSERT_EQ(cf_db_step(st), CF_DB_ROW);
    *with = (int)cf_db_column_int64(st, 0);
    *without = (int)cf_db_column_int64(st, 1);
    cf_db_finalize(st);
    (void)err;
}

/* Two cases: a with AGENCY (opened through cf_store_case_open_tx, as the daemon
 * and the ops layer open), b with none (cf_store_case_open); each filed, its
 * alerts indexed; a given a 案号, a 决定书文号, handlers, a summary and an acknowledged
 * alert. */
static void two_cases(cf_store_t *s, cf_workflow_t *wf, cf_calendar_t *cal, cf_case_t *a,
                      cf_case_t *b)
{
    cf_error_t err;
    cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", b);
    json_t *party = json_pack("{s:s, s:s}", "name", "某某诊所", "type", "定点医药机构");
    cf_open_t req = {.actor = "张三",
                     .role = "handler",
                     .party = party,
                     .at = cf_test_time("2026-03-02T10:00:00+08:00")};
    json_t *events = NULL;
    cf_refusal_t why;
    ASSERT_EQ(cf_engine_open(wf, cal, &req, &events, &why), 0);
    ASSERT_EQ(cf_case_init(a), 0);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_case_open_tx(s, a, events, AGENCY, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    json_decref(events);
    json_decref(party);
    cf_refusal_dispose(&why);
    cf_case_t *both[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        ASSERT_EQ(cf_test_act(s, wf, cal, both[i], "file", "head", "2026-03-02T15:00:00+08:00",
                              "{\"reason\": \"举报\"}", "立案审批表", NULL),
                  0);
        ASSERT_EQ(cf_store_alerts_sync(s, both[i], wf, cal, &err), 0);
    }
    ASSERT_EQ(cf_store_case_number_put(s, a->id, "某医保案〔2026〕1号", &err), 0);
    ASSERT_EQ(cf_store_ref_put(s, a->id, "decision_number", "某医保罚〔2026〕1号", &err), 0);
    json_t *sum = json_pack("{s:s, s:s, s:[s, s], s:s}", "agency", AGENCY, "name", "某某诊所案",
                            "handlers", "甲", "乙", "head", "丙");
    ASSERT_EQ(cf_store_summary_put(s, a->id, NULL, sum, &err), 0);
    json_decref(sum);
    cf_alert_t due[16];
    int n = cf_store_alerts_due(s, cf_test_time("2030-01-01T00:00:00+08:00"), due, 16, &err), k = 0;
    while (k < n && due[k].case_id != a->id)
        k++;
    ASSERT(k < n); /* one of a's alerts fired, tracked and acknowledged */
    ASSERT_EQ(cf_store_alert_mark(s, due[k].id, due[k].due_at, &err), 0);
    ASSERT_EQ(cf_store_alert_ack(s, due[k].id, due[k].due_at + 60, &err), 0);
}

/* Every keyed table's rows of a carry AGENCY, and a has rows in each; those of b
 * carry "". */
static void check_rows(cf_store_t *s, const cf_case_t *a, const cf_case_t *b)
{
    for (size_t t = 0; t < KEYED_COUNT; t++) {
        int with = 0, without = 0;
        rows_of(s, keyed[t], a->id, AGENCY, &with, &without);
        if (without != 0 || with == 0)
            CF__FAIL("%s: case %lld: %d rows with its agency, %d without", keyed[t],
                     (long long)a->id, with, without);
        rows_of(s, keyed[t], b->id, "", &with, &without);
        if (without != 0)
            CF__FAIL("%s: case %lld (no agency): %d rows with an agency", keyed[t],
                     (long long)b->id, without);
    }
}

/* cf_store_case_get of id has chain head c's and its events verify. */
static void chain_verifies(cf_store_t *s, const cf_case_t *c)
{
    cf_case_t got;
    cf_error_t err;
    json_t *events;
    ASSERT_EQ(cf_store_case_get(s, c->id, &got, &err), 0); /* it initializes got */
    ASSERT_STR_EQ(got.head, c->head);
    ASSERT_EQ(got.version, c->version);
    ASSERT_EQ(cf_store_case_events(s, c->id, &events, &err), 0);
    ASSERT_EQ(json_array_size(events), (size_t)c->version);
    cf_audit_t audit;
    ASSERT_EQ(cf_audit_init(&audit, c->id), 0);
    ASSERT_EQ(cf_audit_verify(events, got.algo, got.head, &audit), 0);
    ASSERT_EQ(audit.items_count, 0);
    cf_audit_dispose(&audit);
    json_decref(events);
    cf_case_dispose(&got);
}

/* Acts notify on c through the group commit's path, the agency given by the caller
 * (cf_store_case_append_as: bound into the rows, not read from the case row). */
static void notify_as(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal,
                      cf_case_t *c, const char *agency)
{
    json_t *facts = json_pack("{s:i}", "notified_fine", 20000), *events = NULL;
    cf_act_t req = {.action = "notify",
                    .actor = "张三",
                    .role = "handler",
                    .facts = facts,
                    .at = cf_test_time("2026-03-03T10:00:00+08:00")};
    cf_refusal_t why;
    cf_error_t err;
    ASSERT_EQ(cf_engine_act(wf, cal, c, &req, &events, &why), 0);
    ASSERT_EQ(cf_store_tx_begin(s, &err), 0);
    ASSERT_EQ(cf_store_savepoint(s, &err), 0);
    ASSERT_EQ(cf_store_case_append_as(s, c, events, agency, &err), 0);
    ASSERT_EQ(cf_store_savepoint_release(s, &err), 0);
    ASSERT_EQ(cf_store_tx_commit(s, &err), 0);
    cf_refusal_dispose(&why);
    json_decref(events);
    json_decref(facts);
}

/* agencykey-2 */
TEST_IMPL(agencykey_rows)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "agencykey-rows.db");
    cf_case_t a, b;
    two_cases(e.s, e.wf, e.cal, &a, &b);     /* appended with the agency read from the case row */
    notify_as(e.s, e.wf, e.cal, &a, AGENCY); /* ... and given by the caller */
    notify_as(e.s, e.wf, e.cal, &b, "");
    check_rows(e.s, &a, &b);
    char agency[128];
    cf_error_t err;
    ASSERT_EQ(cf_store_case_agency(e.s, a.id, agency, sizeof(agency), &err), 0);
    ASSERT_STR_EQ(agency, AGENCY);
    ASSERT_EQ(cf_store_case_agency(e.s, b.id, agency, sizeof(agency), &err), CF_ENOTFOUND);
    chain_verifies(e.s, &a);
    chain_verifies(e.s, &b);
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_test_env_close(&e);
    return 0;
}

/* Step 18 undone on PostgreSQL: each key as it was before it, events.id (kept there
 * by step 18, cf_events_place's order) the primary key again, and PostgreSQL's version
 * before it: 18 (it counts its own step, the positions given at commit). First its own
 * step 23, whose update trigger names events.agency: the trigger as it was before. */
static const char undo_18_pg[] =
    "CREATE FUNCTION cf_events_place_once() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN IF OLD.pos IS NULL AND NEW.pos IS NOT NULL AND to_jsonb(NEW) - 'pos' = "
    "to_jsonb(OLD) - 'pos' THEN RETURN NEW; END IF; "
    "RAISE EXCEPTION 'events are append-only'; END$$;"
    "DROP TRIGGER events_no_update ON events;"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events FOR EACH ROW EXECUTE FUNCTION "
    "cf_events_place_once();"
    "ALTER TABLE cases DROP COLUMN agency; ALTER TABLE cases ADD PRIMARY KEY(id);"
    "ALTER TABLE events DROP COLUMN agency;"
    "ALTER TABLE events ADD PRIMARY KEY(id);"
    "ALTER TABLE events ADD UNIQUE(case_id, seq); CREATE UNIQUE INDEX events_pos ON events(pos);"
    "ALTER TABLE clocks DROP COLUMN agency; ALTER TABLE clocks ADD PRIMARY KEY(case_id, clock_id);"
    "ALTER TABLE alerts DROP COLUMN agency; ALTER TABLE alerts ADD PRIMARY KEY(alert_id);"
    "ALTER TABLE alert_acks DROP COLUMN agency; ALTER TABLE alert_acks ADD PRIMARY KEY(alert_id);"
    "ALTER TABLE case_numbers DROP COLUMN agency;"
    "ALTER TABLE case_numbers ADD PRIMARY KEY(case_id), ADD UNIQUE(number);"
    "ALTER TABLE case_refs DROP COLUMN agency;"
    "ALTER TABLE case_refs ADD PRIMARY KEY(case_id, kind), ADD UNIQUE(kind, number);"
    "ALTER TABLE case_people DROP COLUMN agency;"
    "ALTER TABLE case_people ADD PRIMARY KEY(case_id, role, name);"
    "ALTER TABLE case_summary DROP CONSTRAINT case_summary_pkey, ADD PRIMARY KEY(case_id);"
    "ALTER TABLE case_agency DROP CONSTRAINT case_agency_pkey, ADD PRIMARY KEY(case_id);"
    "UPDATE schema_version SET version = 18";

/* agencykey-3 */
TEST_IMPL(agencykey_migration)
{
    cf_workflow_t *wf = cf_test_workflow(MINI);
    cf_calendar_t *cal = cf_test_calendar();
    char path[512];
    cf_test_db("agencykey-migrate.db", path, sizeof(path));
    cf_store_t *s;
    cf_error_t err;
    ASSERT_EQ(cf_store_open(path, &s, &err), 0);
    cf_case_t a, b;
    two_cases(s, wf, cal, &a, &b);
    /* back to schema 17 */
    if (cf_test_pg()) {
        if (cf__store_exec(s, cf_test_undo_19_pg, &err) != 0)
            CF__FAIL("undo 19: %s", err.text);
        if (cf__store_exec(s, undo_18_pg, &err) != 0)
            CF__FAIL("undo 18: %s", err.text);
        cf_store_close(s);
    } else {
        cf_store_close(s);
        sqlite3 *db;
        char *msg = NULL;
        ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
        if (sqlite3_exec(db, cf_test_undo_18_sqlite, NULL, NULL, &msg) != SQLITE_OK ||
            sqlite3_exec(db, "PRAGMA user_version = 17", NULL, NULL, &msg) != SQLITE_OK)
            CF__FAIL("undo 18: %s", msg ? msg : "?");
        sqlite3_close(db);
    }
    ASSERT(cf_store_open_readonly(path, &s, &err) != 0); /* 17: a reader refuses it */
    ASSERT_CONTAINS(err.text, cf_test_pg() ? "version 18" : "version 17");
    ASSERT_EQ(cf_store_open(path, &s, &err), 0); /* migrates */
    int count = 0;
    char bad[2048];
    catalog(s, &count, bad, sizeof(bad));
    if (bad[0])
        CF__FAIL("after the migration, a case key without agency: %s", bad);
    check_rows(s, &a, &b);
    chain_verifies(s, &a);
    chain_verifies(s, &b);
    char number[128];
    ASSERT_EQ(cf_store_case_number_get(s, a.id, number, sizeof(number), &err), 0);
    ASSERT_STR_EQ(number, "某医保案〔2026〕1号");
    /* the cases go on, and the log stays append-only */
    ASSERT_EQ(cf_test_act(s, wf, cal, &a, "notify", "handler", "2026-03-05T10:00:00+08:00",
                          "{\"notified_fine\": 500.5}", NULL, NULL),
              0);
    check_rows(s, &a, &b);
    chain_verifies(s, &a);
    ASSERT(cf__store_exec(s, "UPDATE events SET pos = pos + 1", &err) != 0);
    ASSERT_CONTAINS(err.text, "append-only");
    cf_case_dispose(&a);
    cf_case_dispose(&b);
    cf_store_close(s);
    cf_calendar_free(cal);
    cf_workflow_free(wf);
    return 0;
}

/* agencykey-4 */
TEST_IMPL(agencykey_bound_plans)
{
    CF_TEST_SQLITE_ONLY("reads the SQLite file's query plans");
    cf_store_t *s = cf_test_store("agencykey-plans.db");
    cf_store_close(s);
    char db[512];
    snprintf(db, sizeof(db), "%s/agencykey-plans.db", cf_test_tmpdir());
    sqlite3 *h;
    ASSERT_EQ(sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    for (int i = 0; i < CF__STORE_AGENCY_WRITES; i++) {
        const char *sql = cf__store_agency_writes[i];
        char plan[1200];
        snprintf(plan, sizeof(plan), "EXPLAIN QUERY PLAN %s", sql);
        sqlite3_stmt *st;
        ASSERT_EQ(sqlite3_prepare_v2(h, plan, -1, &st, NULL), SQLITE_OK);
        int reads = strncmp(sql, "SELECT", 6) == 0, updates = strncmp(sql, "UPDATE", 6) == 0;
        int of_cases = 0, by_key = 0, by_whole_key = 0, scans = 0;
        while (sqlite3_step(st) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(st, 3);
            of_cases += strstr(detail, " cases ") != NULL;
            by_key += strstr(detail, "SEARCH cases ") != NULL && strstr(detail, "(id=?)") != NULL;
            by_whole_key += strstr(detail, "SEARCH ") && strstr(detail, "=? AND agency=?)");
            scans += strncmp(detail, "SCAN", 4) == 0;
        }
        sqlite3_finalize(st);
        if (scans != 0 || of_cases != reads || by_key != reads || by_whole_key != updates)
            CF__FAIL("%s: %d scans, %d reads of cases, %d by its key, %d by the whole key", sql,
                     scans, of_cases, by_key, by_whole_key);
    }
    sqlite3_close(h);
    return 0;
}
