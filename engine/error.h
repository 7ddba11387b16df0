/*
 * error.h -- error codes and located errors shared by every caseflow module.
 *
 * Functions return 0 on success or a negative CF_E* code on failure; cf_strerror()
 * names the code. Errors in user input (YAML, JSON, documents, dates) also fill a
 * cf_error_t that lives on the caller's stack: what went wrong and where (source,
 * line, column, both 1-based; 0 when unknown). Every function taking a cf_error_t *
 * accepts NULL.
 */
#ifndef CF_ERROR_H
#define CF_ERROR_H

#include <stddef.h>

#define CF_OK 0
/* The table is the single list of codes: name, value, message. */
#define CF_ERRNO_MAP(X)                                                                            \
    X(EINVAL, -1, "invalid argument")                                                              \
    X(ENOMEM, -2, "out of memory")                                                                 \
    X(EIO, -3, "input/output error")                                                               \
    X(EPARSE, -4, "malformed input")                                                               \
    X(EINVALID, -5, "definition is not valid")                                                     \
    X(ENOTFOUND, -6, "not found")                                                                  \
    X(EREFUSED, -7, "action refused by the procedure")                                             \
    X(ECONFLICT, -8, "case was changed by someone else; reload and retry")                         \
    X(ERANGE, -9, "date outside the loaded calendar")                                              \
    X(EEXIST, -10, "already exists")                                                               \
    X(ESTORE, -11, "storage error")                                                                \
    X(EBUSY, -12, "database is busy")                                                              \
    X(EFULL, -13, "disk is full")                                                                  \
    X(ECORRUPT, -14, "record does not verify")                                                     \
    X(EFORBIDDEN, -15, "role not allowed")                                                         \
    X(ECLOSED, -16, "case is closed")                                                              \
    X(EUNAVAILABLE, -17, "database cannot be reached")

enum {
#define CF_ERRNO_ENUM(name, val, msg) CF_##name = (val),
    CF_ERRNO_MAP(CF_ERRNO_ENUM)
#undef CF_ERRNO_ENUM
};

#define CF_ERROR_TEXT_MAX   512
#define CF_ERROR_SOURCE_MAX 256

typedef struct cf_error_s {
    int line;   /* 1-based, 0 when unknown */
    int column; /* 1-based, 0 when unknown */
    char source[CF_ERROR_SOURCE_MAX];
    char text[CF_ERROR_TEXT_MAX];
} cf_error_t;

/* Cuts s (NUL-terminated) before a UTF-8 sequence left incomplete at its end, as a
 * fixed-size buffer leaves a text it had to cut: what remains is valid UTF-8 if the
 * text was. Every fixed-size message buffer (cf_error_t, cf_refusal_t) is clipped
 * with it, so a cut message still renders instead of making its JSON fail. */
void cf_utf8_clip(char *s);

/* The message for a CF_E* code; never NULL. */
const char *cf_strerror(int code);

/* The short name of a code ("ENOTFOUND"), for JSON answers; never NULL. */
const char *cf_errname(int code);

/* Fills err (if non-NULL) and returns code, so a caller can write
 * `return cf_error_set(err, CF_EPARSE, src, line, col, "unknown state '%s'", id);`. */
int cf_error_set(cf_error_t *err, int code, const char *source, int line, int column,
                 const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Clears err to "no error" (if non-NULL). */
void cf_error_clear(cf_error_t *err);

/* A list of located problems, for validators that report all they find rather
 * than stopping at the first. The caller owns the list; free with
 * cf_errlist_free(). */
typedef struct cf_errlist_s {
    cf_error_t *items;
    size_t items_count;
    size_t cap;
} cf_errlist_t;

/* Appends one problem. Returns 0 or CF_ENOMEM. */
int cf_errlist_add(cf_errlist_t *list, const char *source, int line, int column, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));
void cf_errlist_free(cf_errlist_t *list);

#endif
