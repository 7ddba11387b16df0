/*
 * catalog.h -- the matter catalog: a YAML file holding the matters imported from
 * one or more 权责清单, written by `caseflow import` and read back by whatever
 * opens cases on matters. docs/catalog.md describes the format field by field;
 * the short form:
 *
 *   catalog: 1                     # format version
 *   sources:                       # optional: one entry per imported file
 *     - {file: 000_x.txt, format: table, matters: 19}
 *   matters:
 *     - id: 000-x-001              # ASCII, unique in the catalog
 *       number: 1
 *       name: 对…的处罚
 *       power_type: 行政处罚       # as written
 *       power_types: [行政处罚]
 *       workflows: [penalty-general, penalty-summary]
 *       legal_basis: {text: …, citations: [{law: …, articles: [第八十七条]}]}
 *       responsibilities: [{step: 立案, text: …}]
 *       accountability: [没有法律和事实依据实施行政处罚的]
 *       time_limits: [{text: 7日内送达当事人, amount: 7, unit: days, from: responsibilities}]
 *       source: {file: 000_x.txt, line: 6}
 *
 * Writing uses libyaml's emitter, so any text (quotes, colons, leading dashes,
 * "yes", numbers, newlines) round-trips exactly.
 */
#ifndef CF_CATALOG_H
#define CF_CATALOG_H

#include <stddef.h>

#include <jansson.h>

#include "error.h"

/* Reads a catalog.
 *   buf, len  the YAML text
 *   source    file name for messages (may be NULL)
 *   matters   OUT: new reference, an array of matter objects with the keys of
 *             importer.h (optional keys absent from the file are absent)
 * Returns 0; CF_EPARSE when the text is not YAML (err has the line and column);
 * CF_EINVALID when it is YAML but not a catalog: a missing or mistyped key, an
 * unknown key, an unknown power type, unit or workflow, a duplicate or non-ASCII
 * id (err has the line of the offending node); CF_ENOMEM; CF_EINVAL for NULL
 * arguments. On failure *matters is left untouched. */
int cf_catalog_load(const char *buf, size_t len, const char *source, json_t **matters,
                    cf_error_t *err);

/* Called by cf_catalog_each() with each matter once it is checked: a borrowed
 * reference, released after the call. Returns 0 to go on, anything else to
 * stop (that value is returned). */
typedef int (*cf_catalog_cb)(void *ctx, json_t *matter);

/* Reads a catalog one matter at a time, for a catalog too large to hold whole
 * (10,000 matters are some 180 MB as values): each matter is parsed, checked
 * and given to cb, then released. Same text, checks and returns as
 * cf_catalog_load(), plus cb's own non-zero return. cb may have been called
 * for the matters before the one refused: a caller that must take all or none
 * (the store) undoes them (one transaction). The line of a problem is found by
 * reading the text a second time without calling cb. */
int cf_catalog_each(const char *buf, size_t len, const char *source, cf_catalog_cb cb, void *ctx,
                    cf_error_t *err);

/* Writes a catalog.
 *   matters  array of matter objects (as cf_import_text() makes them); borrowed
 *   sources  array of {file, format, matters} objects, or NULL; borrowed
 *   out      OUT: malloc'd NUL-terminated YAML text, len its length (may be NULL)
 * Returns 0; CF_EINVALID when a matter is not an object or lacks id or name
 * (err names its index); CF_ENOMEM. On failure *out is left untouched. */
int cf_catalog_dump(const json_t *matters, const json_t *sources, char **out, size_t *len,
                    cf_error_t *err);

/* Appends the matters of `add` to the array `into`, giving each a unique id: an
 * id already in `into` gets "-2", "-3", ... appended, and each rename is added to
 * notes (if non-NULL) with the matter's source file and line. The matters are
 * shared (reference counted), not copied; a renamed matter is changed in place.
 * Returns 0 or CF_ENOMEM (into may then hold part of add). */
int cf_catalog_append(json_t *into, json_t *add, cf_errlist_t *notes);

#endif
