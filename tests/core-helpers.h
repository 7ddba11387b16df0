/*
 * core-helpers.h -- fixtures shared by the core tests: the test workflow, the
 * shipped calendars, a fresh database, and a one-call "act" for walking cases.
 */
#ifndef CF_CORE_HELPERS_H
#define CF_CORE_HELPERS_H

#include "../engine/engine.h"
#include "../storage/store.h"

/* Parses a workflow file under the source tree; aborts the test on failure. */
cf_workflow_t *cf_test_workflow(const char *relpath);

/* Loads the shipped calendars (workflows/calendars); aborts on failure. */
cf_calendar_t *cf_test_calendar(void);

/* Opens a new database in the test's temporary directory. */
cf_store_t *cf_test_store(const char *name);

/* What a store test starts from: a workflow, the shipped calendars and a fresh
 * database (cf_test_env_open), all freed by cf_test_env_close. */
typedef struct cf_test_env_s {
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_store_t *s;
} cf_test_env_t;

/* The workflow file relpath (under the source tree), the shipped calendars and a new
 * database named db in the test's directory, into e; aborts the test on failure. */
void cf_test_env_open(cf_test_env_t *e, const char *relpath, const char *db);

/* Closes the store and frees the calendars and the workflow of e. */
void cf_test_env_close(cf_test_env_t *e);

/* Copies file from to file to (replaced); aborts the test on failure. */
void cf_test_copy_file(const char *from, const char *to);

/* "2026-03-02T09:00:00+08:00" -> instant; aborts on a bad string. */
cf_time_t cf_test_time(const char *iso);

/* Opens a case on wf at iso with party name; stores workflow and case. */
void cf_test_open(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, const char *iso,
                  cf_case_t *c);

/* Takes action on c at iso as role with facts (JSON text or NULL) and documents
 * (comma-separated names, each attached as a fake document, or NULL). Returns
 * the engine's or the store's code; OUT why (may be NULL) on refusal. */
int cf_test_act(cf_store_t *s, const cf_workflow_t *wf, const cf_calendar_t *cal, cf_case_t *c,
                const char *action, const char *role, const char *iso, const char *facts,
                const char *docs, cf_refusal_t *why);

/* Opens c at 2026-03-02 09:00 and walks it by file (head) and notify (handler): a
 * case with a few stored events (mini.yaml; test-store.c and test-store-tx.c). */
void walk_some(cf_store_t *s, cf_workflow_t *wf, cf_calendar_t *cal, cf_case_t *c);

/* Enters an item of evidence of kind on c at iso (evidence.h), taken by the first
 * two of the case's officers: what a walk does before submit_review, whose shipped
 * rule evidence-before-review wants one. Returns the engine's or the store's code;
 * OUT why (may be NULL) on refusal. */
int cf_test_evidence(cf_store_t *s, const cf_workflow_t *wf, cf_case_t *c, const char *kind,
                     const char *iso, cf_refusal_t *why);

/* A YAML file under the source tree as JSON, every scalar a string (typed later,
 * as the command line types text); aborts the test when it is not YAML. New ref. */
json_t *cf_test_yaml(const char *relpath);

/* Formats t into a static-free buffer owned by the caller (CF_TIME_BUFSZ). */
const char *cf_test_fmt(cf_time_t t, char *buf);

/* A walk step's documents: an object naming each of names (a JSON array of strings)
 * with a fake sha256, size 1 and file "walk.pdf", as the engine and the API take
 * them. New ref. */
json_t *cf_test_fake_documents(const json_t *names);

/* SQL that turns a SQLite database of today's schema back into schema 17 (before the
 * agency was in every case key, events.id still there; step 19 undone first), for
 * tests of the migrations; the caller sets PRAGMA user_version to 17 or lower. */
extern const char cf_test_undo_18_sqlite[];
/* The same back to schema 18 (alert_acks a table of its own again, made from alerts'
 * columns: a fired alert with escalated_at -1 gets no row), on SQLite (the caller sets
 * PRAGMA user_version) and on PostgreSQL (it sets schema_version to 19). */
extern const char cf_test_undo_19_sqlite[];
extern const char cf_test_undo_19_pg[];

#endif
