/*
 * audit-helpers.h -- the fixture the audit-* tests over a database share (test-audit.c,
 * test-audit-cli.c): the test workflow, the 2025 calendar, a fresh database and one case
 * of matter m-001 on them, walked step by step; SQL run on the database file behind the
 * store's back (triggers bypassed: what a dishonest writer would do); the command line
 * run in-process over that database. Each call aborts the test on an unexpected failure.
 */
#ifndef CF_AUDIT_HELPERS_H
#define CF_AUDIT_HELPERS_H

#include <stddef.h>

#include "core-helpers.h"

#define MINI "tests/fixtures/workflows/valid/mini.yaml"

typedef struct fx_s {
    cf_workflow_t *wf;
    cf_calendar_t *cal;
    cf_store_t *store;
    cf_case_t c;
    json_t *matter;
} fx_t;

/* The workflow at wf_path, the shipped calendars, a fresh database "audit.db" (a file, or a
 * PostgreSQL database: cf_test_db) and a case opened at opened_at (ISO) on it, in f. */
void ta_setup(fx_t *f, const char *wf_path, const char *opened_at);
/* Frees what ta_setup made. */
void ta_teardown(fx_t *f);
/* Takes action on f's case as role at iso (facts and docs JSON text, or NULL); fails the
 * test if the engine refuses. */
void ta_act(fx_t *f, const char *action, const char *role, const char *iso, const char *facts,
            const char *docs);
/* Files, notifies and decides f's case (September 2025). */
void ta_walk_to_decision(fx_t *f);
/* Opens cases until the database has n, each walked to its decision (f's case the last). */
void ta_more_cases(fx_t *f, int n);
/* Puts the 2025 calendar into the fixture's database, for the command line. */
void ta_put_calendar(fx_t *f);

/* Runs sql on the database file name in the test's directory behind the store's back. */
void ta_tamper(const char *name, const char *sql);
/* SQL that drops the triggers keeping events append-only (the start of a ta_tamper). */
extern const char *const ta_drop_triggers;

/* Runs the command line in-process over the fixture's database (up to five arguments, NULL
 * after the last), its clock the day after the decision; returns its exit code, its output
 * in out and, when errors is not NULL, what it wrote on stderr there (size bytes each). */
int ta_cli_both(char *out, char *errors, size_t size, const char *a1, const char *a2,
                const char *a3, const char *a4, const char *a5);
/* ta_cli_both without stderr. */
int ta_cli(char *out, size_t size, const char *a1, const char *a2, const char *a3, const char *a4,
           const char *a5);

#endif
