/*
 * audit.h -- proving a case's record intact and its procedure followed.
 *
 * Two checks, both pure (the caller reads the events, the pinned workflow, the
 * calendar and the matter; nothing here touches a database):
 *
 *  - cf_audit_verify: recompute the hash chain. Every event altered (its hash no
 *    longer matches its body), removed (a gap in the sequence, or a head that
 *    moved on), reordered or inserted (a prev that does not name the event
 *    before) is reported with its sequence number.
 *  - cf_audit_replay: re-run every recorded step through the same engine that
 *    accepted it, on the workflow version the case pinned, against the case as
 *    it stood just before. A step the engine would refuse (out of order, wrong
 *    role, missing fact or document, a rule broken, an extension without its
 *    approval or beyond its maximum), a clock event that the engine would not
 *    have produced (a deadline computed otherwise, a clock never started), and
 *    every deadline breached are deviations. Each names the event, the rule,
 *    its legal basis and the 追责情形 of the case's matter it falls under.
 *
 * Replay also measures: how long each step (state) lasted and, per clock,
 * whether it was met and how long it ran, for on-time rates and medians.
 */
#ifndef CF_AUDIT_H
#define CF_AUDIT_H

#include <jansson.h>
#include <stdint.h>

#include "calendar.h"
#include "case.h"
#include "workflow.h"

typedef struct cf_deviation_s {
    int64_t seq;   /* the event it concerns; 0 for the case as a whole */
    char kind[24]; /* see cf_audit_replay */
    char *rule;    /* the rule, clock or check broken, or "" */
    /* The texts are whole, never cut to a fixed size (a cut through a UTF-8 character
     * made a deviation unrenderable, and a report then dropped it): each is a string
     * the audit owns (freed by cf_audit_dispose), never NULL once the deviation is
     * recorded. Set them with cf_deviation_set.
     * The rule is held the same way. */
    char *text;
    char *basis;          /* its legal basis, or "" */
    char *accountability; /* the 追责情形 it falls under, or "" */
} cf_deviation_t;

typedef struct cf_audit_s {
    int64_t case_id;
    cf_deviation_t *items;
    size_t items_count;
    size_t cap;
    json_t *clocks; /* [{clock, outcome, started_at, stopped_at (ISO 8601), seconds}] */
    json_t *steps;  /* [{state, entered_at, left_at (ISO 8601), seconds}] */
    json_t *notes;  /* [{seq, kind, clock, text}]: not deviations. kind "recomputed"
                       (a calendar year loaded moved a provisional deadline, R11/R12)
                       or "counting" (a clock recorded under counting version 1,
                       whose deadline the current count gives otherwise) */
} cf_audit_t;

/* Replaces *field (d->rule, d->text, d->basis or d->accountability) with a copy of value (NULL
 * is ""). Returns 0, or CF_ENOMEM with *field untouched. */
int cf_deviation_set(char **field, const char *value);

/* Makes out empty. Returns 0 or CF_ENOMEM. */
int cf_audit_init(cf_audit_t *out, int64_t case_id);
void cf_audit_dispose(cf_audit_t *out);

/* Verifies the chain of events (as stored, by seq) of case case_id hashed with
 * algo, whose recorded head is head (NULL: not checked). Appends one deviation
 * of kind "chain" per problem: altered, removed, reordered, inserted, moved from
 * another case, head mismatch, unreadable (an event whose body is not JSON, as
 * cf_store_case_events_audit gives it: the chain goes on from its row's hash).
 * Returns 0 (the deviations say whether it passed) or CF_ENOMEM. */
int cf_audit_verify(const json_t *events, cf_chain_algo_t algo, const char *head, cf_audit_t *out);
/* The same, given each event's hash recomputed (cf_chain_hash of event i on its
 * own "prev", with algo) in hashes[i], as cf_store_case_events_rehashed gives
 * them; NULL: recomputed here. */
int cf_audit_verify_hashed(const json_t *events, const char (*hashes)[CF_CHAIN_HEX],
                           cf_chain_algo_t algo, const char *head, cf_audit_t *out);

/* Replays events on wf (the definition the case pinned; NULL when it is not to
 * be had: one "workflow" deviation, nothing replayed) with cal, the matter's
 * catalog entry (or NULL) and now (for clocks still running). Deviation kinds:
 *   "workflow"    the case did not run on this definition, or it is missing
 *   "order"       a step not allowed from the state the case was in (skipped
 *                 or out of order)
 *   "role"        a step taken by a role the workflow does not allow
 *   "requirement" a step without a fact or document it requires, or with an
 *                 undeclared or mistyped fact
 *   "rule"        a procedure rule broken (rule id and article)
 *   "extension"   an extension without its approval or beyond its maximum
 *   "exclusion"   time excluded from a clock for a reason it does not allow, or
 *                 overlapping time already excluded
 *   "clock"       a clock event the engine would not have produced
 *   "deadline"    a deadline breached (recorded, or running past it at now)
 *   "evidence"    an item of evidence or a record the engine would refuse (an
 *                 unknown kind, one officer, a missing field) or would make otherwise
 *   "time"        an event dated before the event recorded before it (rule
 *                 "out-of-order")
 *   "record"      an event that cannot follow the one before, or cannot be read
 *                 (the replay stops there)
 * Each step is replayed on the calendar in force when it was taken (R12): one
 * whose clock events were recorded as provisional from year Y on is replayed
 * with the years up to Y - 1 loaded and the later ones provisional
 * (cf_calendar_view); a clock.recomputed event is checked against the calendar
 * as it stood after its year was loaded, and noted with both deadlines. A clock
 * started under counting version 1 replays under that count (no deviation);
 * where the current count differs, a "counting" note says so.
 * Returns 0 or CF_ENOMEM. */
int cf_audit_replay(const cf_workflow_t *wf, const cf_calendar_t *cal, const json_t *matter,
                    const json_t *events, cf_time_t now, cf_audit_t *out);

/* cf_audit_replay, keeping the case its events fold into for cf_audit_cache_fold
 * (replay folds them anyway). OUT *fold (uninitialized before) and *folded as
 * cf_audit_fold gives them: *folded 0 when the replay did not fold every event
 * (wf NULL, an event unreadable or refused by the fold, no events). */
int cf_audit_replay_fold(const cf_workflow_t *wf, const cf_calendar_t *cal, const json_t *matter,
                         const json_t *events, cf_time_t now, cf_audit_t *out, cf_case_t *fold,
                         int *folded);

/* Compares what the case's row caches with the fold of its events (the record:
 * case.h), so a row edited behind caseflow's back (state, facts, version ...)
 * is caught though reads keep serving it. row is {column: value} as
 * cf_store_case_cached gives it (SQL NULL as null; the snapshot parsed, or its
 * text when it is not JSON); members it lacks are not compared (a bundle has
 * only its snapshot). Appends one deviation of kind "cache" per field that
 * differs, rule "row.<column>" or "snapshot.<member>", naming both values.
 * Events that cannot be read or folded are not compared (cf_audit_verify and
 * cf_audit_replay report them). Returns 0 or CF_ENOMEM. */
int cf_audit_cache(const json_t *events, const json_t *row, cf_audit_t *out);

/* Folds events into c (uninitialized) as cf_audit_cache does. OUT *folded: 1
 * when every event was read and folded (at least one): c then holds the case,
 * to dispose; 0 when not (c is left empty, nothing to dispose). Returns 0 or
 * CF_ENOMEM (*folded 0). */
int cf_audit_fold(const json_t *events, cf_case_t *c, int *folded);

/* cf_audit_cache on a fold already made (cf_audit_fold, or cf_audit_replay_fold:
 * one fold for both checks). fold is NULL when the events could not all be
 * folded (nothing is compared). snapshot, when not NULL, is the row's cached
 * snapshot as stored (snapshot_len bytes; cf_store_case_audit_row), then
 * compared in place of row's "snapshot": the bytes the store writes for fold
 * (cf_case_snapshot_buf) pass without a parse; other bytes are parsed and
 * compared member by member as cf_audit_cache does, so a snapshot with the same
 * value in other bytes passes too, and one that differs is named. Returns 0 or
 * CF_ENOMEM. */
int cf_audit_cache_fold(const cf_case_t *fold, const json_t *row, const char *snapshot,
                        size_t snapshot_len, cf_audit_t *out);

#endif
