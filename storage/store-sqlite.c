/*
 * store-sqlite.c -- the SQLite backend: opening, schema and migrations, and the
 * reference data (workflow definitions, calendars, matters, documents). Cases
 * and events are in store-cases.c.
 *
 * Design: one database file in WAL mode with synchronous=FULL, so a committed
 * transition survives a power cut; busy_timeout so two command-line processes
 * wait for each other rather than fail; temp_store=MEMORY, so the statement
 * journal of the daemon's savepoints (one per request, one per alert) stays in
 * memory instead of spilling into a temporary file that is written, then closed,
 * on every commit (a chunk of 64 alerts spilled); journal_size_limit, so a
 * write-ahead log that grew under a burst is cut back when it starts over (the
 * daemon makes it start over: serve-writer.c), instead of keeping its largest size
 * until the last connection closes. The schema is versioned with PRAGMA
 * user_version and migrated forward in one transaction at open.
 *
 * SCHEMA (version 1)
 *   workflows  id, version        stored version per id (1, 2, ...); PRIMARY KEY
 *              hash               SHA-256 of source, UNIQUE: a case pins it
 *              author_version     the file's own `version`
 *              power_type, title  for listings
 *              source             the YAML text exactly as loaded
 *              loaded_at          seconds since the epoch
 *   calendars  year PRIMARY KEY, source (YAML text)
 *   matters    id PRIMARY KEY, power_types (JSON array text), name, body (JSON)
 *   documents  sha256 PRIMARY KEY, size, content BLOB (empty since version 4:
 *              the bytes are in document_chunks: sha256, n from 0, data of at
 *              most 256 KiB; PRIMARY KEY(sha256, n))
 *   cases      id INTEGER PRIMARY KEY; workflow_id, workflow_version, workflow_hash;
 *              matter_id; parent_id; party (JSON); state; closed (0/1); version
 *              (seq of the last event); head (hash of the last event); algo;
 *              opened_at, updated_at, closed_at; snapshot (JSON, case-snapshot.c)
 *   events     id; case_id, seq UNIQUE together; type; at (ISO text); body (the
 *              event JSON as hashed, with prev and hash); hash. Triggers refuse
 *              UPDATE and DELETE: the log is append-only.
 *   clocks     case_id, clock_id PRIMARY KEY; state; deadline; party (1: the
 *              party's own period, which lapses rather than breaches). Partial index on
 *              deadline WHERE state = 'running': what is due or overdue is an
 *              index range, never a scan of cases.
 *   (version 2: tokens, case_agency, alerts -- store-tokens.c, store-alerts.c;
 *    version 3: dictionaries, the 案由 dictionaries -- store-causes.c;
 *    version 4: events.pos, the event's place in the log of all cases in commit
 *    order (0, 1, 2, ...; UNIQUE), and anchors, the signed checkpoints taken
 *    (tree_size, root_hash, timestamp, key_id, body: the checkpoint's JSON
 *    without its index) -- store-anchor.c;
 *    version 5: document_chunks -- store-ref.c;
 *    version 6: clocks.provisional, the first provisional year its deadline
 *    assumed (0: settled); calendar_version(version, changed_at), one row,
 *    bumped by every calendar change, which daemons poll -- store-calendar.c;
 *    version 7: tokens.expires_at, revoked_at, last_used_at -- store-token-life.c;
 *    version 8: settings(key PRIMARY KEY, value), what a bureau sets once for
 *    the database, e.g. its default agency -- store-tokens.c;
 *    version 9: case_counters(agency, year, last), case_numbers(case_id, number
 *    UNIQUE): the 案号 given at filing -- store-tokens.c;
 *    version 10: ref_counters, case_refs (决定书文号, 档案号), case_summary,
 *    case_people (handlers and head), stat_counts -- store-summary.c; clocks_due,
 *    the running clocks' deadlines covering party and case, which the report's
 *    overdue and due counts read without a row lookup -- store-stats.c;
 *    version 11: alert_acks, alerts acknowledged and escalated -- store-alert-ack.c;
 *    version 12: alert ids in ISO basic time, alerts.prov_first/prov_last, the
 *    provisional years of a pending alert's clock -- store-alerts.c; the
 *    partial index cases_open, the cases not closed -- store-gauges.c;
 *    version 13: alerts_due on (due_at, alert_id), the pending alerts in firing order;
 *    version 14: settings.summary_backfill, set when some case has no summary (last
 *    changed before version 10): the ops layer writes them at the next open for
 *    writing (cf_ops_summaries_backfill) and clears it;
 *    version 15: session_ends, the workbench sessions signed out -- store-session.c;
 *    version 16: alerts.claim_owner, claim_until: which daemon fires a due alert, until
 *    when -- store-claim.c;
 *    version 17: settings.session_key, the key of the session cookies, made with the
 *    database -- store-session.c;
 *    version 18: agency in every table keyed by a case, at the end of its primary key
 *    and of each unique index (cases, events, clocks, case_agency, alerts, alert_acks,
 *    case_numbers, case_refs, case_summary, case_people), '' for a case opened without
 *    one; events.id dropped -- docs/postgresql.md;
 *    version 19: alerts.acked_at, escalated_at, alert_acks dropped -- store-alert-ack.c;
 *    version 20: alert_deliveries, the webhook deliveries owed -- store-outbox.c;
 *    version 21: alert_deliveries.agency, in its primary key; the partial index
 *    alert_deliveries_given_up -- store-outbox.c;
 *    version 22: alerts' rowids from their due instant, the table clustered by it --
 *    store-alerts.c;
 *    version 25: events.pos the table's rowid (INTEGER PRIMARY KEY), the key (case_id, seq,
 *    agency) a UNIQUE constraint, the index events_pos dropped;
 *    version 26: idempotency_keys, the first answer to each Idempotency-Key of POST
 *    /v1/cases -- store-idem.c)
 */
#include "store-int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* The SQLite schema, step by step; PostgreSQL's is in store-pg.c (same tables,
 * columns and indexes; see docs/postgresql.md). */
const char *const cf__store_migrations[] = {
    /* 1 */
    "CREATE TABLE workflows(id TEXT NOT NULL, version INTEGER NOT NULL, hash TEXT NOT NULL "
    "UNIQUE, author_version INTEGER NOT NULL, power_type TEXT NOT NULL, title TEXT NOT NULL, "
    "source TEXT NOT NULL, loaded_at INTEGER NOT NULL, PRIMARY KEY(id, version));"
    "CREATE TABLE calendars(year INTEGER PRIMARY KEY, source TEXT NOT NULL);"
    "CREATE TABLE matters(id TEXT PRIMARY KEY, power_types TEXT NOT NULL, name TEXT, "
    "body TEXT NOT NULL);"
    "CREATE TABLE documents(sha256 TEXT PRIMARY KEY, size INTEGER NOT NULL, content BLOB NOT "
    "NULL);"
    "CREATE TABLE cases(id INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL, workflow_version "
    "INTEGER NOT NULL, workflow_hash TEXT NOT NULL, matter_id TEXT, parent_id INTEGER, party "
    "TEXT, state TEXT NOT NULL, closed INTEGER NOT NULL, version INTEGER NOT NULL, head TEXT NOT "
    "NULL, algo TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
    "closed_at INTEGER, snapshot TEXT NOT NULL);"
    "CREATE INDEX cases_state ON cases(state);"
    "CREATE INDEX cases_workflow ON cases(workflow_id);"
    "CREATE INDEX cases_parent ON cases(parent_id);"
    "CREATE TABLE events(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, seq INTEGER NOT NULL, "
    "type TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, "
    "UNIQUE(case_id, seq));"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE TABLE clocks(case_id INTEGER NOT NULL, clock_id TEXT NOT NULL, state TEXT NOT NULL, "
    "deadline INTEGER NOT NULL, party INTEGER NOT NULL, PRIMARY KEY(case_id, clock_id));"
    "CREATE INDEX clocks_running ON clocks(deadline) WHERE state = 'running';",
    /* 2: the daemon: bearer tokens, agencies (store-tokens.c), alerts (store-alerts.c) */
    "CREATE TABLE tokens(hash TEXT PRIMARY KEY, agency TEXT NOT NULL, role TEXT NOT NULL, "
    "name TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE case_agency(case_id INTEGER PRIMARY KEY, agency TEXT NOT NULL);"
    "CREATE INDEX case_agency_agency ON case_agency(agency);"
    "CREATE TABLE alerts(alert_id TEXT PRIMARY KEY, case_id INTEGER NOT NULL, clock_id TEXT NOT "
    "NULL, point TEXT NOT NULL, due_at INTEGER NOT NULL, deadline INTEGER NOT NULL, fired_at "
    "INTEGER);"
    "CREATE INDEX alerts_due ON alerts(due_at) WHERE fired_at IS NULL;"
    "CREATE INDEX alerts_case ON alerts(case_id);",
    /* 3: 案由 dictionaries (store-causes.c) */
    "CREATE TABLE dictionaries(id TEXT PRIMARY KEY, source TEXT NOT NULL, loaded_at INTEGER NOT "
    "NULL);",
    /* 4: the log's commit order and signed checkpoints (store-anchor.c). Events
     * already stored are numbered in the order of their row ids, which is the
     * order SQLite committed them in (writers are serialized and a row id is one
     * more than the largest); the update trigger is lifted for that one update. */
    "ALTER TABLE events ADD COLUMN pos INTEGER;"
    "DROP TRIGGER IF EXISTS events_no_update;"
    "UPDATE events SET pos = r.p FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS p FROM "
    "events) AS r WHERE r.id = events.id;"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE UNIQUE INDEX events_pos ON events(pos);"
    "CREATE TABLE anchors(id INTEGER PRIMARY KEY, tree_size INTEGER NOT NULL, root_hash TEXT NOT "
    "NULL, timestamp TEXT NOT NULL, key_id TEXT NOT NULL, body TEXT NOT NULL);",
    /* 5: documents kept in chunks (store-ref.c) */
    "CREATE TABLE document_chunks(sha256 TEXT NOT NULL, n INTEGER NOT NULL, data BLOB NOT NULL, "
    "PRIMARY KEY(sha256, n));",
    /* 6: provisional deadlines and the calendar's version (R11, store-calendar.c) */
    "ALTER TABLE clocks ADD COLUMN provisional INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX clocks_provisional ON clocks(provisional) WHERE provisional > 0;"
    "CREATE TABLE calendar_version(id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT "
    "NULL, changed_at INTEGER NOT NULL);"
    "INSERT INTO calendar_version VALUES (1, 0, 0);",
    /* 7: a token's expiry, revocation and last use (store-token-life.c) */
    "ALTER TABLE tokens ADD COLUMN expires_at INTEGER;"
    "ALTER TABLE tokens ADD COLUMN revoked_at INTEGER;"
    "ALTER TABLE tokens ADD COLUMN last_used_at INTEGER;",
    /* 8: the database's settings, e.g. its default agency (store-tokens.c) */
    "CREATE TABLE IF NOT EXISTS settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 9: 案号, a counter per agency and year and the numbers given (store-tokens.c) */
    "CREATE TABLE IF NOT EXISTS case_counters(agency TEXT NOT NULL, year INTEGER NOT NULL, "
    "last INTEGER NOT NULL, PRIMARY KEY(agency, year));"
    "CREATE TABLE IF NOT EXISTS case_numbers(case_id INTEGER PRIMARY KEY, number TEXT NOT NULL "
    "UNIQUE);",
    /* 10: the case file: 决定书文号 and 档案号, summaries, people, counts (store-summary.c) */
    "CREATE TABLE IF NOT EXISTS ref_counters(kind TEXT NOT NULL, agency TEXT NOT NULL, year "
    "INTEGER NOT NULL, last INTEGER NOT NULL, PRIMARY KEY(kind, agency, year));"
    "CREATE TABLE IF NOT EXISTS case_refs(case_id INTEGER NOT NULL, kind TEXT NOT NULL, number "
    "TEXT NOT NULL, PRIMARY KEY(case_id, kind), UNIQUE(kind, number));"
    "CREATE INDEX IF NOT EXISTS case_refs_number ON case_refs(number);"
    "CREATE TABLE IF NOT EXISTS case_summary(case_id INTEGER PRIMARY KEY, agency TEXT NOT NULL, "
    "name TEXT, body TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS case_people(case_id INTEGER NOT NULL, role TEXT NOT NULL, name "
    "TEXT NOT NULL, PRIMARY KEY(case_id, role, name));"
    "CREATE INDEX IF NOT EXISTS case_people_name ON case_people(name, case_id);"
    "CREATE TABLE IF NOT EXISTS stat_counts(agency TEXT NOT NULL, handler TEXT NOT NULL, day "
    "INTEGER NOT NULL, dim TEXT NOT NULL, key TEXT NOT NULL, n INTEGER NOT NULL, fen INTEGER NOT "
    "NULL, PRIMARY KEY(agency, handler, day, dim, key)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS clocks_due ON clocks(deadline, party, case_id) WHERE state = "
    "'running';",
    /* 11: alerts acknowledged and escalated (store-alert-ack.c) */
    "CREATE TABLE IF NOT EXISTS alert_acks(alert_id TEXT PRIMARY KEY, case_id INTEGER NOT NULL, "
    "fired_at INTEGER NOT NULL, acked_at INTEGER, escalated_at INTEGER);"
    "CREATE INDEX IF NOT EXISTS alert_acks_open ON alert_acks(fired_at) WHERE acked_at IS NULL "
    "AND escalated_at IS NULL;",
    /* 12: alert ids without epoch seconds, and the provisional years of a pending
     * alert (store-alerts.c). "<case>:<clock>:<point>:<epoch>" becomes
     * "<case>:<clock>:<point>:<YYYYMMDDTHHMMSS+0800>", the due instant in China
     * time (the same bijection as cf_store_alert_id; old ids still resolve through
     * cf_store_alert_id_canon); the years come from the clock in the case's
     * snapshot, as cf_store_alerts_sync would write them. */
    "ALTER TABLE alerts ADD COLUMN prov_first INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE alerts ADD COLUMN prov_last INTEGER NOT NULL DEFAULT 0;"
    "UPDATE alerts SET alert_id = case_id || ':' || clock_id || ':' || point || ':' || "
    "strftime('%Y%m%dT%H%M%S', due_at + 28800, 'unixepoch') || '+0800';"
    "UPDATE alerts SET prov_first = COALESCE(k.f, 0), prov_last = COALESCE(k.l, 0) FROM (SELECT "
    "c.id AS case_id, json_extract(j.value, '$.id') AS clock_id, json_extract(j.value, "
    "'$.provisional[0]') AS f, json_extract(j.value, '$.provisional[1]') AS l FROM cases c, "
    "json_each(c.snapshot, '$.clocks') j WHERE c.id IN (SELECT case_id FROM alerts WHERE "
    "fired_at IS NULL) AND json_valid(c.snapshot)) AS k WHERE alerts.fired_at IS NULL AND "
    "k.case_id = alerts.case_id AND k.clock_id = alerts.clock_id;"
    /* the open cases, counted from an index (store-gauges.c) */
    "CREATE INDEX IF NOT EXISTS cases_open ON cases(closed) WHERE closed = 0;",
    /* 13: the pending alerts in the order they fire (store-alerts.c): the index gives
     * alerts due on the same second in alert_id order, so reading the next 1,024 of a
     * million due at once is a walk down the index, not a sort of all of them */
    "DROP INDEX IF EXISTS alerts_due;"
    "CREATE INDEX alerts_due ON alerts(due_at, alert_id) WHERE fired_at IS NULL;",
    /* 14: cases last changed before version 10 have no summary: marked here, once,
     * for the ops layer to summarize at the next open for writing
     * (cf_ops_summaries_backfill; store-summary.c) */
    "INSERT OR REPLACE INTO settings(key, value) SELECT 'summary_backfill', '1' WHERE EXISTS "
    "(SELECT 1 FROM cases WHERE id NOT IN (SELECT case_id FROM case_summary));",
    /* 15: the workbench's sessions signed out, seen by every daemon (store-session.c) */
    "CREATE TABLE IF NOT EXISTS session_ends(id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL);",
    /* 16: due alerts claimed by one daemon of several, with a lease (store-claim.c) */
    "ALTER TABLE alerts ADD COLUMN claim_owner TEXT;"
    "ALTER TABLE alerts ADD COLUMN claim_until INTEGER;",
    /* 17: the key that signs the workbench's session cookies, made with the database
     * (store-session.c), so that a database is complete after `init` and no two daemons
     * race to make it; a key a daemon made before (the setting exists) is kept.
     * randomblob: SQLite's generator, seeded from the operating system's randomness */
    "INSERT INTO settings(key, value) VALUES ('" CF_SETTING_SESSION_KEY "', "
    "lower(hex(randomblob(32)))) ON CONFLICT(key) DO NOTHING;",
    /* 18: the agency in every case key (issue 24; docs/postgresql.md, Citus): each
     * table keyed by a case gets agency TEXT NOT NULL, filled from case_agency ('' for
     * a case opened without one), and its primary key and unique indexes end with it.
     * SQLite cannot change a key in place: each table is rebuilt, its indexes and the
     * events' triggers made again. events.id (the row id, read by nothing) goes: the
     * event's key is (case_id, seq, agency), its place in the log pos. */
    "CREATE TABLE cases_18(id INTEGER NOT NULL, workflow_id TEXT NOT NULL, workflow_version "
    "INTEGER NOT NULL, workflow_hash TEXT NOT NULL, matter_id TEXT, parent_id INTEGER, party "
    "TEXT, state TEXT NOT NULL, closed INTEGER NOT NULL, version INTEGER NOT NULL, head TEXT NOT "
    "NULL, algo TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
    "closed_at INTEGER, snapshot TEXT NOT NULL, agency TEXT NOT NULL, PRIMARY KEY(id, agency));"
    "INSERT INTO cases_18 SELECT t.id, t.workflow_id, t.workflow_version, t.workflow_hash, "
    "t.matter_id, t.parent_id, t.party, t.state, t.closed, t.version, t.head, t.algo, t.opened_at, "
    "t.updated_at, t.closed_at, t.snapshot, COALESCE((SELECT a.agency FROM case_agency a WHERE "
    "a.case_id = t.id), '') FROM cases t ORDER BY t.rowid;"
    "DROP TABLE cases;"
    "ALTER TABLE cases_18 RENAME TO cases;"
    "CREATE INDEX cases_state ON cases(state);"
    "CREATE INDEX cases_workflow ON cases(workflow_id);"
    "CREATE INDEX cases_parent ON cases(parent_id);"
    "CREATE INDEX cases_open ON cases(closed) WHERE closed = 0;"
    "CREATE TABLE events_18(case_id INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT NULL, "
    "at TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, pos INTEGER, agency TEXT NOT "
    "NULL, PRIMARY KEY(case_id, seq, agency));"
    "INSERT INTO events_18 SELECT t.case_id, t.seq, t.type, t.at, t.body, t.hash, t.pos, "
    "COALESCE((SELECT a.agency FROM case_agency a WHERE a.case_id = t.case_id), '') FROM events t "
    "ORDER BY t.rowid;"
    "DROP TRIGGER events_no_update;"
    "DROP TRIGGER events_no_delete;"
    "DROP TABLE events;"
    "ALTER TABLE events_18 RENAME TO events;"
    "CREATE UNIQUE INDEX events_pos ON events(pos, agency);"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE TABLE clocks_18(case_id INTEGER NOT NULL, clock_id TEXT NOT NULL, state TEXT NOT "
    "NULL, deadline INTEGER NOT NULL, party INTEGER NOT NULL, provisional INTEGER NOT NULL "
    "DEFAULT 0, agency TEXT NOT NULL, PRIMARY KEY(case_id, clock_id, agency));"
    "INSERT INTO clocks_18 SELECT t.case_id, t.clock_id, t.state, t.deadline, t.party, "
    "t.provisional, COALESCE((SELECT a.agency FROM case_agency a WHERE "
    "a.case_id = t.case_id), '') FROM clocks t;"
    "DROP TABLE clocks;"
    "ALTER TABLE clocks_18 RENAME TO clocks;"
    "CREATE INDEX clocks_running ON clocks(deadline) WHERE state = 'running';"
    "CREATE INDEX clocks_provisional ON clocks(provisional) WHERE provisional > 0;"
    "CREATE INDEX clocks_due ON clocks(deadline, party, case_id) WHERE state = 'running';"
    "CREATE TABLE alerts_18(alert_id TEXT NOT NULL, case_id INTEGER NOT NULL, clock_id TEXT NOT "
    "NULL, point TEXT NOT NULL, due_at INTEGER NOT NULL, deadline INTEGER NOT NULL, fired_at "
    "INTEGER, prov_first INTEGER NOT NULL DEFAULT 0, prov_last INTEGER NOT NULL DEFAULT 0, "
    "claim_owner TEXT, claim_until INTEGER, agency TEXT NOT NULL, PRIMARY KEY(alert_id, "
    "agency));"
    "INSERT INTO alerts_18 SELECT t.alert_id, t.case_id, t.clock_id, t.point, t.due_at, "
    "t.deadline, t.fired_at, t.prov_first, t.prov_last, t.claim_owner, t.claim_until, "
    "COALESCE((SELECT a.agency FROM case_agency a WHERE "
    "a.case_id = t.case_id), '') FROM alerts t;"
    "DROP TABLE alerts;"
    "ALTER TABLE alerts_18 RENAME TO alerts;"
    "CREATE INDEX alerts_due ON alerts(due_at, alert_id) WHERE fired_at IS NULL;"
    "CREATE INDEX alerts_case ON alerts(case_id);"
    "CREATE TABLE alert_acks_18(alert_id TEXT NOT NULL, case_id INTEGER NOT NULL, fired_at "
    "INTEGER NOT NULL, acked_at INTEGER, escalated_at INTEGER, agency TEXT NOT NULL, PRIMARY "
    "KEY(alert_id, agency));"
    "INSERT INTO alert_acks_18 SELECT t.alert_id, t.case_id, t.fired_at, t.acked_at, "
    "t.escalated_at, COALESCE((SELECT a.agency FROM case_agency a WHERE "
    "a.case_id = t.case_id), '') FROM alert_acks t;"
    "DROP TABLE alert_acks;"
    "ALTER TABLE alert_acks_18 RENAME TO alert_acks;"
    "CREATE INDEX alert_acks_open ON alert_acks(fired_at) WHERE acked_at IS NULL AND "
    "escalated_at IS NULL;"
    "CREATE TABLE case_numbers_18(case_id INTEGER NOT NULL, number TEXT NOT NULL, agency TEXT "
    "NOT NULL, PRIMARY KEY(case_id, agency), UNIQUE(number, agency));"
    "INSERT INTO case_numbers_18 SELECT t.case_id, t.number, COALESCE((SELECT a.agency FROM "
    "case_agency a WHERE "
    "a.case_id = t.case_id), '') FROM case_numbers t;"
    "DROP TABLE case_numbers;"
    "ALTER TABLE case_numbers_18 RENAME TO case_numbers;"
    "CREATE TABLE case_refs_18(case_id INTEGER NOT NULL, kind TEXT NOT NULL, number TEXT NOT "
    "NULL, agency TEXT NOT NULL, PRIMARY KEY(case_id, kind, agency), UNIQUE(kind, number, "
    "agency));"
    "INSERT INTO case_refs_18 SELECT t.case_id, t.kind, t.number, COALESCE((SELECT a.agency FROM "
    "case_agency a WHERE "
    "a.case_id = t.case_id), '') FROM case_refs t;"
    "DROP TABLE case_refs;"
    "ALTER TABLE case_refs_18 RENAME TO case_refs;"
    "CREATE INDEX case_refs_number ON case_refs(number);"
    "CREATE TABLE case_summary_18(case_id INTEGER NOT NULL, agency TEXT NOT NULL, name TEXT, "
    "body TEXT NOT NULL, PRIMARY KEY(case_id, agency));"
    "INSERT INTO case_summary_18 SELECT t.case_id, COALESCE((SELECT a.agency FROM case_agency a "
    "WHERE a.case_id = t.case_id), ''), t.name, "
    "t.body FROM case_summary t;"
    "DROP TABLE case_summary;"
    "ALTER TABLE case_summary_18 RENAME TO case_summary;"
    "CREATE TABLE case_people_18(case_id INTEGER NOT NULL, role TEXT NOT NULL, name TEXT NOT "
    "NULL, agency TEXT NOT NULL, PRIMARY KEY(case_id, role, name, agency));"
    "INSERT INTO case_people_18 SELECT t.case_id, t.role, t.name, COALESCE((SELECT a.agency FROM "
    "case_agency a WHERE "
    "a.case_id = t.case_id), '') FROM case_people t;"
    "DROP TABLE case_people;"
    "ALTER TABLE case_people_18 RENAME TO case_people;"
    "CREATE INDEX case_people_name ON case_people(name, case_id);"
    "CREATE TABLE case_agency_18(case_id INTEGER NOT NULL, agency TEXT NOT NULL, PRIMARY "
    "KEY(case_id, agency));"
    "INSERT INTO case_agency_18 SELECT case_id, agency FROM case_agency;"
    "DROP TABLE case_agency;"
    "ALTER TABLE case_agency_18 RENAME TO case_agency;"
    "CREATE INDEX case_agency_agency ON case_agency(agency);",
    /* 19: alert_acks folded into alerts (issue 26.1; store-alert-ack.c): an alert's
     * acknowledgement and escalation are two columns of its row, so firing an alert
     * writes one row (its mark) instead of two (the mark and an alert_acks row, with
     * its key and index entries). A fired alert with no alert_acks row (fired before
     * step 11, or marked fired without its event) was never to be escalated: its
     * escalated_at is -1 (read as not escalated). */
    "ALTER TABLE alerts ADD COLUMN acked_at INTEGER;"
    "ALTER TABLE alerts ADD COLUMN escalated_at INTEGER;"
    "UPDATE alerts SET escalated_at = -1 WHERE fired_at IS NOT NULL;"
    "UPDATE alerts SET acked_at = k.acked_at, escalated_at = k.escalated_at FROM alert_acks k "
    "WHERE k.alert_id = alerts.alert_id AND k.agency = alerts.agency;"
    "DROP TABLE alert_acks;"
    "CREATE INDEX alerts_open ON alerts(fired_at) WHERE fired_at IS NOT NULL AND acked_at IS "
    "NULL AND escalated_at IS NULL;",
    /* 20: the webhook outbox, deliveries owed until done (store-outbox.c) */
    "CREATE TABLE IF NOT EXISTS alert_deliveries(alert_id TEXT NOT NULL, url TEXT NOT NULL, "
    "body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, owner TEXT NOT NULL, "
    "until_ms INTEGER NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(alert_id, url));"
    "CREATE INDEX IF NOT EXISTS alert_deliveries_lease ON alert_deliveries(until_ms) WHERE "
    "state = 'pending';",
    /* 21: the outbox keyed by agency too, as every table of a case (docs/postgresql.md):
     * the agency of each row owed taken from its case (an alert id begins with the
     * case's id, which CAST reads up to the first ':'), '' for none; and the rows given
     * up found by agency (the API's list, store-outbox.c). Rebuilt from whatever shape
     * the table has, so a test that rewinds the version runs it again unharmed. */
    "CREATE TABLE alert_deliveries_21(alert_id TEXT NOT NULL, url TEXT NOT NULL, body TEXT NOT "
    "NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, owner TEXT NOT NULL, until_ms "
    "INTEGER NOT NULL, created_at INTEGER NOT NULL, agency TEXT NOT NULL, PRIMARY KEY(alert_id, "
    "url, agency));"
    "INSERT OR IGNORE INTO alert_deliveries_21 SELECT t.alert_id, t.url, t.body, t.state, "
    "t.attempts, t.owner, t.until_ms, t.created_at, COALESCE((SELECT a.agency FROM case_agency a "
    "WHERE a.case_id = CAST(t.alert_id AS INTEGER)), '') FROM alert_deliveries t;"
    "DROP TABLE alert_deliveries;"
    "ALTER TABLE alert_deliveries_21 RENAME TO alert_deliveries;"
    "CREATE INDEX alert_deliveries_lease ON alert_deliveries(until_ms) WHERE state = 'pending';"
    "CREATE INDEX alert_deliveries_given_up ON alert_deliveries(agency, alert_id) WHERE state = "
    "'given_up';",
    /* 22: alerts clustered by due instant (issue 26.1; store-alerts.c, "Row ids"): each
     * row's rowid becomes its due second times 2^24 plus its place among that second's
     * alerts (by id), so the alerts of one instant lie side by side in the table and a
     * burst's marks rewrite a few hundred pages instead of one (and its split) per
     * alert. The table is rebuilt in that order with the same columns, every row and
     * value kept; the indexes are made again. Runs again unharmed on a rewound test
     * database. */
    "CREATE TABLE alerts_22(alert_id TEXT NOT NULL, case_id INTEGER NOT NULL, clock_id TEXT NOT "
    "NULL, point TEXT NOT NULL, due_at INTEGER NOT NULL, deadline INTEGER NOT NULL, fired_at "
    "INTEGER, prov_first INTEGER NOT NULL DEFAULT 0, prov_last INTEGER NOT NULL DEFAULT 0, "
    "claim_owner TEXT, claim_until INTEGER, agency TEXT NOT NULL, acked_at INTEGER, "
    "escalated_at INTEGER, PRIMARY KEY(alert_id, agency));"
    "INSERT INTO alerts_22(rowid, alert_id, case_id, clock_id, point, due_at, deadline, "
    "fired_at, prov_first, prov_last, claim_owner, claim_until, agency, acked_at, escalated_at) "
    "SELECT due_at * 16777216 + row_number() OVER (PARTITION BY due_at ORDER BY alert_id, "
    "agency) - 1 AS r, alert_id, case_id, clock_id, point, due_at, deadline, fired_at, "
    "prov_first, prov_last, claim_owner, claim_until, agency, acked_at, escalated_at FROM alerts "
    "ORDER BY r;"
    "DROP TABLE alerts;"
    "ALTER TABLE alerts_22 RENAME TO alerts;"
    "CREATE INDEX alerts_due ON alerts(due_at, alert_id) WHERE fired_at IS NULL;"
    "CREATE INDEX alerts_case ON alerts(case_id);"
    "CREATE INDEX alerts_open ON alerts(fired_at) WHERE fired_at IS NOT NULL AND acked_at IS "
    "NULL AND escalated_at IS NULL;",
    /* 23: which agencies gave a document's bytes (store-ref.c, cf_store_document_hold): a
     * case citing a hash by reference alone read another agency's file. Bytes stored
     * before are held by '*', every agency, as they were read until now. */
    "CREATE TABLE IF NOT EXISTS document_holders(sha256 TEXT NOT NULL, agency TEXT NOT NULL, "
    "PRIMARY KEY(sha256, agency));"
    "INSERT OR IGNORE INTO document_holders(sha256, agency) SELECT sha256, '*' FROM documents;",
    /* 24: no index of the cases by state (issue 26.3; docs/performance.md, "http41"): no
     * query reads it (a case list's state filter is "?1 IS NULL OR state = ?1", which
     * SQLite's planner cannot take an index for: it walks the agency's cases by id), and
     * every transition that changes a case's state rewrote its entry (a delete and an
     * insert in another b-tree, a page more in the group commit). */
    "DROP INDEX IF EXISTS cases_state;",
    /* 25: the events keyed by their place in the log (issue 26.3; docs/performance.md,
     * "http11"): pos becomes the table's rowid (INTEGER PRIMARY KEY), so an event is
     * written into two b-trees, not three: the table, appended at its end as before, and
     * the key (case_id, seq, agency), now a UNIQUE constraint; the index events_pos goes
     * (the rowid is unique, and in SQLite the log is one sequence for every agency). Each
     * event keeps its columns and values; the table is rebuilt in the log's order and the
     * triggers made again. Runs again unharmed on a rewound test database. */
    "CREATE TABLE events_25(pos INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, seq INTEGER NOT "
    "NULL, type TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT NULL, agency "
    "TEXT NOT NULL, UNIQUE(case_id, seq, agency));"
    "INSERT INTO events_25(pos, case_id, seq, type, at, body, hash, agency) SELECT pos, case_id, "
    "seq, type, at, body, hash, agency FROM events ORDER BY pos;"
    "DROP TRIGGER events_no_update;"
    "DROP TRIGGER events_no_delete;"
    "DROP TABLE events;"
    "ALTER TABLE events_25 RENAME TO events;"
    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;"
    "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, "
    "'events are append-only'); END;",
    /* 26: the Idempotency-Key of POST /v1/cases (store-idem.c): the first answer to a key,
     * written in the transaction that opens the case, kept CF_IDEM_KEEP seconds. */
    "CREATE TABLE IF NOT EXISTS idempotency_keys(agency TEXT NOT NULL, actor TEXT NOT NULL, "
    "key TEXT NOT NULL, body_sha256 TEXT NOT NULL, case_id INTEGER NOT NULL, status INTEGER NOT "
    "NULL, answer TEXT NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY(key, actor, agency));"
    "CREATE INDEX IF NOT EXISTS idempotency_keys_created ON idempotency_keys(agency, "
    "created_at);",
};
#define SCHEMA_VERSION ((int)(sizeof(cf__store_migrations) / sizeof(cf__store_migrations[0])))
const int cf__store_schema_version = SCHEMA_VERSION;

/* ---- helpers -------------------------------------------------------------------- */

/* Exported, documented in store-int.h */
int cf__store_error(cf_store_t *s, int rc, const char *what, cf_error_t *err)
{
    int code = rc < 0 ? rc : cf_db_sqlite_code(rc);
    const char *msg = rc < 0 && s && s->db ? cf_db_errmsg(s->db) : cf_strerror(code);
    if (getenv("CASEFLOW_DB_TRACE")) /* debugging a backend: every store error, as it happens */
        fprintf(stderr, "caseflow store: %s: %s\n", what, msg);
    if (code == CF_EBUSY && s && s->db && cf_db_kind(s->db) == CF_DB_PG)
        return cf_error_set(err, code, NULL, 0, 0, "%s: %s", what, msg);
    if (code == CF_EBUSY)
        return cf_error_set(err, code, s ? s->path : NULL, 0, 0,
                            "%s: %s: another process held the database's write lock for more "
                            "than %d s (a running `caseflow serve` holds it while it commits): "
                            "try again, or make the change through the daemon's API",
                            what, msg, CF__STORE_BUSY_MS / 1000);
    return cf_error_set(err, code,
                        s && s->db && cf_db_kind(s->db) == CF_DB_PG ? NULL
                        : s                                         ? s->path
                                                                    : NULL,
                        0, 0, "%s: %s", what, msg);
}

/* The statement cache. A statement is looked up by its SQL text (the pointer
 * first: the same call site passes the same literal), prepared once as a
 * persistent statement (SQLITE_PREPARE_PERSISTENT; on PostgreSQL a named
 * server-side statement) and reset when released. One that is still in use
 * (a caller iterating rows calls a function that runs the same SQL) is never
 * handed out twice: the second caller gets a statement of its own. */
static struct cf__stmt_slot_s *stmt_slot(cf_store_t *s, const char *sql)
{
    for (unsigned i = 0; i < s->stmts_count; i++)
        if (s->stmts[i].sql == sql)
            return &s->stmts[i];
    for (unsigned i = 0; i < s->stmts_count; i++)
        if (strcmp(s->stmts[i].sql, sql) == 0)
            return &s->stmts[i];
    return NULL;
}

/* Exported, documented in store-int.h */
int cf__store_prepare(cf_store_t *s, const char *sql, cf_db_stmt_t **stmt, cf_error_t *err)
{
    struct cf__stmt_slot_s *slot = stmt_slot(s, sql);
    if (slot && !slot->busy) {
        slot->busy = 1;
        *stmt = slot->stmt;
        return 0;
    }
    int cache = !slot && s->stmts_count < CF__STORE_STMTS;
    int rc = cf_db_prepare(s->db, sql, cache, stmt);
    if (rc != 0)
        return cf__store_error(s, rc, "prepare", err);
    if (cache)
        s->stmts[s->stmts_count++] = (struct cf__stmt_slot_s){sql, *stmt, 1};
    return 0;
}

/* Exported, documented in store-int.h */
void cf__store_release(cf_store_t *s, cf_db_stmt_t *stmt)
{
    if (!stmt)
        return;
    for (unsigned i = 0; i < s->stmts_count; i++)
        if (s->stmts[i].stmt == stmt) {
            cf_db_reset(stmt);
            cf_db_clear_bindings(stmt);
            s->stmts[i].busy = 0;
            return;
        }
    cf_db_finalize(stmt);
}

/* Exported, documented in store-int.h */
int cf__store_run(cf_store_t *s, const char *sql, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, sql, &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE || step == CF_DB_ROW ? 0 : cf__store_error(s, step, sql, err);
}

/* Exported, documented in store-int.h */
int cf__store_exec(cf_store_t *s, const char *sql, cf_error_t *err)
{
    int rc = cf_db_exec(s->db, sql);
    return rc == 0 ? 0 : cf__store_error(s, rc, "exec", err);
}

/* Exported, documented in store-int.h */
int cf__store_fault(cf_store_t *s, const char *point)
{
    return s->fault ? s->fault(s->fault_ctx, point) : 0;
}

/* Exported, documented in store-int.h */
int cf__store_bind_text(cf_db_stmt_t *st, int index, const char *text)
{
    return cf_db_bind_text(st, index, text, -1, CF_DB_TRANSIENT); /* NULL: a NULL of type text */
}

/* Exported, documented in store.h */
void cf_store_set_fault(cf_store_t *s, cf_store_fault_cb cb, void *ctx)
{
    s->fault = cb;
    s->fault_ctx = ctx;
}

/* ---- open and migrate -------------------------------------------------------------- */

static int user_version(cf_store_t *s, int *out, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "PRAGMA user_version", &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    *out = step == CF_DB_ROW ? cf_db_column_int(st, 0) : 0;
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read schema version", err);
}

static int migrate(cf_store_t *s, cf_error_t *err)
{
    int have = 0;
    /* Up to date (every open but the first): a read, not the write lock, so that a
     * command started beside a busy daemon does not queue behind its commits. */
    if (user_version(s, &have, err) == 0 && have == SCHEMA_VERSION)
        return 0;
    int rc = cf__store_exec(s, "BEGIN IMMEDIATE", err);
    if (rc == 0)
        rc = user_version(s, &have, err);
    if (rc == 0 && have > SCHEMA_VERSION)
        rc = cf_error_set(err, CF_ESTORE, s->path, 0, 0,
                          "database schema version %d is newer than this caseflow (%d)", have,
                          SCHEMA_VERSION);
    for (int v = have; rc == 0 && v < SCHEMA_VERSION; v++)
        rc = cf__store_exec(s, cf__store_migrations[v], err);
    if (rc == 0 && have < SCHEMA_VERSION) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", SCHEMA_VERSION);
        rc = cf__store_exec(s, sql, err);
    }
    if (rc == 0)
        return cf__store_exec(s, "COMMIT", err);
    cf_db_exec(s->db, "ROLLBACK");
    return rc;
}

#define CF__XSTR(x) #x
#define CF__STR(x)  CF__XSTR(x)

/* Exported, documented in store.h */
int cf_store_open(const char *path, cf_store_t **out, cf_error_t *err)
{
    if (cf_db_is_pg(path))
        return cf__store_open_pg(path, 0, out, err);
    cf_store_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return CF_ENOMEM;
    }
    int rc = cf_db_open(path, 0, &s->db);
    if (rc != 0)
        rc = cf__store_error(s, rc, "open", err);
    if (rc == 0)
        cf_db_busy_timeout(s->db, CF__STORE_BUSY_MS);
    if (rc == 0)
        rc = cf__store_exec(s,
                            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; "
                            "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                            "PRAGMA journal_size_limit=" CF__STR(CF_STORE_WAL_LIMIT),
                            err);
    if (rc == 0)
        rc = migrate(s, err);
    if (rc != 0) {
        cf_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_open_existing(const char *path, cf_store_t **out, cf_error_t *err)
{
    struct stat st;
    if (!cf_db_is_pg(path) && stat(path, &st) != 0)
        return cf_error_set(err, CF_ENOTFOUND, path, 0, 0,
                            "no database here (create one with `caseflow init`)");
    return cf_store_open(path, out, err);
}

/* ---- read-only opening ----------------------------------------------------------------
 *
 * A reading command opens with SQLITE_OPEN_READONLY and PRAGMA query_only: it never
 * takes the write lock, so a daemon committing beside it never makes it wait, and it
 * never migrates (an old schema is an error that says what to run). In WAL mode even
 * a reader needs the -shm index beside the database; on a read-only mount it can be
 * neither created nor written, and SQLite fails "unable to open database file". What
 * is possible there: with no -wal file (or an empty one: the daemon stopped cleanly,
 * or the log was checkpointed before the snapshot) every committed write is in the
 * main file, and it is opened immutable (no locks, no -shm), which is exact because
 * nothing can write on a read-only mount. With a -wal holding commits and no usable
 * -shm the committed state cannot be read safely: the error says so and what to do. */

/* "file:" URI of path with immutable=1 (SQLite URI rules: %, ? and # escaped).
 * malloc'd, or NULL. */
static char *immutable_uri(const char *path)
{
    size_t len = strlen(path);
    char *uri = malloc(len * 3 + 32), *w = uri;
    if (!uri)
        return NULL;
    w += sprintf(w, "file:");
    for (const char *p = path; *p; p++)
        w += *p == '%' || *p == '?' || *p == '#' ? sprintf(w, "%%%02X", (unsigned char)*p)
                                                 : (*w = *p, 1);
    sprintf(w, "?immutable=1");
    return uri;
}

/* Bytes in path's -wal file (0 when there is none). */
static long long wal_bytes(const char *path)
{
    char wal[4096];
    struct stat st;
    snprintf(wal, sizeof(wal), "%s-wal", path);
    return stat(wal, &st) == 0 ? (long long)st.st_size : 0;
}

static int open_ro(cf_store_t *s, const char *name, int flags, cf_error_t *err)
{
    if (s->db) {
        for (unsigned i = 0; i < s->stmts_count; i++)
            cf_db_finalize(s->stmts[i].stmt);
        s->stmts_count = 0;
        cf_db_close(s->db);
        s->db = NULL;
    }
    int have = 0;
    int rc = cf_db_open(name, CF_DB_OPEN_READONLY | flags, &s->db);
    if (rc != 0)
        return cf__store_error(s, rc, "open", err);
    cf_db_busy_timeout(s->db, CF__STORE_BUSY_MS);
    rc = cf__store_exec(s, "PRAGMA query_only=1", err);
    if (rc == 0)
        rc = user_version(s, &have, err);
    if (rc == 0 && have != SCHEMA_VERSION)
        rc = cf_error_set(
            err, CF_ESTORE, s->path, 0, 0,
            "the database's schema is version %d and this caseflow's %d: %s", have, SCHEMA_VERSION,
            have < SCHEMA_VERSION ? "run a command that writes (or start `caseflow serve`) once to "
                                    "upgrade it; a reading command never changes the database"
                                  : "use a newer caseflow");
    return rc;
}

/* Exported, documented in store.h */
int cf_store_open_readonly(const char *path, cf_store_t **out, cf_error_t *err)
{
    struct stat st;
    if (cf_db_is_pg(path))
        return cf__store_open_pg(path, 1, out, err);
    if (stat(path, &st) != 0)
        return cf_error_set(err, CF_ENOTFOUND, path, 0, 0,
                            "no database here (create one with `caseflow init`)");
    cf_store_t *s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return CF_ENOMEM;
    }
    int rc = open_ro(s, path, 0, err);
    long long logged = rc == CF_EIO ? wal_bytes(path) : 0;
    if (rc == CF_EIO && logged == 0) {
        char *uri = immutable_uri(path);
        rc = uri ? open_ro(s, uri, CF_DB_OPEN_URI, err) : CF_ENOMEM;
        free(uri);
    } else if (rc == CF_EIO) {
        rc = cf_error_set(err, CF_EIO, path, 0, 0,
                          "cannot read this WAL-mode database here: SQLite needs %s-shm beside "
                          "it and cannot create it (a read-only mount?), and %s-wal holds %lld "
                          "bytes of commits not yet in the database file. Mount it read-write, "
                          "or copy the database with its -wal and -shm files, or stop the "
                          "daemon cleanly (which folds the log into the file) before taking "
                          "the snapshot",
                          path, path, logged);
    }
    if (rc != 0) {
        cf_store_close(s);
        return rc;
    }
    *out = s;
    return 0;
}

/* Exported, documented in store.h */
void cf_store_close(cf_store_t *s)
{
    if (!s)
        return;
    for (unsigned i = 0; i < s->stmts_count; i++)
        cf_db_finalize(s->stmts[i].stmt);
    cf_db_close(s->db);
    cf__store_counts_free(s);
    cf__store_sealed_free(s);
    free(s->snapshot);
    free(s->path);
    free(s);
}
