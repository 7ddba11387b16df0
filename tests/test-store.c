/*
 * test-store.c -- store-1.x: the SQLite store and the hash chain: recomputing a
 * case's hashes gives its head; refolding its events gives its snapshot; SM3 chains
 * too; the writer behind the chain's canonical form. (store-2.x to 4, the store's
 * transactions, are test-store-tx.c; walk_some is in core-helpers.c.)
 *
 * Map: recompute; store-1.1; full_case, frozen and fold_text; store-1.3, 1.6; the
 * canonical writer (store-1.7); store-1.5, 1.4, 1.2.
 */
#include <stdlib.h>
#include <string.h>

#include "../engine/chain.h"
#include "../engine/jsonr.h"
#include "../engine/jsonw.h"
#include "../storage/store-int.h"
#include "core-helpers.h"
#include "task.h"

#define MINI "tests/fixtures/workflows/valid/mini.yaml"

/* Recomputes the chain of stored events; returns the last hash into head. */
static void recompute(cf_store_t *s, int64_t id, cf_chain_algo_t algo, char *head)
{
    json_t *events;
    cf_error_t err;
    ASSERT_EQ(cf_store_case_events(s, id, &events, &err), 0);
    snprintf(head, CF_CHAIN_HEX, "%s", CF_CHAIN_GENESIS);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev) {
        char h[CF_CHAIN_HEX];
        ASSERT_STR_EQ(json_string_value(json_object_get(ev, "prev")), head);
        ASSERT_EQ(cf_chain_hash(algo, head, ev, h), 0);
        ASSERT_STR_EQ(json_string_value(json_object_get(ev, "hash")), h);
        memcpy(head, h, CF_CHAIN_HEX);
    }
    json_decref(events);
}

/* store-1.1: recomputing the chain from the stored events gives the stored head,
 * and refolding them gives the stored case. */
TEST_IMPL(store_chain_recompute)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "chain.db");
    cf_case_t c, stored, refolded;
    cf_error_t err;
    walk_some(e.s, e.wf, e.cal, &c);
    char head[CF_CHAIN_HEX];
    recompute(e.s, c.id, CF_CHAIN_SHA256, head);
    ASSERT_EQ(cf_store_case_get(e.s, c.id, &stored, &err), 0);
    ASSERT_STR_EQ(stored.head, head);
    ASSERT_STR_EQ(c.head, head);
    json_t *events;
    ASSERT_EQ(cf_store_case_events(e.s, c.id, &events, &err), 0);
    ASSERT_EQ(cf_case_init(&refolded), 0);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
        ASSERT_EQ(cf_case_apply(&refolded, ev, &err), 0);
    json_t *a = cf_case_to_json(&refolded), *b = cf_case_to_json(&stored);
    ASSERT(json_equal(a, b));
    /* A changed fact in an event (#3, the filing) no longer verifies. */
    json_t *tampered = json_deep_copy(json_array_get(events, 2));
    ASSERT_STR_EQ(json_string_value(json_object_get(tampered, "action")), "file");
    json_object_set_new(json_object_get(tampered, "facts"), "reason", json_string("改过"));
    char h[CF_CHAIN_HEX];
    ASSERT_EQ(cf_chain_hash(CF_CHAIN_SHA256, json_string_value(json_object_get(tampered, "prev")),
                            tampered, h),
              0);
    ASSERT(strcmp(h, json_string_value(json_object_get(tampered, "hash"))) != 0);
    /* An event out of order does not fold. */
    cf_case_t partial;
    ASSERT_EQ(cf_case_init(&partial), 0);
    ASSERT_EQ(cf_case_apply(&partial, json_array_get(events, 1), &err), CF_ECORRUPT);
    ASSERT_EQ(partial.version, 0);
    json_decref(tampered);
    json_decref(a);
    json_decref(b);
    json_decref(events);
    cf_case_dispose(&partial);
    cf_case_dispose(&refolded);
    cf_case_dispose(&stored);
    cf_case_dispose(&c);
    cf_test_env_close(&e);
    return 0;
}

/* store-1.2: a case chained with SM3 verifies with SM3 and not with SHA-256. */
/* A case with every field of cf_case_t set, from its snapshot. */
static void full_case(cf_case_t *c)
{
    json_error_t jerr;
    json_t *snap = json_loads(
        "{\"id\": 7, \"workflow\": {\"id\": \"mini\", \"version\": 2, \"hash\": "
        "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}, \"algo\": "
        "\"sm3\", \"matter\": \"M-1\", \"parent\": 3, \"party\": {\"name\": \"某药店\", \"type\": "
        "\"org\"}, \"state\": \"notified\", \"prev_state\": \"filed\", \"facts\": {\"fine\": "
        "500.5, \"reason\": \"举报\"}, \"history\": {\"fine\": [400, 500.5]}, \"documents\": "
        "{\"立案审批表\": {\"sha256\": \"00\", \"size\": 1}}, \"done\": [\"file\", \"notify\"], "
        "\"version\": 5, \"head\": "
        "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\", \"opened_at\": 100, "
        "\"updated_at\": 200, \"closed_at\": 300, \"cause\": {\"id\": \"JS-01\", \"name\": \"x\"}, "
        "\"clocks\": [{\"id\": \"decide\", \"state\": \"running\", \"started_at\": 100, "
        "\"deadline\": 900, \"paused_at\": 150, \"stopped_at\": 0, \"extended\": \"30 days\", "
        "\"extensions\": 1, \"party\": false, \"exclusions\": [{\"from\": \"a\", \"to\": \"b\", "
        "\"reason\": \"鉴定\"}]}, {\"id\": \"pay\", \"state\": \"lapsed\", \"started_at\": 1, "
        "\"deadline\": 2, \"paused_at\": 0, \"stopped_at\": 2, "
        "\"extensions\": 0, \"party\": true}]}",
        0, &jerr);
    ASSERT(snap != NULL);
    ASSERT_EQ(cf_case_from_json(c, snap, NULL), 0);
    json_decref(snap);
}

/* The case as JSON, deep: cf_case_to_json refers to the case's own JSON values,
 * so comparing two of them after a change in place would compare it with itself. */
static json_t *frozen(const cf_case_t *c)
{
    json_t *built = cf_case_to_json(c), *copy = json_deep_copy(built);
    json_decref(built);
    ASSERT(copy != NULL);
    return copy;
}

/* Seals ev (JSON text) onto c by hand, with a made-up hash, and folds it. */
static void fold_text(cf_case_t *c, const char *text, char fill)
{
    json_t *ev = json_loads(text, 0, NULL);
    ASSERT(ev != NULL);
    char hash[CF_CHAIN_HEX];
    memset(hash, fill, 64);
    hash[64] = '\0';
    json_object_set_new(ev, "seq", json_integer(c->version + 1));
    json_object_set_new(ev, "prev", json_string(c->head));
    json_object_set_new(ev, "hash", json_string(hash));
    cf_error_t err;
    ASSERT_EQ(cf_case_apply(c, ev, &err), 0);
    json_decref(ev);
}

/* store-1.3: the store works on a copy of the case; the copy holds everything
 * the case does (compared through the snapshot), and nothing done to the copy
 * (its own fields, or folding events that add to a fact's history and a clock's
 * exclusions, the values a copy shares) shows in the source. */
TEST_IMPL(store_case_copy)
{
    cf_case_t src, copy;
    full_case(&src);
    ASSERT(src.cause && src.clocks_count == 2 && src.clocks[0].exclusions && src.matter_id);
    src.closed_at = 0;
    ASSERT_EQ(cf_case_copy(&copy, &src), 0);
    json_t *a = frozen(&src), *b = cf_case_to_json(&copy);
    ASSERT(json_equal(a, b));
    fold_text(&copy,
              "{\"type\": \"transition\", \"action\": \"decide\", \"from\": \"notified\", \"to\": "
              "\"decided\", \"at\": \"2026-03-09T09:00:00+08:00\", \"facts\": {\"fine\": 1}, "
              "\"documents\": {\"决定书\": {\"sha256\": \"11\", \"size\": 2}}}",
              'c');
    fold_text(&copy,
              "{\"type\": \"clock.excluded\", \"clock\": \"decide\", \"from\": \"c\", \"to\": "
              "\"d\", \"reason\": \"检测\", \"at\": \"2026-03-10T09:00:00+08:00\"}",
              'd');
    ASSERT_EQ(json_array_size(json_object_get(copy.history, "fine")), 3);
    ASSERT_EQ(json_array_size(copy.clocks[0].exclusions), 2);
    json_object_set_new(copy.party, "name", json_string("y"));
    copy.clocks[0].id[0] = 'X';
    json_t *again = cf_case_to_json(&src);
    ASSERT(json_equal(a, again));
    json_decref(a);
    json_decref(b);
    json_decref(again);
    cf_case_dispose(&copy);
    cf_case_dispose(&src);
    return 0;
}

/* Expects cf_case_snapshot_text(c) to be JSON equal to cf_case_to_json(c). */
static void same_snapshot(const cf_case_t *c)
{
    char *text = cf_case_snapshot_text(c);
    ASSERT(text != NULL);
    json_error_t jerr;
    json_t *parsed = json_loads(text, 0, &jerr), *built = cf_case_to_json(c);
    if (!parsed)
        CF__FAIL("snapshot text is not JSON (%s): %s", jerr.text, text);
    if (!json_equal(parsed, built))
        CF__FAIL("snapshot text differs from cf_case_to_json: %s", text);
    /* Into a caller's buffer, too small at first: grown, the same text. */
    size_t cap = 4;
    char *buf = malloc(cap);
    ASSERT(buf != NULL);
    ASSERT_EQ(cf_case_snapshot_buf(c, &buf, &cap), 0);
    ASSERT_STR_EQ(buf, text);
    ASSERT(cap > strlen(text));
    ASSERT_EQ(cf_case_snapshot_buf(c, &buf, &cap), 0); /* reused: written again from the start */
    ASSERT_STR_EQ(buf, text);
    free(buf);
    json_decref(parsed);
    json_decref(built);
    free(text);
}

/* store-1.6: the snapshot the store writes as text is the snapshot: every
 * field, strings needing escapes, absent optional values, negative numbers. */
TEST_IMPL(store_snapshot_text)
{
    cf_case_t c;
    full_case(&c);
    same_snapshot(&c);
    free(c.state);
    c.state = strdup("引号\"反斜杠\\换行\n制表\t\x01 end");
    free(c.prev_state);
    c.prev_state = NULL;
    free(c.matter_id);
    c.matter_id = NULL;
    json_decref(c.cause);
    c.cause = NULL;
    c.parent_id = -5;
    c.closed_at = 0;
    json_object_set_new(c.facts, "say \"hi\"", json_string("a\\b"));
    same_snapshot(&c);
    cf_case_dispose(&c);
    cf_case_t empty;
    ASSERT_EQ(cf_case_init(&empty), 0);
    same_snapshot(&empty);
    cf_case_dispose(&empty);
    return 0;
}

/* ---- the writer behind the chain's canonical form -------------------------------------- */

static uint64_t rnd(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

/* A string of n pieces drawn from what escaping and sorting must get right. */
static json_t *random_string(uint64_t *st, int n)
{
    static const char *const pieces[] = {"a",    "ab",   "b",  "A",  "_",    "/",  "\"", "\\",
                                         "\x01", "\x1f", "\n", "\t", "\b",   "\f", "\r", " ",
                                         "中",   "医保", "😀",  "é",  "\x7f", "0",  "}"};
    char buf[256] = "";
    for (int i = 0; i < n; i++)
        strcat(buf, pieces[rnd(st) % (sizeof(pieces) / sizeof(pieces[0]))]);
    return json_string(buf);
}

static json_t *random_value(uint64_t *st, int depth)
{
    static const double reals[] = {
        0.1, 500.5, -0.0, 2.0, 1e300, 1e-300, 3.14159265358979, -123456.789, 1.0 / 3.0, 6.02e23};
    switch (rnd(st) % (depth > 3 ? 6 : 8)) {
    case 0:
        return json_null();
    case 1:
        return json_boolean(rnd(st) % 2);
    case 2: {
        static const json_int_t edges[] = {0, -1, INT64_MAX, INT64_MIN, 1772413200};
        return json_integer(rnd(st) % 2 ? edges[rnd(st) % 5] : (json_int_t)rnd(st) - (1 << 30));
    }
    case 3:
        return json_real(reals[rnd(st) % (sizeof(reals) / sizeof(reals[0]))] *
                         (rnd(st) % 2 ? 1 : (double)(rnd(st) % 1000)));
    case 4:
    case 5:
        return random_string(st, (int)(rnd(st) % 6));
    case 6: {
        json_t *a = json_array();
        for (int i = (int)(rnd(st) % 5); i > 0; i--)
            json_array_append_new(a, random_value(st, depth + 1));
        return a;
    }
    default: {
        json_t *o = json_object();
        for (int i = (int)(rnd(st) % 7); i > 0; i--) {
            json_t *k = random_string(st, 1 + (int)(rnd(st) % 3));
            json_object_set_new(o, json_string_value(k), random_value(st, depth + 1));
            json_decref(k);
        }
        return o;
    }
    }
}

/* text with every line after the first indented by depth more levels. */
static char *indent_lines(const char *text, int depth)
{
    cf__jsonw_t w = {0};
    for (const char *p = text; *p; p++) {
        cf__jsonw_raw(&w, p, 1);
        for (int i = 0; *p == '\n' && i < depth; i++)
            cf__jsonw_text(&w, "  ");
    }
    return cf__jsonw_finish(&w);
}

/* store-1.7: event hashes depend on the canonical text being exactly what
 * jansson's sorted compact dump gives (chains stored before jsonw.c must still
 * verify, and verification must agree with sealing). Over 3,000 random values
 * (escapes, UTF-8, keys sharing prefixes, reals, integer extremes, nesting),
 * the writer gives jansson's bytes, sorted and unsorted, compact and indented
 * (JSON_INDENT(2), at the top and nested two levels in, as the audit report
 * writes its cases), and the canonical form leaves out a top-level hash and prev. */
TEST_IMPL(store_canonical_is_jansson)
{
    uint64_t st = 20261123;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(&st, 0);
        for (int sort = 0; sort < 2; sort++) {
            char *want =
                json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sort ? JSON_SORT_KEYS : 0));
            cf__jsonw_t w = {0};
            cf__jsonw_value(&w, v, sort);
            char *got = cf__jsonw_finish(&w);
            ASSERT(want && got);
            if (strcmp(want, got) != 0)
                CF__FAIL("value %d (sort %d):\n  jansson %s\n  jsonw   %s", i, sort, want, got);
            if (sort) { /* read back, its keys are already in order, as stored events' are */
                json_t *back = json_loads(want, JSON_DECODE_ANY, NULL);
                cf__jsonw_t again = {0};
                cf__jsonw_value(&again, back, 1);
                char *text = cf__jsonw_finish(&again);
                ASSERT(text && strcmp(want, text) == 0);
                free(text);
                json_decref(back);
            }
            free(want);
            free(got);
        }
        for (int depth = 0; depth < 3; depth += 2) {
            char *want = json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY);
            cf__jsonw_t w = {0};
            cf__jsonw_pretty(&w, v, depth);
            char *got = cf__jsonw_finish(&w), *indented = want ? indent_lines(want, depth) : NULL;
            ASSERT(indented && got);
            if (strcmp(indented, got) != 0)
                CF__FAIL("value %d (indented, depth %d):\n  jansson %s\n  jsonw   %s", i, depth,
                         indented, got);
            free(want);
            free(got);
            free(indented);
        }
        if (json_is_object(v)) {
            char *want = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
            json_object_set_new(v, "hash", json_string("h"));
            json_object_set_new(v, "prev", json_string("p"));
            char *got = cf_chain_canonical(v);
            ASSERT(want && got);
            if (strcmp(want, got) != 0)
                CF__FAIL("event %d: jansson %s, canonical %s", i, want, got);
            free(want);
            free(got);
        }
        json_decref(v);
    }
    return 0;
}

/* ---- the reader the audit reads events with ---------------------------------------------- */

/* Expects cf__jsonr_load to give for the len bytes of text what json_loadb gives:
 * the same value, members in the same order; or the same error. */
static void reads_as_jansson(const char *text, size_t len)
{
    json_error_t want_err, got_err;
    json_t *want = json_loadb(text, len, 0, &want_err), *got = cf__jsonr_load(text, len, &got_err);
    if (!want != !got)
        CF__FAIL("%.*s: jansson %s, jsonr %s", (int)len, text, want ? "reads it" : want_err.text,
                 got ? "reads it" : got_err.text);
    if (!want) {
        ASSERT_STR_EQ(got_err.text, want_err.text);
        ASSERT(got_err.line == want_err.line && got_err.column == want_err.column &&
               got_err.position == want_err.position);
        return;
    }
    char *a = json_dumps(want, JSON_COMPACT), *b = json_dumps(got, JSON_COMPACT);
    if (!json_equal(want, got) || strcmp(a, b) != 0)
        CF__FAIL("%.*s: jansson %s, jsonr %s", (int)len, text, a, b);
    free(a);
    free(b);
    json_decref(want);
    json_decref(got);
}

/* Expects what cf__jsonr_load_canonical says of text: the value jansson reads,
 * and, when it gives a canonical form, the one cf_chain_canonical gives of the
 * value. Returns 1 if it gave one. */
static int canonical_as_chain(const char *text, size_t len)
{
    cf__jsonw_t canon = {0};
    json_t *want = json_loadb(text, len, 0, NULL),
           *got = cf__jsonr_load_canonical(text, len, NULL, &canon);
    ASSERT(!want == !got);
    int given = canon.len > 0;
    if (given) {
        char *chain = cf_chain_canonical(got);
        if (!json_equal(want, got) || strcmp(chain, canon.p) != 0)
            CF__FAIL("%.*s: canonical %s, chain %s", (int)len, text, canon.p, chain);
        free(chain);
    }
    free(canon.p);
    json_decref(want);
    json_decref(got);
    return given;
}

/* store-1.9: a stored event's canonical form taken from its text (what the
 * chain hashes, without writing it again) is cf_chain_canonical's: over random
 * objects given a hash and a prev, written sorted (caseflow's form) and
 * otherwise, cut, changed and grown by a byte; and where the form is not the
 * chain's (keys out of order, "\/", -0, spaces) none is given. */
TEST_IMPL(store_jsonr_canonical)
{
    static const char bytes[] = {'"', ',', '}', '{', ':', '0', '-', 'a', 'z', '/', '\\'};
    uint64_t st = 20261208;
    int given = 0;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(&st, 1);
        if (!json_is_object(v)) {
            json_t *o = json_pack("{s:o}", "v", v);
            v = o;
        }
        if (rnd(&st) % 4)
            json_object_set_new(v, "hash", json_string("h"));
        if (rnd(&st) % 4)
            json_object_set_new(v, "prev", random_value(&st, 3));
        for (int f = 0; f < 2; f++) {
            char *text = json_dumps(v, JSON_COMPACT | (f ? JSON_SORT_KEYS : 0));
            size_t len = strlen(text);
            given += canonical_as_chain(text, len);
            for (int m = 0; m < 4; m++) {
                char *t = malloc(len + 2);
                size_t at = rnd(&st) % len;
                memcpy(t, text, len);
                if (m < 2) {
                    t[at] = bytes[rnd(&st) % sizeof(bytes)];
                    canonical_as_chain(t, len);
                } else {
                    memmove(t + at + 1, t + at, len - at);
                    t[at] = bytes[rnd(&st) % sizeof(bytes)];
                    canonical_as_chain(t, len + 1);
                }
                free(t);
            }
            free(text);
        }
        json_decref(v);
    }
    ASSERT(given > 500); /* the form was taken from the text, not only refused */
    static const char *const forms[] = {
        "{\"a\":1,\"hash\":\"h\",\"m\":[1,{\"hash\":2,\"z\":\"x/y\"}],\"prev\":\"p\",\"z\":-3}",
        "{\"hash\":\"h\",\"prev\":\"p\",\"z\":0}",
        "{\"a\":1,\"hash\":\"h\",\"prev\":\"p\"}",
        "{\"hash\":\"h\"}",
        "{\"prev\":{}}",
        "{}",
        "{\"a\":\"\\\"\\\\\\n\\t\"}"};
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
        ASSERT_EQ(canonical_as_chain(forms[i], strlen(forms[i])), 1);
    static const char *const others[] = {"{\"b\":1,\"a\":2}",
                                         "{\"a\":{\"y\":1,\"x\":2}}",
                                         "{\"a\":\"\\/\"}",
                                         "{\"a\":-0}",
                                         "{\"a\": 1}",
                                         "{\"a\":1,\"a\":1}",
                                         "{\"prev\":\"p\",\"hash\":\"h\"}",
                                         "[1]",
                                         "{\"a\":\"\\u0001\"}"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
        ASSERT_EQ(canonical_as_chain(others[i], strlen(others[i])), 0);
    return 0;
}

/* store-1.8: the reader of stored text (jsonr.h) reads every text as jansson
 * does: random values written compact (as caseflow stores them), sorted and
 * indented, each also cut short, with a byte changed and with a byte put in;
 * and the edges of its subset (a key twice, integers at their limits, escapes,
 * UTF-8 jansson refuses, depth). */
TEST_IMPL(store_jsonr_is_jansson)
{
    static const char bytes[] = {'"', '\\', ',',    '}',    ']',    '{',    '[',    ':',
                                 '0', '-',  ' ',    '\0',   'e',    '.',    'u',    'n',
                                 't', '9',  '\x80', '\xc0', '\xed', '\xf4', '\xff', '\x1f'};
    uint64_t st = 20261207;
    for (int i = 0; i < 3000; i++) {
        json_t *v = random_value(&st, 0);
        static const size_t flags[] = {JSON_COMPACT, JSON_COMPACT | JSON_SORT_KEYS, JSON_INDENT(2)};
        for (int f = 0; f < 3; f++) {
            char *text = json_dumps(v, flags[f] | JSON_ENCODE_ANY);
            size_t len = strlen(text);
            reads_as_jansson(text, len);
            for (int m = 0; m < 6 && len > 0; m++) {
                char *t = malloc(len + 2);
                size_t at = rnd(&st) % len, n = len;
                memcpy(t, text, len);
                if (m == 0) {
                    n = at; /* cut short */
                } else if (m < 4) {
                    t[at] = bytes[rnd(&st) % sizeof(bytes)];
                } else {
                    memmove(t + at + 1, t + at, len - at);
                    t[at] = bytes[rnd(&st) % sizeof(bytes)];
                    n = len + 1;
                }
                reads_as_jansson(t, n);
                free(t);
            }
            free(text);
        }
        json_decref(v);
    }
    static const char *const edges[] = {"{\"a\":1,\"b\":2,\"a\":3}",
                                        "[-0,0,-1]",
                                        "[0123]",
                                        "[9223372036854775807]",
                                        "[-9223372036854775808]",
                                        "[9223372036854775808]",
                                        "[123456789012345678]",
                                        "[1234567890123456789]",
                                        "[1.5,2e3]",
                                        "[\"\\u00e9\\ud83d\\ude00\"]",
                                        "{\"\\n\":1}",
                                        "[\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"]",
                                        "[\"\\x\"]",
                                        "[\"\xed\xa0\x80\"]",
                                        "[\"\xc0\xaf\"]",
                                        "[\"\xf4\x90\x80\x80\"]",
                                        "[\"\xe4\xb8\"]",
                                        "[\"\xf0\x9f\x98\x80\"]",
                                        "[true,false,null]",
                                        "[tru]",
                                        "[nul,1]",
                                        "{}",
                                        "[]",
                                        "[[]]",
                                        "{\"a\":{}}",
                                        "[1,]",
                                        "{\"a\":1,}",
                                        "{\"a\"1}",
                                        "{1:2}",
                                        "\"top\"",
                                        "1",
                                        " {}",
                                        "{} ",
                                        "{}x",
                                        "[1] [2]",
                                        "",
                                        "{\"a\":\"\x01\"}"};
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
        reads_as_jansson(edges[i], strlen(edges[i]));
    char deep[300];
    for (int depth = 60; depth <= 140; depth += 80) { /* inside the reader's depth, then past */
        memset(deep, '[', (size_t)depth);
        memset(deep + depth, ']', (size_t)depth);
        reads_as_jansson(deep, 2 * (size_t)depth);
    }
    return 0;
}

/* Applies ev (JSON text, sealed onto c's head as seq version + 1) and expects
 * CF_ECORRUPT with c unchanged. */
static void refused_untouched(cf_case_t *c, const char *text)
{
    json_t *ev = json_loads(text, 0, NULL);
    ASSERT(ev != NULL);
    json_object_set_new(ev, "seq", json_integer(c->version + 1));
    json_object_set_new(ev, "prev", json_string(c->head));
    json_object_set_new(
        ev, "hash",
        json_string("cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"));
    json_t *before = frozen(c);
    cf_error_t err;
    ASSERT_EQ(cf_case_apply(c, ev, &err), CF_ECORRUPT);
    json_t *after = cf_case_to_json(c);
    ASSERT(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    json_decref(ev);
}

/* store-1.5: statements are prepared once per store and handed out again after
 * release, reset and with no bindings left; one still in use is never handed
 * out twice (the second user gets its own, finalized on release). */
TEST_IMPL(store_statement_cache)
{
    cf_store_t *s = cf_test_store("stmts.db");
    cf_error_t err;
    static const char sql[] = "SELECT ?1, (SELECT COUNT(*) FROM cases)";
    cf_db_stmt_t *a, *b, *c;
    ASSERT_EQ(cf__store_prepare(s, sql, &a, &err), 0);
    cf_db_bind_int(a, 1, 42);
    ASSERT_EQ(cf_db_step(a), CF_DB_ROW);
    ASSERT_EQ(cf_db_column_int(a, 0), 42);
    ASSERT_EQ(cf__store_prepare(s, sql, &b, &err), 0); /* a is in use */
    ASSERT(a != b);
    cf__store_release(s, b);
    cf__store_release(s, a);
    char copy[sizeof(sql)];
    memcpy(copy, sql, sizeof(sql)); /* the same SQL at another address */
    ASSERT_EQ(cf__store_prepare(s, copy, &c, &err), 0);
    ASSERT(c == a);
    ASSERT_EQ(cf_db_step(c), CF_DB_ROW);
    ASSERT_EQ(cf_db_column_type(c, 0), CF_DB_NULL); /* the binding did not survive */
    cf__store_release(s, c);
    cf_store_close(s);
    return 0;
}

/* store-1.4: the fold works in place, so every event it refuses must be refused
 * before anything changes: a clock stopped with a bad outcome or a bad
 * deadline (for a clock the case did not have), a transition from another state
 * or after closing, a second opening, an unknown type. */
TEST_IMPL(store_fold_refused_untouched)
{
    cf_case_t c;
    full_case(&c);
    c.closed_at = 0;
    refused_untouched(&c,
                      "{\"type\": \"clock.stopped\", \"clock\": \"new\", \"outcome\": \"met?\", "
                      "\"at\": \"2026-03-02T09:00:00+08:00\"}");
    refused_untouched(&c, "{\"type\": \"clock.stopped\", \"clock\": \"decide\", \"outcome\": "
                          "\"running\", \"at\": \"2026-03-02T09:00:00+08:00\"}");
    refused_untouched(&c, "{\"type\": \"clock.started\", \"clock\": \"new\", \"deadline\": "
                          "\"someday\", \"at\": \"2026-03-02T09:00:00+08:00\"}");
    refused_untouched(&c, "{\"type\": \"transition\", \"action\": \"a\", \"from\": \"filed\", "
                          "\"to\": \"x\", \"facts\": {\"fine\": 1}}");
    refused_untouched(&c, "{\"type\": \"case.opened\", \"algo\": \"md5\", \"state\": \"s\", "
                          "\"facts\": {}, \"workflow\": {\"hash\": \"h\"}}");
    refused_untouched(&c, "{\"type\": \"what\"}");
    c.closed_at = 300;
    refused_untouched(&c, "{\"type\": \"transition\", \"action\": \"a\", \"from\": \"notified\", "
                          "\"to\": \"x\", \"facts\": {\"fine\": 1}}");
    /* A fresh case: an opening with a bad algorithm or cause changes nothing. */
    cf_case_t fresh;
    ASSERT_EQ(cf_case_init(&fresh), 0);
    refused_untouched(&fresh, "{\"type\": \"case.opened\", \"algo\": \"md5\", \"state\": \"s\", "
                              "\"facts\": {}, \"workflow\": {\"id\": \"w\", \"hash\": \"h\"}}");
    refused_untouched(&fresh, "{\"type\": \"case.opened\", \"algo\": \"sm3\", \"state\": \"s\", "
                              "\"facts\": {}, \"workflow\": {\"id\": \"w\", \"hash\": \"h\"}, "
                              "\"cause\": \"x\"}");
    cf_case_dispose(&fresh);
    cf_case_dispose(&c);
    return 0;
}

TEST_IMPL(store_chain_sm3)
{
    cf_test_env_t e;
    cf_test_env_open(&e, MINI, "sm3.db");
    cf_error_t err;
    ASSERT_EQ(cf_store_workflow_put(e.s, e.wf, NULL, NULL, &err), 0);
    json_t *party = json_pack("{s:s}", "name", "张某");
    cf_open_t req = {.actor = "a",
                     .role = "handler",
                     .party = party,
                     .algo = CF_CHAIN_SM3,
                     .at = cf_test_time("2026-03-02T09:00:00+08:00")};
    json_t *events;
    ASSERT_EQ(cf_engine_open(e.wf, e.cal, &req, &events, NULL), 0);
    cf_case_t c;
    ASSERT_EQ(cf_case_init(&c), 0);
    c.algo = CF_CHAIN_SM3;
    ASSERT_EQ(cf_store_case_open(e.s, &c, events, &err), 0);
    char head[CF_CHAIN_HEX], sha[CF_CHAIN_HEX];
    recompute(e.s, c.id, CF_CHAIN_SM3, head);
    ASSERT_STR_EQ(c.head, head);
    ASSERT_EQ(cf_chain_hash(CF_CHAIN_SHA256, CF_CHAIN_GENESIS, json_array_get(events, 0), sha), 0);
    ASSERT(strcmp(sha, json_string_value(json_object_get(json_array_get(events, 0), "hash"))));
    json_decref(events);
    json_decref(party);
    cf_case_dispose(&c);
    cf_test_env_close(&e);
    return 0;
}
