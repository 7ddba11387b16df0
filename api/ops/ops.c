/*
 * ops.c -- the operation layer's common steps: reading a case as the caller may
 * see it, typing facts, the time an operation claims, documents, and the write
 * (documents, events, case row, clock index, alerts index) in one transaction.
 * The operations themselves are in ops-case.c. See ops.h.
 *
 * Division map:
 *   answers        cf_ops_out_t
 *   reading        the case (agency, cache, If-Match), facts, JSON depth
 *   time           now, --at, the backdating window, the case's last event
 *   documents      read or decoded, hashed, stored in the write's transaction
 *   writing        the transaction, the alerts index, the case cache; the numbers
 *                  and the summary of the case file (ops-summary.c)
 *
 * The alerts index is rewritten in the same transaction as every write that
 * changes a clock (cf_ops_touches_clocks), whoever writes: before this layer the
 * command line never rewrote it, and the daemon repaired a stale row only when
 * the alert fired. Rejected: rewriting it for every write (a DELETE and an
 * INSERT per alert, for transitions that leave every clock as it was).
 */
#include "ops-int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"

/* ---- answers ---------------------------------------------------------------------------- */

/* Exported, documented in ops.h */
void cf_ops_out_init(cf_ops_out_t *out)
{
    memset(out, 0, sizeof(*out));
    out->version = -1;
    cf_error_clear(&out->err);
}

/* Exported, documented in ops.h */
void cf_ops_out_dispose(cf_ops_out_t *out)
{
    if (out->has_case)
        cf_case_dispose(&out->c);
    json_decref(out->events);
    cf_refusal_dispose(&out->why);
    out->has_case = 0;
    out->events = NULL;
}

/* ---- reading ------------------------------------------------------------------------------ */

/* Exported, documented in ops.h */
int cf_ops_case(cf_ops_t *ops, const cf_ops_by_t *by, int64_t id, cf_case_t *c,
                const cf_workflow_t **wf, cf_error_t *err)
{
    char agency[128], head[CF_CHAIN_HEX];
    cf_casecache_t *cache = ops->wfs->cases;
    int rc = 0, cached = 0;
    if (id <= 0)
        return cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
    if (by->agency) {
        rc = cf_store_case_agency_head(ops->store, id, agency, sizeof(agency), head, err);
        if (rc == 0 && strcmp(agency, by->agency) != 0)
            rc = cf_error_set(err, CF_ENOTFOUND, NULL, 0, 0, "no case %lld", (long long)id);
        cached = rc == 0 && cache && cf_casecache_get(cache, id, head, c) == 0;
    }
    if (rc != 0)
        return rc;
    if (!cached && (rc = cf_store_case_get(ops->store, id, c, err)) == 0 && cache)
        cf_casecache_put(cache, c);
    if (rc == 0 && (rc = cf_wfcache_get(ops->wfs, ops->store, c->workflow_hash, wf, err)) != 0)
        cf_case_dispose(c);
    return rc;
}

/* Case id from the writer's cache without reading the database (cf__ops_load): 0 and
 * OUT c, *wf; CF_ENOTFOUND when the cache cannot vouch for it (then c is untouched). */
static int case_unchecked(cf_ops_t *ops, const cf_ops_by_t *by, int64_t id, cf_case_t *c,
                          const cf_workflow_t **wf, cf_error_t *err)
{
    cf_casecache_t *cache = ops->wfs->cases;
    if (!cache || !by->agency || id <= 0 || cf_casecache_get_unchecked(cache, id, by->agency, c))
        return CF_ENOTFOUND;
    int rc = cf_wfcache_get(ops->wfs, ops->store, c->workflow_hash, wf, err);
    if (rc != 0)
        cf_case_dispose(c);
    return rc == 0 ? 0 : rc == CF_ENOTFOUND ? CF_ESTORE : rc;
}

/* Exported, documented in ops-int.h */
int cf__ops_load(cf_ops_t *ops, const cf_ops_by_t *by, int64_t id, cf_case_t *c,
                 const cf_workflow_t **wf, cf_ops_out_t *out)
{
    int rc = out->check ? CF_ENOTFOUND : case_unchecked(ops, by, id, c, wf, &out->err);
    out->unchecked = rc == 0;
    /* a version the caller read elsewhere (another node): compared with the database's */
    if (rc == 0 && by->if_match >= 0 && by->if_match != c->version) {
        cf_case_dispose(c);
        out->unchecked = 0;
        rc = CF_ENOTFOUND;
    }
    if (rc == CF_ENOTFOUND)
        rc = cf_ops_case(ops, by, id, c, wf, &out->err);
    if (rc == 0 && by->if_match >= 0 && by->if_match != c->version) {
        rc = cf_error_set(&out->err, CF_ECONFLICT, NULL, 0, 0,
                          "case %lld is at version %lld, not %lld: read it again and retry",
                          (long long)c->id, (long long)c->version, (long long)by->if_match);
        out->version = c->version;
        cf_case_dispose(c);
    }
    return rc;
}

/* Exported, documented in ops-int.h */
int cf__ops_stale(int rc, cf_ops_out_t *out)
{
    if (rc == 0 || !out->unchecked)
        return 0;
    cf_ops_out_dispose(out);
    cf_ops_out_init(out);
    out->check = 1;
    return 1;
}

/* Exported, documented in ops-int.h */
int cf__ops_facts(const cf_workflow_t *wf, const json_t *in, json_t **out, cf_error_t *err)
{
    *out = NULL;
    if (in && !json_is_null(in) && !json_is_object(in))
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "\"facts\" must be an object");
    json_t *facts = json_object();
    const char *key;
    json_t *v;
    int rc = facts ? 0 : CF_ENOMEM;
    json_object_foreach((json_t *)in, key, v) {
        json_t *typed = NULL;
        char what[160];
        if (rc == 0 && json_is_string(v))
            rc = cf_engine_fact_from_text(wf, key, json_string_value(v), &typed, err);
        else if (rc == 0)
            typed = json_incref(v);
        snprintf(what, sizeof(what), "fact '%s'", key);
        if (rc == 0 && (rc = cf_ops_check_depth(typed, what, err)) != 0)
            json_decref(typed);
        else if (rc == 0 && json_object_set_new(facts, key, typed) != 0)
            rc = CF_ENOMEM;
        if (rc != 0)
            break;
    }
    if (rc != 0) {
        json_decref(facts);
        return rc;
    }
    *out = facts;
    return 0;
}

/* ---- time ----------------------------------------------------------------------------------- */

/* Exported, documented in ops.h */
int64_t cf_ops_backdate_secs(const cf_ops_t *ops)
{
    int64_t w = ops->limits.backdate_secs;
    return w > 0 ? w : w < 0 ? 0 : (int64_t)CF_OPS_BACKDATE_DAYS_DEFAULT * 86400;
}

/* Exported, documented in ops-int.h */
int cf__ops_who(const cf_ops_by_t *by, cf_error_t *err)
{
    if (by->actor && *by->actor)
        return 0;
    return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                        "who acts is not named: the event records the person who acted (give "
                        "--actor NAME, or set CASEFLOW_ACTOR)");
}

/* Exported, documented in ops-int.h */
int cf__ops_when(const cf_ops_t *ops, const cf_ops_by_t *by, const cf_case_t *c, cf_time_t *at,
                 cf_error_t *err)
{
    char text[CF_TIME_BUFSZ], limit[CF_TIME_BUFSZ];
    if (cf__ops_who(by, err) != 0)
        return CF_EINVAL;
    cf_time_t t = by->at ? by->at : by->now;
    int64_t window = cf_ops_backdate_secs(ops);
    int future = t > by->now, early = t < by->now - window;
    int before = c && c->version > 0 && t < c->updated_at;
    if (!future && !early && !before) {
        *at = t;
        return 0;
    }
    cf_time_format(t, text);
    if (future)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "--at %s is in the future", text);
    if (early) {
        cf_time_format(by->now - window, limit);
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "--at %s is more than %lld days in the past (the limit is %s; a "
                            "bureau sets it with CASEFLOW_BACKDATE_DAYS)",
                            text, (long long)(window / 86400), limit);
    }
    cf_time_format(c->updated_at, limit);
    return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                        "the time %s is before the case's last event (%s): events are recorded "
                        "in the order they happened",
                        text, limit);
}

/* Exported, documented in ops-int.h */
int cf__ops_stamp_entered(const cf_ops_by_t *by, json_t *events)
{
    if (!by->at || by->at >= by->now)
        return 0;
    char now[CF_TIME_BUFSZ];
    cf_time_format(by->now, now);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        if (json_object_set_new(ev, "entered_at", json_string(now)) != 0 ||
            json_object_set_new(ev, "entered_by", json_string(by->actor ? by->actor : "")) != 0)
            return CF_ENOMEM;
    }
    return 0;
}

/* ---- documents ----------------------------------------------------------------------------- */

/* Exported, documented in ops.h */
size_t cf_ops_doc_max(const cf_ops_t *ops)
{
    return ops->limits.doc_max ? ops->limits.doc_max : CF_OPS_DOC_MAX_DEFAULT;
}

static int is_hex64(const char *s)
{
    if (!s || strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!isxdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* One document: read or take its bytes, hash them, and add {sha256, size, file}
 * to docs. The bytes stay in d->buf until the write stores them. */
static int doc_prepare(const cf_ops_t *ops, const cf_ops_doc_t *in, cf__ops_doc_t *d, json_t *docs,
                       cf_error_t *err)
{
    size_t max = cf_ops_doc_max(ops);
    const char *file = in->file;
    int64_t size = 0;
    int rc = 0;
    if (!in->name || !*in->name)
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0, "a document needs a name");
    if (in->path) {
        rc = cf_ops_read_file(in->path, max, &d->buf, &d->len, err);
        const char *base = strrchr(in->path, '/');
        file = file ? file : base ? base + 1 : in->path;
    } else if (in->data) {
        if (in->len > max)
            return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                                "document '%s' has %zu bytes, larger than the limit of %zu "
                                "bytes: not stored",
                                in->name, in->len, max);
        d->buf = malloc(in->len ? in->len : 1);
        if (!d->buf)
            return CF_ENOMEM;
        memcpy(d->buf, in->data, in->len);
        d->len = in->len;
    } else if (!is_hex64(in->sha256) || in->size < 0 || !file) {
        return cf_error_set(err, CF_EINVAL, NULL, 0, 0,
                            "document '%s' needs sha256 (64 hex digits), size and file", in->name);
    }
    if (rc != 0)
        return rc;
    if (d->buf) {
        cf_chain_sha256_hex(d->buf, d->len, d->sha256);
        size = (int64_t)d->len;
        d->stored = 1;
    } else {
        snprintf(d->sha256, sizeof(d->sha256), "%s", in->sha256);
        size = in->size;
    }
    if (size == 0) /* an empty file is no 文书: it would stand for one on the record */
        return cf_error_set(err, CF_EINVALID, NULL, 0, 0,
                            "document '%s' is empty (0 bytes): not taken", in->name);
    if (json_object_set_new(docs, in->name,
                            json_pack("{s:s, s:I, s:s}", "sha256", d->sha256, "size",
                                      (json_int_t)size, "file", file ? file : "")) != 0)
        return CF_ENOMEM;
    return 0;
}

/* Exported, documented in ops-int.h */
int cf__ops_docs(const cf_ops_t *ops, const cf_ops_doc_t *in, size_t n, cf__ops_doc_t **docs,
                 json_t **refs, cf_error_t *err)
{
    cf__ops_doc_t *d = calloc(n ? n : 1, sizeof(*d));
    json_t *o = json_object();
    int rc = d && o ? 0 : CF_ENOMEM;
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = doc_prepare(ops, &in[i], &d[i], o, err);
    if (rc != 0) {
        cf__ops_docs_free(d, n);
        json_decref(o);
        return rc;
    }
    *docs = d;
    *refs = o;
    return 0;
}

/* Exported, documented in ops-int.h */
void cf__ops_docs_free(cf__ops_doc_t *docs, size_t n)
{
    for (size_t i = 0; docs && i < n; i++)
        free(docs[i].buf);
    free(docs);
}

/* ---- writing ------------------------------------------------------------------------------- */

/* Exported, documented in ops.h */
int cf_ops_touches_clocks(const json_t *events)
{
    size_t i;
    json_t *ev;
    json_array_foreach((json_t *)events, i, ev) {
        const char *type = json_string_value(json_object_get(ev, "type"));
        if (!type || strncmp(type, "clock.", 6) == 0 || strcmp(type, "case.opened") == 0)
            return 1;
    }
    return 0;
}

/* The writes of one change, inside whatever transaction is open; was: c's head
 * before it. */
static int write_all(cf_ops_t *ops, const cf__ops_write_t *w, cf_case_t *c, const char *was,
                     cf_error_t *err)
{
    char number[256] = "";
    int rc = 0;
    if (w->assigns) /* 案号, 决定书文号 or 档案号 (issue 20), in this transaction */
        rc = cf__ops_assign(ops, w->assigns, c, w->events, number, sizeof(number), err);
    /* the case's agency, when the caller's was checked against it (cf_ops_case): bound
     * into the rows, not read again */
    const char *agency = w->by && w->by->agency ? w->by->agency : NULL;
    char owner[256] = "";
    for (size_t i = 0; rc == 0 && i < w->docs_count; i++) {
        if (!w->docs[i].stored)
            continue;
        if (!owner[0] && (w->opening || agency)) /* who gave the bytes: the case's agency */
            snprintf(owner, sizeof(owner), "%s",
                     w->opening ? (w->agency ? w->agency : "") : agency);
        else if (!owner[0] && cf_store_case_agency(ops->store, c->id, owner, sizeof(owner), NULL))
            owner[0] = '\0'; /* a case without an agency */
        rc = cf_store_document_put(ops->store, w->docs[i].sha256, w->docs[i].buf, w->docs[i].len,
                                   err);
        if (rc == 0)
            rc = cf_store_document_hold(ops->store, w->docs[i].sha256, owner, err);
    }
    if (rc == 0)
        rc = w->opening ? cf_store_case_open_tx(ops->store, c, w->events, w->agency, err)
                        : cf_store_case_append_as(ops->store, c, w->events, agency, err);
    if (rc == 0 && number[0])
        rc = cf_store_ref_put(ops->store, c->id, w->assigns, number, err);
    if (rc == 0) /* the case file's summary and the statistics' counts */
        rc = cf__ops_summarize(ops, w->wf, c, w->opening ? NULL : was, w->assigns, err);
    if (rc == 0 && cf_ops_touches_clocks(w->events))
        rc = cf_store_alerts_sync(ops->store, c, w->wf, ops->cal, err);
    return rc;
}

/* 0 when c's head is the one stored, else CF_ECONFLICT (or the store's error). */
static int still_current(cf_ops_t *ops, const cf_case_t *c, cf_error_t *err)
{
    char agency[128], head[CF_CHAIN_HEX];
    int rc = cf_store_case_agency_head(ops->store, c->id, agency, sizeof(agency), head, err);
    if (rc == 0 && strcmp(head, c->head) != 0)
        rc =
            cf_error_set(err, CF_ECONFLICT, NULL, 0, 0,
                         "case %lld changed since it was read: reload and retry", (long long)c->id);
    return rc;
}

/* Exported, documented in ops-int.h */
int cf__ops_commit(cf_ops_t *ops, const cf__ops_write_t *w, cf_case_t *c, cf_ops_out_t *out)
{
    cf_error_t *err = &out->err;
    int rc = cf__ops_stamp_entered(w->by, w->events);
    if (rc == 0 && !ops->in_tx)
        rc = cf_store_tx_begin(ops->store, err);
    if (rc != 0)
        return rc;
    int64_t read_at = c->version;
    char was[CF_CHAIN_HEX];
    snprintf(was, sizeof(was), "%s", c->head);
    /* a case taken unchecked is proven current by the case row's update; a number or a
     * document written before it would be written twice by the retry: checked first */
    if (out->unchecked && (w->assigns || w->docs_count) && (rc = still_current(ops, c, err)) == 0)
        out->unchecked = 0;
    /* The store's writes leave c as it was on failure, and make it the case after
     * them on success: no copy is needed here. */
    if (rc == 0)
        rc = write_all(ops, w, c, was, err);
    if (c->version != read_at) /* the case row was written: the case was current */
        out->unchecked = 0;
    if (!ops->in_tx && rc == 0)
        rc = cf_store_tx_commit(ops->store, err);
    if (!ops->in_tx && rc != 0)
        cf_store_tx_rollback(ops->store);
    if (rc == CF_ECONFLICT && out->version < 0)
        out->version = read_at;
    if (rc != 0) {
        if (!ops->in_tx && c->version != read_at) /* written, then the commit failed */
            cf_case_dispose(c), memset(c, 0, sizeof(*c));
        return rc;
    }
    if (ops->wfs->cases)
        cf_casecache_put(ops->wfs->cases, c);
    out->c = *c; /* moved: c is left empty, and disposing it is harmless */
    memset(c, 0, sizeof(*c));
    out->has_case = 1;
    out->events = json_incref(w->events);
    return 0;
}

/* ---- limits from text ---------------------------------------------------------------------- */

/* Exported, documented in ops.h */
int cf_ops_parse_size(const char *text, size_t *out)
{
    char *end = NULL;
    unsigned long long n = text ? strtoull(text, &end, 10) : 0;
    if (!text || end == text || *text == '-')
        return CF_EINVAL;
    unsigned shift = *end == 'K' || *end == 'k'   ? 10
                     : *end == 'M' || *end == 'm' ? 20
                     : *end == 'G' || *end == 'g' ? 30
                                                  : 0;
    if (shift)
        end++;
    if (*end || n == 0 || n > (1ull << 40) >> shift)
        return CF_EINVAL;
    *out = (size_t)(n << shift);
    return 0;
}

/* Exported, documented in ops.h */
int cf_ops_parse_days(const char *text, int64_t *secs)
{
    char *end = NULL;
    long long n = text ? strtoll(text, &end, 10) : -1;
    if (!text || end == text || n < 0 || n > 36500 || (*end && strcmp(end, "d") != 0))
        return CF_EINVAL;
    *secs = n ? (int64_t)n * 86400 : -1;
    return 0;
}
