/*
 * audit.c -- chain verification and conformance replay. See audit.h.
 *
 * Design: replay does not re-implement the procedure. It asks the same engine
 * that accepted each step whether it would accept it again, on the case as it
 * stood before (rebuilt by folding the recorded events), and compares the
 * events the engine would produce with those recorded. So a rule can never be
 * checked one way when acting and another way when auditing. The recorded
 * events, not the engine's, are folded to move on: the audit follows what
 * happened, including what should not have.
 *
 * Which 追责情形 a deviation falls under is the matter's own list, matched by
 * the words of the rule broken (a clock's or rule's `accountability` text
 * first, then keywords of the kind: 期限 for deadlines, 程序 for procedure). An
 * auditor sees the list's exact wording, never a paraphrase.
 */
#include "audit.h"
#include "engine.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported, documented in audit.h */
int cf_audit_init(cf_audit_t *out, int64_t case_id)
{
    memset(out, 0, sizeof(*out));
    out->case_id = case_id;
    out->clocks = json_array();
    out->steps = json_array();
    if (!out->clocks || !out->steps) {
        cf_audit_dispose(out);
        return CF_ENOMEM;
    }
    return 0;
}

/* Exported, documented in audit.h */
void cf_audit_dispose(cf_audit_t *out)
{
    free(out->items);
    json_decref(out->clocks);
    json_decref(out->steps);
    memset(out, 0, sizeof(*out));
}

static cf_deviation_t *deviate(cf_audit_t *out, int64_t seq, const char *kind, const char *rule,
                               const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static cf_deviation_t *deviate(cf_audit_t *out, int64_t seq, const char *kind, const char *rule,
                               const char *fmt, ...)
{
    if (out->items_count == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 8;
        cf_deviation_t *items = realloc(out->items, cap * sizeof(*items));
        if (!items)
            return NULL;
        out->items = items;
        out->cap = cap;
    }
    cf_deviation_t *d = &out->items[out->items_count++];
    memset(d, 0, sizeof(*d));
    d->seq = seq;
    snprintf(d->kind, sizeof(d->kind), "%s", kind);
    snprintf(d->rule, sizeof(d->rule), "%s", rule ? rule : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->text, sizeof(d->text), fmt, ap);
    va_end(ap);
    return d;
}

static const char *str_of(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* ---- chain ---------------------------------------------------------------------- */

/* Exported, documented in audit.h */
int cf_audit_verify(const json_t *events, cf_chain_algo_t algo, const char *head, cf_audit_t *out)
{
    char prev[CF_CHAIN_HEX] = CF_CHAIN_GENESIS, hash[CF_CHAIN_HEX];
    int64_t expect = 1;
    size_t i;
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev)
    {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        const char *stored = str_of(ev, "hash"), *stored_prev = str_of(ev, "prev");
        const char *unreadable = str_of(ev, "unreadable");
        int ok = 1;
        if (seq > expect)
            ok &= !!deviate(out, seq, "chain", "removed",
                            "events %lld to %lld are missing before event %lld", (long long)expect,
                            (long long)seq - 1, (long long)seq);
        else if (seq < expect)
            ok &= !!deviate(out, seq, "chain", "reordered",
                            "event %lld appears again or out of order after event %lld",
                            (long long)seq, (long long)expect - 1);
        if (json_integer_value(json_object_get(ev, "case")) != out->case_id)
            ok &=
                !!deviate(out, seq, "chain", "moved", "event %lld names case %lld", (long long)seq,
                          (long long)json_integer_value(json_object_get(ev, "case")));
        if (unreadable) /* its body is gone: what chains on is its row's hash */
            ok &= !!deviate(out, seq, "chain", "unreadable",
                            "event %lld cannot be read (%s): it was altered", (long long)seq,
                            unreadable);
        else if (!stored_prev || strcmp(stored_prev, prev) != 0)
            ok &= !!deviate(out, seq, "chain", "inserted",
                            "event %lld does not chain onto the event before it", (long long)seq);
        if (!unreadable && cf_chain_hash(algo, stored_prev ? stored_prev : "", ev, hash) != 0)
            return CF_ENOMEM;
        if (!unreadable && (!stored || strcmp(stored, hash) != 0))
            ok &= !!deviate(out, seq, "chain", "altered",
                            "event %lld was altered: its content no longer matches its hash",
                            (long long)seq);
        if (!ok)
            return CF_ENOMEM;
        snprintf(prev, sizeof(prev), "%s", stored ? stored : "");
        expect = seq + 1;
    }
    if (head && strcmp(head, prev) != 0 &&
        !deviate(out, 0, "chain", "head",
                 "the case's head does not match its last event: events were removed or "
                 "replaced at the end"))
        return CF_ENOMEM;
    return 0;
}

/* ---- accountability --------------------------------------------------------------- */

static const char *const deadline_words[] = {"期限", "逾期", "超过", "时限", NULL};
static const char *const procedure_words[] = {"程序", NULL};

/* The matter's 追责情形 that a deviation falls under: the one containing the
 * rule's own accountability text, else the first containing a keyword. */
static void attach_accountability(cf_deviation_t *d, const json_t *matter, const char *own)
{
    const json_t *list = json_object_get(matter, "accountability");
    const char *const *words = strcmp(d->kind, "deadline") == 0 ? deadline_words : procedure_words;
    size_t i;
    json_t *s;
    json_array_foreach((json_t *)list, i, s) if (own && *own && strstr(json_string_value(s), own))
    {
        snprintf(d->accountability, sizeof(d->accountability), "%s", json_string_value(s));
        return;
    }
    for (const char *const *w = words; *w; w++)
        json_array_foreach((json_t *)list, i, s) if (strstr(json_string_value(s), *w))
        {
            snprintf(d->accountability, sizeof(d->accountability), "%s", json_string_value(s));
            return;
        }
    snprintf(d->accountability, sizeof(d->accountability), "%s", own ? own : "");
}

/* ---- replay --------------------------------------------------------------------- */

typedef struct replay_s {
    const cf_workflow_t *wf;
    const cf_calendar_t *cal;
    const json_t *matter;
    cf_audit_t *out;
    cf_case_t c;
    json_t *expected; /* clock events the engine made for the last step, not yet seen */
    size_t next;      /* index of the next expected event */
    cf_time_t entered_at;
    int halted; /* an event could not be followed: the replay stopped there */
    int oom;
} replay_t;

static cf_deviation_t *dev(replay_t *r, int64_t seq, const char *kind, const char *rule,
                           const char *text)
{
    cf_deviation_t *d = deviate(r->out, seq, kind, rule, "%s", text);
    if (!d)
        r->oom = 1;
    return d;
}

static const char *refusal_kind(int rc, const cf_refusal_t *why)
{
    if (rc == CF_EFORBIDDEN)
        return "role";
    if (rc == CF_EINVALID)
        return "requirement";
    if (rc == CF_ERANGE)
        return "clock";
    if (rc == CF_EREFUSED && why->rule[0])
        return "rule";
    if (rc == CF_EREFUSED && strstr(why->text, "requires"))
        return "requirement";
    return "order";
}

/* Reports the expected clock events that were never recorded, and forgets them. */
static void flush_expected(replay_t *r, int64_t seq)
{
    for (; r->expected && r->next < json_array_size(r->expected); r->next++) {
        const json_t *e = json_array_get(r->expected, r->next);
        char text[CF_ERROR_TEXT_MAX];
        snprintf(text, sizeof(text),
                 "step before event %lld should have recorded %s for clock "
                 "'%s' (deadline %s), and did not",
                 (long long)seq, str_of(e, "type"), str_of(e, "clock"),
                 str_of(e, "deadline") ? str_of(e, "deadline") : "-");
        dev(r, seq, "clock", str_of(e, "clock"), text);
    }
    json_decref(r->expected);
    r->expected = NULL;
    r->next = 0;
}

static void expect_from(replay_t *r, json_t *produced)
{
    json_decref(r->expected);
    r->expected = produced;
    r->next = 1; /* the first is the step itself */
}

static void replay_opened(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *hash = str_of(json_object_get(ev, "workflow"), "hash");
    if (!hash || strcmp(hash, r->wf->hash) != 0) {
        dev(r, seq, "workflow", r->wf->doc->id,
            "the case was opened on another definition than the one replayed");
        return;
    }
    cf_open_t req = {.actor = str_of(ev, "actor"),
                     .role = str_of(ev, "role"),
                     .party = json_object_get(ev, "party"),
                     .matter_id = str_of(ev, "matter"),
                     .matter = r->matter,
                     .parent = json_integer_value(json_object_get(ev, "parent")),
                     .facts = json_object_get(ev, "facts")};
    cf_chain_algo_parse(str_of(ev, "algo") ? str_of(ev, "algo") : "sha256", &req.algo);
    cf_time_parse(str_of(ev, "at"), &req.at, NULL);
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = cf_engine_open(r->wf, r->cal, &req, &produced, &why);
    if (rc != 0)
        dev(r, seq, refusal_kind(rc, &why), why.rule, why.text);
    else
        expect_from(r, produced);
    cf_refusal_dispose(&why);
    r->entered_at = req.at;
}

static void replay_transition(replay_t *r, const json_t *ev, int64_t seq)
{
    cf_act_t req = {.action = str_of(ev, "action"),
                    .actor = str_of(ev, "actor"),
                    .role = str_of(ev, "role"),
                    .facts = json_object_get(ev, "facts"),
                    .documents = json_object_get(ev, "documents"),
                    .matter = r->matter};
    cf_time_parse(str_of(ev, "at"), &req.at, NULL);
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = cf_engine_act(r->wf, r->cal, &r->c, &req, &produced, &why);
    if (rc == CF_ENOMEM) {
        r->oom = 1;
    } else if (rc != 0) {
        cf_deviation_t *d = dev(r, seq, refusal_kind(rc, &why), why.rule, why.text);
        if (d) {
            snprintf(d->basis, sizeof(d->basis), "%s", why.article);
            attach_accountability(d, r->matter, NULL);
        }
    } else {
        const char *to = str_of(json_array_get(produced, 0), "to");
        if (to && str_of(ev, "to") && strcmp(to, str_of(ev, "to")) != 0) {
            char text[CF_ERROR_TEXT_MAX];
            snprintf(text, sizeof(text), "step '%s' went to '%s'; the procedure leads to '%s'",
                     req.action, str_of(ev, "to"), to);
            cf_deviation_t *d = dev(r, seq, "order", req.action, text);
            if (d)
                attach_accountability(d, r->matter, NULL);
        }
        expect_from(r, produced);
        produced = NULL;
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
    char entered[CF_TIME_BUFSZ], left[CF_TIME_BUFSZ];
    cf_time_format(r->entered_at, entered);
    cf_time_format(req.at, left);
    json_t *step = json_pack("{s:s, s:s, s:s, s:I}", "state", r->c.state, "entered_at", entered,
                             "left_at", left, "seconds", (json_int_t)(req.at - r->entered_at));
    if (!step || json_array_append_new(r->out->steps, step) != 0)
        r->oom = 1;
    r->entered_at = req.at;
}

static void replay_extension(replay_t *r, const json_t *ev, int64_t seq)
{
    cf_extend_t req = {.clock = str_of(ev, "clock"),
                       .actor = str_of(ev, "actor"),
                       .role = str_of(ev, "role"),
                       .reason = str_of(ev, "reason")};
    cf_time_parse(str_of(ev, "at"), &req.at, NULL);
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = str_of(ev, "by") ? cf_period_parse(str_of(ev, "by"), &req.by, NULL) : CF_EINVAL;
    if (rc == 0)
        rc = cf_engine_extend(r->wf, r->cal, &r->c, &req, &produced, &why);
    else
        snprintf(why.text, sizeof(why.text), "the extension names no valid amount");
    if (rc != 0) {
        const cf_wf_clock_t *def = req.clock ? cf_workflow_clock(r->wf, req.clock) : NULL;
        cf_deviation_t *d = dev(r, seq, "extension", req.clock, why.text);
        if (d && def) {
            snprintf(d->basis, sizeof(d->basis), "%s", def->basis);
            attach_accountability(d, r->matter, def->accountability);
        }
    } else if (strcmp(str_of(json_array_get(produced, 0), "deadline"), str_of(ev, "deadline"))) {
        dev(r, seq, "clock", req.clock,
            "the extension's new deadline is not the one the law gives");
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
}

static void replay_exclusion(replay_t *r, const json_t *ev, int64_t seq)
{
    cf_exclude_t req = {.clock = str_of(ev, "clock"),
                        .actor = str_of(ev, "actor"),
                        .role = str_of(ev, "role"),
                        .reason = str_of(ev, "reason")};
    json_t *produced = NULL;
    cf_refusal_t why = {0};
    int rc = 0;
    if (cf_time_parse(str_of(ev, "at"), &req.at, NULL) ||
        cf_time_parse(str_of(ev, "from"), &req.from, NULL) ||
        cf_time_parse(str_of(ev, "to"), &req.to, NULL))
        snprintf(why.text, sizeof(why.text), "the exclusion's times are not valid"), rc = CF_EINVAL;
    if (rc == 0)
        rc = cf_engine_exclude(r->wf, r->cal, &r->c, &req, &produced, &why);
    if (rc != 0) {
        const cf_wf_clock_t *def = req.clock ? cf_workflow_clock(r->wf, req.clock) : NULL;
        cf_deviation_t *d = dev(r, seq, "exclusion", req.clock, why.text);
        if (d && def) {
            snprintf(d->basis, sizeof(d->basis), "%s", def->basis);
            attach_accountability(d, r->matter, def->accountability);
        }
    } else if (strcmp(str_of(json_array_get(produced, 0), "deadline"), str_of(ev, "deadline"))) {
        dev(r, seq, "clock", req.clock,
            "the exclusion's new deadline is not the one the law gives");
    }
    json_decref(produced);
    cf_refusal_dispose(&why);
}

static void breach(replay_t *r, int64_t seq, const char *clock, const char *text)
{
    const cf_wf_clock_t *def = cf_workflow_clock(r->wf, clock);
    cf_deviation_t *d = dev(r, seq, "deadline", clock, text);
    if (d && def) {
        snprintf(d->basis, sizeof(d->basis), "%s", def->basis);
        attach_accountability(d, r->matter, def->accountability);
    }
}

/* A clock event must be the next one the engine produced for the last step. */
static void replay_clock(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *type = str_of(ev, "type"), *clock = str_of(ev, "clock");
    const char *deadline = str_of(ev, "deadline");
    const json_t *e = r->expected && r->next < json_array_size(r->expected)
                          ? json_array_get(r->expected, r->next)
                          : NULL;
    const char *edl = e ? str_of(e, "deadline") : NULL;
    if (!e || strcmp(str_of(e, "type"), type) != 0 || strcmp(str_of(e, "clock"), clock) != 0 ||
        (edl && deadline && strcmp(edl, deadline) != 0) || !edl != !deadline) {
        char text[CF_ERROR_TEXT_MAX];
        snprintf(text, sizeof(text),
                 "recorded %s for clock '%s' (deadline %s); the procedure gives %s", type, clock,
                 deadline ? deadline : "-", e ? str_of(e, "type") : "no clock event here");
        dev(r, seq, "clock", clock, text);
    } else {
        r->next++;
    }
    const char *outcome = str_of(ev, "outcome");
    if (strcmp(type, "clock.stopped") == 0 && outcome && strcmp(outcome, "breached") == 0) {
        const cf_wf_clock_t *def = cf_workflow_clock(r->wf, clock);
        char text[CF_ERROR_TEXT_MAX];
        snprintf(text, sizeof(text), "%s（%s）was not met: deadline %s, done %s",
                 def ? def->name : clock, clock, deadline ? deadline : "-", str_of(ev, "at"));
        breach(r, seq, clock, text);
    }
}

/* Before folding a clock.stopped event: record how the clock went. */
static void clock_stats(replay_t *r, const json_t *ev)
{
    const cf_clock_rt_t *k = cf_case_clock(&r->c, str_of(ev, "clock"));
    cf_time_t at = 0;
    cf_time_parse(str_of(ev, "at"), &at, NULL);
    if (!k)
        return;
    char started[CF_TIME_BUFSZ], stopped[CF_TIME_BUFSZ];
    cf_time_format(k->started_at, started);
    cf_time_format(at, stopped);
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:I}", "clock", k->id, "outcome",
                          str_of(ev, "outcome") ? str_of(ev, "outcome") : "", "started_at", started,
                          "stopped_at", stopped, "seconds", (json_int_t)(at - k->started_at));
    if (!o || json_array_append_new(r->out->clocks, o) != 0)
        r->oom = 1;
}

static void replay_event(replay_t *r, const json_t *ev, int64_t seq)
{
    const char *type = str_of(ev, "type");
    if (!type)
        return;
    if (strcmp(type, "case.opened") == 0) {
        replay_opened(r, ev, seq);
    } else if (strcmp(type, "transition") == 0) {
        flush_expected(r, seq);
        replay_transition(r, ev, seq);
    } else if (strcmp(type, "clock.extended") == 0) {
        flush_expected(r, seq);
        replay_extension(r, ev, seq);
    } else if (strcmp(type, "clock.excluded") == 0) {
        flush_expected(r, seq);
        replay_exclusion(r, ev, seq);
    } else if (strncmp(type, "clock.", 6) == 0) {
        replay_clock(r, ev, seq);
        if (strcmp(type, "clock.stopped") == 0)
            clock_stats(r, ev);
    }
}

/* An event dated before the one recorded before it (issue 19: history backdated,
 * or a daemon restarted with an earlier clock): the order of the record is the
 * order of the chain, so a time that goes back is a finding, whatever the event.
 * Called after the fold, which has read the event's time into r->c.updated_at
 * (no second parse); before is the case's time before the event. */
static void replay_time_order(replay_t *r, const json_t *ev, int64_t seq, cf_time_t before)
{
    if (seq <= 1 || r->c.updated_at >= before)
        return;
    char last[CF_TIME_BUFSZ], text[CF_ERROR_TEXT_MAX];
    cf_time_format(before, last);
    snprintf(text, sizeof(text), "event %lld is dated %s, before the event recorded before it (%s)",
             (long long)seq, str_of(ev, "at") ? str_of(ev, "at") : "?", last);
    dev(r, seq, "time", "out-of-order", text);
}

/* After the last event: what the last step still owed, and clocks of an open
 * case that ran out without being stopped. */
static void replay_end(replay_t *r, cf_time_t now)
{
    flush_expected(r, r->c.version);
    for (unsigned i = 0; !r->c.closed_at && i < r->c.clocks_count; i++) {
        const cf_clock_rt_t *k = &r->c.clocks[i];
        if (k->state != CF_CLOCK_RUNNING || k->party || now <= k->deadline)
            continue;
        char deadline[CF_TIME_BUFSZ], text[CF_ERROR_TEXT_MAX];
        cf_time_format(k->deadline, deadline);
        snprintf(text, sizeof(text), "clock '%s' ran out at %s and is still running", k->id,
                 deadline);
        breach(r, 0, k->id, text);
    }
}

/* Exported, documented in audit.h */
int cf_audit_replay(const cf_workflow_t *wf, const cf_calendar_t *cal, const json_t *matter,
                    const json_t *events, cf_time_t now, cf_audit_t *out)
{
    if (!wf)
        return deviate(out, 0, "workflow", "",
                       "the workflow definition the case pinned is not in the database: its "
                       "steps cannot be replayed")
                   ? 0
                   : CF_ENOMEM;
    replay_t r = {.wf = wf, .cal = cal, .matter = matter, .out = out};
    if (cf_case_init(&r.c) != 0)
        return CF_ENOMEM;
    size_t i;
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev)
    {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        cf_error_t err;
        if (str_of(ev, "unreadable")) {
            dev(&r, seq, "record", "unreadable",
                "the event cannot be read: the replay stops before it");
            r.halted = 1;
            break;
        }
        cf_time_t before = r.c.updated_at;
        replay_event(&r, ev, seq);
        if (cf_case_apply(&r.c, ev, &err) != 0) {
            dev(&r, seq, "record", "fold", err.text);
            r.halted = 1;
            break;
        }
        replay_time_order(&r, ev, seq, before);
        if (r.oom)
            break;
    }
    if (!r.oom && !r.halted) /* the end of a record not followed to its end says nothing */
        replay_end(&r, now);
    json_decref(r.expected);
    cf_case_dispose(&r.c);
    return r.oom ? CF_ENOMEM : 0;
}

/* ---- the cached row ------------------------------------------------------------- */

/* value as short JSON text for a message (at most size - 1 bytes, "..." when cut). */
static void brief(const json_t *value, char *out, size_t size)
{
    char *text = value ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    snprintf(out, size, "%s", text ? text : "(none)");
    if (text && strlen(text) >= size && size > 4)
        memcpy(out + size - 4, "...", 4);
    free(text);
}

static int cache_differs(cf_audit_t *out, const char *where, const char *name, const json_t *cached,
                         const json_t *folded)
{
    char rule[64], a[160], b[160];
    snprintf(rule, sizeof(rule), "%s.%s", where, name);
    brief(cached, a, sizeof(a));
    brief(folded, b, sizeof(b));
    return deviate(out, 0, "cache", rule,
                   "the case row's %s%s is %s; its events give %s: the row was altered (%s)",
                   strcmp(where, "row") == 0 ? "" : "cached snapshot's ", name, a, b, rule)
               ? 0
               : CF_ENOMEM;
}

/* The value a row column should hold, from the fold (new reference). */
static json_t *column_of(const json_t *folded, const char *column)
{
    const json_t *wf = json_object_get(folded, "workflow");
    json_int_t closed_at = json_integer_value(json_object_get(folded, "closed_at"));
    json_int_t parent = json_integer_value(json_object_get(folded, "parent"));
    if (!strcmp(column, "workflow_id"))
        return json_incref(json_object_get(wf, "id"));
    if (!strcmp(column, "workflow_version"))
        return json_incref(json_object_get(wf, "version"));
    if (!strcmp(column, "workflow_hash"))
        return json_incref(json_object_get(wf, "hash"));
    if (!strcmp(column, "matter_id"))
        return json_incref(json_object_get(folded, "matter"));
    if (!strcmp(column, "parent_id"))
        return parent ? json_integer(parent) : json_null();
    if (!strcmp(column, "closed"))
        return json_integer(closed_at != 0);
    if (!strcmp(column, "closed_at"))
        return closed_at ? json_integer(closed_at) : json_null();
    return json_incref(json_object_get(folded, column));
}

static const char *const cached_columns[] = {"workflow_id",
                                             "workflow_version",
                                             "workflow_hash",
                                             "matter_id",
                                             "parent_id",
                                             "party",
                                             "algo",
                                             "state",
                                             "closed",
                                             "version",
                                             "head",
                                             "opened_at",
                                             "updated_at",
                                             "closed_at",
                                             NULL};

static int compare_cache(const json_t *folded, const json_t *row, cf_audit_t *out)
{
    int rc = 0;
    for (int i = 0; rc == 0 && cached_columns[i]; i++) {
        const json_t *cached = json_object_get(row, cached_columns[i]);
        json_t *want = cached ? column_of(folded, cached_columns[i]) : NULL;
        if (cached && !json_equal((json_t *)cached, want ? want : json_null()))
            rc = cache_differs(out, "row", cached_columns[i], cached, want);
        json_decref(want);
    }
    const json_t *snap = json_object_get(row, "snapshot");
    if (rc == 0 && snap && !json_is_object(snap))
        rc = deviate(out, 0, "cache", "snapshot",
                     "the case row's cached snapshot is not a case: the row was altered")
                 ? 0
                 : CF_ENOMEM;
    const char *key;
    json_t *v;
    if (json_is_object(snap))
        json_object_foreach((json_t *)folded, key,
                            v) if (rc == 0 && !json_equal(v, json_object_get(snap, key))) rc =
            cache_differs(out, "snapshot", key, json_object_get(snap, key), v);
    if (json_is_object(snap))
        json_object_foreach((json_t *)snap, key, v) if (rc == 0 && !json_object_get(folded, key))
            rc = cache_differs(out, "snapshot", key, v, NULL);
    return rc;
}

/* Exported, documented in audit.h */
int cf_audit_cache(const json_t *events, const json_t *row, cf_audit_t *out)
{
    cf_case_t c;
    if (cf_case_init(&c) != 0)
        return CF_ENOMEM;
    size_t i;
    json_t *ev;
    int folded = 1;
    json_array_foreach((json_t *)events, i, ev)
    {
        cf_error_t err;
        if (str_of(ev, "unreadable") || cf_case_apply(&c, ev, &err) != 0) {
            folded = 0; /* the record itself is broken: reported by verify and replay */
            break;
        }
    }
    json_t *fold = folded && json_array_size(events) ? cf_case_to_json(&c) : NULL;
    int rc = folded && json_array_size(events) && !fold ? CF_ENOMEM : 0;
    /* A bundle's snapshot carries its times as ISO 8601 (cf_case_json_times_iso),
     * the row's as seconds: the fold is compared in the form the cache has. */
    const json_t *snap = json_object_get(row, "snapshot");
    if (fold && json_is_string(json_object_get(snap, "opened_at")))
        rc = cf_case_json_times_iso(fold);
    if (fold && rc == 0)
        rc = compare_cache(fold, row, out);
    json_decref(fold);
    cf_case_dispose(&c);
    return rc;
}
