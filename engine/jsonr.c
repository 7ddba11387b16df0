/*
 * jsonr.c -- reading compact JSON text into jansson values in one pass. See
 * jsonr.h.
 *
 * Design: a recursive descent over the bytes that accepts only a subset of JSON
 * it can read exactly as jansson 2.14 does, and gives up on everything else,
 * handing the whole text to json_loadb. The subset: an object or an array at the
 * top, nothing around it, no white space anywhere; strings of UTF-8 checked as
 * jansson checks it (cf__jsonw_utf8), with the escapes \" \\ \/ \b \f \n \r \t
 * (not \u, and none in a key); integers of at most 18 digits without a leading
 * zero (no fraction, no exponent); true, false, null; at most CF__JSONR_DEPTH
 * levels. Values are built with the calls jansson's own parser makes
 * (json_object_setn_new_nocheck in the order of the text, so a key met twice
 * keeps its first place and its last value, as in jansson), so the result is
 * the same value, member for member, in the same order.
 *
 * Alternatives rejected: another parser library (a second JSON model to keep in
 * step with jansson's, and a dependency); jansson's flags (none skips its
 * per-character stream). Cost: a text outside the subset is read twice as far as
 * this reader got; caseflow writes none (jsonw.h), so that is text written by
 * something else, and rare.
 */
#include "jsonr.h"

#include "jsonw.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Deeper than this is handed to jansson (its limit is 2048). */
#define CF__JSONR_DEPTH 64

typedef struct reader_s {
    const unsigned char *p, *end;
    char *buf; /* a string with escapes, decoded; reused */
    size_t cap;
    int depth;
    int canonical; /* so far, the text is what cf__jsonw_value(sorted) writes of its value */
    const unsigned char *links[2][2]; /* the top object's "hash" and "prev" members: [start, end) */
} reader_t;

static json_t *value(reader_t *r);

/* The length of the UTF-8 sequence at p (before end) that jansson accepts, or 0. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
    size_t n = *p >= 0xc2 && *p <= 0xdf   ? 2
               : *p >= 0xe0 && *p <= 0xef ? 3
               : *p >= 0xf0 && *p <= 0xf4 ? 4
                                          : 0;
    if (n == 0 || (size_t)(end - p) < n || !cf__jsonw_utf8((const char *)p, n))
        return 0;
    return n;
}

/* The escape byte after a backslash, decoded; 0 for one this reader leaves to jansson. */
static char unescape(unsigned char c)
{
    switch (c) {
    case '"':
    case '\\':
    case '/':
        return (char)c;
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return 0;
    }
}

/* Decodes the n bytes at s (escapes checked) into r->buf; returns how many it
 * wrote, or -1 (ENOMEM). */
static ptrdiff_t decode(reader_t *r, const unsigned char *s, size_t n)
{
    if (n > r->cap) {
        char *grown = realloc(r->buf, n);
        if (!grown)
            return -1;
        r->buf = grown;
        r->cap = n;
    }
    size_t out = 0;
    for (size_t i = 0; i < n; i++)
        r->buf[out++] = s[i] == '\\' ? unescape(s[++i]) : (char)s[i];
    return (ptrdiff_t)out;
}

/* The string whose opening quote r->p is past. OUT *s, *n: its bytes, in the
 * text or (when it had escapes, and escapes is set) in r->buf. 0, or -1 to give
 * up. */
static int string(reader_t *r, int escapes, const char **s, size_t *n)
{
    const unsigned char *p = r->p;
    int escaped = 0;
    while (p < r->end && *p != '"') {
        if (*p < 0x20) {
            return -1;
        } else if (*p == '\\') {
            if (!escapes || p + 1 == r->end || !unescape(p[1]))
                return -1;
            escaped = 1;
            r->canonical &= p[1] != '/'; /* written back unescaped */
            p += 2;
        } else if (*p >= 0x80) {
            size_t k = utf8_len(p, r->end);
            if (k == 0)
                return -1;
            p += k;
        } else {
            p++;
        }
    }
    if (p == r->end)
        return -1;
    *s = (const char *)r->p;
    *n = (size_t)(p - r->p);
    if (escaped) {
        ptrdiff_t got = decode(r, r->p, *n);
        if (got < 0)
            return -1;
        *s = r->buf;
        *n = (size_t)got;
    }
    r->p = p + 1;
    return 0;
}

static json_t *integer(reader_t *r)
{
    const unsigned char *p = r->p;
    int neg = *p == '-';
    p += neg;
    if (p == r->end || *p < '0' || *p > '9' ||
        (*p == '0' && p + 1 < r->end && p[1] >= '0' && p[1] <= '9'))
        return NULL;
    json_int_t v = 0;
    int digits = 0;
    for (; p < r->end && *p >= '0' && *p <= '9'; p++) {
        if (++digits > 18) /* past what cannot overflow: jansson's strtoll decides */
            return NULL;
        v = v * 10 + (*p - '0');
    }
    if (p < r->end && (*p == '.' || *p == 'e' || *p == 'E')) /* a real: jansson's */
        return NULL;
    r->canonical &= !(neg && v == 0); /* -0 is written back 0 */
    r->p = p;
    return json_integer(neg ? -v : v);
}

/* The literal word at r->p, as value (json_true() ...), or NULL. */
static json_t *literal(reader_t *r, const char *word, json_t *v)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return NULL;
    r->p += n;
    return v;
}

/* 1 if the byte at r->p is c (then skipped). */
static int take(reader_t *r, unsigned char c)
{
    if (r->p == r->end || *r->p != c)
        return 0;
    r->p++;
    return 1;
}

/* 1 if key a (an bytes) sorts before key b (bn), as jsonw sorts keys. */
static int key_before(const char *a, size_t an, const char *b, size_t bn)
{
    int c = memcmp(a, b, an < bn ? an : bn);
    return c < 0 || (c == 0 && an < bn);
}

/* Notes where a member of the top object that the chain leaves out begins and ends. */
static void link_member(reader_t *r, const char *key, size_t n, const unsigned char *start)
{
    int which = n == 4 && memcmp(key, "hash", 4) == 0   ? 0
                : n == 4 && memcmp(key, "prev", 4) == 0 ? 1
                                                        : -1;
    if (r->depth == 1 && which >= 0) {
        r->links[which][0] = start;
        r->links[which][1] = r->p;
    }
}

static json_t *object(reader_t *r)
{
    json_t *o = json_object();
    const char *last = NULL; /* the key before */
    size_t last_n = 0;
    if (!o)
        return NULL;
    if (take(r, '}'))
        return o;
    for (;;) {
        const char *key;
        size_t n;
        json_t *v;
        const unsigned char *start = r->p;
        if (!take(r, '"') || string(r, 0, &key, &n) != 0 || !take(r, ':') || !(v = value(r)) ||
            json_object_setn_new_nocheck(o, key, n, v) != 0)
            break;
        r->canonical &= !last || key_before(last, last_n, key, n);
        last = key; /* in the text (keys here have no escapes): still there */
        last_n = n;
        link_member(r, key, n, start);
        if (take(r, '}'))
            return o;
        if (!take(r, ','))
            break;
    }
    json_decref(o);
    return NULL;
}

static json_t *array(reader_t *r)
{
    json_t *a = json_array();
    if (!a)
        return NULL;
    if (take(r, ']'))
        return a;
    for (;;) {
        json_t *v = value(r);
        if (!v || json_array_append_new(a, v) != 0)
            break;
        if (take(r, ']'))
            return a;
        if (!take(r, ','))
            break;
    }
    json_decref(a);
    return NULL;
}

/* The value at r->p (new reference), or NULL to give up. */
static json_t *value(reader_t *r)
{
    json_t *v = NULL;
    const char *s;
    size_t n;
    if (r->p == r->end)
        return NULL;
    if (*r->p == '"') {
        r->p++;
        return string(r, 1, &s, &n) == 0 ? json_stringn_nocheck(s, n) : NULL;
    }
    if (*r->p == '{' || *r->p == '[') {
        if (r->depth == CF__JSONR_DEPTH)
            return NULL;
        r->depth++;
        v = *r->p++ == '{' ? object(r) : array(r);
        r->depth--;
        return v;
    }
    if (*r->p == 't')
        return literal(r, "true", json_true());
    if (*r->p == 'f')
        return literal(r, "false", json_false());
    if (*r->p == 'n')
        return literal(r, "null", json_null());
    return integer(r);
}

/* Reads all of text into r, or gives up (NULL). */
static json_t *read_all(reader_t *r, const char *text, size_t len)
{
    memset(r, 0, sizeof(*r));
    r->p = (const unsigned char *)text;
    r->end = r->p + len;
    r->canonical = 1;
    json_t *v = len && (text[0] == '{' || text[0] == '[') ? value(r) : NULL;
    free(r->buf);
    if (v && r->p == r->end)
        return v;
    json_decref(v);
    return NULL;
}

/* Exported, documented in jsonr.h */
json_t *cf__jsonr_load(const char *text, size_t len, json_error_t *err)
{
    reader_t r;
    json_t *v = read_all(&r, text, len);
    return v ? v : json_loadb(text, len, 0, err); /* jansson's answer, whatever it is */
}

/* Appends to canon the members of the top object read into r, from its text,
 * all but "hash" and "prev": the runs of members between them, joined by commas
 * (the text is compact: members are separated by exactly one comma). */
static void copy_without_links(const reader_t *r, const unsigned char *text, cf__jsonw_t *canon)
{
    const unsigned char *at = text + 1; /* past '{' */
    int first = 1;
    cf__jsonw_raw(canon, "{", 1);
    for (int i = 0; i <= 2; i++) { /* "hash" sorts before "prev": the text has them so */
        if (i < 2 && !r->links[i][0])
            continue;
        const unsigned char *start = i < 2 ? r->links[i][0] : r->end - 1;
        if (start > at) { /* members before it, and the comma after them */
            size_t n = (size_t)(start - at) - (i < 2);
            cf__jsonw_raw(canon, ",", !first);
            cf__jsonw_raw(canon, (const char *)at, n);
            first = 0;
        }
        if (i < 2) {
            at = r->links[i][1];
            at += *at == ',';
        }
    }
    cf__jsonw_raw(canon, "}", 1);
}

/* Exported, documented in jsonr.h */
json_t *cf__jsonr_load_canonical(const char *text, size_t len, json_error_t *err,
                                 cf__jsonw_t *canon)
{
    reader_t r;
    json_t *v = read_all(&r, text, len);
    canon->len = 0;
    if (canon->p)
        canon->p[0] = '\0';
    if (!v)
        return json_loadb(text, len, 0, err);
    if (r.canonical && json_is_object(v))
        copy_without_links(&r, (const unsigned char *)text, canon);
    return v;
}
