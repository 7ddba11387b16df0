/*
 * core-helpers.c -- see core-helpers.h.
 */
#include "core-helpers.h"
#include "../engine/evidence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "task.h"

cf_workflow_t *cf_test_workflow(const char *relpath)
{
    size_t len;
    char *buf = cf_test_slurp(relpath, &len);
    cf_errlist_t problems = {0};
    cf_workflow_t *wf = NULL;
    int rc = cf_workflow_parse(buf, len, relpath, &wf, &problems);
    for (size_t i = 0; i < problems.items_count; i++)
        fprintf(stderr, "%s:%d: %s\n", relpath, problems.items[i].line, problems.items[i].text);
    ASSERT_EQ(rc, 0);
    cf_errlist_free(&problems);
    free(buf);
    return wf;
}

cf_calendar_t *cf_test_calendar(void)
{
    static const char *const years[] = {"workflows/calendars/2024.yaml",
                                        "workflows/calendars/2025.yaml",
                                        "workflows/calendars/2026.yaml"};
    cf_calendar_t *cal;
    ASSERT_EQ(cf_calendar_new(&cal), 0);
    for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
        size_t len;
        char *buf = cf_test_slurp(years[i], &len);
        cf_error_t err;
        if (cf_calendar_load(cal, buf, len, years[i], &err) != 0)
            CF__FAIL("%s: %s", years[i], err.text);
        free(buf);
    }
    return cal;
}

cf_store_t *cf_test_store(const char *name)
{
    char path[512];
    cf_test_db(name, path, sizeof(path));
    cf_store_t *s;
    cf_error_t err;
    if (cf_store_open(path, &s, &err) != 0)
        CF__FAIL("open %s: %s", path, err.text);
    return s;
}

void cf_test_env_open(cf_test_env_t *e, const char *relpath, const char *db)
{
    e->wf = cf_test_workflow(relpath);
    e->cal = cf_test_calendar();
    e->s = cf_test_store(db);
}

void cf_test_env_close(cf_test_env_t *e)
{
    cf_store_close(e->s);
    cf_calendar_free(e->cal);
    cf_workflow_free(e->wf);
}

void cf_test_copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    ASSERT(in && out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        ASSERT_EQ(fwrite(buf, 1, n, out), n);
    fclose(in);
    ASSERT_EQ(fclose(out), 0);
}

cf_time_t cf_test_time(const char *iso)
{
    cf_time_t t;
    cf_error_t err;
    if (cf_time_parse(iso, &t, &err) != 0)
        CF__FAIL("bad time %s: %s", iso, err.text);
    return t;
}

const char *cf_test_fmt(cf_time_t t, char *buf)
{
    cf_time_format(t, buf);
    return buf;
}

json_t *cf_test_fake_documents(const json_t *names)
{
    json_t *docs = json_object();
    size_t i;
    json_t *n;
    json_array_foreach((json_t *)names, i, n)
        json_object_set_new(
            docs, json_string_value(n),
            json_pack("{s:s, s:i, s:s}", "sha256",
                      "00000000000000000000000000000000000000000000000000000000000000aa", "size", 1,
                      "file", "walk.pdf"));
    return docs;
}

void cf_test_open(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, const char *iso,
                  cf_case_t *c)
{
    cf_error_t err;
    ASSERT_EQ(cf_store_workflow_put(s, wf, NULL, NULL, &err), 0);
    json_t *party = json_pack("{s:s, s:s}", "name", "某某大药房", "type", "定点医药机构");
    cf_open_t req = {.actor = "张三", .role = "handler", .party = party, .at = cf_test_time(iso)};
    json_t *events = NULL;
    cf_refusal_t why;
    int rc = cf_engine_open(wf, cal, &req, &events, &why);
    if (rc != 0)
        CF__FAIL("open refused: %s", why.text);
    ASSERT_EQ(cf_case_init(c), 0);
    if (cf_store_case_open(s, c, events, &err) != 0)
        CF__FAIL("store open: %s", err.text);
    json_decref(events);
    json_decref(party);
    cf_refusal_dispose(&why);
}

static json_t *fake_docs(const char *names)
{
    json_t *docs = json_object();
    char *copy = strdup(names), *save = NULL;
    for (char *n = strtok_r(copy, ",", &save); n; n = strtok_r(NULL, ",", &save))
        json_object_set_new(
            docs, n,
            json_pack("{s:s, s:i, s:s}", "sha256",
                      "0000000000000000000000000000000000000000000000000000000000000001", "size", 1,
                      "file", "test.pdf"));
    free(copy);
    return docs;
}

int cf_test_act(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c,
                const char *action, const char *role, const char *iso, const char *facts,
                const char *docs, cf_refusal_t *why)
{
    json_t *f = facts ? json_loads(facts, 0, NULL) : NULL;
    json_t *d = docs ? fake_docs(docs) : NULL;
    if (facts && !f)
        CF__FAIL("bad facts JSON in test: %s", facts);
    cf_act_t req = {.action = action,
                    .actor = "李四",
                    .role = role,
                    .facts = f,
                    .documents = d,
                    .at = cf_test_time(iso)};
    json_t *events = NULL;
    cf_refusal_t local;
    cf_refusal_t *w = why ? why : &local;
    int rc = cf_engine_act(wf, cal, c, &req, &events, w);
    if (rc == 0) {
        cf_error_t err;
        rc = cf_store_case_append(s, c, events, &err);
        if (rc != 0)
            snprintf(w->text, sizeof(w->text), "%s", err.text);
    }
    if (!why)
        cf_refusal_dispose(&local);
    json_decref(events);
    json_decref(f);
    json_decref(d);
    return rc;
}

static json_t *node_json(yaml_document_t *doc, yaml_node_t *n)
{
    if (n->type == YAML_SCALAR_NODE)
        return json_stringn((const char *)n->data.scalar.value, n->data.scalar.length);
    if (n->type == YAML_SEQUENCE_NODE) {
        json_t *a = json_array();
        for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top;
             i++)
            json_array_append_new(a, node_json(doc, yaml_document_get_node(doc, *i)));
        return a;
    }
    json_t *o = json_object();
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        json_object_set_new(o, (const char *)k->data.scalar.value,
                            node_json(doc, yaml_document_get_node(doc, p->value)));
    }
    return o;
}

json_t *cf_test_yaml(const char *relpath)
{
    size_t len;
    char *buf = cf_test_slurp(relpath, &len);
    yaml_parser_t parser;
    yaml_document_t doc;
    ASSERT(yaml_parser_initialize(&parser));
    yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
    if (!yaml_parser_load(&parser, &doc))
        CF__FAIL("%s: not YAML: %s (line %zu)", relpath, parser.problem,
                 parser.problem_mark.line + 1);
    json_t *out = node_json(&doc, yaml_document_get_root_node(&doc));
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    free(buf);
    return out;
}

/* Exported, documented in core-helpers.h */
void walk_some(cf_store_t *s, cf_workflow_t *wf, cf_calendar_t *cal, cf_case_t *c)
{
    cf_test_open(s, wf, cal, "2026-03-02T09:00:00+08:00", c);
    ASSERT_EQ(cf_test_act(s, wf, cal, c, "file", "head", "2026-03-02T15:00:00+08:00",
                          "{\"reason\": \"举报\"}", "立案审批表", NULL),
              0);
    ASSERT_EQ(cf_test_act(s, wf, cal, c, "notify", "handler", "2026-03-05T10:00:00+08:00",
                          "{\"notified_fine\": 500.5}", NULL, NULL),
              0);
}

/* Exported, documented in core-helpers.h */
int cf_test_evidence(cf_store_t *s, const cf_workflow_t *wf, cf_case_t *c, const char *kind,
                     const char *iso, cf_refusal_t *why)
{
    const json_t *officers = json_object_get(c->facts, "officers");
    json_t *item = json_pack("{s:s, s:s, s:s, s:s, s:[O, O]}", "kind", kind, "title", "处方单据",
                             "source", "当事人", "method", "调取", "officers",
                             json_array_get(officers, 0), json_array_get(officers, 1));
    cf_evidence_req_t req = {
        .actor = "张三", .role = "handler", .at = cf_test_time(iso), .item = item};
    json_t *events = NULL;
    cf_refusal_t own;
    int rc = item ? cf_engine_evidence(wf, c, &req, &events, why ? why : &own) : CF_EINVAL;
    if (rc == 0)
        rc = cf_store_case_append(s, c, events, NULL);
    json_decref(events);
    json_decref(item);
    return rc;
}

/* Step 19 undone: alert_acks made again from alerts' columns, then the columns and
 * their index dropped. */
#define UNDO_19(BIGINT)                                                                            \
    "CREATE TABLE alert_acks(alert_id TEXT NOT NULL, case_id " BIGINT                              \
    " NOT NULL, fired_at " BIGINT " NOT NULL, acked_at " BIGINT ", escalated_at " BIGINT           \
    ", agency TEXT NOT NULL, "                                                                     \
    "PRIMARY KEY(alert_id, agency));"                                                              \
    "INSERT INTO alert_acks SELECT alert_id, case_id, fired_at, acked_at, escalated_at, agency "   \
    "FROM alerts WHERE fired_at IS NOT NULL AND (escalated_at IS NULL OR escalated_at >= 0);"      \
    "CREATE INDEX alert_acks_open ON alert_acks(fired_at) WHERE acked_at IS NULL AND "             \
    "escalated_at IS NULL;"                                                                        \
    "DROP INDEX alerts_open;"                                                                      \
    "ALTER TABLE alerts DROP COLUMN acked_at;"                                                     \
    "ALTER TABLE alerts DROP COLUMN escalated_at;"

/* Exported, documented in core-helpers.h */
const char cf_test_undo_19_sqlite[] = UNDO_19("INTEGER");
const char cf_test_undo_19_pg[] = UNDO_19("BIGINT") "UPDATE schema_version SET version = 19";

/* Exported, documented in core-helpers.h. The v17 tables (store-sqlite.c's steps
 * 1-17) rebuilt from today's (step 19 undone first), events numbered by their
 * position. */
const char cf_test_undo_18_sqlite[] = UNDO_19(
    "INTEGER") "CREATE TABLE cases_17(id INTEGER PRIMARY KEY, workflow_id TEXT NOT NULL, "
               "workflow_version "
               "INTEGER NOT NULL, workflow_hash TEXT NOT NULL, matter_id TEXT, parent_id INTEGER, "
               "party "
               "TEXT, state TEXT NOT NULL, closed INTEGER NOT NULL, version INTEGER NOT NULL, head "
               "TEXT NOT "
               "NULL, algo TEXT NOT NULL, opened_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, "
               "closed_at INTEGER, snapshot TEXT NOT NULL);"
               "INSERT INTO cases_17 SELECT id, workflow_id, workflow_version, workflow_hash, "
               "matter_id, "
               "parent_id, party, state, closed, version, head, algo, opened_at, updated_at, "
               "closed_at, "
               "snapshot FROM cases;"
               "DROP TABLE cases; ALTER TABLE cases_17 RENAME TO cases;"
               "CREATE INDEX cases_state ON cases(state); CREATE INDEX cases_workflow ON "
               "cases(workflow_id);"
               "CREATE INDEX cases_parent ON cases(parent_id);"
               "CREATE INDEX cases_open ON cases(closed) WHERE closed = 0;"
               "CREATE TABLE events_17(id INTEGER PRIMARY KEY, case_id INTEGER NOT NULL, seq "
               "INTEGER NOT "
               "NULL, type TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL, hash TEXT NOT "
               "NULL, pos "
               "INTEGER, UNIQUE(case_id, seq));"
               "INSERT INTO events_17(case_id, seq, type, at, body, hash, pos) SELECT case_id, "
               "seq, type, "
               "at, body, hash, pos FROM events ORDER BY pos;"
               "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete; DROP TABLE events;"
               "ALTER TABLE events_17 RENAME TO events;"
               "CREATE UNIQUE INDEX events_pos ON events(pos);"
               "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, "
               "'events are append-only'); END;"
               "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, "
               "'events are append-only'); END;"
               "CREATE TABLE clocks_17(case_id INTEGER NOT NULL, clock_id TEXT NOT NULL, state "
               "TEXT NOT "
               "NULL, deadline INTEGER NOT NULL, party INTEGER NOT NULL, provisional INTEGER NOT "
               "NULL "
               "DEFAULT 0, PRIMARY KEY(case_id, clock_id));"
               "INSERT INTO clocks_17 SELECT case_id, clock_id, state, deadline, party, "
               "provisional FROM "
               "clocks;"
               "DROP TABLE clocks; ALTER TABLE clocks_17 RENAME TO clocks;"
               "CREATE INDEX clocks_running ON clocks(deadline) WHERE state = 'running';"
               "CREATE INDEX clocks_provisional ON clocks(provisional) WHERE provisional > 0;"
               "CREATE INDEX clocks_due ON clocks(deadline, party, case_id) WHERE state = "
               "'running';"
               "CREATE TABLE alerts_17(alert_id TEXT PRIMARY KEY, case_id INTEGER NOT NULL, "
               "clock_id TEXT "
               "NOT NULL, point TEXT NOT NULL, due_at INTEGER NOT NULL, deadline INTEGER NOT NULL, "
               "fired_at INTEGER, prov_first INTEGER NOT NULL DEFAULT 0, prov_last INTEGER NOT "
               "NULL "
               "DEFAULT 0, claim_owner TEXT, claim_until INTEGER);"
               "INSERT INTO alerts_17 SELECT alert_id, case_id, clock_id, point, due_at, deadline, "
               "fired_at, prov_first, prov_last, claim_owner, claim_until FROM alerts;"
               "DROP TABLE alerts; ALTER TABLE alerts_17 RENAME TO alerts;"
               "CREATE INDEX alerts_due ON alerts(due_at, alert_id) WHERE fired_at IS NULL;"
               "CREATE INDEX alerts_case ON alerts(case_id);"
               "CREATE TABLE alert_acks_17(alert_id TEXT PRIMARY KEY, case_id INTEGER NOT NULL, "
               "fired_at "
               "INTEGER NOT NULL, acked_at INTEGER, escalated_at INTEGER);"
               "INSERT INTO alert_acks_17 SELECT alert_id, case_id, fired_at, acked_at, "
               "escalated_at FROM "
               "alert_acks;"
               "DROP TABLE alert_acks; ALTER TABLE alert_acks_17 RENAME TO alert_acks;"
               "CREATE INDEX alert_acks_open ON alert_acks(fired_at) WHERE acked_at IS NULL AND "
               "escalated_at IS NULL;"
               "CREATE TABLE case_numbers_17(case_id INTEGER PRIMARY KEY, number TEXT NOT NULL "
               "UNIQUE);"
               "INSERT INTO case_numbers_17 SELECT case_id, number FROM case_numbers;"
               "DROP TABLE case_numbers; ALTER TABLE case_numbers_17 RENAME TO case_numbers;"
               "CREATE TABLE case_refs_17(case_id INTEGER NOT NULL, kind TEXT NOT NULL, number "
               "TEXT NOT "
               "NULL, PRIMARY KEY(case_id, kind), UNIQUE(kind, number));"
               "INSERT INTO case_refs_17 SELECT case_id, kind, number FROM case_refs;"
               "DROP TABLE case_refs; ALTER TABLE case_refs_17 RENAME TO case_refs;"
               "CREATE INDEX case_refs_number ON case_refs(number);"
               "CREATE TABLE case_summary_17(case_id INTEGER PRIMARY KEY, agency TEXT NOT NULL, "
               "name TEXT, "
               "body TEXT NOT NULL);"
               "INSERT INTO case_summary_17 SELECT case_id, agency, name, body FROM case_summary;"
               "DROP TABLE case_summary; ALTER TABLE case_summary_17 RENAME TO case_summary;"
               "CREATE TABLE case_people_17(case_id INTEGER NOT NULL, role TEXT NOT NULL, name "
               "TEXT NOT "
               "NULL, PRIMARY KEY(case_id, role, name));"
               "INSERT INTO case_people_17 SELECT case_id, role, name FROM case_people;"
               "DROP TABLE case_people; ALTER TABLE case_people_17 RENAME TO case_people;"
               "CREATE INDEX case_people_name ON case_people(name, case_id);"
               "CREATE TABLE case_agency_17(case_id INTEGER PRIMARY KEY, agency TEXT NOT NULL);"
               "INSERT INTO case_agency_17 SELECT case_id, agency FROM case_agency;"
               "DROP TABLE case_agency; ALTER TABLE case_agency_17 RENAME TO case_agency;"
               "CREATE INDEX case_agency_agency ON case_agency(agency);";
