/*
 * jsonw.h -- writing JSON text straight into a buffer: what the chain hashes
 * and what the store keeps on every transition, the daemon's answers and the
 * audit report, written case by case (internal: shared by the engine, the
 * daemon and the command line, not a public API).
 *
 * jansson's json_dumps builds the same text, but pays per call for a
 * circular-reference table, a UTF-8 decode of every character and a final
 * copy; it was a third of a transition's CPU. The writer here produces byte
 * for byte what json_dumps(value, JSON_COMPACT [| JSON_SORT_KEYS]) does (the
 * event hashes depend on it: test store_canonical_is_jansson compares them
 * over many random values), handing only real numbers to jansson, whose
 * formatting of a double must be kept exactly.
 */
#ifndef CF_JSONW_H
#define CF_JSONW_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct cf__jsonw_s {
    char *p; /* NUL-terminated text so far, or NULL before the first byte */
    size_t len, cap;
    int oom; /* an allocation failed: everything after it is dropped */
} cf__jsonw_t;

/* Appends n bytes as they are; and a NUL-terminated text as it is. */
void cf__jsonw_raw(cf__jsonw_t *w, const char *bytes, size_t n);
void cf__jsonw_text(cf__jsonw_t *w, const char *text);
/* Appends a JSON string (escaped as jansson does), or null for NULL. */
void cf__jsonw_str(cf__jsonw_t *w, const char *s);
/* Appends the n bytes of s as a JSON string (s need not end in NUL; it must be
 * valid UTF-8, see cf__jsonw_utf8). */
void cf__jsonw_strn(cf__jsonw_t *w, const char *s, size_t n);
/* 1 if the n bytes of s are UTF-8 as jansson accepts it in a string (no overlong
 * form, no surrogate, nothing past U+10FFFF), else 0. */
int cf__jsonw_utf8(const char *s, size_t n);
/* Appends an integer. */
void cf__jsonw_int(cf__jsonw_t *w, int64_t v);
/* Appends ,"key": (key needs no escaping). Inline: for a literal key the length is
 * known where it is written, and while the buffer has room it is two stores and a
 * copy, not a call, a strlen and three appends (~100 instructions a key; a snapshot
 * has 27 keys, an access line 8: docs/performance.md, "http41"). */
void cf__jsonw_key_slow(cf__jsonw_t *w, const char *key, size_t n);
static inline void cf__jsonw_key(cf__jsonw_t *w, const char *key)
{
    size_t n = __builtin_strlen(key);
    if (w->len + n + 4 < w->cap && !w->oom) {
        char *p = w->p + w->len;
        p[0] = ',';
        p[1] = '"';
        __builtin_memcpy(p + 2, key, n);
        p[n + 2] = '"';
        p[n + 3] = ':';
        p[n + 4] = '\0';
        w->len += n + 4;
    } else {
        cf__jsonw_key_slow(w, key, n);
    }
}
/* Appends value in jansson's compact form, keys sorted if sort_keys. */
void cf__jsonw_value(cf__jsonw_t *w, const json_t *value, int sort_keys);
/* The same, leaving out the members of a top-level object named in except (a
 * NULL-terminated list; NULL for none). */
void cf__jsonw_value_except(cf__jsonw_t *w, const json_t *value, int sort_keys,
                            const char *const *except);
/* Appends value as json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY) lays it
 * out, every line after the first indented by depth more levels (2 spaces
 * each): a value written in place inside a larger indented document. */
void cf__jsonw_pretty(cf__jsonw_t *w, const json_t *value, int depth);
/* Appends printf-formatted text (for the plain-text and HTML reports). */
void cf__jsonw_fmt(cf__jsonw_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The text (malloc'd, free()), or NULL if any allocation failed (then freed). */
char *cf__jsonw_finish(cf__jsonw_t *w);

#endif
