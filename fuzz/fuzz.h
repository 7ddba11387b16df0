/*
 * fuzz.h -- the fuzz targets' bodies, shared by the libFuzzer binaries (fuzz/,
 * built with -DCF_FUZZ=ON and clang) and the regression test of the normal suite
 * (tests/test-fuzz.c replays every input in tests/fixtures/fuzz-regressions/
 * through the same function, with gcc, no fuzzer runtime).
 *
 * Each target takes any bytes and returns 0. It never leaks, whatever the input,
 * and checks the properties its comment names with CF_FUZZ_CHECK, which aborts:
 * a property broken is a finding, like a crash or a sanitizer report.
 *
 *   cf_fuzz_workflow  cf_workflow_parse (loader and checker); a definition that
 *                     checks is then opened and walked by the engine
 *   cf_fuzz_import    cf_import_text (权责清单 importer), then its catalog dumped
 *                     and loaded back
 *   cf_fuzz_catalog   cf_catalog_load; a catalog that loads dumps and loads back equal
 *   cf_fuzz_request   a daemon request body as the daemon reads it, run through
 *                     cf__job_exec (the writer's job) on a scratch database
 *   cf_fuzz_period    cf_period_parse, cf_time_parse, cf_date_parse, cf_period_add
 *                     and cf_period_elapsed over the shipped calendars
 *
 * Input layouts are in each file's opening comment.
 */
#ifndef CF_FUZZ_H
#define CF_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* The source tree (workflows/ and calendars); CMake passes it. */
#ifndef CF_SOURCE_DIR
#define CF_SOURCE_DIR "."
#endif

#define CF_FUZZ_CHECK(expr)                                                                        \
    do {                                                                                           \
        if (!(expr)) {                                                                             \
            fprintf(stderr, "fuzz property broken at %s:%d: %s\n", __FILE__, __LINE__, #expr);     \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

int cf_fuzz_workflow(const uint8_t *data, size_t size);
int cf_fuzz_import(const uint8_t *data, size_t size);
int cf_fuzz_catalog(const uint8_t *data, size_t size);
int cf_fuzz_request(const uint8_t *data, size_t size);
/* Removes cf_fuzz_request's scratch database now (it is also removed at exit,
 * which a test process leaving with _exit never reaches). */
void cf_fuzz_request_cleanup(void);
int cf_fuzz_period(const uint8_t *data, size_t size);

/* Reads a file of the source tree (relative path) into a malloc'd NUL-terminated
 * buffer; aborts when it cannot (the targets need the shipped data). OUT len. */
char *cf_fuzz_slurp(const char *relpath, size_t *len);

/* The shipped calendars (workflows/calendars/2024..2026.yaml), loaded once and
 * kept for the process. Borrowed. */
struct cf_calendar_s;
const struct cf_calendar_s *cf_fuzz_calendar(void);

/* In the libFuzzer binaries, the one entry point: a file defines its target with
 * CF_FUZZ_ENTRY(fn) at its end; only the binary built with CF_FUZZ_MAIN for that
 * file gets it. */
#ifdef CF_FUZZ_MAIN
#define CF_FUZZ_ENTRY(fn)                                                                          \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);                                  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)                                   \
    {                                                                                              \
        return fn(data, size);                                                                     \
    }
#else
#define CF_FUZZ_ENTRY(fn)
#endif

#endif
