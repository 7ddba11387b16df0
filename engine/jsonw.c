/*
 * jsonw.c -- JSON text written straight into a buffer. See jsonw.h for why,
 * and for the promise: the same bytes as jansson's compact dump.
 */
#include "jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported, documented in jsonw.h */
void cf__jsonw_raw(cf__jsonw_t *w, const char *bytes, size_t n)
{
    if (w->oom)
        return;
    if (w->len + n + 1 > w->cap) {
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
    }
    memcpy(w->p + w->len, bytes, n);
    w->len += n;
    w->p[w->len] = '\0';
}

/* Exported, documented in jsonw.h */
void cf__jsonw_text(cf__jsonw_t *w, const char *text)
{
    cf__jsonw_raw(w, text, strlen(text));
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

/* Bytes of s up to n. Other bytes than those escaped pass as they are: a
 * jansson string is valid UTF-8, and jansson writes it unescaped too. */
static void put_strn(cf__jsonw_t *w, const char *s, size_t n)
{
    const char *run = s, *end = s + n;
    cf__jsonw_raw(w, "\"", 1);
    for (; s < end; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        char buf[8];
        cf__jsonw_raw(w, run, (size_t)(s - run));
        cf__jsonw_text(w, escape(ch, buf, sizeof(buf)));
        run = s + 1;
    }
    cf__jsonw_raw(w, run, (size_t)(end - run));
    cf__jsonw_raw(w, "\"", 1);
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
void cf__jsonw_int(cf__jsonw_t *w, int64_t v)
{
    char digits[24], *d = digits + sizeof(digits);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do
        *--d = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        *--d = '-';
    cf__jsonw_raw(w, d, (size_t)(digits + sizeof(digits) - d));
}

/* Exported, documented in jsonw.h */
void cf__jsonw_key(cf__jsonw_t *w, const char *key)
{
    cf__jsonw_raw(w, ",\"", 2);
    cf__jsonw_text(w, key);
    cf__jsonw_raw(w, "\":", 2);
}

typedef struct key_s {
    const char *key;
    size_t len;
} member_t;

/* jansson's order: bytes, then the shorter first. */
static int cmp_keys(const void *a, const void *b)
{
    const member_t *x = a, *y = b;
    int r = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
    return r ? r : (x->len > y->len) - (x->len < y->len);
}

static void put_member(cf__jsonw_t *w, const char *key, size_t len, const json_t *v, int first,
                       int sort)
{
    if (!first)
        cf__jsonw_raw(w, ",", 1);
    put_strn(w, key, len);
    cf__jsonw_raw(w, ":", 1);
    cf__jsonw_value(w, v, sort);
}

/* Is key (len bytes) one of the NULL-terminated list except? */
static int excepted(const char *const *except, const char *key, size_t len)
{
    for (; except && *except; except++)
        if (strlen(*except) == len && memcmp(*except, key, len) == 0)
            return 1;
    return 0;
}

static void put_object(cf__jsonw_t *w, const json_t *o, int sort, const char *const *except)
{
    size_t n = json_object_size(o), i = 0;
    const char *key;
    size_t len;
    json_t *v;
    cf__jsonw_raw(w, "{", 1);
    if (!sort || n < 2) {
        json_object_keylen_foreach((json_t *)o, key, len, v) if (!excepted(except, key, len))
            put_member(w, key, len, v, i++ == 0, sort);
    } else {
        member_t few[32], *keys = n <= 32 ? few : malloc(n * sizeof(*keys));
        if (!keys) {
            w->oom = 1;
            return;
        }
        json_object_keylen_foreach((json_t *)o, key, len, v) if (!excepted(except, key, len))
            keys[i++] = (member_t){key, len};
        n = i;
        qsort(keys, n, sizeof(*keys), cmp_keys);
        for (i = 0; i < n; i++)
            put_member(w, keys[i].key, keys[i].len, json_object_getn(o, keys[i].key, keys[i].len),
                       i == 0, sort);
        if (keys != few)
            free(keys);
    }
    cf__jsonw_raw(w, "}", 1);
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

/* Exported, documented in jsonw.h */
void cf__jsonw_value(cf__jsonw_t *w, const json_t *v, int sort_keys)
{
    cf__jsonw_value_except(w, v, sort_keys, NULL);
}

/* Exported, documented in jsonw.h */
void cf__jsonw_value_except(cf__jsonw_t *w, const json_t *v, int sort_keys,
                            const char *const *except)
{
    size_t i;
    json_t *item;
    if (!v) {
        w->oom = 1; /* jansson refuses to dump nothing, too */
        return;
    }
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        put_object(w, v, sort_keys, except);
        break;
    case JSON_ARRAY:
        cf__jsonw_raw(w, "[", 1);
        json_array_foreach((json_t *)v, i, item)
        {
            if (i)
                cf__jsonw_raw(w, ",", 1);
            cf__jsonw_value(w, item, sort_keys);
        }
        cf__jsonw_raw(w, "]", 1);
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
char *cf__jsonw_finish(cf__jsonw_t *w)
{
    if (w->oom) {
        free(w->p);
        return NULL;
    }
    return w->p ? w->p : strdup("");
}
