/*
 * audit-int.h -- what audit.c (the report, the chain), audit-replay.c (replay) and
 * audit-cache.c (the cached row) share: how a deviation is added to a report. Not
 * public: audit.h gives the report's fields, not how the checks fill them.
 */
#ifndef CF_AUDIT_INT_H
#define CF_AUDIT_INT_H

#include <jansson.h>
#include <stdint.h>

#include "audit.h"

/* Appends a deviation at seq of kind (copied, cut to its field), naming rule, its
 * text printf-formatted from fmt; basis and accountability "". Returns it (owned by
 * out, valid until the next one is added), or NULL on ENOMEM with out unchanged. */
cf_deviation_t *cf__audit_deviate(cf_audit_t *out, int64_t seq, const char *kind, const char *rule,
                                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* The string member key of object o (borrowed), or NULL. */
static inline const char *cf__audit_str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

#endif
