/*
 * fuzz-common.c -- what the fuzz targets share: reading the shipped data and the
 * calendars, loaded once per process.
 *
 * The calendar is kept for the life of the process and never freed: libFuzzer's
 * leak check runs per input and only counts what an input allocated and did not
 * free, so a process-wide object made on the first input is not reported.
 */
#include "fuzz.h"

#include <errno.h>
#include <string.h>

#include "calendar.h"

/* Exported, documented in fuzz.h */
char *cf_fuzz_slurp(const char *relpath, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", CF_SOURCE_DIR, relpath);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fuzz: cannot open %s: %s\n", path, strerror(errno));
        abort();
    }
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap);
    while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n + 1 == cap) {
            char *grown = realloc(buf, cap *= 2);
            if (!grown)
                free(buf);
            buf = grown;
        }
    }
    fclose(f);
    if (!buf)
        abort();
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

static cf_calendar_t *calendar;

/* Exported, documented in fuzz.h */
const cf_calendar_t *cf_fuzz_calendar(void)
{
    static const char *const years[] = {"2024", "2025", "2026"};
    if (calendar)
        return calendar;
    CF_FUZZ_CHECK(cf_calendar_new(&calendar) == 0);
    for (size_t i = 0; i < sizeof(years) / sizeof(years[0]); i++) {
        char rel[64];
        size_t len;
        cf_error_t err;
        snprintf(rel, sizeof(rel), "workflows/calendars/%s.yaml", years[i]);
        char *text = cf_fuzz_slurp(rel, &len);
        if (cf_calendar_load(calendar, text, len, rel, &err) != 0) {
            fprintf(stderr, "fuzz: %s: %s\n", rel, err.text);
            abort();
        }
        free(text);
    }
    return calendar;
}
