/*
 * error.c -- error names, messages and located-error helpers. See error.h.
 *
 * The codes live in one X-macro table so the enum, the names and the messages
 * cannot drift apart.
 */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exported, documented in error.h */
const char *cf_strerror(int code)
{
    switch (code) {
    case CF_OK:
        return "success";
#define CF_ERRNO_MSG(name, val, msg)                                                               \
    case CF_##name:                                                                                \
        return msg;
        CF_ERRNO_MAP(CF_ERRNO_MSG)
#undef CF_ERRNO_MSG
    }
    return "unknown error";
}

/* Exported, documented in error.h */
const char *cf_errname(int code)
{
    switch (code) {
    case CF_OK:
        return "OK";
#define CF_ERRNO_NAME(name, val, msg)                                                              \
    case CF_##name:                                                                                \
        return #name;
        CF_ERRNO_MAP(CF_ERRNO_NAME)
#undef CF_ERRNO_NAME
    }
    return "EUNKNOWN";
}

/* Exported, documented in error.h */
void cf_utf8_clip(char *s)
{
    size_t len = strlen(s), start = len;
    while (start > 0 && ((unsigned char)s[start - 1] & 0xC0) == 0x80 && len - start < 3)
        start--; /* back over continuation bytes to the lead byte */
    if (start == 0)
        return;
    unsigned char lead = (unsigned char)s[start - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    if (len - (start - 1) < need)
        s[start - 1] = '\0';
}

static void fill(cf_error_t *err, const char *source, int line, int column, const char *fmt,
                 va_list ap)
{
    err->line = line;
    err->column = column;
    snprintf(err->source, sizeof(err->source), "%s", source ? source : "");
    vsnprintf(err->text, sizeof(err->text), fmt, ap);
    cf_utf8_clip(err->source);
    cf_utf8_clip(err->text);
}

/* Exported, documented in error.h */
int cf_error_set(cf_error_t *err, int code, const char *source, int line, int column,
                 const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        fill(err, source, line, column, fmt, ap);
        va_end(ap);
    }
    return code;
}

/* Exported, documented in error.h */
void cf_error_clear(cf_error_t *err)
{
    if (err)
        memset(err, 0, sizeof(*err));
}

/* Exported, documented in error.h */
int cf_errlist_add(cf_errlist_t *list, const char *source, int line, int column, const char *fmt,
                   ...)
{
    if (list->items_count == list->cap) {
        size_t cap = list->cap ? list->cap * 2 : 8;
        cf_error_t *items = realloc(list->items, cap * sizeof(*items));
        if (!items)
            return CF_ENOMEM;
        list->items = items;
        list->cap = cap;
    }
    va_list ap;
    va_start(ap, fmt);
    fill(&list->items[list->items_count++], source, line, column, fmt, ap);
    va_end(ap);
    return 0;
}

/* Exported, documented in error.h */
void cf_errlist_free(cf_errlist_t *list)
{
    free(list->items);
    memset(list, 0, sizeof(*list));
}
