/*
 * jsonr.h -- reading JSON text as jansson does, faster for the text caseflow
 * writes (internal: shared by the store and the audit, not a public API).
 *
 * An audit parses every stored event: jansson's reader, which decodes its input
 * one character at a time through a stream, was 40% of `audit replay`. The text
 * caseflow stores is compact (jsonw.h): no spaces, integers, strings with few
 * escapes. This reader takes that text in one pass and builds the same jansson
 * values; on anything else (spaces, a real number, a \u escape, a very deep or
 * malformed text) it hands the whole text to json_loadb, so what it returns, and
 * the error of a text that is not JSON, are always jansson's own.
 */
#ifndef CF_JSONR_H
#define CF_JSONR_H

#include <jansson.h>
#include <stddef.h>

#include "jsonw.h"

/* json_loadb(text, len, 0, err): the value (new reference) of the len bytes of
 * text, an object or an array, or NULL with err filled (when not NULL) as
 * json_loadb fills it. The value is the one json_loadb gives: the same members
 * in the same order, the same types. */
json_t *cf__jsonr_load(const char *text, size_t len, json_error_t *err);

/* The same for a stored event, which is written in the chain's canonical form
 * (cf_chain_canonical: sorted, compact) with its "hash" and "prev" where sorting
 * puts them. OUT canon (emptied first, then kept by the caller to reuse): when
 * the text is an object in that form, the form without "hash" and "prev", which
 * is what cf_chain_canonical gives of the value returned, for the chain to hash
 * without writing it again; left empty (len 0) when the text is in any other
 * form (keys out of order, "\/", -0, anything jansson read), for the caller to
 * write it from the value. canon->oom is set when it could not be filled. */
json_t *cf__jsonr_load_canonical(const char *text, size_t len, json_error_t *err,
                                 cf__jsonw_t *canon);

#endif
