/*
 * jsonw.c -- JSON text written straight into a buffer. See jsonw.h for why,
 * and for the promise: the same bytes as jansson's compact dump.
 */
#include "jsonw.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Appends n bytes after growing the buffer (doubling from 512). */
static void grow_and_put(cf__jsonw_t *w, const char *bytes, size_t n)
{
    if (w->oom)
        return;
    size_t cap = w->cap ? w->cap : 512;
    while (w->len + n + 1 > cap)
        cap *= 2;
    char *grown = realloc(w->p, cap);
    if (!grown) {
        w->oom = 1;
        return;
    }
    w->p = grown;
    w->cap = cap;
    memcpy(w->p + w->len, bytes, n);
    w->len += n;
    w->p[w->len] = '\0';
}

/* Appends n bytes: inline while they fit, so that a constant n (a bracket, a
 * comma) is a store, not a call (a call per piece was a tenth of a transition's
 * instructions in the daemon: callgrind, docs/performance.md). */
static inline void put_raw(cf__jsonw_t *w, const char *bytes, size_t n)
{
    if (w->len + n < w->cap && !w->oom) {
        memcpy(w->p + w->len, bytes, n);
        w->len += n;
        w->p[w->len] = '\0';
    } else {
        grow_and_put(w, bytes, n);
    }
}

/* Exported, documented in jsonw.h */
void cf__jsonw_raw(cf__jsonw_t *w, const char *bytes, size_t n)
{
    put_raw(w, bytes, n);
}

/* Exported, documented in jsonw.h */
void cf__jsonw_text(cf__jsonw_t *w, const char *text)
{
    put_raw(w, text, strlen(text));
}

/* The escape jansson writes for byte ch (a quote, a backslash or a control
 * character), into buf. */
static const char *escape(unsigned char ch, char *buf, size_t size)
{
    switch (ch) {
    case '"':
        return "\\\"";
    case '\\':
        return "\\\\";
    case '\b':
        return "\\b";
    case '\f':
        return "\\f";
    case '\n':
        return "\\n";
    case '\r':
        return "\\r";
    case '\t':
        return "\\t";
    default:
        snprintf(buf, size, "\\u%04X", ch);
        return buf;
    }
}

/* 1 when one of the eight bytes of x is below 0x20, a quote or a backslash. Each test
 * is exact as a yes or no (a byte's borrow starts only at a byte that matches). */
static inline int word_escapes(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t quote = x ^ (ones * '"'), slash = x ^ (ones * '\\');
    return ((((x - ones * 0x20) & ~x) | ((quote - ones) & ~quote) | ((slash - ones) & ~slash)) &
            highs) != 0;
}

/* Bytes of s up to n. Other bytes than those escaped pass as they are: a
 * jansson string is valid UTF-8, and jansson writes it unescaped too. Eight bytes
 * are looked at a time while none of them is escaped: a byte at a time, the scan was
 * the daemon writer's largest cost of its own, 16,900 instructions a request (12,100
 * so: most strings are short keys; docs/performance.md, httpcost). */
static void put_strn(cf__jsonw_t *w, const char *s, size_t n)
{
    const char *run = s, *end = s + n;
    put_raw(w, "\"", 1);
    while (s < end) {
        if (end - s >= 8) {
            uint64_t x;
            memcpy(&x, s, 8);
            if (!word_escapes(x)) {
                s += 8;
                continue;
            }
        }
        unsigned char ch = (unsigned char)*s++;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        char buf[8];
        put_raw(w, run, (size_t)(s - 1 - run));
        cf__jsonw_text(w, escape(ch, buf, sizeof(buf)));
        run = s;
    }
    put_raw(w, run, (size_t)(end - run));
    put_raw(w, "\"", 1);
}

/* Exported, documented in jsonw.h */
void cf__jsonw_str(cf__jsonw_t *w, const char *s)
{
    if (s)
        put_strn(w, s, strlen(s));
    else
        cf__jsonw_text(w, "null");
}

/* Exported, documented in jsonw.h */
void cf__jsonw_strn(cf__jsonw_t *w, const char *s, size_t n)
{
    put_strn(w, s, n);
}

/* Exported, documented in jsonw.h */
int cf__jsonw_utf8(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        unsigned c = u[i], more, cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if ((c & 0xe0) == 0xc0)
            more = 1, cp = c & 0x1f, min = 0x80;
        else if ((c & 0xf0) == 0xe0)
            more = 2, cp = c & 0x0f, min = 0x800;
        else if ((c & 0xf8) == 0xf0)
            more = 3, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        if (n - i <= more)
            return 0;
        for (unsigned k = 1; k <= more; k++) {
            if ((u[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (u[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        i += more + 1;
    }
    return 1;
}

/* Exported, documented in jsonw.h */
void cf__jsonw_int(cf__jsonw_t *w, int64_t v)
{
    char digits[24], *d = digits + sizeof(digits);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--d = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--d = '-';
    put_raw(w, d, (size_t)(digits + sizeof(digits) - d));
}

/* Exported, documented in jsonw.h */
void cf__jsonw_key_slow(cf__jsonw_t *w, const char *key, size_t n)
{
    put_raw(w, ",\"", 2);
    put_raw(w, key, n);
    put_raw(w, "\":", 2);
}

typedef struct key_s {
    const char *key;
    size_t len;
    const json_t *v;
} member_t;

/* jansson's order: bytes, then the shorter first. */
static int cmp_keys(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    int r = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

/* Where a value is laid out: depth < 0 compact, else as JSON_INDENT(2) lays it
 * out depth levels in. */
static int inner(int depth)
{
    return depth < 0 ? -1 : depth + 1;
}

/* Before a member or an item, and before the closing bracket: a new line
 * indented to depth (nothing when compact). */
static void put_indent(cf__jsonw_t *w, int depth)
{
    static const char spaces[] = "                                ";
    if (depth < 0)
        return;
    put_raw(w, "\n", 1);
    for (size_t n = 2 * (size_t)depth; n > 0;) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        put_raw(w, spaces, k);
        n -= k;
    }
}

static void put_value(cf__jsonw_t *w, const json_t *v, int sort, const char *const *except,
                      int depth);

static void put_member(cf__jsonw_t *w, const char *key, size_t len, const json_t *v, int first,
                       int sort, int depth)
{
    if (!first)
        put_raw(w, ",", 1);
    put_indent(w, inner(depth));
    put_strn(w, key, len);
    put_raw(w, ": ", depth < 0 ? 1 : 2);
    put_value(w, v, sort, NULL, inner(depth));
}

/* Is key (len bytes) one of the NULL-terminated list except? */
static int excepted(const char *const *except, const char *key, size_t len)
{
    for (; except && *except; except++)
        if (strlen(*except) == len && memcmp(*except, key, len) == 0)
            return 1;
    return 0;
}

static void put_object(cf__jsonw_t *w, const json_t *o, int sort, const char *const *except,
                       int depth)
{
    size_t n = json_object_size(o), i = 0;
    const char *key;
    size_t len;
    json_t *v;
    put_raw(w, "{", 1);
    if (!sort || n < 2) {
        json_object_keylen_foreach((json_t *)o, key, len, v) if (!excepted(except, key, len))
            put_member(w, key, len, v, i++ == 0, sort, depth);
    } else {
        member_t few[32], *keys = n <= 32 ? few : malloc(n * sizeof(*keys));
        if (!keys) {
            w->oom = 1;
            return;
        }
        /* Up to 32 members (an event, a summary): each put in its place as it comes, one
         * comparison a member when they come sorted (stored events, events the engine
         * makes), a few shifts when one comes late (the case id a seal adds); qsort
         * with its calls through a pointer was ~3,300 instructions an event. More: sorted
         * after (an insertion sort of n members costs up to n * n / 2 comparisons). */
        int sorted = 1;
        json_object_keylen_foreach((json_t *)o, key, len, v) if (!excepted(except, key, len))
        {
            member_t m = {key, len, v};
            size_t at = i++;
            if (keys == few)
                for (; at > 0 && cmp_keys(&keys[at - 1], &m) > 0; at--)
                    keys[at] = keys[at - 1];
            else
                sorted &= at == 0 || cmp_keys(&keys[at - 1], &m) < 0;
            keys[at] = m;
        }
        n = i;
        if (!sorted)
            qsort(keys, n, sizeof(*keys), cmp_keys);
        for (i = 0; i < n; i++)
            put_member(w, keys[i].key, keys[i].len, keys[i].v, i == 0, sort, depth);
        if (keys != few)
            free(keys);
    }
    if (i)
        put_indent(w, depth);
    put_raw(w, "}", 1);
}

static void put_array(cf__jsonw_t *w, const json_t *a, int sort, int depth)
{
    size_t i;
    json_t *item;
    put_raw(w, "[", 1);
    json_array_foreach((json_t *)a, i, item) {
        if (i)
            put_raw(w, ",", 1);
        put_indent(w, inner(depth));
        put_value(w, item, sort, NULL, inner(depth));
    }
    if (json_array_size(a))
        put_indent(w, depth);
    put_raw(w, "]", 1);
}

static void put_real(cf__jsonw_t *w, const json_t *v)
{
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text) {
        w->oom = 1;
        return;
    }
    cf__jsonw_text(w, text);
    free(text);
}

static void put_value(cf__jsonw_t *w, const json_t *v, int sort, const char *const *except,
                      int depth)
{
    if (!v) {
        w->oom = 1; /* jansson refuses to dump nothing, too */
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_object(w, v, sort, except, depth);
        break;
    case JSON_ARRAY:
        put_array(w, v, sort, depth);
        break;
    case JSON_STRING:
        put_strn(w, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        cf__jsonw_int(w, json_integer_value(v));
        break;
    case JSON_REAL:
        put_real(w, v);
        break;
    case JSON_TRUE:
        cf__jsonw_text(w, "true");
        break;
    case JSON_FALSE:
        cf__jsonw_text(w, "false");
        break;
    default:
        cf__jsonw_text(w, "null");
    }
}

/* Exported, documented in jsonw.h */
void cf__jsonw_value(cf__jsonw_t *w, const json_t *v, int sort_keys)
{
    put_value(w, v, sort_keys, NULL, -1);
}

/* Exported, documented in jsonw.h */
void cf__jsonw_value_except(cf__jsonw_t *w, const json_t *v, int sort_keys,
                            const char *const *except)
{
    put_value(w, v, sort_keys, except, -1);
}

/* Exported, documented in jsonw.h */
void cf__jsonw_pretty(cf__jsonw_t *w, const json_t *v, int depth)
{
    put_value(w, v, 0, NULL, depth < 0 ? 0 : depth);
}

/* Exported, documented in jsonw.h */
void cf__jsonw_fmt(cf__jsonw_t *w, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->oom = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        put_raw(w, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        w->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    put_raw(w, big, (size_t)n);
    free(big);
}

/* Exported, documented in jsonw.h */
char *cf__jsonw_finish(cf__jsonw_t *w)
{
    if (w->oom) {
        free(w->p);
        return NULL;
    }
    return w->p ? w->p : strdup("");
}
