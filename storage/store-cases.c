/*
 * store-cases.c -- cases and their event logs in the SQLite backend.
 *
 * A write is one IMMEDIATE transaction (the write lock is taken at BEGIN, so the
 * version check and the writes cannot interleave with another writer):
 *   begin -> seal each event onto the chain and fold it into a copy of the case
 *   -> INSERT (opening) or UPDATE the case row WHERE version is still the one
 *   read (else CF_ECONFLICT) -> INSERT events -> write the clock rows the events
 *   changed -> commit.
 * Any failure, real or injected, rolls back and leaves the caller's case as it
 * was. Sealing happens inside the transaction because the first event of a new
 * case must carry the case id, which is allocated there.
 *
 * Cost (docs/performance.md): statements come prepared from the store's cache;
 * the case is copied once per write (cf_case_copy, structural) and folded in
 * place; its snapshot is serialized once; the row update touches no index
 * column but state; a transition that changes no clock writes no clock row.
 */
#include "store-int.h"
#include "jsonr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- writing -------------------------------------------------------------------- */

static int fault_at(cf_store_t *s, const char *point, cf_error_t *err)
{
    int rc = cf__store_fault(s, point);
    if (rc == 0)
        return 0;
    return cf__store_error(s, rc, point, err);
}

static int insert_event(cf_store_t *s, cf_db_stmt_t *st, const json_t *ev, const char *body,
                        cf_error_t *err)
{
    cf_db_reset(st);
    cf_db_bind_int64(st, 1, json_integer_value(json_object_get(ev, "case")));
    cf_db_bind_int64(st, 2, json_integer_value(json_object_get(ev, "seq")));
    cf_db_bind_text(st, 3, json_string_value(json_object_get(ev, "type")), -1, CF_DB_STATIC);
    cf_db_bind_text(st, 4, json_string_value(json_object_get(ev, "at")), -1, CF_DB_STATIC);
    cf_db_bind_text(st, 5, body, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 6, json_string_value(json_object_get(ev, "hash")), -1, CF_DB_STATIC);
    int step = cf_db_step(st);
    return step == CF_DB_DONE ? 0 : cf__store_error(s, step, "append event", err);
}

/* Nesting a case record may reach and still be read back: jansson's parser stops
 * at JSON_PARSER_MAX_DEPTH, and the snapshot nests what an event carries (a fact's
 * value, a document) a few levels deeper than the event does. */
#define CF__STORE_READABLE_DEPTH (JSON_PARSER_MAX_DEPTH - 16)

/* 1 if v nests deeper than limit arrays and objects (counted no further). */
static int too_deep(const json_t *v, int limit)
{
    if (!json_is_array(v) && !json_is_object(v))
        return 0;
    if (limit <= 0)
        return 1;
    size_t i;
    const char *key;
    json_t *m;
    if (json_is_array(v)) {
        json_array_foreach((json_t *)v, i, m) {
            if (too_deep(m, limit - 1))
                return 1;
        }
        return 0;
    }
    json_object_foreach((json_t *)v, key, m) {
        if (too_deep(m, limit - 1))
            return 1;
    }
    return 0;
}

/* Refuses events that could be written but not read back (issue 19: a 2,047-deep
 * fact was stored, and every later read of the case failed). Checked before
 * anything is written, so the case stays readable. */
static int readable(const json_t *events, cf_error_t *err)
{
    size_t i;
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev) {
        if (too_deep(ev, CF__STORE_READABLE_DEPTH))
            return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                                "event %zu nests JSON deeper than %d levels: it could not be "
                                "read back, nothing was written",
                                i + 1, CF__STORE_READABLE_DEPTH);
    }
    return 0;
}

/* Seals every event onto c's chain and folds it in (c changes; nothing is
 * written). OUT bodies[i]: event i's text to store (free each). */
static int seal_events(cf_case_t *c, json_t *events, char **bodies, cf_error_t *err)
{
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        int rc = cf_case_append_body(c, ev, &bodies[i], err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* An event's row. SQLite: the position now; PostgreSQL: none yet, given at commit
 * (store-int.h). The agency (?7) is the case row's, bound: the writer knows it (a
 * subquery per row read the case row's key again for every event). */
static const char *const event_insert_sql =
    "INSERT INTO events(case_id, seq, type, at, body, hash, pos, agency) VALUES (?1, ?2, ?3, ?4, "
    "?5, ?6, " CF__STORE_NEXT_POS ", ?7)";
static const char *const event_insert_pg_sql =
    "INSERT INTO events(case_id, seq, type, at, body, hash, agency) VALUES (?1, ?2, ?3, ?4, ?5, "
    "?6, ?7)";

/* PostgreSQL, before a transaction's first event: where its events' ids start, for the
 * numbering at commit (cf_events_place, store-pg.c's step 23), which then looks only at
 * the unplaced from there on, not at every dead entry the numbering left in the index of the
 * unplaced since the last vacuum. The identity's sequence hands out ids above its last value
 * (CACHE 1, as the schema makes it). Sent without waiting; a savepoint rolled back takes the
 * setting with it, and the numbering then looks from the first id (as before). */
static int mark_events_from(cf_store_t *s, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "SELECT set_config('cf.events_from', last_value::text, true) FROM events_id_seq", &st,
        err);
    if (rc != 0)
        return rc;
    cf_db_defer(st);
    int step = cf_db_step(st);
    cf__store_release(s, st);
    return step == CF_DB_DONE || step == CF_DB_ROW ? 0 : cf__store_error(s, step, "place", err);
}

static int write_events(cf_store_t *s, json_t *events, char *const *bodies, const char *agency,
                        cf_error_t *err)
{
    int pg = cf_db_kind(s->db) == CF_DB_PG;
    int rc = pg && !s->unplaced ? mark_events_from(s, err) : 0;
    cf_db_stmt_t *st = NULL;
    if (rc == 0)
        rc = cf__store_prepare(s, cf_db_pick(s->db, event_insert_sql, event_insert_pg_sql), &st,
                               err);
    if (rc == 0) /* PostgreSQL: sent without waiting (db.h): after the version check */
        cf_db_defer(st);
    s->unplaced |= pg;
    if (rc == 0)
        cf_db_bind_text(st, 7, agency, -1, CF_DB_STATIC); /* kept by the resets */
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (rc == 0)
            rc = insert_event(s, st, ev, bodies[i], err);
    }
    cf__store_release(s, st);
    return rc == 0 ? fault_at(s, "events", err) : rc;
}

/* The case row: inserted whole when the case opens; afterwards only what a fold
 * can change is updated (an upsert that replaced the row would delete the row and put it
 * back into every index of cases). */
static const char *const case_insert_sql =
    "INSERT INTO cases(id, workflow_id, workflow_version, workflow_hash, matter_id, parent_id, "
    "party, algo, opened_at, state, closed, version, head, updated_at, closed_at, snapshot, "
    "agency) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)";
#define CF__CASE_SET_ALL                                                                           \
    "UPDATE cases SET state = ?10, closed = ?11, version = ?12, head = ?13, updated_at = ?14, "    \
    "closed_at = ?15, snapshot = ?16 "
#define CF__CASE_SET_SAME                                                                          \
    "UPDATE cases SET version = ?12, head = ?13, updated_at = ?14, closed_at = ?15, "              \
    "snapshot = ?16 "
#define CF__CASE_SET_SAME_CLOSED                                                                   \
    "UPDATE cases SET state = ?10, version = ?12, head = ?13, updated_at = ?14, snapshot = ?16 "
/* The row is updated only while it is at the version and head the caller's case was read
 * at (?18, ?19): the head as well, so that a copy of the case that never committed (a
 * writer's cache after a failed group commit) cannot chain onto another node's write of
 * the same version: equal heads, equal chains. */
#define CF__CASE_BY_KEY "WHERE id = ?1 AND agency = ?17 AND version = ?18 AND head = ?19"
/* PostgreSQL, when the caller gives no agency: the row by its id, and its agency returned
 * for the other rows of the change (one wait, which the version check waits for anyway,
 * where reading the agency first was a round trip of its own; issue 24). */
#define CF__CASE_BY_ID "WHERE id = ?1 AND version = ?18 AND head = ?19 RETURNING agency"
static const char *const case_update_sql = CF__CASE_SET_ALL CF__CASE_BY_KEY;
/* The same when the state and whether the case is closed stay as they were (an alert,
 * a fact recorded): SQLite rewrites an index whenever the SET names one of its columns,
 * so naming state and closed cost two index pages a write (cases_state, cases_open)
 * that nothing changed in. They are not compared in the WHERE either: the version
 * check already pins the row the caller read, and with the key (id, agency) SQLite's
 * planner took a comparison on closed for the partial index cases_open and scanned
 * every open case for each write (a burst on a million cases: docs/performance.md). */
static const char *const case_update_same_sql = CF__CASE_SET_SAME CF__CASE_BY_KEY;
/* ... and when the state changes but the case neither closes nor reopens: without the columns of
 * the cases_open index, which SQLite would otherwise rewrite for every change. */
static const char *const case_update_same_closed_sql = CF__CASE_SET_SAME_CLOSED CF__CASE_BY_KEY;
/* The same three by id, returning the agency (PostgreSQL, no agency given). */
static const char *const case_update_by_id_sql[3] = {CF__CASE_SET_ALL CF__CASE_BY_ID,
                                                     CF__CASE_SET_SAME CF__CASE_BY_ID,
                                                     CF__CASE_SET_SAME_CLOSED CF__CASE_BY_ID};

/* Each names the whole key (id, agency), the agency bound: a search by the whole of a
 * unique key is a single-row write for SQLite, which then opens no statement journal
 * (by id alone it might write several rows, so it copied every page the UPDATE touched
 * into the journal once more, on top of the request's savepoint: callgrind,
 * docs/performance.md). */
/* Exported, documented in store-int.h */
const char *const cf__store_case_updates[CF__STORE_CASE_UPDATES] = {
    case_update_sql, case_update_same_sql, case_update_same_closed_sql};

static int stored_version(cf_store_t *s, int64_t id, int64_t *version, cf_error_t *err);

/* The update matched no row: the case is gone, or someone else's write came
 * first. Says which. */
static int not_updated(cf_store_t *s, const cf_case_t *c, int64_t expected, cf_error_t *err)
{
    int64_t version = 0;
    int rc = stored_version(s, c->id, &version, err);
    return rc != 0 ? rc
                   : cf_error_set(err, CF_ECONFLICT, NULL, 0, 0,
                                  "case %lld is at version %lld, not %lld: someone else acted on "
                                  "it; reload and retry",
                                  (long long)c->id, (long long)version, (long long)expected);
}

/* Writes c's row. When not opening, the row is updated only if it is still at
 * version expected and at before's head (the caller's case as it was read): the
 * optimistic check, CF_ECONFLICT otherwise, in the same statement as the write.
 * found (PostgreSQL, appending with no agency; else NULL): the row is found by its id
 * and OUT found (size bytes) is its agency. */
static int write_case_row(cf_store_t *s, const cf_case_t *c, const cf_case_t *before, int opening,
                          const char *agency, char *found, size_t size, int64_t expected,
                          const char *snapshot, cf_error_t *err)
{
    int same = !opening && before->state && c->state && strcmp(before->state, c->state) == 0 &&
               (before->closed_at != 0) == (c->closed_at != 0);
    /* snapshot: c's, made before the write (cf_store_case_put_next); else made here */
    int made = snapshot || cf_case_snapshot_buf(c, &s->snapshot, &s->snapshot_cap) == 0;
    const char *text = snapshot ? snapshot : made ? s->snapshot : NULL;
    char *party = opening ? json_dumps(c->party, JSON_COMPACT) : NULL;
    int which = same ? 1 : c->closed_at == before->closed_at ? 2 : 0;
    const char *sql = opening ? case_insert_sql
                      : found ? case_update_by_id_sql[which]
                              : cf__store_case_updates[which];
    cf_db_stmt_t *st = NULL;
    int rc = text && (party || !opening) ? cf__store_prepare(s, sql, &st, err) : CF_ENOMEM;
    if (rc == 0) {
        cf_db_bind_int64(st, 1, c->id);
        if (opening) {
            cf__store_bind_text(st, 2, c->workflow_id);
            cf_db_bind_int(st, 3, (int)c->workflow_version);
            cf__store_bind_text(st, 4, c->workflow_hash);
            cf__store_bind_text(st, 5, c->matter_id);
            c->parent_id ? cf_db_bind_int64(st, 6, c->parent_id) : cf_db_bind_null(st, 6);
            cf_db_bind_text(st, 7, party, -1, CF_DB_STATIC);
            cf_db_bind_text(st, 8, cf_chain_algo_name(c->algo), -1, CF_DB_STATIC);
            cf_db_bind_int64(st, 9, c->opened_at);
        }
        cf_db_bind_text(st, 17, agency, -1, CF_DB_STATIC);
        cf__store_bind_text(st, 10, c->state);
        cf_db_bind_int(st, 11, c->closed_at != 0);
        cf_db_bind_int64(st, 12, c->version);
        cf_db_bind_text(st, 13, c->head, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 14, c->updated_at);
        c->closed_at ? cf_db_bind_int64(st, 15, c->closed_at) : cf_db_bind_null(st, 15);
        cf_db_bind_text(st, 16, text, -1, CF_DB_STATIC);
        if (!opening) {
            cf_db_bind_int64(st, 18, expected);
            cf_db_bind_text(st, 19, before->head, -1, CF_DB_STATIC);
        }
        int step = cf_db_step(st),
            ok = found ? step == CF_DB_ROW || step == CF_DB_DONE : step == CF_DB_DONE;
        rc = ok ? 0 : cf__store_error(s, step, "write case", err);
        if (rc == 0 && found && step == CF_DB_ROW)
            cf__store_copy_col(st, 0, found, size);
        else if (rc == 0 && !opening && (found || cf_db_changes(s->db) == 0))
            rc = not_updated(s, c, expected, err);
    }
    cf__store_release(s, st);
    free(party);
    return rc == 0 ? fault_at(s, "case", err) : rc;
}

/* The clock index: one row per clock of the case. Only a clock event changes a
 * clock (the fold, case.c), so only the rows of the clocks the events name are
 * written; a transition that touches no clock writes none. */
static const char *const clock_upsert_sql =
    "INSERT INTO clocks(case_id, clock_id, state, deadline, party, provisional, agency) VALUES "
    "(?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(case_id, clock_id, agency) DO UPDATE SET state = "
    "excluded.state, deadline = excluded.deadline, party = excluded.party, provisional = "
    "excluded.provisional";

static int write_clocks(cf_store_t *s, const cf_case_t *c, const json_t *events, const char *agency,
                        cf_error_t *err)
{
    cf_db_stmt_t *st = NULL;
    int rc = 0;
    for (unsigned i = 0; rc == 0 && i < c->clocks_count; i++) {
        if (!cf_events_name_clock(events, "clock.", c->clocks[i].id))
            continue;
        if (!st && (rc = cf__store_prepare(s, clock_upsert_sql, &st, err)) != 0)
            break;
        cf_db_reset(st);
        cf_db_bind_text(st, 7, agency, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 1, c->id);
        cf_db_bind_text(st, 2, c->clocks[i].id, -1, CF_DB_STATIC);
        cf_db_bind_text(st, 3, cf_clock_state_name(c->clocks[i].state), -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 4, c->clocks[i].deadline);
        cf_db_bind_int(st, 5, c->clocks[i].party);
        cf_db_bind_int(st, 6, c->clocks[i].prov_first);
        int step = cf_db_step(st);
        rc = step == CF_DB_DONE ? 0 : cf__store_error(s, step, "index clocks", err);
    }
    cf__store_release(s, st);
    return rc == 0 ? fault_at(s, "clocks", err) : rc;
}

/* The agency case id's rows carry: its row's ('' for no row: the write fails anyway). */
static const char *const case_agency_sql = "SELECT agency FROM cases WHERE id = ?";

/* OUT agency (size bytes): the agency of case id as its row has it. */
static int row_agency(cf_store_t *s, int64_t id, char *agency, size_t size, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, case_agency_sql, &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    cf__store_copy_col(st, 0, agency, size); /* "" when there is no row */
    cf__store_release(s, st);
    return step == CF_DB_ROW || step == CF_DB_DONE ? 0 : cf__store_error(s, step, "read case", err);
}

/* Exported, documented in store-int.h */
const char *const cf__store_agency_writes[CF__STORE_AGENCY_WRITES] = {
    event_insert_sql, clock_upsert_sql, case_agency_sql, CF__STORE_PEOPLE_INSERT,
    CF__STORE_SUMMARY_UPDATE};

static int stored_version(cf_store_t *s, int64_t id, int64_t *version, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT version FROM cases WHERE id = ?", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *version = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read case version", err);
}

static int next_case_id(cf_store_t *s, int64_t *id, cf_error_t *err)
{
    cf_db_stmt_t *st;
    /* PostgreSQL: a sequence, so that two nodes opening cases at once never take the
     * same id (an id a rolled-back open took is not given again: ids may have gaps) */
    int rc = cf__store_prepare(s,
                               cf_db_pick(s->db, "SELECT COALESCE(MAX(id), 0) + 1 FROM cases",
                                          "SELECT nextval('cases_id_seq')"),
                               &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    if (step == CF_DB_ROW)
        *id = cf_db_column_int64(st, 0);
    cf__store_release(s, st);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "allocate case id", err);
}

/* Exported, documented in store-int.h. The writes of one case, inside a
 * transaction the caller holds: seals events onto a copy of c, then writes the
 * case row (checking the version: CF_ECONFLICT), the events and the clock rows.
 * On failure the events may have been sealed; sealing again replaces their
 * links. */
int cf__store_case_next(cf_store_t *s, const cf_case_t *c, json_t *events, int opening,
                        const char *agency, cf_case_t *next, cf_error_t *err)
{
    size_t n = json_array_size(events);
    char **bodies = calloc(n ? n : 1, sizeof(*bodies));
    if (!bodies)
        return CF_ENOMEM;
    int rc = readable(events, err);
    if (rc == 0)
        rc = cf_case_copy(next, c);
    if (rc != 0) {
        free(bodies);
        return rc;
    }
    if (opening)
        rc = next_case_id(s, &next->id, err);
    if (rc == 0)
        rc = seal_events(next, events, bodies, err);
    char read[128] = "";
    /* with no agency given: PostgreSQL's UPDATE returns it (found); SQLite reads it
     * first, once, for every row the change writes (in process: no round trip) */
    char *found = !agency && !opening && cf_db_kind(s->db) == CF_DB_PG ? read : NULL;
    if (rc == 0 && !agency && !opening && !found)
        rc = row_agency(s, c->id, read, sizeof(read), err);
    if (rc == 0)
        rc = write_case_row(s, next, c, opening, agency ? agency : read, found, sizeof(read),
                            c->version, NULL, err);
    if (!agency)
        agency = read;
    if (rc == 0)
        rc = write_events(s, events, bodies, agency, err);
    if (rc == 0)
        rc = write_clocks(s, next, events, agency, err);
    for (size_t i = 0; i < n; i++)
        free(bodies[i]);
    free(bodies);
    if (rc != 0)
        cf_case_dispose(next);
    return rc;
}

/* The transaction shared by open and append: cf__store_case_next between BEGIN IMMEDIATE
 * and COMMIT; c is replaced by the case after it only once the commit is durable. */
static int commit_case(cf_store_t *s, cf_case_t *c, json_t *events, int opening, cf_error_t *err)
{
    cf_case_t work;
    int wrote = 0;
    int rc = cf__store_run(s, CF__STORE_BEGIN(s), err);
    if (rc == 0)
        rc = fault_at(s, "begin", err);
    if (rc == 0 && (rc = cf__store_case_next(s, c, events, opening, NULL, &work, err)) == 0)
        wrote = 1;
    if (rc == 0)
        rc = fault_at(s, "commit", err);
    if (rc == 0)
        rc = cf__store_commit(s, err);
    if (rc != 0) {
        cf__store_rollback(s);
        if (wrote)
            cf_case_dispose(&work);
        return rc;
    }
    cf_case_dispose(c);
    *c = work;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_open(cf_store_t *s, cf_case_t *c, json_t *events, cf_error_t *err)
{
    return commit_case(s, c, events, 1, err);
}

/* Exported, documented in store.h */
int cf_store_case_append(cf_store_t *s, cf_case_t *c, json_t *events, cf_error_t *err)
{
    return commit_case(s, c, events, 0, err);
}

/* ---- reading -------------------------------------------------------------------- */

/* Steps st, a select of case id's row (bound as its only parameter): 0 when
 * st is on the row, CF_ENOTFOUND or a store error. */
static int case_row_step(cf_store_t *s, cf_db_stmt_t *st, int64_t id, cf_error_t *err)
{
    cf_db_bind_int64(st, 1, id);
    int step = cf_db_step(st);
    if (step == CF_DB_DONE)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    return step == CF_DB_ROW ? 0 : cf__store_error(s, step, "read case", err);
}

/* Exported, documented in store.h */
int cf_store_case_get(cf_store_t *s, int64_t id, cf_case_t *c, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT snapshot FROM cases WHERE id = ?", &st, err);
    if (rc != 0)
        return rc;
    rc = case_row_step(s, st, id, err);
    if (rc == 0) {
        json_t *snap = json_loads((const char *)cf_db_column_text(st, 0), 0, NULL);
        rc = snap ? cf_case_from_json(c, snap, err)
                  : cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: snapshot is not JSON",
                                 (long long)id);
        json_decref(snap);
    }
    cf__store_release(s, st);
    return rc;
}

/* An event whose stored body is not JSON, as an audit sees it: what its row's
 * columns still say, and why it cannot be read. */
static json_t *unreadable(cf_db_stmt_t *st, int64_t id, const json_error_t *why)
{
    char text[256];
    snprintf(text, sizeof(text), "not JSON at line %d, column %d: %s", why->line, why->column,
             why->text);
    return json_pack("{s:I, s:I, s:s, s:s, s:s}", "seq", (json_int_t)cf_db_column_int64(st, 0),
                     "case", (json_int_t)id, "type", cf_db_column_text(st, 1), "hash",
                     cf_db_column_text(st, 2), "unreadable", text);
}

/* What read_events recomputes of each event's hash, for an audit. */
typedef struct rehash_s {
    cf_chain_algo_t algo;
    cf_store_rehash_t *out;
    cf__jsonw_t canon; /* the event's canonical text, as read (cf__jsonr_load_canonical) */
} rehash_t;

/* Event ev's hash recomputed into slot n of h: from its text as read when that is
 * already canonical, else from its value (cf_chain_hash); "" when unreadable. */
static int rehash(rehash_t *h, size_t n, const json_t *ev)
{
    cf_store_rehash_t *out = h->out;
    if (n == out->cap) {
        size_t cap = out->cap ? 2 * out->cap : 16;
        char(*grown)[CF_CHAIN_HEX] = realloc(out->hashes, cap * sizeof(*grown));
        if (!grown)
            return CF_ENOMEM;
        out->hashes = grown;
        out->cap = cap;
    }
    const char *prev = json_string_value(json_object_get(ev, "prev"));
    out->hashes[n][0] = '\0';
    if (json_object_get(ev, "unreadable") || h->canon.oom)
        return h->canon.oom ? CF_ENOMEM : 0;
    if (h->canon.len)
        return cf_chain_hash_text(h->algo, prev ? prev : "", h->canon.p, h->canon.len,
                                  out->hashes[n]);
    return cf_chain_hash(h->algo, prev ? prev : "", ev, out->hashes[n]);
}

/* The events of case id by seq; an event that is not JSON fails the read, or
 * with lenient stands in the array as unreadable() makes it. With h, each
 * event's hash is recomputed into h (rehash). */
static int read_events(cf_store_t *s, int64_t id, int lenient, rehash_t *h, json_t **events,
                       cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s, "SELECT seq, type, hash, body FROM events WHERE case_id = ? ORDER BY seq", &st, err);
    if (rc != 0)
        return rc;
    cf_db_bind_int64(st, 1, id);
    json_t *out = json_array();
    int step = CF_DB_DONE;
    while (rc == 0 && out && (step = cf_db_step(st)) == CF_DB_ROW) {
        json_error_t why;
        const char *text = (const char *)cf_db_column_text(st, 3);
        size_t len = (size_t)cf_db_column_bytes(st, 3);
        json_t *ev = h ? cf__jsonr_load_canonical(text, len, &why, &h->canon)
                       : cf__jsonr_load(text, len, &why);
        if (!ev && lenient)
            ev = unreadable(st, id, &why);
        else if (!ev)
            rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: event %lld is not JSON",
                              (long long)id, (long long)cf_db_column_int64(st, 0));
        if (rc == 0 && h && ev)
            rc = rehash(h, json_array_size(out), ev);
        if (rc == 0 && (!ev || json_array_append_new(out, ev) != 0))
            rc = CF_ENOMEM;
        else if (rc != 0)
            json_decref(ev);
    }
    if (rc == 0 && out && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "read events", err);
    cf__store_release(s, st);
    if (rc != 0 || !out) {
        json_decref(out);
        return rc ? rc : CF_ENOMEM;
    }
    *events = out;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_events(cf_store_t *s, int64_t id, json_t **events, cf_error_t *err)
{
    return read_events(s, id, 0, NULL, events, err);
}

/* Exported, documented in store.h */
int cf_store_case_events_audit(cf_store_t *s, int64_t id, json_t **events, cf_error_t *err)
{
    return read_events(s, id, 1, NULL, events, err);
}

/* Exported, documented in store.h */
int cf_store_case_events_rehashed(cf_store_t *s, int64_t id, cf_chain_algo_t algo, json_t **events,
                                  cf_store_rehash_t *h, cf_error_t *err)
{
    rehash_t r = {.algo = algo, .out = h, .canon = {.p = h->text, .cap = h->text_cap}};
    int rc = read_events(s, id, 1, &r, events, err);
    h->text = r.canon.p; /* grown or not, still the caller's */
    h->text_cap = r.canon.cap;
    return rc;
}

/* Exported, documented in store.h */
void cf_store_rehash_dispose(cf_store_rehash_t *h)
{
    free(h->hashes);
    free(h->text);
    memset(h, 0, sizeof(*h));
}

/* Exported, documented in store.h */
int cf_store_read_begin(cf_store_t *s, cf_error_t *err)
{
    return cf__store_run(s, "BEGIN", err);
}

/* Exported, documented in store.h */
void cf_store_read_end(cf_store_t *s)
{
    cf_db_exec(s->db, "COMMIT"); /* nothing written: cannot fail */
}

/* A text column as a new string (NULL for SQL NULL); *oom set when it cannot be. */
static char *column_dup(cf_db_stmt_t *st, int col, int *oom)
{
    const char *text = (const char *)cf_db_column_text(st, col);
    char *copy = text ? strdup(text) : NULL;
    *oom |= text && !copy;
    return copy;
}

static int row_to_case(cf_db_stmt_t *st, cf_case_t *c, cf_error_t *err)
{
    int oom = 0;
    memset(c, 0, sizeof(*c));
    c->id = cf_db_column_int64(st, 0);
    c->workflow_id = column_dup(st, 1, &oom);
    c->workflow_version = (unsigned)cf_db_column_int(st, 2);
    snprintf(c->workflow_hash, sizeof(c->workflow_hash), "%s", cf_db_column_text(st, 3));
    c->matter_id = column_dup(st, 4, &oom);
    c->parent_id = cf_db_column_int64(st, 5);
    c->state = column_dup(st, 6, &oom);
    c->version = cf_db_column_int64(st, 7);
    snprintf(c->head, sizeof(c->head), "%s", cf_db_column_text(st, 8));
    c->opened_at = cf_db_column_int64(st, 10);
    c->updated_at = cf_db_column_int64(st, 11);
    c->closed_at = cf_db_column_int64(st, 12); /* NULL while open: 0 */
    int rc = oom ? CF_ENOMEM : 0;
    if (rc == 0 && cf_chain_algo_parse((const char *)cf_db_column_text(st, 9), &c->algo) != 0)
        rc = cf_error_set(err, CF_ECORRUPT, NULL, 0, 0, "case %lld: unknown chain algorithm",
                          (long long)c->id);
    if (rc != 0)
        cf_case_dispose(c);
    return rc;
}

/* Exported, documented in store.h */
int cf_store_case_row(cf_store_t *s, int64_t id, cf_case_t *c, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s,
                          "SELECT id, workflow_id, workflow_version, workflow_hash, matter_id, "
                          "coalesce(parent_id, 0), state, version, head, algo, opened_at, "
                          "updated_at, closed_at FROM cases WHERE id = ?",
                          &st, err);
    if (rc != 0)
        return rc;
    rc = case_row_step(s, st, id, err);
    if (rc == 0)
        rc = row_to_case(st, c, err);
    cf__store_release(s, st);
    return rc;
}

/* The row's columns (row_to_case) then what it caches (cf__store_cached_json):
 * one read of the row for an audit, where it took two. */
#define AUDIT_ROW_CACHED 13

/* Exported, documented in store.h */
int cf_store_case_audit_row(cf_store_t *s, int64_t id, cf_case_t *c, json_t **row, char **snapshot,
                            size_t *snapshot_len, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(
        s,
        "SELECT id, workflow_id, workflow_version, workflow_hash, matter_id, "
        "coalesce(parent_id, 0), state, version, head, algo, opened_at, updated_at, closed_at, "
        "id, workflow_id, workflow_version, workflow_hash, matter_id, parent_id, party, algo, "
        "state, closed, version, head, opened_at, updated_at, closed_at, snapshot "
        "FROM cases WHERE id = ?",
        &st, err);
    if (rc != 0)
        return rc;
    cf_case_t got;
    json_t *cached = NULL;
    char *text = NULL;
    int col = AUDIT_ROW_CACHED + 15, have_case = 0;
    size_t len = 0;
    rc = case_row_step(s, st, id, err);
    if (rc == 0 && (rc = row_to_case(st, &got, err)) == 0)
        have_case = 1;
    if (rc == 0 && !(cached = cf__store_cached_json(st, AUDIT_ROW_CACHED, 0)))
        rc = CF_ENOMEM;
    if (rc == 0 && cf_db_column_type(st, col) == CF_DB_NULL) { /* as cf_store_case_cached */
        rc = json_object_set_new(cached, "snapshot", json_null()) ? CF_ENOMEM : 0;
    } else if (rc == 0) {
        len = (size_t)cf_db_column_bytes(st, col);
        const void *bytes = cf_db_column_text(st, col);
        if ((text = malloc(len + 1)) != NULL) {
            memcpy(text, bytes, len);
            text[len] = '\0';
        }
        rc = text ? 0 : CF_ENOMEM;
    }
    cf__store_release(s, st);
    if (rc != 0) {
        if (have_case)
            cf_case_dispose(&got);
        json_decref(cached);
        return rc;
    }
    *c = got;
    *row = cached;
    *snapshot = text;
    *snapshot_len = len;
    return 0;
}

/* Exported, documented in store.h */
int cf_store_case_ids(cf_store_t *s, const cf_time_t *closed, int64_t **ids, size_t *count,
                      cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc =
        cf__store_prepare(s,
                          closed ? "SELECT id FROM cases WHERE closed_at >= ? AND closed_at < ? "
                                   "ORDER BY id"
                                 : "SELECT id FROM cases ORDER BY id",
                          &st, err);
    if (rc != 0)
        return rc;
    if (closed) {
        cf_db_bind_int64(st, 1, closed[0]);
        cf_db_bind_int64(st, 2, closed[1]);
    }
    int64_t *out = NULL;
    size_t n = 0, cap = 0;
    int step;
    while (rc == 0 && (step = cf_db_step(st)) == CF_DB_ROW) {
        if (n == cap) {
            int64_t *grown = realloc(out, (cap = cap ? 2 * cap : 1024) * sizeof(*out));
            if (!grown) {
                rc = CF_ENOMEM;
                break;
            }
            out = grown;
        }
        out[n++] = cf_db_column_int64(st, 0);
    }
    if (rc == 0 && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "list cases", err);
    cf__store_release(s, st);
    if (rc != 0) {
        free(out);
        return rc;
    }
    *ids = out;
    *count = n;
    return 0;
}

#define LIST_SELECT                                                                                \
    "SELECT c.id, c.workflow_id, c.workflow_version, c.state, c.closed, c.party, c.matter_id, "    \
    "c.parent_id, c.updated_at, c.version, (SELECT MIN(deadline) FROM clocks k WHERE k.case_id = " \
    "c.id AND k.state = 'running'), (SELECT MIN(provisional) FROM clocks k WHERE k.case_id = "     \
    "c.id AND k.state IN ('running', 'paused') AND k.provisional > 0), " CF__LIST_REFS             \
    "FROM cases c WHERE "
static const char *const list_sql = LIST_SELECT CF__LIST_FILTERS(CF__LIST_ANY_PARENT);
static const char *const children_sql = LIST_SELECT CF__LIST_FILTERS(CF__LIST_CHILDREN);
static const char *const deadline_sql =
    LIST_SELECT CF__LIST_FILTERS_BY_DEADLINE(CF__LIST_ANY_PARENT);

/* Exported, documented in store-int.h */
json_t *cf__store_case_list_row(cf_db_stmt_t *st)
{
    char updated[CF_TIME_BUFSZ], next[CF_TIME_BUFSZ];
    int64_t parent = cf_db_column_int64(st, 7);
    json_t *party = json_loads((const char *)cf_db_column_text(st, 5), 0, NULL);
    cf_time_format(cf_db_column_int64(st, 8), updated);
    json_t *row = json_pack(
        "{s:I, s:s, s:i, s:s, s:b, s:o, s:s?, s:o, s:s, s:I}", "id",
        (json_int_t)cf_db_column_int64(st, 0), "workflow", cf_db_column_text(st, 1),
        "workflow_version", cf_db_column_int(st, 2), "state", cf_db_column_text(st, 3), "closed",
        cf_db_column_int(st, 4), "party", party ? party : json_object(), "matter",
        cf_db_column_text(st, 6), "parent", parent ? json_integer(parent) : json_null(),
        "updated_at", updated, "version", (json_int_t)cf_db_column_int64(st, 9));
    if (row && cf_db_column_type(st, 10) != CF_DB_NULL) {
        cf_time_format(cf_db_column_int64(st, 10), next);
        json_object_set_new(row, "next_deadline", json_string(next));
    }
    if (row && cf_db_column_type(st, 11) != CF_DB_NULL) /* R11: a running clock's */
        json_object_set_new(row, "provisional", json_integer(cf_db_column_int(st, 11)));
    static const char *const refs[] = {"number", "name", "decision_number", "archive_number"};
    for (int i = 0; row && i < 4; i++) /* issue 20: its 案号, name and numbers */
        if (cf_db_column_type(st, 12 + i) != CF_DB_NULL)
            json_object_set_new(row, refs[i],
                                json_string((const char *)cf_db_column_text(st, 12 + i)));
    return row;
}

/* Exported, documented in store-int.h */
void cf__store_bind_list(cf_db_stmt_t *st, const cf_case_filter_t *f)
{
    cf__store_bind_text(st, 1, f->state);
    cf__store_bind_text(st, 2, f->workflow);
    cf__store_bind_text(st, 3, f->matter);
    cf_db_bind_int64(st, 4, f->parent);
    cf_db_bind_int(st, 5, f->open_only);
    cf_db_bind_int64(st, 6, f->due_within);
    cf_db_bind_int64(st, 7, f->now);
    cf_db_bind_int(st, 8, f->overdue);
    if (f->after > 0)
        cf_db_bind_int64(st, 10, f->after);
    cf_db_bind_int64(st, 11, f->limit > 0 ? f->limit : INT64_MAX);
    cf__store_bind_text(st, 12, f->number);
    cf__store_bind_text(st, 13, f->handler);
    cf__store_bind_text(st, 14, f->q && f->q[0] ? f->q : NULL);
    cf__store_bind_text(st, 16, f->power_type && f->power_type[0] ? f->power_type : NULL);
    cf__store_bind_text(st, 17, f->cause && f->cause[0] ? f->cause : NULL);
    if (f->by_deadline) {
        cf_db_bind_null(st, 10); /* the page is the offset's, not an id's */
        cf_db_bind_int64(st, 15, f->offset);
    }
}

/* Exported, documented in store.h */
int cf_store_case_list(cf_store_t *s, const cf_case_filter_t *f, json_t **list, cf_error_t *err)
{
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s,
                               f->by_deadline ? deadline_sql
                               : f->parent    ? children_sql
                                              : list_sql,
                               &st, err);
    if (rc != 0)
        return rc;
    cf__store_bind_list(st, f);
    json_t *out = json_array();
    int step = CF_DB_DONE;
    while (out && (step = cf_db_step(st)) == CF_DB_ROW)
        if (json_array_append_new(out, cf__store_case_list_row(st)) != 0)
            rc = CF_ENOMEM;
    if (rc == 0 && out && step != CF_DB_DONE)
        rc = cf__store_error(s, step, "list cases", err);
    cf__store_release(s, st);
    if (rc != 0 || !out) {
        json_decref(out);
        return rc ? rc : CF_ENOMEM;
    }
    *list = out;
    return 0;
}

/* ---- writing inside a caller's transaction (the daemon's group commit) ------------ */

/* Exported, documented in store-int.h */
int cf__store_case_write(cf_store_t *s, cf_case_t *c, json_t *events, int opening,
                         const char *agency, cf_error_t *err)
{
    cf_case_t next;
    int rc = cf__store_case_next(s, c, events, opening, agency, &next, err);
    if (rc != 0)
        return rc;
    cf_case_dispose(c);
    *c = next;
    return 0;
}

/* Exported, documented in store.h. The same rows cf__store_case_next writes for a change
 * that keeps the state and closedness (case_update_same_sql, the events), from text
 * made before the write: nothing is copied, sealed or serialized here. */
int cf_store_case_put_sealed(cf_store_t *s, const cf_store_sealed_t *w, cf_error_t *err)
{
    cf_db_stmt_t *st = NULL;
    int rc = cf__store_prepare(s, case_update_same_sql, &st, err);
    if (rc == 0) {
        cf_db_bind_int64(st, 1, w->id);
        cf_db_bind_int64(st, 12, w->version);
        cf_db_bind_text(st, 13, w->head, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 14, w->updated_at);
        w->closed_at ? cf_db_bind_int64(st, 15, w->closed_at) : cf_db_bind_null(st, 15);
        cf_db_bind_text(st, 16, w->snapshot, -1, CF_DB_STATIC);
        cf_db_bind_text(st, 17, w->agency, -1, CF_DB_STATIC);
        cf_db_bind_int64(st, 18, w->expected);
        cf_db_bind_text(st, 19, w->prev, -1, CF_DB_STATIC);
        int step = cf_db_step(st);
        rc = step == CF_DB_DONE ? 0 : cf__store_error(s, step, "write case", err);
        if (rc == 0 && cf_db_changes(s->db) == 0)
            rc = not_updated(s, &(cf_case_t){.id = w->id}, w->expected, err);
    }
    cf__store_release(s, st);
    if (rc == 0)
        rc = fault_at(s, "case", err);
    return rc == 0 ? write_events(s, (json_t *)w->events, w->bodies, w->agency, err) : rc;
}

/* Exported, documented in store.h. cf__store_case_next's writes for a case already
 * sealed and serialized by the caller (next, snapshot, bodies): the case row (only while
 * it is at before's version and head), the events, the clock rows. */
int cf_store_case_put_next(cf_store_t *s, const cf_case_t *before, const cf_case_t *next,
                           const char *snapshot, const json_t *events, char *const *bodies,
                           const char *agency, cf_error_t *err)
{
    int rc = readable(events, err);
    if (rc == 0)
        rc = write_case_row(s, next, before, 0, agency, NULL, 0, before->version, snapshot, err);
    if (rc == 0)
        rc = write_events(s, (json_t *)events, bodies, agency, err);
    return rc == 0 ? write_clocks(s, next, events, agency, err) : rc;
}
