/*
 * store-cases.c -- writing cases and their event logs in the SQLite backend (reading
 * them is store-case-read.c).
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

#include <assert.h>
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

/* Writes event ev (stored text body) with st, one of the event INSERTs below; pos is the
 * position bound (?8, event_insert_at_sql), or -1 for a statement that finds it itself. */
static int insert_event(cf_store_t *s, cf_db_stmt_t *st, const json_t *ev, const char *body,
                        int64_t pos, cf_error_t *err)
{
    cf_db_reset(st);
    cf_db_bind_int64(st, 1, json_integer_value(json_object_get(ev, "case")));
    cf_db_bind_int64(st, 2, json_integer_value(json_object_get(ev, "seq")));
    cf_db_bind_text(st, 3, json_string_value(json_object_get(ev, "type")), -1, CF_DB_STATIC);
    cf_db_bind_text(st, 4, json_string_value(json_object_get(ev, "at")), -1, CF_DB_STATIC);
    cf_db_bind_text(st, 5, body, -1, CF_DB_STATIC);
    cf_db_bind_text(st, 6, json_string_value(json_object_get(ev, "hash")), -1, CF_DB_STATIC);
    if (pos >= 0)
        cf_db_bind_int64(st, 8, pos);
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
/* SQLite inside a write transaction: the position bound (?8), counted on by the store from
 * one reading of the log a transaction (next_position); the subquery above, an index look
 * per event, was ~2,100 instructions of the writer's an event (docs/performance.md, http10). */
static const char *const event_insert_at_sql =
    "INSERT INTO events(case_id, seq, type, at, body, hash, pos, agency) VALUES (?1, ?2, ?3, ?4, "
    "?5, ?6, ?8, ?7)";
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

/* SQLite, inside a write transaction: OUT *pos, the position the transaction's next event
 * takes. Read from the log (CF__STORE_NEXT_POS) once a transaction, then counted on by
 * write_events; read again after anything that could have made the count wrong: another
 * transaction (cf_db_tx_ends moved: a commit, any rollback, SQLite's own after an error),
 * a savepoint rolled back, an event's INSERT that failed. Builds with assertions read the
 * log every time and check the count against it. */
static int next_position(cf_store_t *s, int64_t *pos, cf_error_t *err)
{
    int known = s->pos_known && s->pos_tx == cf_db_tx_ends(s->db);
#ifdef NDEBUG
    if (known) {
        *pos = s->next_pos;
        return 0;
    }
#endif
    cf_db_stmt_t *st;
    int rc = cf__store_prepare(s, "SELECT " CF__STORE_NEXT_POS, &st, err);
    if (rc != 0)
        return rc;
    int step = cf_db_step(st);
    int64_t next = step == CF_DB_ROW ? cf_db_column_int64(st, 0) : -1;
    cf__store_release(s, st);
    if (step != CF_DB_ROW)
        return cf__store_error(s, step, "read the log's end", err);
    assert(!known || next == s->next_pos);
    s->pos_reads += !known; /* a read for the check alone is not counted */
    *pos = next;
    return 0;
}

static int write_events(cf_store_t *s, json_t *events, char *const *bodies, const char *agency,
                        cf_error_t *err)
{
    int pg = cf_db_kind(s->db) == CF_DB_PG;
    int at = !pg && cf_db_in_tx(s->db); /* the position counted by the store */
    int64_t pos = -1;
    int rc = pg && !s->unplaced ? mark_events_from(s, err) : 0;
    if (rc == 0 && at)
        rc = next_position(s, &pos, err);
    cf_db_stmt_t *st = NULL;
    if (rc == 0)
        rc = cf__store_prepare(s,
                               pg   ? event_insert_pg_sql
                               : at ? event_insert_at_sql
                                    : event_insert_sql,
                               &st, err);
    if (rc == 0) /* PostgreSQL: sent without waiting (db.h): after the version check */
        cf_db_defer(st);
    s->unplaced |= pg;
    if (rc == 0)
        cf_db_bind_text(st, 7, agency, -1, CF_DB_STATIC); /* kept by the resets */
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (rc == 0)
            rc = insert_event(s, st, ev, bodies[i], at ? pos++ : -1, err);
    }
    cf__store_release(s, st);
    /* what the next event takes; a failed INSERT leaves it to be read again */
    s->pos_known = at && rc == 0;
    s->next_pos = pos;
    s->pos_tx = cf_db_tx_ends(s->db);
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
    event_insert_sql, event_insert_at_sql,     clock_upsert_sql,
    case_agency_sql,  CF__STORE_PEOPLE_INSERT, CF__STORE_SUMMARY_UPDATE};

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
    cf__store_sealed_free(s);
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
    if (rc == 0) { /* kept for the answer (cf_store_sealed) */
        s->sealed = bodies;
        s->sealed_count = n;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        free(bodies[i]);
    free(bodies);
    cf_case_dispose(next);
    return rc;
}

/* Exported, documented in store-int.h */
void cf__store_sealed_free(cf_store_t *s)
{
    for (size_t i = 0; i < s->sealed_count; i++)
        free(s->sealed[i]);
    free(s->sealed);
    s->sealed = NULL;
    s->sealed_count = 0;
}

/* 1 if text (an event's stored text) ends as event ev's: its hash, then its prev */
static int sealed_as(const char *text, const json_t *ev)
{
    const char *hash = json_string_value(json_object_get(ev, "hash")),
               *prev = json_string_value(json_object_get(ev, "prev"));
    if (!hash || !prev)
        return 0;
    size_t len = strlen(text), h = strlen(hash), p = strlen(prev), tail = 8 + h + 10 + p + 2;
    if (len < tail)
        return 0;
    const char *t = text + len - tail;
    return memcmp(t, "\"hash\":\"", 8) == 0 && memcmp(t + 8, hash, h) == 0 &&
           memcmp(t + 8 + h, "\",\"prev\":\"", 10) == 0 && memcmp(t + 18 + h, prev, p) == 0 &&
           memcmp(t + 18 + h + p, "\"}", 2) == 0;
}

/* Exported, documented in store.h */
char *const *cf_store_sealed(cf_store_t *s, const json_t *events)
{
    size_t n = json_array_size(events);
    if (!s || !s->sealed || n != s->sealed_count)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (!sealed_as(s->sealed[i], json_array_get(events, i)))
            return NULL;
    return s->sealed;
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
