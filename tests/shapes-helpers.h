/*
 * shapes-helpers.h -- what the shapes-* tests share (test-shapes.c,
 * test-shapes-files.c): the five seeds, each imported and laid out as rows of the
 * cells a copy of the list shows, and the check that a rendering of them imports as
 * the same catalog. Each call aborts the test on an unexpected failure.
 */
#ifndef CF_SHAPES_HELPERS_H
#define CF_SHAPES_HELPERS_H

#include <stddef.h>

#include "../importer/importer.h"

/* The seeds (tests/fixtures/seeds), paths under the source tree. */
enum { TS_SEEDS = 5 };
extern const char *const ts_seeds[TS_SEEDS];

/* The columns of a rendered list, and their header cells. */
enum { COLS = 7 };
extern const char *const ts_header[COLS];

typedef struct table_s {
    char *cells[200][COLS];
    size_t rows;
    json_t *matters; /* the seed's own import */
} table_t;

/* Imports seed and lays its matters out as rows of cells into t. */
void ts_load(table_t *t, const char *seed);

/* Frees what ts_load made. */
void ts_unload(table_t *t);

/* text (len bytes, named what) must import as t's catalog: the same matters in the
 * same order, names and power types, and (limits) the same time limits. */
void ts_same_catalog(const table_t *t, const char *text, size_t len, const char *what, int limits);

/* text imported (named inline.txt); the caller frees the result. */
cf_import_result_t ts_import_str(const char *text);

#endif
