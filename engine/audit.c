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
 *
 * The module is three files, one a check, sharing the report (audit-int.h):
 *   audit.c         the report's building blocks (init, deviations) and the chain
 *                   (cf_audit_verify), which needs nothing else;
 *   audit-replay.c  accountability (which 追责情形) and replay (cf_audit_replay);
 *   audit-cache.c   the cached row (cf_audit_cache: the row against the fold).
 * Split by check rather than kept whole, so that replay, the one that grows with
 * every rule, reads on its own; the cost is one internal header.
 */
#include "audit-int.h"

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
    out->notes = json_array();
    if (!out->clocks || !out->steps || !out->notes) {
        cf_audit_dispose(out);
        return CF_ENOMEM;
    }
    return 0;
}

/* Exported, documented in audit.h */
int cf_deviation_set(char **field, const char *value)
{
    char *copy = strdup(value ? value : "");
    if (!copy)
        return CF_ENOMEM;
    free(*field);
    *field = copy;
    return 0;
}

/* Exported, documented in audit.h */
void cf_audit_dispose(cf_audit_t *out)
{
    for (size_t i = 0; i < out->items_count; i++) {
        free(out->items[i].rule);
        free(out->items[i].text);
        free(out->items[i].basis);
        free(out->items[i].accountability);
    }
    free(out->items);
    json_decref(out->clocks);
    json_decref(out->steps);
    json_decref(out->notes);
    memset(out, 0, sizeof(*out));
}

/* Exported, documented in audit-int.h */
cf_deviation_t *cf__audit_deviate(cf_audit_t *out, int64_t seq, const char *kind, const char *rule,
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
    cf_deviation_t *d = &out->items[out->items_count];
    memset(d, 0, sizeof(*d));
    d->seq = seq;
    snprintf(d->kind, sizeof(d->kind), "%s", kind);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    d->text = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (d->text) {
        va_start(ap, fmt);
        vsnprintf(d->text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    if (!d->text || cf_deviation_set(&d->rule, rule) || cf_deviation_set(&d->basis, "") ||
        cf_deviation_set(&d->accountability, "")) {
        free(d->text);
        free(d->rule);
        free(d->basis);
        return NULL;
    }
    out->items_count++;
    return d;
}

/* ---- chain ---------------------------------------------------------------------- */

/* Exported, documented in audit.h */
int cf_audit_verify(const json_t *events, cf_chain_algo_t algo, const char *head, cf_audit_t *out)
{
    return cf_audit_verify_hashed(events, NULL, algo, head, out);
}

/* Exported, documented in audit.h */
int cf_audit_verify_hashed(const json_t *events, const char (*hashes)[CF_CHAIN_HEX],
                           cf_chain_algo_t algo, const char *head, cf_audit_t *out)
{
    char prev[CF_CHAIN_HEX] = CF_CHAIN_GENESIS, hash[CF_CHAIN_HEX];
    int64_t expect = 1;
    size_t i;
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev) {
        int64_t seq = json_integer_value(json_object_get(ev, "seq"));
        const char *stored = cf__audit_str(ev, "hash"), *stored_prev = cf__audit_str(ev, "prev");
        const char *unreadable = cf__audit_str(ev, "unreadable");
        int ok = 1;
        if (seq > expect)
            ok &= !!cf__audit_deviate(out, seq, "chain", "removed",
                                      "events %lld to %lld are missing before event %lld",
                                      (long long)expect, (long long)seq - 1, (long long)seq);
        else if (seq < expect)
            ok &= !!cf__audit_deviate(out, seq, "chain", "reordered",
                                      "event %lld appears again or out of order after event %lld",
                                      (long long)seq, (long long)expect - 1);
        if (json_integer_value(json_object_get(ev, "case")) != out->case_id)
            ok &= !!cf__audit_deviate(out, seq, "chain", "moved", "event %lld names case %lld",
                                      (long long)seq,
                                      (long long)json_integer_value(json_object_get(ev, "case")));
        if (unreadable) /* its body is gone: what chains on is its row's hash */
            ok &= !!cf__audit_deviate(out, seq, "chain", "unreadable",
                                      "event %lld cannot be read (%s): it was altered",
                                      (long long)seq, unreadable);
        else if (!stored_prev || strcmp(stored_prev, prev) != 0)
            ok &= !!cf__audit_deviate(out, seq, "chain", "inserted",
                                      "event %lld does not chain onto the event before it",
                                      (long long)seq);
        if (!unreadable && hashes) /* recomputed as the events were read */
            memcpy(hash, hashes[i], CF_CHAIN_HEX);
        else if (!unreadable && cf_chain_hash(algo, stored_prev ? stored_prev : "", ev, hash) != 0)
            return CF_ENOMEM;
        if (!unreadable && (!stored || strcmp(stored, hash) != 0))
            ok &= !!cf__audit_deviate(
                out, seq, "chain", "altered",
                "event %lld was altered: its content no longer matches its hash", (long long)seq);
        if (!ok)
            return CF_ENOMEM;
        snprintf(prev, sizeof(prev), "%s", stored ? stored : "");
        expect = seq + 1;
    }
    if (head && strcmp(head, prev) != 0 &&
        !cf__audit_deviate(out, 0, "chain", "head",
                           "the case's head does not match its last event: events were removed or "
                           "replaced at the end"))
        return CF_ENOMEM;
    return 0;
}
