/*
 * audit-helpers.c -- the fixture the audit-* tests over a database share
 * (audit-helpers.h): a case on the test workflow in a fresh database, steps on it,
 * tampering with the file, and the command line run in-process over it.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit-helpers.h"
#include "cli.h"
#include "task.h"

/* The fixture's database: a file, or a PostgreSQL database (cf_test_db). */
static char audit_db[512];

/* Exported, documented in audit-helpers.h */
void ta_setup(fx_t *f, const char *wf_path, const char *opened_at)
{
    f->wf = cf_test_workflow(wf_path);
    f->cal = cf_test_calendar();
    cf_error_t open_err;
    cf_test_db("audit.db", audit_db, sizeof(audit_db));
    if (cf_store_open(audit_db, &f->store, &open_err) != 0)
        CF__FAIL("open %s: %s", audit_db, open_err.text);
    f->matter = json_pack("{s:s, s:[s, s, s]}", "id", "m-001", "accountability",
                          "没有法律和事实依据实施行政处罚的", "违反法定的行政处罚程序的",
                          "在法定期限内不履行送达、执行等职责的");
    cf_test_open(f->store, f->wf, f->cal, opened_at, &f->c);
}

/* Exported, documented in audit-helpers.h */
void ta_teardown(fx_t *f)
{
    json_decref(f->matter);
    cf_case_dispose(&f->c);
    cf_store_close(f->store);
    cf_calendar_free(f->cal);
    cf_workflow_free(f->wf);
}

/* Exported, documented in audit-helpers.h */
void ta_act(fx_t *f, const char *action, const char *role, const char *iso, const char *facts,
            const char *docs)
{
    cf_refusal_t why = {0};
    int rc = cf_test_act(f->store, f->wf, f->cal, &f->c, action, role, iso, facts, docs, &why);
    if (rc != 0)
        CF__FAIL("%s refused: %s", action, why.text);
    cf_refusal_dispose(&why);
}

/* Exported, documented in audit-helpers.h */
void ta_walk_to_decision(fx_t *f)
{
    ta_act(f, "file", "head", "2025-09-01T15:00:00+08:00", "{\"reason\": \"举报\"}", "立案审批表");
    ta_act(f, "notify", "handler", "2025-09-15T10:00:00+08:00", "{\"notified_fine\": 1000}", NULL);
    ta_act(f, "decide", "head", "2025-09-30T10:00:00+08:00", "{\"fine\": 1000}", NULL);
}

/* Exported, documented in audit-helpers.h */
void ta_more_cases(fx_t *f, int n)
{
    for (int i = 1; i < n; i++) {
        cf_case_dispose(&f->c);
        cf_test_open(f->store, f->wf, f->cal, "2025-09-01T09:00:00+08:00", &f->c);
        ta_walk_to_decision(f);
    }
}

/* Exported, documented in audit-helpers.h */
void ta_put_calendar(fx_t *f)
{
    cf_error_t err;
    char *source = cf_test_slurp("workflows/calendars/2025.yaml", NULL);
    ASSERT_EQ(cf_store_calendar_put(f->store, 2025, source, &err), 0);
    free(source);
}

/* Exported, documented in audit-helpers.h */
void ta_tamper(const char *name, const char *sql)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", cf_test_tmpdir(), name);
    sqlite3 *db;
    ASSERT_EQ(sqlite3_open(path, &db), SQLITE_OK);
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        CF__FAIL("tamper: %s", msg);
    sqlite3_close(db);
}

/* Exported, documented in audit-helpers.h */
const char *const ta_drop_triggers = "DROP TRIGGER events_no_update; DROP TRIGGER "
                                     "events_no_delete;";

/* Exported, documented in audit-helpers.h */
int ta_cli_both(char *out, char *errors, size_t size, const char *a1, const char *a2,
                const char *a3, const char *a4, const char *a5)
{
    char db[sizeof(audit_db) + 8];
    snprintf(db, sizeof(db), "--db=%s", audit_db);
    char *argv[] = {"caseflow", db,         (char *)a1, (char *)a2,
                    (char *)a3, (char *)a4, (char *)a5, NULL};
    int argc = 2;
    while (argc < 7 && argv[argc])
        argc++;
    FILE *o = tmpfile(), *e = tmpfile();
    /* The day after the decision: its service deadline is still ahead. */
    setenv("CASEFLOW_NOW", "2025-10-01T00:00:00+08:00", 1);
    int rc = cf_cli_main(argc, argv, o, e);
    rewind(o);
    out[fread(out, 1, size - 1, o)] = '\0';
    if (errors) {
        rewind(e);
        errors[fread(errors, 1, size - 1, e)] = '\0';
    }
    fclose(o);
    fclose(e);
    return rc;
}

/* Exported, documented in audit-helpers.h */
int ta_cli(char *out, size_t size, const char *a1, const char *a2, const char *a3, const char *a4,
           const char *a5)
{
    return ta_cli_both(out, NULL, size, a1, a2, a3, a4, a5);
}
