/*
 * import-helpers.h -- what the import-* tests share (test-import.c,
 * test-import-catalog.c): a fixture file imported. Each call aborts the test on an
 * unexpected failure.
 */
#ifndef CF_IMPORT_HELPERS_H
#define CF_IMPORT_HELPERS_H

#include "../importer/importer.h"

/* The seeds' folder (tests/fixtures/seeds), under the source tree. */
#define SEEDS "tests/fixtures/seeds/"

/* The file at relpath (under the source tree) imported with no options, named relpath;
 * fails the test unless it imports. The caller frees the result
 * (cf_import_result_free). */
cf_import_result_t ti_import_file(const char *relpath);

#endif
