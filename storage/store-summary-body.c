/*
 * store-summary-body.c -- a case's summary as a C struct (cf_summary_t, store.h):
 * its text (case_summary.body), the struct read back from that text, and
 * equality.
 *
 * Why a struct and not a jansson object: the summary is rebuilt and compared
 * with the previous one on every change of a case, and as jansson objects
 * (json_pack to build it, json_loads to read the previous one back, a sorted
 * dump, json_equal, lookups by name to count it) it cost a transition more than
 * the engine and the case's own writes together (callgrind of the HTTP bench,
 * docs/performance.md). The text is the contract (the list's filters read it
 * with json_extract; cases written before this file have it): cf_summary_write
 * writes exactly the bytes json_dumps(JSON_COMPACT | JSON_SORT_KEYS) gave, which
 * test casefile_summary_text checks against jansson.
 */
#include "store-int.h"

#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

/* ---- the struct ------------------------------------------------------------------------ */

/* Exported, documented in store.h */
void cf_summary_dispose(cf_summary_t *sum)
{
    free(sum->agency);
    free(sum->power_type);
    free(sum->workflow);
    free(sum->cause);
    free(sum->state);
    free(sum->name);
    free(sum->head);
    for (size_t i = 0; i < sum->handlers_count; i++)
        free(sum->handlers[i]);
    free(sum->handlers);
    for (size_t i = 0; i < sum->clocks_count; i++)
        free(sum->clocks[i].clock);
    free(sum->clocks);
    memset(sum, 0, sizeof(*sum));
}

/* Both NULL, or both the same text. */
static int same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Exported, documented in store.h */
int cf_summary_equal(const cf_summary_t *a, const cf_summary_t *b)
{
    if (a->opened != b->opened || a->filed != b->filed || a->decided != b->decided ||
        a->closed != b->closed || a->fine != b->fine || a->paid != b->paid ||
        a->refund != b->refund || a->recovered != b->recovered ||
        a->handlers_count != b->handlers_count || a->clocks_count != b->clocks_count)
        return 0;
    if (!same(a->state, b->state) || !same(a->agency, b->agency) ||
        !same(a->power_type, b->power_type) || !same(a->workflow, b->workflow) ||
        !same(a->cause, b->cause) || !same(a->name, b->name) || !same(a->head, b->head))
        return 0;
    for (size_t i = 0; i < a->handlers_count; i++)
        if (!same(a->handlers[i], b->handlers[i]))
            return 0;
    for (size_t i = 0; i < a->clocks_count; i++)
        if (a->clocks[i].met != b->clocks[i].met || a->clocks[i].day != b->clocks[i].day ||
            !same(a->clocks[i].clock, b->clocks[i].clock))
            return 0;
    return 1;
}

/* ---- the text ---------------------------------------------------------------------------- */

/* Appends "key":"text" (or null), key first of its object when first. */
static void put_str(cf__jsonw_t *w, const char *key, const char *text, int first)
{
    if (first) {
        cf__jsonw_raw(w, "\"", 1);
        cf__jsonw_text(w, key);
        cf__jsonw_raw(w, "\":", 2);
    } else {
        cf__jsonw_key(w, key);
    }
    cf__jsonw_str(w, text);
}

static void put_int(cf__jsonw_t *w, const char *key, int64_t v)
{
    cf__jsonw_key(w, key);
    cf__jsonw_int(w, v);
}

/* Exported, documented in store.h. The members in jansson's sorted order (by
 * byte: all keys are ASCII). */
void cf_summary_write(cf__jsonw_t *w, const cf_summary_t *sum)
{
    cf__jsonw_raw(w, "{", 1);
    put_str(w, "agency", sum->agency, 1);
    put_str(w, "cause", sum->cause, 0);
    cf__jsonw_key(w, "clocks");
    cf__jsonw_raw(w, "[", 1);
    for (size_t i = 0; i < sum->clocks_count; i++) {
        cf__jsonw_raw(w, i ? ",[" : "[", i ? 2 : 1);
        cf__jsonw_str(w, sum->clocks[i].clock);
        cf__jsonw_raw(w, ",", 1);
        cf__jsonw_int(w, sum->clocks[i].met);
        cf__jsonw_raw(w, ",", 1);
        cf__jsonw_int(w, sum->clocks[i].day);
        cf__jsonw_raw(w, "]", 1);
    }
    cf__jsonw_raw(w, "]", 1);
    put_int(w, "closed", sum->closed);
    put_int(w, "decided", sum->decided);
    put_int(w, "filed", sum->filed);
    put_int(w, "fine", sum->fine);
    cf__jsonw_key(w, "handlers");
    cf__jsonw_raw(w, "[", 1);
    for (size_t i = 0; i < sum->handlers_count; i++) {
        if (i)
            cf__jsonw_raw(w, ",", 1);
        cf__jsonw_str(w, sum->handlers[i]);
    }
    cf__jsonw_raw(w, "]", 1);
    put_str(w, "head", sum->head, 0);
    put_str(w, "name", sum->name, 0);
    put_int(w, "opened", sum->opened);
    put_int(w, "paid", sum->paid);
    put_str(w, "power_type", sum->power_type, 0);
    put_int(w, "recovered", sum->recovered);
    put_int(w, "refund", sum->refund);
    put_str(w, "state", sum->state, 0);
    put_str(w, "workflow", sum->workflow, 0);
    cf__jsonw_raw(w, "}", 1);
}

/* ---- back from the text -------------------------------------------------------------------- */

/* A copy of member key of o if it is a string (else "" when must, NULL when not).
 * Sets *oom when the copy fails. */
static char *text_of(const json_t *o, const char *key, int must, int *oom)
{
    const char *v = json_string_value(json_object_get(o, key));
    if (!v && !must)
        return NULL;
    char *copy = strdup(v ? v : "");
    if (!copy)
        *oom = 1;
    return copy;
}

static int64_t int_of(const json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* Exported, documented in store.h */
int cf_summary_from_json(const json_t *body, cf_summary_t *sum)
{
    int oom = 0;
    memset(sum, 0, sizeof(*sum));
    sum->agency = text_of(body, "agency", 1, &oom);
    sum->power_type = text_of(body, "power_type", 1, &oom);
    sum->workflow = text_of(body, "workflow", 1, &oom);
    sum->cause = text_of(body, "cause", 1, &oom);
    sum->state = text_of(body, "state", 1, &oom);
    sum->name = text_of(body, "name", 0, &oom);
    sum->head = text_of(body, "head", 0, &oom);
    sum->opened = int_of(body, "opened"), sum->filed = int_of(body, "filed");
    sum->decided = int_of(body, "decided"), sum->closed = int_of(body, "closed");
    sum->fine = int_of(body, "fine"), sum->paid = int_of(body, "paid");
    sum->refund = int_of(body, "refund"), sum->recovered = int_of(body, "recovered");
    const json_t *hs = json_object_get(body, "handlers"), *ks = json_object_get(body, "clocks");
    size_t nh = json_array_size(hs), nk = json_array_size(ks);
    sum->handlers = calloc(nh ? nh : 1, sizeof(*sum->handlers));
    sum->clocks = calloc(nk ? nk : 1, sizeof(*sum->clocks));
    if (!sum->handlers || !sum->clocks)
        oom = 1;
    for (size_t i = 0; !oom && i < nh; i++) {
        const char *h = json_string_value(json_array_get(hs, i));
        if (h && !(sum->handlers[sum->handlers_count++] = strdup(h)))
            oom = 1;
    }
    for (size_t i = 0; !oom && i < nk; i++) {
        const json_t *k = json_array_get(ks, i);
        cf_summary_clock_t *to = &sum->clocks[sum->clocks_count++];
        const char *id = json_string_value(json_array_get(k, 0));
        to->clock = strdup(id ? id : "");
        to->met = (int)json_integer_value(json_array_get(k, 1));
        to->day = json_integer_value(json_array_get(k, 2));
        if (!to->clock)
            oom = 1;
    }
    if (oom)
        cf_summary_dispose(sum);
    return oom ? CF_ENOMEM : 0;
}

/* Exported, documented in store.h */
json_t *cf_summary_to_json(const cf_summary_t *sum)
{
    cf__jsonw_t w = {0};
    cf_summary_write(&w, sum);
    char *text = cf__jsonw_finish(&w);
    json_t *o = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return o;
}
