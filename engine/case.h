/*
 * case.h -- a case, as the fold of its events.
 *
 * A case is never edited in place: every change is an event appended to its
 * hash-chained log, and the case is what folding those events from nothing gives
 * (cf_case_apply). The store keeps the fold as a snapshot for speed, but the
 * events are the record: an auditor refolds them and must get the same case.
 *
 * Case lifecycle (the workflow decides the states; the case only tracks them):
 *
 *      (none) --case.opened--> OPEN(state = initial) --transition--> OPEN(state')
 *                                   |                                  |
 *                                   +-- transition to a terminal --> CLOSED
 *
 *   (none)  -> OPEN    [cf_case_apply "case.opened"]   version 1, head = hash(ev 1)
 *   OPEN    -> OPEN    [cf_case_apply "transition"]    state = to, prev_state = from
 *   OPEN    -> CLOSED  [cf_case_apply "transition"]    to is terminal: closed, closed_at
 *   any     -> same    [cf_case_apply "clock.*"]       clock runtime changes only
 * Invariants: version == seq of the last event applied; head == its hash; a
 * CLOSED case accepts no transition; state always names a workflow state.
 *
 * Event format (JSON object; all hashed, see chain.h):
 *   case     integer  case id          seq    integer  1, 2, 3, ... per case
 *   type     string   "case.opened" | "transition" | "clock.started" |
 *                     "clock.stopped" | "clock.paused" | "clock.resumed" |
 *                     "clock.extended" | "alert"
 *   at       string   ISO 8601 instant, +08:00
 *   actor    string   who acted;  role  string  in which role
 *   prev     string   hash of the event before (64 zeros for seq 1)
 *   hash     string   this event's hash
 *   case.opened:   workflow {id, version (as stored), hash}, algo, party {name, type}, matter,
 *                  parent, state, facts {}, cause? {dictionary, id, subject {id,
 *                  name}, name, situation, text} (the 案由, cause.h; absent if none)
 *   transition:    action, label, from, to, facts {new values}, documents
 *                  {name: {sha256, size, file}}, cause? (the 案由 record this step
 *                  bound, as case.opened's: filing under a dictionary situation)
 *   clock.started: clock, period ("7 working_days"), deadline, party (bool),
 *                  from (the instant it was counted from: the other clock's
 *                  deadline, or the end of the from_fact date; only for a clock with
 *                  from_end_of or from_fact), from_fact? ({fact, date}: when that
 *                  date gave it),
 *                  counting (int: the counting rules' version; absent in events
 *                  recorded before version 2, which means 1), provisional? ([2027]:
 *                  the years the deadline was counted on the provisional
 *                  calendar, R11; absent when every day counted was loaded)
 *   Every clock event with a deadline may carry provisional; its absence means
 *   the deadline is settled. Counting versions (docs/legal-periods.md): 1 added
 *   suspension, exclusions and extensions to the deadline already rolled off a
 *   rest day; 2 counts the period plus all of them once from the start (R8).
 *   clock.stopped: clock, outcome ("met" | "breached" | "lapsed" | "ended"),
 *                  deadline
 *   clock.paused:  clock
 *   clock.resumed: clock, paused_for ("3 working_days"), deadline (moved)
 *   clock.extended: clock, by ("30 days"), total, deadline (moved), reason
 *   clock.excluded: clock, from, to, reason, excluded ("10 days"), deadline (moved)
 *   clock.rebased: clock, from (the instant now counted from), from_fact? ({fact,
 *                  date}: the date fact that gave it), was (the deadline before),
 *                  deadline, counting, provisional?: an action gave the date fact of a
 *                  running clock with from_fact (an approved plan's end, 行政处罚法
 *                  第七十二条第二款) and the clock now counts from elsewhere
 *   clock.recomputed: clock, was (the deadline before), deadline, calendar {year,
 *                  sha256 of its source}: a calendar year was loaded that the
 *                  provisional deadline had assumed (R11)
 *   alert:         clock, point ("warning" | "deadline"), deadline, late (bool)
 *   evidence.added: evidence {no, kind, ...}, label: an item of the evidence register
 *   record.added:  record {no, kind, ...}, label: a 询问笔录 or 现场检查笔录
 *                  (both: evidence.h, which lists their fields)
 */
#ifndef CF_CASE_H
#define CF_CASE_H

#include <jansson.h>
#include <stdint.h>

#include "chain.h"
#include "cftime.h"
#include "error.h"

typedef enum cf_clock_state_e {
    CF_CLOCK_IDLE = 0,
    CF_CLOCK_RUNNING,
    CF_CLOCK_PAUSED,
    CF_CLOCK_MET,
    CF_CLOCK_BREACHED,
    CF_CLOCK_LAPSED, /* a party's period ran out (its right lapsed): not a breach */
    CF_CLOCK_ENDED,  /* still running when the case closed */
} cf_clock_state_t;

typedef struct cf_clock_rt_s {
    char *id;
    cf_clock_state_t state;
    cf_time_t started_at;
    cf_time_t deadline;
    cf_time_t paused_at;  /* while PAUSED */
    cf_time_t stopped_at; /* once MET or BREACHED */
    char *extended;       /* total extension granted, "30 days", or NULL */
    unsigned extensions;  /* how many extensions granted */
    int party;            /* a period the party keeps (hearing request, payment), not the agency */
    json_t *exclusions;   /* [{from, to, reason}] whose time did not count, or NULL */
    char *period;         /* the period it was started with, "90 days", or NULL (old events) */
    int counting;         /* counting rules version it was started under (1 or 2) */
    int64_t added;        /* time excluded and suspended so far, in its unit (days for months) */
    int prov_first;       /* its deadline counted on provisional years prov_first..prov_last */
    int prov_last;        /* (R11); 0 and 0 when settled */
    cf_time_t counted_from; /* a from_end_of clock: the instant counted from; 0 otherwise */
} cf_clock_rt_t;

typedef struct cf_case_s {
    int64_t id;
    char *workflow_id;
    unsigned workflow_version;
    char workflow_hash[65];
    cf_chain_algo_t algo;
    char *matter_id;   /* NULL when opened without a matter */
    int64_t parent_id; /* 0 when none */
    json_t *party;     /* {"name": ..., "type": ...} */
    char *state;
    char *prev_state; /* the state before the current one was entered, or NULL */
    json_t *facts;    /* fact id -> current value */
    json_t *history;  /* fact id -> [every value it was given, in order] */
    json_t *documents;
    json_t *done; /* [actions taken, in order] */
    cf_clock_rt_t *clocks;
    unsigned clocks_count;
    int64_t version; /* seq of the last event; 0 before the first */
    char head[CF_CHAIN_HEX];
    cf_time_t opened_at;
    cf_time_t updated_at;
    cf_time_t closed_at; /* 0 while open */
    json_t *cause;       /* the case.opened event's 案由 record, or NULL when opened without */
    json_t *evidence;    /* the evidence register [item] (evidence.h), or NULL while empty */
    json_t *records;     /* the 询问笔录 and 现场检查笔录 [record], or NULL while none */
} cf_case_t;

/* Makes c an empty case (no events). Returns 0 or CF_ENOMEM. */
int cf_case_init(cf_case_t *c);
/* Frees what c holds (not c itself). */
void cf_case_dispose(cf_case_t *c);
/* Copy into dst (which must not be initialized). Returns 0 or CF_ENOMEM (dst
 * then holds nothing). The copies' top-level JSON containers (party, facts,
 * history, documents, done) are their own; what is inside them is shared, and
 * never changed in place: the fold replaces a nested value (a fact's history,
 * a clock's exclusions) rather than changing it. Code outside the fold must
 * treat a case's JSON the same way. */
int cf_case_copy(cf_case_t *dst, const cf_case_t *src);

/* Folds one sealed event (with seq, prev, hash) into c, in place. Refuses with
 * CF_ECORRUPT (err says why, c untouched) an event whose seq is not version + 1,
 * whose prev is not c's head, or that cannot follow (a transition from a state
 * the case is not in, a clock event for no clock). On CF_ENOMEM c may be partly
 * folded: only dispose it. A caller that must keep c whatever happens folds into
 * a cf_case_copy. */
int cf_case_apply(cf_case_t *c, const json_t *event, cf_error_t *err);

/* Seals event (sets case, prev, hash; the event's seq must be version + 1) and
 * folds it into c. Returns 0, CF_ENOMEM or CF_ECORRUPT, which leave c as
 * cf_case_apply does. */
int cf_case_append(cf_case_t *c, json_t *event, cf_error_t *err);

/* As cf_case_append, and OUT *body: the event's text to store (free()), its
 * canonical form (chain.h) with "hash" and "prev" added at the end; one
 * serialization serves both the hash and the store. NULL on failure. */
int cf_case_append_body(cf_case_t *c, json_t *event, char **body, cf_error_t *err);

/* The clock runtime named id, or NULL. Borrowed. */
const cf_clock_rt_t *cf_case_clock(const cf_case_t *c, const char *id);

/* The years k's deadline assumed on the provisional calendar (R11) as a JSON
 * array, [2027] or [2027, 2028]: a new reference, or NULL when the deadline is
 * settled (or on ENOMEM). */
json_t *cf_clock_provisional_json(const cf_clock_rt_t *k);

/* The same as text into out ("2027", "2027–2028"); returns 1, or 0 (out "")
 * when the deadline is settled. */
int cf_clock_provisional_text(const cf_clock_rt_t *k, char *out, size_t size);

/* 1 if events (an array) holds an event whose "type" starts with type_prefix
 * ("clock." for any clock event, "clock.stopped" for a stop) and whose "clock"
 * is clock. */
int cf_events_name_clock(const json_t *events, const char *type_prefix, const char *clock);

/* "idle", "running", "paused", "met", "breached", "lapsed", "ended"; and back
 * (CF_EPARSE). */
const char *cf_clock_state_name(cf_clock_state_t s);
int cf__clock_state_parse(const char *name, cf_clock_state_t *out);

/* Snapshot: the whole fold as JSON (new reference, or NULL on ENOMEM), and back
 * (into an uninitialized c; CF_EPARSE if the snapshot is not one). The store's
 * snapshot counts times in seconds; cf_case_from_json also takes them as ISO
 * 8601 text (null for 0), as cf_case_json_times_iso writes them. */
json_t *cf_case_to_json(const cf_case_t *c);
int cf_case_from_json(cf_case_t *c, const json_t *snapshot, cf_error_t *err);

/* Rewrites a snapshot's times (opened_at, updated_at, closed_at, each clock's
 * started_at, deadline, paused_at, stopped_at) from seconds to ISO 8601 text,
 * 0 to null, in place: the snapshot as people and other programs read it
 * (`case export`). Returns 0 or CF_ENOMEM. */
int cf_case_json_times_iso(json_t *snapshot);

/* The snapshot as compact JSON text (free()), the same value as cf_case_to_json
 * gives, written without building it: what the store writes per transition.
 * NULL on ENOMEM. */
char *cf_case_snapshot_text(const cf_case_t *c);

/* The same text written into *buf (capacity *cap bytes, NULL/0 at first),
 * which is grown with realloc when too small and stays the caller's to reuse
 * and free: a writer that keeps one buffer makes no allocation per snapshot
 * (allocations of a kilobyte and more cost glibc a sweep of its small-chunk
 * lists each time). Returns 0 or CF_ENOMEM (the text is then incomplete). */
int cf_case_snapshot_buf(const cf_case_t *c, char **buf, size_t *cap);

#endif
